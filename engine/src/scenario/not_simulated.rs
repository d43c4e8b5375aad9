//! "Not simulated" warnings: AWS members the scenario keeps but the engine does not act on yet.
//!
//! Nothing is dropped silently: each AWS request body is compared with the members the engine
//! reads, and the rest are listed, one warning per request.

use serde_json::Value;

use super::ScenarioWarning;

/// CreateService members the engine acts on.
const SERVICE_SIMULATED: &[&str] = &[
    "serviceName",
    "cluster",
    "taskDefinition",
    "desiredCount",
    "launchType",
    "schedulingStrategy",
    "placementConstraints",
    "placementStrategy",
];

/// RunTask members the engine acts on (`at` is the playground's own: when the call is made).
const RUN_TASK_SIMULATED: &[&str] = &[
    "at",
    "taskDefinition",
    "count",
    "cluster",
    "group",
    "launchType",
    "placementConstraints",
    "placementStrategy",
    "startedBy",
];

/// UpdateService members the engine acts on (`at` is the playground's own).
const UPDATE_SERVICE_SIMULATED: &[&str] = &["at", "service", "cluster", "desiredCount"];

/// Warns about UpdateService members that are kept but not simulated.
pub(super) fn update_services(items: &[Value], out: &mut Vec<ScenarioWarning>) {
    warn_unsimulated("updateServices", items, UPDATE_SERVICE_SIMULATED, out);
}

/// Warns about CreateService members that are kept but not simulated.
pub(super) fn services(items: &[Value], out: &mut Vec<ScenarioWarning>) {
    warn_unsimulated("services", items, SERVICE_SIMULATED, out);
}

/// Warns about RunTask members that are kept but not simulated.
pub(super) fn run_tasks(items: &[Value], out: &mut Vec<ScenarioWarning>) {
    warn_unsimulated("runTasks", items, RUN_TASK_SIMULATED, out);
}

fn warn_unsimulated(
    section: &str,
    items: &[Value],
    simulated: &[&str],
    out: &mut Vec<ScenarioWarning>,
) {
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            continue;
        };
        let skipped: Vec<&str> = obj
            .iter()
            .filter(|(k, v)| !simulated.contains(&k.as_str()) && !is_empty(v))
            .map(|(k, _)| k.as_str())
            .collect();
        if !skipped.is_empty() {
            out.push(ScenarioWarning {
                path: format!("{section}[{i}]"),
                message: format!("kept but not simulated yet: {}", skipped.join(", ")),
            });
        }
    }
}

/// Empty strings, lists, objects and nulls carry no behaviour worth a warning.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}
