//! CloudWatch Logs (1.8, 10.4): declared log groups, `awslogs-create-group`, and the lines a
//! task writes: its start, injected secrets, requests each minute with 5xx, an OOM kill,
//! SIGTERM and its exit. Role mistakes are in `iam.rs`.

mod support;

use ecs_engine::task::TaskStatus;
use serde_json::json;
use support::*;

/// With `logGroups` declared, a container logging to a group that does not exist fails to
/// start ([unconfirmed] code): `CannotStartContainerError` / `TaskFailedToStart`.
#[test]
fn a_missing_log_group_stops_the_container_from_starting() {
    let v = scenario(
        Launch::Fargate,
        json!([container(
            "nginx:1.27",
            json!({"logConfiguration": awslogs("/ecs/missing")})
        )]),
        json!({}),
        json!({"logGroups": [{"logGroupName": "/ecs/web", "retentionInDays": 7}]}),
    );
    let mut s = sim(v);
    at(&mut s, 120);
    assert_eq!(first(&s).stop_code.as_deref(), Some("TaskFailedToStart"));
    assert_eq!(first_reason(&s), "CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist.");
}

/// `awslogs-create-group: "true"` creates it (logged), and the stream is
/// `prefix/container/task-id`.
#[test]
fn awslogs_create_group_creates_the_group() {
    let mut logs = awslogs("/ecs/new");
    logs["options"]["awslogs-create-group"] = json!("true");
    let v = scenario(
        Launch::Ec2,
        json!([container("nginx:1.27", json!({"logConfiguration": logs}))]),
        json!({}),
        json!({"logGroups": [{"logGroupName": "/ecs/web"}]}),
    );
    let mut s = sim(v);
    at(&mut s, 120);
    assert_eq!(first(&s).last_status, TaskStatus::Running);
    let id = first(&s).id.clone();
    let group = &s.logs().groups["/ecs/new"];
    assert!(group.streams.contains_key(&format!("ecs/app/{id}")));
    assert!(s
        .log()
        .entries()
        .iter()
        .any(|e| e.message
            == "log group /ecs/new created by the awslogs driver (awslogs-create-group)"));
}

fn loaded(requests_per_second: f64, cost: serde_json::Value) -> ecs_engine::Simulation {
    sim(scenario(
        Launch::Ec2,
        json!([container(
            "nginx:1.27",
            json!({"cpu": 512, "logConfiguration": awslogs("/ecs/web")})
        )]),
        json!({}),
        json!({"loadProfiles": [{"service": "web",
            "requests": {"type": "constant", "requestsPerSecond": requests_per_second}, "cost": cost}]}),
    ))
}

/// A task that serves traffic logs its requests each minute, and the ones it refused (5xx)
/// when it is saturated (512 CPU units serve 49 requests/s at 10 ms of vCPU each).
#[test]
fn tasks_log_the_requests_they_serve_each_minute() {
    let mut s = loaded(10.0, json!({}));
    at(&mut s, 3 * 60);
    let lines = task_lines(&s, 0);
    assert_eq!(lines[0], "application started", "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l == "served 600 requests in the last minute"),
        "{lines:?}"
    );
    let mut s = loaded(100.0, json!({}));
    at(&mut s, 3 * 60);
    let lines = task_lines(&s, 0);
    assert!(
        lines
            .iter()
            .any(|l| l == "served 2941 requests in the last minute; 3059 failed with 5xx"),
        "{lines:?}"
    );
}

/// G36 in the log: the OOM kill and the exit code 137.
#[test]
fn an_oom_kill_is_the_last_thing_a_task_logs() {
    let mut s = loaded(10.0, json!({"baselineMemoryMiB": 300}));
    at(&mut s, 60);
    let lines = task_lines(&s, 0);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("fatal: out of memory (300 MiB in use)")),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("process exited with code 137"),
        "{lines:?}"
    );
}

/// A replaced task receives SIGTERM and exits 0 before `stopTimeout`; both lines are logged.
#[test]
fn a_stopped_task_logs_sigterm_and_its_exit() {
    let mut v = scenario(
        Launch::Ec2,
        json!([container(
            "nginx:1.27",
            json!({"logConfiguration": awslogs("/ecs/web")})
        )]),
        json!({}),
        json!({}),
    );
    v["updateServices"] = json!([{"at": "PT5M", "service": "web", "desiredCount": 0}]);
    let mut s = sim(v);
    at(&mut s, 10 * 60);
    let lines = task_lines(&s, 0);
    assert_eq!(
        &lines[lines.len() - 2..],
        &[
            "SIGTERM received, shutting down",
            "process exited with code 0 after SIGTERM"
        ]
    );
}

#[test]
fn bad_log_groups_name_the_field() {
    assert_refused(vec![
        (
            json!({"version": 1, "logGroups": [{"logGroupName": "/ecs/web", "retentionInDays": 8}]}),
            "logGroups[0].retentionInDays",
        ),
        (
            json!({"version": 1, "logGroups": [{"logGroupName": "bad name"}]}),
            "logGroups[0].logGroupName",
        ),
        (
            json!({"version": 1, "logGroups": [{}]}),
            "logGroups[0].logGroupName",
        ),
    ]);
}
