//! Issue 6 and 8 in the UI: a task's CloudWatch Logs, the AWS services panel ("emails sent"),
//! the Service Auto Scaling form, and the chart hover readout with alarm shading.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn the_logs_view_shows_a_tasks_cloudwatch_logs_streams() {
    let browser = Browser::start().await;
    // This preset has no services: its tasks come from an EventBridge rule.
    browser.open_preset("arch-s3-eventbridge-fargate").await;
    // The first upload is at 2 minutes; its task runs 20 s.
    browser.play_until(60, "00:03:00.000", 30).await;
    assert!(browser.count("#logs-task option").await >= 2);
    let task: String = browser
        .client
        .execute(
            "return document.querySelector('#logs-task option:nth-child(2)').value",
            vec![],
        )
        .await
        .expect("first task")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(task.len(), 32, "{task}");
    browser.select("#logs-task", &task).await;
    let stream = browser.wait_for(".log-stream", 5).await;
    assert_eq!(
        stream.attr("data-group").await.unwrap().as_deref(),
        Some("/ecs/ingest")
    );
    assert_eq!(
        stream.attr("data-stream").await.unwrap(),
        Some(format!("ecs/ingest/{task}"))
    );
    let lines = browser.text(".log-stream .log-lines").await;
    assert!(
        lines.contains("s3:GetObject arn:aws:s3:::uploads/in/report-"),
        "{lines}"
    );
    assert!(
        lines.contains("dynamodb:PutItem arn:aws:dynamodb:us-east-1:123456789012:table/results"),
        "{lines}"
    );
    assert!(lines.contains("00:02:"), "simulated timestamps: {lines}");
    // The AWS services panel of the same run: the object, the item, the rule.
    assert!(browser.text("#aws-s3").await.contains("uploads: 1 object"));
    assert!(browser
        .text("#aws-dynamodb")
        .await
        .contains("results: 1 item"));
    assert_eq!(
        browser
            .wait_for("tr.rule[data-rule=on-upload]", 5)
            .await
            .attr("data-matched")
            .await
            .unwrap()
            .as_deref(),
        Some("1")
    );
    browser.scroll_to("#logs").await;
    browser.screenshot("ui2-logs").await;
    // The view follows the clock: the next upload's task appears in the list.
    browser.play_until(60, "00:07:00.000", 30).await;
    assert!(browser.count("#logs-task option").await >= 3);
    // On a projector: large text, dark theme.
    browser.click("#large-text").await;
    browser.click("#theme").await;
    browser.scroll_to("#logs").await;
    browser.screenshot("ui2-logs-large-dark").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_chip_opens_its_logs_which_follow_the_clock() {
    let browser = Browser::start().await;
    // This preset has no services: its tasks come from an EventBridge rule.
    browser.open_preset("arch-s3-eventbridge-fargate").await;
    // The first upload's task is placed at 2:01 (PROVISIONING), runs at 2:31, calls S3 at
    // 2:32 and DynamoDB at 2:33, and stops at 2:51.
    browser.play_until(10, "00:02:15.000", 30).await;
    browser.click("#fargate-lane .chip[data-task]").await;
    let empty = browser.text("#logs-empty").await;
    assert!(empty.contains("no CloudWatch Logs"), "{empty}");
    browser.play_until(1, "00:02:32.500", 60).await;
    let chosen = browser.value("#logs-task").await;
    assert_eq!(chosen.len(), 32, "{chosen}");
    let lines = browser
        .wait_for_text(".log-stream .log-lines", "s3:GetObject", 5)
        .await;
    assert!(lines.contains("application started"), "{lines}");
    assert!(!lines.contains("dynamodb:PutItem"), "not yet: {lines}");
    // The view follows the clock: the next line appears.
    browser.play_until(1, "00:02:33.500", 30).await;
    browser
        .wait_for_text(".log-stream .log-lines", "dynamodb:PutItem", 5)
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aws_services_panel_counts_emails_sent() {
    let browser = Browser::start().await;
    browser.open_preset("arch-task-stopped-alert").await;
    browser.wait_for("#aws-emails", 10).await;
    assert!(browser.text("#aws-emails").await.contains("0 emails sent"));
    browser.play_until(60, "00:12:00.000", 60).await;
    let emails = browser
        .wait_for_text("#aws-emails h3", "2 emails sent", 5)
        .await;
    assert_eq!(emails, "SNS: 2 emails sent");
    assert_eq!(browser.count("#aws-emails .email").await, 2);
    let first = browser.text("#aws-emails .email").await;
    assert!(first.contains("00:10:"), "{first}");
    assert!(first.contains("email to "), "{first}");
    let matched = browser.attr("#aws-rules tr.rule", "data-matched").await;
    assert!(matched.parse::<u32>().unwrap_or(0) >= 1, "{matched}");
    // The event log's new kinds.
    browser.select("#log-kind", "AwsService").await;
    assert!(browser.text("#event-log").await.contains("SNS"));
    browser.scroll_to("#aws-services").await;
    browser.screenshot("ui2-aws-services").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scaling_form_adds_a_target_tracking_policy_that_scales_out() {
    let browser = Browser::start().await;
    browser.open_scenario("scaling-form").await;
    browser.play_until(60, "00:02:00.000", 30).await;
    browser.click("#scaling-panel summary").await;
    browser.select("#scale-service", "web").await;
    // Bad input names the field and changes nothing.
    browser.set_value("tt-target", "").await;
    browser.click("#add-target-tracking").await;
    let errors = browser.text("#scaling-errors").await;
    assert!(errors.contains("TargetValue"), "{errors}");
    browser.set_value("tt-target", "50").await;
    browser.set_value("tt-min", "2").await;
    browser.set_value("tt-max", "6").await;
    let clock = browser.text("#clock").await;
    browser.click("#add-target-tracking").await;
    let done = browser.text("#scaling-done").await;
    assert_eq!(
        done,
        format!("At {clock}: target tracking policy cpu-target on web (ECSServiceAverageCPUUtilization).")
    );
    assert_eq!(
        browser.text("#clock").await,
        clock,
        "the run resumes where it was"
    );
    let doc = browser.document().await;
    assert_eq!(
        doc["scalableTargets"][0]["ResourceId"],
        "service/default/web"
    );
    assert_eq!(doc["scalableTargets"][0]["MaxCapacity"], 6);
    assert_eq!(
        doc["scalingPolicies"][0]["PolicyType"],
        "TargetTrackingScaling"
    );
    browser.screenshot("ui2-scaling-form").await;
    // About 78 % CPU against a 50 % target: the high alarm fires and web scales out.
    browser.play_until(60, "00:08:00.000", 60).await;
    let desired = browser.desired("web").await;
    assert!(desired > 2, "desired {desired}");
    assert!(browser.text("#activities").await.contains("web"));
    // The CPU chart shades the minutes the high alarm was in ALARM.
    browser
        .wait_for("#chart-cpu .alarm-band[data-kind=out]", 10)
        .await;
    browser.scroll_to("#charts").await;
    browser.screenshot("ui2-scaling-alarm-band").await;
    // A step policy with its alarm, and a scheduled action, from the same form.
    browser.click("#add-step-policy").await;
    browser
        .wait_for_text(
            "#scaling-done",
            "step scaling policy cpu-high on web with alarm cpu-high-alarm",
            5,
        )
        .await;
    browser.set_value("sched-expr", "rate(5 hour)").await;
    browser.click("#add-scheduled-action").await;
    let errors = browser.text("#scaling-errors").await;
    assert!(
        errors.starts_with("scheduledActions[0].Schedule"),
        "{errors}"
    );
    browser.set_value("sched-expr", "cron(0 18 * * ? *)").await;
    browser.click("#add-scheduled-action").await;
    browser
        .wait_for_text("#scaling-done", "scheduled action evening on web", 5)
        .await;
    let doc = browser.document().await;
    assert_eq!(doc["alarms"][0]["AlarmActions"][0], "cpu-high");
    assert_eq!(doc["scalingPolicies"][1]["PolicyType"], "StepScaling");
    assert_eq!(doc["scheduledActions"][0]["Schedule"], "cron(0 18 * * ? *)");
    browser.close().await;
}

/// Pasting what the AWS CLI takes or prints (5.1): describe-scalable-targets output, then the
/// bare configuration file of `put-scaling-policy --target-tracking-scaling-policy-configuration`
/// for the chosen service; the policy scales web out as one from the form does.
#[tokio::test(flavor = "multi_thread")]
async fn the_scaling_form_takes_pasted_aws_cli_json() {
    let browser = Browser::start().await;
    browser.open_scenario("scaling-form").await;
    browser.click("#scaling-panel summary").await;
    browser.select("#scale-service", "web").await;
    // A policy before its scalable target: AWS's error.
    let config = r#"{"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}, "ScaleOutCooldown": 60}"#;
    browser.set_value("scale-json", config).await;
    browser.click("#add-scaling-json").await;
    assert!(browser
        .text("#scaling-errors")
        .await
        .starts_with("ObjectNotFoundException: No scalable target registered"));
    let targets = serde_json::json!({"ScalableTargets": [{"ServiceNamespace": "ecs",
        "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 2, "MaxCapacity": 6, "CreationTime": "2024-01-01T00:00:00Z"}]});
    browser.set_value("scale-json", &targets.to_string()).await;
    browser.click("#add-scaling-json").await;
    browser
        .wait_for_text(
            "#scaling-done",
            "added scalable target service/default/web",
            5,
        )
        .await;
    browser.set_value("scale-json", config).await;
    browser.click("#add-scaling-json").await;
    browser
        .wait_for_text("#scaling-done", "added scaling policy target-tracking-1", 5)
        .await;
    let doc = browser.document().await;
    assert_eq!(
        doc["scalingPolicies"][0]["ResourceId"],
        "service/default/web"
    );
    browser.play_until(60, "00:08:00.000", 60).await;
    let desired = browser.desired("web").await;
    assert!(desired > 2, "desired {desired}");
    // A memory target (a bare configuration again) draws its line on the memory chart.
    let memory = r#"{"TargetValue": 80.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}}"#;
    browser.set_value("scale-json", memory).await;
    browser.click("#add-scaling-json").await;
    browser
        .wait_for_text("#scaling-done", "added scaling policy target-tracking-2", 5)
        .await;
    browser.play_until(60, "00:10:00.000", 60).await;
    let chart = browser.text("#chart-memory").await;
    assert!(chart.starts_with("Service MemoryUtilization"), "{chart}");
    assert!(chart.contains("web target"), "the target line: {chart}");
    browser.scroll_to("#chart-memory").await;
    browser.screenshot("ui2-memory-chart").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hovering_a_chart_reads_its_values_at_that_minute() {
    let browser = Browser::start().await;
    browser.open_preset("target-tracking-alb").await;
    browser.play_until(600, "00:30:00.000", 60).await;
    browser.scroll_to("#charts").await;
    // A little right of the middle of the plot: a minute within the run.
    let (readout, minute) = browser.point_at_chart("chart-tasks", 40.0).await;
    assert!(readout.contains("web desired "), "{readout}");
    assert!(readout.contains("web running "), "{readout}");
    assert!((5..=30).contains(&minute), "{readout}");
    browser.wait_for("#chart-tasks .chart-cursor", 5).await;
    // The CPU chart's readout names the target line and, while scaling out, the alarm.
    let (cpu, _) = browser.point_at_chart("chart-cpu", 0.0).await;
    assert!(cpu.contains("web target 50"), "{cpu}");
    assert!(browser.count("#chart-cpu .alarm-band").await > 0);
    browser.screenshot("ui2-chart-hover").await;
    browser.close().await;
}
