//! [`ErrorType`]: the low-cardinality `error.type` of an error, and the level its failures are
//! logged at.

use std::collections::HashMap;
use std::io;
use std::sync::{Mutex, OnceLock};

use tracing::Level;

/// A low-cardinality label naming the kind of an error: `error.type` on the span and the
/// failure event, and the `error_type` label of `operation_errors_total`.
///
/// Derive it for enums (the label is the variant's name) and structs (the type's name);
/// `#[error_type("label")]` on a variant or struct replaces the derived label. Never return the
/// error's message: every distinct label is a new Prometheus series.
///
/// **Failure levels.** An expected failure (a 404's `NotFound`, a validation error) should not
/// page anyone: [`failure_level`](ErrorType::failure_level) says at which level its failure is
/// logged, ERROR unless said otherwise. `#[error_type(level = "warn")]` sets it for a variant, or
/// on the enum for every variant without a level of its own (label and level combine:
/// `#[error_type("overloaded", level = "warn")]`). A failure below ERROR still counts as
/// `outcome="failure"`, still increments `operation_errors_total` and still records `error.type`
/// on the span, but leaves the span's status unset, as OpenTelemetry's HTTP conventions do for
/// 4xx answers. An observed function's `failure_level = "..."` option overrides the error's level.
///
/// Errors without an implementation are labelled with their type's short name (`BadInput`;
/// `anyhow::Error` and other types named just `Error` keep their module: `anyhow::Error`;
/// `Box<dyn Error + Send + Sync>` gives `Box<dyn Error + Send + Sync>`). `std::io::Error`
/// implements it with its [`io::ErrorKind`]'s name (`NotFound`).
///
/// ```
/// use tripod::ErrorType;
///
/// #[derive(Debug, ErrorType)]
/// enum ModelError {
///     Timeout,
///     BadInput(String),
///     #[error_type("overloaded")]
///     Busy { retry_in_ms: u64 },
/// }
///
/// assert_eq!(ModelError::Timeout.error_type(), "Timeout");
/// assert_eq!(ModelError::BadInput("x".into()).error_type(), "BadInput");
/// assert_eq!(ModelError::Busy { retry_in_ms: 5 }.error_type(), "overloaded");
/// assert_eq!(ModelError::Timeout.failure_level(), tripod::Level::ERROR);
///
/// #[derive(Debug, ErrorType)]
/// enum ApiError {
///     #[error_type(level = "warn")]
///     NotFound(u64),
///     #[error_type("db", level = "error")]
///     Database(String),
/// }
/// assert_eq!(ApiError::NotFound(7).failure_level(), tripod::Level::WARN);
/// assert_eq!(ApiError::Database("down".into()).error_type(), "db");
///
/// let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
/// assert_eq!(missing.error_type(), "NotFound");
/// ```
pub trait ErrorType {
    /// The label: a variant or kind name, never the message.
    fn error_type(&self) -> &'static str;

    /// The level this error's failure event is logged at; below ERROR, the span's status stays
    /// unset. Defaults to ERROR.
    fn failure_level(&self) -> Level {
        Level::ERROR
    }
}

impl ErrorType for io::Error {
    fn error_type(&self) -> &'static str {
        io_kind_name(self.kind())
    }
}

impl ErrorType for io::ErrorKind {
    fn error_type(&self) -> &'static str {
        io_kind_name(*self)
    }
}

/// The variant name of an [`io::ErrorKind`], as its `Debug` spells it.
fn io_kind_name(kind: io::ErrorKind) -> &'static str {
    use io::ErrorKind::*;
    match kind {
        NotFound => "NotFound",
        PermissionDenied => "PermissionDenied",
        ConnectionRefused => "ConnectionRefused",
        ConnectionReset => "ConnectionReset",
        HostUnreachable => "HostUnreachable",
        NetworkUnreachable => "NetworkUnreachable",
        ConnectionAborted => "ConnectionAborted",
        NotConnected => "NotConnected",
        AddrInUse => "AddrInUse",
        AddrNotAvailable => "AddrNotAvailable",
        NetworkDown => "NetworkDown",
        BrokenPipe => "BrokenPipe",
        AlreadyExists => "AlreadyExists",
        WouldBlock => "WouldBlock",
        NotADirectory => "NotADirectory",
        IsADirectory => "IsADirectory",
        DirectoryNotEmpty => "DirectoryNotEmpty",
        ReadOnlyFilesystem => "ReadOnlyFilesystem",
        StaleNetworkFileHandle => "StaleNetworkFileHandle",
        InvalidInput => "InvalidInput",
        InvalidData => "InvalidData",
        TimedOut => "TimedOut",
        WriteZero => "WriteZero",
        StorageFull => "StorageFull",
        NotSeekable => "NotSeekable",
        QuotaExceeded => "QuotaExceeded",
        FileTooLarge => "FileTooLarge",
        ResourceBusy => "ResourceBusy",
        ExecutableFileBusy => "ExecutableFileBusy",
        Deadlock => "Deadlock",
        CrossesDevices => "CrossesDevices",
        TooManyLinks => "TooManyLinks",
        InvalidFilename => "InvalidFilename",
        ArgumentListTooLong => "ArgumentListTooLong",
        Interrupted => "Interrupted",
        Unsupported => "Unsupported",
        UnexpectedEof => "UnexpectedEof",
        OutOfMemory => "OutOfMemory",
        Other => "Other",
        // Kinds added after this list was written: interned once each, so still bounded.
        other => intern(&format!("{other:?}")),
    }
}

/// Interns `label`, so a bounded set of run-time strings can be `&'static str` labels.
fn intern(label: &str) -> &'static str {
    static INTERNED: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut interned = INTERNED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(label) = interned.get(label) {
        return label;
    }
    let leaked: &'static str = Box::leak(label.to_owned().into_boxed_str());
    interned.insert(label.to_owned(), leaked);
    leaked
}
