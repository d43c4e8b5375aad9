//! ECS Exec in the UI (issue 6, "Explain"; `engine/src/execute_command.rs`): a task's panel
//! checks the task as the amazon-ecs-exec-checker does, lists the earlier ExecuteCommand calls
//! on it, and makes a new one at the current time; the event log shows each session or AWS's
//! error; the service form turns exec on for a new service.

use e2e::Browser;

/// The ecs-exec preset's tasks (its run is deterministic): worker's, and api's after the
/// forced deployment.
const WORKER: &str = "6b0949c8";
const API: &str = "b0ff32c3";

#[tokio::test(flavor = "multi_thread")]
async fn the_task_panel_checks_exec_and_calls_execute_command() {
    let browser = Browser::start().await;
    browser.open_preset("ecs-exec").await;
    browser.play_until(60, "00:12:00.000", 40).await;
    browser.select("#log-kind", "ExecuteCommand").await;
    let log = browser
        .wait_for_text(
            "#event-log",
            "TargetNotConnectedException: The execute command failed due to an internal error.",
            5,
        )
        .await;
    assert!(log.contains("opened in container api"), "{log}");
    assert!(
        log.contains("InvalidParameterException: The execute command failed because execute command was not enabled when the task was run"),
        "{log}"
    );
    // worker: its read-only root filesystem is the red line.
    browser
        .click(&format!("#instances .chip[data-task='{WORKER}']"))
        .await;
    browser.wait_for("#task-exec", 5).await;
    assert_eq!(
        browser.text("#task-exec summary").await,
        "ECS Exec: 1 problem"
    );
    browser.click("#task-exec summary").await;
    let fail = browser.text("#task-exec tr.fail").await;
    assert!(fail.contains("Read-Only Root Filesystem"), "{fail}");
    assert!(browser
        .text("#exec-calls")
        .await
        .contains("00:11:00.000: TargetNotConnectedException"));
    browser.scroll_to("#task-exec").await;
    browser.screenshot("ecs-exec-checklist").await;
    browser.click("#task-explanation .close").await;
    // api's new task is ready: a new call from the panel opens a session now.
    browser
        .click(&format!("#instances .chip[data-task='{API}']"))
        .await;
    browser.wait_for("#task-exec", 5).await;
    assert_eq!(
        browser.text("#task-exec summary").await,
        "ECS Exec: ready (aws ecs execute-command would connect)"
    );
    browser.click("#task-exec summary").await;
    assert_eq!(browser.count("#task-exec tr.fail").await, 0);
    browser
        .set_value("exec-command", "cat /etc/os-release")
        .await;
    browser.click("#exec-task").await;
    let doc = browser.document().await;
    let call = &doc["executeCommands"][4];
    assert!(call["task"].as_str().unwrap().starts_with(API), "{call}");
    assert_eq!(call["command"], "cat /etc/os-release");
    assert_eq!(call["interactive"], true);
    browser.select("#log-kind", "ExecuteCommand").await;
    browser
        .wait_for_text("#event-log", "cat /etc/os-release (runs as root", 10)
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_form_turns_exec_on() {
    let browser = Browser::start().await;
    browser.open_preset("ecs-exec").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "shell").await;
    browser.select("#svc-td", "api").await;
    browser.click("#svc-exec").await;
    browser.scroll_to("#svc-exec").await;
    browser.screenshot("service-form-ecs-exec").await;
    browser.click("#create-service").await;
    browser.wait_for_text("#build-done", "shell", 10).await;
    let doc = browser.document().await;
    let created = doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["serviceName"] == "shell")
        .cloned()
        .expect("the service was added");
    assert_eq!(created["enableExecuteCommand"], true);
    browser.close().await;
}
