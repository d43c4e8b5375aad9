//! The wasm side of the placement benchmark (`BENCHMARKS.md`): opened as `index.html#bench`,
//! it runs the engine's shared workloads (`ecs_engine::workload`) for a fixed wall time each
//! and shows placements per second in `#bench-results`, where `e2e`'s `wasm-bench` reads them.
//! Timing happens here, in the app: the engine never reads a clock.

use ecs_engine::workload::{placement_cases, PlacementBench};
use leptos::prelude::*;

/// Instance counts measured.
const SIZES: &[usize] = &[100, 1000, 5000];
/// Wall time spent per case, in milliseconds.
const BUDGET_MS: f64 = 400.0;

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

/// The benchmark page.
#[component]
pub fn Bench() -> impl IntoView {
    let rows = measure();
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
    }
}
