//! Amazon ECS Managed Instances infrastructure optimization: underutilized instances are
//! drained so that their service tasks move to fewer or cheaper instances.
//!
//! The idle half of the optimization (an instance with no task is deregistered after
//! `scaleInAfter`) is in [`super::managed_instances`]; this module is the other half. What AWS
//! says [MI-OPT]:
//! - "When tasks are running sub-optimally across multiple instances, Amazon ECS Managed
//!   Instances consolidates workloads onto fewer, more efficiently utilized instances".
//! - "The optimization process marks underutilized container instances as DRAINING, which
//!   triggers task replacement to move workloads to existing or new, more efficient
//!   instances. Once all tasks are safely migrated, the instance transitions to DEREGISTERING
//!   state and is cleaned up."
//! - "This optimization applies to instances running service tasks and ensures safe
//!   consolidation by respecting your service's minimum and maximum task limits, honoring
//!   start-before-stop deployment behavior, and maintaining any task protection settings";
//!   "Instances running standalone tasks are not considered for optimization".
//! - "any task stop or new instance launch triggers analysis"; "ECS waits for the specified
//!   duration after a task stop event that results in the instance becoming underutilized
//!   before draining the instance. If a new task is launched or an existing task is stopped on
//!   a particular instance during the waiting period, the timer resets".
//! - `scaleInAfter` "applies to both idle and underutilized instances"; -1 "Disables
//!   automatic infrastructure optimization" [API-IO].
//! - An AWS blog's demonstration drains an r5a.large running one small task and runs it on a
//!   smaller type, and drains two such instances one after the other, not at once
//!   ("availability-first ... draining instances in phases") [MI-BLOG].
//!
//! AWS publishes no threshold. The playground's rule [unconfirmed]: an ACTIVE instance whose
//! tasks are all RUNNING tasks of replica services with no deployment under way, whose
//! `minimumHealthyPercent` or `maximumPercent` leaves room to replace a task, none protected
//! from scale-in, is underutilized when
//! 1. **consolidation**: every one of its tasks fits, with its constraints, on the provider's
//!    other ACTIVE instances that run tasks in the same Availability Zone (the zone keeps its share: "Availability
//!    Zone spread takes precedence over bin packing" [MI]); or
//! 2. **right-sizing**: the instances the provider would launch for those tasks (the cheapest
//!    type, as it launches for waiting tasks) cost less per hour than the instance itself.
//!
//! `options.capacity.underutilizedInstances` switches the rule: `"consolidate"` (1 only) or
//! `"never"` (idle instances only).
//!
//! One instance per provider drains for optimization at a time. Its tasks are replaced as on
//! any DRAINING instance (4.7), and it is terminated once empty.
//!
//! Sources:
//! - [MI-OPT] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-instances-infrastructure-optimization.html>
//! - [API-IO] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_InfrastructureOptimization.html>
//! - [MI] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-instance-auto-scaling.html>
//! - [MI-BLOG] <https://aws.amazon.com/blogs/containers/deep-dive-amazon-ecs-managed-instances-provisioning-and-optimization/>

use super::UnderutilizedRule;
use crate::container_instance::InstanceStatus;
use crate::event_log::EventKind;
use crate::placement::filter::constraints::{self, CheckMode};
use crate::placement::filter::resources::check_placement_resources;
use crate::placement::TaskNeeds;
use crate::service::SchedulingStrategy;
use crate::sim::{Simulation, Timer};

/// What the tasks a consolidation check moves onto an instance take there.
#[derive(Debug, Clone, Default)]
struct Taken {
    cpu: u32,
    memory_mib: u32,
    gpus: u32,
    enis: u32,
    /// The tasks (their groups and static ports count too).
    tasks: Vec<usize>,
}

/// Why an instance is underutilized.
#[derive(Debug, Clone, PartialEq)]
pub enum Underutilized {
    /// Its tasks fit on these other instances of its zone (EC2 instance IDs).
    Consolidation(Vec<String>),
    /// The provider would run its tasks on `count` × `instance_type` for `usd_per_hour`,
    /// less than the instance's own `own_usd_per_hour`.
    RightSizing {
        /// The type the provider would launch.
        instance_type: &'static str,
        /// How many.
        count: u32,
        /// Their price per hour, with the management fee.
        usd_per_hour: f64,
        /// The instance's price per hour, with the management fee.
        own_usd_per_hour: f64,
    },
}

impl Underutilized {
    /// The reason, in words.
    pub fn describe(&self) -> String {
        match self {
            Underutilized::Consolidation(onto) => {
                format!("its tasks fit on {} in its Availability Zone", onto.join(", "))
            }
            Underutilized::RightSizing {
                instance_type,
                count,
                usd_per_hour,
                own_usd_per_hour,
            } => format!(
                "its tasks run on {count} × {instance_type} for ${usd_per_hour:.4}/h instead of ${own_usd_per_hour:.4}/h"
            ),
        }
    }
}

impl Simulation {
    /// Whether Managed Instances instance `i` (its index among them) is underutilized now,
    /// and why (the module doc's rule).
    pub fn managed_instance_underutilized(&self, i: usize) -> Option<Underutilized> {
        let mi = &self.managed.instances[i];
        let slot = mi.slot.filter(|_| !mi.terminated)?;
        self.scale_in_after(mi.provider)?;
        let inst = &self.cluster.instances[slot];
        if inst.status != InstanceStatus::Active || !inst.agent_connected {
            return None;
        }
        let tasks = self.tasks_on(slot);
        // Only running tasks of replica services without a deployment under way move; anything
        // else keeps the instance.
        let mut moving: Vec<(usize, usize)> = Vec::new();
        for &t in &tasks {
            let task = &self.tasks[t];
            let s = task.service?;
            let svc = &self.services[s];
            // "respecting your service's minimum and maximum task limits": a service that may
            // neither start a replacement first nor stop a task first cannot move it, and the
            // instance would stay DRAINING.
            let desired = svc.desired_count as usize;
            let cfg = svc.deployment_configuration;
            let replaceable =
                cfg.max_tasks(desired) > desired || cfg.min_healthy_tasks(desired) < desired;
            let movable = task.is_active()
                && task.last_status == crate::task::TaskStatus::Running
                && svc.scheduling == SchedulingStrategy::Replica
                && svc.deployments.len() == 1
                && svc.deployments[0].task_set.is_none()
                && replaceable
                && !self.is_protected(t);
            if !movable {
                return None;
            }
            moving.push((t, s));
        }
        if moving.is_empty() {
            // Idle: the other half of the optimization (super::managed_instances).
            return None;
        }
        let rule = self.scenario.options.capacity.underutilized;
        if rule == UnderutilizedRule::Never {
            return None;
        }
        if let Some(onto) = self.consolidation_targets(slot, mi.provider, &moving) {
            return Some(Underutilized::Consolidation(onto));
        }
        if rule == UnderutilizedRule::Consolidate {
            return None;
        }
        self.right_sizing(i, &moving)
    }

    /// The other instances of the provider in `slot`'s zone that take every task of
    /// `moving` (first fit, largest first), if they all fit.
    fn consolidation_targets(
        &self,
        slot: usize,
        p: usize,
        moving: &[(usize, usize)],
    ) -> Option<Vec<String>> {
        let zone = &self.cluster.instances[slot].availability_zone;
        let others: Vec<usize> = self
            .managed
            .instances
            .iter()
            .filter(|o| o.provider == p && !o.terminated)
            .filter_map(|o| o.slot)
            .filter(|&o| o != slot)
            .filter(|&o| {
                let inst = &self.cluster.instances[o];
                // An idle instance is on its way out (its own scaleInAfter wait).
                inst.status == InstanceStatus::Active
                    && inst.agent_connected
                    && &inst.availability_zone == zone
                    && !self.tasks_on(o).is_empty()
            })
            .collect();
        if others.is_empty() {
            return None;
        }
        // What the tasks moved so far take on each other instance.
        let mut taken = vec![Taken::default(); others.len()];
        let mut order = moving.to_vec();
        order.sort_by_key(|&(t, _)| std::cmp::Reverse(self.tasks[t].reservation.memory_mib));
        let mut used = Vec::new();
        for (t, s) in order {
            let task = &self.tasks[t];
            let svc = &self.services[s];
            let fits = |k: usize| {
                let o = others[k];
                let Taken {
                    cpu,
                    memory_mib,
                    gpus,
                    enis,
                    tasks: ref moved,
                } = taken[k];
                let inst = &self.cluster.instances[o];
                let needs = TaskNeeds {
                    cpu: svc.needs.cpu + cpu,
                    memory_mib: svc.needs.memory_mib + memory_mib,
                    gpus: svc.needs.gpus + gpus,
                    ..svc.needs.clone()
                };
                let same_group = moved
                    .iter()
                    .filter(|&&m| self.tasks[m].group == task.group)
                    .count() as u32;
                let ports_clash = !svc.needs.static_ports.is_empty()
                    && moved.iter().any(|&m| {
                        self.tasks[m]
                            .service
                            .is_some_and(|ms| !self.services[ms].needs.static_ports.is_empty())
                    });
                check_placement_resources(inst, &needs).is_ok()
                    && (!needs.eni || inst.enis_in_use + enis < inst.eni_task_capacity)
                    && !ports_clash
                    && constraints::check(
                        &self.cluster,
                        o,
                        &svc.constraints,
                        &task.group,
                        self.cluster.group_counts(task.reservation.group_id)[o] + same_group,
                        &self.placer.eval_options,
                        CheckMode {
                            detail: false,
                            skip_static: false,
                        },
                    )
                    .is_ok()
            };
            let k = (0..others.len()).find(|&k| fits(k))?;
            let moved = &mut taken[k];
            moved.cpu += svc.needs.cpu;
            moved.memory_mib += svc.needs.memory_mib;
            moved.gpus += svc.needs.gpus;
            moved.enis += u32::from(svc.needs.eni);
            moved.tasks.push(t);
            if !used.contains(&k) {
                used.push(k);
            }
        }
        used.sort_unstable();
        Some(
            used.into_iter()
                .map(|k| self.cluster.instances[others[k]].ec2_instance_id.clone())
                .collect(),
        )
    }

    /// Whether the provider would run the tasks of `moving` on instances that cost less per
    /// hour than Managed Instances instance `i`.
    fn right_sizing(&self, i: usize, moving: &[(usize, usize)]) -> Option<Underutilized> {
        let mi = &self.managed.instances[i];
        let provider = self.capacity.providers[mi.provider].managed_instances()?;
        let own = crate::billing::managed_instance_price(mi.instance_type, provider.spot);
        let zones = provider
            .subnets
            .iter()
            .map(|(_, az)| az)
            .filter(|az| !self.zone_is_down(az))
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u32;
        // The tasks by service, as the provider launches for each group of waiting tasks.
        let mut by_service: Vec<(usize, u32)> = Vec::new();
        for &(_, s) in moving {
            match by_service.iter_mut().find(|(x, _)| *x == s) {
                Some((_, n)) => *n += 1,
                None => by_service.push((s, 1)),
            }
        }
        let mut total = 0.0;
        let mut chosen = Vec::new();
        for (s, n) in by_service {
            let svc = &self.services[s];
            let (it, count) = super::managed_instances::choose_instances(
                &svc.needs,
                n,
                zones,
                &svc.td.cpu_architecture,
                provider.requirements.as_ref(),
                0,
            )?;
            total += crate::billing::managed_instance_price(it, provider.spot) * f64::from(count);
            chosen.push((it.name, count));
        }
        // A cent's margin keeps equal prices from draining.
        if total + 0.000_1 >= own {
            return None;
        }
        let (instance_type, count) = if chosen.len() == 1 {
            chosen[0]
        } else {
            ("instances", chosen.iter().map(|c| c.1).sum())
        };
        Some(Underutilized::RightSizing {
            instance_type,
            count,
            usd_per_hour: total,
            own_usd_per_hour: own,
        })
    }

    /// A task stopped on, or an instance joined, Managed Instances provider `p` ("any task
    /// stop or new instance launch triggers analysis"): each of its instances that is now
    /// underutilized starts its `scaleInAfter` wait, unless it is already waiting; `touched`
    /// (the instance of the task stop) starts it again.
    pub(crate) fn analyse_managed_instances(&mut self, p: usize, touched: Option<usize>) {
        let Some(after) = self.scale_in_after(p) else {
            return;
        };
        let now = self.now();
        for i in 0..self.managed.instances.len() {
            let mi = &self.managed.instances[i];
            if mi.provider != p || mi.terminated || mi.slot.is_none() {
                continue;
            }
            let slot = mi.slot;
            let underutilized = self.managed_instance_underutilized(i).is_some();
            let mi = &mut self.managed.instances[i];
            if !underutilized {
                mi.underutilized_since = None;
                continue;
            }
            if mi.underutilized_since.is_none() || slot == touched {
                mi.underutilized_since = Some(now);
                let at = now.plus_secs(after);
                self.schedule(at, Timer::ManagedInstanceUnderutilized(i));
            }
        }
    }

    /// An optimization drain of provider `p` ended: the instances whose wait ran out
    /// meanwhile look again now.
    pub(crate) fn resume_optimization(&mut self, p: usize) {
        let Some(after) = self.scale_in_after(p) else {
            return;
        };
        for i in 0..self.managed.instances.len() {
            let mi = &self.managed.instances[i];
            let due = mi
                .underutilized_since
                .is_some_and(|since| self.now() >= since.plus_secs(after));
            if mi.provider == p && !mi.terminated && due {
                self.schedule(self.now(), Timer::ManagedInstanceUnderutilized(i));
            }
        }
    }

    /// A task started on the instance in `slot`: an underutilized wait under way there
    /// starts again ("If a new task is launched ... the timer resets").
    pub(crate) fn managed_instance_task_started(&mut self, slot: usize) {
        let Some(i) = self.live_managed_instance(slot) else {
            return;
        };
        if self.managed.instances[i].underutilized_since.is_some() {
            let p = self.managed.instances[i].provider;
            self.managed.instances[i].underutilized_since = None;
            self.analyse_managed_instances(p, Some(slot));
        }
    }

    /// UpdateTaskProtection set or removed the scale-in protection of task `t`: a protected
    /// task keeps its instance (the module doc's rule), so its Managed Instances instance is
    /// analysed again when the protection ends, as after a task stop.
    pub(crate) fn managed_instance_protection_changed(&mut self, t: usize) {
        if self.managed_provider_of_task(t).is_none() {
            return;
        }
        match self.tasks[t].protected_until {
            Some(until) if self.now() < until => {
                self.schedule(until, Timer::ManagedInstanceProtectionExpired(t));
            }
            _ => self.managed_instance_protection_expired(t),
        }
    }

    /// The scale-in protection of task `t` may have expired (an UpdateTaskProtection call may
    /// have extended it since): unprotected, its Managed Instances instance is analysed again.
    pub(crate) fn managed_instance_protection_expired(&mut self, t: usize) {
        if self.is_protected(t) {
            return;
        }
        if let Some(p) = self.managed_provider_of_task(t) {
            self.analyse_managed_instances(p, None);
        }
    }

    /// The Managed Instances provider of the live instance that active task `t` runs on.
    fn managed_provider_of_task(&self, t: usize) -> Option<usize> {
        let task = &self.tasks[t];
        if !task.is_active() {
            return None;
        }
        self.live_managed_instance(task.reservation.slot)
            .map(|i| self.managed.instances[i].provider)
    }

    /// The `scaleInAfter` wait of underutilized Managed Instances instance `i` may have ended:
    /// still underutilized, and no other instance of its provider draining for optimization,
    /// it drains.
    pub(crate) fn managed_instance_underutilized_timer(&mut self, i: usize) {
        let mi = &self.managed.instances[i];
        let p = mi.provider;
        let (Some(since), Some(slot)) = (mi.underutilized_since, mi.slot) else {
            return;
        };
        let Some(after) = self.scale_in_after(p) else {
            return;
        };
        if mi.terminated || self.now() < since.plus_secs(after) {
            return;
        }
        let Some(why) = self.managed_instance_underutilized(i) else {
            self.managed.instances[i].underutilized_since = None;
            return;
        };
        // One at a time: the next waits for this one to end (see retire_managed_instance).
        let draining = self
            .managed
            .instances
            .iter()
            .any(|o| o.provider == p && o.optimizing && !o.terminated);
        if draining {
            return;
        }
        let mi = &mut self.managed.instances[i];
        mi.optimizing = true;
        mi.underutilized_since = None;
        let id = mi.id.clone();
        let name = self.capacity.providers[p].name.clone();
        self.log
            .push(
                self.now(),
                EventKind::Capacity,
                format!(
                    "capacity provider {name} (Managed Instances): container instance {id} is underutilized ({}) for {after} s (scaleInAfter): DRAINING, its service tasks are replaced on existing or new instances, then it is DEREGISTERING and terminated",
                    why.describe()
                ),
            )
            .instance(&id);
        self.drain_instance(
            slot,
            "Managed Instances infrastructure optimization: underutilized",
        );
    }
}
