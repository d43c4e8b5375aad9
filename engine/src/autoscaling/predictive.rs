//! Predictive scaling: PutScalingPolicy with `PolicyType: PredictiveScaling` and its
//! `PredictiveScalingPolicyConfiguration` (Application Auto Scaling, ECS services only).
//!
//! What AWS documents, and the playground follows:
//! - One metric specification: a `TargetValue` with a predefined metric pair, or a
//!   predefined scaling metric and a predefined load metric ("we currently only support a
//!   single metric specification"). The nine ECS names are `ECSService{,Average,Total}`
//!   `{CPU,Memory}Utilization`, `ALBRequestCount`, `ALBRequestCountPerTarget` and
//!   `TotalALBRequestCount`; the ALB ones need a `ResourceLabel`.
//! - `Mode` defaults to `ForecastOnly` (forecasts, no scaling); `SchedulingBufferTime`
//!   (0 to 3600 s, default 300) launches tasks that long before the hour;
//!   `MaxCapacityBreachBehavior` defaults to `HonorMaxCapacity`; `MaxCapacityBuffer` (0 to
//!   100 %) is required with `IncreaseMaxCapacity` and refused otherwise.
//! - A forecast needs 24 hours of metric data, uses up to 14 days of it, covers the next 48
//!   hours hour by hour, and is made again every 6 hours.
//! - The capacity of an hour is the load the hour is forecast to bring divided by the
//!   target: "sum of (actualServiceUnits*scalingMetricValue)/(targetUtilization)".
//! - Predictive scaling only scales out: "By itself, predictive scaling doesn't scale-in
//!   your tasks". With other policies "the desired number of tasks is set to the maximum of
//!   those", so target tracking or step scaling cannot take the service below the hour's
//!   forecast while it holds.
//! - Deleting the service restarts the data: "wait 24 hours ... when you delete an Amazon
//!   ECS service and create a new one". A deleted service's policy records, forecasts and
//!   raises nothing more.
//! - `IncreaseMaxCapacity` raises the scalable target's MaxCapacity to the forecast plus the
//!   buffer ("if the forecast capacity is 50, and the maximum capacity is 40, then the
//!   effective maximum capacity is 55"), and it "does not automatically decrease back".
//!
//! Where AWS is silent (the playground's choices, each tested):
//! - [unconfirmed] The forecasting model ("machine learning" in AWS's words): the load of an
//!   hour is forecast as the mean of the loads observed at the same hour of the day on up to
//!   the 14 previous days; the capacity forecast is that load over the target, rounded up
//!   when it is applied.
//! - [unconfirmed] The load metric a minute: CPU or memory utilization times the running
//!   tasks (the service's total utilization, in percent of one task), or the target group's
//!   requests; its hourly value is the mean over the hour's minutes (a Sum over the hour for
//!   requests, as `GetPredictiveScalingForecast` shows it).
//! - [unconfirmed] Forecasts are made at the run's 6-hour marks (00:00, 06:00, ...) once 24
//!   hours of data exist; the hour's capacity applies from `SchedulingBufferTime` before it
//!   (at the minute the playground's scaling runs) to the same time before the next hour,
//!   and it is the floor of that span.
//! - [unconfirmed] `IncreaseMaxCapacity` raises MaxCapacity to `ceil(forecast × (1 +
//!   buffer / 100))` whenever that is above it (the buffer is how near the forecast may
//!   "approach" the maximum).
//! - [unconfirmed] `DynamicScalingOutSuspended` also stops predictive scale-out.
//! - A forecast above the tasks-per-service quota sets the desired count to the quota, as
//!   every policy does, once: the hours after change nothing and record no activity.
//! - [unconfirmed] The activity's cause: "predictive scaling policy P forecast N tasks for
//!   the hour from T changing the desired capacity from A to B." (no public example).
//! - Customized metric specifications are refused as not simulated.

use serde_json::{json, Value};

use super::PolicyKind;
use crate::cloudwatch::{MetricId, Statistic};
use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::time::SimTime;

/// Hours of data needed before a first forecast.
pub const MIN_HISTORY_HOURS: usize = 24;
/// Days of history a forecast looks at.
pub const MAX_HISTORY_DAYS: usize = 14;
/// Hours a forecast covers.
pub const FORECAST_HOURS: usize = 48;
/// Hours between forecasts.
pub const REFRESH_HOURS: u64 = 6;
/// `SchedulingBufferTime` when none is given, in seconds.
pub const DEFAULT_SCHEDULING_BUFFER_S: u64 = 300;

/// What the load and scaling metrics measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// `ECSService*CPUUtilization`.
    Cpu,
    /// `ECSService*MemoryUtilization`.
    Memory,
    /// `ALBRequestCount`, `ALBRequestCountPerTarget`, `TotalALBRequestCount`.
    AlbRequests,
}

impl Measure {
    /// The measure of a predefined metric type, if it is one of the nine ECS names.
    fn of(metric_type: &str) -> Option<Measure> {
        Some(match metric_type {
            "ECSServiceCPUUtilization"
            | "ECSServiceAverageCPUUtilization"
            | "ECSServiceTotalCPUUtilization" => Measure::Cpu,
            "ECSServiceMemoryUtilization"
            | "ECSServiceAverageMemoryUtilization"
            | "ECSServiceTotalMemoryUtilization" => Measure::Memory,
            "ALBRequestCount" | "ALBRequestCountPerTarget" | "TotalALBRequestCount" => {
                Measure::AlbRequests
            }
            _ => return None,
        })
    }

    /// The load metric's name, as the playground reads it.
    pub fn load_metric(self) -> &'static str {
        match self {
            Measure::Cpu => "ECSServiceTotalCPUUtilization",
            Measure::Memory => "ECSServiceTotalMemoryUtilization",
            Measure::AlbRequests => "TotalALBRequestCount",
        }
    }
}

/// `Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `ForecastOnly` (the default): forecasts, no scaling.
    ForecastOnly,
    /// `ForecastAndScale`.
    ForecastAndScale,
}

impl Mode {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ForecastOnly => "ForecastOnly",
            Mode::ForecastAndScale => "ForecastAndScale",
        }
    }
}

/// A `PredictiveScalingPolicyConfiguration`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveScaling {
    /// `MetricSpecifications[0].TargetValue`: the scaling metric's target per task.
    pub target_value: f64,
    /// What the metrics measure.
    pub measure: Measure,
    /// The ALB metrics' `ResourceLabel`.
    pub resource_label: Option<String>,
    /// `Mode`.
    pub mode: Mode,
    /// `SchedulingBufferTime` in seconds.
    pub scheduling_buffer_s: u64,
    /// `MaxCapacityBuffer` when `MaxCapacityBreachBehavior` is `IncreaseMaxCapacity`.
    pub max_capacity_buffer: Option<u32>,
    /// `MetricSpecifications[0]` as given (`LoadForecast.MetricSpecification` echoes it).
    pub metric_specification: Value,
}

impl PredictiveScaling {
    /// Parses and checks a `PredictiveScalingPolicyConfiguration` (`path` names it).
    pub fn parse(v: &Value, path: &str) -> Result<PredictiveScaling, String> {
        let specs = v
            .get("MetricSpecifications")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                format!("{path}.MetricSpecifications: required, a list of one metric specification")
            })?;
        if specs.len() != 1 {
            return Err(format!(
                "{path}.MetricSpecifications: {} given; Application Auto Scaling supports a single metric specification (\"we currently only support a single metric specification\")",
                specs.len()
            ));
        }
        let spec_path = format!("{path}.MetricSpecifications[0]");
        let spec = &specs[0];
        let target_value = spec
            .get("TargetValue")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t > 0.0)
            .ok_or_else(|| format!("{spec_path}.TargetValue: required, a number above 0"))?;
        for key in [
            "CustomizedScalingMetricSpecification",
            "CustomizedLoadMetricSpecification",
            "CustomizedCapacityMetricSpecification",
        ] {
            if spec.get(key).is_some_and(|c| !c.is_null()) {
                return Err(format!("{spec_path}.{key}: customized metrics are not simulated; use PredefinedMetricPairSpecification, or PredefinedScalingMetricSpecification with PredefinedLoadMetricSpecification"));
            }
        }
        let given = |key: &str| spec.get(key).filter(|x| !x.is_null());
        let (measure, resource_label) = match (
            given("PredefinedMetricPairSpecification"),
            given("PredefinedScalingMetricSpecification"),
            given("PredefinedLoadMetricSpecification"),
        ) {
            (Some(pair), None, None) => predefined(
                pair,
                &format!("{spec_path}.PredefinedMetricPairSpecification"),
            )?,
            (None, Some(scaling), Some(load)) => {
                let scaling = predefined(
                    scaling,
                    &format!("{spec_path}.PredefinedScalingMetricSpecification"),
                )?;
                let load_path = format!("{spec_path}.PredefinedLoadMetricSpecification");
                let load = predefined(load, &load_path)?;
                if scaling.0 != load.0 {
                    return Err(format!("{load_path}.PredefinedMetricType: the load metric must measure what the scaling metric measures (CPU, memory or ALB requests), so that the tasks needed are the load over the target"));
                }
                if load.1 != scaling.1 {
                    return Err(format!(
                        "{load_path}.ResourceLabel: must name the scaling metric's target group"
                    ));
                }
                load
            }
            (Some(_), _, _) => {
                return Err(format!("{spec_path}: give a metric pair, or a load metric and a scaling metric individually, not both"));
            }
            _ => {
                return Err(format!("{spec_path}: give PredefinedMetricPairSpecification, or PredefinedScalingMetricSpecification with PredefinedLoadMetricSpecification"));
            }
        };
        let mode = match enum_member(v, "Mode", path)? {
            None | Some("ForecastOnly") => Mode::ForecastOnly,
            Some("ForecastAndScale") => Mode::ForecastAndScale,
            Some(other) => {
                return Err(format!(
                    "{path}.Mode: \"{other}\" is not ForecastOnly or ForecastAndScale"
                ))
            }
        };
        let scheduling_buffer_s = match v.get("SchedulingBufferTime").filter(|x| !x.is_null()) {
            None => DEFAULT_SCHEDULING_BUFFER_S,
            Some(b) => b.as_u64().filter(|b| *b <= 3600).ok_or_else(|| {
                format!(
                    "{path}.SchedulingBufferTime: must be a whole number of seconds from 0 to 3600"
                )
            })?,
        };
        let buffer = v.get("MaxCapacityBuffer").filter(|x| !x.is_null());
        let max_capacity_buffer = match enum_member(v, "MaxCapacityBreachBehavior", path)? {
            None | Some("HonorMaxCapacity") => {
                if buffer.is_some() {
                    return Err(format!("{path}.MaxCapacityBuffer: can only be used when MaxCapacityBreachBehavior is IncreaseMaxCapacity"));
                }
                None
            }
            Some("IncreaseMaxCapacity") => Some(
                buffer
                    .ok_or_else(|| format!("{path}.MaxCapacityBuffer: required when MaxCapacityBreachBehavior is IncreaseMaxCapacity"))?
                    .as_u64()
                    .filter(|b| *b <= 100)
                    .ok_or_else(|| format!("{path}.MaxCapacityBuffer: must be a whole percentage from 0 to 100"))? as u32,
            ),
            Some(other) => {
                return Err(format!("{path}.MaxCapacityBreachBehavior: \"{other}\" is not HonorMaxCapacity or IncreaseMaxCapacity"))
            }
        };
        Ok(PredictiveScaling {
            target_value,
            measure,
            resource_label,
            mode,
            scheduling_buffer_s,
            max_capacity_buffer,
            metric_specification: spec.clone(),
        })
    }

    /// The tasks a load of `load` (per minute) needs, unrounded.
    pub fn capacity_for(&self, load: f64) -> f64 {
        load / self.target_value
    }
}

/// The string of enum member `key` of `v`, if given (null is not given); another JSON type
/// is refused rather than taken for the default.
fn enum_member<'a>(v: &'a Value, key: &str, path: &str) -> Result<Option<&'a str>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{path}.{key}: must be a string, not {other}")),
    }
}

/// A predefined metric specification (`path` names it): what it measures and its
/// `ResourceLabel`.
fn predefined(v: &Value, path: &str) -> Result<(Measure, Option<String>), String> {
    let metric_type = v
        .get("PredefinedMetricType")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{path}.PredefinedMetricType: required"))?;
    let measure = Measure::of(metric_type).ok_or_else(|| {
        format!("{path}.PredefinedMetricType: \"{metric_type}\" is not a predictive scaling metric of the ecs namespace (ECSServiceCPUUtilization, ECSServiceMemoryUtilization, ALBRequestCount, their Average and Total forms, ALBRequestCountPerTarget or TotalALBRequestCount)")
    })?;
    let label = v
        .get("ResourceLabel")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty());
    if measure == Measure::AlbRequests && !label.is_some_and(|l| l.contains("/targetgroup/")) {
        return Err(format!("{path}.ResourceLabel: required for {metric_type}, as app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>"));
    }
    Ok((
        measure,
        label
            .filter(|_| measure == Measure::AlbRequests)
            .map(str::to_string),
    ))
}

/// One forecast: the next [`FORECAST_HOURS`] hours from `start_hour` (hours of the run).
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// When it was made (hour of the run; forecasts are made on the hour).
    pub made_at_hour: u64,
    /// The first hour it covers.
    pub start_hour: u64,
    /// The load of each hour: the mean per minute.
    pub load: Vec<f64>,
    /// The tasks each hour needs, unrounded (`CapacityForecast.Values`).
    pub capacity: Vec<f64>,
}

impl Forecast {
    /// The capacity forecast for hour `hour` of the run, if the forecast covers it.
    pub fn capacity_at(&self, hour: u64) -> Option<f64> {
        let i = hour.checked_sub(self.start_hour)? as usize;
        self.capacity.get(i).copied()
    }
}

/// What a predictive policy keeps as the run goes: the hourly loads seen, the latest
/// forecast, and the hour whose capacity it last applied.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictiveState {
    /// The load of each full hour of the run so far (mean per minute).
    pub hourly_load: Vec<f64>,
    /// The current hour's minutes so far: their load's sum and count.
    pub minutes: (f64, u32),
    /// The latest forecast.
    pub forecast: Option<Forecast>,
    /// The hour whose capacity was last applied (scaled to, or held as the floor).
    pub applied_hour: Option<u64>,
}

impl PredictiveState {
    /// Adds one minute's load; `hour_done` closes the hour.
    pub fn record_minute(&mut self, load: f64, hour_done: bool) {
        self.minutes.0 += load;
        self.minutes.1 += 1;
        if hour_done {
            let (sum, n) = std::mem::take(&mut self.minutes);
            self.hourly_load
                .push(if n > 0 { sum / f64::from(n) } else { 0.0 });
        }
    }

    /// The forecast made at hour `now_hour` from the hours seen, or `None` before
    /// [`MIN_HISTORY_HOURS`] of them.
    pub fn forecast(&self, now_hour: u64, policy: &PredictiveScaling) -> Option<Forecast> {
        let seen = self.hourly_load.len();
        if seen < MIN_HISTORY_HOURS {
            return None;
        }
        let oldest = seen.saturating_sub(MAX_HISTORY_DAYS * 24);
        let load: Vec<f64> = (0..FORECAST_HOURS)
            .map(|h| {
                let hour = now_hour as usize + h;
                let same_hour: Vec<f64> = (1..=hour / 24)
                    .map(|days| hour - 24 * days)
                    .filter(|&past| past < seen && past >= oldest)
                    .map(|past| self.hourly_load[past])
                    .collect();
                if same_hour.is_empty() {
                    0.0
                } else {
                    same_hour.iter().sum::<f64>() / same_hour.len() as f64
                }
            })
            .collect();
        let capacity = load.iter().map(|&l| policy.capacity_for(l)).collect();
        Some(Forecast {
            made_at_hour: now_hour,
            start_hour: now_hour,
            load,
            capacity,
        })
    }
}

/// A forecast capacity as the tasks to run: rounded up, ignoring the float noise of a
/// division that should be whole.
pub fn tasks_for(capacity: f64) -> u32 {
    let rounded = (capacity * 1e6).round() / 1e6;
    rounded.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

impl Simulation {
    /// Checks a predictive policy's ALB `ResourceLabel` against the scenario: it must name an
    /// Application Load Balancer's target group.
    pub(crate) fn predictive_metric_check(&self, ps: &PredictiveScaling) -> Result<(), String> {
        let Some(label) = &ps.resource_label else {
            return Ok(());
        };
        let at = "PredictiveScalingPolicyConfiguration.MetricSpecifications[0]";
        let g = self.lb.find_target_group(label).ok_or_else(|| {
            format!("{at}: ResourceLabel {label} matches no target group in the scenario")
        })?;
        let balancer = self.lb.load_balancer_of(g);
        if balancer.network {
            return Err(format!("{at}: ResourceLabel {label}: ALB request metrics count an Application Load Balancer's requests; target group {} is behind Network Load Balancer {} (8.6)", self.lb.target_groups[g].name, balancer.name));
        }
        Ok(())
    }

    /// Service `s`'s load in minute `minute` as policy `ps` measures it: its total CPU or
    /// memory utilization (percent of one task, summed over the running tasks), or its target
    /// group's requests.
    fn predictive_load(&self, s: usize, ps: &PredictiveScaling, minute: u64) -> f64 {
        let svc = &self.services[s];
        let dims = [
            ("ClusterName", svc.cluster.as_str()),
            ("ServiceName", svc.name.as_str()),
        ];
        let average = |namespace: &str, name: &str, dims: &[(&str, &str)]| {
            self.metrics
                .get(&MetricId::new(namespace, name, dims), minute)
                .map_or(0.0, |d| Statistic::Average.of(d))
        };
        let utilization = match ps.measure {
            Measure::Cpu => "CPUUtilization",
            Measure::Memory => "MemoryUtilization",
            Measure::AlbRequests => {
                let Some(g) = ps
                    .resource_label
                    .as_deref()
                    .and_then(|l| self.lb.find_target_group(l))
                else {
                    return 0.0;
                };
                let tg = self.lb.dimension(g);
                let lb = self.lb.load_balancer_of(g).dimension.clone();
                return self
                    .metrics
                    .get(
                        &MetricId::new(
                            "AWS/ApplicationELB",
                            "RequestCount",
                            &[("TargetGroup", &tg), ("LoadBalancer", &lb)],
                        ),
                        minute,
                    )
                    .map_or(0.0, |d| Statistic::Sum.of(d));
            }
        };
        average("AWS/ECS", utilization, &dims)
            * average("ECS/ContainerInsights", "RunningTaskCount", &dims)
    }

    /// Runs every predictive policy at the end of minute `end − 1` (the run's minute `end`
    /// has just begun): records the minute's load, makes a forecast on the run's 6-hour marks,
    /// and in `ForecastAndScale` mode scales out to the capacity of the hour that starts
    /// within `SchedulingBufferTime`.
    pub(crate) fn predictive_scaling(&mut self, end: u64) {
        if end == 0 {
            return;
        }
        let hour_done = end.is_multiple_of(60);
        let hour = end / 60;
        for p in 0..self.scaling.policies.len() {
            let PolicyKind::Predictive(ps) = &self.scaling.policies[p].kind else {
                continue;
            };
            let ps = ps.clone();
            let t = self.scaling.policies[p].target;
            let s = self.scaling.targets[t].service;
            // A deleted service is no longer scaled (4.2): its policy records, forecasts and
            // raises nothing more (a new service "needs to provide at least 24 hours of data").
            if self.services[s].status != crate::service::ServiceStatus::Active {
                continue;
            }
            let load = self.predictive_load(s, &ps, end - 1);
            let Some(state) = self.scaling.policies[p].predictive.as_mut() else {
                continue;
            };
            state.record_minute(load, hour_done);
            if hour_done && hour.is_multiple_of(REFRESH_HOURS) {
                if let Some(forecast) = state.forecast(hour, &ps) {
                    let (low, high) = forecast
                        .capacity
                        .iter()
                        .fold((f64::MAX, 0.0_f64), |(lo, hi), &c| (lo.min(c), hi.max(c)));
                    state.forecast = Some(forecast);
                    let name = self.scaling.policies[p].name.clone();
                    let service = self.services[s].name.clone();
                    let scaling = match ps.mode {
                        Mode::ForecastOnly => "ForecastOnly: it does not scale",
                        Mode::ForecastAndScale => "ForecastAndScale",
                    };
                    self.log
                        .push(
                            self.now(),
                            EventKind::Scaling,
                            format!(
                                "predictive scaling policy {name} forecast the next {FORECAST_HOURS} hours from {} of {}: {} to {} tasks an hour ({scaling})",
                                hour_label(hour),
                                ps.measure.load_metric(),
                                tasks_for(low),
                                tasks_for(high)
                            ),
                        )
                        .service(&service);
                }
            }
            self.record_forecast_series(p, s, hour);
            if ps.mode == Mode::ForecastAndScale {
                self.apply_forecast(p, t, &ps, end);
            }
        }
    }

    /// The chart series `service/<name>/forecast/<policy>`: the capacity forecast for the
    /// current hour, from the first forecast on.
    fn record_forecast_series(&mut self, p: usize, s: usize, hour: u64) {
        let policy = &self.scaling.policies[p];
        let Some(capacity) = policy
            .predictive
            .as_ref()
            .and_then(|st| st.forecast.as_ref())
            .and_then(|f| f.capacity_at(hour))
        else {
            return;
        };
        let key = format!("service/{}/forecast/{}", self.services[s].name, policy.name);
        self.series.record(&key, (capacity * 100.0).round() / 100.0);
    }

    /// Scales target `t` out to the capacity policy `p` forecasts for the hour starting
    /// within its `SchedulingBufferTime` of minute `end`, once per hour, raising MaxCapacity
    /// first with `IncreaseMaxCapacity`.
    fn apply_forecast(&mut self, p: usize, t: usize, ps: &PredictiveScaling, end: u64) {
        let hour = (end * 60 + ps.scheduling_buffer_s) / 3600;
        let Some(state) = self.scaling.policies[p].predictive.as_mut() else {
            return;
        };
        let Some(capacity) = state.forecast.as_ref().and_then(|f| f.capacity_at(hour)) else {
            return;
        };
        if state.applied_hour == Some(hour) {
            return;
        }
        state.applied_hour = Some(hour);
        let name = self.scaling.policies[p].name.clone();
        let tasks = tasks_for(capacity);
        if let Some(buffer) = ps.max_capacity_buffer {
            let raised = tasks_for(capacity * (1.0 + f64::from(buffer) / 100.0));
            let max = self.scaling.targets[t].max;
            if raised > max {
                self.scaling.targets[t].max = raised;
                let service = self.services[self.scaling.targets[t].service].name.clone();
                self.log
                    .push(
                        self.now(),
                        EventKind::Scaling,
                        format!("predictive scaling policy {name} raised MaxCapacity from {max} to {raised}: the forecast of {tasks} tasks plus its MaxCapacityBuffer of {buffer} % (IncreaseMaxCapacity; it stays raised)"),
                    )
                    .service(&service);
            }
        }
        let target = &self.scaling.targets[t];
        if target.suspended.scale_out {
            return;
        }
        let desired = self.services[target.service].desired_count;
        // Above the tasks-per-service quota the desired count stops at the quota: once there,
        // the hours after change nothing (and record no activity).
        let new = tasks
            .clamp(target.min, target.max)
            .min(self.tasks_quota(target.service));
        if new <= desired {
            return;
        }
        self.set_desired(
            t,
            new,
            format!(
                "predictive scaling policy {name} forecast {tasks} tasks for the hour from {} changing the desired capacity from {desired} to {new}.",
                self.timestamp(SimTime(hour * 3_600_000))
            ),
        );
    }

    /// The fewest tasks the `ForecastAndScale` policies of target `t` hold it at now: the
    /// largest of the capacities they applied for the current hour, within the target's
    /// bounds (0 without one).
    pub(crate) fn predictive_floor(&self, t: usize) -> u32 {
        let now_s = self.now().as_ms() / 1000;
        let target = &self.scaling.targets[t];
        self.scaling
            .policies
            .iter()
            .filter(|p| p.target == t)
            .filter_map(|p| {
                let PolicyKind::Predictive(ps) = &p.kind else {
                    return None;
                };
                let state = p.predictive.as_ref()?;
                let hour = (now_s + ps.scheduling_buffer_s) / 3600;
                (ps.mode == Mode::ForecastAndScale && state.applied_hour == Some(hour))
                    .then(|| state.forecast.as_ref()?.capacity_at(hour))
                    .flatten()
            })
            .map(|c| tasks_for(c).clamp(target.min, target.max))
            .max()
            .unwrap_or(0)
    }

    /// Each predictive policy as `GetPredictiveScalingForecast` would show its latest
    /// forecast (empty before the first), with the policy's name, target and mode.
    pub fn predictive_forecasts_json(&self) -> Vec<Value> {
        self.scaling
            .policies
            .iter()
            .filter_map(|p| {
                let PolicyKind::Predictive(ps) = &p.kind else {
                    return None;
                };
                let forecast = p.predictive.as_ref()?.forecast.as_ref();
                let stamps: Vec<String> = forecast
                    .map(|f| {
                        (0..f.capacity.len() as u64)
                            .map(|h| self.timestamp(SimTime((f.start_hour + h) * 3_600_000)))
                            .collect()
                    })
                    .unwrap_or_default();
                // Requests are shown as the hour's Sum, utilization as its mean.
                let per_hour = if ps.measure == Measure::AlbRequests {
                    60.0
                } else {
                    1.0
                };
                let round = |x: f64| (x * 1000.0).round() / 1000.0;
                Some(json!({
                    "PolicyName": p.name,
                    "ResourceId": self.scaling.targets[p.target].resource_id,
                    "Mode": ps.mode.as_str(),
                    "LoadForecast": forecast.map(|f| vec![json!({
                        "Timestamps": stamps,
                        "Values": f.load.iter().map(|&l| round(l * per_hour)).collect::<Vec<_>>(),
                        "MetricSpecification": ps.metric_specification,
                    })]).unwrap_or_default(),
                    "CapacityForecast": {
                        "Timestamps": stamps,
                        "Values": forecast.map(|f| f.capacity.iter().map(|&c| round(c)).collect::<Vec<_>>()).unwrap_or_default(),
                    },
                    "UpdateTime": forecast.map(|f| self.timestamp(SimTime(f.made_at_hour * 3_600_000))),
                }))
            })
            .collect()
    }

    /// Service `s`'s predictive policies, each with the capacity it forecasts for the hours
    /// from the current one (none before its first forecast).
    pub fn predictive_outlook(&self, s: usize) -> Vec<PredictiveOutlook> {
        let hour = self.now().as_ms() / 3_600_000;
        self.scaling
            .policies
            .iter()
            .filter(|p| self.scaling.targets[p.target].service == s)
            .filter_map(|p| {
                let PolicyKind::Predictive(ps) = &p.kind else {
                    return None;
                };
                let forecast = p.predictive.as_ref().and_then(|st| st.forecast.as_ref());
                let hours = forecast
                    .map(|f| {
                        (hour..f.start_hour + f.capacity.len() as u64)
                            .filter_map(|h| Some((h, f.capacity_at(h)?)))
                            .collect()
                    })
                    .unwrap_or_default();
                Some(PredictiveOutlook {
                    policy: p.name.clone(),
                    hours_seen: p.predictive.as_ref().map_or(0, |st| st.hourly_load.len()),
                    mode: ps.mode,
                    measure: ps.measure,
                    target_value: ps.target_value,
                    made_at_hour: forecast.map(|f| f.made_at_hour),
                    hours,
                })
            })
            .collect()
    }
}

/// A predictive policy as the UI shows it: what it forecasts from now on.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveOutlook {
    /// `PolicyName`.
    pub policy: String,
    /// `Mode`.
    pub mode: Mode,
    /// What it measures.
    pub measure: Measure,
    /// `TargetValue`.
    pub target_value: f64,
    /// The hour of the run its latest forecast was made, if any.
    pub made_at_hour: Option<u64>,
    /// The whole hours of load it has seen (a forecast needs [`MIN_HISTORY_HOURS`]).
    pub hours_seen: usize,
    /// (hour of the run, capacity forecast) from the current hour to the forecast's end.
    pub hours: Vec<(u64, f64)>,
}

/// Hour `hour` of the run as the clock shows it: `08:00`, `1d 06:00`.
pub fn hour_label(hour: u64) -> String {
    match hour / 24 {
        0 => format!("{:02}:00", hour % 24),
        days => format!("{days}d {:02}:00", hour % 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: Value) -> Value {
        let mut v = json!({"MetricSpecifications": [{"TargetValue": 50,
            "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}]});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    }

    #[test]
    fn defaults_follow_the_api_reference() {
        let p = PredictiveScaling::parse(&config(json!({})), "c").unwrap();
        assert_eq!(p.mode, Mode::ForecastOnly);
        assert_eq!(p.scheduling_buffer_s, 300);
        assert_eq!(p.max_capacity_buffer, None);
        assert_eq!(p.measure, Measure::Cpu);
    }

    #[test]
    fn bad_configurations_name_the_member() {
        let cases = [
            (json!({"Mode": "Both"}), "c.Mode"),
            (
                json!({"SchedulingBufferTime": 3601}),
                "c.SchedulingBufferTime",
            ),
            (
                json!({"MaxCapacityBuffer": 10}),
                "c.MaxCapacityBuffer: can only",
            ),
            (
                json!({"MaxCapacityBreachBehavior": "IncreaseMaxCapacity"}),
                "c.MaxCapacityBuffer: required",
            ),
            (
                json!({"MaxCapacityBreachBehavior": "IncreaseMaxCapacity", "MaxCapacityBuffer": 101}),
                "c.MaxCapacityBuffer: must",
            ),
            (
                json!({"MetricSpecifications": []}),
                "c.MetricSpecifications: 0 given",
            ),
            (
                json!({"MetricSpecifications": [{"TargetValue": 0, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}]}),
                "c.MetricSpecifications[0].TargetValue",
            ),
            (
                json!({"MetricSpecifications": [{"TargetValue": 5, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ASGCPUUtilization"}}]}),
                "c.MetricSpecifications[0].PredefinedMetricPairSpecification.PredefinedMetricType",
            ),
            (
                json!({"MetricSpecifications": [{"TargetValue": 5, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ALBRequestCount"}}]}),
                "c.MetricSpecifications[0].PredefinedMetricPairSpecification.ResourceLabel",
            ),
            (
                json!({"MetricSpecifications": [{"TargetValue": 5, "PredefinedScalingMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}]}),
                "c.MetricSpecifications[0]: give",
            ),
            (
                json!({"MetricSpecifications": [{"TargetValue": 5,
                "PredefinedScalingMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                "PredefinedLoadMetricSpecification": {"PredefinedMetricType": "ECSServiceTotalMemoryUtilization"}}]}),
                "c.MetricSpecifications[0].PredefinedLoadMetricSpecification.PredefinedMetricType",
            ),
            (
                json!({"MetricSpecifications": [{"TargetValue": 5, "CustomizedLoadMetricSpecification": {"MetricDataQueries": []}}]}),
                "c.MetricSpecifications[0].CustomizedLoadMetricSpecification",
            ),
        ];
        for (extra, want) in cases {
            let err = PredictiveScaling::parse(&config(extra.clone()), "c").unwrap_err();
            assert!(err.starts_with(want), "{extra}: {err}");
        }
    }

    #[test]
    fn an_enum_member_of_another_json_type_is_refused_not_defaulted() {
        // Only a string (or null, or nothing) is a Mode or a MaxCapacityBreachBehavior: a
        // number or a list is not taken for the default ForecastOnly / HonorMaxCapacity.
        for (extra, want) in [
            (json!({"Mode": 1}), "c.Mode"),
            (json!({"Mode": ["ForecastAndScale"]}), "c.Mode"),
            (
                json!({"MaxCapacityBreachBehavior": true}),
                "c.MaxCapacityBreachBehavior",
            ),
        ] {
            let err = PredictiveScaling::parse(&config(extra.clone()), "c").unwrap_err();
            assert!(err.starts_with(want), "{extra}: {err}");
        }
        let p = PredictiveScaling::parse(
            &config(json!({"Mode": null, "MaxCapacityBreachBehavior": null})),
            "c",
        )
        .unwrap();
        assert_eq!((p.mode, p.max_capacity_buffer), (Mode::ForecastOnly, None));
    }

    #[test]
    fn a_scaling_and_a_load_metric_with_a_label_parse() {
        let label = "app/web/1/targetgroup/web/2";
        let v = config(
            json!({"Mode": "ForecastAndScale", "SchedulingBufferTime": 600,
            "MaxCapacityBreachBehavior": "IncreaseMaxCapacity", "MaxCapacityBuffer": 10,
            "MetricSpecifications": [{"TargetValue": 1000,
                "PredefinedScalingMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": label},
                "PredefinedLoadMetricSpecification": {"PredefinedMetricType": "TotalALBRequestCount", "ResourceLabel": label}}]}),
        );
        let p = PredictiveScaling::parse(&v, "c").unwrap();
        assert_eq!(p.measure, Measure::AlbRequests);
        assert_eq!(p.resource_label.as_deref(), Some(label));
        assert_eq!(p.mode, Mode::ForecastAndScale);
        assert_eq!(
            (p.scheduling_buffer_s, p.max_capacity_buffer),
            (600, Some(10))
        );
    }

    #[test]
    fn no_forecast_before_24_hours_then_the_mean_of_the_same_hour() {
        let p = PredictiveScaling::parse(&config(json!({})), "c").unwrap();
        let mut state = PredictiveState::default();
        for h in 0..23u32 {
            for m in 0..60 {
                state.record_minute(f64::from(h * 10), m == 59);
            }
        }
        assert_eq!(state.forecast(23, &p), None);
        for m in 0..60 {
            state.record_minute(230.0, m == 59);
        }
        // Day 1 only: hour 24 + h is forecast as hour h; the target 50 % gives load / 50 tasks.
        let f = state.forecast(24, &p).unwrap();
        assert_eq!(f.load.len(), FORECAST_HOURS);
        assert_eq!(f.load[3], 30.0);
        assert_eq!(f.capacity_at(24 + 3), Some(0.6));
        assert_eq!(f.capacity_at(48 + 23), Some(230.0 / 50.0));
        assert_eq!(f.capacity_at(23), None);
        // A second day of twice the load: the mean of the two.
        for h in 0..24u32 {
            for m in 0..60 {
                state.record_minute(f64::from(h * 20), m == 59);
            }
        }
        let f = state.forecast(48, &p).unwrap();
        assert_eq!(f.load[3], 45.0);
        assert_eq!(tasks_for(f.capacity[3]), 1);
        assert_eq!(tasks_for(4.000_000_000_1), 4);
        assert_eq!(tasks_for(4.01), 5);
    }
}
