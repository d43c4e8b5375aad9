//! The four reference architectures of issue 8, each run through `ecs-sim run` with its
//! expected outcome asserted on the describe-shaped JSON it prints, plus the mistakes a user
//! makes in them (the task role of 1.6, an event pattern that does not match).

use std::process::Command;

use serde_json::Value;

fn preset_path(name: &str) -> String {
    format!(
        "{}/../public/scenarios/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// `ecs-sim run <file>`: the describe JSON.
fn run(path: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["run", path])
        .output()
        .expect("run ecs-sim");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Runs a preset after `edit` changes its document.
fn run_edited(name: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(preset_path(name)).unwrap()).unwrap();
    edit(&mut doc);
    // Tests run in parallel in one process: each edited document gets a file of its own.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("ecs-sim-{name}-{}-{n}.json", std::process::id()));
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = run(path.to_str().unwrap());
    let _ = std::fs::remove_file(path);
    out
}

fn exits(out: &Value) -> Vec<(String, i64)> {
    out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["lastStatus"].as_str().unwrap().to_string(),
                t["containers"][0]["exitCode"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

fn messages(out: &Value) -> Vec<String> {
    out["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

/// Architecture 1: S3 upload → EventBridge → Fargate task with a task role → DynamoDB.
#[test]
fn architecture_1_s3_upload_runs_a_fargate_task_that_writes_dynamodb() {
    let out = run(&preset_path("arch-s3-eventbridge-fargate"));
    let stopped_ok = vec![("STOPPED".to_string(), 0); 3];
    assert_eq!(exits(&out), stopped_ok);
    assert!(out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["launchType"] == "FARGATE" && t["startedBy"] == "events-rule/on-upload"));
    assert_eq!(out["dynamoDbTables"][0]["ItemCount"], 3);
    let log = messages(&out);
    assert!(log
        .iter()
        .any(|m| m.contains("s3:GetObject arn:aws:s3:::uploads/in/report-00002: 200 OK")));
    // The tasks' CloudWatch Logs are in the output, streams named prefix/container/task-id.
    let group = &out["logGroups"][0];
    assert_eq!(group["logGroupName"], "/ecs/ingest");
    let streams = group["logStreams"].as_array().unwrap();
    assert_eq!(streams.len(), 3);
    assert!(streams.iter().all(|s| s["logStreamName"]
        .as_str()
        .unwrap()
        .starts_with("ecs/ingest/")));
    assert!(streams[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["message"]
            .as_str()
            .unwrap()
            .starts_with("dynamodb:PutItem")));
    // 1.6: without dynamodb:PutItem in the task role the code is refused and exits 1.
    let out = run_edited("arch-s3-eventbridge-fargate", |d| {
        d["iamRoles"][2]["Policies"] = serde_json::json!([]);
    });
    assert_eq!(exits(&out), vec![("STOPPED".to_string(), 1); 3]);
    assert_eq!(out["dynamoDbTables"][0]["ItemCount"], 0);
    assert!(messages(&out)
        .iter()
        .any(|m| m.contains("AccessDenied") && m.contains("dynamodb:PutItem")));
}

/// Architecture 2: an hourly schedule runs a batch task on Fargate that reads S3.
#[test]
fn architecture_2_an_hourly_schedule_runs_a_batch_task() {
    let out = run(&preset_path("arch-scheduled-batch"));
    let tasks = out["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3, "rate(1 hour) over 3.5 hours");
    let created: Vec<&str> = tasks
        .iter()
        .map(|t| t["createdAt"].as_str().unwrap())
        .collect();
    assert!(
        created[0].starts_with("2025-01-01T01:00:01")
            && created[2].starts_with("2025-01-01T03:00:01"),
        "{created:?}"
    );
    assert_eq!(exits(&out), vec![("STOPPED".to_string(), 0); 3]);
    // The object is missing: NoSuchKey, exit 1.
    let out = run_edited("arch-scheduled-batch", |d| {
        d["buckets"][0]["Objects"] = serde_json::json!([]);
    });
    assert_eq!(exits(&out), vec![("STOPPED".to_string(), 1); 3]);
    assert!(messages(&out).iter().any(|m| m.contains("NoSuchKey")));
}

/// Architecture 2 on EventBridge Scheduler (9.2, 5.5's time zones): `cron(0 8 ? * MON-FRI *)`
/// in Europe/Paris fires at 07:00 UTC on Monday 6 January, the one-time `at(...09:30:00)` at
/// 08:30 UTC; in UTC the cron fires at 08:00 instead, and a disabled schedule never.
#[test]
fn architecture_2_on_scheduler_runs_at_paris_time() {
    let out = run(&preset_path("arch-scheduler-paris"));
    let created: Vec<(&str, &str)> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["startedBy"].as_str().unwrap(),
                t["createdAt"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        created,
        vec![
            ("scheduler/weekday-report", "2025-01-06T07:00:01.000Z"),
            ("scheduler/backfill", "2025-01-06T08:30:01.000Z"),
        ]
    );
    assert_eq!(exits(&out), vec![("STOPPED".to_string(), 0); 2]);
    let out = run_edited("arch-scheduler-paris", |d| {
        d["schedules"][0]["ScheduleExpressionTimezone"] = serde_json::json!("UTC");
        d["schedules"][1]["State"] = serde_json::json!("DISABLED");
    });
    let created: Vec<&str> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["createdAt"].as_str().unwrap())
        .collect();
    assert_eq!(created, vec!["2025-01-06T08:00:01.000Z"]);
}

/// Architecture 3: SQS workers scale on backlog per task (9.4, G39).
#[test]
fn architecture_3_sqs_workers_scale_on_backlog() {
    let out = run(&preset_path("sqs-worker-backlog"));
    // Newest first: the first scale-out is G39's ceil(10 × 150 / 100) = 15.
    let activities: Vec<&str> = out["scalingActivities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        activities.last(),
        Some(&"Setting desired count to 15."),
        "{activities:?}"
    );
}

/// Architecture 4: a stopped task → EventBridge → SNS → email to the administrators.
#[test]
fn architecture_4_a_stopped_task_emails_the_administrators() {
    let out = run(&preset_path("arch-task-stopped-alert"));
    let sent = out["notifications"].as_array().unwrap();
    let to: Vec<&str> = sent
        .iter()
        .map(|n| n["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(to, vec!["oncall@example.com", "lead@example.com"]);
    let body = sent[0]["message"].as_str().unwrap();
    assert!(
        body.starts_with("Task arn:aws:ecs:us-east-1:123456789012:task/default/")
            && body.ends_with("of service:payments stopped: Essential container in task exited"),
        "{body}"
    );
    // A pattern for another group matches nothing.
    let out = run_edited("arch-task-stopped-alert", |d| {
        d["eventRules"][0]["EventPattern"]["detail"]["group"] =
            serde_json::json!(["service:orders"]);
    });
    assert!(out["notifications"].as_array().unwrap().is_empty());
}

/// 9.1: service actions and deployment state changes reach rules: a placement failure with
/// its reason, a steady state, a completed deployment.
#[test]
fn service_action_and_deployment_events_reach_rules() {
    let out = run_edited("arch-task-stopped-alert", |d| {
        d["eventRules"] = serde_json::json!([
            {"Name": "placement", "EventPattern": {"detail-type": ["ECS Service Action"], "detail": {"eventName": ["SERVICE_TASK_PLACEMENT_FAILURE"], "reason": [{"prefix": "RESOURCE:"}]}},
             "Targets": [{"Id": "a", "Arn": "arn:aws:sns:us-east-1:123456789012:ops-alerts", "Input": "\"placement failed\""}]},
            {"Name": "steady", "EventPattern": {"detail-type": ["ECS Service Action"], "detail": {"eventName": ["SERVICE_STEADY_STATE"]}},
             "Targets": [{"Id": "b", "Arn": "arn:aws:sns:us-east-1:123456789012:ops-alerts", "Input": "\"steady\""}]},
            {"Name": "deployed", "EventPattern": {"detail-type": ["ECS Deployment State Change"], "detail": {"eventName": ["SERVICE_DEPLOYMENT_COMPLETED"]}},
             "Targets": [{"Id": "c", "Arn": "arn:aws:sns:us-east-1:123456789012:ops-alerts", "Input": "\"deployed\""}]}
        ]);
        // Ask for more tasks than two m5.large hold: placement fails (RESOURCE:CPU).
        d["updateServices"] =
            serde_json::json!([{"at": "PT20M", "service": "payments", "desiredCount": 30}]);
    });
    let bodies: Vec<&str> = out["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["endpoint"] == "oncall@example.com")
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    for want in ["steady", "deployed", "placement failed"] {
        assert!(bodies.contains(&want), "{want}: {bodies:?}");
    }
}

/// SQS visibility timeout: a worker that dies leaves the messages it held to reappear after the
/// queue's `VisibilityTimeout`; `ApproximateNumberOfMessagesNotVisible` counts them meanwhile.
#[test]
fn messages_of_a_dead_worker_reappear_after_the_visibility_timeout() {
    let doc = serde_json::json!({
        "version": 1, "seed": 8, "duration": "PT20M",
        "containerInstances": [{"instanceType": "m5.4xlarge", "availabilityZone": "us-east-1a"}],
        "queues": [{"QueueName": "jobs", "Attributes": {"VisibilityTimeout": "120"}}],
        "taskDefinitions": [{"family": "worker", "cpu": "1024", "memory": "2048",
            "containerDefinitions": [{"name": "worker", "image": "worker:1", "essential": true}]}],
        "services": [{"serviceName": "worker", "taskDefinition": "worker", "desiredCount": 2}],
        "loadProfiles": [{"queue": "jobs", "consumer": "worker", "requests": {"type": "constant", "requestsPerSecond": 5},
            "cost": {"cpuUnitMsPerRequest": 102400, "idleCpuUnits": 0}}],
        "faults": [{"type": "EssentialContainerExit", "service": "worker", "at": "PT10M", "count": 1}]
    });
    let path = std::env::temp_dir().join(format!("ecs-sim-visibility-{}.json", std::process::id()));
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = run(path.to_str().unwrap());
    let _ = std::fs::remove_file(path);
    let returned = messages(&out)
        .into_iter()
        .find(|m| m.contains("reappear after the 120 s visibility timeout"))
        .expect("the dead worker's messages return");
    assert!(returned.starts_with("queue jobs: "), "{returned}");
    let not_visible =
        &out["timeSeries"]["series"]["queue/jobs/ApproximateNumberOfMessagesNotVisible"];
    assert!(
        not_visible[9].as_f64().unwrap() > 0.0,
        "workers hold messages: {not_visible}"
    );
    // Bad attributes name the field.
    let bad = serde_json::json!({"version": 1, "queues": [{"QueueName": "q", "Attributes": {"VisibilityTimeout": "a day"}}]});
    let e = ecs_engine::Scenario::from_value(bad).unwrap_err();
    assert_eq!(e.path, "queues[0].Attributes.VisibilityTimeout");
}

/// The engine counts each rule's matches (G38: `rate(1 hour)` fires at each hour after the
/// rule is created), so the AWS services panel need not scan the event log.
#[test]
fn each_rule_counts_its_matches() {
    let text = std::fs::read_to_string(preset_path("arch-scheduled-batch")).unwrap();
    let sim = ecs_engine::run_scenario(&text).expect("runs");
    assert_eq!(sim.event_rules().len(), sim.event_rule_matches().len());
    let logged = sim
        .log()
        .entries()
        .iter()
        .filter(|e| {
            e.message
                .starts_with(&format!("rule {} matched", sim.event_rules()[0].name))
        })
        .count() as u64;
    assert_eq!(
        sim.event_rule_matches()[0],
        3,
        "rate(1 hour) over 3.5 hours"
    );
    assert_eq!(sim.event_rule_matches()[0], logged);
}

/// 9.2: an EventBridge Scheduler schedule (CreateSchedule in `schedules[]`) runs the same task
/// as the hourly rule: once at `at(...)` in its time zone (10 past 1 in Paris is 00:10 UTC in
/// January), and on a `rate` only until its `EndDate`.
#[test]
fn scheduler_schedules_run_tasks_at_their_local_time_until_their_end_date() {
    let text = std::fs::read_to_string(preset_path("arch-scheduled-batch")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let mut target = doc["eventRules"][0]["Targets"][0].clone();
    target.as_object_mut().unwrap().remove("Id");
    doc.as_object_mut().unwrap().remove("eventRules");
    doc["schedules"] = serde_json::json!([
        {"Name": "once-in-paris", "ScheduleExpression": "at(2025-01-01T01:10:00)",
         "ScheduleExpressionTimezone": "Europe/Paris", "FlexibleTimeWindow": {"Mode": "OFF"},
         "Target": target.clone(), "ActionAfterCompletion": "DELETE"},
        {"Name": "hourly-until-1-30", "ScheduleExpression": "rate(1 hour)",
         "EndDate": "2025-01-01T01:30:00Z", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}
    ]);
    let sim = ecs_engine::run_scenario(&doc.to_string()).expect("runs");
    let started: Vec<(String, u64)> = sim
        .tasks()
        .iter()
        .map(|t| {
            (
                t.started_by.clone().unwrap_or_default(),
                t.created_at.as_secs(),
            )
        })
        .collect();
    assert_eq!(
        started,
        vec![
            ("scheduler/once-in-paris".to_string(), 10 * 60 + 1),
            ("scheduler/hourly-until-1-30".to_string(), 60 * 60 + 1),
        ],
        "one delivery second after each firing"
    );
    assert_eq!(sim.event_rule_matches(), &[1, 1]);
    assert!(sim
        .log()
        .entries()
        .iter()
        .any(|e| e.message == "schedule once-in-paris invoked its target"));
}

/// EC2 and EC2 Auto Scaling events reach rules (7.1: the interruption notice "arrives as the
/// EventBridge event `EC2 Spot Instance Interruption Warning`"): the rebalance
/// recommendation, the interruption warning, launches and terminations of the group's
/// instances, each published to an SNS topic with its instance id.
#[test]
fn ec2_and_auto_scaling_events_reach_rules() {
    let out = run_edited("spot-capacity-rebalance", |d| {
        let topic = "arn:aws:sns:us-east-1:123456789012:ops-alerts";
        let rule = |name: &str, source: &str, detail_type: &str, path: &str| {
            serde_json::json!({"Name": name,
                "EventPattern": {"source": [source], "detail-type": [detail_type]},
                "Targets": [{"Id": name, "Arn": topic, "InputTransformer": {
                    "InputPathsMap": {"id": path},
                    "InputTemplate": format!("\"{detail_type}: <id>\"")}}]})
        };
        d["snsTopics"] = serde_json::json!([{"Name": "ops-alerts",
            "Subscriptions": [{"Protocol": "email", "Endpoint": "oncall@example.com"}]}]);
        d["eventRules"] = serde_json::json!([
            rule(
                "rebalance",
                "aws.ec2",
                "EC2 Instance Rebalance Recommendation",
                "$.detail.instance-id"
            ),
            rule(
                "interruption",
                "aws.ec2",
                "EC2 Spot Instance Interruption Warning",
                "$.detail.instance-id"
            ),
            rule(
                "launch",
                "aws.autoscaling",
                "EC2 Instance Launch Successful",
                "$.detail.EC2InstanceId"
            ),
            rule(
                "terminate",
                "aws.autoscaling",
                "EC2 Instance Terminate Successful",
                "$.detail.EC2InstanceId"
            ),
        ]);
        d["faults"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"type": "SpotInterruption", "at": "PT30M", "autoScalingGroup": "spot", "count": 1}));
    });
    let bodies: Vec<&str> = out["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    let count = |prefix: &str| bodies.iter().filter(|b| b.starts_with(prefix)).count();
    // Two recommendations; four launches at the start, two replacements, one after the
    // interruption; two terminations by rebalancing and one by the interruption.
    assert_eq!(
        count("EC2 Instance Rebalance Recommendation: i-"),
        2,
        "{bodies:?}"
    );
    assert_eq!(
        count("EC2 Spot Instance Interruption Warning: i-"),
        1,
        "{bodies:?}"
    );
    assert_eq!(count("EC2 Instance Launch Successful: i-"), 7, "{bodies:?}");
    assert_eq!(
        count("EC2 Instance Terminate Successful: i-"),
        3,
        "{bodies:?}"
    );
}
