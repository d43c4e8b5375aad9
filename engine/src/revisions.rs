//! Registered task definitions: revisions per family (`family:revision`), as
//! RegisterTaskDefinition numbers them (1.1), and how `taskDefinition` references resolve.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::task_definition::ValidTaskDefinition;

/// Every registered revision, by family.
#[derive(Debug, Clone, Default)]
pub struct Revisions {
    families: BTreeMap<String, Vec<Rc<ValidTaskDefinition>>>,
}

/// The region and account used in every ARN the playground prints.
pub const ARN_PREFIX: &str = "arn:aws:ecs:us-east-1:123456789012";

impl Revisions {
    /// The task definitions of a scenario document (`taskDefinitions[]`) registered as a run
    /// registers them: those that validate, in order, with the `family:revision` each got.
    pub fn of_document(doc: &serde_json::Value) -> (Revisions, Vec<String>) {
        let mut revisions = Revisions::default();
        let registered = doc
            .get("taskDefinitions")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|raw| {
                crate::task_definition::parse_task_definition_value(raw)
                    .map_err(|e| vec![e])
                    .and_then(|p| crate::task_definition::validate(&p.input))
                    .ok()
            })
            .map(|td| revisions.register(td))
            .collect();
        (revisions, registered)
    }

    /// Registers a revision and returns its `family:revision`.
    pub fn register(&mut self, td: ValidTaskDefinition) -> String {
        let list = self.families.entry(td.family.clone()).or_default();
        list.push(Rc::new(td));
        format!("{}:{}", list[list.len() - 1].family, list.len())
    }

    /// Every revision of every family (families by name, revisions oldest first), as
    /// `family:revision`.
    pub fn all(&self) -> Vec<String> {
        self.families
            .keys()
            .flat_map(|family| self.of_family(family))
            .collect()
    }

    /// Every revision of `family`, oldest first, as `family:revision`.
    pub fn of_family(&self, family: &str) -> Vec<String> {
        let n = self.families.get(family).map_or(0, Vec::len);
        (1..=n).map(|r| format!("{family}:{r}")).collect()
    }

    /// Splits a `taskDefinition` reference (`family`, `family:revision` or a full
    /// task-definition ARN) into its family and, when it names one, its revision as written.
    pub fn split_reference(reference: &str) -> (&str, Option<&str>) {
        let short = reference
            .rsplit_once("task-definition/")
            .map_or(reference, |(_, s)| s);
        match short.rsplit_once(':') {
            Some((family, revision)) => (family, Some(revision)),
            None => (short, None),
        }
    }

    /// Resolves `family`, `family:revision` or a full task-definition ARN to
    /// (`family:revision`, definition). A bare family means its latest revision.
    pub fn resolve(&self, reference: &str) -> Result<(String, Rc<ValidTaskDefinition>), String> {
        let (family, revision) = Self::split_reference(reference);
        let revision = revision
            .map(|r| {
                r.parse::<usize>()
                    .map_err(|_| format!("\"{reference}\": revision \"{r}\" is not a number"))
            })
            .transpose()?;
        let list = self
            .families
            .get(family)
            .ok_or_else(|| format!("ClientException: Unable to describe task definition \"{reference}\": no family \"{family}\" is registered in this scenario."))?;
        let n = revision.unwrap_or(list.len());
        let td = n
            .checked_sub(1)
            .and_then(|i| list.get(i))
            .ok_or_else(|| format!("ClientException: Unable to describe task definition \"{reference}\": family \"{family}\" has {} revisions.", list.len()))?;
        Ok((format!("{family}:{n}"), Rc::clone(td)))
    }

    /// The full ARN of a `family:revision`.
    pub fn arn(family_revision: &str) -> String {
        format!("{ARN_PREFIX}:task-definition/{family_revision}")
    }
}
