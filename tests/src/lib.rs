//! Tests of tripod: trybuild UI cases under `ui/`, behaviour tests under `tests/`, and the
//! overhead benchmark under `benches/`. Shared test helpers live in `tests/support/`.
