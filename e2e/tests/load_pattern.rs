//! Load patterns (issue 6, "Load: pick or draw a pattern"): pick a shape, see its preview
//! over the run, set it as a target's requests; draw one with the pointer on the pad.

use std::time::Duration;

use e2e::Browser;
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};

/// The target group's profile in the scenario editor.
async fn profile(browser: &Browser) -> serde_json::Value {
    let doc = browser.document().await;
    doc["loadProfiles"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn pick_a_ramp_then_draw_a_pattern_and_set_them_as_the_load() {
    let browser = Browser::start().await;
    browser.open_preset("target-tracking-alb").await;
    browser.click("#build-panel summary").await;
    browser.scroll_to("fieldset.load-pattern").await;
    let cost_before = profile(&browser).await["cost"].clone();
    // Before any input, the preview shows the default daily curve (200–3,000 requests/s,
    // peak at 14:00): over this two-hour run it climbs from 200 to 388.
    browser
        .wait_for_text(
            "#pat-summary",
            "Over the run (120 min): peak 388 requests/s",
            5,
        )
        .await;
    assert_eq!(browser.count("#pat-preview polyline").await, 1);

    // A ramp from 100 to 2,000 requests/s over minutes 0–30: the preview peaks at 2,000.
    browser.select("#pat-kind", "ramp").await;
    browser.set_value("pat-from", "100").await;
    browser.set_value("pat-to", "2000").await;
    browser.set_value("pat-start", "0").await;
    browser.set_value("pat-end", "30").await;
    browser
        .wait_for_text("#pat-summary", "peak 2000 requests/s", 5)
        .await;
    assert_eq!(browser.count("#pat-preview polyline").await, 1);

    // A mistake is named before anything is set: the ramp must end after it starts.
    browser.set_value("pat-end", "0").await;
    browser
        .wait_for_text("#pat-summary", "end: must be after start", 5)
        .await;
    assert_eq!(browser.count("#pat-preview polyline").await, 0);
    browser.set_value("pat-end", "30").await;
    browser.click("#pat-apply").await;
    browser
        .wait_for_text("#pattern-done", "Load pattern set", 5)
        .await;
    let p = profile(&browser).await;
    assert_eq!(p["requests"]["type"], "ramp");
    assert_eq!(p["requests"]["end"], 1800);
    assert_eq!(p["cost"], cost_before, "the cost model is kept");
    browser.screenshot("load-pattern-ramp").await;

    // Drawing: press on the pad's left edge, drag right and up, release.
    browser.select("#pat-kind", "drawn").await;
    let pad = browser.wait_for("#pat-preview", 5).await;
    let mut drag = MouseActions::new("mouse".to_string()).then(PointerAction::MoveToElement {
        element: pad.clone(),
        duration: None,
        x: -140.0,
        y: 30.0,
    });
    drag = drag.then(PointerAction::Down {
        button: MOUSE_BUTTON_LEFT,
    });
    for step in 1..=10 {
        drag = drag.then(PointerAction::MoveToElement {
            element: pad.clone(),
            duration: Some(Duration::from_millis(20)),
            x: -140.0 + 28.0 * f64::from(step),
            y: 30.0 - 6.0 * f64::from(step),
        });
    }
    drag = drag.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    browser.client.perform_actions(drag).await.expect("drag");
    let points = browser.value("#pat-points").await;
    assert!(points.split(", ").count() >= 8, "{points}");
    browser.wait_for_text("#pat-summary", "peak", 5).await;
    browser.screenshot("load-pattern-drawn").await;
    browser.click("#pat-apply").await;
    browser
        .wait_for_text("#pattern-done", "Load pattern set", 5)
        .await;
    let p = profile(&browser).await;
    assert_eq!(p["requests"]["type"], "trace");
    let pts = p["requests"]["points"].as_array().unwrap();
    assert!(pts.len() >= 8);
    // Drawn rightwards and upwards: time and rate rise.
    let first = (pts[0][0].as_f64().unwrap(), pts[0][1].as_f64().unwrap());
    let last = (
        pts[pts.len() - 1][0].as_f64().unwrap(),
        pts[pts.len() - 1][1].as_f64().unwrap(),
    );
    assert!(last.0 > first.0 && last.1 > first.1, "{first:?} → {last:?}");
    browser.close().await;
}
