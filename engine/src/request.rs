//! Members that CreateService, UpdateService and RunTask requests share, read the same way for
//! all of them.

use std::rc::Rc;

use serde_json::Value;

use crate::revisions::Revisions;
use crate::task_definition::ValidTaskDefinition;

/// Member `key` of a request body `v` that must be a string when present; `path` names `v`
/// in the error.
pub fn optional_text<'a>(v: &'a Value, key: &str, path: &str) -> Result<Option<&'a str>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("{path}.{key}: must be a string")),
    }
}

/// Member `key` of a request body `v` that must be a boolean when present (false when
/// absent), such as `force`; `path` names `v` in the error.
pub fn optional_flag(v: &Value, key: &str, path: &str) -> Result<bool, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("{path}.{key}: must be true or false")),
    }
}

/// `cluster`: a name or an ARN; `default` when absent (API calls that name no cluster act on
/// `default`, 2.1). A service pasted from describe-services output names it as `clusterArn`.
pub fn cluster_name(raw: &Value) -> String {
    let named = |key: &str| {
        raw.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match named("cluster").or_else(|| named("clusterArn")) {
        Some(c) => c.rsplit_once("cluster/").map_or(c, |(_, n)| n).to_string(),
        None => "default".to_string(),
    }
}

/// The `cluster` (its name) and `task` (its ID: an ARN's last part; required) of a call on
/// one task, such as StopTask or ExecuteCommand; `path` names `v` in errors.
pub fn task_call_target(v: &Value, path: &str) -> Result<(String, String), String> {
    optional_text(v, "cluster", path)?;
    let task = optional_text(v, "task", path)?
        .map(|t| t.rsplit('/').next().unwrap_or(t).trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("{path}.task: required, the task's ARN or ID"))?;
    Ok((cluster_name(v), task.to_string()))
}

/// `taskDefinition`, resolved to (`family:revision`, definition).
pub fn task_definition(
    raw: &Value,
    revisions: &Revisions,
) -> Result<(String, Rc<ValidTaskDefinition>), String> {
    let reference = raw
        .get("taskDefinition")
        .and_then(Value::as_str)
        .ok_or("taskDefinition: required")?;
    revisions
        .resolve(reference)
        .map_err(|e| format!("taskDefinition: {e}"))
}

/// Whether the request asks for `launchType: EXTERNAL` (ECS Anywhere).
pub fn is_external(raw: &Value) -> bool {
    raw.get("launchType").and_then(Value::as_str) == Some("EXTERNAL")
}

/// `networkConfiguration.awsvpcConfiguration.subnets` of an awsvpc task (required there,
/// [API-ECS]); `None` for other network modes.
pub fn awsvpc_subnets(
    raw: &Value,
    td: &ValidTaskDefinition,
) -> Result<Option<Vec<String>>, String> {
    if td.network_mode != crate::task_definition::NetworkMode::Awsvpc {
        return Ok(None);
    }
    let subnets: Vec<String> = crate::request::string_list(
        raw.pointer("/networkConfiguration/awsvpcConfiguration/subnets"),
    );
    if subnets.is_empty() {
        return Err("networkConfiguration.awsvpcConfiguration.subnets: required for a task definition in the awsvpc network mode".to_string());
    }
    Ok(Some(subnets))
}

/// The Availability Zones of the known subnets among `subnets`; `None` (no LOCATION check)
/// when none of them is known to the scenario.
pub fn subnet_zones(
    subnets: &[String],
    known: &std::collections::BTreeMap<String, String>,
) -> Option<Vec<String>> {
    let mut zones: Vec<String> = subnets
        .iter()
        .filter_map(|s| known.get(s).cloned())
        .collect();
    zones.sort();
    zones.dedup();
    (!zones.is_empty()).then_some(zones)
}

/// The strings of a JSON list (`["a", "b"]`), skipping anything else; empty when absent.
pub(crate) fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
