//! Keyboard use (issue 6): Space plays and pauses, → steps to the next event, and neither
//! fires while typing in a field; every control has a name a screen reader can say.

use std::time::Duration;

use e2e::Browser;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};

async fn press(browser: &Browser, key: char) {
    let actions = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    browser
        .client
        .perform_actions(actions)
        .await
        .expect("key press");
}

#[tokio::test(flavor = "multi_thread")]
async fn space_plays_and_pauses_and_arrow_steps() {
    let browser = Browser::start().await;
    browser.open_preset("rolling-deployment").await;
    // Leave the preset menu so keys go to the page.
    browser.js("document.activeElement.blur();").await;
    assert_eq!(browser.text("#clock").await, "00:00:00.000");
    press(&browser, '\u{E014}').await; // ArrowRight
    let stepped = browser.text("#clock").await;
    assert_ne!(stepped, "00:00:00.000", "→ fired the next timer");

    press(&browser, ' ').await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    press(&browser, ' ').await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let paused = browser.text("#clock").await;
    assert!(
        paused.as_str() > stepped.as_str(),
        "Space played: {stepped} → {paused}"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        browser.text("#clock").await,
        paused,
        "the second Space paused"
    );

    // Typing a space in a field does not play.
    browser.click("#build-panel summary").await;
    browser.click("#svc-name").await;
    press(&browser, ' ').await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(browser.text("#clock").await, paused);
    browser.close().await;
}

/// Every control of the page, with all its panels open, has a name a screen reader can say:
/// a `<label>` (wrapping or `for`), `aria-label`, `title` or its own text.
const UNNAMED_CONTROLS: &str = r##"
for (const d of document.querySelectorAll("details")) d.open = true;
for (const f of document.querySelectorAll(".pattern-fields.hidden")) f.classList.remove("hidden");
const out = [];
for (const el of document.querySelectorAll("input, select, textarea, button, [role=button]")) {
  if (el.type === "hidden" || el.offsetParent === null) continue;
  const named = (el.getAttribute("aria-label") || "").trim()
    || (el.getAttribute("title") || "").trim()
    || (el.labels && [...el.labels].some(l => l.textContent.trim()))
    || (el.getAttribute("aria-labelledby") && document.getElementById(el.getAttribute("aria-labelledby")))
    || ((el.tagName === "BUTTON" || el.getAttribute("role") === "button") && el.textContent.trim());
  if (!named) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : ""));
}
return out;
"##;

#[tokio::test(flavor = "multi_thread")]
async fn every_control_has_an_accessible_name() {
    let browser = Browser::start().await;
    for preset in [
        "arch-s3-eventbridge-fargate",
        "capacity-provider-from-zero",
        "target-tracking-alb",
    ] {
        browser.open_preset(preset).await;
        browser.play_until(600, "00:05:00.000", 60).await;
        let unnamed = browser.js(UNNAMED_CONTROLS).await;
        let list: Vec<String> = serde_json::from_value(unnamed).unwrap_or_default();
        assert!(
            list.is_empty(),
            "{preset}: controls without a name: {list:?}"
        );
    }
    browser.close().await;
}
