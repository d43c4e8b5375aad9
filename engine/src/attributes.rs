//! PutAttributes and DeleteAttributes (2.1, 2.5): custom attributes set on a registered
//! container instance, or taken off it, at a moment of the run.
//!
//! `ECS_INSTANCE_ATTRIBUTES` only applies at first registration; after that AWS's way to change
//! an instance's attributes is `PutAttributes` (2.1). The scenario keeps each call's request body
//! verbatim in `putAttributes[]` or `deleteAttributes[]`, with the playground's `at` (when the
//! call is made). A change affects later placements only: tasks already running stay where they
//! are, as in ECS, which checks constraints at placement. Services waiting for an instance that
//! matches look again at once.
//!
//! Each call is checked as the API checks it, with the error naming the field:
//! - `targetType` is `container-instance` (the only type AWS has) and `targetId` is the
//!   instance's ARN, its container-instance ID, or (the playground's convenience) its EC2
//!   instance ID;
//! - names and values follow 2.5; a call carries at most 10 attributes;
//! - an instance holds at most 10 custom attributes: a call that would go beyond fails whole
//!   with AWS's `AttributeLimitExceededException`, and a target that is not a registered
//!   instance of the call's cluster fails it with `TargetNotFoundException`.
//!
//! [unconfirmed] choices: the built-in names (`ecs.` and `com.amazonaws.ecs.`) are the agent's
//! and are refused, and a failed call changes nothing (AWS does not say whether the attributes
//! before the failing one are kept).

use serde_json::Value;

use crate::container_instance::check_custom_attribute;
use crate::event_log::EventKind;
use crate::sim::Simulation;

/// Most custom attributes one resource holds, and most attributes in one call ([API-ECS]
/// PutAttributes).
pub const MAX_CUSTOM_ATTRIBUTES: usize = 10;

/// The only `targetType` AWS has.
const TARGET_TYPE: &str = "container-instance";

/// One `attributes[]` item of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetedAttribute {
    /// `name`.
    pub name: String,
    /// `value`: empty for a value-less attribute (and in DeleteAttributes).
    pub value: String,
    /// `targetId`: an ARN, a container-instance ID or an EC2 instance ID.
    pub target: String,
}

/// A PutAttributes or DeleteAttributes call of the scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `cluster`: the cluster's name (`default` when absent, or given as an ARN).
    pub cluster: String,
    /// True for DeleteAttributes.
    pub delete: bool,
    /// `attributes`.
    pub attributes: Vec<TargetedAttribute>,
}

/// Whether an attribute name is one the agent registers (2.5), not a custom one.
pub fn is_built_in(name: &str) -> bool {
    name.starts_with("ecs.") || name.starts_with("com.amazonaws.ecs.")
}

impl AttributeCall {
    /// The API's name for the call.
    pub fn api(&self) -> &'static str {
        if self.delete {
            "DeleteAttributes"
        } else {
            "PutAttributes"
        }
    }

    /// Parses `putAttributes[i]` (`delete` false) or `deleteAttributes[i]`; `path` names it in
    /// errors.
    pub fn parse(v: &Value, path: &str, delete: bool) -> Result<AttributeCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let cluster = match v.get("cluster") {
            None | Some(Value::Null) => "default".to_string(),
            Some(Value::String(c)) if !c.is_empty() => {
                c.rsplit('/').next().unwrap_or(c).to_string()
            }
            Some(_) => return Err(format!("{path}.cluster: must be a cluster name or ARN")),
        };
        let list = v
            .get("attributes")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                format!(
                    "{path}.attributes: required, a list of {{name, value, targetType, targetId}}"
                )
            })?;
        if list.len() > MAX_CUSTOM_ATTRIBUTES {
            return Err(format!(
                "{path}.attributes: {} attributes; a call takes at most {MAX_CUSTOM_ATTRIBUTES}",
                list.len()
            ));
        }
        let mut attributes = Vec::new();
        for (i, a) in list.iter().enumerate() {
            let at = format!("{path}.attributes[{i}]");
            let text = |key: &str| {
                crate::request::optional_text(a, key, &at).map(|t| t.map(str::to_string))
            };
            let name = text("name")?.ok_or_else(|| format!("{at}.name: required"))?;
            if is_built_in(&name) {
                return Err(format!(
                    "{at}.name: \"{name}\" is a built-in attribute the agent registers; custom attributes cannot use the ecs. prefixes"
                ));
            }
            let value = text("value")?.unwrap_or_default();
            check_custom_attribute(&name, &value).map_err(|e| format!("{at}.{e}"))?;
            match text("targetType")?.as_deref() {
                None | Some(TARGET_TYPE) => {}
                Some(other) => {
                    return Err(format!(
                        "{at}.targetType: \"{other}\" is not {TARGET_TYPE}, the only target type"
                    ))
                }
            }
            let target = text("targetId")?.filter(|t| !t.is_empty()).ok_or_else(|| {
                format!("{at}.targetId: required, the container instance's ARN or ID")
            })?;
            attributes.push(TargetedAttribute {
                name,
                value,
                target,
            });
        }
        Ok(AttributeCall {
            at_ms,
            cluster,
            delete,
            attributes,
        })
    }
}

impl Simulation {
    /// Makes attribute call `i`: every target is resolved and the limit checked first, then
    /// the attributes change, or nothing does and the log says why.
    pub(crate) fn attribute_call(&mut self, i: usize) {
        let call = self.scenario.attribute_calls[i].clone();
        let api = call.api();
        if let Err(e) = self.capacity.check_cluster(&call.cluster) {
            let msg = format!("{api} failed: cluster: {e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let mut slots = Vec::new();
        for a in &call.attributes {
            let slot = self.cluster.find_target(&a.target).filter(|&slot| {
                let inst = &self.cluster.instances[slot];
                inst.cluster == call.cluster
                    && inst.status != crate::container_instance::InstanceStatus::Inactive
            });
            match slot {
                Some(slot) => slots.push(slot),
                None => {
                    let msg = format!(
                        "{api} failed: TargetNotFoundException: Could not find {} in cluster {}.",
                        a.target, call.cluster
                    );
                    self.log.push(self.now(), EventKind::Scenario, msg);
                    return;
                }
            }
        }
        if !call.delete {
            for &slot in &slots {
                let attributes = &self.cluster.instances[slot].attributes;
                let mut custom: Vec<&str> = attributes
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !is_built_in(k))
                    .collect();
                for (a, _) in call
                    .attributes
                    .iter()
                    .zip(&slots)
                    .filter(|(_, s)| **s == slot)
                {
                    if !custom.contains(&a.name.as_str()) {
                        custom.push(&a.name);
                    }
                }
                if custom.len() > MAX_CUSTOM_ATTRIBUTES {
                    let msg = format!(
                        "{api} failed: AttributeLimitExceededException: You can apply up to {MAX_CUSTOM_ATTRIBUTES} custom attributes for each resource. (container instance {} would have {})",
                        self.cluster.instances[slot].ec2_instance_id,
                        custom.len()
                    );
                    self.log.push(self.now(), EventKind::Scenario, msg);
                    return;
                }
            }
        }
        let mut touched: Vec<usize> = Vec::new();
        for (a, &slot) in call.attributes.iter().zip(&slots) {
            let inst = &mut self.cluster.instances[slot];
            let what = if call.delete {
                inst.attributes.remove(&a.name);
                format!(
                    "{api}: {} removed from container instance {}",
                    a.name, inst.ec2_instance_id
                )
            } else {
                inst.attributes.insert(a.name.clone(), a.value.clone());
                let shown = if a.value.is_empty() {
                    a.name.clone()
                } else {
                    format!("{}={}", a.name, a.value)
                };
                format!(
                    "{api}: {shown} on container instance {}",
                    inst.ec2_instance_id
                )
            };
            let id = inst.ec2_instance_id.clone();
            self.log
                .push(self.now(), EventKind::ContainerInstance, what)
                .instance(&id);
            if !touched.contains(&slot) {
                touched.push(slot);
            }
        }
        // Attribute indexes and cached memberOf results are per generation.
        self.cluster.attributes_changed();
        self.task_generation += 1;
        for slot in touched {
            self.cluster.refresh(slot);
            self.instance_state_change(slot);
            self.poke_cluster_services(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn put(v: Value) -> Result<AttributeCall, String> {
        AttributeCall::parse(&v, "putAttributes[0]", false)
    }

    #[test]
    fn calls_are_checked_naming_the_field() {
        let ok = put(json!({"at": "PT5M", "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
            "attributes": [{"name": "stack", "value": "prod", "targetType": "container-instance", "targetId": "i-1"}]}))
        .unwrap();
        assert_eq!((ok.at_ms, ok.cluster.as_str()), (300_000, "prod"));
        assert_eq!(ok.attributes[0].value, "prod");
        for (v, field) in [
            (json!({}), "putAttributes[0].attributes"),
            (
                json!({"attributes": [{"name": "stack", "targetId": "i-1", "targetType": "task"}]}),
                "putAttributes[0].attributes[0].targetType",
            ),
            (
                json!({"attributes": [{"name": "stack"}]}),
                "putAttributes[0].attributes[0].targetId",
            ),
            (
                json!({"attributes": [{"name": "bad name!", "targetId": "i-1"}]}),
                "putAttributes[0].attributes[0].attributes",
            ),
            (
                json!({"attributes": [{"name": "stack", "value": " lead", "targetId": "i-1"}]}),
                "putAttributes[0].attributes[0].attributes.stack",
            ),
            (
                json!({"attributes": [{"name": "ecs.instance-type", "value": "x", "targetId": "i-1"}]}),
                "putAttributes[0].attributes[0].name",
            ),
            (
                json!({"at": "soon", "attributes": [{"name": "a", "targetId": "i-1"}]}),
                "putAttributes[0].at",
            ),
        ] {
            let e = put(v).unwrap_err();
            assert!(e.starts_with(field), "{field}: {e}");
        }
        let eleven: Vec<Value> = (0..11)
            .map(|i| json!({"name": format!("a{i}"), "targetId": "i-1"}))
            .collect();
        let e = put(json!({ "attributes": eleven })).unwrap_err();
        assert!(e.contains("at most 10"), "{e}");
    }
}
