//! The DAEMON scheduler's priority over replica tasks (4.1): resources are held back for the
//! daemon task an instance lacks, and on a draining instance the daemon task stops last.

use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};

mod support;
use support::{at, sim};

/// One m5.large (2048 CPU units) `i-one` in `c`, a second one `i-two` at `second_at` seconds
/// if given; replica
/// service `web` (1024 units a task, `desired`) listed before DAEMON service `agent` (512
/// units), so the replica scheduler looks first.
fn cluster(desired: u32, second_at: Option<u64>) -> Value {
    let mut instances = vec![json!({"id": "i-one", "instanceType": "m5.large",
        "availabilityZone": "us-east-1a", "ecsConfig": {"ECS_CLUSTER": "c"}})];
    if let Some(t) = second_at {
        instances.push(json!({"id": "i-two", "instanceType": "m5.large",
            "availabilityZone": "us-east-1a", "ecsConfig": {"ECS_CLUSTER": "c"}, "launchAt": t}));
    }
    let td = |family: &str, cpu: u32| {
        json!({"family": family, "containerDefinitions": [
            {"name": family, "image": "nginx", "cpu": cpu, "memory": 256, "essential": true}]})
    };
    json!({
        "version": 1, "seed": 4, "duration": "PT1H",
        "clusters": [{"clusterName": "c"}],
        "containerInstances": instances,
        "taskDefinitions": [td("web", 1024), td("agent", 512)],
        "services": [
            {"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": desired},
            {"serviceName": "agent", "cluster": "c", "taskDefinition": "agent", "schedulingStrategy": "DAEMON"}
        ]
    })
}

/// Active tasks of service `name` per instance slot.
fn tasks_of(s: &Simulation, name: &str) -> Vec<usize> {
    let svc = s.services().iter().position(|x| x.name == name).unwrap();
    let mut slots: Vec<usize> = s
        .tasks()
        .iter()
        .filter(|t| t.is_active() && t.service == Some(svc))
        .map(|t| t.reservation.slot)
        .collect();
    slots.sort();
    slots
}

#[test]
fn resources_are_held_back_for_the_daemon_task_4_1() {
    // Without the hold, web (looked at first) would take both 1024-unit slots and the daemon
    // would not fit. With it, web sees 2048 − 512 units: one task, then the daemon's.
    let mut s = sim(cluster(2, None));
    at(&mut s, 60);
    assert_eq!(tasks_of(&s, "agent"), vec![0]);
    assert_eq!(tasks_of(&s, "web"), vec![0]);
    assert!(s.services()[0]
        .events
        .iter()
        .any(|e| e.message.contains("has insufficient CPU units available")));
}

#[test]
fn a_late_instance_gets_its_daemon_task_before_waiting_replicas_4_1() {
    // Web waits for room with 3 of 4 tasks unplaced; an instance registers at 5 minutes. Its
    // daemon share is held, so web takes one 1024-unit slot there, not two.
    let mut s = sim(cluster(4, Some(300)));
    at(&mut s, 290);
    assert_eq!(tasks_of(&s, "web"), vec![0]);
    at(&mut s, 400);
    assert_eq!(tasks_of(&s, "agent"), vec![0, 1]);
    assert_eq!(tasks_of(&s, "web"), vec![0, 1]);
    // The explanation of the next web task names the hold while it applies: here nothing is
    // held any more, so the verdict is plain.
    let e = s
        .explain_next_placement("web")
        .expect("web can be explained");
    assert!(e.chosen.is_none());
    assert!(e.candidates.iter().all(|c| !c
        .verdict
        .reason()
        .unwrap_or_default()
        .contains("held back")));
}

#[test]
fn the_explanation_names_what_is_held_back_4_1() {
    // StartTask (not held back) fills i-one to 256 free units at 5 minutes. At 10 minutes the
    // daemon's memberOf starts to hold: its 512 units cannot be placed, and stay held. Web,
    // scaled to 1 at 12 minutes, cannot use them, and its explanation says why.
    let mut v = cluster(0, None);
    v["taskDefinitions"].as_array_mut().unwrap().push(json!({"family": "big",
        "containerDefinitions": [{"name": "big", "image": "nginx", "cpu": 1792, "memory": 256, "essential": true}]}));
    v["startTasks"] = json!([{"at": "PT5M", "cluster": "c", "taskDefinition": "big", "containerInstances": ["i-one"]}]);
    v["services"][1]["placementConstraints"] =
        json!([{"type": "memberOf", "expression": "attribute:role == edge"}]);
    v["putAttributes"] = json!([{"at": "PT10M", "cluster": "c", "attributes": [
        {"name": "role", "value": "edge", "targetType": "container-instance", "targetId": "i-one"}]}]);
    v["updateServices"] =
        json!([{"at": "PT12M", "service": "web", "cluster": "c", "desiredCount": 1}]);
    let mut s = sim(v);
    at(&mut s, 12 * 60 + 1);
    assert!(
        tasks_of(&s, "agent").is_empty(),
        "256 units free: the daemon does not fit"
    );
    assert!(tasks_of(&s, "web").is_empty());
    let e = s.explain_next_placement("web").unwrap();
    let why = e.candidates[0].verdict.reason().unwrap();
    assert_eq!(
        why,
        "rejected at Resources: insufficient CPU units: the task needs 1024, 0 available (512 more held back for daemon tasks not yet placed)"
    );
}

#[test]
fn on_a_draining_instance_the_daemon_task_stops_last_4_1() {
    // Web's minimumHealthyPercent 0 lets its task leave the draining instance (4.7).
    let mut v = cluster(1, None);
    v["services"][0]["deploymentConfiguration"] = json!({"minimumHealthyPercent": 0});
    v["updateContainerInstancesState"] =
        json!([{"at": 300, "cluster": "c", "containerInstances": ["i-one"], "status": "DRAINING"}]);
    let mut s = sim(v);
    at(&mut s, 299);
    let agent = s.services().iter().position(|x| x.name == "agent").unwrap();
    let web = s.services().iter().position(|x| x.name == "web").unwrap();
    let daemon = s
        .tasks()
        .iter()
        .position(|t| t.service == Some(agent))
        .unwrap();
    let replica = s
        .tasks()
        .iter()
        .position(|t| t.service == Some(web))
        .unwrap();
    at(&mut s, 301);
    assert!(
        !s.tasks()[replica].is_active(),
        "the replica task is stopping"
    );
    assert!(
        s.tasks()[daemon].is_active(),
        "the daemon task waits for it"
    );
    at(&mut s, 400);
    let (r, d) = (&s.tasks()[replica], &s.tasks()[daemon]);
    assert_eq!(r.last_status, TaskStatus::Stopped);
    assert!(!d.is_active());
    assert!(d.stopped_at.unwrap() >= r.stopped_at.unwrap());
}
