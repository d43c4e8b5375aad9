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
    "clusterArn",
    "taskDefinition",
    "desiredCount",
    "launchType",
    "capacityProviderStrategy",
    "schedulingStrategy",
    "placementConstraints",
    "placementStrategy",
    "deploymentConfiguration",
    "loadBalancers",
    "healthCheckGracePeriodSeconds",
    "networkConfiguration",
    "availabilityZoneRebalancing",
    "serviceConnectConfiguration",
    "serviceRegistries",
    "volumeConfigurations",
    "tags",
    "propagateTags",
    "enableECSManagedTags",
    "enableExecuteCommand",
    "role",
    "platformVersion",
];

/// Members of a service as `aws ecs describe-services` (or CreateService's response) returns it
/// that are not CreateService input: what AWS reports about the running service. A service
/// pasted from that output carries them; they are ignored (the run makes its own), and said so
/// apart from the input the engine does not simulate. `clusterArn` is read as the cluster.
const SERVICE_READ_ONLY: &[&str] = &[
    "serviceArn",
    "status",
    "runningCount",
    "pendingCount",
    "deployments",
    "events",
    "createdAt",
    "createdBy",
    "taskSets",
    "roleArn",
    "platformFamily",
    "currentServiceDeployment",
    "currentServiceRevisions",
];

/// `deploymentConfiguration` members the engine acts on.
const DEPLOYMENT_CONFIGURATION_SIMULATED: &[&str] = &[
    "minimumHealthyPercent",
    "maximumPercent",
    "deploymentCircuitBreaker",
    "alarms",
    "strategy",
    "bakeTimeInMinutes",
    "linearConfiguration",
    "canaryConfiguration",
    "lifecycleHooks",
];

/// RunTask members the engine acts on (`at` is the playground's own: when the call is made).
const RUN_TASK_SIMULATED: &[&str] = &[
    "at",
    "taskDefinition",
    "count",
    "cluster",
    "group",
    "launchType",
    "capacityProviderStrategy",
    "placementConstraints",
    "placementStrategy",
    "startedBy",
    "networkConfiguration",
    "overrides",
    "volumeConfigurations",
    "tags",
    "propagateTags",
    "enableECSManagedTags",
    "enableExecuteCommand",
    "platformVersion",
];

/// UpdateService members the engine acts on (`at` is the playground's own).
const UPDATE_SERVICE_SIMULATED: &[&str] = &[
    "at",
    "service",
    "cluster",
    "desiredCount",
    "taskDefinition",
    "forceNewDeployment",
    "deploymentConfiguration",
    "placementConstraints",
    "placementStrategy",
    "networkConfiguration",
    "loadBalancers",
    "capacityProviderStrategy",
    "healthCheckGracePeriodSeconds",
    "availabilityZoneRebalancing",
    "serviceConnectConfiguration",
    "serviceRegistries",
    "volumeConfigurations",
    "propagateTags",
    "enableECSManagedTags",
    "enableExecuteCommand",
    "platformVersion",
];

/// Warns about UpdateService members that are kept but not simulated.
pub(super) fn update_services(items: &[Value], out: &mut Vec<ScenarioWarning>) {
    warn_unsimulated("updateServices", items, UPDATE_SERVICE_SIMULATED, out);
    deployment_configurations("updateServices", items, out);
}

/// Warns about CreateService members that are kept but not simulated, and about the read-only
/// members of describe-services output, which are ignored.
pub(super) fn services(items: &[Value], out: &mut Vec<ScenarioWarning>) {
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            continue;
        };
        let read_only: Vec<&str> = obj
            .iter()
            .filter(|(k, v)| SERVICE_READ_ONLY.contains(&k.as_str()) && !is_empty(v))
            .map(|(k, _)| k.as_str())
            .collect();
        if !read_only.is_empty() {
            out.push(ScenarioWarning {
                path: format!("services[{i}]"),
                message: format!(
                    "read-only members of describe-services output, ignored: {}",
                    read_only.join(", ")
                ),
            });
        }
        let mut known = [SERVICE_SIMULATED, SERVICE_READ_ONLY].concat();
        // The ECS controller (rolling, blue/green, linear, canary), CODE_DEPLOY
        // (crate::code_deploy) and EXTERNAL (crate::task_set) are simulated.
        if matches!(
            item.pointer("/deploymentController/type")
                .and_then(Value::as_str),
            Some("ECS" | "CODE_DEPLOY" | "EXTERNAL")
        ) {
            known.push("deploymentController");
        }
        out.extend(unsimulated_warning(format!("services[{i}]"), obj, &known));
    }
    deployment_configurations("services", items, out);
}

/// CreateDeploymentGroup members the playground runs, and the read-only members of
/// `aws deploy get-deployment-group` output, which are ignored.
const DEPLOYMENT_GROUP_KNOWN: &[&str] = &[
    "applicationName",
    "deploymentGroupName",
    "serviceRoleArn",
    "deploymentConfigName",
    "ecsServices",
    "loadBalancerInfo",
    "blueGreenDeploymentConfiguration",
    "deploymentStyle",
    "autoRollbackConfiguration",
    "alarmConfiguration",
    "tags",
    "deploymentGroupId",
    "computePlatform",
    "targetRevision",
    "lastSuccessfulDeployment",
    "lastAttemptedDeployment",
    "outdatedInstancesStrategy",
    "terminationHookEnabled",
];

/// Warns about `deploymentGroups[]` members kept but not simulated (triggers, EC2 tag
/// filters, Auto Scaling groups: the EC2/on-premises platform's).
pub(super) fn deployment_groups(items: &[Value], out: &mut Vec<ScenarioWarning>) {
    for (i, item) in items.iter().enumerate() {
        let item = item.get("deploymentGroupInfo").unwrap_or(item);
        if let Some(obj) = item.as_object() {
            out.extend(unsimulated_warning(
                format!("deploymentGroups[{i}]"),
                obj,
                DEPLOYMENT_GROUP_KNOWN,
            ));
        }
    }
}

/// Warns about `deploymentConfiguration` members (circuit breaker, alarms, strategy, ...) that
/// are kept but not simulated.
fn deployment_configurations(section: &str, items: &[Value], out: &mut Vec<ScenarioWarning>) {
    for (i, item) in items.iter().enumerate() {
        if let Some(dc) = item
            .get("deploymentConfiguration")
            .and_then(Value::as_object)
        {
            out.extend(unsimulated_warning(
                format!("{section}[{i}].deploymentConfiguration"),
                dc,
                DEPLOYMENT_CONFIGURATION_SIMULATED,
            ));
            // A CreateService with hooks and the ROLLING strategy: nothing runs them.
            let hooks = dc
                .get("lifecycleHooks")
                .and_then(Value::as_array)
                .is_some_and(|l| !l.is_empty());
            let rolling = dc
                .get("strategy")
                .and_then(Value::as_str)
                .is_none_or(|s| s == "ROLLING");
            if section == "services" && hooks && rolling {
                out.push(ScenarioWarning {
                    path: format!("{section}[{i}].deploymentConfiguration.lifecycleHooks"),
                    message: "kept but not run: the playground runs lifecycle hooks in BLUE_GREEN, LINEAR and CANARY deployments".to_string(),
                });
            }
        }
    }
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
        if let Some(obj) = item.as_object() {
            out.extend(unsimulated_warning(
                format!("{section}[{i}]"),
                obj,
                simulated,
            ));
        }
    }
}

/// The warning for the members of request `obj` at `path` outside `simulated`, if any.
fn unsimulated_warning(
    path: String,
    obj: &serde_json::Map<String, Value>,
    simulated: &[&str],
) -> Option<ScenarioWarning> {
    let skipped = unsimulated_keys(obj, simulated);
    (!skipped.is_empty()).then(|| ScenarioWarning {
        path,
        message: format!("kept but not simulated yet: {}", skipped.join(", ")),
    })
}

/// The members of `obj` outside `simulated` that carry a value.
fn unsimulated_keys<'a>(
    obj: &'a serde_json::Map<String, Value>,
    simulated: &[&str],
) -> Vec<&'a str> {
    obj.iter()
        .filter(|(k, v)| !simulated.contains(&k.as_str()) && !is_empty(v))
        .map(|(k, _)| k.as_str())
        .collect()
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
