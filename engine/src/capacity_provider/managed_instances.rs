//! Amazon ECS Managed Instances: capacity providers whose EC2 instances ECS itself chooses,
//! launches, fills and terminates.
//!
//! Input, verbatim: a `capacityProviders[]` CreateCapacityProvider request with `cluster` and
//! `managedInstancesProvider` (`infrastructureRoleArn`, `instanceLaunchTemplate` with
//! `ec2InstanceProfileArn`, `networkConfiguration.subnets`, `storageConfiguration`,
//! `capacityOptionType`, `instanceRequirements`; `infrastructureOptimization.scaleInAfter`).
//! Services reach it through `capacityProviderStrategy`; task definitions say
//! `requiresCompatibilities: ["MANAGED_INSTANCES"]`.
//!
//! The rules, with their sources (the developer guide's Managed Instances pages [MI], the
//! API reference [API-CCP], [API-CS], [API-IO]):
//! - The provider belongs to its `cluster`: "it becomes available only within the specified
//!   cluster" [API-CCP]; the playground associates it with that cluster, and no other may list
//!   it.
//! - "If you want to use Amazon ECS Managed Instances, you must use the
//!   `capacityProviderStrategy` request parameter and omit the `launchType` request
//!   parameter." [API-CS]; "A capacity provider strategy can only contain one capacity provider
//!   type" [MI].
//! - "Amazon ECS Managed Instances support the `awsvpc` and `host` network modes." [MI]; "does
//!   not support task placement strategies. Amazon ECS will try its best to spread tasks across
//!   accessible Availability Zones"; constraints hold [MI]. The playground places by
//!   spread(`ecs.availability-zone`) then binpack(memory): "Availability Zone spread takes
//!   precedence over bin packing optimization" [MI].
//! - Instance types: those that meet every attribute of `instanceRequirements` (any of the
//!   values given for one) [MI], among the families Managed Instances uses, with "More than 1
//!   vCPU" and not nano or micro [MI]; without requirements "the most cost-optimized
//!   general-purpose instance types that meet the CPU and memory requirements" [MI]. The
//!   playground picks, for the tasks waiting, the type that runs them for the lowest hourly
//!   price (ties: fewer instances, then the name), and launches at least one instance per zone
//!   of the provider's subnets up to the number of tasks waiting ("distribution across at
//!   least 3 instances in different Availability Zones when possible" [MI]).
//! - Scale-in: an idle instance is deregistered and terminated after `scaleInAfter` seconds
//!   (0 to 3,600; -1 turns it off) [API-IO]. Instances running standalone tasks are not
//!   considered [MI].
//! - Billing: "you are billed for the entire Amazon EC2 instance", plus a management fee per
//!   instance-hour by instance type [MI pricing]; the one published example (c6a.2xlarge,
//!   $0.037 an hour) is 12 % of its on-demand price, which the playground applies to every type
//!   [unconfirmed].
//!
//! Where AWS is silent: the default `scaleInAfter` (60 s here; a third party measured about 70 s
//! from the last task to the instance shutting down) [unconfirmed]; how many instances ECS
//! launches at once (here: what the waiting tasks need, each instance type chosen for them).
//! A RunTask task that no instance has room for waits in PROVISIONING while ECS launches one,
//! as a service's does (`crate::run_task`).
//! - Lifetime: "a standardized 14–21 day lifecycle. Amazon ECS initiates graceful workload
//!   draining at day 14 from instance launch, with final termination occurring no later than
//!   day 21" [MI-PATCH]: the instance is DRAINING at day 14 (its service tasks are replaced
//!   elsewhere, on new instances if need be), terminated once empty, and at day 21 whatever
//!   still runs there (standalone tasks) stops.
//!
//! - Underutilized instances are drained so that their tasks move to fewer or cheaper
//!   instances: [`super::infrastructure_optimization`].
//!
//! Not simulated: draining earlier for security patches or EC2 events, Capacity Reservations (`RESERVED`),
//! Managed Daemons.
//!
//! Sources:
//! - [MI] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ManagedInstances.html>
//! - [API-CCP] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCapacityProvider.html>
//! - [API-CS] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>
//! - [API-IO] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_InfrastructureOptimization.html>
//! - [MI-PATCH] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-instances-patching.html>

use serde_json::Value;

use crate::event_log::EventKind;
use crate::instance_types::{Architecture, InstanceType, CATALOGUE};
use crate::placement::TaskNeeds;
use crate::scenario::{InstanceSpec, Lifecycle};
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

/// The management fee, as a share of the instance's price (see the module doc).
pub const MANAGEMENT_FEE: f64 = 0.12;

/// `scaleInAfter` when not given, in seconds [unconfirmed].
pub const DEFAULT_SCALE_IN_AFTER_S: u64 = 60;

/// Days from an instance's launch to its draining: "Amazon ECS initiates graceful workload
/// draining at day 14 from instance launch" [MI-PATCH].
pub const DRAIN_AFTER_DAYS: u64 = 14;

/// Days from an instance's launch to its termination at the latest: "final termination
/// occurring no later than day 21" [MI-PATCH].
pub const TERMINATE_AFTER_DAYS: u64 = 21;

const DAY_MS: u64 = 86_400_000;

/// The longest `scaleInAfter`, in seconds [API-IO].
pub const MAX_SCALE_IN_AFTER_S: i64 = 3600;

/// The families Managed Instances launches, as prefixes of an instance type's family [MI].
const FAMILIES: &[&str] = &[
    "c5", "c6", "c7", "c8", "m5", "m6", "m7", "m8", "m9", "r5", "r6", "r7", "r8", "t3", "t4g",
    "x2", "x8g", "z1d", "d3", "i3en", "i4", "i7", "i8", "g4ad", "g4dn", "g5", "g6", "inf", "p3dn",
    "p4", "p5", "p6", "trn1", "hpc",
];

/// `included`, `required` or `excluded` (`bareMetal`, `burstablePerformance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inclusion {
    /// `included` (the default): either.
    Included,
    /// `required`: only these.
    Required,
    /// `excluded`: none of these.
    Excluded,
}

impl Inclusion {
    fn admits(self, is: bool) -> bool {
        match self {
            Inclusion::Included => true,
            Inclusion::Required => is,
            Inclusion::Excluded => !is,
        }
    }
}

/// `instanceRequirements` (InstanceRequirementsRequest), the attributes the playground reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRequirements {
    /// `vCpuCount` `min` and `max`.
    pub vcpu: (u32, Option<u32>),
    /// `memoryMiB` `min` and `max`.
    pub memory_mib: (u32, Option<u32>),
    /// `cpuManufacturers` (`intel`, `amd`, `amazon-web-services`); empty: any.
    pub cpu_manufacturers: Vec<String>,
    /// `allowedInstanceTypes` (with `*` wildcards); empty: any.
    pub allowed: Vec<String>,
    /// `excludedInstanceTypes` (with `*` wildcards).
    pub excluded: Vec<String>,
    /// `burstablePerformance`.
    pub burstable: Inclusion,
    /// `bareMetal`.
    pub bare_metal: Inclusion,
}

/// A Managed Instances capacity provider's `managedInstancesProvider`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedInstancesProvider {
    /// `cluster`: the only cluster that may use it.
    pub cluster: String,
    /// `infrastructureRoleArn`: what ECS assumes to launch instances.
    pub infrastructure_role: String,
    /// `instanceLaunchTemplate.ec2InstanceProfileArn`: the instances' profile.
    pub instance_profile: String,
    /// `networkConfiguration.subnets` with their zones.
    pub subnets: Vec<(String, String)>,
    /// `networkConfiguration.securityGroups`.
    pub security_groups: Vec<String>,
    /// `instanceRequirements`, when given.
    pub requirements: Option<InstanceRequirements>,
    /// `capacityOptionType: SPOT`.
    pub spot: bool,
    /// `infrastructureOptimization.scaleInAfter` in seconds; `None`: never (-1).
    pub scale_in_after_s: Option<u64>,
}

/// The manufacturer of an instance type, as `cpuManufacturers` names it.
fn manufacturer(it: &InstanceType) -> &'static str {
    let family = it.name.split('.').next().unwrap_or_default();
    if it.architecture == Architecture::Arm64 {
        "amazon-web-services"
    } else if family.len() > 2 && family[2..].contains('a') {
        "amd"
    } else {
        "intel"
    }
}

/// Whether `pattern` (`c6i.*`, `m6*.*`, `m5.large`) matches type `name`.
fn type_matches(pattern: &str, name: &str) -> bool {
    crate::iam::glob(pattern, name, true)
}

/// Why instance type `it` is not one Managed Instances would launch for `req`, if it is not.
pub fn ineligible(it: &InstanceType, req: Option<&InstanceRequirements>) -> Option<String> {
    let family = it.name.split('.').next().unwrap_or_default();
    let size = it.name.split('.').nth(1).unwrap_or_default();
    if !FAMILIES.iter().any(|f| family.starts_with(f)) {
        return Some(format!(
            "{}: not a family Managed Instances launches",
            it.name
        ));
    }
    if it.vcpu <= 1 || size == "nano" || size == "micro" {
        return Some(format!(
            "{}: Managed Instances need more than 1 vCPU and no nano or micro size",
            it.name
        ));
    }
    let r = req?;
    let within = |v: u32, (lo, hi): (u32, Option<u32>)| v >= lo && hi.is_none_or(|h| v <= h);
    let checks = [
        (within(it.vcpu, r.vcpu), "vCpuCount"),
        (within(it.memory_mib, r.memory_mib), "memoryMiB"),
        (
            r.cpu_manufacturers.is_empty()
                || r.cpu_manufacturers.iter().any(|m| m == manufacturer(it)),
            "cpuManufacturers",
        ),
        (
            r.allowed.is_empty() || r.allowed.iter().any(|p| type_matches(p, it.name)),
            "allowedInstanceTypes",
        ),
        (
            !r.excluded.iter().any(|p| type_matches(p, it.name)),
            "excludedInstanceTypes",
        ),
        (
            r.burstable.admits(family.starts_with('t')),
            "burstablePerformance",
        ),
        (r.bare_metal.admits(size == "metal"), "bareMetal"),
    ];
    checks
        .iter()
        .find(|(ok, _)| !ok)
        .map(|(_, what)| format!("{}: outside instanceRequirements.{what}", it.name))
}

/// The instance types Managed Instances may launch for `req`.
pub fn eligible_types(req: Option<&InstanceRequirements>) -> Vec<&'static InstanceType> {
    CATALOGUE
        .iter()
        .filter(|it| ineligible(it, req).is_none())
        .collect()
}

/// Member `key` of `at`, when given (not null): a string.
fn opt_str<'v>(at: &'v Value, key: &str, path: &str) -> Result<Option<&'v str>, String> {
    match at.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{path}.{key}: must be a string")),
    }
}

/// Member `key` of `at`, when given (not null): a list of strings.
fn opt_list(at: &Value, key: &str, path: &str) -> Result<Vec<String>, String> {
    match at.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{path}.{key}[{i}]: must be a string"))
            })
            .collect(),
        Some(_) => Err(format!("{path}.{key}: must be a list of strings")),
    }
}

/// Member `key` of `at`, when given (not null): an object.
fn opt_object<'v>(at: &'v Value, key: &str, path: &str) -> Result<Option<&'v Value>, String> {
    match at.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) if v.is_object() => Ok(Some(v)),
        Some(_) => Err(format!("{path}.{key}: must be an object")),
    }
}

fn parse_range(v: &Value, path: &str) -> Result<(u32, Option<u32>), String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("{path}: required, {{\"min\": …, \"max\": …}}"))?;
    let number = |key: &str| -> Result<Option<u32>, String> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("{path}.{key}: must be a whole number")),
        }
    };
    let min = number("min")?.ok_or_else(|| format!("{path}.min: required"))?;
    let max = number("max")?;
    if max.is_some_and(|m| m < min) {
        return Err(format!("{path}.max: smaller than min"));
    }
    Ok((min, max))
}

fn parse_inclusion(v: &Value, key: &str, path: &str) -> Result<Inclusion, String> {
    match opt_str(v, key, path)?
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("included") => Ok(Inclusion::Included),
        Some("required") => Ok(Inclusion::Required),
        Some("excluded") => Ok(Inclusion::Excluded),
        Some(other) => Err(format!(
            "{path}.{key}: \"{other}\" is not included, required or excluded"
        )),
    }
}

fn parse_requirements(v: &Value, path: &str) -> Result<InstanceRequirements, String> {
    let list = |key: &str| opt_list(v, key, path);
    let manufacturers = list("cpuManufacturers")?;
    if let Some(m) = manufacturers
        .iter()
        .find(|m| !["intel", "amd", "amazon-web-services"].contains(&m.as_str()))
    {
        return Err(format!(
            "{path}.cpuManufacturers: \"{m}\" is not intel, amd or amazon-web-services"
        ));
    }
    let allowed = list("allowedInstanceTypes")?;
    let excluded = list("excludedInstanceTypes")?;
    if !allowed.is_empty() && !excluded.is_empty() {
        return Err(format!(
            "{path}.excludedInstanceTypes: give allowedInstanceTypes or excludedInstanceTypes, not both"
        ));
    }
    Ok(InstanceRequirements {
        vcpu: parse_range(
            v.get("vCpuCount").unwrap_or(&Value::Null),
            &format!("{path}.vCpuCount"),
        )?,
        memory_mib: parse_range(
            v.get("memoryMiB").unwrap_or(&Value::Null),
            &format!("{path}.memoryMiB"),
        )?,
        cpu_manufacturers: manufacturers,
        allowed,
        excluded,
        burstable: parse_inclusion(v, "burstablePerformance", path)?,
        bare_metal: parse_inclusion(v, "bareMetal", path)?,
    })
}

/// Parses `managedInstancesProvider` of CreateCapacityProvider request `v` at `path`;
/// `zone_of` gives a subnet's Availability Zone.
pub fn parse(
    v: &Value,
    path: &str,
    zone_of: &dyn Fn(&str) -> Option<String>,
) -> Result<ManagedInstancesProvider, String> {
    let cluster = v
        .get("cluster")
        .and_then(Value::as_str)
        .map(|c| c.rsplit_once("cluster/").map_or(c, |(_, n)| n).trim())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("{path}.cluster: required for a Managed Instances capacity provider: \"it becomes available only within the specified cluster\""))?
        .to_string();
    let mpath = format!("{path}.managedInstancesProvider");
    let m = &v["managedInstancesProvider"];
    let text = |at: &Value, key: &str, p: &str| -> Result<String, String> {
        at.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("{p}.{key}: required"))
    };
    let infrastructure_role = text(m, "infrastructureRoleArn", &mpath)?;
    let tpath = format!("{mpath}.instanceLaunchTemplate");
    let t = m
        .get("instanceLaunchTemplate")
        .filter(|t| t.is_object())
        .ok_or_else(|| format!("{tpath}: required"))?;
    let instance_profile = text(t, "ec2InstanceProfileArn", &tpath)?;
    let npath = format!("{tpath}.networkConfiguration");
    let network = opt_object(t, "networkConfiguration", &tpath)?.unwrap_or(&Value::Null);
    let subnet_ids = opt_list(network, "subnets", &npath)?;
    if subnet_ids.is_empty() {
        return Err(format!(
            "{npath}.subnets: required, the subnets instances launch in"
        ));
    }
    let mut subnets = Vec::new();
    for (i, s) in subnet_ids.iter().enumerate() {
        let zone = zone_of(s).ok_or_else(|| {
            format!("{npath}.subnets[{i}]: subnet {s} is not in the scenario's subnets")
        })?;
        subnets.push((s.clone(), zone));
    }
    let security_groups = opt_list(network, "securityGroups", &npath)?;
    let storage = opt_object(t, "storageConfiguration", &tpath)?;
    if let Some(size) = storage.and_then(|c| c.get("storageSizeGiB")) {
        if !size.as_u64().is_some_and(|s| (30..=16_384).contains(&s)) {
            return Err(format!("{tpath}.storageConfiguration.storageSizeGiB: must be 30 to 16,384 GiB (80 by default)"));
        }
    }
    let spot = match opt_str(t, "capacityOptionType", &tpath)? {
        None | Some("ON_DEMAND") => false,
        Some("SPOT") => true,
        Some("RESERVED") => {
            return Err(format!(
                "{tpath}.capacityOptionType: RESERVED (Capacity Reservations) is not simulated; use ON_DEMAND or SPOT"
            ))
        }
        Some(other) => {
            return Err(format!(
                "{tpath}.capacityOptionType: \"{other}\" is not ON_DEMAND, SPOT or RESERVED"
            ))
        }
    };
    let requirements = match opt_object(t, "instanceRequirements", &tpath)? {
        None => None,
        Some(r) => Some(parse_requirements(
            r,
            &format!("{tpath}.instanceRequirements"),
        )?),
    };
    if eligible_types(requirements.as_ref()).is_empty() {
        return Err(format!("{tpath}.instanceRequirements: no instance type of the playground's catalogue meets them (Managed Instances launch only types with more than 1 vCPU, never nano or micro)"));
    }
    let optimization = opt_object(m, "infrastructureOptimization", &mpath)?;
    let scale_in_after_s = match optimization.and_then(|o| o.get("scaleInAfter")) {
        None | Some(Value::Null) => Some(DEFAULT_SCALE_IN_AFTER_S),
        Some(n) => match n.as_i64() {
            Some(-1) => None,
            Some(s) if (0..=MAX_SCALE_IN_AFTER_S).contains(&s) => Some(s as u64),
            _ => {
                return Err(format!(
                    "{mpath}.infrastructureOptimization.scaleInAfter: -1 (off) or 0 to 3600 seconds"
                ))
            }
        },
    };
    match opt_str(m, "propagateTags", &mpath)? {
        None | Some("CAPACITY_PROVIDER" | "NONE") => {}
        Some(other) => {
            return Err(format!(
                "{mpath}.propagateTags: \"{other}\" is not CAPACITY_PROVIDER or NONE"
            ))
        }
    }
    Ok(ManagedInstancesProvider {
        cluster,
        infrastructure_role,
        instance_profile,
        subnets,
        security_groups,
        requirements,
        spot,
        scale_in_after_s,
    })
}

impl ManagedInstancesProvider {
    /// `instanceRequirements` in words: `2–8 vCPU, 4096 MiB or more, amazon-web-services`, or
    /// what ECS chooses without them.
    pub fn requirements_text(&self) -> String {
        let Some(r) = &self.requirements else {
            return "no instanceRequirements: the cheapest type that fits".to_string();
        };
        let range = |(lo, hi): (u32, Option<u32>), unit: &str| match hi {
            Some(h) if h == lo => format!("{lo} {unit}"),
            Some(h) => format!("{lo}–{h} {unit}"),
            None => format!("{lo} {unit} or more"),
        };
        let mut parts = vec![range(r.vcpu, "vCPU"), range(r.memory_mib, "MiB")];
        if !r.cpu_manufacturers.is_empty() {
            parts.push(r.cpu_manufacturers.join(" or "));
        }
        if !r.allowed.is_empty() {
            parts.push(format!("only {}", r.allowed.join(", ")));
        }
        if !r.excluded.is_empty() {
            parts.push(format!("not {}", r.excluded.join(", ")));
        }
        if r.burstable != Inclusion::Included {
            parts.push(format!("burstable {:?}", r.burstable).to_lowercase());
        }
        parts.join(", ")
    }
}

/// Checks that a request's tasks can run on Managed Instances: a task definition compatible
/// with them, the awsvpc or host network mode, no placement strategy.
pub fn check_request(
    raw: &Value,
    td: &crate::task_definition::ValidTaskDefinition,
) -> Result<(), String> {
    use crate::task_definition::{Compatibility, NetworkMode};
    if !td
        .compatibilities
        .contains(&Compatibility::ManagedInstances)
    {
        return Err(format!("taskDefinition: Task definition does not support launch_type MANAGED_INSTANCES. Add \"MANAGED_INSTANCES\" to requiresCompatibilities of {}.", td.family));
    }
    if !matches!(td.network_mode, NetworkMode::Awsvpc | NetworkMode::Host) {
        return Err(format!("taskDefinition: Amazon ECS Managed Instances support the awsvpc and host network modes; {} uses {}", td.family, td.network_mode.as_str()));
    }
    if raw
        .get("placementStrategy")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return Err("placementStrategy: Amazon ECS Managed Instances does not support task placement strategies. Amazon ECS will try its best to spread tasks across accessible Availability Zones.".to_string());
    }
    Ok(())
}

/// Which instances to launch for tasks that wait: the type that runs `waiting` tasks of
/// `needs` for the lowest hourly price, and how many.
pub fn choose_instances(
    needs: &TaskNeeds,
    waiting: u32,
    zones: u32,
    architecture: &str,
    req: Option<&InstanceRequirements>,
    reserved_memory_mib: u32,
) -> Option<(&'static InstanceType, u32)> {
    let spread = waiting.min(zones.max(1));
    eligible_types(req)
        .into_iter()
        .filter(|it| it.architecture.as_attribute() == architecture.to_ascii_lowercase())
        .filter_map(|it| {
            let per =
                super::managed_scaling::tasks_per_instance(needs, it, reserved_memory_mib, true);
            (per > 0).then(|| (it, waiting.div_ceil(per).max(spread)))
        })
        .min_by(|(a, n), (b, m)| {
            (a.on_demand_usd_per_hour * f64::from(*n))
                .total_cmp(&(b.on_demand_usd_per_hour * f64::from(*m)))
                .then(n.cmp(m))
                .then(a.name.cmp(b.name))
        })
}

/// An instance ECS launched for a Managed Instances provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedInstance {
    /// Its EC2 instance ID.
    pub id: String,
    /// The provider (index).
    pub provider: usize,
    /// Its type.
    pub instance_type: &'static InstanceType,
    /// Its zone.
    pub availability_zone: String,
    /// Its container-instance slot, once registered.
    pub slot: Option<usize>,
    /// Since when it has run no task, while it is idle.
    pub idle_since: Option<SimTime>,
    /// Since when it has been underutilized, while it waits `scaleInAfter` for it
    /// ([`super::infrastructure_optimization`]).
    pub underutilized_since: Option<SimTime>,
    /// DRAINING because it was underutilized.
    pub optimizing: bool,
    /// Terminated.
    pub terminated: bool,
    /// When ECS launched it.
    pub launched_at: SimTime,
}

/// The placement strategies of tasks on Managed Instances: zone spread, then binpack on
/// memory (see the module doc).
pub fn placement_strategies() -> Vec<crate::placement::strategy::Strategy> {
    use crate::placement::strategy::{BinpackField, Strategy};
    vec![
        Strategy::spread_az(),
        Strategy::Binpack(BinpackField::Memory),
    ]
}

/// The instances of every Managed Instances provider.
#[derive(Debug, Clone, Default)]
pub struct ManagedInstancesState {
    /// In launch order.
    pub instances: Vec<ManagedInstance>,
    /// The last note logged for each provider why it launched nothing, so that a provider
    /// looking again does not repeat it.
    notes: std::collections::BTreeMap<usize, String>,
}

impl Simulation {
    fn managed_provider(&self, p: usize) -> Option<&ManagedInstancesProvider> {
        self.capacity.providers[p].managed_instances()
    }

    /// `scaleInAfter` of Managed Instances provider `p`, seconds; `None`: the optimization is
    /// off (-1), or `p` is another kind of provider.
    pub(crate) fn scale_in_after(&self, p: usize) -> Option<u64> {
        self.managed_provider(p).and_then(|m| m.scale_in_after_s)
    }

    /// Launches the instances the tasks waiting for Managed Instances provider `p` need,
    /// beyond those already booting.
    pub(crate) fn provision_managed_instances(&mut self, p: usize) {
        let Some(mi) = self.managed_provider(p).cloned() else {
            return;
        };
        let name = self.capacity.providers[p].name.clone();
        if !self
            .scenario
            .iam
            .assumable(&mi.infrastructure_role, "ecs.amazonaws.com")
        {
            let msg = format!("capacity provider {name}: ECS cannot assume its infrastructure role {} (trusted by ecs.amazonaws.com, with AmazonECSInfrastructureRolePolicyForManagedInstances), so no instance is launched", crate::iam::role_name(&mi.infrastructure_role));
            self.managed_note(p, msg);
            return;
        }
        let zones: Vec<(String, String)> = mi
            .subnets
            .iter()
            .filter(|(_, az)| !self.zone_is_down(az))
            .cloned()
            .collect();
        if zones.is_empty() {
            return;
        }
        let reserved = 0;
        for (needs, waiting) in self.waiting_for_provider(p) {
            // awsvpc tasks run only in their subnets' zones (LOCATION).
            let usable = |az: &String| {
                needs
                    .availability_zones
                    .as_ref()
                    .is_none_or(|zs| zs.contains(az))
            };
            let zones: Vec<(String, String)> =
                zones.iter().filter(|(_, az)| usable(az)).cloned().collect();
            if zones.is_empty() {
                let msg = format!("capacity provider {name}: none of its subnets is in a zone of the waiting tasks' subnets ({:?}), so no instance is launched for them", needs.availability_zones.as_deref().unwrap_or_default());
                self.managed_note(p, msg);
                continue;
            }
            let booting: u32 = self
                .managed
                .instances
                .iter()
                .filter(|i| i.provider == p && i.slot.is_none() && !i.terminated)
                .filter(|i| usable(&i.availability_zone))
                .map(|i| {
                    super::managed_scaling::tasks_per_instance(
                        &needs,
                        i.instance_type,
                        reserved,
                        true,
                    )
                })
                .sum();
            let short = waiting.saturating_sub(booting);
            if short == 0 {
                continue;
            }
            let arch = self
                .services
                .iter()
                .find(|s| s.needs == needs)
                .map(|s| &s.td)
                .or_else(|| {
                    self.run_task_waits
                        .iter()
                        .find(|w| w.needs == needs)
                        .map(|w| &w.td)
                })
                .map_or("x86_64".to_string(), |td| td.cpu_architecture.clone());
            let Some((it, count)) = choose_instances(
                &needs,
                short,
                zones.len() as u32,
                &arch,
                mi.requirements.as_ref(),
                reserved,
            ) else {
                let msg = format!("capacity provider {name}: no instance type Managed Instances may launch fits the waiting tasks ({} CPU units, {} MiB, {arch})", needs.cpu, needs.memory_mib);
                self.managed_note(p, msg);
                continue;
            };
            let mut launched = Vec::new();
            for _ in 0..count {
                // The zone with the fewest of the provider's live instances.
                let (subnet, az) = zones
                    .iter()
                    .min_by_key(|(_, az)| {
                        self.managed
                            .instances
                            .iter()
                            .filter(|i| {
                                i.provider == p && !i.terminated && &i.availability_zone == az
                            })
                            .count()
                    })
                    .cloned()
                    .expect("zones is not empty");
                launched.push(self.launch_managed_instance(p, &mi, it, subnet, az));
            }
            let msg = format!(
                "capacity provider {name} (Managed Instances) launches {count} × {} ({} vCPU, {} MiB, ${:.4}/h {} with the management fee) for {short} waiting task(s): {}",
                it.name,
                it.vcpu,
                it.memory_mib,
                crate::billing::managed_instance_price(it, mi.spot),
                if mi.spot { "Spot" } else { "on-demand" },
                launched.join(", ")
            );
            self.managed.notes.remove(&p);
            self.log.push(self.now(), EventKind::Capacity, msg);
        }
    }

    /// Logs why provider `p` launched nothing, unless that was the last thing said of it.
    fn managed_note(&mut self, p: usize, msg: String) {
        if self.managed.notes.get(&p) != Some(&msg) {
            self.log.push(self.now(), EventKind::Capacity, msg.clone());
            self.managed.notes.insert(p, msg);
        }
    }

    fn launch_managed_instance(
        &mut self,
        p: usize,
        mi: &ManagedInstancesProvider,
        it: &'static InstanceType,
        subnet: String,
        az: String,
    ) -> String {
        let id = self.new_instance_id();
        let mut ecs_config = std::collections::BTreeMap::new();
        ecs_config.insert("ECS_CLUSTER".to_string(), mi.cluster.clone());
        let spec = InstanceSpec {
            id: Some(id.clone()),
            instance_type: it,
            availability_zone: az.clone(),
            lifecycle: if mi.spot {
                Lifecycle::Spot
            } else {
                Lifecycle::OnDemand
            },
            attributes: Default::default(),
            ecs_config,
            launch_at_ms: self.now().as_ms() + self.scenario.options.capacity.instance_launch_ms(),
            // Managed Instances use ENI trunking for awsvpc tasks [MI].
            awsvpc_trunking: true,
            subnet_id: subnet,
            agent_version: crate::scenario::DEFAULT_AGENT_VERSION.to_string(),
            agent_connected: true,
            security_groups: mi.security_groups.clone(),
            external: false,
            instance_profile: Some(mi.instance_profile.clone()),
            auto_scaling_group: None,
            managed_instances: Some(p),
        };
        let at = SimTime(spec.launch_at_ms);
        self.instance_specs.push(spec);
        self.schedule(at, Timer::RegisterInstance(self.instance_specs.len() - 1));
        self.managed.instances.push(ManagedInstance {
            id: id.clone(),
            provider: p,
            instance_type: it,
            availability_zone: az,
            slot: None,
            idle_since: None,
            underutilized_since: None,
            optimizing: false,
            terminated: false,
            launched_at: self.now(),
        });
        let index = self.managed.instances.len() - 1;
        self.schedule(
            self.now().plus_ms(DRAIN_AFTER_DAYS * DAY_MS),
            Timer::ManagedInstanceLifetime(index),
        );
        id
    }

    /// A Managed Instances instance registered in slot `slot`: it joins its provider, and the
    /// tasks waiting for it are placed.
    pub(crate) fn managed_instance_registered(&mut self, p: usize, id: &str, slot: usize) {
        self.cluster.set_provider(slot, p);
        if let Some(i) = self.managed.instances.iter().position(|i| i.id == id) {
            self.managed.instances[i].slot = Some(slot);
        }
        self.poke_provider(p);
        self.managed_instance_maybe_idle(slot);
        self.analyse_managed_instances(p, None);
    }

    /// The live Managed Instances instance in `slot` (its index), if there is one.
    pub(crate) fn live_managed_instance(&self, slot: usize) -> Option<usize> {
        self.managed
            .instances
            .iter()
            .position(|i| i.slot == Some(slot) && !i.terminated)
    }

    /// Starts the idle timer of a Managed Instances instance that runs no task (it registered, or
    /// its last task stopped).
    pub(crate) fn managed_instance_maybe_idle(&mut self, slot: usize) {
        let Some(i) = self.live_managed_instance(slot) else {
            return;
        };
        let p = self.managed.instances[i].provider;
        if !self.tasks_on(slot).is_empty() {
            return;
        }
        // A drained instance (its lifetime is over) leaves as soon as it is empty.
        if self.cluster.instances[slot].status
            == crate::container_instance::InstanceStatus::Draining
        {
            let id = self.managed.instances[i].id.clone();
            self.retire_managed_instance(
                (i, slot),
                Some(format!("Amazon ECS Managed Instances: container instance {id} is drained: DEREGISTERING, then terminated")),
                "Managed Instances: drained",
            );
            return;
        }
        let Some(after) = self.scale_in_after(p) else {
            return;
        };
        // Idle from now: a timer of an earlier idle spell finds a later `idle_since`.
        self.managed.instances[i].idle_since = Some(self.now());
        let at = self.now().plus_secs(after);
        self.schedule(at, Timer::ManagedInstanceIdle(slot));
    }

    /// The idle timer of the Managed Instances instance in slot `slot` ran out: still idle, it
    /// is deregistered and terminated.
    pub(crate) fn managed_instance_idle(&mut self, slot: usize) {
        let Some(i) = self.live_managed_instance(slot) else {
            return;
        };
        let p = self.managed.instances[i].provider;
        let after = self.scale_in_after(p).unwrap_or(u64::MAX);
        let idle = self.managed.instances[i]
            .idle_since
            .is_some_and(|since| self.now() >= since.plus_secs(after));
        if !idle || !self.tasks_on(slot).is_empty() {
            return;
        }
        let id = self.managed.instances[i].id.clone();
        let name = self.capacity.providers[p].name.clone();
        self.retire_managed_instance(
            (i, slot),
            Some(format!("capacity provider {name} (Managed Instances): container instance {id} ran no task for {after} s (scaleInAfter): DEREGISTERING, then terminated")),
            "Managed Instances scale-in: idle",
        );
    }

    /// Ends Managed Instances instance `i` in `slot`: it leaves its provider's count, the
    /// event log says `why` (when given), and the instance is terminated with `reason`.
    fn retire_managed_instance(
        &mut self,
        (i, slot): (usize, usize),
        why: Option<String>,
        reason: &str,
    ) {
        self.managed.instances[i].terminated = true;
        if let Some(why) = why {
            let id = self.managed.instances[i].id.clone();
            self.log
                .push(self.now(), EventKind::Capacity, why)
                .instance(&id);
        }
        self.terminate_instance(slot, "TerminationNotice", reason);
        if self.managed.instances[i].optimizing {
            self.resume_optimization(self.managed.instances[i].provider);
        }
    }

    /// Managed Instances instance `i` reached day 14 since its launch (it drains) or day 21
    /// (it is terminated, with whatever still runs there).
    pub(crate) fn managed_instance_lifetime(&mut self, i: usize) {
        let inst = &self.managed.instances[i];
        let Some(slot) = inst.slot.filter(|_| !inst.terminated) else {
            return;
        };
        let (id, launched_at) = (inst.id.clone(), inst.launched_at);
        let end = launched_at.plus_ms(TERMINATE_AFTER_DAYS * DAY_MS);
        if self.now() < end {
            self.log
                .push(
                    self.now(),
                    EventKind::Capacity,
                    format!("Amazon ECS Managed Instances: container instance {id} was launched {DRAIN_AFTER_DAYS} days ago and is replaced: DRAINING, terminated once empty (day {TERMINATE_AFTER_DAYS} at the latest)"),
                )
                .instance(&id);
            self.drain_instance(slot, "Managed Instances lifecycle: 14 days since launch");
            self.schedule(end, Timer::ManagedInstanceLifetime(i));
            self.managed_instance_maybe_idle(slot);
        } else {
            self.retire_managed_instance(
                (i, slot),
                None,
                "Managed Instances lifecycle: 21 days since launch",
            );
        }
    }

    /// The instance in `slot` is terminated (scale-in, a Spot interruption, an outage…): its
    /// provider no longer counts it.
    pub(crate) fn managed_instance_terminated(&mut self, slot: usize) {
        if let Some(i) = self.live_managed_instance(slot) {
            self.managed.instances[i].terminated = true;
            // An instance draining for optimization that ends otherwise (an outage, a Spot
            // interruption) lets the next underutilized one drain, as when it is retired.
            if self.managed.instances[i].optimizing {
                self.resume_optimization(self.managed.instances[i].provider);
            }
        }
    }

    /// An outage of `zone` ends the instances still booting there; their providers launch
    /// again for the tasks that waited for them.
    pub(crate) fn lose_unregistered_managed_instances(&mut self, zone: &str) {
        let mut providers = Vec::new();
        for i in &mut self.managed.instances {
            if i.slot.is_none() && !i.terminated && i.availability_zone == zone {
                i.terminated = true;
                providers.push(i.provider);
            }
        }
        providers.dedup();
        for p in providers {
            self.schedule_provider_tick(p, self.now());
        }
    }

    /// Whether Managed Instances instance `id` ended before it registered.
    pub(crate) fn managed_instance_lost(&self, id: &str) -> bool {
        self.managed
            .instances
            .iter()
            .any(|i| i.id == id && i.slot.is_none() && i.terminated)
    }

    /// Whether the instance in `slot` belongs to a Managed Instances provider.
    pub fn is_managed_instance(&self, slot: usize) -> bool {
        self.cluster.instances[slot]
            .capacity_provider
            .is_some_and(|p| self.managed_provider(p).is_some())
    }

    /// Every instance ECS launched for Managed Instances providers.
    pub fn managed_instances(&self) -> &[ManagedInstance] {
        &self.managed.instances
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn zone(s: &str) -> Option<String> {
        match s {
            "subnet-a" => Some("us-east-1a".to_string()),
            "subnet-b" => Some("us-east-1b".to_string()),
            _ => None,
        }
    }

    fn request(template: Value) -> Value {
        json!({"name": "mi", "cluster": "prod", "managedInstancesProvider": {
            "infrastructureRoleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole",
            "instanceLaunchTemplate": template}})
    }

    #[test]
    fn the_request_is_checked_naming_the_member() {
        let base = json!({"ec2InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole",
            "networkConfiguration": {"subnets": ["subnet-a", "subnet-b"]}});
        let ok = parse(&request(base.clone()), "capacityProviders[0]", &zone).unwrap();
        assert_eq!(ok.cluster, "prod");
        assert_eq!(ok.subnets.len(), 2);
        assert_eq!(ok.scale_in_after_s, Some(DEFAULT_SCALE_IN_AFTER_S));
        let mut no_cluster = request(base.clone());
        no_cluster.as_object_mut().unwrap().remove("cluster");
        let cases = [
            (no_cluster, "capacityProviders[0].cluster"),
            (
                request(json!({"networkConfiguration": {"subnets": ["subnet-a"]}})),
                "capacityProviders[0].managedInstancesProvider.instanceLaunchTemplate.ec2InstanceProfileArn",
            ),
            (
                request(json!({"ec2InstanceProfileArn": "p", "networkConfiguration": {"subnets": ["subnet-z"]}})),
                "capacityProviders[0].managedInstancesProvider.instanceLaunchTemplate.networkConfiguration.subnets[0]",
            ),
            (
                request(json!({"ec2InstanceProfileArn": "p", "networkConfiguration": {"subnets": ["subnet-a"]},
                    "instanceRequirements": {"memoryMiB": {"min": 1024}}})),
                "capacityProviders[0].managedInstancesProvider.instanceLaunchTemplate.instanceRequirements.vCpuCount",
            ),
            (
                request(json!({"ec2InstanceProfileArn": "p", "networkConfiguration": {"subnets": ["subnet-a"]},
                    "instanceRequirements": {"vCpuCount": {"min": 512}, "memoryMiB": {"min": 1024}}})),
                "capacityProviders[0].managedInstancesProvider.instanceLaunchTemplate.instanceRequirements: no instance type",
            ),
            (
                request(json!({"ec2InstanceProfileArn": "p", "networkConfiguration": {"subnets": ["subnet-a"]},
                    "storageConfiguration": {"storageSizeGiB": 10}})),
                "capacityProviders[0].managedInstancesProvider.instanceLaunchTemplate.storageConfiguration.storageSizeGiB",
            ),
        ];
        for (v, want) in cases {
            let e = parse(&v, "capacityProviders[0]", &zone).unwrap_err();
            assert!(e.starts_with(want), "{want}: {e}");
        }
        // Members of the wrong JSON type are refused, naming them.
        let t = "capacityProviders[0].managedInstancesProvider.instanceLaunchTemplate";
        let m = "capacityProviders[0].managedInstancesProvider";
        let typed = |key: &str, v: Value| {
            let mut r = request(base.clone());
            r["managedInstancesProvider"]["instanceLaunchTemplate"][key] = v;
            r
        };
        let mut tags = request(base.clone());
        tags["managedInstancesProvider"]["propagateTags"] = json!(5);
        let mut optimization = request(base.clone());
        optimization["managedInstancesProvider"]["infrastructureOptimization"] = json!(5);
        let reqs = |extra: Value| {
            let mut r = json!({"vCpuCount": {"min": 2}, "memoryMiB": {"min": 1024}});
            for (k, v) in extra.as_object().unwrap() {
                r[k] = v.clone();
            }
            typed("instanceRequirements", r)
        };
        for (v, want) in [
            (
                typed("capacityOptionType", json!(5)),
                format!("{t}.capacityOptionType"),
            ),
            (
                typed("storageConfiguration", json!(100)),
                format!("{t}.storageConfiguration"),
            ),
            (
                typed("instanceRequirements", json!("x")),
                format!("{t}.instanceRequirements"),
            ),
            (
                typed(
                    "networkConfiguration",
                    json!({"subnets": ["subnet-a"], "securityGroups": "sg-1"}),
                ),
                format!("{t}.networkConfiguration.securityGroups"),
            ),
            (tags, format!("{m}.propagateTags")),
            (optimization, format!("{m}.infrastructureOptimization")),
            (
                reqs(json!({"burstablePerformance": 5})),
                format!("{t}.instanceRequirements.burstablePerformance"),
            ),
            (
                reqs(json!({"cpuManufacturers": "intel"})),
                format!("{t}.instanceRequirements.cpuManufacturers"),
            ),
            (
                reqs(json!({"excludedInstanceTypes": [5]})),
                format!("{t}.instanceRequirements.excludedInstanceTypes"),
            ),
        ] {
            let e = parse(&v, "capacityProviders[0]", &zone).unwrap_err();
            assert!(e.starts_with(&want), "{want}: {e}");
        }
        let mut off = request(base);
        off["managedInstancesProvider"]["infrastructureOptimization"] = json!({"scaleInAfter": -1});
        assert_eq!(parse(&off, "p", &zone).unwrap().scale_in_after_s, None);
        off["managedInstancesProvider"]["infrastructureOptimization"] =
            json!({"scaleInAfter": 3601});
        assert!(parse(&off, "p", &zone).is_err());
    }

    #[test]
    fn instance_types_meet_every_requirement_and_the_hard_filter() {
        // MI: "More than 1 vCPU; Instance size is not nano or micro"; only its families.
        for name in [
            "t3.micro",
            "m4.large",
            "c4.large",
            "m6g.medium",
            "t2.large",
            "a1.large",
        ] {
            let it = crate::instance_types::lookup(name).unwrap();
            assert!(ineligible(it, None).is_some(), "{name}");
        }
        assert!(ineligible(crate::instance_types::lookup("m5.large").unwrap(), None).is_none());
        let req = InstanceRequirements {
            vcpu: (4, Some(8)),
            memory_mib: (8192, None),
            cpu_manufacturers: vec!["amazon-web-services".into()],
            allowed: Vec::new(),
            excluded: vec!["c7g.*".into()],
            burstable: Inclusion::Excluded,
            bare_metal: Inclusion::Included,
        };
        let names: Vec<&str> = eligible_types(Some(&req)).iter().map(|t| t.name).collect();
        assert!(!names.is_empty());
        for it in eligible_types(Some(&req)) {
            assert!(
                (4..=8).contains(&it.vcpu) && it.memory_mib >= 8192,
                "{}",
                it.name
            );
            assert_eq!(it.architecture, Architecture::Arm64, "{}", it.name);
            assert!(
                !it.name.starts_with("c7g") && !it.name.starts_with('t'),
                "{}",
                it.name
            );
        }
    }

    #[test]
    fn the_cheapest_type_for_the_waiting_tasks_wins_and_zones_get_one_each() {
        let needs = crate::capacity_provider::managed_scaling::tests::needs(1024, 2048);
        let (it, n) = choose_instances(&needs, 6, 3, "X86_64", None, 0).unwrap();
        // Whatever the type, it runs the 6 tasks and no cheaper choice does.
        let per =
            crate::capacity_provider::managed_scaling::tasks_per_instance(&needs, it, 0, true);
        assert!(per * n >= 6 && n >= 3, "{} × {n}", it.name);
        let cost = it.on_demand_usd_per_hour * f64::from(n);
        for other in eligible_types(None)
            .into_iter()
            .filter(|t| t.architecture == Architecture::X86_64)
        {
            let per = crate::capacity_provider::managed_scaling::tasks_per_instance(
                &needs, other, 0, true,
            );
            if per > 0 {
                let m = 6u32.div_ceil(per).max(3);
                assert!(
                    other.on_demand_usd_per_hour * f64::from(m) >= cost - 1e-9,
                    "{} beats {}",
                    other.name,
                    it.name
                );
            }
        }
        // One task: one instance.
        assert_eq!(
            choose_instances(&needs, 1, 3, "X86_64", None, 0).unwrap().1,
            1
        );
    }
}
