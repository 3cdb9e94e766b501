//! What a gRPC request's path and status say: the service and method a call names
//! (`/package.Service/Method`), and its status code's name and whether it is an error.

/// The service and method of a call to `path` (`/todo.v1.Todos/Create` → `todo.v1.Todos`,
/// `Create`); `None` for a path that names no gRPC method.
pub(super) fn service_and_method(path: &str) -> Option<(&str, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    (!service.is_empty() && !method.is_empty() && !method.contains('/'))
        .then_some((service, method))
}

/// The value used for a service or method nobody implements (an `UNIMPLEMENTED` answer), so a
/// client probing random paths adds no series.
pub(super) const OTHER: &str = "_OTHER";

/// gRPC's status codes by number, as the specification names them.
const NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// `CANCELLED`: the call's future or stream was dropped before its status.
pub(super) const CANCELLED: i32 = 1;
/// `UNKNOWN`: the call ended with no status at all.
pub(super) const UNKNOWN: i32 = 2;
/// `UNIMPLEMENTED`.
pub(super) const UNIMPLEMENTED: i32 = 12;
/// `UNAVAILABLE`: what a client reports of a call its transport failed before any status.
pub(super) const UNAVAILABLE: i32 = 14;

/// The name of status `code` (`UNAVAILABLE`), `UNKNOWN` past the known ones.
pub(super) fn status_name(code: i32) -> &'static str {
    usize::try_from(code)
        .ok()
        .and_then(|code| NAMES.get(code))
        .copied()
        .unwrap_or("UNKNOWN")
}

/// Whether status `code` is an error on the server's side, as OpenTelemetry's RPC conventions
/// say: `UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE`, `DATA_LOSS`
/// (the others are the caller's mistakes, or none).
pub(super) fn server_error(code: i32) -> bool {
    matches!(code, 2 | 4 | 12 | 13 | 14 | 15)
}

/// The status in `headers` (`grpc-status`, with `grpc-message`), when they hold one.
pub(super) fn status_of(headers: &http::HeaderMap) -> Option<(i32, Option<String>)> {
    let code = headers
        .get("grpc-status")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let message = headers
        .get("grpc-message")
        .and_then(|message| message.to_str().ok())
        .map(|message| {
            percent_encoding::percent_decode_str(message)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|message| !message.is_empty());
    Some((code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_its_service_and_method() {
        assert_eq!(
            service_and_method("/todo.v1.Todos/Create"),
            Some(("todo.v1.Todos", "Create"))
        );
        for bad in ["/", "/Todos", "//Create", "/a/b/c", "Todos/Create"] {
            assert_eq!(service_and_method(bad), None, "{bad}");
        }
    }

    #[test]
    fn statuses_are_named_and_the_servers_errors_told_apart() {
        assert_eq!(status_name(14), "UNAVAILABLE");
        assert_eq!(status_name(99), "UNKNOWN");
        assert!(server_error(13) && !server_error(5) && !server_error(0));
        let mut headers = http::HeaderMap::new();
        headers.insert("grpc-status", "3".parse().unwrap());
        headers.insert("grpc-message", "title%20is%20empty".parse().unwrap());
        assert_eq!(
            status_of(&headers),
            Some((3, Some("title is empty".to_owned())))
        );
    }
}
