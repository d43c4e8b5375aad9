//! Capacity Rebalancing from the faults form: a rebalance recommendation to a Spot instance of
//! a group with CapacityRebalance launches a replacement at once, and the instance at risk is
//! drained and terminated once the replacement is in service (the EC2 Auto Scaling guide;
//! ECS gets no notice, 7.1, so managed draining does the draining).

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn a_rebalance_recommendation_from_the_faults_form_replaces_the_instance() {
    let browser = Browser::start().await;
    browser.open_preset("spot-capacity-rebalance").await;
    browser.play_until(60, "00:05:00.000", 30).await;
    assert_eq!(
        browser
            .count("article.instance[data-status=ACTIVE] .badge.spot")
            .await,
        4
    );
    browser.click("#faults-panel summary").await;
    let clock = browser.text("#clock").await;
    browser.click("#inject-rebalance").await;
    let done = browser.text("#fault-done").await;
    assert_eq!(
        done,
        format!("At {clock}: rebalance recommendation to Spot instances chosen by the seed.")
    );
    let doc = browser.document().await;
    let fault = doc["faults"]
        .as_array()
        .expect("faults")
        .iter()
        .find(|f| f["type"] == "SpotRebalanceRecommendation" && f["count"] == 1)
        .cloned()
        .expect("the form's fault");
    assert!(fault.get("instance").is_none());
    // The group launches the replacement at once …
    let activities = browser
        .wait_for_text(
            ".asg[data-group=spot] .asg-activities",
            "in response to an EC2 instance rebalance recommendation",
            10,
        )
        .await;
    assert!(
        activities.contains("Launching a new EC2 instance"),
        "{activities}"
    );
    // … and, once it is in service, drains and terminates the instance at risk.
    browser.play_until(10, "00:06:40.000", 30).await;
    let activities = browser.text(".asg[data-group=spot] .asg-activities").await;
    assert!(
        activities.contains(
            "taken out of service in response to an EC2 instance rebalance recommendation"
        ),
        "{activities}"
    );
    let sizes = browser.text(".asg[data-group=spot] .sizes").await;
    assert!(sizes.contains("4 in service, 1 terminating"), "{sizes}");
    browser.scroll_to("#capacity").await;
    browser.screenshot("capacity-rebalance").await;
    browser.play_until(60, "00:09:00.000", 30).await;
    assert_eq!(
        browser
            .count("article.instance[data-status=ACTIVE] .badge.spot")
            .await,
        4
    );
    assert_eq!(browser.running("web").await, "8");
    browser.close().await;
}
