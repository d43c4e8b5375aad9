//! Tags on tasks and their EBS volumes (`engine/src/tags.rs`): `propagateTags` copies the
//! service's or the task definition's tags to each new task, `enableECSManagedTags` adds
//! `aws:ecs:clusterName` and `aws:ecs:serviceName`, a RunTask task carries the request's
//! tags, and the requests' refusals name the member.

mod support;

use serde_json::{json, Value};
use support::{at, service_refusal, sim};

/// A Fargate service `web` (2 tasks) of task definition `web` (tagged `owner: platform`),
/// with `extra` merged into its CreateService request.
fn doc(extra: Value) -> Value {
    let mut service = json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 2, "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}});
    for (k, v) in extra.as_object().unwrap() {
        service[k] = v.clone();
    }
    json!({
        "version": 1, "seed": 2, "duration": "PT1H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}],
        "taskDefinitions": [{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512", "tags": [{"key": "owner", "value": "platform"}],
            "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "essential": true}]}],
        "services": [service]
    })
}

/// The `tags` DescribeTasks gives task 0 of the run of `d`.
fn task_tags(d: Value) -> Value {
    let mut s = sim(d);
    at(&mut s, 120);
    let id = s.tasks()[0].id.clone();
    s.describe_task_by_id(&id).unwrap()["tags"].clone()
}

#[test]
fn propagate_tags_copies_the_service_s_or_the_task_definition_s_tags() {
    // API-CS: propagateTags TASK_DEFINITION | SERVICE | NONE; "If no value is specified, the
    // tags aren't propagated".
    let tags = json!([{"key": "team", "value": "web"}]);
    assert_eq!(
        task_tags(doc(json!({"tags": tags, "propagateTags": "SERVICE"}))),
        tags
    );
    assert_eq!(
        task_tags(doc(
            json!({"tags": tags, "propagateTags": "TASK_DEFINITION"})
        )),
        json!([{"key": "owner", "value": "platform"}])
    );
    assert_eq!(task_tags(doc(json!({"tags": tags}))), Value::Null);
}

#[test]
fn managed_tags_name_the_cluster_and_the_service() {
    // TAGS: aws:ecs:clusterName and aws:ecs:serviceName.
    assert_eq!(
        task_tags(doc(
            json!({"enableECSManagedTags": true, "propagateTags": "TASK_DEFINITION"})
        )),
        json!([{"key": "aws:ecs:clusterName", "value": "default"},
               {"key": "aws:ecs:serviceName", "value": "web"},
               {"key": "owner", "value": "platform"}])
    );
}

#[test]
fn a_run_task_task_carries_the_request_s_tags() {
    // API-RT: RunTask's tags are the task's; SERVICE cannot be propagated to a standalone task.
    let mut d = doc(json!({}));
    d["services"] = json!([]);
    d["runTasks"] = json!([{"at": 0, "taskDefinition": "web", "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
        "tags": [{"key": "job", "value": "nightly"}], "propagateTags": "TASK_DEFINITION"}]);
    assert_eq!(
        task_tags(d.clone()),
        json!([{"key": "owner", "value": "platform"}, {"key": "job", "value": "nightly"}])
    );
    d["runTasks"][0]["propagateTags"] = json!("SERVICE");
    let mut s = sim(d);
    at(&mut s, 10);
    assert!(s.tasks().is_empty());
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("propagateTags: SERVICE is for a service's tasks")));
}

#[test]
fn bad_tags_are_refused_naming_the_member() {
    // API-CS: at most 50 tags; keys 1 to 128 characters; the aws: prefix is reserved.
    let e = service_refusal(doc(json!({"tags": [{"key": "aws:team", "value": "x"}]})));
    assert!(e.starts_with("services[0].tags[0].key: aws:team"), "{e}");
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"key": format!("k{i}"), "value": ""}))
        .collect();
    let e = service_refusal(doc(json!({ "tags": many })));
    assert!(e.starts_with("services[0].tags: 51 tags"), "{e}");
    let e = service_refusal(doc(json!({"propagateTags": "TASK"})));
    assert!(e.starts_with("services[0].propagateTags: \"TASK\""), "{e}");
}

#[test]
fn an_ebs_volume_gets_the_managed_tags_and_its_tag_specifications() {
    // CONF (EBS): with enableECSManagedTags, "Amazon ECS will tag the volume automatically with
    // cluster and service information (aws:ecs:clusterName and aws:ecs:serviceName)";
    // tagSpecifications' tags and propagateTags SERVICE add the rest.
    let mut d = doc(
        json!({"enableECSManagedTags": true, "tags": [{"key": "team", "value": "web"}],
        "volumeConfigurations": [{"name": "data", "managedEBSVolume": {
            "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole", "sizeInGiB": 10,
            "tagSpecifications": [{"resourceType": "volume", "tags": [{"key": "backup", "value": "daily"}], "propagateTags": "SERVICE"}]}}]}),
    );
    d["taskDefinitions"][0]["volumes"] = json!([{"name": "data", "configuredAtLaunch": true}]);
    let mut s = sim(d);
    at(&mut s, 120);
    let tags = s.describe()["ebsVolumes"][0]["Tags"].clone();
    let keys: Vec<&str> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        vec![
            "AmazonECSCreated",
            "AmazonECSManaged",
            "aws:ecs:clusterName",
            "aws:ecs:serviceName",
            "backup",
            "team"
        ]
    );
}

#[test]
fn update_service_tags_only_the_tasks_launched_after_it() {
    // API-US: propagateTags and enableECSManagedTags: "Only tasks launched after the update
    // will reflect the update."
    let mut d = doc(json!({"tags": [{"key": "team", "value": "web"}]}));
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "desiredCount": 3,
        "propagateTags": "SERVICE", "enableECSManagedTags": true}]);
    let mut s = sim(d);
    at(&mut s, 10 * 60);
    assert_eq!(s.tasks().len(), 3);
    assert!(s.tasks()[0].tags.is_empty() && s.tasks()[1].tags.is_empty());
    let keys: Vec<&str> = s.tasks()[2].tags.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        vec!["aws:ecs:clusterName", "aws:ecs:serviceName", "team"]
    );
    // No deployment: the first two tasks keep running untagged.
    assert_eq!(
        s.describe()["services"][0]["deployments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
