//! The standard environment variables, read once at `install()`: each value that cannot be used
//! becomes a warning (logged once the subscriber is up) and the setting keeps its default.

pub use crate::logs::LogFormat;
#[cfg(feature = "otlp")]
use crate::otlp::validate_url;
use crate::trace::Sampler;

/// Reads one variable; the process environment unless a builder was given another source.
pub(crate) type Source = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub(crate) fn process_environment() -> Source {
    Box::new(|name| std::env::var(name).ok())
}

/// Where a signal goes, as its `OTEL_*_EXPORTER` variable lists it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outputs {
    /// `otlp`.
    pub(crate) otlp: bool,
    /// `console`: tripod's log lines (stdout, or the builder's writer).
    pub(crate) console: bool,
    /// `prometheus`: `/metrics`.
    pub(crate) prometheus: bool,
}

/// What the environment says, after validation.
#[derive(Debug, Default)]
pub(crate) struct FromEnvironment {
    pub(crate) service_name: Option<String>,
    pub(crate) resource_attributes: Vec<(String, String)>,
    pub(crate) log_format: Option<LogFormat>,
    pub(crate) log_filter: Option<String>,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: every signal's base URL.
    pub(crate) otlp_endpoint: Option<String>,
    /// `OTEL_TRACES_EXPORTER`, `OTEL_LOGS_EXPORTER`, `OTEL_METRICS_EXPORTER`, when set.
    pub(crate) traces_exporters: Option<Outputs>,
    pub(crate) logs_exporters: Option<Outputs>,
    pub(crate) metrics_exporters: Option<Outputs>,
    /// Everything else about OTLP, per signal.
    #[cfg(feature = "otlp")]
    pub(crate) otlp: crate::otlp::OtlpEnv,
    pub(crate) sampler: Option<Sampler>,
    /// `OTEL_PROPAGATORS`, when set.
    pub(crate) propagators: Option<crate::trace::Propagators>,
    /// `TRIPOD_BAGGAGE_FIELDS`: the baggage entries recorded on server spans.
    pub(crate) baggage_fields: Vec<String>,
    /// `TRIPOD_TRACES_KEEP`.
    pub(crate) traces_keep: Option<crate::trace::TracesKeep>,
    /// `TRIPOD_LOG_RATE_LIMIT`: `Some(None)` for `0` (no limit).
    pub(crate) log_rate_limit: Option<Option<u32>>,
    /// `TRIPOD_STILL_RUNNING_AFTER_MS`: `Some(None)` for `0` (never).
    pub(crate) still_running_after: Option<Option<std::time::Duration>>,
    pub(crate) warnings: Vec<String>,
}

/// Parses an `OTEL_*_EXPORTER` list (`otlp`, `otlp,console`, `none`) of which `allowed` are
/// understood; an unknown entry is a warning and is skipped.
fn outputs(name: &str, list: &str, allowed: &[&str], warnings: &mut Vec<String>) -> Outputs {
    let mut outputs = Outputs::default();
    for entry in list
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        let entry = entry.to_ascii_lowercase();
        match entry.as_str() {
            "none" => {}
            known if allowed.contains(&known) => match known {
                "otlp" => outputs.otlp = true,
                "console" => outputs.console = true,
                _ => outputs.prometheus = true,
            },
            other => warnings.push(format!(
                "{name}: {other:?} is not an exporter tripod has (it has: {}); skipping it",
                allowed.join(", ")
            )),
        }
    }
    outputs
}

/// Without the `otlp` feature no endpoint can be used: setting one is a mistake worth a warning.
#[cfg(not(feature = "otlp"))]
fn validate_url(_url: &str) -> Result<(), String> {
    Err("tripod was built without its `otlp` feature, so nothing is exported over OTLP".into())
}

/// Whether `OTEL_SDK_DISABLED` turns telemetry off: `true`, in any case (the specification's
/// boolean: anything else leaves it on, and [`read`] warns of a value that is neither `true` nor
/// `false`).
pub(crate) fn sdk_disabled(source: &Source) -> bool {
    source("OTEL_SDK_DISABLED").is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

/// Reads and checks every variable tripod understands.
pub(crate) fn read(source: &Source) -> FromEnvironment {
    let mut env = FromEnvironment::default();
    let var = |name: &str| {
        source(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };

    if let Some(value) = var("OTEL_SDK_DISABLED")
        && !value.eq_ignore_ascii_case("true")
        && !value.eq_ignore_ascii_case("false")
    {
        env.warnings.push(format!(
            "OTEL_SDK_DISABLED={value:?} is neither \"true\" nor \"false\"; telemetry stays on"
        ));
    }
    env.service_name = var("OTEL_SERVICE_NAME");
    if let Some(attributes) = var("OTEL_RESOURCE_ATTRIBUTES") {
        let (pairs, problems) = crate::key_values::parse(&attributes);
        env.resource_attributes = pairs;
        env.warnings.extend(
            problems
                .into_iter()
                .map(|problem| format!("OTEL_RESOURCE_ATTRIBUTES: ignoring {problem}")),
        );
    }
    if let Some(value) = var("TRIPOD_LOG_FORMAT") {
        match LogFormat::from_variable(&value) {
            Ok(format) => env.log_format = Some(format),
            Err(warning) => env.warnings.push(warning),
        }
    }
    if let Some(list) = var("OTEL_PROPAGATORS") {
        let (propagators, warnings) = crate::trace::Propagators::parse(&list);
        env.propagators = Some(propagators);
        env.warnings.extend(warnings);
    }
    if let Some(list) = var("TRIPOD_BAGGAGE_FIELDS") {
        env.baggage_fields = list
            .split(',')
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(value) = var("TRIPOD_TRACES_KEEP") {
        match value.parse::<crate::trace::TracesKeep>() {
            Ok(keep) => env.traces_keep = Some(keep),
            Err(error) => env.warnings.push(format!(
                "TRIPOD_TRACES_KEEP={value:?}: {error}; using the default"
            )),
        }
    }
    if let Some(value) = var("TRIPOD_LOG_RATE_LIMIT") {
        match value.trim().parse::<u32>() {
            Ok(0) => env.log_rate_limit = Some(None),
            Ok(limit) => env.log_rate_limit = Some(Some(limit)),
            Err(_) => env.warnings.push(format!(
                "TRIPOD_LOG_RATE_LIMIT={value:?} is not a whole number of lines a second per \
                 callsite (0 turns the limit off); using the default"
            )),
        }
    }
    if let Some(value) = var("TRIPOD_STILL_RUNNING_AFTER_MS") {
        match value.parse::<u64>() {
            Ok(0) => env.still_running_after = Some(None),
            Ok(millis) => {
                env.still_running_after = Some(Some(std::time::Duration::from_millis(millis)))
            }
            Err(_) => env.warnings.push(format!(
                "TRIPOD_STILL_RUNNING_AFTER_MS={value:?} is not a whole number of milliseconds \
                 (0 turns the lines off); using the default"
            )),
        }
    }
    if let Some(filter) = var("RUST_LOG") {
        match tracing_subscriber::EnvFilter::try_new(&filter) {
            Ok(_) => env.log_filter = Some(filter),
            Err(error) => env.warnings.push(format!(
                "RUST_LOG={filter:?} is not a valid filter ({error}); using the default"
            )),
        }
    }
    if let Some(url) = var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        match validate_url(&url) {
            Ok(()) => env.otlp_endpoint = Some(url),
            Err(problem) => env.warnings.push(format!(
                "OTEL_EXPORTER_OTLP_ENDPOINT: {problem}; ignoring it"
            )),
        }
    }
    for (name, slot, allowed) in [
        (
            "OTEL_TRACES_EXPORTER",
            &mut env.traces_exporters,
            &["otlp"][..],
        ),
        (
            "OTEL_LOGS_EXPORTER",
            &mut env.logs_exporters,
            &["otlp", "console"][..],
        ),
        (
            "OTEL_METRICS_EXPORTER",
            &mut env.metrics_exporters,
            &["otlp", "prometheus"][..],
        ),
    ] {
        if let Some(list) = var(name) {
            *slot = Some(outputs(name, &list, allowed, &mut env.warnings));
        }
    }
    #[cfg(feature = "otlp")]
    {
        env.otlp = crate::otlp::read_env(&var, &mut env.warnings);
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

    #[test]
    fn otel_sdk_disabled_is_true_in_any_case_and_another_value_is_a_warning() {
        let source = |value: &'static str| -> Source { Box::new(move |_| Some(value.to_owned())) };
        assert!(sdk_disabled(&source("true")));
        assert!(sdk_disabled(&source("TRUE")));
        assert!(!sdk_disabled(&source("false")));
        assert!(!sdk_disabled(&source("maybe")));
        assert!(!sdk_disabled(&(Box::new(|_: &str| None) as Source)));
        let env = env(&[("OTEL_SDK_DISABLED", "maybe")]);
        assert_eq!(
            env.warnings,
            ["OTEL_SDK_DISABLED=\"maybe\" is neither \"true\" nor \"false\"; telemetry stays on"]
        );
        assert!(
            self::env(&[("OTEL_SDK_DISABLED", "false")])
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn exporter_lists_name_where_each_signal_goes_and_unknown_entries_are_warnings() {
        let env = env(&[
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "otlp, console"),
            ("OTEL_METRICS_EXPORTER", "prometheus,zipkin"),
        ]);
        assert_eq!(env.traces_exporters, Some(Outputs::default()));
        assert_eq!(
            env.logs_exporters,
            Some(Outputs {
                otlp: true,
                console: true,
                prometheus: false
            })
        );
        assert_eq!(
            env.metrics_exporters,
            Some(Outputs {
                prometheus: true,
                ..Outputs::default()
            })
        );
        assert_eq!(env.warnings.len(), 1, "{:?}", env.warnings);
        assert!(env.warnings[0].starts_with("OTEL_METRICS_EXPORTER: \"zipkin\""));
        assert_eq!(self::env(&[]).logs_exporters, None, "unset: the defaults");
    }
}
