//! No panic reachable from any input (issue 6): with every panel open, every text and number
//! field gets a hostile value (empty, negative, huge, not a number, markup, a long string),
//! then every button of the editors is clicked. The page must keep working: no Rust panic
//! reaches the console, and the clock still steps.

use e2e::Browser;

/// Records console errors and uncaught errors, where `console_error_panic_hook` writes a panic.
const WATCH: &str = r#"
window.__errors = [];
const original = console.error.bind(console);
console.error = (...args) => { window.__errors.push(args.join(" ")); original(...args); };
window.addEventListener("error", e => window.__errors.push(String(e.message)));
"#;

/// Fills every visible field with `arguments[0]` (selects keep their value) and clicks every
/// button of the editors; returns how many fields and buttons it touched.
const FILL_AND_CLICK: &str = r##"
const value = arguments[0];
for (const d of document.querySelectorAll("details")) d.open = true;
let fields = 0, buttons = 0;
for (const el of document.querySelectorAll("input:not([type=checkbox]):not([type=file]):not([type=range]), textarea")) {
  if (el.offsetParent === null) continue;
  el.value = value;
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  fields++;
}
const skip = new Set(["play", "pause", "reset", "theme", "large-text", "copy-link", "undo", "redo"]);
for (const b of document.querySelectorAll("#build-panel button, .faults button, .scaling button, .editor-actions button")) {
  if (b.offsetParent === null || b.disabled || skip.has(b.id)) continue;
  b.click();
  buttons++;
}
return [fields, buttons];
"##;

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_in_every_field_never_panic() {
    let browser = Browser::start().await;
    let long = "9".repeat(400);
    let hostile = [
        "",
        "-1",
        "1e309",
        "NaN",
        "0",
        "18446744073709551616",
        "<img src=x onerror=alert(1)>",
        "{\"version\": 1, \"services\": [{}]}",
        long.as_str(),
        "😀 , = : [ ] { }",
    ];
    for preset in ["capacity-provider-from-zero", "target-tracking-alb"] {
        browser.open_preset(preset).await;
        browser.js(WATCH).await;
        browser.play_until(600, "00:03:00.000", 60).await;
        for value in hostile {
            let touched = browser
                .client
                .execute(FILL_AND_CLICK, vec![value.into()])
                .await
                .unwrap_or_else(|e| panic!("{preset}, {value:?}: {e}"));
            let [fields, buttons] = serde_json::from_value::<[u32; 2]>(touched).unwrap();
            assert!(
                fields > 20 && buttons > 10,
                "{preset}: {fields} fields, {buttons} buttons"
            );
            let errors = browser.js("return window.__errors;").await;
            let errors: Vec<String> = serde_json::from_value(errors).unwrap_or_default();
            assert!(
                !errors.iter().any(|e| e.contains("panicked")),
                "{preset}, {value:?}: {errors:?}"
            );
        }
        // Still alive: a step moves the clock.
        let before = browser.text("#clock").await;
        browser.click("#step").await;
        browser.wait_for("#clock", 5).await;
        let after = browser.text("#clock").await;
        assert_ne!(
            before, after,
            "{preset}: the clock steps after the hostile input"
        );
    }
    browser.screenshot("hostile-input").await;
    browser.close().await;
}
