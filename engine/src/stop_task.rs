//! StopTask (10.2, 10.3): a user stops a running task. The scenario keeps each request body
//! verbatim in `stopTasks[]` (`cluster`, `task`, `reason`) with the playground's `at`.
//!
//! The task stops the way ECS stops any task (10.1, G33): its load balancer targets drain for
//! the deregistration delay, then SIGTERM, then SIGKILL after `stopTimeout`. Its record gets
//! `stopCode` `UserInitiated` and the request's `reason` as `stoppedReason`. A service task is
//! replaced by its service, as for any task that stops: StopTask does not lower the desired
//! count.
//!
//! Task IDs come from the run, and the run is deterministic, so an ID seen in one run names the
//! same task when the scenario replays (the UI's Stop button writes the ID it shows). An ID
//! the run never made fails the call with AWS's `InvalidParameterException`.
//!
//! [unconfirmed] `stoppedReason` when the request gives no `reason`: "Task stopped by user".

use serde_json::Value;

use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::task::TaskStatus;

/// `stoppedReason` of a StopTask without a `reason` ([unconfirmed]).
pub const DEFAULT_REASON: &str = "Task stopped by user";

/// Longest `reason` StopTask takes ([API-ECS]).
pub const MAX_REASON_CHARS: usize = 255;

/// A `stopTasks[]` entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopTaskCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `cluster`: the cluster's name (`default` when absent, or given as an ARN).
    pub cluster: String,
    /// `task`: the task's ID (the last part of its ARN).
    pub task: String,
    /// `reason`, if given.
    pub reason: Option<String>,
}

impl StopTaskCall {
    /// Parses `stopTasks[i]`; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<StopTaskCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let text = |key: &str| crate::request::optional_text(v, key, path);
        let (cluster, task) = crate::request::task_call_target(v, path)?;
        let reason = text("reason")?.map(str::to_string);
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
        {
            return Err(format!(
                "{path}.reason: longer than {MAX_REASON_CHARS} characters"
            ));
        }
        Ok(StopTaskCall {
            at_ms,
            cluster,
            task,
            reason,
        })
    }
}

impl Simulation {
    /// Makes StopTask call `i`.
    pub(crate) fn stop_task_call(&mut self, i: usize) {
        let call = self.scenario.stop_tasks[i].clone();
        if let Err(e) = self.capacity.check_cluster(&call.cluster) {
            let msg = format!("StopTask failed: stopTasks[{i}].cluster: {e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let Some(t) = self.task_in_cluster(&call.task, &call.cluster) else {
            let reason = call.reason.as_deref().unwrap_or(DEFAULT_REASON);
            if let Some((id, service)) =
                self.stop_provisioning_task(&call.task, &call.cluster, reason)
            {
                // A task waiting for capacity stops before it was placed (10.1).
                self.log
                    .push(
                        self.now(),
                        EventKind::TaskStateChange,
                        format!("StopTask: task {id} STOPPED while PROVISIONING (UserInitiated: {reason})"),
                    )
                    .task(&id);
                if let Some(s) = service {
                    self.poke_service(s);
                }
                return;
            }
            // A task that stopped while PROVISIONING keeps its first stop code and reason.
            if self.stopped_while_provisioning(&call.task, &call.cluster) {
                return;
            }
            let msg = format!(
                "StopTask failed: stopTasks[{i}].task: InvalidParameterException: The referenced task was not found. (no task {} in cluster {})",
                call.task, call.cluster
            );
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        };
        // A task already on its way out keeps its first stop code and reason.
        if !self.tasks[t].is_active() || self.tasks[t].last_status == TaskStatus::Stopped {
            return;
        }
        let reason = call.reason.as_deref().unwrap_or(DEFAULT_REASON).to_string();
        let id = self.tasks[t].id.clone();
        self.log
            .push(
                self.now(),
                EventKind::RunTask,
                format!("StopTask: task {id} stopping (UserInitiated: {reason})"),
            )
            .task(&id);
        self.stop_task(t, "UserInitiated", &reason);
        if let Some(s) = self.tasks[t].service {
            self.poke_service(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_are_checked_naming_the_field() {
        let c = StopTaskCall::parse(
            &json!({"at": "PT2M", "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
                    "task": "arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd", "reason": "debugging"}),
            "stopTasks[0]",
        )
        .unwrap();
        assert_eq!(
            (c.at_ms, c.cluster.as_str(), c.task.as_str()),
            (120_000, "prod", "0123abcd")
        );
        for (v, field) in [
            (json!({}), "stopTasks[0].task"),
            (json!({"task": 5}), "stopTasks[0].task"),
            (
                json!({"task": "t", "reason": "x".repeat(256)}),
                "stopTasks[0].reason",
            ),
            (json!({"task": "t", "at": "later"}), "stopTasks[0].at"),
        ] {
            let e = StopTaskCall::parse(&v, "stopTasks[0]").unwrap_err();
            assert!(e.starts_with(field), "{field}: {e}");
        }
    }
}
