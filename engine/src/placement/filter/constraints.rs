//! Stage 3 of 3.7: placement constraints are binding (3.4).
//!
//! `distinctInstance` keeps tasks of one group on different instances; `memberOf` keeps the
//! instances where a cluster-query-language expression is true.

use crate::cluster::{ClusterState, InstanceSlot};
use crate::container_instance::ContainerInstance;
use crate::placement::cql::{EvalOptions, Expression, QuerySubject};
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

/// How [`check`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckMode {
    /// Build the full rejection text (explanations); otherwise rejections carry empty strings
    /// and the caller re-checks the one instance it reports.
    pub detail: bool,
    /// Skip `memberOf` expressions that are static
    /// ([`Expression::is_static`](crate::placement::cql::Expression::is_static)): the caller
    /// has already applied them from its per-instance cache.
    pub skip_static: bool,
}

impl CheckMode {
    /// Every constraint, with full detail.
    pub const FULL: CheckMode = CheckMode {
        detail: true,
        skip_static: false,
    };
}

/// Checks every constraint on one instance. `group_count` is the number of tasks of the
/// task's own group already on the instance.
#[inline]
pub fn check(
    cluster: &ClusterState,
    slot: InstanceSlot,
    constraints: &[Constraint],
    group: &str,
    group_count: u32,
    options: &EvalOptions,
    mode: CheckMode,
) -> Result<(), (Stage, Rejection)> {
    if constraints.is_empty() {
        return Ok(());
    }
    for c in constraints {
        match c {
            Constraint::DistinctInstance => {
                if group_count > 0 {
                    let group = if mode.detail {
                        group.to_string()
                    } else {
                        String::new()
                    };
                    return Err((Stage::Constraints, Rejection::DistinctInstance { group }));
                }
            }
            Constraint::MemberOf(expr) if mode.skip_static && expr.is_static() => {}
            Constraint::MemberOf(expr) => {
                let subject = Subject {
                    inst: &cluster.instances[slot],
                    slot,
                    cluster,
                };
                let eval = expr.evaluate(&subject, options);
                if !eval.matched {
                    let rejection = if mode.detail {
                        Rejection::MemberOf {
                            expression: expr.source().to_string(),
                            reason: eval.reason.unwrap_or_else(|| "false".to_string()),
                        }
                    } else {
                        Rejection::MemberOf {
                            expression: String::new(),
                            reason: String::new(),
                        }
                    };
                    return Err((Stage::Constraints, rejection));
                }
            }
        }
    }
    Ok(())
}

/// Whether a `memberOf` expression holds on an instance.
pub fn member_of_holds(
    cluster: &ClusterState,
    slot: InstanceSlot,
    expr: &Expression,
    options: &EvalOptions,
) -> bool {
    let subject = Subject {
        inst: &cluster.instances[slot],
        slot,
        cluster,
    };
    expr.evaluate(&subject, options).matched
}
