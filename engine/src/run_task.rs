//! RunTask (3.3, 3.8): up to 10 standalone tasks placed one after another, with `failures[]`
//! for those that could not be placed. Without a strategy, RunTask places randomly (3.3).
//! Through a capacity provider that launches capacity (managed scaling, Managed Instances), a
//! task with no room waits in PROVISIONING instead of failing, counts in the provider's `M`
//! (6.4: "the provider's PROVISIONING tasks"), and starts once an instance has room
//! ([`crate::capacity_provider::provisioning::StandaloneWait`]: the task exists, PROVISIONING,
//! from the call on, and stops after `options.capacity.provisioningTimeoutMinutes`).

use serde::Serialize;
use serde_json::Value;

use crate::event_log::EventKind;
use crate::placement::reserve::reserve;
use crate::placement::strategy::Strategy;
use crate::placement::{parse_placement, Decision, PlacementRequest};
use crate::request::cluster_name;
use crate::revisions::Revisions;
use crate::sim::{Simulation, Timer};
use crate::task::Task;
use crate::time::parse_duration_ms;

/// Tasks per RunTask call (4.9).
pub const MAX_RUN_TASK_COUNT: u64 = 10;

/// A `runTasks[]` or `startTasks[]` entry: when the call is made, and the request.
#[derive(Debug, Clone)]
pub struct RunTaskRequest {
    /// Simulated time of the call.
    pub at_ms: u64,
    /// The request body.
    pub raw: Value,
    /// A StartTask call (on the instances it names) rather than a RunTask call.
    pub start: bool,
    /// `runTasks[i]` or `startTasks[i]`, for messages.
    pub path: String,
}

/// Container instances one StartTask call may name (4.9).
pub const MAX_START_TASK_INSTANCES: usize = 10;

/// A `failures[]` entry of RunTask (3.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunTaskFailure {
    /// The closest matching container instance's ARN, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `RESOURCE:MEMORY`, `AGENT`, ...
    pub reason: String,
    /// A readable detail.
    pub detail: String,
}

impl Simulation {
    /// Sets a timer for every `runTasks[]` and `startTasks[]` entry; malformed ones are logged
    /// and skipped.
    pub(crate) fn schedule_run_tasks(&mut self) {
        let calls = self
            .scenario
            .run_tasks
            .iter()
            .enumerate()
            .map(|(i, raw)| (format!("runTasks[{i}]"), raw.clone(), false))
            .chain(
                self.scenario
                    .start_tasks
                    .iter()
                    .enumerate()
                    .map(|(i, raw)| (format!("startTasks[{i}]"), raw.clone(), true)),
            )
            .collect::<Vec<_>>();
        for (path, raw, start) in calls {
            let at_ms = match raw.get("at") {
                None => Ok(0),
                Some(v) => parse_duration_ms(v),
            };
            match at_ms {
                Ok(at_ms) => {
                    self.run_tasks.push(RunTaskRequest {
                        at_ms,
                        raw,
                        start,
                        path,
                    });
                    self.schedule(
                        crate::time::SimTime(at_ms),
                        Timer::RunTask(self.run_tasks.len() - 1),
                    );
                }
                Err(e) => {
                    self.log
                        .push(self.now(), EventKind::Scenario, format!("{path}.at: {e}"));
                }
            }
        }
    }

    /// Makes RunTask or StartTask call `i`.
    pub(crate) fn run_task(&mut self, i: usize) {
        let call = self.run_tasks[i].clone();
        let (api, result) = if call.start {
            ("StartTask", self.start_task_request(&call.raw))
        } else {
            ("RunTask", self.run_task_request(&call.raw))
        };
        if let Err(e) = result {
            self.log.push(
                self.now(),
                EventKind::RunTask,
                format!("{api} failed: {}.{e}", call.path),
            );
        }
    }

    /// Makes a RunTask call (a scenario's, or an EventBridge target's).
    pub(crate) fn run_task_request(&mut self, raw: &Value) -> Result<(), String> {
        self.refresh_daemon_holds();
        self.launch_tasks(raw, None)
    }

    /// Makes a StartTask call: one task on each container instance `containerInstances`
    /// names (ARNs, container-instance IDs or EC2 instance IDs; 1 to 10), without placement.
    /// Each instance that is missing (MISSING), deregistered (INACTIVE), disconnected
    /// (AGENT) or short of a resource (`RESOURCE:*`) gives a failure (2.6, 3.8).
    pub(crate) fn start_task_request(&mut self, raw: &Value) -> Result<(), String> {
        let targets: Vec<String> = match raw.get("containerInstances") {
            Some(Value::Array(list)) if (1..=MAX_START_TASK_INSTANCES).contains(&list.len()) => list
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or("containerInstances: must be a list of container instance ARNs or IDs")?,
            _ => {
                return Err(format!(
                    "containerInstances: required, 1 to {MAX_START_TASK_INSTANCES} container instance ARNs or IDs"
                ))
            }
        };
        self.launch_tasks(raw, Some(&targets))
    }

    /// Where StartTask's task for `target` goes: the instance's slot, or the failure.
    fn start_task_target(
        &self,
        target: &str,
        cluster: &str,
        needs: &crate::placement::TaskNeeds,
    ) -> Result<usize, RunTaskFailure> {
        let failure = |arn: String, reason: &str, detail: String| RunTaskFailure {
            arn: Some(arn),
            reason: reason.to_string(),
            detail,
        };
        let Some(slot) = self.cluster.find_target(target).filter(|&s| {
            self.cluster.instances[s].cluster == cluster && !self.cluster.instances[s].fargate
        }) else {
            return Err(failure(
                target.to_string(),
                "MISSING",
                format!("No container instance {target} in cluster {cluster}."),
            ));
        };
        let inst = &self.cluster.instances[slot];
        if inst.status == crate::container_instance::InstanceStatus::Inactive {
            return Err(failure(
                inst.arn.clone(),
                "INACTIVE",
                format!(
                    "Container instance {} was deregistered.",
                    inst.ec2_instance_id
                ),
            ));
        }
        if !inst.agent_connected {
            return Err(failure(
                inst.arn.clone(),
                "AGENT",
                format!("The ECS agent on {} is disconnected.", inst.ec2_instance_id),
            ));
        }
        crate::placement::filter::resources::check_resources(inst, needs)
            .map(|()| slot)
            .map_err(|(_, r)| failure(inst.arn.clone(), r.reason_code(), r.describe()))
    }

    /// Creates a standalone task of `td` on `slot` for a RunTask or StartTask request `raw`:
    /// its resources are reserved, it starts PROVISIONING, and its ID joins `started`. `made`:
    /// the ID and `createdAt` of a task that waited for capacity.
    #[allow(clippy::type_complexity)]
    pub(crate) fn start_standalone_task(
        &mut self,
        slot: usize,
        raw: &Value,
        (cluster, group, family_revision): (&str, &str, &str),
        (td, needs, provider, volume): (
            &std::rc::Rc<crate::task_definition::ValidTaskDefinition>,
            &crate::placement::TaskNeeds,
            Option<usize>,
            &Option<std::rc::Rc<crate::ebs_volume::VolumeConfig>>,
        ),
        (started, siblings): (&mut Vec<String>, &mut Vec<usize>),
        made: Option<(String, crate::time::SimTime)>,
    ) {
        let group_id = self.cluster.group_id(group);
        let reservation = reserve(
            &mut self.cluster,
            slot,
            group_id,
            needs,
            &mut self.host_ports,
        );
        // A task that waited in PROVISIONING keeps the ID and `createdAt` it was given then.
        let (id, created_at) = match made {
            Some(made) => made,
            None => (self.new_task_id(), self.now()),
        };
        let instance = self.cluster.instances[slot].ec2_instance_id.clone();
        self.add_task(Task {
            group: group.to_string(),
            started_by: raw
                .get("startedBy")
                .and_then(Value::as_str)
                .map(str::to_string),
            capacity_provider: provider,
            overrides: raw
                .get("overrides")
                .filter(|o| o.is_object())
                .map(|o| std::rc::Rc::new(o.clone())),
            volume: volume.clone(),
            tags: crate::tags::task_tags(raw, td, cluster, None),
            execute_command: raw.get("enableExecuteCommand") == Some(&Value::Bool(true)),
            platform_version: raw
                .get("platformVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
            ..Task::provisioning(
                id.clone(),
                cluster.to_string(),
                Revisions::arn(family_revision),
                reservation,
                td.clone(),
                created_at,
            )
        });
        siblings.push(self.tasks.len() - 1);
        self.log
            .push(
                self.now(),
                EventKind::TaskPlaced,
                format!("task {id} ({group}) placed on {instance}"),
            )
            .task(&id)
            .instance(&instance);
        started.push(id);
    }

    /// RunTask (`targets` None: `count` tasks placed by the strategies) or StartTask (one
    /// task on each of `targets`).
    fn launch_tasks(&mut self, raw: &Value, targets: Option<&[String]>) -> Result<(), String> {
        let (family_revision, td) =
            self.launchable_task_definition(raw, "InvalidParameterException")?;
        // What this call's tasks run: the task definition with the request's overrides.
        let td = crate::task_override::apply(raw, &td)?;
        if let Some(error) = self.unassumable_task_role(&td) {
            return Err(format!("taskDefinition: ClientException: {error}"));
        }
        crate::execute_command::check_task_role(
            crate::execute_command::requested(raw)?.unwrap_or(false),
            &td,
            crate::execute_command::Request::RunTask,
        )?;
        let count = match (targets, raw.get("count")) {
            (Some(t), _) => t.len() as u64,
            (None, None) => 1,
            (None, Some(v)) => v
                .as_u64()
                .filter(|n| (1..=MAX_RUN_TASK_COUNT).contains(n))
                .ok_or("count: must be 1 to 10")?,
        };
        let cluster = cluster_name(raw);
        self.capacity
            .check_cluster(&cluster)
            .map_err(|e| format!("cluster: {e}"))?;
        // StartTask runs on the named EC2 instances: no launch type or strategy.
        let capacity = match targets {
            Some(_) => None,
            None => self.capacity.for_request(raw, &cluster)?,
        };
        let fargate = self.capacity.runs_on_fargate(capacity.as_ref());
        if fargate {
            crate::fargate::check_fargate_request(raw, &td)?;
        }
        crate::fargate::check_platform_version(raw, &td, fargate)?;
        if self.capacity.runs_on_managed_instances(capacity.as_ref()) {
            crate::capacity_provider::managed_instances::check_request(raw, &td)?;
        }
        let group = raw
            .get("group")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map_or_else(|| format!("family:{}", td.family), str::to_string);
        let (constraints, mut strategies) = parse_placement(raw, &td)?;
        let managed = self.capacity.runs_on_managed_instances(capacity.as_ref());
        if managed {
            strategies = crate::capacity_provider::managed_instances::placement_strategies();
        } else if strategies.is_empty() {
            strategies.push(Strategy::Random);
        }
        let subnets = crate::request::awsvpc_subnets(raw, &td)?;
        crate::tags::check_request(raw, false)?;
        let mut needs = self.task_needs(&td, &subnets);
        let volume = crate::ebs_volume::parse(
            raw,
            &td,
            crate::ebs_volume::VolumeFacts {
                service: false,
                daemon: false,
                controller: None,
                fargate,
                external: crate::request::is_external(raw),
                platform_version: raw.get("platformVersion").and_then(Value::as_str),
            },
            &self.scenario.ebs_snapshots,
        )?
        .map(std::rc::Rc::new);
        if volume.is_some() && !fargate {
            needs
                .required_attributes
                .push(crate::ebs_volume::EBS_CAPABILITY.to_string());
        }
        let mut started = Vec::new();
        let mut failed = Vec::new();
        let mut counts = vec![0u32; capacity.as_ref().map_or(0, |c| c.providers.len())];
        let mut siblings = Vec::new();
        // Managed Instances providers with tasks of this call waiting for capacity.
        let mut waiting: Vec<usize> = Vec::new();
        let standalone_before = self.run_task_waits.len();
        for k in 0..count as usize {
            if let Some(targets) = targets {
                match self.start_task_target(&targets[k], &cluster, &needs) {
                    Ok(slot) => {
                        self.start_standalone_task(
                            slot,
                            raw,
                            (&cluster, &group, &family_revision),
                            (&td, &needs, None, &volume),
                            (&mut started, &mut siblings),
                            None,
                        );
                    }
                    Err(failure) => {
                        failed.push(failure.reason.clone());
                        self.failures.push(failure);
                    }
                }
                continue;
            }
            // Which provider this task goes to (6.2), if any.
            let provider = capacity.as_ref().map(|c| {
                let item = c.strategy.next_item(&counts);
                counts[item] += 1;
                c.providers[item]
            });
            let decision = match provider {
                Some(p) if self.capacity.providers[p].is_fargate() => {
                    let counts = self.tasks_per_zone(&siblings);
                    match self.fargate_host(
                        &cluster,
                        &td,
                        subnets.as_deref().unwrap_or(&[]),
                        &counts,
                        p,
                    ) {
                        Ok(slot) => Decision::Placed(slot),
                        Err(_) => {
                            // [observed] wording of 3.8; RunTask does not wait or retry.
                            let failure = RunTaskFailure {
                                arn: None,
                                reason: "RESOURCE:FARGATE".to_string(),
                                detail: "Capacity is unavailable at this time. Please try again later or in a different availability zone".to_string(),
                            };
                            failed.push(failure.reason.clone());
                            self.failures.push(failure);
                            continue;
                        }
                    }
                }
                _ => {
                    let req = PlacementRequest {
                        cluster: &cluster,
                        group: &group,
                        needs: &needs,
                        constraints: &constraints,
                        strategies: &strategies,
                        capacity_provider: provider.or(crate::request::is_external(raw)
                            .then_some(crate::cluster::EXTERNAL_POOL as usize)),
                    };
                    let explain = self.probing_placement();
                    let (decision, explanation) = self.placer.place(
                        &mut self.cluster,
                        &req,
                        &mut self.rng_placement,
                        explain,
                    );
                    self.keep_probed(&decision, explanation);
                    decision
                }
            };
            match decision {
                Decision::Placed(slot) => self.start_standalone_task(
                    slot,
                    raw,
                    (&cluster, &group, &family_revision),
                    (&td, &needs, provider, &volume),
                    (&mut started, &mut siblings),
                    None,
                ),
                // A provider that launches capacity (Managed Instances, managed scaling)
                // does so for the task, which waits in PROVISIONING while the cluster is under
                // its quota of PROVISIONING tasks (4.9).
                Decision::Unplaceable { .. }
                    if provider.is_some_and(|p| self.provider_launches_for(p, &needs, &td))
                        && self.provisioning_tasks(&cluster)
                            < self.scenario.options.capacity.provisioning_quota =>
                {
                    let p = provider.expect("checked above");
                    let id = self.new_task_id();
                    self.schedule_provisioning_timeout(p);
                    self.run_task_waits.push(
                        crate::capacity_provider::provisioning::StandaloneWait {
                            raw: raw.clone(),
                            cluster: cluster.clone(),
                            group: group.clone(),
                            family_revision: family_revision.clone(),
                            td: td.clone(),
                            needs: needs.clone(),
                            constraints: constraints.clone(),
                            strategies: strategies.clone(),
                            volume: volume.clone(),
                            provider: p,
                            id: id.clone(),
                            created_at: self.now(),
                        },
                    );
                    self.announce_provisioning_task(&id);
                    if !waiting.contains(&p) {
                        waiting.push(p);
                    }
                }
                Decision::Unplaceable { closest } => {
                    let failure = match closest {
                        Some((slot, rejection)) => RunTaskFailure {
                            arn: Some(self.cluster.instances[slot].arn.clone()),
                            reason: rejection.reason_code().to_string(),
                            detail: rejection.describe(),
                        },
                        None => RunTaskFailure {
                            arn: None,
                            reason: "MISSING".to_string(),
                            detail: format!(
                                "No Container Instances were found in cluster {cluster}."
                            ),
                        },
                    };
                    failed.push(failure.reason.clone());
                    self.failures.push(failure);
                }
            }
        }
        let waited = self.run_task_waits.len().saturating_sub(standalone_before);
        for p in waiting {
            if self.capacity.providers[p].managed_instances().is_some() {
                self.provision_managed_instances(p);
            }
        }
        let api = if targets.is_some() {
            "StartTask"
        } else {
            "RunTask"
        };
        let mut msg = format!(
            "{api} {family_revision} count {count} in cluster {cluster}: {} started",
            started.len()
        );
        if waited > 0 {
            msg.push_str(&format!(", {waited} waiting in PROVISIONING for capacity"));
        }
        if !failed.is_empty() {
            msg.push_str(&format!(
                ", {} failed ({})",
                failed.len(),
                failed.join(", ")
            ));
        }
        self.log.push(self.now(), EventKind::RunTask, msg);
        Ok(())
    }
}
