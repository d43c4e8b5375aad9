//! The running groups: launching, registering, choosing victims and terminating.

use super::{AutoScalingGroup, GroupActivity, GroupInstance, GroupInstanceState};
use crate::event_log::EventKind;
use crate::scenario::{InstanceSpec, Lifecycle};
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

/// Activities kept per group, newest last.
pub const MAX_GROUP_ACTIVITIES: usize = 100;

/// Why a group launches an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LaunchFor {
    /// Its capacity is below its target.
    Capacity,
    /// Its warm pool is below its size.
    WarmPool,
    /// Capacity Rebalancing replaces a Spot instance at risk of interruption.
    Rebalance,
}

impl Simulation {
    /// Builds the scenario's groups and launches their initial `DesiredCapacity`.
    pub(crate) fn create_auto_scaling_groups(&mut self) {
        for spec in self.scenario.auto_scaling_groups.clone() {
            self.groups.push(AutoScalingGroup {
                desired: spec.desired,
                spec,
                instances: Vec::new(),
                provider: None,
                low_minutes: 0,
                activities: Vec::new(),
                refreshes: Vec::new(),
                warm_pool: None,
            });
        }
        for (p, provider) in self.capacity.providers.iter().enumerate() {
            if let Some(g) = provider.group() {
                self.groups[g].provider = Some(p);
            }
        }
        for (i, raw) in self
            .scenario
            .update_auto_scaling_groups
            .clone()
            .iter()
            .enumerate()
        {
            match raw
                .get("at")
                .map(crate::time::parse_duration_ms)
                .unwrap_or(Ok(0))
            {
                Ok(at) => self.schedule(SimTime(at), Timer::UpdateAutoScalingGroup(i)),
                Err(e) => {
                    let msg = format!("updateAutoScalingGroups[{i}].at: {e}");
                    self.log.push(self.now(), EventKind::Scenario, msg);
                }
            }
        }
        for g in 0..self.groups.len() {
            let n = self.groups[g].desired;
            if n > 0 {
                let cause = format!(
                    "At {} a user request created an AutoScalingGroup changing the desired capacity from 0 to {n}.",
                    self.timestamp(self.now())
                );
                self.record_group_activity(g, format!("Set desired capacity to {n}"), cause);
            }
            self.reconcile_group(g);
        }
    }

    /// Makes UpdateAutoScalingGroup call `i`: new `MinSize`, `MaxSize`, `DesiredCapacity`.
    pub(crate) fn update_auto_scaling_group(&mut self, i: usize) {
        let raw = self.scenario.update_auto_scaling_groups[i].clone();
        let path = format!("updateAutoScalingGroups[{i}]");
        let name = raw
            .get("AutoScalingGroupName")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let Some(g) = self.groups.iter().position(|x| x.spec.name == name) else {
            let msg = format!("{path}.AutoScalingGroupName: no Auto Scaling group named {name:?}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        };
        let size = |key: &str| {
            raw.get(key)
                .and_then(serde_json::Value::as_u64)
                .map(|n| n.min(u64::from(super::MAX_GROUP_SIZE)) as u32)
        };
        let min = size("MinSize").unwrap_or(self.groups[g].spec.min);
        let max = size("MaxSize").unwrap_or(self.groups[g].spec.max);
        if min > max {
            let msg = format!("{path}.MinSize: {min} is above MaxSize {max}; the call is refused");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        self.groups[g].spec.min = min;
        self.groups[g].spec.max = max;
        let desired = size("DesiredCapacity").unwrap_or(self.groups[g].desired);
        let cause = format!(
            "At {} a user request update of AutoScalingGroup constraints to min: {min}, max: {max}, desired: {} changing the desired capacity from {} to {}.",
            self.timestamp(self.now()),
            desired.clamp(min, max),
            self.groups[g].desired,
            desired.clamp(min, max)
        );
        if desired.clamp(min, max) == self.groups[g].desired {
            self.reconcile_group(g);
        } else {
            self.set_group_desired(g, desired, cause);
        }
    }

    /// Sets a group's `DesiredCapacity` (clamped to min and max) and acts on it.
    pub(crate) fn set_group_desired(&mut self, g: usize, desired: u32, cause: String) {
        let group = &self.groups[g];
        let desired = desired.clamp(group.spec.min, group.spec.max);
        if desired == group.desired {
            return;
        }
        let from = group.desired;
        self.groups[g].desired = desired;
        self.record_group_activity(
            g,
            format!("Changing the desired capacity from {from} to {desired}"),
            cause,
        );
        self.reconcile_group(g);
    }

    /// Launches or terminates instances until the live count matches the desired capacity
    /// (plus the surge an instance refresh in progress allows).
    pub(crate) fn reconcile_group(&mut self, g: usize) {
        let live = self.groups[g].live_count();
        let target = self.group_target(g);
        if live < target {
            // Ready instances of the warm pool first, then cold launches.
            for _ in live..target {
                if !self.launch_from_warm_pool(g)
                    && !self.launch_group_instance(g, LaunchFor::Capacity)
                {
                    break;
                }
            }
        } else if live > target {
            // Terminating an instance may reconcile the group again (its replacement logic),
            // so the live count is read anew each time.
            while self.groups[g].live_count() > self.group_target(g) {
                match self.choose_group_victim(g) {
                    Some(i) => {
                        let cause = format!(
                            "At {} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from {} to {}.",
                            self.timestamp(self.now()),
                            self.groups[g].live_count(),
                            self.groups[g].live_count() - 1
                        );
                        self.retire_group_instance(g, i, cause)
                    }
                    None => {
                        let msg = format!(
                            "Auto Scaling group {}: every instance is protected from scale-in; desired {}, running {}",
                            self.groups[g].spec.name,
                            self.groups[g].desired,
                            self.groups[g].live_count()
                        );
                        self.log.push(self.now(), EventKind::Capacity, msg);
                        break;
                    }
                }
            }
        }
        self.reconcile_warm_pool(g);
    }

    /// How many instances group `g` keeps launching or in service: its desired capacity, plus
    /// the surge a refresh in progress allows (it shrinks as old instances go), plus the
    /// replacements of Spot instances at risk under Capacity Rebalancing.
    fn group_target(&self, g: usize) -> u32 {
        self.groups[g].desired + self.refresh_surge(g) + self.rebalance_surge(g)
    }

    /// Launches one instance into the Availability Zone with the fewest live instances
    /// (ties in the group's order), skipping zones in an outage. False if no zone is usable.
    /// Into the warm pool it warms up there instead (balanced by the pool's instances).
    pub(super) fn launch_group_instance(&mut self, g: usize, why: LaunchFor) -> bool {
        let into_pool = why == LaunchFor::WarmPool;
        let group = &self.groups[g];
        let counted = |i: &&GroupInstance| {
            if into_pool {
                i.is_warm()
            } else {
                matches!(
                    i.state,
                    GroupInstanceState::Pending | GroupInstanceState::InService
                )
            }
        };
        let usable: Vec<(String, String)> = group
            .spec
            .zones
            .iter()
            .filter(|(_, az)| !self.zone_is_down(az))
            .cloned()
            .collect();
        let Some((subnet, az)) = usable
            .iter()
            .min_by_key(|(_, az)| {
                group
                    .instances
                    .iter()
                    .filter(counted)
                    .filter(|i| &i.availability_zone == az)
                    .count()
            })
            .cloned()
        else {
            let msg = format!(
                "Auto Scaling group {}: no Availability Zone can launch an instance",
                group.spec.name
            );
            self.log.push(self.now(), EventKind::Capacity, msg);
            return false;
        };
        // On-demand or Spot: the template's market, or the mixed instances distribution
        // (base on-demand first, then the percentage above base).
        let lifecycle = match &group.spec.distribution {
            None => group.spec.template.lifecycle,
            Some(d) => {
                let on_demand = group
                    .live()
                    .filter(|i| i.lifecycle == Lifecycle::OnDemand)
                    .count() as u64;
                let total = group.live().count() as u64;
                let base = u64::from(d.on_demand_base);
                let above_total = (total + 1).saturating_sub(base);
                let above_on_demand = on_demand.saturating_sub(base);
                if on_demand < base
                    || above_on_demand * 100
                        < u64::from(d.on_demand_percent_above_base) * above_total
                {
                    Lifecycle::OnDemand
                } else {
                    Lifecycle::Spot
                }
            }
        };
        // The template's type, or the override the allocation strategy picks.
        let types = &group.spec.instance_types;
        let picked = match (&group.spec.distribution, lifecycle) {
            (None, _) => types.first().copied(),
            (Some(d), Lifecycle::OnDemand) => d.allocation.on_demand_type(types),
            (Some(d), Lifecycle::Spot) => d.allocation.spot_type(types, |t| {
                group
                    .live()
                    .filter(|i| {
                        i.lifecycle == Lifecycle::Spot
                            && i.availability_zone == az
                            && i.instance_type.name == t.name
                    })
                    .count()
            }),
        };
        let Some(instance_type) = picked else {
            let msg = format!(
                "Auto Scaling group {}: no Spot pool in {az} is at or below SpotMaxPrice; no instance launched",
                group.spec.name
            );
            self.log.push(self.now(), EventKind::Capacity, msg);
            return false;
        };
        let ecs_config = group.spec.template.ecs_config.clone();
        let instance_profile = group.spec.template.instance_profile.clone();
        let id = self.new_instance_id();
        let spec = InstanceSpec {
            id: Some(id.clone()),
            instance_type,
            availability_zone: az.clone(),
            lifecycle,
            attributes: Default::default(),
            ecs_config,
            launch_at_ms: self.now().as_ms() + self.scenario.options.capacity.instance_launch_ms(),
            awsvpc_trunking: false,
            subnet_id: subnet,
            agent_version: crate::scenario::DEFAULT_AGENT_VERSION.to_string(),
            agent_connected: true,
            security_groups: Vec::new(),
            external: false,
            instance_profile,
            auto_scaling_group: Some(g),
            managed_instances: None,
        };
        let at = SimTime(spec.launch_at_ms);
        self.instance_specs.push(spec);
        let spec_index = self.instance_specs.len() - 1;
        let check = self.warm_pools_check(g);
        // Into the pool with ECS_WARM_POOLS_CHECK, the agent waits until the instance leaves
        // it; without, it registers while the instance warms up.
        if !into_pool || !check {
            self.schedule(at, Timer::RegisterInstance(spec_index));
        }
        let i = self.groups[g].instances.len();
        if into_pool {
            let settle = if check {
                0
            } else {
                self.scenario.options.capacity.warm_pool_settle_ms()
            };
            self.schedule(at.plus_ms(settle), Timer::WarmPoolReady(g, i));
        }
        let now = self.now();
        let template = self.groups[g].spec.template.name.clone();
        self.groups[g].instances.push(GroupInstance {
            id: id.clone(),
            spec: spec_index,
            slot: None,
            availability_zone: az,
            lifecycle,
            instance_type,
            launched_at: now,
            in_service_at: None,
            template,
            rebalance_recommended: false,
            hooks: Vec::new(),
            state: if into_pool {
                GroupInstanceState::WarmedPending
            } else {
                GroupInstanceState::Pending
            },
        });
        if !into_pool {
            self.hold_for_hooks(g, i, super::lifecycle_hook::Transition::Launching);
        }
        if into_pool {
            let cause = format!(
                "At {} an instance was launched into the warm pool in response to a difference between the warm pool's size and its instances.",
                self.timestamp(now)
            );
            self.record_group_activity(
                g,
                format!("Launching a new EC2 instance into warm pool: {id}"),
                cause,
            );
            return true;
        }
        let cause = if why == LaunchFor::Rebalance {
            format!(
                "At {} an instance was launched in response to an EC2 instance rebalance recommendation.",
                self.timestamp(now)
            )
        } else {
            format!(
                "At {} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {} to {}.",
                self.timestamp(now),
                self.groups[g].live_count() - 1,
                self.groups[g].live_count()
            )
        };
        self.record_group_activity(g, format!("Launching a new EC2 instance: {id}"), cause);
        true
    }

    /// Called when a group's instance registers with ECS.
    pub(crate) fn group_instance_registered(&mut self, g: usize, id: &str, slot: usize) {
        let provider = self.groups[g].provider;
        let now = self.now();
        let mut arrived = None;
        if let Some(i) = self.groups[g].instances.iter().position(|x| x.id == id) {
            let inst = &mut self.groups[g].instances[i];
            // Launch lifecycle hooks keep it in Pending:Wait, registered with ECS or not.
            if inst.state == GroupInstanceState::Pending && !inst.held() {
                arrived = Some(i);
                inst.state = GroupInstanceState::InService;
                inst.in_service_at = Some(now);
            }
            inst.slot = Some(slot);
            if inst.state == GroupInstanceState::Terminated {
                // Terminated while booting: it never serves.
                self.terminate_instance(slot, "TerminationNotice", "Instance terminated");
                return;
            }
        }
        if let Some(p) = provider {
            self.cluster.instances[slot].capacity_provider = Some(p);
            self.cluster.set_provider(slot, p);
            self.poke_provider(p);
        }
        if let Some(i) = arrived {
            self.instance_activity_event(g, i, true);
            self.replace_instance_at_risk(g, i);
        }
    }

    /// Whether ECS's managed termination protection keeps the instance: the provider has it
    /// on and the instance runs a non-daemon task (6.5). Without it, the group's
    /// `NewInstancesProtectedFromScaleIn` protects every instance.
    pub(crate) fn group_instance_protected(&self, g: usize, i: usize) -> bool {
        let group = &self.groups[g];
        let managed = group.provider.is_some_and(|p| {
            matches!(
                self.capacity.providers[p].kind,
                crate::capacity_provider::ProviderKind::AutoScalingGroup {
                    termination_protection: true,
                    ..
                }
            )
        });
        if managed {
            return group.instances[i]
                .slot
                .is_some_and(|slot| self.runs_non_daemon_tasks(slot));
        }
        group.spec.new_instances_protected
    }

    /// The termination policy (6.5, [ASG-TERM]): the Availability Zone with the most instances
    /// that has an unprotected one, booting instances first, then `OldestInstance` or
    /// `NewestInstance` if the group lists one, then (every instance sharing one launch
    /// template, and per-second billing leaving no "closest to the billing hour") the seeded
    /// stream.
    fn choose_group_victim(&mut self, g: usize) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.groups[g].instances.len())
            .filter(|&i| {
                matches!(
                    self.groups[g].instances[i].state,
                    GroupInstanceState::Pending | GroupInstanceState::InService
                ) && !self.group_instance_protected(g, i)
            })
            .collect();
        self.choose_group_victim_among(g, &candidates)
    }

    /// The termination policy's choice among `candidates` (indexes into the group's
    /// instances); see [`Simulation::choose_group_victim`].
    pub(crate) fn choose_group_victim_among(
        &mut self,
        g: usize,
        candidates: &[usize],
    ) -> Option<usize> {
        if candidates.is_empty() {
            return None;
        }
        let group = &self.groups[g];
        let per_zone = |az: &str| group.live().filter(|x| x.availability_zone == az).count();
        let most = candidates
            .iter()
            .map(|&i| per_zone(&group.instances[i].availability_zone))
            .max()
            .unwrap_or(0);
        let pool: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| per_zone(&group.instances[i].availability_zone) == most)
            .collect();
        let booting: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| group.instances[i].state == GroupInstanceState::Pending)
            .collect();
        let mut pool = if booting.is_empty() { pool } else { booting };
        // OldestInstance / NewestInstance, whichever comes first in TerminationPolicies.
        let by_age = group
            .spec
            .termination_policies
            .iter()
            .find_map(|p| match p.as_str() {
                "OldestInstance" => Some(true),
                "NewestInstance" => Some(false),
                _ => None,
            });
        if let Some(oldest) = by_age {
            let launched = |i: &usize| group.instances[*i].launched_at;
            let pick = if oldest {
                pool.iter().map(launched).min()
            } else {
                pool.iter().map(launched).max()
            };
            pool.retain(|i| Some(launched(i)) == pick);
        }
        Some(pool[self.rng_placement.below(pool.len() as u64) as usize])
    }

    /// Whether group `g`'s capacity provider has managed draining (6.5).
    pub(crate) fn managed_draining(&self, g: usize) -> bool {
        self.groups[g].provider.is_some_and(|p| {
            matches!(
                self.capacity.providers[p].kind,
                crate::capacity_provider::ProviderKind::AutoScalingGroup {
                    managed_draining: true,
                    ..
                }
            )
        })
    }

    /// Takes an instance out of the group: booting ones terminate at once; with managed
    /// draining a registered one goes DRAINING first and terminates when its tasks are gone.
    pub(crate) fn retire_group_instance(&mut self, g: usize, i: usize, cause: String) {
        let managed_draining = self.managed_draining(g);
        let id = self.groups[g].instances[i].id.clone();
        self.record_group_activity(g, format!("Terminating EC2 instance: {id}"), cause);
        let slot = self.groups[g].instances[i].slot;
        // A launch hook still holding it no longer does; terminate lifecycle hooks hold a
        // registered instance in Terminating:Wait.
        self.groups[g].instances[i].release_hooks();
        let held = slot.is_some()
            && self.hold_for_hooks(g, i, super::lifecycle_hook::Transition::Terminating);
        match slot {
            Some(slot) if managed_draining => {
                self.groups[g].instances[i].state = GroupInstanceState::Terminating;
                self.drain_instance(
                    slot,
                    "managed draining before the Auto Scaling group terminates it",
                );
                self.schedule(self.now(), Timer::CheckDrained(slot));
            }
            Some(_) if held => {
                self.groups[g].instances[i].state = GroupInstanceState::Terminating;
            }
            Some(slot) => {
                self.groups[g].instances[i].state = GroupInstanceState::Terminated;
                self.terminate_instance(
                    slot,
                    "TerminationNotice",
                    "Instance terminated by its Auto Scaling group",
                );
            }
            None => self.end_unregistered_instance(g, i),
        }
    }

    /// Instance `i` of group `g`, never registered with ECS (booting, or in a warm pool with
    /// `ECS_WARM_POOLS_CHECK`), is terminated.
    pub(super) fn end_unregistered_instance(&mut self, g: usize, i: usize) {
        let inst = &mut self.groups[g].instances[i];
        inst.state = GroupInstanceState::Terminated;
        inst.release_hooks();
        self.instance_activity_event(g, i, false);
    }

    /// An Availability Zone is lost: the groups' instances there that never registered
    /// (booting, or waiting in a warm pool) are gone too, and the groups replace them.
    pub(crate) fn lose_unregistered_instances(&mut self, zone: &str) {
        for g in 0..self.groups.len() {
            let lost: Vec<usize> = (0..self.groups[g].instances.len())
                .filter(|&i| {
                    let inst = &self.groups[g].instances[i];
                    inst.slot.is_none()
                        && inst.availability_zone == zone
                        && matches!(
                            inst.state,
                            GroupInstanceState::Pending
                                | GroupInstanceState::WarmedPending
                                | GroupInstanceState::Warmed
                        )
                })
                .collect();
            for &i in &lost {
                self.end_unregistered_instance(g, i);
            }
            if !lost.is_empty() {
                self.reconcile_group(g);
            }
        }
    }

    /// Called when a group's instance is gone (terminated by anyone): the group replaces it
    /// if it is now below its desired capacity.
    pub(crate) fn group_instance_terminated(&mut self, slot: usize) {
        let Some(g) = self.cluster.instances[slot].auto_scaling_group else {
            return;
        };
        let id = self.cluster.instances[slot].ec2_instance_id.clone();
        if let Some(i) = self.groups[g].instances.iter().position(|x| x.id == id) {
            self.groups[g].instances[i].state = GroupInstanceState::Terminated;
            self.groups[g].instances[i].release_hooks();
            self.instance_activity_event(g, i, false);
        }
        self.reconcile_group(g);
    }

    /// A managed-draining instance terminates once no task is left on it.
    pub(crate) fn check_drained(&mut self, slot: usize) {
        let inst = &self.cluster.instances[slot];
        if inst.status == crate::container_instance::InstanceStatus::Inactive {
            return;
        }
        // Terminate lifecycle hooks still waiting: their timeout looks again.
        let id = &inst.ec2_instance_id;
        let held = inst.auto_scaling_group.is_some_and(|g| {
            self.groups[g]
                .instances
                .iter()
                .any(|x| &x.id == id && x.held())
        });
        if held {
            return;
        }
        if self.tasks_on(slot).is_empty() {
            self.terminate_instance(
                slot,
                "TerminationNotice",
                "Instance terminated by its Auto Scaling group after managed draining",
            );
        } else {
            self.schedule(
                self.now().plus_ms(crate::metrics::SAMPLE_PERIOD_MS / 4),
                Timer::CheckDrained(slot),
            );
        }
    }

    pub(super) fn record_group_activity(&mut self, g: usize, description: String, cause: String) {
        let name = self.groups[g].spec.name.clone();
        self.log.push(
            self.now(),
            EventKind::Capacity,
            format!("Auto Scaling group {name}: {description}. {cause}"),
        );
        let at = self.now();
        let activities = &mut self.groups[g].activities;
        activities.push(GroupActivity {
            at,
            description,
            cause,
        });
        if activities.len() > MAX_GROUP_ACTIVITIES {
            activities.remove(0);
        }
    }
}

impl Simulation {
    /// The Auto Scaling groups.
    pub fn auto_scaling_groups(&self) -> &[AutoScalingGroup] {
        &self.groups
    }

    /// The capacity providers (`FARGATE`, `FARGATE_SPOT`, then the scenario's) and clusters.
    pub fn capacity_providers(&self) -> &crate::capacity_provider::CapacityProviders {
        &self.capacity
    }
}
