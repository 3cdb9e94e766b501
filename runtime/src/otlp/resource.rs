//! What every export request starts with: the process's resource (`crate::resource`) and
//! tripod's instrumentation scope, encoded once, at start-up; and the traces request, which
//! wraps a batch of spans in them.

use super::proto::{Any, ProtoWriter, field};
use std::sync::Arc;

use crate::capture::SpanRecord;
use crate::resource::{AttributeValue, Resource};

/// The parts of every request that never change, pre-encoded.
pub(crate) struct Preamble {
    /// The `Resource` message's fields.
    resource: Vec<u8>,
    /// The `InstrumentationScope` message's fields.
    scope: Vec<u8>,
}

impl Preamble {
    /// The parts for `resource` (its attributes, `process.pid` as an integer) and tripod's
    /// scope.
    pub(crate) fn new(resource: &Resource) -> Preamble {
        let mut encoded = ProtoWriter::default();
        for (key, value) in resource.attributes() {
            let value = match value {
                AttributeValue::Str(text) => Any::Str(text),
                AttributeValue::Int(value) => Any::Int(*value),
            };
            encoded.key_value(field::RESOURCE_ATTRIBUTES, key, value);
        }
        let resource = encoded;
        let mut scope = ProtoWriter::default();
        scope.string(field::SCOPE_NAME, "tripod");
        scope.string(field::SCOPE_VERSION, env!("CARGO_PKG_VERSION"));
        Preamble {
            resource: resource.into_bytes(),
            scope: scope.into_bytes(),
        }
    }

    /// The `Resource` message, in `in_field`.
    pub(crate) fn resource(&self, writer: &mut ProtoWriter, in_field: u32) {
        let resource = writer.open(in_field);
        writer.raw(&self.resource);
        writer.close(resource);
    }

    /// tripod's `InstrumentationScope` message, in `in_field`.
    pub(crate) fn scope(&self, writer: &mut ProtoWriter, in_field: u32) {
        let scope = writer.open(in_field);
        writer.raw(&self.scope);
        writer.close(scope);
    }

    /// The traces request body for `spans`.
    pub(crate) fn encode(&self, spans: &[Arc<SpanRecord>]) -> Vec<u8> {
        let mut writer = ProtoWriter::with_capacity(256 + spans.len() * 512);
        let resource_spans = writer.open(field::REQUEST_RESOURCE_SPANS);
        self.resource(&mut writer, field::RESOURCE_SPANS_RESOURCE);
        let scope_spans = writer.open(field::RESOURCE_SPANS_SCOPE_SPANS);
        self.scope(&mut writer, field::SCOPE_SPANS_SCOPE);
        for span in spans {
            span.encode(&mut writer, field::SCOPE_SPANS_SPANS);
        }
        writer.close(scope_spans);
        writer.close(resource_spans);
        writer.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{SpanId, SpanIds, TraceId};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    use prost::Message as _;

    fn span(id: u64) -> Arc<SpanRecord> {
        let ids = SpanIds {
            trace_id: TraceId(1),
            span_id: SpanId(id),
            parent: None,
            parent_is_remote: false,
            sampled: true,
        };
        Arc::new(SpanRecord::new(
            ids,
            "todo.create",
            0,
            crate::capture::SpanLimits::default(),
        ))
    }

    #[test]
    fn a_request_decodes_with_its_resource_scope_and_every_span() {
        let preamble = Preamble::new(&Resource::detect(
            Some("todo-app"),
            None,
            &[
                ("deployment.environment".into(), "test".into()),
                ("service.name".into(), "ignored".into()),
            ],
        ));
        let body = preamble.encode(&[span(1), span(2), span(3)]);
        let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        assert_eq!(request.resource_spans.len(), 1);
        let resource_spans = &request.resource_spans[0];
        let attributes: Vec<(String, String)> = resource_spans
            .resource
            .as_ref()
            .unwrap()
            .attributes
            .iter()
            .map(|kv| {
                let value = match kv.value.as_ref().and_then(|v| v.value.clone()) {
                    Some(Value::StringValue(value)) => value,
                    Some(Value::IntValue(value)) => value.to_string(),
                    other => panic!("a string or an integer: {other:?}"),
                };
                (kv.key.clone(), value)
            })
            .collect();
        assert_eq!(attributes[0], ("service.name".into(), "todo-app".into()));
        assert!(attributes.contains(&("deployment.environment".into(), "test".into())));
        assert!(attributes.contains(&("telemetry.sdk.name".into(), "tripod".into())));
        assert_eq!(
            attributes
                .iter()
                .filter(|(key, _)| key == "service.name")
                .count(),
            1
        );
        let pid = resource_spans.resource.as_ref().unwrap().attributes.iter();
        let pid = pid.clone().find(|kv| kv.key == "process.pid").unwrap();
        assert_eq!(
            pid.value.as_ref().unwrap().value,
            Some(Value::IntValue(i64::from(std::process::id()))),
            "an integer, as the conventions type it"
        );
        let scope_spans = &resource_spans.scope_spans[0];
        assert_eq!(scope_spans.scope.as_ref().unwrap().name, "tripod");
        let ids: Vec<Vec<u8>> = scope_spans
            .spans
            .iter()
            .map(|s| s.span_id.clone())
            .collect();
        assert_eq!(
            ids,
            [1u64, 2, 3].map(|id| id.to_be_bytes().to_vec()).to_vec()
        );
    }

    #[test]
    fn without_a_name_the_service_is_unknown_service() {
        let body = Preamble::new(&Resource::detect(None, None, &[])).encode(&[]);
        let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        let resource = request.resource_spans[0].resource.as_ref().unwrap();
        assert_eq!(
            resource.attributes[0].value.as_ref().unwrap().value,
            Some(Value::StringValue("unknown_service".into()))
        );
    }
}
