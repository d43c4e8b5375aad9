//! Clusters a scenario declares (`clusters[]`, CreateCluster), and calls that name another
//! (2.1; ClusterNotFoundException [API-ECS]).

use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

/// Two m5.large in cluster `instances_in` and a service of two tasks in `service_in`; the
/// scenario declares `declared` (no `clusters[]` when empty).
fn scenario(declared: &[&str], instances_in: &str, service_in: &str) -> Value {
    let mut v = json!({
        "version": 1, "seed": 3, "duration": "PT10M",
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a",
            "count": 2, "ecsConfig": {"ECS_CLUSTER": instances_in}}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx", "essential": true, "cpu": 256, "memory": 256}]}],
        "services": [{"serviceName": "web", "cluster": service_in, "taskDefinition": "web",
            "desiredCount": 2}],
        "runTasks": [{"at": 60, "cluster": service_in, "taskDefinition": "web"}]
    });
    if !declared.is_empty() {
        v["clusters"] = declared.iter().map(|c| json!({"clusterName": c})).collect();
    }
    v
}

fn run(v: Value) -> Simulation {
    let mut s = Simulation::new(Scenario::from_value(v).expect("valid scenario"));
    s.advance_to(SimTime(5 * 60_000)).unwrap();
    s
}

fn logged(s: &Simulation, text: &str) -> bool {
    s.log().entries().iter().any(|e| e.message.contains(text))
}

#[test]
fn calls_naming_a_cluster_the_scenario_does_not_declare_fail_with_cluster_not_found() {
    // [API-ECS] CreateService and RunTask on a cluster that does not exist fail with
    // ClusterNotFoundException; the agent cannot register an instance in it either (it
    // creates only `default`, 2.1). The scenario declares `prod`; a pasted service names
    // `production`.
    let s = run(scenario(&["prod"], "production", "production"));
    assert!(logged(
        &s,
        "services[0].cluster: ClusterNotFoundException: Cluster not found. (no cluster production; the scenario's clusters are default and prod)"
    ));
    assert!(logged(
        &s,
        "cluster: ClusterNotFoundException: Cluster not found. (no cluster production"
    ));
    assert!(s.services().is_empty());
    assert!(s.tasks().is_empty());
    assert_eq!(s.cluster().instances.len(), 0);
    assert!(logged(
        &s,
        "never registers with cluster production: the ECS agent's RegisterContainerInstance fails with ClusterNotFoundException"
    ));
}

#[test]
fn declared_clusters_and_default_exist_and_undeclared_ones_exist_without_clusters() {
    // The declared cluster works; so does `default` (every account has one, [API-ECS]
    // Cluster) even when clusters[] does not list it; and a scenario with no clusters[]
    // stands for clusters made outside it, so any name works (the playground's choice).
    for (declared, cluster) in [
        (&["prod"][..], "prod"),
        (&["prod"][..], "default"),
        (&[][..], "anything"),
    ] {
        let s = run(scenario(declared, cluster, cluster));
        assert!(!logged(&s, "ClusterNotFoundException"), "{cluster}");
        assert_eq!(s.cluster().instances.len(), 2, "{cluster}");
        let running = s
            .tasks()
            .iter()
            .filter(|t| t.last_status == ecs_engine::task::TaskStatus::Running)
            .count();
        assert_eq!(
            running, 3,
            "{cluster}: the service's two and the RunTask's one"
        );
    }
}

#[test]
fn adding_a_group_with_a_capacity_provider_keeps_the_clusters_the_scenario_already_uses_2_1() {
    // A scenario without clusters[] stands for clusters made outside it: its service and
    // instances use `demo` (as the example preset does). The group editor associates the new
    // capacity provider with a cluster (`default`, the form's default) by writing a
    // clusters[] entry (PutClusterCapacityProviders); `demo` must still exist after that, or
    // its service fails with ClusterNotFoundException and its instances never register
    // (2.1: the agent joins the cluster ECS_CLUSTER names).
    let v = scenario(&[], "demo", "demo");
    let form = ecs_engine::edit::AutoScalingGroupForm {
        name: "asg".to_string(),
        instance_types: vec!["m5.large".to_string()],
        spot: false,
        spot_draining: false,
        on_demand_base: 0,
        on_demand_percent_above_base: 100,
        spot_allocation: String::new(),
        min: 0,
        max: 2,
        desired: 0,
        zones: vec!["us-east-1a".to_string()],
        cluster: "default".to_string(),
        protect_new_instances: false,
        capacity_provider: Some(ecs_engine::edit::CapacityProviderForm {
            name: "cp".to_string(),
            managed_scaling: true,
            target_capacity: 100,
            termination_protection: false,
            managed_draining: true,
            default_strategy: false,
        }),
    };
    let edited = ecs_engine::edit::add_auto_scaling_group(&v, &form).unwrap();
    let s = run(edited);
    assert!(!logged(&s, "ClusterNotFoundException"));
    assert_eq!(s.cluster().instances.len(), 2);
    let running = s
        .tasks()
        .iter()
        .filter(|t| t.last_status == ecs_engine::task::TaskStatus::Running)
        .count();
    assert_eq!(running, 3, "the service's two and the RunTask's one");
}

#[test]
fn a_clusters_entry_without_a_name_declares_default_and_the_error_names_it_once() {
    // CreateCluster without clusterName creates `default` [API-ECS]; the agent without
    // ECS_CLUSTER joins it (2.1). A service naming `production` then finds no cluster, and
    // the error lists the clusters there are, `default` once.
    let mut v = scenario(&[], "default", "production");
    v["clusters"] = json!([{}]);
    let s = run(v);
    assert!(logged(
        &s,
        "services[0].cluster: ClusterNotFoundException: Cluster not found. (no cluster production; the scenario's only cluster is default)"
    ));
    assert_eq!(s.cluster().instances.len(), 2);
    let mut v = scenario(&["prod"], "default", "production");
    v["clusters"] = json!([{}, {"clusterName": "prod"}]);
    assert!(logged(
        &run(v),
        "(no cluster production; the scenario's clusters are default and prod)"
    ));
}

#[test]
fn update_delete_and_stop_calls_on_an_undeclared_cluster_fail_with_cluster_not_found() {
    // [API-ECS] UpdateService, DeleteService and StopTask name a cluster too: on one that
    // does not exist they fail with ClusterNotFoundException, not with "service not found".
    let mut v = scenario(&["prod"], "prod", "prod");
    v["updateServices"] =
        json!([{"at": 60, "cluster": "prd", "service": "web", "desiredCount": 3}]);
    v["deleteServices"] = json!([{"at": 70, "cluster": "prd", "service": "web", "force": true}]);
    v["stopTasks"] = json!([{"at": 80, "cluster": "prd", "task": "0123abcd"}]);
    let s = run(v);
    for call in [
        "updateServices[0].cluster: ClusterNotFoundException",
        "DeleteService failed: deleteServices[0].cluster: ClusterNotFoundException",
        "StopTask failed: stopTasks[0].cluster: ClusterNotFoundException",
    ] {
        assert!(logged(&s, call), "{call}");
    }
    assert!(!logged(&s, "ServiceNotFoundException"));
    assert_eq!(s.services()[0].desired_count, 2, "prod's web is untouched");
}

#[test]
fn g41_ecs_cluster_may_name_the_cluster_by_its_arn() {
    // 2.1 / G41: the agent registers in the cluster ECS_CLUSTER names; RegisterContainerInstance
    // takes a cluster's short name or its ARN [API-ECS], so an ARN joins the same cluster.
    let s = run(scenario(
        &["prod"],
        "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        "prod",
    ));
    assert!(!logged(&s, "ClusterNotFoundException"));
    assert!(s.cluster().instances.iter().all(|i| i.cluster == "prod"));
    assert_eq!(s.cluster().instances.len(), 2);
}

#[test]
fn every_other_call_on_an_undeclared_cluster_fails_with_cluster_not_found() {
    // [API-ECS] ExecuteCommand, DeregisterContainerInstance, PutAttributes, CreateTaskSet and
    // UpdateTaskProtection name a cluster too; on one that does not exist each fails with
    // ClusterNotFoundException rather than "task/instance/service not found".
    let mut v = scenario(&["prod"], "prod", "prod");
    v["executeCommands"] = json!([{"at": 60, "cluster": "prd", "task": "0123abcd",
        "container": "app", "command": "/bin/sh", "interactive": true}]);
    v["deregisterContainerInstances"] =
        json!([{"at": 61, "cluster": "prd", "containerInstance": "i-0123456789abcdef0"}]);
    v["putAttributes"] = json!([{"at": 62, "cluster": "prd", "attributes":
        [{"name": "stack", "value": "prod", "targetId": "i-0123456789abcdef0"}]}]);
    v["createTaskSets"] =
        json!([{"at": 63, "cluster": "prd", "service": "web", "taskDefinition": "web"}]);
    v["updateTaskProtection"] =
        json!([{"at": 64, "cluster": "prd", "tasks": ["0123abcd"], "protectionEnabled": true}]);
    let s = run(v);
    for call in [
        "ExecuteCommand failed: executeCommands[0].cluster: ClusterNotFoundException",
        "DeregisterContainerInstance failed: deregisterContainerInstances[0].cluster: ClusterNotFoundException",
        "PutAttributes failed: cluster: ClusterNotFoundException",
        "cluster: ClusterNotFoundException: Cluster not found. (no cluster prd",
        "updateTaskProtection[0].cluster: ClusterNotFoundException",
    ] {
        assert!(logged(&s, call), "{call}");
    }
    let found = s
        .log()
        .entries()
        .iter()
        .filter(|e| e.message.contains("ClusterNotFoundException"))
        .count();
    assert_eq!(found, 5, "one for each call");
    assert!(!logged(&s, "was not found") && !logged(&s, "NotFoundException: Service not found"));
}

#[test]
fn explain_and_describe_pick_a_service_by_cluster_when_two_clusters_share_its_name() {
    // Service names are unique within a cluster only [API-ECS]: `web` in prod and `web` in
    // test are two services. `cluster/name` or the service's ARN picks one (the Explain
    // button passes the cluster); a bare name finds the newest ACTIVE one.
    let mut v = scenario(&[], "prod", "prod");
    v["containerInstances"]
        .as_array_mut()
        .unwrap()
        .push(json!({"instanceType": "m5.large", "availabilityZone": "us-east-1a", "ecsConfig": {"ECS_CLUSTER": "test"}}));
    v["services"]
        .as_array_mut()
        .unwrap()
        .push(json!({"serviceName": "web", "cluster": "test", "taskDefinition": "web", "desiredCount": 1}));
    let s = run(v);
    for (key, cluster, desired) in [
        ("prod/web", "prod", 2),
        (
            "arn:aws:ecs:us-east-1:123456789012:service/test/web",
            "test",
            1,
        ),
        ("web", "test", 1),
    ] {
        let d = s.describe_service_by_name(key).unwrap();
        assert!(
            d["clusterArn"]
                .as_str()
                .unwrap()
                .ends_with(&format!("cluster/{cluster}")),
            "{key}"
        );
        assert_eq!(d["desiredCount"], desired, "{key}");
        let e = s.explain_next_placement(key).unwrap();
        let instances = s
            .cluster()
            .instances
            .iter()
            .filter(|i| i.cluster == cluster)
            .count();
        assert_eq!(
            e.candidates.len(),
            instances,
            "{key}: the instances of {cluster}"
        );
    }
    assert!(s.describe_service_by_name("staging/web").is_err());
}
