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

/// The placement-relevant numbers of one instance, packed for the hot loop of the resource
/// filter. Always derived from the instance by [`Capacity::of`] after any change
/// ([`ClusterState::refresh`]); never edited on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capacity {
    /// The interned id of the instance's cluster.
    pub cluster_id: u32,
    /// ACTIVE with a connected agent.
    pub accepts_tasks: bool,
    /// Remaining CPU units, less the daemon hold (4.1).
    pub cpu: u32,
    /// Remaining MiB, less the daemon hold.
    pub memory_mib: u32,
    /// Remaining GPUs, less the daemon hold.
    pub gpus: u32,
    /// Free awsvpc task ENIs, less the daemon hold.
    pub enis_free: u32,
    /// A lower bound of free dynamic ports per protocol (exact unless static ports sit in the
    /// ephemeral range).
    pub dynamic_headroom: [u32; 2],
    /// Its capacity provider's index, or [`NO_PROVIDER`].
    pub provider: u32,
    /// Launched by a Managed Instances provider: only a placement asking for that provider
    /// sees it.
    pub managed_instances: bool,
}

/// [`Capacity::provider`] of an instance outside any capacity provider.
pub const NO_PROVIDER: u32 = u32::MAX;

/// [`Capacity::provider`] of an ECS Anywhere instance: only a placement asking for
/// [`EXTERNAL_POOL`] (the EXTERNAL launch type) sees it.
pub const EXTERNAL_POOL: u32 = u32::MAX - 1;

impl Capacity {
    /// Derives the packed numbers from an instance of cluster `cluster_id`.
    pub fn of(inst: &ContainerInstance, cluster_id: u32) -> Capacity {
        let (lo, hi) = inst.dynamic_range;
        let size = usize::from(hi - lo) + 1;
        let hold = &inst.daemon_hold;
        let headroom = |p: usize, reserved: usize| {
            (size.saturating_sub(inst.dynamic_counts[p] + reserved)) as u32
        };
        Capacity {
            cluster_id,
            accepts_tasks: inst.accepts_tasks(),
            // What a placement may use: the daemon hold is not (4.1).
            cpu: inst.remaining.cpu.saturating_sub(hold.resources.cpu),
            memory_mib: inst
                .remaining
                .memory_mib
                .saturating_sub(hold.resources.memory_mib),
            gpus: inst.remaining.gpus.saturating_sub(hold.resources.gpus),
            enis_free: inst
                .eni_task_capacity
                .saturating_sub(inst.enis_in_use + hold.enis),
            dynamic_headroom: [
                headroom(0, inst.reserved_tcp.len()),
                headroom(1, inst.reserved_udp.len()),
            ],
            provider: if inst.external {
                EXTERNAL_POOL
            } else {
                inst.capacity_provider.map_or(NO_PROVIDER, |p| p as u32)
            },
            managed_instances: inst.managed_instances,
        }
    }
}

/// Every registered container instance, in registration order.
#[derive(Debug, Clone, Default)]
pub struct ClusterState {
    /// The instances; a slot is never reused.
    pub instances: Vec<ContainerInstance>,
    /// Interned cluster id per slot (compared instead of names in the hot loop).
    pub cluster_id_of: Vec<u32>,
    /// Packed capacity per slot, kept in step with `instances` by [`ClusterState::refresh`].
    pub capacity: Vec<Capacity>,
    cluster_ids: BTreeMap<String, u32>,
    group_ids: BTreeMap<String, usize>,
    /// `group_counts[group][slot]`: tasks of the group (PENDING or RUNNING) on the instance.
    group_counts: Vec<Vec<u32>>,
    /// The same for RUNNING tasks only, kept when the spread strategies count only those
    /// (`options.spreadCountsPending: false`); `None` when they count PENDING tasks too.
    running_counts: Option<Vec<Vec<u32>>>,
    attribute_indexes: BTreeMap<String, AttributeIndex>,
    generation: u64,
    /// Tasks of a group per attribute value within one cluster (for `spread`), kept up to
    /// date as tasks arrive and leave instead of being recounted per placement.
    value_counts: Vec<ValueCounts>,
}

/// See [`ClusterState::spread_counts`].
#[derive(Debug, Clone)]
struct ValueCounts {
    group_id: usize,
    cluster_id: u32,
    attribute: String,
    per_value: Vec<i64>,
}

/// Counts a task arriving (`+1`) or leaving (`-1`); a count never goes below zero. Returns the
/// change made.
fn step(count: &mut u32, arriving: bool) -> Option<i64> {
    match (arriving, *count) {
        (true, _) => {
            *count += 1;
            Some(1)
        }
        (false, 0) => None,
        (false, _) => {
            *count -= 1;
            Some(-1)
        }
    }
}

impl ClusterState {
    /// Adds a newly registered instance and returns its slot.
    pub fn add(&mut self, instance: ContainerInstance) -> InstanceSlot {
        let next = self.cluster_ids.len() as u32;
        let cid = *self
            .cluster_ids
            .entry(instance.cluster.clone())
            .or_insert(next);
        self.capacity.push(Capacity::of(&instance, cid));
        self.instances.push(instance);
        self.cluster_id_of.push(cid);
        self.grow_counts();
        self.attribute_indexes.clear();
        self.value_counts.clear();
        self.generation += 1;
        self.instances.len() - 1
    }

    /// The position of the live per-value task counts of `group_id` in cluster `cluster_id`
    /// over `attribute`, building them (and the attribute index) on first use. Read them with
    /// [`ClusterState::spread_counts_at`].
    pub fn spread_counts(&mut self, group_id: usize, cluster_id: u32, attribute: &str) -> usize {
        if let Some(i) = self.value_counts.iter().position(|v| {
            v.group_id == group_id && v.cluster_id == cluster_id && v.attribute == attribute
        }) {
            return i;
        }
        self.ensure_attribute_index(attribute);
        let mut per_value = Vec::new();
        if let Some(index) = self.attribute_indexes.get(attribute) {
            crate::placement::strategy::spread::counts_per_value(
                index,
                self.spread_group_counts(group_id),
                &self.cluster_id_of,
                cluster_id,
                &mut per_value,
            );
        }
        self.value_counts.push(ValueCounts {
            group_id,
            cluster_id,
            attribute: attribute.to_string(),
            per_value,
        });
        self.value_counts.len() - 1
    }

    /// Live per-value task counts returned by [`ClusterState::spread_counts`].
    pub fn spread_counts_at(&self, position: usize) -> &[i64] {
        &self.value_counts[position].per_value
    }

    /// Changes whenever an instance registers or an attribute changes: caches of per-instance
    /// facts (attribute indexes, static `memberOf` results) are valid for one generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Puts an instance in a capacity provider.
    pub fn set_provider(&mut self, slot: InstanceSlot, provider: usize) {
        self.instances[slot].capacity_provider = Some(provider);
        self.refresh(slot);
        self.generation += 1;
    }

    /// Adds the host of one Fargate task. It is interned under a cluster key of its own, so
    /// EC2 placement, daemons and cluster metrics never see it.
    pub fn add_fargate_host(&mut self, mut instance: ContainerInstance) -> InstanceSlot {
        instance.fargate = true;
        let key = format!("\u{1}fargate/{}", instance.cluster);
        let next = self.cluster_ids.len() as u32;
        let cid = *self.cluster_ids.entry(key).or_insert(next);
        self.capacity.push(Capacity::of(&instance, cid));
        self.instances.push(instance);
        self.cluster_id_of.push(cid);
        self.grow_counts();
        // Attribute indexes stay valid: they are per instance and a Fargate host is never
        // scored; extend them so slots line up.
        for index in self.attribute_indexes.values_mut() {
            let absent = index.values.iter().position(Option::is_none);
            let id = absent.unwrap_or_else(|| {
                index.values.push(None);
                index.values.len() - 1
            });
            index.value_of.push(id as u32);
        }
        self.instances.len() - 1
    }

    /// Re-derives the packed capacity of an instance after it changed (resources, ports,
    /// ENIs, status, agent connection). Every mutation of an instance ends with this call.
    pub fn refresh(&mut self, slot: InstanceSlot) {
        self.capacity[slot] = Capacity::of(&self.instances[slot], self.cluster_id_of[slot]);
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
        if let Some(running) = &mut self.running_counts {
            running.push(vec![0; self.instances.len()]);
        }
        id
    }

    /// Tasks of a group (PENDING or RUNNING) per instance slot.
    pub fn group_counts(&self, group_id: usize) -> &[u32] {
        &self.group_counts[group_id]
    }

    /// The tasks of a group per instance slot that the spread strategies count: PENDING and
    /// RUNNING ones, or RUNNING ones only after [`ClusterState::spread_counts_running_only`].
    pub fn spread_group_counts(&self, group_id: usize) -> &[u32] {
        match &self.running_counts {
            Some(running) => &running[group_id],
            None => &self.group_counts[group_id],
        }
    }

    /// Makes the spread strategies count only RUNNING tasks (section 12 item 1); tasks then
    /// count from [`ClusterState::count_running_task`]. Call before any task is placed.
    pub fn spread_counts_running_only(&mut self) {
        self.running_counts = Some(self.group_counts.iter().map(|c| vec![0; c.len()]).collect());
        self.value_counts.clear();
    }

    /// Records a task of `group_id` reaching RUNNING on (`+1`) or, having run, leaving (`-1`)
    /// an instance, when the spread strategies count only RUNNING tasks.
    pub fn count_running_task(&mut self, group_id: usize, slot: InstanceSlot, arriving: bool) {
        let Some(running) = &mut self.running_counts else {
            return;
        };
        if let Some(delta) = step(&mut running[group_id][slot], arriving) {
            self.shift_value_counts(group_id, slot, delta);
        }
    }

    /// A new slot in every count.
    fn grow_counts(&mut self) {
        for counts in self
            .group_counts
            .iter_mut()
            .chain(self.running_counts.iter_mut().flatten())
        {
            counts.push(0);
        }
    }

    /// Whether an instance runs at least one task of the named group (`task:group`).
    pub fn instance_has_group(&self, slot: InstanceSlot, group: &str) -> bool {
        self.group_ids
            .get(group)
            .is_some_and(|&g| self.group_counts[g][slot] > 0)
    }

    /// Records a task of `group_id` arriving on (`+1`) or leaving (`-1`) an instance.
    pub fn count_group_task(&mut self, group_id: usize, slot: InstanceSlot, arriving: bool) {
        let delta = step(&mut self.group_counts[group_id][slot], arriving);
        if let (Some(delta), None) = (delta, &self.running_counts) {
            self.shift_value_counts(group_id, slot, delta);
        }
    }

    /// Moves the live per-value spread counts of the instance's value by `delta`.
    fn shift_value_counts(&mut self, group_id: usize, slot: InstanceSlot, delta: i64) {
        let cluster_id = self.cluster_id_of[slot];
        for vc in self
            .value_counts
            .iter_mut()
            .filter(|v| v.group_id == group_id && v.cluster_id == cluster_id)
        {
            if let Some(index) = self.attribute_indexes.get(&vc.attribute) {
                vc.per_value[index.value_of[slot] as usize] += delta;
            }
        }
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
        self.value_counts.clear();
        self.generation += 1;
    }

    /// Finds an instance by EC2 instance id.
    pub fn find(&self, ec2_instance_id: &str) -> Option<InstanceSlot> {
        self.instances
            .iter()
            .position(|i| i.ec2_instance_id == ec2_instance_id)
    }

    /// The instance an API call names by its container-instance ARN, its container-instance
    /// ID (the ARN's last part) or its EC2 instance ID.
    pub fn find_target(&self, target: &str) -> Option<InstanceSlot> {
        let id = target.rsplit('/').next().unwrap_or(target);
        self.instances.iter().position(|i| {
            i.ec2_instance_id == target || i.arn == target || i.arn.rsplit('/').next() == Some(id)
        })
    }
}
