use super::*;
use serde_json::json;

#[test]
fn the_predefined_ecs_configurations_route_as_the_user_guide_says() {
    // "Deployment configurations on an Amazon ECS compute platform".
    assert_eq!(
        predefined_config("CodeDeployDefault.ECSAllAtOnce"),
        Some(DeploymentStrategy::BlueGreen)
    );
    assert_eq!(
        predefined_config("CodeDeployDefault.ECSLinear10PercentEvery3Minutes"),
        Some(DeploymentStrategy::Linear {
            step_tenths: 100,
            step_bake_minutes: 3
        })
    );
    assert_eq!(
        predefined_config("CodeDeployDefault.ECSCanary10Percent15Minutes"),
        Some(DeploymentStrategy::Canary {
            canary_tenths: 100,
            canary_bake_minutes: 15
        })
    );
    // The Lambda and EC2 ones are not ECS configurations.
    assert_eq!(
        predefined_config("CodeDeployDefault.LambdaLinear10PercentEvery1Minute"),
        None
    );
    assert_eq!(predefined_config("CodeDeployDefault.OneAtATime"), None);
}

#[test]
fn lifecycle_events_map_onto_the_traffic_shift_stages_in_order() {
    let stages: Vec<_> = LifecycleEvent::ALL.iter().map(|e| e.stage()).collect();
    for (e, st) in LifecycleEvent::ALL.iter().zip(&stages) {
        assert_eq!(LifecycleEvent::of_stage(*st), Some(*e));
        assert_eq!(LifecycleEvent::parse(e.as_str()), Some(*e));
    }
    let scriptable: Vec<&str> = LifecycleEvent::ALL
        .iter()
        .filter(|e| e.scriptable())
        .map(|e| e.as_str())
        .collect();
    assert_eq!(
        scriptable,
        [
            "BeforeInstall",
            "AfterInstall",
            "AfterAllowTestTraffic",
            "BeforeAllowTraffic",
            "AfterAllowTraffic"
        ]
    );
}

#[test]
fn custom_configs_take_the_traffic_routing_config_shape() {
    let parse = |v: Value| DeploymentConfig::parse(&v, "deploymentConfigs[0]");
    let c = parse(json!({"deploymentConfigName": "lin", "computePlatform": "ECS",
        "trafficRoutingConfig": {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 20, "linearInterval": 2}}}))
    .unwrap();
    assert_eq!(
        c.strategy,
        DeploymentStrategy::Linear {
            step_tenths: 200,
            step_bake_minutes: 2
        }
    );
    for (bad, field) in [
        (
            json!({"deploymentConfigName": "x", "computePlatform": "Server", "trafficRoutingConfig": {"type": "AllAtOnce"}}),
            "deploymentConfigs[0].computePlatform",
        ),
        (
            json!({"deploymentConfigName": "CodeDeployDefault.Mine", "computePlatform": "ECS"}),
            "deploymentConfigs[0].deploymentConfigName",
        ),
        (
            json!({"deploymentConfigName": "x", "computePlatform": "ECS",
                "trafficRoutingConfig": {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 0, "canaryInterval": 5}}}),
            "trafficRoutingConfig.timeBasedCanary.canaryPercentage",
        ),
        (
            json!({"deploymentConfigName": "x", "computePlatform": "ECS", "trafficRoutingConfig": {"type": "TimeBasedFlexible"}}),
            "trafficRoutingConfig.type",
        ),
    ] {
        let e = parse(bad.clone()).unwrap_err();
        assert!(e.starts_with(field) || e.contains(field), "{bad}: {e}");
    }
}

fn group(extra: Value) -> Result<DeploymentGroup, String> {
    let mut g = json!({"applicationName": "app", "deploymentGroupName": "dg",
        "serviceRoleArn": "arn:aws:iam::1:role/cd",
        "ecsServices": [{"serviceName": "web", "clusterName": "default"}],
        "loadBalancerInfo": {"targetGroupPairInfoList": [{"targetGroups": [{"name": "a"}, {"name": "b"}],
            "prodTrafficRoute": {"listenerArns": ["l"]}}]}});
    for (k, v) in extra.as_object().unwrap() {
        g[k] = v.clone();
    }
    DeploymentGroup::parse(&g, "deploymentGroups[0]", &["app".to_string()], &[])
}

#[test]
fn a_deployment_group_takes_the_create_deployment_group_shape_with_its_defaults() {
    let g = group(json!({})).unwrap();
    assert_eq!(g.config, DEFAULT_CONFIG);
    assert_eq!(g.termination_wait_minutes, 0);
    assert_eq!(g.ready_wait_minutes, None);
    assert!(!g.test_listener);
    assert_eq!(g.auto_rollback, AutoRollback::default());
    let g = group(json!({"blueGreenDeploymentConfiguration": {
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE", "terminationWaitTimeInMinutes": 2880},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60}},
        "autoRollbackConfiguration": {"enabled": true, "events": ["DEPLOYMENT_STOP_ON_ALARM"]},
        "alarmConfiguration": {"enabled": true, "alarms": [{"name": "x"}]}}))
    .unwrap();
    assert_eq!(g.termination_wait_minutes, 2880);
    assert!(g.keep_alive);
    assert_eq!(g.ready_wait_minutes, Some(60));
    assert!(g.auto_rollback.on_alarm && !g.auto_rollback.on_failure);
    assert_eq!(g.alarms, ["x"]);
    // Disabled: no event rolls back.
    let g = group(
        json!({"autoRollbackConfiguration": {"enabled": false, "events": ["DEPLOYMENT_FAILURE"]}}),
    )
    .unwrap();
    assert!(!g.auto_rollback.on_failure);
}

#[test]
fn a_deployment_group_refuses_what_the_api_reference_rules_out() {
    for (extra, field) in [
        (
            json!({"serviceRoleArn": null}),
            "deploymentGroups[0].serviceRoleArn",
        ),
        (
            json!({"ecsServices": []}),
            "deploymentGroups[0].ecsServices",
        ),
        (
            json!({"loadBalancerInfo": {"targetGroupPairInfoList": [{"targetGroups": [{"name": "a"}], "prodTrafficRoute": {"listenerArns": ["l"]}}]}}),
            "targetGroupPairInfoList[0].targetGroups: InvalidTargetGroupPairException",
        ),
        (
            json!({"loadBalancerInfo": {"targetGroupPairInfoList": [{"targetGroups": [{"name": "a"}, {"name": "b"}]}]}}),
            "prodTrafficRoute.listenerArns: required",
        ),
        (
            json!({"deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}}),
            "deploymentGroups[0].deploymentStyle",
        ),
        (
            json!({"blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess": {"terminationWaitTimeInMinutes": 2881}}}),
            "terminationWaitTimeInMinutes: must be a whole number",
        ),
        (
            json!({"autoRollbackConfiguration": {"enabled": true, "events": ["DEPLOYMENT_SUCCESS"]}}),
            "autoRollbackConfiguration.events[0]",
        ),
        (
            json!({"alarmConfiguration": {"enabled": true, "alarms": (0..11).map(|i| json!({"name": format!("a{i}")})).collect::<Vec<_>>()}}),
            "AlarmsLimitExceededException",
        ),
        (
            json!({"alarmConfiguration": {"enabled": true, "alarms": [{"alarm": "x"}]}}),
            "alarmConfiguration.alarms[0].name: required",
        ),
        (
            json!({"autoRollbackConfiguration": {"enabled": "yes"}}),
            "autoRollbackConfiguration.enabled: must be true or false",
        ),
        (
            json!({"blueGreenDeploymentConfiguration": {"deploymentReadyOption": {"actionOnTimeout": 1}}}),
            "deploymentReadyOption.actionOnTimeout: must be",
        ),
    ] {
        let e = group(extra.clone()).unwrap_err();
        assert!(e.contains(field), "{extra}: {e}");
    }
}

#[test]
fn continue_and_stop_take_their_request_bodies() {
    let c = ContinueDeploymentCall::parse(
        &json!({"at": "PT1M", "deploymentId": "d-CD0000001", "deploymentWaitType": "TERMINATION_WAIT"}),
        "continueDeployments[0]",
    )
    .unwrap();
    assert_eq!((c.at_ms, c.wait), (60_000, WaitType::Termination));
    let e = ContinueDeploymentCall::parse(
        &json!({"deploymentId": "d-1", "deploymentWaitType": "LATER"}),
        "continueDeployments[0]",
    )
    .unwrap_err();
    assert!(e.contains("InvalidDeploymentWaitTypeException"), "{e}");
    let e = ContinueDeploymentCall::parse(
        &json!({"deploymentId": "d-1", "deploymentWaitType": 5}),
        "continueDeployments[0]",
    )
    .unwrap_err();
    assert!(
        e.starts_with("continueDeployments[0].deploymentWaitType"),
        "{e}"
    );
    let s =
        StopDeploymentCall::parse(&json!({"deploymentId": "d-1"}), "stopDeployments[0]").unwrap();
    assert_eq!(s.auto_rollback, None);
    let e = StopDeploymentCall::parse(&json!({}), "stopDeployments[0]").unwrap_err();
    assert_eq!(e, "stopDeployments[0].deploymentId: required");
}
