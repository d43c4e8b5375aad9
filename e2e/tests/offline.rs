//! Offline after the first load (issue 7): the service worker caches the app, so with the
//! server gone the page still loads, runs presets and computes the same digest.

use std::time::{Duration, Instant};

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn the_playground_works_with_the_network_cut() {
    let mut browser = Browser::start().await;
    browser.client.goto(&browser.base_url).await.unwrap();
    browser.wait_for("#clock", 10).await;
    // Wait until the service worker controls the page (installed, assets cached).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let controlled = browser
            .js("return !!(navigator.serviceWorker && navigator.serviceWorker.controller);")
            .await;
        if controlled.as_bool() == Some(true) {
            break;
        }
        assert!(Instant::now() < deadline, "no service worker took control");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let online_digest = browser
        .wait_for("#digest", 5)
        .await
        .attr("data-digest")
        .await
        .unwrap();

    browser.cut_network().await;
    browser
        .client
        .goto(&browser.base_url)
        .await
        .expect("the page loads offline");
    assert_eq!(browser.text("#clock").await, "00:00:00.000");
    let offline_digest = browser
        .wait_for("#digest", 10)
        .await
        .attr("data-digest")
        .await
        .unwrap();
    assert_eq!(offline_digest, online_digest);
    browser.open_preset_offline("target-tracking-alb").await;
    browser.play_until(3600, "00:20:00.000", 30).await;
    assert!(browser
        .client
        .find(fantoccini::Locator::Css("#activities li.activity"))
        .await
        .is_ok());
    browser.screenshot("offline").await;
    browser.close().await;
}
