//! Bad input never panics: malformed documents, hostile values and random mutations of a real
//! scenario either load and run, or fail with an error that names where.

mod support;

use ecs_engine::{Scenario, Simulation};
use proptest::prelude::*;
use serde_json::Value;

fn example() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../public/scenarios/example.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every preset in `public/scenarios`, by file name, in name order.
fn presets() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/scenarios");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Replaces the value at a pseudo-random position of the document with `replacement`.
fn mutate(v: &mut Value, mut pick: usize, replacement: &Value) -> bool {
    match v {
        Value::Object(map) => {
            let n = map.len().max(1);
            let keys: Vec<String> = map.keys().cloned().collect();
            if let Some(k) = keys.get(pick % n) {
                pick /= n;
                if pick.is_multiple_of(3) {
                    map.insert(k.clone(), replacement.clone());
                    return true;
                }
                if let Some(child) = map.get_mut(k) {
                    return mutate(child, pick, replacement);
                }
            }
            false
        }
        Value::Array(items) if !items.is_empty() => {
            let n = items.len();
            let child = &mut items[pick % n];
            mutate(child, pick / n, replacement)
        }
        other => {
            *other = replacement.clone();
            true
        }
    }
}

/// A scenario that makes every timed call and uses the lifecycle settings mutated above.
fn calls() -> Value {
    serde_json::json!({
        "version": 1, "seed": 4, "duration": "PT20M",
        "containerInstances": [
            {"id": "i-a", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "attributes": {"role": "web"}},
            {"id": "i-b", "instanceType": "m5.large", "availabilityZone": "us-east-1b",
             "ecsConfig": {"ECS_CONTAINER_STOP_TIMEOUT": "45s", "ECS_AVAILABLE_LOGGING_DRIVERS": "[\"json-file\",\"awslogs\"]"}}],
        "loadBalancers": [{"Name": "edge", "Type": "network"}],
        "listeners": [{"LoadBalancerArn": "edge", "Protocol": "TCP", "Port": 443, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "tcp"}]}],
        "modifyListeners": [{"at": "PT5M", "ListenerArn": "edge:443", "DefaultActions": [{"Type": "forward", "TargetGroupArn": "tcp2"}]}],
        "targetGroups": [{"Name": "tcp", "Protocol": "TCP", "Port": 80, "HealthCheckIntervalSeconds": 10},
            {"Name": "tcp2", "Protocol": "TCP", "Port": 80}],
        "scalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": 1, "MaxCapacity": 4}],
        "scalingPolicies": [{"PolicyName": "forecast", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "PredictiveScaling",
            "PredictiveScalingPolicyConfiguration": {"Mode": "ForecastAndScale", "SchedulingBufferTime": 600,
                "MaxCapacityBreachBehavior": "IncreaseMaxCapacity", "MaxCapacityBuffer": 10,
                "MetricSpecifications": [{"TargetValue": 50, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}]}}],
        "alarms": [{"AlarmName": "high", "Namespace": "AWS/ECS", "MetricName": "CPUUtilization", "Statistic": "Average",
            "Period": 60, "EvaluationPeriods": 1, "Threshold": 90, "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": [{"Name": "ClusterName", "Value": "default"}, {"Name": "ServiceName", "Value": "web"}]}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "init", "image": "busybox", "memory": 32, "essential": false},
            {"name": "app", "image": "nginx", "memory": 128, "cpu": 128, "essential": true,
             "dependsOn": [{"containerName": "init", "condition": "COMPLETE"}],
             "restartPolicy": {"enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
             "healthCheck": {"command": ["CMD", "true"], "interval": 10},
             "portMappings": [{"containerPort": 80}]}]},
            {"family": "agent", "containerDefinitions": [{"name": "a", "image": "agent", "memory": 32, "essential": true,
             "portMappings": [{"containerPortRange": "9000-9099"}]}]}],
        "services": [
            {"serviceName": "web", "taskDefinition": "web", "desiredCount": 2,
             "loadBalancers": [{"targetGroupArn": "tcp", "containerName": "app", "containerPort": 80}],
             "deploymentConfiguration": {"alarms": {"alarmNames": ["high"], "enable": true, "rollback": true}}},
            {"serviceName": "agent", "taskDefinition": "agent", "schedulingStrategy": "DAEMON",
             "placementConstraints": [{"type": "memberOf", "expression": "attribute:role == web"}]}],
        "updateServices": [{"at": "PT4M", "service": "web", "taskDefinition": "web", "forceNewDeployment": true,
            "healthCheckGracePeriodSeconds": 30}],
        "putAttributes": [{"at": "PT2M", "attributes": [{"name": "role", "value": "web", "targetType": "container-instance", "targetId": "i-b"}]}],
        "deleteAttributes": [{"at": "PT6M", "attributes": [{"name": "role", "targetId": "i-a"}]}],
        "stopTasks": [{"at": "PT3M", "task": "0123456789abcdef0123456789abcdef", "reason": "test"}],
        "startTasks": [{"at": "PT5M", "taskDefinition": "agent", "containerInstances": ["i-a", "i-b"]}],
        "runTasks": [{"at": "PT1M", "taskDefinition": "agent", "launchType": "EC2", "overrides": {"cpu": "256", "memory": "512",
            "containerOverrides": [{"name": "a", "command": ["run"], "memory": 64, "environment": [{"name": "X", "value": "1"}]}]}}],
        "deregisterTaskDefinitions": [{"at": "PT7M", "taskDefinition": "web:1"}],
        "deleteTaskDefinitions": [{"at": "PT11M", "taskDefinitions": ["web:1"]}],
        "classicLoadBalancers": [{"LoadBalancerName": "legacy", "AvailabilityZones": ["us-east-1a", "us-east-1b"],
            "Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}],
            "HealthCheck": {"Target": "HTTP:8080/health", "Interval": 10, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 3},
            "LoadBalancerAttributes": {"CrossZoneLoadBalancing": {"Enabled": true}, "ConnectionDraining": {"Enabled": true, "Timeout": 30}}}],
        "deleteServices": [{"at": "PT12M", "service": "web", "force": true}],
        "deregisterContainerInstances": [{"at": "PT10M", "containerInstance": "i-b", "force": true}],
        "faults": [{"type": "EssentialContainerExit", "service": "web", "at": "PT8M", "count": 1, "exitCode": 1},
                   {"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT9M", "count": 1}],
        "options": {"capacity": {"provisioningTasksPerCluster": 3, "weightTies": "strategyOrder", "scaleInStep": "halfPerMinute"},
            "targetTrackingAlarms": {"scaleInFraction": 0.5}}
    })
}

fn hostile_values() -> impl proptest::strategy::Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(1e308)),
        Just(serde_json::json!("")),
        Just(serde_json::json!("{{ECS_CPU}}")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!("PT99999H")),
        Just(serde_json::json!(65536)),
        Just(serde_json::json!(0)),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "\\PC{0,12}".prop_map(Value::String),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_load_or_fail_cleanly(picks in proptest::collection::vec((any::<usize>(), hostile_values()), 1..4)) {
        let mut doc = example();
        for (pick, value) in &picks {
            mutate(&mut doc, *pick, value);
        }
        if let Ok(scenario) = Scenario::from_value(doc) {
            let mut sim = Simulation::new(scenario);
            prop_assert!(sim.run_to_end().is_ok());
            let _ = sim.describe();
        }
    }

    /// Every preset, not only the example: hostile values put anywhere in the capacity,
    /// Fargate, EventBridge, IAM, EFS, SQS and S3 presets load and run, or fail with a message.
    #[test]
    fn mutated_presets_load_or_fail_cleanly(preset in 0usize..64, picks in proptest::collection::vec((any::<usize>(), hostile_values()), 1..4)) {
        let presets = presets();
        let (name, mut doc) = presets[preset % presets.len()].clone();
        for (pick, value) in &picks {
            mutate(&mut doc, *pick, value);
        }
        match Scenario::from_value(doc) {
            Ok(scenario) => {
                let mut sim = Simulation::new(scenario);
                prop_assert!(sim.run_to_end().is_ok(), "{}", name);
                let _ = sim.describe();
            }
            Err(e) => prop_assert!(!e.to_string().is_empty(), "{}", name),
        }
    }

    /// The API calls a scenario makes over time (PutAttributes, DeleteAttributes, StopTask,
    /// DeleteService, UpdateService with network, strategy and load balancer changes) and the
    /// container settings that shape a task's life (restartPolicy, dependsOn, deployment
    /// alarms, a DAEMON service) take hostile values anywhere and load and run, or refuse.
    #[test]
    fn mutated_calls_load_or_fail_cleanly(picks in proptest::collection::vec((any::<usize>(), hostile_values()), 1..4)) {
        let mut doc = calls();
        for (pick, value) in &picks {
            mutate(&mut doc, *pick, value);
        }
        match Scenario::from_value(doc) {
            Ok(scenario) => {
                let mut sim = Simulation::new(scenario);
                prop_assert!(sim.run_to_end().is_ok());
                let _ = sim.describe();
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// The pasted-JSON editors (services, scaling) refuse bad input with a message: hostile
    /// values put into a describe-services entry and a PutScalingPolicy request.
    #[test]
    fn pasted_json_editors_refuse_cleanly(picks in proptest::collection::vec((any::<usize>(), hostile_values()), 1..3), service in "\\PC{0,8}") {
        let doc = example();
        let mut pasted = serde_json::json!({"services": [{"serviceName": "api", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/demo",
            "taskDefinition": "web", "desiredCount": 2, "runningCount": 1, "placementStrategy": [{"type": "spread", "field": "instanceId"}]}],
            "ScalingPolicies": [{"PolicyName": "p", "ServiceNamespace": "ecs", "ResourceId": "service/demo/web",
                "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}]});
        for (pick, value) in &picks {
            mutate(&mut pasted, *pick, value);
        }
        let text = pasted.to_string();
        if let Err(e) = ecs_engine::edit::add_services_json(&doc, &text, &Default::default()) {
            prop_assert!(!e.is_empty());
        }
        if let Err(e) = ecs_engine::edit::add_scaling_json(&doc, &text, &service) {
            prop_assert!(!e.is_empty());
        }
        // Load balancing pasted from the AWS CLI: describe-target-groups and a Classic Load
        // Balancer's describe-load-balancers.
        let mut balancers = serde_json::json!([{"TargetGroups": [{"TargetGroupName": "api", "Protocol": "HTTP", "Port": 80,
                "HealthCheckIntervalSeconds": 10, "Matcher": {"HttpCode": "200"}, "TargetType": "instance"}]},
            {"LoadBalancerDescriptions": [{"LoadBalancerName": "legacy", "AvailabilityZones": ["us-east-1a"],
                "ListenerDescriptions": [{"Listener": {"Protocol": "TCP", "LoadBalancerPort": 443, "InstancePort": 8443}}],
                "HealthCheck": {"Target": "TCP:8443", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 10}}]}]);
        for (pick, value) in &picks {
            mutate(&mut balancers, *pick, value);
        }
        if let Err(e) = ecs_engine::edit::add_load_balancing_json(&doc, &balancers.to_string(), ecs_engine::SimTime(0)) {
            prop_assert!(!e.is_empty());
        }
        // Task sets pasted from describe-task-sets into the EXTERNAL preset, at 2 minutes.
        let external: Value = serde_json::from_str(include_str!("../../public/scenarios/external-task-sets.json")).unwrap();
        let mut sets = serde_json::json!({"taskSets": [{"id": "ecs-svc/1", "status": "PRIMARY", "externalId": "canary",
            "taskDefinition": "web:2", "scale": {"value": 50.0, "unit": "PERCENT"}, "launchType": "EC2",
            "loadBalancers": [{"targetGroupArn": "green", "containerName": "web", "containerPort": 8080}],
            "serviceArn": "arn:aws:ecs:us-east-1:1:service/default/web", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/default"}]});
        for (pick, value) in &picks {
            mutate(&mut sets, *pick, value);
        }
        if let Err(e) = ecs_engine::edit::add_task_sets_json(&external, &sets.to_string(), ecs_engine::SimTime(120_000)) {
            prop_assert!(!e.is_empty());
        }
    }

    /// The RunTask form takes any text in its fields: the call is added (and its outcome said)
    /// or refused with a message.
    #[test]
    fn the_run_task_form_takes_any_text(
        fields in proptest::collection::vec("\\PC{0,16}", 7),
        count in 0u32..20,
    ) {
        let form = ecs_engine::edit::RunTaskForm {
            cluster: fields[0].clone(),
            task_definition: fields[1].clone(),
            count,
            launch_type: fields[2].clone(),
            container: "worker".to_string(),
            command: fields[3].clone(),
            environment: fields[4].clone(),
            cpu: fields[5].clone(),
            memory: fields[6].clone(),
            ..Default::default()
        };
        if let Err(e) = ecs_engine::edit::run_task(&example(), &form, ecs_engine::SimTime(30_000)) {
            prop_assert!(!e.is_empty());
        }
        let batch = ecs_engine::edit::RunTaskForm { task_definition: "batch".to_string(), cluster: "demo".to_string(), ..form };
        if let Err(e) = ecs_engine::edit::run_task(&example(), &batch, ecs_engine::SimTime(30_000)) {
            prop_assert!(!e.is_empty());
        }
    }

    /// Section 12's assumptions set from the UI: any text for any of them, on any preset,
    /// is refused naming the option, or loads and runs.
    #[test]
    fn assumptions_take_any_text_or_refuse_it(preset in 0usize..64, which in 0usize..64, text in prop_oneof![
        "\\PC{0,12}",
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?",
        Just("true".to_string()), Just("lowest".to_string()), Just("firstRegistered".to_string()),
    ]) {
        let presets = presets();
        let (name, doc) = &presets[preset % presets.len()];
        let a = &ecs_engine::edit::ASSUMPTIONS[which % ecs_engine::edit::ASSUMPTIONS.len()];
        match ecs_engine::edit::set_assumption(doc, a.path, &text) {
            Ok(set) => {
                let scenario = Scenario::from_value(set);
                prop_assert!(scenario.is_ok(), "{} {}", name, a.path);
                let mut sim = Simulation::new(scenario.unwrap());
                prop_assert!(sim.run_to_end().is_ok(), "{} {} = {}", name, a.path, text);
            }
            Err(e) => prop_assert!(e.starts_with(&format!("options.{}", a.path)), "{}", e),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Err(e) = Scenario::from_json(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
        let _ = ecs_engine::task_definition::parse_task_definition(&text);
        let doc = example();
        let _ = ecs_engine::edit::add_services_json(&doc, &text, &Default::default());
        let _ = ecs_engine::edit::add_scaling_json(&doc, &text, "web");
    }
}

#[test]
fn errors_name_the_field() {
    let e = Scenario::from_json(
        r#"{"version": 1, "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "a", "ecsConfig": {"ECS_DYNAMIC_HOST_PORT_RANGE": "9-1"}}]}"#,
    );
    // Agent configuration is checked when the instance registers: the run logs it by path.
    let sim = Simulation::new(e.unwrap());
    let mut sim = sim;
    sim.run_to_end().unwrap();
    assert!(sim
        .log()
        .entries()
        .iter()
        .any(|l| l.message.contains("ecsConfig.ECS_DYNAMIC_HOST_PORT_RANGE")));
    let big = format!(
        "{{\"version\": 1, \"description\": \"{}\"}}",
        "x".repeat(5 * 1024 * 1024)
    );
    assert!(Scenario::from_json(&big)
        .unwrap_err()
        .message
        .contains("limit"));
}

/// The base of `mutated_calls_load_or_fail_cleanly` loads and runs, so its mutations reach
/// the calls rather than failing at load.
#[test]
fn the_calls_scenario_loads_and_runs() {
    let scenario = Scenario::from_value(calls()).expect("valid");
    assert!(scenario.warnings.is_empty(), "{:?}", scenario.warnings);
    let mut sim = Simulation::new(scenario);
    sim.run_to_end().unwrap();
    for words in [
        "PutAttributes: role=web on container instance i-b",
        "DeleteAttributes: role removed from container instance i-a",
        "StopTask failed: stopTasks[0].task",
        "DeleteService web: DRAINING",
        "StartTask agent:1 count 2 in cluster default: 2 started",
        "RunTask agent:1 count 1 in cluster default: 1 started",
        "DeregisterTaskDefinition web:1: INACTIVE",
        "DeleteTaskDefinitions web:1: DELETE_IN_PROGRESS",
    ] {
        assert!(support::logged(&sim, words), "{words}");
    }
}
