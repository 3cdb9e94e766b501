//! The `macro_rules!` macros expansions invoke: they build a call site's statics and span where
//! `module_path!()`, `file!()` and `line!()` name the user's code.

/// A call site's [`Site`](crate::__private::Site): where its end events' callsites, made on
/// first use, say the call site is (the caller's module, file and line); the operation's name, the attribute's failure level, its constant labels,
/// the keys of the labels it computes per call, when a call still running is reported, and its
/// objective.
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_site {
    (
        name: $name:literal, level: $level:ident, failure_level: [$($failure_level:ident)?],
        labels: [$(($key:literal, $value:literal)),*], computed: [$($computed:literal),*],
        still_running: [$($still_running:tt)?], objective: [$($objective:tt)*]
    ) => {
        $crate::__private::Site::new(
            $name,
            &[$(($key, $value)),*],
            &[$($computed),*],
            $crate::__private::EndEvents {
                success_message: ::core::concat!($name, ".success"),
                failure_message: ::core::concat!($name, ".failure"),
                cancelled_message: ::core::concat!($name, ".cancelled"),
                callsites: $crate::__private::LazyEvents::new(
                    ::core::concat!("event ", ::core::file!(), ":", ::core::line!()),
                    ::core::module_path!(),
                    ::core::file!(),
                    ::core::line!(),
                    $crate::__private::Level::$level,
                ),
            },
            $crate::__tripod_level_option!($($failure_level)?),
            $crate::__tripod_still_running!($($still_running)?),
            $crate::__tripod_objective!($($objective)*),
        )
    };
}

/// The site's objective: none, or `Some(&Objective)` of its success percentage and its latency
/// threshold in milliseconds with the percentage within it.
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_objective {
    () => {
        ::core::option::Option::None
    };
    (success: [$($success:literal)?], latency: [$($millis:literal, $target:literal)?]) => {
        ::core::option::Option::Some(&$crate::__private::Objective::new(
            $crate::__tripod_objective!(@option $($success)?),
            $crate::__tripod_objective!(@option $(($millis, $target))?),
        ))
    };
    (@option) => {
        ::core::option::Option::None
    };
    (@option $value:expr) => {
        ::core::option::Option::Some($value)
    };
}

/// The site's [`StillRunning`](crate::__private::StillRunning): the default, `off`, or after a
/// number of milliseconds.
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_still_running {
    () => {
        $crate::__private::StillRunning::Default
    };
    (off) => {
        $crate::__private::StillRunning::Off
    };
    ($millis:literal) => {
        $crate::__private::StillRunning::AfterMillis($millis)
    };
}

/// `Some(Level::X)` for a level's name, `None` for nothing.
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_level_option {
    () => {
        ::core::option::Option::None
    };
    ($level:ident) => {
        ::core::option::Option::Some($crate::__private::Level::$level)
    };
}

/// A callsite of the caller's code (its metadata names the caller's module, file and line):
/// `$name`, of kind `$kind` (`SPAN`, `EVENT`), at `$level`, with the field names `$fields`.
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_callsite {
    ($name:expr, $kind:ident, $level:ident, $fields:expr) => {{
        use $crate::__private::{DefaultCallsite, FieldSet, Identifier, Kind, Level, Metadata};
        static CALLSITE: DefaultCallsite = DefaultCallsite::new(&META);
        static META: Metadata<'static> = Metadata::new(
            $name,
            ::core::module_path!(),
            Level::$level,
            ::core::option::Option::Some(::core::file!()),
            ::core::option::Option::Some(::core::line!()),
            ::core::option::Option::Some(::core::module_path!()),
            FieldSet::new($fields, Identifier(&CALLSITE)),
            Kind::$kind,
        );
        &CALLSITE
    }};
}

/// Whether an observed body (`&closure` or `&future`) can fail: `true` when it returns a
/// `Result` (under any alias), by autoref specialization at the call site, so it is decided at
/// compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_fallible {
    ($body:expr) => {{
        use $crate::__private::probe::Probe;
        #[allow(unused_imports)]
        use $crate::__private::probe::{FallibleFn as _, FallibleFuture as _, Infallible as _};
        (&Probe($body)).__tripod_fallible()
    }};
}

/// A call's span and its `NAME.start` event, both with the attribute's fields, which are
/// evaluated once (bound by reference, so no argument moves) and only when something listens
/// at the attribute's level; both take the clock reading the call is timed from
/// ([`Opened`](crate::__private::Opened)). The call site keeps only what must be its own: the
/// two callsites (their metadata names its module, file and line) and its fields' values; the
/// span is opened and the start event sent by one out-of-line function,
/// [`Opened::open`](crate::__private::Opened::open).
///
/// `names` are the attribute's field names and `values` their values, each
/// `Option<&dyn Value>` (`None` for a field declared empty); `ret` is `["return"]` when the
/// return value is recorded on the span.
///
/// `code.file.path` and `code.line.number` are the span's metadata (`file()`, `line()`, here the
/// function's name), which the OpenTelemetry layer exports under those names: recording them as
/// fields too would repeat them in every exported span and every formatted log line.
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_span {
    (
        site: $site:ident, name: $name:literal, level: $level:ident, here: $here:ident,
        bind: [$($var:ident = $value:expr),*], names: [$($field:literal),*],
        values: [$($field_value:expr),*], ret: [$($ret:literal)?]
    ) => {
        if $crate::__private::level_enabled(&$crate::__private::Level::$level) {
            match ($(&($value),)*) {
                ($($var,)*) => {
                    use $crate::__private::Value;
                    let span = $crate::__tripod_callsite!(
                        $name,
                        SPAN,
                        $level,
                        &[
                            "code.function.name", $($field,)* "error.type",
                            "db.response.status_code", "otel.status_description", $($ret)?
                        ]
                    );
                    $crate::__private::Opened::open(
                        &$site,
                        span,
                        &[$($field,)* "message"],
                        ::core::concat!($name, ".start"),
                        &[
                            ::core::option::Option::Some(
                                &$crate::__private::fn_path(::core::any::type_name_of_val(&$here))
                                    as &dyn Value,
                            ),
                            $($field_value,)*
                            ::core::option::Option::None,
                            ::core::option::Option::None,
                            ::core::option::Option::None,
                            $($crate::__tripod_none!($ret))?
                        ],
                    )
                }
            }
        } else {
            $crate::__private::Opened::none()
        }
    };
}

/// `None`, for a field declared empty (the argument only drives a repetition).
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_none {
    ($field:literal) => {
        ::core::option::Option::None
    };
}

/// Classifies a call's result (`&R`) into an [`Outcome`](crate::__private::Outcome) by
/// autoref specialization, so it must expand where `R` is concrete: at the call site.
///
/// `Err(e)` of any `Result` (under any alias) is a failure; every other value is a success. For
/// a failure, `e` is described three ways, each by its most specific available trait: its
/// label (`ErrorType`, else the type's short name), its message (`Display`, else `Debug`, else
/// nothing) and its cause chain (`Error`, else a `Deref` to `dyn Error` as `anyhow::Error` and
/// `Box<dyn Error>` have, else none).
#[doc(hidden)]
#[macro_export]
macro_rules! __tripod_classify {
    ($result:expr) => {{
        use $crate::__private::probe::Probe;
        #[allow(unused_imports)]
        use $crate::__private::probe::{
            AnyValue as _, CauseViaBoxedError as _, CauseViaError as _,
            CauseViaSendSyncBoxedError as _, KindDefault as _, KindViaErrorType as _,
            MessageViaDebug as _, MessageViaDisplay as _, NoCause as _, NoMessage as _,
            ResultValue as _,
        };
        match (&Probe($result)).__tripod_err() {
            ::core::option::Option::Some(error) => {
                let kind = (&Probe(error)).__tripod_kind();
                $crate::__private::Outcome::failure($crate::__private::ErrorView {
                    error_type: kind.label,
                    level: kind.level,
                    message: (&&Probe(error)).__tripod_message(),
                    cause: (&&&Probe(error)).__tripod_cause(),
                    db_status_code: kind.status,
                })
            }
            ::core::option::Option::None => $crate::__private::Outcome::success(),
        }
    }};
}
