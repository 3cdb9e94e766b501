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

    /// The status code a database answered with (its SQLSTATE, or its own error number), which
    /// the span and the failure event record as `db.response.status_code`, as OpenTelemetry's
    /// database conventions name it. Defaults to none; `sqlx::Error` gives its database's code
    /// (feature `sqlx`).
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use tripod::ErrorType;
    ///
    /// struct Constraint;
    /// impl ErrorType for Constraint {
    ///     fn error_type(&self) -> &'static str {
    ///         "UniqueViolation"
    ///     }
    ///     fn db_status_code(&self) -> Option<Cow<'_, str>> {
    ///         Some("23505".into())
    ///     }
    /// }
    /// assert_eq!(Constraint.db_status_code().as_deref(), Some("23505"));
    /// ```
    fn db_status_code(&self) -> Option<std::borrow::Cow<'_, str>> {
        None
    }
}

/// `sqlx::Error`'s variant (`Database`, `RowNotFound`, `PoolTimedOut`, `Io`, …), and for a
/// database error the database's code as `db.response.status_code` (`2067` for SQLite's unique
/// constraint, `23505` for PostgreSQL's).
#[cfg(feature = "sqlx")]
impl ErrorType for sqlx_core::Error {
    fn error_type(&self) -> &'static str {
        use sqlx_core::Error::*;
        match self {
            Configuration(_) => "Configuration",
            InvalidArgument(_) => "InvalidArgument",
            Database(_) => "Database",
            Io(_) => "Io",
            Tls(_) => "Tls",
            Protocol(_) => "Protocol",
            RowNotFound => "RowNotFound",
            TypeNotFound { .. } => "TypeNotFound",
            ColumnIndexOutOfBounds { .. } => "ColumnIndexOutOfBounds",
            ColumnNotFound(_) => "ColumnNotFound",
            ColumnDecode { .. } => "ColumnDecode",
            Encode(_) => "Encode",
            Decode(_) => "Decode",
            AnyDriverError(_) => "AnyDriverError",
            PoolTimedOut => "PoolTimedOut",
            PoolClosed => "PoolClosed",
            WorkerCrashed => "WorkerCrashed",
            InvalidSavePointStatement => "InvalidSavePointStatement",
            BeginFailed => "BeginFailed",
            // Variants added later: the name `Debug` starts with, interned (a bounded set).
            other => {
                let debug = format!("{other:?}");
                let end = debug
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .unwrap_or(debug.len());
                intern(&debug[..end])
            }
        }
    }

    fn db_status_code(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            sqlx_core::Error::Database(error) => error.code(),
            _ => None,
        }
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

#[cfg(all(test, feature = "sqlx"))]
mod sqlx_tests {
    use std::borrow::Cow;

    use super::ErrorType;

    /// A database's error, as a driver reports it.
    #[derive(Debug)]
    struct Unique;

    impl std::fmt::Display for Unique {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("duplicate key value violates unique constraint")
        }
    }

    impl std::error::Error for Unique {}

    impl sqlx_core::error::DatabaseError for Unique {
        fn message(&self) -> &str {
            "duplicate key value violates unique constraint"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some("23505".into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx_core::error::ErrorKind {
            sqlx_core::error::ErrorKind::UniqueViolation
        }
    }

    #[test]
    fn a_sqlx_error_is_labelled_by_its_variant_and_a_database_error_gives_its_code() {
        let database = sqlx_core::Error::Database(Box::new(Unique));
        assert_eq!(database.error_type(), "Database");
        assert_eq!(database.db_status_code().as_deref(), Some("23505"));
        assert_eq!(sqlx_core::Error::RowNotFound.error_type(), "RowNotFound");
        assert_eq!(sqlx_core::Error::PoolTimedOut.error_type(), "PoolTimedOut");
        assert_eq!(sqlx_core::Error::PoolTimedOut.db_status_code(), None);
        let io = sqlx_core::Error::Io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(io.error_type(), "Io");
    }
}
