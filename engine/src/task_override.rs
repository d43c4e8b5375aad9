//! RunTask and StartTask `overrides` (the API's TaskOverride): what one task runs differently
//! from its task definition.
//!
//! What the playground does with each member [API-RT], [API-TO], [API-CO]:
//! - `containerOverrides[]`: `name` is required with any other member of the entry, and must
//!   name a container of the task definition ("Override for container named django is not a
//!   container in the TaskDefinition." [observed]). `command` replaces the container's
//!   command; `environment` adds to or replaces its variables (the application sees them);
//!   `environmentFiles` replaces its files; `cpu`, `memory`, `memoryReservation` and
//!   `resourceRequirements` (GPUs) replace the container's, so placement reserves the
//!   overridden amounts.
//! - `cpu` and `memory` replace the task's sizes (placement, Fargate sizing and billing);
//!   `taskRoleArn` and `executionRoleArn` replace the task's roles (ECS Exec, the AWS calls
//!   of the application, image pulls, secrets and logs use them); `ephemeralStorage` replaces
//!   the task's ephemeral storage.
//! - The whole overridden task must still be a task definition RegisterTaskDefinition would
//!   accept (a Fargate size pair, container memory within the task's, ...): otherwise the
//!   RunTask call is refused with the rule that fails [choice: the same rules, named under
//!   `overrides`]; a call with `launchType: EC2` is not held to Fargate's sizes.
//! - "A total of 8192 characters are allowed for overrides. This limit includes the JSON
//!   formatting characters of the override structure." [API-RT]; ECS refuses longer ones
//!   with "Container Overrides length must be at most 8192" [observed].
//! - `inferenceAcceleratorOverrides` is kept but not simulated (Elastic Inference has
//!   ended).
//!
//! Sources:
//! - [API-RT] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html>
//! - [API-TO] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html>
//! - [API-CO] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html>

use std::rc::Rc;

use serde_json::Value;

use crate::json_shape::{At, FromJson, Members, ShapeError};
use crate::task_definition::{
    EnvironmentFile, EphemeralStorage, KeyValuePair, ResourceRequirement, ValidTaskDefinition,
};

/// The members of TaskOverride.
pub const MEMBERS: [&str; 7] = [
    "containerOverrides",
    "cpu",
    "memory",
    "taskRoleArn",
    "executionRoleArn",
    "ephemeralStorage",
    "inferenceAcceleratorOverrides",
];

/// Most characters the JSON text of `overrides` may have [API-RT].
pub const MAX_OVERRIDES_CHARS: usize = 8192;

/// One `containerOverrides[]` entry (the API's ContainerOverride).
#[derive(Debug, Clone, Default, PartialEq)]
struct ContainerOverride {
    name: Option<String>,
    command: Option<Vec<String>>,
    environment: Option<Vec<KeyValuePair>>,
    environment_files: Option<Vec<EnvironmentFile>>,
    cpu: Option<i64>,
    memory: Option<i64>,
    memory_reservation: Option<i64>,
    resource_requirements: Option<Vec<ResourceRequirement>>,
}

impl FromJson for ContainerOverride {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct ContainerOverride")?;
        m.deny_unknown(&[
            "name",
            "command",
            "environment",
            "environmentFiles",
            "cpu",
            "memory",
            "memoryReservation",
            "resourceRequirements",
        ]);
        let built = ContainerOverride {
            name: m.get("name"),
            command: m.get("command"),
            environment: m.get("environment"),
            environment_files: m.get("environmentFiles"),
            cpu: m.get("cpu"),
            memory: m.get("memory"),
            memory_reservation: m.get("memoryReservation"),
            resource_requirements: m.get("resourceRequirements"),
        };
        m.finish(built)
    }
}

/// The `overrides` member (the API's TaskOverride).
#[derive(Debug, Clone, Default, PartialEq)]
struct TaskOverride {
    container_overrides: Vec<ContainerOverride>,
    cpu: Option<String>,
    memory: Option<String>,
    task_role_arn: Option<String>,
    execution_role_arn: Option<String>,
    ephemeral_storage: Option<EphemeralStorage>,
}

impl FromJson for TaskOverride {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct TaskOverride")?;
        m.deny_unknown(&MEMBERS);
        let built = TaskOverride {
            container_overrides: m.get("containerOverrides").unwrap_or_default(),
            cpu: m.get("cpu"),
            memory: m.get("memory"),
            task_role_arn: m.get("taskRoleArn"),
            execution_role_arn: m.get("executionRoleArn"),
            ephemeral_storage: m.get("ephemeralStorage"),
        };
        m.finish(built)
    }
}

impl ContainerOverride {
    /// Whether the entry overrides anything besides naming its container.
    fn overrides_something(&self) -> bool {
        *self
            != ContainerOverride {
                name: self.name.clone(),
                ..ContainerOverride::default()
            }
    }
}

/// The task definition one task of RunTask or StartTask request `raw` runs: `td` itself
/// without `overrides`, else `td` with them applied and checked as RegisterTaskDefinition
/// would check it. Errors name the member under `overrides`.
pub fn apply(raw: &Value, td: &Rc<ValidTaskDefinition>) -> Result<Rc<ValidTaskDefinition>, String> {
    let Some(value) = raw.get("overrides").filter(|v| !v.is_null()) else {
        return Ok(td.clone());
    };
    let length = value.to_string().chars().count();
    if length > MAX_OVERRIDES_CHARS {
        return Err(format!("overrides: InvalidParameterException: Container Overrides length must be at most {MAX_OVERRIDES_CHARS} ({length} characters)"));
    }
    let root = At::Root;
    let o = TaskOverride::from_json(value, At::Member(&root, "overrides"))
        .map_err(|e| format!("{}: {}", e.path, e.message))?;
    let mut input = td.input.clone();
    for (i, c) in o.container_overrides.iter().enumerate() {
        let path = format!("overrides.containerOverrides[{i}]");
        let Some(name) = c.name.as_deref().filter(|n| !n.is_empty()) else {
            if c.overrides_something() {
                return Err(format!(
                    "{path}.name: required: the name of the container that receives the override"
                ));
            }
            continue;
        };
        let container = input
            .container_definitions
            .iter_mut()
            .find(|d| d.name.as_deref() == Some(name))
            .ok_or_else(|| {
                format!("{path}.name: InvalidParameterException: Override for container named {name} is not a container in the TaskDefinition.")
            })?;
        if let Some(command) = &c.command {
            container.command = command.clone();
        }
        for kv in c.environment.iter().flatten() {
            match container
                .environment
                .iter_mut()
                .find(|e| e.name.is_some() && e.name == kv.name)
            {
                Some(existing) => existing.value = kv.value.clone(),
                None => container.environment.push(kv.clone()),
            }
        }
        replace(
            &mut container.environment_files,
            c.environment_files.clone(),
        );
        replace(&mut container.cpu, c.cpu.map(Some));
        replace(&mut container.memory, c.memory.map(Some));
        replace(
            &mut container.memory_reservation,
            c.memory_reservation.map(Some),
        );
        replace(
            &mut container.resource_requirements,
            c.resource_requirements.clone(),
        );
    }
    let task_level = o.cpu.is_some()
        || o.memory.is_some()
        || o.task_role_arn.is_some()
        || o.execution_role_arn.is_some()
        || o.ephemeral_storage.is_some();
    if !task_level
        && !o
            .container_overrides
            .iter()
            .any(|c| c.overrides_something())
    {
        return Ok(td.clone());
    }
    // A task run on EC2 from a task definition that also suits Fargate is not held to
    // Fargate's sizes [choice: the launch type the call names decides].
    if raw.get("launchType").and_then(Value::as_str) == Some("EC2") {
        input.requires_compatibilities.retain(|c| c != "FARGATE");
    }
    replace(&mut input.cpu, o.cpu.map(Some));
    replace(&mut input.memory, o.memory.map(Some));
    replace(&mut input.task_role_arn, o.task_role_arn.map(Some));
    replace(
        &mut input.execution_role_arn,
        o.execution_role_arn.map(Some),
    );
    replace(&mut input.ephemeral_storage, o.ephemeral_storage.map(Some));
    crate::task_definition::validate(&input)
        .map(Rc::new)
        .map_err(|errors| {
            let e = &errors[0];
            format!(
                "overrides: the task definition with these overrides would not register: {}: {}",
                e.path, e.message
            )
        })
}

/// Puts `given` in `slot` when the override gives it.
fn replace<T>(slot: &mut T, given: Option<T>) {
    if let Some(v) = given {
        *slot = v;
    }
}

/// DescribeTasks' `overrides` of a task whose request gave `given`: an entry in
/// `containerOverrides` for each container of `td` (with what was given for it), the
/// task-level members given, and `inferenceAcceleratorOverrides`.
pub fn described(given: Option<&Value>, td: &ValidTaskDefinition) -> Value {
    let given_for = |name: &str| {
        given
            .and_then(|g| g.get("containerOverrides"))
            .and_then(Value::as_array)
            .and_then(|l| {
                l.iter()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
            })
            .cloned()
    };
    let containers: Vec<Value> = td
        .containers
        .iter()
        .map(|c| given_for(&c.name).unwrap_or_else(|| serde_json::json!({"name": c.name})))
        .collect();
    let mut out = serde_json::json!({
        "containerOverrides": containers,
        "inferenceAcceleratorOverrides": [],
    });
    for key in [
        "cpu",
        "memory",
        "taskRoleArn",
        "executionRoleArn",
        "ephemeralStorage",
    ] {
        if let Some(v) = given.and_then(|g| g.get(key)).filter(|v| !v.is_null()) {
            out[key] = v.clone();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn td() -> Rc<ValidTaskDefinition> {
        let input = crate::task_definition::parse_task_definition_value(&json!({
            "family": "job", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "app", "image": "app:1", "essential": true,
                "command": ["run"], "environment": [{"name": "MODE", "value": "a"}]}]}))
        .unwrap()
        .input;
        Rc::new(crate::task_definition::validate(&input).unwrap())
    }

    #[test]
    fn no_overrides_is_the_task_definition_itself() {
        let td = td();
        assert!(Rc::ptr_eq(&apply(&json!({}), &td).unwrap(), &td));
        let only_names = json!({"overrides": {"containerOverrides": [{"name": "app"}]}});
        assert!(Rc::ptr_eq(&apply(&only_names, &td).unwrap(), &td));
    }

    #[test]
    fn task_and_container_members_replace_the_definitions() {
        // API-TO, API-CO.
        let raw = json!({"overrides": {"cpu": "1024", "memory": "2048",
            "taskRoleArn": "arn:aws:iam::123456789012:role/batch",
            "ephemeralStorage": {"sizeInGiB": 50},
            "containerOverrides": [{"name": "app", "command": ["migrate", "--all"], "memory": 1024,
                "environment": [{"name": "MODE", "value": "b"}, {"name": "EXTRA", "value": "1"}]}]}});
        let out = apply(&raw, &td()).unwrap();
        assert_eq!(out.cpu_units, 1024);
        assert_eq!(out.memory_mib, 2048);
        assert_eq!(
            out.input.task_role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/batch")
        );
        let app = &out.input.container_definitions[0];
        assert_eq!(app.command, ["migrate", "--all"]);
        assert_eq!(app.memory, Some(1024));
        let env: Vec<(Option<&str>, Option<&str>)> = app
            .environment
            .iter()
            .map(|e| (e.name.as_deref(), e.value.as_deref()))
            .collect();
        assert_eq!(env, [(Some("MODE"), Some("b")), (Some("EXTRA"), Some("1"))]);
    }

    #[test]
    fn a_task_run_on_ec2_is_not_held_to_fargate_sizes() {
        let input = crate::task_definition::parse_task_definition_value(&json!({
            "family": "both", "requiresCompatibilities": ["EC2", "FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "app", "image": "app:1", "essential": true}]}))
        .unwrap()
        .input;
        let td = Rc::new(crate::task_definition::validate(&input).unwrap());
        let odd = json!({"memory": "3000"});
        let out = apply(&json!({"launchType": "EC2", "overrides": odd}), &td).unwrap();
        assert_eq!(out.memory_mib, 3000);
        let e = apply(&json!({"launchType": "FARGATE", "overrides": odd}), &td).unwrap_err();
        assert!(e.contains("No Fargate configuration exists"), "{e}");
    }

    #[test]
    fn bad_overrides_are_refused_naming_the_member() {
        let e = |o: Value| apply(&json!({"overrides": o}), &td()).unwrap_err();
        assert_eq!(
            e(json!({"containerOverrides": [{"name": "web", "command": ["x"]}]})),
            "overrides.containerOverrides[0].name: InvalidParameterException: Override for container named web is not a container in the TaskDefinition."
        );
        assert!(e(json!({"containerOverrides": [{"command": ["x"]}]}))
            .starts_with("overrides.containerOverrides[0].name: required"));
        assert!(e(json!({"cpu": "256", "memory": "4096"})).contains(
            "would not register: memory: ClientException: No Fargate configuration exists for given values: 256 CPU, 4096 memory."
        ), "{}", e(json!({"cpu": "256", "memory": "4096"})));
        assert!(
            e(json!({"containerOverrides": [{"name": "app", "cpu": "lots"}]}))
                .starts_with("overrides.containerOverrides[0].cpu: invalid type")
        );
        assert!(e(json!({"gpu": 1})).starts_with("overrides.gpu: unknown field `gpu`"));
        let long = "x".repeat(9000);
        assert!(e(json!({"containerOverrides": [{"name": "app", "environment": [{"name": "BIG", "value": long}]}]}))
            .starts_with("overrides: InvalidParameterException: Container Overrides length must be at most 8192"));
    }
}
