//! Replacing unhealthy service tasks (4.3, 4.4).
//!
//! When a service task fails its load balancer or container health checks after its grace
//! period, the scheduler does not simply stop it. If `maximumPercent` leaves room, it starts
//! the replacement first and stops the unhealthy task once the replacement is healthy, so a
//! service at its desired count does not drop a task while the new one warms up. When
//! `maximumPercent` leaves no room, or the cluster has no resources for the replacement, it
//! stops the unhealthy tasks one at a time to make room [API-ECS (DeploymentConfiguration)].
//!
//! Choices where AWS is silent, each tested:
//! - Each healthy task of the primary deployment lets one unhealthy task stop; an unhealthy
//!   replacement counts as unhealthy, so the older unhealthy task stops and the count stays
//!   within `maximumPercent` ("stop either the unhealthy replacement task or the existing
//!   unhealthy task", AWS's services guide).
//! - AWS stops them "at random"; the playground stops the oldest first, which a learner can
//!   follow in the event log.
//! - DAEMON services run one task per instance with `maximumPercent` 100: their unhealthy
//!   task stops at once.

use crate::service::SchedulingStrategy;
use crate::sim::Simulation;

impl Simulation {
    /// Service `s`'s task `t` failed its health checks after the grace period (4.4): counts
    /// toward the circuit breaker (4.5), and either stops at once (DAEMON) or is kept until
    /// its replacement is healthy, stopping then with `reason`.
    pub(crate) fn task_failed_health_checks(&mut self, s: usize, t: usize, reason: String) {
        if self.tasks[t].unhealthy_stop.is_some() {
            return;
        }
        if self.services[s].scheduling == SchedulingStrategy::Daemon {
            // [unconfirmed] stop code of 10.3.
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
        } else {
            self.tasks[t].unhealthy_stop = Some(reason);
            self.poke_service(s);
        }
        self.count_deployment_failure(s, t);
    }

    /// Stops the unhealthy tasks of service `s` (its primary deployment's, oldest first)
    /// that are no longer needed: one for each healthy task in `current`, and one more when
    /// no replacement could start (`start_blocked`: no room under `maximumPercent` or no
    /// resources) and every task in `current` is healthy, so they stop one at a time.
    /// Returns how many unhealthy tasks remain.
    pub(crate) fn stop_replaced_unhealthy(
        &mut self,
        s: usize,
        current: &[usize],
        unhealthy: &[usize],
        start_blocked: bool,
    ) -> usize {
        if unhealthy.is_empty() {
            return 0;
        }
        let desired = self.services[s].desired_count as usize;
        let healthy = current.iter().filter(|&&t| self.task_is_healthy(t)).count();
        let mut keep = desired.saturating_sub(healthy).min(unhealthy.len());
        // One at a time: the next stops once the last replacement is healthy or unhealthy.
        let settled = healthy == current.len();
        if start_blocked && settled && keep == unhealthy.len() && keep > 0 {
            keep -= 1;
        }
        let mut stopped = Vec::new();
        for &t in &unhealthy[..unhealthy.len() - keep] {
            let reason = self.tasks[t].unhealthy_stop.clone().unwrap_or_default();
            // [unconfirmed] stop code of 10.3.
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
            stopped.push(format!("(task {})", self.tasks[t].id));
        }
        self.report_stopped(s, &stopped);
        keep
    }
}
