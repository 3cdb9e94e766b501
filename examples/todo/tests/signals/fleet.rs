//! A fleet behind one collector: three instances of the example push their metrics and traces
//! to one real OTLP receiver. Translated by the specification's Prometheus rules (`job` and
//! `instance` from each resource, `target_info` beside), no series of one instance is another's:
//! without `instance` they would be, and their cumulative counters would overwrite each other.
//! Each span's resource names the instance that served its request.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use common::{App, TempDb, request};
use tripod_tests::backends::eventually;
use tripod_tests::otlp_receiver::OtlpReceiver;
use tripod_tests::prometheus_translation::{Labels, families};

/// One series' identity: its family and its labels.
type Series = (String, Labels);

#[test]
fn three_instances_pushing_to_one_receiver_never_share_a_series_and_name_themselves() {
    let receiver = OtlpReceiver::start();
    let databases: Vec<TempDb> = (0..3).map(|_| TempDb::new()).collect();
    let apps: Vec<App> = databases
        .iter()
        .map(|database| {
            App::start_with(
                database,
                Some(receiver.endpoint()),
                &[("OTEL_METRIC_EXPORT_INTERVAL", "500")],
            )
        })
        .collect();

    // Each instance serves the same requests: their series differ by nothing but who sent them.
    let mut traces_of: HashMap<String, usize> = HashMap::new();
    for (index, app) in apps.iter().enumerate() {
        for path in ["/api/todos", "/api/todos/424242"] {
            let answer = request(app.address, "GET", path, None, &[]);
            traces_of.insert(answer.header("x-trace-id").unwrap().to_owned(), index);
        }
    }

    // The latest export of each instance, by its `service.instance.id`.
    let latest = eventually(Duration::from_secs(30), || {
        let mut latest: BTreeMap<String, BTreeMap<String, Vec<Labels>>> = BTreeMap::new();
        for (resource, metrics) in receiver.metric_exports_with_resource() {
            let instance = resource["service.instance.id"].as_str()?.to_owned();
            let translated = families(&resource, &metrics);
            let served = translated
                .get("http_requests_total")
                .is_some_and(|series| series.len() >= 2);
            if served {
                latest.insert(instance, translated);
            }
        }
        (latest.len() == 3).then_some(latest)
    })
    .expect("every instance pushed its metrics, its requests counted");

    let series_of = |translated: &BTreeMap<String, Vec<Labels>>, without: &[&str]| {
        translated
            .iter()
            .flat_map(|(family, series)| {
                series.iter().map(move |labels| {
                    let mut labels = labels.clone();
                    labels.retain(|key, _| !without.contains(&key.as_str()));
                    (family.clone(), labels)
                })
            })
            .collect::<BTreeSet<Series>>()
    };
    let instances: Vec<&String> = latest.keys().collect();
    for (i, first) in instances.iter().enumerate() {
        for second in &instances[i + 1..] {
            let (a, b) = (&latest[*first], &latest[*second]);
            let shared: Vec<Series> = series_of(a, &[])
                .intersection(&series_of(b, &[]))
                .cloned()
                .collect();
            assert!(shared.is_empty(), "{first} and {second} share {shared:?}");
            // The same requests: without `instance` (and the target_info labels that name the
            // process) their request counters are one series, overwritten by each push.
            let anonymous = [
                "instance",
                "process_pid",
                "host_name",
                "process_executable_name",
            ];
            let collide = series_of(a, &anonymous)
                .intersection(&series_of(b, &anonymous))
                .any(|(family, _)| family == "http_requests_total");
            assert!(collide, "only the instance tells {first} from {second}");
        }
        let info = &latest[*first]["target_info"][0];
        assert_eq!(&info["instance"], *first);
        assert_eq!(info["job"], "todo-app");
        assert_eq!(info["service_version"], env!("CARGO_PKG_VERSION"));
    }

    // Each span's resource names the instance that served it.
    let spans = eventually(Duration::from_secs(30), || {
        let spans = receiver.spans();
        let servers = spans.iter().filter(|span| span.kind == "server").count();
        (servers >= 6).then_some(spans)
    })
    .expect("every request's server span arrived");
    let mut instance_of_app: HashMap<usize, String> = HashMap::new();
    for span in spans.iter().filter(|span| span.kind == "server") {
        let app = traces_of[&span.trace_id];
        let instance = span.resource["service.instance.id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(latest.contains_key(&instance), "{instance}");
        let named = instance_of_app
            .entry(app)
            .or_insert_with(|| instance.clone());
        assert_eq!(*named, instance, "one instance id per process");
        assert_eq!(
            span.resource["process.pid"],
            serde_json::json!(apps[app].pid()),
            "and its pid"
        );
    }
    assert_eq!(
        instance_of_app.values().collect::<BTreeSet<_>>().len(),
        3,
        "three instances, three ids"
    );
    for app in apps {
        app.stop();
    }
}
