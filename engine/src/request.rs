//! Members that CreateService, UpdateService and RunTask requests share, read the same way for
//! all of them.

use std::rc::Rc;

use serde_json::Value;

use crate::revisions::Revisions;
use crate::task_definition::ValidTaskDefinition;

/// `cluster`: a name or an ARN; `default` when absent (API calls that name no cluster act on
/// `default`, 2.1).
pub fn cluster_name(raw: &Value) -> String {
    match raw
        .get("cluster")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(c) => c.rsplit_once("cluster/").map_or(c, |(_, n)| n).to_string(),
        None => "default".to_string(),
    }
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

/// `launchType`: only EC2 (or none) is simulated so far; Fargate and external capacity come
/// with the capacity issue.
pub fn check_launch_type(raw: &Value) -> Result<(), String> {
    match raw
        .get("launchType")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && *s != "EC2")
    {
        Some(lt) => Err(format!(
            "launchType: {lt} is not simulated yet; this playground places EC2 tasks"
        )),
        None => Ok(()),
    }
}
