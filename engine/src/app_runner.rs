//! The same traffic on App Runner (section 11, G42): how many instances App Runner's
//! concurrency-based scaling would keep active for a target group's concurrent requests.
//!
//! App Runner scales on concurrency: each instance takes up to `MaxConcurrency` concurrent
//! requests (default 100), and at least `MinSize` (default 1) and at most `MaxSize` (default 25)
//! instances serve. The exact policy is [unconfirmed]; the playground takes the fewest instances
//! that keep every one at or under `MaxConcurrency`, within the bounds. The concurrent requests
//! are the ECS targets' requests in flight now (requests per second × response time), so the
//! comparison is of the same traffic as the ECS service serves it.

use crate::sim::Simulation;

/// `CreateAutoScalingConfiguration`'s scaling members, at App Runner's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoScalingConfiguration {
    /// `MaxConcurrency`: concurrent requests per instance before scaling up (1 to 200).
    pub max_concurrency: u32,
    /// `MinSize`: instances kept provisioned (1 to 25).
    pub min_size: u32,
    /// `MaxSize`: the most instances that serve traffic.
    pub max_size: u32,
}

impl Default for AutoScalingConfiguration {
    fn default() -> Self {
        AutoScalingConfiguration {
            max_concurrency: 100,
            min_size: 1,
            max_size: 25,
        }
    }
}

/// App Runner's answer for some concurrent requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AppRunnerSizing {
    /// The concurrent requests.
    pub concurrent: f64,
    /// Active instances.
    pub active: u32,
    /// Whether `MaxSize` held the count down, leaving instances over `MaxConcurrency`.
    pub capped: bool,
}

impl AutoScalingConfiguration {
    /// The active instances for `concurrent` requests (G42).
    pub fn size_for(&self, concurrent: f64) -> AppRunnerSizing {
        let wanted = (concurrent.max(0.0) / f64::from(self.max_concurrency.max(1))).ceil();
        let wanted = if wanted >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            wanted as u32
        };
        AppRunnerSizing {
            concurrent,
            active: wanted.clamp(self.min_size, self.max_size),
            capped: wanted > self.max_size,
        }
    }

    /// The answer in words, e.g. "on App Runner (MaxConcurrency 100, MinSize 1, MaxSize 25):
    /// 950 concurrent requests → 10 active instances".
    pub fn explain(&self, s: &AppRunnerSizing) -> String {
        let plural = if s.active == 1 { "" } else { "s" };
        // An empty sum of floats is -0.0, which would print as "-0".
        let concurrent = s.concurrent.round() + 0.0;
        let mut text = format!(
            "on App Runner (MaxConcurrency {}, MinSize {}, MaxSize {}): {} concurrent requests → {} active instance{plural}",
            self.max_concurrency,
            self.min_size,
            self.max_size,
            concurrent,
            s.active
        );
        if s.capped {
            text.push_str(&format!(
                ", held at MaxSize: about {} concurrent requests each",
                (s.concurrent / f64::from(s.active.max(1))).round()
            ));
        }
        text
    }
}

impl Simulation {
    /// Target group `g`'s requests in flight now, summed over its targets, and what App Runner
    /// at its defaults would run for them; `None` for a Network Load Balancer's group.
    pub fn app_runner_comparison(
        &self,
        g: usize,
    ) -> Option<(AutoScalingConfiguration, AppRunnerSizing)> {
        // App Runner serves HTTP: a Network Load Balancer's TCP flows have no counterpart.
        let group = self.target_groups().get(g).filter(|t| !t.is_network())?;
        let concurrent = group
            .targets
            .iter()
            .filter_map(|t| self.task_loads().get(t.task))
            .map(|l| l.inflight)
            .sum();
        let config = AutoScalingConfiguration::default();
        Some((config, config.size_for(concurrent)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_requests_in_flight_read_as_zero_not_minus_zero() {
        let config = AutoScalingConfiguration::default();
        let none: f64 = std::iter::empty::<f64>().sum();
        let text = config.explain(&config.size_for(none));
        assert!(
            text.contains(": 0 concurrent requests → 1 active instance"),
            "{text}"
        );
    }

    #[test]
    fn g42_950_concurrent_requests_need_10_instances_and_3000_are_held_at_25() {
        let config = AutoScalingConfiguration::default();
        assert_eq!(
            (config.max_concurrency, config.min_size, config.max_size),
            (100, 1, 25)
        );
        let s = config.size_for(950.0);
        assert_eq!((s.active, s.capped), (10, false));
        assert_eq!(
            config.explain(&s),
            "on App Runner (MaxConcurrency 100, MinSize 1, MaxSize 25): 950 concurrent requests → 10 active instances"
        );
        let s = config.size_for(3000.0);
        assert_eq!((s.active, s.capped), (25, true));
        assert!(config
            .explain(&s)
            .ends_with("held at MaxSize: about 120 concurrent requests each"));
    }

    #[test]
    fn g42_min_size_stays_active_with_no_traffic() {
        let s = AutoScalingConfiguration::default().size_for(0.0);
        assert_eq!((s.active, s.capped), (1, false));
        let s = AutoScalingConfiguration::default().size_for(100.0);
        assert_eq!(s.active, 1, "exactly MaxConcurrency fits one instance");
        assert_eq!(
            AutoScalingConfiguration::default().size_for(100.5).active,
            2
        );
    }

    #[test]
    fn g42_the_comparison_counts_a_target_groups_requests_in_flight() {
        let text = include_str!("../../public/scenarios/target-tracking-alb.json");
        let mut sim = Simulation::new(crate::Scenario::from_json(text).unwrap());
        sim.advance_to(crate::time::SimTime(15 * 60_000)).unwrap();
        let (config, s) = sim.app_runner_comparison(0).unwrap();
        let in_flight: f64 = sim.target_groups()[0]
            .targets
            .iter()
            .map(|t| sim.task_loads()[t.task].inflight)
            .sum();
        assert!(in_flight > 0.0, "the load is on");
        assert_eq!(s.concurrent, in_flight);
        assert_eq!(s, config.size_for(in_flight));
        assert!(sim.app_runner_comparison(9).is_none());
    }
}
