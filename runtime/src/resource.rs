//! Who sends the telemetry: the resource of every OTLP request and of `target_info` on
//! `/metrics`. The service (`service.name`, `service.version`, `service.instance.id`: a random
//! UUID per process, so a hundred instances behind one OpenTelemetry Collector stay apart), the
//! host, the process and the compiler that built it, the OS, and `telemetry.sdk.*`; what
//! `OTEL_RESOURCE_ATTRIBUTES` says wins over what is detected.

use crate::trace::TraceId;

/// The compiler that built tripod, as `rustc --version` printed it (`build.rs`).
const RUSTC: &str = env!("TRIPOD_RUSTC_VERSION");

/// An attribute's value: a string, or an integer (`process.pid`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AttributeValue {
    Str(String),
    Int(i64),
}

impl AttributeValue {
    /// The value as a label writes it.
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    pub(crate) fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            AttributeValue::Str(text) => text.into(),
            AttributeValue::Int(value) => value.to_string().into(),
        }
    }
}

/// The process's resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resource {
    /// `service.name` first, then the detected attributes, then the others given, then
    /// `telemetry.sdk.*`; each key once.
    attributes: Vec<(String, AttributeValue)>,
}

impl Resource {
    /// The resource of service `service_name` (else `given`'s `service.name`, else
    /// `unknown_service`, as the OpenTelemetry SDKs do) at version `service_version`, with the
    /// attributes `given` (`OTEL_RESOURCE_ATTRIBUTES`), which win over what is detected.
    pub(crate) fn detect(
        service_name: Option<&str>,
        service_version: Option<&str>,
        given: &[(String, String)],
    ) -> Resource {
        let given_value = |key: &str| {
            given
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| AttributeValue::Str(value.clone()))
        };
        let name = service_name
            .map(|name| AttributeValue::Str(name.to_owned()))
            .or_else(|| given_value("service.name"))
            .unwrap_or_else(|| AttributeValue::Str("unknown_service".into()));
        let text = |value: Option<String>| value.map(AttributeValue::Str);
        let detected = [
            ("service.instance.id", text(Some(uuid_v4()))),
            ("service.version", text(service_version.map(str::to_owned))),
            ("host.name", text(host_name())),
            (
                "process.pid",
                Some(AttributeValue::Int(i64::from(std::process::id()))),
            ),
            ("process.executable.name", text(executable_name())),
            ("process.runtime.name", text(Some("rustc".into()))),
            ("process.runtime.version", text(rustc_version(RUSTC))),
            ("process.runtime.description", text(Some(RUSTC.to_owned()))),
            ("os.type", text(Some(os_type().to_owned()))),
        ];
        let mut attributes = vec![("service.name".to_owned(), name)];
        for (key, value) in detected {
            if let Some(value) = given_value(key).or(value) {
                attributes.push((key.to_owned(), value));
            }
        }
        for (key, value) in given {
            if !key.starts_with("telemetry.sdk.") && !attributes.iter().any(|(k, _)| k == key) {
                attributes.push((key.clone(), AttributeValue::Str(value.clone())));
            }
        }
        for (key, value) in [
            ("telemetry.sdk.name", "tripod"),
            ("telemetry.sdk.language", "rust"),
            ("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        ] {
            attributes.push((key.to_owned(), AttributeValue::Str(value.to_owned())));
        }
        Resource { attributes }
    }

    /// Every attribute, `service.name` first.
    pub(crate) fn attributes(&self) -> &[(String, AttributeValue)] {
        &self.attributes
    }

    /// The value of attribute `key`.
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    pub(crate) fn get(&self, key: &str) -> Option<&AttributeValue> {
        self.attributes
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// The `job` label the Prometheus compatibility rules make of it:
    /// `service.namespace/service.name`, or `service.name` alone.
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    pub(crate) fn job(&self) -> String {
        let name = self.get("service.name").map(|name| name.text());
        match (self.get("service.namespace"), name) {
            (Some(namespace), Some(name)) => format!("{}/{name}", namespace.text()),
            (None, Some(name)) => name.into_owned(),
            (_, None) => String::new(),
        }
    }
}

/// A random UUID, version 4, as 36 lower-case characters.
fn uuid_v4() -> String {
    let random = TraceId::random().0;
    // Version 4 in the 13th hex digit, variant 10 in the two top bits of the 17th.
    let bits = (random & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The host's name (`uname`'s node name), when the platform gives one.
fn host_name() -> Option<String> {
    #[cfg(unix)]
    {
        let name = rustix::system::uname();
        if let Ok(name) = name.nodename().to_str()
            && !name.is_empty()
        {
            return Some(name.to_owned());
        }
    }
    std::env::var("COMPUTERNAME").ok()
}

/// The running executable's file name.
fn executable_name() -> Option<String> {
    std::env::current_exe()
        .ok()?
        .file_name()?
        .to_str()
        .map(str::to_owned)
}

/// The version in `rustc 1.95.0 (59807616e 2026-04-14)`.
fn rustc_version(description: &str) -> Option<String> {
    description.split_whitespace().nth(1).map(str::to_owned)
}

/// `os.type` as OpenTelemetry's conventions spell it.
fn os_type() -> &'static str {
    match std::env::consts::OS {
        "macos" | "ios" => "darwin",
        "dragonfly" => "dragonflybsd",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<'a>(resource: &'a Resource, key: &str) -> std::borrow::Cow<'a, str> {
        resource.get(key).unwrap().text()
    }

    #[test]
    fn the_process_is_described_and_each_instance_is_told_apart() {
        let resource = Resource::detect(Some("todo-app"), Some("0.3.1"), &[]);
        assert_eq!(value(&resource, "service.name"), "todo-app");
        assert_eq!(value(&resource, "service.version"), "0.3.1");
        assert_eq!(
            resource.get("process.pid"),
            Some(&AttributeValue::Int(i64::from(std::process::id())))
        );
        assert_eq!(value(&resource, "process.runtime.name"), "rustc");
        assert!(value(&resource, "process.runtime.description").starts_with("rustc 1."));
        assert!(value(&resource, "process.runtime.version").starts_with("1."));
        assert_eq!(value(&resource, "os.type"), "linux");
        assert!(!value(&resource, "host.name").is_empty());
        let id = value(&resource, "service.instance.id").into_owned();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "version 4: {id}");
        assert!("89ab".contains(&id[19..20]), "variant 10: {id}");
        let other = Resource::detect(Some("todo-app"), None, &[]);
        assert_ne!(value(&other, "service.instance.id"), id);
        assert!(other.get("service.version").is_none());
        assert_eq!(resource.job(), "todo-app");
    }

    #[test]
    fn the_variable_wins_over_what_is_detected_but_not_over_tripods_sdk() {
        let given = [
            ("service.instance.id".to_owned(), "pod-7".to_owned()),
            ("service.version".to_owned(), "9.9.9".to_owned()),
            ("service.namespace".to_owned(), "shop".to_owned()),
            ("telemetry.sdk.name".to_owned(), "other".to_owned()),
            ("deployment.environment.name".to_owned(), "prod".to_owned()),
        ];
        let resource = Resource::detect(Some("todo-app"), Some("0.3.1"), &given);
        assert_eq!(value(&resource, "service.instance.id"), "pod-7");
        assert_eq!(value(&resource, "service.version"), "9.9.9");
        assert_eq!(value(&resource, "deployment.environment.name"), "prod");
        assert_eq!(value(&resource, "telemetry.sdk.name"), "tripod");
        assert_eq!(resource.job(), "shop/todo-app");
        let keys: Vec<&str> = resource
            .attributes()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "each key once: {keys:?}");
    }
}
