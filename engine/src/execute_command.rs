//! ECS Exec: `enableExecuteCommand` on services and tasks, and ExecuteCommand calls into a
//! running container (`aws ecs execute-command`).
//!
//! Input, verbatim:
//! - `enableExecuteCommand` of CreateService, UpdateService, RunTask and StartTask;
//! - `clusters[].configuration.executeCommandConfiguration` (CreateCluster): `kmsKeyId`,
//!   `logging` (`NONE`, `DEFAULT`, `OVERRIDE`) and `logConfiguration`;
//! - `executeCommands[]`: ExecuteCommand requests (`cluster`, `task`, `container`, `command`,
//!   `interactive`) with the playground's `at`. Task IDs come from the run, and the run is
//!   deterministic, so an ID seen in one run names the same task when the scenario replays.
//!
//! The rules, with their sources (the developer guide's ECS Exec page [EXEC], the API
//! reference [API-EC], [API-US], [API-RT], [API-MA], and the amazon-ecs-exec-checker [CHK]):
//! - "You can't turn on ECS Exec for existing tasks. It can only be turned on for new tasks."
//!   [EXEC]; UpdateService's `enableExecuteCommand` "doesn't trigger a new service
//!   deployment" [API-US]: the tasks launched after it get it, a `forceNewDeployment`
//!   replaces the others.
//! - A task role is required: CreateService and UpdateService are refused with "The service
//!   couldn't be created (updated) because a valid taskRoleArn is not being used. Specify a
//!   valid task role in your task definition and try again." [observed wording]; RunTask:
//!   "the task definition must have a task role" [API-RT] (its wording [unconfirmed]).
//! - The task role needs `ssmmessages:CreateControlChannel`, `CreateDataChannel`,
//!   `OpenControlChannel` and `OpenDataChannel` [EXEC]; without them, or when the SSM agent
//!   cannot run (a container with `readonlyRootFilesystem`: "isn't supported" [EXEC]), the
//!   call fails with `TargetNotConnectedException`: "The execute command failed due to an
//!   internal error. Try again later." [observed wording].
//! - A task without exec, or whose `ExecuteCommandAgent` is not RUNNING (the task is not
//!   RUNNING yet, or no longer), fails with `InvalidParameterException`: "The execute command
//!   failed because execute command was not enabled when the task was run or the execute
//!   command agent isn’t running. Wait and try again or run a new task with execute command
//!   enabled and try again." [observed wording].
//! - "Amazon ECS only supports initiating interactive sessions, so you must specify true"
//!   [API-EC]; `interactive: false` fails with "Interactive is the only mode supported
//!   currently." [observed wording].
//! - "A container name only needs to be specified for tasks containing multiple containers."
//!   [API-EC]; a Service Connect proxy counts [EXEC].
//! - Fargate platform version 1.4.0 or later (Linux; 1.0.0 on Windows), container agent 1.50.2
//!   or later on EC2 (1.56 or later for Windows containers) [EXEC], [CHK].
//! - Sessions run as root, end after 20 idle minutes [EXEC]; DescribeTasks shows the task's
//!   `enableExecuteCommand` and each container's `managedAgents` (`ExecuteCommandAgent`,
//!   `lastStatus`, `lastStartedAt`) [API-MA].
//! - `logConfiguration` only with `logging: OVERRIDE` ("You must set logging to 'OVERRIDE'
//!   when you supply a log configuration" [observed wording]) and required with it [API-EC];
//!   `DEFAULT` logs to the container's `awslogs` group, if it has one. Logging needs the task
//!   role to allow `logs:DescribeLogGroups`, `logs:CreateLogStream`, `logs:DescribeLogStreams`
//!   and `logs:PutLogEvents` (CloudWatch) or `s3:PutObject` (S3); a `kmsKeyId`, `kms:Decrypt`
//!   [EXEC].
//!
//! Where AWS is silent: an agent older than 1.50.2 or a Fargate platform before 1.4.0 never
//! starts the `ExecuteCommandAgent` (its `lastStatus` stays PENDING) [unconfirmed]; a session
//! whose logging the task role does not allow still opens, unlogged (as Session Manager does
//! with S3 [unconfirmed for ECS]); one the task role cannot decrypt for does not [unconfirmed];
//! the wording for a missing or unknown container [unconfirmed]; a session ends when its task
//! stops, and otherwise is not ended (the playground cannot tell when a person goes idle).
//! Not simulated: the caller's own `ecs:ExecuteCommand` permission (the playground has no
//! caller), VPC endpoints, the encryption of log groups and buckets.
//!
//! Sources:
//! - [EXEC] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html>
//! - [API-EC] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ExecuteCommand.html>
//! - [API-US] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html>
//! - [API-RT] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html>
//! - [API-MA] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ManagedAgent.html>
//! - [CHK] <https://github.com/aws-containers/amazon-ecs-exec-checker>

use serde_json::{json, Value};
use sha2::Digest;

use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::task::TaskStatus;

/// The managed agent's `name` [API-MA].
pub const AGENT_NAME: &str = "ExecuteCommandAgent";

/// `InvalidParameterException` of a task without exec or without a running agent.
pub const NOT_ENABLED: &str = "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.";

/// `TargetNotConnectedException`: the agent could not connect (task role, read-only root).
pub const NOT_CONNECTED: &str =
    "The execute command failed due to an internal error. Try again later.";

/// `InvalidParameterException` of `interactive: false`.
pub const INTERACTIVE_ONLY: &str = "Interactive is the only mode supported currently.";

/// What the task role must allow for the SSM agent to connect [EXEC].
pub const SSM_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// What the task role must allow to log sessions to CloudWatch Logs [EXEC].
pub const LOGS_ACTIONS: [&str; 4] = [
    "logs:DescribeLogGroups",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
];

/// The oldest container agent that runs ECS Exec on EC2 [EXEC].
pub const MIN_AGENT_VERSION: [u32; 3] = [1, 50, 2];

/// The oldest container agent that runs ECS Exec for Windows containers on EC2: "1.56 or
/// later" [EXEC].
pub const MIN_WINDOWS_AGENT_VERSION: [u32; 3] = [1, 56, 0];

/// The oldest Fargate platform version that runs ECS Exec on Linux (1.0.0 on Windows) [EXEC].
pub const MIN_FARGATE_PLATFORM: [u32; 3] = [1, 4, 0];

/// A session ends after this many idle minutes; "This value can't be changed." [EXEC]
pub const IDLE_TIMEOUT_MINUTES: u32 = 20;

/// Longest `command` ExecuteCommand takes [API-EC].
pub const MAX_COMMAND_CHARS: usize = 4096;

/// True when version `v` ("1.50.2", "v1.50.2", "1.4.0") is `min` or later; an unreadable
/// version counts as current.
pub fn version_at_least(v: &str, min: [u32; 3]) -> bool {
    let parts: Vec<u32> = v
        .trim_start_matches('v')
        .split('.')
        .map_while(|x| x.parse().ok())
        .collect();
    parts.is_empty() || parts.as_slice() >= min.as_slice()
}

/// A minimum agent version as the documentation writes it: "1.50.2", "1.56".
fn agent_version_text(v: [u32; 3]) -> String {
    if v[2] == 0 {
        format!("{}.{}", v[0], v[1])
    } else {
        format!("{}.{}.{}", v[0], v[1], v[2])
    }
}

/// An `executeCommands[]` entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteCommandCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `cluster`'s name (`default` when absent).
    pub cluster: String,
    /// `task`: the task's ID (the last part of its ARN).
    pub task: String,
    /// `container`, if given.
    pub container: Option<String>,
    /// `command`.
    pub command: String,
    /// `interactive`.
    pub interactive: bool,
}

impl ExecuteCommandCall {
    /// Parses `executeCommands[i]`; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<ExecuteCommandCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let text = |key: &str| crate::request::optional_text(v, key, path);
        let (cluster, task) = crate::request::task_call_target(v, path)?;
        let container = text("container")?
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let command = text("command")?
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                format!("{path}.command: required, the command to run (\"/bin/sh\" for a shell)")
            })?
            .to_string();
        if command.chars().count() > MAX_COMMAND_CHARS {
            return Err(format!(
                "{path}.command: longer than {MAX_COMMAND_CHARS} characters"
            ));
        }
        let interactive = match v.get("interactive") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => {
                return Err(format!(
                    "{path}.interactive: required (true: ECS Exec opens interactive sessions)"
                ))
            }
            Some(_) => return Err(format!("{path}.interactive: must be true or false")),
        };
        Ok(ExecuteCommandCall {
            at_ms,
            cluster,
            task,
            container,
            command,
            interactive,
        })
    }
}

/// Where a cluster's ECS Exec sessions are logged (`executeCommandConfiguration.logging`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SessionLogging {
    /// `NONE`: not logged.
    None,
    /// `DEFAULT` (or absent): the container's `awslogs` group, when it has one.
    #[default]
    Default,
    /// `OVERRIDE`: `logConfiguration`'s log group and bucket.
    Override {
        /// `cloudWatchLogGroupName`.
        log_group: Option<String>,
        /// `s3BucketName` and `s3KeyPrefix`.
        bucket: Option<(String, String)>,
    },
}

/// A cluster's `configuration.executeCommandConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecConfiguration {
    /// `clusterName`.
    pub cluster: String,
    /// `kmsKeyId`: the key that encrypts the session's data.
    pub kms_key: Option<String>,
    /// `logging` with its `logConfiguration`.
    pub logging: SessionLogging,
}

/// Parses the `configuration.executeCommandConfiguration` of `clusters[]` (CreateCluster
/// requests); clusters without one are left out.
pub fn parse_configurations(clusters: &[Value]) -> Result<Vec<ExecConfiguration>, String> {
    let mut out = Vec::new();
    for (i, c) in clusters.iter().enumerate() {
        let path = format!("clusters[{i}].configuration.executeCommandConfiguration");
        let Some(v) = c
            .pointer("/configuration/executeCommandConfiguration")
            .filter(|v| !v.is_null())
        else {
            continue;
        };
        if !v.is_object() {
            return Err(format!("{path}: must be an object"));
        }
        let text = |key: &str| crate::request::optional_text(v, key, &path);
        let kms_key = text("kmsKeyId")?
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        let log_configuration = v.get("logConfiguration").filter(|l| !l.is_null());
        let logging = match text("logging")?.unwrap_or("DEFAULT") {
            "NONE" | "DEFAULT" if log_configuration.is_some() => {
                return Err(format!("{path}.logConfiguration: InvalidParameterException: You must set logging to 'OVERRIDE' when you supply a log configuration"));
            }
            "NONE" => SessionLogging::None,
            "DEFAULT" => SessionLogging::Default,
            "OVERRIDE" => {
                let l = log_configuration.ok_or_else(|| {
                    format!("{path}.logConfiguration: required with logging OVERRIDE: a CloudWatch log group or an S3 bucket")
                })?;
                let lpath = format!("{path}.logConfiguration");
                let ltext = |key: &str| {
                    crate::request::optional_text(l, key, &lpath)
                        .map(|t| t.filter(|t| !t.is_empty()).map(str::to_string))
                };
                let log_group = ltext("cloudWatchLogGroupName")?;
                let bucket = ltext("s3BucketName")?
                    .map(|b| Ok::<_, String>((b, ltext("s3KeyPrefix")?.unwrap_or_default())))
                    .transpose()?;
                if log_group.is_none() && bucket.is_none() {
                    return Err(format!("{lpath}: give cloudWatchLogGroupName or s3BucketName (or set logging to NONE)"));
                }
                SessionLogging::Override { log_group, bucket }
            }
            other => {
                return Err(format!(
                    "{path}.logging: \"{other}\" is not NONE, DEFAULT or OVERRIDE"
                ))
            }
        };
        out.push(ExecConfiguration {
            cluster: c
                .get("clusterName")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("default")
                .to_string(),
            kms_key,
            logging,
        });
    }
    Ok(out)
}

/// Which call asks for exec, for the wording of its refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// CreateService.
    CreateService,
    /// UpdateService.
    UpdateService,
    /// RunTask or StartTask.
    RunTask,
}

/// `enableExecuteCommand` of a request: `Some(true/false)` when given.
pub fn requested(raw: &Value) -> Result<Option<bool>, String> {
    match raw.get("enableExecuteCommand") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err("enableExecuteCommand: must be true or false".to_string()),
    }
}

/// Refuses exec for a task definition without a task role, in ECS's words.
pub fn check_task_role(
    enabled: bool,
    td: &crate::task_definition::ValidTaskDefinition,
    request: Request,
) -> Result<(), String> {
    let has_role = td
        .input
        .task_role_arn
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty());
    if !enabled || has_role {
        return Ok(());
    }
    let what = match request {
        Request::CreateService => "The service couldn't be created",
        Request::UpdateService => "The service couldn't be updated",
        Request::RunTask => "The task couldn't be run",
    };
    Err(format!("enableExecuteCommand: InvalidParameterException: {what} because a valid taskRoleArn is not being used. Specify a valid task role in your task definition and try again."))
}

/// How a check came out, in the colours of the amazon-ecs-exec-checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Verdict {
    /// Green: fine.
    Ok,
    /// Yellow: recommended to fix; ECS Exec works without.
    Advice,
    /// Red: ECS Exec does not work until it is fixed.
    Fail,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExecCheck {
    /// What is checked, as the checker names it ("Task Status", "Exec Enabled for Task", ...).
    pub check: String,
    /// The outcome.
    pub verdict: Verdict,
    /// What was found, and what to do.
    pub detail: String,
}

fn line(check: &str, verdict: Verdict, detail: impl Into<String>) -> ExecCheck {
    ExecCheck {
        check: check.to_string(),
        verdict,
        detail: detail.into(),
    }
}

/// Why an ExecuteCommand call failed: the AWS error type and message, and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecFailure {
    /// `InvalidParameterException`, `TargetNotConnectedException`.
    pub error: &'static str,
    /// AWS's message.
    pub message: String,
    /// What the playground found (the checklist's red line).
    pub cause: String,
}

impl Simulation {
    /// The cluster's ECS Exec configuration, if `clusters[]` gives one.
    fn exec_configuration(&self, cluster: &str) -> Option<&ExecConfiguration> {
        self.scenario
            .exec_configurations
            .iter()
            .find(|c| c.cluster == cluster)
    }

    /// The containers an ExecuteCommand can name in task `t`: the task definition's, and the
    /// Service Connect proxy.
    pub fn exec_containers(&self, t: usize) -> Vec<String> {
        let task = &self.tasks[t];
        let mut names = task.containers.clone();
        if let Some(proxy) = self.proxy_container_json(t) {
            if let Some(n) = proxy.get("name").and_then(Value::as_str) {
                names.push(n.to_string());
            }
        }
        names
    }

    /// Why task `t`'s `ExecuteCommandAgent` cannot start, if its host is too old for it.
    fn exec_unsupported(&self, t: usize) -> Option<String> {
        let task = &self.tasks[t];
        let host = &self.cluster.instances[task.reservation.slot];
        if host.fargate {
            let (pv, min) = self.fargate_platform(t);
            (!version_at_least(&pv, min)).then(|| {
                format!(
                    "platform version {pv}; ECS Exec needs {}.{}.{} or later",
                    min[0], min[1], min[2]
                )
            })
        } else {
            let min = self.min_agent_version(t);
            (!version_at_least(&host.agent_version, min)).then(|| {
                format!(
                    "container agent {}; ECS Exec needs {} or later",
                    host.agent_version,
                    agent_version_text(min)
                )
            })
        }
    }

    /// The oldest container agent that runs ECS Exec for task `t` on EC2 (Windows: 1.56).
    fn min_agent_version(&self, t: usize) -> [u32; 3] {
        if self.tasks[t].td.is_windows() {
            MIN_WINDOWS_AGENT_VERSION
        } else {
            MIN_AGENT_VERSION
        }
    }

    /// Task `t`'s Fargate platform version (`LATEST` resolved) and the oldest ECS Exec runs on.
    fn fargate_platform(&self, t: usize) -> (String, [u32; 3]) {
        let task = &self.tasks[t];
        let windows = task.td.is_windows();
        let pv =
            crate::fargate::resolve_platform_version(task.platform_version.as_deref(), &task.td);
        (
            pv,
            if windows {
                [1, 0, 0]
            } else {
                MIN_FARGATE_PLATFORM
            },
        )
    }

    /// The `ExecuteCommandAgent`'s `lastStatus` in task `t` (`None`: exec is off).
    pub fn exec_agent_status(&self, t: usize) -> Option<&'static str> {
        let task = &self.tasks[t];
        if !task.execute_command {
            return None;
        }
        Some(match task.last_status {
            _ if self.exec_unsupported(t).is_some() => "PENDING",
            TaskStatus::Running => "RUNNING",
            s if s < TaskStatus::Running => "PENDING",
            _ => "STOPPED",
        })
    }

    /// DescribeTasks' `managedAgents` of a container of task `t`, when exec is on.
    pub(crate) fn managed_agents_json(&self, t: usize) -> Option<Value> {
        let status = self.exec_agent_status(t)?;
        let mut agent = json!({"name": AGENT_NAME, "lastStatus": status});
        if status != "PENDING" {
            if let Some(at) = self.tasks[t].started_at {
                agent["lastStartedAt"] = json!(self.timestamp(at));
            }
        }
        Some(json!([agent]))
    }

    /// The task role's verdict on `actions` on `resource`: `None` when all are allowed, else
    /// the first denial.
    fn task_role_denial(&self, t: usize, actions: &[&str], resource: &str) -> Option<String> {
        let role = self.tasks[t].td.input.task_role_arn.as_deref();
        actions
            .iter()
            .find_map(|a| self.scenario.iam.check(role, a, resource).denial())
    }

    /// Where task `t`'s sessions are logged, and what the task role must allow for it:
    /// (description, actions, resource); `None`: not logged.
    fn session_log_target(
        &self,
        t: usize,
        container: &str,
    ) -> Option<(String, Vec<&'static str>, String)> {
        let task = &self.tasks[t];
        let logging = self
            .exec_configuration(&task.cluster)
            .map(|c| c.logging.clone())
            .unwrap_or_default();
        let cloud_watch = |group: &str| {
            (
                format!("CloudWatch Logs group {group}"),
                LOGS_ACTIONS.to_vec(),
                format!("{}:*", crate::logs::log_group_arn(group)),
            )
        };
        match logging {
            SessionLogging::None => None,
            SessionLogging::Default => task
                .td
                .input
                .container_definitions
                .iter()
                .find(|c| c.name.as_deref() == Some(container))
                .and_then(|c| c.log_configuration.as_ref())
                .filter(|l| l.log_driver.as_deref() == Some("awslogs"))
                .and_then(|l| l.options.get("awslogs-group"))
                .map(|g| cloud_watch(g)),
            SessionLogging::Override { log_group, bucket } => match (log_group, bucket) {
                (Some(g), _) => Some(cloud_watch(&g)),
                (None, Some((b, prefix))) => Some((
                    format!("S3 bucket {b}"),
                    vec!["s3:PutObject"],
                    format!("arn:aws:s3:::{b}/{prefix}*"),
                )),
                (None, None) => None,
            },
        }
    }

    /// The amazon-ecs-exec-checker's checks on task `t`, for `container` (the first one when
    /// `None`), in its order.
    pub fn exec_checks(&self, t: usize, container: Option<&str>) -> Vec<ExecCheck> {
        use Verdict::{Advice, Fail, Ok};
        let task = &self.tasks[t];
        let mut out = Vec::new();
        let config = self.exec_configuration(&task.cluster);
        out.push(match config {
            None => line(
                "Cluster Configuration",
                Advice,
                "audit logging not configured (logging DEFAULT: the container's awslogs group); no KMS key",
            ),
            Some(c) => {
                let logging = match &c.logging {
                    SessionLogging::None => "logging NONE: sessions are not logged".to_string(),
                    SessionLogging::Default => {
                        "logging DEFAULT: the container's awslogs group".to_string()
                    }
                    SessionLogging::Override { log_group, bucket } => format!(
                        "logging OVERRIDE:{}{}",
                        log_group
                            .as_ref()
                            .map(|g| format!(" CloudWatch Logs group {g}"))
                            .unwrap_or_default(),
                        bucket
                            .as_ref()
                            .map(|(b, p)| format!(" S3 bucket {b} (key prefix {p:?})"))
                            .unwrap_or_default()
                    ),
                };
                let kms = c
                    .kms_key
                    .as_ref()
                    .map_or("no KMS key".to_string(), |k| format!("KMS key {k}"));
                let verdict = if c.logging == SessionLogging::None {
                    Advice
                } else {
                    Ok
                };
                line("Cluster Configuration", verdict, format!("{logging}; {kms}"))
            }
        });
        out.push(match task.last_status {
            TaskStatus::Running => line("Task Status", Ok, "RUNNING"),
            s if s < TaskStatus::Running => line(
                "Task Status",
                Advice,
                format!("{}: wait until it is RUNNING", s.as_str()),
            ),
            s => line(
                "Task Status",
                Fail,
                format!(
                    "{}{}",
                    s.as_str(),
                    task.stopped_reason
                        .as_ref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
            ),
        });
        let host = &self.cluster.instances[task.reservation.slot];
        let unsupported = self.exec_unsupported(t);
        out.push(if host.fargate {
            let (pv, min) = self.fargate_platform(t);
            line(
                "Launch Type",
                if unsupported.is_some() { Fail } else { Ok },
                format!(
                    "Fargate, platform version {pv} (required: {}.{}.{} or later)",
                    min[0], min[1], min[2]
                ),
            )
        } else {
            line(
                "Launch Type",
                if unsupported.is_some() { Fail } else { Ok },
                format!(
                    "{}, container agent {} (required: {} or later)",
                    if host.external {
                        "EXTERNAL (ECS Anywhere)"
                    } else {
                        "EC2"
                    },
                    host.agent_version,
                    agent_version_text(self.min_agent_version(t))
                ),
            )
        });
        out.push(if task.execute_command {
            line("Exec Enabled for Task", Ok, "enableExecuteCommand: true")
        } else {
            let fix = if task.service.is_some() {
                "UpdateService with enableExecuteCommand true and forceNewDeployment: existing tasks never get it"
            } else {
                "run a new task with enableExecuteCommand true: existing tasks never get it"
            };
            line("Exec Enabled for Task", Fail, format!("NO; {fix}"))
        });
        let containers = self.exec_containers(t);
        out.push(match self.exec_agent_status(t) {
            None => line("Managed Agent Status", Advice, "skipped: exec is off"),
            Some(status) => line(
                "Managed Agent Status",
                if status == "RUNNING" { Ok } else { Fail },
                format!(
                    "{AGENT_NAME} {status} in {}{}",
                    containers.join(", "),
                    unsupported.map(|u| format!(": {u}")).unwrap_or_default()
                ),
            ),
        });
        let defs = &task.td.input.container_definitions;
        let without_init: Vec<&str> = defs
            .iter()
            .filter(|c| {
                !c.linux_parameters
                    .as_ref()
                    .and_then(|l| l.init_process_enabled)
                    .unwrap_or(false)
            })
            .filter_map(|c| c.name.as_deref())
            .collect();
        out.push(if without_init.is_empty() {
            line("Init Process Enabled", Ok, "every container")
        } else {
            line(
                "Init Process Enabled",
                Advice,
                format!(
                    "disabled in {}: set linuxParameters.initProcessEnabled to clean up the SSM agent's zombie processes",
                    without_init.join(", ")
                ),
            )
        });
        let read_only: Vec<&str> = defs
            .iter()
            .filter(|c| c.readonly_root_filesystem == Some(true))
            .filter_map(|c| c.name.as_deref())
            .collect();
        // Red when the container the session opens in is read-only; yellow for the others.
        let target = container.or(containers.first().map(String::as_str));
        out.push(if read_only.is_empty() {
            line("Read-Only Root Filesystem", Ok, "disabled in every container")
        } else {
            line(
                "Read-Only Root Filesystem",
                if target.is_some_and(|c| read_only.contains(&c)) {
                    Fail
                } else {
                    Advice
                },
                format!(
                    "read-only in {}: the SSM agent cannot write its files there, and ECS Exec isn't supported",
                    read_only.join(", ")
                ),
            )
        });
        out.push(self.task_role_check(t, target));
        let credentials: Vec<String> = defs
            .iter()
            .flat_map(|c| {
                c.environment.iter().filter_map(move |kv| {
                    let n = kv.name.as_deref()?;
                    [
                        "AWS_ACCESS_KEY",
                        "AWS_ACCESS_KEY_ID",
                        "AWS_SECRET_ACCESS_KEY",
                    ]
                    .contains(&n)
                    .then(|| format!("{n} in {}", c.name.as_deref().unwrap_or("?")))
                })
            })
            .collect();
        out.push(if credentials.is_empty() {
            line("Environment Variables", Ok, "no AWS credentials defined")
        } else {
            line(
                "Environment Variables",
                Advice,
                format!(
                    "{} defined: the SSM agent uses them instead of the task role, and fails if they lack permission",
                    credentials.join(", ")
                ),
            )
        });
        out
    }

    /// The checklist's task role line: the SSM actions, then KMS and the session log's.
    fn task_role_check(&self, t: usize, container: Option<&str>) -> ExecCheck {
        let task = &self.tasks[t];
        let Some(role) = task.td.input.task_role_arn.as_deref() else {
            return line(
                "Task Role Permissions",
                Verdict::Fail,
                "no task role (taskRoleArn): the SSM agent has no credentials",
            );
        };
        let name = crate::iam::role_name(role).to_string();
        if !self.scenario.iam.enabled {
            return line(
                "Task Role Permissions",
                Verdict::Ok,
                format!("{name}: assumed to allow the four ssmmessages actions (the scenario has no iamRoles)"),
            );
        }
        if let Some(d) = self.task_role_denial(t, &SSM_ACTIONS, "*") {
            return line("Task Role Permissions", Verdict::Fail, d);
        }
        let kms = self
            .exec_configuration(&task.cluster)
            .and_then(|c| c.kms_key.clone());
        if let Some(d) = kms.and_then(|k| self.task_role_denial(t, &["kms:Decrypt"], &k)) {
            return line("Task Role Permissions", Verdict::Fail, d);
        }
        let log = container.and_then(|c| self.session_log_target(t, c));
        if let Some((target, actions, resource)) = log {
            if let Some(d) = self.task_role_denial(t, &actions, &resource) {
                return line(
                    "Task Role Permissions",
                    Verdict::Advice,
                    format!("{d}: sessions open, but are not logged to {target}"),
                );
            }
        }
        line(
            "Task Role Permissions",
            Verdict::Ok,
            format!("{name} allows the four ssmmessages actions"),
        )
    }

    /// What ExecuteCommand `call` on task `t` gets: the container it opens a session in, or
    /// the failure.
    fn execute_command_outcome(
        &self,
        t: usize,
        call: &ExecuteCommandCall,
    ) -> Result<String, ExecFailure> {
        let task = &self.tasks[t];
        let fail = |error, message: &str, cause: String| ExecFailure {
            error,
            message: message.to_string(),
            cause,
        };
        if !call.interactive {
            return Err(fail(
                "InvalidParameterException",
                INTERACTIVE_ONLY,
                "interactive is false".to_string(),
            ));
        }
        if !task.execute_command {
            return Err(fail(
                "InvalidParameterException",
                NOT_ENABLED,
                "the task was launched without enableExecuteCommand".to_string(),
            ));
        }
        if self.exec_agent_status(t) != Some("RUNNING") {
            let cause = self.exec_unsupported(t).unwrap_or_else(|| {
                format!(
                    "the task is {}: its {AGENT_NAME} is not running",
                    task.last_status.as_str()
                )
            });
            return Err(fail("InvalidParameterException", NOT_ENABLED, cause));
        }
        let containers = self.exec_containers(t);
        let container = match &call.container {
            Some(c) if containers.contains(c) => c.clone(),
            Some(c) => {
                return Err(fail(
                    "InvalidParameterException",
                    &format!("The container {c} was not found in the task."),
                    format!("the task's containers are {}", containers.join(", ")),
                ))
            }
            None if containers.len() == 1 => containers[0].clone(),
            None => {
                return Err(fail(
                    "InvalidParameterException",
                    "The task has multiple containers; specify the container name.",
                    format!("the task's containers are {}", containers.join(", ")),
                ))
            }
        };
        let role = self.task_role_check(t, Some(&container));
        if role.verdict == Verdict::Fail {
            return Err(fail(
                "TargetNotConnectedException",
                NOT_CONNECTED,
                format!("task role: {}", role.detail),
            ));
        }
        let read_only = task.td.input.container_definitions.iter().any(|c| {
            c.name.as_deref() == Some(&container) && c.readonly_root_filesystem == Some(true)
        });
        if read_only {
            return Err(fail(
                "TargetNotConnectedException",
                NOT_CONNECTED,
                format!("{container} has readonlyRootFilesystem: the SSM agent cannot run in it"),
            ));
        }
        Ok(container)
    }

    /// Makes ExecuteCommand call `i`: opens a session, or logs AWS's error and its cause.
    pub(crate) fn execute_command_call(&mut self, i: usize) {
        let call = self.scenario.execute_commands[i].clone();
        if let Err(e) = self.capacity.check_cluster(&call.cluster) {
            let message = format!("ExecuteCommand failed: executeCommands[{i}].cluster: {e}");
            self.exec_sessions.push(ExecSession::failed(
                (i, usize::MAX),
                &call,
                "ClusterNotFoundException",
                "Cluster not found.",
            ));
            self.log
                .push(self.now(), EventKind::ExecuteCommand, message);
            return;
        }
        let Some(t) = self.task_in_cluster(&call.task, &call.cluster) else {
            let message = format!(
                "ExecuteCommand failed: executeCommands[{i}].task: InvalidParameterException: The task provided in the request was not found. (no task {} in cluster {})",
                call.task, call.cluster
            );
            self.exec_sessions.push(ExecSession::failed(
                (i, usize::MAX),
                &call,
                "InvalidParameterException",
                "The task provided in the request was not found.",
            ));
            self.log
                .push(self.now(), EventKind::ExecuteCommand, message);
            return;
        };
        let id = self.tasks[t].id.clone();
        match self.execute_command_outcome(t, &call) {
            Ok(container) => {
                let digest = sha2::Sha256::digest(format!("{id}/{i}").as_bytes());
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                let session_id = format!("ecs-execute-command-{}", &hex[..17]);
                let logged = match self.session_log_target(t, &container) {
                    None => "not logged".to_string(),
                    Some((target, actions, resource)) => {
                        match self.task_role_denial(t, &actions, &resource) {
                            None => format!("logged to {target}"),
                            Some(d) => format!("not logged to {target}: {d}"),
                        }
                    }
                };
                let message = format!(
                    "ExecuteCommand: session {session_id} opened in container {container} of task {id}: {} (runs as root; ends after {IDLE_TIMEOUT_MINUTES} idle minutes; {logged})",
                    call.command
                );
                self.exec_sessions.push(ExecSession {
                    call: i,
                    at_ms: self.now().as_ms(),
                    response: json!({
                        "clusterArn": format!("{}:cluster/{}", crate::revisions::ARN_PREFIX, call.cluster),
                        "containerName": container,
                        "interactive": true,
                        "session": {
                            "sessionId": session_id,
                            "streamUrl": format!("wss://ssmmessages.{}.amazonaws.com/v1/data-channel/{session_id}?role=publish_subscribe", crate::registry::REGION),
                            "tokenValue": "(a token)",
                        },
                        "taskArn": self.tasks[t].arn,
                    }),
                    task: t,
                    ended_ms: None,
                });
                self.log
                    .push(self.now(), EventKind::ExecuteCommand, message)
                    .task(&id);
            }
            Err(f) => {
                let message = format!(
                    "ExecuteCommand failed on task {id}: {}: {} ({})",
                    f.error, f.message, f.cause
                );
                self.exec_sessions
                    .push(ExecSession::failed((i, t), &call, f.error, &f.message));
                self.log
                    .push(self.now(), EventKind::ExecuteCommand, message)
                    .task(&id);
            }
        }
    }

    /// Ends the open sessions of task `t`, which is stopping.
    pub(crate) fn end_exec_sessions(&mut self, t: usize) {
        let now = self.now();
        let mut ended = Vec::new();
        for s in self
            .exec_sessions
            .iter_mut()
            .filter(|s| s.task == t && s.ended_ms.is_none() && s.response.get("session").is_some())
        {
            s.ended_ms = Some(now.as_ms());
            ended.push(
                s.response["session"]["sessionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        let id = self.tasks[t].id.clone();
        for session in ended {
            self.log
                .push(
                    now,
                    EventKind::ExecuteCommand,
                    format!("Exiting session with sessionId: {session}: task {id} is stopping"),
                )
                .task(&id);
        }
    }

    /// The run output's `executeCommands`: each call's ExecuteCommand response or error.
    pub fn execute_commands_json(&self) -> Value {
        Value::Array(
            self.exec_sessions
                .iter()
                .map(|s| {
                    let mut v =
                        json!({"call": s.call, "at": crate::time::SimTime(s.at_ms).to_string()});
                    if s.response.get("session").is_some() {
                        v["response"] = s.response.clone();
                        if let Some(end) = s.ended_ms {
                            v["endedAt"] = json!(crate::time::SimTime(end).to_string());
                        }
                    } else {
                        v["error"] = s.response.clone();
                    }
                    v
                })
                .collect(),
        )
    }
}

/// What the UI shows of ECS Exec for one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecPanel {
    /// The task's whole ID and its cluster.
    pub task: (String, String),
    /// The checklist.
    pub checks: Vec<ExecCheck>,
    /// The containers a call can name.
    pub containers: Vec<String>,
    /// One line per earlier ExecuteCommand call on the task: when, and the session or error.
    pub calls: Vec<String>,
}

impl Simulation {
    /// ECS Exec for the task whose ID is or starts with `id` (a chip shows 8 characters).
    pub fn exec_panel(&self, id: &str) -> Result<ExecPanel, String> {
        let t = self
            .tasks
            .iter()
            .rposition(|t| t.id.starts_with(id) && !id.is_empty())
            .ok_or_else(|| format!("no task {id}"))?;
        let calls = self
            .exec_sessions
            .iter()
            .filter(|s| s.task == t)
            .map(|s| {
                let at = crate::time::SimTime(s.at_ms);
                match s.response.pointer("/session/sessionId") {
                    Some(id) => format!(
                        "{at}: session {} in {}{}",
                        id.as_str().unwrap_or_default(),
                        s.response["containerName"].as_str().unwrap_or_default(),
                        s.ended_ms
                            .map(|e| format!(", ended at {}", crate::time::SimTime(e)))
                            .unwrap_or_default()
                    ),
                    None => format!(
                        "{at}: {}: {}",
                        s.response["error"].as_str().unwrap_or_default(),
                        s.response["message"].as_str().unwrap_or_default()
                    ),
                }
            })
            .collect();
        Ok(ExecPanel {
            task: (self.tasks[t].id.clone(), self.tasks[t].cluster.clone()),
            checks: self.exec_checks(t, None),
            containers: self.exec_containers(t),
            calls,
        })
    }
}

/// The outcome of one ExecuteCommand call.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecSession {
    /// The `executeCommands[]` index.
    pub call: usize,
    /// When it was made.
    pub at_ms: u64,
    /// ExecuteCommand's response (with `session`), or `{"error", "message"}`.
    pub response: Value,
    /// The task (index), `usize::MAX` when none was found.
    pub task: usize,
    /// When the session ended (its task stopped).
    pub ended_ms: Option<u64>,
}

impl ExecSession {
    /// A call (its index, and its task's or `usize::MAX`) that failed with `error`.
    fn failed(
        (call, task): (usize, usize),
        c: &ExecuteCommandCall,
        error: &str,
        message: &str,
    ) -> ExecSession {
        ExecSession {
            call,
            at_ms: c.at_ms,
            response: json!({"error": error, "message": message}),
            task,
            ended_ms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_at_least("1.50.2", MIN_AGENT_VERSION));
        assert!(version_at_least("1.87.0", MIN_AGENT_VERSION));
        assert!(!version_at_least("1.50.1", MIN_AGENT_VERSION));
        assert!(!version_at_least("1.9.0", MIN_AGENT_VERSION));
        assert!(!version_at_least("1.3.0", MIN_FARGATE_PLATFORM));
        assert!(version_at_least("1.4.0", MIN_FARGATE_PLATFORM));
    }

    #[test]
    fn calls_are_checked_naming_the_field() {
        let c = ExecuteCommandCall::parse(
            &json!({"at": "PT2M", "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
                    "task": "arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd",
                    "container": "web", "command": "/bin/sh", "interactive": true}),
            "executeCommands[0]",
        )
        .unwrap();
        assert_eq!(
            (
                c.at_ms,
                c.cluster.as_str(),
                c.task.as_str(),
                c.container.as_deref()
            ),
            (120_000, "prod", "0123abcd", Some("web"))
        );
        for (v, field) in [
            (
                json!({"command": "ls", "interactive": true}),
                "executeCommands[0].task",
            ),
            (
                json!({"task": "t", "interactive": true}),
                "executeCommands[0].command",
            ),
            (
                json!({"task": "t", "command": "ls"}),
                "executeCommands[0].interactive",
            ),
            (
                json!({"task": "t", "command": "ls", "interactive": "yes"}),
                "executeCommands[0].interactive",
            ),
            (
                json!({"task": "t", "command": "x".repeat(4097), "interactive": true}),
                "executeCommands[0].command",
            ),
        ] {
            let e = ExecuteCommandCall::parse(&v, "executeCommands[0]").unwrap_err();
            assert!(e.starts_with(field), "{field}: {e}");
        }
    }

    #[test]
    fn a_log_configuration_needs_override_and_override_needs_one() {
        let cfg = |c: Value| {
            parse_configurations(&[
                json!({"clusterName": "prod", "configuration": {"executeCommandConfiguration": c}}),
            ])
        };
        let e =
            cfg(json!({"logging": "DEFAULT", "logConfiguration": {"cloudWatchLogGroupName": "g"}}))
                .unwrap_err();
        assert!(e.contains("You must set logging to 'OVERRIDE'"), "{e}");
        let e = cfg(json!({"logging": "OVERRIDE"})).unwrap_err();
        assert!(
            e.starts_with("clusters[0].configuration.executeCommandConfiguration.logConfiguration"),
            "{e}"
        );
        let e = cfg(json!({"logging": "ALL"})).unwrap_err();
        assert!(
            e.ends_with("\"ALL\" is not NONE, DEFAULT or OVERRIDE"),
            "{e}"
        );
        let ok = cfg(json!({"kmsKeyId": "k", "logging": "OVERRIDE",
            "logConfiguration": {"s3BucketName": "audit", "s3KeyPrefix": "exec/"}}))
        .unwrap();
        assert_eq!(ok[0].cluster, "prod");
        assert_eq!(
            ok[0].logging,
            SessionLogging::Override {
                log_group: None,
                bucket: Some(("audit".to_string(), "exec/".to_string()))
            }
        );
    }
}
