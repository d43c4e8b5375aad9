//! Property tests of the closed loop (issue: desired count within bounds; no request routed to
//! a target that is unhealthy or draining while a healthy one exists; every target the ALB
//! routes to belongs to a RUNNING task; running tasks never exceed maximumPercent).

use ecs_engine::load_balancer::target_group::TargetState;
use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::json;

#[allow(clippy::too_many_arguments)]
fn scenario(
    seed: u64,
    desired: u32,
    min: u32,
    max: u32,
    rates: (u32, u32),
    blocked: bool,
    delay: u32,
    algorithm: &str,
) -> Simulation {
    let rules = if blocked {
        json!([{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": "sg-alb"}]}])
    } else {
        json!([{"IpProtocol": "tcp", "FromPort": 32768, "ToPort": 65535, "UserIdGroupPairs": [{"GroupId": "sg-alb"}]}])
    };
    let v = json!({
        "version": 1, "seed": seed, "duration": "PT40M",
        "containerInstances": [{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1a", "count": 4, "securityGroups": ["sg-hosts"]}],
        "securityGroups": [{"GroupId": "sg-hosts", "IpPermissions": rules}],
        "loadBalancers": [{"Name": "front", "SecurityGroups": ["sg-alb"]}],
        "listeners": [{"LoadBalancerArn": "front", "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web"}]}],
        "targetGroups": [{"Name": "web", "Port": 80, "HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": 5,
            "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": delay.to_string()},
                           {"Key": "load_balancing.algorithm.type", "Value": algorithm}]}],
        "taskDefinitions": [{"family": "web", "cpu": "512", "memory": "1024",
            "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 1024, "portMappings": [{"containerPort": 80}]}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": desired,
            "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 50},
            "loadBalancers": [{"targetGroupArn": "web", "containerName": "app", "containerPort": 80}]}],
        "updateServices": [{"at": "PT12M", "service": "web", "forceNewDeployment": true}],
        "scalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": min, "MaxCapacity": max}],
        "scalingPolicies": [
            {"PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
             "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
             "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50, "ScaleOutCooldown": 60, "ScaleInCooldown": 60,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}},
            {"PolicyName": "requests", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
             "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
             "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 3000,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget",
                    "ResourceLabel": "app/front/1/targetgroup/web/2"}}}
        ],
        "loadProfiles": [{"targetGroup": "web", "requests": {"type": "step", "initial": rates.0,
            "steps": [{"at": "PT20M", "requestsPerSecond": rates.1}]},
            "cost": {"cpuUnitMsPerRequest": 2048, "memoryPerInflightMiB": 0.5}}]
    });
    Simulation::new(Scenario::from_value(v).expect("valid"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn closed_loop_invariants_hold(
        seed in 0u64..1000,
        min in 1u32..4,
        span in 0u32..8,
        start in 0u32..12,
        rates in (0u32..2000, 0u32..2000),
        blocked in any::<bool>(),
        delay in 0u32..120,
        algorithm in prop::sample::select(vec!["round_robin", "least_outstanding_requests", "weighted_random"]),
    ) {
        let max = min + span;
        let desired = start.clamp(min, max);
        let mut sim = scenario(seed, desired, min, max, rates, blocked, delay, algorithm);
        let mut checks = 0;
        let mut last_route = None;
        while let Some(now) = sim.step() {
            let d = sim.services()[0].desired_count;
            prop_assert!((min..=max).contains(&d), "desired {d} outside [{min}, {max}] at {now}");
            let active = sim.tasks().iter().filter(|t| t.service == Some(0) && t.is_active()).count();
            prop_assert!(active <= 2 * max as usize, "more than maximumPercent of the largest desired count");
            let just_routed = sim.routed_at() != last_route;
            last_route = sim.routed_at();
            for tg in sim.target_groups() {
                let healthy = tg.targets.iter().any(|x| x.state == TargetState::Healthy);
                for x in &tg.targets {
                    let task = &sim.tasks()[x.task];
                    if x.state != TargetState::Draining {
                        prop_assert_eq!(task.last_status, TaskStatus::Running, "a routable target's task is RUNNING");
                        prop_assert!(task.is_active());
                    }
                    let load = sim.task_loads().get(x.task).map_or(0.0, |l| l.offered_rps);
                    if just_routed && load > 0.0 {
                        // The routing tick that just ran sent requests here.
                        prop_assert_eq!(task.last_status, TaskStatus::Running, "traffic only to RUNNING tasks");
                        prop_assert!(x.state != TargetState::Draining, "no traffic to a draining target");
                        prop_assert!(!healthy || x.state == TargetState::Healthy, "no traffic to an unhealthy target while a healthy one exists");
                    }
                }
            }
            checks += 1;
            if now >= SimTime(40 * 60_000) { break; }
        }
        prop_assert!(checks > 100);
    }
}
