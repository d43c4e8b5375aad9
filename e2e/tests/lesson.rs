//! A workshop lesson completed in the browser (issue 7): `?lesson=binpack` opens the lesson
//! on its preset; playing meets step 1; editing the scenario as the step asks and playing
//! again meets step 2, and the panel says the lesson is complete.

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn the_binpack_lesson_can_be_completed() {
    let browser = Browser::start().await;
    browser.open_lesson("binpack").await;
    let current = browser.text("li.step[data-state=current]").await;
    assert!(current.contains("Watch the default spread"), "{current}");

    // Step 1: play past one minute.
    browser.play_until(60, "00:01:30.000", 20).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 2 steps done");
    let goals = browser.text("li.step[data-state=current] .goals").await;
    assert!(
        goals.contains("instances running api-spread: 6; wanted at most 2"),
        "{goals}"
    );

    // Step 2: give api-spread a binpack strategy in the editor, apply, play again.
    let mut doc = browser.document().await;
    doc["services"][1]["placementStrategy"] =
        serde_json::json!([{"type": "binpack", "field": "memory"}]);
    browser.apply_document(&doc).await;
    browser.play_until(60, "00:01:30.000", 20).await;
    assert_eq!(browser.text("#lesson-progress").await, "2 of 2 steps done");
    assert_eq!(browser.text("#lesson-complete").await, "Lesson complete.");
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css("li.step[data-state=done]"))
            .await
            .unwrap()
            .len(),
        2
    );
    browser.click("#scenario-editor summary").await;
    browser.js("window.scrollTo(0, 0);").await;
    browser.screenshot("lesson-complete").await;
    browser.close().await;
}
