//! Hand-drawn container instances: the playground's own part of the scenario.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{limits, ScenarioError};
use crate::instance_types;
use crate::json_shape::{At, FromJson, Members, ShapeError, Spelled};
use crate::time::parse_duration_ms;

/// On-demand or Spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Lifecycle {
    /// An on-demand instance (`"on-demand"`).
    #[default]
    OnDemand,
    /// A Spot instance (`"spot"`).
    Spot,
}

impl Spelled for Lifecycle {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("on-demand", Lifecycle::OnDemand),
        ("spot", Lifecycle::Spot),
    ];
}

/// One container instance (or `count` identical ones) as drawn in the scenario.
///
/// `ecsConfig` holds the agent's `/etc/ecs/ecs.config` variables as strings or numbers, e.g.
/// `{"ECS_CLUSTER": "prod", "ECS_RESERVED_MEMORY": 256}`.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSpec {
    /// EC2 instance id; generated from the seed when absent.
    pub id: Option<String>,
    /// Instance type name, checked against the catalogue.
    pub instance_type: &'static instance_types::InstanceType,
    /// Availability Zone, e.g. `us-east-1a`.
    pub availability_zone: String,
    /// On-demand or Spot.
    pub lifecycle: Lifecycle,
    /// Custom attributes (name → value; value may be empty).
    pub attributes: BTreeMap<String, String>,
    /// Agent configuration variables.
    pub ecs_config: BTreeMap<String, String>,
    /// When the agent registers, in simulated milliseconds.
    pub launch_at_ms: u64,
    /// Whether the instance was launched after opting in to `awsvpcTrunking`.
    pub awsvpc_trunking: bool,
    /// Its subnet (the `ecs.subnet-id` attribute); `subnet-<availability zone>` by default.
    pub subnet_id: String,
    /// The agent version it reports.
    pub agent_version: String,
    /// Whether the agent is connected.
    pub agent_connected: bool,
    /// Its security groups (ids of the scenario's `securityGroups`); none means open.
    pub security_groups: Vec<String>,
    /// The Auto Scaling group that launched it (index), if any.
    pub auto_scaling_group: Option<usize>,
    /// Its instance profile (role name or ARN; the profile and its role share the name).
    pub instance_profile: Option<String>,
    /// An ECS Anywhere instance (the EXTERNAL launch type): on premises, no Availability Zone,
    /// no task ENIs; `instanceType` only gives its size.
    pub external: bool,
    /// The Managed Instances capacity provider that launched it (index), if any.
    pub managed_instances: Option<usize>,
}

/// One `containerInstances[]` entry as written.
#[derive(Default)]
struct RawSpec {
    instance_type: String,
    availability_zone: String,
    external: bool,
    iam_instance_profile: Option<String>,
    lifecycle: Lifecycle,
    attributes: BTreeMap<String, Value>,
    ecs_config: BTreeMap<String, Value>,
    launch_at: Option<Value>,
    count: Option<u32>,
    awsvpc_trunking: bool,
    id: Option<String>,
    subnet_id: Option<String>,
    agent_version: Option<String>,
    agent_connected: Option<bool>,
    security_groups: Vec<String>,
}

impl FromJson for RawSpec {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct RawSpec")?;
        m.deny_unknown(&[
            "id",
            "instanceType",
            "availabilityZone",
            "external",
            "iamInstanceProfile",
            "lifecycle",
            "attributes",
            "ecsConfig",
            "launchAt",
            "count",
            "awsvpcTrunking",
            "subnetId",
            "agentVersion",
            "agentConnected",
            "securityGroups",
        ]);
        let built = RawSpec {
            instance_type: m.required("instanceType"),
            availability_zone: m.get("availabilityZone").unwrap_or_default(),
            external: m.get("external").unwrap_or_default(),
            iam_instance_profile: m.get("iamInstanceProfile"),
            lifecycle: m.get("lifecycle").unwrap_or_default(),
            attributes: m.get("attributes").unwrap_or_default(),
            ecs_config: m.get("ecsConfig").unwrap_or_default(),
            launch_at: m.get("launchAt"),
            count: m.get("count"),
            awsvpc_trunking: m.get("awsvpcTrunking").unwrap_or_default(),
            id: m.get("id"),
            subnet_id: m.get("subnetId"),
            agent_version: m.get("agentVersion"),
            agent_connected: m.get("agentConnected"),
            security_groups: m.get("securityGroups").unwrap_or_default(),
        };
        m.finish(built)
    }
}

/// The agent version instances report unless the scenario says otherwise.
pub const DEFAULT_AGENT_VERSION: &str = "1.88.0";

/// Parses and expands `containerInstances[]` (an entry with `count: n` becomes n instances).
pub(super) fn expand(items: &[Value]) -> Result<Vec<InstanceSpec>, ScenarioError> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let base = format!("containerInstances[{i}]");
        let list = At::Member(&At::Root, "containerInstances");
        let raw = RawSpec::from_json(item, At::Index(&list, i))
            .map_err(|e| ScenarioError::at(e.path, e.message))?;
        let instance_type = instance_types::lookup(&raw.instance_type).ok_or_else(|| {
            ScenarioError::at(
                format!("{base}.instanceType"),
                format!(
                    "unknown instance type \"{}\"; the catalogue has {} types such as m5.large",
                    raw.instance_type,
                    instance_types::CATALOGUE.len()
                ),
            )
        })?;
        if raw.external && raw.lifecycle == Lifecycle::Spot {
            return Err(ScenarioError::at(
                format!("{base}.lifecycle"),
                "an external (ECS Anywhere) instance is not an EC2 Spot instance",
            ));
        }
        let availability_zone = if raw.external && raw.availability_zone.trim().is_empty() {
            "on-premises".to_string()
        } else {
            raw.availability_zone.clone()
        };
        if availability_zone.trim().is_empty() {
            return Err(ScenarioError::at(
                format!("{base}.availabilityZone"),
                "must name an Availability Zone such as us-east-1a",
            ));
        }
        let launch_at_ms = match &raw.launch_at {
            None => 0,
            Some(v) => parse_duration_ms(v)
                .map_err(|m| ScenarioError::at(format!("{base}.launchAt"), m))?,
        };
        let attributes = raw
            .attributes
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    scalar(v).ok_or_else(|| {
                        ScenarioError::at(format!("{base}.attributes.{k}"), "must be a string")
                    })?,
                ))
            })
            .collect::<Result<BTreeMap<_, _>, ScenarioError>>()?;
        let ecs_config = raw
            .ecs_config
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    scalar(v).ok_or_else(|| {
                        ScenarioError::at(
                            format!("{base}.ecsConfig.{k}"),
                            "must be a string or a number",
                        )
                    })?,
                ))
            })
            .collect::<Result<BTreeMap<_, _>, ScenarioError>>()?;
        let count = raw.count.unwrap_or(1);
        if count == 0 {
            return Err(ScenarioError::at(
                format!("{base}.count"),
                "must be at least 1",
            ));
        }
        if out.len() + count as usize > limits::MAX_INSTANCES {
            return Err(ScenarioError::at(
                format!("{base}.count"),
                format!(
                    "more than {} container instances in all",
                    limits::MAX_INSTANCES
                ),
            ));
        }
        if count > 1 && raw.id.is_some() {
            return Err(ScenarioError::at(
                format!("{base}.id"),
                "an id names one instance; remove it or set count to 1",
            ));
        }
        for _ in 0..count {
            out.push(InstanceSpec {
                managed_instances: None,
                id: raw.id.clone(),
                instance_type,
                availability_zone: availability_zone.clone(),
                lifecycle: raw.lifecycle,
                attributes: attributes.clone(),
                ecs_config: ecs_config.clone(),
                launch_at_ms,
                awsvpc_trunking: raw.awsvpc_trunking,
                subnet_id: raw
                    .subnet_id
                    .clone()
                    .unwrap_or_else(|| format!("subnet-{availability_zone}")),
                agent_version: raw
                    .agent_version
                    .clone()
                    .unwrap_or_else(|| DEFAULT_AGENT_VERSION.to_string()),
                agent_connected: raw.agent_connected.unwrap_or(true),
                security_groups: raw.security_groups.clone(),
                auto_scaling_group: None,
                external: raw.external,
                instance_profile: raw.iam_instance_profile.clone(),
            });
        }
    }
    Ok(out)
}

/// A string, number or boolean as text; `null` as the empty string (a value-less attribute).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}
