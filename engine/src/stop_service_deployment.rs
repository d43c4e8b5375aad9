//! StopServiceDeployment (the ECS guide's "Stopping Amazon ECS service deployments"): stop a
//! deployment in progress and roll it back. The scenario keeps each request body verbatim in
//! `stopServiceDeployments[]` (`serviceDeploymentArn`, `stopType`) with the playground's `at`.
//!
//! `stopType: ROLLBACK` works "even if you didn't configure the service deployment for the
//! rollback option": a blue/green, linear or canary deployment before CLEAN_UP sends
//! production traffic back to blue at once ([`crate::blue_green`]); a rolling one (or one in
//! CLEAN_UP) deploys the last COMPLETED revision again (4.5). `ABORT` is in the API but the
//! guide documents only ROLLBACK: it is refused as not simulated.
//!
//! A service deployment's ARN is
//! `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>`; the playground's
//! `<id>` is the digits of the deployment's `ecs-svc/<digits>` id, as DescribeServices'
//! `currentServiceDeployment` shows it.

use serde_json::Value;

use crate::event_log::EventKind;
use crate::sim::Simulation;

/// A `stopServiceDeployments[]` entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopServiceDeploymentCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// The deployment named by `serviceDeploymentArn`.
    pub deployment: ServiceDeploymentRef,
}

/// A service deployment named by a request's `serviceDeploymentArn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDeploymentRef {
    /// The cluster named by the ARN.
    pub cluster: String,
    /// The service named by the ARN.
    pub service: String,
    /// The deployment's id, `ecs-svc/<digits>`.
    pub deployment_id: String,
}

impl ServiceDeploymentRef {
    /// Reads `serviceDeploymentArn` of request `v`; `path` names the request in errors.
    pub fn parse(v: &Value, path: &str) -> Result<ServiceDeploymentRef, String> {
        let arn = v
            .get("serviceDeploymentArn")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}.serviceDeploymentArn: required"))?;
        let parts: Vec<&str> = arn
            .rsplit_once("service-deployment/")
            .map(|(_, rest)| rest.split('/').collect())
            .unwrap_or_default();
        let [cluster, service, id] = parts.as_slice() else {
            return Err(format!(
                "{path}.serviceDeploymentArn: \"{arn}\" is not arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>"
            ));
        };
        if [cluster, service, id].iter().any(|p| p.is_empty()) {
            return Err(format!(
                "{path}.serviceDeploymentArn: \"{arn}\" names no cluster, service or id"
            ));
        }
        Ok(ServiceDeploymentRef {
            cluster: cluster.to_string(),
            service: service.to_string(),
            deployment_id: format!("ecs-svc/{id}"),
        })
    }

    /// The ARN again, in the playground's region and account.
    pub fn arn(&self) -> String {
        service_deployment_arn(&self.cluster, &self.service, &self.deployment_id)
    }
}

/// The digits of deployment id `ecs-svc/<digits>`, as service deployment ARNs and the
/// playground's lifecycle hook ids carry them.
pub fn deployment_digits(deployment_id: &str) -> &str {
    deployment_id.trim_start_matches("ecs-svc/")
}

/// The ARN of service `service` of `cluster`'s deployment `deployment_id` (`ecs-svc/<digits>`).
pub fn service_deployment_arn(cluster: &str, service: &str, deployment_id: &str) -> String {
    let id = deployment_digits(deployment_id);
    format!(
        "{}:service-deployment/{cluster}/{service}/{id}",
        crate::revisions::ARN_PREFIX
    )
}

impl StopServiceDeploymentCall {
    /// Parses `stopServiceDeployments[i]`; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<StopServiceDeploymentCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let deployment = ServiceDeploymentRef::parse(v, path)?;
        let refused = match v.get("stopType").and_then(Value::as_str) {
            None | Some("ROLLBACK") => None,
            Some("ABORT") => {
                Some("ABORT is not simulated (the ECS guide documents ROLLBACK only)".to_string())
            }
            Some(other) => Some(format!("\"{other}\" is not ROLLBACK or ABORT")),
        };
        if let Some(why) = refused {
            return Err(format!("{path}.stopType: {why}"));
        }
        Ok(StopServiceDeploymentCall { at_ms, deployment })
    }
}

impl Simulation {
    /// Makes StopServiceDeployment call `i`: the service's deployment in progress with that id
    /// fails and rolls back; a rollback under way goes on; anything else is refused, said in
    /// the event log.
    pub(crate) fn stop_service_deployment_call(&mut self, i: usize) {
        let call = self.scenario.stop_service_deployments[i].deployment.clone();
        let (found, in_progress) = self.find_service_deployment(&call);
        if let Some(s) = found
            .filter(|&s| crate::code_deploy::runtime::is_code_deploy(&self.services[s].request))
        {
            let msg = format!(
                "StopServiceDeployment failed: stopServiceDeployments[{i}].serviceDeploymentArn: service {} uses the CODE_DEPLOY deployment controller; CodeDeploy's StopDeployment (stopDeployments[]) stops its deployments [the playground's wording]",
                self.services[s].name
            );
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let Some(s) = in_progress else {
            let rolling_back = found.is_some_and(|s| {
                self.services[s]
                    .traffic_shift
                    .as_ref()
                    .is_some_and(|x| x.rollback)
            });
            let why = if rolling_back {
                "is already rolling back (ROLLBACK_IN_PROGRESS): the rollback goes on"
            } else {
                "is not in progress"
            };
            let msg = format!(
                "StopServiceDeployment failed: stopServiceDeployments[{i}].serviceDeploymentArn: deployment {} of service {} (cluster {}) {why}",
                call.deployment_id, call.service, call.cluster
            );
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        };
        let msg = format!(
            "(service {}) (deployment {}) deployment stopped by StopServiceDeployment (ROLLBACK).",
            call.service, call.deployment_id
        );
        self.fail_deployment(
            s,
            msg,
            "ECS deployment stopped: StopServiceDeployment with stopType ROLLBACK.",
            true,
        );
    }

    /// The ACTIVE service that `r` names (index), and the same index again when `r` is the
    /// deployment it has in progress.
    pub(crate) fn find_service_deployment(
        &self,
        r: &ServiceDeploymentRef,
    ) -> (Option<usize>, Option<usize>) {
        let found = self.services.iter().position(|svc| {
            svc.name == r.service
                && svc.cluster == r.cluster
                && svc.status == crate::service::ServiceStatus::Active
        });
        let wanted = r.arn();
        let in_progress =
            found.filter(|&s| self.deployment_in_progress_arn(s).as_deref() == Some(&wanted));
        (found, in_progress)
    }

    /// The ARN of service `s`'s deployment in progress (not its first), if any: what
    /// StopServiceDeployment takes. A rollback under way has none to stop (it goes on), and
    /// DAEMON services are left out [the playground's choice: their deployments are not
    /// marked completed].
    pub fn deployment_in_progress_arn(&self, s: usize) -> Option<String> {
        let svc = &self.services[s];
        let d = svc.deployments.last()?;
        let rolling_back = svc.traffic_shift.as_ref().is_some_and(|x| x.rollback);
        (svc.deployments.len() > 1
            && d.rollout_state == crate::deployment::RolloutState::InProgress
            && svc.status == crate::service::ServiceStatus::Active
            && svc.scheduling == crate::service::SchedulingStrategy::Replica
            && !crate::code_deploy::runtime::is_code_deploy(&svc.request)
            && !crate::task_set::is_external_controller(&svc.request)
            && !rolling_back)
            .then(|| service_deployment_arn(&svc.cluster, &svc.name, &d.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_are_checked_naming_the_field() {
        let arn = service_deployment_arn("prod", "web", "ecs-svc/123");
        assert_eq!(
            arn,
            "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/123"
        );
        let call = StopServiceDeploymentCall::parse(
            &json!({"at": "PT1M", "serviceDeploymentArn": arn, "stopType": "ROLLBACK"}),
            "s[0]",
        )
        .unwrap();
        assert_eq!(
            (
                call.at_ms,
                call.deployment.cluster.as_str(),
                call.deployment.service.as_str(),
                call.deployment.deployment_id.as_str()
            ),
            (60_000, "prod", "web", "ecs-svc/123")
        );
        for (bad, field) in [
            (json!({}), "s[0].serviceDeploymentArn: required"),
            (
                json!({"serviceDeploymentArn": "arn:aws:ecs:us-east-1:1:service/prod/web"}),
                "s[0].serviceDeploymentArn: \"",
            ),
            (
                json!({"serviceDeploymentArn": "x:service-deployment/prod//1"}),
                "names no cluster",
            ),
            (
                json!({"serviceDeploymentArn": arn, "stopType": "ABORT"}),
                "s[0].stopType: ABORT is not simulated",
            ),
            (
                json!({"serviceDeploymentArn": arn, "stopType": "PAUSE"}),
                "s[0].stopType: \"PAUSE\"",
            ),
        ] {
            let e = StopServiceDeploymentCall::parse(&bad, "s[0]").unwrap_err();
            assert!(e.contains(field), "{bad}: {e}");
        }
    }
}
