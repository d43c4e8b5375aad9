//! Task definitions (section 1): the RegisterTaskDefinition input, parsed leniently where
//! AWS's meaning is unambiguous, validated as ECS validates at registration, and condensed
//! into what placement needs ([`ValidTaskDefinition`]).
//!
//! Leniencies (the AWS CLI rejects these; we accept them because the meaning is unambiguous,
//! and say so in a warning):
//! - `null` for an optional member means absent (old console exports null every field);
//! - describe-task-definition output: the `{"taskDefinition": …}` wrapper is unwrapped and the
//!   read-only keys (`taskDefinitionArn`, `revision`, `status`, …) are ignored;
//! - numbers written as strings (`"containerPort": "3000"`) and task `cpu`/`memory` as JSON
//!   numbers or unit strings (`"1 vCPU"`, `".5 gb"`);
//! - empty strings and empty lists in optional enum positions (`ipcMode: ""`,
//!   `requiresCompatibilities: []`) mean absent.
//!
//! Placeholders such as `{{networkmode}}` in enum or size positions are refused with the field
//! named, as AWS would refuse them.

mod form;
mod known_members;
mod lenient;
mod model;
mod platform_rules;
mod units;
mod validate;

pub use form::{ContainerForm, EnvironmentForm, PortMappingForm, TaskDefinitionForm};
pub use model::{
    ContainerDefinition, EnvironmentFile, EphemeralStorage, HealthCheck, KeyValuePair, PortMapping,
    ResourceRequirement, TaskDefinitionInput,
};
pub use units::{fargate_pair_is_valid, parse_task_cpu, parse_task_memory};
pub use validate::validate;

use serde::Serialize;

use crate::json_shape::{At, FromJson};

/// `networkMode` (1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// Docker bridge, the Linux default: static or dynamic host ports.
    Bridge,
    /// Container ports are host ports.
    Host,
    /// One ENI per task.
    Awsvpc,
    /// No networking.
    None,
}

impl NetworkMode {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
            NetworkMode::Awsvpc => "awsvpc",
            NetworkMode::None => "none",
        }
    }
}

/// Port protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (the default).
    Tcp = 0,
    /// UDP.
    Udp = 1,
}

impl Protocol {
    /// `tcp` or `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// `requiresCompatibilities` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Compatibility {
    /// EC2 container instances.
    Ec2,
    /// Fargate.
    Fargate,
    /// ECS Anywhere.
    External,
    /// ECS Managed Instances.
    ManagedInstances,
}

/// One port mapping as placement sees it: one port, or a `containerPortRange` (1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRequest {
    /// The container.
    pub container_name: String,
    /// Port inside the container (the first of a range).
    pub container_port: u16,
    /// Host port; `None` means dynamic (bridge with `hostPort` absent or 0, and every range
    /// in bridge mode).
    pub host_port: Option<u16>,
    /// tcp or udp.
    pub protocol: Protocol,
    /// How many consecutive ports: 1, or the size of a `containerPortRange`.
    pub count: u16,
}

/// Port ranges one container may list (1.5).
pub const MAX_PORT_RANGES: usize = 100;

/// What placement and the lifecycle need to know about one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    /// Name.
    pub name: String,
    /// Image.
    pub image: String,
    /// Essential (default true).
    pub essential: bool,
    /// Hard limit, MiB.
    pub memory: Option<u32>,
    /// Soft limit, MiB.
    pub memory_reservation: Option<u32>,
    /// CPU units.
    pub cpu: u32,
    /// `stopTimeout`, seconds.
    pub stop_timeout_s: Option<u32>,
    /// Whether it has a container health check.
    pub has_health_check: bool,
    /// The health check's `interval` in seconds (1.11: default 30), when it has one.
    pub health_check_interval_s: Option<u32>,
    /// The health check's `retries` (1.11: default 3).
    pub health_check_retries: u32,
    /// `restartPolicy`, when enabled (1.2).
    pub restart_policy: Option<RestartPolicy>,
    /// `dependsOn`: (container name, condition), in order (1.10).
    pub depends_on: Vec<(String, String)>,
}

/// An enabled container `restartPolicy` (1.2): the container restarts in place when it exits,
/// unless with one of `ignored_exit_codes`, once it has run `attempt_period_s` (default 300)
/// since it started or last restarted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartPolicy {
    /// `ignoredExitCodes`.
    pub ignored_exit_codes: Vec<i64>,
    /// `restartAttemptPeriod`, seconds.
    pub attempt_period_s: u32,
}

/// A task definition that passed registration, with the derived needs of one task.
#[derive(Debug, Clone)]
pub struct ValidTaskDefinition {
    /// The input as registered.
    pub input: TaskDefinitionInput,
    /// `family`.
    pub family: String,
    /// `networkMode` (default bridge).
    pub network_mode: NetworkMode,
    /// `requiresCompatibilities` (empty when not given).
    pub compatibilities: Vec<Compatibility>,
    /// CPU units one task reserves (1.3): task `cpu` if set, else the sum of container `cpu`.
    pub cpu_units: u32,
    /// MiB one task reserves (1.3): task `memory` if set, else the sum over containers of
    /// `memoryReservation` if set, else `memory`.
    pub memory_mib: u32,
    /// Task-level `cpu` in units, as given.
    pub task_cpu_units: Option<u32>,
    /// Task-level `memory` in MiB, as given.
    pub task_memory_mib: Option<u32>,
    /// GPUs (sum of `resourceRequirements` of type GPU).
    pub gpus: u32,
    /// Port mappings that need host ports (bridge, host) or are listed for awsvpc.
    pub ports: Vec<PortRequest>,
    /// awsvpc: one ENI per task.
    pub needs_eni: bool,
    /// Attributes a container instance must have (2.5).
    pub required_attributes: Vec<String>,
    /// `memberOf` expressions from `placementConstraints`.
    pub member_of: Vec<String>,
    /// The containers.
    pub containers: Vec<ContainerSummary>,
    /// `runtimePlatform.cpuArchitecture` (default X86_64).
    pub cpu_architecture: String,
    /// `runtimePlatform.operatingSystemFamily` (default LINUX).
    pub os_family: String,
}

impl ValidTaskDefinition {
    /// Whether it runs Windows containers (`runtimePlatform.operatingSystemFamily`
    /// `WINDOWS_SERVER_…`).
    pub fn is_windows(&self) -> bool {
        self.os_family.to_ascii_uppercase().starts_with("WINDOWS")
    }

    /// The longest `healthCheck.interval` of its essential containers, in seconds: when the
    /// task's health is first known (HEALTHY once every essential check passed once, 1.11).
    /// `None` without an essential container health check.
    pub fn essential_check_interval_s(&self) -> Option<u32> {
        self.containers
            .iter()
            .filter(|c| c.essential)
            .filter_map(|c| c.health_check_interval_s)
            .max()
    }
}

/// A field-level message: a warning (kept, ignored, or accepted leniently).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldWarning {
    /// JSON path, e.g. `containerDefinitions[0].inferenceDevices`.
    pub path: String,
    /// What happened.
    pub message: String,
}

/// A refusal, phrased like AWS's ClientException and naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinitionError {
    /// JSON path of the offending field (empty for the document).
    pub path: String,
    /// The message.
    pub message: String,
    /// 1-based line of the error in the JSON text, when the text is known.
    pub line: Option<usize>,
    /// 1-based column of the error in the JSON text, when the text is known.
    pub column: Option<usize>,
}

impl TaskDefinitionError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        TaskDefinitionError {
            path: path.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl TaskDefinitionError {
    /// This error with the line and column of its field in `text`, the JSON it was found in
    /// (describe-task-definition output included), when it has a path but no line yet.
    pub fn located_in(self, text: &str) -> Self {
        let wrapped =
            serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| is_describe_output(&v));
        self.located(text, wrapped)
    }

    /// [`Self::located_in`] when the caller knows whether the text is describe output, whose
    /// paths [`parse_task_definition_value`] reports relative to the unwrapped definition.
    fn located(mut self, text: &str, wrapped: bool) -> Self {
        if self.line.is_some() || self.path.is_empty() {
            return self;
        }
        let path = if wrapped {
            format!("taskDefinition.{}", self.path)
        } else {
            self.path.clone()
        };
        if let Some(p) = crate::json_position::locate(text, &path) {
            self.line = Some(p.line);
            self.column = Some(p.column);
        }
        self
    }
}

/// Whether `value` is describe-task-definition output, `{"taskDefinition": {…}}`.
fn is_describe_output(value: &serde_json::Value) -> bool {
    value
        .get("taskDefinition")
        .is_some_and(serde_json::Value::is_object)
}

impl std::fmt::Display for TaskDefinitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, " (line {l}, column {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TaskDefinitionError {}

/// A parsed (not yet validated) task definition.
#[derive(Debug, Clone)]
pub struct ParsedTaskDefinition {
    /// The typed input.
    pub input: TaskDefinitionInput,
    /// Leniencies applied, unknown keys, read-only keys ignored.
    pub warnings: Vec<FieldWarning>,
}

/// Parses JSON text: a RegisterTaskDefinition input or describe-task-definition output. An
/// error names its line and column in `json`.
pub fn parse_task_definition(json: &str) -> Result<ParsedTaskDefinition, TaskDefinitionError> {
    parse_text(json).map(|(_, parsed)| parsed)
}

/// The decoded text and its parse, errors placed in the text.
fn parse_text(
    json: &str,
) -> Result<(serde_json::Value, ParsedTaskDefinition), TaskDefinitionError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| TaskDefinitionError {
        path: String::new(),
        message: format!(
            "invalid JSON: {}",
            crate::json_position::without_position(&e.to_string())
        ),
        line: Some(e.line()),
        column: Some(e.column()),
    })?;
    let parsed = parse_task_definition_value(&value)
        .map_err(|e| e.located(json, is_describe_output(&value)))?;
    Ok((value, parsed))
}

/// Parses and validates JSON text as RegisterTaskDefinition does: the decoded text (kept
/// verbatim in a scenario), its parse (with warnings) and the valid task definition, or every
/// refusal, each with the line and column of its field in `json`.
pub fn check_task_definition(
    json: &str,
) -> Result<(serde_json::Value, ParsedTaskDefinition, ValidTaskDefinition), Vec<TaskDefinitionError>>
{
    let (value, parsed) = parse_text(json).map_err(|e| vec![e])?;
    let wrapped = is_describe_output(&value);
    match validate(&parsed.input) {
        Ok(valid) => Ok((value, parsed, valid)),
        Err(errors) => Err(errors
            .into_iter()
            .map(|e| e.located(json, wrapped))
            .collect()),
    }
}

/// Parses an already-decoded JSON value.
pub fn parse_task_definition_value(
    value: &serde_json::Value,
) -> Result<ParsedTaskDefinition, TaskDefinitionError> {
    let mut warnings = Vec::new();
    let normalised = lenient::normalise(value, &mut warnings)?;
    let input = TaskDefinitionInput::from_json(&normalised, At::Root)
        .map_err(|e| TaskDefinitionError::at(e.path, format!("ClientException: {}", e.message)))?;
    Ok(ParsedTaskDefinition { input, warnings })
}

#[cfg(test)]
mod tests;
