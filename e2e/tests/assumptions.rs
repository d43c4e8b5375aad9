//! The assumptions panel (section 12 of the behaviour reference): what the simulator decides
//! where AWS is silent, switched from the UI. A switch edits the scenario's `options`, the run
//! replays with it, Undo takes it back, and a bad value is refused naming the field.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn section_12_assumptions_switch_from_the_ui_and_move_the_g22_timeline() {
    let browser = Browser::start().await;
    browser.open_preset("target-tracking-alb").await;
    browser.click("#assumptions-panel summary").await;

    // Each assumption shows the document's value or its default.
    assert_eq!(browser.value("#opt-placementTieBreak").await, "random");
    assert_eq!(
        browser
            .value("#opt-targetTrackingAlarms-highAlarmDatapoints")
            .await,
        "3"
    );

    // The tie-break: the document gains options.placementTieBreak.
    browser
        .select("#opt-placementTieBreak", "firstRegistered")
        .await;
    browser
        .wait_for_text(
            "#assumptions-done",
            "options.placementTieBreak is now firstRegistered; the run replayed from the start.",
            10,
        )
        .await;
    assert_eq!(
        browser.document().await["options"]["placementTieBreak"],
        "firstRegistered"
    );

    // A value out of range is refused, naming the field; the document keeps its value.
    browser
        .change_value("opt-targetTrackingAlarms-lowAlarmFraction", "2")
        .await;
    let errors = browser
        .wait_for_text(
            "#assumptions-errors",
            "options.targetTrackingAlarms.lowAlarmFraction",
            10,
        )
        .await;
    assert!(
        errors.contains("is not a number from 0.01 to 1"),
        "{errors}"
    );
    assert!(browser.document().await["options"]
        .get("targetTrackingAlarms")
        .is_none());
    browser
        .wait_for_value("#opt-targetTrackingAlarms-lowAlarmFraction", "0.9", 5)
        .await;
    browser.scroll_to("#assumptions-panel").await;
    browser.screenshot("assumptions-panel").await;

    // One minute above the target scales out (5.3, G22's timeline moved by item 5): the load
    // jumps at 10 minutes, so the first activity comes at 11 minutes, not 13.
    browser
        .change_value("opt-targetTrackingAlarms-highAlarmDatapoints", "1")
        .await;
    browser
        .wait_for_text(
            "#assumptions-done",
            "options.targetTrackingAlarms.highAlarmDatapoints is now 1",
            10,
        )
        .await;
    browser.play_until(600, "00:12:00.000", 30).await;
    let activities = browser
        .js("return [...document.querySelectorAll('#activities li.activity')].map(e => e.textContent)")
        .await;
    let oldest = activities
        .as_array()
        .and_then(|a| a.last())
        .and_then(|a| a.as_str())
        .unwrap_or_else(|| panic!("a scaling activity: {activities}"));
    assert!(oldest.starts_with("00:11:00.000"), "{oldest}");
    browser.screenshot("assumptions").await;

    // Undo takes the last switch back; the tie-break stays.
    browser.click("#undo").await;
    browser
        .wait_for_value("#opt-targetTrackingAlarms-highAlarmDatapoints", "3", 5)
        .await;
    assert_eq!(
        browser.value("#opt-placementTieBreak").await,
        "firstRegistered"
    );

    // A checkbox: memberOf's != on instances without the attribute.
    browser.click("#opt-missingAttributeMatchesNegations").await;
    browser
        .wait_for_text(
            "#assumptions-done",
            "options.missingAttributeMatchesNegations is now true",
            10,
        )
        .await;
    assert_eq!(
        browser.document().await["options"]["missingAttributeMatchesNegations"],
        true
    );

    // Reset: every assumption leaves the document, the preset's own options stay.
    browser.click("#assumptions-reset").await;
    browser
        .wait_for_text(
            "#assumptions-done",
            "Every assumption is back to its default",
            10,
        )
        .await;
    browser
        .wait_for_value("#opt-placementTieBreak", "random", 5)
        .await;
    let options = browser.document().await["options"].clone();
    for key in ["placementTieBreak", "missingAttributeMatchesNegations"] {
        assert!(options.get(key).is_none(), "{key}: {options}");
    }
}

/// Section 12 item 11 from the UI: managed scaling from no instances launches the binpack
/// estimate (G28: 6 tasks of 1024 units need 3 m5.large) or, switched, two instances first.
#[tokio::test(flavor = "multi_thread")]
async fn section_12_item_11_scale_from_zero_switches_from_the_assumptions_panel() {
    let browser = Browser::start().await;
    browser.open_preset("capacity-provider-from-zero").await;
    browser.play_until(60, "00:00:30.000", 30).await;
    let sizes = browser.text(".asg[data-group] .sizes").await;
    assert!(sizes.contains("desired 3"), "{sizes}");

    browser.click("#assumptions-panel summary").await;
    assert_eq!(
        browser.value("#opt-capacity-scaleFromZero").await,
        "estimate"
    );
    browser
        .select("#opt-capacity-scaleFromZero", "twoInstances")
        .await;
    browser
        .wait_for_text(
            "#assumptions-done",
            "options.capacity.scaleFromZero is now twoInstances",
            10,
        )
        .await;
    assert_eq!(
        browser.document().await["options"]["capacity"]["scaleFromZero"],
        "twoInstances"
    );
    browser.play_until(60, "00:00:30.000", 30).await;
    let sizes = browser.text(".asg[data-group] .sizes").await;
    assert!(sizes.contains("desired 2"), "{sizes}");
    browser.screenshot("assumptions-scale-from-zero").await;
}
