//! Lifecycle hooks (`LifecycleHookSpecificationList` on CreateAutoScalingGroup; the EC2 Auto
//! Scaling guide's "Amazon EC2 Auto Scaling lifecycle hooks").
//!
//! A hook holds an instance in `Pending:Wait` after it launches, or in `Terminating:Wait`
//! before it terminates, until something calls CompleteLifecycleAction or the hook's
//! `HeartbeatTimeout` (default 3,600 s) passes. Nothing completes actions in the playground,
//! so every hook waits its full timeout, and then its `DefaultResult` (default `ABANDON`)
//! applies:
//! - launching: `CONTINUE` puts the instance in service; `ABANDON` terminates it, and the
//!   group launches another, which waits again;
//! - terminating: the instance terminates either way.
//!
//! What ECS adds: the agent registers when the instance boots, whatever the group's lifecycle
//! state, so tasks run on an instance in `Pending:Wait` (and on one in `Terminating:Wait`
//! until it goes, unless managed draining moves them; the instance then terminates once it is
//! drained **and** the hooks are done). With several hooks on one transition the instance waits
//! for the longest, and any `ABANDON` abandons it **[unconfirmed]**.

use serde_json::Value;

use super::GroupInstanceState;
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};

/// Most hooks a group may have (the EC2 Auto Scaling quota).
pub const MAX_HOOKS: usize = 50;

/// `LifecycleTransition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// `autoscaling:EC2_INSTANCE_LAUNCHING`.
    Launching,
    /// `autoscaling:EC2_INSTANCE_TERMINATING`.
    Terminating,
}

/// A lifecycle hook, as PutLifecycleHook (or the group's specification list) sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleHook {
    /// `LifecycleHookName`.
    pub name: String,
    /// `LifecycleTransition`.
    pub transition: Transition,
    /// `HeartbeatTimeout`, seconds (30 to 7,200; default 3,600).
    pub heartbeat_s: u32,
    /// `DefaultResult` is `CONTINUE` (otherwise `ABANDON`, the default).
    pub continues: bool,
}

impl LifecycleHook {
    /// Parses `LifecycleHookSpecificationList` of a CreateAutoScalingGroup request at `path`.
    pub fn parse_list(v: Option<&Value>, path: &str) -> Result<Vec<LifecycleHook>, String> {
        let Some(list) = v.filter(|v| !v.is_null()) else {
            return Ok(Vec::new());
        };
        let items = list
            .as_array()
            .ok_or_else(|| format!("{path}: must be a list of lifecycle hooks"))?;
        if items.len() > MAX_HOOKS {
            return Err(format!("{path}: at most {MAX_HOOKS} lifecycle hooks"));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, h)| LifecycleHook::parse(h, &format!("{path}[{i}]")))
            .collect()
    }

    fn parse(v: &Value, path: &str) -> Result<LifecycleHook, String> {
        let name = crate::request::optional_text(v, "LifecycleHookName", path)?
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| format!("{path}.LifecycleHookName: required"))?
            .to_string();
        let transition = match crate::request::optional_text(v, "LifecycleTransition", path)? {
            Some("autoscaling:EC2_INSTANCE_LAUNCHING") => Transition::Launching,
            Some("autoscaling:EC2_INSTANCE_TERMINATING") => Transition::Terminating,
            Some(other) => {
                return Err(format!(
                    "{path}.LifecycleTransition: \"{other}\" is not autoscaling:EC2_INSTANCE_LAUNCHING or autoscaling:EC2_INSTANCE_TERMINATING"
                ))
            }
            None => return Err(format!("{path}.LifecycleTransition: required")),
        };
        let heartbeat_s = match v.get("HeartbeatTimeout") {
            None | Some(Value::Null) => 3_600,
            Some(n) => n
                .as_u64()
                .filter(|n| (30..=7_200).contains(n))
                .ok_or_else(|| {
                    format!("{path}.HeartbeatTimeout: must be a whole number of seconds from 30 to 7200")
                })? as u32,
        };
        let continues = match crate::request::optional_text(v, "DefaultResult", path)? {
            None | Some("ABANDON") => false,
            Some("CONTINUE") => true,
            Some(other) => {
                return Err(format!(
                    "{path}.DefaultResult: \"{other}\" is not CONTINUE or ABANDON"
                ))
            }
        };
        Ok(LifecycleHook {
            name,
            transition,
            heartbeat_s,
            continues,
        })
    }
}

/// A `putLifecycleHooks[]` entry, checked: a PutLifecycleHook request body with an optional
/// `at`. A hook of the same name replaces the group's, as PutLifecycleHook updates it.
#[derive(Debug, Clone, PartialEq)]
pub struct PutLifecycleHookCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// The hook.
    pub hook: LifecycleHook,
}

impl PutLifecycleHookCall {
    /// Parses `putLifecycleHooks[i]`; `path` names it in errors, `groups` are the scenario's.
    pub fn parse(
        v: &Value,
        path: &str,
        groups: &[super::AutoScalingGroupSpec],
    ) -> Result<PutLifecycleHookCall, String> {
        Ok(PutLifecycleHookCall {
            at_ms: crate::time::call_at_ms(v, path)?,
            group: super::instance_refresh::group_named(v, path, groups)?.to_string(),
            hook: LifecycleHook::parse(v, path)?,
        })
    }
}

impl Simulation {
    /// Makes PutLifecycleHook call `i`: the hook holds the group's instances from now on.
    pub(crate) fn put_lifecycle_hook(&mut self, i: usize) {
        let call = self.scenario.lifecycle_hooks[i].clone();
        let Some(g) = self.groups.iter().position(|x| x.spec.name == call.group) else {
            return;
        };
        let hooks = &mut self.groups[g].spec.lifecycle_hooks;
        hooks.retain(|h| h.name != call.hook.name);
        if hooks.len() >= MAX_HOOKS {
            let msg = format!("putLifecycleHooks[{i}]: LimitExceeded: Auto Scaling group {} already has {MAX_HOOKS} lifecycle hooks", call.group);
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let msg = format!(
            "Auto Scaling group {}: PutLifecycleHook {} ({}, HeartbeatTimeout {} s, DefaultResult {})",
            call.group,
            call.hook.name,
            match call.hook.transition {
                Transition::Launching => "autoscaling:EC2_INSTANCE_LAUNCHING",
                Transition::Terminating => "autoscaling:EC2_INSTANCE_TERMINATING",
            },
            call.hook.heartbeat_s,
            if call.hook.continues { "CONTINUE" } else { "ABANDON" }
        );
        self.log.push(self.now(), EventKind::Capacity, msg);
        self.groups[g].spec.lifecycle_hooks.push(call.hook);
    }

    /// How long group `g`'s hooks for `transition` hold an instance, in milliseconds, and
    /// whether they all continue; `None` without such hooks.
    pub(crate) fn hook_hold(&self, g: usize, transition: Transition) -> Option<(u64, bool)> {
        let hooks: Vec<&LifecycleHook> = self.groups[g]
            .spec
            .lifecycle_hooks
            .iter()
            .filter(|h| h.transition == transition)
            .collect();
        let longest = hooks.iter().map(|h| h.heartbeat_s).max()?;
        Some((u64::from(longest) * 1000, hooks.iter().all(|h| h.continues)))
    }

    /// Holds instance `i` of group `g` in `Pending:Wait` or `Terminating:Wait` for its hooks,
    /// if it has any for `transition`; true if it does.
    pub(crate) fn hold_for_hooks(&mut self, g: usize, i: usize, transition: Transition) -> bool {
        let Some((hold_ms, _)) = self.hook_hold(g, transition) else {
            return false;
        };
        let until = self.now().plus_ms(hold_ms);
        self.groups[g].instances[i].hook_until = Some(until);
        self.schedule(until, Timer::LifecycleHookTimeout(g, i));
        true
    }

    /// The hooks holding instance `i` of group `g` time out: their default result applies.
    pub(crate) fn lifecycle_hook_timeout(&mut self, g: usize, i: usize) {
        let inst = &self.groups[g].instances[i];
        if inst.hook_until != Some(self.now()) {
            return;
        }
        let (id, slot, state) = (inst.id.clone(), inst.slot, inst.state);
        self.groups[g].instances[i].hook_until = None;
        match state {
            GroupInstanceState::Pending => {
                let continues = self
                    .hook_hold(g, Transition::Launching)
                    .is_none_or(|(_, c)| c);
                if continues {
                    let msg = format!(
                        "Auto Scaling group {}: lifecycle hooks of {id} timed out with result CONTINUE: it goes in service",
                        self.groups[g].spec.name
                    );
                    self.log.push(self.now(), EventKind::Capacity, msg);
                    if let Some(slot) = slot {
                        self.group_instance_registered(g, &id, slot);
                    }
                    return;
                }
                let cause = format!(
                    "At {} an instance was taken out of service in response to a launch lifecycle action that timed out with result ABANDON.",
                    self.timestamp(self.now())
                );
                self.record_group_activity(g, format!("Terminating EC2 instance: {id}"), cause);
                match slot {
                    Some(slot) => {
                        self.groups[g].instances[i].state = GroupInstanceState::Terminated;
                        self.terminate_instance(
                            slot,
                            "TerminationNotice",
                            "Instance terminated by its Auto Scaling group (lifecycle action ABANDON)",
                        )
                    }
                    None => {
                        self.end_unregistered_instance(g, i);
                        self.reconcile_group(g);
                    }
                }
            }
            GroupInstanceState::Terminating => match slot {
                // Managed draining terminates it once no task is left (check_drained).
                Some(slot)
                    if self.cluster.instances[slot].status
                        == crate::container_instance::InstanceStatus::Draining =>
                {
                    self.schedule(self.now(), Timer::CheckDrained(slot));
                }
                Some(slot) => self.terminate_instance(
                    slot,
                    "TerminationNotice",
                    "Instance terminated by its Auto Scaling group",
                ),
                None => {
                    self.end_unregistered_instance(g, i);
                    self.reconcile_group(g);
                }
            },
            _ => {}
        }
    }
}
