//! The 24-hour closed-loop run of issue 4: 100 instances, 10 services behind one ALB, diurnal
//! load peaking at 5,000 requests/s, target tracking on CPU and ALBRequestCountPerTarget, one
//! rolling deployment, routing every simulated second. Variants double the request rate, the
//! instances and the services. One iteration = one whole simulated day.
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
