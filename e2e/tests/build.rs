//! Building a scenario in the UI (issue 6 flows): add instances from the catalogue, paste a
//! real task definition from the corpus, create a service and see its tasks placed, and raise
//! the load from the current time on. Every edit goes into the scenario (undoable).

use e2e::{repo_root, Browser};
use fantoccini::Locator;

async fn fill(browser: &Browser, id: &str, value: &str) {
    browser
        .client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![id.into(), value.into()],
        )
        .await
        .unwrap();
}

async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .client
        .find_all(Locator::Css(css))
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn add_instances_paste_a_task_definition_create_a_service_and_raise_the_load() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;
    let before = count(&browser, "article.instance").await;

    // Instances: 2 × m5.xlarge in us-east-1b, cluster demo.
    browser.select("#add-type", "m5.xlarge").await;
    fill(&browser, "add-az", "us-east-1b").await;
    fill(&browser, "add-count", "2").await;
    fill(&browser, "add-cluster", "demo").await;
    browser.click("#add-instances").await;
    assert_eq!(browser.text("#build-done").await, "Added 2 × m5.xlarge.");
    assert_eq!(count(&browser, "article.instance").await, before + 2);

    // A bad paste names the problem.
    fill(&browser, "td-json", "{\"family\": \"x\",\n}").await;
    browser.click("#register-td").await;
    assert!(browser.text("#build-errors").await.contains("line 2"));

    // A real task definition from the corpus.
    let corpus = repo_root()
        .join("../shared/corpus/task-definitions/4pits__circleci-ecs__minimal-bridge-reservation-only.json");
    let text = std::fs::read_to_string(&corpus).unwrap_or_else(|_| {
        r#"{"family": "circleci-demo-service", "containerDefinitions": [{"name": "circleci-demo-service", "image": "circleci-demo:latest", "cpu": 128, "memoryReservation": 128, "portMappings": [{"containerPort": 80, "protocol": "tcp"}], "essential": true}]}"#.to_string()
    });
    fill(&browser, "td-json", &text).await;
    browser.click("#register-td").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Registered task definition circleci-demo-service."
    );

    // A service of it: its tasks get placed.
    fill(&browser, "svc-name", "circleci").await;
    fill(&browser, "svc-td", "circleci-demo-service").await;
    fill(&browser, "svc-desired", "3").await;
    fill(&browser, "svc-cluster", "demo").await;
    browser.select("#svc-strategy", "binpack").await;
    browser.click("#create-service").await;
    browser
        .wait_for("tr.service[data-service=circleci]", 5)
        .await;
    browser.play_until(60, "00:01:00.000", 20).await;
    assert_eq!(
        browser
            .text("tr.service[data-service=circleci] td.running")
            .await,
        "3"
    );

    // The load control: from now on, 500 more requests/s to the new service.
    let clock = browser.text("#clock").await;
    browser.select("#load-target", "circleci").await;
    fill(&browser, "load-extra", "500").await;
    browser.click("#add-load").await;
    let done = browser.text("#build-done").await;
    assert!(
        done.starts_with(&format!("From {clock}: +500 requests/s to circleci")),
        "{done}"
    );
    assert_eq!(
        browser.text("#clock").await,
        clock,
        "the run resumes where it was"
    );
    let json = browser
        .wait_for("#scenario-json", 5)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["loadProfiles"][0]["service"], "circleci");
    assert_eq!(
        doc["services"][1]["placementStrategy"][0]["type"],
        "binpack"
    );
    browser.screenshot("build").await;
    browser.close().await;
}
