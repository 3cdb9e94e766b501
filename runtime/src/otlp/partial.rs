//! An OTLP endpoint's partial success: an export it accepted but for some of its items, which the
//! answer names (`ExportTraceServiceResponse.partial_success`: `rejected_spans` and an
//! `error_message`; the logs and metrics answers have the same shape, with `rejected_log_records`
//! and `rejected_data_points`). The specification lets an endpoint send the message alone, as a
//! warning. Decoded with prost's derive: two small messages, the same field numbers for the three
//! signals.

/// `Export{Trace,Logs,Metrics}ServiceResponse`.
#[derive(Clone, PartialEq, prost::Message)]
struct ExportResponse {
    #[prost(message, optional, tag = "1")]
    partial_success: Option<PartialSuccess>,
}

/// `Export{Trace,Logs,Metrics}PartialSuccess`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PartialSuccess {
    /// The items the endpoint rejected.
    #[prost(int64, tag = "1")]
    pub(crate) rejected: i64,
    /// Why, in the endpoint's words.
    #[prost(string, tag = "2")]
    pub(crate) error_message: String,
}

impl PartialSuccess {
    /// What an export's answer says was rejected, when it says anything: `None` for a full
    /// success (no `partial_success`, or an empty one) and for an answer that is no OTLP response.
    pub(crate) fn of(answer: &[u8]) -> Option<PartialSuccess> {
        use prost::Message as _;
        let partial = ExportResponse::decode(answer).ok()?.partial_success?;
        (partial.rejected > 0 || !partial.error_message.is_empty()).then_some(partial)
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::collector::logs::v1::{
        ExportLogsPartialSuccess, ExportLogsServiceResponse,
    };
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTracePartialSuccess, ExportTraceServiceResponse,
    };
    use prost::Message as _;

    use super::*;

    #[test]
    fn a_rejection_is_read_from_each_signals_answer_and_a_full_success_is_none() {
        let traces = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 3,
                error_message: "span too large".into(),
            }),
        };
        let read = PartialSuccess::of(&traces.encode_to_vec()).unwrap();
        assert_eq!(
            (read.rejected, read.error_message.as_str()),
            (3, "span too large")
        );
        let logs = ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: 0,
                error_message: "deprecated field".into(),
            }),
        };
        let warning = PartialSuccess::of(&logs.encode_to_vec()).unwrap();
        assert_eq!(warning.rejected, 0, "a message alone is a warning");
        assert!(
            PartialSuccess::of(&ExportTraceServiceResponse::default().encode_to_vec()).is_none()
        );
        assert!(PartialSuccess::of(b"").is_none());
        assert!(PartialSuccess::of(b"OK").is_none(), "not an OTLP answer");
    }
}
