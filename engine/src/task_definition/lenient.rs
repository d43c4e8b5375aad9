//! Normalisation before typed parsing: the leniencies listed in the module documentation,
//! each reported as a warning, and unknown keys reported with their path.

use serde_json::Value;

use super::known_members::{Member, READ_ONLY, SHAPES};
use super::units::{parse_task_cpu, parse_task_memory};
use super::{FieldWarning, TaskDefinitionError};

/// Optional enum or ARN members where `""` means absent.
const EMPTY_MEANS_ABSENT: &[&str] = &[
    "networkMode",
    "pidMode",
    "ipcMode",
    "appProtocol",
    "taskRoleArn",
    "executionRoleArn",
    "cpu",
    "memory",
    "protocol",
];

/// Returns the request object with leniencies applied, or a refusal naming the field.
pub fn normalise(
    value: &Value,
    warnings: &mut Vec<FieldWarning>,
) -> Result<Value, TaskDefinitionError> {
    let mut obj = match value {
        Value::Object(o) => o.clone(),
        Value::Array(_) => {
            return Err(TaskDefinitionError::at(
                "",
                "ClientException: this is a bare list of container definitions; a task definition is an object with \"family\" and \"containerDefinitions\"",
            ))
        }
        other => return Err(TaskDefinitionError::at("", format!("ClientException: a task definition is a JSON object, not {other}"))),
    };
    // describe-task-definition output.
    if let Some(Value::Object(inner)) = obj.get("taskDefinition") {
        let mut inner = inner.clone();
        if let Some(tags) = obj.get("tags").filter(|t| !t.is_null()) {
            inner.entry("tags").or_insert_with(|| tags.clone());
        }
        warnings.push(FieldWarning {
            path: "taskDefinition".into(),
            message: "describe-task-definition output: the wrapper was unwrapped".into(),
        });
        obj = inner;
    }
    let mut ignored = Vec::new();
    for key in READ_ONLY {
        if obj.remove(*key).is_some() {
            ignored.push(*key);
        }
    }
    if !ignored.is_empty() {
        warnings.push(FieldWarning {
            path: String::new(),
            message: format!(
                "read-only keys of describe output ignored: {}",
                ignored.join(", ")
            ),
        });
    }
    for (key, parse, what) in [
        (
            "cpu",
            parse_task_cpu as fn(&str) -> Option<u32>,
            "a number of CPU units such as \"1024\" or a vCPU value such as \"1 vCPU\"",
        ),
        (
            "memory",
            parse_task_memory,
            "a number of MiB such as \"2048\" or a GB value such as \"2 GB\"",
        ),
    ] {
        match obj.get(key) {
            Some(Value::Number(n)) => {
                let text = n.to_string();
                obj.insert(key.into(), Value::String(text));
            }
            Some(Value::String(s)) if !s.trim().is_empty() => {
                let units = parse(s).ok_or_else(|| {
                    TaskDefinitionError::at(key, format!("ClientException: Invalid '{key}' setting for task: \"{s}\" is not {what}."))
                })?;
                obj.insert(key.into(), Value::String(units.to_string()));
            }
            _ => {}
        }
    }
    let mut nulls = 0usize;
    let mut out = Value::Object(obj);
    walk(
        &mut out,
        "RegisterTaskDefinitionRequest",
        "",
        warnings,
        &mut nulls,
    );
    if nulls > 0 {
        warnings.push(FieldWarning {
            path: String::new(),
            message: format!("{nulls} null members treated as absent"),
        });
    }
    Ok(out)
}

fn shape_members(shape: &str) -> Option<&'static [Member]> {
    SHAPES
        .iter()
        .find(|(name, _)| *name == shape)
        .map(|(_, m)| *m)
}

fn walk(
    value: &mut Value,
    shape: &str,
    path: &str,
    warnings: &mut Vec<FieldWarning>,
    nulls: &mut usize,
) {
    let Some(members) = shape_members(shape) else {
        return;
    };
    let Value::Object(obj) = value else { return };
    let keys: Vec<String> = obj.keys().cloned().collect();
    for key in keys {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let Some((_, nested, integer)) = members.iter().find(|(m, _, _)| *m == key) else {
            if key != "tags" || shape != "RegisterTaskDefinitionRequest" {
                warnings.push(FieldWarning {
                    path: here,
                    message: "unknown member, ignored (not in the RegisterTaskDefinition API)"
                        .into(),
                });
                obj.remove(&key);
            }
            continue;
        };
        let Some(v) = obj.get_mut(&key) else { continue };
        if v.is_null() {
            *nulls += 1;
            obj.remove(&key);
            continue;
        }
        if EMPTY_MEANS_ABSENT.contains(&key.as_str()) && v.as_str() == Some("") {
            obj.remove(&key);
            continue;
        }
        if key == "requiresCompatibilities" && v.as_array().is_some_and(Vec::is_empty) {
            obj.remove(&key);
            continue;
        }
        if *integer {
            if let Some(n) = v.as_str().and_then(|s| s.trim().parse::<u64>().ok()) {
                warnings.push(FieldWarning {
                    path: here.clone(),
                    message: "number written as a string, accepted".into(),
                });
                *v = Value::from(n);
            }
        }
        if let Some(nested) = nested {
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        walk(item, nested, &format!("{here}[{i}]"), warnings, nulls);
                    }
                }
                Value::Object(_) => walk(v, nested, &here, warnings, nulls),
                _ => {}
            }
        }
    }
}
