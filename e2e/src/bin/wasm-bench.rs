//! Runs the wasm placement benchmark (`index.html#bench`) in headless Chromium and prints the
//! results as JSON lines. Needs a built `dist/` (`make build`). Run: `make bench-wasm`.

use e2e::Browser;
use fantoccini::Locator;

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
        let get = |name: &'static str| {
            let row = row.clone();
            async move { row.attr(name).await.ok().flatten().unwrap_or_default() }
        };
        println!(
            "{{\"case\": \"{}\", \"instances\": {}, \"placementsPerSecond\": {}}}",
            get("data-case").await,
            get("data-instances").await,
            get("data-per-second").await
        );
    }
    browser.close().await;
}
