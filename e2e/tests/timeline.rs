//! Time and reading aids (issue 6): the timeline goes back to any earlier moment (a replay,
//! the engine being deterministic) and forward again; the event log filters by kind and
//! service; the dark theme and the large-text mode switch on.

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn scrub_the_timeline_filter_the_log_and_switch_themes() {
    let browser = Browser::start().await;
    browser.open_preset("target-tracking-alb").await;
    browser.play_until(3600, "00:20:00.000", 30).await;
    let at_20 = browser.count("#activities li.activity").await;
    assert!(at_20 >= 1);

    browser.seek(300).await;
    assert_eq!(browser.text("#clock").await, "00:05:00.000");
    assert_eq!(
        browser.count("#activities li.activity").await,
        0,
        "no scaling yet at 5 minutes"
    );
    browser.seek(20 * 60).await;
    assert_eq!(browser.text("#clock").await, "00:20:00.000");
    assert_eq!(
        browser.count("#activities li.activity").await,
        at_20,
        "the same run again"
    );

    browser.select("#log-kind", "Scaling").await;
    let kinds: Vec<String> = {
        let mut out = Vec::new();
        for e in browser
            .client
            .find_all(Locator::Css("#event-log li.event"))
            .await
            .unwrap()
        {
            out.push(e.attr("data-kind").await.unwrap().unwrap());
        }
        out
    };
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| k == "Scaling"),
        "{kinds:?}"
    );
    browser.select("#log-kind", "").await;
    browser.select("#log-service", "web").await;
    assert!(browser.count("#event-log li.event").await > kinds.len());

    browser.click("#theme").await;
    browser.click("#large-text").await;
    let root = browser.js("return [document.documentElement.dataset.theme, document.documentElement.dataset.size];").await;
    assert_eq!(root, serde_json::json!(["dark", "large"]));
    browser.screenshot("dark-large").await;
    browser.close().await;
}
