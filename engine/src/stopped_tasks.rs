//! Stopped tasks, newest first: what the console's task list shows with the filter "Desired
//! status: Stopped", where an engineer looks first for why a task stopped. Each row has the
//! task's `stopCode` (10.2), its `stoppedReason` and its essential container's exit code and
//! `reason` (10.3). Tasks placed on an instance and tasks that stopped while they waited in
//! PROVISIONING for capacity (never placed) are listed alike. AWS keeps stopped tasks visible
//! for at least an hour (10.1); the playground keeps them for the whole run.

use std::cmp::Reverse;

use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::time::SimTime;

/// A stopped task as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoppedTask {
    /// Its task ID.
    pub id: String,
    /// Its service (index), if any.
    pub service: Option<usize>,
    /// Its task group (`service:NAME`, `family:NAME` or a RunTask group).
    pub group: String,
    /// `family:revision`.
    pub task_definition: String,
    /// `stoppedAt`.
    pub stopped_at: SimTime,
    /// `stopCode`.
    pub stop_code: String,
    /// `stoppedReason`.
    pub stopped_reason: String,
    /// Its essential container's exit: `exit code 137 · OutOfMemoryError: …`, if it exited.
    pub exit: Option<String>,
    /// Whether it stopped while PROVISIONING, before any instance had room for it.
    pub never_placed: bool,
}

/// The list's order of a stopped task, newest first: `stoppedAt`, `createdAt`, then where its
/// record lies.
type Order = Reverse<(SimTime, SimTime, usize)>;

/// Where a stopped task's record lives.
#[derive(Clone, Copy)]
enum Source {
    /// `Simulation::tasks[index]`.
    Placed(usize),
    /// `Simulation::stopped_provisioning[index]`.
    Provisioning(usize),
}

impl Simulation {
    /// The number of stopped tasks (of service `service` when given), and the newest
    /// `limit` of them, newest first (ties: the one created last first, then the one whose
    /// record came last: placed tasks in creation order, then those that stopped while
    /// PROVISIONING in the order they stopped), so that the order is total.
    pub fn stopped_tasks(&self, limit: usize, service: Option<usize>) -> (usize, Vec<StoppedTask>) {
        let wanted = |s: Option<usize>| service.is_none() || s == service;
        let placed_records = self.tasks.len();
        let placed = self.tasks.iter().enumerate().filter_map(|(k, t)| {
            let at = t
                .stopped_at
                .filter(|_| t.last_status == TaskStatus::Stopped)?;
            wanted(t.service).then_some((Reverse((at, t.created_at, k)), Source::Placed(k)))
        });
        let provisioning = self
            .stopped_provisioning
            .iter()
            .enumerate()
            .filter(|(_, r)| wanted(r.service))
            .map(|(k, r)| {
                (
                    Reverse((r.stopped_at, r.created_at, placed_records + k)),
                    Source::Provisioning(k),
                )
            });
        let mut all: Vec<(Order, Source)> = placed.chain(provisioning).collect();
        let total = all.len();
        // Only the newest `limit` are sorted: a long run stops many thousands.
        if limit < total {
            all.select_nth_unstable_by_key(limit, |row| row.0);
            all.truncate(limit);
        }
        all.sort_unstable_by_key(|row| row.0);
        let rows = all
            .into_iter()
            .map(|(Reverse((stopped_at, _, _)), source)| self.stopped_task(stopped_at, source))
            .collect();
        (total, rows)
    }

    /// The row of the stopped task at `source`.
    fn stopped_task(&self, stopped_at: SimTime, source: Source) -> StoppedTask {
        match source {
            Source::Placed(k) => {
                let t = &self.tasks[k];
                let exit = match (t.exit_code, &t.container_reason) {
                    (Some(code), Some(reason)) => Some(format!("exit code {code} · {reason}")),
                    (Some(code), None) => Some(format!("exit code {code}")),
                    (None, Some(reason)) => Some(reason.clone()),
                    (None, None) => None,
                };
                StoppedTask {
                    id: t.id.clone(),
                    service: t.service,
                    group: t.group.clone(),
                    task_definition: t
                        .task_definition_arn
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    stopped_at,
                    stop_code: t.stop_code.clone().unwrap_or_default(),
                    stopped_reason: t.stopped_reason.clone().unwrap_or_default(),
                    exit,
                    never_placed: false,
                }
            }
            Source::Provisioning(k) => {
                let r = &self.stopped_provisioning[k];
                StoppedTask {
                    id: r.id.clone(),
                    service: r.service,
                    group: r.group.clone(),
                    task_definition: r.task_definition.clone(),
                    stopped_at,
                    stop_code: r.stop_code.to_string(),
                    stopped_reason: r.stopped_reason.clone(),
                    exit: None,
                    never_placed: true,
                }
            }
        }
    }
}
