//! Fargate and Fargate Spot capacity (1.4, 6.3, 7.2).
//!
//! A Fargate task needs no container instance: it gets a host of its own sized exactly to its
//! task `cpu` and `memory`, with one ENI (awsvpc) in one of its subnets. The playground models
//! that host as a container-instance record flagged `fargate`, kept out of EC2 placement,
//! daemons and cluster metrics, and shown in the UI's Fargate lane. Tasks are balanced across
//! the Availability Zones of their subnets (3.1), provisioned for
//! `options.capacity.fargateProvisioningSeconds`, and always pull their images (no cache).
//!
//! Launches are rate limited: a burst of 100 tasks, then 20 per second (1.4, a token bucket),
//! and at most 500 a minute for one service (the quota of 4.9).
//! `FARGATE_SPOT` can run short of capacity (a `FargateSpotCapacityShortage` fault): its share
//! of a strategy then waits, never falling back to `FARGATE` (6.3, G32). An interruption sends
//! the two-minute warning with SIGTERM, and SIGKILL follows at `stopTimeout` (7.2, G32).
//!
//! Platform versions: a request's `platformVersion` (CreateService, UpdateService, RunTask)
//! "is specified only for tasks using the Fargate launch type. If one isn't specified, the
//! `LATEST` platform version is used" [API-CS]: 1.4.0 for Linux, 1.0.0 for Windows [FPV].
//! ECS refuses one on EC2 with "The platform version must be null when specifying an EC2
//! launch type." [observed wording], one that does not exist with `PlatformUnknownException`,
//! and one without what the task definition needs (EFS volumes, `ephemeralStorage`, the
//! `SYS_PTRACE` capability: 1.4.0 [FPV]) with
//! `PlatformTaskDefinitionIncompatibilityException` [API-CS]. The playground accepts every
//! version AWS has published (Linux 1.0.0 to 1.4.0) and does not model their retirement
//! [unconfirmed]. A new version in UpdateService starts a deployment.
//!
//! - [API-CS] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>
//! - [FPV] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/platform-linux-fargate.html>

use serde_json::Value;

use crate::capacity_provider::{FARGATE, FARGATE_SPOT};
use crate::container_instance::ContainerInstance;
use crate::event_log::EventKind;
use crate::scenario::{InstanceSpec, Lifecycle};
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::task_definition::{Compatibility, ValidTaskDefinition};
use crate::time::SimTime;

/// Milliseconds between two launch tokens at `rate` per second.
fn token_interval_ms(rate: u32) -> u64 {
    (1000 / u64::from(rate.max(1))).max(1)
}

/// Fargate's side of the run: launch tokens and Spot capacity shortages.
#[derive(Debug, Clone, Default)]
pub struct FargateState {
    tokens: Option<u32>,
    refilled_at_ms: u64,
    /// Spot capacity shortages: (Availability Zone or every zone, from, until).
    pub shortages: Vec<(Option<String>, SimTime, SimTime)>,
}

impl FargateState {
    /// Takes a launch token, or says when the next one comes.
    fn take_token(&mut self, now_ms: u64, rate: u32, burst: u32) -> Result<(), u64> {
        let interval = token_interval_ms(rate);
        let tokens = self.tokens.get_or_insert(burst);
        let earned = (now_ms.saturating_sub(self.refilled_at_ms)) / interval;
        if earned > 0 {
            *tokens = (u64::from(*tokens) + earned).min(u64::from(burst)) as u32;
            self.refilled_at_ms += earned * interval;
        }
        if *tokens == 0 {
            return Err(self.refilled_at_ms + interval);
        }
        if *tokens == burst {
            self.refilled_at_ms = now_ms;
        }
        *tokens -= 1;
        Ok(())
    }

    /// Whether Fargate Spot has no capacity in `az` at `now`.
    pub fn spot_short(&self, az: &str, now: SimTime) -> bool {
        self.shortages.iter().any(|(zone, from, until)| {
            zone.as_deref().is_none_or(|z| z == az) && *from <= now && now < *until
        })
    }
}

/// Tasks one service may launch on Fargate in a minute (4.9, [QUOTA]).
pub const FARGATE_TASKS_PER_SERVICE_PER_MINUTE: usize = 500;

/// Why a Fargate task could not start now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FargateWait {
    /// The launch rate limit: try again at this time.
    RateLimited(SimTime),
    /// No Fargate Spot capacity in any of the task's zones (`RESOURCE:FARGATE`).
    NoSpotCapacity,
    /// Every zone of the task's subnets is down.
    NoZone,
}

/// Checks that a task definition can run on Fargate (1.12): it must list `FARGATE` in
/// `requiresCompatibilities` (which makes registration check awsvpc and the cpu/memory pair).
pub fn check_fargate_task_definition(td: &ValidTaskDefinition) -> Result<(), String> {
    if !td.compatibilities.contains(&Compatibility::Fargate) {
        return Err(format!(
            "taskDefinition: Task definition does not support launch_type FARGATE. Add \"FARGATE\" to requiresCompatibilities of {} (it then needs networkMode awsvpc and a valid cpu/memory pair, 1.4).",
            td.family
        ));
    }
    Ok(())
}

/// The Fargate platform versions AWS has published for Linux tasks [FPV].
pub const LINUX_PLATFORM_VERSIONS: &[&str] = &["1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"];

/// The Fargate platform versions AWS has published for Windows tasks.
pub const WINDOWS_PLATFORM_VERSIONS: &[&str] = &["1.0.0"];

/// The version `platformVersion` (absent: `LATEST`) stands for, for a task of `td`.
pub fn resolve_platform_version(given: Option<&str>, td: &ValidTaskDefinition) -> String {
    match given.filter(|v| !v.is_empty()) {
        None | Some("LATEST") => if td.is_windows() { "1.0.0" } else { "1.4.0" }.to_string(),
        Some(v) => v.to_string(),
    }
}

/// What task definition `td` uses that needs platform version 1.4.0 on Linux, if anything.
fn needs_platform_1_4(td: &ValidTaskDefinition) -> Option<&'static str> {
    let input = &td.input;
    if input
        .volumes
        .iter()
        .any(|v| v.efs_volume_configuration.is_some())
    {
        return Some("EFS volumes");
    }
    if input.ephemeral_storage.is_some() {
        return Some("ephemeralStorage");
    }
    let ptrace = input.container_definitions.iter().any(|c| {
        c.linux_parameters
            .as_ref()
            .and_then(|l| l.capabilities.as_ref())
            .is_some_and(|k| k.add.iter().any(|a| a == "SYS_PTRACE"))
    });
    ptrace.then_some("the SYS_PTRACE kernel capability")
}

/// Checks a request's `platformVersion`: only on Fargate, a published version, and one with
/// what the task definition needs.
pub fn check_platform_version(
    raw: &Value,
    td: &ValidTaskDefinition,
    fargate: bool,
) -> Result<(), String> {
    let given = match raw.get("platformVersion") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(()),
        Some(Value::String(s)) => s.trim(),
        Some(_) => {
            return Err(
                "platformVersion: must be a string such as \"LATEST\" or \"1.4.0\"".to_string(),
            )
        }
    };
    if !fargate {
        return Err("platformVersion: InvalidParameterException: The platform version must be null when specifying an EC2 launch type.".to_string());
    }
    let windows = td.is_windows();
    let published = if windows {
        WINDOWS_PLATFORM_VERSIONS
    } else {
        LINUX_PLATFORM_VERSIONS
    };
    if given != "LATEST" && !published.contains(&given) {
        return Err(format!(
            "platformVersion: PlatformUnknownException: The specified platform version doesn't exist. ({given}; {} has {} and LATEST)",
            if windows { "Windows" } else { "Linux" },
            published.join(", ")
        ));
    }
    let version = resolve_platform_version(Some(given), td);
    if !windows && !crate::execute_command::version_at_least(&version, [1, 4, 0]) {
        if let Some(feature) = needs_platform_1_4(td) {
            return Err(format!("platformVersion: PlatformTaskDefinitionIncompatibilityException: The specified platform version doesn't satisfy the required capabilities of the task definition. ({} uses {feature}, which needs 1.4.0 or later; {version} is asked for)", td.family));
        }
    }
    Ok(())
}

/// Checks a CreateService or RunTask request that runs on Fargate: a Fargate task definition,
/// and neither placement strategies nor constraints (3.1: Fargate spreads tasks over the
/// subnets' Availability Zones itself).
pub fn check_fargate_request(raw: &Value, td: &ValidTaskDefinition) -> Result<(), String> {
    check_fargate_task_definition(td)?;
    let listed = |key: &str| {
        raw.get(key)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    if listed("placementStrategy") || listed("placementConstraints") {
        return Err("placementStrategy: Fargate tasks take neither placement strategies nor constraints; Fargate spreads them across the subnets' Availability Zones (3.1)".to_string());
    }
    Ok(())
}

/// Tasks per Availability Zone: (zone, count).
pub(crate) type ZoneCounts = Vec<(String, usize)>;

/// One more task in zone `az`.
fn count_in_zone(counts: &mut ZoneCounts, az: &str) {
    match counts.iter_mut().find(|(z, _)| z == az) {
        Some(zone) => zone.1 += 1,
        None => counts.push((az.to_string(), 1)),
    }
}

impl Simulation {
    /// Starts one task of service `s` on `FARGATE` or `FARGATE_SPOT` (provider `p`), or says
    /// why it must wait.
    pub(crate) fn fargate_launch(&mut self, s: usize, p: usize) -> Result<String, FargateWait> {
        // The quota "Tasks per service launched on Fargate" (4.9): 500 a minute.
        let now = self.now();
        let launches = &mut self.services[s].fargate_launches;
        while launches
            .front()
            .is_some_and(|&at| now >= at.plus_ms(60_000))
        {
            launches.pop_front();
        }
        if launches.len() >= FARGATE_TASKS_PER_SERVICE_PER_MINUTE {
            let free_at = launches.front().map_or(now, |at| at.plus_ms(60_000));
            return Err(FargateWait::RateLimited(free_at));
        }
        let svc = &self.services[s];
        let subnets = svc.subnets.clone().unwrap_or_default();
        let (cluster, td) = (svc.cluster.clone(), svc.td.clone());
        // The service's tasks per zone: counted once, then kept up to date through a batch of
        // launches (a service may have thousands of tasks, launched hundreds at a time).
        let counts = match self.fargate_zone_counts.take() {
            Some((cached, generation, counts))
                if cached == s && generation == self.task_generation =>
            {
                counts
            }
            _ => self.tasks_per_zone(self.service_tasks.get(s).map_or(&[], |ts| ts.as_slice())),
        };
        let slot = match self.fargate_host(&cluster, &td, &subnets, &counts, p) {
            Ok(slot) => slot,
            Err(wait) => {
                self.fargate_zone_counts = Some((s, self.task_generation, counts));
                return Err(wait);
            }
        };
        self.services[s].fargate_launches.push_back(now);
        let id = self.start_service_task(s, slot, Some(p));
        let mut counts = counts;
        count_in_zone(&mut counts, &self.cluster.instances[slot].availability_zone);
        self.fargate_zone_counts = Some((s, self.task_generation, counts));
        Ok(id)
    }

    /// The active tasks among `siblings` per Availability Zone.
    pub(crate) fn tasks_per_zone(&self, siblings: &[usize]) -> ZoneCounts {
        let mut counts: ZoneCounts = Vec::new();
        for &t in siblings {
            if !self.tasks[t].is_active() {
                continue;
            }
            count_in_zone(
                &mut counts,
                &self.cluster.instances[self.tasks[t].reservation.slot].availability_zone,
            );
        }
        counts
    }

    /// Creates the host of one Fargate task of `td` on provider `p` in the zone of `subnets`
    /// with the fewest siblings (the task's service or group, 3.1; `counts` by zone, from
    /// [`Simulation::tasks_per_zone`]), or says why not.
    pub(crate) fn fargate_host(
        &mut self,
        cluster: &str,
        td: &ValidTaskDefinition,
        subnets: &[String],
        counts: &[(String, usize)],
        p: usize,
    ) -> Result<crate::cluster::InstanceSlot, FargateWait> {
        let spot = p == FARGATE_SPOT;
        let now = self.now();
        let mut zones: Vec<(String, String, usize)> = Vec::new();
        for subnet in subnets {
            let az = self
                .scenario
                .subnet_zones
                .get(subnet)
                .cloned()
                .unwrap_or_else(|| subnet.clone());
            if zones.iter().any(|(_, z, _)| *z == az) || self.zone_is_down(&az) {
                continue;
            }
            let n = counts.iter().find(|(z, _)| *z == az).map_or(0, |(_, n)| *n);
            zones.push((subnet.clone(), az, n));
        }
        if zones.is_empty() {
            return Err(FargateWait::NoZone);
        }
        if spot {
            zones.retain(|(_, az, _)| !self.fargate.spot_short(az, now));
            if zones.is_empty() {
                return Err(FargateWait::NoSpotCapacity);
            }
        }
        let opts = self.scenario.options.capacity;
        self.fargate
            .take_token(
                now.as_ms(),
                opts.fargate_launch_rate,
                opts.fargate_launch_burst,
            )
            .map_err(|at| FargateWait::RateLimited(SimTime(at)))?;
        let (subnet, az, _) = zones
            .iter()
            .min_by_key(|(_, _, c)| *c)
            .cloned()
            .unwrap_or_else(|| zones[0].clone());
        let host_id = format!("fargate-{}", self.rng_ids.hex(12));
        let spec = InstanceSpec {
            managed_instances: None,
            id: Some(host_id.clone()),
            instance_type: &crate::instance_types::FARGATE_HOST,
            availability_zone: az,
            lifecycle: if spot {
                Lifecycle::Spot
            } else {
                Lifecycle::OnDemand
            },
            attributes: Default::default(),
            ecs_config: [("ECS_CLUSTER".to_string(), cluster.to_string())]
                .into_iter()
                .collect(),
            launch_at_ms: now.as_ms(),
            awsvpc_trunking: false,
            subnet_id: subnet,
            agent_version: String::new(),
            agent_connected: true,
            security_groups: Vec::new(),
            external: false,
            instance_profile: None,
            auto_scaling_group: None,
        };
        let registered_at = self.scenario.start_epoch_ms + now.as_ms() as i64;
        let Ok(mut host) = ContainerInstance::register(&spec, host_id, registered_at) else {
            return Err(FargateWait::NoZone);
        };
        host.registered.cpu = td.task_cpu_units.unwrap_or(td.cpu_units);
        host.registered.memory_mib = td.task_memory_mib.unwrap_or(td.memory_mib);
        host.remaining = host.registered;
        host.reserved_tcp.clear();
        host.eni_task_capacity = 1;
        host.capacity_provider = Some(p);
        Ok(self.cluster.add_fargate_host(host))
    }

    /// Interrupts up to `count` running Fargate Spot tasks (of `service`, if given), chosen by
    /// the seeded stream (7.2, G32): the warning and SIGTERM now, SIGKILL at `stopTimeout`.
    pub(crate) fn interrupt_fargate_spot(&mut self, service: Option<&str>, count: u32) {
        let mut candidates: Vec<usize> = (0..self.tasks.len())
            .filter(|&t| {
                let task = &self.tasks[t];
                task.capacity_provider == Some(FARGATE_SPOT)
                    && task.is_active()
                    && task.last_status == TaskStatus::Running
                    && service
                        .is_none_or(|n| task.service.is_some_and(|s| self.services[s].name == n))
            })
            .collect();
        for _ in 0..count {
            if candidates.is_empty() {
                break;
            }
            let pick = self.rng_placement.below(candidates.len() as u64) as usize;
            let t = candidates.remove(pick);
            let id = self.tasks[t].id.clone();
            self.log
                .push(
                    self.now(),
                    EventKind::Capacity,
                    format!("task {id}: Your Spot Task was interrupted. (stopCode TerminationNotice: the two-minute warning and SIGTERM now; SIGKILL after stopTimeout)"),
                )
                .task(&id);
            self.sigterm_task(t, "TerminationNotice", "Your Spot Task was interrupted.");
        }
    }

    /// Bookkeeping when a task reaches STOPPED: an interrupted Fargate Spot task's final
    /// record carries `options.capacity.fargateSpotStopCode` (7.2 [unconfirmed]).
    pub(crate) fn fargate_task_stopped(&mut self, t: usize) {
        let code = self.scenario.options.capacity.fargate_spot_stop_code;
        let task = &mut self.tasks[t];
        if task.capacity_provider == Some(FARGATE_SPOT)
            && task.stop_code.as_deref() == Some("TerminationNotice")
        {
            task.stop_code = Some(code.as_str().to_string());
        }
    }

    /// Whether an Availability Zone is in an outage now.
    pub(crate) fn zone_is_down(&self, az: &str) -> bool {
        let now = self.now();
        self.zone_outages
            .iter()
            .any(|(z, from, until)| z == az && *from <= now && now < *until)
    }

    /// Sets a timer for Fargate's next launch token or the end of a shortage.
    pub(crate) fn retry_fargate_at(&mut self, at: SimTime, p: usize) {
        debug_assert!(p == FARGATE || p == FARGATE_SPOT);
        self.schedule_provider_tick(p, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_rate_is_a_burst_of_100_then_20_per_second() {
        let mut f = FargateState::default();
        for _ in 0..100 {
            assert!(f.take_token(0, 20, 100).is_ok());
        }
        assert_eq!(f.take_token(0, 20, 100), Err(50));
        assert!(f.take_token(50, 20, 100).is_ok());
        assert_eq!(f.take_token(60, 20, 100), Err(100));
        // One second later: 20 more.
        let ok = (0..25)
            .filter(|_| f.take_token(1_050, 20, 100).is_ok())
            .count();
        assert_eq!(ok, 20);
    }

    /// Three services asking for 180 Fargate tasks at once: the first 100 launch, the rest
    /// wait for tokens (1.4). However many services a tick fails for, one retry per
    /// provider and moment is set, and every task launches in the end.
    #[test]
    fn rate_limited_launches_set_one_retry_per_provider_and_moment() {
        use crate::sim::Timer;
        let service = |name: &str| {
            serde_json::json!({"serviceName": name, "taskDefinition": "api", "desiredCount": 60,
                "launchType": "FARGATE",
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}})
        };
        let doc = serde_json::json!({
            "version": 1, "seed": 1, "duration": "PT10M",
            "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}],
            "taskDefinitions": [{"family": "api", "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
                "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:latest"}]}],
            "services": [service("a"), service("b"), service("c")]
        });
        let mut sim = Simulation::new(crate::Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(0)).unwrap();
        let mut ticks: Vec<(SimTime, usize)> = sim
            .queue
            .iter()
            .filter_map(|std::cmp::Reverse((at, _, t))| match t {
                Timer::ProviderTick(p) => Some((*at, *p)),
                _ => None,
            })
            .collect();
        assert!(!ticks.is_empty(), "the waiting tasks retry");
        let set = ticks.len();
        ticks.sort();
        ticks.dedup();
        assert_eq!(ticks.len(), set, "one ProviderTick per provider and moment");
        sim.advance_to(SimTime(60_000)).unwrap();
        let started = sim
            .tasks()
            .iter()
            .filter(|t| t.is_active() && t.last_status != TaskStatus::Provisioning)
            .count();
        assert_eq!(started, 180);
    }
}
