//! Building a scenario in the UI (issue 6 flows): add instances from the catalogue, paste a
//! real task definition from the corpus, create a service and see its tasks placed, and raise
//! the load from the current time on. Every edit goes into the scenario (undoable).

use e2e::{repo_root, Browser};

#[tokio::test(flavor = "multi_thread")]
async fn add_instances_paste_a_task_definition_create_a_service_and_raise_the_load() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;
    let before = browser.count("article.instance").await;

    // Instances: 2 × m5.xlarge in us-east-1b, cluster demo.
    browser.select("#add-type", "m5.xlarge").await;
    browser.set_value("add-az", "us-east-1b").await;
    browser.set_value("add-count", "2").await;
    browser.set_value("add-cluster", "demo").await;
    browser.click("#add-instances").await;
    assert_eq!(browser.text("#build-done").await, "Added 2 × m5.xlarge.");
    assert_eq!(browser.count("article.instance").await, before + 2);

    // A bad paste names the problem.
    browser.set_value("td-json", "{\"family\": \"x\",\n}").await;
    browser.click("#register-td").await;
    assert!(browser.text("#build-errors").await.contains("line 2"));

    // A real task definition from the corpus.
    let corpus = repo_root()
        .join("../shared/corpus/task-definitions/4pits__circleci-ecs__minimal-bridge-reservation-only.json");
    let text = std::fs::read_to_string(&corpus).unwrap_or_else(|_| {
        r#"{"family": "circleci-demo-service", "containerDefinitions": [{"name": "circleci-demo-service", "image": "circleci-demo:latest", "cpu": 128, "memoryReservation": 128, "portMappings": [{"containerPort": 80, "protocol": "tcp"}], "essential": true}]}"#.to_string()
    });
    browser.set_value("td-json", &text).await;
    browser.click("#register-td").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Registered task definition circleci-demo-service."
    );

    // A service of it: its tasks get placed.
    browser.set_value("svc-name", "circleci").await;
    browser.select("#svc-td", "circleci-demo-service").await;
    browser.set_value("svc-desired", "3").await;
    browser.set_value("svc-cluster", "demo").await;
    browser.click("#svc-ps-add").await;
    browser.select("#svc-ps-type-0", "binpack").await;
    browser.click("#create-service").await;
    browser
        .wait_for("tr.service[data-service=circleci]", 5)
        .await;
    browser.play_until(60, "00:01:00.000", 20).await;
    assert_eq!(browser.running("circleci").await, "3");

    // The live load control: the new service gets nothing yet; from now on, 500 requests/s.
    let clock = browser.text("#clock").await;
    browser.select("#load-target", "circleci").await;
    assert_eq!(browser.text("#load-now").await, "now 0 requests/s");
    assert_eq!(browser.text("#load-unit").await, "requests/s");
    browser.set_value("load-rate", "500").await;
    browser.click("#set-load").await;
    let done = browser.text("#build-done").await;
    assert!(
        done.starts_with(&format!("From {clock}: 500 requests/s to circleci")),
        "{done}"
    );
    browser
        .wait_for_text("#load-now", "now 500 requests/s", 5)
        .await;
    assert_eq!(
        browser.text("#clock").await,
        clock,
        "the run resumes where it was"
    );
    let doc = browser.document().await;
    assert_eq!(doc["loadProfiles"][0]["service"], "circleci");
    assert_eq!(
        doc["services"][1]["placementStrategy"][0]["type"],
        "binpack"
    );
    browser.screenshot("build").await;
    browser.close().await;
}
