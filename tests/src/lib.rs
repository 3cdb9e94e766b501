//! Tests of tripod: trybuild UI cases under `ui/`, behaviour tests under `tests/`, benchmarks under
//! `benches/`. The library holds what tests of several packages share: [`backends`], the real
//! backends end-to-end tests talk to (the example service's tests use it too), [`otlp_receiver`], an OTLP receiver (HTTP and
//! gRPC, plain or TLS, gzip) that decodes what it gets, [`certificates`] for its TLS, and
//! [`imports`], the import graph the layering test reads.

pub mod backends;
pub mod certificates;
pub mod imports;
pub mod otlp_receiver;
pub mod prometheus_translation;
