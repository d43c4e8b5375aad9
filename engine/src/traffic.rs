//! Traffic: the load model applied to the cluster, one routing tick at a time.
//!
//! Every `routingIntervalSeconds` (default 1 s) of simulated time, each load profile's rate is
//! shared among its targets (8.3), every loaded task's CPU, memory and latency follow from
//! its cost model, tasks over their hard memory limit are killed (G36), and per-minute
//! accumulators grow. Once a minute they become CloudWatch datapoints (5.2, 8.4). The work of
//! a tick grows with the number of targets, never with the request rate.

use crate::cloudwatch::{Datapoint, MetricId};
use crate::load::{LoadProfile, LoadTarget, TaskLoad};
use crate::load_balancer::routing::{shares, RouteCandidate, RoutingMode};
use crate::load_balancer::target_group::TargetState;
use crate::sim::{Simulation, Timer};
use crate::task::TaskStatus;

/// Default routing interval.
pub const DEFAULT_ROUTING_INTERVAL_MS: u64 = 1_000;

/// Where a profile's requests go, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileTarget {
    /// A target group (index).
    TargetGroup(usize),
    /// A service's tasks (index).
    Service(usize),
    /// A queue (index) drained by a service (index).
    Queue(usize, usize),
    /// A Service Connect endpoint called by a client service (index).
    ServiceConnect(usize),
    /// A Cloud Map service found by DNS (index).
    ServiceDiscovery(usize),
}

/// Per-minute sums of one queue.
#[derive(Debug, Clone, Copy, Default)]
struct QueueMinute {
    sent: f64,
    deleted: f64,
}

/// Per-minute sums of one service.
#[derive(Debug, Clone, Copy, Default)]
struct ServiceMinute {
    running_task_seconds: f64,
    cpu_used: f64,
    cpu_reserved: f64,
    memory_used: f64,
    memory_reserved: f64,
}

/// What `RequestCountPerTarget` divides a target group's requests by (8.4: AWS says healthy
/// targets; the value is [unconfirmed], section 12 item 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PerTargetDivisor {
    /// The mean number of healthy targets over the minute (`"healthyTargets"`, the default).
    #[default]
    HealthyTargets,
    /// The mean number of registered targets, whatever their health (`"registeredTargets"`).
    RegisteredTargets,
}

impl crate::json_shape::Spelled for PerTargetDivisor {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("healthyTargets", PerTargetDivisor::HealthyTargets),
        ("registeredTargets", PerTargetDivisor::RegisteredTargets),
    ];
}

/// Per-minute sums of one target group.
#[derive(Debug, Clone, Copy, Default)]
struct GroupMinute {
    requests: f64,
    /// Requests the load balancer failed: no target at all, or a target that could not
    /// serve them (`target_failed`).
    elb_5xx: f64,
    /// Requests overloaded targets could not serve.
    target_failed: f64,
    latency_weighted: f64,
    served: f64,
    healthy: Option<Datapoint>,
    unhealthy: Option<Datapoint>,
    /// Targets registered, whatever their health.
    registered: Option<Datapoint>,
}

/// What the routing tick knows about a RUNNING task, rebuilt when tasks change.
#[derive(Debug, Clone, Copy, Default)]
struct TaskInfo {
    cpu_available: f64,
    hard_memory_mib: Option<f64>,
}

/// The traffic state of a run.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// The scenario's load profiles.
    pub profiles: Vec<LoadProfile>,
    /// Where each goes.
    pub targets: Vec<ProfileTarget>,
    /// Routing interval in milliseconds.
    pub interval_ms: u64,
    /// Each task's load at the latest tick (indexed by task).
    pub task_load: Vec<TaskLoad>,
    loaded: Vec<usize>,
    /// When the latest routing tick ran.
    pub routed_at: Option<crate::time::SimTime>,
    services: Vec<ServiceMinute>,
    groups: Vec<GroupMinute>,
    /// The scenario's queues and their backlogs.
    pub queues: Vec<crate::queue::Queue>,
    queue_minutes: Vec<QueueMinute>,
    /// CPU unit-seconds used this minute on each Auto Scaling group's instances.
    group_cpu_used: Vec<f64>,
    /// Per task: the queue it works for and the messages it holds (in flight).
    in_flight: Vec<Option<(usize, f64)>>,
    cache_generation: u64,
    running_by_service: Vec<Vec<usize>>,
    reserved_by_service: Vec<(f64, f64)>,
    info: Vec<TaskInfo>,
    /// Requests served and failed (5xx) this minute per task, for the tasks' logs.
    /// (indexed by task; a flat vector: this is touched for every loaded task every tick).
    pub(crate) task_requests: Vec<(f64, f64)>,
}

impl Simulation {
    /// Resolves the scenario's load profiles and starts the routing tick.
    pub(crate) fn create_traffic(&mut self) {
        let profiles = self.scenario.load_profiles.clone();
        self.traffic.interval_ms = self.scenario.options.routing_interval_ms;
        self.traffic.queues = self.scenario.queues.clone();
        self.traffic.queue_minutes = vec![QueueMinute::default(); self.traffic.queues.len()];
        let service = |sim: &Simulation, n: &str| sim.services.iter().position(|s| s.name == n);
        for (i, p) in profiles.into_iter().enumerate() {
            let target = match &p.target {
                LoadTarget::TargetGroup(r) => self.lb.find(r).map(ProfileTarget::TargetGroup),
                LoadTarget::Service(n) => service(self, n).map(ProfileTarget::Service),
                LoadTarget::ServiceConnect { client, .. } => {
                    service(self, client).map(ProfileTarget::ServiceConnect)
                }
                LoadTarget::ServiceDiscovery(name) => self
                    .scenario
                    .cloud_map
                    .resolve(&self.scenario.namespaces, name)
                    .map(ProfileTarget::ServiceDiscovery),
                LoadTarget::Queue { queue, consumer } => {
                    match (
                        self.traffic.queues.iter().position(|q| &q.name == queue),
                        service(self, consumer),
                    ) {
                        (Some(q), Some(s)) => Some(ProfileTarget::Queue(q, s)),
                        _ => None,
                    }
                }
            };
            match target {
                Some(t) => {
                    self.traffic.profiles.push(p);
                    self.traffic.targets.push(t);
                }
                None => {
                    let msg = match &p.target {
                        LoadTarget::TargetGroup(r) => {
                            format!("loadProfiles[{i}].targetGroup: no target group {r} in the scenario")
                        }
                        LoadTarget::Service(n) => {
                            format!("loadProfiles[{i}].service: no service {n} in the scenario")
                        }
                        LoadTarget::Queue { queue, consumer } => format!(
                            "loadProfiles[{i}].queue: needs queue {queue} in queues and service {consumer} in services"
                        ),
                        LoadTarget::ServiceConnect { client, .. } => {
                            format!("loadProfiles[{i}].client: no service {client} in the scenario")
                        }
                        LoadTarget::ServiceDiscovery(name) => format!(
                            "loadProfiles[{i}].serviceDiscovery: no Cloud Map service in cloudMapServices[] has DNS records for {name} (service.namespace, in a DNS namespace)"
                        ),
                    };
                    self.log
                        .push(self.now(), crate::event_log::EventKind::Scenario, msg);
                }
            }
        }
        self.traffic.groups = vec![GroupMinute::default(); self.lb.target_groups.len()];
        if !self.traffic.profiles.is_empty()
            || !self.lb.target_groups.is_empty()
            || !self.traffic.queues.is_empty()
        {
            self.schedule(self.now(), Timer::Route);
        }
    }

    fn refresh_task_cache(&mut self) {
        if self.traffic.cache_generation == self.task_generation
            && self.traffic.running_by_service.len() == self.services.len()
        {
            return;
        }
        self.traffic.cache_generation = self.task_generation;
        let n = self.services.len();
        self.traffic.running_by_service = vec![Vec::new(); n];
        self.traffic.reserved_by_service = vec![(0.0, 0.0); n];
        self.traffic
            .info
            .resize(self.tasks.len(), TaskInfo::default());
        for (t, task) in self.tasks.iter().enumerate() {
            // ACTIVATING and DEACTIVATING tasks' applications run too: DNS clients reach
            // them (crate::service_discovery).
            if !matches!(
                task.last_status,
                TaskStatus::Running | TaskStatus::Activating | TaskStatus::Deactivating
            ) {
                continue;
            }
            let inst = &self.cluster.instances[task.reservation.slot];
            let registered = f64::from(inst.registered.cpu);
            let reserved_total =
                f64::from(inst.registered.cpu.saturating_sub(inst.remaining.cpu)).max(registered);
            let cpu_available = match task.td.task_cpu_units {
                Some(cpu) => f64::from(cpu),
                // CPU shares: idle CPU is shared in proportion to reservations (1.3).
                None => {
                    f64::from(task.reservation.cpu.max(2)) * registered / reserved_total.max(1.0)
                }
            };
            let hard_memory_mib = task.td.task_memory_mib.map(f64::from).or_else(|| {
                task.td
                    .containers
                    .iter()
                    .map(|c| c.memory.map(f64::from))
                    .sum::<Option<f64>>()
            });
            self.traffic.info[t] = TaskInfo {
                cpu_available,
                hard_memory_mib,
            };
            if task.last_status != TaskStatus::Running {
                continue;
            }
            if let Some(s) = task.service {
                self.traffic.running_by_service[s].push(t);
                let r = &mut self.traffic.reserved_by_service[s];
                r.0 += f64::from(task.reservation.cpu);
                r.1 += f64::from(task.reservation.memory_mib);
            }
        }
        if self.traffic.services.len() != n {
            self.traffic.services.resize(n, ServiceMinute::default());
        }
    }

    /// Shares `rate` requests per second among target group `g`'s targets for one interval
    /// of `dt` seconds, with `cost` the profile's cost model.
    fn route_group(
        &mut self,
        g: usize,
        rate: f64,
        cost: crate::load::CostModel,
        dt: f64,
        candidates: &mut Vec<RouteCandidate>,
    ) {
        let now = self.now();
        let tg = &self.lb.target_groups[g];
        candidates.clear();
        candidates.extend(tg.targets.iter().map(|x| {
            RouteCandidate {
                state: x.state,
                capacity_rps: cost.capacity_rps(
                    self.traffic
                        .info
                        .get(x.task)
                        .map_or(0.0, |i| i.cpu_available),
                ),
                slow_start: match x.slow_start_until {
                    Some(until) if until > now && tg.slow_start_s > 0 => {
                        let left = (until.as_ms() - now.as_ms()) as f64 / 1000.0;
                        1.0 - left / tg.slow_start_s as f64
                    }
                    _ => 1.0,
                },
            }
        }));
        let (mode, weights) = match &tg.classic {
            // A Classic Load Balancer: zone by zone unless cross-zone, never failing open.
            Some(classic) => {
                let zones: Vec<&str> = tg
                    .targets
                    .iter()
                    .map(|x| {
                        let slot = self.tasks[x.task].reservation.slot;
                        self.cluster.instances[slot].availability_zone.as_str()
                    })
                    .collect();
                let w = crate::load_balancer::classic::shares(
                    classic,
                    tg.algorithm,
                    candidates,
                    &zones,
                );
                let mode = if w.iter().any(|x| *x > 0.0) {
                    RoutingMode::Healthy
                } else {
                    RoutingMode::NoTargets
                };
                (mode, w)
            }
            None => shares(tg.algorithm, candidates),
        };
        let acc = &mut self.traffic.groups[g];
        acc.requests += rate * dt;
        if mode == RoutingMode::NoTargets {
            acc.elb_5xx += rate * dt;
        }
        for (x, w) in tg.targets.iter().zip(&weights) {
            if *w <= 0.0 {
                continue;
            }
            let cap = self
                .traffic
                .info
                .get(x.task)
                .map_or(0.0, |i| i.cpu_available);
            let l = cost.load(rate * w, cap);
            acc.elb_5xx += l.failed_rps * dt;
            acc.target_failed += l.failed_rps * dt;
            acc.served += l.served_rps * dt;
            acc.latency_weighted += l.served_rps * l.latency_ms * dt;
            add_load(&mut self.traffic.task_load[x.task], l);
            self.traffic.loaded.push(x.task);
        }
    }

    /// One routing tick: share every profile's rate among its targets for the next interval.
    pub(crate) fn route(&mut self) {
        self.refresh_task_cache();
        let dt = self.traffic.interval_ms as f64 / 1000.0;
        let now = self.now();
        for &t in &self.traffic.loaded {
            self.traffic.task_load[t] = TaskLoad::default();
            if let Some(f) = self.traffic.in_flight.get_mut(t) {
                *f = None;
            }
        }
        // Messages of dead workers become visible again after the visibility timeout.
        for queue in &mut self.traffic.queues {
            let due: f64 = queue
                .returning
                .iter()
                .filter(|(at, _)| *at <= now)
                .map(|(_, n)| n)
                .sum();
            if due > 0.0 {
                queue.backlog += due;
                queue.returning.retain(|(at, _)| *at > now);
            }
        }
        self.traffic.loaded.clear();
        if self.traffic.task_load.len() < self.tasks.len() {
            self.traffic
                .task_load
                .resize(self.tasks.len(), TaskLoad::default());
        }
        let mut candidates = Vec::new();
        for p in 0..self.traffic.profiles.len() {
            let profile = &self.traffic.profiles[p];
            let rate = profile.requests.rate_at(now);
            let cost = profile.cost;
            match self.traffic.targets[p] {
                ProfileTarget::TargetGroup(g) => {
                    // A production listener rule of a blue/green deployment forwards by
                    // weight to the service's two target groups (4.10).
                    let [(g, share), (other, other_share)] = self.lb.forward_shares(g);
                    self.route_group(g, rate * share, cost, dt, &mut candidates);
                    if other != g {
                        self.route_group(other, rate * other_share, cost, dt, &mut candidates);
                    }
                }
                ProfileTarget::Queue(q, s) => {
                    let queue = &mut self.traffic.queues[q];
                    queue.backlog += rate * dt;
                    let acc = &mut self.traffic.queue_minutes[q];
                    acc.sent += rate * dt;
                    let tasks = &self.traffic.running_by_service[s];
                    let capacity: f64 = tasks
                        .iter()
                        .map(|&t| cost.capacity_rps(self.traffic.info[t].cpu_available))
                        .sum();
                    let processed = queue.backlog.min(capacity * dt);
                    queue.backlog -= processed;
                    acc.deleted += processed;
                    for &t in tasks {
                        let mu = cost.capacity_rps(self.traffic.info[t].cpu_available);
                        let share = if capacity > 0.0 {
                            processed * mu / capacity / dt
                        } else {
                            0.0
                        };
                        let l = cost.load(share, self.traffic.info[t].cpu_available);
                        add_load(&mut self.traffic.task_load[t], l);
                        self.traffic.loaded.push(t);
                        // Little's law: messages held = rate × time per message.
                        if self.traffic.in_flight.len() <= t {
                            self.traffic.in_flight.resize(t + 1, None);
                        }
                        self.traffic.in_flight[t] = Some((q, l.served_rps * l.latency_ms / 1000.0));
                    }
                }
                ProfileTarget::ServiceConnect(client) => {
                    let crate::load::LoadTarget::ServiceConnect { host, port, .. } =
                        &self.traffic.profiles[p].target
                    else {
                        continue;
                    };
                    let (host, port) = (host.clone(), *port);
                    let tasks = self.traffic.running_by_service[client].clone();
                    let info = std::mem::take(&mut self.traffic.info);
                    let cap = |t: usize| info.get(t).map_or(0.0, |i| i.cpu_available);
                    let loads = self.route_service_connect(
                        p,
                        client,
                        &tasks,
                        (&host, port),
                        rate,
                        cost,
                        dt,
                        &cap,
                    );
                    self.traffic.info = info;
                    for (t, l) in loads {
                        add_load(&mut self.traffic.task_load[t], l);
                        self.traffic.loaded.push(t);
                    }
                }
                ProfileTarget::ServiceDiscovery(c) => {
                    let info = std::mem::take(&mut self.traffic.info);
                    let cap = |t: usize| info.get(t).map_or(0.0, |i| i.cpu_available);
                    let loads = self.route_dns(p, c, rate, cost, dt, &cap);
                    self.traffic.info = info;
                    for (t, l) in loads {
                        add_load(&mut self.traffic.task_load[t], l);
                        self.traffic.loaded.push(t);
                    }
                }
                ProfileTarget::Service(s) => {
                    let tasks = &self.traffic.running_by_service[s];
                    if tasks.is_empty() {
                        continue;
                    }
                    let share = rate / tasks.len() as f64;
                    for &t in tasks {
                        let l = cost.load(share, self.traffic.info[t].cpu_available);
                        add_load(&mut self.traffic.task_load[t], l);
                        self.traffic.loaded.push(t);
                    }
                }
            }
        }
        // Health samples of every target group.
        for (g, tg) in self.lb.target_groups.iter().enumerate() {
            // A Classic Load Balancer counts instances, which tasks may share.
            let (healthy, unhealthy) = match tg.classic {
                Some(_) => health_counts(crate::load_balancer::classic::per_instance(&tg.targets)),
                None => health_counts(&tg.targets),
            };
            let acc = &mut self.traffic.groups[g];
            merge(&mut acc.healthy, healthy);
            merge(&mut acc.unhealthy, unhealthy);
            merge(&mut acc.registered, tg.targets.len() as f64);
        }
        // Service usage, and OOM kills (G36).
        for s in 0..self.services.len() {
            let (cpu_res, mem_res) = self.traffic.reserved_by_service[s];
            let running = self.traffic.running_by_service[s].len() as f64;
            let acc = &mut self.traffic.services[s];
            acc.cpu_reserved += cpu_res * dt;
            acc.memory_reserved += mem_res * dt;
            acc.running_task_seconds += running * dt;
        }
        self.traffic.loaded.sort_unstable();
        self.traffic.loaded.dedup();
        let mut oom = Vec::new();
        for &t in &self.traffic.loaded {
            let l = self.traffic.task_load[t];
            let requests = &mut self.traffic.task_requests;
            if requests.len() <= t {
                requests.resize(t + 1, (0.0, 0.0));
            }
            requests[t].0 += l.served_rps * dt;
            requests[t].1 += l.failed_rps * dt;
            if let Some(s) = self.tasks[t].service {
                let acc = &mut self.traffic.services[s];
                acc.cpu_used += l.cpu_units * dt;
                acc.memory_used += l.memory_mib * dt;
            }
            if let Some(g) =
                self.cluster.instances[self.tasks[t].reservation.slot].auto_scaling_group
            {
                let used = &mut self.traffic.group_cpu_used;
                if used.len() <= g {
                    used.resize(g + 1, 0.0);
                }
                used[g] += l.cpu_units * dt;
            }
            if self.traffic.info[t]
                .hard_memory_mib
                .is_some_and(|hard| l.memory_mib > hard)
            {
                oom.push(t);
            }
        }
        for t in oom {
            self.out_of_memory(t);
        }
        self.traffic.routed_at = Some(now);
        self.schedule(now.plus_ms(self.traffic.interval_ms), Timer::Route);
    }

    /// Publishes minute `minute`'s datapoints (5.2, 8.4) and resets the accumulators.
    pub(crate) fn publish_minute(&mut self, minute: u64) {
        self.refresh_task_cache();
        self.log_request_minute();
        // The cluster reservation metrics (5.2, G5), for alarms that scale a group on them.
        for name in crate::metrics::ec2_clusters(&self.cluster) {
            if let Some(r) = crate::metrics::cluster_reservation(&self.cluster, &name) {
                for (metric, value) in [
                    ("CPUReservation", r.cpu_percent),
                    ("MemoryReservation", r.memory_percent),
                ] {
                    self.metrics.put(
                        MetricId::new("AWS/ECS", metric, &[("ClusterName", &name)]),
                        minute,
                        Datapoint::single(round6(value)),
                    );
                }
            }
        }
        for (q, queue) in self.traffic.queues.iter().enumerate() {
            let acc = std::mem::take(&mut self.traffic.queue_minutes[q]);
            let dims = [("QueueName", queue.name.as_str())];
            let visible = round6(queue.backlog);
            let held: f64 = self
                .traffic
                .in_flight
                .iter()
                .flatten()
                .filter(|(x, _)| *x == q)
                .map(|(_, n)| n)
                .sum::<f64>()
                + queue.returning.iter().map(|(_, n)| n).sum::<f64>();
            for (name, value) in [
                ("ApproximateNumberOfMessagesVisible", visible),
                ("ApproximateNumberOfMessagesNotVisible", round6(held)),
                ("NumberOfMessagesSent", round6(acc.sent)),
                ("NumberOfMessagesDeleted", round6(acc.deleted)),
            ] {
                self.metrics.put(
                    MetricId::new("AWS/SQS", name, &dims),
                    minute,
                    Datapoint::single(value),
                );
                self.series
                    .record(&format!("queue/{}/{name}", queue.name), value);
            }
        }
        let minute_s = crate::metrics::SAMPLE_PERIOD_MS as f64 / 1000.0;
        for s in 0..self.services.len() {
            let acc = std::mem::take(&mut self.traffic.services[s]);
            let svc = &self.services[s];
            // Container Insights' RunningTaskCount: the minute's average.
            self.metrics.put(
                MetricId::new(
                    "ECS/ContainerInsights",
                    "RunningTaskCount",
                    &[
                        ("ClusterName", svc.cluster.as_str()),
                        ("ServiceName", svc.name.as_str()),
                    ],
                ),
                minute,
                Datapoint::single(round6(acc.running_task_seconds / minute_s)),
            );
            if acc.cpu_reserved <= 0.0 {
                continue;
            }
            let svc = &self.services[s];
            let dims = [
                ("ClusterName", svc.cluster.as_str()),
                ("ServiceName", svc.name.as_str()),
            ];
            let cpu = round6(100.0 * acc.cpu_used / acc.cpu_reserved);
            let mem = if acc.memory_reserved > 0.0 {
                round6(100.0 * acc.memory_used / acc.memory_reserved)
            } else {
                0.0
            };
            self.metrics.put(
                MetricId::new("AWS/ECS", "CPUUtilization", &dims),
                minute,
                Datapoint::single(cpu),
            );
            self.metrics.put(
                MetricId::new("AWS/ECS", "MemoryUtilization", &dims),
                minute,
                Datapoint::single(mem),
            );
            let name = svc.name.clone();
            self.series
                .record(&format!("service/{name}/CPUUtilization"), cpu);
            self.series
                .record(&format!("service/{name}/MemoryUtilization"), mem);
        }
        for g in 0..self.lb.target_groups.len() {
            let acc = std::mem::take(&mut self.traffic.groups[g]);
            let tg_dim = self.lb.dimension(g);
            let lb_dim = self.lb.load_balancer_of(g).dimension.clone();
            let both = [
                ("TargetGroup", tg_dim.as_str()),
                ("LoadBalancer", lb_dim.as_str()),
            ];
            let healthy = acc.healthy.unwrap_or(Datapoint::single(0.0));
            let unhealthy = acc.unhealthy.unwrap_or(Datapoint::single(0.0));
            // [unconfirmed] 8.4: the divisor is the number of healthy targets, or of registered
            // ones (`options.requestCountPerTargetDivisor`, section 12 item 12).
            let divisor = match self.scenario.options.request_count_per_target_divisor {
                PerTargetDivisor::HealthyTargets => healthy,
                PerTargetDivisor::RegisteredTargets => {
                    acc.registered.unwrap_or(Datapoint::single(0.0))
                }
            };
            let per_target = round6(acc.requests / (divisor.sum / divisor.count.max(1.0)).max(1.0));
            let latency_s = if acc.served > 0.0 {
                acc.latency_weighted / acc.served / 1000.0
            } else {
                0.0
            };
            let name = self.lb.target_groups[g].name.clone();
            if self.lb.target_groups[g].is_network() {
                self.publish_network_minute(minute, &name, &both, &acc);
                continue;
            }
            if self.lb.target_groups[g].classic.is_some() {
                self.publish_classic_minute(minute, &name, &acc, per_target, latency_s);
                continue;
            }
            let put = |sim: &mut Simulation, name: &str, dims: &[(&str, &str)], d: Datapoint| {
                sim.metrics
                    .put(MetricId::new("AWS/ApplicationELB", name, dims), minute, d);
            };
            put(
                self,
                "RequestCount",
                &both,
                Datapoint::single(round6(acc.requests)),
            );
            put(
                self,
                "RequestCountPerTarget",
                &both,
                Datapoint::single(per_target),
            );
            put(
                self,
                "RequestCountPerTarget",
                &both[..1],
                Datapoint::single(per_target),
            );
            put(
                self,
                "HTTPCode_ELB_5XX_Count",
                &both,
                Datapoint::single(acc.elb_5xx),
            );
            put(
                self,
                "TargetResponseTime",
                &both,
                Datapoint::single(latency_s),
            );
            put(self, "HealthyHostCount", &both, healthy);
            put(self, "UnHealthyHostCount", &both, unhealthy);
            for (metric, value) in [
                ("RequestCount", acc.requests),
                ("RequestCountPerTarget", per_target),
                ("HTTPCode_ELB_5XX_Count", acc.elb_5xx),
                ("TargetResponseTime", latency_s),
                ("HealthyHostCount", healthy.sum / healthy.count.max(1.0)),
                (
                    "UnHealthyHostCount",
                    unhealthy.sum / unhealthy.count.max(1.0),
                ),
            ] {
                self.series
                    .record(&format!("targetGroup/{name}/{metric}"), value);
            }
        }
        self.publish_service_connect_minute(minute);
        self.publish_service_discovery_minute(minute);
        let used = std::mem::take(&mut self.traffic.group_cpu_used);
        self.evaluate_group_policies(minute, &used);
    }

    /// A Network Load Balancer's minute for target group `name` (8.6): `AWS/NetworkELB` has no
    /// requests, response times or HTTP codes. [unconfirmed] model: each request of the load
    /// profile opens a flow (`NewFlowCount`); requests an overloaded target cannot serve are
    /// connections it resets (`TCP_Target_Reset_Count`), and a group with no target to route
    /// to resets them at the load balancer (`TCP_ELB_Reset_Count`).
    fn publish_network_minute(
        &mut self,
        minute: u64,
        name: &str,
        dims: &[(&str, &str)],
        acc: &GroupMinute,
    ) {
        let healthy = acc.healthy.unwrap_or(Datapoint::single(0.0));
        let unhealthy = acc.unhealthy.unwrap_or(Datapoint::single(0.0));
        let target_resets = round6(acc.target_failed);
        let elb_resets = round6(acc.elb_5xx - acc.target_failed);
        for (metric, d) in [
            ("NewFlowCount", Datapoint::single(round6(acc.requests))),
            ("TCP_Target_Reset_Count", Datapoint::single(target_resets)),
            ("TCP_ELB_Reset_Count", Datapoint::single(elb_resets)),
            ("HealthyHostCount", healthy),
            ("UnHealthyHostCount", unhealthy),
        ] {
            self.metrics
                .put(MetricId::new("AWS/NetworkELB", metric, dims), minute, d);
            self.series.record(
                &format!("targetGroup/{name}/{metric}"),
                d.sum / d.count.max(1.0),
            );
        }
    }

    /// A Classic Load Balancer's minute (8.6): `AWS/ELB` with dimension `LoadBalancerName`
    /// (`RequestCount`, `Latency` in seconds, `HTTPCode_ELB_5XX`, `HealthyHostCount`,
    /// `UnHealthyHostCount`). The charts read the same series as a target group's, with the
    /// requests per registered instance in place of `RequestCountPerTarget` (which `AWS/ELB`
    /// does not have).
    fn publish_classic_minute(
        &mut self,
        minute: u64,
        name: &str,
        acc: &GroupMinute,
        per_instance: f64,
        latency_s: f64,
    ) {
        let healthy = acc.healthy.unwrap_or(Datapoint::single(0.0));
        let unhealthy = acc.unhealthy.unwrap_or(Datapoint::single(0.0));
        let dims = [("LoadBalancerName", name)];
        for (metric, series, d) in [
            (
                "RequestCount",
                "RequestCount",
                Datapoint::single(round6(acc.requests)),
            ),
            (
                "Latency",
                "TargetResponseTime",
                Datapoint::single(latency_s),
            ),
            (
                "HTTPCode_ELB_5XX",
                "HTTPCode_ELB_5XX_Count",
                Datapoint::single(round6(acc.elb_5xx)),
            ),
            ("HealthyHostCount", "HealthyHostCount", healthy),
            ("UnHealthyHostCount", "UnHealthyHostCount", unhealthy),
        ] {
            self.metrics
                .put(MetricId::new("AWS/ELB", metric, &dims), minute, d);
            self.series.record(
                &format!("targetGroup/{name}/{series}"),
                d.sum / d.count.max(1.0),
            );
        }
        self.series.record(
            &format!("targetGroup/{name}/RequestCountPerTarget"),
            per_instance,
        );
    }

    /// Kills task `t` whose memory passed its hard limit (G36): exit 137, the essential
    /// container exited, and a service replaces it (no throttle: it had reached RUNNING).
    fn out_of_memory(&mut self, t: usize) {
        if !self.tasks[t].is_active() {
            return;
        }
        let task = &mut self.tasks[t];
        task.exit_code = Some(137);
        task.container_reason =
            Some("OutOfMemoryError: Container killed due to memory usage".to_string());
        let id = task.id.clone();
        let memory = self.traffic.task_load[t].memory_mib;
        self.app_log(
            t,
            None,
            &format!("fatal: out of memory ({memory:.0} MiB in use); the kernel killed the process (exit code 137)"),
        );
        self.log
            .push(
                self.now(),
                crate::event_log::EventKind::TaskStateChange,
                format!("task {id}: container killed with exit code 137: OutOfMemoryError: Container killed due to memory usage"),
            )
            .task(&id);
        if self.restart_container(t, 137) {
            return;
        }
        self.stop_task_at_once(
            t,
            "EssentialContainerExited",
            "Essential container in task exited",
        );
    }
}

/// How many of `targets` are healthy and how many unhealthy.
fn health_counts<'a>(
    targets: impl IntoIterator<Item = &'a crate::load_balancer::target_group::Target>,
) -> (f64, f64) {
    targets
        .into_iter()
        .fold((0.0, 0.0), |(h, u), x| match x.state {
            TargetState::Healthy => (h + 1.0, u),
            TargetState::Unhealthy => (h, u + 1.0),
            _ => (h, u),
        })
}

/// Datapoints are rounded to 6 decimals, so sums of many small intervals publish the value a
/// person expects (60, not 59.99999999999994) and alarm thresholds compare as written.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn add_load(into: &mut TaskLoad, l: TaskLoad) {
    into.offered_rps += l.offered_rps;
    into.served_rps += l.served_rps;
    into.failed_rps += l.failed_rps;
    into.cpu_units += l.cpu_units;
    into.memory_mib += l.memory_mib;
    into.latency_ms = into.latency_ms.max(l.latency_ms);
    into.inflight += l.inflight;
}

fn merge(slot: &mut Option<Datapoint>, v: f64) {
    let d = Datapoint::single(v);
    *slot = Some(match *slot {
        None => d,
        Some(o) => Datapoint {
            sum: o.sum + v,
            count: o.count + 1.0,
            min: o.min.min(v),
            max: o.max.max(v),
        },
    });
}

impl Simulation {
    /// Every CloudWatch datapoint published so far.
    pub fn cloudwatch(&self) -> &crate::cloudwatch::MetricStore {
        &self.metrics
    }

    /// Each task's load at the latest routing tick (indexed like [`Simulation::tasks`]; tasks
    /// without load read as zero).
    pub fn task_loads(&self) -> &[TaskLoad] {
        &self.traffic.task_load
    }

    /// When the latest routing tick ran.
    pub fn routed_at(&self) -> Option<crate::time::SimTime> {
        self.traffic.routed_at
    }
}

impl Simulation {
    /// Sends one message to the queue named by `arn` (`arn:aws:sqs:region:account:name`), as
    /// an EventBridge target or an application's `sqs:SendMessage` does.
    pub(crate) fn sqs_send(&mut self, arn: &str) -> Result<(), String> {
        let name = arn.rsplit(':').next().unwrap_or("");
        match self.traffic.queues.iter_mut().find(|q| q.name == name) {
            Some(q) => {
                q.backlog += 1.0;
                Ok(())
            }
            None => Err(format!("AWS.SimpleQueueService.NonExistentQueue: {name}")),
        }
    }

    /// A worker task is told to stop: if it dies (anything but a graceful scheduler stop), the
    /// messages it holds reappear after its queue's visibility timeout.
    pub(crate) fn worker_stopped(&mut self, t: usize) {
        let Some(Some((q, held))) = self.traffic.in_flight.get(t).copied() else {
            return;
        };
        self.traffic.in_flight[t] = None;
        if held <= 0.0 || self.tasks[t].stop_code.as_deref() == Some("ServiceSchedulerInitiated") {
            return;
        }
        let now = self.now();
        let queue = &mut self.traffic.queues[q];
        let at = now.plus_ms(queue.visibility_timeout_ms);
        queue.returning.push((at, held));
        let msg = format!(
            "queue {}: {:.1} messages task {} held reappear after the {} s visibility timeout",
            queue.name,
            held,
            self.tasks[t].id,
            queue.visibility_timeout_ms / 1000
        );
        self.log
            .push(now, crate::event_log::EventKind::AwsService, msg);
    }

    /// The SQS queues and their backlogs.
    pub fn queues(&self) -> &[crate::queue::Queue] {
        &self.traffic.queues
    }
}
