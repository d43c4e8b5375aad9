use super::*;

#[test]
fn syntax_errors_give_line_and_column() {
    let e = Scenario::from_json("{\n  \"version\": 1,\n  \"seed\": ,\n}").unwrap_err();
    assert_eq!((e.line, e.column), (Some(3), Some(11)));
}

#[test]
fn version_is_checked_with_a_migration_message() {
    assert_eq!(Scenario::from_json("{}").unwrap_err().path, "version");
    let e = Scenario::from_json("{\"version\": 2}").unwrap_err();
    assert!(e.message.contains("unsupported scenario version 2"), "{e}");
}

#[test]
fn bad_fields_are_named_by_path() {
    let e = Scenario::from_json(r#"{"version": 1, "containerInstances": [{"instanceType": "m5.huge", "availabilityZone": "a"}]}"#).unwrap_err();
    assert_eq!(e.path, "containerInstances[0].instanceType");
    let e = Scenario::from_json(r#"{"version": 1, "seed": "x"}"#).unwrap_err();
    assert_eq!(e.path, "seed");
    let e = Scenario::from_json(r#"{"version": 1, "duration": "2 hours"}"#).unwrap_err();
    assert_eq!(e.path, "duration");
    let e = Scenario::from_json("{\"version\": 1,\n \"sed\": 4}").unwrap_err();
    assert!(
        e.message
            .starts_with("unknown field `sed`, expected one of"),
        "{e}"
    );
    assert_eq!((e.path.as_str(), e.line), ("sed", Some(2)));
    let e = Scenario::from_json(r#"{"version": 1, "options": {"routingIntervalSeconds": 90}}"#)
        .unwrap_err();
    assert_eq!(e.path, "options.routingIntervalSeconds");
    let e = Scenario::from_json(
        r#"{"version": 1, "options": {"capacity": {"reservationFormula": "half"}}}"#,
    )
    .unwrap_err();
    assert_eq!(e.path, "options.capacity.reservationFormula");
    assert_eq!(
        e.message,
        "unknown variant `half`, expected `ratio` or `emptyCount`"
    );
    let e =
        Scenario::from_json(r#"{"version": 1, "containerInstances": [{"availabilityZone": "a"}]}"#)
            .unwrap_err();
    assert_eq!(e.path, "containerInstances[0].instanceType");
    assert_eq!(e.message, "missing field `instanceType`");
    let s = Scenario::from_json(r#"{"version": 1, "options": {"routingIntervalSeconds": 5, "lifecycle": {"imagePullMiBps": 50}, "capacity": {"fargateSpotStopCode": "TerminationNotice"}}}"#).unwrap();
    assert_eq!(s.options.routing_interval_ms, 5000);
    assert_eq!(s.options.lifecycle.image_pull_mi_bps, 50.0);
    assert_eq!(
        s.options.lifecycle.cached_pull_seconds, 1.0,
        "others keep their default"
    );
    assert_eq!(
        s.options.capacity.fargate_spot_stop_code,
        crate::capacity_provider::FargateSpotStopCode::TerminationNotice
    );
}

#[test]
fn unsimulated_fields_are_kept_and_reported() {
    let text = r#"{"version": 1, "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1, "serviceConnectConfiguration": {"enabled": false}, "vpcLatticeConfigurations": [{"roleArn": "arn:aws:iam::123456789012:role/lattice", "targetGroupArn": "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0123", "portName": "web"}]}]}"#;
    let s = Scenario::from_json(text).unwrap();
    assert!(s
        .warnings
        .iter()
        .any(|w| w.path == "services[0]" && w.message.contains("vpcLatticeConfigurations")));
    let round: serde_json::Value = serde_json::from_str(&s.to_json_pretty()).unwrap();
    assert_eq!(
        round,
        serde_json::from_str::<serde_json::Value>(text).unwrap(),
        "a round trip preserves every field"
    );
}

#[test]
fn a_service_pasted_from_describe_services_output_runs_in_its_cluster() {
    // `aws ecs describe-services` names the cluster `clusterArn` and reports read-only state
    // (counts, deployments, events) next to the CreateService input; the run makes its own.
    let text = r#"{"version": 1,
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2, "ecsConfig": {"ECS_CLUSTER": "prod"}}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 256}]}],
        "services": [{"serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/prod/web", "serviceName": "web",
            "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "status": "ACTIVE",
            "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "launchType": "EC2",
            "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY"}], "events": [], "vpcLatticeConfigurations": [{"roleArn": "arn:aws:iam::123456789012:role/lattice", "targetGroupArn": "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0123", "portName": "web"}]}]}"#;
    let s = Scenario::from_json(text).unwrap();
    let messages: Vec<String> = s
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.path, w.message))
        .collect();
    assert_eq!(
        messages,
        [
            "services[0]: read-only members of describe-services output, ignored: serviceArn, status, runningCount, pendingCount, deployments",
            "services[0]: kept but not simulated yet: vpcLatticeConfigurations"
        ]
    );
    let mut sim = crate::Simulation::new(s);
    sim.advance_to(crate::SimTime(60_000)).unwrap();
    assert_eq!(sim.services()[0].cluster, "prod");
    let running = sim
        .tasks()
        .iter()
        .filter(|t| t.last_status == crate::task::TaskStatus::Running)
        .count();
    assert_eq!(running, 2, "placed on the prod instances");
}

#[test]
fn load_balancing_and_scaling_sections_are_checked_at_load_time() {
    for (section, want) in [
        (r#""targetGroups": [{"Name": "tg", "HealthyThresholdCount": 1}]"#, "targetGroups[0].HealthyThresholdCount"),
        (r#""loadProfiles": [{"targetGroup": "tg", "requests": {"type": "wave"}}]"#, "loadProfiles[0].requests.type"),
        (r#""scalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": "service/c/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 3, "MaxCapacity": 2}]"#, "scalableTargets[0].MaxCapacity"),
        (r#""scalingPolicies": [{"PolicyName": "p", "ServiceNamespace": "ecs", "ResourceId": "service/c/web", "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50, "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}}]"#, "scalingPolicies[0].TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType"),
        (r#""scheduledActions": [{"ScheduledActionName": "a", "ServiceNamespace": "ecs", "ResourceId": "service/c/web", "ScalableDimension": "ecs:service:DesiredCount", "Schedule": "rate(5 hour)", "ScalableTargetAction": {"MinCapacity": 1}}]"#, "scheduledActions[0].Schedule"),
        (r#""alarms": [{"AlarmName": "a", "Namespace": "AWS/ECS", "MetricName": "CPUUtilization", "Statistic": "Average", "Period": 30, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"}]"#, "alarms[0].Period"),
        (r#""options": {"routingIntervalSeconds": 0}"#, "options.routingIntervalSeconds"),
    ] {
        let text = format!(r#"{{"version": 1, {section}}}"#);
        let e = Scenario::from_json(&text).unwrap_err();
        assert_eq!(e.path, want, "{e}");
    }
}

#[test]
fn instance_count_expands_and_limits_hold() {
    let s = Scenario::from_json(r#"{"version": 1, "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 3}]}"#).unwrap();
    assert_eq!(s.instances.len(), 3);
    let e = Scenario::from_json(r#"{"version": 1, "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 5001}]}"#).unwrap_err();
    assert_eq!(e.path, "containerInstances[0].count");
}

/// The JSON Schema in docs/ and the loader agree: every property the schema declares loads,
/// and every key of every preset is declared by the schema.
#[test]
fn schema_and_loader_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("docs/scenario.schema.json")).unwrap(),
    )
    .unwrap();
    let props = schema["properties"].as_object().unwrap();
    for (key, spec) in props {
        let value = match spec.get("type").and_then(|t| t.as_str()) {
            Some("array") => serde_json::json!([]),
            Some("string") => serde_json::json!(if key == "startTime" {
                "2025-01-01T00:00:00Z"
            } else {
                "x"
            }),
            Some("integer") => serde_json::json!(1),
            Some("object") => {
                // Every declared member, with its default.
                let members = spec["properties"].as_object().unwrap();
                serde_json::Value::Object(
                    members
                        .iter()
                        .map(|(k, v)| (k.clone(), v["default"].clone()))
                        .collect(),
                )
            }
            _ => serde_json::json!(1),
        };
        let mut doc = serde_json::json!({"version": 1});
        doc[key] = value;
        assert!(
            Scenario::from_value(doc).is_ok(),
            "schema property {key} is refused by the loader"
        );
    }
    let instance_props = schema["properties"]["containerInstances"]["items"]["properties"]
        .as_object()
        .unwrap();
    for entry in std::fs::read_dir(root.join("public/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for key in doc.as_object().unwrap().keys() {
            assert!(
                props.contains_key(key),
                "{}: {key} is not in the schema",
                path.display()
            );
        }
        for inst in doc["containerInstances"].as_array().into_iter().flatten() {
            for key in inst.as_object().unwrap().keys() {
                assert!(
                    instance_props.contains_key(key),
                    "{}: containerInstances[].{key} is not in the schema",
                    path.display()
                );
            }
        }
        assert!(
            Scenario::from_value(doc).is_ok(),
            "{} loads",
            path.display()
        );
    }
}

#[test]
fn an_incomplete_capacity_provider_names_its_field() {
    let text = r#"{"version": 1, "capacityProviders": [{"name": "cp"}]}"#;
    let e = Scenario::from_json(text).unwrap_err();
    assert_eq!(e.path, "capacityProviders[0].autoScalingGroupProvider");
}

#[test]
fn errors_found_after_parsing_give_the_line_of_their_field() {
    let text = "{\n  \"version\": 1,\n  \"seed\": 7,\n  \"startTime\": \"yesterday\"\n}";
    let e = Scenario::from_json(text).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.line, e.column),
        ("startTime", Some(4), Some(3))
    );
    assert!(e.to_string().ends_with("(line 4, column 3)"), "{e}");
}
