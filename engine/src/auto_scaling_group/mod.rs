//! EC2 Auto Scaling groups: the instances behind an Auto Scaling group capacity provider.
//!
//! EC2 Auto Scaling works on **instances**; Service Auto Scaling ([`crate::autoscaling`]) works
//! on **tasks**. A group keeps `DesiredCapacity` instances between `MinSize` and `MaxSize`,
//! launching them from a launch template (or a mixed instances policy with on-demand and Spot)
//! balanced across its Availability Zones, each registering with ECS after a launch delay
//! (boot plus agent start, [`crate::lifecycle::LifecycleOptions`]). On scale-in it picks
//! victims by its default termination policy (6.5, [ASG-TERM]) unless ECS's managed
//! termination protection keeps instances with tasks; with managed draining the victims are
//! set DRAINING first and terminated once their tasks are gone.

pub mod allocation;
mod capacity_rebalance;
pub mod instance_refresh;
pub mod launch_template;
pub mod lifecycle_hook;
mod max_instance_lifetime;
mod runtime;
pub mod scaling_policy;
pub mod warm_pool;

use serde_json::Value;

use crate::instance_types::InstanceType;
pub use launch_template::LaunchTemplate;

/// How many instances a group may hold (the scenario's instance limit applies too).
pub const MAX_GROUP_SIZE: u32 = 5_000;

/// `MixedInstancesPolicy.InstancesDistribution`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstancesDistribution {
    /// `OnDemandBaseCapacity` (default 0).
    pub on_demand_base: u32,
    /// `OnDemandPercentageAboveBaseCapacity` (default 100).
    pub on_demand_percent_above_base: u32,
    /// The allocation strategies: which override each launch uses.
    pub allocation: allocation::Allocation,
}

/// A checked CreateAutoScalingGroup request.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoScalingGroupSpec {
    /// `AutoScalingGroupName`.
    pub name: String,
    /// `MinSize`.
    pub min: u32,
    /// `MaxSize`.
    pub max: u32,
    /// `DesiredCapacity` (default `MinSize`).
    pub desired: u32,
    /// The launch template.
    pub template: LaunchTemplate,
    /// Instance types: the `Overrides` of a mixed instances policy, else the template's.
    pub instance_types: Vec<&'static InstanceType>,
    /// On-demand and Spot mix; `None` when every instance follows the template.
    pub distribution: Option<InstancesDistribution>,
    /// `(subnet, Availability Zone)` pairs from `VPCZoneIdentifier` or `AvailabilityZones`.
    pub zones: Vec<(String, String)>,
    /// `NewInstancesProtectedFromScaleIn`.
    pub new_instances_protected: bool,
    /// `TerminationPolicies`, in order (`Default` when empty).
    pub termination_policies: Vec<String>,
    /// `DefaultInstanceWarmup`, else `HealthCheckGracePeriod`, else 0: seconds before a new
    /// instance counts in an instance refresh.
    pub instance_warmup_s: u32,
    /// `MaxInstanceLifetime`, seconds (at least 86,400; 0 or absent: none).
    pub max_instance_lifetime_s: Option<u32>,
    /// `CapacityRebalance`: Spot instances that get a rebalance recommendation are replaced
    /// before they are interrupted.
    pub capacity_rebalance: bool,
    /// `LifecycleHookSpecificationList`.
    pub lifecycle_hooks: Vec<lifecycle_hook::LifecycleHook>,
}

/// What a group launches: a `LaunchTemplate`, or a `MixedInstancesPolicy` (its template, its
/// `Overrides` instance types and its on-demand/Spot distribution). CreateAutoScalingGroup and
/// an instance refresh's `DesiredConfiguration` both take this shape.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchConfiguration {
    /// The launch template.
    pub template: LaunchTemplate,
    /// Instance types: the `Overrides` of a mixed instances policy, else the template's.
    pub instance_types: Vec<&'static InstanceType>,
    /// On-demand and Spot mix; `None` when every instance follows the template.
    pub distribution: Option<InstancesDistribution>,
}

impl LaunchConfiguration {
    /// Reads `LaunchTemplate` or `MixedInstancesPolicy` of `v`; `path` names `v` in errors,
    /// `templates` are the scenario's launch templates.
    pub fn parse(
        v: &Value,
        path: &str,
        templates: &[LaunchTemplate],
    ) -> Result<LaunchConfiguration, String> {
        let find_template = |spec: &Value, at: &str| -> Result<LaunchTemplate, String> {
            let n = spec
                .get("LaunchTemplateName")
                .or_else(|| spec.get("LaunchTemplateId"))
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{at}.LaunchTemplateName: required"))?;
            templates
                .iter()
                .find(|t| t.name == n)
                .cloned()
                .ok_or_else(|| format!("{at}.LaunchTemplateName: no launch template named {n} in launchTemplates[]"))
        };
        let (template, instance_types, distribution) = match (
            v.get("LaunchTemplate"),
            v.get("MixedInstancesPolicy"),
        ) {
            (Some(lt), None) => {
                let t = find_template(lt, &format!("{path}.LaunchTemplate"))?;
                let it = t.instance_type.ok_or_else(|| {
                    format!("{path}.LaunchTemplate: the launch template {} sets no InstanceType", t.name)
                })?;
                (t, vec![it], None)
            }
            (None, Some(mip)) => {
                let mpath = format!("{path}.MixedInstancesPolicy.LaunchTemplate");
                let spec = mip
                    .pointer("/LaunchTemplate/LaunchTemplateSpecification")
                    .ok_or_else(|| format!("{mpath}.LaunchTemplateSpecification: required"))?;
                let t = find_template(spec, &format!("{mpath}.LaunchTemplateSpecification"))?;
                let mut types = Vec::new();
                if let Some(overrides) = mip.pointer("/LaunchTemplate/Overrides").and_then(Value::as_array) {
                    for (i, o) in overrides.iter().enumerate() {
                        let n = o.get("InstanceType").and_then(Value::as_str).unwrap_or_default();
                        types.push(crate::instance_types::lookup(n).ok_or_else(|| {
                            format!("{mpath}.Overrides[{i}].InstanceType: unknown instance type \"{n}\"")
                        })?);
                    }
                }
                if types.is_empty() {
                    types.push(t.instance_type.ok_or_else(|| {
                        format!("{mpath}.Overrides: required when the launch template sets no InstanceType")
                    })?);
                }
                let d = mip.get("InstancesDistribution");
                let number = |key: &str, default: u32, max: u32| -> Result<u32, String> {
                    match d.and_then(|d| d.get(key)) {
                        None | Some(Value::Null) => Ok(default),
                        Some(n) => n.as_u64().filter(|n| *n <= u64::from(max)).map(|n| n as u32).ok_or_else(|| {
                            format!("{path}.MixedInstancesPolicy.InstancesDistribution.{key}: must be a whole number from 0 to {max}")
                        }),
                    }
                };
                let distribution = InstancesDistribution {
                    on_demand_base: number("OnDemandBaseCapacity", 0, MAX_GROUP_SIZE)?,
                    on_demand_percent_above_base: number("OnDemandPercentageAboveBaseCapacity", 100, 100)?,
                    allocation: allocation::Allocation::parse(
                        d,
                        &format!("{path}.MixedInstancesPolicy.InstancesDistribution"),
                    )?,
                };
                (t, types, Some(distribution))
            }
            (Some(_), Some(_)) => {
                return Err(format!("{path}.MixedInstancesPolicy: give a LaunchTemplate or a MixedInstancesPolicy, not both"))
            }
            (None, None) => {
                return Err(format!("{path}.LaunchTemplate: required (or a MixedInstancesPolicy)"))
            }
        };
        Ok(LaunchConfiguration {
            template,
            instance_types,
            distribution,
        })
    }
}

/// `TerminationPolicies` values EC2 Auto Scaling knows. `OldestInstance` and `NewestInstance`
/// change the choice; the launch-template and billing-hour ones cannot tell the playground's
/// instances apart, and `AllocationStrategy` (terminate to keep the allocation strategy's
/// pools) is not simulated: they behave as `Default`.
pub const TERMINATION_POLICIES: &[&str] = &[
    "Default",
    "OldestInstance",
    "NewestInstance",
    "OldestLaunchTemplate",
    "OldestLaunchConfiguration",
    "ClosestToNextInstanceHour",
    "AllocationStrategy",
];

impl AutoScalingGroupSpec {
    /// Parses `autoScalingGroups[i]`. `templates` are the scenario's launch templates,
    /// `subnet_zones` the Availability Zone of every known subnet.
    pub fn parse(
        v: &Value,
        path: &str,
        templates: &[LaunchTemplate],
        subnet_zones: &std::collections::BTreeMap<String, String>,
    ) -> Result<AutoScalingGroupSpec, String> {
        let name = v
            .get("AutoScalingGroupName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{path}.AutoScalingGroupName: required"))?
            .to_string();
        let size = |key: &str| -> Result<Option<u32>, String> {
            match v.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(n) => n
                    .as_u64()
                    .filter(|n| *n <= u64::from(MAX_GROUP_SIZE))
                    .map(|n| Some(n as u32))
                    .ok_or_else(|| {
                        format!("{path}.{key}: must be a whole number from 0 to {MAX_GROUP_SIZE}")
                    }),
            }
        };
        let min = size("MinSize")?.ok_or_else(|| format!("{path}.MinSize: required"))?;
        let max = size("MaxSize")?.ok_or_else(|| format!("{path}.MaxSize: required"))?;
        if min > max {
            return Err(format!("{path}.MinSize: must not be above MaxSize ({max})"));
        }
        let desired = size("DesiredCapacity")?.unwrap_or(min);
        if desired < min || desired > max {
            return Err(format!(
                "{path}.DesiredCapacity: must be between MinSize ({min}) and MaxSize ({max})"
            ));
        }
        if v.get("LaunchConfigurationName").is_some() {
            return Err(format!("{path}.LaunchConfigurationName: launch configurations are not simulated; use a LaunchTemplate (AWS is retiring launch configurations)"));
        }
        let LaunchConfiguration {
            template,
            instance_types,
            distribution,
        } = LaunchConfiguration::parse(v, path, templates)?;
        let mut zones = Vec::new();
        if let Some(ids) = v.get("VPCZoneIdentifier").and_then(Value::as_str) {
            for subnet in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let az = subnet_zones.get(subnet).ok_or_else(|| {
                    format!("{path}.VPCZoneIdentifier: subnet {subnet} is not in subnets[]; declare it with its availabilityZone")
                })?;
                zones.push((subnet.to_string(), az.clone()));
            }
        } else {
            for az in crate::request::string_list(v.get("AvailabilityZones")) {
                zones.push((format!("subnet-{az}"), az));
            }
        }
        if zones.is_empty() {
            return Err(format!(
                "{path}.VPCZoneIdentifier: required (or AvailabilityZones)"
            ));
        }
        let termination_policies = crate::request::string_list(v.get("TerminationPolicies"));
        if let Some(bad) = termination_policies
            .iter()
            .find(|p| !TERMINATION_POLICIES.contains(&p.as_str()))
        {
            return Err(format!(
                "{path}.TerminationPolicies: \"{bad}\" is not one of {}",
                TERMINATION_POLICIES.join(", ")
            ));
        }
        let warmup = |key: &str| -> Result<Option<u32>, String> {
            match v.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(n) => n
                    .as_u64()
                    .filter(|n| *n <= 172_800)
                    .map(|n| Some(n as u32))
                    .ok_or_else(|| {
                        format!("{path}.{key}: must be a whole number of seconds from 0 to 172800")
                    }),
            }
        };
        let instance_warmup_s = match warmup("DefaultInstanceWarmup")? {
            Some(w) => w,
            None => warmup("HealthCheckGracePeriod")?.unwrap_or(0),
        };
        let max_instance_lifetime_s = match v.get("MaxInstanceLifetime") {
            None | Some(Value::Null) => None,
            Some(n) => match n.as_u64() {
                Some(0) => None,
                Some(s) if (86_400..=u64::from(u32::MAX)).contains(&s) => Some(s as u32),
                _ => {
                    return Err(format!(
                        "{path}.MaxInstanceLifetime: must be 0 (none) or at least 86400 seconds (one day)"
                    ))
                }
            },
        };
        Ok(AutoScalingGroupSpec {
            termination_policies,
            instance_warmup_s,
            max_instance_lifetime_s,
            name,
            min,
            max,
            desired,
            template,
            instance_types,
            distribution,
            zones,
            new_instances_protected: v
                .get("NewInstancesProtectedFromScaleIn")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            capacity_rebalance: v
                .get("CapacityRebalance")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            lifecycle_hooks: lifecycle_hook::LifecycleHook::parse_list(
                v.get("LifecycleHookSpecificationList"),
                &format!("{path}.LifecycleHookSpecificationList"),
            )?,
        })
    }

    /// Whether it may have a warm pool: not with a mixed instances policy or Spot instances
    /// (the EC2 Auto Scaling guide's warm pool limitations).
    pub fn warm_pool_allowed(&self) -> bool {
        self.distribution.is_none() && self.template.lifecycle != crate::scenario::Lifecycle::Spot
    }

    /// The smallest and largest instance types of the group, by vCPU then memory (6.4).
    pub fn smallest_and_largest(&self) -> (&'static InstanceType, &'static InstanceType) {
        let key = |t: &&&'static InstanceType| (t.vcpu, t.memory_mib);
        let smallest = self.instance_types.iter().min_by_key(key).copied();
        let largest = self.instance_types.iter().max_by_key(key).copied();
        (
            smallest.unwrap_or(self.instance_types[0]),
            largest.unwrap_or(self.instance_types[0]),
        )
    }
}

/// Where an instance of a group is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupInstanceState {
    /// Booting, or starting from the warm pool; not yet in service.
    Pending,
    /// Registered and running.
    InService,
    /// Chosen for termination; DRAINING until its tasks are gone (managed draining).
    Terminating,
    /// Gone.
    Terminated,
    /// Launched into the warm pool and warming up (`Warmed:Pending`).
    WarmedPending,
    /// In the warm pool, ready (`Warmed:Stopped`, `Warmed:Running` or `Warmed:Hibernated`).
    Warmed,
}

/// One instance of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInstance {
    /// EC2 instance id.
    pub id: String,
    /// Index of its launch spec in the simulation's instance specs.
    pub spec: usize,
    /// Its container instance, once registered.
    pub slot: Option<crate::cluster::InstanceSlot>,
    /// Its Availability Zone.
    pub availability_zone: String,
    /// On-demand or Spot.
    pub lifecycle: crate::scenario::Lifecycle,
    /// Its type.
    pub instance_type: &'static InstanceType,
    /// When it was launched.
    pub launched_at: crate::time::SimTime,
    /// When it came into service (registered with ECS).
    pub in_service_at: Option<crate::time::SimTime>,
    /// The launch template it was launched from (`LaunchTemplateName`).
    pub template: String,
    /// Where it is in its life.
    pub state: GroupInstanceState,
    /// EC2 sent it a rebalance recommendation (a Spot instance at elevated risk of
    /// interruption).
    pub rebalance_recommended: bool,
    /// The lifecycle hooks holding it in `Pending:Wait` or `Terminating:Wait`, each until its
    /// action completes or times out; empty when none holds it.
    pub hooks: Vec<lifecycle_hook::HookWait>,
}

impl GroupInstance {
    /// Whether lifecycle hooks hold it (`:Wait`).
    pub fn held(&self) -> bool {
        !self.hooks.is_empty()
    }

    /// Ends every hook's wait (the instance left the transition they held).
    pub(crate) fn release_hooks(&mut self) {
        self.hooks.clear();
    }
}

/// A running Auto Scaling group.
#[derive(Debug, Clone)]
pub struct AutoScalingGroup {
    /// What the scenario asked for.
    pub spec: AutoScalingGroupSpec,
    /// `DesiredCapacity` now.
    pub desired: u32,
    /// Every instance it ever launched.
    pub instances: Vec<GroupInstance>,
    /// Its capacity provider, if any.
    pub provider: Option<usize>,
    /// Consecutive minutes the capacity provider's low alarm has been breaching.
    pub low_minutes: u32,
    /// Scaling activities, oldest first (`Description`, `Cause`).
    pub activities: Vec<GroupActivity>,
    /// Its instance refreshes, oldest first; at most the last is in progress.
    pub refreshes: Vec<instance_refresh::InstanceRefresh>,
    /// Its warm pool, once PutWarmPool set one.
    pub warm_pool: Option<warm_pool::WarmPool>,
}

/// An EC2 Auto Scaling activity, as DescribeScalingActivities shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupActivity {
    /// When.
    pub at: crate::time::SimTime,
    /// `Description`, e.g. `Launching a new EC2 instance: i-0abc`.
    pub description: String,
    /// `Cause`.
    pub cause: String,
}

impl AutoScalingGroup {
    /// Instances that count toward the group's capacity: pending or in service.
    pub fn live(&self) -> impl Iterator<Item = &GroupInstance> {
        self.instances.iter().filter(|i| {
            matches!(
                i.state,
                GroupInstanceState::Pending | GroupInstanceState::InService
            )
        })
    }

    /// How many instances count toward the group's capacity.
    pub fn live_count(&self) -> u32 {
        self.live().count() as u32
    }

    /// An instance's `LifecycleState` as DescribeAutoScalingGroups or DescribeWarmPool
    /// spell it.
    pub fn lifecycle_state(&self, instance: &GroupInstance) -> &'static str {
        let pool = self
            .warm_pool
            .as_ref()
            .map_or(warm_pool::PoolState::Stopped, |p| p.pool_state);
        match instance.state {
            GroupInstanceState::Pending if instance.held() => "Pending:Wait",
            GroupInstanceState::Pending => "Pending",
            GroupInstanceState::InService => "InService",
            GroupInstanceState::Terminating if instance.held() => "Terminating:Wait",
            GroupInstanceState::Terminating => "Terminating",
            GroupInstanceState::Terminated => "Terminated",
            GroupInstanceState::WarmedPending => "Warmed:Pending",
            GroupInstanceState::Warmed => match pool {
                warm_pool::PoolState::Stopped => "Warmed:Stopped",
                warm_pool::PoolState::Running => "Warmed:Running",
                warm_pool::PoolState::Hibernated => "Warmed:Hibernated",
            },
        }
    }

    /// Instances in the warm pool, warming up or ready.
    pub fn warm(&self) -> impl Iterator<Item = &GroupInstance> {
        self.instances.iter().filter(|i| i.is_warm())
    }
}

impl GroupInstance {
    /// Whether it is in the warm pool (warming up or ready).
    pub fn is_warm(&self) -> bool {
        matches!(
            self.state,
            GroupInstanceState::WarmedPending | GroupInstanceState::Warmed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn templates() -> Vec<LaunchTemplate> {
        vec![LaunchTemplate::parse(
            &json!({"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "t3.small"}}),
            "launchTemplates[0]",
        )
        .unwrap()]
    }

    #[test]
    fn groups_parse_and_errors_name_the_field() {
        let zones = [("subnet-a".to_string(), "us-east-1a".to_string())]
            .into_iter()
            .collect();
        let g = AutoScalingGroupSpec::parse(
            &json!({"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 10, "LaunchTemplate": {"LaunchTemplateName": "ecs", "Version": "$Latest"}, "VPCZoneIdentifier": "subnet-a"}),
            "autoScalingGroups[0]",
            &templates(),
            &zones,
        )
        .unwrap();
        assert_eq!((g.min, g.max, g.desired), (0, 10, 0));
        assert_eq!(
            g.zones,
            vec![("subnet-a".to_string(), "us-east-1a".to_string())]
        );
        let e = AutoScalingGroupSpec::parse(
            &json!({"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 10, "LaunchTemplate": {"LaunchTemplateName": "ecs"}, "VPCZoneIdentifier": "subnet-zz"}),
            "autoScalingGroups[0]",
            &templates(),
            &zones,
        )
        .unwrap_err();
        assert!(
            e.starts_with("autoScalingGroups[0].VPCZoneIdentifier: subnet subnet-zz"),
            "{e}"
        );
        let e = AutoScalingGroupSpec::parse(
            &json!({"AutoScalingGroupName": "asg", "MinSize": 3, "MaxSize": 2, "LaunchTemplate": {"LaunchTemplateName": "ecs"}, "AvailabilityZones": ["us-east-1a"]}),
            "autoScalingGroups[0]",
            &templates(),
            &zones,
        )
        .unwrap_err();
        assert!(e.starts_with("autoScalingGroups[0].MinSize"), "{e}");
    }
}
