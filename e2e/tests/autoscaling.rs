//! The closed loop in the UI: the target-tracking preset shows load balancer targets on
//! dynamic host ports turning healthy, the alarm and the scaling activity with AWS's cause
//! message, and charts of tasks, CPU, requests and healthy hosts; the ALB view reads load
//! balancer → listener → target group → `instance:hostPort` targets.

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn target_tracking_preset_scales_out_and_shows_targets_and_charts() {
    let browser = Browser::start().await;
    browser.open_preset("target-tracking-alb").await;
    // Before the load jump: two healthy targets on dynamic ports, no scaling activity.
    browser.play_until(600, "00:05:00.000", 20).await;
    let targets = browser
        .client
        .find_all(Locator::Css(
            "table[data-target-group=web] tr.target[data-state=healthy]",
        ))
        .await
        .unwrap();
    assert_eq!(targets.len(), 2);
    let first = targets[0].text().await.unwrap();
    let port: u32 = first
        .split_whitespace()
        .next()
        .and_then(|t| t.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .expect("instance:port");
    assert!(port >= 32768, "a dynamic host port: {first}");
    // Listener → target group → targets (issue 6, "ALB view").
    assert_eq!(
        browser.text("table[data-target-group=web] caption").await,
        "web-alb (ALB) → HTTP:80 → web (round_robin)"
    );
    assert!(browser
        .client
        .find(Locator::Css("li.activity"))
        .await
        .is_err());
    // G42: at 200 requests/s the requests in flight fit App Runner's MinSize of one instance.
    let (concurrent, active) = app_runner_line(&browser).await;
    assert!(concurrent < 100.0, "{concurrent} in flight");
    assert_eq!(active, 1);
    // After the alarm: desired 4, with the cause AWS writes.
    browser.play_until(600, "00:13:30.000", 30).await;
    // G42 under the saturating load: one instance per 100 requests in flight, at most 25.
    let (concurrent, active) = app_runner_line(&browser).await;
    let fits = |n: f64| ((n / 100.0).ceil() as u32).clamp(1, 25);
    assert!(
        active == fits(concurrent - 0.5) || active == fits(concurrent + 0.5),
        "{concurrent} in flight, {active} active"
    );
    let mut activities = Vec::new();
    for li in browser
        .client
        .find_all(Locator::Css("#activities li.activity"))
        .await
        .unwrap()
    {
        activities.push(li.text().await.unwrap());
    }
    let first = activities.last().expect("a scaling activity");
    assert!(first.contains("Setting desired count to 4."), "{first}");
    assert!(
        first.contains(
            "in state ALARM triggered policy cpu50 changing the desired capacity from 2 to 4."
        ),
        "{first}"
    );
    assert!(browser
        .client
        .find(Locator::Css("#alarms li.alarm[data-state=ALARM]"))
        .await
        .is_ok());
    // Later: more targets, some healthy, and charts with lines.
    browser.play_until(3600, "00:20:00.000", 30).await;
    let healthy = browser
        .client
        .find_all(Locator::Css("tr.target[data-state=healthy]"))
        .await
        .unwrap()
        .len();
    assert!(healthy >= 8, "{healthy} healthy targets");
    for chart in [
        "chart-tasks",
        "chart-cpu",
        "chart-memory",
        "chart-requests",
        "chart-latency",
        "chart-healthy",
    ] {
        let lines = browser
            .client
            .find_all(Locator::Css(&format!("#{chart} svg polyline")))
            .await
            .unwrap()
            .len();
        assert!(lines >= 1, "{chart} draws its series");
    }
    // Each healthy target's share of the requests: 11 targets, round robin, about 9 % each.
    let shares = browser
        .client
        .find_all(Locator::Css("tr.target[data-state=healthy] td.share"))
        .await
        .unwrap();
    let first_share = shares[0].text().await.unwrap();
    assert_eq!(first_share, "9 %", "round robin over 11 healthy targets");
    let cpu_chart = browser.text("#chart-cpu").await;
    assert!(
        cpu_chart.contains("web target"),
        "the CPU chart draws the target line: {cpu_chart}"
    );
    // Per service: desired, running and pending tasks.
    let tasks_chart = browser.text("#chart-tasks").await;
    assert!(tasks_chart.contains("web pending"), "{tasks_chart}");
    // ALB requests per target (RequestCountPerTarget, right axis) and response time (8.4).
    let requests_chart = browser.text("#chart-requests").await;
    assert!(
        requests_chart.contains("web per target"),
        "{requests_chart}"
    );
    let latency_chart = browser.text("#chart-latency").await;
    assert!(
        latency_chart.contains("web response time"),
        "{latency_chart}"
    );
    browser.screenshot("target-tracking-alb").await;
    browser
        .js("document.getElementById('charts').scrollIntoView()")
        .await;
    browser.screenshot("target-tracking-alb-charts").await;
    browser.close().await;
}

/// The target group's App Runner comparison (section 11, G42): requests in flight and the
/// active instances it names.
async fn app_runner_line(browser: &Browser) -> (f64, u32) {
    let text = browser
        .text("table[data-target-group=web] td.app-runner")
        .await;
    let rest = text
        .strip_prefix(
            "The same requests in flight on App Runner (MaxConcurrency 100, MinSize 1, MaxSize 25): ",
        )
        .unwrap_or_else(|| panic!("{text}"));
    let words: Vec<&str> = rest.split_whitespace().collect();
    let concurrent = words[0].parse().unwrap_or_else(|_| panic!("{text}"));
    let arrow = words.iter().position(|w| *w == "→").expect("→");
    let active = words[arrow + 1]
        .parse()
        .unwrap_or_else(|_| panic!("{text}"));
    assert!(words[arrow + 2].starts_with("active"), "{text}");
    (concurrent, active)
}

/// A Network Load Balancer (8.6): the targets table names the NLB, its TCP listener and the
/// flow hash; flows spread evenly; the charts show AWS/NetworkELB's new flows and resets and no
/// response time; App Runner's HTTP comparison is left out.
#[tokio::test(flavor = "multi_thread")]
async fn nlb_preset_shows_the_tcp_path_even_shares_and_flow_charts() {
    let browser = Browser::start().await;
    browser.open_preset("nlb-tcp-service").await;
    browser.play_until(600, "00:09:00.000", 30).await;
    let caption = browser.text("table[data-target-group=grpc] caption").await;
    assert_eq!(caption, "edge (NLB) → TCP:443 → grpc (flow hash)");
    assert_eq!(
        browser
            .count("table[data-target-group=grpc] tr.target[data-state=healthy]")
            .await,
        2
    );
    let shares = browser
        .js("return [...document.querySelectorAll('table[data-target-group=grpc] td.share')].map(e => e.textContent)")
        .await;
    assert_eq!(shares, serde_json::json!(["50 %", "50 %"]));
    assert_eq!(
        browser
            .count("table[data-target-group=grpc] td.app-runner")
            .await,
        0
    );
    let requests_chart = browser.text("#chart-requests").await;
    assert!(
        requests_chart.contains("NLB new flows and target resets")
            && requests_chart.contains("grpc new flows")
            && requests_chart.contains("grpc target resets"),
        "{requests_chart}"
    );
    assert_eq!(browser.count("#chart-latency").await, 0);
    browser.screenshot("nlb-tcp-service").await;
    browser.close().await;
}
