//! Availability Zone rebalancing (`availabilityZoneRebalancing` on CreateService and
//! UpdateService; the ECS guide's "Balancing an Amazon ECS service across Availability Zones"
//! and "Track Amazon ECS Availability Zone rebalancing").
//!
//! Once a service is in a steady state, ECS looks at how many of its tasks run in each
//! Availability Zone. When they are uneven it says so (`SERVICE_REBALANCING_STARTED`), starts a
//! task in a zone with the fewest, and stops one in a zone with the most, until the zones are
//! even (`SERVICE_REBALANCING_COMPLETED`). CreateService defaults the field to `ENABLED`
//! (for services that can use it; binpack ones default to `DISABLED`); UpdateService keeps
//! the service's value.
//!
//! The playground's choices, **[unconfirmed]** where AWS does not say:
//! - Which services: REPLICA services of the EC2 launch type whose first placement strategy
//!   spreads over `attribute:ecs.availability-zone` (the service default is one), and
//!   `launchType: FARGATE` services. Others (a capacity provider strategy, binpack first) keep
//!   the field but are not rebalanced; when their request asks for `ENABLED`, the event log
//!   says so.
//! - "Even" means the zones' counts differ by at most one. The zones are those of the
//!   cluster's ACTIVE instances with a connected agent that the service's `memberOf`
//!   constraints allow (EC2), or of the service's subnets (Fargate), outside an outage.
//! - One task moves at a time: the new one must count as healthy (4.4) before the old one
//!   stops, and a move needs room under `maximumPercent`.
//! - A task that cannot be placed in the zone ends the attempt for 5 minutes.

use serde_json::json;

use crate::capacity_provider::FARGATE;
use crate::container_instance::InstanceStatus;
use crate::placement::cql::Expression;
use crate::placement::strategy::Strategy;
use crate::placement::{Constraint, Decision, PlacementRequest};
use crate::service::SchedulingStrategy;
use crate::sim::Simulation;
use crate::time::SimTime;

/// How long a failed placement keeps rebalancing off **[unconfirmed]**.
const RETRY_MS: u64 = 5 * 60_000;

/// A service's Availability Zone rebalancing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneRebalancing {
    /// `availabilityZoneRebalancing` is `ENABLED`.
    pub enabled: bool,
    /// A rebalancing is under way (STARTED said, COMPLETED not yet).
    pub in_progress: bool,
    /// The task started in the emptiest zone, until the old one stops.
    pub(crate) moving: Option<usize>,
    /// No new attempt before then (a placement failed, or the fullest zone had no task that
    /// may stop).
    pub(crate) retry_at: Option<SimTime>,
    /// The zone a placement last failed in, and the cluster's generation then: the failure
    /// is said again only once the cluster has changed.
    pub(crate) failed: Option<(String, u64)>,
}

impl ZoneRebalancing {
    /// The field of a CreateService request (`raw`), defaulting to ENABLED for a service the
    /// feature applies to (`compatible`: AWS would default it to ENABLED).
    pub fn from_create(
        raw: &serde_json::Value,
        compatible: bool,
    ) -> Result<ZoneRebalancing, String> {
        let enabled = match crate::request::optional_text(
            raw,
            "availabilityZoneRebalancing",
            "availabilityZoneRebalancing",
        )? {
            None => compatible,
            Some("ENABLED") => true,
            Some("DISABLED") => false,
            Some(other) => {
                return Err(format!(
                    "availabilityZoneRebalancing: \"{other}\" is not ENABLED or DISABLED"
                ))
            }
        };
        Ok(ZoneRebalancing {
            enabled,
            ..ZoneRebalancing::default()
        })
    }

    /// `ENABLED` or `DISABLED`, as DescribeServices shows it.
    pub fn as_str(&self) -> &'static str {
        if self.enabled {
            "ENABLED"
        } else {
            "DISABLED"
        }
    }
}

/// Whether the playground rebalances a service of this shape: REPLICA, and EC2 launch type
/// with AZ spread first, or `launchType: FARGATE`.
pub fn simulated_for(
    scheduling: SchedulingStrategy,
    capacity: Option<&crate::capacity_provider::ResolvedStrategy>,
    strategies: &[Strategy],
) -> bool {
    scheduling == SchedulingStrategy::Replica
        && match capacity {
            None => strategies.first() == Some(&Strategy::spread_az()),
            Some(c) => c.from_launch_type && c.providers == [FARGATE],
        }
}

impl Simulation {
    /// Whether the playground rebalances service `s` now: enabled, and of a shape it
    /// rebalances (UpdateService may change the strategies or the capacity).
    pub(crate) fn rebalances(&self, s: usize) -> bool {
        let svc = &self.services[s];
        svc.az_rebalancing.enabled
            && simulated_for(svc.scheduling, svc.capacity.as_ref(), &svc.strategies)
    }

    /// The extra task a rebalancing has in flight for service `s` (0 or 1): the scheduler
    /// lets the service run one above its desired count meanwhile.
    pub(crate) fn rebalancing_extra(&self, s: usize) -> usize {
        usize::from(
            self.rebalances(s)
                && self.services[s]
                    .az_rebalancing
                    .moving
                    .is_some_and(|t| self.tasks[t].is_active()),
        )
    }

    /// One look at service `s`'s zones, after its scheduler pass.
    pub(crate) fn rebalance_zones(&mut self, s: usize) {
        if !self.rebalances(s) {
            // Turned off (or no longer applicable) mid-move: the extra task is the scheduler's
            // to scale in now.
            let r = &mut self.services[s].az_rebalancing;
            if r.moving.take().is_some() || r.in_progress {
                r.in_progress = false;
                self.schedule_service_tick(s, self.now());
            }
            return;
        }
        if let Some(t) = self.services[s].az_rebalancing.moving {
            self.finish_move(s, t);
            return;
        }
        let r = &self.services[s].az_rebalancing;
        if !self.services[s].steady || r.retry_at.is_some_and(|at| self.now() < at) {
            return;
        }
        let counts = self.zone_counts(s);
        let (Some(fewest), Some(most)) = (
            counts.iter().min_by_key(|(_, n)| *n),
            counts.iter().max_by_key(|(_, n)| *n),
        ) else {
            return;
        };
        let name = self.services[s].name.clone();
        let spread = counts
            .iter()
            .map(|(az, n)| format!("{n} tasks in {az}"))
            .collect::<Vec<_>>()
            .join(", ");
        if most.1 - fewest.1 <= 1 {
            if self.services[s].az_rebalancing.in_progress {
                self.services[s].az_rebalancing.in_progress = false;
                self.service_event(s, format!("service ({name}) is AZ balanced with {spread}."));
                self.service_action(s, "INFO", "SERVICE_REBALANCING_COMPLETED", json!({}));
            }
            return;
        }
        let svc = &self.services[s];
        let desired = svc.desired_count as usize;
        if svc.deployment_configuration.max_tasks(desired) <= desired {
            return;
        }
        // The fullest zone must have a task that may stop (scale-in protection, 4.8).
        let most_zone = most.0.clone();
        if self.stoppable_in(s, &most_zone, None).is_none() {
            let retry = self.now().plus_ms(RETRY_MS);
            self.services[s].az_rebalancing.retry_at = Some(retry);
            self.schedule_service_tick(s, retry);
            return;
        }
        if !svc.az_rebalancing.in_progress {
            self.services[s].az_rebalancing.in_progress = true;
            self.service_event(
                s,
                format!("service ({name}) is not AZ balanced with {spread}. AZ Rebalancing in progress."),
            );
            self.service_action(s, "INFO", "SERVICE_REBALANCING_STARTED", json!({}));
        }
        let zone = fewest.0.clone();
        match self.start_in_zone(s, &zone) {
            Some(t) => {
                let r = &mut self.services[s].az_rebalancing;
                r.moving = Some(t);
                r.failed = None;
                // Fargate chooses among equally empty zones itself: name the one it took.
                let zone = self.zone_of_task(t).to_string();
                let id = self.tasks[t].id.clone();
                self.service_event(
                    s,
                    format!("{name} has started 1 tasks in {zone} to AZ Rebalance: {id}."),
                );
            }
            None => {
                let retry = self.now().plus_ms(RETRY_MS);
                let generation = self.cluster.generation();
                let r = &mut self.services[s].az_rebalancing;
                r.retry_at = Some(retry);
                // Said once per zone until the cluster changes.
                let again = r.failed.as_ref() == Some(&(zone.clone(), generation));
                r.failed = Some((zone.clone(), generation));
                self.schedule_service_tick(s, retry);
                if !again {
                    self.service_event(
                        s,
                        format!("service ({name}) is unable to place a task in {zone} because no container instance met all of its requirements."),
                    );
                    let extra = json!({"reason": "RESOURCE", "availabilityZone": zone});
                    self.service_action(s, "ERROR", "SERVICE_TASK_PLACEMENT_FAILURE", extra);
                }
            }
        }
    }

    /// A task of service `s` in `zone` that may stop (active, not protected, not `except`):
    /// the newest.
    fn stoppable_in(&self, s: usize, zone: &str, except: Option<usize>) -> Option<usize> {
        let tasks = self.service_tasks.get(s).map_or(&[][..], Vec::as_slice);
        tasks.iter().rev().copied().find(|&x| {
            Some(x) != except
                && self.tasks[x].is_active()
                && !self.is_protected(x)
                && self.zone_of_task(x) == zone
        })
    }

    /// The moved task `t` counts as healthy: a task of the fullest zone stops.
    fn finish_move(&mut self, s: usize, t: usize) {
        if !self.tasks[t].is_active() {
            // It failed: a later steady state tries again.
            self.services[s].az_rebalancing.moving = None;
            return;
        }
        if !self.task_is_healthy(t) {
            return;
        }
        self.services[s].az_rebalancing.moving = None;
        let counts = self.zone_counts(s);
        let fullest = counts
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(z, _)| z.clone());
        // None may stop any more (protected meanwhile, or the zone is gone): the moved task
        // goes back instead.
        let victim = fullest
            .and_then(|zone| self.stoppable_in(s, &zone, Some(t)))
            .unwrap_or(t);
        let zone = self.zone_of_task(victim).to_string();
        self.stop_task(victim, "ServiceSchedulerInitiated", "AZ Rebalancing");
        let name = self.services[s].name.clone();
        let id = self.tasks[victim].id.clone();
        self.service_event(
            s,
            format!("{name} has stopped 1 running tasks in {zone} due to AZ rebalancing: {id}."),
        );
    }

    /// The Availability Zone of task `t`'s instance (or Fargate host).
    fn zone_of_task(&self, t: usize) -> &str {
        &self.cluster.instances[self.tasks[t].reservation.slot].availability_zone
    }

    /// Service `s`'s active tasks per zone it may use, zones in name order.
    fn zone_counts(&self, s: usize) -> Vec<(String, usize)> {
        let svc = &self.services[s];
        let mut zones: Vec<String> = match &svc.subnets {
            Some(subnets) if svc.capacity.is_some() => subnets
                .iter()
                .map(|n| {
                    self.scenario
                        .subnet_zones
                        .get(n)
                        .cloned()
                        .unwrap_or_else(|| n.clone())
                })
                .collect(),
            _ => {
                // Zones with an instance its memberOf constraints allow.
                let member_of: Vec<Constraint> = svc
                    .constraints
                    .iter()
                    .filter(|c| matches!(c, Constraint::MemberOf(_)))
                    .cloned()
                    .collect();
                (0..self.cluster.instances.len())
                    .filter(|&slot| {
                        let i = &self.cluster.instances[slot];
                        !i.fargate
                            && i.cluster == svc.cluster
                            && i.status == InstanceStatus::Active
                            && i.agent_connected
                            && crate::placement::filter::constraints::check(
                                &self.cluster,
                                slot,
                                &member_of,
                                &svc.group,
                                0,
                                &self.placer.eval_options,
                                crate::placement::filter::constraints::CheckMode {
                                    detail: false,
                                    skip_static: false,
                                },
                            )
                            .is_ok()
                    })
                    .map(|slot| self.cluster.instances[slot].availability_zone.clone())
                    .collect()
            }
        };
        zones.sort();
        zones.dedup();
        zones.retain(|az| !self.zone_is_down(az));
        let mut counts: Vec<(String, usize)> = zones.into_iter().map(|z| (z, 0)).collect();
        for &t in self.service_tasks.get(s).into_iter().flatten() {
            if !self.tasks[t].is_active() {
                continue;
            }
            let az = self.zone_of_task(t);
            if let Some(c) = counts.iter_mut().find(|(z, _)| z == az) {
                c.1 += 1;
            }
        }
        counts
    }

    /// Starts one task of service `s` in Availability Zone `zone`; its index, or `None` when
    /// it cannot be placed there.
    fn start_in_zone(&mut self, s: usize, zone: &str) -> Option<usize> {
        if self.services[s].capacity.is_some() {
            // Fargate puts it in the zone with the fewest of the service's tasks (3.1).
            let id = self.fargate_launch(s, FARGATE).ok()?;
            return self.tasks.iter().rposition(|t| t.id == id);
        }
        let in_zone = Expression::parse(&format!("attribute:ecs.availability-zone == {zone}"))
            .ok()
            .map(Constraint::MemberOf)?;
        let svc = &self.services[s];
        let mut constraints = svc.constraints.clone();
        constraints.push(in_zone);
        let request = PlacementRequest {
            constraints: &constraints,
            ..svc.placement_request(None)
        };
        let (decision, _) =
            self.placer
                .place(&mut self.cluster, &request, &mut self.rng_placement, false);
        match decision {
            Decision::Placed(slot) => {
                let id = self.start_service_task(s, slot, None);
                self.tasks.iter().rposition(|t| t.id == id)
            }
            Decision::Unplaceable { .. } => None,
        }
    }
}
