//! Deployment lifecycle hooks (`deploymentConfiguration.lifecycleHooks`) of blue/green, linear
//! and canary deployments ([`crate::blue_green`]), ContinueServiceDeployment, and the answers
//! the scenario scripts for Lambda hooks.
//!
//! Sources: the ECS developer guide's "Lifecycle hooks for Amazon ECS service deployments",
//! "Lambda hooks for Amazon ECS service deployments", "Pause hooks for Amazon ECS service
//! deployments", "Continuing service deployments" and "Amazon ECS service deployment hook state
//! change events"; the API reference's `DeploymentLifecycleHook`,
//! `DeploymentLifecycleHookTimeoutConfiguration` and `ContinueServiceDeployment`.
//!
//! What AWS documents, and the playground does:
//! - A hook is a Lambda function (`targetType` `AWS_LAMBDA`, the default, with
//!   `hookTargetArn`) or a pause (`PAUSE`), run at the `lifecycleStages` it lists. Pause hooks
//!   take no `hookTargetArn` or `roleArn` and cannot run at TEST_TRAFFIC_SHIFT or
//!   PRODUCTION_TRAFFIC_SHIFT. At most 10 pause and 10 Lambda hooks per service.
//! - All hooks of a stage run in parallel; the deployment goes on once every one has succeeded
//!   (or been continued), and rolls back as soon as one fails.
//! - A Lambda hook answers `hookStatus`: SUCCEEDED (go on), FAILED (roll back) or IN_PROGRESS
//!   (called again after `callBackDelay` seconds, 30 by default). A function that fails or
//!   answers no valid `hookStatus` rolls the deployment back.
//! - A pause hook waits, AWAITING_ACTION, for ContinueServiceDeployment with its `hookId` and
//!   `action` CONTINUE (the default) or ROLLBACK.
//! - Each hook has `timeoutConfiguration` {`timeoutInMinutes` 1–20,160, default 1,440;
//!   `action` ROLLBACK (default) or CONTINUE}, taken when it is not resolved in time.
//! - For linear and canary deployments, PRE_PRODUCTION_TRAFFIC_SHIFT and
//!   PRODUCTION_TRAFFIC_SHIFT hooks run at every traffic shift step.
//! - Each hook run emits `ECS Hook State Change` events: HOOK_IN_PROGRESS,
//!   HOOK_AWAITING_ACTION, HOOK_SUCCEEDED, HOOK_FAILED, HOOK_TIMED_OUT.
//! - During a rollback, the Lambda hooks of TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT run
//!   again (the guide's "When a rollback occurs" note).
//!
//! The playground's choices [unconfirmed]:
//! - A Lambda function answers at once, with what the scenario's `lambdaHookResponses[]`
//!   scripts for it (one answer per call, the last one repeating; every hook run starts from
//!   the first answer); a function without a script answers SUCCEEDED.
//! - `hookId`s are `ecs-pause-<deployment digits>-<n>` and `ecs-lambda-<deployment digits>-<n>`,
//!   n counting the deployment's hook runs from 1: readable and the same in every run of a
//!   scenario (AWS's are opaque).
//! - During a rollback, a failing or timed-out hook does not stop it: there is nothing left to
//!   roll back to.
//! - The service's first deployment (CreateService) runs no hooks: it is not a traffic shift
//!   here.
//! - With the ROLLING strategy, hooks are kept and not run.

use serde_json::Value;

use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

/// Most pause hooks, and most Lambda hooks, a service may have.
pub const MAX_HOOKS_PER_TYPE: usize = 10;
/// `timeoutConfiguration.timeoutInMinutes` when not given (24 hours).
pub const DEFAULT_TIMEOUT_MINUTES: u32 = 1_440;
/// Longest `timeoutInMinutes` (14 days).
pub const MAX_TIMEOUT_MINUTES: u32 = 20_160;
/// Seconds before a Lambda hook that answered IN_PROGRESS is called again, unless it returns
/// a `callBackDelay`.
pub const DEFAULT_CALL_BACK_DELAY_SECS: u64 = 30;

/// A lifecycle stage a hook can run at (`DeploymentLifecycleHook.lifecycleStages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStage {
    /// A new deployment starts while more than one service revision has tasks.
    ReconcileService,
    /// Before green's tasks start.
    PreScaleUp,
    /// Green's tasks are running and healthy; blue has all production traffic.
    PostScaleUp,
    /// Test traffic moves to green (Lambda hooks only).
    TestTrafficShift,
    /// Test traffic is on green.
    PostTestTrafficShift,
    /// Before each production traffic shift step.
    PreProductionTrafficShift,
    /// At each production traffic shift step (Lambda hooks only).
    ProductionTrafficShift,
    /// All production traffic is on green.
    PostProductionTrafficShift,
}

impl HookStage {
    /// Every stage, in deployment order.
    pub const ALL: [HookStage; 8] = [
        HookStage::ReconcileService,
        HookStage::PreScaleUp,
        HookStage::PostScaleUp,
        HookStage::TestTrafficShift,
        HookStage::PostTestTrafficShift,
        HookStage::PreProductionTrafficShift,
        HookStage::ProductionTrafficShift,
        HookStage::PostProductionTrafficShift,
    ];

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            HookStage::ReconcileService => "RECONCILE_SERVICE",
            HookStage::PreScaleUp => "PRE_SCALE_UP",
            HookStage::PostScaleUp => "POST_SCALE_UP",
            HookStage::TestTrafficShift => "TEST_TRAFFIC_SHIFT",
            HookStage::PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT",
            HookStage::PreProductionTrafficShift => "PRE_PRODUCTION_TRAFFIC_SHIFT",
            HookStage::ProductionTrafficShift => "PRODUCTION_TRAFFIC_SHIFT",
            HookStage::PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT",
        }
    }

    /// The stage named `name`, if any.
    pub fn parse(name: &str) -> Option<HookStage> {
        HookStage::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether pause hooks may run here (not at the two traffic-moving stages).
    pub fn takes_pause_hooks(self) -> bool {
        !matches!(
            self,
            HookStage::TestTrafficShift | HookStage::ProductionTrafficShift
        )
    }
}

/// What a hook runs (`targetType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookTarget {
    /// `AWS_LAMBDA`: the function's ARN (`hookTargetArn`).
    Lambda(String),
    /// `PAUSE`: wait for ContinueServiceDeployment.
    Pause,
}

impl HookTarget {
    /// The API name of the target type.
    pub fn type_name(&self) -> &'static str {
        match self {
            HookTarget::Lambda(_) => "AWS_LAMBDA",
            HookTarget::Pause => "PAUSE",
        }
    }
}

/// What ECS does with a hook that is not resolved in time (`timeoutConfiguration.action`), or
/// what ContinueServiceDeployment asks (`action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAction {
    /// `CONTINUE`: on to the next stage.
    Continue,
    /// `ROLLBACK`: back to the previous service revision.
    Rollback,
}

impl HookAction {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            HookAction::Continue => "CONTINUE",
            HookAction::Rollback => "ROLLBACK",
        }
    }

    fn parse(v: Option<&Value>, default: HookAction, path: &str) -> Result<HookAction, String> {
        match v.filter(|v| !v.is_null()).map(Value::as_str) {
            None => Ok(default),
            Some(Some("CONTINUE")) => Ok(HookAction::Continue),
            Some(Some("ROLLBACK")) => Ok(HookAction::Rollback),
            Some(_) => Err(format!("{path}: must be CONTINUE or ROLLBACK")),
        }
    }
}

/// A `deploymentConfiguration.lifecycleHooks[]` entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentLifecycleHook {
    /// `targetType` with `hookTargetArn`.
    pub target: HookTarget,
    /// `lifecycleStages`.
    pub stages: Vec<HookStage>,
    /// `timeoutConfiguration.timeoutInMinutes`.
    pub timeout_minutes: u32,
    /// `timeoutConfiguration.action`.
    pub timeout_action: HookAction,
}

impl DeploymentLifecycleHook {
    /// The function's name (the ARN's last part) or `pause`, for messages.
    pub fn label(&self) -> String {
        match &self.target {
            HookTarget::Lambda(arn) => {
                format!("Lambda {}", function_name(arn))
            }
            HookTarget::Pause => "pause".to_string(),
        }
    }

    /// Reads `deploymentConfiguration.lifecycleHooks` of a CreateService or UpdateService
    /// request; `base` (the service's hooks) when the request leaves it out.
    pub fn parse_list(
        raw: &Value,
        base: &[DeploymentLifecycleHook],
    ) -> Result<Vec<DeploymentLifecycleHook>, String> {
        let Some(list) = raw
            .pointer("/deploymentConfiguration/lifecycleHooks")
            .filter(|v| !v.is_null())
        else {
            return Ok(base.to_vec());
        };
        let path = "deploymentConfiguration.lifecycleHooks";
        let list = list
            .as_array()
            .ok_or_else(|| format!("{path}: must be a list of lifecycle hooks"))?;
        let hooks = list
            .iter()
            .enumerate()
            .map(|(i, h)| DeploymentLifecycleHook::parse(h, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, String>>()?;
        for kind in ["PAUSE", "AWS_LAMBDA"] {
            let n = hooks
                .iter()
                .filter(|h| h.target.type_name() == kind)
                .count();
            if n > MAX_HOOKS_PER_TYPE {
                return Err(format!(
                    "{path}: {n} {kind} hooks; a service may have at most {MAX_HOOKS_PER_TYPE} pause hooks and {MAX_HOOKS_PER_TYPE} Lambda hooks"
                ));
            }
        }
        Ok(hooks)
    }

    fn parse(v: &Value, path: &str) -> Result<DeploymentLifecycleHook, String> {
        if !v.is_object() {
            return Err(format!("{path}: must be a DeploymentLifecycleHook object"));
        }
        let text = |k: &str| v.get(k).filter(|x| !x.is_null());
        let target = match text("targetType").map(Value::as_str) {
            None | Some(Some("AWS_LAMBDA")) => {
                let arn = text("hookTargetArn").and_then(Value::as_str).ok_or_else(|| {
                    format!("{path}.hookTargetArn: required for an AWS_LAMBDA hook (the Lambda function's ARN)")
                })?;
                let is_function = arn.starts_with("arn:")
                    && arn.split(':').nth(2) == Some("lambda")
                    && arn.split(':').nth(5) == Some("function")
                    && arn.split(':').nth(6).is_some_and(|n| !n.is_empty());
                if !is_function {
                    return Err(format!(
                        "{path}.hookTargetArn: \"{arn}\" is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)"
                    ));
                }
                HookTarget::Lambda(arn.to_string())
            }
            Some(Some("PAUSE")) => {
                for k in ["hookTargetArn", "roleArn"] {
                    if text(k).is_some() {
                        return Err(format!(
                            "{path}.{k}: pause hooks take no {k} (it is for AWS_LAMBDA hooks)"
                        ));
                    }
                }
                HookTarget::Pause
            }
            Some(_) => return Err(format!("{path}.targetType: must be AWS_LAMBDA or PAUSE")),
        };
        let stages_path = format!("{path}.lifecycleStages");
        let names = text("lifecycleStages")
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| format!("{stages_path}: required, a list of lifecycle stages"))?;
        let mut stages = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let stage = name.as_str().and_then(HookStage::parse).ok_or_else(|| {
                let valid: Vec<&str> = HookStage::ALL.iter().map(|s| s.as_str()).collect();
                format!("{stages_path}[{i}]: must be one of {}", valid.join(", "))
            })?;
            if target == HookTarget::Pause && !stage.takes_pause_hooks() {
                return Err(format!(
                    "{stages_path}[{i}]: pause hooks cannot run at {} (only AWS_LAMBDA hooks can)",
                    stage.as_str()
                ));
            }
            if !stages.contains(&stage) {
                stages.push(stage);
            }
        }
        let timeout = text("timeoutConfiguration");
        let timeout_path = format!("{path}.timeoutConfiguration");
        if timeout.is_some_and(|t| !t.is_object()) {
            return Err(format!("{timeout_path}: must be an object"));
        }
        let minutes = timeout
            .and_then(|t| t.get("timeoutInMinutes"))
            .filter(|m| !m.is_null());
        let timeout_minutes = match minutes {
            None => DEFAULT_TIMEOUT_MINUTES,
            Some(m) => m
                .as_u64()
                .filter(|m| (1..=u64::from(MAX_TIMEOUT_MINUTES)).contains(m))
                .map(|m| m as u32)
                .ok_or_else(|| {
                    format!("{timeout_path}.timeoutInMinutes: must be a whole number of minutes from 1 to {MAX_TIMEOUT_MINUTES}")
                })?,
        };
        let timeout_action = HookAction::parse(
            timeout.and_then(|t| t.get("action")),
            HookAction::Rollback,
            &format!("{timeout_path}.action"),
        )?;
        Ok(DeploymentLifecycleHook {
            target,
            stages,
            timeout_minutes,
            timeout_action,
        })
    }
}

/// A hook stage by its ECS name, or by the CodeDeploy AppSpec hook event it runs as.
fn stage_or_event(name: &str) -> Option<HookStage> {
    HookStage::parse(name).or_else(|| {
        match crate::code_deploy::LifecycleEvent::parse(name).map(|e| e.stage()) {
            Some(crate::blue_green::LifecycleStage::Hook(h)) => Some(h),
            _ => None,
        }
    })
}

/// The function's name in a Lambda function ARN
/// (`arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]`).
fn function_name(arn: &str) -> &str {
    arn.split(':').nth(6).unwrap_or(arn)
}

/// What a Lambda hook answers to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LambdaAnswer {
    /// `{"hookStatus": "SUCCEEDED"}`.
    Succeeded,
    /// `{"hookStatus": "FAILED"}`.
    Failed,
    /// `{"hookStatus": "IN_PROGRESS", "callBackDelay": n}`: called again after n seconds.
    InProgress {
        /// `callBackDelay`, seconds (30 when absent).
        call_back_delay_secs: u64,
    },
    /// The function failed (`{"errorMessage": ...}`, as Lambda reports an error).
    Error(String),
}

/// A `lambdaHookResponses[]` entry: what the function `hookTargetArn` answers when a hook
/// calls it, one answer per call, the last one repeating. `lifecycleStage` and
/// `taskDefinition` (the revision being deployed, the old one again during a rollback;
/// `family` or `family:revision`) narrow it down; the first entry that matches a hook run
/// answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaScript {
    /// `hookTargetArn`: the function.
    pub function_arn: String,
    /// `lifecycleStage`, if given.
    pub stage: Option<HookStage>,
    /// `taskDefinition`, if given.
    pub task_definition: Option<String>,
    /// `responses`, in call order.
    pub answers: Vec<LambdaAnswer>,
}

/// Most `responses` one `lambdaHookResponses[]` entry may script.
const MAX_RESPONSES: usize = 1_000;

/// Longest `callBackDelay` the playground takes, in seconds (the longest hook timeout).
const MAX_CALL_BACK_DELAY_SECS: u64 = MAX_TIMEOUT_MINUTES as u64 * 60;

impl LambdaScript {
    /// Parses `lambdaHookResponses[i]`; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<LambdaScript, String> {
        let function_arn = v
            .get("hookTargetArn")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}.hookTargetArn: required, the Lambda function's ARN"))?
            .to_string();
        let stage = match v.get("lifecycleStage").filter(|x| !x.is_null()) {
            None => None,
            Some(s) => Some(s.as_str().and_then(stage_or_event).ok_or_else(|| {
                format!("{path}.lifecycleStage: not a lifecycle stage a hook runs at (or a CodeDeploy AppSpec hook event such as AfterAllowTestTraffic)")
            })?),
        };
        let task_definition = match v.get("taskDefinition").filter(|x| !x.is_null()) {
            None => None,
            Some(t) => Some(
                t.as_str()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        format!("{path}.taskDefinition: must be a family or family:revision")
                    })?
                    .to_string(),
            ),
        };
        let list = v
            .get("responses")
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                format!("{path}.responses: required, a list of what the function returns, e.g. {{\"hookStatus\": \"SUCCEEDED\"}}")
            })?;
        if list.len() > MAX_RESPONSES {
            return Err(format!(
                "{path}.responses: {} entries; the limit is {MAX_RESPONSES}",
                list.len()
            ));
        }
        let answers = list
            .iter()
            .enumerate()
            .map(|(i, r)| LambdaScript::answer(r, &format!("{path}.responses[{i}]")))
            .collect::<Result<_, _>>()?;
        Ok(LambdaScript {
            function_arn,
            stage,
            task_definition,
            answers,
        })
    }

    fn answer(r: &Value, path: &str) -> Result<LambdaAnswer, String> {
        if let Some(msg) = r.get("errorMessage") {
            return Ok(LambdaAnswer::Error(
                msg.as_str().unwrap_or("the function failed").to_string(),
            ));
        }
        let delay = match r.get("callBackDelay").filter(|d| !d.is_null()) {
            None => DEFAULT_CALL_BACK_DELAY_SECS,
            Some(d) => d
                .as_u64()
                .filter(|d| (1..=MAX_CALL_BACK_DELAY_SECS).contains(d))
                .ok_or_else(|| {
                    format!("{path}.callBackDelay: must be a whole number of seconds from 1 to {MAX_CALL_BACK_DELAY_SECS}")
                })?,
        };
        // A CodeDeploy hook's function reports PutLifecycleEventHookExecutionStatus `status`.
        if let Some(status) = r.get("status") {
            return match status.as_str() {
                Some("Succeeded") => Ok(LambdaAnswer::Succeeded),
                Some("Failed") => Ok(LambdaAnswer::Failed),
                _ => Err(format!("{path}.status: InvalidLifecycleEventHookExecutionStatusException: only Succeeded and Failed can be passed to PutLifecycleEventHookExecutionStatus")),
            };
        }
        match r.get("hookStatus").and_then(Value::as_str) {
            Some("SUCCEEDED") => Ok(LambdaAnswer::Succeeded),
            Some("FAILED") => Ok(LambdaAnswer::Failed),
            Some("IN_PROGRESS") => Ok(LambdaAnswer::InProgress {
                call_back_delay_secs: delay,
            }),
            _ => Err(format!(
                "{path}.hookStatus: must be SUCCEEDED, FAILED or IN_PROGRESS (or give errorMessage for a function that fails)"
            )),
        }
    }

    /// Whether this script answers `function` at `stage` for the new revision
    /// `task_definition` (`family:revision`).
    fn matches(&self, function: &str, stage: HookStage, task_definition: &str) -> bool {
        // An AppSpec may name the function by its name instead of its ARN.
        let bare = |f: &str| !f.starts_with("arn:");
        (self.function_arn == function
            || ((bare(&self.function_arn) || bare(function))
                && function_name(&self.function_arn) == function_name(function)))
            && self.stage.is_none_or(|s| s == stage)
            && self.task_definition.as_deref().is_none_or(|t| {
                t == task_definition || task_definition.split(':').next() == Some(t)
            })
    }
}

/// A `continueServiceDeployments[]` entry (a ContinueServiceDeployment request body plus
/// `at`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueServiceDeploymentCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `serviceDeploymentArn`: cluster, service and deployment id (`ecs-svc/<digits>`).
    pub deployment: crate::stop_service_deployment::ServiceDeploymentRef,
    /// `hookId`.
    pub hook_id: String,
    /// `action` (CONTINUE when absent).
    pub action: HookAction,
}

impl ContinueServiceDeploymentCall {
    /// Parses `continueServiceDeployments[i]`; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<ContinueServiceDeploymentCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let deployment = crate::stop_service_deployment::ServiceDeploymentRef::parse(v, path)?;
        let hook_id = v
            .get("hookId")
            .and_then(Value::as_str)
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                format!("{path}.hookId: required, the paused hook's id (DescribeServiceDeployments' lifecycleHookDetails)")
            })?
            .to_string();
        let action = HookAction::parse(
            v.get("action"),
            HookAction::Continue,
            &format!("{path}.action"),
        )?;
        Ok(ContinueServiceDeploymentCall {
            at_ms,
            deployment,
            hook_id,
            action,
        })
    }
}

/// Where a hook run is (`lifecycleHookDetails[].status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    /// A Lambda hook is being called.
    InProgress,
    /// A pause hook waits for ContinueServiceDeployment.
    AwaitingAction,
    /// Done: the deployment may go on.
    Succeeded,
    /// Failed: the deployment rolls back.
    Failed,
    /// Not resolved in time: its timeout action was taken.
    TimedOut,
}

impl HookStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            HookStatus::InProgress => "IN_PROGRESS",
            HookStatus::AwaitingAction => "AWAITING_ACTION",
            HookStatus::Succeeded => "SUCCEEDED",
            HookStatus::Failed => "FAILED",
            HookStatus::TimedOut => "TIMED_OUT",
        }
    }

    /// The `ECS Hook State Change` event name.
    fn event_name(self) -> &'static str {
        match self {
            HookStatus::InProgress => "HOOK_IN_PROGRESS",
            HookStatus::AwaitingAction => "HOOK_AWAITING_ACTION",
            HookStatus::Succeeded => "HOOK_SUCCEEDED",
            HookStatus::Failed => "HOOK_FAILED",
            HookStatus::TimedOut => "HOOK_TIMED_OUT",
        }
    }

    /// Whether the hook still holds the deployment.
    pub fn open(self) -> bool {
        matches!(self, HookStatus::InProgress | HookStatus::AwaitingAction)
    }
}

/// One run of one hook at one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRun {
    /// Unique within the simulation: timers name the run by it.
    pub serial: u64,
    /// `hookId`.
    pub id: String,
    /// The hook.
    pub hook: DeploymentLifecycleHook,
    /// Where it is.
    pub status: HookStatus,
    /// When its timeout action is taken.
    pub expires_at: SimTime,
    /// Calls made so far (Lambda hooks).
    pub calls: usize,
    /// Whether it ran out of time and its timeout action was CONTINUE (counts as done).
    pub continued_on_timeout: bool,
}

impl HookRun {
    /// Whether the run lets the deployment go on.
    fn passed(&self) -> bool {
        self.status == HookStatus::Succeeded || self.continued_on_timeout
    }
}

/// The hooks of one stage, running in parallel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookGate {
    /// The stage.
    pub stage: HookStage,
    /// One run per hook configured at the stage.
    pub runs: Vec<HookRun>,
}

impl Simulation {
    /// Starts the hooks of `stage` for service `s`'s traffic shift. Returns false when no hook
    /// runs there: the stage passes at once.
    pub(crate) fn run_hooks(&mut self, s: usize, stage: HookStage) -> bool {
        let Some(shift) = self.services[s].traffic_shift.as_ref() else {
            return false;
        };
        // CodeDeploy: no hooks during a rollback, and none at AfterAllowTestTraffic without a
        // test listener (the event is not in the deployment).
        let code_deploy = shift.code_deploy;
        if let Some(cd) = code_deploy {
            if shift.rollback
                || (stage == HookStage::PostTestTrafficShift && !self.code_deploy_test_listener(cd))
            {
                return false;
            }
        }
        let Some(shift) = self.services[s].traffic_shift.as_ref() else {
            return false;
        };
        let hooks: Vec<DeploymentLifecycleHook> = shift
            .hooks
            .iter()
            .filter(|h| h.stages.contains(&stage))
            .cloned()
            .collect();
        if hooks.is_empty() {
            return false;
        }
        let deployment = self.hook_deployment_id(s);
        let digits = crate::stop_service_deployment::deployment_digits(&deployment);
        let mut runs = Vec::new();
        for hook in hooks {
            let shift = self.services[s]
                .traffic_shift
                .as_mut()
                .expect("checked above");
            shift.hook_runs += 1;
            let n = shift.hook_runs;
            self.hook_serial += 1;
            let kind = match hook.target {
                HookTarget::Lambda(_) => "lambda",
                HookTarget::Pause => "pause",
            };
            let id = match code_deploy {
                // CodeDeploy's lifecycleEventHookExecutionId [the playground's form].
                Some(cd) => format!(
                    "{}-{}",
                    self.code_deploy[cd].id,
                    crate::code_deploy::LifecycleEvent::of_stage(
                        crate::blue_green::LifecycleStage::Hook(stage)
                    )
                    .map_or("hook", |e| e.as_str())
                ),
                None => format!("ecs-{kind}-{digits}-{n}"),
            };
            runs.push(HookRun {
                serial: self.hook_serial,
                id,
                status: match hook.target {
                    HookTarget::Lambda(_) => HookStatus::InProgress,
                    HookTarget::Pause => HookStatus::AwaitingAction,
                },
                expires_at: self.now().plus_secs(u64::from(hook.timeout_minutes) * 60),
                hook,
                calls: 0,
                continued_on_timeout: false,
            });
        }
        let shift = self.services[s]
            .traffic_shift
            .as_mut()
            .expect("checked above");
        shift.gate = Some(HookGate {
            stage,
            runs: runs.clone(),
        });
        for run in &runs {
            self.schedule(run.expires_at, Timer::DeploymentHookTimeout(s, run.serial));
            let what = match &run.hook.target {
                HookTarget::Lambda(arn) => format!("calling Lambda hook {arn}"),
                HookTarget::Pause => format!(
                    "paused; waiting for ContinueServiceDeployment until {} (then {})",
                    run.expires_at,
                    run.hook.timeout_action.as_str()
                ),
            };
            let msg = format!("{}: hook {} {what}.", self.hook_prefix(s, stage), run.id);
            self.service_event(s, msg);
            self.hook_state_change(s, run);
        }
        for run in &runs {
            if matches!(run.hook.target, HookTarget::Lambda(_)) {
                self.call_lambda_hook(s, run.serial);
            }
        }
        true
    }

    /// `(service <name>) (deployment <id>) lifecycle stage <STAGE>`, or for a CodeDeploy
    /// deployment `(service <name>) (CodeDeploy deployment <id>) lifecycle event <Event>`.
    fn hook_prefix(&self, s: usize, stage: HookStage) -> String {
        let event = crate::code_deploy::LifecycleEvent::of_stage(
            crate::blue_green::LifecycleStage::Hook(stage),
        );
        match (self.code_deploy_of(s), event) {
            (Some(cd), Some(e)) => {
                format!(
                    "{} lifecycle event {}",
                    self.code_deploy_prefix(cd),
                    e.as_str()
                )
            }
            _ => format!(
                "(service {}) (deployment {}) lifecycle stage {}",
                self.services[s].name,
                self.hook_deployment_id(s),
                stage.as_str()
            ),
        }
    }

    /// The deployment service `s`'s hooks run for: the primary one, or during a rollback the
    /// deployment that failed (AWS reports the rollback under it).
    fn hook_deployment_id(&self, s: usize) -> String {
        let svc = &self.services[s];
        match &svc.traffic_shift {
            Some(shift) if shift.rollback => svc.deployments[shift.source].id.clone(),
            _ => svc.deployment_id.clone(),
        }
    }

    /// The run `serial` of service `s`'s current hook gate, if it is still there.
    fn hook_run(&mut self, s: usize, serial: u64) -> Option<&mut HookRun> {
        self.services
            .get_mut(s)?
            .traffic_shift
            .as_mut()?
            .gate
            .as_mut()?
            .runs
            .iter_mut()
            .find(|r| r.serial == serial)
    }

    /// Calls the Lambda function of hook run `serial` of service `s` (a timer; a stale one
    /// does nothing) and acts on its answer.
    pub(crate) fn call_lambda_hook(&mut self, s: usize, serial: u64) {
        let task_definition = self.services[s].task_definition.clone();
        let Some(stage) = self.services[s]
            .traffic_shift
            .as_ref()
            .and_then(|x| x.gate.as_ref())
            .map(|g| g.stage)
        else {
            return;
        };
        let Some(run) = self.hook_run(s, serial) else {
            return;
        };
        let HookTarget::Lambda(function) = run.hook.target.clone() else {
            return;
        };
        if run.status != HookStatus::InProgress {
            return;
        }
        run.calls += 1;
        let (call, id) = (run.calls, run.id.clone());
        let script = self
            .scenario
            .lambda_hook_responses
            .iter()
            .find(|sc| sc.matches(&function, stage, &task_definition));
        let scripted = script.is_some();
        let answer = script.map_or(LambdaAnswer::Succeeded, |sc| {
            sc.answers[(call - 1).min(sc.answers.len() - 1)].clone()
        });
        let name = function_name(&function).to_string();
        let code_deploy = self.code_deploy_of(s).is_some();
        let (status, said) = match &answer {
            // CodeDeploy: the function reports with PutLifecycleEventHookExecutionStatus;
            // one that fails or does not report leaves the hook waiting for its hour.
            LambdaAnswer::Error(e) if code_deploy => (
                HookStatus::InProgress,
                format!("no PutLifecycleEventHookExecutionStatus: the function failed ({e}); CodeDeploy waits for a status until the hook times out"),
            ),
            LambdaAnswer::InProgress { .. } if code_deploy => (
                HookStatus::InProgress,
                "no PutLifecycleEventHookExecutionStatus yet; CodeDeploy waits for a status until the hook times out".to_string(),
            ),
            LambdaAnswer::Succeeded => (HookStatus::Succeeded, "SUCCEEDED".to_string()),
            LambdaAnswer::Failed => (HookStatus::Failed, "FAILED".to_string()),
            LambdaAnswer::Error(e) => (
                HookStatus::Failed,
                format!("no hookStatus: the function failed ({e})"),
            ),
            LambdaAnswer::InProgress {
                call_back_delay_secs,
            } => {
                self.schedule(
                    self.now().plus_secs(*call_back_delay_secs),
                    Timer::DeploymentHookCall(s, serial),
                );
                if call > 1 {
                    return;
                }
                (
                    HookStatus::InProgress,
                    format!("IN_PROGRESS; called again in {call_back_delay_secs} s (its later IN_PROGRESS answers are not logged)"),
                )
            }
        };
        let unscripted = if !scripted {
            " (no lambdaHookResponses entry for it: the playground answers SUCCEEDED)"
        } else {
            ""
        };
        let said = match (code_deploy, status) {
            (true, HookStatus::Succeeded) => {
                "PutLifecycleEventHookExecutionStatus Succeeded".to_string()
            }
            (true, HookStatus::Failed) => "PutLifecycleEventHookExecutionStatus Failed".to_string(),
            _ => said,
        };
        let msg = format!(
            "{}: hook {id}: Lambda {name} returned {said}{unscripted}.",
            self.hook_prefix(s, stage)
        );
        self.service_event(s, msg);
        if status != HookStatus::InProgress {
            self.resolve_hook(s, serial, status);
        }
    }

    /// Hook run `serial` of service `s` ran out of time (a timer; a stale one does nothing):
    /// TIMED_OUT, and its timeout action is taken.
    pub(crate) fn hook_timed_out(&mut self, s: usize, serial: u64) {
        let Some(run) = self.hook_run(s, serial) else {
            return;
        };
        if !run.status.open() {
            return;
        }
        let action = run.hook.timeout_action;
        run.continued_on_timeout = action == HookAction::Continue;
        let id = run.id.clone();
        let rolling_back = self.services[s]
            .traffic_shift
            .as_ref()
            .is_some_and(|x| x.rollback);
        let then = match (rolling_back, action) {
            (true, _) => "the rollback goes on",
            (false, _) if self.code_deploy_of(s).is_some() => {
                "CodeDeploy heard no PutLifecycleEventHookExecutionStatus within one hour"
            }
            (false, HookAction::Continue) => "the deployment continues (timeout action CONTINUE)",
            (false, HookAction::Rollback) => "the deployment rolls back (timeout action ROLLBACK)",
        };
        let stage = self.services[s]
            .traffic_shift
            .as_ref()
            .and_then(|x| x.gate.as_ref())
            .map_or(HookStage::PreScaleUp, |g| g.stage);
        let msg = format!(
            "{}: hook {id} timed out: {then}.",
            self.hook_prefix(s, stage)
        );
        self.service_event(s, msg);
        self.resolve_hook(s, serial, HookStatus::TimedOut);
    }

    /// Makes ContinueServiceDeployment call `i`: the paused hook it names continues or rolls
    /// the deployment back; anything else is refused, said in the event log.
    pub(crate) fn continue_service_deployment_call(&mut self, i: usize) {
        let call = self.scenario.continue_service_deployments[i].clone();
        let (_, in_progress) = self.find_service_deployment(&call.deployment);
        let waiting = in_progress.and_then(|s| {
            let gate = self.services[s].traffic_shift.as_ref()?.gate.as_ref()?;
            gate.runs
                .iter()
                .find(|r| r.id == call.hook_id && r.status == HookStatus::AwaitingAction)
                .map(|r| (s, r.serial))
        });
        let Some((s, serial)) = waiting else {
            let why = match in_progress {
                None => format!(
                    "serviceDeploymentArn: deployment {} of service {} (cluster {}) is not in progress",
                    call.deployment.deployment_id, call.deployment.service, call.deployment.cluster
                ),
                Some(_) => format!(
                    "hookId: no pause hook {} is AWAITING_ACTION in deployment {}",
                    call.hook_id, call.deployment.deployment_id
                ),
            };
            let msg =
                format!("ContinueServiceDeployment failed: continueServiceDeployments[{i}].{why}");
            self.log.push(self.now(), EventKind::Scenario, msg);
            return;
        };
        let msg = format!(
            "(service {}) (deployment {}) hook {}: ContinueServiceDeployment with action {}.",
            call.deployment.service,
            call.deployment.deployment_id,
            call.hook_id,
            call.action.as_str()
        );
        self.service_event(s, msg);
        let status = match call.action {
            HookAction::Continue => HookStatus::Succeeded,
            HookAction::Rollback => HookStatus::Failed,
        };
        self.resolve_hook(s, serial, status);
    }

    /// Hook run `serial` of service `s` ends with `status`: its event, then the gate: any
    /// failure rolls the deployment back (a rollback's own hooks just end); once every run
    /// has passed, the stage is done.
    fn resolve_hook(&mut self, s: usize, serial: u64, status: HookStatus) {
        let Some(run) = self.hook_run(s, serial) else {
            return;
        };
        run.status = status;
        let run = run.clone();
        self.hook_state_change(s, &run);
        let Some(shift) = self.services[s].traffic_shift.as_ref() else {
            return;
        };
        let Some(gate) = shift.gate.as_ref() else {
            return;
        };
        let failed = gate.runs.iter().any(|r| !r.status.open() && !r.passed());
        let all_passed = gate.runs.iter().all(HookRun::passed);
        if shift.rollback {
            if failed || all_passed {
                if failed {
                    let msg = format!(
                        "(service {}) hook {} did not succeed during the rollback: the rollback goes on.",
                        self.services[s].name, run.id
                    );
                    self.service_event(s, msg);
                }
                self.deployment_hooks_done(s);
            }
            return;
        }
        if failed {
            let stage = gate.stage;
            let why = match status {
                HookStatus::TimedOut => "timed out",
                _ => "failed",
            };
            if let Some(cd) = shift.code_deploy {
                let message = format!("lifecycle hook {} {why}", run.id);
                let rollback = self.code_deploy[cd].auto_rollback.on_failure;
                self.end_code_deploy(
                    cd,
                    crate::code_deploy::runtime::DeploymentStatus::Failed,
                    "HOOK_EXECUTION_FAILURE",
                    &message,
                    rollback,
                );
                return;
            }
            let msg = format!(
                "(service {}) (deployment {}) deployment failed: lifecycle hook {} {why} at {}.",
                self.services[s].name,
                self.services[s].deployment_id,
                run.id,
                stage.as_str()
            );
            let reason = format!("ECS deployment lifecycle hook {why}: {}.", run.id);
            self.fail_deployment(s, msg, &reason, true);
        } else if all_passed {
            self.deployment_hooks_done(s);
        }
    }

    /// Every hook of the current gate passed: the gate goes and the stage ends.
    fn deployment_hooks_done(&mut self, s: usize) {
        let Some(shift) = self.services[s].traffic_shift.as_mut() else {
            return;
        };
        shift.gate = None;
        let d = self.services[s].primary_deployment();
        self.stage_done(s, d);
    }

    /// The `ECS Hook State Change` event of `run` of service `s`.
    fn hook_state_change(&mut self, s: usize, run: &HookRun) {
        // ECS sends these for its own deployments; CodeDeploy's hooks are its own.
        if !self.events_wanted() || self.code_deploy_of(s).is_some() {
            return;
        }
        let svc = &self.services[s];
        let deployment = crate::stop_service_deployment::service_deployment_arn(
            &svc.cluster,
            &svc.name,
            &self.hook_deployment_id(s),
        );
        let stage = svc
            .traffic_shift
            .as_ref()
            .and_then(|x| x.gate.as_ref())
            .map_or("", |g| g.stage.as_str());
        let event_type = match run.status {
            HookStatus::Failed | HookStatus::TimedOut => "ERROR",
            _ => "INFO",
        };
        let detail = serde_json::json!({
            "eventType": event_type,
            "eventName": run.status.event_name(),
            "hookId": run.id,
            "hookType": run.hook.target.type_name(),
            "expiresAt": self.timestamp(run.expires_at),
            "lifecycleStage": stage,
            "clusterArn": format!("{}:cluster/{}", crate::revisions::ARN_PREFIX, svc.cluster),
            "serviceArn": format!("{}:service/{}/{}", crate::revisions::ARN_PREFIX, svc.cluster, svc.name),
            "serviceDeploymentArn": deployment,
            "updatedAt": self.timestamp(self.now()),
        });
        self.put_event(crate::eventbridge::Event {
            source: "aws.ecs".to_string(),
            detail_type: "ECS Hook State Change".to_string(),
            resources: vec![deployment],
            detail,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hooks(v: Value) -> Result<Vec<DeploymentLifecycleHook>, String> {
        DeploymentLifecycleHook::parse_list(
            &json!({"deploymentConfiguration": {"lifecycleHooks": v}}),
            &[],
        )
    }

    #[test]
    fn hooks_take_the_api_reference_shape_and_defaults() {
        let h = hooks(json!([
            {"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:check", "roleArn": "arn:aws:iam::123456789012:role/hooks", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"]},
            {"targetType": "PAUSE", "lifecycleStages": ["PRE_PRODUCTION_TRAFFIC_SHIFT"], "timeoutConfiguration": {"timeoutInMinutes": 10, "action": "CONTINUE"}}
        ]))
        .unwrap();
        assert_eq!(
            h[0].target,
            HookTarget::Lambda("arn:aws:lambda:us-east-1:123456789012:function:check".into())
        );
        assert_eq!(h[0].timeout_minutes, DEFAULT_TIMEOUT_MINUTES);
        assert_eq!(h[0].timeout_action, HookAction::Rollback);
        assert_eq!(h[1].target, HookTarget::Pause);
        assert_eq!(h[1].stages, vec![HookStage::PreProductionTrafficShift]);
        assert_eq!(
            (h[1].timeout_minutes, h[1].timeout_action),
            (10, HookAction::Continue)
        );
        // Absent: the service's hooks stay (UpdateService).
        assert_eq!(
            DeploymentLifecycleHook::parse_list(&json!({"deploymentConfiguration": {}}), &h),
            Ok(h.clone())
        );
    }

    #[test]
    fn hooks_refuse_what_the_guide_rules_out_naming_the_field() {
        let lambda = "arn:aws:lambda:us-east-1:123456789012:function:check";
        for (bad, field) in [
            (json!([{"targetType": "PAUSE", "lifecycleStages": ["TEST_TRAFFIC_SHIFT"]}]), "lifecycleHooks[0].lifecycleStages[0]: pause hooks cannot run at TEST_TRAFFIC_SHIFT"),
            (json!([{"targetType": "PAUSE", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}]), "cannot run at PRODUCTION_TRAFFIC_SHIFT"),
            (json!([{"targetType": "PAUSE", "hookTargetArn": lambda, "lifecycleStages": ["POST_SCALE_UP"]}]), "lifecycleHooks[0].hookTargetArn: pause hooks take no"),
            (json!([{"lifecycleStages": ["POST_SCALE_UP"]}]), "lifecycleHooks[0].hookTargetArn: required"),
            (json!([{"hookTargetArn": "arn:aws:sns:us-east-1:123456789012:topic", "lifecycleStages": ["POST_SCALE_UP"]}]), "is not a Lambda function ARN"),
            (json!([{"hookTargetArn": lambda, "lifecycleStages": []}]), "lifecycleHooks[0].lifecycleStages: required"),
            (json!([{"hookTargetArn": lambda, "lifecycleStages": ["BAKE_TIME"]}]), "lifecycleHooks[0].lifecycleStages[0]: must be one of"),
            (json!([{"targetType": "WEBHOOK", "lifecycleStages": ["POST_SCALE_UP"]}]), "lifecycleHooks[0].targetType"),
            (json!([{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"], "timeoutConfiguration": {"timeoutInMinutes": 20161}}]), "timeoutConfiguration.timeoutInMinutes"),
            (json!([{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"], "timeoutConfiguration": {"timeoutInMinutes": 0}}]), "timeoutConfiguration.timeoutInMinutes"),
            (json!([{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"], "timeoutConfiguration": {"action": "ABANDON"}}]), "timeoutConfiguration.action"),
            (json!({"targetType": "PAUSE"}), "lifecycleHooks: must be a list"),
        ] {
            let e = hooks(bad.clone()).unwrap_err();
            assert!(e.contains(field), "{bad}: {e}");
        }
        let eleven: Vec<Value> = (0..11)
            .map(|_| json!({"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}))
            .collect();
        let e = hooks(Value::Array(eleven)).unwrap_err();
        assert!(e.contains("at most 10 pause hooks"), "{e}");
    }

    #[test]
    fn a_qualified_function_arn_is_named_by_its_function() {
        let hook = |arn: &str| DeploymentLifecycleHook {
            target: HookTarget::Lambda(arn.to_string()),
            stages: vec![HookStage::PostScaleUp],
            timeout_minutes: DEFAULT_TIMEOUT_MINUTES,
            timeout_action: HookAction::Rollback,
        };
        assert_eq!(
            hook("arn:aws:lambda:us-east-1:123456789012:function:smoke:live").label(),
            "Lambda smoke"
        );
        assert_eq!(
            hook("arn:aws:lambda:us-east-1:123456789012:function:smoke").label(),
            "Lambda smoke"
        );
    }

    #[test]
    fn lambda_answers_follow_the_hook_status_values() {
        let sc = LambdaScript::parse(
            &json!({"hookTargetArn": "arn:aws:lambda:us-east-1:1:function:f", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT", "taskDefinition": "web",
                    "responses": [{"hookStatus": "IN_PROGRESS"}, {"hookStatus": "IN_PROGRESS", "callBackDelay": 60}, {"hookStatus": "FAILED"}, {"errorMessage": "timeout"}]}),
            "lambdaHookResponses[0]",
        )
        .unwrap();
        assert_eq!(
            sc.answers,
            vec![
                LambdaAnswer::InProgress {
                    call_back_delay_secs: 30
                },
                LambdaAnswer::InProgress {
                    call_back_delay_secs: 60
                },
                LambdaAnswer::Failed,
                LambdaAnswer::Error("timeout".into())
            ]
        );
        assert!(sc.matches(
            "arn:aws:lambda:us-east-1:1:function:f",
            HookStage::PostTestTrafficShift,
            "web:7"
        ));
        assert!(!sc.matches(
            "arn:aws:lambda:us-east-1:1:function:f",
            HookStage::PostScaleUp,
            "web:7"
        ));
        assert!(!sc.matches(
            "arn:aws:lambda:us-east-1:1:function:f",
            HookStage::PostTestTrafficShift,
            "api:7"
        ));
        for (bad, field) in [
            (
                json!({"responses": [{"hookStatus": "SUCCEEDED"}]}),
                "lambdaHookResponses[0].hookTargetArn",
            ),
            (
                json!({"hookTargetArn": "f", "responses": []}),
                "lambdaHookResponses[0].responses",
            ),
            (
                json!({"hookTargetArn": "f", "responses": [{"hookStatus": "SUCCEED"}]}),
                "responses[0].hookStatus",
            ),
            (
                json!({"hookTargetArn": "f", "responses": [{"hookStatus": "IN_PROGRESS", "callBackDelay": 0}]}),
                "responses[0].callBackDelay",
            ),
            (
                json!({"hookTargetArn": "f", "lifecycleStage": "CLEAN_UP", "responses": [{"hookStatus": "SUCCEEDED"}]}),
                "lambdaHookResponses[0].lifecycleStage",
            ),
        ] {
            let e = LambdaScript::parse(&bad, "lambdaHookResponses[0]").unwrap_err();
            assert!(e.contains(field), "{bad}: {e}");
        }
    }

    #[test]
    fn continue_calls_take_the_request_body() {
        let arn = "arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/42";
        let c = ContinueServiceDeploymentCall::parse(
            &json!({"at": "PT5M", "serviceDeploymentArn": arn, "hookId": "ecs-pause-42-1"}),
            "continueServiceDeployments[0]",
        )
        .unwrap();
        assert_eq!((c.at_ms, c.action), (300_000, HookAction::Continue));
        assert_eq!(c.deployment.arn(), arn);
        for (bad, field) in [
            (
                json!({"serviceDeploymentArn": arn}),
                "continueServiceDeployments[0].hookId",
            ),
            (
                json!({"serviceDeploymentArn": arn, "hookId": "h", "action": "ABORT"}),
                "continueServiceDeployments[0].action",
            ),
            (
                json!({"hookId": "h"}),
                "continueServiceDeployments[0].serviceDeploymentArn",
            ),
        ] {
            let e = ContinueServiceDeploymentCall::parse(&bad, "continueServiceDeployments[0]")
                .unwrap_err();
            assert!(e.contains(field), "{bad}: {e}");
        }
    }
}
