//! Line charts of the run's one-minute datapoints, drawn with plotters into SVG text.
//!
//! The charts only read [`ecs_engine::metrics::TimeSeries`]; a chart that cannot be drawn
//! becomes a short message instead of a panic.

use ecs_engine::metrics::TimeSeries;
use plotters::prelude::*;

/// Chart size in SVG pixels (scaled by CSS).
const SIZE: (u32, u32) = (560, 230);

/// Line colours, in series order.
const COLOURS: [RGBColor; 8] = [
    RGBColor(0x1f, 0x6f, 0xd1),
    RGBColor(0xd9, 0x5f, 0x02),
    RGBColor(0x1b, 0x9e, 0x77),
    RGBColor(0x75, 0x70, 0xb3),
    RGBColor(0xe7, 0x29, 0x8a),
    RGBColor(0x66, 0xa6, 0x1e),
    RGBColor(0xa6, 0x76, 0x1d),
    RGBColor(0x55, 0x55, 0x55),
];

/// One chart: its id, title, unit, and the series (legend label, series name) it draws.
pub struct ChartSpec {
    /// DOM id.
    pub id: String,
    /// Title above the plot.
    pub title: String,
    /// Y-axis description.
    pub unit: &'static str,
    /// (legend label, series name in the time series).
    pub lines: Vec<(String, String)>,
    /// Horizontal reference lines: (legend label, value), e.g. a target-tracking target.
    pub targets: Vec<(String, f64)>,
}

/// The charts a run has: tasks per service, service CPU, and per target group requests,
/// errors and healthy hosts.
pub fn specs(
    series: &TimeSeries,
    services: &[String],
    target_groups: &[String],
    cpu_targets: &[(String, f64)],
) -> Vec<ChartSpec> {
    let mut out = Vec::new();
    let mut tasks = Vec::new();
    for s in services {
        tasks.push((format!("{s} desired"), format!("service/{s}/desiredCount")));
        tasks.push((format!("{s} running"), format!("service/{s}/runningCount")));
    }
    out.push(ChartSpec {
        id: "chart-tasks".into(),
        title: "Tasks: desired and running".into(),
        unit: "tasks",
        lines: tasks,
        targets: Vec::new(),
    });
    let cpu: Vec<(String, String)> = services
        .iter()
        .map(|s| (s.clone(), format!("service/{s}/CPUUtilization")))
        .filter(|(_, k)| series.series.contains_key(k))
        .collect();
    if !cpu.is_empty() {
        out.push(ChartSpec {
            id: "chart-cpu".into(),
            title: "Service CPUUtilization".into(),
            unit: "%",
            lines: cpu,
            targets: cpu_targets.to_vec(),
        });
    }
    if !target_groups.is_empty() {
        let mut requests = Vec::new();
        let mut healthy = Vec::new();
        for g in target_groups {
            requests.push((
                format!("{g} requests"),
                format!("targetGroup/{g}/RequestCount"),
            ));
            requests.push((
                format!("{g} ELB 5xx"),
                format!("targetGroup/{g}/HTTPCode_ELB_5XX_Count"),
            ));
            healthy.push((
                format!("{g} healthy"),
                format!("targetGroup/{g}/HealthyHostCount"),
            ));
            healthy.push((
                format!("{g} unhealthy"),
                format!("targetGroup/{g}/UnHealthyHostCount"),
            ));
        }
        out.push(ChartSpec {
            id: "chart-requests".into(),
            title: "ALB requests per minute".into(),
            unit: "requests",
            lines: requests,
            targets: Vec::new(),
        });
        out.push(ChartSpec {
            id: "chart-healthy".into(),
            title: "Targets: HealthyHostCount".into(),
            unit: "targets",
            lines: healthy,
            targets: Vec::new(),
        });
    }
    out
}

/// An axis label: `150k`, `2.5k`, `45`, `0.12`.
fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Draws one chart as SVG text.
pub fn draw(spec: &ChartSpec, series: &TimeSeries) -> String {
    let mut svg = String::new();
    let result = draw_into(&mut svg, spec, series);
    match result {
        Ok(()) => svg,
        Err(e) => format!("<p class=\"muted\">chart unavailable: {e}</p>"),
    }
}

fn draw_into(svg: &mut String, spec: &ChartSpec, series: &TimeSeries) -> Result<(), String> {
    let minutes: Vec<f64> = series
        .timestamps_ms
        .iter()
        .map(|&t| t as f64 / 60_000.0)
        .collect();
    let x_max = minutes.last().copied().unwrap_or(0.0).max(1.0);
    let lines: Vec<(&str, &[f64])> = spec
        .lines
        .iter()
        .filter_map(|(label, key)| {
            series
                .series
                .get(key)
                .map(|v| (label.as_str(), v.as_slice()))
        })
        .collect();
    let y_max = lines
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let y_max = spec.targets.iter().map(|(_, v)| *v).fold(y_max, f64::max);
    let y_max = if y_max <= 0.0 { 1.0 } else { y_max * 1.1 };
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .margin(6)
        .margin_right(18)
        .caption(&spec.title, ("sans-serif", 15))
        .x_label_area_size(30)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("simulated minutes")
        .y_desc(spec.unit)
        // Whole minutes only: as many labels as minutes, up to 9.
        .x_labels((x_max.ceil() as usize + 1).clamp(2, 9))
        .y_labels(5)
        .x_label_formatter(&|m| format!("{m:.0}"))
        .y_label_formatter(&|v| compact(*v))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .label_style(("sans-serif", 11))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (label, values)) in lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points = minutes.iter().copied().zip(values.iter().copied());
        // A wanted level (desired count) is dashed; what happens is solid.
        let series = if label.ends_with("desired") {
            chart.draw_series(DashedLineSeries::new(points, 6, 4, colour.stroke_width(2)))
        } else {
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))
        };
        series
            .map_err(|e| e.to_string())?
            .label(*label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(2))
            });
    }
    for (label, value) in &spec.targets {
        let grey = RGBColor(0x99, 0x33, 0x33);
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, *value), (x_max, *value)],
                3,
                5,
                grey.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], grey.stroke_width(1))
            });
    }
    if !lines.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0xcc, 0xcc, 0xcc))
            .label_font(("sans-serif", 11))
            .draw()
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
