//! Draining in the UI: the draining preset, played to its end, shows the drained instance
//! marked DRAINING with only its standalone task left, and the service's tasks moved.

use std::time::{Duration, Instant};

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn draining_moves_service_tasks_and_keeps_the_standalone_one() {
    let browser = Browser::start().await;
    browser.client.goto(&browser.base_url).await.expect("open");
    browser.wait_for("#preset", 10).await;
    browser
        .client
        .find(Locator::Css("#preset"))
        .await
        .unwrap()
        .select_by_value("instance-draining")
        .await
        .unwrap();
    browser.wait_for("tr.service[data-service=web]", 10).await;
    browser
        .client
        .find(Locator::Css("#speed"))
        .await
        .unwrap()
        .select_by_value("3600")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css("#play"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = browser.text("#clock").await == "00:10:00.000";
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not reach its end");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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
    assert_eq!(
        browser
            .text("tr.service[data-service=web] td.running")
            .await,
        "2"
    );
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
