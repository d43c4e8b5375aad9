//! A chart with a hover readout: moving the pointer over a chart shows the values of its
//! series at that simulated minute (a line under the chart and a cursor), and the CPU and
//! memory charts shade the minutes a scaling alarm on CPUUtilization or MemoryUtilization was
//! in ALARM (red: scale out, blue: scale in), read from the engine's `alarm/<name>/state`
//! series.

use ecs_engine::cloudwatch::Comparison;
use ecs_engine::metrics::TimeSeries;
use ecs_engine::Simulation;
use leptos::prelude::*;

/// Where the plot is in the SVG: pixel ranges, the last minute on the x axis, the SVG size
/// (the `data-plot` attribute `charts::draw` writes).
#[derive(Clone, Copy, PartialEq, Debug)]
struct PlotBox {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    x_max: f64,
    width: f64,
    height: f64,
}

impl PlotBox {
    /// Reads `data-plot="x0 x1 y0 y1 x_max width height"` from the SVG text.
    fn parse(svg: &str) -> Option<PlotBox> {
        let start = svg.find("data-plot=\"")? + "data-plot=\"".len();
        let end = start + svg[start..].find('"')?;
        let v: Vec<f64> = svg[start..end]
            .split(' ')
            .filter_map(|n| n.parse().ok())
            .collect();
        let b = match v.as_slice() {
            [x0, x1, y0, y1, x_max, width, height] => PlotBox {
                x0: *x0,
                x1: *x1,
                y0: *y0,
                y1: *y1,
                x_max: *x_max,
                width: *width,
                height: *height,
            },
            _ => return None,
        };
        (b.x1 > b.x0 && b.y1 > b.y0 && b.x_max > 0.0 && b.width > 0.0 && b.height > 0.0)
            .then_some(b)
    }

    /// The SVG x of simulated minute `m`.
    fn x_of(&self, m: f64) -> f64 {
        self.x0 + (m / self.x_max) * (self.x1 - self.x0)
    }

    /// The simulated minute at SVG x, when x is on the plot.
    fn minute_at(&self, x: f64) -> Option<f64> {
        (x >= self.x0 - 2.0 && x <= self.x1 + 2.0)
            .then(|| ((x - self.x0) / (self.x1 - self.x0) * self.x_max).clamp(0.0, self.x_max))
    }

    /// `left: …%; width: …%; top: …%; height: …%` of the SVG box for minutes `a`..`b`.
    fn style(&self, a: f64, b: f64) -> String {
        let (l, r) = (self.x_of(a), self.x_of(b));
        format!(
            "left: {:.3}%; width: {:.3}%; top: {:.3}%; height: {:.3}%",
            100.0 * l / self.width,
            100.0 * (r - l).max(0.5) / self.width,
            100.0 * self.y0 / self.height,
            100.0 * (self.y1 - self.y0) / self.height
        )
    }
}

/// The index of the datapoint nearest simulated minute `m`.
fn nearest(series: &TimeSeries, m: f64) -> Option<usize> {
    let target = (m * 60_000.0).round() as u64;
    let ts = &series.timestamps_ms;
    let i = ts.partition_point(|&t| t < target);
    match (i.checked_sub(1), ts.get(i)) {
        (Some(p), Some(&n)) if target - ts[p] <= n - target => Some(p),
        (_, Some(_)) => Some(i),
        (Some(p), None) => Some(p),
        (None, None) => None,
    }
}

/// A value as the readout shows it.
fn show(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// What chart `id` draws, at datapoint `i`: `minute 12 · web running 4 · …`.
fn readout(sim: &Simulation, id: &str, i: usize) -> String {
    let series = sim.time_series();
    let specs = crate::chart_specs(sim);
    let Some(spec) = specs.iter().find(|s| s.id == id) else {
        return String::new();
    };
    let minute = series.timestamps_ms.get(i).map_or(0, |t| t / 60_000);
    let mut parts = vec![format!("minute {minute}")];
    let secondary = spec.secondary.iter().flat_map(|(_, lines)| lines.iter());
    for (label, key) in spec.lines.iter().chain(secondary) {
        let Some(values) = series.series.get(key) else {
            continue;
        };
        if let Some(v) = values
            .get(i)
            .filter(|_| i >= crate::charts::first_drawn(label, values))
        {
            parts.push(format!("{label} {}", show(*v)));
        }
    }
    for (label, v) in &spec.targets {
        parts.push(format!("{label} {}", show(*v)));
    }
    if let Some(metric) = alarm_metric(id) {
        for (name, out) in service_alarms(sim, metric) {
            let key = ecs_engine::autoscaling::alarm_state_series(&name);
            if series.series.get(&key).and_then(|v| v.get(i)) == Some(&1.0) {
                // Target tracking's alarms have long generated names: their kind is enough.
                let short = match name.split_once("-Alarm") {
                    Some((head, tail)) if head.starts_with("TargetTracking-") => {
                        format!(
                            "TargetTracking Alarm{}",
                            tail.split('-').next().unwrap_or("")
                        )
                    }
                    _ => name.clone(),
                };
                parts.push(format!(
                    "{short} in ALARM ({})",
                    if out { "scale out" } else { "scale in" }
                ));
            }
        }
    }
    parts.join(" · ")
}

/// The AWS/ECS metric whose alarms a chart shades: CPUUtilization on the CPU chart,
/// MemoryUtilization on the memory chart.
fn alarm_metric(chart: &str) -> Option<&'static str> {
    match chart {
        "chart-cpu" => Some("CPUUtilization"),
        "chart-memory" => Some("MemoryUtilization"),
        _ => None,
    }
}

/// The scaling alarms on a service's `metric` (AWS/ECS): name, and whether it scales out (a
/// high threshold) rather than in.
fn service_alarms(sim: &Simulation, metric: &str) -> Vec<(String, bool)> {
    sim.alarms()
        .iter()
        .filter(|a| a.metric.namespace == "AWS/ECS" && a.metric.name == metric)
        .map(|a| {
            let out = matches!(
                a.comparison,
                Comparison::Greater | Comparison::GreaterOrEqual
            );
            (a.name.clone(), out)
        })
        .collect()
}

/// Minute ranges (from, to) when each alarm on `metric` was in ALARM, with its direction.
fn alarm_bands(sim: &Simulation, metric: &str) -> Vec<(f64, f64, bool, String)> {
    let series = sim.time_series();
    let mut out = Vec::new();
    for (name, scale_out) in service_alarms(sim, metric) {
        let Some(states) = series
            .series
            .get(&ecs_engine::autoscaling::alarm_state_series(&name))
        else {
            continue;
        };
        let mut start: Option<f64> = None;
        for (i, s) in states.iter().enumerate() {
            let m = series
                .timestamps_ms
                .get(i)
                .map_or(0.0, |t| *t as f64 / 60_000.0);
            match (start, *s == 1.0) {
                (None, true) => start = Some(m),
                (Some(a), false) => {
                    out.push((a, m, scale_out, name.clone()));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(a) = start {
            let last = series
                .timestamps_ms
                .last()
                .map_or(a, |t| *t as f64 / 60_000.0);
            out.push((a, last.max(a + 0.5), scale_out, name.clone()));
        }
    }
    out
}

/// A chart figure with its hover readout (and alarm shading on the CPU and memory charts).
#[component]
pub fn HoverChart(
    id: String,
    svg: String,
    sim: StoredValue<Simulation, LocalStorage>,
) -> impl IntoView {
    let plot = PlotBox::parse(&svg);
    let bands = match (plot, alarm_metric(&id)) {
        (Some(_), Some(metric)) => sim.with_value(|s| alarm_bands(s, metric)),
        _ => Vec::new(),
    };
    let (text, set_text) = signal(String::new());
    let (cursor, set_cursor) = signal(None::<String>);
    let chart = id.clone();
    let on_move = move |ev: leptos::ev::MouseEvent| {
        use wasm_bindgen::JsCast;
        let (Some(p), Some(svg)) = (
            plot,
            ev.current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|f| f.query_selector("svg").ok().flatten()),
        ) else {
            return;
        };
        let rect = svg.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let x = (f64::from(ev.client_x()) - rect.left()) * p.width / rect.width();
        let Some(m) = p.minute_at(x) else {
            return;
        };
        let found = sim.with_value(|s| {
            nearest(s.time_series(), m).map(|i| {
                let at = s.time_series().timestamps_ms[i] as f64 / 60_000.0;
                (readout(s, &chart, i), at)
            })
        });
        if let Some((line, at)) = found {
            set_text.set(line);
            set_cursor.set(Some(p.style(at, at)));
        }
    };
    let readout_id = format!("{id}-readout");
    view! {
        <figure class="chart" id=id on:mousemove=on_move on:mouseleave=move |_| set_cursor.set(None)>
            <div class="chart-box">
                <div class="chart-svg" inner_html=svg></div>
                {plot.map(|p| bands.into_iter().map(|(a, b, out, name)| {
                    let kind = if out { "out" } else { "in" };
                    view! { <div class=format!("alarm-band {kind}") data-kind=kind data-alarm=name.clone()
                        title=format!("{name} in ALARM") style=p.style((a - 0.5).max(0.0), (b - 0.5).max(a))></div> }
                }).collect_view())}
                {move || cursor.get().map(|style| view! { <div class="chart-cursor" style=style></div> })}
            </div>
            <figcaption class="chart-readout small" id=readout_id>
                {move || { let t = text.get(); if t.is_empty() { "Point at the chart to read its values at a minute.".to_string() } else { t } }}
            </figcaption>
        </figure>
    }
}
