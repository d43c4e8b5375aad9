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

/// All log groups, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogStore {
    /// `logGroupName` → streams by name.
    pub groups: BTreeMap<String, BTreeMap<String, LogStream>>,
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
        let s = self
            .groups
            .entry(group.to_string())
            .or_default()
            .entry(stream.to_string())
            .or_insert_with(|| LogStream {
                name: stream.to_string(),
                task_id: task_id.to_string(),
                container: container.to_string(),
                events: Vec::new(),
                dropped: 0,
            });
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
        self.groups.iter().flat_map(move |(g, streams)| {
            streams
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
        let s = &store.groups["g"]["s"];
        assert_eq!(s.events.len(), MAX_EVENTS_PER_STREAM);
        assert_eq!(s.dropped, 5);
        assert_eq!(s.events[0].message, "line 5");
    }
}
