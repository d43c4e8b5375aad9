//! Stage 3 of 3.7: placement constraints are binding (3.4).
//!
//! `distinctInstance` keeps tasks of one group on different instances; `memberOf` keeps the
//! instances where a cluster-query-language expression is true.

use crate::cluster::{ClusterState, InstanceSlot};
use crate::container_instance::ContainerInstance;
use crate::placement::cql::{EvalOptions, QuerySubject};
use crate::placement::explain::{Rejection, Stage};
use crate::placement::Constraint;

/// An instance seen by the query language, with the task-group index of its cluster.
struct Subject<'a> {
    inst: &'a ContainerInstance,
    slot: InstanceSlot,
    cluster: &'a ClusterState,
}

impl QuerySubject for Subject<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.inst.attributes.get(name).map(String::as_str)
    }
    fn agent_connected(&self) -> bool {
        self.inst.agent_connected
    }
    fn agent_version(&self) -> &str {
        &self.inst.agent_version
    }
    fn ec2_instance_id(&self) -> &str {
        &self.inst.ec2_instance_id
    }
    fn registered_at_epoch_ms(&self) -> i64 {
        self.inst.registered_at_epoch_ms
    }
    fn running_tasks_count(&self) -> u32 {
        self.inst.running_tasks_count
    }
    fn has_task_in_group(&self, group: &str) -> bool {
        self.cluster.instance_has_group(self.slot, group)
    }
}

/// Checks every constraint on one instance. `group_count` is the number of tasks of the
/// task's own group already on the instance.
pub fn check(
    cluster: &ClusterState,
    slot: InstanceSlot,
    constraints: &[Constraint],
    group: &str,
    group_count: u32,
    options: &EvalOptions,
) -> Result<(), (Stage, Rejection)> {
    for c in constraints {
        match c {
            Constraint::DistinctInstance => {
                if group_count > 0 {
                    return Err((
                        Stage::Constraints,
                        Rejection::DistinctInstance {
                            group: group.to_string(),
                        },
                    ));
                }
            }
            Constraint::MemberOf(expr) => {
                let subject = Subject {
                    inst: &cluster.instances[slot],
                    slot,
                    cluster,
                };
                let eval = expr.evaluate(&subject, options);
                if !eval.matched {
                    return Err((
                        Stage::Constraints,
                        Rejection::MemberOf {
                            expression: expr.source().to_string(),
                            reason: eval.reason.unwrap_or_else(|| "false".to_string()),
                        },
                    ));
                }
            }
        }
    }
    Ok(())
}
