//! The 24-hour closed-loop run of issue 4: 100 instances, 10 services behind one ALB, diurnal
//! load peaking at 5,000 requests/s, target tracking on CPU and ALBRequestCountPerTarget, one
//! rolling deployment, routing every simulated second. Variants double the request rate, the
//! instances and the services. One iteration = one whole simulated day. Then the cost of
//! explaining the day's last placed task (a replay to its placement).
//!
//! Run: `cargo bench -p ecs-engine --bench closed_loop`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ecs_engine::workload::closed_loop_day;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("closed_loop_24h");
    group.sample_size(10);
    for (instances, services, peak, scaling) in [
        (100usize, 10usize, 5_000.0, true),
        (100, 10, 10_000.0, true),
        (200, 10, 5_000.0, true),
        (100, 20, 5_000.0, true),
        (100, 10, 5_000.0, false),
        (100, 10, 10_000.0, false),
    ] {
        let json = closed_loop_day(instances, services, peak, scaling);
        let fixed = if scaling { "" } else { "-fixed" };
        let id = format!("{instances}i-{services}s-{peak}rps{fixed}");
        group.bench_with_input(BenchmarkId::from_parameter(id), &json, |b, json| {
            b.iter(|| ecs_engine::run_scenario(json).expect("runs"))
        });
    }
    group.finish();

    // Explaining a placed task replays the run to its placement: the worst case is the last
    // task placed in the day, a replay of nearly all of it.
    let json = closed_loop_day(100, 10, 5_000.0, true);
    let sim = ecs_engine::run_scenario(&json).expect("runs");
    let last = sim
        .tasks()
        .iter()
        .filter(|t| !sim.cluster().instances[t.reservation.slot].fargate)
        .max_by_key(|t| t.created_at)
        .expect("a task")
        .id
        .clone();
    let mut group = c.benchmark_group("explain_placed_task");
    group.sample_size(10);
    group.bench_function("last-of-the-day-100i-10s", |b| {
        b.iter(|| sim.explain_task_placement(&last).expect("explained"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
