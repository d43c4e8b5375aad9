//! Property tests of deployments (4.3). The rolling update: running plus pending tasks never
//! exceed `floor(desired × maximumPercent / 100)`, and a deployment that the configuration
//! allows to progress always completes with every task on the new revision. Blue/green, linear
//! and canary deployments, with and without lifecycle hooks: production traffic only goes
//! where targets are, and every deployment ends clean.

use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, Simulation};
use proptest::prelude::*;
use serde_json::json;

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn rolling_updates_respect_maximum_percent_and_complete(desired in 1u32..7, min in 0u32..=100, max in 100u32..=200, instances in 1usize..4, seed in any::<u64>()) {
        let azs = ["us-east-1a", "us-east-1b", "us-east-1c"];
        let insts: Vec<_> = (0..instances).map(|i| json!({"instanceType": "m5.xlarge", "availabilityZone": azs[i], "ecsConfig": {"ECS_CLUSTER": "c"}})).collect();
        let td = |image: &str| json!({"family": "web", "containerDefinitions": [{"name": "app", "image": image, "memory": 128}]});
        let doc = json!({"version": 1, "seed": seed, "duration": "PT30M", "containerInstances": insts,
            "taskDefinitions": [td("nginx:1"), td("nginx:2")],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web:1", "desiredCount": desired,
                "deploymentConfiguration": {"minimumHealthyPercent": min, "maximumPercent": max}}],
            "updateServices": [{"at": "PT5M", "service": "web", "cluster": "c", "taskDefinition": "web:2"}]});
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        let limit = (desired * max / 100) as usize;
        while sim.step().is_some() {
            let live = sim.tasks().iter().filter(|t| t.desired_status == TaskStatus::Running).count();
            prop_assert!(live <= limit.max(desired as usize), "{live} live tasks, limit {limit}");
        }
        let can_progress = (desired * max / 100) > desired || (desired * min).div_ceil(100) < desired;
        let running_new = sim.tasks().iter().filter(|t| t.last_status == TaskStatus::Running && t.task_definition_arn.ends_with("web:2")).count();
        let running_old = sim.tasks().iter().filter(|t| t.last_status == TaskStatus::Running && t.task_definition_arn.ends_with("web:1")).count();
        if can_progress {
            prop_assert_eq!((running_new, running_old), (desired as usize, 0));
        } else {
            prop_assert_eq!((running_new, running_old), (0, desired as usize), "a stalled deployment changes nothing");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Deployment lifecycle hooks (the ECS guide's Lambda and pause hook pages) on a
    /// blue/green, linear or canary deployment: a pause hook at one stage and a Lambda hook
    /// at another, with random answers and timeouts, and deployments that supersede one
    /// another. Whatever the hooks decide, the service never
    /// runs more than twice its tasks, production traffic only goes where targets are, and the
    /// deployment ends (completed, or rolled back) with every task on one revision in the
    /// target group that takes all the traffic, and no hook left waiting.
    #[test]
    fn hooked_deployments_always_end_clean(
        desired in 1u32..5,
        kind in 0usize..3,
        step in 250u32..=1000,
        pause in 0usize..6,
        pause_minutes in 1u32..6,
        pause_continues in any::<bool>(),
        lambda_stage in 0usize..9,
        lambda_minutes in 1u32..6,
        answers in proptest::collection::vec((0usize..3, 10u64..200), 1..4),
        updates in proptest::collection::vec(3u64..40, 1..3),
        seed in any::<u64>(),
    ) {
        let mut updates = updates;
        updates.sort_unstable();
        updates.dedup();
        let mut dc = shift_strategy(kind, step, 1, 1);
        let pause_stages = ["PRE_SCALE_UP", "POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT",
            "PRE_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"];
        let lambda_stages = ["RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT"];
        let mut hooks = Vec::new();
        if let Some(stage) = pause_stages.get(pause) {
            hooks.push(json!({"targetType": "PAUSE", "lifecycleStages": [stage], "timeoutConfiguration":
                {"timeoutInMinutes": pause_minutes, "action": if pause_continues { "CONTINUE" } else { "ROLLBACK" }}}));
        }
        let function = "arn:aws:lambda:us-east-1:123456789012:function:check";
        if let Some(stage) = lambda_stages.get(lambda_stage) {
            hooks.push(json!({"hookTargetArn": function, "lifecycleStages": [stage],
                "timeoutConfiguration": {"timeoutInMinutes": lambda_minutes}}));
        }
        dc["lifecycleHooks"] = json!(hooks);
        let mut doc = traffic_shift_doc(desired, dc, &updates, seed);
        doc["duration"] = json!("PT3H");
        let responses: Vec<_> = answers.iter().map(|&(a, delay)| match a {
            0 => json!({"hookStatus": "SUCCEEDED"}),
            1 => json!({"hookStatus": "FAILED"}),
            _ => json!({"hookStatus": "IN_PROGRESS", "callBackDelay": delay}),
        }).collect();
        doc["lambdaHookResponses"] = json!([{"hookTargetArn": function, "responses": responses}]);
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        run_checking_traffic(&mut sim, desired)?;
        prop_assert!(sim.services()[0].traffic_shift.is_none(), "the deployment ended");
        let running: Vec<_> = sim.tasks().iter().filter(|t| t.last_status == TaskStatus::Running).collect();
        prop_assert_eq!(running.len(), desired as usize);
        let revision = running[0].task_definition_arn.clone();
        prop_assert!(running.iter().all(|t| t.task_definition_arn == revision));
        let production = if sim.listener_rule_weight(0) == Some(1000) { 0 } else { 1 };
        prop_assert_eq!((live_targets(&sim, production), live_targets(&sim, 1 - production)), (desired as usize, 0));
    }
}

/// `deploymentConfiguration` for strategy `kind` (0 BLUE_GREEN, 1 LINEAR, 2 CANARY) with a
/// step or canary of `step` tenths of a percent, `bake` and `step_bake` minutes.
fn shift_strategy(kind: usize, step: u32, bake: u32, step_bake: u32) -> serde_json::Value {
    let percent = f64::from(step) / 10.0;
    match kind {
        0 => json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": bake}),
        1 => json!({"strategy": "LINEAR", "bakeTimeInMinutes": bake,
            "linearConfiguration": {"stepPercent": percent, "stepBakeTimeInMinutes": step_bake}}),
        _ => json!({"strategy": "CANARY", "bakeTimeInMinutes": bake,
            "canaryConfiguration": {"canaryPercent": percent, "canaryBakeTimeInMinutes": step_bake}}),
    }
}

/// Targets of group `g` that are not draining.
fn live_targets(sim: &Simulation, g: usize) -> usize {
    sim.target_groups()[g]
        .targets
        .iter()
        .filter(|x| x.state != ecs_engine::load_balancer::target_group::TargetState::Draining)
        .count()
}

/// Runs `sim` to its end checking, at every step, that the service of `desired` tasks never
/// runs more than twice that, that the production rule's weights add up, and that after the
/// first minute no group with weight lacks a live target.
fn run_checking_traffic(sim: &mut Simulation, desired: u32) -> Result<(), TestCaseError> {
    while sim.step().is_some() {
        let active = sim
            .tasks()
            .iter()
            .filter(|t| t.desired_status == TaskStatus::Running)
            .count();
        prop_assert!(
            active <= 2 * desired as usize,
            "{active} tasks for {desired} desired"
        );
        let w = [
            sim.listener_rule_weight(0).unwrap(),
            sim.listener_rule_weight(1).unwrap(),
        ];
        prop_assert_eq!(w[0] + w[1], 1000);
        if sim.now().as_ms() > 60_000 {
            for (g, weight) in w.into_iter().enumerate() {
                prop_assert!(
                    weight == 0 || live_targets(sim, g) > 0,
                    "at {} ms group {g} has weight {weight} and no live target",
                    sim.now().as_ms()
                );
            }
        }
    }
    Ok(())
}

/// The blue/green test scenario's pieces: target groups `blue` and `green` (ip) behind one
/// ALB, a Fargate service of `desired` tasks deploying with `dc`, UpdateService calls at
/// `updates` minutes alternating between revisions 2 and 1.
fn traffic_shift_doc(
    desired: u32,
    dc: serde_json::Value,
    updates: &[u64],
    seed: u64,
) -> serde_json::Value {
    let tg = |n: &str| {
        json!({"Name": n, "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "TargetType": "ip",
        "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2})
    };
    let td = |image: &str| {
        json!({"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "app", "image": image, "portMappings": [{"containerPort": 80}]}]})
    };
    let calls: Vec<_> = updates
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({"at": format!("PT{m}M"), "service": "web",
        "taskDefinition": if i % 2 == 0 { "web:2" } else { "web:1" }})
        })
        .collect();
    json!({"version": 1, "seed": seed, "duration": "PT90M", "options": {"routingIntervalSeconds": 30},
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}],
        "targetGroups": [tg("blue"), tg("green")],
        "taskDefinitions": [td("nginx:1"), td("nginx:2")],
        "services": [{"serviceName": "web", "taskDefinition": "web:1", "desiredCount": desired, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}, "deploymentConfiguration": dc,
            "loadBalancers": [{"targetGroupArn": "blue", "containerName": "app", "containerPort": 80,
                "advancedConfiguration": {"alternateTargetGroupArn": "green"}}]}],
        "updateServices": calls,
        "loadProfiles": [{"targetGroup": "blue", "requests": {"type": "constant", "requestsPerSecond": 100}}]})
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Blue/green, linear and canary deployments (4.3 `strategy`), including ones superseded
    /// by the next UpdateService: production traffic only ever goes to a target group with
    /// live targets once the service has any, the service never runs more than twice its
    /// tasks, and once the last deployment is done every task runs its revision, all in the
    /// target group that takes all the production traffic.
    #[test]
    fn traffic_shifts_send_production_only_where_targets_are_and_finish_clean(
        desired in 1u32..6,
        kind in 0usize..3,
        step in 100u32..=1000,
        bake in 0u32..4,
        step_bake in 0u32..4,
        updates in proptest::collection::vec(3u64..40, 1..4),
        seed in any::<u64>(),
    ) {
        let mut updates = updates;
        updates.sort_unstable();
        updates.dedup();
        let dc = shift_strategy(kind, step, bake, step_bake);
        let mut sim = Simulation::new(Scenario::from_value(traffic_shift_doc(desired, dc, &updates, seed)).unwrap());
        run_checking_traffic(&mut sim, desired)?;
        let want = if updates.len() % 2 == 1 { "web:2" } else { "web:1" };
        let running: Vec<_> = sim.tasks().iter().filter(|t| t.last_status == TaskStatus::Running).collect();
        prop_assert_eq!(running.len(), desired as usize);
        prop_assert!(running.iter().all(|t| t.task_definition_arn.ends_with(want)));
        let production = if sim.listener_rule_weight(0) == Some(1000) { 0 } else { 1 };
        prop_assert_eq!(sim.listener_rule_weight(production), Some(1000));
        prop_assert_eq!((live_targets(&sim, production), live_targets(&sim, 1 - production)), (desired as usize, 0));
    }
}
