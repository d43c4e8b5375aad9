//! Capacity Rebalancing (`CapacityRebalance` on CreateAutoScalingGroup) and the
//! `SpotRebalanceRecommendation` fault: EC2 warns a Spot instance it is at elevated risk; the
//! group launches a replacement and terminates the instance once a new one is in service
//! (the EC2 Auto Scaling guide). ECS gets no notice of that termination (7.1, [SPOT]): without
//! managed draining the tasks die with the instance; with it they are drained first (6.5,
//! [unconfirmed] for rebalancing).

mod support;

use ecs_engine::auto_scaling_group::GroupInstanceState;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, count, group, logged, running, sim};

/// A Spot group `spot` of `desired` m5.large (MaxSize `max`) behind capacity provider `cp`
/// (managed draining when `draining`), service `web` of two one-vCPU tasks per instance, and
/// rebalance recommendations to `recommended` instances at 10 minutes.
fn rebalance_scenario(
    rebalance: bool,
    draining: bool,
    desired: u32,
    max: u32,
    recommended: u32,
) -> Value {
    json!({
        "version": 1, "seed": 11, "duration": "PT1H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "launchTemplates": [{"LaunchTemplateName": "spot", "LaunchTemplateData": {
            "InstanceType": "m5.large", "InstanceMarketOptions": {"MarketType": "spot"}}}],
        "autoScalingGroups": [{"AutoScalingGroupName": "spot", "MinSize": 0, "MaxSize": max,
            "DesiredCapacity": desired, "LaunchTemplate": {"LaunchTemplateName": "spot"},
            "VPCZoneIdentifier": "subnet-a,subnet-b", "CapacityRebalance": rebalance}],
        "capacityProviders": [{"name": "cp", "autoScalingGroupProvider": {
            "autoScalingGroupArn": "spot",
            "managedDraining": if draining { "ENABLED" } else { "DISABLED" }}}],
        "clusters": [{"clusterName": "default", "capacityProviders": ["cp"],
            "defaultCapacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}]}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "cpu": 1024, "memory": 512, "essential": true}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": desired * 2,
            "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200}}],
        "faults": [{"type": "SpotRebalanceRecommendation", "at": "PT10M", "autoScalingGroup": "spot",
            "count": recommended}]
    })
}

fn at_risk(sim: &Simulation) -> Vec<String> {
    group(sim)
        .instances
        .iter()
        .filter(|i| i.rebalance_recommended)
        .map(|i| i.id.clone())
        .collect()
}

fn died_with_instance(sim: &Simulation) -> usize {
    sim.tasks()
        .iter()
        .filter(|t| t.stop_code.as_deref() == Some("TerminationNotice"))
        .count()
}

#[test]
fn the_group_launches_a_replacement_then_drains_and_terminates_the_instance_at_risk() {
    let mut s = sim(rebalance_scenario(true, true, 3, 6, 1));
    at(&mut s, 599);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
    assert_eq!(running(&s), 6);
    at(&mut s, 600);
    let risky = at_risk(&s);
    assert_eq!(risky.len(), 1);
    // A replacement launches at once, above the desired capacity.
    assert_eq!(count(&s, GroupInstanceState::Pending), 1);
    assert_eq!(group(&s).desired, 3);
    let cause = &group(&s).activities.last().expect("an activity").cause;
    assert!(
        cause.ends_with(
            "an instance was launched in response to an EC2 instance rebalance recommendation."
        ),
        "{cause}"
    );
    assert!(logged(&s, "EC2 Instance Rebalance Recommendation"));
    // The replacement is in service after the launch delay (90 s): the instance at risk is
    // taken out of service and drained (managed draining).
    at(&mut s, 690);
    let old = group(&s)
        .instances
        .iter()
        .find(|i| i.id == risky[0])
        .expect("the instance at risk");
    assert_eq!(old.state, GroupInstanceState::Terminating);
    assert!(group(&s).activities.iter().any(|a| a
        .cause
        .ends_with("an instance was taken out of service in response to an EC2 instance rebalance recommendation.")));
    at(&mut s, 1200);
    let old = group(&s)
        .instances
        .iter()
        .find(|i| i.id == risky[0])
        .expect("the instance at risk");
    assert_eq!(old.state, GroupInstanceState::Terminated);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
    assert_eq!(running(&s), 6);
    assert_eq!(
        died_with_instance(&s),
        0,
        "managed draining moved the tasks first"
    );
}

#[test]
fn without_managed_draining_the_tasks_die_with_the_instance_ecs_gets_no_notice_7_1() {
    let mut s = sim(rebalance_scenario(true, false, 3, 6, 1));
    at(&mut s, 689);
    assert_eq!(died_with_instance(&s), 0);
    at(&mut s, 690);
    // The instance at risk ran two tasks; they stop with it when the replacement is in
    // service.
    assert_eq!(died_with_instance(&s), 2);
    at(&mut s, 1200);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
    assert_eq!(running(&s), 6, "the service replaced them");
}

#[test]
fn without_capacity_rebalance_a_recommendation_changes_nothing() {
    let mut s = sim(rebalance_scenario(false, true, 3, 6, 1));
    at(&mut s, 1200);
    assert!(at_risk(&s).is_empty());
    assert_eq!(group(&s).instances.len(), 3);
    assert!(logged(
        &s,
        "Capacity Rebalancing is off for Auto Scaling group spot"
    ));
}

#[test]
fn at_max_size_the_group_goes_at_most_ten_percent_above_it() {
    // MaxSize 3 = desired: room for one replacement (10 % of 3, at least 1); the second
    // instance at risk waits for EC2.
    let mut s = sim(rebalance_scenario(true, true, 3, 3, 2));
    at(&mut s, 600);
    assert_eq!(at_risk(&s).len(), 2);
    assert_eq!(count(&s, GroupInstanceState::Pending), 1);
    assert!(logged(&s, "no replacement for"));
    // Once the first is replaced and gone, the second gets its replacement.
    at(&mut s, 2400);
    assert_eq!(count(&s, GroupInstanceState::InService), 3);
    assert_eq!(count(&s, GroupInstanceState::Terminated), 2);
    assert_eq!(died_with_instance(&s), 0);
}

#[test]
fn an_interruption_before_the_replacement_is_in_service_still_ends_at_the_desired_capacity() {
    let mut doc = rebalance_scenario(true, true, 1, 4, 1);
    doc["faults"]
        .as_array_mut()
        .expect("faults")
        .push(json!({"type": "SpotInterruption", "at": "PT10M10S", "autoScalingGroup": "spot", "count": 1}));
    let mut s = sim(doc);
    at(&mut s, 610);
    // The replacement is still booting when the two-minute notice arrives.
    assert_eq!(count(&s, GroupInstanceState::Pending), 1);
    at(&mut s, 1800);
    assert_eq!(count(&s, GroupInstanceState::InService), 1);
    assert_eq!(group(&s).live_count(), 1);
    assert_eq!(running(&s), 2);
}

#[test]
fn an_instance_at_risk_held_by_a_launch_hook_waits_for_its_replacement() {
    // Launch hooks hold every instance 300 s. The recommendation comes at 120 s, while the
    // instance is registered but still in Pending:Wait: when its own hook ends at 300 s it
    // goes in service and stays; it is taken out once its replacement is in service (420 s).
    let mut doc = rebalance_scenario(true, true, 1, 4, 1);
    doc["autoScalingGroups"][0]["LifecycleHookSpecificationList"] = json!([{
        "LifecycleHookName": "bootstrap", "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
        "HeartbeatTimeout": 300, "DefaultResult": "CONTINUE"}]);
    doc["faults"][0]["at"] = json!("PT2M");
    let mut s = sim(doc);
    at(&mut s, 120);
    let risky = at_risk(&s);
    assert_eq!(risky.len(), 1);
    let state = |s: &Simulation| {
        group(s)
            .instances
            .iter()
            .find(|i| i.id == risky[0])
            .expect("the instance at risk")
            .state
    };
    at(&mut s, 419);
    assert_eq!(state(&s), GroupInstanceState::InService);
    at(&mut s, 420);
    assert_eq!(state(&s), GroupInstanceState::Terminating);
}
