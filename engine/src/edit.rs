//! Scenario edits the UI makes: each takes the scenario document and returns a new one, so the
//! document stays the single source of truth (undo, autosave and shared links see every edit).
//! Inputs are checked here, with errors that name the field, before the document changes.

use serde_json::{json, Value};

use crate::task_definition::{parse_task_definition_value, validate};
use crate::time::SimTime;

fn section<'a>(doc: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
    if !doc.get(key).is_some_and(Value::is_array) {
        doc[key] = json!([]);
    }
    doc[key].as_array_mut().expect("just made an array")
}

/// The `field` of every entry of section `key` (`services` / `serviceName`, ...).
pub fn names(doc: &Value, key: &str, field: &str) -> Vec<String> {
    doc.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get(field).and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Where a load can go: target group names, then service names.
pub fn load_targets(doc: &Value) -> Vec<String> {
    let mut out = names(doc, "targetGroups", "Name");
    out.extend(names(doc, "services", "serviceName"));
    out
}

/// Adds a task definition pasted as text: a RegisterTaskDefinition request or
/// `describe-task-definition` output, kept verbatim. Returns the new document and the
/// family, or every problem (JSON syntax with line and column, or the fields AWS would refuse).
pub fn add_task_definition(doc: &Value, text: &str) -> Result<(Value, String), Vec<String>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )]
    })?;
    let parsed = parse_task_definition_value(&value).map_err(|e| vec![e.to_string()])?;
    let valid = validate(&parsed.input)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let mut doc = doc.clone();
    section(&mut doc, "taskDefinitions").push(value);
    Ok((doc, valid.family))
}

/// Adds `count` container instances of `instance_type` in `availability_zone`, Spot or not,
/// registering into `cluster` (none: the agent's default, `default`).
pub fn add_instances(
    doc: &Value,
    instance_type: &str,
    availability_zone: &str,
    count: u32,
    spot: bool,
    cluster: Option<&str>,
) -> Result<Value, String> {
    if crate::instance_types::lookup(instance_type).is_none() {
        return Err(format!(
            "instanceType: unknown instance type \"{instance_type}\""
        ));
    }
    if availability_zone.trim().is_empty() {
        return Err("availabilityZone: required, e.g. us-east-1a".to_string());
    }
    if count == 0 || count > 100 {
        return Err("count: 1 to 100 at a time".to_string());
    }
    let mut entry =
        json!({"instanceType": instance_type, "availabilityZone": availability_zone.trim()});
    if count > 1 {
        entry["count"] = json!(count);
    }
    if spot {
        entry["lifecycle"] = json!("spot");
    }
    if let Some(c) = cluster.map(str::trim).filter(|c| !c.is_empty()) {
        entry["ecsConfig"] = json!({"ECS_CLUSTER": c});
    }
    let mut doc = doc.clone();
    section(&mut doc, "containerInstances").push(entry);
    Ok(doc)
}

/// Adds a CreateService request: `name` running `task_definition` with `desired` tasks in
/// `cluster`, with the placement strategy `strategy` (`default`, `spread`, `binpack` or
/// `random`).
pub fn add_service(
    doc: &Value,
    name: &str,
    cluster: &str,
    task_definition: &str,
    desired: u32,
    strategy: &str,
) -> Result<Value, String> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 255
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("serviceName: 1 to 255 letters, digits, hyphens and underscores".to_string());
    }
    if names(doc, "services", "serviceName")
        .iter()
        .any(|n| n == name)
    {
        return Err(format!(
            "serviceName: a service named {name} already exists"
        ));
    }
    if task_definition.trim().is_empty() {
        return Err("taskDefinition: required".to_string());
    }
    let mut service = json!({"serviceName": name, "taskDefinition": task_definition.trim(), "desiredCount": desired});
    let cluster = cluster.trim();
    if !cluster.is_empty() && cluster != "default" {
        service["cluster"] = json!(cluster);
    }
    match strategy {
        "default" => {}
        "spread" => {
            service["placementStrategy"] = json!([{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "spread", "field": "instanceId"}])
        }
        "binpack" => service["placementStrategy"] = json!([{"type": "binpack", "field": "memory"}]),
        "random" => service["placementStrategy"] = json!([{"type": "random"}]),
        other => {
            return Err(format!(
                "placementStrategy: \"{other}\" is not default, spread, binpack or random"
            ))
        }
    }
    let mut doc = doc.clone();
    section(&mut doc, "services").push(service);
    Ok(doc)
}

/// The live load control: from `at` on, `extra` more requests per second (negative: fewer)
/// reach `target` (a target group or service name). Added as a step to the target's load
/// profile, or as a new profile, so a shared link replays it.
pub fn add_load_step(doc: &Value, target: &str, at: SimTime, extra: f64) -> Result<Value, String> {
    if !extra.is_finite() {
        return Err("requestsPerSecond: must be a number".to_string());
    }
    let is_group = names(doc, "targetGroups", "Name")
        .iter()
        .any(|n| n == target);
    let is_service = names(doc, "services", "serviceName")
        .iter()
        .any(|n| n == target);
    let key = match (is_group, is_service) {
        (true, _) => "targetGroup",
        (false, true) => "service",
        _ => return Err(format!("target: no target group or service named {target}")),
    };
    let secs = seconds(at);
    let mut doc = doc.clone();
    let profiles = section(&mut doc, "loadProfiles");
    let existing = profiles
        .iter_mut()
        .find(|p| p.get(key).and_then(Value::as_str) == Some(target));
    let component =
        json!({"type": "step", "initial": 0, "steps": [{"at": secs, "requestsPerSecond": extra}]});
    match existing {
        Some(p) => {
            let requests = p["requests"].take();
            let mut list = match requests {
                Value::Array(a) => a,
                Value::Null => Vec::new(),
                one => vec![one],
            };
            list.push(component);
            p["requests"] = Value::Array(list);
        }
        None => profiles.push(json!({key: target, "requests": [component]})),
    }
    Ok(doc)
}

/// `at` as the number of seconds a scenario writes (exact to the millisecond).
fn seconds(at: SimTime) -> f64 {
    at.as_ms() as f64 / 1000.0
}

/// Injects a fault at `at` (the UI's current time): `fault` is a `faults[]` entry without its
/// `at` (`{"type": "SpotInterruption", "instance": "i-0…"}`, `{"type": "AzOutage",
/// "availabilityZone": "us-east-1a", "duration": "PT20M"}`, ...). It is checked as the scenario
/// would check it, then appended, so undo, autosave and shared links replay it.
pub fn add_fault(doc: &Value, fault: &Value, at: SimTime) -> Result<Value, String> {
    let Some(fields) = fault.as_object() else {
        return Err("fault: must be a JSON object with a type".to_string());
    };
    let mut entry = Value::Object(fields.clone());
    entry["at"] = json!(seconds(at));
    let n = doc
        .get("faults")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    crate::faults::Fault::parse(&entry, &format!("faults[{n}]"))?;
    let mut doc = doc.clone();
    section(&mut doc, "faults").push(entry);
    Ok(doc)
}

/// Sets container instance `instance` DRAINING at `at`: an UpdateContainerInstancesState call
/// in `updateContainerInstancesState[]`.
pub fn drain_instance(doc: &Value, instance: &str, at: SimTime) -> Result<Value, String> {
    let instance = instance.trim();
    if instance.is_empty() {
        return Err("containerInstances: choose an instance".to_string());
    }
    let mut doc = doc.clone();
    section(&mut doc, "updateContainerInstancesState").push(json!({
        "at": seconds(at), "containerInstances": [instance], "status": "DRAINING"
    }));
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scenario, Simulation};

    fn corpus(name: &str) -> Option<String> {
        std::fs::read_to_string(format!(
            "{}/../../shared/corpus/task-definitions/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .ok()
    }

    #[test]
    fn a_pasted_task_definition_is_kept_verbatim_and_placed() {
        let doc = json!({"version": 1, "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}]});
        let text = r#"{"taskDefinition": {"family": "web", "revision": 7, "status": "ACTIVE",
            "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 256, "essential": true}]}}"#;
        let (doc, family) = add_task_definition(&doc, text).unwrap();
        assert_eq!(family, "web");
        assert_eq!(
            doc["taskDefinitions"][0]["taskDefinition"]["revision"], 7,
            "describe output kept as pasted"
        );
        let doc = add_service(&doc, "web", "default", "web", 2, "binpack").unwrap();
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        assert_eq!(sim.tasks().len(), 2);
    }

    #[test]
    fn bad_pastes_name_the_problem() {
        let doc = json!({"version": 1});
        let e = add_task_definition(&doc, "{\n  \"family\": \"x\",\n}").unwrap_err();
        assert!(e[0].contains("line 3"), "{e:?}");
        let e = add_task_definition(
            &doc,
            r#"{"family": "x", "containerDefinitions": [{"name": "a", "image": "b"}]}"#,
        )
        .unwrap_err();
        assert!(e.iter().any(|m| m.contains("memory")), "{e:?}");
        assert!(add_instances(&doc, "m5.huge", "a", 1, false, None)
            .unwrap_err()
            .starts_with("instanceType"));
        assert!(add_service(&doc, "a b", "default", "x", 1, "default")
            .unwrap_err()
            .starts_with("serviceName"));
        assert!(add_load_step(&doc, "nothing", SimTime(0), 5.0)
            .unwrap_err()
            .starts_with("target"));
    }

    #[test]
    fn every_loadable_corpus_task_definition_can_be_pasted() {
        let Some(dir) = std::fs::read_dir(format!(
            "{}/../../shared/corpus/task-definitions",
            env!("CARGO_MANIFEST_DIR")
        ))
        .ok() else {
            return;
        };
        let mut pasted = 0;
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(text) = corpus(&name) else { continue };
            if let Ok((doc, _)) = add_task_definition(&json!({"version": 1}), &text) {
                Scenario::from_value(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
                pasted += 1;
            }
        }
        assert!(pasted >= 50, "{pasted} corpus files pasted");
    }

    #[test]
    fn the_live_load_control_adds_and_removes_requests_from_now_on() {
        let doc = json!({"version": 1, "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}],
            "loadProfiles": [{"service": "web", "requests": {"type": "constant", "requestsPerSecond": 100}}]});
        let doc = add_load_step(&doc, "web", SimTime(60_000), 50.0).unwrap();
        let doc = add_load_step(&doc, "web", SimTime(120_000), -500.0).unwrap();
        let s = Scenario::from_value(doc).unwrap();
        let p = &s.load_profiles[0].requests;
        assert_eq!(p.rate_at(SimTime(59_000)), 100.0);
        assert_eq!(p.rate_at(SimTime(60_000)), 150.0);
        assert_eq!(p.rate_at(SimTime(120_000)), 0.0, "never below zero");
    }

    fn spot_doc() -> Value {
        json!({"version": 1, "duration": "PT30M",
            "containerInstances": [
                {"id": "i-0spot00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a",
                 "lifecycle": "spot", "ecsConfig": {"ECS_ENABLE_SPOT_INSTANCE_DRAINING": "true"}},
                {"instanceType": "m5.large", "availabilityZone": "us-east-1b", "count": 2}],
            "taskDefinitions": [{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 512}]}],
            "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 3,
                "placementStrategy": [{"type": "spread", "field": "instanceId"}]}]})
    }

    #[test]
    fn an_injected_fault_happens_at_the_time_it_was_added() {
        use crate::container_instance::InstanceStatus;
        let at = SimTime(301_500);
        let doc = add_fault(
            &spot_doc(),
            &json!({"type": "SpotInterruption", "instance": "i-0spot00000000001"}),
            at,
        )
        .unwrap();
        assert_eq!(doc["faults"][0]["at"], 301.5);
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        // Replaying up to the time of the edit includes the fault (the UI resumes there).
        sim.advance_to(at).unwrap();
        let slot = sim.cluster().find("i-0spot00000000001").unwrap();
        assert_eq!(
            sim.cluster().instances[slot].status,
            InstanceStatus::Draining
        );
        sim.advance_to(at.plus_ms(120_000)).unwrap();
        assert_eq!(
            sim.cluster().instances[slot].status,
            InstanceStatus::Inactive
        );
    }

    #[test]
    fn draining_from_the_ui_is_an_update_container_instances_state_call() {
        use crate::container_instance::InstanceStatus;
        let doc = drain_instance(&spot_doc(), " i-0spot00000000001 ", SimTime(60_000)).unwrap();
        assert_eq!(
            doc["updateContainerInstancesState"][0],
            json!({"at": 60.0, "containerInstances": ["i-0spot00000000001"], "status": "DRAINING"})
        );
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        let slot = sim.cluster().find("i-0spot00000000001").unwrap();
        assert_eq!(
            sim.cluster().instances[slot].status,
            InstanceStatus::Draining
        );
        assert!(drain_instance(&spot_doc(), " ", SimTime(0))
            .unwrap_err()
            .starts_with("containerInstances"));
    }

    #[test]
    fn bad_faults_are_refused_naming_the_field() {
        let doc = spot_doc();
        for (fault, field) in [
            (json!("SpotInterruption"), "fault"),
            (json!({"type": "Meteor"}), "faults[0].type"),
            (json!({"type": "AzOutage"}), "faults[0].availabilityZone"),
            (
                json!({"type": "AzOutage", "availabilityZone": "us-east-1a", "duration": "soon"}),
                "faults[0].duration",
            ),
            (
                json!({"type": "FargateSpotInterruption", "count": 0}),
                "faults[0].count",
            ),
            (json!({"type": "InstanceTermination"}), "faults[0].instance"),
        ] {
            let e = add_fault(&doc, &fault, SimTime(1000)).unwrap_err();
            assert!(e.starts_with(field), "{fault}: {e}");
        }
        // A document that already has faults numbers the new one after them.
        let doc = add_fault(
            &doc,
            &json!({"type": "InstanceTermination", "instance": "i-1"}),
            SimTime(0),
        )
        .unwrap();
        let e = add_fault(&doc, &json!({"type": "AzOutage"}), SimTime(0)).unwrap_err();
        assert!(e.starts_with("faults[1]"), "{e}");
    }
}
