//! The lines' settings as the builder holds them ([`Settings`]): their format, their writer,
//! whether they are written; and the lines started from them ([`Lines`], the part whose log sink
//! lays them out).

use std::io::Write;

use super::format::LineSink;
use super::output::{LineOutput, SharedOutput};
use super::style::Style;
use crate::sink::{LogSink, Part};

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

impl LogFormat {
    /// The format `TRIPOD_LOG_FORMAT` names, or what is wrong with its value.
    pub(crate) fn from_variable(value: &str) -> Result<LogFormat, String> {
        match value {
            "json" => Ok(LogFormat::Json),
            "pretty" => Ok(LogFormat::Pretty),
            other => Err(format!(
                "TRIPOD_LOG_FORMAT={other:?} is neither \"json\" nor \"pretty\"; writing JSON"
            )),
        }
    }
}

/// The lines' settings, as the builder's setters left them.
pub(crate) struct Settings {
    pub(crate) format: LogFormat,
    /// Where lines go; stdout when `None`.
    pub(crate) writer: Option<Box<dyn Write + Send>>,
    /// Whether lines are written.
    pub(crate) enabled: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            format: LogFormat::Json,
            writer: None,
            enabled: true,
        }
    }
}

impl Settings {
    /// The lines, when they are written (`enabled` is the settings' unless the environment
    /// said; without the `log-lines` feature none is): in `format` (the environment's, else the
    /// settings'), coloured only on a terminal that `NO_COLOR` (read through `var`) leaves
    /// coloured.
    pub(crate) fn start(
        self,
        format: Option<LogFormat>,
        enabled: Option<bool>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Lines> {
        if !enabled.unwrap_or(self.enabled) || !cfg!(feature = "log-lines") {
            return None;
        }
        let style = match format.unwrap_or(self.format) {
            LogFormat::Json => Style::Json,
            LogFormat::Pretty => Style::Pretty {
                ansi: self.writer.is_none()
                    && std::io::IsTerminal::is_terminal(&std::io::stdout())
                    && var("NO_COLOR").is_none_or(|value| value.is_empty()),
            },
        };
        let writer = self.writer.unwrap_or_else(|| Box::new(std::io::stdout()));
        Some(Lines {
            style,
            output: LineOutput::new(writer),
        })
    }
}

/// The lines, running: their layout and their output.
pub(crate) struct Lines {
    style: Style,
    output: SharedOutput,
}

impl Part for Lines {
    fn log_sink(&self) -> Option<Box<dyn LogSink>> {
        Some(Box::new(LineSink::new(self.style, self.output.clone())))
    }

    /// Writes out the lines not yet written.
    fn flush(&self, _timeout: std::time::Duration) -> bool {
        self.output.flush();
        true
    }
}
