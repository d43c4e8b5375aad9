//! Golden cases of `shared/ecs-semantics.md` section 13 for the closed loop: load, ALB
//! targets and health (section 8), Service Auto Scaling (section 5) and the task lifecycle
//! (section 10). Each test is a timeline: the simulated second at which each alarm fires and
//! each desired-count change happens.

use ecs_engine::cloudwatch::MetricId;
use ecs_engine::load_balancer::target_group::TargetState;
use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

mod support;
use support::{at, sim, until_running};

const MIN: u64 = 60;

fn desired(sim: &Simulation) -> u32 {
    sim.services()[0].desired_count
}

/// `count` m5.2xlarge instances (8 vCPU) in two AZs, a task definition `web` with task-level
/// cpu 1024 and memory 2048 and a dynamic host port, and a service `web`.
fn base(desired_count: u32, extra: Value) -> Value {
    let mut v = json!({
        "version": 1,
        "seed": 7,
        "duration": "PT2H",
        "containerInstances": [
            {"instanceType": "m5.2xlarge", "availabilityZone": "us-east-1a", "count": 5},
            {"instanceType": "m5.2xlarge", "availabilityZone": "us-east-1b", "count": 5}
        ],
        "taskDefinitions": [{
            "family": "web", "cpu": "1024", "memory": "2048",
            "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 2048,
                "portMappings": [{"containerPort": 80, "hostPort": 0}]}]
        }],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": desired_count}]
    });
    for (k, x) in extra.as_object().unwrap() {
        if k == "service" {
            for (sk, sv) in x.as_object().unwrap() {
                v["services"][0][sk] = sv.clone();
            }
        } else {
            v[k] = x.clone();
        }
    }
    v
}

fn scalable(min: u32, max: u32) -> Value {
    json!([{"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": min, "MaxCapacity": max}])
}

fn cpu_policy(target: f64, extra: Value) -> Value {
    let mut cfg = json!({"TargetValue": target,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}});
    for (k, x) in extra.as_object().unwrap() {
        cfg[k] = x.clone();
    }
    json!([{"PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": cfg}])
}

/// Requests straight to the service's tasks: 1,024 unit-ms (1 ms of a vCPU) per request and
/// no idle CPU, so `n` tasks of 1,024 units at `rps` requests/s run at `100 × rps / (n × 1000)` %.
fn service_load(requests: Value) -> Value {
    json!([{"service": "web", "requests": requests,
            "cost": {"cpuUnitMsPerRequest": 1024, "idleCpuUnits": 0, "baselineMemoryMiB": 100}}])
}

/// The first service's events, oldest first.
fn service_events(sim: &Simulation) -> Vec<&str> {
    sim.services()[0]
        .events
        .iter()
        .map(|e| e.message.as_str())
        .collect()
}

fn cpu_metric() -> MetricId {
    MetricId::new(
        "AWS/ECS",
        "CPUUtilization",
        &[("ClusterName", "default"), ("ServiceName", "web")],
    )
}

#[test]
fn target_tracking_above_the_tasks_per_service_quota_scales_once_4_9() {
    // A MaxCapacity of 6,000 above the quota of 5,000 tasks per service (4.9): the desired
    // count stops at 5,000 with one activity that says so, not one a minute that says "to
    // 6000" while nothing changes.
    let mut s = sim(base(
        4,
        json!({
            "scalableTargets": scalable(2, 6000),
            "scalingPolicies": cpu_policy(0.001, json!({"ScaleOutCooldown": 0})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 3200})),
        }),
    ));
    at(&mut s, 10 * MIN);
    assert_eq!(desired(&s), 5000);
    let activities = s.scaling_activities();
    assert_eq!(activities.len(), 1, "{activities:?}");
    assert_eq!(activities[0].description, "Setting desired count to 5000.");
    assert!(
        activities[0].cause.ends_with("from 4 to 5000."),
        "{}",
        activities[0].cause
    );
}

#[test]
fn g22_target_tracking_scale_out_timeline() {
    // 4 tasks at 80 % CPU against a 50 % target.
    let mut s = sim(base(
        4,
        json!({
            "scalableTargets": scalable(2, 10),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 3200})),
        }),
    ));
    at(&mut s, 3 * MIN - 1);
    assert_eq!(desired(&s), 4, "no scale-out before 3 datapoints");
    let minute0 = s
        .cloudwatch()
        .get(&cpu_metric(), 0)
        .expect("a datapoint for minute 0");
    assert!(
        (minute0.sum - 80.0).abs() < 1e-6,
        "CPUUtilization {}",
        minute0.sum
    );
    at(&mut s, 3 * MIN);
    assert_eq!(
        desired(&s),
        7,
        "3 of 3 datapoints above 50: ceil(4 × 80 / 50) = 7 at t = 3 min"
    );
    let a = &s.scaling_activities()[0];
    assert_eq!(a.at_ms, 180_000);
    assert_eq!(a.description, "Setting desired count to 7.");
    assert!(
        a.cause
            .starts_with("monitor alarm TargetTracking-service/default/web-AlarmHigh-"),
        "{}",
        a.cause
    );
    assert!(
        a.cause.ends_with(
            "in state ALARM triggered policy cpu changing the desired capacity from 4 to 7."
        ),
        "{}",
        a.cause
    );
    // With 7 tasks the CPU is 3200 / 7000 = 45.7 %: above the low threshold (45 %), below 50 %.
    at(&mut s, 60 * MIN);
    assert_eq!(
        desired(&s),
        7,
        "no further scale-out, and 45.7 % is within 10 % of the target"
    );
    assert_eq!(s.scaling_activities().len(), 1);
}

#[test]
fn g22_a_second_scale_out_inside_the_cooldown_needs_a_larger_capacity() {
    // 4 tasks at 80 %, then the load doubles at 4 min, inside the 300 s scale-out cooldown.
    let mut s = sim(base(
        4,
        json!({
            "scalableTargets": scalable(2, 20),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "step", "initial": 3200,
                "steps": [{"at": 4 * MIN, "requestsPerSecond": 6400}]})),
        }),
    ));
    at(&mut s, 3 * MIN);
    assert_eq!(desired(&s), 7);
    // From minute 4, 7 tasks at 6400 rps run at 91 %: ceil(7 × 91.4 / 50) = 13 > 7, so the
    // alarm (3 datapoints: minutes 4, 5, 6) scales out again inside the cooldown.
    at(&mut s, 7 * MIN);
    assert_eq!(desired(&s), 13, "{:?}", s.scaling_activities());
    assert_eq!(s.scaling_activities()[1].at_ms, 7 * MIN * 1000);
}

#[test]
fn g23_target_tracking_scale_in_and_its_cooldown() {
    // 10 tasks at 30 % for 15 minutes, then 10 % from minute 16; scale-in cooldown 30 min.
    let mut s = sim(base(
        10,
        json!({
            "scalableTargets": scalable(2, 10),
            "scalingPolicies": cpu_policy(50.0, json!({"ScaleInCooldown": 1800})),
            "loadProfiles": service_load(json!({"type": "step", "initial": 3000,
                "steps": [{"at": 16 * MIN, "requestsPerSecond": 600}]})),
        }),
    ));
    at(&mut s, 15 * MIN - 1);
    assert_eq!(desired(&s), 10, "15 of 15 datapoints are needed");
    at(&mut s, 15 * MIN);
    assert_eq!(desired(&s), 6, "ceil(10 × 30 / 50) = 6 at t = 15 min");
    // From minute 16, 6 tasks at 600 rps run at 10 %: the low alarm is back in ALARM at
    // minute 31, but the scale-in cooldown lasts until minute 45.
    at(&mut s, 44 * MIN);
    assert_eq!(desired(&s), 6, "scale-in waits for the cooldown");
    at(&mut s, 45 * MIN);
    assert_eq!(
        desired(&s),
        2,
        "ceil(6 × 10 / 50) = 2 once the cooldown ends"
    );
}

/// Section 12 item 5: the target-tracking alarms' datapoints and low threshold are
/// [observed]/[unconfirmed], so a scenario sets them (`options.targetTrackingAlarms`); G22's and
/// G23's timelines move with them.
#[test]
fn section_12_target_tracking_alarm_settings_move_the_g22_and_g23_timelines() {
    let options = json!({"targetTrackingAlarms": {"highAlarmDatapoints": 1, "lowAlarmDatapoints": 5, "lowAlarmFraction": 0.5}});
    let mut out = sim(base(
        4,
        json!({
            "options": options,
            "scalableTargets": scalable(2, 10),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 3200})),
        }),
    ));
    at(&mut out, MIN - 1);
    assert_eq!(desired(&out), 4);
    at(&mut out, MIN);
    assert_eq!(desired(&out), 7, "G22 after 1 datapoint instead of 3");
    let low = out
        .alarms()
        .iter()
        .find(|a| a.name.contains("-AlarmLow-"))
        .expect("the low alarm");
    assert_eq!(
        (low.threshold, low.evaluation_periods),
        (25.0, 5),
        "half the target, 5 of 5"
    );

    // G23's 30 % is no longer under the low threshold (25 %); 10 % is, after 5 minutes.
    let mut in_ = sim(base(
        10,
        json!({
            "options": options,
            "scalableTargets": scalable(2, 10),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "step", "initial": 3000,
                "steps": [{"at": 16 * MIN, "requestsPerSecond": 1000}]})),
        }),
    ));
    at(&mut in_, 16 * MIN);
    assert_eq!(desired(&in_), 10, "30 % stays above half the target");
    at(&mut in_, 21 * MIN - 1);
    assert_eq!(desired(&in_), 10);
    at(&mut in_, 21 * MIN);
    assert_eq!(
        desired(&in_),
        2,
        "5 of 5 datapoints at 10 %: ceil(10 × 10 / 50) = 2"
    );
}

#[test]
fn g23_a_scale_out_during_the_scale_in_cooldown_acts_at_once() {
    let mut s = sim(base(
        10,
        json!({
            "scalableTargets": scalable(2, 20),
            "scalingPolicies": cpu_policy(50.0, json!({"ScaleInCooldown": 3600})),
            "loadProfiles": service_load(json!({"type": "step", "initial": 3000,
                "steps": [{"at": 20 * MIN, "requestsPerSecond": 6000}]})),
        }),
    ));
    at(&mut s, 15 * MIN);
    assert_eq!(desired(&s), 6);
    // 6 tasks at 6000 rps: 100 % from minute 20; the high alarm fires at minute 23.
    at(&mut s, 23 * MIN);
    assert_eq!(
        desired(&s),
        12,
        "ceil(6 × 100 / 50), inside the scale-in cooldown"
    );
}

#[test]
fn target_tracking_disable_scale_in_never_scales_in() {
    let mut s = sim(base(
        10,
        json!({
            "scalableTargets": scalable(2, 10),
            "scalingPolicies": cpu_policy(50.0, json!({"DisableScaleIn": true})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 1000})),
        }),
    ));
    at(&mut s, 60 * MIN);
    assert_eq!(desired(&s), 10);
}

fn step_policy() -> Value {
    json!([{"PolicyName": "step-out", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {"AdjustmentType": "PercentChangeInCapacity", "Cooldown": 300,
            "StepAdjustments": [
                {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 0},
                {"MetricIntervalLowerBound": 10, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 10},
                {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 30}]}}])
}

fn cpu_alarm(threshold: f64, above: bool, policy: &str) -> Value {
    json!({"AlarmName": format!("cpu-{}", if above { "high" } else { "low" }), "Namespace": "AWS/ECS",
        "MetricName": "CPUUtilization", "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1,
        "Dimensions": [{"Name": "ClusterName", "Value": "default"}, {"Name": "ServiceName", "Value": "web"}],
        "Threshold": threshold,
        "ComparisonOperator": if above { "GreaterThanOrEqualToThreshold" } else { "LessThanThreshold" },
        "AlarmActions": [format!("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/ecs/service/default/web:policyName/{policy}")]})
}

#[test]
fn g24_step_scaling_timeline() {
    // 10 tasks at 60 %: 10 above the 50 % threshold → +10 % of 10 → 11 at t = 1 min.
    let mut s = sim(base(
        10,
        json!({
            "scalableTargets": scalable(1, 40),
            "scalingPolicies": step_policy(),
            "alarms": [cpu_alarm(50.0, true, "step-out")],
            "loadProfiles": service_load(json!({"type": "step", "initial": 6000,
                "steps": [{"at": 20 * MIN, "requestsPerSecond": 7700}]})),
        }),
    ));
    at(&mut s, MIN);
    assert_eq!(desired(&s), 11, "{:?}", s.scaling_activities());
    assert!(s.scaling_activities()[0].cause.starts_with("monitor alarm cpu-high in state ALARM triggered policy step-out changing the desired capacity from 10 to 11."));
    // 11 tasks at 6000 rps: 54.5 %, in the [0, 10) step: no change.
    at(&mut s, 19 * MIN);
    assert_eq!(desired(&s), 11);
    // From minute 20, 11 tasks at 7700 rps: 70 % → +30 % of 11 = 3.3 → 3 → 14 at minute 21.
    at(&mut s, 21 * MIN);
    assert_eq!(desired(&s), 14);
}

#[test]
fn a_step_scale_in_held_back_by_a_deployment_starts_no_cooldown_5_4() {
    // 6 tasks at 10 % CPU, an alarm below 20 % that removes one task with a 600 s cooldown,
    // and a deployment at once (forceNewDeployment): scale-in waits while it runs (4.3).
    // Held back, the step changed nothing, so it starts no cooldown: the first scale-in comes
    // the minute after the deployment completes, not ten minutes after the alarm fired.
    let policy = json!([{"PolicyName": "step-in", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "Cooldown": 600,
            "StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]}}]);
    let mut s = sim(base(
        6,
        json!({
            "scalableTargets": scalable(1, 10),
            "scalingPolicies": policy,
            "alarms": [cpu_alarm(20.0, false, "step-in")],
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 600})),
            "updateServices": [{"at": 30, "service": "web", "forceNewDeployment": true}],
        }),
    ));
    let mut completed_at = None;
    for minute in 1..12 {
        at(&mut s, minute * MIN);
        let deployments = &s.services()[0].deployments;
        if completed_at.is_none()
            && deployments.len() > 1
            && deployments.last().unwrap().rollout_state
                == ecs_engine::deployment::RolloutState::Completed
        {
            completed_at = Some(minute);
        }
    }
    let completed_at = completed_at.expect("the deployment completes within 11 minutes");
    let first = s.scaling_activities().first().expect("a scale-in");
    assert_eq!(first.description, "Setting desired count to 5.");
    assert!(
        first.at_ms <= (completed_at + 1) * MIN * 1000,
        "scale-in at {} s, deployment completed by minute {completed_at}",
        first.at_ms / 1000
    );
}

#[test]
fn g26_clamping_to_min_and_max() {
    // Desired 1 below the minimum 2, and a scale-out alarm: desired goes to 2 (then by policy).
    let mut s = sim(base(
        1,
        json!({
            "scalableTargets": scalable(2, 6),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 600})),
        }),
    ));
    at(&mut s, 3 * MIN);
    assert_eq!(
        desired(&s),
        2,
        "1 task at 60 %: ceil(1.2) = 2, and at least the minimum"
    );
    // Desired 9 above the maximum 6: a scale-out alarm changes nothing…
    let mut s = sim(base(
        9,
        json!({
            "scalableTargets": scalable(2, 6),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 8000})),
        }),
    ));
    at(&mut s, 10 * MIN);
    assert_eq!(desired(&s), 9);
    // …and a scale-in alarm brings it to the maximum.
    let mut s = sim(base(
        9,
        json!({
            "scalableTargets": scalable(2, 6),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 900})),
        }),
    ));
    at(&mut s, 15 * MIN);
    assert_eq!(desired(&s), 6);
}

#[test]
fn g27_scheduled_actions_in_a_time_zone() {
    // Monday 2025-01-06 06:00Z; 08:00 in Berlin is 07:00Z, one hour in.
    let mut s = sim(base(
        4,
        json!({
            "startTime": "2025-01-06T06:00:00Z",
            "duration": "PT20H",
            "scalableTargets": scalable(1, 8),
            "scheduledActions": [
                {"ScheduledActionName": "morning", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
                 "ScalableDimension": "ecs:service:DesiredCount", "Schedule": "cron(0 8 ? * MON-FRI *)",
                 "Timezone": "Europe/Berlin", "ScalableTargetAction": {"MinCapacity": 10, "MaxCapacity": 20}},
                {"ScheduledActionName": "evening", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
                 "ScalableDimension": "ecs:service:DesiredCount", "Schedule": "at(2025-01-06T20:00:00)",
                 "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 5}}
            ],
        }),
    ));
    at(&mut s, 3600 - 1);
    assert_eq!(desired(&s), 4);
    at(&mut s, 3600);
    assert_eq!(desired(&s), 10, "below the new minimum: scale out to it");
    assert_eq!(s.scalable_targets()[0].min, 10);
    at(&mut s, 14 * 3600);
    assert_eq!(desired(&s), 5, "at(20:00 UTC) with Max 5 while at 10");
    assert_eq!(
        (s.scalable_targets()[0].min, s.scalable_targets()[0].max),
        (0, 5),
        "nothing is restored"
    );
}

fn alb(extra_tg: Value) -> Value {
    let mut tg = json!({"Name": "web", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"});
    for (k, x) in extra_tg.as_object().unwrap() {
        tg[k] = x.clone();
    }
    json!({
        "targetGroups": [tg],
        "service": {"loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef", "containerName": "app", "containerPort": 80}]},
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    for (k, x) in b.as_object().unwrap() {
        a[k] = x.clone();
    }
    a
}

#[test]
fn g14_g34_targets_register_on_dynamic_ports_and_turn_healthy_after_150_s() {
    let mut s = sim(base(4, alb(json!({}))));
    at(&mut s, 20);
    let tg = &s.target_groups()[0];
    assert_eq!(tg.targets.len(), 4);
    let mut seen = std::collections::BTreeSet::new();
    for t in &tg.targets {
        assert!(
            (32768..=60999).contains(&t.port),
            "dynamic host port {}",
            t.port
        );
        assert!(t.id.starts_with("i-0"));
        assert!(
            seen.insert((t.id.clone(), t.port)),
            "instance:hostPort unique"
        );
        assert_eq!(t.state, TargetState::Initial);
    }
    let running_at = s.tasks()[0].started_at.unwrap().as_ms() / 1000;
    at(&mut s, running_at + 149);
    assert!(s.target_groups()[0]
        .targets
        .iter()
        .all(|t| t.state == TargetState::Initial));
    at(&mut s, running_at + 150);
    assert!(
        s.target_groups()[0]
            .targets
            .iter()
            .all(|t| t.state == TargetState::Healthy),
        "5 × 30 s"
    );
    assert!(s.services()[0]
        .events
        .iter()
        .any(|e| e.message.contains("has reached a steady state")));
}

#[test]
fn g34_blocked_dynamic_ports_fail_health_checks_and_ecs_replaces_the_task_8_5() {
    let mut v = merge(
        base(1, alb(json!({}))),
        json!({
            "securityGroups": [
                {"GroupId": "sg-alb", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
                {"GroupId": "sg-hosts", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": "sg-alb"}]}]}
            ],
            "loadBalancers": [{"Name": "front", "Type": "application", "SecurityGroups": ["sg-alb"]}],
            "listeners": [{"LoadBalancerArn": "front", "Port": 80, "Protocol": "HTTP",
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web"}]}]
        }),
    );
    for group in v["containerInstances"].as_array_mut().unwrap() {
        group["securityGroups"] = json!(["sg-hosts"]);
    }
    v["services"][0]["healthCheckGracePeriodSeconds"] = json!(120);
    let mut s = sim(v);
    at(&mut s, 20);
    let started = s.tasks()[0].started_at.unwrap().as_ms() / 1000;
    at(&mut s, started + 60);
    let t = &s.target_groups()[0].targets[0];
    assert_eq!(
        (t.state, t.reason),
        (TargetState::Unhealthy, Some("Target.Timeout")),
        "2 × 30 s of timeouts"
    );
    assert!(
        s.tasks()[0].is_active(),
        "the 120 s grace period still runs"
    );
    at(&mut s, started + 120);
    // 4.3: maximumPercent 200 leaves room, so the replacement starts first and the unhealthy
    // task keeps running until the replacement is healthy.
    assert!(s.tasks()[0].is_active());
    assert!(s.tasks()[0].unhealthy_stop.is_some());
    assert_eq!(s.tasks().len(), 2, "a replacement was started");
    // The replacement's ports are blocked too: when its own grace period ends it is unhealthy
    // as well, and the older unhealthy task stops so the service stays within maximumPercent.
    let second = until_running(&mut s, 1);
    at(&mut s, second + 119);
    assert!(
        s.tasks()[0].is_active(),
        "the replacement's grace period runs"
    );
    at(&mut s, second + 120);
    let task = &s.tasks()[0];
    assert!(!task.is_active());
    assert!(s.tasks()[1].is_active() && s.tasks()[1].unhealthy_stop.is_some());
    assert_eq!(
        s.tasks().iter().filter(|t| t.is_active()).count(),
        2,
        "one more replacement, within maximumPercent (2 tasks)"
    );
    assert_eq!(task.stop_code.as_deref(), Some("ServiceSchedulerInitiated"));
    assert!(task.stopped_reason.as_deref().unwrap().starts_with(
        "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:"
    ));
    // 3.8: the documented event, with the instance and the registered port.
    let want = format!(
        "(service web) (task {}) (instance {}) (port {}) is unhealthy in (target-group web) due to (reason Request timed out)",
        task.id,
        s.cluster().instances[task.reservation.slot].ec2_instance_id,
        task.reservation.bindings[0].host_port
    );
    assert!(
        s.services()[0].events.iter().any(|e| e.message == want),
        "{want}"
    );
}

#[test]
fn g33_stop_sequence_behind_an_alb() {
    // Scale-in from 2 to 1 at 10 minutes via UpdateService.
    let mut v = base(2, alb(json!({})));
    v["updateServices"] = json!([{"at": "PT10M", "service": "web", "desiredCount": 1}]);
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    let (t, task) = s
        .tasks()
        .iter()
        .enumerate()
        .find(|(_, t)| !t.is_active())
        .expect("one task chosen");
    assert_eq!(task.last_status, TaskStatus::Deactivating);
    let target = s.target_groups()[0]
        .targets
        .iter()
        .find(|x| x.task == t)
        .unwrap();
    assert_eq!(
        (target.state, target.reason),
        (
            TargetState::Draining,
            Some("Target.DeregistrationInProgress")
        )
    );
    at(&mut s, 10 * MIN + 299);
    assert_eq!(
        s.tasks()[t].last_status,
        TaskStatus::Deactivating,
        "300 s deregistration delay"
    );
    at(&mut s, 10 * MIN + 300);
    assert_eq!(
        s.tasks()[t].last_status,
        TaskStatus::Stopping,
        "SIGTERM at t = 300 s"
    );
    at(&mut s, 10 * MIN + 330);
    let task = &s.tasks()[t];
    assert_eq!(
        task.last_status,
        TaskStatus::Stopped,
        "at most stopTimeout (30 s) later"
    );
    assert_eq!(task.stop_code.as_deref(), Some("ServiceSchedulerInitiated"));
    assert!(
        s.target_groups()[0].targets.iter().all(|x| x.task != t),
        "deregistered"
    );
}

#[test]
fn g36_out_of_memory_kill_and_replacement() {
    let mut v = base(1, json!({}));
    v["loadProfiles"] = json!([{"service": "web", "requests": {"type": "constant", "requestsPerSecond": 10},
        "cost": {"baselineMemoryMiB": 2100}}]);
    let mut s = sim(v);
    at(&mut s, 30);
    let task = &s.tasks()[0];
    assert_eq!(task.exit_code, Some(137));
    assert_eq!(
        task.container_reason.as_deref(),
        Some("OutOfMemoryError: Container killed due to memory usage")
    );
    assert_eq!(
        task.stopped_reason.as_deref(),
        Some("Essential container in task exited")
    );
    assert_eq!(task.stop_code.as_deref(), Some("EssentialContainerExited"));
    assert!(
        s.tasks().len() >= 2,
        "the service replaced it at once (no throttle)"
    );
}

#[test]
fn alb_metrics_and_routing_follow_the_load_8_4() {
    let v_load = || {
        json!([{"targetGroup": "web", "requests": {"type": "constant", "requestsPerSecond": 100},
            "cost": {"cpuUnitMsPerRequest": 1024, "idleCpuUnits": 0}}])
    };
    let mut v = base(4, alb(json!({})));
    v["loadProfiles"] = v_load();
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    let dims = [(
        "TargetGroup",
        s.target_groups()[0]
            .arn
            .split_once("targetgroup/")
            .map(|(_, r)| format!("targetgroup/{r}"))
            .unwrap(),
    )];
    let per_target = MetricId::new(
        "AWS/ApplicationELB",
        "RequestCountPerTarget",
        &[("TargetGroup", dims[0].1.as_str())],
    );
    let d = s.cloudwatch().get(&per_target, 8).expect("minute 8");
    assert!(
        (d.sum - 1500.0).abs() < 1e-6,
        "6000 requests a minute over 4 healthy targets: {}",
        d.sum
    );
    // Section 12 item 12: while no target is healthy yet, the healthy divisor is at least one;
    // counting registered targets instead shares the minute's requests among all four.
    let minute1 = s.cloudwatch().get(&per_target, 1).expect("minute 1");
    assert!((minute1.sum - 6000.0).abs() < 1e-6, "{}", minute1.sum);
    let mut registered = base(4, alb(json!({})));
    registered["loadProfiles"] = v_load();
    registered["options"] = json!({"requestCountPerTargetDivisor": "registeredTargets"});
    let mut r = sim(registered);
    at(&mut r, 10 * MIN);
    let d = r.cloudwatch().get(&per_target, 1).expect("minute 1");
    assert!(
        (d.sum - 1500.0).abs() < 1e-6,
        "6000 over 4 registered: {}",
        d.sum
    );
    // Before any target is healthy (minute 0–2), the ALB fails open and sends requests to all.
    let loads = s.task_loads();
    for (t, task) in s.tasks().iter().enumerate() {
        assert_eq!(task.last_status, TaskStatus::Running);
        assert!(
            (loads[t].offered_rps - 25.0).abs() < 1e-9,
            "round robin: equal shares"
        );
    }
}

#[test]
fn the_benchmark_day_scales_out_and_back_and_deploys() {
    let json = ecs_engine::workload::closed_loop_day(30, 3, 1500.0, true);
    let sim = ecs_engine::run_scenario(&json).expect("runs");
    let activities = sim.scaling_activities();
    assert!(
        activities.iter().any(|a| a.cause.contains("AlarmHigh")),
        "scales out toward the peak"
    );
    assert!(
        activities.iter().any(|a| a.cause.contains("AlarmLow")),
        "scales in after it"
    );
    assert!(sim.services()[0]
        .events
        .iter()
        .any(|e| e.message.contains("deployment completed")));
}

/// Every scaling policy of `../shared/corpus/scaling-policies` is handled as Application Auto
/// Scaling would for the `ecs` namespace: full PutScalingPolicy requests and bare
/// configurations load; the EC2 Auto Scaling near-miss (`ASGAverageCPUUtilization`) is refused
/// naming the field. Skipped when the corpus is absent.
#[test]
fn corpus_scaling_policies() {
    use ecs_engine::autoscaling::step_scaling::StepScaling;
    use ecs_engine::autoscaling::target_tracking::TargetTracking;
    use ecs_engine::autoscaling::PolicyRequest;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/scaling-policies");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("corpus not present at {}", dir.display());
        return;
    };
    let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    let mut outcomes = Vec::new();
    for f in &files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let result = if v.get("PolicyName").is_some() {
            PolicyRequest::parse(&v, "p").map(|_| ())
        } else if v.get("StepAdjustments").is_some() {
            StepScaling::parse(&v, "p").map(|_| ())
        } else {
            TargetTracking::parse(&v, "p").map(|_| ())
        };
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        println!("{name}: {result:?}");
        outcomes.push((name, result));
    }
    assert_eq!(outcomes.len(), 12);
    for (name, result) in &outcomes {
        if name.contains("asg-tt-near-miss") {
            let e = result.as_ref().unwrap_err();
            assert!(
                e.starts_with("p.PredefinedMetricSpecification.PredefinedMetricType"),
                "{name}: {e}"
            );
        } else {
            assert!(result.is_ok(), "{name}: {result:?}");
        }
    }
}

/// A service of one m5.large instance and `web:1` (image `nginx:1`), then whatever `extra`
/// adds; for lifecycle tests.
fn lifecycle_base(extra: Value) -> Value {
    let td = |image: &str, health: bool| {
        let mut c = json!({"name": "app", "image": image, "memory": 256, "essential": true});
        if health {
            c["healthCheck"] = json!({"command": ["CMD-SHELL", "curl -f localhost/ || exit 1"], "interval": 10, "retries": 3});
        }
        json!({"family": "web", "containerDefinitions": [c]})
    };
    merge(
        json!({
            "version": 1, "seed": 3, "duration": "PT2H",
            "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}],
            "taskDefinitions": [td("nginx:1", true), td("nginx:missing", true)],
            "services": [{"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 2,
                "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}}}],
        }),
        extra,
    )
}

#[test]
fn lifecycle_image_pull_time_and_the_cached_second_pull() {
    let mut s = sim(lifecycle_base(json!({})));
    at(&mut s, 20);
    // Both tasks land on the one instance at t = 0: provisioning 1 s, then each pulls the
    // 200 MiB image at 25 MiB/s (8 s) and starts (2 s).
    for t in s.tasks() {
        assert_eq!(t.started_at, Some(SimTime(11_000)));
    }
    // DescribeTasks carries the same times, and the version the state changes counted.
    let out = s.describe();
    let task = &out["tasks"][0];
    assert_eq!(task["connectivity"], "CONNECTED");
    assert_eq!(task["pullStartedAt"], "2025-01-01T00:00:01.000Z");
    assert_eq!(task["pullStoppedAt"], "2025-01-01T00:00:09.000Z");
    assert_eq!(task["startedAt"], "2025-01-01T00:00:11.000Z");
    assert_eq!(
        task["version"], 4,
        "PROVISIONING, PENDING, ACTIVATING, RUNNING"
    );
    assert!(task.get("stoppingAt").is_none());
    // A third task after a scale-out finds the image cached: 1 + 1 + 2 s.
    let mut v = lifecycle_base(json!({}));
    v["updateServices"] = json!([{"at": 60, "service": "web", "desiredCount": 3}]);
    let mut s = sim(v);
    at(&mut s, 70);
    assert_eq!(s.tasks()[2].started_at, Some(SimTime(64_000)));
}

#[test]
fn depends_on_orders_the_container_starts_1_10() {
    // An init container (COMPLETE, 5 s by default) and a proxy with a 10 s health check the
    // app waits for (HEALTHY): the app starts 5 + 10 s after the first containers, so the task
    // is RUNNING 15 s later than without the dependencies. Each image pulls in 8 s.
    let mut v = lifecycle_base(json!({}));
    v["services"][0]["desiredCount"] = json!(1);
    v["taskDefinitions"][0]["containerDefinitions"] = json!([
        {"name": "init", "image": "init:1", "memory": 64, "essential": false},
        {"name": "proxy", "image": "envoy:1", "memory": 64, "essential": true,
         "dependsOn": [{"containerName": "init", "condition": "COMPLETE"}],
         "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 10}},
        {"name": "app", "image": "nginx:1", "memory": 256, "essential": true,
         "dependsOn": [{"containerName": "proxy", "condition": "HEALTHY"}]}
    ]);
    let mut s = sim(v.clone());
    at(&mut s, 60);
    // Provisioning 1 s, three pulls of 8 s, the start 2 s, then 15 s of waits.
    assert_eq!(s.tasks()[0].started_at, Some(SimTime(42_000)));
    for c in v["taskDefinitions"][0]["containerDefinitions"]
        .as_array_mut()
        .unwrap()
    {
        c.as_object_mut().unwrap().remove("dependsOn");
    }
    let mut s = sim(v);
    at(&mut s, 60);
    assert_eq!(s.tasks()[0].started_at, Some(SimTime(27_000)));
}

#[test]
fn g37_image_pull_failure_throttles_the_service_and_update_service_resets_it() {
    let mut v =
        lifecycle_base(json!({"faults": [{"type": "ImagePullFailure", "image": "nginx:missing"}]}));
    v["services"][0]["taskDefinition"] = json!("web:2");
    v["services"][0]["desiredCount"] = json!(1);
    v["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("deploymentConfiguration");
    v["updateServices"] = json!([{"at": "PT30M", "service": "web", "taskDefinition": "web:1"}]);
    let mut s = sim(v);
    at(&mut s, 29 * MIN);
    let starts: Vec<u64> = s.tasks().iter().map(|t| t.created_at.as_secs()).collect();
    // Each attempt fails at the end of its pull (11 s); the next waits 30 s, 60 s, 120 s, …
    assert_eq!(
        &starts[..5],
        &[0, 41, 112, 243, 494],
        "back-off doubling from 30 s"
    );
    for t in s.tasks() {
        assert_eq!(t.last_status, TaskStatus::Stopped);
        assert!(t.started_at.is_none(), "PENDING → STOPPED, never RUNNING");
        assert_eq!(t.stop_code.as_deref(), Some("TaskFailedToStart"));
        assert_eq!(t.stopped_reason.as_deref(), Some("CannotPullContainerError: API error (404): repository or tag nginx:missing not found"));
    }
    assert!(s.services()[0].events.iter().any(|e| e
        .message
        .contains("is unable to consistently start tasks successfully")));
    at(&mut s, 31 * MIN);
    let last = s.tasks().last().unwrap();
    assert_eq!(
        last.created_at,
        SimTime(30 * MIN * 1000),
        "UpdateService resets the back-off at once"
    );
    assert_eq!(last.last_status, TaskStatus::Running);
}

#[test]
fn g19_circuit_breaker_fails_the_deployment_and_rolls_back() {
    let mut v =
        lifecycle_base(json!({"faults": [{"type": "ImagePullFailure", "image": "nginx:missing"}]}));
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"}]);
    let mut s = sim(v);
    at(&mut s, 60 * MIN);
    let events = service_events(&s);
    assert!(
        events.iter().any(|e| e.contains("deployment failed")),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("rolling back to deployment")),
        "{events:#?}"
    );
    let failed = s
        .tasks()
        .iter()
        .filter(|t| t.stop_code.as_deref() == Some("TaskFailedToStart"))
        .count();
    // The threshold is max(3, ceil(2 / 2)) = 3; two tasks start at a time (maximumPercent
    // 200), so the third failure trips the breaker while the fourth is already in flight.
    assert_eq!(failed, 4);
    assert_eq!(
        s.services()[0].task_definition,
        "web:1",
        "rolled back to the last COMPLETED deployment"
    );
    let running: Vec<_> = s.tasks().iter().filter(|t| t.is_active()).collect();
    assert_eq!(running.len(), 2);
    assert!(running
        .iter()
        .all(|t| t.last_status == TaskStatus::Running && t.task_definition_arn.ends_with("web:1")));
}

#[test]
fn container_health_check_failure_gets_the_task_replaced_4_4() {
    let v = lifecycle_base(
        json!({"faults": [{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT10M"}]}),
    );
    let mut s = sim(v);
    // healthStatus (1.11, G35) in DescribeTasks: the essential container's check decides.
    let health = |s: &Simulation| {
        let out = s.describe();
        let task = &out["tasks"][0];
        (
            task["healthStatus"].as_str().unwrap().to_string(),
            task["containers"][0]["healthStatus"]
                .as_str()
                .unwrap()
                .to_string(),
        )
    };
    at(&mut s, 10 * MIN + 29);
    assert!(s.tasks()[0].is_active(), "3 retries × 10 s");
    assert_eq!(health(&s), ("HEALTHY".into(), "HEALTHY".into()));
    at(&mut s, 10 * MIN + 30);
    assert_eq!(health(&s), ("UNHEALTHY".into(), "UNHEALTHY".into()));
    // 4.3: maximumPercent 200 leaves room: the replacement starts first, and the unhealthy
    // task runs on until the replacement is HEALTHY (its first check, 10 s after RUNNING).
    assert!(s.tasks()[0].is_active());
    assert_eq!(s.tasks().len(), 3, "a replacement was started");
    let healthy_at = until_running(&mut s, 2) + 10;
    at(&mut s, healthy_at - 1);
    assert!(
        s.tasks()[0].is_active(),
        "the replacement is not healthy yet"
    );
    at(&mut s, healthy_at);
    let t = &s.tasks()[0];
    assert!(!t.is_active());
    assert_eq!(
        t.stopped_reason.as_deref(),
        Some("Task failed container health checks")
    );
    let stopped = format!(
        "(service web) has stopped 1 running tasks: (task {}).",
        t.id
    );
    assert!(s.services()[0].events.iter().any(|e| e.message == stopped));
    at(&mut s, 11 * MIN);
    assert_eq!(
        s.tasks()
            .iter()
            .filter(|t| t.is_active() && t.last_status == TaskStatus::Running)
            .count(),
        2,
        "replaced"
    );
}

#[test]
fn without_room_under_maximum_percent_unhealthy_tasks_stop_one_at_a_time_4_3() {
    // maximumPercent 100 leaves no room for a replacement: the scheduler stops one unhealthy
    // task, starts its replacement, and stops the next only once that replacement is healthy.
    let mut v = lifecycle_base(
        json!({"faults": [{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT10M", "count": 2}]}),
    );
    v["services"][0]["deploymentConfiguration"]["maximumPercent"] = json!(100);
    let mut s = sim(v);
    at(&mut s, 10 * MIN + 30);
    let active = |s: &Simulation| -> Vec<usize> {
        (0..s.tasks().len())
            .filter(|&t| s.tasks()[t].is_active())
            .collect()
    };
    assert_eq!(
        active(&s),
        vec![1, 2],
        "task 0 stopped, its replacement 2 started"
    );
    assert_eq!(
        s.tasks()[0].stopped_reason.as_deref(),
        Some("Task failed container health checks")
    );
    assert!(s.tasks()[1].unhealthy_stop.is_some());
    let healthy_at = until_running(&mut s, 2) + 10;
    at(&mut s, healthy_at - 1);
    assert_eq!(active(&s), vec![1, 2], "task 1 waits for task 2");
    at(&mut s, healthy_at);
    assert_eq!(
        active(&s),
        vec![2, 3],
        "then task 1 stops and 3 replaces it"
    );
    // Never more than maximumPercent (2) tasks at once.
    at(&mut s, 12 * MIN);
    assert_eq!(active(&s).len(), 2);
    assert!(s.services()[0]
        .events
        .last()
        .is_some_and(|e| e.message.contains("has reached a steady state")));
}

#[test]
fn without_resources_for_a_replacement_the_unhealthy_task_stops_first_4_3() {
    // Room under maximumPercent (200) but not on the cluster: two 1024-unit tasks fill the
    // m5.large, so the replacement cannot be placed; the unhealthy task stops to make room
    // ("as long as cluster resources for starting replacement tasks are available").
    let mut v = lifecycle_base(
        json!({"faults": [{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT10M", "count": 1}]}),
    );
    v["taskDefinitions"][0]["containerDefinitions"][0]["cpu"] = json!(1024);
    let mut s = sim(v);
    at(&mut s, 10 * MIN + 30);
    assert!(!s.tasks()[0].is_active(), "stopped, not kept");
    assert_eq!(
        s.tasks()[0].stopped_reason.as_deref(),
        Some("Task failed container health checks")
    );
    at(&mut s, 11 * MIN + 30);
    assert_eq!(
        s.tasks().iter().filter(|t| t.is_active()).count(),
        2,
        "replaced"
    );
}

#[test]
fn a_service_scaled_in_stops_its_unhealthy_tasks_without_replacing_them_4_3() {
    // The unhealthy task waits for its replacement; when the desired count drops to the
    // healthy tasks, it is no longer needed and stops without a replacement.
    let mut v = lifecycle_base(
        json!({"faults": [{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT10M", "count": 1}],
               "updateServices": [{"at": "PT10M30S", "service": "web", "desiredCount": 1}]}),
    );
    v["services"][0]["deploymentConfiguration"]["maximumPercent"] = json!(200);
    let mut s = sim(v);
    at(&mut s, 10 * MIN + 31);
    assert!(!s.tasks()[0].is_active());
    assert_eq!(
        s.tasks()[0].stopped_reason.as_deref(),
        Some("Task failed container health checks")
    );
    at(&mut s, 12 * MIN);
    assert_eq!(s.tasks().iter().filter(|t| t.is_active()).count(), 1);
}

#[test]
fn essential_container_exit_stops_the_task_10_3() {
    let v = lifecycle_base(
        json!({"faults": [{"type": "EssentialContainerExit", "service": "web", "at": "PT10M", "exitCode": 2}]}),
    );
    let mut s = sim(v);
    at(&mut s, 10 * MIN + 1);
    let t = &s.tasks()[0];
    assert_eq!(
        (t.exit_code, t.stop_code.as_deref()),
        (Some(2), Some("EssentialContainerExited"))
    );
    assert_eq!(t.last_status, TaskStatus::Stopped);
}

#[test]
fn a_restart_policy_restarts_the_container_in_place_1_2() {
    // restartPolicy on the essential container, 60 s attempt period, exit code 0 ignored: the
    // exit at 10 minutes restarts it (it had run long enough); a second exit 30 s later is
    // inside the period, so the task stops; an ignored code stops the task at once.
    let with_policy = |faults: Value| {
        let mut v = lifecycle_base(json!({ "faults": faults }));
        v["taskDefinitions"][0]["containerDefinitions"][0]["restartPolicy"] =
            json!({"enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 60});
        sim(v)
    };
    let exit = |at: &str, code: i32| json!({"type": "EssentialContainerExit", "service": "web", "at": at, "count": 2, "exitCode": code});
    let mut s = with_policy(json!([exit("PT10M", 1), exit("PT10M30S", 1)]));
    at(&mut s, 10 * MIN + 1);
    assert!(s
        .tasks()
        .iter()
        .take(2)
        .all(|t| t.is_active() && t.restarts.0 == 1));
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("exited with code 1 and was restarted by its restartPolicy (restart 1)")));
    at(&mut s, 10 * MIN + 31);
    let stopped: Vec<_> = s.tasks().iter().take(2).collect();
    assert!(stopped
        .iter()
        .all(|t| t.stop_code.as_deref() == Some("EssentialContainerExited")));
    let mut s = with_policy(json!([exit("PT10M", 0)]));
    at(&mut s, 10 * MIN + 1);
    assert!(
        s.tasks().iter().take(2).all(|t| !t.is_active()),
        "exit code 0 is ignored"
    );
}

#[test]
fn g39_sqs_backlog_per_task_scaling_with_metric_math() {
    let resource = "service/default/worker";
    let v = json!({
        "version": 1, "seed": 9, "duration": "PT1H",
        "containerInstances": [{"instanceType": "m5.4xlarge", "availabilityZone": "us-east-1a", "count": 2}],
        "queues": [{"QueueName": "jobs", "initialMessages": 1500}],
        "taskDefinitions": [{"family": "worker", "cpu": "1024", "memory": "2048",
            "containerDefinitions": [{"name": "worker", "image": "worker:1", "essential": true}]}],
        "services": [{"serviceName": "worker", "taskDefinition": "worker", "desiredCount": 10}],
        "scalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": resource,
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 50}],
        "scalingPolicies": [{"PolicyName": "backlog", "ServiceNamespace": "ecs", "ResourceId": resource,
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                // 10 s acceptable latency / 0.1 s per message.
                "TargetValue": 100,
                "CustomizedMetricSpecification": {"Metrics": [
                    {"Id": "m1", "ReturnData": false, "MetricStat": {"Stat": "Sum", "Metric": {"Namespace": "AWS/SQS",
                        "MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": [{"Name": "QueueName", "Value": "jobs"}]}}},
                    {"Id": "m2", "ReturnData": false, "MetricStat": {"Stat": "Average", "Metric": {"Namespace": "ECS/ContainerInsights",
                        "MetricName": "RunningTaskCount", "Dimensions": [{"Name": "ClusterName", "Value": "default"}, {"Name": "ServiceName", "Value": "worker"}]}}},
                    {"Id": "e1", "Expression": "m1 / m2", "Label": "backlog per task", "ReturnData": true}
                ]}}}],
        // 0.1 s of a vCPU per message: a 1-vCPU worker takes 10 messages/s; ten of them keep
        // up with 100 messages/s once they run (t = 11 s), so the backlog holds at 1500.
        "loadProfiles": [{"queue": "jobs", "consumer": "worker",
            "requests": {"type": "step", "initial": 0, "steps": [{"at": 11, "requestsPerSecond": 100}]},
            "cost": {"cpuUnitMsPerRequest": 102400, "idleCpuUnits": 0}}]
    });
    let mut s = sim(v);
    at(&mut s, 3 * MIN - 1);
    assert!(
        (s.queues()[0].backlog - 1500.0).abs() < 1e-6,
        "{}",
        s.queues()[0].backlog
    );
    assert_eq!(desired(&s), 10);
    at(&mut s, 3 * MIN);
    assert_eq!(
        desired(&s),
        15,
        "backlog per task 150 against 100: ceil(10 × 150 / 100)"
    );
    // Fifteen workers (150 messages/s) drain the backlog within a minute of running.
    at(&mut s, 5 * MIN);
    assert!(s.queues()[0].backlog < 1.0, "{}", s.queues()[0].backlog);
    // With nothing waiting the low alarm scales the service in, and the growing backlog
    // brings it back out: the known see-saw of backlog-per-task scaling without a floor.
    at(&mut s, 60 * MIN);
    assert!(s
        .scaling_activities()
        .iter()
        .any(|a| a.cause.contains("AlarmLow")));
}

#[test]
fn task_scale_in_protection_4_8() {
    let base_v = || {
        lifecycle_base(
            json!({"updateServices": [{"at": "PT3M", "service": "web", "desiredCount": 2}]}),
        )
    };
    let mut v = base_v();
    v["services"][0]["desiredCount"] = json!(4);
    // Task ids come from the seed: read them from a first run, then protect three.
    let mut first = sim(v.clone());
    at(&mut first, 60);
    let ids: Vec<String> = first.tasks().iter().map(|t| t.id.clone()).collect();
    v["updateTaskProtection"] = json!([{"at": "PT2M", "cluster": "default", "tasks": [ids[0], ids[1], &ids[2][..8]],
        "protectionEnabled": true, "expiresInMinutes": 10}]);
    let mut s = sim(v);
    at(&mut s, 3 * MIN);
    let active: Vec<&str> = s
        .tasks()
        .iter()
        .filter(|t| t.is_active())
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(
        active,
        vec![ids[0].as_str(), ids[1].as_str(), ids[2].as_str()],
        "only the unprotected task is stopped"
    );
    let events = service_events(&s);
    assert!(
        events.iter().any(|e| e.ends_with(
            "Reason: The number of protected tasks are more than the desired count of tasks."
        )),
        "{events:#?}"
    );
    at(&mut s, 12 * MIN);
    assert_eq!(
        s.tasks().iter().filter(|t| t.is_active()).count(),
        2,
        "protection expired at 12 minutes"
    );
}

#[test]
fn slow_start_ramps_a_new_targets_share_linearly_8_3() {
    let mut v = base(
        2,
        alb(json!({"Attributes": [{"Key": "slow_start.duration_seconds", "Value": "60"}]})),
    );
    v["loadProfiles"] = json!([{"targetGroup": "web", "requests": {"type": "constant", "requestsPerSecond": 100},
        "cost": {"cpuUnitMsPerRequest": 1024, "idleCpuUnits": 0}}]);
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "desiredCount": 3}]);
    let mut s = sim(v);
    at(&mut s, 5 * MIN + 20);
    let started = s.tasks()[2].started_at.unwrap().as_secs();
    // Healthy after 5 × 30 s; then 30 s into its 60 s slow start its weight is 0.5 of the
    // others': 0.5 / 2.5 of the requests.
    at(&mut s, started + 150 + 30);
    let share = s.task_loads()[2].offered_rps;
    assert!((share - 20.0).abs() < 1e-6, "{share} requests/s");
    at(&mut s, started + 150 + 60);
    let share = s.task_loads()[2].offered_rps;
    assert!(
        (share - 100.0 / 3.0).abs() < 1e-6,
        "slow start over: equal shares, {share}"
    );
}

/// A Network Load Balancer with a TCP listener in front of target group `web` (8.6).
fn nlb(extra_tg: Value) -> Value {
    let mut tg = json!({"Name": "web", "Protocol": "TCP", "Port": 80, "VpcId": "vpc-1"});
    for (k, x) in extra_tg.as_object().unwrap() {
        tg[k] = x.clone();
    }
    json!({
        "loadBalancers": [{"Name": "edge", "Type": "network", "Scheme": "internet-facing"}],
        "listeners": [{"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/edge/50dc6c495c0c9188",
            "Protocol": "TCP", "Port": 443, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web"}]}],
        "targetGroups": [tg],
        "service": {"loadBalancers": [{"targetGroupArn": "web", "containerName": "app", "containerPort": 80}]},
        "loadProfiles": [{"targetGroup": "web", "requests": {"type": "constant", "requestsPerSecond": 100},
            "cost": {"cpuUnitMsPerRequest": 1024, "idleCpuUnits": 0}}]
    })
}

#[test]
fn an_nlb_hashes_flows_evenly_over_dynamic_ports_and_publishes_network_elb_metrics_8_6() {
    let mut s = sim(base(4, nlb(json!({}))));
    at(&mut s, 10 * MIN);
    let tg = &s.target_groups()[0];
    assert!(tg.is_network());
    assert_eq!(tg.listeners, vec!["TCP:443"]);
    assert_eq!(
        s.load_balancers()[tg.load_balancer.unwrap()].dimension,
        format!(
            "net/edge/{}",
            ecs_engine::load_balancer::target_group::name_hash("edge")
        )
    );
    // Dynamic host ports, like behind an ALB (8.6: NLBs support them too).
    assert_eq!(tg.targets.len(), 4);
    assert!(tg.targets.iter().all(|t| (32768..=60999).contains(&t.port)));
    assert!(tg.targets.iter().all(|t| t.state == TargetState::Healthy));
    // The flow hash: equal shares of the 100 requests/s.
    for (t, l) in s
        .task_loads()
        .iter()
        .enumerate()
        .filter(|(t, _)| s.tasks()[*t].is_active())
    {
        assert!(
            (l.offered_rps - 25.0).abs() < 1e-9,
            "task {t}: {}",
            l.offered_rps
        );
    }
    let dims = [
        (
            "TargetGroup",
            tg.arn
                .split_once("targetgroup/")
                .map(|(_, r)| format!("targetgroup/{r}"))
                .unwrap(),
        ),
        (
            "LoadBalancer",
            s.load_balancers()[tg.load_balancer.unwrap()]
                .dimension
                .clone(),
        ),
    ];
    let dims: Vec<(&str, &str)> = dims.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let flows = s
        .cloudwatch()
        .get(&MetricId::new("AWS/NetworkELB", "NewFlowCount", &dims), 8)
        .expect("NewFlowCount at minute 8");
    assert!((flows.sum - 6000.0).abs() < 1e-6, "{}", flows.sum);
    let healthy = s
        .cloudwatch()
        .get(
            &MetricId::new("AWS/NetworkELB", "HealthyHostCount", &dims),
            8,
        )
        .unwrap();
    assert_eq!(healthy.sum / healthy.count, 4.0);
    // No Application Load Balancer metric for this group.
    assert!(s
        .cloudwatch()
        .get(
            &MetricId::new("AWS/ApplicationELB", "RequestCount", &dims),
            8
        )
        .is_none());
}

#[test]
fn nlb_target_groups_are_checked_naming_the_field_8_6() {
    // An ALB listener cannot forward to a TCP group, nor an NLB listener to an HTTP one.
    let mut v = base(1, nlb(json!({})));
    v["loadBalancers"][0]["Type"] = json!("application");
    let e = Scenario::from_value(v).unwrap_err();
    assert_eq!(
        e.path, "listeners[0].DefaultActions[0].TargetGroupArn",
        "{e:?}"
    );
    assert!(e.message.contains("uses protocol TCP"), "{}", e.message);
    let e = Scenario::from_value(base(1, nlb(json!({"Protocol": "HTTP"})))).unwrap_err();
    assert!(
        e.message
            .contains("Network Load Balancer edge cannot forward"),
        "{}",
        e.message
    );
    // ALB-only attributes.
    let e = Scenario::from_value(base(
        1,
        nlb(json!({"Attributes": [{"Key": "slow_start.duration_seconds", "Value": "60"}]})),
    ))
    .unwrap_err();
    assert_eq!(e.path, "targetGroups[0].Attributes[0].Key", "{e:?}");
    // ALBRequestCountPerTarget cannot track an NLB's group.
    let mut v = base(2, nlb(json!({})));
    v["scalableTargets"] = scalable(1, 4);
    v["scalingPolicies"] = json!([{"PolicyName": "rps", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 100, "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": "net/edge/1/targetgroup/web/1"}}}]);
    let mut s = sim(v);
    at(&mut s, MIN);
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("ALBRequestCountPerTarget counts an Application Load Balancer's requests; target group web is behind Network Load Balancer edge")));
}

#[test]
fn an_application_that_stops_answering_behind_an_alb_fails_elb_checks_and_is_replaced_8_2() {
    // No container health check: only the target group notices, after 2 failed checks 30 s
    // apart (UnhealthyThresholdCount × interval), and ECS replaces the task (4.4).
    let mut v = base(2, alb(json!({})));
    v["faults"] = json!([{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT10M", "count": 1}]);
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    let victim = s.target_groups()[0]
        .targets
        .iter()
        .find(|x| !x.passes)
        .map(|x| x.task)
        .expect("one target fails its checks");
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("its load balancer's health checks now fail")));
    at(&mut s, 10 * MIN + 59);
    assert!(s.tasks()[victim].is_active(), "2 × 30 s not yet");
    at(&mut s, 11 * MIN);
    // 4.3: the replacement starts first; the unhealthy task stops once the replacement's
    // target is healthy (5 × 30 s after it registers).
    assert!(s.tasks()[victim].unhealthy_stop.is_some());
    assert!(s.tasks()[victim].is_active());
    assert_eq!(s.tasks().iter().filter(|t| t.is_active()).count(), 3);
    at(&mut s, 13 * MIN);
    assert!(
        s.tasks()[victim].is_active(),
        "the replacement is not healthy yet"
    );
    at(&mut s, 14 * MIN);
    let t = &s.tasks()[victim];
    assert!(!t.is_active());
    assert!(
        t.stopped_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("Task failed ELB health checks in (target-group ")),
        "{:?}",
        t.stopped_reason
    );
    assert!(s.services()[0].events.iter().any(|e| e
        .message
        .contains(") is unhealthy in (target-group web) due to (reason Request timed out)")));
    // The replacement registers, turns healthy, and the service is back at 2 healthy targets.
    at(&mut s, 15 * MIN);
    let healthy = s.target_groups()[0]
        .targets
        .iter()
        .filter(|x| x.state == TargetState::Healthy)
        .count();
    assert_eq!(healthy, 2);
}

#[test]
fn two_target_tracking_policies_on_one_metric_are_refused_5_3() {
    let mut v = base(2, json!({}));
    v["scalableTargets"] = scalable(1, 4);
    let mut policies = cpu_policy(50.0, json!({}));
    let mut second = policies[0].clone();
    second["PolicyName"] = json!("cpu-again");
    policies.as_array_mut().unwrap().push(second);
    v["scalingPolicies"] = policies;
    let e = Scenario::from_value(v).unwrap_err();
    assert_eq!(
        e.path,
        "scalingPolicies[1].TargetTrackingScalingPolicyConfiguration"
    );
    assert!(e
        .message
        .contains("already tracks ECSServiceAverageCPUUtilization"));
}

#[test]
fn a_deployment_alarm_in_alarm_fails_the_deployment_and_rolls_back_4_5() {
    // The CPU alarm is in ALARM from the load's jump at 8 minutes; the deployment to web:2 at
    // 10 minutes fails on it at the next evaluation and rolls back to web:1.
    let mut v = lifecycle_base(json!({}));
    v["loadProfiles"] = service_load(
        json!({"type": "step", "initial": 10, "steps": [{"at": "PT8M", "requestsPerSecond": 2000}]}),
    );
    v["taskDefinitions"][0]["cpu"] = json!("256");
    v["taskDefinitions"][1]["cpu"] = json!("256");
    let mut alarm = cpu_alarm(70.0, true, "none");
    alarm["AlarmName"] = json!("web-cpu-high");
    alarm.as_object_mut().unwrap().remove("AlarmActions");
    v["alarms"] = json!([alarm]);
    v["services"][0]["deploymentConfiguration"] = json!({
        "alarms": {"alarmNames": ["web-cpu-high"], "enable": true, "rollback": true}});
    v["updateServices"] = json!([{"at": "PT10M", "service": "web", "taskDefinition": "web:2"}]);
    let mut s = sim(v);
    at(&mut s, 9 * MIN + 30);
    assert_eq!(s.services()[0].deployments.len(), 1);
    at(&mut s, 12 * MIN);
    let events = service_events(&s);
    assert!(
        events
            .iter()
            .any(|e| e.ends_with("deployment failed: alarm web-cpu-high is in ALARM.")),
        "{events:#?}"
    );
    assert!(events
        .iter()
        .any(|e| e.contains("rolling back to deployment")));
    assert_eq!(s.services()[0].task_definition, "web:1");
    // Without alarms the same update completes on web:2.
    let mut v = lifecycle_base(json!({}));
    v["updateServices"] = json!([{"at": "PT10M", "service": "web", "taskDefinition": "web:2"}]);
    v["taskDefinitions"][1]["containerDefinitions"][0]["image"] = json!("nginx:2");
    let mut s = sim(v);
    at(&mut s, 20 * MIN);
    assert_eq!(s.services()[0].task_definition, "web:2");
}

#[test]
fn auto_scaling_emits_service_desired_count_updated_9_1() {
    // G22's scale-out at 3 minutes, seen by a rule on the service action; a user's
    // UpdateService at 20 minutes emits nothing (9.1: only the scheduler's changes).
    let mut s = sim(base(
        4,
        json!({
            "scalableTargets": scalable(2, 10),
            "scalingPolicies": cpu_policy(50.0, json!({})),
            "loadProfiles": service_load(json!({"type": "constant", "requestsPerSecond": 3200})),
            "updateServices": [{"at": "PT20M", "service": "web", "desiredCount": 9}],
            "snsTopics": [{"Name": "ops", "Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com"}]}],
            "eventRules": [{"Name": "desired",
                "EventPattern": {"source": ["aws.ecs"], "detail-type": ["ECS Service Action"],
                    "detail": {"eventName": ["SERVICE_DESIRED_COUNT_UPDATED"]}},
                "Targets": [{"Id": "mail", "Arn": "arn:aws:sns:us-east-1:123456789012:ops"}]}]
        }),
    ));
    at(&mut s, 3 * MIN + 10);
    assert_eq!(desired(&s), 7);
    assert_eq!(s.notifications().len(), 1);
    assert!(s.notifications()[0]
        .message
        .contains("SERVICE_DESIRED_COUNT_UPDATED"));
    let before = s.notifications().len();
    at(&mut s, 20 * MIN + 10);
    let after_user: Vec<_> = s.notifications()[before..]
        .iter()
        .filter(|n| n.at_ms >= 20 * MIN * 1000)
        .collect();
    assert!(after_user.is_empty(), "{after_user:?}");
}
