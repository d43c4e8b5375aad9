//! `spread`: fewest tasks of the same group per distinct value of the field (3.2, 3.3, G8).
//!
//! A service counts only its own tasks (its group `service:<name>`); a standalone task counts
//! its task group. Tasks are counted while PENDING or RUNNING ([unconfirmed] whether AWS counts
//! PENDING; we do by default, so a batch placed at once spreads; `options.spreadCountsPending:
//! false` counts RUNNING tasks only, [`crate::cluster::ClusterState::spread_group_counts`]).

use crate::cluster::{AttributeIndex, InstanceSlot};

/// Tasks of the group per attribute value, summed over the instances of one cluster, into the
/// reused buffer `per_value`.
pub fn counts_per_value(
    index: &AttributeIndex,
    group_counts: &[u32],
    cluster_of: &[u32],
    cluster: u32,
    per_value: &mut Vec<i64>,
) {
    per_value.clear();
    per_value.resize(index.values.len(), 0);
    for (slot, &count) in group_counts.iter().enumerate() {
        if count > 0 && cluster_of[slot] == cluster {
            per_value[index.value_of[slot] as usize] += i64::from(count);
        }
    }
}

/// Score of an instance under `spread(attribute:…)`: its value's task count.
#[inline(always)]
pub fn attribute_score(index: &AttributeIndex, per_value: &[i64], slot: InstanceSlot) -> i64 {
    per_value[index.value_of[slot] as usize]
}

/// Score of an instance under `spread(instanceId)`: its own task count.
#[inline(always)]
pub fn instance_score(group_counts: &[u32], slot: InstanceSlot) -> i64 {
    i64::from(group_counts[slot])
}
