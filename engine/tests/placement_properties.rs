//! Property tests of placement invariants over random clusters, task definitions, strategies and
//! constraints (3.7): never over-commit CPU, memory, ENIs or GPUs; never two tasks on one host
//! port and protocol of an instance; constraints always hold; `spread` never leaves a feasible,
//! less-loaded value unused; `binpack` never picks an instance with more remaining of its field
//! than a feasible alternative.

use std::collections::BTreeSet;

use ecs_engine::cluster::ClusterState;
use ecs_engine::container_instance::ContainerInstance;
use ecs_engine::placement::explain::TieBreak;
use ecs_engine::placement::filter::{constraints, resources};
use ecs_engine::placement::reserve::{reserve, DynamicPortChoice, HostPorts, Reservation};
use ecs_engine::placement::strategy::{BinpackField, SpreadField, Strategy};
use ecs_engine::placement::{
    cql::Expression, Constraint, Decision, PlacementRequest, Placer, TaskNeeds,
};
use ecs_engine::rng::{SimRng, Stream};
use ecs_engine::scenario::Scenario;
use ecs_engine::task_definition::{parse_task_definition_value, validate};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use serde_json::json;

const TYPES: &[&str] = &[
    "t3.micro",
    "t3.small",
    "m5.large",
    "c5.large",
    "g4dn.xlarge",
    "m5.xlarge",
];
const AZS: &[&str] = &["us-east-1a", "us-east-1b", "us-east-1c"];

#[derive(Debug, Clone)]
struct Case {
    instances: Vec<(usize, usize, bool)>,
    cpu: u32,
    memory: u32,
    gpus: u32,
    network: usize,
    ports: usize,
    strategies: Vec<usize>,
    constraint: usize,
    tasks: usize,
    seed: u64,
}

fn case() -> impl proptest::strategy::Strategy<Value = Case> {
    (
        proptest::collection::vec((0..TYPES.len(), 0..AZS.len(), any::<bool>()), 1..10),
        0u32..2048,
        32u32..3000,
        0u32..2,
        0usize..3,
        0usize..5,
        proptest::collection::vec(0usize..5, 0..3),
        0usize..3,
        1usize..40,
        any::<u64>(),
    )
        .prop_map(
            |(
                instances,
                cpu,
                memory,
                gpus,
                network,
                ports,
                strategies,
                constraint,
                tasks,
                seed,
            )| Case {
                instances,
                cpu,
                memory,
                gpus,
                network,
                ports,
                strategies,
                constraint,
                tasks,
                seed,
            },
        )
}

fn build(c: &Case) -> (ClusterState, TaskNeeds, Vec<Strategy>, Vec<Constraint>) {
    let specs: Vec<_> = c
        .instances
        .iter()
        .map(|&(t, az, trunk)| json!({"instanceType": TYPES[t], "availabilityZone": AZS[az], "awsvpcTrunking": trunk}))
        .collect();
    let scenario =
        Scenario::from_value(json!({"version": 1, "containerInstances": specs})).expect("scenario");
    let mut state = ClusterState::default();
    for (i, spec) in scenario.instances.iter().enumerate() {
        state.add(ContainerInstance::register(spec, format!("i-{i}"), 0).expect("register"));
    }
    let mode = ["bridge", "host", "awsvpc"][c.network];
    let port_mappings = match c.ports {
        0 => json!([]),
        1 => json!([{"containerPort": 80}]),
        2 => json!([{"containerPort": 80, "hostPort": 80}]),
        // A containerPortRange (1.5) beside a dynamic port; not in host mode.
        3 if mode != "host" => {
            json!([{"containerPort": 80}, {"containerPortRange": "9000-9999"}])
        }
        _ => {
            json!([{"containerPort": 8080, "hostPort": 8080}, {"containerPort": 53, "hostPort": 53, "protocol": "udp"}])
        }
    };
    let mut container = json!({"name": "app", "image": "x", "cpu": c.cpu, "memory": c.memory, "portMappings": port_mappings});
    if c.gpus > 0 {
        container["resourceRequirements"] = json!([{"type": "GPU", "value": c.gpus.to_string()}]);
    }
    let td = json!({"family": "p", "networkMode": mode, "containerDefinitions": [container]});
    let parsed = parse_task_definition_value(&td).expect("parse");
    let valid = validate(&parsed.input).expect("valid");
    let strategies = c
        .strategies
        .iter()
        .map(|s| match s {
            0 => Strategy::Binpack(BinpackField::Memory),
            1 => Strategy::Binpack(BinpackField::Cpu),
            2 => Strategy::spread_az(),
            3 => Strategy::Spread(SpreadField::InstanceId),
            _ => Strategy::Random,
        })
        .collect();
    let constraints = match c.constraint {
        0 => vec![],
        1 => vec![Constraint::DistinctInstance],
        _ => vec![Constraint::MemberOf(
            Expression::parse("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]")
                .expect("cql"),
        )],
    };
    (state, TaskNeeds::of(&valid), strategies, constraints)
}

fn feasible(
    state: &ClusterState,
    slot: usize,
    needs: &TaskNeeds,
    cons: &[Constraint],
    group_count: u32,
) -> bool {
    let inst = &state.instances[slot];
    resources::check_candidate(inst)
        .and_then(|()| resources::check_resources(inst, needs))
        .and_then(|()| {
            constraints::check(
                state,
                slot,
                cons,
                "g",
                group_count,
                &Default::default(),
                constraints::CheckMode::FULL,
            )
        })
        .is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn placement_invariants_hold(c in case()) {
        let (mut state, needs, strategies, cons) = build(&c);
        // Both tie-breaks (section 12 item 1) and both dynamic port choices (item 2) keep
        // every invariant.
        let tie_break = if c.seed % 3 == 0 { TieBreak::FirstRegistered } else { TieBreak::Random };
        let mut placer = Placer::with_options(Default::default(), tie_break);
        let mut rng = SimRng::new(c.seed, Stream::Placement);
        let choice = if c.seed % 2 == 0 { DynamicPortChoice::Random } else { DynamicPortChoice::Lowest };
        let mut ports = HostPorts { choice, rng: SimRng::new(c.seed, Stream::HostPorts) };
        let gid = state.group_id("g");
        let mut held: Vec<Reservation> = Vec::new();
        for _ in 0..c.tasks {
            let before: Vec<bool> = (0..state.instances.len())
                .map(|s| feasible(&state, s, &needs, &cons, state.group_counts(gid)[s]))
                .collect();
            let req = PlacementRequest { cluster: "default", group: "g", needs: &needs, constraints: &cons, strategies: &strategies, capacity_provider: None };
            // The explained run (unfused stages) decides exactly like the fast one.
            let (explained, _) = Placer::with_options(Default::default(), tie_break).place(&mut state.clone(), &req, &mut rng.clone(), true);
            let (decision, _) = placer.place(&mut state, &req, &mut rng, false);
            prop_assert_eq!(&explained, &decision);
            match decision {
                Decision::Unplaceable { .. } => prop_assert!(before.iter().all(|f| !f), "a feasible instance existed"),
                Decision::Placed(slot) => {
                    prop_assert!(before[slot], "placed on an infeasible instance");
                    // First strategy is exact; later ones only apply within its best.
                    match strategies.first() {
                        Some(Strategy::Binpack(BinpackField::Memory)) => {
                            let chosen = state.instances[slot].remaining.memory_mib;
                            for (s, f) in before.iter().enumerate() {
                                if *f { prop_assert!(chosen <= state.instances[s].remaining.memory_mib, "binpack picked more remaining memory"); }
                            }
                        }
                        Some(Strategy::Spread(SpreadField::Attribute(_))) => {
                            let count_in = |az: &str| (0..state.instances.len()).filter(|&s| state.instances[s].availability_zone == az).map(|s| state.group_counts(gid)[s]).sum::<u32>();
                            let chosen = count_in(&state.instances[slot].availability_zone);
                            for (s, f) in before.iter().enumerate() {
                                if *f { prop_assert!(chosen <= count_in(&state.instances[s].availability_zone), "spread left a less-loaded feasible AZ unused"); }
                            }
                        }
                        _ => {}
                    }
                    held.push(reserve(&mut state, slot, gid, &needs, &mut ports));
                }
            }
            // The live spread counts equal a recount.
            let position = state.spread_counts(gid, 0, "ecs.availability-zone");
            let live = state.spread_counts_at(position).to_vec();
            let mut recount = Vec::new();
            let index = state.attribute_index("ecs.availability-zone").unwrap();
            ecs_engine::placement::strategy::spread::counts_per_value(index, state.group_counts(gid), &state.cluster_id_of, 0, &mut recount);
            prop_assert_eq!(live, recount);
            // No over-commit, no duplicate host port, constraints hold; the packed capacity
            // index matches the instances, and its quick answer never accepts a misfit.
            for (s, inst) in state.instances.iter().enumerate() {
                prop_assert_eq!(state.capacity[s], ecs_engine::cluster::Capacity::of(inst, state.cluster_id_of[s]));
                let full = resources::check_candidate(inst).and_then(|()| resources::check_resources(inst, &needs)).is_ok();
                match resources::quick_verdict(&state.capacity[s], &needs) {
                    resources::Quick::Fits => prop_assert!(full, "the index accepted a misfit"),
                    resources::Quick::Lacks => prop_assert!(!full, "the index refused a fit"),
                    resources::Quick::Unsure => {}
                }
                let mine: Vec<&Reservation> = held.iter().filter(|r| r.slot == s).collect();
                let cpu: u32 = mine.iter().map(|r| r.cpu).sum();
                let mem: u32 = mine.iter().map(|r| r.memory_mib).sum();
                let gpu: u32 = mine.iter().map(|r| r.gpus).sum();
                let enis = mine.iter().filter(|r| r.eni).count() as u32;
                prop_assert!(cpu <= inst.registered.cpu && mem <= inst.registered.memory_mib && gpu <= inst.registered.gpus);
                prop_assert_eq!(inst.registered.cpu - cpu, inst.remaining.cpu);
                prop_assert_eq!(inst.registered.memory_mib - mem, inst.remaining.memory_mib);
                prop_assert!(enis <= inst.eni_task_capacity);
                let mut seen = BTreeSet::new();
                let ports = mine
                    .iter()
                    .flat_map(|r| r.bindings.iter())
                    .flat_map(|b| (0..b.count).map(move |i| (b.host_port + i, b.protocol)));
                for (port, protocol) in ports {
                    prop_assert!(seen.insert((port, protocol)), "two tasks on host port {} of {}", port, inst.ec2_instance_id);
                    prop_assert!(![22u16, 2375, 2376, 51678, 51679].contains(&port) || protocol != ecs_engine::task_definition::Protocol::Tcp);
                }
                if !mine.is_empty() {
                    match cons.first() {
                        Some(Constraint::DistinctInstance) => prop_assert_eq!(mine.len(), 1),
                        Some(Constraint::MemberOf(_)) => prop_assert!(inst.availability_zone != "us-east-1c"),
                        None => {}
                    }
                }
            }
        }
    }
}
