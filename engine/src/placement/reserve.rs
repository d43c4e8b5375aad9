//! Stage 6 of 3.7: charge the chosen instance at once, so the next task of a batch sees the
//! reduced capacity; and give everything back when the task stops.
//!
//! Dynamic host ports come from the instance's ephemeral range. Which free port AWS hands out
//! is [unconfirmed] (2.3, section 12 item 2), so the scenario chooses
//! (`options.dynamicHostPorts`): a draw from the scenario's seeded stream (the default, so runs
//! replay exactly) or the lowest free port.

use serde::Serialize;

use crate::cluster::{ClusterState, InstanceSlot};
use crate::container_instance::ContainerInstance;
use crate::json_shape::Spelled;
use crate::placement::filter::resources::free_port_block;
use crate::placement::TaskNeeds;
use crate::rng::SimRng;
use crate::task_definition::Protocol;

/// A host-port binding, as `networkBindings[]` in DescribeTasks: one port
/// (`containerPort`, `hostPort`) or a port range (`containerPortRange`, `hostPortRange`,
/// 1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkBinding {
    /// The container.
    pub container_name: String,
    /// Port inside the container (the first of a range).
    pub container_port: u16,
    /// Port on the host (the first of a range).
    pub host_port: u16,
    /// `tcp` or `udp`.
    pub protocol: Protocol,
    /// Always `0.0.0.0`.
    pub bind_ip: &'static str,
    /// Consecutive ports bound: 1, or the size of the range.
    pub count: u16,
}

impl Serialize for NetworkBinding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("bindIP", self.bind_ip)?;
        if self.count > 1 {
            let range = |first: u16| format!("{first}-{}", first.saturating_add(self.count - 1));
            m.serialize_entry("containerPortRange", &range(self.container_port))?;
            m.serialize_entry("hostPortRange", &range(self.host_port))?;
        } else {
            m.serialize_entry("containerPort", &self.container_port)?;
            m.serialize_entry("hostPort", &self.host_port)?;
        }
        m.serialize_entry("protocol", &self.protocol)?;
        m.end()
    }
}

/// What a task holds on its instance, to be released when it stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The instance.
    pub slot: InstanceSlot,
    /// The task group's interned id.
    pub group_id: usize,
    /// CPU units held.
    pub cpu: u32,
    /// MiB held.
    pub memory_mib: u32,
    /// GPUs held.
    pub gpus: u32,
    /// Whether an ENI is attached.
    pub eni: bool,
    /// Host port bindings (static and dynamic).
    pub bindings: Vec<NetworkBinding>,
    /// Which bindings are dynamic (parallel to `bindings`).
    pub dynamic: Vec<bool>,
}

/// Which free port of the ephemeral range a dynamic host port mapping gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DynamicPortChoice {
    /// A seeded random free port (`"random"`, the default).
    #[default]
    Random,
    /// The lowest free port (`"lowest"`).
    Lowest,
}

impl Spelled for DynamicPortChoice {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("random", DynamicPortChoice::Random),
        ("lowest", DynamicPortChoice::Lowest),
    ];
}

/// How dynamic host ports are handed out: the choice, and the seeded stream random choices
/// draw from.
#[derive(Debug, Clone)]
pub struct HostPorts {
    /// The scenario's choice.
    pub choice: DynamicPortChoice,
    /// The stream of random draws.
    pub rng: SimRng,
}

/// Charges `needs` to the instance and binds host ports.
pub fn reserve(
    cluster: &mut ClusterState,
    slot: InstanceSlot,
    group_id: usize,
    needs: &TaskNeeds,
    ports: &mut HostPorts,
) -> Reservation {
    cluster.count_group_task(group_id, slot, true);
    let inst = &mut cluster.instances[slot];
    inst.remaining.cpu = inst.remaining.cpu.saturating_sub(needs.cpu);
    inst.remaining.memory_mib = inst.remaining.memory_mib.saturating_sub(needs.memory_mib);
    inst.remaining.gpus = inst.remaining.gpus.saturating_sub(needs.gpus);
    if needs.eni {
        inst.enis_in_use += 1;
    }
    inst.running_tasks_count += 1;
    // Port ranges first, each in the lowest free block (1.5) [unconfirmed: which block the
    // agent picks], so that single dynamic ports cannot split the blocks the filter found.
    let range_starts: Vec<Option<u16>> = needs
        .host_port_mappings
        .iter()
        .map(|pm| {
            (pm.host_port.is_none() && pm.count > 1).then(|| {
                let first = free_port_block(inst, pm.count, pm.protocol, &[])
                    .unwrap_or(inst.dynamic_range.0);
                for p in first..=first.saturating_add(pm.count - 1) {
                    if inst.dynamic_in_use.insert((p, pm.protocol)) {
                        inst.dynamic_counts[pm.protocol as usize] += 1;
                    }
                }
                first
            })
        })
        .collect();
    let mut bindings = Vec::new();
    let mut dynamic = Vec::new();
    for (pm, range_start) in needs.host_port_mappings.iter().zip(range_starts) {
        let host_port = match (pm.host_port, range_start) {
            (_, Some(first)) => {
                dynamic.push(true);
                first
            }
            (Some(p), None) => {
                inst.reserved_mut(pm.protocol).insert(p);
                dynamic.push(false);
                p
            }
            (None, None) => {
                let p = pick_dynamic_port(inst, pm.protocol, ports);
                inst.dynamic_in_use.insert((p, pm.protocol));
                inst.dynamic_counts[pm.protocol as usize] += 1;
                dynamic.push(true);
                p
            }
        };
        bindings.push(NetworkBinding {
            container_name: pm.container_name.clone(),
            container_port: pm.container_port,
            host_port,
            protocol: pm.protocol,
            bind_ip: "0.0.0.0",
            count: pm.count,
        });
    }
    cluster.refresh(slot);
    Reservation {
        slot,
        group_id,
        cpu: needs.cpu,
        memory_mib: needs.memory_mib,
        gpus: needs.gpus,
        eni: needs.eni,
        bindings,
        dynamic,
    }
}

/// Gives a stopped task's resources back.
pub fn release(cluster: &mut ClusterState, r: &Reservation) {
    cluster.count_group_task(r.group_id, r.slot, false);
    let inst = &mut cluster.instances[r.slot];
    inst.remaining.cpu = (inst.remaining.cpu + r.cpu).min(inst.registered.cpu);
    inst.remaining.memory_mib =
        (inst.remaining.memory_mib + r.memory_mib).min(inst.registered.memory_mib);
    inst.remaining.gpus = (inst.remaining.gpus + r.gpus).min(inst.registered.gpus);
    if r.eni {
        inst.enis_in_use = inst.enis_in_use.saturating_sub(1);
    }
    inst.running_tasks_count = inst.running_tasks_count.saturating_sub(1);
    for (b, &is_dynamic) in r.bindings.iter().zip(&r.dynamic) {
        if is_dynamic {
            for p in b.host_port..=b.host_port.saturating_add(b.count - 1) {
                if inst.dynamic_in_use.remove(&(p, b.protocol)) {
                    inst.dynamic_counts[b.protocol as usize] -= 1;
                }
            }
        } else {
            inst.reserved_mut(b.protocol).remove(&b.host_port);
        }
    }
    cluster.refresh(r.slot);
}

/// A free port from the ephemeral range (the resource filter has checked that one exists):
/// the lowest, or a few seeded random draws, then a scan from a random start.
fn pick_dynamic_port(inst: &ContainerInstance, protocol: Protocol, ports: &mut HostPorts) -> u16 {
    let (lo, hi) = inst.dynamic_range;
    if ports.choice == DynamicPortChoice::Lowest {
        return (lo..=hi)
            .find(|&p| !inst.port_in_use(p, protocol))
            .unwrap_or(lo);
    }
    let rng = &mut ports.rng;
    let size = u64::from(hi - lo) + 1;
    for _ in 0..16 {
        let p = lo + rng.below(size) as u16;
        if !inst.port_in_use(p, protocol) {
            return p;
        }
    }
    let start = rng.below(size);
    (0..size)
        .map(|i| lo + ((start + i) % size) as u16)
        .find(|&p| !inst.port_in_use(p, protocol))
        .unwrap_or(lo)
}
