//! sqlx's statement and pool events as OpenTelemetry database spans and the
//! `db_client_operation_duration_seconds` metric ([`statement`]), with what a statement's SQL
//! text says: its operation, its table, a summary ([`sql`]).

mod sql;
mod statement;

pub(crate) use statement::{
    DatabaseEvent, DatabaseSpans, Field as DatabaseField, Statement, acquire_span, acquire_wait,
};
