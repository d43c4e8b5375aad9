//! The embed mode for slides (issue 7): `?embed&preset=…&chart=…` shows the instances and one
//! chart, playing on its own, without the top bar, editor, tables or log.

use std::time::{Duration, Instant};

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn embed_shows_the_instances_and_one_chart_and_plays() {
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!(
            "{}?embed&preset=target-tracking-alb&chart=requests",
            browser.base_url
        ))
        .await
        .unwrap();
    browser.wait_for(".embed #instances", 10).await;
    for hidden in [".topbar", "#scenario-editor", "#event-log", "#services"] {
        let shown = match browser.client.find(Locator::Css(hidden)).await {
            Ok(e) => e.is_displayed().await.unwrap(),
            Err(_) => false,
        };
        assert!(!shown, "{hidden} is hidden in embed mode");
    }
    assert!(browser
        .wait_for("#chart-requests", 5)
        .await
        .is_displayed()
        .await
        .unwrap());
    assert!(!browser
        .wait_for("#chart-tasks", 5)
        .await
        .is_displayed()
        .await
        .unwrap());
    // It plays on its own.
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.text("#clock").await.as_str() < "00:00:30.000" {
        assert!(Instant::now() < deadline, "the embed does not play");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    browser.screenshot("embed").await;
    browser.close().await;
}
