//! Service discovery in the UI (issue 6, "Services", "Charts" and "Explain";
//! `engine/src/service_discovery`): the services pane names each service's Cloud Map service,
//! the service discovery view lists each Cloud Map service's instances with their health and
//! whether DNS answers with them, and the stopped tasks resolvers still hold; the chart, the
//! event log filter, the service form's DNS name, the live load control on a DNS name and the
//! assumptions panel's switches.

use e2e::Browser;
use fantoccini::Locator;

/// The view's table of Cloud Map service `name`.
fn cloud_map(name: &str) -> String {
    format!("table.sd-service[data-name='{name}']")
}

/// Switches on `options.serviceDiscovery.clientsTryOtherAddresses` in the assumptions panel.
async fn clients_try_other_addresses(browser: &Browser) {
    browser.click("#assumptions-panel summary").await;
    browser
        .click("#opt-serviceDiscovery-clientsTryOtherAddresses")
        .await;
    browser
        .wait_for_text(
            "#assumptions-done",
            "options.serviceDiscovery.clientsTryOtherAddresses is now true",
            10,
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preset_shows_instances_their_health_and_the_addresses_resolvers_still_hold() {
    let browser = Browser::start().await;
    browser.open_preset("service-discovery").await;
    browser.play_until(60, "00:05:00.000", 40).await;
    let table = cloud_map("orders.corp.local");
    assert_eq!(
        browser
            .count(&format!("{table} tr.sd-instance[data-health=HEALTHY]"))
            .await,
        4
    );
    let answered = browser
        .client
        .find_all(Locator::Css(&format!("{table} td.sd-answered")))
        .await
        .unwrap();
    for cell in answered {
        assert_eq!(cell.text().await.unwrap(), "yes");
    }
    assert!(browser
        .text(&format!("{table} .sd-facts"))
        .await
        .contains("namespace corp.local (DNS_PRIVATE) · A 300 s · MULTIVALUE"));
    assert_eq!(
        browser
            .text("tr.service[data-service=orders] .service-discovery")
            .await,
        "service discovery orders.corp.local · A 300 s"
    );
    browser.scroll_to(&table).await;
    browser.screenshot("service-discovery-instances").await;
    // The deployment at 15 minutes: the old tasks stop, resolvers still hold their addresses.
    browser.play_until(600, "00:16:30.000", 60).await;
    browser
        .wait_for_text(
            &format!("{table} .sd-cached"),
            "stopped, still in cached answers",
            5,
        )
        .await;
    browser.select("#log-kind", "ServiceDiscovery").await;
    browser
        .wait_for_text(
            "#event-log",
            "went to addresses of stopped tasks that resolvers still held",
            5,
        )
        .await;
    assert_eq!(
        browser
            .count("#event-log li.event:not([data-kind=ServiceDiscovery])")
            .await,
        0
    );
    browser.scroll_to(&table).await;
    browser.screenshot("service-discovery-cached").await;
    let lines = browser
        .client
        .find_all(Locator::Css("#chart-service-discovery svg polyline"))
        .await
        .unwrap()
        .len();
    assert!(lines >= 3, "the chart draws its series: {lines}");
    browser.scroll_to("#chart-service-discovery").await;
    browser.screenshot("service-discovery-chart").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_form_registers_a_service_and_the_load_control_resolves_it() {
    let browser = Browser::start().await;
    browser.open_preset("service-discovery").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "payments").await;
    browser.select("#svc-td", "orders").await;
    browser.set_value("svc-desired", "2").await;
    browser.select("#svc-capacity", "FARGATE").await;
    browser.set_value("svc-subnets", "subnet-a, subnet-b").await;
    // A name without a namespace is refused, naming the member.
    browser.set_value("svc-sd-registry", "payments").await;
    browser.click("#create-service").await;
    assert!(
        browser
            .text("#build-errors")
            .await
            .contains("serviceRegistries[0].registryArn: \"payments\" is not a Cloud Map service"),
        "{}",
        browser.text("#build-errors").await
    );
    // An A record takes no port: the loader refuses the SRV port, naming it.
    browser
        .set_value("svc-sd-registry", "orders.corp.local")
        .await;
    browser.select("#svc-sd-port", "api:8080").await;
    browser.click("#create-service").await;
    assert!(
        browser
            .text("#build-errors")
            .await
            .contains("serviceRegistries[0].containerPort: The values specified for serviceRegistries do not require a value for 'containerPort'"),
        "{}",
        browser.text("#build-errors").await
    );
    browser.select("#svc-sd-port", "").await;
    browser
        .set_value("svc-sd-registry", "payments.corp.local")
        .await;
    browser.scroll_to("#svc-sd-registry").await;
    browser.screenshot("service-discovery-form").await;
    browser.click("#create-service").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Created service payments."
    );
    let doc = browser.document().await;
    assert_eq!(doc["cloudMapServices"][1]["Name"], "payments");
    assert_eq!(doc["cloudMapServices"][1]["NamespaceId"], "corp.local");
    let arn = doc["services"][1]["serviceRegistries"][0]["registryArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(arn.starts_with("arn:aws:servicediscovery:"), "{arn}");
    browser.play_until(60, "00:03:00.000", 40).await;
    browser
        .wait_for(
            &format!("{} tr.sd-instance", cloud_map("payments.corp.local")),
            5,
        )
        .await;
    // The live load control offers the DNS names.
    browser.select("#load-target", "payments.corp.local").await;
    assert_eq!(browser.text("#load-now").await, "now 0 requests/s");
    browser.set_value("load-rate", "200").await;
    browser.click("#set-load").await;
    let doc = browser.document().await;
    let profiles = doc["loadProfiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[1]["serviceDiscovery"], "payments.corp.local");
    // Clients that try another address are an assumption to switch.
    clients_try_other_addresses(&browser).await;
    assert_eq!(
        browser.document().await["options"]["serviceDiscovery"]["clientsTryOtherAddresses"],
        true
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_discovery_lesson_counts_the_deployment_s_lost_requests() {
    let browser = Browser::start().await;
    browser.open_lesson("service-discovery").await;
    // Step 1: the minute after the deployment's old tasks stop.
    browser.play_until(600, "00:17:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 3 steps done");
    // Step 3's switch is in the assumptions panel; it does not save the deployment.
    clients_try_other_addresses(&browser).await;
    browser.play_until(3600, "00:30:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 3 steps done");
    browser.js("window.scrollTo(0, 0);").await;
    browser.screenshot("lesson-service-discovery").await;
    browser.close().await;
}
