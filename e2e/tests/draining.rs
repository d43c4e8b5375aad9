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
