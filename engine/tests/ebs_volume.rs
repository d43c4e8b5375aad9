//! Amazon EBS volumes attached to tasks (`volumeConfigurations` with `managedEBSVolume`, a
//! task definition volume with `configuredAtLaunch`): one volume per task in its zone,
//! attached while PROVISIONING and deleted as it stops (or kept by a standalone task), the
//! request's refusals, the infrastructure role, Nitro instances, UpdateService, DescribeTasks,
//! DescribeVolumes and the cost. Rules and sources: `engine/src/ebs_volume.rs`.

mod support;

use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, logged, service_refusal, sim};

const ROLE: &str = "arn:aws:iam::123456789012:role/ecsInfrastructureRole";

/// A task definition `db` (revision 1 with volume `data` configured at launch and mounted at
/// /var/lib/data; revision 2 without it), Fargate unless `ec2`.
fn td(ec2: bool) -> Value {
    let compat = if ec2 { "EC2" } else { "FARGATE" };
    json!([
        {"family": "db", "networkMode": "awsvpc", "requiresCompatibilities": [compat], "cpu": "512", "memory": "1024",
         "volumes": [{"name": "data", "configuredAtLaunch": true}],
         "containerDefinitions": [{"name": "db", "image": "postgres:16", "essential": true,
                                   "mountPoints": [{"sourceVolume": "data", "containerPath": "/var/lib/data"}]}]},
        {"family": "db", "networkMode": "awsvpc", "requiresCompatibilities": [compat], "cpu": "512", "memory": "1024",
         "containerDefinitions": [{"name": "db", "image": "postgres:16", "essential": true}]}
    ])
}

/// Service `db` (3 Fargate tasks) with `managed` as its volume's `managedEBSVolume`.
fn doc(managed: Value) -> Value {
    json!({
        "version": 1, "seed": 5, "duration": "PT2H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "taskDefinitions": td(false),
        "services": [{"serviceName": "db", "taskDefinition": "db:1", "desiredCount": 3, "launchType": "FARGATE",
                      "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}},
                      "volumeConfigurations": [{"name": "data", "managedEBSVolume": managed}]}]
    })
}

fn gp3() -> Value {
    json!({"roleArn": ROLE, "volumeType": "gp3", "sizeInGiB": 100})
}

/// The status of task 0's `AmazonElasticBlockStorage` attachment in DescribeTasks.
fn first_task_attachment(s: &Simulation) -> Value {
    let id = s.tasks()[0].id.clone();
    s.describe_task_by_id(&id).unwrap()["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "AmazonElasticBlockStorage")
        .unwrap()["status"]
        .clone()
}

/// The volumes that are not deleted.
fn live(s: &Simulation) -> usize {
    s.ebs_volumes()
        .iter()
        .filter(|v| v.deleted_at.is_none())
        .count()
}

#[test]
fn each_task_gets_a_volume_in_its_zone_attached_while_provisioning() {
    // EBSV: "one volume created for each task in the service"; ATT: an AmazonElasticBlockStorage
    // attachment with roleArn, volumeName, volumeId, deleteOnTermination.
    let mut s = sim(doc(gp3()));
    at(&mut s, 300);
    assert_eq!(s.ebs_volumes().len(), 3);
    for v in s.ebs_volumes() {
        let task = &s.tasks()[v.task];
        assert_eq!(task.last_status, TaskStatus::Running);
        let zone = &s.cluster().instances[task.reservation.slot].availability_zone;
        assert_eq!(
            &v.availability_zone, zone,
            "the volume is in the task's zone"
        );
        let described = s.describe_task_by_id(&task.id).unwrap();
        let ebs = described["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["type"] == "AmazonElasticBlockStorage")
            .expect("an EBS attachment");
        assert_eq!(ebs["status"], "ATTACHED");
        let detail = |n: &str| {
            ebs["details"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["name"] == n)
                .unwrap()["value"]
                .clone()
        };
        assert_eq!(detail("volumeId"), json!(v.id));
        assert_eq!(detail("volumeName"), "data");
        assert_eq!(detail("roleArn"), ROLE);
        assert_eq!(detail("deleteOnTermination"), "true");
    }
    let out = s.describe();
    let vol = &out["ebsVolumes"][0];
    assert_eq!(vol["State"], "in-use");
    assert_eq!(vol["VolumeType"], "gp3");
    assert_eq!(vol["Iops"], 3000, "gp3's default IOPS");
    assert_eq!(vol["Throughput"], 125);
    assert!(logged(&s, "created EBS volume vol-0"));
    // Attaching adds options.ebs.attachSeconds (10 s) to PROVISIONING.
    let started = |doc: Value| {
        let mut s = sim(doc);
        at(&mut s, 300);
        s.tasks()[0].started_at.unwrap().as_ms()
    };
    let mut without = doc(gp3());
    without["taskDefinitions"][0] = td(false)[1].clone();
    without["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("volumeConfigurations");
    assert_eq!(started(doc(gp3())), started(without) + 10_000);
}

#[test]
fn a_service_task_s_volume_is_deleted_when_it_stops_and_stops_costing() {
    // EBSV: "Volumes that are attached to tasks that are managed by a service are not preserved
    // and are always deleted upon task termination"; PRICE: gp3 $0.08 per GiB-month.
    let mut d = doc(gp3());
    d["updateServices"] = json!([{"at": "PT30M", "service": "db", "desiredCount": 1}]);
    let mut s = sim(d);
    at(&mut s, 20 * 60);
    let per_hour = s.describe()["cost"]["ebsUsdPerHour"].as_f64().unwrap();
    assert!(
        (per_hour - 3.0 * 100.0 * 0.08 / 730.0).abs() < 1e-9,
        "{per_hour}"
    );
    at(&mut s, 40 * 60);
    assert_eq!(live(&s), 1);
    assert!(logged(&s, "deleted EBS volume"));
    let out = s.describe();
    let deleted = out["ebsVolumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["State"] == "deleted")
        .count();
    assert_eq!(deleted, 2);
    let per_hour = out["cost"]["ebsUsdPerHour"].as_f64().unwrap();
    assert!((per_hour - 100.0 * 0.08 / 730.0).abs() < 1e-9, "{per_hour}");
    let stopped = s
        .tasks()
        .iter()
        .find(|t| t.last_status == TaskStatus::Stopped)
        .unwrap();
    let described = s.describe_task_by_id(&stopped.id).unwrap();
    assert!(described["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["type"] == "AmazonElasticBlockStorage" && a["status"] == "DELETED"));
}

#[test]
fn a_standalone_task_may_keep_its_volume() {
    // TERM: "When set to false, Amazon ECS leaves the volume in your account."
    let mut d = doc(gp3());
    d["services"] = json!([]);
    d["runTasks"] = json!([{"at": 0, "taskDefinition": "db:1", "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
        "volumeConfigurations": [{"name": "data", "managedEBSVolume": {"roleArn": ROLE, "sizeInGiB": 50,
            "terminationPolicy": {"deleteOnTermination": false}}}]}]);
    let id = {
        let mut s = sim(d.clone());
        at(&mut s, 60);
        s.tasks()[0].id.clone()
    };
    d["stopTasks"] = json!([{"at": "PT10M", "task": id, "reason": "done"}]);
    let mut s = sim(d);
    at(&mut s, 20 * 60);
    assert_eq!(s.tasks()[0].last_status, TaskStatus::Stopped);
    let out = s.describe();
    assert_eq!(out["ebsVolumes"][0]["State"], "available");
    assert_eq!(
        out["ebsVolumes"][0]["VolumeType"], "gp2",
        "EC2's default type"
    );
    assert!(
        out["cost"]["ebsUsdPerHour"].as_f64().unwrap() > 0.0,
        "a kept volume bills"
    );
    assert!(logged(
        &s,
        "kept (terminationPolicy.deleteOnTermination false)"
    ));
}

#[test]
fn volume_configurations_aws_refuses_name_the_member() {
    // SMEV, TMEV, CONF, EBSV: the request's rules.
    let with = |managed: Value, f: &dyn Fn(&mut Value)| {
        let mut d = doc(managed);
        f(&mut d);
        service_refusal(d)
    };
    let none = |_: &mut Value| {};
    let cases: Vec<(String, &str)> = vec![
        (with(json!({"volumeType": "gp3", "sizeInGiB": 10}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.roleArn: required"),
        (with(json!({"roleArn": ROLE}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.sizeInGiB: You must specify either a volume size or a snapshot ID"),
        (with(json!({"roleArn": ROLE, "volumeType": "st1", "sizeInGiB": 20}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.sizeInGiB: 20 GiB is outside st1's 125 to 16384 GiB"),
        (with(json!({"roleArn": ROLE, "volumeType": "gp2", "sizeInGiB": 20, "iops": 3000}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.iops: not supported for the gp2 volume type"),
        (with(json!({"roleArn": ROLE, "volumeType": "io1", "sizeInGiB": 20}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.iops: required for the io1 volume type"),
        (with(json!({"roleArn": ROLE, "volumeType": "io1", "sizeInGiB": 20, "iops": 5000}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.iops: 5000 IOPS for 20 GiB is more than 50 IOPS per GiB"),
        (with(json!({"roleArn": ROLE, "volumeType": "gp2", "sizeInGiB": 20, "throughput": 250}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.throughput: This parameter is only supported for the gp3 volume type."),
        (with(json!({"roleArn": ROLE, "volumeType": "gp3", "sizeInGiB": 20, "throughput": 1000}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.throughput: 1000 MiB/s is more than 0.25 MiB/s per provisioned IOPS"),
        (with(json!({"roleArn": ROLE, "sizeInGiB": 20, "volumeInitializationRate": 200}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.volumeInitializationRate: This property can be specified only if you specify a snapshotId"),
        (with(json!({"roleArn": ROLE, "volumeType": "standard", "sizeInGiB": 20}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.volumeType: The magnetic (standard) Amazon EBS volume type is not supported for tasks hosted on Fargate."),
        (with(json!({"roleArn": ROLE, "sizeInGiB": 20, "filesystemType": "ntfs"}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.filesystemType: \"ntfs\" is not ext3, ext4 or xfs (Linux)"),
        (with(json!({"roleArn": ROLE, "sizeInGiB": 20, "terminationPolicy": {"deleteOnTermination": false}}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.terminationPolicy: volumes of a service's tasks are always deleted"),
        (with(json!({"roleArn": ROLE, "sizeInGiB": 20, "tagSpecifications": [{"resourceType": "volume", "tags": [{"key": "AmazonECSManaged", "value": "x"}]}]}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].tags: AmazonECSManaged is a reserved tag"),
        (with(json!({"roleArn": ROLE, "snapshotId": "snap-0123456789abcdef0"}), &none), "services[0].volumeConfigurations[0].managedEBSVolume.snapshotId: the playground does not know snap-0123456789abcdef0's size"),
        (with(json!({"roleArn": ROLE, "snapshotId": "snap-0123456789abcdef0", "sizeInGiB": 10}), &|d| {
            d["ebsSnapshots"] = json!([{"SnapshotId": "snap-0123456789abcdef0", "VolumeSize": 40}]);
        }), "services[0].volumeConfigurations[0].managedEBSVolume.sizeInGiB: 10 GiB is smaller than snapshot snap-0123456789abcdef0 (40 GiB)"),
        (with(gp3(), &|d| {
            d["services"][0]["volumeConfigurations"][0]["name"] = json!("logs");
        }), "services[0].volumeConfigurations[0].name: logs is not the volume configured at launch in task definition db; its volume data is"),
        (with(gp3(), &|d| {
            d["services"][0]["volumeConfigurations"] = json!([{"name": "data", "managedEBSVolume": gp3()}, {"name": "data", "managedEBSVolume": gp3()}]);
        }), "services[0].volumeConfigurations: You can attach at most one Amazon EBS volume to each Amazon ECS task"),
        (with(gp3(), &|d| {
            d["services"][0].as_object_mut().unwrap().remove("volumeConfigurations");
        }), "services[0].volumeConfigurations: task definition db has volume data configured at launch"),
        (with(gp3(), &|d| {
            d["services"][0]["taskDefinition"] = json!("db:2");
        }), "services[0].volumeConfigurations[0].name: task definition db has no volume data with configuredAtLaunch true"),
        (with(gp3(), &|d| {
            d["services"][0]["platformVersion"] = json!("1.3.0");
        }), "services[0].volumeConfigurations: Amazon EBS volumes are supported on platform version 1.4.0 or later"),
    ];
    for (got, want) in cases {
        assert!(got.starts_with(want), "got {got:?}\nwant {want:?}");
    }
}

#[test]
fn a_snapshot_gives_the_volume_its_size() {
    // SMEV: "If you specify a snapshot ID, the snapshot size is used for the volume size by
    // default."
    let mut d =
        doc(json!({"roleArn": ROLE, "volumeType": "gp3", "snapshotId": "snap-0123456789abcdef0"}));
    d["ebsSnapshots"] = json!([{"SnapshotId": "snap-0123456789abcdef0", "VolumeSize": 40}]);
    let mut s = sim(d);
    at(&mut s, 300);
    let out = s.describe();
    assert_eq!(out["ebsVolumes"][0]["Size"], 40);
    assert_eq!(out["ebsVolumes"][0]["SnapshotId"], "snap-0123456789abcdef0");
}

#[test]
fn a_role_ecs_cannot_assume_stops_the_task_with_aws_s_status_reason() {
    // ROLE, TRBS: the infrastructure role trusts ecs.amazonaws.com and has
    // AmazonECSInfrastructureRolePolicyForVolumes; otherwise "ECS was unable to assume the
    // configured ECS Infrastructure Role …".
    let run = |trusted: &str| {
        let mut d = doc(gp3());
        d["iamRoles"] = json!([{"RoleName": "ecsInfrastructureRole",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": trusted}, "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes"]}]);
        let mut s = sim(d);
        at(&mut s, 300);
        s
    };
    let good = run("ecs.amazonaws.com");
    assert_eq!(
        good.tasks()
            .iter()
            .filter(|t| t.last_status == TaskStatus::Running)
            .count(),
        3
    );
    let bad = run("ecs-tasks.amazonaws.com");
    let failed = bad
        .tasks()
        .iter()
        .find(|t| t.stop_code.as_deref() == Some("TaskFailedToStart"))
        .expect("a task failed to start");
    assert_eq!(
        failed.stopped_reason.as_deref(),
        Some("ECS was unable to assume the configured ECS Infrastructure Role 'arn:aws:iam::123456789012:role/ecsInfrastructureRole'. Please verify that the role being passed has the proper trust relationship with Amazon ECS")
    );
    assert!(
        live(&bad) < bad.ebs_volumes().len(),
        "the failed tasks' volumes are deleted"
    );
}

#[test]
fn on_ec2_a_task_with_a_volume_goes_only_to_nitro_instances() {
    // EBSV: EC2 tasks with EBS volumes run on Nitro-based instances; [unconfirmed] the
    // attribute ecs.capability.ebs-task-attach.
    let mut d = doc(gp3());
    d["taskDefinitions"] = td(true);
    d["containerInstances"] = json!([
        {"instanceType": "m4.large", "availabilityZone": "us-east-1a"},
        {"instanceType": "m5.large", "availabilityZone": "us-east-1b"}
    ]);
    let svc = &mut d["services"][0];
    svc["launchType"] = json!("EC2");
    svc["desiredCount"] = json!(2);
    let mut s = sim(d.clone());
    at(&mut s, 300);
    let placed: Vec<&str> = s
        .tasks()
        .iter()
        .map(|t| s.cluster().instances[t.reservation.slot].instance_type.name)
        .collect();
    assert_eq!(placed, vec!["m5.large", "m5.large"]);
    // With only the m4 (Xen) the task cannot be placed, for want of the attribute.
    d["containerInstances"] =
        json!([{"instanceType": "m4.large", "availabilityZone": "us-east-1a"}]);
    let mut s = sim(d);
    at(&mut s, 300);
    assert!(s.tasks().is_empty());
    let events = s.describe()["services"][0]["events"].to_string();
    assert!(
        events.contains(r#"encountered error \"ATTRIBUTE\""#),
        "{events}"
    );
}

#[test]
fn update_service_adds_changes_and_removes_the_volume_with_a_deployment() {
    // US: null keeps it without a deployment; a different configuration starts one; CONF: []
    // with a task definition without configuredAtLaunch removes it.
    let mut d = doc(gp3());
    d["updateServices"] = json!([
        {"at": "PT10M", "service": "db", "desiredCount": 3},
        {"at": "PT20M", "service": "db", "volumeConfigurations": [{"name": "data", "managedEBSVolume":
            {"roleArn": ROLE, "volumeType": "gp3", "sizeInGiB": 200}}]},
        {"at": "PT40M", "service": "db", "taskDefinition": "db:2", "volumeConfigurations": []}
    ]);
    let mut s = sim(d);
    at(&mut s, 15 * 60);
    assert_eq!(
        s.ebs_volumes().len(),
        3,
        "no deployment for a null volumeConfigurations"
    );
    at(&mut s, 35 * 60);
    let sizes: Vec<u32> = s
        .ebs_volumes()
        .iter()
        .filter(|v| v.deleted_at.is_none())
        .map(|v| v.config.size_gib)
        .collect();
    assert_eq!(sizes, vec![200, 200, 200]);
    // DescribeServices' deployment shows the configuration it runs.
    let out = s.describe();
    let dep = &out["services"][0]["deployments"][0];
    assert_eq!(
        dep["volumeConfigurations"][0]["managedEBSVolume"]["sizeInGiB"],
        200
    );
    at(&mut s, 60 * 60);
    assert_eq!(live(&s), 0);
    assert!(s.services()[0].volume.is_none());
    let out = s.describe();
    let deployments = out["services"][0]["deployments"].as_array().unwrap();
    assert!(
        deployments[0].get("volumeConfigurations").is_none(),
        "{deployments:?}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// EBSV invariants under scaling: every task of the service has exactly one volume; a
    /// volume outlives its service task only until the task is STOPPED.
    #[test]
    fn every_task_has_one_volume_until_it_stops(counts in proptest::collection::vec(0u32..6, 1..4)) {
        let mut d = doc(gp3());
        let updates: Vec<Value> = counts.iter().enumerate().map(|(i, n)| {
            json!({"at": format!("PT{}M", 3 + i * 4), "service": "db", "desiredCount": n})
        }).collect();
        d["updateServices"] = json!(updates);
        let mut s = sim(d);
        for m in 1..20u64 {
            s.advance_to(ecs_engine::SimTime(m * 60_000)).unwrap();
            for (t, task) in s.tasks().iter().enumerate() {
                let volumes: Vec<_> = s.ebs_volumes().iter().filter(|v| v.task == t).collect();
                proptest::prop_assert_eq!(volumes.len(), 1);
                let stopped = task.last_status == TaskStatus::Stopped;
                proptest::prop_assert_eq!(volumes[0].deleted_at.is_some(), stopped);
            }
        }
    }
}

#[test]
fn without_volumes_the_ebs_cost_is_zero_not_minus_zero() {
    // A run with no volume left (none created, or all deleted) prints 0.0, as the other
    // meters do: the sum of no volume is not -0.0.
    let mut none = doc(gp3());
    none["taskDefinitions"][0] = td(false)[1].clone();
    none["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("volumeConfigurations");
    let mut deleted = doc(gp3());
    deleted["updateServices"] = json!([{"at": "PT10M", "service": "db", "desiredCount": 0}]);
    for d in [none, deleted] {
        let mut s = sim(d);
        at(&mut s, 20 * 60);
        assert_eq!(live(&s), 0);
        let out = s.describe();
        assert_eq!(out["cost"]["ebsUsdPerHour"].to_string(), "0.0");
    }
}

#[test]
fn a_volume_ecs_cannot_set_up_shows_failed_with_its_status_reason() {
    // ATT: statuses include FAILED; details include "statusReason (only when the attachment
    // fails to create or attach)"; TRB: "The created volume will be deleted and the task will
    // be stopped."
    let mut d = doc(gp3());
    d["services"][0]["desiredCount"] = json!(1);
    d["iamRoles"] = json!([{"RoleName": "ecsInfrastructureRole",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes"]}]);
    let mut s = sim(d);
    at(&mut s, 120);
    let failed = s
        .tasks()
        .iter()
        .find(|t| t.stop_code.as_deref() == Some("TaskFailedToStart"))
        .expect("a task failed to start");
    let described = s.describe_task_by_id(&failed.id).unwrap();
    let ebs = described["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "AmazonElasticBlockStorage")
        .expect("an EBS attachment")
        .clone();
    assert_eq!(ebs["status"], "FAILED");
    let reason = ebs["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "statusReason")
        .expect("a statusReason detail")["value"]
        .clone();
    assert_eq!(reason.as_str(), failed.stopped_reason.as_deref());
    // The attachments of tasks that start do not carry one.
    let mut ok = doc(gp3());
    ok["services"][0]["desiredCount"] = json!(1);
    let mut s = sim(ok);
    at(&mut s, 120);
    let described = s.describe_task_by_id(&s.tasks()[0].id).unwrap();
    assert!(!described["attachments"]
        .to_string()
        .contains("statusReason"));
}

#[test]
fn the_volume_stays_attached_while_the_containers_stop_and_detaches_in_deprovisioning() {
    // The playground detaches the volume while the task is DEPROVISIONING (after its
    // containers have exited): until then DescribeTasks' attachment is ATTACHED, as
    // DescribeVolumes' in-use volume is.
    let mut d = doc(gp3());
    d["options"] = json!({"lifecycle": {"appExitSeconds": 20}});
    d["services"][0]["desiredCount"] = json!(1);
    d["updateServices"] = json!([{"at": "PT5M", "service": "db", "desiredCount": 0}]);
    let mut s = sim(d);
    let status = first_task_attachment;
    at(&mut s, 305);
    assert_eq!(s.tasks()[0].last_status, TaskStatus::Stopping);
    assert_eq!(status(&s), "ATTACHED");
    assert_eq!(s.describe()["ebsVolumes"][0]["State"], "in-use");
    let deprovisioning = (305..400)
        .find(|&t| {
            at(&mut s, t);
            s.tasks()[0].last_status == TaskStatus::Deprovisioning
        })
        .expect("the task deprovisions");
    assert!(deprovisioning >= 320, "{deprovisioning}");
    assert_eq!(status(&s), "DETACHING");
}

#[test]
fn update_service_to_fargate_checks_the_volume_against_fargate() {
    // EBSV: "The magnetic (standard) Amazon EBS volume type is not supported for tasks hosted
    // on Fargate." A service moved from an Auto Scaling group capacity provider to FARGATE
    // by UpdateService's capacityProviderStrategy keeps its volume configuration, which must
    // then hold on Fargate.
    let mut d = doc(json!({"roleArn": ROLE, "volumeType": "standard", "sizeInGiB": 20}));
    for t in d["taskDefinitions"].as_array_mut().unwrap() {
        t["requiresCompatibilities"] = json!(["EC2", "FARGATE"]);
    }
    d["launchTemplates"] =
        json!([{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "m5.xlarge"}}]);
    d["autoScalingGroups"] = json!([{"AutoScalingGroupName": "asg", "MinSize": 2, "MaxSize": 2, "DesiredCapacity": 2,
        "LaunchTemplate": {"LaunchTemplateName": "ecs", "Version": "$Latest"}, "VPCZoneIdentifier": "subnet-a,subnet-b"}]);
    d["capacityProviders"] = json!([{"name": "cp-asg", "autoScalingGroupProvider": {
        "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/asg"}}]);
    d["clusters"] = json!([{"clusterName": "default", "capacityProviders": ["cp-asg", "FARGATE"]}]);
    let svc = d["services"][0].as_object_mut().unwrap();
    svc.remove("launchType");
    svc.insert("desiredCount".into(), json!(2));
    svc.insert(
        "capacityProviderStrategy".into(),
        json!([{"capacityProvider": "cp-asg", "weight": 1}]),
    );
    d["updateServices"] = json!([{"at": "PT10M", "service": "db",
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]}]);
    let mut s = sim(d);
    at(&mut s, 9 * 60);
    assert_eq!(live(&s), 2, "magnetic volumes on EC2");
    at(&mut s, 30 * 60);
    assert!(logged(
        &s,
        "updateServices[0].volumeConfigurations[0].managedEBSVolume.volumeType: The magnetic (standard) Amazon EBS volume type is not supported for tasks hosted on Fargate."
    ));
    assert!(
        s.tasks()
            .iter()
            .all(|t| !s.cluster().instances[t.reservation.slot].fargate),
        "no task went to Fargate"
    );
}

#[test]
fn a_volume_that_fails_to_attach_is_deleted_even_if_the_task_would_keep_it() {
    // TRB: "If the task starts and the attachment fails ... The created volume will be
    // deleted and the task will be stopped." terminationPolicy keeps only a volume that
    // was attached.
    let mut d = doc(gp3());
    d["services"] = json!([]);
    d["iamRoles"] = json!([{"RoleName": "ecsInfrastructureRole",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes"]}]);
    d["runTasks"] = json!([{"at": 0, "taskDefinition": "db:1", "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
        "volumeConfigurations": [{"name": "data", "managedEBSVolume": {"roleArn": ROLE, "sizeInGiB": 50,
            "terminationPolicy": {"deleteOnTermination": false}}}]}]);
    let mut s = sim(d);
    at(&mut s, 10 * 60);
    assert_eq!(s.tasks()[0].stop_code.as_deref(), Some("TaskFailedToStart"));
    assert_eq!(live(&s), 0);
    let out = s.describe();
    assert_eq!(out["ebsVolumes"][0]["State"], "deleted");
    assert_eq!(out["cost"]["ebsUsdPerHour"], 0.0);
}

#[test]
fn restating_the_same_volume_with_a_default_spelled_out_starts_no_deployment() {
    // US: "if this configuration differs from the existing one, it triggers a new deployment";
    // gp3 with 3,000 IOPS written out is the configuration it was.
    let mut d = doc(gp3());
    d["updateServices"] = json!([
        {"at": "PT10M", "service": "db", "volumeConfigurations": [{"name": "data", "managedEBSVolume":
            {"roleArn": ROLE, "volumeType": "gp3", "sizeInGiB": 100, "iops": 3000, "throughput": 125}}]},
        {"at": "PT20M", "service": "db", "volumeConfigurations": [{"name": "data", "managedEBSVolume":
            {"roleArn": ROLE, "volumeType": "gp3", "sizeInGiB": 100, "encrypted": true}}]}
    ]);
    let mut s = sim(d);
    at(&mut s, 15 * 60);
    assert_eq!(s.ebs_volumes().len(), 3, "no deployment");
    at(&mut s, 30 * 60);
    assert_eq!(
        s.ebs_volumes().len(),
        6,
        "encryption is a different configuration"
    );
}

#[test]
fn the_attachment_is_created_then_attaching_then_attached() {
    // ATT and the AWS CLI's run-task example: the response shows the EBS attachment CREATED;
    // it is ATTACHING while the task is PROVISIONING, ATTACHED once it runs.
    let mut s = sim(doc(gp3()));
    let status = first_task_attachment;
    at(&mut s, 0);
    assert_eq!(status(&s), "CREATED");
    at(&mut s, 5);
    assert_eq!(status(&s), "ATTACHING");
    at(&mut s, 300);
    assert_eq!(status(&s), "ATTACHED");
}
