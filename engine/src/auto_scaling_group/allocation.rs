//! Allocation strategies of a mixed instances policy (`InstancesDistribution`,
//! [ASG-ALLOC]: the EC2 Auto Scaling API reference's `InstancesDistribution` and the user
//! guide's "Allocation strategies"): which of the `Overrides` instance types a launch uses.
//!
//! * On-Demand: `prioritized` (the default) takes the overrides in order; `lowest-price` the
//!   cheapest type first.
//! * Spot: a pool is an instance type in one Availability Zone.
//!   * `lowest-price` (the API default) spreads the group's Spot instances evenly over the
//!     `SpotInstancePools` (1–20, default 2) cheapest pools of the zone;
//!   * `price-capacity-optimized` (AWS's recommendation), `capacity-optimized` and
//!     `capacity-optimized-prioritized` choose by the pools' spare capacity, which the
//!     playground does not model: every pool is as deep as the others [unconfirmed], so
//!     price-capacity-optimized takes the cheapest pool, capacity-optimized the pool the
//!     group uses least (spreading the risk as deep pools would), and
//!     capacity-optimized-prioritized the overrides' order.
//!   * "Evenly" counts the group's live Spot instances of each type in the zone; a tie goes
//!     to the cheaper pool. An instance at risk of interruption (Capacity Rebalancing) still
//!     counts in its pool, so its replacement may land in the same one [unconfirmed: AWS
//!     would avoid the pool at risk].
//! * `SpotMaxPrice` (USD per hour) rules out the pools whose Spot price is above it; Spot
//!   prices do not move in the playground. With no pool left, the launch fails, said once in
//!   the event log; the group tries again when its capacity next changes [the playground's
//!   choice: AWS retries on its own].

use serde_json::Value;

use crate::instance_types::InstanceType;

/// `OnDemandAllocationStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDemandAllocation {
    /// `prioritized`: the overrides' order.
    #[default]
    Prioritized,
    /// `lowest-price`.
    LowestPrice,
}

/// `SpotAllocationStrategy` (with `SpotInstancePools` for `lowest-price`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpotAllocation {
    /// `lowest-price` over this many of the cheapest pools.
    LowestPrice {
        /// `SpotInstancePools`.
        pools: u32,
    },
    /// `price-capacity-optimized`.
    PriceCapacityOptimized,
    /// `capacity-optimized`.
    CapacityOptimized,
    /// `capacity-optimized-prioritized`.
    CapacityOptimizedPrioritized,
}

impl Default for SpotAllocation {
    fn default() -> Self {
        SpotAllocation::LowestPrice { pools: 2 }
    }
}

/// The allocation part of `InstancesDistribution`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allocation {
    /// `OnDemandAllocationStrategy`.
    pub on_demand: OnDemandAllocation,
    /// `SpotAllocationStrategy`.
    pub spot: SpotAllocation,
    /// `SpotMaxPrice` in millionths of a dollar per hour; `None`: the On-Demand price.
    pub spot_max_price_micro: Option<u64>,
}

impl Allocation {
    /// Reads the allocation members of `InstancesDistribution` `d` (absent: all defaults);
    /// `path` names the distribution in errors.
    pub fn parse(d: Option<&Value>, path: &str) -> Result<Allocation, String> {
        let text = |key: &str| d.and_then(|d| d.get(key)).filter(|v| !v.is_null());
        let on_demand = match text("OnDemandAllocationStrategy").map(|v| v.as_str()) {
            None | Some(Some("prioritized")) => OnDemandAllocation::Prioritized,
            Some(Some("lowest-price")) => OnDemandAllocation::LowestPrice,
            Some(_) => {
                return Err(format!(
                    "{path}.OnDemandAllocationStrategy: must be prioritized or lowest-price"
                ))
            }
        };
        let pools = match text("SpotInstancePools") {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|n| (1..=20).contains(n))
                    .map(|n| n as u32)
                    .ok_or_else(|| {
                        format!("{path}.SpotInstancePools: must be a whole number from 1 to 20")
                    })?,
            ),
        };
        let spot = match text("SpotAllocationStrategy").map(|v| v.as_str()) {
            None | Some(Some("lowest-price")) => SpotAllocation::LowestPrice {
                pools: pools.unwrap_or(2),
            },
            Some(Some("price-capacity-optimized")) => SpotAllocation::PriceCapacityOptimized,
            Some(Some("capacity-optimized")) => SpotAllocation::CapacityOptimized,
            Some(Some("capacity-optimized-prioritized")) => {
                SpotAllocation::CapacityOptimizedPrioritized
            }
            Some(_) => return Err(format!(
                "{path}.SpotAllocationStrategy: must be lowest-price, price-capacity-optimized, capacity-optimized or capacity-optimized-prioritized"
            )),
        };
        if pools.is_some() && !matches!(spot, SpotAllocation::LowestPrice { .. }) {
            return Err(format!(
                "{path}.SpotInstancePools: valid only with the lowest-price Spot allocation strategy"
            ));
        }
        let spot_max_price_micro = match text("SpotMaxPrice").map(|v| v.as_str().map(str::trim)) {
            None => None,
            // An empty string means "the On-Demand price", as the API says.
            Some(Some("")) => None,
            Some(price) => {
                let usd = price
                    .and_then(|s| s.parse::<f64>().ok())
                    .filter(|p| p.is_finite() && *p >= 0.0)
                    .ok_or_else(|| {
                        format!("{path}.SpotMaxPrice: must be a price in USD per hour, as a string such as \"0.05\"")
                    })?;
                Some((usd * 1e6).round() as u64)
            }
        };
        Ok(Allocation {
            on_demand,
            spot,
            spot_max_price_micro,
        })
    }

    /// The On-Demand type to launch among `types` (the overrides, in order).
    pub fn on_demand_type(&self, types: &[&'static InstanceType]) -> Option<&'static InstanceType> {
        match self.on_demand {
            OnDemandAllocation::Prioritized => types.first().copied(),
            OnDemandAllocation::LowestPrice => types.iter().copied().min_by(|a, b| {
                a.on_demand_usd_per_hour
                    .total_cmp(&b.on_demand_usd_per_hour)
            }),
        }
    }

    /// The Spot type to launch among `types` (the overrides, in order) in a zone where the
    /// group already runs `in_zone(type)` Spot instances of each type; `None` when every pool
    /// is above `SpotMaxPrice`.
    pub fn spot_type(
        &self,
        types: &[&'static InstanceType],
        in_zone: impl Fn(&InstanceType) -> usize,
    ) -> Option<&'static InstanceType> {
        let affordable: Vec<&'static InstanceType> = types
            .iter()
            .copied()
            .filter(|t| {
                let cap = self
                    .spot_max_price_micro
                    .map_or(t.on_demand_usd_per_hour, |m| m as f64 / 1e6);
                t.spot_usd_per_hour <= cap + 1e-12
            })
            .collect();
        let mut cheapest = affordable.clone();
        cheapest.sort_by(|a, b| a.spot_usd_per_hour.total_cmp(&b.spot_usd_per_hour));
        let least_used =
            |pool: &[&'static InstanceType]| pool.iter().copied().min_by_key(|t| in_zone(t));
        match self.spot {
            SpotAllocation::LowestPrice { pools } => {
                cheapest.truncate(pools as usize);
                least_used(&cheapest)
            }
            SpotAllocation::PriceCapacityOptimized => cheapest.first().copied(),
            SpotAllocation::CapacityOptimized => least_used(&affordable),
            SpotAllocation::CapacityOptimizedPrioritized => affordable.first().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance_types::lookup;
    use serde_json::json;

    fn types() -> Vec<&'static InstanceType> {
        ["m5.large", "m6i.large", "c5.large", "r5.large"]
            .iter()
            .map(|n| lookup(n).unwrap())
            .collect()
    }

    #[test]
    fn defaults_are_prioritized_on_demand_and_lowest_price_spot_over_two_pools() {
        let a = Allocation::parse(None, "d").unwrap();
        assert_eq!(a.on_demand, OnDemandAllocation::Prioritized);
        assert_eq!(a.spot, SpotAllocation::LowestPrice { pools: 2 });
        assert_eq!(a.on_demand_type(&types()).unwrap().name, "m5.large");
    }

    #[test]
    fn lowest_price_spreads_evenly_over_the_cheapest_pools() {
        let a = Allocation::parse(Some(&json!({"SpotInstancePools": 2})), "d").unwrap();
        let ts = types();
        let mut by_price = ts.clone();
        by_price.sort_by(|a, b| a.spot_usd_per_hour.total_cmp(&b.spot_usd_per_hour));
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for _ in 0..6 {
            let t = a
                .spot_type(&ts, |t| counts.get(t.name).copied().unwrap_or(0))
                .unwrap();
            *counts.entry(t.name).or_default() += 1;
        }
        assert_eq!(counts.len(), 2, "{counts:?}");
        assert_eq!(counts[by_price[0].name], 3);
        assert_eq!(counts[by_price[1].name], 3);
        // price-capacity-optimized: the cheapest; capacity-optimized: all pools in turn;
        // capacity-optimized-prioritized: the first override.
        let pco = Allocation::parse(
            Some(&json!({"SpotAllocationStrategy": "price-capacity-optimized"})),
            "d",
        )
        .unwrap();
        assert_eq!(pco.spot_type(&ts, |_| 5).unwrap().name, by_price[0].name);
        let co = Allocation::parse(
            Some(&json!({"SpotAllocationStrategy": "capacity-optimized"})),
            "d",
        )
        .unwrap();
        let mut seen = std::collections::BTreeMap::<&str, usize>::new();
        for _ in 0..8 {
            let t = co
                .spot_type(&ts, |t| seen.get(t.name).copied().unwrap_or(0))
                .unwrap();
            *seen.entry(t.name).or_default() += 1;
        }
        assert_eq!(seen.values().copied().collect::<Vec<_>>(), vec![2, 2, 2, 2]);
        let cop = Allocation::parse(
            Some(&json!({"SpotAllocationStrategy": "capacity-optimized-prioritized"})),
            "d",
        )
        .unwrap();
        assert_eq!(cop.spot_type(&ts, |_| 0).unwrap().name, "m5.large");
    }

    #[test]
    fn on_demand_lowest_price_and_spot_max_price() {
        let ts = types();
        let a = Allocation::parse(
            Some(&json!({"OnDemandAllocationStrategy": "lowest-price"})),
            "d",
        )
        .unwrap();
        let cheapest = ts
            .iter()
            .min_by(|a, b| {
                a.on_demand_usd_per_hour
                    .total_cmp(&b.on_demand_usd_per_hour)
            })
            .unwrap();
        assert_eq!(a.on_demand_type(&ts).unwrap().name, cheapest.name);
        let none = Allocation::parse(Some(&json!({"SpotMaxPrice": "0.0001"})), "d").unwrap();
        assert!(none.spot_type(&ts, |_| 0).is_none());
        let on_demand_cap = Allocation::parse(Some(&json!({"SpotMaxPrice": ""})), "d").unwrap();
        assert!(on_demand_cap.spot_type(&ts, |_| 0).is_some());
    }

    #[test]
    fn members_are_checked_naming_the_field() {
        for (bad, field) in [
            (
                json!({"OnDemandAllocationStrategy": "cheapest"}),
                "d.OnDemandAllocationStrategy",
            ),
            (
                json!({"SpotAllocationStrategy": "diversified"}),
                "d.SpotAllocationStrategy",
            ),
            (json!({"SpotInstancePools": 21}), "d.SpotInstancePools"),
            (
                json!({"SpotAllocationStrategy": "capacity-optimized", "SpotInstancePools": 2}),
                "d.SpotInstancePools: valid only",
            ),
            (json!({"SpotMaxPrice": 0.05}), "d.SpotMaxPrice"),
        ] {
            let e = Allocation::parse(Some(&bad), "d").unwrap_err();
            assert!(e.starts_with(field), "{bad}: {e}");
        }
    }
}
