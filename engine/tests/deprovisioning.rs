//! DEPROVISIONING (10.1): after its containers exit, an `awsvpc` task detaches and deletes its
//! ENI before it is STOPPED, and the instance's ENI slot (2.4) stays taken until then. Tasks
//! without an ENI go from STOPPING straight to STOPPED.

mod support;

use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
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
