//! Managed scaling of Auto Scaling group providers (6.4): the `CapacityProviderReservation`
//! metric and the target tracking ECS runs on it.
//!
//! Every minute, per provider: `N` is the group's instances (booting or in service), `M` the
//! instances needed for all its tasks: the instances running a non-daemon task, plus, when
//! tasks wait in PROVISIONING, a binpack estimate of the instances of the group's largest type
//! they need (tasks too large for its smallest type are ignored, G30). The metric is
//! `M / N × 100` with the special cases of G28. Above `targetCapacity` the group grows at
//! once (one datapoint) by `ceil(M × 100 / target) − N`, clamped to the step sizes (G29), unless
//! an instance is still warming up; below it for 15 consecutive minutes the group shrinks to
//! `ceil(M × 100 / target)` in one step ([unconfirmed]: AWS says "step by step";
//! `options.capacity.scaleInStep` `"halfPerMinute"` lowers it a step each minute instead).
//! From no instances it launches the estimate, or two instances with
//! `options.capacity.scaleFromZero` `"twoInstances"` (the guide's ambiguous "200 %").

use crate::capacity_provider::{ManagedScaling, ReservationFormula, ScaleFromZero, ScaleInStep};
use crate::cloudwatch::{Datapoint, MetricId};
use crate::event_log::EventKind;
use crate::instance_types::InstanceType;
use crate::placement::TaskNeeds;
use crate::sim::Simulation;

/// Minutes of low datapoints before managed scaling scales in (6.4).
pub const SCALE_IN_DATAPOINTS: u32 = 15;

/// The most instances one minute of `scaleInStep: "halfPerMinute"` removes from a group of
/// `desired`: fewer than half of it, and at least one (6.4, section 12 item 11).
pub fn half_step(desired: u32) -> u32 {
    (desired.saturating_sub(1) / 2).max(1).min(desired)
}

/// `CapacityProviderReservation` in percent (G28).
pub fn reservation(m: u32, n: u32) -> f64 {
    match (m, n) {
        (0, 0) => 100.0,
        (_, 0) => 200.0,
        _ => f64::from(m) * 100.0 / f64::from(n),
    }
}

/// Instances launched for a calculated need (G29): the minimum step when below it, else at
/// most the maximum step.
pub fn launch_step(calculated: u32, ms: &ManagedScaling) -> u32 {
    if calculated < ms.min_step {
        ms.min_step
    } else {
        calculated.min(ms.max_step)
    }
}

/// How many tasks with `needs` one empty instance of type `it` holds, by CPU, memory, ENIs
/// (more with ENI trunking, 2.4), GPUs and static ports (6.4 step 3); 0 when one does not fit.
pub fn tasks_per_instance(
    needs: &TaskNeeds,
    it: &InstanceType,
    reserved_memory_mib: u32,
    trunking: bool,
) -> u32 {
    let memory = it.registered_memory_mib.saturating_sub(reserved_memory_mib);
    let mut n = u32::MAX;
    for (have, need) in [
        (it.cpu_units(), needs.cpu),
        (memory, needs.memory_mib),
        (it.gpus, needs.gpus),
    ] {
        if let Some(k) = have.checked_div(need) {
            n = n.min(k);
        }
    }
    if needs.eni {
        n = n.min(match it.awsvpc_tasks_with_trunking {
            Some(enis) if trunking => enis,
            _ => it.awsvpc_tasks_without_trunking,
        });
    }
    if !needs.static_ports.is_empty() {
        n = n.min(1);
    }
    if n == u32::MAX {
        // A task that reserves nothing: count one per instance rather than infinity.
        1
    } else {
        n
    }
}

/// The instances of type `largest` that `waiting` (needs, count) groups need by binpack,
/// skipping groups that do not fit `smallest` (G30).
pub fn instances_needed(
    waiting: &[(TaskNeeds, u32)],
    smallest: &InstanceType,
    largest: &InstanceType,
    reserved_memory_mib: u32,
) -> (u32, u32) {
    let mut needed = 0u32;
    let mut ignored = 0u32;
    for (needs, count) in waiting {
        if tasks_per_instance(needs, smallest, reserved_memory_mib, false) == 0 {
            ignored += count;
            continue;
        }
        let per = tasks_per_instance(needs, largest, reserved_memory_mib, false).max(1);
        needed += count.div_ceil(per);
    }
    (needed, ignored)
}

/// One minute's figures for a provider, shown in the UI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReservationReading {
    /// Instances needed (M).
    pub needed: u32,
    /// Instances in the group (N).
    pub instances: u32,
    /// Tasks waiting in PROVISIONING that count.
    pub waiting: u32,
    /// Tasks ignored because no instance type of the group fits them (G30).
    pub ignored: u32,
    /// The metric, percent.
    pub value: f64,
}

impl Simulation {
    /// The reservation figures of provider `p` now.
    pub fn capacity_provider_reservation(&self, p: usize) -> Option<ReservationReading> {
        let g = self.capacity.providers[p].group()?;
        let group = &self.groups[g];
        let n = group.live_count();
        let reserved_memory = group
            .spec
            .template
            .ecs_config
            .get("ECS_RESERVED_MEMORY")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let waiting = self.waiting_for_provider(p);
        let (smallest, largest) = group.spec.smallest_and_largest();
        let (needed, ignored) = instances_needed(&waiting, smallest, largest, reserved_memory);
        let counted: u32 = waiting.iter().map(|(_, c)| c).sum::<u32>() - ignored;
        let busy = group
            .live()
            .filter(|i| i.slot.is_some_and(|slot| self.runs_non_daemon_tasks(slot)))
            .count() as u32;
        let m = busy + needed;
        let value = match self.scenario.options.capacity.reservation_formula {
            ReservationFormula::EmptyCount if counted == 0 && n > 0 => {
                100.0 - f64::from(n - busy.min(n))
            }
            _ => reservation(m, n),
        };
        Some(ReservationReading {
            needed: m,
            instances: n,
            waiting: counted,
            ignored,
            value,
        })
    }

    /// Publishes `CapacityProviderReservation` for minute `minute` and acts on it (6.4).
    pub(crate) fn evaluate_managed_scaling(&mut self, minute: u64) {
        for p in 0..self.capacity.providers.len() {
            let Some(g) = self.capacity.providers[p].group() else {
                continue;
            };
            let Some(reading) = self.capacity_provider_reservation(p) else {
                continue;
            };
            let name = self.capacity.providers[p].name.clone();
            let cluster = self
                .capacity
                .clusters
                .iter()
                .find(|c| c.providers.contains(&p))
                .map_or("default".to_string(), |c| c.name.clone());
            self.metrics.put(
                MetricId::new(
                    "AWS/ECS/ManagedScaling",
                    "CapacityProviderReservation",
                    &[
                        ("CapacityProviderName", name.as_str()),
                        ("ClusterName", cluster.as_str()),
                    ],
                ),
                minute,
                Datapoint::single(reading.value),
            );
            let prefix = format!("capacityProvider/{name}");
            self.series.record(
                &format!("{prefix}/CapacityProviderReservation"),
                reading.value,
            );
            self.series
                .record(&format!("{prefix}/instances"), f64::from(reading.instances));
            self.series.record(
                &format!("{prefix}/desiredCapacity"),
                f64::from(self.groups[g].desired),
            );
            self.series.record(
                &format!("{prefix}/provisioningTasks"),
                f64::from(reading.waiting),
            );
            let Some(ms) = self.capacity.providers[p].managed_scaling() else {
                continue;
            };
            self.act_on_reservation(p, g, &ms, reading);
        }
    }

    fn act_on_reservation(
        &mut self,
        p: usize,
        g: usize,
        ms: &ManagedScaling,
        reading: ReservationReading,
    ) {
        let target = f64::from(ms.target_capacity);
        let name = self.capacity.providers[p].name.clone();
        let goal = (u64::from(reading.needed) * 100).div_ceil(u64::from(ms.target_capacity)) as u32;
        if reading.value > target {
            self.groups[g].low_minutes = 0;
            let now = self.now();
            let warming = self.groups[g]
                .live()
                .any(|i| now.as_ms() < i.launched_at.as_ms() + ms.warmup_ms);
            if warming {
                return;
            }
            let n = reading.instances;
            let from_zero = self.scenario.options.capacity.scale_from_zero;
            let calculated = match from_zero {
                ScaleFromZero::TwoInstances if n == 0 => 2,
                _ => goal.saturating_sub(n).max(1),
            };
            let step = launch_step(calculated, ms);
            let cause = format!(
                "At {} a monitor alarm TargetTracking-{name}-AlarmHigh in state ALARM triggered policy ECSManagedAutoScalingPolicy changing the desired capacity from {} to {}. (CapacityProviderReservation {:.1} > targetCapacity {}: {} instances needed, {} tasks waiting in PROVISIONING)",
                self.timestamp(now),
                self.groups[g].desired,
                (n + step).min(self.groups[g].spec.max),
                reading.value,
                ms.target_capacity,
                reading.needed,
                reading.waiting,
            );
            if self.groups[g].desired >= self.groups[g].spec.max {
                if reading.waiting > 0 {
                    let msg = format!("capacity provider {name}: {} tasks wait but Auto Scaling group {} is at MaxSize {}", reading.waiting, self.groups[g].spec.name, self.groups[g].spec.max);
                    self.log.push(now, EventKind::Capacity, msg);
                }
                return;
            }
            self.set_group_desired(g, n + step, cause);
        } else if reading.value < target {
            self.groups[g].low_minutes += 1;
            if self.groups[g].low_minutes >= SCALE_IN_DATAPOINTS {
                let now = self.now();
                let desired = self.groups[g].desired;
                let goal = match self.scenario.options.capacity.scale_in_step {
                    ScaleInStep::ToGoal => goal,
                    ScaleInStep::HalfPerMinute => goal.max(desired - half_step(desired)),
                };
                let cause = format!(
                    "At {} a monitor alarm TargetTracking-{name}-AlarmLow in state ALARM triggered policy ECSManagedAutoScalingPolicy changing the desired capacity from {} to {}. (CapacityProviderReservation {:.1} < targetCapacity {} for {} minutes)",
                    self.timestamp(now),
                    self.groups[g].desired,
                    goal.max(self.groups[g].spec.min),
                    reading.value,
                    ms.target_capacity,
                    self.groups[g].low_minutes,
                );
                if goal < self.groups[g].desired {
                    self.set_group_desired(g, goal, cause);
                }
            }
        } else {
            self.groups[g].low_minutes = 0;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::instance_types::lookup;

    /// What a task of `cpu` units and `memory_mib` needs, nothing else.
    pub(crate) fn needs(cpu: u32, memory_mib: u32) -> TaskNeeds {
        TaskNeeds {
            cpu,
            memory_mib,
            gpus: 0,
            eni: false,
            host_port_mappings: Vec::new(),
            static_ports: Vec::new(),
            dynamic_ports: [0, 0],
            dynamic_ranges: Vec::new(),
            required_attributes: Vec::new(),
            availability_zones: None,
        }
    }

    #[test]
    fn g28_capacity_provider_reservation_and_its_special_cases() {
        assert!((reservation(2, 3) - 66.666).abs() < 0.01);
        assert_eq!(reservation(3, 0), 200.0);
        assert_eq!(reservation(0, 0), 100.0);
        // targetCapacity 90 with M = 9: the group aims for ceil(9 × 100 / 90) = 10.
        assert_eq!((9u64 * 100).div_ceil(90), 10);
        assert_eq!(reservation(9, 10), 90.0);
    }

    #[test]
    fn g29_step_sizes() {
        let ms = ManagedScaling {
            target_capacity: 100,
            min_step: 2,
            max_step: 5,
            warmup_ms: 300_000,
        };
        assert_eq!(launch_step(1, &ms), 2);
        assert_eq!(launch_step(8, &ms), 5);
        assert_eq!(launch_step(3, &ms), 3);
    }

    #[test]
    fn g30_a_task_larger_than_the_smallest_type_is_ignored() {
        let small = lookup("t3.small").unwrap();
        let (needed, ignored) = instances_needed(&[(needs(4096, 512), 3)], small, small, 0);
        assert_eq!((needed, ignored), (0, 3));
        // A task that fits: binpack on the largest type.
        let large = lookup("m5.xlarge").unwrap();
        let (needed, ignored) = instances_needed(&[(needs(1024, 1024), 9)], small, large, 0);
        // m5.xlarge: 4096 units → 4 per instance by CPU → 3 instances for 9 tasks.
        assert_eq!((needed, ignored), (3, 0));
    }
}
