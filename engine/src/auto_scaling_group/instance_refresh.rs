//! StartInstanceRefresh: an Auto Scaling group replaces its instances in rolling batches, for
//! example to move to a new AMI or instance type. The scenario keeps each request body verbatim
//! in `startInstanceRefreshes[]` with the playground's `at`.
//!
//! What AWS documents ([ASG-IR] "How an instance refresh works", `RefreshPreferences`;
//! [MID] Amazon ECS managed instance draining):
//! - Instances are replaced in batches bounded by `MinHealthyPercentage` (default 90: that share
//!   of the desired capacity stays in service, healthy and warmed up) and
//!   `MaxHealthyPercentage` (default 100, at most 200, at most 100 above the minimum: above 100
//!   new instances are launched before old ones are terminated).
//! - A new instance counts once it is in service and its `InstanceWarmup` has passed (default:
//!   the group's `DefaultInstanceWarmup`, else its `HealthCheckGracePeriod`, else 0).
//! - `SkipMatching` leaves instances that already have the desired configuration.
//! - `ScaleInProtectedInstances`: `Refresh` replaces protected instances too, `Ignore` leaves
//!   them, `Wait` (the API's default) waits one hour for the protection to go, then fails.
//!   ECS's managed termination protection protects every instance running tasks, which is why
//!   the ECS guide says to choose `Refresh` with it; managed draining then drains each instance
//!   before it is terminated, so its tasks move first.
//! - `CheckpointPercentages` pause the refresh for `CheckpointDelay` (default 3600 s) as each
//!   is reached; `BakeTime` waits after the last replacement before the refresh succeeds.
//! - One refresh at a time per group.
//!
//! Choices where AWS is silent [unconfirmed]:
//! - The refresh looks at the group every [`STEP_MS`]; each look terminates as many old
//!   instances as the minimum allows, and at least one when nothing is in flight (so a small
//!   group with the default 90 % still moves, one instance at a time, as AWS's 100 % does).
//! - Old instances are chosen by the group's termination policy among the candidates.
//! - A `DesiredConfiguration` becomes the group's launch configuration when the refresh starts
//!   (AWS applies it to the group on success; the instances it launches meanwhile already use
//!   it, which is all the playground shows).
//! - The `StatusReason` while waiting for protected instances, and when that wait fails, are
//!   the playground's words.
//! - `AutoRollback`, `AlarmSpecification` and the `ReplaceRootVolume` strategy are refused as
//!   not simulated; `StandbyInstances` is accepted and has nothing to act on (no Standby here).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{AutoScalingGroupSpec, GroupInstanceState, LaunchConfiguration, LaunchTemplate};
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

/// How often a refresh in progress looks at its group, milliseconds [unconfirmed].
pub const STEP_MS: u64 = 10_000;

/// How long `ScaleInProtectedInstances: Wait` waits for protection to be removed (one hour).
pub const PROTECTED_WAIT_MS: u64 = 3_600_000;

/// `ScaleInProtectedInstances`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectedInstances {
    /// Replace them too.
    Refresh,
    /// Leave them and replace the others.
    Ignore,
    /// Wait an hour for their protection to go, then fail.
    Wait,
}

/// `Preferences` of a StartInstanceRefresh request, with AWS's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshPreferences {
    /// `MinHealthyPercentage` (default 90).
    pub min_healthy_percentage: u32,
    /// `MaxHealthyPercentage` (default 100).
    pub max_healthy_percentage: u32,
    /// `InstanceWarmup`, seconds; `None`: the group's default warmup.
    pub instance_warmup_s: Option<u32>,
    /// `SkipMatching`.
    pub skip_matching: bool,
    /// `ScaleInProtectedInstances` (default `Wait`).
    pub protected_instances: ProtectedInstances,
    /// `CheckpointPercentages`, ascending.
    pub checkpoints: Vec<u32>,
    /// `CheckpointDelay`, seconds (default 3600).
    pub checkpoint_delay_s: u32,
    /// `BakeTime`, seconds (default 0).
    pub bake_time_s: u32,
}

/// A `startInstanceRefreshes[]` entry, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRefreshCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `DesiredConfiguration`, when given.
    pub desired: Option<LaunchConfiguration>,
    /// `Preferences`.
    pub preferences: RefreshPreferences,
}

/// The whole number `key` of `v`, when present, between `lo` and `hi`.
fn whole(v: &Value, key: &str, path: &str, lo: u64, hi: u64) -> Result<Option<u32>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(n) => n
            .as_u64()
            .filter(|n| (lo..=hi).contains(n))
            .map(|n| Some(n as u32))
            .ok_or_else(|| format!("{path}.{key}: must be a whole number from {lo} to {hi}")),
    }
}

/// `AutoScalingGroupName` of request `v`, which must name one of `groups`.
pub(crate) fn group_named<'a>(
    v: &'a Value,
    path: &str,
    groups: &[AutoScalingGroupSpec],
) -> Result<&'a str, String> {
    let group = crate::request::optional_text(v, "AutoScalingGroupName", path)?
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .ok_or_else(|| format!("{path}.AutoScalingGroupName: required"))?;
    if !groups.iter().any(|g| g.name == group) {
        return Err(format!(
            "{path}.AutoScalingGroupName: no Auto Scaling group named {group:?} in autoScalingGroups[]"
        ));
    }
    Ok(group)
}

impl InstanceRefreshCall {
    /// Parses `startInstanceRefreshes[i]`; `path` names it in errors, `groups` and `templates`
    /// are the scenario's.
    pub fn parse(
        v: &Value,
        path: &str,
        groups: &[AutoScalingGroupSpec],
        templates: &[LaunchTemplate],
    ) -> Result<InstanceRefreshCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let group = group_named(v, path, groups)?;
        match crate::request::optional_text(v, "Strategy", path)? {
            None | Some("Rolling") => {}
            Some("ReplaceRootVolume") => {
                return Err(format!(
                    "{path}.Strategy: ReplaceRootVolume is not simulated; use Rolling"
                ))
            }
            Some(other) => {
                return Err(format!(
                    "{path}.Strategy: \"{other}\" is not Rolling or ReplaceRootVolume"
                ))
            }
        }
        let desired = match v.get("DesiredConfiguration") {
            None | Some(Value::Null) => None,
            Some(d) => Some(LaunchConfiguration::parse(
                d,
                &format!("{path}.DesiredConfiguration"),
                templates,
            )?),
        };
        let empty = Value::Object(Default::default());
        let p = match v.get("Preferences") {
            None | Some(Value::Null) => &empty,
            Some(p) if p.is_object() => p,
            Some(_) => return Err(format!("{path}.Preferences: must be an object")),
        };
        let pp = format!("{path}.Preferences");
        let min = whole(p, "MinHealthyPercentage", &pp, 0, 100)?.unwrap_or(90);
        let max = whole(p, "MaxHealthyPercentage", &pp, 100, 200)?.unwrap_or(100);
        if max - min > 100 {
            return Err(format!("{pp}.MaxHealthyPercentage: {max} is more than 100 above MinHealthyPercentage ({min})"));
        }
        let protected_instances =
            match crate::request::optional_text(p, "ScaleInProtectedInstances", &pp)? {
                None | Some("Wait") => ProtectedInstances::Wait,
                Some("Refresh") => ProtectedInstances::Refresh,
                Some("Ignore") => ProtectedInstances::Ignore,
                Some(other) => {
                    return Err(format!(
                        "{pp}.ScaleInProtectedInstances: \"{other}\" is not Refresh, Ignore or Wait"
                    ))
                }
            };
        match crate::request::optional_text(p, "StandbyInstances", &pp)? {
            None | Some("Terminate" | "Ignore" | "Wait") => {}
            Some(other) => {
                return Err(format!(
                    "{pp}.StandbyInstances: \"{other}\" is not Terminate, Ignore or Wait"
                ))
            }
        }
        if crate::request::optional_flag(p, "AutoRollback", &pp)? {
            return Err(format!(
                "{pp}.AutoRollback: rollback is not simulated; leave it false"
            ));
        }
        if p.get("AlarmSpecification").is_some_and(|a| !a.is_null()) {
            return Err(format!(
                "{pp}.AlarmSpecification: alarms that fail a refresh are not simulated"
            ));
        }
        let mut checkpoints = Vec::new();
        match p.get("CheckpointPercentages") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let n = item
                        .as_u64()
                        .filter(|n| (1..=100).contains(n))
                        .ok_or_else(|| {
                            format!("{pp}.CheckpointPercentages[{i}]: must be a whole number from 1 to 100")
                        })? as u32;
                    if checkpoints.last().is_some_and(|&last| n <= last) {
                        return Err(format!("{pp}.CheckpointPercentages[{i}]: must be above the one before (ascending, each once)"));
                    }
                    checkpoints.push(n);
                }
            }
            Some(_) => return Err(format!("{pp}.CheckpointPercentages: must be a list")),
        }
        let checkpoint_delay = whole(p, "CheckpointDelay", &pp, 0, 172_800)?;
        if checkpoint_delay.is_some() && checkpoints.is_empty() {
            return Err(format!(
                "{pp}.CheckpointDelay: needs CheckpointPercentages as well"
            ));
        }
        Ok(InstanceRefreshCall {
            at_ms,
            group: group.to_string(),
            desired,
            preferences: RefreshPreferences {
                min_healthy_percentage: min,
                max_healthy_percentage: max,
                instance_warmup_s: whole(p, "InstanceWarmup", &pp, 0, 172_800)?,
                skip_matching: crate::request::optional_flag(p, "SkipMatching", &pp)?,
                protected_instances,
                checkpoints,
                checkpoint_delay_s: checkpoint_delay.unwrap_or(3_600),
                bake_time_s: whole(p, "BakeTime", &pp, 0, 172_800)?.unwrap_or(0),
            },
        })
    }
}

/// A `cancelInstanceRefreshes[]` entry (a CancelInstanceRefresh request), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRefreshCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `AutoScalingGroupName`.
    pub group: String,
}

impl CancelRefreshCall {
    /// Parses `cancelInstanceRefreshes[i]`; `path` names it in errors.
    pub fn parse(
        v: &Value,
        path: &str,
        groups: &[AutoScalingGroupSpec],
    ) -> Result<CancelRefreshCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let group = group_named(v, path, groups)?;
        Ok(CancelRefreshCall {
            at_ms,
            group: group.to_string(),
        })
    }
}

/// `Status` of an instance refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshStatus {
    /// Replacing instances.
    InProgress,
    /// Every instance to replace was replaced (or skipped).
    Successful,
    /// It stopped without finishing.
    Failed,
    /// CancelInstanceRefresh stopped it: no new replacements start; instances already on their
    /// way out finish going.
    Cancelled,
}

impl RefreshStatus {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshStatus::InProgress => "InProgress",
            RefreshStatus::Successful => "Successful",
            RefreshStatus::Failed => "Failed",
            RefreshStatus::Cancelled => "Cancelled",
        }
    }
}

/// One instance refresh of a group, as DescribeInstanceRefreshes shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRefresh {
    /// `InstanceRefreshId`.
    pub id: String,
    /// `Status`.
    pub status: RefreshStatus,
    /// `StatusReason`.
    pub status_reason: Option<String>,
    /// `StartTime`.
    pub start_time: SimTime,
    /// `EndTime`.
    pub end_time: Option<SimTime>,
    /// `Preferences`, defaults filled in.
    pub preferences: RefreshPreferences,
    /// Warmup in force, milliseconds.
    pub warmup_ms: u64,
    /// The instances it set out to replace (EC2 instance ids; a set, as each look asks of
    /// every instance whether it is one).
    pub to_replace: BTreeSet<String>,
    /// Of those, the ones it left because they were protected (`Ignore`).
    pub skipped: BTreeSet<String>,
    /// `PercentageComplete`.
    pub percentage_complete: u32,
    /// Paused at a checkpoint until then.
    pub paused_until: Option<SimTime>,
    /// Checkpoints already reached.
    pub checkpoints_reached: usize,
    /// Since when only protected instances are left (`Wait`).
    pub waiting_since: Option<SimTime>,
    /// Baking until then (`BakeTime`).
    pub baking_until: Option<SimTime>,
}

impl InstanceRefresh {
    /// `InstancesToUpdate`: instances it still has to replace.
    pub fn instances_to_update(&self) -> u32 {
        let total = (self.to_replace.len() - self.skipped.len()) as u32;
        let done = total * self.percentage_complete / 100;
        total - done
    }
}

impl Simulation {
    /// Makes StartInstanceRefresh call `i` (`startInstanceRefreshes[i]`).
    pub(crate) fn start_instance_refresh(&mut self, i: usize) {
        let call = self.scenario.instance_refreshes[i].clone();
        let Some(g) = self.groups.iter().position(|x| x.spec.name == call.group) else {
            return;
        };
        if self.refresh_in_progress(g).is_some() {
            let msg = format!("StartInstanceRefresh failed: startInstanceRefreshes[{i}]: InstanceRefreshInProgress: An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        // Which instances are out of date: all of them, or with SkipMatching those whose
        // launch template or instance type differs from the configuration to reach.
        let target = call.desired.clone().unwrap_or_else(|| {
            let spec = &self.groups[g].spec;
            LaunchConfiguration {
                template: spec.template.clone(),
                instance_types: spec.instance_types.clone(),
                distribution: spec.distribution.clone(),
            }
        });
        let group = &self.groups[g];
        let to_replace: BTreeSet<String> = group
            .live()
            .filter(|inst| {
                !call.preferences.skip_matching
                    || inst.template != target.template.name
                    || !target
                        .instance_types
                        .iter()
                        .any(|t| t.name == inst.instance_type.name)
            })
            .map(|inst| inst.id.clone())
            .collect();
        if let Some(d) = call.desired {
            let spec = &mut self.groups[g].spec;
            spec.template = d.template;
            spec.instance_types = d.instance_types;
            spec.distribution = d.distribution;
        }
        let h = self.rng_ids.hex(32);
        let id = format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        );
        let warmup_s = call
            .preferences
            .instance_warmup_s
            .unwrap_or(self.groups[g].spec.instance_warmup_s);
        let n = to_replace.len();
        let p = &call.preferences;
        let msg = format!(
            "Auto Scaling group {}: instance refresh {id} started: {n} instance{} to replace (MinHealthyPercentage {}, MaxHealthyPercentage {}, InstanceWarmup {warmup_s} s, ScaleInProtectedInstances {:?})",
            self.groups[g].spec.name,
            if n == 1 { "" } else { "s" },
            p.min_healthy_percentage,
            p.max_healthy_percentage,
            p.protected_instances,
        );
        self.log.push(self.now(), EventKind::Capacity, msg);
        let start_time = self.now();
        self.groups[g].refreshes.push(InstanceRefresh {
            id,
            status: RefreshStatus::InProgress,
            status_reason: None,
            start_time,
            end_time: None,
            preferences: call.preferences,
            warmup_ms: u64::from(warmup_s) * 1000,
            to_replace,
            skipped: BTreeSet::new(),
            percentage_complete: 0,
            paused_until: None,
            checkpoints_reached: 0,
            waiting_since: None,
            baking_until: None,
        });
        self.refresh_event(g, "Started", serde_json::json!({}));
        self.refresh_step(g, self.groups[g].refreshes.len() - 1);
    }

    /// Makes CancelInstanceRefresh call `i` (`cancelInstanceRefreshes[i]`).
    pub(crate) fn cancel_instance_refresh(&mut self, i: usize) {
        let call = self.scenario.refresh_cancellations[i].clone();
        let Some(g) = self.groups.iter().position(|x| x.spec.name == call.group) else {
            return;
        };
        if self.refresh_in_progress(g).is_none() {
            let msg = format!("CancelInstanceRefresh failed: cancelInstanceRefreshes[{i}]: ActiveInstanceRefreshNotFound: No in progress or pending Instance Refresh found for Auto Scaling group {}", call.group);
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        self.finish_refresh(g, RefreshStatus::Cancelled, None);
    }

    /// The refresh in progress on group `g`, if any.
    pub(crate) fn refresh_in_progress(&self, g: usize) -> Option<&InstanceRefresh> {
        self.groups[g]
            .refreshes
            .last()
            .filter(|r| r.status == RefreshStatus::InProgress)
    }

    /// Extra instances a refresh may run above the desired capacity (MaxHealthyPercentage
    /// above 100): at most as many as old instances are left to replace.
    pub(crate) fn refresh_surge(&self, g: usize) -> u32 {
        let Some(r) = self.refresh_in_progress(g) else {
            return 0;
        };
        let desired = self.groups[g].desired;
        let room = (u64::from(desired) * u64::from(r.preferences.max_healthy_percentage) / 100)
            .saturating_sub(u64::from(desired)) as u32;
        room.min(self.old_instances_left(g).len() as u32)
    }

    /// Old instances of the refresh in progress still in the group (launching or in service),
    /// not skipped: indexes into the group's instances.
    fn old_instances_left(&self, g: usize) -> Vec<usize> {
        let Some(r) = self.refresh_in_progress(g) else {
            return Vec::new();
        };
        let group = &self.groups[g];
        (0..group.instances.len())
            .filter(|&i| {
                let inst = &group.instances[i];
                matches!(
                    inst.state,
                    GroupInstanceState::Pending | GroupInstanceState::InService
                ) && r.to_replace.contains(&inst.id)
                    && !r.skipped.contains(&inst.id)
            })
            .collect()
    }

    /// One look of refresh `index` of group `g`, if it is still in progress: terminate what
    /// the minimum healthy percentage allows, note progress and checkpoints, finish or fail.
    pub(crate) fn refresh_step(&mut self, g: usize, index: usize) {
        let now = self.now();
        if index + 1 != self.groups[g].refreshes.len() {
            return;
        }
        let Some(r) = self.refresh_in_progress(g).cloned() else {
            return;
        };
        let step = Timer::InstanceRefreshStep(g, index);
        let again = now.plus_ms(STEP_MS);
        if let Some(until) = r.paused_until.or(r.baking_until) {
            if now < until {
                self.schedule(until, step);
                return;
            }
        }
        if r.baking_until.is_some() {
            self.finish_refresh(g, RefreshStatus::Successful, None);
            return;
        }
        // Launch what the group lacks first (its desired capacity, plus the surge that
        // MaxHealthyPercentage allows): those instances are in flight below.
        self.reconcile_group(g);
        let group = &self.groups[g];
        let warmed = |i: usize| {
            let inst = &group.instances[i];
            inst.state == GroupInstanceState::InService
                && (r.to_replace.contains(&inst.id)
                    || inst
                        .in_service_at
                        .is_some_and(|t| t.plus_ms(r.warmup_ms) <= now))
        };
        let ready = (0..group.instances.len()).filter(|&i| warmed(i)).count() as u32;
        let warming: Vec<usize> = (0..group.instances.len())
            .filter(|&i| {
                let inst = &group.instances[i];
                !r.to_replace.contains(&inst.id)
                    && matches!(
                        inst.state,
                        GroupInstanceState::Pending | GroupInstanceState::InService
                    )
                    && !warmed(i)
            })
            .collect();
        let in_flight = !warming.is_empty()
            || group
                .instances
                .iter()
                .any(|i| i.state == GroupInstanceState::Terminating);
        // Progress: new instances ready, out of the instances to replace.
        let total = (r.to_replace.len() - r.skipped.len()) as u32;
        let new_ready = (0..group.instances.len())
            .filter(|&i| warmed(i) && !r.to_replace.contains(&group.instances[i].id))
            .count() as u32;
        let old_left = self.old_instances_left(g);
        let replaced = total.saturating_sub(old_left.len() as u32).min(new_ready);
        let percentage = (replaced * 100).checked_div(total).unwrap_or(100);
        self.groups[g]
            .refreshes
            .last_mut()
            .unwrap()
            .percentage_complete = percentage;
        if old_left.is_empty() && !in_flight {
            let bake = u64::from(r.preferences.bake_time_s) * 1000;
            if bake > 0 {
                let refresh = self.groups[g].refreshes.last_mut().unwrap();
                refresh.percentage_complete = 100;
                refresh.baking_until = Some(now.plus_ms(bake));
                self.schedule(now.plus_ms(bake), step);
            } else {
                self.finish_refresh(g, RefreshStatus::Successful, None);
            }
            return;
        }
        // A checkpoint reached pauses the refresh (the last one, at 100, is its end).
        if let Some(&cp) = r.preferences.checkpoints.get(r.checkpoints_reached) {
            if percentage >= cp && percentage < 100 && !in_flight {
                let delay = u64::from(r.preferences.checkpoint_delay_s) * 1000;
                let refresh = self.groups[g].refreshes.last_mut().unwrap();
                refresh.checkpoints_reached += 1;
                refresh.paused_until = Some(now.plus_ms(delay));
                refresh.status_reason = Some(format!(
                    "Checkpoint {cp}% reached: waiting {} s (CheckpointDelay) before continuing.",
                    r.preferences.checkpoint_delay_s
                ));
                let msg = format!(
                    "Auto Scaling group {}: instance refresh {}: checkpoint {cp}% reached ({percentage}% complete); continuing in {} s",
                    self.groups[g].spec.name, r.id, r.preferences.checkpoint_delay_s
                );
                self.log.push(now, EventKind::Capacity, msg);
                let detail = serde_json::json!({
                    "CheckpointPercentage": cp.to_string(),
                    "CheckpointDelay": r.preferences.checkpoint_delay_s.to_string(),
                });
                self.refresh_event(g, "Checkpoint Reached", detail);
                self.schedule(now.plus_ms(delay), step);
                return;
            }
        }
        // Which old instances may go now: protected ones only with Refresh.
        let protected: Vec<usize> = old_left
            .iter()
            .copied()
            .filter(|&i| self.group_instance_protected(g, i))
            .collect();
        let candidates: Vec<usize> = match r.preferences.protected_instances {
            ProtectedInstances::Refresh => old_left.clone(),
            _ => old_left
                .iter()
                .copied()
                .filter(|i| !protected.contains(i))
                .collect(),
        };
        let desired = self.groups[g].desired;
        let min_healthy = (u64::from(desired) * u64::from(r.preferences.min_healthy_percentage))
            .div_ceil(100) as u32;
        let mut budget = ready.saturating_sub(min_healthy) as usize;
        if budget == 0 && !in_flight {
            budget = 1;
        }
        let mut reason = None;
        if candidates.is_empty() && !in_flight {
            let ids: Vec<String> = protected
                .iter()
                .map(|&i| self.groups[g].instances[i].id.clone())
                .collect();
            match r.preferences.protected_instances {
                ProtectedInstances::Ignore => {
                    let refresh = self.groups[g].refreshes.last_mut().unwrap();
                    refresh.skipped.extend(ids);
                    self.schedule(now, step);
                    return;
                }
                ProtectedInstances::Wait => {
                    let since = r.waiting_since.unwrap_or(now);
                    if now.as_ms() >= since.as_ms() + PROTECTED_WAIT_MS {
                        let why = format!(
                            "Instances {} stayed protected from scale in for an hour (ScaleInProtectedInstances is Wait), so the instance refresh failed.",
                            ids.join(", ")
                        );
                        self.finish_refresh(g, RefreshStatus::Failed, Some(why));
                        return;
                    }
                    self.groups[g].refreshes.last_mut().unwrap().waiting_since = Some(since);
                    reason = Some(format!(
                        "Waiting for scale-in protection to be removed from {} before continuing (ScaleInProtectedInstances is Wait; it fails after an hour).",
                        ids.join(", ")
                    ));
                }
                ProtectedInstances::Refresh => {}
            }
        } else {
            self.groups[g].refreshes.last_mut().unwrap().waiting_since = None;
        }
        let mut pool = candidates;
        let mut chosen = 0;
        while chosen < budget && !pool.is_empty() {
            let Some(victim) = self.choose_group_victim_among(g, &pool) else {
                break;
            };
            pool.retain(|&i| i != victim);
            let cause = format!(
                "At {} an instance was taken out of service in response to an instance refresh.",
                self.timestamp(now)
            );
            self.retire_group_instance(g, victim, cause);
            chosen += 1;
        }
        self.reconcile_group(g);
        if reason.is_none() {
            let group = &self.groups[g];
            reason = warming
                .first()
                .map(|&i| {
                    format!(
                        "Waiting for instances to warm up before continuing. For example: {} is warming up.",
                        group.instances[i].id
                    )
                })
                .or_else(|| {
                    group
                        .instances
                        .iter()
                        .find(|i| i.state == GroupInstanceState::Terminating)
                        .map(|i| format!("Waiting for {} to terminate (draining its tasks) before continuing.", i.id))
                });
        }
        let refresh = self.groups[g].refreshes.last_mut().unwrap();
        refresh.status_reason = reason;
        refresh.paused_until = None;
        self.schedule(again, step);
    }

    /// `EC2 Auto Scaling Instance Refresh <what>` for the group's last refresh, with `detail`
    /// and its `InstanceRefreshId`.
    fn refresh_event(&mut self, g: usize, what: &str, mut detail: serde_json::Value) {
        if let Some(r) = self.groups[g].refreshes.last() {
            detail["InstanceRefreshId"] = serde_json::json!(r.id);
            self.autoscaling_event(
                g,
                &format!("EC2 Auto Scaling Instance Refresh {what}"),
                detail,
            );
        }
    }

    fn finish_refresh(&mut self, g: usize, status: RefreshStatus, reason: Option<String>) {
        let now = self.now();
        let name = self.groups[g].spec.name.clone();
        let refresh = self.groups[g].refreshes.last_mut().unwrap();
        refresh.status = status;
        refresh.end_time = Some(now);
        refresh.paused_until = None;
        refresh.baking_until = None;
        if status == RefreshStatus::Successful {
            refresh.percentage_complete = 100;
        }
        let skipped = refresh.skipped.len();
        let msg = format!(
            "Auto Scaling group {name}: instance refresh {} {}{}{}",
            refresh.id,
            status.as_str(),
            if skipped > 0 {
                format!(" ({skipped} protected instance{} left as they are: ScaleInProtectedInstances is Ignore)", if skipped == 1 { "" } else { "s" })
            } else {
                String::new()
            },
            reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
        refresh.status_reason = reason;
        self.log.push(now, EventKind::Capacity, msg);
        let ended = match status {
            RefreshStatus::Successful => Some("Succeeded"),
            RefreshStatus::Failed => Some("Failed"),
            RefreshStatus::Cancelled => Some("Cancelled"),
            RefreshStatus::InProgress => None,
        };
        if let Some(what) = ended {
            self.refresh_event(g, what, serde_json::json!({}));
        }
        // Surge instances are no longer allowed: the group returns to its desired capacity.
        self.reconcile_group(g);
    }
}
