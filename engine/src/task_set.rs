//! Task sets and the EXTERNAL deployment controller: a service whose deployments a tool
//! outside ECS (a pipeline, Spinnaker, PipeCD, a script) runs through the task set API.
//!
//! The scenario keeps each call's request body verbatim, with the playground's `at`:
//! `createTaskSets[]` (CreateTaskSet), `updateTaskSets[]` (UpdateTaskSet),
//! `updateServicePrimaryTaskSets[]` (UpdateServicePrimaryTaskSet) and `deleteTaskSets[]`
//! (DeleteTaskSet). What the engine does, from the ECS API reference and the developer
//! guide's "External deployment" page:
//!
//! - CreateService with `deploymentController: {"type": "EXTERNAL"}` takes only what is not
//!   set per task set: `taskDefinition` ("TaskDefinition must be blank."),
//!   `networkConfiguration` ("NetworkConfiguration must be null."), `loadBalancers`
//!   ("LoadBalancers must be empty or null.") and the launch type, capacity provider
//!   strategy, platform version and service registries are refused. REPLICA only. The
//!   service starts no task of its own.
//! - A task set has its own task definition, network configuration, launch type or capacity
//!   provider strategy, platform version, at most one target group and service registry, and
//!   a `scale` in percent (0 when left out, as the CLI's example shows). It runs
//!   `computedDesiredCount` tasks: "the service's desiredCount by the task set's scale
//!   percentage. The result is always rounded up." Scales need not add up to 100. A service
//!   has at most 5 task sets ("5 deployments exist on the service. Unable to create new
//!   TaskSet since this exceeds the maximum limit.").
//! - A new task set is ACTIVE; UpdateServicePrimaryTaskSet makes one PRIMARY (the one
//!   serving production traffic) and the service shows its task definition; the previous
//!   primary becomes ACTIVE [unconfirmed]. Which task set gets production traffic is the
//!   listener's business: shift it with `modifyListeners[]`.
//! - UpdateTaskSet changes `scale` only. DeleteTaskSet drains a task set (DRAINING: its tasks
//!   stop and their targets deregister), and it is gone once they have. Without `force` a
//!   task set must be scaled to 0 first, and the primary one cannot be deleted
//!   [unconfirmed wording].
//! - Service Auto Scaling changes the service's `desiredCount`; every task set follows by its
//!   scale ("(service S) updated computedDesiredCount for taskSet ecs-svc/N to K.").
//! - A task set is STEADY_STATE when it runs its computed count, nothing is pending, none of
//!   its tasks is on a DRAINING instance, and all of them are healthy; the service reaches a
//!   steady state when all of its task sets have.
//!
//! Where AWS is silent, the playground's choices (each said where it acts): a task set keeps
//! its count without `minimumHealthyPercent`/`maximumPercent` (they apply to the ECS
//! controller's rolling updates); a task set's tasks that cannot be placed on an instance
//! provider wait as counts (no task record yet) that its managed scaling or Managed Instances
//! launch capacity for, and the scheduler tries again a minute later or when the provider has
//! new capacity; a
//! task set is referred to by its id, its ARN, or its `externalId` (the ids are made up at
//! run time, so a scenario can name a task set before it exists by the `externalId` it gives).

use serde_json::{json, Value};

use crate::event_log::EventKind;
use crate::load_balancer::ServiceLoadBalancer;
use crate::request::cluster_name;
use crate::service::ServiceStatus;
use crate::sim::Simulation;
use crate::task_definition::ValidTaskDefinition;
use crate::time::SimTime;

/// Task sets per service (the limit in CreateTaskSet's error).
pub const MAX_TASK_SETS: usize = 5;

/// What a task set holds for its tasks besides its task definition (CreateTaskSet members),
/// and what DescribeServices copies from the primary task set to the service.
pub const SETTINGS: &[&str] = &[
    "networkConfiguration",
    "loadBalancers",
    "serviceRegistries",
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
];

/// CreateTaskSet's other members (and the playground's `at`).
const CREATE_MEMBERS: &[&str] = &[
    "at",
    "service",
    "cluster",
    "externalId",
    "taskDefinition",
    "scale",
    "clientToken",
    "tags",
];

/// CreateService members an EXTERNAL service may not have, with ECS's refusal.
const SET_PER_TASK_SET: &[(&str, &str)] = &[
    ("taskDefinition", "TaskDefinition must be blank."),
    ("networkConfiguration", "NetworkConfiguration must be null."),
    ("loadBalancers", "LoadBalancers must be empty or null."),
    // The four below are not on the guide's list of what an EXTERNAL service takes; ECS's
    // wording for them is not published [unconfirmed].
    ("launchType", "LaunchType must be null."),
    (
        "capacityProviderStrategy",
        "CapacityProviderStrategy must be null.",
    ),
    ("platformVersion", "PlatformVersion must be null."),
    (
        "serviceRegistries",
        "ServiceRegistries must be empty or null.",
    ),
];

/// Whether a CreateService request uses the EXTERNAL deployment controller.
pub fn is_external_controller(request: &Value) -> bool {
    request
        .pointer("/deploymentController/type")
        .and_then(Value::as_str)
        == Some("EXTERNAL")
}

/// CreateService's rules for the EXTERNAL controller: what belongs to task sets is refused,
/// in ECS's words, and the scheduling strategy is REPLICA.
pub fn check_create_service(raw: &Value) -> Result<(), String> {
    for (key, refusal) in SET_PER_TASK_SET {
        let given = match raw.get(*key) {
            None | Some(Value::Null) => false,
            Some(Value::Array(a)) => !a.is_empty(),
            // An empty task definition name is refused for itself.
            Some(Value::String(s)) if *key == "taskDefinition" && s.is_empty() => return Err(
                "taskDefinition: InvalidParameterException: Family should not be null or empty."
                    .to_string(),
            ),
            Some(_) => true,
        };
        if given {
            // describe-services output of such a service shows its primary task set's.
            let pasted = if raw.get("taskSets").is_some() {
                "; describe-services output shows the primary task set's: remove it here"
            } else {
                ""
            };
            return Err(format!("{key}: InvalidParameterException: {refusal} (with the EXTERNAL deployment controller, it is given per task set: createTaskSets[]{pasted})"));
        }
    }
    if raw.get("schedulingStrategy").and_then(Value::as_str) == Some("DAEMON") {
        return Err("schedulingStrategy: services using an external deployment controller support only the REPLICA scheduling strategy".to_string());
    }
    crate::code_deploy::runtime::refuse_ecs_controller_settings(raw, "EXTERNAL", "")
}

/// UpdateService members an EXTERNAL service may change: "only the desired count, task
/// placement constraints and strategies, health check grace period, enable ECS managed tags
/// option, and propagate tags option".
const UPDATABLE: &[&str] = &[
    "at",
    "service",
    "cluster",
    "desiredCount",
    "placementConstraints",
    "placementStrategy",
    "healthCheckGracePeriodSeconds",
    "enableECSManagedTags",
    "propagateTags",
];

/// UpdateService's rules for an EXTERNAL service (`service`: its CreateService request):
/// what a task set holds needs a new task set.
pub fn check_update_service(service: &Value, update: &Value) -> Result<(), String> {
    if !is_external_controller(service) {
        return Ok(());
    }
    let other = update.as_object().into_iter().flatten().find(|(k, v)| {
        // forceNewDeployment: false asks for nothing (as the CLI sends it).
        let nothing =
            v.is_null() || (k.as_str() == "forceNewDeployment" && **v == Value::Bool(false));
        !UPDATABLE.contains(&k.as_str()) && !nothing
    });
    match other {
        Some((key, _)) => Err(format!("{key}: InvalidParameterException: for services using an external deployment controller, you can update only the desired count, task placement constraints and strategies, health check grace period, enable ECS managed tags option, and propagate tags option; to change the {key}, create a new task set (createTaskSets[])")),
        None => Ok(()),
    }
}

/// The task definition an EXTERNAL service that never gets a task set is built around: a
/// 6 MiB container (the least ECS allows), never run (the service shows no task definition,
/// and starts no task).
pub(crate) fn placeholder_task_definition() -> Result<std::rc::Rc<ValidTaskDefinition>, String> {
    let text = r#"{"family": "no-task-set", "containerDefinitions": [{"name": "none", "image": "none", "memory": 6, "essential": true}]}"#;
    crate::task_definition::check_task_definition(text)
        .map(|(_, _, td)| std::rc::Rc::new(td))
        .map_err(|_| "deploymentController: the placeholder task definition is refused".to_string())
}

/// The request a task set's tasks start from: its CreateTaskSet request `request` with its
/// service's name and cluster, and the service's placement and tagging as UpdateService last
/// left them (its tasks get the service's managed and propagated tags: an EXTERNAL service
/// takes `tags`, `enableECSManagedTags` and `propagateTags`; a task set's own tags are its
/// own).
fn run_as(request: &Value, service: &crate::service::Service) -> Value {
    let mut run_as = request.clone();
    run_as["serviceName"] = json!(service.name);
    run_as["cluster"] = json!(service.cluster);
    for key in [
        "placementConstraints",
        "placementStrategy",
        "tags",
        "enableECSManagedTags",
        "propagateTags",
    ] {
        match service.request.get(key) {
            Some(v) => run_as[key] = v.clone(),
            None => {
                if let Some(o) = run_as.as_object_mut() {
                    o.remove(key);
                }
            }
        }
    }
    run_as
}

/// `computedDesiredCount`: the service's desired count by the scale in percent, rounded up
/// (a hair of floating-point error is not a task more: 30 % of 10 is 3).
pub fn computed_desired_count(desired: u32, scale_percent: f64) -> u32 {
    let exact = f64::from(desired) * scale_percent / 100.0;
    (exact - 1e-9).ceil().max(0.0) as u32
}

/// PRIMARY, ACTIVE, DRAINING, or gone after draining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSetStatus {
    /// Serving production traffic (UpdateServicePrimaryTaskSet).
    Primary,
    /// Not serving production traffic.
    Active,
    /// Deleted: its tasks are stopping and their targets deregistering.
    Draining,
    /// Deleted and drained: DescribeTaskSets no longer finds it.
    Deleted,
}

impl TaskSetStatus {
    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskSetStatus::Primary => "PRIMARY",
            TaskSetStatus::Active => "ACTIVE",
            TaskSetStatus::Draining => "DRAINING",
            TaskSetStatus::Deleted => "DELETED",
        }
    }

    /// Whether the task set keeps its computed count of tasks.
    pub fn runs(self) -> bool {
        matches!(self, TaskSetStatus::Primary | TaskSetStatus::Active)
    }
}

/// What a task set adds to its deployment.
#[derive(Debug, Clone)]
pub struct TaskSet {
    /// `externalId`.
    pub external_id: Option<String>,
    /// `scale.value`, in percent.
    pub scale: f64,
    /// PRIMARY, ACTIVE, DRAINING.
    pub status: TaskSetStatus,
    /// The CreateTaskSet request as given (without `at`), echoed by DescribeTaskSets.
    pub request: Value,
    /// Its `loadBalancers[0]`, resolved.
    pub links: Vec<ServiceLoadBalancer>,
    /// When it last changed (`updatedAt`).
    pub updated_at: SimTime,
    /// Whether "updated state to STEADY_STATE" was said since it last changed.
    pub steady: bool,
    /// Its tasks that the scheduler's last attempt left waiting in PROVISIONING for an
    /// instance provider's capacity: (provider, what each needs, how many). Managed scaling
    /// and Managed Instances launch capacity for them; the scheduler tries again each minute.
    pub provisioning: Vec<(usize, crate::placement::TaskNeeds, u32)>,
}

impl TaskSet {
    /// `computedDesiredCount` when the service's desired count is `desired`: none for a
    /// task set that no longer runs.
    pub fn computed_desired_count(&self, desired: u32) -> u32 {
        if self.status.runs() {
            computed_desired_count(desired, self.scale)
        } else {
            0
        }
    }

    /// `stabilityStatus`: STEADY_STATE once said, else STABILIZING.
    pub fn stability_status(&self) -> &'static str {
        if self.steady {
            "STEADY_STATE"
        } else {
            "STABILIZING"
        }
    }
}

/// A task set's ARN: `arn:aws:ecs:…:task-set/<cluster>/<service>/ecs-svc/<digits>`.
pub fn task_set_arn(cluster: &str, service: &str, id: &str) -> String {
    format!(
        "{}:task-set/{cluster}/{service}/{id}",
        crate::revisions::ARN_PREFIX
    )
}

impl crate::deployment::Deployment {
    /// The task set this deployment is, unless it was deleted and has drained.
    pub fn live_task_set(&self) -> Option<&TaskSet> {
        self.task_set
            .as_deref()
            .filter(|ts| ts.status != TaskSetStatus::Deleted)
    }
}

/// What a task set call does.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskSetAction {
    /// CreateTaskSet: the request body (without `at`).
    Create(Value),
    /// UpdateTaskSet: the task set and its new scale.
    Update {
        /// `taskSet`.
        task_set: String,
        /// `scale.value`.
        scale: f64,
    },
    /// UpdateServicePrimaryTaskSet: `primaryTaskSet`.
    UpdatePrimary(String),
    /// DeleteTaskSet: `taskSet` and `force`.
    Delete {
        /// `taskSet`.
        task_set: String,
        /// `force`.
        force: bool,
    },
}

/// A task set call of the scenario, checked for shape.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSetCall {
    /// When it is made.
    pub at_ms: u64,
    /// Where it is in the scenario (`createTaskSets[0]`).
    pub path: String,
    /// `cluster` (`default` when absent).
    pub cluster: String,
    /// `service`: its name (the last part of an ARN).
    pub service: String,
    /// What it does.
    pub action: TaskSetAction,
}

/// `scale` of a request: `{"value": 0..100, "unit": "PERCENT"}`; `None` when absent.
fn parse_scale(v: &Value, path: &str) -> Result<Option<f64>, String> {
    let Some(scale) = v.get("scale").filter(|s| !s.is_null()) else {
        return Ok(None);
    };
    let obj = scale.as_object().ok_or_else(|| {
        format!("{path}.scale: an object {{\"value\": 0..100, \"unit\": \"PERCENT\"}}")
    })?;
    if let Some(k) = obj
        .keys()
        .find(|k| !["value", "unit"].contains(&k.as_str()))
    {
        return Err(format!(
            "{path}.scale.{k}: not a member of Scale (value, unit)"
        ));
    }
    match obj.get("unit") {
        None | Some(Value::Null) => {}
        Some(Value::String(u)) if u == "PERCENT" => {}
        Some(other) => {
            return Err(format!(
                "{path}.scale.unit: {other} is not a valid ScaleUnit; the only one is PERCENT"
            ))
        }
    }
    let value = match obj.get("value") {
        None | Some(Value::Null) => 0.0,
        Some(x) => x
            .as_f64()
            .ok_or_else(|| format!("{path}.scale.value: a number of percent, not {x}"))?,
    };
    if !(0.0..=100.0).contains(&value) {
        return Err(format!(
            "{path}.scale.value: {value} is not between 0 and 100 (percent of the service's desiredCount)"
        ));
    }
    Ok(Some(value))
}

/// A required non-empty string member.
fn required<'a>(v: &'a Value, key: &str, path: &str, what: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{path}.{key}: required, {what}"))
}

impl TaskSetCall {
    /// Parses an entry of `createTaskSets`, `updateTaskSets`, `updateServicePrimaryTaskSets`
    /// or `deleteTaskSets` (`key`); `path` names it in errors.
    pub fn parse(key: &str, v: &Value, path: &str) -> Result<TaskSetCall, String> {
        let (api, members): (&str, &[&str]) = match key {
            "createTaskSets" => ("CreateTaskSet", CREATE_MEMBERS),
            "updateTaskSets" => (
                "UpdateTaskSet",
                &["at", "cluster", "service", "taskSet", "scale"],
            ),
            "updateServicePrimaryTaskSets" => (
                "UpdateServicePrimaryTaskSet",
                &["at", "cluster", "service", "primaryTaskSet"],
            ),
            _ => (
                "DeleteTaskSet",
                &["at", "cluster", "service", "taskSet", "force"],
            ),
        };
        let obj = v
            .as_object()
            .ok_or_else(|| format!("{path}: a {api} request body (an object)"))?;
        let settings: &[&str] = if key == "createTaskSets" {
            SETTINGS
        } else {
            &[]
        };
        if let Some(k) = obj
            .keys()
            .find(|k| !members.contains(&k.as_str()) && !settings.contains(&k.as_str()))
        {
            return Err(format!("{path}.{k}: not a member of {api}"));
        }
        let at_ms = crate::time::call_at_ms(v, path)?;
        let service = required(v, "service", path, "the service's name or ARN")?;
        let service = service.rsplit('/').next().unwrap_or(service).to_string();
        let task_set = |key: &str| {
            required(v, key, path, "the task set's id, ARN or externalId").map(str::to_string)
        };
        let action = match key {
            "createTaskSets" => {
                required(
                    v,
                    "taskDefinition",
                    path,
                    "the task definition (family, family:revision or ARN)",
                )?;
                parse_scale(v, path)?;
                if let Some(id) = v
                    .get("externalId")
                    .filter(|x| !x.is_null() && !x.is_string())
                {
                    return Err(format!("{path}.externalId: a string, not {id}"));
                }
                if let Some(token) = v.get("clientToken").and_then(Value::as_str) {
                    if token.len() > 36 || !token.bytes().all(|b| (33..=126).contains(&b)) {
                        return Err(format!(
                            "{path}.clientToken: up to 36 ASCII characters in the range of 33-126"
                        ));
                    }
                }
                crate::tags::check_request(v, true).map_err(|e| format!("{path}.{e}"))?;
                let mut body = v.clone();
                if let Some(o) = body.as_object_mut() {
                    o.remove("at");
                }
                TaskSetAction::Create(body)
            }
            "updateTaskSets" => TaskSetAction::Update {
                task_set: task_set("taskSet")?,
                scale: parse_scale(v, path)?.ok_or_else(|| {
                    format!("{path}.scale: required (UpdateTaskSet changes the scale only)")
                })?,
            },
            "updateServicePrimaryTaskSets" => {
                TaskSetAction::UpdatePrimary(task_set("primaryTaskSet")?)
            }
            _ => TaskSetAction::Delete {
                task_set: task_set("taskSet")?,
                force: crate::request::optional_flag(v, "force", path)?,
            },
        };
        Ok(TaskSetCall {
            at_ms,
            path: path.to_string(),
            cluster: cluster_name(v),
            service,
            action,
        })
    }
}

/// The task set sections of a scenario, in the order their calls are listed.
pub const SECTIONS: [&str; 4] = [
    "createTaskSets",
    "updateTaskSets",
    "updateServicePrimaryTaskSets",
    "deleteTaskSets",
];

/// A task set as the app lists it, to scale or make primary.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSetView {
    /// Its service's cluster.
    pub cluster: String,
    /// Its service.
    pub service: String,
    /// `ecs-svc/<digits>`.
    pub id: String,
    /// What a call names it by: its `externalId`, else its id.
    pub reference: String,
    /// PRIMARY, ACTIVE or DRAINING.
    pub status: &'static str,
    /// `family:revision`.
    pub task_definition: String,
    /// `scale.value`, in percent.
    pub scale: f64,
    /// `computedDesiredCount`.
    pub computed: u32,
    /// Running and pending tasks.
    pub running: u32,
    /// Pending tasks.
    pub pending: u32,
    /// STEADY_STATE or STABILIZING.
    pub stability: &'static str,
    /// Its target group's name, if it has one.
    pub target_group: Option<String>,
}

impl Simulation {
    /// Every task set of every EXTERNAL service that has not been deleted, oldest first.
    pub fn task_sets(&self) -> Vec<TaskSetView> {
        let mut out = Vec::new();
        for (s, svc) in self.services.iter().enumerate() {
            for (d, dep) in svc.deployments.iter().enumerate() {
                let Some(ts) = dep.live_task_set() else {
                    continue;
                };
                let (running, pending) = self.task_set_counts(s, d);
                out.push(TaskSetView {
                    cluster: svc.cluster.clone(),
                    service: svc.name.clone(),
                    id: dep.id.clone(),
                    reference: ts.external_id.clone().unwrap_or_else(|| dep.id.clone()),
                    status: ts.status.as_str(),
                    task_definition: dep.task_definition.clone(),
                    scale: ts.scale,
                    computed: ts.computed_desired_count(svc.desired_count),
                    running,
                    pending,
                    stability: ts.stability_status(),
                    target_group: ts
                        .links
                        .first()
                        .map(|l| self.lb.target_groups[l.target_group].name.clone()),
                });
            }
        }
        out
    }

    /// Service `s`'s task sets in words, when it uses the EXTERNAL deployment controller:
    /// `EXTERNAL controller · blue PRIMARY 100 % · green ACTIVE 25 %`.
    pub fn task_set_summary(&self, s: usize) -> Option<String> {
        let svc = self.services.get(s)?;
        if !is_external_controller(&svc.request) {
            return None;
        }
        let sets: Vec<String> = svc
            .deployments
            .iter()
            .filter_map(|d| {
                let ts = d.live_task_set()?;
                let name = ts.external_id.as_deref().unwrap_or(&d.id);
                Some(format!("{name} {} {} %", ts.status.as_str(), ts.scale))
            })
            .collect();
        Some(if sets.is_empty() {
            "EXTERNAL controller · no task set".to_string()
        } else {
            format!("EXTERNAL controller · {}", sets.join(" · "))
        })
    }

    /// What an EXTERNAL service (CreateService request `raw`) is built around before it has a
    /// task set: `raw` with the task definition, network configuration, launch type or
    /// capacity provider strategy and platform version of the first `createTaskSets[]` entry
    /// for it. AWS's service has none of them; the playground's needs them to build the
    /// service's placement [the playground's choice]. `None` when the scenario creates no
    /// task set in it: the service is built around [`placeholder_task_definition`].
    pub(crate) fn as_first_task_set(&self, raw: &Value) -> Option<Value> {
        let name = raw.get("serviceName").and_then(Value::as_str).unwrap_or("");
        let cluster = cluster_name(raw);
        self.scenario
            .task_set_calls
            .iter()
            .find_map(|c| match &c.action {
                TaskSetAction::Create(body) if c.service == name && c.cluster == cluster => {
                    let mut with = raw.clone();
                    for key in [
                        "taskDefinition",
                        "networkConfiguration",
                        "launchType",
                        "capacityProviderStrategy",
                        "platformVersion",
                    ] {
                        if let Some(v) = body.get(key) {
                            with[key] = v.clone();
                        }
                    }
                    Some(with)
                }
                _ => None,
            })
    }

    /// Makes task set call `i` of the scenario.
    pub(crate) fn task_set_call(&mut self, i: usize) {
        let call = self.scenario.task_set_calls[i].clone();
        if let Err(e) = self.make_task_set_call(&call) {
            let api = match call.action {
                TaskSetAction::Create(_) => "CreateTaskSet",
                TaskSetAction::Update { .. } => "UpdateTaskSet",
                TaskSetAction::UpdatePrimary(_) => "UpdateServicePrimaryTaskSet",
                TaskSetAction::Delete { .. } => "DeleteTaskSet",
            };
            let msg = format!("{api} failed: {}.{e}", call.path);
            self.log
                .push(self.now(), EventKind::Scenario, msg)
                .service(&call.service);
        }
    }

    fn make_task_set_call(&mut self, call: &TaskSetCall) -> Result<(), String> {
        self.capacity
            .check_cluster(&call.cluster)
            .map_err(|e| format!("cluster: {e}"))?;
        let s = self
            .services
            .iter()
            .position(|svc| svc.name == call.service && svc.cluster == call.cluster)
            .ok_or_else(|| {
                format!(
                    "service: ServiceNotFoundException: Service not found. (no service {} in cluster {})",
                    call.service, call.cluster
                )
            })?;
        if self.services[s].status != ServiceStatus::Active {
            return Err(format!(
                "service: ServiceNotActiveException: Service was not ACTIVE. (service {} is {})",
                call.service,
                self.services[s].status.as_str()
            ));
        }
        if !is_external_controller(&self.services[s].request) {
            return Err("service: InvalidParameterException: Amazon ECS only supports task set management on services configured to use external deployment controllers.".to_string());
        }
        match &call.action {
            TaskSetAction::Create(body) => self.create_task_set(s, body),
            TaskSetAction::Update { task_set, scale } => {
                let d = self.find_task_set(s, task_set, "taskSet")?;
                self.update_task_set(s, d, *scale);
                Ok(())
            }
            TaskSetAction::UpdatePrimary(task_set) => {
                let d = self.find_task_set(s, task_set, "primaryTaskSet")?;
                self.make_primary(s, d);
                Ok(())
            }
            TaskSetAction::Delete { task_set, force } => {
                let d = self.find_task_set(s, task_set, "taskSet")?;
                self.delete_task_set(s, d, *force)
            }
        }
    }

    /// The deployment of service `s` that is task set `reference` (id, ARN or externalId),
    /// not yet DRAINING.
    fn find_task_set(&self, s: usize, reference: &str, key: &str) -> Result<usize, String> {
        let id = reference
            .rsplit_once("/ecs-svc/")
            .map_or(reference.to_string(), |(_, n)| format!("ecs-svc/{n}"));
        self.services[s]
            .deployments
            .iter()
            .position(|d| {
                d.task_set.as_ref().is_some_and(|ts| {
                    ts.status.runs()
                        && (d.id == id || ts.external_id.as_deref() == Some(reference))
                })
            })
            .ok_or_else(|| format!("{key}: TaskSetNotFoundException: The specified task set wasn't found. (no task set {reference} in service {}; give its id, ARN or externalId)", self.services[s].name))
    }

    /// CreateTaskSet in EXTERNAL service `s`.
    fn create_task_set(&mut self, s: usize, body: &Value) -> Result<(), String> {
        let live = self.services[s]
            .deployments
            .iter()
            .filter(|d| d.live_task_set().is_some())
            .count();
        if live >= MAX_TASK_SETS {
            return Err(format!("service: InvalidParameterException: {live} deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit."));
        }
        let svc = &self.services[s];
        let run_as = run_as(body, svc);
        if let Some(lbs) = body.get("loadBalancers").and_then(Value::as_array) {
            if lbs.len() > 1 {
                return Err(format!("loadBalancers: {} target groups; only one target group is allowed per task set (multiple target groups are not supported for external deployments)", lbs.len()));
            }
            if lbs
                .iter()
                .any(|l| l.get("advancedConfiguration").is_some_and(|a| !a.is_null()))
            {
                return Err("loadBalancers[0].advancedConfiguration: the alternate target group is for ECS blue/green, linear and canary deployments; a task set has one target group, and the listener decides which task set gets traffic".to_string());
            }
            if lbs.iter().any(|l| l.get("loadBalancerName").is_some()) {
                return Err("loadBalancers[0].loadBalancerName: a task set takes an Application or Network Load Balancer target group (targetGroupArn), not a Classic Load Balancer".to_string());
            }
        }
        let (task_definition, td) = self.launchable_task_definition(&run_as, "ClientException")?;
        let cluster = svc.cluster.clone();
        let capacity = self.capacity.for_request(&run_as, &cluster)?;
        let fargate = self.capacity.runs_on_fargate(capacity.as_ref());
        if fargate {
            crate::fargate::check_fargate_request(&run_as, &td)?;
        }
        crate::fargate::check_platform_version(&run_as, &td, fargate)?;
        crate::request::awsvpc_subnets(&run_as, &td)?;
        crate::placement::parse_placement(&run_as, &td)?;
        let links = self.service_load_balancers(&run_as, &td)?;
        let service_registry =
            crate::service_discovery::parse_registries(&run_as, &td, &self.scenario.cloud_map)?
                .map(std::rc::Rc::new);
        let scale = parse_scale(body, "")?.unwrap_or(0.0);
        let id = self.new_deployment_id();
        let now = self.now();
        let external_id = body
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_string);
        let svc = &mut self.services[s];
        svc.deployments.push(crate::deployment::Deployment {
            id: id.clone(),
            task_definition: task_definition.clone(),
            created_at: now,
            rollout_state: crate::deployment::RolloutState::InProgress,
            failed_tasks: 0,
            alternate: false,
            service_connect: None,
            service_registry,
            volume: None,
            task_set: Some(Box::new(TaskSet {
                external_id,
                scale,
                status: TaskSetStatus::Active,
                request: body.clone(),
                links,
                updated_at: now,
                steady: false,
                provisioning: Vec::new(),
            })),
        });
        self.refresh_task_set_links(s);
        let name = self.services[s].name.clone();
        let count = computed_desired_count(self.services[s].desired_count, scale);
        let msg = format!(
            "CreateTaskSet: task set {id} of service {name} created (ACTIVE): {task_definition}, scale {scale} % (computedDesiredCount {count})"
        );
        self.log
            .push(now, EventKind::ServiceEvent, msg)
            .service(&name);
        self.services[s].steady = false;
        self.poke_service(s);
        Ok(())
    }

    /// The service's `load_balancers` are its task sets' target groups, so that what asks
    /// which services use a target group finds it.
    fn refresh_task_set_links(&mut self, s: usize) {
        let mut links: Vec<ServiceLoadBalancer> = Vec::new();
        for d in &self.services[s].deployments {
            let Some(ts) = d.live_task_set() else {
                continue;
            };
            for l in &ts.links {
                if !links.iter().any(|o| o.target_group == l.target_group) {
                    links.push(l.clone());
                }
            }
        }
        self.services[s].load_balancers = links;
    }

    /// UpdateTaskSet: deployment `d` of service `s` takes scale `scale`.
    fn update_task_set(&mut self, s: usize, d: usize, scale: f64) {
        let now = self.now();
        let desired = self.services[s].desired_count;
        let Some(ts) = self.services[s].deployments[d].task_set.as_mut() else {
            return;
        };
        let before = computed_desired_count(desired, ts.scale);
        ts.scale = scale;
        ts.updated_at = now;
        let after = computed_desired_count(desired, scale);
        if before != after {
            self.report_computed_count(s, d, after);
        }
        self.poke_service(s);
    }

    /// "(service S) updated computedDesiredCount for taskSet ecs-svc/N to K."
    fn report_computed_count(&mut self, s: usize, d: usize, count: u32) {
        let svc = &mut self.services[s];
        if let Some(ts) = svc.deployments[d].task_set.as_mut() {
            ts.steady = false;
        }
        svc.steady = false;
        let msg = format!(
            "(service {}) updated computedDesiredCount for taskSet {} to {count}.",
            svc.name, svc.deployments[d].id
        );
        self.service_event(s, msg);
    }

    /// The service's desired count changed: every running task set's computed count follows.
    pub(crate) fn task_sets_follow_desired_count(&mut self, s: usize, before: u32) {
        let after = self.services[s].desired_count;
        for d in 0..self.services[s].deployments.len() {
            let Some(ts) = self.services[s].deployments[d].task_set.as_ref() else {
                continue;
            };
            let (old, new) = (
                computed_desired_count(before, ts.scale),
                computed_desired_count(after, ts.scale),
            );
            if ts.status.runs() && old != new {
                self.report_computed_count(s, d, new);
            }
        }
    }

    /// UpdateServicePrimaryTaskSet: deployment `d` becomes PRIMARY, the previous primary
    /// ACTIVE [unconfirmed], and the service shows the primary's task definition.
    fn make_primary(&mut self, s: usize, d: usize) {
        let now = self.now();
        let svc = &mut self.services[s];
        let mut previous = None;
        for (i, dep) in svc.deployments.iter_mut().enumerate() {
            let Some(ts) = dep.task_set.as_mut() else {
                continue;
            };
            if i == d {
                ts.status = TaskSetStatus::Primary;
                ts.updated_at = now;
            } else if ts.status == TaskSetStatus::Primary {
                ts.status = TaskSetStatus::Active;
                ts.updated_at = now;
                previous = Some(dep.id.clone());
            }
        }
        let dep = &svc.deployments[d];
        svc.task_definition = dep.task_definition.clone();
        svc.deployment_id = dep.id.clone();
        let was = previous.map_or(String::new(), |p| format!("; {p} is ACTIVE"));
        let msg = format!(
            "UpdateServicePrimaryTaskSet: task set {} ({}) is the PRIMARY task set of service {}{was}",
            dep.id, dep.task_definition, svc.name
        );
        let name = svc.name.clone();
        self.log
            .push(now, EventKind::ServiceEvent, msg)
            .service(&name);
    }

    /// DeleteTaskSet: deployment `d` of service `s` drains.
    fn delete_task_set(&mut self, s: usize, d: usize, force: bool) -> Result<(), String> {
        let tasks = self.task_set_tasks(s, d);
        let svc = &self.services[s];
        let dep = &svc.deployments[d];
        let Some(ts) = dep.task_set.as_ref() else {
            return Ok(());
        };
        if !force {
            if ts.status == TaskSetStatus::Primary {
                return Err(format!("force: InvalidParameterException: task set {} is the PRIMARY task set of service {}; make another one primary first, or pass force: true [the playground's wording]", dep.id, svc.name));
            }
            let computed = computed_desired_count(svc.desired_count, ts.scale);
            if computed > 0 || !tasks.is_empty() {
                return Err(format!("force: InvalidParameterException: task set {} has not been scaled down to zero (computedDesiredCount {computed}, {} tasks); scale it to 0 % first, or pass force: true [the playground's wording]", dep.id, tasks.len()));
            }
        }
        let now = self.now();
        let id = dep.id.clone();
        if let Some(ts) = self.services[s].deployments[d].task_set.as_mut() {
            ts.status = TaskSetStatus::Draining;
            ts.scale = 0.0;
            ts.updated_at = now;
            // Its tasks waiting for capacity are no longer wanted.
            ts.provisioning.clear();
        }
        let reason = format!("Scaling activity initiated by (deployment {id})");
        for &t in &tasks {
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
        }
        if !tasks.is_empty() {
            let name = self.services[s].name.clone();
            let msg = format!(
                "(service {name}, taskSet {id}) has begun draining connections on {} tasks.",
                tasks.len()
            );
            self.service_event(s, msg);
        }
        self.services[s].steady = false;
        self.poke_service(s);
        Ok(())
    }

    /// `, taskSet ecs-svc/N` when the scheduler is acting for a task set of service `s`
    /// (service events name it so), else nothing.
    pub(crate) fn task_set_of_call(&self, s: usize) -> String {
        let svc = &self.services[s];
        svc.starting_for
            .and_then(|d| svc.deployments.get(d))
            .filter(|d| d.task_set.is_some())
            .map_or(String::new(), |d| format!(", taskSet {}", d.id))
    }

    /// Scales task set `d` of service `s` in to `want` of `tasks`, as that task set: its id in
    /// the stop reason and the service event.
    fn scale_in_task_set(&mut self, s: usize, d: usize, tasks: Vec<usize>, want: usize) {
        let id = self.services[s].deployments[d].id.clone();
        let svc = &mut self.services[s];
        let primary = std::mem::replace(&mut svc.deployment_id, id);
        svc.starting_for = Some(d);
        self.scale_in(s, tasks, want);
        let svc = &mut self.services[s];
        svc.starting_for = None;
        svc.deployment_id = primary;
    }

    /// DeleteService: every task set of service `s` that still runs drains with it; none
    /// keeps tasks waiting for capacity (the deleted service's scheduler passes do not look
    /// at its task sets again).
    pub(crate) fn drain_task_sets(&mut self, s: usize) {
        let now = self.now();
        for dep in &mut self.services[s].deployments {
            let Some(ts) = dep.task_set.as_mut() else {
                continue;
            };
            ts.provisioning.clear();
            if ts.status.runs() {
                ts.status = TaskSetStatus::Draining;
                ts.scale = 0.0;
                ts.updated_at = now;
            }
        }
    }

    /// The deleted service `s` is INACTIVE: its task sets are gone.
    pub(crate) fn task_sets_gone(&mut self, s: usize) {
        for dep in &mut self.services[s].deployments {
            if let Some(ts) = dep.task_set.as_mut() {
                ts.status = TaskSetStatus::Deleted;
            }
        }
    }

    /// Active tasks of deployment `d` of service `s`.
    fn task_set_tasks(&self, s: usize, d: usize) -> Vec<usize> {
        self.service_tasks
            .get(s)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&t| self.tasks[t].deployment == Some(d) && self.tasks[t].is_active())
            .collect()
    }

    /// The scheduler's pass over an EXTERNAL service (`active`: its tasks whose desired
    /// status is RUNNING): each PRIMARY or ACTIVE task set keeps its computed count (without
    /// `minimumHealthyPercent`/`maximumPercent` [the playground's choice]); a task that fails
    /// its health checks, or whose instance is draining, is replaced first and stopped once
    /// the task set has its count of healthy tasks without it; a DRAINING task set is gone
    /// once its tasks have stopped.
    pub(crate) fn reconcile_task_sets(&mut self, s: usize, active: &[usize]) {
        let desired = self.services[s].desired_count;
        for d in 0..self.services[s].deployments.len() {
            let Some(ts) = self.services[s].deployments[d].task_set.as_ref() else {
                continue;
            };
            let status = ts.status;
            let want = computed_desired_count(desired, ts.scale) as usize;
            // What waited for capacity is asked again below, if still wanted.
            if let Some(ts) = self.services[s].deployments[d].task_set.as_mut() {
                ts.provisioning.clear();
            }
            let mine: Vec<usize> = active
                .iter()
                .copied()
                .filter(|&t| self.tasks[t].deployment == Some(d) && self.tasks[t].is_active())
                .collect();
            if !status.runs() {
                let stopping = self.service_tasks.get(s).into_iter().flatten().any(|&t| {
                    self.tasks[t].deployment == Some(d)
                        && self.tasks[t].last_status != crate::task::TaskStatus::Stopped
                });
                if status == TaskSetStatus::Draining && !stopping {
                    self.task_set_drained(s, d);
                }
                continue;
            }
            let (replace, kept): (Vec<usize>, Vec<usize>) = mine.into_iter().partition(|&t| {
                self.tasks[t].unhealthy_stop.is_some()
                    || !self.cluster.instances[self.tasks[t].reservation.slot].accepts_tasks()
            });
            if kept.len() < want {
                self.start_task_set_tasks(s, d, want - kept.len());
            } else if kept.len() > want {
                self.scale_in_task_set(s, d, kept.clone(), want);
            }
            if !replace.is_empty()
                && kept.iter().filter(|&&t| self.task_is_healthy(t)).count() >= want
            {
                let mut stopped = Vec::new();
                for t in replace {
                    let reason = self.tasks[t].unhealthy_stop.clone().unwrap_or_else(|| {
                        format!(
                            "Task stopped because its container instance is DRAINING (deployment {})",
                            self.services[s].deployments[d].id
                        )
                    });
                    self.stop_task(t, "ServiceSchedulerInitiated", &reason);
                    stopped.push(format!("(task {})", self.tasks[t].id));
                }
                self.services[s].starting_for = Some(d);
                self.report_stopped(s, &stopped);
                self.services[s].starting_for = None;
            }
        }
        self.check_task_sets_steady(s);
    }

    /// A DRAINING task set whose tasks have all stopped is gone.
    fn task_set_drained(&mut self, s: usize, d: usize) {
        if let Some(ts) = self.services[s].deployments[d].task_set.as_mut() {
            ts.status = TaskSetStatus::Deleted;
        }
        self.refresh_task_set_links(s);
        let msg = format!(
            "DeleteTaskSet: task set {} of service {} drained and deleted",
            self.services[s].deployments[d].id, self.services[s].name
        );
        let name = self.services[s].name.clone();
        self.log
            .push(self.now(), EventKind::ServiceEvent, msg)
            .service(&name);
    }

    /// Starts `n` tasks of task set `d` of service `s`, as the task set runs them.
    fn start_task_set_tasks(&mut self, s: usize, d: usize, n: usize) {
        if let Some((run_as, links)) = self.task_set_request(s, d) {
            self.start_tasks_as(s, d, n, run_as, links);
        }
    }

    /// The request and load balancer links task set `d` of service `s` starts its tasks with.
    fn task_set_request(&self, s: usize, d: usize) -> Option<(Value, Vec<ServiceLoadBalancer>)> {
        let svc = &self.services[s];
        let ts = svc.deployments[d].task_set.as_ref()?;
        Some((run_as(&ts.request, svc), ts.links.clone()))
    }

    /// Service `s` as its task set next to start a task runs: the first one short of tasks,
    /// else the PRIMARY one, else the newest running one (for the placement explanation).
    /// `None` for a service that does not use task sets, or has none running.
    pub(crate) fn as_next_task_set(
        &self,
        s: usize,
    ) -> Option<Result<crate::service::Service, String>> {
        let deployments = &self.services[s].deployments;
        let running = |d: &&crate::deployment::Deployment| {
            d.task_set.as_ref().is_some_and(|ts| ts.status.runs())
        };
        let primary = deployments.iter().position(|d| {
            d.task_set
                .as_ref()
                .is_some_and(|ts| ts.status == TaskSetStatus::Primary)
        });
        // A task set short of tasks starts the next one; else the primary, else the newest.
        let desired = self.services[s].desired_count;
        let short = deployments.iter().enumerate().position(|(d, dep)| {
            dep.task_set.as_ref().is_some_and(|ts| {
                ts.status.runs()
                    && (self.task_set_tasks(s, d).len() as u32)
                        < computed_desired_count(desired, ts.scale)
            })
        });
        let d = short
            .or(primary)
            .or_else(|| deployments.iter().rposition(|d| running(&d)))?;
        let (request, links) = self.task_set_request(s, d)?;
        let mut svc = self.services[s].clone();
        Some(
            self.deployment_settings(s, d, request, links)
                .map(|mut settings| {
                    settings.swap(&mut svc);
                    svc
                }),
        )
    }

    /// Each running task set's stability, said when it reaches STEADY_STATE, and the
    /// service's steady state once every task set has reached its own.
    fn check_task_sets_steady(&mut self, s: usize) {
        let desired = self.services[s].desired_count;
        // A service without a task set runs nothing of its desired count: not steady.
        let mut all = self.services[s]
            .deployments
            .iter()
            .any(|d| d.task_set.as_ref().is_some_and(|ts| ts.status.runs()));
        for d in 0..self.services[s].deployments.len() {
            let Some(ts) = self.services[s].deployments[d].task_set.as_ref() else {
                continue;
            };
            match ts.status {
                TaskSetStatus::Deleted => continue,
                TaskSetStatus::Draining => {
                    all = false;
                    continue;
                }
                _ => {}
            }
            let want = computed_desired_count(desired, ts.scale);
            let steady = self.task_set_counts(s, d) == (want, 0)
                && self.task_set_tasks(s, d).iter().all(|&t| {
                    self.task_is_healthy(t)
                        && self.cluster.instances[self.tasks[t].reservation.slot].accepts_tasks()
                });
            all &= steady;
            let was = self.services[s].deployments[d]
                .task_set
                .as_ref()
                .is_some_and(|ts| ts.steady);
            if steady && !was {
                let svc = &mut self.services[s];
                if let Some(ts) = svc.deployments[d].task_set.as_mut() {
                    ts.steady = true;
                }
                let msg = format!(
                    "(service {}, taskSet {}) updated state to STEADY_STATE.",
                    svc.name, svc.deployments[d].id
                );
                self.service_event(s, msg);
                // "The task set is healthy and at the desired number of tasks, thus reaching a
                // steady state."
                self.service_action(s, "INFO", "TASKSET_STEADY_STATE", json!({}));
            } else if !steady {
                if let Some(ts) = self.services[s].deployments[d].task_set.as_mut() {
                    ts.steady = false;
                }
            }
        }
        let svc = &self.services[s];
        if all && !svc.steady && svc.last_failure.is_none() {
            let msg = format!("service {} has reached a steady state.", svc.name);
            self.services[s].steady = true;
            self.service_event(s, msg);
            self.service_action(s, "INFO", "SERVICE_STEADY_STATE", json!({}));
        } else if !all {
            self.services[s].steady = false;
        }
    }

    /// Running and pending tasks of deployment `d` of service `s`.
    fn task_set_counts(&self, s: usize, d: usize) -> (u32, u32) {
        let mut counts = (0, 0);
        for t in self.task_set_tasks(s, d) {
            if self.tasks[t].last_status == crate::task::TaskStatus::Running {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
        counts
    }

    /// The load balancer links task `t` registers with: its task set's, or its service's.
    pub(crate) fn links_of_task(&self, t: usize) -> &[ServiceLoadBalancer] {
        let Some(s) = self.tasks[t].service else {
            return &[];
        };
        let svc = &self.services[s];
        match self.tasks[t]
            .deployment
            .and_then(|d| svc.deployments.get(d))
            .and_then(|d| d.task_set.as_ref())
        {
            Some(ts) => &ts.links,
            None => &svc.load_balancers,
        }
    }

    /// DescribeServices' `taskSets` of an EXTERNAL service (`counts`: running and pending
    /// tasks per deployment), newest first.
    pub(crate) fn external_task_sets_json(&self, s: usize, counts: &[(u32, u32)]) -> Vec<Value> {
        let svc = &self.services[s];
        svc.deployments
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(d, dep)| {
                let ts = dep.live_task_set()?;
                let mut v = json!({
                    "id": dep.id,
                    "taskSetArn": task_set_arn(&svc.cluster, &svc.name, &dep.id),
                    "serviceArn": format!("{}:service/{}/{}", crate::revisions::ARN_PREFIX, svc.cluster, svc.name),
                    "clusterArn": format!("{}:cluster/{}", crate::revisions::ARN_PREFIX, svc.cluster),
                    "status": ts.status.as_str(),
                    "taskDefinition": crate::revisions::Revisions::arn(&dep.task_definition),
                    "computedDesiredCount": ts.computed_desired_count(svc.desired_count),
                    "runningCount": counts[d].0,
                    "pendingCount": counts[d].1,
                    "scale": {"value": ts.scale, "unit": "PERCENT"},
                    "stabilityStatus": ts.stability_status(),
                    "createdAt": self.timestamp(dep.created_at),
                    "updatedAt": self.timestamp(ts.updated_at),
                    "loadBalancers": ts.request.get("loadBalancers").cloned().unwrap_or(json!([])),
                    "serviceRegistries": ts.request.get("serviceRegistries").cloned().unwrap_or(json!([])),
                });
                for key in SETTINGS.iter().chain(&["externalId", "tags"]) {
                    if let Some(given) = ts.request.get(key).filter(|x| !x.is_null()) {
                        v[key] = given.clone();
                    }
                }
                Some(v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_desired_count_rounds_up() {
        // "if the computed desired count is 1.2, it rounds up to 2 tasks."
        assert_eq!(computed_desired_count(4, 30.0), 2);
        assert_eq!(computed_desired_count(10, 30.0), 3);
        assert_eq!(computed_desired_count(1, 50.0), 1);
        assert_eq!(computed_desired_count(7, 0.0), 0);
        assert_eq!(computed_desired_count(7, 100.0), 7);
        assert_eq!(computed_desired_count(0, 100.0), 0);
    }

    #[test]
    fn scale_is_checked_naming_the_field() {
        let parse = |v: Value| TaskSetCall::parse("updateTaskSets", &v, "updateTaskSets[0]");
        let e = parse(json!({"service": "web", "taskSet": "blue", "scale": {"value": 120}}))
            .unwrap_err();
        assert!(e.starts_with("updateTaskSets[0].scale.value:"), "{e}");
        let e = parse(
            json!({"service": "web", "taskSet": "blue", "scale": {"value": 1, "unit": "COUNT"}}),
        )
        .unwrap_err();
        assert!(e.starts_with("updateTaskSets[0].scale.unit:"), "{e}");
        let e = parse(json!({"service": "web", "taskSet": "blue"})).unwrap_err();
        assert!(e.starts_with("updateTaskSets[0].scale: required"), "{e}");
        let e = parse(json!({"service": "web", "taskSet": "blue", "scale": {"value": 5}, "taskDefinition": "x"}))
            .unwrap_err();
        assert_eq!(
            e,
            "updateTaskSets[0].taskDefinition: not a member of UpdateTaskSet"
        );
        let ok = parse(json!({"service": "arn:aws:ecs:us-east-1:1:service/c/web", "cluster": "c", "taskSet": "blue", "scale": {"value": 25.5, "unit": "PERCENT"}, "at": 60}))
            .unwrap();
        assert_eq!(ok.service, "web");
        assert_eq!(ok.at_ms, 60_000);
        assert_eq!(
            ok.action,
            TaskSetAction::Update {
                task_set: "blue".into(),
                scale: 25.5
            }
        );
    }
}
