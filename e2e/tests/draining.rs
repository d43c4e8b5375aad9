//! Draining in the UI: the draining preset, played to its end, shows the drained instance
//! marked DRAINING with only its standalone task left, and the service's tasks moved.

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn draining_moves_service_tasks_and_keeps_the_standalone_one() {
    let browser = Browser::start().await;
    browser.open_preset("instance-draining").await;
    browser.play_until(3600, "00:10:00.000", 20).await;
    let drained = browser
        .wait_for("article.instance[data-status=DRAINING]", 5)
        .await;
    let chips = drained.find_all(Locator::Css(".chip")).await.unwrap();
    assert_eq!(
        chips.len(),
        1,
        "only the standalone task is left on the draining instance"
    );
    assert!(chips[0].text().await.unwrap().contains("family:report"));
    assert_eq!(browser.running("web").await, "2");
    let web_chips = browser
        .client
        .find_all(Locator::Css("article.instance[data-status=ACTIVE] .chip"))
        .await
        .unwrap()
        .len();
    assert_eq!(
        web_chips, 2,
        "the service's tasks run on the active instances"
    );
    browser.screenshot("draining").await;
    browser.close().await;
}

/// The daemon-agents preset (4.1): every instance runs one agent chip; the late instance got
/// its agent beside 3 web tasks; the drained one ends empty, its agent stopped last.
#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_agents_preset_places_the_agent_first_and_stops_it_last() {
    let browser = Browser::start().await;
    browser.open_preset("daemon-agents").await;
    browser.play_until(600, "00:10:00.000", 20).await;
    let late = "article.instance[data-instance=i-0daemon000000000d]";
    assert_eq!(
        browser.count(&format!("{late} .chip[data-task]")).await,
        4,
        "the agent and 3 web tasks"
    );
    assert_eq!(browser.desired("log-agent").await, 4);
    browser.scroll_to("#instances").await;
    browser.screenshot("preset-daemon-agents").await;
    browser.play_until(600, "00:15:00.000", 20).await;
    let drained = "article.instance[data-instance=i-0daemon000000000a]";
    assert_eq!(
        browser.count(&format!("{drained} .chip[data-task]")).await,
        0
    );
    assert_eq!(browser.desired("log-agent").await, 3);
    browser.close().await;
}

/// The unhealthy-replacement preset (4.3): while web's unhealthy task waits for its
/// replacement, its chip is outlined dashed and web shows 4 tasks; api stopped its own first.
#[tokio::test(flavor = "multi_thread")]
async fn the_unhealthy_replacement_preset_shows_the_task_being_replaced() {
    let browser = Browser::start().await;
    browser.open_preset("unhealthy-replacement").await;
    browser.play_until(60, "00:05:15.000", 30).await;
    browser.play_until(1, "00:05:30.000", 30).await;
    assert_eq!(browser.count(".chip.replacing").await, 1);
    let title = browser.attr(".chip.replacing", "title").await;
    assert!(title.contains("(web)"), "{title}");
    browser.scroll_to("#instances").await;
    browser.screenshot("preset-unhealthy-replacement").await;
    browser.close().await;
}
