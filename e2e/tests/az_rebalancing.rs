//! Availability Zone rebalancing in the playground (the ECS guide's "Balancing an Amazon ECS
//! service across Availability Zones"): the preset's zone comes back after an outage, and
//! the event log, filtered to the service's events, tells the rebalancing in AWS's words
//! while the tasks move back.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn the_preset_moves_tasks_back_after_the_outage_and_says_so() {
    let browser = Browser::start().await;
    browser.open_preset("az-rebalancing").await;
    browser.play_until(600, "00:35:00.000", 90).await;
    browser.select("#log-kind", "ServiceEvent").await;
    let log = browser
        .wait_for_text(
            "#event-log",
            "is AZ balanced with 2 tasks in us-east-1a",
            10,
        )
        .await;
    assert!(
        log.contains("is not AZ balanced with 3 tasks in us-east-1a, 3 tasks in us-east-1b, 0 tasks in us-east-1c. AZ Rebalancing in progress."),
        "{log}"
    );
    assert!(log.contains("to AZ Rebalance"), "{log}");
    assert!(log.contains("due to AZ rebalancing"), "{log}");
    assert_eq!(browser.running("api").await, "6");
    browser.scroll_to("#event-log").await;
    browser.screenshot("az-rebalancing").await;
    browser.close().await;
}
