//! Task sets from the UI (the EXTERNAL deployment controller, [`crate::task_set`]): the
//! task set list's Scale and Make primary (UpdateTaskSet, UpdateServicePrimaryTaskSet at the
//! current time), and task sets pasted from the AWS CLI: a CreateTaskSet input,
//! `aws ecs create-task-set` output, `aws ecs describe-task-sets` output, and the task sets of
//! an EXTERNAL service in `aws ecs describe-services` output.

use serde_json::{json, Value};

use super::{entries, seconds, section};
use crate::time::SimTime;
use crate::{Scenario, Simulation};

/// Appends the task set call `entry` to section `key` once the scenario's own parser of task
/// set calls accepts it.
fn append_task_set_call(doc: &Value, key: &str, entry: Value) -> Result<Value, String> {
    super::append_call(doc, key, entry, |entry, path| {
        crate::task_set::TaskSetCall::parse(key, entry, path)
    })
}

/// Sets task set `task_set` (its id or externalId) of service `service` of `cluster` to
/// `percent` % at `at`: an UpdateTaskSet call appended to `updateTaskSets[]`.
pub fn update_task_set(
    doc: &Value,
    cluster: &str,
    service: &str,
    task_set: &str,
    percent: f64,
    at: SimTime,
) -> Result<Value, String> {
    let entry = json!({"at": seconds(at), "cluster": cluster, "service": service,
        "taskSet": task_set, "scale": {"value": percent, "unit": "PERCENT"}});
    append_task_set_call(doc, "updateTaskSets", entry)
}

/// Makes task set `task_set` (its id or externalId) the primary one of service `service` of
/// `cluster` at `at`: an UpdateServicePrimaryTaskSet call appended to
/// `updateServicePrimaryTaskSets[]`.
pub fn update_primary_task_set(
    doc: &Value,
    cluster: &str,
    service: &str,
    task_set: &str,
    at: SimTime,
) -> Result<Value, String> {
    let entry = json!({"at": seconds(at), "cluster": cluster, "service": service,
        "primaryTaskSet": task_set});
    append_task_set_call(doc, "updateServicePrimaryTaskSets", entry)
}

/// Deletes task set `task_set` (its id or externalId) of service `service` of `cluster` at
/// `at`, with `force` (it may still run tasks): a DeleteTaskSet call appended to
/// `deleteTaskSets[]`.
pub fn delete_task_set(
    doc: &Value,
    cluster: &str,
    service: &str,
    task_set: &str,
    at: SimTime,
) -> Result<Value, String> {
    let entry = json!({"at": seconds(at), "cluster": cluster, "service": service,
        "taskSet": task_set, "force": true});
    append_task_set_call(doc, "deleteTaskSets", entry)
}

/// The last part of an ARN (`arn:…:service/cluster/web` is `web`).
fn last_part(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    Some(s.rsplit('/').next().unwrap_or(s).to_string()).filter(|s| !s.is_empty())
}

/// The CreateTaskSet request (made at `at` seconds) for a task set as DescribeTaskSets shows
/// it, in service `service` when the task set does not say; and an UpdateServicePrimaryTaskSet
/// when it is the PRIMARY one. A DRAINING task set is on its way out: nothing. Since the
/// simulation makes up its own ids, the task set keeps AWS's id as its `externalId` when it
/// has none, so that calls naming it still find it.
fn described_task_set(ts: &Value, service: Option<&str>, at: f64) -> Vec<(&'static str, Value)> {
    let status = ts.get("status").and_then(Value::as_str).unwrap_or("ACTIVE");
    if status == "DRAINING" {
        return Vec::new();
    }
    let service = last_part(ts.get("serviceArn")).or_else(|| service.map(str::to_string));
    // A null or empty externalId is none: AWS's id stands for it.
    let text = |key: &str| {
        ts.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let reference = text("externalId")
        .or_else(|| text("id"))
        .unwrap_or("")
        .to_string();
    let mut create =
        json!({"at": at, "service": service, "taskDefinition": ts.get("taskDefinition")});
    if let Some(cluster) = last_part(ts.get("clusterArn")) {
        create["cluster"] = json!(cluster);
    }
    if !reference.is_empty() {
        create["externalId"] = json!(reference);
    }
    for key in crate::task_set::SETTINGS.iter().chain(&["scale", "tags"]) {
        let given = ts
            .get(key)
            .filter(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
        if let Some(v) = given {
            create[key] = v.clone();
        }
    }
    let mut calls = vec![("createTaskSets", create)];
    if status == "PRIMARY" {
        let mut primary = json!({"at": at, "service": service, "primaryTaskSet": reference});
        if let Some(cluster) = last_part(ts.get("clusterArn")) {
            primary["cluster"] = json!(cluster);
        }
        calls.push(("updateServicePrimaryTaskSets", primary));
    }
    calls
}

/// An EXTERNAL service of `aws ecs describe-services` output: its `taskSets` become task set
/// calls at time zero, and the members DescribeServices copies from the primary task set
/// (which CreateService refuses for such a service) leave it.
pub(super) fn external_service_calls(service: &mut Value) -> Vec<(&'static str, Value)> {
    if !crate::task_set::is_external_controller(service) {
        return Vec::new();
    }
    let Some(sets) = service.get("taskSets").and_then(Value::as_array).cloned() else {
        return Vec::new();
    };
    let name = service
        .get("serviceName")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(o) = service.as_object_mut() {
        for key in crate::task_set::SETTINGS
            .iter()
            .chain(&["taskDefinition", "taskSets"])
        {
            o.remove(*key);
        }
    }
    // The oldest first, as they were created.
    let mut sets = sets;
    sets.reverse();
    sets.iter()
        .flat_map(|ts| described_task_set(ts, name.as_deref(), 0.0))
        .collect()
}

/// Adds the task sets of pasted JSON at `at`: a CreateTaskSet input (kept verbatim),
/// `aws ecs create-task-set` output (`{"taskSet": …}`) or `aws ecs describe-task-sets` output
/// (`{"taskSets": […]}`); or makes an UpdateTaskSet, UpdateServicePrimaryTaskSet or
/// DeleteTaskSet input (verbatim) at `at`. `None` when the JSON holds no task set (a service, say). Returns the
/// document and what was added; a refusal names the field.
pub fn add_task_sets_json(
    doc: &Value,
    text: &str,
    at: SimTime,
) -> Result<Option<(Value, Vec<String>)>, String> {
    let pasted: Value = serde_json::from_str(text).map_err(|e| format!("JSON: {e}"))?;
    let when = seconds(at);
    let calls: Vec<(&'static str, Value)> = match &pasted {
        Value::Object(o) if o.get("taskSet").is_some_and(Value::is_object) => {
            described_task_set(&o["taskSet"], None, when)
        }
        Value::Object(o)
            if o.get("taskSets").is_some_and(Value::is_array) && o.get("services").is_none() =>
        {
            let mut sets = o["taskSets"].as_array().cloned().unwrap_or_default();
            sets.reverse();
            sets.iter()
                .flat_map(|ts| described_task_set(ts, None, when))
                .collect()
        }
        Value::Object(o)
            if o.get("service").is_some_and(Value::is_string)
                && o.get("taskDefinition").is_some()
                && o.get("serviceName").is_none() =>
        {
            let mut create = pasted.clone();
            create["at"] = json!(when);
            vec![("createTaskSets", create)]
        }
        // UpdateServicePrimaryTaskSet, UpdateTaskSet and DeleteTaskSet inputs, verbatim.
        Value::Object(o) if o.get("service").is_some_and(Value::is_string) => {
            let key = if o.get("primaryTaskSet").is_some_and(Value::is_string) {
                "updateServicePrimaryTaskSets"
            } else if !o.get("taskSet").is_some_and(Value::is_string) {
                return Ok(None);
            } else if o.contains_key("scale") {
                "updateTaskSets"
            } else {
                "deleteTaskSets"
            };
            let mut call = pasted.clone();
            call["at"] = json!(when);
            vec![(key, call)]
        }
        _ => return Ok(None),
    };
    if calls.is_empty() {
        return Err("taskSets: the pasted JSON holds no task set that is not DRAINING".to_string());
    }
    let mut doc = doc.clone();
    let mut added = Vec::new();
    let mut made = Vec::new();
    // A described PRIMARY task set's UpdateServicePrimaryTaskSet goes without saying.
    let creates = calls.iter().any(|(key, _)| *key == "createTaskSets");
    for (key, call) in calls {
        let i = entries(&doc, key).count();
        let named = |member: &str| call.get(member).and_then(Value::as_str).unwrap_or("?");
        let service = named("service");
        made.push(format!("{key}[{i}]"));
        if creates && key == "updateServicePrimaryTaskSets" {
            section(&mut doc, key).push(call);
            continue;
        }
        added.push(match key {
            "createTaskSets" => format!(
                "task set {} of service {service}",
                call.get("externalId")
                    .and_then(Value::as_str)
                    .unwrap_or("(no externalId)")
            ),
            "updateServicePrimaryTaskSets" => format!(
                "UpdateServicePrimaryTaskSet {} of service {service}",
                named("primaryTaskSet")
            ),
            "updateTaskSets" => {
                format!("UpdateTaskSet {} of service {service}", named("taskSet"))
            }
            _ => format!("DeleteTaskSet {} of service {service}", named("taskSet")),
        });
        section(&mut doc, key).push(call);
    }
    let scenario = Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    // A call the run refuses is said in its event log when it is made.
    let mut sim = Simulation::new(scenario);
    sim.advance_to(at).map_err(|e| e.to_string())?;
    if let Some(e) = sim.log().entries().iter().find_map(|e| {
        made.iter()
            .any(|path| e.message.contains(&format!(": {path}.")))
            .then(|| e.message.clone())
    }) {
        return Err(e);
    }
    Ok(Some((doc, added)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The preset without its task set calls, nor the sections `more`.
    fn without(more: &[&str]) -> Value {
        let mut doc = preset();
        for key in crate::task_set::SECTIONS.iter().chain(more) {
            doc.as_object_mut().unwrap().remove(*key);
        }
        doc
    }

    fn preset() -> Value {
        serde_json::from_str(include_str!(
            "../../../public/scenarios/external-task-sets.json"
        ))
        .unwrap()
    }

    #[test]
    fn scaling_a_task_set_and_making_it_primary_append_task_set_calls() {
        let doc: Value = serde_json::from_str(include_str!(
            "../../../public/scenarios/external-task-sets.json"
        ))
        .unwrap();
        let sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        let at = SimTime(6 * 60_000);
        let doc = update_task_set(&doc, "default", "web", "green", 25.0, at).unwrap();
        let doc = update_primary_task_set(&doc, "default", "web", "green", at).unwrap();
        assert!(sim.task_sets().is_empty());
        let mut sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        sim.advance_to(SimTime(10 * 60_000)).unwrap();
        let sets = sim.task_sets();
        let green = sets.iter().find(|t| t.reference == "green").unwrap();
        assert_eq!(
            (green.status, green.scale, green.computed),
            ("PRIMARY", 25.0, 1)
        );
        assert_eq!(green.target_group.as_deref(), Some("green"));
        let blue = sets.iter().find(|t| t.reference == "blue").unwrap();
        assert_eq!((blue.status, blue.computed, blue.running), ("ACTIVE", 4, 4));
        // Deleted with force at 8 minutes, though it runs tasks: gone by 12.
        let deleted = delete_task_set(&doc, "default", "web", "blue", SimTime(8 * 60_000)).unwrap();
        let mut later = Simulation::new(Scenario::from_value(deleted).unwrap());
        later.advance_to(SimTime(12 * 60_000)).unwrap();
        assert!(later.task_sets().iter().all(|t| t.reference != "blue"));
        let e = update_task_set(&doc, "default", "web", "green", 101.0, at).unwrap_err();
        assert!(e.starts_with("updateTaskSets[2].scale.value"), "{e}");
    }

    #[test]
    fn pasted_describe_task_sets_output_adds_the_task_sets() {
        // aws ecs describe-task-sets output (the CLI example's shape), newest first.
        let doc = without(&[]);
        let pasted = json!({"taskSets": [
            {"id": "ecs-svc/1234567890123456790", "taskSetArn": "arn:aws:ecs:us-west-2:123456789012:task-set/default/web/ecs-svc/1234567890123456790",
             "status": "ACTIVE", "taskDefinition": "arn:aws:ecs:us-west-2:123456789012:task-definition/web:2",
             "computedDesiredCount": 0, "pendingCount": 0, "runningCount": 0, "launchType": "EC2",
             "loadBalancers": [{"targetGroupArn": "green", "containerName": "web", "containerPort": 8080}],
             "serviceRegistries": [], "scale": {"value": 50.0, "unit": "PERCENT"}, "stabilityStatus": "STABILIZING",
             "serviceArn": "arn:aws:ecs:us-west-2:123456789012:service/default/web",
             "clusterArn": "arn:aws:ecs:us-west-2:123456789012:cluster/default"},
            {"id": "ecs-svc/1234567890123456789", "status": "PRIMARY", "externalId": "blue",
             "taskDefinition": "arn:aws:ecs:us-west-2:123456789012:task-definition/web:1",
             "loadBalancers": [{"targetGroupArn": "blue", "containerName": "web", "containerPort": 8080}],
             "scale": {"value": 100.0, "unit": "PERCENT"},
             "serviceArn": "arn:aws:ecs:us-west-2:123456789012:service/default/web"}]});
        // The scenario loads, but its service cannot be built without a task set.
        assert!(Scenario::from_value(doc.clone()).is_ok());
        let (out, added) = add_task_sets_json(&doc, &pasted.to_string(), SimTime(0))
            .unwrap()
            .unwrap();
        assert_eq!(
            added,
            [
                "task set blue of service web",
                "task set ecs-svc/1234567890123456790 of service web"
            ]
        );
        let mut sim = Simulation::new(Scenario::from_value(out).unwrap());
        sim.advance_to(SimTime(5 * 60_000)).unwrap();
        let sets = sim.task_sets();
        assert_eq!(
            (sets[0].reference.as_str(), sets[0].status, sets[0].running),
            ("blue", "PRIMARY", 4)
        );
        assert_eq!((sets[1].status, sets[1].running), ("ACTIVE", 2));
        // A CreateTaskSet input is kept verbatim; one the run refuses names the field.
        let bad = json!({"service": "web", "taskDefinition": "web:1", "loadBalancers": [
            {"targetGroupArn": "blue", "containerName": "web", "containerPort": 8080},
            {"targetGroupArn": "green", "containerName": "web", "containerPort": 8080}]});
        let e = add_task_sets_json(&preset(), &bad.to_string(), SimTime(60_000)).unwrap_err();
        assert!(
            e.contains("createTaskSets[2].loadBalancers: 2 target groups"),
            "{e}"
        );
        // The other task set calls, pasted at 6 minutes (green exists from 5).
        let at = SimTime(6 * 60_000);
        let scale = json!({"service": "web", "taskSet": "green", "scale": {"value": 50, "unit": "PERCENT"}});
        let (out, added) = add_task_sets_json(&preset(), &scale.to_string(), at)
            .unwrap()
            .unwrap();
        assert_eq!(added, ["UpdateTaskSet green of service web"]);
        assert_eq!(out["updateTaskSets"][1]["at"], 360.0);
        let primary = json!({"service": "web", "primaryTaskSet": "green"});
        let (out, _) = add_task_sets_json(&out, &primary.to_string(), at)
            .unwrap()
            .unwrap();
        let delete = json!({"service": "web", "taskSet": "blue", "force": true});
        let (out, added) = add_task_sets_json(&out, &delete.to_string(), at)
            .unwrap()
            .unwrap();
        assert_eq!(added, ["DeleteTaskSet blue of service web"]);
        let mut sim = Simulation::new(Scenario::from_value(out).unwrap());
        sim.advance_to(SimTime(8 * 60_000)).unwrap();
        let sets = sim.task_sets();
        assert_eq!(sets.len(), 1);
        assert_eq!(
            (sets[0].reference.as_str(), sets[0].status, sets[0].computed),
            ("green", "PRIMARY", 2)
        );
        // A call the run refuses names the field.
        let missing = json!({"service": "web", "taskSet": "nope", "scale": {"value": 5}});
        let e = add_task_sets_json(&preset(), &missing.to_string(), at).unwrap_err();
        assert!(
            e.contains("updateTaskSets[1].taskSet: TaskSetNotFoundException"),
            "{e}"
        );
        // A service is not a task set.
        let service = json!({"serviceName": "api", "taskDefinition": "web:1"});
        assert!(
            add_task_sets_json(&preset(), &service.to_string(), SimTime(0))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn pasted_describe_services_output_of_an_external_service_brings_its_task_sets() {
        // The run's own describe-services output of the preset at 10 minutes, pasted into a
        // document without the service: the service and its two task sets come back.
        let mut sim = Simulation::new(Scenario::from_value(preset()).unwrap());
        sim.advance_to(SimTime(10 * 60_000)).unwrap();
        let described = json!({"services": [sim.describe()["services"][0].clone()]});
        let doc = without(&["services", "updateServices"]);
        let (out, names) =
            super::super::add_services_json(&doc, &described.to_string(), &Default::default())
                .unwrap();
        assert_eq!(names, ["web"]);
        assert!(out["services"][0].get("taskDefinition").is_none());
        assert_eq!(out["createTaskSets"].as_array().unwrap().len(), 2);
        let mut sim = Simulation::new(Scenario::from_value(out).unwrap());
        sim.advance_to(SimTime(5 * 60_000)).unwrap();
        let sets = sim.task_sets();
        assert_eq!(sets.len(), 2);
        assert_eq!(
            (sets[0].reference.as_str(), sets[0].status, sets[0].running),
            ("blue", "PRIMARY", 4)
        );
        assert_eq!(
            (sets[1].reference.as_str(), sets[1].status, sets[1].running),
            ("green", "ACTIVE", 4)
        );
    }

    #[test]
    fn pasted_describe_services_task_sets_the_scenario_lacks_are_refused_naming_the_field() {
        // A task set names its target group (CreateTaskSet loadBalancers: "you must specify a
        // targetGroupArn") and its revision; one the scenario lacks is refused, naming the
        // field, rather than the service being added with a task set that never exists.
        let mut sim = Simulation::new(Scenario::from_value(preset()).unwrap());
        sim.advance_to(SimTime(10 * 60_000)).unwrap();
        let service = sim.describe()["services"][0].clone();
        let doc = without(&["services", "updateServices"]);
        // taskSets[0] is the newest (green): the second CreateTaskSet.
        let mut lacks_group = service.clone();
        lacks_group["taskSets"][0]["loadBalancers"][0]["targetGroupArn"] = json!(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef"
        );
        let mut lacks_revision = service;
        lacks_revision["taskSets"][0]["taskDefinition"] =
            json!("arn:aws:ecs:us-east-1:123456789012:task-definition/web:9");
        for (pasted, field) in [
            (
                lacks_group,
                "createTaskSets[1].loadBalancers[0].targetGroupArn",
            ),
            (lacks_revision, "createTaskSets[1].taskDefinition"),
        ] {
            let e = super::super::add_services_json(
                &doc,
                &json!({"services": [pasted]}).to_string(),
                &Default::default(),
            )
            .unwrap_err();
            assert!(e.contains(field), "{e}");
        }
    }

    #[test]
    fn a_pasted_task_set_with_a_null_external_id_keeps_its_aws_id() {
        // TaskSet.externalId is optional ("The external ID associated with the task set"); a
        // null one is none, so the task set keeps AWS's id as its externalId and, PRIMARY,
        // is made primary again by that id.
        let doc = without(&[]);
        let pasted = json!({"taskSets": [{"id": "ecs-svc/1234567890123456789", "status": "PRIMARY",
            "externalId": null, "taskDefinition": "web:1",
            "loadBalancers": [{"targetGroupArn": "blue", "containerName": "web", "containerPort": 8080}],
            "scale": {"value": 100.0, "unit": "PERCENT"},
            "serviceArn": "arn:aws:ecs:us-west-2:123456789012:service/default/web"}]});
        let (out, added) = add_task_sets_json(&doc, &pasted.to_string(), SimTime(0))
            .unwrap()
            .unwrap();
        assert_eq!(
            added,
            ["task set ecs-svc/1234567890123456789 of service web"]
        );
        let mut sim = Simulation::new(Scenario::from_value(out).unwrap());
        sim.advance_to(SimTime(5 * 60_000)).unwrap();
        let sets = sim.task_sets();
        assert_eq!((sets[0].status, sets[0].running), ("PRIMARY", 4));
    }
}
