//! CodeDeploy blue/green deployments of an Amazon ECS service (`deploymentController`
//! CODE_DEPLOY): the lifecycle events of the CodeDeploy user guide's "What happens during an
//! Amazon ECS deployment", the predefined configurations' traffic routing, the AppSpec hooks,
//! the ready and termination waits, StopDeployment and the rollbacks, and the ECS API's
//! CreateService and UpdateService rules for the controller.

mod support;

use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};
use support::blue_green::{by_revision, live_targets, weights, BLUE_ARN, GREEN_ARN, MIN};
use support::{at, logged, sim};

/// The blue/green test scenario turned into a CodeDeploy one: `web` uses the CODE_DEPLOY
/// controller behind `blue` only (the production listener forwards to `blue`, a test
/// listener on 8080 to `green`); deployment group `web-dg` pairs `blue` and `green` with
/// `group` merged in; CreateDeployment of `web:2` at 5 min with the AppSpec `hooks`.
fn codedeploy(group: Value, hooks: Value) -> Value {
    let mut doc = support::blue_green::scenario(json!({}));
    let svc = &mut doc["services"][0];
    svc["deploymentController"] = json!({"type": "CODE_DEPLOY"});
    let obj = svc.as_object_mut().unwrap();
    obj.remove("deploymentConfiguration");
    svc["loadBalancers"] =
        json!([{"targetGroupArn": BLUE_ARN, "containerName": "app", "containerPort": 80}]);
    doc["listeners"] = json!([
        {"LoadBalancerArn": "edge", "Protocol": "HTTP", "Port": 80,
         "DefaultActions": [{"Type": "forward", "TargetGroupArn": BLUE_ARN}]},
        {"LoadBalancerArn": "edge", "Protocol": "HTTP", "Port": 8080,
         "DefaultActions": [{"Type": "forward", "TargetGroupArn": GREEN_ARN}]}
    ]);
    doc.as_object_mut().unwrap().remove("updateServices");
    let mut dg = json!({
        "applicationName": "web-app", "deploymentGroupName": "web-dg",
        "serviceRoleArn": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
        "deploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 10},
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}},
        "autoRollbackConfiguration": {"enabled": true, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]},
        "loadBalancerInfo": {"targetGroupPairInfoList": [{
            "targetGroups": [{"name": "blue"}, {"name": "green"}],
            "prodTrafficRoute": {"listenerArns": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/edge/1/80"]},
            "testTrafficRoute": {"listenerArns": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/edge/1/8080"]}}]},
        "ecsServices": [{"serviceName": "web", "clusterName": "default"}]
    });
    merge(&mut dg, group);
    doc["codeDeployApplications"] =
        json!([{"applicationName": "web-app", "computePlatform": "ECS"}]);
    doc["deploymentGroups"] = json!([dg]);
    doc["createDeployments"] = json!([deployment("PT5M", "web:2", hooks)]);
    doc
}

/// A CreateDeployment request at `at` whose YAML AppSpec deploys `td` with `hooks`.
fn deployment(at: &str, td: &str, hooks: Value) -> Value {
    let mut appspec = format!(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:us-east-1:123456789012:task-definition/{td}\"\n        LoadBalancerInfo:\n          ContainerName: \"app\"\n          ContainerPort: 80\n"
    );
    if let Some(list) = hooks.as_object().filter(|h| !h.is_empty()) {
        appspec.push_str("Hooks:\n");
        for (event, function) in list {
            appspec.push_str(&format!(
                "  - {event}: \"{}\"\n",
                function.as_str().unwrap()
            ));
        }
    }
    json!({"at": at, "applicationName": "web-app", "deploymentGroupName": "web-dg",
        "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec}}})
}

/// Deployment group members for CodeDeployDefault.ECSAllAtOnce with a termination wait of
/// `minutes`.
fn all_at_once(minutes: u32) -> Value {
    json!({"deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
        "blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess":
            {"action": "TERMINATE", "terminationWaitTimeInMinutes": minutes}}})
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

/// The CodeDeploy deployments as GetDeployment shows them.
fn deployments(s: &Simulation) -> Vec<Value> {
    s.code_deploy_json()
}

/// `deploymentId`'s lifecycle events as `Name:Status`.
fn events(s: &Simulation, n: usize) -> Vec<String> {
    deployments(s)[n]["lifecycleEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["lifecycleEventName"].as_str().unwrap(),
                e["status"].as_str().unwrap()
            )
        })
        .collect()
}

fn status(s: &Simulation, n: usize) -> String {
    deployments(s)[n]["status"].as_str().unwrap().to_string()
}

/// The first time (whole seconds, from `from`) at which `check` holds.
fn first_when(s: &mut Simulation, from: u64, to: u64, check: impl Fn(&Simulation) -> bool) -> u64 {
    for t in from..=to {
        at(s, t);
        if check(s) {
            return t;
        }
    }
    panic!("never between {from} and {to} s");
}

#[test]
fn canary_10_percent_5_minutes_runs_every_lifecycle_event_in_order() {
    let mut s = sim(codedeploy(json!({}), json!({})));
    at(&mut s, 5 * MIN - 1);
    assert!(deployments(&s).is_empty());
    at(&mut s, 5 * MIN);
    assert_eq!(deployments(&s)[0]["deploymentId"], "d-CD0000001");
    assert_eq!(status(&s, 0), "InProgress");
    // Install: the replacement task set runs the desired count beside the original one, in
    // green, with no production traffic.
    let shifted = first_when(&mut s, 5 * MIN, 20 * MIN, |s| weights(s).1 > 0);
    assert_eq!(by_revision(&s), (4, 4));
    assert_eq!(live_targets(&s, 1), 4);
    // The canary: 10 % first, the other 90 % five minutes later.
    assert_eq!(weights(&s), (900, 100));
    assert_eq!(
        events(&s, 0),
        [
            "BeforeInstall:Succeeded",
            "Install:Succeeded",
            "AfterInstall:Succeeded",
            "AllowTestTraffic:Succeeded",
            "AfterAllowTestTraffic:Succeeded",
            "BeforeAllowTraffic:Succeeded",
            "AllowTraffic:InProgress",
            "AfterAllowTraffic:Pending"
        ]
    );
    at(&mut s, shifted + 5 * MIN - 1);
    assert_eq!(weights(&s), (900, 100));
    at(&mut s, shifted + 5 * MIN);
    assert_eq!(weights(&s), (0, 1000));
    assert!(events(&s, 0).iter().all(|e| e.ends_with(":Succeeded")));
    // The termination wait: the original task set runs on, without traffic, for 10 minutes.
    let described = s.describe();
    let sets = described["services"][0]["taskSets"].as_array().unwrap();
    assert_eq!(described["services"][0]["deployments"], json!([]));
    let by_status: Vec<(&str, &str)> = sets
        .iter()
        .map(|t| {
            (
                t["status"].as_str().unwrap(),
                t["taskDefinition"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_status,
        [
            (
                "PRIMARY",
                "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"
            ),
            (
                "ACTIVE",
                "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"
            )
        ]
    );
    assert_eq!(sets[0]["externalId"], "d-CD0000001");
    assert_eq!(sets[0]["startedBy"], "CodeDeploy");
    assert_eq!(status(&s, 0), "InProgress");
    at(&mut s, shifted + 15 * MIN - 1);
    assert_eq!(
        by_revision(&s).0,
        4,
        "the original stays for the termination wait"
    );
    let done = first_when(&mut s, shifted + 15 * MIN, shifted + 20 * MIN, |s| {
        status(s, 0) == "Succeeded"
    });
    assert_eq!(by_revision(&s), (0, 4));
    assert!(done >= shifted + 15 * MIN);
}

#[test]
fn the_next_deployment_starts_in_the_other_target_group() {
    // "If you do another deployment, the target group associated with the current
    // deployment's original task set is associated with the next deployment's replacement
    // task set."
    let mut doc = codedeploy(all_at_once(0), json!({}));
    doc["createDeployments"]
        .as_array_mut()
        .unwrap()
        .push(deployment("PT30M", "web:1", json!({})));
    let mut s = sim(doc);
    at(&mut s, 29 * MIN);
    assert_eq!(status(&s, 0), "Succeeded");
    assert_eq!(weights(&s), (0, 1000));
    assert_eq!((live_targets(&s, 0), live_targets(&s, 1)), (0, 4));
    at(&mut s, 60 * MIN);
    assert_eq!(deployments(&s)[1]["deploymentId"], "d-CD0000002");
    assert_eq!(status(&s, 1), "Succeeded");
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!((live_targets(&s, 0), live_targets(&s, 1)), (4, 0));
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn linear_10_percent_every_minute_moves_traffic_in_ten_steps() {
    let mut s = sim(codedeploy(
        json!({"deploymentConfigName": "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"}),
        json!({}),
    ));
    let first = first_when(&mut s, 5 * MIN, 20 * MIN, |s| weights(s).1 > 0);
    let mut seen = vec![weights(&s).1];
    for step in 1..10 {
        at(&mut s, first + step * MIN);
        seen.push(weights(&s).1);
    }
    assert_eq!(seen, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
}

#[test]
fn a_custom_deployment_config_routes_by_its_time_based_canary() {
    let mut doc = codedeploy(json!({"deploymentConfigName": "web-canary"}), json!({}));
    doc["deploymentConfigs"] = json!([{"deploymentConfigName": "web-canary", "computePlatform": "ECS",
        "trafficRoutingConfig": {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 25, "canaryInterval": 2}}}]);
    let mut s = sim(doc);
    let first = first_when(&mut s, 5 * MIN, 20 * MIN, |s| weights(s).1 > 0);
    assert_eq!(weights(&s), (750, 250));
    at(&mut s, first + 2 * MIN);
    assert_eq!(weights(&s), (0, 1000));
}

#[test]
fn without_a_test_listener_the_test_traffic_events_are_not_in_the_deployment() {
    // The user guide's event list for a deployment group without a test listener, and
    // "If a test listener is not specified ... will skip the AfterAllowTestTraffic hook".
    let mut doc = codedeploy(
        json!({"deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce"}),
        json!({"AfterAllowTestTraffic": "smoke"}),
    );
    let pair = &mut doc["deploymentGroups"][0]["loadBalancerInfo"]["targetGroupPairInfoList"][0];
    pair.as_object_mut().unwrap().remove("testTrafficRoute");
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    let mut s = sim(doc);
    at(&mut s, 20 * MIN);
    assert_eq!(
        events(&s, 0),
        [
            "BeforeInstall:Succeeded",
            "Install:Succeeded",
            "AfterInstall:Succeeded",
            "BeforeAllowTraffic:Succeeded",
            "AllowTraffic:Succeeded",
            "AfterAllowTraffic:Succeeded"
        ]
    );
    assert!(!logged(&s, "Lambda smoke"));
    assert_eq!(weights(&s), (0, 1000));
}

#[test]
fn a_hook_that_reports_failed_rolls_back_to_the_original_task_set() {
    // "If validation fails and rollbacks are configured, the deployment status is marked
    // Failed and components return to their state when the deployment started."
    let mut doc = codedeploy(
        json!({}),
        json!({"AfterAllowTestTraffic": "arn:aws:lambda:us-east-1:123456789012:function:smoke"}),
    );
    doc["lambdaHookResponses"] = json!([{"hookTargetArn": "smoke", "lifecycleStage": "AfterAllowTestTraffic",
        "responses": [{"status": "Failed"}]}]);
    let mut s = sim(doc);
    first_when(&mut s, 5 * MIN, 20 * MIN, |s| status(s, 0) == "Failed");
    assert_eq!(
        deployments(&s)[0]["errorInformation"]["code"],
        "HOOK_EXECUTION_FAILURE"
    );
    assert!(events(&s, 0).contains(&"AfterAllowTestTraffic:Failed".to_string()));
    assert_eq!(deployments(&s)[1]["deploymentId"], "d-RB0000001");
    assert_eq!(deployments(&s)[1]["creator"], "codeDeployRollback");
    assert_eq!(
        deployments(&s)[0]["rollbackInfo"]["rollbackDeploymentId"],
        "d-RB0000001"
    );
    assert_eq!(weights(&s), (1000, 0));
    at(&mut s, 30 * MIN);
    assert_eq!(status(&s, 1), "Succeeded");
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(s.services()[0].task_definition, "web:1");
}

#[test]
fn without_auto_rollback_a_failed_deployment_leaves_both_task_sets() {
    let mut doc = codedeploy(
        json!({"autoRollbackConfiguration": {"enabled": false}}),
        json!({"AfterInstall": "smoke"}),
    );
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    let mut s = sim(doc);
    at(&mut s, 40 * MIN);
    assert_eq!(status(&s, 0), "Failed");
    assert_eq!(deployments(&s).len(), 1, "no rollback deployment");
    assert_eq!(by_revision(&s), (4, 4));
    assert_eq!(weights(&s), (1000, 0));
}

#[test]
fn a_hook_that_never_reports_fails_the_deployment_after_one_hour() {
    // "The deployment is considered to have failed if CodeDeploy is not notified by the
    // Lambda validation function within one hour."
    let mut doc = codedeploy(json!({}), json!({"BeforeAllowTraffic": "slow"}));
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "slow", "responses": [{"errorMessage": "Task timed out"}]}]);
    let mut s = sim(doc);
    let started = first_when(&mut s, 5 * MIN, 20 * MIN, |s| {
        logged(s, "calling Lambda hook slow")
    });
    at(&mut s, started + 60 * MIN - 1);
    assert_eq!(status(&s, 0), "InProgress");
    at(&mut s, started + 60 * MIN);
    assert_eq!(status(&s, 0), "Failed");
    assert_eq!(weights(&s), (1000, 0));
}

#[test]
fn the_ready_wait_holds_traffic_until_continue_deployment() {
    let ready = json!({"blueGreenDeploymentConfiguration": {
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30}}});
    let mut doc = codedeploy(ready.clone(), json!({}));
    doc["continueDeployments"] =
        json!([{"at": "PT25M", "deploymentId": "d-CD0000001", "deploymentWaitType": "READY_WAIT"}]);
    let mut s = sim(doc);
    first_when(&mut s, 5 * MIN, 20 * MIN, |s| status(s, 0) == "Ready");
    assert_eq!(deployments(&s)[0]["waiting"], "READY_WAIT");
    at(&mut s, 25 * MIN - 1);
    assert_eq!(
        weights(&s),
        (1000, 0),
        "no production traffic before ContinueDeployment"
    );
    at(&mut s, 25 * MIN);
    assert_eq!(status(&s, 0), "InProgress");
    assert_eq!(weights(&s), (900, 100));
    // Without ContinueDeployment the wait runs out: Stopped, rolled back
    // (DEPLOYMENT_STOP_ON_REQUEST).
    let mut s = sim(codedeploy(ready, json!({})));
    let waiting = first_when(&mut s, 5 * MIN, 20 * MIN, |s| status(s, 0) == "Ready");
    at(&mut s, waiting + 30 * MIN);
    assert_eq!(status(&s, 0), "Stopped");
    assert_eq!(deployments(&s)[0]["errorInformation"]["code"], "TIMEOUT");
    at(&mut s, waiting + 40 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn continue_deployment_termination_wait_stops_the_original_at_once() {
    let mut doc = codedeploy(all_at_once(60), json!({}));
    doc["continueDeployments"] = json!([
        {"at": "PT5M20S", "deploymentId": "d-CD0000001", "deploymentWaitType": "TERMINATION_WAIT"},
        {"at": "PT20M", "deploymentId": "d-CD0000001", "deploymentWaitType": "TERMINATION_WAIT"}]);
    let mut s = sim(doc);
    at(&mut s, 19 * MIN);
    assert!(logged(
        &s,
        "the original task set keeps running without it for 60 min"
    ));
    assert!(
        logged(
            &s,
            "continueDeployments[0].deploymentWaitType: TERMINATION_WAIT"
        ),
        "too early: refused"
    );
    assert_eq!(by_revision(&s), (4, 4));
    at(&mut s, 22 * MIN);
    assert_eq!(status(&s, 0), "Succeeded");
    assert_eq!(by_revision(&s), (0, 4));
}

#[test]
fn stop_deployment_rolls_back_when_asked_and_not_once_termination_began() {
    let mut doc = codedeploy(
        json!({"autoRollbackConfiguration": {"enabled": false}}),
        json!({}),
    );
    doc["stopDeployments"] = json!([
        {"at": "PT12M", "deploymentId": "d-CD0000001", "autoRollbackEnabled": true},
        {"at": "PT13M", "deploymentId": "d-CD0000001"}]);
    let mut s = sim(doc);
    at(&mut s, 12 * MIN);
    assert_eq!(status(&s, 0), "Stopped");
    assert_eq!(
        deployments(&s)[0]["errorInformation"]["code"],
        "MANUAL_STOP"
    );
    assert_eq!(weights(&s), (1000, 0));
    at(&mut s, 13 * MIN);
    assert!(logged(
        &s,
        "stopDeployments[1].deploymentId: DeploymentAlreadyCompletedException"
    ));
    at(&mut s, 20 * MIN);
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn an_alarm_of_the_deployment_group_stops_and_rolls_back() {
    let mut doc = codedeploy(
        json!({"alarmConfiguration": {"enabled": true, "alarms": [{"name": "green-requests"}]},
            "autoRollbackConfiguration": {"enabled": true, "events": ["DEPLOYMENT_STOP_ON_ALARM"]}}),
        json!({}),
    );
    // The canary's 10 % of 400 requests/s is 2,400 a minute on green.
    doc["alarms"] = support::blue_green::green_requests_alarm();
    let mut s = sim(doc);
    at(&mut s, 40 * MIN);
    assert_eq!(status(&s, 0), "Stopped", "{:?}", deployments(&s));
    assert_eq!(
        deployments(&s)[0]["errorInformation"]["code"],
        "ALARM_ACTIVE"
    );
    assert_eq!(status(&s, 1), "Succeeded");
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(weights(&s), (1000, 0));
}

#[test]
fn update_service_refuses_what_needs_a_codedeploy_deployment_in_aws_words() {
    let mut doc = codedeploy(json!({}), json!({}));
    doc.as_object_mut().unwrap().remove("createDeployments");
    doc["updateServices"] = json!([
        {"at": "PT1M", "service": "web", "taskDefinition": "web:2"},
        {"at": "PT2M", "service": "web", "forceNewDeployment": true},
        {"at": "PT3M", "service": "web", "desiredCount": 6}]);
    let mut s = sim(doc);
    at(&mut s, 10 * MIN);
    assert!(logged(&s, "updateServices[0].taskDefinition: InvalidParameterException: Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment."));
    assert!(logged(&s, "updateServices[1].forceNewDeployment: InvalidParameterException: Cannot force a new deployment on services with a CODE_DEPLOY deployment controller."));
    assert_eq!(by_revision(&s), (6, 0), "desiredCount still changes");
}

#[test]
fn create_service_with_code_deploy_needs_one_target_group_and_replica() {
    let base = codedeploy(json!({}), json!({}));
    let refused = |change: &dyn Fn(&mut Value), want: &str| {
        let mut doc = base.clone();
        change(&mut doc["services"][0]);
        let mut s = sim(doc);
        at(&mut s, 1);
        assert!(s.services().is_empty(), "{want}");
        assert!(
            logged(&s, want),
            "{want}: {:?}",
            s.log()
                .entries()
                .iter()
                .map(|e| &e.message)
                .collect::<Vec<_>>()
        );
    };
    refused(
        &|svc| {
            svc.as_object_mut().unwrap().remove("loadBalancers");
        },
        "needs an Application or Network Load Balancer target group",
    );
    refused(
        &|svc| {
            svc["loadBalancers"] = json!([{"targetGroupArn": BLUE_ARN, "containerName": "app", "containerPort": 80},
                {"targetGroupArn": GREEN_ARN, "containerName": "app", "containerPort": 80}]);
        },
        "multiple target groups are not supported for blue/green deployments",
    );
    refused(
        &|svc| {
            svc["deploymentConfiguration"] =
                json!({"alarms": {"alarmNames": ["a"], "enable": true, "rollback": true}});
        },
        "deploymentConfiguration.alarms: not supported with the CODE_DEPLOY deployment controller",
    );
}

#[test]
fn bad_codedeploy_requests_are_refused_naming_the_field() {
    let base = codedeploy(json!({}), json!({}));
    let case = |change: &dyn Fn(&mut Value)| {
        let mut doc = base.clone();
        change(&mut doc);
        Scenario::from_value(doc).unwrap_err()
    };
    let e = case(&|d| d["deploymentGroups"][0]["applicationName"] = json!("other"));
    assert_eq!(e.path, "deploymentGroups[0].applicationName", "{e}");
    let e = case(&|d| {
        d["deploymentGroups"][0]["deploymentConfigName"] = json!("CodeDeployDefault.AllAtOnce")
    });
    assert_eq!(e.path, "deploymentGroups[0].deploymentConfigName", "{e}");
    let e = case(&|d| {
        d["deploymentGroups"][0]["loadBalancerInfo"]["targetGroupPairInfoList"][0]["targetGroups"] =
            json!([{"name": "blue"}, {"name": "nope"}])
    });
    assert_eq!(
        e.path,
        "deploymentGroups[0].loadBalancerInfo.targetGroupPairInfoList[0].targetGroups[1].name",
        "{e}"
    );
    let e = case(&|d| {
        d["createDeployments"][0]["revision"]["appSpecContent"]["sha256"] = json!("00ff")
    });
    assert_eq!(
        e.path, "createDeployments[0].revision.appSpecContent.sha256",
        "{e}"
    );
    let e = case(&|d| {
        d["createDeployments"][0]["revision"] = json!({"revisionType": "S3",
        "s3Location": {"bucket": "b", "key": "appspec.yaml", "bundleType": "YAML"}})
    });
    assert_eq!(e.path, "createDeployments[0].revision.revisionType", "{e}");
    let e = case(&|d| {
        d["createDeployments"][0]["revision"]["appSpecContent"]["content"] =
            json!("version: 0.0\nResources: []\n")
    });
    assert_eq!(
        e.path, "createDeployments[0].revision.appSpecContent.content",
        "{e}"
    );
    assert!(e.message.contains("Resources: required"), "{e}");
    let e = case(&|d| d["codeDeployApplications"][0]["computePlatform"] = json!("Server"));
    assert_eq!(e.path, "codeDeployApplications[0].computePlatform", "{e}");
    // A correct sha256 is accepted.
    let mut doc = base.clone();
    let content = doc["createDeployments"][0]["revision"]["appSpecContent"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    use sha2::Digest;
    let sum: String = sha2::Sha256::digest(content.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    doc["createDeployments"][0]["revision"]["appSpecContent"]["sha256"] = json!(sum);
    assert!(Scenario::from_value(doc).is_ok());
}

#[test]
fn a_deployment_while_one_is_in_progress_or_of_an_unknown_revision_is_refused() {
    let mut doc = codedeploy(json!({}), json!({}));
    doc["createDeployments"].as_array_mut().unwrap().extend([
        deployment("PT6M", "web:1", json!({})),
        deployment("PT40M", "web:9", json!({})),
    ]);
    let mut s = sim(doc);
    at(&mut s, 60 * MIN);
    assert!(logged(&s, "createDeployments[1].deploymentGroupName: DeploymentLimitExceededException: deployment d-CD0000001"));
    assert!(logged(&s, "createDeployments[2].revision.appSpecContent.content: Resources[0].TargetService.Properties.TaskDefinition"));
    assert_eq!(deployments(&s).len(), 1);
    assert_eq!(status(&s, 0), "Succeeded");
}

#[test]
fn the_same_codedeploy_scenario_gives_the_same_event_log() {
    let doc = codedeploy(json!({}), json!({"AfterInstall": "smoke"}));
    let run = || {
        let mut s = sim(doc.clone());
        s.advance_to(SimTime(40 * MIN * 1000)).unwrap();
        s.log()
            .entries()
            .iter()
            .map(|e| format!("{} {}", e.at_ms, e.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

/// Adds a StopTask call at `at` for the service's first task (its ID comes from the seed).
fn stop_first_task(doc: &mut Value, at: Value) {
    let mut s = sim(doc.clone());
    support::at(&mut s, 60);
    let id = s.tasks()[0].id.clone();
    doc["stopTasks"] = json!([{"at": at, "task": id}]);
}

/// The AppSpec of `createDeployments[i]` with `extra` Properties lines after ContainerPort.
fn with_props(doc: &mut Value, i: usize, extra: &str) {
    let path = &mut doc["createDeployments"][i]["revision"]["appSpecContent"]["content"];
    let c = path.as_str().unwrap().replace(
        "          ContainerPort: 80\n",
        &format!("          ContainerPort: 80\n{extra}"),
    );
    *path = json!(c);
}

#[test]
fn ecs_deployment_apis_do_not_reach_a_code_deploy_service() {
    // StopServiceDeployment is ECS's; CODE_DEPLOY services stop through StopDeployment. The
    // circuit breaker "can only be used for services using the rolling update (ECS)
    // deployment type", and deployment alarms are refused by UpdateService as by CreateService.
    let mut doc = codedeploy(json!({}), json!({}));
    doc["stopServiceDeployments"] = json!([{"at": "PT6M",
        "serviceDeploymentArn": "arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/1"}]);
    doc["updateServices"] = json!([{"at": "PT1M", "service": "web",
        "deploymentConfiguration": {"alarms": {"alarmNames": ["a"], "enable": true, "rollback": true}}}]);
    let mut s = sim(doc.clone());
    at(&mut s, 40 * MIN);
    assert!(logged(&s, "stopServiceDeployments[0].serviceDeploymentArn: service web uses the CODE_DEPLOY deployment controller"));
    assert!(logged(&s, "updateServices[0].deploymentConfiguration.alarms: not supported with the CODE_DEPLOY deployment controller"));
    assert_eq!(status(&s, 0), "Succeeded");
    assert!(s.describe()["services"][0]
        .get("currentServiceDeployment")
        .is_none());
    doc["services"][0]["deploymentConfiguration"] =
        json!({"deploymentCircuitBreaker": {"enable": true, "rollback": true}});
    let mut s = sim(doc);
    at(&mut s, 1);
    assert!(logged(&s, "deploymentConfiguration.deploymentCircuitBreaker: can only be used for services using the rolling update (ECS) deployment type"));
}

#[test]
fn placement_and_grace_period_updates_do_not_disturb_a_code_deploy_deployment() {
    // UpdateService may change "task placement constraints and strategies" and the health
    // check grace period of a CODE_DEPLOY service: no new deployment starts.
    let mut doc = codedeploy(json!({}), json!({}));
    doc["updateServices"] = json!([
        {"at": "PT6M", "service": "web", "healthCheckGracePeriodSeconds": 120},
        {"at": "PT7M", "service": "web", "placementConstraints": [{"type": "distinctInstance"}]}]);
    let mut s = sim(doc);
    at(&mut s, 7 * MIN);
    assert!(
        !logged(&s, "updateServices["),
        "accepted: {:?}",
        s.log()
            .entries()
            .iter()
            .filter(|e| e.message.contains("updateServices["))
            .map(|e| &e.message)
            .collect::<Vec<_>>()
    );
    assert_eq!(weights(&s), (900, 100));
    assert_eq!(by_revision(&s), (4, 4));
    assert_eq!(
        s.services()[0].deployments.len(),
        2,
        "no ECS deployment of its own"
    );
    at(&mut s, 40 * MIN);
    assert_eq!(status(&s, 0), "Succeeded");
}

#[test]
fn deleting_the_service_fails_its_deployment_and_stale_timers_do_nothing() {
    let ready = json!({"blueGreenDeploymentConfiguration": {
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30}}});
    let mut doc = codedeploy(ready, json!({}));
    doc["deleteServices"] = json!([{"at": "PT10M", "service": "web", "force": true}]);
    let mut s = sim(doc);
    at(&mut s, 9 * MIN);
    assert_eq!(status(&s, 0), "Ready");
    at(&mut s, 60 * MIN);
    assert_eq!(status(&s, 0), "Failed");
    assert_eq!(
        deployments(&s)[0]["errorInformation"]["code"],
        "INVALID_ECS_SERVICE"
    );
    assert_eq!(deployments(&s).len(), 1);
    assert!(!logged(&s, "TIMEOUT"), "the ready wait's timer was stale");
}

#[test]
fn install_fails_after_an_hour_without_a_steady_replacement() {
    // "CodeDeploy will wait up to an hour for the green task set to reach steady state."
    let mut doc = codedeploy(json!({}), json!({}));
    doc["taskDefinitions"][1]["containerDefinitions"][0]["image"] =
        json!("public.ecr.aws/nginx/nginx:typo");
    doc["faults"] = json!([{"type": "ImagePullFailure", "image": "public.ecr.aws/nginx/nginx:typo", "detail": "not found"}]);
    doc["duration"] = json!("PT3H");
    let mut s = sim(doc);
    at(&mut s, 65 * MIN - 1);
    assert_eq!(status(&s, 0), "InProgress");
    at(&mut s, 65 * MIN);
    assert_eq!(status(&s, 0), "Failed");
    assert_eq!(deployments(&s)[0]["errorInformation"]["code"], "TIMEOUT");
    assert!(events(&s, 0).contains(&"Install:Failed".to_string()));
    at(&mut s, 70 * MIN);
    assert_eq!(
        status(&s, 1),
        "Succeeded",
        "rolled back (DEPLOYMENT_FAILURE)"
    );
    assert_eq!(by_revision(&s), (4, 0));
}

#[test]
fn the_next_deployment_replaces_the_primary_task_set_serving_production() {
    // "CodeDeploy determines which target group is associated with the task set ... that has
    // the status PRIMARY (this is the original task set)": after a stop without rollback
    // once all traffic moved, that is web:2 in green.
    let mut doc = codedeploy(
        {
            let mut group = all_at_once(60);
            merge(
                &mut group,
                json!({"autoRollbackConfiguration": {"enabled": false}}),
            );
            group
        },
        json!({}),
    );
    doc["stopDeployments"] = json!([{"at": "PT10M", "deploymentId": "d-CD0000001"}]);
    doc["createDeployments"]
        .as_array_mut()
        .unwrap()
        .push(deployment("PT20M", "web:1", json!({})));
    let mut s = sim(doc);
    at(&mut s, 10 * MIN);
    assert_eq!(status(&s, 0), "Stopped");
    assert_eq!(weights(&s), (0, 1000));
    at(&mut s, 20 * MIN);
    assert!(logged(
        &s,
        "replacement task set of web:1 in target group blue"
    ));
    assert_eq!(
        weights(&s),
        (0, 1000),
        "production stays on the PRIMARY web:2"
    );
    let sets = s.describe()["services"][0]["taskSets"].clone();
    let primary: Vec<&str> = sets
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "PRIMARY")
        .map(|t| t["taskDefinition"].as_str().unwrap())
        .collect();
    assert_eq!(
        primary,
        ["arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"]
    );
    at(&mut s, 25 * MIN);
    assert_eq!(weights(&s), (1000, 0));
    assert_eq!(status(&s, 1), "InProgress", "in its termination wait");
}

#[test]
fn a_rollback_puts_back_what_the_appspec_changed() {
    // "If validation fails and rollbacks are configured ... components return to their state
    // when the deployment started."
    let mut doc = codedeploy(json!({}), json!({"AfterInstall": "smoke"}));
    with_props(&mut doc, 0, "        NetworkConfiguration:\n          AwsvpcConfiguration:\n            Subnets: [\"subnet-b\"]\n            SecurityGroups: [\"sg-1\"]\n            AssignPublicIp: \"DISABLED\"\n");
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    let mut s = sim(doc);
    at(&mut s, 29 * MIN);
    assert_eq!(status(&s, 1), "Succeeded");
    assert_eq!(
        s.describe()["services"][0]["networkConfiguration"],
        json!({"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}})
    );
    let sets = s.describe()["services"][0]["taskSets"].clone();
    assert!(
        sets[0].get("externalId").is_none(),
        "CreateService made it: {sets}"
    );
}

#[test]
fn a_before_install_failure_has_nothing_to_roll_back() {
    // BeforeInstall: "A rollback is not possible at this point."
    let mut doc = codedeploy(json!({}), json!({"BeforeInstall": "pre"}));
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "pre", "responses": [{"status": "Failed"}]}]);
    let mut s = sim(doc);
    at(&mut s, 30 * MIN);
    assert_eq!(status(&s, 0), "Failed");
    assert_eq!(deployments(&s).len(), 1, "no rollback deployment");
    assert!(logged(
        &s,
        "nothing was installed, so there is nothing to roll back"
    ));
    assert_eq!(by_revision(&s), (4, 0));
    assert_eq!(s.services()[0].task_definition, "web:1");
}

#[test]
fn the_second_target_group_is_checked_as_a_blue_green_pair() {
    let mut doc = codedeploy(json!({}), json!({}));
    doc["targetGroups"][1]["TargetType"] = json!("instance");
    let mut s = sim(doc);
    at(&mut s, 6 * MIN);
    assert!(logged(
        &s,
        "must have the same target type and load balancer type as blue"
    ));
    assert!(deployments(&s).is_empty());
    let mut doc = codedeploy(json!({}), json!({}));
    doc["loadBalancers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"Name": "other", "Type": "application"}));
    doc["listeners"][1]["LoadBalancerArn"] = json!("other");
    let mut s = sim(doc);
    at(&mut s, 6 * MIN);
    assert!(logged(
        &s,
        "target group green is behind another load balancer than the service's blue"
    ));
}

#[test]
fn a_native_lambda_hook_script_matches_its_whole_arn() {
    // ECS's own hooks name functions by ARN: a script for another account's function of the
    // same name does not answer.
    let hook = "arn:aws:lambda:us-east-1:123456789012:function:check:live";
    let mut v = support::blue_green::scenario(
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
        "lifecycleHooks": [{"targetType": "AWS_LAMBDA", "hookTargetArn": hook,
            "roleArn": "arn:aws:iam::123456789012:role/ecsLambdaHooks", "lifecycleStages": ["POST_SCALE_UP"]}]}),
    );
    v["lambdaHookResponses"] = json!([
        {"hookTargetArn": "arn:aws:lambda:eu-west-1:999999999999:function:check:test", "responses": [{"hookStatus": "FAILED"}]}]);
    let mut s = sim(v);
    at(&mut s, 30 * MIN);
    assert!(logged(&s, "no lambdaHookResponses entry for it"));
}

#[test]
fn aws_deploy_get_output_pastes_as_it_is() {
    // `aws deploy get-application`, `get-deployment-config` and `get-deployment-group`
    // wrap the request members; their read-only members are ignored, EC2-only ones warned.
    let mut doc = codedeploy(json!({"deploymentConfigName": "web-linear"}), json!({}));
    let group = doc["deploymentGroups"][0].clone();
    let mut info = group.clone();
    info["deploymentGroupId"] = json!("0f1e2d3c-aaaa-bbbb-cccc-111122223333");
    info["computePlatform"] = json!("ECS");
    info["triggerConfigurations"] = json!([{"triggerName": "t", "triggerTargetArn": "arn:aws:sns:us-east-1:1:t", "triggerEvents": ["DeploymentFailure"]}]);
    doc["deploymentGroups"] = json!([{"deploymentGroupInfo": info}]);
    doc["codeDeployApplications"] = json!([{"application": {"applicationId": "4a1b", "applicationName": "web-app",
        "createTime": 1700000000.0, "linkedToGitHub": false, "computePlatform": "ECS"}}]);
    doc["deploymentConfigs"] = json!([{"deploymentConfigInfo": {"deploymentConfigId": "9c8d", "deploymentConfigName": "web-linear",
        "createTime": 1700000000.0, "computePlatform": "ECS",
        "trafficRoutingConfig": {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 50, "linearInterval": 1}}}}]);
    let scenario = Scenario::from_value(doc).unwrap();
    let warned: Vec<String> = scenario
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.path, w.message))
        .collect();
    assert!(
        warned.contains(
            &"deploymentGroups[0]: kept but not simulated yet: triggerConfigurations".to_string()
        ),
        "{warned:?}"
    );
    let mut s = Simulation::new(scenario);
    let first = first_when(&mut s, 5 * MIN, 20 * MIN, |s| weights(s).1 > 0);
    assert_eq!(weights(&s), (500, 500));
    at(&mut s, first + MIN);
    assert_eq!(weights(&s), (0, 1000));
}

#[test]
fn both_task_sets_keep_their_computed_desired_count() {
    // TaskSet.computedDesiredCount: "the service's desiredCount by the task set's scale"
    // (100 % for both during a CodeDeploy deployment): a new desired count reaches both, and
    // a lost task of the original task set is replaced.
    let mut doc = codedeploy(json!({}), json!({}));
    doc["updateServices"] = json!([{"at": "PT6M", "service": "web", "desiredCount": 6}]);
    stop_first_task(&mut doc, json!("PT8M"));
    let mut s = sim(doc);
    at(&mut s, 7 * MIN);
    assert_eq!(by_revision(&s), (6, 6));
    at(&mut s, 8 * MIN + 1);
    assert_eq!(
        by_revision(&s).0,
        6,
        "the stopped original task is replaced"
    );
    let sets = s.describe()["services"][0]["taskSets"].clone();
    assert!(sets
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["computedDesiredCount"] == 6));
    at(&mut s, 40 * MIN);
    assert_eq!(status(&s, 0), "Succeeded");
    assert_eq!(by_revision(&s), (0, 6));
}

mod properties {
    use super::*;
    use ecs_engine::task::TaskStatus;
    use proptest::prelude::*;

    /// The production weights of blue and green; all on blue before the first deployment
    /// pairs them.
    fn rule(s: &Simulation) -> (u32, u32) {
        match s.listener_rule_weight(0) {
            Some(w) => (w, 1000 - w),
            None => (1000, 0),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever the configuration, the hook's answer, the waits, StopDeployment and the
        /// desired count do, every CodeDeploy deployment ends (none is left InProgress or
        /// Ready), production traffic only goes to a target group with live targets while
        /// tasks run, and a deployment that succeeded or was rolled back leaves the desired
        /// count of one revision's tasks in the group that takes all production traffic.
        #[test]
        fn code_deploy_deployments_always_end(
            config in 0usize..5,
            hook_event in 0usize..6,
            answer in 0usize..3,
            rollback in any::<bool>(),
            ready_wait in proptest::option::of(5u32..30),
            continue_at in proptest::option::of(6u64..40),
            stop_at in proptest::option::of(6u64..40),
            desired_to in proptest::option::of((6u64..30, 1u32..6)),
        ) {
            let configs = ["CodeDeployDefault.ECSAllAtOnce", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
                "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "CodeDeployDefault.ECSCanary10Percent5Minutes",
                "CodeDeployDefault.ECSCanary10Percent15Minutes"];
            let events = ["BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"];
            let mut group = json!({"deploymentConfigName": configs[config],
                "autoRollbackConfiguration": {"enabled": rollback,
                    "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]},
                "blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess":
                    {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5}}});
            if let Some(m) = ready_wait {
                group["blueGreenDeploymentConfiguration"]["deploymentReadyOption"] =
                    json!({"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": m});
            }
            let hooks = match events.get(hook_event) {
                Some(e) => json!({ *e: "check" }),
                None => json!({}),
            };
            let mut doc = codedeploy(group, hooks);
            doc["duration"] = json!("PT4H");
            let response = match answer {
                0 => json!({"status": "Succeeded"}),
                1 => json!({"status": "Failed"}),
                _ => json!({"errorMessage": "timed out"}),
            };
            doc["lambdaHookResponses"] = json!([{"hookTargetArn": "check", "responses": [response]}]);
            if let Some(m) = continue_at {
                doc["continueDeployments"] = json!([{"at": m * 60, "deploymentId": "d-CD0000001"}]);
            }
            if let Some(m) = stop_at {
                doc["stopDeployments"] = json!([{"at": m * 60, "deploymentId": "d-CD0000001"}]);
            }
            let mut desired = 4usize;
            if let Some((m, n)) = desired_to {
                doc["updateServices"] = json!([{"at": m * 60, "service": "web", "desiredCount": n}]);
                desired = n as usize;
            }
            let mut s = sim(doc);
            for minute in 1..=240u64 {
                at(&mut s, minute * MIN);
                let (blue, green) = rule(&s);
                for (g, w) in [(0, blue), (1, green)] {
                    let serving = live_targets(&s, g);
                    let tasks_run = s.tasks().iter().any(|t| t.last_status == TaskStatus::Running);
                    prop_assert!(w == 0 || serving > 0 || !tasks_run || minute < 2,
                        "minute {minute}: weight {w} on group {g} without live targets");
                }
            }
            let all = deployments(&s);
            prop_assert!(all.iter().all(|d| d["status"] != "InProgress" && d["status"] != "Ready"), "{all:#?}");
            let ended_clean = all[0]["status"] == "Succeeded"
                || all.iter().any(|d| d["creator"] == "codeDeployRollback")
                || all[0]["errorInformation"]["message"].as_str().is_some_and(|m| m.contains("nothing was installed"));
            if ended_clean {
                let running: Vec<_> = s.tasks().iter().filter(|t| t.last_status == TaskStatus::Running).collect();
                prop_assert_eq!(running.len(), desired);
                prop_assert!(running.iter().all(|t| t.task_definition_arn == running[0].task_definition_arn));
                let production = if rule(&s).0 == 1000 { 0 } else { 1 };
                prop_assert_eq!((live_targets(&s, production), live_targets(&s, 1 - production)), (desired, 0));
            }
        }
    }
}

mod original_task_set {
    use super::*;
    use ecs_engine::task::Task;

    fn az(s: &Simulation, t: &Task) -> String {
        s.cluster().instances[t.reservation.slot]
            .availability_zone
            .clone()
    }

    /// Active tasks of `rev` as (id, zone, started_by, capacity provider index).
    fn tasks_of(s: &Simulation, rev: &str) -> Vec<(String, String, Option<String>, Option<usize>)> {
        s.tasks()
            .iter()
            .filter(|t| t.is_active() && support::blue_green::revision(s, t) == rev)
            .map(|t| {
                (
                    t.id.clone(),
                    az(s, t),
                    t.started_by.clone(),
                    t.capacity_provider,
                )
            })
            .collect()
    }

    #[test]
    fn a_replacement_for_the_original_uses_its_own_network_configuration() {
        let mut doc = codedeploy(json!({}), json!({}));
        doc["services"][0]["networkConfiguration"] =
            json!({"awsvpcConfiguration": {"subnets": ["subnet-a"]}});
        with_props(&mut doc, 0, "        NetworkConfiguration:\n          AwsvpcConfiguration:\n            Subnets: [\"subnet-b\"]\n            SecurityGroups: [\"sg-1\"]\n            AssignPublicIp: \"DISABLED\"\n");
        stop_first_task(&mut doc, json!("PT8M"));
        let mut s = sim(doc);
        at(&mut s, 7 * MIN);
        at(&mut s, 9 * MIN);
        let orig = tasks_of(&s, "web:1");
        assert_eq!(orig.len(), 4);
        assert!(
            orig.iter().all(|t| t.1 == "us-east-1a"),
            "original's replacement left its subnets: {orig:?}"
        );
    }
}

mod original_task_set_capacity {
    use super::*;

    #[test]
    fn a_replacement_for_the_original_uses_its_own_capacity_provider() {
        let mut doc = codedeploy(json!({}), json!({}));
        doc["clusters"] =
            json!([{"clusterName": "default", "capacityProviders": ["FARGATE", "FARGATE_SPOT"]}]);
        with_props(&mut doc, 0, "        CapacityProviderStrategy:\n          - CapacityProvider: \"FARGATE_SPOT\"\n            Weight: 1\n");
        stop_first_task(&mut doc, json!("PT8M"));
        let mut s = sim(doc);
        at(&mut s, 9 * MIN);
        let provs: Vec<(String, Option<usize>)> = s
            .tasks()
            .iter()
            .filter(|t| t.is_active())
            .map(|t| (support::blue_green::revision(&s, t), t.capacity_provider))
            .collect();
        let orig: Vec<_> = provs.iter().filter(|p| p.0 == "web:1").collect();
        assert!(
            orig.iter().all(|p| p.1 == orig[0].1),
            "original task set split across providers: {orig:?}"
        );
    }
}

/// `codedeploy` on EC2 with awsvpc: 4 m5.large in each of us-east-1a and us-east-1b.
fn codedeploy_ec2(group: Value, hooks: Value) -> Value {
    let mut doc = codedeploy(group, hooks);
    for td in doc["taskDefinitions"].as_array_mut().unwrap() {
        td["requiresCompatibilities"] = json!(["EC2"]);
    }
    doc["services"][0]["launchType"] = json!("EC2");
    let mut instances = Vec::new();
    for i in 0..8 {
        let (az, subnet) = if i % 2 == 0 {
            ("us-east-1a", "subnet-a")
        } else {
            ("us-east-1b", "subnet-b")
        };
        instances.push(
            json!({"id": format!("i-0aaaaaaaaaaaaaa{i:02}"), "instanceType": "m5.large",
            "availabilityZone": az, "subnetId": subnet, "iamInstanceProfile": "ecsInstanceRole"}),
        );
    }
    doc["containerInstances"] = json!(instances);
    doc["iamRoles"] = support::roles(json!([]));
    doc
}

mod original_task_set_ec2 {
    use super::*;

    fn zones(s: &Simulation, rev: &str) -> Vec<String> {
        let mut z: Vec<String> = s
            .tasks()
            .iter()
            .filter(|t| t.is_active() && support::blue_green::revision(s, t) == rev)
            .map(|t| {
                s.cluster().instances[t.reservation.slot]
                    .availability_zone
                    .clone()
            })
            .collect();
        z.sort();
        z
    }

    #[test]
    fn after_a_rollback_new_tasks_use_the_services_own_subnets_again() {
        let mut doc = codedeploy_ec2(json!({}), json!({"AfterInstall": "smoke"}));
        with_props(&mut doc, 0, "        NetworkConfiguration:\n          AwsvpcConfiguration:\n            Subnets: [\"subnet-b\"]\n            SecurityGroups: [\"sg-1\"]\n            AssignPublicIp: \"DISABLED\"\n");
        doc["lambdaHookResponses"] =
            json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
        doc["updateServices"] = json!([{"at": "PT40M", "service": "web", "desiredCount": 8}]);
        let mut s = sim(doc);
        at(&mut s, 4 * MIN);
        at(&mut s, 30 * MIN);
        at(&mut s, 45 * MIN);
        let z = zones(&s, "web:1");
        assert_eq!(z.len(), 8);
        assert!(
            z.iter().filter(|z| *z == "us-east-1a").count() > 2,
            "new tasks only in the AppSpec's zone: {z:?}"
        );
    }
}

#[test]
fn an_appspec_may_change_the_container_port_with_a_network_configuration() {
    let mut doc = codedeploy(json!({}), json!({"AfterInstall": "smoke"}));
    doc["taskDefinitions"][1]["containerDefinitions"][0]["portMappings"] =
        json!([{"containerPort": 8080}]);
    let path = &mut doc["createDeployments"][0]["revision"]["appSpecContent"]["content"];
    let c = path.as_str().unwrap().replace("ContainerPort: 80\n", "ContainerPort: 8080\n        NetworkConfiguration:\n          AwsvpcConfiguration:\n            Subnets: [\"subnet-b\"]\n            SecurityGroups: [\"sg-1\"]\n            AssignPublicIp: \"DISABLED\"\n");
    *path = json!(c);
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    doc["updateServices"] = json!([{"at": "PT40M", "service": "web", "desiredCount": 6}]);
    let mut s = sim(doc);
    at(&mut s, 45 * MIN);
    assert!(!deployments(&s).is_empty(), "CreateDeployment refused: the request's old containerPort is checked against the new revision");
}

#[test]
fn a_rollback_puts_back_the_container_port() {
    let mut doc = codedeploy(json!({}), json!({"AfterInstall": "smoke"}));
    doc["taskDefinitions"][1]["containerDefinitions"][0]["portMappings"] =
        json!([{"containerPort": 8080}]);
    let path = &mut doc["createDeployments"][0]["revision"]["appSpecContent"]["content"];
    let c = path
        .as_str()
        .unwrap()
        .replace("ContainerPort: 80\n", "ContainerPort: 8080\n");
    *path = json!(c);
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    doc["updateServices"] = json!([{"at": "PT40M", "service": "web", "desiredCount": 6}]);
    let mut s = sim(doc);
    at(&mut s, 45 * MIN);
    assert!(!logged(&s, "could not be put back"));
    assert_eq!(s.services()[0].load_balancers[0].container_port, 80);
}

#[test]
fn an_unhealthy_original_task_is_replaced() {
    let ready = json!({"blueGreenDeploymentConfiguration": {
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 120}}});
    let mut doc = codedeploy(ready, json!({}));
    doc["faults"] = json!([{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT8M", "count": 1}]);
    let mut s = sim(doc);
    at(&mut s, 60 * MIN);
    let unhealthy: Vec<_> = s
        .tasks()
        .iter()
        .filter(|t| t.is_active() && t.unhealthy_stop.is_some())
        .map(|t| (t.id.clone(), support::blue_green::revision(&s, t)))
        .collect();
    assert!(
        unhealthy.is_empty(),
        "an unhealthy original task stays for 52 minutes"
    );
}

#[test]
fn a_placement_update_applies_to_a_code_deploy_service() {
    let mut doc = codedeploy_ec2(json!({}), json!({}));
    doc.as_object_mut().unwrap().remove("createDeployments");
    doc["updateServices"] = json!([
        {"at": "PT5M", "service": "web", "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"}]},
        {"at": "PT6M", "service": "web", "desiredCount": 8}]);
    let mut s = sim(doc);
    at(&mut s, 10 * MIN);
    let mut z: Vec<String> = s
        .tasks()
        .iter()
        .filter(|t| t.is_active())
        .map(|t| {
            s.cluster().instances[t.reservation.slot]
                .availability_zone
                .clone()
        })
        .collect();
    z.sort();
    assert_eq!(
        z.iter().filter(|z| *z == "us-east-1b").count(),
        2,
        "tasks started after the update ignore memberOf: {z:?}"
    );
}

#[test]
fn real_get_deployment_group_output_warns_only_of_what_is_not_simulated() {
    let mut doc = codedeploy(json!({}), json!({}));
    let mut info = doc["deploymentGroups"][0].clone();
    merge(
        &mut info,
        json!({"deploymentGroupId": "0f1e", "ec2TagFilters": [], "onPremisesInstanceTagFilters": [],
        "autoScalingGroups": [], "triggerConfigurations": [],
        "alarmConfiguration": {"enabled": false, "ignorePollAlarmFailure": false, "alarms": []},
        "outdatedInstancesStrategy": "UPDATE", "computePlatform": "ECS", "terminationHookEnabled": false,
        "lastSuccessfulDeployment": {"deploymentId": "d-ABC", "status": "Succeeded", "endTime": 1700000000.0, "createTime": 1700000000.0}}),
    );
    doc["deploymentGroups"] = json!([{"deploymentGroupInfo": info}]);
    doc["codeDeployApplications"] = json!([{"application": {"applicationId": "4a1b", "applicationName": "web-app",
        "createTime": 1700000000.0, "linkedToGitHub": false, "computePlatform": "ECS"}}]);
    let scenario = Scenario::from_value(doc).unwrap();
    assert!(
        scenario
            .warnings
            .iter()
            .all(|w| !w.path.starts_with("deploymentGroups")),
        "{:?}",
        scenario.warnings
    );
}

#[test]
fn a_rollback_from_a_capacity_provider_strategy_restores_the_launch_type() {
    let mut doc = codedeploy(json!({}), json!({"AfterInstall": "smoke"}));
    doc["clusters"] =
        json!([{"clusterName": "default", "capacityProviders": ["FARGATE", "FARGATE_SPOT"]}]);
    with_props(&mut doc, 0, "        CapacityProviderStrategy:\n          - CapacityProvider: \"FARGATE_SPOT\"\n            Weight: 1\n");
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    doc["updateServices"] = json!([{"at": "PT40M", "service": "web", "desiredCount": 6}]);
    let mut s = sim(doc);
    at(&mut s, 45 * MIN);
    let d = s.describe();
    assert_eq!(d["services"][0]["launchType"], "FARGATE");
    assert!(d["services"][0].get("capacityProviderStrategy").is_none());
    let provs: Vec<_> = s
        .tasks()
        .iter()
        .filter(|t| t.is_active())
        .map(|t| t.capacity_provider)
        .collect();
    assert!(provs.iter().all(|p| *p == Some(0)));
}

#[test]
fn after_a_failure_without_rollback_the_task_sets_are_still_kept() {
    let mut doc = codedeploy(
        json!({"autoRollbackConfiguration": {"enabled": false}}),
        json!({"AfterInstall": "smoke"}),
    );
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    stop_first_task(&mut doc, json!("PT20M"));
    let mut s = sim(doc);
    at(&mut s, 19 * MIN);
    at(&mut s, 100 * MIN);
    assert_eq!(
        by_revision(&s).0,
        4,
        "the task set serving production stays one short"
    );
}

#[test]
fn after_a_container_port_change_update_service_takes_a_grace_period() {
    let mut doc = codedeploy(all_at_once(0), json!({}));
    doc["taskDefinitions"][1]["containerDefinitions"][0]["portMappings"] =
        json!([{"containerPort": 8080}]);
    let path = &mut doc["createDeployments"][0]["revision"]["appSpecContent"]["content"];
    let c = path
        .as_str()
        .unwrap()
        .replace("ContainerPort: 80\n", "ContainerPort: 8080\n");
    *path = json!(c);
    doc["updateServices"] =
        json!([{"at": "PT40M", "service": "web", "healthCheckGracePeriodSeconds": 60}]);
    let mut s = sim(doc);
    at(&mut s, 45 * MIN);
    assert!(!logged(&s, "updateServices[0]"));
}

#[test]
fn deleting_the_service_during_a_rollback_ends_the_rollback() {
    let mut doc = codedeploy(json!({}), json!({"AfterInstall": "smoke"}));
    for tg in doc["targetGroups"].as_array_mut().unwrap() {
        tg["Attributes"] = json!([{"Key": "deregistration_delay.timeout_seconds", "Value": "300"}]);
    }
    doc["lambdaHookResponses"] =
        json!([{"hookTargetArn": "smoke", "responses": [{"status": "Failed"}]}]);
    let mut s = sim(doc.clone());
    let failed = first_when(&mut s, 5 * MIN, 20 * MIN, |s| status(s, 0) == "Failed");
    let probe = s.tasks()[0].id.clone();
    doc["stopTasks"] = json!([{"at": failed - 1, "task": probe}]);
    doc["deleteServices"] = json!([{"at": failed + 5, "service": "web", "force": true}]);
    let mut s = sim(doc);
    at(&mut s, failed + 4);
    at(&mut s, 100 * MIN);
    assert_ne!(
        status(&s, 1),
        "InProgress",
        "the rollback deployment never ends"
    );
}

#[test]
fn the_benchmark_day_deploys_twelve_times_alternating_revisions() {
    // `workload::code_deploy_day`, the benchmark's scenario, at a small size: every
    // deployment succeeds, in alternate target groups.
    let json = ecs_engine::workload::code_deploy_day(20);
    let mut s = Simulation::new(Scenario::from_json(&json).unwrap());
    s.advance_to(SimTime(24 * 60 * MIN * 1000)).unwrap();
    let all = deployments(&s);
    assert_eq!(all.len(), 12);
    assert!(all.iter().all(|d| d["status"] == "Succeeded"), "{all:#?}");
    assert_eq!(
        by_revision(&s),
        (20, 0),
        "the twelfth deployment put web:1 back"
    );
}

#[test]
fn a_scaling_event_that_leaves_the_service_unsteady_for_5_minutes_fails_the_deployment() {
    // "If a service is in the process of a blue/green deployment and a scaling event occurs,
    // traffic will continue to shift for 5 minutes. If the service doesn't reach steady state
    // within 5 minutes, CodeDeploy will stop the deployment and mark it as failed." On 8
    // m5.large (32 tasks), two task sets of 20 cannot run.
    let mut doc = codedeploy_ec2(json!({}), json!({}));
    doc["updateServices"] = json!([{"at": "PT6M", "service": "web", "desiredCount": 20}]);
    let mut s = sim(doc);
    at(&mut s, 11 * MIN - 1);
    assert_eq!(status(&s, 0), "InProgress");
    at(&mut s, 11 * MIN);
    assert_eq!(status(&s, 0), "Failed");
    assert_eq!(
        deployments(&s)[0]["errorInformation"]["message"],
        "the service did not reach a steady state within 5 minutes of a scaling event"
    );
    assert_eq!(
        status(&s, 1),
        "InProgress",
        "rolling back (DEPLOYMENT_FAILURE)"
    );
    assert_eq!(weights(&s), (1000, 0));
}
