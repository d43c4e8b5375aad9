//! DeregisterContainerInstance: a container instance leaves its cluster. The scenario keeps
//! each request body verbatim in `deregisterContainerInstances[]` (`cluster`,
//! `containerInstance`, `force`) with the playground's `at`.
//!
//! What AWS documents ([API-ECS] DeregisterContainerInstance):
//! - The instance leaves the cluster (INACTIVE, 2.6): it takes no tasks, and StartTask on it
//!   fails with `INACTIVE`. The EC2 instance is **not** terminated: it keeps running and
//!   billing, and its Auto Scaling group keeps counting it, until it is terminated.
//! - With `force`, tasks still on it are orphaned: their containers keep running on the EC2
//!   instance but ECS no longer tracks them. Their load balancer targets are deregistered and
//!   drain, and a service starts another copy elsewhere.
//!
//! Choices where AWS is silent [unconfirmed]:
//! - Without `force`, an instance with tasks is refused with `InvalidParameterException`
//!   (AWS's docs imply the refusal but not its words).
//! - An orphaned task leaves ECS's books as STOPPED, `stopCode` `UserInitiated`, with the
//!   `stoppedReason` of [`ORPHANED_REASON`].

use serde_json::Value;

use crate::container_instance::InstanceStatus;
use crate::event_log::EventKind;
use crate::sim::Simulation;

/// `stoppedReason` of a task orphaned by a forced deregistration ([unconfirmed]).
pub const ORPHANED_REASON: &str = "Container instance deregistered with force: the task is orphaned, its containers keep running on the EC2 instance without ECS";

/// A `deregisterContainerInstances[]` entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeregisterCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `cluster`: the cluster's name (`default` when absent, or given as an ARN).
    pub cluster: String,
    /// `containerInstance`: its ARN, container-instance ID or EC2 instance ID.
    pub container_instance: String,
    /// `force`: deregister even with tasks on it (they are orphaned).
    pub force: bool,
}

impl DeregisterCall {
    /// Parses `deregisterContainerInstances[i]`; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<DeregisterCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let text = |key: &str| crate::request::optional_text(v, key, path);
        text("cluster")?;
        let cluster = crate::request::cluster_name(v);
        let container_instance = text("containerInstance")?
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                format!("{path}.containerInstance: required, the container instance's ARN or ID")
            })?
            .to_string();
        let force = crate::request::optional_flag(v, "force", path)?;
        Ok(DeregisterCall {
            at_ms,
            cluster,
            container_instance,
            force,
        })
    }
}

impl Simulation {
    /// Makes DeregisterContainerInstance call `i`.
    pub(crate) fn deregister_instance_call(&mut self, i: usize) {
        let call = self.scenario.deregister_instances[i].clone();
        let path = format!("deregisterContainerInstances[{i}]");
        let fail = |sim: &mut Simulation, msg: String| {
            let msg =
                format!("DeregisterContainerInstance failed: {path}.containerInstance: {msg}");
            sim.log.push(sim.now(), EventKind::Scenario, msg);
        };
        if let Err(e) = self.capacity.check_cluster(&call.cluster) {
            let msg = format!("DeregisterContainerInstance failed: {path}.cluster: {e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let found = self
            .cluster
            .find_target(&call.container_instance)
            .filter(|&s| {
                let inst = &self.cluster.instances[s];
                inst.cluster == call.cluster && !inst.fargate
            });
        let Some(slot) = found else {
            let msg = format!(
                "InvalidParameterException: The referenced container instance was not found. (no container instance {} in cluster {})",
                call.container_instance, call.cluster
            );
            fail(self, msg);
            return;
        };
        if self.cluster.instances[slot].status == InstanceStatus::Inactive {
            return;
        }
        let tasks = self.tasks_on(slot);
        if !tasks.is_empty() && !call.force {
            let msg = format!(
                "InvalidParameterException: Container instance {} has {} tasks; stop them first, or deregister with force to orphan them.",
                self.cluster.instances[slot].ec2_instance_id,
                tasks.len()
            );
            fail(self, msg);
            return;
        }
        for t in tasks {
            self.kill_task(t, "UserInitiated", ORPHANED_REASON);
        }
        let inst = &mut self.cluster.instances[slot];
        inst.status = InstanceStatus::Inactive;
        inst.deregistered = true;
        let id = inst.ec2_instance_id.clone();
        self.task_generation += 1;
        self.cluster.refresh(slot);
        self.log
            .push(
                self.now(),
                EventKind::ContainerInstance,
                format!("container instance {id} is INACTIVE: deregistered (DeregisterContainerInstance); the EC2 instance keeps running until it is terminated"),
            )
            .instance(&id);
        self.instance_state_change(slot);
        self.poke_cluster_services(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_are_checked_naming_the_field() {
        let c = DeregisterCall::parse(
            &json!({"at": "PT2M", "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
                    "containerInstance": "i-0abc", "force": true}),
            "deregisterContainerInstances[0]",
        )
        .unwrap();
        assert_eq!(
            (
                c.at_ms,
                c.cluster.as_str(),
                c.container_instance.as_str(),
                c.force
            ),
            (120_000, "prod", "i-0abc", true)
        );
        for (v, field) in [
            (json!({}), "containerInstance"),
            (json!({"containerInstance": " "}), "containerInstance"),
            (json!({"containerInstance": "i-1", "force": "yes"}), "force"),
            (json!({"containerInstance": "i-1", "at": "soon"}), "at"),
        ] {
            let e = DeregisterCall::parse(&v, "d[0]").unwrap_err();
            assert!(e.starts_with(&format!("d[0].{field}")), "{e}");
        }
    }
}
