//! EC2 Spot interruptions and Availability Zone outages (7.1).
//!
//! EC2 gives a Spot instance a two-minute notice. With `ECS_ENABLE_SPOT_INSTANCE_DRAINING=true`
//! in its agent configuration the agent sets the instance DRAINING at once, so its services
//! replace their tasks within their deployment configuration (G31); without it nothing
//! happens until the instance disappears at two minutes, taking its tasks with it. Tasks
//! killed by the termination stop with `TerminationNotice` ([unconfirmed], 7.1). An Auto
//! Scaling group replaces the lost instance.

use crate::event_log::EventKind;
use crate::scenario::Lifecycle;
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

/// The Spot interruption notice's lead time (7.1).
pub const SPOT_NOTICE_MS: u64 = 120_000;

impl Simulation {
    /// Sends the interruption notice to up to `count` Spot instances matching the filters,
    /// chosen by the seeded stream.
    pub(crate) fn interrupt_spot_instances(
        &mut self,
        count: u32,
        instance: Option<&str>,
        group: Option<&str>,
        zone: Option<&str>,
    ) {
        let candidates = self.running_spot_instances(instance, group, zone);
        for slot in self.pick_spot_instances(candidates, count, "SpotInterruption") {
            let inst = &self.cluster.instances[slot];
            let id = inst.ec2_instance_id.clone();
            let draining = inst.spot_draining;
            let msg = format!(
                "EC2 Spot Instance Interruption Warning for {id}: terminate in two minutes{}",
                if draining {
                    "; ECS_ENABLE_SPOT_INSTANCE_DRAINING=true, so the agent sets it DRAINING"
                } else {
                    "; ECS_ENABLE_SPOT_INSTANCE_DRAINING is not true, so ECS keeps placing and running tasks there until it is gone"
                }
            );
            self.log
                .push(self.now(), EventKind::Capacity, msg)
                .instance(&id);
            self.ec2_event(
                "EC2 Spot Instance Interruption Warning",
                &id,
                serde_json::json!({"instance-id": id, "instance-action": "terminate"}),
            );
            if draining {
                self.drain_instance(slot, "Spot interruption notice");
            }
            self.schedule(
                self.now().plus_ms(SPOT_NOTICE_MS),
                Timer::TerminateInstance(slot),
            );
        }
    }

    /// Up to `count` of `candidates` (slots), chosen by the seeded stream; none matching
    /// is logged against `fault`.
    pub(crate) fn pick_spot_instances(
        &mut self,
        mut candidates: Vec<usize>,
        count: u32,
        fault: &str,
    ) -> Vec<usize> {
        if candidates.is_empty() {
            let msg = format!("fault: no running Spot instance matches the {fault}");
            self.log.push(self.now(), EventKind::Scenario, msg);
        }
        let mut picked = Vec::new();
        for _ in 0..count {
            if candidates.is_empty() {
                break;
            }
            let pick = self.rng_placement.below(candidates.len() as u64) as usize;
            picked.push(candidates.remove(pick));
        }
        picked
    }

    /// The running Spot container instances (slots) a Spot fault may pick: only `instance`,
    /// only those of Auto Scaling group `group`, only those in `zone`, when given.
    pub(crate) fn running_spot_instances(
        &self,
        instance: Option<&str>,
        group: Option<&str>,
        zone: Option<&str>,
    ) -> Vec<usize> {
        let group_index = group.and_then(|g| self.groups.iter().position(|x| x.spec.name == g));
        (0..self.cluster.instances.len())
            .filter(|&slot| {
                let inst = &self.cluster.instances[slot];
                !inst.fargate
                    && inst.lifecycle == Lifecycle::Spot
                    && inst.status != crate::container_instance::InstanceStatus::Inactive
                    && instance.is_none_or(|id| inst.ec2_instance_id == id)
                    && group.is_none_or(|_| {
                        group_index.is_some() && inst.auto_scaling_group == group_index
                    })
                    && zone.is_none_or(|z| inst.availability_zone == z)
            })
            .collect()
    }

    /// Loses an Availability Zone: its instances and Fargate tasks terminate, and nothing
    /// launches there until it recovers.
    pub(crate) fn zone_outage(&mut self, zone: &str, duration_ms: Option<u64>) {
        let now = self.now();
        let until = duration_ms.map_or(SimTime(u64::MAX), |d| now.plus_ms(d));
        self.zone_outages.push((zone.to_string(), now, until));
        let msg = format!(
            "fault: Availability Zone {zone} is down{}",
            duration_ms
                .map(|d| format!(" for {}", crate::time::format_iso8601_duration(d)))
                .unwrap_or_default()
        );
        self.log.push(now, EventKind::Capacity, msg);
        let lost: Vec<usize> = (0..self.cluster.instances.len())
            .filter(|&s| self.cluster.instances[s].availability_zone == zone)
            .collect();
        for slot in lost {
            self.terminate_instance(slot, "TerminationNotice", "Availability Zone outage");
        }
        self.lose_unregistered_instances(zone);
        self.lose_unregistered_managed_instances(zone);
        if until.as_ms() < u64::MAX {
            for p in 0..self.capacity.providers.len() {
                self.schedule_provider_tick(p, until);
            }
            // Services look at their zones again when it recovers (AZ rebalancing).
            for s in 0..self.services.len() {
                self.schedule_service_tick(s, until);
            }
        }
    }
}
