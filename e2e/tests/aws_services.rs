//! The AWS services panel's controls (issues 6 and 8): an object uploaded by hand raises
//! Object Created (9.3) and runs the S3 → EventBridge → Fargate task; an SQS queue shows its
//! backlog, has its chart, and takes a live producer rate in messages/s (9.4). A long event
//! message opens in full on a click. An image a lifecycle policy expired shows in its
//! repository, and its tasks fail to pull (G37).

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_by_hand_runs_the_s3_eventbridge_fargate_task() {
    let browser = Browser::start().await;
    browser.open_preset("arch-s3-eventbridge-fargate").await;
    browser.play_until(60, "00:15:00.000", 60).await;
    let rule = "#aws-rules tr.rule[data-rule=on-upload]";
    let bucket = "#aws-s3 li.bucket[data-bucket=uploads]";
    // The preset's three uploads (at 2, 6 and 10 minutes) have each run a task.
    assert_eq!(browser.attr(rule, "data-matched").await, "3");
    let objects: u32 = browser.attr(bucket, "data-objects").await.parse().unwrap();
    let clock = browser.text("#clock").await;

    browser.scroll_to("#aws-services").await;
    browser
        .set_value("upload-key-uploads", "in/upload.csv")
        .await;
    browser
        .click("#aws-s3 .upload-button[data-bucket=uploads]")
        .await;
    // The edit resumes the run where it was, the object already in the bucket.
    browser.wait_for_text(bucket, "in/upload.csv", 10).await;
    assert_eq!(browser.text("#clock").await, clock);
    assert_eq!(
        browser.attr(bucket, "data-objects").await,
        (objects + 1).to_string()
    );
    let doc = browser.document().await;
    let last = doc["putObjects"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["Key"], "in/upload.csv");
    assert_eq!(last["at"], 900.0, "PutObject at the time of the click");

    browser.play_until(60, "00:17:00.000", 60).await;
    assert_eq!(
        browser.attr(rule, "data-matched").await,
        "4",
        "the rule matched the upload's Object Created event"
    );
    let log = browser.text("#event-log").await;
    assert!(log.contains("in/upload.csv"), "{log}");
    browser.scroll_to("#aws-services").await;
    browser.screenshot("aws-upload-by-hand").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sqs_queue_shows_its_backlog_and_takes_a_live_rate() {
    let browser = Browser::start().await;
    browser.open_preset("sqs-worker-backlog").await;
    let queue = "#aws-sqs li.queue[data-queue=jobs]";
    assert_eq!(browser.attr(queue, "data-visible").await, "1500");
    browser.play_until(60, "00:05:00.000", 60).await;
    browser.wait_for("#chart-queue svg", 10).await;
    let title = browser.text("#chart-queue").await;
    assert!(
        title.contains("SQS messages visible and in flight"),
        "{title}"
    );

    // The live load control lists the queue and speaks of messages.
    browser.click("#build-panel summary").await;
    browser.select("#load-target", "jobs").await;
    assert_eq!(browser.text("#load-now").await, "now 100 messages/s");
    assert_eq!(
        browser.text("#load-unit").await,
        "messages/s",
        "the rate's unit follows the target"
    );
    browser.set_value("load-rate", "2000").await;
    browser.click("#set-load").await;
    let done = browser.text("#build-done").await;
    assert!(
        done.starts_with("From 00:05:00.000: 2000 messages/s to jobs"),
        "{done}"
    );
    browser
        .wait_for_text("#load-now", "now 2000 messages/s", 5)
        .await;
    let before: u64 = browser.attr(queue, "data-visible").await.parse().unwrap();
    browser.play_until(60, "00:08:00.000", 60).await;
    let after: u64 = browser.attr(queue, "data-visible").await.parse().unwrap();
    assert!(
        after > before + 1000,
        "2,000 messages/s outrun the workers: {before} → {after}"
    );
    // The service's "has started 25 tasks: (task …) …" shows its start; a click opens it.
    let long = "#event-log .event .long";
    let summary = format!("{long} summary");
    let closed = browser.text(&summary).await;
    assert!(closed.ends_with("… more"), "{closed}");
    assert!(closed.len() < 300, "{closed}");
    assert_eq!(browser.attr(long, "open").await, "", "closed at first");
    browser.scroll_to("#event-log").await;
    browser.screenshot("event-log-long-message").await;
    browser.click(&summary).await;
    assert_eq!(browser.text(&summary).await, "less");
    let open = browser.text(long).await;
    assert!(
        open.contains("has started 25 tasks") && open.len() > closed.len() + 500,
        "{open}"
    );
    let line = browser.text(queue).await;
    assert!(
        line.contains(&format!("{},", after / 1000)),
        "thousands grouped: {line}"
    );
    browser.scroll_to("#aws-services").await;
    browser.screenshot("aws-sqs-queue").await;
    browser.scroll_to("#chart-queue").await;
    browser.screenshot("aws-sqs-chart").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_image_shows_in_its_repository_and_fails_the_pull() {
    let browser = Browser::start().await;
    browser.open_preset("ecr-lifecycle-expired-image").await;
    let repo = "#aws-repositories .repository";
    let heading = browser.text(repo).await;
    assert!(
        heading.contains("dkr.ecr.us-east-1.amazonaws.com/api · ECR · lifecycle policy of 2 rules"),
        "{heading}"
    );
    // G37: the lifecycle policy ran at time zero.
    assert_eq!(browser.count(&format!("{repo} tr.image")).await, 4);
    assert_eq!(browser.count(&format!("{repo} tr.image.expired")).await, 2);
    assert_eq!(
        browser
            .text(&format!("{repo} tr.image[data-image=v1] .status"))
            .await,
        "expired at 00:00:00.000 by lifecycle rule 1"
    );
    assert_eq!(
        browser
            .text(&format!("{repo} tr.image[data-image=v3] .status"))
            .await,
        "available"
    );
    browser.play_until(60, "00:01:00.000", 60).await;
    browser.select("#log-kind", "ServiceEvent").await;
    browser
        .wait_for_text(
            "#event-log",
            "is unable to consistently start tasks successfully",
            5,
        )
        .await;
    // Each stopped task says why.
    browser.select("#log-kind", "TaskStateChange").await;
    browser
        .wait_for_text(
            "#event-log",
            "is STOPPED (TaskFailedToStart): CannotPullContainerError: ",
            5,
        )
        .await;
    browser.scroll_to("#aws-services").await;
    browser.screenshot("aws-ecr-lifecycle").await;
    browser.close().await;
}

/// 9.2: a CreateSchedule request pasted into the scenario JSON shows as an EventBridge
/// Scheduler schedule with its time zone, and runs its task once at its local time.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduler_schedule_shows_its_zone_and_runs_once() {
    let browser = Browser::start().await;
    browser.open_preset("arch-scheduled-batch").await;
    let mut doc = browser.document().await;
    let mut target = doc["eventRules"][0]["Targets"][0].clone();
    target.as_object_mut().unwrap().remove("Id");
    doc["schedules"] = serde_json::json!([{"Name": "once-in-paris",
        "ScheduleExpression": "at(2025-01-01T01:10:00)", "ScheduleExpressionTimezone": "Europe/Paris",
        "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}]);
    browser.apply_document(&doc).await;
    let row = "#aws-rules tr.rule[data-rule=once-in-paris]";
    assert_eq!(
        browser.text(&format!("{row} td.trigger")).await,
        "Scheduler at(2025-01-01T01:10:00) (Europe/Paris)"
    );
    browser.play_until(600, "00:12:00.000", 30).await;
    assert_eq!(browser.attr(row, "data-matched").await, "1");
    browser.scroll_to("#aws-rules").await;
    browser.screenshot("aws-scheduler").await;
}
