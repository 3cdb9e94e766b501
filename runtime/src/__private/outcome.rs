//! [`Outcome`]: how one call ended, as the call site's classification saw it; [`Outcomes`]: how
//! a call site's calls can end.

use std::error::Error;
use std::fmt::{self, Debug, Display};

/// How a call returned (a panic and a cancellation are recorded by [`Call`](super::Call) itself).
pub enum Outcome<'a> {
    /// The call succeeded; `ret` holds the value when the attribute says `ret`.
    Success { ret: Option<&'a dyn Debug> },
    /// The call returned `Err`.
    Failure(ErrorView<'a>),
}

impl<'a> Outcome<'a> {
    #[inline]
    pub fn success() -> Self {
        Outcome::Success { ret: None }
    }

    #[inline]
    pub fn failure(error: ErrorView<'a>) -> Self {
        Outcome::Failure(error)
    }

    /// Adds the returned value to a success, for `ret`.
    #[inline]
    pub fn with_return<R: Debug>(self, value: &'a R) -> Self {
        match self {
            Outcome::Success { .. } => Outcome::Success { ret: Some(value) },
            failure @ Outcome::Failure(_) => failure,
        }
    }
}

/// An error as the failure event and metrics describe it.
pub struct ErrorView<'a> {
    /// `error.type`: low cardinality, never the message.
    pub error_type: &'static str,
    /// The level of the failure event ([`ErrorType::failure_level`](crate::ErrorType::failure_level),
    /// else ERROR), unless the attribute overrides it.
    pub level: tracing::Level,
    /// `error`.
    pub message: Message<'a>,
    /// The error as `dyn Error`, whose `source()` chain gives `error.sources`.
    pub cause: Option<&'a (dyn Error + 'static)>,
    /// `db.response.status_code` ([`ErrorType::db_status_code`](crate::ErrorType::db_status_code)).
    pub db_status_code: Option<std::borrow::Cow<'a, str>>,
}

/// An error's message: `Display` where it has one, else `Debug`.
#[derive(Clone, Copy)]
pub enum Message<'a> {
    Display(&'a dyn Display),
    Debug(&'a dyn Debug),
    /// Neither: the error type's name stands in.
    None,
}

impl Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Display(message) => Display::fmt(message, f),
            Message::Debug(message) => Debug::fmt(message, f),
            Message::None => f.write_str("error"),
        }
    }
}

/// `error.sources`: the `source()` chain below an error, joined by `": "`.
pub(crate) struct Sources<'a>(pub(crate) &'a (dyn Error + 'static));

impl Sources<'_> {
    /// Whether the error has any source at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.source().is_none()
    }
}

impl Display for Sources<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut next = self.0.source();
        let mut first = true;
        while let Some(source) = next {
            if !first {
                f.write_str(": ")?;
            }
            Display::fmt(source, f)?;
            first = false;
            next = source.source();
        }
        Ok(())
    }
}

/// Which outcomes a call site can have, besides success and panic: the macro knows whether the
/// body is a future (so it can be dropped unfinished) and asks the body's type whether it returns
/// a `Result`. Only these outcomes' series are created ahead of use, so `/metrics` holds no
/// series that can never move; a panic's series appears with the first panic.
#[derive(Clone, Copy, Debug)]
pub struct Outcomes {
    pub(crate) failure: bool,
    pub(crate) cancelled: bool,
}

impl Outcomes {
    /// A synchronous body: never cancelled.
    #[inline(always)]
    pub const fn sync(fallible: bool) -> Outcomes {
        Outcomes {
            failure: fallible,
            cancelled: false,
        }
    }

    /// A future: cancelled when dropped unfinished.
    #[inline(always)]
    pub const fn future(fallible: bool) -> Outcomes {
        Outcomes {
            failure: fallible,
            cancelled: true,
        }
    }
}
