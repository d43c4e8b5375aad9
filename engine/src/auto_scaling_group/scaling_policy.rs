//! An Auto Scaling group's own scaling policies (EC2 Auto Scaling PutScalingPolicy): the group
//! scales **instances**, unlike Service Auto Scaling, which scales **tasks**.
//!
//! - **Target tracking on instance CPU** (`ASGAverageCPUUtilization`). The group's
//!   `CPUUtilization` (AWS/EC2, dimension `AutoScalingGroupName`) is the CPU its tasks use over
//!   the CPU of its registered instances, per minute. The policy works as the Application Auto
//!   Scaling one does (5.3): the high alarm needs 3 datapoints above the target, the low alarm
//!   15 below 90 % of it (the [unconfirmed] defaults of `options.targetTrackingAlarms`,
//!   [`crate::autoscaling::target_tracking::TargetTrackingAlarms`]), and the group goes to `ceil(N × metric /
//!   target)`. `EstimatedInstanceWarmup` (default 300 s) holds further scale-out while a new
//!   instance warms up.
//! - **Step and simple scaling**, run by the `alarms[]` (PutMetricAlarm) whose `AlarmActions`
//!   name the policy (its ARN, `…:policyName/<name>`, or its name): the classic way to scale an
//!   ECS cluster before capacity providers, on the cluster's `CPUReservation` or
//!   `MemoryReservation` (AWS/ECS, dimension `ClusterName`). Steps are offsets from the alarm's
//!   threshold and adjust the **desired capacity** as Application Auto Scaling steps do (5.4).
//!   A simple policy (`ScalingAdjustment`) waits out its `Cooldown` (default 300 s) after each
//!   change. A step policy has no cooldown: during the `EstimatedInstanceWarmup` after a
//!   scale-out, the instances it added do not count toward the current capacity, so the same
//!   step asks for no more and a larger one adds only the difference ([unconfirmed] in its
//!   details; the Application Auto Scaling cooldown rule of 5.4 applied to warm-up).
//!   Scale-in is not held by warm-up.
//!
//! A group behind a capacity provider with managed scaling takes no other policy (6.4).

use serde_json::Value;

use crate::autoscaling::step_scaling::{StepAdjustment, StepScaling};
use crate::cloudwatch::{Datapoint, MetricId};
use crate::sim::Simulation;
use crate::time::SimTime;

/// A checked EC2 Auto Scaling scaling policy.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScalingPolicy {
    /// `PolicyName`.
    pub name: String,
    /// Index of the group.
    pub group: usize,
    /// `EstimatedInstanceWarmup`, ms.
    pub warmup_ms: u64,
    /// What the policy does.
    pub kind: GroupPolicyKind,
    /// The last change it made: when, and the desired capacity before and after.
    pub last_change: Option<(SimTime, u32, u32)>,
}

/// The kinds of EC2 Auto Scaling policy the playground runs.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupPolicyKind {
    /// `TargetTrackingScaling` on `ASGAverageCPUUtilization`.
    TargetTracking {
        /// `TargetValue`, percent CPU.
        target: f64,
        /// `DisableScaleIn`.
        disable_scale_in: bool,
        /// Consecutive minutes above the target.
        high: u64,
        /// Consecutive minutes below the low threshold.
        low: u64,
    },
    /// `StepScaling` (steps from the alarm threshold) or `SimpleScaling` (one adjustment,
    /// then a cooldown), acting when an alarm that names the policy is in ALARM.
    Step {
        /// The adjustment type and steps (a simple policy has one unbounded step).
        step: StepScaling,
        /// `SimpleScaling`: the `Cooldown` holds every further change.
        simple: bool,
    },
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
        let warmup_ms = match v.get("EstimatedInstanceWarmup") {
            None | Some(Value::Null) => 300_000,
            Some(w) => w
                .as_u64()
                .ok_or_else(|| format!("{path}.EstimatedInstanceWarmup: must be whole seconds"))?
                .saturating_mul(1000),
        };
        let kind = match v.get("PolicyType").and_then(Value::as_str) {
            Some("TargetTrackingScaling") => target_tracking(v, path)?,
            Some("StepScaling") => GroupPolicyKind::Step {
                step: StepScaling::parse(v, path)?,
                simple: false,
            },
            // SimpleScaling is the default PolicyType of PutScalingPolicy.
            Some("SimpleScaling") | None => GroupPolicyKind::Step {
                step: simple_scaling(v, path)?,
                simple: true,
            },
            Some(other) => {
                return Err(format!("{path}.PolicyType: \"{other}\" is not simulated; the playground runs TargetTrackingScaling on ASGAverageCPUUtilization, StepScaling and SimpleScaling"))
            }
        };
        Ok(GroupScalingPolicy {
            name,
            group,
            warmup_ms,
            kind,
            last_change: None,
        })
    }
}

impl GroupScalingPolicy {
    /// Whether an alarm action names this policy of group `group`: its name, or its ARN
    /// (`…:autoScalingGroupName/<group>:policyName/<name>`).
    fn named_by(&self, group: &str) -> impl Fn(&str) -> bool + '_ {
        let tail = format!(":autoScalingGroupName/{group}:policyName/{}", self.name);
        move |action: &str| action == self.name || action.ends_with(&tail)
    }
}

/// `TargetTrackingConfiguration` on `ASGAverageCPUUtilization`.
fn target_tracking(v: &Value, path: &str) -> Result<GroupPolicyKind, String> {
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
            format!("{path}.TargetTrackingConfiguration.TargetValue: must be a percentage above 0")
        })?;
    Ok(GroupPolicyKind::TargetTracking {
        target,
        disable_scale_in: tt
            .get("DisableScaleIn")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        high: 0,
        low: 0,
    })
}

/// A `SimpleScaling` policy as one unbounded step: `AdjustmentType`, `ScalingAdjustment`,
/// `MinAdjustmentMagnitude` and `Cooldown` (default 300 s, the group's default cooldown).
fn simple_scaling(v: &Value, path: &str) -> Result<StepScaling, String> {
    let adjustment = v
        .get("ScalingAdjustment")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("{path}.ScalingAdjustment: required, a whole number"))?;
    if v.get("AdjustmentType").and_then(Value::as_str) == Some("ExactCapacity") && adjustment < 0 {
        return Err(format!(
            "{path}.ScalingAdjustment: an ExactCapacity adjustment cannot be negative"
        ));
    }
    // Checked as a one-step policy, then the step covers every offset.
    let mut as_step = v.clone();
    as_step["StepAdjustments"] =
        serde_json::json!([{"MetricIntervalLowerBound": 0, "ScalingAdjustment": adjustment}]);
    let mut step = StepScaling::parse(&as_step, path)?;
    step.steps = vec![StepAdjustment {
        lower: None,
        upper: None,
        adjustment,
    }];
    Ok(step)
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
        let alarms = self.scenario.options.target_tracking_alarms;
        for p in 0..self.group_policies.len() {
            let g = self.group_policies[p].group;
            let Some(v) = cpu[g] else { continue };
            let policy = &mut self.group_policies[p];
            let GroupPolicyKind::TargetTracking {
                target,
                disable_scale_in,
                high,
                low,
            } = &mut policy.kind
            else {
                continue;
            };
            if v > *target {
                *high += 1;
                *low = 0;
            } else if v < *target * alarms.low_fraction {
                *low += 1;
                *high = 0;
            } else {
                *high = 0;
                *low = 0;
            }
            let (target, disable_scale_in, high, low) = (*target, *disable_scale_in, *high, *low);
            let (name, warmup_ms) = (policy.name.clone(), policy.warmup_ms);
            let n = self.groups[g].live_count();
            let mut goal = if n == 0 {
                1
            } else {
                ((f64::from(n) * v / target) - 1e-9).ceil().max(0.0) as u32
            };
            let now = self.now();
            let warming = self.groups[g]
                .live()
                .any(|i| now < i.launched_at.plus_ms(warmup_ms));
            let (alarm, fire) = if high >= alarms.high_datapoints && goal > n && !warming {
                ("AlarmHigh", true)
            } else if low >= alarms.low_datapoints && goal < n && !disable_scale_in {
                goal = alarms.scale_in_goal(n, goal);
                ("AlarmLow", true)
            } else {
                ("", false)
            };
            if fire {
                let cause = format!(
                    "At {} a monitor alarm TargetTracking-{}-{alarm} in state ALARM triggered policy {name} changing the desired capacity from {} to {}. (CPUUtilization {v:.1} %, target {target})",
                    self.timestamp(now),
                    self.groups[g].spec.name,
                    self.groups[g].desired,
                    goal.clamp(self.groups[g].spec.min, self.groups[g].spec.max),
                );
                self.set_group_desired(g, goal, cause);
            }
        }
    }

    /// The groups' own scaling policies (`autoScalingPolicies[]`), in scenario order.
    pub fn auto_scaling_policies(&self) -> &[GroupScalingPolicy] {
        &self.group_policies
    }

    /// One line on policy `p` of a group, for people: its type and what runs it, e.g.
    /// `reservation-out: StepScaling, run by alarm demo-cpu-reservation-high (OK)`.
    pub fn group_policy_summary(&self, p: usize) -> String {
        let policy = &self.group_policies[p];
        let what = match &policy.kind {
            GroupPolicyKind::TargetTracking { target, .. } => {
                format!("target tracking, ASGAverageCPUUtilization at {target} %")
            }
            GroupPolicyKind::Step { simple, .. } => {
                let named = policy.named_by(&self.groups[policy.group].spec.name);
                let alarms: Vec<String> = self
                    .scaling
                    .alarms
                    .iter()
                    .filter(|a| a.actions.iter().any(|x| named(x)))
                    .map(|a| format!("{} ({})", a.name, a.state.as_str()))
                    .collect();
                let kind = if *simple {
                    "SimpleScaling"
                } else {
                    "StepScaling"
                };
                if alarms.is_empty() {
                    format!("{kind}, named by no alarm (it never runs)")
                } else {
                    format!("{kind}, run by alarm {}", alarms.join(", "))
                }
            }
        };
        format!("{}: {what}", policy.name)
    }

    /// Step and simple scaling policies of the groups (see the module): each acts on the
    /// first alarm in ALARM whose `AlarmActions` name it, after the minute's alarms are
    /// evaluated.
    pub(crate) fn evaluate_group_step_policies(&mut self) {
        for p in 0..self.group_policies.len() {
            let policy = &self.group_policies[p];
            let GroupPolicyKind::Step { step, simple } = &policy.kind else {
                continue;
            };
            let (g, simple) = (policy.group, *simple);
            let named = policy.named_by(&self.groups[g].spec.name);
            let Some((alarm, value, adj)) =
                crate::autoscaling::step_scaling::breached_step(&self.scaling.alarms, step, named)
            else {
                continue;
            };
            let now = self.now();
            let desired = self.groups[g].desired;
            let (min, max) = (self.groups[g].spec.min, self.groups[g].spec.max);
            let goal_from = |base: u32| {
                (step.apply(base, &adj).clamp(0, i64::from(u32::MAX)) as u32).clamp(min, max)
            };
            let warming = |at: SimTime| now < at.plus_ms(policy.warmup_ms);
            let goal = match policy.last_change {
                // A simple policy waits out its cooldown after any change.
                Some((at, _, _)) if simple && now < at.plus_secs(step.cooldown_s) => continue,
                // During a scale-out's warm-up the instances it added do not count.
                Some((at, from, to))
                    if !simple && to > from && warming(at) && adj.adjustment > 0 =>
                {
                    // Only ever upwards: past what it set, and past the capacity now.
                    let goal = goal_from(from);
                    if goal <= to.max(desired) {
                        continue;
                    }
                    goal
                }
                _ => goal_from(desired),
            };
            if goal == desired {
                continue;
            }
            let cause = format!(
                "At {} a monitor alarm {} in state ALARM triggered policy {} changing the desired capacity from {desired} to {goal}. ({} {value:.1}, threshold {})",
                self.timestamp(now),
                alarm.name,
                policy.name,
                alarm.metric.name,
                alarm.threshold
            );
            self.group_policies[p].last_change = Some((now, desired, goal));
            self.set_group_desired(g, goal, cause);
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
        assert_eq!(p.warmup_ms, 300_000);
        assert!(matches!(p.kind, GroupPolicyKind::TargetTracking { target, .. } if target == 60.0));
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

    #[test]
    fn step_and_simple_policies_parse_as_put_scaling_policy_takes_them() {
        let group = |n: &str| (n == "asg").then_some(0);
        let step = json!({"AutoScalingGroupName": "asg", "PolicyName": "out", "PolicyType": "StepScaling",
            "AdjustmentType": "PercentChangeInCapacity", "MinAdjustmentMagnitude": 2, "EstimatedInstanceWarmup": 120,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 50}]});
        let p = GroupScalingPolicy::parse(&step, "autoScalingPolicies[0]", &group).unwrap();
        assert_eq!(p.warmup_ms, 120_000);
        // Found by the robustness property: a warm-up past u64 milliseconds saturates.
        let mut endless = step.clone();
        endless["EstimatedInstanceWarmup"] = json!(u64::MAX);
        let p = GroupScalingPolicy::parse(&endless, "autoScalingPolicies[0]", &group).unwrap();
        assert_eq!(p.warmup_ms, u64::MAX);
        let GroupPolicyKind::Step {
            step,
            simple: false,
        } = &p.kind
        else {
            panic!("{:?}", p.kind)
        };
        // 50 % of 3 is 1.5 → 1, raised to MinAdjustmentMagnitude 2 (5.4).
        assert_eq!(step.apply(3, &step.steps[0]), 5);
        // SimpleScaling is PutScalingPolicy's default type; its one step covers any breach.
        let simple = json!({"AutoScalingGroupName": "asg", "PolicyName": "in", "AdjustmentType": "ChangeInCapacity",
            "ScalingAdjustment": -1, "Cooldown": 600});
        let p = GroupScalingPolicy::parse(&simple, "autoScalingPolicies[1]", &group).unwrap();
        let GroupPolicyKind::Step { step, simple: true } = &p.kind else {
            panic!("{:?}", p.kind)
        };
        assert_eq!(step.cooldown_s, 600);
        assert_eq!(step.step_for(-35.0).map(|s| s.adjustment), Some(-1));
        assert_eq!(step.step_for(12.0).map(|s| s.adjustment), Some(-1));
        let mut bad = simple.clone();
        bad["AdjustmentType"] = json!("ExactCapacity");
        assert_eq!(
            GroupScalingPolicy::parse(&bad, "autoScalingPolicies[1]", &group).unwrap_err(),
            "autoScalingPolicies[1].ScalingAdjustment: an ExactCapacity adjustment cannot be negative"
        );
        let mut bad = simple;
        bad["PolicyType"] = json!("PredictiveScaling");
        assert!(
            GroupScalingPolicy::parse(&bad, "autoScalingPolicies[1]", &group)
                .unwrap_err()
                .starts_with(
                    "autoScalingPolicies[1].PolicyType: \"PredictiveScaling\" is not simulated"
                )
        );
    }
}
