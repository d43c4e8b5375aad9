//! Allocation strategies of a mixed instances policy (the EC2 Auto Scaling API reference's
//! `InstancesDistribution`): which override each launch uses, by zone.

mod support;

use std::collections::BTreeMap;

use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, group, logged, sim};

/// A group of `desired` instances over two zones from three overrides, all Spot above a base
/// of `base` On-Demand instances, with `distribution` added.
fn mixed(desired: u32, base: u32, distribution: Value) -> Value {
    let mut d = json!({"OnDemandBaseCapacity": base, "OnDemandPercentageAboveBaseCapacity": 0});
    for (k, v) in distribution.as_object().unwrap() {
        d[k] = v.clone();
    }
    json!({
        "version": 1, "seed": 2, "duration": "PT30M",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "launchTemplates": [{"LaunchTemplateName": "lt", "LaunchTemplateData": {"ImageId": "ami-1"}}],
        "autoScalingGroups": [{"AutoScalingGroupName": "mixed", "MinSize": 0, "MaxSize": 20,
            "DesiredCapacity": desired, "VPCZoneIdentifier": "subnet-a,subnet-b",
            "MixedInstancesPolicy": {
                "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "lt"},
                    "Overrides": [{"InstanceType": "r5.large"}, {"InstanceType": "m5.large"}, {"InstanceType": "c5.large"}]},
                "InstancesDistribution": d}}]
    })
}

/// Spot instances per (zone, type), and the On-Demand types.
fn launched(s: &Simulation) -> (BTreeMap<(String, String), usize>, Vec<String>) {
    let mut spot = BTreeMap::new();
    let mut on_demand = Vec::new();
    for i in &group(s).instances {
        let name = i.instance_type.name.to_string();
        match i.lifecycle {
            ecs_engine::scenario::Lifecycle::Spot => {
                *spot.entry((i.availability_zone.clone(), name)).or_insert(0) += 1
            }
            ecs_engine::scenario::Lifecycle::OnDemand => on_demand.push(name),
        }
    }
    (spot, on_demand)
}

fn by_spot_price() -> Vec<&'static str> {
    let mut t: Vec<_> = ["r5.large", "m5.large", "c5.large"]
        .iter()
        .map(|n| ecs_engine::instance_types::lookup(n).unwrap())
        .collect();
    t.sort_by(|a, b| a.spot_usd_per_hour.total_cmp(&b.spot_usd_per_hour));
    t.iter().map(|t| t.name).collect()
}

#[test]
fn lowest_price_spreads_each_zone_evenly_over_its_two_cheapest_pools() {
    let mut s = sim(mixed(8, 0, json!({})));
    at(&mut s, 5 * 60);
    let (spot, _) = launched(&s);
    let cheap = by_spot_price();
    for az in ["us-east-1a", "us-east-1b"] {
        for t in &cheap[..2] {
            assert_eq!(spot[&(az.to_string(), t.to_string())], 2, "{spot:?}");
        }
        assert!(!spot.contains_key(&(az.to_string(), cheap[2].to_string())));
    }
}

#[test]
fn price_capacity_optimized_takes_the_cheapest_pool_and_prioritized_on_demand_the_first_override() {
    let mut s = sim(mixed(
        6,
        2,
        json!({"SpotAllocationStrategy": "price-capacity-optimized"}),
    ));
    at(&mut s, 5 * 60);
    let (spot, on_demand) = launched(&s);
    assert_eq!(on_demand, vec!["r5.large", "r5.large"]);
    assert!(
        spot.keys().all(|(_, t)| t == by_spot_price()[0]),
        "{spot:?}"
    );
    assert_eq!(spot.values().sum::<usize>(), 4);
}

#[test]
fn capacity_optimized_prioritized_follows_the_overrides_and_lowest_price_on_demand_the_price() {
    let mut s = sim(mixed(
        5,
        1,
        json!({"SpotAllocationStrategy": "capacity-optimized-prioritized",
        "OnDemandAllocationStrategy": "lowest-price"}),
    ));
    at(&mut s, 5 * 60);
    let (spot, on_demand) = launched(&s);
    let cheapest_on_demand = ["r5.large", "m5.large", "c5.large"]
        .iter()
        .map(|n| ecs_engine::instance_types::lookup(n).unwrap())
        .min_by(|a, b| {
            a.on_demand_usd_per_hour
                .total_cmp(&b.on_demand_usd_per_hour)
        })
        .unwrap();
    assert_eq!(on_demand, vec![cheapest_on_demand.name]);
    assert!(spot.keys().all(|(_, t)| t == "r5.large"), "{spot:?}");
}

#[test]
fn spot_max_price_below_every_pool_launches_no_spot_instance() {
    let mut s = sim(mixed(3, 1, json!({"SpotMaxPrice": "0.001"})));
    at(&mut s, 5 * 60);
    let (spot, on_demand) = launched(&s);
    assert!(spot.is_empty());
    assert_eq!(on_demand.len(), 1);
    assert!(logged(&s, "no Spot pool in us-east-1"));
}
