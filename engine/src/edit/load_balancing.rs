//! Load balancing resources pasted as JSON, as the AWS CLI takes or prints them: target groups
//! (`aws elbv2 create-target-group` input or output, `describe-target-groups` output), load
//! balancers (`aws elbv2 create-load-balancer` input, `describe-load-balancers` output),
//! listeners (`aws elbv2 create-listener` input, `describe-listeners` output), ModifyListener
//! calls (`aws elbv2 modify-listener` input: a `ListenerArn` with new `DefaultActions` and no
//! `LoadBalancerArn`, made at the current time) and Classic Load Balancers (`aws elb
//! create-load-balancer` input, `aws elb describe-load-balancers` output).

use serde_json::{Map, Value};

use crate::{Scenario, SimTime};

/// Where one pasted item goes: the scenario section, and what the done line calls it.
struct Item {
    section: &'static str,
    kind: &'static str,
    value: Value,
}

/// The name an item is known by, for the done line.
fn name_of(v: &Value) -> String {
    ["Name", "LoadBalancerName", "TargetGroupName", "ListenerArn"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_string)
        .or_else(|| {
            let protocol = v.get("Protocol").and_then(Value::as_str)?;
            let port = v.get("Port").and_then(Value::as_u64)?;
            Some(format!("{protocol}:{port}"))
        })
        .unwrap_or_default()
}

/// `value` with member `from` renamed `to` unless `to` is there already (describe output
/// says `TargetGroupName` and `LoadBalancerName` where the create requests say `Name`).
fn renamed(mut value: Value, from: &str, to: &str) -> Value {
    if let Some(o) = value.as_object_mut() {
        if !o.contains_key(to) {
            if let Some(v) = o.remove(from) {
                o.insert(to.to_string(), v);
            }
        }
    }
    value
}

/// The list `key` of `o`, or an error naming it.
fn list(o: &Map<String, Value>, key: &str) -> Result<Vec<Value>, String> {
    o.get(key)
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| format!("{key}: must be a list"))
}

/// The items of one pasted object; a ModifyListener call is made at `at`.
fn items_of(o: Map<String, Value>, at: SimTime) -> Result<Vec<Item>, String> {
    let item = |section, kind, value| Item {
        section,
        kind,
        value,
    };
    if o.contains_key("TargetGroups") {
        return Ok(list(&o, "TargetGroups")?
            .into_iter()
            .map(|t| {
                item(
                    "targetGroups",
                    "target group",
                    renamed(t, "TargetGroupName", "Name"),
                )
            })
            .collect());
    }
    if o.contains_key("LoadBalancerDescriptions") {
        // aws elb describe-load-balancers: the scenario section takes it whole.
        return Ok(list(&o, "LoadBalancerDescriptions")?
            .into_iter()
            .map(|d| item("classicLoadBalancers", "Classic Load Balancer", d))
            .collect());
    }
    if o.contains_key("LoadBalancers") {
        return Ok(list(&o, "LoadBalancers")?
            .into_iter()
            .map(|l| {
                item(
                    "loadBalancers",
                    "load balancer",
                    renamed(l, "LoadBalancerName", "Name"),
                )
            })
            .collect());
    }
    if o.contains_key("Listeners") && !o.contains_key("LoadBalancerName") {
        return Ok(list(&o, "Listeners")?
            .into_iter()
            .map(|l| item("listeners", "listener", l))
            .collect());
    }
    let mut v = Value::Object(o);
    let one = if v.get("ListenerArn").is_some()
        && v.get("DefaultActions").is_some()
        && v.get("LoadBalancerArn").is_none()
    {
        v["at"] = Value::from(super::seconds(at));
        item("modifyListeners", "ModifyListener of", v)
    } else if v.get("LoadBalancerName").is_some() {
        item("classicLoadBalancers", "Classic Load Balancer", v)
    } else if v.get("DefaultActions").is_some() {
        item("listeners", "listener", v)
    } else if ["TargetType", "VpcId", "HealthCheckPath", "Protocol", "Port"]
        .iter()
        .any(|k| v.get(*k).is_some())
    {
        item("targetGroups", "target group", v)
    } else if v.get("Name").is_some() {
        item("loadBalancers", "load balancer", v)
    } else {
        return Err("JSON: not a target group, load balancer, listener or Classic Load Balancer (expected CreateTargetGroup, CreateLoadBalancer, CreateListener or ModifyListener input, or describe output)".to_string());
    };
    Ok(vec![one])
}

/// Adds the load balancing resources of pasted JSON (one object, describe output, or a list of
/// them) to `doc`, a ModifyListener call at `at`: the new document and what was added ("target
/// group web"). The scenario must load with them; the error names the field.
pub fn add_load_balancing_json(
    doc: &Value,
    text: &str,
    at: SimTime,
) -> Result<(Value, Vec<String>), String> {
    let pasted: Value = serde_json::from_str(text).map_err(|e| format!("JSON: {e}"))?;
    let objects = match pasted {
        Value::Array(list) => list,
        one => vec![one],
    };
    let mut items = Vec::new();
    for o in objects {
        match o {
            Value::Object(o) => items.extend(items_of(o, at)?),
            _ => return Err("JSON: expected an object or a list of objects".to_string()),
        }
    }
    if items.is_empty() {
        return Err("JSON: the pasted JSON holds nothing to add".to_string());
    }
    let mut doc = doc.clone();
    let mut added = Vec::new();
    for Item {
        section,
        kind,
        value,
    } in items
    {
        added.push(format!("{kind} {}", name_of(&value)));
        super::section(&mut doc, section).push(value);
    }
    Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    Ok((doc, added))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"version": 1, "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}]})
    }

    #[test]
    fn describe_target_groups_output_adds_its_groups() {
        let pasted = json!({"TargetGroups": [{
            "TargetGroupArn": "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067",
            "TargetGroupName": "my-targets", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-3ac0fb5f",
            "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port", "HealthCheckEnabled": true,
            "HealthCheckIntervalSeconds": 30, "HealthCheckTimeoutSeconds": 5, "HealthyThresholdCount": 5,
            "UnhealthyThresholdCount": 2, "HealthCheckPath": "/", "Matcher": {"HttpCode": "200"},
            "LoadBalancerArns": [], "TargetType": "instance", "ProtocolVersion": "HTTP1", "IpAddressType": "ipv4"}]});
        let (out, added) =
            add_load_balancing_json(&doc(), &pasted.to_string(), SimTime(0)).unwrap();
        assert_eq!(added, ["target group my-targets"]);
        assert_eq!(out["targetGroups"][0]["Name"], "my-targets");
        let scenario = Scenario::from_value(out).unwrap();
        assert_eq!(
            scenario.load_balancing.target_groups[0].arn,
            "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"
        );
    }

    #[test]
    fn a_classic_load_balancer_an_alb_and_its_listener_paste() {
        let clb = json!({"LoadBalancerName": "legacy", "AvailabilityZones": ["us-east-1a"],
            "Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}]});
        let (out, added) = add_load_balancing_json(&doc(), &clb.to_string(), SimTime(0)).unwrap();
        assert_eq!(added, ["Classic Load Balancer legacy"]);
        assert_eq!(out["classicLoadBalancers"][0]["LoadBalancerName"], "legacy");
        let pasted = json!([
            {"LoadBalancers": [{"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/50dc6c495c0c9188",
                "LoadBalancerName": "web-alb", "Type": "application", "Scheme": "internet-facing"}]},
            {"Name": "web", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"},
            {"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/50dc6c495c0c9188",
                "Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web"}]}]);
        let (out, added) = add_load_balancing_json(&out, &pasted.to_string(), SimTime(0)).unwrap();
        assert_eq!(
            added,
            [
                "load balancer web-alb",
                "target group web",
                "listener HTTP:80"
            ]
        );
        let scenario = Scenario::from_value(out).unwrap();
        let lb = &scenario.load_balancing;
        assert_eq!(lb.load_balancer_of(lb.find("web").unwrap()).name, "web-alb");
    }

    #[test]
    fn a_modify_listener_request_is_made_at_the_current_time() {
        // `aws elbv2 modify-listener --cli-input-json`: a ListenerArn and new DefaultActions.
        let doc: Value = serde_json::from_str(include_str!(
            "../../../public/scenarios/weighted-target-groups.json"
        ))
        .unwrap();
        let pasted = json!({"ListenerArn": "web-alb:80", "DefaultActions": [{"Type": "forward",
            "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "blue", "Weight": 1}, {"TargetGroupArn": "green", "Weight": 3}]}}]});
        let (out, added) =
            add_load_balancing_json(&doc, &pasted.to_string(), SimTime(5 * 60_000)).unwrap();
        assert_eq!(added, ["ModifyListener of web-alb:80"]);
        assert_eq!(out["modifyListeners"][2]["at"], 300.0);
        let mut sim = crate::Simulation::new(Scenario::from_value(out).unwrap());
        sim.advance_to(SimTime(6 * 60_000)).unwrap();
        assert_eq!(sim.listener_splits()[0].weights, [250, 750]);
        // A listener the scenario does not have is refused naming the field.
        let unknown = json!({"ListenerArn": "web-alb:443", "DefaultActions": [{"Type": "forward", "TargetGroupArn": "blue"}]});
        let e = add_load_balancing_json(&doc, &unknown.to_string(), SimTime(0)).unwrap_err();
        assert!(
            e.contains("modifyListeners[2].ListenerArn: ListenerNotFound"),
            "{e}"
        );
    }

    #[test]
    fn what_the_scenario_cannot_load_is_refused_naming_the_field() {
        let e = add_load_balancing_json(
            &doc(),
            r#"{"LoadBalancerName": "legacy", "Listeners": []}"#,
            SimTime(0),
        )
        .unwrap_err();
        assert!(
            e.contains("classicLoadBalancers[0].Listeners: at least one listener"),
            "{e}"
        );
        let e = add_load_balancing_json(&doc(), r#"{"Foo": 1}"#, SimTime(0)).unwrap_err();
        assert!(e.starts_with("JSON: not a target group"), "{e}");
        let e = add_load_balancing_json(&doc(), "[1]", SimTime(0)).unwrap_err();
        assert!(e.starts_with("JSON: expected an object"), "{e}");
        let e = add_load_balancing_json(&doc(), "{", SimTime(0)).unwrap_err();
        assert!(e.starts_with("JSON: "), "{e}");
    }
}
