//! The Auto Scaling group editor's edits (sections 6 and 7): a new group written as the
//! requests AWS takes (CreateLaunchTemplate with base64 user data setting `ECS_CLUSTER`,
//! CreateAutoScalingGroup, CreateCapacityProvider, the cluster's capacity providers and
//! default strategy), and UpdateAutoScalingGroup at the current time. Every rule the engine's
//! own loaders know is checked by loading the result, so errors name the AWS field.

use base64::Engine as _;
use serde_json::{json, Value};

use super::{entries, just_after, names, seconds, section};
use crate::time::SimTime;
use crate::Scenario;

/// The capacity provider over a new group (CreateCapacityProvider, 6.4, 6.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProviderForm {
    /// `name`.
    pub name: String,
    /// `managedScaling.status` `ENABLED`.
    pub managed_scaling: bool,
    /// `managedScaling.targetCapacity`, 1 to 100.
    pub target_capacity: u32,
    /// `managedTerminationProtection` `ENABLED` (needs managed scaling and
    /// `NewInstancesProtectedFromScaleIn`).
    pub termination_protection: bool,
    /// `managedDraining` `ENABLED`.
    pub managed_draining: bool,
    /// Add `{capacityProvider, weight 1}` to the cluster's `defaultCapacityProviderStrategy`.
    pub default_strategy: bool,
}

/// A new Auto Scaling group as the editor asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoScalingGroupForm {
    /// `AutoScalingGroupName`; the launch template is named after it.
    pub name: String,
    /// Instance types: one gives a `LaunchTemplate`; several (or Spot) give a
    /// `MixedInstancesPolicy` whose `Overrides` list them in priority order.
    pub instance_types: Vec<String>,
    /// Spot through `InstancesDistribution` (7.1).
    pub spot: bool,
    /// `ECS_ENABLE_SPOT_INSTANCE_DRAINING=true` in the user data: a Spot interruption notice
    /// sets the instance DRAINING, so its tasks are replaced before it goes (G31).
    pub spot_draining: bool,
    /// `OnDemandBaseCapacity` (with Spot).
    pub on_demand_base: u32,
    /// `OnDemandPercentageAboveBaseCapacity` (with Spot).
    pub on_demand_percent_above_base: u32,
    /// `SpotAllocationStrategy` (with Spot); empty leaves it out (`lowest-price`).
    pub spot_allocation: String,
    /// `MinSize`.
    pub min: u32,
    /// `MaxSize`.
    pub max: u32,
    /// `DesiredCapacity`.
    pub desired: u32,
    /// Subnets (`subnet-…`, into `VPCZoneIdentifier`) or Availability Zones
    /// (`AvailabilityZones`).
    pub zones: Vec<String>,
    /// `ECS_CLUSTER` in the user data, and the cluster the provider is associated with.
    pub cluster: String,
    /// `NewInstancesProtectedFromScaleIn`.
    pub protect_new_instances: bool,
    /// The capacity provider, if any.
    pub capacity_provider: Option<CapacityProviderForm>,
}

/// Sizes of an UpdateAutoScalingGroup request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCapacity {
    /// `MinSize`.
    pub min: u32,
    /// `DesiredCapacity`.
    pub desired: u32,
    /// `MaxSize`.
    pub max: u32,
}

/// The CreateLaunchTemplate request: the first instance type and user data that writes
/// `ECS_CLUSTER` (and, with `spot_draining`, `ECS_ENABLE_SPOT_INSTANCE_DRAINING=true`) to
/// `/etc/ecs/ecs.config` (base64, as EC2 takes it).
fn launch_template(name: &str, instance_type: &str, cluster: &str, spot_draining: bool) -> Value {
    let mut script = format!("#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n");
    if spot_draining {
        script.push_str("echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n");
    }
    json!({
        "LaunchTemplateName": name,
        "LaunchTemplateData": {
            "InstanceType": instance_type,
            "UserData": base64::engine::general_purpose::STANDARD.encode(script)
        }
    })
}

/// The CreateAutoScalingGroup request.
fn group_request(form: &AutoScalingGroupForm, name: &str, types: &[&str]) -> Value {
    let mut group = json!({
        "AutoScalingGroupName": name,
        "MinSize": form.min,
        "MaxSize": form.max,
        "DesiredCapacity": form.desired,
        "NewInstancesProtectedFromScaleIn": form.protect_new_instances,
    });
    let spec = json!({"LaunchTemplateName": name, "Version": "$Latest"});
    if types.len() == 1 && !form.spot {
        group["LaunchTemplate"] = spec;
    } else {
        let overrides: Vec<Value> = types.iter().map(|t| json!({"InstanceType": t})).collect();
        let mut policy = json!({"LaunchTemplate": {"LaunchTemplateSpecification": spec, "Overrides": overrides}});
        if form.spot {
            policy["InstancesDistribution"] = json!({
                "OnDemandBaseCapacity": form.on_demand_base,
                "OnDemandPercentageAboveBaseCapacity": form.on_demand_percent_above_base,
            });
            let strategy = form.spot_allocation.trim();
            if !strategy.is_empty() {
                policy["InstancesDistribution"]["SpotAllocationStrategy"] = json!(strategy);
            }
        }
        group["MixedInstancesPolicy"] = policy;
    }
    let zones = trimmed(&form.zones);
    if zones.iter().all(|z| z.starts_with("subnet-")) {
        group["VPCZoneIdentifier"] = json!(zones.join(","));
    } else {
        group["AvailabilityZones"] = json!(zones);
    }
    group
}

/// The CreateCapacityProvider request.
fn provider_request(p: &CapacityProviderForm, group: &str) -> Value {
    let status = |on: bool| if on { "ENABLED" } else { "DISABLED" };
    let mut scaling = json!({"status": status(p.managed_scaling)});
    if p.managed_scaling {
        scaling["targetCapacity"] = json!(p.target_capacity);
    }
    json!({
        "name": p.name.trim(),
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": group,
            "managedScaling": scaling,
            "managedTerminationProtection": status(p.termination_protection),
            "managedDraining": status(p.managed_draining),
        }
    })
}

/// Associates provider `name` with `cluster` (a `clusters[]` entry, created if missing) and,
/// when asked, appends it to the cluster's default strategy with weight 1. A document
/// without `clusters[]` stands for clusters made outside it (every name exists); the first
/// entry would make its clusters the only ones, so the clusters it already names are declared
/// with it.
fn associate(doc: &mut Value, cluster: &str, name: &str, default_strategy: bool) {
    let already_used = if entries(doc, "clusters").next().is_none() {
        clusters_named(doc)
    } else {
        Vec::new()
    };
    let clusters = section(doc, "clusters");
    for c in already_used {
        clusters.push(json!({ "clusterName": c }));
    }
    let at = clusters.iter().position(|c| {
        c.get("clusterName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
            == cluster
    });
    let entry = match at {
        Some(i) => &mut clusters[i],
        None => {
            clusters.push(json!({"clusterName": cluster}));
            clusters.last_mut().expect("just pushed")
        }
    };
    section(entry, "capacityProviders").push(json!(name));
    if default_strategy {
        section(entry, "defaultCapacityProviderStrategy")
            .push(json!({"capacityProvider": name, "weight": 1}));
    }
}

/// The clusters other than `default` the document names, in the order first named: a
/// `cluster` or `clusterArn` member (services, calls), an `ECS_CLUSTER` (`ecsConfig`, launch
/// templates' user data), an EventBridge target's cluster ARN.
fn clusters_named(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
            Value::Object(members) => {
                for (key, x) in members {
                    let named = match (key.as_str(), x.as_str()) {
                        ("cluster" | "clusterArn" | "ECS_CLUSTER", Some(c)) => Some(c),
                        ("Arn", Some(arn)) if arn.starts_with("arn:aws:ecs:") => {
                            arn.contains(":cluster/").then_some(arn)
                        }
                        _ => None,
                    };
                    if let Some(c) = named {
                        out.push(
                            c.rsplit_once("cluster/")
                                .map_or(c, |(_, n)| n)
                                .trim()
                                .to_string(),
                        );
                    }
                    walk(x, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    for t in entries(doc, "launchTemplates") {
        if let Ok(t) = crate::auto_scaling_group::launch_template::LaunchTemplate::parse(t, "") {
            out.extend(
                t.ecs_config
                    .get("ECS_CLUSTER")
                    .map(|c| c.trim().to_string()),
            );
        }
    }
    let mut unique: Vec<String> = Vec::new();
    for c in out {
        if !c.is_empty() && c != "default" && !unique.contains(&c) {
            unique.push(c);
        }
    }
    unique
}

/// The items of a list field, trimmed, without empty ones.
fn trimmed(items: &[String]) -> Vec<&str> {
    items
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Checks `text` is a name of 1 to 255 letters, digits, hyphens and underscores (services,
/// clusters, groups, capacity providers); the error names `field`.
pub(super) fn check_name(text: &str, field: &str) -> Result<(), String> {
    if text.is_empty()
        || text.len() > 255
        || !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "{field}: 1 to 255 letters, digits, hyphens and underscores"
        ));
    }
    Ok(())
}

/// Adds a group: its launch template, the CreateAutoScalingGroup request, and the capacity
/// provider with its cluster association, if asked. Checked like AWS: names unique, types
/// from the catalogue, `MinSize` ≤ `DesiredCapacity` ≤ `MaxSize`, subnets known, managed
/// termination protection only with managed scaling and `NewInstancesProtectedFromScaleIn`
/// (6.5), strategies that do not mix Fargate and Auto Scaling group providers (6.1).
pub fn add_auto_scaling_group(doc: &Value, form: &AutoScalingGroupForm) -> Result<Value, String> {
    let name = form.name.trim();
    check_name(name, "AutoScalingGroupName")?;
    if names(doc, "autoScalingGroups", "AutoScalingGroupName")
        .iter()
        .any(|n| n == name)
    {
        return Err(format!(
            "AutoScalingGroupName: an Auto Scaling group named {name} already exists"
        ));
    }
    if names(doc, "launchTemplates", "LaunchTemplateName")
        .iter()
        .any(|n| n == name)
    {
        return Err(format!("LaunchTemplateName: a launch template named {name} already exists; choose another group name"));
    }
    let types = trimmed(&form.instance_types);
    let Some(first) = types.first() else {
        return Err("InstanceType: choose at least one instance type".to_string());
    };
    let zones = trimmed(&form.zones);
    if zones.is_empty() {
        return Err("VPCZoneIdentifier: give subnets (subnet-a, subnet-b) or Availability Zones (us-east-1a)".to_string());
    }
    let subnets = zones.iter().filter(|z| z.starts_with("subnet-")).count();
    if subnets > 0 && subnets < zones.len() {
        return Err("VPCZoneIdentifier: give subnets or Availability Zones, not both".to_string());
    }
    let cluster = form.cluster.trim();
    check_name(cluster, "ECS_CLUSTER")?;
    let mut doc = doc.clone();
    section(&mut doc, "launchTemplates").push(launch_template(
        name,
        first,
        cluster,
        form.spot_draining,
    ));
    section(&mut doc, "autoScalingGroups").push(group_request(form, name, &types));
    if let Some(p) = &form.capacity_provider {
        let provider = p.name.trim();
        check_name(provider, "capacityProviders.name")?;
        if p.termination_protection && !form.protect_new_instances {
            return Err("managedTerminationProtection: The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the Auto Scaling group must have instance protection from scale in enabled (NewInstancesProtectedFromScaleIn).".to_string());
        }
        if names(&doc, "capacityProviders", "name")
            .iter()
            .any(|n| n == provider)
        {
            return Err(format!(
                "capacityProviders.name: a capacity provider named {provider} already exists"
            ));
        }
        section(&mut doc, "capacityProviders").push(provider_request(p, name));
        associate(&mut doc, cluster, provider, p.default_strategy);
    }
    Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    Ok(doc)
}

/// Resizes group `group` at `at` (the UI's current time): an UpdateAutoScalingGroup request
/// in `updateAutoScalingGroups[]`. All three sizes 0 is how the playground removes a group:
/// it has no DeleteAutoScalingGroup, and AWS's `ForceDelete` terminates the instances the
/// same way, except that here managed termination protection keeps the ones with tasks.
pub fn set_group_capacity(
    doc: &Value,
    group: &str,
    capacity: GroupCapacity,
    at: SimTime,
) -> Result<Value, String> {
    let group = group.trim();
    if !entries(doc, "autoScalingGroups")
        .any(|g| g.get("AutoScalingGroupName").and_then(Value::as_str) == Some(group))
    {
        return Err(format!(
            "AutoScalingGroupName: no Auto Scaling group named {group:?}"
        ));
    }
    let GroupCapacity { min, desired, max } = capacity;
    let limit = crate::auto_scaling_group::MAX_GROUP_SIZE;
    if max > limit {
        return Err(format!("MaxSize: at most {limit}"));
    }
    if min > max {
        return Err(format!("MinSize: {min} is above MaxSize {max}"));
    }
    if desired < min || desired > max {
        return Err(format!(
            "DesiredCapacity: {desired} must be between MinSize ({min}) and MaxSize ({max})"
        ));
    }
    let mut doc = doc.clone();
    section(&mut doc, "updateAutoScalingGroups").push(json!({
        "at": seconds(at), "AutoScalingGroupName": group,
        "MinSize": min, "MaxSize": max, "DesiredCapacity": desired
    }));
    Ok(doc)
}

/// What the capacity panel's instance refresh form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshChoice {
    /// `Preferences.MinHealthyPercentage`.
    pub min_healthy: u32,
    /// `Preferences.MaxHealthyPercentage`.
    pub max_healthy: u32,
    /// `Preferences.ScaleInProtectedInstances`: `Refresh`, `Ignore` or `Wait`.
    pub protected_instances: String,
    /// `Preferences.InstanceWarmup`, seconds; `None`: the group's default warmup.
    pub instance_warmup: Option<u32>,
    /// A launch template to move to (`DesiredConfiguration.LaunchTemplate`); `None` keeps
    /// the group's.
    pub template: Option<String>,
}

/// Starts an instance refresh of group `group` at `at`: a StartInstanceRefresh request in
/// `startInstanceRefreshes[]`, checked as the scenario will check it.
pub fn start_instance_refresh(
    doc: &Value,
    group: &str,
    choice: &RefreshChoice,
    at: SimTime,
) -> Result<Value, String> {
    let mut entry = json!({
        "at": seconds(at), "AutoScalingGroupName": group.trim(), "Strategy": "Rolling",
        "Preferences": {
            "MinHealthyPercentage": choice.min_healthy,
            "MaxHealthyPercentage": choice.max_healthy,
            "ScaleInProtectedInstances": choice.protected_instances,
        }
    });
    if let Some(w) = choice.instance_warmup {
        entry["Preferences"]["InstanceWarmup"] = json!(w);
    }
    if let Some(t) = choice.template.as_deref().filter(|t| !t.is_empty()) {
        entry["DesiredConfiguration"] =
            json!({"LaunchTemplate": {"LaunchTemplateName": t, "Version": "$Latest"}});
    }
    let mut doc = doc.clone();
    section(&mut doc, "startInstanceRefreshes").push(entry);
    // The whole document is checked: the group and template must exist, the percentages fit.
    Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    Ok(doc)
}

/// Cancels the instance refresh in progress on group `group` at `at`: a CancelInstanceRefresh
/// request in `cancelInstanceRefreshes[]`.
pub fn cancel_instance_refresh(doc: &Value, group: &str, at: SimTime) -> Result<Value, String> {
    let entry = json!({"at": seconds(at), "AutoScalingGroupName": group.trim()});
    let mut doc = doc.clone();
    section(&mut doc, "cancelInstanceRefreshes").push(entry);
    Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    Ok(doc)
}

/// What the capacity panel's warm pool controls ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmPoolChoice {
    /// `MinSize`.
    pub min_size: u32,
    /// `MaxGroupPreparedCapacity`; `None`: the group's `MaxSize`.
    pub max_prepared: Option<u32>,
    /// `PoolState`: `Stopped`, `Running` or `Hibernated`.
    pub pool_state: String,
}

/// Sets a warm pool on group `group` at `at`: a PutWarmPool request in `putWarmPools[]`,
/// checked as the scenario will check it (no Spot or mixed instances group).
pub fn put_warm_pool(
    doc: &Value,
    group: &str,
    choice: &WarmPoolChoice,
    at: SimTime,
) -> Result<Value, String> {
    let entry = json!({
        "at": seconds(at), "AutoScalingGroupName": group.trim(),
        "MinSize": choice.min_size,
        "MaxGroupPreparedCapacity": choice.max_prepared.map_or(-1, i64::from),
        "PoolState": choice.pool_state,
    });
    let mut doc = doc.clone();
    section(&mut doc, "putWarmPools").push(entry);
    Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    Ok(doc)
}

/// Completes the lifecycle actions `holds` (`(InstanceId, LifecycleHookName)` of instances
/// that hooks hold) of `group` just after `at` with result CONTINUE (`continues`) or ABANDON: one
/// CompleteLifecycleAction each, appended to `completeLifecycleActions[]`.
pub fn complete_lifecycle_actions(
    doc: &Value,
    group: &str,
    holds: &[(String, String)],
    continues: bool,
    at: SimTime,
) -> Result<Value, String> {
    let result = if continues { "CONTINUE" } else { "ABANDON" };
    let mut doc = doc.clone();
    let calls = section(&mut doc, "completeLifecycleActions");
    for (instance, hook) in holds {
        calls.push(json!({
            "at": just_after(at), "AutoScalingGroupName": group.trim(),
            "LifecycleHookName": hook, "LifecycleActionResult": result, "InstanceId": instance,
        }));
    }
    Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auto_scaling_group::GroupInstanceState;
    use crate::edit::{add_service, ServiceForm};
    use crate::Simulation;

    /// Two subnets, a 1-vCPU task definition, no instances.
    fn doc() -> Value {
        json!({
            "version": 1,
            "duration": "PT60M",
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}
            ],
            "taskDefinitions": [{"family": "web", "containerDefinitions": [
                {"name": "web", "image": "nginx", "cpu": 1024, "memory": 1024, "essential": true}
            ]}]
        })
    }

    fn form() -> AutoScalingGroupForm {
        AutoScalingGroupForm {
            name: "asg".to_string(),
            instance_types: vec!["m5.large".to_string()],
            spot: false,
            spot_draining: false,
            on_demand_base: 0,
            on_demand_percent_above_base: 100,
            spot_allocation: String::new(),
            min: 0,
            max: 10,
            desired: 0,
            zones: vec!["subnet-a".to_string(), "subnet-b".to_string()],
            cluster: "demo".to_string(),
            protect_new_instances: true,
            capacity_provider: Some(CapacityProviderForm {
                name: "cp".to_string(),
                managed_scaling: true,
                target_capacity: 100,
                termination_protection: true,
                managed_draining: true,
                default_strategy: false,
            }),
        }
    }

    fn running(sim: &Simulation) -> usize {
        sim.tasks()
            .iter()
            .filter(|t| t.last_status == crate::task::TaskStatus::Running)
            .count()
    }

    fn live(sim: &Simulation) -> usize {
        sim.auto_scaling_groups()[0].live().count()
    }

    #[test]
    fn g28_a_service_on_the_new_provider_scales_the_group_from_zero() {
        let doc = add_auto_scaling_group(&doc(), &form()).unwrap();
        assert_eq!(
            doc["launchTemplates"][0]["LaunchTemplateData"]["UserData"],
            json!(base64::engine::general_purpose::STANDARD
                .encode("#!/bin/bash\necho ECS_CLUSTER=demo >> /etc/ecs/ecs.config\n"))
        );
        assert_eq!(doc["clusters"][0]["capacityProviders"], json!(["cp"]));
        let service = ServiceForm {
            name: "web".to_string(),
            cluster: "demo".to_string(),
            task_definition: "web".to_string(),
            desired: 6,
            capacity_provider_strategy: vec![crate::edit::ProviderShare {
                provider: "cp".to_string(),
                base: 0,
                weight: 1,
            }],
            ..ServiceForm::default()
        };
        let doc = add_service(&doc, &service).unwrap();
        let mut sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        assert_eq!(live(&sim), 0);
        // N = 0, M = 3 (two 1-vCPU tasks per m5.large): the metric is 200 and the group
        // launches 3 instances; the 6 tasks run on them.
        sim.advance_to(SimTime(10 * 60_000)).unwrap();
        assert_eq!(sim.auto_scaling_groups()[0].desired, 3);
        assert_eq!(live(&sim), 3);
        assert_eq!(running(&sim), 6);
        // Scale to 0 at 10 minutes: every instance runs tasks, so managed termination
        // protection keeps all three (6.5).
        let zero = GroupCapacity {
            min: 0,
            desired: 0,
            max: 0,
        };
        let doc = set_group_capacity(&doc, "asg", zero, SimTime(10 * 60_000)).unwrap();
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(12 * 60_000)).unwrap();
        assert_eq!(sim.auto_scaling_groups()[0].desired, 0);
        assert_eq!(live(&sim), 3);
        assert_eq!(running(&sim), 6);
    }

    #[test]
    fn scale_to_zero_without_protection_terminates_the_instances() {
        let mut f = form();
        f.desired = 2;
        f.min = 1;
        f.protect_new_instances = false;
        f.capacity_provider = None;
        let doc = add_auto_scaling_group(&doc(), &f).unwrap();
        assert!(doc.get("capacityProviders").is_none());
        let zero = GroupCapacity {
            min: 0,
            desired: 0,
            max: 0,
        };
        let doc = set_group_capacity(&doc, "asg", zero, SimTime(300_000)).unwrap();
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(299_000)).unwrap();
        assert_eq!(live(&sim), 2);
        sim.advance_to(SimTime(600_000)).unwrap();
        assert_eq!(live(&sim), 0);
        assert!(sim.auto_scaling_groups()[0]
            .instances
            .iter()
            .all(|i| i.state == GroupInstanceState::Terminated));
        // Nothing was protected, so no instance is reported as kept.
        assert!(!sim
            .log()
            .entries()
            .iter()
            .any(|e| e.message.contains("protected from scale-in")));
    }

    #[test]
    fn spot_and_several_types_make_a_mixed_instances_policy() {
        // 7.1: Spot through InstancesDistribution; the Overrides in priority order.
        let mut f = form();
        f.instance_types = vec!["m5.large".to_string(), "m6i.large".to_string()];
        f.spot = true;
        f.on_demand_base = 1;
        f.on_demand_percent_above_base = 0;
        f.zones = vec!["us-east-1a".to_string()];
        f.capacity_provider.as_mut().unwrap().default_strategy = true;
        let doc = add_auto_scaling_group(&doc(), &f).unwrap();
        let g = &doc["autoScalingGroups"][0];
        assert_eq!(
            g["MixedInstancesPolicy"]["InstancesDistribution"],
            json!({"OnDemandBaseCapacity": 1, "OnDemandPercentageAboveBaseCapacity": 0})
        );
        assert_eq!(g["AvailabilityZones"], json!(["us-east-1a"]));
        assert_eq!(
            doc["clusters"][0]["defaultCapacityProviderStrategy"],
            json!([{"capacityProvider": "cp", "weight": 1}])
        );
        let spec = &Scenario::from_value(doc).unwrap().auto_scaling_groups[0];
        assert_eq!(spec.instance_types.len(), 2);
        assert_eq!(spec.distribution.as_ref().unwrap().on_demand_base, 1);
        // A Spot allocation strategy goes into the distribution, as the API spells it.
        f.spot_allocation = "price-capacity-optimized".to_string();
        let written = add_auto_scaling_group(&self::doc(), &f).unwrap();
        let spec = &Scenario::from_value(written).unwrap().auto_scaling_groups[0];
        assert_eq!(
            spec.distribution.as_ref().unwrap().allocation.spot,
            crate::auto_scaling_group::allocation::SpotAllocation::PriceCapacityOptimized
        );
    }

    #[test]
    fn g31_spot_draining_is_written_into_the_user_data_the_agent_reads() {
        let mut f = form();
        f.spot = true;
        f.spot_draining = true;
        let config = |f: &AutoScalingGroupForm| {
            let written = add_auto_scaling_group(&doc(), f).unwrap();
            let scenario = Scenario::from_value(written).unwrap();
            scenario.auto_scaling_groups[0].template.ecs_config.clone()
        };
        let with = config(&f);
        assert_eq!(with["ECS_ENABLE_SPOT_INSTANCE_DRAINING"], "true");
        assert_eq!(with["ECS_CLUSTER"], "demo");
        f.spot_draining = false;
        assert!(!config(&f).contains_key("ECS_ENABLE_SPOT_INSTANCE_DRAINING"));
    }

    #[test]
    fn errors_name_the_aws_field() {
        let err = |f: AutoScalingGroupForm| add_auto_scaling_group(&doc(), &f).unwrap_err();
        let mut f = form();
        f.desired = 11;
        assert!(err(f).contains("DesiredCapacity"));
        let mut f = form();
        f.min = 5;
        f.max = 2;
        f.desired = 3;
        assert!(err(f).contains("MinSize"));
        let mut f = form();
        f.instance_types = vec!["m99.huge".to_string()];
        assert!(err(f).contains("InstanceType: unknown instance type"));
        let mut f = form();
        f.instance_types.clear();
        assert!(err(f).starts_with("InstanceType:"));
        let mut f = form();
        f.protect_new_instances = false;
        let e = err(f);
        assert!(
            e.starts_with("managedTerminationProtection:")
                && e.contains("NewInstancesProtectedFromScaleIn"),
            "{e}"
        );
        let mut f = form();
        f.capacity_provider.as_mut().unwrap().managed_scaling = false;
        assert!(err(f).contains("managedTerminationProtection"));
        let mut f = form();
        f.zones = vec!["subnet-zz".to_string()];
        assert!(err(f).contains("VPCZoneIdentifier: subnet subnet-zz"));
        let mut f = form();
        f.zones = vec!["subnet-a".to_string(), "us-east-1a".to_string()];
        assert!(err(f).starts_with("VPCZoneIdentifier:"));
        let mut f = form();
        f.capacity_provider.as_mut().unwrap().name = "ecs-cp".to_string();
        assert!(err(f).contains(".name: a capacity provider name cannot start"));
        let mut f = form();
        f.name = "bad name".to_string();
        assert!(err(f).starts_with("AutoScalingGroupName:"));
        // Names are unique.
        let once = add_auto_scaling_group(&doc(), &form()).unwrap();
        let e = add_auto_scaling_group(&once, &form()).unwrap_err();
        assert!(
            e.starts_with("AutoScalingGroupName:") && e.contains("already exists"),
            "{e}"
        );
        let mut f = form();
        f.name = "asg2".to_string();
        let e = add_auto_scaling_group(&once, &f).unwrap_err();
        assert!(e.starts_with("capacityProviders.name:"), "{e}");
        // G21: a default strategy mixing FARGATE and an Auto Scaling group provider.
        let mut fargate = doc();
        fargate["clusters"] = json!([{"clusterName": "demo", "capacityProviders": ["FARGATE"],
            "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]}]);
        let mut f = form();
        f.capacity_provider.as_mut().unwrap().default_strategy = true;
        let e = add_auto_scaling_group(&fargate, &f).unwrap_err();
        assert!(e.contains("defaultCapacityProviderStrategy"), "{e}");
        // UpdateAutoScalingGroup.
        let at = SimTime(0);
        let sizes = |min, desired, max| GroupCapacity { min, desired, max };
        let e = set_group_capacity(&once, "nope", sizes(0, 0, 0), at).unwrap_err();
        assert!(e.starts_with("AutoScalingGroupName:"), "{e}");
        let e = set_group_capacity(&once, "asg", sizes(2, 1, 5), at).unwrap_err();
        assert!(e.starts_with("DesiredCapacity:"), "{e}");
        let e = set_group_capacity(&once, "asg", sizes(3, 3, 2), at).unwrap_err();
        assert!(e.starts_with("MinSize:"), "{e}");
    }

    #[test]
    fn the_warm_pool_controls_write_a_put_warm_pool_request() {
        let mut f = form();
        f.desired = 1;
        let doc = add_auto_scaling_group(&doc(), &f).unwrap();
        let choice = WarmPoolChoice {
            min_size: 1,
            max_prepared: Some(4),
            pool_state: "Hibernated".to_string(),
        };
        let doc = put_warm_pool(&doc, "asg", &choice, SimTime(60_000)).unwrap();
        let call = &doc["putWarmPools"][0];
        assert_eq!(call["at"], json!(60.0));
        assert_eq!(call["MaxGroupPreparedCapacity"], json!(4));
        assert_eq!(call["PoolState"], json!("Hibernated"));
        let mut sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        sim.advance_to(SimTime(600_000)).unwrap();
        // MaxGroupPreparedCapacity 4 − desired 1 = 3 warm instances.
        assert_eq!(sim.auto_scaling_groups()[0].warm().count(), 3);
        // No MaxGroupPreparedCapacity: -1, the group's MaxSize.
        let all = WarmPoolChoice {
            max_prepared: None,
            ..choice.clone()
        };
        let doc = put_warm_pool(&doc, "asg", &all, SimTime(60_000)).unwrap();
        assert_eq!(
            doc["putWarmPools"][1]["MaxGroupPreparedCapacity"],
            json!(-1)
        );
        // A Spot group is refused, naming the field.
        let mut spot = form();
        spot.name = "spot".to_string();
        spot.spot = true;
        spot.capacity_provider = None;
        let doc = add_auto_scaling_group(&doc, &spot).unwrap();
        let e = put_warm_pool(&doc, "spot", &choice, SimTime(0)).unwrap_err();
        assert!(e.contains("putWarmPools[2].AutoScalingGroupName"), "{e}");
    }

    #[test]
    fn the_refresh_form_writes_a_start_instance_refresh_request() {
        let mut f = form();
        f.desired = 2;
        f.protect_new_instances = false;
        f.capacity_provider = None;
        let doc = add_auto_scaling_group(&doc(), &f).unwrap();
        let choice = RefreshChoice {
            min_healthy: 50,
            max_healthy: 100,
            protected_instances: "Refresh".to_string(),
            instance_warmup: Some(30),
            template: None,
        };
        let at = SimTime(300_000);
        let doc = start_instance_refresh(&doc, "asg", &choice, at).unwrap();
        let call = &doc["startInstanceRefreshes"][0];
        assert_eq!(call["Preferences"]["MinHealthyPercentage"], json!(50));
        assert_eq!(
            call["Preferences"]["ScaleInProtectedInstances"],
            json!("Refresh")
        );
        assert_eq!(call["Preferences"]["InstanceWarmup"], json!(30));
        assert!(call.get("DesiredConfiguration").is_none());
        let mut sim = Simulation::new(Scenario::from_value(doc.clone()).unwrap());
        sim.advance_to(SimTime(3_600_000)).unwrap();
        let group = &sim.auto_scaling_groups()[0];
        assert_eq!(group.refreshes.len(), 1);
        assert_eq!(
            group.refreshes[0].status,
            crate::auto_scaling_group::instance_refresh::RefreshStatus::Successful
        );
        // Bad choices are refused, naming the field.
        let bad = RefreshChoice {
            max_healthy: 300,
            ..choice.clone()
        };
        let e = start_instance_refresh(&doc, "asg", &bad, at).unwrap_err();
        assert!(e.contains("Preferences.MaxHealthyPercentage"), "{e}");
        let bad = RefreshChoice {
            template: Some("nope".to_string()),
            ..choice
        };
        let e = start_instance_refresh(&doc, "asg", &bad, at).unwrap_err();
        assert!(e.contains("DesiredConfiguration.LaunchTemplate"), "{e}");
    }
}
