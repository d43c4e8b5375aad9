//! EventBridge (section 9): the default event bus, rules with event patterns or schedules, and
//! their targets.
//!
//! Events come from ECS (`ECS Task State Change`, whose `detail` mirrors the task as
//! DescribeTasks shows it, 9.1), from S3 (`Object Created`, 9.3), from EC2 (`EC2 Spot Instance
//! Interruption Warning`, 7.1, and `EC2 Instance Rebalance Recommendation`), from EC2 Auto
//! Scaling (instance launches and terminations, instance refreshes; their `detail` shapes
//! follow AWS's event reference in part, **[unconfirmed]** beyond the fields set here) and
//! from schedules (`Scheduled Event`, rate and cron expressions in UTC, G38). `eventRules[]` holds PutRule
//! requests with their PutTargets `Targets` inline. Targets:
//! * an ECS cluster ARN with `EcsParameters`: RunTask (`TaskCount`, `LaunchType` or
//!   `CapacityProviderStrategy`, `NetworkConfiguration`, `Group`, `EnableExecuteCommand`), with
//!   `Input` or an `InputTransformer` giving the task overrides (9.2);
//! * an SNS topic ARN: a publish (the event, `Input`, or the transformed input);
//! * an SQS queue ARN: a message.
//!
//! Delivery takes [`DELIVERY_DELAY_MS`] ([unconfirmed]: AWS says "a few seconds" at most for
//! schedules and gives no figure for events). With IAM on, an ECS target's `RoleArn` needs
//! `ecs:RunTask`; a failed invocation is logged, as `FailedInvocations` counts it.

pub mod pattern;
mod scheduler;

use serde_json::{json, Value};

use crate::autoscaling::schedule::{next_fire, parse_schedule, Schedule, Zone};
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;
pub use pattern::EventPattern;
pub use scheduler::parse_schedules;

/// How long after an event its targets are invoked.
pub const DELIVERY_DELAY_MS: u64 = 1_000;
/// Target invocations a run may make before EventBridge throttles (guards rule loops).
pub const MAX_INVOCATIONS: usize = 10_000;

/// An event on the bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `source`, e.g. `aws.ecs`.
    pub source: String,
    /// `detail-type`, e.g. `ECS Task State Change`.
    pub detail_type: String,
    /// `resources`.
    pub resources: Vec<String>,
    /// `detail`.
    pub detail: Value,
}

/// A rule target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// `Id`.
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `RoleArn`.
    pub role_arn: Option<String>,
    /// `EcsParameters`, verbatim.
    pub ecs: Option<Value>,
    /// `Input` (JSON text).
    pub input: Option<String>,
    /// `InputTransformer`: paths map and template.
    pub transformer: Option<(Vec<(String, String)>, String)>,
}

/// What fires a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Events matching a pattern.
    Pattern(EventPattern),
    /// A schedule.
    Schedule(Timing),
}

/// When a schedule fires: a rule's rate or cron in UTC, or an EventBridge Scheduler
/// schedule's `at`, `rate` or `cron` in its time zone between its start and end dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// The expression as written, e.g. `cron(0 9 * * ? *)`.
    pub expression: String,
    /// The expression, parsed.
    pub schedule: Schedule,
    /// The time zone of `at` and `cron` (UTC for rules).
    pub zone: Zone,
    /// No firing before this, epoch milliseconds.
    pub start_ms: Option<i64>,
    /// No firing after this, epoch milliseconds.
    pub end_ms: Option<i64>,
}

/// A rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `Name`.
    pub name: String,
    /// Pattern or schedule.
    pub trigger: Trigger,
    /// `State` ENABLED.
    pub enabled: bool,
    /// Its targets.
    pub targets: Vec<Target>,
    /// An EventBridge Scheduler schedule (CreateSchedule, `schedules[]`), not a rule.
    pub scheduler: bool,
}

/// Parses `eventRules[]`.
pub fn parse_rules(items: &[Value]) -> Result<Vec<Rule>, String> {
    let mut out: Vec<Rule> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let path = format!("eventRules[{i}]");
        let name = v
            .get("Name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && n.len() <= 64)
            .ok_or_else(|| format!("{path}.Name: required, at most 64 characters"))?
            .to_string();
        if out.iter().any(|r| r.name == name) {
            return Err(format!("{path}.Name: rule {name} already exists"));
        }
        let trigger = match (v.get("EventPattern"), v.get("ScheduleExpression").and_then(Value::as_str)) {
            (Some(p), None) => Trigger::Pattern(EventPattern::parse(p, &format!("{path}.EventPattern"))?),
            (None, Some(expr)) => match parse_schedule(expr)
                .map_err(|e| format!("{path}.ScheduleExpression: {e}"))?
            {
                Schedule::At { .. } => {
                    return Err(format!("{path}.ScheduleExpression: rules take rate() or cron(); at() is EventBridge Scheduler's"))
                }
                schedule => Trigger::Schedule(Timing {
                    expression: expr.to_string(),
                    schedule,
                    zone: Zone::utc(),
                    start_ms: None,
                    end_ms: None,
                }),
            },
            _ => return Err(format!("{path}.EventPattern: give an EventPattern or a ScheduleExpression (one of them)")),
        };
        let enabled = parse_state(v, &path)?;
        let mut targets = Vec::new();
        for (j, t) in v
            .get("Targets")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            targets.push(parse_target(t, &format!("{path}.Targets[{j}]"))?);
        }
        if targets.len() > 5 {
            return Err(format!("{path}.Targets: a rule has at most 5 targets"));
        }
        out.push(Rule {
            name,
            trigger,
            enabled,
            targets,
            scheduler: false,
        });
    }
    Ok(out)
}

/// `State`: ENABLED (the default) or DISABLED, for rules and schedules alike.
fn parse_state(v: &Value, path: &str) -> Result<bool, String> {
    match v.get("State").and_then(Value::as_str) {
        None | Some("ENABLED") => Ok(true),
        Some("DISABLED") => Ok(false),
        Some(other) => Err(format!(
            "{path}.State: \"{other}\" is not ENABLED or DISABLED"
        )),
    }
}

fn parse_target(t: &Value, path: &str) -> Result<Target, String> {
    let s = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
    let arn = s("Arn").ok_or_else(|| format!("{path}.Arn: required"))?;
    let kind = arn.split(':').nth(2).unwrap_or("");
    if !matches!(kind, "ecs" | "sns" | "sqs") {
        return Err(format!("{path}.Arn: {arn} is not an ECS cluster, SNS topic or SQS queue ARN (other targets are not simulated)"));
    }
    let ecs = t.get("EcsParameters").cloned();
    if kind == "ecs" {
        let p = ecs
            .as_ref()
            .ok_or_else(|| format!("{path}.EcsParameters: required for an ECS target"))?;
        if p.get("TaskDefinitionArn").and_then(Value::as_str).is_none() {
            return Err(format!("{path}.EcsParameters.TaskDefinitionArn: required"));
        }
        if let Some(n) = p.get("TaskCount") {
            if !n.as_u64().is_some_and(|n| (1..=10).contains(&n)) {
                return Err(format!("{path}.EcsParameters.TaskCount: 1 to 10"));
            }
        }
    }
    let transformer = match t.get("InputTransformer") {
        None => None,
        Some(x) => {
            let template = x
                .get("InputTemplate")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{path}.InputTransformer.InputTemplate: required"))?
                .to_string();
            let paths = x
                .get("InputPathsMap")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            Some((paths, template))
        }
    };
    Ok(Target {
        id: s("Id").unwrap_or_default(),
        role_arn: s("RoleArn"),
        input: s("Input"),
        arn,
        ecs,
        transformer,
    })
}

/// Reads a JSONPath like `$.detail.object.key` from `v`.
fn json_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let rest = path.strip_prefix('$')?;
    rest.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(v, |node, key| match key.split_once('[') {
            Some((k, idx)) => node
                .get(k)?
                .get(idx.trim_end_matches(']').parse::<usize>().ok()?),
            None => node.get(key),
        })
}

/// The input a target receives: the transformer's template with `<name>` placeholders filled
/// from the event, `Input` as given, or the whole event.
pub fn target_input(target: &Target, envelope: &Value) -> String {
    if let Some((paths, template)) = &target.transformer {
        let mut out = template.clone();
        for (name, path) in paths {
            let value = match json_path(envelope, path) {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            out = out.replace(&format!("<{name}>"), &value);
        }
        return out;
    }
    target.input.clone().unwrap_or_else(|| envelope.to_string())
}

impl Simulation {
    /// Sets the timers of scheduled rules.
    pub(crate) fn schedule_rules(&mut self) {
        for r in 0..self.rules.len() {
            self.schedule_rule(r);
        }
    }

    fn schedule_rule(&mut self, r: usize) {
        let Trigger::Schedule(t) = &self.rules[r].trigger else {
            return;
        };
        if !self.rules[r].enabled {
            return;
        }
        let start = self.scenario.start_epoch_ms;
        let now_utc = start + self.now().as_ms() as i64;
        if let Some(next) = next_fire(&t.schedule, &t.zone, start, t.start_ms, t.end_ms, now_utc) {
            let at = (next - start).max(0) as u64;
            if at <= self.end().as_ms() {
                self.schedule(SimTime(at), Timer::RuleSchedule(r));
            }
        }
    }

    /// A scheduled rule fires: a `Scheduled Event` goes to its targets.
    pub(crate) fn fire_rule_schedule(&mut self, r: usize) {
        // A Scheduler schedule sends no event: its target gets its `Input` (or `{}`).
        let envelope = if self.rules[r].scheduler {
            json!({})
        } else {
            let event = Event {
                source: "aws.events".to_string(),
                detail_type: "Scheduled Event".to_string(),
                resources: vec![format!(
                    "arn:aws:events:us-east-1:123456789012:rule/{}",
                    self.rules[r].name
                )],
                detail: json!({}),
            };
            self.envelope(&event)
        };
        self.pending_deliveries.push((r, envelope));
        let d = self.pending_deliveries.len() - 1;
        self.schedule(
            self.now().plus_ms(DELIVERY_DELAY_MS),
            Timer::DeliverEvent(d),
        );
        self.schedule_rule(r);
    }

    fn envelope(&mut self, event: &Event) -> Value {
        self.events_sent += 1;
        json!({
            "version": "0",
            "id": format!("{:08x}-0000-4000-8000-{:012x}", self.events_sent, self.now().as_ms()),
            "detail-type": event.detail_type,
            "source": event.source,
            "account": "123456789012",
            "time": self.timestamp(self.now()),
            "region": "us-east-1",
            "resources": event.resources,
            "detail": event.detail,
        })
    }

    /// Puts an event on the default bus: every enabled rule whose pattern matches gets it.
    pub(crate) fn put_event(&mut self, event: Event) {
        if !self
            .rules
            .iter()
            .any(|r| r.enabled && matches!(r.trigger, Trigger::Pattern(_)))
        {
            return;
        }
        let envelope = self.envelope(&event);
        for r in 0..self.rules.len() {
            let rule = &self.rules[r];
            let hit = rule.enabled
                && matches!(&rule.trigger, Trigger::Pattern(p) if p.matches(&envelope));
            if hit {
                self.pending_deliveries.push((r, envelope.clone()));
                let d = self.pending_deliveries.len() - 1;
                self.schedule(
                    self.now().plus_ms(DELIVERY_DELAY_MS),
                    Timer::DeliverEvent(d),
                );
            }
        }
    }

    /// Whether any rule listens to events (so ECS need not build events nobody reads).
    pub(crate) fn events_wanted(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.enabled && matches!(r.trigger, Trigger::Pattern(_)))
    }

    /// Delivers pending event `d` to its rule's targets.
    pub(crate) fn deliver_event(&mut self, d: usize) {
        let (r, envelope) = std::mem::replace(&mut self.pending_deliveries[d], (0, Value::Null));
        let rule = self.rules[r].clone();
        self.rule_matches[r] += 1;
        let msg = if rule.scheduler {
            format!("schedule {} invoked its target", rule.name)
        } else {
            format!(
                "rule {} matched {} from {}",
                rule.name,
                envelope["detail-type"].as_str().unwrap_or(""),
                envelope["source"].as_str().unwrap_or("")
            )
        };
        self.log.push(self.now(), EventKind::AwsService, msg);
        for target in &rule.targets {
            if self.invocations >= MAX_INVOCATIONS {
                let msg = format!("rule {}: target {} throttled after {MAX_INVOCATIONS} invocations (a rule loop?)", rule.name, target.id);
                self.log.push(self.now(), EventKind::AwsService, msg);
                return;
            }
            self.invocations += 1;
            let input = target_input(target, &envelope);
            if let Err(e) = self.invoke_target(&rule, target, &input) {
                let msg = format!(
                    "rule {}: FailedInvocations on target {}: {e}",
                    rule.name, target.id
                );
                self.log.push(self.now(), EventKind::AwsService, msg);
            }
        }
    }

    fn invoke_target(&mut self, rule: &Rule, target: &Target, input: &str) -> Result<(), String> {
        match target.arn.split(':').nth(2).unwrap_or("") {
            "sns" => {
                // A template that makes a JSON string publishes the string itself.
                let message = match serde_json::from_str::<Value>(input) {
                    Ok(Value::String(s)) => s,
                    _ => input.to_string(),
                };
                if self.sns_publish(&target.arn, &message) {
                    Ok(())
                } else {
                    Err(format!("NotFound: no SNS topic {}", target.arn))
                }
            }
            "sqs" => self.sqs_send(&target.arn),
            _ => {
                let p = target.ecs.clone().unwrap_or(Value::Null);
                let cluster = target
                    .arn
                    .rsplit('/')
                    .next()
                    .unwrap_or("default")
                    .to_string();
                let access = self.scenario.iam.check(
                    target.role_arn.as_deref(),
                    "ecs:RunTask",
                    p["TaskDefinitionArn"].as_str().unwrap_or("*"),
                );
                if !access.is_allowed() {
                    return Err(format!(
                        "the rule's role cannot call ecs:RunTask ({access:?})"
                    ));
                }
                let overrides: Value = serde_json::from_str(input).unwrap_or(Value::Null);
                let mut req = json!({
                    "cluster": cluster,
                    "taskDefinition": p["TaskDefinitionArn"],
                    "count": p.get("TaskCount").cloned().unwrap_or(json!(1)),
                    // [unconfirmed] the `startedBy` a Scheduler schedule writes.
                    "startedBy": if rule.scheduler {
                        format!("scheduler/{}", rule.name)
                    } else {
                        format!("events-rule/{}", rule.name)
                    },
                });
                if let Some(lt) = p.get("LaunchType") {
                    req["launchType"] = lt.clone();
                }
                if let Some(g) = p.get("Group") {
                    req["group"] = g.clone();
                }
                // ECS Exec (crate::execute_command): RunTask's enableExecuteCommand.
                if let Some(e) = p.get("EnableExecuteCommand") {
                    req["enableExecuteCommand"] = e.clone();
                }
                if let Some(list) = p.get("CapacityProviderStrategy").and_then(Value::as_array) {
                    req["capacityProviderStrategy"] = json!(list
                        .iter()
                        .map(|i| json!({"capacityProvider": i["capacityProvider"], "weight": i.get("weight").cloned().unwrap_or(json!(1)), "base": i.get("base").cloned().unwrap_or(json!(0))}))
                        .collect::<Vec<_>>());
                }
                if let Some(net) = p.pointer("/NetworkConfiguration/awsvpcConfiguration") {
                    req["networkConfiguration"] = json!({"awsvpcConfiguration": {
                        "subnets": net.get("Subnets").cloned().unwrap_or(json!([])),
                        "securityGroups": net.get("SecurityGroups").cloned().unwrap_or(json!([])),
                    }});
                }
                // A target's Input with TaskOverride members is the task's overrides (9.2); the
                // matched event itself (no Input) is not.
                if crate::task_override::MEMBERS
                    .iter()
                    .any(|k| overrides.get(k).is_some())
                {
                    req["overrides"] = overrides;
                }
                self.run_task_request(&req)
            }
        }
    }

    /// The rules.
    pub fn event_rules(&self) -> &[Rule] {
        &self.rules
    }

    /// How many times each rule (in the order of [`Simulation::event_rules`]) matched so far:
    /// events delivered to its targets, scheduled firings included.
    pub fn event_rule_matches(&self) -> &[u64] {
        &self.rule_matches
    }
}

impl Simulation {
    /// An `ECS Service Action` event (9.1): `event_type` INFO, WARN or ERROR; `extra` fields
    /// (a `reason`, `containerInstanceArns`, `capacityProviderArns`) join the detail.
    pub(crate) fn service_action(
        &mut self,
        s: usize,
        event_type: &str,
        event_name: &str,
        extra: Value,
    ) {
        self.service_detail_event(s, "ECS Service Action", event_type, event_name, extra);
    }

    /// An `ECS Container Instance State Change` event (9.1): the instance as
    /// DescribeContainerInstances shows it, when it registers, changes status or attributes,
    /// or is deregistered.
    pub(crate) fn instance_state_change(&mut self, slot: usize) {
        if !self.events_wanted() || self.cluster.instances[slot].fargate {
            return;
        }
        let pending = self
            .tasks_on(slot)
            .into_iter()
            .filter(|&t| {
                matches!(
                    self.tasks[t].last_status,
                    crate::task::TaskStatus::Provisioning
                        | crate::task::TaskStatus::Pending
                        | crate::task::TaskStatus::Activating
                )
            })
            .count() as u32;
        let detail = self.instance_json(slot, pending);
        let resources = vec![self.cluster.instances[slot].arn.clone()];
        self.put_event(Event {
            source: "aws.ecs".to_string(),
            detail_type: "ECS Container Instance State Change".to_string(),
            resources,
            detail,
        });
    }

    /// An EC2 event (`aws.ec2`) about instance `id`, e.g. `EC2 Spot Instance Interruption
    /// Warning` (7.1) or `EC2 Instance Rebalance Recommendation`.
    pub(crate) fn ec2_event(&mut self, detail_type: &str, id: &str, detail: Value) {
        if !self.events_wanted() {
            return;
        }
        self.put_event(Event {
            source: "aws.ec2".to_string(),
            detail_type: detail_type.to_string(),
            resources: vec![format!("arn:aws:ec2:us-east-1:123456789012:instance/{id}")],
            detail,
        });
    }

    /// An EC2 Auto Scaling event (`aws.autoscaling`) of group `g`: `detail` gets the
    /// group's `AutoScalingGroupName`.
    pub(crate) fn autoscaling_event(&mut self, g: usize, detail_type: &str, mut detail: Value) {
        if !self.events_wanted() {
            return;
        }
        let name = self.groups[g].spec.name.clone();
        detail["AutoScalingGroupName"] = json!(name);
        self.put_event(Event {
            source: "aws.autoscaling".to_string(),
            detail_type: detail_type.to_string(),
            resources: vec![format!(
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:00000000-0000-4000-8000-{g:012x}:autoScalingGroupName/{name}"
            )],
            detail,
        });
    }

    /// `EC2 Instance Launch Successful` or `EC2 Instance Terminate Successful` for instance
    /// `i` of group `g`, from the activity that launched or terminated it.
    pub(crate) fn instance_activity_event(&mut self, g: usize, i: usize, launched: bool) {
        if !self.events_wanted() {
            return;
        }
        let inst = &self.groups[g].instances[i];
        let (id, az) = (inst.id.clone(), inst.availability_zone.clone());
        let verb = if launched { "Launching" } else { "Terminating" };
        let activity = self.groups[g]
            .activities
            .iter()
            .rev()
            .find(|a| a.description.starts_with(verb) && a.description.ends_with(&id));
        let (description, cause, start) = activity.map_or_else(
            || (String::new(), String::new(), self.now()),
            |a| (a.description.clone(), a.cause.clone(), a.at),
        );
        let detail = json!({
            "StatusCode": "InProgress",
            "Description": description,
            "Cause": cause,
            "EC2InstanceId": id,
            "StartTime": self.timestamp(start),
            "EndTime": self.timestamp(self.now()),
            "Details": {"Availability Zone": az},
        });
        let detail_type = if launched {
            "EC2 Instance Launch Successful"
        } else {
            "EC2 Instance Terminate Successful"
        };
        self.autoscaling_event(g, detail_type, detail);
    }

    /// `EC2 Instance-launch Lifecycle Action` or `EC2 Instance-terminate Lifecycle Action`:
    /// hook `wait` holds instance `id` of group `g`.
    pub(crate) fn lifecycle_action_event(
        &mut self,
        g: usize,
        id: &str,
        wait: &crate::auto_scaling_group::lifecycle_hook::HookWait,
        transition: crate::auto_scaling_group::lifecycle_hook::Transition,
    ) {
        use crate::auto_scaling_group::lifecycle_hook::Transition;
        let (detail_type, name, origin, destination) = match transition {
            Transition::Launching => (
                "EC2 Instance-launch Lifecycle Action",
                "autoscaling:EC2_INSTANCE_LAUNCHING",
                "EC2",
                "AutoScalingGroup",
            ),
            Transition::Terminating => (
                "EC2 Instance-terminate Lifecycle Action",
                "autoscaling:EC2_INSTANCE_TERMINATING",
                "AutoScalingGroup",
                "EC2",
            ),
        };
        let detail = json!({
            "LifecycleActionToken": wait.token,
            "LifecycleHookName": wait.hook,
            "EC2InstanceId": id,
            "LifecycleTransition": name,
            "Origin": origin,
            "Destination": destination,
        });
        self.autoscaling_event(g, detail_type, detail);
    }

    /// An `ECS Deployment State Change` event (9.1) for the service's primary deployment.
    pub(crate) fn deployment_state_change(
        &mut self,
        s: usize,
        event_type: &str,
        event_name: &str,
        reason: &str,
    ) {
        let extra = json!({
            "deploymentId": self.services[s].deployment_id,
            "updatedAt": self.timestamp(self.now()),
            "reason": reason,
        });
        self.service_detail_event(
            s,
            "ECS Deployment State Change",
            event_type,
            event_name,
            extra,
        );
    }

    fn service_detail_event(
        &mut self,
        s: usize,
        detail_type: &str,
        event_type: &str,
        event_name: &str,
        extra: Value,
    ) {
        if !self.events_wanted() {
            return;
        }
        let svc = &self.services[s];
        let arn = format!(
            "{}:service/{}/{}",
            crate::revisions::ARN_PREFIX,
            svc.cluster,
            svc.name
        );
        let mut detail = json!({
            "eventType": event_type,
            "eventName": event_name,
            "clusterArn": format!("{}:cluster/{}", crate::revisions::ARN_PREFIX, svc.cluster),
            "createdAt": self.timestamp(self.now()),
        });
        if let (Some(d), Value::Object(more)) = (detail.as_object_mut(), extra) {
            d.extend(more);
        }
        self.put_event(Event {
            source: "aws.ecs".to_string(),
            detail_type: detail_type.to_string(),
            resources: vec![arn],
            detail,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g38_rules_take_rate_and_cron_and_refuse_bad_expressions() {
        let ok = |e: &str| parse_rules(&[json!({"Name": "r", "ScheduleExpression": e})]);
        assert!(ok("rate(1 minute)").is_ok());
        assert!(ok("cron(0 12 * * ? *)").is_ok());
        for bad in ["rate(1 minutes)", "rate(5 hour)", "cron(0 12 * * * *)"] {
            let e = ok(bad).unwrap_err();
            assert!(
                e.starts_with("eventRules[0].ScheduleExpression"),
                "{bad}: {e}"
            );
        }
        assert!(ok("at(2025-01-01T00:00:00)")
            .unwrap_err()
            .contains("rate() or cron()"));
    }

    #[test]
    fn the_input_transformer_fills_placeholders_from_the_event() {
        let t = parse_target(
            &json!({"Id": "1", "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/batch",
                    "EcsParameters": {"TaskDefinitionArn": "worker"},
                    "InputTransformer": {"InputPathsMap": {"bucket": "$.detail.bucket.name", "key": "$.detail.object.key"},
                        "InputTemplate": "{\"containerOverrides\": [{\"name\": \"worker\", \"environment\": [{\"name\": \"S3_BUCKET\", \"value\": \"<bucket>\"}, {\"name\": \"S3_KEY\", \"value\": \"<key>\"}]}]}"}}),
            "t",
        )
        .unwrap();
        let event =
            json!({"detail": {"bucket": {"name": "uploads"}, "object": {"key": "in/a.csv"}}});
        let input: Value = serde_json::from_str(&target_input(&t, &event)).unwrap();
        assert_eq!(
            input["containerOverrides"][0]["environment"][1]["value"],
            "in/a.csv"
        );
        let e = parse_target(
            &json!({"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}),
            "t",
        )
        .unwrap_err();
        assert!(e.starts_with("t.Arn"), "{e}");
    }
}
