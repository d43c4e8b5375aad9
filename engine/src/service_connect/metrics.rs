//! Service Connect's CloudWatch metrics in `AWS/ECS` and the charts' series, per minute
//! (rules and sources in [`super`]).

use std::collections::BTreeMap;

use crate::cloudwatch::{Datapoint, MetricId};
use crate::load::TaskLoad;
use crate::sim::Simulation;

/// The series of requests from `client` to `address` that failed at the client's proxies.
pub fn client_failed_series(client: &str, address: &str) -> String {
    format!(
        "serviceConnect/{client}{}{address}/ClientFailed",
        super::TARGET_ARROW
    )
}

/// One minute of requests from a client service to an endpoint.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct EdgeMinute {
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
    /// One routing tick with `targets` tasks taking traffic.
    pub(super) fn tick(&mut self, targets: usize) {
        self.ticks += 1.0;
        self.targets += targets as f64;
    }

    /// One task's load over `dt` seconds.
    pub(super) fn add(&mut self, l: &TaskLoad, dt: f64) {
        self.requests += l.offered_rps * dt;
        self.served += l.served_rps * dt;
        self.failed += l.failed_rps * dt;
        self.latency_weighted += l.served_rps * l.latency_ms * dt;
    }

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

impl Simulation {
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
}
