//! An Auto Scaling group's own target tracking policy on instance CPU (EC2 Auto Scaling
//! PutScalingPolicy, `ASGAverageCPUUtilization`): the group scales **instances** on how busy
//! they are, unlike Service Auto Scaling, which scales **tasks**.
//!
//! The group's `CPUUtilization` (AWS/EC2, dimension `AutoScalingGroupName`) is the CPU its
//! tasks use over the CPU of its registered instances, per minute. The policy works as the
//! Application Auto Scaling one does (5.3): the high alarm needs 3 datapoints above the target,
//! the low alarm 15 below 90 % of it ([unconfirmed] thresholds, as in
//! [`crate::autoscaling::target_tracking`]), and the group goes to `ceil(N × metric / target)`.
//! `EstimatedInstanceWarmup` (default 300 s) holds further scale-out while a new instance warms
//! up. A group behind a capacity provider with managed scaling takes no other policy (6.4).

use serde_json::Value;

use crate::autoscaling::target_tracking::{
    HIGH_ALARM_DATAPOINTS, LOW_ALARM_DATAPOINTS, LOW_ALARM_FRACTION,
};
use crate::cloudwatch::{Datapoint, MetricId};
use crate::sim::Simulation;

/// A checked EC2 Auto Scaling target tracking policy.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScalingPolicy {
    /// `PolicyName`.
    pub name: String,
    /// Index of the group.
    pub group: usize,
    /// `TargetValue`, percent CPU.
    pub target: f64,
    /// `DisableScaleIn`.
    pub disable_scale_in: bool,
    /// `EstimatedInstanceWarmup`, ms.
    pub warmup_ms: u64,
    /// Consecutive minutes above the target.
    pub high: u64,
    /// Consecutive minutes below the low threshold.
    pub low: u64,
}

impl GroupScalingPolicy {
    /// Parses `autoScalingPolicies[i]`; `group_index` finds a group by name.
    pub fn parse(
        v: &Value,
        path: &str,
        group_index: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<GroupScalingPolicy, String> {
        let name = v
            .get("PolicyName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{path}.PolicyName: required"))?
            .to_string();
        let group_name = v
            .get("AutoScalingGroupName")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}.AutoScalingGroupName: required"))?;
        let group = group_index(group_name).ok_or_else(|| {
            format!("{path}.AutoScalingGroupName: no Auto Scaling group named {group_name}")
        })?;
        match v.get("PolicyType").and_then(Value::as_str) {
            Some("TargetTrackingScaling") => {}
            other => {
                return Err(format!("{path}.PolicyType: {other:?} is not simulated; only TargetTrackingScaling on ASGAverageCPUUtilization"))
            }
        }
        let tt = v
            .get("TargetTrackingConfiguration")
            .ok_or_else(|| format!("{path}.TargetTrackingConfiguration: required"))?;
        let metric = tt
            .pointer("/PredefinedMetricSpecification/PredefinedMetricType")
            .and_then(Value::as_str);
        if metric != Some("ASGAverageCPUUtilization") {
            return Err(format!("{path}.TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType: {metric:?} is not simulated; the playground tracks ASGAverageCPUUtilization"));
        }
        let target = tt
            .get("TargetValue")
            .and_then(Value::as_f64)
            .filter(|t| *t > 0.0 && *t <= 100.0)
            .ok_or_else(|| {
                format!(
                    "{path}.TargetTrackingConfiguration.TargetValue: must be a percentage above 0"
                )
            })?;
        let warmup_ms = match v.get("EstimatedInstanceWarmup") {
            None | Some(Value::Null) => 300_000,
            Some(w) => {
                w.as_u64().ok_or_else(|| {
                    format!("{path}.EstimatedInstanceWarmup: must be whole seconds")
                })? * 1000
            }
        };
        Ok(GroupScalingPolicy {
            name,
            group,
            target,
            disable_scale_in: tt
                .get("DisableScaleIn")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            warmup_ms,
            high: 0,
            low: 0,
        })
    }
}

impl Simulation {
    /// Publishes each group's CPUUtilization for minute `minute` from the CPU its tasks used
    /// (`used_cpu_seconds[g]`, unit-seconds) and acts on its policies.
    pub(crate) fn evaluate_group_policies(&mut self, minute: u64, used_cpu_seconds: &[f64]) {
        let minute_s = crate::metrics::SAMPLE_PERIOD_MS as f64 / 1000.0;
        let mut cpu = vec![None; self.groups.len()];
        for (g, group) in self.groups.iter().enumerate() {
            let capacity: f64 = group
                .live()
                .filter_map(|i| i.slot)
                .map(|slot| f64::from(self.cluster.instances[slot].registered.cpu))
                .sum();
            if capacity > 0.0 {
                let used = used_cpu_seconds.get(g).copied().unwrap_or(0.0) / minute_s;
                cpu[g] = Some(crate::traffic::round6((100.0 * used / capacity).min(100.0)));
            }
        }
        for (g, value) in cpu.iter().enumerate() {
            if let Some(v) = *value {
                let name = self.groups[g].spec.name.clone();
                self.metrics.put(
                    MetricId::new(
                        "AWS/EC2",
                        "CPUUtilization",
                        &[("AutoScalingGroupName", &name)],
                    ),
                    minute,
                    Datapoint::single(v),
                );
                self.series
                    .record(&format!("autoScalingGroup/{name}/CPUUtilization"), v);
            }
        }
        for p in 0..self.group_policies.len() {
            let g = self.group_policies[p].group;
            let Some(v) = cpu[g] else { continue };
            let policy = &mut self.group_policies[p];
            if v > policy.target {
                policy.high += 1;
                policy.low = 0;
            } else if v < policy.target * LOW_ALARM_FRACTION {
                policy.low += 1;
                policy.high = 0;
            } else {
                policy.high = 0;
                policy.low = 0;
            }
            let policy = policy.clone();
            let n = self.groups[g].live_count();
            let goal = if n == 0 {
                1
            } else {
                ((f64::from(n) * v / policy.target) - 1e-9).ceil().max(0.0) as u32
            };
            let now = self.now();
            let warming = self.groups[g]
                .live()
                .any(|i| now.as_ms() < i.launched_at.as_ms() + policy.warmup_ms);
            let (alarm, fire) = if policy.high >= HIGH_ALARM_DATAPOINTS && goal > n && !warming {
                ("AlarmHigh", true)
            } else if policy.low >= LOW_ALARM_DATAPOINTS && goal < n && !policy.disable_scale_in {
                ("AlarmLow", true)
            } else {
                ("", false)
            };
            if fire {
                let cause = format!(
                    "At {} a monitor alarm TargetTracking-{}-{alarm} in state ALARM triggered policy {} changing the desired capacity from {} to {}. (CPUUtilization {v:.1} %, target {})",
                    self.timestamp(now),
                    self.groups[g].spec.name,
                    policy.name,
                    self.groups[g].desired,
                    goal.clamp(self.groups[g].spec.min, self.groups[g].spec.max),
                    policy.target
                );
                self.set_group_desired(g, goal, cause);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_corpus_near_miss_shape_loads_as_an_ec2_auto_scaling_policy() {
        let v = json!({"AutoScalingGroupName": "asg", "PolicyName": "cpu60", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {"TargetValue": 60.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}});
        let p =
            GroupScalingPolicy::parse(&v, "autoScalingPolicies[0]", &|n| (n == "asg").then_some(0))
                .unwrap();
        assert_eq!((p.target, p.warmup_ms), (60.0, 300_000));
        let mut bad = v.clone();
        bad["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]
            ["PredefinedMetricType"] = json!("ASGAverageNetworkIn");
        let e =
            GroupScalingPolicy::parse(&bad, "autoScalingPolicies[0]", &|_| Some(0)).unwrap_err();
        assert!(
            e.starts_with(
                "autoScalingPolicies[0].TargetTrackingConfiguration.PredefinedMetricSpecification"
            ),
            "{e}"
        );
    }
}
