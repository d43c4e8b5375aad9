//! Container instances: EC2 capacity registered with a cluster (section 2).
//!
//! An instance registers into the cluster named by `ECS_CLUSTER`, or `default` when unset
//! (G41). It registers `vCPU × 1024` CPU units and the OS-reported memory minus
//! `ECS_RESERVED_MEMORY` (G4), reserves the agent's default ports, and tracks what its tasks
//! use: CPU, memory, static and dynamic host ports, ENIs and GPUs.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::instance_types::InstanceType;
use crate::scenario::{InstanceSpec, Lifecycle};
use crate::task_definition::Protocol;

/// The agent's default reserved TCP ports on Linux: SSH, the two Docker daemon ports, the
/// agent introspection and credentials ports (2.3, 2.7; G14 counts 5). The API documentation
/// also names 51680 ([version note]); add it with `ECS_RESERVED_PORTS` when wanted (G15).
pub const DEFAULT_RESERVED_TCP_PORTS: &[u16] = &[22, 2375, 2376, 51678, 51679];

/// Static host ports per instance, default ports included (2.3).
pub const MAX_RESERVED_PORTS: usize = 100;

/// The Linux kernel's default `ip_local_port_range` (2.3), used for dynamic host ports.
pub const DEFAULT_DYNAMIC_PORT_RANGE: (u16, u16) = (32768, 60999);

/// `status` of a container instance (2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstanceStatus {
    /// Takes new tasks when the agent is connected.
    Active,
    /// Takes no new tasks; its service tasks are being replaced.
    Draining,
    /// Deregistered.
    Inactive,
}

/// CPU, memory and GPUs: registered or remaining.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Resources {
    /// CPU units (1024 per vCPU).
    pub cpu: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
    /// GPUs.
    pub gpus: u32,
}

/// What the scheduler holds back on an instance for the daemon tasks it should run and does
/// not yet (4.1, [`crate::daemon`]): replica and RunTask placements cannot use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DaemonHold {
    /// CPU units, MiB and GPUs held back.
    pub resources: Resources,
    /// awsvpc task ENIs held back.
    pub enis: u32,
}

impl DaemonHold {
    /// Adds one daemon task's needs.
    pub(crate) fn add(&mut self, needs: &crate::placement::TaskNeeds) {
        self.resources.cpu = self.resources.cpu.saturating_add(needs.cpu);
        self.resources.memory_mib = self.resources.memory_mib.saturating_add(needs.memory_mib);
        self.resources.gpus = self.resources.gpus.saturating_add(needs.gpus);
        self.enis += u32::from(needs.eni);
    }
}

/// A container instance in a cluster.
#[derive(Debug, Clone)]
pub struct ContainerInstance {
    /// EC2 instance id, e.g. `i-0a1b2c3d4e5f60718`.
    pub ec2_instance_id: String,
    /// The container instance ARN.
    pub arn: String,
    /// Cluster name it registered into.
    pub cluster: String,
    /// Catalogue entry.
    pub instance_type: &'static InstanceType,
    /// Availability Zone.
    pub availability_zone: String,
    /// On-demand or Spot.
    pub lifecycle: Lifecycle,
    /// ACTIVE / DRAINING / INACTIVE.
    pub status: InstanceStatus,
    /// Whether the agent is connected; only connected ACTIVE instances take placements.
    pub agent_connected: bool,
    /// Its security groups (8.5); none means traffic is not filtered.
    pub security_groups: Vec<String>,
    /// Images already pulled (their layers are cached).
    pub pulled_images: BTreeSet<String>,
    /// Agent version reported.
    pub agent_version: String,
    /// When it registered, epoch milliseconds (UTC).
    pub registered_at_epoch_ms: i64,
    /// What it registered (2.2).
    pub registered: Resources,
    /// What is left after the reservations of its tasks.
    pub remaining: Resources,
    /// Static TCP host ports reserved (defaults plus tasks' static ports).
    pub reserved_tcp: BTreeSet<u16>,
    /// Static UDP host ports reserved.
    pub reserved_udp: BTreeSet<u16>,
    /// The ports the agent reserved at registration (`ECS_RESERVED_PORTS`, and
    /// `ECS_RESERVED_PORTS_UDP`): `registeredResources` PORTS and PORTS_UDP (2.2, 2.3).
    pub registered_ports: (Vec<u16>, Vec<u16>),
    /// Dynamic host ports in use (they never count toward the 100-port cap).
    pub dynamic_in_use: BTreeSet<(u16, Protocol)>,
    /// Dynamic ports in use per protocol (TCP, UDP), kept beside the set for O(1) checks.
    pub dynamic_counts: [usize; 2],
    /// The ephemeral range dynamic ports come from.
    pub dynamic_range: (u16, u16),
    /// How many `awsvpc` tasks it can host (ENIs minus the primary, or the trunking limit).
    pub eni_task_capacity: u32,
    /// ENIs attached to tasks.
    pub enis_in_use: u32,
    /// Held back for the daemon tasks it lacks (4.1).
    pub daemon_hold: DaemonHold,
    /// Deregistered from its cluster (INACTIVE) while its EC2 instance still runs and bills.
    pub deregistered: bool,
    /// Its EC2 instance is stopped or hibernated in a warm pool: it stays registered
    /// (agent disconnected) and does not bill as running.
    pub ec2_stopped: bool,
    /// All attributes, built-in and custom (2.5). Value-less attributes map to "".
    pub attributes: BTreeMap<String, String>,
    /// Tasks whose desired status is RUNNING.
    pub running_tasks_count: u32,
    /// The Auto Scaling group that launched it (index), if any.
    pub auto_scaling_group: Option<usize>,
    /// Its capacity provider (index), if any (`capacityProviderName` in DescribeContainerInstances).
    pub capacity_provider: Option<usize>,
    /// An ECS Anywhere instance: only EXTERNAL tasks go there.
    pub external: bool,
    /// Launched by a Managed Instances capacity provider: only its tasks go there.
    pub managed_instances: bool,
    /// Its instance profile's role (ARN or name), if any.
    pub instance_profile: Option<String>,
    /// `ECS_ENABLE_SPOT_INSTANCE_DRAINING=true` in its agent configuration (7.1).
    pub spot_draining: bool,
    /// `ECS_CONTAINER_STOP_TIMEOUT` (default 30 s): the SIGTERM-to-SIGKILL wait of containers
    /// without their own `stopTimeout` (1.2, 2.7).
    pub stop_timeout_ms: u64,
    /// True for the host of one Fargate task: not a container instance of the cluster, never
    /// a placement candidate, shown in the Fargate lane.
    pub fargate: bool,
}

/// Which cluster an instance joins: `ECS_CLUSTER` (a name, or an ARN as
/// RegisterContainerInstance's `cluster` also takes), or `default` when unset or empty (G41).
pub fn cluster_of(spec: &InstanceSpec) -> String {
    match spec.ecs_config.get("ECS_CLUSTER").map(|s| s.trim()) {
        Some(name) if !name.is_empty() => name
            .rsplit_once(":cluster/")
            .map_or(name, |(_, short)| short)
            .to_string(),
        _ => "default".to_string(),
    }
}

impl ContainerInstance {
    /// Registers an instance described by the scenario. `region` and `account` build the ARN.
    pub fn register(
        spec: &InstanceSpec,
        ec2_instance_id: String,
        registered_at_epoch_ms: i64,
    ) -> Result<Self, String> {
        let it = spec.instance_type;
        let reserved_memory = parse_u32_var(spec, "ECS_RESERVED_MEMORY")?.unwrap_or(0);
        let registered = Resources {
            cpu: it.cpu_units(),
            memory_mib: it.registered_memory_mib.saturating_sub(reserved_memory),
            gpus: it.gpus,
        };
        let reserved_tcp = match spec.ecs_config.get("ECS_RESERVED_PORTS") {
            Some(v) => {
                parse_port_list(v).map_err(|m| format!("ecsConfig.ECS_RESERVED_PORTS: {m}"))?
            }
            None => DEFAULT_RESERVED_TCP_PORTS.iter().copied().collect(),
        };
        let reserved_udp = match spec.ecs_config.get("ECS_RESERVED_PORTS_UDP") {
            Some(v) => {
                parse_port_list(v).map_err(|m| format!("ecsConfig.ECS_RESERVED_PORTS_UDP: {m}"))?
            }
            None => BTreeSet::new(),
        };
        let dynamic_range = match spec.ecs_config.get("ECS_DYNAMIC_HOST_PORT_RANGE") {
            Some(v) => {
                parse_range(v).map_err(|m| format!("ecsConfig.ECS_DYNAMIC_HOST_PORT_RANGE: {m}"))?
            }
            None => DEFAULT_DYNAMIC_PORT_RANGE,
        };
        // ECS Anywhere instances have no task ENIs (awsvpc is not supported there).
        let eni_task_capacity = if spec.external {
            0
        } else if spec.awsvpc_trunking {
            it.awsvpc_tasks_with_trunking
                .unwrap_or(it.awsvpc_tasks_without_trunking)
        } else {
            it.awsvpc_tasks_without_trunking
        };
        let cluster = cluster_of(spec);
        let mut attributes = BTreeMap::new();
        for (k, v) in [
            ("ecs.availability-zone", spec.availability_zone.clone()),
            ("ecs.instance-type", it.name.to_string()),
            ("ecs.os-type", "linux".to_string()),
            ("ecs.os-family", "LINUX".to_string()),
            (
                "ecs.cpu-architecture",
                it.architecture.as_attribute().to_string(),
            ),
            ("ecs.ami-id", "ami-0playground00000".to_string()),
            ("ecs.vpc-id", "vpc-0playground".to_string()),
            ("ecs.subnet-id", spec.subnet_id.clone()),
        ] {
            attributes.insert(k.to_string(), v);
        }
        for cap in AGENT_CAPABILITIES {
            attributes.insert((*cap).to_string(), String::new());
        }
        // ECS_AVAILABLE_LOGGING_DRIVERS: the drivers the agent advertises (1.8).
        let drivers = match spec.ecs_config.get("ECS_AVAILABLE_LOGGING_DRIVERS") {
            None => DEFAULT_LOGGING_DRIVERS.iter().map(|d| d.to_string()).collect(),
            Some(v) => serde_json::from_str::<Vec<String>>(v).map_err(|_| {
                format!("ecsConfig.ECS_AVAILABLE_LOGGING_DRIVERS: \"{v}\" is not a JSON list of driver names, such as [\"json-file\",\"awslogs\"]")
            })?,
        };
        for driver in drivers {
            attributes.insert(
                format!("com.amazonaws.ecs.capability.logging-driver.{driver}"),
                String::new(),
            );
        }
        if spec.external {
            // Registered through SSM, not EC2: no AMI, VPC, subnet or zone (2.5).
            for k in [
                "ecs.availability-zone",
                "ecs.ami-id",
                "ecs.vpc-id",
                "ecs.subnet-id",
            ] {
                attributes.remove(k);
            }
            attributes.insert("ecs.capability.external".to_string(), String::new());
        }
        if spec.awsvpc_trunking && it.awsvpc_tasks_with_trunking.is_some() {
            attributes.insert(
                "ecs.awsvpc-trunk-id".to_string(),
                format!("eni-trunk-{ec2_instance_id}"),
            );
        }
        if it.gpus > 0 {
            attributes.insert(
                "com.amazonaws.ecs.capability.nvidia-gpu".to_string(),
                String::new(),
            );
        }
        if it.nitro() && !spec.external {
            attributes.insert(crate::ebs_volume::EBS_CAPABILITY.to_string(), String::new());
        }
        // ECS_INSTANCE_ATTRIBUTES is applied at first registration (2.1), then custom attributes.
        if let Some(json) = spec.ecs_config.get("ECS_INSTANCE_ATTRIBUTES") {
            let map: BTreeMap<String, String> = serde_json::from_str(json).map_err(|e| {
                format!("ecsConfig.ECS_INSTANCE_ATTRIBUTES: not a JSON object of strings ({e})")
            })?;
            attributes.extend(map);
        }
        for (k, v) in &spec.attributes {
            check_custom_attribute(k, v)?;
            attributes.insert(k.clone(), v.clone());
        }
        Ok(ContainerInstance {
            arn: format!(
                "arn:aws:ecs:us-east-1:123456789012:container-instance/{cluster}/{ec2_instance_id}"
            ),
            ec2_instance_id,
            cluster,
            instance_type: it,
            availability_zone: spec.availability_zone.clone(),
            lifecycle: spec.lifecycle,
            status: InstanceStatus::Active,
            agent_connected: spec.agent_connected,
            security_groups: spec.security_groups.clone(),
            pulled_images: BTreeSet::new(),
            agent_version: spec.agent_version.clone(),
            registered_at_epoch_ms,
            registered,
            remaining: registered,
            registered_ports: (
                reserved_tcp.iter().copied().collect(),
                reserved_udp.iter().copied().collect(),
            ),
            reserved_tcp,
            reserved_udp,
            dynamic_in_use: BTreeSet::new(),
            dynamic_counts: [0, 0],
            dynamic_range,
            eni_task_capacity,
            enis_in_use: 0,
            daemon_hold: DaemonHold::default(),
            deregistered: false,
            ec2_stopped: false,
            attributes,
            running_tasks_count: 0,
            auto_scaling_group: spec.auto_scaling_group,
            capacity_provider: None,
            fargate: false,
            external: spec.external,
            managed_instances: spec.managed_instances.is_some(),
            instance_profile: spec.instance_profile.clone(),
            spot_draining: spec
                .ecs_config
                .get("ECS_ENABLE_SPOT_INSTANCE_DRAINING")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            stop_timeout_ms: match spec.ecs_config.get("ECS_CONTAINER_STOP_TIMEOUT") {
                None => DEFAULT_STOP_TIMEOUT_MS,
                Some(v) => go_duration_ms(v).ok_or_else(|| {
                    format!("ecsConfig.ECS_CONTAINER_STOP_TIMEOUT: \"{v}\" is not a duration such as 30s, 2m or 1m30s")
                })?,
            },
        })
    }

    /// True when the instance may take new tasks: ACTIVE with a connected agent (2.6).
    pub fn accepts_tasks(&self) -> bool {
        self.status == InstanceStatus::Active && self.agent_connected
    }

    /// Static ports reserved for one protocol.
    pub fn reserved(&self, protocol: Protocol) -> &BTreeSet<u16> {
        match protocol {
            Protocol::Tcp => &self.reserved_tcp,
            Protocol::Udp => &self.reserved_udp,
        }
    }

    /// Mutable static ports reserved for one protocol.
    pub fn reserved_mut(&mut self, protocol: Protocol) -> &mut BTreeSet<u16> {
        match protocol {
            Protocol::Tcp => &mut self.reserved_tcp,
            Protocol::Udp => &mut self.reserved_udp,
        }
    }

    /// Whether a host port is taken, statically or dynamically, for a protocol.
    pub fn port_in_use(&self, port: u16, protocol: Protocol) -> bool {
        self.reserved(protocol).contains(&port) || self.dynamic_in_use.contains(&(port, protocol))
    }

    /// Free dynamic ports left in the ephemeral range for a protocol.
    pub fn free_dynamic_ports(&self, protocol: Protocol) -> usize {
        let (lo, hi) = self.dynamic_range;
        let size = usize::from(hi - lo) + 1;
        let used =
            self.dynamic_counts[protocol as usize] + self.reserved(protocol).range(lo..=hi).count();
        size.saturating_sub(used)
    }

    /// Whether at least `n` dynamic ports are free for a protocol (cheap in the common case).
    pub fn has_free_dynamic_ports(&self, protocol: Protocol, n: usize) -> bool {
        let (lo, hi) = self.dynamic_range;
        let size = usize::from(hi - lo) + 1;
        // Fast path: even if every static port fell inside the range, enough would be left.
        let used_upper_bound =
            self.dynamic_counts[protocol as usize] + self.reserved(protocol).len();
        used_upper_bound + n <= size || self.free_dynamic_ports(protocol) >= n
    }
}

/// The logging drivers an agent advertises when `ECS_AVAILABLE_LOGGING_DRIVERS` is not set
/// (1.8: the agent's own default is `["json-file","none"]`; the ECS-optimized AMI sets its own
/// value, which AWS does not list: the playground takes these three [unconfirmed]).
pub const DEFAULT_LOGGING_DRIVERS: &[&str] = &["json-file", "awslogs", "none"];

/// Capability attributes every simulated agent registers (2.5): the ECS-optimized AMI's set,
/// so that task definitions using IAM roles, ECR and awsvpc find them; the logging drivers
/// come from `ECS_AVAILABLE_LOGGING_DRIVERS`.
pub const AGENT_CAPABILITIES: &[&str] = &[
    "com.amazonaws.ecs.capability.docker-remote-api.1.19",
    "com.amazonaws.ecs.capability.docker-remote-api.1.44",
    "com.amazonaws.ecs.capability.ecr-auth",
    "com.amazonaws.ecs.capability.privileged-container",
    "com.amazonaws.ecs.capability.task-iam-role",
    "com.amazonaws.ecs.capability.task-iam-role-network-host",
    "ecs.capability.execution-role-awslogs",
    "ecs.capability.execution-role-ecr-pull",
    "ecs.capability.secrets.asm.environment-variables",
    "ecs.capability.secrets.ssm.environment-variables",
    "ecs.capability.task-eni",
    "ecs.capability.container-health-check",
    "ecs.capability.container-ordering",
    "ecs.capability.efsAuth",
    "ecs.capability.efs",
    "ecs.capability.firelens.fluentbit",
];

fn parse_u32_var(spec: &InstanceSpec, name: &str) -> Result<Option<u32>, String> {
    spec.ecs_config
        .get(name)
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("ecsConfig.{name}: \"{v}\" is not a whole number"))
        })
        .transpose()
}

/// The agent's default `ECS_CONTAINER_STOP_TIMEOUT` (2.7).
pub const DEFAULT_STOP_TIMEOUT_MS: u64 = 30_000;

/// A Go duration as the agent reads its settings (`30s`, `2m`, `1m30s`, `500ms`, `1h`), in
/// milliseconds; `None` when it is not one.
pub fn go_duration_ms(text: &str) -> Option<u64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit_ms, len) = [
            ("ms", 1.0),
            ("h", 3_600_000.0),
            ("m", 60_000.0),
            ("s", 1_000.0),
        ]
        .iter()
        .find(|(u, _)| rest.starts_with(u))
        .map(|(u, ms)| (*ms, u.len()))?;
        total += number * unit_ms;
        rest = &rest[len..];
    }
    (total.is_finite() && total <= 86_400_000.0).then(|| total.round() as u64)
}

/// Parses `[22, 2375]` (the agent's JSON list form) or `22,2375`.
fn parse_port_list(v: &str) -> Result<BTreeSet<u16>, String> {
    let inner = v.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u16>()
                .map_err(|_| format!("\"{s}\" is not a port number"))
        })
        .collect()
}

/// Parses `"32768-60999"`.
fn parse_range(v: &str) -> Result<(u16, u16), String> {
    let (a, b) = v
        .split_once('-')
        .ok_or_else(|| format!("\"{v}\" is not a range such as 32768-60999"))?;
    let lo: u16 = a
        .trim()
        .parse()
        .map_err(|_| format!("\"{a}\" is not a port number"))?;
    let hi: u16 = b
        .trim()
        .parse()
        .map_err(|_| format!("\"{b}\" is not a port number"))?;
    if lo == 0 || lo > hi {
        return Err(format!("\"{v}\" must run from a low port to a higher one"));
    }
    Ok((lo, hi))
}

/// Custom attribute rules of 2.5: name 1–128 of letters, digits, `-_/\.`; value 1–128 of
/// letters, digits, `-_.@/\:` and space, without leading or trailing space (or empty).
pub(crate) fn check_custom_attribute(name: &str, value: &str) -> Result<(), String> {
    let name_ok = (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/\\.".contains(c));
    if !name_ok {
        return Err(format!("attributes: \"{name}\" is not a valid attribute name (1-128 letters, digits, - _ / \\ .)"));
    }
    let value_ok = value.is_empty()
        || (value.len() <= 128
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.@/\\: ".contains(c))
            && !value.starts_with(' ')
            && !value.ends_with(' '));
    if !value_ok {
        return Err(format!(
            "attributes.{name}: \"{value}\" is not a valid attribute value"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_durations_read_as_go_writes_them_2_7() {
        assert_eq!(go_duration_ms("30s"), Some(30_000));
        assert_eq!(go_duration_ms("2m"), Some(120_000));
        assert_eq!(go_duration_ms("1m30s"), Some(90_000));
        assert_eq!(go_duration_ms("500ms"), Some(500));
        assert_eq!(go_duration_ms("1.5h"), Some(5_400_000));
        for bad in ["", "30", "soon", "5d", "-1s", "2m30"] {
            assert_eq!(go_duration_ms(bad), None, "{bad}");
        }
    }
}
