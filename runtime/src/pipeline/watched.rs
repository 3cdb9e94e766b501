//! What the collector thread keeps to tell of a span while it runs: what it stands for (an observed
//! call, a served request) and when it is reported next.

use std::time::Duration;

/// What a span reported while it runs stands for.
pub(super) enum Watch {
    /// An observed call: its operation's name, and its lines' target.
    Call {
        name: &'static str,
        target: &'static str,
    },
    /// A served request, with its method and route as its span recorded them.
    Request {
        method: Option<Box<str>>,
        route: Option<Box<str>>,
    },
}

/// A span reported while it runs.
pub(super) struct Watched {
    pub(super) what: Watch,
    /// How long it will have run when it is reported next; `None`: never.
    pub(super) next_report: Option<Duration>,
}

impl Watched {
    /// Notes a field its span recorded: a served request's method and route.
    pub(super) fn field(&mut self, key: &str, value: &str) {
        if let Watch::Request { method, route } = &mut self.what {
            match key {
                "http.request.method" => *method = Some(value.into()),
                "http.route" => *route = Some(value.into()),
                _ => {}
            }
        }
    }
}
