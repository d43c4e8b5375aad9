//! What requests cost a task: the per-container cost model, and the queueing model that turns
//! utilisation into latency and errors.
//!
//! A task serving `λ` requests/s with `C` CPU units available can serve at most
//! `μ = C × 1000 / cpuUnitMsPerRequest` requests/s. With `ρ = λ / μ`:
//! * CPU used = `min(λ, μ) × cpuUnitMsPerRequest / 1000 + idleCpuUnits`;
//! * latency = `baseLatencyMs + S / (1 − min(ρ, MAX_UTILISATION))` (an M/M/1 processor-sharing
//!   queue, `S` the CPU time of one request on one vCPU): a saturated task answers what it can
//!   serve 100 × S late;
//! * requests beyond `μ` are refused (the load balancer answers them with 5xx): the fraction
//!   `1 − 1/ρ`;
//! * in-flight requests = served rate × latency (Little's law), and memory = baseline + in-flight
//!   × memory per in-flight request.
//!
//! These formulas are the playground's own [unconfirmed] model: AWS documents the metrics,
//! not how an application behaves.

use serde_json::Value;

/// The utilisation at which queueing latency stops growing: the queue of a saturated task is
/// bounded and what does not fit is refused, so in-flight requests (and memory) stay finite.
pub const MAX_UTILISATION: f64 = 0.99;

/// The cost of one request and of being alive, for one task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostModel {
    /// CPU unit-milliseconds one request takes (1,024 units = 1 vCPU; 10 ms on one vCPU =
    /// 10,240). Default 10,240.
    pub cpu_unit_ms_per_request: f64,
    /// CPU units an idle task burns. Default 10.
    pub idle_cpu_units: f64,
    /// MiB an idle task uses. Default 128.
    pub baseline_memory_mib: f64,
    /// MiB each in-flight request holds. Default 1.
    pub memory_per_inflight_mib: f64,
    /// Latency of a request on an idle task, beside its CPU time. Default 20 ms.
    pub base_latency_ms: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            cpu_unit_ms_per_request: 10_240.0,
            idle_cpu_units: 10.0,
            baseline_memory_mib: 128.0,
            memory_per_inflight_mib: 1.0,
            base_latency_ms: 20.0,
        }
    }
}

/// What one task does with the requests routed to it, at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TaskLoad {
    /// Requests per second routed to it.
    pub offered_rps: f64,
    /// Requests per second it serves.
    pub served_rps: f64,
    /// Requests per second that time out (ELB 5xx).
    pub failed_rps: f64,
    /// CPU units in use.
    pub cpu_units: f64,
    /// MiB in use.
    pub memory_mib: f64,
    /// Mean response time of served requests, in milliseconds.
    pub latency_ms: f64,
    /// Requests in flight.
    pub inflight: f64,
}

impl CostModel {
    /// Parses a `cost` object; absent members keep their defaults.
    pub fn parse(v: Option<&Value>, path: &str) -> Result<CostModel, String> {
        let mut m = CostModel::default();
        let Some(v) = v else { return Ok(m) };
        if !v.is_object() {
            return Err(format!("{path}: must be an object"));
        }
        for (key, slot) in [
            ("cpuUnitMsPerRequest", &mut m.cpu_unit_ms_per_request),
            ("idleCpuUnits", &mut m.idle_cpu_units),
            ("baselineMemoryMiB", &mut m.baseline_memory_mib),
            ("memoryPerInflightMiB", &mut m.memory_per_inflight_mib),
            ("baseLatencyMs", &mut m.base_latency_ms),
        ] {
            if let Some(x) = v.get(key) {
                *slot = x
                    .as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .ok_or_else(|| format!("{path}.{key}: must be a number ≥ 0"))?;
            }
        }
        if m.cpu_unit_ms_per_request <= 0.0 {
            return Err(format!("{path}.cpuUnitMsPerRequest: must be more than 0"));
        }
        Ok(m)
    }

    /// Requests per second a task with `cpu_units` available serves before saturating.
    pub fn capacity_rps(&self, cpu_units: f64) -> f64 {
        ((cpu_units - self.idle_cpu_units).max(0.0)) * 1000.0 / self.cpu_unit_ms_per_request
    }

    /// The task's state when `offered_rps` arrive and `cpu_units` are available to it.
    pub fn load(&self, offered_rps: f64, cpu_units: f64) -> TaskLoad {
        let mu = self.capacity_rps(cpu_units);
        let served = offered_rps.min(mu);
        let failed = offered_rps - served;
        let rho = if mu > 0.0 {
            offered_rps / mu
        } else {
            f64::INFINITY
        };
        let service_ms = self.cpu_unit_ms_per_request / 1024.0;
        let latency_ms = self.base_latency_ms + service_ms / (1.0 - rho.min(MAX_UTILISATION));
        let inflight = served * latency_ms / 1000.0;
        TaskLoad {
            offered_rps,
            served_rps: served,
            failed_rps: failed,
            cpu_units: served * self.cpu_unit_ms_per_request / 1000.0 + self.idle_cpu_units,
            memory_mib: self.baseline_memory_mib + inflight * self.memory_per_inflight_mib,
            latency_ms,
            inflight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_latency_emerge_from_the_rate() {
        let m = CostModel {
            cpu_unit_ms_per_request: 1024.0, // 1 ms of one vCPU
            idle_cpu_units: 0.0,
            baseline_memory_mib: 100.0,
            memory_per_inflight_mib: 2.0,
            base_latency_ms: 10.0,
        };
        // 512 units serve 500 requests/s.
        assert_eq!(m.capacity_rps(512.0), 500.0);
        let half = m.load(250.0, 512.0);
        assert_eq!(half.cpu_units, 256.0);
        assert_eq!(half.failed_rps, 0.0);
        assert!((half.latency_ms - 12.0).abs() < 1e-9, "10 + 1/(1-0.5)");
        assert!((half.memory_mib - (100.0 + 250.0 * 0.012 * 2.0)).abs() < 1e-9);
        let over = m.load(1000.0, 512.0);
        assert_eq!(over.served_rps, 500.0);
        assert_eq!(over.failed_rps, 500.0);
        assert_eq!(over.cpu_units, 512.0);
        assert!(
            (over.latency_ms - 110.0).abs() < 1e-9,
            "10 + 1 / 0.01: bounded when saturated"
        );
        assert!((over.memory_mib - (100.0 + 500.0 * 0.11 * 2.0)).abs() < 1e-9);
    }

    #[test]
    fn cost_fields_are_checked() {
        assert!(
            CostModel::parse(Some(&serde_json::json!({"cpuUnitMsPerRequest": 0})), "c")
                .unwrap_err()
                .starts_with("c.cpuUnitMsPerRequest")
        );
        assert!(
            CostModel::parse(Some(&serde_json::json!({"idleCpuUnits": "x"})), "c")
                .unwrap_err()
                .starts_with("c.idleCpuUnits")
        );
    }
}
