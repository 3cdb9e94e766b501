//! The process's own metrics, under the names every Prometheus client gives them
//! (`process_cpu_seconds_total`, `process_resident_memory_bytes`, …): read from Linux's `/proc`
//! when the series are read (a scrape, a push), never on a timer of their own. Elsewhere there
//! are none.

use metrics::{Key, KeyName, SharedString, Unit};

use super::snapshot::{Family, MetricKind, SnapshotSeries, Value};

/// One reading of the process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Reading {
    pub(crate) cpu_seconds: f64,
    pub(crate) resident_bytes: u64,
    pub(crate) virtual_bytes: u64,
    pub(crate) threads: u64,
    pub(crate) start_time_seconds: f64,
    pub(crate) open_fds: Option<u64>,
    pub(crate) max_fds: Option<u64>,
}

/// Adds the process's families to `families`, when the platform gives them.
pub(crate) fn read(families: &mut Vec<Family>) {
    if let Some(reading) = reading() {
        families.extend(reading.families());
    }
}

/// The process now, from `/proc/self/stat`, `/proc/stat`, `/proc/self/fd` and the descriptor
/// limit.
#[cfg(target_os = "linux")]
pub(crate) fn reading() -> Option<Reading> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let boot = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks = rustix::param::clock_ticks_per_second() as f64;
    let page = rustix::param::page_size() as u64;
    let mut reading = parse(&stat, &boot, ticks, page)?;
    reading.open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|entries| entries.count() as u64);
    reading.max_fds = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    Some(reading)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn reading() -> Option<Reading> {
    None
}

/// A reading from `/proc/self/stat` (`stat`) and `/proc/stat` (`boot`, for `btime`), with the
/// clock's `ticks` a second and the `page` size.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse(stat: &str, boot: &str, ticks: f64, page: u64) -> Option<Reading> {
    // After the command, which is in parentheses and may hold anything, fields 3 onwards.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |number: usize| fields.get(number - 3)?.parse::<u64>().ok();
    let booted = boot
        .lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Reading {
        cpu_seconds: (field(14)? + field(15)?) as f64 / ticks,
        threads: field(20)?,
        start_time_seconds: booted as f64 + field(22)? as f64 / ticks,
        virtual_bytes: field(23)?,
        resident_bytes: field(24)? * page,
        open_fds: None,
        max_fds: None,
    })
}

impl Reading {
    /// Its families, as a Prometheus client names and describes them.
    fn families(&self) -> impl Iterator<Item = Family> {
        let gauge = |value: u64| Value::Gauge(value as f64);
        [
            (
                "process_cpu_seconds_total",
                MetricKind::Counter,
                Unit::Seconds,
                "Total user and system CPU time spent in seconds.",
                Some(Value::FloatCounter(self.cpu_seconds)),
            ),
            (
                "process_max_fds",
                MetricKind::Gauge,
                Unit::Count,
                "Maximum number of open file descriptors.",
                self.max_fds.map(gauge),
            ),
            (
                "process_open_fds",
                MetricKind::Gauge,
                Unit::Count,
                "Number of open file descriptors.",
                self.open_fds.map(gauge),
            ),
            (
                "process_resident_memory_bytes",
                MetricKind::Gauge,
                Unit::Bytes,
                "Resident memory size in bytes.",
                Some(gauge(self.resident_bytes)),
            ),
            (
                "process_start_time_seconds",
                MetricKind::Gauge,
                Unit::Seconds,
                "Start time of the process since unix epoch in seconds.",
                Some(Value::Gauge(self.start_time_seconds)),
            ),
            (
                "process_threads",
                MetricKind::Gauge,
                Unit::Count,
                "Number of OS threads in the process.",
                Some(gauge(self.threads)),
            ),
            (
                "process_virtual_memory_bytes",
                MetricKind::Gauge,
                Unit::Bytes,
                "Virtual memory size in bytes.",
                Some(gauge(self.virtual_bytes)),
            ),
        ]
        .into_iter()
        .filter_map(|(name, kind, unit, help, value)| {
            Some(one_series(name, kind, unit, help, value?))
        })
    }
}

/// A family of one series without labels.
pub(crate) fn one_series(
    name: &'static str,
    kind: MetricKind,
    unit: Unit,
    help: &'static str,
    value: Value,
) -> Family {
    Family {
        name: KeyName::from_const_str(name),
        kind,
        unit: Some(unit),
        help: Some(SharedString::const_str(help)),
        series: vec![SnapshotSeries {
            key: Key::from_static_name(name),
            value,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_with_a_command_holding_spaces_and_parentheses_parses() {
        let stat = "4242 (todo app (x)) S 1 4242 4242 0 -1 4194560 2000 0 0 0 250 50 0 0 20 0 \
                    9 0 12345 1052672000 3000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 \
                    1 0 0 0 0 0";
        let boot = "cpu  1 2 3\nbtime 1764900000\nprocesses 100\n";
        let reading = parse(stat, boot, 100.0, 4096).unwrap();
        assert_eq!(reading.cpu_seconds, 3.0);
        assert_eq!(reading.threads, 9);
        assert_eq!(reading.start_time_seconds, 1764900000.0 + 123.45);
        assert_eq!(reading.virtual_bytes, 1_052_672_000);
        assert_eq!(reading.resident_bytes, 3000 * 4096);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_reads_as_ps_sees_it() {
        // The resident size as ps sees it, in KiB.
        let ps = || -> u64 {
            let output = std::process::Command::new("ps")
                .args(["-o", "rss=", "-p", &std::process::id().to_string()])
                .output()
                .unwrap();
            String::from_utf8(output.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        };
        // ps before and after: the process grows meanwhile (spawning ps maps memory, other
        // tests start threads), so ours lies between the two, give or take a quarter.
        let before = ps();
        let reading = reading().unwrap();
        let after = ps();
        let ours = reading.resident_bytes / 1024;
        assert!(
            ours * 4 >= before.min(after) * 3 && ours * 4 <= before.max(after) * 5,
            "ours {ours} KiB, ps {before} then {after} KiB"
        );
        assert!(
            reading.virtual_bytes >= reading.resident_bytes,
            "{reading:?}"
        );
        assert!(reading.threads >= 1);
        assert!(reading.open_fds.unwrap() >= 3);
        assert!(reading.max_fds.unwrap() >= reading.open_fds.unwrap());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(reading.start_time_seconds <= now && reading.start_time_seconds > now - 3600.0);
    }
}
