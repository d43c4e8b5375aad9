//! Keyboard use (issue 6): Space plays and pauses, → steps to the next event, and neither
//! fires while typing in a field.

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
