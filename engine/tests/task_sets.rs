//! Task sets and the EXTERNAL deployment controller (`crate::task_set`; the ECS API
//! reference's CreateTaskSet, UpdateTaskSet, UpdateServicePrimaryTaskSet, DeleteTaskSet and
//! the developer guide's "External deployment"). Built on the preset `external-task-sets`:
//! service web (EXTERNAL, desired 4), task set blue (web:1, target group blue) PRIMARY from
//! the start, green (web:2, target group green) from 5 minutes, the listener shifted to green
//! by 28 minutes, blue scaled to 0 % at 30 and deleted at 33, desired 6 from 15 minutes.

mod support;

use ecs_engine::Simulation;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{at, logged, sim};

const MIN: u64 = 60;

fn preset() -> Value {
    serde_json::from_str(include_str!(
        "../../public/scenarios/external-task-sets.json"
    ))
    .unwrap()
}

/// The preset with only its service, task definitions and instances, and `calls` merged in.
fn bare(calls: Value) -> Value {
    let mut d = preset();
    for key in [
        "createTaskSets",
        "updateServicePrimaryTaskSets",
        "updateTaskSets",
        "deleteTaskSets",
        "updateServices",
        "modifyListeners",
        "loadProfiles",
    ] {
        d.as_object_mut().unwrap().remove(key);
    }
    for (k, v) in calls.as_object().unwrap() {
        d[k] = v.clone();
    }
    d
}

/// Adds task definition `tiny` (Fargate, awsvpc) and subnet `subnet-a` to `d`.
fn with_fargate_tiny(d: &mut Value) {
    d["taskDefinitions"].as_array_mut().unwrap().push(json!({
        "family": "tiny", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": true}]}));
    d["subnets"] = json!([{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}]);
}

/// The preset capacity-provider-from-zero with its service made EXTERNAL: desired 6, task set
/// blue (web, 100 %) on capacity provider cp-demo, whose group starts at zero instances.
fn external_from_zero() -> Value {
    let mut d: Value = serde_json::from_str(include_str!(
        "../../public/scenarios/capacity-provider-from-zero.json"
    ))
    .unwrap();
    d.as_object_mut().unwrap().remove("updateServices");
    d["services"] = json!([{"serviceName": "web", "cluster": "demo", "desiredCount": 6,
        "deploymentController": {"type": "EXTERNAL"}}]);
    d["createTaskSets"] = json!([{"service": "web", "cluster": "demo", "externalId": "blue",
        "taskDefinition": "web", "capacityProviderStrategy": [{"capacityProvider": "cp-demo", "weight": 1}],
        "scale": {"value": 100}}]);
    d
}

fn service(s: &Simulation) -> Value {
    s.describe()["services"][0].clone()
}

/// The described task set whose externalId is `name`.
fn task_set(s: &Simulation, name: &str) -> Value {
    service(s)["taskSets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["externalId"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

/// RUNNING tasks of task definition `family_revision`.
fn running_of(s: &Simulation, family_revision: &str) -> usize {
    s.describe()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["lastStatus"] == "RUNNING"
                && t["taskDefinitionArn"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/{family_revision}"))
        })
        .count()
}

fn requests(s: &Simulation, group: &str, m: usize) -> f64 {
    s.time_series().series[&format!("targetGroup/{group}/RequestCount")][m]
}

fn lb(group: &str) -> Value {
    json!([{"targetGroupArn": group, "containerName": "web", "containerPort": 8080}])
}

fn create(external_id: &str, td: &str, scale: f64) -> Value {
    json!({"service": "web", "externalId": external_id, "taskDefinition": td,
           "loadBalancers": lb(external_id), "scale": {"value": scale, "unit": "PERCENT"}})
}

/// The first event log line that starts with `prefix`.
fn failure(s: &Simulation, prefix: &str) -> String {
    s.log()
        .entries()
        .iter()
        .find(|e| e.message.starts_with(prefix))
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

#[test]
fn an_external_deployment_runs_blue_then_green_as_the_pipeline_says() {
    let mut s = sim(preset());
    at(&mut s, 10 * MIN);
    // Each task set runs its computed desired count: 100 % of 4.
    assert_eq!(running_of(&s, "web:1"), 4);
    assert_eq!(running_of(&s, "web:2"), 4);
    let (blue, green) = (task_set(&s, "blue"), task_set(&s, "green"));
    assert_eq!(blue["status"], "PRIMARY");
    assert_eq!(green["status"], "ACTIVE");
    assert_eq!(green["computedDesiredCount"], 4);
    assert_eq!(green["stabilityStatus"], "STEADY_STATE");
    assert!(green["id"].as_str().unwrap().starts_with("ecs-svc/"));
    assert!(green["taskSetArn"].as_str().unwrap().ends_with(&format!(
        "task-set/default/web/{}",
        green["id"].as_str().unwrap()
    )));
    // The service shows its primary task set's fields and no deployments of its own.
    let svc = service(&s);
    assert!(svc["taskDefinition"].as_str().unwrap().ends_with("/web:1"));
    assert_eq!(svc["deployments"], json!([]));
    assert_eq!(svc["runningCount"], 8);
    assert!(svc.get("currentServiceDeployment").is_none());
    // Each task set's tasks are in its own target group: the listener sends all to blue.
    assert_eq!(requests(&s, "blue", 9), 60_000.0);
    assert_eq!(requests(&s, "green", 9), 0.0);
    let green_id = green["id"].as_str().unwrap().to_string();
    assert!(logged(
        &s,
        &format!("(service web, taskSet {green_id}) has started 4 tasks:")
    ));
    assert!(logged(
        &s,
        &format!("(service web, taskSet {green_id}) updated state to STEADY_STATE.")
    ));

    // Desired 6 from 15 minutes: both task sets follow by their scale.
    at(&mut s, 18 * MIN);
    assert!(logged(
        &s,
        &format!("(service web) updated computedDesiredCount for taskSet {green_id} to 6.")
    ));
    assert_eq!(running_of(&s, "web:1"), 6);
    assert_eq!(running_of(&s, "web:2"), 6);
    assert_eq!(requests(&s, "green", 17), 6_000.0);

    // Green PRIMARY at 28 minutes; blue at 0 % from 30 runs nothing.
    at(&mut s, 31 * MIN);
    assert_eq!(task_set(&s, "green")["status"], "PRIMARY");
    assert_eq!(task_set(&s, "blue")["status"], "ACTIVE");
    assert_eq!(task_set(&s, "blue")["computedDesiredCount"], 0);
    assert!(service(&s)["taskDefinition"]
        .as_str()
        .unwrap()
        .ends_with("/web:2"));
    assert_eq!(running_of(&s, "web:1"), 0);
    assert_eq!(requests(&s, "green", 30), 60_000.0);

    assert_eq!(
        s.task_set_summary(0).unwrap(),
        "EXTERNAL controller · blue ACTIVE 0 % · green PRIMARY 100 %"
    );
    // Deleted at 33 minutes: gone from the service.
    at(&mut s, 35 * MIN);
    assert_eq!(task_set(&s, "blue"), Value::Null);
    assert_eq!(service(&s)["taskSets"].as_array().unwrap().len(), 1);
    assert!(logged(&s, "drained and deleted"));
}

#[test]
fn computed_desired_count_is_the_scale_of_the_desired_count_rounded_up() {
    // 50 % of 3 is 1.5: 2 tasks; 0 % runs none, and scale left out is 0 %.
    let mut half = create("blue", "web:1", 50.0);
    half["loadBalancers"] = json!([]);
    let mut none = create("green", "web:2", 0.0);
    none["loadBalancers"] = json!([]);
    none.as_object_mut().unwrap().remove("scale");
    let mut d = bare(json!({"createTaskSets": [half, none],
        "updateTaskSets": [{"at": 600, "service": "web", "taskSet": "green", "scale": {"value": 34}}]}));
    d["services"][0]["desiredCount"] = json!(3);
    let mut s = sim(d);
    at(&mut s, 5 * MIN);
    assert_eq!(running_of(&s, "web:1"), 2);
    assert_eq!(running_of(&s, "web:2"), 0);
    assert_eq!(task_set(&s, "green")["scale"]["value"], 0.0);
    // No task set is PRIMARY: the service shows no task definition.
    assert!(service(&s).get("taskDefinition").is_none());
    // UpdateTaskSet to 34 %: 1.02 tasks round up to 2.
    at(&mut s, 15 * MIN);
    assert_eq!(task_set(&s, "green")["computedDesiredCount"], 2);
    assert_eq!(running_of(&s, "web:2"), 2);
}

#[test]
fn create_service_with_the_external_controller_refuses_what_task_sets_hold() {
    let refusal = |key: &str, v: Value| {
        let mut d = preset();
        d["services"][0][key] = v;
        support::service_refusal(d)
    };
    let e = refusal("taskDefinition", json!("web"));
    assert!(
        e.starts_with(
            "services[0].taskDefinition: InvalidParameterException: TaskDefinition must be blank."
        ),
        "{e}"
    );
    let e = refusal("loadBalancers", lb("blue"));
    assert!(e.contains("LoadBalancers must be empty or null."), "{e}");
    let e = refusal(
        "networkConfiguration",
        json!({"awsvpcConfiguration": {"subnets": ["subnet-1"]}}),
    );
    assert!(e.contains("NetworkConfiguration must be null."), "{e}");
    let e = refusal("schedulingStrategy", json!("DAEMON"));
    assert!(
        e.contains("support only the REPLICA scheduling strategy"),
        "{e}"
    );
    let e = refusal(
        "deploymentConfiguration",
        json!({"deploymentCircuitBreaker": {"enable": true, "rollback": true}}),
    );
    assert!(
        e.contains("can only be used for services using the rolling update (ECS) deployment type"),
        "{e}"
    );
    // A service without a task set (the CLI's create-service example): created, running
    // nothing, showing no task definition, and nothing to explain.
    let e = support::service_refusal(bare(json!({})));
    assert_eq!(e, "");
    let mut s = sim(bare(json!({})));
    at(&mut s, 2 * MIN);
    let svc = service(&s);
    assert_eq!(
        (
            &svc["status"],
            &svc["runningCount"],
            &svc["taskSets"],
            &svc["deployments"]
        ),
        (&json!("ACTIVE"), &json!(0), &json!([]), &json!([]))
    );
    assert!(svc.get("taskDefinition").is_none());
    assert!(s
        .explain_next_placement("web")
        .unwrap_err()
        .contains("has no task set running"));
    // A task set created later runs.
    let mut s = sim(bare(json!({"createTaskSets": [
        {"at": 60, "service": "web", "taskDefinition": "web:1", "scale": {"value": 50}}]})));
    at(&mut s, 3 * MIN);
    assert_eq!(running_of(&s, "web:1"), 2);
    // An empty CreateService of the controller is not "not simulated".
    let s = sim(preset());
    assert!(!logged(&s, "not simulated"));
}

#[test]
fn task_set_calls_are_refused_in_ecs_words() {
    let mut d = bare(json!({"createTaskSets": [
        create("blue", "web:1", 100.0),
        // Two target groups.
        {"service": "web", "taskDefinition": "web:1", "loadBalancers": [lb("blue")[0], lb("green")[0]]},
        // Not a service with the EXTERNAL controller.
        {"service": "plain", "taskDefinition": "web:1"},
        // No such service.
        {"service": "nope", "taskDefinition": "web:1"},
    ],
    "deleteTaskSets": [
        // Primary without force, then not scaled to 0 without force.
        {"at": 60, "service": "web", "taskSet": "blue"},
        {"at": 60, "service": "web", "taskSet": "ecs-svc/123"},
    ],
    "updateServicePrimaryTaskSets": [{"service": "web", "primaryTaskSet": "blue"}],
    "updateServices": [{"at": 60, "service": "web", "taskDefinition": "web:2"}]}));
    d["services"]
        .as_array_mut()
        .unwrap()
        .push(json!({"serviceName": "plain", "taskDefinition": "web:1", "desiredCount": 0}));
    let mut s = sim(d);
    at(&mut s, 2 * MIN);
    let e = failure(&s, "CreateTaskSet failed: createTaskSets[1]");
    assert!(e.contains("createTaskSets[1].loadBalancers: 2 target groups; only one target group is allowed per task set"), "{e}");
    let e = failure(&s, "CreateTaskSet failed: createTaskSets[2]");
    assert!(e.ends_with("createTaskSets[2].service: InvalidParameterException: Amazon ECS only supports task set management on services configured to use external deployment controllers."), "{e}");
    let e = failure(&s, "CreateTaskSet failed: createTaskSets[3]");
    assert!(e.contains("ServiceNotFoundException"), "{e}");
    let e = failure(&s, "DeleteTaskSet failed: deleteTaskSets[0]");
    assert!(
        e.contains("deleteTaskSets[0].force: InvalidParameterException: task set ecs-svc/")
            && e.contains("is the PRIMARY task set"),
        "{e}"
    );
    let e = failure(&s, "DeleteTaskSet failed: deleteTaskSets[1]");
    assert!(e.contains("deleteTaskSets[1].taskSet: TaskSetNotFoundException: The specified task set wasn't found."), "{e}");
    let e = failure(&s, "updateServices[0]");
    assert!(e.starts_with("updateServices[0].taskDefinition: InvalidParameterException: for services using an external deployment controller, you can update only the desired count"), "{e}");
    // The task set that was refused nothing runs on.
    assert_eq!(running_of(&s, "web:1"), 4);
    assert_eq!(service(&s)["taskSets"].as_array().unwrap().len(), 1);
}

#[test]
fn a_sixth_task_set_exceeds_the_limit() {
    let sets: Vec<Value> = (0..6)
        .map(
            |i| json!({"service": "web", "externalId": format!("s{i}"), "taskDefinition": "web:1"}),
        )
        .collect();
    let mut s = sim(bare(json!({"createTaskSets": sets})));
    at(&mut s, MIN);
    assert_eq!(service(&s)["taskSets"].as_array().unwrap().len(), 5);
    let e = failure(&s, "CreateTaskSet failed: createTaskSets[5]");
    assert!(e.ends_with("InvalidParameterException: 5 deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit."), "{e}");
}

#[test]
fn delete_task_set_with_force_drains_a_running_task_set() {
    let mut s = sim(bare(json!({
        "createTaskSets": [create("blue", "web:1", 100.0), create("green", "web:2", 50.0)],
        "updateServicePrimaryTaskSets": [{"service": "web", "primaryTaskSet": "blue"}],
        "deleteTaskSets": [
            {"at": 300, "service": "web", "taskSet": "green"},
            {"at": 360, "service": "web", "taskSet": "green", "force": true}]})));
    at(&mut s, 5 * MIN);
    assert_eq!(running_of(&s, "web:2"), 2);
    // Without force, a task set that runs tasks stays.
    at(&mut s, 5 * MIN + 30);
    let e = failure(&s, "DeleteTaskSet failed: deleteTaskSets[0]");
    assert!(
        e.contains("has not been scaled down to zero (computedDesiredCount 2, 2 tasks)"),
        "{e}"
    );
    // With force it drains: DRAINING while its targets deregister, then gone.
    at(&mut s, 6 * MIN);
    assert_eq!(task_set(&s, "green")["status"], "DRAINING");
    assert_eq!(task_set(&s, "green")["computedDesiredCount"], 0);
    let id = task_set(&s, "green")["id"].as_str().unwrap().to_string();
    assert!(logged(
        &s,
        &format!("(service web, taskSet {id}) has begun draining connections on 2 tasks.")
    ));
    at(&mut s, 10 * MIN);
    assert_eq!(task_set(&s, "green"), Value::Null);
    assert_eq!(running_of(&s, "web:2"), 0);
    assert_eq!(running_of(&s, "web:1"), 4);
}

#[test]
fn task_sets_take_a_launch_type_of_their_own() {
    // A Fargate task set beside an EC2 one: awsvpc, its subnets, and the ip target group.
    let mut d = bare(json!({"createTaskSets": [
        {"service": "web", "externalId": "ec2", "taskDefinition": "web:1", "scale": {"value": 100}},
        {"service": "web", "externalId": "fargate", "taskDefinition": "tiny", "launchType": "FARGATE",
         "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}, "scale": {"value": 50}}]}));
    with_fargate_tiny(&mut d);
    let mut s = sim(d);
    at(&mut s, 5 * MIN);
    assert_eq!(running_of(&s, "web:1"), 4);
    assert_eq!(running_of(&s, "tiny:1"), 2);
    let fargate = s.describe()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["launchType"] == "FARGATE")
        .count();
    assert_eq!(fargate, 2);
    assert_eq!(task_set(&s, "fargate")["launchType"], "FARGATE");
}

#[test]
fn a_bad_scale_is_refused_naming_the_field() {
    let e = ecs_engine::scenario::Scenario::from_value(bare(json!({"createTaskSets": [
        {"service": "web", "taskDefinition": "web:1", "scale": {"value": 150, "unit": "PERCENT"}}]})))
    .unwrap_err();
    assert_eq!(e.path, "createTaskSets[0].scale.value", "{e}");
    let e = ecs_engine::scenario::Scenario::from_value(bare(json!({"deleteTaskSets": [
        {"service": "web", "taskSet": "x", "scale": {"value": 1}}]})))
    .unwrap_err();
    assert_eq!(e.path, "deleteTaskSets[0].scale", "{e}");
    let e = ecs_engine::scenario::Scenario::from_value(bare(json!({"createTaskSets": [
        {"service": "web", "taskDefinition": "web:1", "externalId": 7}]})))
    .unwrap_err();
    assert_eq!(e.path, "createTaskSets[0].externalId", "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Invariant: once settled, every task set runs exactly ceil(desired × scale / 100) tasks,
    /// whatever the desired count and scales (two task sets; scales need not add up to 100).
    #[test]
    fn every_task_set_runs_its_computed_count(desired in 0u32..12, a in 0u32..=100, b in 0u32..=100, later in 0u32..12) {
        let mut blue = create("blue", "web:1", f64::from(a));
        blue["loadBalancers"] = json!([]);
        let mut green = create("green", "web:2", f64::from(b));
        green["loadBalancers"] = json!([]);
        let mut d = bare(json!({"createTaskSets": [blue, green],
            "updateServices": [{"at": 600, "service": "web", "desiredCount": later}]}));
        d["services"][0]["desiredCount"] = json!(desired);
        let mut s = sim(d);
        let want = |n: u32, p: u32| (n * p).div_ceil(100) as usize;
        at(&mut s, 5 * MIN);
        prop_assert_eq!(running_of(&s, "web:1"), want(desired, a));
        prop_assert_eq!(running_of(&s, "web:2"), want(desired, b));
        at(&mut s, 15 * MIN);
        prop_assert_eq!(running_of(&s, "web:1"), want(later, a));
        prop_assert_eq!(running_of(&s, "web:2"), want(later, b));
        prop_assert_eq!(&task_set(&s, "green")["computedDesiredCount"], &json!(want(later, b)));
    }
}

#[test]
fn update_service_placement_of_an_external_service_starts_no_deployment() {
    // "For services using an external deployment controller, you can update only the desired
    // count, task placement constraints and strategies, ... If the launch type, load balancer,
    // network configuration, platform version, or task definition need to be updated, create a
    // new task set" [API UpdateService]: new placement is no deployment of the service's own.
    let mut s = sim(bare(
        json!({"createTaskSets": [create("blue", "web:1", 100.0)],
        "updateServices": [{"at": 600, "service": "web",
            "placementStrategy": [{"type": "binpack", "field": "memory"}]}]}),
    ));
    at(&mut s, 15 * MIN);
    assert!(!logged(&s, "service web: deployment"));
    assert_eq!(s.services()[0].deployments.len(), 1);
    assert_eq!(
        service(&s)["placementStrategy"],
        json!([{"type": "binpack", "field": "memory"}])
    );
    assert_eq!(task_set(&s, "blue")["runningCount"], 4);
}

#[test]
fn an_external_service_whose_task_sets_run_on_fargate_is_created() {
    // "NetworkConfiguration must be null." on CreateService: "All other service parameters
    // are specified when creating a task set" [EXT-2023]. A service whose first task set is
    // Fargate (awsvpc) must not need subnets of its own.
    let mut d = bare(json!({"createTaskSets": [
        {"service": "web", "externalId": "blue", "taskDefinition": "tiny", "launchType": "FARGATE",
         "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}, "scale": {"value": 100}}]}));
    with_fargate_tiny(&mut d);
    assert_eq!(support::service_refusal(d.clone()), "");
    let mut s = sim(d);
    at(&mut s, 5 * MIN);
    assert_eq!(running_of(&s, "tiny:1"), 4);
    // The service itself still shows no network configuration of its own.
    assert!(service(&s).get("networkConfiguration").is_none());
}

#[test]
fn task_set_tasks_get_the_services_managed_and_propagated_tags() {
    // An EXTERNAL service takes `tags`, `enableECSManagedTags` and `propagateTags` [EXT-2023],
    // and UpdateService may change "enable ECS managed tags option, and propagate tags option"
    // [API]: the tasks its task sets start get them.
    let mut d = bare(json!({"createTaskSets": [create("blue", "web:1", 100.0)]}));
    d["services"][0]["enableECSManagedTags"] = json!(true);
    d["services"][0]["propagateTags"] = json!("SERVICE");
    d["services"][0]["tags"] = json!([{"key": "team", "value": "web"}]);
    let mut s = sim(d);
    at(&mut s, MIN);
    let tags = &s.describe()["tasks"][0]["tags"];
    for (k, v) in [
        ("aws:ecs:serviceName", "web"),
        ("aws:ecs:clusterName", "default"),
        ("team", "web"),
    ] {
        assert!(
            tags.as_array()
                .into_iter()
                .flatten()
                .any(|t| t["key"] == k && t["value"] == v),
            "{k}: {tags}"
        );
    }
}

#[test]
fn a_task_set_reaching_steady_state_sends_taskset_steady_state() {
    // EventBridge `TASKSET_STEADY_STATE`: "The task set is healthy and at the desired number
    // of tasks, thus reaching a steady state." [EVT]
    let mut d = bare(
        json!({"createTaskSets": [create("blue", "web:1", 100.0), create("green", "web:2", 50.0)]}),
    );
    d["eventRules"] = json!([{"Name": "ts", "EventPattern": {"detail-type": ["ECS Service Action"],
        "detail": {"eventName": ["TASKSET_STEADY_STATE"]}}, "Targets": []}]);
    let mut s = sim(d);
    at(&mut s, 5 * MIN);
    assert_eq!(task_set(&s, "green")["stabilityStatus"], "STEADY_STATE");
    assert_eq!(s.event_rule_matches(), &[2]);
}

#[test]
fn delete_service_takes_its_task_sets_with_it() {
    // DeleteService with force: the service drains, and so do its task sets (DRAINING: "The
    // tasks in the task set are being stopped"); once INACTIVE it lists none.
    let mut d = preset();
    d["deleteServices"] = json!([{"at": "PT10M", "service": "web", "force": true}]);
    let mut s = sim(d);
    at(&mut s, 10 * MIN);
    assert_eq!(task_set(&s, "blue")["status"], "DRAINING");
    assert_eq!(task_set(&s, "green")["computedDesiredCount"], 0);
    at(&mut s, 15 * MIN);
    assert_eq!(service(&s)["status"], "INACTIVE");
    assert_eq!(service(&s)["taskSets"], json!([]));
    assert_eq!(running_of(&s, "web:1") + running_of(&s, "web:2"), 0);
}

#[test]
fn a_task_set_takes_no_alternate_target_group_and_force_new_deployment_false_is_no_change() {
    let mut blue = create("blue", "web:1", 100.0);
    blue["loadBalancers"][0]["advancedConfiguration"] = json!({"alternateTargetGroupArn": "green"});
    let mut s = sim(bare(
        json!({"createTaskSets": [create("green", "web:2", 100.0), blue],
        "updateServices": [{"at": 60, "service": "web", "desiredCount": 2, "forceNewDeployment": false},
            {"at": 90, "service": "web", "enableExecuteCommand": false}]}),
    ));
    at(&mut s, 2 * MIN);
    let e = failure(&s, "CreateTaskSet failed: createTaskSets[1]");
    assert!(
        e.contains("createTaskSets[1].loadBalancers[0].advancedConfiguration:"),
        "{e}"
    );
    assert!(!logged(&s, "updateServices[0]"));
    // Another member is refused even when false: only forceNewDeployment: false asks nothing.
    assert!(logged(
        &s,
        "updateServices[1].enableExecuteCommand: InvalidParameterException"
    ));
    assert_eq!(running_of(&s, "web:2"), 2);
}

#[test]
fn a_task_set_that_can_no_longer_start_tasks_says_why() {
    // UpdateService may change an EXTERNAL service's placement, checked against what the
    // service was built around (web:1): with web:2's own two memberOf constraints, task set
    // green's tasks would have 11, more than 10 per task. They fail to launch, said as a
    // service event, and the other task set goes on.
    let member = json!({"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m5.*"});
    let mut green = create("green", "web:2", 0.0);
    green["loadBalancers"] = json!([]);
    let mut d = bare(
        json!({"createTaskSets": [create("blue", "web:1", 100.0), green],
        "updateServices": [{"at": 60, "service": "web", "placementConstraints": vec![member.clone(); 9]}],
        "updateTaskSets": [{"at": 120, "service": "web", "taskSet": "green", "scale": {"value": 50}}]}),
    );
    d["taskDefinitions"][1]["placementConstraints"] = json!([member, member]);
    let mut s = sim(d);
    at(&mut s, 4 * MIN);
    assert!(!logged(&s, "updateServices[0]"));
    assert_eq!(running_of(&s, "web:2"), 0);
    assert!(logged(
        &s,
        "(service web) failed to launch a task with (error placementConstraints: 11 constraints; at most 10 per task)."
    ));
    assert_eq!(running_of(&s, "web:1"), 4);
}

#[test]
fn a_task_sets_tasks_register_in_cloud_map_with_its_external_id() {
    // CreateTaskSet's serviceRegistries: with Cloud Map, the externalId "becomes the
    // ECS_TASK_SET_EXTERNAL_ID Cloud Map attribute".
    let arn = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-webq4k2m7x3p6";
    let mut blue = create("blue", "web:1", 50.0);
    blue["serviceRegistries"] =
        json!([{"registryArn": arn, "containerName": "web", "containerPort": 8080}]);
    let mut d = bare(json!({"createTaskSets": [blue]}));
    d["namespaces"] = json!([{"Name": "corp.local", "Vpc": "vpc-1"}]);
    d["cloudMapServices"] = json!([{"Service": {"Id": "srv-webq4k2m7x3p6", "Arn": arn, "Name": "web",
        "NamespaceId": "corp.local", "DnsConfig": {"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "SRV", "TTL": 60}]},
        "HealthCheckCustomConfig": {"FailureThreshold": 1}}}]);
    let mut s = sim(d);
    at(&mut s, 5 * MIN);
    let out = s.describe();
    let instances = out["serviceDiscovery"][0]["Instances"].as_array().unwrap();
    assert_eq!(instances.len(), 2, "{out:#}");
    for i in instances {
        assert_eq!(i["Attributes"]["ECS_TASK_SET_EXTERNAL_ID"], "blue");
        assert_eq!(i["Attributes"]["ECS_SERVICE_NAME"], "web");
    }
    assert_eq!(
        task_set(&s, "blue")["serviceRegistries"][0]["registryArn"],
        arn
    );
}

#[test]
fn the_placement_explanation_of_an_external_service_is_its_next_task_sets() {
    // Explain every decision (principle 4): an EXTERNAL service's next task is its task
    // set's, with that task set's revision. Green (PRIMARY) needs more memory than any
    // m5.xlarge has; blue's tasks fit.
    let mut green = create("green", "web:2", 0.0);
    green["loadBalancers"] = json!([]);
    let mut blue = create("blue", "web:1", 100.0);
    blue["loadBalancers"] = json!([]);
    let mut d = bare(json!({"createTaskSets": [blue, green],
        "updateServicePrimaryTaskSets": [{"service": "web", "primaryTaskSet": "green"}]}));
    d["taskDefinitions"][1]["memory"] = json!("20480");
    d["taskDefinitions"][1]["containerDefinitions"][0]["memory"] = json!(20480);
    let mut s = sim(d);
    at(&mut s, 2 * MIN);
    assert_eq!(running_of(&s, "web:1"), 4);
    let e = s.explain_next_placement("web").unwrap();
    assert_eq!(e.chosen, None);
    assert!(e.candidates.iter().all(|c| matches!(
        c.verdict,
        ecs_engine::placement::explain::Verdict::Rejected {
            rejection: ecs_engine::placement::explain::Rejection::Memory { .. },
            ..
        }
    )));
    // Green ACTIVE at 100 % cannot place its tasks: short of them, it is the one explained
    // even with blue PRIMARY.
    let mut green = create("green", "web:2", 100.0);
    green["loadBalancers"] = json!([]);
    let mut blue = create("blue", "web:1", 100.0);
    blue["loadBalancers"] = json!([]);
    let mut d = bare(json!({"createTaskSets": [blue, green],
        "updateServicePrimaryTaskSets": [{"service": "web", "primaryTaskSet": "blue"}]}));
    d["taskDefinitions"][1]["memory"] = json!("20480");
    d["taskDefinitions"][1]["containerDefinitions"][0]["memory"] = json!(20480);
    let mut s = sim(d);
    at(&mut s, 2 * MIN);
    assert_eq!(s.explain_next_placement("web").unwrap().chosen, None);
    // Blue primary: its next task fits.
    let mut s = sim(bare(
        json!({"createTaskSets": [create("blue", "web:1", 100.0)],
        "updateServicePrimaryTaskSets": [{"service": "web", "primaryTaskSet": "blue"}]}),
    ));
    at(&mut s, 2 * MIN);
    assert!(s.explain_next_placement("web").unwrap().chosen.is_some());
}

#[test]
fn managed_scaling_launches_capacity_for_a_task_sets_waiting_tasks() {
    // 6.4: a capacity provider's managed scaling counts "the provider's PROVISIONING tasks";
    // a task set's tasks on a provider with no instance wait there, and the group scales out
    // from zero for them (capacity-provider-from-zero, with its service made EXTERNAL).
    let d = external_from_zero();
    let mut s = sim(d);
    at(&mut s, 30 * MIN);
    assert!(s.auto_scaling_groups()[0].desired >= 3);
    assert_eq!(running_of(&s, "web:1"), 6);
    assert_eq!(task_set(&s, "blue")["stabilityStatus"], "STEADY_STATE");
}

#[test]
fn a_task_set_deleted_with_its_service_leaves_no_task_waiting_in_provisioning() {
    // DeleteTaskSet: "The tasks in the task set are being stopped" (DRAINING); DeleteService
    // takes the rest. Tasks that waited for capacity are no longer wanted: they leave the
    // cluster's PROVISIONING count, and managed scaling (6.4, "the provider's PROVISIONING
    // tasks") stops launching for them. Both calls at the same minute: they stayed counted.
    let mut d = external_from_zero();
    d["deleteTaskSets"] = json!([{"at": "PT1M", "cluster": "demo", "service": "web",
        "taskSet": "blue", "force": true}]);
    d["deleteServices"] =
        json!([{"at": "PT1M", "cluster": "demo", "service": "web", "force": true}]);
    let mut s = sim(d);
    at(&mut s, 30);
    assert_eq!(s.provisioning_tasks("demo"), 6);
    at(&mut s, 2 * MIN);
    assert_eq!(s.provisioning_tasks("demo"), 0);
    at(&mut s, 30 * MIN);
    assert_eq!(s.provisioning_tasks("demo"), 0);
    assert_eq!(s.auto_scaling_groups()[0].desired, 0);
}

#[test]
fn each_task_sets_capacity_provider_strategy_splits_its_own_tasks() {
    // 6.2: base tasks go to their provider first, then the weights split the rest. Each task
    // set has its own capacityProviderStrategy (CreateTaskSet), so green's base is green's:
    // 2 on FARGATE, then 2 on FARGATE_SPOT, as for blue.
    let strategy = json!([{"capacityProvider": "FARGATE", "base": 2, "weight": 0},
        {"capacityProvider": "FARGATE_SPOT", "weight": 1}]);
    let set = |name: &str, at: u64| {
        json!({"at": at, "service": "web", "externalId": name, "taskDefinition": "tiny",
            "capacityProviderStrategy": strategy.clone(), "scale": {"value": 100},
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}})
    };
    let mut d = bare(json!({"createTaskSets": [set("blue", 0), set("green", 120)]}));
    with_fargate_tiny(&mut d);
    d["clusters"] =
        json!([{"clusterName": "default", "capacityProviders": ["FARGATE", "FARGATE_SPOT"]}]);
    let mut s = sim(d);
    at(&mut s, 5 * MIN);
    let described = s.describe();
    let green = task_set(&s, "green")["id"].as_str().unwrap().to_string();
    let on = |provider: &str| {
        described["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["startedBy"] == green.as_str() && t["capacityProviderName"] == provider)
            .count()
    };
    assert_eq!((on("FARGATE"), on("FARGATE_SPOT")), (2, 2));
}
