//! Deployment lifecycle hooks in the UI (issue 6, "Services: ... deployment configuration";
//! 4.3 `strategy` with `lifecycleHooks`): the services pane lists the hooks running, with
//! Continue and Roll back (ContinueServiceDeployment) on a pause hook; the service form adds a
//! pause hook.

use e2e::Browser;

/// The service row's hook lines.
const HOOKS: &str = "tr.service[data-service=web] ~ tr.deploy-hook";

async fn weight(browser: &Browser, tg: &str) -> String {
    browser
        .text(&format!("table[data-target-group={tg}] .rule-weight"))
        .await
}

/// Opens the canary preset and plays to 14:00, when the second traffic step waits at its
/// pause hook.
async fn at_the_second_pause(browser: &Browser) {
    browser.open_preset("canary-lifecycle-hooks").await;
    browser.play_until(600, "00:14:00.000", 40).await;
    assert_eq!(
        browser
            .text("tr.service[data-service=web] .deployment-stage")
            .await,
        "CANARY · PRE_PRODUCTION_TRAFFIC_SHIFT · 10 % of production traffic on web:2"
    );
    assert_eq!(weight(browser, "web-green").await, "weight 10 %");
    assert_eq!(browser.count(HOOKS).await, 1);
    let line = browser.text(HOOKS).await;
    assert!(
        line.contains("pause hook ecs-pause-")
            && line.contains("-3 at PRE_PRODUCTION_TRAFFIC_SHIFT · AWAITING_ACTION until 00:33:00.000, then ROLLBACK"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn continue_on_a_pause_hook_lets_the_next_traffic_step_happen() {
    let browser = Browser::start().await;
    at_the_second_pause(&browser).await;
    browser.scroll_to("#services").await;
    browser.screenshot("deployment-hook-paused").await;
    browser
        .click(&format!("{HOOKS} button.deploy-hook-continue"))
        .await;
    let doc = browser.document().await;
    let call = &doc["continueServiceDeployments"][1];
    assert_eq!(call["action"], "CONTINUE");
    assert!(call["hookId"].as_str().unwrap().ends_with("-3"));
    browser.play_until(60, "00:14:30.000", 40).await;
    assert_eq!(weight(&browser, "web-green").await, "weight 100 %");
    assert_eq!(
        browser
            .text("tr.service[data-service=web] .deployment-stage")
            .await,
        "CANARY · BAKE_TIME · 100 % of production traffic on web:2"
    );
    assert_eq!(browser.count(HOOKS).await, 0);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn roll_back_on_a_pause_hook_sends_production_back_to_blue() {
    let browser = Browser::start().await;
    at_the_second_pause(&browser).await;
    browser
        .click(&format!("{HOOKS} button.deploy-hook-rollback"))
        .await;
    let doc = browser.document().await;
    assert_eq!(doc["continueServiceDeployments"][1]["action"], "ROLLBACK");
    browser.play_until(60, "00:14:30.000", 40).await;
    assert_eq!(weight(&browser, "web-blue").await, "weight 100 %");
    browser
        .wait_for_text(
            "tr.service[data-service=web] ~ tr.service-event",
            "deployment completed",
            5,
        )
        .await;
    assert_eq!(browser.count(HOOKS).await, 0);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lambda_hook_in_progress_shows_without_buttons() {
    let browser = Browser::start().await;
    browser.open_preset("canary-lifecycle-hooks").await;
    browser.play_until(60, "00:06:30.000", 40).await;
    let line = browser.text(HOOKS).await;
    assert!(
        line.starts_with("Lambda smoke-test hook ecs-lambda-")
            && line.contains("at POST_TEST_TRAFFIC_SHIFT · IN_PROGRESS"),
        "{line}"
    );
    assert_eq!(
        browser
            .count(&format!("{HOOKS} button.deploy-hook-continue"))
            .await,
        0,
        "only a pause hook waits for ContinueServiceDeployment"
    );
    browser.scroll_to("#services").await;
    browser.screenshot("deployment-hook-lambda").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_form_adds_a_pause_hook() {
    let browser = Browser::start().await;
    browser.open_scenario("blue-green-form").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "api").await;
    browser.select("#svc-td", "api").await;
    browser.select("#svc-capacity", "FARGATE").await;
    browser.set_value("svc-subnets", "subnet-a, subnet-b").await;
    browser.select("#svc-tg", "api-blue").await;
    assert_eq!(browser.count("#svc-pause").await, 0, "ROLLING has no hooks");
    browser.select("#svc-strategy", "BLUE_GREEN").await;
    browser.select("#svc-alt-tg", "api-green").await;
    browser.select("#svc-pause", "POST_SCALE_UP").await;
    browser.scroll_to("#svc-strategy").await;
    browser.screenshot("deployment-hook-form").await;
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service api.");
    let doc = browser.document().await;
    assert_eq!(
        doc["services"][1]["deploymentConfiguration"]["lifecycleHooks"],
        serde_json::json!([{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}])
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_canary_hooks_lesson_is_completed_with_the_continue_button() {
    let browser = Browser::start().await;
    browser.open_lesson("canary-hooks").await;
    // Step 1: both pauses seen by 14:00.
    browser.play_until(600, "00:14:00.000", 40).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 3 steps done");
    // Step 2: Continue at the second pause; CLEAN_UP comes after the 10-minute bake time.
    browser
        .click(&format!("{HOOKS} button.deploy-hook-continue"))
        .await;
    browser.play_until(600, "00:31:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "2 of 3 steps done");
    browser.js("window.scrollTo(0, 0);").await;
    browser.screenshot("lesson-canary-hooks").await;
    browser.close().await;
}
