//! Persistence in the browser (issue 7): edits applied from the JSON editor are autosaved and
//! survive a reload; undo and redo walk the history; a bad edit names the problem and leaves
//! the page working; export gives the scenario as a JSON file and import loads one.

use e2e::{repo_root, Browser};
use fantoccini::Locator;

async fn editor_text(browser: &Browser) -> String {
    browser.value("#scenario-json").await
}

async fn set_editor(browser: &Browser, text: &str) {
    browser.set_value("scenario-json", text).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_are_autosaved_undoable_and_files_go_in_and_out() {
    let browser = Browser::start().await;
    browser.open_preset("rolling-deployment").await;
    browser.click("#scenario-editor summary").await;
    let original: serde_json::Value = serde_json::from_str(&editor_text(&browser).await).unwrap();
    assert_eq!(original["name"], "a rolling deployment");

    // Edit: rename and apply.
    let mut edited = original.clone();
    edited["name"] = "my rolling deployment".into();
    set_editor(&browser, &serde_json::to_string_pretty(&edited).unwrap()).await;
    browser.click("#apply").await;
    assert_eq!(
        browser.text("#scenario-name").await,
        "my rolling deployment"
    );

    // A bad edit names the problem; the page keeps the last good scenario.
    set_editor(&browser, "{\"version\": 1, \"seed\": \"x\"}").await;
    browser.click("#apply").await;
    let error = browser.text("#apply-error").await;
    assert!(error.contains("seed"), "{error}");
    assert_eq!(
        browser.text("#scenario-name").await,
        "my rolling deployment"
    );

    // Autosave: a reload shows the edited scenario again.
    browser.client.goto(&browser.base_url).await.unwrap();
    assert_eq!(
        browser.text("#scenario-name").await,
        "my rolling deployment"
    );
    assert!(browser.text("#notice").await.contains("Restored"));

    // Undo and redo (the history of this page: the restored scenario, then a preset).
    browser.open_preset_offline("member-of").await;
    let member_of = browser.text("#scenario-name").await;
    assert_ne!(member_of, "my rolling deployment");
    browser.click("#undo").await;
    assert_eq!(
        browser.text("#scenario-name").await,
        "my rolling deployment"
    );
    browser.click("#redo").await;
    assert_eq!(browser.text("#scenario-name").await, member_of);

    // Export: the link holds the scenario's JSON, loadable by the engine.
    let href = browser
        .wait_for("#export", 5)
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let encoded = href
        .strip_prefix("data:application/json;charset=utf-8,")
        .expect("a JSON data URL");
    let json = browser
        .client
        .execute(
            "return decodeURIComponent(arguments[0]);",
            vec![encoded.into()],
        )
        .await
        .unwrap();
    let exported = ecs_engine::Scenario::from_json(json.as_str().unwrap()).expect("loads");
    assert_eq!(exported.name, member_of);
    let download = browser
        .wait_for("#export", 5)
        .await
        .attr("download")
        .await
        .unwrap();
    assert!(download.unwrap().ends_with(".json"));

    // Import: a preset file from disk, the same file ecs-sim reads.
    let file = repo_root().join("public/scenarios/step-scaling.json");
    let input = browser.client.find(Locator::Css("#import")).await.unwrap();
    input
        .send_keys(&file.canonicalize().unwrap().display().to_string())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while browser.text("#scenario-name").await != "step scaling on CPU alarms" {
        assert!(
            std::time::Instant::now() < deadline,
            "the import did not load"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(browser
        .text("#notice")
        .await
        .contains("Imported step-scaling.json"));
    browser.screenshot("scenario-editor").await;
    browser.close().await;
}
