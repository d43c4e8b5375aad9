//! Presets and shared links in real headless Chromium: pick a preset, copy its link, open the
//! link in a fresh browser profile and see the same run (the same event-log digest); hostile
//! links show a message and the page keeps working.

use std::time::{Duration, Instant};

use e2e::{repo_root, Browser};
use fantoccini::Locator;

async fn digest(browser: &Browser) -> String {
    browser
        .wait_for("#digest", 10)
        .await
        .attr("data-digest")
        .await
        .expect("attr")
        .expect("digest")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copied_link_reproduces_the_run_in_a_fresh_profile() {
    let first = Browser::start().await;
    first.client.goto(&first.base_url).await.expect("open");
    first.wait_for("#preset", 10).await;
    first
        .client
        .find(Locator::Css("#preset"))
        .await
        .unwrap()
        .select_by_value("member-of")
        .await
        .expect("pick preset");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !first.text("#scenario-name").await.starts_with("memberOf") {
        assert!(Instant::now() < deadline, "the preset did not load");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let preset_digest = digest(&first).await;
    let text =
        std::fs::read_to_string(repo_root().join("public/scenarios/member-of.json")).unwrap();
    assert_eq!(
        preset_digest,
        ecs_engine::scenario_digest(&text).unwrap(),
        "the preset runs as natively"
    );
    first
        .client
        .find(Locator::Css("#copy-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = first
        .wait_for("#share-link", 10)
        .await
        .prop("value")
        .await
        .unwrap()
        .expect("link");
    assert!(link.contains("#s=v1."), "{link}");
    assert!(
        first
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("#s=v1."),
        "the address bar carries the scenario"
    );
    first.screenshot("preset-member-of").await;
    first.close().await;

    let second = Browser::start().await;
    second
        .client
        .goto(&link)
        .await
        .expect("open the shared link");
    assert!(second.text("#scenario-name").await.starts_with("memberOf"));
    assert_eq!(
        digest(&second).await,
        preset_digest,
        "the shared link reproduces the run exactly"
    );
    second.screenshot("shared-link").await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_links_show_a_message_and_the_page_survives() {
    let browser = Browser::start().await;
    for (fragment, expected) in [
        ("#s=v1.eJzLSM3JyVcozy/KSQEAGgQEXQ", "damaged"),
        ("#s=v7.abc", "share format"),
        ("#s=v1.!!!", "damaged"),
    ] {
        let started = Instant::now();
        // From a blank page, so the link is a whole page load (not a fragment change).
        browser.client.goto("about:blank").await.expect("blank");
        browser
            .client
            .goto(&format!("{}{fragment}", browser.base_url))
            .await
            .expect("open");
        let message = browser.text("#load-error").await;
        assert!(message.contains(expected), "{fragment}: {message}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The example still runs.
        browser
            .client
            .find(Locator::Css("#play"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser.wait_for("#event-log li.event", 10).await;
    }
    browser.screenshot("hostile-link").await;
    browser.close().await;
}
