//! IAM, simply (1.6, 10.4): each role mistake of 10.4 causes the failure AWS shows, where a
//! user will look for it. IAM applies only when a scenario declares roles.

mod support;

use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::*;

const EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/// 10.4: an instance profile without the ECS permissions never registers; one that cannot
/// poll registers with agentConnected=false. IAM applies only when the scenario has roles.
#[test]
fn instance_roles_without_ecs_permissions() {
    let doc = json!({
        "version": 1, "seed": 1, "duration": "PT10M",
        "iamRoles": [
            {"RoleName": "ecsInstanceRole", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"]},
            {"RoleName": "registerOnly", "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ecs:RegisterContainerInstance", "Resource": "*"}]}}]},
            {"RoleName": "s3Only", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}
        ],
        "containerInstances": [
            {"id": "i-0good00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "iamInstanceProfile": "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"},
            {"id": "i-0poll00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "iamInstanceProfile": "registerOnly"},
            {"id": "i-0none00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "iamInstanceProfile": "s3Only"},
            {"id": "i-0noprofile000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a"}
        ]
    });
    let mut s = sim(doc);
    at(&mut s, 60);
    let ids: Vec<&str> = s
        .cluster()
        .instances
        .iter()
        .map(|i| i.ec2_instance_id.as_str())
        .collect();
    assert_eq!(ids, vec!["i-0good00000000001", "i-0poll00000000001"]);
    assert!(s.cluster().instances[0].agent_connected);
    assert!(!s.cluster().instances[1].agent_connected);
    assert_eq!(
        s.log()
            .entries()
            .iter()
            .filter(|e| e.message.contains("never registers"))
            .count(),
        2
    );
}

/// Runs `v` for two minutes.
fn run(v: Value) -> Simulation {
    let mut s = sim(v);
    at(&mut s, 120);
    s
}

/// An ECR image on `launch` with `executionRoleArn` (if any) and the scenario's roles.
fn ecr_task(launch: Launch, execution_role: Option<&str>, more_roles: Value) -> Value {
    let td = match execution_role {
        Some(r) => json!({"executionRoleArn": format!("arn:aws:iam::123456789012:role/{r}")}),
        None => json!({}),
    };
    scenario(
        launch,
        json!([container(&format!("{ECR}/web:v1"), json!({}))]),
        td,
        json!({"iamRoles": roles(more_roles)}),
    )
}

/// 10.4: a Fargate execution role without the ECR permissions (or no execution role):
/// `ResourceInitializationError: unable to pull secrets or registry auth` / `TaskFailedToStart`.
#[test]
fn fargate_execution_role_without_ecr_permissions_cannot_pull() {
    let s = run(ecr_task(
        Launch::Fargate,
        Some("s3Only"),
        json!([
        {"RoleName": "s3Only", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}]),
    ));
    assert_eq!(first(&s).stop_code.as_deref(), Some("TaskFailedToStart"));
    assert_eq!(first_reason(&s), "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: s3Only is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action");
    let s = run(ecr_task(Launch::Fargate, None, json!([])));
    assert!(
        first_reason(&s)
            .ends_with("AccessDeniedException: no role to call ecr:GetAuthorizationToken"),
        "{}",
        first_reason(&s)
    );
    let s = run(ecr_task(
        Launch::Fargate,
        Some("exec"),
        json!([
        {"RoleName": "exec", "ManagedPolicyArns": [EXECUTION_POLICY]}]),
    ));
    assert_eq!(first(&s).last_status, TaskStatus::Running);
}

/// 10.4: on EC2 without an execution role the instance role pulls; without ECR permissions
/// the pull fails with `CannotPullContainerError`. An execution role with them is used first.
#[test]
fn ec2_instance_role_without_ecr_permissions_cannot_pull() {
    let ecs_only = json!([role("ecsOnly", &["ecs:*"])]);
    let mut v = ecr_task(Launch::Ec2, None, ecs_only.clone());
    v["containerInstances"][0]["iamInstanceProfile"] = json!("ecsOnly");
    let s = run(v.clone());
    assert_eq!(first(&s).stop_code.as_deref(), Some("TaskFailedToStart"));
    assert!(
        first_reason(&s).starts_with(&format!(
            "CannotPullContainerError: pull access denied for {ECR}/web:v1"
        )),
        "{}",
        first_reason(&s)
    );
    assert!(first_reason(&s)
        .contains("ecsOnly is not authorized to perform: ecr:GetAuthorizationToken"));
    v["taskDefinitions"][0]["executionRoleArn"] = json!("exec");
    v["iamRoles"]
        .as_array_mut()
        .unwrap()
        .push(json!({"RoleName": "exec", "ManagedPolicyArns": [EXECUTION_POLICY]}));
    assert_eq!(first(&run(v)).last_status, TaskStatus::Running);
}

/// 10.4: the execution role lacks `ssm:GetParameters` / `secretsmanager:GetSecretValue`
/// (AmazonECSTaskExecutionRolePolicy has neither): Fargate names the secret in a
/// `ResourceInitializationError`; on EC2 the instance role does not stand in (1.6 c).
#[test]
fn execution_role_without_secret_permissions_stops_the_task() {
    for launch in [Launch::Fargate, Launch::Ec2] {
        let v = scenario(
            launch,
            json!([container(
                "nginx:1.27",
                json!({"secrets": [{"name": "DB_HOST", "valueFrom": "/web/db-host"}]})
            )]),
            json!({"executionRoleArn": "exec"}),
            json!({"iamRoles": roles(json!([{"RoleName": "exec", "ManagedPolicyArns": [EXECUTION_POLICY]}])),
                   "parameters": [{"Name": "/web/db-host", "Value": "db.internal"}]}),
        );
        let s = run(v);
        let reason = first_reason(&s);
        let want = match launch {
            Launch::Fargate => "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm",
            Launch::Ec2 => "Fetching secret data from SSM Parameter Store in us-east-1: AccessDeniedException",
        };
        assert!(reason.starts_with(want), "{reason}");
        assert!(reason.contains("ssm:GetParameters on resource: arn:aws:ssm:us-east-1:123456789012:parameter/web/db-host"), "{reason}");
    }
}

/// 10.4: a role without `logs:CreateLogStream` (only ECR) cannot start the `awslogs` driver;
/// `awslogs-create-group` without `logs:CreateLogGroup` neither. [unconfirmed] code.
#[test]
fn roles_without_log_permissions_stop_the_container() {
    let ecr_only = role("ecrOnly", &["ecr:*"]);
    let v = scenario(
        Launch::Fargate,
        json!([container(
            "nginx:1.27",
            json!({"logConfiguration": awslogs("/ecs/web")})
        )]),
        json!({"executionRoleArn": "ecrOnly"}),
        json!({"iamRoles": roles(json!([ecr_only]))}),
    );
    let reason = first_reason(&run(v));
    assert!(reason.starts_with("CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: AccessDeniedException: ecrOnly is not authorized to perform: logs:CreateLogStream"), "{reason}");
    let mut logs = awslogs("/ecs/web");
    logs["options"]["awslogs-create-group"] = json!("true");
    let v = scenario(
        Launch::Ec2,
        json!([container("nginx:1.27", json!({"logConfiguration": logs}))]),
        json!({}),
        json!({"iamRoles": roles(json!([]))}),
    );
    let reason = first_reason(&run(v));
    assert!(reason.contains("failed to create Cloudwatch log group: AccessDeniedException: ecsInstanceRole is not authorized to perform: logs:CreateLogGroup"), "{reason}");
}

/// With `authorizationConfig.iam: ENABLED` the task role mounts: without
/// `elasticfilesystem:ClientMount` the task fails to start; with ClientMount only the mount is
/// read-only and the write fails (logged); with the read-write policy the counter grows.
#[test]
fn task_role_without_efs_client_mount_or_write() {
    let fs = "fs-0123456789abcdef0";
    let case = |task_role: Option<&str>| {
        let mut td = json!({"volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": fs,
            "transitEncryption": "ENABLED", "authorizationConfig": {"iam": "ENABLED"}}}],
            "executionRoleArn": "exec"});
        if let Some(r) = task_role {
            td["taskRoleArn"] = json!(r);
        }
        run(scenario(
            Launch::Fargate,
            json!([container(
                "nginx:1.27",
                json!({"logConfiguration": awslogs("/ecs/web"),
                "mountPoints": [{"sourceVolume": "data", "containerPath": "/data"}]})
            )]),
            td,
            json!({"iamRoles": roles(json!([role("mountOnly", &["elasticfilesystem:ClientMount"]),
                    {"RoleName": "exec", "ManagedPolicyArns": [EXECUTION_POLICY]},
                    {"RoleName": "readWrite", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess"]}])),
                   "fileSystems": [{"FileSystemId": fs}], "mountTargets": [{"FileSystemId": fs, "SubnetId": "subnet-a"}]}),
        ))
    };
    let s = case(None);
    assert_eq!(first_reason(&s), "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: b'mount.nfs4: access denied by server while mounting 127.0.0.1:/'");
    let s = case(Some("mountOnly"));
    assert_eq!(first(&s).last_status, TaskStatus::Running);
    assert_eq!(s.file_systems()[0].counter, 0);
    assert!(task_lines(&s, 0)
        .iter()
        .any(|l| l.contains("Read-only file system")));
    let s = case(Some("readWrite"));
    assert_eq!(s.file_systems()[0].counter, 1);
}

/// 10.4, 9.1: a task role whose trust policy does not name `ecs-tasks.amazonaws.com` (here
/// the instance role's `ec2.amazonaws.com`, a common copy-paste), or a role missing from the
/// account: the service cannot launch a task; it says why and emits
/// SERVICE_TASK_CONFIGURATION_FAILURE; RunTask is refused the same way. Trusting ecs-tasks
/// fixes it.
#[test]
fn a_task_role_ecs_cannot_assume_stops_every_launch() {
    let trust = |service: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
    };
    let case = |task_role: &str, trusted: &str| {
        let mut app = role("app", &["s3:GetObject"]);
        app["AssumeRolePolicyDocument"] = trust(trusted);
        let mut v = scenario(
            Launch::Ec2,
            json!([container("nginx:1.27", json!({}))]),
            json!({"taskRoleArn": format!("arn:aws:iam::123456789012:role/{task_role}")}),
            json!({"iamRoles": roles(json!([app])),
                   "runTasks": [{"at": 30, "taskDefinition": "web"}],
                   "eventRules": [{"Name": "config", "EventPattern": {"detail-type": ["ECS Service Action"],
                       "detail": {"eventName": ["SERVICE_TASK_CONFIGURATION_FAILURE"]}}, "Targets": []}]}),
        );
        v["containerInstances"][0]["iamInstanceProfile"] = json!("ecsInstanceRole");
        run(v)
    };
    for (task_role, trusted) in [
        ("app", "ec2.amazonaws.com"),
        ("missing", "ecs-tasks.amazonaws.com"),
    ] {
        let s = case(task_role, trusted);
        assert!(s.tasks().is_empty(), "{task_role}");
        let error = format!("ECS was unable to assume the role 'arn:aws:iam::123456789012:role/{task_role}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.");
        let event = format!("(service web) failed to launch a task with (error {error}).");
        assert!(
            s.services()[0].events.iter().any(|e| e.message == event),
            "{event}"
        );
        assert!(s.event_rule_matches()[0] >= 1);
        assert!(logged(
            &s,
            &format!("runTasks[0].taskDefinition: ClientException: {error}")
        ));
    }
    let s = case("app", "ecs-tasks.amazonaws.com");
    assert_eq!(first(&s).last_status, TaskStatus::Running);
    assert_eq!(s.event_rule_matches()[0], 0);
}
