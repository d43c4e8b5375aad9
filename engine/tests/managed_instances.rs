//! Amazon ECS Managed Instances (`engine/src/capacity_provider/managed_instances.rs`): a
//! capacity provider whose instances ECS chooses, launches for the tasks waiting, and
//! terminates when idle; the requests' refusals name the member ([MI], [API-CCP], [API-CS],
//! [API-IO]).

mod support;

use ecs_engine::capacity_provider::managed_instances::{ineligible, MANAGEMENT_FEE};
use ecs_engine::Simulation;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{at, logged, service_refusal, sim};

/// A cluster `default` with Managed Instances provider `mi` (three subnets in three zones,
/// `template` merged into its instance launch template) and service `web` (awsvpc, 0.5 vCPU,
/// 1 GiB) of `desired` tasks through it.
fn doc(desired: u32, template: Value) -> Value {
    let mut launch = json!({
        "ec2InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole",
        "networkConfiguration": {"subnets": ["subnet-a", "subnet-b", "subnet-c"]}});
    for (k, v) in template.as_object().unwrap() {
        launch[k] = v.clone();
    }
    json!({
        "version": 1, "seed": 3, "duration": "PT2H",
        "subnets": [
            {"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
            {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"},
            {"subnetId": "subnet-c", "availabilityZone": "us-east-1c"}],
        "capacityProviders": [{"name": "mi", "cluster": "default", "managedInstancesProvider": {
            "infrastructureRoleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole",
            "instanceLaunchTemplate": launch}}],
        "taskDefinitions": [{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["MANAGED_INSTANCES"],
            "cpu": "512", "memory": "1024",
            "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "essential": true}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": desired,
            "capacityProviderStrategy": [{"capacityProvider": "mi", "weight": 1}],
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b", "subnet-c"]}}}]
    })
}

/// The active (not INACTIVE) container instances.
fn live(s: &Simulation) -> Vec<&ecs_engine::container_instance::ContainerInstance> {
    s.cluster()
        .instances
        .iter()
        .filter(|i| {
            i.status != ecs_engine::container_instance::InstanceStatus::Inactive && !i.fargate
        })
        .collect()
}

fn running(s: &Simulation) -> usize {
    s.tasks()
        .iter()
        .filter(|t| t.last_status == ecs_engine::task::TaskStatus::Running)
        .count()
}

#[test]
fn ecs_launches_instances_for_the_waiting_tasks_across_zones() {
    // MI: ECS launches "the most cost-optimized" types for the tasks, spread over zones; tasks
    // show launchType MANAGED_INSTANCES and the provider; the bill adds the management fee.
    let mut s = sim(doc(6, json!({})));
    at(&mut s, 300);
    assert_eq!(running(&s), 6);
    let instances = live(&s);
    let zones: std::collections::BTreeSet<&str> = instances
        .iter()
        .map(|i| i.availability_zone.as_str())
        .collect();
    assert_eq!(zones.len(), 3, "one zone each at least");
    for i in &instances {
        assert!(
            ineligible(i.instance_type, None).is_none(),
            "{}",
            i.instance_type.name
        );
        assert!(s.is_managed_instance(
            s.cluster()
                .instances
                .iter()
                .position(|x| x.ec2_instance_id == i.ec2_instance_id)
                .unwrap()
        ));
    }
    let out = s.describe();
    let task = &out["tasks"][0];
    assert_eq!(task["launchType"], "MANAGED_INSTANCES");
    assert_eq!(task["capacityProviderName"], "mi");
    let price: f64 = instances
        .iter()
        .map(|i| i.instance_type.on_demand_usd_per_hour)
        .sum();
    let billed = s.cost().ec2_usd_per_hour;
    assert!(
        (billed - price * (1.0 + MANAGEMENT_FEE)).abs() < 1e-9,
        "{billed} vs {price}"
    );
    assert!(logged(
        &s,
        "capacity provider mi (Managed Instances) launches"
    ));
}

#[test]
fn idle_instances_are_terminated_after_scale_in_after() {
    // API-IO: scaleInAfter 0 to 3600 seconds; -1 disables it.
    let mut d = doc(6, json!({}));
    d["updateServices"] = json!([{"at": "PT10M", "service": "web", "desiredCount": 0}]);
    d["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"] =
        json!({"scaleInAfter": 300});
    let mut s = sim(d.clone());
    at(&mut s, 600 + 60);
    assert!(!live(&s).is_empty(), "not yet: 300 s of idleness");
    at(&mut s, 600 + 400);
    assert!(live(&s).is_empty(), "every idle instance is gone");
    assert!(logged(
        &s,
        "ran no task for 300 s (scaleInAfter): DEREGISTERING"
    ));
    d["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"] =
        json!({"scaleInAfter": -1});
    let mut s = sim(d);
    at(&mut s, 3600);
    assert_eq!(live(&s).len(), 3, "scale-in is off");
}

#[test]
fn instance_requirements_choose_the_types() {
    // MI: instances meet every attribute of instanceRequirements; ARM64 tasks get Graviton.
    let mut d = doc(
        4,
        json!({"instanceRequirements": {"vCpuCount": {"min": 2, "max": 4}, "memoryMiB": {"min": 8192},
            "cpuManufacturers": ["amazon-web-services"]}}),
    );
    d["taskDefinitions"][0]["runtimePlatform"] =
        json!({"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"});
    let mut s = sim(d.clone());
    at(&mut s, 300);
    assert_eq!(running(&s), 4);
    for i in live(&s) {
        let it = i.instance_type;
        assert!(
            (2..=4).contains(&it.vcpu) && it.memory_mib >= 8192,
            "{}",
            it.name
        );
        assert_eq!(
            it.architecture,
            ecs_engine::instance_types::Architecture::Arm64
        );
    }
    // x86 tasks with Graviton-only requirements: nothing fits, and the log says so.
    d["taskDefinitions"][0]
        .as_object_mut()
        .unwrap()
        .remove("runtimePlatform");
    let mut s = sim(d);
    at(&mut s, 1800);
    assert_eq!(running(&s), 0);
    let said = s
        .log()
        .entries()
        .iter()
        .filter(|e| {
            e.message
                .contains("no instance type Managed Instances may launch fits the waiting tasks")
        })
        .count();
    assert_eq!(said, 1, "said once, not at every look");
}

#[test]
fn requests_are_refused_as_ecs_refuses_them() {
    // API-CS: capacityProviderStrategy, not launchType; MI: awsvpc or host, no placement
    // strategies, one provider type per strategy; API-CCP: the provider's cluster only.
    let mut launch_type = doc(1, json!({}));
    let svc = launch_type["services"][0].as_object_mut().unwrap();
    svc.remove("capacityProviderStrategy");
    svc.insert("launchType".into(), json!("MANAGED_INSTANCES"));
    let mut bridge = doc(1, json!({}));
    bridge["taskDefinitions"][0]["networkMode"] = json!("bridge");
    bridge["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("networkConfiguration");
    let mut compat = doc(1, json!({}));
    compat["taskDefinitions"][0]["requiresCompatibilities"] = json!(["EC2"]);
    let mut strategy = doc(1, json!({}));
    strategy["services"][0]["placementStrategy"] = json!([{"type": "binpack", "field": "cpu"}]);
    let mut mixed = doc(1, json!({}));
    mixed["services"][0]["capacityProviderStrategy"] = json!([{"capacityProvider": "mi", "weight": 1}, {"capacityProvider": "FARGATE", "weight": 1}]);
    mixed["clusters"] = json!([{"clusterName": "default", "capacityProviders": ["FARGATE"]}]);
    let mut elsewhere = doc(1, json!({}));
    elsewhere["services"][0]["cluster"] = json!("other");
    for (d, want) in [
        (launch_type, "services[0].launchType: If you want to use Amazon ECS Managed Instances, you must use the capacityProviderStrategy"),
        (bridge, "services[0].taskDefinition: Amazon ECS Managed Instances support the awsvpc and host network modes"),
        (compat, "services[0].taskDefinition: Task definition does not support launch_type MANAGED_INSTANCES"),
        (strategy, "services[0].placementStrategy: Amazon ECS Managed Instances does not support task placement strategies"),
        (mixed, "services[0].capacityProviderStrategy: A capacity provider strategy can only contain one capacity provider type"),
        (elsewhere, "services[0].capacityProviderStrategy[0].capacityProvider: mi is not associated with cluster other"),
    ] {
        let e = service_refusal(d);
        assert!(e.starts_with(want), "{want}\n{e}");
    }
    let mut not_object = doc(1, json!({}));
    not_object["capacityProviders"][0]["managedInstancesProvider"] = json!("general");
    let e = ecs_engine::Scenario::from_value(not_object).unwrap_err();
    assert_eq!(
        e.path, "capacityProviders[0].managedInstancesProvider",
        "{e}"
    );
    let mut listed = doc(1, json!({}));
    listed["clusters"] = json!([{"clusterName": "other", "capacityProviders": ["mi"]}]);
    let e = ecs_engine::Scenario::from_value(listed).unwrap_err();
    assert_eq!(e.path, "clusters[0].capacityProviders[0]", "{e}");
}

#[test]
fn an_infrastructure_role_ecs_cannot_assume_launches_nothing() {
    // MI: ECS assumes the infrastructure role (ecs.amazonaws.com) to launch instances.
    let mut d = doc(2, json!({}));
    d["iamRoles"] = json!([{"RoleName": "ecsInfrastructureRole",
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForManagedInstances"]}]);
    let mut s = sim(d);
    at(&mut s, 300);
    assert!(live(&s).is_empty());
    assert!(logged(
        &s,
        "ECS cannot assume its infrastructure role ecsInfrastructureRole"
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Whatever the desired counts over time: the service reaches them, every task runs on a
    /// Managed Instances instance of an eligible type, and an hour after the last change no
    /// live instance is idle.
    #[test]
    fn managed_instances_follow_the_desired_count(counts in proptest::collection::vec(0u32..16, 1..4)) {
        let mut d = doc(counts[0], json!({}));
        d["updateServices"] = Value::Array(counts.iter().enumerate().skip(1)
            .map(|(i, n)| json!({"at": (i as u64) * 900, "service": "web", "desiredCount": n}))
            .collect());
        let mut s = sim(d);
        let end = counts.len() as u64 * 900 + 3600;
        at(&mut s, end);
        let last = *counts.last().unwrap() as usize;
        prop_assert_eq!(running(&s), last);
        for t in s.tasks().iter().filter(|t| t.is_active()) {
            prop_assert!(s.is_managed_instance(t.reservation.slot));
        }
        for i in live(&s) {
            prop_assert!(ineligible(i.instance_type, None).is_none());
            let slot = s.cluster().instances.iter().position(|x| x.ec2_instance_id == i.ec2_instance_id).unwrap();
            prop_assert!(s.tasks().iter().any(|t| t.is_active() && t.reservation.slot == slot),
                "instance {} is idle an hour after the last change", i.ec2_instance_id);
        }
    }
}

#[test]
fn ec2_launch_type_and_daemon_tasks_stay_off_managed_instances() {
    // MI: the instances run the tasks of their Managed Instances provider; an EC2 service or
    // a DAEMON service of the same cluster (launch type EC2) does not land on them, and an
    // instance whose service scaled in still goes idle and is terminated.
    let mut d = doc(3, json!({}));
    d["taskDefinitions"].as_array_mut().unwrap().push(
        json!({"family": "batch", "networkMode": "bridge",
        "requiresCompatibilities": ["EC2"], "cpu": "256", "memory": "256",
        "containerDefinitions": [{"name": "batch", "image": "busybox", "essential": true}]}),
    );
    d["services"].as_array_mut().unwrap().extend([
        json!({"serviceName": "batch", "taskDefinition": "batch", "desiredCount": 0, "launchType": "EC2"}),
        json!({"serviceName": "agent", "taskDefinition": "batch", "launchType": "EC2", "schedulingStrategy": "DAEMON"}),
    ]);
    d["updateServices"] = json!([
        {"at": "PT5M", "service": "batch", "desiredCount": 2},
        {"at": "PT10M", "service": "web", "desiredCount": 0}]);
    let mut s = sim(d);
    at(&mut s, 900);
    for t in s.tasks().iter().filter(|t| t.is_active()) {
        assert!(
            !s.is_managed_instance(t.reservation.slot),
            "task {} of {:?} runs on a Managed Instances instance",
            t.id,
            t.service
        );
    }
    at(&mut s, 1800);
    assert!(live(&s).is_empty(), "idle Managed Instances are terminated");
}

#[test]
fn booting_instances_bill_and_spot_pays_the_on_demand_fee() {
    // MI pricing: the instance bills from its launch (as an Auto Scaling group's booting
    // instances do), and the management fee is per instance-hour by instance type: 12 % of
    // the on-demand price, whatever the capacity option.
    for spot in [false, true] {
        let template = if spot {
            json!({"capacityOptionType": "SPOT"})
        } else {
            json!({})
        };
        // The instance's price (Spot or on-demand) plus the fee on the on-demand price.
        let billed_price = |it: &ecs_engine::instance_types::InstanceType| {
            let price = if spot {
                it.spot_usd_per_hour
            } else {
                it.on_demand_usd_per_hour
            };
            price + it.on_demand_usd_per_hour * MANAGEMENT_FEE
        };
        let mut s = sim(doc(3, template));
        at(&mut s, 60);
        let booting: Vec<_> = s
            .managed_instances()
            .iter()
            .filter(|i| i.slot.is_none())
            .collect();
        assert_eq!(booting.len(), 3, "the instances boot for 90 s");
        let want: f64 = booting.iter().map(|i| billed_price(i.instance_type)).sum();
        let billed = s.cost().ec2_usd_per_hour;
        assert!(
            (billed - want).abs() < 1e-9,
            "booting, spot {spot}: {billed} vs {want}"
        );
        at(&mut s, 300);
        let want: f64 = live(&s).iter().map(|i| billed_price(i.instance_type)).sum();
        let billed = s.cost().ec2_usd_per_hour;
        assert!(
            (billed - want).abs() < 1e-9,
            "running, spot {spot}: {billed} vs {want}"
        );
    }
}

#[test]
fn an_az_outage_ends_the_managed_instances_in_its_zone() {
    // An outage terminates the zone's instances, booting ones included (as an Auto Scaling
    // group's): none registers there while the zone is down, none bills, and ECS knows the
    // instances it lost are gone (no scale-in of a dead instance).
    let mut d = doc(3, json!({}));
    d["faults"] = json!([{"type": "AzOutage", "at": "PT30S", "availabilityZone": "us-east-1a", "duration": "PT30M"}]);
    let mut s = sim(d);
    at(&mut s, 600);
    assert_eq!(running(&s), 3);
    assert!(
        live(&s).iter().all(|i| i.availability_zone != "us-east-1a"),
        "an instance registered in the zone that is down"
    );
    for i in s.managed_instances() {
        if i.availability_zone == "us-east-1a" {
            assert!(i.terminated, "{} is lost with its zone", i.id);
        }
    }
    let billed = s.cost().ec2_usd_per_hour;
    let want: f64 = live(&s)
        .iter()
        .map(|i| i.instance_type.on_demand_usd_per_hour * (1.0 + MANAGEMENT_FEE))
        .sum();
    assert!((billed - want).abs() < 1e-9, "{billed} vs {want}");

    // Registered instances lost to an outage are gone too.
    let mut d = doc(3, json!({}));
    d["faults"] = json!([{"type": "AzOutage", "at": "PT5M", "availabilityZone": "us-east-1a", "duration": "PT10M"}]);
    let mut s = sim(d);
    at(&mut s, 1200);
    assert_eq!(running(&s), 3);
    for i in s.managed_instances() {
        if i.availability_zone == "us-east-1a" {
            assert!(i.terminated, "{} is lost with its zone", i.id);
        }
    }
    assert!(
        !logged(&s, "DEREGISTERING"),
        "a dead instance is not scaled in"
    );
}

#[test]
fn instances_launch_only_in_zones_the_waiting_tasks_may_use() {
    // awsvpc tasks run in their subnets' zones: an instance launched elsewhere cannot take
    // them, so ECS does not launch one there.
    let mut d = doc(2, json!({}));
    d["services"][0]["networkConfiguration"]["awsvpcConfiguration"]["subnets"] =
        json!(["subnet-b"]);
    let mut s = sim(d);
    at(&mut s, 300);
    assert_eq!(running(&s), 2);
    for i in s.managed_instances() {
        assert_eq!(
            i.availability_zone, "us-east-1b",
            "{} launched for nothing",
            i.id
        );
    }
}

#[test]
fn update_service_keeps_managed_instances_placement() {
    // MI: "does not support task placement strategies"; a service moved onto Managed
    // Instances places by zone spread then binpack, one moved off them by the service
    // default (spread by zone, then by instance).
    use ecs_engine::placement::strategy::{BinpackField, SpreadField, Strategy};
    let mi_default = vec![
        Strategy::spread_az(),
        Strategy::Binpack(BinpackField::Memory),
    ];
    let ec2_default = vec![
        Strategy::spread_az(),
        Strategy::Spread(SpreadField::InstanceId),
    ];
    // A placement strategy given to a Managed Instances service is refused.
    let mut d = doc(2, json!({}));
    d["updateServices"] = json!([{"at": "PT5M", "service": "web",
        "placementStrategy": [{"type": "binpack", "field": "cpu"}]}]);
    let mut s = sim(d);
    at(&mut s, 600);
    assert!(logged(&s, "updateServices[0].placementStrategy: Amazon ECS Managed Instances does not support task placement strategies"));
    assert_eq!(s.services()[0].strategies, mi_default);
    // So is a task definition Managed Instances cannot run.
    let mut d = doc(2, json!({}));
    d["taskDefinitions"].as_array_mut().unwrap().push(
        json!({"family": "bridged", "networkMode": "bridge",
        "requiresCompatibilities": ["EC2"], "cpu": "256", "memory": "256",
        "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "essential": true}]}),
    );
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "bridged"}]);
    let mut s = sim(d);
    at(&mut s, 600);
    assert!(logged(&s, "updateServices[0].taskDefinition: Task definition does not support launch_type MANAGED_INSTANCES"));
    assert_eq!(s.services()[0].task_definition, "web:1");
    // From Fargate to Managed Instances and back.
    let mut d = doc(2, json!({}));
    d["taskDefinitions"][0]["requiresCompatibilities"] = json!(["FARGATE", "MANAGED_INSTANCES"]);
    d["clusters"] = json!([{"clusterName": "default", "capacityProviders": ["FARGATE"]}]);
    d["services"][0]["capacityProviderStrategy"] =
        json!([{"capacityProvider": "FARGATE", "weight": 1}]);
    d["updateServices"] = json!([
        {"at": "PT5M", "service": "web", "capacityProviderStrategy": [{"capacityProvider": "mi", "weight": 1}]},
        {"at": "PT20M", "service": "web", "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]}]);
    let mut s = sim(d);
    at(&mut s, 900);
    assert_eq!(
        s.services()[0].strategies,
        mi_default,
        "on Managed Instances"
    );
    at(&mut s, 1800);
    assert_eq!(
        s.services()[0].strategies,
        ec2_default,
        "off Managed Instances"
    );
}

#[test]
fn a_run_task_waits_in_provisioning_while_ecs_launches_an_instance() {
    // MI: RunTask through a Managed Instances strategy; with no instance yet, ECS launches
    // one and the task starts there (it does not fail with MISSING as on an empty EC2 cluster).
    let mut d = doc(0, json!({}));
    d["runTasks"] = json!([{"at": 60, "taskDefinition": "web", "count": 2,
        "capacityProviderStrategy": [{"capacityProvider": "mi", "weight": 1}],
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b", "subnet-c"]}}}]);
    let mut s = sim(d);
    at(&mut s, 61);
    assert!(logged(
        &s,
        "0 started, 2 waiting in PROVISIONING for capacity"
    ));
    at(&mut s, 400);
    assert_eq!(running(&s), 2);
    assert!(logged(
        &s,
        "leaves PROVISIONING on capacity provider mi's new capacity"
    ));
    let out = s.describe();
    assert_eq!(out["tasks"][0]["launchType"], "MANAGED_INSTANCES");
    assert!(
        out["failures"].as_array().is_none_or(Vec::is_empty),
        "{}",
        out["failures"]
    );
}

#[test]
fn instances_are_replaced_fourteen_days_after_launch() {
    // MI-PATCH: draining at day 14 from launch, termination by day 21; the service's tasks
    // move to new instances ECS launches for them.
    let mut d = doc(3, json!({}));
    d["duration"] = json!("PT400H");
    let mut s = sim(d);
    at(&mut s, 600);
    let first: Vec<String> = live(&s).iter().map(|i| i.ec2_instance_id.clone()).collect();
    assert_eq!(first.len(), 3);
    at(&mut s, 14 * 86_400 + 3600);
    let now: Vec<String> = live(&s).iter().map(|i| i.ec2_instance_id.clone()).collect();
    assert_eq!(running(&s), 3);
    assert!(
        now.iter().all(|id| !first.contains(id)),
        "every instance of day 0 is gone: {first:?} {now:?}"
    );
    assert!(logged(
        &s,
        "was launched 14 days ago and is replaced: DRAINING"
    ));
    assert!(logged(&s, "is drained: DEREGISTERING, then terminated"));
}

#[test]
fn a_standalone_task_keeps_its_instance_until_day_twenty_one() {
    // MI-PATCH: "final termination occurring no later than day 21": a standalone task is not
    // replaced by a scheduler, so it runs on the drained instance until then.
    let mut d = doc(0, json!({}));
    d["duration"] = json!("PT600H");
    d["runTasks"] = json!([{"at": 0, "taskDefinition": "web",
        "capacityProviderStrategy": [{"capacityProvider": "mi", "weight": 1}],
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}]);
    let mut s = sim(d);
    at(&mut s, 15 * 86_400);
    assert_eq!(running(&s), 1, "still running on its draining instance");
    at(&mut s, 21 * 86_400 + 600);
    assert_eq!(running(&s), 0);
    assert!(live(&s).is_empty());
}

/// `doc` with the provider and the service in one zone (subnet-a), the service scaled to
/// `to` at 20 minutes, and `scaleInAfter` 120 s.
fn one_zone(desired: u32, to: u32, template: Value) -> Value {
    let mut launch = json!({"networkConfiguration": {"subnets": ["subnet-a"]}});
    for (k, v) in template.as_object().unwrap() {
        launch[k] = v.clone();
    }
    let mut d = doc(desired, launch);
    d["services"][0]["networkConfiguration"]["awsvpcConfiguration"]["subnets"] =
        json!(["subnet-a"]);
    d["updateServices"] = json!([{"at": "PT20M", "service": "web", "desiredCount": to}]);
    d["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"] =
        json!({"scaleInAfter": 120});
    d
}

/// Steps to `until` seconds, checking at every 5 s from `from` that at least `floor` tasks
/// run (start-before-stop keeps the service whole while tasks move).
fn run_keeping(s: &mut Simulation, from: u64, until: u64, floor: usize) {
    at(s, from);
    for t in (from..=until).step_by(5) {
        at(s, t);
        assert!(running(s) >= floor, "{} running at {t} s", running(s));
    }
}

fn underutilized_now(s: &Simulation) -> Vec<String> {
    (0..s.managed_instances().len())
        .filter_map(|i| s.managed_instance_underutilized(i).map(|u| u.describe()))
        .collect()
}

/// Instance requirements that admit m5.large only (no cheaper type to right-size to).
fn m5_large_only() -> Value {
    json!({"instanceRequirements": {"vCpuCount": {"min": 2}, "memoryMiB": {"min": 1024},
        "allowedInstanceTypes": ["m5.large"]}})
}

#[test]
fn an_underutilized_instance_is_drained_and_its_tasks_consolidate_in_its_zone() {
    // MI-OPT: "consolidates workloads onto fewer, more efficiently utilized instances": the
    // instance is DRAINING, its tasks are replaced on an instance of its zone that has room
    // (start-before-stop: the service never runs fewer than its desired count), and it is
    // terminated once empty; nothing is left underutilized.
    let mut s = sim(one_zone(8, 3, m5_large_only()));
    at(&mut s, 1199);
    let before = live(&s).len();
    run_keeping(&mut s, 1230, 3600, 3);
    assert!(
        logged(&s, "is underutilized (its tasks fit on"),
        "{:?}",
        underutilized_now(&s)
    );
    assert!(logged(
        &s,
        "DRAINING (Managed Instances infrastructure optimization: underutilized)"
    ));
    assert!(logged(
        &s,
        "Task stopped because its container instance is DRAINING"
    ));
    assert_eq!(running(&s), 3);
    let after = live(&s);
    assert!(
        after.len() < before,
        "{} instances, {before} before",
        after.len()
    );
    assert!(
        after.iter().all(|i| i.running_tasks_count > 0),
        "idle ones are gone too"
    );
    assert!(
        underutilized_now(&s).is_empty(),
        "{:?}",
        underutilized_now(&s)
    );
}

#[test]
fn an_oversized_instance_is_replaced_by_a_cheaper_type() {
    // MI-OPT "existing or new, more efficient instances"; MI-BLOG: an instance left running
    // one small task is drained and its task runs on a smaller type. Here 8 tasks of 3 GiB fill
    // instances of 2 or more vCPUs; scaled to 1, the last instance is drained for the type
    // the provider would launch for one task, and the bill per hour drops.
    let requirements = json!({"instanceRequirements": {
        "vCpuCount": {"min": 2, "max": 16}, "memoryMiB": {"min": 4096}}});
    let mut d = one_zone(8, 1, requirements);
    d["taskDefinitions"][0]["cpu"] = json!("1024");
    d["taskDefinitions"][0]["memory"] = json!("3072");
    d["duration"] = json!("PT3H");
    let mut s = sim(d);
    at(&mut s, 1199);
    run_keeping(&mut s, 1230, 7200, 1);
    assert!(
        logged(&s, "is underutilized (its tasks run on 1 × "),
        "{:?}",
        underutilized_now(&s)
    );
    let after = live(&s);
    assert_eq!(after.len(), 1);
    let first = s.managed_instances()[0].instance_type;
    assert!(
        after[0].instance_type.on_demand_usd_per_hour < first.on_demand_usd_per_hour,
        "{} after {}",
        after[0].instance_type.name,
        first.name
    );
    assert!(
        underutilized_now(&s).is_empty(),
        "{:?}",
        underutilized_now(&s)
    );
}

#[test]
fn scale_in_after_minus_one_turns_the_optimization_off() {
    // API-IO: -1 "Disables automatic infrastructure optimization" (MI-OPT: the setting
    // "applies to both idle and underutilized instances").
    let mut d = one_zone(6, 3, json!({}));
    d["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"] =
        json!({"scaleInAfter": -1});
    let mut s = sim(d);
    at(&mut s, 3600);
    assert!(!logged(&s, "is underutilized"));
    assert!(!logged(&s, "infrastructure optimization"));
    assert_eq!(running(&s), 3);
}

/// `one_zone(8, 3, m5_large_only())` with the tasks left after the scale-in (those active at
/// 1225 s) protected from scale-in from then on for `minutes`.
fn protected_after_scale_in(minutes: u32) -> Value {
    let mut d = one_zone(8, 3, m5_large_only());
    let mut first = sim(d.clone());
    at(&mut first, 1225);
    let ids: Vec<String> = first
        .tasks()
        .iter()
        .filter(|t| t.is_active())
        .map(|t| t.id.clone())
        .collect();
    d["updateTaskProtection"] = json!([{"at": 1225, "cluster": "default", "tasks": ids,
        "protectionEnabled": true, "expiresInMinutes": minutes}]);
    d
}

#[test]
fn protected_and_standalone_tasks_keep_their_instance() {
    // MI-OPT: "maintaining any task protection settings"; "Instances running standalone tasks
    // are not considered for optimization since ECS Managed instances does not replace
    // standalone tasks."
    // The tasks left after the scale-in, which the run without protection consolidates.
    let mut first = sim(one_zone(8, 3, m5_large_only()));
    at(&mut first, 3600);
    assert!(logged(&first, "is underutilized"));
    let d = protected_after_scale_in(600);
    let mut s = sim(d);
    at(&mut s, 3600);
    assert!(!logged(&s, "is underutilized"), "protected tasks stay put");
    assert!(underutilized_now(&s).is_empty());

    let mut d = one_zone(8, 3, json!({}));
    d["services"][0]["desiredCount"] = json!(2);
    d["updateServices"] = json!([{"at": "PT20M", "service": "web", "desiredCount": 1}]);
    d["runTasks"] = json!([{"at": "PT10M", "taskDefinition": "web", "count": 1,
        "capacityProviderStrategy": [{"capacityProvider": "mi", "weight": 1}],
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}]);
    let mut s = sim(d);
    at(&mut s, 3600);
    assert_eq!(running(&s), 2);
    let mut checked = 0;
    for (i, mi) in s.managed_instances().iter().enumerate() {
        let Some(slot) = mi.slot.filter(|_| !mi.terminated) else {
            continue;
        };
        let standalone = s
            .tasks()
            .iter()
            .any(|t| t.service.is_none() && t.is_active() && t.reservation.slot == slot);
        if standalone {
            assert!(s.managed_instance_underutilized(i).is_none());
            checked += 1;
        }
    }
    assert_eq!(checked, 1, "the standalone task's instance");
}

#[test]
fn one_instance_drains_at_a_time() {
    // MI-BLOG: two underutilized instances are not drained at once: "draining instances in
    // phases". Scaled from 16 to 4 in one zone, every drain for optimization starts only
    // after the one before it ended.
    let mut s = sim(one_zone(16, 4, m5_large_only()));
    at(&mut s, 1199);
    let mut draining_seen = 0;
    for t in (1200..=5400).step_by(5) {
        at(&mut s, t);
        let draining = s
            .managed_instances()
            .iter()
            .filter(|m| m.optimizing && !m.terminated)
            .count();
        assert!(draining <= 1, "{draining} draining at {t} s");
        draining_seen = draining_seen.max(draining);
    }
    assert_eq!(draining_seen, 1);
    let drains = s
        .managed_instances()
        .iter()
        .filter(|m| m.optimizing)
        .count();
    assert!(drains >= 2, "{drains} drained for optimization");
    assert_eq!(running(&s), 4);
    assert!(
        underutilized_now(&s).is_empty(),
        "{:?}",
        underutilized_now(&s)
    );
}

#[test]
fn ecs_counts_trunked_enis_when_it_chooses_how_many_instances_to_launch() {
    // MI: instances use ENI trunking for awsvpc tasks, and "Amazon ECS Managed Instances
    // account for ENI availability when selecting target instances": 8 tasks of 0.5 vCPU on
    // m5.large (2 vCPU; 2 awsvpc tasks without trunking, more with it) take 2 instances by
    // CPU, not 4 by ENIs.
    let mut s = sim(one_zone(8, 8, m5_large_only()));
    at(&mut s, 300);
    assert_eq!(running(&s), 8);
    assert_eq!(live(&s).len(), 2);
    assert!(logged(&s, "launches 2 × m5.large"));
}

/// Three zones, `api` tasks of 1 vCPU and 3 GiB, 12 of them scaled in to 4 at 15 minutes,
/// `scaleInAfter` 120 s, seed 5 (as the preset managed-instances-optimization).
fn three_zones_scaled_in() -> Value {
    let mut d = doc(
        12,
        json!({"instanceRequirements": {"vCpuCount": {"min": 2, "max": 16}, "memoryMiB": {"min": 4096}}}),
    );
    d["taskDefinitions"][0]["cpu"] = json!("1024");
    d["taskDefinitions"][0]["memory"] = json!("3072");
    d["updateServices"] = json!([{"at": "PT15M", "service": "web", "desiredCount": 4}]);
    d["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"] =
        json!({"scaleInAfter": 120});
    d["seed"] = json!(5);
    d
}

#[test]
fn the_next_underutilized_instance_drains_when_the_draining_one_is_lost_to_an_outage() {
    // MI-BLOG: underutilized instances drain "in phases", one after the other; the next one
    // waits for the one draining. MI-OPT: "any task stop or new instance launch triggers
    // analysis". When the instance draining for optimization ends otherwise (here an
    // Availability Zone outage terminates it), the others whose scaleInAfter ran out
    // meanwhile still drain.
    let d = three_zones_scaled_in();
    let mut first = sim(d.clone());
    let mut drain = None;
    for t in (900..=3600).step_by(5) {
        at(&mut first, t);
        if let Some(m) = first.managed_instances().iter().find(|m| m.optimizing) {
            drain = Some((t, m.availability_zone.clone()));
            break;
        }
    }
    let (t, zone) = drain.expect("an instance drains for optimization");
    assert!(
        !underutilized_now(&first).is_empty(),
        "another instance waits for it"
    );
    let mut d = d;
    d["faults"] = json!([{"type": "AzOutage", "at": t + 10, "availabilityZone": zone,
        "duration": "PT5M"}]);
    let mut s = sim(d);
    at(&mut s, 7200);
    assert!(logged(&s, "Availability Zone outage"));
    assert!(
        underutilized_now(&s).is_empty(),
        "{:?}",
        underutilized_now(&s)
    );
}

#[test]
fn an_instance_underutilized_once_its_task_protection_expires_drains() {
    // MI-OPT: the optimization keeps "any task protection settings" (TSP: protection lasts
    // until expiresInMinutes); once it expired, the tasks may move like any other, and the
    // instances they leave underutilized drain after scaleInAfter.
    let mut s = sim(protected_after_scale_in(20));
    at(&mut s, 1225 + 1200 - 5);
    assert!(!logged(&s, "is underutilized"), "protected tasks stay put");
    at(&mut s, 7200);
    assert!(logged(&s, "is underutilized"));
    assert_eq!(running(&s), 3);
    assert!(
        underutilized_now(&s).is_empty(),
        "{:?}",
        underutilized_now(&s)
    );
}

#[test]
fn no_instance_drains_when_its_service_cannot_replace_a_task() {
    // MI-OPT: the optimization "ensures safe consolidation by respecting your service's minimum
    // and maximum task limits". With minimumHealthyPercent and maximumPercent both 100 a
    // service may neither start a replacement first nor stop a task first (DG-CID: DRAINING
    // replaces tasks "according to ... minimumHealthyPercent and maximumPercent"), so an
    // instance drained for optimization would stay DRAINING, billed, until day 21, and hold
    // up every other drain of its provider. Such instances are not underutilized.
    let mut d = one_zone(8, 3, m5_large_only());
    d["services"][0]["deploymentConfiguration"] =
        json!({"maximumPercent": 100, "minimumHealthyPercent": 100});
    let mut s = sim(d);
    at(&mut s, 3600);
    assert!(!logged(&s, "is underutilized"));
    assert!(live(&s)
        .iter()
        .all(|i| i.status == ecs_engine::container_instance::InstanceStatus::Active));
    assert!(underutilized_now(&s).is_empty());
    assert_eq!(running(&s), 3);
}

#[test]
fn the_underutilized_rule_is_an_assumption_the_scenario_can_switch() {
    // MI-OPT publishes no threshold [unconfirmed]: options.capacity.underutilizedInstances
    // "consolidate" drains only instances whose tasks fit elsewhere in their zone, "never"
    // none (idle instances still go after scaleInAfter).
    let mut d = three_zones_scaled_in();
    d["options"] = json!({"capacity": {"underutilizedInstances": "consolidate"}});
    let mut s = sim(d.clone());
    at(&mut s, 2700);
    assert!(!logged(&s, "is underutilized (its tasks run on"));
    assert!(logged(&s, "is underutilized (its tasks fit on"));
    d["options"] = json!({"capacity": {"underutilizedInstances": "never"}});
    let mut s = sim(d.clone());
    at(&mut s, 2700);
    assert!(!logged(&s, "is underutilized"));
    assert!(logged(&s, "ran no task for 120 s (scaleInAfter)"));
    d["options"] = json!({"capacity": {"underutilizedInstances": "sometimes"}});
    let err = ecs_engine::scenario::Scenario::from_json(&d.to_string()).unwrap_err();
    assert!(err.to_string().contains("underutilizedInstances"), "{err}");
}
