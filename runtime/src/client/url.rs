//! What a client span says about the URL: `url.full` without credentials or signed-URL secrets,
//! `server.address` and `server.port`.

use http::Uri;

/// Query parameters whose values OpenTelemetry's conventions say to redact in `url.full`
/// (pre-signed URLs carry credentials in them).
const SECRET_PARAMETERS: [&str; 4] = ["AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"];

/// Where a request goes: host and port (the scheme's default when the URI names none).
pub(crate) fn server(uri: &Uri, host_header: Option<&str>) -> (String, Option<u16>) {
    let default_port = match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    };
    match uri.host() {
        Some(host) => (host.to_owned(), uri.port_u16().or(default_port)),
        None => {
            let header = host_header.unwrap_or_default();
            match header.rsplit_once(':') {
                Some((host, port)) if port.parse::<u16>().is_ok() && !host.ends_with(']') => {
                    (host.to_owned(), port.parse().ok())
                }
                _ => (header.to_owned(), default_port),
            }
        }
    }
}

/// `url.full`: the URI without user name and password, the values of secret query parameters
/// replaced by `REDACTED`.
pub(crate) fn full(uri: &Uri) -> String {
    let mut url = String::new();
    if let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) {
        url.push_str(scheme);
        url.push_str("://");
        url.push_str(host);
        if let Some(port) = uri.port() {
            url.push(':');
            url.push_str(port.as_str());
        }
    }
    url.push_str(uri.path());
    if let Some(query) = uri.query() {
        url.push('?');
        for (index, parameter) in query.split('&').enumerate() {
            if index > 0 {
                url.push('&');
            }
            match parameter.split_once('=') {
                Some((key, _)) if SECRET_PARAMETERS.contains(&key) => {
                    url.push_str(key);
                    url.push_str("=REDACTED");
                }
                _ => url.push_str(parameter),
            }
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_signatures_never_reach_url_full() {
        let uri: Uri =
            "https://user:secret@store.example:8443/o/k?X-Goog-Signature=abc&size=1&sig=zz"
                .parse()
                .unwrap();
        assert_eq!(
            full(&uri),
            "https://store.example:8443/o/k?X-Goog-Signature=REDACTED&size=1&sig=REDACTED"
        );
        assert_eq!(server(&uri, None), ("store.example".into(), Some(8443)));
    }

    #[test]
    fn the_port_defaults_by_scheme_and_relative_uris_use_the_host_header() {
        let uri: Uri = "http://model.internal/api/predict".parse().unwrap();
        assert_eq!(full(&uri), "http://model.internal/api/predict");
        assert_eq!(server(&uri, None), ("model.internal".into(), Some(80)));
        let relative: Uri = "/api/predict".parse().unwrap();
        assert_eq!(full(&relative), "/api/predict");
        assert_eq!(
            server(&relative, Some("127.0.0.1:9000")),
            ("127.0.0.1".into(), Some(9000))
        );
    }
}
