//! ECS Exec (`engine/src/execute_command.rs`): `enableExecuteCommand` on services and tasks,
//! ExecuteCommand calls (`executeCommands[]`) and the amazon-ecs-exec-checker's checklist.
//! Each test names the rule of the developer guide's ECS Exec page [EXEC] or the API
//! reference it asserts.

mod support;

use ecs_engine::execute_command::{
    ExecCheck, Verdict, INTERACTIVE_ONLY, NOT_CONNECTED, NOT_ENABLED, SSM_ACTIONS,
};
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, awslogs, container, described_task, logged, role, roles, scenario, sim, Launch};

/// A Fargate service `web` (one task of one container `app`) with exec on, task role `app`
/// allowing `actions`; IAM is on.
fn fargate(actions: &[&str]) -> Value {
    let mut d = scenario(
        Launch::Fargate,
        json!([container("nginx:1.27", json!({}))]),
        json!({"taskRoleArn": "arn:aws:iam::123456789012:role/app"}),
        json!({"iamRoles": roles(json!([role("app", actions)]))}),
    );
    d["services"][0]["enableExecuteCommand"] = json!(true);
    d
}

/// Runs `d` to 2 minutes for the first task's ID, then again with ExecuteCommand `call`
/// (its `task` filled in when absent) at `at_secs`, to `at_secs + 1`.
fn exec(mut d: Value, mut call: Value, at_secs: u64) -> Simulation {
    let mut s = sim(d.clone());
    at(&mut s, 120);
    let id = s.tasks()[0].id.clone();
    call["at"] = json!(at_secs);
    if call.get("task").is_none() {
        call["task"] = json!(id);
    }
    d["executeCommands"] = json!([call]);
    let mut s = sim(d);
    at(&mut s, at_secs + 1);
    s
}

/// The run output's record of ExecuteCommand call 0.
fn outcome(s: &Simulation) -> Value {
    s.describe()["executeCommands"][0].clone()
}

/// The checklist's line `name` for task `t` (the session in `container`, or the first).
fn check(s: &Simulation, t: usize, name: &str, container: Option<&str>) -> ExecCheck {
    s.exec_checks(t, container)
        .into_iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no checklist line {name}"))
}

fn shell() -> Value {
    json!({"command": "/bin/sh", "interactive": true})
}

#[test]
fn a_task_with_exec_opens_a_session_and_describe_tasks_shows_its_agent() {
    // EXEC: the task role allows the four ssmmessages actions; DescribeTasks shows
    // enableExecuteCommand and the ExecuteCommandAgent RUNNING.
    let s = exec(fargate(&SSM_ACTIONS), shell(), 120);
    let o = outcome(&s);
    let session = o["response"]["session"]["sessionId"].as_str().unwrap();
    assert!(session.starts_with("ecs-execute-command-"), "{o}");
    assert_eq!(o["response"]["containerName"], "app");
    assert_eq!(o["response"]["interactive"], true);
    assert!(logged(
        &s,
        &format!("session {session} opened in container app")
    ));
    let id = s.tasks()[0].id.clone();
    let d = described_task(&s, &id);
    assert_eq!(d["enableExecuteCommand"], true);
    assert_eq!(d["platformVersion"], "1.4.0");
    assert_eq!(d["platformFamily"], "Linux");
    let agent = &d["containers"][0]["managedAgents"][0];
    assert_eq!(agent["name"], "ExecuteCommandAgent");
    assert_eq!(agent["lastStatus"], "RUNNING");
    assert!(agent["lastStartedAt"].is_string(), "{agent}");
    let t = s.tasks().iter().position(|t| t.id == id).unwrap();
    assert!(s
        .exec_checks(t, None)
        .iter()
        .all(|c| c.verdict != Verdict::Fail));
}

#[test]
fn exec_cannot_be_turned_on_for_existing_tasks() {
    // EXEC: "You can't turn on ECS Exec for existing tasks. It can only be turned on for new
    // tasks."; API-US: enableExecuteCommand "doesn't trigger a new service deployment".
    let mut d = fargate(&SSM_ACTIONS);
    d["services"][0]["enableExecuteCommand"] = json!(false);
    d["updateServices"] = json!([{"at": 60, "service": "web", "enableExecuteCommand": true}]);
    let s = exec(d.clone(), shell(), 150);
    assert_eq!(s.tasks().len(), 1, "no deployment replaced the task");
    assert!(!s.tasks()[0].execute_command);
    assert_eq!(outcome(&s)["error"]["error"], "InvalidParameterException");
    assert_eq!(outcome(&s)["error"]["message"], NOT_ENABLED);
    let t = 0;
    let check = check(&s, t, "Exec Enabled for Task", None);
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(
        check.detail.contains("forceNewDeployment"),
        "{}",
        check.detail
    );
    // forceNewDeployment replaces the task with one that has exec.
    d["updateServices"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": 180, "service": "web", "forceNewDeployment": true}));
    let mut s = sim(d);
    at(&mut s, 900);
    let newest = s.tasks().last().unwrap();
    assert!(newest.execute_command && newest.is_active());
    assert!(!s.tasks()[0].is_active());
}

#[test]
fn exec_needs_a_task_role() {
    // Observed wording: "The service couldn't be created because a valid taskRoleArn is not
    // being used. Specify a valid task role in your task definition and try again."; API-RT:
    // "the task definition must have a task role".
    let mut d = scenario(
        Launch::Fargate,
        json!([container("nginx:1.27", json!({}))]),
        json!({}),
        json!({}),
    );
    d["services"][0]["enableExecuteCommand"] = json!(true);
    let refusal = support::service_refusal(d.clone());
    assert!(
        refusal.starts_with("services[0].enableExecuteCommand: InvalidParameterException: The service couldn't be created because a valid taskRoleArn is not being used."),
        "{refusal}"
    );
    d["services"][0]["enableExecuteCommand"] = json!(false);
    d["updateServices"] = json!([{"at": 60, "service": "web", "enableExecuteCommand": true}]);
    d["runTasks"] = json!([{"at": 60, "taskDefinition": "web", "launchType": "FARGATE", "enableExecuteCommand": true,
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}]);
    let mut s = sim(d);
    at(&mut s, 61);
    assert!(logged(&s, "updateServices[0].enableExecuteCommand: InvalidParameterException: The service couldn't be updated because a valid taskRoleArn"));
    assert!(logged(&s, "enableExecuteCommand: InvalidParameterException: The task couldn't be run because a valid taskRoleArn"));
    assert_eq!(s.tasks().len(), 1, "the RunTask started nothing");
}

#[test]
fn a_task_role_without_ssmmessages_leaves_the_target_not_connected() {
    // EXEC: the four ssmmessages actions; without them TargetNotConnectedException.
    let s = exec(fargate(&SSM_ACTIONS[..3]), shell(), 120);
    assert_eq!(outcome(&s)["error"]["error"], "TargetNotConnectedException");
    assert_eq!(outcome(&s)["error"]["message"], NOT_CONNECTED);
    assert!(
        logged(&s, "ssmmessages:OpenDataChannel"),
        "the cause is named"
    );
    let role = check(&s, 0, "Task Role Permissions", None);
    assert_eq!(role.verdict, Verdict::Fail);
}

#[test]
fn a_read_only_root_filesystem_does_not_take_the_ssm_agent() {
    // EXEC: readonlyRootFilesystem "isn't supported".
    let mut d = fargate(&SSM_ACTIONS);
    d["taskDefinitions"][0]["containerDefinitions"][0]["readonlyRootFilesystem"] = json!(true);
    let s = exec(d, shell(), 120);
    assert_eq!(outcome(&s)["error"]["error"], "TargetNotConnectedException");
    assert_eq!(
        check(&s, 0, "Read-Only Root Filesystem", None).verdict,
        Verdict::Fail
    );
}

#[test]
fn only_interactive_sessions_are_supported() {
    // API-EC: "Amazon ECS only supports initiating interactive sessions".
    let s = exec(
        fargate(&SSM_ACTIONS),
        json!({"command": "ls", "interactive": false}),
        120,
    );
    assert_eq!(outcome(&s)["error"]["message"], INTERACTIVE_ONLY);
}

#[test]
fn a_task_of_several_containers_needs_the_container_named() {
    // API-EC: "A container name only needs to be specified for tasks containing multiple
    // containers."
    let mut d = fargate(&SSM_ACTIONS);
    d["taskDefinitions"][0]["containerDefinitions"] = json!([
        container("nginx:1.27", json!({})),
        {"name": "sidecar", "image": "busybox", "memory": 64, "essential": false}
    ]);
    let s = exec(d.clone(), shell(), 120);
    assert!(outcome(&s)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("multiple containers"));
    let s = exec(
        d.clone(),
        json!({"command": "/bin/sh", "interactive": true, "container": "db"}),
        120,
    );
    assert!(outcome(&s)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("db"));
    let s = exec(
        d,
        json!({"command": "/bin/sh", "interactive": true, "container": "sidecar"}),
        120,
    );
    assert_eq!(outcome(&s)["response"]["containerName"], "sidecar");
}

#[test]
fn an_old_agent_or_platform_never_starts_the_exec_agent() {
    // EXEC: container agent 1.50.2 or later on EC2, platform version 1.4.0 or later on
    // Fargate; [unconfirmed] the agent stays PENDING.
    let mut d = fargate(&SSM_ACTIONS);
    d["services"][0]["platformVersion"] = json!("1.3.0");
    let s = exec(d, shell(), 120);
    assert_eq!(outcome(&s)["error"]["message"], NOT_ENABLED);
    let id = s.tasks()[0].id.clone();
    let described = described_task(&s, &id);
    assert_eq!(described["platformVersion"], "1.3.0");
    assert_eq!(
        described["containers"][0]["managedAgents"][0]["lastStatus"],
        "PENDING"
    );

    let mut d = scenario(
        Launch::Ec2,
        json!([container("nginx:1.27", json!({}))]),
        json!({"taskRoleArn": "app"}),
        json!({}),
    );
    d["services"][0]["enableExecuteCommand"] = json!(true);
    d["containerInstances"][0]["agentVersion"] = json!("1.50.1");
    let s = exec(d.clone(), shell(), 120);
    assert_eq!(outcome(&s)["error"]["message"], NOT_ENABLED);
    let launch = check(&s, 0, "Launch Type", None);
    assert_eq!(launch.verdict, Verdict::Fail);
    assert!(launch.detail.contains("1.50.1"), "{}", launch.detail);
    d["containerInstances"][0]["agentVersion"] = json!("1.50.2");
    let s = exec(d, shell(), 120);
    assert!(outcome(&s)["response"].is_object(), "{}", outcome(&s));
}

#[test]
fn a_session_needs_a_running_task_and_ends_when_it_stops() {
    // EXEC / CHK: the task must be RUNNING (its agent is not running before); a session
    // ends with its task ("Exiting session with sessionId").
    let s = exec(fargate(&SSM_ACTIONS), shell(), 1);
    assert_eq!(outcome(&s)["error"]["message"], NOT_ENABLED);
    assert!(logged(
        &s,
        "PROVISIONING: its ExecuteCommandAgent is not running"
    ));
    let mut d = fargate(&SSM_ACTIONS);
    let mut first = sim(d.clone());
    at(&mut first, 120);
    let id = first.tasks()[0].id.clone();
    d["executeCommands"] =
        json!([{"at": 120, "task": id, "command": "/bin/sh", "interactive": true}]);
    d["stopTasks"] = json!([{"at": 300, "task": id}]);
    let mut s = sim(d);
    at(&mut s, 400);
    assert!(outcome(&s)["endedAt"].is_string(), "{}", outcome(&s));
    assert!(logged(
        &s,
        "Exiting session with sessionId: ecs-execute-command-"
    ));
}

#[test]
fn sessions_are_logged_where_the_cluster_says_if_the_task_role_may() {
    // EXEC: logging DEFAULT uses the container's awslogs group, OVERRIDE the configuration's;
    // the task role needs logs:* or s3:PutObject there.
    let execution = json!({"RoleName": "exec",
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]});
    let mut d = fargate(&SSM_ACTIONS);
    d["taskDefinitions"][0]["executionRoleArn"] = json!("exec");
    d["taskDefinitions"][0]["containerDefinitions"][0]["logConfiguration"] = awslogs("/ecs/web");
    d["iamRoles"] = roles(json!([role("app", &SSM_ACTIONS), execution]));
    let s = exec(d.clone(), shell(), 120);
    assert!(
        logged(&s, "not logged to CloudWatch Logs group /ecs/web"),
        "the role lacks logs:*"
    );
    let role_check = check(&s, 0, "Task Role Permissions", None);
    assert_eq!(role_check.verdict, Verdict::Advice);
    let mut with_logs = SSM_ACTIONS.to_vec();
    with_logs.extend(["logs:*"]);
    d["iamRoles"] = roles(json!([role("app", &with_logs), execution]));
    let s = exec(d.clone(), shell(), 120);
    assert!(logged(&s, "logged to CloudWatch Logs group /ecs/web)"));
    d["clusters"] = json!([{"clusterName": "default", "configuration": {"executeCommandConfiguration": {
        "logging": "OVERRIDE", "logConfiguration": {"s3BucketName": "audit", "s3KeyPrefix": "exec/"}}}}]);
    let s = exec(d.clone(), shell(), 120);
    assert!(logged(&s, "not logged to S3 bucket audit"));
    d["clusters"][0]["configuration"]["executeCommandConfiguration"]["logging"] = json!("NONE");
    let e = ecs_engine::Scenario::from_value(d).unwrap_err();
    assert_eq!(
        e.path,
        "clusters[0].configuration.executeCommandConfiguration.logConfiguration"
    );
}

#[test]
fn a_kms_key_needs_decrypt_on_the_task_role() {
    // EXEC: the task role needs kms:Decrypt on the cluster's kmsKeyId.
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";
    let mut d = fargate(&SSM_ACTIONS);
    d["clusters"] = json!([{"clusterName": "default", "configuration": {"executeCommandConfiguration": {"kmsKeyId": key}}}]);
    let s = exec(d.clone(), shell(), 120);
    assert_eq!(outcome(&s)["error"]["error"], "TargetNotConnectedException");
    assert!(logged(&s, "kms:Decrypt"));
    let mut with_kms = SSM_ACTIONS.to_vec();
    with_kms.push("kms:Decrypt");
    d["iamRoles"] = roles(json!([role("app", &with_kms)]));
    assert!(outcome(&exec(d, shell(), 120))["response"].is_object());
}

#[test]
fn an_unknown_task_is_not_found() {
    let s = exec(
        fargate(&SSM_ACTIONS),
        json!({"task": "0123456789abcdef0123456789abcdef", "command": "ls", "interactive": true}),
        120,
    );
    assert_eq!(
        outcome(&s)["error"]["message"],
        "The task provided in the request was not found."
    );
}

#[test]
fn a_session_opens_exactly_when_the_checklist_has_no_red_line() {
    // The explanation agrees with the behaviour: over every combination of exec on, the SSM
    // permissions, a read-only root filesystem, the agent version and the call's timing,
    // ExecuteCommand opens a session if and only if no check is red (Fail).
    for bits in 0..32u32 {
        let on = bits & 1 != 0;
        let allowed = bits & 2 != 0;
        let read_only = bits & 4 != 0;
        let new_agent = bits & 8 != 0;
        let running = bits & 16 != 0;
        let mut d = scenario(
            Launch::Ec2,
            json!([container(
                "nginx:1.27",
                json!({"readonlyRootFilesystem": read_only})
            )]),
            json!({"taskRoleArn": "app"}),
            json!({"iamRoles": roles(json!([role("app", if allowed { &SSM_ACTIONS[..] } else { &SSM_ACTIONS[..1] })]))}),
        );
        d["services"][0]["enableExecuteCommand"] = json!(on);
        d["containerInstances"][0]["agentVersion"] =
            json!(if new_agent { "1.87.0" } else { "1.40.0" });
        let when = if running { 120 } else { 1 };
        let mut probe = sim(d.clone());
        at(&mut probe, 120);
        let id = probe.tasks()[0].id.clone();
        d["executeCommands"] =
            json!([{"at": when, "task": id, "command": "/bin/sh", "interactive": true}]);
        let mut s = sim(d);
        at(&mut s, when);
        let red = s
            .exec_checks(0, None)
            .iter()
            .any(|c| c.verdict == Verdict::Fail);
        at(&mut s, when + 1);
        let opened = outcome(&s)["response"].is_object();
        assert_eq!(opened, !red, "case {bits:05b}: {}", outcome(&s));
        assert_eq!(
            opened,
            on && allowed && !read_only && new_agent && running,
            "case {bits:05b}"
        );
    }
}

#[test]
fn windows_on_ec2_needs_container_agent_1_56() {
    // EXEC: Windows containers on EC2 need container agent "1.56 or later"; 1.50.2 is the
    // Linux minimum.
    let mut d = scenario(
        Launch::Ec2,
        json!([container(
            "mcr.microsoft.com/windows/servercore:ltsc2019",
            json!({})
        )]),
        json!({"taskRoleArn": "app", "cpu": "1024",
               "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE"}}),
        json!({}),
    );
    d["services"][0]["enableExecuteCommand"] = json!(true);
    d["containerInstances"][0]["agentVersion"] = json!("1.55.0");
    let s = exec(d.clone(), shell(), 120);
    assert_eq!(
        outcome(&s)["error"]["message"],
        NOT_ENABLED,
        "{}",
        outcome(&s)
    );
    let launch = check(&s, 0, "Launch Type", None);
    assert_eq!(launch.verdict, Verdict::Fail);
    assert!(launch.detail.contains("1.56"), "{}", launch.detail);
    d["containerInstances"][0]["agentVersion"] = json!("1.56.0");
    let s = exec(d, shell(), 120);
    assert!(outcome(&s)["response"].is_object(), "{}", outcome(&s));
}

#[test]
fn an_eventbridge_target_with_enable_execute_command_runs_tasks_with_exec() {
    // EventBridge EcsParameters.EnableExecuteCommand is RunTask's enableExecuteCommand.
    let mut d = fargate(&SSM_ACTIONS);
    d["services"][0]["desiredCount"] = json!(0);
    d["iamRoles"] = roles(json!([
        role("app", &SSM_ACTIONS),
        role("events", &["ecs:RunTask", "iam:PassRole"])
    ]));
    d["eventRules"] = json!([{"Name": "every-minute", "ScheduleExpression": "rate(1 minute)",
        "Targets": [{"Id": "1", "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/default",
            "RoleArn": "events",
            "EcsParameters": {"TaskDefinitionArn": "web", "LaunchType": "FARGATE",
                "EnableExecuteCommand": true,
                "NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["subnet-a"]}}}}]}]);
    let mut s = sim(d);
    at(&mut s, 150);
    assert!(!s.tasks().is_empty(), "the rule ran a task");
    assert!(s.tasks().iter().all(|t| t.execute_command));
}

#[test]
fn an_update_service_refused_for_exec_changes_nothing() {
    // "The service couldn't be updated because a valid taskRoleArn is not being used": the
    // call is refused whole, its desiredCount too.
    let mut d = scenario(
        Launch::Fargate,
        json!([container("nginx:1.27", json!({}))]),
        json!({}),
        json!({}),
    );
    d["updateServices"] = json!([{"at": 60, "service": "web", "desiredCount": 3,
        "enableExecuteCommand": true}]);
    let mut s = sim(d);
    at(&mut s, 300);
    assert!(logged(
        &s,
        "The service couldn't be updated because a valid taskRoleArn"
    ));
    assert_eq!(s.describe()["services"][0]["desiredCount"], 1);
    assert_eq!(s.tasks().iter().filter(|t| t.is_active()).count(), 1);
}

#[test]
fn the_read_only_line_is_red_only_for_the_session_s_container() {
    // EXEC: readonlyRootFilesystem "isn't supported" in the container the session opens in;
    // a read-only sidecar does not stop a session in a writable container.
    let mut d = fargate(&SSM_ACTIONS);
    d["taskDefinitions"][0]["containerDefinitions"] = json!([
        container("nginx:1.27", json!({})),
        {"name": "sidecar", "image": "busybox", "memory": 64, "essential": false, "readonlyRootFilesystem": true}
    ]);
    let s = exec(
        d,
        json!({"command": "/bin/sh", "interactive": true, "container": "app"}),
        120,
    );
    assert_eq!(outcome(&s)["response"]["containerName"], "app");
    let line = |c: Option<&str>| check(&s, 0, "Read-Only Root Filesystem", c).verdict;
    assert_eq!(line(Some("app")), Verdict::Advice);
    assert_eq!(line(Some("sidecar")), Verdict::Fail);
    // DescribeServices shows enableExecuteCommand false when it was never given.
    let plain = sim(scenario(
        Launch::Fargate,
        json!([container("nginx:1.27", json!({}))]),
        json!({}),
        json!({}),
    ));
    assert_eq!(
        plain.describe()["services"][0]["enableExecuteCommand"],
        false
    );
}
