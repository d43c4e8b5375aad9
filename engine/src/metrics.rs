//! CloudWatch metric formulas of ECS (5.2, [CWM]): cluster reservation and service
//! utilization. The load model that produces usage arrives with the closed-loop issue; these
//! are the formulas it feeds.

use crate::cluster::ClusterState;
use crate::container_instance::InstanceStatus;

/// `CPUReservation` and `MemoryReservation` of a cluster, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterReservation {
    /// Reserved CPU units of running tasks over registered CPU units.
    pub cpu_percent: f64,
    /// Reserved MiB of running tasks over registered MiB.
    pub memory_percent: f64,
}

/// Cluster reservation over the instances that are ACTIVE or DRAINING ([CWM]); `None` when the
/// cluster has no such instance.
pub fn cluster_reservation(cluster: &ClusterState, name: &str) -> Option<ClusterReservation> {
    let (mut reg_cpu, mut reg_mem, mut used_cpu, mut used_mem) = (0u64, 0u64, 0u64, 0u64);
    for inst in cluster.instances.iter().filter(|i| i.cluster == name) {
        if !matches!(
            inst.status,
            InstanceStatus::Active | InstanceStatus::Draining
        ) {
            continue;
        }
        reg_cpu += u64::from(inst.registered.cpu);
        reg_mem += u64::from(inst.registered.memory_mib);
        used_cpu += u64::from(inst.registered.cpu - inst.remaining.cpu.min(inst.registered.cpu));
        used_mem += u64::from(
            inst.registered.memory_mib - inst.remaining.memory_mib.min(inst.registered.memory_mib),
        );
    }
    (reg_cpu > 0 && reg_mem > 0).then(|| ClusterReservation {
        cpu_percent: used_cpu as f64 * 100.0 / reg_cpu as f64,
        memory_percent: used_mem as f64 * 100.0 / reg_mem as f64,
    })
}

/// One task's demand and limits, for service utilization.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskUsage {
    /// CPU units the task's processes want.
    pub cpu_demand_units: f64,
    /// MiB the task's processes use.
    pub memory_used_mib: f64,
    /// CPU units reserved (task `cpu`, else the sum of container `cpu`).
    pub cpu_reserved_units: f64,
    /// MiB reserved (1.3).
    pub memory_reserved_mib: f64,
    /// Task-level `cpu`, which caps usage at the reservation (utilization ≤ 100 %).
    pub task_level_cpu: bool,
    /// CPU units of the instance the task runs on: CPU shares let a task use idle CPU up to
    /// the whole instance.
    pub instance_cpu_units: f64,
}

/// Service `CPUUtilization` and `MemoryUtilization`, in percent: total used over total
/// reserved across the service's tasks ([CWM], G6). CPU can pass 100 % when no task-level
/// `cpu` caps it.
pub fn service_utilization(tasks: &[TaskUsage]) -> Option<(f64, f64)> {
    let (mut used_cpu, mut res_cpu, mut used_mem, mut res_mem) = (0.0, 0.0, 0.0, 0.0);
    for t in tasks {
        let cap = if t.task_level_cpu {
            t.cpu_reserved_units
        } else {
            t.instance_cpu_units
        };
        used_cpu += t.cpu_demand_units.min(cap);
        res_cpu += t.cpu_reserved_units;
        used_mem += t.memory_used_mib;
        res_mem += t.memory_reserved_mib;
    }
    (res_cpu > 0.0 && res_mem > 0.0)
        .then(|| (used_cpu * 100.0 / res_cpu, used_mem * 100.0 / res_mem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g6_service_cpu_above_100_percent_and_the_task_level_cap() {
        let task = |demand: f64, mem: f64, task_level_cpu: bool| TaskUsage {
            cpu_demand_units: demand,
            memory_used_mib: mem,
            cpu_reserved_units: 512.0,
            memory_reserved_mib: 1024.0,
            task_level_cpu,
            instance_cpu_units: 2048.0,
        };
        assert_eq!(
            service_utilization(&[task(2048.0, 512.0, false)]),
            Some((400.0, 50.0))
        );
        assert_eq!(
            service_utilization(&[task(128.0, 128.0, false)]),
            Some((25.0, 12.5))
        );
        assert_eq!(
            service_utilization(&[task(2048.0, 512.0, true)]).map(|u| u.0),
            Some(100.0)
        );
        assert_eq!(
            service_utilization(&[task(9000.0, 512.0, false)]).map(|u| u.0),
            Some(400.0),
            "never more than the instance"
        );
        assert_eq!(service_utilization(&[]), None);
    }
}
