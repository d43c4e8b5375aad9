//! Runs the wasm benchmarks (`index.html#bench`: placement, the 24-hour closed loop, the
//! capacity surge) in headless Chromium and prints the results as JSON lines. Run:
//! `make bench-wasm`, which first builds the benchmark page (the app's `bench` feature) into
//! `target/bench-dist` and serves that (`E2E_DIST`); the playground's `dist/` has no bench page.

use e2e::Browser;
use fantoccini::elements::Element;
use fantoccini::Locator;

/// The value of attribute `name` of `el`, or "" if it has none.
async fn attr(el: &Element, name: &str) -> String {
    el.attr(name).await.ok().flatten().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}#bench", browser.base_url))
        .await
        .expect("open the bench page");
    browser.wait_for("#bench-results", 300).await;
    for row in browser
        .client
        .find_all(Locator::Css("tr.bench-row"))
        .await
        .expect("rows")
    {
        println!(
            "{{\"case\": \"{}\", \"instances\": {}, \"placementsPerSecond\": {}}}",
            attr(&row, "data-case").await,
            attr(&row, "data-instances").await,
            attr(&row, "data-per-second").await
        );
    }
    browser
        .wait_for("#closed-loop-results[data-complete='true']", 600)
        .await;
    for row in browser
        .client
        .find_all(Locator::Css("tr.closed-loop-row"))
        .await
        .expect("closed-loop rows")
    {
        let error = attr(&row, "data-error").await;
        if !error.is_empty() {
            eprintln!(
                "closed loop {} instances, {} services, {} requests/s failed: {error}",
                attr(&row, "data-instances").await,
                attr(&row, "data-services").await,
                attr(&row, "data-peak-rps").await
            );
            continue;
        }
        println!(
            "{{\"{}\": {{\"instances\": {}, \"services\": {}, \"peakRps\": {}}}, \"runs\": {}, \"medianMs\": {}, \"minMs\": {}, \"maxMs\": {}}}",
            if attr(&row, "data-kind").await == "surge" { "capacitySurge" } else { "closedLoop" },
            attr(&row, "data-instances").await,
            attr(&row, "data-services").await,
            attr(&row, "data-peak-rps").await,
            attr(&row, "data-runs").await,
            attr(&row, "data-median-ms").await,
            attr(&row, "data-min-ms").await,
            attr(&row, "data-max-ms").await
        );
    }
    browser.close().await;
}
