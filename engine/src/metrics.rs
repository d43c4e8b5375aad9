//! CloudWatch metric formulas of ECS (5.2, [CWM]): cluster reservation and service
//! utilization. The load model that produces usage arrives with the closed-loop issue; these
//! are the formulas it feeds.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cluster::ClusterState;
use crate::container_instance::InstanceStatus;
use crate::service::{SchedulingStrategy, Service};
use crate::task::{Task, TaskStatus};
use crate::time::SimTime;

/// CloudWatch's standard resolution for ECS metrics: one datapoint a minute.
pub const SAMPLE_PERIOD_MS: u64 = 60_000;

/// One-minute datapoints of the run, as named series (`service/web/runningCount`,
/// `cluster/prod/CPUReservation`, ...), all sampled at the same timestamps.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeSeries {
    /// Sampling period.
    pub period_seconds: u64,
    /// Simulated milliseconds of each datapoint.
    pub timestamps_ms: Vec<u64>,
    /// Values per series, parallel to `timestamps_ms` (series that appear late are padded
    /// with zeros at the front).
    pub series: BTreeMap<String, Vec<f64>>,
}

impl TimeSeries {
    /// Records one datapoint of every series.
    pub fn sample(
        &mut self,
        now: SimTime,
        cluster: &ClusterState,
        services: &[Service],
        tasks: &[Task],
        service_tasks: &[Vec<usize>],
    ) {
        self.period_seconds = SAMPLE_PERIOD_MS / 1000;
        let index = self.timestamps_ms.len();
        self.timestamps_ms.push(now.as_ms());
        let mut put = |name: String, value: f64| {
            let series = self.series.entry(name).or_default();
            series.resize(index, 0.0);
            series.push(value);
        };
        for (s, svc) in services.iter().enumerate() {
            let (mut running, mut pending) = (0.0, f64::from(svc.waiting_total()));
            let live = service_tasks.get(s).map(Vec::as_slice).unwrap_or(&[]);
            for t in live.iter().map(|&t| &tasks[t]).filter(|t| t.is_active()) {
                if t.last_status == TaskStatus::Running {
                    running += 1.0;
                } else {
                    pending += 1.0;
                }
            }
            let desired = match svc.scheduling {
                SchedulingStrategy::Replica => f64::from(svc.desired_count),
                SchedulingStrategy::Daemon => running + pending,
            };
            put(format!("service/{}/desiredCount", svc.name), desired);
            // Per capacity provider of a strategy: tasks RUNNING there (6.2).
            if let Some(c) = &svc.capacity {
                for (item, &p) in c.providers.iter().enumerate() {
                    let on = live
                        .iter()
                        .map(|&t| &tasks[t])
                        .filter(|t| {
                            t.is_active()
                                && t.capacity_provider == Some(p)
                                && t.last_status == TaskStatus::Running
                        })
                        .count();
                    put(
                        format!(
                            "service/{}/provider/{}/runningCount",
                            svc.name, c.strategy.items[item].provider
                        ),
                        on as f64,
                    );
                }
            }
            put(format!("service/{}/runningCount", svc.name), running);
            put(format!("service/{}/pendingCount", svc.name), pending);
        }
        for name in ec2_clusters(cluster) {
            let name = name.as_str();
            if let Some(r) = cluster_reservation(cluster, name) {
                put(format!("cluster/{name}/CPUReservation"), r.cpu_percent);
                put(
                    format!("cluster/{name}/MemoryReservation"),
                    r.memory_percent,
                );
            }
            let count = cluster
                .instances
                .iter()
                .filter(|i| i.cluster == name && !i.fargate && i.status != InstanceStatus::Inactive)
                .count();
            put(format!("cluster/{name}/containerInstances"), count as f64);
        }
        for series in self.series.values_mut() {
            series.resize(index + 1, 0.0);
        }
    }
}

impl TimeSeries {
    /// Sets the newest datapoint of series `name` (created, zero-padded, when new).
    pub fn record(&mut self, name: &str, value: f64) {
        let n = self.timestamps_ms.len();
        if n == 0 {
            return;
        }
        let series = self.series.entry(name.to_string()).or_default();
        series.resize(n, 0.0);
        series[n - 1] = value;
    }
}

/// `CPUReservation` and `MemoryReservation` of a cluster, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterReservation {
    /// Reserved CPU units of running tasks over registered CPU units.
    pub cpu_percent: f64,
    /// Reserved MiB of running tasks over registered MiB.
    pub memory_percent: f64,
}

/// The clusters that have EC2 (or ECS Anywhere) container instances, by name, sorted.
pub(crate) fn ec2_clusters(cluster: &ClusterState) -> Vec<String> {
    let mut names: Vec<String> = cluster
        .instances
        .iter()
        .filter(|i| !i.fargate)
        .map(|i| i.cluster.clone())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Cluster reservation over the instances that are ACTIVE or DRAINING ([CWM]); `None` when the
/// cluster has no such instance.
pub fn cluster_reservation(cluster: &ClusterState, name: &str) -> Option<ClusterReservation> {
    let (mut reg_cpu, mut reg_mem, mut used_cpu, mut used_mem) = (0u64, 0u64, 0u64, 0u64);
    for inst in cluster
        .instances
        .iter()
        .filter(|i| i.cluster == name && !i.fargate)
    {
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
