//! Warm pools (`putWarmPools[]`, PutWarmPool request bodies): pre-initialized instances beside
//! an Auto Scaling group capacity provider. Sources: the ECS guide's "Configuring
//! pre-initialized instances for your Amazon ECS Auto Scaling group" (`ECS_WARM_POOLS_CHECK`,
//! no `ReuseOnScaleIn` with ECS) and the EC2 Auto Scaling warm pools guide and API reference
//! (the size is `MaxGroupPreparedCapacity`, default `MaxSize`, minus the desired capacity, at
//! least `MinSize`; scale-out draws from the pool first; no Spot or mixed instances groups).
//! The warm-pool timings are [unconfirmed] and settable in `options.capacity`.

mod support;

use base64::Engine as _;
use ecs_engine::auto_scaling_group::GroupInstanceState;
use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{assert_refused, at, count, group, logged, sim};

/// Base64 user data for cluster `default`, with `ECS_WARM_POOLS_CHECK=true` when `check`.
fn user_data(check: bool) -> String {
    let mut script = String::from("#!/bin/bash\necho ECS_CLUSTER=default >> /etc/ecs/ecs.config\n");
    if check {
        script.push_str("echo ECS_WARM_POOLS_CHECK=true >> /etc/ecs/ecs.config\n");
    }
    base64::engine::general_purpose::STANDARD.encode(script)
}

/// Group `asg` (MaxSize 10, desired 2, m5.large) behind capacity provider `cp`, service `web`
/// of 4 one-vCPU tasks (two per instance), and `pool` as the one PutWarmPool call at 0.
fn warm_scenario(check: bool, pool: Value) -> Value {
    let mut call = json!({"AutoScalingGroupName": "asg"});
    for (k, v) in pool.as_object().expect("an object") {
        call[k] = v.clone();
    }
    json!({
        "version": 1, "seed": 3, "duration": "PT2H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "launchTemplates": [{"LaunchTemplateName": "lt", "LaunchTemplateData": {
            "InstanceType": "m5.large", "UserData": user_data(check)}}],
        "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 10, "DesiredCapacity": 2,
            "LaunchTemplate": {"LaunchTemplateName": "lt"}, "VPCZoneIdentifier": "subnet-a,subnet-b"}],
        "capacityProviders": [{"name": "cp", "autoScalingGroupProvider": {"autoScalingGroupArn": "asg"}}],
        "clusters": [{"clusterName": "default", "capacityProviders": ["cp"],
            "defaultCapacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}]}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "cpu": 1024, "memory": 512, "essential": true}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 4}],
        "putWarmPools": [call]
    })
}

/// Sets the group's desired capacity at `secs` with an UpdateAutoScalingGroup call.
fn with_update(mut doc: Value, secs: u64, desired: u32) -> Value {
    doc["updateAutoScalingGroups"] = json!([{"at": format!("PT{secs}S"),
        "AutoScalingGroupName": "asg", "DesiredCapacity": desired}]);
    doc
}

/// Whether the cluster has registered container instance `id`.
fn registered(sim: &Simulation, id: &str) -> bool {
    sim.cluster()
        .instances
        .iter()
        .any(|c| c.ec2_instance_id == id)
}

#[test]
fn the_pool_holds_max_size_minus_desired_and_scale_out_draws_from_it_first() {
    let mut s = sim(with_update(warm_scenario(true, json!({})), 600, 5));
    at(&mut s, 300);
    // MaxSize 10 − desired 2 = 8 warm instances, stopped once warmed up.
    assert_eq!(count(&s, GroupInstanceState::InService), 2);
    assert_eq!(count(&s, GroupInstanceState::Warmed), 8);
    let warm: Vec<String> = group(&s).warm().map(|i| i.id.clone()).collect();
    // With ECS_WARM_POOLS_CHECK the agent does not register a warm instance.
    assert!(warm.iter().all(|id| !registered(&s, id)));
    let described = s.describe();
    let g = &described["autoScalingGroups"][0];
    assert_eq!(g["WarmPoolSize"], 8);
    assert_eq!(g["WarmPoolConfiguration"]["PoolState"], "Stopped");
    assert_eq!(
        g["WarmPoolInstances"][0]["LifecycleState"],
        "Warmed:Stopped"
    );
    assert_eq!(g["Instances"].as_array().map(Vec::len), Some(2));
    // Desired 2 → 5 at 600 s: three warm instances start (30 s), none launches cold.
    at(&mut s, 629);
    assert_eq!(count(&s, GroupInstanceState::InService), 2);
    at(&mut s, 630);
    assert_eq!(count(&s, GroupInstanceState::InService), 5);
    let taken: Vec<_> = group(&s)
        .live()
        .filter(|i| warm.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(taken.len(), 3);
    assert!(taken.iter().all(|id| registered(&s, id)));
    assert!(logged(&s, "Launching a new EC2 instance from warm pool"));
    // The pool's size is now 10 − 5 = 5, and it already holds 5: nothing new launches.
    assert_eq!(group(&s).warm().count(), 5);
    assert_eq!(group(&s).instances.len(), 10);
}

#[test]
fn cold_launches_take_the_full_launch_delay_when_the_pool_is_empty() {
    // MaxGroupPreparedCapacity 3 with desired 2: one warm instance; scaling to 5 takes it and
    // launches two cold ones, which register 90 s later.
    let mut s = sim(with_update(
        warm_scenario(true, json!({"MaxGroupPreparedCapacity": 3})),
        600,
        5,
    ));
    at(&mut s, 300);
    assert_eq!(group(&s).warm().count(), 1);
    at(&mut s, 630);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
    assert_eq!(count(&s, GroupInstanceState::Pending), 2);
    at(&mut s, 690);
    assert_eq!(count(&s, GroupInstanceState::InService), 5);
    // Desired above MaxGroupPreparedCapacity: the pool is empty (MinSize 0).
    assert_eq!(group(&s).warm().count(), 0);
}

#[test]
fn min_size_keeps_instances_warm_at_max_size_and_scale_in_terminates_then_refills() {
    let mut doc = warm_scenario(true, json!({"MinSize": 2}));
    doc["updateAutoScalingGroups"] = json!([
        {"at": "PT10M", "AutoScalingGroupName": "asg", "DesiredCapacity": 10},
        {"at": "PT30M", "AutoScalingGroupName": "asg", "DesiredCapacity": 2}
    ]);
    let mut s = sim(doc);
    at(&mut s, 1500);
    assert_eq!(count(&s, GroupInstanceState::InService), 10);
    // Desired at MaxSize: the pool still keeps MinSize 2.
    assert_eq!(group(&s).warm().count(), 2);
    let before: Vec<String> = group(&s).instances.iter().map(|i| i.id.clone()).collect();
    at(&mut s, 2400);
    // No ReuseOnScaleIn with ECS: the 8 scaled-in instances terminate, and the pool refills
    // to 10 − 2 = 8 with 6 new launches.
    assert_eq!(count(&s, GroupInstanceState::InService), 2);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 8);
    assert_eq!(group(&s).warm().count(), 8);
    let new = group(&s)
        .instances
        .iter()
        .filter(|i| !before.contains(&i.id))
        .count();
    assert_eq!(new, 6);
}

#[test]
fn without_ecs_warm_pools_check_tasks_land_on_warming_instances_and_stop_with_them() {
    // Desired 0, 4 tasks: the pool's instances register while warming (the agent does not
    // check), take the tasks, and stop 30 s later with them.
    let mut doc = warm_scenario(false, json!({"MaxGroupPreparedCapacity": 2}));
    doc["autoScalingGroups"][0]["DesiredCapacity"] = json!(0);
    let mut s = sim(doc);
    at(&mut s, 110);
    assert_eq!(count(&s, GroupInstanceState::WarmedPending), 2);
    let running = s
        .tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Running)
        .count();
    assert_eq!(running, 4, "tasks were placed on the warming instances");
    at(&mut s, 125);
    assert_eq!(count(&s, GroupInstanceState::Warmed), 2);
    let stopped: Vec<_> = s
        .tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Stopped)
        .collect();
    assert_eq!(stopped.len(), 4);
    let reason = stopped[0].stopped_reason.clone().unwrap_or_default();
    assert!(reason.contains("entered the warm pool"), "{reason}");
    assert!(reason.contains("ECS_WARM_POOLS_CHECK"), "{reason}");
    // They stay registered, disconnected, and bill nothing while stopped.
    for i in group(&s).warm() {
        let c = s
            .cluster()
            .instances
            .iter()
            .find(|c| c.ec2_instance_id == i.id)
            .expect("registered");
        assert!(!c.agent_connected);
    }
    at(&mut s, 200);
    assert_eq!(s.cost().ec2_usd_per_hour, 0.0);
    assert!(logged(&s, "does not set ECS_WARM_POOLS_CHECK=true"));
}

#[test]
fn a_stopped_pool_bills_nothing_and_a_running_pool_bills_as_running() {
    let rate = |pool_state: &str| {
        let mut doc = warm_scenario(
            true,
            json!({"PoolState": pool_state, "MaxGroupPreparedCapacity": 5}),
        );
        doc["services"] = json!([]);
        let mut s = sim(doc);
        at(&mut s, 600);
        assert_eq!(count(&s, GroupInstanceState::Warmed), 3);
        s.cost().ec2_usd_per_hour
    };
    let stopped = rate("Stopped");
    let running = rate("Running");
    let hibernated = rate("Hibernated");
    // m5.large on demand in the catalogue.
    let price = ecs_engine::instance_types::lookup("m5.large")
        .expect("m5.large")
        .on_demand_usd_per_hour;
    assert!((stopped - 2.0 * price).abs() < 1e-9, "{stopped}");
    assert!((hibernated - 2.0 * price).abs() < 1e-9, "{hibernated}");
    assert!((running - 5.0 * price).abs() < 1e-9, "{running}");
}

#[test]
fn each_pool_state_has_its_own_way_back_into_service() {
    // Start 30 s (Stopped), resume 20 s (Hibernated), 5 s (Running) [unconfirmed].
    for (pool_state, seconds) in [("Stopped", 30), ("Hibernated", 20), ("Running", 5)] {
        let mut s = sim(with_update(
            warm_scenario(true, json!({"PoolState": pool_state})),
            600,
            3,
        ));
        at(&mut s, 600 + seconds - 1);
        assert_eq!(count(&s, GroupInstanceState::InService), 2, "{pool_state}");
        at(&mut s, 600 + seconds);
        assert_eq!(count(&s, GroupInstanceState::InService), 3, "{pool_state}");
    }
    // options.capacity.warmPoolStartSeconds changes the Stopped case.
    let mut doc = with_update(warm_scenario(true, json!({})), 600, 3);
    doc["options"] = json!({"capacity": {"warmPoolStartSeconds": 12}});
    let mut s = sim(doc);
    at(&mut s, 612);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
}

#[test]
fn an_instance_still_warming_up_goes_into_service_once_warm() {
    // The pool is being filled when the group scales out: the instances still warming up are
    // taken, and come into service when their launch finishes (90 s), not 30 s after.
    let mut s = sim(with_update(warm_scenario(true, json!({})), 10, 5));
    at(&mut s, 89);
    assert_eq!(count(&s, GroupInstanceState::InService), 0);
    at(&mut s, 90);
    assert_eq!(count(&s, GroupInstanceState::InService), 5);
    // Nothing was terminated to shrink the pool: it went into service instead.
    assert_eq!(count(&s, GroupInstanceState::Terminated), 0);
    assert_eq!(group(&s).instances.len(), 10);
}

#[test]
fn put_warm_pool_requests_are_checked_naming_the_field() {
    let bad = |pool: Value| warm_scenario(true, pool);
    let mut spot = warm_scenario(true, json!({}));
    spot["launchTemplates"][0]["LaunchTemplateData"]["InstanceMarketOptions"] =
        json!({"MarketType": "spot"});
    assert_refused(vec![
        (
            bad(json!({"InstanceReusePolicy": {"ReuseOnScaleIn": true}})),
            "putWarmPools[0].InstanceReusePolicy.ReuseOnScaleIn",
        ),
        (
            bad(json!({"PoolState": "Frozen"})),
            "putWarmPools[0].PoolState",
        ),
        (bad(json!({"MinSize": -1})), "putWarmPools[0].MinSize"),
        (
            bad(json!({"MaxGroupPreparedCapacity": -2})),
            "putWarmPools[0].MaxGroupPreparedCapacity",
        ),
        (
            bad(json!({"AutoScalingGroupName": "nope"})),
            "putWarmPools[0].AutoScalingGroupName",
        ),
        (spot, "putWarmPools[0].AutoScalingGroupName"),
    ]);
    // -1 clears MaxGroupPreparedCapacity: the group's MaxSize again.
    let mut s = sim(warm_scenario(true, json!({"MaxGroupPreparedCapacity": -1})));
    at(&mut s, 300);
    assert_eq!(group(&s).warm().count(), 8);
}

#[test]
fn a_smaller_pool_keeps_its_new_size_with_registered_instances() {
    // Without ECS_WARM_POOLS_CHECK the pool's instances are registered, so terminating one
    // reconciles the group again; the pool still ends at its new size: 4 − 2 = 2.
    let mut doc = warm_scenario(false, json!({}));
    doc["putWarmPools"]
        .as_array_mut()
        .expect("calls")
        .push(json!({"at": "PT20M", "AutoScalingGroupName": "asg", "MaxGroupPreparedCapacity": 4}));
    let mut s = sim(doc);
    at(&mut s, 1199);
    assert_eq!(group(&s).warm().count(), 8);
    at(&mut s, 1200);
    assert_eq!(group(&s).warm().count(), 2);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 6);
    at(&mut s, 7000);
    assert_eq!(group(&s).warm().count(), 2);
}

#[test]
fn a_new_pool_state_applies_to_the_instances_already_in_the_pool() {
    // Stopped, then Running at 20 minutes, without the check: the registered instances start
    // again, their agents reconnect, and they bill as running.
    let mut doc = warm_scenario(false, json!({"MaxGroupPreparedCapacity": 4}));
    doc["services"] = json!([]);
    doc["putWarmPools"].as_array_mut().expect("calls").push(
        json!({"at": "PT20M", "AutoScalingGroupName": "asg", "PoolState": "Running",
            "MaxGroupPreparedCapacity": 4}),
    );
    let mut s = sim(doc);
    let connected = |s: &Simulation| {
        s.cluster()
            .instances
            .iter()
            .filter(|c| c.agent_connected)
            .count()
    };
    at(&mut s, 1199);
    assert_eq!(
        connected(&s),
        2,
        "the two in service; the pool's two are stopped"
    );
    at(&mut s, 1200);
    assert_eq!(connected(&s), 4);
    at(&mut s, 1300);
    let price = ecs_engine::instance_types::lookup("m5.large")
        .expect("m5.large")
        .on_demand_usd_per_hour;
    assert!((s.cost().ec2_usd_per_hour - 4.0 * price).abs() < 1e-9);
}

#[test]
fn a_zone_outage_takes_the_booting_and_warm_instances_there_too() {
    // With the check, warm instances never register; an outage of us-east-1b at 30 s still
    // loses them, and the instances still booting there. The group and its pool launch
    // again in us-east-1a.
    let mut doc = warm_scenario(true, json!({}));
    doc["faults"] = json!([{"type": "AzOutage", "at": "PT30S", "availabilityZone": "us-east-1b",
        "duration": "PT1H"}]);
    let mut s = sim(doc);
    at(&mut s, 30);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 5);
    at(&mut s, 300);
    let zones = |warm: bool| -> Vec<String> {
        group(&s)
            .instances
            .iter()
            .filter(|i| {
                if warm {
                    i.is_warm()
                } else {
                    i.state == GroupInstanceState::InService
                }
            })
            .map(|i| i.availability_zone.clone())
            .collect()
    };
    assert_eq!(zones(false), ["us-east-1a"; 2]);
    assert_eq!(zones(true), ["us-east-1a"; 8]);
}

#[test]
fn an_agent_denied_ecs_poll_stays_disconnected_when_it_leaves_the_pool_10_4() {
    // Without the check the agent registers while warming up; its instance profile may
    // register but not poll, so it shows agentConnected=false, in the pool and after it.
    let mut doc = with_update(
        warm_scenario(false, json!({"MaxGroupPreparedCapacity": 3})),
        600,
        3,
    );
    doc["launchTemplates"][0]["LaunchTemplateData"]["IamInstanceProfile"] =
        json!({"Name": "no-poll"});
    doc["iamRoles"] = json!([support::role("no-poll", &["ecs:RegisterContainerInstance"])]);
    doc["services"] = json!([]);
    let mut s = sim(doc);
    at(&mut s, 700);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
    assert!(s.cluster().instances.iter().all(|c| !c.agent_connected));
    assert!(logged(&s, "agentConnected=false, it left the warm pool"));
}
