//! RunTask (3.3, 3.8): up to 10 standalone tasks placed one after another, with `failures[]`
//! for those that could not be placed. Without a strategy, RunTask places randomly (3.3).

use serde::Serialize;
use serde_json::Value;

use crate::event_log::EventKind;
use crate::placement::reserve::reserve;
use crate::placement::strategy::Strategy;
use crate::placement::{parse_placement, Decision, PlacementRequest};
use crate::request::cluster_name;
use crate::revisions::Revisions;
use crate::sim::{Simulation, Timer};
use crate::task::{Task, TaskStatus};
use crate::time::parse_duration_ms;

/// Tasks per RunTask call (4.9).
pub const MAX_RUN_TASK_COUNT: u64 = 10;

/// A `runTasks[]` entry: when the call is made, and the RunTask request.
#[derive(Debug, Clone)]
pub struct RunTaskRequest {
    /// Simulated time of the call.
    pub at_ms: u64,
    /// The request body.
    pub raw: Value,
}

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
    /// Sets a timer for every `runTasks[]` entry; malformed ones are logged and skipped.
    pub(crate) fn schedule_run_tasks(&mut self) {
        for (i, raw) in self.scenario.run_tasks.clone().into_iter().enumerate() {
            let at_ms = match raw.get("at") {
                None => Ok(0),
                Some(v) => parse_duration_ms(v),
            };
            match at_ms {
                Ok(at_ms) => {
                    self.run_tasks.push(RunTaskRequest { at_ms, raw });
                    self.schedule(
                        crate::time::SimTime(at_ms),
                        Timer::RunTask(self.run_tasks.len() - 1),
                    );
                }
                Err(e) => {
                    self.log.push(
                        self.now(),
                        EventKind::Scenario,
                        format!("runTasks[{i}].at: {e}"),
                    );
                }
            }
        }
    }

    /// Makes RunTask call `i`.
    pub(crate) fn run_task(&mut self, i: usize) {
        let raw = self.run_tasks[i].raw.clone();
        if let Err(e) = self.run_task_request(&raw) {
            self.log.push(
                self.now(),
                EventKind::RunTask,
                format!("RunTask failed: runTasks[{i}].{e}"),
            );
        }
    }

    /// Makes a RunTask call (a scenario's, or an EventBridge target's).
    pub(crate) fn run_task_request(&mut self, raw: &Value) -> Result<(), String> {
        let (family_revision, td) = crate::request::task_definition(raw, &self.revisions)?;
        let count = match raw.get("count") {
            None => 1,
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=MAX_RUN_TASK_COUNT).contains(n))
                .ok_or("count: must be 1 to 10")?,
        };
        let cluster = cluster_name(raw);
        let capacity = self.capacity.for_request(raw, &cluster)?;
        let fargate = self.capacity.runs_on_fargate(capacity.as_ref());
        if fargate {
            crate::fargate::check_fargate_request(raw, &td)?;
        }
        let group = raw
            .get("group")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map_or_else(|| format!("family:{}", td.family), str::to_string);
        let (constraints, mut strategies) = parse_placement(raw, &td)?;
        if strategies.is_empty() {
            strategies.push(Strategy::Random);
        }
        let subnets = crate::request::awsvpc_subnets(raw, &td)?;
        let needs = self.task_needs(&td, &subnets);
        // overrides.containerOverrides[].environment (9.2: EventBridge passes them through).
        let mut env_overrides = Vec::new();
        for o in raw
            .pointer("/overrides/containerOverrides")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let container = o.get("name").and_then(Value::as_str).unwrap_or_default();
            for kv in o
                .get("environment")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if let (Some(n), Some(v)) = (
                    kv.get("name").and_then(Value::as_str),
                    kv.get("value").and_then(Value::as_str),
                ) {
                    env_overrides.push((container.to_string(), n.to_string(), v.to_string()));
                }
            }
        }
        let mut started = Vec::new();
        let mut failed = Vec::new();
        let mut counts = vec![0u32; capacity.as_ref().map_or(0, |c| c.providers.len())];
        let mut siblings = Vec::new();
        for _ in 0..count {
            // Which provider this task goes to (6.2), if any.
            let provider = capacity.as_ref().map(|c| {
                let item = c.strategy.next_item(&counts);
                counts[item] += 1;
                c.providers[item]
            });
            let decision = match provider {
                Some(p) if self.capacity.providers[p].is_fargate() => {
                    match self.fargate_host(
                        &cluster,
                        &td,
                        subnets.as_deref().unwrap_or(&[]),
                        &siblings,
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
                Decision::Placed(slot) => {
                    let group_id = self.cluster.group_id(&group);
                    let reservation = reserve(
                        &mut self.cluster,
                        slot,
                        group_id,
                        &needs,
                        &mut self.host_ports,
                    );
                    let id = self.new_task_id();
                    let instance = self.cluster.instances[slot].ec2_instance_id.clone();
                    self.add_task(Task {
                        id: id.clone(),
                        arn: String::new(),
                        cluster: cluster.clone(),
                        task_definition_arn: Revisions::arn(&family_revision),
                        group: group.clone(),
                        started_by: raw
                            .get("startedBy")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        service: None,
                        last_status: TaskStatus::Provisioning,
                        desired_status: TaskStatus::Running,
                        reservation,
                        containers: td.containers.iter().map(|c| c.name.clone()).collect(),
                        created_at: self.now(),
                        started_at: None,
                        stopped_at: None,
                        stop_code: None,
                        stopped_reason: None,
                        td: td.clone(),
                        exit_code: None,
                        container_reason: None,
                        unhealthy_at: None,
                        restarts: (0, None),
                        protected_until: None,
                        capacity_provider: provider,
                        env_overrides: env_overrides.clone(),
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
        let mut msg = format!(
            "RunTask {family_revision} count {count} in cluster {cluster}: {} started",
            started.len()
        );
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
