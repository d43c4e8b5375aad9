//! CodeDeploy deployments as they run: CreateDeployment starts a traffic shift of
//! [`crate::blue_green`] with the deployment group's target group pair, the AppSpec's hooks
//! and the configuration's routing; this module keeps CodeDeploy's view of it (status,
//! lifecycle events, rollbacks) and answers ContinueDeployment and StopDeployment.

use serde_json::{json, Value};

use super::{AutoRollback, LifecycleEvent, WaitType};
use crate::blue_green::{DeploymentStrategy, LifecycleStage, ShiftPlan};
use crate::deployment_lifecycle_hook::{DeploymentLifecycleHook, HookAction, HookTarget};
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

/// A deployment's status (`DeploymentInfo.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentStatus {
    /// Running its lifecycle events.
    InProgress,
    /// Waiting for ContinueDeployment (READY_WAIT) before rerouting production traffic.
    Ready,
    /// Every event succeeded and the original task set is gone (or, for a rollback, the
    /// replacement is).
    Succeeded,
    /// A hook failed or timed out.
    Failed,
    /// StopDeployment, an alarm, or the ready wait running out.
    Stopped,
}

impl DeploymentStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::InProgress => "InProgress",
            DeploymentStatus::Ready => "Ready",
            DeploymentStatus::Succeeded => "Succeeded",
            DeploymentStatus::Failed => "Failed",
            DeploymentStatus::Stopped => "Stopped",
        }
    }

    /// Whether the deployment still runs (or waits).
    pub fn open(self) -> bool {
        matches!(self, DeploymentStatus::InProgress | DeploymentStatus::Ready)
    }
}

/// A lifecycle event's status (`LifecycleEvent.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// Not started.
    Pending,
    /// Running.
    InProgress,
    /// Done.
    Succeeded,
    /// Failed (the deployment failed or stopped here).
    Failed,
}

impl EventStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Pending => "Pending",
            EventStatus::InProgress => "InProgress",
            EventStatus::Succeeded => "Succeeded",
            EventStatus::Failed => "Failed",
        }
    }
}

/// One CodeDeploy deployment (or rollback deployment).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDeployDeployment {
    /// `deploymentId`.
    pub id: String,
    /// The deployment group (index in `deploymentGroups[]`).
    pub group: usize,
    /// The service (index).
    pub service: usize,
    /// The revision it deploys (`family:revision`); a rollback's is the original's.
    pub task_definition: String,
    /// The deployment configuration's name and routing.
    pub config: String,
    /// The traffic routing it runs.
    pub strategy: DeploymentStrategy,
    /// Which endings roll back.
    pub auto_rollback: AutoRollback,
    /// Where it is.
    pub status: DeploymentStatus,
    /// Its lifecycle events (without AllowTestTraffic and AfterAllowTestTraffic when the
    /// group has no test listener; none for a rollback).
    pub events: Vec<(LifecycleEvent, EventStatus)>,
    /// When it was created.
    pub created_at: SimTime,
    /// When it ended.
    pub ended_at: Option<SimTime>,
    /// `errorInformation`: code and message.
    pub error: Option<(String, String)>,
    /// For a rollback: the deployment it rolls back.
    pub rollback_of: Option<String>,
    /// The rollback deployment started for it (index).
    pub rolled_back_by: Option<usize>,
    /// The wait it is in, if any.
    pub waiting: Option<WaitType>,
    /// Whether the ready wait is over (ContinueDeployment READY_WAIT came).
    pub ready_wait_passed: bool,
    /// The ECS deployment (task set) it created: `ecs-svc/<digits>`.
    pub task_set: String,
    /// The service's request and load balancer container before the AppSpec changed them:
    /// a rollback puts them back.
    pub before: (Value, (String, u16)),
}

impl Simulation {
    /// Sets a timer for every CreateDeployment, ContinueDeployment and StopDeployment call.
    pub(crate) fn schedule_code_deploy_calls(&mut self) {
        let cd = &self.scenario.code_deploy;
        let timers: Vec<(u64, Timer)> = cd
            .deployments
            .iter()
            .enumerate()
            .map(|(i, c)| (c.at_ms, Timer::CreateDeployment(i)))
            .chain(
                cd.continues
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::ContinueDeployment(i))),
            )
            .chain(
                cd.stops
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::StopDeployment(i))),
            )
            .collect();
        for (at, timer) in timers {
            self.schedule(SimTime(at), timer);
        }
    }

    /// The CodeDeploy deployment group whose `ecsServices` names service `s`, if any, with
    /// the container behind the service's load balancer and the revisions of its task
    /// definition's family: what a new deployment of it needs.
    pub fn code_deploy_target(
        &self,
        s: usize,
    ) -> Option<(&super::DeploymentGroup, (String, u16), Vec<String>)> {
        let svc = &self.services[s];
        if !is_code_deploy(&svc.request) {
            return None;
        }
        let group = self
            .scenario
            .code_deploy
            .groups
            .iter()
            .find(|g| g.service == svc.name && g.cluster == svc.cluster)?;
        let link = svc.load_balancers.first()?;
        let family = svc.task_definition.split(':').next().unwrap_or_default();
        Some((
            group,
            (link.container_name.clone(), link.container_port),
            self.revisions.of_family(family),
        ))
    }

    /// CodeDeploy's deployments so far, oldest first.
    pub fn code_deploy_deployments(&self) -> &[CodeDeployDeployment] {
        &self.code_deploy
    }

    /// Makes CreateDeployment call `i`: checks the group's service and the AppSpec, applies
    /// the AppSpec's network, capacity provider and platform settings to the replacement
    /// task set, and starts the deployment. A refusal is said in the event log.
    pub(crate) fn create_deployment_call(&mut self, i: usize) {
        if let Err(e) = self.create_deployment(i) {
            let msg = format!("CreateDeployment failed: createDeployments[{i}].{e}");
            self.log.push(self.now(), EventKind::Scenario, msg);
        }
    }

    fn create_deployment(&mut self, i: usize) -> Result<(), String> {
        let call = self.scenario.code_deploy.deployments[i].clone();
        let group = self.scenario.code_deploy.groups[call.group].clone();
        let s = self
            .services
            .iter()
            .position(|svc| {
                svc.name == group.service
                    && svc.cluster == group.cluster
                    && svc.status == crate::service::ServiceStatus::Active
            })
            .ok_or_else(|| {
                format!(
                    "deploymentGroupName: InvalidECSServiceException: the deployment group's service {}:{} is not an ACTIVE service",
                    group.cluster, group.service
                )
            })?;
        if !is_code_deploy(&self.services[s].request) {
            return Err(format!(
                "deploymentGroupName: InvalidECSServiceException: service {} does not use the CODE_DEPLOY deployment controller",
                group.service
            ));
        }
        if let Some(open) = self
            .code_deploy
            .iter()
            .find(|d| d.group == call.group && d.status.open())
        {
            return Err(format!(
                "deploymentGroupName: DeploymentLimitExceededException: deployment {} is still {} in deployment group {} [the playground's wording]",
                open.id,
                open.status.as_str(),
                group.name
            ));
        }
        let pair = group.target_groups.clone().map(|n| self.lb.find(&n));
        let [Some(a), Some(b)] = pair else {
            return Err("deploymentGroupName: InvalidTargetGroupPairException: a target group of the pair is missing".to_string());
        };
        let link = self.services[s]
            .load_balancers
            .first()
            .cloned()
            .ok_or("deploymentGroupName: InvalidLoadBalancerInfoException: the service has no load balancer")?;
        let other = match link.target_group {
            t if t == a => b,
            t if t == b => a,
            t => {
                return Err(format!(
                    "deploymentGroupName: InvalidTargetGroupPairException: the service's target group {} is not one of the pair {} and {}",
                    self.lb.target_groups[t].name, group.target_groups[0], group.target_groups[1]
                ))
            }
        };
        let config = call.config.clone().unwrap_or_else(|| group.config.clone());
        let strategy = self.scenario.code_deploy.strategy(&config);
        if self.lb.load_balancer_of(link.target_group).network
            && strategy != DeploymentStrategy::BlueGreen
        {
            return Err(format!(
                "deploymentConfigName: with a Network Load Balancer only CodeDeployDefault.ECSAllAtOnce is supported, not {config}"
            ));
        }
        // The AppSpec: the revision, its container behind the load balancer, its settings.
        let spec = &call.appspec;
        let appspec_at = "revision.appSpecContent.content: Resources[0].TargetService.Properties";
        let (td_name, td) = self
            .launchable_revision(&spec.task_definition, "InvalidParameterException")
            .map_err(|e| format!("{appspec_at}.TaskDefinition: {e}"))?;
        // The pair is checked as a blue/green pair: the same target type and kind of load
        // balancer, used by no other service, and not behind another load balancer.
        let lb_request = json!({
            "serviceName": self.services[s].name,
            "cluster": self.services[s].cluster,
            "loadBalancers": [{
            "targetGroupArn": self.lb.target_groups[link.target_group].arn,
            "containerName": spec.container_name,
            "containerPort": spec.container_port,
            "advancedConfiguration": {"alternateTargetGroupArn": self.lb.target_groups[other].arn},
        }]});
        let (tg_a, tg_b) = (
            &self.lb.target_groups[link.target_group],
            &self.lb.target_groups[other],
        );
        if !tg_a.listeners.is_empty()
            && !tg_b.listeners.is_empty()
            && tg_a.load_balancer != tg_b.load_balancer
        {
            return Err(format!(
                "deploymentGroupName: InvalidTargetGroupPairException: target group {} is behind another load balancer than the service's {}",
                tg_b.name, tg_a.name
            ));
        }
        let checked = self
            .service_load_balancers(&lb_request, &td)
            .map_err(|e| format!("{appspec_at}.LoadBalancerInfo: {e}"))?;
        // Everything the new revision's tasks need is checked before anything changes.
        crate::placement::parse_placement(&self.services[s].request, &td)
            .map_err(|e| format!("{appspec_at}.TaskDefinition: {td_name}: {e}"))?;
        let before = (
            self.services[s].request.clone(),
            (link.container_name.clone(), link.container_port),
        );
        let mut settings = json!({"taskDefinition": td_name});
        if let Some(n) = &spec.network_configuration {
            settings["networkConfiguration"] = n.clone();
        }
        if let Some(c) = &spec.capacity_provider_strategy {
            settings["capacityProviderStrategy"] = c.clone();
        }
        // The AppSpec's container goes into the request too, so that the settings are
        // checked against it; a refusal puts everything back.
        let (old_request, old_links) = (
            self.services[s].request.clone(),
            self.services[s].load_balancers.clone(),
        );
        set_container(
            &mut self.services[s],
            (&spec.container_name, spec.container_port),
        );
        if let Err(e) = self.update_settings(s, &settings, DeploymentStrategy::Rolling) {
            self.services[s].request = old_request;
            self.services[s].load_balancers = old_links;
            return Err(format!("{appspec_at}: {e}"));
        }
        self.services[s].request["taskDefinition"] = json!(td_name);
        if let Some(p) = &spec.platform_version {
            self.services[s].request["platformVersion"] = json!(p);
        }
        // The pair: the service's target group and the other one, with a weighted rule.
        let svc = &mut self.services[s];
        if let (Some(l), Some(c)) = (svc.load_balancers.first_mut(), checked.first()) {
            l.alternate = Some(other);
            l.container_name = c.container_name.clone();
            l.container_port = c.container_port;
        }
        let links = self.services[s].load_balancers.clone();
        self.ensure_weighted_rules(&links);
        let events: Vec<(LifecycleEvent, EventStatus)> = LifecycleEvent::ALL
            .into_iter()
            .filter(|e| {
                group.test_listener
                    || !matches!(
                        e,
                        LifecycleEvent::AllowTestTraffic | LifecycleEvent::AfterAllowTestTraffic
                    )
            })
            .map(|e| (e, EventStatus::Pending))
            .collect();
        // The replacement goes to the target group the original task set is not in.
        let original = self.serving_deployment(s);
        let replacement_group = if self.services[s].deployments[original].alternate {
            link.target_group
        } else {
            other
        };
        let index = self.code_deploy.len();
        let id = super::deployment_id(i);
        self.code_deploy.push(CodeDeployDeployment {
            id: id.clone(),
            group: call.group,
            service: s,
            task_definition: td_name.clone(),
            config: config.clone(),
            strategy,
            auto_rollback: call.auto_rollback.unwrap_or(group.auto_rollback),
            status: DeploymentStatus::InProgress,
            events,
            created_at: self.now(),
            ended_at: None,
            error: None,
            rollback_of: None,
            rolled_back_by: None,
            waiting: None,
            ready_wait_passed: false,
            task_set: String::new(),
            before,
        });
        let keep_alive = if group.keep_alive {
            " (KEEP_ALIVE is run as TERMINATE)"
        } else {
            ""
        };
        let msg = format!(
            "(service {}) (CodeDeploy deployment {id}) created in deployment group {} with {config}: replacement task set of {td_name} in target group {}; the original task set stops {} min after AfterAllowTraffic{keep_alive}.",
            self.services[s].name,
            group.name,
            self.lb.target_groups[replacement_group].name,
            group.termination_wait_minutes,
        );
        self.service_event(s, msg);
        let hooks = spec
            .hooks
            .iter()
            .filter_map(|(event, function)| {
                let LifecycleStage::Hook(stage) = event.stage() else {
                    return None;
                };
                Some(DeploymentLifecycleHook {
                    target: HookTarget::Lambda(function.clone()),
                    stages: vec![stage],
                    timeout_minutes: super::HOOK_TIMEOUT_MINUTES,
                    timeout_action: HookAction::Rollback,
                })
            })
            .collect();
        let plan = ShiftPlan {
            strategy,
            bake_minutes: group.termination_wait_minutes,
            hooks,
            code_deploy: Some(index),
        };
        if let Err(e) = self.start_deployment_with(s, &td_name, Some(plan)) {
            self.code_deploy.pop();
            return Err(format!("{appspec_at}.TaskDefinition: {e}"));
        }
        self.code_deploy[index].task_set = self.services[s].deployment_id.clone();
        Ok(())
    }

    /// Whether deployment `cd` still runs its service's traffic shift (a timer of one that
    /// ended, or of a deleted service, does nothing).
    fn code_deploy_live(&self, cd: usize) -> bool {
        let s = self.code_deploy[cd].service;
        self.code_deploy[cd].status.open()
            && self.services[s].status == crate::service::ServiceStatus::Active
            && self.code_deploy_of(s) == Some(cd)
    }

    /// The deployment serving service `s`'s production traffic (CodeDeploy's PRIMARY task
    /// set): blue until AllowTraffic moved all of it, then the primary one.
    pub(crate) fn serving_deployment(&self, s: usize) -> usize {
        let svc = &self.services[s];
        match &svc.traffic_shift {
            Some(x) if !x.rollback && x.green_tenths < 1000 => x.source,
            _ => svc.primary_deployment(),
        }
    }

    /// Install of deployment `cd` began: CodeDeploy waits up to an hour for the replacement
    /// task set to reach a steady state.
    pub(crate) fn code_deploy_install_started(&mut self, cd: usize) {
        let at = self
            .now()
            .plus_secs(u64::from(super::HOOK_TIMEOUT_MINUTES) * 60);
        self.schedule(at, Timer::InstallTimeout(cd));
    }

    /// The hour for Install of deployment `cd` is over (a timer): a replacement task set still
    /// not steady fails the deployment.
    pub(crate) fn install_timed_out(&mut self, cd: usize) {
        let installing =
            self.event_status(cd, LifecycleEvent::Install) == Some(EventStatus::InProgress);
        if !installing || !self.code_deploy_live(cd) {
            return;
        }
        let rollback = self.code_deploy[cd].auto_rollback.on_failure;
        self.end_code_deploy(
            cd,
            DeploymentStatus::Failed,
            "TIMEOUT",
            "the replacement task set did not reach a steady state within an hour",
            rollback,
        );
    }

    /// The desired count of service `s` changed (UpdateService or Service Auto Scaling).
    /// During a CodeDeploy deployment past Install, "traffic will continue to shift for 5
    /// minutes. If the service doesn't reach steady state within 5 minutes, CodeDeploy will
    /// stop the deployment and mark it as failed" (ECS guide, CodeDeploy blue/green
    /// deployments). During Install, the hour CodeDeploy waits for the replacement applies.
    pub(crate) fn code_deploy_scaled(&mut self, s: usize) {
        let Some(cd) = self.code_deploy_of(s) else {
            return;
        };
        let past_install = self.services[s].traffic_shift.as_ref().is_some_and(|x| {
            !x.rollback
                && x.stage.green_started()
                && x.stage != LifecycleStage::ScaleUp
                && x.stage != LifecycleStage::CleanUp
        });
        if past_install && self.code_deploy_live(cd) {
            let at = self.now().plus_secs(SCALING_STEADY_SECS);
            self.schedule(at, Timer::ScalingSteadyCheck(cd));
        }
    }

    /// Five minutes after a scaling event during deployment `cd` (a timer; one of a
    /// deployment that ended does nothing): both task sets must run their desired count of
    /// healthy tasks, or the deployment fails, rolling back on DEPLOYMENT_FAILURE.
    pub(crate) fn scaling_steady_check(&mut self, cd: usize) {
        if !self.code_deploy_live(cd) {
            return;
        }
        let s = self.code_deploy[cd].service;
        let Some(shift) = self.services[s].traffic_shift.as_ref() else {
            return;
        };
        if shift.stage == LifecycleStage::CleanUp {
            return;
        }
        let sets = [shift.source, self.services[s].primary_deployment()];
        let desired = self.services[s].desired_count as usize;
        let steady = sets.iter().all(|&d| {
            let mut active = 0;
            let mut healthy = 0;
            for &t in self.service_tasks.get(s).into_iter().flatten() {
                if self.tasks[t].deployment == Some(d) && self.tasks[t].is_active() {
                    active += 1;
                    if self.task_is_healthy(t) {
                        healthy += 1;
                    }
                }
            }
            active == desired && healthy == desired
        });
        if steady {
            return;
        }
        let rollback = self.code_deploy[cd].auto_rollback.on_failure;
        self.end_code_deploy(
            cd,
            DeploymentStatus::Failed,
            "ECS_UPDATE_ERROR",
            "the service did not reach a steady state within 5 minutes of a scaling event",
            rollback,
        );
    }

    /// Service `s` of deployment `cd` is being deleted: the deployment fails.
    pub(crate) fn code_deploy_service_gone(&mut self, cd: usize) {
        if let Some(r) = self.code_deploy[cd].rolled_back_by {
            self.close_code_deploy(
                r,
                DeploymentStatus::Failed,
                "INVALID_ECS_SERVICE",
                "the Amazon ECS service was deleted",
                "no rollback",
            );
        }
        self.close_code_deploy(
            cd,
            DeploymentStatus::Failed,
            "INVALID_ECS_SERVICE",
            "the Amazon ECS service was deleted",
            "no rollback",
        );
    }

    /// The ECS side of deployment `cd` failed on its own (a StopServiceDeployment, a
    /// deployment alarm or the circuit breaker of the service): CodeDeploy's deployment
    /// fails with it.
    pub(crate) fn code_deploy_failed_by_ecs(&mut self, cd: usize, reason: &str) {
        self.close_code_deploy(
            cd,
            DeploymentStatus::Failed,
            "ECS_UPDATE_ERROR",
            reason,
            "the ECS side decides the rollback",
        );
    }

    /// Deployment `cd`, if still open, ends `status` with error `code`: the event in progress
    /// fails. Says so in the service's events.
    fn close_code_deploy(
        &mut self,
        cd: usize,
        status: DeploymentStatus,
        code: &str,
        message: &str,
        then: &str,
    ) {
        if !self.code_deploy[cd].status.open() {
            return;
        }
        let now = self.now();
        let d = &mut self.code_deploy[cd];
        d.status = status;
        d.waiting = None;
        d.ended_at = Some(now);
        d.error = Some((code.to_string(), message.to_string()));
        if let Some(e) = d
            .events
            .iter_mut()
            .find(|(_, st)| *st == EventStatus::InProgress)
        {
            e.1 = EventStatus::Failed;
        }
        let msg = format!(
            "{} {}: {code}: {message}; {then}.",
            self.code_deploy_prefix(cd),
            status.as_str()
        );
        let s = self.code_deploy[cd].service;
        self.service_event(s, msg);
    }

    /// During CodeDeploy deployment `shift` of service `s`, each task set is kept at its
    /// `computedDesiredCount` ("the service's desiredCount by the task set's scale", 100 %
    /// for both): the original task set's lost tasks are replaced (an unhealthy one once its
    /// replacements are healthy, as 4.3 replaces unhealthy tasks), and both follow a new
    /// desired count. `current` are the replacement's tasks, `others` the rest; returns the
    /// replacement's tasks still running. The original's tasks on a draining instance stay
    /// until CLEAN_UP [the playground's choice].
    pub(crate) fn keep_task_sets(
        &mut self,
        s: usize,
        shift: &crate::blue_green::TrafficShift,
        current: Vec<usize>,
        others: &[usize],
    ) -> Vec<usize> {
        let desired = self.services[s].desired_count as usize;
        let (unhealthy, original): (Vec<usize>, Vec<usize>) = others
            .iter()
            .copied()
            .filter(|&t| {
                self.tasks[t].deployment == Some(shift.source)
                    && self.tasks[t].is_active()
                    && self.cluster.instances[self.tasks[t].reservation.slot].accepts_tasks()
            })
            .partition(|&t| self.tasks[t].unhealthy_stop.is_some());
        if original.len() < desired {
            self.start_tasks_of(s, shift.source, desired - original.len());
        } else if original.len() > desired {
            self.scale_in(s, original.clone(), desired);
        }
        // Health is only looked at when an unhealthy task waits: it costs a look at every
        // task's targets.
        if !unhealthy.is_empty()
            && original
                .iter()
                .filter(|&&t| self.task_is_healthy(t))
                .count()
                >= desired
        {
            let mut stopped = Vec::new();
            for t in unhealthy {
                let reason = self.tasks[t].unhealthy_stop.clone().unwrap_or_default();
                self.stop_task(t, "ServiceSchedulerInitiated", &reason);
                stopped.push(format!("(task {})", self.tasks[t].id));
            }
            self.report_stopped(s, &stopped);
        }
        if shift.stage.green_started() && current.len() > desired {
            self.scale_in(s, current.clone(), desired);
            return current
                .into_iter()
                .filter(|&t| self.tasks[t].is_active())
                .collect();
        }
        current
    }

    /// Starts `n` tasks of service `s`'s deployment `d`, the original task set of its
    /// CodeDeploy deployment, as that task set runs: its revision, and the network,
    /// capacity provider and load balancer container the service had before the AppSpec
    /// changed them (with the service's current placement).
    pub(crate) fn start_tasks_of(&mut self, s: usize, d: usize, n: usize) {
        let Some(cd) = self.code_deploy_of(s) else {
            return;
        };
        let (mut before, container) = self.code_deploy[cd].before.clone();
        for key in ["placementConstraints", "placementStrategy"] {
            match self.services[s].request.get(key) {
                Some(v) => before[key] = v.clone(),
                None => {
                    if let Some(obj) = before.as_object_mut() {
                        obj.remove(key);
                    }
                }
            }
        }
        let mut links = self.services[s].load_balancers.clone();
        if let Some(l) = links.first_mut() {
            (l.container_name, l.container_port) = container;
        }
        self.start_tasks_as(s, d, n, before, links);
    }

    /// The status of `event` in deployment `cd`, if the event is in its list.
    fn event_status(&self, cd: usize, event: LifecycleEvent) -> Option<EventStatus> {
        self.code_deploy[cd]
            .events
            .iter()
            .find(|&&(e, _)| e == event)
            .map(|&(_, st)| st)
    }

    /// Whether deployment `cd` got as far as Install (a rollback is possible from there on).
    fn installed(&self, cd: usize) -> bool {
        !matches!(
            self.event_status(cd, LifecycleEvent::Install),
            None | Some(EventStatus::Pending)
        )
    }

    /// The CodeDeploy deployment a traffic shift of service `s` runs, if any.
    pub(crate) fn code_deploy_of(&self, s: usize) -> Option<usize> {
        self.services[s].traffic_shift.as_ref()?.code_deploy
    }

    /// Whether the CodeDeploy deployment service `s` runs has a test listener.
    pub(crate) fn code_deploy_test_listener(&self, cd: usize) -> bool {
        self.scenario.code_deploy.groups[self.code_deploy[cd].group].test_listener
    }

    /// `(service <name>) (CodeDeploy deployment <id>)`.
    pub(crate) fn code_deploy_prefix(&self, cd: usize) -> String {
        let d = &self.code_deploy[cd];
        format!(
            "(service {}) (CodeDeploy deployment {})",
            self.services[d.service].name, d.id
        )
    }

    /// The lifecycle event of `stage` in CodeDeploy deployment `cd` moves to `status` (said
    /// in the service's events when it ends).
    pub(crate) fn code_deploy_event(
        &mut self,
        cd: usize,
        stage: LifecycleStage,
        status: EventStatus,
    ) {
        let Some(event) = LifecycleEvent::of_stage(stage) else {
            return;
        };
        let Some(entry) = self.code_deploy[cd]
            .events
            .iter_mut()
            .find(|(e, _)| *e == event)
        else {
            return;
        };
        if entry.1 == status
            || entry.1 == EventStatus::Succeeded && status == EventStatus::InProgress
        {
            return;
        }
        entry.1 = status;
        if status != EventStatus::InProgress {
            let msg = format!(
                "{} lifecycle event {}: {}.",
                self.code_deploy_prefix(cd),
                event.as_str(),
                status.as_str()
            );
            let s = self.code_deploy[cd].service;
            self.service_event(s, msg);
        }
    }

    /// Whether CodeDeploy deployment `cd` must wait for ContinueDeployment (READY_WAIT)
    /// before its BeforeAllowTraffic: if so the wait begins (status Ready) and true is
    /// returned.
    pub(crate) fn code_deploy_ready_wait(&mut self, cd: usize) -> bool {
        let group = self.code_deploy[cd].group;
        let Some(minutes) = self.scenario.code_deploy.groups[group].ready_wait_minutes else {
            return false;
        };
        if self.code_deploy[cd].ready_wait_passed {
            return false;
        }
        let d = &mut self.code_deploy[cd];
        d.status = DeploymentStatus::Ready;
        d.waiting = Some(WaitType::Ready);
        let until = self.now().plus_secs(u64::from(minutes) * 60);
        self.schedule(until, Timer::ReadyWaitTimeout(cd));
        let msg = format!(
            "{} Ready: the replacement task set is ready; production traffic waits for ContinueDeployment (READY_WAIT) until {until}, then the deployment is Stopped (deploymentReadyOption STOP_DEPLOYMENT).",
            self.code_deploy_prefix(cd)
        );
        let s = self.code_deploy[cd].service;
        self.service_event(s, msg);
        true
    }

    /// The ready wait of deployment `cd` ran out (a timer; a stale one does nothing): the
    /// deployment is Stopped, and rolls back with DEPLOYMENT_STOP_ON_REQUEST [unconfirmed].
    pub(crate) fn ready_wait_timed_out(&mut self, cd: usize) {
        if self.code_deploy[cd].waiting != Some(WaitType::Ready) || !self.code_deploy_live(cd) {
            return;
        }
        let rollback = self.code_deploy[cd].auto_rollback.on_request;
        self.end_code_deploy(
            cd,
            DeploymentStatus::Stopped,
            "TIMEOUT",
            "the wait time for ContinueDeployment (READY_WAIT) ran out before traffic was rerouted",
            rollback,
        );
    }

    /// The termination wait (the original task set without traffic) of deployment `cd`
    /// begins.
    pub(crate) fn code_deploy_termination_wait(&mut self, cd: usize, minutes: u32) {
        self.code_deploy[cd].waiting = Some(WaitType::Termination);
        let msg = format!(
            "{} all production traffic is on the replacement task set; the original task set keeps running without it for {minutes} min (terminationWaitTimeInMinutes) before its tasks stop.",
            self.code_deploy_prefix(cd)
        );
        let s = self.code_deploy[cd].service;
        self.service_event(s, msg);
    }

    /// Service `s`'s CodeDeploy traffic shift finished (its CLEAN_UP is over): the
    /// deployment, or its rollback, Succeeded.
    pub(crate) fn code_deploy_finished(&mut self, cd: usize, rollback: bool) {
        let target = if rollback {
            match self.code_deploy[cd].rolled_back_by {
                Some(r) => r,
                None => return,
            }
        } else {
            cd
        };
        let now = self.now();
        let d = &mut self.code_deploy[target];
        if !d.status.open() {
            return;
        }
        d.status = DeploymentStatus::Succeeded;
        d.waiting = None;
        d.ended_at = Some(now);
        let what = if rollback {
            "the replacement task set's tasks stopped; production traffic stays on the original task set"
        } else {
            "the original task set's tasks stopped"
        };
        let msg = format!("{} Succeeded: {what}.", self.code_deploy_prefix(target));
        let s = self.code_deploy[target].service;
        self.service_event(s, msg);
    }

    /// Deployment `cd` ends `status` (Failed or Stopped) with error `code`: the event in
    /// progress fails, the ECS side fails ([`Simulation::fail_deployment`]) and, with
    /// `rollback`, a rollback deployment routes production traffic back to the original task
    /// set.
    pub(crate) fn end_code_deploy(
        &mut self,
        cd: usize,
        status: DeploymentStatus,
        code: &str,
        message: &str,
        rollback: bool,
    ) {
        let s = self.code_deploy[cd].service;
        // "A rollback is not possible" before Install: nothing was installed; the service
        // simply stays as it was.
        let nothing_installed = !self.installed(cd);
        let then = match (nothing_installed, rollback) {
            (true, _) => "nothing was installed, so there is nothing to roll back",
            (false, true) => "rolling back",
            (false, false) => "no rollback: both task sets stay as they are",
        };
        self.close_code_deploy(cd, status, code, message, then);
        let reason = format!(
            "CodeDeploy deployment {} {}: {code}.",
            self.code_deploy[cd].id,
            status.as_str()
        );
        let msg = format!("{} ECS side: {reason}", self.code_deploy_prefix(cd));
        self.fail_deployment(s, msg, &reason, rollback || nothing_installed);
    }

    /// A rollback of deployment `cd` began (production traffic is back on the original task
    /// set): its rollback deployment, with its own ID.
    pub(crate) fn code_deploy_rollback_started(&mut self, cd: usize) {
        self.restore_before_appspec(cd);
        let nothing_installed = !self.installed(cd);
        if nothing_installed {
            return;
        }
        let n = self
            .code_deploy
            .iter()
            .filter(|d| d.rollback_of.is_some())
            .count()
            + 1;
        let original = &self.code_deploy[cd];
        let s = original.service;
        let blue = self.services[s].task_definition.clone();
        let rollback = CodeDeployDeployment {
            id: super::rollback_id(n),
            task_definition: blue,
            status: DeploymentStatus::InProgress,
            events: Vec::new(),
            created_at: self.now(),
            ended_at: None,
            error: None,
            rollback_of: Some(original.id.clone()),
            rolled_back_by: None,
            waiting: None,
            ready_wait_passed: true,
            task_set: String::new(),
            ..original.clone()
        };
        let msg = format!(
            "{} rollback deployment {} started (creator codeDeployRollback): production traffic back on the original task set.",
            self.code_deploy_prefix(cd),
            rollback.id
        );
        self.code_deploy.push(rollback);
        self.code_deploy[cd].rolled_back_by = Some(self.code_deploy.len() - 1);
        self.service_event(s, msg);
    }

    /// Puts back the service settings the AppSpec of deployment `cd` changed (network
    /// configuration, capacity provider strategy or launch type, platform version, the
    /// container behind the load balancer): "components return to their state when the
    /// deployment started".
    fn restore_before_appspec(&mut self, cd: usize) {
        let s = self.code_deploy[cd].service;
        let (before, container) = self.code_deploy[cd].before.clone();
        set_container(&mut self.services[s], (&container.0, container.1));
        let mut settings = json!({"taskDefinition": self.services[s].task_definition});
        for key in ["networkConfiguration", "capacityProviderStrategy"] {
            if let Some(v) = before.get(key).filter(|v| !v.is_null()) {
                settings[key] = v.clone();
            }
        }
        if let Err(e) = self.update_settings(s, &settings, DeploymentStrategy::Rolling) {
            let msg = format!(
                "{} the service's settings could not be put back: {e}",
                self.code_deploy_prefix(cd)
            );
            self.service_event(s, msg);
            return;
        }
        let cluster = self.services[s].cluster.clone();
        let svc = &mut self.services[s];
        svc.request["taskDefinition"] = json!(svc.task_definition);
        for key in ["launchType", "capacityProviderStrategy", "platformVersion"] {
            match before.get(key) {
                Some(v) => svc.request[key] = v.clone(),
                None => {
                    if let Some(obj) = svc.request.as_object_mut() {
                        obj.remove(key);
                    }
                }
            }
        }
        let request = svc.request.clone();
        if let Ok(capacity) = self.capacity.for_request(&request, &cluster) {
            if capacity != self.services[s].capacity {
                let items = capacity.as_ref().map_or(0, |c| c.providers.len());
                self.reset_waiting_tasks(s, items);
                self.services[s].capacity = capacity;
            }
        }
        // What a task needs depends on the subnets (their zones): as the service has them now.
        let (td, subnets) = (
            self.services[s].td.clone(),
            self.services[s].subnets.clone(),
        );
        self.services[s].needs = self.task_needs(&td, &subnets);
    }

    /// Makes ContinueDeployment call `i`.
    pub(crate) fn continue_deployment_call(&mut self, i: usize) {
        let call = self.scenario.code_deploy.continues[i].clone();
        let found = self
            .code_deploy
            .iter()
            .position(|d| d.id == call.deployment_id);
        let refuse = |sim: &mut Simulation, why: String| {
            let msg = format!("ContinueDeployment failed: continueDeployments[{i}].{why}");
            sim.log.push(sim.now(), EventKind::Scenario, msg);
        };
        let Some(cd) = found else {
            return refuse(
                self,
                format!(
                    "deploymentId: DeploymentDoesNotExistException: no deployment {}",
                    call.deployment_id
                ),
            );
        };
        if !self.code_deploy[cd].status.open() {
            return refuse(
                self,
                format!(
                    "deploymentId: DeploymentAlreadyCompletedException: deployment {} is {}",
                    call.deployment_id,
                    self.code_deploy[cd].status.as_str()
                ),
            );
        }
        let s = self.code_deploy[cd].service;
        match (call.wait, self.code_deploy[cd].waiting) {
            (WaitType::Ready, Some(WaitType::Ready)) => {
                let d = &mut self.code_deploy[cd];
                d.waiting = None;
                d.ready_wait_passed = true;
                d.status = DeploymentStatus::InProgress;
                let msg = format!(
                    "{} ContinueDeployment (READY_WAIT): rerouting production traffic.",
                    self.code_deploy_prefix(cd)
                );
                self.service_event(s, msg);
            }
            (WaitType::Termination, Some(WaitType::Termination)) => {
                self.code_deploy[cd].waiting = None;
                let msg = format!(
                    "{} ContinueDeployment (TERMINATION_WAIT): the original task set stops now.",
                    self.code_deploy_prefix(cd)
                );
                self.service_event(s, msg);
            }
            (WaitType::Ready, _) => {
                return refuse(self, format!("deploymentId: DeploymentIsNotInReadyStateException: the deployment does not have a status of Ready and can't continue yet ({})", call.deployment_id));
            }
            (WaitType::Termination, _) => {
                return refuse(self, format!("deploymentWaitType: TERMINATION_WAIT: deployment {} is not waiting to terminate its original task set [the playground's wording]", call.deployment_id));
            }
        }
        let d = self.services[s].primary_deployment();
        self.stage_done(s, d);
    }

    /// Makes StopDeployment call `i`: the deployment is Stopped and rolls back when
    /// `autoRollbackEnabled` (or, without it, DEPLOYMENT_STOP_ON_REQUEST) says so. Once the
    /// original task set is being terminated the deployment can no longer be stopped.
    pub(crate) fn stop_deployment_call(&mut self, i: usize) {
        let call = self.scenario.code_deploy.stops[i].clone();
        let found = self
            .code_deploy
            .iter()
            .position(|d| d.id == call.deployment_id);
        let why = match found {
            None => Some(format!(
                "deploymentId: DeploymentDoesNotExistException: no deployment {}",
                call.deployment_id
            )),
            Some(cd) if !self.code_deploy[cd].status.open() => Some(format!(
                "deploymentId: DeploymentAlreadyCompletedException: deployment {} is {}",
                call.deployment_id,
                self.code_deploy[cd].status.as_str()
            )),
            Some(cd) if self.code_deploy[cd].rollback_of.is_some() => Some(format!(
                "deploymentId: deployment {} is a rollback; the playground does not stop rollbacks",
                call.deployment_id
            )),
            Some(cd) => {
                let s = self.code_deploy[cd].service;
                let cleaning = self.services[s]
                    .traffic_shift
                    .as_ref()
                    .is_none_or(|x| x.stage == LifecycleStage::CleanUp);
                cleaning.then(|| format!(
                    "deploymentId: deployment {} is terminating its original task set and can no longer be stopped or rolled back",
                    call.deployment_id
                ))
            }
        };
        if let Some(why) = why {
            let msg = format!("StopDeployment failed: stopDeployments[{i}].{why}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        }
        let cd = found.expect("checked above");
        let rollback = call
            .auto_rollback
            .unwrap_or(self.code_deploy[cd].auto_rollback.on_request);
        self.end_code_deploy(
            cd,
            DeploymentStatus::Stopped,
            "MANUAL_STOP",
            "StopDeployment",
            rollback,
        );
    }

    /// The alarms CodeDeploy watches for service `s`'s deployment in progress, and whether
    /// one going into ALARM rolls it back.
    pub(crate) fn code_deploy_alarms(&self, s: usize) -> Option<(usize, Vec<String>, bool)> {
        let cd = self.code_deploy_of(s)?;
        let d = &self.code_deploy[cd];
        let group = &self.scenario.code_deploy.groups[d.group];
        (!group.alarms.is_empty() && d.status.open())
            .then(|| (cd, group.alarms.clone(), d.auto_rollback.on_alarm))
    }

    /// DescribeServices' `taskSets` of a CODE_DEPLOY service: one per deployment with tasks
    /// (and the primary one): PRIMARY holds production traffic, ACTIVE does not, DRAINING is
    /// stopping. `counts` are each deployment's running and pending tasks.
    pub(crate) fn task_sets_json(&self, s: usize, counts: &[(u32, u32)]) -> Vec<Value> {
        let svc = &self.services[s];
        let shift = svc.traffic_shift.as_ref();
        let serving = self.serving_deployment(s);
        let draining = match shift {
            Some(x) if x.stage == LifecycleStage::CleanUp => Some(x.source),
            _ => None,
        };
        self.listed_deployments(s, counts)
            .map(|(d, dep)| {
                let status = if Some(d) == draining {
                    "DRAINING"
                } else if d == serving {
                    "PRIMARY"
                } else {
                    "ACTIVE"
                };
                let external = self
                    .code_deploy
                    .iter()
                    .find(|c| c.service == s && c.task_set == dep.id);
                let steady = counts[d].1 == 0 && counts[d].0 == svc.desired_count;
                let mut v = json!({
                    "id": dep.id,
                    "taskSetArn": crate::task_set::task_set_arn(&svc.cluster, &svc.name, &dep.id),
                    "status": status,
                    "taskDefinition": crate::revisions::Revisions::arn(&dep.task_definition),
                    "computedDesiredCount": if status == "DRAINING" { 0 } else { svc.desired_count },
                    "runningCount": counts[d].0,
                    "pendingCount": counts[d].1,
                    "scale": {"value": 100.0, "unit": "PERCENT"},
                    "stabilityStatus": if steady { "STEADY_STATE" } else { "STABILIZING" },
                    "createdAt": self.timestamp(dep.created_at),
                });
                if let Some(c) = external {
                    v["externalId"] = json!(c.id);
                    v["startedBy"] = json!("CodeDeploy");
                }
                v
            })
            .collect()
    }

    /// CodeDeploy's deployments as GetDeployment and GetDeploymentTarget show them: status,
    /// configuration, error, rollback and the lifecycle events.
    pub fn code_deploy_json(&self) -> Vec<Value> {
        self.code_deploy
            .iter()
            .map(|d| {
                let group = &self.scenario.code_deploy.groups[d.group];
                let mut v = json!({
                    "deploymentId": d.id,
                    "applicationName": group.application,
                    "deploymentGroupName": group.name,
                    "deploymentConfigName": d.config,
                    "status": d.status.as_str(),
                    "createTime": self.timestamp(d.created_at),
                    "creator": if d.rollback_of.is_some() { "codeDeployRollback" } else { "user" },
                    "targetId": format!("{}:{}", group.cluster, group.service),
                    "taskDefinition": crate::revisions::Revisions::arn(&d.task_definition),
                    "lifecycleEvents": d.events.iter().map(|(e, st)| json!({
                        "lifecycleEventName": e.as_str(),
                        "status": st.as_str(),
                    })).collect::<Vec<_>>(),
                });
                if let Some(t) = d.ended_at {
                    v["completeTime"] = json!(self.timestamp(t));
                }
                if let Some((code, message)) = &d.error {
                    v["errorInformation"] = json!({"code": code, "message": message});
                }
                if let Some(of) = &d.rollback_of {
                    v["rollbackInfo"] = json!({"rollbackTriggeringDeploymentId": of});
                }
                if let Some(r) = d.rolled_back_by {
                    v["rollbackInfo"] = json!({"rollbackDeploymentId": self.code_deploy[r].id});
                }
                if let Some(w) = d.waiting {
                    v["waiting"] = json!(match w {
                        WaitType::Ready => "READY_WAIT",
                        WaitType::Termination => "TERMINATION_WAIT",
                    });
                }
                v
            })
            .collect()
    }
}

/// Seconds CodeDeploy lets a service scaled during a deployment take to be steady again.
const SCALING_STEADY_SECS: u64 = 5 * 60;

/// Puts `container` (name, port) behind service `svc`'s load balancer, in its request as in
/// its resolved link.
fn set_container(svc: &mut crate::service::Service, container: (&str, u16)) {
    if let Some(l) = svc.load_balancers.first_mut() {
        l.container_name = container.0.to_string();
        l.container_port = container.1;
    }
    if let Some(entry) = svc
        .request
        .get_mut("loadBalancers")
        .and_then(Value::as_array_mut)
        .and_then(|l| l.first_mut())
    {
        entry["containerName"] = json!(container.0);
        entry["containerPort"] = json!(container.1);
    }
}

/// Whether a CreateService request uses the CODE_DEPLOY deployment controller.
pub fn is_code_deploy(request: &Value) -> bool {
    request
        .pointer("/deploymentController/type")
        .and_then(Value::as_str)
        == Some("CODE_DEPLOY")
}

/// CreateService's rules for the CODE_DEPLOY controller (ECS API reference, CreateService
/// and DeploymentConfiguration): a REPLICA service behind one Application or Network Load
/// Balancer target group (the deployment group holds the pair), without deployment alarms
/// (CodeDeploy's `alarmConfiguration` watches instead).
pub fn check_create_service(
    raw: &Value,
    daemon: bool,
    links: &[crate::load_balancer::ServiceLoadBalancer],
) -> Result<(), String> {
    if !is_code_deploy(raw) {
        return Ok(());
    }
    if daemon {
        return Err("schedulingStrategy: the CODE_DEPLOY deployment controller does not support the DAEMON scheduling strategy; use REPLICA".to_string());
    }
    match links.len() {
        1 => {}
        0 => return Err("loadBalancers: a service with the CODE_DEPLOY deployment controller needs an Application or Network Load Balancer target group".to_string()),
        n => return Err(format!("loadBalancers: {n} target groups; multiple target groups are not supported for blue/green deployments (CODE_DEPLOY)")),
    }
    check_deployment_configuration(raw)
}

/// `deploymentConfiguration` of a CODE_DEPLOY service: no deployment alarms (CodeDeploy's
/// `alarmConfiguration` watches instead) and no circuit breaker ("can only be used for
/// services using the rolling update (ECS) deployment type").
fn check_deployment_configuration(raw: &Value) -> Result<(), String> {
    refuse_ecs_controller_settings(
        raw,
        "CODE_DEPLOY",
        "; use the deployment group's alarmConfiguration",
    )
}

/// The deployment alarms and the circuit breaker watch the ECS controller's deployments: a
/// service with another controller (`controller`, said in the refusal with `advice`) cannot
/// have them.
pub(crate) fn refuse_ecs_controller_settings(
    raw: &Value,
    controller: &str,
    advice: &str,
) -> Result<(), String> {
    let on = |ptr: &str| raw.pointer(ptr).and_then(Value::as_bool) == Some(true);
    if on("/deploymentConfiguration/alarms/enable") {
        return Err(format!("deploymentConfiguration.alarms: not supported with the {controller} deployment controller{advice}"));
    }
    if on("/deploymentConfiguration/deploymentCircuitBreaker/enable") {
        return Err("deploymentConfiguration.deploymentCircuitBreaker: can only be used for services using the rolling update (ECS) deployment type".to_string());
    }
    Ok(())
}

/// UpdateService's rules for a CODE_DEPLOY service (ECS API reference, UpdateService): the
/// task definition, network configuration, platform version, load balancers, capacity
/// provider strategy and service registries change through a CodeDeploy deployment, and
/// `forceNewDeployment` is refused. The first two messages are AWS's; the rest are the
/// playground's [unconfirmed].
pub fn check_update_service(request: &Value, update: &Value) -> Result<(), String> {
    if !is_code_deploy(request) {
        return Ok(());
    }
    if update.get("taskDefinition").is_some_and(|t| !t.is_null()) {
        return Err("taskDefinition: InvalidParameterException: Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.".to_string());
    }
    if update.get("forceNewDeployment").and_then(Value::as_bool) == Some(true) {
        return Err("forceNewDeployment: InvalidParameterException: Cannot force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.".to_string());
    }
    for key in [
        "networkConfiguration",
        "platformVersion",
        "loadBalancers",
        "capacityProviderStrategy",
        "serviceRegistries",
    ] {
        if update.get(key).is_some_and(|v| !v.is_null()) {
            return Err(format!("{key}: InvalidParameterException: on a service with a CODE_DEPLOY deployment controller this changes through a CodeDeploy deployment (its AppSpec), not UpdateService"));
        }
    }
    check_deployment_configuration(update)
}
