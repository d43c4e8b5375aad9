//! CloudWatch Logs for the `awslogs` driver (1.8): log groups, streams named
//! `prefix/container-name/ecs-task-id` (or after the container id without a prefix), and the
//! lines each container writes: its start, the requests it served each minute, its errors,
//! an OOM kill, SIGTERM.
//!
//! Only containers whose `logConfiguration.logDriver` is `awslogs` write here; others log to
//! the instance (`json-file`), which the playground does not keep. Streams keep their newest
//! [`MAX_EVENTS_PER_STREAM`] lines so a long run stays small.

use std::collections::BTreeMap;

use sha2::Digest;

use crate::sim::Simulation;
use crate::time::SimTime;

/// Lines kept per stream (the oldest are dropped and counted).
pub const MAX_EVENTS_PER_STREAM: usize = 200;

/// One line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    /// Simulated milliseconds.
    pub at_ms: u64,
    /// The text.
    pub message: String,
}

/// A log stream: one container of one task.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStream {
    /// `logStreamName`.
    pub name: String,
    /// The task id.
    pub task_id: String,
    /// The container name.
    pub container: String,
    /// The newest lines, oldest first.
    pub events: Vec<LogEvent>,
    /// Lines dropped to keep the stream small.
    pub dropped: u64,
}

/// A log group.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    /// `retentionInDays` (PutRetentionPolicy); `None`: never expire.
    pub retention_in_days: Option<u32>,
    /// Streams by name.
    pub streams: BTreeMap<String, LogStream>,
}

/// All log groups, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogStore {
    /// `logGroupName` → group.
    pub groups: BTreeMap<String, LogGroup>,
    /// Whether the scenario declares `logGroups` (only then must a group exist before a
    /// container writes to it; otherwise groups appear on first use).
    pub checked: bool,
}

/// Retention periods PutRetentionPolicy accepts, in days.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// `arn:aws:logs:region:account:log-group:name`.
pub fn log_group_arn(group: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{group}",
        crate::registry::REGION,
        crate::registry::ACCOUNT
    )
}

impl LogStore {
    /// Parses `logGroups[]`: CreateLogGroup requests (`logGroupName`) with PutRetentionPolicy's
    /// `retentionInDays`.
    pub fn parse(items: &[serde_json::Value]) -> Result<LogStore, String> {
        let mut store = LogStore {
            checked: !items.is_empty(),
            ..LogStore::default()
        };
        for (i, v) in items.iter().enumerate() {
            let path = format!("logGroups[{i}]");
            let name = v
                .get("logGroupName")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| format!("{path}.logGroupName: required"))?;
            let name_ok = (1..=512).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
            if !name_ok {
                return Err(format!("{path}.logGroupName: \"{name}\" must be 1 to 512 letters, digits and . _ - / #"));
            }
            let retention_in_days = match v.get("retentionInDays") {
                None => None,
                Some(r) => Some(
                    r.as_u64()
                        .and_then(|d| u32::try_from(d).ok())
                        .filter(|d| RETENTION_DAYS.contains(d))
                        .ok_or_else(|| {
                            format!(
                                "{path}.retentionInDays: must be one of {:?}",
                                RETENTION_DAYS
                            )
                        })?,
                ),
            };
            if store.groups.contains_key(name) {
                return Err(format!(
                    "{path}.logGroupName: a log group named {name} already exists"
                ));
            }
            store.groups.insert(
                name.to_string(),
                LogGroup {
                    retention_in_days,
                    streams: BTreeMap::new(),
                },
            );
        }
        Ok(store)
    }

    /// Whether a group exists (every group does when groups are not checked).
    pub fn has_group(&self, group: &str) -> bool {
        !self.checked || self.groups.contains_key(group)
    }
}

/// Where one container's `awslogs` lines go: (group, stream name).
pub fn awslogs_destination(
    options: &BTreeMap<String, String>,
    container: &str,
    task_id: &str,
) -> Option<(String, String)> {
    let group = options.get("awslogs-group")?.clone();
    let stream = match options.get("awslogs-stream-prefix") {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}/{container}/{task_id}"),
        // Without a prefix the stream is named after the Docker container id (1.8); the
        // playground derives one from the task and container.
        _ => {
            let digest = sha2::Sha256::digest(format!("{task_id}/{container}").as_bytes());
            digest.iter().map(|b| format!("{b:02x}")).collect()
        }
    };
    Some((group, stream))
}

impl LogStore {
    /// Appends a line to a stream, creating it.
    pub fn put(
        &mut self,
        group: &str,
        stream: &str,
        task_id: &str,
        container: &str,
        at: SimTime,
        message: String,
    ) {
        let g = self.groups.entry(group.to_string()).or_default();
        let retention = g.retention_in_days;
        let s = g
            .streams
            .entry(stream.to_string())
            .or_insert_with(|| LogStream {
                name: stream.to_string(),
                task_id: task_id.to_string(),
                container: container.to_string(),
                events: Vec::new(),
                dropped: 0,
            });
        // Lines older than the group's retention are deleted (checked when the stream is
        // written).
        if let Some(days) = retention {
            let horizon = at.as_ms().saturating_sub(u64::from(days) * 86_400_000);
            let old = s.events.iter().take_while(|e| e.at_ms < horizon).count();
            s.events.drain(..old);
        }
        if s.events.len() >= MAX_EVENTS_PER_STREAM {
            s.events.remove(0);
            s.dropped += 1;
        }
        s.events.push(LogEvent {
            at_ms: at.as_ms(),
            message,
        });
    }

    /// Every stream of a task, with its group.
    pub fn task_streams<'a>(
        &'a self,
        task_id: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a LogStream)> + 'a {
        self.groups.iter().flat_map(move |(g, group)| {
            group
                .streams
                .values()
                .filter(move |s| s.task_id == task_id)
                .map(move |s| (g.as_str(), s))
        })
    }
}

impl Simulation {
    /// Writes `line` to the `awslogs` stream of each of task `t`'s containers that has one
    /// (`container`: only that container).
    pub(crate) fn app_log(&mut self, t: usize, container: Option<&str>, line: &str) {
        let task = &self.tasks[t];
        let now = self.now();
        let mut out = Vec::new();
        for c in &task.td.input.container_definitions {
            let name = c.name.clone().unwrap_or_default();
            if container.is_some_and(|n| n != name) {
                continue;
            }
            let Some(cfg) = &c.log_configuration else {
                continue;
            };
            if cfg.log_driver.as_deref() != Some("awslogs") {
                continue;
            }
            if let Some((group, stream)) = awslogs_destination(&cfg.options, &name, &task.id) {
                out.push((group, stream, name));
            }
        }
        let id = task.id.clone();
        for (group, stream, name) in out {
            self.logs
                .put(&group, &stream, &id, &name, now, line.to_string());
        }
    }

    /// The CloudWatch Logs written so far.
    pub fn logs(&self) -> &LogStore {
        &self.logs
    }

    /// Task `t`'s streams with their groups (the UI's "Logs" tab of a task).
    pub fn task_log_streams(&self, t: usize) -> Vec<(&str, &LogStream)> {
        self.tasks
            .get(t)
            .map(|task| self.logs.task_streams(&task.id).collect())
            .unwrap_or_default()
    }

    /// The `awslogs` containers of task `t`: (container, group, stream, create-group).
    fn awslogs_containers(&self, t: usize) -> Vec<(String, String, String, bool)> {
        let task = &self.tasks[t];
        task.td
            .input
            .container_definitions
            .iter()
            .filter_map(|c| {
                let cfg = c.log_configuration.as_ref()?;
                if cfg.log_driver.as_deref() != Some("awslogs") {
                    return None;
                }
                let name = c.name.clone().unwrap_or_default();
                let (group, stream) = awslogs_destination(&cfg.options, &name, &task.id)?;
                let create = cfg
                    .options
                    .get("awslogs-create-group")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                Some((name, group, stream, create))
            })
            .collect()
    }

    /// Why a container of task `t` cannot start its `awslogs` driver (10.4), if one cannot: a
    /// group that does not exist without `awslogs-create-group`, or a role (the execution
    /// role; on EC2 without one, the instance profile's) without `logs:CreateLogGroup` (with
    /// `awslogs-create-group`), `logs:CreateLogStream` or `logs:PutLogEvents`. The
    /// `CannotStartContainerError` wording is Docker's; that ECS reports it as the task's
    /// `stoppedReason` with `TaskFailedToStart` is [unconfirmed].
    pub(crate) fn logs_failure(&self, t: usize) -> Option<String> {
        let role = self.agent_role(t);
        let iam = &self.scenario.iam;
        let prefix =
            "CannotStartContainerError: Error response from daemon: failed to initialize logging driver";
        self.awslogs_containers(t)
            .into_iter()
            .find_map(|(_, group, stream, create)| {
                let group_arn = log_group_arn(&group);
                if create {
                    if let Some(why) = iam.check(role, "logs:CreateLogGroup", &group_arn).denial()
                    {
                        return Some(format!(
                            "{prefix}: failed to create Cloudwatch log group: AccessDeniedException: {why}"
                        ));
                    }
                } else if !self.logs.has_group(&group) {
                    return Some(format!("{prefix}: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist."));
                }
                let stream_arn = format!("{group_arn}:log-stream:{stream}");
                ["logs:CreateLogStream", "logs:PutLogEvents"]
                    .iter()
                    .find_map(|a| iam.check(role, a, &stream_arn).denial())
                    .map(|why| {
                        format!(
                            "{prefix}: failed to create Cloudwatch log stream: AccessDeniedException: {why}"
                        )
                    })
            })
    }

    /// The `awslogs` driver of each container of task `t` creates its missing group
    /// (`awslogs-create-group`), as the container starts.
    pub(crate) fn create_log_groups(&mut self, t: usize) {
        for (_, group, _, create) in self.awslogs_containers(t) {
            if create && !self.logs.groups.contains_key(&group) {
                self.logs.groups.insert(group.clone(), LogGroup::default());
                let id = self.tasks[t].id.clone();
                self.log
                    .push(
                        self.now(),
                        crate::event_log::EventKind::Resource,
                        format!("log group {group} created by the awslogs driver (awslogs-create-group)"),
                    )
                    .task(&id);
            }
        }
    }

    /// Writes each loaded task's requests of the minute to its log.
    pub(crate) fn log_request_minute(&mut self) {
        let minute = std::mem::take(&mut self.traffic.task_requests);
        for (t, &(served, failed)) in minute.iter().enumerate() {
            if served + failed < 0.5 || !self.tasks[t].is_active() {
                continue;
            }
            let line = if failed >= 0.5 {
                format!(
                    "served {:.0} requests in the last minute; {:.0} failed with 5xx",
                    served, failed
                )
            } else {
                format!("served {:.0} requests in the last minute", served)
            };
            self.app_log(t, None, &line);
        }
    }

    /// The last line of a task that ran: how its containers exited.
    pub(crate) fn exit_line(&self, t: usize) -> Option<String> {
        let task = &self.tasks[t];
        task.started_at?;
        Some(match task.exit_code {
            Some(code) => format!("process exited with code {code}"),
            None if self.stop_time_ms(t) < self.app_exit_ms() => {
                "killed by SIGKILL at stopTimeout (exit code 137)".to_string()
            }
            None => "process exited with code 0 after SIGTERM".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_named_as_the_awslogs_driver_names_them() {
        let mut o = BTreeMap::new();
        o.insert("awslogs-group".to_string(), "/ecs/web".to_string());
        o.insert("awslogs-stream-prefix".to_string(), "ecs".to_string());
        assert_eq!(
            awslogs_destination(&o, "app", "0123abcd"),
            Some(("/ecs/web".to_string(), "ecs/app/0123abcd".to_string()))
        );
        o.remove("awslogs-stream-prefix");
        let (_, stream) = awslogs_destination(&o, "app", "0123abcd").unwrap();
        assert_eq!(stream.len(), 64);
        o.remove("awslogs-group");
        assert_eq!(awslogs_destination(&o, "app", "0123abcd"), None);
    }

    #[test]
    fn streams_keep_their_newest_lines() {
        let mut store = LogStore::default();
        for i in 0..(MAX_EVENTS_PER_STREAM + 5) {
            store.put("g", "s", "t", "c", SimTime(i as u64), format!("line {i}"));
        }
        let s = &store.groups["g"].streams["s"];
        assert_eq!(s.events.len(), MAX_EVENTS_PER_STREAM);
        assert_eq!(s.dropped, 5);
        assert_eq!(s.events[0].message, "line 5");
    }
}
