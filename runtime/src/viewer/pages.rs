//! The viewer's pages, rendered on the server: plain HTML with the stylesheet inline, no script
//! and nothing fetched from elsewhere, readable on a phone. Span details open with `<details>`.

use std::fmt::Write as _;

use super::objectives::ObjectiveStatus;
use super::operations::OperationStats;
use super::store::{TraceFilter, TraceSummary, ViewSpan, ViewTrace};

const STYLE: &str = include_str!("style.css");

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A duration for people: `870 µs`, `12.3 ms`, `1.24 s`.
fn duration(ns: u64) -> String {
    let ns = ns as f64;
    if ns < 1e6 {
        format!("{:.0} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// A wall-clock time of day, UTC, to the millisecond.
fn time_of_day(unix_nano: u64) -> String {
    let millis = unix_nano / 1_000_000;
    let seconds = millis / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
        millis % 1000
    )
}

fn page(title: &str, active: &str, body: &str) -> String {
    let link = |href: &str, label: &str| {
        let class = if label == active {
            " class=\"active\""
        } else {
            ""
        };
        format!("<a href=\"{href}\"{class}>{label}</a>")
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\">\
         <title>{title} · tripod</title><style>{STYLE}</style></head><body>\
         <nav>{}{}{}<span class=\"brand\">tripod</span></nav><main>{body}</main></body></html>",
        link("/debug/traces", "Traces"),
        link("/debug/operations", "Operations"),
        link("/debug/objectives", "Objectives"),
        title = esc(title),
    )
}

/// `/debug/traces`: the filter form, the traces still running (oldest first, with where each is
/// now), then the recent traces, newest first.
pub(crate) fn traces(
    summaries: &[TraceSummary],
    filter: &TraceFilter,
    operations: &[String],
) -> String {
    let mut body = String::from("<h1>Recent traces</h1><form class=\"filters\" method=\"get\">");
    let _ = write!(
        body,
        "<label>Trace id <input name=\"trace_id\" value=\"{}\" placeholder=\"4bf92f35…\"></label>",
        esc(filter.trace_id.as_deref().unwrap_or_default())
    );
    let _ = write!(
        body,
        "<label>Span <input name=\"span\" value=\"{}\" placeholder=\"ml.inference\" \
         title=\"traces with a span of this name; failed and min ms then apply to it\"></label>",
        esc(filter.span.as_deref().unwrap_or_default())
    );
    body.push_str("<label>Operation <select name=\"operation\"><option value=\"\">all</option>");
    for operation in operations {
        let selected = if filter.operation.as_deref() == Some(operation) {
            " selected"
        } else {
            ""
        };
        let _ = write!(body, "<option{selected}>{}</option>", esc(operation));
    }
    let _ = write!(
        body,
        "</select></label><label>Min ms <input name=\"min_ms\" type=\"number\" min=\"0\" value=\"{}\"></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"failed\" value=\"1\"{}> failed only</label>\
         <button>Filter</button></form>",
        filter
            .min_duration
            .map(|min| min.as_millis().to_string())
            .unwrap_or_default(),
        if filter.failed_only { " checked" } else { "" }
    );
    if summaries.is_empty() {
        body.push_str("<p class=\"empty\">No trace matches yet: send the app a request.</p>");
    } else {
        body.push_str(
            "<table class=\"traces\"><thead><tr><th>Operation</th><th>Duration</th><th>Status</th>\
             <th>Spans</th><th>Time (UTC)</th><th>Trace id</th></tr></thead><tbody>",
        );
        for summary in summaries {
            let (status_class, status) = if summary.in_progress {
                ("running", "running")
            } else if summary.failed {
                ("error", "error")
            } else {
                ("ok", "ok")
            };
            let now = summary
                .current_span
                .as_deref()
                .map(|span| format!(" <small class=\"now\">now in {}</small>", esc(span)))
                .unwrap_or_default();
            let _ = write!(
                body,
                "<tr class=\"trace {status_class}\" data-trace-id=\"{id}\"><td><a href=\"/debug/traces/{id}\">{operation}</a>{now}</td>\
                 <td class=\"num\">{duration}</td><td><span class=\"status {status_class}\">{status}</span></td>\
                 <td class=\"num\">{spans}</td><td>{time}</td><td class=\"id\">{id}</td></tr>",
                id = summary.trace_id,
                operation = esc(&summary.operation),
                duration = duration(summary.duration_ns),
                spans = summary.span_count,
                time = time_of_day(summary.start_unix_nano),
            );
        }
        body.push_str("</tbody></table>");
    }
    page("Traces", "Traces", &body)
}

/// The spans of `trace` in waterfall order: each root, then its children by start time,
/// depth first; with their depths.
pub(crate) fn waterfall_order(trace: &ViewTrace) -> Vec<(usize, &ViewSpan)> {
    let mut spans: Vec<&ViewSpan> = trace.spans.iter().collect();
    spans.sort_by_key(|span| span.start_unix_nano);
    let known = |id: &str| spans.iter().any(|span| span.span_id == id);
    let mut order = Vec::with_capacity(spans.len());
    let mut stack: Vec<(usize, &ViewSpan)> = spans
        .iter()
        .rev()
        .filter(|span| {
            span.parent_span_id
                .as_deref()
                .is_none_or(|parent| !known(parent))
        })
        .map(|span| (0, *span))
        .collect();
    while let Some((depth, span)) = stack.pop() {
        order.push((depth, span));
        for child in spans
            .iter()
            .rev()
            .filter(|child| child.parent_span_id.as_deref() == Some(span.span_id.as_str()))
        {
            stack.push((depth + 1, child));
        }
    }
    order
}

/// `/debug/traces/{trace_id}`: the waterfall, one bar per span on a shared time axis, nested by
/// parent, with its events as marks; each row opens on its attributes and events.
pub(crate) fn trace(trace: &ViewTrace) -> String {
    let order = waterfall_order(trace);
    let start = trace
        .spans
        .iter()
        .map(|span| span.start_unix_nano)
        .min()
        .unwrap_or(0);
    let end = trace
        .spans
        .iter()
        .map(|span| span.start_unix_nano + span.duration_ns)
        .max()
        .unwrap_or(start);
    let total = (end - start).max(1) as f64;
    let percent = |at: u64| (at.saturating_sub(start)) as f64 / total * 100.0;
    let root = order
        .first()
        .map(|(_, span)| span.name.as_str())
        .unwrap_or("trace");
    let mut body = format!(
        "<h1>{}</h1><p class=\"meta\">Trace <span class=\"id\">{}</span> · {}{} · {} spans · {} UTC</p>",
        esc(root),
        trace.trace_id,
        duration(end - start),
        if trace.in_progress {
            " so far, <span class=\"status running\">running</span>"
        } else {
            ""
        },
        trace.spans.len(),
        time_of_day(start)
    );
    body.push_str("<div class=\"axis\"><span>0</span>");
    for quarter in 1..=4 {
        let _ = write!(
            body,
            "<span style=\"left:{}%\">{}</span>",
            quarter * 25,
            duration((end - start) * quarter / 4)
        );
    }
    body.push_str("</div><div class=\"waterfall\">");
    for (depth, span) in order {
        let left = percent(span.start_unix_nano);
        let width = (span.duration_ns as f64 / total * 100.0).max(0.2);
        let _ = write!(
            body,
            "<details class=\"span {status}\" data-span-id=\"{id}\" data-parent=\"{parent}\" data-depth=\"{depth}\" \
             data-left=\"{left:.3}\" data-width=\"{width:.3}\" data-running=\"{running}\"><summary>\
             <span class=\"name\" style=\"padding-left:{indent}em\">{name} <small>{service}</small></span>\
             <span class=\"track\"><span class=\"bar {status}{running_class}\" style=\"left:{left:.3}%;width:{width:.3}%\"></span>",
            status = span.status,
            running = span.running,
            running_class = if span.running { " running" } else { "" },
            id = span.span_id,
            parent = span.parent_span_id.as_deref().unwrap_or_default(),
            indent = depth as f64 * 1.1,
            name = esc(&span.name),
            service = esc(&span.service),
        );
        for event in &span.events {
            let _ = write!(
                body,
                "<span class=\"mark\" style=\"left:{:.3}%\" title=\"{} at +{}\"></span>",
                percent(event.time_unix_nano),
                esc(&event.name),
                duration(event.time_unix_nano.saturating_sub(start))
            );
        }
        let _ = write!(
            body,
            "</span><span class=\"dur\">{}{}</span></summary><div class=\"detail\">",
            duration(span.duration_ns),
            if span.running { " running" } else { "" }
        );
        if let Some(message) = &span.status_message {
            let _ = write!(body, "<p class=\"status error\">{}</p>", esc(message));
        }
        body.push_str("<table class=\"attributes\">");
        let _ = write!(
            body,
            "<tr><th>span.kind</th><td>{}</td></tr><tr><th>span_id</th><td class=\"id\">{}</td></tr>",
            span.kind, span.span_id
        );
        for (key, value) in &span.attributes {
            let _ = write!(
                body,
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(key),
                esc(value)
            );
        }
        body.push_str("</table>");
        if !span.events.is_empty() {
            body.push_str("<ol class=\"events\">");
            for event in &span.events {
                let _ = write!(
                    body,
                    "<li><span class=\"at\">+{}</span> <b>{}</b>",
                    duration(event.time_unix_nano.saturating_sub(start)),
                    esc(&event.name)
                );
                for (key, value) in &event.attributes {
                    let _ = write!(
                        body,
                        " <span class=\"kv\">{}={}</span>",
                        esc(key),
                        esc(value)
                    );
                }
                body.push_str("</li>");
            }
            body.push_str("</ol>");
        }
        body.push_str("</div></details>");
    }
    body.push_str("</div>");
    page(root, "Traces", &body)
}

/// `/debug/traces/{trace_id}` for a trace the store does not have (any more).
pub(crate) fn trace_not_found(trace_id: &str) -> String {
    page(
        "Trace not found",
        "Traces",
        &format!(
            "<h1>Trace not found</h1><p>No trace <span class=\"id\">{}</span> in the recent traces: \
             it may have been evicted, or not sampled. <a href=\"/debug/traces\">All traces</a></p>",
            esc(trace_id)
        ),
    )
}

/// `/debug/operations`: per operation and route, rate, error rate, p50/p99 and a p99 chart.
pub(crate) fn operations(stats: &[OperationStats]) -> String {
    let mut body = String::from(
        "<h1>Operations</h1><p class=\"meta\">Over the last 5 minutes, from the histograms \
         <code>/metrics</code> serves; p50 and p99 exactly from the recent traces' spans where \
         they are held, else interpolated in the histogram's buckets (each says which, and from \
         how many calls); a p99 links to the trace of a call at least that slow (an exemplar of \
         the slowest buckets).</p>",
    );
    if stats.is_empty() {
        body.push_str("<p class=\"empty\">No calls yet.</p>");
        return page("Operations", "Operations", &body);
    }
    body.push_str(
        "<table class=\"operations\"><thead><tr><th>Name</th><th>Calls/s</th><th>Errors</th>\
         <th>p50</th><th>p99</th><th>from</th><th>p99 over time</th></tr></thead><tbody>",
    );
    // As the waterfall writes durations, so both pages agree on how long a call took.
    let ms = |value: Option<f64>| {
        value.map_or_else(|| "–".to_owned(), |ms| duration((ms * 1e6).round() as u64))
    };
    for stat in stats {
        let _ = write!(
            body,
            "<tr class=\"{kind}\" data-name=\"{name}\"><td>{name} <small>{kind}</small></td><td class=\"num\">{rate:.2}</td>\
             <td class=\"num{error_class}\">{errors:.1}%</td><td class=\"num\">{p50}</td><td class=\"num\">{p99}</td>\
             <td class=\"from\">{calls} {from}</td><td>{chart}</td></tr>",
            kind = stat.kind,
            name = esc(&stat.name),
            rate = stat.rate_per_second,
            errors = stat.error_rate * 100.0,
            error_class = if stat.error_rate > 0.0 { " error" } else { "" },
            p50 = ms(stat.p50_ms),
            p99 = match &stat.p99_exemplar {
                // The exemplar: a trace at least as slow as the p99, one click away.
                Some(exemplar) => format!(
                    "<a class=\"exemplar\" href=\"/debug/traces/{id}\" title=\"a {ms:.1} ms call at or above the p99\">{p99}</a>",
                    id = esc(&exemplar.trace_id),
                    ms = exemplar.duration_ms,
                    p99 = ms(stat.p99_ms),
                ),
                None => ms(stat.p99_ms),
            },
            calls = stat.percentile_calls,
            from = if stat.percentiles_from == "spans" {
                "spans"
            } else {
                "calls, by bucket"
            },
            chart = sparkline(&stat.p99_history_ms),
        );
    }
    body.push_str("</tbody></table>");
    page("Operations", "Operations", &body)
}

/// `/debug/objectives`: each objective's compliance over its window, the budget left, the burn
/// rate, and the traces of the calls that failed it.
pub(crate) fn objectives(statuses: &[ObjectiveStatus]) -> String {
    let mut body = String::from(
        "<h1>Objectives</h1><p class=\"meta\">Each objective declared with \
         <code>#[observe(objective(...))]</code> whose operation has been called: the share of \
         calls that met it over its window (30 days, or since the process started), the share \
         of its error budget left, and the burn rate over the last 5 minutes (1× spends the \
         budget in exactly 30 days; the page alerts fire above 14.4× and 6×). The calls link to \
         the recent traces of those that failed it.</p>",
    );
    if statuses.is_empty() {
        body.push_str("<p class=\"empty\">No objective declared, or no call of one yet.</p>");
        return page("Objectives", "Objectives", &body);
    }
    body.push_str(
        "<table class=\"operations objectives\"><thead><tr><th>Operation</th><th>Objective</th>\
         <th>Compliance</th><th>Budget left</th><th>Burn rate (5 m)</th><th>Calls that failed it</th>\
         </tr></thead><tbody>",
    );
    let percent =
        |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |v| format!("{:.2}%", v * 100.0));
    for status in statuses {
        let objective = match status.threshold_ms {
            None => format!("{:.2}% succeed", status.target * 100.0),
            Some(ms) => format!(
                "{:.2}% within {}",
                status.target * 100.0,
                duration((ms * 1e6).round() as u64)
            ),
        };
        let burning = status.burn_rate.is_some_and(|rate| rate > 1.0);
        let _ = write!(
            body,
            "<tr data-name=\"{name}\" data-objective=\"{kind}\"><td>{name}</td><td>{objective}</td>\
             <td class=\"num\">{compliance}</td><td class=\"num{spent}\">{left}</td>\
             <td class=\"num{burn_class}\">{burn}</td>\
             <td class=\"num\"><a href=\"{traces}\">{bad} of {calls}</a> <small>over {window}</small></td></tr>",
            name = esc(&status.name),
            kind = status.objective,
            objective = esc(&objective),
            compliance = percent(status.compliance),
            left = percent(status.budget_left),
            spent = if status.budget_left.is_some_and(|left| left < 0.0) {
                " error"
            } else {
                ""
            },
            burn = status
                .burn_rate
                .map_or_else(|| "–".to_owned(), |rate| format!("{rate:.1}×")),
            burn_class = if burning { " error" } else { "" },
            traces = esc(&status.traces),
            bad = status.bad_calls,
            calls = status.calls,
            window = duration((status.window_seconds * 1e9) as u64),
        );
    }
    body.push_str("</tbody></table>");
    page("Objectives", "Objectives", &body)
}

/// A small SVG line of the values (gaps where there was no call).
fn sparkline(values: &[Option<f64>]) -> String {
    let max = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    if values.len() < 2 || max <= 0.0 {
        return String::from("<svg class=\"spark\" viewBox=\"0 0 120 24\"></svg>");
    }
    let step = 120.0 / (values.len() - 1) as f64;
    let mut path = String::new();
    let mut drawing = false;
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(value) => {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if drawing { "L" } else { "M" },
                    i as f64 * step,
                    22.0 - value / max * 20.0
                );
                drawing = true;
            }
            None => drawing = false,
        }
    }
    format!(
        "<svg class=\"spark\" viewBox=\"0 0 120 24\" role=\"img\" aria-label=\"p99 up to {max:.1} ms\"><path d=\"{path}\"/></svg>"
    )
}
