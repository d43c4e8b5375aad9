//! The RunTask form (issue 6, "Editors"; `engine/src/edit/run_task.rs`,
//! `engine/src/task_override.rs`): a standalone task run now with a command, environment and
//! memory override; the call's outcome is said at once, the task runs with what was
//! overridden, and a call ECS refuses is not added.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn a_standalone_task_runs_with_its_overrides() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.play_until(60, "00:01:00.000", 30).await;
    browser.click("#build-panel summary").await;
    browser.select("#rt-td", "batch").await;
    browser.set_value("rt-cluster", "demo").await;
    browser.set_value("rt-group", "nightly").await;
    browser.select("#rt-container", "worker").await;
    browser
        .set_value("rt-command", "report --day 2026-11-28")
        .await;
    browser.set_value("rt-env", "MODE=full").await;
    browser.set_value("rt-memory", "2048").await;
    browser.scroll_to(".run-task-form").await;
    browser.screenshot("run-task-form").await;
    browser.click("#run-task").await;
    let done = browser.text("#build-done").await;
    assert!(
        done.starts_with("At 00:01:00")
            && done.ends_with("RunTask batch:1 count 1 in cluster demo: 1 started."),
        "{done}"
    );
    let doc = browser.document().await;
    let call = doc["runTasks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(call["group"], "nightly");
    assert_eq!(
        call["overrides"],
        serde_json::json!({"memory": "2048", "containerOverrides": [{"name": "worker",
            "command": ["report", "--day", "2026-11-28"], "environment": [{"name": "MODE", "value": "full"}]}]})
    );
    // The task is on an instance, reserving the overridden memory; DescribeTasks says so.
    browser.play_until(60, "00:02:00.000", 30).await;
    let chip = ".chip[title*=nightly]";
    assert_eq!(browser.count(chip).await, 1);
    browser.click(chip).await;
    let described = browser.described_task().await;
    assert_eq!(described["memory"], "2048");
    assert_eq!(
        described["overrides"]["containerOverrides"][0]["command"],
        serde_json::json!(["report", "--day", "2026-11-28"])
    );
    browser.click("#task-explanation .close").await;

    // Refused: an environment pair without a value; nothing is added.
    let before = browser.document().await["runTasks"]
        .as_array()
        .unwrap()
        .len();
    browser.set_value("rt-env", "MODE").await;
    browser.click("#run-task").await;
    assert_eq!(
        browser.text("#build-errors").await,
        "overrides.containerOverrides[0].environment: \"MODE\" is not NAME=value"
    );
    assert_eq!(
        browser.document().await["runTasks"]
            .as_array()
            .unwrap()
            .len(),
        before
    );
    browser.close().await;
}
