//! A day of large scale-ins (`workload::scale_in_day`): 1,000 instances with a DAEMON agent,
//! and a service moving between 3,000 and 4,500 tasks every hour, so 1,500 tasks are chosen
//! and stopped each other hour. One iteration simulates the 24 hours.
//!
//! Run: `cargo bench -p ecs-engine --bench scale_in`

use criterion::{criterion_group, criterion_main, Criterion};
use ecs_engine::workload::scale_in_day;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale_in_24h");
    group.sample_size(10);
    let json = scale_in_day(1_000, 3_000, 4_500);
    group.bench_function("1000i-3000-4500tasks", |b| {
        b.iter(|| ecs_engine::run_scenario(&json).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
