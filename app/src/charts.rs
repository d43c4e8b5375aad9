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

/// The word in the legend label of a predictive scaling policy's forecast line.
const FORECAST: &str = "forecast";

/// The first datapoint of a line that is drawn: a forecast line begins with the first
/// forecast (its series is zero before it), every other line at once.
pub fn first_drawn(label: &str, values: &[f64]) -> usize {
    if is_forecast(label) {
        values
            .iter()
            .position(|v| *v != 0.0)
            .unwrap_or(values.len())
    } else {
        0
    }
}

/// Whether a legend label is a forecast line's: `<service> forecast[ <policy>]` (a service
/// name has no spaces).
fn is_forecast(label: &str) -> bool {
    label.split(' ').nth(1) == Some(FORECAST)
}

/// A horizontal reference line: (legend label, value), e.g. a target-tracking target.
pub type TargetLine = (String, f64);

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
    /// Horizontal reference lines.
    pub targets: Vec<TargetLine>,
    /// Series drawn against a second y-axis on the right, with its description.
    pub secondary: Option<(&'static str, Vec<(String, String)>)>,
}

/// The charts a run has: tasks per service (desired, running, pending, and each predictive
/// scaling policy's capacity forecast), service CPU and
/// memory utilisation (with the target-tracking targets on each), per target group requests
/// (in all and per target), ELB 5xx, response time and healthy hosts (new flows and target
/// resets for a Network Load Balancer's group, flagged true), per SQS queue the
/// messages waiting, in flight, sent and deleted, the cost, and for Auto Scaling group
/// capacity providers (name and targetCapacity) the reservation against its target with the
/// group's instances, and for clusters whose reservation an alarm watches (classic cluster
/// scaling) their CPU and memory reservation with the alarms' thresholds.
pub fn specs(
    series: &TimeSeries,
    (services, target_groups, queues): (&[String], &[(String, &'static str)], &[String]),
    (cpu_targets, memory_targets): (&[TargetLine], &[TargetLine]),
    providers: &[(String, Option<u32>)],
    reservation_alarms: &[(String, TargetLine)],
) -> Vec<ChartSpec> {
    let mut out = Vec::new();
    let mut tasks = Vec::new();
    for s in services {
        tasks.push((format!("{s} desired"), format!("service/{s}/desiredCount")));
        tasks.push((format!("{s} running"), format!("service/{s}/runningCount")));
        tasks.push((format!("{s} pending"), format!("service/{s}/pendingCount")));
        // A predictive scaling policy's capacity forecast for each hour.
        let prefix = format!("service/{s}/forecast/");
        let forecasts: Vec<&String> = series
            .series
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .collect();
        for key in &forecasts {
            let label = match forecasts.len() {
                1 => format!("{s} {FORECAST}"),
                _ => format!("{s} {FORECAST} {}", &key[prefix.len()..]),
            };
            tasks.push((label, key.to_string()));
        }
    }
    out.push(ChartSpec {
        id: "chart-tasks".into(),
        title: "Tasks: desired, running and pending".into(),
        unit: "tasks",
        lines: tasks,
        targets: Vec::new(),
        secondary: None,
    });
    for (id, metric, targets) in [
        ("chart-cpu", "CPUUtilization", cpu_targets),
        ("chart-memory", "MemoryUtilization", memory_targets),
    ] {
        let lines: Vec<(String, String)> = services
            .iter()
            .map(|s| (s.clone(), format!("service/{s}/{metric}")))
            .filter(|(_, k)| series.series.contains_key(k))
            .collect();
        if !lines.is_empty() {
            out.push(ChartSpec {
                id: id.into(),
                title: format!("Service {metric}"),
                unit: "%",
                lines,
                targets: targets.to_vec(),
                secondary: None,
            });
        }
    }
    if !target_groups.is_empty() {
        let mut requests = Vec::new();
        let mut per_target = Vec::new();
        let mut latency = Vec::new();
        let mut healthy = Vec::new();
        for (g, kind) in target_groups {
            if *kind == "NLB" {
                // AWS/NetworkELB: flows and resets, no requests, times or HTTP codes (8.6).
                requests.push((
                    format!("{g} new flows"),
                    format!("targetGroup/{g}/NewFlowCount"),
                ));
                requests.push((
                    format!("{g} target resets"),
                    format!("targetGroup/{g}/TCP_Target_Reset_Count"),
                ));
            } else {
                per_target.push((
                    format!("{g} per target"),
                    format!("targetGroup/{g}/RequestCountPerTarget"),
                ));
                latency.push((
                    format!("{g} response time"),
                    format!("targetGroup/{g}/TargetResponseTime"),
                ));
                requests.push((
                    format!("{g} requests"),
                    format!("targetGroup/{g}/RequestCount"),
                ));
                requests.push((
                    format!("{g} ELB 5xx"),
                    format!("targetGroup/{g}/HTTPCode_ELB_5XX_Count"),
                ));
            }
            healthy.push((
                format!("{g} healthy"),
                format!("targetGroup/{g}/HealthyHostCount"),
            ));
            healthy.push((
                format!("{g} unhealthy"),
                format!("targetGroup/{g}/UnHealthyHostCount"),
            ));
        }
        let any_network = target_groups.iter().any(|(_, k)| *k == "NLB");
        // "ALB requests", "CLB requests", "ALB and CLB requests", with NLB flows after.
        let mut http: Vec<&str> = target_groups
            .iter()
            .map(|(_, k)| *k)
            .filter(|k| *k != "NLB")
            .collect();
        http.sort_unstable();
        http.dedup();
        let title = match (any_network, http.is_empty()) {
            (_, true) => "NLB new flows and target resets a minute".to_string(),
            (false, false) => format!(
                "{} requests a minute (left), per target (right)",
                http.join(" and ")
            ),
            (true, false) => format!(
                "{} requests and NLB new flows a minute (left), per target (right)",
                http.join(" and ")
            ),
        };
        out.push(ChartSpec {
            id: "chart-requests".into(),
            title,
            unit: if any_network {
                "requests, flows"
            } else {
                "requests"
            },
            lines: requests,
            targets: Vec::new(),
            secondary: (!per_target.is_empty()).then_some(("per target", per_target)),
        });
        if !latency.is_empty() {
            out.push(ChartSpec {
                id: "chart-latency".into(),
                title: "TargetResponseTime (average, seconds)".into(),
                unit: "seconds",
                lines: latency,
                targets: Vec::new(),
                secondary: None,
            });
        }
        out.push(ChartSpec {
            id: "chart-healthy".into(),
            title: "Targets: HealthyHostCount".into(),
            unit: "targets",
            lines: healthy,
            targets: Vec::new(),
            secondary: None,
        });
    }
    let mut watched: Vec<&str> = reservation_alarms.iter().map(|(c, _)| c.as_str()).collect();
    watched.sort_unstable();
    watched.dedup();
    if !watched.is_empty() {
        let mut lines = Vec::new();
        for c in &watched {
            for metric in ["CPUReservation", "MemoryReservation"] {
                lines.push((format!("{c} {metric}"), format!("cluster/{c}/{metric}")));
            }
        }
        out.push(ChartSpec {
            id: "chart-reservation".into(),
            title: "Cluster CPUReservation and MemoryReservation (AWS/ECS)".into(),
            unit: "%",
            lines,
            targets: reservation_alarms.iter().map(|(_, t)| t.clone()).collect(),
            secondary: Some((
                "instances",
                watched
                    .iter()
                    .map(|c| {
                        (
                            format!("{c} instances"),
                            format!("cluster/{c}/containerInstances"),
                        )
                    })
                    .collect(),
            )),
        });
    }
    if !queues.is_empty() {
        let key = |q: &str, m: &str| format!("queue/{q}/{m}");
        let (mut held, mut flow) = (Vec::new(), Vec::new());
        for q in queues {
            held.push((
                format!("{q} visible"),
                key(q, "ApproximateNumberOfMessagesVisible"),
            ));
            held.push((
                format!("{q} in flight"),
                key(q, "ApproximateNumberOfMessagesNotVisible"),
            ));
            flow.push((format!("{q} sent"), key(q, "NumberOfMessagesSent")));
            flow.push((format!("{q} deleted"), key(q, "NumberOfMessagesDeleted")));
        }
        out.push(ChartSpec {
            id: "chart-queue".into(),
            title: "SQS messages visible and in flight (left), sent and deleted a minute (right)"
                .into(),
            unit: "messages",
            lines: held,
            targets: Vec::new(),
            secondary: Some(("a minute", flow)),
        });
    }
    let spends = |k: &str| {
        series
            .series
            .get(k)
            .is_some_and(|v| v.iter().any(|x| *x > 0.0))
    };
    if spends("cost/totalUsd") || spends("cost/ec2UsdPerHour") || spends("cost/fargateUsdPerHour") {
        let mut lines: Vec<(String, String)> = vec![
            ("EC2 $/h".into(), "cost/ec2UsdPerHour".into()),
            ("Fargate $/h".into(), "cost/fargateUsdPerHour".into()),
        ];
        if spends("cost/ebsUsdPerHour") {
            lines.push(("EBS volumes $/h".into(), "cost/ebsUsdPerHour".into()));
        }
        out.push(ChartSpec {
            id: "chart-cost".into(),
            title: "Cost: $ per hour (left), $ so far (right)".into(),
            unit: "$ per hour",
            lines,
            targets: Vec::new(),
            secondary: Some(("$ so far", vec![("total $".into(), "cost/totalUsd".into())])),
        });
    }
    if !providers.is_empty() {
        let key = |p: &str, m: &str| format!("capacityProvider/{p}/{m}");
        out.push(ChartSpec {
            id: "chart-capacity".into(),
            title: "CapacityProviderReservation % (left), instances (right)".into(),
            unit: "%",
            lines: providers
                .iter()
                .map(|(p, _)| {
                    (
                        format!("{p} reservation"),
                        key(p, "CapacityProviderReservation"),
                    )
                })
                .collect(),
            targets: providers
                .iter()
                .filter_map(|(p, t)| t.map(|t| (format!("{p} target"), f64::from(t))))
                .collect(),
            secondary: Some((
                "instances",
                providers
                    .iter()
                    .flat_map(|(p, _)| {
                        [
                            (format!("{p} instances"), key(p, "instances")),
                            (format!("{p} desired"), key(p, "desiredCapacity")),
                        ]
                    })
                    .collect(),
            )),
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
    } else if a >= 0.1 {
        format!("{v:.2}")
    } else {
        // Small dollar amounts: three decimals tell the labels apart.
        format!("{v:.3}")
    }
}

/// Draws one chart as SVG text.
pub fn draw(spec: &ChartSpec, series: &TimeSeries) -> String {
    let mut svg = String::new();
    let result = draw_into(&mut svg, spec, series);
    match result {
        // Where the plot is, for the hover readout: `data-plot="x0 x1 y0 y1 x_max width height"`.
        Ok(((x, y), x_max)) => svg.replacen(
            "<svg ",
            &format!(
                "<svg data-plot=\"{} {} {} {} {x_max} {} {}\" ",
                x.start, x.end, y.start, y.end, SIZE.0, SIZE.1
            ),
            1,
        ),
        Err(e) => format!("<p class=\"muted\">chart unavailable: {e}</p>"),
    }
}

/// The series of `lines` that the time series has, and the largest finite value among them.
fn lookup<'a>(
    lines: &'a [(String, String)],
    series: &'a TimeSeries,
) -> (Vec<(&'a str, &'a [f64])>, f64) {
    let found: Vec<(&str, &[f64])> = lines
        .iter()
        .filter_map(|(label, key)| {
            series
                .series
                .get(key)
                .map(|v| (label.as_str(), v.as_slice()))
        })
        .collect();
    let max = found
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    (found, max)
}

/// Headroom above the largest value; 1 for an empty chart.
fn top(max: f64) -> f64 {
    if max <= 0.0 {
        1.0
    } else {
        max * 1.1
    }
}

/// The plot's pixel ranges and the last minute on the x axis.
type PlotBox = ((std::ops::Range<i32>, std::ops::Range<i32>), f64);

fn draw_into(svg: &mut String, spec: &ChartSpec, series: &TimeSeries) -> Result<PlotBox, String> {
    let minutes: Vec<f64> = series
        .timestamps_ms
        .iter()
        .map(|&t| t as f64 / 60_000.0)
        .collect();
    let x_max = minutes.last().copied().unwrap_or(0.0).max(1.0);
    let (lines, y_max) = lookup(&spec.lines, series);
    let y_max = top(spec.targets.iter().map(|(_, v)| *v).fold(y_max, f64::max));
    let (right_unit, right) = match &spec.secondary {
        Some((unit, lines)) => (*unit, lookup(lines, series)),
        None => ("", (Vec::new(), 0.0)),
    };
    let (right_lines, y2_max) = (right.0, top(right.1));
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .margin(6)
        .margin_right(if spec.secondary.is_some() { 6 } else { 18 })
        .caption(&spec.title, ("sans-serif", 15))
        .x_label_area_size(30)
        .y_label_area_size(48)
        .right_y_label_area_size(if spec.secondary.is_some() { 48 } else { 0 })
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| e.to_string())?
        .set_secondary_coord(0.0..x_max, 0.0..y2_max);
    let plot = chart.plotting_area().get_pixel_range();
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
    if spec.secondary.is_some() {
        chart
            .configure_secondary_axes()
            .y_desc(right_unit)
            .y_labels(5)
            .y_label_formatter(&|v| compact(*v))
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(|e| e.to_string())?;
    }
    let mut colours = COLOURS.iter().copied().cycle();
    // Against the left axis (`draw_series`) or the right one (`draw_secondary_series`); a
    // wanted level (desired count) is dashed, what happens is solid.
    macro_rules! plot {
        ($draw:ident, $lines:expr) => {
            for (label, values) in $lines {
                let colour = colours.next().unwrap_or(BLACK);
                let points = minutes
                    .iter()
                    .copied()
                    .zip(values.iter().copied())
                    .skip(first_drawn(label, values));
                let drawn = if label.ends_with("desired") {
                    chart.$draw(DashedLineSeries::new(points, 6, 4, colour.stroke_width(2)))
                } else if is_forecast(label) {
                    chart.$draw(DashedLineSeries::new(points, 2, 3, colour.stroke_width(2)))
                } else {
                    chart.$draw(LineSeries::new(points, colour.stroke_width(2)))
                };
                drawn
                    .map_err(|e| e.to_string())?
                    .label(*label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(2))
                    });
            }
        };
    }
    plot!(draw_series, &lines);
    plot!(draw_secondary_series, &right_lines);
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
    if !lines.is_empty() || !right_lines.is_empty() {
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
    Ok((plot, x_max))
}
