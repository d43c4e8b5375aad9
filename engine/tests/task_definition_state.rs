//! Task definition states (`engine/src/task_definition_state.rs`): DeregisterTaskDefinition
//! makes a revision INACTIVE, which existing services keep running and scaling but nothing new
//! may use; DeleteTaskDefinitions deletes an INACTIVE revision once nothing uses it
//! [API-DTD], [API-DEL], [STATES].

mod support;

use ecs_engine::task_definition_state::TaskDefinitionStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, logged, sim};

/// Two m5.large, revisions web:1 and web:2, service `web` (desired 1) on web:1.
fn world() -> Value {
    let td = |image: &str| json!({"family": "web", "containerDefinitions": [{"name": "app", "image": image, "memory": 256, "essential": true}]});
    json!({"version": 1, "seed": 2, "duration": "PT2H",
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2}],
        "taskDefinitions": [td("nginx:1.26"), td("nginx:1.27")],
        "services": [{"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 1, "launchType": "EC2"}]})
}

fn status(s: &Simulation, fr: &str) -> TaskDefinitionStatus {
    s.task_definition_status(fr)
}

fn running_on(s: &Simulation, arn_end: &str) -> usize {
    s.tasks()
        .iter()
        .filter(|t| t.is_active() && t.task_definition_arn.ends_with(arn_end))
        .count()
}

#[test]
fn an_inactive_revision_keeps_its_service_running_and_scaling() {
    // API-DTD: "Existing services that reference an INACTIVE task definition can still scale
    // up or down by modifying the service's desired count."
    let mut d = world();
    d["deregisterTaskDefinitions"] = json!([{"at": "PT1M", "taskDefinition": "web:1"}]);
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "desiredCount": 3}]);
    let mut s = sim(d);
    at(&mut s, 90);
    assert_eq!(status(&s, "web:1"), TaskDefinitionStatus::Inactive);
    assert!(logged(&s, "DeregisterTaskDefinition web:1: INACTIVE"));
    at(&mut s, 600);
    assert_eq!(running_on(&s, "web:1"), 3);
    let described = s.describe();
    let listed: Vec<(&str, &str)> = described["taskDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["taskDefinitionArn"].as_str().unwrap(),
                t["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
                "INACTIVE"
            ),
            (
                "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2",
                "ACTIVE"
            )
        ]
    );
}

#[test]
fn nothing_new_may_use_an_inactive_revision() {
    // API-DTD: "You can't use an INACTIVE task definition to run new tasks or create new
    // services, and you can't update an existing service to reference an INACTIVE task
    // definition." RunTask: InvalidParameterException, UpdateService: ClientException
    // [observed].
    let mut d = world();
    d["deregisterTaskDefinitions"] = json!([{"at": 30, "taskDefinition": "web:2"}]);
    d["runTasks"] = json!([{"at": 60, "taskDefinition": "web:2", "launchType": "EC2"}]);
    d["updateServices"] = json!([{"at": 60, "service": "web", "taskDefinition": "web:2"}]);
    let mut s = sim(d);
    at(&mut s, 120);
    assert!(logged(
        &s,
        "RunTask failed: runTasks[0].taskDefinition: InvalidParameterException: TaskDefinition is inactive (web:2 is INACTIVE)"
    ));
    assert!(logged(
        &s,
        "updateServices[0].taskDefinition: ClientException: TaskDefinition is inactive"
    ));
    assert_eq!(s.services()[0].task_definition, "web:1");
    assert_eq!(running_on(&s, "web:2"), 0);
}

#[test]
fn a_bare_family_means_its_latest_active_revision() {
    // RunTask: "If a revision isn't specified, the latest ACTIVE revision is used."
    let mut d = world();
    d["deregisterTaskDefinitions"] = json!([{"at": 30, "taskDefinition": "web:2"}]);
    d["runTasks"] = json!([{"at": 60, "taskDefinition": "web", "launchType": "EC2"}]);
    d["updateServices"] =
        json!([{"at": 60, "service": "web", "taskDefinition": "web", "forceNewDeployment": true}]);
    let mut s = sim(d);
    at(&mut s, 120);
    assert!(logged(&s, "RunTask web:1 count 1"));
    assert_eq!(s.services()[0].task_definition, "web:1");
    // With every revision INACTIVE, the family has none to run.
    let mut d = world();
    d["deregisterTaskDefinitions"] =
        json!([{"at": 30, "taskDefinition": "web:1"}, {"at": 30, "taskDefinition": "web:2"}]);
    d["runTasks"] = json!([{"at": 60, "taskDefinition": "web", "launchType": "EC2"}]);
    let mut s = sim(d);
    at(&mut s, 120);
    assert!(logged(
        &s,
        "InvalidParameterException: TaskDefinition is inactive (no revision of family web is ACTIVE)"
    ));
}

#[test]
fn a_deleted_revision_waits_for_its_service_then_is_gone() {
    // API-DEL: an INACTIVE revision moves to DELETE_IN_PROGRESS at once and stays there "until
    // all the associated tasks and services have been terminated"; an ACTIVE one cannot be
    // deleted.
    let mut d = world();
    d["deleteTaskDefinitions"] = json!([{"at": 20, "taskDefinitions": ["web:2"]},
        {"at": 60, "taskDefinitions": ["web:1"]}]);
    d["deregisterTaskDefinitions"] = json!([{"at": 30, "taskDefinition": "web:1"}]);
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"}]);
    let mut s = sim(d);
    at(&mut s, 30);
    assert!(logged(
        &s,
        "DeleteTaskDefinitions failed: deleteTaskDefinitions[0].taskDefinitions[0]: The specified task definition is still in ACTIVE status."
    ));
    at(&mut s, 90);
    assert_eq!(status(&s, "web:1"), TaskDefinitionStatus::DeleteInProgress);
    // Still used: the service's tasks run and it scales as before.
    assert_eq!(running_on(&s, "web:1"), 1);
    at(&mut s, 1200);
    assert_eq!(running_on(&s, "web:2"), 1);
    assert_eq!(status(&s, "web:1"), TaskDefinitionStatus::Deleted);
    assert!(logged(
        &s,
        "task definition web:1 deleted: no task or service uses it any more"
    ));
}

#[test]
fn calls_are_checked_when_the_scenario_loads() {
    let mut d = world();
    d["deleteTaskDefinitions"] = json!([{"taskDefinitions": []}]);
    let e = ecs_engine::Scenario::from_value(d).unwrap_err().to_string();
    assert!(
        e.contains("deleteTaskDefinitions[0].taskDefinitions: required"),
        "{e}"
    );
    let mut d = world();
    d["deregisterTaskDefinitions"] = json!([{"at": 10, "taskDefinition": "web"}]);
    let mut s = sim(d);
    at(&mut s, 20);
    assert!(logged(
        &s,
        "DeregisterTaskDefinition failed: deregisterTaskDefinitions[0].taskDefinition: ClientException: \"web\" names no revision"
    ));
}

#[test]
fn a_revision_is_deleted_once_its_taskless_service_is_deleted_or_moves_on() {
    // API-DEL: DELETE_IN_PROGRESS lasts "until all the associated tasks and services have
    // been terminated": a service with no task left releases it when it is deleted, or when
    // UpdateService moves it to another revision, with no task stop to follow.
    for moves_on in [false, true] {
        let mut d = world();
        d["services"][0]["desiredCount"] = json!(0);
        d["deregisterTaskDefinitions"] = json!([{"at": 30, "taskDefinition": "web:1"}]);
        d["deleteTaskDefinitions"] = json!([{"at": 40, "taskDefinitions": ["web:1"]}]);
        if moves_on {
            d["updateServices"] = json!([{"at": 60, "service": "web", "taskDefinition": "web:2"}]);
        } else {
            d["deleteServices"] = json!([{"at": 60, "service": "web"}]);
        }
        let mut s = sim(d);
        at(&mut s, 50);
        assert_eq!(status(&s, "web:1"), TaskDefinitionStatus::DeleteInProgress);
        at(&mut s, 300);
        assert_eq!(
            status(&s, "web:1"),
            TaskDefinitionStatus::Deleted,
            "moves_on {moves_on}"
        );
    }
}

#[test]
fn a_run_task_waiting_in_provisioning_keeps_its_revision() {
    // A task waiting in PROVISIONING for capacity a provider launches is an associated task
    // (API-DEL): its revision is not deleted under it, and it starts on that revision.
    let mut d = json!({
        "version": 1, "seed": 3, "duration": "PT1H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}],
        "capacityProviders": [{"name": "mi", "cluster": "default", "managedInstancesProvider": {
            "infrastructureRoleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole",
            "instanceLaunchTemplate": {
                "ec2InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole",
                "networkConfiguration": {"subnets": ["subnet-a"]}}}}],
        "taskDefinitions": [{"family": "job", "networkMode": "awsvpc", "requiresCompatibilities": ["MANAGED_INSTANCES"],
            "cpu": "512", "memory": "1024",
            "containerDefinitions": [{"name": "job", "image": "nginx:1.27", "essential": true}]}],
        "runTasks": [{"at": 60, "taskDefinition": "job:1",
            "capacityProviderStrategy": [{"capacityProvider": "mi", "weight": 1}],
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}]
    });
    d["deregisterTaskDefinitions"] = json!([{"at": 61, "taskDefinition": "job:1"}]);
    d["deleteTaskDefinitions"] = json!([{"at": 62, "taskDefinitions": ["job:1"]}]);
    let mut s = sim(d);
    at(&mut s, 63);
    assert!(logged(&s, "waiting in PROVISIONING for capacity"));
    assert_eq!(status(&s, "job:1"), TaskDefinitionStatus::DeleteInProgress);
    at(&mut s, 600);
    assert_eq!(running_on(&s, "job:1"), 1);
    assert_eq!(status(&s, "job:1"), TaskDefinitionStatus::DeleteInProgress);
}

#[test]
fn a_deleted_revision_is_no_longer_listed() {
    // DescribeTaskDefinition's status is ACTIVE, INACTIVE or DELETE_IN_PROGRESS; a deleted
    // revision is gone ("deletes the task definition permanently" [STATES]).
    let mut d = world();
    d["services"][0]["taskDefinition"] = json!("web:2");
    d["deregisterTaskDefinitions"] = json!([{"at": 30, "taskDefinition": "web:1"}]);
    d["deleteTaskDefinitions"] = json!([{"at": 40, "taskDefinitions": ["web:1"]}]);
    let mut s = sim(d);
    at(&mut s, 60);
    assert_eq!(status(&s, "web:1"), TaskDefinitionStatus::Deleted);
    let described = s.describe();
    let listed: Vec<&str> = described["taskDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskDefinitionArn"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"]
    );
    // The services pane's list (revision_states) leaves it out too, and counts web:2's task.
    let states: Vec<(String, TaskDefinitionStatus, usize)> = s.revision_states();
    assert_eq!(
        states,
        [("web:2".to_string(), TaskDefinitionStatus::Active, 1)]
    );
}

#[test]
fn a_rollback_does_not_run_a_deleted_revision() {
    // The circuit breaker rolls back to the last COMPLETED deployment; once its revision is
    // deleted for good there is nothing to run: the rollback fails instead of starting tasks
    // of a revision that no longer exists.
    let mut d = world();
    d["taskDefinitions"][1]["containerDefinitions"][0]["image"] = json!("nginx:missing");
    d["faults"] = json!([{"type": "ImagePullFailure", "image": "nginx:missing"}]);
    d["services"][0]["deploymentConfiguration"] = json!({"minimumHealthyPercent": 0,
        "deploymentCircuitBreaker": {"enable": true, "rollback": true}});
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"}]);
    d["deregisterTaskDefinitions"] = json!([{"at": "PT5M10S", "taskDefinition": "web:1"}]);
    d["deleteTaskDefinitions"] = json!([{"at": "PT6M", "taskDefinitions": ["web:1"]}]);
    let mut s = sim(d);
    at(&mut s, 7 * 60);
    assert_eq!(status(&s, "web:1"), TaskDefinitionStatus::Deleted);
    at(&mut s, 3600);
    assert!(logged(&s, "rolling back to deployment"));
    assert!(logged(&s, "rollback failed: ClientException: Unable to describe task definition \"web:1\": it was deleted"));
    assert_eq!(running_on(&s, "web:1"), 0);
    assert!(
        s.tasks()
            .iter()
            .filter(|t| t.created_at.as_ms() > 6 * 60 * 1000)
            .all(|t| !t.task_definition_arn.ends_with("web:1")),
        "no task of the deleted web:1 after its deletion"
    );
}

#[test]
fn a_later_update_service_is_checked_against_the_revision_the_service_runs_now() {
    // 8.1: the container name and port of loadBalancers must match the task definition; after
    // an UpdateService moved the service to web:2 (port 8080), a later UpdateService that adds
    // a target group is checked against web:2, not the revision the service was created with.
    let mut d = world();
    d["taskDefinitions"][1]["containerDefinitions"][0]["portMappings"] =
        json!([{"containerPort": 8080, "hostPort": 0}]);
    d["targetGroups"] =
        json!([{"Name": "web", "Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-1"}]);
    d["updateServices"] = json!([
        {"at": "PT1M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT10M", "service": "web",
            "loadBalancers": [{"targetGroupArn": "web", "containerName": "app", "containerPort": 8080}]}]);
    let mut s = sim(d);
    at(&mut s, 900);
    assert!(
        !logged(&s, "updateServices[1]."),
        "{:?}",
        s.log()
            .entries()
            .iter()
            .filter(|e| e.message.starts_with("updateServices[1]"))
            .collect::<Vec<_>>()
    );
    assert_eq!(s.services()[0].load_balancers.len(), 1);
}
