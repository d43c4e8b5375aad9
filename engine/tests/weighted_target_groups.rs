//! Weighted target groups (8.1, 8.6; `crate::load_balancer::listener`): a listener's
//! `ForwardConfig` splits requests between two target groups by weight, and ModifyListener
//! calls (`modifyListeners[]`) shift the split as the run goes: a canary between two services,
//! then a cut-over. Built on the preset `weighted-target-groups` (services blue and green
//! behind one listener, 1,000 requests/s).

mod support;

use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, logged, sim};

const MIN: u64 = 60;

fn preset() -> Value {
    serde_json::from_str(include_str!(
        "../../public/scenarios/weighted-target-groups.json"
    ))
    .unwrap()
}

/// Requests target group `name` received in minute `m`.
fn requests(s: &Simulation, name: &str, m: usize) -> f64 {
    s.time_series().series[&format!("targetGroup/{name}/RequestCount")][m]
}

fn forward(weights: [u64; 2]) -> Value {
    json!([{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": "blue", "Weight": weights[0]}, {"TargetGroupArn": "green", "Weight": weights[1]}]}}])
}

#[test]
fn a_listener_splits_by_weight_and_modify_listener_shifts_it() {
    let mut s = sim(preset());
    at(&mut s, 40 * MIN);
    // 90/10 from the start: 60,000 requests a minute.
    assert_eq!(requests(&s, "blue", 10), 54_000.0);
    assert_eq!(requests(&s, "green", 10), 6_000.0);
    // 50/50 from 15 minutes.
    assert_eq!(requests(&s, "blue", 20), 30_000.0);
    assert_eq!(requests(&s, "green", 20), 30_000.0);
    // A plain forward to green from 25 minutes: the cut-over, everything to green.
    assert_eq!(requests(&s, "blue", 30), 0.0);
    assert_eq!(requests(&s, "green", 30), 60_000.0);
    assert!(logged(
        &s,
        "ModifyListener HTTP:80 of web-alb: forwards 50 % to blue and 50 % to green"
    ));
    assert!(logged(
        &s,
        "ModifyListener HTTP:80 of web-alb: forwards to green"
    ));
    // DescribeListeners shows the forward as it is now.
    let listeners = s.describe()["listeners"].clone();
    assert_eq!(listeners[0]["Listener"], "HTTP:80");
    let groups = &listeners[0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"];
    assert_eq!(groups.as_array().unwrap().len(), 1);
    assert!(groups[0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .contains(":targetgroup/green/"));
}

#[test]
fn the_listener_is_named_by_its_arn_and_weights_are_relative() {
    // The ARN the run gives the listener names it too; 3 to 1 is 75/25.
    let s = sim(preset());
    let groups =
        s.describe()["listeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"].clone();
    assert_eq!(
        (groups[0]["Weight"].as_f64(), groups[1]["Weight"].as_f64()),
        (Some(90.0), Some(10.0))
    );
    let arn = s.describe()["listeners"][0]["ListenerArn"]
        .as_str()
        .unwrap()
        .to_string();
    let mut v = preset();
    v["modifyListeners"] =
        json!([{"at": "PT5M", "ListenerArn": arn, "DefaultActions": forward([3, 1])}]);
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    assert_eq!(requests(&s, "blue", 7), 45_000.0);
    assert_eq!(requests(&s, "green", 7), 15_000.0);
    // A Weight left out counts 1: an even split.
    let mut v = preset();
    v["listeners"][0]["DefaultActions"] = json!([{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": "blue"}, {"TargetGroupArn": "green"}]}}]);
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    assert_eq!(requests(&s, "green", 7), 30_000.0);
}

#[test]
fn bad_forwards_and_modify_listener_calls_are_refused_naming_the_field() {
    let refused = |v: Value, want: &str| {
        let err = ecs_engine::Scenario::from_value(v).unwrap_err().to_string();
        assert!(err.contains(want), "{want}: {err}");
    };
    let mut v = preset();
    v["listeners"][0]["DefaultActions"] = forward([1000, 0]);
    refused(
        v,
        "listeners[0].DefaultActions[0].ForwardConfig.TargetGroups[0].Weight: must be a whole number from 0 to 999",
    );
    let mut v = preset();
    v["listeners"][0]["DefaultActions"] = forward([0, 0]);
    refused(v, "at least one target group must have a weight above 0");
    let mut v = preset();
    v["listeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
        .as_array_mut()
        .unwrap()
        .push(json!({"TargetGroupArn": "blue", "Weight": 1}));
    refused(
        v,
        "3 target groups; the playground splits a listener's requests between two",
    );
    // Two listeners on one port of a load balancer, and weights behind a Network Load
    // Balancer (its forward action takes one target group).
    let mut v = preset();
    let twin = v["listeners"][0].clone();
    v["listeners"].as_array_mut().unwrap().push(twin);
    refused(v, "listeners[1].Port: DuplicateListener");
    let mut v = preset();
    v["loadBalancers"][0]["Type"] = json!("network");
    v["listeners"][0]["Protocol"] = json!("TCP");
    for g in v["targetGroups"].as_array_mut().unwrap() {
        g["Protocol"] = json!("TCP");
    }
    refused(
        v,
        "a Network Load Balancer's forward action takes one target group",
    );
    let mut v = preset();
    v["modifyListeners"][0]["ListenerArn"] = json!("web-alb:443");
    refused(v, "modifyListeners[0].ListenerArn: ListenerNotFound");
    let mut v = preset();
    v["modifyListeners"][0]["Port"] = json!(8080);
    refused(
        v,
        "modifyListeners[0].Port: the playground's ModifyListener changes DefaultActions only",
    );
    let mut v = preset();
    v["modifyListeners"][0]["DefaultActions"] =
        json!([{"Type": "forward", "TargetGroupArn": "nope"}]);
    refused(
        v,
        "modifyListeners[0].DefaultActions[0].TargetGroupArn: no target group nope",
    );
}

#[test]
fn a_target_group_is_in_one_split_listeners_forwarding_alike_share_it() {
    // HTTPS:443 forwarding exactly as HTTP:80 does shares its split; a different split of the
    // same target groups is refused, as is a ModifyListener that would make one at run time.
    let mut v = preset();
    let mut https = v["listeners"][0].clone();
    https["Protocol"] = json!("HTTPS");
    https["Port"] = json!(443);
    v["listeners"].as_array_mut().unwrap().push(https.clone());
    v["modifyListeners"] =
        json!([{"at": "PT5M", "ListenerArn": "web-alb:443", "DefaultActions": forward([1, 1])}]);
    let mut s = sim(v.clone());
    at(&mut s, 10 * MIN);
    assert_eq!(requests(&s, "blue", 3), 54_000.0);
    assert!(logged(&s, "ModifyListener failed: modifyListeners[0].DefaultActions: target group blue is already in the weighted forward of listener HTTP:80"));
    assert_eq!(requests(&s, "blue", 7), 54_000.0, "the split is unchanged");
    let mut v2 = v;
    v2["listeners"][1]["DefaultActions"] = forward([1, 1]);
    v2.as_object_mut().unwrap().remove("modifyListeners");
    let err = ecs_engine::Scenario::from_value(v2)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("listeners[1].DefaultActions: target group blue is already in the weighted forward of listener HTTP:80"),
        "{err}"
    );
}

/// A third target group `spare`, like `blue`, in scenario `v`.
fn with_spare(v: &mut Value) {
    let mut spare = v["targetGroups"][1].clone();
    spare["Name"] = json!("spare");
    if spare.get("TargetGroupArn").is_some() {
        spare["TargetGroupArn"] = json!(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/spare/0000000000000003"
        );
    }
    v["targetGroups"].as_array_mut().unwrap().push(spare);
}

/// HTTPS:443, forwarding as HTTP:80 does, in scenario `v`.
fn with_https(v: &mut Value) {
    let mut https = v["listeners"][0].clone();
    https["Protocol"] = json!("HTTPS");
    https["Port"] = json!(443);
    v["listeners"].as_array_mut().unwrap().push(https);
}

#[test]
fn a_shared_split_stays_while_a_listener_still_forwards_with_it() {
    // HTTP:80 moves to spare; HTTPS:443 still forwards 90/10 between blue and green, so the
    // requests addressed to blue are still split.
    let mut v = preset();
    with_https(&mut v);
    with_spare(&mut v);
    v["modifyListeners"] = json!([{"at": "PT5M", "ListenerArn": "web-alb:80",
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": "spare"}]}]);
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    assert!(logged(
        &s,
        "ModifyListener HTTP:80 of web-alb: forwards to spare"
    ));
    assert_eq!(requests(&s, "blue", 7), 54_000.0);
    assert_eq!(requests(&s, "green", 7), 6_000.0);
    let https = &s.describe()["listeners"][1]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"];
    assert_eq!(
        (https[0]["Weight"].clone(), https[1]["Weight"].clone()),
        (json!(90.0), json!(10.0))
    );
    // Changing the split of the listener that came first is refused as the other's is: the
    // two would split the same target groups two ways.
    let mut v = preset();
    with_https(&mut v);
    v["modifyListeners"] =
        json!([{"at": "PT5M", "ListenerArn": "web-alb:80", "DefaultActions": forward([1, 1])}]);
    let mut s = sim(v);
    at(&mut s, 10 * MIN);
    assert!(logged(&s, "ModifyListener failed: modifyListeners[0].DefaultActions: target group blue is already in the weighted forward of listener HTTPS:443"));
    assert_eq!(requests(&s, "blue", 7), 54_000.0, "the split is unchanged");
}

#[test]
fn a_blue_green_pair_must_not_overlap_another_listener_split() {
    // The listener splits blue/spare; a blue/green service pairing blue with green would have
    // two weighted forwards over blue, and its traffic shift would never reach green.
    let mut v =
        support::blue_green::scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}));
    with_spare(&mut v);
    v["listeners"][0]["DefaultActions"] = json!([{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": "blue", "Weight": 9}, {"TargetGroupArn": "spare", "Weight": 1}]}}]);
    let refusal = support::service_refusal(v);
    assert!(
        refusal.contains("services[0].loadBalancers[0].advancedConfiguration.alternateTargetGroupArn: target group blue is in the weighted forward of listener HTTP:80 with spare"),
        "{refusal}"
    );
}

#[test]
fn modify_listener_of_a_blue_green_production_listener_is_refused() {
    // The listener's split of blue and green is the service's production rule: ECS manages
    // its weights, so a cut-over by hand is refused rather than logged and ignored.
    let mut v =
        support::blue_green::scenario(json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}));
    v["modifyListeners"] = json!([{"at": "PT2M", "ListenerArn": "edge:80",
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": "green"}]}]);
    let mut s = sim(v);
    at(&mut s, 4 * MIN);
    assert!(logged(&s, "ModifyListener failed: modifyListeners[0].DefaultActions: target group blue is in the production listener rule of service web"));
    assert!(!logged(&s, "ModifyListener HTTP:80 of edge"));
    assert_eq!(requests(&s, "blue", 3), 24_000.0);
}
