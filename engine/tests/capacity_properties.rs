//! Property tests of capacity (issue 5): Auto Scaling groups stay within their bounds,
//! managed termination protection never terminates an instance that runs tasks, Fargate Spot
//! replacements never land on FARGATE, and a strategy's base is honoured before its weights.

use ecs_engine::{Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::json;

fn run_checked(doc: serde_json::Value, minutes: u64, mut check: impl FnMut(&Simulation)) {
    let mut sim = Simulation::new(Scenario::from_value(doc).expect("valid scenario"));
    for m in 0..=minutes {
        sim.advance_to(SimTime(m * 60_000 + 30_000))
            .expect("no livelock");
        check(&sim);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Groups stay between MinSize and MaxSize, and with managed termination protection no
    /// task is ever killed by a scale-in.
    #[test]
    fn groups_stay_in_bounds_and_protection_keeps_busy_instances(
        seed in 0u64..1000,
        min in 0u32..3,
        span in 1u32..8,
        changes in proptest::collection::vec((1u64..50, 0u32..24), 1..5),
    ) {
        let max = min + span;
        let updates: Vec<_> = changes
            .iter()
            .map(|(m, d)| json!({"at": m * 60, "service": "web", "cluster": "prod", "desiredCount": d}))
            .collect();
        let doc = json!({
            "version": 1, "seed": seed, "duration": "PT1H",
            "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                        {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
            "launchTemplates": [{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "m5.large",
                "UserData": "ZWNobyBFQ1NfQ0xVU1RFUj1wcm9kID4+IC9ldGMvZWNzL2Vjcy5jb25maWc="}}],
            "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": min, "MaxSize": max, "DesiredCapacity": min,
                "LaunchTemplate": {"LaunchTemplateName": "ecs"}, "VPCZoneIdentifier": "subnet-a,subnet-b",
                "NewInstancesProtectedFromScaleIn": true}],
            "capacityProviders": [{"name": "cp", "autoScalingGroupProvider": {"autoScalingGroupArn": "asg",
                "managedScaling": {"status": "ENABLED", "targetCapacity": 100, "instanceWarmupPeriod": 60},
                "managedTerminationProtection": "ENABLED"}}],
            "clusters": [{"clusterName": "prod", "capacityProviders": ["cp"],
                "defaultCapacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}]}],
            "taskDefinitions": [{"family": "web", "cpu": "1024", "memory": "1024",
                "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 1024}]}],
            "services": [{"serviceName": "web", "cluster": "prod", "taskDefinition": "web", "desiredCount": 4}],
            "updateServices": updates
        });
        run_checked(doc, 60, |sim| {
            let g = &sim.auto_scaling_groups()[0];
            assert!(g.desired >= min && g.desired <= max, "desired {} outside {min}..={max}", g.desired);
            assert!(g.live_count() <= max, "{} instances above MaxSize {max}", g.live_count());
            assert!(
                sim.tasks().iter().all(|t| t.stop_code.as_deref() != Some("TerminationNotice")),
                "a scale-in terminated an instance that ran a task"
            );
        });
    }

    /// A group scaled by step and simple policies on its cluster's reservation alarms stays
    /// between MinSize and MaxSize, whatever the steps, percentages, thresholds and load, and
    /// a policy that adds capacity never lowers it.
    #[test]
    fn step_and_simple_policies_keep_the_group_in_bounds(
        seed in 0u64..1000,
        min in 0u32..3,
        span in 1u32..6,
        out_step in -2i64..6,
        percent in prop::bool::ANY,
        high in 10u32..95,
        in_step in -4i64..2,
        changes in proptest::collection::vec((1u64..40, 0u32..16), 1..4),
    ) {
        let max = min + span;
        let updates: Vec<_> = changes
            .iter()
            .map(|(m, d)| json!({"at": m * 60, "service": "web", "cluster": "prod", "desiredCount": d}))
            .collect();
        let adjustment = if percent { "PercentChangeInCapacity" } else { "ChangeInCapacity" };
        let doc = json!({
            "version": 1, "seed": seed, "duration": "PT45M",
            "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}],
            "launchTemplates": [{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "m5.large",
                "UserData": "ZWNobyBFQ1NfQ0xVU1RFUj1wcm9kID4+IC9ldGMvZWNzL2Vjcy5jb25maWc="}}],
            "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": min, "MaxSize": max, "DesiredCapacity": min,
                "LaunchTemplate": {"LaunchTemplateName": "ecs"}, "VPCZoneIdentifier": "subnet-a"}],
            "autoScalingPolicies": [
                {"AutoScalingGroupName": "asg", "PolicyName": "out", "PolicyType": "StepScaling", "AdjustmentType": adjustment,
                 "EstimatedInstanceWarmup": 60, "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": out_step * 25}]},
                {"AutoScalingGroupName": "asg", "PolicyName": "in", "AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": in_step, "Cooldown": 60}],
            "alarms": [
                {"AlarmName": "high", "Namespace": "AWS/ECS", "MetricName": "CPUReservation", "Dimensions": [{"Name": "ClusterName", "Value": "prod"}],
                 "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": high, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": ["out"]},
                {"AlarmName": "low", "Namespace": "AWS/ECS", "MetricName": "CPUReservation", "Dimensions": [{"Name": "ClusterName", "Value": "prod"}],
                 "Statistic": "Average", "Period": 60, "EvaluationPeriods": 2, "Threshold": high / 2, "ComparisonOperator": "LessThanThreshold", "AlarmActions": ["in"]}],
            "taskDefinitions": [{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "cpu": 1024, "memory": 1024}]}],
            "services": [{"serviceName": "web", "cluster": "prod", "taskDefinition": "web", "desiredCount": 2}],
            "updateServices": updates
        });
        run_checked(doc, 45, |sim| {
            let g = &sim.auto_scaling_groups()[0];
            assert!(g.desired >= min && g.desired <= max, "desired {} outside {min}..={max}", g.desired);
            assert!(g.live_count() <= max, "{} instances above MaxSize {max}", g.live_count());
            // A policy that adds capacity never lowers it (warm-up included).
            if out_step > 0 {
                for e in sim.log().entries() {
                    let Some(rest) = e.message.split("triggered policy out changing the desired capacity from ").nth(1) else {
                        continue;
                    };
                    let numbers: Vec<u32> = rest
                        .split(['.', ' '])
                        .filter_map(|w| w.parse().ok())
                        .take(2)
                        .collect();
                    assert!(numbers[1] > numbers[0], "{}", e.message);
                }
            }
        });
    }

    /// Fargate Spot interruptions and shortages never move the Spot share to FARGATE, and the
    /// base is filled before the weights.
    #[test]
    fn fargate_spot_never_falls_back_and_base_comes_first(
        seed in 0u64..1000,
        desired in 1u32..16,
        base in 0u32..4,
        w_on_demand in 0u32..3,
        w_spot in 1u32..4,
        interruptions in proptest::collection::vec((2u64..50, 1u32..4), 0..4),
        shortage in proptest::option::of((2u64..40, 1u64..20)),
    ) {
        let mut faults: Vec<_> = interruptions
            .iter()
            .map(|(m, c)| json!({"type": "FargateSpotInterruption", "at": m * 60, "count": c}))
            .collect();
        if let Some((from, len)) = shortage {
            faults.push(json!({"type": "FargateSpotCapacityShortage", "at": from * 60, "duration": len * 60}));
        }
        let mut on_demand = json!({"capacityProvider": "FARGATE", "weight": w_on_demand});
        if base > 0 {
            on_demand["base"] = json!(base);
        }
        let doc = json!({
            "version": 1, "seed": seed, "duration": "PT1H",
            "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                        {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
            "clusters": [{"clusterName": "default", "capacityProviders": ["FARGATE", "FARGATE_SPOT"]}],
            "taskDefinitions": [{"family": "api", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                "cpu": "256", "memory": "512",
                "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true}]}],
            "services": [{"serviceName": "api", "taskDefinition": "api", "desiredCount": desired,
                "capacityProviderStrategy": [on_demand, {"capacityProvider": "FARGATE_SPOT", "weight": w_spot}],
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}}],
            "faults": faults
        });
        let strategy = ecs_engine::capacity_provider::CapacityProviderStrategy::parse(
            &doc["services"][0]["capacityProviderStrategy"], "s").unwrap();
        let share = strategy.split(desired);
        run_checked(doc, 60, |sim| {
            let started_on_fargate = sim.tasks().iter().filter(|t| t.capacity_provider == Some(0)).count() as u32;
            assert!(started_on_fargate <= share[0], "{started_on_fargate} FARGATE tasks for a share of {}", share[0]);
            let svc = &sim.services()[0];
            let fargate_now = sim.tasks().iter().filter(|t| t.is_active() && t.capacity_provider == Some(0)).count() as u32
                + svc.waiting[0].len() as u32;
            assert!(fargate_now >= base.min(desired), "base {base} not honoured: {fargate_now}");
        });
    }
}
