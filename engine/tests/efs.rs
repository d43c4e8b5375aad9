//! EFS volumes (1.9): data outlives tasks, a zone without a mount target stops the task
//! before it starts, registration refuses an S3 volume and the transit-encryption mistakes.
//! The task role's EFS mistakes are in `iam.rs`.

mod support;

use ecs_engine::task::TaskStatus;
use serde_json::{json, Value};
use support::*;

const FS: &str = "fs-0123456789abcdef0";

fn efs(launch: Launch, mount_subnets: &[&str], efs_config: Value, read_only: bool) -> Value {
    let targets: Vec<Value> = mount_subnets
        .iter()
        .map(|s| json!({"FileSystemId": FS, "SubnetId": s}))
        .collect();
    scenario(
        launch,
        json!([container(
            "nginx:1.27",
            json!({"logConfiguration": awslogs("/ecs/web"),
            "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": read_only}]})
        )]),
        json!({"volumes": [{"name": "data", "efsVolumeConfiguration": efs_config}]}),
        json!({"fileSystems": [{"CreationToken": "web-data", "FileSystemId": FS}], "mountTargets": targets}),
    )
}

/// Each read-write task adds one to the file system's counter: the replacement of a task
/// reads what its predecessor left (on Fargate and on EC2).
#[test]
fn data_on_efs_outlives_the_tasks_that_wrote_it() {
    for launch in [Launch::Fargate, Launch::Ec2] {
        let mut v = efs(launch, &["subnet-a"], json!({"fileSystemId": FS}), false);
        v["updateServices"] =
            json!([{"at": "PT10M", "service": "web", "forceNewDeployment": true}]);
        let mut s = sim(v);
        at(&mut s, 5 * 60);
        assert_eq!(s.file_systems()[0].counter, 1);
        at(&mut s, 20 * 60);
        assert_eq!(s.file_systems()[0].counter, 2);
        // `ecs-sim run` shows it too.
        assert_eq!(s.describe()["fileSystems"][0]["Writes"], 2);
        let second = s
            .tasks()
            .iter()
            .rposition(|t| t.last_status == TaskStatus::Running)
            .unwrap();
        let lines = task_lines(&s, second);
        assert!(
            lines
                .iter()
                .any(|l| l == &format!("mounted {FS} at /data: counter was 1, wrote 2")),
            "{lines:?}"
        );
    }
}

/// A read-only mount reads the counter and leaves it.
#[test]
fn a_read_only_mount_leaves_the_data() {
    let mut s = sim(efs(
        Launch::Fargate,
        &["subnet-a"],
        json!({"fileSystemId": FS}),
        true,
    ));
    at(&mut s, 5 * 60);
    assert_eq!(s.file_systems()[0].counter, 0);
    assert!(task_lines(&s, 0).contains(&format!("mounted {FS} read-only at /data: counter is 0")));
}

/// The task runs in us-east-1a, the only mount target is in us-east-1b.
#[test]
fn no_mount_target_in_the_task_zone_fails_the_task() {
    let mut s = sim(efs(
        Launch::Fargate,
        &["subnet-b"],
        json!({"fileSystemId": FS}),
        false,
    ));
    at(&mut s, 120);
    assert_eq!(first(&s).stop_code.as_deref(), Some("TaskFailedToStart"));
    let reason = first_reason(&s);
    assert!(reason.starts_with("ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes"), "{reason}");
    assert!(
        reason.contains("mount target") && reason.ends_with("us-east-1a"),
        "{reason}"
    );
    assert_eq!(s.file_systems()[0].counter, 0);
}

/// Registration: an S3 volume is refused naming the field; so is IAM authorization without
/// transit encryption. The service then has no task definition to run.
#[test]
fn registration_refuses_s3_volumes_and_unencrypted_iam_mounts() {
    for (config, field) in [
        (
            json!({"name": "data", "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3:::uploads"}}),
            "volumes[0].s3filesVolumeConfiguration",
        ),
        (
            json!({"name": "data", "efsVolumeConfiguration": {"fileSystemId": FS, "authorizationConfig": {"iam": "ENABLED"}}}),
            "volumes[0].efsVolumeConfiguration.transitEncryption",
        ),
    ] {
        let mut v = efs(
            Launch::Ec2,
            &["subnet-a"],
            json!({"fileSystemId": FS}),
            false,
        );
        v["taskDefinitions"][0]["volumes"] = json!([config]);
        let mut s = sim(v);
        at(&mut s, 60);
        assert!(s.tasks().is_empty());
        assert!(
            s.log().entries().iter().any(|e| e
                .message
                .starts_with(&format!("taskDefinitions[0]: {field}: "))),
            "{field}"
        );
    }
}

#[test]
fn bad_file_systems_name_the_field() {
    assert_refused(vec![
        (
            json!({"version": 1, "fileSystems": [{"PerformanceMode": "generalPurpose"}]}),
            "fileSystems[0].CreationToken",
        ),
        (
            json!({"version": 1, "fileSystems": [{"FileSystemId": FS}], "mountTargets": [{"FileSystemId": FS, "SubnetId": "subnet-nowhere"}]}),
            "mountTargets[0].SubnetId",
        ),
    ]);
}
