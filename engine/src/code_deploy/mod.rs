//! CodeDeploy blue/green deployments of Amazon ECS services (`deploymentController` type
//! `CODE_DEPLOY`): the scenario keeps the CodeDeploy request bodies verbatim.
//!
//! | section | request |
//! |---|---|
//! | `codeDeployApplications[]` | CreateApplication (`computePlatform` ECS) |
//! | `deploymentConfigs[]` | CreateDeploymentConfig (`trafficRoutingConfig`) |
//! | `deploymentGroups[]` | CreateDeploymentGroup |
//! | `createDeployments[]` | CreateDeployment, with the AppSpec inline, plus `at` |
//! | `continueDeployments[]` | ContinueDeployment (`deploymentWaitType`), plus `at` |
//! | `stopDeployments[]` | StopDeployment (`autoRollbackEnabled`), plus `at` |
//!
//! Sources: the CodeDeploy user guide's "What happens during an Amazon ECS deployment",
//! "AppSpec 'hooks' section", "Deployment configurations" and "Create a deployment group for
//! an Amazon ECS deployment"; the ECS guide's "CodeDeploy blue/green deployments"; the
//! CodeDeploy API reference (CreateDeploymentGroup, CreateDeployment, ContinueDeployment,
//! StopDeployment, PutLifecycleEventHookExecutionStatus, BlueInstanceTerminationOption,
//! DeploymentReadyOption, TimeBasedCanary, TimeBasedLinear); the ECS API reference's
//! CreateService, UpdateService and TaskSet.
//!
//! How a deployment runs ([`runtime`] drives it through the same stages as ECS's own
//! blue/green deployments, [`crate::blue_green`]):
//! 1. **BeforeInstall** (hook). 2. **Install**: the replacement task set starts the service's
//!    desired count of tasks (scale 100 %) in the deployment group's other target group, and
//!    the event ends once they are healthy. 3. **AfterInstall** (hook).
//! 4. **AllowTestTraffic** and **AfterAllowTestTraffic** (hook), only with a
//!    `testTrafficRoute`: without one they are not in the deployment's event list.
//! 5. With `deploymentReadyOption.actionOnTimeout` STOP_DEPLOYMENT, the deployment is
//!    **Ready** and waits `waitTimeInMinutes` for ContinueDeployment (READY_WAIT); then it is
//!    **Stopped** [the wait's place, after AfterAllowTestTraffic and before
//!    BeforeAllowTraffic, is unconfirmed].
//! 6. **BeforeAllowTraffic** (hook, once). 7. **AllowTraffic**: the production listener's
//!    weights move to the replacement by the deployment configuration (all at once, linear or
//!    canary). 8. **AfterAllowTraffic** (hook).
//!    Throughout, ECS keeps both task sets at their `computedDesiredCount` (the service's
//!    desired count at scale 100 %): a lost task of the original is replaced, and a new
//!    desired count reaches both. After Install, a service that a scaling event left
//!    unsteady for 5 minutes fails the deployment.
//! 9. The original task set keeps running, without production traffic, for
//!    `terminationWaitTimeInMinutes` (ContinueDeployment TERMINATION_WAIT ends it early), then
//!    its tasks stop and the deployment is **Succeeded**.
//!
//! A hook's Lambda function reports with PutLifecycleEventHookExecutionStatus, `Succeeded` or
//! `Failed`; one that reports nothing fails the deployment after one hour. A failed hook, an
//! alarm of `alarmConfiguration` in ALARM, or StopDeployment ends the deployment Failed or
//! Stopped; with `autoRollbackConfiguration` (DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM,
//! DEPLOYMENT_STOP_ON_REQUEST) a rollback deployment, with its own ID, routes production
//! traffic back to the original task set and the replacement's tasks stop [that they stop is
//! unconfirmed]; without it, both task sets stay as they are.
//!
//! The playground's choices [unconfirmed]: deployment IDs are `d-CD<7 digits>` for
//! `createDeployments[i]` (i + 1) and `d-RB<7 digits>` for rollbacks, readable and the same
//! in every run (AWS's are random); `deploymentConfigName` defaults to
//! `CodeDeployDefault.ECSAllAtOnce` (the ECS console's and CDK's default) and
//! `terminationWaitTimeInMinutes` to 0 (CDK's); `KEEP_ALIVE` is kept with a warning and runs
//! as TERMINATE.

pub mod appspec;
pub mod runtime;

use serde_json::Value;

use crate::blue_green::DeploymentStrategy;

/// Longest `terminationWaitTimeInMinutes` (2 days), also taken as the longest
/// `waitTimeInMinutes` [unconfirmed].
pub const MAX_WAIT_MINUTES: u32 = 2_880;
/// Minutes CodeDeploy waits for a hook's PutLifecycleEventHookExecutionStatus.
pub const HOOK_TIMEOUT_MINUTES: u32 = 60;
/// Most alarms one deployment group may watch.
pub const MAX_ALARMS: usize = 10;
/// The deployment configuration a group without `deploymentConfigName` uses [unconfirmed].
pub const DEFAULT_CONFIG: &str = "CodeDeployDefault.ECSAllAtOnce";

/// An event of an Amazon ECS deployment's lifecycle, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LifecycleEvent {
    /// Before the replacement task set is created (hook).
    BeforeInstall,
    /// The replacement task set is created and becomes healthy.
    Install,
    /// After Install (hook).
    AfterInstall,
    /// The test listener routes to the replacement.
    AllowTestTraffic,
    /// After AllowTestTraffic (hook).
    AfterAllowTestTraffic,
    /// Before production traffic moves (hook).
    BeforeAllowTraffic,
    /// Production traffic moves to the replacement.
    AllowTraffic,
    /// After AllowTraffic (hook).
    AfterAllowTraffic,
}

impl LifecycleEvent {
    /// Every event, in deployment order.
    pub const ALL: [LifecycleEvent; 8] = [
        LifecycleEvent::BeforeInstall,
        LifecycleEvent::Install,
        LifecycleEvent::AfterInstall,
        LifecycleEvent::AllowTestTraffic,
        LifecycleEvent::AfterAllowTestTraffic,
        LifecycleEvent::BeforeAllowTraffic,
        LifecycleEvent::AllowTraffic,
        LifecycleEvent::AfterAllowTraffic,
    ];

    /// The name CodeDeploy uses.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleEvent::BeforeInstall => "BeforeInstall",
            LifecycleEvent::Install => "Install",
            LifecycleEvent::AfterInstall => "AfterInstall",
            LifecycleEvent::AllowTestTraffic => "AllowTestTraffic",
            LifecycleEvent::AfterAllowTestTraffic => "AfterAllowTestTraffic",
            LifecycleEvent::BeforeAllowTraffic => "BeforeAllowTraffic",
            LifecycleEvent::AllowTraffic => "AllowTraffic",
            LifecycleEvent::AfterAllowTraffic => "AfterAllowTraffic",
        }
    }

    /// The event named `name`, if any.
    pub fn parse(name: &str) -> Option<LifecycleEvent> {
        LifecycleEvent::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// Whether an AppSpec hook can run here (Install, AllowTestTraffic and AllowTraffic
    /// cannot be scripted).
    pub fn scriptable(self) -> bool {
        !matches!(
            self,
            LifecycleEvent::Install
                | LifecycleEvent::AllowTestTraffic
                | LifecycleEvent::AllowTraffic
        )
    }

    /// The stage of [`crate::blue_green`] this event runs as.
    pub fn stage(self) -> crate::blue_green::LifecycleStage {
        use crate::blue_green::LifecycleStage as L;
        use crate::deployment_lifecycle_hook::HookStage as H;
        match self {
            LifecycleEvent::BeforeInstall => L::Hook(H::PreScaleUp),
            LifecycleEvent::Install => L::ScaleUp,
            LifecycleEvent::AfterInstall => L::Hook(H::PostScaleUp),
            LifecycleEvent::AllowTestTraffic => L::Hook(H::TestTrafficShift),
            LifecycleEvent::AfterAllowTestTraffic => L::Hook(H::PostTestTrafficShift),
            LifecycleEvent::BeforeAllowTraffic => L::Hook(H::PreProductionTrafficShift),
            LifecycleEvent::AllowTraffic => L::Hook(H::ProductionTrafficShift),
            LifecycleEvent::AfterAllowTraffic => L::Hook(H::PostProductionTrafficShift),
        }
    }

    /// The event a stage of [`crate::blue_green`] runs, if any (BAKE_TIME, the termination
    /// wait, and CLEAN_UP are none).
    pub fn of_stage(stage: crate::blue_green::LifecycleStage) -> Option<LifecycleEvent> {
        LifecycleEvent::ALL.into_iter().find(|e| e.stage() == stage)
    }
}

/// The predefined Amazon ECS deployment configurations, by name.
pub fn predefined_config(name: &str) -> Option<DeploymentStrategy> {
    let linear = |minutes| DeploymentStrategy::Linear {
        step_tenths: 100,
        step_bake_minutes: minutes,
    };
    let canary = |minutes| DeploymentStrategy::Canary {
        canary_tenths: 100,
        canary_bake_minutes: minutes,
    };
    Some(match name {
        "CodeDeployDefault.ECSAllAtOnce" => DeploymentStrategy::BlueGreen,
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" => linear(1),
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" => linear(3),
        "CodeDeployDefault.ECSCanary10Percent5Minutes" => canary(5),
        "CodeDeployDefault.ECSCanary10Percent15Minutes" => canary(15),
        _ => return None,
    })
}

/// A `deploymentConfigs[]` entry (CreateDeploymentConfig), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentConfig {
    /// `deploymentConfigName`.
    pub name: String,
    /// `trafficRoutingConfig`, as the traffic shift it runs.
    pub strategy: DeploymentStrategy,
}

impl DeploymentConfig {
    /// Parses one CreateDeploymentConfig request; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<DeploymentConfig, String> {
        let name = required_text(v, "deploymentConfigName", path)?;
        if name.starts_with("CodeDeployDefault.") {
            return Err(format!(
                "{path}.deploymentConfigName: the CodeDeployDefault. prefix is reserved for the predefined configurations"
            ));
        }
        match v.get("computePlatform").and_then(Value::as_str) {
            Some("ECS") => {}
            other => {
                return Err(format!(
                    "{path}.computePlatform: must be ECS (the playground simulates Amazon ECS deployments), not {}",
                    other.unwrap_or("missing")
                ))
            }
        }
        let routing = v
            .get("trafficRoutingConfig")
            .filter(|r| r.is_object())
            .ok_or_else(|| format!("{path}.trafficRoutingConfig: required for ECS"))?;
        let at = format!("{path}.trafficRoutingConfig");
        let whole = |obj: &str, key: &str, range: std::ops::RangeInclusive<u64>| {
            routing
                .get(obj)
                .and_then(|o| o.get(key))
                .and_then(Value::as_u64)
                .filter(|n| range.contains(n))
                .map(|n| n as u32)
                .ok_or_else(|| {
                    format!(
                        "{at}.{obj}.{key}: required, a whole number from {} to {}",
                        range.start(),
                        range.end()
                    )
                })
        };
        let strategy = match routing.get("type").and_then(Value::as_str) {
            Some("AllAtOnce") => DeploymentStrategy::BlueGreen,
            Some("TimeBasedLinear") => DeploymentStrategy::Linear {
                step_tenths: whole("timeBasedLinear", "linearPercentage", 1..=100)? * 10,
                step_bake_minutes: whole(
                    "timeBasedLinear",
                    "linearInterval",
                    0..=u64::from(MAX_WAIT_MINUTES),
                )?,
            },
            Some("TimeBasedCanary") => DeploymentStrategy::Canary {
                canary_tenths: whole("timeBasedCanary", "canaryPercentage", 1..=100)? * 10,
                canary_bake_minutes: whole(
                    "timeBasedCanary",
                    "canaryInterval",
                    0..=u64::from(MAX_WAIT_MINUTES),
                )?,
            },
            _ => {
                return Err(format!(
                    "{at}.type: must be AllAtOnce, TimeBasedLinear or TimeBasedCanary"
                ))
            }
        };
        Ok(DeploymentConfig { name, strategy })
    }
}

/// `autoRollbackConfiguration`: which endings roll back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoRollback {
    /// `DEPLOYMENT_FAILURE` (a hook failed or timed out).
    pub on_failure: bool,
    /// `DEPLOYMENT_STOP_ON_ALARM`.
    pub on_alarm: bool,
    /// `DEPLOYMENT_STOP_ON_REQUEST` (StopDeployment, the ready wait running out).
    pub on_request: bool,
}

impl AutoRollback {
    fn parse(v: Option<&Value>, path: &str) -> Result<Option<AutoRollback>, String> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let enabled = match v.get("enabled").filter(|e| !e.is_null()) {
            None => false,
            Some(e) => e.as_bool().ok_or_else(|| {
                format!("{path}.autoRollbackConfiguration.enabled: must be true or false")
            })?,
        };
        let mut out = AutoRollback::default();
        for (i, e) in v
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match e.as_str() {
                Some("DEPLOYMENT_FAILURE") => out.on_failure = true,
                Some("DEPLOYMENT_STOP_ON_ALARM") => out.on_alarm = true,
                Some("DEPLOYMENT_STOP_ON_REQUEST") => out.on_request = true,
                _ => return Err(format!("{path}.autoRollbackConfiguration.events[{i}]: must be DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM or DEPLOYMENT_STOP_ON_REQUEST")),
            }
        }
        Ok(Some(if enabled {
            out
        } else {
            AutoRollback::default()
        }))
    }
}

/// A `deploymentGroups[]` entry (CreateDeploymentGroup for an Amazon ECS service), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentGroup {
    /// `applicationName`.
    pub application: String,
    /// `deploymentGroupName`.
    pub name: String,
    /// `deploymentConfigName`.
    pub config: String,
    /// `ecsServices[0].clusterName`.
    pub cluster: String,
    /// `ecsServices[0].serviceName`.
    pub service: String,
    /// `loadBalancerInfo.targetGroupPairInfoList[0].targetGroups[].name`.
    pub target_groups: [String; 2],
    /// Whether `testTrafficRoute` names a listener.
    pub test_listener: bool,
    /// `terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes`.
    pub termination_wait_minutes: u32,
    /// `deploymentReadyOption`: minutes to wait for ContinueDeployment (STOP_DEPLOYMENT), or
    /// `None` to reroute at once (CONTINUE_DEPLOYMENT).
    pub ready_wait_minutes: Option<u32>,
    /// `autoRollbackConfiguration`.
    pub auto_rollback: AutoRollback,
    /// `alarmConfiguration.alarms[].name` when enabled.
    pub alarms: Vec<String>,
    /// `terminateBlueInstancesOnDeploymentSuccess.action` KEEP_ALIVE (run as TERMINATE).
    pub keep_alive: bool,
}

impl DeploymentGroup {
    /// Parses one CreateDeploymentGroup request against the applications and custom
    /// configurations declared before it; `path` names it in errors.
    pub fn parse(
        v: &Value,
        path: &str,
        applications: &[String],
        configs: &[DeploymentConfig],
    ) -> Result<DeploymentGroup, String> {
        let application = required_text(v, "applicationName", path)?;
        if !applications.contains(&application) {
            return Err(format!(
                "{path}.applicationName: ApplicationDoesNotExistException: no application {application} in codeDeployApplications"
            ));
        }
        let name = required_text(v, "deploymentGroupName", path)?;
        required_text(v, "serviceRoleArn", path)?;
        let config = match v.get("deploymentConfigName").filter(|c| !c.is_null()) {
            None => DEFAULT_CONFIG.to_string(),
            Some(c) => {
                let c = c.as_str().unwrap_or("");
                check_config(c, configs, &format!("{path}.deploymentConfigName"))?;
                c.to_string()
            }
        };
        if let Some(style) = v.get("deploymentStyle").filter(|s| !s.is_null()) {
            let kind = style.get("deploymentType").and_then(Value::as_str);
            let option = style.get("deploymentOption").and_then(Value::as_str);
            if kind != Some("BLUE_GREEN") || option != Some("WITH_TRAFFIC_CONTROL") {
                return Err(format!("{path}.deploymentStyle: an Amazon ECS deployment group is BLUE_GREEN WITH_TRAFFIC_CONTROL"));
            }
        }
        let services = v
            .get("ecsServices")
            .and_then(Value::as_array)
            .filter(|l| l.len() == 1)
            .ok_or_else(|| {
                format!("{path}.ecsServices: required, one {{serviceName, clusterName}}")
            })?;
        let service = required_text(
            &services[0],
            "serviceName",
            &format!("{path}.ecsServices[0]"),
        )?;
        let cluster = required_text(
            &services[0],
            "clusterName",
            &format!("{path}.ecsServices[0]"),
        )?;
        let pair_path = format!("{path}.loadBalancerInfo.targetGroupPairInfoList");
        let pairs = v
            .pointer("/loadBalancerInfo/targetGroupPairInfoList")
            .and_then(Value::as_array)
            .filter(|l| l.len() == 1)
            .ok_or_else(|| format!("{pair_path}: required, one target group pair"))?;
        let pair = &pairs[0];
        let names: Vec<String> = pair
            .get("targetGroups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let [blue, green] = names.as_slice() else {
            return Err(format!(
                "{pair_path}[0].targetGroups: InvalidTargetGroupPairException: two target groups, each {{\"name\": ...}}"
            ));
        };
        if blue == green {
            return Err(format!(
                "{pair_path}[0].targetGroups: InvalidTargetGroupPairException: the two target groups are the same ({blue})"
            ));
        }
        let listeners = |key: &str| -> Result<usize, String> {
            let n = pair
                .get(key)
                .and_then(|r| r.get("listenerArns"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if n > 1 {
                return Err(format!(
                    "{pair_path}[0].{key}.listenerArns: at most one listener"
                ));
            }
            Ok(n)
        };
        if listeners("prodTrafficRoute")? == 0 {
            return Err(format!(
                "{pair_path}[0].prodTrafficRoute.listenerArns: required, the production listener"
            ));
        }
        let test_listener = listeners("testTrafficRoute")? == 1;
        let bg = v.get("blueGreenDeploymentConfiguration");
        let minutes = |ptr: &str, field: &str| -> Result<Option<u32>, String> {
            match bg.and_then(|b| b.pointer(ptr)).filter(|m| !m.is_null()) {
                None => Ok(None),
                Some(m) => m
                    .as_u64()
                    .filter(|m| *m <= u64::from(MAX_WAIT_MINUTES))
                    .map(|m| Some(m as u32))
                    .ok_or_else(|| {
                        format!("{path}.blueGreenDeploymentConfiguration.{field}: must be a whole number of minutes from 0 to {MAX_WAIT_MINUTES}")
                    }),
            }
        };
        let termination_wait_minutes = minutes(
            "/terminateBlueInstancesOnDeploymentSuccess/terminationWaitTimeInMinutes",
            "terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes",
        )?
        .unwrap_or(0);
        let keep_alive = match bg
            .and_then(|b| b.pointer("/terminateBlueInstancesOnDeploymentSuccess/action"))
            .filter(|a| !a.is_null())
            .map(Value::as_str)
        {
            None | Some(Some("TERMINATE")) => false,
            Some(Some("KEEP_ALIVE")) => true,
            Some(_) => return Err(format!("{path}.blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess.action: must be TERMINATE or KEEP_ALIVE")),
        };
        let ready_wait_minutes = match bg
            .and_then(|b| b.pointer("/deploymentReadyOption/actionOnTimeout"))
            .filter(|a| !a.is_null())
            .map(Value::as_str)
        {
            None | Some(Some("CONTINUE_DEPLOYMENT")) => None,
            Some(Some("STOP_DEPLOYMENT")) => Some(
                minutes(
                    "/deploymentReadyOption/waitTimeInMinutes",
                    "deploymentReadyOption.waitTimeInMinutes",
                )?
                .unwrap_or(0),
            ),
            Some(_) => return Err(format!("{path}.blueGreenDeploymentConfiguration.deploymentReadyOption.actionOnTimeout: must be CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT")),
        };
        let auto_rollback =
            AutoRollback::parse(v.get("autoRollbackConfiguration"), path)?.unwrap_or_default();
        let alarm_cfg = v.get("alarmConfiguration");
        let alarms: Vec<String> = if alarm_cfg
            .and_then(|a| a.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            alarm_cfg
                .and_then(|a| a.get("alarms"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, a)| {
                    a.get("name")
                        .and_then(Value::as_str)
                        .filter(|n| !n.is_empty())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            format!("{path}.alarmConfiguration.alarms[{i}].name: required")
                        })
                })
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        if alarms.len() > MAX_ALARMS {
            return Err(format!(
                "{path}.alarmConfiguration.alarms: AlarmsLimitExceededException: {} alarms; the limit is {MAX_ALARMS}",
                alarms.len()
            ));
        }
        Ok(DeploymentGroup {
            application,
            name,
            config,
            cluster,
            service,
            target_groups: [blue.clone(), green.clone()],
            test_listener,
            termination_wait_minutes,
            ready_wait_minutes,
            auto_rollback,
            alarms,
            keep_alive,
        })
    }
}

/// Checks that `name` is a predefined or declared ECS deployment configuration.
fn check_config(name: &str, configs: &[DeploymentConfig], path: &str) -> Result<(), String> {
    if predefined_config(name).is_some() || configs.iter().any(|c| c.name == name) {
        return Ok(());
    }
    Err(format!(
        "{path}: DeploymentConfigDoesNotExistException: \"{name}\" is neither a predefined Amazon ECS configuration (CodeDeployDefault.ECSAllAtOnce, ECSLinear10PercentEvery1Minutes, ECSLinear10PercentEvery3Minutes, ECSCanary10Percent5Minutes, ECSCanary10Percent15Minutes) nor in deploymentConfigs"
    ))
}

/// A `createDeployments[]` entry (CreateDeployment plus `at`), checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateDeploymentCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// The deployment group (index in `deploymentGroups[]`).
    pub group: usize,
    /// `deploymentConfigName`, overriding the group's.
    pub config: Option<String>,
    /// `autoRollbackConfiguration`, overriding the group's.
    pub auto_rollback: Option<AutoRollback>,
    /// The AppSpec of `revision`.
    pub appspec: appspec::AppSpec,
}

impl CreateDeploymentCall {
    /// Parses one CreateDeployment request; `path` names it in errors.
    pub fn parse(
        v: &Value,
        path: &str,
        groups: &[DeploymentGroup],
        configs: &[DeploymentConfig],
    ) -> Result<CreateDeploymentCall, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let application = required_text(v, "applicationName", path)?;
        let group_name = required_text(v, "deploymentGroupName", path)?;
        let group = groups
            .iter()
            .position(|g| g.application == application && g.name == group_name)
            .ok_or_else(|| {
                format!("{path}.deploymentGroupName: DeploymentGroupDoesNotExistException: no deployment group {group_name} of application {application} in deploymentGroups")
            })?;
        let config = match v.get("deploymentConfigName").filter(|c| !c.is_null()) {
            None => None,
            Some(c) => {
                let c = c.as_str().unwrap_or("");
                check_config(c, configs, &format!("{path}.deploymentConfigName"))?;
                Some(c.to_string())
            }
        };
        let revision = v
            .get("revision")
            .filter(|r| r.is_object())
            .ok_or_else(|| format!("{path}.revision: RevisionRequiredException: required"))?;
        let (member, content) = match revision.get("revisionType").and_then(Value::as_str) {
            Some("AppSpecContent") => ("appSpecContent", revision.get("appSpecContent")),
            Some("String") => ("string", revision.get("string")),
            Some("S3" | "GitHub") => {
                return Err(format!(
                    "{path}.revision.revisionType: the playground cannot read S3 or GitHub; give the AppSpec inline with revisionType AppSpecContent"
                ))
            }
            _ => {
                return Err(format!(
                    "{path}.revision.revisionType: must be AppSpecContent (or String) with the AppSpec inline"
                ))
            }
        };
        let at = format!("{path}.revision.{member}");
        let text = content
            .and_then(|c| c.get("content"))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}.content: required, the AppSpec in YAML or JSON"))?;
        if let Some(sum) = content
            .and_then(|c| c.get("sha256"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            use sha2::Digest;
            let actual: String = sha2::Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if !sum.eq_ignore_ascii_case(&actual) {
                return Err(format!(
                    "{at}.sha256: InvalidRevisionException: does not match the content's SHA-256 ({actual})"
                ));
            }
        }
        let appspec = appspec::parse_appspec(text).map_err(|e| format!("{at}.content: {e}"))?;
        Ok(CreateDeploymentCall {
            at_ms,
            group,
            config,
            auto_rollback: AutoRollback::parse(v.get("autoRollbackConfiguration"), path)?,
            appspec,
        })
    }
}

/// ContinueDeployment's `deploymentWaitType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitType {
    /// `READY_WAIT`: start shifting traffic.
    Ready,
    /// `TERMINATION_WAIT`: stop the original task set now.
    Termination,
}

/// A `continueDeployments[]` entry (ContinueDeployment plus `at`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueDeploymentCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `deploymentId`.
    pub deployment_id: String,
    /// `deploymentWaitType` (READY_WAIT when absent).
    pub wait: WaitType,
}

impl ContinueDeploymentCall {
    /// Parses one ContinueDeployment request; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<ContinueDeploymentCall, String> {
        let wait = match v.get("deploymentWaitType").filter(|w| !w.is_null()).map(Value::as_str) {
            None | Some(Some("READY_WAIT")) => WaitType::Ready,
            Some(Some("TERMINATION_WAIT")) => WaitType::Termination,
            Some(_) => {
                return Err(format!(
                    "{path}.deploymentWaitType: InvalidDeploymentWaitTypeException: must be READY_WAIT or TERMINATION_WAIT"
                ))
            }
        };
        Ok(ContinueDeploymentCall {
            at_ms: crate::time::call_at_ms(v, path)?,
            deployment_id: required_text(v, "deploymentId", path)?,
            wait,
        })
    }
}

/// A `stopDeployments[]` entry (StopDeployment plus `at`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopDeploymentCall {
    /// When the call is made, in milliseconds of simulated time.
    pub at_ms: u64,
    /// `deploymentId`.
    pub deployment_id: String,
    /// `autoRollbackEnabled`; absent: the deployment's DEPLOYMENT_STOP_ON_REQUEST.
    pub auto_rollback: Option<bool>,
}

impl StopDeploymentCall {
    /// Parses one StopDeployment request; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<StopDeploymentCall, String> {
        let auto_rollback = match v.get("autoRollbackEnabled").filter(|b| !b.is_null()) {
            None => None,
            Some(b) => Some(
                b.as_bool()
                    .ok_or_else(|| format!("{path}.autoRollbackEnabled: must be true or false"))?,
            ),
        };
        Ok(StopDeploymentCall {
            at_ms: crate::time::call_at_ms(v, path)?,
            deployment_id: required_text(v, "deploymentId", path)?,
            auto_rollback,
        })
    }
}

/// The CodeDeploy sections of a scenario, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeDeployRequests {
    /// `codeDeployApplications[].applicationName`.
    pub applications: Vec<String>,
    /// `deploymentConfigs[]`.
    pub configs: Vec<DeploymentConfig>,
    /// `deploymentGroups[]`.
    pub groups: Vec<DeploymentGroup>,
    /// `createDeployments[]`.
    pub deployments: Vec<CreateDeploymentCall>,
    /// `continueDeployments[]`.
    pub continues: Vec<ContinueDeploymentCall>,
    /// `stopDeployments[]`.
    pub stops: Vec<StopDeploymentCall>,
}

/// The scenario's CodeDeploy sections, as given.
#[derive(Debug, Clone, Copy)]
pub struct CodeDeploySections<'a> {
    /// `codeDeployApplications`.
    pub applications: &'a [Value],
    /// `deploymentConfigs`.
    pub configs: &'a [Value],
    /// `deploymentGroups`.
    pub groups: &'a [Value],
    /// `createDeployments`.
    pub deployments: &'a [Value],
    /// `continueDeployments`.
    pub continues: &'a [Value],
    /// `stopDeployments`.
    pub stops: &'a [Value],
}

impl CodeDeployRequests {
    /// Parses the sections in dependency order; target group names are checked against
    /// `load_balancing`. The error names the field.
    pub fn parse<'a>(
        sections: CodeDeploySections<'a>,
        load_balancing: &crate::load_balancer::LoadBalancing,
    ) -> Result<CodeDeployRequests, String> {
        let mut out = CodeDeployRequests::default();
        // `aws deploy get-application`, `get-deployment-config` and `get-deployment-group`
        // output pastes as it is: the request members sit under one wrapper.
        let unwrap = |v: &'a Value, key: &str| v.get(key).filter(|x| x.is_object()).unwrap_or(v);
        for (i, v) in sections.applications.iter().enumerate() {
            let v = unwrap(v, "application");
            let path = format!("codeDeployApplications[{i}]");
            let name = required_text(v, "applicationName", &path)?;
            match v.get("computePlatform").and_then(Value::as_str) {
                Some("ECS") => {}
                Some("Server" | "Lambda") => {
                    return Err(format!(
                        "{path}.computePlatform: the playground simulates Amazon ECS deployments; Server and Lambda are not simulated"
                    ))
                }
                _ => {
                    return Err(format!(
                        "{path}.computePlatform: InvalidComputePlatformException: must be ECS here (Lambda, Server or ECS in AWS)"
                    ))
                }
            }
            if out.applications.contains(&name) {
                return Err(format!(
                    "{path}.applicationName: ApplicationAlreadyExistsException: {name}"
                ));
            }
            out.applications.push(name);
        }
        for (i, v) in sections.configs.iter().enumerate() {
            let v = unwrap(v, "deploymentConfigInfo");
            let c = DeploymentConfig::parse(v, &format!("deploymentConfigs[{i}]"))?;
            if out.configs.iter().any(|o| o.name == c.name) {
                return Err(format!(
                    "deploymentConfigs[{i}].deploymentConfigName: DeploymentConfigAlreadyExistsException: {}",
                    c.name
                ));
            }
            out.configs.push(c);
        }
        for (i, v) in sections.groups.iter().enumerate() {
            let v = unwrap(v, "deploymentGroupInfo");
            let path = format!("deploymentGroups[{i}]");
            let g = DeploymentGroup::parse(v, &path, &out.applications, &out.configs)?;
            if out
                .groups
                .iter()
                .any(|o| o.application == g.application && o.name == g.name)
            {
                return Err(format!(
                    "{path}.deploymentGroupName: DeploymentGroupAlreadyExistsException: {}",
                    g.name
                ));
            }
            if out
                .groups
                .iter()
                .any(|o| o.cluster == g.cluster && o.service == g.service)
            {
                return Err(format!(
                    "{path}.ecsServices[0]: ECSServiceMappingLimitExceededException: an Amazon ECS service can be associated with only one deployment group ({}:{})",
                    g.cluster, g.service
                ));
            }
            for (j, name) in g.target_groups.iter().enumerate() {
                if load_balancing.find_target_group(name).is_none() {
                    return Err(format!(
                        "{path}.loadBalancerInfo.targetGroupPairInfoList[0].targetGroups[{j}].name: no target group {name} in targetGroups"
                    ));
                }
            }
            out.groups.push(g);
        }
        for (i, v) in sections.deployments.iter().enumerate() {
            out.deployments.push(CreateDeploymentCall::parse(
                v,
                &format!("createDeployments[{i}]"),
                &out.groups,
                &out.configs,
            )?);
        }
        for (i, v) in sections.continues.iter().enumerate() {
            out.continues.push(ContinueDeploymentCall::parse(
                v,
                &format!("continueDeployments[{i}]"),
            )?);
        }
        for (i, v) in sections.stops.iter().enumerate() {
            out.stops.push(StopDeploymentCall::parse(
                v,
                &format!("stopDeployments[{i}]"),
            )?);
        }
        Ok(out)
    }

    /// The traffic shift a configuration name runs.
    pub fn strategy(&self, config: &str) -> DeploymentStrategy {
        predefined_config(config)
            .or_else(|| {
                self.configs
                    .iter()
                    .find(|c| c.name == config)
                    .map(|c| c.strategy)
            })
            .unwrap_or(DeploymentStrategy::BlueGreen)
    }
}

/// The ID of `createDeployments[i]`'s deployment.
pub fn deployment_id(i: usize) -> String {
    format!("d-CD{:07}", i + 1)
}

/// The ID of the `n`th rollback deployment (from 1).
pub fn rollback_id(n: usize) -> String {
    format!("d-RB{n:07}")
}

fn required_text(v: &Value, key: &str, path: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| format!("{path}.{key}: required"))
}

#[cfg(test)]
mod tests;
