//! RunTask `overrides` (`engine/src/task_override.rs`): the API's TaskOverride and
//! ContainerOverride change what one task reserves, runs and assumes; DescribeTasks shows them;
//! bad ones are refused naming the member [API-RT], [API-TO], [API-CO].

mod support;

use serde_json::{json, Value};
use support::{at, container, described_task, logged, role, roles, scenario, sim, Launch};

/// The EC2 scenario (one m5.large: 2 vCPU, 7.5 GiB or so for tasks) without its service, and
/// RunTask `run` at 10 s.
fn ec2_run(run: Value) -> Value {
    let mut d = scenario(
        Launch::Ec2,
        json!([container("nginx:1.27", json!({"cpu": 256}))]),
        json!({}),
        json!({}),
    );
    d["services"] = json!([]);
    let mut call = json!({"at": 10, "taskDefinition": "web", "launchType": "EC2"});
    for (k, v) in run.as_object().unwrap() {
        call[k] = v.clone();
    }
    d["runTasks"] = json!([call]);
    d
}

#[test]
fn container_memory_and_cpu_overrides_are_what_placement_reserves() {
    // API-CO: cpu, memory, memoryReservation override the container definition's.
    let mut s = sim(ec2_run(json!({"overrides": {"containerOverrides": [
        {"name": "app", "cpu": 1024, "memory": 2048, "command": ["nginx", "-g", "daemon off;"]}]}})));
    at(&mut s, 60);
    let task = &s.tasks()[0];
    assert_eq!(task.reservation.cpu, 1024);
    assert_eq!(task.reservation.memory_mib, 2048);
    let described = described_task(&s, &task.id);
    assert_eq!(described["memory"], "2048");
    assert_eq!(
        described["overrides"]["containerOverrides"][0],
        json!({"name": "app", "cpu": 1024, "memory": 2048, "command": ["nginx", "-g", "daemon off;"]})
    );
    // Too large for the instance: RESOURCE:MEMORY, as for a task definition that large.
    let mut s = sim(ec2_run(
        json!({"overrides": {"containerOverrides": [{"name": "app", "memory": 65536}]}}),
    ));
    at(&mut s, 60);
    assert!(s.tasks().is_empty());
    assert_eq!(s.failures()[0].reason, "RESOURCE:MEMORY");
}

#[test]
fn describe_tasks_lists_every_container_in_overrides() {
    // DescribeTasks: `overrides.containerOverrides` names each container, with what the
    // request gave it.
    let mut s = sim(ec2_run(json!({})));
    at(&mut s, 60);
    let described = described_task(&s, &s.tasks()[0].id.clone());
    assert_eq!(
        described["overrides"],
        json!({"containerOverrides": [{"name": "app"}], "inferenceAcceleratorOverrides": []})
    );
}

#[test]
fn a_fargate_task_size_override_must_be_a_fargate_size() {
    // API-TO: cpu and memory of the task; the pair must be one Fargate offers.
    let mut d = scenario(
        Launch::Fargate,
        json!([container("nginx:1.27", json!({}))]),
        json!({}),
        json!({}),
    );
    d["services"] = json!([]);
    let run = |o: Value| {
        json!([{"at": 10, "taskDefinition": "web", "launchType": "FARGATE", "overrides": o,
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}])
    };
    d["runTasks"] = run(json!({"cpu": "1024", "memory": "4096"}));
    let mut s = sim(d.clone());
    at(&mut s, 90);
    let described = described_task(&s, &s.tasks()[0].id.clone());
    assert_eq!(described["cpu"], "1024");
    assert_eq!(described["memory"], "4096");
    assert_eq!(described["overrides"]["cpu"], "1024");
    d["runTasks"] = run(json!({"cpu": "256", "memory": "4096"}));
    let mut s = sim(d);
    at(&mut s, 90);
    assert!(s.tasks().is_empty());
    assert!(logged(&s, "overrides: the task definition with these overrides would not register: memory: ClientException: No Fargate configuration exists for given values: 256 CPU, 4096 memory."));
}

#[test]
fn a_task_role_override_is_the_role_ecs_exec_uses() {
    // API-TO: taskRoleArn "that containers in this task can assume"; ECS Exec needs a task
    // role (the task definition has none here; the override gives one).
    let mut d = scenario(
        Launch::Fargate,
        json!([container("nginx:1.27", json!({}))]),
        json!({}),
        json!({"iamRoles": roles(json!([role("batch", &ecs_engine::execute_command::SSM_ACTIONS)]))}),
    );
    d["services"] = json!([]);
    d["runTasks"] = json!([{"at": 10, "taskDefinition": "web", "launchType": "FARGATE", "enableExecuteCommand": true,
        "overrides": {"taskRoleArn": "arn:aws:iam::123456789012:role/batch"},
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}]);
    let mut s = sim(d.clone());
    at(&mut s, 90);
    let id = s.tasks()[0].id.clone();
    d["executeCommands"] =
        json!([{"at": 100, "task": id, "command": "/bin/sh", "interactive": true}]);
    let mut s = sim(d);
    at(&mut s, 101);
    assert!(
        s.describe()["executeCommands"][0]["response"]["session"]["sessionId"]
            .as_str()
            .is_some_and(|x| x.starts_with("ecs-execute-command-")),
        "{}",
        s.describe()["executeCommands"][0]
    );
}

#[test]
fn bad_overrides_refuse_the_run_task_naming_the_member() {
    for (o, words) in [
        (
            json!({"containerOverrides": [{"name": "django", "command": ["manage.py", "migrate"]}]}),
            "overrides.containerOverrides[0].name: InvalidParameterException: Override for container named django is not a container in the TaskDefinition.",
        ),
        (
            json!({"containerOverrides": [{"name": "app", "environment": [{"name": "BLOB", "value": "x".repeat(9000)}]}]}),
            "overrides: InvalidParameterException: Container Overrides length must be at most 8192",
        ),
        (
            json!({"containerOverrides": [{"name": "app", "memory": "2 GB"}]}),
            "overrides.containerOverrides[0].memory: invalid type",
        ),
    ] {
        let mut s = sim(ec2_run(json!({ "overrides": o })));
        at(&mut s, 60);
        assert!(s.tasks().is_empty(), "{words}");
        assert!(logged(&s, words), "{words}");
    }
}

#[test]
fn an_eventbridge_target_s_input_is_the_task_s_overrides() {
    // 9.2: the ECS target's Input is the RunTask overrides, task-level members included.
    let mut d = ec2_run(json!({}));
    d["runTasks"] = json!([]);
    d["eventRules"] = json!([{"Name": "nightly", "ScheduleExpression": "rate(5 minutes)",
        "Targets": [{"Id": "t", "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/default",
            "RoleArn": "arn:aws:iam::123456789012:role/events",
            "Input": "{\"memory\": \"3072\", \"containerOverrides\": [{\"name\": \"app\", \"command\": [\"report\"]}]}",
            "EcsParameters": {"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", "LaunchType": "EC2"}}]}]);
    let mut s = sim(d);
    at(&mut s, 400);
    let task = s.tasks().first().expect("the rule ran a task");
    assert_eq!(task.reservation.memory_mib, 3072);
}

#[test]
fn huge_container_overrides_are_a_resource_failure_not_a_panic() {
    // API-CO: cpu, memory, memoryReservation and GPU counts are integers with no upper bound
    // in the API; two containers of 3,000,000,000 units each, or a GPU count as large, must
    // not overflow the task's sums (RESOURCE:CPU, as for any task too large for the
    // instance).
    let mut d = ec2_run(json!({"overrides": {"containerOverrides": [
        {"name": "app", "cpu": 3_000_000_000u64, "memory": 3_000_000_000u64},
        {"name": "sidecar", "cpu": 3_000_000_000u64, "memory": 3_000_000_000u64,
            "resourceRequirements": [{"type": "GPU", "value": "4294967295"}]}]}}));
    d["taskDefinitions"][0]["containerDefinitions"]
        .as_array_mut()
        .unwrap()
        .push(
            json!({"name": "sidecar", "image": "busybox:1", "memory": 64,
            "resourceRequirements": [{"type": "GPU", "value": "1"}]}),
        );
    // A daemon holds resources back on the instance, so placement adds them to the needs.
    d["services"] = json!([{"serviceName": "agent", "taskDefinition": "agent", "schedulingStrategy": "DAEMON", "launchType": "EC2"}]);
    d["taskDefinitions"].as_array_mut().unwrap().push(json!({"family": "agent",
        "containerDefinitions": [{"name": "agent", "image": "agent:1", "memory": 7000, "cpu": 2000}]}));
    let mut s = sim(d);
    at(&mut s, 60);
    assert!(s.tasks().iter().all(|t| t.group != "family:web"));
    assert!(
        s.failures()
            .iter()
            .any(|f| f.reason.starts_with("RESOURCE:")),
        "{:?}",
        s.failures()
    );
}
