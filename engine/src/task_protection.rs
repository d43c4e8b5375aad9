//! Task scale-in protection (4.8): `UpdateTaskProtection` requests, each with an `at` time,
//! verbatim (`cluster`, `tasks`, `protectionEnabled`, `expiresInMinutes`). Protected tasks
//! are not stopped by scale-in (Service Auto Scaling or a lower desired count) or by
//! deployments; protection lasts 120 minutes unless `expiresInMinutes` (1 to 2880) says
//! otherwise.
//!
//! Task ids come from the scenario's seed, so a run can be replayed and a task protected by
//! its id; the playground also accepts a unique prefix of at least 8 hex digits, as the UI
//! shows ids shortened.

use serde_json::Value;

use crate::event_log::EventKind;
use crate::request::cluster_name;
use crate::sim::{Simulation, Timer};
use crate::time::{parse_duration_ms, SimTime};

/// Default protection length (4.8).
pub const DEFAULT_EXPIRES_MINUTES: u64 = 120;

impl Simulation {
    /// Sets a timer for every `updateTaskProtection[]` entry.
    pub(crate) fn schedule_task_protection(&mut self) {
        for (i, raw) in self.scenario.task_protection.clone().iter().enumerate() {
            match raw.get("at").map(parse_duration_ms) {
                Some(Ok(at)) => self.schedule(SimTime(at), Timer::UpdateTaskProtection(i)),
                Some(Err(e)) => self.protection_error(i, format!("at: {e}")),
                None => {
                    self.protection_error(i, "at: required (when the call is made)".to_string())
                }
            }
        }
    }

    fn protection_error(&mut self, i: usize, message: String) {
        self.log.push(
            self.now(),
            EventKind::Scenario,
            format!("updateTaskProtection[{i}].{message}"),
        );
    }

    /// An UpdateTaskProtection call is made.
    pub(crate) fn update_task_protection(&mut self, i: usize) {
        let raw = self.scenario.task_protection[i].clone();
        let cluster = cluster_name(&raw);
        if let Err(e) = self.capacity.check_cluster(&cluster) {
            return self.protection_error(i, format!("cluster: {e}"));
        }
        let Some(enabled) = raw.get("protectionEnabled").and_then(Value::as_bool) else {
            return self
                .protection_error(i, "protectionEnabled: required, true or false".to_string());
        };
        let minutes = match raw.get("expiresInMinutes") {
            None | Some(Value::Null) => DEFAULT_EXPIRES_MINUTES,
            Some(v) => match v.as_u64().filter(|m| (1..=2880).contains(m)) {
                Some(m) => m,
                None => {
                    return self
                        .protection_error(i, "expiresInMinutes: must be 1 to 2880".to_string())
                }
            },
        };
        let refs = crate::request::string_list(raw.get("tasks"));
        if refs.is_empty() || refs.len() > 10 {
            return self.protection_error(i, "tasks: give 1 to 10 task ids or ARNs".to_string());
        }
        let until = self.now().plus_ms(minutes * 60_000);
        for r in refs {
            let id = r.rsplit('/').next().unwrap_or(&r).to_string();
            let matches: Vec<usize> = (0..self.tasks.len())
                .filter(|&t| {
                    self.tasks[t].cluster == cluster
                        && (self.tasks[t].id == id
                            || (id.len() >= 8 && self.tasks[t].id.starts_with(&id)))
                })
                .collect();
            let [t] = matches[..] else {
                // UpdateTaskProtection reports these in `failures[]` with reason MISSING.
                let msg = format!("UpdateTaskProtection: task {r} MISSING in cluster {cluster}");
                self.log.push(self.now(), EventKind::Scenario, msg);
                continue;
            };
            self.tasks[t].protected_until = enabled.then_some(until);
            let msg = if enabled {
                format!(
                    "task {} is protected from scale-in until {until}",
                    self.tasks[t].id
                )
            } else {
                format!(
                    "task {} is no longer protected from scale-in",
                    self.tasks[t].id
                )
            };
            let task_id = self.tasks[t].id.clone();
            self.log
                .push(self.now(), EventKind::TaskStateChange, msg)
                .task(&task_id);
            if let Some(s) = self.tasks[t].service {
                self.poke_service(s);
                if enabled {
                    self.schedule_service_tick(s, until);
                }
            }
            self.managed_instance_protection_changed(t);
        }
    }

    /// Whether task `t` is protected from scale-in now.
    pub(crate) fn is_protected(&self, t: usize) -> bool {
        self.tasks[t]
            .protected_until
            .is_some_and(|until| self.now() < until)
    }
}
