//! Readable in both themes (issue 6): no text on the page, with every panel open, falls
//! under the WCAG AA contrast ratio against the background it sits on (4.5, or 3 for large
//! text), in the light theme and in the dark one.

use e2e::Browser;
const LOW_CONTRAST: &str = r##"
for (const d of document.querySelectorAll("details")) d.open = true;
function rgb(s) { const m = s.match(/[\d.]+/g); return m ? m.map(Number) : [0,0,0,0]; }
function lum([r,g,b]) { const f = c => { c /= 255; return c <= 0.03928 ? c/12.92 : Math.pow((c+0.055)/1.055, 2.4); }; return 0.2126*f(r)+0.7152*f(g)+0.0722*f(b); }
function bg(el) { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0.5) return c; } return [255,255,255]; }
const out = {};
for (const el of document.querySelectorAll("body *")) {
  if (el.offsetParent === null) continue;
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const st = getComputedStyle(el);
  if (st.visibility === "hidden" || parseFloat(st.opacity) < 0.6) continue;
  const fg = rgb(st.color), b = bg(el);
  const l1 = lum(fg), l2 = lum(b);
  const ratio = (Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05);
  const big = parseFloat(st.fontSize) >= 18.6 || (parseFloat(st.fontSize) >= 14 && parseInt(st.fontWeight) >= 700);
  if (ratio < (big ? 3 : 4.5)) {
    const key = el.tagName.toLowerCase() + "." + (el.className && el.className.baseVal === undefined ? el.className : "") + " " + st.color + " on " + b.join(",") + " " + ratio.toFixed(2);
    out[key] = (out[key] || 0) + 1;
  }
}
return out;
"##;

#[tokio::test(flavor = "multi_thread")]
async fn text_keeps_its_contrast_in_both_themes() {
    let browser = Browser::start().await;
    for preset in [
        "capacity-provider-from-zero",
        "target-tracking-alb",
        "arch-s3-eventbridge-fargate",
        "why-tasks-stop",
    ] {
        for dark in [false, true] {
            browser.open_preset(preset).await;
            let theme = "document.documentElement.getAttribute('data-theme') === 'dark'";
            if browser.js(&format!("return {theme};")).await.as_bool() != Some(dark) {
                browser.click("#theme").await;
            }
            assert_eq!(
                browser.js(&format!("return {theme};")).await.as_bool(),
                Some(dark)
            );
            browser.play_until(600, "00:05:00.000", 60).await;
            let low = browser.js(LOW_CONTRAST).await;
            assert_eq!(
                low,
                serde_json::json!({}),
                "{preset}, dark theme {dark}: text under the contrast ratio"
            );
        }
    }
    browser.close().await;
}
