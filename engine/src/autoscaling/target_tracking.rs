//! Target tracking (5.3): the metric a policy tracks, the two alarms Application Auto Scaling
//! creates for it, and the capacity it asks for.

use serde_json::Value;

use crate::json_shape::{At, FromJson, Members, ShapeError};

/// Cooldown default for ECS targets (5.3).
pub const DEFAULT_COOLDOWN_S: u64 = 300;

/// The alarms a target-tracking policy creates, settable per scenario
/// (`options.targetTrackingAlarms`, section 12 item 5): Service Auto Scaling's and an Auto
/// Scaling group's own target tracking both follow them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetTrackingAlarms {
    /// [observed] The high alarm: this many of as many one-minute datapoints above the target
    /// (default 3).
    pub high_datapoints: u64,
    /// [observed] The low alarm: this many of as many one-minute datapoints below the low
    /// threshold (default 15).
    pub low_datapoints: u64,
    /// [unconfirmed] The low alarm's threshold as a fraction of the target (default 0.9: the
    /// docs speak of a typical gap of more than 10 %).
    pub low_fraction: f64,
    /// [unconfirmed] The share of the proportional decrease one scale-in takes (default 1:
    /// all of it, the formula of 5.3). AWS only says scale-in is "gradual" and never removes
    /// too much; below 1 each scale-in removes `floor(share × decrease)`, at least one task.
    pub scale_in_fraction: f64,
}

impl Default for TargetTrackingAlarms {
    fn default() -> Self {
        TargetTrackingAlarms {
            high_datapoints: 3,
            low_datapoints: 15,
            low_fraction: 0.9,
            scale_in_fraction: 1.0,
        }
    }
}

impl FromJson for TargetTrackingAlarms {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct TargetTrackingAlarms")?;
        m.deny_unknown(&[
            "highAlarmDatapoints",
            "lowAlarmDatapoints",
            "lowAlarmFraction",
            "scaleInFraction",
        ]);
        let d = TargetTrackingAlarms::default();
        let built = TargetTrackingAlarms {
            high_datapoints: m.get("highAlarmDatapoints").unwrap_or(d.high_datapoints),
            low_datapoints: m.get("lowAlarmDatapoints").unwrap_or(d.low_datapoints),
            low_fraction: m.get("lowAlarmFraction").unwrap_or(d.low_fraction),
            scale_in_fraction: m.get("scaleInFraction").unwrap_or(d.scale_in_fraction),
        };
        // CloudWatch evaluates at most a day of one-minute periods.
        for (key, n) in [
            ("highAlarmDatapoints", built.high_datapoints),
            ("lowAlarmDatapoints", built.low_datapoints),
        ] {
            if !(1..=1440).contains(&n) {
                m.refuse_member(key, format!("{key} must be 1 to 1440"));
            }
        }
        for (key, f) in [
            ("lowAlarmFraction", built.low_fraction),
            ("scaleInFraction", built.scale_in_fraction),
        ] {
            if !(f > 0.0 && f <= 1.0) {
                m.refuse_member(key, format!("{key} must be more than 0 and at most 1"));
            }
        }
        m.finish(built)
    }
}

impl TargetTrackingAlarms {
    /// The capacity one scale-in from `current` goes to when the formula asks for
    /// `proportional`: all the way with `scaleInFraction` 1, else `floor(fraction ×
    /// decrease)` tasks fewer, at least one (section 12 item 6). A `proportional` that is not
    /// below `current` is returned as it is.
    pub fn scale_in_goal(&self, current: u32, proportional: u32) -> u32 {
        if proportional >= current || self.scale_in_fraction >= 1.0 {
            return proportional;
        }
        let decrease = f64::from(current - proportional);
        let taken = ((decrease * self.scale_in_fraction + 1e-9).floor() as u32).max(1);
        current - taken
    }
}

/// What a target-tracking policy tracks.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackedMetric {
    /// `ECSServiceAverageCPUUtilization`.
    ServiceCpu,
    /// `ECSServiceAverageMemoryUtilization`.
    ServiceMemory,
    /// `ALBRequestCountPerTarget` with its `ResourceLabel`.
    AlbRequestCountPerTarget(String),
    /// A `CustomizedMetricSpecification`: namespace, name, dimensions, statistic.
    Customized {
        /// `Namespace`.
        namespace: String,
        /// `MetricName`.
        name: String,
        /// `Dimensions`.
        dimensions: Vec<(String, String)>,
        /// `Statistic`.
        statistic: String,
    },
    /// A `CustomizedMetricSpecification` with `Metrics` (metric math), e.g. SQS backlog per
    /// task (9.4).
    Math(crate::cloudwatch::MetricMath),
}

impl TrackedMetric {
    /// The AWS name (`ECSServiceAverageCPUUtilization`, ...).
    pub fn label(&self) -> String {
        match self {
            TrackedMetric::ServiceCpu => "ECSServiceAverageCPUUtilization".into(),
            TrackedMetric::ServiceMemory => "ECSServiceAverageMemoryUtilization".into(),
            TrackedMetric::AlbRequestCountPerTarget(_) => "ALBRequestCountPerTarget".into(),
            TrackedMetric::Customized {
                namespace, name, ..
            } => format!("{namespace}/{name}"),
            TrackedMetric::Math(m) => m.text.clone(),
        }
    }
}

/// `TargetTrackingScalingPolicyConfiguration`.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTracking {
    /// `TargetValue`.
    pub target_value: f64,
    /// The tracked metric.
    pub metric: TrackedMetric,
    /// `ScaleOutCooldown` in seconds.
    pub scale_out_cooldown_s: u64,
    /// `ScaleInCooldown` in seconds.
    pub scale_in_cooldown_s: u64,
    /// `DisableScaleIn`.
    pub disable_scale_in: bool,
}

impl TargetTracking {
    /// Parses and checks a `TargetTrackingScalingPolicyConfiguration` for the `ecs` namespace.
    pub fn parse(v: &Value, path: &str) -> Result<TargetTracking, String> {
        let target_value = v
            .get("TargetValue")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t > 0.0)
            .ok_or_else(|| format!("{path}.TargetValue: required, a number above 0"))?;
        let metric = match (
            v.get("PredefinedMetricSpecification"),
            v.get("CustomizedMetricSpecification"),
        ) {
            (Some(p), None) => {
                let p_path = format!("{path}.PredefinedMetricSpecification");
                match p.get("PredefinedMetricType").and_then(Value::as_str) {
                    Some("ECSServiceAverageCPUUtilization") => TrackedMetric::ServiceCpu,
                    Some("ECSServiceAverageMemoryUtilization") => TrackedMetric::ServiceMemory,
                    Some("ALBRequestCountPerTarget") => TrackedMetric::AlbRequestCountPerTarget(
                        p.get("ResourceLabel")
                            .and_then(Value::as_str)
                            .filter(|l| l.contains("/targetgroup/"))
                            .ok_or_else(|| {
                                format!("{p_path}.ResourceLabel: required for ALBRequestCountPerTarget, as app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>")
                            })?
                            .to_string(),
                    ),
                    Some(other) => {
                        return Err(format!(
                            "{p_path}.PredefinedMetricType: \"{other}\" is not a metric of the ecs namespace (ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization or ALBRequestCountPerTarget)"
                        ))
                    }
                    None => return Err(format!("{p_path}.PredefinedMetricType: required")),
                }
            }
            (None, Some(c)) if c.get("Metrics").is_some() => {
                let c_path = format!("{path}.CustomizedMetricSpecification.Metrics");
                let metrics = c
                    .get("Metrics")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{c_path}: must be a list"))?;
                TrackedMetric::Math(crate::cloudwatch::MetricMath::parse(metrics, &c_path)?)
            }
            (None, Some(c)) => {
                let c_path = format!("{path}.CustomizedMetricSpecification");
                let s = |k: &str| {
                    c.get(k)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| format!("{c_path}.{k}: required"))
                };
                let dimensions = crate::cloudwatch::dimensions(c.get("Dimensions"));
                TrackedMetric::Customized {
                    namespace: s("Namespace")?,
                    name: s("MetricName")?,
                    dimensions,
                    statistic: s("Statistic")?,
                }
            }
            (Some(_), Some(_)) => {
                return Err(format!(
                    "{path}: give PredefinedMetricSpecification or CustomizedMetricSpecification, not both"
                ))
            }
            (None, None) => {
                return Err(format!(
                    "{path}.PredefinedMetricSpecification: required (or CustomizedMetricSpecification)"
                ))
            }
        };
        let cooldown = |k: &str| -> Result<u64, String> {
            match v.get(k) {
                None | Some(Value::Null) => Ok(DEFAULT_COOLDOWN_S),
                Some(c) => c
                    .as_u64()
                    .ok_or_else(|| format!("{path}.{k}: must be a whole number of seconds")),
            }
        };
        Ok(TargetTracking {
            target_value,
            scale_out_cooldown_s: cooldown("ScaleOutCooldown")?,
            scale_in_cooldown_s: cooldown("ScaleInCooldown")?,
            disable_scale_in: match v.get("DisableScaleIn") {
                None | Some(Value::Null) => false,
                Some(b) => b
                    .as_bool()
                    .ok_or_else(|| format!("{path}.DisableScaleIn: must be true or false"))?,
            },
            metric,
        })
    }

    /// The low alarm's threshold.
    pub fn low_threshold(&self, alarms: &TargetTrackingAlarms) -> f64 {
        self.target_value * alarms.low_fraction
    }

    /// [unconfirmed formula of 5.3] The capacity that brings the metric back to the target:
    /// `ceil(current × metric / target)`. Rounding up adds the larger amount on scale-out and
    /// removes the smaller one on scale-in. From zero tasks, the smallest step is one task.
    pub fn desired_for(&self, current: u32, metric: f64) -> u32 {
        if current == 0 {
            return u32::from(metric > 0.0);
        }
        let raw = f64::from(current) * metric / self.target_value;
        // Guard against 6.000000001 from floating point turning into 7.
        let rounded = (raw - 1e-9).ceil();
        rounded.clamp(0.0, f64::from(u32::MAX)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cpu50() -> TargetTracking {
        TargetTracking::parse(
            &json!({"TargetValue": 50, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}),
            "p",
        )
        .unwrap()
    }

    #[test]
    fn g22_g23_formula_and_defaults() {
        let p = cpu50();
        assert_eq!(p.scale_out_cooldown_s, 300);
        assert_eq!(p.scale_in_cooldown_s, 300);
        assert!(!p.disable_scale_in);
        assert_eq!(p.desired_for(4, 80.0), 7, "G22: ceil(4 × 80 / 50)");
        assert_eq!(p.desired_for(10, 30.0), 6, "G23: ceil(10 × 30 / 50)");
        assert_eq!(
            p.desired_for(10, 150.0 / 2.0),
            15,
            "the SQS example: 10 at 150 vs 100 → 15"
        );
        assert_eq!(
            p.low_threshold(&TargetTrackingAlarms::default()),
            45.0,
            "46 % stays within 10 % of 50 %: no scale-in"
        );
        assert_eq!(p.desired_for(0, 10.0), 1, "from zero: the smallest step");
        assert_eq!(p.desired_for(0, 0.0), 0);
    }

    #[test]
    fn section_12_item_6_scale_in_takes_a_share_of_the_g23_decrease() {
        let p = cpu50();
        let all = TargetTrackingAlarms::default();
        // G23: 10 tasks at 30 % against 50 % → 6 in one scale-in by default.
        assert_eq!(all.scale_in_goal(10, p.desired_for(10, 30.0)), 6);
        let half = TargetTrackingAlarms {
            scale_in_fraction: 0.5,
            ..all
        };
        assert_eq!(half.scale_in_goal(10, 6), 8, "half of the 4 removed");
        assert_eq!(half.scale_in_goal(8, 7), 7, "at least one task");
        assert_eq!(
            half.scale_in_goal(8, 9),
            9,
            "not a scale-in: the formula's value"
        );
        let e =
            TargetTrackingAlarms::from_json(&json!({"scaleInFraction": 0}), At::Root).unwrap_err();
        assert_eq!(e.path, "scaleInFraction", "{e:?}");
    }

    #[test]
    fn ecs_namespace_metrics_only() {
        let e = TargetTracking::parse(
            &json!({"TargetValue": 60, "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}),
            "p",
        )
        .unwrap_err();
        assert!(
            e.starts_with("p.PredefinedMetricSpecification.PredefinedMetricType"),
            "{e}"
        );
        let e = TargetTracking::parse(
            &json!({"TargetValue": 60, "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget"}}),
            "p",
        )
        .unwrap_err();
        assert!(e.contains("ResourceLabel"), "{e}");
        assert!(
            TargetTracking::parse(&json!({"PredefinedMetricSpecification": {}}), "p")
                .unwrap_err()
                .starts_with("p.TargetValue")
        );
    }
}
