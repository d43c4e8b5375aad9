//! The Service Connect proxy in a run: a client's requests to an alias, resolved by its
//! deployment, shared round robin over the endpoint's tasks (by the production weights of a
//! blue/green deployment), retried twice on the other tasks, and outlier detection (rules and
//! sources in [`super`]).

use std::collections::BTreeMap;

use super::runtime::{DeploymentConnect, Reachability};
use crate::event_log::EventKind;
use crate::load::{CostModel, TaskLoad};
use crate::sim::Simulation;
use crate::time::SimTime;

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
/// Retries of a failed request, each avoiding the host that just failed [DG-components].
pub const RETRIES: usize = 2;
/// How many times the retry model recomputes each task's failing share from its whole offered
/// load (the playground's model: the share settles in a few rounds).
const SETTLING_ROUNDS: usize = 3;

/// Outlier detection's view of one task.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Outlier {
    window_start: SimTime,
    failures: f64,
    pub(super) ejected_until: Option<SimTime>,
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

impl Simulation {
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
                .and_then(|dep| dep.resolve(&self.service_connect.endpoints, host, port))
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
    /// seconds: outlier detection on the failures so far, then round robin (by the
    /// deployment's weights during a blue/green shift) and up to two retries of what failed on
    /// other tasks. Returns the rate given up after the last retry (or that found no task) and
    /// each task's load.
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
        let mut ejected: Vec<usize> = tasks
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
        let avoided = self.eject_outliers(e, &candidates, ejected.len());
        if !avoided.is_empty() {
            candidates.retain(|t| !avoided.contains(t));
            ejected.extend(avoided);
        }
        let ejected_now = ejected.len();
        // Too few tasks left (below `options.serviceConnect`'s panicThresholdPercent, 50 % by
        // default, Envoy's [unconfirmed]): the proxies send to the avoided ones too, so that
        // outlier detection never empties an endpoint.
        let panic = self
            .scenario
            .options
            .service_connect
            .panic_threshold_percent
            / 100.0;
        if (candidates.len() as f64) < panic * (candidates.len() + ejected_now) as f64 {
            candidates.extend(ejected);
            candidates.sort_unstable();
        }
        let m = candidates.len();
        let acc = self.service_connect.minutes.entry((e, client)).or_default();
        acc.tick(m);
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
        for _ in 0..SETTLING_ROUNDS {
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
            acc.add(l, dt);
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
        // At most `options.serviceConnect`'s maxEjectionPercent (10 % by default, Envoy's
        // [unconfirmed]), at least one task.
        let share = self.scenario.options.service_connect.max_ejection_percent / 100.0;
        let budget = ((all as f64 * share).floor() as usize).max(1);
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
}
