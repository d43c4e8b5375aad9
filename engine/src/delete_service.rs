//! DeleteService (4.2): a service leaves the cluster. The scenario keeps each request body
//! verbatim in `deleteServices[]` (`cluster`, `service`, `force`) with the playground's `at`.
//!
//! A REPLICA service must be scaled to 0 first unless `force` is true. The deleted service is
//! `DRAINING` while its tasks stop (the scheduler stops them all, and starts none), then
//! `INACTIVE` once every task is STOPPING or STOPPED. Service Auto Scaling no longer changes
//! its desired count.

use serde_json::Value;

use crate::event_log::EventKind;
use crate::request::cluster_name;
use crate::service::{SchedulingStrategy, ServiceStatus};
use crate::sim::Simulation;
use crate::task::TaskStatus;

/// A `deleteServices[]` entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteServiceCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `cluster` (`default` when absent).
    pub cluster: String,
    /// `service`: its name (the last part of an ARN).
    pub service: String,
    /// `force`: delete a REPLICA service that is not scaled to 0.
    pub force: bool,
}

impl DeleteServiceCall {
    /// Parses `deleteServices[i]`; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<DeleteServiceCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let service = v
            .get("service")
            .and_then(Value::as_str)
            .map(|s| s.rsplit('/').next().unwrap_or(s).trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{path}.service: required, the service's name or ARN"))?
            .to_string();
        let force = crate::request::optional_flag(v, "force", path)?;
        Ok(DeleteServiceCall {
            at_ms,
            cluster: cluster_name(v),
            service,
            force,
        })
    }
}

impl Simulation {
    /// Makes DeleteService call `i`.
    pub(crate) fn delete_service_call(&mut self, i: usize) {
        let call = self.scenario.delete_services[i].clone();
        if let Err(e) = self.capacity.check_cluster(&call.cluster) {
            let msg = format!("DeleteService failed: deleteServices[{i}].cluster: {e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let found = self.services.iter().position(|svc| {
            svc.name == call.service
                && svc.cluster == call.cluster
                && svc.status == ServiceStatus::Active
        });
        let Some(s) = found else {
            let msg = format!(
                "DeleteService failed: deleteServices[{i}].service: ServiceNotFoundException: service \"{}\" not found in cluster {}",
                call.service, call.cluster
            );
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        };
        let svc = &self.services[s];
        if svc.scheduling == SchedulingStrategy::Replica && svc.desired_count > 0 && !call.force {
            let msg = format!(
                "DeleteService failed: deleteServices[{i}].force: InvalidParameterException: The service cannot be stopped while it is scaled above 0. (service {} has desiredCount {}; scale it to 0 first, or pass force: true)",
                svc.name, svc.desired_count
            );
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let name = svc.name.clone();
        self.services[s].status = ServiceStatus::Draining;
        self.services[s].desired_count = 0;
        self.services[s].steady = false;
        // A CodeDeploy deployment under way fails: its service is gone.
        if let Some(cd) = self.code_deploy_of(s) {
            self.code_deploy_service_gone(cd);
        }
        // A traffic shift under way ends; its listener rules are no longer ECS's to manage.
        self.services[s].traffic_shift = None;
        // An EXTERNAL service's task sets go with it.
        self.drain_task_sets(s);
        self.retire_unused_rules();
        self.log
            .push(
                self.now(),
                EventKind::ServiceEvent,
                format!("DeleteService {name}: DRAINING while its tasks stop"),
            )
            .service(&name);
        self.poke_service(s);
    }

    /// A deleted service's scheduler pass: stop every task, start none, and go INACTIVE once
    /// every task is STOPPING or STOPPED.
    pub(crate) fn drain_deleted_service(&mut self, s: usize, active: &[usize]) {
        let reason = format!(
            "Scaling activity initiated by (deployment {})",
            self.services[s].deployment_id
        );
        for &t in active {
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
        }
        let waiting = self.services[s].waiting_total() as usize;
        self.cancel_waiting(s, waiting);
        let still_up = self.service_tasks.get(s).is_some_and(|ts| {
            ts.iter().any(|&t| {
                !matches!(
                    self.tasks[t].last_status,
                    TaskStatus::Stopping | TaskStatus::Deprovisioning | TaskStatus::Stopped
                )
            })
        });
        if !still_up && self.services[s].status == ServiceStatus::Draining {
            self.services[s].status = ServiceStatus::Inactive;
            self.task_sets_gone(s);
            let name = self.services[s].name.clone();
            self.log
                .push(
                    self.now(),
                    EventKind::ServiceEvent,
                    format!("service {name} is INACTIVE: deleted"),
                )
                .service(&name);
            // Its revision may have waited only for it (crate::task_definition_state).
            self.delete_unused_task_definitions();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_are_checked_naming_the_field() {
        let c = DeleteServiceCall::parse(
            &json!({"at": "PT10M", "cluster": "prod", "service": "arn:aws:ecs:us-east-1:123456789012:service/prod/web", "force": true}),
            "deleteServices[0]",
        )
        .unwrap();
        assert_eq!(
            (c.at_ms, c.cluster.as_str(), c.service.as_str(), c.force),
            (600_000, "prod", "web", true)
        );
        for (v, field) in [
            (json!({}), "deleteServices[0].service"),
            (
                json!({"service": "web", "force": "yes"}),
                "deleteServices[0].force",
            ),
            (json!({"service": "web", "at": "x"}), "deleteServices[0].at"),
        ] {
            let e = DeleteServiceCall::parse(&v, "deleteServices[0]").unwrap_err();
            assert!(e.starts_with(field), "{field}: {e}");
        }
    }
}
