//! EBS volumes attached to tasks in the UI (issue 6, "Services", "Charts"; `engine/src/ebs_volume.rs`):
//! the services pane names each service's volume, the capacity pane lists every volume with
//! its task, type and size, zone, state and cost, and the cost line and chart count them.

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn the_preset_lists_each_task_s_volume_its_state_and_its_cost() {
    let browser = Browser::start().await;
    browser.open_preset("ebs-volumes").await;
    browser.play_until(60, "00:05:00.000", 40).await;
    assert_eq!(
        browser
            .text("tr.service[data-service=search] .service-volume")
            .await,
        "EBS volume index per task: gp3, 200 GiB, 6000 IOPS, 250 MiB/s, from snap-0search1ndex00001"
    );
    assert_eq!(
        browser
            .count("#ebs-volumes tr.ebs-volume[data-state=in-use]")
            .await,
        6
    );
    assert!(browser.text("#cost").await.contains(" · EBS $0."));
    browser.scroll_to("#ebs-volumes").await;
    browser.screenshot("ebs-volumes").await;
    // The scale-in at 30 minutes deletes a volume; migrate's is kept after it exits.
    browser.play_until(600, "00:31:00.000", 60).await;
    browser
        .wait_for("#ebs-volumes tr.ebs-volume[data-state=deleted]", 5)
        .await;
    assert_eq!(
        browser
            .count("#ebs-volumes tr.ebs-volume[data-state=available]")
            .await,
        1
    );
    let lines = browser
        .client
        .find_all(Locator::Css("#chart-cost svg polyline"))
        .await
        .unwrap()
        .len();
    assert!(lines >= 3, "EC2, Fargate and EBS: {lines}");
    browser.select("#log-kind", "Resource").await;
    browser
        .wait_for_text("#event-log", "deleted EBS volume", 5)
        .await;
    browser.scroll_to("#chart-cost").await;
    browser.screenshot("ebs-volumes-cost").await;
    browser.close().await;
}
