//! Blue/green, linear and canary deployments (4.3 `strategy`; the ECS guide's blue/green
//! workflow, linear and canary pages): SCALE_UP into the alternate target group, the
//! production listener rule's weights, BAKE_TIME, CLEAN_UP, the target groups swapping roles,
//! and the rollbacks.

mod support;

use ecs_engine::blue_green::LifecycleStage;
use ecs_engine::deployment::RolloutState;
use ecs_engine::deployment_lifecycle_hook::HookStage;
use ecs_engine::task::TaskStatus;
use serde_json::json;
use support::blue_green::*;
use support::{at, logged, sim};

#[test]
fn blue_green_scales_green_up_beside_blue_shifts_all_at_once_bakes_then_cleans_up() {
    let mut s = sim(scenario(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 10}),
    ));
    at(&mut s, 5 * MIN - 1);
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(weights(&s), (1000, 0));
    assert!(
        (group_rps(&s, 0) - 400.0).abs() < 1.0,
        "{}",
        group_rps(&s, 0)
    );
    // SCALE_UP: all 4 green tasks start at once (maximumPercent 200 would allow 4 more
    // anyway; the point is they go to the alternate target group and get no traffic).
    at(&mut s, 5 * MIN + 5);
    assert_eq!(stage(&s), Some(LifecycleStage::ScaleUp));
    assert_eq!(by_revision(&s), (4, 4));
    at(&mut s, 6 * MIN + 30);
    assert_eq!(
        live_targets(&s, 1),
        4,
        "green registers in the alternate target group"
    );
    assert_eq!(live_targets(&s, 0), 4);
    // Green healthy: the production rule moves everything at once; BAKE_TIME starts.
    at(&mut s, 8 * MIN);
    assert_eq!(stage(&s), Some(LifecycleStage::BakeTime));
    assert_eq!(weights(&s), (0, 1000));
    at(&mut s, 8 * MIN + 20);
    assert!(group_rps(&s, 0) < 1.0 && (group_rps(&s, 1) - 400.0).abs() < 1.0);
    assert_eq!(
        by_revision(&s),
        (4, 4),
        "blue keeps running through the bake time"
    );
    // DescribeServices: both deployments with their tasks; the service deployment's stage
    // and weights.
    let described = &s.describe()["services"][0];
    let deployments = described["deployments"].as_array().unwrap();
    assert_eq!(deployments.len(), 2);
    assert_eq!(
        (&deployments[0]["status"], &deployments[0]["runningCount"]),
        (&json!("PRIMARY"), &json!(4))
    );
    assert!(deployments[0]["taskDefinition"]
        .as_str()
        .unwrap()
        .ends_with("web:2"));
    assert_eq!(
        (&deployments[1]["status"], &deployments[1]["runningCount"]),
        (&json!("ACTIVE"), &json!(4))
    );
    let sd = &described["serviceDeployment"];
    assert_eq!(sd["lifecycleStage"], "BAKE_TIME");
    assert_eq!(sd["status"], "IN_PROGRESS");
    assert_eq!(
        sd["targetServiceRevision"]["requestedProductionTrafficWeight"],
        100.0
    );
    assert_eq!(
        sd["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"],
        0.0
    );
    assert!(logged(&s, "lifecycle stage PRODUCTION_TRAFFIC_SHIFT: 100 % of production traffic to web:2 in target group green"));
    // After 10 minutes of bake time, CLEAN_UP stops blue and the deployment completes.
    at(&mut s, 25 * MIN);
    assert_eq!(by_revision(&s), (0, 4));
    assert_eq!(stage(&s), None);
    let d = s.services()[0].deployments.last().unwrap();
    assert_eq!(d.rollout_state, RolloutState::Completed);
    assert!(logged(&s, "lifecycle stage CLEAN_UP"));
    assert_eq!(live_targets(&s, 0), 0);
    let described = &s.describe()["services"][0];
    assert!(described.get("serviceDeployment").is_none());
    assert_eq!(described["deployments"].as_array().unwrap().len(), 1);
    assert_eq!(described["deployments"][0]["rolloutState"], "COMPLETED");
}

#[test]
fn the_next_deployment_goes_back_to_the_first_target_group() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}));
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT30M", "service": "web", "taskDefinition": "web:1"}]);
    let mut s = sim(v);
    at(&mut s, 20 * MIN);
    assert_eq!(weights(&s), (0, 1000));
    assert_eq!((live_targets(&s, 0), live_targets(&s, 1)), (0, 4));
    at(&mut s, 31 * MIN);
    assert_eq!(
        live_targets(&s, 0),
        4,
        "web:1 starts in blue, now the idle side"
    );
    at(&mut s, 45 * MIN);
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!((live_targets(&s, 0), live_targets(&s, 1)), (4, 0));
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn linear_shifts_step_percent_every_step_bake_time_and_skips_the_last_wait() {
    let mut s = sim(scenario(
        json!({"strategy": "LINEAR", "bakeTimeInMinutes": 2,
        "linearConfiguration": {"stepPercent": 30.0, "stepBakeTimeInMinutes": 3}}),
    ));
    // Sample the weights every 10 s and keep the changes.
    let mut seen = vec![weights(&s)];
    let mut when = Vec::new();
    for t in (5 * MIN..30 * MIN).step_by(10) {
        at(&mut s, t);
        let w = weights(&s);
        if Some(&w) != seen.last() {
            seen.push(w);
            when.push(t);
        }
    }
    assert_eq!(
        seen,
        vec![(1000, 0), (700, 300), (400, 600), (100, 900), (0, 1000)]
    );
    // 3 minutes between shifts; the shift to 100 % comes after the third wait.
    assert_eq!(when[1] - when[0], 3 * MIN);
    assert_eq!(when[3] - when[2], 3 * MIN);
    // Then 2 minutes of bake time before blue stops.
    assert_eq!(by_revision(&s), (0, 4));
    assert!(logged(
        &s,
        "30 % of production traffic to web:2 in target group green. Next shift in 3 min."
    ));
}

#[test]
fn canary_shifts_canary_percent_then_the_rest_after_the_canary_bake_time() {
    let mut s = sim(scenario(
        json!({"strategy": "CANARY", "bakeTimeInMinutes": 0,
        "canaryConfiguration": {"canaryPercent": 12.5, "canaryBakeTimeInMinutes": 5}}),
    ));
    at(&mut s, 8 * MIN);
    assert_eq!(weights(&s), (875, 125));
    at(&mut s, 8 * MIN + 20);
    let (blue, green) = (group_rps(&s, 0), group_rps(&s, 1));
    assert!(
        (green - 50.0).abs() < 1.0 && (blue - 350.0).abs() < 1.0,
        "{blue} {green}"
    );
    at(&mut s, 20 * MIN);
    assert_eq!(weights(&s), (0, 1000));
    assert_eq!(by_revision(&s), (0, 4), "no bake time: blue stops at once");
}

#[test]
fn an_alarm_during_bake_time_rolls_back_at_once_to_blue() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30,
        "alarms": {"alarmNames": ["green-requests"], "enable": true, "rollback": true}}));
    v["alarms"] = support::blue_green::green_requests_alarm();
    let mut s = sim(v);
    at(&mut s, 6 * MIN + 30);
    assert_eq!(stage(&s), Some(LifecycleStage::BakeTime));
    let green_id = s.services()[0].deployment_id.clone();
    let blue_id = s.services()[0].deployments[0].id.clone();
    // Two minutes of green traffic put the alarm in ALARM: production goes back to blue,
    // blue is the primary deployment again and green's tasks stop.
    at(&mut s, 9 * MIN);
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!(s.services()[0].deployment_id, blue_id);
    assert_eq!(s.services()[0].task_definition, "web:1");
    let failed = s.services()[0]
        .deployments
        .iter()
        .find(|d| d.id == green_id)
        .unwrap();
    assert_eq!(failed.rollout_state, RolloutState::Failed);
    assert!(logged(&s, &format!("rolling back to deployment {blue_id}: production traffic back to web:1 in target group blue")));
    at(&mut s, 11 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(stage(&s), None);
    assert_eq!(
        s.services()[0].deployments.last().unwrap().rollout_state,
        RolloutState::Completed
    );
    // No rolling redeployment of web:1: the blue tasks that served all along still run.
    assert!(s
        .tasks()
        .iter()
        .filter(|t| t.is_active())
        .all(|t| t.started_at.is_some_and(|at| at.as_ms() < 5 * MIN * 1000)));
}

#[test]
fn the_circuit_breaker_in_scale_up_rolls_back_before_any_traffic_moves() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5,
        "deploymentCircuitBreaker": {"enable": true, "rollback": true}}));
    v["taskDefinitions"][1]["containerDefinitions"][0]["image"] =
        json!("public.ecr.aws/nginx/nginx:typo");
    v["faults"] = json!([{"type": "ImagePullFailure", "image": "public.ecr.aws/nginx/nginx:typo", "detail": "not found"}]);
    let mut s = sim(v);
    let mut max_green = 0;
    for t in (5 * MIN..30 * MIN).step_by(10) {
        at(&mut s, t);
        assert_eq!(weights(&s), (1000, 0), "production never leaves blue");
        max_green = max_green.max(weights(&s).1);
    }
    assert_eq!(max_green, 0);
    assert!(logged(&s, "rolling back to deployment"));
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(s.services()[0].task_definition, "web:1");
    assert_eq!(stage(&s), None);
}

#[test]
fn without_a_load_balancer_the_stages_run_without_traffic_to_shift() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 3}));
    let svc = v["services"][0].as_object_mut().unwrap();
    svc.remove("loadBalancers");
    v.as_object_mut().unwrap().remove("loadProfiles");
    let mut s = sim(v);
    at(&mut s, 6 * MIN);
    assert_eq!(by_revision(&s), (4, 4));
    at(&mut s, 7 * MIN);
    assert_eq!(stage(&s), Some(LifecycleStage::BakeTime));
    at(&mut s, 12 * MIN);
    assert_eq!(by_revision(&s), (0, 4));
    assert!(s
        .tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Stopped)
        .all(|t| revision(&s, t) == "web:1"));
}

#[test]
fn strategies_are_checked_naming_the_field() {
    let refused = support::service_refusal;
    let mut v = scenario(json!({"strategy": "BLUE_GREEN"}));
    assert!(refused(v.clone())
        .starts_with("services[0].deploymentConfiguration.bakeTimeInMinutes: required"));
    v["services"][0]["deploymentConfiguration"] = json!({"strategy": "LINEAR"});
    v["services"][0]["loadBalancers"][0]
        .as_object_mut()
        .unwrap()
        .remove("advancedConfiguration");
    assert!(refused(v.clone()).starts_with(
        "services[0].loadBalancers[0].advancedConfiguration.alternateTargetGroupArn: required with the LINEAR strategy"
    ));
    let mut v = scenario(json!({"strategy": "CANARY"}));
    v["services"][0]["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] =
        json!(BLUE_ARN);
    assert!(refused(v).contains("alternateTargetGroupArn: must differ from targetGroupArn"));
    let mut v = scenario(json!({"strategy": "CANARY"}));
    v["services"][0]["deploymentController"] = json!({"type": "CODE_DEPLOY"});
    assert!(refused(v).contains("CANARY needs deploymentController type ECS, not CODE_DEPLOY"));
    let mut v = scenario(json!({"strategy": "CANARY"}));
    v["services"][0]["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] =
        json!("nope");
    assert!(refused(v).contains("target group nope does not exist"));
    // A valid one is not refused, and the strategy members are not "not simulated".
    let ok = sim(scenario(
        json!({"strategy": "LINEAR", "bakeTimeInMinutes": 1}),
    ));
    assert_eq!(
        refused(scenario(
            json!({"strategy": "LINEAR", "bakeTimeInMinutes": 1})
        )),
        ""
    );
    assert!(!ok
        .log()
        .entries()
        .iter()
        .any(|e| e.message.contains("not simulated yet: strategy")));
}

/// The review's cases (`git show` of the fix): each asserts the behaviour the module doc of
/// `blue_green` describes where the first version went wrong.
#[test]
fn a_deployment_during_a_held_clean_up_starts_from_the_revision_serving_production() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2}));
    let mut first = sim(v.clone());
    at(&mut first, 2 * MIN);
    let protected = first.tasks()[0].id.clone();
    v["updateTaskProtection"] = json!([{"at": "PT3M", "cluster": "default", "tasks": [protected],
        "protectionEnabled": true, "expiresInMinutes": 2880}]);
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT30M", "service": "web", "taskDefinition": "web:1"}]);
    let mut s = sim(v);
    at(&mut s, 29 * MIN);
    // The protected web:1 task holds CLEAN_UP; production is all on web:2 in green.
    assert_eq!(stage(&s), Some(LifecycleStage::CleanUp));
    assert_eq!(by_revision(&s), (1, 4));
    assert_eq!(weights(&s), (0, 1000));
    at(&mut s, 30 * MIN + 30);
    // The new deployment's blue is web:2: production stays on green and its tasks keep
    // serving while web:1 scales up in blue.
    assert_eq!(weights(&s), (0, 1000));
    assert_eq!(by_revision(&s).1, 4);
    assert!((group_rps(&s, 1) - 400.0).abs() < 1.0);
}

#[test]
fn a_refused_update_service_changes_nothing() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2}));
    v["updateServices"] = json!([
        {"at": "PT3M", "service": "web", "loadBalancers": [{"targetGroupArn": BLUE_ARN, "containerName": "app", "containerPort": 80}],
         "deploymentConfiguration": {"alarms": {"alarmNames": ["x"], "enable": true, "rollback": true}}},
        {"at": "PT5M", "service": "web", "taskDefinition": "web:2"}]);
    let mut s = sim(v);
    at(&mut s, 4 * MIN);
    assert!(logged(&s, "updateServices[0].loadBalancers[0].advancedConfiguration.alternateTargetGroupArn: required with the BLUE_GREEN strategy"));
    assert!(s.services()[0].deployment_alarms.is_none());
    assert!(s.services()[0].load_balancers[0].alternate.is_some());
    at(&mut s, 9 * MIN);
    assert_eq!(weights(&s), (0, 1000), "the next deployment still shifts");
}

#[test]
fn delete_service_ends_the_shift_and_retires_the_rule() {
    let mut v = scenario(json!({"strategy": "LINEAR", "bakeTimeInMinutes": 10,
        "linearConfiguration": {"stepPercent": 20, "stepBakeTimeInMinutes": 2}}));
    v["deleteServices"] = json!([{"at": "PT9M", "service": "web", "force": true}]);
    let mut s = sim(v);
    at(&mut s, 8 * MIN);
    assert_eq!(
        stage(&s),
        Some(LifecycleStage::Hook(HookStage::ProductionTrafficShift))
    );
    at(&mut s, 40 * MIN);
    assert_eq!(stage(&s), None);
    assert_eq!(s.listener_rule_weight(0), None);
    assert!(!s
        .log()
        .entries()
        .iter()
        .any(|e| e.at_ms > 9 * MIN * 1000 && e.message.contains("lifecycle stage")));
}

#[test]
fn without_rollback_a_failed_shift_holds_until_the_next_deployment_starts_from_blue() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5,
        "deploymentCircuitBreaker": {"enable": true, "rollback": false}}));
    v["taskDefinitions"][1]["containerDefinitions"][0]["image"] =
        json!("public.ecr.aws/nginx/nginx:typo");
    v["faults"] = json!([{"type": "ImagePullFailure", "image": "public.ecr.aws/nginx/nginx:typo", "detail": "not found"}]);
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT30M", "service": "web", "taskDefinition": "web:1"}]);
    let mut s = sim(v);
    at(&mut s, 29 * MIN);
    let d = s.services()[0].deployments.last().unwrap();
    assert_eq!(d.rollout_state, RolloutState::Failed);
    assert_eq!(
        stage(&s),
        Some(LifecycleStage::ScaleUp),
        "held where it failed"
    );
    assert_eq!(weights(&s), (1000, 0));
    at(&mut s, 45 * MIN);
    // The next deployment (web:1 again) ran from blue, in green, and completed.
    assert_eq!(stage(&s), None);
    assert_eq!(weights(&s), (0, 1000));
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn a_rolling_update_cut_short_by_blue_green_keeps_its_old_tasks_until_clean_up() {
    let mut v = scenario(json!({"minimumHealthyPercent": 100, "maximumPercent": 200}));
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT5M20S", "service": "web", "taskDefinition": "web:1",
         "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}}]);
    let mut s = sim(v);
    at(&mut s, 5 * MIN + 30);
    assert_eq!(
        s.services()[0].traffic_shift.as_ref().map(|x| x.stage),
        Some(LifecycleStage::ScaleUp)
    );
    // web:1's first tasks (the rolling update's old ones) still run and serve.
    let first_four = s.tasks().iter().take(4).filter(|t| t.is_active()).count();
    assert_eq!(first_four, 4);
    assert!((group_rps(&s, 0) - 400.0).abs() < 1.0);
    at(&mut s, 30 * MIN);
    assert_eq!(stage(&s), None);
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(weights(&s), (0, 1000));
}

#[test]
fn dropping_the_alternate_target_group_retires_the_rule() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}));
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT20M", "service": "web", "deploymentConfiguration": {"strategy": "ROLLING"},
         "loadBalancers": [{"targetGroupArn": BLUE_ARN, "containerName": "app", "containerPort": 80}]}]);
    let mut s = sim(v);
    at(&mut s, 40 * MIN);
    assert_eq!(s.listener_rule_weight(0), None);
    assert_eq!(live_targets(&s, 0), 4);
    assert!(
        (group_rps(&s, 0) - 400.0).abs() < 1.0,
        "{}",
        group_rps(&s, 0)
    );
}

#[test]
fn pairs_serve_one_service_and_do_not_change_mid_shift() {
    let mut v = scenario(json!({"strategy": "LINEAR", "bakeTimeInMinutes": 5,
        "linearConfiguration": {"stepPercent": 50, "stepBakeTimeInMinutes": 5}}));
    let mut other = v["services"][0].clone();
    other["serviceName"] = json!("api");
    other["loadBalancers"][0]["targetGroupArn"] = json!(GREEN_ARN);
    other["loadBalancers"][0]
        .as_object_mut()
        .unwrap()
        .remove("advancedConfiguration");
    other["deploymentConfiguration"] = json!({});
    v["services"].as_array_mut().unwrap().push(other);
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT8M", "service": "web", "loadBalancers": [{"targetGroupArn": GREEN_ARN, "containerName": "app", "containerPort": 80,
            "advancedConfiguration": {"alternateTargetGroupArn": BLUE_ARN}}]}]);
    let mut s = sim(v);
    at(&mut s, 9 * MIN);
    // api, created second, may not take web's alternate target group.
    assert!(logged(&s, "services[1].loadBalancers[0].targetGroupArn"));
    assert_eq!(s.services().len(), 1);
    assert!(logged(&s, "updateServices[1].loadBalancers: cannot change while a LINEAR deployment is in lifecycle stage PRODUCTION_TRAFFIC_SHIFT"));
}

#[test]
fn stop_service_deployment_rolls_back_a_bake_at_once_and_a_rolling_update_by_redeploying() {
    // Blue/green: the ARN DescribeServices shows, stopped during BAKE_TIME.
    let mut probe = sim(scenario(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}),
    ));
    at(&mut probe, 7 * MIN);
    let arn = probe.describe()["services"][0]["currentServiceDeployment"]
        .as_str()
        .expect("a deployment in progress")
        .to_string();
    assert!(arn.starts_with("arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/"));
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}));
    v["stopServiceDeployments"] = json!([{"at": "PT10M", "serviceDeploymentArn": arn, "stopType": "ROLLBACK"},
               {"at": "PT20M", "serviceDeploymentArn": arn}]);
    let mut s = sim(v);
    at(&mut s, 10 * MIN - 1);
    assert_eq!(weights(&s), (0, 1000));
    at(&mut s, 10 * MIN + 1);
    assert_eq!(weights(&s), (1000, 0));
    assert!(logged(
        &s,
        "deployment stopped by StopServiceDeployment (ROLLBACK)"
    ));
    at(&mut s, 21 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
    assert!(
        logged(
            &s,
            "StopServiceDeployment failed: stopServiceDeployments[1].serviceDeploymentArn"
        ),
        "a second stop finds nothing in progress"
    );
    // Rolling: the last COMPLETED revision is deployed again.
    let mut v = scenario(json!({"minimumHealthyPercent": 50, "maximumPercent": 100}));
    v["services"][0]["loadBalancers"][0]
        .as_object_mut()
        .unwrap()
        .remove("advancedConfiguration");
    let mut probe = sim(v.clone());
    at(&mut probe, 5 * MIN + 1);
    let arn = probe.describe()["services"][0]["currentServiceDeployment"]
        .as_str()
        .unwrap()
        .to_string();
    v["stopServiceDeployments"] = json!([{"at": "PT5M10S", "serviceDeploymentArn": arn}]);
    let mut s = sim(v);
    at(&mut s, 15 * MIN);
    assert!(logged(&s, "rolling back to deployment"));
    assert_eq!(s.services()[0].task_definition, "web:1");
    assert_eq!(by_revision(&s), (4, 0));
}

/// The second review's cases.
#[test]
fn a_stop_during_a_rollback_lets_the_rollback_go_on() {
    let mut probe = sim(scenario(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}),
    ));
    at(&mut probe, 7 * MIN);
    let green = probe.describe()["services"][0]["currentServiceDeployment"]
        .as_str()
        .unwrap()
        .to_string();
    let blue_id = probe.services()[0].deployments[0].id.clone();
    let blue =
        ecs_engine::stop_service_deployment::service_deployment_arn("default", "web", &blue_id);
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}));
    v["stopServiceDeployments"] = json!([{"at": "PT10M", "serviceDeploymentArn": green},
        {"at": "PT10M", "serviceDeploymentArn": blue}]);
    let mut s = sim(v);
    at(&mut s, 12 * MIN);
    assert!(logged(
        &s,
        "stopServiceDeployments[1].serviceDeploymentArn: deployment"
    ));
    assert!(logged(
        &s,
        "is already rolling back (ROLLBACK_IN_PROGRESS): the rollback goes on"
    ));
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!(by_revision(&s), (4, 0), "web:2 never returns");
    assert_eq!(live_targets(&s, 1), 0);
}

#[test]
fn a_refused_update_service_keeps_the_strategy_and_placement() {
    let mut v = scenario(json!({}));
    v["services"][0]["loadBalancers"][0]
        .as_object_mut()
        .unwrap()
        .remove("advancedConfiguration");
    v["updateServices"] = json!([
        {"at": "PT1M", "service": "web", "taskDefinition": "web:9",
         "deploymentConfiguration": {"strategy": "LINEAR", "bakeTimeInMinutes": 1}},
        {"at": "PT2M", "service": "web", "placementConstraints": [{"type": "bogus"}]},
        {"at": "PT5M", "service": "web", "taskDefinition": "web:2"}]);
    let mut s = sim(v);
    at(&mut s, 3 * MIN);
    assert!(logged(&s, "updateServices[0].taskDefinition: "));
    assert!(logged(&s, "updateServices[1].placementConstraints[0]"));
    assert_eq!(
        s.services()[0].deployment_configuration.strategy,
        ecs_engine::blue_green::DeploymentStrategy::Rolling
    );
    at(&mut s, 15 * MIN);
    assert_eq!(by_revision(&s), (0, 4), "the next deployment is not stuck");
}

#[test]
fn a_pair_is_one_services_even_across_clusters() {
    let mut v = scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}));
    let mut twin = v["services"][0].clone();
    twin["cluster"] = json!("other");
    v["services"].as_array_mut().unwrap().push(twin);
    let s = sim(v);
    assert!(logged(&s, "services[1].loadBalancers[0].targetGroupArn: target group blue is in service web's blue/green pair"));
    assert_eq!(s.services().len(), 1);
}

#[test]
fn a_daemon_service_offers_no_deployment_to_stop() {
    let td = |image: &str| {
        json!({"family": "agent", "containerDefinitions": [
        {"name": "agent", "image": image, "memory": 128, "essential": true}]})
    };
    let arn = ecs_engine::stop_service_deployment::service_deployment_arn(
        "default",
        "agent",
        "ecs-svc/1",
    );
    let mut s = sim(json!({
        "version": 1, "seed": 1, "duration": "PT1H",
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2}],
        "taskDefinitions": [td("agent:1"), td("agent:2")],
        "services": [{"serviceName": "agent", "taskDefinition": "agent:1", "schedulingStrategy": "DAEMON"}],
        "updateServices": [{"at": "PT5M", "service": "agent", "taskDefinition": "agent:2"}],
        "stopServiceDeployments": [{"at": "PT5M1S", "serviceDeploymentArn": arn}]
    }));
    at(&mut s, 6 * MIN);
    assert!(s.describe()["services"][0]
        .get("currentServiceDeployment")
        .is_none());
    assert!(logged(
        &s,
        "StopServiceDeployment failed: stopServiceDeployments[0]"
    ));
}
