//! Every preset in public/scenarios loads, runs, and shows the behaviour its description
//! claims (asserted on the engine's result), and survives a trip through a shared URL with the
//! same event-log digest.

mod support;

use std::collections::BTreeMap;

use ecs_engine::{share, Scenario, Simulation};
use serde_json::{json, Value};

fn preset(name: &str) -> (Simulation, Value) {
    run_to_end(preset_doc(name))
}

/// Preset `name`'s document, to change for its Try.
fn preset_doc(name: &str) -> Value {
    let path = format!(
        "{}/../public/scenarios/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Runs `doc` to its end: the simulation and its `run` output.
fn run_to_end(doc: Value) -> (Simulation, Value) {
    let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
    sim.run_to_end().unwrap();
    let out = sim.describe();
    (sim, out)
}

/// The messages of a described service's events.
fn service_events(svc: &Value) -> Vec<&str> {
    svc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect()
}

/// Whether no task of the run stopped because its instance terminated under it.
fn no_task_died_with_its_instance(out: &Value) -> bool {
    out["tasks"]
        .as_array()
        .is_some_and(|ts| ts.iter().all(|t| t["stopCode"] != "TerminationNotice"))
}

fn service<'a>(out: &'a Value, name: &str) -> &'a Value {
    out["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["serviceName"] == name)
        .unwrap()
}

fn instances_used_by(out: &Value, group: &str) -> usize {
    let mut ids: Vec<&str> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["group"] == group && t["lastStatus"] == "RUNNING")
        .map(|t| t["ec2InstanceId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

#[test]
fn every_preset_round_trips_through_a_shared_url() {
    let dir = format!("{}/../public/scenarios", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let link = share::encode(&doc);
        assert!(
            link.len() <= 2000,
            "{}: {} URL characters",
            path.display(),
            link.len()
        );
        let back = share::decode_to_json(&link).unwrap();
        assert_eq!(
            ecs_engine::scenario_digest(&text).unwrap(),
            ecs_engine::scenario_digest(&back).unwrap(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn preset_binpack_vs_spread() {
    let (_, out) = preset("binpack-vs-spread");
    assert_eq!(service(&out, "api-packed")["runningCount"], 8);
    assert_eq!(service(&out, "api-spread")["runningCount"], 8);
    // m5.large: 2048 CPU units, 8 tasks of 256 fit on one instance.
    assert_eq!(
        instances_used_by(&out, "service:api-packed"),
        1,
        "binpack fills one instance first"
    );
    assert_eq!(
        instances_used_by(&out, "service:api-spread"),
        6,
        "spread uses every instance"
    );
}

#[test]
fn preset_spread_az_then_binpack() {
    let (sim, _) = preset("spread-az-then-binpack");
    let mut per_az: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_instance: BTreeMap<String, usize> = BTreeMap::new();
    for t in sim.tasks().iter().filter(|t| t.is_active()) {
        let inst = &sim.cluster().instances[t.reservation.slot];
        *per_az.entry(inst.availability_zone.clone()).or_default() += 1;
        *per_instance
            .entry(inst.ec2_instance_id.clone())
            .or_default() += 1;
    }
    assert_eq!(per_az.values().copied().collect::<Vec<_>>(), vec![3, 3, 3]);
    assert_eq!(
        per_instance.len(),
        3,
        "inside each AZ the tasks are packed on one instance"
    );
}

#[test]
fn preset_distinct_instance() {
    let (sim, out) = preset("distinct-instance");
    assert_eq!(
        service(&out, "cache")["runningCount"],
        4,
        "the late fourth instance takes the fourth task"
    );
    let messages = service_events(service(&out, "cache"));
    assert!(messages.iter().any(|m| m.contains(
        "unable to place a task because no container instance met all of its requirements"
    )));
    let placed_late = sim
        .tasks()
        .iter()
        .filter(|t| t.created_at.as_ms() >= 300_000)
        .count();
    assert_eq!(placed_late, 1);
}

#[test]
fn preset_member_of() {
    let (sim, out) = preset("member-of");
    assert_eq!(service(&out, "batch")["runningCount"], 4);
    for t in sim.tasks() {
        let inst = &sim.cluster().instances[t.reservation.slot];
        assert_eq!(
            (inst.instance_type.name, inst.availability_zone.as_str()),
            ("t3.large", "us-east-1b")
        );
    }
}

#[test]
fn preset_static_vs_dynamic_ports() {
    let (_, out) = preset("static-vs-dynamic-ports");
    assert_eq!(service(&out, "static")["runningCount"], 2);
    assert_eq!(service(&out, "dynamic")["runningCount"], 4);
    let events = service(&out, "static")["events"].to_string();
    assert!(events.contains("already using a port required by your task"));
    // Behind the ALB: four instance:port targets on dynamic ports, two per instance, healthy.
    let targets = out["targetGroups"][0]["targetHealthDescriptions"]
        .as_array()
        .unwrap();
    assert_eq!(targets.len(), 4);
    let mut per_instance = BTreeMap::new();
    for t in targets {
        assert!(t["Target"]["Port"].as_u64().unwrap() >= 32768);
        assert_eq!(t["TargetHealth"]["State"], "healthy");
        *per_instance
            .entry(t["Target"]["Id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(
        per_instance.values().copied().collect::<Vec<i32>>(),
        vec![2, 2]
    );
}

#[test]
fn preset_eni_limits() {
    let (_, out) = preset("eni-limits-awsvpc");
    assert_eq!(service(&out, "tiny")["runningCount"], 12);
    assert!(service(&out, "tiny")["events"]
        .to_string()
        .contains("RESOURCE:ENI"));
}

#[test]
fn preset_ecs_cluster_mistake() {
    let (sim, out) = preset("ecs-cluster-mistake");
    let clusters: Vec<&str> = out["containerInstances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["cluster"].as_str().unwrap())
        .collect();
    assert_eq!(clusters, vec!["default", "default", "prod"]);
    assert_eq!(service(&out, "web")["runningCount"], 2);
    assert!(
        sim.tasks().iter().all(|t| t.created_at.as_ms() >= 180_000),
        "nothing runs before the prod instance joins"
    );
    assert!(service(&out, "web")["events"]
        .to_string()
        .contains("No Container Instances were found in your cluster"));
}

/// The app offers every preset and lesson: its pickers and its service worker read the list in
/// public/presets.json (the app fetches the files it names), example first.
#[test]
fn the_app_lists_every_preset_and_lesson() {
    let public = format!("{}/../public", env!("CARGO_MANIFEST_DIR"));
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{public}/presets.json")).unwrap())
            .unwrap();
    assert_eq!(index["scenarios"][0], "example");
    for key in ["scenarios", "lessons"] {
        let mut listed: Vec<String> = index[key]
            .as_array()
            .unwrap_or_else(|| panic!("public/presets.json has no {key} list"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        listed.sort();
        let mut files: Vec<String> = std::fs::read_dir(format!("{public}/{key}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
            .collect();
        files.sort();
        assert_eq!(
            listed, files,
            "public/presets.json {key} against public/{key}/"
        );
    }
    // The picker groups the presets by topic: each preset in exactly one, in the list's order.
    let grouped: Vec<&str> = index["topics"]
        .as_array()
        .expect("public/presets.json has topics")
        .iter()
        .flat_map(|t| t["scenarios"].as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap())
        .collect();
    let listed: Vec<&str> = index["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(grouped, listed, "topics against scenarios");
}

#[test]
fn preset_rolling_deployment() {
    let (_, out) = preset("rolling-deployment");
    let web = service(&out, "web");
    assert_eq!(web["runningCount"], 4);
    let running: Vec<&Value> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["lastStatus"] == "RUNNING")
        .collect();
    assert!(running
        .iter()
        .all(|t| t["taskDefinitionArn"].as_str().unwrap().ends_with("web:2")));
    let events = web["events"].to_string();
    assert!(
        events.contains("deployment completed.") && events.contains("has reached a steady state.")
    );
}

#[test]
fn preset_instance_draining() {
    let (_, out) = preset("instance-draining");
    let drained = &out["containerInstances"][0];
    assert_eq!(
        (
            drained["status"].as_str(),
            drained["runningTasksCount"].as_u64()
        ),
        (Some("DRAINING"), Some(1))
    );
    assert_eq!(service(&out, "web")["runningCount"], 2);
}

/// The tasks of `group` on instance `id`, described.
fn tasks_of<'a>(out: &'a Value, group: &str, id: &str) -> Vec<&'a Value> {
    out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["group"] == group && t["ec2InstanceId"] == id)
        .collect()
}

#[test]
fn preset_daemon_agents_are_placed_first_and_stopped_last_4_1() {
    let (_, out) = preset("daemon-agents");
    // The late instance: its agent's share was held, so web took 3 slots of 512, not 4.
    let late = "i-0daemon000000000d";
    assert_eq!(tasks_of(&out, "service:log-agent", late).len(), 1);
    assert_eq!(tasks_of(&out, "service:web", late).len(), 3);
    assert_eq!(service(&out, "web")["runningCount"], 9);
    assert_eq!(
        service(&out, "log-agent")["desiredCount"],
        3,
        "the drained one left"
    );
    // The drained instance: its agent stopped after its web tasks.
    let drained = "i-0daemon000000000a";
    let last_web = tasks_of(&out, "service:web", drained)
        .iter()
        .map(|t| t["stoppedAt"].as_str().unwrap().to_string())
        .max()
        .unwrap();
    let agent = tasks_of(&out, "service:log-agent", drained);
    assert!(agent[0]["stoppingAt"].as_str().unwrap() >= last_web.as_str());
}

#[test]
fn preset_unhealthy_replacement_first_or_stop_first_4_3() {
    let (sim, _) = preset("unhealthy-replacement");
    let events = |name: &str| -> Vec<String> {
        let svc = sim.services().iter().find(|s| s.name == name).unwrap();
        svc.events.iter().map(|e| e.message.clone()).collect()
    };
    let position = |list: &[String], words: &str| list.iter().position(|m| m.contains(words));
    // web (maximumPercent 200): started the replacement, then stopped the unhealthy task.
    let web = events("web");
    let unhealthy = position(&web, "is unhealthy in (target-group web)").unwrap();
    let started = position(&web[unhealthy..], "has started 1 tasks").unwrap();
    let stopped = position(&web[unhealthy..], "has stopped 1 running tasks").unwrap();
    assert!(started < stopped, "{web:?}");
    // api (maximumPercent 100): stopped it first.
    let api = events("api");
    let unhealthy = position(&api, "is unhealthy in (target-group api)").unwrap();
    let started = position(&api[unhealthy..], "has started 1 tasks").unwrap();
    let stopped = position(&api[unhealthy..], "has stopped 1 running tasks").unwrap();
    assert!(stopped < started, "{api:?}");
}

#[test]
fn target_tracking_behind_an_alb_scales_out_and_back_in() {
    let (sim, out) = preset("target-tracking-alb");
    let activities = sim.scaling_activities();
    let desired: Vec<&str> = activities.iter().map(|a| a.description.as_str()).collect();
    assert!(
        activities[0].at_ms >= 13 * 60_000,
        "3 minutes above target after the 10-minute jump: {desired:?}"
    );
    assert_eq!(
        activities[0].description, "Setting desired count to 4.",
        "ceil(2 × 100 / 50)"
    );
    let peak = activities
        .iter()
        .filter_map(|a| {
            a.description
                .trim_start_matches("Setting desired count to ")
                .trim_end_matches('.')
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap();
    assert!(peak >= 8, "scales out until CPU is under 50 %: {desired:?}");
    assert!(
        activities
            .iter()
            .any(|a| a.at_ms >= 75 * 60_000 && a.cause.contains("AlarmLow")),
        "scales back in: {desired:?}"
    );
    assert_eq!(service(&out, "web")["desiredCount"], 2);
    let series = &sim.time_series().series;
    let errors = &series["targetGroup/web/HTTPCode_ELB_5XX_Count"];
    assert!(
        errors.iter().any(|&e| e > 0.0),
        "the saturated minutes answer 5xx"
    );
    let healthy = &series["targetGroup/web/HealthyHostCount"];
    assert!(
        healthy.iter().any(|&h| h >= 8.0),
        "new targets turn healthy"
    );
    let tg = &out["targetGroups"][0];
    assert!(tg["targetHealthDescriptions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["Target"]["Port"].as_u64().unwrap() >= 32768));
}

fn desired_steps(sim: &Simulation) -> Vec<(u64, u32)> {
    sim.scaling_activities()
        .iter()
        .filter_map(|a| {
            let n = a
                .description
                .strip_prefix("Setting desired count to ")?
                .trim_end_matches('.')
                .parse()
                .ok()?;
            Some((a.at_ms / 60_000, n))
        })
        .collect()
}

#[test]
fn alb_request_count_per_target_follows_the_day() {
    let (sim, out) = preset("alb-request-count-per-target");
    let steps = desired_steps(&sim);
    let peak = steps.iter().map(|(_, n)| *n).max().unwrap();
    assert!((19..=22).contains(&peak), "about 20 at the peak: {steps:?}");
    let at_peak = steps.iter().rfind(|(m, _)| *m <= 14 * 60).unwrap().1;
    assert!(at_peak >= 19, "{steps:?}");
    assert!(steps.last().unwrap().1 <= 5, "about 4 at night: {steps:?}");
    assert!(sim.scaling_activities()[0]
        .cause
        .contains("triggered policy requests-per-target"));
    let per_target = &sim.time_series().series["targetGroup/api/RequestCountPerTarget"];
    let busy: Vec<f64> = per_target[12 * 60..16 * 60].to_vec();
    assert!(
        busy.iter().all(|&v| v < 3600.0),
        "held near 3,000 per target at the peak"
    );
    assert!(
        out["targetGroups"][0]["targetHealthDescriptions"]
            .as_array()
            .unwrap()
            .len()
            >= 4
    );
}

#[test]
fn step_scaling_adds_more_for_a_larger_breach() {
    let (sim, _) = preset("step-scaling");
    let steps = desired_steps(&sim);
    assert_eq!(steps[0], (10, 5), "CPU past 80 %: +3 at once: {steps:?}");
    assert!(
        steps
            .windows(2)
            .take_while(|w| w[1].1 > w[0].1)
            .all(|w| w[1].0 - w[0].0 >= 2),
        "the 120 s cooldown between scale-outs: {steps:?}"
    );
    assert!(sim.scaling_activities().iter().any(|a| a
        .cause
        .starts_with("monitor alarm cpu-low in state ALARM triggered policy in")));
    assert_eq!(steps.last().unwrap().1, 2, "back to the minimum: {steps:?}");
}

#[test]
fn scheduled_scaling_follows_berlin_office_hours() {
    let (sim, _) = preset("scheduled-scaling");
    // Start 06:00 UTC; 08:00 Berlin is 07:00 UTC (minute 60), 19:00 Berlin is 18:00 UTC.
    assert_eq!(desired_steps(&sim), vec![(60, 6), (12 * 60, 3)]);
    let t = &sim.scalable_targets()[0];
    assert_eq!((t.min, t.max), (2, 3), "nothing is restored");
}

#[test]
fn sqs_worker_scales_on_backlog_per_task() {
    let (sim, _) = preset("sqs-worker-backlog");
    let steps = desired_steps(&sim);
    assert_eq!(steps[0], (3, 15), "G39: ceil(10 × 150 / 100): {steps:?}");
    assert!(
        steps.iter().any(|(m, n)| *m >= 20 && *n >= 30),
        "the burst finds too few workers: {steps:?}"
    );
    let backlog = &sim.time_series().series["queue/jobs/ApproximateNumberOfMessagesVisible"];
    assert!(backlog[8] < 1.0, "15 workers drain the first backlog");
}

#[test]
fn oom_kill_hits_the_hard_limit_only() {
    let (_, out) = preset("oom-kill");
    let tasks = out["tasks"].as_array().unwrap();
    let killed: Vec<&Value> = tasks
        .iter()
        .filter(|t| t["group"] == "service:hard" && t["stopCode"] == "EssentialContainerExited")
        .collect();
    assert!(
        killed.len() > 10,
        "the hard service's tasks keep dying: {}",
        killed.len()
    );
    let c = &killed[0]["containers"][0];
    assert_eq!(c["exitCode"], 137);
    assert_eq!(
        c["reason"],
        "OutOfMemoryError: Container killed due to memory usage"
    );
    assert_eq!(
        killed[0]["stoppedReason"],
        "Essential container in task exited"
    );
    assert!(
        tasks
            .iter()
            .filter(|t| t["group"] == "service:soft")
            .all(|t| t["lastStatus"] == "RUNNING"),
        "soft limits do not kill"
    );
    assert!(
        killed.iter().all(|t| t["startedAt"].is_string()),
        "they reached RUNNING, so no throttle"
    );
}

#[test]
fn oom_kill_stopped_tasks_list_their_exit_newest_first_10_3() {
    // 10.3: the list of stopped tasks (the console's "Desired status: Stopped") shows, newest
    // first, each task's stopCode, stoppedReason and its essential container's exit, as
    // DescribeTasks returns them: the OOM kills show exit code 137 and OutOfMemoryError.
    let (sim, out) = preset("oom-kill");
    let stopped: Vec<&Value> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["lastStatus"] == "STOPPED")
        .collect();
    let (total, rows) = sim.stopped_tasks(usize::MAX, None);
    assert_eq!(total, stopped.len());
    assert_eq!(rows.len(), total);
    assert!(rows.windows(2).all(|w| w[0].stopped_at >= w[1].stopped_at));
    // The order is total: the newest n are the first n of the whole list, ties included
    // (many tasks stop in the same tick here).
    for n in [1, 7, 50] {
        assert_eq!(sim.stopped_tasks(n, None).1, rows[..n]);
    }
    let oom = rows
        .iter()
        .filter(|r| {
            r.exit.as_deref()
                == Some("exit code 137 · OutOfMemoryError: Container killed due to memory usage")
        })
        .count();
    assert!(oom > 10, "{oom}");
    for r in &rows {
        let t = sim.describe_task_by_id(&r.id).unwrap();
        assert_eq!(t["stopCode"], json!(r.stop_code));
        assert_eq!(t["stoppedReason"], json!(r.stopped_reason));
        assert_eq!(t["group"], json!(r.group));
        assert!(!r.never_placed);
        assert_eq!(
            r.exit.is_some(),
            t["containers"][0].get("exitCode").is_some()
                || t["containers"][0].get("reason").is_some()
        );
    }
}

#[test]
fn provisioning_timeout_alert_mails_each_task_that_failed_to_start_9_1() {
    // G30-like: the group stops at 3 m5.large (6 one-vCPU tasks), so 2 of web's 8 tasks wait
    // in PROVISIONING; at 30:00 and again at 60:00 they stop (TaskFailedToStart) and the
    // EventBridge rule on STOPPED / TaskFailedToStart (9.1) mails each, naming the task that
    // DescribeTasks returns STOPPED.
    let (sim, out) = preset("provisioning-timeout-alert");
    let mails = out["notifications"].as_array().unwrap();
    assert_eq!(mails.len(), 4, "{mails:?}");
    let minutes: Vec<u64> = mails
        .iter()
        .map(|m| m["atMs"].as_u64().unwrap() / 60_000)
        .collect();
    assert_eq!(minutes, [30, 30, 60, 60]);
    for m in mails {
        let text = m["message"].as_str().unwrap();
        assert!(text.ends_with("failed to start: Task stopped: it waited 30 minutes in PROVISIONING for capacity from capacity provider cp"), "{text}");
        let arn = text.split_whitespace().nth(2).unwrap();
        let task = sim.describe_task_by_id(arn).unwrap();
        assert_eq!(task["lastStatus"], "STOPPED");
        assert_eq!(task["stopCode"], "TaskFailedToStart");
    }
    assert_eq!(service(&out, "web")["runningCount"], 6);
}

#[test]
fn circuit_breaker_fails_the_bad_deployment_and_rolls_back() {
    let (_, out) = preset("circuit-breaker");
    let svc = service(&out, "web");
    let events = service_events(svc);
    assert!(
        events.iter().any(|e| e.contains("deployment failed")),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("rolling back to deployment")),
        "{events:#?}"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.contains("is unable to consistently start tasks"))
            .count(),
        1,
        "said once, not per failure"
    );
    assert!(svc["taskDefinition"].as_str().unwrap().ends_with("web:1"));
    assert_eq!(svc["runningCount"], 4);
    let failed = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["stopCode"] == "TaskFailedToStart")
        .count();
    assert!(failed >= 3);
    assert!(out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["stopCode"] == "TaskFailedToStart")
        .all(|t| t["stoppedReason"]
            .as_str()
            .unwrap()
            .starts_with("CannotPullContainerError: ")));
}

/// Blue/green (4.3 `strategy`): web:2 starts in web-green beside web:1, takes all production
/// traffic once healthy, saturates, and its deployment alarm rolls production back to
/// web-blue during the bake time; web:1's tasks served throughout. The Try (web:2 with a whole
/// vCPU) bakes 15 minutes and CLEAN_UP stops web:1.
#[test]
fn blue_green_deployment_rolls_back_to_blue_on_the_alarm_and_completes_when_fixed() {
    let (sim, out) = preset("blue-green-deployment");
    let svc = service(&out, "web");
    let events = service_events(svc);
    let said = |words: &str| events.iter().any(|e| e.contains(words));
    assert!(
        said("lifecycle stage SCALE_UP: starting 4 tasks of web:2 in target group web-green"),
        "{events:#?}"
    );
    assert!(said(
        "100 % of production traffic to web:2 in target group web-green. Bake time 15 min."
    ));
    assert!(said("deployment failed: alarm web-green-5xx is in ALARM"));
    assert!(said(
        "production traffic back to web:1 in target group web-blue"
    ));
    assert!(svc["taskDefinition"].as_str().unwrap().ends_with("web:1"));
    assert_eq!(svc["runningCount"], 4);
    assert_eq!(sim.listener_rule_weight(0), Some(1000));
    // The web:1 tasks that run at the end are the ones started at the beginning.
    let tasks = out["tasks"].as_array().unwrap();
    let web1: Vec<_> = tasks
        .iter()
        .filter(|t| t["taskDefinitionArn"].as_str().unwrap().ends_with("web:1"))
        .collect();
    assert_eq!(web1.len(), 4);
    assert!(web1.iter().all(|t| t["lastStatus"] == "RUNNING"));
    // The Try: enough CPU for web:2, so the bake time passes and blue is cleaned up.
    let mut doc = preset_doc("blue-green-deployment");
    doc["taskDefinitions"][1]["cpu"] = json!("1024");
    let (sim, out) = run_to_end(doc);
    let svc = service(&out, "web");
    assert!(svc["taskDefinition"].as_str().unwrap().ends_with("web:2"));
    assert_eq!(sim.listener_rule_weight(1), Some(1000));
    let running: Vec<_> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["lastStatus"] == "RUNNING")
        .collect();
    assert_eq!(running.len(), 4);
    assert!(running
        .iter()
        .all(|t| t["taskDefinitionArn"].as_str().unwrap().ends_with("web:2")));
    assert!(service_events(svc)
        .iter()
        .any(|e| e.contains("lifecycle stage CLEAN_UP")));
}

/// Deployment lifecycle hooks (4.3 `strategy`; the ECS guide's Lambda and pause hook pages):
/// test traffic moves to web:2, the smoke-test Lambda answers IN_PROGRESS, is called again
/// after its 60-second callBackDelay and succeeds; the PAUSE hook holds each canary step until
/// ContinueServiceDeployment; the second pause, never continued, times out after 20 minutes
/// and rolls back. The Try: a smoke test that FAILs rolls back before any production traffic
/// moves; continuing the second pause completes the deployment.
#[test]
fn canary_lifecycle_hooks_gate_each_step_and_time_out_into_a_rollback() {
    let (sim, out) = preset("canary-lifecycle-hooks");
    let svc = service(&out, "web");
    let events = service_events(svc);
    let said = |words: &str| events.iter().any(|e| e.contains(words));
    assert!(
        said("TEST_TRAFFIC_SHIFT: test traffic (testListenerRule) to web:2"),
        "{events:#?}"
    );
    let at = |words: &str| event_at(&sim, words);
    assert_eq!(
        at("Lambda smoke-test returned SUCCEEDED") - at("Lambda smoke-test returned IN_PROGRESS"),
        60
    );
    assert_eq!(
        at("10 % of production traffic to web:2"),
        600,
        "continued at 10 min"
    );
    let second = at("-3 paused; waiting for ContinueServiceDeployment");
    assert_eq!(second, 600 + 3 * 60, "after the canary bake time");
    assert_eq!(at("timed out: the deployment rolls back") - second, 20 * 60);
    assert!(!said("100 % of production traffic"));
    assert!(svc["taskDefinition"].as_str().unwrap().ends_with("web:1"));
    assert_eq!(sim.listener_rule_weight(0), Some(1000));
    // The Try: the smoke test fails.
    let mut doc = preset_doc("canary-lifecycle-hooks");
    doc["lambdaHookResponses"][0]["responses"] = json!([{"hookStatus": "FAILED"}]);
    let (sim, out) = run_to_end(doc);
    let svc = service(&out, "web");
    assert!(service_events(svc)
        .iter()
        .any(|e| e.contains("deployment failed: lifecycle hook")));
    assert!(!service_events(svc)
        .iter()
        .any(|e| e.contains("% of production traffic")));
    assert_eq!(sim.listener_rule_weight(0), Some(1000));
    // Continuing the second pause too: 100 % moves, the bake time passes, web:1 is cleaned up.
    let mut doc = preset_doc("canary-lifecycle-hooks");
    let mut second = doc["continueServiceDeployments"][0].clone();
    second["at"] = json!("PT15M");
    second["hookId"] = json!(second["hookId"].as_str().unwrap().replace("-2", "-3"));
    doc["continueServiceDeployments"]
        .as_array_mut()
        .unwrap()
        .push(second);
    let (sim, out) = run_to_end(doc);
    let svc = service(&out, "web");
    assert!(svc["taskDefinition"].as_str().unwrap().ends_with("web:2"));
    assert_eq!(sim.listener_rule_weight(1), Some(1000));
    assert!(service_events(svc)
        .iter()
        .any(|e| e.contains("lifecycle stage CLEAN_UP")));
}

/// Classic cluster scaling (5.2, 5.4 for the steps): alarms on the cluster's CPUReservation run
/// the Auto Scaling group's step policy out (+2 for a breach of 15 points or more, +1 below;
/// warm-up holds the same step) and its simple policy in (−1 per 5-minute cooldown), and a
/// scale-in without termination protection stops the tasks on the instances it terminates.
#[test]
fn asg_step_and_simple_policies_follow_cpu_reservation_alarms() {
    let (sim, out) = preset("asg-step-scaling-reservation");
    let changes: Vec<(u64, String)> = sim
        .log()
        .entries()
        .iter()
        .filter_map(|e| {
            let m = e.message.find("Changing the desired capacity from ")?;
            let text: String = e.message[m..].split('.').next()?.to_string();
            Some((
                e.at_ms / 60_000,
                text.replace("Changing the desired capacity from ", ""),
            ))
        })
        .collect();
    let changes: Vec<(u64, &str)> = changes.iter().map(|(m, t)| (*m, t.as_str())).collect();
    assert_eq!(
        changes,
        [
            (11, "2 to 4"),
            (14, "4 to 6"),
            (17, "6 to 7"),
            (50, "7 to 6"),
            (55, "6 to 5"),
            (60, "5 to 4"),
            (65, "4 to 3"),
            (70, "3 to 2")
        ]
    );
    assert!(sim.log().entries().iter().any(|e| e.message.contains(
        "a monitor alarm demo-cpu-reservation-high in state ALARM triggered policy reservation-out changing the desired capacity from 2 to 4. (CPUReservation 100.0, threshold 80)"
    )));
    let killed = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["stopCode"] == "TerminationNotice")
        .count();
    assert!(killed >= 1, "scale-in terminated instances that ran tasks");
    assert_eq!(
        [sim.group_policy_summary(0), sim.group_policy_summary(1)],
        [
            "reservation-out: StepScaling, run by alarm demo-cpu-reservation-high (OK)",
            "reservation-in: SimpleScaling, run by alarm demo-cpu-reservation-low (OK)"
        ]
    );
    assert_eq!(service(&out, "web")["runningCount"], 2);
}

/// G37 through an ECR lifecycle policy: rule 1 (keep the two newest v* releases) expires v1
/// and rule 2 the untagged build, at time zero; every task of api:1 fails to pull, the
/// service throttles, and api:2 on v3 runs from 10 minutes.
#[test]
fn ecr_lifecycle_policy_expires_the_running_release() {
    let (sim, out) = preset("ecr-lifecycle-expired-image");
    let repo = &sim.registries().repositories[0];
    let expired: Vec<(String, Option<(u64, u32)>)> = repo
        .images
        .iter()
        .map(|i| (i.tags.join(","), i.expired))
        .collect();
    assert_eq!(
        expired,
        [
            ("v1".to_string(), Some((0, 1))),
            ("v2".to_string(), None),
            ("v3".to_string(), None),
            (String::new(), Some((0, 2)))
        ]
    );
    let tasks = out["tasks"].as_array().unwrap();
    let (old, new): (Vec<&Value>, Vec<&Value>) = tasks
        .iter()
        .partition(|t| t["taskDefinitionArn"].as_str().unwrap().ends_with("api:1"));
    assert!(old.len() >= 4, "{} attempts on v1", old.len());
    for t in &old {
        assert_eq!(t["stopCode"], "TaskFailedToStart");
        assert!(t.get("startedAt").is_none());
        let reason = t["stoppedReason"].as_str().unwrap();
        assert!(
            reason.starts_with("CannotPullContainerError: ")
                && reason.ends_with("/api:v1: not found"),
            "{reason}"
        );
    }
    let svc = service(&out, "api");
    assert!(service_events(svc)
        .iter()
        .any(|e| e.contains("is unable to consistently start tasks successfully")));
    // The event log says why a task stopped, as describe-tasks does.
    let id = old[0]["taskArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let said = format!("task {id} is STOPPED (TaskFailedToStart): CannotPullContainerError: ");
    assert!(
        sim.log()
            .entries()
            .iter()
            .any(|e| e.message.starts_with(&said)),
        "{said}"
    );
    assert_eq!(new.len(), 2);
    assert!(new.iter().all(|t| t["lastStatus"] == "RUNNING"
        && t["createdAt"].as_str().unwrap().ends_with("T00:10:00.000Z")));
    assert_eq!(svc["runningCount"], 2);
}

/// Every lesson in public/lessons loads, names a preset that exists, and its goals are
/// reachable: the preset alone meets step 1 and not the last step, and the documented
/// solution (applied here as the instructor would) completes the lesson.
#[test]
fn lessons_are_completable() {
    use ecs_engine::lesson::Lesson;
    let root = format!("{}/../public", env!("CARGO_MANIFEST_DIR"));
    let load = |stem: &str| -> (Lesson, Value) {
        let lesson = Lesson::from_json(
            &std::fs::read_to_string(format!("{root}/lessons/{stem}.json")).unwrap(),
        )
        .unwrap();
        let preset = preset_doc(&lesson.preset);
        (lesson, preset)
    };
    let run = |v: &Value| run_to_end(v.clone()).0;
    // binpack: step 1 with the preset; step 2 after giving api-spread a binpack strategy.
    let (lesson, mut v) = load("binpack");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    v["services"][1]["placementStrategy"] =
        serde_json::json!([{"type": "binpack", "field": "memory"}]);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    // why-tasks-stop: step 1 with the preset (the Stopped tasks list shows the OOM kills and
    // the failed pulls, 10.3), not step 2; 1024 MiB for api completes step 2, not step 3; an
    // image that exists for worker:2 completes step 3.
    let (lesson, mut v) = load("why-tasks-stop");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    let status = sim.check_goal(&lesson.steps[1].goals[0]);
    assert!(
        !status.met
            && status
                .detail
                .starts_with("stopped tasks of api showing \"OutOfMemoryError\": "),
        "{status:?}"
    );
    v["taskDefinitions"][0]["containerDefinitions"][0]["memory"] = serde_json::json!(1024);
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 1), 2);
    assert!(!sim.check_goal(&lesson.steps[2].goals[1]).met);
    v["taskDefinitions"][2]["containerDefinitions"][0]["image"] =
        v["taskDefinitions"][1]["containerDefinitions"][0]["image"].clone();
    assert_eq!(run(&v).lesson_progress(&lesson, 2), 3);
    // target-tracking: step 1 with the preset, not step 2; MinCapacity 6 completes it.
    let (lesson, mut v) = load("target-tracking");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    let status = sim.check_goal(&lesson.steps[1].goals[0]);
    assert!(
        !status.met && status.detail.contains("wanted at most 1000"),
        "{status:?}"
    );
    v["scalableTargets"][0]["MinCapacity"] = serde_json::json!(6);
    v["services"][0]["desiredCount"] = serde_json::json!(6);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    // fargate-spot: step 1 with the preset; a base of 8 on FARGATE completes step 2.
    let (lesson, mut v) = load("fargate-spot");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    let status = sim.check_goal(&lesson.steps[1].goals[0]);
    assert!(
        !status.met && status.detail.contains("lowest service/api/runningCount"),
        "{status:?}"
    );
    v["services"][0]["capacityProviderStrategy"][0]["base"] = serde_json::json!(8);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    // blue-green: step 1 with the preset, not step 2; a whole vCPU for web:2 completes it.
    let (lesson, mut v) = load("blue-green");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    assert!(!sim.check_goal(&lesson.steps[1].goals[0]).met);
    v["taskDefinitions"][1]["cpu"] = serde_json::json!("1024");
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    // canary-hooks: step 1 with the preset, not step 2; continuing the second pause (what
    // the Continue button writes) completes step 2; a failing smoke test, step 3.
    let (lesson, mut v) = load("canary-hooks");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    assert!(!sim.check_goal(&lesson.steps[2].goals[0]).met);
    let mut second = v["continueServiceDeployments"][0].clone();
    second["at"] = serde_json::json!(14 * 60);
    second["hookId"] = serde_json::json!(second["hookId"].as_str().unwrap().replace("-2", "-3"));
    v["continueServiceDeployments"]
        .as_array_mut()
        .unwrap()
        .push(second);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    v["lambdaHookResponses"][0]["responses"] = serde_json::json!([{"hookStatus": "FAILED"}]);
    assert_eq!(run(&v).lesson_progress(&lesson, 2), 3);
    // codedeploy: step 1 with the preset, not step 2; a StopDeployment during the canary
    // (what Stop and roll back writes) completes step 2; a ready wait approved by
    // ContinueDeployment, step 3.
    let (lesson, mut v) = load("codedeploy");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    assert!(!sim.check_goal(&lesson.steps[1].goals[0]).met);
    assert!(!sim.check_goal(&lesson.steps[2].goals[0]).met);
    v["stopDeployments"] = serde_json::json!([{"at": 7 * 60, "deploymentId": "d-CD0000001", "autoRollbackEnabled": true}]);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    v.as_object_mut().unwrap().remove("stopDeployments");
    v["deploymentGroups"][0]["blueGreenDeploymentConfiguration"]["deploymentReadyOption"] =
        serde_json::json!({"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30});
    v["continueDeployments"] = serde_json::json!([{"at": 10 * 60, "deploymentId": "d-CD0000001", "deploymentWaitType": "READY_WAIT"}]);
    assert_eq!(run(&v).lesson_progress(&lesson, 2), 3);
    // service-connect: steps 1 and 2 with the preset, not step 3; catalog starting with 4
    // tasks (MinCapacity 4) completes it.
    let (lesson, mut v) = load("service-connect");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 2);
    let status = sim.check_goal(&lesson.steps[2].goals[0]);
    assert!(!status.met, "{status:?}");
    v["scalableTargets"][0]["MinCapacity"] = serde_json::json!(4);
    v["services"][1]["desiredCount"] = serde_json::json!(4);
    assert_eq!(run(&v).lesson_progress(&lesson, 2), 3);
    // service-discovery: step 1 with the preset, not step 2 (300 s TTL) nor 3; a 10 s TTL
    // completes step 2; a scale-in at 30 minutes fails requests until clients try the
    // other addresses of their answer.
    let (lesson, mut v) = load("service-discovery");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    let status = sim.check_goal(&lesson.steps[1].goals[0]);
    assert!(!status.met, "{status:?}");
    v["cloudMapServices"][0]["Service"]["DnsConfig"]["DnsRecords"][0]["TTL"] =
        serde_json::json!(10);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    v["updateServices"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"at": "PT30M", "service": "orders", "desiredCount": 3}));
    let sim = run(&v);
    assert!(sim.check_goal(&lesson.steps[2].goals[0]).met);
    assert!(
        !sim.check_goal(&lesson.steps[2].goals[1]).met,
        "a scale-in loses the requests to its stopped task"
    );
    v["options"] = serde_json::json!({"serviceDiscovery": {"clientsTryOtherAddresses": true}});
    assert_eq!(run(&v).lesson_progress(&lesson, 2), 3);
    // classic-load-balancer (8.6 CLB): step 1 with the preset, not 2 nor 3; cross-zone load
    // balancing on completes step 2; two more instances (one task each) complete step 3.
    let (lesson, mut v) = load("classic-load-balancer");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    assert!(!sim.check_goal(&lesson.steps[1].goals[0]).met);
    assert!(!sim.check_goal(&lesson.steps[2].goals[0]).met);
    v["classicLoadBalancers"][0]["LoadBalancerAttributes"]["CrossZoneLoadBalancing"]["Enabled"] =
        serde_json::json!(true);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    v["containerInstances"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2}));
    assert_eq!(run(&v).lesson_progress(&lesson, 2), 3);
    // predictive-scaling: step 1 with the preset, not steps 2 and 3; SchedulingBufferTime
    // 1800 completes step 2, a forecast of ALB requests step 3.
    let (lesson, mut v) = load("predictive-scaling");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    let status = sim.check_goal(&lesson.steps[1].goals[0]);
    assert!(!status.met, "{status:?}");
    assert!(!sim.check_goal(&lesson.steps[2].goals[0]).met);
    let config = &mut v["scalingPolicies"][1]["PredictiveScalingPolicyConfiguration"];
    config["SchedulingBufferTime"] = serde_json::json!(1800);
    // Judged at 1d 08:00, as the lesson panel judges it while the clock runs (the evening
    // scale-in comes later).
    let mut sim = Simulation::new(Scenario::from_value(v.clone()).unwrap());
    sim.advance_to(ecs_engine::SimTime(32 * 3_600_000)).unwrap();
    assert_eq!(sim.lesson_progress(&lesson, 1), 2);
    v["scalingPolicies"][1]["PredictiveScalingPolicyConfiguration"]["MetricSpecifications"] = serde_json::json!([{
        "TargetValue": 16000,
        "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ALBRequestCount", "ResourceLabel": "app/web-alb/1/targetgroup/web/1"}}]);
    assert_eq!(run(&v).lesson_progress(&lesson, 2), 3);
    // weighted-target-groups: step 1 with the preset, not step 2; both ModifyListener calls
    // forwarding to blue alone complete it.
    let (lesson, mut v) = load("weighted-target-groups");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    assert!(!sim.check_goal(&lesson.steps[1].goals[0]).met);
    for call in v["modifyListeners"].as_array_mut().unwrap() {
        call["DefaultActions"] = serde_json::json!([{"Type": "forward", "TargetGroupArn": "blue"}]);
    }
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    // external-task-sets: step 1 with the preset, not step 2; the listener kept on blue and
    // blue kept at 100 % (green deleted with force instead) complete it.
    let (lesson, mut v) = load("external-task-sets");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    assert!(!sim.check_goal(&lesson.steps[1].goals[0]).met);
    v["modifyListeners"][1]["at"] = serde_json::json!("PT13M");
    for call in v["modifyListeners"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .skip(1)
    {
        call["DefaultActions"] = serde_json::json!([{"Type": "forward", "TargetGroupArn": "blue"}]);
    }
    // The listener alone is not enough: blue still goes to 0 % at 30 minutes.
    assert!(!run(&v).check_goal(&lesson.steps[1].goals[1]).met);
    v.as_object_mut().unwrap().remove("updateTaskSets");
    v["updateServicePrimaryTaskSets"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    v["deleteTaskSets"] =
        serde_json::json!([{"at": "PT13M", "service": "web", "taskSet": "green", "force": true}]);
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
    // managed-instances-optimization: step 1 with the preset, not step 2; scaleInAfter -1
    // completes it.
    let (lesson, mut v) = load("managed-instances-optimization");
    let sim = run(&v);
    assert_eq!(sim.lesson_progress(&lesson, 0), 1);
    assert!(!sim.check_goal(&lesson.steps[1].goals[0]).met);
    v["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"] =
        serde_json::json!({"scaleInAfter": -1});
    assert_eq!(run(&v).lesson_progress(&lesson, 1), 2);
}

#[test]
fn bad_lessons_name_the_field() {
    use ecs_engine::lesson::Lesson;
    for (text, want) in [
        (
            r#"{"version": 2, "id": "x", "title": "t", "preset": "p", "steps": []}"#,
            "version",
        ),
        (
            r#"{"version": 1, "id": "x", "title": "t", "preset": "p", "steps": []}"#,
            "steps",
        ),
        (
            r#"{"version": 1, "id": "x", "title": "t", "preset": "p", "steps": [{"title": "a", "text": "b", "goals": [{"check": "vibes", "atLeast": 1}]}]}"#,
            "steps[0].goals[0].check",
        ),
        (
            r#"{"version": 1, "id": "x", "title": "t", "preset": "p", "steps": [{"title": "a", "text": "b", "goals": [{"check": "runningTasks", "atLeast": 1}]}]}"#,
            "steps[0].goals[0].service",
        ),
        (
            r#"{"version": 1, "id": "x", "title": "t", "preset": "p", "steps": [{"title": "a", "text": "b", "goals": [{"check": "runningTasks", "service": "s"}]}]}"#,
            "steps[0].goals[0]",
        ),
    ] {
        let e = Lesson::from_json(text).unwrap_err();
        assert!(e.starts_with(want), "{e}");
    }
}

fn series_at(sim: &Simulation, name: &str, minute: usize) -> f64 {
    sim.time_series().series[name][minute]
}

#[test]
fn capacity_provider_scales_from_zero_and_back_to_the_busy_instances() {
    let (sim, out) = preset("capacity-provider-from-zero");
    let reservation = "capacityProvider/cp-demo/CapacityProviderReservation";
    let desired = "capacityProvider/cp-demo/desiredCapacity";
    // G28: N = 0, M = 3 → 200, and the group goes to 3 at once.
    assert_eq!(series_at(&sim, reservation, 0), 200.0);
    assert_eq!(series_at(&sim, desired, 1), 3.0);
    assert_eq!(series_at(&sim, reservation, 10), 100.0);
    // 12 tasks at 20 minutes: 6 instances.
    assert_eq!(series_at(&sim, desired, 30), 6.0);
    // 2 tasks at 45 minutes: after 15 low minutes the group keeps only busy instances.
    assert_eq!(series_at(&sim, desired, 55), 6.0);
    let end = sim.auto_scaling_groups()[0].desired;
    assert!((1..=2).contains(&end), "{end}");
    assert_eq!(service(&out, "web")["runningCount"], 2);
    assert!(no_task_died_with_its_instance(&out));
}

#[test]
fn fargate_is_cheaper_at_75_percent_and_dearer_when_the_instances_are_full() {
    let (sim, out) = preset("fargate-vs-ec2-cost");
    assert_eq!(service(&out, "on-ec2")["runningCount"], 8);
    assert_eq!(service(&out, "on-fargate")["runningCount"], 8);
    let ec2 = |m| series_at(&sim, "cost/ec2UsdPerHour", m);
    let fargate = |m| series_at(&sim, "cost/fargateUsdPerHour", m);
    assert!(fargate(20) < ec2(20), "{} vs {}", fargate(20), ec2(20));
    assert!(fargate(50) > ec2(50), "{} vs {}", fargate(50), ec2(50));
    assert!(out["cost"]["totalUsd"].as_f64().unwrap() > 0.0);
}

#[test]
fn fargate_spot_keeps_its_share_through_interruptions_and_a_shortage() {
    let (sim, out) = preset("fargate-spot-base-weight");
    let on = |name: &str| {
        out["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["capacityProviderName"] == name)
            .count()
    };
    // G20: 4 on FARGATE, never more; 6 + 3 + 4 on FARGATE_SPOT over the run.
    assert_eq!(on("FARGATE"), 4);
    assert_eq!(on("FARGATE_SPOT"), 13);
    assert_eq!(
        series_at(&sim, "service/api/pendingCount", 40),
        4.0,
        "the Spot share waits during the shortage"
    );
    assert_eq!(service(&out, "api")["runningCount"], 10);
    let interrupted = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["stoppedReason"] == "Your Spot Task was interrupted.")
        .count();
    assert_eq!(interrupted, 7);
}

#[test]
fn ec2_spot_notice_drains_and_the_group_replaces_the_instances() {
    let (_, out) = preset("ec2-spot-draining");
    let instances = out["containerInstances"].as_array().unwrap();
    let spot_gone = instances
        .iter()
        .filter(|i| i["lifecycle"] == "spot" && i["status"] == "INACTIVE")
        .count();
    assert_eq!(spot_gone, 2);
    let active = instances.iter().filter(|i| i["status"] == "ACTIVE").count();
    assert_eq!(active, 4, "the group launched replacements");
    // Draining moved every task before the instances went: none died with them.
    let tasks = out["tasks"].as_array().unwrap();
    assert!(no_task_died_with_its_instance(&out));
    assert!(tasks.iter().any(|t| t["stoppedReason"]
        .as_str()
        .is_some_and(|r| r.contains("DRAINING"))));
    assert_eq!(service(&out, "web")["runningCount"], 8);
}

#[test]
fn a_tcp_service_behind_an_nlb_scales_on_cpu_and_resets_flows_while_saturated() {
    let (sim, out) = preset("nlb-tcp-service");
    let tg = &sim.target_groups()[0];
    assert!(tg.is_network());
    assert_eq!(tg.listeners, vec!["TCP:443"]);
    let series = &sim.time_series().series;
    // AWS/NetworkELB only (8.6): flows and resets, no requests or HTTP codes.
    assert!(series.contains_key("targetGroup/grpc/NewFlowCount"));
    assert!(!series.contains_key("targetGroup/grpc/RequestCount"));
    assert!(
        series["targetGroup/grpc/TCP_Target_Reset_Count"][11] > 0.0,
        "the saturated minutes reset flows"
    );
    let activities = sim.scaling_activities();
    assert!(activities[0].at_ms >= 13 * 60_000, "3 minutes above 50 %");
    assert!(service(&out, "grpc")["desiredCount"].as_u64().unwrap() >= 6);
    // Healthy targets share the flows evenly (the flow hash).
    let loads: Vec<f64> = tg
        .targets
        .iter()
        .map(|t| sim.task_loads()[t.task].offered_rps)
        .collect();
    assert!(
        loads.iter().all(|l| (l - loads[0]).abs() < 1e-9),
        "{loads:?}"
    );
}

#[test]
fn instance_refresh_moves_the_group_to_the_new_template_without_losing_a_task_6_5() {
    let (sim, out) = preset("instance-refresh");
    let group = &sim.auto_scaling_groups()[0];
    let refresh = group.refreshes.last().expect("the refresh ran");
    assert_eq!(refresh.status.as_str(), "Successful", "{refresh:?}");
    // DescribeInstanceRefreshes, as `run` prints it.
    let described = &out["autoScalingGroups"][0]["InstanceRefreshes"][0];
    assert_eq!(described["Status"], "Successful");
    assert_eq!(described["PercentageComplete"], 100);
    assert_eq!(described["InstancesToUpdate"], 0);
    assert_eq!(described["Preferences"]["MaxHealthyPercentage"], 125);
    assert_eq!(
        described["Preferences"]["ScaleInProtectedInstances"],
        "Refresh"
    );
    let active: Vec<&Value> = out["containerInstances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "ACTIVE")
        .collect();
    assert_eq!(active.len(), 4);
    assert!(
        active.iter().all(|i| i["instanceType"] == "m6i.large"),
        "{active:?}"
    );
    // Managed draining moved every task before its instance went (none died with it), and
    // with minimumHealthyPercent 100 the service kept 8 tasks running every minute.
    assert!(no_task_died_with_its_instance(&out));
    let running = &sim.time_series().series["service/web/runningCount"];
    assert!(running[12..].iter().all(|&n| n >= 8.0), "{running:?}");
    assert_eq!(service(&out, "web")["runningCount"], 8);
}

#[test]
fn warm_pool_brings_instances_into_service_in_30_seconds_and_refills() {
    let (sim, out) = preset("warm-pool");
    let group = &sim.auto_scaling_groups()[0];
    let activities: Vec<(u64, &str)> = group
        .activities
        .iter()
        .map(|a| (a.at.as_ms() / 1000, a.description.as_str()))
        .collect();
    // The scale-out at 21 minutes takes three warm instances and launches none cold.
    let at_scale_out: Vec<&str> = activities
        .iter()
        .filter(|(t, _)| *t == 1260)
        .map(|(_, d)| *d)
        .collect();
    let from_pool = at_scale_out
        .iter()
        .filter(|d| d.starts_with("Launching a new EC2 instance from warm pool"))
        .count();
    let cold = at_scale_out
        .iter()
        .filter(|d| d.starts_with("Launching a new EC2 instance: "))
        .count();
    assert_eq!((from_pool, cold), (3, 0), "{at_scale_out:?}");
    // They register 30 s later (a cold launch takes 90 s).
    let start = sim
        .cluster()
        .instances
        .iter()
        .map(|c| c.registered_at_epoch_ms)
        .min()
        .unwrap_or_default();
    let registered: Vec<i64> = sim
        .cluster()
        .instances
        .iter()
        .map(|c| (c.registered_at_epoch_ms - start) / 1000 + 90)
        .collect();
    assert_eq!(
        registered.iter().filter(|&&s| s == 1290).count(),
        3,
        "{registered:?}"
    );
    // After the scale-in to 2, the pool holds 6 − 2 = 4, stopped.
    let g = &out["autoScalingGroups"][0];
    assert_eq!(g["DesiredCapacity"], 2);
    assert_eq!(g["WarmPoolSize"], 4);
    let states: Vec<&str> = g["WarmPoolInstances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["LifecycleState"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Warmed:Stopped"; 4]);
    // No task ever stopped because of the pool.
    assert!(no_task_died_with_its_instance(&out));
}

#[test]
fn warm_pool_try_without_ecs_warm_pools_check_loses_tasks_to_stopping_instances() {
    let mut doc = preset_doc("warm-pool");
    doc["autoScalingGroups"][0]["LaunchTemplate"]["LaunchTemplateName"] = json!("ecs-no-check");
    let (sim, _) = run_to_end(doc);
    let stopped_by_pool = sim
        .tasks()
        .iter()
        .filter(|t| {
            t.stopped_reason
                .as_deref()
                .is_some_and(|r| r.contains("entered the warm pool"))
        })
        .count();
    assert!(
        stopped_by_pool > 0,
        "tasks placed on warming instances stop with them"
    );
}

#[test]
fn spot_capacity_rebalance_replaces_instances_at_risk_before_any_interruption() {
    let (sim, out) = preset("spot-capacity-rebalance");
    let group = &sim.auto_scaling_groups()[0];
    let risky: Vec<_> = group
        .instances
        .iter()
        .filter(|i| i.rebalance_recommended)
        .collect();
    assert_eq!(risky.len(), 2);
    assert!(risky
        .iter()
        .all(|i| i.state == ecs_engine::auto_scaling_group::GroupInstanceState::Terminated));
    let causes: Vec<&str> = group.activities.iter().map(|a| a.cause.as_str()).collect();
    let launched = causes
        .iter()
        .filter(|c| {
            c.ends_with("launched in response to an EC2 instance rebalance recommendation.")
        })
        .count();
    let taken_out = causes
        .iter()
        .filter(|c| {
            c.ends_with(
                "taken out of service in response to an EC2 instance rebalance recommendation.",
            )
        })
        .count();
    assert_eq!((launched, taken_out), (2, 2));
    // Back to the desired capacity, every task running, none died with its instance
    // (managed draining), and the service never fell below its 8 tasks.
    assert_eq!(group.live_count(), 4);
    assert_eq!(service(&out, "web")["runningCount"], 8);
    assert!(no_task_died_with_its_instance(&out));
    let running = &sim.time_series().series["service/web/runningCount"];
    assert!(running[3..].iter().all(|&n| n >= 8.0), "{running:?}");
}

#[test]
fn az_rebalancing_moves_tasks_back_to_the_recovered_zone() {
    let (sim, out) = preset("az-rebalancing");
    let events = service_events(&out["services"][0]);
    assert!(events.contains(
        &"service (api) is not AZ balanced with 3 tasks in us-east-1a, 3 tasks in us-east-1b, 0 tasks in us-east-1c. AZ Rebalancing in progress."
    ));
    assert!(events.contains(
        &"service (api) is AZ balanced with 2 tasks in us-east-1a, 2 tasks in us-east-1b, 2 tasks in us-east-1c."
    ));
    let moved = sim
        .tasks()
        .iter()
        .filter(|t| t.stopped_reason.as_deref() == Some("AZ Rebalancing"))
        .count();
    assert_eq!(moved, 2);
    assert_eq!(service(&out, "api")["runningCount"], 6);
    assert_eq!(out["services"][0]["availabilityZoneRebalancing"], "ENABLED");
}

#[test]
fn codedeploy_blue_green_runs_a_canary_then_rolls_back_a_failed_smoke_test() {
    // The CodeDeploy user guide's "What happens during an Amazon ECS deployment": every
    // lifecycle event in order, the canary's two steps, the termination wait; the target
    // groups swap roles on the next deployment, and a failed AfterAllowTestTraffic hook
    // with autoRollbackConfiguration sends it back.
    let (sim, out) = preset("codedeploy-blue-green");
    let deployments = out["codeDeployDeployments"].as_array().unwrap().clone();
    assert_eq!(deployments, sim.code_deploy_json());
    let status: Vec<(&str, &str)> = deployments
        .iter()
        .map(|d| {
            (
                d["deploymentId"].as_str().unwrap(),
                d["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("d-CD0000001", "Succeeded"),
            ("d-CD0000002", "Failed"),
            ("d-RB0000001", "Succeeded")
        ]
    );
    let at = |words: &str| event_at(&sim, words);
    let canary = at("10 % of production traffic to web:2 in target group web-green");
    assert_eq!(at("100 % of production traffic to web:2") - canary, 5 * 60);
    assert_eq!(
        at("stopping the tasks of original task set") - at("100 % of production traffic to web:2"),
        10 * 60
    );
    assert!(at("starting 4 tasks of web:1 in target group web-blue") > canary);
    let svc = service(&out, "web");
    assert!(svc["taskDefinition"].as_str().unwrap().ends_with("web:2"));
    assert_eq!(svc["deployments"], json!([]));
    let sets = svc["taskSets"].as_array().unwrap();
    assert_eq!(sets.len(), 1, "{sets:#?}");
    assert_eq!(sets[0]["status"], "PRIMARY");
    assert_eq!(sets[0]["runningCount"], 4);
}

/// When (seconds) the first service's first event containing `words` was said.
fn event_at(sim: &ecs_engine::Simulation, words: &str) -> u64 {
    sim.services()[0]
        .events
        .iter()
        .find(|e| e.message.contains(words))
        .map(|e| e.at.as_ms() / 1000)
        .unwrap_or_else(|| panic!("no event {words}"))
}

#[test]
fn preset_service_connect() {
    // The description: reports (created before catalog) cannot resolve catalog:8080 until its
    // redeploy at 20 min; web reaches it from the start; the triple load at 30 min makes the
    // proxies retry and avoid a task while target tracking adds tasks.
    let (sim, out) = preset("service-connect");
    let log_at = |words: &str| {
        sim.log()
            .entries()
            .iter()
            .find(|e| e.message.contains(words))
            .map(|e| e.at_ms / 1000)
            .unwrap_or_else(|| panic!("no log line {words}"))
    };
    assert!(log_at("tasks of service reports cannot resolve catalog:8080") < 60);
    assert!(log_at("Existing tasks can't resolve and connect to the new endpoint") < 60);
    let avoided = log_at("the Service Connect proxies avoid task");
    assert!((30 * 60..40 * 60).contains(&avoided), "{avoided}");
    assert!(log_at("changing the desired capacity from 3 to") > 30 * 60);
    let series = &out["timeSeries"]["series"];
    let minute = |key: &str, m: usize| series[key][m].as_f64().unwrap();
    // Before the redeploy only web's 600 requests/s arrive; after it reports' 100 as well.
    assert_eq!(
        minute("serviceConnect/catalog/RequestCount", 10),
        600.0 * 60.0
    );
    assert_eq!(
        minute("serviceConnect/catalog/RequestCount", 25),
        700.0 * 60.0
    );
    assert!(minute("serviceConnect/reports → catalog:8080/ClientFailed", 10) > 0.0);
    assert_eq!(
        minute("serviceConnect/reports → catalog:8080/ClientFailed", 25),
        0.0
    );
    // The overload: retries make the attempts exceed the 1,900 requests/s the clients send.
    assert!(minute("serviceConnect/catalog/RequestCount", 32) > 1900.0 * 60.0);
    assert!(minute("serviceConnect/catalog/HTTPCode_Target_5XX_Count", 32) > 0.0);
    let catalog = service(&out, "catalog");
    assert_eq!(
        catalog["deployments"][0]["serviceConnectResources"][0]["discoveryName"],
        "catalog"
    );
}

#[test]
fn preset_service_discovery() {
    // The description: each task registers while ACTIVATING, UNHEALTHY until ECS reports its
    // health check (Cloud Map applies it 30 s later); the deployment at 15 min deregisters the
    // old tasks as they stop, and resolvers holding 300 s answers send requests to them, which
    // fail, for about 5 minutes. Its Try: a 10 s TTL, or clients that try another address.
    let (sim, out) = preset("service-discovery");
    let log_at = |words: &str| {
        sim.log()
            .entries()
            .iter()
            .find(|e| e.message.contains(words))
            .map(|e| e.at_ms / 1000)
            .unwrap_or_else(|| panic!("no log line {words}"))
    };
    let registered = log_at("as an instance of Cloud Map service orders");
    let running = log_at("is RUNNING");
    assert!(registered < running, "registered while ACTIVATING");
    assert_eq!(
        log_at("custom health UNHEALTHY until ECS reports its container health check passing"),
        registered
    );
    let deregistered = log_at("deregistered task");
    assert!((15 * 60..16 * 60).contains(&deregistered));
    let series = &out["timeSeries"]["series"];
    let stale = |out: &Value| -> Vec<f64> {
        out["timeSeries"]["series"]["serviceDiscovery/orders.corp.local/StaleAddress"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap_or(0.0))
            .collect()
    };
    let failed = stale(&out);
    // (The series' entry m + 1 is minute m.)
    assert!(failed[..16].iter().all(|v| *v == 0.0), "{failed:?}");
    assert!(failed[17] > 10_000.0, "{failed:?}");
    // Resolvers' answers from before the deployment run out within the TTL.
    assert!(failed[22..].iter().all(|v| *v == 0.0), "{failed:?}");
    assert_eq!(
        series["serviceDiscovery/orders.corp.local/HealthyInstances"][10],
        4.0
    );
    // The Try: a 10 s TTL loses a few seconds' worth; clients that try the other addresses
    // of their answer do not help, since an answer from before the deployment names only old
    // tasks.
    let mut short = preset_doc("service-discovery");
    short["cloudMapServices"][0]["Service"]["DnsConfig"]["DnsRecords"][0]["TTL"] = json!(10);
    let short_failed: f64 = stale(&run_to_end(short).1).iter().sum();
    assert!(
        short_failed < failed.iter().sum::<f64>() / 20.0,
        "{short_failed}"
    );
    let mut retry = preset_doc("service-discovery");
    retry["options"] = json!({"serviceDiscovery": {"clientsTryOtherAddresses": true}});
    let retry_failed: f64 = stale(&run_to_end(retry).1).iter().sum();
    assert!(
        (retry_failed - failed.iter().sum::<f64>()).abs() < 1.0,
        "{retry_failed}"
    );
}

#[test]
fn preset_ebs_volumes() {
    // The description: one volume per task in its zone, attached while PROVISIONING; ledger's
    // only on the Nitro m5.large; search's from the 200 GiB snapshot with 6,000 IOPS and
    // 250 MiB/s; the scale-in at 30 minutes deletes a volume; migrate keeps its volume
    // (available, billed) after it exits; the Try: an infrastructure role trusting
    // ecs-tasks.amazonaws.com fails every task with a volume.
    let (sim, out) = preset("ebs-volumes");
    let volumes = out["ebsVolumes"].as_array().unwrap();
    assert_eq!(volumes.len(), 6);
    for v in volumes {
        let task = sim
            .tasks()
            .iter()
            .find(|t| v["VolumeId"].as_str().unwrap()[5..] == t.id[..16])
            .unwrap();
        let inst = &sim.cluster().instances[task.reservation.slot];
        assert_eq!(v["AvailabilityZone"], json!(inst.availability_zone));
        if task.service == Some(0) {
            assert_eq!(inst.instance_type.name, "m5.large", "Nitro only");
        }
    }
    let state = |size: u64, s: &str| {
        volumes
            .iter()
            .filter(|v| v["Size"] == size && v["State"] == s)
            .count()
    };
    assert_eq!(state(100, "in-use"), 2);
    assert_eq!(state(200, "in-use"), 2);
    assert_eq!(state(200, "deleted"), 1);
    assert_eq!(state(50, "available"), 1);
    let search = volumes.iter().find(|v| v["Size"] == 200).unwrap();
    assert_eq!(search["Iops"], 6000);
    assert_eq!(search["Throughput"], 250);
    // gp3: $0.08 per GiB-month, $0.005 per IOPS-month above 3,000, $0.04 per MiB/s-month
    // above 125 (730 hours a month).
    let per_hour = (200.0 * 0.08 + 3000.0 * 0.005 + 125.0 * 0.04) / 730.0;
    assert!((search["UsdPerHour"].as_f64().unwrap() - per_hour).abs() < 1e-6);
    assert!(out["cost"]["ebsUsdPerHour"].as_f64().unwrap() > 0.0);
    // The Try.
    let mut v = preset_doc("ebs-volumes");
    v["iamRoles"][1]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] =
        json!("ecs-tasks.amazonaws.com");
    let (sim, _) = run_to_end(v);
    assert!(sim
        .tasks()
        .iter()
        .all(|t| t.stop_code.as_deref() == Some("TaskFailedToStart")));
    assert!(sim
        .tasks()
        .iter()
        .any(|t| t
            .stopped_reason
            .as_deref()
            .is_some_and(|r| r
                .starts_with("ECS was unable to assume the configured ECS Infrastructure Role"))));
}

#[test]
fn ecs_exec_turns_on_only_for_new_tasks_and_needs_a_writable_root() {
    // ecs-exec (EXEC): api's task refuses ExecuteCommand at 3 and 5 minutes, the second time
    // after UpdateService turned exec on without a deployment; after forceNewDeployment a
    // session opens in the new task; worker's read-only root filesystem leaves the target
    // not connected; the Try (a writable root) opens worker's session too.
    let (sim, out) = preset("ecs-exec");
    let calls = out["executeCommands"].as_array().unwrap();
    let errors: Vec<&str> = calls
        .iter()
        .map(|c| c["error"]["error"].as_str().unwrap_or("opened"))
        .collect();
    assert_eq!(
        errors,
        [
            "InvalidParameterException",
            "InvalidParameterException",
            "opened",
            "TargetNotConnectedException"
        ]
    );
    let api: Vec<_> = sim
        .tasks()
        .iter()
        .filter(|t| t.group == "service:api")
        .collect();
    assert_eq!(api.len(), 2, "one deployment replaced the task");
    assert!(!api[0].execute_command && api[1].execute_command);
    assert_eq!(calls[2]["response"]["containerName"], "api");
    let mut v = preset_doc("ecs-exec");
    v["taskDefinitions"][1]["containerDefinitions"][0]["readonlyRootFilesystem"] = json!(false);
    let (_, out) = run_to_end(v);
    assert_eq!(
        out["executeCommands"][3]["response"]["containerName"],
        "worker"
    );
}

#[test]
fn managed_instances_launch_for_the_waiting_tasks_and_end_idle_ones() {
    // managed-instances (MI, API-IO): 3 instances (one per zone) for api's 6 tasks, more for
    // 24, and after the scale-in to 3 every idle instance is terminated after scaleInAfter
    // (120 s); the Try (scaleInAfter -1) keeps them, billed.
    let (sim, out) = preset("managed-instances");
    let active = |out: &Value| {
        out["containerInstances"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "ACTIVE")
            .count()
    };
    assert_eq!(out["services"][0]["runningCount"], 3);
    assert_eq!(active(&out), 3, "one instance per running task's zone");
    let first: Vec<_> = sim.managed_instances().iter().take(3).collect();
    let zones: std::collections::BTreeSet<&str> =
        first.iter().map(|i| i.availability_zone.as_str()).collect();
    assert_eq!(zones.len(), 3);
    assert!(
        sim.managed_instances().len() > 3,
        "the scale-out launched more"
    );
    assert!(sim
        .log()
        .entries()
        .iter()
        .any(|e| e.message.contains("ran no task for 120 s (scaleInAfter)")));
    let mut v = preset_doc("managed-instances");
    v["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"]
        ["scaleInAfter"] = json!(-1);
    let (sim, kept) = run_to_end(v);
    assert_eq!(active(&kept), sim.managed_instances().len());
    assert!(kept["cost"]["ec2UsdPerHour"].as_f64() > out["cost"]["ec2UsdPerHour"].as_f64());
}

#[test]
fn managed_instances_optimization_drains_underutilized_instances_in_turn() {
    // managed-instances-optimization (MI-OPT): after the scale-in from 12 to 4, idle instances
    // go after scaleInAfter, one t3a.large left with one task is drained for a cheaper type
    // and then another whose task fits in its zone, one after the other; the 4 tasks end on 2
    // instances. The Try (scaleInAfter -1) optimizes nothing and costs more per hour.
    let (sim, out) = preset("managed-instances-optimization");
    let log: Vec<&str> = sim
        .log()
        .entries()
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    let drains: Vec<&&str> = log
        .iter()
        .filter(|m| m.contains("is underutilized ("))
        .collect();
    assert_eq!(drains.len(), 2, "{drains:?}");
    assert!(
        drains[0].contains("its tasks run on 1 × t3a.medium for $0.0421/h instead of $0.0842/h")
    );
    assert!(drains[1].contains("its tasks fit on"));
    assert_eq!(out["services"][0]["runningCount"], 4);
    let active: Vec<&Value> = out["containerInstances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "ACTIVE")
        .collect();
    assert_eq!(active.len(), 2);
    assert!(active.iter().all(|c| c["runningTasksCount"] == 2));
    let mut v = preset_doc("managed-instances-optimization");
    v["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"]
        ["scaleInAfter"] = json!(-1);
    let (sim, kept) = run_to_end(v);
    assert!(!sim
        .log()
        .entries()
        .iter()
        .any(|e| e.message.contains("underutilized")));
    assert!(kept["cost"]["ec2UsdPerHour"].as_f64() > out["cost"]["ec2UsdPerHour"].as_f64());
}

#[test]
fn classic_load_balancer_registers_instances_and_splits_by_zone() {
    // classic-load-balancer (8.6 CLB): one task per instance on the fixed port (4 of 6), the
    // API's default health check (5 minutes OutOfService, 503s meanwhile), and without
    // cross-zone load balancing the lone task in us-east-1a is offered half the requests and
    // fails some; the Try (cross-zone on) shares them evenly with no failures.
    let (_, out) = preset("classic-load-balancer");
    let svc = &out["services"][0];
    assert_eq!(svc["runningCount"], 4);
    assert_eq!(svc["desiredCount"], 6);
    let states = out["classicLoadBalancers"][0]["InstanceStates"]
        .as_array()
        .unwrap();
    assert_eq!(states.len(), 4);
    assert!(states.iter().all(|s| s["State"] == "InService"));
    let series = |out: &Value, name: &str| -> Vec<f64> {
        serde_json::from_value(
            out["timeSeries"]["series"]
                [format!("targetGroup/EC2Contai-EcsElast-123456789012/{name}")]
            .clone(),
        )
        .unwrap()
    };
    let errors = series(&out, "HTTPCode_ELB_5XX_Count");
    assert_eq!(
        errors[1], 24_000.0,
        "every request a 503 while OutOfService"
    );
    assert!(*errors.last().unwrap() > 0.0, "the busy zone fails some");
    let mut v = preset_doc("classic-load-balancer");
    v["classicLoadBalancers"][0]["LoadBalancerAttributes"]["CrossZoneLoadBalancing"]["Enabled"] =
        json!(true);
    let (_, even) = run_to_end(v);
    assert_eq!(
        *series(&even, "HTTPCode_ELB_5XX_Count").last().unwrap(),
        0.0
    );
}

#[test]
fn task_definition_revisions_inactive_keeps_running_and_deletes_when_unused() {
    // task-definition-revisions (API-DTD, API-DEL): the service scales to 4 on INACTIVE web:1;
    // a RunTask of web:1 is refused, one of the family runs web:2; web:1 is DELETE_IN_PROGRESS
    // until the deployment to web:2 stops its last task; the Try (UpdateService to web:1) is
    // refused.
    let (sim, out) = preset("task-definition-revisions");
    for words in [
        "DeregisterTaskDefinition web:1: INACTIVE",
        "RunTask failed: runTasks[0].taskDefinition: InvalidParameterException: TaskDefinition is inactive (web:1 is INACTIVE)",
        "RunTask web:2 count 1 in cluster default: 1 started",
        "DeleteTaskDefinitions web:1: DELETE_IN_PROGRESS",
        "task definition web:1 deleted: no task or service uses it any more",
    ] {
        assert!(support::logged(&sim, words), "{words}");
    }
    let on_web1_at_ten = sim
        .time_series()
        .series
        .get("service/web/runningCount")
        .map(|s| s[10])
        .unwrap();
    assert_eq!(on_web1_at_ten, 4.0, "scaled to 4 on the INACTIVE revision");
    assert_eq!(out["taskDefinitions"].as_array().unwrap().len(), 1);
    let mut v = preset_doc("task-definition-revisions");
    v["updateServices"][1]["taskDefinition"] = json!("web:1");
    let (sim, _) = run_to_end(v);
    assert!(sim.log().entries().iter().any(|e| e.message.starts_with(
        "updateServices[1].taskDefinition: ClientException: TaskDefinition is inactive"
    )));
}

#[test]
fn predictive_scaling_launches_ahead_of_the_second_mornings_peak() {
    // predictive-scaling: day 1 only target tracking acts, late (CPU near 87 %, about 3,900
    // ELB 5xx); the first forecast at 24:00; day 2 the policy sets 9 tasks at 07:50 and there
    // are no 5xx. Its Try (ForecastOnly): still a forecast, and 5xx again on day 2.
    let (sim, out) = preset("predictive-scaling");
    let errors = &sim.time_series().series["targetGroup/web/HTTPCode_ELB_5XX_Count"];
    let cpu = &sim.time_series().series["service/web/CPUUtilization"];
    let day = errors.len() / 2;
    let day1: f64 = errors[..day].iter().sum();
    assert!((3800.0..4000.0).contains(&day1), "{day1}");
    assert_eq!(errors[day..].iter().sum::<f64>(), 0.0);
    let peak_cpu = cpu[480..540].iter().cloned().fold(0.0, f64::max);
    assert!((85.0..89.0).contains(&peak_cpu), "{peak_cpu}");
    assert!(sim.log().entries().iter().any(|e| e.message
        == "predictive scaling policy forecast-cpu50 forecast the next 48 hours from 1d 00:00 of ECSServiceTotalCPUUtilization: 1 to 10 tasks an hour (ForecastAndScale)"));
    assert!(out["scalingActivities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["startTime"] == "2025-01-02T07:50:00.000Z"
            && a["description"] == "Setting desired count to 9."));
    let mut v = preset_doc("predictive-scaling");
    v["scalingPolicies"][1]["PredictiveScalingPolicyConfiguration"]["Mode"] = json!("ForecastOnly");
    let (sim, out) = run_to_end(v);
    let errors = &sim.time_series().series["targetGroup/web/HTTPCode_ELB_5XX_Count"];
    assert!(errors[day..].iter().sum::<f64>() > 500.0);
    assert_eq!(
        out["predictiveScalingForecasts"][0]["CapacityForecast"]["Values"]
            .as_array()
            .unwrap()
            .len(),
        48
    );
}

#[test]
fn external_task_sets_run_blue_then_green() {
    // external-task-sets (EXTERNAL controller): blue and green at 100 % of 4, then of 6; its
    // Try (green at 25 %) runs 1 green task of 4, then 2 of 6 (1.5 rounded up).
    let (sim, _) = preset("external-task-sets");
    let running = &sim.time_series().series["service/web/runningCount"];
    assert_eq!((running[10], running[20], running[36]), (8.0, 12.0, 6.0));
    let mut v = preset_doc("external-task-sets");
    v["createTaskSets"][1]["scale"]["value"] = json!(25);
    let (sim, _) = run_to_end(v);
    let running = &sim.time_series().series["service/web/runningCount"];
    assert_eq!((running[10], running[20], running[36]), (5.0, 8.0, 2.0));
}

#[test]
fn weighted_target_groups_canary_then_cut_over() {
    // weighted-target-groups: 90/10, 50/50 from 15 minutes, all to green from 25; its Try
    // (the first ModifyListener 0/100) sends green everything from 15 minutes.
    let (sim, _) = preset("weighted-target-groups");
    let series =
        |name: &str| &sim.time_series().series[&format!("targetGroup/{name}/RequestCount")];
    assert_eq!(
        (series("blue")[10], series("green")[10]),
        (54_000.0, 6_000.0)
    );
    assert_eq!(
        (series("blue")[20], series("green")[20]),
        (30_000.0, 30_000.0)
    );
    assert_eq!((series("blue")[30], series("green")[30]), (0.0, 60_000.0));
    let mut v = preset_doc("weighted-target-groups");
    v["modifyListeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"][0]["Weight"] =
        json!(0);
    let (sim, _) = run_to_end(v);
    let green = &sim.time_series().series["targetGroup/green/RequestCount"];
    assert_eq!(green[20], 60_000.0);
    let errors = &sim.time_series().series["targetGroup/green/HTTPCode_ELB_5XX_Count"];
    // Once its targets are healthy (the first minutes), green's two tasks serve it all.
    assert_eq!(errors[5..].iter().sum::<f64>(), 0.0);
    let cpu = sim.time_series().series["service/green/CPUUtilization"][20];
    assert!((38.0..42.0).contains(&cpu), "{cpu}");
}
