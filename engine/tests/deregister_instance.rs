//! DeregisterContainerInstance (2.6): an instance leaves its cluster; with `force` its tasks
//! are orphaned and their services start copies elsewhere; its EC2 instance keeps running.

mod support;

use ecs_engine::container_instance::InstanceStatus;
use ecs_engine::deregister_instance::ORPHANED_REASON;
use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, logged, sim};

/// Two m5.large, `i-one` and `i-two`; service `web` of 2 tasks spread over them; the
/// DeregisterContainerInstance calls `calls`, and a StartTask on `i-one` at 20 minutes.
fn scenario(calls: Value) -> Value {
    json!({
        "version": 1, "seed": 8, "duration": "PT30M",
        "containerInstances": [
            {"id": "i-one", "instanceType": "m5.large", "availabilityZone": "us-east-1a"},
            {"id": "i-two", "instanceType": "m5.large", "availabilityZone": "us-east-1b"}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx", "essential": true, "memory": 256, "cpu": 256}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}],
        "deregisterContainerInstances": calls,
        "startTasks": [{"at": "PT20M", "taskDefinition": "web", "containerInstances": ["i-one"]}]
    })
}

fn slot(s: &Simulation, id: &str) -> usize {
    s.cluster().find(id).unwrap()
}

/// Active tasks per instance id.
fn active_on(s: &Simulation, id: &str) -> usize {
    let slot = slot(s, id);
    s.tasks()
        .iter()
        .filter(|t| t.is_active() && t.reservation.slot == slot)
        .count()
}

#[test]
fn an_instance_with_tasks_is_refused_without_force() {
    let mut s = sim(scenario(
        json!([{"at": "PT5M", "containerInstance": "i-one"}]),
    ));
    at(&mut s, 6 * 60);
    assert!(logged(
        &s,
        "DeregisterContainerInstance failed: deregisterContainerInstances[0].containerInstance: InvalidParameterException"
    ));
    assert_eq!(
        s.cluster().instances[slot(&s, "i-one")].status,
        InstanceStatus::Active
    );
    assert_eq!(active_on(&s, "i-one"), 1);
}

#[test]
fn with_force_the_tasks_are_orphaned_and_replaced_and_the_ec2_instance_still_bills_2_6() {
    let mut s = sim(scenario(
        json!([{"at": "PT5M", "containerInstance": "i-one", "force": true}]),
    ));
    at(&mut s, 5 * 60 - 1);
    let cost_before = s.cost().ec2_usd_per_hour;
    let orphan = s
        .tasks()
        .iter()
        .position(|t| t.is_active() && t.reservation.slot == slot(&s, "i-one"))
        .unwrap();
    at(&mut s, 6 * 60);
    let inst = &s.cluster().instances[slot(&s, "i-one")];
    assert_eq!(inst.status, InstanceStatus::Inactive);
    let t = &s.tasks()[orphan];
    assert_eq!(t.last_status, TaskStatus::Stopped);
    assert_eq!(
        (t.stop_code.as_deref(), t.stopped_reason.as_deref()),
        (Some("UserInitiated"), Some(ORPHANED_REASON))
    );
    // The service starts another copy on the instance left.
    assert_eq!(active_on(&s, "i-two"), 2);
    // The EC2 instance was not terminated: both instances still bill.
    assert_eq!(s.cost().ec2_usd_per_hour, cost_before);
    // 2.6: StartTask on a deregistered instance fails with INACTIVE.
    at(&mut s, 21 * 60);
    assert!(s.failures().iter().any(|f| f.reason == "INACTIVE"));
    // DescribeContainerInstances reports it INACTIVE.
    let out = s.describe();
    let described = out["containerInstances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ec2InstanceId"] == "i-one")
        .unwrap();
    assert_eq!(described["status"], "INACTIVE");
}

#[test]
fn an_empty_instance_deregisters_without_force() {
    let mut v = scenario(json!([{"at": "PT5M", "containerInstance": "i-two"}]));
    v["services"][0]["desiredCount"] = json!(1);
    v["services"][0]["placementConstraints"] = json!([{"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"}]);
    let mut s = sim(v);
    at(&mut s, 6 * 60);
    assert_eq!(
        s.cluster().instances[slot(&s, "i-two")].status,
        InstanceStatus::Inactive
    );
    assert!(logged(
        &s,
        "is INACTIVE: deregistered (DeregisterContainerInstance)"
    ));
}
