//! Predictive scaling in the browser: the preset's forecast in the scaling panel and on the
//! tasks chart, the scale-out before the second morning's peak, and a predictive policy added
//! from the Service Auto Scaling form (a refusal naming the field first).

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn the_preset_forecasts_the_peak_and_scales_out_before_it() {
    let browser = Browser::start().await;
    browser.open_preset("predictive-scaling").await;
    let forecast = browser.text("#forecasts li.forecast").await;
    assert_eq!(
        forecast,
        "forecast-cpu50 (predictive, ForecastAndScale, 50 % CPU a task): no forecast yet, it needs 24 hours of data (0 so far)"
    );
    // Day 2, 07:51: the forecast made at 06:00 asks for 9 tasks from 08:00, and the policy
    // set them at 07:50.
    browser.seek(24 * 3600 + 7 * 3600 + 51 * 60).await;
    browser.wait_for_text("#clock", "1d 07:51:00.000", 20).await;
    let forecast = browser.text("#forecasts li.forecast").await;
    assert!(
        forecast.ends_with(
            "forecast made at 1d 06:00; tasks an hour from 1d 07:00: 1 · 9 · 10 · 10 · 10 · 10"
        ),
        "{forecast}"
    );
    assert_eq!(browser.desired("web").await, 9);
    let activities = browser.text("#activities").await;
    assert!(
        activities.contains("predictive scaling policy forecast-cpu50 forecast 9 tasks for the hour from 2025-01-02T08:00:00.000Z changing the desired capacity from 2 to 9."),
        "{activities}"
    );
    // The tasks chart draws the forecast, from the first forecast on: pointing at day 1 reads
    // no forecast, at day 2 the hour's.
    let chart = browser.text("#chart-tasks").await;
    assert!(chart.contains("web forecast"), "{chart}");
    browser.scroll_to("#charts").await;
    let mut seen = Vec::new();
    for x in [-120.0, 200.0] {
        let (readout, minute) = browser.point_at_chart("chart-tasks", x).await;
        assert_eq!(
            readout.contains("web forecast"),
            minute >= 24 * 60,
            "{readout}"
        );
        seen.push(minute);
    }
    assert!(seen[0] < 24 * 60 && seen[1] >= 24 * 60, "{seen:?}");
    browser.scroll_to("#forecasts").await;
    browser.screenshot("predictive-scaling-panel").await;
    browser.scroll_to("#charts").await;
    browser.screenshot("predictive-scaling-chart").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scaling_form_adds_a_predictive_policy() {
    let browser = Browser::start().await;
    browser.open_preset("target-tracking-alb").await;
    browser.play_until(600, "00:05:00.000", 30).await;
    browser.click("#scaling-panel summary").await;
    browser.select("#scale-service", "web").await;
    // A buffer above an hour is refused, naming the field.
    browser.set_value("ps-buffer", "4000").await;
    browser.click("#add-predictive-policy").await;
    let errors = browser.text("#scaling-errors").await;
    assert!(
        errors.starts_with(
            "scalingPolicies[1].PredictiveScalingPolicyConfiguration.SchedulingBufferTime"
        ),
        "{errors}"
    );
    browser.set_value("ps-buffer", "600").await;
    browser.select("#ps-metric", "ALBRequestCount").await;
    browser.set_value("ps-target", "16000").await;
    browser.select("#ps-mode", "ForecastOnly").await;
    browser.set_value("ps-min", "2").await;
    browser.set_value("ps-max", "12").await;
    browser.click("#add-predictive-policy").await;
    browser
        .wait_for_text(
            "#scaling-done",
            "predictive scaling policy forecast on web (ForecastOnly)",
            5,
        )
        .await;
    let doc = browser.document().await;
    let policy = &doc["scalingPolicies"][1];
    assert_eq!(policy["PolicyType"], "PredictiveScaling");
    let config = &policy["PredictiveScalingPolicyConfiguration"];
    assert_eq!(config["Mode"], "ForecastOnly");
    assert_eq!(config["SchedulingBufferTime"], 600);
    assert_eq!(
        config["MetricSpecifications"][0]["PredefinedMetricPairSpecification"]
            ["PredefinedMetricType"],
        "ALBRequestCount"
    );
    let forecast = browser.text("#forecasts li.forecast").await;
    assert!(
        forecast.starts_with(
            "forecast (predictive, ForecastOnly, 16000 requests a minute a task): no forecast yet"
        ),
        "{forecast}"
    );
    browser.screenshot("predictive-scaling-form").await;
    browser.close().await;
}
