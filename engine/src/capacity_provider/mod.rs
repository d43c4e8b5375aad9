//! Capacity providers (section 6): where a task's capacity comes from.
//!
//! Two kinds exist: the reserved `FARGATE` and `FARGATE_SPOT` providers (6.3), always present
//! and only needing association with a cluster, and Auto Scaling group providers
//! (CreateCapacityProvider with `autoScalingGroupProvider`, 6.4) whose managed scaling sizes
//! the group from the `CapacityProviderReservation` metric ([`managed_scaling`]).
//!
//! A service (or RunTask) names either a `launchType` or a `capacityProviderStrategy`, never
//! both; with neither, the cluster's `defaultCapacityProviderStrategy` (CreateCluster) applies,
//! and without one the task falls back to the EC2 launch type ([unconfirmed], 6.1).
//! [`strategy`] decides which provider each task goes to; tasks an Auto Scaling group
//! provider cannot place yet wait in PROVISIONING for capacity.

pub mod infrastructure_optimization;
pub mod managed_instances;
pub mod managed_scaling;
pub mod provisioning;
pub mod strategy;

use serde_json::Value;

use crate::json_shape::{At, FromJson, Members, ShapeError, Spelled};

pub use strategy::{CapacityProviderStrategy, StrategyItem};

/// Index of the reserved `FARGATE` provider in [`CapacityProviders::providers`].
pub const FARGATE: usize = 0;
/// Index of the reserved `FARGATE_SPOT` provider.
pub const FARGATE_SPOT: usize = 1;

/// Capacity providers per cluster (4.9).
pub const MAX_PROVIDERS_PER_CLUSTER: usize = 20;

/// `managedScaling` of an Auto Scaling group provider (6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedScaling {
    /// `targetCapacity`, 1 to 100 (default 100).
    pub target_capacity: u32,
    /// `minimumScalingStepSize`, 1 to 10000 (default 1).
    pub min_step: u32,
    /// `maximumScalingStepSize`, 1 to 10000 (default 10000).
    pub max_step: u32,
    /// `instanceWarmupPeriod` in milliseconds (default 300 s).
    pub warmup_ms: u64,
}

/// What kind of capacity a provider gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKind {
    /// `FARGATE`.
    Fargate,
    /// `FARGATE_SPOT`: interruptible, never falls back to `FARGATE` (6.3).
    FargateSpot,
    /// An Auto Scaling group provider.
    AutoScalingGroup {
        /// Index of the group in the scenario's `autoScalingGroups[]`.
        group: usize,
        /// Managed scaling, when `ENABLED`.
        managed_scaling: Option<ManagedScaling>,
        /// `managedTerminationProtection` `ENABLED` (6.5).
        termination_protection: bool,
        /// `managedDraining` `ENABLED` (on unless disabled, 6.5).
        managed_draining: bool,
    },
    /// An Amazon ECS Managed Instances provider ([`managed_instances`]).
    ManagedInstances(Box<managed_instances::ManagedInstancesProvider>),
}

/// One capacity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProvider {
    /// Its name.
    pub name: String,
    /// What it gives.
    pub kind: ProviderKind,
}

impl CapacityProvider {
    /// Its ARN, `arn:aws:ecs:…:capacity-provider/<name>`.
    pub fn arn(&self) -> String {
        format!(
            "{}:capacity-provider/{}",
            crate::revisions::ARN_PREFIX,
            self.name
        )
    }

    /// Whether it is `FARGATE` or `FARGATE_SPOT`.
    pub fn is_fargate(&self) -> bool {
        matches!(self.kind, ProviderKind::Fargate | ProviderKind::FargateSpot)
    }
}

/// A cluster's capacity settings (CreateCluster or PutClusterCapacityProviders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSettings {
    /// `clusterName`.
    pub name: String,
    /// Indexes of the associated providers.
    pub providers: Vec<usize>,
    /// `defaultCapacityProviderStrategy`, when set.
    pub default_strategy: Option<CapacityProviderStrategy>,
}

/// Every provider and cluster setting of a scenario, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProviders {
    /// `FARGATE`, `FARGATE_SPOT`, then `capacityProviders[]` in order.
    pub providers: Vec<CapacityProvider>,
    /// `clusters[]`, and the clusters of Managed Instances providers.
    pub clusters: Vec<ClusterSettings>,
    /// Whether the scenario declares its clusters (`clusters[]` is not empty): then a call
    /// naming another cluster fails ([`Self::check_cluster`]).
    pub clusters_declared: bool,
    /// How strategies resolved here break ties (`options.capacity.weightTies`).
    pub weight_ties: WeightTies,
    /// What a request with no launch type gets without a default strategy
    /// (`options.capacity.withoutStrategy`).
    pub without_strategy: WithoutStrategy,
}

impl Default for CapacityProviders {
    fn default() -> Self {
        CapacityProviders {
            providers: vec![
                CapacityProvider {
                    name: "FARGATE".to_string(),
                    kind: ProviderKind::Fargate,
                },
                CapacityProvider {
                    name: "FARGATE_SPOT".to_string(),
                    kind: ProviderKind::FargateSpot,
                },
            ],
            clusters: Vec::new(),
            clusters_declared: false,
            weight_ties: WeightTies::default(),
            without_strategy: WithoutStrategy::default(),
        }
    }
}

/// A strategy whose items are resolved to provider indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedStrategy {
    /// The strategy as given.
    pub strategy: CapacityProviderStrategy,
    /// The provider of each item (parallel to `strategy.items`).
    pub providers: Vec<usize>,
    /// True when it stands for `launchType: FARGATE` rather than a strategy.
    pub from_launch_type: bool,
}

impl CapacityProviders {
    /// Parses `capacityProviders[]` (CreateCapacityProvider requests) and `clusters[]`
    /// (CreateCluster requests). `group_index` finds an Auto Scaling group by name or ARN.
    pub fn parse(
        providers: &[Value],
        clusters: &[Value],
        group_index: &dyn Fn(&str) -> Option<usize>,
        zone_of: &dyn Fn(&str) -> Option<String>,
    ) -> Result<CapacityProviders, String> {
        let mut out = CapacityProviders {
            clusters_declared: !clusters.is_empty(),
            ..CapacityProviders::default()
        };
        for (i, v) in providers.iter().enumerate() {
            let path = format!("capacityProviders[{i}]");
            let managed = v.get("managedInstancesProvider").filter(|m| !m.is_null());
            if managed.is_some_and(|m| !m.is_object()) {
                return Err(format!("{path}.managedInstancesProvider: must be an object (CreateManagedInstancesProviderConfiguration)"));
            }
            let p = if managed.is_some() {
                check_provider_name(v, &path).and_then(|name| {
                    Ok(CapacityProvider {
                        name,
                        kind: ProviderKind::ManagedInstances(Box::new(managed_instances::parse(
                            v, &path, zone_of,
                        )?)),
                    })
                })?
            } else {
                parse_provider(v, &path, group_index)?
            };
            if out.providers.iter().any(|o| o.name == p.name) {
                return Err(format!(
                    "capacityProviders[{i}].name: a capacity provider named {} already exists",
                    p.name
                ));
            }
            if let ProviderKind::AutoScalingGroup { group, .. } = p.kind {
                if out.providers.iter().any(|o| {
                    matches!(o.kind, ProviderKind::AutoScalingGroup { group: g, .. } if g == group)
                }) {
                    return Err(format!("capacityProviders[{i}].autoScalingGroupProvider.autoScalingGroupArn: the Auto Scaling group already belongs to another capacity provider"));
                }
            }
            out.providers.push(p);
        }
        for (i, v) in clusters.iter().enumerate() {
            let path = format!("clusters[{i}]");
            let name = v
                .get("clusterName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
                .to_string();
            if out.clusters.iter().any(|c| c.name == name) {
                return Err(format!(
                    "{path}.clusterName: cluster {name} is listed twice"
                ));
            }
            let mut associated = Vec::new();
            let names = crate::request::string_list(v.get("capacityProviders"));
            if names.len() > MAX_PROVIDERS_PER_CLUSTER {
                return Err(format!(
                    "{path}.capacityProviders: at most {MAX_PROVIDERS_PER_CLUSTER} per cluster"
                ));
            }
            for (j, n) in names.iter().enumerate() {
                let p = out.find(n).ok_or_else(|| {
                    format!("{path}.capacityProviders[{j}]: no capacity provider named {n}; create it in capacityProviders[] (FARGATE and FARGATE_SPOT always exist)")
                })?;
                if let Some(m) = out.providers[p].managed_instances() {
                    if m.cluster != name {
                        return Err(format!("{path}.capacityProviders[{j}]: {n} is a Managed Instances capacity provider of cluster {}; it is available only within that cluster", m.cluster));
                    }
                }
                if out.clusters.iter().any(|c| {
                    c.providers.contains(&p) && out.providers[p].managed_scaling().is_some()
                }) {
                    return Err(format!("{path}.capacityProviders[{j}]: {n} has managed scaling and already belongs to another cluster (6.1)"));
                }
                associated.push(p);
            }
            let default_strategy = match v.get("defaultCapacityProviderStrategy") {
                None | Some(Value::Null) => None,
                Some(Value::Array(a)) if a.is_empty() => None,
                Some(s) => Some(CapacityProviderStrategy::parse(
                    s,
                    &format!("{path}.defaultCapacityProviderStrategy"),
                )?),
            };
            let settings = ClusterSettings {
                name,
                providers: associated,
                default_strategy,
            };
            if let Some(s) = &settings.default_strategy {
                out.resolve_for(
                    &settings,
                    s,
                    &format!("{path}.defaultCapacityProviderStrategy"),
                )?;
            }
            out.clusters.push(settings);
        }
        // A Managed Instances provider is available in its cluster without
        // PutClusterCapacityProviders [API-CCP].
        for p in 0..out.providers.len() {
            let Some(cluster) = out.providers[p]
                .managed_instances()
                .map(|m| m.cluster.clone())
            else {
                continue;
            };
            match out.clusters.iter_mut().find(|c| c.name == cluster) {
                Some(c) if !c.providers.contains(&p) => c.providers.push(p),
                Some(_) => {}
                None => out.clusters.push(ClusterSettings {
                    name: cluster,
                    providers: vec![p],
                    default_strategy: None,
                }),
            }
        }
        Ok(out)
    }

    /// The index of a provider by name (or ARN ending in `capacity-provider/<name>`).
    pub fn find(&self, name: &str) -> Option<usize> {
        let name = name
            .rsplit_once("capacity-provider/")
            .map_or(name, |(_, n)| n);
        self.providers.iter().position(|p| p.name == name)
    }

    /// The settings of a cluster, if the scenario has a `clusters[]` entry for it.
    pub fn cluster(&self, name: &str) -> Option<&ClusterSettings> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// Whether cluster `name` exists, as an API call naming it finds it: ECS answers
    /// `ClusterNotFoundException: Cluster not found.` otherwise [API-ECS]. A scenario without
    /// `clusters[]` stands for clusters created outside it, so every name exists (the
    /// playground's choice); one with `clusters[]` has those, the clusters of its Managed
    /// Instances providers, and `default`: "each account receives a default cluster the
    /// first time you use the Amazon ECS service" [API-ECS, Cluster].
    pub fn check_cluster(&self, name: &str) -> Result<(), String> {
        if !self.clusters_declared || name == "default" || self.cluster(name).is_some() {
            return Ok(());
        }
        // `default` is named first, once, whether or not clusters[] lists it.
        let declared: Vec<&str> = self
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .filter(|c| *c != "default")
            .collect();
        let there = match declared.as_slice() {
            [] => "the scenario's only cluster is default".to_string(),
            _ => format!(
                "the scenario's clusters are default and {}",
                declared.join(", ")
            ),
        };
        Err(format!(
            "ClusterNotFoundException: Cluster not found. (no cluster {name}; {there})"
        ))
    }

    fn resolve_for(
        &self,
        cluster: &ClusterSettings,
        strategy: &CapacityProviderStrategy,
        path: &str,
    ) -> Result<ResolvedStrategy, String> {
        let mut providers = Vec::new();
        for (i, item) in strategy.items.iter().enumerate() {
            let p = self.find(&item.provider).ok_or_else(|| {
                format!(
                    "{path}[{i}].capacityProvider: no capacity provider named {}",
                    item.provider
                )
            })?;
            if !cluster.providers.contains(&p) {
                return Err(format!(
                    "{path}[{i}].capacityProvider: {} is not associated with cluster {}; list it in clusters[].capacityProviders (PutClusterCapacityProviders)",
                    item.provider, cluster.name
                ));
            }
            providers.push(p);
        }
        let managed = |p: &usize| self.providers[*p].managed_instances().is_some();
        if providers.iter().any(managed) && !providers.iter().all(managed) {
            return Err(format!("{path}: A capacity provider strategy can only contain one capacity provider type from the following list: Amazon ECS Managed Instances, Auto Scaling group, Fargate/Fargate_SPOT"));
        }
        Ok(ResolvedStrategy {
            strategy: CapacityProviderStrategy {
                ties: self.weight_ties,
                ..strategy.clone()
            },
            providers,
            from_launch_type: false,
        })
    }

    /// Whether tasks with this capacity run on Fargate: a strategy of Fargate providers only
    /// (`launchType: FARGATE` included). `None`, the EC2 launch type, is not.
    pub fn runs_on_fargate(&self, capacity: Option<&ResolvedStrategy>) -> bool {
        capacity.is_some_and(|c| c.providers.iter().all(|&p| self.providers[p].is_fargate()))
    }

    /// Whether tasks with this capacity run on Amazon ECS Managed Instances.
    pub fn runs_on_managed_instances(&self, capacity: Option<&ResolvedStrategy>) -> bool {
        capacity.is_some_and(|c| {
            c.providers
                .iter()
                .any(|&p| self.providers[p].managed_instances().is_some())
        })
    }

    /// Which capacity a CreateService or RunTask request uses (6.1, G21): `Ok(None)` for the
    /// EC2 launch type, else the resolved strategy (`launchType: FARGATE` resolves to the
    /// `FARGATE` provider).
    pub fn for_request(
        &self,
        raw: &Value,
        cluster: &str,
    ) -> Result<Option<ResolvedStrategy>, String> {
        let launch_type = raw
            .get("launchType")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let strategy = raw
            .get("capacityProviderStrategy")
            .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()));
        match (launch_type, strategy) {
            (Some(_), Some(_)) => Err("capacityProviderStrategy: Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.".to_string()),
            (Some("EC2"), None) => Ok(None),
            (Some("FARGATE"), None) => Ok(Some(ResolvedStrategy {
                strategy: CapacityProviderStrategy {
                    items: vec![StrategyItem {
                        provider: "FARGATE".to_string(),
                        weight: 1,
                        base: 0,
                    }],
                    ties: self.weight_ties,
                },
                providers: vec![FARGATE],
                from_launch_type: true,
            })),
            // EXTERNAL places on ECS Anywhere instances, outside capacity providers.
            (Some("EXTERNAL"), None) => Ok(None),
            (Some("MANAGED_INSTANCES"), None) => Err("launchType: If you want to use Amazon ECS Managed Instances, you must use the capacityProviderStrategy request parameter and omit the launchType request parameter.".to_string()),
            (Some(other), None) => Err(format!("launchType: \"{other}\" is not EC2, FARGATE or EXTERNAL")),
            (None, Some(s)) => {
                let strategy = CapacityProviderStrategy::parse(s, "capacityProviderStrategy")?;
                let settings = self.cluster(cluster).cloned().unwrap_or(ClusterSettings {
                    name: cluster.to_string(),
                    providers: Vec::new(),
                    default_strategy: None,
                });
                self.resolve_for(&settings, &strategy, "capacityProviderStrategy")
                    .map(Some)
            }
            (None, None) => match self.cluster(cluster) {
                Some(settings) => match &settings.default_strategy {
                    Some(s) => self
                        .resolve_for(settings, s, "defaultCapacityProviderStrategy")
                        .map(Some),
                    None => self.without_strategy(cluster),
                },
                None => self.without_strategy(cluster),
            },
        }
    }
}

impl CapacityProviders {
    /// A request with neither a launch type nor a strategy, in a cluster without a default
    /// strategy: the EC2 launch type, or refused (`options.capacity.withoutStrategy`).
    fn without_strategy(&self, cluster: &str) -> Result<Option<ResolvedStrategy>, String> {
        match self.without_strategy {
            WithoutStrategy::Ec2 => Ok(None),
            WithoutStrategy::Reject => Err(format!(
                "launchType: the request names no launch type or capacity provider strategy, and cluster {cluster} has no default capacity provider strategy (options.capacity.withoutStrategy is \"reject\")"
            )),
        }
    }
}

impl CapacityProvider {
    /// Managed scaling settings, when enabled.
    pub fn managed_scaling(&self) -> Option<ManagedScaling> {
        match self.kind {
            ProviderKind::AutoScalingGroup {
                managed_scaling, ..
            } => managed_scaling,
            _ => None,
        }
    }

    /// Its Managed Instances settings, when it is a Managed Instances provider.
    pub fn managed_instances(&self) -> Option<&managed_instances::ManagedInstancesProvider> {
        match &self.kind {
            ProviderKind::ManagedInstances(m) => Some(m),
            _ => None,
        }
    }

    /// The Auto Scaling group behind it.
    pub fn group(&self) -> Option<usize> {
        match self.kind {
            ProviderKind::AutoScalingGroup { group, .. } => Some(group),
            _ => None,
        }
    }
}

/// A CreateCapacityProvider request's `name`, checked.
fn check_provider_name(v: &Value, path: &str) -> Result<String, String> {
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{path}.name: required"))?
        .to_string();
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ecs") || lower.starts_with("fargate") {
        return Err(format!(
            "{path}.name: a capacity provider name cannot start with \"aws\", \"ecs\" or \"fargate\""
        ));
    }
    Ok(name)
}

fn parse_provider(
    v: &Value,
    path: &str,
    group_index: &dyn Fn(&str) -> Option<usize>,
) -> Result<CapacityProvider, String> {
    let name = check_provider_name(v, path)?;
    let asg = v
        .get("autoScalingGroupProvider")
        .filter(|a| a.is_object())
        .ok_or_else(|| format!("{path}.autoScalingGroupProvider: required"))?;
    let apath = format!("{path}.autoScalingGroupProvider");
    let arn = asg
        .get("autoScalingGroupArn")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{apath}.autoScalingGroupArn: required"))?;
    let group_name = arn
        .rsplit_once("autoScalingGroupName/")
        .map_or(arn, |(_, n)| n);
    let group = group_index(group_name).ok_or_else(|| {
        format!("{apath}.autoScalingGroupArn: no Auto Scaling group named {group_name} in autoScalingGroups[]")
    })?;
    let enabled = |key: &str, default: bool| -> Result<bool, String> {
        match asg.get(key).and_then(Value::as_str) {
            None => Ok(default),
            Some("ENABLED") => Ok(true),
            Some("DISABLED") => Ok(false),
            Some(other) => Err(format!(
                "{apath}.{key}: \"{other}\" is not ENABLED or DISABLED"
            )),
        }
    };
    let ms = asg.get("managedScaling");
    let managed_scaling = match ms {
        None => None,
        Some(ms) => {
            let mpath = format!("{apath}.managedScaling");
            let status = ms
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("DISABLED");
            let number = |key: &str, lo: u64, hi: u64, default: u64| -> Result<u64, String> {
                match ms.get(key) {
                    None | Some(Value::Null) => Ok(default),
                    Some(n) => n.as_u64().filter(|n| (lo..=hi).contains(n)).ok_or_else(|| {
                        format!("{mpath}.{key}: must be a whole number from {lo} to {hi}")
                    }),
                }
            };
            let m = ManagedScaling {
                target_capacity: number("targetCapacity", 1, 100, 100)? as u32,
                min_step: number("minimumScalingStepSize", 1, 10_000, 1)? as u32,
                max_step: number("maximumScalingStepSize", 1, 10_000, 10_000)? as u32,
                warmup_ms: number("instanceWarmupPeriod", 0, 10_000, 300)? * 1000,
            };
            if m.min_step > m.max_step {
                return Err(format!(
                    "{mpath}.minimumScalingStepSize: must not be above maximumScalingStepSize"
                ));
            }
            match status {
                "ENABLED" => Some(m),
                "DISABLED" => None,
                other => {
                    return Err(format!(
                        "{mpath}.status: \"{other}\" is not ENABLED or DISABLED"
                    ))
                }
            }
        }
    };
    let termination_protection = enabled("managedTerminationProtection", false)?;
    if termination_protection && managed_scaling.is_none() {
        return Err(format!("{apath}.managedTerminationProtection: The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the capacity provider must have managed scaling enabled."));
    }
    Ok(CapacityProvider {
        name,
        kind: ProviderKind::AutoScalingGroup {
            group,
            managed_scaling,
            termination_protection,
            managed_draining: enabled("managedDraining", true)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn groups(name: &str) -> Option<usize> {
        (name == "asg-a").then_some(0)
    }

    #[test]
    fn g21_launch_type_and_strategy_together_are_rejected() {
        let cps = CapacityProviders::default();
        let e = cps
            .for_request(&json!({"launchType": "FARGATE", "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]}), "default")
            .unwrap_err();
        assert!(
            e.starts_with("capacityProviderStrategy: Specifying both"),
            "{e}"
        );
    }

    #[test]
    fn a_strategy_needs_providers_associated_with_the_cluster() {
        let cps = CapacityProviders::parse(
            &[],
            &[json!({"clusterName": "prod", "capacityProviders": ["FARGATE"]})],
            &groups,
            &|_| None,
        )
        .unwrap();
        let e = cps
            .for_request(&json!({"capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}), "prod")
            .unwrap_err();
        assert!(e.contains("not associated with cluster prod"), "{e}");
        let ok = cps
            .for_request(&json!({"capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]}), "prod")
            .unwrap()
            .unwrap();
        assert_eq!(ok.providers, vec![FARGATE]);
    }

    #[test]
    fn the_cluster_default_strategy_applies_when_a_request_names_neither() {
        let cps = CapacityProviders::parse(
            &[json!({"name": "cp-a", "autoScalingGroupProvider": {"autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/asg-a", "managedScaling": {"status": "ENABLED", "targetCapacity": 90}}})],
            &[json!({"clusterName": "prod", "capacityProviders": ["cp-a"], "defaultCapacityProviderStrategy": [{"capacityProvider": "cp-a", "weight": 1}]})],
            &groups,
            &|_| None,
        )
        .unwrap();
        let r = cps.for_request(&json!({}), "prod").unwrap().unwrap();
        assert_eq!(r.providers, vec![2]);
        assert_eq!(
            cps.providers[2].managed_scaling().unwrap().target_capacity,
            90
        );
        assert_eq!(
            cps.providers[2].managed_scaling().unwrap().warmup_ms,
            300_000
        );
        // No default strategy: the EC2 launch type ([unconfirmed] 6.1).
        assert_eq!(cps.for_request(&json!({}), "other").unwrap(), None);
    }

    #[test]
    fn provider_errors_name_the_field() {
        let e = CapacityProviders::parse(
            &[json!({"name": "cp", "autoScalingGroupProvider": {"autoScalingGroupArn": "nope"}})],
            &[],
            &groups,
            &|_| None,
        )
        .unwrap_err();
        assert!(
            e.starts_with("capacityProviders[0].autoScalingGroupProvider.autoScalingGroupArn"),
            "{e}"
        );
        let e = CapacityProviders::parse(&[json!({"name": "cp", "autoScalingGroupProvider": {"autoScalingGroupArn": "asg-a", "managedTerminationProtection": "ENABLED"}})], &[], &groups, &|_| None).unwrap_err();
        assert!(e.contains("must have managed scaling enabled"), "{e}");
        let e = CapacityProviders::parse(&[json!({"name": "cp", "autoScalingGroupProvider": {"autoScalingGroupArn": "asg-a", "managedScaling": {"status": "ENABLED", "targetCapacity": 0}}})], &[], &groups, &|_| None).unwrap_err();
        assert!(e.contains("targetCapacity"), "{e}");
    }
}

/// How `CapacityProviderReservation` counts on scale-in (6.4 [version note]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReservationFormula {
    /// `M / N × 100` (the default; `"ratio"`).
    #[default]
    Ratio,
    /// The 2023 guide's `100 − empty instances` when nothing waits (`"emptyCount"`).
    EmptyCount,
}

impl Spelled for ReservationFormula {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("ratio", ReservationFormula::Ratio),
        ("emptyCount", ReservationFormula::EmptyCount),
    ];
}

/// How an uneven capacity-provider split breaks a tie between items equally far below their
/// weight (6.2 [unconfirmed], section 12 item 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightTies {
    /// The higher weight first, then strategy order (the behaviour reference's rule;
    /// `"higherWeight"`).
    #[default]
    HigherWeight,
    /// Strategy order only (`"strategyOrder"`).
    StrategyOrder,
}

impl Spelled for WeightTies {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("higherWeight", WeightTies::HigherWeight),
        ("strategyOrder", WeightTies::StrategyOrder),
    ];
}

/// What a service or RunTask request with neither `launchType` nor `capacityProviderStrategy`
/// gets in a cluster without a default strategy (6.1 [unconfirmed], section 12 item 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WithoutStrategy {
    /// The EC2 launch type, the historical behaviour (`"EC2"`).
    #[default]
    Ec2,
    /// The request is refused (`"reject"`).
    Reject,
}

impl Spelled for WithoutStrategy {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("EC2", WithoutStrategy::Ec2),
        ("reject", WithoutStrategy::Reject),
    ];
}

/// How managed scaling lowers an Auto Scaling group once its low alarm fires (6.4: "step by
/// step", "more than one instance and less than 50 %" [unconfirmed], section 12 item 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScaleInStep {
    /// To the goal `ceil(M × 100 / targetCapacity)` in one step (`"toGoal"`).
    #[default]
    ToGoal,
    /// Each minute at most `max(1, (desired − 1) / 2)` instances, fewer than half the group,
    /// until the goal (`"halfPerMinute"`).
    HalfPerMinute,
}

impl Spelled for ScaleInStep {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("toGoal", ScaleInStep::ToGoal),
        ("halfPerMinute", ScaleInStep::HalfPerMinute),
    ];
}

/// What managed scaling launches when the group has no instance and tasks wait (6.4: "scales
/// out to 200 %, i.e. two instances", worded ambiguously [unconfirmed], section 12 item 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScaleFromZero {
    /// The binpack estimate of the instances the waiting tasks need (`"estimate"`).
    #[default]
    Estimate,
    /// Two instances, then the estimate once they run (`"twoInstances"`).
    TwoInstances,
}

impl Spelled for ScaleFromZero {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("estimate", ScaleFromZero::Estimate),
        ("twoInstances", ScaleFromZero::TwoInstances),
    ];
}

/// The commonly quoted value of the quota "Tasks in the PROVISIONING state per cluster" (4.9:
/// the quota exists, its value is [unconfirmed]).
pub const DEFAULT_PROVISIONING_QUOTA: u32 = 500;

/// Capacity timings and switches AWS does not publish, settable per scenario
/// (`options.capacity`). Every default is [unconfirmed].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapacityOptions {
    /// From an Auto Scaling group's launch to the agent registering: boot plus agent start,
    /// seconds (default 90).
    pub instance_launch_seconds: f64,
    /// Fargate's PROVISIONING (capacity and ENI), seconds (default 20).
    pub fargate_provisioning_seconds: f64,
    /// A `Warmed:Stopped` instance leaving the warm pool: start plus agent registration,
    /// seconds (default 30).
    pub warm_pool_start_seconds: f64,
    /// A `Warmed:Hibernated` instance leaving the warm pool: resume plus agent registration,
    /// seconds (default 20).
    pub warm_pool_resume_seconds: f64,
    /// Without `ECS_WARM_POOLS_CHECK`, how long a warm pool instance's registered agent takes
    /// tasks before the instance stops in the pool, seconds (default 30).
    pub warm_pool_settle_seconds: f64,
    /// Fargate task launches per second after the burst (default 20, 1.4).
    pub fargate_launch_rate: u32,
    /// Fargate task launches in a burst (default 100).
    pub fargate_launch_burst: u32,
    /// `stopCode` on the STOPPED record of an interrupted Fargate Spot task:
    /// `SpotInterruption` (default) or `TerminationNotice` (7.2).
    pub fargate_spot_stop_code: FargateSpotStopCode,
    /// How the reservation metric counts when nothing waits for capacity.
    pub reservation_formula: ReservationFormula,
    /// Ties in an uneven capacity-provider split (`weightTies`).
    pub weight_ties: WeightTies,
    /// A request with no launch type in a cluster with no default strategy
    /// (`withoutStrategy`).
    pub without_strategy: WithoutStrategy,
    /// Most tasks (service and RunTask) that may wait in PROVISIONING for an instance provider,
    /// per cluster (`provisioningTasksPerCluster`, default 500, 4.9).
    pub provisioning_quota: u32,
    /// How managed scaling scales in (`scaleInStep`).
    pub scale_in_step: ScaleInStep,
    /// What managed scaling launches from no instances (`scaleFromZero`).
    pub scale_from_zero: ScaleFromZero,
    /// Which Managed Instances instances are underutilized (`underutilizedInstances`).
    pub underutilized: UnderutilizedRule,
    /// Minutes a task waits in PROVISIONING for an instance provider before it is stopped
    /// (`provisioningTimeoutMinutes`, default 30: "provisioning tasks will wait for capacity
    /// for between 10 and 30 minutes before transitioning to stopped", the AWS blog "Deep Dive
    /// on Amazon ECS Cluster Auto Scaling"; the exact value is [unconfirmed]).
    pub provisioning_timeout_minutes: u32,
}

/// See [`CapacityOptions::underutilized`] and
/// [`crate::capacity_provider::infrastructure_optimization`]: AWS publishes no threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnderutilizedRule {
    /// Its tasks fit on other instances of its zone, or a cheaper type runs them
    /// (`"consolidateOrRightSize"`).
    #[default]
    ConsolidateOrRightSize,
    /// Only when its tasks fit on other instances of its zone (`"consolidate"`).
    Consolidate,
    /// Never: only idle instances are retired (`"never"`).
    Never,
}

impl Spelled for UnderutilizedRule {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        (
            "consolidateOrRightSize",
            UnderutilizedRule::ConsolidateOrRightSize,
        ),
        ("consolidate", UnderutilizedRule::Consolidate),
        ("never", UnderutilizedRule::Never),
    ];
}

/// See [`CapacityOptions::fargate_spot_stop_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FargateSpotStopCode {
    /// `SpotInterruption`.
    #[default]
    SpotInterruption,
    /// `TerminationNotice`.
    TerminationNotice,
}

impl Spelled for FargateSpotStopCode {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("SpotInterruption", FargateSpotStopCode::SpotInterruption),
        ("TerminationNotice", FargateSpotStopCode::TerminationNotice),
    ];
}

impl FargateSpotStopCode {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FargateSpotStopCode::SpotInterruption => "SpotInterruption",
            FargateSpotStopCode::TerminationNotice => "TerminationNotice",
        }
    }
}

impl Default for CapacityOptions {
    fn default() -> Self {
        CapacityOptions {
            instance_launch_seconds: 90.0,
            fargate_provisioning_seconds: 20.0,
            warm_pool_start_seconds: 30.0,
            warm_pool_resume_seconds: 20.0,
            warm_pool_settle_seconds: 30.0,
            fargate_launch_rate: 20,
            fargate_launch_burst: 100,
            fargate_spot_stop_code: FargateSpotStopCode::default(),
            reservation_formula: ReservationFormula::default(),
            weight_ties: WeightTies::default(),
            without_strategy: WithoutStrategy::default(),
            provisioning_quota: DEFAULT_PROVISIONING_QUOTA,
            scale_in_step: ScaleInStep::default(),
            scale_from_zero: ScaleFromZero::default(),
            underutilized: UnderutilizedRule::default(),
            provisioning_timeout_minutes: 30,
        }
    }
}

impl FromJson for CapacityOptions {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct CapacityOptions")?;
        m.deny_unknown(&[
            "instanceLaunchSeconds",
            "fargateProvisioningSeconds",
            "warmPoolStartSeconds",
            "warmPoolResumeSeconds",
            "warmPoolSettleSeconds",
            "fargateLaunchRate",
            "fargateLaunchBurst",
            "fargateSpotStopCode",
            "reservationFormula",
            "weightTies",
            "withoutStrategy",
            "provisioningTasksPerCluster",
            "scaleInStep",
            "scaleFromZero",
            "underutilizedInstances",
            "provisioningTimeoutMinutes",
        ]);
        let d = CapacityOptions::default();
        let built = CapacityOptions {
            instance_launch_seconds: m
                .get("instanceLaunchSeconds")
                .unwrap_or(d.instance_launch_seconds),
            fargate_provisioning_seconds: m
                .get("fargateProvisioningSeconds")
                .unwrap_or(d.fargate_provisioning_seconds),
            warm_pool_start_seconds: m
                .get("warmPoolStartSeconds")
                .unwrap_or(d.warm_pool_start_seconds),
            warm_pool_resume_seconds: m
                .get("warmPoolResumeSeconds")
                .unwrap_or(d.warm_pool_resume_seconds),
            warm_pool_settle_seconds: m
                .get("warmPoolSettleSeconds")
                .unwrap_or(d.warm_pool_settle_seconds),
            fargate_launch_rate: m.get("fargateLaunchRate").unwrap_or(d.fargate_launch_rate),
            fargate_launch_burst: m
                .get("fargateLaunchBurst")
                .unwrap_or(d.fargate_launch_burst),
            fargate_spot_stop_code: m.get("fargateSpotStopCode").unwrap_or_default(),
            reservation_formula: m.get("reservationFormula").unwrap_or_default(),
            weight_ties: m.get("weightTies").unwrap_or_default(),
            without_strategy: m.get("withoutStrategy").unwrap_or_default(),
            provisioning_quota: m
                .get("provisioningTasksPerCluster")
                .unwrap_or(d.provisioning_quota),
            scale_in_step: m.get("scaleInStep").unwrap_or_default(),
            scale_from_zero: m.get("scaleFromZero").unwrap_or_default(),
            underutilized: m.get("underutilizedInstances").unwrap_or_default(),
            provisioning_timeout_minutes: m
                .get("provisioningTimeoutMinutes")
                .unwrap_or(d.provisioning_timeout_minutes),
        };
        if !(1..=1440).contains(&built.provisioning_timeout_minutes) {
            m.refuse_member(
                "provisioningTimeoutMinutes",
                "provisioningTimeoutMinutes must be 1 to 1440".to_string(),
            );
        }
        if built.provisioning_quota == 0 {
            m.refuse_member(
                "provisioningTasksPerCluster",
                "provisioningTasksPerCluster must be at least 1".to_string(),
            );
        }
        m.finish(built)
    }
}

impl CapacityOptions {
    /// Checks the values; the error names the field.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("instanceLaunchSeconds", self.instance_launch_seconds),
            (
                "fargateProvisioningSeconds",
                self.fargate_provisioning_seconds,
            ),
            ("warmPoolStartSeconds", self.warm_pool_start_seconds),
            ("warmPoolResumeSeconds", self.warm_pool_resume_seconds),
            ("warmPoolSettleSeconds", self.warm_pool_settle_seconds),
        ] {
            if !(0.0..=86_400.0).contains(&v) {
                return Err(format!("options.capacity.{name}: must be 0 to 86400"));
            }
        }
        if self.fargate_launch_rate == 0 || self.fargate_launch_burst == 0 {
            return Err(
                "options.capacity.fargateLaunchRate: the rate and the burst must be at least 1"
                    .to_string(),
            );
        }
        Ok(())
    }

    /// The launch delay in milliseconds.
    pub fn instance_launch_ms(&self) -> u64 {
        crate::time::seconds_ms(self.instance_launch_seconds)
    }

    /// [`CapacityOptions::warm_pool_settle_seconds`] in milliseconds.
    pub fn warm_pool_settle_ms(&self) -> u64 {
        crate::time::seconds_ms(self.warm_pool_settle_seconds)
    }

    /// Fargate provisioning in milliseconds.
    pub fn fargate_provisioning_ms(&self) -> u64 {
        crate::time::seconds_ms(self.fargate_provisioning_seconds)
    }
}
