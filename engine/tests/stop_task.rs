//! StopTask (10.2, 10.3): a user stops a task; it stops the way ECS stops tasks, with
//! `stopCode` `UserInitiated` and the request's reason, and its service replaces it.

mod support;

use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, described_task, logged, sim};

fn scenario(stop_tasks: Value) -> Value {
    json!({
        "version": 1, "seed": 21, "duration": "PT30M",
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx", "essential": true, "memory": 256, "cpu": 256, "stopTimeout": 10}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}],
        "stopTasks": stop_tasks
    })
}

fn running(s: &Simulation) -> Vec<String> {
    s.tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Running)
        .map(|t| t.id.clone())
        .collect()
}

#[test]
fn stop_task_is_user_initiated_and_the_service_replaces_the_task_10_2() {
    // The run is deterministic: the IDs of a first run name the same tasks when it replays.
    let mut first = sim(scenario(json!([])));
    at(&mut first, 120);
    let before = running(&first);
    assert_eq!(before.len(), 2);
    let victim = before[0].clone();
    let arn = format!("arn:aws:ecs:us-east-1:123456789012:task/default/{victim}");

    let mut s = sim(scenario(json!([
        {"at": "PT3M", "cluster": "default", "task": arn, "reason": "Rotating credentials"}
    ])));
    at(&mut s, 180);
    let t = s.tasks().iter().find(|t| t.id == victim).unwrap();
    assert_eq!(t.desired_status, TaskStatus::Stopped);
    assert_eq!(t.stop_code.as_deref(), Some("UserInitiated"));
    assert_eq!(t.stopped_reason.as_deref(), Some("Rotating credentials"));
    let version = t.version;
    // SIGTERM, then the container's 10 s stopTimeout at most.
    at(&mut s, 191);
    let t = s.tasks().iter().find(|t| t.id == victim).unwrap();
    assert_eq!(t.last_status, TaskStatus::Stopped);
    // DescribeTasks: stoppingAt is the call's time; reaching STOPPED raised the version once
    // more (the desired status and STOPPING changed it at the call).
    let described = described_task(&s, &victim);
    assert_eq!(described["stoppingAt"], "2025-01-01T00:03:00.000Z");
    assert_eq!(described["version"], version + 1);
    // The service keeps its desired count: a replacement runs.
    at(&mut s, 300);
    let now = running(&s);
    assert_eq!(now.len(), 2);
    assert!(!now.contains(&victim));
    assert_eq!(s.services()[0].desired_count, 2);
}

#[test]
fn an_unknown_task_fails_and_a_stopped_one_keeps_its_first_reason() {
    let mut first = sim(scenario(json!([])));
    at(&mut first, 120);
    let victim = running(&first)[0].clone();
    let mut s = sim(scenario(json!([
        {"at": "PT3M", "task": victim},
        {"at": "PT4M", "task": victim, "reason": "again"},
        {"at": "PT4M", "task": "ffffffffffffffffffffffffffffffff"}
    ])));
    at(&mut s, 300);
    let t = s.tasks().iter().find(|t| t.id == victim).unwrap();
    assert_eq!(
        t.stopped_reason.as_deref(),
        Some(ecs_engine::stop_task::DEFAULT_REASON)
    );
    assert!(logged(
        &s,
        "StopTask failed: stopTasks[2].task: InvalidParameterException: The referenced task was not found."
    ));
}

#[test]
fn the_agents_stop_timeout_applies_to_containers_without_their_own_2_7() {
    // The application ignores SIGTERM (it would take 10 minutes to exit), so SIGKILL comes at
    // the stop timeout: the container's 10 s, or for a container without one the instance
    // agent's ECS_CONTAINER_STOP_TIMEOUT (30 s by default).
    let stopped_after = |container_timeout: Option<u64>, agent: Option<&str>| {
        let mut first = scenario(json!([]));
        first["options"] = json!({"lifecycle": {"appExitSeconds": 600}});
        let td = &mut first["taskDefinitions"][0]["containerDefinitions"][0];
        match container_timeout {
            Some(t) => td["stopTimeout"] = json!(t),
            None => {
                td.as_object_mut().unwrap().remove("stopTimeout");
            }
        }
        if let Some(a) = agent {
            first["containerInstances"][0]["ecsConfig"] = json!({"ECS_CONTAINER_STOP_TIMEOUT": a});
        }
        let mut probe = sim(first.clone());
        at(&mut probe, 120);
        let victim = running(&probe)[0].clone();
        first["stopTasks"] = json!([{"at": "PT3M", "task": victim}]);
        let mut s = sim(first);
        at(&mut s, 3600);
        let t = s.tasks().iter().find(|t| t.id == victim).unwrap();
        t.stopped_at.unwrap().as_ms() / 1000 - 180
    };
    assert_eq!(
        stopped_after(Some(10), Some("2m")),
        10,
        "the container's own"
    );
    assert_eq!(stopped_after(None, None), 30, "the agent's default");
    assert_eq!(
        stopped_after(None, Some("2m")),
        120,
        "ECS_CONTAINER_STOP_TIMEOUT"
    );
    let mut bad = scenario(json!([]));
    bad["containerInstances"][0]["ecsConfig"] = json!({"ECS_CONTAINER_STOP_TIMEOUT": "soon"});
    let mut s = sim(bad);
    at(&mut s, 1);
    assert!(logged(
        &s,
        "ecsConfig.ECS_CONTAINER_STOP_TIMEOUT: \"soon\" is not a duration"
    ));
}
