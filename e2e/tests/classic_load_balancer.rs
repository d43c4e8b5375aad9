//! A Classic Load Balancer in the UI (issue 6, "ALB view"; `engine/src/load_balancer/classic.rs`):
//! the load balancer view lists the registered instances with DescribeInstanceHealth's states
//! and words, the busy zone's share shows cross-zone load balancing off, and the service form
//! offers the Classic Load Balancer and names it by `loadBalancerName`.

use e2e::Browser;

const CLB: &str = "table[data-target-group=EC2Contai-EcsElast-123456789012]";

#[tokio::test(flavor = "multi_thread")]
async fn instances_register_out_of_service_then_share_by_zone() {
    let browser = Browser::start().await;
    browser.open_preset("classic-load-balancer").await;
    browser.play_until(60, "00:02:00.000", 40).await;
    let caption = browser.text(&format!("{CLB} caption")).await;
    assert!(
        caption
            .starts_with("EC2Contai-EcsElast-123456789012 (CLB) → HTTP:80 → HTTP:80 → instances"),
        "{caption}"
    );
    assert!(caption.contains("cross-zone off"), "{caption}");
    assert!(caption.contains("health check TCP:80"), "{caption}");
    assert_eq!(browser.count(&format!("{CLB} tr.target")).await, 4);
    assert_eq!(
        browser
            .text(&format!("{CLB} tr.target:first-child .state"))
            .await,
        "OutOfService"
    );
    assert_eq!(
        browser
            .text(&format!("{CLB} tr.target:first-child td:last-child"))
            .await,
        "Instance registration is still in progress."
    );
    browser
        .scroll_to("section[aria-label='Load balancing and auto scaling']")
        .await;
    browser
        .screenshot("classic-load-balancer-registering")
        .await;
    // Ten passes 30 s apart: InService after five minutes. The lone instance in us-east-1a
    // takes its zone's half of the requests.
    browser.play_until(60, "00:07:00.000", 40).await;
    assert_eq!(
        browser
            .count(&format!("{CLB} tr.target .state.healthy"))
            .await,
        4
    );
    let shares = browser
        .client
        .execute(
            &format!(
                "return [...document.querySelectorAll('{CLB} tr.target .share')].map(e => e.textContent).sort();"
            ),
            vec![],
        )
        .await
        .expect("read the shares");
    assert_eq!(
        shares,
        serde_json::json!(["17 %", "17 %", "17 %", "50 %"]),
        "{shares}"
    );
    browser.select("#log-kind", "LoadBalancer").await;
    browser
        .wait_for_text(
            "#event-log",
            "with Classic Load Balancer EC2Contai-EcsElast-123456789012; OutOfService",
            5,
        )
        .await;
    browser
        .scroll_to("section[aria-label='Load balancing and auto scaling']")
        .await;
    browser.screenshot("classic-load-balancer").await;
    browser.scroll_to("#charts").await;
    assert!(browser
        .text("#charts")
        .await
        .contains("CLB requests a minute"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_form_names_a_classic_load_balancer() {
    let browser = Browser::start().await;
    browser.open_preset("classic-load-balancer").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "legacy").await;
    browser.select("#svc-td", "ecs-demo").await;
    browser.set_value("svc-desired", "1").await;
    browser
        .select("#svc-tg", "EC2Contai-EcsElast-123456789012")
        .await;
    browser.select("#svc-container", "simple-demo:80").await;
    assert!(browser
        .text("#svc-clb-note")
        .await
        .contains("fixed instance port"));
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service legacy.");
    let doc = browser.document().await;
    let legacy = doc["services"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        legacy["loadBalancers"],
        serde_json::json!([{"loadBalancerName": "EC2Contai-EcsElast-123456789012",
            "containerName": "simple-demo", "containerPort": 80}])
    );
    // Every instance already uses host port 80: the new task cannot be placed.
    browser.play_until(60, "00:01:00.000", 30).await;
    assert_eq!(browser.running("legacy").await, "0");
    browser
        .wait_for_text(
            "#event-log",
            "already using a port required by your task",
            5,
        )
        .await;
    browser.close().await;
}
