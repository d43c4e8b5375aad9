//! Faults a scenario injects (`faults[]`): what goes wrong, so the playground can show what
//! ECS does about it.
//!
//! * `{"type": "ImagePullFailure", "image": "web:missing", "detail": "..."}`: every pull of
//!   that image fails with `CannotPullContainerError` (10.3), so tasks stop with
//!   `TaskFailedToStart` and the service throttles (G37).
//! * `{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT20M", "count": 1}`:
//!   the application of `count` running tasks stops answering: their essential containers
//!   fail their health checks, and ECS notices after `retries × interval` (1.11, 4.4); their
//!   load balancer targets fail too and turn unhealthy after `UnhealthyThresholdCount ×
//!   interval` (8.2). Whichever comes first gets the task replaced. Without either check
//!   nothing notices.
//! * `{"type": "EssentialContainerExit", "service": "web", "at": "PT20M", "count": 1,
//!   "exitCode": 1}`: the essential container of `count` running tasks exits (10.3).
//!
//! * `{"type": "SpotInterruption", "at": "PT30M", "count": 2, "autoScalingGroup": "asg",
//!   "availabilityZone": "us-east-1a", "instance": "i-0..."}`: EC2 sends the two-minute Spot
//!   interruption notice to `count` Spot instances (filtered by the optional fields); see
//!   [`crate::spot`] (7.1, G31).
//! * `{"type": "SpotRebalanceRecommendation", ...}`, with the same fields: EC2 warns `count`
//!   Spot instances that they are at elevated risk of interruption; a group with
//!   `CapacityRebalance` replaces them (see `auto_scaling_group/capacity_rebalance.rs`).
//! * `{"type": "InstanceTermination", "at": "PT30M", "instance": "i-0..."}`: the instance is
//!   terminated at once; its tasks stop.
//! * `{"type": "AzOutage", "at": "PT30M", "availabilityZone": "us-east-1a", "duration":
//!   "PT20M"}`: every instance and Fargate task in the zone is lost; nothing launches there
//!   until the zone recovers.
//! * `{"type": "FargateSpotCapacityShortage", "at": "PT30M", "duration": "PT20M"}`: Fargate
//!   Spot has no capacity (in `availabilityZone`, or anywhere): its share waits (6.3).
//! * `{"type": "FargateSpotInterruption", "at": "PT30M", "service": "web", "count": 2}`:
//!   `count` running Fargate Spot tasks are interrupted (7.2, G32).

use serde_json::Value;

use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::task::TaskStatus;
use crate::time::{parse_duration_ms, SimTime};

/// Fault types the engine does not simulate yet (kept, reported as warnings).
pub const LATER: &[&str] = &[];

/// One fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Pulls of `image` fail.
    ImagePullFailure {
        /// The image reference, exactly as in the task definition.
        image: String,
        /// The `CannotPullContainerError` detail.
        detail: String,
    },
    /// The application of running tasks stops answering: container and load balancer health
    /// checks start failing.
    ContainerHealthCheckFailure {
        /// The service.
        service: String,
        /// When.
        at_ms: u64,
        /// How many tasks.
        count: u32,
    },
    /// The essential container of running tasks exits.
    EssentialContainerExit {
        /// The service.
        service: String,
        /// When.
        at_ms: u64,
        /// How many tasks.
        count: u32,
        /// The exit code.
        exit_code: i32,
    },
    /// EC2 Spot interruption notices.
    SpotInterruption {
        /// When the notice arrives.
        at_ms: u64,
        /// How many Spot instances.
        count: u32,
        /// Only this instance.
        instance: Option<String>,
        /// Only instances of this Auto Scaling group.
        auto_scaling_group: Option<String>,
        /// Only instances in this zone.
        availability_zone: Option<String>,
    },
    /// EC2 instance rebalance recommendations to Spot instances (Capacity Rebalancing).
    SpotRebalanceRecommendation {
        /// When the recommendations arrive.
        at_ms: u64,
        /// How many Spot instances.
        count: u32,
        /// Only this instance.
        instance: Option<String>,
        /// Only instances of this Auto Scaling group.
        auto_scaling_group: Option<String>,
        /// Only instances in this zone.
        availability_zone: Option<String>,
    },
    /// An instance terminates.
    InstanceTermination {
        /// When.
        at_ms: u64,
        /// The EC2 instance id.
        instance: String,
    },
    /// An Availability Zone is lost.
    AzOutage {
        /// When.
        at_ms: u64,
        /// The zone.
        availability_zone: String,
        /// How long; `None`: until the end.
        duration_ms: Option<u64>,
    },
    /// Fargate Spot has no capacity.
    FargateSpotCapacityShortage {
        /// When.
        at_ms: u64,
        /// How long; `None`: until the end.
        duration_ms: Option<u64>,
        /// Only in this zone.
        availability_zone: Option<String>,
    },
    /// Running Fargate Spot tasks are interrupted.
    FargateSpotInterruption {
        /// When.
        at_ms: u64,
        /// Only tasks of this service.
        service: Option<String>,
        /// How many tasks.
        count: u32,
    },
}

impl Fault {
    /// Parses `faults[i]`; `Ok(None)` for a type kept for later issues.
    pub fn parse(v: &Value, path: &str) -> Result<Option<Fault>, String> {
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}.type: required"))?;
        let s = |k: &str| -> Result<String, String> {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("{path}.{k}: required"))
        };
        let at = || -> Result<u64, String> {
            parse_duration_ms(v.get("at").ok_or_else(|| format!("{path}.at: required"))?)
                .map_err(|e| format!("{path}.at: {e}"))
        };
        let opt = |k: &str| -> Option<String> {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
        };
        let duration = || -> Result<Option<u64>, String> {
            match v.get("duration") {
                None | Some(Value::Null) => Ok(None),
                Some(d) => parse_duration_ms(d)
                    .map(Some)
                    .map_err(|e| format!("{path}.duration: {e}")),
            }
        };
        let count = || -> Result<u32, String> {
            match v.get("count") {
                None => Ok(1),
                Some(c) => c
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{path}.count: must be a whole number above 0")),
            }
        };
        Ok(Some(match kind {
            "ImagePullFailure" => {
                let image = s("image")?;
                Fault::ImagePullFailure {
                    detail: v
                        .get("detail")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("API error (404): repository or tag {image} not found")),
                    image,
                }
            }
            "ContainerHealthCheckFailure" => Fault::ContainerHealthCheckFailure {
                service: s("service")?,
                at_ms: at()?,
                count: count()?,
            },
            "EssentialContainerExit" => Fault::EssentialContainerExit {
                service: s("service")?,
                at_ms: at()?,
                count: count()?,
                exit_code: match v.get("exitCode") {
                    None => 1,
                    Some(c) => c
                        .as_i64()
                        .and_then(|n| i32::try_from(n).ok())
                        .ok_or_else(|| format!("{path}.exitCode: must be a whole number"))?,
                },
            },
            "SpotInterruption" => Fault::SpotInterruption {
                at_ms: at()?,
                count: count()?,
                instance: opt("instance"),
                auto_scaling_group: opt("autoScalingGroup"),
                availability_zone: opt("availabilityZone"),
            },
            "SpotRebalanceRecommendation" => Fault::SpotRebalanceRecommendation {
                at_ms: at()?,
                count: count()?,
                instance: opt("instance"),
                auto_scaling_group: opt("autoScalingGroup"),
                availability_zone: opt("availabilityZone"),
            },
            "InstanceTermination" => Fault::InstanceTermination {
                at_ms: at()?,
                instance: s("instance")?,
            },
            "AzOutage" => Fault::AzOutage {
                at_ms: at()?,
                availability_zone: s("availabilityZone")?,
                duration_ms: duration()?,
            },
            "FargateSpotCapacityShortage" => Fault::FargateSpotCapacityShortage {
                at_ms: at()?,
                duration_ms: duration()?,
                availability_zone: opt("availabilityZone"),
            },
            "FargateSpotInterruption" => Fault::FargateSpotInterruption {
                at_ms: at()?,
                service: opt("service"),
                count: count()?,
            },
            k if LATER.contains(&k) => return Ok(None),
            other => {
                return Err(format!(
                    "{path}.type: \"{other}\" is not one of ImagePullFailure, ContainerHealthCheckFailure, EssentialContainerExit, SpotInterruption, SpotRebalanceRecommendation, InstanceTermination, AzOutage, FargateSpotCapacityShortage, FargateSpotInterruption"
                ))
            }
        }))
    }

    /// The pull failure detail for `image`, if this fault makes its pull fail.
    pub fn pull_failure(&self, image: &str) -> Option<&str> {
        match self {
            Fault::ImagePullFailure { image: i, detail } if i == image => Some(detail),
            _ => None,
        }
    }
}

impl Simulation {
    /// Sets the timers of timed faults.
    pub(crate) fn create_faults(&mut self) {
        self.faults = self.scenario.faults.clone();
        for (i, f) in self.faults.clone().iter().enumerate() {
            match f {
                Fault::ContainerHealthCheckFailure { at_ms, .. }
                | Fault::EssentialContainerExit { at_ms, .. }
                | Fault::SpotInterruption { at_ms, .. }
                | Fault::SpotRebalanceRecommendation { at_ms, .. }
                | Fault::InstanceTermination { at_ms, .. }
                | Fault::AzOutage { at_ms, .. }
                | Fault::FargateSpotInterruption { at_ms, .. } => {
                    self.schedule(SimTime(*at_ms), Timer::Fault(i));
                }
                Fault::FargateSpotCapacityShortage {
                    at_ms,
                    duration_ms,
                    availability_zone,
                } => {
                    let until = duration_ms.map_or(SimTime(u64::MAX), |d| SimTime(at_ms + d));
                    self.fargate.shortages.push((
                        availability_zone.clone(),
                        SimTime(*at_ms),
                        until,
                    ));
                    self.schedule(SimTime(*at_ms), Timer::Fault(i));
                    if until.as_ms() < u64::MAX {
                        self.schedule_provider_tick(crate::capacity_provider::FARGATE_SPOT, until);
                    }
                }
                Fault::ImagePullFailure { .. } => {}
            }
        }
    }

    /// The first `count` running tasks of `service`.
    fn victims(&self, service: &str, count: u32) -> Vec<usize> {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.is_active()
                    && t.last_status == TaskStatus::Running
                    && t.service.is_some_and(|s| self.services[s].name == service)
            })
            .map(|(i, _)| i)
            .take(count as usize)
            .collect()
    }

    /// A timed fault happens.
    pub(crate) fn inject_fault(&mut self, i: usize) {
        match self.faults[i].clone() {
            Fault::ContainerHealthCheckFailure { service, count, .. } => {
                for t in self.victims(&service, count) {
                    let check = self.tasks[t]
                        .td
                        .containers
                        .iter()
                        .filter(|c| c.essential)
                        .find_map(|c| {
                            c.health_check_interval_s
                                .map(|i| (i, c.health_check_retries))
                        });
                    let id = self.tasks[t].id.clone();
                    // Its load balancer's health checks stop passing too (8.2).
                    let behind_lb = self.targets_stop_answering(t);
                    match check {
                        Some((interval, retries)) => {
                            let msg = format!("fault: the essential container of task {id} starts failing its health check");
                            self.log
                                .push(self.now(), EventKind::Scenario, msg)
                                .task(&id);
                            let after = u64::from(interval) * u64::from(retries) * 1000;
                            let unhealthy_at = self.now().plus_ms(after);
                            self.tasks[t].unhealthy_at = Some(unhealthy_at);
                            self.schedule(unhealthy_at, Timer::HealthChanged(t));
                            self.schedule(unhealthy_at, Timer::ContainerUnhealthy(t));
                        }
                        None if behind_lb => {
                            let msg = format!("fault: task {id}'s application stops answering; its task definition has no container health check, but its load balancer's health checks now fail");
                            self.log
                                .push(self.now(), EventKind::Scenario, msg)
                                .task(&id);
                        }
                        None => {
                            let msg = format!("fault: task {id}'s application stops answering, but its task definition has no container health check and no load balancer checks it, so ECS does not notice");
                            self.log
                                .push(self.now(), EventKind::Scenario, msg)
                                .task(&id);
                        }
                    }
                }
            }
            Fault::EssentialContainerExit {
                service,
                count,
                exit_code,
                ..
            } => {
                for t in self.victims(&service, count) {
                    self.tasks[t].exit_code = Some(exit_code);
                    let id = self.tasks[t].id.clone();
                    let msg = format!(
                        "fault: the essential container of task {id} exited with code {exit_code}"
                    );
                    self.log
                        .push(self.now(), EventKind::Scenario, msg)
                        .task(&id);
                    if self.restart_container(t, exit_code) {
                        continue;
                    }
                    self.stop_task_at_once(
                        t,
                        "EssentialContainerExited",
                        "Essential container in task exited",
                    );
                }
            }
            Fault::SpotInterruption {
                count,
                instance,
                auto_scaling_group,
                availability_zone,
                ..
            } => self.interrupt_spot_instances(
                count,
                instance.as_deref(),
                auto_scaling_group.as_deref(),
                availability_zone.as_deref(),
            ),
            Fault::SpotRebalanceRecommendation {
                count,
                instance,
                auto_scaling_group,
                availability_zone,
                ..
            } => self.recommend_rebalance(
                count,
                instance.as_deref(),
                auto_scaling_group.as_deref(),
                availability_zone.as_deref(),
            ),
            Fault::InstanceTermination { instance, .. } => match self.cluster.find(&instance) {
                Some(slot) => self.terminate_instance(
                    slot,
                    "TerminationNotice",
                    "Instance terminated (fault)",
                ),
                None => {
                    let msg = format!("fault: no container instance {instance} to terminate");
                    self.log.push(self.now(), EventKind::Scenario, msg);
                }
            },
            Fault::AzOutage {
                availability_zone,
                duration_ms,
                ..
            } => self.zone_outage(&availability_zone, duration_ms),
            Fault::FargateSpotCapacityShortage {
                availability_zone, ..
            } => {
                let msg = format!(
                    "fault: Fargate Spot has no spare capacity{}",
                    availability_zone
                        .map(|z| format!(" in {z}"))
                        .unwrap_or_default()
                );
                self.log.push(self.now(), EventKind::Capacity, msg);
            }
            Fault::FargateSpotInterruption { service, count, .. } => {
                self.interrupt_fargate_spot(service.as_deref(), count)
            }
            Fault::ImagePullFailure { .. } => {}
        }
    }

    /// The agent reports task `t` UNHEALTHY (its essential container failed `retries` checks
    /// in a row); a service task is replaced once its grace period is over (4.3, 4.4).
    pub(crate) fn container_health_failed(&mut self, t: usize) {
        if !self.tasks[t].is_active() || self.tasks[t].unhealthy_stop.is_some() {
            return;
        }
        let Some(s) = self.tasks[t].service else {
            return;
        };
        if let Some(grace_ends) = self.in_grace_period(t, s) {
            self.schedule(grace_ends, Timer::ContainerUnhealthy(t));
            return;
        }
        if let Some(elb) = self.classic_load_balancer_of(s) {
            // "The Amazon ECS service scheduler ignores tasks in an UNHEALTHY state that are
            // behind a Classic Load Balancer." (8.6)
            let msg = format!(
                "task {} is UNHEALTHY, but its service is behind Classic Load Balancer {elb}: the service scheduler ignores UNHEALTHY tasks behind a Classic Load Balancer, so it keeps running",
                self.tasks[t].id
            );
            let id = self.tasks[t].id.clone();
            self.log
                .push(self.now(), EventKind::TaskStateChange, msg)
                .task(&id);
            return;
        }
        let msg = format!(
            "(service {}) (task {}) failed container health checks.",
            self.services[s].name, self.tasks[t].id
        );
        self.service_event(s, msg);
        if self.reports_health_to_cloud_map(t) {
            // "The service scheduler detects that a task within a service registry is
            // unhealthy" (9.1, the service action events).
            self.service_action(
                s,
                "WARN",
                "SERVICE_DISCOVERY_INSTANCE_UNHEALTHY",
                serde_json::json!({}),
            );
        }
        self.task_failed_health_checks(s, t, "Task failed container health checks".to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn faults_are_checked() {
        assert!(
            Fault::parse(&json!({"type": "SpotInterruption", "at": 60}), "f")
                .unwrap()
                .is_some()
        );
        assert!(Fault::parse(&json!({"type": "AzOutage", "at": 60}), "f")
            .unwrap_err()
            .starts_with("f.availabilityZone"));
        for (v, want) in [
            (json!({}), "f.type"),
            (json!({"type": "Meteor"}), "f.type"),
            (json!({"type": "ImagePullFailure"}), "f.image"),
            (
                json!({"type": "EssentialContainerExit", "service": "web"}),
                "f.at",
            ),
            (
                json!({"type": "ContainerHealthCheckFailure", "service": "web", "at": 5, "count": 0}),
                "f.count",
            ),
        ] {
            let e = Fault::parse(&v, "f").unwrap_err();
            assert!(e.starts_with(want), "{e}");
        }
    }
}
