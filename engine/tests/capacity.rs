//! Golden cases of `shared/ecs-semantics.md` section 13 for capacity (sections 6 and 7):
//! capacity provider strategies (G20, G21), managed scaling of Auto Scaling group providers
//! (G28–G30), EC2 Spot draining (G31) and Fargate Spot interruptions (G32), run end to end.

use ecs_engine::auto_scaling_group::GroupInstanceState;
use ecs_engine::container_instance::InstanceStatus;
use ecs_engine::event_log::EventKind;
use ecs_engine::load_balancer::target_group::TargetState;
use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

fn sim(scenario: Value) -> Simulation {
    Simulation::new(Scenario::from_value(scenario).expect("valid scenario"))
}

fn at(sim: &mut Simulation, secs: u64) {
    sim.advance_to(SimTime(secs * 1000)).expect("no livelock");
}

/// Active tasks of service 0 on provider `name`, by status.
fn on_provider(sim: &Simulation, name: &str, status: Option<TaskStatus>) -> usize {
    let p = sim.capacity_providers().find(name).unwrap();
    sim.tasks()
        .iter()
        .filter(|t| t.is_active() && t.capacity_provider == Some(p))
        .filter(|t| status.is_none_or(|s| t.last_status == s))
        .count()
}

/// Tasks whose last status is RUNNING.
fn running_tasks(sim: &Simulation) -> usize {
    sim.tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Running)
        .count()
}

fn fargate_td() -> Value {
    json!({"family": "api", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
           "cpu": "256", "memory": "512",
           "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:latest", "essential": true,
               "portMappings": [{"containerPort": 80}]}]})
}

fn fargate(strategy: Value, desired: u32, extra: Value) -> Value {
    let mut v = json!({
        "version": 1, "seed": 3, "duration": "PT1H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "clusters": [{"clusterName": "default", "capacityProviders": ["FARGATE", "FARGATE_SPOT"]}],
        "taskDefinitions": [fargate_td()],
        "services": [{"serviceName": "api", "taskDefinition": "api", "desiredCount": desired,
            "capacityProviderStrategy": strategy,
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}}]
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[test]
fn g20_fargate_base_and_weights_split_a_service() {
    let strategy = json!([{"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                          {"capacityProvider": "FARGATE_SPOT", "weight": 3}]);
    let mut s = sim(fargate(strategy, 10, json!({})));
    at(&mut s, 300);
    assert_eq!(on_provider(&s, "FARGATE", Some(TaskStatus::Running)), 4);
    assert_eq!(
        on_provider(&s, "FARGATE_SPOT", Some(TaskStatus::Running)),
        6
    );
    // Balanced across the subnets' zones (3.1).
    let in_zone = |z: &str| {
        s.tasks()
            .iter()
            .filter(|t| {
                t.is_active() && s.cluster().instances[t.reservation.slot].availability_zone == z
            })
            .count()
    };
    assert_eq!((in_zone("us-east-1a"), in_zone("us-east-1b")), (5, 5));
    // Fargate hosts are not container instances of the cluster.
    assert!(!s
        .time_series()
        .series
        .contains_key("cluster/default/containerInstances"));
    assert!(s.cost().fargate_usd_per_hour > 0.0 && s.cost().ec2_usd_per_hour == 0.0);
}

#[test]
fn g21_invalid_strategies_stop_create_service_naming_the_field() {
    for (strategy, words) in [
        (
            json!([{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "base": 1, "weight": 1}]),
            "only one capacity provider",
        ),
        (
            json!([{"capacityProvider": "FARGATE", "weight": 0},
                {"capacityProvider": "FARGATE_SPOT", "weight": 0}]),
            "weight greater than 0",
        ),
    ] {
        let s = sim(fargate(strategy, 2, json!({})));
        assert!(s.services().is_empty());
        let logged = s.log().entries().iter().any(|e| {
            e.message
                .starts_with("services[0].capacityProviderStrategy")
                && e.message.contains(words)
        });
        assert!(logged, "{words}");
    }
    let mut both = fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        2,
        json!({}),
    );
    both["services"][0]["launchType"] = json!("FARGATE");
    let s = sim(both);
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("Specifying both a launch type and capacity provider strategy")));
}

#[test]
fn g32_fargate_spot_interruption_sigkill_at_stop_timeout_and_no_fallback() {
    for (stop_timeout, kill_after) in [(None, 30u64), (Some(120), 120)] {
        let mut v = fargate(
            json!([{"capacityProvider": "FARGATE", "base": 1, "weight": 0},
                   {"capacityProvider": "FARGATE_SPOT", "weight": 1}]),
            3,
            json!({
                "options": {"lifecycle": {"appExitSeconds": 1000}},
                "faults": [{"type": "FargateSpotInterruption", "at": "PT10M", "count": 1}]
            }),
        );
        if let Some(t) = stop_timeout {
            v["taskDefinitions"][0]["containerDefinitions"][0]["stopTimeout"] = json!(t);
        }
        let mut s = sim(v);
        at(&mut s, 600);
        let victim = s
            .tasks()
            .iter()
            .position(|t| t.stopped_reason.as_deref() == Some("Your Spot Task was interrupted."))
            .expect("a Spot task was interrupted");
        assert_eq!(s.tasks()[victim].last_status, TaskStatus::Stopping);
        at(&mut s, 600 + kill_after - 1);
        assert_eq!(
            s.tasks()[victim].last_status,
            TaskStatus::Stopping,
            "SIGKILL not before {kill_after} s"
        );
        // SIGKILL at stopTimeout ends the containers; the task's ENI is then detached and
        // deleted (10.1 DEPROVISIONING, 10 s by default) before it is STOPPED.
        at(&mut s, 600 + kill_after);
        assert_eq!(s.tasks()[victim].last_status, TaskStatus::Deprovisioning);
        at(&mut s, 600 + kill_after + 10);
        assert_eq!(s.tasks()[victim].last_status, TaskStatus::Stopped);
        assert_eq!(
            s.tasks()[victim].stop_code.as_deref(),
            Some("SpotInterruption")
        );
        at(&mut s, 900);
        // The replacement ran on FARGATE_SPOT; FARGATE still has only its base task.
        assert_eq!(
            on_provider(&s, "FARGATE_SPOT", Some(TaskStatus::Running)),
            2
        );
        assert_eq!(on_provider(&s, "FARGATE", None), 1);
        let fargate = s.capacity_providers().find("FARGATE").unwrap();
        assert_eq!(
            s.tasks()
                .iter()
                .filter(|t| t.capacity_provider == Some(fargate))
                .count(),
            1
        );
    }
}

#[test]
fn g32_without_spot_capacity_the_spot_share_waits_and_never_falls_back() {
    let mut s = sim(fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1},
               {"capacityProvider": "FARGATE_SPOT", "weight": 1}]),
        4,
        json!({"faults": [
            {"type": "FargateSpotCapacityShortage", "at": "PT5M", "duration": "PT20M"},
            {"type": "FargateSpotInterruption", "at": "PT10M", "count": 2}
        ]}),
    ));
    at(&mut s, 20 * 60);
    assert_eq!(on_provider(&s, "FARGATE", Some(TaskStatus::Running)), 2);
    assert_eq!(on_provider(&s, "FARGATE_SPOT", None), 0);
    assert_eq!(
        s.services()[0].waiting_total(),
        2,
        "the Spot share waits in PROVISIONING"
    );
    assert!(s.services()[0]
        .events
        .iter()
        .any(|e| e.message.contains("Capacity is unavailable at this time")));
    at(&mut s, 30 * 60);
    assert_eq!(
        on_provider(&s, "FARGATE_SPOT", Some(TaskStatus::Running)),
        2
    );
    assert_eq!(on_provider(&s, "FARGATE", None), 2);
}

fn asg_scenario(
    instance_type: &str,
    min_step: u32,
    max_step: u32,
    desired: u32,
    cpu: u32,
) -> Value {
    json!({
        "version": 1, "seed": 11, "duration": "PT2H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "launchTemplates": [{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": instance_type,
            "UserData": "IyEvYmluL2Jhc2gKZWNobyBFQ1NfQ0xVU1RFUj1wcm9kID4+IC9ldGMvZWNzL2Vjcy5jb25maWcK"}}],
        "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 20, "DesiredCapacity": 0,
            "LaunchTemplate": {"LaunchTemplateName": "ecs", "Version": "$Latest"},
            "VPCZoneIdentifier": "subnet-a,subnet-b", "NewInstancesProtectedFromScaleIn": true}],
        "capacityProviders": [{"name": "cp-asg", "autoScalingGroupProvider": {
            "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/asg",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 100,
                               "minimumScalingStepSize": min_step, "maximumScalingStepSize": max_step},
            "managedTerminationProtection": "ENABLED"}}],
        "clusters": [{"clusterName": "prod", "capacityProviders": ["cp-asg"],
                      "defaultCapacityProviderStrategy": [{"capacityProvider": "cp-asg", "weight": 1}]}],
        "taskDefinitions": [{"family": "web", "cpu": cpu.to_string(), "memory": "1024",
            "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 1024}]}],
        "services": [{"serviceName": "web", "cluster": "prod", "taskDefinition": "web", "desiredCount": desired}]
    })
}

fn reservation_at(sim: &Simulation, minute: usize) -> f64 {
    sim.time_series().series["capacityProvider/cp-asg/CapacityProviderReservation"][minute]
}

#[test]
fn g28_scaling_from_zero_then_in_to_the_instances_that_run_tasks() {
    // m5.large: 2048 CPU units, two 1024-unit tasks each; 6 tasks need 3 instances.
    let mut v = asg_scenario("m5.large", 1, 10_000, 6, 1024);
    v["updateServices"] =
        json!([{"at": "PT20M", "service": "web", "cluster": "prod", "desiredCount": 2}]);
    let mut s = sim(v);
    at(&mut s, 1);
    // N = 0 and M = 3 → 200 %: scale out at once.
    assert_eq!(reservation_at(&s, 0), 200.0);
    assert_eq!(s.auto_scaling_groups()[0].desired, 3);
    assert_eq!(s.services()[0].waiting_total(), 6);
    at(&mut s, 5 * 60);
    let running = running_tasks(&s);
    assert_eq!(running, 6);
    assert_eq!(reservation_at(&s, 5), 100.0);
    // The instances joined cluster prod through the launch template's user data.
    assert!(s.cluster().instances.iter().all(|i| i.cluster == "prod"));
    // Desired 2: the tasks left run on fewer instances; the metric falls below 100 and after
    // 15 low minutes the group shrinks to the instances that run tasks.
    at(&mut s, 22 * 60);
    let busy = |s: &Simulation| {
        s.cluster()
            .instances
            .iter()
            .enumerate()
            .filter(|(slot, i)| {
                i.status != InstanceStatus::Inactive
                    && s.tasks()
                        .iter()
                        .any(|t| t.is_active() && t.reservation.slot == *slot)
            })
            .count() as u32
    };
    let m = busy(&s);
    assert!(m < 3);
    assert!(reservation_at(&s, 21) < 100.0);
    // Low from minute 21: the 15th low datapoint is minute 35.
    at(&mut s, 34 * 60 + 59);
    assert_eq!(
        s.auto_scaling_groups()[0].desired,
        3,
        "not before 15 datapoints"
    );
    at(&mut s, 35 * 60);
    assert_eq!(s.auto_scaling_groups()[0].desired, m);
    at(&mut s, 45 * 60);
    // Managed termination protection: no task was killed by the scale-in.
    assert!(s
        .tasks()
        .iter()
        .all(|t| t.stop_code.as_deref() != Some("TerminationNotice")));
    assert_eq!(busy(&s), m);
    assert_eq!(reservation_at(&s, 44), 100.0);
}

#[test]
fn g29_step_sizes_and_warm_up() {
    // 16 tasks, two per m5.large: 8 instances needed; max step 5, then warm-up (300 s).
    let mut s = sim(asg_scenario("m5.large", 2, 5, 16, 1024));
    at(&mut s, 1);
    assert_eq!(s.auto_scaling_groups()[0].desired, 5);
    at(&mut s, 299);
    assert_eq!(
        s.auto_scaling_groups()[0].desired,
        5,
        "blocked by instanceWarmupPeriod"
    );
    at(&mut s, 301);
    assert_eq!(s.auto_scaling_groups()[0].desired, 8);
    // One more task needs one instance: the minimum step launches 2.
    let mut s = sim(asg_scenario("m5.large", 2, 5, 1, 1024));
    at(&mut s, 1);
    assert_eq!(s.auto_scaling_groups()[0].desired, 2);
}

#[test]
fn g30_a_task_too_large_for_the_group_waits_and_the_metric_stays_at_100() {
    let mut s = sim(asg_scenario("t3.small", 1, 10_000, 2, 4096));
    at(&mut s, 10 * 60);
    assert_eq!(s.auto_scaling_groups()[0].desired, 0);
    assert_eq!(reservation_at(&s, 5), 100.0);
    assert_eq!(s.services()[0].waiting_total(), 2);
    let reading = s.capacity_provider_reservation(2).unwrap();
    assert_eq!(reading.ignored, 2);
}

fn spot_scenario(draining: bool) -> Value {
    let cfg = if draining {
        json!({"ECS_ENABLE_SPOT_INSTANCE_DRAINING": "true"})
    } else {
        json!({})
    };
    json!({
        "version": 1, "seed": 5, "duration": "PT1H",
        "containerInstances": [
            {"id": "i-0spot00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "lifecycle": "spot", "ecsConfig": cfg},
            {"instanceType": "m5.large", "availabilityZone": "us-east-1b", "count": 2}
        ],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 512, "cpu": 256}]},
                            {"family": "batch", "containerDefinitions": [{"name": "job", "image": "busybox", "essential": true, "memory": 128}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 3,
            "placementStrategy": [{"type": "spread", "field": "instanceId"}],
            "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200}}],
        "runTasks": [{"at": "PT1M", "taskDefinition": "batch", "placementConstraints": [{"type": "memberOf", "expression": "ec2InstanceId == i-0spot00000000001"}]}],
        "faults": [{"type": "SpotInterruption", "at": "PT10M", "instance": "i-0spot00000000001"}]
    })
}

#[test]
fn g31_ec2_spot_notice_drains_and_the_instance_is_gone_at_two_minutes() {
    let mut s = sim(spot_scenario(true));
    at(&mut s, 599);
    let slot = s.cluster().find("i-0spot00000000001").unwrap();
    let on_spot = |s: &Simulation| -> Vec<usize> {
        (0..s.tasks().len())
            .filter(|&t| s.tasks()[t].reservation.slot == slot && s.tasks()[t].service.is_some())
            .collect()
    };
    let old = on_spot(&s);
    assert_eq!(old.len(), 1);
    at(&mut s, 600);
    assert_eq!(s.cluster().instances[slot].status, InstanceStatus::Draining);
    // min 100 %: the replacement starts first; the old task stops once it is healthy.
    at(&mut s, 601);
    assert_eq!(s.tasks()[old[0]].desired_status, TaskStatus::Running);
    let replacements = s
        .tasks()
        .iter()
        .filter(|t| {
            t.service.is_some() && t.reservation.slot != slot && t.created_at >= SimTime(600_000)
        })
        .count();
    assert_eq!(replacements, 1);
    at(&mut s, 719);
    assert_eq!(s.tasks()[old[0]].desired_status, TaskStatus::Stopped);
    let batch = s.tasks().iter().position(|t| t.service.is_none()).unwrap();
    assert_eq!(
        s.tasks()[batch].last_status,
        TaskStatus::Running,
        "standalone tasks keep running"
    );
    at(&mut s, 720);
    assert_eq!(s.cluster().instances[slot].status, InstanceStatus::Inactive);
    assert_eq!(s.tasks()[batch].last_status, TaskStatus::Stopped);
    assert_eq!(
        s.tasks()[batch].stop_code.as_deref(),
        Some("TerminationNotice")
    );
    assert!(s
        .log()
        .entries()
        .iter()
        .any(|e| e.kind == EventKind::Capacity
            && e.message
                .starts_with("EC2 Spot Instance Interruption Warning for i-0spot00000000001")));
}

#[test]
fn g31_without_spot_draining_the_tasks_die_with_the_instance() {
    let mut s = sim(spot_scenario(false));
    at(&mut s, 719);
    let slot = s.cluster().find("i-0spot00000000001").unwrap();
    assert_eq!(s.cluster().instances[slot].status, InstanceStatus::Active);
    at(&mut s, 720);
    let killed = s
        .tasks()
        .iter()
        .filter(|t| {
            t.reservation.slot == slot
                && t.service.is_some()
                && t.stop_code.as_deref() == Some("TerminationNotice")
        })
        .count();
    assert_eq!(killed, 1);
    at(&mut s, 900);
    let running = s
        .tasks()
        .iter()
        .filter(|t| t.service.is_some() && t.last_status == TaskStatus::Running)
        .count();
    assert_eq!(running, 3, "the service replaced the lost task");
}

#[test]
fn spot_instances_in_a_group_are_replaced_by_the_group() {
    let mut v = asg_scenario("m5.large", 1, 10_000, 4, 1024);
    v["launchTemplates"][0]["LaunchTemplateData"]["InstanceMarketOptions"] =
        json!({"MarketType": "spot"});
    v["faults"] =
        json!([{"type": "SpotInterruption", "at": "PT10M", "autoScalingGroup": "asg", "count": 1}]);
    let mut s = sim(v);
    at(&mut s, 9 * 60);
    assert_eq!(s.auto_scaling_groups()[0].live_count(), 2);
    at(&mut s, 12 * 60 + 1);
    let g = &s.auto_scaling_groups()[0];
    assert_eq!(
        g.instances
            .iter()
            .filter(|i| i.state == GroupInstanceState::Terminated)
            .count(),
        1
    );
    assert_eq!(g.live_count(), 2, "a replacement was launched");
    at(&mut s, 20 * 60);
    let running = running_tasks(&s);
    assert_eq!(running, 4);
}

#[test]
fn an_az_outage_moves_fargate_tasks_to_the_other_zone() {
    let mut s = sim(fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        4,
        json!({"faults": [{"type": "AzOutage", "at": "PT10M", "availabilityZone": "us-east-1a", "duration": "PT30M"}]}),
    ));
    at(&mut s, 15 * 60);
    let zones: Vec<String> = s
        .tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Running)
        .map(|t| {
            s.cluster().instances[t.reservation.slot]
                .availability_zone
                .clone()
        })
        .collect();
    assert_eq!(zones.len(), 4);
    assert!(zones.iter().all(|z| z == "us-east-1b"), "{zones:?}");
}

#[test]
fn run_task_on_fargate_starts_or_fails_with_resource_fargate() {
    let mut v = fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        0,
        json!({
            "faults": [{"type": "FargateSpotCapacityShortage", "at": 0}],
            "runTasks": [
                {"at": 60, "taskDefinition": "api", "count": 3, "launchType": "FARGATE",
                 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}},
                {"at": 120, "taskDefinition": "api", "count": 2,
                 "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
                 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}},
                // 3.1: Fargate takes no placement strategy, from RunTask as from CreateService.
                {"at": 180, "taskDefinition": "api", "count": 1, "launchType": "FARGATE",
                 "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
                 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}
            ]
        }),
    );
    v["services"] = json!([]);
    let mut s = sim(v);
    at(&mut s, 300);
    let standalone: Vec<_> = s.tasks().iter().filter(|t| t.service.is_none()).collect();
    assert_eq!(standalone.len(), 3);
    assert!(standalone
        .iter()
        .all(|t| t.last_status == TaskStatus::Running));
    let failures: Vec<_> = s.failures().iter().map(|f| f.reason.as_str()).collect();
    assert_eq!(failures, vec!["RESOURCE:FARGATE", "RESOURCE:FARGATE"]);
    assert!(s.log().entries().iter().any(|e| e
        .message
        .starts_with("RunTask failed: runTasks[2].placementStrategy")
        && e.message
            .contains("Fargate tasks take neither placement strategies nor constraints")));
}

/// EC2 Auto Scaling's own target tracking on instance CPU (issue 5): the group scales
/// instances, not tasks; 3 high datapoints, then `ceil(N × metric / target)`.
#[test]
fn a_group_policy_on_instance_cpu_adds_instances() {
    let doc = json!({
        "version": 1, "seed": 2, "duration": "PT30M",
        "launchTemplates": [{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "m5.large"}}],
        "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": 2, "MaxSize": 6,
            "LaunchTemplate": {"LaunchTemplateName": "ecs"}, "AvailabilityZones": ["us-east-1a", "us-east-1b"]}],
        "autoScalingPolicies": [{"AutoScalingGroupName": "asg", "PolicyName": "cpu50", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {"TargetValue": 50.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 512, "cpu": 1024}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 4}],
        "loadProfiles": [{"service": "web", "requests": {"type": "constant", "requestsPerSecond": 3000},
            "cost": {"cpuUnitMsPerRequest": 1024, "idleCpuUnits": 0, "baselineMemoryMiB": 100}}]
    });
    let mut s = sim(doc);
    at(&mut s, 5 * 60);
    let cpu = &s.time_series().series["autoScalingGroup/asg/CPUUtilization"];
    assert!((cpu[4] - 75.0).abs() < 1.0, "{cpu:?}");
    let first_high = cpu.iter().position(|v| *v > 50.0).unwrap() as u64;
    let scaled = s.auto_scaling_groups()[0]
        .activities
        .iter()
        .find(|a| a.cause.contains("AlarmHigh"))
        .unwrap()
        .at;
    // The series at index m holds the minute before m; the third high datapoint is at index
    // first_high + 2, and the group acts when it is published.
    assert_eq!(scaled.as_ms(), (first_high + 2) * 60_000, "{cpu:?}");
    at(&mut s, 7 * 60);
    assert_eq!(s.auto_scaling_groups()[0].desired, 3);
    assert!(s.auto_scaling_groups()[0]
        .activities
        .iter()
        .any(|a| a.cause.contains("TargetTracking-asg-AlarmHigh")
            && a.cause.contains("policy cpu50")));
    // A group behind a managed-scaling capacity provider takes no other policy (6.4).
    let mut v = asg_scenario("m5.large", 1, 10, 1, 1024);
    v["autoScalingPolicies"] = json!([{"AutoScalingGroupName": "asg", "PolicyName": "p", "PolicyType": "TargetTrackingScaling",
        "TargetTrackingConfiguration": {"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}}]);
    let e = Scenario::from_value(v).unwrap_err();
    assert_eq!(e.path, "autoScalingPolicies[0].AutoScalingGroupName");
}

/// UpdateAutoScalingGroup and the termination policies: without protection the group picks
/// its victims by AZ balance, then `OldestInstance` / `NewestInstance`.
#[test]
fn update_auto_scaling_group_and_termination_policies() {
    for (policy, keep_oldest) in [("OldestInstance", false), ("NewestInstance", true)] {
        let doc = json!({
            "version": 1, "seed": 9, "duration": "PT1H",
            "launchTemplates": [{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "t3.medium"}}],
            "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 4, "DesiredCapacity": 1,
                "LaunchTemplate": {"LaunchTemplateName": "ecs"}, "AvailabilityZones": ["us-east-1a"],
                "TerminationPolicies": [policy]}],
            "updateAutoScalingGroups": [
                {"at": "PT5M", "AutoScalingGroupName": "asg", "DesiredCapacity": 2},
                {"at": "PT10M", "AutoScalingGroupName": "asg", "DesiredCapacity": 1}
            ]
        });
        let mut s = sim(doc);
        at(&mut s, 9 * 60);
        let first = s.auto_scaling_groups()[0].instances[0].id.clone();
        assert_eq!(s.auto_scaling_groups()[0].live_count(), 2);
        at(&mut s, 11 * 60);
        let g = &s.auto_scaling_groups()[0];
        assert_eq!(g.live_count(), 1);
        let kept = g.live().next().unwrap().id.clone();
        assert_eq!(kept == first, keep_oldest, "{policy}");
    }
    let bad = json!({"version": 1,
        "launchTemplates": [{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "t3.medium"}}],
        "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 4,
            "LaunchTemplate": {"LaunchTemplateName": "ecs"}, "AvailabilityZones": ["us-east-1a"], "TerminationPolicies": ["Youngest"]}]});
    assert_eq!(
        Scenario::from_value(bad).unwrap_err().path,
        "autoScalingGroups[0].TerminationPolicies"
    );
}

/// ECS Anywhere (issue 5): EXTERNAL tasks go only to external instances, EC2 tasks never do;
/// external instances have no Availability Zone and no task ENIs.
#[test]
fn external_instances_take_only_external_tasks() {
    let doc = json!({
        "version": 1, "seed": 4, "duration": "PT10M",
        "containerInstances": [
            {"id": "i-0onprem000000001", "instanceType": "m5.xlarge", "external": true},
            {"id": "i-0cloud0000000001", "instanceType": "m5.xlarge", "availabilityZone": "us-east-1a"}
        ],
        "taskDefinitions": [{"family": "app", "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 256, "cpu": 256}]}],
        "services": [
            {"serviceName": "edge", "taskDefinition": "app", "desiredCount": 3, "launchType": "EXTERNAL"},
            {"serviceName": "cloud", "taskDefinition": "app", "desiredCount": 3, "launchType": "EC2"}
        ]
    });
    let mut s = sim(doc);
    at(&mut s, 300);
    let onprem = s.cluster().find("i-0onprem000000001").unwrap();
    for t in s
        .tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Running)
    {
        let external = t.reservation.slot == onprem;
        assert_eq!(
            external,
            t.service == Some(0),
            "task of service {:?}",
            t.service
        );
    }
    assert_eq!(
        s.tasks()
            .iter()
            .filter(|t| t.last_status == TaskStatus::Running)
            .count(),
        6
    );
    let inst = &s.cluster().instances[onprem];
    assert!(inst.attributes.contains_key("ecs.capability.external"));
    assert!(!inst.attributes.contains_key("ecs.availability-zone"));
    assert_eq!(inst.eni_task_capacity, 0);
}

/// A Fargate task that fails to start (G37) leaves no host behind and its service retries.
#[test]
fn a_fargate_task_that_fails_to_start_releases_its_host() {
    let mut s = sim(fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        2,
        json!({"faults": [{"type": "ImagePullFailure", "image": "public.ecr.aws/nginx/nginx:latest"}]}),
    ));
    at(&mut s, 600);
    let failed = s
        .tasks()
        .iter()
        .filter(|t| t.stop_code.as_deref() == Some("TaskFailedToStart"))
        .count();
    assert!(failed >= 2);
    let live_hosts = s
        .cluster()
        .instances
        .iter()
        .filter(|i| i.fargate && i.status != InstanceStatus::Inactive)
        .count();
    let live_tasks = s
        .tasks()
        .iter()
        .filter(|t| t.last_status != TaskStatus::Stopped)
        .count();
    assert_eq!(live_hosts, live_tasks, "one host per live task");
}

/// `options.capacity` set on a scenario.
fn with_capacity_options(mut v: Value, options: Value) -> Value {
    v["options"] = json!({ "capacity": options });
    v
}

#[test]
fn section_12_item_4_weight_ties_choose_the_first_fargate_task_provider() {
    // FARGATE{weight 1} + FARGATE_SPOT{weight 3}, one task: the two are equally below their
    // weight, so the tie rule alone decides.
    let strategy = json!([{"capacityProvider": "FARGATE", "weight": 1},
                          {"capacityProvider": "FARGATE_SPOT", "weight": 3}]);
    let mut s = sim(fargate(strategy.clone(), 1, json!({})));
    at(&mut s, 120);
    assert_eq!(on_provider(&s, "FARGATE_SPOT", None), 1, "higherWeight");
    let v = with_capacity_options(
        fargate(strategy, 1, json!({})),
        json!({"weightTies": "strategyOrder"}),
    );
    let mut s = sim(v);
    at(&mut s, 120);
    assert_eq!(on_provider(&s, "FARGATE", None), 1, "strategyOrder");
}

#[test]
fn section_12_item_8_no_launch_type_and_no_default_strategy() {
    // The cluster has no default strategy and the service names no launch type.
    let mut v = fargate(json!([]), 1, json!({}));
    v["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("capacityProviderStrategy");
    v["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("networkConfiguration");
    v["taskDefinitions"][0]["requiresCompatibilities"] = json!(["EC2"]);
    v["taskDefinitions"][0]["networkMode"] = json!("bridge");
    v["containerInstances"] =
        json!([{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}]);
    // Default: the EC2 launch type ([unconfirmed] 6.1).
    let mut s = sim(v.clone());
    at(&mut s, 120);
    assert_eq!(s.services().len(), 1);
    let t = s.tasks().iter().find(|t| t.is_active()).expect("placed");
    assert_eq!(t.capacity_provider, None);
    // "reject": CreateService fails and says why, naming the field.
    let s = sim(with_capacity_options(
        v,
        json!({"withoutStrategy": "reject"}),
    ));
    assert!(s.services().is_empty());
    assert!(s
        .log()
        .entries()
        .iter()
        .any(|e| e.message.starts_with("services[0].launchType")
            && e.message.contains("no default capacity provider strategy")));
}

#[test]
fn section_12_item_7_the_provisioning_quota_caps_waiting_tasks_and_the_scale_out() {
    // 30 tasks of 1024 units wait for an empty group; the quota lets 10 wait, so managed
    // scaling sizes the first step for those 10 (5 m5.large), not for 30 (15).
    let v = with_capacity_options(
        asg_scenario("m5.large", 1, 10_000, 30, 1024),
        json!({"provisioningTasksPerCluster": 10}),
    );
    let mut s = sim(v);
    at(&mut s, 1);
    assert_eq!(s.services()[0].waiting_total(), 10);
    assert_eq!(s.provisioning_tasks("prod"), 10);
    assert_eq!(s.auto_scaling_groups()[0].desired, 5);
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("already has 10 tasks in the PROVISIONING state")));
    // The rest start as capacity frees the quota: all 30 run in the end.
    at(&mut s, 60 * 60);
    let running = running_tasks(&s);
    assert_eq!(running, 30);
    // The default quota (500) does not bind here: all 30 wait at once (15 instances).
    let mut s = sim(asg_scenario("m5.large", 1, 10_000, 30, 1024));
    at(&mut s, 1);
    assert_eq!(s.services()[0].waiting_total(), 30);
    assert_eq!(s.auto_scaling_groups()[0].desired, 15);
}

#[test]
fn section_12_item_11_scale_from_zero_with_two_instances() {
    // G28's N = 0, M = 3: the estimate launches 3; "twoInstances" launches 2 first, then
    // the rest once they are warm.
    let v = with_capacity_options(
        asg_scenario("m5.large", 1, 10_000, 6, 1024),
        json!({"scaleFromZero": "twoInstances"}),
    );
    let mut s = sim(v);
    at(&mut s, 1);
    assert_eq!(reservation_at(&s, 0), 200.0);
    assert_eq!(s.auto_scaling_groups()[0].desired, 2);
    at(&mut s, 10 * 60);
    assert_eq!(s.auto_scaling_groups()[0].desired, 3);
    let running = running_tasks(&s);
    assert_eq!(running, 6);
}

/// The group's desired capacity at 19 minutes, then each value it takes, minute by minute, up
/// to an hour.
fn desired_steps(v: Value) -> Vec<u32> {
    let mut s = sim(v);
    at(&mut s, 19 * 60);
    let mut steps = vec![s.auto_scaling_groups()[0].desired];
    for minute in 20..60 {
        at(&mut s, minute * 60 + 1);
        let d = s.auto_scaling_groups()[0].desired;
        if d != *steps.last().unwrap() {
            steps.push(d);
        }
    }
    steps
}

#[test]
fn section_12_item_11_scale_in_half_per_minute_steps_down_to_the_goal() {
    // 16 tasks on 8 m5.large, then desired 2: the group's goal is 1 instance. "halfPerMinute"
    // removes (8 − 1) / 2 = 3, then (5 − 1) / 2 = 2, then 1, then 1 ...
    let mut v = with_capacity_options(
        asg_scenario("m5.large", 1, 10_000, 16, 1024),
        json!({"scaleInStep": "halfPerMinute"}),
    );
    v["updateServices"] =
        json!([{"at": "PT20M", "service": "web", "cluster": "prod", "desiredCount": 2}]);
    let seen = desired_steps(v);
    let goal = *seen.last().unwrap();
    assert!(goal <= 2, "{seen:?}");
    assert_eq!(&seen[..3], &[8, 5, 3], "{seen:?}");
    // The default "toGoal" goes there in one step.
    let mut v = asg_scenario("m5.large", 1, 10_000, 16, 1024);
    v["updateServices"] =
        json!([{"at": "PT20M", "service": "web", "cluster": "prod", "desiredCount": 2}]);
    assert_eq!(desired_steps(v), vec![8, goal], "one step");
}

#[test]
fn update_service_to_a_new_strategy_and_target_group_deploys_4_2() {
    // FARGATE{weight 1} to FARGATE_SPOT{weight 1}, and a target group added: a new deployment
    // moves the tasks, and its tasks register as ip targets (awsvpc).
    let mut v = fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        2,
        json!({
            "targetGroups": [{"Name": "api", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "TargetType": "ip"}],
            "updateServices": [
                {"at": "PT5M", "service": "api",
                 "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
                 "loadBalancers": [{"targetGroupArn": "api", "containerName": "app", "containerPort": 80}],
                 "healthCheckGracePeriodSeconds": 30},
                {"at": "PT30M", "service": "api", "healthCheckGracePeriodSeconds": -1}
            ]
        }),
    );
    v["duration"] = json!("PT40M");
    let mut s = sim(v);
    at(&mut s, 4 * 60);
    assert_eq!(on_provider(&s, "FARGATE", Some(TaskStatus::Running)), 2);
    assert!(s.target_groups()[0].targets.is_empty());
    at(&mut s, 20 * 60);
    assert_eq!(
        on_provider(&s, "FARGATE_SPOT", Some(TaskStatus::Running)),
        2
    );
    assert_eq!(on_provider(&s, "FARGATE", None), 0);
    assert_eq!(s.services()[0].deployments.len(), 2);
    assert_eq!(s.services()[0].health_check_grace_ms, 30_000);
    let targets = &s.target_groups()[0].targets;
    assert_eq!(targets.len(), 2);
    assert!(targets
        .iter()
        .all(|t| t.port == 80 && t.state == TargetState::Healthy));
    // A bad value is refused naming the field, and changes nothing.
    at(&mut s, 31 * 60);
    assert!(s.log().entries().iter().any(|e| e
        .message
        .starts_with("updateServices[1].healthCheckGracePeriodSeconds")));
    assert_eq!(s.services()[0].health_check_grace_ms, 30_000);
}

#[test]
fn update_service_to_a_revision_without_the_target_groups_port_is_refused_8_1() {
    // 8.1: a service's target group sends to a container port of the task definition. An
    // UpdateService to api:2, whose container maps 8080 and not 80, is refused as
    // CreateService would refuse it, and the service keeps api:1; giving the target group
    // the new port in the same call deploys api:2.
    let mut td2 = fargate_td();
    td2["containerDefinitions"][0]["portMappings"][0]["containerPort"] = json!(8080);
    let mut v = fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        2,
        json!({
            "targetGroups": [{"Name": "api", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "TargetType": "ip"}],
            "updateServices": [
                {"at": "PT5M", "service": "api", "taskDefinition": "api:2"},
                {"at": "PT10M", "service": "api", "taskDefinition": "api:2",
                 "loadBalancers": [{"targetGroupArn": "api", "containerName": "app", "containerPort": 8080}]}
            ]
        }),
    );
    v["taskDefinitions"] = json!([fargate_td(), td2]);
    v["services"][0]["taskDefinition"] = json!("api:1");
    v["services"][0]["loadBalancers"] =
        json!([{"targetGroupArn": "api", "containerName": "app", "containerPort": 80}]);
    let mut s = sim(v);
    at(&mut s, 6 * 60);
    assert!(s.log().entries().iter().any(|e| e.message
        == "updateServices[0].loadBalancers[0].containerPort: The container app did not have a container port 80 defined."));
    assert_eq!(s.services()[0].task_definition, "api:1");
    assert_eq!(s.services()[0].deployments.len(), 1);
    at(&mut s, 30 * 60);
    assert_eq!(s.services()[0].task_definition, "api:2");
    let targets = &s.target_groups()[0].targets;
    assert_eq!(targets.len(), 2);
    assert!(targets
        .iter()
        .all(|t| t.port == 8080 && t.state == TargetState::Healthy));
}

#[test]
fn one_service_launches_at_most_500_fargate_tasks_a_minute_4_9() {
    // 1,000 tasks: the launch rate alone (a burst of 100, then 20 a second) would start them
    // all within 45 s; the per-service quota holds the first minute at 500.
    let mut v = fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        1000,
        json!({}),
    );
    v["duration"] = json!("PT10M");
    let mut s = sim(v);
    let launched = |s: &Simulation| s.tasks().iter().filter(|t| t.service == Some(0)).count();
    at(&mut s, 59);
    assert_eq!(launched(&s), 500);
    at(&mut s, 5 * 60);
    assert_eq!(launched(&s), 1000);
    assert_eq!(on_provider(&s, "FARGATE", Some(TaskStatus::Running)), 1000);
}

#[test]
fn a_service_holds_at_most_5000_tasks_4_9() {
    // The Service Quotas default "Tasks per service": CreateService above it is refused,
    // naming the field; UpdateService above it changes nothing and says why.
    let s = sim(fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        5001,
        json!({}),
    ));
    assert!(s.services().is_empty());
    assert!(s.log().entries().iter().any(|e| e.message
        == "services[0].desiredCount: 5001 is above the quota of 5000 tasks per service (Service Quotas \"Tasks per service\")"));
    let mut v = fargate(
        json!([{"capacityProvider": "FARGATE", "weight": 1}]),
        2,
        json!({}),
    );
    v["updateServices"] = json!([{"at": 60, "service": "api", "desiredCount": 65536}]);
    let mut s = sim(v);
    at(&mut s, 120);
    assert_eq!(s.services()[0].desired_count, 2);
    assert!(s.log().entries().iter().any(|e| e.message.contains(
        "updateServices[0].desiredCount: 65536 is above the quota of 5000 tasks per service"
    )));
}

#[test]
fn a_capacity_provider_service_reports_capacity_provider_steady_state_9_1() {
    // Once each provider of the strategy has placed its share, the service emits
    // CAPACITY_PROVIDER_STEADY_STATE with the providers' ARNs, beside SERVICE_STEADY_STATE.
    let rule = |name: &str, event: &str| {
        json!({"Name": name, "EventPattern": {"detail-type": ["ECS Service Action"],
            "detail": {"eventName": [event], "capacityProviderArns": [
                "arn:aws:ecs:us-east-1:123456789012:capacity-provider/FARGATE_SPOT"]}}, "Targets": []})
    };
    let strategy = json!([{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                          {"capacityProvider": "FARGATE_SPOT", "weight": 1}]);
    let rules = json!({"eventRules": [rule("cp", "CAPACITY_PROVIDER_STEADY_STATE"),
        {"Name": "svc", "EventPattern": {"detail-type": ["ECS Service Action"],
            "detail": {"eventName": ["SERVICE_STEADY_STATE"]}}, "Targets": []}]});
    let mut s = sim(fargate(strategy, 3, rules));
    at(&mut s, 300);
    assert_eq!(s.event_rule_matches(), &[1, 1]);
    // A service without a strategy reaches only SERVICE_STEADY_STATE.
    let mut v = fargate(json!([]), 2, json!({}));
    v["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("capacityProviderStrategy");
    v["services"][0]["launchType"] = json!("FARGATE");
    v["eventRules"] = json!([rule("cp", "CAPACITY_PROVIDER_STEADY_STATE")]);
    let mut s = sim(v);
    at(&mut s, 300);
    assert!(s.services()[0]
        .events
        .iter()
        .any(|e| e.message == "service api has reached a steady state."));
    assert_eq!(s.event_rule_matches(), &[0]);
}

#[test]
fn a_run_task_on_a_managed_scaling_provider_waits_in_provisioning_and_counts_in_m() {
    // 6.4 / G28: M counts "the provider's PROVISIONING tasks"; a RunTask task with no room
    // waits in PROVISIONING (it does not fail), managed scaling launches an instance for it,
    // and it starts there.
    let mut v = asg_scenario("m5.large", 1, 10_000, 0, 1024);
    v["runTasks"] = json!([{"at": 30, "cluster": "prod", "taskDefinition": "web", "count": 3}]);
    let mut s = sim(v);
    at(&mut s, 31);
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("0 started, 3 waiting in PROVISIONING for capacity")));
    at(&mut s, 61);
    // N = 0 and M = 2 (two 1024-unit tasks per m5.large) → the group grows to 2.
    assert_eq!(reservation_at(&s, 1), 200.0);
    assert_eq!(s.auto_scaling_groups()[0].desired, 2);
    at(&mut s, 6 * 60);
    assert_eq!(running_tasks(&s), 3);
    assert!(s.describe()["failures"]
        .as_array()
        .is_none_or(Vec::is_empty));
}

#[test]
fn run_task_waits_count_in_the_provisioning_quota() {
    // "Tasks in the PROVISIONING state per cluster" counts RunTask tasks waiting for capacity
    // as well as service tasks: with a quota of 2, a RunTask of 3 leaves 2 waiting and the
    // third fails, and a service cannot add waiting tasks on top of them.
    let mut v = with_capacity_options(
        asg_scenario("m5.large", 1, 10_000, 0, 1024),
        json!({"provisioningTasksPerCluster": 2}),
    );
    v["runTasks"] = json!([{"at": 30, "cluster": "prod", "taskDefinition": "web", "count": 3}]);
    v["updateServices"] =
        json!([{"at": 40, "service": "web", "cluster": "prod", "desiredCount": 2}]);
    let mut s = sim(v);
    at(&mut s, 31);
    assert_eq!(s.provisioning_tasks("prod"), 2);
    assert_eq!(s.describe()["failures"].as_array().map_or(0, Vec::len), 1);
    at(&mut s, 41);
    assert_eq!(s.services()[0].waiting_total(), 0);
    assert_eq!(s.provisioning_tasks("prod"), 2);
}

#[test]
fn a_run_task_wait_starts_when_a_drained_instance_is_active_again() {
    // The group is at MaxSize (1) and its instance is DRAINING: a RunTask task waits in
    // PROVISIONING. Set ACTIVE again, the instance has room and the task starts there.
    let mut v = asg_scenario("m5.large", 1, 10_000, 0, 512);
    v["autoScalingGroups"][0]["MaxSize"] = json!(1);
    v["runTasks"] = json!([
        {"at": 30, "cluster": "prod", "taskDefinition": "web"},
        {"at": 610, "cluster": "prod", "taskDefinition": "web"}
    ]);
    let mut s = sim(v.clone());
    at(&mut s, 500);
    assert_eq!(running_tasks(&s), 1);
    let id = s.cluster().instances[0].ec2_instance_id.clone();
    v["updateContainerInstancesState"] = json!([
        {"at": 600, "cluster": "prod", "containerInstances": [id], "status": "DRAINING"},
        {"at": 620, "cluster": "prod", "containerInstances": [id], "status": "ACTIVE"}
    ]);
    let mut s = sim(v);
    at(&mut s, 615);
    assert_eq!(s.provisioning_tasks("prod"), 1);
    at(&mut s, 900);
    assert_eq!(s.provisioning_tasks("prod"), 0);
    assert_eq!(running_tasks(&s), 2);
}

#[test]
fn a_run_task_too_large_for_the_group_fails_and_does_not_block_the_next() {
    // G30: a task larger than the group's smallest type is ignored by managed scaling, so a
    // RunTask of it fails at once (RESOURCE) rather than waiting forever; a later RunTask that
    // fits still waits and starts.
    let mut v = asg_scenario("m5.large", 1, 10_000, 0, 1024);
    v["taskDefinitions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"family": "huge", "cpu": "4096", "memory": "1024",
            "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "memory": 1024}]}));
    v["runTasks"] = json!([
        {"at": 30, "cluster": "prod", "taskDefinition": "huge"},
        {"at": 40, "cluster": "prod", "taskDefinition": "web"}
    ]);
    let mut s = sim(v);
    at(&mut s, 41);
    assert!(s.log().entries().iter().any(|e| e
        .message
        .contains("RunTask huge:1 count 1 in cluster prod: 0 started, 1 failed")));
    at(&mut s, 6 * 60);
    assert_eq!(running_tasks(&s), 1);
}

/// The PROVISIONING entries of DescribeTasks: (task ID, createdAt, capacityProviderName).
fn provisioning(sim: &Simulation) -> Vec<(String, String, String)> {
    sim.describe()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["lastStatus"] == "PROVISIONING" && t.get("containerInstanceArn").is_none())
        .map(|t| {
            let arn = t["taskArn"].as_str().unwrap();
            (
                arn.rsplit('/').next().unwrap().to_string(),
                t["createdAt"].as_str().unwrap().to_string(),
                t["capacityProviderName"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn tasks_waiting_for_capacity_are_task_records_that_keep_their_id_when_placed_10_1() {
    // 10.1: PROVISIONING is "waiting for capacity-provider capacity": the tasks exist from the
    // start (DescribeTasks lists them, no container instance yet, containers PENDING), and
    // each keeps its ID and createdAt when an instance ECS scaled out for it takes it (G28).
    let mut s = sim(asg_scenario("m5.large", 1, 10_000, 4, 1024));
    at(&mut s, 30);
    let waiting = provisioning(&s);
    assert_eq!(waiting.len(), 4, "{waiting:?}");
    assert!(waiting
        .iter()
        .all(|(_, created, cp)| created == "2025-01-01T00:00:00.000Z" && cp == "cp-asg"));
    let first = s.describe_task_by_id(&waiting[0].0).expect("a task record");
    assert_eq!(first["desiredStatus"], "RUNNING");
    assert_eq!(first["containers"][0]["lastStatus"], "PENDING");
    assert_eq!(
        first["startedBy"],
        s.describe()["services"][0]["deployments"][0]["id"]
    );
    at(&mut s, 10 * 60);
    assert!(provisioning(&s).is_empty());
    assert_eq!(running_tasks(&s), 4);
    let mut placed: Vec<&str> = s.tasks().iter().map(|t| t.id.as_str()).collect();
    let mut ids: Vec<&str> = waiting.iter().map(|(id, _, _)| id.as_str()).collect();
    placed.sort_unstable();
    ids.sort_unstable();
    assert_eq!(placed, ids, "the same tasks, placed");
    for t in s.tasks() {
        assert_eq!(t.created_at.as_ms(), 0);
        assert!(
            t.placed_at.as_ms() > 0,
            "placed once an instance registered"
        );
    }
}

#[test]
fn a_scale_in_stops_the_newest_provisioning_tasks_first() {
    // 4.5: scale-in takes tasks that are not running first; of those waiting for capacity
    // the playground stops the newest [unconfirmed order]; the older ones are placed later.
    let mut v = asg_scenario("m5.large", 1, 10_000, 2, 1024);
    v["updateServices"] = json!([{"at": 20, "service": "web", "cluster": "prod", "desiredCount": 5},
        {"at": 40, "service": "web", "cluster": "prod", "desiredCount": 3}]);
    let mut s = sim(v);
    at(&mut s, 30);
    let five = provisioning(&s);
    assert_eq!(five.len(), 5);
    at(&mut s, 45);
    let three = provisioning(&s);
    assert_eq!(three.len(), 3);
    assert_eq!(&three[..], &five[..3], "the two newest went");
    for (id, _, _) in &five[3..] {
        assert!(s.log().entries().iter().any(|e| e.message.starts_with(&format!(
            "task {id} of service web STOPPED while PROVISIONING (ServiceSchedulerInitiated: Scaling activity initiated by (deployment ecs-svc/"
        ))));
    }
    at(&mut s, 10 * 60);
    let mut placed: Vec<String> = s.tasks().iter().map(|t| t.id.clone()).collect();
    placed.sort_unstable();
    let mut kept: Vec<String> = three.into_iter().map(|(id, _, _)| id).collect();
    kept.sort_unstable();
    assert_eq!(placed, kept);
}

#[test]
fn a_run_task_waiting_for_capacity_is_a_provisioning_task_with_its_id() {
    // 10.1 / 6.4: RunTask through a managed scaling provider with no room: its tasks exist,
    // PROVISIONING, and start with the same IDs on the capacity launched for them.
    let mut v = asg_scenario("m5.large", 1, 10_000, 0, 1024);
    v["runTasks"] = json!([{"at": 30, "cluster": "prod", "taskDefinition": "web", "count": 2,
        "startedBy": "nightly"}]);
    let mut s = sim(v);
    at(&mut s, 31);
    let waiting = provisioning(&s);
    assert_eq!(waiting.len(), 2);
    let described = s.describe_task_by_id(&waiting[1].0).unwrap();
    assert_eq!(described["startedBy"], "nightly");
    assert_eq!(described["group"], "family:web");
    at(&mut s, 6 * 60);
    assert_eq!(running_tasks(&s), 2);
    for (id, _, _) in &waiting {
        let t = s.tasks().iter().find(|t| &t.id == id).expect("placed");
        assert_eq!(t.created_at.as_ms(), 30_000);
    }
}

#[test]
fn stop_task_stops_a_provisioning_task_and_the_service_creates_another() {
    // 10.1: a PROVISIONING task can be stopped like any other (StopTask, UserInitiated); the
    // service, one task short, creates another, which waits in its turn.
    let mut v = asg_scenario("m5.large", 1, 10_000, 2, 1024);
    let mut probe = sim(v.clone());
    at(&mut probe, 5);
    let waiting = provisioning(&probe);
    assert_eq!(waiting.len(), 2);
    v["stopTasks"] =
        json!([{"at": 10, "cluster": "prod", "task": waiting[0].0, "reason": "not needed"}]);
    let mut s = sim(v);
    at(&mut s, 11);
    assert!(s.log().entries().iter().any(|e| e.message
        == format!(
            "StopTask: task {} STOPPED while PROVISIONING (UserInitiated: not needed)",
            waiting[0].0
        )));
    let now = provisioning(&s);
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(now.iter().all(|(id, _, _)| id != &waiting[0].0));
    assert_eq!(now[0].0, waiting[1].0);
    assert_eq!(
        now[1].1, "2025-01-01T00:00:10.000Z",
        "a new one, created now"
    );
    at(&mut s, 10 * 60);
    assert_eq!(running_tasks(&s), 2);
}

#[test]
fn a_deployment_replaces_the_provisioning_tasks_of_the_revision_it_replaces_10_1() {
    // 10.1: a PROVISIONING task is a task record, and a record keeps its taskDefinitionArn
    // and startedBy. A deployment while tasks wait for capacity (4.2) stops those of the
    // deployment it replaces and creates its own: no record changes revision under its ID,
    // and the tasks finally placed are the new deployment's, with the IDs shown for them.
    let mut v = asg_scenario("m5.large", 1, 10_000, 2, 1024);
    let mut web2 = v["taskDefinitions"][0].clone();
    web2["containerDefinitions"][0]["image"] = json!("nginx:2");
    v["taskDefinitions"].as_array_mut().unwrap().push(web2);
    v["services"][0]["taskDefinition"] = json!("web:1");
    v["updateServices"] =
        json!([{"at": 10, "service": "web", "cluster": "prod", "taskDefinition": "web:2"}]);
    let mut s = sim(v);
    let records = |s: &Simulation| -> Vec<(String, Value, Value)> {
        s.describe()["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| {
                t["lastStatus"] == "PROVISIONING" && t.get("containerInstanceArn").is_none()
            })
            .map(|t| {
                let id = t["taskArn"].as_str().unwrap().rsplit('/').next().unwrap();
                (
                    id.to_string(),
                    t["taskDefinitionArn"].clone(),
                    t["startedBy"].clone(),
                )
            })
            .collect()
    };
    at(&mut s, 5);
    let before = records(&s);
    assert_eq!(before.len(), 2);
    assert!(before
        .iter()
        .all(|(_, td, _)| td.as_str().unwrap().ends_with("web:1")));
    at(&mut s, 15);
    let after = records(&s);
    assert_eq!(after.len(), 2, "{after:?}");
    let primary = s.services()[0].deployment_id.clone();
    for (id, td, started_by) in &after {
        assert!(td.as_str().unwrap().ends_with("web:2"), "{td}");
        assert_eq!(started_by, &json!(primary));
        assert!(
            before.iter().all(|(old, _, _)| old != id),
            "task {id} was web:1 under the same ID"
        );
    }
    for (old, _, _) in &before {
        assert!(
            s.log()
                .entries()
                .iter()
                .any(|e| e.message.contains(&format!("task {old} "))
                    && e.message.contains("STOPPED while PROVISIONING")),
            "task {old} stopped"
        );
    }
    at(&mut s, 10 * 60);
    assert_eq!(running_tasks(&s), 2);
    let mut placed: Vec<&str> = s.tasks().iter().map(|t| t.id.as_str()).collect();
    let mut ids: Vec<&str> = after.iter().map(|(id, _, _)| id.as_str()).collect();
    placed.sort_unstable();
    ids.sort_unstable();
    assert_eq!(placed, ids);
    assert!(s
        .tasks()
        .iter()
        .all(|t| t.task_definition_arn.ends_with("web:2") && t.created_at.as_ms() == 10_000));
}

#[test]
fn a_provisioning_task_is_described_by_its_arn_or_the_start_of_its_id_as_placed_tasks_are() {
    // describe_task_by_id takes a task's ID, its ARN or the first characters of its ID (the
    // chips show 8); a task waiting in PROVISIONING is a task record like any other (10.1).
    let mut v = asg_scenario("m5.large", 1, 10_000, 0, 1024);
    v["runTasks"] = json!([{"at": 30, "cluster": "prod", "taskDefinition": "web", "count": 1}]);
    let mut s = sim(v);
    at(&mut s, 31);
    let waiting = provisioning(&s);
    assert_eq!(waiting.len(), 1);
    let id = &waiting[0].0;
    let arn = format!("arn:aws:ecs:us-east-1:123456789012:task/prod/{id}");
    for key in [id.as_str(), arn.as_str(), &id[..8]] {
        let described = s
            .describe_task_by_id(key)
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(described["lastStatus"], "PROVISIONING", "{key}");
        assert_eq!(described["taskArn"], json!(arn));
    }
}

#[test]
fn a_capacity_provider_strategy_change_stops_the_provisioning_tasks_it_drops_10_1() {
    // UpdateService capacityProviderStrategy while tasks wait for capacity (6.4): the tasks
    // start again through the new strategy, as new tasks; the PROVISIONING records of the
    // old ones stop (10.1) rather than vanish without a trace.
    let mut v = asg_scenario("m5.large", 1, 10_000, 2, 1024);
    v["updateServices"] = json!([{"at": 10, "service": "web", "cluster": "prod",
        "capacityProviderStrategy": [{"capacityProvider": "cp-asg", "weight": 2, "base": 1}]}]);
    let mut s = sim(v);
    at(&mut s, 5);
    let before = provisioning(&s);
    assert_eq!(before.len(), 2);
    at(&mut s, 15);
    let after = provisioning(&s);
    assert_eq!(after.len(), 2);
    for (old, _, _) in &before {
        assert!(after.iter().all(|(id, _, _)| id != old));
        assert!(
            s.log().entries().iter().any(|e| e.message
                == format!("task {old} of service web STOPPED while PROVISIONING (ServiceSchedulerInitiated: the service's capacity provider strategy changed)")),
            "task {old} stopped"
        );
    }
    at(&mut s, 10 * 60);
    let mut placed: Vec<String> = s.tasks().iter().map(|t| t.id.clone()).collect();
    let mut ids: Vec<String> = after.into_iter().map(|(id, _, _)| id).collect();
    placed.sort_unstable();
    ids.sort_unstable();
    assert_eq!(placed, ids);
}

#[test]
fn g30_provisioning_tasks_stop_after_the_timeout_and_the_service_creates_others() {
    // G30's task waits for capacity that never comes; "provisioning tasks will wait for
    // capacity for between 10 and 30 minutes before transitioning to stopped" (AWS blog, Deep
    // Dive on Amazon ECS Cluster Auto Scaling; 30 by default, options.capacity.
    // provisioningTimeoutMinutes): they stop, and the service creates two more, which wait.
    let mut s = sim(asg_scenario("t3.small", 1, 10_000, 2, 4096));
    at(&mut s, 29 * 60);
    let first = provisioning(&s);
    assert_eq!(first.len(), 2);
    at(&mut s, 31 * 60);
    for (id, _, _) in &first {
        assert!(s.log().entries().iter().any(|e| e.message == format!(
            "task {id} STOPPED while PROVISIONING (TaskFailedToStart: Task stopped: it waited 30 minutes in PROVISIONING for capacity from capacity provider cp-asg)"
        )));
    }
    let second = provisioning(&s);
    assert_eq!(second.len(), 2);
    assert!(second
        .iter()
        .all(|(id, created, _)| !first.iter().any(|f| &f.0 == id)
            && created == "2025-01-01T00:30:00.000Z"));
    // A shorter timeout is a scenario option.
    let mut v = asg_scenario("t3.small", 1, 10_000, 2, 4096);
    v["options"] = json!({"capacity": {"provisioningTimeoutMinutes": 10}});
    let mut s = sim(v);
    at(&mut s, 11 * 60);
    assert!(provisioning(&s)
        .iter()
        .all(|(_, created, _)| created == "2025-01-01T00:10:00.000Z"));
}

#[test]
fn a_run_task_waiting_past_the_timeout_stops() {
    // The same timeout for RunTask's PROVISIONING tasks: the group cannot grow (MaxSize 0),
    // the task stops after 30 minutes and is not replaced.
    let mut v = asg_scenario("m5.large", 1, 10_000, 0, 1024);
    v["autoScalingGroups"][0]["MaxSize"] = json!(0);
    v["runTasks"] = json!([{"at": 60, "cluster": "prod", "taskDefinition": "web"}]);
    let mut s = sim(v);
    at(&mut s, 61);
    let waiting = provisioning(&s);
    assert_eq!(waiting.len(), 1);
    at(&mut s, 31 * 60 + 1);
    assert!(provisioning(&s).is_empty());
    assert!(s
        .log()
        .entries()
        .iter()
        .any(|e| e.message.starts_with(&format!(
            "task {} STOPPED while PROVISIONING (TaskFailedToStart",
            waiting[0].0
        ))));
    at(&mut s, 60 * 60);
    assert!(provisioning(&s).is_empty());
    assert_eq!(running_tasks(&s), 0);
}

#[test]
fn provisioning_tasks_renewed_by_a_deployment_time_out_in_their_turn() {
    // G30's tasks never find capacity. A deployment at 10 minutes replaces their records with
    // ones created then (4.2, 10.1); those stop 30 minutes later, at 40:00, like any
    // PROVISIONING task (options.capacity.provisioningTimeoutMinutes).
    let mut v = asg_scenario("t3.small", 1, 10_000, 2, 4096);
    v["updateServices"] =
        json!([{"at": "PT10M", "service": "web", "cluster": "prod", "forceNewDeployment": true}]);
    let mut s = sim(v);
    at(&mut s, 11 * 60);
    let renewed = provisioning(&s);
    assert_eq!(renewed.len(), 2);
    assert!(renewed
        .iter()
        .all(|(_, created, _)| created == "2025-01-01T00:10:00.000Z"));
    at(&mut s, 41 * 60);
    for (id, _, _) in &renewed {
        assert!(
            s.log()
                .entries()
                .iter()
                .any(|e| e.message.starts_with(&format!(
                    "task {id} STOPPED while PROVISIONING (TaskFailedToStart"
                ))),
            "{id} timed out at 40:00"
        );
    }
    assert!(provisioning(&s)
        .iter()
        .all(|(_, created, _)| created == "2025-01-01T00:40:00.000Z"));
}

/// DescribeTasks of task `id` now.
fn described(sim: &Simulation, id: &str) -> Value {
    sim.describe_task_by_id(id)
        .unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// `(stopCode, stoppedReason)` of a STOPPED task as DescribeTasks returns it, after checking
/// what every task that stopped while PROVISIONING shows: STOPPED, on no container instance,
/// its containers STOPPED, `stoppedAt` at `stopped_at`.
fn stopped_while_provisioning(sim: &Simulation, id: &str, stopped_at: &str) -> (String, String) {
    let t = described(sim, id);
    assert_eq!(t["lastStatus"], "STOPPED", "{t}");
    assert_eq!(t["desiredStatus"], "STOPPED", "{t}");
    assert!(t.get("containerInstanceArn").is_none(), "{t}");
    assert!(t["containers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["lastStatus"] == "STOPPED"));
    assert_eq!(t["stoppedAt"], stopped_at, "{t}");
    assert!(
        sim.describe()["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == &t),
        "DescribeTasks of the whole run lists it"
    );
    (
        t["stopCode"].as_str().unwrap().to_string(),
        t["stoppedReason"].as_str().unwrap().to_string(),
    )
}

#[test]
fn g30_a_provisioning_task_that_timed_out_stays_described_stopped_10_1() {
    // 10.1: stopped tasks stay visible for at least an hour. G30's tasks time out after 30
    // minutes in PROVISIONING (TaskFailedToStart, 10.2); DescribeTasks still returns them,
    // STOPPED, an hour later, and the stopped-task list shows them, never placed.
    let mut s = sim(asg_scenario("t3.small", 1, 10_000, 2, 4096));
    at(&mut s, 60);
    let first = provisioning(&s);
    at(&mut s, 91 * 60);
    for (id, created, _) in &first {
        let (code, reason) = stopped_while_provisioning(&s, id, "2025-01-01T00:30:00.000Z");
        assert_eq!(code, "TaskFailedToStart");
        assert_eq!(reason, "Task stopped: it waited 30 minutes in PROVISIONING for capacity from capacity provider cp-asg");
        assert_eq!(described(&s, id)["createdAt"], json!(created));
    }
    // Three rounds of two timed out (00:30, 01:00, 01:30), newest first.
    let (total, rows) = s.stopped_tasks(4, None);
    assert_eq!(total, 6);
    assert_eq!(rows.len(), 4);
    assert!(rows
        .iter()
        .all(|r| r.never_placed && r.stop_code == "TaskFailedToStart" && r.exit.is_none()));
    assert_eq!(
        rows.iter()
            .map(|r| r.stopped_at.as_ms() / 60_000)
            .collect::<Vec<_>>(),
        [90, 90, 60, 60]
    );
    let (_, all) = s.stopped_tasks(10, None);
    assert!(first
        .iter()
        .all(|(id, _, _)| all[4..].iter().any(|r| &r.id == id)));
}

#[test]
fn a_provisioning_task_stopped_by_stop_task_keeps_the_reason_given_10_2() {
    // 10.2: StopTask gives UserInitiated and the request's reason, for a task that never left
    // PROVISIONING as for any other.
    let mut v = asg_scenario("m5.large", 1, 10_000, 2, 1024);
    let mut probe = sim(v.clone());
    at(&mut probe, 5);
    let id = provisioning(&probe)[0].0.clone();
    v["stopTasks"] = json!([{"at": 10, "cluster": "prod", "task": id, "reason": "not needed"}]);
    let mut s = sim(v);
    at(&mut s, 10 * 60);
    let (code, reason) = stopped_while_provisioning(&s, &id, "2025-01-01T00:00:10.000Z");
    assert_eq!(
        (code.as_str(), reason.as_str()),
        ("UserInitiated", "not needed")
    );
    let (total, rows) = s.stopped_tasks(10, None);
    assert_eq!(total, 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].group, "service:web");
    assert_eq!(rows[0].task_definition, "web:1");
    assert!(s
        .explain_task_placement(&id)
        .unwrap_err()
        .contains("while PROVISIONING (UserInitiated: not needed)"));
}

#[test]
fn provisioning_tasks_a_service_stops_keep_their_revision_and_the_scheduler_s_reason() {
    // 10.1, 10.2: scale-in (4.5), a deployment (4.2) and a strategy change stop tasks that
    // wait for capacity; each record stays, STOPPED, ServiceSchedulerInitiated, with the
    // revision and startedBy it had while it waited (a record never changes revision).
    let mut v = asg_scenario("m5.large", 1, 10_000, 3, 1024);
    let mut web2 = v["taskDefinitions"][0].clone();
    web2["containerDefinitions"][0]["image"] = json!("nginx:2");
    v["taskDefinitions"].as_array_mut().unwrap().push(web2);
    v["services"][0]["taskDefinition"] = json!("web:1");
    v["updateServices"] = json!([
        {"at": 10, "service": "web", "cluster": "prod", "desiredCount": 2},
        {"at": 20, "service": "web", "cluster": "prod", "taskDefinition": "web:2"},
        {"at": 30, "service": "web", "cluster": "prod",
         "capacityProviderStrategy": [{"capacityProvider": "cp-asg", "weight": 1, "base": 1}]}
    ]);
    let mut s = sim(v);
    at(&mut s, 5);
    let first = provisioning(&s);
    let first_deployment = s.services()[0].deployment_id.clone();
    at(&mut s, 15);
    let kept = provisioning(&s);
    at(&mut s, 25);
    let renewed = provisioning(&s);
    let second_deployment = s.services()[0].deployment_id.clone();
    at(&mut s, 35);
    assert_eq!((first.len(), kept.len(), renewed.len()), (3, 2, 2));
    let scaled_in = &first[2].0;
    let (code, reason) = stopped_while_provisioning(&s, scaled_in, "2025-01-01T00:00:10.000Z");
    assert_eq!(code, "ServiceSchedulerInitiated");
    assert_eq!(
        reason,
        format!("Scaling activity initiated by (deployment {first_deployment})")
    );
    for (id, _, _) in &kept {
        let (code, reason) = stopped_while_provisioning(&s, id, "2025-01-01T00:00:20.000Z");
        assert_eq!(code, "ServiceSchedulerInitiated");
        assert_eq!(
            reason,
            format!("Scaling activity initiated by (deployment {second_deployment})")
        );
        let t = described(&s, id);
        assert!(t["taskDefinitionArn"].as_str().unwrap().ends_with("web:1"));
        assert_eq!(t["startedBy"], json!(first_deployment));
    }
    for (id, _, _) in &renewed {
        let (code, reason) = stopped_while_provisioning(&s, id, "2025-01-01T00:00:30.000Z");
        assert_eq!(code, "ServiceSchedulerInitiated");
        assert_eq!(reason, "the service's capacity provider strategy changed");
        assert!(described(&s, id)["taskDefinitionArn"]
            .as_str()
            .unwrap()
            .ends_with("web:2"));
    }
    assert_eq!(s.stopped_tasks(0, None).0, 5);
}

#[test]
fn stop_task_of_a_task_stopped_while_provisioning_keeps_its_first_reason_10_2() {
    // 10.2, 10.3: StopTask gives UserInitiated and the request's reason. A task already
    // STOPPED keeps its first stop code and reason, and StopTask of it does not fail (as for a
    // placed task, tests/stop_task.rs): DescribeTasks still returns it, so "not found" is
    // wrong. Here one StopTask comes twice, and one after the task timed out (TaskFailedToStart).
    let mut v = asg_scenario("t3.small", 1, 10_000, 2, 4096);
    let mut probe = sim(v.clone());
    at(&mut probe, 5);
    let ids: Vec<String> = provisioning(&probe).into_iter().map(|w| w.0).collect();
    v["stopTasks"] = json!([
        {"at": 10, "cluster": "prod", "task": ids[0], "reason": "not needed"},
        {"at": 20, "cluster": "prod", "task": ids[0], "reason": "again"},
        {"at": 31 * 60, "cluster": "prod", "task": ids[1], "reason": "too late"}
    ]);
    let mut s = sim(v);
    at(&mut s, 32 * 60);
    let (code, reason) = stopped_while_provisioning(&s, &ids[0], "2025-01-01T00:00:10.000Z");
    assert_eq!(
        (code.as_str(), reason.as_str()),
        ("UserInitiated", "not needed")
    );
    let (code, _) = stopped_while_provisioning(&s, &ids[1], "2025-01-01T00:30:00.000Z");
    assert_eq!(code, "TaskFailedToStart");
    let failed: Vec<&str> = s
        .log()
        .entries()
        .iter()
        .map(|e| e.message.as_str())
        .filter(|m| m.starts_with("StopTask failed"))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn a_provisioning_task_a_deployment_replaces_stops_with_scaling_activity_10_3() {
    // 10.3: a task a deployment stops has stoppedReason "Scaling activity initiated by
    // (deployment ecs-svc/<id>)" (ServiceSchedulerInitiated), as the playground gives placed
    // tasks a rolling update replaces; a task waiting in PROVISIONING is no different.
    let mut v = asg_scenario("t3.small", 1, 10_000, 2, 4096);
    v["updateServices"] =
        json!([{"at": 10, "service": "web", "cluster": "prod", "forceNewDeployment": true}]);
    let mut s = sim(v);
    at(&mut s, 5);
    let before = provisioning(&s);
    at(&mut s, 15);
    let new = s.services()[0].deployment_id.clone();
    for (id, _, _) in &before {
        let (code, reason) = stopped_while_provisioning(&s, id, "2025-01-01T00:00:10.000Z");
        assert_eq!(code, "ServiceSchedulerInitiated");
        assert_eq!(
            reason,
            format!("Scaling activity initiated by (deployment {new})")
        );
    }
}

#[test]
fn g30_eventbridge_hears_of_provisioning_tasks_and_of_their_timeout_9_1() {
    // 9.1: ECS Task State Change events fire on the scheduler's starts and stops, the detail
    // mirroring the task. A rule on STOPPED with TaskFailedToStart (how teams alert on a
    // cluster that cannot scale) mails each of G30's tasks when it times out in
    // PROVISIONING; a rule on PROVISIONING hears of each when it is created.
    let mut v = asg_scenario("t3.small", 1, 10_000, 2, 4096);
    v["snsTopics"] = json!([{"Name": "ops", "Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com"}]}]);
    let rule = |name: &str, detail: Value| {
        json!({"Name": name,
            "EventPattern": {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": detail},
            "Targets": [{"Id": "mail", "Arn": "arn:aws:sns:us-east-1:123456789012:ops",
                "InputTransformer": {"InputPathsMap": {"arn": "$.detail.taskArn", "status": "$.detail.lastStatus",
                    "code": "$.detail.stopCode", "container": "$.detail.containers[0].lastStatus"},
                    "InputTemplate": "\"<arn> <status> <code> <container>\""}}]})
    };
    v["eventRules"] = json!([
        rule("created", json!({"lastStatus": ["PROVISIONING"]})),
        rule(
            "failed",
            json!({"lastStatus": ["STOPPED"], "stopCode": ["TaskFailedToStart"]})
        )
    ]);
    let mut s = sim(v);
    at(&mut s, 60);
    let first = provisioning(&s);
    at(&mut s, 31 * 60);
    let mails: Vec<String> = s
        .notifications()
        .iter()
        .map(|n| n.message.clone())
        .collect();
    for (id, _, _) in &first {
        let arn = format!("arn:aws:ecs:us-east-1:123456789012:task/prod/{id}");
        // A missing path (no stopCode yet) is an empty string in the template.
        assert!(
            mails.contains(&format!("{arn} PROVISIONING  PENDING")),
            "{mails:?}"
        );
        assert!(
            mails.contains(&format!("{arn} STOPPED TaskFailedToStart STOPPED")),
            "{mails:?}"
        );
    }
    // The two tasks the service created in their place at 30:00 are announced too.
    let created = mails.iter().filter(|m| m.contains(" PROVISIONING")).count();
    assert_eq!(created, 4, "{mails:?}");
}
