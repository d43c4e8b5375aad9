//! Fargate platform versions (`engine/src/fargate.rs`): `platformVersion` of CreateService,
//! UpdateService and RunTask, only on Fargate, a published version with what the task
//! definition needs, shown by DescribeTasks ([API-CS], [FPV]).

mod support;

use serde_json::{json, Value};
use support::{at, described_task, logged, scenario, service_refusal, sim, Launch};

fn fargate(version: Option<&str>, td_extra: Value) -> Value {
    let mut d = scenario(
        Launch::Fargate,
        json!([{"name": "app", "image": "nginx:1.27", "essential": true}]),
        td_extra,
        json!({}),
    );
    if let Some(v) = version {
        d["services"][0]["platformVersion"] = json!(v);
    }
    d
}

#[test]
fn a_platform_version_is_for_fargate_only() {
    // API-CS: "A platform version is specified only for tasks using the Fargate launch type."
    let mut d = scenario(
        Launch::Ec2,
        json!([{"name": "app", "image": "nginx:1.27", "memory": 256, "essential": true}]),
        json!({}),
        json!({}),
    );
    d["services"][0]["platformVersion"] = json!("LATEST");
    assert_eq!(
        service_refusal(d.clone()),
        "services[0].platformVersion: InvalidParameterException: The platform version must be null when specifying an EC2 launch type."
    );
    d["services"][0]["platformVersion"] = json!("");
    assert_eq!(service_refusal(d.clone()), "", "an empty one is no version");
    d["runTasks"] = json!([{"at": 0, "taskDefinition": "web", "launchType": "EC2", "platformVersion": "1.4.0"}]);
    let mut s = sim(d);
    at(&mut s, 30);
    assert!(logged(
        &s,
        "platformVersion: InvalidParameterException: The platform version must be null"
    ));
}

#[test]
fn an_unknown_version_does_not_exist() {
    // API-CS: PlatformUnknownException.
    let e = service_refusal(fargate(Some("1.5.0"), json!({})));
    assert!(
        e.starts_with("services[0].platformVersion: PlatformUnknownException: The specified platform version doesn't exist. (1.5.0;"),
        "{e}"
    );
    for ok in ["LATEST", "1.4.0", "1.3.0"] {
        assert_eq!(service_refusal(fargate(Some(ok), json!({}))), "", "{ok}");
    }
}

#[test]
fn a_version_before_1_4_0_lacks_efs_ephemeral_storage_and_sys_ptrace() {
    // FPV: EFS volumes, ephemeralStorage and SYS_PTRACE came with 1.4.0;
    // PlatformTaskDefinitionIncompatibilityException otherwise.
    let efs = json!({"volumes": [{"name": "shared", "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0"}}]});
    let storage = json!({"ephemeralStorage": {"sizeInGiB": 50}});
    let ptrace = json!({"containerDefinitions": [{"name": "app", "image": "nginx:1.27", "essential": true,
        "linuxParameters": {"capabilities": {"add": ["SYS_PTRACE"]}}}]});
    for (td, feature) in [
        (efs, "EFS volumes"),
        (storage, "ephemeralStorage"),
        (ptrace, "SYS_PTRACE"),
    ] {
        let e = service_refusal(fargate(Some("1.3.0"), td.clone()));
        assert!(
            e.starts_with(
                "services[0].platformVersion: PlatformTaskDefinitionIncompatibilityException:"
            ) && e.contains(feature),
            "{e}"
        );
        let e = service_refusal(fargate(Some("LATEST"), td));
        assert!(
            !e.contains("PlatformTaskDefinitionIncompatibilityException"),
            "{e}"
        );
    }
}

#[test]
fn describe_tasks_shows_the_version_and_update_service_deploys_a_new_one() {
    // API-CS: LATEST is used when none is given (1.4.0 on Linux); a new platformVersion in
    // UpdateService starts a deployment.
    let mut d = fargate(None, json!({}));
    d["updateServices"] = json!([{"at": 120, "service": "web", "platformVersion": "1.3.0"}]);
    let mut s = sim(d);
    at(&mut s, 100);
    let first = s.tasks()[0].id.clone();
    assert_eq!(described_task(&s, &first)["platformVersion"], "1.4.0");
    at(&mut s, 600);
    let newest = s.tasks().last().unwrap().id.clone();
    assert_ne!(newest, first, "a deployment replaced the task");
    assert_eq!(described_task(&s, &newest)["platformVersion"], "1.3.0");
    assert!(!s.tasks()[0].is_active());
}
