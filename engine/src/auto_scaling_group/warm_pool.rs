//! Warm pools (PutWarmPool, the EC2 Auto Scaling guide's "Warm pools" and the ECS guide's
//! "Configuring pre-initialized instances for your Amazon ECS Auto Scaling group").
//!
//! A warm pool holds pre-initialized instances beside a group. Its size is
//! `MaxGroupPreparedCapacity` (default the group's `MaxSize`) minus the desired capacity, and
//! never below `MinSize`. When the group scales out it takes ready instances from the pool
//! first (`Warmed:Stopped` starts, `Warmed:Hibernated` resumes, `Warmed:Running` is already
//! up), then launches cold ones; the pool refills with new launches.
//!
//! What ECS adds:
//! - `ReuseOnScaleIn` cannot be set for a group used with ECS (the ECS guide), so it is
//!   refused, and instances scaled in terminate.
//! - The agent needs `ECS_WARM_POOLS_CHECK=true` in the launch template's user data. With it
//!   the agent waits until the instance leaves the pool and registers then. Without it the
//!   agent registers while the instance is warming up, ECS may place tasks there, and the
//!   instance then stops with them on it; it stays registered with `agentConnected=false`
//!   until it leaves the pool. How long it stays reachable before it stops
//!   (`options.capacity.warmPoolSettleSeconds`) is the playground's **[unconfirmed]** choice.
//! - Groups with a mixed instances policy or Spot instances cannot have a warm pool (the EC2
//!   Auto Scaling guide's limitations), so that is refused too.

use serde_json::Value;

use super::{AutoScalingGroupSpec, GroupInstanceState};
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};

/// `PoolState`: what the instances of the pool do while they wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolState {
    /// Stopped: only their volumes cost; leaving the pool starts them (the default).
    Stopped,
    /// Running and billed as running; leaving the pool is quickest.
    Running,
    /// Hibernated: memory saved to the volume; leaving the pool resumes them.
    Hibernated,
}

impl PoolState {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PoolState::Stopped => "Stopped",
            PoolState::Running => "Running",
            PoolState::Hibernated => "Hibernated",
        }
    }
}

/// A group's warm pool, as PutWarmPool set it.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmPool {
    /// `MinSize` (default 0).
    pub min_size: u32,
    /// `MaxGroupPreparedCapacity`; `None` (absent or -1) means the group's `MaxSize`.
    pub max_prepared: Option<u32>,
    /// `PoolState` (default Stopped).
    pub pool_state: PoolState,
}

impl WarmPool {
    /// How many instances the pool keeps for a group of `max_size` at `desired` capacity:
    /// the prepared capacity above the desired one, at least `MinSize`.
    pub fn size(&self, max_size: u32, desired: u32) -> u32 {
        let prepared = self.max_prepared.unwrap_or(max_size);
        prepared.saturating_sub(desired).max(self.min_size)
    }
}

/// A `putWarmPools[]` entry, checked: the PutWarmPool request body and an optional `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct PutWarmPoolCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// The pool it sets.
    pub pool: WarmPool,
}

impl PutWarmPoolCall {
    /// Parses `putWarmPools[i]`; `path` names it in errors, `groups` are the scenario's.
    pub fn parse(
        v: &Value,
        path: &str,
        groups: &[AutoScalingGroupSpec],
    ) -> Result<PutWarmPoolCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let group = super::instance_refresh::group_named(v, path, groups)?;
        let spec = groups.iter().find(|g| g.name == group);
        if spec.is_some_and(|g| !g.warm_pool_allowed()) {
            return Err(format!(
                "{path}.AutoScalingGroupName: {group} has a mixed instances policy or launches Spot Instances, and such groups cannot have a warm pool"
            ));
        }
        let max_group = u64::from(super::MAX_GROUP_SIZE);
        let min_size = match v.get("MinSize") {
            None | Some(Value::Null) => 0,
            Some(n) => n.as_u64().filter(|&n| n <= max_group).ok_or_else(|| {
                format!("{path}.MinSize: must be a whole number from 0 to {max_group}")
            })? as u32,
        };
        let max_prepared = match v.get("MaxGroupPreparedCapacity") {
            None | Some(Value::Null) => None,
            Some(n) => match n.as_i64() {
                Some(-1) => None,
                Some(n) if (0..=max_group as i64).contains(&n) => Some(n as u32),
                _ => {
                    return Err(format!(
                        "{path}.MaxGroupPreparedCapacity: must be -1 (the group's MaxSize) or a whole number from 0 to {max_group}"
                    ))
                }
            },
        };
        let pool_state = match crate::request::optional_text(v, "PoolState", path)? {
            None | Some("Stopped") => PoolState::Stopped,
            Some("Running") => PoolState::Running,
            Some("Hibernated") => PoolState::Hibernated,
            Some(other) => {
                return Err(format!(
                    "{path}.PoolState: \"{other}\" is not Stopped, Running or Hibernated"
                ))
            }
        };
        let reuse = v
            .pointer("/InstanceReusePolicy/ReuseOnScaleIn")
            .and_then(Value::as_bool);
        if reuse == Some(true) {
            return Err(format!(
                "{path}.InstanceReusePolicy.ReuseOnScaleIn: a group used with Amazon ECS cannot return instances to the warm pool on scale in; leave it false"
            ));
        }
        Ok(PutWarmPoolCall {
            at_ms,
            group: group.to_string(),
            pool: WarmPool {
                min_size,
                max_prepared,
                pool_state,
            },
        })
    }
}

/// Seconds a `Warmed:Running` instance takes to come into service: the agent sees the
/// instance leave the pool and registers **[unconfirmed]**.
const FROM_RUNNING_POOL_S: f64 = 5.0;

impl Simulation {
    /// Makes PutWarmPool call `i`: the group keeps a warm pool from now on.
    pub(crate) fn put_warm_pool(&mut self, i: usize) {
        let call = self.scenario.warm_pools[i].clone();
        let Some(g) = self.groups.iter().position(|x| x.spec.name == call.group) else {
            return;
        };
        let size = call
            .pool
            .size(self.groups[g].spec.max, self.groups[g].desired);
        let check = self.warm_pools_check(g);
        let mut msg = format!(
            "Auto Scaling group {}: PutWarmPool: a warm pool of {size} instances ({}, MinSize {})",
            call.group,
            call.pool.pool_state.as_str(),
            call.pool.min_size
        );
        if !check {
            msg.push_str(". Warning: the launch template's user data does not set ECS_WARM_POOLS_CHECK=true, so the ECS agent registers instances while they warm up and tasks placed there stop with the instance");
        }
        self.log.push(self.now(), EventKind::Capacity, msg);
        self.groups[g].warm_pool = Some(call.pool);
        // Instances already in the pool move to its (new) state.
        for i in 0..self.groups[g].instances.len() {
            if self.groups[g].instances[i].state == GroupInstanceState::Warmed {
                self.settle_in_pool(g, i);
            }
        }
        self.reconcile_group(g);
    }

    /// Whether the agent of registered instance `slot` may poll (10.4), so that it connects
    /// when its instance starts again.
    fn agent_polls(&self, slot: usize) -> bool {
        let inst = &self.cluster.instances[slot];
        self.agent_may_poll(
            inst.instance_profile.as_deref(),
            &inst.cluster,
            &inst.ec2_instance_id,
        )
    }

    /// Whether group `g`'s launch template sets `ECS_WARM_POOLS_CHECK=true`.
    pub(super) fn warm_pools_check(&self, g: usize) -> bool {
        self.groups[g].spec.template.warm_pools_check()
    }

    /// How many instances group `g`'s warm pool should hold now (0 without a pool).
    fn warm_pool_size(&self, g: usize) -> u32 {
        let group = &self.groups[g];
        group
            .warm_pool
            .as_ref()
            .map_or(0, |p| p.size(group.spec.max, group.desired))
    }

    /// Launches instances into group `g`'s warm pool, or terminates extra ones, until it
    /// holds its size.
    pub(crate) fn reconcile_warm_pool(&mut self, g: usize) {
        if self.groups[g].warm_pool.is_none() {
            return;
        }
        let size = self.warm_pool_size(g);
        let held = self.groups[g].warm().count() as u32;
        if held < size {
            for _ in held..size {
                if !self.launch_group_instance(g, super::runtime::LaunchFor::WarmPool) {
                    break;
                }
            }
            return;
        }
        // Terminating a registered instance reconciles the group again, so the counts are
        // read anew each time.
        while self.groups[g].warm().count() as u32 > self.warm_pool_size(g) {
            let (held, size) = (self.groups[g].warm().count() as u32, self.warm_pool_size(g));
            // The ones still warming up go first, then the newest [unconfirmed].
            let group = &self.groups[g];
            let Some(i) = (0..group.instances.len())
                .filter(|&i| group.instances[i].is_warm())
                .max_by_key(|&i| {
                    let inst = &group.instances[i];
                    (
                        inst.state == GroupInstanceState::WarmedPending,
                        inst.launched_at,
                    )
                })
            else {
                return;
            };
            let id = group.instances[i].id.clone();
            let cause = format!(
                "At {} an instance was taken out of the warm pool in response to a difference between the warm pool's size and its instances, shrinking it from {held} to {size}.",
                self.timestamp(self.now())
            );
            self.record_group_activity(g, format!("Terminating EC2 instance: {id}"), cause);
            match self.groups[g].instances[i].slot {
                Some(slot) => {
                    self.groups[g].instances[i].state = GroupInstanceState::Terminated;
                    self.terminate_instance(
                        slot,
                        "TerminationNotice",
                        "Instance terminated by its Auto Scaling group (warm pool)",
                    );
                }
                None => self.end_unregistered_instance(g, i),
            }
        }
    }

    /// Takes a ready instance of group `g`'s warm pool into service, in the usable
    /// Availability Zone with the fewest live instances; false when none is ready.
    pub(crate) fn launch_from_warm_pool(&mut self, g: usize) -> bool {
        let group = &self.groups[g];
        let Some(pool_state) = group.warm_pool.as_ref().map(|p| p.pool_state) else {
            return false;
        };
        let per_zone = |az: &str| group.live().filter(|x| x.availability_zone == az).count();
        // Ready instances first; one still warming up goes into service once it is warm
        // [unconfirmed].
        let Some(i) = (0..group.instances.len())
            .filter(|&i| {
                let inst = &group.instances[i];
                inst.is_warm() && !self.zone_is_down(&inst.availability_zone)
            })
            .min_by_key(|&i| {
                let inst = &group.instances[i];
                (
                    inst.state == GroupInstanceState::WarmedPending,
                    per_zone(&inst.availability_zone),
                )
            })
        else {
            return false;
        };
        let live = group.live_count();
        let id = group.instances[i].id.clone();
        let warming = group.instances[i].state == GroupInstanceState::WarmedPending;
        self.groups[g].instances[i].state = GroupInstanceState::Pending;
        let cause = format!(
            "At {} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {live} to {}.",
            self.timestamp(self.now()),
            live + 1
        );
        self.record_group_activity(
            g,
            format!("Launching a new EC2 instance from warm pool: {id}"),
            cause,
        );
        if warming {
            // Its warm-up timer brings it into service ([`Simulation::warm_pool_ready`]).
            return true;
        }
        let opts = &self.scenario.options.capacity;
        let seconds = match pool_state {
            PoolState::Stopped => opts.warm_pool_start_seconds,
            PoolState::Hibernated => opts.warm_pool_resume_seconds,
            PoolState::Running => FROM_RUNNING_POOL_S,
        };
        let at = self.now().plus_ms(crate::time::seconds_ms(seconds));
        self.schedule(at, Timer::WarmPoolStart(g, i));
        true
    }

    /// A warm pool instance finished warming up: it enters the pool in its pool state. An
    /// instance the agent registered meanwhile (no `ECS_WARM_POOLS_CHECK`) stops with its
    /// tasks, unless the pool keeps instances running. An instance taken into service while
    /// warming up starts now instead.
    pub(crate) fn warm_pool_ready(&mut self, g: usize, i: usize) {
        match self.groups[g].instances[i].state {
            GroupInstanceState::WarmedPending => {}
            GroupInstanceState::Pending => return self.warm_pool_started(g, i),
            _ => return,
        }
        self.groups[g].instances[i].state = GroupInstanceState::Warmed;
        self.settle_in_pool(g, i);
    }

    /// Puts ready warm instance `i` of group `g` in the pool's state. Only an instance the
    /// agent registered (no `ECS_WARM_POOLS_CHECK`) shows it in the cluster: stopped or
    /// hibernated it is disconnected and its tasks stop; running it takes tasks.
    fn settle_in_pool(&mut self, g: usize, i: usize) {
        let pool_state = self.groups[g]
            .warm_pool
            .as_ref()
            .map_or(PoolState::Stopped, |p| p.pool_state);
        let Some(slot) = self.groups[g].instances[i].slot else {
            return;
        };
        let id = self.groups[g].instances[i].id.clone();
        if pool_state == PoolState::Running {
            let polls = self.agent_polls(slot);
            let inst = &mut self.cluster.instances[slot];
            let was_stopped = std::mem::take(&mut inst.ec2_stopped);
            if was_stopped {
                inst.agent_connected = polls;
                self.task_generation += 1;
                self.cluster.refresh(slot);
                self.instance_state_change(slot);
            }
            let msg = format!(
                "instance {id} is in the warm pool (Warmed:Running) but its ECS agent registered without ECS_WARM_POOLS_CHECK=true, so it takes tasks while it waits"
            );
            self.log
                .push(self.now(), EventKind::ContainerInstance, msg)
                .instance(&id);
            return;
        }
        if self.cluster.instances[slot].ec2_stopped {
            return;
        }
        let reason = format!(
            "Host EC2 (instance {id}) stopped: it entered the warm pool (Warmed:{}) and the agent was registered without ECS_WARM_POOLS_CHECK=true",
            pool_state.as_str()
        );
        for t in self.tasks_on(slot) {
            self.kill_task(t, "TerminationNotice", &reason);
        }
        let inst = &mut self.cluster.instances[slot];
        inst.agent_connected = false;
        inst.ec2_stopped = true;
        self.task_generation += 1;
        self.cluster.refresh(slot);
        let msg = format!(
            "container instance {id}: agentConnected=false, its EC2 instance stopped in the warm pool (Warmed:{})",
            pool_state.as_str()
        );
        self.log
            .push(self.now(), EventKind::ContainerInstance, msg)
            .instance(&id);
        self.instance_state_change(slot);
    }

    /// A warm pool instance taken into service has started: the agent registers now, or, if
    /// it registered while warming up, reconnects.
    pub(crate) fn warm_pool_started(&mut self, g: usize, i: usize) {
        let inst = &self.groups[g].instances[i];
        if inst.state != GroupInstanceState::Pending {
            return;
        }
        let Some(slot) = inst.slot else {
            let spec = inst.spec;
            self.schedule(self.now(), Timer::RegisterInstance(spec));
            return;
        };
        let id = inst.id.clone();
        let now = self.now();
        let polls = self.agent_polls(slot);
        let container = &mut self.cluster.instances[slot];
        container.agent_connected = polls;
        container.ec2_stopped = false;
        self.task_generation += 1;
        self.cluster.refresh(slot);
        let msg = format!("container instance {id}: agentConnected={polls}, it left the warm pool");
        self.log
            .push(now, EventKind::ContainerInstance, msg)
            .instance(&id);
        self.instance_state_change(slot);
        // In service, as a registration puts it (its capacity provider, the launch event).
        self.group_instance_registered(g, &id, slot);
        for s in 0..self.services.len() {
            self.schedule_service_tick(s, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_pool_size_is_prepared_capacity_above_desired_at_least_min_size() {
        let pool = WarmPool {
            min_size: 1,
            max_prepared: None,
            pool_state: PoolState::Stopped,
        };
        // Default: MaxSize − desired.
        assert_eq!(pool.size(10, 4), 6);
        // Desired at MaxSize: MinSize still holds.
        assert_eq!(pool.size(10, 10), 1);
        let capped = WarmPool {
            max_prepared: Some(5),
            min_size: 0,
            ..pool
        };
        assert_eq!(capped.size(10, 4), 1);
        // Desired above MaxGroupPreparedCapacity: no warm pool unless MinSize.
        assert_eq!(capped.size(10, 7), 0);
    }
}
