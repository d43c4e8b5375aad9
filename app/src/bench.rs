//! The wasm side of the benchmarks (`BENCHMARKS.md`), compiled only with the app's `bench`
//! feature (`make bench-wasm`), not into the playground. Opened as `index.html#bench`, it runs
//! the engine's shared workloads (`ecs_engine::workload`) and shows the results in the DOM,
//! where `e2e`'s `wasm-bench` reads them:
//!
//! - placement: each case for a fixed wall time, placements per second in `#bench-results`;
//! - closed loop: the 24-hour day of `closed_loop_day` (the native `closed_loop` bench), a
//!   warm-up run and then [`LOOP_RUNS`] timed runs per case, the median wall time in
//!   `#closed-loop-results`, which gets `data-complete="true"` once every case has run;
//! - capacity surge: the hour of `capacity_surge` (the native `capacity_surge` bench), in
//!   the same table with `data-kind="surge"`.
//!
//! Timing happens here, in the app: the engine never reads a clock.

use std::time::Duration;

use ecs_engine::workload::{capacity_surge, closed_loop_day, placement_cases, PlacementBench};
use leptos::prelude::*;

/// Instance counts measured.
const SIZES: &[usize] = &[100, 1000, 5000];
/// Wall time spent per case, in milliseconds.
const BUDGET_MS: f64 = 400.0;
/// The closed-loop cases: (instances, services, peak requests/s), as in the native bench.
const LOOP_CASES: &[(usize, usize, f64)] = &[
    (100, 10, 5_000.0),
    (100, 10, 10_000.0),
    (200, 10, 5_000.0),
    (100, 20, 5_000.0),
];
/// The capacity surge cases: (Auto Scaling groups, tasks per group), as in the native bench.
const SURGE_CASES: &[(usize, u32)] = &[(1, 6_000), (5, 6_000)];
/// Timed runs per closed-loop case (after one untimed warm-up run).
const LOOP_RUNS: usize = 5;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// One measured case.
#[derive(Clone)]
struct Row {
    case: &'static str,
    instances: usize,
    per_second: f64,
}

fn measure() -> Vec<Row> {
    let mut rows = Vec::new();
    for &n in SIZES {
        for (case, strategies, constraints) in placement_cases() {
            let mut bench = PlacementBench::new(n, strategies, constraints);
            let start = now_ms();
            let mut steps = 0u64;
            while now_ms() - start < BUDGET_MS {
                for _ in 0..64 {
                    bench.step();
                }
                steps += 64;
            }
            let elapsed = (now_ms() - start).max(1.0);
            rows.push(Row {
                case,
                instances: n,
                per_second: steps as f64 * 1000.0 / elapsed,
            });
        }
    }
    rows
}

/// One measured closed-loop case.
#[derive(Clone)]
struct LoopRow {
    /// `day` (the closed loop) or `surge` (capacity).
    kind: &'static str,
    instances: usize,
    services: usize,
    peak_rps: f64,
    /// Wall times of the timed runs, in milliseconds, sorted.
    times_ms: Vec<f64>,
    /// The scenario error, if the run failed.
    error: Option<String>,
}

impl LoopRow {
    fn median_ms(&self) -> f64 {
        let t = &self.times_ms;
        match t.len() {
            0 => 0.0,
            n if n % 2 == 1 => t[n / 2],
            n => (t[n / 2 - 1] + t[n / 2]) / 2.0,
        }
    }
}

/// Runs one simulated day and returns its wall time in milliseconds (the scenario JSON is
/// built beforehand, as in the native bench; dropping the simulation is timed there too).
fn run_day(json: &str) -> Result<f64, String> {
    let start = now_ms();
    let sim = ecs_engine::run_scenario(json).map_err(|e| e.to_string())?;
    drop(sim);
    Ok(now_ms() - start)
}

/// Runs closed-loop case `case`, run `run` (0 is the warm-up), then schedules the next run
/// with a zero timeout so the page stays responsive between runs.
fn closed_loop_step(
    case: usize,
    run: usize,
    times: Vec<f64>,
    set_rows: WriteSignal<Vec<LoopRow>>,
    set_done: WriteSignal<bool>,
) {
    let (kind, instances, services, peak_rps, json) = match LOOP_CASES.get(case) {
        Some(&(instances, services, peak_rps)) => (
            "day",
            instances,
            services,
            peak_rps,
            closed_loop_day(instances, services, peak_rps, true),
        ),
        None => match SURGE_CASES.get(case - LOOP_CASES.len()) {
            Some(&(groups, tasks)) => (
                "surge",
                (tasks as usize).div_ceil(6) * groups,
                groups,
                0.0,
                capacity_surge(groups, tasks),
            ),
            None => {
                set_done.set(true);
                return;
            }
        },
    };
    let finish = |times_ms: Vec<f64>, error: Option<String>| {
        set_rows.update(|rows| {
            rows.push(LoopRow {
                kind,
                instances,
                services,
                peak_rps,
                times_ms,
                error,
            })
        });
    };
    let (next_case, next_run, next_times) = match run_day(&json) {
        Err(e) => {
            finish(Vec::new(), Some(e));
            (case + 1, 0, Vec::new())
        }
        Ok(ms) => {
            let mut times = times;
            if run > 0 {
                times.push(ms);
            }
            if run == LOOP_RUNS {
                times.sort_by(f64::total_cmp);
                finish(times, None);
                (case + 1, 0, Vec::new())
            } else {
                (case, run + 1, times)
            }
        }
    };
    set_timeout(
        move || closed_loop_step(next_case, next_run, next_times, set_rows, set_done),
        Duration::ZERO,
    );
}

/// The benchmark page.
#[component]
pub fn Bench() -> impl IntoView {
    let rows = measure();
    let (loop_rows, set_loop_rows) = signal(Vec::<LoopRow>::new());
    let (loop_done, set_loop_done) = signal(false);
    // After the placement results are on screen.
    set_timeout(
        move || closed_loop_step(0, 0, Vec::new(), set_loop_rows, set_loop_done),
        Duration::from_millis(50),
    );
    view! {
        <h1>"Placement benchmark (wasm)"</h1>
        <table id="bench-results">
            <tr><th>"case"</th><th>"instances"</th><th>"placements/s"</th></tr>
            {rows.into_iter().map(|r| view! {
                <tr class="bench-row" data-case=r.case data-instances=r.instances.to_string() data-per-second=format!("{:.0}", r.per_second)>
                    <td>{r.case}</td><td>{r.instances}</td><td>{format!("{:.0}", r.per_second)}</td>
                </tr>
            }).collect_view()}
        </table>
        <h1>"Closed loop: a simulated day (wasm)"</h1>
        <p>{format!("Median of {LOOP_RUNS} runs after one warm-up run.")}</p>
        <table id="closed-loop-results" data-complete=move || loop_done.get().to_string()>
            <tr><th>"instances"</th><th>"services"</th><th>"peak requests/s"</th><th>"median ms"</th><th>"min ms"</th><th>"max ms"</th></tr>
            {move || loop_rows.get().into_iter().map(|r| {
                let median = format!("{:.0}", r.median_ms());
                let min = format!("{:.0}", r.times_ms.first().copied().unwrap_or(0.0));
                let max = format!("{:.0}", r.times_ms.last().copied().unwrap_or(0.0));
                let error = r.error.clone().unwrap_or_default();
                let shown = if r.error.is_some() { error.clone() } else { median.clone() };
                let (min_cell, max_cell) = (min.clone(), max.clone());
                view! {
                    <tr class="closed-loop-row" data-kind=r.kind data-instances=r.instances.to_string() data-services=r.services.to_string()
                        data-peak-rps=format!("{:.0}", r.peak_rps) data-runs=r.times_ms.len().to_string()
                        data-median-ms=median data-min-ms=min data-max-ms=max data-error=error>
                        <td>{r.instances}</td><td>{r.services}</td><td>{format!("{:.0}", r.peak_rps)}</td>
                        <td>{shown}</td><td>{min_cell}</td><td>{max_cell}</td>
                    </tr>
                }
            }).collect_view()}
        </table>
    }
}
