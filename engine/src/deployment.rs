//! Service deployments (section 4.3–4.5, 4.7): the rolling update of the `ECS` controller.
//!
//! A deployment replaces tasks within `minimumHealthyPercent` and `maximumPercent`: start new
//! tasks while running + pending stays at or below `floor(desired × max / 100)`, stop old ones
//! while the healthy total stays at or above `ceil(desired × min / 100)`. The same loop replaces
//! the tasks of a DRAINING instance (4.7). When neither a start nor a stop is possible, the
//! deployment stalls with ECS's event (G17).

use serde_json::Value;

use crate::blue_green::{DeploymentStrategy, LifecycleStage};
use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::time::SimTime;

/// Without a load balancer or a container health check, a task counts as healthy 40 s after
/// it reaches RUNNING (4.4, G18).
pub const HEALTHY_AFTER_RUNNING_MS: u64 = 40_000;

/// `deploymentConfiguration.alarms` (4.5): CloudWatch alarms that fail a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentAlarms {
    /// `alarmNames`.
    pub names: Vec<String>,
    /// `rollback`: start a deployment back to the last COMPLETED one.
    pub rollback: bool,
}

impl DeploymentAlarms {
    /// Reads `deploymentConfiguration.alarms` from a CreateService or UpdateService request:
    /// `Ok(None)` when absent or `enable` is false; `base` when the request leaves it out.
    pub fn from_request(
        raw: &Value,
        base: Option<DeploymentAlarms>,
    ) -> Result<Option<DeploymentAlarms>, String> {
        let Some(a) = raw
            .pointer("/deploymentConfiguration/alarms")
            .filter(|v| !v.is_null())
        else {
            return Ok(base);
        };
        let flag = |k: &str| -> Result<bool, String> {
            a.get(k).and_then(Value::as_bool).ok_or_else(|| {
                format!("deploymentConfiguration.alarms.{k}: required, true or false")
            })
        };
        let (enable, rollback) = (flag("enable")?, flag("rollback")?);
        let names: Vec<String> =
            match a.get("alarmNames") {
                Some(Value::Array(list)) => list
                    .iter()
                    .map(|n| {
                        n.as_str().map(str::to_string).ok_or_else(|| {
                        "deploymentConfiguration.alarms.alarmNames: must be a list of alarm names"
                            .to_string()
                    })
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(
                    "deploymentConfiguration.alarms.alarmNames: required, a list of alarm names"
                        .to_string(),
                ),
            };
        Ok((enable && !names.is_empty()).then_some(DeploymentAlarms { names, rollback }))
    }
}

/// `deploymentConfiguration`: the rolling update's percentages and circuit breaker, and the
/// strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentConfiguration {
    /// `minimumHealthyPercent` (REPLICA default 100).
    pub minimum_healthy_percent: u32,
    /// `maximumPercent` (REPLICA default 200).
    pub maximum_percent: u32,
    /// `deploymentCircuitBreaker`: `Some(rollback)` when enabled (4.5).
    pub circuit_breaker: Option<bool>,
    /// `strategy` with its linear or canary settings ([`crate::blue_green`]).
    pub strategy: DeploymentStrategy,
    /// `bakeTimeInMinutes`: how long both revisions run after the production traffic shift.
    pub bake_minutes: Option<u32>,
}

impl Default for DeploymentConfiguration {
    fn default() -> Self {
        DeploymentConfiguration {
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            circuit_breaker: None,
            strategy: DeploymentStrategy::Rolling,
            bake_minutes: None,
        }
    }
}

impl DeploymentConfiguration {
    /// The DAEMON defaults (4.1, 4.3): at least 0 % healthy, at most 100 %.
    pub const DAEMON: DeploymentConfiguration = DeploymentConfiguration {
        minimum_healthy_percent: 0,
        maximum_percent: 100,
        circuit_breaker: None,
        strategy: DeploymentStrategy::Rolling,
        bake_minutes: None,
    };

    /// Reads `deploymentConfiguration` from a CreateService or UpdateService request,
    /// starting from `base` for members it leaves out.
    pub fn from_request(
        raw: &Value,
        base: DeploymentConfiguration,
    ) -> Result<DeploymentConfiguration, String> {
        let Some(dc) = raw.get("deploymentConfiguration").filter(|v| !v.is_null()) else {
            return Ok(base);
        };
        let read = |key: &str, default: u32| -> Result<u32, String> {
            match dc.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        format!("deploymentConfiguration.{key}: must be a whole number of percent")
                    }),
            }
        };
        let cfg = DeploymentConfiguration {
            minimum_healthy_percent: read("minimumHealthyPercent", base.minimum_healthy_percent)?,
            maximum_percent: read("maximumPercent", base.maximum_percent)?,
            circuit_breaker: match dc.get("deploymentCircuitBreaker") {
                None | Some(Value::Null) => base.circuit_breaker,
                Some(cb) => {
                    let flag = |k: &str| -> Result<bool, String> {
                        cb.get(k).and_then(Value::as_bool).ok_or_else(|| {
                            format!("deploymentConfiguration.deploymentCircuitBreaker.{k}: required, true or false")
                        })
                    };
                    flag("enable")?.then_some(flag("rollback")?)
                }
            },
            strategy: DeploymentStrategy::from_request(dc, base.strategy)?,
            bake_minutes: crate::blue_green::bake_minutes(dc, base.bake_minutes)?,
        };
        if cfg.strategy == DeploymentStrategy::BlueGreen && cfg.bake_minutes.is_none() {
            return Err(
                "deploymentConfiguration.bakeTimeInMinutes: required with the BLUE_GREEN strategy"
                    .to_string(),
            );
        }
        if cfg.minimum_healthy_percent > 100 {
            return Err("deploymentConfiguration.minimumHealthyPercent: at most 100".to_string());
        }
        if cfg.maximum_percent < 100 {
            return Err("deploymentConfiguration.maximumPercent: at least 100".to_string());
        }
        Ok(cfg)
    }

    /// Most tasks in RUNNING or PENDING: `floor(desired × max / 100)` (4.3).
    pub fn max_tasks(&self, desired: usize) -> usize {
        desired * self.maximum_percent as usize / 100
    }

    /// Fewest healthy tasks: `ceil(desired × min / 100)` (4.3).
    pub fn min_healthy_tasks(&self, desired: usize) -> usize {
        (desired * self.minimum_healthy_percent as usize).div_ceil(100)
    }
}

/// The deployment circuit breaker's failure threshold: half the desired count rounded up,
/// clamped to 3..=200 (4.5, G19). [version note] the 2023 guide used 10 as the minimum.
pub fn circuit_breaker_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(3, 200)
}

/// `rolloutState` of a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutState {
    /// Tasks are being replaced.
    InProgress,
    /// Every task runs the deployment's task definition and is healthy.
    Completed,
    /// The circuit breaker stopped it (4.5).
    Failed,
}

impl RolloutState {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }
}

/// One deployment of a service.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// `ecs-svc/<digits>`, the `startedBy` of its tasks.
    pub id: String,
    /// `family:revision`.
    pub task_definition: String,
    /// When it started.
    pub created_at: SimTime,
    /// IN_PROGRESS, COMPLETED or FAILED.
    pub rollout_state: RolloutState,
    /// Tasks of this deployment that failed (4.5: failed to start, or failed health checks).
    pub failed_tasks: u32,
    /// Whether its tasks register in the alternate target group of each `loadBalancers[]`
    /// pair rather than `targetGroupArn` ([`crate::blue_green`]).
    pub alternate: bool,
    /// Its Service Connect configuration and what its tasks can resolve
    /// ([`crate::service_connect`]), when the service uses Service Connect.
    pub service_connect: Option<std::rc::Rc<crate::service_connect::runtime::DeploymentConnect>>,
    /// The service registry its tasks register in ([`crate::service_discovery`]).
    pub service_registry: Option<std::rc::Rc<crate::service_discovery::ServiceRegistry>>,
    /// The EBS volume each of its tasks gets ([`crate::ebs_volume`]).
    pub volume: Option<std::rc::Rc<crate::ebs_volume::VolumeConfig>>,
    /// The task set it is, for a service with the EXTERNAL deployment controller
    /// ([`crate::task_set`]).
    pub task_set: Option<Box<crate::task_set::TaskSet>>,
}

/// What a service's tasks start from, as one deployment of it runs them: a CodeDeploy
/// original task set, or a task set of an EXTERNAL service. The scheduler swaps these into
/// the service to start that deployment's tasks, and back.
#[derive(Debug)]
pub(crate) struct DeploymentSettings {
    td: std::rc::Rc<crate::task_definition::ValidTaskDefinition>,
    needs: crate::placement::TaskNeeds,
    task_definition: String,
    deployment_id: String,
    constraints: Vec<crate::placement::Constraint>,
    waiting: Vec<Vec<crate::capacity_provider::provisioning::WaitingTask>>,
    subnets: Option<Vec<String>>,
    task_security_groups: Vec<String>,
    capacity: Option<crate::capacity_provider::ResolvedStrategy>,
    request: Value,
    load_balancers: Vec<crate::load_balancer::ServiceLoadBalancer>,
    external: bool,
}

impl DeploymentSettings {
    /// Swaps these settings with the service's own (twice restores both).
    pub(crate) fn swap(&mut self, svc: &mut crate::service::Service) {
        std::mem::swap(&mut self.td, &mut svc.td);
        std::mem::swap(&mut self.needs, &mut svc.needs);
        std::mem::swap(&mut self.task_definition, &mut svc.task_definition);
        std::mem::swap(&mut self.deployment_id, &mut svc.deployment_id);
        std::mem::swap(&mut self.constraints, &mut svc.constraints);
        std::mem::swap(&mut self.waiting, &mut svc.waiting);
        std::mem::swap(&mut self.subnets, &mut svc.subnets);
        std::mem::swap(
            &mut self.task_security_groups,
            &mut svc.task_security_groups,
        );
        std::mem::swap(&mut self.capacity, &mut svc.capacity);
        std::mem::swap(&mut self.request, &mut svc.request);
        std::mem::swap(&mut self.load_balancers, &mut svc.load_balancers);
        std::mem::swap(&mut self.external, &mut svc.external);
    }
}

impl Simulation {
    /// The settings deployment `d` of service `s` runs its tasks with: its revision, and
    /// request `request` (network, capacity, placement) and load balancer links `links`.
    /// What the request no longer allows (placement changed by UpdateService since, say) is
    /// the error.
    pub(crate) fn deployment_settings(
        &self,
        s: usize,
        d: usize,
        request: Value,
        links: Vec<crate::load_balancer::ServiceLoadBalancer>,
    ) -> Result<DeploymentSettings, String> {
        let svc = &self.services[s];
        let task_definition = svc.deployments[d].task_definition.clone();
        let (_, td) = self.revisions.resolve(&task_definition)?;
        let (constraints, _) = crate::placement::parse_placement(&request, &td)?;
        let subnets = crate::request::awsvpc_subnets(&request, &td)?;
        let capacity = self.capacity.for_request(&request, &svc.cluster)?;
        Ok(DeploymentSettings {
            needs: self.needs_in_subnets(&td, &subnets),
            td,
            task_definition,
            deployment_id: svc.deployments[d].id.clone(),
            constraints,
            waiting: vec![Vec::new(); capacity.as_ref().map_or(0, |c| c.providers.len())],
            subnets,
            task_security_groups: crate::request::string_list(
                request.pointer("/networkConfiguration/awsvpcConfiguration/securityGroups"),
            ),
            capacity,
            external: crate::request::is_external(&request),
            request,
            load_balancers: links,
        })
    }

    /// Starts `n` tasks of service `s`'s deployment `d` (not the primary one: a CodeDeploy
    /// original task set, or a task set of an EXTERNAL service) as request `request` and
    /// load balancer links `links` describe them. The service runs as that deployment for
    /// the call; a request that no longer allows its tasks is said as a configuration
    /// failure, retried later. Tasks that cannot start now are tried again a minute later; a
    /// task set's count as waiting for their instance provider, which launches capacity for
    /// them (a CodeDeploy original task set's do not [the playground's limit]).
    pub(crate) fn start_tasks_as(
        &mut self,
        s: usize,
        d: usize,
        n: usize,
        request: Value,
        links: Vec<crate::load_balancer::ServiceLoadBalancer>,
    ) {
        let mut settings = match self.deployment_settings(s, d, request, links) {
            Ok(settings) => settings,
            Err(e) => {
                self.report_configuration_failure(s, e);
                return;
            }
        };
        settings.swap(&mut self.services[s]);
        self.services[s].starting_for = Some(d);
        self.start_replicas(s, n);
        let svc = &mut self.services[s];
        let waited = svc.waiting.iter().any(|w| !w.is_empty());
        svc.starting_for = None;
        settings.swap(svc);
        // A task set keeps its tasks waiting for an instance provider, so that the provider
        // launches capacity for them.
        if let (Some(ts), Some(c)) = (svc.deployments[d].task_set.as_mut(), &settings.capacity) {
            ts.provisioning = c
                .providers
                .iter()
                .zip(&settings.waiting)
                .filter(|&(&p, w)| !w.is_empty() && !self.capacity.providers[p].is_fargate())
                .map(|(&p, w)| (p, settings.needs.clone(), w.len() as u32))
                .collect();
        }
        if waited {
            let at = self.now().plus_secs(60);
            self.schedule_service_tick(s, at);
        }
    }
}

impl Simulation {
    /// Whether a service task counts as healthy now (4.4): with a load balancer, once every
    /// target is healthy; with an essential container health check, once it reports HEALTHY
    /// (its first check, one `interval` after the start); otherwise 40 s after RUNNING.
    pub(crate) fn task_is_healthy(&self, t: usize) -> bool {
        let task = &self.tasks[t];
        let Some(started) = task.started_at else {
            return false;
        };
        if task.last_status != TaskStatus::Running {
            return false;
        }
        let now = self.now().as_ms();
        let container_check = task.td.essential_check_interval_s();
        let has_lb = task.service.is_some() && !self.links_of_task(t).is_empty();
        let container_ok = container_check
            .is_none_or(|i| now >= started.as_ms() + u64::from(i) * 1000)
            && task.unhealthy_at.is_none_or(|at| now < at.as_ms());
        if has_lb {
            // Container health checks are not supported behind a Classic Load Balancer (8.6):
            // its instance health alone counts.
            let classic = task
                .service
                .is_some_and(|s| self.classic_load_balancer_of(s).is_some());
            return self.targets_healthy(t) && (container_ok || classic);
        }
        match container_check {
            Some(_) => container_ok,
            None => now >= started.as_ms() + HEALTHY_AFTER_RUNNING_MS,
        }
    }

    /// Service `s`'s tasks whose desired status is RUNNING, and its tasks waiting for
    /// capacity in PROVISIONING.
    pub(crate) fn service_task_count(&self, s: usize) -> usize {
        let active = self.service_tasks.get(s).map_or(0, |ts| {
            ts.iter().filter(|&&t| self.tasks[t].is_active()).count()
        });
        active + self.services[s].waiting_total() as usize
    }

    /// One pass of the rolling update for a REPLICA service: `active` are its tasks whose
    /// desired status is RUNNING.
    pub(crate) fn reconcile_replicas(&mut self, s: usize, active: Vec<usize>) {
        let primary = self.services[s].primary_deployment();
        let (current, replace): (Vec<usize>, Vec<usize>) = active.into_iter().partition(|&t| {
            let task = &self.tasks[t];
            task.deployment == Some(primary)
                && self.cluster.instances[task.reservation.slot].accepts_tasks()
        });
        // Unhealthy tasks of the primary deployment wait for their replacements (4.3).
        let (unhealthy, current): (Vec<usize>, Vec<usize>) = current
            .into_iter()
            .partition(|&t| self.tasks[t].unhealthy_stop.is_some());
        let desired = self.services[s].desired_count as usize;
        let cfg = self.services[s].deployment_configuration;
        // Tasks waiting in PROVISIONING for capacity count as the primary deployment's, and
        // scale-in cancels them first.
        let waiting = self.services[s].waiting_total() as usize;
        // A blue/green, linear or canary deployment before CLEAN_UP keeps blue's tasks.
        let shift = self.services[s].traffic_shift.as_ref().map(|x| x.stage);
        if shift.is_some_and(|stage| stage != LifecycleStage::CleanUp) {
            self.reconcile_green(s, current, replace, unhealthy);
            return;
        }
        // An Availability Zone rebalancing may run one task above the desired count.
        let keep = desired + self.rebalancing_extra(s);
        if replace.is_empty() && unhealthy.is_empty() && current.len() + waiting > keep {
            self.cancel_waiting(s, current.len() + waiting - keep);
            if current.len() > keep {
                self.scale_in(s, current, keep);
            }
            return;
        }
        // 1. Start new tasks within maximumPercent.
        let room = cfg
            .max_tasks(desired)
            .saturating_sub(current.len() + replace.len() + unhealthy.len() + waiting);
        let missing = desired.saturating_sub(current.len() + waiting);
        let to_start = missing.min(room);
        let before = self.service_task_count(s);
        if to_start > 0 {
            self.start_replicas(s, to_start);
        }
        let start_blocked = missing > 0 && self.service_task_count(s) == before;
        let unhealthy_left = self.stop_replaced_unhealthy(s, &current, &unhealthy, start_blocked);
        // 2. Stop tasks to replace within minimumHealthyPercent: those not healthy first (they
        //    do not count), then healthy ones while enough healthy tasks remain.
        //    Each task's health is looked at once per pass: a pass looks at all the service's
        //    tasks, and a service may have thousands.
        let current_healthy = current.iter().filter(|&&t| self.task_is_healthy(t)).count();
        let replace_health: Vec<(usize, bool)> = replace
            .iter()
            .map(|&t| (t, self.task_is_healthy(t)))
            .collect();
        let mut healthy_total =
            current_healthy + replace_health.iter().filter(|&&(_, h)| h).count();
        // In CLEAN_UP, production traffic is on the primary deployment: the rest stop at once.
        let min_healthy = match shift {
            Some(LifecycleStage::CleanUp) => 0,
            _ => cfg.min_healthy_tasks(desired),
        };
        // Protected tasks are not replaced by deployments (4.8); a draining instance still
        // moves them.
        let mut order: Vec<(usize, bool)> = replace_health
            .iter()
            .copied()
            .filter(|&(t, _)| {
                !self.is_protected(t)
                    || !self.cluster.instances[self.tasks[t].reservation.slot].accepts_tasks()
            })
            .collect();
        order.sort_by_key(|&(_, healthy)| healthy);
        let mut stopped = Vec::new();
        let primary = self.services[s].deployment_id.clone();
        for (t, healthy) in order {
            if healthy && healthy_total <= min_healthy {
                continue;
            }
            if healthy {
                healthy_total -= 1;
            }
            let on_draining =
                !self.cluster.instances[self.tasks[t].reservation.slot].accepts_tasks();
            let reason = if let Some(unhealthy) = self.tasks[t].unhealthy_stop.clone() {
                unhealthy
            } else if on_draining {
                // [unconfirmed] AWS's wording for a task replaced off a draining instance.
                format!("Task stopped because its container instance is DRAINING (deployment {primary})")
            } else {
                format!("Scaling activity initiated by (deployment {primary})")
            };
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
            stopped.push(format!("(task {})", self.tasks[t].id));
        }
        self.report_stopped(s, &stopped);
        // Only asked when nothing stopped, so the health looked at before still holds.
        let all_settled =
            current_healthy == current.len() && replace_health.iter().all(|&(_, h)| h);
        // 3. Stalled: nothing may start or stop, and waiting will not change that (G17).
        let stalled = !replace.is_empty() && to_start == 0 && stopped.is_empty() && all_settled;
        if stalled && !self.services[s].stall_reported {
            self.services[s].stall_reported = true;
            let msg = format!(
                "service {} was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.",
                self.services[s].name
            );
            self.service_event(s, msg);
        }
        // 4. Completed: every task is new, healthy and there are as many as desired.
        let done = replace.is_empty()
            && unhealthy_left == 0
            && current.len() == desired
            && waiting == 0
            && all_settled;
        let name = self.services[s].name.clone();
        if done {
            if let Some(shift) = self.services[s].traffic_shift.take() {
                if let Some(cd) = shift.code_deploy {
                    self.code_deploy_finished(cd, shift.rollback);
                }
            }
        }
        if let Some(d) = self.services[s].deployments.last_mut() {
            if done && d.rollout_state == RolloutState::InProgress {
                d.rollout_state = RolloutState::Completed;
                let msg = format!(
                    "(service {name}) (deployment {}) deployment completed.",
                    d.id
                );
                self.service_event(s, msg);
                self.deployment_state_change(
                    s,
                    "INFO",
                    "SERVICE_DEPLOYMENT_COMPLETED",
                    "ECS deployment completed.",
                );
            }
        }
    }

    /// The circuit breaker (4.5, G19): a failed task of the primary deployment counts; at the
    /// threshold the deployment is FAILED and, with `rollback`, a deployment back to the last
    /// COMPLETED one starts.
    pub(crate) fn count_deployment_failure(&mut self, s: usize, t: usize) {
        let Some(rollback) = self.services[s].deployment_configuration.circuit_breaker else {
            return;
        };
        if self.tasks[t].deployment != Some(self.services[s].primary_deployment()) {
            return;
        }
        // A traffic shift rolling back has nothing left to fail (as with the alarms).
        if self.services[s]
            .traffic_shift
            .as_ref()
            .is_some_and(|x| x.rollback)
        {
            return;
        }
        let primary = self.services[s].deployment_id.clone();
        let threshold = circuit_breaker_threshold(self.services[s].desired_count);
        let name = self.services[s].name.clone();
        let Some(d) = self.services[s].deployments.last_mut() else {
            return;
        };
        if d.rollout_state != RolloutState::InProgress {
            return;
        }
        d.failed_tasks += 1;
        if d.failed_tasks < threshold {
            return;
        }
        let msg = format!(
            "(service {name}) (deployment {primary}) deployment failed: tasks failed to start or failed health checks ({} of the threshold {threshold}).",
            d.failed_tasks
        );
        self.fail_deployment(
            s,
            msg,
            "ECS deployment circuit breaker: tasks failed to start.",
            rollback,
        );
    }

    /// The primary deployment of `s` fails (4.5): FAILED, the service event `msg`, the
    /// `SERVICE_DEPLOYMENT_FAILED` event with `reason`, and with `rollback` a deployment back
    /// to the last COMPLETED one.
    pub(crate) fn fail_deployment(&mut self, s: usize, msg: String, reason: &str, rollback: bool) {
        // A CodeDeploy deployment failing on the ECS side fails on CodeDeploy's too.
        if let Some(cd) = self.code_deploy_of(s) {
            self.code_deploy_failed_by_ecs(cd, reason);
        }
        if let Some(d) = self.services[s].deployments.last_mut() {
            d.rollout_state = RolloutState::Failed;
        }
        // Its lifecycle hooks stop: nothing waits for them any more.
        if let Some(shift) = self.services[s].traffic_shift.as_mut() {
            shift.gate = None;
        }
        self.service_event(s, msg);
        self.deployment_state_change(s, "ERROR", "SERVICE_DEPLOYMENT_FAILED", reason);
        if !rollback || self.roll_back_traffic_shift(s) {
            return;
        }
        let name = self.services[s].name.clone();
        let last_good = self.services[s]
            .deployments
            .iter()
            .rposition(|d| d.rollout_state == RolloutState::Completed);
        match last_good {
            Some(d) => {
                let dep = &self.services[s].deployments[d];
                let (id, td) = (dep.id.clone(), dep.task_definition.clone());
                let msg = format!("(service {name}) rolling back to deployment {id}.");
                self.service_event(s, msg);
                self.services[s].start_failures = 0;
                self.services[s].throttled_until = None;
                // A revision deleted for good has nothing left to run: the service keeps its
                // settings and the failed deployment (crate::task_definition_state).
                if let Err(e) = self.deleted_revision(&td) {
                    self.service_event(s, format!("(service {name}) rollback failed: {e}"));
                    return;
                }
                self.restore_revision(s, d);
                if let Err(e) = self.start_deployment(s, &td) {
                    self.service_event(s, format!("(service {name}) rollback failed: {e}"));
                }
            }
            None => {
                let msg = format!("(service {name}) has no COMPLETED deployment to roll back to.");
                self.service_event(s, msg);
            }
        }
    }

    /// Deployment alarms (4.5): a service whose primary deployment is in progress fails it when
    /// one of its `deploymentConfiguration.alarms` is in ALARM, rolling back if asked. Called
    /// each minute after the alarms are evaluated. The wording is the playground's
    /// [unconfirmed].
    pub(crate) fn check_deployment_alarms(&mut self) {
        for s in 0..self.services.len() {
            // A CodeDeploy deployment watches its group's alarmConfiguration instead.
            let code_deploy = self.code_deploy_alarms(s);
            let alarms = match &code_deploy {
                Some((_, names, rollback)) => DeploymentAlarms {
                    names: names.clone(),
                    rollback: *rollback,
                },
                None => match self.services[s].deployment_alarms.clone() {
                    Some(a) => a,
                    None => continue,
                },
            };
            // A traffic shift rolling back, or in CLEAN_UP (blue is going), has nothing left
            // to fail: AWS monitors up to BAKE_TIME.
            if self.services[s]
                .traffic_shift
                .as_ref()
                .is_some_and(|x| x.rollback || x.stage == LifecycleStage::CleanUp)
            {
                continue;
            }
            let in_progress = self.services[s].deployments.len() > 1
                && self.services[s]
                    .deployments
                    .last()
                    .is_some_and(|d| d.rollout_state == RolloutState::InProgress);
            if !in_progress {
                continue;
            }
            let fired = self.alarms().iter().find(|a| {
                a.state == crate::cloudwatch::AlarmState::Alarm && alarms.names.contains(&a.name)
            });
            let Some(fired) = fired.map(|a| a.name.clone()) else {
                continue;
            };
            if let Some((cd, _, rollback)) = code_deploy {
                let why = format!("alarm {fired} is in ALARM");
                self.end_code_deploy(
                    cd,
                    crate::code_deploy::runtime::DeploymentStatus::Stopped,
                    "ALARM_ACTIVE",
                    &why,
                    rollback,
                );
                continue;
            }
            let (name, id) = (
                self.services[s].name.clone(),
                self.services[s].deployment_id.clone(),
            );
            let msg = format!(
                "(service {name}) (deployment {id}) deployment failed: alarm {fired} is in ALARM."
            );
            let reason = format!("ECS deployment alarm triggered: {fired}.");
            self.fail_deployment(s, msg, &reason, alarms.rollback);
        }
    }

    /// Starts a new deployment of service `s` on `family:revision`, as UpdateService does with
    /// a new task definition or `forceNewDeployment` (4.2). With a BLUE_GREEN, LINEAR or
    /// CANARY strategy its traffic shift begins ([`crate::blue_green`]).
    pub(crate) fn start_deployment(
        &mut self,
        s: usize,
        task_definition: &str,
    ) -> Result<(), String> {
        self.start_deployment_with(s, task_definition, None)
    }

    /// [`Simulation::start_deployment`], with the traffic shift `plan` of a CodeDeploy
    /// deployment instead of the service's own deployment configuration.
    pub(crate) fn start_deployment_with(
        &mut self,
        s: usize,
        task_definition: &str,
        plan: Option<crate::blue_green::ShiftPlan>,
    ) -> Result<(), String> {
        // Blue: the deployment holding production traffic: a superseded shift's source until
        // its CLEAN_UP, else the primary one.
        let blue = match &self.services[s].traffic_shift {
            // CodeDeploy's original task set is the PRIMARY one: the one serving production.
            _ if plan.as_ref().is_some_and(|p| p.code_deploy.is_some()) => {
                self.serving_deployment(s)
            }
            Some(shift) if !shift.rollback && shift.stage != LifecycleStage::CleanUp => {
                shift.source
            }
            _ => self.services[s].primary_deployment(),
        };
        let id = self.new_deployment_id();
        self.adopt_deployment(s, task_definition, id)?;
        let primary = self.services[s].primary_deployment();
        let name = self.services[s].name.clone();
        let (id, family_revision) = (
            self.services[s].deployment_id.clone(),
            self.services[s].task_definition.clone(),
        );
        self.log
            .push(self.now(), EventKind::ServiceEvent, format!("service {name}: deployment {id} started with task definition {family_revision}"))
            .service(&name);
        self.deployment_state_change(
            s,
            "INFO",
            "SERVICE_DEPLOYMENT_IN_PROGRESS",
            "ECS deployment in progress.",
        );
        let svc = &self.services[s];
        let plan = plan.or_else(|| {
            let dc = &svc.deployment_configuration;
            dc.strategy
                .shifts_traffic()
                .then(|| crate::blue_green::ShiftPlan {
                    strategy: dc.strategy,
                    bake_minutes: dc.bake_minutes.unwrap_or(0),
                    hooks: svc.lifecycle_hooks.clone(),
                    code_deploy: None,
                })
        });
        if let Some(plan) = plan {
            self.begin_traffic_shift(s, blue, plan);
        } else {
            if !self.services[s].lifecycle_hooks.is_empty() {
                let msg = format!(
                    "service {name}: lifecycleHooks kept but not run: the playground runs them in BLUE_GREEN, LINEAR and CANARY deployments, and this one is ROLLING"
                );
                self.log
                    .push(self.now(), EventKind::Scenario, msg)
                    .service(&name);
            }
            self.services[s].deployments[primary].alternate =
                self.services[s].deployments[blue].alternate;
            if self.services[s].traffic_shift.take().is_some() {
                self.route_production_to(s, blue);
            }
        }
        self.poke_service(s);
        Ok(())
    }

    /// Makes deployment `d`'s revision settings service `s`'s again (a rollback brings back
    /// the whole service revision): its Service Connect configuration, service registry and
    /// EBS volume, in the service and in its stored request.
    pub(crate) fn restore_revision(&mut self, s: usize, d: usize) {
        self.restore_service_connect(s, d);
        self.restore_service_registry(s, d);
        self.restore_volume(s, d);
    }

    /// Makes `family:revision` the primary deployment of service `s` under deployment id `id`
    /// (a new one, or blue's when a traffic shift rolls back): its task definition, placement
    /// and a new deployment record, IN_PROGRESS.
    pub(crate) fn adopt_deployment(
        &mut self,
        s: usize,
        task_definition: &str,
        id: String,
    ) -> Result<(), String> {
        let (family_revision, td) = self.revisions.resolve(task_definition)?;
        self.deleted_revision(&family_revision)?;
        let (constraints, strategies) =
            crate::placement::parse_placement(&self.services[s].request, &td)?;
        let now = self.now();
        let subnets = self.services[s].subnets.clone();
        let needs = self.task_needs(&td, &subnets);
        self.stop_records_replaced_by(s, &id);
        let svc = &mut self.services[s];
        let previous_side = svc.deployments.last().is_some_and(|d| d.alternate);
        svc.needs = needs;
        svc.td = td;
        svc.task_definition = family_revision.clone();
        svc.constraints = constraints;
        if !strategies.is_empty() {
            svc.strategies = strategies;
        }
        svc.deployment_id = id.clone();
        svc.stall_reported = false;
        // A rollback adopts blue's deployment id: its tasks run blue's revision again, and
        // the service's settings are blue's.
        let blue = svc.deployments.iter().rposition(|d| d.id == id);
        let service_connect = match blue {
            Some(d) => {
                self.restore_revision(s, d);
                self.services[s].deployments[d].service_connect.clone()
            }
            None => {
                let (name, config) = (svc.name.clone(), svc.service_connect.clone());
                self.deployment_connect(s, &name, config)
            }
        };
        let service_registry = self.services[s].service_registry.clone();
        let volume = self.services[s].volume.clone();
        let svc = &self.services[s];
        if volume.is_some() && !self.capacity.runs_on_fargate(svc.capacity.as_ref()) {
            self.services[s]
                .needs
                .required_attributes
                .push(crate::ebs_volume::EBS_CAPABILITY.to_string());
        }
        self.services[s].deployments.push(Deployment {
            id,
            task_definition: family_revision,
            created_at: now,
            rollout_state: RolloutState::InProgress,
            failed_tasks: 0,
            alternate: previous_side,
            service_connect,
            service_registry,
            volume,
            task_set: None,
        });
        // Its tasks waiting for capacity are the new deployment's from now on (10.1).
        self.renew_waiting_tasks(s);
        // The revision it replaces may have waited only for it (crate::task_definition_state).
        self.delete_unused_task_definitions();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g17_rolling_update_bounds() {
        let cfg = |min, max| DeploymentConfiguration {
            minimum_healthy_percent: min,
            maximum_percent: max,
            circuit_breaker: None,
            strategy: DeploymentStrategy::Rolling,
            bake_minutes: None,
        };
        assert_eq!(
            (cfg(50, 200).max_tasks(4), cfg(50, 200).min_healthy_tasks(4)),
            (8, 2)
        );
        assert_eq!(
            (cfg(75, 100).max_tasks(2), cfg(75, 100).min_healthy_tasks(2)),
            (2, 2)
        );
        assert_eq!(
            (
                cfg(100, 125).max_tasks(3),
                cfg(100, 125).min_healthy_tasks(3)
            ),
            (3, 3)
        );
    }

    #[test]
    fn g19_circuit_breaker_threshold() {
        assert_eq!(circuit_breaker_threshold(1), 3);
        assert_eq!(circuit_breaker_threshold(25), 13);
        assert_eq!(circuit_breaker_threshold(400), 200);
        assert_eq!(circuit_breaker_threshold(800), 200);
    }

    #[test]
    fn deployment_configuration_defaults_and_validation() {
        let base = DeploymentConfiguration::default();
        assert_eq!(
            DeploymentConfiguration::from_request(&serde_json::json!({}), base),
            Ok(base)
        );
        let v = serde_json::json!({"deploymentConfiguration": {"minimumHealthyPercent": 50}});
        assert_eq!(
            DeploymentConfiguration::from_request(&v, base)
                .unwrap()
                .maximum_percent,
            200
        );
        let bad = serde_json::json!({"deploymentConfiguration": {"maximumPercent": 90}});
        assert!(DeploymentConfiguration::from_request(&bad, base)
            .unwrap_err()
            .contains("maximumPercent"));
    }
}
