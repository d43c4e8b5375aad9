//! The event log: everything that happens in a run, in order, with its simulated time.
//!
//! The log is the determinism contract: the same scenario gives the same log, natively and
//! in wasm, and [`EventLog::digest`] condenses it into one hex string that tests compare.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::time::SimTime;

/// What kind of thing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    /// A container instance registered with a cluster, or changed status.
    ContainerInstance,
    /// A task definition revision was registered, or refused.
    TaskDefinition,
    /// A task was placed on an instance (or on Fargate).
    TaskPlaced,
    /// A task could not be placed.
    PlacementFailure,
    /// A task changed `lastStatus`.
    TaskStateChange,
    /// A service scheduler event, worded as ECS words it (`service web has reached a steady state.`).
    ServiceEvent,
    /// A `RunTask` call and its result.
    RunTask,
    /// Something in the scenario the engine refused or does not simulate.
    Scenario,
    /// A load balancer target was registered, changed health, or was deregistered.
    LoadBalancer,
    /// A CloudWatch alarm changed state.
    Alarm,
    /// Application Auto Scaling changed a desired count or a scalable target's bounds.
    Scaling,
    /// The AWS services around ECS: S3 uploads, EventBridge rules and targets, SNS
    /// notifications, the calls applications make.
    AwsService,
    /// Capacity: Auto Scaling group activities, capacity provider managed scaling, Fargate
    /// capacity, Spot interruptions and instance terminations.
    Capacity,
    /// A resource outside ECS changed: an ECR image expired, a log group was created, a task
    /// wrote to an EFS file system.
    Resource,
    /// Service Connect: endpoints created, tasks the proxies avoid, clients that cannot
    /// resolve an endpoint.
    ServiceConnect,
    /// Service discovery: tasks registered in and deregistered from Cloud Map, requests that
    /// went to addresses resolvers still held.
    ServiceDiscovery,
    /// ECS Exec: ExecuteCommand sessions opened, refused, and ended with their task.
    ExecuteCommand,
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Simulated milliseconds since the start.
    pub at_ms: u64,
    /// The kind of event.
    pub kind: EventKind,
    /// A human-readable sentence, in AWS's wording where AWS has one.
    pub message: String,
    /// The service this concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The task id this concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The container instance this concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
}

/// The ordered log of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EventLog {
    entries: Vec<LogEntry>,
}

impl EventLog {
    /// Appends an entry at `at`.
    pub fn push(
        &mut self,
        at: SimTime,
        kind: EventKind,
        message: impl Into<String>,
    ) -> &mut LogEntry {
        self.entries.push(LogEntry {
            at_ms: at.as_ms(),
            kind,
            message: message.into(),
            service: None,
            task_id: None,
            instance_id: None,
        });
        let last = self.entries.len() - 1;
        &mut self.entries[last]
    }

    /// All entries, oldest first.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing has happened yet.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// SHA-256 over every entry (time, kind, message and references), as lowercase hex.
    /// Equal digests mean equal runs.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for e in &self.entries {
            h.update(e.at_ms.to_le_bytes());
            h.update(format!("{:?}", e.kind).as_bytes());
            for part in [
                Some(e.message.as_str()),
                e.service.as_deref(),
                e.task_id.as_deref(),
                e.instance_id.as_deref(),
            ] {
                h.update([0u8]);
                h.update(part.unwrap_or("").as_bytes());
            }
            h.update([b'\n']);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl LogEntry {
    /// Tags the entry with a service name.
    pub fn service(&mut self, name: &str) -> &mut Self {
        self.service = Some(name.to_string());
        self
    }

    /// Tags the entry with a task id.
    pub fn task(&mut self, id: &str) -> &mut Self {
        self.task_id = Some(id.to_string());
        self
    }

    /// Tags the entry with a container instance id.
    pub fn instance(&mut self, id: &str) -> &mut Self {
        self.instance_id = Some(id.to_string());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_changes_with_any_field() {
        let mut a = EventLog::default();
        a.push(SimTime(1000), EventKind::TaskPlaced, "placed")
            .task("t1");
        let mut b = a.clone();
        assert_eq!(a.digest(), b.digest());
        b.push(SimTime(1000), EventKind::TaskPlaced, "placed");
        assert_ne!(a.digest(), b.digest());
        let mut c = EventLog::default();
        c.push(SimTime(1001), EventKind::TaskPlaced, "placed")
            .task("t1");
        assert_ne!(a.digest(), c.digest());
        let mut d = EventLog::default();
        d.push(SimTime(1000), EventKind::TaskPlaced, "placed")
            .task("t2");
        assert_ne!(a.digest(), d.digest());
        assert_eq!(a.digest().len(), 64);
    }
}
