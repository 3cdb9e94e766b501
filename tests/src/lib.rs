//! Tests of tripod: trybuild UI cases under `ui/`, behaviour tests under `tests/`, benchmarks under
//! `benches/`. The library holds what tests of several packages share: [`backends`], the real
//! backends end-to-end tests talk to (the example service's tests use it too), and [`otlp_receiver`], an OTLP/HTTP
//! receiver that decodes what it gets.

pub mod backends;
pub mod otlp_receiver;
