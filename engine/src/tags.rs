//! Tags on tasks: the request's own `tags`, the tags `propagateTags` copies from the service
//! or the task definition, and the Amazon ECS managed tags of `enableECSManagedTags`.
//!
//! The rules, with their sources:
//! - CreateService and RunTask take `tags` (at most 50; a key of 1 to 128 characters, a value
//!   of up to 256; the `aws:` prefix is reserved), `propagateTags` (`TASK_DEFINITION`,
//!   `SERVICE` for a service, `NONE`; "If no value is specified, the tags aren't propagated")
//!   and `enableECSManagedTags` [API-CS], [API-RT].
//! - "Tags can only be propagated to the task during task creation" [API-CS]: a task keeps the
//!   tags it was created with. UpdateService's `propagateTags` and `enableECSManagedTags`
//!   apply to the tasks launched after it: "Only tasks launched after the update will reflect
//!   the update" [API-US].
//! - Managed tags: "Amazon ECS will tag the volume automatically with cluster and service
//!   information (aws:ecs:clusterName and aws:ecs:serviceName)"; tasks get the same [TAGS].
//! - A RunTask task carries the request's `tags`; a service task the propagated ones.
//!
//! Where AWS is silent: a standalone task's managed tags are `aws:ecs:clusterName` only
//! [unconfirmed]; when the propagated tags and the request's share a key, the request's win
//! [unconfirmed].
//!
//! Sources:
//! - [API-CS] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>
//! - [API-RT] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html>
//! - [API-US] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html>
//! - [TAGS] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-using-tags.html>

use serde_json::Value;

use crate::task_definition::ValidTaskDefinition;

/// A tag: key and value.
pub type Tag = (String, String);

/// Reads the `tags` of a request (`[{"key", "value"}]`), checked. Errors name the member.
pub fn parse_tags(raw: &Value) -> Result<Vec<Tag>, String> {
    let Some(list) = raw.get("tags").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or("tags: must be a list of {key, value}")?;
    if list.len() > 50 {
        return Err(format!(
            "tags: {} tags; a resource takes at most 50",
            list.len()
        ));
    }
    let mut out: Vec<Tag> = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let key = t
            .get("key")
            .and_then(Value::as_str)
            .filter(|k| (1..=128).contains(&k.chars().count()))
            .ok_or_else(|| format!("tags[{i}].key: required, 1 to 128 characters"))?;
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(format!(
                "tags[{i}].key: {key}: the aws: prefix is reserved for AWS use"
            ));
        }
        let value = t.get("value").and_then(Value::as_str).unwrap_or("");
        if value.chars().count() > 256 {
            return Err(format!("tags[{i}].value: at most 256 characters"));
        }
        if out.iter().any(|(k, _)| k == key) {
            return Err(format!("tags[{i}].key: {key} is given twice"));
        }
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

/// Where a task's propagated tags come from (`propagateTags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagate {
    /// `NONE`, or not given.
    None,
    /// `SERVICE`: the service's tags (services only).
    Service,
    /// `TASK_DEFINITION`: the task definition's tags.
    TaskDefinition,
}

/// Reads `propagateTags`; `service`: the request is CreateService's (RunTask refuses
/// `SERVICE`: "An error will be received if you specify the SERVICE option when running a
/// task" [API-RT]).
pub fn parse_propagate(raw: &Value, service: bool) -> Result<Propagate, String> {
    match raw.get("propagateTags").and_then(Value::as_str) {
        None | Some("NONE") => Ok(Propagate::None),
        Some("TASK_DEFINITION") => Ok(Propagate::TaskDefinition),
        Some("SERVICE") if service => Ok(Propagate::Service),
        Some("SERVICE") => Err("propagateTags: SERVICE is for a service's tasks; a task run with RunTask propagates TASK_DEFINITION or NONE".to_string()),
        Some(other) => Err(format!(
            "propagateTags: \"{other}\" is not TASK_DEFINITION, SERVICE or NONE"
        )),
    }
}

/// Checks the tagging members of a CreateService (`service`) or RunTask request.
pub fn check_request(raw: &Value, service: bool) -> Result<(), String> {
    parse_tags(raw)?;
    parse_propagate(raw, service)?;
    match raw.get("enableECSManagedTags") {
        None | Some(Value::Null | Value::Bool(_)) => Ok(()),
        Some(_) => Err("enableECSManagedTags: must be true or false".to_string()),
    }
}

/// The Amazon ECS managed tags of a task (or its EBS volume) in `cluster`, of service
/// `service` if any, when the request enables them.
pub fn managed_tags(raw: &Value, cluster: &str, service: Option<&str>) -> Vec<Tag> {
    if raw.get("enableECSManagedTags").and_then(Value::as_bool) != Some(true) {
        return Vec::new();
    }
    let mut out = vec![("aws:ecs:clusterName".to_string(), cluster.to_string())];
    if let Some(s) = service {
        out.push(("aws:ecs:serviceName".to_string(), s.to_string()));
    }
    out
}

/// The tags a new task gets from request `raw` (CreateService's, as the service keeps it, or
/// RunTask's) running `td` in `cluster`, of service `service` if any: the managed tags, the
/// propagated ones, and a RunTask's own. A request that does not parse gives none (it was
/// checked when made).
pub fn task_tags(
    raw: &Value,
    td: &ValidTaskDefinition,
    cluster: &str,
    service: Option<&str>,
) -> Vec<Tag> {
    let own = parse_tags(raw).unwrap_or_default();
    let propagated: Vec<Tag> = match parse_propagate(raw, service.is_some()) {
        Ok(Propagate::Service) => own.clone(),
        Ok(Propagate::TaskDefinition) => td
            .input
            .tags
            .iter()
            .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
            .collect(),
        _ => Vec::new(),
    };
    let mut out = managed_tags(raw, cluster, service);
    for (k, v) in propagated {
        if !out.iter().any(|(x, _)| *x == k) {
            out.push((k, v));
        }
    }
    if service.is_none() {
        for (k, v) in own {
            match out.iter_mut().find(|(x, _)| *x == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
    }
    out
}

/// Tags as the ECS API lists them: `[{"key", "value"}]`.
pub fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_aws_prefix_and_long_keys_are_refused() {
        assert!(
            parse_tags(&json!({"tags": [{"key": "aws:x", "value": "1"}]}))
                .unwrap_err()
                .starts_with("tags[0].key")
        );
        assert!(parse_tags(&json!({"tags": [{"key": "k".repeat(129)}]})).is_err());
        assert_eq!(
            parse_tags(&json!({"tags": [{"key": "team", "value": "search"}]})).unwrap(),
            vec![("team".to_string(), "search".to_string())]
        );
        assert!(parse_propagate(&json!({"propagateTags": "SERVICE"}), false).is_err());
    }
}
