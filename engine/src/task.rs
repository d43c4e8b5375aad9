//! Tasks and their lifecycle (section 10.1).
//!
//! A placed task goes PROVISIONING → PENDING → ACTIVATING → RUNNING; a stopped one goes
//! (DEACTIVATING →)
//! STOPPING → (DEPROVISIONING →) STOPPED: an `awsvpc` task detaches and deletes its ENI in
//! DEPROVISIONING. How long each step takes is in [`crate::lifecycle`].

use serde::Serialize;

use std::rc::Rc;

use crate::placement::reserve::Reservation;
use crate::task_definition::ValidTaskDefinition;
use crate::time::SimTime;

/// `lastStatus` / `desiredStatus` values (10.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    /// Resources are being prepared (ENI attachment, capacity).
    Provisioning,
    /// The agent is pulling images and starting containers.
    Pending,
    /// The containers are created; networking, load balancer registration and service
    /// discovery are being set up.
    Activating,
    /// Running.
    Running,
    /// Load balancer targets are being deregistered and drained (8.3).
    Deactivating,
    /// Containers are being stopped.
    Stopping,
    /// The containers are gone; the task's ENI is being detached and deleted (`awsvpc`).
    Deprovisioning,
    /// Stopped.
    Stopped,
}

impl TaskStatus {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Provisioning => "PROVISIONING",
            TaskStatus::Pending => "PENDING",
            TaskStatus::Activating => "ACTIVATING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Deactivating => "DEACTIVATING",
            TaskStatus::Stopping => "STOPPING",
            TaskStatus::Deprovisioning => "DEPROVISIONING",
            TaskStatus::Stopped => "STOPPED",
        }
    }
}

/// How long a service waits before retrying a placement that failed. [unconfirmed]
pub const PLACEMENT_RETRY_MS: u64 = 60_000;

/// One task.
#[derive(Debug, Clone)]
pub struct Task {
    /// The 32-hex-digit task id.
    pub id: String,
    /// `arn:aws:ecs:…:task/<cluster>/<id>`.
    pub arn: String,
    /// Cluster name.
    pub cluster: String,
    /// `family:revision` ARN of its task definition.
    pub task_definition_arn: String,
    /// Task group (3.6).
    pub group: String,
    /// `startedBy`.
    pub started_by: Option<String>,
    /// The service it belongs to (index), if any.
    pub service: Option<usize>,
    /// The service deployment that started it, as an index into the service's
    /// `deployments` (the scheduler compares these instead of `startedBy` strings).
    pub deployment: Option<usize>,
    /// Current state.
    pub last_status: TaskStatus,
    /// Where it is heading.
    pub desired_status: TaskStatus,
    /// What it holds on its instance.
    pub reservation: Reservation,
    /// Its containers' names, in task definition order.
    pub containers: Vec<String>,
    /// When it was created (`createdAt`): a task that waited in PROVISIONING for capacity
    /// was created before it was placed.
    pub created_at: SimTime,
    /// When it was placed on its instance.
    pub placed_at: SimTime,
    /// When it reached RUNNING.
    pub started_at: Option<SimTime>,
    /// When it reached STOPPED.
    pub stopped_at: Option<SimTime>,
    /// `stopCode` (10.2).
    pub stop_code: Option<String>,
    /// `stoppedReason` (10.3).
    pub stopped_reason: Option<String>,
    /// The task definition revision it runs.
    pub td: Rc<ValidTaskDefinition>,
    /// The essential container's exit code, once it exited.
    pub exit_code: Option<i32>,
    /// The container `reason` (10.3), e.g. `OutOfMemoryError: Container killed due to memory usage`.
    pub container_reason: Option<String>,
    /// Restarts of its essential container under its `restartPolicy` (1.2), and when the
    /// last one happened.
    pub restarts: (u32, Option<SimTime>),
    /// When its essential containers' health checks will have failed `retries` times in a row,
    /// once a fault made them start failing (1.11): from then on they are UNHEALTHY.
    pub unhealthy_at: Option<SimTime>,
    /// The scheduler found this service task unhealthy (4.3, 4.4) and keeps it until its
    /// replacement is healthy: the `stoppedReason` it will then stop with.
    pub unhealthy_stop: Option<String>,
    /// `version`: 1 when created, one more at every change of status, desired status or
    /// health (9.1: it orders the task's state change events).
    pub version: u64,
    /// When its image pull started and stopped (`pullStartedAt`, `pullStoppedAt`).
    pub pull: Option<(SimTime, SimTime)>,
    /// When its desired status became STOPPED (`stoppingAt`).
    pub stopping_at: Option<SimTime>,
    /// Scale-in protection (4.8): protected until then.
    pub protected_until: Option<SimTime>,
    /// The capacity provider it runs on (index), if any (`capacityProviderName`).
    pub capacity_provider: Option<usize>,
    /// The RunTask or StartTask request's `overrides`, as given (DescribeTasks shows them;
    /// `td` has them applied, [`crate::task_override`]).
    pub overrides: Option<std::rc::Rc<serde_json::Value>>,
    /// Its EBS volume's configuration, when it has one ([`crate::ebs_volume`]).
    pub volume: Option<std::rc::Rc<crate::ebs_volume::VolumeConfig>>,
    /// Its tags, fixed when it was created ([`crate::tags`]).
    pub tags: Vec<crate::tags::Tag>,
    /// `enableExecuteCommand` of the request that launched it: ECS Exec
    /// ([`crate::execute_command`]); fixed for its life.
    pub execute_command: bool,
    /// `platformVersion` of the request that launched it (Fargate; `None`: LATEST).
    pub platform_version: Option<String>,
    /// When its next lifecycle step is due: a progress timer set for another moment is stale
    /// (the task was stopped, or its step rescheduled) and does nothing.
    pub(crate) progress_at: Option<SimTime>,
    /// Its PENDING ends in a failure to start: the next progress stops it.
    pub(crate) failing: bool,
}

/// `arn:aws:ecs:…:task/<cluster>/<id>`: a task's ARN, placed or waiting in PROVISIONING.
pub(crate) fn task_arn(cluster: &str, id: &str) -> String {
    format!("{}:task/{cluster}/{id}", crate::revisions::ARN_PREFIX)
}

impl Task {
    /// A task just created on its host, PROVISIONING with desired status RUNNING; the caller
    /// sets who started it (group, `startedBy`, service, capacity provider, overrides).
    pub(crate) fn provisioning(
        id: String,
        cluster: String,
        task_definition_arn: String,
        reservation: Reservation,
        td: Rc<ValidTaskDefinition>,
        created_at: SimTime,
    ) -> Task {
        Task {
            id,
            arn: String::new(),
            cluster,
            task_definition_arn,
            group: String::new(),
            started_by: None,
            deployment: None,
            service: None,
            last_status: TaskStatus::Provisioning,
            desired_status: TaskStatus::Running,
            reservation,
            containers: td.containers.iter().map(|c| c.name.clone()).collect(),
            created_at,
            placed_at: created_at,
            started_at: None,
            stopped_at: None,
            stop_code: None,
            stopped_reason: None,
            td,
            exit_code: None,
            container_reason: None,
            unhealthy_at: None,
            unhealthy_stop: None,
            version: 1,
            pull: None,
            stopping_at: None,
            restarts: (0, None),
            protected_until: None,
            capacity_provider: None,
            overrides: None,
            volume: None,
            tags: Vec::new(),
            execute_command: false,
            platform_version: None,
            progress_at: None,
            failing: false,
        }
    }

    /// True while the task counts toward its service (desired RUNNING).
    pub fn is_active(&self) -> bool {
        self.desired_status == TaskStatus::Running
    }
}
