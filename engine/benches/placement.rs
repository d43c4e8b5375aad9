//! Placement throughput (issue 3): 100, 1,000 and 5,000 m5.xlarge instances across 3 AZs,
//! half full, tasks of 256 CPU units / 512 MiB with a dynamic host port, under each strategy
//! chain of `ecs_engine::workload::placement_cases`. One iteration = one placement (plus its
//! release), so criterion's throughput is placements per second.
//!
//! Run: `cargo bench -p ecs-engine --bench placement`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecs_engine::workload::{placement_cases, PlacementBench};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("placement");
    group.throughput(Throughput::Elements(1));
    for n in [100usize, 1000, 5000] {
        for (name, strategies, constraints) in placement_cases() {
            let mut b = PlacementBench::new(n, strategies, constraints);
            assert!(b.step(), "{name} places at {n} instances");
            group.bench_with_input(BenchmarkId::new(name, n), &n, |bencher, _| {
                bencher.iter(|| b.step())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
