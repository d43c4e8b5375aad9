//! Service Connect in the UI (issue 6, "Services" and "ALB view"; `engine/src/service_connect`):
//! the services pane says each service's namespace and endpoints, the Service Connect view
//! lists each endpoint's clients, the services that must redeploy to reach it, and its tasks
//! with whether the proxies send them requests; the chart, the event log filter, the service
//! form's Service Connect fields and the live load control on a `client → alias` target.

use e2e::Browser;
use fantoccini::Locator;

/// The Service Connect table of endpoint `alias`.
fn endpoint(alias: &str) -> String {
    format!("table.sc-endpoint[data-endpoint='{alias}']")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preset_shows_the_endpoint_its_clients_and_the_client_that_must_redeploy() {
    let browser = Browser::start().await;
    browser.open_preset("service-connect").await;
    browser.play_until(60, "00:10:00.000", 40).await;
    let table = endpoint("catalog:8080");
    assert_eq!(
        browser.text(&format!("{table} .sc-alias")).await,
        "catalog:8080"
    );
    // catalog itself is a client of its namespace too.
    assert_eq!(
        browser.text(&format!("{table} .sc-clients")).await,
        "catalog, web"
    );
    assert!(
        browser
            .text(&format!("{table} .sc-stale"))
            .await
            .contains("redeploy to reach it: reports"),
        "reports started before the endpoint existed"
    );
    assert_eq!(
        browser
            .count(&format!("{table} tr.sc-task[data-state=available]"))
            .await,
        3
    );
    // Round robin: each of the 3 tasks takes a third of web's 600 requests/s.
    let rps = browser
        .client
        .find_all(Locator::Css(&format!("{table} tr.sc-task td.rps")))
        .await
        .unwrap();
    for cell in rps {
        assert_eq!(cell.text().await.unwrap(), "200");
    }
    assert_eq!(
        browser
            .text("tr.service[data-service=catalog] .service-connect")
            .await,
        "Service Connect shop · serves catalog:8080"
    );
    assert_eq!(
        browser
            .text("tr.service[data-service=reports] .service-connect")
            .await,
        "Service Connect shop · client only"
    );
    browser.scroll_to(&table).await;
    browser.screenshot("service-connect-endpoint").await;
    // The event log's Service Connect entries say why reports cannot reach it.
    browser.select("#log-kind", "ServiceConnect").await;
    browser
        .wait_for_text(
            "#event-log",
            "Existing tasks can't resolve and connect to the new endpoint",
            5,
        )
        .await;
    // Redeploy reports now, from the view (the preset redeploys it at 20 minutes too).
    browser
        .click(&format!("{table} button.sc-redeploy[data-service=reports]"))
        .await;
    let doc = browser.document().await;
    let updates = doc["updateServices"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["service"], "reports");
    assert_eq!(updates[1]["forceNewDeployment"], true);
    assert_eq!(updates[1]["at"], 600.001);
    // The edit replays the run and keeps the event log's filter.
    assert_eq!(browser.value("#log-kind").await, "ServiceConnect");
    browser.wait_for("#event-log li.event", 5).await;
    assert_eq!(
        browser
            .count("#event-log li.event:not([data-kind=ServiceConnect])")
            .await,
        0
    );
    browser.play_until(600, "00:15:00.000", 40).await;
    browser
        .wait_for_text(&format!("{table} .sc-clients"), "reports, catalog, web", 5)
        .await;
    assert_eq!(browser.count(&format!("{table} .sc-stale")).await, 0);
    // The triple load at 30 minutes: the proxies avoid an overloaded task.
    browser.play_until(60, "00:30:30.000", 40).await;
    browser
        .wait_for(&format!("{table} tr.sc-task[data-state=ejected]"), 5)
        .await;
    browser
        .wait_for_text("#event-log", "the Service Connect proxies avoid task", 5)
        .await;
    let lines = browser
        .client
        .find_all(Locator::Css("#chart-service-connect svg polyline"))
        .await
        .unwrap()
        .len();
    assert!(lines >= 1, "the Service Connect chart draws its series");
    browser.scroll_to(&table).await;
    browser.screenshot("service-connect-outlier").await;
    browser.scroll_to("#chart-service-connect").await;
    browser.screenshot("service-connect-chart").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_form_creates_a_server_and_the_load_control_calls_it() {
    let browser = Browser::start().await;
    browser.open_preset("service-connect").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "search").await;
    browser.select("#svc-td", "catalog").await;
    browser.set_value("svc-desired", "2").await;
    browser.select("#svc-capacity", "FARGATE").await;
    browser.set_value("svc-subnets", "subnet-a, subnet-b").await;
    browser.set_value("svc-sc-ns", "shop").await;
    browser.select("#svc-sc-port", "api").await;
    // A taken alias is refused, naming the member.
    browser.set_value("svc-sc-alias", "catalog:8080").await;
    browser.click("#create-service").await;
    assert!(
        browser
            .text("#build-errors")
            .await
            .contains("clientAliases: catalog:8080 is a client alias of service catalog"),
        "{}",
        browser.text("#build-errors").await
    );
    browser.scroll_to("#svc-sc-ns").await;
    browser.screenshot("service-connect-form").await;
    browser.set_value("svc-sc-alias", "search:9090").await;
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service search.");
    let doc = browser.document().await;
    assert_eq!(
        doc["services"][3]["serviceConnectConfiguration"],
        serde_json::json!({"enabled": true, "namespace": "shop",
            "services": [{"portName": "api", "clientAliases": [{"dnsName": "search", "port": 9090}]}]})
    );
    browser.wait_for(&endpoint("search:9090"), 5).await;
    // The live load control offers client → alias targets; the preset's profile written as
    // http://catalog:8080 is the one it changes.
    browser.select("#load-target", "web → catalog:8080").await;
    assert_eq!(browser.text("#load-now").await, "now 600 requests/s");
    browser.set_value("load-rate", "900").await;
    browser.click("#set-load").await;
    let doc = browser.document().await;
    assert_eq!(doc["loadProfiles"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["loadProfiles"][0]["serviceConnect"],
        "http://catalog:8080"
    );
    browser.play_until(60, "00:05:00.000", 40).await;
    let rps = browser
        .client
        .find_all(Locator::Css(&format!(
            "{} tr.sc-task td.rps",
            endpoint("catalog:8080")
        )))
        .await
        .unwrap();
    let mut total = 0;
    for cell in rps {
        total += cell.text().await.unwrap().parse::<u64>().unwrap();
    }
    assert_eq!(total, 900, "web's 900 requests/s over catalog's tasks");
    // The proxy's undocumented behaviour is an assumption to switch.
    browser.click("#assumptions-panel summary").await;
    assert_eq!(
        browser
            .value("#opt-serviceConnect-maxEjectionPercent")
            .await,
        "10"
    );
    browser
        .change_value("opt-serviceConnect-maxEjectionPercent", "50")
        .await;
    browser
        .wait_for_text(
            "#assumptions-done",
            "options.serviceConnect.maxEjectionPercent is now 50",
            10,
        )
        .await;
    assert_eq!(
        browser.document().await["options"]["serviceConnect"]["maxEjectionPercent"],
        50
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_connect_lesson_steps_with_the_redeploy_button() {
    let browser = Browser::start().await;
    browser.open_lesson("service-connect").await;
    // Step 1 before the preset's own redeploy: the view's Redeploy button.
    browser.play_until(60, "00:05:00.000", 40).await;
    assert_eq!(browser.text("#lesson-progress").await, "0 of 3 steps done");
    browser
        .click(&format!(
            "{} button.sc-redeploy[data-service=reports]",
            endpoint("catalog:8080")
        ))
        .await;
    browser.play_until(60, "00:06:30.000", 40).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 3 steps done");
    // Step 2: the overload after 30 minutes.
    browser.play_until(600, "00:31:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "2 of 3 steps done");
    browser.js("window.scrollTo(0, 0);").await;
    browser.screenshot("lesson-service-connect").await;
    browser.close().await;
}
