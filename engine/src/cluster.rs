//! The container instances of every cluster in a scenario, with the indexes placement needs.
//!
//! Placement reads this on every decision, so it keeps per-task-group counts per instance and
//! interned attribute values, both as flat vectors indexed by instance slot: one lookup per
//! placement, then plain array reads per candidate.

use std::collections::BTreeMap;

use crate::container_instance::ContainerInstance;

/// Index of an instance in [`ClusterState::instances`]; stable for the whole run.
pub type InstanceSlot = usize;

/// Interned values of one attribute across all instances (for `spread`).
#[derive(Debug, Clone, Default)]
pub struct AttributeIndex {
    /// Value id per instance slot; instances without the attribute share one id.
    pub value_of: Vec<u32>,
    /// The distinct values, by id (`None` = attribute absent).
    pub values: Vec<Option<String>>,
}

/// Every registered container instance, in registration order.
#[derive(Debug, Clone, Default)]
pub struct ClusterState {
    /// The instances; a slot is never reused.
    pub instances: Vec<ContainerInstance>,
    /// Interned cluster id per slot (compared instead of names in the hot loop).
    pub cluster_id_of: Vec<u32>,
    cluster_ids: BTreeMap<String, u32>,
    group_ids: BTreeMap<String, usize>,
    /// `group_counts[group][slot]`: tasks of the group (PENDING or RUNNING) on the instance.
    group_counts: Vec<Vec<u32>>,
    attribute_indexes: BTreeMap<String, AttributeIndex>,
}

impl ClusterState {
    /// Adds a newly registered instance and returns its slot.
    pub fn add(&mut self, instance: ContainerInstance) -> InstanceSlot {
        let next = self.cluster_ids.len() as u32;
        let cid = *self
            .cluster_ids
            .entry(instance.cluster.clone())
            .or_insert(next);
        self.instances.push(instance);
        self.cluster_id_of.push(cid);
        for counts in &mut self.group_counts {
            counts.push(0);
        }
        self.attribute_indexes.clear();
        self.instances.len() - 1
    }

    /// The interned id of a cluster name, if any instance ever registered into it.
    pub fn cluster_id(&self, name: &str) -> Option<u32> {
        self.cluster_ids.get(name).copied()
    }

    /// The interned id of a task group, creating it.
    pub fn group_id(&mut self, group: &str) -> usize {
        if let Some(id) = self.group_ids.get(group) {
            return *id;
        }
        let id = self.group_counts.len();
        self.group_ids.insert(group.to_string(), id);
        self.group_counts.push(vec![0; self.instances.len()]);
        id
    }

    /// Tasks of a group per instance slot.
    pub fn group_counts(&self, group_id: usize) -> &[u32] {
        &self.group_counts[group_id]
    }

    /// Whether an instance runs at least one task of the named group (`task:group`).
    pub fn instance_has_group(&self, slot: InstanceSlot, group: &str) -> bool {
        self.group_ids
            .get(group)
            .is_some_and(|&g| self.group_counts[g][slot] > 0)
    }

    /// Records a task of `group_id` arriving on (`+1`) or leaving (`-1`) an instance.
    pub fn count_group_task(&mut self, group_id: usize, slot: InstanceSlot, arriving: bool) {
        let c = &mut self.group_counts[group_id][slot];
        *c = if arriving {
            *c + 1
        } else {
            c.saturating_sub(1)
        };
    }

    /// Builds the interned values of an attribute across all instances, if not built yet.
    pub fn ensure_attribute_index(&mut self, name: &str) {
        if self.attribute_indexes.contains_key(name) {
            return;
        }
        let mut ids: BTreeMap<Option<&str>, u32> = BTreeMap::new();
        let mut index = AttributeIndex::default();
        for inst in &self.instances {
            let v = inst.attributes.get(name).map(String::as_str);
            let next = ids.len() as u32;
            let id = *ids.entry(v).or_insert_with(|| {
                index.values.push(v.map(str::to_string));
                next
            });
            index.value_of.push(id);
        }
        self.attribute_indexes.insert(name.to_string(), index);
    }

    /// The interned values of an attribute, once [`Self::ensure_attribute_index`] built them.
    pub fn attribute_index(&self, name: &str) -> Option<&AttributeIndex> {
        self.attribute_indexes.get(name)
    }

    /// Forgets cached attribute indexes (after an attribute changes).
    pub fn attributes_changed(&mut self) {
        self.attribute_indexes.clear();
    }

    /// Finds an instance by EC2 instance id.
    pub fn find(&self, ec2_instance_id: &str) -> Option<InstanceSlot> {
        self.instances
            .iter()
            .position(|i| i.ec2_instance_id == ec2_instance_id)
    }
}
