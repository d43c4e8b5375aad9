//! Golden cases of `shared/ecs-semantics.md` section 13 for container instances and placement,
//! each run through a whole scenario (the same path the CLI and the app take).

use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

fn run(scenario: Value, until_s: u64) -> (Simulation, Value) {
    let scenario = Scenario::from_value(scenario).expect("valid scenario");
    let mut sim = Simulation::new(scenario);
    sim.advance_to(SimTime(until_s * 1000))
        .expect("no livelock");
    let out = sim.describe();
    (sim, out)
}

fn instance(kind: &str, az: &str, id: &str, extra: Value) -> Value {
    let mut v = json!({"id": id, "instanceType": kind, "availabilityZone": az, "ecsConfig": {"ECS_CLUSTER": "c"}});
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            if k == "ecsConfig" {
                for (ck, cv) in x.as_object().unwrap() {
                    o["ecsConfig"]
                        .as_object_mut()
                        .unwrap()
                        .insert(ck.clone(), cv.clone());
                }
            } else {
                o.insert(k.clone(), x.clone());
            }
        }
    }
    v
}

fn td(family: &str, container: Value) -> Value {
    let mut c = json!({"name": "app", "image": "nginx", "essential": true});
    for (k, v) in container.as_object().unwrap() {
        c[k] = v.clone();
    }
    json!({"family": family, "containerDefinitions": [c]})
}

fn tasks_on(out: &Value) -> Vec<String> {
    out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["ec2InstanceId"].as_str().unwrap().to_string())
        .collect()
}

fn service_messages(out: &Value) -> Vec<String> {
    out["services"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn g4_registered_resources_and_reserved_memory() {
    let (_, out) = run(
        json!({"version": 1, "containerInstances": [
            instance("m4.large", "us-east-1a", "i-a", json!({})),
            instance("m4.large", "us-east-1a", "i-b", json!({"ecsConfig": {"ECS_RESERVED_MEMORY": 256}}))]}),
        1,
    );
    let reg = |i: usize, r: usize| {
        out["containerInstances"][i]["registeredResources"][r]["integerValue"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((reg(0, 0), reg(0, 1)), (2048, 7985));
    assert_eq!(reg(1, 1), 7729);
}

#[test]
fn g7_binpack_memory_picks_least_remaining_that_fits() {
    // Registered 8028 MiB (m5.large); reserve memory so that A has 1000, B 3000, C 500 left.
    let (_, out) = run(
        json!({"version": 1,
            "containerInstances": [
                instance("m5.large", "us-east-1a", "i-a", json!({"ecsConfig": {"ECS_RESERVED_MEMORY": 7028}})),
                instance("m5.large", "us-east-1a", "i-b", json!({"ecsConfig": {"ECS_RESERVED_MEMORY": 5028}})),
                instance("m5.large", "us-east-1a", "i-c", json!({"ecsConfig": {"ECS_RESERVED_MEMORY": 7528}}))],
            "taskDefinitions": [td("job", json!({"memory": 600}))],
            "runTasks": [{"at": 1, "cluster": "c", "taskDefinition": "job", "count": 2, "placementStrategy": [{"type": "binpack", "field": "memory"}]}]}),
        5,
    );
    assert_eq!(
        tasks_on(&out),
        vec!["i-a", "i-b"],
        "first on A (least remaining that fits), then B once A has 400"
    );
}

#[test]
fn g8_spread_az_then_instance_goes_to_the_emptiest_instance_of_the_emptiest_zones() {
    // Existing service tasks: az-a has 2 (i1:2, i2:0), az-b 1 (i3:1), az-c 1 (i4:1, i5:0).
    // Pin them with memberOf on ec2InstanceId through RunTask in the service's group.
    let pin = |id: &str, n: u64| {
        json!({"at": 0, "cluster": "c", "taskDefinition": "web", "count": n, "group": "service:web",
        "placementConstraints": [{"type": "memberOf", "expression": format!("ec2InstanceId == {id}")}]})
    };
    let (_, out) = run(
        json!({"version": 1,
            "containerInstances": [
                instance("m5.large", "us-east-1a", "i1", json!({})), instance("m5.large", "us-east-1a", "i2", json!({})),
                instance("m5.large", "us-east-1b", "i3", json!({})),
                instance("m5.large", "us-east-1c", "i4", json!({})), instance("m5.large", "us-east-1c", "i5", json!({}))],
            "taskDefinitions": [td("web", json!({"memory": 128}))],
            "runTasks": [pin("i1", 2), pin("i3", 1), pin("i4", 1),
                {"at": 10, "cluster": "c", "taskDefinition": "web", "group": "service:web",
                 "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "spread", "field": "instanceId"}]}]}),
        20,
    );
    assert_eq!(tasks_on(&out).last().unwrap(), "i5");
}

#[test]
fn g11_distinct_instance_leaves_the_fourth_task_unplaced() {
    let instances = json!([
        instance("m5.large", "us-east-1a", "i1", json!({})),
        instance("m5.large", "us-east-1b", "i2", json!({})),
        instance("m5.large", "us-east-1c", "i3", json!({}))
    ]);
    let (_, out) = run(
        json!({"version": 1, "containerInstances": instances,
            "taskDefinitions": [td("web", json!({"memory": 128}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 4, "placementConstraints": [{"type": "distinctInstance"}]}]}),
        60,
    );
    assert_eq!(out["services"][0]["runningCount"], 3);
    assert!(service_messages(&out).iter().any(|m| m == "service web was unable to place a task because no container instance met all of its requirements."));
    let (_, out) = run(
        json!({"version": 1, "containerInstances": instances,
            "taskDefinitions": [td("web", json!({"memory": 128}))],
            "runTasks": [{"cluster": "c", "taskDefinition": "web", "count": 4, "placementConstraints": [{"type": "distinctInstance"}]}]}),
        60,
    );
    assert_eq!(out["tasks"].as_array().unwrap().len(), 3);
    assert_eq!(out["failures"].as_array().unwrap().len(), 1);
}

#[test]
fn g12_member_of_places_only_on_matching_instances() {
    let (_, out) = run(
        json!({"version": 1,
            "containerInstances": [instance("t2.small", "us-east-1a", "small", json!({})), instance("t2.medium", "us-east-1b", "medium", json!({})), instance("g4dn.xlarge", "us-east-1a", "gpu", json!({}))],
            "taskDefinitions": [td("web", json!({"memory": 64}))],
            "runTasks": [{"cluster": "c", "taskDefinition": "web", "count": 3, "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone != us-east-1a"}]}]}),
        30,
    );
    assert_eq!(tasks_on(&out), vec!["medium", "medium", "medium"]);
}

#[test]
fn g13_static_host_port_conflict() {
    let (_, out) = run(
        json!({"version": 1,
            "containerInstances": [instance("m5.large", "us-east-1a", "i1", json!({})), instance("m5.large", "us-east-1b", "i2", json!({}))],
            "taskDefinitions": [td("web", json!({"memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 80}]}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 3}]}),
        120,
    );
    assert_eq!(out["services"][0]["runningCount"], 2);
    let mut hosts = tasks_on(&out);
    hosts.sort();
    assert_eq!(hosts, vec!["i1", "i2"], "one per instance");
    assert!(service_messages(&out).iter().any(|m| m.ends_with(
        "The closest matching container-instance is already using a port required by your task."
    )));
}

/// G14's scenario: three tasks with a dynamic host port on one m5.xlarge, with `options`.
fn g14_scenario(options: Value) -> Value {
    json!({"version": 1,
        "options": options,
        "containerInstances": [instance("m5.xlarge", "us-east-1a", "i1", json!({}))],
        "taskDefinitions": [td("web", json!({"memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 0}]}))],
        "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 3}]})
}

/// Each task's first host port, from `run`'s describe output.
fn first_host_ports(out: &Value) -> Vec<u64> {
    out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["containers"][0]["networkBindings"][0]["hostPort"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[test]
fn g14_dynamic_ports_share_one_instance() {
    let (_, out) = run(g14_scenario(json!({})), 60);
    let mut ports = first_host_ports(&out);
    assert!(
        ports.iter().all(|p| (32768..=60999).contains(p)),
        "{ports:?}"
    );
    ports.dedup();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 3, "three distinct host ports");
    let remaining_ports = out["containerInstances"][0]["remainingResources"][2]["stringSetValue"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        remaining_ports, 5,
        "dynamic ports do not count as reserved ports"
    );
}

/// Section 12 item 2: which free dynamic port a task gets is [unconfirmed]; with
/// `options.dynamicHostPorts: "lowest"` G14's three tasks take the first three ports of the
/// range, in order.
#[test]
fn g14_section_12_the_lowest_free_dynamic_ports_when_the_scenario_asks() {
    let (_, out) = run(g14_scenario(json!({"dynamicHostPorts": "lowest"})), 60);
    let mut ports = first_host_ports(&out);
    ports.sort();
    assert_eq!(ports, vec![32768, 32769, 32770]);
}

#[test]
fn g15_hundred_reserved_port_cap() {
    let ports = |n: u16| -> Value {
        Value::Array(
            (0..n)
                .map(|i| json!({"containerPort": 1000 + i, "hostPort": 1000 + i}))
                .collect(),
        )
    };
    for (n, fits) in [(95u16, true), (96, false)] {
        let (_, out) = run(
            json!({"version": 1,
                "containerInstances": [instance("m5.large", "us-east-1a", "i1", json!({}))],
                "taskDefinitions": [td("many", json!({"memory": 64, "portMappings": ports(n)}))],
                "runTasks": [{"cluster": "c", "taskDefinition": "many"}]}),
            30,
        );
        assert_eq!(
            out["tasks"].as_array().unwrap().len() == 1,
            fits,
            "{n} static ports"
        );
        if !fits {
            assert_eq!(out["failures"][0]["reason"], "RESOURCE:PORTS");
        }
    }
}

#[test]
fn g16_eni_limits_with_and_without_trunking() {
    let run_awsvpc = |kind: &str, trunking: bool| -> (usize, Value) {
        let (_, out) = run(
            json!({"version": 1,
                "containerInstances": [instance(kind, "us-east-1a", "i1", json!({"awsvpcTrunking": trunking}))],
                "taskDefinitions": [{"family": "v", "networkMode": "awsvpc", "containerDefinitions": [{"name": "a", "image": "x", "memory": 32}]}],
                "runTasks": [{"cluster": "c", "taskDefinition": "v", "count": 10, "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-us-east-1a"]}}},
                    {"at": 1, "cluster": "c", "taskDefinition": "v", "count": 10, "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-us-east-1a"]}}}]}),
            30,
        );
        (
            out["tasks"].as_array().unwrap().len(),
            out["failures"].clone(),
        )
    };
    let (n, failures) = run_awsvpc("c5.large", false);
    assert_eq!(n, 2);
    assert_eq!(failures[0]["reason"], "RESOURCE:ENI");
    assert_eq!(run_awsvpc("c5.large", true).0, 10);
    assert_eq!(run_awsvpc("m5.xlarge", false).0, 3);
}

#[test]
fn g41_unset_ecs_cluster_registers_into_default() {
    let (_, out) = run(
        json!({"version": 1,
            "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}],
            "taskDefinitions": [td("web", json!({"memory": 128}))],
            "services": [{"serviceName": "api", "cluster": "prod", "taskDefinition": "web", "desiredCount": 1}]}),
        60,
    );
    assert_eq!(out["containerInstances"][0]["cluster"], "default");
    assert_eq!(out["services"][0]["runningCount"], 0);
    assert!(service_messages(&out)[0].starts_with("service api was unable to place a task because no container instance met all of its requirements."));
}

#[test]
fn memory_shortage_uses_aws_wording_for_the_closest_instance() {
    let (_, out) = run(
        json!({"version": 1,
            "containerInstances": [instance("t3.micro", "us-east-1a", "i-small", json!({}))],
            "taskDefinitions": [td("big", json!({"memory": 4096}))],
            "services": [{"serviceName": "big", "cluster": "c", "taskDefinition": "big", "desiredCount": 1}]}),
        30,
    );
    assert_eq!(
        service_messages(&out)[0],
        "service big was unable to place a task because no container instance met all of its requirements. The closest matching container-instance i-small has insufficient memory available. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
    );
}

#[test]
fn same_scenario_same_event_log() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../public/scenarios/example.json"
    ))
    .unwrap();
    let a = ecs_engine::scenario_digest(&text).unwrap();
    let b = ecs_engine::scenario_digest(&text).unwrap();
    assert_eq!(a, b);
    let mut other: Value = serde_json::from_str(&text).unwrap();
    other["seed"] = json!(43);
    assert_ne!(
        a,
        ecs_engine::scenario_digest(&other.to_string()).unwrap(),
        "the seed drives the run"
    );
}

#[test]
fn g9_default_scale_in_stops_in_the_busiest_zone() {
    let (sim, out) = run(
        json!({"version": 1,
            "containerInstances": [instance("m5.large", "us-east-1a", "a1", json!({})), instance("m5.large", "us-east-1b", "b1", json!({})), instance("m5.large", "us-east-1c", "c1", json!({}))],
            "taskDefinitions": [td("web", json!({"memory": 128}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 5}],
            "updateServices": [{"at": "PT2M", "service": "web", "cluster": "c", "desiredCount": 4}]}),
        300,
    );
    let count = |running: bool| {
        let mut per_az = std::collections::BTreeMap::new();
        for t in sim.tasks() {
            let was_active = if running { t.is_active() } else { true };
            if was_active {
                *per_az
                    .entry(
                        sim.cluster().instances[t.reservation.slot]
                            .availability_zone
                            .clone(),
                    )
                    .or_insert(0) += 1;
            }
        }
        per_az
    };
    let before = count(false);
    let after = count(true);
    let stopped: Vec<_> = sim.tasks().iter().filter(|t| !t.is_active()).collect();
    assert_eq!(stopped.len(), 1);
    let az = &sim.cluster().instances[stopped[0].reservation.slot].availability_zone;
    assert_eq!(
        before[az],
        *before.values().max().unwrap(),
        "the stopped task came from a zone with the most tasks ({before:?})"
    );
    assert_eq!(after.values().sum::<i32>(), 4);
    assert_eq!(
        stopped[0].stop_code.as_deref(),
        Some("ServiceSchedulerInitiated")
    );
    assert!(
        service_messages(&out)[0].contains("has reached a steady state")
            || service_messages(&out)
                .iter()
                .any(|m| m.contains("has stopped 1 running tasks"))
    );
}

#[test]
fn g10_binpack_scale_in_stops_where_most_remains_after_the_stop() {
    // i1 registers 2048 MiB, i2 4096 MiB; `runningTasksCount < 2` keeps two 512 MiB tasks on each.
    let (sim, _) = run(
        json!({"version": 1,
            "containerInstances": [
                instance("m5.large", "us-east-1a", "i1", json!({"ecsConfig": {"ECS_RESERVED_MEMORY": 8028 - 2048}})),
                instance("m5.large", "us-east-1a", "i2", json!({"ecsConfig": {"ECS_RESERVED_MEMORY": 8028 - 4096}}))],
            "taskDefinitions": [td("web", json!({"memory": 512}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 4,
                "placementStrategy": [{"type": "binpack", "field": "memory"}],
                "placementConstraints": [{"type": "memberOf", "expression": "runningTasksCount < 2"}]}],
            "updateServices": [{"at": "PT2M", "service": "web", "cluster": "c", "desiredCount": 3}]}),
        300,
    );
    let stopped: Vec<_> = sim.tasks().iter().filter(|t| !t.is_active()).collect();
    assert_eq!(stopped.len(), 1);
    assert_eq!(
        sim.cluster().instances[stopped[0].reservation.slot].ec2_instance_id,
        "i2",
        "i2 has 3584 MiB free after the stop, i1 only 1536"
    );
}

#[test]
fn explanation_names_the_stage_and_the_port_for_every_instance() {
    use ecs_engine::placement::explain::{Rejection, Stage, Verdict};
    let (sim, _) = run(
        json!({"version": 1,
            "containerInstances": [instance("m5.large", "us-east-1a", "i1", json!({})), instance("m5.large", "us-east-1b", "i2", json!({})), instance("t3.micro", "us-east-1b", "tiny", json!({}))],
            "taskDefinitions": [td("web", json!({"memory": 1024, "portMappings": [{"containerPort": 80, "hostPort": 80}]}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 3}]}),
        120,
    );
    let e = sim.explain_next_placement("web").unwrap();
    assert_eq!(e.chosen, None);
    assert_eq!(
        e.strategies,
        vec![
            "spread(attribute:ecs.availability-zone)",
            "spread(instanceId)"
        ]
    );
    let verdict = |id: &str| {
        e.candidates
            .iter()
            .find(|c| c.instance_id == id)
            .unwrap()
            .verdict
            .clone()
    };
    for id in ["i1", "i2"] {
        assert_eq!(
            verdict(id),
            Verdict::Rejected {
                stage: Stage::Resources,
                rejection: Rejection::PortInUse {
                    port: 80,
                    protocol: ecs_engine::task_definition::Protocol::Tcp
                }
            }
        );
    }
    assert!(matches!(
        verdict("tiny"),
        Verdict::Rejected {
            stage: Stage::Resources,
            rejection: Rejection::Memory {
                requested: 1024,
                ..
            }
        }
    ));
    assert!(e.render().contains("host port 80/tcp is already in use"));
    assert!(sim.explain_next_placement("nope").is_err());
}

#[test]
fn g5_cluster_reservation() {
    let (sim, _) = run(
        json!({"version": 1,
            "containerInstances": [instance("c4.4xlarge", "us-east-1a", "big", json!({})), instance("c4.large", "us-east-1a", "small", json!({}))],
            "taskDefinitions": [{"family": "t", "cpu": "1024", "memory": "2048", "containerDefinitions": [{"name": "a", "image": "x"}]}],
            "services": [{"serviceName": "t", "cluster": "c", "taskDefinition": "t", "desiredCount": 10}]}),
        60,
    );
    assert_eq!(sim.services()[0].desired_count, 10);
    let r = ecs_engine::metrics::cluster_reservation(sim.cluster(), "c").unwrap();
    assert_eq!(sim.tasks().len(), 10);
    assert_eq!(
        (r.cpu_percent.round(), r.memory_percent.round()),
        (56.0, 60.0),
        "10240/18432 and 20480/33926"
    );
    assert!((r.cpu_percent - 55.555).abs() < 0.01);
}

#[test]
fn daemon_service_runs_one_task_on_every_instance_including_late_ones() {
    // 4.1: DAEMON places one task on every ACTIVE instance that meets the constraints.
    let (_, out) = run(
        json!({"version": 1,
            "containerInstances": [instance("m5.large", "us-east-1a", "i1", json!({})), instance("m5.large", "us-east-1b", "i2", json!({})),
                instance("t3.micro", "us-east-1c", "i3", json!({"launchAt": "PT5M"})),
                instance("m5.large", "us-east-1c", "other", json!({"attributes": {"role": "db"}}))],
            "taskDefinitions": [td("agent", json!({"memory": 64}))],
            "services": [{"serviceName": "agent", "cluster": "c", "taskDefinition": "agent", "schedulingStrategy": "DAEMON",
                "placementConstraints": [{"type": "memberOf", "expression": "attribute:role not_exists"}]}]}),
        600,
    );
    let mut hosts = tasks_on(&out);
    hosts.sort();
    assert_eq!(hosts, vec!["i1", "i2", "i3"]);
    assert_eq!(out["services"][0]["runningCount"], 3);
    assert_eq!(out["services"][0]["schedulingStrategy"], "DAEMON");
    // Its desiredCount is the instances it should run on: "other" fails the constraint.
    assert_eq!(out["services"][0]["desiredCount"], 3);
}

/// A DAEMON service `agent` on three instances, updated to `agent:2` at five minutes.
fn daemon_update(deployment: Value) -> Value {
    let mut service = json!({"serviceName": "agent", "cluster": "c", "taskDefinition": "agent:1",
        "schedulingStrategy": "DAEMON",
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:role == agent"}]});
    if !deployment.is_null() {
        service["deploymentConfiguration"] = deployment;
    }
    json!({"version": 1, "duration": "PT30M",
        "containerInstances": [instance("m5.large", "us-east-1a", "i1", json!({"attributes": {"role": "agent"}})),
            instance("m5.large", "us-east-1b", "i2", json!({"attributes": {"role": "agent"}})),
            instance("m5.large", "us-east-1c", "i3", json!({"attributes": {"role": "agent"}}))],
        "taskDefinitions": [td("agent", json!({"memory": 64})), td("agent", json!({"memory": 64, "image": "nginx:2"}))],
        "services": [service],
        "updateServices": [{"at": "PT5M", "service": "agent", "cluster": "c", "taskDefinition": "agent:2"}]})
}

/// Revisions of the daemon's RUNNING tasks, per instance, sorted.
fn daemon_revisions(sim: &Simulation) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = sim
        .tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Running)
        .map(|t| {
            (
                sim.cluster().instances[t.reservation.slot]
                    .ec2_instance_id
                    .clone(),
                t.task_definition_arn
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_daemon_deployment_replaces_each_instances_task_4_1_4_3() {
    // Defaults min 0 / max 100: every old task stops at once, each instance's new task starts
    // once its old one has stopped (it held the resources).
    let mut sim = Simulation::new(Scenario::from_value(daemon_update(Value::Null)).unwrap());
    sim.advance_to(SimTime(4 * 60_000)).unwrap();
    assert_eq!(daemon_revisions(&sim).len(), 3);
    assert!(daemon_revisions(&sim).iter().all(|(_, r)| r == "agent:1"));
    sim.advance_to(SimTime(5 * 60_000 + 1_000)).unwrap();
    assert!(daemon_revisions(&sim).is_empty(), "min 0: all stop first");
    sim.advance_to(SimTime(8 * 60_000)).unwrap();
    let after = daemon_revisions(&sim);
    assert_eq!(after.len(), 3);
    assert!(after.iter().all(|(_, r)| r == "agent:2"), "{after:?}");
    // min 50 of 3: ceil(1.5) = 2 keep running, so one instance at a time.
    let mut sim = Simulation::new(
        Scenario::from_value(daemon_update(json!({"minimumHealthyPercent": 50}))).unwrap(),
    );
    sim.advance_to(SimTime(5 * 60_000 + 1_000)).unwrap();
    assert_eq!(daemon_revisions(&sim).len(), 2);
    sim.advance_to(SimTime(20 * 60_000)).unwrap();
    assert!(daemon_revisions(&sim).iter().all(|(_, r)| r == "agent:2"));
    assert_eq!(daemon_revisions(&sim).len(), 3);
    // maximumPercent must be 100.
    let mut sim = Simulation::new(
        Scenario::from_value(daemon_update(json!({"maximumPercent": 200}))).unwrap(),
    );
    sim.advance_to(SimTime(60_000)).unwrap();
    assert!(sim.log().entries().iter().any(|e| e
        .message
        .contains("deploymentConfiguration.maximumPercent: a DAEMON service needs 100, not 200")));
    assert!(sim.services().is_empty());
}

#[test]
fn a_daemon_task_stops_where_the_constraints_no_longer_hold_4_1() {
    // PutAttributes role=db on i2 at 3 minutes: memberOf(attribute:role == agent) fails there.
    let mut v = daemon_update(Value::Null);
    v["updateServices"] = json!([]);
    v["putAttributes"] = json!([{"at": "PT3M", "cluster": "c", "attributes": [
        {"name": "role", "value": "db", "targetType": "container-instance", "targetId": "i2"}]}]);
    v["eventRules"] = json!([{"Name": "violated", "EventPattern": {"detail-type": ["ECS Service Action"],
        "detail": {"eventName": ["SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED"]}}, "Targets": []}]);
    let mut sim = Simulation::new(Scenario::from_value(v).unwrap());
    sim.advance_to(SimTime(2 * 60_000)).unwrap();
    assert_eq!(daemon_revisions(&sim).len(), 3);
    sim.advance_to(SimTime(5 * 60_000)).unwrap();
    let hosts: Vec<String> = daemon_revisions(&sim).into_iter().map(|(i, _)| i).collect();
    assert_eq!(hosts, vec!["i1", "i3"]);
    let stopped = sim
        .tasks()
        .iter()
        .find(|t| t.last_status == TaskStatus::Stopped)
        .unwrap();
    assert!(stopped
        .stopped_reason
        .as_deref()
        .unwrap()
        .contains("no longer meets the service's placement constraints"));
    // 9.1: and the service action event said so, once.
    assert_eq!(sim.event_rule_matches(), &[1]);
}

/// A scenario with one service of `desired` tasks on web:1, updated to web:2 at two minutes.
fn rolling(desired: u32, min: u32, max: u32, instances: usize) -> Value {
    let insts: Vec<Value> = (0..instances)
        .map(|i| {
            instance(
                "m5.xlarge",
                ["us-east-1a", "us-east-1b", "us-east-1c"][i % 3],
                &format!("i{i}"),
                json!({}),
            )
        })
        .collect();
    json!({"version": 1, "duration": "PT20M",
        "containerInstances": insts,
        "taskDefinitions": [td("web", json!({"memory": 256})), td("web", json!({"memory": 256, "image": "nginx:2"}))],
        "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web:1", "desiredCount": desired,
            "deploymentConfiguration": {"minimumHealthyPercent": min, "maximumPercent": max}}],
        "updateServices": [{"at": "PT2M", "service": "web", "cluster": "c", "taskDefinition": "web:2"}]})
}

fn healthy_now(sim: &Simulation) -> usize {
    let now = sim.now().as_ms();
    sim.tasks()
        .iter()
        .filter(|t| {
            t.last_status == ecs_engine::task::TaskStatus::Running
                && t.desired_status == ecs_engine::task::TaskStatus::Running
                && t.started_at.is_some_and(|s| now >= s.as_ms() + 40_000)
        })
        .count()
}

#[test]
fn g17_rolling_update_within_min_and_max() {
    let mut sim = Simulation::new(Scenario::from_value(rolling(4, 50, 200, 3)).unwrap());
    let (mut max_live, mut min_healthy_after_update) = (0, usize::MAX);
    while let Some(t) = sim.step() {
        let live = sim
            .tasks()
            .iter()
            .filter(|t| t.desired_status == ecs_engine::task::TaskStatus::Running)
            .count();
        max_live = max_live.max(live);
        if t.as_ms() >= 120_000 {
            min_healthy_after_update = min_healthy_after_update.min(healthy_now(&sim));
        }
    }
    assert!(
        max_live <= 8,
        "at most floor(4 × 200 %) = 8 tasks ({max_live})"
    );
    assert_eq!(max_live, 6, "4 new start at once while 2 old may stop");
    assert!(
        min_healthy_after_update >= 2,
        "at least ceil(4 × 50 %) = 2 stay healthy ({min_healthy_after_update})"
    );
    let out = sim.describe();
    let running: Vec<&Value> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["lastStatus"] == "RUNNING")
        .collect();
    assert_eq!(running.len(), 4);
    assert!(running
        .iter()
        .all(|t| t["taskDefinitionArn"].as_str().unwrap().ends_with("web:2")));
    assert!(service_messages(&out)
        .iter()
        .any(|m| m.contains("deployment completed.")));

    for (desired, min, max) in [(2, 75, 100), (3, 100, 125)] {
        let (_, out) = run(rolling(desired, min, max, 3), 600);
        let messages = service_messages(&out);
        assert!(
            messages.iter().any(|m| m.ends_with("was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.")),
            "desired {desired}, min {min}, max {max} stalls: {messages:?}"
        );
        let old_running = out["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| {
                t["lastStatus"] == "RUNNING"
                    && t["taskDefinitionArn"].as_str().unwrap().ends_with("web:1")
            })
            .count();
        assert_eq!(old_running, desired as usize, "no progress");
    }
}

#[test]
fn g18_new_task_counts_as_healthy_40_seconds_after_running() {
    let (sim, _) = run(rolling(1, 100, 200, 1), 600);
    let old = sim
        .tasks()
        .iter()
        .find(|t| t.task_definition_arn.ends_with("web:1"))
        .unwrap();
    let new = sim
        .tasks()
        .iter()
        .find(|t| t.task_definition_arn.ends_with("web:2"))
        .unwrap();
    let new_running = new.started_at.unwrap().as_ms();
    let stopping_at = sim
        .log()
        .entries()
        .iter()
        .find(|e| {
            e.task_id.as_deref() == Some(old.id.as_str()) && e.message.ends_with("is STOPPING")
        })
        .unwrap()
        .at_ms;
    assert_eq!(
        stopping_at,
        new_running + 40_000,
        "the old task stops only once the new one counts as healthy"
    );
    assert_eq!(old.stop_code.as_deref(), Some("ServiceSchedulerInitiated"));
    assert!(old
        .stopped_reason
        .as_deref()
        .unwrap()
        .starts_with("Scaling activity initiated by (deployment ecs-svc/"));
}

#[test]
fn g40_draining_replaces_service_tasks_and_keeps_standalone_ones() {
    let (sim, out) = run(
        json!({"version": 1, "duration": "PT10M",
            "containerInstances": [instance("m5.large", "us-east-1a", "drain-me", json!({})), instance("m5.large", "us-east-1b", "other", json!({"launchAt": "PT1M"}))],
            "taskDefinitions": [td("web", json!({"memory": 256})), td("job", json!({"memory": 256}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 2}],
            "runTasks": [{"at": 0, "cluster": "c", "taskDefinition": "job"}],
            "updateContainerInstancesState": [{"at": "PT2M", "cluster": "c", "containerInstances": ["drain-me"], "status": "DRAINING"}]}),
        600,
    );
    let drained = &out["containerInstances"][0];
    assert_eq!(drained["status"], "DRAINING");
    assert_eq!(
        drained["runningTasksCount"], 1,
        "only the standalone task is left"
    );
    let on = |id: &str, group: &str| {
        sim.tasks()
            .iter()
            .filter(|t| {
                t.is_active()
                    && t.group == group
                    && sim.cluster().instances[t.reservation.slot].ec2_instance_id == id
            })
            .count()
    };
    assert_eq!(on("drain-me", "service:web"), 0);
    assert_eq!(
        on("other", "service:web"),
        2,
        "the service tasks were replaced elsewhere"
    );
    assert_eq!(
        on("drain-me", "family:job"),
        1,
        "the standalone task keeps running"
    );
}

#[test]
fn option_missing_attribute_matches_negations() {
    // 3.5 open question: does `attribute:stack != prod` match an instance without `stack`?
    let scenario = |flag: bool| {
        json!({"version": 1, "options": {"missingAttributeMatchesNegations": flag},
            "containerInstances": [instance("m5.large", "us-east-1a", "plain", json!({})), instance("m5.large", "us-east-1b", "dev", json!({"attributes": {"stack": "dev"}}))],
            "taskDefinitions": [td("web", json!({"memory": 64}))],
            "runTasks": [{"cluster": "c", "taskDefinition": "web", "count": 4, "placementConstraints": [{"type": "memberOf", "expression": "attribute:stack != prod"}]}]})
    };
    let mut hosts = tasks_on(&run(scenario(false), 30).1);
    hosts.dedup();
    assert_eq!(
        hosts,
        vec!["dev"],
        "by default an instance without the attribute is excluded"
    );
    let mut hosts = tasks_on(&run(scenario(true), 30).1);
    hosts.sort();
    hosts.dedup();
    assert_eq!(hosts, vec!["dev", "plain"]);
}

#[test]
fn location_awsvpc_tasks_go_only_where_their_subnets_are() {
    // 3.1/3.8: for awsvpc the instance's AZ must host one of the chosen subnets (LOCATION).
    let doc = |subnets: Value| {
        json!({"version": 1,
            "subnets": [{"subnetId": "subnet-b-private", "availabilityZone": "us-east-1b"}],
            "containerInstances": [instance("m5.xlarge", "us-east-1a", "in-a", json!({})), instance("m5.xlarge", "us-east-1b", "in-b", json!({}))],
            "taskDefinitions": [{"family": "v", "networkMode": "awsvpc", "containerDefinitions": [{"name": "a", "image": "x", "memory": 32}]}],
            "runTasks": [{"cluster": "c", "taskDefinition": "v", "count": 3, "networkConfiguration": {"awsvpcConfiguration": {"subnets": subnets}}}]})
    };
    let (_, out) = run(doc(json!(["subnet-b-private"])), 30);
    assert_eq!(tasks_on(&out), vec!["in-b", "in-b", "in-b"]);
    let (_, out) = run(doc(json!(["subnet-us-east-1c"])), 30);
    assert_eq!(
        out["tasks"].as_array().unwrap().len(),
        3,
        "an unknown subnet is not checked (and logged)"
    );
    let (_, out) = run(doc(json!([])), 30);
    assert!(out["events"]
        .to_string()
        .contains("networkConfiguration.awsvpcConfiguration.subnets: required"));
    let mut no_b = doc(json!(["subnet-b-private"]));
    no_b["containerInstances"] = json!([instance("m5.xlarge", "us-east-1a", "in-a", json!({}))]);
    let (_, out) = run(no_b, 30);
    assert_eq!(out["failures"][0]["reason"], "LOCATION");
}

/// Section 12 item 1: AWS does not document its tie-break. With `options.placementTieBreak:
/// "firstRegistered"`, spread(instanceId) over three empty, equal instances fills them in
/// registration order, and the explanation says why the others lost.
#[test]
fn section_12_ties_go_to_the_first_registered_instance_when_the_scenario_asks() {
    let scenario = |tie_break: &str| {
        json!({"version": 1,
            "options": {"placementTieBreak": tie_break},
            "containerInstances": [
                instance("m5.large", "us-east-1a", "i1", json!({})),
                instance("m5.large", "us-east-1a", "i2", json!({})),
                instance("m5.large", "us-east-1a", "i3", json!({}))],
            "taskDefinitions": [td("web", json!({"memory": 128}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 2,
                "placementStrategy": [{"type": "spread", "field": "instanceId"}]}]})
    };
    let (sim, out) = run(scenario("firstRegistered"), 60);
    assert_eq!(tasks_on(&out), vec!["i1", "i2"]);
    let next = sim.explain_next_placement("web").unwrap();
    assert_eq!(
        next.chosen.as_deref(),
        Some("i3"),
        "the only one with no task"
    );
    let (_, first_ran) = run(scenario("firstRegistered"), 60);
    assert_eq!(out, first_ran, "deterministic");

    // The first task's placement, replayed: i1 chosen, i2 and i3 tied with it.
    let first = out["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let placed = sim.explain_task_placement(&first).unwrap();
    let reasons: Vec<Option<String>> = placed
        .explanation
        .candidates
        .iter()
        .map(|c| c.verdict.reason())
        .collect();
    assert_eq!(
        reasons,
        vec![
            None,
            Some("tied with the chosen instance, which registered earlier".to_string()),
            Some("tied with the chosen instance, which registered earlier".to_string()),
        ]
    );
    let e = Scenario::from_value(scenario("lowestId")).unwrap_err();
    assert_eq!(e.path, "options.placementTieBreak");
}

/// Section 12 item 1: whether spread counts PENDING tasks is [unconfirmed]. Counted (the
/// default), a service of 4 placed at once on the default spread(AZ) then spread(instanceId)
/// takes every instance of two zones; counted only once RUNNING, the 4 tasks all tie, and the
/// first-registered tie-break stacks them on one instance. Two tasks added once those run go to
/// the empty zone, and again both to its first instance. (Availability Zone rebalancing is off
/// here: it would move the stacked tasks, which is not what this test looks at.)
#[test]
fn section_12_spread_without_pending_tasks_stacks_a_batch() {
    let scenario = |counts_pending: bool| {
        json!({"version": 1,
            "options": {"placementTieBreak": "firstRegistered", "spreadCountsPending": counts_pending},
            "containerInstances": [
                instance("m5.large", "us-east-1a", "a1", json!({})), instance("m5.large", "us-east-1a", "a2", json!({})),
                instance("m5.large", "us-east-1b", "b1", json!({})), instance("m5.large", "us-east-1b", "b2", json!({}))],
            "taskDefinitions": [td("web", json!({"memory": 128}))],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": 4,
                "availabilityZoneRebalancing": "DISABLED"}],
            "updateServices": [{"at": "PT5M", "service": "web", "cluster": "c", "desiredCount": 6}]})
    };
    let (_, counted) = run(scenario(true), 60);
    let mut on = tasks_on(&counted);
    on.sort();
    assert_eq!(on, vec!["a1", "a2", "b1", "b2"]);

    let (_, out) = run(scenario(false), 60);
    assert_eq!(tasks_on(&out), vec!["a1", "a1", "a1", "a1"]);
    let (_, later) = run(scenario(false), 6 * 60);
    let on: Vec<String> = tasks_on(&later).into_iter().skip(4).collect();
    assert_eq!(
        on,
        vec!["b1", "b1"],
        "the 4 RUNNING tasks count (zone b is empty), the 2 new PENDING ones do not"
    );
}

#[test]
fn registered_ports_follow_the_agent_and_pending_tasks_are_counted_2_2_2_3() {
    // ECS_RESERVED_PORTS replaces the 5 defaults; registeredResources shows what the agent
    // reserved, remainingResources adds a task's static port; a task still PENDING counts in
    // pendingTasksCount.
    let v = json!({"version": 1,
        "containerInstances": [
            instance("m5.large", "us-east-1a", "i1", json!({"ecsConfig": {"ECS_RESERVED_PORTS": "[22, 8080]", "ECS_RESERVED_PORTS_UDP": "[53]"}})),
            instance("m5.large", "us-east-1a", "i2", json!({}))],
        "taskDefinitions": [td("web", json!({"memory": 64, "portMappings": [{"containerPort": 80, "hostPort": 80}]}))],
        "runTasks": [{"cluster": "c", "taskDefinition": "web", "count": 2}]});
    let (_, out) = run(v, 1);
    let inst = |id: &str| {
        out["containerInstances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ec2InstanceId"] == id)
            .unwrap()
            .clone()
    };
    let ports = |i: &Value, key: &str, name: &str| {
        i[key]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["stringSetValue"]
            .clone()
    };
    let i1 = inst("i1");
    assert_eq!(
        ports(&i1, "registeredResources", "PORTS"),
        json!(["22", "8080"])
    );
    assert_eq!(
        ports(&i1, "registeredResources", "PORTS_UDP"),
        json!(["53"])
    );
    assert_eq!(
        ports(&i1, "remainingResources", "PORTS"),
        json!(["22", "80", "8080"])
    );
    let i2 = inst("i2");
    assert_eq!(
        ports(&i2, "registeredResources", "PORTS"),
        json!(["22", "2375", "2376", "51678", "51679"])
    );
    // One task per instance (static port 80), both still PENDING one second in.
    assert_eq!(i1["pendingTasksCount"], 1);
    assert_eq!(i2["pendingTasksCount"], 1);
}

#[test]
fn a_logging_driver_needs_the_agent_to_advertise_it_1_8() {
    // fluentd is not among the default drivers: RunTask fails with ATTRIBUTE until the agent
    // lists it in ECS_AVAILABLE_LOGGING_DRIVERS.
    let scenario = |config: Value| {
        json!({"version": 1,
            "containerInstances": [instance("m5.large", "us-east-1a", "i1", json!({"ecsConfig": config}))],
            "taskDefinitions": [td("web", json!({"memory": 64, "logConfiguration": {"logDriver": "fluentd"}}))],
            "runTasks": [{"cluster": "c", "taskDefinition": "web"}]})
    };
    let (_, out) = run(scenario(json!({})), 30);
    assert_eq!(out["failures"][0]["reason"], "ATTRIBUTE");
    let (_, out) = run(
        scenario(json!({"ECS_AVAILABLE_LOGGING_DRIVERS": "[\"json-file\",\"fluentd\"]"})),
        30,
    );
    assert_eq!(out["tasks"].as_array().unwrap().len(), 1);
    let attrs = out["containerInstances"][0]["attributes"].to_string();
    assert!(attrs.contains("com.amazonaws.ecs.capability.logging-driver.fluentd"));
    assert!(!attrs.contains("com.amazonaws.ecs.capability.logging-driver.awslogs"));
}

#[test]
fn start_task_runs_on_the_named_instances_or_says_why_not_2_6_3_8() {
    // One task per named instance, no placement: i1 takes it; i2 is too small; i3 was
    // terminated (INACTIVE); "i-nope" does not exist (MISSING).
    let v = json!({"version": 1,
        "containerInstances": [instance("m5.large", "us-east-1a", "i1", json!({})),
            instance("t3.micro", "us-east-1a", "i2", json!({})),
            instance("m5.large", "us-east-1b", "i3", json!({}))],
        "taskDefinitions": [td("web", json!({"memory": 1024, "cpu": 512}))],
        "faults": [{"type": "InstanceTermination", "at": "PT1M", "instance": "i3"}],
        "startTasks": [{"at": "PT2M", "cluster": "c", "taskDefinition": "web",
            "containerInstances": ["i1", "i2", "i3", "i-nope"]},
            {"at": "PT3M", "cluster": "c", "taskDefinition": "web", "containerInstances": []}]});
    let (sim, out) = run(v, 240);
    assert_eq!(tasks_on(&out), vec!["i1"]);
    let reasons: Vec<&str> = out["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, vec!["RESOURCE:MEMORY", "INACTIVE", "MISSING"]);
    assert!(sim.log().entries().iter().any(|e| e
        .message
        .starts_with("StartTask failed: startTasks[1].containerInstances")));
    assert!(sim.log().entries().iter().any(|e| e
        .message
        .contains("StartTask web:1 count 4 in cluster c: 1 started, 3 failed")));
}

/// A bridge service `web` of `desired` tasks whose container maps port 80 dynamically and
/// `range` as a containerPortRange (1.5), on one m5.large.
fn port_range_service(range: &str, desired: u32) -> Value {
    json!({
        "version": 1, "seed": 6, "duration": "PT1H",
        "clusters": [{"clusterName": "c"}],
        "containerInstances": [instance("m5.large", "us-east-1a", "i-a", json!({}))],
        "taskDefinitions": [td("web", json!({"memory": 128, "portMappings": [
            {"containerPort": 80}, {"containerPortRange": range}]}))],
        "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web", "desiredCount": desired}],
        "updateServices": [{"at": "PT30M", "service": "web", "cluster": "c", "desiredCount": 0}]
    })
}

#[test]
fn a_container_port_range_binds_a_block_of_dynamic_host_ports_1_5() {
    let (mut sim, out) = run(port_range_service("8000-8099", 2), 120);
    // DescribeTasks: one binding for the range, its host range consecutive ports of the
    // ephemeral range; one for port 80.
    let (lo, hi) = sim.cluster().instances[0].dynamic_range;
    let mut blocks = Vec::new();
    for task in out["tasks"].as_array().unwrap() {
        let bindings = task["containers"][0]["networkBindings"].as_array().unwrap();
        assert_eq!(bindings.len(), 2);
        assert_eq!(bindings[0]["containerPort"], 80);
        assert_eq!(bindings[0]["bindIP"], "0.0.0.0");
        assert_eq!(bindings[1]["containerPortRange"], "8000-8099");
        let host = bindings[1]["hostPortRange"].as_str().unwrap();
        let (a, b) = host.split_once('-').unwrap();
        let (a, b): (u16, u16) = (a.parse().unwrap(), b.parse().unwrap());
        assert_eq!(b - a, 99, "{host}");
        assert!(lo <= a && b <= hi, "{host} in the ephemeral range");
        let single: u16 = bindings[0]["hostPort"].as_u64().unwrap() as u16;
        assert!(!(a..=b).contains(&single));
        blocks.push((a, b));
    }
    assert!(
        blocks[0].1 < blocks[1].0 || blocks[1].1 < blocks[0].0,
        "{blocks:?}"
    );
    // Each task holds 101 dynamic ports; they come back when the tasks stop.
    assert_eq!(sim.cluster().instances[0].dynamic_counts[0], 202);
    sim.advance_to(SimTime(40 * 60 * 1000)).unwrap();
    assert_eq!(sim.cluster().instances[0].dynamic_counts[0], 0);
}

#[test]
fn a_port_range_without_a_free_block_is_not_placed_1_5() {
    // A 10-port ephemeral range with a static port at 50005 in it: 9 ports are free, but the
    // longest run of consecutive ones is 5, so a 6-port range finds no block.
    let mut v = port_range_service("8000-8005", 0);
    v["updateServices"] = json!([{"at": 30, "service": "web", "cluster": "c", "desiredCount": 1}]);
    v["containerInstances"][0]["ecsConfig"]["ECS_DYNAMIC_HOST_PORT_RANGE"] = json!("50000-50009");
    v["taskDefinitions"][0]["containerDefinitions"][0]["portMappings"] =
        json!([{"containerPortRange": "8000-8005"}]);
    v["taskDefinitions"].as_array_mut().unwrap().push(td(
        "blocker",
        json!({"memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 50005}]}),
    ));
    v["runTasks"] = json!([{"at": 0, "cluster": "c", "taskDefinition": "blocker"}]);
    let (sim, out) = run(v, 60);
    let web: Vec<&Value> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["group"] == "service:web")
        .collect();
    assert!(web.is_empty());
    let e = sim.explain_next_placement("web").unwrap();
    assert!(
        e.render()
            .contains("no 6 consecutive free tcp ports in the dynamic host port range"),
        "{}",
        e.render()
    );
}

#[test]
fn an_awsvpc_task_describes_its_eni_attachment_1_4() {
    // A Fargate task of an awsvpc definition: DescribeTasks lists its ENI under attachments
    // (ATTACHED while it lives, DELETED once STOPPED) and under each container.
    let v = json!({"version": 1, "duration": "PT30M",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}],
        "taskDefinitions": [{"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "a", "image": "nginx"}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}}],
        "updateServices": [{"at": "PT10M", "service": "web", "desiredCount": 0}]});
    let (mut sim, out) = run(v, 120);
    let task = &out["tasks"][0];
    let eni = &task["attachments"][0];
    assert_eq!(
        (eni["type"].as_str(), eni["status"].as_str()),
        (Some("ElasticNetworkInterface"), Some("ATTACHED"))
    );
    let detail = |name: &str| {
        eni["details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .map(|d| d["value"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(detail("subnetId"), "subnet-a");
    assert!(detail("networkInterfaceId").starts_with("eni-0"));
    let ip = detail("privateIPv4Address");
    assert_eq!(
        task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"],
        ip
    );
    assert_eq!(
        task["containers"][0]["networkInterfaces"][0]["attachmentId"],
        eni["id"]
    );
    // One task by the first characters of its ID, as the chips show it, or by its ARN.
    let arn = task["taskArn"].as_str().unwrap();
    let short = &arn.rsplit('/').next().unwrap()[..8];
    assert_eq!(&sim.describe_task_by_id(short).unwrap(), task);
    assert_eq!(&sim.describe_task_by_id(arn).unwrap(), task);
    assert!(sim.describe_task_by_id("zzzz").is_err());
    sim.advance_to(SimTime(15 * 60 * 1000)).unwrap();
    let out = sim.describe();
    assert_eq!(out["tasks"][0]["attachments"][0]["status"], "DELETED");
}
