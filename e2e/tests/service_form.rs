//! The service editor (issue 6, "Editors / Services"): a memberOf expression checked as it is
//! typed (3.5), then a service with that constraint (G12), binpack(memory) (G7), a target
//! group (8.1) and a deployment configuration (4.3, 4.5), whose tasks land only on the
//! matching instances and register as targets.

use e2e::Browser;

/// Types `text` into the field matching `css` key by key (each key fires an input event).
async fn type_into(browser: &Browser, css: &str, text: &str) {
    let field = browser.wait_for(css, 5).await;
    field.clear().await.expect("clear the field");
    field.send_keys(text).await.expect("type into the field");
}

#[tokio::test(flavor = "multi_thread")]
async fn g12_member_of_typed_live_then_binpacked_behind_a_target_group() {
    let browser = Browser::start().await;
    // Two m5.xlarge and the target group "dynamic"; add two t3.large in a third AZ.
    browser.open_preset("static-vs-dynamic-ports").await;
    browser.click("#build-panel summary").await;
    browser.select("#add-type", "t3.large").await;
    browser.set_value("add-az", "us-east-1c").await;
    browser.set_value("add-count", "2").await;
    browser.click("#add-instances").await;
    assert_eq!(browser.text("#build-done").await, "Added 2 × t3.large.");

    browser.set_value("svc-name", "pinned").await;
    browser.select("#svc-td", "dynamic").await;
    browser.set_value("svc-desired", "3").await;

    // 3.5: "=" is no operator; the error names its column while typing and blocks Create.
    type_into(
        &browser,
        "#svc-member-of",
        "attribute:ecs.instance-type = t3.*",
    )
    .await;
    let message = browser
        .wait_for_text("#svc-member-of-msg", "column 29", 5)
        .await;
    assert!(message.contains("column 29"), "{message}");
    assert_eq!(browser.text(".cql-mirror mark").await, "=");
    let field = browser.wait_for("#svc-member-of", 5).await;
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    // Every control of the editor has a name for assistive technology.
    let unnamed = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.service-form input, .service-form select, .service-form button')]
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') &&
                    !(e.tagName === 'BUTTON' && e.textContent.trim()))
                .map(e => e.id);",
            vec![],
        )
        .await
        .expect("list the controls");
    assert_eq!(unnamed, serde_json::json!([]), "{unnamed}");
    let create = browser.wait_for("#create-service", 5).await;
    assert!(
        !create.is_enabled().await.unwrap(),
        "Create refuses while invalid"
    );
    browser.scroll_to("#build-panel").await;
    browser.screenshot("service-form-invalid").await;

    // Fixed: the hint turns to valid.
    type_into(
        &browser,
        "#svc-member-of",
        "attribute:ecs.instance-type =~ t3.*",
    )
    .await;
    browser
        .wait_for_text("#svc-member-of-msg", "valid expression", 5)
        .await;
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("false")
    );

    // binpack(memory), the target group with the task definition's container port, and a
    // deployment configuration with the circuit breaker.
    browser.click("#svc-ps-add").await;
    browser.select("#svc-ps-type-0", "binpack").await;
    browser.select("#svc-ps-field-0", "memory").await;
    browser.select("#svc-tg", "dynamic").await;
    browser.select("#svc-container", "web:80").await;
    browser.set_value("svc-min", "50").await;
    browser.click("#svc-cb").await;
    browser.click("#svc-rollback").await;
    // Availability Zone rebalancing off (CreateService would default it on).
    browser.click("#svc-azr").await;
    browser.scroll_to("#build-panel").await;
    browser.screenshot("service-form-filled").await;
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service pinned.");
    let doc = browser.document().await;
    let svc = &doc["services"][2];
    assert_eq!(svc["serviceName"], "pinned");
    assert_eq!(
        svc["placementConstraints"][0]["expression"],
        "attribute:ecs.instance-type =~ t3.*"
    );
    assert_eq!(svc["placementStrategy"][0]["field"], "memory");
    assert_eq!(svc["loadBalancers"][0]["containerPort"], 80);
    assert_eq!(
        svc["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"],
        true
    );
    assert_eq!(svc["availabilityZoneRebalancing"], "DISABLED");

    // Played: the 3 tasks run on t3.large only, binpacked onto one, and are targets.
    browser.wait_for("tr.service[data-service=pinned]", 5).await;
    browser.play_until(60, "00:03:00.000", 40).await;
    assert_eq!(browser.running("pinned").await, "3");
    let hosts = browser
        .client
        .execute(
            "return [...document.querySelectorAll('article.instance')]
                .filter(a => a.querySelector('.chip[title*=\"(pinned)\"]'))
                .map(a => a.querySelector('header strong').textContent + ' ' +
                    a.querySelectorAll('.chip[title*=\"(pinned)\"]').length);",
            vec![],
        )
        .await
        .expect("read the instance cards");
    assert_eq!(hosts, serde_json::json!(["t3.large 3"]), "{hosts}");
    // Two targets per m5.xlarge from the preset's service, three more from this one.
    assert_eq!(
        browser
            .count("table[data-target-group=dynamic] tr.target")
            .await,
        7
    );
    browser.scroll_to("#instances").await;
    browser.screenshot("service-form-placed").await;
    browser
        .scroll_to("section[aria-label='Load balancing and auto scaling']")
        .await;
    browser.screenshot("service-form-targets").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn g21_capacity_provider_rows_are_added_removed_and_checked() {
    let browser = Browser::start().await;
    // Cluster default with FARGATE and FARGATE_SPOT, an awsvpc task definition.
    browser.open_preset("fargate-spot-base-weight").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "batch").await;
    browser.set_value("svc-desired", "4").await;
    browser.select("#svc-capacity", "strategy").await;
    browser.click("#svc-cp-add").await;
    browser.click("#svc-cp-add").await;
    let rows = "ol[aria-label='Capacity provider strategy'] li";
    assert_eq!(browser.count(rows).await, 3);
    browser
        .click(&format!("{rows}:nth-child(3) button.remove"))
        .await;
    assert_eq!(browser.count(rows).await, 2);
    browser.select("#svc-cp-provider-1", "FARGATE_SPOT").await;

    // G21: every weight 0 is refused, naming the field.
    browser.set_value("svc-cp-weight-0", "0").await;
    browser.set_value("svc-cp-weight-1", "0").await;
    browser.set_value("svc-subnets", "subnet-a, subnet-b").await;
    browser.click("#create-service").await;
    let errors = browser
        .wait_for_text("#build-errors", "capacityProviderStrategy", 5)
        .await;
    assert!(errors.contains("weight"), "{errors}");
    browser.scroll_to("#build-panel").await;
    browser.screenshot("service-form-capacity").await;

    // FARGATE base 1 weight 1, FARGATE_SPOT weight 1.
    browser.set_value("svc-cp-base-0", "1").await;
    browser.set_value("svc-cp-weight-0", "1").await;
    browser.set_value("svc-cp-weight-1", "1").await;
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service batch.");
    let doc = browser.document().await;
    let svc = &doc["services"][1];
    assert_eq!(
        svc["capacityProviderStrategy"],
        serde_json::json!([
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1}
        ])
    );
    assert_eq!(
        svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"],
        serde_json::json!(["subnet-a", "subnet-b"])
    );
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(browser.running("batch").await, "4");
    browser.close().await;
}

/// Fargate takes no placement strategies or constraints: choosing launch type FARGATE hides
/// them with AWS's explanation, and a strategy row added before is left out of the request.
#[tokio::test(flavor = "multi_thread")]
async fn fargate_hides_placement_and_leaves_it_out_of_the_request() {
    let browser = Browser::start().await;
    browser.open_preset("fargate-spot-base-weight").await;
    browser.click("#build-panel summary").await;
    browser.set_value("svc-name", "serverless").await;
    browser.set_value("svc-desired", "2").await;
    browser.click("#svc-ps-add").await;
    assert_eq!(
        browser
            .count("ol[aria-label='Placement strategies'] li")
            .await,
        1
    );
    browser.select("#svc-capacity", "FARGATE").await;
    browser
        .wait_for_text("#svc-fargate-placement", "aren't supported", 5)
        .await;
    assert_eq!(
        browser.count("ol[aria-label='Placement strategies']").await,
        0
    );
    browser.set_value("svc-subnets", "subnet-a, subnet-b").await;
    browser.click("#create-service").await;
    browser
        .wait_for_text("#build-done", "Created service serverless.", 5)
        .await;
    let doc: serde_json::Value = browser.document().await;
    let svc = doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["serviceName"] == "serverless")
        .unwrap()
        .clone();
    assert_eq!(svc["launchType"], "FARGATE");
    assert!(svc.get("placementStrategy").is_none(), "{svc}");
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(browser.running("serverless").await, "2");
    browser.close().await;
}

/// A service pasted from `aws ecs describe-services`: its cluster from `clusterArn`, its
/// task definition by ARN, its read-only counts ignored (the run makes its own) and said so
/// in the event log; a bad one is refused with the service's name and the field; a
/// definition without a name takes the form's.
#[tokio::test(flavor = "multi_thread")]
async fn describe_services_output_pasted_creates_its_services() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;
    browser.click(".svc-paste summary").await;
    let pasted = serde_json::json!({"services": [
        {"serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/demo/api", "serviceName": "api",
         "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/demo",
         "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
         "desiredCount": 2, "runningCount": 5, "pendingCount": 0, "status": "ACTIVE", "launchType": "EC2",
         "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
         "events": [{"id": "1", "message": "(service api) has reached a steady state."}]},
        {"serviceName": "jobs", "cluster": "demo", "taskDefinition": "batch", "desiredCount": 1}],
        "failures": []});
    browser.set_value("svc-json", &pasted.to_string()).await;
    browser.click("#add-service-json").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Created services api, jobs."
    );
    let doc = browser.document().await;
    let services = doc["services"].as_array().unwrap();
    assert_eq!(
        services[services.len() - 2]["runningCount"],
        5,
        "kept verbatim"
    );
    browser.play_until(60, "00:01:00.000", 30).await;
    assert_eq!(browser.running("api").await, "2");
    assert_eq!(browser.running("jobs").await, "1");
    browser.select("#log-kind", "Scenario").await;
    browser
        .wait_for_text(
            "#event-log",
            "services[1]: read-only members of describe-services output, ignored: serviceArn, runningCount, pendingCount, status, events",
            5,
        )
        .await;

    // Refused: the second service's desired count, named with the service.
    browser
        .set_value(
            "svc-json",
            r#"[{"serviceName": "ok", "taskDefinition": "web", "desiredCount": 1}, {"serviceName": "bad", "taskDefinition": "web", "desiredCount": -1}]"#,
        )
        .await;
    browser.click("#add-service-json").await;
    assert_eq!(
        browser.text("#build-errors").await,
        "bad: desiredCount: must be a whole number"
    );

    // A deployment tool's definition (ecspresso's ecs-service-def.json) has no serviceName
    // or taskDefinition: AWS would refuse it; the form's Name and Task definition fill them.
    let ecspresso = r#"{"desiredCount": 1, "launchType": "EC2", "schedulingStrategy": "REPLICA",
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}}}"#;
    browser.set_value("svc-name", "").await;
    browser.set_value("svc-json", ecspresso).await;
    browser.click("#add-service-json").await;
    assert_eq!(
        browser.text("#build-errors").await,
        "serviceName: required (CreateService needs a serviceName)"
    );
    browser.set_value("svc-name", "edge").await;
    browser.select("#svc-td", "web").await;
    browser.click("#add-service-json").await;
    assert_eq!(browser.text("#build-done").await, "Created service edge.");
    let doc = browser.document().await;
    let edge = doc["services"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            edge["serviceName"].as_str(),
            edge["taskDefinition"].as_str()
        ),
        (Some("edge"), Some("web"))
    );
    browser.scroll_to(".svc-paste").await;
    browser.screenshot("service-form-pasted").await;
    browser.close().await;
}
