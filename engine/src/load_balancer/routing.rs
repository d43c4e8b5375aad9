//! How a load balancer shares a target group's request rate among its targets (8.2, 8.3,
//! 8.6: an NLB's flow hash gives healthy targets equal shares, and it fails open too).
//!
//! Requests are rates, not individual requests: each target gets a share of the group's
//! requests per second.

use super::target_group::{Algorithm, TargetState};

/// Which targets receive traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingMode {
    /// No target is registered: every request gets an ELB 503.
    NoTargets,
    /// Only healthy targets receive requests.
    Healthy,
    /// No target is healthy, so the ALB fails open and sends requests to all of them (8.2).
    FailOpen,
}

/// One registered target as routing sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteCandidate {
    /// Its health state.
    pub state: TargetState,
    /// Requests per second it can serve before saturating.
    pub capacity_rps: f64,
    /// Slow-start ramp: 1.0 outside slow start, else the fraction of the ramp elapsed.
    pub slow_start: f64,
}

/// Smallest share a target in slow start gets, so it is not starved at the very start.
/// [unconfirmed]: AWS documents a linear ramp, not its starting point.
pub const SLOW_START_FLOOR: f64 = 0.01;

/// The fraction of the group's requests each candidate gets (summing to 1, or all 0 with
/// [`RoutingMode::NoTargets`]). Draining targets get nothing (8.3).
pub fn shares(algorithm: Algorithm, candidates: &[RouteCandidate]) -> (RoutingMode, Vec<f64>) {
    let healthy = candidates.iter().any(|c| c.state == TargetState::Healthy);
    let open = candidates.iter().any(|c| c.state != TargetState::Draining);
    let mode = if healthy {
        RoutingMode::Healthy
    } else if open {
        RoutingMode::FailOpen
    } else {
        RoutingMode::NoTargets
    };
    let mut weights: Vec<f64> = candidates
        .iter()
        .map(|c| {
            let eligible = match mode {
                RoutingMode::Healthy => c.state == TargetState::Healthy,
                RoutingMode::FailOpen => c.state != TargetState::Draining,
                RoutingMode::NoTargets => false,
            };
            if !eligible {
                return 0.0;
            }
            let base = match algorithm {
                Algorithm::RoundRobin | Algorithm::WeightedRandom | Algorithm::FlowHash => 1.0,
                // Least outstanding requests keeps queues even: faster targets take more.
                Algorithm::LeastOutstandingRequests => c.capacity_rps.max(1e-9),
            };
            base * c.slow_start.clamp(SLOW_START_FLOOR, 1.0)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    if total > 0.0 {
        for w in &mut weights {
            *w /= total;
        }
    }
    (mode, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(state: TargetState, capacity_rps: f64, slow_start: f64) -> RouteCandidate {
        RouteCandidate {
            state,
            capacity_rps,
            slow_start,
        }
    }

    #[test]
    fn only_healthy_targets_get_requests_and_draining_never() {
        let (mode, s) = shares(
            Algorithm::RoundRobin,
            &[
                c(TargetState::Healthy, 100.0, 1.0),
                c(TargetState::Initial, 100.0, 1.0),
                c(TargetState::Draining, 100.0, 1.0),
                c(TargetState::Healthy, 300.0, 1.0),
            ],
        );
        assert_eq!(mode, RoutingMode::Healthy);
        assert_eq!(s, vec![0.5, 0.0, 0.0, 0.5]);
    }

    #[test]
    fn fail_open_when_no_target_is_healthy_8_2() {
        let (mode, s) = shares(
            Algorithm::RoundRobin,
            &[
                c(TargetState::Unhealthy, 100.0, 1.0),
                c(TargetState::Unhealthy, 100.0, 1.0),
                c(TargetState::Draining, 100.0, 1.0),
            ],
        );
        assert_eq!(mode, RoutingMode::FailOpen);
        assert_eq!(s, vec![0.5, 0.5, 0.0]);
        let (mode, s) = shares(Algorithm::RoundRobin, &[c(TargetState::Draining, 1.0, 1.0)]);
        assert_eq!(mode, RoutingMode::NoTargets);
        assert_eq!(s, vec![0.0]);
    }

    #[test]
    fn least_outstanding_requests_favours_faster_targets_and_slow_start_ramps() {
        let (_, s) = shares(
            Algorithm::LeastOutstandingRequests,
            &[
                c(TargetState::Healthy, 100.0, 1.0),
                c(TargetState::Healthy, 300.0, 1.0),
            ],
        );
        assert_eq!(s, vec![0.25, 0.75]);
        let (_, s) = shares(
            Algorithm::RoundRobin,
            &[
                c(TargetState::Healthy, 1.0, 1.0),
                c(TargetState::Healthy, 1.0, 0.25),
            ],
        );
        assert_eq!(s, vec![0.8, 0.2]);
    }
}
