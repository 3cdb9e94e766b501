//! What a database span says about its statement, read from the SQL text: the operation
//! (`SELECT`), the collections it names (`todos`), a low-cardinality summary (`SELECT todos`)
//! and the text with every literal replaced by `?`, so a value written into the SQL (not bound)
//! never reaches a span either. OpenTelemetry's database conventions (1.33+) ask for exactly these:
//! `db.operation.name`, `db.collection.name`, `db.query.summary` and a sanitized `db.query.text`.
//!
//! A small tokenizer, not a parser: it knows comments, string and numeric literals, quoted
//! identifiers and placeholders, which is what finding the first keyword and the table names
//! needs, for SQLite, PostgreSQL and MySQL alike. An unknown first keyword gives no operation
//! (never a label made from arbitrary text).

/// The operations whose name is reported; any other first keyword reports none.
const OPERATIONS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "REPLACE",
    "UPSERT",
    "MERGE",
    "CREATE",
    "DROP",
    "ALTER",
    "TRUNCATE",
    "BEGIN",
    "START",
    "COMMIT",
    "END",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "PRAGMA",
    "VACUUM",
    "ANALYZE",
    "EXPLAIN",
    "SET",
    "SHOW",
    "COPY",
    "CALL",
    "VALUES",
    "LOCK",
    "GRANT",
    "REVOKE",
    "REINDEX",
    "ATTACH",
    "DETACH",
    "LISTEN",
    "NOTIFY",
    "DECLARE",
    "FETCH",
];

/// Collections named in the summary, at most (a join of more reads `SELECT a b c d …`-long).
const SUMMARY_COLLECTIONS: usize = 4;

/// What the SQL text says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sql {
    /// The operation, upper case (`SELECT`), when the first keyword is a known one.
    pub(crate) operation: Option<&'static str>,
    /// The collections (tables) the statement names, in order, each once.
    pub(crate) collections: Vec<String>,
    /// The text with every string, numeric and blob literal replaced by `?`, whitespace runs
    /// folded to one space.
    pub(crate) sanitized: String,
}

impl Sql {
    /// Reads `text`.
    pub(crate) fn read(text: &str) -> Sql {
        let tokens = tokens(text);
        let mut sanitized = String::with_capacity(text.len());
        for token in &tokens {
            if token.space_before && !sanitized.is_empty() {
                sanitized.push(' ');
            }
            match token.kind {
                TokenKind::Literal => sanitized.push('?'),
                _ => sanitized.push_str(&text[token.range.clone()]),
            }
        }
        let words: Vec<Word<'_>> = tokens
            .iter()
            .map(|token| Word {
                kind: token.kind,
                text: &text[token.range.clone()],
                depth: token.depth,
            })
            .collect();
        let operation = operation(&words);
        let collections =
            operation.map_or_else(Vec::new, |operation| collections(operation, &words));
        Sql {
            operation,
            collections,
            sanitized,
        }
    }

    /// The one collection the statement works on, when it names exactly one
    /// (`db.collection.name`).
    pub(crate) fn collection(&self) -> Option<&str> {
        match self.collections.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// `db.query.summary`: the operation and the collections (`SELECT todos`, `SELECT orders
    /// users`), or the operation alone; `None` without a known operation.
    pub(crate) fn summary(&self) -> Option<String> {
        let operation = self.operation?;
        let mut summary = operation.to_owned();
        for collection in self.collections.iter().take(SUMMARY_COLLECTIONS) {
            summary.push(' ');
            summary.push_str(collection);
        }
        Some(summary)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenKind {
    Word,
    /// `"name"`, `` `name` ``, `[name]`.
    Quoted,
    Literal,
    Placeholder,
    Punct,
}

struct Token {
    kind: TokenKind,
    range: std::ops::Range<usize>,
    /// Whitespace or a comment came before it.
    space_before: bool,
    /// Open parentheses around it.
    depth: u32,
}

#[derive(Clone, Copy)]
struct Word<'a> {
    kind: TokenKind,
    text: &'a str,
    depth: u32,
}

impl Word<'_> {
    fn is(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }
}

fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    let mut space_before = false;
    let mut depth = 0u32;
    // Ends the quoted run that starts at `start` with `quote` ('' inside doubles it).
    let quoted_end = |start: usize, quote: u8| {
        let mut end = start + 1;
        while end < bytes.len() {
            if bytes[end] == quote {
                if bytes.get(end + 1) == Some(&quote) {
                    end += 2;
                    continue;
                }
                return end + 1;
            }
            end += 1;
        }
        bytes.len()
    };
    while at < bytes.len() {
        let byte = bytes[at];
        let start = at;
        let kind = match byte {
            b if b.is_ascii_whitespace() => {
                at += 1;
                space_before = true;
                continue;
            }
            b'-' if bytes.get(at + 1) == Some(&b'-') => {
                at = text[at..]
                    .find('\n')
                    .map_or(bytes.len(), |end| at + end + 1);
                space_before = true;
                continue;
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                at = text[at + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| at + 2 + end + 2);
                space_before = true;
                continue;
            }
            b'\'' => {
                at = quoted_end(at, b'\'');
                TokenKind::Literal
            }
            b'"' | b'`' => {
                at = quoted_end(at, byte);
                TokenKind::Quoted
            }
            b'[' => {
                at = text[at..].find(']').map_or(bytes.len(), |end| at + end + 1);
                TokenKind::Quoted
            }
            b'$' if text[at + 1..].starts_with(|c: char| c.is_ascii_digit()) => {
                at += 1;
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
                TokenKind::Placeholder
            }
            b'$' => {
                // A dollar-quoted string: `$$…$$` or `$tag$…$tag$`.
                let tag_end = text[at + 1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map(|end| at + 1 + end);
                match tag_end.filter(|&end| bytes[end] == b'$') {
                    Some(end) => {
                        let tag = &text[at..=end];
                        at = text[end + 1..]
                            .find(tag)
                            .map_or(bytes.len(), |close| end + 1 + close + tag.len());
                        TokenKind::Literal
                    }
                    None => {
                        at += 1;
                        TokenKind::Punct
                    }
                }
            }
            b'?' => {
                at += 1;
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
                TokenKind::Placeholder
            }
            b':' | b'@'
                if text[at + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') =>
            {
                at += 1;
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
                TokenKind::Placeholder
            }
            b'0'..=b'9' => {
                at = number_end(bytes, at);
                TokenKind::Literal
            }
            b'.' if bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
                && !tokens.last().is_some_and(|token: &Token| {
                    !token.space_before && token.range.end == at && token.kind != TokenKind::Punct
                }) =>
            {
                at = number_end(bytes, at);
                TokenKind::Literal
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                while at < bytes.len()
                    && (bytes[at].is_ascii_alphanumeric()
                        || bytes[at] == b'_'
                        || bytes[at] == b'$'
                        || bytes[at] >= 0x80)
                {
                    at += 1;
                }
                // `X'…'`, `B'…'`, `E'…'`, `N'…'`: a blob, bit, escaped or national literal.
                if at - start == 1 && bytes.get(at) == Some(&b'\'') {
                    at = quoted_end(at, b'\'');
                    TokenKind::Literal
                } else {
                    TokenKind::Word
                }
            }
            _ => {
                at += text[at..].chars().next().map_or(1, char::len_utf8);
                TokenKind::Punct
            }
        };
        let token_depth = depth;
        if kind == TokenKind::Punct {
            match byte {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        tokens.push(Token {
            kind,
            range: start..at,
            space_before: std::mem::take(&mut space_before),
            depth: token_depth,
        });
    }
    tokens
}

/// The end of the number starting at `at`: digits, a fraction, an exponent, or hex digits.
fn number_end(bytes: &[u8], mut at: usize) -> usize {
    if bytes[at] == b'0' && matches!(bytes.get(at + 1), Some(b'x' | b'X')) {
        at += 2;
        while at < bytes.len() && bytes[at].is_ascii_hexdigit() {
            at += 1;
        }
        return at;
    }
    while at < bytes.len() && (bytes[at].is_ascii_digit() || bytes[at] == b'.') {
        at += 1;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(at + 1), Some(b'+' | b'-')));
        if bytes.get(at + 1 + sign).is_some_and(u8::is_ascii_digit) {
            at += 1 + sign;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
        }
    }
    at
}

/// The statement's operation: its first keyword, or for `WITH …` the statement after the
/// common table expressions.
fn operation(words: &[Word<'_>]) -> Option<&'static str> {
    let first = words.iter().find(|word| word.kind != TokenKind::Punct)?;
    let keyword = if first.is("WITH") {
        words.iter().filter(|word| word.depth == 0).find(|word| {
            ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"]
                .iter()
                .any(|k| word.is(k))
        })?
    } else {
        first
    };
    OPERATIONS
        .iter()
        .copied()
        .find(|operation| keyword.is(operation))
}

/// The collections a statement names: after `FROM` and `JOIN` (and a `FROM`'s comma list),
/// `INTO`, `UPDATE`, and `TABLE` (`CREATE TABLE IF NOT EXISTS t`). A parenthesised subquery
/// names none itself (its own `FROM` does).
fn collections(operation: &str, words: &[Word<'_>]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = words[index];
        let introduces = ["FROM", "JOIN", "INTO", "TABLE"].iter().any(|k| word.is(k))
            || (word.is("UPDATE") && operation == "UPDATE");
        index += 1;
        if !introduces {
            continue;
        }
        let from = word.is("FROM");
        loop {
            // `IF NOT EXISTS`, `ONLY`.
            while words.get(index).is_some_and(|word| {
                ["IF", "NOT", "EXISTS", "ONLY", "OR", "IGNORE"]
                    .iter()
                    .any(|k| word.is(k))
            }) {
                index += 1;
            }
            let Some((name, next)) = qualified_name(words, index) else {
                break;
            };
            if !found.contains(&name) {
                found.push(name);
            }
            index = next;
            if !from {
                break;
            }
            // `FROM a, b` and `FROM a AS x, b y`: skip an alias, then go on after a comma.
            if words.get(index).is_some_and(|word| word.is("AS")) {
                index += 1;
            }
            if words
                .get(index)
                .is_some_and(|word| word.kind == TokenKind::Word && !is_clause_keyword(word))
            {
                index += 1;
            }
            if words
                .get(index)
                .is_some_and(|word| word.kind == TokenKind::Punct && word.text == ",")
            {
                index += 1;
            } else {
                break;
            }
        }
    }
    found
}

/// A table name at `index` (`t`, `main.t`, `"My Table"`), and the index after it.
fn qualified_name(words: &[Word<'_>], mut index: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    loop {
        let word = words.get(index)?;
        match word.kind {
            TokenKind::Word if !is_clause_keyword(word) => name.push_str(word.text),
            TokenKind::Quoted => {
                name.push_str(&word.text[1..word.text.len().saturating_sub(1).max(1)])
            }
            _ => return None,
        }
        index += 1;
        match words.get(index) {
            Some(dot) if dot.kind == TokenKind::Punct && dot.text == "." => {
                name.push('.');
                index += 1;
            }
            _ => return Some((name, index)),
        }
    }
}

/// Keywords that end a table list rather than name a table or an alias.
fn is_clause_keyword(word: &Word<'_>) -> bool {
    [
        "WHERE",
        "ORDER",
        "GROUP",
        "HAVING",
        "LIMIT",
        "OFFSET",
        "JOIN",
        "INNER",
        "LEFT",
        "RIGHT",
        "FULL",
        "OUTER",
        "CROSS",
        "NATURAL",
        "ON",
        "USING",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "VALUES",
        "SET",
        "SELECT",
        "DEFAULT",
        "RETURNING",
        "WINDOW",
        "FOR",
        "AS",
        "LATERAL",
    ]
    .iter()
    .any(|keyword| word.is(keyword))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<&'static str>, Vec<String>, Option<String>, String) {
        let sql = Sql::read(text);
        let summary = sql.summary();
        (sql.operation, sql.collections, summary, sql.sanitized)
    }

    #[test]
    fn the_examples_statements_read_as_their_operation_and_table() {
        let (operation, collections, summary, sanitized) =
            read("INSERT INTO todos (title, user_id) VALUES (?, ?) RETURNING *");
        assert_eq!(operation, Some("INSERT"));
        assert_eq!(collections, ["todos"]);
        assert_eq!(summary.as_deref(), Some("INSERT todos"));
        assert_eq!(
            sanitized,
            "INSERT INTO todos (title, user_id) VALUES (?, ?) RETURNING *"
        );
        let select = Sql::read(
            "SELECT * FROM todos WHERE (?1 IS NULL OR user_id = ?1) ORDER BY id LIMIT ?2 OFFSET ?3",
        );
        assert_eq!(select.summary().as_deref(), Some("SELECT todos"));
        assert_eq!(select.collection(), Some("todos"));
        assert_eq!(
            Sql::read("UPDATE todos SET title = COALESCE(?2, title) WHERE id = ?1 RETURNING *")
                .summary()
                .as_deref(),
            Some("UPDATE todos")
        );
        assert_eq!(
            Sql::read("DELETE FROM todos WHERE id = ?")
                .summary()
                .as_deref(),
            Some("DELETE todos")
        );
    }

    #[test]
    fn literals_written_into_the_text_become_placeholders() {
        let sql = Sql::read(
            "SELECT * FROM users WHERE email = 'ann@example.com' AND pin = 1234 AND k = X'00ff' AND r > 1.5e3 AND s = $tag$secret$tag$",
        );
        assert_eq!(
            sql.sanitized,
            "SELECT * FROM users WHERE email = ? AND pin = ? AND k = ? AND r > ? AND s = ?"
        );
        assert!(
            !Sql::read("SELECT 'it''s' -- 'a comment'\n")
                .sanitized
                .contains("it")
        );
        assert_eq!(Sql::read("SELECT 1").sanitized, "SELECT ?");
        // Placeholders and identifiers with digits stay.
        assert_eq!(
            Sql::read("SELECT c1 FROM t2 WHERE a = $1 AND b = :name AND c = ?3").sanitized,
            "SELECT c1 FROM t2 WHERE a = $1 AND b = :name AND c = ?3"
        );
    }

    #[test]
    fn joins_and_lists_name_every_table_and_no_single_collection() {
        let sql = Sql::read(
            "SELECT o.id FROM orders o JOIN users AS u ON u.id = o.user_id LEFT JOIN main.items i ON 1",
        );
        assert_eq!(sql.collections, ["orders", "users", "main.items"]);
        assert_eq!(sql.collection(), None);
        assert_eq!(
            sql.summary().as_deref(),
            Some("SELECT orders users main.items")
        );
        assert_eq!(
            Sql::read("SELECT * FROM a, b WHERE a.x = b.x").collections,
            ["a", "b"]
        );
        assert_eq!(
            Sql::read(r#"SELECT * FROM "My Table" WHERE x IN (SELECT y FROM other)"#).collections,
            ["My Table", "other"]
        );
    }

    #[test]
    fn schema_statements_and_common_table_expressions_read_too() {
        let create = Sql::read("CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY)");
        assert_eq!(create.summary().as_deref(), Some("CREATE todos"));
        let with = Sql::read("WITH recent AS (SELECT * FROM todos) SELECT * FROM recent");
        assert_eq!(with.operation, Some("SELECT"));
        assert_eq!(Sql::read("SELECT 1").summary().as_deref(), Some("SELECT"));
        assert_eq!(Sql::read("BEGIN").summary().as_deref(), Some("BEGIN"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_without_a_panic(text in "\\PC{0,200}") {
            let sql = Sql::read(&text);
            proptest::prop_assert!(sql.sanitized.len() <= text.len() + text.len() / 2 + 1);
        }

        #[test]
        fn a_string_literal_never_survives_sanitizing(
            secret in "[a-zA-Z0-9 @.]{1,30}",
            table in "[a-z][a-z0-9_]{0,10}",
        ) {
            let escaped = secret.replace('\'', "''");
            let sql = Sql::read(&format!("SELECT * FROM {table} WHERE note = '{escaped}' AND n = 42"));
            proptest::prop_assert_eq!(
                &sql.sanitized,
                &format!("SELECT * FROM {table} WHERE note = ? AND n = ?")
            );
        }
    }

    #[test]
    fn an_unknown_first_word_gives_no_operation_and_no_collection() {
        let sql = Sql::read("FROBNICATE everything FROM here");
        assert_eq!(sql.operation, None);
        assert!(sql.collections.is_empty());
        assert_eq!(sql.summary(), None);
        assert_eq!(Sql::read("").summary(), None);
        assert_eq!(Sql::read("   -- only a comment").sanitized, "");
    }
}
