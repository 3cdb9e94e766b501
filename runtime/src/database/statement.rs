//! Database spans from sqlx's events, with no code in the application: sqlx reports every
//! statement it ran as one `tracing` event (target `sqlx::query`, DEBUG by default) when the
//! statement finishes, with its SQL text (placeholders, no bound values), the rows returned and
//! affected and the time it took; a pool that is asked to (`acquire_time_level`) reports the wait
//! for a connection (`sqlx::pool::acquire`). The collector thread turns each into a finished span
//! under the span the event happened in, from `end − elapsed` to `end`: a CLIENT span per
//! statement named by OpenTelemetry's database conventions (`INSERT todos`), and an internal
//! `acquire connection` span for the wait. The application's thread pays for the event sqlx
//! emits and nothing more: the SQL is read on the collector thread.

use std::sync::Arc;
use std::time::Duration;
use std::time::SystemTime;

use super::sql::Sql;
use crate::capture::{FieldValue, FieldWriter as _, SpanLimits, SpanRecord};
use crate::trace::{SpanId, SpanIds};

/// The target of sqlx's statement events.
pub(crate) const STATEMENT_TARGET: &str = "sqlx::query";
/// The target of sqlx's pool events (the wait for a connection).
pub(crate) const ACQUIRE_TARGET: &str = "sqlx::pool::acquire";

/// The name of the span of a wait for a connection.
pub(crate) const ACQUIRE_SPAN: &str = "acquire connection";
/// A statement span's name until its summary (`INSERT todos`) or database system replaces it.
const STATEMENT_SPAN: &str = "db.statement";

/// Which of sqlx's events an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DatabaseEvent {
    Statement,
    Acquire,
}

impl DatabaseEvent {
    /// The targets of sqlx's events.
    pub(crate) const TARGETS: [&str; 2] = [STATEMENT_TARGET, ACQUIRE_TARGET];

    /// The kind of a callsite's target, when it is one of sqlx's (the lengths differ from most
    /// targets', so most comparisons end at the length).
    #[inline]
    pub(crate) fn of(target: &str) -> Option<DatabaseEvent> {
        if target == STATEMENT_TARGET {
            Some(DatabaseEvent::Statement)
        } else if target == ACQUIRE_TARGET {
            Some(DatabaseEvent::Acquire)
        } else {
            None
        }
    }
}

/// How database spans are made: `Builder::database_system` and `Builder::database_query_text`.
/// (Without span capture only the metric is made, which needs the system alone.)
#[derive(Clone, Debug)]
pub(crate) struct DatabaseSpans {
    /// `db.system.name`: `sqlite`, `postgresql`, `mysql`, … (`other_sql` when not said).
    pub(crate) system: Arc<str>,
    /// Whether `db.query.text` (sanitized: literals replaced by `?`) is recorded.
    pub(crate) query_text: bool,
}

/// A statement as sqlx reported it.
#[derive(Debug)]
pub(crate) struct Statement {
    pub(crate) sql: Sql,
    /// How long it ran (`elapsed_secs`).
    pub(crate) elapsed: Duration,
    pub(crate) rows_returned: Option<u64>,
    pub(crate) rows_affected: Option<u64>,
}

/// A field of a database event, as the collector thread hands it over.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field<'a> {
    Str(&'a str),
    U64(u64),
    I64(i64),
    F64(f64),
    Other,
}

impl Field<'_> {
    fn count(self) -> Option<u64> {
        match self {
            Field::U64(value) => Some(value),
            Field::I64(value) => u64::try_from(value).ok(),
            _ => None,
        }
    }

    fn seconds(self) -> Option<Duration> {
        let seconds = match self {
            Field::F64(value) => value,
            Field::U64(value) => value as f64,
            Field::I64(value) => value as f64,
            _ => return None,
        };
        Duration::try_from_secs_f64(seconds).ok()
    }
}

impl Statement {
    /// The statement a `sqlx::query` event reports; `None` when the event lacks its duration.
    /// The SQL is `db.statement` (sqlx leaves it empty when `summary` holds all of it).
    pub(crate) fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, Field<'a>)>,
    ) -> Option<Statement> {
        let (mut summary, mut text) = ("", "");
        let (mut elapsed, mut rows_returned, mut rows_affected) = (None, None, None);
        for (key, value) in fields {
            match (key, value) {
                ("summary", Field::Str(value)) => summary = value,
                ("db.statement", Field::Str(value)) => text = value,
                ("elapsed_secs", value) => elapsed = value.seconds(),
                ("rows_returned", value) => rows_returned = value.count(),
                ("rows_affected", value) => rows_affected = value.count(),
                _ => {}
            }
        }
        let text = match text.trim() {
            "" => summary.trim(),
            text => text,
        };
        Some(Statement {
            sql: Sql::read(text),
            elapsed: elapsed?,
            rows_returned,
            rows_affected,
        })
    }

    /// The labels of `db_client_operation_duration_seconds`: the system, and the operation and
    /// the collection where the statement shows them (bounded: a known keyword, a table name).
    pub(crate) fn metric_labels(&self, database: &DatabaseSpans) -> Vec<(&'static str, String)> {
        let mut labels = vec![("db_system_name", database.system.to_string())];
        if let Some(operation) = self.sql.operation {
            labels.push(("db_operation_name", operation.to_owned()));
        }
        if let Some(collection) = self.sql.collection() {
            labels.push(("db_collection_name", collection.to_owned()));
        }
        labels
    }

    /// The statement's CLIENT span, ended at `end`, under `parent`.
    pub(crate) fn span(
        &self,
        database: &DatabaseSpans,
        parent: &SpanRecord,
        end: SystemTime,
        limits: SpanLimits,
    ) -> SpanRecord {
        let mut record = child_of(parent, STATEMENT_SPAN, end, self.elapsed, limits);
        let summary = self.sql.summary();
        let name = summary.as_deref().unwrap_or(&database.system);
        record.field("otel.name", FieldValue::Str(name));
        record.field("otel.kind", FieldValue::Str("client"));
        record.field("db.system.name", FieldValue::Str(&database.system));
        if let Some(operation) = self.sql.operation {
            record.field("db.operation.name", FieldValue::Str(operation));
        }
        if let Some(collection) = self.sql.collection() {
            record.field("db.collection.name", FieldValue::Str(collection));
        }
        if let Some(summary) = &summary {
            record.field("db.query.summary", FieldValue::Str(summary));
        }
        if database.query_text && !self.sql.sanitized.is_empty() {
            record.field("db.query.text", FieldValue::Str(&self.sql.sanitized));
        }
        if let Some(rows) = self.rows_returned {
            record.field("db.response.returned_rows", FieldValue::U64(rows));
        }
        // A statement that returned rows (`INSERT … RETURNING` included) reports no affected
        // rows that mean anything: only the others' count is kept.
        if let Some(rows) = self
            .rows_affected
            .filter(|&rows| rows > 0 || self.rows_returned.unwrap_or(0) == 0)
        {
            record.field("db.response.affected_rows", FieldValue::U64(rows));
        }
        record
    }
}

/// The wait for a connection a `sqlx::pool::acquire` event reports (`acquired_after_secs`).
pub(crate) fn acquire_wait<'a>(
    fields: impl IntoIterator<Item = (&'a str, Field<'a>)>,
) -> Option<Duration> {
    fields
        .into_iter()
        .find(|(key, _)| *key == "acquired_after_secs")
        .and_then(|(_, value)| value.seconds())
}

/// The span of a wait for a connection that ended at `end`, under `parent`.
pub(crate) fn acquire_span(
    database: &DatabaseSpans,
    parent: &SpanRecord,
    end: SystemTime,
    waited: Duration,
    limits: SpanLimits,
) -> SpanRecord {
    let mut record = child_of(parent, ACQUIRE_SPAN, end, waited, limits);
    record.field("db.system.name", FieldValue::Str(&database.system));
    record
}

/// A span `name` of `parent`'s trace that ran for `took` until `end`, starting no earlier than its
/// parent (the two durations come from different clocks).
fn child_of(
    parent: &SpanRecord,
    name: &'static str,
    end: SystemTime,
    took: Duration,
    limits: SpanLimits,
) -> SpanRecord {
    let ids = SpanIds {
        trace_id: parent.ids.trace_id,
        span_id: SpanId::random(),
        parent: Some(parent.ids.span_id),
        parent_is_remote: false,
        // Sampled as its parent was: an unsampled trace's statements wait with it for the tail
        // rules.
        sampled: parent.ids.sampled,
    };
    let end = end.max(parent.start);
    let start = end.checked_sub(took).unwrap_or(end).max(parent.start);
    let mut record = SpanRecord::started_at(ids, name, 10, limits, start);
    record.trace_state = parent.trace_state.clone();
    record.end_at(end);
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{AttrValue, SpanKind};
    use crate::trace::TraceId;

    fn parent() -> SpanRecord {
        let ids = SpanIds {
            trace_id: TraceId(7),
            span_id: SpanId(1),
            parent: None,
            parent_is_remote: false,
            sampled: true,
        };
        SpanRecord::started_at(
            ids,
            "db.todos.insert",
            0,
            SpanLimits::default(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(100),
        )
    }

    fn database() -> DatabaseSpans {
        DatabaseSpans {
            system: "sqlite".into(),
            query_text: true,
        }
    }

    fn attribute<'a>(record: &'a SpanRecord, key: &str) -> Option<&'a AttrValue> {
        record
            .attributes
            .iter()
            .find(|attribute| attribute.key == key)
            .map(|attribute| &attribute.value)
    }

    fn text(record: &SpanRecord, key: &str) -> Option<String> {
        match attribute(record, key)? {
            AttrValue::Text(text) => Some(record.text(text).to_owned()),
            _ => None,
        }
    }

    /// The fields sqlx's event has for a statement longer than its four-word summary.
    fn insert_event(elapsed: f64) -> Vec<(&'static str, Field<'static>)> {
        vec![
            ("summary", Field::Str("INSERT INTO todos (title, …")),
            (
                "db.statement",
                Field::Str("\n\nINSERT INTO todos (title, user_id) VALUES (?, ?) RETURNING *\n"),
            ),
            ("rows_affected", Field::U64(1)),
            ("rows_returned", Field::U64(1)),
            ("elapsed", Field::Other),
            ("elapsed_secs", Field::F64(elapsed)),
        ]
    }

    #[test]
    fn a_statement_is_a_client_span_named_by_its_operation_and_table_ending_when_sqlx_reported_it()
    {
        let parent = parent();
        let statement = Statement::from_fields(insert_event(0.002)).unwrap();
        let end = parent.start + Duration::from_millis(10);
        let span = statement.span(&database(), &parent, end, SpanLimits::default());
        assert_eq!(span.text(&span.name), "INSERT todos");
        assert_eq!(span.kind, SpanKind::Client);
        assert_eq!(span.ids.trace_id, parent.ids.trace_id);
        assert_eq!(span.ids.parent, Some(parent.ids.span_id));
        assert_ne!(span.ids.span_id, parent.ids.span_id);
        // The span ends when the event says and lasts the `elapsed_secs` the event reports
        // (0.002): arithmetic on given values, no clock read.
        assert_eq!(span.end, end);
        assert_eq!(span.start, end - Duration::from_millis(2));
        assert_eq!(text(&span, "db.system.name").as_deref(), Some("sqlite"));
        assert_eq!(text(&span, "db.operation.name").as_deref(), Some("INSERT"));
        assert_eq!(text(&span, "db.collection.name").as_deref(), Some("todos"));
        assert_eq!(
            text(&span, "db.query.summary").as_deref(),
            Some("INSERT todos")
        );
        assert_eq!(
            text(&span, "db.query.text").as_deref(),
            Some("INSERT INTO todos (title, user_id) VALUES (?, ?) RETURNING *")
        );
        assert!(matches!(
            attribute(&span, "db.response.returned_rows"),
            Some(AttrValue::I64(1))
        ));
    }

    #[test]
    fn a_short_statement_whose_summary_is_all_of_it_still_reads() {
        let statement = Statement::from_fields([
            ("summary", Field::Str("SELECT 1")),
            ("db.statement", Field::Str("")),
            ("elapsed_secs", Field::F64(0.0001)),
        ])
        .unwrap();
        assert_eq!(statement.sql.summary().as_deref(), Some("SELECT"));
        assert_eq!(statement.sql.sanitized, "SELECT ?");
        assert!(Statement::from_fields([("summary", Field::Str("SELECT 1"))]).is_none());
    }

    #[test]
    fn without_query_text_the_span_keeps_its_summary_but_not_the_text() {
        let statement = Statement::from_fields(insert_event(0.001)).unwrap();
        let database = DatabaseSpans {
            query_text: false,
            ..database()
        };
        let parent = parent();
        let span = statement.span(&database, &parent, parent.start, SpanLimits::default());
        assert_eq!(text(&span, "db.query.text"), None);
        assert_eq!(
            text(&span, "db.query.summary").as_deref(),
            Some("INSERT todos")
        );
    }

    #[test]
    fn a_statement_never_starts_before_its_parent() {
        let parent = parent();
        let statement = Statement::from_fields(insert_event(5.0)).unwrap();
        let end = parent.start + Duration::from_millis(1);
        let span = statement.span(&database(), &parent, end, SpanLimits::default());
        assert_eq!(span.start, parent.start);
        assert_eq!(span.end, end);
    }

    #[test]
    fn the_metric_labels_name_the_operation_and_only_a_single_collection() {
        let insert = Statement::from_fields(insert_event(0.001)).unwrap();
        assert_eq!(
            insert.metric_labels(&database()),
            [
                ("db_system_name", "sqlite".to_owned()),
                ("db_operation_name", "INSERT".to_owned()),
                ("db_collection_name", "todos".to_owned()),
            ]
        );
        let join = Statement::from_fields([
            (
                "db.statement",
                Field::Str("SELECT * FROM a JOIN b ON a.id = b.id"),
            ),
            ("elapsed_secs", Field::F64(0.001)),
        ])
        .unwrap();
        assert_eq!(join.metric_labels(&database()).len(), 2);
    }

    #[test]
    fn a_wait_for_a_connection_is_a_span_of_its_own() {
        let parent = parent();
        let waited = acquire_wait([("acquired_after_secs", Field::F64(0.003))]).unwrap();
        let end = parent.start + Duration::from_millis(5);
        let span = acquire_span(&database(), &parent, end, waited, SpanLimits::default());
        assert_eq!(span.text(&span.name), ACQUIRE_SPAN);
        // It lasts the `acquired_after_secs` the event reports (0.003), up to the given end.
        assert_eq!(span.end, end);
        assert_eq!(span.end - Duration::from_millis(3), span.start);
        assert_eq!(span.ids.parent, Some(parent.ids.span_id));
    }
}
