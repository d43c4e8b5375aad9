//! What the code inside a task does, for the reference architectures: the AWS calls it makes
//! with its task role, and when it exits.
//!
//! `applications[]` is the playground's own part of the scenario: `{"image": "...", "calls":
//! [{"action": "s3:GetObject", "resource": "arn:aws:s3:::${S3_BUCKET}/${S3_KEY}"}, ...],
//! "runSeconds": 20, "exitCode": 0}`. A task whose essential container runs that image (the
//! exact reference, or any tag of the repository when `image` has no tag) makes the calls one
//! a second once RUNNING, with `${NAME}` taken from the container's environment (the task
//! definition's, then RunTask or EventBridge overrides). Each call needs the task role
//! (`taskRoleArn`) to allow it (1.6) and does what the service does: `s3:GetObject` needs the
//! object, `s3:PutObject` creates one (raising its event), `dynamodb:PutItem` adds an item,
//! `sqs:SendMessage` a message, `sns:Publish` a notification. A refused or failing call makes
//! the essential container exit with code 1; otherwise it exits with `exitCode` after
//! `runSeconds` (a batch job), or keeps running when `runSeconds` is absent (a service).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};

/// One AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `service:Action`.
    pub action: String,
    /// The resource ARN, with `${NAME}` placeholders.
    pub resource: String,
}

/// One application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The image it runs in.
    pub image: String,
    /// Calls made after start, in order.
    pub calls: Vec<Call>,
    /// Exit after this long (ms); `None`: keep running.
    pub run_ms: Option<u64>,
    /// Exit code at the end of a run.
    pub exit_code: i32,
}

/// Actions the playground can carry out.
pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "dynamodb:PutItem",
    "sqs:SendMessage",
    "sns:Publish",
];

/// Parses `applications[]`.
pub fn parse_applications(items: &[Value]) -> Result<Vec<Application>, String> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = format!("applications[{i}]");
            let image = v
                .get("image")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| format!("{path}.image: required"))?
                .to_string();
            let mut calls = Vec::new();
            for (j, c) in v
                .get("calls")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let at = format!("{path}.calls[{j}]");
                let action = c.get("action").and_then(Value::as_str).unwrap_or_default();
                if !ACTIONS.contains(&action) {
                    return Err(format!(
                        "{at}.action: \"{action}\" is not one of {}",
                        ACTIONS.join(", ")
                    ));
                }
                let resource = c
                    .get("resource")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{at}.resource: required (an ARN)"))?;
                calls.push(Call {
                    action: action.to_string(),
                    resource: resource.to_string(),
                });
            }
            let run_ms = match v.get("runSeconds") {
                None | Some(Value::Null) => None,
                Some(s) => Some(
                    s.as_f64()
                        .filter(|s| (0.0..=86_400.0 * 366.0).contains(s))
                        .ok_or_else(|| format!("{path}.runSeconds: a number of seconds"))?
                        .mul_add(1000.0, 0.0) as u64,
                ),
            };
            let exit_code = match v.get("exitCode") {
                None => 0,
                Some(c) => c
                    .as_i64()
                    .and_then(|c| i32::try_from(c).ok())
                    .ok_or_else(|| format!("{path}.exitCode: a whole number"))?,
            };
            Ok(Application {
                image,
                calls,
                run_ms,
                exit_code,
            })
        })
        .collect()
}

/// Whether `app_image` names `image`: the same reference, or the repository of a tagless one.
fn runs_in(app_image: &str, image: &str) -> bool {
    if app_image == image {
        return true;
    }
    let last = app_image.rsplit('/').next().unwrap_or(app_image);
    !last.contains(':') && !last.contains('@') && image.starts_with(&format!("{app_image}:"))
}

/// `${NAME}` replaced from `env` (missing names become empty).
fn substitute(text: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start + 2..].find('}') {
            Some(end) => {
                let name = &rest[start + 2..start + 2 + end];
                out.push_str(env.get(name).map(String::as_str).unwrap_or(""));
                rest = &rest[start + 3 + end..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

impl Simulation {
    /// The application task `t` runs, if any: (application index, essential container).
    fn application_of(&self, t: usize) -> Option<(usize, String)> {
        let td = &self.tasks[t].td;
        td.input.container_definitions.iter().find_map(|c| {
            let image = c.image.as_deref()?;
            if c.essential == Some(false) {
                return None;
            }
            let a = self
                .scenario
                .aws
                .applications
                .iter()
                .position(|a| runs_in(&a.image, image))?;
            Some((a, c.name.clone().unwrap_or_default()))
        })
    }

    /// Task `t` reached RUNNING: its application starts working.
    pub(crate) fn start_application(&mut self, t: usize) {
        if let Some((a, _)) = self.application_of(t) {
            let app = &self.scenario.aws.applications[a];
            if app.calls.is_empty() {
                if let Some(run) = app.run_ms {
                    self.schedule(self.now().plus_ms(run), Timer::AppExit(t));
                }
            } else {
                self.schedule(self.now().plus_ms(1_000), Timer::AppCall(t, 0));
            }
        }
    }

    /// The container's environment: the task definition's, with the RunTask overrides already
    /// applied to it ([`crate::task_override`]).
    fn environment(&self, t: usize, container: &str) -> BTreeMap<String, String> {
        let task = &self.tasks[t];
        let mut env = BTreeMap::new();
        if let Some(c) = task
            .td
            .input
            .container_definitions
            .iter()
            .find(|c| c.name.as_deref() == Some(container))
        {
            for kv in &c.environment {
                if let (Some(n), Some(v)) = (&kv.name, &kv.value) {
                    env.insert(n.clone(), v.clone());
                }
            }
        }
        env
    }

    /// Call `k` of task `t`'s application.
    pub(crate) fn application_call(&mut self, t: usize, k: usize) {
        if self.tasks[t].last_status != crate::task::TaskStatus::Running
            || !self.tasks[t].is_active()
        {
            return;
        }
        let Some((a, container)) = self.application_of(t) else {
            return;
        };
        let app = self.scenario.aws.applications[a].clone();
        let Some(call) = app.calls.get(k) else { return };
        let env = self.environment(t, &container);
        let resource = substitute(&call.resource, &env);
        let role = self.tasks[t].td.input.task_role_arn.clone();
        let access = self
            .scenario
            .iam
            .check(role.as_deref(), &call.action, &resource);
        let result = match access.denial() {
            None => self.carry_out(&call.action, &resource),
            Some(r) => Err(format!(
                "AccessDenied: {r} (the task role, taskRoleArn, grants what the application may call)"
            )),
        };
        let id = self.tasks[t].id.clone();
        match result {
            Ok(what) => {
                self.app_log(
                    t,
                    Some(&container),
                    &format!("{} {resource}: {what}", call.action),
                );
                self.log
                    .push(
                        self.now(),
                        EventKind::AwsService,
                        format!("task {id}: {} {resource}: {what}", call.action),
                    )
                    .task(&id);
                if k + 1 < app.calls.len() {
                    self.schedule(self.now().plus_ms(1_000), Timer::AppCall(t, k + 1));
                } else if let Some(run) = app.run_ms {
                    let started = self.tasks[t].started_at.unwrap_or(self.now());
                    self.schedule(started.plus_ms(run).max(self.now()), Timer::AppExit(t));
                }
            }
            Err(e) => {
                self.app_log(
                    t,
                    Some(&container),
                    &format!("{} {resource} failed: {e}", call.action),
                );
                self.log
                    .push(
                        self.now(),
                        EventKind::AwsService,
                        format!("task {id}: {} {resource} failed: {e}", call.action),
                    )
                    .task(&id);
                self.application_exit(t, 1);
            }
        }
    }

    /// Does what a successful call does; `Err` for a call the service refuses.
    fn carry_out(&mut self, action: &str, resource: &str) -> Result<String, String> {
        match action {
            "s3:GetObject" | "s3:PutObject" => {
                let path = resource
                    .strip_prefix("arn:aws:s3:::")
                    .ok_or_else(|| format!("InvalidArn: {resource} is not an S3 object ARN"))?;
                let (bucket, key) = path
                    .split_once('/')
                    .ok_or_else(|| format!("InvalidArn: {resource} names no key"))?;
                let Some(b) = self.buckets.iter().find(|b| b.name == bucket) else {
                    return Err(format!(
                        "NoSuchBucket: The specified bucket does not exist ({bucket})"
                    ));
                };
                if action == "s3:GetObject" {
                    b.objects
                        .get(key)
                        .map(|size| format!("200 OK, {size} bytes"))
                        .ok_or_else(|| {
                            format!("NoSuchKey: The specified key does not exist ({key})")
                        })
                } else {
                    self.put_object(bucket, key, 1024, "PutObject");
                    Ok("200 OK".to_string())
                }
            }
            "dynamodb:PutItem" => {
                let name = resource.rsplit('/').next().unwrap_or("");
                match self.tables.iter_mut().find(|t| t.name == name) {
                    Some(table) => {
                        table.items += 1;
                        Ok(format!("200 OK, {} items in {name}", table.items))
                    }
                    None => Err(format!(
                        "ResourceNotFoundException: Requested resource not found (table {name})"
                    )),
                }
            }
            "sqs:SendMessage" => self.sqs_send(resource).map(|()| "200 OK".to_string()),
            _ => {
                if self.sns_publish(resource, "message from a task") {
                    Ok("200 OK".to_string())
                } else {
                    Err(format!("NotFound: Topic does not exist ({resource})"))
                }
            }
        }
    }

    /// The application of task `t` exits with `code` (its essential container exits, 10.3).
    pub(crate) fn application_exit(&mut self, t: usize, code: i32) {
        if !self.tasks[t].is_active() {
            return;
        }
        self.tasks[t].exit_code = Some(code);
        self.app_log(t, None, &format!("exiting with code {code}"));
        self.stop_task_at_once(
            t,
            "EssentialContainerExited",
            "Essential container in task exited",
        );
    }

    /// A timed application exit.
    pub(crate) fn application_timer_exit(&mut self, t: usize) {
        if let Some((a, _)) = self.application_of(t) {
            let code = self.scenario.aws.applications[a].exit_code;
            self.application_exit(t, code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_placeholders_and_bad_input() {
        assert!(runs_in("worker", "worker:1"));
        assert!(runs_in(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/worker",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:latest"
        ));
        assert!(!runs_in("worker:2", "worker:1"));
        let env: BTreeMap<String, String> = [("B".to_string(), "uploads".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            substitute("arn:aws:s3:::${B}/${K}", &env),
            "arn:aws:s3:::uploads/"
        );
        let e = parse_applications(&[
            json!({"image": "x", "calls": [{"action": "ec2:RunInstances", "resource": "*"}]}),
        ])
        .unwrap_err();
        assert!(e.starts_with("applications[0].calls[0].action"), "{e}");
    }
}
