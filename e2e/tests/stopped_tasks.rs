//! The list of stopped tasks (issue 6, "Explain"; `engine/src/stopped_tasks.rs`): why each
//! task stopped, per service, as the console's "Desired status: Stopped" shows it, and the
//! lesson built on it.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn the_why_tasks_stop_lesson_reads_the_stopped_tasks_and_fixes_both_services() {
    // public/lessons/why-tasks-stop.json. Step 1 by playing; the list, filtered per service,
    // shows the OOM kills (EssentialContainerExited, exit 137, 10.3) and the failed pulls
    // (TaskFailedToStart, CannotPullContainerError, G37); a task opens DescribeTasks. Steps 2
    // and 3 by editing the document as the editors would, then playing to the end.
    let browser = Browser::start().await;
    browser.open_lesson("why-tasks-stop").await;
    browser.play_until(600, "00:10:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 3 steps done");
    browser.scroll_to("#stopped-tasks").await;
    browser.click("#stopped-tasks summary").await;
    browser.select("#stopped-service", "worker").await;
    browser
        .wait_for_text("#stopped-tasks tbody", "CannotPullContainerError", 5)
        .await;
    assert!(
        browser.count("#stopped-tasks tr.stopped-task").await
            == browser
                .count("#stopped-tasks tr.stopped-task[data-code=TaskFailedToStart]")
                .await,
        "worker's list holds only its own failed starts"
    );
    browser.screenshot("stopped-tasks-worker").await;
    browser.select("#stopped-service", "api").await;
    browser
        .wait_for_text(
            "#stopped-tasks tbody",
            "exit code 137 · OutOfMemoryError: Container killed due to memory usage",
            5,
        )
        .await;
    assert!(browser
        .text("#stopped-tasks .stopped-filter")
        .await
        .contains("the newest 50 of"));
    browser
        .click("#stopped-tasks tr.stopped-task[data-code=EssentialContainerExited] .chip")
        .await;
    browser.wait_for("#task-explanation", 5).await;
    let described = browser.described_task().await;
    assert_eq!(described["stopCode"], "EssentialContainerExited");
    assert_eq!(described["containers"][0]["exitCode"], 137);
    let heading = browser.text("#task-explanation h3").await;
    assert!(heading.contains(" was on i-"), "{heading}");
    browser.screenshot("stopped-tasks-api").await;
    browser.click("#task-explanation .close").await;
    let mut doc = browser.document().await;
    doc["taskDefinitions"][0]["containerDefinitions"][0]["memory"] = serde_json::json!(1024);
    doc["taskDefinitions"][2]["containerDefinitions"][0]["image"] =
        doc["taskDefinitions"][1]["containerDefinitions"][0]["image"].clone();
    browser.apply_document(&doc).await;
    browser.play_until(600, "00:15:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "3 of 3 steps done");
    assert_eq!(browser.text("#lesson-complete").await, "Lesson complete.");
    browser.close().await;
}
