//! PutAttributes and DeleteAttributes (2.1, 2.5): custom attributes changed on a registered
//! container instance steer later placements through `memberOf` (3.4, 3.5, G12), and leave
//! running tasks where they are.

use ecs_engine::event_log::EventKind;
use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

fn sim(scenario: Value) -> Simulation {
    Simulation::new(Scenario::from_value(scenario).expect("valid scenario"))
}

fn at(sim: &mut Simulation, secs: u64) {
    sim.advance_to(SimTime(secs * 1000)).expect("no livelock");
}

/// Two instances without the attribute `stack`; a service of 2 whose tasks need
/// `attribute:stack == prod`.
fn scenario(calls: Value) -> Value {
    let mut v = json!({
        "version": 1, "seed": 5, "duration": "PT1H",
        "containerInstances": [
            {"id": "i-blue", "instanceType": "m5.large", "availabilityZone": "us-east-1a"},
            {"id": "i-green", "instanceType": "m5.large", "availabilityZone": "us-east-1b"}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx", "essential": true, "memory": 256, "cpu": 256}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2,
            "placementConstraints": [{"type": "memberOf", "expression": "attribute:stack == prod"}]}]
    });
    for (k, x) in calls.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

fn put(at: &str, target: &str, name: &str, value: &str) -> Value {
    json!({"at": at, "cluster": "default", "attributes": [
        {"name": name, "value": value, "targetType": "container-instance", "targetId": target}]})
}

/// Instance IDs of the active tasks, sorted.
fn hosts(s: &Simulation) -> Vec<String> {
    let mut h: Vec<String> = s
        .tasks()
        .iter()
        .filter(|t| t.is_active() && t.last_status == TaskStatus::Running)
        .map(|t| {
            s.cluster().instances[t.reservation.slot]
                .ec2_instance_id
                .clone()
        })
        .collect();
    h.sort();
    h
}

fn logged(s: &Simulation, kind: EventKind, words: &str) -> bool {
    s.log()
        .entries()
        .iter()
        .any(|e| e.kind == kind && e.message.contains(words))
}

#[test]
fn put_attributes_lets_waiting_tasks_place_and_delete_leaves_running_ones() {
    let mut s = sim(scenario(json!({
        "putAttributes": [put("PT5M", "i-green", "stack", "prod")],
        "deleteAttributes": [{"at": "PT10M", "attributes": [
            {"name": "stack", "targetType": "container-instance", "targetId": "i-green"}]}]
    })));
    at(&mut s, 4 * 60);
    assert!(hosts(&s).is_empty(), "no instance matches memberOf yet");
    assert!(s.services()[0].events.iter().any(|e| e
        .message
        .contains("no container instance met all of its requirements")));
    at(&mut s, 5 * 60 + 60);
    assert_eq!(
        hosts(&s),
        vec!["i-green", "i-green"],
        "placed at once on the new match"
    );
    assert_eq!(s.cluster().instances[1].attributes["stack"], "prod");
    assert!(logged(
        &s,
        EventKind::ContainerInstance,
        "PutAttributes: stack=prod on container instance i-green"
    ));
    at(&mut s, 11 * 60);
    assert!(!s.cluster().instances[1].attributes.contains_key("stack"));
    assert_eq!(
        hosts(&s),
        vec!["i-green", "i-green"],
        "running tasks stay (3.4)"
    );
}

#[test]
fn the_target_may_be_named_by_its_container_instance_arn() {
    let mut s = sim(scenario(json!({})));
    at(&mut s, 1);
    let arn = s.cluster().instances[0].arn.clone();
    let mut s = sim(scenario(
        json!({"putAttributes": [put("PT1M", &arn, "stack", "prod")]}),
    ));
    at(&mut s, 3 * 60);
    assert_eq!(hosts(&s), vec!["i-blue", "i-blue"]);
}

#[test]
fn an_unknown_target_or_too_many_attributes_fail_the_whole_call() {
    let ten: Vec<Value> = (0..10)
        .map(|i| json!({"name": format!("a{i}"), "targetId": "i-blue"}))
        .collect();
    let mut s = sim(scenario(json!({"putAttributes": [
        put("PT1M", "i-missing", "stack", "prod"),
        {"at": "PT2M", "attributes": ten},
        {"at": "PT3M", "attributes": [{"name": "stack", "value": "prod", "targetId": "i-blue"}]},
        {"at": "PT4M", "cluster": "other", "attributes": [{"name": "stack", "value": "prod", "targetId": "i-green"}]}
    ]})));
    at(&mut s, 5 * 60);
    assert!(logged(&s, EventKind::Scenario, "PutAttributes failed: TargetNotFoundException: Could not find i-missing in cluster default."));
    assert!(logged(&s, EventKind::Scenario, "AttributeLimitExceededException: You can apply up to 10 custom attributes for each resource."));
    assert!(logged(
        &s,
        EventKind::Scenario,
        "Could not find i-green in cluster other."
    ));
    // The ten went on at 2 minutes; the eleventh (stack) was refused, so nothing matches.
    let blue = &s.cluster().instances[0].attributes;
    assert!(blue.contains_key("a9") && !blue.contains_key("stack"));
    assert!(hosts(&s).is_empty());
}

#[test]
fn bad_calls_are_refused_at_load_naming_the_field() {
    let e = Scenario::from_value(scenario(json!({"deleteAttributes": [{"attributes": [
        {"name": "stack", "targetType": "service", "targetId": "i-blue"}]}]})))
    .unwrap_err();
    assert_eq!(
        e.path, "deleteAttributes[0].attributes[0].targetType",
        "{e:?}"
    );
}

#[test]
fn instance_state_changes_reach_eventbridge_9_1() {
    // A rule on ECS Container Instance State Change mails each instance's status: both
    // register ACTIVE, then PutAttributes on i-green sends its new attributes.
    let mut v = scenario(json!({
        "putAttributes": [put("PT5M", "i-green", "stack", "prod")],
        "snsTopics": [{"Name": "ops", "Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com"}]}],
        "eventRules": [{"Name": "instances",
            "EventPattern": {"source": ["aws.ecs"], "detail-type": ["ECS Container Instance State Change"]},
            "Targets": [{"Id": "mail", "Arn": "arn:aws:sns:us-east-1:123456789012:ops",
                "InputTransformer": {"InputPathsMap": {"id": "$.detail.ec2InstanceId", "status": "$.detail.status"},
                    "InputTemplate": "\"<id> is <status>\""}}]}]
    }));
    v["duration"] = json!("PT10M");
    let mut s = sim(v);
    at(&mut s, 6 * 60);
    let mails: Vec<&str> = s
        .notifications()
        .iter()
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(
        mails,
        vec!["i-blue is ACTIVE", "i-green is ACTIVE", "i-green is ACTIVE"],
        "two registrations, then the attribute change"
    );
}
