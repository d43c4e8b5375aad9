//! Capacity provider strategies (6.1, 6.2): which provider each task of a service goes to.
//!
//! A strategy is a list of `{capacityProvider, weight, base}` items. `base` tasks go first to
//! the one provider that has a base; every further task goes to the provider whose share is
//! furthest below its weight. AWS does not document how uneven splits round
//! ([unconfirmed], 6.2): we use the rule of the behaviour reference, "the provider with the
//! lowest `assigned_nonbase / weight`, ties to the higher weight, then strategy order", which
//! gives 5/5, 2/8 and 4/6 for the cases of G20.

use serde_json::Value;

use super::WeightTies;

/// Most providers in one strategy (6.1, [API-ECS]; the 2023 guide said 6).
pub const MAX_STRATEGY_ITEMS: usize = 20;
/// Largest `weight` (6.1).
pub const MAX_WEIGHT: u64 = 1000;
/// Largest `base` (6.1).
pub const MAX_BASE: u64 = 100_000;

/// One `capacityProviderStrategy[]` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyItem {
    /// The provider's name (`FARGATE`, `FARGATE_SPOT` or a CreateCapacityProvider name).
    pub provider: String,
    /// `weight`, 0 to 1000; 0 through the API when absent (6.1).
    pub weight: u32,
    /// `base`, 0 to 100000.
    pub base: u32,
}

/// A checked capacity provider strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProviderStrategy {
    /// The items, in the order given.
    pub items: Vec<StrategyItem>,
    /// How ties between items equally below their weight break (`options.capacity`).
    pub ties: WeightTies,
}

/// Whether a provider name is one of the two reserved Fargate providers (6.3).
pub fn is_fargate_provider(name: &str) -> bool {
    matches!(name, "FARGATE" | "FARGATE_SPOT")
}

impl CapacityProviderStrategy {
    /// Parses and checks a `capacityProviderStrategy` list against the rules of 6.1 (G21).
    /// `path` names the field in errors.
    pub fn parse(v: &Value, path: &str) -> Result<CapacityProviderStrategy, String> {
        let list = v.as_array().ok_or_else(|| {
            format!("{path}: must be a list of {{capacityProvider, weight, base}}")
        })?;
        if list.is_empty() {
            return Err(format!("{path}: must name at least one capacity provider"));
        }
        if list.len() > MAX_STRATEGY_ITEMS {
            return Err(format!(
                "{path}: {} providers; a strategy holds at most {MAX_STRATEGY_ITEMS}",
                list.len()
            ));
        }
        let mut items = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let provider = item
                .get("capacityProvider")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| format!("{at}.capacityProvider: required"))?
                .to_string();
            let number = |key: &str, max: u64| -> Result<u32, String> {
                match item.get(key) {
                    None | Some(Value::Null) => Ok(0),
                    Some(n) => n
                        .as_u64()
                        .filter(|n| *n <= max)
                        .map(|n| n as u32)
                        .ok_or_else(|| {
                            format!("{at}.{key}: must be a whole number from 0 to {max}")
                        }),
                }
            };
            let weight = number("weight", MAX_WEIGHT)?;
            let base = number("base", MAX_BASE)?;
            if items.iter().any(|o: &StrategyItem| o.provider == provider) {
                return Err(format!(
                    "{at}.capacityProvider: {provider} is listed twice in the strategy"
                ));
            }
            items.push(StrategyItem {
                provider,
                weight,
                base,
            });
        }
        if items.iter().filter(|i| i.base > 0).count() > 1 {
            return Err(format!(
                "{path}: only one capacity provider in a strategy can have a base (6.1)"
            ));
        }
        if items.iter().all(|i| i.weight == 0) {
            // With one provider and a base the base tasks could run, but ECS rejects a
            // strategy where no provider has a weight.
            return Err(format!(
                "{path}: at least one capacity provider must have a weight greater than 0 (6.1)"
            ));
        }
        let fargate = items
            .iter()
            .filter(|i| is_fargate_provider(&i.provider))
            .count();
        if fargate > 0 && fargate < items.len() {
            return Err(format!(
                "{path}: A capacity provider strategy can only contain one capacity provider type from the following list: Amazon ECS Managed Instances, Auto Scaling group, Fargate/Fargate_SPOT (6.1)"
            ));
        }
        Ok(CapacityProviderStrategy {
            items,
            ties: WeightTies::default(),
        })
    }

    /// The item that gets the next task, given how many active tasks each item already has
    /// (parallel to `items`). Base first, then the lowest `(count − base) / weight` (6.2),
    /// ties broken by [`Self::ties`].
    pub fn next_item(&self, counts: &[u32]) -> usize {
        if let Some(b) = self.items.iter().position(|i| i.base > 0) {
            if counts[b] < self.items[b].base {
                return b;
            }
        }
        let mut best: Option<usize> = None;
        for (i, item) in self.items.iter().enumerate() {
            if item.weight == 0 {
                continue;
            }
            best = Some(match best {
                None => i,
                Some(j) => {
                    // Compare (c_i / w_i) < (c_j / w_j) without division.
                    let ci = u64::from(counts[i].saturating_sub(item.base));
                    let cj = u64::from(counts[j].saturating_sub(self.items[j].base));
                    let (wi, wj) = (u64::from(item.weight), u64::from(self.items[j].weight));
                    let (lhs, rhs) = (ci * wj, cj * wi);
                    let tie_to_i = self.ties == WeightTies::HigherWeight && wi > wj;
                    if lhs < rhs || (lhs == rhs && tie_to_i) {
                        i
                    } else {
                        j
                    }
                }
            });
        }
        best.unwrap_or(0)
    }

    /// How `n` tasks split over the items when placed one after another from nothing.
    pub fn split(&self, n: u32) -> Vec<u32> {
        let mut counts = vec![0; self.items.len()];
        for _ in 0..n {
            let i = self.next_item(&counts);
            counts[i] += 1;
        }
        counts
    }

    /// The item to take a task away from on scale-in, given the current counts: the one
    /// furthest above the share [`Self::split`] gives for one task fewer, so the split stays
    /// closest to the ratio ([unconfirmed], 6.2). `None` when no item has tasks.
    pub fn item_to_shrink(&self, counts: &[u32]) -> Option<usize> {
        let total: u32 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let target = self.split(total - 1);
        (0..counts.len())
            .filter(|&i| counts[i] > 0)
            .max_by_key(|&i| {
                (
                    i64::from(counts[i]) - i64::from(target[i]),
                    std::cmp::Reverse(i),
                )
            })
    }

    /// `FARGATE{base:2, weight:1}`-style summary for explanations.
    pub fn label(&self) -> String {
        self.items
            .iter()
            .map(|i| {
                if i.base > 0 {
                    format!("{}{{base {}, weight {}}}", i.provider, i.base, i.weight)
                } else {
                    format!("{}{{weight {}}}", i.provider, i.weight)
                }
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strategy(v: Value) -> CapacityProviderStrategy {
        CapacityProviderStrategy::parse(&v, "capacityProviderStrategy").unwrap()
    }

    #[test]
    fn g20_base_then_weights() {
        let s = strategy(json!([
            {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}
        ]));
        assert_eq!(s.split(10), vec![4, 6]);
        let s = strategy(json!([
            {"capacityProvider": "FARGATE", "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 4}
        ]));
        assert_eq!(s.split(10), vec![2, 8]);
        let s = strategy(json!([
            {"capacityProvider": "FARGATE", "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 1}
        ]));
        assert_eq!(s.split(10), vec![5, 5]);
    }

    #[test]
    fn section_12_item_4_weight_ties_are_switchable_and_g20_holds_either_way() {
        let mut s = strategy(json!([
            {"capacityProvider": "FARGATE", "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}
        ]));
        assert_eq!(
            s.split(1),
            vec![0, 1],
            "higherWeight: the tie goes to weight 3"
        );
        assert_eq!(s.split(4), vec![1, 3]);
        s.ties = WeightTies::StrategyOrder;
        assert_eq!(s.split(1), vec![1, 0], "strategyOrder: to the first item");
        assert_eq!(s.split(4), vec![1, 3]);
        let mut g20 = strategy(json!([
            {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}
        ]));
        g20.ties = WeightTies::StrategyOrder;
        assert_eq!(g20.split(10), vec![4, 6], "G20 under either tie rule");
    }

    #[test]
    fn g20_base_is_filled_first_and_weight_zero_gets_nothing_beyond_it() {
        let s = strategy(json!([
            {"capacityProvider": "cp-on-demand", "base": 3, "weight": 0},
            {"capacityProvider": "cp-spot", "weight": 1}
        ]));
        assert_eq!(s.split(2), vec![2, 0]);
        assert_eq!(s.split(10), vec![3, 7]);
    }

    #[test]
    fn g21_invalid_strategies_are_rejected_naming_the_field() {
        let err = |v: Value| {
            CapacityProviderStrategy::parse(&v, "services[0].capacityProviderStrategy").unwrap_err()
        };
        let e = err(json!([
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "base": 1, "weight": 1}
        ]));
        assert!(
            e.contains("only one capacity provider")
                && e.starts_with("services[0].capacityProviderStrategy"),
            "{e}"
        );
        let e = err(json!([
            {"capacityProvider": "FARGATE", "weight": 0},
            {"capacityProvider": "FARGATE_SPOT"}
        ]));
        assert!(e.contains("weight greater than 0"), "{e}");
        let e = err(json!([
            {"capacityProvider": "FARGATE", "weight": 1},
            {"capacityProvider": "cp-asg", "weight": 1}
        ]));
        assert!(
            e.contains("can only contain one capacity provider type"),
            "{e}"
        );
        let e = err(json!([{"capacityProvider": "FARGATE", "weight": 1001}]));
        assert!(e.contains("[0].weight"), "{e}");
    }

    #[test]
    fn scale_in_keeps_the_split_closest_to_the_ratio() {
        let s = strategy(json!([
            {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}
        ]));
        // 4/6 for 10; for 9 the split is 4/5, so a Spot task goes.
        assert_eq!(s.item_to_shrink(&[4, 6]), Some(1));
        // Skewed after an interruption: 4/3 with 7 → the target for 6 is 3/3.
        assert_eq!(s.item_to_shrink(&[4, 3]), Some(0));
        assert_eq!(s.item_to_shrink(&[0, 0]), None);
    }
}
