//! Which traces are recorded: the samplers of `OTEL_TRACES_SAMPLER`.

use std::str::FromStr;

use super::ids::TraceId;

/// A sampling policy, named as `OTEL_TRACES_SAMPLER` names it.
///
/// Root spans are decided by the policy; with a `ParentBased*` policy, a span with a parent
/// (local or remote) follows its parent's decision. Spans that are not sampled still carry ids,
/// so their log lines have a `trace_id`; they are just not exported.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Sampler {
    /// `always_on`.
    AlwaysOn,
    /// `always_off`.
    AlwaysOff,
    /// `traceidratio`: this fraction of traces, chosen by trace id.
    TraceIdRatio(f64),
    /// `parentbased_always_on`, the default.
    #[default]
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio`.
    ParentBasedTraceIdRatio(f64),
}

/// `OTEL_TRACES_SAMPLER` named no known sampler, or `OTEL_TRACES_SAMPLER_ARG` no ratio in `[0, 1]`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SamplerParseError {
    /// An unknown sampler name.
    #[error(
        "unknown sampler {0:?}: expected always_on, always_off, traceidratio, parentbased_always_on, \
         parentbased_always_off or parentbased_traceidratio"
    )]
    UnknownSampler(String),
    /// A ratio that is no number in `[0, 1]`.
    #[error("sampler argument {0:?} is no ratio between 0 and 1")]
    InvalidRatio(String),
}

impl Sampler {
    /// Parses `OTEL_TRACES_SAMPLER` and its `_ARG` (the ratio, default 1.0).
    pub fn from_env_values(name: &str, arg: Option<&str>) -> Result<Sampler, SamplerParseError> {
        let ratio = || match arg {
            None => Ok(1.0),
            Some(arg) => match arg.trim().parse::<f64>() {
                Ok(ratio) if (0.0..=1.0).contains(&ratio) => Ok(ratio),
                _ => Err(SamplerParseError::InvalidRatio(arg.to_owned())),
            },
        };
        Ok(match name.trim() {
            "always_on" => Sampler::AlwaysOn,
            "always_off" => Sampler::AlwaysOff,
            "traceidratio" => Sampler::TraceIdRatio(ratio()?),
            "parentbased_always_on" => Sampler::ParentBasedAlwaysOn,
            "parentbased_always_off" => Sampler::ParentBasedAlwaysOff,
            "parentbased_traceidratio" => Sampler::ParentBasedTraceIdRatio(ratio()?),
            other => return Err(SamplerParseError::UnknownSampler(other.to_owned())),
        })
    }

    /// Decides a root span's trace.
    pub(crate) fn sample_root(self, trace_id: TraceId) -> bool {
        match self {
            Sampler::AlwaysOn | Sampler::ParentBasedAlwaysOn => true,
            Sampler::AlwaysOff | Sampler::ParentBasedAlwaysOff => false,
            Sampler::TraceIdRatio(ratio) | Sampler::ParentBasedTraceIdRatio(ratio) => {
                by_ratio(trace_id, ratio)
            }
        }
    }

    /// Decides a span with a parent whose decision was `parent_sampled`.
    pub(crate) fn sample_child(self, trace_id: TraceId, parent_sampled: bool) -> bool {
        match self {
            Sampler::ParentBasedAlwaysOn
            | Sampler::ParentBasedAlwaysOff
            | Sampler::ParentBasedTraceIdRatio(_) => parent_sampled,
            Sampler::AlwaysOn => true,
            Sampler::AlwaysOff => false,
            Sampler::TraceIdRatio(ratio) => by_ratio(trace_id, ratio),
        }
    }
}

impl FromStr for Sampler {
    type Err = SamplerParseError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Sampler::from_env_values(name, None)
    }
}

/// The lower 8 bytes of the trace id against the ratio, as the OpenTelemetry SDKs decide.
fn by_ratio(trace_id: TraceId, ratio: f64) -> bool {
    if ratio >= 1.0 {
        return true;
    }
    let bound = (ratio.max(0.0) * (1u64 << 63) as f64) as u64;
    ((trace_id.0 as u64) >> 1) < bound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_name_parses() {
        assert_eq!("always_on".parse(), Ok(Sampler::AlwaysOn));
        assert_eq!(
            Sampler::from_env_values("traceidratio", Some("0.25")),
            Ok(Sampler::TraceIdRatio(0.25))
        );
        assert_eq!(
            Sampler::from_env_values("parentbased_traceidratio", None),
            Ok(Sampler::ParentBasedTraceIdRatio(1.0))
        );
        assert!(matches!(
            Sampler::from_env_values("sometimes", None),
            Err(SamplerParseError::UnknownSampler(_))
        ));
        assert!(matches!(
            Sampler::from_env_values("traceidratio", Some("2")),
            Err(SamplerParseError::InvalidRatio(_))
        ));
    }

    #[test]
    fn a_ratio_samples_about_that_fraction() {
        let sampled = (0..10_000)
            .filter(|_| Sampler::TraceIdRatio(0.25).sample_root(TraceId::random()))
            .count();
        assert!((2_000..3_000).contains(&sampled), "{sampled}");
        assert!(!Sampler::TraceIdRatio(0.0).sample_root(TraceId::random()));
    }

    #[test]
    fn parent_based_samplers_follow_the_parent() {
        let id = TraceId::random();
        assert!(Sampler::ParentBasedAlwaysOff.sample_child(id, true));
        assert!(!Sampler::ParentBasedAlwaysOn.sample_child(id, false));
        assert!(Sampler::AlwaysOn.sample_child(id, false));
    }
}
