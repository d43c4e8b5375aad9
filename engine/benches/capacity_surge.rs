//! The capacity surge of issue 5: 5 Auto Scaling groups scale from zero to 5,000 instances
//! while 30,000 tasks wait in PROVISIONING; one iteration simulates the whole hour. A smaller
//! case (1 group, 6,000 tasks, 1,000 instances) shows how the cost grows.
//!
//! Run: `cargo bench -p ecs-engine --bench capacity_surge`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ecs_engine::workload::capacity_surge;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("capacity_surge_1h");
    group.sample_size(10);
    for (groups, tasks) in [(1usize, 6_000u32), (5, 6_000)] {
        let json = capacity_surge(groups, tasks);
        let id = format!("{groups}groups-{}tasks", groups as u32 * tasks);
        group.bench_with_input(BenchmarkId::from_parameter(id), &json, |b, json| {
            b.iter(|| ecs_engine::run_scenario(json).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
