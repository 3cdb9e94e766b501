//! The todo store: SQLite through sqlx, every query observed as a `db.todos.*` operation by one
//! `#[tripod::observe]` on the `impl` block.

use std::borrow::Cow;
use std::str::FromStr;

use serde::Serialize;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlSafeStr};

/// A todo as stored and returned.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Todo {
    /// Assigned by the database.
    pub id: i64,
    /// What to do.
    pub title: String,
    /// Whose todo it is.
    pub user_id: i64,
    /// Whether it is done.
    pub done: bool,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
}

impl Todo {
    fn from_row(row: &SqliteRow) -> Result<Todo, sqlx::Error> {
        Ok(Todo {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            user_id: row.try_get("user_id")?,
            done: row.try_get("done")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// Opens (creating if needed) the database at `url` and applies the migrations.
pub async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // Each wait for a connection reported (at DEBUG, which tripod records whatever
        // RUST_LOG says): the trace shows it as an `acquire connection` span.
        .acquire_time_level(log::LevelFilter::Debug)
        .connect_with(options)
        .await?;
    migrator().run(&pool).await?;
    Ok(pool)
}

/// The embedded migrations (`migrations/*.sql`).
fn migrator() -> Migrator {
    Migrator::with_migrations(vec![Migration::new(
        1,
        Cow::Borrowed("create todos"),
        MigrationType::Simple,
        include_str!("../migrations/0001_create_todos.sql").into_sql_str(),
        false,
    )])
}

/// The todo table.
#[derive(Clone, Debug)]
pub struct Todos {
    pool: SqlitePool,
}

/// Which todos to list.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// Only this user's todos, when given.
    pub user_id: Option<i64>,
    /// At most this many.
    pub limit: i64,
    /// After skipping this many.
    pub offset: i64,
}

/// Every query is observed: the block's attribute names each method `db.todos.<method>` with the
/// `db_system` label; a method's own attribute adds its fields or overrides the name and level.
#[tripod::observe(name = "db.todos", labels(db_system = "sqlite"))]
impl Todos {
    /// The table in `pool`'s database.
    #[tripod::observe(skip)]
    pub fn new(pool: SqlitePool) -> Self {
        Todos { pool }
    }

    /// Stores a new todo.
    pub async fn insert(&self, title: &str, user_id: i64) -> Result<Todo, sqlx::Error> {
        let row = sqlx::query("INSERT INTO todos (title, user_id) VALUES (?, ?) RETURNING *")
            .bind(title)
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Todo::from_row(&row)
    }

    /// A page of todos, by id.
    pub async fn list(&self, page: Page) -> Result<Vec<Todo>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT * FROM todos WHERE (?1 IS NULL OR user_id = ?1) ORDER BY id LIMIT ?2 OFFSET ?3",
        )
        .bind(page.user_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Todo::from_row).collect()
    }

    /// One todo, if it exists.
    #[tripod::observe(fields(todo.id = id))]
    pub async fn get(&self, id: i64) -> Result<Option<Todo>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM todos WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Todo::from_row).transpose()
    }

    /// Changes a todo's title and/or done flag; `None` when it does not exist.
    #[tripod::observe(fields(todo.id = id))]
    pub async fn update(
        &self,
        id: i64,
        title: Option<&str>,
        done: Option<bool>,
    ) -> Result<Option<Todo>, sqlx::Error> {
        let row = sqlx::query(
            "UPDATE todos SET title = COALESCE(?2, title), done = COALESCE(?3, done) WHERE id = ?1 RETURNING *",
        )
        .bind(id)
        .bind(title)
        .bind(done)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Todo::from_row).transpose()
    }

    /// Deletes a todo; `false` when it did not exist.
    #[tripod::observe(fields(todo.id = id))]
    pub async fn delete(&self, id: i64) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("DELETE FROM todos WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Checks the database answers.
    #[tripod::observe(name = "db.ping", level = "debug")]
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// Closes the pool: every committed write is on disk.
    #[tripod::observe(skip)]
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
