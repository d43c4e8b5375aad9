//! Placement throughput (issue 3): instances across 3 AZs, tasks of 256 CPU units / 512 MiB
//! with a dynamic host port, under several strategy chains. Each iteration places a task and
//! releases it again, so the cluster stays the same size and the figure is per placement.
//!
//! Run: `cargo bench -p ecs-engine --bench placement`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecs_engine::cluster::ClusterState;
use ecs_engine::container_instance::ContainerInstance;
use ecs_engine::placement::reserve::{release, reserve};
use ecs_engine::placement::strategy::{BinpackField, SpreadField, Strategy};
use ecs_engine::placement::{Constraint, Decision, PlacementRequest, Placer, TaskNeeds};
use ecs_engine::rng::{SimRng, Stream};
use ecs_engine::scenario::Scenario;
use ecs_engine::task_definition::{parse_task_definition, validate};

fn cluster(n: usize) -> ClusterState {
    let json = format!(
        r#"{{"version": 1, "containerInstances": [
            {{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1a", "count": {a}}},
            {{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1b", "count": {b}}},
            {{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1c", "count": {c}}}]}}"#,
        a = n / 3 + n % 3,
        b = n / 3,
        c = n / 3
    );
    let scenario = Scenario::from_json(&json).expect("bench scenario");
    let mut state = ClusterState::default();
    for (i, spec) in scenario.instances.iter().enumerate() {
        let inst = ContainerInstance::register(spec, format!("i-{i:017x}"), 0).expect("register");
        state.add(inst);
    }
    state
}

fn needs() -> TaskNeeds {
    let td = parse_task_definition(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 256, "memory": 512, "portMappings": [{"containerPort": 80}]}]}"#,
    )
    .expect("parse");
    TaskNeeds::of(&validate(&td.input).expect("valid"))
}

fn bench(c: &mut Criterion) {
    let needs = needs();
    let chains: Vec<(&str, Vec<Strategy>, Vec<Constraint>)> = vec![
        ("binpack(memory)", vec![Strategy::Binpack(BinpackField::Memory)], vec![]),
        ("spread(AZ)+binpack(memory)", vec![Strategy::spread_az(), Strategy::Binpack(BinpackField::Memory)], vec![]),
        ("spread(AZ)+spread(instanceId)", vec![Strategy::spread_az(), Strategy::Spread(SpreadField::InstanceId)], vec![]),
        ("random", vec![Strategy::Random], vec![]),
        ("distinctInstance", vec![Strategy::spread_az()], vec![Constraint::DistinctInstance]),
        (
            "memberOf(instance-type =~ m5.*)",
            vec![Strategy::spread_az(), Strategy::Binpack(BinpackField::Memory)],
            vec![Constraint::MemberOf(ecs_engine::placement::cql::Expression::parse("attribute:ecs.instance-type =~ m5.* and attribute:ecs.availability-zone != us-east-1d").expect("cql"))],
        ),
    ];
    let mut group = c.benchmark_group("placement");
    group.throughput(Throughput::Elements(1));
    for n in [100usize, 1000, 5000] {
        for (name, strategies, constraints) in &chains {
            let mut state = cluster(n);
            // Half-fill the cluster first so strategies have real work.
            let mut placer = Placer::default();
            let mut rng = SimRng::new(1, Stream::Placement);
            let mut ports = SimRng::new(1, Stream::HostPorts);
            let group_id = state.group_id("service:warm");
            for _ in 0..n * 2 {
                let req = PlacementRequest {
                    cluster: "default",
                    group: "service:warm",
                    needs: &needs,
                    constraints: &[],
                    strategies,
                };
                if let (Decision::Placed(slot), _) = placer.place(&mut state, &req, &mut rng, false)
                {
                    reserve(&mut state, slot, group_id, &needs, &mut ports);
                }
            }
            let gid = state.group_id("service:web");
            group.bench_with_input(BenchmarkId::new(*name, n), &n, |b, _| {
                b.iter(|| {
                    let req = PlacementRequest {
                        cluster: "default",
                        group: "service:web",
                        needs: &needs,
                        constraints,
                        strategies,
                    };
                    if let (Decision::Placed(slot), _) =
                        placer.place(&mut state, &req, &mut rng, false)
                    {
                        let r = reserve(&mut state, slot, gid, &needs, &mut ports);
                        release(&mut state, &r);
                    }
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
