//! UI performance in headless Chromium (issue 6): time to first render, and frame times with
//! 1,000 instances and 10,000 tasks while the clock runs at 60×. Needs a built `dist/`
//! (`make build`). Run: `make bench-ui`. Prints JSON lines.

use std::time::Duration;

use e2e::Browser;
use serde_json::{json, Value};

/// Milliseconds from navigation start to the first contentful paint (the page is drawn by the
/// wasm app, so this is when the app first shows).
async fn first_render_ms(browser: &Browser, url: &str) -> f64 {
    // A real navigation each time (a change of fragment alone would not reload the page).
    browser.client.goto("about:blank").await.expect("blank");
    browser.client.goto(url).await.expect("open");
    let v = browser
        .client
        .execute_async(
            "const done = arguments[0];
             (function poll() {
               const fcp = performance.getEntriesByName('first-contentful-paint')[0];
               if (fcp && document.getElementById('clock')) { done(fcp.startTime); }
               else { setTimeout(poll, 5); }
             })();",
            vec![],
        )
        .await
        .expect("first render");
    v.as_f64().unwrap_or(f64::NAN)
}

fn big_cluster() -> Value {
    let mut services = Vec::new();
    for s in 0..10 {
        services.push(
            json!({"serviceName": format!("svc{s}"), "taskDefinition": "app", "desiredCount": 1000,
            "placementStrategy": [{"type": "binpack", "field": "memory"}]}),
        );
    }
    json!({
        "version": 1, "name": "1,000 instances, 10,000 tasks", "seed": 1, "duration": "PT1H",
        "containerInstances": [
            {"instanceType": "m5.xlarge", "availabilityZone": "us-east-1a", "count": 334},
            {"instanceType": "m5.xlarge", "availabilityZone": "us-east-1b", "count": 333},
            {"instanceType": "m5.xlarge", "availabilityZone": "us-east-1c", "count": 333}
        ],
        "taskDefinitions": [{"family": "app", "containerDefinitions": [{"name": "app", "image": "app:1",
            "cpu": 256, "memory": 512, "essential": true, "portMappings": [{"containerPort": 8080}]}]}],
        "services": services
    })
}

/// Plays at 60× for `warm_up` seconds, then times 5 s of animation frames: their count,
/// mean, p95 and longest interval, and how far the clock moved.
async fn play_and_time_frames(browser: &Browser, warm_up: u64) -> Value {
    browser.select("#speed", "60").await;
    browser.click("#play").await;
    tokio::time::sleep(Duration::from_secs(warm_up)).await;
    browser
        .client
        .execute_async(
            "const done = arguments[0]; const t = [];
             const c0 = document.getElementById('clock').textContent;
             function f(now) { t.push(now); if (now - t[0] < 5000) { requestAnimationFrame(f); } else {
               const d = []; for (let i = 1; i < t.length; i++) d.push(t[i] - t[i - 1]);
               d.sort((a, b) => a - b);
               done({frames: d.length, meanMs: (t[t.length - 1] - t[0]) / d.length,
                     p95Ms: d[Math.floor(d.length * 0.95)], maxMs: d[d.length - 1],
                     clockFrom: c0, clockTo: document.getElementById('clock').textContent,
                     running: document.getElementById('running-count').textContent});
             } }
             requestAnimationFrame(f);",
            vec![],
        )
        .await
        .expect("frame times")
}

#[tokio::main]
async fn main() {
    let browser = Browser::start().await;
    let mut loads = Vec::new();
    for _ in 0..5 {
        loads.push(first_render_ms(&browser, &browser.base_url).await);
    }
    println!("{{\"firstRenderMs\": {loads:?}, \"note\": \"the first load has no service worker yet; the rest are served by it\"}}");

    // The example scenario (six instances, 10 minutes) first: the frame pacing of headless
    // Chromium itself while the clock runs, to read the large cluster's figures against.
    browser.client.goto(&browser.base_url).await.expect("open");
    browser.wait_for("tr.service", 30).await;
    let small = play_and_time_frames(&browser, 2).await;
    println!("{{\"example\": {{\"frames\": {small}}}}}");

    let fragment = ecs_engine::share::encode(&big_cluster());
    let url = format!("{}#{}", browser.base_url, fragment);
    let big_first = first_render_ms(&browser, &url).await;
    browser.wait_for("tr.service[data-service=svc9]", 120).await;
    let frames = play_and_time_frames(&browser, 15).await;
    println!("{{\"bigCluster\": {{\"firstRenderMs\": {big_first:.0}, \"frames\": {frames}}}}}");
    browser.close().await;
}
