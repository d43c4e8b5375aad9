//! `MaxInstanceLifetime`: a group replaces the instances that have been in service for longer
//! (CreateAutoScalingGroup, [ASG-MIL]).
//!
//! What AWS documents: the value is at least 86,400 s (one day), 0 clears it; instances are
//! usually replaced one at a time with a pause in between, and up to 10 % of the group's
//! capacity at once when there is not enough time to do them one by one; an instance
//! protected from scale in is not replaced (protection is AWS's way to hold replacements
//! back), so ECS's managed termination protection keeps the instances that run tasks; the
//! replacement launches from the group's current launch template. ECS managed draining covers
//! these terminations ([MID]).
//!
//! Choices where AWS is silent [unconfirmed]:
//! - The group looks once a minute; the "pause" is the previous replacement coming into
//!   service (no instance of the group launching or terminating).
//! - More than one instance past its lifetime is "not enough time": then up to 10 % of the
//!   desired capacity (at least one) go at once, oldest first. AWS may also start before an
//!   instance reaches its lifetime; the playground waits until it has.
//! - The activity's cause names the lifetime in the playground's words.

use super::GroupInstanceState;
use crate::sim::Simulation;

impl Simulation {
    /// Replaces what the groups' `MaxInstanceLifetime` says is due (called once a minute).
    pub(crate) fn replace_expired_instances(&mut self) {
        for g in 0..self.groups.len() {
            let Some(lifetime_s) = self.groups[g].spec.max_instance_lifetime_s else {
                continue;
            };
            let group = &self.groups[g];
            let busy = group.instances.iter().any(|i| {
                matches!(
                    i.state,
                    GroupInstanceState::Pending | GroupInstanceState::Terminating
                )
            }) || self.refresh_in_progress(g).is_some();
            if busy {
                continue;
            }
            let now = self.now();
            let mut expired: Vec<usize> = (0..group.instances.len())
                .filter(|&i| {
                    let inst = &group.instances[i];
                    inst.state == GroupInstanceState::InService
                        && inst.launched_at.plus_secs(u64::from(lifetime_s)) <= now
                })
                .filter(|&i| !self.group_instance_protected(g, i))
                .collect();
            if expired.is_empty() {
                continue;
            }
            expired.sort_by_key(|&i| (group.instances[i].launched_at, i));
            let batch = if expired.len() > 1 {
                (group.desired as usize / 10).max(1)
            } else {
                1
            };
            for &i in expired.iter().take(batch) {
                let cause = format!(
                    "At {} an instance was taken out of service in response to the group's maximum instance lifetime ({lifetime_s} seconds).",
                    self.timestamp(now)
                );
                self.retire_group_instance(g, i, cause);
            }
            self.reconcile_group(g);
        }
    }
}
