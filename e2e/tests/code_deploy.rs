//! CodeDeploy blue/green deployments in the UI (issue 6, "Services: ... deployment
//! configuration"; the CodeDeploy sections of the scenario): the services pane shows a
//! CODE_DEPLOY service's latest deployment with its lifecycle events, and acts on it with
//! ContinueDeployment (READY_WAIT, TERMINATION_WAIT), StopDeployment and CreateDeployment.

use e2e::Browser;

/// The CodeDeploy row under service `web`.
const ROW: &str = "tr.service[data-service=web] ~ tr.codedeploy";

async fn weight(browser: &Browser, tg: &str) -> String {
    browser
        .text(&format!("table[data-target-group={tg}] .rule-weight"))
        .await
}

/// The lifecycle events of the row as `Name:Status`.
async fn events(browser: &Browser) -> Vec<String> {
    let v = browser
        .js(&format!(
            "return [...document.querySelectorAll('{ROW} .lc-event')].map(e => e.dataset.event + ':' + e.className.replace('lc-event ', ''))"
        ))
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_canary_shows_its_lifecycle_events_and_stop_rolls_it_back() {
    let browser = Browser::start().await;
    browser.open_preset("codedeploy-blue-green").await;
    browser.play_until(60, "00:06:30.000", 40).await;
    assert_eq!(
        browser.text(&format!("{ROW} .codedeploy-id")).await,
        "d-CD0000001"
    );
    assert_eq!(
        browser.text(&format!("{ROW} .codedeploy-status")).await,
        "InProgress"
    );
    assert_eq!(
        events(&browser).await,
        [
            "BeforeInstall:Succeeded",
            "Install:Succeeded",
            "AfterInstall:Succeeded",
            "AllowTestTraffic:Succeeded",
            "AfterAllowTestTraffic:Succeeded",
            "BeforeAllowTraffic:Succeeded",
            "AllowTraffic:InProgress",
            "AfterAllowTraffic:Pending"
        ]
    );
    assert_eq!(weight(&browser, "web-green").await, "weight 10 %");
    assert_eq!(
        browser
            .text("tr.service[data-service=web] .deployment-stage")
            .await,
        "CodeDeploy CANARY · AllowTraffic · 10 % of production traffic on web:2"
    );
    browser.scroll_to("#services").await;
    browser.screenshot("codedeploy-canary").await;
    browser
        .click(&format!("{ROW} button.codedeploy-stop"))
        .await;
    let doc = browser.document().await;
    assert_eq!(doc["stopDeployments"][0]["deploymentId"], "d-CD0000001");
    assert_eq!(doc["stopDeployments"][0]["autoRollbackEnabled"], true);
    browser.play_until(60, "00:07:30.000", 40).await;
    assert_eq!(
        browser.text(&format!("{ROW} .codedeploy-status")).await,
        "Stopped"
    );
    assert_eq!(weight(&browser, "web-blue").await, "weight 100 %");
    browser
        .wait_for_text(
            &format!("{ROW} .codedeploy-outcome"),
            "MANUAL_STOP: StopDeployment · rollback d-RB0000001 Succeeded",
            5,
        )
        .await;
    assert!(events(&browser)
        .await
        .contains(&"AllowTraffic:Failed".to_string()));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_original_now_ends_the_termination_wait_and_deploy_starts_a_new_deployment() {
    let browser = Browser::start().await;
    browser.open_preset("codedeploy-blue-green").await;
    browser.play_until(60, "00:12:00.000", 40).await;
    assert_eq!(
        browser
            .text("tr.service[data-service=web] .deployment-stage")
            .await,
        "CodeDeploy CANARY · termination wait · 100 % of production traffic on web:2"
    );
    browser
        .click(&format!("{ROW} button.codedeploy-terminate"))
        .await;
    let doc = browser.document().await;
    assert_eq!(
        doc["continueDeployments"][0]["deploymentWaitType"],
        "TERMINATION_WAIT"
    );
    browser.play_until(60, "00:13:00.000", 40).await;
    assert_eq!(
        browser.text(&format!("{ROW} .codedeploy-status")).await,
        "Succeeded"
    );
    assert_eq!(
        browser
            .count(&format!("{ROW} button.codedeploy-stop"))
            .await,
        0
    );
    // CreateDeployment of web:1 from the row: it starts at once, in the other target group.
    browser
        .select(&format!("{ROW} select.codedeploy-revision"), "web:1")
        .await;
    browser
        .click(&format!("{ROW} button.codedeploy-deploy"))
        .await;
    let doc = browser.document().await;
    let created = doc["createDeployments"].as_array().unwrap();
    assert_eq!(created.len(), 3);
    let content = created[2]["revision"]["appSpecContent"]["content"]
        .as_str()
        .unwrap();
    assert!(
        content.contains("\"TaskDefinition\":\"web:1\""),
        "{content}"
    );
    browser.play_until(60, "00:14:30.000", 40).await;
    assert_eq!(
        browser.text(&format!("{ROW} .codedeploy-id")).await,
        "d-CD0000003"
    );
    assert_eq!(weight(&browser, "web-blue").await, "weight 10 %");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reroute_traffic_continues_a_deployment_waiting_in_ready() {
    let browser = Browser::start().await;
    browser.open_preset("codedeploy-blue-green").await;
    let mut doc = browser.document().await;
    doc["deploymentGroups"][0]["blueGreenDeploymentConfiguration"]["deploymentReadyOption"] =
        serde_json::json!({"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30});
    browser.apply_document(&doc).await;
    browser.play_until(60, "00:08:00.000", 40).await;
    assert_eq!(
        browser.text(&format!("{ROW} .codedeploy-status")).await,
        "Ready"
    );
    assert_eq!(
        browser
            .text("tr.service[data-service=web] .deployment-stage")
            .await,
        "CodeDeploy CANARY · Ready: waiting for ContinueDeployment · 0 % of production traffic on web:2"
    );
    assert_eq!(weight(&browser, "web-green").await, "weight 0 %");
    browser.scroll_to("#services").await;
    browser.screenshot("codedeploy-ready").await;
    browser
        .click(&format!("{ROW} button.codedeploy-continue"))
        .await;
    let doc = browser.document().await;
    assert_eq!(
        doc["continueDeployments"][0]["deploymentWaitType"],
        "READY_WAIT"
    );
    browser.play_until(60, "00:08:30.000", 40).await;
    assert_eq!(
        browser.text(&format!("{ROW} .codedeploy-status")).await,
        "InProgress"
    );
    assert_eq!(weight(&browser, "web-green").await, "weight 10 %");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_codedeploy_lesson_is_completed_with_the_row_buttons() {
    let browser = Browser::start().await;
    browser.open_lesson("codedeploy").await;
    // Step 1: the first deployment succeeds and the second rolls back by 41:00.
    browser.play_until(600, "00:41:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 3 steps done");
    // Step 2: Reset, stop the canary at 7:00 with the row's button.
    browser.click("#reset").await;
    browser.play_until(60, "00:07:00.000", 40).await;
    browser
        .click(&format!("{ROW} button.codedeploy-stop"))
        .await;
    browser.play_until(60, "00:07:30.000", 40).await;
    assert_eq!(browser.text("#lesson-progress").await, "2 of 3 steps done");
    browser.js("window.scrollTo(0, 0);").await;
    browser.screenshot("lesson-codedeploy").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_form_sets_up_a_code_deploy_service_and_its_deployment_group() {
    let browser = Browser::start().await;
    browser.open_scenario("blue-green-form").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "api").await;
    browser.select("#svc-td", "api").await;
    browser.set_value("svc-desired", "2").await;
    browser.select("#svc-capacity", "FARGATE").await;
    browser.set_value("svc-subnets", "subnet-a, subnet-b").await;
    browser.select("#svc-tg", "api-blue").await;
    browser.select("#svc-strategy", "CODE_DEPLOY").await;
    assert_eq!(
        browser.count("#svc-pause").await,
        0,
        "CodeDeploy runs no ECS pause hooks"
    );
    browser
        .select(
            "#svc-cd-config",
            "CodeDeployDefault.ECSCanary10Percent5Minutes",
        )
        .await;
    browser.select("#svc-alt-tg", "api-green").await;
    browser.set_value("svc-bake", "10").await;
    browser.scroll_to("#svc-strategy").await;
    browser.screenshot("codedeploy-service-form").await;
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service api.");
    let doc = browser.document().await;
    assert_eq!(
        doc["services"][1]["deploymentController"],
        serde_json::json!({"type": "CODE_DEPLOY"})
    );
    let group = &doc["deploymentGroups"][0];
    assert_eq!(group["deploymentGroupName"], "api-dg");
    assert_eq!(
        group["deploymentConfigName"],
        "CodeDeployDefault.ECSCanary10Percent5Minutes"
    );
    assert_eq!(
        group["loadBalancerInfo"]["targetGroupPairInfoList"][0]["targetGroups"],
        serde_json::json!([{"name": "api-blue"}, {"name": "api-green"}])
    );
    browser
        .wait_for_text(
            "tr.service[data-service=api] ~ tr.codedeploy",
            "CodeDeploy api-app / api-dg",
            5,
        )
        .await;
    browser.close().await;
}
