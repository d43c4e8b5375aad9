//! Task sets in the browser (EXTERNAL deployment controller): the preset's task sets listed
//! with their status, revision, target group, scale and tasks; scaled (UpdateTaskSet) and
//! made primary (UpdateServicePrimaryTaskSet) from the list at the current time.

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
    let event_log = browser.text("#event-log").await;
    assert!(
        event_log.contains("is the PRIMARY task set of service web"),
        "{event_log}"
    );
    browser.scroll_to("#task-sets-heading").await;
    browser.screenshot("external-task-sets").await;
    browser.close().await;
}
