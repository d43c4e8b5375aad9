//! Design principle 1 for every preset: the event-log digest the app computes in wasm equals
//! the one the native engine computes for the same scenario (load, routing, metrics, alarms
//! and scaling included).

use e2e::{json_stems, repo_root, Browser};

#[tokio::test(flavor = "multi_thread")]
async fn every_preset_has_the_native_digest_in_wasm() {
    let browser = Browser::start().await;
    let dir = repo_root().join("public/scenarios");
    let stems = json_stems("public/scenarios");
    assert!(stems.len() >= 10);
    for stem in &stems {
        browser.open_preset(stem).await;
        let wasm = browser
            .wait_for("#digest", 10)
            .await
            .attr("data-digest")
            .await
            .expect("attr")
            .expect("data-digest");
        let json = std::fs::read_to_string(dir.join(format!("{stem}.json"))).unwrap();
        let native = ecs_engine::scenario_digest(&json).expect("native run");
        assert_eq!(wasm, native, "{stem}: wasm and native diverged");
    }
    browser.close().await;
}
