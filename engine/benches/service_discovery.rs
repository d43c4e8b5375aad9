//! A day of service discovery (`workload::service_discovery_day`): 1,000 tasks (the service
//! discovery maximum) registered in a Cloud Map service with a 60 s TTL, resolved by clients
//! on a daily curve, the service redeployed every four hours (so resolvers hold stopped tasks'
//! addresses). One iteration simulates the 24 hours.
//!
//! Run: `cargo bench -p ecs-engine --bench service_discovery`

use criterion::{criterion_group, criterion_main, Criterion};
use ecs_engine::workload::service_discovery_day;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("service_discovery_24h");
    group.sample_size(10);
    let json = service_discovery_day(1_000);
    group.bench_function("1000tasks-ttl60", |b| {
        b.iter(|| ecs_engine::run_scenario(&json).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
