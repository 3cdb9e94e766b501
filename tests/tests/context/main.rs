//! A trace across services: HTTP servers and clients, gRPC, message headers and the OpenTelemetry
//! API.
//!
//! Each file a module of one binary (docs/contributing.md says why).

#[path = "../support/mod.rs"]
mod support;

mod grpc;
mod http_client;
mod http_request_accounting;
mod http_server_context;
mod observe_app;
mod opentelemetry;
mod propagation;
