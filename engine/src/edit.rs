//! Scenario edits the UI makes: each takes the scenario document and returns a new one, so the
//! document stays the single source of truth (undo, autosave and shared links see every edit).
//! Inputs are checked here, with errors that name the field, before the document changes.

use serde_json::{json, Value};

use crate::task_definition::check_task_definition;
use crate::time::SimTime;

mod auto_scaling_group;
mod load_balancing;
mod options;
mod run_task;
mod scaling_json;
mod service;
mod task_sets;
pub use auto_scaling_group::{
    add_auto_scaling_group, cancel_instance_refresh, complete_lifecycle_actions, put_warm_pool,
    set_group_capacity, start_instance_refresh, AutoScalingGroupForm, CapacityProviderForm,
    GroupCapacity, RefreshChoice, WarmPoolChoice,
};
pub use load_balancing::add_load_balancing_json;
pub use options::{
    assumption_value, reset_assumptions, set_assumption, Assumption, OptionKind, ASSUMPTIONS,
};
pub use run_task::{run_task, RunTaskForm};
pub use scaling_json::add_scaling_json;
pub use service::{
    add_service, add_services_json, service_choices, PastedServiceDefaults, ProviderShare,
    ServiceChoices, ServiceForm, StrategyRow, TargetGroupLink,
};
pub use task_sets::{
    add_task_sets_json, delete_task_set, update_primary_task_set, update_task_set,
};

/// The list `key` of the document, made an empty list first when it is missing or not one.
pub(crate) fn section<'a>(doc: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
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

/// Where a load can go: target group names, Classic Load Balancer names, then service names,
/// then the SQS queues that have a producer (a `loadProfiles[]` entry with `queue`, which names the consuming service).
pub fn load_targets(doc: &Value) -> Vec<String> {
    let mut out = names(doc, "targetGroups", "Name");
    out.extend(names(doc, "classicLoadBalancers", "LoadBalancerName"));
    out.extend(names(doc, "services", "serviceName"));
    for queue in names(doc, "queues", "QueueName") {
        if receiving_profile(doc, "queue", &queue).is_some() {
            out.push(queue);
        }
    }
    out.extend(crate::service_connect::client_targets(doc));
    out.extend(crate::service_discovery::dns_targets(doc));
    out
}

/// Adds a task definition pasted as text: a RegisterTaskDefinition request or
/// `describe-task-definition` output, kept verbatim. Returns the new document and the
/// family, or every problem (JSON syntax with line and column, or the fields AWS would refuse).
pub fn add_task_definition(doc: &Value, text: &str) -> Result<(Value, String), Vec<String>> {
    let (value, _, valid) = check_task_definition(text)
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
    attributes: &str,
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
    let attributes = custom_attributes(attributes)?;
    if !attributes.is_empty() {
        entry["attributes"] = Value::Object(attributes);
    }
    let mut doc = doc.clone();
    section(&mut doc, "containerInstances").push(entry);
    Ok(doc)
}

/// Custom attributes typed as `name=value` or `name` (no value) pairs separated by commas,
/// as a `containerInstances[].attributes` object, checked with the rules of PutAttributes
/// (2.5) the agent applies when the instance registers.
fn custom_attributes(text: &str) -> Result<serde_json::Map<String, Value>, String> {
    let mut out = serde_json::Map::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = match pair.split_once('=') {
            Some((n, v)) => (n.trim(), json!(v.trim())),
            None => (pair, Value::Null),
        };
        if name.is_empty() {
            return Err(format!(
                "attributes: \"{pair}\" has no name; write name=value"
            ));
        }
        if name.starts_with("ecs.") {
            return Err(format!(
                "attributes.{name}: the ecs. prefix is reserved for the attributes ECS sets"
            ));
        }
        crate::container_instance::check_custom_attribute(name, value.as_str().unwrap_or(""))?;
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// The live load control: from `at` on, `extra` more requests per second (negative: fewer)
/// reach `target` (a target group, service or queue name; for a queue, messages sent per
/// second). Added as a step to the target's load profile, or as a new profile, so a shared
/// link replays it. A queue needs a producer profile already: only it names the consumer.
pub fn add_load_step(doc: &Value, target: &str, at: SimTime, extra: f64) -> Result<Value, String> {
    if !extra.is_finite() {
        return Err("requestsPerSecond: must be a number".to_string());
    }
    let key = crate::load::pattern::target_key(doc, target)?;
    let secs = seconds(at);
    let receiving = receiving_profile(doc, key, target);
    let mut doc = doc.clone();
    let profiles = section(&mut doc, "loadProfiles");
    let existing = receiving.and_then(|i| profiles.get_mut(i));
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
        None if key == "queue" => return Err(no_producer(target)),
        None => {
            let mut p = crate::load::pattern::target_members(key, target);
            p["requests"] = json!([component]);
            profiles.push(p);
        }
    }
    Ok(doc)
}

/// What `target`'s rate counts, for the live load control: `messages/s` sent to an SQS
/// queue, else `requests/s`; the target is told apart as [`add_load_step`] tells it.
pub fn load_rate_unit(doc: &Value, target: &str) -> &'static str {
    match crate::load::pattern::target_key(doc, target) {
        Ok("queue") => "messages/s",
        _ => "requests/s",
    }
}

/// Why a queue without a producer cannot take a load.
pub(crate) fn no_producer(queue: &str) -> String {
    format!("queue: {queue} has no producer; add a loadProfiles entry with \"queue\": \"{queue}\" and \"consumer\", the service that takes the messages")
}

/// The index of the load profile the live load control adds its steps to: the first whose
/// `key` (`targetGroup`, `service` or `queue`) names `target`.
fn receiving_profile(doc: &Value, key: &str, target: &str) -> Option<usize> {
    entries(doc, "loadProfiles").position(|p| crate::load::pattern::names_target(p, key, target))
}

/// The load profiles (indexes into the scenario's) that send requests to `target`: a target
/// group, by name or ARN, a service name or a queue name, as [`load_targets`] lists them.
fn profiles_of(scenario: &crate::Scenario, target: &str) -> Vec<usize> {
    use crate::load::LoadTarget;
    let group = scenario.load_balancing.find(target);
    (0..scenario.load_profiles.len())
        .filter(|&i| match &scenario.load_profiles[i].target {
            LoadTarget::TargetGroup(g) => {
                g == target || (group.is_some() && scenario.load_balancing.find(g) == group)
            }
            LoadTarget::Service(s) => s == target,
            LoadTarget::Queue { queue, .. } => queue == target,
            LoadTarget::ServiceConnect {
                address, client, ..
            } => target
                .split_once(crate::service_connect::TARGET_ARROW)
                .is_some_and(|(c, a)| {
                    c == client && crate::service_connect::same_address(a, address)
                }),
            LoadTarget::ServiceDiscovery(name) => {
                crate::service_discovery::parse_dns_target(target, "").as_deref() == Ok(name)
            }
        })
        .collect()
}

/// The requests per second the scenario's load profiles offer `target` at `at`.
pub fn offered_load(scenario: &crate::Scenario, target: &str, at: SimTime) -> f64 {
    profiles_of(scenario, target)
        .into_iter()
        .map(|i| scenario.load_profiles[i].requests.rate_at(at))
        .fold(0.0, |a, b| a + b)
}

/// The live load control as a rate: from `at` on, `target` gets `rate` requests per second in
/// all, by a step (see [`add_load_step`]) that brings the receiving profile to what the
/// other profiles of `target` leave. Refused when those alone offer more than `rate`.
pub fn set_load_now(doc: &Value, target: &str, at: SimTime, rate: f64) -> Result<Value, String> {
    if !rate.is_finite() || rate < 0.0 {
        return Err("requestsPerSecond: must be a number of at least 0".to_string());
    }
    let key = crate::load::pattern::target_key(doc, target)?;
    let scenario = crate::Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    let receiving = receiving_profile(doc, key, target);
    let others: f64 = profiles_of(&scenario, target)
        .into_iter()
        .filter(|&i| Some(i) != receiving)
        .map(|i| scenario.load_profiles[i].requests.rate_at(at))
        .sum();
    if others > rate {
        return Err(format!(
            "requestsPerSecond: other load profiles of {target} offer {others} requests/s at this time; the control cannot go below that"
        ));
    }
    let now = receiving.map_or(0.0, |i| scenario.load_profiles[i].requests.sum_at(at));
    add_load_step(doc, target, at, rate - others - now)
}

/// `at` as the number of seconds a scenario writes (exact to the millisecond).
pub(crate) fn seconds(at: SimTime) -> f64 {
    at.as_ms() as f64 / 1000.0
}

/// `at` for a call that acts on what the UI shows at `at`: one millisecond later. The moment
/// shown has run its timers (a pause hook that began then, a deployment that started), while
/// a scenario call at that same moment is made before them and would miss what it answers.
fn just_after(at: SimTime) -> f64 {
    seconds(at.plus_ms(1))
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

/// Stops task `task` of `cluster` at `at`: a StopTask call appended to `stopTasks[]`, with
/// `reason` when it is not blank. The run is deterministic, so the ID names the same task when
/// the scenario replays.
pub fn stop_task(
    doc: &Value,
    cluster: &str,
    task: &str,
    reason: &str,
    at: SimTime,
) -> Result<Value, String> {
    let mut entry = json!({"at": seconds(at), "cluster": cluster, "task": task.trim()});
    if !reason.trim().is_empty() {
        entry["reason"] = json!(reason.trim());
    }
    let path = format!("stopTasks[{}]", entries(doc, "stopTasks").count());
    crate::stop_task::StopTaskCall::parse(&entry, &path)?;
    let mut doc = doc.clone();
    section(&mut doc, "stopTasks").push(entry);
    Ok(doc)
}

/// ECS Exec into task `task` of `cluster` at `at`: an ExecuteCommand call appended to
/// `executeCommands[]`, interactive as ECS requires, in `container` when it is not blank.
pub fn execute_command(
    doc: &Value,
    cluster: &str,
    task: &str,
    container: &str,
    command: &str,
    at: SimTime,
) -> Result<Value, String> {
    let mut entry = json!({"at": seconds(at), "cluster": cluster, "task": task.trim(),
        "command": command.trim(), "interactive": true});
    if !container.trim().is_empty() {
        entry["container"] = json!(container.trim());
    }
    let path = format!(
        "executeCommands[{}]",
        entries(doc, "executeCommands").count()
    );
    crate::execute_command::ExecuteCommandCall::parse(&entry, &path)?;
    let mut doc = doc.clone();
    section(&mut doc, "executeCommands").push(entry);
    Ok(doc)
}

/// Deregisters container instance `instance` of `cluster` at `at`: a
/// DeregisterContainerInstance call appended to `deregisterContainerInstances[]`, with
/// `force` to orphan the tasks still on it.
pub fn deregister_instance(
    doc: &Value,
    cluster: &str,
    instance: &str,
    force: bool,
    at: SimTime,
) -> Result<Value, String> {
    let entry = json!({"at": seconds(at), "cluster": cluster, "containerInstance": instance.trim(), "force": force});
    let key = "deregisterContainerInstances";
    append_call(doc, key, entry, |entry, path| {
        crate::deregister_instance::DeregisterCall::parse(entry, path)
    })
}

/// Deletes service `service` of `cluster` at `at`: a DeleteService call with `force` true (so
/// the service need not be scaled to 0 first) appended to `deleteServices[]`.
pub fn delete_service(
    doc: &Value,
    cluster: &str,
    service: &str,
    at: SimTime,
) -> Result<Value, String> {
    let entry =
        json!({"at": seconds(at), "cluster": cluster, "service": service.trim(), "force": true});
    let path = format!("deleteServices[{}]", entries(doc, "deleteServices").count());
    crate::delete_service::DeleteServiceCall::parse(&entry, &path)?;
    let mut doc = doc.clone();
    section(&mut doc, "deleteServices").push(entry);
    Ok(doc)
}

/// Deregisters revision `family_revision` at `at` (`delete`: deletes it): a
/// DeregisterTaskDefinition call appended to `deregisterTaskDefinitions[]`, or a
/// DeleteTaskDefinitions call to `deleteTaskDefinitions[]` ([`crate::task_definition_state`]).
pub fn change_task_definition(
    doc: &Value,
    family_revision: &str,
    delete: bool,
    at: SimTime,
) -> Result<Value, String> {
    use crate::task_definition_state::TaskDefinitionCall;
    let (key, entry) = if delete {
        (
            "deleteTaskDefinitions",
            json!({"at": seconds(at), "taskDefinitions": [family_revision.trim()]}),
        )
    } else {
        (
            "deregisterTaskDefinitions",
            json!({"at": seconds(at), "taskDefinition": family_revision.trim()}),
        )
    };
    append_call(doc, key, entry, |entry, path| {
        if delete {
            TaskDefinitionCall::parse_delete(entry, path)
        } else {
            TaskDefinitionCall::parse_deregister(entry, path)
        }
    })
}

/// Redeploys service `service` of `cluster` just after `at`: an UpdateService call with
/// `forceNewDeployment` appended to `updateServices[]`. Its new tasks resolve the Service
/// Connect endpoints of their namespace as they are then.
pub fn force_new_deployment(
    doc: &Value,
    cluster: &str,
    service: &str,
    at: SimTime,
) -> Result<Value, String> {
    let known = entries(doc, "services").any(|s| {
        s.get("serviceName").and_then(Value::as_str) == Some(service.trim())
            && crate::request::cluster_name(s) == cluster
    });
    if !known {
        return Err(format!(
            "service: ServiceNotFoundException: no service {service} in cluster {cluster}"
        ));
    }
    let entry = json!({"at": just_after(at), "cluster": cluster, "service": service.trim(),
        "forceNewDeployment": true});
    let mut doc = doc.clone();
    section(&mut doc, "updateServices").push(entry);
    Ok(doc)
}

/// Stops the deployment `arn` (a service deployment ARN, as
/// [`crate::Simulation::deployment_in_progress_arn`] gives it) just after `at` and rolls it back: a
/// StopServiceDeployment call with `stopType` ROLLBACK appended to `stopServiceDeployments[]`.
pub fn stop_service_deployment(doc: &Value, arn: &str, at: SimTime) -> Result<Value, String> {
    let key = "stopServiceDeployments";
    let entry = json!({"at": just_after(at), "serviceDeploymentArn": arn, "stopType": "ROLLBACK"});
    append_call(doc, key, entry, |entry, path| {
        crate::stop_service_deployment::StopServiceDeploymentCall::parse(entry, path)
    })
}

/// Resolves the pause hook `hook_id` of deployment `arn` just after `at` with `action` (`CONTINUE` or
/// `ROLLBACK`): a ContinueServiceDeployment call appended to `continueServiceDeployments[]`.
pub fn continue_service_deployment(
    doc: &Value,
    arn: &str,
    hook_id: &str,
    action: &str,
    at: SimTime,
) -> Result<Value, String> {
    let key = "continueServiceDeployments";
    let entry = json!({"at": just_after(at), "serviceDeploymentArn": arn, "hookId": hook_id, "action": action});
    append_call(doc, key, entry, |entry, path| {
        crate::deployment_lifecycle_hook::ContinueServiceDeploymentCall::parse(entry, path)
    })
}

/// Deploys `task_definition` to CODE_DEPLOY service `service` just after `at` through its
/// CodeDeploy deployment group: a CreateDeployment request, with a JSON AppSpec naming the
/// service's container behind its load balancer, appended to `createDeployments[]` and checked
/// as the scenario checks it.
pub fn create_deployment(
    doc: &Value,
    group: &crate::code_deploy::DeploymentGroup,
    task_definition: &str,
    container: (&str, u16),
    at: SimTime,
) -> Result<Value, String> {
    let key = "createDeployments";
    let appspec = json!({"version": 0.0, "Resources": [{"TargetService": {
        "Type": "AWS::ECS::Service",
        "Properties": {"TaskDefinition": task_definition,
            "LoadBalancerInfo": {"ContainerName": container.0, "ContainerPort": container.1}}}}]});
    let entry = json!({"at": just_after(at), "applicationName": group.application,
        "deploymentGroupName": group.name,
        "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec.to_string()}}});
    let mut doc = doc.clone();
    section(&mut doc, key).push(entry);
    crate::scenario::Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    Ok(doc)
}

/// ContinueDeployment of CodeDeploy deployment `id` just after `at`: `wait` READY_WAIT
/// (reroute production traffic) or TERMINATION_WAIT (stop the original task set now).
pub fn continue_deployment(
    doc: &Value,
    id: &str,
    wait: &str,
    at: SimTime,
) -> Result<Value, String> {
    let key = "continueDeployments";
    let entry = json!({"at": just_after(at), "deploymentId": id, "deploymentWaitType": wait});
    append_call(doc, key, entry, |entry, path| {
        crate::code_deploy::ContinueDeploymentCall::parse(entry, path)
    })
}

/// StopDeployment of CodeDeploy deployment `id` just after `at`, rolling back
/// (`autoRollbackEnabled`).
pub fn stop_deployment(doc: &Value, id: &str, at: SimTime) -> Result<Value, String> {
    let key = "stopDeployments";
    let entry = json!({"at": just_after(at), "deploymentId": id, "autoRollbackEnabled": true});
    append_call(doc, key, entry, |entry, path| {
        crate::code_deploy::StopDeploymentCall::parse(entry, path)
    })
}

/// Shifts listener `listener` (its ARN) at `at`: a ModifyListener call appended to
/// `modifyListeners[]` whose `ForwardConfig` sends `percent` % to target group `groups[0]`
/// and the rest to `groups[1]`. The caller checks the document as the scenario checks it.
pub fn shift_listener(
    doc: &Value,
    listener: &str,
    groups: [&str; 2],
    percent: u32,
    at: SimTime,
) -> Result<Value, String> {
    let key = "modifyListeners";
    if percent > 100 {
        return Err(format!(
            "{key}[{}].DefaultActions[0].ForwardConfig.TargetGroups[0].Weight: {percent} % is more than 100 %",
            entries(doc, key).count()
        ));
    }
    let entry = json!({"at": seconds(at), "ListenerArn": listener,
        "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": groups[0], "Weight": percent},
            {"TargetGroupArn": groups[1], "Weight": 100 - percent}]}}]});
    let mut doc = doc.clone();
    section(&mut doc, key).push(entry);
    Ok(doc)
}

/// Sets custom attribute `name` (`value` may be blank) on container instance `instance` of
/// `cluster` at `at`: a PutAttributes call appended to `putAttributes[]`, checked as the
/// scenario checks it (2.5).
pub fn put_attribute(
    doc: &Value,
    cluster: &str,
    instance: &str,
    name: &str,
    value: &str,
    at: SimTime,
) -> Result<Value, String> {
    let mut attribute = json!({"name": name.trim(), "targetType": "container-instance", "targetId": instance.trim()});
    if !value.trim().is_empty() {
        attribute["value"] = json!(value.trim());
    }
    attribute_call(doc, "putAttributes", cluster, attribute, at)
}

/// Takes custom attribute `name` off container instance `instance` of `cluster` at `at`: a
/// DeleteAttributes call appended to `deleteAttributes[]`.
pub fn delete_attribute(
    doc: &Value,
    cluster: &str,
    instance: &str,
    name: &str,
    at: SimTime,
) -> Result<Value, String> {
    let attribute = json!({"name": name.trim(), "targetType": "container-instance", "targetId": instance.trim()});
    attribute_call(doc, "deleteAttributes", cluster, attribute, at)
}

fn attribute_call(
    doc: &Value,
    key: &str,
    cluster: &str,
    attribute: Value,
    at: SimTime,
) -> Result<Value, String> {
    let entry = json!({"at": seconds(at), "cluster": cluster, "attributes": [attribute]});
    append_call(doc, key, entry, |entry, path| {
        crate::attributes::AttributeCall::parse(entry, path, key == "deleteAttributes")
    })
}

/// Uploads an object by hand at `at` (the UI's current time): a PutObject call appended to
/// `putObjects[]`, so undo, autosave and shared links replay it. A blank `key` becomes
/// `upload-N`, numbered after the bucket's earlier uploads by hand. Checked as the scenario would
/// check it (the bucket must exist).
pub fn put_object(doc: &Value, bucket: &str, key: &str, at: SimTime) -> Result<Value, String> {
    let bucket = bucket.trim();
    let key = match key.trim() {
        "" => {
            let earlier = entries(doc, "putObjects")
                .filter(|p| p.get("Bucket").and_then(Value::as_str) == Some(bucket))
                .filter(|p| {
                    p.get("Key")
                        .and_then(Value::as_str)
                        .is_some_and(|k| k.starts_with("upload-"))
                })
                .count();
            format!("upload-{}", earlier + 1)
        }
        k => k.to_string(),
    };
    let entry = json!({"Bucket": bucket, "Key": key, "at": seconds(at)});
    let buckets: Vec<Value> = entries(doc, "buckets").cloned().collect();
    let n = entries(doc, "putObjects").count();
    crate::s3::parse_buckets(&buckets)
        .and_then(|b| crate::s3::parse_uploads(std::slice::from_ref(&entry), &b))
        .map_err(|e| e.replacen("putObjects[0]", &format!("putObjects[{n}]"), 1))?;
    let mut doc = doc.clone();
    section(&mut doc, "putObjects").push(entry);
    Ok(doc)
}

/// The Application Auto Scaling `ResourceId` of service `service`:
/// `service/<cluster>/<service>` (the cluster's name; `default` when the service names none).
pub fn service_resource_id(doc: &Value, service: &str) -> Result<String, String> {
    let service = service.trim();
    let entry = entries(doc, "services")
        .find(|s| s.get("serviceName").and_then(Value::as_str) == Some(service))
        .ok_or_else(|| format!("ResourceId: no service named \"{service}\" in the scenario"))?;
    Ok(format!(
        "service/{}/{service}",
        crate::request::cluster_name(entry)
    ))
}

/// Appends call `entry` to section `key` once `check`, the scenario's own parser given the
/// entry and the path it will have (`stopDeployments[2]`), accepts it.
fn append_call<T>(
    doc: &Value,
    key: &str,
    entry: Value,
    check: impl FnOnce(&Value, &str) -> Result<T, String>,
) -> Result<Value, String> {
    let path = format!("{key}[{}]", entries(doc, key).count());
    check(&entry, &path)?;
    let mut doc = doc.clone();
    section(&mut doc, key).push(entry);
    Ok(doc)
}

/// How many entries the document's `key` section has.
fn len_of(doc: &Value, key: &str) -> usize {
    doc.get(key).and_then(Value::as_array).map_or(0, Vec::len)
}

/// The entries of the document's `key` section.
pub(crate) fn entries<'a>(doc: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    doc.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// Whether section `key` has an entry for `resource_id` whose `field` is `name`.
fn named_for(doc: &Value, key: &str, field: &str, name: &str, resource_id: &str) -> bool {
    entries(doc, key).any(|e| {
        e.get(field).and_then(Value::as_str) == Some(name)
            && e.get("ResourceId").and_then(Value::as_str) == Some(resource_id)
    })
}

/// RegisterScalableTarget for `resource_id` with `min`..`max`: a new entry of
/// `scalableTargets[]`, or (as AWS does for a target already registered) new bounds for it.
fn register_scalable_target(
    doc: &mut Value,
    resource_id: &str,
    min: u32,
    max: u32,
) -> Result<(), String> {
    let mut entry = entries(doc, "scalableTargets")
        .find(|t| t.get("ResourceId").and_then(Value::as_str) == Some(resource_id))
        .cloned()
        .unwrap_or_else(|| {
            json!({"ServiceNamespace": "ecs", "ResourceId": resource_id,
                "ScalableDimension": "ecs:service:DesiredCount"})
        });
    entry["MinCapacity"] = json!(min);
    entry["MaxCapacity"] = json!(max);
    put_scalable_target(doc, entry)
}

/// RegisterScalableTarget request `entry` (checked): a new entry of `scalableTargets[]`, or in
/// place of the entry registered for its `ResourceId`, as AWS updates a registered target.
fn put_scalable_target(doc: &mut Value, entry: Value) -> Result<(), String> {
    let resource_id = entry.get("ResourceId").and_then(Value::as_str);
    let targets = section(doc, "scalableTargets");
    let existing = targets
        .iter()
        .position(|t| t.get("ResourceId").and_then(Value::as_str) == resource_id);
    let i = existing.unwrap_or(targets.len());
    crate::autoscaling::ScalableTargetRequest::parse(&entry, &format!("scalableTargets[{i}]"))?;
    match existing {
        Some(i) => targets[i] = entry,
        None => targets.push(entry),
    }
    Ok(())
}

/// Whether `resource_id` has a scalable target in the document.
fn has_scalable_target(doc: &Value, resource_id: &str) -> bool {
    entries(doc, "scalableTargets")
        .any(|t| t.get("ResourceId").and_then(Value::as_str) == Some(resource_id))
}

/// Appends PutScalingPolicy `policy` (checked, with a name not yet used for its target).
fn put_scaling_policy(doc: &mut Value, policy: Value) -> Result<(), String> {
    let path = format!("scalingPolicies[{}]", len_of(doc, "scalingPolicies"));
    let parsed = crate::autoscaling::PolicyRequest::parse(&policy, &path)?;
    if named_for(
        doc,
        "scalingPolicies",
        "PolicyName",
        &parsed.name,
        &parsed.resource_id,
    ) {
        return Err(format!(
            "{path}.PolicyName: {} already has a policy named {}",
            parsed.resource_id, parsed.name
        ));
    }
    section(doc, "scalingPolicies").push(policy);
    Ok(())
}

/// The metrics a target tracking policy added from the UI can track (its
/// `PredefinedMetricType`).
pub const TRACKED_METRICS: [&str; 3] = [
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ALBRequestCountPerTarget",
];

/// The `ResourceLabel` of the first target group of service `service`
/// (`app/<lb>/<id>/targetgroup/<name>/<id>`; the engine matches the target group's name).
fn resource_label(doc: &Value, service: &str) -> Option<String> {
    let entry = entries(doc, "services")
        .find(|s| s.get("serviceName").and_then(Value::as_str) == Some(service))?;
    let lb = entry.get("loadBalancers")?.as_array()?.first()?;
    let group = lb
        .get("targetGroupArn")
        .or_else(|| lb.get("targetGroupName"))
        .and_then(Value::as_str)?;
    let name = match group.split_once("targetgroup/") {
        Some((_, rest)) => rest.split('/').next().unwrap_or(rest),
        None => group,
    };
    (!name.is_empty()).then(|| format!("app/playground-alb/1/targetgroup/{name}/1"))
}

/// Adds a target tracking policy `name` to service `service`: `metric` (one of
/// [`TRACKED_METRICS`]) kept at `target_value`, between `min` and `max` tasks. The scalable
/// target is registered when missing, or given these bounds. Checked with the engine's own
/// parsers, so errors name the field (`scalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue`).
pub fn add_target_tracking_policy(
    doc: &Value,
    service: &str,
    name: &str,
    metric: &str,
    target_value: f64,
    (min, max): (u32, u32),
) -> Result<Value, String> {
    let resource_id = service_resource_id(doc, service)?;
    let path = format!("scalingPolicies[{}]", len_of(doc, "scalingPolicies"));
    let mut spec = json!({"PredefinedMetricType": metric});
    if metric == "ALBRequestCountPerTarget" {
        let label = resource_label(doc, service.trim()).ok_or_else(|| {
            format!("{path}.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel: service {} has no target group to count requests of", service.trim())
        })?;
        spec["ResourceLabel"] = json!(label);
    }
    // A value JSON cannot hold (NaN, infinity) becomes null, which the parser refuses.
    let target = Value::from(target_value);
    let policy = json!({
        "PolicyName": name.trim(),
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": target,
            "PredefinedMetricSpecification": spec,
        },
    });
    let mut doc = doc.clone();
    register_scalable_target(&mut doc, &resource_id, min, max)?;
    put_scaling_policy(&mut doc, policy)?;
    Ok(doc)
}

/// The metric pairs a predictive scaling policy added from the UI can forecast with (its
/// `PredefinedMetricPairSpecification.PredefinedMetricType`).
pub const PREDICTIVE_METRICS: [&str; 3] = [
    "ECSServiceCPUUtilization",
    "ECSServiceMemoryUtilization",
    "ALBRequestCount",
];

/// A predictive scaling policy as the UI's form asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictivePolicyForm {
    /// The service it scales.
    pub service: String,
    /// `PolicyName`.
    pub name: String,
    /// One of [`PREDICTIVE_METRICS`].
    pub metric: String,
    /// `TargetValue`: percent of a task, or requests a task a minute.
    pub target_value: f64,
    /// `Mode`: `ForecastAndScale` or `ForecastOnly`.
    pub mode: String,
    /// `SchedulingBufferTime` in seconds.
    pub buffer_s: u32,
    /// The scalable target's `MinCapacity`.
    pub min: u32,
    /// The scalable target's `MaxCapacity`.
    pub max: u32,
}

/// Adds a predictive scaling policy (PutScalingPolicy `PredictiveScaling` with a predefined
/// metric pair) to the form's service, registering its scalable target or giving it the
/// form's bounds. Checked with the engine's own parsers, so errors name the field
/// (`scalingPolicies[0].PredictiveScalingPolicyConfiguration.SchedulingBufferTime`).
pub fn add_predictive_policy(doc: &Value, form: &PredictivePolicyForm) -> Result<Value, String> {
    let service = form.service.trim();
    let resource_id = service_resource_id(doc, service)?;
    let path = format!("scalingPolicies[{}]", len_of(doc, "scalingPolicies"));
    let mut pair = json!({"PredefinedMetricType": form.metric});
    if form.metric == "ALBRequestCount" {
        let label = resource_label(doc, service).ok_or_else(|| {
            format!("{path}.PredictiveScalingPolicyConfiguration.MetricSpecifications[0].PredefinedMetricPairSpecification.ResourceLabel: service {service} has no target group to count requests of")
        })?;
        pair["ResourceLabel"] = json!(label);
    }
    let target = Value::from(form.target_value);
    let policy = json!({
        "PolicyName": form.name.trim(),
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "PredictiveScaling",
        "PredictiveScalingPolicyConfiguration": {
            "MetricSpecifications": [{"TargetValue": target, "PredefinedMetricPairSpecification": pair}],
            "Mode": form.mode,
            "SchedulingBufferTime": form.buffer_s,
        },
    });
    let mut doc = doc.clone();
    register_scalable_target(&mut doc, &resource_id, form.min, form.max)?;
    put_scaling_policy(&mut doc, policy)?;
    Ok(doc)
}

/// A step scaling policy with the CloudWatch alarm that triggers it, as the UI's form asks
/// for it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepPolicyForm {
    /// The service it scales.
    pub service: String,
    /// `PolicyName`; the alarm is named `<name>-alarm`.
    pub name: String,
    /// `CPUUtilization` or `MemoryUtilization` of the service (AWS/ECS).
    pub metric: String,
    /// True: scale out when the metric is at or above `threshold`; false: scale in when it
    /// is below.
    pub scale_out: bool,
    /// The alarm's `Threshold`, in percent.
    pub threshold: f64,
    /// The alarm's `EvaluationPeriods` of one minute.
    pub evaluation_periods: u64,
    /// Tasks added (scale out) or removed (scale in) each time: `ScalingAdjustment`.
    pub tasks: u32,
    /// `Cooldown`, seconds.
    pub cooldown_s: u64,
    /// Bounds of the scalable target (registered when missing, else updated).
    pub min: u32,
    /// See `min`.
    pub max: u32,
}

/// Adds a step scaling policy (`ChangeInCapacity`, one step from the threshold on) and its
/// PutMetricAlarm request, whose `AlarmActions` name the policy. Checked with the engine's
/// parsers, so errors name the field.
pub fn add_step_scaling_policy(doc: &Value, form: &StepPolicyForm) -> Result<Value, String> {
    let resource_id = service_resource_id(doc, &form.service)?;
    let path = format!("scalingPolicies[{}]", len_of(doc, "scalingPolicies"));
    if form.tasks == 0 {
        return Err(format!("{path}.StepScalingPolicyConfiguration.StepAdjustments[0].ScalingAdjustment: at least 1 task"));
    }
    let name = form.name.trim();
    let adjustment = i64::from(form.tasks);
    let (step, comparison) = if form.scale_out {
        (
            json!({"MetricIntervalLowerBound": 0, "ScalingAdjustment": adjustment}),
            "GreaterThanOrEqualToThreshold",
        )
    } else {
        (
            json!({"MetricIntervalUpperBound": 0, "ScalingAdjustment": -adjustment}),
            "LessThanThreshold",
        )
    };
    let policy = json!({
        "PolicyName": name,
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ChangeInCapacity",
            "Cooldown": form.cooldown_s,
            "MetricAggregationType": "Average",
            "StepAdjustments": [step],
        },
    });
    let mut parts = resource_id.split('/').skip(1);
    let (cluster, service) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let threshold = Value::from(form.threshold);
    let alarm = json!({
        "AlarmName": format!("{name}-alarm"),
        "Namespace": "AWS/ECS",
        "MetricName": form.metric,
        "Dimensions": [{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": service}],
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": form.evaluation_periods,
        "Threshold": threshold,
        "ComparisonOperator": comparison,
        "AlarmActions": [name],
    });
    let alarm_path = format!("alarms[{}]", len_of(doc, "alarms"));
    if !matches!(form.metric.as_str(), "CPUUtilization" | "MemoryUtilization") {
        return Err(format!(
            "{alarm_path}.MetricName: \"{}\" is not CPUUtilization or MemoryUtilization",
            form.metric
        ));
    }
    let mut doc = doc.clone();
    put_alarm(&mut doc, alarm)?;
    register_scalable_target(&mut doc, &resource_id, form.min, form.max)?;
    put_scaling_policy(&mut doc, policy)?;
    Ok(doc)
}

/// Appends PutMetricAlarm `alarm` (checked, with a name no alarm has yet).
fn put_alarm(doc: &mut Value, alarm: Value) -> Result<(), String> {
    let path = format!("alarms[{}]", len_of(doc, "alarms"));
    crate::cloudwatch::Alarm::parse(&alarm, &path)?;
    let name = alarm.get("AlarmName").and_then(Value::as_str).unwrap_or("");
    if names(doc, "alarms", "AlarmName").iter().any(|n| n == name) {
        return Err(format!(
            "{path}.AlarmName: an alarm named {name} already exists"
        ));
    }
    section(doc, "alarms").push(alarm);
    Ok(())
}

/// Appends EC2 Auto Scaling PutScalingPolicy `policy` to `autoScalingPolicies[]`, checked
/// against the document's groups (and their capacity providers, 6.4), with a name not yet
/// used for its group.
fn put_group_policy(doc: &mut Value, policy: Value) -> Result<(), String> {
    let path = format!(
        "autoScalingPolicies[{}]",
        len_of(doc, "autoScalingPolicies")
    );
    let text = |k: &str| {
        policy
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (name, group) = (text("PolicyName"), text("AutoScalingGroupName"));
    if entries(doc, "autoScalingPolicies").any(|p| {
        p.get("PolicyName").and_then(Value::as_str) == Some(name.as_str())
            && p.get("AutoScalingGroupName").and_then(Value::as_str) == Some(group.as_str())
    }) {
        return Err(format!(
            "{path}.PolicyName: group {group} already has a policy named {name}"
        ));
    }
    let mut with = doc.clone();
    section(&mut with, "autoScalingPolicies").push(policy);
    crate::Scenario::from_value(with.clone()).map_err(|e| e.to_string())?;
    *doc = with;
    Ok(())
}

/// Appends PutScheduledAction `action` (checked, with a name not yet used for its target).
fn put_scheduled_action(doc: &mut Value, action: Value) -> Result<(), String> {
    let path = format!("scheduledActions[{}]", len_of(doc, "scheduledActions"));
    crate::autoscaling::scheduled::ScheduledActionRequest::parse(&action, &path)?;
    let text = |k: &str| action.get(k).and_then(Value::as_str).unwrap_or("");
    let (name, resource_id) = (text("ScheduledActionName"), text("ResourceId"));
    if named_for(
        doc,
        "scheduledActions",
        "ScheduledActionName",
        name,
        resource_id,
    ) {
        return Err(format!(
            "{path}.ScheduledActionName: {resource_id} already has an action named {name}"
        ));
    }
    section(doc, "scheduledActions").push(action);
    Ok(())
}

/// Adds PutScheduledAction `name` for service `service`: at `schedule` (`at(...)`,
/// `rate(...)` or `cron(...)`) in `timezone` (IANA; none: UTC), set the scalable target's
/// minimum and/or maximum. A service without a scalable target gets one when both bounds are
/// given. Checked with the engine's parsers, so errors name the field.
pub fn add_scheduled_action(
    doc: &Value,
    service: &str,
    name: &str,
    schedule: &str,
    timezone: Option<&str>,
    (min, max): (Option<u32>, Option<u32>),
) -> Result<Value, String> {
    let resource_id = service_resource_id(doc, service)?;
    let path = format!("scheduledActions[{}]", len_of(doc, "scheduledActions"));
    let mut action = json!({
        "ScheduledActionName": name.trim(),
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": "ecs:service:DesiredCount",
        "Schedule": schedule.trim(),
        "ScalableTargetAction": {},
    });
    if let Some(z) = timezone.map(str::trim).filter(|z| !z.is_empty()) {
        action["Timezone"] = json!(z);
    }
    if let Some(m) = min {
        action["ScalableTargetAction"]["MinCapacity"] = json!(m);
    }
    if let Some(m) = max {
        action["ScalableTargetAction"]["MaxCapacity"] = json!(m);
    }
    if min.is_none() && max.is_none() {
        return Err(format!(
            "{path}.ScalableTargetAction: give a MinCapacity, a MaxCapacity or both"
        ));
    }
    let mut doc = doc.clone();
    put_scheduled_action(&mut doc, action)?;
    if !has_scalable_target(&doc, &resource_id) {
        match (min, max) {
            (Some(min), Some(max)) => register_scalable_target(&mut doc, &resource_id, min, max)?,
            _ => {
                return Err(format!(
                    "{path}.ResourceId: {resource_id} has no scalable target yet; give both MinCapacity and MaxCapacity to register one"
                ))
            }
        }
    }
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
    fn continue_service_deployment_appends_the_request_and_checks_it() {
        let arn = "arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/7";
        let doc = json!({"version": 1});
        let out =
            continue_service_deployment(&doc, arn, "ecs-pause-7-1", "ROLLBACK", SimTime(90_000))
                .unwrap();
        assert_eq!(
            out["continueServiceDeployments"],
            json!([{"at": 90.001, "serviceDeploymentArn": arn, "hookId": "ecs-pause-7-1", "action": "ROLLBACK"}])
        );
        assert!(Scenario::from_value(out.clone()).is_ok());
        let e = continue_service_deployment(&out, arn, "ecs-pause-7-1", "ABORT", SimTime(0))
            .unwrap_err();
        assert!(e.starts_with("continueServiceDeployments[1].action"), "{e}");
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
        let form = ServiceForm {
            name: "web".to_string(),
            task_definition: "web".to_string(),
            desired: 2,
            placement_strategy: vec![StrategyRow {
                kind: "binpack".to_string(),
                field: "memory".to_string(),
            }],
            ..ServiceForm::default()
        };
        let doc = add_service(&doc, &form).unwrap();
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
        assert!(add_instances(&doc, "m5.huge", "a", 1, false, None, "")
            .unwrap_err()
            .starts_with("instanceType"));
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

    #[test]
    fn the_live_load_control_sets_a_rate_whatever_the_profile_sums_to() {
        // 100/s constant, then a step that took it below zero (floored at 0): setting 200
        // must give 200, not what the negative sum would leave.
        let doc = json!({"version": 1, "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}],
            "loadProfiles": [{"service": "web", "requests": {"type": "constant", "requestsPerSecond": 100}}]});
        let doc = add_load_step(&doc, "web", SimTime(60_000), -500.0).unwrap();
        let doc = set_load_now(&doc, "web", SimTime(120_000), 200.0).unwrap();
        let doc = set_load_now(&doc, "web", SimTime(180_000), 50.0).unwrap();
        let s = Scenario::from_value(doc.clone()).unwrap();
        assert_eq!(offered_load(&s, "web", SimTime(119_000)), 0.0);
        assert_eq!(
            format!("{:.0}", offered_load(&s, "nothing", SimTime(0))),
            "0",
            "no profile: 0, not -0"
        );
        assert_eq!(offered_load(&s, "web", SimTime(120_000)), 200.0);
        assert_eq!(offered_load(&s, "web", SimTime(180_000)), 50.0);
        // A second profile of the same service: the control cannot go below what it offers.
        let mut two = doc.clone();
        two["loadProfiles"].as_array_mut().unwrap().push(
            json!({"service": "web", "requests": {"type": "constant", "requestsPerSecond": 80}}),
        );
        assert_eq!(
            set_load_now(&two, "web", SimTime(240_000), 30.0).unwrap_err(),
            "requestsPerSecond: other load profiles of web offer 80 requests/s at this time; the control cannot go below that"
        );
        let two = set_load_now(&two, "web", SimTime(240_000), 300.0).unwrap();
        let s = Scenario::from_value(two).unwrap();
        assert_eq!(offered_load(&s, "web", SimTime(240_000)), 300.0);
        assert!(set_load_now(&doc, "web", SimTime(0), -1.0).is_err());
    }

    /// 9.4: producers send messages to a queue at a rate; the live load control sets that
    /// rate like a request rate, on the queue's producer profile (which names the consumer).
    #[test]
    fn the_live_load_control_sets_a_queue_producers_rate() {
        let doc = json!({"version": 1, "duration": "PT10M",
            "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}],
            "queues": [{"QueueName": "jobs"}, {"QueueName": "idle"}],
            "taskDefinitions": [{"family": "worker", "containerDefinitions": [{"name": "w", "image": "w", "essential": true, "memory": 256}]}],
            "services": [{"serviceName": "worker", "taskDefinition": "worker", "desiredCount": 0}],
            "loadProfiles": [{"queue": "jobs", "consumer": "worker", "requests": {"type": "constant", "requestsPerSecond": 10}}]});
        assert_eq!(
            load_targets(&doc),
            ["worker", "jobs"],
            "a queue without a producer is no target"
        );
        assert_eq!(
            [load_rate_unit(&doc, "jobs"), load_rate_unit(&doc, "worker")],
            ["messages/s", "requests/s"]
        );
        let doc2 = set_load_now(&doc, "jobs", SimTime(120_000), 40.0).unwrap();
        let s = Scenario::from_value(doc2.clone()).unwrap();
        assert_eq!(offered_load(&s, "jobs", SimTime(60_000)), 10.0);
        assert_eq!(offered_load(&s, "jobs", SimTime(120_000)), 40.0);
        // No consumer: the messages pile up, 10/s for 2 minutes then 40/s (the second at
        // 240 s included).
        let mut sim = Simulation::new(s);
        sim.advance_to(SimTime(240_000)).unwrap();
        let backlog = sim.queues()[0].backlog;
        assert_eq!(backlog, 10.0 * 120.0 + 40.0 * 121.0);
        assert_eq!(
            set_load_now(&doc, "idle", SimTime(0), 5.0).unwrap_err(),
            "queue: idle has no producer; add a loadProfiles entry with \"queue\": \"idle\" and \"consumer\", the service that takes the messages"
        );
    }

    /// 9.3: an object uploaded by hand raises Object Created at the time of the upload; the
    /// rule of the S3 → EventBridge → Fargate architecture matches it and runs a task.
    #[test]
    fn an_upload_by_hand_raises_object_created_when_it_is_made() {
        let text = include_str!("../../public/scenarios/arch-s3-eventbridge-fargate.json");
        let doc: Value = serde_json::from_str(text).unwrap();
        let (at, end) = (SimTime(15 * 60_000), SimTime(20 * 60_000));
        let matched = |doc: &Value, t: SimTime| {
            let mut sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
            sim.advance_to(t).unwrap();
            sim.event_rule_matches().iter().sum::<u64>()
        };
        let before = matched(&doc, end);
        let with = put_object(&doc, "uploads", "", at).unwrap();
        let entry = with["putObjects"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(
            entry,
            json!({"Bucket": "uploads", "Key": "upload-1", "at": 900.0})
        );
        assert_eq!(
            put_object(&with, "uploads", " ", at).unwrap()["putObjects"][2]["Key"],
            "upload-2",
            "numbered after the earlier upload by hand"
        );
        let just_before = SimTime(at.as_ms() - 1_000);
        assert_eq!(
            matched(&with, just_before),
            matched(&doc, just_before),
            "nothing before the upload"
        );
        assert_eq!(matched(&with, end), before + 1);
        let mut sim = Simulation::new(Scenario::from_value(with).unwrap());
        sim.advance_to(end).unwrap();
        let bucket = sim.buckets().iter().find(|b| b.name == "uploads").unwrap();
        assert!(bucket.objects.contains_key("upload-1"));
        let e = put_object(&doc, "nope", "a.csv", at).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "putObjects[{}].Bucket: NoSuchBucket",
                doc["putObjects"].as_array().unwrap().len()
            )),
            "{e}"
        );
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
    fn deregistering_from_the_ui_is_a_deregister_container_instance_call() {
        use crate::container_instance::InstanceStatus;
        let doc = deregister_instance(
            &spot_doc(),
            "default",
            " i-0spot00000000001 ",
            true,
            SimTime(60_000),
        )
        .unwrap();
        assert_eq!(
            doc["deregisterContainerInstances"][0],
            json!({"at": 60.0, "cluster": "default", "containerInstance": "i-0spot00000000001", "force": true})
        );
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        let slot = sim.cluster().find("i-0spot00000000001").unwrap();
        assert_eq!(
            sim.cluster().instances[slot].status,
            InstanceStatus::Inactive
        );
        assert!(
            deregister_instance(&spot_doc(), "default", " ", false, SimTime(0))
                .unwrap_err()
                .starts_with("deregisterContainerInstances[0].containerInstance")
        );
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

    /// Service web with 2 tasks at about 78 % CPU (800 requests per second), no scaling.
    fn busy_doc() -> Value {
        json!({"version": 1, "duration": "PT1H",
            "containerInstances": [{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1a", "count": 3, "ecsConfig": {"ECS_CLUSTER": "prod"}}],
            "taskDefinitions": [{"family": "web", "cpu": "512", "memory": "1024", "containerDefinitions": [{"name": "web", "image": "nginx", "essential": true, "memory": 512}]}],
            "services": [{"serviceName": "web", "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "taskDefinition": "web", "desiredCount": 2}],
            "loadProfiles": [{"service": "web", "requests": {"type": "constant", "requestsPerSecond": 800},
                "cost": {"cpuUnitMsPerRequest": 1024, "baselineMemoryMiB": 200}}]})
    }

    #[test]
    fn shifting_a_listener_appends_a_modify_listener_call() {
        let doc: Value = serde_json::from_str(include_str!(
            "../../public/scenarios/weighted-target-groups.json"
        ))
        .unwrap();
        let sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        let split = sim.listener_splits()[0].clone();
        assert_eq!(
            (split.listener.as_str(), split.weights),
            ("HTTP:80", [900, 100])
        );
        let groups = [split.groups[0].as_str(), split.groups[1].as_str()];
        let shifted = shift_listener(&doc, &split.arn, groups, 30, SimTime(5 * 60_000)).unwrap();
        assert_eq!(shifted["modifyListeners"].as_array().unwrap().len(), 3);
        let mut sim = Simulation::new(Scenario::from_value(shifted).unwrap());
        sim.advance_to(SimTime(10 * 60_000)).unwrap();
        assert_eq!(sim.listener_splits()[0].weights, [300, 700]);
        let e = shift_listener(&doc, &split.arn, groups, 150, SimTime(0)).unwrap_err();
        assert!(
            e.starts_with(
                "modifyListeners[2].DefaultActions[0].ForwardConfig.TargetGroups[0].Weight"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_predictive_policy_from_the_form_is_a_put_scaling_policy_request() {
        let form = PredictivePolicyForm {
            service: "web".into(),
            name: "forecast".into(),
            metric: "ECSServiceCPUUtilization".into(),
            target_value: 40.0,
            mode: "ForecastAndScale".into(),
            buffer_s: 600,
            min: 2,
            max: 8,
        };
        let doc = add_predictive_policy(&busy_doc(), &form).unwrap();
        let policy = &doc["scalingPolicies"][0];
        assert_eq!(policy["PolicyType"], "PredictiveScaling");
        let config = &policy["PredictiveScalingPolicyConfiguration"];
        assert_eq!(config["Mode"], "ForecastAndScale");
        assert_eq!(config["SchedulingBufferTime"], 600);
        assert_eq!(config["MetricSpecifications"][0]["TargetValue"], 40.0);
        assert_eq!(doc["scalableTargets"][0]["MaxCapacity"], 8);
        let sim = Simulation::new(Scenario::from_value(doc).unwrap());
        assert_eq!(sim.predictive_outlook(0)[0].policy, "forecast");
        // Refusals name the field: a buffer above an hour, ALB requests without a target group.
        let e = add_predictive_policy(
            &busy_doc(),
            &PredictivePolicyForm {
                buffer_s: 3601,
                ..form.clone()
            },
        )
        .unwrap_err();
        assert!(
            e.starts_with(
                "scalingPolicies[0].PredictiveScalingPolicyConfiguration.SchedulingBufferTime"
            ),
            "{e}"
        );
        let e = add_predictive_policy(
            &busy_doc(),
            &PredictivePolicyForm {
                metric: "ALBRequestCount".into(),
                ..form
            },
        )
        .unwrap_err();
        assert!(
            e.ends_with("service web has no target group to count requests of"),
            "{e}"
        );
    }

    #[test]
    fn a_target_tracking_policy_from_the_form_scales_the_service_out() {
        let doc = busy_doc();
        assert_eq!(
            service_resource_id(&doc, "web").unwrap(),
            "service/prod/web"
        );
        let doc = add_target_tracking_policy(
            &doc,
            "web",
            "cpu50",
            "ECSServiceAverageCPUUtilization",
            50.0,
            (2, 6),
        )
        .unwrap();
        assert_eq!(doc["scalableTargets"][0]["ResourceId"], "service/prod/web");
        assert_eq!(doc["scalableTargets"][0]["MaxCapacity"], 6);
        assert_eq!(
            doc["scalingPolicies"][0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"],
            50.0
        );
        let mut sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        sim.advance_to(SimTime(15 * 60_000)).unwrap();
        assert!(
            sim.services()[0].desired_count > 2,
            "scaled out: {}",
            sim.services()[0].desired_count
        );
        // A second policy on the same target updates the bounds, and a name can be used once.
        let memory = |doc: &Value| {
            add_target_tracking_policy(
                doc,
                "web",
                "mem",
                "ECSServiceAverageMemoryUtilization",
                70.0,
                (1, 8),
            )
        };
        let doc = memory(&doc).unwrap();
        assert_eq!(doc["scalableTargets"].as_array().unwrap().len(), 1);
        assert_eq!(doc["scalableTargets"][0]["MinCapacity"], 1);
        let e = memory(&doc).unwrap_err();
        assert!(e.starts_with("scalingPolicies[2].PolicyName"), "{e}");
    }

    #[test]
    fn bad_scaling_input_is_refused_naming_the_field() {
        let doc = busy_doc();
        let tt = |service: &str, name: &str, metric: &str, value: f64, bounds| {
            add_target_tracking_policy(&doc, service, name, metric, value, bounds).unwrap_err()
        };
        for (e, field) in [
            (tt("nope", "p", "ECSServiceAverageCPUUtilization", 50.0, (1, 2)), "ResourceId"),
            (tt("web", " ", "ECSServiceAverageCPUUtilization", 50.0, (1, 2)), "scalingPolicies[0].PolicyName"),
            (tt("web", "p", "Requests", 50.0, (1, 2)), "scalingPolicies[0].TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType"),
            (tt("web", "p", "ECSServiceAverageCPUUtilization", f64::NAN, (1, 2)), "scalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue"),
            (tt("web", "p", "ECSServiceAverageCPUUtilization", -3.0, (1, 2)), "scalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue"),
            (tt("web", "p", "ECSServiceAverageCPUUtilization", 50.0, (5, 2)), "scalableTargets[0].MaxCapacity"),
            (tt("web", "p", "ALBRequestCountPerTarget", 50.0, (1, 2)), "scalingPolicies[0].TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel"),
        ] {
            assert!(e.starts_with(field), "{field}: {e}");
        }
        let step = StepPolicyForm {
            service: "web".into(),
            name: "out".into(),
            metric: "CPUUtilization".into(),
            scale_out: true,
            threshold: 70.0,
            evaluation_periods: 2,
            tasks: 2,
            cooldown_s: 60,
            min: 2,
            max: 10,
        };
        for (form, field) in [
            (StepPolicyForm { tasks: 0, ..step.clone() }, "scalingPolicies[0].StepScalingPolicyConfiguration.StepAdjustments[0].ScalingAdjustment"),
            (StepPolicyForm { evaluation_periods: 0, ..step.clone() }, "alarms[0].EvaluationPeriods"),
            (StepPolicyForm { threshold: f64::INFINITY, ..step.clone() }, "alarms[0].Threshold"),
            (StepPolicyForm { metric: "Latency".into(), ..step.clone() }, "alarms[0].MetricName"),
            (StepPolicyForm { name: String::new(), ..step.clone() }, "scalingPolicies[0].PolicyName"),
        ] {
            let e = add_step_scaling_policy(&doc, &form).unwrap_err();
            assert!(e.starts_with(field), "{field}: {e}");
        }
        let sched = |schedule: &str, zone: Option<&str>, bounds| {
            add_scheduled_action(&doc, "web", "night", schedule, zone, bounds).unwrap_err()
        };
        for (e, field) in [
            (
                sched("rate(5 hour)", None, (Some(1), Some(2))),
                "scheduledActions[0].Schedule",
            ),
            (
                sched("cron(0 8 * * *)", None, (Some(1), Some(2))),
                "scheduledActions[0].Schedule",
            ),
            (
                sched("rate(1 hour)", Some("Mars/Olympus"), (Some(1), Some(2))),
                "scheduledActions[0].Timezone",
            ),
            (
                sched("rate(1 hour)", None, (None, None)),
                "scheduledActions[0].ScalableTargetAction",
            ),
            (
                sched("rate(1 hour)", None, (Some(1), None)),
                "scheduledActions[0].ResourceId",
            ),
        ] {
            assert!(e.starts_with(field), "{field}: {e}");
        }
    }

    #[test]
    fn a_step_policy_and_its_alarm_scale_out_and_the_alarm_state_is_charted() {
        let form = StepPolicyForm {
            service: "web".into(),
            name: "cpu-out".into(),
            metric: "CPUUtilization".into(),
            scale_out: true,
            threshold: 60.0,
            evaluation_periods: 2,
            tasks: 2,
            cooldown_s: 120,
            min: 2,
            max: 10,
        };
        let doc = add_step_scaling_policy(&busy_doc(), &form).unwrap();
        assert_eq!(doc["alarms"][0]["AlarmActions"], json!(["cpu-out"]));
        assert_eq!(
            doc["alarms"][0]["Dimensions"][0],
            json!({"Name": "ClusterName", "Value": "prod"})
        );
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(10 * 60_000)).unwrap();
        assert!(sim.services()[0].desired_count >= 4);
        let state =
            &sim.time_series().series[&crate::autoscaling::alarm_state_series("cpu-out-alarm")];
        assert_eq!(state.len(), sim.time_series().timestamps_ms.len());
        assert!(state.contains(&1.0), "{state:?}");
        assert_eq!(state[0], 0.0, "no data yet: not in ALARM");
    }

    #[test]
    fn a_scheduled_action_from_the_form_sets_the_bounds() {
        let doc = add_scheduled_action(
            &busy_doc(),
            "web",
            "burst",
            "at(2025-01-01T00:05:00)",
            Some("UTC"),
            (Some(5), Some(8)),
        )
        .unwrap();
        assert_eq!(doc["scalableTargets"][0]["MinCapacity"], 5);
        let mut doc = doc;
        doc["startTime"] = json!("2025-01-01");
        let mut sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        sim.advance_to(SimTime(7 * 60_000)).unwrap();
        assert_eq!(sim.services()[0].desired_count, 5);
        let e = add_scheduled_action(&doc, "web", "burst", "rate(1 hour)", None, (Some(1), None))
            .unwrap_err();
        assert!(
            e.starts_with("scheduledActions[1].ScheduledActionName"),
            "{e}"
        );
    }

    /// Custom attributes typed in the form (2.5) reach the instance, and a memberOf
    /// constraint on them (4.3) places only there.
    #[test]
    fn custom_attributes_of_added_instances_drive_member_of() {
        let doc = json!({"version": 1, "taskDefinitions": [{"family": "w",
            "containerDefinitions": [{"name": "w", "image": "nginx", "memory": 128}]}]});
        let doc = add_instances(&doc, "m5.large", "us-east-1a", 2, false, None, "").unwrap();
        let doc = add_instances(
            &doc,
            "m5.large",
            "us-east-1b",
            1,
            false,
            None,
            "team=blue, gpu",
        )
        .unwrap();
        assert_eq!(
            doc["containerInstances"][1]["attributes"],
            json!({"team": "blue", "gpu": null})
        );
        let mut doc = doc;
        doc["services"] = json!([{"serviceName": "s", "taskDefinition": "w", "desiredCount": 3,
            "placementConstraints": [{"type": "memberOf", "expression": "attribute:team == blue"}]}]);
        let mut sim = crate::Simulation::new(crate::Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        let hosts: Vec<&str> = sim
            .tasks()
            .iter()
            .filter(|t| t.is_active())
            .map(|t| {
                sim.cluster().instances[t.reservation.slot]
                    .availability_zone
                    .as_str()
            })
            .collect();
        assert_eq!(hosts, vec!["us-east-1b"; 3]);
        let inst = &sim.cluster().instances[2];
        assert_eq!(inst.attributes.get("gpu").map(String::as_str), Some(""));

        let e = add_instances(
            &json!({"version": 1}),
            "m5.large",
            "a",
            1,
            false,
            None,
            "ecs.os-type=x",
        );
        assert!(e.unwrap_err().starts_with("attributes.ecs.os-type:"));
        let e = add_instances(
            &json!({"version": 1}),
            "m5.large",
            "a",
            1,
            false,
            None,
            "a b=c",
        );
        assert!(e.unwrap_err().starts_with("attributes: \"a b\""));
    }

    #[test]
    fn put_and_delete_attribute_append_checked_calls() {
        let doc = json!({"version": 1});
        let at = SimTime(90_000);
        let doc = put_attribute(&doc, "prod", "i-1", "stack", "blue", at).unwrap();
        assert_eq!(
            doc["putAttributes"][0],
            json!({"at": 90.0, "cluster": "prod", "attributes": [
                {"name": "stack", "value": "blue", "targetType": "container-instance", "targetId": "i-1"}]})
        );
        let doc = delete_attribute(&doc, "prod", "i-1", "stack", at).unwrap();
        assert_eq!(doc["deleteAttributes"][0]["attributes"][0]["name"], "stack");
        let e = put_attribute(&doc, "prod", "i-1", "ecs.os-type", "", at).unwrap_err();
        assert!(e.starts_with("putAttributes[1].attributes[0].name"), "{e}");
        let e = put_attribute(&doc, "prod", "", "stack", "", at).unwrap_err();
        assert!(
            e.starts_with("putAttributes[1].attributes[0].targetId"),
            "{e}"
        );
    }

    #[test]
    fn stop_task_appends_a_checked_call() {
        let doc = stop_task(
            &json!({"version": 1}),
            "prod",
            "abc123",
            " ",
            SimTime(60_000),
        )
        .unwrap();
        assert_eq!(
            doc["stopTasks"][0],
            json!({"at": 60.0, "cluster": "prod", "task": "abc123"})
        );
        let e = stop_task(&doc, "prod", "", "", SimTime(0)).unwrap_err();
        assert!(e.starts_with("stopTasks[1].task"), "{e}");
    }

    #[test]
    fn execute_command_appends_an_interactive_call() {
        let doc = execute_command(
            &json!({"version": 1}),
            "prod",
            "abc123",
            "",
            " /bin/sh ",
            SimTime(60_000),
        )
        .unwrap();
        assert_eq!(
            doc["executeCommands"][0],
            json!({"at": 60.0, "cluster": "prod", "task": "abc123", "command": "/bin/sh", "interactive": true})
        );
        let e = execute_command(&doc, "prod", "abc123", "web", " ", SimTime(0)).unwrap_err();
        assert!(e.starts_with("executeCommands[1].command"), "{e}");
    }

    #[test]
    fn delete_service_appends_a_forced_call() {
        let doc = delete_service(&json!({"version": 1}), "prod", "web", SimTime(90_000)).unwrap();
        assert_eq!(
            doc["deleteServices"][0],
            json!({"at": 90.0, "cluster": "prod", "service": "web", "force": true})
        );
        assert!(delete_service(&doc, "prod", " ", SimTime(0))
            .unwrap_err()
            .starts_with("deleteServices[1].service"));
    }
}
