//! The discrete-event core: a sans-IO state machine the caller drives.
//!
//! The driving loop, written once and used by the CLI, the app and the tests:
//! 1. build a [`Simulation`] from a [`Scenario`];
//! 2. call [`Simulation::advance_to`] with a later simulated time (or [`Simulation::step`] to
//!    fire the next timer);
//! 3. read the state, the event log and the next deadline ([`Simulation::next_deadline`]).
//!
//! Timers live in one queue ordered by `(time, sequence)`, so timers due at the same
//! millisecond fire in the order they were set, on every platform.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::cluster::ClusterState;
use crate::container_instance::ContainerInstance;
use crate::event_log::{EventKind, EventLog};
use crate::placement::reserve::release;
use crate::placement::Placer;
use crate::revisions::{Revisions, ARN_PREFIX};
use crate::rng::{SimRng, Stream};
use crate::run_task::{RunTaskFailure, RunTaskRequest};
use crate::scenario::Scenario;
use crate::service::Service;
use crate::task::{Task, TaskStatus};
use crate::task_definition::{parse_task_definition_value, validate};
use crate::time::SimTime;

/// Every kind of timer the engine sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// A scenario instance's agent registers with its cluster.
    RegisterInstance(usize),
    /// A scenario `runTasks[]` call is made.
    RunTask(usize),
    /// A scenario `updateServices[]` call is made.
    UpdateService(usize),
    /// A scenario `updateContainerInstancesState[]` call is made.
    UpdateInstanceState(usize),
    /// A scenario PutAttributes or DeleteAttributes call is made
    /// (`Scenario::attribute_calls`).
    AttributeCall(usize),
    /// A scenario `stopTasks[]` call is made.
    StopTask(usize),
    /// A scenario DeregisterTaskDefinition or DeleteTaskDefinitions call is made.
    TaskDefinitionCall(usize),
    /// A scenario `modifyListeners[]` call is made.
    ModifyListener(usize),
    /// A scenario task set call (`createTaskSets[]` and the like) is made.
    TaskSetCall(usize),
    /// A scenario `executeCommands[]` call (ECS Exec) is made.
    ExecuteCommand(usize),
    /// A scenario `deleteServices[]` call is made.
    DeleteService(usize),
    /// A scenario `stopServiceDeployments[]` call is made.
    StopServiceDeployment(usize),
    /// A scenario `continueServiceDeployments[]` call is made.
    ContinueServiceDeployment(usize),
    /// A scenario `createDeployments[]` call (CodeDeploy) is made.
    CreateDeployment(usize),
    /// A scenario `continueDeployments[]` call (CodeDeploy) is made.
    ContinueDeployment(usize),
    /// A scenario `stopDeployments[]` call (CodeDeploy) is made.
    StopDeployment(usize),
    /// A CodeDeploy deployment's ready wait runs out (deployment).
    ReadyWaitTimeout(usize),
    /// A CodeDeploy deployment's hour for Install is over (deployment).
    InstallTimeout(usize),
    /// Five minutes after a scaling event during a CodeDeploy deployment (deployment).
    ScalingSteadyCheck(usize),
    /// A deployment lifecycle hook's Lambda function is called (again): service, hook run.
    DeploymentHookCall(usize, u64),
    /// A deployment lifecycle hook run's timeout is due: service, hook run.
    DeploymentHookTimeout(usize, u64),
    /// A scenario `deregisterContainerInstances[]` call is made.
    DeregisterInstance(usize),
    /// A service scheduler looks at its service again (after a change or a failed placement).
    ServiceTick(usize),
    /// A task moves to its next lifecycle state.
    TaskProgress(usize),
    /// A one-minute metrics datapoint is recorded, then alarms and scaling policies act.
    Sample,
    /// A target's health-check verdict (or drain end) is due: target group, task.
    TargetHealth(usize, usize),
    /// The load is routed for the next interval.
    Route,
    /// A scheduled scaling action fires.
    ScheduledAction(usize),
    /// A timed fault of the scenario happens.
    Fault(usize),
    /// A scenario `updateTaskProtection[]` call is made.
    UpdateTaskProtection(usize),
    /// A container health check's failure is noticed (task): retries × interval after the
    /// container started failing.
    ContainerUnhealthy(usize),
    /// A capacity provider looks at its tasks waiting for capacity (provider).
    ProviderTick(usize),
    /// Tasks waiting in PROVISIONING for a provider may have waited too long (provider).
    ProvisioningTimeout(usize),
    /// A managed-draining instance is checked for remaining tasks (instance slot).
    CheckDrained(usize),
    /// A Managed Instances instance's idle time may have reached `scaleInAfter` (slot).
    ManagedInstanceIdle(usize),
    /// A Managed Instances instance reaches day 14 or 21 of its life (its index among them).
    ManagedInstanceLifetime(usize),
    /// A Managed Instances instance's underutilized time may have reached `scaleInAfter` (its
    /// index among them).
    ManagedInstanceUnderutilized(usize),
    /// The scale-in protection of a task on a Managed Instances instance may have expired (the
    /// task's index): its instance is analysed again.
    ManagedInstanceProtectionExpired(usize),
    /// An instance is terminated (instance slot), e.g. two minutes after a Spot notice.
    TerminateInstance(usize),
    /// A scenario `updateAutoScalingGroups[]` call is made.
    UpdateAutoScalingGroup(usize),
    /// A scenario `startInstanceRefreshes[]` call is made.
    StartInstanceRefresh(usize),
    /// A scenario `cancelInstanceRefreshes[]` call is made.
    CancelInstanceRefresh(usize),
    /// A scenario `completeLifecycleActions[]` call is made.
    CompleteLifecycleAction(usize),
    /// A scenario `recordLifecycleActionHeartbeats[]` call is made.
    LifecycleActionHeartbeat(usize),
    /// A scenario `putLifecycleHooks[]` call is made.
    PutLifecycleHook(usize),
    /// Lifecycle hooks holding an instance time out: (group, instance).
    LifecycleHookTimeout(usize, usize),
    /// A scenario `putWarmPools[]` call is made.
    PutWarmPool(usize),
    /// An instance launched into a warm pool has warmed up: (group, instance).
    WarmPoolReady(usize, usize),
    /// An instance taken out of a warm pool has started: (group, instance).
    WarmPoolStart(usize, usize),
    /// An instance refresh looks at its group again: (group, refresh). A step of a refresh
    /// that has ended (cancelled, and maybe followed by another) does nothing.
    InstanceRefreshStep(usize, usize),
    /// A scheduled EventBridge rule fires (rule).
    RuleSchedule(usize),
    /// A matched event reaches its rule's targets (pending delivery).
    DeliverEvent(usize),
    /// Upload `n` of `putObjects[i]` happens: (i, n).
    PutObject(usize, u32),
    /// A task's application makes its next AWS call: (task, call).
    AppCall(usize, usize),
    /// A task's application exits at the end of its run (task).
    AppExit(usize),
    /// The next step of a blue/green, linear or canary deployment's traffic shift is due:
    /// (service, deployment).
    TrafficShift(usize, usize),
    /// A task's `healthStatus` may have changed (its first health check passed, or its
    /// failures reached `retries`): views of the tasks are out of date (task).
    HealthChanged(usize),
}

/// Safety bound: timers fired by one `advance_to` call before it reports a livelock.
pub const MAX_TIMERS_PER_ADVANCE: usize = 10_000_000;

/// A running simulation.
#[derive(Debug)]
pub struct Simulation {
    pub(crate) scenario: Scenario,
    now: SimTime,
    pub(crate) queue: BinaryHeap<Reverse<(SimTime, u64, Timer)>>,
    sequence: u64,
    pub(crate) cluster: ClusterState,
    pub(crate) revisions: Revisions,
    pub(crate) services: Vec<Service>,
    pub(crate) tasks: Vec<Task>,
    pub(crate) run_tasks: Vec<RunTaskRequest>,
    pub(crate) failures: Vec<RunTaskFailure>,
    pub(crate) log: EventLog,
    pub(crate) placer: Placer,
    pub(crate) rng_placement: SimRng,
    pub(crate) host_ports: crate::placement::reserve::HostPorts,
    pub(crate) rng_ids: SimRng,
    pub(crate) faults: Vec<crate::faults::Fault>,
    pub(crate) series: crate::metrics::TimeSeries,
    pub(crate) lb: crate::load_balancer::LoadBalancing,
    pub(crate) traffic: crate::traffic::Traffic,
    pub(crate) scaling: crate::autoscaling::AutoScaling,
    pub(crate) metrics: crate::cloudwatch::MetricStore,
    /// Bumped whenever a task changes state, so caches know to rebuild.
    pub(crate) task_generation: u64,
    /// A Fargate service's active tasks per Availability Zone, kept across the launches of one
    /// batch: (service, the task generation they hold for, counts by zone).
    pub(crate) fargate_zone_counts: Option<(usize, u64, crate::fargate::ZoneCounts)>,
    /// Some instance holds resources back for a daemon task (4.1).
    pub(crate) daemon_holds: bool,
    /// Every instance launch: the scenario's drawn instances, then Auto Scaling group launches.
    pub(crate) instance_specs: Vec<crate::scenario::InstanceSpec>,
    /// Capacity providers and cluster settings.
    pub(crate) capacity: crate::capacity_provider::CapacityProviders,
    /// The running Auto Scaling groups.
    pub(crate) groups: Vec<crate::auto_scaling_group::AutoScalingGroup>,
    /// The groups' own target tracking policies (EC2 Auto Scaling).
    pub(crate) group_policies: Vec<crate::auto_scaling_group::scaling_policy::GroupScalingPolicy>,
    /// Fargate capacity: launch rate, Spot shortages, waiting tasks.
    pub(crate) fargate: crate::fargate::FargateState,
    /// ProviderTicks set: (when, provider), so each is set once per moment.
    provider_ticks: std::collections::BTreeSet<(SimTime, usize)>,
    /// Tasks not yet STOPPED, per instance slot.
    pub(crate) instance_tasks: Vec<Vec<usize>>,
    /// Tasks not yet STOPPED, per service.
    pub(crate) service_tasks: Vec<Vec<usize>>,
    /// Availability Zone outages: (zone, from, until).
    pub(crate) zone_outages: Vec<(String, SimTime, SimTime)>,
    /// Cost accumulated so far, USD.
    pub(crate) cost: crate::billing::CostMeter,
    /// CloudWatch Logs of `awslogs` containers.
    pub(crate) logs: crate::logs::LogStore,
    /// EventBridge rules.
    pub(crate) rules: Vec<crate::eventbridge::Rule>,
    /// Deliveries per rule so far (events that matched its pattern, scheduled firings), in
    /// the order of `rules`.
    pub(crate) rule_matches: Vec<u64>,
    /// Matched events waiting for delivery: (rule, event envelope).
    pub(crate) pending_deliveries: Vec<(usize, serde_json::Value)>,
    /// Events put on the bus so far (numbers their ids).
    pub(crate) events_sent: u64,
    /// Target invocations so far.
    pub(crate) invocations: usize,
    /// S3 buckets.
    pub(crate) buckets: Vec<crate::s3::Bucket>,
    /// SNS topics.
    pub(crate) topics: Vec<crate::sns::Topic>,
    /// Notifications delivered.
    pub(crate) notifications: Vec<crate::sns::Notification>,
    /// DynamoDB tables.
    pub(crate) tables: Vec<crate::dynamodb::Table>,
    /// Image repositories; lifecycle policies expire images as the run goes.
    pub(crate) registries: crate::registry::Registries,
    /// EFS file systems and the data tasks write to them.
    pub(crate) efs: crate::efs::Efs,
    /// Service ticks already set, by (time, service): a service looks once per moment however
    /// many of its tasks changed then.
    service_ticks: std::collections::BTreeSet<(SimTime, usize)>,
    /// Deployment lifecycle hook runs started so far: each run's serial.
    pub(crate) hook_serial: u64,
    /// CodeDeploy deployments and their rollbacks, oldest first.
    pub(crate) code_deploy: Vec<crate::code_deploy::runtime::CodeDeployDeployment>,
    /// Service Connect endpoints, outlier detection and metrics ([`crate::service_connect`]).
    pub(crate) service_connect: crate::service_connect::runtime::ServiceConnectState,
    /// Cloud Map instances and the DNS answers resolvers hold ([`crate::service_discovery`]).
    pub(crate) service_discovery: crate::service_discovery::runtime::ServiceDiscoveryState,
    /// EBS volumes attached to tasks ([`crate::ebs_volume`]).
    pub(crate) ebs: crate::ebs_volume::EbsState,
    /// The instances of Managed Instances providers
    /// (crate::capacity_provider::managed_instances).
    pub(crate) managed: crate::capacity_provider::managed_instances::ManagedInstancesState,
    /// RunTask tasks waiting in PROVISIONING for capacity a provider launches, oldest first
    /// (crate::capacity_provider::provisioning).
    pub(crate) run_task_waits: Vec<crate::capacity_provider::provisioning::StandaloneWait>,
    /// Tasks that stopped while they waited in PROVISIONING, in the order they stopped
    /// (crate::capacity_provider::provisioning).
    pub(crate) stopped_provisioning:
        Vec<crate::capacity_provider::provisioning::StoppedProvisioningTask>,
    /// Revisions that are not ACTIVE ([`crate::task_definition_state`]), by `family:revision`.
    pub(crate) td_status:
        std::collections::BTreeMap<String, crate::task_definition_state::TaskDefinitionStatus>,
    /// How many tasks that are not STOPPED run each revision, by task definition ARN: what
    /// keeps a DELETE_IN_PROGRESS revision, counted as tasks start and stop so the check
    /// costs nothing per task ever run ([`crate::task_definition_state`]).
    pub(crate) td_live_tasks: std::collections::BTreeMap<String, usize>,
    /// The outcome of each ExecuteCommand call, in call order (crate::execute_command).
    pub(crate) exec_sessions: Vec<crate::execute_command::ExecSession>,
    /// In a replay that explains one placed task: which placement, and its explanation.
    pub(crate) placement_probe: Option<crate::placement::replay::PlacementProbe>,
}

impl Simulation {
    /// Builds the initial state: registers the task definitions, creates the services and
    /// sets the timers for instances and RunTask calls.
    pub fn new(scenario: Scenario) -> Simulation {
        let seed = scenario.seed;
        let mut sim = Simulation {
            now: SimTime::ZERO,
            queue: BinaryHeap::new(),
            sequence: 0,
            cluster: ClusterState::default(),
            revisions: Revisions::default(),
            services: Vec::new(),
            tasks: Vec::new(),
            run_tasks: Vec::new(),
            failures: Vec::new(),
            log: EventLog::default(),
            placer: Placer::with_options(
                crate::placement::cql::EvalOptions {
                    missing_attribute_not_equals_is_true: scenario
                        .options
                        .missing_attribute_matches_negations,
                },
                scenario.options.placement_tie_break,
            ),
            rng_placement: SimRng::new(seed, Stream::Placement),
            host_ports: crate::placement::reserve::HostPorts {
                choice: scenario.options.dynamic_host_ports,
                rng: SimRng::new(seed, Stream::HostPorts),
            },
            rng_ids: SimRng::new(seed, Stream::Identifiers),
            faults: Vec::new(),
            series: crate::metrics::TimeSeries::default(),
            lb: scenario.load_balancing.clone(),
            traffic: crate::traffic::Traffic::default(),
            scaling: crate::autoscaling::AutoScaling::default(),
            metrics: crate::cloudwatch::MetricStore::default(),
            task_generation: 0,
            fargate_zone_counts: None,
            daemon_holds: false,
            instance_specs: scenario.instances.clone(),
            capacity: scenario.capacity_providers.clone(),
            groups: Vec::new(),
            group_policies: scenario.auto_scaling_policies.clone(),
            fargate: crate::fargate::FargateState::default(),
            provider_ticks: Default::default(),
            instance_tasks: Vec::new(),
            service_tasks: Vec::new(),
            zone_outages: Vec::new(),
            cost: crate::billing::CostMeter::default(),
            service_ticks: Default::default(),
            hook_serial: 0,
            code_deploy: Vec::new(),
            service_connect: Default::default(),
            service_discovery: Default::default(),
            ebs: Default::default(),
            exec_sessions: Vec::new(),
            managed: Default::default(),
            run_task_waits: Vec::new(),
            stopped_provisioning: Vec::new(),
            td_status: Default::default(),
            td_live_tasks: Default::default(),
            placement_probe: None,
            rules: scenario.aws.rules.clone(),
            rule_matches: vec![0; scenario.aws.rules.len()],
            pending_deliveries: Vec::new(),
            events_sent: 0,
            invocations: 0,
            buckets: scenario.aws.buckets.clone(),
            topics: scenario.aws.topics.clone(),
            notifications: Vec::new(),
            tables: scenario.aws.tables.clone(),
            logs: scenario.log_groups.clone(),
            registries: scenario.registries.clone(),
            efs: scenario.efs.clone(),
            scenario,
        };
        sim.lb.initial_health_checks = sim.scenario.options.initial_health_checks;
        if !sim.scenario.options.spread_counts_pending {
            sim.cluster.spread_counts_running_only();
        }
        for w in sim.scenario.warnings.clone() {
            sim.log.push(
                SimTime::ZERO,
                EventKind::Scenario,
                format!("{}: {}", w.path, w.message),
            );
        }
        sim.register_task_definitions();
        sim.evaluate_lifecycle_policies();
        for (i, spec) in sim.scenario.instances.iter().enumerate() {
            let at = SimTime(spec.launch_at_ms);
            sim.queue
                .push(Reverse((at, i as u64, Timer::RegisterInstance(i))));
        }
        sim.sequence = sim.scenario.instances.len() as u64;
        sim.create_auto_scaling_groups();
        sim.create_services();
        sim.create_auto_scaling();
        sim.create_scheduled_actions();
        sim.create_traffic();
        sim.create_faults();
        sim.schedule_task_protection();
        sim.schedule_run_tasks();
        sim.schedule_service_updates();
        sim.schedule_code_deploy_calls();
        sim.schedule_instance_state_updates();
        // The scenario's timed API calls, each at its `at`.
        let calls: Vec<(u64, Timer)> = (sim.scenario.attribute_calls.iter().map(|c| c.at_ms))
            .enumerate()
            .map(|(i, at)| (at, Timer::AttributeCall(i)))
            .chain(
                sim.scenario
                    .stop_tasks
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::StopTask(i))),
            )
            .chain(
                sim.scenario
                    .execute_commands
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::ExecuteCommand(i))),
            )
            .chain(
                sim.scenario
                    .task_definition_calls
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::TaskDefinitionCall(i))),
            )
            .chain(
                sim.scenario
                    .listener_changes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::ModifyListener(i))),
            )
            .chain(
                sim.scenario
                    .task_set_calls
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::TaskSetCall(i))),
            )
            .chain(
                sim.scenario
                    .delete_services
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::DeleteService(i))),
            )
            .chain(
                sim.scenario
                    .stop_service_deployments
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::StopServiceDeployment(i))),
            )
            .chain(
                sim.scenario
                    .continue_service_deployments
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::ContinueServiceDeployment(i))),
            )
            .chain(
                sim.scenario
                    .deregister_instances
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::DeregisterInstance(i))),
            )
            // Cancellations before starts: a refresh cancelled and started again at one
            // moment (the panel's Cancel, then Start) must see the old one gone.
            .chain(
                sim.scenario
                    .refresh_cancellations
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::CancelInstanceRefresh(i))),
            )
            .chain(
                sim.scenario
                    .instance_refreshes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::StartInstanceRefresh(i))),
            )
            .chain(
                sim.scenario
                    .warm_pools
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::PutWarmPool(i))),
            )
            .chain(
                sim.scenario
                    .lifecycle_hooks
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::PutLifecycleHook(i))),
            )
            .chain(
                sim.scenario
                    .complete_lifecycle_actions
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::CompleteLifecycleAction(i))),
            )
            .chain(
                sim.scenario
                    .lifecycle_action_heartbeats
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.at_ms, Timer::LifecycleActionHeartbeat(i))),
            )
            .collect();
        for (at, timer) in calls {
            sim.schedule(SimTime(at), timer);
        }
        sim.schedule_rules();
        sim.schedule_uploads();
        sim.schedule(SimTime::ZERO, Timer::Sample);
        sim
    }

    fn register_task_definitions(&mut self) {
        for (i, raw) in self.scenario.task_definitions.clone().iter().enumerate() {
            let result = parse_task_definition_value(raw)
                .map_err(|e| vec![e])
                .and_then(|parsed| validate(&parsed.input));
            match result {
                Ok(td) => {
                    let fr = self.revisions.register(td);
                    self.log.push(
                        SimTime::ZERO,
                        EventKind::TaskDefinition,
                        format!("registered task definition {fr}"),
                    );
                }
                Err(errors) => {
                    for e in errors {
                        self.log.push(
                            SimTime::ZERO,
                            EventKind::TaskDefinition,
                            format!("taskDefinitions[{i}]: {e}"),
                        );
                    }
                }
            }
        }
    }

    /// Sets a ServiceTick for service `s` at `at`, unless one is already set for that moment.
    pub(crate) fn schedule_service_tick(&mut self, s: usize, at: SimTime) {
        let at = at.max(self.now);
        if self.service_ticks.insert((at, s)) {
            self.schedule(at, Timer::ServiceTick(s));
        }
    }

    /// Sets a ProviderTick for capacity provider `p` at `at` (not before now), unless one is
    /// already set for that moment: the tick retries every task waiting for the provider.
    pub(crate) fn schedule_provider_tick(&mut self, p: usize, at: SimTime) {
        let at = at.max(self.now);
        if self.provider_ticks.insert((at, p)) {
            self.schedule(at, Timer::ProviderTick(p));
        }
    }

    /// Sets a timer.
    pub(crate) fn schedule(&mut self, at: SimTime, timer: Timer) {
        self.sequence += 1;
        self.queue
            .push(Reverse((at.max(self.now), self.sequence, timer)));
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// When the next timer is due, if any.
    pub fn next_deadline(&self) -> Option<SimTime> {
        self.queue.peek().map(|Reverse((t, _, _))| *t)
    }

    /// The scenario's end.
    pub fn end(&self) -> SimTime {
        SimTime(self.scenario.duration_ms)
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Fires the next timer (if it is due before the scenario ends) and returns its time.
    pub fn step(&mut self) -> Option<SimTime> {
        let Reverse((at, _, timer)) = *self.queue.peek()?;
        if at > self.end() {
            return None;
        }
        self.queue.pop();
        self.now = at;
        self.fire(timer);
        Some(at)
    }

    /// Fires every timer due up to `t` (clamped to the scenario's end) and moves the clock
    /// to `t`. Returns an error instead of hanging if timers keep firing without end.
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), String> {
        let t = t.min(self.end());
        let mut fired = 0usize;
        while let Some(Reverse((at, _, _))) = self.queue.peek() {
            if *at > t {
                break;
            }
            self.step();
            fired += 1;
            if fired > MAX_TIMERS_PER_ADVANCE {
                return Err(format!(
                    "livelock: more than {MAX_TIMERS_PER_ADVANCE} timers fired before {t}"
                ));
            }
        }
        self.now = self.now.max(t);
        Ok(())
    }

    /// Runs the whole scenario.
    pub fn run_to_end(&mut self) -> Result<(), String> {
        self.advance_to(self.end())
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::RegisterInstance(i) => self.register_instance(i),
            Timer::RunTask(i) => self.run_task(i),
            Timer::UpdateService(i) => self.update_service(i),
            Timer::UpdateInstanceState(i) => self.update_instance_state(i),
            Timer::AttributeCall(i) => self.attribute_call(i),
            Timer::StopTask(i) => self.stop_task_call(i),
            Timer::TaskDefinitionCall(i) => self.task_definition_call(i),
            Timer::ModifyListener(i) => self.modify_listener(i),
            Timer::TaskSetCall(i) => self.task_set_call(i),
            Timer::ExecuteCommand(i) => self.execute_command_call(i),
            Timer::DeregisterInstance(i) => self.deregister_instance_call(i),
            Timer::StartInstanceRefresh(i) => self.start_instance_refresh(i),
            Timer::InstanceRefreshStep(g, r) => self.refresh_step(g, r),
            Timer::CancelInstanceRefresh(i) => self.cancel_instance_refresh(i),
            Timer::PutWarmPool(i) => self.put_warm_pool(i),
            Timer::LifecycleHookTimeout(g, i) => self.lifecycle_hook_timeout(g, i),
            Timer::PutLifecycleHook(i) => self.put_lifecycle_hook(i),
            Timer::CompleteLifecycleAction(i) => self.lifecycle_action_call(i, true),
            Timer::LifecycleActionHeartbeat(i) => self.lifecycle_action_call(i, false),
            Timer::WarmPoolReady(g, i) => self.warm_pool_ready(g, i),
            Timer::WarmPoolStart(g, i) => self.warm_pool_started(g, i),
            Timer::DeleteService(i) => self.delete_service_call(i),
            Timer::StopServiceDeployment(i) => self.stop_service_deployment_call(i),
            Timer::ContinueServiceDeployment(i) => self.continue_service_deployment_call(i),
            Timer::CreateDeployment(i) => self.create_deployment_call(i),
            Timer::ContinueDeployment(i) => self.continue_deployment_call(i),
            Timer::StopDeployment(i) => self.stop_deployment_call(i),
            Timer::ReadyWaitTimeout(cd) => self.ready_wait_timed_out(cd),
            Timer::InstallTimeout(cd) => self.install_timed_out(cd),
            Timer::ScalingSteadyCheck(cd) => self.scaling_steady_check(cd),
            Timer::DeploymentHookCall(s, run) => self.call_lambda_hook(s, run),
            Timer::DeploymentHookTimeout(s, run) => self.hook_timed_out(s, run),
            Timer::TrafficShift(s, d) => self.shift_step(s, d),
            Timer::HealthChanged(t) => {
                self.task_generation += 1;
                self.tasks[t].version += 1;
            }
            Timer::ServiceTick(s) => {
                self.service_ticks.remove(&(self.now, s));
                self.reconcile_service(s)
            }
            Timer::TaskProgress(t) => self.progress_task(t),
            Timer::TargetHealth(g, t) => self.target_health(g, t),
            Timer::Route => self.route(),
            Timer::ScheduledAction(a) => self.run_scheduled_action(a),
            Timer::Fault(f) => self.inject_fault(f),
            Timer::UpdateTaskProtection(i) => self.update_task_protection(i),
            Timer::ContainerUnhealthy(t) => self.container_health_failed(t),
            Timer::ProviderTick(p) => {
                self.provider_ticks.remove(&(self.now, p));
                self.provider_tick(p)
            }
            Timer::ProvisioningTimeout(p) => self.provisioning_timeout(p),
            Timer::CheckDrained(slot) => self.check_drained(slot),
            Timer::ManagedInstanceIdle(slot) => self.managed_instance_idle(slot),
            Timer::ManagedInstanceLifetime(i) => self.managed_instance_lifetime(i),
            Timer::ManagedInstanceUnderutilized(i) => self.managed_instance_underutilized_timer(i),
            Timer::ManagedInstanceProtectionExpired(t) => {
                self.managed_instance_protection_expired(t)
            }
            Timer::UpdateAutoScalingGroup(i) => self.update_auto_scaling_group(i),
            Timer::RuleSchedule(r) => self.fire_rule_schedule(r),
            Timer::DeliverEvent(d) => self.deliver_event(d),
            Timer::PutObject(i, n) => self.upload(i, n),
            Timer::AppCall(t, k) => self.application_call(t, k),
            Timer::AppExit(t) => self.application_timer_exit(t),
            Timer::TerminateInstance(slot) => {
                self.terminate_instance(slot, "TerminationNotice", "Spot instance interrupted")
            }
            Timer::Sample => {
                self.series.sample(
                    self.now,
                    &self.cluster,
                    &self.services,
                    &self.tasks,
                    &self.service_tasks,
                );
                self.meter_cost();
                let minute = self.now.as_ms() / crate::metrics::SAMPLE_PERIOD_MS;
                if minute > 0 {
                    self.publish_minute(minute - 1);
                }
                if minute > 0
                    && self
                        .now
                        .as_ms()
                        .is_multiple_of(crate::registry::LIFECYCLE_EVALUATION_MS)
                {
                    self.evaluate_lifecycle_policies();
                }
                self.evaluate_scaling(minute);
                self.evaluate_group_step_policies();
                self.evaluate_managed_scaling(minute);
                self.replace_expired_instances();
                self.schedule(
                    self.now.plus_ms(crate::metrics::SAMPLE_PERIOD_MS),
                    Timer::Sample,
                );
            }
        }
    }

    /// Whether an agent with instance profile `role` may call `ecs:Poll` for container
    /// instance `id` of `cluster` (10.4): without it the instance shows `agentConnected=false`.
    pub(crate) fn agent_may_poll(&self, role: Option<&str>, cluster: &str, id: &str) -> bool {
        self.scenario
            .iam
            .check(
                role,
                "ecs:Poll",
                &format!("{ARN_PREFIX}:container-instance/{cluster}/{id}"),
            )
            .is_allowed()
    }

    fn register_instance(&mut self, index: usize) {
        let spec = self.instance_specs[index].clone();
        let id = match spec.id.clone() {
            Some(id) => id,
            None => self.new_instance_id(),
        };
        if let Some(g) = spec.auto_scaling_group {
            let gone = self.groups[g].instances.iter().any(|x| {
                x.id == id && x.state == crate::auto_scaling_group::GroupInstanceState::Terminated
            });
            if gone {
                return;
            }
        }
        if spec.managed_instances.is_some() && self.managed_instance_lost(&id) {
            return;
        }
        let registered_at = self.scenario.start_epoch_ms + self.now.as_ms() as i64;
        match ContainerInstance::register(&spec, id.clone(), registered_at) {
            Ok(mut inst) => {
                // The agent registers and polls with its instance profile's role (10.4).
                let cluster_arn = format!("{ARN_PREFIX}:cluster/{}", inst.cluster);
                let role = spec.instance_profile.as_deref();
                let register =
                    self.scenario
                        .iam
                        .check(role, "ecs:RegisterContainerInstance", &cluster_arn);
                if let Some(why) = register.denial() {
                    let msg = format!("instance {id} never registers with cluster {}: the ECS agent cannot call ecs:RegisterContainerInstance ({why}); give its instance profile AmazonEC2ContainerServiceforEC2Role (10.4)", inst.cluster);
                    self.log
                        .push(self.now, EventKind::ContainerInstance, msg)
                        .instance(&id);
                    return;
                }
                if let Err(e) = self.capacity.check_cluster(&inst.cluster) {
                    // The agent creates only `default` when it is missing (2.1).
                    let msg = format!("instance {id} never registers with cluster {}: the ECS agent's RegisterContainerInstance fails with {e}; set ECS_CLUSTER to a cluster that exists", inst.cluster);
                    self.log
                        .push(self.now, EventKind::ContainerInstance, msg)
                        .instance(&id);
                    return;
                }
                if !self.agent_may_poll(role, &inst.cluster, &id) {
                    inst.agent_connected = false;
                    let msg = format!("instance {id}: the ECS agent cannot call ecs:Poll, so it shows agentConnected=false and placement reports AGENT (10.4)");
                    self.log
                        .push(self.now, EventKind::ContainerInstance, msg)
                        .instance(&id);
                }
                let msg = format!(
                    "container instance {id} ({}, {}) registered in cluster {} with {} CPU units and {} MiB",
                    inst.instance_type.name, inst.availability_zone, inst.cluster, inst.registered.cpu, inst.registered.memory_mib
                );
                let slot = self.cluster.add(inst);
                self.log
                    .push(self.now, EventKind::ContainerInstance, msg)
                    .instance(&id);
                self.instance_state_change(slot);
                if let Some(g) = spec.auto_scaling_group {
                    self.cluster.instances[slot].auto_scaling_group = Some(g);
                    self.group_instance_registered(g, &id, slot);
                }
                if let Some(p) = spec.managed_instances {
                    self.managed_instance_registered(p, &id, slot);
                }
                for s in 0..self.services.len() {
                    self.schedule_service_tick(s, self.now);
                }
            }
            Err(e) => {
                self.log.push(
                    self.now,
                    EventKind::ContainerInstance,
                    format!("containerInstances[{index}]: {e}"),
                );
            }
        }
    }

    /// A new deployment id, `ecs-svc/` and 19 digits as ECS prints them.
    pub(crate) fn new_deployment_id(&mut self) -> String {
        let digits: String = self
            .rng_ids
            .hex(19)
            .bytes()
            .map(|b| char::from(b'0' + b % 10))
            .collect();
        format!("ecs-svc/{digits}")
    }

    /// A new task id (32 hex digits, as ECS prints them).
    pub(crate) fn new_task_id(&mut self) -> String {
        self.rng_ids.hex(32)
    }

    /// Records a newly placed task and starts its lifecycle.
    pub(crate) fn add_task(&mut self, mut task: Task) -> usize {
        task.arn = crate::task::task_arn(&task.cluster, &task.id);
        task.placed_at = self.now;
        self.task_generation += 1;
        let index = self.tasks.len();
        let slot = task.reservation.slot;
        if self.instance_tasks.len() <= slot {
            self.instance_tasks.resize(slot + 1, Vec::new());
        }
        self.instance_tasks[slot].push(index);
        if let Some(s) = task.service {
            if self.service_tasks.len() <= s {
                self.service_tasks.resize(s + 1, Vec::new());
            }
            self.service_tasks[s].push(index);
        }
        *self
            .td_live_tasks
            .entry(task.task_definition_arn.clone())
            .or_default() += 1;
        self.tasks.push(task);
        self.managed_instance_task_started(slot);
        // Fargate provisions capacity and an ENI for each task (1.4); an EBS volume is
        // created and attached meanwhile.
        let provisioning = if self.cluster.instances[slot].fargate {
            self.scenario.options.capacity.fargate_provisioning_ms()
        } else {
            self.provisioning_ms()
        } + self.create_task_volume(index);
        self.schedule_progress(index, self.now.plus_ms(provisioning));
        index
    }

    /// Sets task `index`'s next lifecycle step for `at`; an earlier one still queued is
    /// stale from now on.
    pub(crate) fn schedule_progress(&mut self, index: usize, at: SimTime) {
        self.tasks[index].progress_at = Some(at);
        self.schedule(at, Timer::TaskProgress(index));
    }

    fn progress_task(&mut self, index: usize) {
        if self.tasks[index].progress_at != Some(self.now) {
            return;
        }
        self.tasks[index].progress_at = None;
        let next = match (
            self.tasks[index].last_status,
            self.tasks[index].desired_status,
        ) {
            (TaskStatus::Provisioning, TaskStatus::Running) => {
                Some((TaskStatus::Pending, self.pending_ms(index)))
            }
            (TaskStatus::Pending, TaskStatus::Running) => {
                match (self.finish_pending(index), self.activating_ms()) {
                    (false, _) => None,
                    (true, 0) => {
                        self.finish_activating(index);
                        None
                    }
                    (true, ms) => Some((TaskStatus::Activating, ms)),
                }
            }
            (TaskStatus::Activating, TaskStatus::Running) => {
                self.finish_activating(index);
                None
            }
            (TaskStatus::Deactivating, _) => Some((TaskStatus::Stopping, self.stop_time_ms(index))),
            (TaskStatus::Stopping, _) => match self.deprovisioning_ms(index) {
                0 => Some((TaskStatus::Stopped, 0)),
                ms => Some((TaskStatus::Deprovisioning, ms)),
            },
            (TaskStatus::Deprovisioning, _) => Some((TaskStatus::Stopped, 0)),
            _ => None,
        };
        let Some((status, then_ms)) = next else {
            return;
        };
        if status == TaskStatus::Stopped {
            self.finish_task(index);
            return;
        }
        // Every other state reached here (PENDING, ACTIVATING, STOPPING, DEPROVISIONING) has
        // a next step.
        self.set_status(index, status);
        self.schedule_progress(index, self.now.plus_ms(then_ms));
    }

    /// How long STOPPING lasts: the application's exit after SIGTERM, or SIGKILL at the
    /// longest container `stopTimeout` if that comes first (1.10). A container without one
    /// waits its instance agent's `ECS_CONTAINER_STOP_TIMEOUT` (30 s by default, and on
    /// Fargate).
    pub(crate) fn stop_time_ms(&self, index: usize) -> u64 {
        let task = &self.tasks[index];
        let fallback = self.cluster.instances[task.reservation.slot].stop_timeout_ms;
        let stop_timeout_ms = task
            .td
            .containers
            .iter()
            .map(|c| c.stop_timeout_s.map_or(fallback, |s| u64::from(s) * 1000))
            .max()
            .unwrap_or(fallback);
        self.app_exit_ms().min(stop_timeout_ms)
    }

    /// Moves a task to `status`, logging it and telling its service.
    pub(crate) fn set_status(&mut self, index: usize, status: TaskStatus) {
        let now = self.now;
        self.task_generation += 1;
        let exit_line = match (self.tasks[index].last_status, status) {
            (TaskStatus::Stopping, TaskStatus::Stopped | TaskStatus::Deprovisioning) => {
                self.exit_line(index)
            }
            _ => None,
        };
        let pull_ms = (status == TaskStatus::Pending).then(|| self.pull_ms(index));
        let newly_stopped =
            status == TaskStatus::Stopped && self.tasks[index].last_status != TaskStatus::Stopped;
        if newly_stopped {
            if let Some(n) = self
                .td_live_tasks
                .get_mut(&self.tasks[index].task_definition_arn)
            {
                *n = n.saturating_sub(1);
            }
        }
        let task = &mut self.tasks[index];
        task.last_status = status;
        task.version += 1;
        match status {
            TaskStatus::Running => task.started_at = Some(now),
            TaskStatus::Stopped => task.stopped_at = Some(now),
            _ => {}
        }
        if let Some(pull_ms) = pull_ms {
            task.pull = Some((now, now.plus_ms(pull_ms)));
        }
        if status == TaskStatus::Running {
            let r = &task.reservation;
            self.cluster.count_running_task(r.group_id, r.slot, true);
        }
        let (id, service) = (task.id.clone(), task.service);
        if newly_stopped {
            self.delete_unused_task_definitions();
        }
        match status {
            TaskStatus::Running => {
                self.app_log(index, None, "application started");
                self.start_application(index);
            }
            TaskStatus::Stopping => self.app_log(index, None, "SIGTERM received, shutting down"),
            _ => {}
        }
        if self.events_wanted() {
            // ECS Task State Change (9.1): the detail mirrors the task.
            let detail = self.describe_task(index);
            let resources = vec![self.tasks[index].arn.clone()];
            self.put_event(crate::eventbridge::Event {
                source: "aws.ecs".to_string(),
                detail_type: "ECS Task State Change".to_string(),
                resources,
                detail,
            });
        }
        if let Some(line) = exit_line {
            self.app_log(index, None, &line);
        }
        let task = &self.tasks[index];
        let instance = self.cluster.instances[task.reservation.slot]
            .ec2_instance_id
            .clone();
        // A stopped task says why, as describe-tasks does (stopCode, stoppedReason).
        let why = match (status, &task.stop_code, &task.stopped_reason) {
            (TaskStatus::Stopped, Some(code), Some(reason)) => format!(" ({code}): {reason}"),
            (TaskStatus::Stopped, None, Some(reason)) => format!(": {reason}"),
            _ => String::new(),
        };
        let entry = self.log.push(
            now,
            EventKind::TaskStateChange,
            format!("task {id} is {}{why}", status.as_str()),
        );
        entry.task(&id).instance(&instance);
        if let Some(s) = service {
            entry.service(&self.services[s].name.clone());
            // ACTIVATING and DEPROVISIONING change nothing the scheduler counts: the task is
            // still starting, or already stopping.
            if !matches!(status, TaskStatus::Activating | TaskStatus::Deprovisioning) {
                self.schedule_service_tick(s, now);
            }
            // ECS registers the task in its Cloud Map service while it is ACTIVATING (at
            // RUNNING when there is no ACTIVATING step) [ECS-SD].
            if matches!(status, TaskStatus::Activating | TaskStatus::Running)
                && self.tasks[index].desired_status == TaskStatus::Running
            {
                self.register_in_cloud_map(index);
            }
            if status == TaskStatus::Running {
                // Look again when the task starts to count as healthy (4.4).
                self.schedule_service_tick(
                    s,
                    now.plus_ms(crate::deployment::HEALTHY_AFTER_RUNNING_MS),
                );
                let check = self.tasks[index]
                    .td
                    .containers
                    .iter()
                    .filter_map(|c| c.health_check_interval_s)
                    .max();
                if let Some(interval) = check {
                    self.schedule_service_tick(s, now.plus_secs(u64::from(interval)));
                }
                self.register_targets(index);
            }
        }
        if status == TaskStatus::Running {
            // The first health check passes one interval after RUNNING (1.11).
            let first_check = self.tasks[index]
                .td
                .containers
                .iter()
                .filter_map(|c| c.health_check_interval_s)
                .min();
            if let Some(interval) = first_check {
                self.schedule(
                    now.plus_secs(u64::from(interval)),
                    Timer::HealthChanged(index),
                );
            }
        }
    }

    /// Stops a task the way ECS does (10.1, G33): a task behind a load balancer first goes
    /// DEACTIVATING while its targets drain for the deregistration delay; then STOPPING
    /// (SIGTERM, and SIGKILL after `stopTimeout`); then STOPPED, when its resources return to
    /// the instance.
    pub(crate) fn stop_task(&mut self, index: usize, stop_code: &str, reason: &str) {
        if !self.mark_stopping(index, stop_code, reason) {
            return;
        }
        let drained_at = if self.has_live_targets(index) {
            self.deregister_targets(index)
        } else {
            None
        };
        match drained_at {
            Some(at) => {
                self.set_status(index, TaskStatus::Deactivating);
                self.schedule_progress(index, at);
            }
            None => {
                let ms = if self.tasks[index].last_status == TaskStatus::Running {
                    self.stop_time_ms(index)
                } else {
                    0
                };
                self.set_status(index, TaskStatus::Stopping);
                self.schedule_progress(index, self.now.plus_ms(ms));
            }
        }
    }

    /// The end of a task: its resources return to the instance, it leaves the indexes, and it
    /// is STOPPED. A Fargate task's host goes with it.
    pub(crate) fn finish_task(&mut self, index: usize) {
        let reservation = self.tasks[index].reservation.clone();
        if self.tasks[index].started_at.is_some() {
            self.cluster
                .count_running_task(reservation.group_id, reservation.slot, false);
        }
        release(&mut self.cluster, &reservation);
        let slot = reservation.slot;
        if let Some(list) = self.instance_tasks.get_mut(slot) {
            list.retain(|&t| t != index);
        }
        if let Some(s) = self.tasks[index].service {
            if let Some(list) = self.service_tasks.get_mut(s) {
                list.retain(|&t| t != index);
            }
        }
        self.fargate_task_stopped(index);
        self.release_task_volume(index);
        self.set_status(index, TaskStatus::Stopped);
        if !self.cluster.instances[slot].fargate
            && !self.cluster.instances[slot].accepts_tasks()
            && self.has_daemon_services()
        {
            // A daemon task on a draining instance stops after the others (4.1).
            self.poke_cluster_services(slot);
        }
        if self.cluster.instances[slot].fargate {
            self.terminate_instance(slot, "TaskStopped", "Fargate task stopped");
        } else if let Some(p) = self.cluster.instances[slot].capacity_provider {
            // Freed capacity may fit a task waiting for this provider.
            self.poke_provider(p);
            self.managed_instance_maybe_idle(slot);
            self.analyse_managed_instances(p, Some(slot));
        }
    }

    /// Sends SIGTERM now without waiting for load balancer draining (a Fargate Spot
    /// interruption, 7.2): targets start draining, the task is STOPPING, and STOPPED when the
    /// application exits or SIGKILL comes at `stopTimeout`.
    pub(crate) fn sigterm_task(&mut self, index: usize, stop_code: &str, reason: &str) {
        if !self.mark_stopping(index, stop_code, reason) {
            return;
        }
        if self.has_live_targets(index) {
            self.deregister_targets(index);
        }
        let ms = if self.tasks[index].last_status == TaskStatus::Running {
            self.stop_time_ms(index)
        } else {
            0
        };
        self.set_status(index, TaskStatus::Stopping);
        self.schedule_progress(index, self.now.plus_ms(ms));
    }

    /// Stops a task at once because its host is gone: no draining, no stop timeout.
    pub(crate) fn kill_task(&mut self, index: usize, stop_code: &str, reason: &str) {
        if self.tasks[index].last_status == TaskStatus::Stopped {
            return;
        }
        self.mark_stopping(index, stop_code, reason);
        if self.has_live_targets(index) {
            self.deregister_targets(index);
        }
        self.finish_task(index);
    }

    /// Stops a task whose essential container already exited: its targets start draining,
    /// but nothing waits for them.
    pub(crate) fn stop_task_at_once(&mut self, index: usize, stop_code: &str, reason: &str) {
        if !self.mark_stopping(index, stop_code, reason) {
            return;
        }
        if self.has_live_targets(index) {
            self.deregister_targets(index);
        }
        self.set_status(index, TaskStatus::Stopping);
        self.schedule_progress(index, self.now);
    }

    /// Sets the task's desired status to STOPPED with its stop code; false if it already was.
    fn mark_stopping(&mut self, index: usize, stop_code: &str, reason: &str) -> bool {
        let task = &mut self.tasks[index];
        if task.desired_status == TaskStatus::Stopped {
            return false;
        }
        task.desired_status = TaskStatus::Stopped;
        task.stop_code = Some(stop_code.to_string());
        task.stopped_reason = Some(reason.to_string());
        task.stopping_at = Some(self.now);
        task.version += 1;
        self.worker_stopped(index);
        self.deregister_from_cloud_map(index);
        self.end_exec_sessions(index);
        true
    }

    /// A number that changes whenever a task is added or changes state, or an instance
    /// registers or changes status: views of the cluster need redrawing only when it changes.
    pub fn change_count(&self) -> u64 {
        self.task_generation + self.cluster.generation()
    }

    /// The event log so far.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// All tasks ever started, in creation order.
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// Every registered container instance.
    pub fn cluster(&self) -> &ClusterState {
        &self.cluster
    }

    /// The services.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// One-minute metric datapoints so far.
    pub fn time_series(&self) -> &crate::metrics::TimeSeries {
        &self.series
    }

    /// RunTask failures so far.
    pub fn failures(&self) -> &[RunTaskFailure] {
        &self.failures
    }
}
