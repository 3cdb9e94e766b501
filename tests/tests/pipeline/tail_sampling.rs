//! Every failed and every slow trace kept while the rest is sampled: at a 1 % head ratio with
//! `TRIPOD_TRACES_KEEP=errors,slower_than=..`, every failed and every slow call's local trace
//! arrives whole with `tripod.sampling.kept` on its root, close to 1 % of the others do, the
//! histograms count every call, and every exemplar names a trace that was exported. A storm of
//! failures keeps at most the traces a second per operation the rule allows, the rest counted.
//! A bad `TRIPOD_TRACES_KEEP` is one warning and the default.

use crate::support;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use support::backends::sample;
use tripod_tests::otlp_receiver::OtlpReceiver;

#[derive(Debug)]
struct Unavailable;

/// What one call was, and its trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Failed,
    Slow,
    Healthy,
}

#[tripod::observe(name = "checkout.pay")]
async fn pay(kind: Kind) -> Result<String, Unavailable> {
    let trace_id = tripod::trace::current()
        .expect("inside the call's span")
        .trace_id
        .to_string();
    charge(kind).await?;
    Ok(trace_id)
}

#[tripod::observe(name = "checkout.charge")]
async fn charge(kind: Kind) -> Result<(), Unavailable> {
    match kind {
        Kind::Failed => Err(Unavailable),
        Kind::Slow => {
            tokio::time::sleep(Duration::from_millis(60)).await;
            Ok(())
        }
        Kind::Healthy => Ok(()),
    }
}

/// tripod exporting to `receiver`, with `variables` as its environment.
fn built(receiver: &OtlpReceiver, variables: &[(&'static str, &'static str)]) -> tripod::Telemetry {
    let mut vars: HashMap<&'static str, String> = variables
        .iter()
        .map(|(key, value)| (*key, (*value).to_owned()))
        .collect();
    vars.insert("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    vars.insert("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "off".to_owned());
    tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(std::io::sink())
        .build()
        .expect("builds")
}

/// Runs `kinds` under `telemetry`: each call's trace id, with its kind.
fn run(telemetry: &tripod::Telemetry, kinds: &[Kind]) -> Vec<(Kind, String)> {
    support::run_under(telemetry, async {
        let mut calls = Vec::new();
        for &kind in kinds {
            // A failed call's trace id is not in hand: its trace is found by its status.
            let trace_id: String = pay(kind).await.unwrap_or_default();
            calls.push((kind, trace_id));
        }
        calls
    })
}

/// The kinds of calls: every tenth fails, every tenth (offset) is slow, the rest healthy.
fn kinds(calls: usize) -> Vec<Kind> {
    (0..calls)
        .map(|i| match i % 10 {
            0 => Kind::Failed,
            5 => Kind::Slow,
            _ => Kind::Healthy,
        })
        .collect()
}

#[test]
fn at_a_1_percent_ratio_every_failed_and_slow_trace_arrives_whole_and_about_1_percent_of_the_rest()
{
    let receiver = OtlpReceiver::start();
    let telemetry = built(
        &receiver,
        &[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.01"),
            ("TRIPOD_TRACES_KEEP", "errors,slower_than=50ms"),
        ],
    );
    // First, one call a caller sampled: an exemplar slot asks for the current span at most
    // every 10 ms, so at 1 % the calls asked might all be unsampled; this one is asked first.
    let caller: tripod::trace::SpanContext =
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            .parse()
            .unwrap();
    support::run_under(&telemetry, async {
        use tracing::Instrument as _;
        let parent =
            tripod::trace::with_remote_parent(Some(caller), || tracing::info_span!("caller"));
        pay(Kind::Healthy).instrument(parent).await.unwrap();
    });
    let kinds = kinds(600);
    let calls = run(&telemetry, &kinds);
    telemetry.flush(Duration::from_secs(10));
    let metrics = telemetry.render_metrics().unwrap();
    let spans = receiver.spans();
    let mut by_trace: HashMap<&str, Vec<&tripod_tests::otlp_receiver::ReceivedSpan>> =
        HashMap::new();
    for span in &spans {
        by_trace.entry(&span.trace_id).or_default().push(span);
    }
    // A failed call has no trace id in hand: its trace is the one whose root failed.
    let failed_traces: Vec<_> = by_trace
        .values()
        .filter(|spans| spans.iter().any(|span| span.status_code == 2))
        .collect();
    assert_eq!(failed_traces.len(), 60, "every failed call's trace");
    for trace in &failed_traces {
        assert_whole_and_kept_for(trace, "error");
    }
    let kept_for_errors = failed_traces
        .iter()
        .filter(|trace| {
            trace
                .iter()
                .any(|span| span.attribute("tripod.sampling.kept") == "error")
        })
        .count();
    assert!(
        kept_for_errors >= 50,
        "most were kept by the rule, not sampled"
    );
    let mut healthy_exported = 0;
    for (kind, trace_id) in &calls {
        let exported = by_trace.get(trace_id.as_str());
        match kind {
            Kind::Slow => {
                let trace = exported.unwrap_or_else(|| panic!("slow trace {trace_id} exported"));
                assert_whole_and_kept_for(trace, "slow");
            }
            Kind::Healthy => {
                if let Some(trace) = exported {
                    assert_eq!(trace.len(), 2, "whole");
                    assert!(
                        trace
                            .iter()
                            .all(|span| span.attribute("tripod.sampling.kept").is_null()),
                        "sampled by the head, not kept by a rule"
                    );
                    healthy_exported += 1;
                }
            }
            Kind::Failed => {}
        }
    }
    // 480 healthy calls at 1 %: 4.8 expected; above 17 has a chance below one in a million.
    assert!(
        healthy_exported <= 17,
        "{healthy_exported} of 480 healthy traces exported at 1 %"
    );
    // The histogram counts every call, sampled or not.
    let count = |outcome: &str| {
        sample(
            &metrics,
            &format!(
                "operation_duration_seconds_count{{name=\"checkout.pay\",outcome=\"{outcome}\"}}"
            ),
        )
        .unwrap_or(0.0)
    };
    assert_eq!(count("success") + count("failure"), 601.0, "{metrics}");
    assert_eq!(
        sample(
            &metrics,
            "tripod_sampling_kept_traces_total{reason=\"error\"}"
        ),
        Some(kept_for_errors as f64)
    );
    // Every exemplar names an exported trace.
    let exported: BTreeSet<&str> = by_trace.keys().copied().collect();
    assert!(
        exported.contains("0af7651916cd43dd8448eb211c80319c"),
        "the caller's sampled trace"
    );
    let (_, openmetrics) = telemetry
        .prometheus_handle()
        .unwrap()
        .render_for(Some("application/openmetrics-text"));
    let openmetrics = String::from_utf8(openmetrics).unwrap();
    let exemplars: Vec<&str> = openmetrics
        .split("trace_id=\"")
        .skip(1)
        .map(|rest| &rest[..32])
        .collect();
    assert!(!exemplars.is_empty(), "{openmetrics}");
    for trace_id in exemplars {
        assert!(
            exported.contains(trace_id),
            "exemplar {trace_id} not exported"
        );
    }
}

/// `trace` arrived whole (the call and its child), its root kept for `reason`, or sampled by the
/// head (then exported as sampled, without the attribute).
fn assert_whole_and_kept_for(trace: &[&tripod_tests::otlp_receiver::ReceivedSpan], reason: &str) {
    assert_eq!(trace.len(), 2, "whole: {trace:#?}");
    let root = trace
        .iter()
        .find(|span| span.name == "checkout.pay")
        .unwrap();
    let kept = root.attribute("tripod.sampling.kept");
    assert!(kept == reason || kept.is_null(), "{root:#?}");
}

#[test]
fn with_no_rule_only_the_head_samplers_traces_are_exported() {
    let receiver = OtlpReceiver::start();
    let telemetry = built(
        &receiver,
        &[
            ("OTEL_TRACES_SAMPLER", "always_off"),
            ("TRIPOD_TRACES_KEEP", "none"),
        ],
    );
    run(&telemetry, &kinds(100));
    telemetry.flush(Duration::from_secs(10));
    assert!(receiver.spans().is_empty());
}

#[test]
fn a_storm_of_failures_keeps_at_most_the_traces_a_second_the_rule_allows_and_counts_the_rest() {
    let receiver = OtlpReceiver::start();
    let telemetry = built(&receiver, &[("OTEL_TRACES_SAMPLER", "always_off")]);
    run(&telemetry, &[Kind::Failed; 1_000]);
    telemetry.flush(Duration::from_secs(10));
    let metrics = telemetry.render_metrics().unwrap();
    let kept = sample(
        &metrics,
        "tripod_sampling_kept_traces_total{reason=\"error\"}",
    )
    .unwrap();
    let dropped = sample(
        &metrics,
        "tripod_sampling_dropped_traces_total{reason=\"rate\"}",
    )
    .unwrap_or(0.0);
    assert_eq!(kept + dropped, 1_000.0, "{metrics}");
    let spans = receiver.spans();
    let roots: Vec<_> = spans
        .iter()
        .filter(|span| span.name == "checkout.pay")
        .collect();
    assert_eq!(roots.len() as f64, kept, "what was kept arrived");
    // The rule counts by the second of the wall clock each root ended in.
    let mut per_second = std::collections::BTreeMap::<u64, u32>::new();
    for root in &roots {
        *per_second
            .entry(root.end_unix_nanos / 1_000_000_000)
            .or_default() += 1;
    }
    assert!(
        per_second.values().all(|&count| count <= 100),
        "kept per second: {per_second:?}"
    );
}

#[test]
fn a_bad_rule_is_one_warning_and_the_default_keeps_failed_traces() {
    let receiver = OtlpReceiver::start();
    let telemetry = built(
        &receiver,
        &[
            ("OTEL_TRACES_SAMPLER", "always_off"),
            ("TRIPOD_TRACES_KEEP", "errors,sometimes"),
        ],
    );
    let warnings: Vec<&String> = telemetry
        .warnings()
        .iter()
        .filter(|warning| warning.contains("TRIPOD_TRACES_KEEP"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("sometimes"), "{warnings:?}");
    run(&telemetry, &[Kind::Failed, Kind::Healthy, Kind::Slow]);
    telemetry.flush(Duration::from_secs(10));
    let spans = receiver.spans();
    assert_eq!(spans.len(), 2, "the failed trace only: {spans:#?}");
    assert!(
        spans
            .iter()
            .all(|span| span.status_code == 2 || span.name == "checkout.pay")
    );
}
