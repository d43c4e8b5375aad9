//! Service Auto Scaling (section 5): Application Auto Scaling scalable targets, target
//! tracking and step scaling policies driven by CloudWatch alarms, scheduled actions, and the
//! activity history with AWS-style cause messages.
//!
//! Predictive scaling policies forecast each hour's load from the days before and launch
//! tasks ahead of it ([`predictive`]).
//!
//! Scenario sections, each an AWS request body verbatim: `scalableTargets[]`
//! (RegisterScalableTarget), `scalingPolicies[]` (PutScalingPolicy), `scheduledActions[]`
//! (PutScheduledAction) and `alarms[]` (PutMetricAlarm, for step scaling).
//!
//! Every minute, after the metrics are published, the alarms are evaluated and the policies
//! of each scalable target act on them (5.3, 5.4). The starting point is the service's
//! actual running count, not its desired count (5.1).

pub mod predictive;
pub mod schedule;
pub mod scheduled;
pub mod step_scaling;
pub mod target_tracking;

use serde_json::Value;

use crate::cloudwatch::{Alarm, AlarmState, Comparison, MetricId, Statistic};
use crate::event_log::EventKind;
use crate::load_balancer::target_group::name_hash;
use crate::sim::Simulation;
use crate::time::SimTime;
use step_scaling::StepScaling;
use target_tracking::{TargetTracking, TrackedMetric};

/// `SuspendedState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Suspended {
    /// `DynamicScalingInSuspended`.
    pub scale_in: bool,
    /// `DynamicScalingOutSuspended`.
    pub scale_out: bool,
    /// `ScheduledScalingSuspended`.
    pub scheduled: bool,
}

/// A registered scalable target (5.1).
#[derive(Debug, Clone, PartialEq)]
pub struct ScalableTarget {
    /// `service/<cluster>/<service>`.
    pub resource_id: String,
    /// The service (index).
    pub service: usize,
    /// `MinCapacity`.
    pub min: u32,
    /// `MaxCapacity`.
    pub max: u32,
    /// `SuspendedState`.
    pub suspended: Suspended,
}

/// A policy's kind and configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyKind {
    /// `TargetTrackingScaling`.
    TargetTracking(TargetTracking),
    /// `StepScaling`.
    Step(StepScaling),
    /// `PredictiveScaling`.
    Predictive(predictive::PredictiveScaling),
}

/// A scaling policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPolicy {
    /// `PolicyName`.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// The scalable target (index).
    pub target: usize,
    /// What it does.
    pub kind: PolicyKind,
    /// Target tracking: the high and low alarms it owns (indices into the alarms).
    pub alarms: Option<(usize, usize)>,
    /// The last scale-out: when, from which capacity, to which.
    pub last_scale_out: Option<(SimTime, u32, u32)>,
    /// Scale-in is blocked until then (scale-in cooldown, or the step cooldown).
    pub scale_in_blocked_until: Option<SimTime>,
    /// Predictive scaling: the loads seen, the latest forecast, the hour applied.
    pub predictive: Option<predictive::PredictiveState>,
}

/// One entry of DescribeScalingActivities.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingActivity {
    /// When it happened, simulated milliseconds.
    pub at_ms: u64,
    /// `ResourceId`.
    pub resource_id: String,
    /// `Description`, e.g. `Setting desired count to 7.`
    pub description: String,
    /// `Cause`, e.g. `monitor alarm ... in state ALARM triggered policy ... changing the desired capacity from 4 to 7.`
    pub cause: String,
}

/// Application Auto Scaling state of a run.
#[derive(Debug, Clone, Default)]
pub struct AutoScaling {
    /// Scalable targets.
    pub targets: Vec<ScalableTarget>,
    /// Policies.
    pub policies: Vec<ScalingPolicy>,
    /// Alarms: the scenario's, then those target tracking creates.
    pub alarms: Vec<Alarm>,
    /// Activity history, oldest first.
    pub activities: Vec<ScalingActivity>,
}

/// The parts of a RegisterScalableTarget / PutScalingPolicy / PutScheduledAction request that
/// name the scalable target.
pub fn resource_of(v: &Value, path: &str) -> Result<String, String> {
    match v.get("ServiceNamespace").and_then(Value::as_str) {
        Some("ecs") => {}
        Some(other) => {
            return Err(format!(
                "{path}.ServiceNamespace: \"{other}\" is not simulated; only ecs is"
            ))
        }
        None => return Err(format!("{path}.ServiceNamespace: required")),
    }
    match v.get("ScalableDimension").and_then(Value::as_str) {
        Some("ecs:service:DesiredCount") => {}
        Some(other) => {
            return Err(format!(
                "{path}.ScalableDimension: \"{other}\" is not ecs:service:DesiredCount"
            ))
        }
        None => return Err(format!("{path}.ScalableDimension: required")),
    }
    let id = v
        .get("ResourceId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{path}.ResourceId: required"))?;
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() != 3 || parts[0] != "service" || parts[1].is_empty() || parts[2].is_empty() {
        return Err(format!(
            "{path}.ResourceId: \"{id}\" is not service/<cluster>/<service>"
        ));
    }
    Ok(id.to_string())
}

fn capacity(v: &Value, key: &str, path: &str) -> Result<Option<u32>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("{path}.{key}: must be a whole number ≥ 0")),
    }
}

/// A RegisterScalableTarget request, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalableTargetRequest {
    /// `ResourceId`.
    pub resource_id: String,
    /// `MinCapacity`.
    pub min: u32,
    /// `MaxCapacity`.
    pub max: u32,
    /// `SuspendedState`.
    pub suspended: Suspended,
}

impl ScalableTargetRequest {
    /// Parses `scalableTargets[i]`.
    pub fn parse(v: &Value, path: &str) -> Result<ScalableTargetRequest, String> {
        let resource_id = resource_of(v, path)?;
        let min = capacity(v, "MinCapacity", path)?.ok_or_else(|| {
            format!("{path}.MinCapacity: required when a target is first registered")
        })?;
        let max = capacity(v, "MaxCapacity", path)?.ok_or_else(|| {
            format!("{path}.MaxCapacity: required when a target is first registered")
        })?;
        if max < min {
            return Err(format!(
                "{path}.MaxCapacity: {max} is below MinCapacity {min}"
            ));
        }
        let flag = |k: &str| {
            v.get("SuspendedState")
                .and_then(|s| s.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Ok(ScalableTargetRequest {
            resource_id,
            min,
            max,
            suspended: Suspended {
                scale_in: flag("DynamicScalingInSuspended"),
                scale_out: flag("DynamicScalingOutSuspended"),
                scheduled: flag("ScheduledScalingSuspended"),
            },
        })
    }
}

/// A PutScalingPolicy request, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRequest {
    /// `PolicyName`.
    pub name: String,
    /// `ResourceId`.
    pub resource_id: String,
    /// The configuration.
    pub kind: PolicyKind,
}

impl PolicyRequest {
    /// Parses `scalingPolicies[i]`.
    pub fn parse(v: &Value, path: &str) -> Result<PolicyRequest, String> {
        let name = v
            .get("PolicyName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{path}.PolicyName: required"))?
            .to_string();
        let resource_id = resource_of(v, path)?;
        let kind = match v.get("PolicyType").and_then(Value::as_str).unwrap_or("StepScaling") {
            "TargetTrackingScaling" => PolicyKind::TargetTracking(TargetTracking::parse(
                v.get("TargetTrackingScalingPolicyConfiguration").ok_or_else(|| {
                    format!("{path}.TargetTrackingScalingPolicyConfiguration: required for TargetTrackingScaling")
                })?,
                &format!("{path}.TargetTrackingScalingPolicyConfiguration"),
            )?),
            "StepScaling" => PolicyKind::Step(StepScaling::parse(
                v.get("StepScalingPolicyConfiguration").ok_or_else(|| {
                    format!("{path}.StepScalingPolicyConfiguration: required for StepScaling")
                })?,
                &format!("{path}.StepScalingPolicyConfiguration"),
            )?),
            "PredictiveScaling" => PolicyKind::Predictive(predictive::PredictiveScaling::parse(
                v.get("PredictiveScalingPolicyConfiguration").ok_or_else(|| {
                    format!("{path}.PredictiveScalingPolicyConfiguration: required for PredictiveScaling")
                })?,
                &format!("{path}.PredictiveScalingPolicyConfiguration"),
            )?),
            other => {
                return Err(format!(
                    "{path}.PolicyType: \"{other}\" is not TargetTrackingScaling, StepScaling or PredictiveScaling"
                ))
            }
        };
        Ok(PolicyRequest {
            name,
            resource_id,
            kind,
        })
    }
}

/// The time series of an alarm's state, one datapoint a minute: 1 in ALARM, else 0.
pub fn alarm_state_series(alarm: &str) -> String {
    format!("alarm/{alarm}/state")
}

/// A UUID-shaped id derived from a name, for made-up ARNs and alarm names.
pub fn uuid_of(name: &str) -> String {
    let a = name_hash(name);
    let b = name_hash(&format!("{name}#"));
    format!(
        "{}-{}-{}-{}-{}",
        &a[..8],
        &a[8..12],
        &a[12..16],
        &b[..4],
        &b[4..16]
    )
}

impl Simulation {
    /// Resolves the scenario's scalable targets, policies and alarms against the services.
    pub(crate) fn create_auto_scaling(&mut self) {
        let requests = self.scenario.auto_scaling.clone();
        self.scaling.alarms = requests.alarms.clone();
        for (i, t) in requests.targets.iter().enumerate() {
            let mut parts = t.resource_id.split('/').skip(1);
            let (cluster, name) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            match self
                .services
                .iter()
                .position(|s| s.cluster == cluster && s.name == name)
            {
                Some(service) => self.scaling.targets.push(ScalableTarget {
                    resource_id: t.resource_id.clone(),
                    service,
                    min: t.min,
                    max: t.max,
                    suspended: t.suspended,
                }),
                None => self.scenario_error(format!(
                    "scalableTargets[{i}].ResourceId: no service {name} in cluster {cluster}"
                )),
            }
        }
        for (i, p) in requests.policies.iter().enumerate() {
            let Some(target) = self
                .scaling
                .targets
                .iter()
                .position(|t| t.resource_id == p.resource_id)
            else {
                self.scenario_error(format!(
                    "scalingPolicies[{i}].ResourceId: No scalable target registered for service namespace: ecs, resource ID: {}, scalable dimension: ecs:service:DesiredCount",
                    p.resource_id
                ));
                continue;
            };
            let uuid = uuid_of(&format!("{}/{}", p.resource_id, p.name));
            let arn = format!(
                "arn:aws:autoscaling:{}:scalingPolicy:{uuid}:resource/ecs/{}:policyName/{}",
                crate::load_balancer::target_group::ARN_ACCOUNT_REGION,
                p.resource_id,
                p.name
            );
            let alarms = match &p.kind {
                PolicyKind::TargetTracking(tt) => match self.tracked_metric(target, tt) {
                    Ok(watched) => {
                        Some(self.target_tracking_alarms(&p.resource_id, &uuid, tt, watched, &arn))
                    }
                    Err(e) => {
                        self.scenario_error(format!("scalingPolicies[{i}].{e}"));
                        continue;
                    }
                },
                PolicyKind::Step(_) => None,
                PolicyKind::Predictive(ps) => {
                    if let Err(e) = self.predictive_metric_check(ps) {
                        self.scenario_error(format!("scalingPolicies[{i}].{e}"));
                        continue;
                    }
                    None
                }
            };
            let predictive = matches!(p.kind, PolicyKind::Predictive(_))
                .then(predictive::PredictiveState::default);
            self.scaling.policies.push(ScalingPolicy {
                name: p.name.clone(),
                arn,
                target,
                kind: p.kind.clone(),
                alarms,
                last_scale_out: None,
                scale_in_blocked_until: None,
                predictive,
            });
        }
    }

    fn scenario_error(&mut self, message: String) {
        self.log.push(self.now(), EventKind::Scenario, message);
    }

    /// The CloudWatch metric a target-tracking policy watches, and its statistic (5.2).
    fn tracked_metric(
        &self,
        target: usize,
        tt: &TargetTracking,
    ) -> Result<(MetricId, Statistic, Option<crate::cloudwatch::MetricMath>), String> {
        let svc = &self.services[self.scaling.targets[target].service];
        Ok(match &tt.metric {
            TrackedMetric::ServiceCpu => (
                MetricId::new("AWS/ECS", "CPUUtilization", &[("ClusterName", &svc.cluster), ("ServiceName", &svc.name)]),
                Statistic::Average,
                None,
            ),
            TrackedMetric::ServiceMemory => (
                MetricId::new("AWS/ECS", "MemoryUtilization", &[("ClusterName", &svc.cluster), ("ServiceName", &svc.name)]),
                Statistic::Average,
                None,
            ),
            TrackedMetric::AlbRequestCountPerTarget(label) => {
                let g = self.lb.find(label).ok_or_else(|| {
                    format!("TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel: no target group in the scenario matches {label}")
                })?;
                let balancer = self.lb.load_balancer_of(g);
                if balancer.classic {
                    return Err(format!(
                        "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel: {label} names Classic Load Balancer {}, which has no target groups, so ALBRequestCountPerTarget cannot count its requests (8.6); track ECSServiceAverageCPUUtilization, or a customized AWS/ELB RequestCount metric",
                        balancer.name
                    ));
                }
                if balancer.network {
                    return Err(format!(
                        "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType: ALBRequestCountPerTarget counts an Application Load Balancer's requests; target group {} is behind Network Load Balancer {} (8.6)",
                        self.lb.target_groups[g].name, balancer.name
                    ));
                }
                (
                    MetricId::new("AWS/ApplicationELB", "RequestCountPerTarget", &[("TargetGroup", &self.lb.dimension(g))]),
                    Statistic::Sum,
                    None,
                )
            }
            TrackedMetric::Customized {
                namespace,
                name,
                dimensions,
                statistic,
            } => (
                MetricId {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    dimensions: dimensions.clone(),
                },
                Statistic::parse(statistic).ok_or_else(|| {
                    format!("TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.Statistic: \"{statistic}\" is not Average, Sum, Minimum, Maximum or SampleCount")
                })?,
                None,
            ),
            TrackedMetric::Math(math) => (
                MetricId::new("MetricMath", &math.text, &[]),
                Statistic::Average,
                Some(math.clone()),
            ),
        })
    }

    /// Creates the high and low alarms of a target-tracking policy (5.3).
    fn target_tracking_alarms(
        &mut self,
        resource_id: &str,
        uuid: &str,
        tt: &TargetTracking,
        (metric, statistic, math): (MetricId, Statistic, Option<crate::cloudwatch::MetricMath>),
        policy_arn: &str,
    ) -> (usize, usize) {
        let make = |suffix: &str, points: u64, threshold: f64, comparison: Comparison| Alarm {
            name: format!("TargetTracking-{resource_id}-Alarm{suffix}-{uuid}"),
            metric: metric.clone(),
            statistic,
            period_minutes: 1,
            evaluation_periods: points,
            datapoints_to_alarm: points,
            threshold,
            comparison,
            actions: vec![policy_arn.to_string()],
            state: AlarmState::InsufficientData,
            last_value: None,
            math: math.clone(),
        };
        let alarms = self.scenario.options.target_tracking_alarms;
        self.scaling.alarms.push(make(
            "High",
            alarms.high_datapoints,
            tt.target_value,
            Comparison::Greater,
        ));
        self.scaling.alarms.push(make(
            "Low",
            alarms.low_datapoints,
            tt.low_threshold(&alarms),
            Comparison::Less,
        ));
        let n = self.scaling.alarms.len();
        (n - 2, n - 1)
    }

    /// Evaluates every alarm with the datapoints up to minute `end`, then lets each scalable
    /// target's policies act.
    pub(crate) fn evaluate_scaling(&mut self, end: u64) {
        for a in 0..self.scaling.alarms.len() {
            let before = self.scaling.alarms[a].state;
            let after = self.scaling.alarms[a].evaluate(&self.metrics, end);
            if before != after {
                let alarm = &self.scaling.alarms[a];
                let msg = format!(
                    "alarm {} changed from {} to {}{}",
                    alarm.name,
                    before.as_str(),
                    after.as_str(),
                    alarm
                        .last_value
                        .map(|v| format!(
                            " (latest datapoint {v:.2}, threshold {:.2})",
                            alarm.threshold
                        ))
                        .unwrap_or_default()
                );
                self.log.push(self.now(), EventKind::Alarm, msg);
            }
        }
        // Each alarm's state this minute as a time series (`alarm/<name>/state`: 1 in ALARM,
        // else 0), so charts can shade the minutes an alarm was in ALARM.
        for a in 0..self.scaling.alarms.len() {
            let alarm = &self.scaling.alarms[a];
            let value = if alarm.state == AlarmState::Alarm {
                1.0
            } else {
                0.0
            };
            let key = alarm_state_series(&alarm.name);
            self.series.record(&key, value);
        }
        self.check_deployment_alarms();
        self.predictive_scaling(end);
        for t in 0..self.scaling.targets.len() {
            self.target_tracking(t);
            self.step_scaling(t);
        }
    }

    fn running_count(&self, s: usize) -> u32 {
        self.tasks
            .iter()
            .filter(|t| {
                t.service == Some(s)
                    && t.is_active()
                    && t.last_status == crate::task::TaskStatus::Running
            })
            .count() as u32
    }

    fn deployment_in_progress(&self, s: usize) -> bool {
        self.services[s].deployments.len() > 1
            && self.services[s]
                .deployments
                .last()
                .is_some_and(|d| d.rollout_state == crate::deployment::RolloutState::InProgress)
    }

    /// Target tracking across the target's policies (5.3): out if any policy wants out (the
    /// largest capacity wins), in only if every policy with scale-in enabled wants in.
    fn target_tracking(&mut self, t: usize) {
        let target = self.scaling.targets[t].clone();
        let running = self.running_count(target.service);
        let mut out: Option<(usize, u32)> = None;
        let mut ins: Option<(usize, u32)> = None;
        let mut all_in = true;
        let mut any_in = false;
        for (p, policy) in self.scaling.policies.iter().enumerate() {
            let (PolicyKind::TargetTracking(tt), Some((high, low))) = (&policy.kind, policy.alarms)
            else {
                continue;
            };
            if policy.target != t {
                continue;
            }
            let (high, low) = (&self.scaling.alarms[high], &self.scaling.alarms[low]);
            if high.state == AlarmState::Alarm {
                let want = tt.desired_for(running, high.last_value.unwrap_or(0.0));
                if out.is_none_or(|(_, w)| want > w) {
                    out = Some((p, want));
                }
            }
            if !tt.disable_scale_in {
                any_in = true;
                if low.state == AlarmState::Alarm {
                    let want = self.scenario.options.target_tracking_alarms.scale_in_goal(
                        running,
                        tt.desired_for(running, low.last_value.unwrap_or(0.0)),
                    );
                    if ins.is_none_or(|(_, w)| want > w) {
                        ins = Some((p, want));
                    }
                } else {
                    all_in = false;
                }
            }
        }
        if let Some((p, want)) = out {
            if !target.suspended.scale_out {
                self.policy_scale_out(p, want, "High");
            }
        } else if let (Some((p, want)), true, true) = (ins, all_in, any_in) {
            if !target.suspended.scale_in {
                self.policy_scale_in(p, want, "Low");
            }
        }
    }

    /// Step scaling (5.4): each policy acts on the alarms that name it.
    fn step_scaling(&mut self, t: usize) {
        for p in 0..self.scaling.policies.len() {
            let policy = &self.scaling.policies[p];
            let PolicyKind::Step(step) = &policy.kind else {
                continue;
            };
            if policy.target != t {
                continue;
            }
            let step = step.clone();
            let arn_tail = format!(":policyName/{}", policy.name);
            let Some((alarm, _, adj)) =
                step_scaling::breached_step(&self.scaling.alarms, &step, |x| {
                    x == policy.arn || x == policy.name || x.ends_with(&arn_tail)
                })
            else {
                continue;
            };
            let alarm_name = alarm.name.clone();
            let service = self.scaling.targets[t].service;
            let running = self.running_count(service);
            let now = self.now();
            // Within the cooldown a larger step adds only the difference (5.4): compute from
            // the capacity the previous scale-out started from.
            let in_cooldown = self.scaling.policies[p]
                .last_scale_out
                .filter(|(at, _, _)| now < at.plus_secs(step.cooldown_s));
            let base = in_cooldown.map_or(running, |(_, base, _)| base);
            let desired = self.services[service].desired_count;
            let direction = match step.adjustment_type {
                step_scaling::AdjustmentType::ExactCapacity => {
                    (adj.adjustment - i64::from(desired)).signum()
                }
                _ => adj.adjustment.signum(),
            };
            if direction > 0 {
                let want = step.apply(base, &adj).max(0) as u32;
                if in_cooldown.is_some_and(|(_, _, to)| want <= to) {
                    continue;
                }
                self.policy_scale_out(p, want, &alarm_name);
                if let Some(last) = &mut self.scaling.policies[p].last_scale_out {
                    last.1 = base;
                }
            } else if direction < 0 {
                let want = step.apply(running, &adj).max(0) as u32;
                let blocked = in_cooldown.is_some()
                    || self.scaling.policies[p]
                        .scale_in_blocked_until
                        .is_some_and(|u| now < u);
                if blocked || want >= desired {
                    continue;
                }
                // A scale-in that changes nothing (a deployment runs, MinCapacity, the hour's
                // predictive forecast holds) is no scaling activity, and starts no cooldown.
                if self.policy_scale_in(p, want, &alarm_name) {
                    let until = now.plus_secs(step.cooldown_s);
                    self.scaling.policies[p].scale_in_blocked_until = Some(until);
                }
            }
        }
    }

    fn alarm_label(&self, p: usize, which: &str) -> String {
        let policy = &self.scaling.policies[p];
        match policy.alarms {
            Some((high, low)) => self.scaling.alarms[if which == "High" { high } else { low }]
                .name
                .clone(),
            None => which.to_string(),
        }
    }

    /// Applies a scale-out wish with clamping (5.1, G26) and the scale-out cooldown (5.3).
    fn policy_scale_out(&mut self, p: usize, want: u32, which: &str) {
        let now = self.now();
        let policy = self.scaling.policies[p].clone();
        let target = self.scaling.targets[policy.target].clone();
        let desired = self.services[target.service].desired_count;
        if desired > target.max {
            return;
        }
        // A MaxCapacity above the tasks-per-service quota stops at the quota: asking for
        // more again changes nothing, so it is no activity.
        let new = want
            .clamp(target.min, target.max)
            .max(desired.min(target.max))
            .min(self.tasks_quota(target.service));
        let cooldown_s = match &policy.kind {
            PolicyKind::TargetTracking(tt) => tt.scale_out_cooldown_s,
            PolicyKind::Step(s) => s.cooldown_s,
            PolicyKind::Predictive(_) => 0,
        };
        if let Some((at, _, to)) = policy.last_scale_out {
            if now < at.plus_secs(cooldown_s) && new <= to {
                return;
            }
        }
        if new <= desired {
            return;
        }
        let running = self.running_count(target.service);
        let alarm = self.alarm_label(p, which);
        self.set_desired(policy.target, new, format!(
            "monitor alarm {alarm} in state ALARM triggered policy {} changing the desired capacity from {desired} to {new}.",
            policy.name
        ));
        let pol = &mut self.scaling.policies[p];
        pol.last_scale_out = Some((now, running, new));
        // A scale-out cancels the scale-in cooldown (5.3).
        for q in self
            .scaling
            .policies
            .iter_mut()
            .filter(|q| q.target == policy.target)
        {
            q.scale_in_blocked_until = None;
        }
    }

    /// Applies a scale-in wish with clamping (5.1, G26), the scale-in cooldown (5.3) and the
    /// rule that scale-in waits while a deployment runs (4.3).
    /// Returns whether the desired count changed.
    fn policy_scale_in(&mut self, p: usize, want: u32, which: &str) -> bool {
        let now = self.now();
        let policy = self.scaling.policies[p].clone();
        let target = self.scaling.targets[policy.target].clone();
        let desired = self.services[target.service].desired_count;
        if desired < target.min || self.deployment_in_progress(target.service) {
            return false;
        }
        if policy.scale_in_blocked_until.is_some_and(|u| now < u) {
            return false;
        }
        let new = if desired > target.max {
            target.max
        } else {
            want.clamp(target.min, target.max)
        };
        // A predictive policy's forecast for the hour holds: the largest capacity wins.
        let new = new.max(self.predictive_floor(policy.target).min(desired));
        if new >= desired {
            return false;
        }
        let alarm = self.alarm_label(p, which);
        self.set_desired(policy.target, new, format!(
            "monitor alarm {alarm} in state ALARM triggered policy {} changing the desired capacity from {desired} to {new}.",
            policy.name
        ));
        if let PolicyKind::TargetTracking(tt) = &policy.kind {
            self.scaling.policies[p].scale_in_blocked_until =
                Some(now.plus_secs(tt.scale_in_cooldown_s));
        }
        true
    }

    /// The tasks service `s` may have (Service Quotas "Tasks per service"; 1,000 for a
    /// service that uses Service Connect or service discovery).
    pub(crate) fn tasks_quota(&self, s: usize) -> u32 {
        if self.services[s].service_connect.is_some() || self.services[s].service_registry.is_some()
        {
            crate::service_connect::MAX_TASKS as u32
        } else {
            crate::service::MAX_TASKS_PER_SERVICE
        }
    }

    /// Sets a scalable target's service desired count and records the activity.
    pub(crate) fn set_desired(&mut self, t: usize, new: u32, cause: String) {
        // A MaxCapacity above the tasks-per-service quota stops at the quota.
        let target = &self.scaling.targets[t];
        let s = target.service;
        let new = new.min(self.tasks_quota(s));
        // A deleted service is no longer scaled (4.2).
        if self.services[s].status != crate::service::ServiceStatus::Active {
            return;
        }
        let activity = ScalingActivity {
            at_ms: self.now().as_ms(),
            resource_id: target.resource_id.clone(),
            description: format!("Setting desired count to {new}."),
            cause: cause.clone(),
        };
        self.scaling.activities.push(activity);
        let before = self.services[s].desired_count;
        self.services[s].desired_count = new;
        self.code_deploy_scaled(s);
        self.task_sets_follow_desired_count(s, before);
        // 9.1: the scheduler (not a user) changed the desired count.
        self.service_action(
            s,
            "INFO",
            "SERVICE_DESIRED_COUNT_UPDATED",
            serde_json::json!({}),
        );
        let name = self.services[s].name.clone();
        self.log
            .push(
                self.now(),
                EventKind::Scaling,
                format!("Setting desired count to {new}: {cause}"),
            )
            .service(&name);
        self.poke_service(s);
    }

    /// The scaling activity history, oldest first.
    pub fn scaling_activities(&self) -> &[ScalingActivity] {
        &self.scaling.activities
    }

    /// Scalable targets and their current bounds.
    pub fn scalable_targets(&self) -> &[ScalableTarget] {
        &self.scaling.targets
    }

    /// The target values of service `s`'s target-tracking policies, by tracked metric label
    /// (`ECSServiceAverageCPUUtilization`, ...): what the charts draw as target lines.
    pub fn tracking_targets(&self, s: usize) -> Vec<(String, f64)> {
        self.scaling
            .policies
            .iter()
            .filter(|p| self.scaling.targets[p.target].service == s)
            .filter_map(|p| match &p.kind {
                PolicyKind::TargetTracking(tt) => Some((tt.metric.label(), tt.target_value)),
                PolicyKind::Step(_) | PolicyKind::Predictive(_) => None,
            })
            .collect()
    }

    /// Every alarm and its state.
    pub fn alarms(&self) -> &[Alarm] {
        &self.scaling.alarms
    }
}

/// The scenario's auto scaling requests, checked at load time.
#[derive(Debug, Clone, Default)]
pub struct AutoScalingRequests {
    /// RegisterScalableTarget requests.
    pub targets: Vec<ScalableTargetRequest>,
    /// PutScalingPolicy requests.
    pub policies: Vec<PolicyRequest>,
    /// PutMetricAlarm requests.
    pub alarms: Vec<Alarm>,
}

impl AutoScalingRequests {
    /// Parses the three sections; the error names the field.
    pub fn parse(
        targets: &[Value],
        policies: &[Value],
        alarms: &[Value],
    ) -> Result<AutoScalingRequests, String> {
        let mut out = AutoScalingRequests::default();
        for (i, v) in targets.iter().enumerate() {
            let t = ScalableTargetRequest::parse(v, &format!("scalableTargets[{i}]"))?;
            if out.targets.iter().any(|o| o.resource_id == t.resource_id) {
                return Err(format!(
                    "scalableTargets[{i}].ResourceId: {} is registered twice",
                    t.resource_id
                ));
            }
            out.targets.push(t);
        }
        for (i, v) in policies.iter().enumerate() {
            let p = PolicyRequest::parse(v, &format!("scalingPolicies[{i}]"))?;
            if let PolicyKind::TargetTracking(tt) = &p.kind {
                let clash = out.policies.iter().any(|o| {
                    o.resource_id == p.resource_id
                        && matches!(&o.kind, PolicyKind::TargetTracking(x) if x.metric == tt.metric)
                });
                if clash {
                    return Err(format!(
                        "scalingPolicies[{i}].TargetTrackingScalingPolicyConfiguration: another target-tracking policy of {} already tracks {} (each must use a different metric)",
                        p.resource_id,
                        tt.metric.label()
                    ));
                }
            }
            out.policies.push(p);
        }
        for (i, v) in alarms.iter().enumerate() {
            out.alarms.push(Alarm::parse(v, &format!("alarms[{i}]"))?);
        }
        Ok(out)
    }
}
