//! Task definition states: DeregisterTaskDefinition and DeleteTaskDefinitions [API-DTD],
//! [API-DEL], [STATES].
//!
//! Scenario sections, each call with an `at` time: `deregisterTaskDefinitions[]`
//! (`{"taskDefinition": "web:1"}`, a `family:revision` or full ARN) and
//! `deleteTaskDefinitions[]` (`{"taskDefinitions": ["web:1", ...]}`, at most 10).
//!
//! What AWS documents, and the playground does:
//! - A revision is ACTIVE once registered. Deregistered, it is INACTIVE: "Existing tasks and
//!   services that reference an INACTIVE task definition continue to run without disruption.
//!   Existing services that reference an INACTIVE task definition can still scale up or down
//!   by modifying the service's desired count." [API-DTD] (and replace failed tasks, and roll
//!   back to it).
//! - "You can't use an INACTIVE task definition to run new tasks or create new services, and
//!   you can't update an existing service to reference an INACTIVE task definition." ECS
//!   answers "TaskDefinition is inactive" (InvalidParameterException from RunTask,
//!   ClientException from UpdateService [observed]). A family named without a revision means
//!   its latest ACTIVE revision.
//! - DeleteTaskDefinitions moves an INACTIVE revision to DELETE_IN_PROGRESS at once; it is
//!   used no more than an INACTIVE one, and deleted for good once no task or service
//!   deployment uses it ("A task definition revision will stay in DELETE_IN_PROGRESS status
//!   until all the associated tasks and services have been terminated." [API-DEL]). "You must
//!   deregister a task definition revision before you delete it."
//!
//! Where AWS is silent [unconfirmed]:
//! - The "up to a 10-minute window following deregistration where these restrictions have not
//!   yet taken effect" is not simulated: they apply at once.
//! - The wording of a DeleteTaskDefinitions failure ("The specified task definition is still
//!   in ACTIVE status. Please deregister the target and try again."), of a family with no
//!   ACTIVE revision, and the exception CreateService answers with (ClientException).
//! - DeregisterTaskDefinition of an INACTIVE revision succeeds and changes nothing.
//!
//! Sources:
//! - [API-DTD] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html>
//! - [API-DEL] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteTaskDefinitions.html>
//! - [STATES] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-definition-state.html>

use std::rc::Rc;

use serde_json::Value;

use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::task_definition::ValidTaskDefinition;

/// Most revisions one DeleteTaskDefinitions call may name [API-DEL].
pub const MAX_DELETED_PER_CALL: usize = 10;

/// ECS's answer to a use of an INACTIVE or DELETE_IN_PROGRESS revision.
pub const INACTIVE: &str = "TaskDefinition is inactive";

/// A revision's status (DescribeTaskDefinition's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskDefinitionStatus {
    /// Registered: it runs new tasks and services.
    Active,
    /// Deregistered.
    Inactive,
    /// Submitted for deletion, still used by a task or service.
    DeleteInProgress,
    /// Deleted: gone (not an API status: DescribeTaskDefinition no longer finds it, and the
    /// run output does not list it).
    Deleted,
}

impl TaskDefinitionStatus {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskDefinitionStatus::Active => "ACTIVE",
            TaskDefinitionStatus::Inactive => "INACTIVE",
            TaskDefinitionStatus::DeleteInProgress => "DELETE_IN_PROGRESS",
            TaskDefinitionStatus::Deleted => "DELETED",
        }
    }
}

/// One `deregisterTaskDefinitions[]` or `deleteTaskDefinitions[]` call, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinitionCall {
    /// When it is made.
    pub at_ms: u64,
    /// The revisions it names, as given.
    pub task_definitions: Vec<String>,
    /// DeleteTaskDefinitions (else DeregisterTaskDefinition).
    pub delete: bool,
    /// `deregisterTaskDefinitions[i]` or `deleteTaskDefinitions[i]`.
    pub path: String,
}

impl TaskDefinitionCall {
    /// Parses `deregisterTaskDefinitions[i]`.
    pub fn parse_deregister(v: &Value, path: &str) -> Result<TaskDefinitionCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let reference = v
            .get("taskDefinition")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                format!("{path}.taskDefinition: required: family:revision or the full ARN")
            })?;
        Ok(TaskDefinitionCall {
            at_ms,
            task_definitions: vec![reference.trim().to_string()],
            delete: false,
            path: path.to_string(),
        })
    }

    /// Parses `deleteTaskDefinitions[i]`.
    pub fn parse_delete(v: &Value, path: &str) -> Result<TaskDefinitionCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let list = v
            .get("taskDefinitions")
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                format!("{path}.taskDefinitions: required: a list of family:revision or ARNs")
            })?;
        if list.len() > MAX_DELETED_PER_CALL {
            return Err(format!(
                "{path}.taskDefinitions: {} given; a call deletes at most {MAX_DELETED_PER_CALL}",
                list.len()
            ));
        }
        let task_definitions = list
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(|s| s.trim().to_string())
                    .ok_or_else(|| format!("{path}.taskDefinitions[{i}]: must be a string"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TaskDefinitionCall {
            at_ms,
            task_definitions,
            delete: true,
            path: path.to_string(),
        })
    }
}

/// The refusal of deleted revision `reference` (as the call names it): ECS no longer knows it.
fn deleted(reference: &str) -> String {
    format!("ClientException: Unable to describe task definition \"{reference}\": it was deleted")
}

impl Simulation {
    /// Every revision not deleted (`family:revision`), its status, and how many tasks that
    /// have not stopped run it.
    pub fn revision_states(&self) -> Vec<(String, TaskDefinitionStatus, usize)> {
        self.revisions
            .all()
            .into_iter()
            .filter_map(|fr| {
                let status = self.task_definition_status(&fr);
                let arn = crate::revisions::Revisions::arn(&fr);
                let tasks = self.td_live_tasks.get(&arn).copied().unwrap_or(0);
                (status != TaskDefinitionStatus::Deleted).then_some((fr, status, tasks))
            })
            .collect()
    }

    /// The status of revision `family_revision`.
    pub fn task_definition_status(&self, family_revision: &str) -> TaskDefinitionStatus {
        self.td_status
            .get(family_revision)
            .copied()
            .unwrap_or(TaskDefinitionStatus::Active)
    }

    /// The revision request `raw`'s `taskDefinition` names for new tasks or a new deployment:
    /// a bare family means its latest ACTIVE revision; an INACTIVE or DELETE_IN_PROGRESS one
    /// is refused with `exception` ("InvalidParameterException", "ClientException").
    pub(crate) fn launchable_task_definition(
        &self,
        raw: &Value,
        exception: &str,
    ) -> Result<(String, Rc<ValidTaskDefinition>), String> {
        let reference = raw
            .get("taskDefinition")
            .and_then(Value::as_str)
            .ok_or("taskDefinition: required")?;
        self.launchable_revision(reference, exception)
            .map_err(|e| format!("taskDefinition: {e}"))
    }

    /// [`Self::launchable_task_definition`] of a reference.
    pub(crate) fn launchable_revision(
        &self,
        reference: &str,
        exception: &str,
    ) -> Result<(String, Rc<ValidTaskDefinition>), String> {
        if self.td_status.is_empty() {
            return self.revisions.resolve(reference);
        }
        let reference = match crate::revisions::Revisions::split_reference(reference) {
            (_, Some(_)) => reference.to_string(),
            (family, None) => {
                let active = self
                    .revisions
                    .of_family(family)
                    .into_iter()
                    .rev()
                    .find(|fr| self.task_definition_status(fr) == TaskDefinitionStatus::Active);
                match active {
                    Some(fr) => fr,
                    None if self.revisions.of_family(family).is_empty() => {
                        return self.revisions.resolve(reference)
                    }
                    None => {
                        return Err(format!(
                            "{exception}: {INACTIVE} (no revision of family {family} is ACTIVE)"
                        ))
                    }
                }
            }
        };
        let (fr, td) = self.revisions.resolve(&reference)?;
        match self.task_definition_status(&fr) {
            TaskDefinitionStatus::Active => Ok((fr, td)),
            TaskDefinitionStatus::Deleted => Err(deleted(&reference)),
            status => Err(format!(
                "{exception}: {INACTIVE} ({fr} is {})",
                status.as_str()
            )),
        }
    }

    /// Refuses a revision deleted for good: nothing may run it any more, not even a rollback
    /// to it (an INACTIVE or DELETE_IN_PROGRESS one may be rolled back to).
    pub(crate) fn deleted_revision(&self, family_revision: &str) -> Result<(), String> {
        match self.task_definition_status(family_revision) {
            TaskDefinitionStatus::Deleted => Err(deleted(family_revision)),
            _ => Ok(()),
        }
    }

    /// Makes DeregisterTaskDefinition or DeleteTaskDefinitions call `i`.
    pub(crate) fn task_definition_call(&mut self, i: usize) {
        let call = self.scenario.task_definition_calls[i].clone();
        let api = if call.delete {
            "DeleteTaskDefinitions"
        } else {
            "DeregisterTaskDefinition"
        };
        for (k, reference) in call.task_definitions.iter().enumerate() {
            let at = if call.delete {
                format!("{}.taskDefinitions[{k}]", call.path)
            } else {
                format!("{}.taskDefinition", call.path)
            };
            let msg = match self.change_status(reference, call.delete) {
                Ok(msg) => format!("{api} {msg}"),
                Err(e) => format!("{api} failed: {at}: {e}"),
            };
            self.log.push(self.now(), EventKind::TaskDefinition, msg);
        }
        if call.delete {
            self.delete_unused_task_definitions();
        }
    }

    /// Deregisters (`delete`: deletes) one revision; the log line's end, or the failure.
    fn change_status(&mut self, reference: &str, delete: bool) -> Result<String, String> {
        if crate::revisions::Revisions::split_reference(reference)
            .1
            .is_none()
        {
            return Err(format!("ClientException: {reference:?} names no revision; give family:revision or the full ARN"));
        }
        let (fr, _) = self.revisions.resolve(reference)?;
        let status = self.task_definition_status(&fr);
        let next = match (status, delete) {
            (TaskDefinitionStatus::Deleted, _) => {
                return Err(format!(
                    "ClientException: The specified task definition does not exist ({fr} was deleted)"
                ))
            }
            (TaskDefinitionStatus::Active, false) => TaskDefinitionStatus::Inactive,
            (other, false) => other,
            (TaskDefinitionStatus::Active, true) => {
                return Err(format!("The specified task definition is still in ACTIVE status. Please deregister the target and try again. ({fr})"))
            }
            (_, true) => TaskDefinitionStatus::DeleteInProgress,
        };
        self.td_status.insert(fr.clone(), next);
        Ok(format!("{fr}: {}", next.as_str()))
    }

    /// Deletes for good every DELETE_IN_PROGRESS revision no task (not STOPPED, or waiting in
    /// PROVISIONING for capacity) uses and no service that is not deleted runs as its primary
    /// revision. Called whenever a use may end: a DeleteTaskDefinitions call, a task STOPPED,
    /// a service's new primary revision, a service INACTIVE. Its cost does not grow with the
    /// tasks run (they are counted in `td_live_tasks`), so a long run is not quadratic in its
    /// task stops.
    pub(crate) fn delete_unused_task_definitions(&mut self) {
        if !self
            .td_status
            .values()
            .any(|s| *s == TaskDefinitionStatus::DeleteInProgress)
        {
            return;
        }
        let waiting: Vec<String> = self
            .td_status
            .iter()
            .filter(|(_, s)| **s == TaskDefinitionStatus::DeleteInProgress)
            .map(|(fr, _)| fr.clone())
            .collect();
        for fr in waiting {
            let arn = crate::revisions::Revisions::arn(&fr);
            let task_uses = self.td_live_tasks.get(&arn).is_some_and(|n| *n > 0);
            let service_uses = self.services.iter().any(|s| {
                s.status != crate::service::ServiceStatus::Inactive && s.task_definition == fr
            });
            // A RunTask task waiting in PROVISIONING for capacity is a task too: it starts
            // on this revision (crate::capacity_provider::provisioning).
            let wait_uses = self.run_task_waits.iter().any(|w| w.family_revision == fr);
            if !task_uses && !service_uses && !wait_uses {
                self.td_status
                    .insert(fr.clone(), TaskDefinitionStatus::Deleted);
                let msg =
                    format!("task definition {fr} deleted: no task or service uses it any more");
                self.log.push(self.now(), EventKind::TaskDefinition, msg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_are_checked_naming_the_field() {
        let e = TaskDefinitionCall::parse_deregister(
            &json!({"at": 60}),
            "deregisterTaskDefinitions[0]",
        )
        .unwrap_err();
        assert!(e.starts_with("deregisterTaskDefinitions[0].taskDefinition: required"));
        let eleven: Vec<String> = (1..=11).map(|r| format!("web:{r}")).collect();
        let e = TaskDefinitionCall::parse_delete(
            &json!({"taskDefinitions": eleven}),
            "deleteTaskDefinitions[0]",
        )
        .unwrap_err();
        assert!(e.contains("at most 10"), "{e}");
        let split = crate::revisions::Revisions::split_reference;
        assert_eq!(split("web:3"), ("web", Some("3")));
        assert_eq!(
            split("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"),
            ("web", Some("3"))
        );
        assert_eq!(split("web"), ("web", None));
    }
}
