//! The standard environment variables, read once at `install()`: each value that cannot be used
//! becomes a warning (logged once the subscriber is up) and the setting keeps its default.

#[cfg(feature = "otlp")]
use std::time::Duration;

#[cfg(feature = "otlp")]
use crate::otlp::validate_url;
use crate::trace::Sampler;

/// Reads one variable; the process environment unless a builder was given another source.
pub(crate) type Source = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub(crate) fn process_environment() -> Source {
    Box::new(|name| std::env::var(name).ok())
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (`TRIPOD_LOG_FORMAT=json`, the default).
    #[default]
    Json,
    /// One human-readable line per event for a terminal (`TRIPOD_LOG_FORMAT=pretty`): time,
    /// level, event, `key=value` fields, then the trace and span ids; coloured only when stdout
    /// is a terminal and `NO_COLOR` is unset.
    Pretty,
}

/// What the environment says, after validation.
#[derive(Debug, Default)]
pub(crate) struct FromEnvironment {
    pub(crate) service_name: Option<String>,
    pub(crate) resource_attributes: Vec<(String, String)>,
    pub(crate) log_format: Option<LogFormat>,
    pub(crate) log_filter: Option<String>,
    pub(crate) otlp_endpoint: Option<String>,
    pub(crate) otlp_traces_endpoint: Option<String>,
    #[cfg(feature = "otlp")]
    pub(crate) otlp_protocol: Option<crate::otlp::Protocol>,
    #[cfg(feature = "otlp")]
    pub(crate) otlp_timeout: Option<Duration>,
    /// Headers, compression, TLS files and span limits.
    #[cfg(feature = "otlp")]
    pub(crate) otlp_export: crate::otlp::ExportConfig,
    /// Whether `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION` was set.
    #[cfg(feature = "otlp")]
    otlp_compression_set: bool,
    pub(crate) sampler: Option<Sampler>,
    pub(crate) warnings: Vec<String>,
}

impl FromEnvironment {
    /// Whether no compression variable was set (so the builder's choice stands).
    #[cfg(feature = "otlp")]
    pub(crate) fn otlp_compression_unset(&self) -> bool {
        !self.otlp_compression_set
    }
}

/// Without the `otlp` feature no endpoint can be used: setting one is a mistake worth a warning.
#[cfg(not(feature = "otlp"))]
fn validate_url(_url: &str) -> Result<(), String> {
    Err("tripod was built without its `otlp` feature, so no traces are exported".into())
}

/// Reads and checks every variable tripod understands.
pub(crate) fn read(source: &Source) -> FromEnvironment {
    let mut env = FromEnvironment::default();
    let var = |name: &str| {
        source(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };

    env.service_name = var("OTEL_SERVICE_NAME");
    if let Some(attributes) = var("OTEL_RESOURCE_ATTRIBUTES") {
        let (pairs, problems) = super::key_values::parse(&attributes);
        env.resource_attributes = pairs;
        env.warnings.extend(
            problems
                .into_iter()
                .map(|problem| format!("OTEL_RESOURCE_ATTRIBUTES: ignoring {problem}")),
        );
    }
    match var("TRIPOD_LOG_FORMAT").as_deref() {
        None => {}
        Some("json") => env.log_format = Some(LogFormat::Json),
        Some("pretty") => env.log_format = Some(LogFormat::Pretty),
        Some(other) => env.warnings.push(format!(
            "TRIPOD_LOG_FORMAT={other:?} is neither \"json\" nor \"pretty\"; writing JSON"
        )),
    }
    if let Some(filter) = var("RUST_LOG") {
        match tracing_subscriber::EnvFilter::try_new(&filter) {
            Ok(_) => env.log_filter = Some(filter),
            Err(error) => env.warnings.push(format!(
                "RUST_LOG={filter:?} is not a valid filter ({error}); using the default"
            )),
        }
    }
    for (name, slot) in [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &mut env.otlp_endpoint),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            &mut env.otlp_traces_endpoint,
        ),
    ] {
        if let Some(url) = var(name) {
            match validate_url(&url) {
                Ok(()) => *slot = Some(url),
                Err(problem) => env.warnings.push(format!("{name}: {problem}; ignoring it")),
            }
        }
    }
    #[cfg(feature = "otlp")]
    {
        let protocol = var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            .map(|value| ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", value))
            .or_else(|| {
                var("OTEL_EXPORTER_OTLP_PROTOCOL")
                    .map(|value| ("OTEL_EXPORTER_OTLP_PROTOCOL", value))
            });
        if let Some((name, protocol)) = protocol {
            match protocol.parse() {
                Ok(protocol) => env.otlp_protocol = Some(protocol),
                Err(problem) => env
                    .warnings
                    .push(format!("{name}: {problem}; using http/protobuf")),
            }
        }
        env.otlp_compression_set = var("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION").is_some()
            || var("OTEL_EXPORTER_OTLP_COMPRESSION").is_some();
        let (export, timeout) = super::otlp_env::read(&var, &mut env.warnings);
        env.otlp_export = export;
        env.otlp_timeout = timeout;
    }
    let sampler_arg = var("OTEL_TRACES_SAMPLER_ARG");
    if let Some(name) = var("OTEL_TRACES_SAMPLER") {
        match Sampler::from_env_values(&name, sampler_arg.as_deref()) {
            Ok(sampler) => env.sampler = Some(sampler),
            Err(error) => {
                env.warnings.push(format!(
                    "OTEL_TRACES_SAMPLER: {error}; using parentbased_always_on"
                ));
            }
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> FromEnvironment {
        read(
            &(Box::new(move |name: &str| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }) as Source),
        )
    }

    #[test]
    fn valid_values_are_taken() {
        let env = env(&[
            ("OTEL_SERVICE_NAME", "todo-app"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=prod,team=ml%20ops",
            ),
            ("TRIPOD_LOG_FORMAT", "pretty"),
            ("RUST_LOG", "info,sqlx=warn"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
        ]);
        #[cfg(feature = "otlp")]
        assert!(env.warnings.is_empty(), "{:?}", env.warnings);
        #[cfg(not(feature = "otlp"))]
        assert!(
            matches!(&env.warnings[..], [warning] if warning.contains("without its `otlp` feature")),
            "{:?}",
            env.warnings
        );
        assert_eq!(env.service_name.as_deref(), Some("todo-app"));
        assert_eq!(env.resource_attributes[1], ("team".into(), "ml ops".into()));
        assert_eq!(env.log_format, Some(LogFormat::Pretty));
        assert_eq!(env.sampler, Some(Sampler::TraceIdRatio(0.5)));
    }

    #[test]
    fn each_malformed_value_is_a_warning_and_no_setting() {
        let env = env(&[
            ("OTEL_RESOURCE_ATTRIBUTES", "good=1,bad"),
            ("TRIPOD_LOG_FORMAT", "xml"),
            ("RUST_LOG", "info,[=nope"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
            ("OTEL_TRACES_SAMPLER", "sometimes"),
        ]);
        // Without the `otlp` feature the exporter's own variables (the timeout) are not read: the
        // endpoint's warning says that nothing is exported.
        let expected = if cfg!(feature = "otlp") { 6 } else { 5 };
        assert_eq!(env.warnings.len(), expected, "{:#?}", env.warnings);
        assert_eq!(
            env.resource_attributes,
            [("good".to_owned(), "1".to_owned())]
        );
        assert_eq!(env.log_format, None);
        assert_eq!(env.log_filter, None);
        assert_eq!(env.otlp_endpoint, None);
        assert_eq!(env.sampler, None);
    }
}
