//! Predictive scaling (PutScalingPolicy `PredictiveScaling`, `crate::autoscaling::predictive`):
//! forecasts from 24 hours of data, made every 6 hours for the next 48; scale-out
//! `SchedulingBufferTime` before the hour in `ForecastAndScale` mode only; never a scale-in
//! of its own, and the hour's forecast as a floor for the other policies; MaxCapacity held or
//! raised. Built on the preset `predictive-scaling` (load from 200 to 2,400 requests/s at
//! 08:00 every day, target tracking and predictive scaling on 50 % CPU).

mod support;

use ecs_engine::sim::Simulation;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{at, sim};

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

fn preset() -> Value {
    serde_json::from_str(include_str!(
        "../../public/scenarios/predictive-scaling.json"
    ))
    .unwrap()
}

/// The preset's predictive policy configuration, to change.
fn config(v: &mut Value) -> &mut Value {
    &mut v["scalingPolicies"][1]["PredictiveScalingPolicyConfiguration"]
}

fn desired(s: &Simulation) -> u32 {
    s.services()[0].desired_count
}

/// The causes of the scaling activities a predictive policy made.
fn predictive_causes(s: &Simulation) -> Vec<(u64, String)> {
    s.scaling_activities()
        .iter()
        .filter(|a| a.cause.starts_with("predictive scaling policy"))
        .map(|a| (a.at_ms / 1000, a.cause.clone()))
        .collect()
}

fn forecast(s: &Simulation) -> Value {
    s.describe()["predictiveScalingForecasts"][0].clone()
}

#[test]
fn no_forecast_before_24_hours_of_data_then_48_hourly_values() {
    let mut s = sim(preset());
    at(&mut s, DAY - 60);
    let f = forecast(&s);
    assert_eq!(f["Mode"], "ForecastAndScale");
    assert_eq!(f["CapacityForecast"]["Values"], json!([]));
    assert_eq!(f["UpdateTime"], Value::Null);
    at(&mut s, DAY + 60);
    let f = forecast(&s);
    assert_eq!(f["UpdateTime"], "2025-01-02T00:00:00.000Z");
    let values = f["CapacityForecast"]["Values"].as_array().unwrap();
    assert_eq!(values.len(), 48);
    assert_eq!(
        f["CapacityForecast"]["Timestamps"][8],
        "2025-01-02T08:00:00.000Z"
    );
    // The capacity of an hour is its load over the target (50 % of one task).
    let load = f["LoadForecast"][0]["Values"].as_array().unwrap();
    for (l, c) in load.iter().zip(values) {
        let (l, c) = (l.as_f64().unwrap(), c.as_f64().unwrap());
        assert!((l / 50.0 - c).abs() < 0.01, "{l} {c}");
    }
    // Night hours need about one task, the peak about ten.
    assert!(values[3].as_f64().unwrap() < 1.0);
    assert!(values[10].as_f64().unwrap() > 9.0);
    // Made again every 6 hours.
    at(&mut s, DAY + 6 * HOUR + 60);
    assert_eq!(forecast(&s)["UpdateTime"], "2025-01-02T06:00:00.000Z");
}

#[test]
fn forecast_and_scale_launches_scheduling_buffer_time_before_the_hour() {
    let mut s = sim(preset());
    // Day 1: target tracking alone.
    at(&mut s, DAY);
    assert!(predictive_causes(&s).is_empty());
    at(&mut s, DAY + 7 * HOUR + 49 * 60);
    assert_eq!(desired(&s), 2);
    at(&mut s, DAY + 7 * HOUR + 51 * 60);
    assert_eq!(desired(&s), 9);
    let causes = predictive_causes(&s);
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0].0, DAY + 7 * HOUR + 50 * 60);
    assert_eq!(causes[0].1, "predictive scaling policy forecast-cpu50 forecast 9 tasks for the hour from 2025-01-02T08:00:00.000Z changing the desired capacity from 2 to 9.");
    // SchedulingBufferTime 0: on the hour.
    let mut v = preset();
    config(&mut v)["SchedulingBufferTime"] = json!(0);
    let mut s = sim(v);
    at(&mut s, DAY + 8 * HOUR + 60);
    assert_eq!(predictive_causes(&s)[0].0, DAY + 8 * HOUR);
    // Left out, it is 300 s.
    let mut v = preset();
    config(&mut v)
        .as_object_mut()
        .unwrap()
        .remove("SchedulingBufferTime");
    let mut s = sim(v);
    at(&mut s, DAY + 8 * HOUR + 60);
    assert_eq!(predictive_causes(&s)[0].0, DAY + 7 * HOUR + 55 * 60);
}

/// ELB 5xx of each day.
fn errors_by_day(s: &Simulation) -> (f64, f64) {
    let x = &s.time_series().series["targetGroup/web/HTTPCode_ELB_5XX_Count"];
    let day = x.len() / 2;
    (x[..day].iter().sum(), x[day..].iter().sum())
}

#[test]
fn forecast_only_forecasts_and_never_scales() {
    let mut v = preset();
    config(&mut v)["Mode"] = json!("ForecastOnly");
    let mut s = sim(v);
    at(&mut s, DAY + 7 * HOUR + 59 * 60);
    assert_eq!(desired(&s), 2);
    assert_eq!(
        forecast(&s)["CapacityForecast"]["Values"]
            .as_array()
            .unwrap()
            .len(),
        48
    );
    at(&mut s, 2 * DAY);
    assert!(predictive_causes(&s).is_empty());
    // Day 2 scales as day 1 did, after the load, and has 5xx again (fewer: the instances
    // have the image); with ForecastAndScale it has none.
    let (day1, day2) = errors_by_day(&s);
    assert!(day1 > 1000.0 && day2 > 500.0, "{day1} {day2}");
    let mut s = sim(preset());
    at(&mut s, 2 * DAY);
    let (day1, day2) = errors_by_day(&s);
    assert!(day1 > 1000.0 && day2 == 0.0, "{day1} {day2}");
    // The default Mode is ForecastOnly.
    let mut v = preset();
    config(&mut v).as_object_mut().unwrap().remove("Mode");
    let mut s = sim(v);
    at(&mut s, 2 * DAY);
    assert!(predictive_causes(&s).is_empty());
    assert_eq!(forecast(&s)["Mode"], "ForecastOnly");
}

#[test]
fn predictive_scaling_never_scales_in_and_holds_the_hours_forecast() {
    // Alone, the service stays at its peak after the load falls. (Without target tracking
    // day 1 ran 2 saturated tasks: the CPU load seen is 2 × 100 %, so the forecast asks for
    // 4, not the 9 the requests need.)
    let mut v = preset();
    v["scalingPolicies"].as_array_mut().unwrap().remove(0);
    let mut s = sim(v);
    at(&mut s, DAY + 12 * HOUR);
    let peak = desired(&s);
    assert_eq!(peak, 4);
    at(&mut s, 2 * DAY);
    assert_eq!(desired(&s), peak);
    // With target tracking, the evening scale-in stops at the hour's forecast (hour 18: the
    // load falls through it, 5.3 tasks: 6) until the next hour's span begins at 18:50.
    let mut s = sim(preset());
    at(&mut s, DAY + 18 * HOUR + 49 * 60);
    assert!(desired(&s) >= 6, "{}", desired(&s));
    at(&mut s, DAY + 20 * HOUR);
    assert_eq!(desired(&s), 2);
}

#[test]
fn max_capacity_is_honoured_or_raised_by_the_buffer() {
    // HonorMaxCapacity: the forecast of 9 stops at MaxCapacity 6.
    let mut v = preset();
    v["scalableTargets"][0]["MaxCapacity"] = json!(6);
    let mut s = sim(v.clone());
    at(&mut s, DAY + 7 * HOUR + 51 * 60);
    assert_eq!(desired(&s), 6);
    assert!(predictive_causes(&s)[0].1.ends_with("from 2 to 6."));
    // IncreaseMaxCapacity with a 10 % buffer: MaxCapacity becomes ceil(8.68 × 1.1) = 10 for
    // the 08:00 hour, then ceil(9.8 × 1.1) = 11; it stays raised.
    config(&mut v)["MaxCapacityBreachBehavior"] = json!("IncreaseMaxCapacity");
    config(&mut v)["MaxCapacityBuffer"] = json!(10);
    let mut s = sim(v);
    at(&mut s, DAY + 7 * HOUR + 51 * 60);
    assert_eq!(desired(&s), 9);
    assert_eq!(s.scalable_targets()[0].max, 10);
    assert!(s.log().entries().iter().any(|e| e.message
        == "predictive scaling policy forecast-cpu50 raised MaxCapacity from 6 to 10: the forecast of 9 tasks plus its MaxCapacityBuffer of 10 % (IncreaseMaxCapacity; it stays raised)"));
    at(&mut s, 2 * DAY);
    assert_eq!(s.scalable_targets()[0].max, 11);
}

#[test]
fn dynamic_scaling_out_suspended_stops_predictive_scale_out() {
    let mut v = preset();
    v["scalableTargets"][0]["SuspendedState"] = json!({"DynamicScalingOutSuspended": true});
    let mut s = sim(v);
    at(&mut s, 2 * DAY);
    assert!(predictive_causes(&s).is_empty());
    assert_eq!(desired(&s), 2);
}

#[test]
fn an_alb_request_count_pair_forecasts_requests_over_the_target() {
    // 2,400 requests/s is 144,000 a minute; at 16,000 a task a minute the peak needs 9, and
    // the 08:00 hour (a 15-minute climb, 127,500 a minute) 8.
    let mut v = preset();
    config(&mut v)["MetricSpecifications"] = json!([{"TargetValue": 16000,
        "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ALBRequestCount",
            "ResourceLabel": "app/web-alb/1/targetgroup/web/1"}}]);
    let mut s = sim(v);
    at(&mut s, DAY + 60);
    let f = forecast(&s);
    let load = f["LoadForecast"][0]["Values"].as_array().unwrap();
    let capacity = f["CapacityForecast"]["Values"].as_array().unwrap();
    // The load is the hour's Sum of requests.
    let peak = load[10].as_f64().unwrap();
    assert!((peak - 2400.0 * 3600.0).abs() < 2400.0 * 36.0, "{peak}");
    assert!((capacity[10].as_f64().unwrap() - peak / 60.0 / 16000.0).abs() < 0.01);
    assert_eq!(
        f["LoadForecast"][0]["MetricSpecification"]["PredefinedMetricPairSpecification"]
            ["PredefinedMetricType"],
        "ALBRequestCount"
    );
    at(&mut s, DAY + 7 * HOUR + 51 * 60);
    assert_eq!(desired(&s), 8);
}

#[test]
fn bad_predictive_policies_are_refused_naming_the_field() {
    // A label that names no target group: the policy is refused when the run starts, and
    // only target tracking acts.
    let mut v = preset();
    *config(&mut v) = json!({"Mode": "ForecastAndScale", "MetricSpecifications": [{"TargetValue": 50,
        "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ALBRequestCount", "ResourceLabel": "app/other/1/targetgroup/nope/1"}}]});
    let mut s = sim(v);
    assert!(s.log().entries().iter().any(|e| e.message.starts_with(
        "scalingPolicies[1].PredictiveScalingPolicyConfiguration.MetricSpecifications[0]: ResourceLabel app/other/1/targetgroup/nope/1 matches no target group"
    )));
    at(&mut s, 2 * DAY);
    assert!(predictive_causes(&s).is_empty());
    assert_eq!(s.describe()["predictiveScalingForecasts"], json!([]));
    // The configuration itself is checked when the scenario loads.
    for (config_value, want) in [
        (Value::Null, "scalingPolicies[1].PredictiveScalingPolicyConfiguration: required"),
        (
            json!({"MetricSpecifications": [{"TargetValue": 50, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}], "SchedulingBufferTime": 7200}),
            "scalingPolicies[1].PredictiveScalingPolicyConfiguration.SchedulingBufferTime: must be a whole number of seconds from 0 to 3600",
        ),
    ] {
        let mut v = preset();
        if config_value.is_null() {
            v["scalingPolicies"][1]
                .as_object_mut()
                .unwrap()
                .remove("PredictiveScalingPolicyConfiguration");
        } else {
            *config(&mut v) = config_value;
        }
        let err = ecs_engine::scenario::Scenario::from_value(v).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Desired count within bounds: whatever the mode, buffer, bounds and peak, the desired
    /// count stays within [MinCapacity, MaxCapacity] (as raised), and every predictive
    /// activity raises it.
    #[test]
    fn desired_count_stays_within_the_bounds(
        forecast_and_scale in any::<bool>(),
        buffer_s in 0u64..=3600,
        min in 1u32..4,
        extra in 0u32..10,
        increase in proptest::option::of(0u32..=100),
        peak in 300u32..4000,
    ) {
        let mut v = preset();
        v["duration"] = json!("PT34H");
        v["scalableTargets"][0]["MinCapacity"] = json!(min);
        v["services"][0]["desiredCount"] = json!(min);
        v["scalableTargets"][0]["MaxCapacity"] = json!(min + extra);
        for p in v["loadProfiles"][0]["requests"]["points"].as_array_mut().unwrap() {
            if p[1] == json!(2400) {
                p[1] = json!(peak);
            }
        }
        let c = config(&mut v);
        c["Mode"] = json!(if forecast_and_scale { "ForecastAndScale" } else { "ForecastOnly" });
        c["SchedulingBufferTime"] = json!(buffer_s);
        if let Some(b) = increase {
            c["MaxCapacityBreachBehavior"] = json!("IncreaseMaxCapacity");
            c["MaxCapacityBuffer"] = json!(b);
        }
        let mut s = sim(v);
        for minute in (0..34 * 60).step_by(7) {
            at(&mut s, minute * 60);
            let t = &s.scalable_targets()[0];
            let d = desired(&s);
            prop_assert!(d >= t.min && d <= t.max, "{d} outside {}..{}", t.min, t.max);
            if increase.is_none() {
                prop_assert_eq!(t.max, min + extra);
            }
        }
        for a in s.scaling_activities().iter().filter(|a| a.cause.starts_with("predictive")) {
            prop_assert!(forecast_and_scale);
            let (from, to) = a.cause.trim_end_matches('.').rsplit_once(" from ").unwrap().1.split_once(" to ").unwrap();
            prop_assert!(to.parse::<u32>().unwrap() > from.parse::<u32>().unwrap(), "{}", a.cause);
        }
    }
}

#[test]
fn a_forecast_above_the_tasks_per_service_quota_sets_the_quota_once() {
    // ECS-CREATE's CPU example's TargetValue 0.00000004 forecasts billions of tasks; with
    // MaxCapacity 6,000 (above the quota of 5,000 tasks per service) the desired count stops
    // at 5,000, and the hours after change nothing, so they record no activity.
    let mut v = preset();
    v["scalableTargets"][0]["MaxCapacity"] = json!(6000);
    config(&mut v)["MetricSpecifications"][0]["TargetValue"] = json!(0.00000004);
    let mut s = sim(v);
    at(&mut s, DAY + 3 * HOUR);
    assert_eq!(desired(&s), 5000);
    let activities: Vec<_> = s
        .scaling_activities()
        .iter()
        .filter(|a| a.cause.starts_with("predictive scaling policy"))
        .collect();
    assert_eq!(activities.len(), 1, "{activities:?}");
    assert_eq!(activities[0].description, "Setting desired count to 5000.");
    assert!(
        activities[0].cause.ends_with("from 2 to 5000."),
        "{}",
        activities[0].cause
    );
}

#[test]
fn a_deleted_services_policy_stops_forecasting_and_leaves_max_capacity() {
    // DeleteService at 20:00: the service is no longer scaled, so its predictive policy makes
    // no forecast (a new service needs its own 24 hours) and raises no MaxCapacity.
    let mut v = preset();
    v["scalableTargets"][0]["MaxCapacity"] = json!(6);
    config(&mut v)["MaxCapacityBreachBehavior"] = json!("IncreaseMaxCapacity");
    config(&mut v)["MaxCapacityBuffer"] = json!(10);
    v["deleteServices"] = json!([{"at": "PT20H", "service": "web", "force": true}]);
    let mut s = sim(v);
    at(&mut s, 2 * DAY);
    assert_eq!(s.scalable_targets()[0].max, 6);
    assert!(
        !s.log()
            .entries()
            .iter()
            .any(|e| e.message.starts_with("predictive scaling policy")),
        "a forecast or a raised MaxCapacity after DeleteService"
    );
    assert_eq!(forecast(&s)["CapacityForecast"]["Values"], json!([]));
}

#[test]
fn a_step_scale_in_the_forecast_holds_back_starts_no_cooldown() {
    // Predictive scaling with a step scale-in policy (-1, Cooldown 1800 s) on CPU below 70 %.
    // From 18:29 the alarm is in ALARM, but the hour-18 forecast (4.3: 5, so the 4 tasks)
    // holds the service: no activity, so no cooldown either (it delayed the step to 18:59),
    // and the step scales in as soon as the span of hour 19 (forecast below 1) begins at 18:50.
    let mut v = preset();
    v["scalingPolicies"][0] = json!({"PolicyName": "in", "ServiceNamespace": "ecs",
        "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "StepScaling", "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity",
        "Cooldown": 1800, "StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]}});
    v["alarms"] = json!([{"AlarmName": "cpu-low", "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
        "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 70,
        "ComparisonOperator": "LessThanThreshold", "AlarmActions": ["in"],
        "Dimensions": [{"Name": "ClusterName", "Value": "default"}, {"Name": "ServiceName", "Value": "web"}]}]);
    let mut s = sim(v);
    at(&mut s, DAY + 18 * HOUR + 49 * 60);
    assert_eq!(desired(&s), 4);
    at(&mut s, DAY + 18 * HOUR + 51 * 60);
    let scale_in: Vec<_> = s
        .scaling_activities()
        .iter()
        .filter(|a| a.cause.contains("triggered policy in"))
        .map(|a| (a.at_ms / 1000, a.description.clone()))
        .collect();
    assert_eq!(
        scale_in,
        [(
            DAY + 18 * HOUR + 50 * 60,
            "Setting desired count to 3.".to_string()
        )]
    );
}
