//! Autoref specialization: each trait below offers the same method for a differently referenced
//! [`Probe`], and method resolution picks the most specific one whose bounds hold for the
//! concrete type at the call site. [`classify!`](crate::__private::classify) calls them.
//!
//! Levels, most specific first (the receiver written in `classify!` in brackets):
//! - result `(&Probe(r))`: `Result<T, E>` gives `Some(&e)` on `Err`; anything else `None`;
//! - label, level and database status code, together `(&Probe(e))`: [`ErrorType`]; else the
//!   type's short name, ERROR and none;
//! - message `(&&Probe(e))`: `Display`; else `Debug`; else none;
//! - cause `(&&&Probe(e))`: `Error + 'static`; else `Deref<Target = dyn Error + Send + Sync>`
//!   (`anyhow::Error`, `Box<dyn Error + Send + Sync>`); else `Deref<Target = dyn Error>`; else none.
//!
//! And, before the call, whether its body can fail at all, from the body's type
//! (`(&Probe(&body))`): a closure returning a `Result`, or a future whose output is one.

use std::borrow::Cow;
use std::convert::Infallible as Never;
use std::error::Error;
use std::fmt::{Debug, Display};
use std::future::Future;
use std::ops::Deref;

use tracing::Level;

use super::names::short_type_name;
use super::outcome::Message;
use crate::ErrorType;

/// Wraps a reference so the traits below can be implemented for it at several depths.
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// A `Result`: its error, if it is one.
pub trait ResultValue<'a, E> {
    fn __tripod_err(&self) -> Option<&'a E>;
}
impl<'a, T, E> ResultValue<'a, E> for Probe<'a, Result<T, E>> {
    #[inline]
    fn __tripod_err(&self) -> Option<&'a E> {
        self.0.as_ref().err()
    }
}

/// Any other value: never a failure.
pub trait AnyValue {
    fn __tripod_err(&self) -> Option<&'static Never>;
}
impl<T: ?Sized> AnyValue for &Probe<'_, T> {
    #[inline]
    fn __tripod_err(&self) -> Option<&'static Never> {
        None
    }
}

/// What an error says of itself: its label (`error.type`), the level its failure is logged at and
/// its database status code. One probe for the three, since all come from [`ErrorType`] or
/// all take their defaults: each probe is a method resolution the compiler makes at every
/// observed function (BENCHMARKS.md, "build cost").
pub struct Declared<'a> {
    pub label: &'static str,
    pub level: Level,
    pub status: Option<Cow<'a, str>>,
}

pub trait KindViaErrorType<'a> {
    fn __tripod_kind(&self) -> Declared<'a>;
}

impl<'a, E: ErrorType + ?Sized> KindViaErrorType<'a> for Probe<'a, E> {
    fn __tripod_kind(&self) -> Declared<'a> {
        Declared {
            label: self.0.error_type(),
            level: self.0.failure_level(),
            status: self.0.db_status_code(),
        }
    }
}

pub trait KindDefault<'a> {
    fn __tripod_kind(&self) -> Declared<'a>;
}

impl<'a, E: ?Sized> KindDefault<'a> for &Probe<'a, E> {
    fn __tripod_kind(&self) -> Declared<'a> {
        Declared {
            label: short_type_name::<E>(),
            level: Level::ERROR,
            status: None,
        }
    }
}

/// A synchronous body returning a `Result`: it can fail.
pub trait FallibleFn<T, E> {
    fn __tripod_fallible(&self) -> bool;
}
impl<F, T, E> FallibleFn<T, E> for Probe<'_, F>
where
    F: FnOnce() -> Result<T, E>,
{
    #[inline(always)]
    fn __tripod_fallible(&self) -> bool {
        true
    }
}

/// An async body whose output is a `Result`: it can fail.
pub trait FallibleFuture<T, E> {
    fn __tripod_fallible(&self) -> bool;
}
impl<F, T, E> FallibleFuture<T, E> for Probe<'_, F>
where
    F: Future<Output = Result<T, E>>,
{
    #[inline(always)]
    fn __tripod_fallible(&self) -> bool {
        true
    }
}

/// Any other body: it cannot fail (it can still panic).
pub trait Infallible {
    fn __tripod_fallible(&self) -> bool;
}
impl<F: ?Sized> Infallible for &Probe<'_, F> {
    #[inline(always)]
    fn __tripod_fallible(&self) -> bool {
        false
    }
}

pub trait MessageViaDisplay<'a> {
    fn __tripod_message(&self) -> Message<'a>;
}
impl<'a, E: Display> MessageViaDisplay<'a> for &Probe<'a, E> {
    fn __tripod_message(&self) -> Message<'a> {
        Message::Display(self.0)
    }
}

pub trait MessageViaDebug<'a> {
    fn __tripod_message(&self) -> Message<'a>;
}
impl<'a, E: Debug> MessageViaDebug<'a> for &&Probe<'a, E> {
    fn __tripod_message(&self) -> Message<'a> {
        Message::Debug(self.0)
    }
}

pub trait NoMessage<'a> {
    fn __tripod_message(&self) -> Message<'a>;
}
impl<'a, E: ?Sized> NoMessage<'a> for Probe<'a, E> {
    fn __tripod_message(&self) -> Message<'a> {
        Message::None
    }
}

pub trait CauseViaError<'a> {
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, E: Error + 'static> CauseViaError<'a> for &&Probe<'a, E> {
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)> {
        Some(self.0)
    }
}

pub trait CauseViaSendSyncBoxedError<'a> {
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, E> CauseViaSendSyncBoxedError<'a> for &&&Probe<'a, E>
where
    E: Deref<Target = dyn Error + Send + Sync + 'static>,
{
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)> {
        Some(&**self.0)
    }
}

pub trait CauseViaBoxedError<'a> {
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, E> CauseViaBoxedError<'a> for &Probe<'a, E>
where
    E: Deref<Target = dyn Error + 'static>,
{
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)> {
        Some(&**self.0)
    }
}

pub trait NoCause<'a> {
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, E: ?Sized> NoCause<'a> for Probe<'a, E> {
    fn __tripod_cause(&self) -> Option<&'a (dyn Error + 'static)> {
        None
    }
}
