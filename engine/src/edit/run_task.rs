//! The RunTask form: a standalone task run now (`runTasks[]` entry at the current time), with
//! the overrides people use most (a container's command and environment, the task's CPU and
//! memory; [`crate::task_override`]).

use serde_json::{json, Value};

use crate::time::SimTime;
use crate::{Scenario, Simulation};

/// What the RunTask form holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunTaskForm {
    /// `cluster` (blank: default).
    pub cluster: String,
    /// `taskDefinition`: a family or `family:revision`.
    pub task_definition: String,
    /// `count` (1–10).
    pub count: u32,
    /// `launchType`: `EC2`, `FARGATE`, or blank for the cluster's default capacity provider
    /// strategy.
    pub launch_type: String,
    /// `group` (blank: `family:<family>`).
    pub group: String,
    /// Subnets of `networkConfiguration.awsvpcConfiguration`, for an `awsvpc` task definition.
    pub subnets: Vec<String>,
    /// The container `command` and `environment` override (blank: no container override).
    pub container: String,
    /// `command`: words separated by spaces, or a JSON list of strings.
    pub command: String,
    /// `environment`: `NAME=value` pairs separated by commas.
    pub environment: String,
    /// The task's `cpu` override (blank: none).
    pub cpu: String,
    /// The task's `memory` override (blank: none).
    pub memory: String,
}

/// The RunTask request of `form`, made at `at`.
fn request(form: &RunTaskForm, at: SimTime) -> Result<Value, String> {
    if form.task_definition.trim().is_empty() {
        return Err("taskDefinition: required".to_string());
    }
    let mut call = json!({"at": at.as_ms() as f64 / 1000.0,
        "taskDefinition": form.task_definition.trim(), "count": form.count});
    for (key, value) in [
        ("cluster", &form.cluster),
        ("launchType", &form.launch_type),
        ("group", &form.group),
    ] {
        if !value.trim().is_empty() {
            call[key] = json!(value.trim());
        }
    }
    if !form.subnets.is_empty() {
        call["networkConfiguration"] = json!({"awsvpcConfiguration": {"subnets": form.subnets}});
    }
    let mut overrides = serde_json::Map::new();
    for (key, value) in [("cpu", &form.cpu), ("memory", &form.memory)] {
        if !value.trim().is_empty() {
            overrides.insert(key.to_string(), json!(value.trim()));
        }
    }
    let container = form.container.trim();
    let mut entry = json!({"name": container});
    let command = form.command.trim();
    if !command.is_empty() {
        entry["command"] = if command.starts_with('[') {
            let words: Vec<String> = serde_json::from_str(command).map_err(|_| {
                "overrides.containerOverrides[0].command: a JSON list of strings, or words separated by spaces".to_string()
            })?;
            json!(words)
        } else {
            json!(command.split_whitespace().collect::<Vec<_>>())
        };
    }
    let mut environment = Vec::new();
    for pair in form
        .environment
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            format!("overrides.containerOverrides[0].environment: {pair:?} is not NAME=value")
        })?;
        environment.push(json!({"name": name.trim(), "value": value.trim()}));
    }
    if !environment.is_empty() {
        entry["environment"] = json!(environment);
    }
    if entry.as_object().is_some_and(|o| o.len() > 1) {
        if container.is_empty() {
            return Err("overrides.containerOverrides[0].name: choose the container the command or environment is for".to_string());
        }
        overrides.insert("containerOverrides".to_string(), json!([entry]));
    }
    if !overrides.is_empty() {
        call["overrides"] = Value::Object(overrides);
    }
    Ok(call)
}

/// Adds the RunTask call of `form` at `at` to `doc`: the new document, and the outcome the
/// call has when the scenario replays to `at` (`RunTask web:1 count 1 in cluster default: 1
/// started`). A call ECS would refuse is not added: its error names the field.
pub fn run_task(doc: &Value, form: &RunTaskForm, at: SimTime) -> Result<(Value, String), String> {
    let call = request(form, at)?;
    let index = doc
        .get("runTasks")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut doc = doc.clone();
    super::section(&mut doc, "runTasks").push(call);
    let scenario = Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    let mut sim = Simulation::new(scenario);
    sim.advance_to(at)?;
    let refused = format!("RunTask failed: runTasks[{index}].");
    let lines: Vec<&str> = sim
        .log()
        .entries()
        .iter()
        .filter(|e| e.at_ms == at.as_ms())
        .map(|e| e.message.as_str())
        .collect();
    if let Some(e) = lines.iter().find_map(|m| m.strip_prefix(&refused)) {
        return Err(e.to_string());
    }
    let outcome = lines
        .iter()
        .rev()
        .find(|m| m.starts_with("RunTask "))
        .map_or_else(String::new, |m| m.to_string());
    Ok((doc, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({"version": 1,
            "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}],
            "taskDefinitions": [{"family": "job", "containerDefinitions": [
                {"name": "app", "image": "app:1", "memory": 256, "essential": true}]}]})
    }

    fn form() -> RunTaskForm {
        RunTaskForm {
            task_definition: "job".to_string(),
            count: 1,
            launch_type: "EC2".to_string(),
            container: "app".to_string(),
            ..RunTaskForm::default()
        }
    }

    #[test]
    fn the_form_writes_a_run_task_request_with_its_overrides() {
        let f = RunTaskForm {
            command: "report --day 1".to_string(),
            environment: "MODE=full, DRY_RUN=false".to_string(),
            memory: "1024".to_string(),
            ..form()
        };
        let (out, outcome) = run_task(&doc(), &f, SimTime(60_000)).unwrap();
        assert_eq!(
            out["runTasks"][0],
            json!({"at": 60.0, "taskDefinition": "job", "count": 1, "launchType": "EC2",
                "overrides": {"memory": "1024", "containerOverrides": [{"name": "app",
                    "command": ["report", "--day", "1"],
                    "environment": [{"name": "MODE", "value": "full"}, {"name": "DRY_RUN", "value": "false"}]}]}})
        );
        assert_eq!(
            outcome,
            "RunTask job:1 count 1 in cluster default: 1 started"
        );
        let json_command = RunTaskForm {
            command: r#"["sh", "-c", "echo hi"]"#.to_string(),
            ..form()
        };
        let (out, _) = run_task(&doc(), &json_command, SimTime(0)).unwrap();
        assert_eq!(
            out["runTasks"][0]["overrides"]["containerOverrides"][0]["command"],
            json!(["sh", "-c", "echo hi"])
        );
        // Nothing to override: no overrides member.
        let (out, _) = run_task(&doc(), &form(), SimTime(0)).unwrap();
        assert!(out["runTasks"][0].get("overrides").is_none());
    }

    #[test]
    fn a_call_ecs_refuses_is_not_added_and_names_the_field() {
        let e = run_task(
            &doc(),
            &RunTaskForm {
                container: "web".to_string(),
                command: "x".to_string(),
                ..form()
            },
            SimTime(0),
        )
        .unwrap_err();
        assert_eq!(e, "overrides.containerOverrides[0].name: InvalidParameterException: Override for container named web is not a container in the TaskDefinition.");
        let e = run_task(
            &doc(),
            &RunTaskForm {
                environment: "MODE".to_string(),
                ..form()
            },
            SimTime(0),
        )
        .unwrap_err();
        assert!(e.contains("\"MODE\" is not NAME=value"), "{e}");
        let e = run_task(
            &doc(),
            &RunTaskForm {
                count: 11,
                ..form()
            },
            SimTime(0),
        )
        .unwrap_err();
        assert_eq!(e, "count: must be 1 to 10");
        // Placed or not is the run's outcome, not a refusal.
        let (_, outcome) = run_task(
            &doc(),
            &RunTaskForm {
                memory: "30720".to_string(),
                ..form()
            },
            SimTime(0),
        )
        .unwrap();
        assert!(
            outcome.ends_with("0 started, 1 failed (RESOURCE:MEMORY)"),
            "{outcome}"
        );
    }
}
