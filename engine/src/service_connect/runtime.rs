//! Service Connect in a run: endpoints in their namespaces, what each deployment's client
//! tasks can resolve, which tasks take traffic, the proxies' routing, retries and outlier
//! detection, and the `AWS/ECS` metrics (rules and sources in [`super`]).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{json, Value};

use super::{EndpointSpec, ServiceConnectConfig, CLOUD_MAP_ARN_PREFIX};
use crate::cloudwatch::{Datapoint, MetricId};
use crate::event_log::EventKind;
use crate::load::{CostModel, TaskLoad};
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::time::SimTime;

/// How long a task whose health is UNKNOWN or UNHEALTHY waits before it takes traffic
/// [DG-concepts: "up to 8 minutes"; the playground waits the whole bound, [unconfirmed]].
pub const HEALTH_GATE_MS: u64 = 8 * 60_000;
/// Failed requests in one window that make the proxies avoid a task [DG-components].
pub const OUTLIER_FAILURES: f64 = 5.0;
/// The window failures are counted in [DG-components: "in the last 30 seconds"; counted here in
/// fixed windows, [unconfirmed]].
pub const OUTLIER_WINDOW_MS: u64 = 30_000;
/// The first ejection's length; each further one adds as much, up to [`MAX_EJECTION_MS`]
/// [DG-components: "30 to 300 seconds"; the growth is Envoy's default, [unconfirmed]].
pub const EJECTION_MS: u64 = 30_000;
/// The longest ejection.
pub const MAX_EJECTION_MS: u64 = 300_000;
/// The share of an endpoint's tasks that may be avoided at once (at least one task): Envoy's
/// default `max_ejection_percent` [unconfirmed].
pub const MAX_EJECTED_PERCENT: f64 = 10.0;
/// Retries of a failed request, each avoiding the host that just failed [DG-components].
pub const RETRIES: usize = 2;

/// A Service Connect endpoint: a Cloud Map service that ECS created for a server service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The namespace (index).
    pub namespace: usize,
    /// The `services[]` entry it came from.
    pub spec: EndpointSpec,
    /// The server service (index).
    pub service: usize,
    /// `srv-…`.
    pub id: String,
    /// When it was created.
    pub created_at: SimTime,
}

impl Endpoint {
    /// `arn:aws:servicediscovery:…:service/srv-…` (`discoveryArn`).
    pub fn arn(&self) -> String {
        format!("{CLOUD_MAP_ARN_PREFIX}:service/{}", self.id)
    }
}

/// What one deployment of a service has of Service Connect.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentConnect {
    /// The configuration its tasks run with.
    pub config: Rc<ServiceConnectConfig>,
    /// The endpoints (indexes) its tasks can resolve: those of its namespace when it started.
    pub resolvable: Vec<usize>,
    /// The endpoints (indexes) its tasks serve.
    pub serves: Vec<usize>,
}

/// Whether a task of a server service takes Service Connect traffic now, and if not why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reachability {
    /// The proxies send it requests.
    Available,
    /// RUNNING, waiting for a HEALTHY health check or the 8-minute bound.
    WarmingUp(SimTime),
    /// Avoided by outlier detection until then.
    Ejected(SimTime),
    /// Stopping or not yet RUNNING: not an instance of the endpoint.
    Out,
}

impl Reachability {
    /// A short phrase for the UI and the run output.
    pub fn label(self) -> String {
        match self {
            Reachability::Available => "takes traffic".to_string(),
            Reachability::WarmingUp(at) => format!("held back until {at} (health check)"),
            Reachability::Ejected(at) => format!("avoided until {at} (outlier detection)"),
            Reachability::Out => "not registered".to_string(),
        }
    }
}

/// Outlier detection's view of one task.
#[derive(Debug, Clone, Copy, Default)]
struct Outlier {
    window_start: SimTime,
    failures: f64,
    ejected_until: Option<SimTime>,
    ejections: u32,
}

/// Where the retries of `failed` (per task) go: each task's failures to the other tasks by
/// their `weights` (which add up to 1), avoiding the host that just failed [DG-components]; a
/// task that takes all the weight (the only one, or the only one of its side with production
/// traffic) gets its own retries. The retries add up to the failures.
fn retried(failed: &[f64], weights: &[f64]) -> Vec<f64> {
    const ALL: f64 = 1.0 - 1e-9;
    let spread: f64 = failed
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w < ALL)
        .map(|(f, w)| f / (1.0 - w))
        .sum();
    failed
        .iter()
        .zip(weights)
        .map(|(f, &w)| {
            if w >= ALL {
                *f
            } else {
                w * (spread - f / (1.0 - w))
            }
        })
        .collect()
}

/// The series of requests from `client` to `address` that failed at the client's proxies.
pub fn client_failed_series(client: &str, address: &str) -> String {
    format!(
        "serviceConnect/{client}{}{address}/ClientFailed",
        super::TARGET_ARROW
    )
}

/// One minute of requests from a client service to an endpoint.
#[derive(Debug, Clone, Copy, Default)]
struct EdgeMinute {
    /// Attempts that reached the endpoint's tasks (retries included).
    requests: f64,
    served: f64,
    failed: f64,
    latency_weighted: f64,
    /// Sum over ticks of the tasks taking traffic, and the ticks.
    targets: f64,
    ticks: f64,
}

impl EdgeMinute {
    /// Adds `o`'s requests; `same_tasks`: `o` measured the same tasks (another client of the
    /// same endpoint), else its tasks add to these (another endpoint).
    fn absorb(&mut self, o: &EdgeMinute, same_tasks: bool) {
        self.requests += o.requests;
        self.served += o.served;
        self.failed += o.failed;
        self.latency_weighted += o.latency_weighted;
        let mean = |m: &EdgeMinute| {
            if m.ticks > 0.0 {
                m.targets / m.ticks
            } else {
                0.0
            }
        };
        let ticks = self.ticks.max(o.ticks);
        let targets = if same_tasks {
            mean(self).max(mean(o))
        } else {
            mean(self) + mean(o)
        };
        self.ticks = ticks;
        self.targets = targets * ticks;
    }
}

/// The Service Connect state of a run.
#[derive(Debug, Clone, Default)]
pub struct ServiceConnectState {
    /// Every endpoint created so far.
    pub endpoints: Vec<Endpoint>,
    outliers: Vec<Outlier>,
    /// Per (endpoint, client service): this minute's requests.
    minutes: BTreeMap<(usize, usize), EdgeMinute>,
    /// Requests that failed at the clients' proxies this minute, per load profile: no
    /// endpoint of that name, or no task to send them to.
    client_failed: BTreeMap<usize, f64>,
    /// (profile, client service, deployment) already told it cannot resolve its endpoint.
    unresolved_said: Vec<(usize, usize, usize, bool)>,
    /// Per profile: whether it is failing for want of a task, as last said.
    no_targets_said: BTreeMap<usize, bool>,
    /// Each endpoint's requests at the latest routing tick (when), per task (for the UI):
    /// (task, requests/s).
    latest: BTreeMap<usize, (SimTime, Vec<(usize, f64)>)>,
}

impl Simulation {
    /// The endpoints of the run.
    pub fn service_connect_endpoints(&self) -> &[Endpoint] {
        &self.service_connect.endpoints
    }

    /// The scenario's namespaces.
    pub fn namespaces(&self) -> &super::Namespaces {
        &self.scenario.namespaces
    }

    /// Endpoint `e`'s requests per second on each of its tasks at the latest routing tick
    /// (retries included): (task, requests/s).
    pub fn endpoint_shares(&self, e: usize) -> &[(usize, f64)] {
        match self.service_connect.latest.get(&e) {
            Some((at, list)) if Some(*at) == self.traffic.routed_at => list,
            _ => &[],
        }
    }

    /// The active services (indexes) of endpoint `e`'s namespace whose newest deployment
    /// resolves it, and those whose newest deployment started before it existed (they must
    /// redeploy).
    pub fn endpoint_clients(&self, e: usize) -> (Vec<usize>, Vec<usize>) {
        let namespace = self.service_connect.endpoints[e].namespace;
        let (mut resolve, mut stale) = (Vec::new(), Vec::new());
        for (s, svc) in self
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == crate::service::ServiceStatus::Active)
        {
            let Some(c) = svc
                .deployments
                .last()
                .and_then(|d| d.service_connect.as_deref())
                .filter(|c| c.config.namespace == namespace)
            else {
                continue;
            };
            if c.resolvable.contains(&e) {
                resolve.push(s);
            } else {
                stale.push(s);
            }
        }
        (resolve, stale)
    }

    /// A one-line summary of service `s`'s Service Connect for the services pane: its
    /// namespace, the endpoints it serves and whether it is a client only; `None` without
    /// Service Connect.
    pub fn service_connect_summary(&self, s: usize) -> Option<String> {
        let config = self.services[s].service_connect.as_deref()?;
        let ns = &self.scenario.namespaces.list[config.namespace].name;
        let serves: Vec<String> = config.endpoints.iter().map(EndpointSpec::alias).collect();
        Some(if serves.is_empty() {
            format!("Service Connect {ns} · client only")
        } else {
            format!("Service Connect {ns} · serves {}", serves.join(", "))
        })
    }

    /// Checks that `config`'s discovery names and client aliases are free in its namespace
    /// for service `s` (another service's endpoint holds them otherwise) [DG-components].
    pub(crate) fn check_service_connect(
        &self,
        s: usize,
        config: &ServiceConnectConfig,
    ) -> Result<(), String> {
        for (i, spec) in config.endpoints.iter().enumerate() {
            let path = format!("serviceConnectConfiguration.services[{i}]");
            for e in self
                .service_connect
                .endpoints
                .iter()
                .filter(|e| e.namespace == config.namespace && e.service != s)
            {
                let owner = &self.services[e.service].name;
                if e.spec.discovery_name == spec.discovery_name {
                    return Err(format!("{path}.discoveryName: {} is the discovery name of service {owner} in namespace {}; All discovery names must be unique within a namespace", spec.discovery_name, self.scenario.namespaces.list[config.namespace].name));
                }
                if e.spec.answers(&spec.dns_name, spec.port) {
                    return Err(format!("{path}.clientAliases: {} is a client alias of service {owner}; Each name and port mapping must be unique within the namespace", spec.alias()));
                }
            }
        }
        Ok(())
    }

    /// What a new deployment of service `s` running `config` has of Service Connect: its
    /// endpoints are created when new (a changed alias or port makes a new one), and it
    /// resolves every endpoint of its namespace as it starts [DG-components].
    pub(crate) fn deployment_connect(
        &mut self,
        s: usize,
        service_name: &str,
        config: Option<Rc<ServiceConnectConfig>>,
    ) -> Option<Rc<DeploymentConnect>> {
        let config = config?;
        let mut serves = Vec::new();
        for spec in &config.endpoints {
            // The same discovery name and alias is the same endpoint (the Cloud Map service):
            // it takes the new settings (timeouts, container port).
            let found = self.service_connect.endpoints.iter().position(|e| {
                e.namespace == config.namespace
                    && e.service == s
                    && e.spec.discovery_name == spec.discovery_name
                    && e.spec.answers(&spec.dns_name, spec.port)
            });
            let e = match found {
                Some(e) => {
                    self.service_connect.endpoints[e].spec = spec.clone();
                    e
                }
                None => {
                    let ns = &self.scenario.namespaces.list[config.namespace];
                    // A discovery name is one Cloud Map service in its namespace, whatever
                    // its aliases.
                    let id =
                        super::cloud_map_id("srv", &format!("{}/{}", ns.id, spec.discovery_name));
                    let msg = format!(
                        "service {service_name}: Service Connect endpoint {} created in namespace {} (discovery name {}, {} port {} of container {}); tasks that start from now on can resolve it",
                        spec.alias(),
                        ns.name,
                        spec.discovery_name,
                        spec.app_protocol.as_str(),
                        spec.container_port,
                        spec.container_name
                    );
                    self.service_connect.endpoints.push(Endpoint {
                        namespace: config.namespace,
                        spec: spec.clone(),
                        service: s,
                        id,
                        created_at: self.now(),
                    });
                    self.log
                        .push(self.now(), EventKind::ServiceConnect, msg)
                        .service(service_name);
                    self.service_connect.endpoints.len() - 1
                }
            };
            serves.push(e);
        }
        let resolvable: Vec<usize> = self
            .service_connect
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.namespace == config.namespace)
            .map(|(i, _)| i)
            .collect();
        // A redeployed client says which endpoints its new tasks reach that its previous
        // deployment's could not.
        let previous = self
            .services
            .get(s)
            .and_then(|svc| svc.deployments.last())
            .and_then(|d| d.service_connect.as_deref());
        if let Some(previous) = previous {
            let endpoints = &self.service_connect.endpoints;
            let mut new: Vec<String> = resolvable
                .iter()
                .map(|&e| &endpoints[e].spec)
                .filter(|x| {
                    !previous
                        .resolvable
                        .iter()
                        .any(|&p| endpoints[p].spec.answers(&x.dns_name, x.port))
                })
                .map(EndpointSpec::alias)
                .collect();
            new.dedup();
            if !new.is_empty() {
                let msg = format!(
                    "service {service_name}: the tasks of its new deployment resolve {}, which its earlier tasks cannot",
                    new.join(", ")
                );
                self.log
                    .push(self.now(), EventKind::ServiceConnect, msg)
                    .service(service_name);
            }
        }
        Some(Rc::new(DeploymentConnect {
            config,
            resolvable,
            serves,
        }))
    }

    /// Makes deployment `d`'s Service Connect configuration service `s`'s again, in the
    /// service and in its stored request (a rollback brings back the whole service revision):
    /// the next deployment and later updates run it.
    pub(crate) fn restore_service_connect(&mut self, s: usize, d: usize) {
        let config = self.services[s].deployments[d]
            .service_connect
            .as_ref()
            .map(|c| c.config.clone());
        let svc = &mut self.services[s];
        match &config {
            Some(c) => svc.request["serviceConnectConfiguration"] = c.request.clone(),
            None => {
                if let Some(o) = svc.request.as_object_mut() {
                    o.remove("serviceConnectConfiguration");
                }
            }
        }
        svc.service_connect = config;
    }

    /// The Service Connect side of task `t`'s deployment, if it has one.
    fn task_connect(&self, t: usize) -> Option<&DeploymentConnect> {
        let task = &self.tasks[t];
        let svc = &self.services[task.service?];
        svc.deployments
            .get(task.deployment?)?
            .service_connect
            .as_deref()
    }

    /// Whether task `t` is an instance of a Service Connect endpoint now, and takes traffic.
    pub fn reachability(&self, t: usize) -> Reachability {
        let task = &self.tasks[t];
        if task.last_status != TaskStatus::Running || task.desired_status != TaskStatus::Running {
            // [unconfirmed] A task leaves its endpoints as its desired status turns STOPPED.
            return Reachability::Out;
        }
        let now = self.now();
        if let Some(until) = self
            .service_connect
            .outliers
            .get(t)
            .and_then(|o| o.ejected_until)
            .filter(|u| *u > now)
        {
            return Reachability::Ejected(until);
        }
        let checked = task
            .td
            .containers
            .iter()
            .any(|c| c.essential && c.has_health_check);
        let gate = task.started_at.unwrap_or(now).plus_ms(HEALTH_GATE_MS);
        // The health check only matters within the gate (cheaper to ask last).
        if !checked
            || now >= gate
            || self.task_health_status(task) == crate::lifecycle::Health::Healthy
        {
            Reachability::Available
        } else {
            Reachability::WarmingUp(gate)
        }
    }

    /// The tasks of endpoint `e` (RUNNING, not stopping) and whether each takes traffic.
    pub fn endpoint_tasks(&self, e: usize) -> Vec<(usize, Reachability)> {
        let service = self.service_connect.endpoints[e].service;
        self.service_tasks
            .get(service)
            .into_iter()
            .flatten()
            .filter(|&&t| self.task_connect(t).is_some_and(|c| c.serves.contains(&e)))
            .map(|&t| (t, self.reachability(t)))
            .filter(|(_, r)| *r != Reachability::Out)
            .collect()
    }

    /// The endpoint named `host:port` that deployment `dep` can resolve.
    fn resolve(
        dep: &DeploymentConnect,
        endpoints: &[Endpoint],
        host: &str,
        port: u16,
    ) -> Option<usize> {
        dep.resolvable
            .iter()
            .copied()
            .rfind(|&e| endpoints[e].spec.answers(host, port))
    }

    /// One routing interval of load profile `p`: `rate` requests/s that client service
    /// `client`'s RUNNING `tasks` send to `host:port`, for `dt` seconds. Returns each loaded
    /// task's load.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn route_service_connect(
        &mut self,
        p: usize,
        client: usize,
        tasks: &[usize],
        (host, port): (&str, u16),
        rate: f64,
        cost: CostModel,
        dt: f64,
        cpu_available: &dyn Fn(usize) -> f64,
    ) -> Vec<(usize, TaskLoad)> {
        if tasks.is_empty() || rate <= 0.0 {
            return Vec::new();
        }
        // The client's tasks send equal shares; each resolves by its deployment.
        let mut by_deployment: BTreeMap<usize, usize> = BTreeMap::new();
        for &t in tasks {
            *by_deployment
                .entry(self.tasks[t].deployment.unwrap_or(usize::MAX))
                .or_default() += 1;
        }
        let mut to_endpoint: BTreeMap<usize, f64> = BTreeMap::new();
        let mut unresolved = 0.0;
        for (d, n) in by_deployment {
            let share = rate * n as f64 / tasks.len() as f64;
            let dep = self.services[client]
                .deployments
                .get(d)
                .and_then(|x| x.service_connect.clone());
            match dep
                .as_deref()
                .and_then(|dep| Self::resolve(dep, &self.service_connect.endpoints, host, port))
            {
                Some(e) => *to_endpoint.entry(e).or_default() += share,
                None => {
                    unresolved += share;
                    self.say_unresolved(p, client, d, dep.as_deref(), (host, port));
                }
            }
        }
        let mut loads = Vec::new();
        let mut client_failed = unresolved * dt;
        let mut starved = false;
        let resolved = !to_endpoint.is_empty();
        for (e, r) in to_endpoint {
            let (failed, task_loads) = self.route_endpoint(e, client, r, cost, dt, cpu_available);
            starved |= task_loads.is_empty();
            client_failed += failed * dt;
            loads.extend(task_loads);
        }
        if client_failed > 0.0 {
            *self.service_connect.client_failed.entry(p).or_default() += client_failed;
        }
        // Requests nobody resolves say nothing of the endpoint's tasks.
        if resolved {
            self.say_no_targets(p, client, (host, port), starved);
        }
        loads
    }

    /// Logs once per client deployment that its tasks cannot resolve the profile's endpoint,
    /// and why.
    fn say_unresolved(
        &mut self,
        p: usize,
        client: usize,
        d: usize,
        dep: Option<&DeploymentConnect>,
        (host, port): (&str, u16),
    ) {
        let endpoints = &self.service_connect.endpoints;
        // Whether the endpoint exists, created after the deployment started: said again
        // when that changes.
        let later = dep.and_then(|dep| {
            endpoints.iter().enumerate().find(|(i, x)| {
                x.namespace == dep.config.namespace
                    && x.spec.answers(host, port)
                    && !dep.resolvable.contains(i)
            })
        });
        let key = (p, client, d, later.is_some());
        if self.service_connect.unresolved_said.contains(&key) {
            return;
        }
        self.service_connect.unresolved_said.push(key);
        let svc = &self.services[client];
        let name = svc.name.clone();
        let deployment = svc.deployments.get(d).map_or("", |x| x.id.as_str());
        let why = match dep {
            None => format!("service {name} has no Service Connect configuration in deployment {deployment}: applications outside a namespace cannot resolve Service Connect names (set serviceConnectConfiguration.enabled and a namespace)"),
            Some(dep) => {
                match later {
                    Some(_) => format!("the endpoint was created after deployment {deployment} of {name} started: Existing tasks can't resolve and connect to the new endpoint; redeploy {name} (UpdateService with forceNewDeployment) so that new tasks resolve it"),
                    None => {
                        let known: Vec<String> = dep
                            .resolvable
                            .iter()
                            .map(|&i| endpoints[i].spec.alias())
                            .collect();
                        let known = if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        };
                        format!("no client alias of namespace {} is {host}:{port} (its tasks resolve: {known})", self.scenario.namespaces.list[dep.config.namespace].name)
                    }
                }
            }
        };
        let msg = format!("loadProfiles[{p}]: tasks of service {name} cannot resolve {host}:{port}, so their requests fail: {why}");
        self.log
            .push(self.now(), EventKind::ServiceConnect, msg)
            .service(&name);
    }

    /// Logs when the profile's requests start or stop failing for want of a task to go to.
    fn say_no_targets(
        &mut self,
        p: usize,
        client: usize,
        (host, port): (&str, u16),
        starved: bool,
    ) {
        let said = self
            .service_connect
            .no_targets_said
            .get(&p)
            .copied()
            .unwrap_or(false);
        if said == starved {
            return;
        }
        self.service_connect.no_targets_said.insert(p, starved);
        let name = self.services[client].name.clone();
        let msg = if starved {
            format!("loadProfiles[{p}]: {host}:{port} has no task taking traffic: the Service Connect proxies of {name} fail its requests (no healthy upstream)")
        } else {
            format!("loadProfiles[{p}]: {host}:{port} has tasks taking traffic again")
        };
        self.log
            .push(self.now(), EventKind::ServiceConnect, msg)
            .service(&name);
    }

    /// Routes `rate` requests/s from client service `client` to endpoint `e`'s tasks for `dt`
    /// seconds: round robin (by the deployment's weights during a blue/green shift), then up to
    /// two retries of what failed on other tasks, then outlier detection. Returns the rate
    /// that failed after the last retry (or found no task) and each task's load.
    fn route_endpoint(
        &mut self,
        e: usize,
        client: usize,
        rate: f64,
        cost: CostModel,
        dt: f64,
        cpu_available: &dyn Fn(usize) -> f64,
    ) -> (f64, Vec<(usize, TaskLoad)>) {
        let tasks = self.endpoint_tasks(e);
        let ejected: Vec<usize> = tasks
            .iter()
            .filter(|(_, r)| matches!(r, Reachability::Ejected(_)))
            .map(|(t, _)| *t)
            .collect();
        let mut candidates: Vec<usize> = tasks
            .into_iter()
            .filter(|(_, r)| *r == Reachability::Available)
            .map(|(t, _)| t)
            .collect();
        // Outlier detection acts on the failures of the ticks before this one.
        let mut ejected = ejected;
        let avoided = self.eject_outliers(e, &candidates, ejected.len());
        if !avoided.is_empty() {
            candidates.retain(|t| !avoided.contains(t));
            ejected.extend(avoided);
        }
        let ejected_now = ejected.len();
        // Fewer than half the tasks left: the proxies send to the avoided ones too (Envoy's
        // default panic threshold, 50 % [unconfirmed]), so that outlier detection never empties
        // an endpoint.
        if candidates.len() * 2 < candidates.len() + ejected_now {
            candidates.extend(ejected);
            candidates.sort_unstable();
        }
        let m = candidates.len();
        let acc = self.service_connect.minutes.entry((e, client)).or_default();
        acc.ticks += 1.0;
        acc.targets += m as f64;
        if m == 0 {
            self.note_shares(e, &[]);
            return (rate, Vec::new());
        }
        let weights = self.production_weights(e, &candidates);
        let caps: Vec<f64> = candidates.iter().map(|&t| cpu_available(t)).collect();
        // The share of what a task is offered that it fails: beyond what it can serve (as
        // `CostModel::load` counts it).
        let capacity: Vec<f64> = caps.iter().map(|&c| cost.capacity_rps(c)).collect();
        let failing = |offered: &[f64]| -> Vec<f64> {
            offered
                .iter()
                .zip(&capacity)
                .map(|(&o, &mu)| if o <= mu { 0.0 } else { (o - mu) / o })
                .collect()
        };
        // The attempts: the first by the production weights, then each retry of what failed
        // on the other tasks by their weights. Each task fails the same share of every attempt
        // it gets, the share of its whole offered load: a few rounds settle it.
        let first: Vec<f64> = weights.iter().map(|w| rate * w).collect();
        let mut offered = first.clone();
        let mut share = failing(&offered);
        for _ in 0..3 {
            let mut arrivals = first.clone();
            offered.clone_from(&first);
            for _ in 0..RETRIES {
                let failed: Vec<f64> = arrivals.iter().zip(&share).map(|(a, p)| a * p).collect();
                if failed.iter().sum::<f64>() <= 1e-12 {
                    break;
                }
                arrivals = retried(&failed, &weights);
                for (o, a) in offered.iter_mut().zip(&arrivals) {
                    *o += a;
                }
            }
            let next = failing(&offered);
            if next == share {
                break;
            }
            share = next;
        }
        let loads: Vec<(usize, TaskLoad)> = candidates
            .iter()
            .zip(offered.iter().zip(&caps))
            .map(|(&t, (o, c))| (t, cost.load(*o, *c)))
            .collect();
        // A request is served once or given up after its last retry.
        let served: f64 = loads.iter().map(|(_, l)| l.served_rps).sum();
        let given_up = (rate - served).max(0.0);
        let acc = self.service_connect.minutes.entry((e, client)).or_default();
        for (_, l) in &loads {
            acc.requests += l.offered_rps * dt;
            acc.served += l.served_rps * dt;
            acc.failed += l.failed_rps * dt;
            acc.latency_weighted += l.served_rps * l.latency_ms * dt;
        }
        let shares: Vec<(usize, f64)> = loads.iter().map(|(t, l)| (*t, l.offered_rps)).collect();
        self.note_shares(e, &shares);
        self.count_failures(&loads, dt);
        (given_up, loads)
    }

    /// Adds `shares` (task, requests/s) to endpoint `e`'s view of the current routing tick:
    /// every client's requests add up.
    fn note_shares(&mut self, e: usize, shares: &[(usize, f64)]) {
        let now = self.now();
        let (at, list) = self
            .service_connect
            .latest
            .entry(e)
            .or_insert_with(|| (now, Vec::new()));
        if *at != now {
            *at = now;
            list.clear();
        }
        if list.is_empty() {
            list.extend_from_slice(shares);
            return;
        }
        let same_tasks =
            list.len() == shares.len() && list.iter().zip(shares).all(|(a, b)| a.0 == b.0);
        for (i, &(t, r)) in shares.iter().enumerate() {
            match list.get_mut(i).filter(|_| same_tasks) {
                Some(x) => x.1 += r,
                None => match list.iter_mut().find(|x| x.0 == t) {
                    Some(x) => x.1 += r,
                    None => list.push((t, r)),
                },
            }
        }
    }

    /// Each candidate's share of endpoint `e`'s production traffic: equal shares, or during a
    /// blue/green, linear or canary deployment of its service the deployment's weights (a side
    /// with no task taking traffic gives its share to the other) [unconfirmed].
    fn production_weights(&self, e: usize, candidates: &[usize]) -> Vec<f64> {
        let m = candidates.len() as f64;
        let svc = &self.services[self.service_connect.endpoints[e].service];
        let Some(shift) = &svc.traffic_shift else {
            return vec![1.0 / m; candidates.len()];
        };
        let green = svc.primary_deployment();
        let on_green: Vec<bool> = candidates
            .iter()
            .map(|&t| self.tasks[t].deployment == Some(green))
            .collect();
        let greens = on_green.iter().filter(|g| **g).count() as f64;
        let blues = m - greens;
        let mut green_share = f64::from(shift.green_tenths) / 1000.0;
        if greens == 0.0 {
            green_share = 0.0;
        } else if blues == 0.0 {
            green_share = 1.0;
        }
        on_green
            .iter()
            .map(|g| {
                if *g {
                    green_share / greens
                } else {
                    (1.0 - green_share) / blues
                }
            })
            .collect()
    }

    /// Outlier detection, as a routing tick starts: a task among `candidates` with 5 or more
    /// failed requests in its window is avoided from this tick on, unless 10 % of the
    /// endpoint's tasks (at least one) already are; those with the most failures go first.
    /// Returns the tasks it avoids now.
    fn eject_outliers(&mut self, e: usize, candidates: &[usize], ejected_now: usize) -> Vec<usize> {
        let now = self.now();
        let outliers = &self.service_connect.outliers;
        let mut failing: Vec<(usize, f64)> = candidates
            .iter()
            .filter_map(|&t| outliers.get(t).map(|o| (t, o.failures)))
            .filter(|(_, f)| *f >= OUTLIER_FAILURES)
            .collect();
        if failing.is_empty() {
            return Vec::new();
        }
        let all = ejected_now + candidates.len();
        let budget = ((all as f64 * MAX_EJECTED_PERCENT / 100.0).floor() as usize).max(1);
        failing.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        failing.truncate(budget.saturating_sub(ejected_now));
        let endpoint = &self.service_connect.endpoints[e];
        let alias = endpoint.spec.alias();
        let service = self.services[endpoint.service].name.clone();
        let mut avoided = Vec::new();
        for (t, failures) in failing {
            let o = &mut self.service_connect.outliers[t];
            o.ejections += 1;
            let ms = (EJECTION_MS * u64::from(o.ejections)).min(MAX_EJECTION_MS);
            o.ejected_until = Some(now.plus_ms(ms));
            o.window_start = now;
            o.failures = 0.0;
            avoided.push(t);
            let id = self.tasks[t].id.clone();
            let msg = format!("service {service}: the Service Connect proxies avoid task {id} of {alias} for {} s: {failures:.0} of its requests failed within 30 seconds (outlier detection)", ms / 1000);
            self.log
                .push(now, EventKind::ServiceConnect, msg)
                .service(&service)
                .task(&id);
        }
        avoided
    }

    /// Counts one tick's failed requests in each loaded task's 30-second window; a whole
    /// window of traffic without a failure forgets the task's past ejections.
    fn count_failures(&mut self, loads: &[(usize, TaskLoad)], dt: f64) {
        let now = self.now();
        let max_t = loads.iter().map(|(t, _)| *t).max().unwrap_or(0);
        let outliers = &mut self.service_connect.outliers;
        if outliers.len() <= max_t {
            outliers.resize(max_t + 1, Outlier::default());
        }
        for (t, l) in loads {
            let o = &mut outliers[*t];
            if now.as_ms() >= o.window_start.as_ms() + OUTLIER_WINDOW_MS {
                let ejected_in_window = o.ejected_until.is_some_and(|u| u > o.window_start);
                if o.failures == 0.0 && !ejected_in_window {
                    o.ejections = 0;
                }
                o.window_start = now;
                o.failures = 0.0;
            }
            o.failures += l.failed_rps * dt;
        }
    }

    /// Publishes minute `minute`'s Service Connect metrics in `AWS/ECS` [DG-metrics] and
    /// resets the accumulators.
    pub(crate) fn publish_service_connect_minute(&mut self, minute: u64) {
        let minutes = std::mem::take(&mut self.service_connect.minutes);
        // Every endpoint (its clients share its tasks); per client service and per discovery
        // name (endpoints of one name in several namespaces add up [DG-metrics: DiscoveryName
        // covers traffic "across all Amazon ECS clusters"]); per server service.
        let mut by_endpoint: BTreeMap<usize, EdgeMinute> = BTreeMap::new();
        let mut by_client: BTreeMap<(usize, String), (EdgeMinute, bool)> = BTreeMap::new();
        for ((e, client), acc) in &minutes {
            by_endpoint.entry(*e).or_default().absorb(acc, true);
            let spec = &self.service_connect.endpoints[*e].spec;
            let slot = by_client
                .entry((*client, spec.discovery_name.clone()))
                .or_default();
            slot.0.absorb(acc, false);
            slot.1 |= spec.app_protocol.http_codes();
        }
        let mut by_discovery: BTreeMap<String, (EdgeMinute, bool)> = BTreeMap::new();
        let mut by_server: BTreeMap<(usize, String), f64> = BTreeMap::new();
        // Every endpoint, so the charts' series have every minute (zero without traffic).
        for (e, x) in self.service_connect.endpoints.iter().enumerate() {
            let acc = by_endpoint.get(&e).copied().unwrap_or_default();
            let slot = by_discovery
                .entry(x.spec.discovery_name.clone())
                .or_default();
            slot.0.absorb(&acc, false);
            slot.1 |= x.spec.app_protocol.http_codes();
            if by_endpoint.contains_key(&e) {
                *by_server
                    .entry((x.service, x.spec.discovery_name.clone()))
                    .or_default() += acc.requests;
            }
        }
        for ((client, discovery), (acc, http)) in &by_client {
            let svc = &self.services[*client];
            let (cluster, name) = (svc.cluster.clone(), svc.name.clone());
            let dims = [
                ("ClusterName", cluster.as_str()),
                ("ServiceName", name.as_str()),
                ("TargetDiscoveryName", discovery.as_str()),
            ];
            self.put_target_metrics(minute, &dims, acc, *http);
        }
        for ((server, discovery), requests) in by_server {
            let svc = &self.services[server];
            let id = MetricId::new(
                "AWS/ECS",
                "RequestCount",
                &[
                    ("ClusterName", &svc.cluster),
                    ("DiscoveryName", &discovery),
                    ("ServiceName", &svc.name),
                ],
            );
            self.metrics.put(
                id,
                minute,
                Datapoint::single(crate::traffic::round6(requests)),
            );
        }
        for (discovery, (acc, http)) in by_discovery {
            let series = format!("serviceConnect/{discovery}");
            self.series.record(
                &format!("{series}/RequestCount"),
                crate::traffic::round6(acc.requests),
            );
            self.series.record(
                &format!("{series}/HTTPCode_Target_5XX_Count"),
                crate::traffic::round6(acc.failed),
            );
            if acc.ticks == 0.0 {
                continue;
            }
            let id = MetricId::new("AWS/ECS", "RequestCount", &[("DiscoveryName", &discovery)]);
            self.metrics.put(
                id,
                minute,
                Datapoint::single(crate::traffic::round6(acc.requests)),
            );
            self.put_target_metrics(minute, &[("TargetDiscoveryName", &discovery)], &acc, http);
        }
        // Requests that failed at the clients' proxies, per client and address as the
        // profiles write it.
        let failed = std::mem::take(&mut self.service_connect.client_failed);
        let mut by_address: BTreeMap<String, f64> = BTreeMap::new();
        for (p, profile) in self.traffic.profiles.iter().enumerate() {
            if let crate::load::LoadTarget::ServiceConnect {
                address, client, ..
            } = &profile.target
            {
                *by_address
                    .entry(client_failed_series(client, address))
                    .or_default() += failed.get(&p).copied().unwrap_or(0.0);
            }
        }
        for (key, v) in by_address {
            self.series.record(&key, crate::traffic::round6(v));
        }
    }

    /// `RequestCountPerTarget`, `TargetResponseTime` and, for HTTP ports, the
    /// `HTTPCode_Target_*` counts of one minute, under `dims`.
    fn put_target_metrics(
        &mut self,
        minute: u64,
        dims: &[(&str, &str)],
        acc: &EdgeMinute,
        http: bool,
    ) {
        let targets = if acc.ticks > 0.0 {
            (acc.targets / acc.ticks).max(1.0)
        } else {
            1.0
        };
        let latency = if acc.served > 0.0 {
            acc.latency_weighted / acc.served
        } else {
            0.0
        };
        let mut values = vec![
            ("RequestCountPerTarget", acc.requests / targets),
            ("TargetResponseTime", latency),
        ];
        if http {
            values.push(("HTTPCode_Target_2XX_Count", acc.served));
            values.push(("HTTPCode_Target_5XX_Count", acc.failed));
        }
        for (name, v) in values {
            self.metrics.put(
                MetricId::new("AWS/ECS", name, dims),
                minute,
                Datapoint::single(crate::traffic::round6(v)),
            );
        }
    }

    /// DescribeServices' `serviceConnectConfiguration` and `serviceConnectResources` of a
    /// deployment, when it has Service Connect.
    pub(crate) fn deployment_connect_json(
        &self,
        dep: &crate::deployment::Deployment,
    ) -> Option<(Value, Value)> {
        let c = dep.service_connect.as_ref()?;
        let resources: Vec<Value> = c
            .serves
            .iter()
            .map(|&e| {
                let x = &self.service_connect.endpoints[e];
                json!({"discoveryName": x.spec.discovery_name, "discoveryArn": x.arn()})
            })
            .collect();
        Some((c.config.request.clone(), Value::Array(resources)))
    }

    /// The proxy container ECS adds to a Service Connect task, as DescribeTasks lists it
    /// (named `ecs-service-connect-` and five characters [unconfirmed]).
    pub(crate) fn proxy_container_json(&self, t: usize) -> Option<Value> {
        self.task_connect(t)?;
        let task = &self.tasks[t];
        let suffix: String = task.id.chars().take(5).collect();
        Some(json!({
            "name": format!("ecs-service-connect-{suffix}"),
            "lastStatus": task.last_status.as_str(),
            "healthStatus": if task.last_status == TaskStatus::Running { "HEALTHY" } else { "UNKNOWN" },
        }))
    }

    /// The namespaces and endpoints for the run output: each endpoint's alias, server and
    /// tasks with whether they take traffic.
    pub fn service_connect_json(&self) -> Value {
        let endpoints: Vec<Value> = self
            .service_connect
            .endpoints
            .iter()
            .enumerate()
            .map(|(e, x)| {
                json!({
                    "namespace": self.scenario.namespaces.list[x.namespace].name,
                    "discoveryName": x.spec.discovery_name,
                    "clientAlias": x.spec.alias(),
                    "discoveryArn": x.arn(),
                    "service": self.services[x.service].name,
                    "tasks": self.endpoint_tasks(e).iter().map(|(t, r)| json!({
                        "taskId": self.tasks[*t].id,
                        "state": r.label(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "namespaces": self.scenario.namespaces.list.iter().map(|n| json!({
                "name": n.name, "id": n.id, "arn": n.arn(),
            })).collect::<Vec<_>>(),
            "endpoints": endpoints,
        })
    }
}
