//! Which exposition a scraper gets, from its `Accept` header: the protobuf format when it asks
//! for `application/vnd.google.protobuf` (of `io.prometheus.client.MetricFamily`, delimited)
//! more than for either text (Prometheus with native histograms on asks for it first);
//! OpenMetrics when it asks for `application/openmetrics-text` at least as much as for plain
//! text (Prometheus asks for it first otherwise); the classic text otherwise, and when there is
//! no header.

/// An exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Prometheus's classic text, version 0.0.4: no exemplars.
    Text,
    /// OpenMetrics 1.0.0 text, with exemplars.
    OpenMetrics,
    /// Prometheus's protobuf format (length-delimited `io.prometheus.client.MetricFamily`), with
    /// exemplars and, where histograms keep exponential buckets, native histograms.
    Protobuf,
}

impl Format {
    /// The format an `Accept` header asks for.
    ///
    /// ```
    /// use tripod::MetricsFormat;
    ///
    /// let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(MetricsFormat::from_accept(Some(prometheus)), MetricsFormat::OpenMetrics);
    /// assert_eq!(MetricsFormat::from_accept(Some("text/plain")), MetricsFormat::Text);
    /// assert_eq!(MetricsFormat::from_accept(None), MetricsFormat::Text);
    /// let native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5";
    /// assert_eq!(MetricsFormat::from_accept(Some(native)), MetricsFormat::Protobuf);
    /// ```
    pub fn from_accept(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Text;
        };
        let mut openmetrics = 0.0_f64;
        let mut text = 0.0_f64;
        let mut protobuf = 0.0_f64;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let mut quality = 1.0;
            let mut version = None;
            let mut proto = None;
            let mut encoding = None;
            for parameter in parts {
                match parameter.split_once('=') {
                    Some((name, value)) if name.trim().eq_ignore_ascii_case("proto") => {
                        proto = Some(value.trim().to_owned());
                    }
                    Some((name, value)) if name.trim().eq_ignore_ascii_case("encoding") => {
                        encoding = Some(value.trim().to_ascii_lowercase());
                    }
                    Some((name, value)) if name.trim().eq_ignore_ascii_case("q") => {
                        quality = value.trim().parse().unwrap_or(0.0);
                    }
                    Some((name, value)) if name.trim().eq_ignore_ascii_case("version") => {
                        version = Some(value.trim().to_owned());
                    }
                    _ => {}
                }
            }
            match media.as_str() {
                // 1.0.0 is served; 0.0.1 was its draft, which parsers of it read too.
                "application/openmetrics-text"
                    if version
                        .as_deref()
                        .is_none_or(|version| version == "1.0.0" || version == "0.0.1") =>
                {
                    openmetrics = openmetrics.max(quality);
                }
                "application/vnd.google.protobuf"
                    if proto.as_deref() == Some("io.prometheus.client.MetricFamily")
                        && encoding.as_deref() == Some("delimited") =>
                {
                    protobuf = protobuf.max(quality);
                }
                "text/plain" | "text/*" | "*/*" => text = text.max(quality),
                _ => {}
            }
        }
        if protobuf > 0.0 && protobuf > openmetrics && protobuf > text {
            Format::Protobuf
        } else if openmetrics > 0.0 && openmetrics >= text {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }

    /// The `Content-Type` of an answer in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => super::classic::CONTENT_TYPE,
            Format::OpenMetrics => super::openmetrics::CONTENT_TYPE,
            Format::Protobuf => super::protobuf::CONTENT_TYPE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openmetrics_only_when_asked_for_at_least_as_much_as_text() {
        for (accept, expected) in [
            ("application/openmetrics-text", Format::OpenMetrics),
            (
                "application/openmetrics-text; version=1.0.0; q=0.5, text/plain; q=0.5",
                Format::OpenMetrics,
            ),
            (
                "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5",
                Format::Text,
            ),
            ("application/openmetrics-text;version=2.0.0", Format::Text),
            ("application/openmetrics-text;q=0", Format::Text),
            ("*/*", Format::Text),
            ("application/json", Format::Text),
            ("", Format::Text),
        ] {
            assert_eq!(Format::from_accept(Some(accept)), expected, "{accept}");
        }
    }
}
