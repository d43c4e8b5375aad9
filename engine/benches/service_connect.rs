//! A day of Service Connect traffic (`workload::service_connect_day`): 1,000 server tasks (the
//! Service Connect maximum) called by 250 client tasks, over capacity at the daily peak (so
//! retries and outlier detection run), the server redeployed every four hours. One iteration
//! simulates the 24 hours.
//!
//! Run: `cargo bench -p ecs-engine --bench service_connect`

use criterion::{criterion_group, criterion_main, Criterion};
use ecs_engine::workload::service_connect_day;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("service_connect_24h");
    group.sample_size(10);
    let json = service_connect_day(1_000);
    group.bench_function("1000servers-250clients", |b| {
        b.iter(|| ecs_engine::run_scenario(&json).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
