//! Lifecycle hooks in the capacity panel (issue 6, "Editors / Instances and groups"; the EC2
//! Auto Scaling guide's lifecycle hooks): instances held in Pending:Wait are counted, and the
//! panel completes their actions as a hook's Lambda would (CompleteLifecycleAction).

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn completing_a_launch_hook_puts_the_held_instances_in_service() {
    let browser = Browser::start().await;
    browser.open_scenario("lifecycle-hook").await;
    browser.play_until(60, "00:02:00.000", 40).await;
    let sizes = browser.text(".asg[data-group=asg] .sizes").await;
    assert!(
        sizes.contains("2 launching") && sizes.contains("2 held by lifecycle hooks"),
        "{sizes}"
    );
    browser.scroll_to("#capacity").await;
    browser.screenshot("lifecycle-hook-held").await;
    browser.click(".asg[data-group=asg] .hook-continue").await;
    let doc = browser.document().await;
    let calls = doc["completeLifecycleActions"].as_array().expect("calls");
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|c| c["LifecycleActionResult"] == "CONTINUE"
                && c["LifecycleHookName"] == "bootstrap")
    );
    browser.play_until(60, "00:02:30.000", 40).await;
    browser
        .wait_for_text(".asg[data-group=asg] .sizes", "2 in service", 5)
        .await;
    assert_eq!(
        browser.count(".asg[data-group=asg] .hook-continue").await,
        0
    );
    browser.close().await;
}
