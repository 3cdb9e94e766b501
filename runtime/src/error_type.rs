//! [`ErrorType`]: the low-cardinality `error.type` of an error.

use std::io;

/// A low-cardinality label naming the kind of an error: `error.type` on the span and the
/// failure event, and the `error_type` label of `operation_errors_total`.
///
/// Derive it for enums (the label is the variant's name) and structs (the type's name);
/// `#[error_type("label")]` on a variant or struct replaces the derived label. Never return the
/// error's message: every distinct label is a new Prometheus series.
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
///
/// let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
/// assert_eq!(missing.error_type(), "NotFound");
/// ```
pub trait ErrorType {
    /// The label: a variant or kind name, never the message.
    fn error_type(&self) -> &'static str;
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
        other => crate::__private::names::intern(&format!("{other:?}")),
    }
}
