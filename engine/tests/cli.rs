//! The `ecs-sim` command line, as trainers run it in their own CI.

use std::process::Command;

fn ecs_sim(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(args)
        .output()
        .expect("run ecs-sim");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn example() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../public/scenarios/example.json"
    )
    .to_string()
}

#[test]
fn run_prints_describe_shaped_json() {
    let (ok, out, err) = ecs_sim(&["run", &example(), "--until", "PT5M"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let task = &v["tasks"][0];
    for key in [
        "taskArn",
        "group",
        "lastStatus",
        "launchType",
        "ec2InstanceId",
        "availabilityZone",
        "containers",
    ] {
        assert!(task.get(key).is_some(), "tasks[].{key}");
    }
    assert!(task["containers"][0]["networkBindings"][0]["hostPort"]
        .as_u64()
        .is_some());
    assert_eq!(v["services"][0]["runningCount"], 6);
    assert!(v["services"][0]["events"][0]["createdAt"].is_string());
    assert_eq!(v["simulatedTime"], "PT5M");
    // One datapoint a minute, from 0 to 5 minutes: the service reaches 6 running tasks.
    assert_eq!(v["timeSeries"]["timestampsMs"].as_array().unwrap().len(), 6);
    assert_eq!(
        v["timeSeries"]["series"]["service/web/runningCount"][5],
        6.0
    );
    assert_eq!(
        v["timeSeries"]["series"]["service/web/runningCount"][0],
        0.0
    );
    assert!(
        v["timeSeries"]["series"]["cluster/demo/CPUReservation"][5]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let (_, digest, _) = ecs_sim(&["digest", &example()]);
    let full: serde_json::Value = serde_json::from_str(&ecs_sim(&["run", &example()]).1).unwrap();
    assert_eq!(digest.trim(), full["digest"].as_str().unwrap());
}

#[test]
fn validate_reports_line_and_column_and_field_paths() {
    let dir = std::env::temp_dir().join(format!("ecs-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\n  \"version\": 1,\n  \"seed\": oops\n}").unwrap();
    let (ok, _, err) = ecs_sim(&["validate", broken.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains(":3:"), "line 3 named: {err}");
    let td = dir.join("td.json");
    std::fs::write(&td, r#"{"family": "f", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "3072", "containerDefinitions": [{"name": "a", "image": "x"}]}"#).unwrap();
    let (ok, _, err) = ecs_sim(&["validate", td.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("memory: ClientException: No Fargate configuration exists"),
        "{err}"
    );
    let (ok, out, _) = ecs_sim(&["validate", &example()]);
    assert!(ok);
    assert!(out.contains("valid scenario"));
}

#[test]
fn explain_prints_every_instance() {
    let (ok, out, err) = ecs_sim(&["explain", &example(), "--service", "web", "--at", "PT30S"]);
    assert!(ok, "{err}");
    assert!(out.contains("spread(attribute:ecs.availability-zone) then spread(instanceId)"));
    assert_eq!(out.lines().filter(|l| l.contains("(us-east-1")).count(), 5);
}

#[test]
fn explain_task_replays_to_its_placement() {
    // 3.7: the first task of the run, by the first characters of its id as `run` prints it.
    let (ok, out, err) = ecs_sim(&["run", &example(), "--until", "PT2M"]);
    assert!(ok, "{err}");
    let described: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let task = &described["tasks"][0];
    let id = task["taskArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let (ok, out, err) = ecs_sim(&["explain", &example(), "--task", &id[..8], "--at", "PT2M"]);
    assert!(ok, "{err}");
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("task {id} placed at ")),
        "{first}"
    );
    assert!(
        first.ends_with(task["ec2InstanceId"].as_str().unwrap()),
        "{first}"
    );
    assert_eq!(out.lines().filter(|l| l.contains("CHOSEN")).count(), 1);
    let (ok, _, err) = ecs_sim(&["explain", &example(), "--task", "ffffffffff"]);
    assert!(!ok);
    assert!(err.contains("no task \"ffffffffff\""), "{err}");
}

#[test]
fn share_links_run_like_the_file() {
    let (ok, link, err) = ecs_sim(&["share", &example()]);
    assert!(ok, "{err}");
    let url = format!("https://example.invalid/ecs-playground/#{}", link.trim());
    let (ok, from_link, err) = ecs_sim(&["digest", &url]);
    assert!(ok, "{err}");
    assert_eq!(from_link, ecs_sim(&["digest", &example()]).1);
    let (ok, _, err) = ecs_sim(&["digest", "https://x/#s=v1.AAAA"]);
    assert!(!ok);
    assert!(err.contains("damaged"), "{err}");
}
