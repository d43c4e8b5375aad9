//! The task-definition editor of the build panel (issue 6): real task definitions from the
//! corpus pasted into the JSON view (describe-task-definition output too) and registered;
//! errors found after parsing (1.2, 1.12) name the field and the line, mark the line in the
//! gutter and select it when clicked; the form writes two containers with a dynamic host port
//! (1.5) into the same text, and a service of it gets its tasks placed.

use e2e::{repo_root, Browser};

/// A task definition of the corpus (`../shared/corpus`, beside the project when present;
/// a clean clone in CI has none), else `fallback`, a text of the same shape.
fn corpus(name: &str, fallback: &str) -> String {
    let path = repo_root()
        .join("../shared/corpus/task-definitions")
        .join(name);
    std::fs::read_to_string(path).unwrap_or_else(|_| fallback.to_string())
}

/// describe-task-definition output, for when the corpus is absent.
const DESCRIBED: &str = r#"{
    "taskDefinition": {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:012345678910:task-definition/hello_world:8",
        "containerDefinitions": [
            {
                "name": "wordpress",
                "image": "wordpress",
                "cpu": 10,
                "memory": 500,
                "essential": true,
                "portMappings": [{"containerPort": 80, "hostPort": 80}]
            }
        ],
        "family": "hello_world",
        "revision": 8,
        "status": "ACTIVE",
        "compatibilities": ["EXTERNAL", "EC2"]
    }
}"#;

/// A RegisterTaskDefinition request laid out as the corpus file the test edits.
const REQUEST: &str = r#"{
    "family": "circleci-demo-service",
    "containerDefinitions": [
        {
            "name": "circleci-demo-service",
            "image": "634223907656.dkr.ecr.eu-west-2.amazonaws.com/circleci-demo:latest",
            "cpu": 128,
            "memoryReservation": 128,
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
            "essential": true
        }
    ]
}"#;

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line contains {needle}"))
        + 1
}

/// Whether the textarea `id` has the focus, and the text it has selected: waits up to 2 s
/// for the focus (the page moves it after the click's event handlers run, which on a busy
/// machine can be after WebDriver's click returns).
async fn selection(browser: &Browser, id: &str) -> (bool, String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let v = browser
            .client
            .execute(
                "const t = document.getElementById(arguments[0]); return [document.activeElement === t, t.value.slice(t.selectionStart, t.selectionEnd)];",
                vec![id.into()],
            )
            .await
            .expect("the selection");
        let focused = v[0] == true;
        if focused || std::time::Instant::now() > deadline {
            return (focused, v[1].as_str().unwrap_or_default().to_string());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn open_build_panel() -> Browser {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;
    browser
}

#[tokio::test(flavor = "multi_thread")]
async fn pasted_task_definitions_register_and_errors_point_at_their_field_and_line() {
    let browser = open_build_panel().await;

    // describe-task-definition output, kept as pasted.
    let described = corpus("aws__aws-cli__describe-hello-world-links.json", DESCRIBED);
    assert!(
        ecs_engine::task_definition::check_task_definition(&described).is_ok(),
        "the corpus file is valid"
    );
    browser.set_value("td-json", &described).await;
    browser
        .wait_for_text("#td-valid", "Valid: ready to register.", 5)
        .await;
    browser.click("#register-td").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Registered task definition hello_world."
    );

    // 1.2: memoryReservation must be a number; the error names the field and its line.
    let request = corpus(
        "4pits__circleci-ecs__minimal-bridge-reservation-only.json",
        REQUEST,
    );
    let bad = request.replace(
        "\"memoryReservation\": 128",
        "\"memoryReservation\": \"lots\"",
    );
    let line = line_of(&bad, "memoryReservation");
    browser.set_value("td-json", &bad).await;
    let error = browser
        .wait_for_text(
            "#td-errors",
            "containerDefinitions[0].memoryReservation: ",
            5,
        )
        .await;
    assert!(
        error.starts_with(&format!("line {line}, column 13 — ")),
        "{error}"
    );
    assert_eq!(browser.text("#td-gutter .bad").await, line.to_string());
    browser.screenshot("td-json-error").await;

    // Clicking the error selects that line in the text.
    browser.click("#td-errors button").await;
    let (focused, selected) = selection(&browser, "td-json").await;
    assert!(focused, "the text has the focus");
    assert_eq!(selected.trim(), "\"memoryReservation\": \"lots\",");

    // 1.2: a container needs an image; a missing field points at its container's line, and
    // Register refuses with the same line.
    let bad = request.replace(
        "\"image\": \"634223907656.dkr.ecr.eu-west-2.amazonaws.com/circleci-demo:latest\",",
        "",
    );
    browser.set_value("td-json", &bad).await;
    let error = browser
        .wait_for_text("#td-errors", "containerDefinitions[0].image: ", 5)
        .await;
    assert!(error.starts_with("line 4, column 9 — "), "{error}");
    assert_eq!(browser.text("#td-gutter .bad").await, "4");
    browser.click("#register-td").await;
    let refused = browser.text("#build-errors").await;
    assert!(
        refused.contains("containerDefinitions[0].image") && refused.contains("(line 4, column 9)"),
        "{refused}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_writes_two_containers_that_register_and_a_service_places() {
    let browser = open_build_panel().await;
    browser.click("#td-tab-form").await;
    browser.set_value("td-family", "shop").await;
    browser.select("#td-compat", "EC2").await;
    browser.select("#td-network", "bridge").await;
    browser.set_value("td-c0-name", "web").await;
    browser.set_value("td-c0-image", "nginx:1.27").await;
    browser.set_value("td-c0-cpu", "256").await;
    browser.set_value("td-c0-memory", "512").await;
    browser.click("#td-c0-add-port").await;
    browser.set_value("td-c0-p0-container", "80").await;
    browser.set_value("td-c0-p0-host", "0").await;
    // 1.5: a second mapping given as a port range.
    browser.click("#td-c0-add-port").await;
    browser.set_value("td-c0-p1-range", "9000-9009").await;
    browser.click("#td-c0-add-env").await;
    browser.set_value("td-c0-e0-name", "PORT").await;
    browser.set_value("td-c0-e0-value", "80").await;
    browser.click("#td-add-container").await;
    browser.set_value("td-c1-name", "log-router").await;
    browser.set_value("td-c1-image", "fluent-bit").await;
    browser.set_value("td-c1-reservation", "64").await;
    browser.click("#td-c1-essential").await;
    browser
        .wait_for_text("#td-valid", "Valid: ready to register.", 5)
        .await;
    // Section 11 (G43's rule): the same containers as one EKS Fargate pod, 256 + 0 CPU units
    // and 512 + 64 MiB plus 256 MiB, the next Fargate size up.
    assert_eq!(
        browser.text("#td-eks").await,
        "Elsewhere: as one EKS Fargate pod: requests 0.25 vCPU / 576 MiB + 256 MiB for kubelet, kube-proxy and containerd = 0.25 vCPU / 832 MiB → runs as 0.25 vCPU / 1 GB."
    );
    browser.screenshot("td-form").await;
    browser.scroll_to("#register-td").await;
    browser.screenshot("td-form-register").await;

    // The JSON view shows the same text, a RegisterTaskDefinition request.
    browser.click("#td-tab-json").await;
    let doc: serde_json::Value =
        serde_json::from_str(&browser.value("#td-json").await).expect("JSON");
    assert_eq!(doc["family"], "shop");
    assert_eq!(doc["requiresCompatibilities"][0], "EC2");
    let containers = doc["containerDefinitions"].as_array().expect("containers");
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0]["portMappings"][0]["hostPort"], 0);
    assert_eq!(
        containers[0]["portMappings"][1],
        serde_json::json!({"containerPortRange": "9000-9009"})
    );
    // 1.1: an environment value is a string, also when it looks like a number.
    assert_eq!(
        containers[0]["environment"],
        serde_json::json!([{"name": "PORT", "value": "80"}])
    );
    assert_eq!(containers[0]["memory"], 512);
    assert_eq!(containers[1]["essential"], false);
    assert_eq!(containers[1]["memoryReservation"], 64);
    browser.screenshot("td-json").await;

    browser.click("#register-td").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Registered task definition shop."
    );

    // 1.5: hostPort 0 is dynamic, so both tasks of the service get placed.
    browser.set_value("svc-name", "shop").await;
    browser.set_value("svc-td", "shop").await;
    browser.set_value("svc-desired", "2").await;
    browser.set_value("svc-cluster", "demo").await;
    browser.click("#create-service").await;
    browser.wait_for("tr.service[data-service=shop]", 5).await;
    browser.play_until(60, "00:01:00.000", 20).await;
    assert_eq!(browser.running("shop").await, "2");
    browser.close().await;
}

/// The scenario editor uses the same line-pointing: an error found after parsing
/// (`startTime`) names its line, and "Go to line" selects it.
#[tokio::test(flavor = "multi_thread")]
async fn a_scenario_error_found_after_parsing_names_its_line_and_selects_it() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#scenario-editor summary").await;
    let text = "{\n  \"version\": 1,\n  \"name\": \"Broken\",\n  \"startTime\": \"yesterday\"\n}";
    browser.set_value("scenario-json", text).await;
    browser.click("#apply").await;
    let error = browser.text("#apply-error").await;
    assert!(
        error.contains("startTime: ") && error.contains("(line 4, column 3)"),
        "{error}"
    );
    browser.click("#apply-error-line").await;
    let (focused, selected) = selection(&browser, "scenario-json").await;
    assert!(focused, "the editor has the focus");
    assert_eq!(selected, "  \"startTime\": \"yesterday\"");
    browser.close().await;
}
