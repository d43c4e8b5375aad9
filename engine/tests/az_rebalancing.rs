//! Availability Zone rebalancing (`availabilityZoneRebalancing`; the ECS guide's "Balancing an
//! Amazon ECS service across Availability Zones"): once steady, a service whose tasks are
//! uneven across zones starts a task in the emptiest zone and stops one in the fullest, until
//! they are even. CreateService defaults it to ENABLED (binpack services to DISABLED);
//! UpdateService keeps the service's value unless given. The one-at-a-time pace and the
//! "differ by at most one" test are [unconfirmed].

mod support;

use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, logged, sim};

/// Two m5.large in us-east-1a from the start and two in us-east-1b registering at 10 minutes;
/// service `web` of four one-vCPU tasks (EC2 launch type, the default spread by zone then
/// instance), with `extra` merged into its CreateService request.
fn late_zone(extra: Value) -> Value {
    let mut service = json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 4});
    for (k, v) in extra.as_object().expect("an object") {
        service[k] = v.clone();
    }
    json!({
        "version": 1, "seed": 2, "duration": "PT1H",
        "containerInstances": [
            {"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2},
            {"instanceType": "m5.large", "availabilityZone": "us-east-1b", "count": 2, "launchAt": "PT10M"}
        ],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "cpu": 1024, "memory": 512, "essential": true}]}],
        "services": [service]
    })
}

/// Running tasks of service `web` per zone, in zone order.
fn per_zone(sim: &Simulation) -> Vec<usize> {
    let mut counts = std::collections::BTreeMap::new();
    for t in sim.tasks().iter().filter(|t| t.is_active()) {
        let az = &sim.cluster().instances[t.reservation.slot].availability_zone;
        *counts.entry(az.clone()).or_insert(0) += 1;
    }
    counts.into_values().collect()
}

fn events(sim: &Simulation) -> Vec<String> {
    sim.services()[0]
        .events
        .iter()
        .map(|e| e.message.clone())
        .collect()
}

#[test]
fn a_zone_that_comes_later_gets_its_share_one_task_at_a_time() {
    let mut s = sim(late_zone(json!({})));
    at(&mut s, 599);
    assert_eq!(per_zone(&s), [4]);
    assert_eq!(
        s.describe()["services"][0]["availabilityZoneRebalancing"],
        "ENABLED"
    );
    at(&mut s, 1800);
    assert_eq!(per_zone(&s), [2, 2]);
    let events = events(&s);
    let said = |words: &str| events.iter().filter(|e| e.contains(words)).count();
    assert_eq!(
        said("service (web) is not AZ balanced with 4 tasks in us-east-1a, 0 tasks in us-east-1b. AZ Rebalancing in progress."),
        1,
        "{events:#?}"
    );
    assert_eq!(
        said("web has started 1 tasks in us-east-1b to AZ Rebalance: "),
        2
    );
    assert_eq!(
        said("web has stopped 1 running tasks in us-east-1a due to AZ rebalancing: "),
        2
    );
    assert_eq!(
        said("service (web) is AZ balanced with 2 tasks in us-east-1a, 2 tasks in us-east-1b."),
        1
    );
    // The moved tasks stopped with the scheduler's stop code, after their replacements ran.
    let moved: Vec<_> = s
        .tasks()
        .iter()
        .filter(|t| t.stopped_reason.as_deref() == Some("AZ Rebalancing"))
        .collect();
    assert_eq!(moved.len(), 2);
    assert!(moved
        .iter()
        .all(|t| t.stop_code.as_deref() == Some("ServiceSchedulerInitiated")));
    // Never more than one task above the desired count.
    assert!(s.tasks().iter().filter(|t| t.is_active()).count() == 4);
}

#[test]
fn disabled_binpack_and_update_service_follow_the_api_defaults() {
    // Explicitly DISABLED: the tasks stay where they are.
    let mut s = sim(late_zone(
        json!({"availabilityZoneRebalancing": "DISABLED"}),
    ));
    at(&mut s, 1800);
    assert_eq!(per_zone(&s), [4]);
    assert!(!logged(&s, "AZ Rebalancing in progress"));
    // binpack first: CreateService defaults to DISABLED; asked for, it is kept, and the log
    // says the playground does not rebalance such a service.
    let binpack = json!([{"type": "binpack", "field": "memory"}]);
    let s = sim(late_zone(json!({"placementStrategy": binpack})));
    assert_eq!(
        s.describe()["services"][0]["availabilityZoneRebalancing"],
        "DISABLED"
    );
    let mut s = sim(late_zone(
        json!({"placementStrategy": binpack, "availabilityZoneRebalancing": "ENABLED"}),
    ));
    at(&mut s, 1800);
    assert_eq!(
        s.describe()["services"][0]["availabilityZoneRebalancing"],
        "ENABLED"
    );
    assert!(logged(
        &s,
        "ENABLED is kept, but the playground rebalances only"
    ));
    assert_eq!(per_zone(&s), [4]);
    // UpdateService turns it on later; without the field it keeps the service's value.
    let mut doc = late_zone(json!({"availabilityZoneRebalancing": "DISABLED"}));
    doc["updateServices"] = json!([
        {"at": "PT15M", "service": "web", "desiredCount": 4},
        {"at": "PT20M", "service": "web", "availabilityZoneRebalancing": "ENABLED"}
    ]);
    let mut s = sim(doc);
    at(&mut s, 1199);
    assert_eq!(per_zone(&s), [4]);
    at(&mut s, 2400);
    assert_eq!(per_zone(&s), [2, 2]);
}

#[test]
fn fargate_tasks_move_back_after_a_zone_outage() {
    let doc = json!({
        "version": 1, "seed": 4, "duration": "PT1H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "taskDefinitions": [{"family": "api", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512", "containerDefinitions": [
                {"name": "api", "image": "nginx", "essential": true}]}],
        "services": [{"serviceName": "api", "taskDefinition": "api", "desiredCount": 4, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}}],
        "faults": [{"type": "AzOutage", "at": "PT5M", "availabilityZone": "us-east-1b", "duration": "PT10M"}]
    });
    let mut s = sim(doc);
    at(&mut s, 299);
    assert_eq!(per_zone(&s), [2, 2]);
    at(&mut s, 800);
    // us-east-1b is down: its tasks were replaced in us-east-1a.
    assert_eq!(per_zone(&s), [4]);
    at(&mut s, 2400);
    assert_eq!(per_zone(&s), [2, 2]);
    assert!(logged(
        &s,
        "is AZ balanced with 2 tasks in us-east-1a, 2 tasks in us-east-1b"
    ));
}

#[test]
fn a_bad_value_is_refused_naming_the_field() {
    let mut s = sim(late_zone(
        json!({"availabilityZoneRebalancing": "SOMETIMES"}),
    ));
    at(&mut s, 60);
    assert!(s.services().is_empty(), "CreateService is refused");
    assert!(logged(
        &s,
        "availabilityZoneRebalancing: \"SOMETIMES\" is not ENABLED or DISABLED"
    ));
}

/// The first moment a rebalancing task starts in the late-zone scenario, in seconds.
fn first_move(doc: &Value) -> u64 {
    let mut s = sim(doc.clone());
    (600..1200)
        .find(|&t| {
            at(&mut s, t);
            events(&s).iter().any(|e| e.contains("has started 1 tasks"))
        })
        .expect("a move starts")
}

#[test]
fn turned_off_mid_move_the_service_returns_to_its_desired_count() {
    let mut doc = late_zone(json!({}));
    let start = first_move(&doc);
    doc["updateServices"] = json!([{"at": format!("PT{}S", start + 1), "service": "web",
        "availabilityZoneRebalancing": "DISABLED"}]);
    let mut s = sim(doc);
    at(&mut s, 3600);
    assert_eq!(s.tasks().iter().filter(|t| t.is_active()).count(), 4);
    assert!(events(&s)
        .iter()
        .any(|e| e.contains("has reached a steady state")));
}

#[test]
fn a_fullest_zone_of_protected_tasks_is_left_alone_4_8() {
    // Every task of us-east-1a is protected from scale-in (4.8): nothing may stop there, so
    // no task starts in us-east-1b either, and the service stays at its desired count.
    let doc = late_zone(json!({}));
    let mut first = sim(doc.clone());
    at(&mut first, 60);
    let ids: Vec<String> = first.tasks().iter().map(|t| t.id.clone()).collect();
    let mut doc = doc;
    doc["updateTaskProtection"] = json!([{"at": "PT2M", "cluster": "default", "tasks": ids,
        "protectionEnabled": true, "expiresInMinutes": 120}]);
    doc["updateServices"] = json!([{"at": "PT30M", "service": "web", "desiredCount": 4}]);
    let mut s = sim(doc);
    at(&mut s, 3600);
    assert_eq!(s.tasks().len(), 4, "no task started or stopped");
    assert_eq!(per_zone(&s), [4]);
}
