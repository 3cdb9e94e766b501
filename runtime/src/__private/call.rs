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
use tracing::field::Value;
use tracing::field::display;
use tracing::level_filters::LevelFilter;
use tracing_core::callsite::DefaultCallsite;

use super::events::{self, FailureFields};
use super::metric_handles::{self, Handles, OutcomeLabel};
use super::outcome::{Outcome, Outcomes, Sources};
use super::recorder::{self, RecorderKind};
use super::site::{LabelValues, Site};
use crate::call_path::{self, CallEnd, CallPath, Ending};
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
        site.declare_objective(recorder);
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
    /// Opens a call's span from its callsite `span` and its fields' `values` (in the callsite's
    /// order: `code.function.name`, the attribute's fields, then those recorded later, empty),
    /// checked as `tracing`'s own `span!` checks (the callsite's cached interest, then the
    /// subscriber), with the clock read for the call just before, and sends its `NAME.start`
    /// event (`message`, after the attribute's fields `start_fields` name) from the site's start
    /// callsite where the span's start does not derive it. Out of line, so that every observed function calls this
    /// one copy (BENCHMARKS.md, "build cost").
    #[inline(never)]
    pub fn open(
        site: &'static Site,
        span: &'static DefaultCallsite,
        start_fields: &'static [&'static str],
        message: &'static str,
        values: &[Option<&dyn Value>],
    ) -> Opened {
        use tracing_core::Callsite as _;
        let metadata = span.metadata();
        let interest = span.interest();
        if interest.is_never()
            || !(interest.is_always()
                || tracing::dispatcher::get_default(|dispatch| dispatch.enabled(metadata)))
        {
            return Opened::none();
        }
        let metrics = site.collected_metrics();
        let lent = Lent::for_call(CallMark {
            metrics,
            still_running: site.still_running,
        });
        let span = Span::new(metadata, &metadata.fields().value_set_all(values));
        let path = call_path::take_start();
        let opened = Opened {
            span,
            started: Some(lent),
            path,
            collected: metrics.is_some() && path != CallPath::Events,
        };
        let start = || site.events.start(start_fields);
        match path {
            CallPath::Derived => {}
            CallPath::Events => events::start(start(), &opened.span, message, values),
            CallPath::Layer => {
                // Dispatched for the application's other layers; tripod's derives its own.
                let _derived = call_path::derived();
                events::start(start(), &opened.span, message, values);
            }
        }
        opened
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
}

/// A call's recorded end: the end's reading, still lent, for its span's close, and what the close
/// is told.
type Finished = (Option<Lent>, Ending);

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
        if span.span.is_none()
            && span.started.is_none()
            && LevelFilter::current() == LevelFilter::OFF
            && metrics::with_recorder(recorder::kind_of) == RecorderKind::Noop
        {
            // Nothing listens and nothing was opened: a call of constants, not the opened span
            // moved through the stack (its copy stalls on store forwarding).
            std::mem::forget(span);
            return Call::unobserved(site);
        }
        Call::start_listened(site, span, outcomes)
    }

    /// A call something listens to. Out of line, so that every observed function calls this one
    /// copy (BENCHMARKS.md, "build cost").
    #[inline(never)]
    fn start_listened(site: &'static Site, span: Opened, outcomes: Outcomes) -> Call {
        let series = Series::open(site, outcomes, &span);
        Call::with_series(site, span, series)
    }

    /// A call nothing listens to: it runs its body bare and records nothing.
    #[inline(always)]
    fn unobserved(site: &'static Site) -> Call {
        Call {
            site,
            span: Span::none(),
            started: None,
            series: Series::Off,
            path: CallPath::Events,
            done: false,
        }
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

    #[inline]
    fn with_series(site: &'static Site, opened: Opened, series: Series) -> Call {
        let timed = !matches!(series, Series::Off) || LevelFilter::current() != LevelFilter::OFF;
        if !timed && opened.span.is_none() && opened.started.is_none() {
            std::mem::forget(opened);
            return Call::unobserved(site);
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
                // the bare call pays no drop glue.
                std::mem::forget(self);
            } else {
                self.done = true;
            }
            return body();
        }
        let mut step = RunBody {
            body: Some(body),
            classify: Some(classify),
            value: None,
        };
        self.drive(&mut step);
        step.value.expect("an observed body returns or unwinds")
    }

    /// Runs `step` (one poll of an async body, or a sync body) inside the call's span and
    /// records a panic out of it; `step` records the outcome (with [`finish`](Call::finish)) when
    /// the body completed, and says how the span closes. Not generic, so that what every observed
    /// function instantiates is only its own body and classification: the span's entry, the
    /// unwinding's landing pad and the span's close are compiled once (BENCHMARKS.md, build
    /// cost).
    #[inline(never)]
    fn drive(&mut self, step: &mut dyn Step) {
        // The outcome is recorded inside the span too, so its metrics' exemplars point at it.
        let entered = self.span.enter();
        match panic::catch_unwind(AssertUnwindSafe(|| step.step(self))) {
            Ok(Some((ended, ending))) => {
                self.done = true;
                drop(entered);
                self.close_span(ended, ending);
            }
            Ok(None) => {}
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
    /// close is told how the call ended ([`call_path::closing`]): the collector thread derives the
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
    fn finish(&self, outcome: Outcome<'_>) -> Finished {
        let (ended, seconds, millis) = self.end();
        let events = &self.site.events;
        match outcome {
            Outcome::Success { ret } => {
                self.series
                    .close(self.site, OutcomeLabel::Success, seconds, None);
                if let Some(ret) = ret {
                    self.span.record("return", tracing::field::debug(ret));
                }
                // Under tripod's subscriber the collector thread derives it from the span's end.
                if self.path != CallPath::Derived && events::enabled(events.success()) {
                    events::success(
                        events.success(),
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
        let callsite = events.cancelled();
        if events::enabled(callsite) {
            events::cancelled(
                callsite,
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

    #[inline(never)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if this.call.inert() {
            let polled = poll_body(this.future, cx);
            this.call.done = polled.is_ready();
            return polled;
        }
        let mut step = PollBody {
            future: this.future,
            cx,
            classify: this.classify,
            output: None,
        };
        this.call.drive(&mut step);
        match step.output {
            Some(value) => Poll::Ready(value),
            None => Poll::Pending,
        }
    }
}

/// One step of an observed body under [`Call::drive`]: a sync body run, or an async body polled
/// once. A trait of its own rather than a `dyn FnMut` closure, whose vtable would repeat the
/// closure's body (the user's body inlined in it) in a `call_once` shim: about 540 bytes an
/// observed function (BENCHMARKS.md, "build cost").
trait Step {
    /// Runs the step; when the body completed, records its outcome ([`Call::finish`]) and
    /// returns what the span's close is told.
    fn step(&mut self, call: &Call) -> Option<Finished>;
}

/// A sync body, run once.
struct RunBody<B, C, R> {
    body: Option<B>,
    classify: Option<C>,
    value: Option<R>,
}

impl<B, C, R> Step for RunBody<B, C, R>
where
    B: FnOnce() -> R,
    C: for<'a> FnOnce(&'a R) -> Outcome<'a>,
{
    fn step(&mut self, call: &Call) -> Option<Finished> {
        let (body, classify) = (self.body.take()?, self.classify.take()?);
        let returned = body();
        let finished = call.finish(classify(&returned));
        self.value = Some(returned);
        Some(finished)
    }
}

/// Polls an observed async body: the one place its state machine is compiled into, whether the
/// call is observed or inert (inlined into both, it would be compiled twice).
#[inline(never)]
fn poll_body<F: Future>(future: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
    future.poll(cx)
}

/// One poll of an async body.
struct PollBody<'p, 'w, F: Future, C> {
    future: Pin<&'p mut F>,
    cx: &'p mut Context<'w>,
    classify: &'p mut Option<C>,
    output: Option<F::Output>,
}

impl<F, C> Step for PollBody<'_, '_, F, C>
where
    F: Future,
    C: for<'a> FnOnce(&'a F::Output) -> Outcome<'a>,
{
    fn step(&mut self, call: &Call) -> Option<Finished> {
        let Poll::Ready(value) = poll_body(self.future.as_mut(), self.cx) else {
            return None;
        };
        let classify = self
            .classify
            .take()
            .expect("an observed future polled after it completed");
        let finished = call.finish(classify(&value));
        self.output = Some(value);
        Some(finished)
    }
}
