//! The HTTP API, one file per resource.

pub mod health;
pub mod predict;
pub mod todos;
