//! Failures and slowness on demand, for demonstrations and tests, without code:
//! `TODO_FAULT_ERROR_RATE=0.05` makes that share of predictions fail inside `ml.inference` (a
//! 500), `TODO_FAULT_SLOW_RATE=0.05` makes that share of them `TODO_FAULT_SLOW_MS` (default 300)
//! slower inside `ml.inference`, as an async wait (the worker thread stays free).

use std::time::Duration;

/// The slowness of a slowed prediction when `TODO_FAULT_SLOW_MS` is not set.
pub const DEFAULT_SLOW: Duration = Duration::from_millis(300);

/// Which share of predictions fail, and which are slowed and by how much.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Faults {
    /// The share of predictions that fail, from 0 to 1.
    pub error_rate: f64,
    /// The share of predictions that are slowed, from 0 to 1.
    pub slow_rate: f64,
    /// How much a slowed prediction waits.
    pub slow: Duration,
}

impl Default for Faults {
    fn default() -> Self {
        Faults::NONE
    }
}

impl Faults {
    /// No fault: every prediction as the model gives it.
    pub const NONE: Faults = Faults {
        error_rate: 0.0,
        slow_rate: 0.0,
        slow: DEFAULT_SLOW,
    };

    /// The faults `var` (the process environment in `main`) asks for, and a warning for each
    /// value that cannot be used (that fault then stays off).
    ///
    /// ```
    /// use todo_app::faults::Faults;
    ///
    /// let (faults, warnings) = Faults::from_variables(|name| match name {
    ///     "TODO_FAULT_ERROR_RATE" => Some("0.05".into()),
    ///     "TODO_FAULT_SLOW_RATE" => Some("often".into()),
    ///     _ => None,
    /// });
    /// assert_eq!(faults.error_rate, 0.05);
    /// assert_eq!(faults.slow_rate, 0.0);
    /// assert_eq!(warnings.len(), 1);
    /// ```
    pub fn from_variables(var: impl Fn(&str) -> Option<String>) -> (Faults, Vec<String>) {
        let mut warnings = Vec::new();
        let mut rate = |name: &str| {
            let value = var(name)?;
            match value.trim().parse::<f64>() {
                Ok(rate) if (0.0..=1.0).contains(&rate) => Some(rate),
                _ => {
                    warnings.push(format!(
                        "{name}={value:?} is no share between 0 and 1; that fault stays off"
                    ));
                    None
                }
            }
        };
        let error_rate = rate("TODO_FAULT_ERROR_RATE").unwrap_or(0.0);
        let slow_rate = rate("TODO_FAULT_SLOW_RATE").unwrap_or(0.0);
        let slow = match var("TODO_FAULT_SLOW_MS") {
            None => DEFAULT_SLOW,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(millis) => Duration::from_millis(millis),
                Err(_) => {
                    warnings.push(format!(
                        "TODO_FAULT_SLOW_MS={value:?} is no number of milliseconds; using {}",
                        DEFAULT_SLOW.as_millis()
                    ));
                    DEFAULT_SLOW
                }
            },
        };
        let faults = Faults {
            error_rate,
            slow_rate,
            slow,
        };
        (faults, warnings)
    }

    /// Whether this prediction fails.
    pub fn fails(&self) -> bool {
        self.error_rate > 0.0 && fastrand::f64() < self.error_rate
    }

    /// How long this prediction waits first, when it is slowed.
    pub fn delay(&self) -> Option<Duration> {
        (self.slow_rate > 0.0 && fastrand::f64() < self.slow_rate).then_some(self.slow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(vars: &'static [(&'static str, &'static str)]) -> (Faults, Vec<String>) {
        Faults::from_variables(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn unset_variables_ask_for_no_fault() {
        assert_eq!(faults(&[]), (Faults::NONE, Vec::new()));
        assert!(!Faults::NONE.fails());
        assert_eq!(Faults::NONE.delay(), None);
    }

    #[test]
    fn rates_of_one_fail_and_slow_every_prediction() {
        let (faults, warnings) = faults(&[
            ("TODO_FAULT_ERROR_RATE", "1"),
            ("TODO_FAULT_SLOW_RATE", "1.0"),
            ("TODO_FAULT_SLOW_MS", "15000"),
        ]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!((0..100).all(|_| faults.fails()));
        assert!((0..100).all(|_| faults.delay() == Some(Duration::from_secs(15))));
    }

    #[test]
    fn a_bad_value_is_one_warning_and_that_fault_stays_off() {
        let (faults, warnings) = faults(&[
            ("TODO_FAULT_ERROR_RATE", "1.5"),
            ("TODO_FAULT_SLOW_RATE", "0.5"),
            ("TODO_FAULT_SLOW_MS", "soon"),
        ]);
        assert_eq!(faults.error_rate, 0.0);
        assert_eq!(faults.slow_rate, 0.5);
        assert_eq!(faults.slow, DEFAULT_SLOW);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("TODO_FAULT_ERROR_RATE=\"1.5\""));
        assert!(warnings[1].starts_with("TODO_FAULT_SLOW_MS=\"soon\""));
    }
}
