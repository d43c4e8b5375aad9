//! Warm pools in the capacity panel (PutWarmPool; the ECS guide's "Configuring
//! pre-initialized instances"): the preset's scale-out takes its instances from the pool, the
//! panel shows the pool against its size, and its controls put a new pool configuration.

use e2e::Browser;

const CARD: &str = ".asg[data-group=demo-asg]";

#[tokio::test(flavor = "multi_thread")]
async fn the_preset_pool_feeds_the_scale_out_and_its_controls_put_a_new_pool() {
    let browser = Browser::start().await;
    browser.open_preset("warm-pool").await;
    browser.play_until(60, "00:05:00.000", 60).await;
    let status = browser.text(&format!("{CARD} .warm-status")).await;
    assert!(status.contains("3 Warmed:Stopped"), "{status}");
    assert!(status.contains("MaxGroupPreparedCapacity 6"), "{status}");
    // The user data sets ECS_WARM_POOLS_CHECK=true: no warning.
    assert_eq!(browser.count(&format!("{CARD} .warm-warning")).await, 0);
    // The scale-out at 21 minutes takes the three warm instances; the pool refills to 2.
    browser.play_until(600, "00:23:00.000", 60).await;
    let activities = browser.text(&format!("{CARD} .asg-activities")).await;
    assert!(
        activities.contains("Launching a new EC2 instance from warm pool"),
        "{activities}"
    );
    let status = browser
        .wait_for_text(&format!("{CARD} .warm-status"), "2 Warmed:Stopped", 10)
        .await;
    assert!(status.contains("size 2"), "{status}");
    browser.scroll_to("#capacity").await;
    browser.screenshot("warm-pool").await;
    // The controls: Hibernated, MinSize 3 → two PutWarmPool calls at the current time.
    browser.select("#warm-state-demo-asg", "Hibernated").await;
    let doc = browser.document().await;
    let calls = doc["putWarmPools"]
        .as_array()
        .expect("putWarmPools")
        .clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1]["PoolState"], "Hibernated");
    assert_eq!(calls[1]["MinSize"], 2);
    assert_eq!(calls[1]["MaxGroupPreparedCapacity"], 6);
    browser.play_until(60, "00:24:00.000", 60).await;
    browser
        .wait_for_text(&format!("{CARD} .warm-status"), "Warmed:Hibernated", 10)
        .await;
    browser.change_value("warm-min-demo-asg", "3").await;
    let doc = browser.document().await;
    assert_eq!(doc["putWarmPools"][2]["MinSize"], 3);
    browser.play_until(60, "00:27:00.000", 60).await;
    let status = browser
        .wait_for_text(&format!("{CARD} .warm-status"), "size 3", 10)
        .await;
    assert!(status.contains("MinSize 3"), "{status}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_without_a_pool_gets_one_and_warns_without_ecs_warm_pools_check() {
    let browser = Browser::start().await;
    // The Auto Scaling group of this scenario has no warm pool and its user data only sets
    // ECS_CLUSTER.
    browser.open_scenario("asg-from-zero").await;
    let group = "asg";
    assert_eq!(
        browser
            .text(&format!("#warm-state-{group}"))
            .await
            .lines()
            .next(),
        Some("none")
    );
    browser
        .select(&format!("#warm-state-{group}"), "Stopped")
        .await;
    let doc = browser.document().await;
    assert_eq!(doc["putWarmPools"][0]["AutoScalingGroupName"], group);
    assert_eq!(doc["putWarmPools"][0]["MaxGroupPreparedCapacity"], -1);
    let warning = browser
        .wait_for_text(
            &format!(".asg[data-group={group}] .warm-warning"),
            "ECS_WARM_POOLS_CHECK",
            10,
        )
        .await;
    assert!(warning.contains("tasks land there"), "{warning}");
    browser.scroll_to("#capacity").await;
    browser.screenshot("warm-pool-warning").await;
    browser.close().await;
}
