//! Issue 6, quality: no layout breaks at 1280×720 or 1920×1080. For presets that fill every
//! panel (capacity, Fargate, the services around ECS, scaling), the page never scrolls
//! sideways, no panel's content spills out of it and the top bar keeps one row; screenshots of each size land in
//! `target/screenshots/layout-*.png`.

use e2e::Browser;

const PRESETS: &[&str] = &[
    "target-tracking-alb",
    "capacity-provider-from-zero",
    "fargate-spot-base-weight",
    "arch-s3-eventbridge-fargate",
];

/// Elements wider than their box (class and overflow in px), ignoring scrollable ones.
const OVERFLOWS: &str = r#"
const out = [];
if (document.documentElement.scrollWidth > window.innerWidth + 1) {
  out.push("page " + (document.documentElement.scrollWidth - window.innerWidth));
}
for (const el of document.querySelectorAll("section, .panel, table, .card, .lane")) {
  const style = getComputedStyle(el);
  if (["auto", "scroll", "hidden"].includes(style.overflowX)) continue;
  const rect = el.getBoundingClientRect();
  if (rect.width === 0) continue;
  if (el.scrollWidth > el.clientWidth + 2) {
    out.push((el.id || el.className || el.tagName) + " " + (el.scrollWidth - el.clientWidth));
  }
}
return out;
"#;

#[tokio::test(flavor = "multi_thread")]
async fn no_layout_breaks_at_1280x720_or_1920x1080() {
    let browser = Browser::start().await;
    for (w, h) in [(1280u32, 720u32), (1920, 1080)] {
        browser
            .client
            .set_window_size(w, h)
            .await
            .expect("set the window size");
        for preset in PRESETS {
            browser.open_preset(preset).await;
            browser.play_until(600, "00:12:00.000", 60).await;
            let found = browser
                .client
                .execute(OVERFLOWS, vec![])
                .await
                .expect("measure overflow");
            browser
                .screenshot(&format!("layout-{w}x{h}-{preset}"))
                .await;
            let list: Vec<String> = serde_json::from_value(found).unwrap_or_default();
            assert!(list.is_empty(), "{preset} at {w}×{h}: {list:?}");
            // The top bar keeps one row: a long scenario name is shortened, the pickers stay
            // beside the buttons (at 1280 px they had wrapped under them).
            let rows = browser
                .js(
                    r#"const top = id => document.getElementById(id).getBoundingClientRect().top;
                       return Math.abs(top("preset") - top("undo"));"#,
                )
                .await;
            assert!(
                rows.as_f64().unwrap_or(f64::MAX) < 12.0,
                "{preset} at {w}×{h}: the preset picker sits {rows} px below the Undo button"
            );
        }
    }
    browser.close().await;
}

/// The projector case: large text (A+) at 1280×720, every panel open, and nothing spills
/// sideways.
#[tokio::test(flavor = "multi_thread")]
async fn large_text_at_1280x720_does_not_break_the_layout() {
    let browser = Browser::start().await;
    browser
        .client
        .set_window_size(1280, 720)
        .await
        .expect("set the window size");
    for preset in PRESETS {
        browser.open_preset(preset).await;
        let large = "document.documentElement.getAttribute('data-size') === 'large'";
        if browser.js(&format!("return {large};")).await.as_bool() != Some(true) {
            browser.click("#large-text").await;
        }
        browser.play_until(600, "00:12:00.000", 60).await;
        browser
            .js("for (const d of document.querySelectorAll('details')) d.open = true;")
            .await;
        let found = browser.js(OVERFLOWS).await;
        let list: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        browser.screenshot(&format!("layout-large-{preset}")).await;
        assert!(
            list.is_empty(),
            "{preset}, large text at 1280×720: {list:?}"
        );
    }
    browser.close().await;
}
