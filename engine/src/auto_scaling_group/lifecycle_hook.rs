//! Lifecycle hooks (`LifecycleHookSpecificationList` on CreateAutoScalingGroup; the EC2 Auto
//! Scaling guide's "Amazon EC2 Auto Scaling lifecycle hooks").
//!
//! A hook holds an instance in `Pending:Wait` after it launches, or in `Terminating:Wait`
//! before it terminates, until CompleteLifecycleAction (`completeLifecycleActions[]`) gives
//! its result or the hook's `HeartbeatTimeout` (default 3,600 s) passes and its
//! `DefaultResult` (default `ABANDON`) applies. RecordLifecycleActionHeartbeat
//! (`recordLifecycleActionHeartbeats[]`) restarts the timeout, up to the global timeout of
//! 100 × `HeartbeatTimeout` or 48 hours, whichever is smaller. Once every hook of the
//! transition has a result:
//! - launching: `CONTINUE` puts the instance in service; `ABANDON` terminates it (as any
//!   instance the group terminates: drained first with managed draining, held by terminate
//!   hooks), and the group launches another, which waits again;
//! - terminating: the instance terminates either way.
//!
//! Each wait sends the EventBridge event `EC2 Instance-launch Lifecycle Action` or
//! `EC2 Instance-terminate Lifecycle Action` with its `LifecycleActionToken`, which
//! CompleteLifecycleAction may give instead of `InstanceId` (how a hook's Lambda answers).
//!
//! What ECS adds: the agent registers when the instance boots, whatever the group's lifecycle
//! state, so tasks run on an instance in `Pending:Wait` (and on one in `Terminating:Wait`
//! until it goes, unless managed draining moves them; the instance then terminates once it is
//! drained **and** the hooks are done). With several hooks on one transition, CONTINUE lets
//! the other hooks finish and ABANDON stops them (the guide's "Complete a lifecycle action");
//! the instance goes on once every hook has CONTINUE, or at the first ABANDON.

use serde_json::Value;

use super::GroupInstanceState;
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

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

/// One lifecycle hook holding an instance: until when, unless its action completes first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookWait {
    /// `LifecycleHookName`.
    pub hook: String,
    /// When the wait began (the global timeout counts from it).
    pub since: SimTime,
    /// When its heartbeat timeout passes.
    pub until: SimTime,
    /// Its `HeartbeatTimeout`, milliseconds.
    pub heartbeat_ms: u64,
    /// Its `DefaultResult` is `CONTINUE`.
    pub continues: bool,
    /// `LifecycleActionToken`: the lifecycle action event carries it, and
    /// CompleteLifecycleAction may name the action by it instead of `InstanceId`.
    pub token: String,
}

/// The global timeout of a lifecycle action: 100 × `HeartbeatTimeout` or 48 hours, whichever
/// is smaller (the EC2 Auto Scaling guide), in milliseconds.
pub fn global_timeout_ms(heartbeat_ms: u64) -> u64 {
    (heartbeat_ms * 100).min(48 * 3_600_000)
}

/// How a lifecycle action call names the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRef {
    /// `InstanceId`.
    Instance(String),
    /// `LifecycleActionToken`.
    Token(String),
}

/// A `completeLifecycleActions[]` or `recordLifecycleActionHeartbeats[]` entry, checked: a
/// CompleteLifecycleAction or RecordLifecycleActionHeartbeat request body with an optional
/// `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleActionCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `LifecycleHookName`.
    pub hook: String,
    /// `InstanceId`, or the `LifecycleActionToken` of the lifecycle action event.
    pub action: ActionRef,
    /// `LifecycleActionResult` is `CONTINUE` (`ABANDON` otherwise); `None` for a heartbeat.
    pub continues: Option<bool>,
}

impl LifecycleActionCall {
    /// Parses a CompleteLifecycleAction body (`complete`) or a RecordLifecycleActionHeartbeat
    /// one; `path` names it in errors, `groups` are the scenario's.
    pub fn parse(
        v: &Value,
        path: &str,
        groups: &[super::AutoScalingGroupSpec],
        complete: bool,
    ) -> Result<LifecycleActionCall, String> {
        let text = |key: &str| -> Result<Option<String>, String> {
            Ok(crate::request::optional_text(v, key, path)?
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string))
        };
        let hook = text("LifecycleHookName")?
            .ok_or_else(|| format!("{path}.LifecycleHookName: required"))?;
        let action = match (text("InstanceId")?, text("LifecycleActionToken")?) {
            (Some(id), _) => ActionRef::Instance(id),
            (None, Some(token)) => ActionRef::Token(token),
            (None, None) => {
                return Err(format!(
                    "{path}.InstanceId: required (or the LifecycleActionToken of the lifecycle action event)"
                ))
            }
        };
        let continues = if complete {
            Some(match text("LifecycleActionResult")?.as_deref() {
                Some("CONTINUE") => true,
                Some("ABANDON") => false,
                _ => {
                    return Err(format!(
                        "{path}.LifecycleActionResult: required, CONTINUE or ABANDON"
                    ))
                }
            })
        } else {
            None
        };
        Ok(LifecycleActionCall {
            at_ms: crate::time::call_at_ms(v, path)?,
            group: super::instance_refresh::group_named(v, path, groups)?.to_string(),
            hook,
            action,
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

    /// Holds instance `i` of group `g` in `Pending:Wait` or `Terminating:Wait` for its hooks,
    /// if it has any for `transition`; true if it does.
    pub(crate) fn hold_for_hooks(&mut self, g: usize, i: usize, transition: Transition) -> bool {
        let now = self.now();
        let step = match transition {
            Transition::Launching => 1,
            Transition::Terminating => 2,
        };
        let waits: Vec<HookWait> = self.groups[g]
            .spec
            .lifecycle_hooks
            .iter()
            .enumerate()
            .filter(|(_, h)| h.transition == transition)
            .map(|(n, h)| {
                let heartbeat_ms = u64::from(h.heartbeat_s) * 1000;
                HookWait {
                    hook: h.name.clone(),
                    since: now,
                    until: now.plus_ms(heartbeat_ms),
                    heartbeat_ms,
                    continues: h.continues,
                    // Deterministic, unique per group, instance, transition and hook.
                    token: format!("{g:08x}-{step:04x}-4000-8{n:03x}-{i:012x}"),
                }
            })
            .collect();
        if waits.is_empty() {
            return false;
        }
        let id = self.groups[g].instances[i].id.clone();
        for w in &waits {
            self.schedule(w.until, Timer::LifecycleHookTimeout(g, i));
            self.lifecycle_action_event(g, &id, w, transition);
        }
        self.groups[g].instances[i].hooks = waits;
        true
    }

    /// CompleteLifecycleAction or RecordLifecycleActionHeartbeat call `n` of `calls`
    /// (`completeLifecycleActions[]` when `complete`): the hook's action gets its result, or
    /// its timeout restarts. A call for an instance the hook does not hold fails, as AWS's
    /// does, in the event log.
    pub(crate) fn lifecycle_action_call(&mut self, n: usize, complete: bool) {
        let (section, call) = if complete {
            (
                "completeLifecycleActions",
                self.scenario.complete_lifecycle_actions[n].clone(),
            )
        } else {
            (
                "recordLifecycleActionHeartbeats",
                self.scenario.lifecycle_action_heartbeats[n].clone(),
            )
        };
        let found = self
            .groups
            .iter()
            .position(|x| x.spec.name == call.group)
            .and_then(|g| {
                self.groups[g]
                    .instances
                    .iter()
                    .enumerate()
                    .find_map(|(i, x)| {
                        let w = x.hooks.iter().position(|w| {
                            w.hook == call.hook
                                && match &call.action {
                                    ActionRef::Instance(id) => &x.id == id,
                                    ActionRef::Token(t) => &w.token == t,
                                }
                        })?;
                        Some((g, i, w))
                    })
            });
        let Some((g, i, w)) = found else {
            let named = match &call.action {
                ActionRef::Instance(id) => format!("instance ID {id}"),
                ActionRef::Token(t) => format!("token {t}"),
            };
            let msg = format!(
                "{section}[{n}]: ValidationError: No active Lifecycle Action found with {named} for lifecycle hook {} of Auto Scaling group {}",
                call.hook, call.group
            );
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        };
        let now = self.now();
        let instance = self.groups[g].instances[i].id.clone();
        let Some(continues) = call.continues else {
            let wait = &mut self.groups[g].instances[i].hooks[w];
            let cap = wait.since.plus_ms(global_timeout_ms(wait.heartbeat_ms));
            wait.until = now.plus_ms(wait.heartbeat_ms).min(cap);
            let until = wait.until;
            self.schedule(until, Timer::LifecycleHookTimeout(g, i));
            let msg = format!(
                "Auto Scaling group {}: RecordLifecycleActionHeartbeat for {} ({}): it waits until {}",
                call.group, instance, call.hook, self.timestamp(until)
            );
            self.log.push(now, EventKind::Capacity, msg);
            return;
        };
        let inst = &mut self.groups[g].instances[i];
        inst.hooks.remove(w);
        // ABANDON stops the remaining actions, the other hooks' included.
        if !continues {
            inst.hooks.clear();
        }
        let msg = format!(
            "Auto Scaling group {}: CompleteLifecycleAction for {} ({}) with result {}",
            call.group,
            instance,
            call.hook,
            if continues { "CONTINUE" } else { "ABANDON" }
        );
        self.log.push(now, EventKind::Capacity, msg);
        if !self.groups[g].instances[i].held() {
            self.hooks_done(g, i, continues, "completed");
        }
    }

    /// Hooks holding instance `i` of group `g` may have timed out: each that did gets its
    /// `DefaultResult`; once none is left, the transition goes on.
    pub(crate) fn lifecycle_hook_timeout(&mut self, g: usize, i: usize) {
        let now = self.now();
        let inst = &mut self.groups[g].instances[i];
        let before = inst.hooks.len();
        let mut abandoned = false;
        inst.hooks.retain(|w| {
            let timed_out = w.until <= now;
            abandoned |= timed_out && !w.continues;
            !timed_out
        });
        // An ABANDON stops the remaining actions, the other hooks' included.
        if abandoned {
            inst.hooks.clear();
        }
        if inst.hooks.len() == before || inst.held() {
            return;
        }
        self.hooks_done(g, i, !abandoned, "timed out");
    }

    /// The wait of instance `i` of group `g` is over with result `continues` (every hook
    /// CONTINUE, or one ABANDON), reached as `how` (`completed`, `timed out`): the launch goes
    /// in service or is abandoned; the termination goes on.
    fn hooks_done(&mut self, g: usize, i: usize, continues: bool, how: &str) {
        let inst = &self.groups[g].instances[i];
        let (id, slot, state) = (inst.id.clone(), inst.slot, inst.state);
        match state {
            GroupInstanceState::Pending => {
                if continues {
                    let msg = format!(
                        "Auto Scaling group {}: lifecycle hooks of {id} {how} with result CONTINUE: it goes in service",
                        self.groups[g].spec.name
                    );
                    self.log.push(self.now(), EventKind::Capacity, msg);
                    if let Some(slot) = slot {
                        self.group_instance_registered(g, &id, slot);
                    }
                    return;
                }
                let cause = format!(
                    "At {} an instance was taken out of service in response to a launch lifecycle action that {how} with result ABANDON.",
                    self.timestamp(self.now())
                );
                // A registered instance leaves as any the group terminates: drained first
                // with managed draining, held by terminate hooks [unconfirmed: AWS's
                // lifecycle goes on to Terminating; ECS drains ASG-initiated terminations].
                let terminate_hooks = self.groups[g]
                    .spec
                    .lifecycle_hooks
                    .iter()
                    .any(|h| h.transition == Transition::Terminating);
                if slot.is_some() && (self.managed_draining(g) || terminate_hooks) {
                    self.retire_group_instance(g, i, cause);
                    self.reconcile_group(g);
                    return;
                }
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
