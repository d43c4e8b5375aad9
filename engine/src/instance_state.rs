//! UpdateContainerInstancesState (4.7): setting instances to DRAINING or back to ACTIVE.
//!
//! A DRAINING instance takes no new tasks; its PENDING service tasks stop at once and its
//! RUNNING service tasks are replaced by the services' rolling-update loop within
//! `minimumHealthyPercent` and `maximumPercent`. Standalone tasks are left alone (G40).

use serde_json::Value;

use crate::container_instance::InstanceStatus;
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::task::TaskStatus;
use crate::time::{parse_duration_ms, SimTime};

impl Simulation {
    /// Sets a timer for every `updateContainerInstancesState[]` entry.
    pub(crate) fn schedule_instance_state_updates(&mut self) {
        for (i, raw) in self
            .scenario
            .instance_state_updates
            .clone()
            .iter()
            .enumerate()
        {
            match raw.get("at").map(parse_duration_ms).unwrap_or(Ok(0)) {
                Ok(at) => self.schedule(SimTime(at), Timer::UpdateInstanceState(i)),
                Err(e) => {
                    self.log.push(
                        self.now(),
                        EventKind::Scenario,
                        format!("updateContainerInstancesState[{i}].at: {e}"),
                    );
                }
            }
        }
    }

    /// Makes UpdateContainerInstancesState call `i`.
    pub(crate) fn update_instance_state(&mut self, i: usize) {
        let raw = self.scenario.instance_state_updates[i].clone();
        let status = match raw.get("status").and_then(Value::as_str) {
            Some("DRAINING") => InstanceStatus::Draining,
            Some("ACTIVE") => InstanceStatus::Active,
            other => {
                let msg = format!("updateContainerInstancesState[{i}].status: {other:?} is not DRAINING or ACTIVE");
                self.log.push(self.now(), EventKind::Scenario, msg);
                return;
            }
        };
        let ids: Vec<String> = raw
            .get("containerInstances")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
                    .collect()
            })
            .unwrap_or_default();
        for id in ids {
            let Some(slot) = self.cluster.find(&id) else {
                // The MISSING failure of 3.8.
                let msg = format!(
                    "updateContainerInstancesState[{i}]: MISSING: no container instance {id}"
                );
                self.log.push(self.now(), EventKind::Scenario, msg);
                continue;
            };
            self.cluster.instances[slot].status = status;
            self.task_generation += 1;
            self.cluster.refresh(slot);
            let word = if status == InstanceStatus::Draining {
                "DRAINING"
            } else {
                "ACTIVE"
            };
            self.log
                .push(
                    self.now(),
                    EventKind::ContainerInstance,
                    format!("container instance {id} is {word}"),
                )
                .instance(&id);
            if status == InstanceStatus::Draining {
                // PENDING service tasks on a draining instance stop at once (4.7).
                let pending: Vec<usize> = (0..self.tasks.len())
                    .filter(|&t| {
                        let task = &self.tasks[t];
                        task.service.is_some()
                            && task.is_active()
                            && task.reservation.slot == slot
                            && task.last_status != TaskStatus::Running
                    })
                    .collect();
                for t in pending {
                    self.stop_task(
                        t,
                        "ServiceSchedulerInitiated",
                        "Container instance is being drained; pending task stopped",
                    );
                }
            }
            let cluster = self.cluster.instances[slot].cluster.clone();
            for s in 0..self.services.len() {
                if self.services[s].cluster == cluster {
                    self.poke_service(s);
                }
            }
        }
    }
}
