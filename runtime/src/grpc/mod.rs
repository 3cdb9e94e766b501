//! gRPC servers and clients built on tower (tonic's, or any that speak `http::Request` and
//! `http::Response` with an `http_body::Body`): a SERVER span per call with OpenTelemetry's RPC
//! attributes that continues the caller's trace, `rpc_server_call_duration_seconds`, an access
//! line ([`ServerLayer`]); a CLIENT span per call that sends its context on ([`ClientLayer`]).
//! A call's status is read where gRPC puts it: the response's headers (a trailers-only answer)
//! or the trailers after its messages, so a streaming call ends when its stream does.

mod body;
mod client;
mod path;
mod server;

pub use body::ObservedBody;
pub use client::{Client, ClientFuture, ClientLayer};
pub use server::{Server, ServerFuture, ServerLayer};
