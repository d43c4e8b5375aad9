//! Shared scenario builders and looks for the engine tests.
#![allow(dead_code)] // each test crate uses a different part

use ecs_engine::auto_scaling_group::{AutoScalingGroup, GroupInstanceState};
use ecs_engine::task::Task;
use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

pub mod blue_green;

/// The private ECR registry of the playground's account.
pub const ECR: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/// Where the service runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    /// One m5.large in us-east-1a with instance profile `ecsInstanceRole`.
    Ec2,
    /// Fargate in subnet-a (us-east-1a); subnet-b (us-east-1b) is declared too.
    Fargate,
}

/// A scenario: service `web` (desired 1) of task definition `web` with `containers`; the
/// task definition's other members from `td_extra`, top-level keys from `extra`.
pub fn scenario(launch: Launch, containers: Value, td_extra: Value, extra: Value) -> Value {
    let mut td = json!({"family": "web", "containerDefinitions": containers});
    let mut v = json!({
        "version": 1, "seed": 1, "duration": "PT1H",
        "options": {"routingIntervalSeconds": 10},
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}]
    });
    match launch {
        Launch::Ec2 => {
            v["containerInstances"] = json!([{"id": "i-0aaaaaaaaaaaaaaa1", "instanceType": "m5.large",
                "availabilityZone": "us-east-1a", "subnetId": "subnet-a", "iamInstanceProfile": "ecsInstanceRole"}]);
            v["services"][0]["launchType"] = json!("EC2");
        }
        Launch::Fargate => {
            td["requiresCompatibilities"] = json!(["FARGATE"]);
            td["networkMode"] = json!("awsvpc");
            td["cpu"] = json!("256");
            td["memory"] = json!("512");
            v["services"][0]["launchType"] = json!("FARGATE");
            v["services"][0]["networkConfiguration"] =
                json!({"awsvpcConfiguration": {"subnets": ["subnet-a"]}});
        }
    }
    for (k, x) in td_extra.as_object().expect("td_extra is an object") {
        td[k] = x.clone();
    }
    v["taskDefinitions"] = json!([td]);
    for (k, x) in extra.as_object().expect("extra is an object") {
        v[k] = x.clone();
    }
    v
}

/// One container `app` with `image`, 256 MiB, and `more` members.
pub fn container(image: &str, more: Value) -> Value {
    let mut c = json!({"name": "app", "image": image, "memory": 256, "essential": true});
    for (k, x) in more.as_object().expect("more is an object") {
        c[k] = x.clone();
    }
    c
}

/// `awslogs` to `group` with prefix `ecs`.
pub fn awslogs(group: &str) -> Value {
    json!({"logDriver": "awslogs", "options": {"awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}})
}

/// Roles: `ecsInstanceRole` (the EC2 managed policy) plus `roles`.
pub fn roles(more: Value) -> Value {
    let mut list = vec![json!({"RoleName": "ecsInstanceRole",
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"]})];
    list.extend(more.as_array().expect("a list of roles").iter().cloned());
    Value::Array(list)
}

/// A role with one inline policy allowing `actions` on `*`.
pub fn role(name: &str, actions: &[&str]) -> Value {
    json!({"RoleName": name, "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}}]})
}

/// Builds the simulation.
pub fn sim(scenario: Value) -> Simulation {
    Simulation::new(Scenario::from_value(scenario).expect("valid scenario"))
}

/// Advances to `secs`.
pub fn at(sim: &mut Simulation, secs: u64) {
    sim.advance_to(SimTime(secs * 1000)).expect("no livelock");
}

/// Advances second by second until task `t` is RUNNING; returns when it started, in seconds.
pub fn until_running(sim: &mut Simulation, t: usize) -> u64 {
    loop {
        if let Some(started) = sim.tasks()[t].started_at {
            return started.as_ms() / 1000;
        }
        let next = sim.now().as_ms() / 1000 + 1;
        at(sim, next);
    }
}

/// The first task.
pub fn first(sim: &Simulation) -> &Task {
    sim.tasks().first().expect("a task was started")
}

/// The stopped reason of the first task.
pub fn first_reason(sim: &Simulation) -> String {
    first(sim).stopped_reason.clone().unwrap_or_default()
}

/// Every line of every log stream of task `t`.
pub fn task_lines(sim: &Simulation, t: usize) -> Vec<String> {
    sim.task_log_streams(t)
        .into_iter()
        .flat_map(|(_, s)| s.events.iter().map(|e| e.message.clone()))
        .collect()
}

/// Each scenario is refused with an error at its path.
pub fn assert_refused(cases: Vec<(Value, &str)>) {
    for (doc, want) in cases {
        let e = Scenario::from_value(doc).unwrap_err();
        assert_eq!(e.path, want, "{e}");
    }
}

/// Task `id` as DescribeTasks (the `run` output) shows it.
pub fn described_task(sim: &Simulation, id: &str) -> Value {
    sim.describe()["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|d| d["taskArn"].as_str().is_some_and(|a| a.ends_with(id)))
        .cloned()
        .expect("the task is described")
}

/// Whether a line of the event log contains `words`.
pub fn logged(sim: &Simulation, words: &str) -> bool {
    sim.log()
        .entries()
        .iter()
        .any(|e| e.message.contains(words))
}

/// The first refusal of `services[0]` in the run's event log, or "" when it was created.
pub fn service_refusal(scenario: Value) -> String {
    let s = sim(scenario);
    s.log()
        .entries()
        .iter()
        .find(|e| e.message.starts_with("services[0]."))
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

/// The scenario's first Auto Scaling group.
pub fn group(sim: &Simulation) -> &AutoScalingGroup {
    &sim.auto_scaling_groups()[0]
}

/// How many of the first group's instances are in `state`.
pub fn count(sim: &Simulation, state: GroupInstanceState) -> usize {
    group(sim)
        .instances
        .iter()
        .filter(|i| i.state == state)
        .count()
}

/// How many tasks are RUNNING.
pub fn running(sim: &Simulation) -> usize {
    sim.tasks()
        .iter()
        .filter(|t| t.last_status == ecs_engine::task::TaskStatus::Running)
        .count()
}
