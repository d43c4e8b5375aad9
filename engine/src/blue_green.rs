//! Blue/green, linear and canary deployments (`deploymentConfiguration.strategy` BLUE_GREEN,
//! LINEAR or CANARY, the `ECS` controller's managed traffic shifting; section 4.3 lists them).
//!
//! Sources: the ECS developer guide's "Amazon ECS blue/green service deployments workflow",
//! "Amazon ECS linear deployments" and "Amazon ECS canary deployments" pages, the API
//! reference's `DeploymentConfiguration`, `LinearConfiguration`, `CanaryConfiguration`,
//! `AdvancedConfiguration` and `ServiceDeployment`.
//!
//! How a deployment runs here, stage by stage (the `lifecycleStage` names are AWS's). The
//! stages marked "hooks" only run the deployment lifecycle hooks configured there
//! ([`crate::deployment_lifecycle_hook`]) and pass at once without any.
//! 1. **RECONCILE_SERVICE** (hooks), only when more than one older revision still has tasks.
//! 2. **PRE_SCALE_UP** (hooks): green has not started.
//! 3. **SCALE_UP**: the new revision (green) starts the desired count of tasks beside the old
//!    one (blue), registered in the other target group of each `loadBalancers[]` entry's pair
//!    (`targetGroupArn` and `advancedConfiguration.alternateTargetGroupArn`), so they get no
//!    production traffic. `maximumPercent` does not cap them: blue keeps its tasks until
//!    CLEAN_UP, so the service runs up to twice its tasks [inferred from "green scales up to
//!    100 %"]. The stage ends once every green task counts as healthy (4.4).
//!    Blue's tasks are neither replaced nor scaled until CLEAN_UP (the service's task
//!    definition is green's) [the playground's choice: AWS does not say]; a long pause hook
//!    leaves blue as it is. (A CodeDeploy deployment keeps both task sets at their computed
//!    desired count, as the TaskSet API documents: [`crate::code_deploy`].)
//! 4. **POST_SCALE_UP** (hooks).
//! 5. **TEST_TRAFFIC_SHIFT**: with a `testListenerRule`, test traffic moves to green
//!    (DescribeServiceDeployments' `requestedTestTrafficWeight`; no test requests are
//!    simulated), then its hooks. **POST_TEST_TRAFFIC_SHIFT** (hooks).
//! 6. **PRE_PRODUCTION_TRAFFIC_SHIFT** (hooks) and **PRODUCTION_TRAFFIC_SHIFT**, once per step:
//!    the production listener rule's weights move to green, then the stage's hooks run: all at
//!    once (BLUE_GREEN); by `stepPercent` every `stepBakeTimeInMinutes` (LINEAR, the last step
//!    shifting what is left); `canaryPercent`, then the rest after `canaryBakeTimeInMinutes`
//!    (CANARY). A step's bake time starts when its hooks are done [unconfirmed].
//! 7. **POST_PRODUCTION_TRAFFIC_SHIFT** (hooks).
//! 8. **BAKE_TIME**: both revisions run for `bakeTimeInMinutes`.
//! 9. **CLEAN_UP**: blue's tasks stop; the deployment completes. Green's target group is now
//!    production: the next deployment starts in the other one (the weights swing back and
//!    forth between the pair, as the ALB guide describes).
//!
//! A deployment alarm in ALARM or the circuit breaker (4.5) before CLEAN_UP rolls back at
//! once when its `rollback` is on, and so does a failed or timed-out hook: production traffic
//! returns to blue, which becomes the primary deployment again; the Lambda hooks of
//! TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT run again, then green's tasks stop
//! [unconfirmed: AWS does not say that green stops]. With `rollback` off, the failed
//! deployment stays where it stopped, both revisions running and the weights as they were,
//! until the next deployment starts from blue [unconfirmed: AWS does not say]. A service
//! without a load balancer runs the same stages without traffic to shift. Service event
//! wording for the stages is the playground's [unconfirmed]: AWS documents none.

use serde_json::Value;

use crate::deployment_lifecycle_hook::{DeploymentLifecycleHook, HookGate, HookStage};
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};

/// `deploymentConfiguration.strategy`, with its shifting settings. Percentages are in tenths
/// of a percent (AWS takes multiples of 0.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeploymentStrategy {
    /// `ROLLING` (the default): the rolling update of 4.3.
    #[default]
    Rolling,
    /// `BLUE_GREEN`: all production traffic moves at once.
    BlueGreen,
    /// `LINEAR`: `linearConfiguration`: `stepPercent` (3.0–100.0, default 10.0) every
    /// `stepBakeTimeInMinutes` (0–1440, default 6).
    Linear {
        /// `stepPercent`, in tenths of a percent.
        step_tenths: u32,
        /// `stepBakeTimeInMinutes`.
        step_bake_minutes: u32,
    },
    /// `CANARY`: `canaryConfiguration`: `canaryPercent` (0.1–100.0, default 5.0), then the rest
    /// after `canaryBakeTimeInMinutes` (0–1440, default 10).
    Canary {
        /// `canaryPercent`, in tenths of a percent.
        canary_tenths: u32,
        /// `canaryBakeTimeInMinutes`.
        canary_bake_minutes: u32,
    },
}

/// Longest bake time AWS takes, in minutes (24 hours).
pub const MAX_BAKE_MINUTES: u32 = 1_440;

impl DeploymentStrategy {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStrategy::Rolling => "ROLLING",
            DeploymentStrategy::BlueGreen => "BLUE_GREEN",
            DeploymentStrategy::Linear { .. } => "LINEAR",
            DeploymentStrategy::Canary { .. } => "CANARY",
        }
    }

    /// Whether ECS shifts traffic between two revisions (anything but ROLLING).
    pub fn shifts_traffic(self) -> bool {
        self != DeploymentStrategy::Rolling
    }

    /// Reads `strategy`, `linearConfiguration` and `canaryConfiguration` of a
    /// `deploymentConfiguration` object, starting from `base` for what it leaves out.
    pub fn from_request(dc: &Value, base: DeploymentStrategy) -> Result<Self, String> {
        let kind = match dc.get("strategy") {
            None | Some(Value::Null) => base.as_str(),
            Some(v) => v.as_str().filter(|k| ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"].contains(k)).ok_or(
                "deploymentConfiguration.strategy: must be ROLLING, BLUE_GREEN, LINEAR or CANARY",
            )?,
        };
        for (key, owner) in [
            ("linearConfiguration", "LINEAR"),
            ("canaryConfiguration", "CANARY"),
        ] {
            if dc.get(key).is_some_and(|v| !v.is_null()) && kind != owner {
                return Err(format!(
                    "deploymentConfiguration.{key}: only valid with strategy {owner}, not {kind}"
                ));
            }
        }
        let member = |obj: &str, key: &str| {
            dc.get(obj)
                .and_then(|o| o.get(key))
                .filter(|v| !v.is_null())
        };
        let percent = |obj: &str, key: &str, lowest: u32, default: u32| -> Result<u32, String> {
            let Some(v) = member(obj, key) else {
                return Ok(default);
            };
            let tenths = v.as_f64().map(|p| p * 10.0);
            match tenths {
                Some(t) if (t - t.round()).abs() < 1e-6 && t.round() >= f64::from(lowest) && t.round() <= 1000.0 => Ok(t.round() as u32),
                _ => Err(format!(
                    "deploymentConfiguration.{obj}.{key}: must be a multiple of 0.1 from {}.{} to 100.0",
                    lowest / 10,
                    lowest % 10
                )),
            }
        };
        let minutes = |obj: &str, key: &str, default: u32| -> Result<u32, String> {
            let field = format!("{obj}.{key}");
            Ok(whole_minutes(member(obj, key), &field)?.unwrap_or(default))
        };
        Ok(match kind {
            "ROLLING" => DeploymentStrategy::Rolling,
            "BLUE_GREEN" => DeploymentStrategy::BlueGreen,
            "LINEAR" => {
                let (step, bake) = match base {
                    DeploymentStrategy::Linear {
                        step_tenths,
                        step_bake_minutes,
                    } => (step_tenths, step_bake_minutes),
                    _ => (100, 6),
                };
                DeploymentStrategy::Linear {
                    step_tenths: percent("linearConfiguration", "stepPercent", 30, step)?,
                    step_bake_minutes: minutes(
                        "linearConfiguration",
                        "stepBakeTimeInMinutes",
                        bake,
                    )?,
                }
            }
            _ => {
                let (share, bake) = match base {
                    DeploymentStrategy::Canary {
                        canary_tenths,
                        canary_bake_minutes,
                    } => (canary_tenths, canary_bake_minutes),
                    _ => (50, 10),
                };
                DeploymentStrategy::Canary {
                    canary_tenths: percent("canaryConfiguration", "canaryPercent", 1, share)?,
                    canary_bake_minutes: minutes(
                        "canaryConfiguration",
                        "canaryBakeTimeInMinutes",
                        bake,
                    )?,
                }
            }
        })
    }

    /// Minutes between two production traffic shift steps: `stepBakeTimeInMinutes` (LINEAR),
    /// `canaryBakeTimeInMinutes` (CANARY); none for the single step of BLUE_GREEN.
    pub fn step_wait_minutes(self) -> u32 {
        match self {
            DeploymentStrategy::Linear {
                step_bake_minutes, ..
            } => step_bake_minutes,
            DeploymentStrategy::Canary {
                canary_bake_minutes,
                ..
            } => canary_bake_minutes,
            DeploymentStrategy::Rolling | DeploymentStrategy::BlueGreen => 0,
        }
    }

    /// The production traffic on green after the shift that follows `green_tenths`, and how
    /// long to wait after it (minutes) before the next one; `None` for the wait once all of
    /// it has moved (the step bake time is not applied at 100 %).
    pub fn next_shift(self, green_tenths: u32) -> (u32, Option<u32>) {
        let (to, wait) = match self {
            DeploymentStrategy::Rolling | DeploymentStrategy::BlueGreen => (1000, 0),
            DeploymentStrategy::Linear {
                step_tenths,
                step_bake_minutes,
            } => (green_tenths + step_tenths, step_bake_minutes),
            DeploymentStrategy::Canary {
                canary_tenths,
                canary_bake_minutes,
            } => match green_tenths {
                0 => (canary_tenths, canary_bake_minutes),
                _ => (1000, 0),
            },
        };
        let to = to.min(1000);
        (to, (to < 1000).then_some(wait))
    }
}

/// A lifecycle stage of a blue/green, linear or canary deployment (`ServiceDeployment`
/// `lifecycleStage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleStage {
    /// A stage hooks run at ([`crate::deployment_lifecycle_hook`]): most only run them and
    /// pass at once without any; TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT move traffic
    /// first.
    Hook(HookStage),
    /// Green's tasks start in the alternate target group.
    ScaleUp,
    /// Both revisions run for `bakeTimeInMinutes`.
    BakeTime,
    /// Blue's tasks stop.
    CleanUp,
}

impl LifecycleStage {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStage::Hook(h) => h.as_str(),
            LifecycleStage::ScaleUp => "SCALE_UP",
            LifecycleStage::BakeTime => "BAKE_TIME",
            LifecycleStage::CleanUp => "CLEAN_UP",
        }
    }

    /// Whether green's tasks have been started (SCALE_UP or later).
    pub fn green_started(self) -> bool {
        !matches!(
            self,
            LifecycleStage::Hook(HookStage::ReconcileService | HookStage::PreScaleUp)
        )
    }
}

/// A blue/green, linear or canary deployment under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficShift {
    /// The strategy it runs with (UpdateService changes apply to the next deployment).
    pub strategy: DeploymentStrategy,
    /// `bakeTimeInMinutes`.
    pub bake_minutes: u32,
    /// Where it is.
    pub stage: LifecycleStage,
    /// Blue: the deployment (index) that held production traffic when it started.
    pub source: usize,
    /// Production traffic on green, in tenths of a percent.
    pub green_tenths: u32,
    /// Whether this is a rollback: green failed and blue took production traffic back; only
    /// the rollback's hooks and CLEAN_UP (green's tasks stopping) are left.
    pub rollback: bool,
    /// Whether test traffic (`testListenerRule`) goes to green (from TEST_TRAFFIC_SHIFT on).
    pub test_on_green: bool,
    /// `deploymentConfiguration.lifecycleHooks` as the deployment started.
    pub hooks: Vec<DeploymentLifecycleHook>,
    /// The hooks of the current stage, while they run.
    pub gate: Option<HookGate>,
    /// Hook runs so far: the `n` of each run's `hookId`.
    pub hook_runs: u32,
    /// The CodeDeploy deployment this shift runs ([`crate::code_deploy`]), if any.
    pub code_deploy: Option<usize>,
}

/// How a traffic shift is to run: the service's own deployment configuration, or a CodeDeploy
/// deployment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftPlan {
    /// The traffic routing.
    pub strategy: DeploymentStrategy,
    /// Minutes both revisions run once all traffic moved (`bakeTimeInMinutes`, or
    /// CodeDeploy's `terminationWaitTimeInMinutes`).
    pub bake_minutes: u32,
    /// The hooks to run.
    pub hooks: Vec<DeploymentLifecycleHook>,
    /// The CodeDeploy deployment, if it is one.
    pub code_deploy: Option<usize>,
}

/// Reads `bakeTimeInMinutes` (0–1440) of a `deploymentConfiguration` object, `base` when
/// absent.
pub fn bake_minutes(dc: &Value, base: Option<u32>) -> Result<Option<u32>, String> {
    let given = dc.get("bakeTimeInMinutes").filter(|v| !v.is_null());
    Ok(whole_minutes(given, "bakeTimeInMinutes")?.or(base))
}

/// A number of minutes from 0 to 1,440 at `deploymentConfiguration.<field>`, if given.
fn whole_minutes(v: Option<&Value>, field: &str) -> Result<Option<u32>, String> {
    v.map(|v| {
        v.as_u64()
            .filter(|m| *m <= u64::from(MAX_BAKE_MINUTES))
            .map(|m| m as u32)
            .ok_or_else(|| {
                format!("deploymentConfiguration.{field}: must be a whole number of minutes from 0 to {MAX_BAKE_MINUTES}")
            })
    })
    .transpose()
}

/// Checks that a service can deploy with its strategy: the `ECS` deployment controller, a
/// REPLICA service [unconfirmed: AWS documents the strategies for REPLICA services], and an
/// alternate target group for every `loadBalancers[]` entry (`advancedConfiguration`: the
/// API marks it optional, CloudFormation requires it; without it the new tasks would take
/// production traffic at once).
pub fn check_strategy(
    raw: &Value,
    daemon: bool,
    strategy: DeploymentStrategy,
    links: &[crate::load_balancer::ServiceLoadBalancer],
) -> Result<(), String> {
    if !strategy.shifts_traffic() {
        return Ok(());
    }
    let name = strategy.as_str();
    if let Some(c) = raw
        .pointer("/deploymentController/type")
        .and_then(Value::as_str)
        .filter(|c| *c != "ECS")
    {
        return Err(format!(
            "deploymentConfiguration.strategy: {name} needs deploymentController type ECS, not {c}"
        ));
    }
    if daemon {
        return Err(format!(
            "deploymentConfiguration.strategy: {name} is for REPLICA services; a DAEMON service deploys with ROLLING"
        ));
    }
    if let Some(i) = links.iter().position(|l| l.alternate.is_none()) {
        return Err(format!(
            "loadBalancers[{i}].advancedConfiguration.alternateTargetGroupArn: required with the {name} strategy (the new revision's tasks start there)"
        ));
    }
    Ok(())
}

/// Formats tenths of a percent as AWS writes weights: `5`, `12.5`.
pub fn percent(tenths: u32) -> String {
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

impl Simulation {
    /// Starts the traffic shift of service `s`'s new primary deployment, whose tasks replace
    /// those of deployment `source` (blue). A shift already under way before its CLEAN_UP is
    /// superseded: its green tasks stop and production traffic goes back to blue first. The
    /// shift begins at RECONCILE_SERVICE when more than one older revision still has tasks,
    /// else at PRE_SCALE_UP.
    pub(crate) fn begin_traffic_shift(&mut self, s: usize, source: usize, plan: ShiftPlan) {
        let svc = &self.services[s];
        let primary = svc.primary_deployment();
        let green_side = svc.load_balancers.iter().any(|l| l.alternate.is_some())
            && !svc.deployments[source].alternate;
        let mut revisions: Vec<usize> = self
            .service_tasks
            .get(s)
            .into_iter()
            .flatten()
            .filter(|&&t| self.tasks[t].is_active())
            .filter_map(|&t| self.tasks[t].deployment)
            .filter(|&d| d != primary)
            .collect();
        revisions.sort_unstable();
        revisions.dedup();
        self.services[s].deployments[primary].alternate = green_side;
        self.services[s].traffic_shift = Some(TrafficShift {
            strategy: plan.strategy,
            bake_minutes: plan.bake_minutes,
            stage: LifecycleStage::Hook(HookStage::PreScaleUp),
            source,
            green_tenths: 0,
            rollback: false,
            test_on_green: false,
            hooks: plan.hooks,
            gate: None,
            hook_runs: 0,
            code_deploy: plan.code_deploy,
        });
        self.route_production_to(s, source);
        // CodeDeploy has no RECONCILE_SERVICE event.
        let first = if revisions.len() > 1 && plan.code_deploy.is_none() {
            LifecycleStage::Hook(HookStage::ReconcileService)
        } else {
            LifecycleStage::Hook(HookStage::PreScaleUp)
        };
        self.enter_stage(s, primary, first);
    }

    /// Service `s`'s traffic shift for deployment `d` enters `stage`: the stage's own work,
    /// then its hooks. A stage with nothing to wait for ends at once
    /// ([`Simulation::stage_done`]); SCALE_UP ends when green is healthy, BAKE_TIME on its
    /// timer, and CLEAN_UP with the deployment.
    fn enter_stage(&mut self, s: usize, d: usize, stage: LifecycleStage) {
        let Some(shift) = self.services[s].traffic_shift.as_mut() else {
            return;
        };
        shift.stage = stage;
        let bake_minutes = shift.bake_minutes;
        let code_deploy = shift.code_deploy;
        if let Some(cd) = code_deploy {
            self.code_deploy_event(
                cd,
                stage,
                crate::code_deploy::runtime::EventStatus::InProgress,
            );
        }
        let (name, id) = (
            self.services[s].name.clone(),
            self.services[s].deployment_id.clone(),
        );
        let green = self.side_names(s, self.services[s].deployments[d].alternate);
        match stage {
            LifecycleStage::ScaleUp => {
                if let Some(cd) = code_deploy {
                    self.code_deploy_install_started(cd);
                }
                let msg = match code_deploy {
                    Some(cd) => format!(
                        "{} lifecycle event Install: replacement task set {id} starting {} tasks of {}{green}.",
                        self.code_deploy_prefix(cd),
                        self.services[s].desired_count,
                        self.services[s].task_definition,
                    ),
                    None => format!(
                        "(service {name}) (deployment {id}) {} deployment: lifecycle stage SCALE_UP: starting {} tasks of {}{green}.",
                        self.services[s].deployment_configuration.strategy.as_str(),
                        self.services[s].desired_count,
                        self.services[s].task_definition,
                    ),
                };
                self.service_event(s, msg);
                self.poke_service(s);
                return;
            }
            LifecycleStage::Hook(HookStage::TestTrafficShift) if self.has_test_route(s) => {
                if let Some(shift) = self.services[s].traffic_shift.as_mut() {
                    shift.test_on_green = true;
                }
                let msg = match code_deploy {
                    Some(cd) => format!(
                        "{} lifecycle event AllowTestTraffic: the test listener routes to {}{green}.",
                        self.code_deploy_prefix(cd),
                        self.services[s].task_definition,
                    ),
                    None => format!(
                        "(service {name}) (deployment {id}) lifecycle stage TEST_TRAFFIC_SHIFT: test traffic (testListenerRule) to {}{green}.",
                        self.services[s].task_definition,
                    ),
                };
                self.service_event(s, msg);
            }
            LifecycleStage::Hook(HookStage::ProductionTrafficShift) => {
                self.move_production_traffic(s, d)
            }
            LifecycleStage::BakeTime => {
                if let Some(cd) = code_deploy {
                    self.code_deploy_termination_wait(cd, bake_minutes);
                }
                self.schedule(
                    self.now().plus_secs(u64::from(bake_minutes) * 60),
                    Timer::TrafficShift(s, d),
                );
                return;
            }
            LifecycleStage::CleanUp => {
                let source = self.services[s]
                    .traffic_shift
                    .as_ref()
                    .map_or(d, |x| x.source);
                let what = if code_deploy.is_some() {
                    "original task set"
                } else {
                    "deployment"
                };
                let prefix = match code_deploy {
                    Some(cd) => self.code_deploy_prefix(cd),
                    None => format!("(service {name}) (deployment {id}) lifecycle stage CLEAN_UP:"),
                };
                let msg = format!(
                    "{prefix} stopping the tasks of {what} {}.",
                    self.services[s].deployments[source].id
                );
                self.service_event(s, msg);
                self.poke_service(s);
                return;
            }
            _ => {}
        }
        let hooked = match stage {
            LifecycleStage::Hook(h) => self.run_hooks(s, h),
            _ => false,
        };
        if !hooked {
            self.stage_done(s, d);
        }
    }

    /// Service `s`'s current stage (of deployment `d`) is over, hooks included: on to the
    /// next one. After a production traffic step that left traffic on blue, the step bake time
    /// comes first; a rollback's hooks lead to its CLEAN_UP.
    pub(crate) fn stage_done(&mut self, s: usize, d: usize) {
        let Some(shift) = self.services[s].traffic_shift.as_mut() else {
            return;
        };
        if shift.rollback {
            // PRODUCTION_TRAFFIC_SHIFT's hooks, then TEST_TRAFFIC_SHIFT's, then CLEAN_UP.
            if shift.stage == LifecycleStage::Hook(HookStage::ProductionTrafficShift) {
                shift.stage = LifecycleStage::Hook(HookStage::TestTrafficShift);
                if self.run_hooks(s, HookStage::TestTrafficShift) {
                    return;
                }
            }
            if let Some(shift) = self.services[s].traffic_shift.as_mut() {
                shift.stage = LifecycleStage::CleanUp;
            }
            self.poke_service(s);
            return;
        }
        // A failed deployment held where it stopped (rollback off) goes nowhere.
        if self.services[s].deployments[d].rollout_state
            != crate::deployment::RolloutState::InProgress
        {
            return;
        }
        let Some(shift) = self.services[s].traffic_shift.as_ref() else {
            return;
        };
        if let Some(cd) = shift.code_deploy {
            let (stage, moved_all) = (shift.stage, shift.green_tenths == 1000);
            let production = stage == LifecycleStage::Hook(HookStage::ProductionTrafficShift);
            if !production || moved_all {
                self.code_deploy_event(
                    cd,
                    stage,
                    crate::code_deploy::runtime::EventStatus::Succeeded,
                );
            }
            if stage == LifecycleStage::Hook(HookStage::PostTestTrafficShift)
                && self.code_deploy_ready_wait(cd)
            {
                return;
            }
        }
        let Some(shift) = self.services[s].traffic_shift.as_mut() else {
            return;
        };
        let next = match shift.stage {
            LifecycleStage::Hook(HookStage::ReconcileService) => {
                LifecycleStage::Hook(HookStage::PreScaleUp)
            }
            LifecycleStage::Hook(HookStage::PreScaleUp) => LifecycleStage::ScaleUp,
            LifecycleStage::ScaleUp => LifecycleStage::Hook(HookStage::PostScaleUp),
            LifecycleStage::Hook(HookStage::PostScaleUp) => {
                LifecycleStage::Hook(HookStage::TestTrafficShift)
            }
            LifecycleStage::Hook(HookStage::TestTrafficShift) => {
                LifecycleStage::Hook(HookStage::PostTestTrafficShift)
            }
            LifecycleStage::Hook(HookStage::PostTestTrafficShift) => {
                LifecycleStage::Hook(HookStage::PreProductionTrafficShift)
            }
            LifecycleStage::Hook(HookStage::PreProductionTrafficShift) => {
                LifecycleStage::Hook(HookStage::ProductionTrafficShift)
            }
            LifecycleStage::Hook(HookStage::ProductionTrafficShift)
                if shift.green_tenths < 1000 =>
            {
                let wait = shift.strategy.step_wait_minutes();
                self.schedule(
                    self.now().plus_secs(u64::from(wait) * 60),
                    Timer::TrafficShift(s, d),
                );
                return;
            }
            LifecycleStage::Hook(HookStage::ProductionTrafficShift) => {
                LifecycleStage::Hook(HookStage::PostProductionTrafficShift)
            }
            LifecycleStage::Hook(HookStage::PostProductionTrafficShift) => LifecycleStage::BakeTime,
            LifecycleStage::BakeTime => LifecycleStage::CleanUp,
            LifecycleStage::CleanUp => return,
        };
        self.enter_stage(s, d, next);
    }

    /// Whether service `s`'s deployment has a test route: its CodeDeploy deployment group's
    /// `testTrafficRoute`, or a `testListenerRule` of its `loadBalancers`.
    pub(crate) fn has_test_route(&self, s: usize) -> bool {
        match self.code_deploy_of(s) {
            Some(cd) => self.code_deploy_test_listener(cd),
            None => self.has_test_listener_rule(s),
        }
    }

    /// Whether a `loadBalancers[]` entry of service `s` names a `testListenerRule`.
    pub(crate) fn has_test_listener_rule(&self, s: usize) -> bool {
        self.services[s]
            .request
            .get("loadBalancers")
            .and_then(Value::as_array)
            .is_some_and(|list| {
                list.iter().any(|l| {
                    l.pointer("/advancedConfiguration/testListenerRule")
                        .and_then(Value::as_str)
                        .is_some_and(|r| !r.is_empty())
                })
            })
    }

    /// ` in target group <name>` for the side (`false`: `targetGroupArn`, `true`: the
    /// alternate) of service `s`'s load balancers; empty without one.
    fn side_names(&self, s: usize, alternate: bool) -> String {
        let names: Vec<&str> = self.services[s]
            .load_balancers
            .iter()
            .map(|l| self.lb.target_groups[l.group(alternate)].name.as_str())
            .collect();
        match names.len() {
            0 => String::new(),
            1 => format!(" in target group {}", names[0]),
            _ => format!(" in target groups {}", names.join(", ")),
        }
    }

    /// Sends all production traffic of service `s`'s weighted listener rules to deployment
    /// `d`'s target groups.
    pub(crate) fn route_production_to(&mut self, s: usize, d: usize) {
        let side = self.services[s].deployments[d].alternate;
        self.set_green_weight(s, usize::from(side), 1000);
    }

    /// Puts `tenths` of production traffic on side `side` (0: `targetGroupArn`, 1: the
    /// alternate) of every weighted listener rule of service `s`, the rest on the other.
    fn set_green_weight(&mut self, s: usize, side: usize, tenths: u32) {
        for link in &self.services[s].load_balancers {
            let Some(alt) = link.alternate else {
                continue;
            };
            if let Some(rule) = self
                .lb
                .weighted_rules
                .iter_mut()
                .find(|r| r.groups == [link.target_group, alt])
            {
                rule.weights[side] = tenths;
                rule.weights[1 - side] = 1000 - tenths;
            }
        }
    }

    /// One scheduler pass of service `s` during a traffic shift before CLEAN_UP (the
    /// partition of [`Simulation::reconcile_replicas`]: `current` are green's tasks on
    /// instances that take tasks, `unhealthy` green's tasks waiting for replacements, `replace`
    /// the rest). Green starts the desired count, whatever `maximumPercent`; blue's tasks stay.
    /// Tasks of a superseded green deployment stop at once: no production traffic reaches
    /// them; those of deployments older than blue stay until CLEAN_UP. Green's tasks on a DRAINING instance stop once their replacements have started
    /// [unconfirmed]. When every green task counts as healthy, SCALE_UP is over.
    pub(crate) fn reconcile_green(
        &mut self,
        s: usize,
        current: Vec<usize>,
        replace: Vec<usize>,
        unhealthy: Vec<usize>,
    ) {
        let Some(shift) = self.services[s].traffic_shift.clone() else {
            return;
        };
        let desired = self.services[s].desired_count as usize;
        let waiting = self.services[s].waiting_total() as usize;
        let primary = self.services[s].primary_deployment();
        // Before SCALE_UP (RECONCILE_SERVICE, PRE_SCALE_UP) green starts nothing.
        let missing = if shift.stage.green_started() {
            desired.saturating_sub(current.len() + waiting)
        } else {
            0
        };
        let before = self.service_task_count(s);
        if missing > 0 {
            self.start_replicas(s, missing);
        }
        let start_blocked = missing > 0 && self.service_task_count(s) == before;
        let unhealthy_left = self.stop_replaced_unhealthy(s, &current, &unhealthy, start_blocked);
        let id = self.services[s].deployment_id.clone();
        let mut stopped = Vec::new();
        for &t in &replace {
            // Older deployments' tasks (a rolling update cut short) stay with blue; those of a
            // superseded green (newer than blue, or failed) stop.
            let d = self.tasks[t].deployment;
            let stale = d.is_some_and(|d| {
                d != primary
                    && d != shift.source
                    && (d > shift.source
                        || self.services[s].deployments[d].rollout_state
                            == crate::deployment::RolloutState::Failed)
            });
            let moved = d == Some(primary) && missing == 0;
            if !(moved || (stale && !self.is_protected(t))) {
                continue;
            }
            let reason = format!("Scaling activity initiated by (deployment {id})");
            self.stop_task(t, "ServiceSchedulerInitiated", &reason);
            stopped.push(format!("(task {})", self.tasks[t].id));
        }
        self.report_stopped(s, &stopped);
        // CodeDeploy keeps both task sets at their computed desired count.
        let current = match shift.code_deploy {
            Some(_) if !shift.rollback => self.keep_task_sets(s, &shift, current, &replace),
            _ => current,
        };
        // A failed deployment holds where it stopped (rollback off).
        let ready = shift.stage == LifecycleStage::ScaleUp
            && self.services[s].deployments[primary].rollout_state
                == crate::deployment::RolloutState::InProgress
            && missing == 0
            && waiting == 0
            && unhealthy_left == 0
            && current.iter().all(|&t| self.task_is_healthy(t));
        if ready {
            self.green_ready(s);
        }
    }

    /// Green is ready (SCALE_UP done: every task healthy): on to POST_SCALE_UP.
    fn green_ready(&mut self, s: usize) {
        let primary = self.services[s].primary_deployment();
        self.stage_done(s, primary);
    }

    /// The timer of service `s`'s traffic shift for deployment `d` (a stale one does
    /// nothing): after a step bake time, the next step begins with PRE_PRODUCTION_TRAFFIC_SHIFT;
    /// after BAKE_TIME, CLEAN_UP.
    pub(crate) fn shift_step(&mut self, s: usize, d: usize) {
        if self.services[s].primary_deployment() != d
            || self.services[s].status != crate::service::ServiceStatus::Active
            || self.services[s].deployments[d].rollout_state
                != crate::deployment::RolloutState::InProgress
        {
            return;
        }
        let Some(shift) = self.services[s].traffic_shift.as_ref() else {
            return;
        };
        // CodeDeploy runs BeforeAllowTraffic once, before the first step.
        let next_step = match shift.code_deploy {
            Some(_) => HookStage::ProductionTrafficShift,
            None => HookStage::PreProductionTrafficShift,
        };
        match (shift.stage, shift.rollback, shift.gate.is_some()) {
            (LifecycleStage::Hook(HookStage::ProductionTrafficShift), false, false) => {
                self.enter_stage(s, d, LifecycleStage::Hook(next_step))
            }
            (LifecycleStage::BakeTime, false, _) => self.stage_done(s, d),
            _ => {}
        }
    }

    /// One production traffic shift step of service `s`'s deployment `d`: the weights move
    /// to green by the strategy's step.
    fn move_production_traffic(&mut self, s: usize, d: usize) {
        let Some(shift) = self.services[s].traffic_shift.as_mut() else {
            return;
        };
        let (to, wait) = shift.strategy.next_shift(shift.green_tenths);
        shift.green_tenths = to;
        let bake_minutes = shift.bake_minutes;
        let shift_code_deploy = shift.code_deploy;
        // With hooks around the traffic steps, the waits start once they are done. CodeDeploy
        // runs BeforeAllowTraffic and AfterAllowTraffic once, not around each step.
        let hooked = shift.code_deploy.is_none()
            && shift.hooks.iter().any(|h| {
                h.stages.iter().any(|st| {
                    matches!(
                        st,
                        HookStage::PreProductionTrafficShift
                            | HookStage::ProductionTrafficShift
                            | HookStage::PostProductionTrafficShift
                    )
                })
            });
        let side = usize::from(self.services[s].deployments[d].alternate);
        self.set_green_weight(s, side, to);
        let green = self.side_names(s, side == 1);
        let then = match (wait, hooked) {
            (None, _) if shift_code_deploy.is_some() => {
                format!(" The original task set stops {bake_minutes} min after AfterAllowTraffic.")
            }
            (Some(m), false) => format!(" Next shift in {m} min."),
            (None, false) => format!(" Bake time {bake_minutes} min."),
            (Some(m), true) => {
                format!(" Step bake time {m} min once this step's hooks are done, then the next step's hooks.")
            }
            (None, true) => format!(" Bake time {bake_minutes} min once the hooks are done."),
        };
        let prefix = match shift_code_deploy {
            Some(cd) => format!(
                "{} lifecycle event AllowTraffic",
                self.code_deploy_prefix(cd)
            ),
            None => format!(
                "(service {}) (deployment {}) lifecycle stage PRODUCTION_TRAFFIC_SHIFT",
                self.services[s].name, self.services[s].deployment_id,
            ),
        };
        let msg = format!(
            "{prefix}: {} % of production traffic to {}{green}.{then}",
            percent(to),
            self.services[s].task_definition,
        );
        self.service_event(s, msg);
    }

    /// Rolls service `s`'s failed traffic shift back at once (4.5 with a blue/green, linear or
    /// canary deployment): production traffic returns to blue, blue's deployment is primary
    /// again (a new deployment record with blue's id and revision, adopting its tasks), and
    /// green's tasks stop in CLEAN_UP. Returns false when there is nothing to roll back to
    /// that way (CLEAN_UP had begun): the caller starts a deployment of the last COMPLETED
    /// revision instead.
    pub(crate) fn roll_back_traffic_shift(&mut self, s: usize) -> bool {
        let Some(shift) = self.services[s].traffic_shift.clone() else {
            return false;
        };
        // A rollback's own hooks may still run: what fails then is blue, and there is nothing
        // left to send traffic back to that way.
        if shift.rollback || shift.stage == LifecycleStage::CleanUp {
            return false;
        }
        let failed = self.services[s].primary_deployment();
        let blue = self.services[s].deployments[shift.source].clone();
        if let Err(e) = self.adopt_deployment(s, &blue.task_definition, blue.id.clone()) {
            let msg = format!("(service {}) rollback failed: {e}", self.services[s].name);
            self.service_event(s, msg);
            return true;
        }
        let back = self.services[s].primary_deployment();
        self.services[s].deployments[back].alternate = blue.alternate;
        for &t in self.service_tasks.get(s).into_iter().flatten() {
            if self.tasks[t].deployment == Some(shift.source) {
                self.tasks[t].deployment = Some(back);
            }
        }
        self.services[s].traffic_shift = Some(TrafficShift {
            stage: LifecycleStage::Hook(HookStage::ProductionTrafficShift),
            source: failed,
            green_tenths: 1000,
            rollback: true,
            test_on_green: false,
            gate: None,
            ..shift
        });
        self.route_production_to(s, back);
        if let Some(cd) = shift.code_deploy {
            self.code_deploy_rollback_started(cd);
        }
        // [unconfirmed] the reason's wording.
        self.deployment_state_change(
            s,
            "INFO",
            "SERVICE_DEPLOYMENT_IN_PROGRESS",
            "ECS deployment rolling back to the previous service revision.",
        );
        let blue_groups = self.side_names(s, blue.alternate);
        let msg = format!(
            "(service {}) rolling back to deployment {}: production traffic back to {}{blue_groups}; stopping the tasks of deployment {}.",
            self.services[s].name,
            blue.id,
            blue.task_definition,
            self.services[s].deployments[failed].id,
        );
        self.service_event(s, msg);
        self.log
            .push(
                self.now(),
                EventKind::ServiceEvent,
                format!(
                    "service {}: deployment {} rolled back",
                    self.services[s].name, self.services[s].deployments[failed].id
                ),
            )
            .service(&self.services[s].name.clone());
        // The guide: a rollback runs the PRODUCTION_TRAFFIC_SHIFT and TEST_TRAFFIC_SHIFT
        // hooks, one stage after the other; CLEAN_UP follows them.
        if !self.run_hooks(s, HookStage::ProductionTrafficShift) {
            self.stage_done(s, back);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategies_and_their_defaults_from_the_api_reference() {
        let read = |v: Value| DeploymentStrategy::from_request(&v, DeploymentStrategy::Rolling);
        assert_eq!(read(json!({})), Ok(DeploymentStrategy::Rolling));
        assert_eq!(
            read(json!({"strategy": "BLUE_GREEN"})),
            Ok(DeploymentStrategy::BlueGreen)
        );
        assert_eq!(
            read(json!({"strategy": "LINEAR"})),
            Ok(DeploymentStrategy::Linear {
                step_tenths: 100,
                step_bake_minutes: 6
            })
        );
        assert_eq!(
            read(json!({"strategy": "CANARY"})),
            Ok(DeploymentStrategy::Canary {
                canary_tenths: 50,
                canary_bake_minutes: 10
            })
        );
        assert_eq!(
            read(
                json!({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 12.5, "stepBakeTimeInMinutes": 0}})
            ),
            Ok(DeploymentStrategy::Linear {
                step_tenths: 125,
                step_bake_minutes: 0
            })
        );
        for (bad, field) in [
            (
                json!({"strategy": "ALL_AT_ONCE"}),
                "deploymentConfiguration.strategy",
            ),
            (
                json!({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.9}}),
                "linearConfiguration.stepPercent",
            ),
            (
                json!({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 10.05}}),
                "linearConfiguration.stepPercent",
            ),
            (
                json!({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0}}),
                "canaryConfiguration.canaryPercent",
            ),
            (
                json!({"strategy": "CANARY", "canaryConfiguration": {"canaryBakeTimeInMinutes": 1441}}),
                "canaryBakeTimeInMinutes",
            ),
            (
                json!({"strategy": "BLUE_GREEN", "linearConfiguration": {"stepPercent": 10}}),
                "only valid with strategy LINEAR",
            ),
        ] {
            let e = read(bad.clone()).unwrap_err();
            assert!(e.contains(field), "{bad}: {e}");
        }
    }

    #[test]
    fn linear_steps_end_at_100_without_a_last_step_bake_and_canary_takes_two() {
        let linear = DeploymentStrategy::Linear {
            step_tenths: 300,
            step_bake_minutes: 2,
        };
        let mut at = 0;
        let mut steps = Vec::new();
        loop {
            let (to, wait) = linear.next_shift(at);
            steps.push((to, wait));
            at = to;
            if wait.is_none() {
                break;
            }
        }
        assert_eq!(
            steps,
            vec![(300, Some(2)), (600, Some(2)), (900, Some(2)), (1000, None)]
        );
        let canary = DeploymentStrategy::Canary {
            canary_tenths: 50,
            canary_bake_minutes: 10,
        };
        assert_eq!(canary.next_shift(0), (50, Some(10)));
        assert_eq!(canary.next_shift(50), (1000, None));
        assert_eq!(DeploymentStrategy::BlueGreen.next_shift(0), (1000, None));
        assert_eq!(percent(125), "12.5");
        assert_eq!(percent(1000), "100");
    }
}
