//! Task sets in the browser (EXTERNAL deployment controller): the preset's task sets listed
//! with their status, revision, target group, scale and tasks; scaled (UpdateTaskSet) and
//! made primary (UpdateServicePrimaryTaskSet) from the list at the current time; and task
//! sets pasted from the AWS CLI into the service panel.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn scale_a_task_set_and_make_it_primary_from_the_list() {
    let browser = Browser::start().await;
    browser.open_preset("external-task-sets").await;
    browser.play_until(600, "00:08:00.000", 30).await;
    // Blue (PRIMARY) and green, each at 100 % of 4.
    let blue = browser.text("#task-sets li.task-set:nth-child(1)").await;
    assert!(blue.starts_with("PRIMARY blue"), "{blue}");
    assert!(
        blue.contains("web:1 · target group blue · 100 % of desired: 4 tasks (4 running, 0 pending) · STEADY_STATE"),
        "{blue}"
    );
    let green = browser.text("#task-sets li.task-set:nth-child(2)").await;
    assert!(green.starts_with("ACTIVE green"), "{green}");
    // A scale above 100 % is refused, naming the field.
    browser.set_value("ts-scale-1", "150").await;
    browser.click("#ts-scale-btn-1").await;
    let error = browser
        .wait_for_text("[role=alert]", "scale.value", 5)
        .await;
    assert!(error.contains("150 is not between 0 and 100"), "{error}");
    // 25 % of 4 is 1 task.
    browser.set_value("ts-scale-1", "25").await;
    browser.click("#ts-scale-btn-1").await;
    browser
        .wait_for_text(
            "#task-sets li.task-set:nth-child(2)",
            "25 % of desired: 1 tasks",
            10,
        )
        .await;
    browser.click("#ts-primary-1").await;
    browser
        .wait_for_text("#task-sets li.task-set:nth-child(2)", "PRIMARY green", 10)
        .await;
    let doc = browser.document().await;
    let updates = doc["updateTaskSets"].as_array().unwrap();
    assert_eq!(updates.last().unwrap()["scale"]["value"], 25.0);
    assert_eq!(updates.last().unwrap()["taskSet"], "green");
    let primaries = doc["updateServicePrimaryTaskSets"].as_array().unwrap();
    assert_eq!(primaries.last().unwrap()["primaryTaskSet"], "green");
    browser.play_until(600, "00:10:00.000", 30).await;
    let green = browser.text("#task-sets li.task-set:nth-child(2)").await;
    assert!(
        green.contains("(1 running, 0 pending) · STEADY_STATE"),
        "{green}"
    );
    let blue = browser.text("#task-sets li.task-set:nth-child(1)").await;
    assert!(blue.starts_with("ACTIVE blue"), "{blue}");
    // The services table says it too.
    let row = browser
        .text("tr.service[data-service=web] .deployment-stage")
        .await;
    assert_eq!(
        row,
        "EXTERNAL controller · blue ACTIVE 100 % · green PRIMARY 25 %"
    );
    let event_log = browser.text("#event-log").await;
    assert!(
        event_log.contains("is the PRIMARY task set of service web"),
        "{event_log}"
    );
    browser.scroll_to("#task-sets-heading").await;
    browser.screenshot("external-task-sets").await;
    // Delete blue (force): DRAINING while its targets deregister, then gone.
    browser.click("#ts-delete-0").await;
    browser
        .wait_for_text("#task-sets li.task-set:nth-child(1)", "DRAINING blue", 10)
        .await;
    let doc = browser.document().await;
    assert_eq!(
        doc["deleteTaskSets"].as_array().unwrap().last().unwrap()["force"],
        true
    );
    browser.play_until(600, "00:12:00.000", 30).await;
    let sets = browser.text("#task-sets").await;
    assert!(!sets.contains("blue"), "{sets}");
    browser.scroll_to("#services").await;
    browser.screenshot("external-task-sets-services").await;
    browser.close().await;
}

/// A CreateTaskSet input pasted in the service panel is made at the current time; one ECS
/// refuses names the field.
#[tokio::test(flavor = "multi_thread")]
async fn paste_a_create_task_set_input() {
    let browser = Browser::start().await;
    browser.open_preset("external-task-sets").await;
    browser.play_until(600, "00:03:00.000", 30).await;
    browser.click("#build-panel summary").await;
    browser.click(".svc-paste summary").await;
    let refused = serde_json::json!({"service": "web", "taskDefinition": "web:2", "loadBalancers": [
        {"targetGroupArn": "blue", "containerName": "web", "containerPort": 8080},
        {"targetGroupArn": "green", "containerName": "web", "containerPort": 8080}]});
    browser.set_value("svc-json", &refused.to_string()).await;
    browser.click("#add-service-json").await;
    let error = browser.text("#build-errors").await;
    assert!(
        error.contains("createTaskSets[2].loadBalancers: 2 target groups; only one target group is allowed per task set"),
        "{error}"
    );
    let canary = serde_json::json!({"service": "web", "externalId": "canary", "taskDefinition": "web:2",
        "scale": {"value": 25, "unit": "PERCENT"}});
    browser.set_value("svc-json", &canary.to_string()).await;
    browser.click("#add-service-json").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Added task set canary of service web at 00:03:00.000."
    );
    // update-task-set input: made at the current time too.
    let update = serde_json::json!({"service": "web", "taskSet": "canary", "scale": {"value": 50, "unit": "PERCENT"}});
    browser.set_value("svc-json", &update.to_string()).await;
    browser.click("#add-service-json").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Added UpdateTaskSet canary of service web at 00:03:00.000."
    );
    browser.scroll_to(".svc-paste").await;
    browser.screenshot("task-set-paste").await;
    let doc = browser.document().await;
    assert_eq!(doc["createTaskSets"][2]["at"], 180.0);
    browser.play_until(600, "00:04:00.000", 30).await;
    browser.wait_for_text("#task-sets", "canary", 10).await;
    let sets = browser.text("#task-sets").await;
    assert!(
        sets.contains("50 % of desired: 2 tasks (2 running, 0 pending)"),
        "{sets}"
    );
    browser.close().await;
}

/// The external-task-sets lesson, done with the view's controls: step 1 by playing on; step 2
/// (roll the canary back) with the listener's Shift control at 13, 20 and 28 minutes and
/// blue's Scale at 30 (which also makes the pipeline's DeleteTaskSet of blue fail).
#[tokio::test(flavor = "multi_thread")]
async fn the_external_task_sets_lesson_is_completed_with_the_controls() {
    let browser = Browser::start().await;
    browser.open_lesson("external-task-sets").await;
    browser.play_until(600, "00:35:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 2 steps done");
    for (at, clock) in [
        (780, "00:13:00.000"),
        (1200, "00:20:00.000"),
        (1680, "00:28:00.000"),
    ] {
        browser.seek(at).await;
        browser.wait_for_text("#clock", clock, 20).await;
        browser.set_value("split-0", "100").await;
        browser.click("#shift-0").await;
        browser
            .wait_for_text("#listener-splits li.split", "forwards 100 % to blue", 20)
            .await;
    }
    browser.seek(1800).await;
    browser.wait_for_text("#clock", "00:30:00.000", 20).await;
    browser.set_value("ts-scale-0", "100").await;
    browser.click("#ts-scale-btn-0").await;
    browser
        .wait_for_text(
            "#task-sets li.task-set:nth-child(1)",
            "100 % of desired",
            20,
        )
        .await;
    browser.play_until(600, "00:40:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "2 of 2 steps done");
    let event_log = browser.text("#event-log").await;
    assert!(
        event_log.contains("has not been scaled down to zero"),
        "{event_log}"
    );
    browser.js("window.scrollTo(0, 0);").await;
    browser.screenshot("lesson-external-task-sets").await;
    browser.close().await;
}
