//! Task definition revisions in the UI (issue 6; `engine/src/task_definition_state.rs`): the
//! services pane lists each revision with its status; Deregister makes it INACTIVE (its
//! service keeps running, a RunTask of it is refused), Delete makes it DELETE_IN_PROGRESS
//! while the service still uses it.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn deregister_then_delete_a_revision_its_service_still_runs() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.play_until(60, "00:01:00.000", 30).await;
    let web = "#revisions li[data-revision='web:1']";
    assert_eq!(browser.attr(web, "data-status").await, "ACTIVE");
    assert!(browser.text(web).await.contains("tasks"));
    browser
        .click(&format!("{web} button.revision-action"))
        .await;
    browser
        .wait_for(
            "#revisions li[data-revision='web:1'][data-status=INACTIVE]",
            5,
        )
        .await;
    // The service keeps its tasks on the INACTIVE revision.
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_ne!(browser.running("web").await, "0");
    // Nothing new may use it: a RunTask of the family has no ACTIVE revision.
    browser.click("#build-panel summary").await;
    browser.select("#rt-td", "web").await;
    browser.set_value("rt-cluster", "demo").await;
    browser.click("#run-task").await;
    assert_eq!(
        browser.text("#build-errors").await,
        "taskDefinition: InvalidParameterException: TaskDefinition is inactive (no revision of family web is ACTIVE)"
    );
    browser.click("#build-panel summary").await;
    // Delete: DELETE_IN_PROGRESS while the service still runs it.
    browser
        .click(&format!("{web} button.revision-action"))
        .await;
    browser
        .wait_for(
            "#revisions li[data-revision='web:1'][data-status=DELETE_IN_PROGRESS]",
            5,
        )
        .await;
    let doc = browser.document().await;
    assert_eq!(
        doc["deleteTaskDefinitions"][0]["taskDefinitions"],
        serde_json::json!(["web:1"])
    );
    browser.scroll_to("#services").await;
    browser.screenshot("task-definition-revisions").await;
    browser.close().await;
}

/// The preset `task-definition-revisions`: web:1 DELETE_IN_PROGRESS while the service runs it,
/// gone from the list once the deployment to web:2 stopped its last task.
#[tokio::test(flavor = "multi_thread")]
async fn the_revisions_preset_deletes_web_1_once_unused() {
    let browser = Browser::start().await;
    browser.open_preset("task-definition-revisions").await;
    browser.play_until(60, "00:09:00.000", 30).await;
    assert_eq!(
        browser
            .attr("#revisions li[data-revision='web:1']", "data-status")
            .await,
        "DELETE_IN_PROGRESS"
    );
    browser.play_until(600, "00:20:00.000", 30).await;
    assert_eq!(
        browser.count("#revisions li[data-revision='web:1']").await,
        0
    );
    assert_eq!(
        browser
            .attr("#revisions li[data-revision='web:2']", "data-status")
            .await,
        "ACTIVE"
    );
    browser.close().await;
}
