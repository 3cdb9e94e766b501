//! From a slow bucket to its trace, with real parts: a real Prometheus (exemplar storage on)
//! scrapes the running example, which exports its spans to a real OTLP receiver (`oteltap`).
//! The exemplars Prometheus stores for the request and inference latency buckets name traces
//! and spans the receiver got: the server span for the HTTP histogram, the `ml.inference` span
//! for the operation's.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{App, TempDb, predict};
use serde_json::Value;
use tripod_tests::backends::{Oteltap, Prometheus, eventually};

#[test]
fn prometheus_stores_exemplars_that_lead_to_the_exported_spans() {
    let receiver = Oteltap::start();
    let database = TempDb::new();
    let app = App::start(&database, Some(receiver.endpoint()));
    let prometheus = Prometheus::scraping(app.address);

    let deadline = Instant::now() + Duration::from_secs(4);
    while Instant::now() < deadline {
        predict(app.address, "friendly staff, lovely food");
        std::thread::sleep(Duration::from_millis(100));
    }

    let stored = |promql: &str| {
        eventually(Duration::from_secs(30), || {
            let found: Vec<Value> = prometheus
                .query_exemplars(promql)
                .into_iter()
                .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
                .collect();
            (!found.is_empty()).then_some(found)
        })
        .unwrap_or_else(|| panic!("Prometheus stored no exemplar for {promql}"))
    };
    let requests = stored(r#"http_request_duration_seconds_bucket{endpoint="/api/predict"}"#);
    let inference = stored(r#"operation_duration_seconds_bucket{name="ml.inference"}"#);

    // Every exemplar's span reached the receiver, with the span's name.
    let spans_by_id = |wanted: &[Value]| -> HashMap<String, Value> {
        let ids: Vec<&str> = wanted
            .iter()
            .map(|exemplar| exemplar["labels"]["span_id"].as_str().unwrap())
            .collect();
        eventually(Duration::from_secs(30), || {
            let spans: HashMap<String, Value> = receiver
                .spans()
                .into_iter()
                .map(|span| (span["spanId"].as_str().unwrap_or_default().to_owned(), span))
                .collect();
            ids.iter()
                .all(|id| spans.contains_key(*id))
                .then_some(spans)
        })
        .unwrap_or_else(|| panic!("the receiver got no span for some of {ids:?}"))
    };
    for (exemplars, span_name) in [
        (&requests, "POST /api/predict"),
        (&inference, "ml.inference"),
    ] {
        let spans = spans_by_id(exemplars);
        for exemplar in exemplars.iter() {
            let span = &spans[exemplar["labels"]["span_id"].as_str().unwrap()];
            assert_eq!(span["name"], span_name, "{exemplar}");
            assert_eq!(
                span["traceId"], exemplar["labels"]["trace_id"],
                "{exemplar}"
            );
            let seconds = exemplar["value"].as_str().unwrap().parse::<f64>().unwrap();
            assert!(seconds > 0.0 && seconds < 5.0, "{exemplar}");
        }
    }
    drop(prometheus);
    app.stop();
}
