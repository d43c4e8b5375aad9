//! The DAEMON scheduling strategy (4.1): one task of the service on every ACTIVE container
//! instance that meets its constraints.
//!
//! ECS places daemon tasks first and stops them last:
//! - **Held back.** On an instance that should run a daemon task and does not yet, the task's
//!   CPU, memory, GPUs and ENI are held back: replica services and RunTask cannot place
//!   there with them ([`ContainerInstance::daemon_hold`]). StartTask, which names its
//!   instance, is not held back. [unconfirmed] AWS does not say whether ports are held; the
//!   playground holds none, and holds nothing for a daemon that cannot fit the instance's
//!   registered resources at all.
//! - **Stopped last.** On a draining instance the daemon task stops once the instance's other
//!   tasks have stopped.
//!
//! Its `desiredCount` is the number of instances it should run on, as DescribeServices shows
//! it, and it is steady when a task runs on each.

use crate::container_instance::{ContainerInstance, DaemonHold};
use crate::placement::explain::Rejection;
use crate::service::{SchedulingStrategy, ServiceStatus};
use crate::sim::Simulation;
use crate::task::TaskStatus;

impl Simulation {
    /// The DAEMON scheduler (4.1): one task on every ACTIVE instance of the cluster that meets
    /// the constraints. It stops the task of an instance that no longer meets them, and of a
    /// draining instance once every other task there has stopped, and replaces the tasks of
    /// an older deployment instance by instance: with `maximumPercent` 100 the old task stops
    /// first, and at most as many stop at once as `minimumHealthyPercent` allows (0 by
    /// default: all of them).
    pub(crate) fn start_daemons(&mut self, s: usize, active: &[usize]) {
        let mut active = active.to_vec();
        active.retain(|&t| {
            let slot = self.tasks[t].reservation.slot;
            let why = if !self.cluster.instances[slot].accepts_tasks() {
                // Stopped last (4.1): it waits for the instance's other tasks.
                if self.non_daemon_tasks_on(slot) {
                    return true;
                }
                "Container instance is being drained; daemon task stopped"
            } else if !self.daemon_constraints_hold(s, slot) {
                // 9.1: the service action that says so.
                let extra = serde_json::json!({"containerInstanceArns": [self.cluster.instances[slot].arn]});
                self.service_action(s, "ERROR", "SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED", extra);
                "Container instance no longer meets the service's placement constraints; daemon task stopped"
            } else {
                return true;
            };
            self.stop_task(t, "ServiceSchedulerInitiated", why);
            false
        });
        if self.roles_refuse_launch(s) {
            return;
        }
        let candidates = self.daemon_hosts(s);
        let eligible = candidates
            .iter()
            .filter(|&&slot| self.daemon_constraints_hold(s, slot))
            .count();
        // ECS keeps a daemon's desiredCount at the instances it should run on.
        self.services[s].desired_count = eligible as u32;
        self.replace_old_daemons(s, &mut active, eligible);
        let has_task = self.daemon_task_slots(s);
        let mut started = Vec::new();
        for slot in candidates {
            if has_task[slot] {
                continue;
            }
            let svc = &self.services[s];
            let group_id = self.cluster.group_id(&svc.group);
            let count = self.cluster.group_counts(group_id)[slot];
            let ok = crate::placement::filter::resources::check_resources(
                &self.cluster.instances[slot],
                &svc.needs,
            )
            .and_then(|()| {
                crate::placement::filter::constraints::check(
                    &self.cluster,
                    slot,
                    &svc.constraints,
                    &svc.group,
                    count,
                    &self.placer.eval_options,
                    crate::placement::filter::constraints::CheckMode::FULL,
                )
            });
            match ok {
                Ok(()) => started.push(self.start_service_task(s, slot, None)),
                Err((_, rejection)) => {
                    if !matches!(rejection, Rejection::MemberOf { .. }) {
                        self.report_unplaceable(s, Some((slot, rejection)));
                    }
                }
            }
        }
        self.report_started(s, &started);
    }

    /// The instances DAEMON service `s` may run on, constraints aside: ACTIVE EC2 instances
    /// (or ECS Anywhere ones, for an EXTERNAL service) of its cluster, not those of Managed
    /// Instances providers.
    fn daemon_hosts(&self, s: usize) -> Vec<usize> {
        let cluster_id = self.cluster.cluster_id(&self.services[s].cluster);
        (0..self.cluster.instances.len())
            .filter(|&slot| {
                let inst = &self.cluster.instances[slot];
                Some(self.cluster.cluster_id_of[slot]) == cluster_id
                    && !inst.fargate
                    && inst.external == self.services[s].external
                    && !inst.managed_instances
                    && inst.accepts_tasks()
            })
            .collect()
    }

    /// Per instance slot, whether a task of service `s` is there and not yet STOPPED (an old
    /// task stopping still holds its resources: the new one waits for it).
    fn daemon_task_slots(&self, s: usize) -> Vec<bool> {
        let mut has_task = vec![false; self.cluster.instances.len()];
        for &t in self.service_tasks.get(s).map(Vec::as_slice).unwrap_or(&[]) {
            if self.tasks[t].last_status != TaskStatus::Stopped {
                has_task[self.tasks[t].reservation.slot] = true;
            }
        }
        has_task
    }

    /// Whether the service's `memberOf` constraints hold on `slot` (the ones a daemon keeps
    /// checking: `distinctInstance` always holds for one task per instance).
    fn daemon_constraints_hold(&self, s: usize, slot: usize) -> bool {
        let svc = &self.services[s];
        svc.constraints.iter().all(|c| match c {
            crate::placement::Constraint::MemberOf(expr) => {
                crate::placement::filter::constraints::member_of_holds(
                    &self.cluster,
                    slot,
                    expr,
                    &self.placer.eval_options,
                )
            }
            crate::placement::Constraint::DistinctInstance => true,
        })
    }

    /// Stops daemon tasks of an older deployment, as many as `minimumHealthyPercent` allows
    /// (4.3: `ceil(eligible × min / 100)` must stay running, `eligible` the instances the
    /// daemon should run on); their instances then get a task of the current deployment once
    /// the old one has stopped.
    fn replace_old_daemons(&mut self, s: usize, active: &mut Vec<usize>, eligible: usize) {
        let primary = self.services[s].primary_deployment();
        let old: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&t| self.tasks[t].deployment != Some(primary))
            .collect();
        if old.is_empty() {
            return;
        }
        let min = self.services[s]
            .deployment_configuration
            .minimum_healthy_percent;
        let keep = (eligible as u64 * u64::from(min)).div_ceil(100) as usize;
        let may_stop = active.len().saturating_sub(keep);
        let reason = format!(
            "Scaling activity initiated by (deployment {})",
            self.services[s].deployment_id
        );
        for &t in old.iter().take(may_stop) {
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
            active.retain(|&x| x != t);
        }
    }

    /// Whether a task of no DAEMON service is still on `slot`, stopping ones included (unlike
    /// [`Simulation::runs_non_daemon_tasks`], which counts only those meant to keep running).
    fn non_daemon_tasks_on(&self, slot: usize) -> bool {
        self.tasks_on(slot).into_iter().any(|t| {
            self.tasks[t]
                .service
                .is_none_or(|s| self.services[s].scheduling != SchedulingStrategy::Daemon)
        })
    }

    /// Whether any service of the run is a DAEMON service.
    pub(crate) fn has_daemon_services(&self) -> bool {
        self.services
            .iter()
            .any(|s| s.scheduling == SchedulingStrategy::Daemon)
    }

    /// Recomputes what every instance holds back for the daemon tasks it lacks; call before
    /// placing a non-daemon task. Nothing to do in a run without DAEMON services.
    pub(crate) fn refresh_daemon_holds(&mut self) {
        if !self.daemon_holds && !self.has_daemon_services() {
            return;
        }
        let daemons: Vec<usize> = (0..self.services.len())
            .filter(|&s| {
                self.services[s].scheduling == SchedulingStrategy::Daemon
                    && self.services[s].status == ServiceStatus::Active
            })
            .collect();
        let mut holds = vec![DaemonHold::default(); self.cluster.instances.len()];
        for &s in &daemons {
            let has_task = self.daemon_task_slots(s);
            for slot in self.daemon_hosts(s) {
                let owed = !has_task[slot]
                    && could_ever_fit(&self.cluster.instances[slot], &self.services[s].needs)
                    && self.daemon_constraints_hold(s, slot);
                if owed {
                    holds[slot].add(&self.services[s].needs);
                }
            }
        }
        self.daemon_holds = holds.iter().any(|h| *h != DaemonHold::default());
        for (slot, hold) in holds.into_iter().enumerate() {
            if self.cluster.instances[slot].daemon_hold != hold {
                self.cluster.instances[slot].daemon_hold = hold;
                self.cluster.refresh(slot);
            }
        }
    }
}

/// Whether a task with `needs` fits the instance's registered resources at all.
fn could_ever_fit(inst: &ContainerInstance, needs: &crate::placement::TaskNeeds) -> bool {
    let r = &inst.registered;
    r.cpu >= needs.cpu && r.memory_mib >= needs.memory_mib && r.gpus >= needs.gpus
}
