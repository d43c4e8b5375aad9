//! The typed RegisterTaskDefinition input. Members the engine reads are typed; every other
//! member of the API shape is kept as JSON in `other`, so nothing the user wrote is lost.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// RegisterTaskDefinition request (1.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinitionInput {
    /// Family name.
    #[serde(default)]
    pub family: Option<String>,
    /// Containers.
    #[serde(default)]
    pub container_definitions: Vec<ContainerDefinition>,
    /// `bridge`, `host`, `awsvpc`, `none`.
    #[serde(default)]
    pub network_mode: Option<String>,
    /// `EC2`, `FARGATE`, `EXTERNAL`, `MANAGED_INSTANCES`.
    #[serde(default)]
    pub requires_compatibilities: Vec<String>,
    /// Task CPU: units or a vCPU string, normalised to a units string.
    #[serde(default)]
    pub cpu: Option<String>,
    /// Task memory: MiB or a GB string, normalised to a MiB string.
    #[serde(default)]
    pub memory: Option<String>,
    /// Task role.
    #[serde(default)]
    pub task_role_arn: Option<String>,
    /// Execution role.
    #[serde(default)]
    pub execution_role_arn: Option<String>,
    /// `memberOf` constraints.
    #[serde(default)]
    pub placement_constraints: Vec<PlacementConstraint>,
    /// `host` or `task`.
    #[serde(default)]
    pub pid_mode: Option<String>,
    /// `host`, `task` or `none`.
    #[serde(default)]
    pub ipc_mode: Option<String>,
    /// Runtime platform.
    #[serde(default)]
    pub runtime_platform: Option<RuntimePlatform>,
    /// Volumes (kept as JSON).
    #[serde(default)]
    pub volumes: Vec<Value>,
    /// Every other member of the API shape, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `placementConstraints[]` of a task definition.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacementConstraint {
    /// Only `memberOf` is allowed here.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The cluster query language expression.
    #[serde(default)]
    pub expression: Option<String>,
}

/// `runtimePlatform`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimePlatform {
    /// `X86_64` or `ARM64`.
    #[serde(default)]
    pub cpu_architecture: Option<String>,
    /// `LINUX`, `WINDOWS_SERVER_2022_FULL`, ...
    #[serde(default)]
    pub operating_system_family: Option<String>,
}

/// `containerDefinitions[]` (1.2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Image.
    #[serde(default)]
    pub image: Option<String>,
    /// CPU units (shares).
    #[serde(default)]
    pub cpu: Option<u32>,
    /// Hard memory limit, MiB.
    #[serde(default)]
    pub memory: Option<u32>,
    /// Soft memory limit, MiB.
    #[serde(default)]
    pub memory_reservation: Option<u32>,
    /// Port mappings.
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    /// Default true.
    #[serde(default)]
    pub essential: Option<bool>,
    /// Links (bridge only).
    #[serde(default)]
    pub links: Vec<String>,
    /// Start-up dependencies.
    #[serde(default)]
    pub depends_on: Vec<ContainerDependency>,
    /// Container health check.
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
    /// GPUs and inference accelerators.
    #[serde(default)]
    pub resource_requirements: Vec<ResourceRequirement>,
    /// Seconds between SIGTERM and SIGKILL.
    #[serde(default)]
    pub stop_timeout: Option<u32>,
    /// Hostname (not in awsvpc).
    #[serde(default)]
    pub hostname: Option<String>,
    /// Privileged mode.
    #[serde(default)]
    pub privileged: Option<bool>,
    /// Log configuration (kept as JSON; `logDriver` is read).
    #[serde(default)]
    pub log_configuration: Option<Value>,
    /// Every other member of the API shape, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `portMappings[]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    /// Container port.
    #[serde(default)]
    pub container_port: Option<u32>,
    /// Host port; absent or 0 = dynamic in bridge mode.
    #[serde(default)]
    pub host_port: Option<u32>,
    /// `tcp` (default) or `udp`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Name (Service Connect).
    #[serde(default)]
    pub name: Option<String>,
    /// `http`, `http2`, `grpc`.
    #[serde(default)]
    pub app_protocol: Option<String>,
    /// `"8000-8100"`.
    #[serde(default)]
    pub container_port_range: Option<String>,
}

/// `dependsOn[]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDependency {
    /// The container depended on.
    #[serde(default)]
    pub container_name: Option<String>,
    /// `START`, `COMPLETE`, `SUCCESS`, `HEALTHY`.
    #[serde(default)]
    pub condition: Option<String>,
}

/// `healthCheck` (1.11).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    /// `["CMD-SHELL", "..."]`.
    #[serde(default)]
    pub command: Vec<String>,
    /// Seconds, 5–300, default 30.
    #[serde(default)]
    pub interval: Option<u32>,
    /// Seconds, 2–60, default 5.
    #[serde(default)]
    pub timeout: Option<u32>,
    /// 1–10, default 3.
    #[serde(default)]
    pub retries: Option<u32>,
    /// Seconds, 0–300.
    #[serde(default)]
    pub start_period: Option<u32>,
}

/// `resourceRequirements[]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequirement {
    /// `GPU` or `InferenceAccelerator`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The amount, as a string.
    #[serde(default)]
    pub value: Option<String>,
}
