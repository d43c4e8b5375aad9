//! Clients that find a service by DNS: each routing tick, a load profile's requests go to the
//! addresses in the answers resolvers hold, cached for the record's TTL (rules and sources in
//! [`super`]).
//!
//! Requests are rates: a resolver took its answer at a moment spread evenly over the last TTL
//! (over the run so far, in its first TTL) [unconfirmed], so each answer Route 53 gave in that window carries the share of the window
//! it was given for, shared evenly among its records (a MULTIVALUE answer of eight records out
//! of more, or a WEIGHTED answer of one, spreads evenly over many resolvers). A request to the
//! address of a task that has stopped fails (connection refused). An answer with no records is
//! not kept: those resolvers ask again [unconfirmed: Route 53 negative answers are cached for
//! the namespace's SOA TTL, which the playground does not model].

use std::collections::BTreeMap;

use super::runtime::Answer;
use crate::event_log::EventKind;
use crate::load::{CostModel, TaskLoad};
use crate::sim::Simulation;

/// One minute of requests of a load profile to a DNS name.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DnsMinute {
    requests: f64,
    served: f64,
    /// Every failed request: to stopped tasks, with no record, or overloaded.
    failed: f64,
    /// Requests sent to the address of a task that had stopped.
    stale: f64,
    /// Requests whose name had no record (no registered instance).
    unanswered: f64,
}

/// The chart series of requests to DNS name `name` (lowercase):
/// `serviceDiscovery/{name}/{what}`.
pub fn series(name: &str, what: &str) -> String {
    format!("serviceDiscovery/{name}/{what}")
}

impl Simulation {
    /// Records Cloud Map service `c`'s DNS answer now when it changed, and forgets the
    /// answers no resolver holds any more.
    /// The answer is worked out again only when a task or a registration changed, or a
    /// health status Cloud Map applies later is due.
    fn note_answer(&mut self, c: usize, ttl_ms: u64) {
        let now = self.now();
        let key = (self.task_generation, self.service_discovery.registrations);
        let state = &mut self.service_discovery;
        if state.answers.len() <= c {
            state.answers.resize(c + 1, Vec::new());
            state.answer_valid.resize(c + 1, None);
        }
        let fresh = state.answer_valid[c].is_some_and(|(k, until)| k == key && now < until);
        if !fresh {
            let current = self.dns_answer(c);
            let until = self
                .next_health_change(c)
                .unwrap_or(crate::time::SimTime(u64::MAX));
            let state = &mut self.service_discovery;
            state.answer_valid[c] = Some((key, until));
            let list = &mut state.answers[c];
            if list.last().map(|a| &a.tasks) != Some(&current) {
                list.push(Answer {
                    from: now,
                    tasks: current,
                });
            }
        }
        let list = &mut self.service_discovery.answers[c];
        let expired = list
            .iter()
            .skip(1)
            .take_while(|a| a.from.as_ms() + ttl_ms <= now.as_ms())
            .count();
        list.drain(..expired);
    }

    /// The share of requests each answer of Cloud Map service `c` carries now (index into
    /// its answers, share), the answers with no record handing theirs to the latest. The
    /// window is the last TTL, or the run so far when it is shorter: the shares sum to 1.
    fn answer_shares(&self, c: usize, ttl_ms: u64) -> Vec<(usize, f64)> {
        let list = &self.service_discovery.answers[c];
        let now = self.now().as_ms();
        let last = list.len() - 1;
        let start = now.saturating_sub(ttl_ms);
        let window = now - start;
        if window == 0 {
            return vec![(last, 1.0)];
        }
        let mut shares = Vec::with_capacity(list.len());
        let mut to_latest = 0.0;
        for (k, a) in list.iter().enumerate() {
            // The oldest answer kept reaches back over the whole window.
            let from = if k == 0 {
                start
            } else {
                a.from.as_ms().max(start)
            };
            let to = list.get(k + 1).map_or(now, |n| n.from.as_ms());
            let w = to.saturating_sub(from) as f64 / window as f64;
            if w <= 0.0 {
                continue;
            }
            if a.tasks.is_empty() && k != last {
                to_latest += w;
            } else {
                shares.push((k, w));
            }
        }
        if to_latest > 0.0 {
            match shares.last_mut() {
                Some((k, w)) if *k == last => *w += to_latest,
                _ => shares.push((last, to_latest)),
            }
        }
        shares
    }

    /// Routes profile `p`'s `rate` requests per second to DNS name of Cloud Map service `c`
    /// for `dt` seconds; returns each serving task's load. `cap`: a task's CPU units.
    pub(crate) fn route_dns(
        &mut self,
        p: usize,
        c: usize,
        rate: f64,
        cost: CostModel,
        dt: f64,
        cap: &dyn Fn(usize) -> f64,
    ) -> Vec<(usize, TaskLoad)> {
        let dns = self.scenario.cloud_map.list[c].dns.as_ref();
        let ttl_ms = dns.map_or(0, |d| d.ttl_s() * 1000);
        // A WEIGHTED answer holds one record: there is no other address to try.
        let try_others = self
            .scenario
            .options
            .service_discovery
            .clients_try_other_addresses
            && dns.is_some_and(|d| d.routing == super::RoutingPolicy::Multivalue);
        self.note_answer(c, ttl_ms);
        // (task, requests/s) in the answers' order, merged per task below: one answer (the
        // usual case) needs no merge, its tasks being sorted.
        let shares = self.answer_shares(c, ttl_ms);
        let mut per_task: Vec<(usize, f64)> = Vec::new();
        let (mut stale, mut unanswered) = (0.0, 0.0);
        for &(k, w) in &shares {
            let tasks = &self.service_discovery.answers[c][k].tasks;
            let r = rate * w;
            if tasks.is_empty() {
                unanswered += r;
                continue;
            }
            let live = tasks.iter().filter(|&&t| self.answers_requests(t)).count();
            let each = if try_others {
                if live == 0 {
                    stale += r;
                    continue;
                }
                r / live as f64
            } else {
                stale += r / tasks.len() as f64 * (tasks.len() - live) as f64;
                r / tasks.len() as f64
            };
            per_task.extend(
                tasks
                    .iter()
                    .filter(|&&t| self.answers_requests(t))
                    .map(|&t| (t, each)),
            );
        }
        if shares.len() > 1 {
            per_task.sort_by_key(|(t, _)| *t);
            per_task.dedup_by(|next, kept| {
                let same = next.0 == kept.0;
                if same {
                    kept.1 += next.1;
                }
                same
            });
        }
        let acc = self.service_discovery.minutes.entry(p).or_default();
        acc.requests += rate * dt;
        acc.stale += stale * dt;
        acc.unanswered += unanswered * dt;
        acc.failed += (stale + unanswered) * dt;
        per_task
            .into_iter()
            .map(|(t, r)| {
                let l = cost.load(r, cap(t));
                acc.served += l.served_rps * dt;
                acc.failed += l.failed_rps * dt;
                (t, l)
            })
            .collect()
    }

    /// Publishes minute `minute`'s series of every DNS load profile and Cloud Map service,
    /// and says in the event log why requests failed.
    pub(crate) fn publish_service_discovery_minute(&mut self, minute: u64) {
        let minutes = std::mem::take(&mut self.service_discovery.minutes);
        let mut by_name: BTreeMap<String, DnsMinute> = BTreeMap::new();
        for (p, profile) in self.traffic.profiles.iter().enumerate() {
            if let crate::load::LoadTarget::ServiceDiscovery(name) = &profile.target {
                let m = minutes.get(&p).copied().unwrap_or_default();
                let slot = by_name.entry(name.clone()).or_default();
                slot.requests += m.requests;
                slot.served += m.served;
                slot.failed += m.failed;
                slot.stale += m.stale;
                slot.unanswered += m.unanswered;
            }
        }
        let now = self.now();
        for (name, m) in &by_name {
            for (what, v) in [
                ("RequestCount", m.requests),
                ("Failed", m.failed),
                ("StaleAddress", m.stale),
            ] {
                self.series
                    .record(&series(name, what), crate::traffic::round6(v));
            }
            if m.stale >= 0.5 {
                let msg = format!(
                    "{:.0} requests to {name} in minute {minute} went to addresses of stopped tasks that resolvers still held from cached DNS answers, and failed",
                    m.stale
                );
                self.log.push(now, EventKind::ServiceDiscovery, msg);
            }
            if m.unanswered >= 0.5 {
                let msg = format!(
                    "{:.0} requests to {name} in minute {minute} failed: its Cloud Map service had no registered instance, so DNS had no record to answer with",
                    m.unanswered
                );
                self.log.push(now, EventKind::ServiceDiscovery, msg);
            }
        }
        for c in 0..self.scenario.cloud_map.list.len() {
            let Some(list) = self.service_discovery.instances.get(c) else {
                continue;
            };
            let healthy = list
                .iter()
                .filter(|i| self.instance_health(c, i) != super::runtime::InstanceHealth::Unhealthy)
                .count();
            let cm = &self.scenario.cloud_map.list[c];
            let name = cm.series_name(&self.scenario.namespaces);
            let registered = list.len() as f64;
            self.series.record(&series(&name, "Instances"), registered);
            self.series
                .record(&series(&name, "HealthyInstances"), healthy as f64);
        }
    }
}
