//! Why a task that is already placed went where it went.
//!
//! The scheduler places tasks without explaining them (explaining every instance on every
//! placement would cost most of the pipeline's speed). The run is deterministic, so the
//! explanation is recovered on demand: a fresh [`Simulation`] of the same scenario replays the
//! run with a [`PlacementProbe`] on the task's creation, and that one placement goes through
//! the explaining pipeline. The explaining and the fast pipeline choose the same instance and
//! draw the same random numbers (a property test in `placement` checks it), so the replay
//! makes the very decision the run made, and every instance is judged as it stood then.

use super::explain::Explanation;
use super::Decision;
use crate::service::SchedulingStrategy;
use crate::sim::Simulation;
use crate::time::SimTime;

/// Which placement to explain during a replay, and its explanation once made.
#[derive(Debug, Clone)]
pub(crate) struct PlacementProbe {
    /// The index the task will have in the simulation's task list (tasks are never removed,
    /// so the placement that creates task `k` is the one made while there are `k` tasks).
    task: usize,
    explanation: Option<Explanation>,
}

/// A placed task's explanation: when the decision was made and how every instance fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPlacement {
    /// The task id.
    pub task_id: String,
    /// When it was placed (its `createdAt`).
    pub at: SimTime,
    /// The instance it was placed on.
    pub instance_id: String,
    /// The pipeline's verdict on every instance of the cluster at that moment.
    pub explanation: Explanation,
}

impl Simulation {
    /// Whether the next placement is the probed one: it then runs with explanations.
    pub(crate) fn probing_placement(&self) -> bool {
        self.placement_probe
            .as_ref()
            .is_some_and(|p| p.explanation.is_none() && p.task == self.tasks.len())
    }

    /// Keeps the explanation of the probed placement, if this was it and it placed the task.
    pub(crate) fn keep_probed(&mut self, decision: &Decision, explanation: Option<Explanation>) {
        let next_task = self.tasks.len();
        if let (Decision::Placed(_), Some(e), Some(probe)) =
            (decision, explanation, self.placement_probe.as_mut())
        {
            if probe.explanation.is_none() && probe.task == next_task {
                probe.explanation = Some(e);
            }
        }
    }

    /// Explains why task `task_id` (its id, or the first characters of it as the console and
    /// the task chips show them) was placed on its instance: the run replayed from the start
    /// to the moment the task was created, with that placement explained. Tasks that no
    /// placement decision put where they are (Fargate, daemon tasks) get a message saying so.
    pub fn explain_task_placement(&self, task_id: &str) -> Result<TaskPlacement, String> {
        let k = self.task_by_id(task_id).map_err(|e| {
            let key = task_id.rsplit('/').next().unwrap_or(task_id);
            let records = self.provisioning_task_records();
            let stopped = self
                .stopped_provisioning
                .iter()
                .find(|r| !key.is_empty() && r.id.starts_with(key));
            match (records.iter().find(|w| !key.is_empty() && w.id.starts_with(key)), stopped) {
                (Some(w), _) => format!(
                    "task {} is PROVISIONING: ECS created it at {} and it waits for capacity from capacity provider {}; no instance has room for it yet, so no placement decision has been taken",
                    w.id, w.created_at, self.capacity.providers[w.provider].name
                ),
                (None, Some(r)) => format!(
                    "task {} STOPPED at {} while PROVISIONING ({}: {}): ECS created it at {} to wait for capacity from capacity provider {}, and no instance had room for it before it stopped, so it was never placed",
                    r.id, r.stopped_at, r.stop_code, r.stopped_reason, r.created_at, self.capacity.providers[r.provider].name
                ),
                (None, None) => e,
            }
        })?;
        let task = &self.tasks[k];
        let task_id = task.id.as_str();
        let instance = &self.cluster.instances[task.reservation.slot];
        if instance.fargate {
            return Err(format!(
                "task {task_id} runs on Fargate: Fargate takes no placement decision (it spreads tasks across the subnets' Availability Zones)"
            ));
        }
        if let Some(s) = task.service {
            if self.services[s].scheduling == SchedulingStrategy::Daemon {
                return Err(format!(
                    "task {task_id} belongs to the DAEMON service {}: the daemon scheduler places one task on each active container instance, with no placement strategy",
                    self.services[s].name
                ));
            }
        }
        let mut replay = Simulation::new(self.scenario.clone());
        replay.placement_probe = Some(PlacementProbe {
            task: k,
            explanation: None,
        });
        while replay.tasks.len() <= k && replay.now() <= task.placed_at {
            if replay.step().is_none() {
                break;
            }
        }
        let explanation = replay
            .placement_probe
            .take()
            .and_then(|p| p.explanation)
            .filter(|_| replay.tasks.get(k).is_some_and(|t| t.id == task_id))
            .ok_or_else(|| {
                format!("task {task_id} was not placed by the placement pipeline in a replay of this run")
            })?;
        Ok(TaskPlacement {
            task_id: task_id.to_string(),
            at: task.placed_at,
            instance_id: instance.ec2_instance_id.clone(),
            explanation,
        })
    }
}
