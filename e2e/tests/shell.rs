//! The app shell in real headless Chromium: it loads from a sub-path, groups its presets by
//! topic, plays, and computes the same event-log digest as the native engine (design
//! principle 1).

use std::time::{Duration, Instant};

use e2e::{repo_root, Browser};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn shell_plays_the_example_and_matches_the_native_digest() {
    let browser = Browser::start().await;
    browser
        .client
        .goto(&browser.base_url)
        .await
        .expect("open the playground");

    // The page renders the clock at zero.
    let clock = browser.text("#clock").await;
    assert_eq!(clock, "00:00:00.000", "the clock starts at zero");

    // Determinism: the digest computed in wasm equals the one computed natively.
    let digest_el = browser.wait_for("#digest", 10).await;
    let wasm_digest = digest_el
        .attr("data-digest")
        .await
        .expect("attr")
        .expect("data-digest set");
    let scenario = std::fs::read_to_string(repo_root().join("public/scenarios/example.json"))
        .expect("example scenario");
    let native_digest = ecs_engine::scenario_digest(&scenario).expect("native run");
    assert_eq!(
        wasm_digest, native_digest,
        "the wasm engine and the native engine diverged"
    );

    // The preset picker groups the presets by topic (public/presets.json).
    let topics = browser
        .js(r##"return [...document.querySelectorAll("#preset optgroup")].map(g => [g.label, g.querySelectorAll("option").length]);"##)
        .await;
    let topics: Vec<(String, u32)> = serde_json::from_value(topics).unwrap();
    assert_eq!(topics.len(), 7, "{topics:?}");
    assert_eq!(topics[1].0, "Placement");
    assert!(topics.iter().all(|(_, n)| *n >= 1), "{topics:?}");
    assert_eq!(
        browser
            .js(r##"return document.querySelector("#preset option[value=asg-step-scaling-reservation]").parentElement.label;"##)
            .await,
        "Capacity: groups, providers, Fargate, Spot"
    );

    // Play at 600x: the clock advances and events appear.
    browser
        .client
        .find(Locator::Css("#speed"))
        .await
        .expect("speed")
        .select_by_value("600")
        .await
        .expect("select 600x");
    browser
        .client
        .find(Locator::Css("#play"))
        .await
        .expect("play")
        .click()
        .await
        .expect("click play");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = browser.text("#clock").await;
        let events = browser
            .client
            .find_all(Locator::Css("#event-log li.event"))
            .await
            .expect("events")
            .len();
        let placed = browser
            .client
            .find_all(Locator::Css("#event-log li.event[data-kind=TaskPlaced]"))
            .await
            .expect("placed")
            .len();
        if now != clock && now.as_str() > "00:01:00.000" && events > 0 && placed > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the clock did not advance past one minute with placements (clock {now}, {events} events)");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    browser
        .client
        .find(Locator::Css("#pause"))
        .await
        .expect("pause")
        .click()
        .await
        .expect("click pause");
    let instances = browser
        .client
        .find_all(Locator::Css("#instances .instance"))
        .await
        .expect("instances")
        .len();
    assert!(
        instances >= 5,
        "the instances of the example are drawn ({instances})"
    );
    let shot = browser.screenshot("shell").await;
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "a real screenshot was saved"
    );
    browser.close().await;
}
