//! The scenario document: the single source of truth for a run.
//!
//! A scenario is one versioned JSON document (`"version": 1`). Where AWS has an API for a
//! thing, the document holds the AWS request body verbatim (`taskDefinitions` are
//! RegisterTaskDefinition requests, `services` are CreateService requests, ...). The
//! playground's own parts (seed, duration, hand-drawn container instances, ...) are described
//! by the JSON Schema in `docs/scenario.schema.json`.
//!
//! Loading never panics: a syntax error reports line and column, a type error reports the
//! field path, and AWS members the engine does not simulate yet are kept in the document and
//! reported as "not simulated" warnings.

mod aws;
mod instances;
mod not_simulated;

use serde_json::Value;

pub use aws::AwsServices;
pub use instances::{InstanceSpec, Lifecycle, DEFAULT_AGENT_VERSION};

use crate::json_shape::{At, FromJson, Members, ShapeError};
use crate::time::{parse_duration_ms, MAX_DURATION_MS};

/// The scenario format version this engine reads.
pub const SCENARIO_VERSION: u64 = 1;

/// Default scenario length when `duration` is absent: one hour.
pub const DEFAULT_DURATION_MS: u64 = 3_600_000;

/// Limits that keep a shared scenario from freezing a browser tab.
pub mod limits {
    /// Most container instances a scenario may draw (the ECS quota per cluster is 5,000).
    pub const MAX_INSTANCES: usize = 5_000;
    /// Most task definitions in one scenario.
    pub const MAX_TASK_DEFINITIONS: usize = 500;
    /// Most services in one scenario.
    pub const MAX_SERVICES: usize = 100;
    /// Most RunTask calls in one scenario.
    pub const MAX_RUN_TASKS: usize = 1_000;
    /// Largest scenario document accepted, in bytes.
    pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;
}

/// A problem that stops a scenario from loading, naming where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// JSON path of the offending field, e.g. `containerInstances[2].instanceType`; empty for
    /// the document itself.
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// 1-based line of the error in the JSON text, when the text is known.
    pub line: Option<usize>,
    /// 1-based column of the error in the JSON text, when the text is known.
    pub column: Option<usize>,
}

impl std::fmt::Display for ScenarioError {
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

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    /// An error at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError {
            path: path.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }

    /// This error with the line and column of its field in `text`, the JSON it was found in,
    /// when it has a path but no line yet.
    pub fn located_in(mut self, text: &str) -> Self {
        if self.line.is_none() && !self.path.is_empty() {
            if let Some(p) = crate::json_position::locate(text, &self.path) {
                self.line = Some(p.line);
                self.column = Some(p.column);
            }
        }
        self
    }
}

/// A warning that does not stop the run, e.g. a field that is kept but not simulated yet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScenarioWarning {
    /// JSON path of the field.
    pub path: String,
    /// What the engine does with it.
    pub message: String,
}

/// Declares the document's top level once: the typed view (`Document`), the names of its
/// members (anything else is refused), and its reader. Every member is optional; `version` is
/// checked before.
macro_rules! top_level {
    ($($field:ident: $ty:ty = $key:literal,)*) => {
        /// The typed view of the document's top level. AWS request bodies stay raw JSON here;
        /// each ECS concept's module parses its own.
        #[derive(Debug)]
        struct Document {
            $($field: $ty,)*
        }

        /// Every member of the document's top level.
        const DOCUMENT_MEMBERS: &[&str] = &["version", $($key,)*];

        impl FromJson for Document {
            fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
                let m = Members::of(value, at, "a scenario object")?;
                m.deny_unknown(DOCUMENT_MEMBERS);
                let built = Document {
                    $($field: m.get($key).unwrap_or_default(),)*
                };
                m.finish(built)
            }
        }
    };
}

top_level! {
    name: Option<String> = "name",
    description: Option<String> = "description",
    seed: u64 = "seed",
    duration: Option<Value> = "duration",
    start_time: Option<String> = "startTime",
    container_instances: Vec<Value> = "containerInstances",
    task_definitions: Vec<Value> = "taskDefinitions",
    services: Vec<Value> = "services",
    run_tasks: Vec<Value> = "runTasks",
    stop_tasks: Vec<Value> = "stopTasks",
    deregister_task_definitions: Vec<Value> = "deregisterTaskDefinitions",
    modify_listeners: Vec<Value> = "modifyListeners",
    create_task_sets: Vec<Value> = "createTaskSets",
    update_task_sets: Vec<Value> = "updateTaskSets",
    update_service_primary_task_sets: Vec<Value> = "updateServicePrimaryTaskSets",
    delete_task_sets: Vec<Value> = "deleteTaskSets",
    delete_task_definitions: Vec<Value> = "deleteTaskDefinitions",
    execute_commands: Vec<Value> = "executeCommands",
    start_tasks: Vec<Value> = "startTasks",
    delete_services: Vec<Value> = "deleteServices",
    stop_service_deployments: Vec<Value> = "stopServiceDeployments",
    continue_service_deployments: Vec<Value> = "continueServiceDeployments",
    lambda_hook_responses: Vec<Value> = "lambdaHookResponses",
    code_deploy_applications: Vec<Value> = "codeDeployApplications",
    deployment_configs: Vec<Value> = "deploymentConfigs",
    deployment_groups: Vec<Value> = "deploymentGroups",
    create_deployments: Vec<Value> = "createDeployments",
    continue_deployments: Vec<Value> = "continueDeployments",
    stop_deployments: Vec<Value> = "stopDeployments",
    deregister_container_instances: Vec<Value> = "deregisterContainerInstances",
    update_services: Vec<Value> = "updateServices",
    update_container_instances_state: Vec<Value> = "updateContainerInstancesState",
    put_attributes: Vec<Value> = "putAttributes",
    delete_attributes: Vec<Value> = "deleteAttributes",
    capacity_providers: Vec<Value> = "capacityProviders",
    target_groups: Vec<Value> = "targetGroups",
    classic_load_balancers: Vec<Value> = "classicLoadBalancers",
    scalable_targets: Vec<Value> = "scalableTargets",
    scaling_policies: Vec<Value> = "scalingPolicies",
    scheduled_actions: Vec<Value> = "scheduledActions",
    auto_scaling_groups: Vec<Value> = "autoScalingGroups",
    load_profiles: Vec<Value> = "loadProfiles",
    faults: Vec<Value> = "faults",
    lessons: Vec<Value> = "lessons",
    options: EngineOptions = "options",
    subnets: Vec<SubnetSpec> = "subnets",
    load_balancers: Vec<Value> = "loadBalancers",
    listeners: Vec<Value> = "listeners",
    security_groups: Vec<Value> = "securityGroups",
    alarms: Vec<Value> = "alarms",
    queues: Vec<Value> = "queues",
    update_task_protection: Vec<Value> = "updateTaskProtection",
    clusters: Vec<Value> = "clusters",
    launch_templates: Vec<Value> = "launchTemplates",
    auto_scaling_policies: Vec<Value> = "autoScalingPolicies",
    update_auto_scaling_groups: Vec<Value> = "updateAutoScalingGroups",
    start_instance_refreshes: Vec<Value> = "startInstanceRefreshes",
    cancel_instance_refreshes: Vec<Value> = "cancelInstanceRefreshes",
    put_warm_pools: Vec<Value> = "putWarmPools",
    put_lifecycle_hooks: Vec<Value> = "putLifecycleHooks",
    complete_lifecycle_actions: Vec<Value> = "completeLifecycleActions",
    record_lifecycle_action_heartbeats: Vec<Value> = "recordLifecycleActionHeartbeats",
    iam_roles: Vec<Value> = "iamRoles",
    buckets: Vec<Value> = "buckets",
    put_objects: Vec<Value> = "putObjects",
    sns_topics: Vec<Value> = "snsTopics",
    dynamo_db_tables: Vec<Value> = "dynamoDbTables",
    event_rules: Vec<Value> = "eventRules",
    schedules: Vec<Value> = "schedules",
    applications: Vec<Value> = "applications",
    repositories: Vec<Value> = "repositories",
    parameters: Vec<Value> = "parameters",
    secrets: Vec<Value> = "secrets",
    log_groups: Vec<Value> = "logGroups",
    file_systems: Vec<Value> = "fileSystems",
    mount_targets: Vec<Value> = "mountTargets",
    namespaces: Vec<Value> = "namespaces",
    cloud_map_services: Vec<Value> = "cloudMapServices",
    ebs_snapshots: Vec<Value> = "ebsSnapshots",
}

/// A subnet of the scenario's VPC.
#[derive(Debug, Clone, Default)]
struct SubnetSpec {
    subnet_id: String,
    availability_zone: String,
}

impl FromJson for SubnetSpec {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct SubnetSpec")?;
        m.deny_unknown(&["subnetId", "availabilityZone"]);
        let built = SubnetSpec {
            subnet_id: m.required("subnetId"),
            availability_zone: m.required("availabilityZone"),
        };
        m.finish(built)
    }
}

/// Choices where AWS's behaviour is [unconfirmed], and model settings, switchable per
/// scenario (`options`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineOptions {
    /// Lifecycle durations (image pull, container start, ...).
    pub lifecycle: crate::lifecycle::LifecycleOptions,
    /// Whether `attribute:x != v` (and `!in`, `!~`) in `memberOf` matches instances that lack
    /// `x`. Default false: AWS's example suggests they are excluded (3.5).
    pub missing_attribute_matches_negations: bool,
    /// How many passing health checks make a newly registered target healthy. Default:
    /// the target group's `HealthyThresholdCount` (the ECS guide's 150 s); the ALB guide says
    /// one (8.2).
    pub initial_health_checks: Option<u64>,
    /// Capacity timings and switches (`options.capacity`).
    pub capacity: crate::capacity_provider::CapacityOptions,
    /// How often traffic is re-routed, in milliseconds (`routingIntervalSeconds` in the
    /// document, 1 to 60; default 1).
    pub routing_interval_ms: u64,
    /// The alarms target-tracking policies create (`targetTrackingAlarms`).
    pub target_tracking_alarms: crate::autoscaling::target_tracking::TargetTrackingAlarms,
    /// Which free port a dynamic host port mapping gets (`dynamicHostPorts`).
    pub dynamic_host_ports: crate::placement::reserve::DynamicPortChoice,
    /// How placement picks among instances every strategy ranks equal (`placementTieBreak`).
    pub placement_tie_break: crate::placement::explain::TieBreak,
    /// What `RequestCountPerTarget` divides by (`requestCountPerTargetDivisor`).
    pub request_count_per_target_divisor: crate::traffic::PerTargetDivisor,
    /// Whether the spread strategies count PENDING tasks as well as RUNNING ones
    /// (`spreadCountsPending`, default true: a batch placed at once spreads; [unconfirmed],
    /// section 12 item 1).
    pub spread_counts_pending: bool,
    /// The Service Connect proxy's undocumented behaviour (`serviceConnect`).
    pub service_connect: crate::service_connect::ServiceConnectOptions,
    /// Service discovery's choices where AWS is silent (`serviceDiscovery`).
    pub service_discovery: crate::service_discovery::ServiceDiscoveryOptions,
    /// How long EBS volumes take to attach and detach (`ebs`).
    pub ebs: crate::ebs_volume::EbsOptions,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            missing_attribute_matches_negations: false,
            lifecycle: crate::lifecycle::LifecycleOptions::default(),
            initial_health_checks: None,
            routing_interval_ms: crate::traffic::DEFAULT_ROUTING_INTERVAL_MS,
            capacity: Default::default(),
            target_tracking_alarms: Default::default(),
            dynamic_host_ports: Default::default(),
            placement_tie_break: Default::default(),
            request_count_per_target_divisor: Default::default(),
            spread_counts_pending: true,
            service_connect: Default::default(),
            service_discovery: Default::default(),
            ebs: Default::default(),
        }
    }
}

impl FromJson for EngineOptions {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct EngineOptions")?;
        m.deny_unknown(&[
            "lifecycle",
            "missingAttributeMatchesNegations",
            "initialHealthChecks",
            "capacity",
            "routingIntervalSeconds",
            "targetTrackingAlarms",
            "dynamicHostPorts",
            "placementTieBreak",
            "requestCountPerTargetDivisor",
            "spreadCountsPending",
            "serviceConnect",
            "serviceDiscovery",
            "ebs",
        ]);
        let routing_seconds: Option<u64> = m.get("routingIntervalSeconds");
        if routing_seconds.is_some_and(|s| !(1..=60).contains(&s)) {
            m.refuse_member(
                "routingIntervalSeconds",
                "routingIntervalSeconds must be 1 to 60".to_string(),
            );
        }
        let built = EngineOptions {
            lifecycle: m.get("lifecycle").unwrap_or_default(),
            missing_attribute_matches_negations: m
                .get("missingAttributeMatchesNegations")
                .unwrap_or_default(),
            initial_health_checks: m.get("initialHealthChecks"),
            capacity: m.get("capacity").unwrap_or_default(),
            routing_interval_ms: routing_seconds
                .map_or(crate::traffic::DEFAULT_ROUTING_INTERVAL_MS, |s| s * 1000),
            target_tracking_alarms: m.get("targetTrackingAlarms").unwrap_or_default(),
            dynamic_host_ports: m.get("dynamicHostPorts").unwrap_or_default(),
            placement_tie_break: m.get("placementTieBreak").unwrap_or_default(),
            request_count_per_target_divisor: m
                .get("requestCountPerTargetDivisor")
                .unwrap_or_default(),
            spread_counts_pending: m.get("spreadCountsPending").unwrap_or(true),
            service_connect: m.get("serviceConnect").unwrap_or_default(),
            service_discovery: m.get("serviceDiscovery").unwrap_or_default(),
            ebs: m.get("ebs").unwrap_or_default(),
        };
        m.finish(built)
    }
}

/// A loaded scenario: the raw document (kept verbatim, so a round trip preserves every field)
/// plus the parts the engine reads.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The document exactly as given (key order preserved).
    pub raw: Value,
    /// Display name.
    pub name: String,
    /// What the scenario shows.
    pub description: String,
    /// The seed every random stream derives from.
    pub seed: u64,
    /// How long the run lasts, in simulated milliseconds.
    pub duration_ms: u64,
    /// Wall-clock date of simulated time zero, as Unix epoch milliseconds (UTC); it dates
    /// `registeredAt` and similar timestamps. Default 2025-01-01T00:00:00Z.
    pub start_epoch_ms: i64,
    /// Hand-drawn container instances (after expanding `count`).
    pub instances: Vec<InstanceSpec>,
    /// RegisterTaskDefinition requests (or describe-task-definition output), verbatim.
    pub task_definitions: Vec<Value>,
    /// CreateService requests, verbatim.
    pub services: Vec<Value>,
    /// RunTask requests, each with an `at` time, verbatim.
    pub run_tasks: Vec<Value>,
    /// `startTasks[]`: StartTask requests with an `at`.
    pub start_tasks: Vec<Value>,
    /// UpdateService requests, each with an `at` time, verbatim.
    pub update_services: Vec<Value>,
    /// UpdateContainerInstancesState requests, each with an `at` time, verbatim.
    pub instance_state_updates: Vec<Value>,
    /// `putAttributes[]` then `deleteAttributes[]`, checked.
    pub attribute_calls: Vec<crate::attributes::AttributeCall>,
    /// `stopTasks[]`, checked.
    pub stop_tasks: Vec<crate::stop_task::StopTaskCall>,
    /// `modifyListeners[]` (ModifyListener), checked against the listeners.
    pub listener_changes: Vec<crate::load_balancer::listener::ListenerChange>,
    /// `createTaskSets[]`, `updateTaskSets[]`, `updateServicePrimaryTaskSets[]` and
    /// `deleteTaskSets[]`, checked for shape, in that order.
    pub task_set_calls: Vec<crate::task_set::TaskSetCall>,
    /// `deregisterTaskDefinitions[]` then `deleteTaskDefinitions[]`, checked.
    pub task_definition_calls: Vec<crate::task_definition_state::TaskDefinitionCall>,
    /// `executeCommands[]` (ECS Exec), checked.
    pub execute_commands: Vec<crate::execute_command::ExecuteCommandCall>,
    /// The clusters' `configuration.executeCommandConfiguration`.
    pub exec_configurations: Vec<crate::execute_command::ExecConfiguration>,
    /// `deleteServices[]`, checked.
    pub delete_services: Vec<crate::delete_service::DeleteServiceCall>,
    /// `stopServiceDeployments[]`, checked.
    pub stop_service_deployments: Vec<crate::stop_service_deployment::StopServiceDeploymentCall>,
    /// `continueServiceDeployments[]`, checked.
    pub continue_service_deployments:
        Vec<crate::deployment_lifecycle_hook::ContinueServiceDeploymentCall>,
    /// `lambdaHookResponses[]`: what the Lambda functions of deployment lifecycle hooks answer.
    pub lambda_hook_responses: Vec<crate::deployment_lifecycle_hook::LambdaScript>,
    /// The CodeDeploy sections (`codeDeployApplications`, `deploymentConfigs`,
    /// `deploymentGroups`, `createDeployments`, `continueDeployments`, `stopDeployments`).
    pub code_deploy: crate::code_deploy::CodeDeployRequests,
    /// `deregisterContainerInstances[]`, checked.
    pub deregister_instances: Vec<crate::deregister_instance::DeregisterCall>,
    /// Warnings found while loading (fields kept but not simulated, ...).
    pub warnings: Vec<ScenarioWarning>,
    /// Switches for behaviour AWS does not document.
    pub options: EngineOptions,
    /// The Availability Zone of every known subnet: those declared in `subnets` and those the
    /// container instances sit in.
    pub subnet_zones: std::collections::BTreeMap<String, String>,
    /// Load balancers, listeners, target groups and security groups, checked.
    pub load_balancing: crate::load_balancer::LoadBalancing,
    /// Load profiles, checked.
    pub load_profiles: Vec<crate::load::LoadProfile>,
    /// Scalable targets, scaling policies and alarms, checked.
    pub auto_scaling: crate::autoscaling::AutoScalingRequests,
    /// Scheduled actions, checked.
    pub scheduled_actions: Vec<crate::autoscaling::scheduled::ScheduledActionRequest>,
    /// Faults, checked.
    pub faults: Vec<crate::faults::Fault>,
    /// SQS queues (CreateQueue requests), checked.
    pub queues: Vec<crate::queue::Queue>,
    /// UpdateTaskProtection requests, each with an `at` time, verbatim.
    pub task_protection: Vec<Value>,
    /// Capacity providers (with `FARGATE` and `FARGATE_SPOT`) and cluster settings, checked.
    pub capacity_providers: crate::capacity_provider::CapacityProviders,
    /// Auto Scaling groups (CreateAutoScalingGroup requests with their launch templates), checked.
    pub auto_scaling_groups: Vec<crate::auto_scaling_group::AutoScalingGroupSpec>,
    /// S3, SNS, DynamoDB, EventBridge and the applications in the tasks, checked.
    pub aws: AwsServices,
    /// IAM roles, checked; IAM is simulated only when there is at least one.
    pub iam: crate::iam::Roles,
    /// UpdateAutoScalingGroup requests, each with an `at` time, verbatim.
    pub update_auto_scaling_groups: Vec<Value>,
    /// CancelInstanceRefresh calls (`cancelInstanceRefreshes[]`), checked.
    pub refresh_cancellations: Vec<crate::auto_scaling_group::instance_refresh::CancelRefreshCall>,
    /// The launch templates (`launchTemplates[]`), checked.
    pub launch_templates: Vec<crate::auto_scaling_group::LaunchTemplate>,
    /// PutLifecycleHook calls (`putLifecycleHooks[]`), checked.
    pub lifecycle_hooks: Vec<crate::auto_scaling_group::lifecycle_hook::PutLifecycleHookCall>,
    /// CompleteLifecycleAction calls (`completeLifecycleActions[]`), checked.
    pub complete_lifecycle_actions:
        Vec<crate::auto_scaling_group::lifecycle_hook::LifecycleActionCall>,
    /// RecordLifecycleActionHeartbeat calls (`recordLifecycleActionHeartbeats[]`), checked.
    pub lifecycle_action_heartbeats:
        Vec<crate::auto_scaling_group::lifecycle_hook::LifecycleActionCall>,
    /// PutWarmPool calls (`putWarmPools[]`), checked.
    pub warm_pools: Vec<crate::auto_scaling_group::warm_pool::PutWarmPoolCall>,
    /// StartInstanceRefresh calls (`startInstanceRefreshes[]`), checked.
    pub instance_refreshes: Vec<crate::auto_scaling_group::instance_refresh::InstanceRefreshCall>,
    /// The groups' own scaling policies (EC2 Auto Scaling PutScalingPolicy requests), checked.
    pub auto_scaling_policies: Vec<crate::auto_scaling_group::scaling_policy::GroupScalingPolicy>,
    /// Image repositories (ECR, ECR Public, Docker Hub) with their images, checked.
    pub registries: crate::registry::Registries,
    /// SSM parameters and Secrets Manager secrets, checked.
    pub secrets: crate::secrets::SecretStore,
    /// CloudWatch Logs groups (empty, with their retention), checked.
    pub log_groups: crate::logs::LogStore,
    /// EFS file systems and their mount targets, checked.
    pub efs: crate::efs::Efs,
    /// Cloud Map namespaces (`namespaces[]` and the clusters' `serviceConnectDefaults`).
    pub namespaces: crate::service_connect::Namespaces,
    /// Cloud Map services (`cloudMapServices[]`), for service discovery.
    pub cloud_map: crate::service_discovery::CloudMapServices,
    /// EBS snapshots volumes restore from (`ebsSnapshots[]`).
    pub ebs_snapshots: crate::ebs_volume::EbsSnapshots,
}

/// Default `startTime`: 2025-01-01T00:00:00Z.
pub const DEFAULT_START_EPOCH_MS: i64 = 1_735_689_600_000;

impl Scenario {
    /// Loads a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > limits::MAX_DOCUMENT_BYTES {
            return Err(ScenarioError::at(
                "",
                format!(
                    "the scenario is {} bytes; the limit is {} bytes",
                    text.len(),
                    limits::MAX_DOCUMENT_BYTES
                ),
            ));
        }
        let raw: Value = serde_json::from_str(text).map_err(|e| ScenarioError {
            path: String::new(),
            message: format!(
                "invalid JSON: {}",
                crate::json_position::without_position(&e.to_string())
            ),
            line: Some(e.line()),
            column: Some(e.column()),
        })?;
        Self::from_value(raw).map_err(|e| e.located_in(text))
    }

    /// Loads a scenario from an already parsed JSON value.
    pub fn from_value(raw: Value) -> Result<Scenario, ScenarioError> {
        match raw.get("version") {
            None => return Err(ScenarioError::at("version", "missing: a scenario starts with \"version\": 1")),
            Some(Value::Number(n)) if n.as_u64() == Some(SCENARIO_VERSION) => {}
            Some(other) => {
                return Err(ScenarioError::at(
                    "version",
                    format!("unsupported scenario version {other}; this playground reads version {SCENARIO_VERSION}"),
                ))
            }
        }
        // Typed from the parsed value only, never from the text as well: a second
        // deserializer would instantiate every field's deserializer twice, a large share of
        // the browser's download (BENCHMARKS.md, "Bundle size"). The line comes from the path.
        let doc = Document::from_json(&raw, At::Root).map_err(|e| ScenarioError {
            path: e.path,
            message: e.message,
            line: None,
            column: None,
        })?;

        let duration_ms = match &doc.duration {
            None => DEFAULT_DURATION_MS,
            Some(v) => parse_duration_ms(v).map_err(|m| ScenarioError::at("duration", m))?,
        };
        if duration_ms == 0 || duration_ms > MAX_DURATION_MS {
            return Err(ScenarioError::at(
                "duration",
                "must be more than 0 and at most 366 days",
            ));
        }
        let start_epoch_ms = match &doc.start_time {
            None => DEFAULT_START_EPOCH_MS,
            Some(s) => crate::calendar::parse_utc_timestamp_ms(s).ok_or_else(|| {
                ScenarioError::at(
                    "startTime",
                    format!("\"{s}\" is not a UTC time such as \"2025-01-01T00:00:00Z\""),
                )
            })?,
        };

        check_len(
            "taskDefinitions",
            doc.task_definitions.len(),
            limits::MAX_TASK_DEFINITIONS,
        )?;
        check_len("services", doc.services.len(), limits::MAX_SERVICES)?;
        check_len("runTasks", doc.run_tasks.len(), limits::MAX_RUN_TASKS)?;
        check_len("startTasks", doc.start_tasks.len(), limits::MAX_RUN_TASKS)?;
        check_len(
            "updateServices",
            doc.update_services.len(),
            limits::MAX_RUN_TASKS,
        )?;
        let instances = instances::expand(&doc.container_instances)?;
        let mut subnet_zones = std::collections::BTreeMap::new();
        for spec in &instances {
            subnet_zones.insert(spec.subnet_id.clone(), spec.availability_zone.clone());
        }
        for (i, subnet) in doc.subnets.iter().enumerate() {
            if let Some(az) =
                subnet_zones.insert(subnet.subnet_id.clone(), subnet.availability_zone.clone())
            {
                if az != subnet.availability_zone {
                    return Err(ScenarioError::at(
                        format!("subnets[{i}].availabilityZone"),
                        format!(
                            "subnet {} is in {az} according to the instances in it",
                            subnet.subnet_id
                        ),
                    ));
                }
            }
        }

        let load_balancing = crate::load_balancer::LoadBalancing::from_scenario(
            crate::load_balancer::Sections {
                load_balancers: &doc.load_balancers,
                listeners: &doc.listeners,
                target_groups: &doc.target_groups,
                security_groups: &doc.security_groups,
                classic_load_balancers: &doc.classic_load_balancers,
            },
            &subnet_zones,
        )
        .map_err(field_error)?;
        let listener_changes = timed_calls("modifyListeners", &doc.modify_listeners, |v, path| {
            load_balancing.parse_modify_listener(v, path)
        })?;
        let mut task_set_calls = Vec::new();
        for (key, items) in crate::task_set::SECTIONS.iter().zip([
            &doc.create_task_sets,
            &doc.update_task_sets,
            &doc.update_service_primary_task_sets,
            &doc.delete_task_sets,
        ]) {
            task_set_calls.extend(timed_calls(key, items, |v, path| {
                crate::task_set::TaskSetCall::parse(key, v, path)
            })?);
        }
        let load_profiles = doc
            .load_profiles
            .iter()
            .enumerate()
            .map(|(i, v)| crate::load::LoadProfile::parse(v, i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(field_error)?;
        let auto_scaling = crate::autoscaling::AutoScalingRequests::parse(
            &doc.scalable_targets,
            &doc.scaling_policies,
            &doc.alarms,
        )
        .map_err(field_error)?;
        let scheduled_actions = doc
            .scheduled_actions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                crate::autoscaling::scheduled::ScheduledActionRequest::parse(
                    v,
                    &format!("scheduledActions[{i}]"),
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(field_error)?;

        doc.options.lifecycle.check().map_err(field_error)?;
        let mut queues: Vec<crate::queue::Queue> = Vec::new();
        for (i, v) in doc.queues.iter().enumerate() {
            let q = crate::queue::Queue::parse(v, &format!("queues[{i}]")).map_err(field_error)?;
            if queues.iter().any(|o| o.name == q.name) {
                return Err(ScenarioError::at(
                    format!("queues[{i}].QueueName"),
                    format!("a queue named {} already exists", q.name),
                ));
            }
            queues.push(q);
        }
        let mut faults = Vec::new();
        let mut later_faults = Vec::new();
        for (i, v) in doc.faults.iter().enumerate() {
            match crate::faults::Fault::parse(v, &format!("faults[{i}]")).map_err(field_error)? {
                Some(f) => faults.push(f),
                None => later_faults.push(v.clone()),
            }
        }
        doc.options.capacity.check().map_err(field_error)?;
        let mut templates = Vec::new();
        for (i, v) in doc.launch_templates.iter().enumerate() {
            let t = crate::auto_scaling_group::LaunchTemplate::parse(
                v,
                &format!("launchTemplates[{i}]"),
            )
            .map_err(field_error)?;
            if templates
                .iter()
                .any(|o: &crate::auto_scaling_group::LaunchTemplate| o.name == t.name)
            {
                return Err(ScenarioError::at(
                    format!("launchTemplates[{i}].LaunchTemplateName"),
                    format!("a launch template named {} already exists", t.name),
                ));
            }
            templates.push(t);
        }
        let mut auto_scaling_groups: Vec<crate::auto_scaling_group::AutoScalingGroupSpec> =
            Vec::new();
        for (i, v) in doc.auto_scaling_groups.iter().enumerate() {
            let g = crate::auto_scaling_group::AutoScalingGroupSpec::parse(
                v,
                &format!("autoScalingGroups[{i}]"),
                &templates,
                &subnet_zones,
            )
            .map_err(field_error)?;
            if auto_scaling_groups.iter().any(|o| o.name == g.name) {
                return Err(ScenarioError::at(
                    format!("autoScalingGroups[{i}].AutoScalingGroupName"),
                    format!("an Auto Scaling group named {} already exists", g.name),
                ));
            }
            auto_scaling_groups.push(g);
        }
        use crate::auto_scaling_group::instance_refresh::{CancelRefreshCall, InstanceRefreshCall};
        let instance_refreshes = timed_calls(
            "startInstanceRefreshes",
            &doc.start_instance_refreshes,
            |v, at| InstanceRefreshCall::parse(v, at, &auto_scaling_groups, &templates),
        )?;
        let refresh_cancellations = timed_calls(
            "cancelInstanceRefreshes",
            &doc.cancel_instance_refreshes,
            |v, at| CancelRefreshCall::parse(v, at, &auto_scaling_groups),
        )?;
        let lifecycle_hooks =
            timed_calls("putLifecycleHooks", &doc.put_lifecycle_hooks, |v, at| {
                crate::auto_scaling_group::lifecycle_hook::PutLifecycleHookCall::parse(
                    v,
                    at,
                    &auto_scaling_groups,
                )
            })?;
        let action_calls = |key: &str, items: &[Value], complete: bool| {
            timed_calls(key, items, |v, at| {
                crate::auto_scaling_group::lifecycle_hook::LifecycleActionCall::parse(
                    v,
                    at,
                    &auto_scaling_groups,
                    complete,
                )
            })
        };
        let complete_lifecycle_actions = action_calls(
            "completeLifecycleActions",
            &doc.complete_lifecycle_actions,
            true,
        )?;
        let lifecycle_action_heartbeats = action_calls(
            "recordLifecycleActionHeartbeats",
            &doc.record_lifecycle_action_heartbeats,
            false,
        )?;
        let warm_pools = timed_calls("putWarmPools", &doc.put_warm_pools, |v, at| {
            crate::auto_scaling_group::warm_pool::PutWarmPoolCall::parse(
                v,
                at,
                &auto_scaling_groups,
            )
        })?;
        let total: u64 = instances.len() as u64
            + auto_scaling_groups
                .iter()
                .map(|g| u64::from(g.max))
                .sum::<u64>();
        if total > limits::MAX_INSTANCES as u64 * 2 {
            return Err(ScenarioError::at(
                "autoScalingGroups",
                format!(
                    "drawn instances plus the groups' MaxSize come to {total}; the limit is {}",
                    limits::MAX_INSTANCES * 2
                ),
            ));
        }
        let stop_tasks = timed_calls(
            "stopTasks",
            &doc.stop_tasks,
            crate::stop_task::StopTaskCall::parse,
        )?;
        let mut task_definition_calls = timed_calls(
            "deregisterTaskDefinitions",
            &doc.deregister_task_definitions,
            crate::task_definition_state::TaskDefinitionCall::parse_deregister,
        )?;
        task_definition_calls.extend(timed_calls(
            "deleteTaskDefinitions",
            &doc.delete_task_definitions,
            crate::task_definition_state::TaskDefinitionCall::parse_delete,
        )?);
        let execute_commands = timed_calls(
            "executeCommands",
            &doc.execute_commands,
            crate::execute_command::ExecuteCommandCall::parse,
        )?;
        let exec_configurations =
            crate::execute_command::parse_configurations(&doc.clusters).map_err(field_error)?;
        check_len(
            "putAttributes",
            doc.put_attributes.len(),
            limits::MAX_RUN_TASKS,
        )?;
        check_len(
            "deleteAttributes",
            doc.delete_attributes.len(),
            limits::MAX_RUN_TASKS,
        )?;
        let delete_services = timed_calls(
            "deleteServices",
            &doc.delete_services,
            crate::delete_service::DeleteServiceCall::parse,
        )?;
        let stop_service_deployments = timed_calls(
            "stopServiceDeployments",
            &doc.stop_service_deployments,
            crate::stop_service_deployment::StopServiceDeploymentCall::parse,
        )?;
        let continue_service_deployments = timed_calls(
            "continueServiceDeployments",
            &doc.continue_service_deployments,
            crate::deployment_lifecycle_hook::ContinueServiceDeploymentCall::parse,
        )?;
        let lambda_hook_responses = timed_calls(
            "lambdaHookResponses",
            &doc.lambda_hook_responses,
            crate::deployment_lifecycle_hook::LambdaScript::parse,
        )?;
        for (key, items) in [
            ("codeDeployApplications", &doc.code_deploy_applications),
            ("deploymentConfigs", &doc.deployment_configs),
            ("deploymentGroups", &doc.deployment_groups),
            ("createDeployments", &doc.create_deployments),
            ("continueDeployments", &doc.continue_deployments),
            ("stopDeployments", &doc.stop_deployments),
        ] {
            check_len(key, items.len(), limits::MAX_RUN_TASKS)?;
        }
        let code_deploy = crate::code_deploy::CodeDeployRequests::parse(
            crate::code_deploy::CodeDeploySections {
                applications: &doc.code_deploy_applications,
                configs: &doc.deployment_configs,
                groups: &doc.deployment_groups,
                deployments: &doc.create_deployments,
                continues: &doc.continue_deployments,
                stops: &doc.stop_deployments,
            },
            &load_balancing,
        )
        .map_err(field_error)?;
        let deregister_instances = timed_calls(
            "deregisterContainerInstances",
            &doc.deregister_container_instances,
            crate::deregister_instance::DeregisterCall::parse,
        )?;
        let mut attribute_calls = Vec::new();
        for (list, key, delete) in [
            (&doc.put_attributes, "putAttributes", false),
            (&doc.delete_attributes, "deleteAttributes", true),
        ] {
            for (i, v) in list.iter().enumerate() {
                let call =
                    crate::attributes::AttributeCall::parse(v, &format!("{key}[{i}]"), delete)
                        .map_err(field_error)?;
                attribute_calls.push(call);
            }
        }
        let mut capacity_providers = crate::capacity_provider::CapacityProviders::parse(
            &doc.capacity_providers,
            &doc.clusters,
            &|name| auto_scaling_groups.iter().position(|g| g.name == name),
            &|subnet| subnet_zones.get(subnet).cloned(),
        )
        .map_err(field_error)?;
        capacity_providers.weight_ties = doc.options.capacity.weight_ties;
        capacity_providers.without_strategy = doc.options.capacity.without_strategy;
        let mut auto_scaling_policies = Vec::new();
        for (i, v) in doc.auto_scaling_policies.iter().enumerate() {
            let path = format!("autoScalingPolicies[{i}]");
            let p = crate::auto_scaling_group::scaling_policy::GroupScalingPolicy::parse(
                v,
                &path,
                &|name| auto_scaling_groups.iter().position(|g| g.name == name),
            )
            .map_err(field_error)?;
            let managed = capacity_providers
                .providers
                .iter()
                .any(|cp| cp.group() == Some(p.group) && cp.managed_scaling().is_some());
            if managed {
                return Err(ScenarioError::at(
                    format!("{path}.AutoScalingGroupName"),
                    "the group is scaled by its capacity provider's managed scaling; do not attach other scaling policies (6.4)",
                ));
            }
            auto_scaling_policies.push(p);
        }
        let aws = AwsServices::parse(
            &doc.buckets,
            &doc.put_objects,
            &doc.sns_topics,
            &doc.dynamo_db_tables,
            &doc.event_rules,
            &doc.schedules,
            &doc.applications,
        )
        .map_err(field_error)?;
        let mut warnings = Vec::new();
        let mut iam_warnings = Vec::new();
        let iam =
            crate::iam::Roles::parse(&doc.iam_roles, &mut iam_warnings).map_err(field_error)?;
        for (path, message) in iam_warnings {
            warnings.push(ScenarioWarning { path, message });
        }
        let registries = crate::registry::Registries::parse(
            &doc.repositories,
            doc.options.lifecycle.default_image_size_mi_b,
            start_epoch_ms,
        )
        .map_err(field_error)?;
        let secrets = crate::secrets::SecretStore::parse(&doc.parameters, &doc.secrets)
            .map_err(field_error)?;
        let log_groups = crate::logs::LogStore::parse(&doc.log_groups).map_err(field_error)?;
        let efs = crate::efs::Efs::parse(&doc.file_systems, &doc.mount_targets, &subnet_zones)
            .map_err(field_error)?;
        check_len("namespaces", doc.namespaces.len(), limits::MAX_RUN_TASKS)?;
        let namespaces = crate::service_connect::Namespaces::parse(&doc.namespaces, &doc.clusters)
            .map_err(field_error)?;
        check_len(
            "cloudMapServices",
            doc.cloud_map_services.len(),
            limits::MAX_RUN_TASKS,
        )?;
        let cloud_map =
            crate::service_discovery::CloudMapServices::parse(&doc.cloud_map_services, &namespaces)
                .map_err(field_error)?;
        check_len(
            "ebsSnapshots",
            doc.ebs_snapshots.len(),
            limits::MAX_RUN_TASKS,
        )?;
        let ebs_snapshots =
            crate::ebs_volume::EbsSnapshots::parse(&doc.ebs_snapshots).map_err(field_error)?;
        for (section, items) in [("faults", &later_faults), ("lessons", &doc.lessons)] {
            if !items.is_empty() {
                warnings.push(ScenarioWarning {
                    path: section.to_string(),
                    message: format!("{} entries kept but not simulated yet", items.len()),
                });
            }
        }
        not_simulated::services(&doc.services, &mut warnings);
        not_simulated::run_tasks(&doc.run_tasks, &mut warnings);
        not_simulated::update_services(&doc.update_services, &mut warnings);
        not_simulated::deployment_groups(&doc.deployment_groups, &mut warnings);
        for (path, v) in crate::load_balancer::classic::entries(&doc.classic_load_balancers) {
            let read_only = crate::load_balancer::classic::read_only_members(v);
            if !read_only.is_empty() {
                warnings.push(ScenarioWarning {
                    path,
                    message: format!(
                        "read-only members of describe-load-balancers output, ignored: {}",
                        read_only.join(", ")
                    ),
                });
            }
        }

        Ok(Scenario {
            name: doc.name.unwrap_or_else(|| "Untitled scenario".to_string()),
            description: doc.description.unwrap_or_default(),
            seed: doc.seed,
            duration_ms,
            start_epoch_ms,
            instances,
            task_definitions: doc.task_definitions,
            services: doc.services,
            run_tasks: doc.run_tasks,
            start_tasks: doc.start_tasks,
            update_services: doc.update_services,
            instance_state_updates: doc.update_container_instances_state,
            attribute_calls,
            stop_tasks,
            task_definition_calls,
            listener_changes,
            task_set_calls,
            execute_commands,
            exec_configurations,
            delete_services,
            stop_service_deployments,
            continue_service_deployments,
            lambda_hook_responses,
            code_deploy,
            deregister_instances,
            warnings,
            options: doc.options,
            subnet_zones,
            load_balancing,
            load_profiles,
            auto_scaling,
            scheduled_actions,
            faults,
            queues,
            task_protection: doc.update_task_protection,
            capacity_providers,
            auto_scaling_groups,
            auto_scaling_policies,
            update_auto_scaling_groups: doc.update_auto_scaling_groups,
            instance_refreshes,
            refresh_cancellations,
            warm_pools,
            lifecycle_hooks,
            complete_lifecycle_actions,
            lifecycle_action_heartbeats,
            launch_templates: templates,
            iam,
            aws,
            registries,
            secrets,
            log_groups,
            efs,
            namespaces,
            cloud_map,
            ebs_snapshots,
            raw,
        })
    }

    /// The document as JSON text, exactly the fields it was loaded with.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.raw).unwrap_or_default()
    }
}

/// Turns a `path.field: message` error into a [`ScenarioError`] at that path.
fn field_error(e: String) -> ScenarioError {
    match e.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => ScenarioError::at(path, message),
        _ => ScenarioError::at("", e),
    }
}

/// A list of timed API calls, `key[]`: at most [`limits::MAX_RUN_TASKS`] of them, each parsed
/// by `parse` with its path (`key[i]`).
fn timed_calls<T>(
    key: &str,
    items: &[Value],
    parse: impl Fn(&Value, &str) -> Result<T, String>,
) -> Result<Vec<T>, ScenarioError> {
    check_len(key, items.len(), limits::MAX_RUN_TASKS)?;
    items
        .iter()
        .enumerate()
        .map(|(i, v)| parse(v, &format!("{key}[{i}]")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(field_error)
}

fn check_len(path: &str, len: usize, max: usize) -> Result<(), ScenarioError> {
    if len > max {
        return Err(ScenarioError::at(
            path,
            format!("{len} entries; the limit is {max}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
