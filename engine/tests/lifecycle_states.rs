//! The task states around RUNNING (10.1): ACTIVATING, the end of the container start, when
//! networking and load balancer registration are set up; DEPROVISIONING, after its containers
//! exit, when an `awsvpc` task detaches and deletes its ENI before it is STOPPED (the
//! instance's ENI slot, 2.4, stays taken until then). Tasks without an ENI go from STOPPING
//! straight to STOPPED; a task that fails to start goes from PENDING straight to STOPPED.

mod support;

use ecs_engine::task::TaskStatus;
use ecs_engine::{SimTime, Simulation};
use serde_json::{json, Value};
use support::{assert_refused, at, described_task, sim};

/// One m5.large (two `awsvpc` tasks without ENI trunking, G16) running service `web` of two
/// tasks in `network_mode`; the StopTask calls `stop_tasks`; lifecycle options `lifecycle`.
fn scenario(network_mode: &str, stop_tasks: Value, lifecycle: Value) -> Value {
    let mut service = json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 2});
    if network_mode == "awsvpc" {
        service["networkConfiguration"] = json!({"awsvpcConfiguration": {"subnets": ["subnet-a"]}});
    }
    json!({
        "version": 1, "seed": 5, "duration": "PT30M",
        "options": {"lifecycle": lifecycle},
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}],
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "subnetId": "subnet-a"}],
        "taskDefinitions": [{"family": "web", "networkMode": network_mode, "containerDefinitions": [
            {"name": "app", "image": "nginx", "essential": true, "memory": 256, "cpu": 256}]}],
        "services": [service],
        "stopTasks": stop_tasks
    })
}

/// The id of the first task a run of `network_mode` starts.
fn first_task(network_mode: &str) -> String {
    let mut s = sim(scenario(network_mode, json!([]), json!({})));
    at(&mut s, 120);
    s.tasks()[0].id.clone()
}

fn status(s: &Simulation, id: &str) -> TaskStatus {
    s.tasks().iter().find(|t| t.id == id).unwrap().last_status
}

fn stop(id: &str) -> Value {
    json!([{"at": "PT3M", "task": id, "reason": "test"}])
}

#[test]
fn an_awsvpc_task_deprovisions_its_eni_before_it_is_stopped_10_1() {
    let victim = first_task("awsvpc");
    let mut s = sim(scenario("awsvpc", stop(&victim), json!({})));
    at(&mut s, 180);
    assert_eq!(status(&s, &victim), TaskStatus::Stopping);
    // The application exits 5 s after SIGTERM; then 10 s of DEPROVISIONING.
    at(&mut s, 185);
    assert_eq!(status(&s, &victim), TaskStatus::Deprovisioning);
    let described = described_task(&s, &victim);
    assert_eq!(described["lastStatus"], "DEPROVISIONING");
    assert_eq!(described["attachments"][0]["status"], "DELETING");
    // Its ENI still fills the instance's second slot: the replacement cannot be placed yet.
    at(&mut s, 194);
    assert_eq!(
        s.tasks().len(),
        2,
        "no replacement while the ENI is attached"
    );
    at(&mut s, 195);
    assert_eq!(status(&s, &victim), TaskStatus::Stopped);
    at(&mut s, 196);
    assert_eq!(
        s.tasks().len(),
        3,
        "the replacement takes the freed ENI slot"
    );
    assert!(s
        .log()
        .entries()
        .iter()
        .any(|e| e.message.contains(&victim) && e.message.contains("is DEPROVISIONING")));
}

#[test]
fn a_bridge_task_has_no_eni_and_skips_deprovisioning_10_1() {
    let victim = first_task("bridge");
    let mut s = sim(scenario("bridge", stop(&victim), json!({})));
    at(&mut s, 184);
    assert_eq!(status(&s, &victim), TaskStatus::Stopping);
    at(&mut s, 185);
    assert_eq!(status(&s, &victim), TaskStatus::Stopped);
    assert!(!s
        .log()
        .entries()
        .iter()
        .any(|e| e.message.contains("DEPROVISIONING")));
}

#[test]
fn deprovisioning_seconds_is_an_option_and_is_checked() {
    let victim = first_task("awsvpc");
    let mut s = sim(scenario(
        "awsvpc",
        stop(&victim),
        json!({"deprovisioningSeconds": 0}),
    ));
    at(&mut s, 185);
    assert_eq!(status(&s, &victim), TaskStatus::Stopped);
    let mut s = sim(scenario(
        "awsvpc",
        stop(&victim),
        json!({"deprovisioningSeconds": 60}),
    ));
    at(&mut s, 244);
    assert_eq!(status(&s, &victim), TaskStatus::Deprovisioning);
    at(&mut s, 245);
    assert_eq!(status(&s, &victim), TaskStatus::Stopped);
    assert_refused(vec![(
        scenario("awsvpc", json!([]), json!({"deprovisioningSeconds": -1})),
        "options.lifecycle.deprovisioningSeconds",
    )]);
}

/// When each state of task `id` began, from the event log's task state changes.
fn state_times(s: &Simulation, id: &str) -> Vec<(u64, String)> {
    s.log()
        .entries()
        .iter()
        .filter(|e| e.message.starts_with(&format!("task {id} is ")))
        .map(|e| {
            let state = e.message[format!("task {id} is ").len()..]
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_string();
            (e.at_ms, state)
        })
        .collect()
}

#[test]
fn activating_is_the_last_second_of_the_container_start_10_1() {
    // Provisioning 1 s, the nginx image's pull 8 s, the container start 2 s of which the
    // last is ACTIVATING: RUNNING at 11 s as before the state existed.
    let mut s = sim(scenario("awsvpc", json!([]), json!({})));
    at(&mut s, 30);
    let id = s.tasks()[0].id.clone();
    let states = state_times(&s, &id);
    let names: Vec<&str> = states.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["PENDING", "ACTIVATING", "RUNNING"], "{states:?}");
    assert_eq!(states[1].0 + 1000, states[2].0, "{states:?}");
    assert_eq!(s.tasks()[0].started_at, Some(SimTime(states[2].0)));
    let mut s = sim(scenario("awsvpc", json!([]), json!({})));
    s.advance_to(SimTime(states[1].0 + 500)).unwrap();
    assert_eq!(s.tasks()[0].last_status, TaskStatus::Activating);
    assert_eq!(described_task(&s, &id)["lastStatus"], "ACTIVATING");
    // Longer than the container start, it delays RUNNING; 0 leaves the state out.
    let mut s = sim(scenario(
        "awsvpc",
        json!([]),
        json!({"activatingSeconds": 3}),
    ));
    at(&mut s, 30);
    let longer = state_times(&s, &id);
    assert_eq!(longer[1].0, states[1].0 - 1000, "{longer:?}");
    assert_eq!(longer[2].0, states[2].0 + 1000, "{longer:?}");
    let mut s = sim(scenario(
        "awsvpc",
        json!([]),
        json!({"activatingSeconds": 0}),
    ));
    at(&mut s, 30);
    let none = state_times(&s, &id);
    let names: Vec<&str> = none.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["PENDING", "RUNNING"], "{none:?}");
    assert_eq!(none[1].0, states[2].0);
}

#[test]
fn a_task_that_fails_to_start_never_activates_10_1() {
    let mut v = scenario("bridge", json!([]), json!({}));
    v["faults"] = json!([{"type": "ImagePullFailure", "image": "nginx"}]);
    let mut s = sim(v);
    at(&mut s, 20);
    let id = s.tasks()[0].id.clone();
    let states = state_times(&s, &id);
    let names: Vec<&str> = states.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["PENDING", "STOPPED"], "{states:?}");
    // It fails when it would have been RUNNING: provisioning, pull and the whole start.
    assert_eq!(states[1].0, 11_000);
}

#[test]
fn a_task_stopped_while_pending_deprovisions_for_the_whole_time() {
    // Scaled to 0 at 3 s, in its image pull: STOPPING, then DEPROVISIONING for its 10 s,
    // which the pull's end (the stale PENDING step at 10 s) does not cut short.
    let mut v = scenario("awsvpc", json!([]), json!({}));
    v["updateServices"] = json!([{"at": 3, "service": "web", "desiredCount": 0}]);
    let mut s = sim(v);
    at(&mut s, 30);
    let id = s.tasks()[0].id.clone();
    let states = state_times(&s, &id);
    let names: Vec<&str> = states.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        ["PENDING", "STOPPING", "DEPROVISIONING", "STOPPED"],
        "{states:?}"
    );
    assert_eq!(states[2].0, 3_000);
    assert_eq!(states[3].0, 13_000, "{states:?}");
}
