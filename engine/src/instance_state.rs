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
            if self.cluster.instances[slot].status == InstanceStatus::Inactive {
                let msg = format!(
                    "updateContainerInstancesState[{i}]: INACTIVE: container instance {id} was deregistered"
                );
                self.log.push(self.now(), EventKind::Scenario, msg);
                continue;
            }
            if status == InstanceStatus::Draining {
                self.drain_instance(slot, "");
                continue;
            }
            self.cluster.instances[slot].status = status;
            self.task_generation += 1;
            self.cluster.refresh(slot);
            self.instance_state_change(slot);
            self.log
                .push(
                    self.now(),
                    EventKind::ContainerInstance,
                    format!("container instance {id} is ACTIVE"),
                )
                .instance(&id);
            self.poke_cluster_services(slot);
            // Its room may fit a task waiting for its provider.
            if let Some(p) = self.cluster.instances[slot].capacity_provider {
                self.poke_provider(p);
            }
        }
    }
}

impl Simulation {
    /// Sets an instance to DRAINING (4.7): it takes no new tasks, its PENDING service tasks
    /// stop at once, and its services replace the RUNNING ones within their deployment
    /// configuration. `why` says who asked (shown in the log).
    pub(crate) fn drain_instance(&mut self, slot: usize, why: &str) {
        if self.cluster.instances[slot].status != InstanceStatus::Active {
            return;
        }
        self.cluster.instances[slot].status = InstanceStatus::Draining;
        self.task_generation += 1;
        self.cluster.refresh(slot);
        self.instance_state_change(slot);
        let id = self.cluster.instances[slot].ec2_instance_id.clone();
        self.log
            .push(
                self.now(),
                EventKind::ContainerInstance,
                if why.is_empty() {
                    format!("container instance {id} is DRAINING")
                } else {
                    format!("container instance {id} is DRAINING ({why})")
                },
            )
            .instance(&id);
        let pending: Vec<usize> = self
            .tasks_on(slot)
            .into_iter()
            .filter(|&t| {
                let task = &self.tasks[t];
                task.service.is_some()
                    && task.is_active()
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
        self.poke_cluster_services(slot);
    }

    /// Terminates an instance: every task still on it stops at once with `stop_code` (its
    /// containers die with the host), it leaves the cluster (INACTIVE), and its Auto Scaling
    /// group, if any, replaces it when below its desired capacity.
    pub(crate) fn terminate_instance(&mut self, slot: usize, stop_code: &str, reason: &str) {
        if self.cluster.instances[slot].status == InstanceStatus::Inactive {
            // A deregistered instance's EC2 instance still runs until now.
            if std::mem::take(&mut self.cluster.instances[slot].deregistered) {
                self.group_instance_terminated(slot);
            }
            return;
        }
        self.managed_instance_terminated(slot);
        for t in self.tasks_on(slot) {
            self.kill_task(t, stop_code, reason);
        }
        let inst = &mut self.cluster.instances[slot];
        inst.status = InstanceStatus::Inactive;
        inst.agent_connected = false;
        let id = inst.ec2_instance_id.clone();
        let fargate = inst.fargate;
        self.task_generation += 1;
        self.cluster.refresh(slot);
        if !fargate {
            self.log
                .push(
                    self.now(),
                    EventKind::ContainerInstance,
                    format!("container instance {id} is INACTIVE: {reason}"),
                )
                .instance(&id);
            self.instance_state_change(slot);
        }
        self.poke_cluster_services(slot);
        self.group_instance_terminated(slot);
    }

    /// Tasks on an instance that have not reached STOPPED.
    pub(crate) fn tasks_on(&self, slot: usize) -> Vec<usize> {
        self.instance_tasks.get(slot).cloned().unwrap_or_default()
    }

    /// Whether an instance runs (or is starting) a task that is not a daemon (6.4, 6.5).
    pub(crate) fn runs_non_daemon_tasks(&self, slot: usize) -> bool {
        self.instance_tasks.get(slot).is_some_and(|ts| {
            ts.iter().any(|&t| {
                let task = &self.tasks[t];
                task.is_active()
                    && task.service.is_none_or(|s| {
                        self.services[s].scheduling == crate::service::SchedulingStrategy::Replica
                    })
            })
        })
    }

    /// Looks again at every service of the instance's cluster.
    pub(crate) fn poke_cluster_services(&mut self, slot: usize) {
        let cluster = self.cluster.instances[slot].cluster.clone();
        for s in 0..self.services.len() {
            if self.services[s].cluster == cluster {
                self.poke_service(s);
            }
        }
    }

    /// A new EC2 instance id from the seeded stream.
    pub(crate) fn new_instance_id(&mut self) -> String {
        format!("i-0{}", self.rng_ids.hex(16))
    }
}
