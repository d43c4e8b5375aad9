//! Step scaling (5.4): steps as offsets from the alarm threshold, adjustment types, percent
//! rounding and `MinAdjustmentMagnitude`.

use serde_json::Value;

/// `AdjustmentType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentType {
    /// Add the adjustment.
    ChangeInCapacity,
    /// Add a percentage of the current capacity.
    PercentChangeInCapacity,
    /// Set the capacity.
    ExactCapacity,
}

/// One `StepAdjustments[]` entry; bounds are offsets from the alarm threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepAdjustment {
    /// `MetricIntervalLowerBound` (`None`: −∞).
    pub lower: Option<f64>,
    /// `MetricIntervalUpperBound` (`None`: +∞).
    pub upper: Option<f64>,
    /// `ScalingAdjustment`.
    pub adjustment: i64,
}

/// `StepScalingPolicyConfiguration`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepScaling {
    /// `AdjustmentType`.
    pub adjustment_type: AdjustmentType,
    /// Steps, sorted by lower bound.
    pub steps: Vec<StepAdjustment>,
    /// `MinAdjustmentMagnitude` (percent adjustments only).
    pub min_adjustment_magnitude: Option<i64>,
    /// `Cooldown` in seconds (default 300).
    pub cooldown_s: u64,
}

impl StepScaling {
    /// Parses and validates a `StepScalingPolicyConfiguration` (5.4).
    pub fn parse(v: &Value, path: &str) -> Result<StepScaling, String> {
        let adjustment_type = match v.get("AdjustmentType").and_then(Value::as_str) {
            Some("ChangeInCapacity") => AdjustmentType::ChangeInCapacity,
            Some("PercentChangeInCapacity") => AdjustmentType::PercentChangeInCapacity,
            Some("ExactCapacity") => AdjustmentType::ExactCapacity,
            Some(other) => {
                return Err(format!(
                    "{path}.AdjustmentType: \"{other}\" is not ChangeInCapacity, PercentChangeInCapacity or ExactCapacity"
                ))
            }
            None => return Err(format!("{path}.AdjustmentType: required")),
        };
        let raw = v
            .get("StepAdjustments")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| format!("{path}.StepAdjustments: required, at least one step"))?;
        let mut steps = Vec::new();
        for (i, s) in raw.iter().enumerate() {
            let p = format!("{path}.StepAdjustments[{i}]");
            let bound = |k: &str| -> Result<Option<f64>, String> {
                match s.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(b) => b
                        .as_f64()
                        .map(Some)
                        .ok_or_else(|| format!("{p}.{k}: must be a number")),
                }
            };
            let step = StepAdjustment {
                lower: bound("MetricIntervalLowerBound")?,
                upper: bound("MetricIntervalUpperBound")?,
                adjustment: s
                    .get("ScalingAdjustment")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| format!("{p}.ScalingAdjustment: required, a whole number"))?,
            };
            if step.lower.is_none() && step.upper.is_none() {
                return Err(format!("{p}: a step may not leave both bounds null"));
            }
            if let (Some(l), Some(u)) = (step.lower, step.upper) {
                if u <= l {
                    return Err(format!(
                        "{p}.MetricIntervalUpperBound: must be above the lower bound"
                    ));
                }
            }
            if adjustment_type == AdjustmentType::ExactCapacity && step.adjustment < 0 {
                return Err(format!(
                    "{p}.ScalingAdjustment: ExactCapacity needs a value ≥ 0"
                ));
            }
            steps.push(step);
        }
        steps.sort_by(|a, b| {
            a.lower
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.lower.unwrap_or(f64::NEG_INFINITY))
        });
        let p = format!("{path}.StepAdjustments");
        if steps.iter().filter(|s| s.lower.is_none()).count() > 1 {
            return Err(format!("{p}: at most one step may have a null lower bound"));
        }
        if steps.iter().filter(|s| s.upper.is_none()).count() > 1 {
            return Err(format!("{p}: at most one step may have a null upper bound"));
        }
        for w in steps.windows(2) {
            if w[0].upper != w[1].lower {
                return Err(format!(
                    "{p}: the ranges may neither overlap nor leave gaps (a step ends at {:?}, the next starts at {:?})",
                    w[0].upper, w[1].lower
                ));
            }
        }
        if steps.iter().any(|s| s.lower.is_some_and(|l| l < 0.0)) && steps[0].lower.is_some() {
            return Err(format!(
                "{p}: a negative lower bound needs a step with a null lower bound"
            ));
        }
        if steps.iter().any(|s| s.upper.is_some_and(|u| u > 0.0))
            && steps.last().is_some_and(|s| s.upper.is_some())
        {
            return Err(format!(
                "{p}: a positive upper bound needs a step with a null upper bound"
            ));
        }
        let min_adjustment_magnitude = match v.get("MinAdjustmentMagnitude") {
            None | Some(Value::Null) => None,
            Some(m) => Some(m.as_i64().filter(|m| *m > 0).ok_or_else(|| {
                format!("{path}.MinAdjustmentMagnitude: must be a whole number above 0")
            })?),
        };
        let cooldown_s = match v.get("Cooldown") {
            None | Some(Value::Null) => 300,
            Some(c) => c
                .as_u64()
                .ok_or_else(|| format!("{path}.Cooldown: must be a whole number of seconds"))?,
        };
        if let Some(agg) = v.get("MetricAggregationType").and_then(Value::as_str) {
            if !matches!(agg, "Average" | "Minimum" | "Maximum") {
                return Err(format!(
                    "{path}.MetricAggregationType: \"{agg}\" is not Average, Minimum or Maximum"
                ));
            }
        }
        Ok(StepScaling {
            adjustment_type,
            steps,
            min_adjustment_magnitude,
            cooldown_s,
        })
    }

    /// The step for a metric `offset` above (or below) the threshold. Above the threshold
    /// the lower bound is inclusive and the upper exclusive; below it, the reverse (5.4).
    pub fn step_for(&self, offset: f64) -> Option<&StepAdjustment> {
        self.steps.iter().find(|s| {
            let lo = s.lower.unwrap_or(f64::NEG_INFINITY);
            let hi = s.upper.unwrap_or(f64::INFINITY);
            if offset >= 0.0 && lo >= 0.0 {
                offset >= lo && offset < hi
            } else {
                offset > lo && offset <= hi
            }
        })
    }

    /// The new capacity from `current` after applying `step` (5.4, G24, G25), before clamping.
    pub fn apply(&self, current: u32, step: &StepAdjustment) -> i64 {
        let current = i64::from(current);
        match self.adjustment_type {
            AdjustmentType::ChangeInCapacity => current + step.adjustment,
            AdjustmentType::ExactCapacity => step.adjustment,
            AdjustmentType::PercentChangeInCapacity => {
                let mut change = percent_change(current, step.adjustment);
                if let Some(min) = self.min_adjustment_magnitude {
                    if change.abs() < min && change != 0 {
                        change = min * change.signum();
                    }
                }
                current + change
            }
        }
    }
}

/// The alarm that runs a step policy now, and the step its breach falls in: the first alarm in
/// ALARM whose `AlarmActions` name the policy (`names_policy` says whether an action does),
/// with its newest value. Shared by Service Auto Scaling and the groups' own step policies.
pub(crate) fn breached_step<'a>(
    alarms: &'a [crate::cloudwatch::Alarm],
    step: &StepScaling,
    names_policy: impl Fn(&str) -> bool,
) -> Option<(&'a crate::cloudwatch::Alarm, f64, StepAdjustment)> {
    let alarm = alarms.iter().find(|a| {
        a.state == crate::cloudwatch::AlarmState::Alarm && a.actions.iter().any(|x| names_policy(x))
    })?;
    let value = alarm.last_value?;
    let adj = step.step_for(value - alarm.threshold).copied()?;
    Some((alarm, value, adj))
}

/// `PercentChangeInCapacity` rounding (5.4): above 1 round down, between 0 and 1 → 1,
/// between −1 and 0 → −1, below −1 round toward zero.
pub fn percent_change(current: i64, percent: i64) -> i64 {
    let raw = current as f64 * percent as f64 / 100.0;
    if raw == 0.0 {
        0
    } else if raw > 0.0 && raw < 1.0 {
        1
    } else if raw < 0.0 && raw > -1.0 {
        -1
    } else {
        raw.trunc() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn g24() -> (StepScaling, StepScaling) {
        let out = StepScaling::parse(
            &json!({"AdjustmentType": "PercentChangeInCapacity", "StepAdjustments": [
                {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 0},
                {"MetricIntervalLowerBound": 10, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 10},
                {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 30}]}),
            "p",
        )
        .unwrap();
        let inn = StepScaling::parse(
            &json!({"AdjustmentType": "PercentChangeInCapacity", "StepAdjustments": [
                {"MetricIntervalLowerBound": -10, "MetricIntervalUpperBound": 0, "ScalingAdjustment": 0},
                {"MetricIntervalLowerBound": -20, "MetricIntervalUpperBound": -10, "ScalingAdjustment": -10},
                {"MetricIntervalUpperBound": -20, "ScalingAdjustment": -30}]}),
            "p",
        )
        .unwrap();
        (out, inn)
    }

    #[test]
    fn g24_documented_step_sequence() {
        let (out, inn) = g24();
        let threshold = 50.0;
        let mut capacity = 10u32;
        for (metric, policy, want) in [
            (60.0, &out, 11),
            (70.0, &out, 14),
            (40.0, &inn, 13),
            (30.0, &inn, 10),
        ] {
            let step = policy.step_for(metric - threshold).expect("a step");
            capacity = policy.apply(capacity, step) as u32;
            assert_eq!(capacity, want, "metric {metric}");
        }
    }

    #[test]
    fn g24_bound_inclusiveness() {
        let (out, inn) = g24();
        assert_eq!(
            out.step_for(10.0).unwrap().adjustment,
            10,
            "lower bound inclusive above"
        );
        assert_eq!(out.step_for(0.0).unwrap().adjustment, 0);
        assert_eq!(
            inn.step_for(-10.0).unwrap().adjustment,
            -10,
            "(−20, −10]: upper bound inclusive below"
        );
        assert_eq!(inn.step_for(-5.0).unwrap().adjustment, 0);
        assert_eq!(inn.step_for(-20.0).unwrap().adjustment, -30);
    }

    #[test]
    fn g25_percent_rounding_and_min_adjustment_magnitude() {
        assert_eq!(percent_change(10, 5), 1, "+0.5 → +1");
        assert_eq!(percent_change(10, -5), -1, "−0.5 → −1");
        assert_eq!(percent_change(10, -67), -6, "−6.7 → −6");
        assert_eq!(percent_change(100, 127), 127);
        assert_eq!(percent_change(10, 127), 12, "12.7 → 12");
        let p = StepScaling::parse(
            &json!({"AdjustmentType": "PercentChangeInCapacity", "MinAdjustmentMagnitude": 2,
                    "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 25}]}),
            "p",
        )
        .unwrap();
        assert_eq!(p.apply(4, &p.steps[0]), 6, "+25 % of 4 = 1, raised to 2");
    }

    #[test]
    fn step_validation_of_5_4_names_the_field() {
        for (v, want) in [
            (
                json!({"StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}),
                "p.AdjustmentType",
            ),
            (
                json!({"AdjustmentType": "ChangeInCapacity", "StepAdjustments": []}),
                "p.StepAdjustments",
            ),
            (
                json!({"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [{"ScalingAdjustment": 1}]}),
                "p.StepAdjustments[0]",
            ),
            (
                json!({"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
                {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
                {"MetricIntervalLowerBound": 15, "ScalingAdjustment": 2}]}),
                "p.StepAdjustments: the ranges",
            ),
            (
                json!({"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
                {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1}]}),
                "p.StepAdjustments: a positive upper bound",
            ),
            (
                json!({"AdjustmentType": "ExactCapacity", "StepAdjustments": [
                {"MetricIntervalLowerBound": 0, "ScalingAdjustment": -1}]}),
                "p.StepAdjustments[0].ScalingAdjustment",
            ),
            (
                json!({"AdjustmentType": "ChangeInCapacity", "MetricAggregationType": "Sum", "StepAdjustments": [
                {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}),
                "p.MetricAggregationType",
            ),
        ] {
            let e = StepScaling::parse(&v, "p").unwrap_err();
            assert!(e.starts_with(want), "{e} should start with {want}");
        }
    }
}
