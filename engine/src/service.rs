//! Services (section 4.1–4.2): the scheduler keeps `desiredCount` tasks running (REPLICA) or
//! one task on every eligible instance (DAEMON, in [`crate::daemon`]), and words its events as
//! ECS does (3.8).

use std::rc::Rc;

use serde_json::Value;

use crate::cluster::InstanceSlot;
use crate::event_log::EventKind;
use crate::placement::explain::Rejection;
use crate::placement::reserve::reserve;
use crate::placement::strategy::{BinpackField, SpreadField, Strategy};
use crate::placement::{parse_placement, Constraint, Decision, PlacementRequest, TaskNeeds};
use crate::request::cluster_name;
use crate::sim::{Simulation, Timer};
use crate::task::{Task, TaskStatus};
use crate::task_definition::ValidTaskDefinition;
use crate::time::SimTime;

/// A service's `status` (4.2): ACTIVE, then DRAINING and INACTIVE once deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceStatus {
    /// Running its tasks.
    Active,
    /// Deleted: its tasks are stopping.
    Draining,
    /// Deleted, every task stopping or stopped.
    Inactive,
}

impl ServiceStatus {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Active => "ACTIVE",
            ServiceStatus::Draining => "DRAINING",
            ServiceStatus::Inactive => "INACTIVE",
        }
    }
}

/// `schedulingStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulingStrategy {
    /// Keep `desiredCount` tasks.
    Replica,
    /// One task per eligible instance.
    Daemon,
}

/// A repeated service event is suppressed for 6 hours unless its cause clears (3.8).
pub const EVENT_REPEAT_MS: u64 = 6 * 3_600_000;
/// Service events kept, newest first, as the console shows them (3.8).
pub const MAX_SERVICE_EVENTS: usize = 100;

/// The Service Quotas default "Tasks per service" (4.9, [QUOTA]): a service's desired count
/// may not go above it. AWS lets an account raise it; the playground does not.
pub const MAX_TASKS_PER_SERVICE: u32 = 5_000;

/// The error for a desired count above [`MAX_TASKS_PER_SERVICE`]; `path` names the field.
pub(crate) fn above_task_quota(path: &str, n: u64) -> String {
    format!("{path}: {n} is above the quota of {MAX_TASKS_PER_SERVICE} tasks per service (Service Quotas \"Tasks per service\")")
}

/// A service event, as `events[]` in DescribeServices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEvent {
    /// When it happened.
    pub at: SimTime,
    /// The message.
    pub message: String,
}

/// One service.
#[derive(Debug, Clone)]
pub struct Service {
    /// `serviceName`.
    pub name: String,
    /// Cluster name.
    pub cluster: String,
    /// `family:revision`.
    pub task_definition: String,
    /// The definition itself.
    pub td: Rc<ValidTaskDefinition>,
    /// What each task needs.
    pub needs: TaskNeeds,
    /// `desiredCount` (REPLICA).
    pub desired_count: u32,
    /// REPLICA or DAEMON.
    pub scheduling: SchedulingStrategy,
    /// Constraints (service plus task definition).
    pub constraints: Vec<Constraint>,
    /// Strategies; the documented default when none is given (3.3).
    pub strategies: Vec<Strategy>,
    /// Events, oldest first (reversed when described).
    pub events: Vec<ServiceEvent>,
    /// `service:<name>`.
    pub group: String,
    /// `ecs-svc/<digits>` of the primary (newest) deployment, the `startedBy` of its tasks.
    pub deployment_id: String,
    /// Every deployment, oldest first; the last is the primary one.
    pub deployments: Vec<crate::deployment::Deployment>,
    /// awsvpc: the subnets of `networkConfiguration`.
    pub subnets: Option<Vec<String>>,
    /// `deploymentConfiguration`.
    pub deployment_configuration: crate::deployment::DeploymentConfiguration,
    /// `deploymentConfiguration.alarms`, when enabled (4.5).
    pub deployment_alarms: Option<crate::deployment::DeploymentAlarms>,
    /// `deploymentConfiguration.lifecycleHooks`: run by blue/green, linear and canary
    /// deployments ([`crate::deployment_lifecycle_hook`]).
    pub lifecycle_hooks: Vec<crate::deployment_lifecycle_hook::DeploymentLifecycleHook>,
    /// Tasks that failed to start in a row (4.6).
    pub start_failures: u32,
    /// The throttle: no launch before this time (4.6, G37).
    pub throttled_until: Option<SimTime>,
    /// When "unable to consistently start tasks" was last said (repeated after 6 h, 3.8).
    pub(crate) throttle_reported_at: Option<SimTime>,
    /// Whether "the number of protected tasks are more than the desired count" was said.
    pub(crate) protection_reported: bool,
    /// `loadBalancers[]`, resolved to target groups (8.1).
    pub load_balancers: Vec<crate::load_balancer::ServiceLoadBalancer>,
    /// `healthCheckGracePeriodSeconds`, in milliseconds (4.4).
    pub health_check_grace_ms: u64,
    /// awsvpc: `networkConfiguration.awsvpcConfiguration.securityGroups` (8.5).
    pub task_security_groups: Vec<String>,
    /// Its capacity provider strategy (`launchType: FARGATE` included); `None` for the EC2
    /// launch type.
    pub capacity: Option<crate::capacity_provider::ResolvedStrategy>,
    /// Tasks waiting for capacity, per strategy item, oldest first.
    pub waiting: Vec<Vec<crate::capacity_provider::provisioning::WaitingTask>>,
    /// When its Fargate tasks of the last minute were launched (the quota of 4.9).
    pub(crate) fargate_launches: std::collections::VecDeque<SimTime>,
    /// `launchType: EXTERNAL`: its tasks go to ECS Anywhere instances only.
    pub external: bool,
    /// ACTIVE, or DRAINING and INACTIVE after DeleteService.
    pub status: ServiceStatus,
    /// The CreateService request (with UpdateService changes), for re-reading placement.
    pub(crate) request: Value,
    pub(crate) stall_reported: bool,
    /// The blue/green, linear or canary deployment under way, if any.
    pub traffic_shift: Option<crate::blue_green::TrafficShift>,
    /// `availabilityZoneRebalancing` and the rebalancing under way.
    pub az_rebalancing: crate::az_rebalancing::ZoneRebalancing,
    pub(crate) steady: bool,
    pub(crate) last_failure: Option<(String, SimTime)>,
    /// `serviceConnectConfiguration` as the next deployment runs it, when enabled.
    pub service_connect: Option<Rc<crate::service_connect::ServiceConnectConfig>>,
    /// `serviceRegistries[0]` as the next deployment runs it ([`crate::service_discovery`]).
    pub service_registry: Option<Rc<crate::service_discovery::ServiceRegistry>>,
    /// `volumeConfigurations[0]` as the next deployment runs it ([`crate::ebs_volume`]).
    pub volume: Option<Rc<crate::ebs_volume::VolumeConfig>>,
    /// The deployment the tasks being started belong to when it is not the primary one (a
    /// CodeDeploy original task set kept at its computed desired count).
    pub(crate) starting_for: Option<usize>,
}

impl Service {
    /// Sets member `key` of the stored request to `value`, or removes it (`None`).
    pub(crate) fn set_request_member(&mut self, key: &str, value: Option<Value>) {
        match value {
            Some(v) => self.request[key] = v,
            None => {
                if let Some(o) = self.request.as_object_mut() {
                    o.remove(key);
                }
            }
        }
    }

    /// The primary (newest) deployment, as an index into `deployments`: the one a task
    /// started now belongs to.
    pub fn primary_deployment(&self) -> usize {
        self.deployments.len().saturating_sub(1)
    }

    /// The placement question for this service's next task, on capacity provider `provider`
    /// (`None`: any instance of the cluster).
    pub fn placement_request(&self, provider: Option<usize>) -> PlacementRequest<'_> {
        PlacementRequest {
            cluster: &self.cluster,
            group: &self.group,
            needs: &self.needs,
            constraints: &self.constraints,
            strategies: &self.strategies,
            capacity_provider: match provider {
                None if self.external => Some(crate::cluster::EXTERNAL_POOL as usize),
                other => other,
            },
        }
    }

    /// Tasks waiting for capacity, over all providers.
    pub fn waiting_total(&self) -> u32 {
        self.waiting.iter().map(|w| w.len() as u32).sum()
    }

    /// Its task sets' tasks waiting in PROVISIONING for an instance provider: (provider,
    /// what each needs, how many) ([`crate::task_set::TaskSet::provisioning`]).
    pub(crate) fn task_set_provisioning(
        &self,
    ) -> impl Iterator<Item = &(usize, crate::placement::TaskNeeds, u32)> {
        self.deployments
            .iter()
            .filter_map(|d| d.task_set.as_ref())
            .flat_map(|ts| &ts.provisioning)
    }
}

/// `healthCheckGracePeriodSeconds` in milliseconds (4.4): 0 to 2,147,483,647 seconds, and only
/// for a service with a load balancer or a container health check.
fn grace_period_ms(
    raw: &Value,
    load_balancers: &[crate::load_balancer::ServiceLoadBalancer],
    td: &crate::task_definition::ValidTaskDefinition,
) -> Result<u64, String> {
    let ms = match raw.get("healthCheckGracePeriodSeconds") {
        None | Some(Value::Null) => 0,
        Some(v) => {
            v.as_u64()
                .filter(|n| *n <= 2_147_483_647)
                .ok_or("healthCheckGracePeriodSeconds: must be 0 to 2147483647")?
                * 1000
        }
    };
    // An EXTERNAL service's load balancers come with its task sets (crate::task_set).
    let external = crate::task_set::is_external_controller(raw);
    if ms > 0
        && !external
        && load_balancers.is_empty()
        && !td.containers.iter().any(|c| c.has_health_check)
    {
        return Err("healthCheckGracePeriodSeconds: Health check grace period is only valid for services configured to use load balancers or container health checks.".to_string());
    }
    Ok(ms)
}

impl Simulation {
    /// Creates the scenario's services (CreateService requests) at time zero.
    pub(crate) fn create_services(&mut self) {
        for (i, raw) in self.scenario.services.clone().iter().enumerate() {
            match self.build_service(raw) {
                Ok(service) => {
                    let name = service.name.clone();
                    self.services.push(service);
                    self.log
                        .push(
                            self.now(),
                            EventKind::ServiceEvent,
                            format!("service {name} created"),
                        )
                        .service(&name);
                    let s = self.services.len() - 1;
                    let asked = raw.get("availabilityZoneRebalancing")
                        == Some(&Value::String("ENABLED".into()));
                    if asked && !self.rebalances(s) {
                        // Said as a note, not as `services[i].<field>: ...`, which reads as a
                        // refusal (the paste box refuses on it).
                        let msg = format!("service {name}: availabilityZoneRebalancing ENABLED is kept, but the playground rebalances only EC2 launch type services whose first placement strategy spreads by Availability Zone, and launchType FARGATE services");
                        self.log
                            .push(self.now(), EventKind::Scenario, msg)
                            .service(&name);
                    }
                    let svc = &self.services[s];
                    if !svc.lifecycle_hooks.is_empty()
                        && svc.deployment_configuration.strategy.shifts_traffic()
                    {
                        let msg = format!("service {name}: deploymentConfiguration.lifecycleHooks: the first deployment runs no hooks here (the playground's choice: it has no traffic to shift); they run from the next deployment");
                        self.log
                            .push(self.now(), EventKind::Scenario, msg)
                            .service(&name);
                    }
                    self.poke_service(s);
                }
                Err(e) => {
                    self.log.push(
                        self.now(),
                        EventKind::Scenario,
                        format!("services[{i}].{e}"),
                    );
                }
            }
        }
    }

    fn build_service(&mut self, raw: &Value) -> Result<Service, String> {
        let name = raw
            .get("serviceName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or("serviceName: required (CreateService needs a serviceName)")?
            .to_string();
        let cluster = cluster_name(raw);
        self.capacity
            .check_cluster(&cluster)
            .map_err(|e| format!("cluster: {e}"))?;
        // An EXTERNAL service has no task definition of its own: it is built around its
        // first task set's, and starts no task by itself (crate::task_set).
        let external_controller = crate::task_set::is_external_controller(raw);
        // The service keeps its CreateService request as given.
        let given = raw;
        let as_first_task_set;
        let (raw, (task_definition, td)) = if external_controller {
            crate::task_set::check_create_service(raw)?;
            match self.as_first_task_set(raw) {
                Some(first) => {
                    as_first_task_set = first;
                    let td = self
                        .launchable_task_definition(&as_first_task_set, "ClientException")
                        .map_err(|e| format!("deploymentController: the first task set's {e}"))?;
                    (&as_first_task_set, td)
                }
                // No task set ever: the service runs nothing (AWS's has no task definition).
                None => (
                    raw,
                    (
                        String::new(),
                        crate::task_set::placeholder_task_definition()?,
                    ),
                ),
            }
        } else {
            (
                raw,
                self.launchable_task_definition(raw, "ClientException")?,
            )
        };
        let service_connect = self.service_connect_of(raw, &td, &cluster, self.services.len())?;
        let scheduling = match raw
            .get("schedulingStrategy")
            .and_then(Value::as_str)
            .unwrap_or("REPLICA")
        {
            "REPLICA" | "" => SchedulingStrategy::Replica,
            "DAEMON" => SchedulingStrategy::Daemon,
            other => {
                return Err(format!(
                    "schedulingStrategy: \"{other}\" is not REPLICA or DAEMON"
                ))
            }
        };
        let desired_count = match (scheduling, raw.get("desiredCount")) {
            (SchedulingStrategy::Daemon, _) => 0,
            (_, Some(v)) => match v.as_u64() {
                Some(n) if n <= u64::from(MAX_TASKS_PER_SERVICE) => n as u32,
                Some(n) => return Err(above_task_quota("desiredCount", n)),
                None => return Err("desiredCount: must be a whole number".to_string()),
            },
            // Only the ECS controller requires it [API-ECS].
            (_, None) if external_controller => 0,
            (_, None) => return Err("desiredCount: required for a REPLICA service".to_string()),
        };
        let capacity = self.capacity.for_request(raw, &cluster)?;
        let fargate = self.capacity.runs_on_fargate(capacity.as_ref());
        if capacity.is_some() && scheduling == SchedulingStrategy::Daemon {
            return Err("capacityProviderStrategy: The daemon scheduling strategy does not support capacity providers or the FARGATE launch type; use the EC2 launch type".to_string());
        }
        if fargate {
            crate::fargate::check_fargate_request(raw, &td)?;
        }
        crate::fargate::check_platform_version(raw, &td, fargate)?;
        let managed = self.capacity.runs_on_managed_instances(capacity.as_ref());
        if managed {
            crate::capacity_provider::managed_instances::check_request(raw, &td)?;
        }
        let subnets = crate::request::awsvpc_subnets(raw, &td)?;
        let (constraints, mut strategies) = parse_placement(raw, &td)?;
        if scheduling == SchedulingStrategy::Daemon && !strategies.is_empty() {
            return Err(
                "placementStrategy: a DAEMON service takes no placement strategy".to_string(),
            );
        }
        if managed {
            // Managed Instances spread over zones first, then binpack
            // (crate::capacity_provider::managed_instances).
            strategies = crate::capacity_provider::managed_instances::placement_strategies();
        } else if strategies.is_empty() {
            // 3.3: the service default is spread by AZ, then by instance.
            strategies = vec![
                Strategy::spread_az(),
                Strategy::Spread(SpreadField::InstanceId),
            ];
        }
        // CreateService defaults it to ENABLED, except for services that cannot use it
        // (binpack first, DAEMON).
        let compatible = scheduling == SchedulingStrategy::Replica
            && !matches!(strategies.first(), Some(Strategy::Binpack(_)));
        let az_rebalancing = crate::az_rebalancing::ZoneRebalancing::from_create(raw, compatible)?;
        let defaults = match scheduling {
            SchedulingStrategy::Daemon => crate::deployment::DeploymentConfiguration::DAEMON,
            SchedulingStrategy::Replica => Default::default(),
        };
        let deployment_configuration =
            crate::deployment::DeploymentConfiguration::from_request(raw, defaults)?;
        if scheduling == SchedulingStrategy::Daemon
            && deployment_configuration.maximum_percent != 100
        {
            return Err(format!(
                "deploymentConfiguration.maximumPercent: a DAEMON service needs 100, not {} (4.1)",
                deployment_configuration.maximum_percent
            ));
        }
        let load_balancers = self.service_load_balancers(raw, &td)?;
        crate::blue_green::check_strategy(
            raw,
            scheduling == SchedulingStrategy::Daemon,
            deployment_configuration.strategy,
            &load_balancers,
        )?;
        crate::code_deploy::runtime::check_create_service(
            raw,
            scheduling == SchedulingStrategy::Daemon,
            &load_balancers,
        )?;
        let health_check_grace_ms = grace_period_ms(raw, &load_balancers, &td)?;
        let task_security_groups: Vec<String> = crate::request::string_list(
            raw.pointer("/networkConfiguration/awsvpcConfiguration/securityGroups"),
        );
        let service_registry =
            crate::service_discovery::parse_registries(raw, &td, &self.scenario.cloud_map)?
                .map(Rc::new);
        if service_registry.is_some()
            && u64::from(desired_count) > crate::service_discovery::MAX_TASKS
        {
            return Err(format!("desiredCount: {desired_count} is more than the {} tasks a service that uses service discovery can run (a Route 53 quota)", crate::service_discovery::MAX_TASKS));
        }
        let target_groups: Vec<&str> = load_balancers
            .iter()
            .map(|l| self.lb.target_groups[l.target_group].arn.as_str())
            .collect();
        crate::load_balancer::service_role::check(
            raw,
            &crate::load_balancer::service_role::ServiceFacts {
                awsvpc: td.needs_eni,
                target_groups: &target_groups,
                service_discovery: service_registry.is_some(),
                external: raw
                    .pointer("/deploymentController/type")
                    .and_then(Value::as_str)
                    == Some("EXTERNAL"),
                classic: self.lb.classic_of(&load_balancers).is_some(),
            },
            &self.scenario.iam,
        )?;
        let volume = crate::ebs_volume::parse(
            raw,
            &td,
            crate::ebs_volume::VolumeFacts {
                service: true,
                daemon: scheduling == SchedulingStrategy::Daemon,
                controller: raw
                    .pointer("/deploymentController/type")
                    .and_then(Value::as_str),
                fargate,
                external: crate::request::is_external(raw),
                platform_version: raw.get("platformVersion").and_then(Value::as_str),
            },
            &self.scenario.ebs_snapshots,
        )?
        .map(Rc::new);
        crate::tags::check_request(raw, true)?;
        crate::execute_command::check_task_role(
            crate::execute_command::requested(raw)?.unwrap_or(false),
            &td,
            crate::execute_command::Request::CreateService,
        )?;
        let deployment_alarms = crate::deployment::DeploymentAlarms::from_request(raw, None)?;
        let lifecycle_hooks =
            crate::deployment_lifecycle_hook::DeploymentLifecycleHook::parse_list(raw, &[])?;
        // Nothing below can refuse the service: its listener rules and Service Connect
        // endpoints may be created.
        self.ensure_weighted_rules(&load_balancers);
        let deployment_id = if external_controller {
            String::new()
        } else {
            self.new_deployment_id()
        };
        let mut deployments = vec![crate::deployment::Deployment {
            id: deployment_id.clone(),
            task_definition: task_definition.clone(),
            created_at: self.now(),
            rollout_state: crate::deployment::RolloutState::InProgress,
            failed_tasks: 0,
            alternate: false,
            service_connect: self.deployment_connect(
                self.services.len(),
                &name,
                service_connect.clone(),
            ),
            service_registry: service_registry.clone(),
            volume: volume.clone(),
            task_set: None,
        }];
        // An EXTERNAL service's deployments are its task sets.
        if external_controller {
            deployments.clear();
        }
        let mut needs = self.task_needs(&td, &subnets);
        if volume.is_some() && !fargate {
            needs
                .required_attributes
                .push(crate::ebs_volume::EBS_CAPABILITY.to_string());
        }
        Ok(Service {
            group: format!("service:{name}"),
            needs,
            subnets,
            name,
            cluster,
            task_definition,
            td,
            desired_count,
            scheduling,
            constraints,
            strategies,
            events: Vec::new(),
            deployment_id,
            deployments,
            deployment_configuration,
            deployment_alarms,
            lifecycle_hooks,
            start_failures: 0,
            throttled_until: None,
            throttle_reported_at: None,
            protection_reported: false,
            load_balancers,
            health_check_grace_ms,
            task_security_groups,
            waiting: vec![Vec::new(); capacity.as_ref().map_or(0, |c| c.providers.len())],
            fargate_launches: Default::default(),
            external: crate::request::is_external(raw),
            capacity,
            status: ServiceStatus::Active,
            request: given.clone(),
            stall_reported: false,
            az_rebalancing,
            traffic_shift: None,
            steady: false,
            last_failure: None,
            starting_for: None,
            service_connect,
            service_registry,
            volume,
        })
    }

    /// The `serviceConnectConfiguration` of request `raw` for service `s` (an existing one,
    /// or the next index for a new one) running `td`, checked against the task definition and
    /// the namespace's other endpoints.
    pub(crate) fn service_connect_of(
        &self,
        raw: &Value,
        td: &crate::task_definition::ValidTaskDefinition,
        cluster: &str,
        s: usize,
    ) -> Result<Option<Rc<crate::service_connect::ServiceConnectConfig>>, String> {
        let facts = crate::service_connect::ServiceFacts {
            cluster,
            external: crate::request::is_external(raw),
            controller: raw
                .pointer("/deploymentController/type")
                .and_then(Value::as_str),
        };
        let Some(config) =
            crate::service_connect::parse(raw, td, facts, &self.scenario.namespaces)?
        else {
            return Ok(None);
        };
        self.check_service_connect(s, &config)?;
        Ok(Some(Rc::new(config)))
    }

    /// Sets a timer for every `updateServices[]` entry (UpdateService requests with `at`).
    pub(crate) fn schedule_service_updates(&mut self) {
        for (i, raw) in self.scenario.update_services.clone().iter().enumerate() {
            match raw
                .get("at")
                .map(crate::time::parse_duration_ms)
                .unwrap_or(Ok(0))
            {
                Ok(at) => self.schedule(SimTime(at), Timer::UpdateService(i)),
                Err(e) => {
                    self.log.push(
                        self.now(),
                        EventKind::Scenario,
                        format!("updateServices[{i}].at: {e}"),
                    );
                }
            }
        }
    }

    /// Makes UpdateService call `i`. Only `desiredCount` is simulated so far; a new
    /// `desiredCount` alone starts no deployment (4.2).
    pub(crate) fn update_service(&mut self, i: usize) {
        let mut raw = self.scenario.update_services[i].clone();
        let given = raw.get("service").and_then(Value::as_str).unwrap_or("");
        let cluster = cluster_name(&raw);
        let name = given
            .rsplit_once("service/")
            .map_or(given, |(_, n)| n.rsplit('/').next().unwrap_or(n))
            .to_string();
        let name = name.as_str();
        if let Err(e) = self.capacity.check_cluster(&cluster) {
            let msg = format!("updateServices[{i}].cluster: {e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let Some(s) = self.services.iter().position(|svc| {
            svc.name == name && svc.cluster == cluster && svc.status == ServiceStatus::Active
        }) else {
            self.log.push(self.now(), EventKind::Scenario, format!("updateServices[{i}].service: ServiceNotFoundException: service \"{name}\" not found in cluster {cluster}"));
            return;
        };
        if let Err(e) =
            crate::code_deploy::runtime::check_update_service(&self.services[s].request, &raw)
                .and_then(|()| {
                    crate::task_set::check_update_service(&self.services[s].request, &raw)
                })
        {
            let msg = format!("updateServices[{i}].{e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        // A new taskDefinition must be ACTIVE; a bare family means its latest ACTIVE revision
        // (crate::task_definition_state).
        if raw.get("taskDefinition").is_some() {
            match self.launchable_task_definition(&raw, "ClientException") {
                Ok((fr, _)) => raw["taskDefinition"] = Value::String(fr),
                Err(e) => {
                    let msg = format!("updateServices[{i}].{e}");
                    self.log.push(self.now(), EventKind::Scenario, msg);
                    return;
                }
            }
        }
        // ECS Exec needs a task role, also when the service already has it on; the refusal
        // ("The service couldn't be updated") leaves the service as it was.
        if let Err(e) = self.check_exec_update(s, &raw) {
            let msg = format!("updateServices[{i}].{e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        // availabilityZoneRebalancing: absent keeps the service's value; no new deployment.
        match raw
            .get("availabilityZoneRebalancing")
            .and_then(Value::as_str)
        {
            Some("ENABLED") => {
                self.services[s].az_rebalancing.enabled = true;
                self.poke_service(s);
            }
            Some("DISABLED") => self.services[s].az_rebalancing.enabled = false,
            Some(other) => {
                let msg = format!("updateServices[{i}].availabilityZoneRebalancing: \"{other}\" is not ENABLED or DISABLED; the call is refused");
                self.log.push(self.now(), EventKind::Scenario, msg);
                return;
            }
            None => {}
        }
        // A Service Connect service (as the call leaves it) runs at most 1,000 tasks: the call
        // is refused whole.
        let connect_after = match raw.get("serviceConnectConfiguration") {
            Some(c) if !c.is_null() => c.get("enabled") == Some(&Value::Bool(true)),
            _ => self.services[s].service_connect.is_some(),
        };
        if let Some(n) = raw
            .get("desiredCount")
            .and_then(Value::as_u64)
            .filter(|n| connect_after && *n > crate::service_connect::MAX_TASKS)
        {
            let msg = format!("updateServices[{i}].desiredCount: {n} is more than the {} tasks a Service Connect service can run (the Cloud Map instances-per-service quota); the call is refused", crate::service_connect::MAX_TASKS);
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        // So does a service that uses service discovery [ECS-SD], whether the call sets its
        // desired count or adds a registry to a service that runs more.
        let registry_after = match raw.get("serviceRegistries") {
            Some(Value::Array(l)) => !l.is_empty(),
            _ => self.services[s].service_registry.is_some(),
        };
        let desired_after = raw
            .get("desiredCount")
            .and_then(Value::as_u64)
            .unwrap_or(u64::from(self.services[s].desired_count));
        if let Some(n) = Some(desired_after)
            .filter(|n| registry_after && *n > crate::service_discovery::MAX_TASKS)
        {
            let msg = format!("updateServices[{i}].desiredCount: {n} is more than the {} tasks a service that uses service discovery can run (a Route 53 quota); the call is refused", crate::service_discovery::MAX_TASKS);
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        // Any UpdateService resets the launch back-off (4.6).
        self.services[s].start_failures = 0;
        self.services[s].throttled_until = None;
        if let Some(v) = raw.get("desiredCount") {
            match v.as_u64() {
                Some(n) if n > u64::from(MAX_TASKS_PER_SERVICE) => {
                    let msg = above_task_quota(&format!("updateServices[{i}].desiredCount"), n);
                    self.log.push(self.now(), EventKind::Scenario, msg);
                }
                Some(n) if self.services[s].scheduling == SchedulingStrategy::Replica => {
                    let n = n as u32;
                    let old = self.services[s].desired_count;
                    self.services[s].desired_count = n;
                    if n != old {
                        self.code_deploy_scaled(s);
                        self.task_sets_follow_desired_count(s, old);
                    }
                    self.log
                        .push(
                            self.now(),
                            EventKind::ServiceEvent,
                            format!("UpdateService {name}: desiredCount {old} -> {n}"),
                        )
                        .service(name);
                    self.services[s].steady = false;
                    self.poke_service(s);
                }
                Some(_) => {
                    self.log.push(self.now(), EventKind::Scenario, format!("updateServices[{i}].desiredCount: a DAEMON service has no desired count"));
                }
                None => {
                    self.log.push(
                        self.now(),
                        EventKind::Scenario,
                        format!("updateServices[{i}].desiredCount: must be a whole number"),
                    );
                }
            }
        }
        if let Err(e) = self.update_deployment(s, &raw) {
            self.log.push(
                self.now(),
                EventKind::Scenario,
                format!("updateServices[{i}].{e}"),
            );
        }
    }

    /// UpdateService's `enableExecuteCommand` (or the service's, when the call leaves it) against
    /// the task definition the call leaves the service with: refused without a task role. A
    /// task definition that does not resolve is left to [`Self::update_deployment`].
    fn check_exec_update(&self, s: usize, raw: &Value) -> Result<(), String> {
        let exec = crate::execute_command::requested(raw)?.or_else(|| {
            crate::execute_command::requested(&self.services[s].request)
                .ok()
                .flatten()
        });
        let td_name = raw
            .get("taskDefinition")
            .and_then(Value::as_str)
            .unwrap_or(&self.services[s].task_definition);
        let Ok((_, td)) = self.revisions.resolve(td_name) else {
            return Ok(());
        };
        crate::execute_command::check_task_role(
            exec.unwrap_or(false),
            &td,
            crate::execute_command::Request::UpdateService,
        )
    }

    /// The deployment side of UpdateService: `deploymentConfiguration`,
    /// `healthCheckGracePeriodSeconds`, and a new deployment on a new `taskDefinition`,
    /// `forceNewDeployment`, or new placement, network, load balancer or capacity provider
    /// settings (4.2). A new desiredCount alone starts no deployment.
    fn update_deployment(&mut self, s: usize, raw: &Value) -> Result<(), String> {
        // Everything is checked before anything changes: the deployment configuration, the
        // task definition and placement the next deployment will use, then the settings
        // (which `update_settings` checks before it applies them).
        let base = self.services[s].deployment_configuration;
        let cfg = crate::deployment::DeploymentConfiguration::from_request(raw, base)?;
        crate::tags::check_request(raw, true)?;
        let alarms_base = self.services[s].deployment_alarms.clone();
        let alarms = crate::deployment::DeploymentAlarms::from_request(raw, alarms_base)?;
        let hooks = crate::deployment_lifecycle_hook::DeploymentLifecycleHook::parse_list(
            raw,
            &self.services[s].lifecycle_hooks,
        )?;
        let new_td = raw
            .get("taskDefinition")
            .and_then(Value::as_str)
            .map(str::to_string);
        let td_name = new_td
            .clone()
            .unwrap_or_else(|| self.services[s].task_definition.clone());
        let (_, td) = self
            .revisions
            .resolve(&td_name)
            .map_err(|e| format!("taskDefinition: {e}"))?;
        let placement: Vec<(&str, &Value)> = ["placementConstraints", "placementStrategy"]
            .into_iter()
            .filter_map(|key| raw.get(key).map(|v| (key, v)))
            .collect();
        let mut request = self.services[s].request.clone();
        for &(key, v) in &placement {
            request[key] = v.clone();
        }
        crate::placement::parse_placement(&request, &td)?;
        // serviceConnectConfiguration: a new one, or the service's own against a new task
        // definition (its portName must still be there).
        let connect_given = raw
            .get("serviceConnectConfiguration")
            .is_some_and(|v| !v.is_null());
        if connect_given {
            request["serviceConnectConfiguration"] = raw["serviceConnectConfiguration"].clone();
        }
        let cluster = self.services[s].cluster.clone();
        let connect = if connect_given || new_td.is_some() {
            self.service_connect_of(&request, &td, &cluster, s)?
        } else {
            self.services[s].service_connect.clone()
        };
        if let (Some(new), Some(old)) = (&connect, &self.services[s].service_connect) {
            crate::service_connect::check_protocols_kept(old, new)?;
        }
        let connect_changed = connect.as_deref() != self.services[s].service_connect.as_deref();
        // serviceRegistries: a new one ([] removes it), or the service's own against a new
        // task definition; a change starts a deployment [ECS-SR].
        let registries_given = raw.get("serviceRegistries").is_some_and(|v| !v.is_null());
        if registries_given {
            request["serviceRegistries"] = raw["serviceRegistries"].clone();
        }
        let registry = if registries_given || new_td.is_some() {
            crate::service_discovery::parse_registries(&request, &td, &self.scenario.cloud_map)?
                .map(Rc::new)
        } else {
            self.services[s].service_registry.clone()
        };
        let registry_changed = registry.as_deref() != self.services[s].service_registry.as_deref();
        // volumeConfigurations: null keeps the service's (checked against a new task
        // definition or capacity); a different one starts a deployment; [] removes it [US].
        let volumes_given = raw
            .get("volumeConfigurations")
            .is_some_and(|v| !v.is_null());
        if volumes_given {
            request["volumeConfigurations"] = raw["volumeConfigurations"].clone();
        }
        // The next deployment runs on the capacity a new strategy resolves to.
        let new_strategy = raw.get("capacityProviderStrategy").filter(|v| !v.is_null());
        let capacity = match new_strategy {
            Some(strategy) => {
                let mut merged = request.clone();
                merged["capacityProviderStrategy"] = strategy.clone();
                if let Some(o) = merged.as_object_mut() {
                    o.remove("launchType");
                }
                self.capacity.for_request(&merged, &cluster)?
            }
            None => self.services[s].capacity.clone(),
        };
        let fargate = self.capacity.runs_on_fargate(capacity.as_ref());
        // A Managed Instances service keeps their rules whatever the call changes: its task
        // definition, its placement.
        if self.capacity.runs_on_managed_instances(capacity.as_ref()) {
            crate::capacity_provider::managed_instances::check_request(&request, &td)?;
        }
        let volume = if volumes_given || new_td.is_some() || new_strategy.is_some() {
            let svc = &self.services[s];
            crate::ebs_volume::parse(
                &request,
                &td,
                crate::ebs_volume::VolumeFacts {
                    service: true,
                    daemon: svc.scheduling == SchedulingStrategy::Daemon,
                    controller: request
                        .pointer("/deploymentController/type")
                        .and_then(Value::as_str),
                    fargate,
                    external: svc.external,
                    platform_version: request.get("platformVersion").and_then(Value::as_str),
                },
                &self.scenario.ebs_snapshots,
            )?
            .map(Rc::new)
        } else {
            self.services[s].volume.clone()
        };
        let volume_changed = match (volume.as_deref(), self.services[s].volume.as_deref()) {
            (Some(new), Some(old)) => !new.same_volume(old),
            (new, old) => new.is_some() != old.is_some(),
        };
        self.check_load_balancers_kept(s, &request, raw, &td_name, &td)?;
        let settings_changed = self.update_settings(s, raw, cfg.strategy)?;
        if connect_given {
            self.services[s].request["serviceConnectConfiguration"] =
                raw["serviceConnectConfiguration"].clone();
        }
        self.services[s].service_connect = connect;
        if registries_given {
            self.services[s].request["serviceRegistries"] = raw["serviceRegistries"].clone();
        }
        self.services[s].service_registry = registry;
        if volumes_given {
            self.services[s].request["volumeConfigurations"] = raw["volumeConfigurations"].clone();
        }
        self.services[s].volume = volume;
        self.services[s].deployment_configuration = cfg;
        self.services[s].deployment_alarms = alarms;
        self.services[s].lifecycle_hooks = hooks;
        for &(key, v) in &placement {
            self.services[s].request[key] = v.clone();
        }
        // propagateTags and enableECSManagedTags: "Only tasks launched after the update will
        // reflect the update" (crate::tags); enableExecuteCommand "doesn't trigger a new
        // service deployment" (crate::execute_command).
        for key in [
            "propagateTags",
            "enableECSManagedTags",
            "enableExecuteCommand",
        ] {
            if let Some(v) = raw.get(key).filter(|v| !v.is_null()) {
                self.services[s].request[key] = v.clone();
            }
        }
        // The request keeps the service's deploymentConfiguration, member by member as
        // UpdateService changes it (DescribeServices echoes it).
        if let Some(Value::Object(given)) = raw.get("deploymentConfiguration") {
            let stored = &mut self.services[s].request["deploymentConfiguration"];
            if !stored.is_object() {
                *stored = serde_json::json!({});
            }
            for (k, v) in given.iter().filter(|(_, v)| !v.is_null()) {
                stored[k.as_str()] = v.clone();
            }
        }
        // A CODE_DEPLOY or EXTERNAL service's new placement applies to the tasks it starts from
        // now on: only CodeDeploy, or the task sets, deploy it.
        let code_deploy = crate::code_deploy::runtime::is_code_deploy(&self.services[s].request)
            || crate::task_set::is_external_controller(&self.services[s].request);
        let placement_changed = !placement.is_empty() && !code_deploy;
        if code_deploy && !placement.is_empty() {
            let (constraints, strategies) =
                crate::placement::parse_placement(&self.services[s].request, &self.services[s].td)?;
            let svc = &mut self.services[s];
            svc.constraints = constraints;
            if !strategies.is_empty() {
                svc.strategies = strategies;
            }
        }
        let force = raw
            .get("forceNewDeployment")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        // Any change of Service Connect configuration is a new deployment [DG-components].
        if new_td.is_some()
            || force
            || placement_changed
            || settings_changed
            || connect_changed
            || registry_changed
            || volume_changed
        {
            self.start_deployment(s, &td_name)
                .map_err(|e| format!("taskDefinition: {e}"))?;
        }
        self.poke_service(s);
        Ok(())
    }

    /// An UpdateService that leaves `loadBalancers` alone keeps CreateService's rules for them
    /// (8.1, 8.6): the service's load balancers are checked again against the task definition
    /// `td` the call deploys, whose container must still map the container port a target group
    /// sends to ("The container web did not have a container port 8080 defined.", as
    /// CreateService says it; a CLB also needs the fixed host port of a listener, an awsvpc
    /// revision an `ip` target group), and, behind a Classic Load Balancer, against the
    /// deployment configuration the call leaves (no circuit breaker with a CLB). A call that
    /// gives `loadBalancers` is checked by [`Self::update_settings`].
    fn check_load_balancers_kept(
        &self,
        s: usize,
        request: &Value,
        raw: &Value,
        td_name: &str,
        td: &crate::task_definition::ValidTaskDefinition,
    ) -> Result<(), String> {
        let new_revision = raw.get("taskDefinition").is_some_and(|v| !v.is_null());
        if raw.get("loadBalancers").is_some_and(|v| !v.is_null())
            || !(new_revision || self.classic_load_balancer_of(s).is_some())
        {
            return Ok(());
        }
        let mut merged = request.clone();
        merged["taskDefinition"] = Value::String(td_name.to_string());
        if let Some(Value::Object(given)) = raw.get("deploymentConfiguration") {
            let stored = &mut merged["deploymentConfiguration"];
            if !stored.is_object() {
                *stored = serde_json::json!({});
            }
            for (k, v) in given.iter().filter(|(_, v)| !v.is_null()) {
                stored[k.as_str()] = v.clone();
            }
        }
        self.service_load_balancers(&merged, td).map(|_| ())
    }

    /// UpdateService's `networkConfiguration`, `loadBalancers`, `capacityProviderStrategy` and
    /// `healthCheckGracePeriodSeconds`: each is checked as CreateService checks it, against
    /// the task definition the service will run, then applied. Returns whether one of the
    /// first three changed, which starts a deployment (4.2, 8.1). Tasks still waiting for the
    /// old capacity start again through the new strategy.
    pub(crate) fn update_settings(
        &mut self,
        s: usize,
        raw: &Value,
        strategy: crate::blue_green::DeploymentStrategy,
    ) -> Result<bool, String> {
        const DEPLOYING: [&str; 4] = [
            "networkConfiguration",
            "loadBalancers",
            "capacityProviderStrategy",
            "platformVersion",
        ];
        let given = |key: &str| raw.get(key).is_some_and(|v| !v.is_null());
        let daemon = self.services[s].scheduling == SchedulingStrategy::Daemon;
        if !DEPLOYING.iter().any(|k| given(k)) && !given("healthCheckGracePeriodSeconds") {
            let svc = &self.services[s];
            crate::blue_green::check_strategy(&svc.request, daemon, strategy, &svc.load_balancers)?;
            return Ok(false);
        }
        // The settings are checked against the revision the service runs now (an earlier
        // UpdateService may have moved it on from its CreateService request's).
        let mut merged = self.services[s].request.clone();
        merged["taskDefinition"] = Value::String(self.services[s].task_definition.clone());
        for key in DEPLOYING
            .iter()
            .copied()
            .chain(["healthCheckGracePeriodSeconds", "taskDefinition"])
        {
            if given(key) {
                merged[key] = raw[key].clone();
            }
        }
        if given("capacityProviderStrategy") {
            // A strategy replaces the launch type (UpdateService has no launchType).
            if let Some(obj) = merged.as_object_mut() {
                obj.remove("launchType");
            }
        }
        let (_, td) = crate::request::task_definition(&merged, &self.revisions)?;
        let cluster = self.services[s].cluster.clone();
        let capacity = self.capacity.for_request(&merged, &cluster)?;
        let fargate = self.capacity.runs_on_fargate(capacity.as_ref());
        if fargate {
            crate::fargate::check_fargate_request(&merged, &td)?;
        }
        crate::fargate::check_platform_version(&merged, &td, fargate)?;
        let managed = self.capacity.runs_on_managed_instances(capacity.as_ref());
        let was_managed = self
            .capacity
            .runs_on_managed_instances(self.services[s].capacity.as_ref());
        if managed {
            crate::capacity_provider::managed_instances::check_request(&merged, &td)?;
        }
        let subnets = crate::request::awsvpc_subnets(&merged, &td)?;
        let mut load_balancers = self.service_load_balancers(&merged, &td)?;
        let uses_classic = |links: &[_]| self.lb.classic_of(links).is_some();
        if (uses_classic(&load_balancers) || uses_classic(&self.services[s].load_balancers))
            && load_balancers != self.services[s].load_balancers
        {
            return Err("loadBalancers: UpdateService cannot add, change or remove a Classic Load Balancer; it is set when the service is created (the playground's reading: AWS documents updating target groups only)".to_string());
        }
        // A CODE_DEPLOY service's pair comes from its deployment group, not its request.
        if crate::code_deploy::runtime::is_code_deploy(&merged) {
            for (new, old) in load_balancers
                .iter_mut()
                .zip(&self.services[s].load_balancers)
            {
                if new.target_group == old.target_group {
                    new.alternate = old.alternate;
                }
            }
        }
        let grace_ms = grace_period_ms(&merged, &load_balancers, &td)?;
        crate::blue_green::check_strategy(&merged, daemon, strategy, &load_balancers)?;
        if let Some(shift) = &self.services[s].traffic_shift {
            if load_balancers != self.services[s].load_balancers {
                return Err(format!(
                    "loadBalancers: cannot change while a {} deployment is in lifecycle stage {} (the playground's choice: the old target groups still hold blue's tasks)",
                    shift.strategy.as_str(),
                    shift.stage.as_str()
                ));
            }
        }
        let svc = &mut self.services[s];
        svc.health_check_grace_ms = grace_ms;
        let deploying = DEPLOYING.iter().any(|k| given(k));
        if deploying {
            svc.task_security_groups = crate::request::string_list(
                merged.pointer("/networkConfiguration/awsvpcConfiguration/securityGroups"),
            );
            svc.subnets = subnets;
            svc.load_balancers = load_balancers.clone();
            if capacity != svc.capacity {
                let items = capacity.as_ref().map_or(0, |c| c.providers.len());
                self.reset_waiting_tasks(s, items);
                let svc = &mut self.services[s];
                svc.capacity = capacity;
                // Onto Managed Instances: their placement; off them: the service default.
                if managed {
                    svc.strategies =
                        crate::capacity_provider::managed_instances::placement_strategies();
                } else if was_managed {
                    svc.strategies = vec![
                        Strategy::spread_az(),
                        Strategy::Spread(SpreadField::InstanceId),
                    ];
                }
            }
        }
        self.services[s].request = merged.clone();
        if deploying {
            self.ensure_weighted_rules(&load_balancers);
            self.retire_unused_rules();
        }
        Ok(deploying)
    }

    /// What a task of `td` needs, in `subnets` (awsvpc): their zones, when the scenario
    /// knows them.
    pub(crate) fn needs_in_subnets(
        &self,
        td: &crate::task_definition::ValidTaskDefinition,
        subnets: &Option<Vec<String>>,
    ) -> TaskNeeds {
        let mut needs = TaskNeeds::of(td);
        if let Some(subnets) = subnets {
            needs.availability_zones =
                crate::request::subnet_zones(subnets, &self.scenario.subnet_zones);
        }
        needs
    }

    /// What one task of `td` needs, with the Availability Zones of its awsvpc subnets
    /// (`LOCATION`). Subnets the scenario does not know are logged and not checked.
    pub(crate) fn task_needs(
        &mut self,
        td: &crate::task_definition::ValidTaskDefinition,
        subnets: &Option<Vec<String>>,
    ) -> TaskNeeds {
        let needs = self.needs_in_subnets(td, subnets);
        if let Some(subnets) = subnets {
            if needs.availability_zones.is_none() {
                let msg = format!(
                    "networkConfiguration.awsvpcConfiguration.subnets {subnets:?}: none is declared in the scenario's subnets or used by an instance, so LOCATION is not checked"
                );
                self.log.push(self.now(), EventKind::Scenario, msg);
            }
        }
        needs
    }

    /// Whether ECS cannot assume a role of service `s`'s task definition (10.4); if so the
    /// failure is reported and retried.
    pub(crate) fn roles_refuse_launch(&mut self, s: usize) -> bool {
        match self.unassumable_task_role(&self.services[s].td) {
            Some(error) => {
                self.report_configuration_failure(s, error);
                true
            }
            None => false,
        }
    }

    /// Asks the scheduler to look at service `s` now (once, however often it is asked).
    pub(crate) fn poke_service(&mut self, s: usize) {
        self.schedule_service_tick(s, self.now());
    }

    pub(crate) fn service_event(&mut self, s: usize, message: String) {
        let now = self.now();
        let svc = &mut self.services[s];
        svc.events.push(ServiceEvent {
            at: now,
            message: message.clone(),
        });
        if svc.events.len() > MAX_SERVICE_EVENTS {
            svc.events.remove(0);
        }
        let name = svc.name.clone();
        self.log
            .push(now, EventKind::ServiceEvent, message)
            .service(&name);
    }

    /// The service event for tasks the scheduler stopped (`(task id)` each), if any.
    pub(crate) fn report_stopped(&mut self, s: usize, stopped: &[String]) {
        if stopped.is_empty() {
            return;
        }
        let msg = format!(
            "(service {}{}) has stopped {} running tasks: {}.",
            self.services[s].name,
            self.task_set_of_call(s),
            stopped.len(),
            stopped.join(" ")
        );
        self.service_event(s, msg);
    }

    /// One pass of the service scheduler.
    pub(crate) fn reconcile_service(&mut self, s: usize) {
        let active: Vec<usize> = self
            .service_tasks
            .get(s)
            .map(|ts| {
                ts.iter()
                    .copied()
                    .filter(|&t| self.tasks[t].is_active())
                    .collect()
            })
            .unwrap_or_default();
        if self.services[s].status != ServiceStatus::Active {
            self.drain_deleted_service(s, &active);
            return;
        }
        if crate::task_set::is_external_controller(&self.services[s].request) {
            self.reconcile_task_sets(s, &active);
            return;
        }
        match self.services[s].scheduling {
            SchedulingStrategy::Replica => {
                self.refresh_daemon_holds();
                self.reconcile_replicas(s, active);
            }
            SchedulingStrategy::Daemon => self.start_daemons(s, &active),
        }
        self.check_steady_state(s);
        if self.services[s].scheduling == SchedulingStrategy::Replica {
            self.rebalance_zones(s);
        }
    }

    pub(crate) fn start_replicas(&mut self, s: usize, missing: usize) {
        if self.services[s]
            .throttled_until
            .is_some_and(|until| self.now() < until)
        {
            return;
        }
        let failed = self.services[s]
            .deployments
            .last()
            .is_some_and(|d| d.rollout_state == crate::deployment::RolloutState::Failed);
        // A failed deployment holds where it stopped (rollback off); CodeDeploy's task sets
        // are still kept at their computed desired count.
        let held = failed && self.code_deploy_of(s).is_none();
        if held || self.roles_refuse_launch(s) {
            return;
        }
        if self.services[s].capacity.is_some() {
            self.start_replicas_on_providers(s, missing);
            return;
        }
        let mut started = Vec::new();
        for _ in 0..missing {
            let explain = self.probing_placement();
            let req = self.services[s].placement_request(None);
            let (decision, explanation) =
                self.placer
                    .place(&mut self.cluster, &req, &mut self.rng_placement, explain);
            self.keep_probed(&decision, explanation);
            match decision {
                Decision::Placed(slot) => started.push(self.start_service_task(s, slot, None)),
                Decision::Unplaceable { closest } => {
                    self.report_unplaceable(s, closest);
                    break;
                }
            }
        }
        self.report_started(s, &started);
    }

    /// Places one task of service `s` on instance `slot` (from capacity provider `provider`).
    pub(crate) fn start_service_task(
        &mut self,
        s: usize,
        slot: InstanceSlot,
        provider: Option<usize>,
    ) -> String {
        self.start_service_task_as(s, slot, provider, None)
    }

    /// [`Simulation::start_service_task`] for a task that waited in PROVISIONING (`waiting`):
    /// it keeps its ID and `createdAt`.
    pub(crate) fn start_service_task_as(
        &mut self,
        s: usize,
        slot: InstanceSlot,
        provider: Option<usize>,
        waiting: Option<&crate::capacity_provider::provisioning::WaitingTask>,
    ) -> String {
        let svc = &self.services[s];
        let group_id = self.cluster.group_id(&svc.group);
        let reservation = reserve(
            &mut self.cluster,
            slot,
            group_id,
            &svc.needs,
            &mut self.host_ports,
        );
        let (id, created_at) = match waiting.and_then(|w| Some((w.id.clone()?, w.created_at))) {
            Some(made) => made,
            None => (self.new_task_id(), self.now()),
        };
        let svc = &self.services[s];
        let deployment = svc.starting_for.unwrap_or(svc.primary_deployment());
        let task = Task {
            group: svc.group.clone(),
            started_by: Some(svc.deployment_id.clone()),
            service: Some(s),
            deployment: Some(deployment),
            volume: svc
                .deployments
                .get(deployment)
                .and_then(|d| d.volume.clone()),
            tags: crate::tags::task_tags(&svc.request, &svc.td, &svc.cluster, Some(&svc.name)),
            execute_command: svc.request.get("enableExecuteCommand") == Some(&Value::Bool(true)),
            platform_version: svc
                .request
                .get("platformVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
            capacity_provider: provider,
            ..Task::provisioning(
                id.clone(),
                svc.cluster.clone(),
                crate::revisions::Revisions::arn(&svc.task_definition),
                reservation,
                svc.td.clone(),
                created_at,
            )
        };
        let instance = self.cluster.instances[slot].ec2_instance_id.clone();
        let fargate = self.cluster.instances[slot].fargate;
        let name = svc.name.clone();
        self.add_task(task);
        let message = match provider {
            Some(p) if fargate => format!(
                "task {id} of service {name} placed on {} in {}",
                self.capacity.providers[p].name, self.cluster.instances[slot].availability_zone
            ),
            Some(p) => format!(
                "task {id} of service {name} placed on {instance} (capacity provider {})",
                self.capacity.providers[p].name
            ),
            None => format!("task {id} of service {name} placed on {instance}"),
        };
        self.log
            .push(self.now(), EventKind::TaskPlaced, message)
            .task(&id)
            .instance(&instance)
            .service(&name);
        self.services[s].last_failure = None;
        id
    }

    pub(crate) fn report_started(&mut self, s: usize, started: &[String]) {
        if started.is_empty() {
            return;
        }
        let tasks: Vec<String> = started.iter().map(|id| format!("(task {id})")).collect();
        let msg = format!(
            "(service {}{}) has started {} tasks: {}.",
            self.services[s].name,
            self.task_set_of_call(s),
            started.len(),
            tasks.join(" ")
        );
        self.service_event(s, msg);
    }

    pub(crate) fn report_unplaceable(
        &mut self,
        s: usize,
        closest: Option<(InstanceSlot, Rejection)>,
    ) {
        let name = self.services[s].name.clone();
        let mut msg = format!("service {name} was unable to place a task because no container instance met all of its requirements.");
        match &closest {
            None => msg.push_str(" Reason: No Container Instances were found in your cluster."),
            Some((slot, rejection)) => {
                let id = &self.cluster.instances[*slot].ec2_instance_id;
                match rejection {
                    Rejection::Cpu { .. } => msg.push_str(&format!(" The closest matching container-instance {id} has insufficient CPU units available.")),
                    Rejection::Memory { .. } => msg.push_str(&format!(
                        " The closest matching container-instance {id} has insufficient memory available. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
                    )),
                    Rejection::PortInUse { .. } => msg.push_str(" The closest matching container-instance is already using a port required by your task."),
                    Rejection::DistinctInstance { .. } | Rejection::MemberOf { .. } => {}
                    other => msg.push_str(&format!(" The closest matching container-instance {id} encountered error \"{}\".", other.reason_code())),
                }
            }
        }
        let extra = match &closest {
            Some((slot, rejection)) => serde_json::json!({
                "reason": rejection.reason_code(),
                "containerInstanceArns": [self.cluster.instances[*slot].arn],
            }),
            None => {
                serde_json::json!({"reason": "No Container Instances were found in your cluster."})
            }
        };
        self.report_launch_failure(s, msg, "SERVICE_TASK_PLACEMENT_FAILURE", extra);
    }

    /// Service `s` cannot launch a task because ECS cannot assume a role of its task
    /// definition (10.4): `(service <name>) failed to launch a task with (error <msg>)`
    /// [observed wording] and `SERVICE_TASK_CONFIGURATION_FAILURE` (9.1); it tries again later.
    pub(crate) fn report_configuration_failure(&mut self, s: usize, error: String) {
        let msg = format!(
            "(service {}) failed to launch a task with (error {error}).",
            self.services[s].name
        );
        let extra = serde_json::json!({"reason": error});
        self.report_launch_failure(s, msg, "SERVICE_TASK_CONFIGURATION_FAILURE", extra);
    }

    /// The service event `msg` (not repeated for an hour unless it changes), the ERROR service
    /// action `event_name` with `extra`, and a retry after [`crate::task::PLACEMENT_RETRY_MS`].
    fn report_launch_failure(
        &mut self,
        s: usize,
        msg: String,
        event_name: &str,
        extra: serde_json::Value,
    ) {
        let now = self.now();
        let repeat = match &self.services[s].last_failure {
            Some((m, at)) => *m != msg || now.as_ms() >= at.as_ms() + EVENT_REPEAT_MS,
            None => true,
        };
        if repeat {
            self.services[s].last_failure = Some((msg.clone(), now));
            self.service_event(s, msg);
            self.service_action(s, "ERROR", event_name, extra);
        }
        self.services[s].steady = false;
        let retry = now.plus_ms(crate::task::PLACEMENT_RETRY_MS);
        self.schedule_service_tick(s, retry);
    }

    fn check_steady_state(&mut self, s: usize) {
        let svc = &self.services[s];
        let mut running = 0usize;
        let mut other = svc.waiting_total() as usize;
        // Active tasks of an older deployment: a deployment in progress is not a steady state.
        let mut older = 0usize;
        let primary = Some(svc.primary_deployment());
        let live = self.service_tasks.get(s).map(Vec::as_slice).unwrap_or(&[]);
        for t in live.iter().map(|&t| &self.tasks[t]) {
            match (t.desired_status, t.last_status) {
                (TaskStatus::Running, TaskStatus::Running) => running += 1,
                (_, TaskStatus::Stopped) => {}
                _ => other += 1,
            }
            if t.is_active() && t.deployment != primary {
                older += 1;
            }
        }
        let target_met = match svc.scheduling {
            SchedulingStrategy::Replica => running == svc.desired_count as usize,
            SchedulingStrategy::Daemon => running > 0 && running == svc.desired_count as usize,
        };
        let one_deployment = svc.scheduling == SchedulingStrategy::Daemon || older == 0;
        let steady = target_met && other == 0 && svc.last_failure.is_none() && one_deployment;
        if steady && !svc.steady {
            let msg = format!("service {} has reached a steady state.", svc.name);
            self.services[s].steady = true;
            self.service_event(s, msg);
            // 9.1: with a capacity provider strategy, each provider has placed its share.
            if let Some(c) = &self.services[s].capacity {
                let arns: Vec<String> = c
                    .providers
                    .iter()
                    .map(|&p| self.capacity.providers[p].arn())
                    .collect();
                let extra = serde_json::json!({"capacityProviderArns": arns});
                self.service_action(s, "INFO", "CAPACITY_PROVIDER_STEADY_STATE", extra);
            }
            self.service_action(s, "INFO", "SERVICE_STEADY_STATE", serde_json::json!({}));
        } else if !steady {
            self.services[s].steady = false;
        }
    }

    /// Stops `active.len() - desired` tasks, chosen by the strategies in reverse (3.2, 3.3):
    /// binpack stops where most remains after the stop (G10); spread stops in the value with
    /// the most tasks (G9); the default spreads by AZ, then by instance. Remaining ties go to
    /// the seeded stream.
    pub(crate) fn scale_in(&mut self, s: usize, active: Vec<usize>, desired: usize) {
        // Protected tasks are never chosen (4.8).
        let (protected, mut active): (Vec<usize>, Vec<usize>) =
            active.into_iter().partition(|&t| self.is_protected(t));
        let keep = desired.saturating_sub(protected.len());
        let mut stopped = Vec::new();
        while active.len() > keep {
            let victim = self.choose_task_to_stop(s, &active);
            let t = active.remove(victim);
            let reason = format!(
                "Scaling activity initiated by (deployment {})",
                self.services[s].deployment_id
            );
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
            stopped.push(format!("(task {})", self.tasks[t].id));
        }
        self.report_stopped(s, &stopped);
        if protected.len() > desired && !self.services[s].protection_reported {
            self.services[s].protection_reported = true;
            let msg = format!(
                "(service {}) was unable to reach steady state because task set ({}) was unable to scale in. Reason: The number of protected tasks are more than the desired count of tasks.",
                self.services[s].name, self.services[s].deployment_id
            );
            self.service_event(s, msg);
        } else if protected.len() <= desired {
            self.services[s].protection_reported = false;
        }
    }

    /// Position in `active` of the task to stop.
    fn choose_task_to_stop(&mut self, s: usize, active: &[usize]) -> usize {
        let mut pool: Vec<usize> = (0..active.len()).collect();
        // With a capacity provider strategy, the provider to shrink first (6.2).
        if let Some(c) = &self.services[s].capacity {
            let counts: Vec<u32> = c
                .providers
                .iter()
                .map(|&p| {
                    active
                        .iter()
                        .filter(|&&t| self.tasks[t].capacity_provider == Some(p))
                        .count() as u32
                })
                .collect();
            if let Some(item) = c.strategy.item_to_shrink(&counts) {
                let p = c.providers[item];
                pool.retain(|&i| self.tasks[active[i]].capacity_provider == Some(p));
            }
        }
        let strategies = self.services[s].strategies.clone();
        for strategy in &strategies {
            if pool.len() <= 1 {
                break;
            }
            let scores = self.scale_in_scores(active, &pool, strategy);
            let best = scores.iter().copied().min().unwrap_or(0);
            pool = pool
                .into_iter()
                .zip(scores)
                .filter(|(_, sc)| *sc == best)
                .map(|(p, _)| p)
                .collect();
        }
        pool[self.rng_placement.below(pool.len() as u64) as usize]
    }

    /// The score of stopping each task of `pool` (positions in `active`; lower = stop first).
    /// Spread counts the service's tasks per instance or attribute value once, so a scale-in of
    /// thousands of tasks stays linear in the service's size per task stopped.
    fn scale_in_scores(
        &mut self,
        active: &[usize],
        pool: &[usize],
        strategy: &Strategy,
    ) -> Vec<i64> {
        let slot_of = |t: usize| self.tasks[t].reservation.slot;
        match strategy {
            Strategy::Binpack(field) => pool
                .iter()
                .map(|&p| {
                    let t = active[p];
                    let inst = &self.cluster.instances[slot_of(t)];
                    let r = &self.tasks[t].reservation;
                    match field {
                        BinpackField::Memory => {
                            -i64::from(inst.remaining.memory_mib + r.memory_mib)
                        }
                        BinpackField::Cpu => -i64::from(inst.remaining.cpu + r.cpu),
                    }
                })
                .collect(),
            Strategy::Spread(SpreadField::InstanceId) => {
                let mut per_slot = vec![0i64; self.cluster.instances.len()];
                for &o in active {
                    per_slot[slot_of(o)] += 1;
                }
                pool.iter()
                    .map(|&p| -per_slot[slot_of(active[p])])
                    .collect()
            }
            Strategy::Spread(SpreadField::Attribute(name)) => {
                // Each instance's value of the attribute, numbered; then tasks per number.
                let mut numbers = std::collections::BTreeMap::<Option<&String>, usize>::new();
                let value_of_slot: Vec<usize> = self
                    .cluster
                    .instances
                    .iter()
                    .map(|inst| {
                        let next = numbers.len();
                        *numbers.entry(inst.attributes.get(name)).or_insert(next)
                    })
                    .collect();
                let mut per_value = vec![0i64; numbers.len()];
                for &o in active {
                    per_value[value_of_slot[slot_of(o)]] += 1;
                }
                pool.iter()
                    .map(|&p| -per_value[value_of_slot[slot_of(active[p])]])
                    .collect()
            }
            Strategy::Random => pool
                .iter()
                .map(|_| self.rng_placement.below(1 << 20) as i64)
                .collect(),
        }
    }
}

impl Simulation {
    /// The service a name stands for, as DescribeServices by name finds it: the ACTIVE one
    /// (the newest, if several), else the newest of that name, e.g. one deleted (INACTIVE).
    /// `cluster/name` or the service's ARN (`…:service/cluster/name`) looks in that cluster
    /// only (service names have no `/`).
    pub(crate) fn service_named(&self, name: &str) -> Option<usize> {
        let (cluster, name) = match name.rsplit_once('/') {
            Some((c, n)) => (Some(c.rsplit('/').next().unwrap_or(c)), n),
            None => (None, name),
        };
        let named = |svc: &&Service| svc.name == name && cluster.is_none_or(|c| svc.cluster == c);
        let services = || self.services.iter();
        services()
            .rposition(|svc| named(&svc) && svc.status == ServiceStatus::Active)
            .or_else(|| services().rposition(|svc| named(&svc)))
    }

    /// Explains where the next task of a service ([`Self::service_named`]) would go now, and
    /// why: every instance of its cluster with the stage that rejected it, or its scores under
    /// each strategy. The run is not changed (the pipeline works on copies).
    pub fn explain_next_placement(
        &self,
        service_name: &str,
    ) -> Result<crate::placement::explain::Explanation, String> {
        let s = self
            .service_named(service_name)
            .ok_or_else(|| format!("no service named {service_name}"))?;
        // An EXTERNAL service's next task is its task set's.
        let as_task_set = self.as_next_task_set(s).transpose()?;
        if as_task_set.is_none()
            && crate::task_set::is_external_controller(&self.services[s].request)
        {
            return Err(format!("service {service_name} uses the EXTERNAL deployment controller and has no task set running: it starts no task"));
        }
        let svc = as_task_set.as_ref().unwrap_or(&self.services[s]);
        let mut cluster = self.cluster.clone();
        let mut placer = self.placer.clone();
        let mut rng = self.rng_placement.clone();
        let provider = svc
            .capacity
            .as_ref()
            .map(|c| c.providers[c.strategy.next_item(&self.provider_counts(s))]);
        if let Some(p) = provider.filter(|&p| self.capacity.providers[p].is_fargate()) {
            return Err(format!(
                "service {service_name} runs on {}: Fargate takes no placement decision (it spreads tasks across the subnets' Availability Zones)",
                self.capacity.providers[p].name
            ));
        }
        let (_, explanation) = placer.place(
            &mut cluster,
            &svc.placement_request(provider),
            &mut rng,
            true,
        );
        explanation.ok_or_else(|| "no explanation produced".to_string())
    }
}
