//! Instance refresh in the capacity panel (6.5, [MID]): the preset's StartInstanceRefresh
//! moves the group to a new launch template while managed draining moves the tasks, with its
//! progress and AWS's status reason shown; and the panel's form starts one.

use e2e::Browser;

const CARD: &str = ".asg[data-group=demo-asg]";

#[tokio::test(flavor = "multi_thread")]
async fn the_preset_refresh_shows_progress_and_ends_on_the_new_instance_type() {
    let browser = Browser::start().await;
    browser.open_preset("instance-refresh").await;
    browser.play_until(60, "00:14:00.000", 60).await;
    let status = browser.text(&format!("{CARD} .asg-refresh")).await;
    assert!(status.contains("InProgress"), "{status}");
    assert!(status.contains("% complete"), "{status}");
    browser.scroll_to("#capacity").await;
    browser.screenshot("instance-refresh-in-progress").await;
    browser.play_until(600, "00:40:00.000", 90).await;
    let status = browser
        .wait_for_text(&format!("{CARD} .asg-refresh"), "Successful", 10)
        .await;
    assert!(status.contains("100 % complete"), "{status}");
    assert_eq!(
        browser
            .attr(&format!("{CARD} .asg-refresh progress"), "value")
            .await,
        "100"
    );
    // The cluster now runs on the new launch template's m6i.large only.
    let types = browser
        .js("return Array.from(document.querySelectorAll('article.instance[data-status=ACTIVE] header strong')).map(e => e.textContent).join(',');")
        .await;
    assert_eq!(types, "m6i.large,m6i.large,m6i.large,m6i.large");
    browser.scroll_to("#capacity").await;
    browser.screenshot("instance-refresh-done").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refresh_form_starts_a_refresh_and_wait_fails_on_protected_instances() {
    let browser = Browser::start().await;
    browser.open_scenario("instance-refresh-form").await;
    browser.play_until(60, "00:05:00.000", 60).await;
    browser.click("#refresh-toggle-demo-asg").await;
    browser.set_value("refresh-min-demo-asg", "75").await;
    browser.set_value("refresh-warmup-demo-asg", "60").await;
    browser.select("#refresh-template-demo-asg", "ecs-v2").await;
    browser.scroll_to("#capacity").await;
    browser.screenshot("instance-refresh-form").await;
    assert_eq!(
        browser
            .js("return document.getElementById('refresh-min-demo-asg').getClientRects().length;")
            .await,
        1,
        "the number field is laid out"
    );
    // The default Wait: every instance runs tasks, so managed termination protection keeps
    // them all, and the refresh waits.
    browser.click("#refresh-start-demo-asg").await;
    let status = browser
        .wait_for_text(&format!("{CARD} .asg-refresh"), "InProgress", 10)
        .await;
    assert!(status.contains("4 to update"), "{status}");
    let doc = browser.document().await;
    let call = &doc["startInstanceRefreshes"][0];
    assert_eq!(call["AutoScalingGroupName"], "demo-asg");
    assert_eq!(call["Preferences"]["MinHealthyPercentage"], 75);
    assert_eq!(call["Preferences"]["ScaleInProtectedInstances"], "Wait");
    assert_eq!(call["Preferences"]["InstanceWarmup"], 60);
    assert_eq!(
        call["DesiredConfiguration"]["LaunchTemplate"]["LaunchTemplateName"],
        "ecs-v2"
    );
    // The form stays open with its values while the clock runs, and after the edit.
    browser.play_until(60, "00:07:00.000", 60).await;
    assert_eq!(
        browser
            .attr("#refresh-toggle-demo-asg", "aria-expanded")
            .await,
        "true"
    );
    let reason = browser.text(&format!("{CARD} .asg-refresh .reason")).await;
    assert!(reason.contains("scale-in protection"), "{reason}");
    assert_eq!(browser.value("#refresh-min-demo-asg").await, "75");
    // One refresh at a time: Start is disabled; cancel the waiting one first (it has
    // replaced nothing), then Refresh replaces the protected instances, draining each first.
    assert_eq!(
        browser.attr("#refresh-start-demo-asg", "disabled").await,
        "true"
    );
    browser.click("#refresh-cancel-demo-asg").await;
    browser
        .wait_for_text(&format!("{CARD} .asg-refresh"), "Cancelled", 10)
        .await;
    browser
        .select("#refresh-protected-demo-asg", "Refresh")
        .await;
    browser.click("#refresh-start-demo-asg").await;
    browser
        .wait_for_text(&format!("{CARD} .asg-refresh"), "InProgress", 10)
        .await;
    browser.play_until(600, "00:55:00.000", 90).await;
    let status = browser.text(&format!("{CARD} .asg-refresh")).await;
    assert!(status.contains("Successful"), "{status}");
    let doc = browser.document().await;
    assert_eq!(
        doc["cancelInstanceRefreshes"][0]["AutoScalingGroupName"],
        "demo-asg"
    );
    assert_eq!(
        doc["startInstanceRefreshes"][1]["Preferences"]["ScaleInProtectedInstances"],
        "Refresh"
    );
    let types = browser
        .js("return Array.from(document.querySelectorAll('article.instance[data-status=ACTIVE] header strong')).map(e => e.textContent).join(',');")
        .await;
    assert_eq!(types, "m6i.large,m6i.large,m6i.large,m6i.large");
    browser.close().await;
}
