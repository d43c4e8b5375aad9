//! Deployment lifecycle hooks of blue/green, linear and canary deployments (4.3 `strategy`;
//! the ECS guide's "Lifecycle hooks", "Lambda hooks" and "Pause hooks" pages,
//! ContinueServiceDeployment, and the "ECS Hook State Change" events): hooks hold the stage
//! they run at, a failure or a timeout with ROLLBACK rolls back, pause hooks wait for
//! ContinueServiceDeployment, and Lambda hooks answer what `lambdaHookResponses` scripts.

mod support;

use ecs_engine::blue_green::LifecycleStage;
use ecs_engine::deployment::RolloutState;
use ecs_engine::deployment_lifecycle_hook::HookStage;
use ecs_engine::stop_service_deployment::deployment_digits;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::blue_green::*;
use support::{at, logged, sim};

const CHECK: &str = "arn:aws:lambda:us-east-1:123456789012:function:check";

/// The blue/green scenario (`web:1` → `web:2` at 5 min) with `strategy` settings `dc` and
/// lifecycle hooks `hooks`.
fn hooked(dc: Value, hooks: Value) -> Value {
    let mut dc = dc;
    dc["lifecycleHooks"] = hooks;
    scenario(dc)
}

fn pause_at(stage: &str, timeout: Value) -> Value {
    json!([{"targetType": "PAUSE", "lifecycleStages": [stage], "timeoutConfiguration": timeout}])
}

fn lambda_at(stages: &[&str]) -> Value {
    json!([{"targetType": "AWS_LAMBDA", "hookTargetArn": CHECK,
        "roleArn": "arn:aws:iam::123456789012:role/ecsLambdaHooks", "lifecycleStages": stages}])
}

/// When (seconds) the service first logged an event containing `words`.
fn first_event(s: &Simulation, words: &str) -> Option<u64> {
    s.services()[0]
        .events
        .iter()
        .find(|e| e.message.contains(words))
        .map(|e| e.at.as_ms() / 1000)
}

/// The digits of the service's primary deployment id, as its hook ids carry them.
fn digits(s: &Simulation) -> String {
    deployment_digits(&s.services()[0].deployment_id).to_string()
}

/// DescribeServices' `serviceDeployment` of the service.
fn deployment(s: &Simulation) -> Value {
    s.describe()["services"][0]["serviceDeployment"].clone()
}

/// The service deployment ARN and the first hook's id while it waits.
fn paused_hook(s: &Simulation) -> (String, String) {
    let arn = s
        .deployment_in_progress_arn(0)
        .expect("a deployment in progress");
    let id = deployment(s)["lifecycleHookDetails"][0]["hookId"]
        .as_str()
        .expect("a hook runs")
        .to_string();
    (arn, id)
}

fn primary_state(s: &Simulation) -> RolloutState {
    s.services()[0]
        .deployments
        .last()
        .expect("deployments")
        .rollout_state
}

/// Runs `v` until the first hook waits and returns the scenario with ContinueServiceDeployment
/// `action` for it at `secs`, with the time the hook started.
fn continued(v: &Value, action: &str, secs: u64) -> (Value, u64) {
    let mut probe = sim(v.clone());
    at(&mut probe, 30 * MIN);
    let started = first_event(&probe, "paused; waiting for ContinueServiceDeployment")
        .expect("the pause hook runs");
    let (arn, id) = paused_hook(&probe);
    let mut v = v.clone();
    v["continueServiceDeployments"] = json!([{"at": format!("PT{secs}S"),
        "serviceDeploymentArn": arn, "hookId": id, "action": action}]);
    (v, started)
}

#[test]
fn a_pause_hook_holds_the_stage_until_continue_service_deployment() {
    let v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at("POST_TEST_TRAFFIC_SHIFT", json!({"timeoutInMinutes": 60})),
    );
    let mut s = sim(v.clone());
    at(&mut s, 4 * MIN);
    assert!(
        logged(&s, "service web: deploymentConfiguration.lifecycleHooks: the first deployment runs no hooks here"),
        "CreateService's deployment is not a traffic shift"
    );
    assert!(first_event(&s, "paused").is_none());
    at(&mut s, 20 * MIN);
    // Green is up and healthy, but production traffic stays on blue.
    assert_eq!(
        stage(&s),
        Some(LifecycleStage::Hook(HookStage::PostTestTrafficShift))
    );
    assert_eq!(by_revision(&s), (4, 4));
    assert_eq!(weights(&s), (1000, 0));
    let d = deployment(&s);
    let hook = &d["lifecycleHookDetails"][0];
    let digits = digits(&s);
    assert_eq!(hook["hookId"], format!("ecs-pause-{digits}-1"));
    assert_eq!(hook["targetType"], "PAUSE");
    assert_eq!(hook["status"], "AWAITING_ACTION");
    assert_eq!(hook["timeoutAction"], "ROLLBACK");
    assert!(
        hook.get("targetArn").is_none(),
        "a pause hook has no target"
    );
    assert_eq!(d["lifecycleStage"], "POST_TEST_TRAFFIC_SHIFT");
    // ContinueServiceDeployment at 25 min: the production traffic shift follows at once.
    let (v, _) = continued(&v, "CONTINUE", 25 * MIN);
    let mut s = sim(v);
    at(&mut s, 25 * MIN - 1);
    assert_eq!(weights(&s), (1000, 0));
    at(&mut s, 25 * MIN);
    assert_eq!(weights(&s), (0, 1000));
    assert_eq!(stage(&s), Some(LifecycleStage::BakeTime));
    at(&mut s, 31 * MIN);
    assert_eq!(by_revision(&s), (0, 4));
    assert_eq!(primary_state(&s), RolloutState::Completed);
}

#[test]
fn continue_service_deployment_with_rollback_sends_the_deployment_back_at_once() {
    let v = hooked(
        json!({"strategy": "CANARY", "bakeTimeInMinutes": 5}),
        pause_at("PRE_SCALE_UP", json!({})),
    );
    let mut probe = sim(v.clone());
    at(&mut probe, 10 * MIN);
    // PRE_SCALE_UP: green has not started.
    assert_eq!(
        stage(&probe),
        Some(LifecycleStage::Hook(HookStage::PreScaleUp))
    );
    assert_eq!(by_revision(&probe), (4, 0));
    let (v, _) = continued(&v, "ROLLBACK", 12 * MIN);
    let mut s = sim(v);
    at(&mut s, 12 * MIN + 1);
    assert_eq!(
        s.services()[0].deployments[s.services()[0].deployments.len() - 2].rollout_state,
        RolloutState::Failed
    );
    assert!(logged(&s, "ContinueServiceDeployment with action ROLLBACK"));
    at(&mut s, 14 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!(s.services()[0].task_definition, "web:1");
}

#[test]
fn an_unresolved_hook_takes_its_timeout_action() {
    // ROLLBACK (the default action) after timeoutInMinutes.
    let v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at("POST_SCALE_UP", json!({"timeoutInMinutes": 10})),
    );
    let mut s = sim(v);
    at(&mut s, 40 * MIN);
    let paused = first_event(&s, "paused; waiting").expect("paused");
    let out = first_event(&s, "timed out").expect("timed out");
    assert_eq!(out - paused, 10 * MIN);
    assert!(first_event(&s, "the deployment rolls back (timeout action ROLLBACK)").is_some());
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(s.services()[0].task_definition, "web:1");
    // CONTINUE: the deployment goes on when the time is up.
    let v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at(
            "POST_SCALE_UP",
            json!({"timeoutInMinutes": 10, "action": "CONTINUE"}),
        ),
    );
    let mut s = sim(v);
    at(&mut s, 40 * MIN);
    let paused = first_event(&s, "paused; waiting").expect("paused");
    let shifted = first_event(&s, "100 % of production traffic").expect("shifted");
    assert_eq!(shifted - paused, 10 * MIN);
    assert_eq!(by_revision(&s), (0, 4));
}

#[test]
fn a_lambda_hook_in_progress_is_called_again_after_its_call_back_delay() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        lambda_at(&["POST_SCALE_UP"]),
    );
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "responses": [
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 60}, {"hookStatus": "IN_PROGRESS"}, {"hookStatus": "SUCCEEDED"}]}]);
    let mut s = sim(v);
    at(&mut s, 30 * MIN);
    let called = first_event(&s, "calling Lambda hook").expect("called");
    let shifted = first_event(&s, "100 % of production traffic").expect("shifted");
    // Called at 0, 60 s (its callBackDelay) and 90 s (the default 30 s): SUCCEEDED.
    assert_eq!(shifted - called, 90);
    assert!(first_event(&s, "returned IN_PROGRESS; called again in 60 s").is_some());
    assert!(first_event(&s, "returned SUCCEEDED").is_some());
    assert_eq!(primary_state(&s), RolloutState::Completed);
}

#[test]
fn a_lambda_hook_that_fails_or_errors_rolls_back() {
    for answer in [
        json!({"hookStatus": "FAILED"}),
        json!({"errorMessage": "Task timed out after 900.00 seconds"}),
    ] {
        let mut v = hooked(
            json!({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50, "stepBakeTimeInMinutes": 2}, "bakeTimeInMinutes": 5}),
            lambda_at(&["POST_TEST_TRAFFIC_SHIFT"]),
        );
        // Only the new revision's tests fail.
        v["lambdaHookResponses"] = json!([
            {"hookTargetArn": CHECK, "taskDefinition": "web:1", "responses": [{"hookStatus": "SUCCEEDED"}]},
            {"hookTargetArn": CHECK, "taskDefinition": "web:2", "responses": [answer.clone()]}]);
        let mut s = sim(v);
        at(&mut s, 30 * MIN);
        assert!(
            first_event(&s, "deployment failed: lifecycle hook").is_some(),
            "{answer}"
        );
        assert_eq!(by_revision(&s), (4, 0), "{answer}");
        assert_eq!(weights(&s), (1000, 0), "{answer}");
        assert!(first_event(&s, "% of production traffic").is_none());
    }
}

#[test]
fn pre_production_traffic_shift_hooks_run_before_every_linear_step() {
    let v = hooked(
        json!({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50, "stepBakeTimeInMinutes": 1}, "bakeTimeInMinutes": 5}),
        pause_at(
            "PRE_PRODUCTION_TRAFFIC_SHIFT",
            json!({"timeoutInMinutes": 30}),
        ),
    );
    // Continue the first pause at 15 min: 50 % moves, and after the step bake time the
    // second step pauses again, with its own hookId.
    let (v, _) = continued(&v, "CONTINUE", 15 * MIN);
    let mut s = sim(v);
    at(&mut s, 15 * MIN);
    assert_eq!(weights(&s), (500, 500));
    at(&mut s, 17 * MIN);
    assert_eq!(
        weights(&s),
        (500, 500),
        "the second step waits for its hook"
    );
    assert_eq!(
        stage(&s),
        Some(LifecycleStage::Hook(HookStage::PreProductionTrafficShift))
    );
    let digits = digits(&s);
    let (_, second) = paused_hook(&s);
    assert_eq!(second, format!("ecs-pause-{digits}-2"));
    // Nobody continues it: it rolls back when its 30 minutes are up.
    at(&mut s, 60 * MIN);
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn production_traffic_shift_hooks_run_at_every_step_and_the_step_wait_follows_them() {
    let mut v = hooked(
        json!({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 3}, "bakeTimeInMinutes": 5}),
        lambda_at(&["PRODUCTION_TRAFFIC_SHIFT"]),
    );
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "lifecycleStage": "PRODUCTION_TRAFFIC_SHIFT",
        "responses": [{"hookStatus": "IN_PROGRESS", "callBackDelay": 120}, {"hookStatus": "SUCCEEDED"}]}]);
    let mut s = sim(v);
    at(&mut s, 40 * MIN);
    let steps: Vec<u64> = s.services()[0]
        .events
        .iter()
        .filter(|e| e.message.contains("% of production traffic to"))
        .map(|e| e.at.as_ms() / 1000)
        .collect();
    let calls = s.services()[0]
        .events
        .iter()
        .filter(|e| e.message.contains("calling Lambda hook"))
        .count();
    assert_eq!(calls, 2, "one hook run per step");
    // The canary step, its hook (2 min), the canary bake time (3 min), then the rest.
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1] - steps[0], 5 * MIN);
    assert_eq!(primary_state(&s), RolloutState::Completed);
}

#[test]
fn a_rollback_runs_the_traffic_shift_lambda_hooks_before_green_stops() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}),
        lambda_at(&["PRODUCTION_TRAFFIC_SHIFT"]),
    );
    let mut probe = sim(v.clone());
    at(&mut probe, 12 * MIN);
    assert_eq!(stage(&probe), Some(LifecycleStage::BakeTime));
    let arn = probe.deployment_in_progress_arn(0).expect("in progress");
    v["stopServiceDeployments"] =
        json!([{"at": "PT15M", "serviceDeploymentArn": arn, "stopType": "ROLLBACK"}]);
    // The shift's run (web:2) succeeds unscripted; during the rollback (web:1 is the new
    // revision again) the function takes 5 minutes, then fails.
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "taskDefinition": "web:1", "responses": [
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 300}, {"hookStatus": "FAILED"}]}]);
    let mut s = sim(v);
    at(&mut s, 15 * MIN + 1);
    // Production is back on blue at once; green waits for the hook.
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!(
        stage(&s),
        Some(LifecycleStage::Hook(HookStage::ProductionTrafficShift))
    );
    assert_eq!(by_revision(&s), (4, 4));
    assert_eq!(
        deployment(&s)["status"],
        "ROLLBACK_IN_PROGRESS",
        "{}",
        deployment(&s)
    );
    // It answers FAILED after 5 minutes: the rollback goes on anyway.
    at(&mut s, 21 * MIN);
    assert!(first_event(
        &s,
        "did not succeed during the rollback: the rollback goes on"
    )
    .is_some());
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn reconcile_service_runs_when_a_deployment_finds_two_revisions_running() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}),
        lambda_at(&["RECONCILE_SERVICE"]),
    );
    v["taskDefinitions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "512", "memory": "1024",
            "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.28", "essential": true,
                "portMappings": [{"containerPort": 80}]}]}));
    // web:3 while web:2 bakes: web:1 and web:2 both have tasks.
    v["updateServices"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": "PT15M", "service": "web", "taskDefinition": "web:3"}));
    let mut s = sim(v);
    at(&mut s, 14 * MIN);
    assert!(
        first_event(&s, "RECONCILE_SERVICE").is_none(),
        "one revision ran at 5 min"
    );
    at(&mut s, 15 * MIN + 1);
    assert!(first_event(&s, "lifecycle stage RECONCILE_SERVICE: hook").is_some());
}

#[test]
fn test_traffic_moves_to_green_at_test_traffic_shift_when_there_is_a_test_rule() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at("POST_TEST_TRAFFIC_SHIFT", json!({})),
    );
    v["services"][0]["loadBalancers"][0]["advancedConfiguration"]["testListenerRule"] =
        json!("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/edge/1/9/9");
    let mut s = sim(v);
    at(&mut s, 20 * MIN);
    let d = deployment(&s);
    assert_eq!(
        d["targetServiceRevision"]["requestedTestTrafficWeight"],
        100.0
    );
    assert_eq!(
        d["targetServiceRevision"]["requestedProductionTrafficWeight"],
        0.0
    );
    assert_eq!(
        d["sourceServiceRevisions"][0]["requestedTestTrafficWeight"],
        0.0
    );
    assert!(logged(
        &s,
        "TEST_TRAFFIC_SHIFT: test traffic (testListenerRule) to web:2"
    ));
}

/// An EventBridge rule that emails the `detail` members `fields` of every ECS Hook State
/// Change event, separated by spaces.
fn email_hook_events(v: &mut Value, fields: &[&str]) {
    let paths: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| (f.to_string(), json!(format!("$.detail.{f}"))))
        .collect();
    let template: Vec<String> = fields.iter().map(|f| format!("<{f}>")).collect();
    v["snsTopics"] = json!([{"Name": "deploys", "Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com"}]}]);
    v["eventRules"] = json!([{"Name": "hooks", "EventPattern": {"source": ["aws.ecs"],
        "detail-type": ["ECS Hook State Change"]},
        "Targets": [{"Id": "t", "Arn": "arn:aws:sns:us-east-1:123456789012:deploys", "InputTransformer": {
            "InputPathsMap": paths, "InputTemplate": format!("\"{}\"", template.join(" "))}}]}]);
}

/// The emails sent so far.
fn emails(s: &Simulation) -> Vec<String> {
    s.describe()["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn hook_state_changes_are_eventbridge_events() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at(
            "POST_SCALE_UP",
            json!({"timeoutInMinutes": 10, "action": "CONTINUE"}),
        ),
    );
    email_hook_events(
        &mut v,
        &["eventName", "hookId", "lifecycleStage", "hookType"],
    );
    let mut s = sim(v);
    at(&mut s, 40 * MIN);
    let bodies = emails(&s);
    let digits = digits(&s);
    assert_eq!(
        bodies,
        vec![
            format!("HOOK_AWAITING_ACTION ecs-pause-{digits}-1 POST_SCALE_UP PAUSE"),
            format!("HOOK_TIMED_OUT ecs-pause-{digits}-1 POST_SCALE_UP PAUSE"),
        ]
    );
}

#[test]
fn continue_service_deployment_is_refused_for_a_hook_not_waiting() {
    let v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at("POST_SCALE_UP", json!({})),
    );
    let (mut v, _) = continued(&v, "CONTINUE", 20 * MIN);
    let arn = v["continueServiceDeployments"][0]["serviceDeploymentArn"].clone();
    v["continueServiceDeployments"] = json!([
        {"at": "PT20M", "serviceDeploymentArn": arn, "hookId": "ecs-pause-0-9"},
        {"at": "PT1M", "serviceDeploymentArn": arn, "hookId": "ecs-pause-0-9"}]);
    let mut s = sim(v);
    at(&mut s, 21 * MIN);
    assert!(logged(
        &s,
        "ContinueServiceDeployment failed: continueServiceDeployments[0].hookId: no pause hook ecs-pause-0-9 is AWAITING_ACTION"
    ));
    assert!(logged(
        &s,
        "ContinueServiceDeployment failed: continueServiceDeployments[1].serviceDeploymentArn"
    ));
    assert_eq!(weights(&s), (1000, 0), "still paused");
}

#[test]
fn update_service_keeps_or_replaces_the_hooks_and_bad_ones_are_refused() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at("POST_SCALE_UP", json!({})),
    );
    // Left out of the update, the service's hooks stay: the deployment pauses.
    let mut s = sim(v.clone());
    at(&mut s, 30 * MIN);
    assert!(first_event(&s, "paused").is_some());
    // The update drops the hooks: this deployment runs none.
    v["updateServices"][0]["deploymentConfiguration"] = json!({"lifecycleHooks": []});
    let mut s = sim(v.clone());
    at(&mut s, 30 * MIN);
    assert!(first_event(&s, "paused").is_none());
    assert_eq!(primary_state(&s), RolloutState::Completed);
    // A hook AWS refuses is refused with its field.
    v["updateServices"][0]["deploymentConfiguration"] = json!({"lifecycleHooks": [
        {"targetType": "PAUSE", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}]});
    let mut s = sim(v);
    at(&mut s, 6 * MIN);
    assert!(logged(
        &s,
        "deploymentConfiguration.lifecycleHooks[0].lifecycleStages[0]: pause hooks cannot run at PRODUCTION_TRAFFIC_SHIFT"
    ));
}

/// Deployment alarm `blue-requests` on blue's requests, in ALARM after `periods` minutes of
/// the 400 requests/s.
fn blue_alarm(v: &mut Value, periods: u32) {
    let lb = format!(
        "app/edge/{}",
        ecs_engine::load_balancer::target_group::name_hash("edge")
    );
    v["alarms"] = json!([{"AlarmName": "blue-requests", "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
        "Statistic": "Sum", "Period": 60, "EvaluationPeriods": periods, "Threshold": 1000, "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/blue/0000000000000001"}, {"Name": "LoadBalancer", "Value": lb}]}]);
}

#[test]
fn a_deployment_failed_with_rollback_off_is_no_longer_moved_by_its_hooks() {
    // 4.5 with rollback off: the failed deployment holds where it stopped. Its Lambda hook
    // answering SUCCEEDED later, or its pause hook timing out with ROLLBACK, changes nothing.
    for hooks in [
        lambda_at(&["POST_SCALE_UP"]),
        pause_at("POST_SCALE_UP", json!({"timeoutInMinutes": 20})),
    ] {
        let mut v = hooked(
            json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5,
                "alarms": {"alarmNames": ["blue-requests"], "enable": true, "rollback": false}}),
            hooks.clone(),
        );
        blue_alarm(&mut v, 10);
        v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "responses": [
            {"hookStatus": "IN_PROGRESS", "callBackDelay": 900}, {"hookStatus": "SUCCEEDED"}]}]);
        let mut s = sim(v);
        at(&mut s, 60 * MIN);
        assert_eq!(primary_state(&s), RolloutState::Failed, "{hooks}");
        assert_eq!(weights(&s), (1000, 0), "{hooks}");
        assert_eq!(by_revision(&s), (4, 4), "held: {hooks}");
        let failures = s.services()[0]
            .events
            .iter()
            .filter(|e| e.message.contains("deployment failed"))
            .count();
        assert_eq!(failures, 1, "{hooks}");
        assert!(!logged(&s, "rolling back to deployment"), "{hooks}");
        assert!(deployment(&s)["lifecycleHookDetails"]
            .as_array()
            .unwrap()
            .is_empty());
    }
}

#[test]
fn a_failure_during_the_rollbacks_hooks_does_not_roll_back_to_the_failed_revision() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30,
            "deploymentCircuitBreaker": {"enable": true, "rollback": true}}),
        lambda_at(&["PRODUCTION_TRAFFIC_SHIFT"]),
    );
    let mut probe = sim(v.clone());
    at(&mut probe, 12 * MIN);
    let arn = probe.deployment_in_progress_arn(0).expect("in progress");
    v["stopServiceDeployments"] = json!([{"at": "PT15M", "serviceDeploymentArn": arn}]);
    // The rollback's hook takes an hour; meanwhile blue's containers fail their health checks
    // and the circuit breaker counts them.
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "taskDefinition": "web:1", "responses": [
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 3600}, {"hookStatus": "SUCCEEDED"}]}]);
    v["faults"] = json!([{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT16M", "count": 3}]);
    let mut s = sim(v.clone());
    at(&mut s, 40 * MIN);
    assert!(!logged(&s, "production traffic back to web:2"));
    assert_eq!(s.services()[0].task_definition, "web:1");
    // The failures do not count during the rollback: no new deployment starts, blue's tasks
    // are replaced, and once the hook answers, green's stop.
    assert_eq!(s.services()[0].deployments.len(), 3);
    assert_eq!(weights(&s), (1000, 0));
    at(&mut s, 80 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
    // The same with the circuit breaker's rollback off: the rollback does not stall.
    v["services"][0]["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"] =
        json!(false);
    let mut s = sim(v);
    at(&mut s, 80 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(s.services()[0].task_definition, "web:1");
}

#[test]
fn a_rollback_runs_production_then_test_traffic_shift_hooks_under_their_own_stage() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}),
        json!([{"hookTargetArn": CHECK, "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]},
               {"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:test-check", "lifecycleStages": ["TEST_TRAFFIC_SHIFT"]}]),
    );
    let mut probe = sim(v.clone());
    at(&mut probe, 12 * MIN);
    let arn = probe.deployment_in_progress_arn(0).expect("in progress");
    let failed = probe.services()[0].deployment_id.clone();
    v["stopServiceDeployments"] = json!([{"at": "PT15M", "serviceDeploymentArn": arn}]);
    v["lambdaHookResponses"] = json!([{"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:test-check",
        "lifecycleStage": "TEST_TRAFFIC_SHIFT", "taskDefinition": "web:1",
        "responses": [{"hookStatus": "IN_PROGRESS", "callBackDelay": 600}, {"hookStatus": "SUCCEEDED"}]}]);
    let mut s = sim(v);
    at(&mut s, 16 * MIN);
    assert_eq!(
        stage(&s),
        Some(LifecycleStage::Hook(HookStage::TestTrafficShift))
    );
    let lines: Vec<&str> = s.services()[0]
        .events
        .iter()
        .filter(|e| e.at.as_ms() >= 15 * MIN * 1000 && e.message.contains("calling Lambda hook"))
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].contains("lifecycle stage PRODUCTION_TRAFFIC_SHIFT")
            && lines[0].ends_with("function:check.")
    );
    assert!(
        lines[1].contains("lifecycle stage TEST_TRAFFIC_SHIFT")
            && lines[1].ends_with("function:test-check.")
    );
    // Reported under the deployment that failed, numbered after its own two runs (test-check
    // at TEST_TRAFFIC_SHIFT, check at PRODUCTION_TRAFFIC_SHIFT) and the rollback's first.
    let digits = deployment_digits(&failed);
    assert!(
        lines[1].contains(&format!("(deployment {failed})")),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(&format!("hook ecs-lambda-{digits}-4 ")),
        "{}",
        lines[1]
    );
    // The scripted 10 minutes, then CLEAN_UP.
    at(&mut s, 24 * MIN);
    assert_eq!(by_revision(&s), (4, 4));
    at(&mut s, 26 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn hook_ids_stay_unique_across_deployments_and_rollbacks() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}),
        lambda_at(&["PRE_SCALE_UP", "POST_SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT"]),
    );
    let mut web3 = v["taskDefinitions"][1].clone();
    web3["containerDefinitions"][0]["image"] = json!("public.ecr.aws/nginx/nginx:1.28");
    v["taskDefinitions"].as_array_mut().unwrap().push(web3);
    v["updateServices"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": "PT30M", "service": "web", "taskDefinition": "web:3"}));
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "taskDefinition": "web:3",
        "lifecycleStage": "PRE_SCALE_UP", "responses": [{"hookStatus": "FAILED"}]}]);
    let mut s = sim(v);
    at(&mut s, 40 * MIN);
    let ids: Vec<String> = s.services()[0]
        .events
        .iter()
        .filter(|e| e.message.contains("calling Lambda hook"))
        .filter_map(|e| {
            let at = e.message.find("hook ecs-")? + 5;
            Some(e.message[at..].split(' ').next()?.to_string())
        })
        .collect();
    // web:2: three runs; web:3: PRE_SCALE_UP fails; its rollback: PRODUCTION_TRAFFIC_SHIFT.
    assert_eq!(ids.len(), 5, "{ids:?}");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[test]
fn hooks_on_a_rolling_service_are_kept_with_a_warning() {
    let v = hooked(json!({}), pause_at("POST_SCALE_UP", json!({})));
    let warned = ecs_engine::Scenario::from_value(v.clone())
        .unwrap()
        .warnings;
    assert!(
        warned.iter().any(
            |w| w.path == "services[0].deploymentConfiguration.lifecycleHooks"
                && w.message.contains("kept but not run")
        ),
        "{warned:?}"
    );
    let mut s = sim(v);
    at(&mut s, 30 * MIN);
    assert!(first_event(&s, "paused").is_none());
    assert_eq!(primary_state(&s), RolloutState::Completed);
}

#[test]
fn the_hooks_of_a_stage_run_together_and_all_must_pass() {
    let both = json!([
        {"hookTargetArn": CHECK, "lifecycleStages": ["POST_SCALE_UP"]},
        {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}]);
    let v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        both,
    );
    let mut s = sim(v.clone());
    at(&mut s, 20 * MIN);
    // The Lambda hook succeeded at once; the pause still holds the stage.
    let details = deployment(&s)["lifecycleHookDetails"].clone();
    let statuses: Vec<(&str, &str)> = details
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["targetType"].as_str().unwrap(),
                h["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![("AWS_LAMBDA", "SUCCEEDED"), ("PAUSE", "AWAITING_ACTION")]
    );
    assert_eq!(details[0]["targetArn"], CHECK);
    assert_eq!(
        stage(&s),
        Some(LifecycleStage::Hook(HookStage::PostScaleUp))
    );
    // Continuing the pause lets the stage end.
    let mut continued_v = v.clone();
    continued_v["continueServiceDeployments"] = json!([{"at": "PT21M",
        "serviceDeploymentArn": s.deployment_in_progress_arn(0).unwrap(), "hookId": details[1]["hookId"]}]);
    let mut s = sim(continued_v);
    at(&mut s, 21 * MIN);
    assert_eq!(weights(&s), (0, 1000));
    // A failing Lambda hook rolls back at once, whatever the pause waits for.
    let mut v = v;
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "responses": [
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 120}, {"hookStatus": "FAILED"}]}]);
    let mut s = sim(v);
    at(&mut s, 20 * MIN);
    let called = first_event(&s, "calling Lambda hook").expect("called");
    let failed = first_event(&s, "deployment failed: lifecycle hook").expect("failed");
    assert_eq!(failed - called, 120);
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn a_lambda_hook_cannot_be_continued_and_times_out_like_a_pause() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        json!([{"hookTargetArn": CHECK, "lifecycleStages": ["POST_SCALE_UP"],
            "timeoutConfiguration": {"timeoutInMinutes": 5}}]),
    );
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "responses": [
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 60}]}]);
    let mut probe = sim(v.clone());
    at(&mut probe, 8 * MIN);
    let (arn, id) = paused_hook(&probe);
    assert!(id.starts_with("ecs-lambda-"), "{id}");
    v["continueServiceDeployments"] =
        json!([{"at": "PT9M", "serviceDeploymentArn": arn, "hookId": id}]);
    let mut s = sim(v.clone());
    at(&mut s, 30 * MIN);
    assert!(logged(
        &s,
        &format!("continueServiceDeployments[0].hookId: no pause hook {id} is AWAITING_ACTION")
    ));
    // Still IN_PROGRESS after 5 minutes: ROLLBACK, the default timeout action.
    let called = first_event(&s, "calling Lambda hook").expect("called");
    let out = first_event(&s, "timed out: the deployment rolls back").expect("timed out");
    assert_eq!(out - called, 5 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
    // With CONTINUE, the deployment goes on.
    v["services"][0]["deploymentConfiguration"]["lifecycleHooks"][0]["timeoutConfiguration"]
        ["action"] = json!("CONTINUE");
    let mut s = sim(v);
    at(&mut s, 30 * MIN);
    assert_eq!(primary_state(&s), RolloutState::Completed);
}

#[test]
fn lambda_hook_events_say_in_progress_then_failed_with_the_deployment_arn() {
    let mut v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        lambda_at(&["POST_TEST_TRAFFIC_SHIFT"]),
    );
    v["lambdaHookResponses"] = json!([{"hookTargetArn": CHECK, "responses": [
        {"hookStatus": "IN_PROGRESS"}, {"hookStatus": "FAILED"}]}]);
    email_hook_events(
        &mut v,
        &["eventName", "eventType", "hookType", "serviceDeploymentArn"],
    );
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    let bodies = emails(&s);
    let failed_id = deployment_digits(&s.services()[0].deployments[1].id);
    let arn =
        format!("arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/{failed_id}");
    assert_eq!(
        bodies,
        vec![
            format!("HOOK_IN_PROGRESS INFO AWS_LAMBDA {arn}"),
            format!("HOOK_FAILED ERROR AWS_LAMBDA {arn}"),
        ]
    );
}

#[test]
fn test_traffic_weights_are_left_out_without_a_test_listener_rule() {
    let v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at("POST_TEST_TRAFFIC_SHIFT", json!({})),
    );
    let mut s = sim(v);
    at(&mut s, 20 * MIN);
    let d = deployment(&s);
    assert_eq!(d["lifecycleStage"], "POST_TEST_TRAFFIC_SHIFT");
    assert!(d["targetServiceRevision"]
        .get("requestedTestTrafficWeight")
        .is_none());
    assert!(!logged(&s, "test traffic (testListenerRule)"));
}

#[test]
fn continue_pressed_at_the_moment_the_pause_began_is_not_missed() {
    let v = hooked(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}),
        pause_at("POST_SCALE_UP", json!({})),
    );
    let mut probe = sim(v.clone());
    at(&mut probe, 30 * MIN);
    let began = first_event(&probe, "paused; waiting").expect("paused");
    // The UI at exactly that moment (the Step button lands on it): the edit it makes.
    let mut probe = sim(v.clone());
    at(&mut probe, began);
    let (arn, id) = paused_hook(&probe);
    let edited = ecs_engine::edit::continue_service_deployment(
        &v,
        &arn,
        &id,
        "CONTINUE",
        ecs_engine::SimTime(began * 1000),
    )
    .unwrap();
    let mut s = sim(edited);
    at(&mut s, began + 1);
    assert_eq!(weights(&s), (0, 1000));
}

#[test]
fn describe_services_shows_the_deployment_configuration_the_service_runs_with() {
    let mut v = hooked(
        json!({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 12.5, "stepBakeTimeInMinutes": 2},
            "bakeTimeInMinutes": 3, "deploymentCircuitBreaker": {"enable": true, "rollback": true},
            "alarms": {"alarmNames": ["web-5xx"], "enable": false, "rollback": true}}),
        json!([{"hookTargetArn": CHECK, "roleArn": "arn:aws:iam::123456789012:role/hooks",
                "lifecycleStages": ["POST_SCALE_UP"], "hookDetails": {"path": "/health"}},
               {"targetType": "PAUSE", "lifecycleStages": ["PRE_PRODUCTION_TRAFFIC_SHIFT"],
                "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "CONTINUE"}}]),
    );
    // At 5 minutes UpdateService changes the strategy: its members replace those given.
    v["updateServices"][0]["deploymentConfiguration"] =
        json!({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 5}});
    let mut s = sim(v.clone());
    let described = |s: &Simulation| s.describe()["services"][0]["deploymentConfiguration"].clone();
    let hooks = v["services"][0]["deploymentConfiguration"]["lifecycleHooks"].clone();
    assert_eq!(
        described(&s),
        json!({"minimumHealthyPercent": 100, "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": true, "rollback": true},
            "alarms": {"alarmNames": ["web-5xx"], "enable": false, "rollback": true},
            "strategy": "LINEAR", "bakeTimeInMinutes": 3,
            "linearConfiguration": {"stepPercent": 12.5, "stepBakeTimeInMinutes": 2},
            "lifecycleHooks": hooks.clone()})
    );
    // The member pasted back (describe-services output) configures the same deployments.
    let mut again = v.clone();
    again["services"][0]["deploymentConfiguration"] = described(&s);
    let back = sim(again);
    assert_eq!(
        back.services()[0].lifecycle_hooks,
        s.services()[0].lifecycle_hooks
    );
    assert_eq!(
        back.services()[0].deployment_configuration,
        s.services()[0].deployment_configuration
    );
    at(&mut s, 5 * MIN + 1);
    assert_eq!(
        described(&s),
        json!({"minimumHealthyPercent": 100, "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": true, "rollback": true},
            "alarms": {"alarmNames": ["web-5xx"], "enable": false, "rollback": true},
            "strategy": "CANARY", "bakeTimeInMinutes": 3,
            "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10},
            "lifecycleHooks": hooks})
    );
}

#[test]
fn describe_services_output_pastes_back_as_the_same_services() {
    // A Fargate blue/green service with hooks, an EC2 binpack service with a constraint, and a
    // DAEMON service: their describe-services output, pasted into the scenario without them,
    // makes the same services.
    let mut v = hooked(
        json!({"strategy": "CANARY", "bakeTimeInMinutes": 2,
            "alarms": {"alarmNames": ["web-5xx"], "enable": false, "rollback": true}}),
        json!([{"hookTargetArn": CHECK, "roleArn": "arn:aws:iam::123456789012:role/hooks",
            "lifecycleStages": ["POST_SCALE_UP"], "hookDetails": {"path": "/health"}}]),
    );
    v["containerInstances"] = json!([{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "subnetId": "subnet-a"}]);
    v["taskDefinitions"].as_array_mut().unwrap().push(json!({"family": "agent",
        "containerDefinitions": [{"name": "agent", "image": "agent", "memory": 64, "essential": true}]}));
    v["services"].as_array_mut().unwrap().extend([
        json!({"serviceName": "packed", "taskDefinition": "agent", "desiredCount": 2, "launchType": "EC2",
            "placementStrategy": [{"type": "binpack", "field": "memory"}],
            "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m5.*"}]}),
        json!({"serviceName": "agent", "taskDefinition": "agent", "schedulingStrategy": "DAEMON"}),
    ]);
    let s = sim(v.clone());
    let described = s.describe()["services"].clone();
    let mut empty = v.clone();
    empty["services"] = json!([]);
    let (pasted, added) = ecs_engine::edit::add_services_json(
        &empty,
        &json!({"services": described}).to_string(),
        &ecs_engine::edit::PastedServiceDefaults::default(),
    )
    .unwrap();
    assert_eq!(added, ["web", "packed", "agent"]);
    let back = sim(pasted);
    for (a, b) in s.services().iter().zip(back.services()) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.task_definition, b.task_definition);
        assert_eq!(a.desired_count, b.desired_count, "{}", a.name);
        assert_eq!(a.scheduling, b.scheduling, "{}", a.name);
        assert_eq!(
            a.deployment_configuration, b.deployment_configuration,
            "{}",
            a.name
        );
        assert_eq!(a.lifecycle_hooks, b.lifecycle_hooks, "{}", a.name);
        assert_eq!(a.load_balancers, b.load_balancers, "{}", a.name);
        assert_eq!(a.subnets, b.subnets, "{}", a.name);
        assert_eq!(a.capacity, b.capacity, "{}", a.name);
        let labels = |x: &ecs_engine::service::Service| {
            (
                x.strategies.iter().map(|p| p.label()).collect::<Vec<_>>(),
                x.constraints.iter().map(|c| c.label()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(labels(a), labels(b), "{}", a.name);
    }
}
