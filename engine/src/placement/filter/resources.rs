//! Stage 1–2 of 3.7: the instance must be ACTIVE with a connected agent, and have the CPU,
//! memory, GPUs, host ports, ENI and attributes the task needs.

use crate::cluster::Capacity;
use crate::container_instance::{
    ContainerInstance, DaemonHold, InstanceStatus, MAX_RESERVED_PORTS,
};
use crate::placement::explain::{Rejection, Stage};
use crate::placement::TaskNeeds;
use crate::task_definition::Protocol;

/// What the packed [`Capacity`] index alone can say about an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quick {
    /// [`check_candidate`] and [`check_resources`] both pass.
    Fits,
    /// One of them fails (which one, and why, [`check_resources`] says).
    Lacks,
    /// The index cannot tell (static host ports, required attributes, or few dynamic ports
    /// left): run the full checks.
    Unsure,
}

/// Answers [`check_candidate`] followed by [`check_resources`] from the packed index, without
/// touching the instance, whenever it can.
#[inline(always)]
pub fn quick_verdict(cap: &Capacity, needs: &TaskNeeds) -> Quick {
    let lacks = !cap.accepts_tasks
        || cap.cpu < needs.cpu
        || cap.memory_mib < needs.memory_mib
        || cap.gpus < needs.gpus
        || (needs.eni && cap.enis_free == 0);
    if lacks {
        Quick::Lacks
    } else if needs.static_ports.is_empty()
        && needs.dynamic_ranges.is_empty()
        && needs.required_attributes.is_empty()
        && needs.availability_zones.is_none()
        && cap.dynamic_headroom[0] as usize >= needs.dynamic_ports[0]
        && cap.dynamic_headroom[1] as usize >= needs.dynamic_ports[1]
    {
        Quick::Fits
    } else {
        Quick::Unsure
    }
}

/// Checks status and agent connection (2.6).
#[inline]
pub fn check_candidate(inst: &ContainerInstance) -> Result<(), (Stage, Rejection)> {
    if inst.status != InstanceStatus::Active || !inst.agent_connected {
        return Err(candidate_rejection(inst));
    }
    Ok(())
}

#[cold]
fn candidate_rejection(inst: &ContainerInstance) -> (Stage, Rejection) {
    if inst.status != InstanceStatus::Active {
        let status = format!("{:?}", inst.status).to_ascii_uppercase();
        return (Stage::Candidates, Rejection::NotActive { status });
    }
    (Stage::Candidates, Rejection::AgentDisconnected)
}

/// Checks every resource of the task against what is left on the instance, all of it: the
/// check of a daemon task and of StartTask. The common case (it fits) is a handful of
/// comparisons; finding out exactly why not is out of line.
#[inline]
pub fn check_resources(
    inst: &ContainerInstance,
    needs: &TaskNeeds,
) -> Result<(), (Stage, Rejection)> {
    check_within(inst, needs, &DaemonHold::default())
}

/// The resource stage of the placement pipeline: as [`check_resources`], without what the
/// instance holds back for daemon tasks (4.1).
#[inline]
pub fn check_placement_resources(
    inst: &ContainerInstance,
    needs: &TaskNeeds,
) -> Result<(), (Stage, Rejection)> {
    check_within(inst, needs, &inst.daemon_hold)
}

#[inline(always)]
fn check_within(
    inst: &ContainerInstance,
    needs: &TaskNeeds,
    hold: &DaemonHold,
) -> Result<(), (Stage, Rejection)> {
    let rem = &inst.remaining;
    let held = &hold.resources;
    let fits = rem.cpu >= needs.cpu.saturating_add(held.cpu)
        && rem.memory_mib >= needs.memory_mib.saturating_add(held.memory_mib)
        && rem.gpus >= needs.gpus.saturating_add(held.gpus)
        && (!needs.eni || inst.enis_in_use + hold.enis < inst.eni_task_capacity)
        && (needs.dynamic_ports[0] == 0
            || inst.has_free_dynamic_ports(Protocol::Tcp, needs.dynamic_ports[0]))
        && (needs.dynamic_ports[1] == 0
            || inst.has_free_dynamic_ports(Protocol::Udp, needs.dynamic_ports[1]));
    if fits
        && needs.static_ports.is_empty()
        && needs.dynamic_ranges.is_empty()
        && needs.required_attributes.is_empty()
        && needs.availability_zones.is_none()
    {
        return Ok(());
    }
    resource_rejection(inst, needs, hold).map_or(Ok(()), |r| Err((Stage::Resources, r)))
}

/// The first resource the instance lacks, in the order of 3.7 step 2; what is held back for
/// daemon tasks (`hold`) is not available.
#[cold]
fn resource_rejection(
    inst: &ContainerInstance,
    needs: &TaskNeeds,
    hold: &DaemonHold,
) -> Option<Rejection> {
    let rem = &inst.remaining;
    let held = &hold.resources;
    if rem.cpu < needs.cpu.saturating_add(held.cpu) {
        return Some(Rejection::Cpu {
            requested: needs.cpu,
            available: rem.cpu.saturating_sub(held.cpu),
            held_for_daemons: held.cpu,
        });
    }
    if rem.memory_mib < needs.memory_mib.saturating_add(held.memory_mib) {
        return Some(Rejection::Memory {
            requested: needs.memory_mib,
            available: rem.memory_mib.saturating_sub(held.memory_mib),
            held_for_daemons: held.memory_mib,
        });
    }
    if rem.gpus < needs.gpus.saturating_add(held.gpus) {
        return Some(Rejection::Gpu {
            requested: needs.gpus,
            available: rem.gpus.saturating_sub(held.gpus),
        });
    }
    if needs.eni && inst.enis_in_use + hold.enis >= inst.eni_task_capacity {
        return Some(Rejection::Eni {
            capacity: inst.eni_task_capacity,
            in_use: inst.enis_in_use,
            held_for_daemons: hold.enis,
        });
    }
    for protocol in [Protocol::Tcp, Protocol::Udp] {
        let mut requested = 0;
        for &(port, p) in &needs.static_ports {
            if p != protocol {
                continue;
            }
            requested += 1;
            if inst.port_in_use(port, p) {
                return Some(Rejection::PortInUse { port, protocol: p });
            }
        }
        let reserved = inst.reserved(protocol).len();
        if requested > 0 && reserved + requested > MAX_RESERVED_PORTS {
            return Some(Rejection::TooManyPorts {
                reserved,
                requested,
                max: MAX_RESERVED_PORTS,
            });
        }
        let dynamic = needs.dynamic_ports[protocol as usize];
        if dynamic > 0 && !inst.has_free_dynamic_ports(protocol, dynamic) {
            return Some(Rejection::NoDynamicPort);
        }
    }
    if let Some(&(count, protocol)) = unplaceable_range(inst, &needs.dynamic_ranges) {
        return Some(Rejection::NoPortRange { count, protocol });
    }
    if let Some(missing) = needs
        .required_attributes
        .iter()
        .find(|name| !inst.attributes.contains_key(*name))
    {
        return Some(Rejection::MissingAttribute {
            name: missing.clone(),
        });
    }
    match &needs.availability_zones {
        Some(zones) if !zones.contains(&inst.availability_zone) => Some(Rejection::Location {
            availability_zone: inst.availability_zone.clone(),
            subnet_zones: zones.clone(),
        }),
        _ => None,
    }
}

/// The first of `ranges` that finds no block of consecutive free ports in the ephemeral range,
/// each range taking the lowest block left by the ones before it (1.5).
fn unplaceable_range<'a>(
    inst: &ContainerInstance,
    ranges: &'a [(u16, Protocol)],
) -> Option<&'a (u16, Protocol)> {
    let mut taken: Vec<(u16, u16, Protocol)> = Vec::new();
    for range in ranges {
        let (count, protocol) = *range;
        match free_port_block(inst, count, protocol, &taken) {
            Some(first) => taken.push((first, first.saturating_add(count - 1), protocol)),
            None => return Some(range),
        }
    }
    None
}

/// The lowest first port of `count` consecutive ports of the ephemeral range that are free
/// on the instance and outside `taken` (blocks already promised to the same task).
pub fn free_port_block(
    inst: &ContainerInstance,
    count: u16,
    protocol: Protocol,
    taken: &[(u16, u16, Protocol)],
) -> Option<u16> {
    let (lo, hi) = inst.dynamic_range;
    let busy = |p: u16| {
        inst.port_in_use(p, protocol)
            || taken
                .iter()
                .any(|&(a, b, pr)| pr == protocol && (a..=b).contains(&p))
    };
    let mut run = 0u16;
    for p in lo..=hi {
        if busy(p) {
            run = 0;
            continue;
        }
        run += 1;
        if run == count {
            return Some(p + 1 - count);
        }
    }
    None
}
