//! Blue/green, linear and canary deployments in the UI (issue 6, "Services: ... deployment
//! configuration"; 4.3 `strategy`): the services pane shows the lifecycle stage, the ALB pane
//! the production listener rule's weights; the service form writes the strategy and the
//! alternate target group.

use e2e::Browser;

/// Production traffic is all on web-blue again and the rollback's deployment has completed.
async fn back_on_blue(browser: &Browser) {
    assert_eq!(weight(browser, "web-blue").await, "weight 100 %");
    browser
        .wait_for_text(
            "tr.service[data-service=web] + tr.service-event",
            "deployment completed",
            5,
        )
        .await;
}

/// The production listener rule's weight shown for target group `tg`.
async fn weight(browser: &Browser, tg: &str) -> String {
    browser
        .text(&format!("table[data-target-group={tg}] .rule-weight"))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blue_green_deployment_shows_its_stage_and_weights_then_rolls_back() {
    let browser = Browser::start().await;
    browser.open_preset("blue-green-deployment").await;
    assert_eq!(weight(&browser, "web-blue").await, "weight 100 %");
    assert_eq!(weight(&browser, "web-green").await, "weight 0 %");
    // At 6:30 web:2 has all production traffic and bakes beside web:1.
    browser.play_until(60, "00:06:30.000", 40).await;
    assert_eq!(
        browser
            .text("tr.service[data-service=web] .deployment-stage")
            .await,
        "BLUE_GREEN · BAKE_TIME · 100 % of production traffic on web:2"
    );
    assert_eq!(weight(&browser, "web-green").await, "weight 100 %");
    assert_eq!(
        browser
            .count("table[data-target-group=web-green] tr.target[data-state=healthy]")
            .await,
        4
    );
    assert_eq!(
        browser
            .count("table[data-target-group=web-blue] tr.target[data-state=healthy]")
            .await,
        4,
        "blue keeps running through the bake time"
    );
    browser.scroll_to("#services").await;
    browser.screenshot("blue-green-bake-time").await;
    browser
        .scroll_to("section[aria-label='Load balancing and auto scaling']")
        .await;
    browser.screenshot("blue-green-weights").await;
    // The 5xx alarm rolls production back to web-blue at 7:00.
    browser.play_until(60, "00:08:00.000", 40).await;
    assert_eq!(
        browser
            .count("tr.service[data-service=web] .deployment-stage")
            .await,
        0
    );
    back_on_blue(&browser).await;
    browser.screenshot("blue-green-rolled-back").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_form_writes_a_linear_strategy_with_its_alternate_target_group() {
    let browser = Browser::start().await;
    browser.open_scenario("blue-green-form").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "api").await;
    browser.select("#svc-td", "api").await;
    browser.set_value("svc-desired", "2").await;
    browser.select("#svc-capacity", "FARGATE").await;
    browser.set_value("svc-subnets", "subnet-a, subnet-b").await;
    browser.select("#svc-tg", "api-blue").await;
    assert_eq!(
        browser.count("#svc-bake").await,
        0,
        "ROLLING has no bake time"
    );
    browser.select("#svc-strategy", "LINEAR").await;
    browser.select("#svc-alt-tg", "api-green").await;
    browser.set_value("svc-bake", "2").await;
    browser.set_value("svc-shift", "12.5").await;
    browser.set_value("svc-shift-bake", "1").await;
    browser.scroll_to("#svc-strategy").await;
    browser.screenshot("blue-green-service-form").await;
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service api.");
    let doc = browser.document().await;
    let svc = &doc["services"][1];
    assert_eq!(
        svc["deploymentConfiguration"],
        serde_json::json!({"minimumHealthyPercent": 100, "maximumPercent": 200, "strategy": "LINEAR",
            "bakeTimeInMinutes": 2, "linearConfiguration": {"stepPercent": 12.5, "stepBakeTimeInMinutes": 1}})
    );
    assert!(
        svc["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"]
            .as_str()
            .unwrap()
            .contains("targetgroup/api-green/")
    );
    // Without an alternate target group the engine refuses it, naming the field.
    browser.set_value("svc-name", "api2").await;
    browser.select("#svc-strategy", "CANARY").await;
    browser.select("#svc-tg", "").await;
    browser.set_value("svc-shift", "250").await;
    browser.click("#create-service").await;
    browser
        .wait_for_text(
            "#build-errors",
            "deploymentConfiguration.canaryConfiguration.canaryPercent",
            5,
        )
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn roll_back_stops_the_deployment_and_sends_production_back_to_blue() {
    let browser = Browser::start().await;
    browser.open_preset("blue-green-deployment").await;
    assert_eq!(
        browser.count("button.roll-back").await,
        0,
        "nothing to roll back yet"
    );
    browser.play_until(60, "00:06:00.000", 40).await;
    assert_eq!(weight(&browser, "web-green").await, "weight 100 %");
    browser.scroll_to("#services").await;
    browser.screenshot("blue-green-roll-back-button").await;
    browser
        .click("tr.service[data-service=web] button.roll-back")
        .await;
    let doc = browser.document().await;
    let call = &doc["stopServiceDeployments"][0];
    assert_eq!(call["stopType"], "ROLLBACK");
    assert!(call["serviceDeploymentArn"]
        .as_str()
        .unwrap()
        .contains(":service-deployment/default/web/"));
    browser.play_until(60, "00:06:20.000", 40).await;
    back_on_blue(&browser).await;
    assert_eq!(browser.count("button.roll-back").await, 0);
    browser.close().await;
}
