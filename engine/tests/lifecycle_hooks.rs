//! Lifecycle hooks (`LifecycleHookSpecificationList` on CreateAutoScalingGroup): a hook holds
//! an instance in `Pending:Wait` or `Terminating:Wait` until CompleteLifecycleAction gives its
//! result, or for its `HeartbeatTimeout` (restarted by RecordLifecycleActionHeartbeat), then
//! its `DefaultResult` applies (the EC2 Auto Scaling guide). The ECS agent registers at boot whatever the
//! group's lifecycle state, so tasks run on a `Pending:Wait` instance (6.5 for draining).

mod support;

use ecs_engine::auto_scaling_group::GroupInstanceState;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{assert_refused, at, count, group, logged, running, sim};

/// Group `asg` (desired 2, m5.large) behind capacity provider `cp` (managed draining when
/// `draining`) with `hooks`, service `web` of four one-vCPU tasks.
fn hook_scenario(hooks: Value, draining: bool) -> Value {
    json!({
        "version": 1, "seed": 5, "duration": "PT3H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "launchTemplates": [{"LaunchTemplateName": "lt", "LaunchTemplateData": {"InstanceType": "m5.large"}}],
        "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 6, "DesiredCapacity": 2,
            "LaunchTemplate": {"LaunchTemplateName": "lt"}, "VPCZoneIdentifier": "subnet-a,subnet-b",
            "LifecycleHookSpecificationList": hooks}],
        "capacityProviders": [{"name": "cp", "autoScalingGroupProvider": {"autoScalingGroupArn": "asg",
            "managedDraining": if draining { "ENABLED" } else { "DISABLED" }}}],
        "clusters": [{"clusterName": "default", "capacityProviders": ["cp"],
            "defaultCapacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}]}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "cpu": 1024, "memory": 512, "essential": true}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 4}]
    })
}

fn launch_hook(timeout: u32, result: &str) -> Value {
    json!([{"LifecycleHookName": "bootstrap", "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
        "HeartbeatTimeout": timeout, "DefaultResult": result}])
}

fn terminate_hook(timeout: u32) -> Value {
    json!([{"LifecycleHookName": "drain-logs", "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
        "HeartbeatTimeout": timeout}])
}

/// The described `LifecycleState` of every instance of the group.
fn states(sim: &Simulation) -> Vec<String> {
    sim.describe()["autoScalingGroups"][0]["Instances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| i["LifecycleState"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_launch_hook_holds_instances_in_pending_wait_while_ecs_already_runs_tasks_there() {
    let mut s = sim(hook_scenario(launch_hook(300, "CONTINUE"), true));
    at(&mut s, 200);
    // Registered with ECS at 90 s and running the tasks, but not InService for the group.
    assert_eq!(s.cluster().instances.len(), 2);
    assert_eq!(running(&s), 4);
    assert_eq!(count(&s, GroupInstanceState::InService), 0);
    assert_eq!(states(&s), ["Pending:Wait", "Pending:Wait"]);
    at(&mut s, 300);
    assert_eq!(count(&s, GroupInstanceState::InService), 2);
    assert_eq!(states(&s), ["InService", "InService"]);
    assert!(logged(&s, "timed out with result CONTINUE"));
}

#[test]
fn a_launch_hook_that_abandons_terminates_the_instance_and_launches_again_and_again() {
    // The default result is ABANDON: nobody completes the action, so every instance is
    // terminated at the timeout, its tasks with it, and the group tries again.
    let hooks = json!([{"LifecycleHookName": "bootstrap",
        "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "HeartbeatTimeout": 600}]);
    let mut s = sim(hook_scenario(hooks, false));
    at(&mut s, 599);
    assert_eq!(running(&s), 4);
    at(&mut s, 600);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 2);
    assert_eq!(count(&s, GroupInstanceState::Pending), 2);
    let died = s
        .tasks()
        .iter()
        .filter(|t| t.stop_code.as_deref() == Some("TerminationNotice"))
        .count();
    assert_eq!(died, 4);
    at(&mut s, 3 * 600 + 1);
    // Every 10 minutes, the same again: nothing ever goes in service.
    assert_eq!(count(&s, GroupInstanceState::Terminated), 6);
    assert_eq!(count(&s, GroupInstanceState::InService), 0);
    assert!(group(&s).activities.iter().any(|a| a
        .cause
        .contains("launch lifecycle action that timed out with result ABANDON")));
}

#[test]
fn a_terminate_hook_keeps_the_instance_and_its_tasks_in_terminating_wait() {
    let mut doc = hook_scenario(terminate_hook(900), false);
    doc["updateAutoScalingGroups"] =
        json!([{"at": "PT10M", "AutoScalingGroupName": "asg", "DesiredCapacity": 1}]);
    let mut s = sim(doc);
    at(&mut s, 600);
    assert_eq!(count(&s, GroupInstanceState::Terminating), 1);
    assert!(states(&s).contains(&"Terminating:Wait".to_string()));
    // Without managed draining its tasks keep running until the hook times out …
    at(&mut s, 1499);
    assert_eq!(running(&s), 4);
    // … and then die with the instance.
    at(&mut s, 1500);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 1);
    assert_eq!(running(&s), 2);
}

#[test]
fn with_managed_draining_the_instance_goes_once_drained_and_the_hook_done() {
    let mut doc = hook_scenario(terminate_hook(900), true);
    doc["updateAutoScalingGroups"] =
        json!([{"at": "PT10M", "AutoScalingGroupName": "asg", "DesiredCapacity": 1}]);
    // Two tasks: the instance left holds both.
    doc["services"][0]["desiredCount"] = json!(2);
    let mut s = sim(doc);
    at(&mut s, 700);
    // Drained: its tasks moved to the other instance.
    let victim = group(&s)
        .instances
        .iter()
        .find(|i| i.state == GroupInstanceState::Terminating)
        .expect("the victim")
        .id
        .clone();
    let on_victim = s
        .tasks()
        .iter()
        .filter(|t| t.is_active())
        .filter(|t| s.cluster().instances[t.reservation.slot].ec2_instance_id == victim)
        .count();
    assert_eq!(on_victim, 0);
    // Still held by the hook until 1,500 s.
    at(&mut s, 1499);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 0);
    at(&mut s, 1500);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 1);
    let died = s
        .tasks()
        .iter()
        .filter(|t| t.stop_code.as_deref() == Some("TerminationNotice"))
        .count();
    assert_eq!(died, 0);
}

#[test]
fn lifecycle_hooks_are_checked_naming_the_field() {
    let with = |hooks: Value| hook_scenario(hooks, false);
    let p = "autoScalingGroups[0].LifecycleHookSpecificationList[0]";
    assert_refused(vec![
        (
            with(
                json!([{"LifecycleHookName": "h", "LifecycleTransition": "autoscaling:EC2_INSTANCE_REBOOTING"}]),
            ),
            format!("{p}.LifecycleTransition").as_str(),
        ),
        (
            with(
                json!([{"LifecycleHookName": "h", "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "HeartbeatTimeout": 10}]),
            ),
            format!("{p}.HeartbeatTimeout").as_str(),
        ),
        (
            with(
                json!([{"LifecycleHookName": "h", "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "DefaultResult": "MAYBE"}]),
            ),
            format!("{p}.DefaultResult").as_str(),
        ),
        (
            with(json!([{"LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING"}])),
            format!("{p}.LifecycleHookName").as_str(),
        ),
    ]);
}

#[test]
fn an_instance_scaled_in_while_a_launch_hook_holds_it_goes_once_drained() {
    // A launch hook of an hour; the group scales in at 5 minutes with managed draining: the
    // launch hook no longer holds the instance, which terminates once drained.
    let mut doc = hook_scenario(launch_hook(3600, "CONTINUE"), true);
    doc["services"][0]["desiredCount"] = json!(2);
    doc["updateAutoScalingGroups"] =
        json!([{"at": "PT5M", "AutoScalingGroupName": "asg", "DesiredCapacity": 1}]);
    let mut s = sim(doc);
    at(&mut s, 1200);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 1);
    assert!(group(&s)
        .instances
        .iter()
        .filter(|i| i.state == GroupInstanceState::Terminated)
        .all(|i| !i.held()));
}

#[test]
fn put_lifecycle_hook_holds_the_instances_launched_after_it() {
    // No hook at creation; PutLifecycleHook at 10 minutes (then the same name again, with a
    // shorter timeout, which replaces it); the scale-out at 20 minutes waits for it.
    let mut doc = hook_scenario(json!([]), false);
    doc["putLifecycleHooks"] = json!([
        {"at": "PT10M", "AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap",
         "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "HeartbeatTimeout": 3600,
         "DefaultResult": "CONTINUE"},
        {"at": "PT11M", "AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap",
         "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "HeartbeatTimeout": 600,
         "DefaultResult": "CONTINUE"}
    ]);
    doc["updateAutoScalingGroups"] =
        json!([{"at": "PT20M", "AutoScalingGroupName": "asg", "DesiredCapacity": 3}]);
    let mut s = sim(doc);
    at(&mut s, 1199);
    assert_eq!(count(&s, GroupInstanceState::InService), 2);
    assert_eq!(group(&s).spec.lifecycle_hooks.len(), 1);
    at(&mut s, 1799);
    assert_eq!(count(&s, GroupInstanceState::InService), 2);
    assert!(states(&s).contains(&"Pending:Wait".to_string()));
    at(&mut s, 1800);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
    let mut bad = hook_scenario(json!([]), false);
    bad["putLifecycleHooks"] = json!([{"AutoScalingGroupName": "asg", "LifecycleHookName": "h",
        "LifecycleTransition": "autoscaling:EC2_INSTANCE_STARTING"}]);
    assert_refused(vec![(bad, "putLifecycleHooks[0].LifecycleTransition")]);
}

/// The ids of the group's instances in launch order.
fn instance_ids(sim: &Simulation) -> Vec<String> {
    group(sim).instances.iter().map(|i| i.id.clone()).collect()
}

#[test]
fn complete_lifecycle_action_continue_puts_the_instance_in_service_before_the_timeout() {
    let mut probe = sim(hook_scenario(launch_hook(3600, "ABANDON"), true));
    at(&mut probe, 10);
    let ids = instance_ids(&probe);
    let mut v = hook_scenario(launch_hook(3600, "ABANDON"), true);
    v["completeLifecycleActions"] = json!([
        {"at": "PT3M", "AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap",
         "LifecycleActionResult": "CONTINUE", "InstanceId": ids[0]},
        {"at": "PT3M", "AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap",
         "LifecycleActionResult": "ABANDON", "InstanceId": ids[1]},
        {"at": "PT4M", "AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap",
         "LifecycleActionResult": "CONTINUE", "InstanceId": ids[0]}]);
    let mut s = sim(v);
    at(&mut s, 3 * 60 + 1);
    let first = &group(&s).instances[0];
    assert_eq!(first.state, GroupInstanceState::InService);
    assert!(!first.held());
    // ABANDON terminates the other one (drained first: managed draining is on), and the
    // group launches a replacement that waits.
    assert_eq!(
        group(&s).instances[1].state,
        GroupInstanceState::Terminating
    );
    assert_eq!(group(&s).instances.len(), 3);
    assert!(logged(
        &s,
        "lifecycle action that completed with result ABANDON"
    ));
    // A second completion finds no action in progress.
    at(&mut s, 4 * 60 + 1);
    assert!(logged(&s, "completeLifecycleActions[2]: ValidationError: No active Lifecycle Action found with instance ID"));
}

#[test]
fn heartbeats_restart_the_timeout_up_to_the_global_timeout() {
    // HeartbeatTimeout 60 s, default CONTINUE: a heartbeat at 50 s keeps it waiting to 110 s.
    let mut probe = sim(hook_scenario(launch_hook(60, "CONTINUE"), true));
    at(&mut probe, 10);
    let ids = instance_ids(&probe);
    let mut v = hook_scenario(launch_hook(60, "CONTINUE"), true);
    v["recordLifecycleActionHeartbeats"] = json!([
        {"at": "PT50S", "AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap", "InstanceId": ids[0]}]);
    let mut s = sim(v);
    at(&mut s, 100);
    assert_eq!(group(&s).instances[0].state, GroupInstanceState::Pending);
    assert_eq!(group(&s).instances[1].state, GroupInstanceState::InService);
    at(&mut s, 111);
    assert_eq!(group(&s).instances[0].state, GroupInstanceState::InService);
    assert_eq!(
        ecs_engine::auto_scaling_group::lifecycle_hook::global_timeout_ms(60_000),
        6_000_000
    );
    assert_eq!(
        ecs_engine::auto_scaling_group::lifecycle_hook::global_timeout_ms(7_200_000),
        48 * 3_600_000
    );
}

#[test]
fn lifecycle_action_calls_are_checked_naming_the_field() {
    let call = |body: Value| {
        let mut v = hook_scenario(launch_hook(60, "CONTINUE"), true);
        v["completeLifecycleActions"] = json!([body]);
        v
    };
    assert_refused(vec![
        (
            call(
                json!({"AutoScalingGroupName": "asg", "LifecycleActionResult": "CONTINUE", "InstanceId": "i-1"}),
            ),
            "completeLifecycleActions[0].LifecycleHookName",
        ),
        (
            call(
                json!({"AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap", "LifecycleActionResult": "CONTINUE"}),
            ),
            "completeLifecycleActions[0].InstanceId",
        ),
        (
            call(
                json!({"AutoScalingGroupName": "asg", "LifecycleHookName": "bootstrap", "LifecycleActionResult": "MAYBE", "InstanceId": "i-1"}),
            ),
            "completeLifecycleActions[0].LifecycleActionResult",
        ),
        (
            call(
                json!({"AutoScalingGroupName": "nope", "LifecycleHookName": "bootstrap", "LifecycleActionResult": "CONTINUE", "InstanceId": "i-1"}),
            ),
            "completeLifecycleActions[0].AutoScalingGroupName",
        ),
    ]);
}

#[test]
fn the_lifecycle_action_event_carries_the_token_a_hook_handler_completes_with() {
    let mut v = hook_scenario(launch_hook(3600, "ABANDON"), true);
    v["snsTopics"] = json!([{"Name": "hooks", "Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com"}]}]);
    v["eventRules"] = json!([{"Name": "launch-hooks", "EventPattern": {"source": ["aws.autoscaling"],
        "detail-type": ["EC2 Instance-launch Lifecycle Action"]},
        "Targets": [{"Id": "hooks", "Arn": "arn:aws:sns:us-east-1:123456789012:hooks", "InputTransformer": {
            "InputPathsMap": {"token": "$.detail.LifecycleActionToken", "id": "$.detail.EC2InstanceId"},
            "InputTemplate": "\"<id> <token>\""}}]}]);
    let mut probe = sim(v.clone());
    at(&mut probe, 60);
    let out = probe.describe();
    let bodies: Vec<String> = out["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let (id, token) = bodies[0].split_once(' ').expect("instance and token");
    // The handler completes the first instance's action by its token.
    v["completeLifecycleActions"] = json!([{"at": "PT3M", "AutoScalingGroupName": "asg",
        "LifecycleHookName": "bootstrap", "LifecycleActionResult": "CONTINUE", "LifecycleActionToken": token}]);
    let mut s = sim(v);
    at(&mut s, 3 * 60 + 1);
    let done: Vec<_> = group(&s)
        .instances
        .iter()
        .filter(|i| i.state == GroupInstanceState::InService)
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(done, vec![id.to_string()]);
}

#[test]
fn abandon_stops_the_other_hooks_continue_lets_them_finish() {
    // Two terminate hooks (300 s and 3000 s); scale-in at 10 minutes.
    let hooks = json!([
        {"LifecycleHookName": "a", "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING", "HeartbeatTimeout": 300},
        {"LifecycleHookName": "b", "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING", "HeartbeatTimeout": 3000}]);
    let mut v = hook_scenario(hooks, false);
    v["services"][0]["desiredCount"] = json!(2);
    v["updateAutoScalingGroups"] =
        json!([{"at": "PT10M", "AutoScalingGroupName": "asg", "DesiredCapacity": 1}]);
    let mut probe = sim(v.clone());
    at(&mut probe, 10 * 60 + 1);
    let held: Vec<String> = group(&probe)
        .instances
        .iter()
        .filter(|i| i.held())
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(held.len(), 1);
    let complete = |result: &str| {
        let mut v = v.clone();
        v["completeLifecycleActions"] = json!([{"at": "PT11M", "AutoScalingGroupName": "asg",
            "LifecycleHookName": "a", "LifecycleActionResult": result, "InstanceId": held[0]}]);
        let mut s = sim(v);
        at(&mut s, 12 * 60);
        group(&s)
            .instances
            .iter()
            .find(|i| i.id == held[0])
            .map(|i| (i.state, i.held()))
            .unwrap()
    };
    // ABANDON on hook a: the instance terminates without waiting for hook b.
    assert_eq!(complete("ABANDON"), (GroupInstanceState::Terminated, false));
    // CONTINUE on hook a: hook b still holds it.
    assert_eq!(
        complete("CONTINUE"),
        (GroupInstanceState::Terminating, true)
    );
}

#[test]
fn an_abandoned_launch_is_drained_first_with_managed_draining() {
    let mut s = sim(hook_scenario(launch_hook(600, "ABANDON"), true));
    at(&mut s, 599);
    assert_eq!(running(&s), 4);
    at(&mut s, 601);
    // Both held instances leave as the group's terminations do: DRAINING, not killed.
    assert_eq!(count(&s, GroupInstanceState::Terminating), 2);
    assert!(s
        .cluster()
        .instances
        .iter()
        .filter(|i| !i.fargate)
        .take(2)
        .all(|i| i.status == ecs_engine::container_instance::InstanceStatus::Draining));
    at(&mut s, 900);
    let died = s
        .tasks()
        .iter()
        .filter(|t| t.stop_code.as_deref() == Some("TerminationNotice"))
        .count();
    assert_eq!(
        died, 0,
        "the tasks were drained, not killed with their instances"
    );
}
