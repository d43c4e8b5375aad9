//! Starting service tasks through a capacity provider strategy, and the tasks that wait in
//! PROVISIONING for capacity (6.2, 6.4, 10.1).
//!
//! Each missing task goes to the strategy item [`super::CapacityProviderStrategy::next_item`]
//! picks. On Fargate it starts at once unless the launch rate or Fargate Spot capacity says
//! wait; on an Auto Scaling group provider it is placed on the group's instances by the
//! service's strategies and constraints, or waits for capacity (which managed scaling then
//! launches). RunTask tasks wait the same way for providers that launch capacity
//! ([`StandaloneWait`]). A task waiting for an instance provider is a task record already: ECS
//! creates it PROVISIONING, with its ID and `createdAt`, and places it later (10.1:
//! PROVISIONING is "waiting for capacity-provider capacity"); DescribeTasks lists it. A task
//! waiting for Fargate (its launch rate, Fargate Spot capacity) is not: the scheduler tries
//! again to start one ([`WaitingTask`]). The waiting tasks of a task set (an EXTERNAL
//! service's, a CodeDeploy original task set's) are counted for managed scaling but have no
//! record [the playground's limit]. Which waiting task a scale-in stops first (the newest)
//! is [unconfirmed].

use serde_json::Value;

use crate::event_log::EventKind;
use crate::fargate::FargateWait;
use crate::placement::{Decision, TaskNeeds};
use crate::sim::{Simulation, Timer};

/// A task of a service waiting for capacity from a provider of its strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingTask {
    /// Its task ID, for a task waiting in PROVISIONING for an instance provider; `None` for
    /// one the scheduler has yet to start on Fargate.
    pub id: Option<String>,
    /// Since when it waits (`createdAt` of a PROVISIONING task).
    pub created_at: crate::time::SimTime,
}

/// A RunTask task waiting in PROVISIONING for capacity from a provider that launches it
/// (managed scaling, Managed Instances): what `start_standalone_task` needs once an instance
/// has room.
#[derive(Debug, Clone)]
pub struct StandaloneWait {
    /// The RunTask request.
    pub raw: Value,
    /// Its cluster, task group and `family:revision`.
    pub cluster: String,
    /// The task group.
    pub group: String,
    /// `family:revision`.
    pub family_revision: String,
    /// The task definition.
    pub td: std::rc::Rc<crate::task_definition::ValidTaskDefinition>,
    /// What the task needs.
    pub needs: TaskNeeds,
    /// The request's placement constraints.
    pub constraints: Vec<crate::placement::Constraint>,
    /// Its placement strategies.
    pub strategies: Vec<crate::placement::strategy::Strategy>,
    /// Its EBS volume's configuration.
    pub volume: Option<std::rc::Rc<crate::ebs_volume::VolumeConfig>>,
    /// The provider (index).
    pub provider: usize,
    /// Its task ID, given when it was created PROVISIONING.
    pub id: String,
    /// When it was created.
    pub created_at: crate::time::SimTime,
}

/// A task waiting in PROVISIONING for an instance provider, as DescribeTasks and the views
/// show it.
#[derive(Debug, Clone)]
pub struct ProvisioningTask<'a> {
    /// Its task ID.
    pub id: &'a str,
    /// `createdAt`.
    pub created_at: crate::time::SimTime,
    /// Its cluster.
    pub cluster: &'a str,
    /// `family:revision`.
    pub task_definition: &'a str,
    /// Its task group.
    pub group: &'a str,
    /// `startedBy`: its service's deployment, or the RunTask request's.
    pub started_by: Option<&'a str>,
    /// Its service (index), if any.
    pub service: Option<usize>,
    /// The provider it waits for (index).
    pub provider: usize,
    /// What it runs.
    pub td: &'a std::rc::Rc<crate::task_definition::ValidTaskDefinition>,
}

impl ProvisioningTask<'_> {
    /// Its record once it stops now (`at`) with `stop_code` and `stopped_reason`.
    fn stopped(
        &self,
        at: crate::time::SimTime,
        stop_code: &'static str,
        stopped_reason: &str,
    ) -> StoppedProvisioningTask {
        StoppedProvisioningTask {
            id: self.id.to_string(),
            created_at: self.created_at,
            stopped_at: at,
            cluster: self.cluster.to_string(),
            task_definition: self.task_definition.to_string(),
            group: self.group.to_string(),
            started_by: self.started_by.map(str::to_string),
            service: self.service,
            provider: self.provider,
            td: std::rc::Rc::clone(self.td),
            stop_code,
            stopped_reason: stopped_reason.to_string(),
        }
    }
}

/// A task that stopped while it waited in PROVISIONING, before any instance had room for it:
/// its record as DescribeTasks keeps returning it, STOPPED. AWS keeps stopped tasks visible
/// for at least an hour (10.1); the playground keeps them, as it keeps placed tasks, for the
/// whole run.
#[derive(Debug, Clone)]
pub struct StoppedProvisioningTask {
    /// Its task ID.
    pub id: String,
    /// `createdAt`.
    pub created_at: crate::time::SimTime,
    /// `stoppedAt`.
    pub stopped_at: crate::time::SimTime,
    /// Its cluster.
    pub cluster: String,
    /// `family:revision`.
    pub task_definition: String,
    /// Its task group.
    pub group: String,
    /// `startedBy`.
    pub started_by: Option<String>,
    /// Its service (index), if any.
    pub service: Option<usize>,
    /// The provider it waited for (index).
    pub provider: usize,
    /// What it would have run.
    pub td: std::rc::Rc<crate::task_definition::ValidTaskDefinition>,
    /// `stopCode` (10.2).
    pub stop_code: &'static str,
    /// `stoppedReason`.
    pub stopped_reason: String,
}

impl StoppedProvisioningTask {
    /// The record as it was while it waited.
    pub fn waiting(&self) -> ProvisioningTask<'_> {
        ProvisioningTask {
            id: &self.id,
            created_at: self.created_at,
            cluster: &self.cluster,
            task_definition: &self.task_definition,
            group: &self.group,
            started_by: self.started_by.as_deref(),
            service: self.service,
            provider: self.provider,
            td: &self.td,
        }
    }
}

/// The `stoppedReason` of a service's PROVISIONING task whose capacity provider strategy
/// changed (the playground's wording [unconfirmed]).
const STRATEGY_CHANGED: &str = "the service's capacity provider strategy changed";

/// The `stoppedReason` of a service's PROVISIONING task that deployment `id` replaces: a
/// deployment's, as for a placed task (10.3).
fn replaced_by(id: &str) -> String {
    format!("Scaling activity initiated by (deployment {id})")
}

impl Simulation {
    /// The tasks waiting in PROVISIONING for an instance provider (services', then RunTask's),
    /// oldest first within each.
    pub fn provisioning_task_records(&self) -> Vec<ProvisioningTask<'_>> {
        let mut out = Vec::new();
        for (s, svc) in self.services.iter().enumerate() {
            let Some(c) = &svc.capacity else { continue };
            for (&p, waiting) in c.providers.iter().zip(&svc.waiting) {
                for w in waiting {
                    let Some(id) = &w.id else { continue };
                    out.push(ProvisioningTask {
                        id,
                        created_at: w.created_at,
                        cluster: &svc.cluster,
                        task_definition: &svc.task_definition,
                        group: &svc.group,
                        started_by: Some(&svc.deployment_id),
                        service: Some(s),
                        provider: p,
                        td: &svc.td,
                    });
                }
            }
        }
        for w in &self.run_task_waits {
            out.push(ProvisioningTask {
                id: &w.id,
                created_at: w.created_at,
                cluster: &w.cluster,
                task_definition: &w.family_revision,
                group: &w.group,
                started_by: w.raw.get("startedBy").and_then(Value::as_str),
                service: None,
                provider: w.provider,
                td: &w.td,
            });
        }
        out
    }

    /// Keeps the records of the tasks waiting in PROVISIONING that `which` picks as STOPPED
    /// from now, with `stop_code` and `stopped_reason`; the caller then takes them out of
    /// their queues.
    fn keep_stopped_records(
        &mut self,
        which: impl Fn(&ProvisioningTask) -> bool,
        stop_code: &'static str,
        stopped_reason: &str,
    ) {
        let now = self.now();
        let stopped: Vec<StoppedProvisioningTask> = self
            .provisioning_task_records()
            .iter()
            .filter(|w| which(w))
            .map(|w| w.stopped(now, stop_code, stopped_reason))
            .collect();
        if self.events_wanted() {
            for r in &stopped {
                let detail = self.describe_stopped_provisioning_task(r);
                self.announce_task_record(detail);
            }
        }
        self.stopped_provisioning.extend(stopped);
    }

    /// Task `id` was created PROVISIONING (by RunTask or the service scheduler, or in place
    /// of one a deployment replaced): EventBridge hears of it.
    pub(crate) fn announce_provisioning_task(&mut self, id: &str) {
        if !self.events_wanted() {
            return;
        }
        let detail = self
            .provisioning_task_records()
            .iter()
            .find(|w| w.id == id)
            .map(|w| self.describe_provisioning_task(w));
        if let Some(detail) = detail {
            self.announce_task_record(detail);
        }
    }

    /// An ECS Task State Change for a task record that no instance holds (9.1: they fire on
    /// RunTask, StopTask and the scheduler's starts and stops, the detail mirroring the task).
    fn announce_task_record(&mut self, detail: Value) {
        let resources = vec![detail["taskArn"].as_str().unwrap_or_default().to_string()];
        self.put_event(crate::eventbridge::Event {
            source: "aws.ecs".to_string(),
            detail_type: "ECS Task State Change".to_string(),
            resources,
            detail,
        });
    }

    /// StopTask of a task waiting in PROVISIONING (`task`: its ID or ARN, in `cluster`, with
    /// `reason`): it leaves the queue, STOPPED with `UserInitiated`; its ID and its service,
    /// if it had one.
    pub(crate) fn stop_provisioning_task(
        &mut self,
        task: &str,
        cluster: &str,
        reason: &str,
    ) -> Option<(String, Option<usize>)> {
        let id = task.rsplit('/').next().unwrap_or(task);
        self.keep_stopped_records(
            |w| w.id == id && w.cluster == cluster,
            "UserInitiated",
            reason,
        );
        for (s, svc) in self.services.iter_mut().enumerate() {
            if svc.cluster != cluster {
                continue;
            }
            for waiting in &mut svc.waiting {
                if let Some(k) = waiting.iter().position(|w| w.id.as_deref() == Some(id)) {
                    waiting.remove(k);
                    return Some((id.to_string(), Some(s)));
                }
            }
        }
        let k = self
            .run_task_waits
            .iter()
            .position(|w| w.id == id && w.cluster == cluster)?;
        self.run_task_waits.remove(k);
        Some((id.to_string(), None))
    }

    /// Whether task `task` (its ID or ARN) of `cluster` stopped while it waited in
    /// PROVISIONING: DescribeTasks returns it, STOPPED.
    pub(crate) fn stopped_while_provisioning(&self, task: &str, cluster: &str) -> bool {
        let id = task.rsplit('/').next().unwrap_or(task);
        self.stopped_provisioning
            .iter()
            .any(|r| r.id == id && r.cluster == cluster)
    }

    /// Starts `missing` tasks of service `s` through its capacity provider strategy.
    pub(crate) fn start_replicas_on_providers(&mut self, s: usize, missing: usize) {
        let Some(capacity) = self.services[s].capacity.clone() else {
            return;
        };
        let mut counts = self.provider_counts(s);
        for (c, w) in counts.iter_mut().zip(&self.services[s].waiting) {
            *c += w.len() as u32;
        }
        let mut started = Vec::new();
        let mut blocked = vec![false; counts.len()];
        let mut over_quota = false;
        for _ in 0..missing {
            let item = capacity.strategy.next_item(&counts);
            counts[item] += 1;
            let p = capacity.providers[item];
            if !blocked[item] {
                if let Some(id) = self.launch_on_provider(s, p, None) {
                    started.push(id);
                    continue;
                }
                blocked[item] = true;
            }
            if self.may_wait_in_provisioning(s, p) {
                let task = self.new_waiting_task(p);
                let id = task.id.clone();
                self.services[s].waiting[item].push(task);
                if let Some(id) = id {
                    self.announce_provisioning_task(&id);
                }
            } else {
                over_quota = true;
            }
        }
        self.report_started(s, &started);
        if over_quota {
            self.report_provisioning_quota(s);
        }
        // Managed Instances launch what the waiting tasks need.
        for (item, &p) in capacity.providers.iter().enumerate() {
            if blocked[item] && self.capacity.providers[p].managed_instances().is_some() {
                self.provision_managed_instances(p);
            }
        }
    }

    /// Service `s` adopted a new deployment: its tasks waiting in PROVISIONING for an
    /// instance provider were created for the deployment it replaces, and a task record keeps
    /// its revision and `startedBy`. They stop, and as many tasks of the new deployment wait
    /// in their place, with new IDs, created now (the scheduler counts the waiting tasks as
    /// the primary deployment's). Tasks waiting for Fargate have no record yet.
    pub(crate) fn renew_waiting_tasks(&mut self, s: usize) {
        let cause = format!(
            "ServiceSchedulerInitiated: {}",
            replaced_by(&self.services[s].deployment_id)
        );
        for item in 0..self.services[s].waiting.len() {
            for k in 0..self.services[s].waiting[item].len() {
                let Some(old) = self.services[s].waiting[item][k].id.clone() else {
                    continue;
                };
                let new = self.new_task_id();
                let now = self.now();
                let task = &mut self.services[s].waiting[item][k];
                task.id = Some(new.clone());
                task.created_at = now;
                // The new record waits its own provisioningTimeoutMinutes.
                if let Some(c) = &self.services[s].capacity {
                    self.schedule_provisioning_timeout(c.providers[item]);
                }
                self.log_provisioning_stop(
                    s,
                    &old,
                    &cause,
                    &format!("; task {new} waits in its place"),
                );
                self.announce_provisioning_task(&new);
            }
        }
    }

    /// Service `s` is about to adopt deployment `id`: the records of its tasks waiting in
    /// PROVISIONING, still of the deployment it replaces, stop ([`Self::renew_waiting_tasks`]
    /// then creates the new deployment's in their place).
    pub(crate) fn stop_records_replaced_by(&mut self, s: usize, id: &str) {
        self.keep_stopped_records(
            |w| w.service == Some(s),
            "ServiceSchedulerInitiated",
            &replaced_by(id),
        );
    }

    /// Logs that task `id` of service `s` stopped while it waited in PROVISIONING (`cause`:
    /// its stop code and reason), followed by `then` as written.
    fn log_provisioning_stop(&mut self, s: usize, id: &str, cause: &str, then: &str) {
        let name = self.services[s].name.clone();
        let msg = format!("task {id} of service {name} STOPPED while PROVISIONING ({cause}){then}");
        self.log
            .push(self.now(), EventKind::TaskStateChange, msg)
            .service(&name)
            .task(id);
    }

    /// Service `s`'s capacity provider strategy changed to one of `items` items: its tasks
    /// waiting for the old strategy's providers leave their queues (the scheduler starts them
    /// again through the new one, with new IDs), and those waiting in PROVISIONING stop.
    pub(crate) fn reset_waiting_tasks(&mut self, s: usize, items: usize) {
        self.keep_stopped_records(
            |w| w.service == Some(s),
            "ServiceSchedulerInitiated",
            STRATEGY_CHANGED,
        );
        let old = std::mem::replace(&mut self.services[s].waiting, vec![Vec::new(); items]);
        for id in old.into_iter().flatten().filter_map(|w| w.id) {
            self.log_provisioning_stop(
                s,
                &id,
                &format!("ServiceSchedulerInitiated: {STRATEGY_CHANGED}"),
                "",
            );
        }
    }

    /// A task that waits for provider `p` from now: a PROVISIONING task with its ID for an
    /// instance provider, none for Fargate (see the module doc).
    fn new_waiting_task(&mut self, p: usize) -> WaitingTask {
        let fargate = self.capacity.providers[p].is_fargate();
        if !fargate {
            self.schedule_provisioning_timeout(p);
        }
        WaitingTask {
            id: (!fargate).then(|| self.new_task_id()),
            created_at: self.now(),
        }
    }

    /// A task starts waiting for provider `p` now: it times out after
    /// `options.capacity.provisioningTimeoutMinutes`.
    pub(crate) fn schedule_provisioning_timeout(&mut self, p: usize) {
        let minutes = u64::from(self.scenario.options.capacity.provisioning_timeout_minutes);
        let at = self.now().plus_secs(minutes * 60);
        self.schedule(at, Timer::ProvisioningTimeout(p));
    }

    /// Tasks that have waited in PROVISIONING for provider `p` longer than
    /// `provisioningTimeoutMinutes` stop: "provisioning tasks will wait for capacity for between
    /// 10 and 30 minutes before transitioning to stopped" (see
    /// [`super::CapacityOptions::provisioning_timeout_minutes`]). A service creates others in
    /// their place, which wait in their turn; a RunTask task is gone. The wording of the stop
    /// is the playground's [unconfirmed].
    pub(crate) fn provisioning_timeout(&mut self, p: usize) {
        let minutes = self.scenario.options.capacity.provisioning_timeout_minutes;
        let Some(since) = self.now().as_ms().checked_sub(u64::from(minutes) * 60_000) else {
            return;
        };
        let expired = |w: &WaitingTask| w.id.is_some() && w.created_at.as_ms() <= since;
        let name = self.capacity.providers[p].name.clone();
        let reason = format!("Task stopped: it waited {minutes} minutes in PROVISIONING for capacity from capacity provider {name}");
        self.keep_stopped_records(
            |w| w.provider == p && w.created_at.as_ms() <= since,
            "TaskFailedToStart",
            &reason,
        );
        let mut stopped: Vec<(String, Option<usize>)> = Vec::new();
        for (s, svc) in self.services.iter_mut().enumerate() {
            let Some(c) = &svc.capacity else { continue };
            for (&q, waiting) in c.providers.iter().zip(svc.waiting.iter_mut()) {
                if q != p {
                    continue;
                }
                for w in waiting.iter().filter(|w| expired(w)) {
                    stopped.extend(w.id.clone().map(|id| (id, Some(s))));
                }
                waiting.retain(|w| !expired(w));
            }
        }
        let (gone, kept): (Vec<StandaloneWait>, Vec<StandaloneWait>) =
            std::mem::take(&mut self.run_task_waits)
                .into_iter()
                .partition(|w| w.provider == p && w.created_at.as_ms() <= since);
        self.run_task_waits = kept;
        stopped.extend(gone.into_iter().map(|w| (w.id, None)));
        let mut services = Vec::new();
        for (id, s) in stopped {
            let msg = format!("task {id} STOPPED while PROVISIONING (TaskFailedToStart: {reason})");
            let entry = self
                .log
                .push(self.now(), EventKind::TaskStateChange, msg)
                .task(&id);
            if let Some(s) = s {
                entry.service(&self.services[s].name.clone());
                if !services.contains(&s) {
                    services.push(s);
                }
            }
        }
        for s in services {
            self.poke_service(s);
        }
    }

    /// Tasks of cluster `cluster` (its services' and RunTask's) waiting in PROVISIONING for
    /// an instance provider: what the quota "Tasks in the PROVISIONING state per cluster"
    /// counts (4.9; the playground counts only tasks waiting for instances [unconfirmed]).
    pub fn provisioning_tasks(&self, cluster: &str) -> u32 {
        let services: u32 = self
            .services
            .iter()
            .filter(|svc| svc.cluster == cluster)
            .filter_map(|svc| Some((svc.capacity.as_ref()?, &svc.waiting)))
            .flat_map(|(c, waiting)| c.providers.iter().zip(waiting))
            .filter(|(&p, _)| !self.capacity.providers[p].is_fargate())
            .map(|(_, w)| w.len() as u32)
            .sum();
        let task_sets: u32 = self
            .services
            .iter()
            .filter(|svc| svc.cluster == cluster)
            .map(|svc| svc.task_set_provisioning().map(|(_, _, w)| w).sum::<u32>())
            .sum();
        let run_tasks = self
            .run_task_waits
            .iter()
            .filter(|w| w.cluster == cluster)
            .count() as u32;
        services + task_sets + run_tasks
    }

    /// Whether a task of service `s` may wait for provider `p`: Fargate waits always; an Auto
    /// Scaling group provider while the cluster is under
    /// `options.capacity.provisioningTasksPerCluster`.
    fn may_wait_in_provisioning(&self, s: usize, p: usize) -> bool {
        self.capacity.providers[p].is_fargate()
            || self.provisioning_tasks(&self.services[s].cluster)
                < self.scenario.options.capacity.provisioning_quota
    }

    /// A service that could not add a task to PROVISIONING because the cluster is at its
    /// quota: an event (not repeated while it stays the same) and a retry in a minute. The
    /// wording is the playground's [unconfirmed].
    fn report_provisioning_quota(&mut self, s: usize) {
        let quota = self.scenario.options.capacity.provisioning_quota;
        let svc = &self.services[s];
        let msg = format!(
            "(service {}) was unable to place a task because cluster {} already has {quota} tasks in the PROVISIONING state (quota: Tasks in the PROVISIONING state per cluster)",
            svc.name, svc.cluster
        );
        let repeat = svc.last_failure.as_ref().is_none_or(|(m, _)| *m != msg);
        if repeat {
            self.services[s].last_failure = Some((msg.clone(), self.now()));
            self.service_event(s, msg);
        }
        self.services[s].steady = false;
        let retry = self.now().plus_ms(crate::task::PLACEMENT_RETRY_MS);
        self.schedule_service_tick(s, retry);
    }

    /// Active tasks of service `s` per item of its capacity provider strategy (empty without
    /// one).
    pub(crate) fn provider_counts(&self, s: usize) -> Vec<u32> {
        let Some(capacity) = &self.services[s].capacity else {
            return Vec::new();
        };
        let live = self.service_tasks.get(s).map(Vec::as_slice).unwrap_or(&[]);
        // A task set's strategy splits its own tasks (crate::task_set).
        let svc = &self.services[s];
        let task_set = svc
            .starting_for
            .filter(|&d| svc.deployments.get(d).is_some_and(|x| x.task_set.is_some()));
        capacity
            .providers
            .iter()
            .map(|&p| {
                live.iter()
                    .filter(|&&t| {
                        self.tasks[t].is_active()
                            && self.tasks[t].capacity_provider == Some(p)
                            && task_set.is_none_or(|d| self.tasks[t].deployment == Some(d))
                    })
                    .count() as u32
            })
            .collect()
    }

    /// Starts one task of `s` on provider `p` (`waiting`, when it waited), or records why it
    /// waits (`None`).
    fn launch_on_provider(
        &mut self,
        s: usize,
        p: usize,
        waiting: Option<&WaitingTask>,
    ) -> Option<String> {
        if self.capacity.providers[p].is_fargate() {
            return match self.fargate_launch(s, p) {
                Ok(id) => Some(id),
                Err(wait) => {
                    self.report_fargate_wait(s, p, wait);
                    None
                }
            };
        }
        let explain = self.probing_placement();
        let req = self.services[s].placement_request(Some(p));
        let (decision, explanation) =
            self.placer
                .place(&mut self.cluster, &req, &mut self.rng_placement, explain);
        self.keep_probed(&decision, explanation);
        match decision {
            Decision::Placed(slot) => Some(self.start_service_task_as(s, slot, Some(p), waiting)),
            Decision::Unplaceable { closest } => {
                let name = self.services[s].name.clone();
                let why = match closest {
                    None if self.capacity.providers[p].managed_instances().is_some() => {
                        "none of its instances is registered yet; Amazon ECS Managed Instances launches them".to_string()
                    }
                    None => "the Auto Scaling group has no instance registered yet".to_string(),
                    Some((slot, r)) => format!(
                        "the closest instance {} lacks {}",
                        self.cluster.instances[slot].ec2_instance_id,
                        r.reason_code()
                    ),
                };
                let msg = format!(
                    "task of service {name} waits in PROVISIONING for capacity from capacity provider {}: {why}",
                    self.capacity.providers[p].name
                );
                let waiting_before = self.services[s].waiting_total();
                if waiting_before == 0 {
                    self.log
                        .push(self.now(), EventKind::Capacity, msg)
                        .service(&name);
                }
                None
            }
        }
    }

    fn report_fargate_wait(&mut self, s: usize, p: usize, wait: FargateWait) {
        let name = self.services[s].name.clone();
        match wait {
            FargateWait::RateLimited(at) => self.retry_fargate_at(at, p),
            FargateWait::NoSpotCapacity | FargateWait::NoZone => {
                let msg = format!(
                    "(service {name}) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone. (RESOURCE:FARGATE on {})",
                    self.capacity.providers[p].name
                );
                let repeat = self.services[s]
                    .last_failure
                    .as_ref()
                    .is_none_or(|(m, _)| *m != msg);
                if repeat {
                    self.services[s].last_failure = Some((msg.clone(), self.now()));
                    self.service_event(s, msg);
                    let arn = self.capacity.providers[p].arn();
                    let extra = serde_json::json!({"reason": "RESOURCE:FARGATE", "capacityProviderArns": [arn]});
                    self.service_action(s, "ERROR", "SERVICE_TASK_PLACEMENT_FAILURE", extra);
                }
                // Look again in a minute, as the scheduler does after a failed placement.
                let retry = self.now().plus_ms(crate::task::PLACEMENT_RETRY_MS);
                self.schedule_provider_tick(p, retry);
            }
        }
    }

    /// Sets a ProviderTick for provider `p` now if a service waits for it, unless one is set.
    pub(crate) fn poke_provider(&mut self, p: usize) {
        let waiting = self.services.iter().any(|svc| {
            svc.capacity.as_ref().is_some_and(|c| {
                c.providers
                    .iter()
                    .zip(&svc.waiting)
                    .any(|(&q, w)| q == p && !w.is_empty())
            })
        });
        let standalone = self.run_task_waits.iter().any(|w| w.provider == p);
        let task_sets = self
            .services
            .iter()
            .any(|svc| svc.task_set_provisioning().any(|&(q, _, _)| q == p));
        if waiting || standalone || task_sets {
            self.schedule_provider_tick(p, self.now());
        }
    }

    /// Tries again to start the tasks waiting for provider `p`, oldest service first, until
    /// one cannot start.
    pub(crate) fn provider_tick(&mut self, p: usize) {
        self.refresh_daemon_holds();
        for s in 0..self.services.len() {
            let Some(item) = self.services[s]
                .capacity
                .as_ref()
                .and_then(|c| c.providers.iter().position(|&q| q == p))
            else {
                continue;
            };
            let n = self.services[s].waiting[item].len();
            let mut started = Vec::new();
            // Oldest first.
            for _ in 0..n {
                let task = self.services[s].waiting[item].remove(0);
                match self.launch_on_provider(s, p, Some(&task)) {
                    Some(id) => started.push(id),
                    None => {
                        self.services[s].waiting[item].insert(0, task);
                        break;
                    }
                }
            }
            self.report_started(s, &started);
            if !started.is_empty() {
                self.poke_service(s);
            }
        }
        // Task sets with tasks waiting for this provider try again now.
        for s in 0..self.services.len() {
            if self.services[s]
                .task_set_provisioning()
                .any(|&(q, _, _)| q == p)
            {
                self.poke_service(s);
            }
        }
        self.place_run_task_waits(p);
        if self.capacity.providers[p].managed_instances().is_some() {
            self.provision_managed_instances(p);
        }
    }

    /// Cancels up to `n` waiting tasks of service `s` (scale-in takes them first, the newest
    /// of a provider first) and returns how many it cancelled.
    pub(crate) fn cancel_waiting(&mut self, s: usize, n: usize) -> usize {
        let mut cancelled = 0;
        while cancelled < n {
            let Some(c) = self.services[s].capacity.as_ref() else {
                break;
            };
            let waiting: Vec<u32> = self.services[s]
                .waiting
                .iter()
                .map(|w| w.len() as u32)
                .collect();
            let Some(item) = c.strategy.item_to_shrink(&waiting) else {
                break;
            };
            if let Some(id) = self.services[s].waiting[item]
                .last()
                .and_then(|w| w.id.clone())
            {
                let reason = format!(
                    "Scaling activity initiated by (deployment {})",
                    self.services[s].deployment_id
                );
                self.keep_stopped_records(|w| w.id == id, "ServiceSchedulerInitiated", &reason);
                self.log_provisioning_stop(
                    s,
                    &id,
                    &format!("ServiceSchedulerInitiated: {reason}"),
                    "",
                );
            }
            self.services[s].waiting[item].pop();
            cancelled += 1;
        }
        cancelled
    }

    /// Whether provider `p` launches capacity that a task of `td` with `needs` fits: managed
    /// scaling when the group's smallest type holds it (tasks larger are ignored by scaling,
    /// G30), Managed Instances when an eligible type does. A RunTask task waits for such a
    /// provider; otherwise it fails at once.
    pub(crate) fn provider_launches_for(
        &self,
        p: usize,
        needs: &TaskNeeds,
        td: &crate::task_definition::ValidTaskDefinition,
    ) -> bool {
        let cp = &self.capacity.providers[p];
        if let Some(mi) = cp.managed_instances() {
            return super::managed_instances::choose_instances(
                needs,
                1,
                1,
                &td.cpu_architecture,
                mi.requirements.as_ref(),
                0,
            )
            .is_some();
        }
        match (cp.managed_scaling(), cp.group()) {
            (Some(_), Some(g)) => {
                let (smallest, _) = self.groups[g].spec.smallest_and_largest();
                super::managed_scaling::tasks_per_instance(needs, smallest, 0, false) > 0
            }
            _ => false,
        }
    }

    /// Places the RunTask tasks waiting for provider `p`, oldest first; one that does not fit
    /// yet stays, and the next one tries.
    pub(crate) fn place_run_task_waits(&mut self, p: usize) {
        let mut i = 0;
        while i < self.run_task_waits.len() {
            if self.run_task_waits[i].provider != p {
                i += 1;
                continue;
            }
            let w = self.run_task_waits[i].clone();
            let req = crate::placement::PlacementRequest {
                cluster: &w.cluster,
                group: &w.group,
                needs: &w.needs,
                constraints: &w.constraints,
                strategies: &w.strategies,
                capacity_provider: Some(p),
            };
            let explain = self.probing_placement();
            let (decision, explanation) =
                self.placer
                    .place(&mut self.cluster, &req, &mut self.rng_placement, explain);
            self.keep_probed(&decision, explanation);
            // A wait that does not fit yet lets the next one try.
            let crate::placement::Decision::Placed(slot) = decision else {
                i += 1;
                continue;
            };
            self.run_task_waits.remove(i);
            let (mut started, mut siblings) = (Vec::new(), Vec::new());
            self.start_standalone_task(
                slot,
                &w.raw,
                (&w.cluster, &w.group, &w.family_revision),
                (&w.td, &w.needs, Some(p), &w.volume),
                (&mut started, &mut siblings),
                Some((w.id.clone(), w.created_at)),
            );
            let msg = format!(
                "RunTask {}: task {} leaves PROVISIONING on capacity provider {}'s new capacity",
                w.family_revision,
                started.join(", "),
                self.capacity.providers[p].name
            );
            self.log.push(self.now(), EventKind::RunTask, msg);
        }
    }

    /// The tasks waiting for provider `p`, grouped by what they need (6.4 step 1).
    pub(crate) fn waiting_for_provider(&self, p: usize) -> Vec<(TaskNeeds, u32)> {
        let mut out: Vec<(TaskNeeds, u32)> = Vec::new();
        // RunTask tasks waiting for the provider's new capacity.
        for w in self.run_task_waits.iter().filter(|w| w.provider == p) {
            match out.iter_mut().find(|(n, _)| *n == w.needs) {
                Some((_, count)) => *count += 1,
                None => out.push((w.needs.clone(), 1)),
            }
        }
        for svc in &self.services {
            let Some(c) = &svc.capacity else { continue };
            for (item, &q) in c.providers.iter().enumerate() {
                let w = svc.waiting[item].len() as u32;
                if q != p || w == 0 {
                    continue;
                }
                match out.iter_mut().find(|(n, _)| *n == svc.needs) {
                    Some((_, count)) => *count += w,
                    None => out.push((svc.needs.clone(), w)),
                }
            }
            for (_, needs, w) in svc.task_set_provisioning().filter(|&&(q, _, _)| q == p) {
                match out.iter_mut().find(|(n, _)| n == needs) {
                    Some((_, count)) => *count += *w,
                    None => out.push((needs.clone(), *w)),
                }
            }
        }
        out
    }
}
