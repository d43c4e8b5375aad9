//! Explaining a task that is already placed (issue 6, "Click a task ... to see the engine's
//! explanation"): the run is replayed to the task's placement and that one decision is
//! explained, with every instance as it stood at that moment (3.7).

use ecs_engine::placement::explain::{Rejection, Stage, Verdict};
use ecs_engine::{Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::{json, Value};

fn run(scenario: Value, until_s: u64) -> Simulation {
    let mut sim = Simulation::new(Scenario::from_value(scenario).expect("valid scenario"));
    sim.advance_to(SimTime(until_s * 1000))
        .expect("no livelock");
    sim
}

fn instance(id: &str, az: &str, reserved_memory: u32) -> Value {
    json!({"id": id, "instanceType": "m5.large", "availabilityZone": az,
        "ecsConfig": {"ECS_CLUSTER": "c", "ECS_RESERVED_MEMORY": reserved_memory}})
}

fn td(family: &str, memory: u32) -> Value {
    json!({"family": family, "containerDefinitions": [{"name": "app", "image": "nginx", "memory": memory}]})
}

/// The verdict on each instance, by instance id.
fn verdicts(sim: &Simulation, task: usize) -> Vec<(String, Verdict)> {
    let id = &sim.tasks()[task].id;
    let placed = sim.explain_task_placement(id).expect("explained");
    placed
        .explanation
        .candidates
        .into_iter()
        .map(|c| (c.instance_id, c.verdict))
        .collect()
}

#[test]
fn g7_each_placed_task_is_explained_with_the_cluster_as_it_stood_then() {
    // G7: A has 1000 MiB left, B 3000, C 500; two tasks of 600 MiB with binpack(memory).
    let sim = run(
        json!({"version": 1,
            "containerInstances": [instance("i-a", "us-east-1a", 7028), instance("i-b", "us-east-1a", 5028), instance("i-c", "us-east-1a", 7528)],
            "taskDefinitions": [td("job", 600)],
            "runTasks": [{"at": 1, "cluster": "c", "taskDefinition": "job", "count": 2,
                "placementStrategy": [{"type": "binpack", "field": "memory"}]}]}),
        5,
    );
    let first = sim
        .explain_task_placement(&sim.tasks()[0].id)
        .expect("explained");
    assert_eq!(first.instance_id, "i-a");
    assert_eq!(first.at, SimTime(1000));
    assert_eq!(first.explanation.chosen.as_deref(), Some("i-a"));
    let v = verdicts(&sim, 0);
    assert_eq!(v[0], ("i-a".to_string(), Verdict::Chosen));
    assert!(
        matches!(&v[1].1, Verdict::Outranked { strategy, .. } if strategy == "binpack(memory)"),
        "{v:?}"
    );
    assert_eq!(
        v[2].1,
        Verdict::Rejected {
            stage: Stage::Resources,
            rejection: Rejection::Memory {
                requested: 600,
                available: 500,
                held_for_daemons: 0
            }
        }
    );
    // The second task: A has 400 left by then, so it is rejected, and B is chosen.
    let v = verdicts(&sim, 1);
    assert_eq!(
        v[0].1,
        Verdict::Rejected {
            stage: Stage::Resources,
            rejection: Rejection::Memory {
                requested: 600,
                available: 400,
                held_for_daemons: 0
            }
        }
    );
    assert_eq!(v[1], ("i-b".to_string(), Verdict::Chosen));
}

#[test]
fn g11_a_service_task_under_distinct_instance_names_the_instances_already_used() {
    // G11: distinctInstance over 3 instances; the third task cannot share i1 or i2.
    let sim = run(
        json!({"version": 1,
            "containerInstances": [instance("i1", "us-east-1a", 0), instance("i2", "us-east-1b", 0), instance("i3", "us-east-1c", 0)],
            "taskDefinitions": [td("web", 128)],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 3,
                "placementConstraints": [{"type": "distinctInstance"}]}]}),
        10,
    );
    let last = sim.tasks().len() - 1;
    let placed = sim
        .explain_task_placement(&sim.tasks()[last].id)
        .expect("explained");
    assert_eq!(placed.explanation.group, "service:web");
    let chosen = placed.explanation.chosen.clone().expect("chosen");
    assert_eq!(chosen, placed.instance_id);
    for (id, verdict) in verdicts(&sim, last) {
        if id == chosen {
            assert_eq!(verdict, Verdict::Chosen);
        } else {
            assert!(
                matches!(
                    verdict,
                    Verdict::Rejected {
                        stage: Stage::Constraints,
                        ..
                    }
                ),
                "{id}: {verdict:?}"
            );
        }
    }
}

#[test]
fn tasks_no_placement_decision_put_there_say_so() {
    let sim = run(
        json!({"version": 1,
            "containerInstances": [instance("i1", "us-east-1a", 0)],
            "taskDefinitions": [td("agent", 64)],
            "services": [{"serviceName": "agent", "cluster": "c", "taskDefinition": "agent", "schedulingStrategy": "DAEMON"}]}),
        10,
    );
    let daemon = sim
        .explain_task_placement(&sim.tasks()[0].id)
        .expect_err("a daemon task");
    assert!(daemon.contains("DAEMON service agent"), "{daemon}");
    let unknown = sim
        .explain_task_placement("nope")
        .expect_err("no such task");
    assert_eq!(unknown, "no task \"nope\" in this run");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// 3.7: for every task the scheduler placed, the replayed explanation chose the instance
    /// the task is on, with exactly one instance chosen, whatever the strategies (random ones
    /// included: the replay draws the same numbers).
    #[test]
    fn the_replayed_decision_is_the_one_the_run_made(
        zones in proptest::collection::vec(0usize..3, 2..7),
        strategy in 0usize..4,
        desired in 1u32..8,
        seed in any::<u64>(),
    ) {
        let azs = ["us-east-1a", "us-east-1b", "us-east-1c"];
        let instances: Vec<Value> = zones.iter().enumerate()
            .map(|(i, &z)| instance(&format!("i{i}"), azs[z], 0)).collect();
        let strategies = [
            json!([{"type": "binpack", "field": "memory"}]),
            json!([{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "spread", "field": "instanceId"}]),
            json!([{"type": "random"}]),
            json!([{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "random"}]),
        ];
        let sim = run(json!({"version": 1, "seed": seed,
            "containerInstances": instances,
            "taskDefinitions": [td("web", 512), td("job", 256)],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": desired,
                "placementStrategy": strategies[strategy]}],
            "runTasks": [{"at": 5, "cluster": "c", "taskDefinition": "job", "count": 3, "placementStrategy": strategies[(strategy + 2) % 4]}]}), 30);
        for task in sim.tasks() {
            let placed = sim.explain_task_placement(&task.id).expect("explained");
            let on = sim.cluster().instances[task.reservation.slot].ec2_instance_id.clone();
            prop_assert_eq!(placed.explanation.chosen.as_deref(), Some(on.as_str()));
            let chosen = placed.explanation.candidates.iter().filter(|c| c.verdict == Verdict::Chosen).count();
            prop_assert_eq!(chosen, 1);
        }
    }
}

#[test]
fn g28_tasks_that_waited_for_a_capacity_provider_are_explained_on_the_instances_it_launched() {
    // The preset: the group starts at zero, the tasks wait in PROVISIONING, and are placed
    // when the launched instances register (the provider's retry path, G28).
    let text = include_str!("../../public/scenarios/capacity-provider-from-zero.json");
    let mut sim = Simulation::new(Scenario::from_json(text).expect("preset"));
    sim.advance_to(SimTime(30 * 60 * 1000))
        .expect("no livelock");
    assert!(sim.tasks().len() >= 6);
    for task in sim.tasks() {
        let placed = sim.explain_task_placement(&task.id).expect("explained");
        assert!(
            placed.at > SimTime::ZERO,
            "placed once instances registered"
        );
        assert_eq!(
            placed.explanation.chosen.as_deref(),
            Some(placed.instance_id.as_str())
        );
    }
}

#[test]
fn a_task_is_found_by_the_first_characters_of_its_id_as_the_chips_show_it() {
    let sim = run(
        json!({"version": 1,
            "containerInstances": [instance("i1", "us-east-1a", 0)],
            "taskDefinitions": [td("web", 128)],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 2}]}),
        10,
    );
    let full = sim.tasks()[1].id.clone();
    let placed = sim.explain_task_placement(&full[..8]).expect("by prefix");
    assert_eq!(placed.task_id, full);
    assert_eq!(
        sim.explain_task_placement("").expect_err("empty"),
        "no task \"\" in this run"
    );
}

#[test]
fn a_task_still_provisioning_has_no_placement_to_explain_and_says_why() {
    // 10.1: a PROVISIONING task waits for capacity; no placement decision exists yet, and the
    // explanation says so (by the start of its ID, as the chips give it).
    let text = include_str!("../../public/scenarios/capacity-provider-from-zero.json");
    let mut sim = Simulation::new(Scenario::from_json(text).expect("preset"));
    sim.advance_to(SimTime(10 * 1000)).expect("no livelock");
    let records = sim.provisioning_task_records();
    assert!(!records.is_empty());
    let id = records[0].id.to_string();
    let err = sim
        .explain_task_placement(&id[..8])
        .expect_err("not placed yet");
    assert!(
        err.starts_with(&format!(
            "task {id} is PROVISIONING: ECS created it at 00:00:00.000"
        )),
        "{err}"
    );
    assert!(
        err.contains("no placement decision has been taken"),
        "{err}"
    );
}
