//! The HTTP metrics' handles, resolved once per thread (and, for the per-route series, per
//! method, endpoint and status code) for the global recorder, so a request costs no label
//! allocation and no registry lookup. Other
//! recorders (a test's thread-local one) are asked on every request, as the `metrics` macros do.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use metrics::{Counter, Gauge, Histogram};

use crate::__private::recorder::{self, RecorderKind};
use crate::metric_names::{HTTP_REQUEST_DURATION, HTTP_REQUESTS, HTTP_REQUESTS_IN_FLIGHT};

/// The two per-route series of one request.
#[derive(Clone)]
pub(super) struct RouteHandles {
    pub(super) requests: Counter,
    pub(super) duration: Histogram,
}

/// One cached entry; a bucket holds the entries whose labels hash alike.
struct Entry {
    method: &'static str,
    endpoint: Box<str>,
    status: u16,
    handles: RouteHandles,
}

thread_local! {
    static CACHE: RefCell<(RandomState, HashMap<u64, Vec<Entry>>)> =
        RefCell::new((RandomState::new(), HashMap::new()));
    static IN_FLIGHT: std::cell::OnceCell<Gauge> = const { std::cell::OnceCell::new() };
}

/// The handle of `http_requests_in_flight` in the current recorder.
pub(super) fn in_flight() -> Gauge {
    metrics::with_recorder(|recorder| {
        if recorder::kind_of(recorder) != RecorderKind::Global {
            return metrics::gauge!(HTTP_REQUESTS_IN_FLIGHT);
        }
        IN_FLIGHT.with(|gauge| {
            gauge
                .get_or_init(|| metrics::gauge!(HTTP_REQUESTS_IN_FLIGHT))
                .clone()
        })
    })
}

/// The handles of `http_requests_total{method, endpoint, status_code}` and
/// `http_request_duration_seconds{method, endpoint}` in the current recorder.
pub(super) fn route_handles(method: &'static str, endpoint: &str, status: u16) -> RouteHandles {
    metrics::with_recorder(|recorder| {
        if recorder::kind_of(recorder) != RecorderKind::Global {
            return resolve(method, endpoint, status);
        }
        CACHE.with(|cache| {
            let Ok(mut cache) = cache.try_borrow_mut() else {
                return resolve(method, endpoint, status);
            };
            let (hasher, entries) = &mut *cache;
            let bucket = entries
                .entry(hasher.hash_one((method, endpoint, status)))
                .or_default();
            if let Some(entry) = bucket.iter().find(|entry| {
                entry.status == status && entry.method == method && &*entry.endpoint == endpoint
            }) {
                return entry.handles.clone();
            }
            let handles = resolve(method, endpoint, status);
            bucket.push(Entry {
                method,
                endpoint: endpoint.into(),
                status,
                handles: handles.clone(),
            });
            handles
        })
    })
}

fn resolve(method: &'static str, endpoint: &str, status: u16) -> RouteHandles {
    let status = itoa::Buffer::new().format(status).to_owned();
    RouteHandles {
        requests: metrics::counter!(HTTP_REQUESTS, "method" => method, "endpoint" => endpoint.to_owned(), "status_code" => status),
        duration: metrics::histogram!(HTTP_REQUEST_DURATION, "method" => method, "endpoint" => endpoint.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_local_recorder_gets_its_own_series_every_time() {
        use metrics_util::debugging::DebuggingRecorder;
        for expected in 1..=2 {
            let recorder = DebuggingRecorder::new();
            let snapshotter = recorder.snapshotter();
            metrics::with_local_recorder(&recorder, || {
                for _ in 0..expected {
                    route_handles("GET", "/api/todos", 200)
                        .requests
                        .increment(1);
                }
            });
            let counts: Vec<_> = snapshotter
                .snapshot()
                .into_vec()
                .into_iter()
                .filter(|(key, _, _, _)| key.key().name() == HTTP_REQUESTS)
                .map(|(_, _, _, value)| value)
                .collect();
            assert_eq!(
                counts,
                [metrics_util::debugging::DebugValue::Counter(expected)]
            );
        }
    }
}
