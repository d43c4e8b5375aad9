//! Stage 1–2 of 3.7: the instance must be ACTIVE with a connected agent, and have the CPU,
//! memory, GPUs, host ports, ENI and attributes the task needs.

use crate::container_instance::{ContainerInstance, InstanceStatus, MAX_RESERVED_PORTS};
use crate::placement::explain::{Rejection, Stage};
use crate::placement::TaskNeeds;
use crate::task_definition::Protocol;

/// Checks status and agent connection (2.6).
pub fn check_candidate(inst: &ContainerInstance) -> Result<(), (Stage, Rejection)> {
    if inst.status != InstanceStatus::Active {
        let status = format!("{:?}", inst.status).to_uppercase();
        return Err((Stage::Candidates, Rejection::NotActive { status }));
    }
    if !inst.agent_connected {
        return Err((Stage::Candidates, Rejection::AgentDisconnected));
    }
    Ok(())
}

/// Checks every resource of the task against what is left on the instance.
pub fn check_resources(
    inst: &ContainerInstance,
    needs: &TaskNeeds,
) -> Result<(), (Stage, Rejection)> {
    let reject = |r| Err((Stage::Resources, r));
    let rem = &inst.remaining;
    if rem.cpu < needs.cpu {
        return reject(Rejection::Cpu {
            requested: needs.cpu,
            available: rem.cpu,
        });
    }
    if rem.memory_mib < needs.memory_mib {
        return reject(Rejection::Memory {
            requested: needs.memory_mib,
            available: rem.memory_mib,
        });
    }
    if rem.gpus < needs.gpus {
        return reject(Rejection::Gpu {
            requested: needs.gpus,
            available: rem.gpus,
        });
    }
    if needs.eni && inst.enis_in_use >= inst.eni_task_capacity {
        return reject(Rejection::Eni {
            capacity: inst.eni_task_capacity,
            in_use: inst.enis_in_use,
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
                return reject(Rejection::PortInUse { port, protocol: p });
            }
        }
        let reserved = inst.reserved(protocol).len();
        if requested > 0 && reserved + requested > MAX_RESERVED_PORTS {
            return reject(Rejection::TooManyPorts {
                reserved,
                requested,
                max: MAX_RESERVED_PORTS,
            });
        }
        let dynamic = needs
            .dynamic_ports
            .iter()
            .filter(|p| **p == protocol)
            .count();
        if dynamic > 0 && inst.free_dynamic_ports(protocol) < dynamic {
            return reject(Rejection::NoDynamicPort);
        }
    }
    for name in &needs.required_attributes {
        if !inst.attributes.contains_key(name) {
            return reject(Rejection::MissingAttribute { name: name.clone() });
        }
    }
    Ok(())
}
