//! A day of CodeDeploy blue/green deployments (`workload::code_deploy_day`): a 2,000-task
//! Fargate service behind an ALB, deployed every two hours with a linear configuration, so
//! 4,000 tasks run during each deployment. One iteration simulates the 24 hours.
//!
//! Run: `cargo bench -p ecs-engine --bench code_deploy`

use criterion::{criterion_group, criterion_main, Criterion};
use ecs_engine::workload::code_deploy_day;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("code_deploy_24h");
    group.sample_size(10);
    let json = code_deploy_day(2_000);
    group.bench_function("2000tasks-12deployments", |b| {
        b.iter(|| ecs_engine::run_scenario(&json).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
