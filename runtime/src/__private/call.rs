//! [`Call`]: the guard that times one call of an observed function and records its outcome
//! exactly once, and [`Observed`], the future that drives an async body under it.

use std::any::Any;
use std::fmt::Display;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use metrics::{Gauge, Label, Recorder};
use tracing::Span;
use tracing::field::display;
use tracing::level_filters::LevelFilter;

use super::events::{self, FailureFields};
use super::metric_handles::{self, Handles, OutcomeLabel};
use super::outcome::{Outcome, Outcomes, Sources};
use super::recorder::{self, RecorderKind};
use super::site::{LabelValues, Site};
use crate::call_path::{self, CallEnd, CallPath, Derived, Ending};
use crate::tick::{CallMark, Lent, Tick};

/// Where a call's metrics go, decided when it starts.
enum Series {
    /// No recorder: nothing to record, and no clock to read for it.
    Off,
    /// The global recorder: the site's cached handles.
    Global(&'static Handles),
    /// tripod's recorder and collector: the collector thread records the call's metrics from its
    /// span's start and end records (`call_path::CallMetrics`); nothing here.
    Collected,
    /// A thread-local recorder (or a label set the site keeps no handles for): the series are
    /// looked up when used, by these labels; the in-flight gauge is incremented at the start, to
    /// decrement at the end. Boxed: the common kinds keep a call small to move.
    Lookup(Box<Lookup>),
}

/// A [`Series::Lookup`]'s in-flight gauge and labels.
struct Lookup {
    in_flight: Gauge,
    labels: Vec<Label>,
}

impl Series {
    /// A call of a site without computed labels, whose span `opened` opened.
    #[inline(always)]
    fn open(site: &'static Site, outcomes: Outcomes, opened: &Opened) -> Series {
        // The collector thread records it: once the site's series are resolved, nothing to do.
        if opened.collected && site.global_handles().is_some() {
            return Series::Collected;
        }
        metrics::with_recorder(|recorder| match recorder::kind_of(recorder) {
            RecorderKind::Noop => Series::Off,
            RecorderKind::Global => {
                let handles = site.handles(recorder, outcomes);
                if opened.collected {
                    return Series::Collected;
                }
                handles.in_flight.increment(1.0);
                Series::Global(handles)
            }
            RecorderKind::Local => Series::lookup(recorder, site, Vec::new()),
        })
    }

    /// A call whose computed labels have `values`.
    fn open_labelled(site: &'static Site, outcomes: Outcomes, values: LabelValues) -> Series {
        let Some(values) = values.0 else {
            return Series::Off;
        };
        metrics::with_recorder(|recorder| match recorder::kind_of(recorder) {
            RecorderKind::Noop => Series::Off,
            RecorderKind::Global => match site.handles_for(recorder, outcomes, &values) {
                Some(handles) => {
                    handles.in_flight.increment(1.0);
                    Series::Global(handles)
                }
                None => Series::lookup(recorder, site, values),
            },
            RecorderKind::Local => Series::lookup(recorder, site, values),
        })
    }

    #[cold]
    fn lookup(recorder: &dyn Recorder, site: &'static Site, values: Vec<String>) -> Series {
        crate::metric_names::describe(recorder);
        let labels = site.labels(&values);
        let in_flight = metric_handles::in_flight(recorder, site.name, &labels);
        in_flight.increment(1.0);
        Series::Lookup(Box::new(Lookup { in_flight, labels }))
    }

    fn close(
        &self,
        site: &Site,
        outcome: OutcomeLabel,
        seconds: Option<f64>,
        error_type: Option<&'static str>,
    ) {
        let seconds = seconds.unwrap_or_default();
        let labels = match self {
            Series::Off | Series::Collected => return,
            Series::Global(handles) => {
                handles.duration(site.name, outcome).record(seconds);
                handles.in_flight.decrement(1.0);
                handles.labels()
            }
            Series::Lookup(lookup) => {
                let Lookup { in_flight, labels } = &**lookup;
                metrics::with_recorder(|recorder| {
                    metric_handles::duration(recorder, site.name, labels, outcome).record(seconds)
                });
                in_flight.decrement(1.0);
                labels
            }
        };
        if let Some(error_type) = error_type {
            metrics::with_recorder(|recorder| {
                metric_handles::errors(recorder, site.name, labels, error_type).increment(1)
            });
        }
    }
}

/// A call's span as `span!` opens it, with the clock reading its call is timed from, lent to
/// the span's start and its `NAME.start` event until [`Call::start`] takes it, and the way its
/// lines go (which the span's start said: `crate::call_path`).
pub struct Opened {
    span: Span,
    started: Option<Lent>,
    path: CallPath,
    /// Whether the collector thread records the call's metrics (its span's start took them).
    collected: bool,
}

impl Opened {
    /// Reads the clock and lends the reading, for the span about to open of a call of `site`
    /// (with the site's metrics, when the collector thread records them).
    #[inline]
    pub fn start(site: &'static Site) -> OpenedAt {
        let metrics = site.collected_metrics();
        OpenedAt(Lent::for_call(CallMark(metrics)), metrics.is_some())
    }

    /// No span: nothing listens at the call's level.
    #[inline]
    pub fn none() -> Opened {
        Opened {
            span: Span::none(),
            started: None,
            path: CallPath::Events,
            collected: false,
        }
    }

    /// The call's span.
    #[inline]
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Whether the `NAME.start` event is dispatched: not under tripod's subscriber, whose
    /// collector derives the line from the span's start; under tripod's layer for the other
    /// layers only, while the returned guard lives.
    #[inline]
    pub fn start_event(&self) -> Option<StartEvent> {
        match self.path {
            CallPath::Derived => None,
            CallPath::Events => Some(StartEvent(None)),
            CallPath::Layer => Some(StartEvent(Some(call_path::derived()))),
        }
    }
}

/// While it lives, the start event being dispatched is one tripod's layer derives itself.
pub struct StartEvent(#[allow(dead_code)] Option<Derived>);

/// The reading a span is about to open at ([`Opened::start`]), and whether it carries the call
/// site's metrics.
pub struct OpenedAt(Lent, bool);

impl OpenedAt {
    /// The span that opened (its start said which way the call's lines go, and took the call
    /// site's metrics when one of tripod's recorded it).
    #[inline]
    pub fn with(self, span: Span) -> Opened {
        let path = call_path::take_start();
        Opened {
            span,
            started: Some(self.0),
            path,
            collected: self.1 && path != CallPath::Events,
        }
    }
}

/// One call of an observed function, from its start to its one recorded outcome.
///
/// The outcome is recorded by [`run`](Call::run)/[`Observed`] when the body returns or panics,
/// and otherwise by `Drop`: as a panic while unwinding, else as a cancellation.
#[must_use = "a call records nothing unless it runs the body"]
pub struct Call {
    site: &'static Site,
    span: Span,
    started: Option<Tick>,
    series: Series,
    path: CallPath,
    done: bool,
}

impl Call {
    /// Starts a call: increments the in-flight gauge and reads the clock (the TSC, unscaled:
    /// [`Tick`]), unless nothing listens.
    #[inline(always)]
    pub fn start(site: &'static Site, span: Opened, outcomes: Outcomes) -> Call {
        let series = Series::open(site, outcomes, &span);
        Call::with_series(site, span, series)
    }

    /// Starts a call of a site with labels computed per call (`labels(k = %expr)`), whose values
    /// are `values` ([`label_values`](super::label_values)), in the order of the attribute's
    /// computed labels.
    pub fn start_labelled(
        site: &'static Site,
        span: Opened,
        outcomes: Outcomes,
        values: LabelValues,
    ) -> Call {
        debug_assert!(site.computes_labels());
        Call::with_series(site, span, Series::open_labelled(site, outcomes, values))
    }

    #[inline(always)]
    fn with_series(site: &'static Site, opened: Opened, series: Series) -> Call {
        let timed = !matches!(series, Series::Off) || LevelFilter::current() != LevelFilter::OFF;
        if !timed && opened.span.is_none() && opened.started.is_none() {
            // Nothing listens and nothing was opened: a call of constants, not the opened span
            // moved through the stack (its copy stalled on store forwarding: ≈ 4.5 ns of
            // nothing installed's 11).
            std::mem::forget(opened);
            return Call {
                site,
                span: Span::none(),
                started: None,
                series,
                path: CallPath::Events,
                done: false,
            };
        }
        let Opened {
            span,
            started,
            path,
            ..
        } = opened;
        // The reading the span started at, when it was taken; the lend ends here.
        let started = timed.then(|| started.map_or_else(Tick::now, |lent| lent.tick()));
        Call {
            site,
            span,
            started,
            series,
            path,
            done: false,
        }
    }

    /// Whether nothing listens to this call at all: no recorder, no subscriber at any level.
    /// Such a call runs its body bare and records nothing.
    #[inline]
    fn inert(&self) -> bool {
        self.started.is_none()
    }

    /// Runs a synchronous body inside the call's span and records how it ended; a panic is
    /// recorded with its message and keeps unwinding.
    #[inline(always)]
    pub fn run<R, C>(mut self, body: impl FnOnce() -> R, classify: C) -> R
    where
        C: for<'a> FnOnce(&'a R) -> Outcome<'a>,
    {
        if self.inert() {
            if self.span.is_none() {
                // Nothing to record and nothing held (no span, `Series::Off`): not dropped, so
                // the bare call pays no drop glue (≈ 1 ns of nothing installed's 12).
                std::mem::forget(self);
            } else {
                self.done = true;
            }
            return body();
        }
        // The outcome is recorded inside the span too, so its metrics' exemplars point at it.
        let entered = self.span.enter();
        match panic::catch_unwind(AssertUnwindSafe(body)) {
            Ok(value) => {
                self.done = true;
                let (ended, ending) = self.finish(classify(&value));
                drop(entered);
                self.close_span(ended, ending);
                value
            }
            Err(payload) => {
                self.done = true;
                let ended = self.panicked(Some(&*payload));
                drop(entered);
                self.close_span(ended, Ending::Panic);
                panic::resume_unwind(payload)
            }
        }
    }

    /// Drives an async body inside the call's span (entered on every poll) and records how it
    /// ended, or that it was dropped first.
    #[inline]
    pub fn run_async<F, C>(self, future: F, classify: C) -> Observed<F, C>
    where
        F: Future,
        C: for<'a> FnOnce(&'a F::Output) -> Outcome<'a>,
    {
        Observed {
            future,
            call: self,
            classify: Some(classify),
        }
    }

    /// Reads the end: the reading, lent to what the caller records while it lives (the outcome's
    /// event and fields), then seconds (for the histogram) and milliseconds (for `duration_ms`);
    /// nothing for a call nothing times. The milliseconds are whole nanoseconds divided once, so
    /// they print without float noise (`1.387536`, not `1.3875359999999999`).
    fn end(&self) -> (Option<Lent>, Option<f64>, Option<f64>) {
        let Some(started) = self.started else {
            return (None, None, None);
        };
        let ended = Lent::now();
        let elapsed = ended.tick().since(started);
        (
            Some(ended),
            Some(elapsed.as_secs_f64()),
            Some(elapsed.as_nanos() as f64 / 1e6),
        )
    }

    /// Closes the call's span (unless other handles hold it) while the end's reading is still
    /// lent: the span ends when the call does, not when an async caller drops the finished
    /// future, so the span and the histogram measure one interval. Under tripod's subscriber the
    /// close is told how the call ended ([`call_path::closing`]): the collector derives the
    /// success line from it, and ends the span's record at the call's end even when another
    /// handle keeps the span open longer.
    fn close_span(&mut self, ended: Option<Lent>, ending: Ending) {
        let span = std::mem::replace(&mut self.span, Span::none());
        match self.path {
            // tripod's subscriber is told whether or not the span closes.
            CallPath::Derived => {
                call_path::closing(ending, || drop(span));
            }
            // tripod's layer only when it closes: else the call's end is recorded on its own.
            CallPath::Layer => {
                let held = span.with_subscriber(|(id, dispatch)| (id.clone(), dispatch.clone()));
                if !call_path::closing(ending, || drop(span))
                    && let Some((id, dispatch)) = held
                {
                    call_path::record_end(&dispatch, &id, CallEnd::Ended(ending));
                }
            }
            CallPath::Events => drop(span),
        }
        drop(ended);
    }

    /// Records how the call ended (the caller has marked it done); returns the end's reading,
    /// still lent, for the span's close, and what the close is told.
    fn finish(&self, outcome: Outcome<'_>) -> (Option<Lent>, Ending) {
        let (ended, seconds, millis) = self.end();
        let events = &self.site.events;
        match outcome {
            Outcome::Success { ret } => {
                self.series
                    .close(self.site, OutcomeLabel::Success, seconds, None);
                if let Some(ret) = ret {
                    self.span.record("return", tracing::field::debug(ret));
                }
                // Under tripod's subscriber the collector derives it from the span's end.
                if self.path != CallPath::Derived && events::enabled(events.success) {
                    events::success(
                        events.success,
                        events.success_message,
                        &self.span,
                        self.path,
                        millis,
                        ret,
                    );
                }
                (ended, Ending::Success)
            }
            Outcome::Failure(error) => {
                self.series.close(
                    self.site,
                    OutcomeLabel::Failure,
                    seconds,
                    Some(error.error_type),
                );
                self.failed(
                    self.site.failure_level.unwrap_or(error.level),
                    FailureFields {
                        error: Some(&error.message),
                        error_type: error.error_type,
                        sources: error.cause.map(Sources),
                        duration_ms: millis,
                        db_status_code: error.db_status_code.as_deref(),
                    },
                );
                (
                    ended,
                    Ending::Failure {
                        error_type: error.error_type,
                    },
                )
            }
        }
    }

    /// Records a panic; returns the end's reading, still lent, for the span's close (as the call
    /// ends, not as the unwinding drops it).
    fn panicked(&self, payload: Option<&(dyn Any + Send)>) -> Option<Lent> {
        let (ended, seconds, millis) = self.end();
        self.series
            .close(self.site, OutcomeLabel::Panic, seconds, Some("panic"));
        let message = payload.and_then(|payload| {
            payload
                .downcast_ref::<&'static str>()
                .map(|message| message as &dyn Display)
                .or_else(|| {
                    payload
                        .downcast_ref::<String>()
                        .map(|message| message as &dyn Display)
                })
        });
        self.failed(
            tracing::Level::ERROR,
            FailureFields {
                error: message,
                error_type: "panic",
                sources: None,
                duration_ms: millis,
                db_status_code: None,
            },
        );
        ended
    }

    /// `error.type` on the span, its error status when the failure is at ERROR (an expected
    /// failure below it leaves the status unset), and the failure event at `level`.
    fn failed(&self, level: tracing::Level, failure: FailureFields<'_>) {
        if !self.span.is_disabled() {
            self.span.record("error.type", failure.error_type);
            if let Some(code) = failure.db_status_code {
                self.span.record("db.response.status_code", code);
            }
            if level == tracing::Level::ERROR {
                match failure.error {
                    Some(error) => self.span.record("otel.status_description", display(error)),
                    None => self
                        .span
                        .record("otel.status_description", failure.error_type),
                };
            }
        }
        let events = &self.site.events;
        let callsite = events.failure_at(level);
        if events::enabled(callsite) {
            events::failure(
                callsite,
                events.failure_message,
                &self.span,
                self.path,
                failure,
            );
        }
    }

    /// Records a cancellation; returns the end's reading, still lent, for the span's close.
    fn cancelled(&self) -> Option<Lent> {
        let (ended, seconds, millis) = self.end();
        self.series
            .close(self.site, OutcomeLabel::Cancelled, seconds, None);
        let events = &self.site.events;
        if events::enabled(events.cancelled) {
            events::cancelled(
                events.cancelled,
                events.cancelled_message,
                &self.span,
                self.path,
                millis,
            );
        }
        ended
    }
}

/// What the collector thread records of a site's calls, when they leave their metrics to it.
impl call_path::CallMetrics for Site {
    fn started(&'static self) -> bool {
        let Some(handles) = self.global_handles() else {
            return false;
        };
        handles.in_flight.increment(1.0);
        true
    }

    fn ended(&'static self, ending: Ending, seconds: f64, started: bool) {
        let Some(handles) = self.global_handles() else {
            return;
        };
        if !started {
            // The call was not counted in: it is not counted out.
            handles.in_flight.increment(1.0);
        }
        let (outcome, error_type) = match ending {
            Ending::Success => (OutcomeLabel::Success, None),
            Ending::Failure { error_type } => (OutcomeLabel::Failure, Some(error_type)),
            Ending::Panic => (OutcomeLabel::Panic, Some("panic")),
            Ending::Cancelled => (OutcomeLabel::Cancelled, None),
        };
        Series::Global(handles).close(self, outcome, Some(seconds), error_type);
    }
}

impl Drop for Call {
    #[inline]
    fn drop(&mut self) {
        if !(self.done || self.inert()) {
            self.unfinished();
        }
    }
}

impl Call {
    /// Dropped without an outcome: unwinding from a panic, or a future dropped before completing.
    #[cold]
    #[inline(never)]
    fn unfinished(&mut self) {
        self.done = true;
        let entered = self.span.enter();
        let (ended, ending) = if std::thread::panicking() {
            (self.panicked(None), Ending::Panic)
        } else {
            (self.cancelled(), Ending::Cancelled)
        };
        drop(entered);
        self.close_span(ended, ending);
    }
}

pin_project_lite::pin_project! {
    /// An observed async body: polls it inside the call's span and records the outcome when it
    /// completes, panics, or is dropped before completing.
    #[must_use = "futures do nothing unless polled"]
    pub struct Observed<F, C> {
        #[pin]
        future: F,
        call: Call,
        classify: Option<C>,
    }
}

impl<F, C> Future for Observed<F, C>
where
    F: Future,
    C: for<'a> FnOnce(&'a F::Output) -> Outcome<'a>,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if this.call.inert() {
            let polled = this.future.poll(cx);
            this.call.done = polled.is_ready();
            return polled;
        }
        let call = this.call;
        let entered = call.span.enter();
        let future = this.future;
        match panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Ready(output)) => {
                let classify = this
                    .classify
                    .take()
                    .expect("an observed future polled after it completed");
                call.done = true;
                let (ended, ending) = call.finish(classify(&output));
                drop(entered);
                call.close_span(ended, ending);
                Poll::Ready(output)
            }
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                call.done = true;
                let ended = call.panicked(Some(&*payload));
                drop(entered);
                call.close_span(ended, Ending::Panic);
                panic::resume_unwind(payload)
            }
        }
    }
}
