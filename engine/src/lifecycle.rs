//! The task lifecycle's timing and failures (section 10): how long provisioning, the image
//! pull and the container start take, task health from container health (1.11, G35), and
//! tasks that fail before RUNNING (10.2, 10.3) with the service throttle they cause (4.6, G37).
//!
//! Durations are [unconfirmed] defaults AWS does not publish, all settable in
//! `options.lifecycle`: an image pull takes `size / imagePullMiBps` the first time an
//! instance pulls it and `cachedPullSeconds` after that (the agent's default pull behaviour
//! asks the registry again, but the layers are cached).

use serde_json::Value;

use crate::event_log::EventKind;
use crate::json_shape::{At, FromJson, Members, ShapeError};
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::time::seconds_ms;

/// Lifecycle durations, settable per scenario (`options.lifecycle`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifecycleOptions {
    /// PROVISIONING → PENDING, seconds (default 1).
    pub provisioning_seconds: f64,
    /// Image download bandwidth, MiB/s (default 25).
    pub image_pull_mi_bps: f64,
    /// Size of an image the scenario says nothing about, MiB (default 200).
    pub default_image_size_mi_b: f64,
    /// A pull of an image the instance already has, seconds (default 1).
    pub cached_pull_seconds: f64,
    /// Container start after the pull, seconds (default 2).
    pub container_start_seconds: f64,
    /// ACTIVATING, seconds: the last part of the container start, when networking, load
    /// balancer registration and service discovery are set up (default 1 of the 2,
    /// [unconfirmed]: AWS names the state, not its length). Longer than the container start,
    /// it delays RUNNING by the difference.
    pub activating_seconds: f64,
    /// How long the application takes to exit after SIGTERM, seconds (default 5; SIGKILL
    /// comes at `stopTimeout` if that is sooner).
    pub app_exit_seconds: f64,
    /// How long a container another waits for with `dependsOn` COMPLETE or SUCCESS (an init
    /// container) runs before it exits, seconds (default 5, [unconfirmed]: it is the
    /// application's own time).
    pub init_container_seconds: f64,
    /// DEPROVISIONING of an `awsvpc` task, seconds: its ENI is detached and deleted after its
    /// containers exit, and the instance's ENI slot stays taken until STOPPED (default 10,
    /// [unconfirmed]: AWS names the state, not its length). Other tasks skip the state.
    pub deprovisioning_seconds: f64,
    /// The service throttle's first back-off, seconds (default 30); each further failure
    /// doubles it up to the documented 15 minutes (4.6: the curve is [unconfirmed], section 12
    /// item 14).
    pub throttle_first_seconds: f64,
}

impl Default for LifecycleOptions {
    fn default() -> Self {
        LifecycleOptions {
            provisioning_seconds: 1.0,
            image_pull_mi_bps: 25.0,
            default_image_size_mi_b: 200.0,
            cached_pull_seconds: 1.0,
            container_start_seconds: 2.0,
            activating_seconds: 1.0,
            app_exit_seconds: 5.0,
            init_container_seconds: 5.0,
            deprovisioning_seconds: 10.0,
            throttle_first_seconds: 30.0,
        }
    }
}

impl FromJson for LifecycleOptions {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct LifecycleOptions")?;
        m.deny_unknown(&[
            "provisioningSeconds",
            "imagePullMiBps",
            "defaultImageSizeMiB",
            "cachedPullSeconds",
            "containerStartSeconds",
            "activatingSeconds",
            "appExitSeconds",
            "initContainerSeconds",
            "deprovisioningSeconds",
            "throttleFirstSeconds",
        ]);
        let d = LifecycleOptions::default();
        let built = LifecycleOptions {
            provisioning_seconds: m
                .get("provisioningSeconds")
                .unwrap_or(d.provisioning_seconds),
            image_pull_mi_bps: m.get("imagePullMiBps").unwrap_or(d.image_pull_mi_bps),
            default_image_size_mi_b: m
                .get("defaultImageSizeMiB")
                .unwrap_or(d.default_image_size_mi_b),
            cached_pull_seconds: m.get("cachedPullSeconds").unwrap_or(d.cached_pull_seconds),
            container_start_seconds: m
                .get("containerStartSeconds")
                .unwrap_or(d.container_start_seconds),
            activating_seconds: m.get("activatingSeconds").unwrap_or(d.activating_seconds),
            app_exit_seconds: m.get("appExitSeconds").unwrap_or(d.app_exit_seconds),
            init_container_seconds: m
                .get("initContainerSeconds")
                .unwrap_or(d.init_container_seconds),
            deprovisioning_seconds: m
                .get("deprovisioningSeconds")
                .unwrap_or(d.deprovisioning_seconds),
            throttle_first_seconds: m
                .get("throttleFirstSeconds")
                .unwrap_or(d.throttle_first_seconds),
        };
        m.finish(built)
    }
}

impl LifecycleOptions {
    /// Checks the values; the error names the field.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("provisioningSeconds", self.provisioning_seconds),
            ("imagePullMiBps", self.image_pull_mi_bps),
            ("defaultImageSizeMiB", self.default_image_size_mi_b),
            ("cachedPullSeconds", self.cached_pull_seconds),
            ("containerStartSeconds", self.container_start_seconds),
            ("activatingSeconds", self.activating_seconds),
            ("appExitSeconds", self.app_exit_seconds),
            ("initContainerSeconds", self.init_container_seconds),
            ("deprovisioningSeconds", self.deprovisioning_seconds),
            ("throttleFirstSeconds", self.throttle_first_seconds),
        ] {
            if !(0.0..=86_400.0).contains(&v) {
                return Err(format!("options.lifecycle.{name}: must be 0 to 86400"));
            }
        }
        if self.image_pull_mi_bps <= 0.0 {
            return Err("options.lifecycle.imagePullMiBps: must be more than 0".to_string());
        }
        Ok(())
    }
}

/// Container `healthStatus` (1.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Passing.
    Healthy,
    /// Failing.
    Unhealthy,
    /// Not known (no check, or no verdict yet).
    Unknown,
}

impl Health {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "HEALTHY",
            Health::Unhealthy => "UNHEALTHY",
            Health::Unknown => "UNKNOWN",
        }
    }
}

/// Task health from its containers' `(essential, health)` (1.11, G35): any essential
/// UNHEALTHY → UNHEALTHY; else any essential UNKNOWN → UNKNOWN; else HEALTHY. Non-essential
/// containers do not count.
pub fn task_health(containers: &[(bool, Health)]) -> Health {
    let essential = || containers.iter().filter(|(e, _)| *e).map(|(_, h)| *h);
    if essential().any(|h| h == Health::Unhealthy) {
        Health::Unhealthy
    } else if essential().any(|h| h == Health::Unknown) {
        Health::Unknown
    } else {
        Health::Healthy
    }
}

/// How long after the first containers start the last one starts, by `dependsOn` (1.10):
/// a container waits for each dependency to have started (START), to pass its first health
/// check one `interval` after it started (HEALTHY), or to have run and exited after
/// `init_ms` (COMPLETE, SUCCESS). The task is RUNNING once every container started.
pub fn start_order_ms(
    containers: &[crate::task_definition::ContainerSummary],
    init_ms: u64,
) -> u64 {
    // Start offsets by name, resolved in up to `containers.len()` passes (a dependency cycle,
    // which registration does not refuse, stops growing there).
    let mut start = vec![0u64; containers.len()];
    for _ in 0..containers.len() {
        let mut changed = false;
        for (i, c) in containers.iter().enumerate() {
            let mut at = 0;
            for (name, condition) in &c.depends_on {
                let Some(d) = containers.iter().position(|x| x.name == *name) else {
                    continue;
                };
                let wait = match condition.as_str() {
                    "HEALTHY" => containers[d]
                        .health_check_interval_s
                        .map_or(0, |s| u64::from(s) * 1000),
                    "COMPLETE" | "SUCCESS" => init_ms,
                    _ => 0,
                };
                at = at.max(start[d] + wait);
            }
            if at > start[i] {
                start[i] = at;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    start.into_iter().max().unwrap_or(0)
}

/// The throttle's cap (4.6).
pub const THROTTLE_MAX_MS: u64 = 15 * 60_000;

/// The back-off after `failures` consecutive tasks failed to start: `first_ms` (by default
/// 30 s, `options.lifecycle.throttleFirstSeconds`) doubling up to 15 min.
pub fn throttle_delay_ms(failures: u32, first_ms: u64) -> u64 {
    if failures == 0 {
        return 0;
    }
    first_ms
        .saturating_mul(1u64 << (failures - 1).min(20))
        .min(THROTTLE_MAX_MS)
}

impl Simulation {
    /// A container's `healthStatus` now (1.11): UNKNOWN without a health check, before its
    /// first check passes (one interval after RUNNING) and once the task is STOPPED; UNHEALTHY
    /// once a fault's failures reached `retries`; HEALTHY otherwise.
    pub fn container_health(&self, task: &crate::task::Task, name: &str) -> Health {
        let Some(c) = task.td.containers.iter().find(|c| c.name == name) else {
            return Health::Unknown;
        };
        let (Some(interval), Some(started)) = (c.health_check_interval_s, task.started_at) else {
            return Health::Unknown;
        };
        let now = self.now();
        if task.last_status == crate::task::TaskStatus::Stopped
            || now < started.plus_secs(u64::from(interval))
        {
            Health::Unknown
        } else if c.essential && task.unhealthy_at.is_some_and(|at| now >= at) {
            Health::Unhealthy
        } else {
            Health::Healthy
        }
    }

    /// A task's `healthStatus` now: its essential containers' by the rule of 1.11 (G35).
    pub fn task_health_status(&self, task: &crate::task::Task) -> Health {
        let containers: Vec<(bool, Health)> = task
            .td
            .containers
            .iter()
            .map(|c| (c.essential, self.container_health(task, &c.name)))
            .collect();
        task_health(&containers)
    }

    /// Task `t`'s essential container exited with `exit_code`: with an enabled `restartPolicy`
    /// (1.2), an exit code it does not ignore, and `restartAttemptPeriod` run since the
    /// container started or last restarted, the container restarts in place and the task keeps
    /// running (returns true). Otherwise the caller stops the task.
    pub(crate) fn restart_container(&mut self, t: usize, exit_code: i32) -> bool {
        let task = &self.tasks[t];
        let Some(c) = task.td.containers.iter().find(|c| c.essential) else {
            return false;
        };
        let Some(policy) = &c.restart_policy else {
            return false;
        };
        if policy.ignored_exit_codes.contains(&i64::from(exit_code)) {
            return false;
        }
        let since = task.restarts.1.or(task.started_at);
        let now = self.now();
        if since.is_none_or(|at| now < at.plus_secs(u64::from(policy.attempt_period_s))) {
            return false;
        }
        let (id, name) = (task.id.clone(), c.name.clone());
        let count = task.restarts.0 + 1;
        self.tasks[t].restarts = (count, Some(now));
        self.tasks[t].exit_code = None;
        self.tasks[t].container_reason = None;
        let msg = format!(
            "task {id}: container {name} exited with code {exit_code} and was restarted by its restartPolicy (restart {count})"
        );
        self.log
            .push(now, EventKind::TaskStateChange, msg)
            .task(&id);
        true
    }

    /// How long PROVISIONING lasts.
    pub(crate) fn provisioning_ms(&self) -> u64 {
        seconds_ms(self.scenario.options.lifecycle.provisioning_seconds)
    }

    /// How long PENDING lasts for task `t`: each container's image pull (or the cached
    /// check) one after the other, then the container start up to ACTIVATING, then the wait
    /// of the containers that depend on others ([`start_order_ms`]).
    pub(crate) fn pending_ms(&self, t: usize) -> u64 {
        let o = &self.scenario.options.lifecycle;
        self.pull_ms(t)
            + seconds_ms(o.container_start_seconds).saturating_sub(self.activating_ms())
            + start_order_ms(
                &self.tasks[t].td.containers,
                seconds_ms(o.init_container_seconds),
            )
    }

    /// How long ACTIVATING lasts.
    pub(crate) fn activating_ms(&self) -> u64 {
        seconds_ms(self.scenario.options.lifecycle.activating_seconds)
    }

    /// How long task `t`'s image pulls take: each image from its registry, or from the
    /// instance's cache.
    pub(crate) fn pull_ms(&self, t: usize) -> u64 {
        let o = &self.scenario.options.lifecycle;
        let inst = &self.cluster.instances[self.tasks[t].reservation.slot];
        let pull: f64 = self.tasks[t]
            .td
            .containers
            .iter()
            .map(|c| {
                if inst.pulled_images.contains(&c.image) {
                    o.cached_pull_seconds
                } else {
                    self.image_size_mib(&c.image) / o.image_pull_mi_bps
                }
            })
            .sum();
        seconds_ms(pull)
    }

    /// How long task `t` stays in DEPROVISIONING: an `awsvpc` task's ENI detach and an EBS volume's
    /// detach; 0 without either.
    pub(crate) fn deprovisioning_ms(&self, t: usize) -> u64 {
        let eni = if self.tasks[t].reservation.eni {
            seconds_ms(self.scenario.options.lifecycle.deprovisioning_seconds)
        } else {
            0
        };
        eni + self.volume_detach_ms(t)
    }

    /// How long the application takes to exit after SIGTERM.
    pub(crate) fn app_exit_ms(&self) -> u64 {
        seconds_ms(self.scenario.options.lifecycle.app_exit_seconds)
    }

    /// Why task `t`'s image pull fails, if a fault says it does.
    pub(crate) fn pull_failure(&self, t: usize) -> Option<String> {
        self.tasks[t].td.containers.iter().find_map(|c| {
            self.faults
                .iter()
                .find_map(|f| f.pull_failure(&c.image))
                .map(|detail| format!("CannotPullContainerError: {detail}"))
        })
    }

    /// PENDING ends: the images are pulled (and cached on the instance) and the containers
    /// are created, so the task goes on to ACTIVATING (true); or something fails and the task
    /// goes straight to STOPPED with `TaskFailedToStart` (10.1), at the moment it would
    /// otherwise have been RUNNING (PENDING takes in the time ACTIVATING would have). The
    /// checks, in order: an injected pull fault; the task's resources (secrets and environment
    /// files, EFS volumes); registry authorization and the image itself; the `awslogs` driver
    /// as the containers are created.
    pub(crate) fn finish_pending(&mut self, t: usize) -> bool {
        let failure = self
            .pull_failure(t)
            .or_else(|| self.secrets_failure(t))
            .or_else(|| self.efs_failure(t))
            .or_else(|| self.registry_failure(t))
            .or_else(|| self.logs_failure(t))
            .or_else(|| self.ebs_failure(t));
        if let Some(reason) = failure {
            let wait = self.activating_ms();
            if self.tasks[t].failing || wait == 0 {
                self.fail_to_start(t, &reason);
            } else {
                self.tasks[t].failing = true;
                self.schedule_progress(t, self.now().plus_ms(wait));
            }
            return false;
        }
        self.create_log_groups(t);
        self.log_secret_injection(t);
        let slot = self.tasks[t].reservation.slot;
        for c in &self.tasks[t].td.containers {
            self.cluster.instances[slot]
                .pulled_images
                .insert(c.image.clone());
        }
        true
    }

    /// ACTIVATING ends: the task is RUNNING.
    pub(crate) fn finish_activating(&mut self, t: usize) {
        self.set_status(t, TaskStatus::Running);
        self.write_file_systems(t);
        if let Some(s) = self.tasks[t].service {
            self.services[s].start_failures = 0;
            self.services[s].throttle_reported_at = None;
        }
    }

    /// A task fails before RUNNING: STOPPED at once with `TaskFailedToStart`; its service
    /// backs off (4.6, G37) and its deployment counts a failure (4.5).
    fn fail_to_start(&mut self, t: usize, reason: &str) {
        let task = &mut self.tasks[t];
        task.desired_status = TaskStatus::Stopped;
        task.stop_code = Some("TaskFailedToStart".to_string());
        task.stopped_reason = Some(reason.to_string());
        self.finish_task(t);
        let Some(s) = self.tasks[t].service else {
            return;
        };
        let now = self.now();
        let first_ms = seconds_ms(self.scenario.options.lifecycle.throttle_first_seconds);
        let svc = &mut self.services[s];
        svc.start_failures += 1;
        let delay = throttle_delay_ms(svc.start_failures, first_ms);
        svc.throttled_until = Some(now.plus_ms(delay));
        let due = svc
            .throttle_reported_at
            .is_none_or(|at| now.as_ms() >= at.as_ms() + crate::service::EVENT_REPEAT_MS);
        if svc.start_failures >= 2 && due {
            svc.throttle_reported_at = Some(now);
            let msg = format!(
                "(service {}) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
                svc.name
            );
            self.service_event(s, msg);
            self.service_action(
                s,
                "WARN",
                "SERVICE_TASK_START_IMPAIRED",
                serde_json::json!({}),
            );
        }
        self.log.push(
            self.now(),
            EventKind::ServiceEvent,
            format!(
                "service {}: next launch attempt in {} s (throttle)",
                self.services[s].name,
                delay / 1000
            ),
        );
        self.schedule_service_tick(s, self.now().plus_ms(delay));
        self.count_deployment_failure(s, t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g35_task_health_aggregation() {
        use Health::*;
        assert_eq!(task_health(&[(true, Healthy), (true, Unknown)]), Unknown);
        assert_eq!(
            task_health(&[(true, Unhealthy), (true, Healthy)]),
            Unhealthy
        );
        assert_eq!(task_health(&[(true, Healthy), (false, Unhealthy)]), Healthy);
        assert_eq!(
            task_health(&[(true, Unknown), (true, Unhealthy)]),
            Unhealthy,
            "UNHEALTHY first"
        );
    }

    #[test]
    fn g37_throttle_doubles_to_15_minutes() {
        let first = seconds_ms(LifecycleOptions::default().throttle_first_seconds);
        let delays: Vec<u64> = (1..=7).map(|n| throttle_delay_ms(n, first)).collect();
        assert_eq!(
            delays,
            vec![30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000]
        );
        assert_eq!(throttle_delay_ms(u32::MAX, first), 900_000);
        assert_eq!(
            throttle_delay_ms(3, 10_000),
            40_000,
            "section 12 item 14: a scenario sets the first back-off; the doubling stays"
        );
    }
}
