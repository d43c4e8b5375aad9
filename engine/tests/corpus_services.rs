//! The real services of `../shared/corpus/services` (CreateService inputs and describe-services
//! output written by other people; SOURCES.md there), pasted as the UI pastes them
//! (`edit::add_services_json`) into a scenario that has what each refers to: its task
//! definition family and revision, its target groups, subnets and cluster. Each one places and
//! runs its desired count, or is one of the three refused with an error that names the field
//! (`REFUSED`). A blue/green service with lifecycle hooks deploys a new revision through them; a
//! Service Connect service gets its namespace and serves its endpoints.
//! Skipped when the corpus is absent.

use ecs_engine::edit::{add_services_json, PastedServiceDefaults};
use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

/// The services of a corpus file: describe-services output, create-service output, a list or
/// one request.
fn services_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(l) => l.clone(),
        Value::Object(o) => match (o.get("services"), o.get("service")) {
            (Some(Value::Array(l)), _) => l.clone(),
            (_, Some(one @ Value::Object(_))) => vec![one.clone()],
            _ => vec![v.clone()],
        },
        _ => Vec::new(),
    }
}

fn text<'a>(v: &'a Value, p: &str) -> Option<&'a str> {
    v.pointer(p)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A scenario with what service `s` refers to: `revision` registrations of its family (one
/// more for a blue/green, linear or canary service, which UpdateService deploys at 5 minutes),
/// a target group per ARN it names, its subnets and cluster, three EC2 instances.
fn world(s: &Value) -> Value {
    let cluster = text(s, "/cluster").unwrap_or("default");
    let td_ref = text(s, "/taskDefinition").unwrap_or("corpus");
    let td_ref = td_ref.rsplit("task-definition/").next().unwrap();
    let (family, revision) = match td_ref.split_once(':') {
        Some((f, r)) => (f, r.parse::<usize>().unwrap_or(1)),
        None => (td_ref, 1),
    };
    let lbs = s
        .get("loadBalancers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let container = lbs
        .first()
        .and_then(|l| text(l, "/containerName"))
        .unwrap_or("app");
    let port = lbs
        .first()
        .and_then(|l| l.get("containerPort"))
        .and_then(Value::as_u64)
        .filter(|p| *p > 0)
        .unwrap_or(80);
    let awsvpc = s.get("networkConfiguration").is_some()
        || text(s, "/launchType") == Some("FARGATE")
        || s.pointer("/capacityProviderStrategy/0/capacityProvider")
            .and_then(Value::as_str)
            .is_some_and(|c| c.starts_with("FARGATE"));
    let port_names: Vec<Value> = s
        .pointer("/serviceConnectConfiguration/services")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|x| text(x, "/portName"))
                .map(|n| json!(n))
                .collect()
        })
        .unwrap_or_default();
    let mut mapping = json!({"containerPort": port});
    if let Some(n) = port_names.first() {
        mapping["name"] = n.clone();
    }
    // A Classic Load Balancer sends to a fixed instance port (8.6): a static host port, one
    // task per instance, so as many instances as tasks.
    let classic = lbs.first().and_then(|l| text(l, "/loadBalancerName"));
    if !awsvpc {
        mapping["hostPort"] = json!(if classic.is_some() { port } else { 0 });
    }
    let compat = if awsvpc {
        json!(["EC2", "FARGATE"])
    } else {
        json!(["EC2"])
    };
    let mut td = json!({"family": family, "requiresCompatibilities": compat,
        "networkMode": if awsvpc { "awsvpc" } else { "bridge" }, "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": container, "image": "public.ecr.aws/nginx/nginx:1.27", "essential": true,
            "portMappings": [mapping]}]});
    // A volume configured at deployment names the task definition's volume configured at
    // launch, mounted by the container.
    if let Some(volume) = text(s, "/volumeConfigurations/0/name") {
        td["volumes"] = json!([{"name": volume, "configuredAtLaunch": true}]);
        td["containerDefinitions"][0]["mountPoints"] =
            json!([{"sourceVolume": volume, "containerPath": "/data"}]);
    }
    // ECS Exec needs a task role: the one the service's task definition has.
    if s.get("enableExecuteCommand") == Some(&json!(true)) {
        td["taskRoleArn"] = json!("arn:aws:iam::123456789012:role/app");
    }
    let mut groups = Vec::new();
    for (i, l) in lbs.iter().enumerate() {
        for arn in [
            text(l, "/targetGroupArn"),
            text(l, "/advancedConfiguration/alternateTargetGroupArn"),
        ]
        .into_iter()
        .flatten()
        {
            groups.push(json!({"Name": format!("tg{i}-{}", groups.len()), "TargetGroupArn": arn, "Protocol": "HTTP",
                "Port": port, "VpcId": "vpc-1", "TargetType": if awsvpc { "ip" } else { "instance" }}));
        }
    }
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let subnets: Vec<Value> = s
        .pointer("/networkConfiguration/awsvpcConfiguration/subnets")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .enumerate()
                .filter_map(|(i, x)| {
                    x.as_str()
                        .map(|id| json!({"subnetId": id, "availabilityZone": zones[i % 3]}))
                })
                .collect()
        })
        .unwrap_or_default();
    let count = if classic.is_some() {
        s.get("desiredCount").and_then(Value::as_u64).unwrap_or(3) as usize
    } else {
        3
    };
    let instances: Vec<Value> = (0..count.max(3)).map(|i| json!({"instanceType": "m5.large", "availabilityZone": zones[i % 3], "ecsConfig": {"ECS_CLUSTER": cluster}})).collect();
    let classic_load_balancers: Vec<Value> = classic
        .map(|name| json!({"LoadBalancerName": name, "AvailabilityZones": zones,
            "Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": port}],
            "HealthCheck": {"Target": format!("HTTP:{port}/"), "Interval": 10, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 2}}))
        .into_iter()
        .collect();
    json!({"version": 1, "duration": "PT20M",
    "clusters": [{"clusterName": cluster, "capacityProviders": ["FARGATE", "FARGATE_SPOT"]}],
    "containerInstances": instances,
    "subnets": subnets,
    "targetGroups": groups,
    "classicLoadBalancers": classic_load_balancers,
    "taskDefinitions": vec![td; revision + 1],
    "updateServices": if shifts_traffic(s) {
        json!([{"at": "PT5M", "cluster": cluster, "service": text(s, "/serviceName").unwrap_or("pasted"),
            "taskDefinition": format!("{family}:{}", revision + 1)}])
    } else {
        json!([])
    }})
}

/// Whether service `s` deploys with BLUE_GREEN, LINEAR or CANARY.
fn shifts_traffic(s: &Value) -> bool {
    text(s, "/deploymentConfiguration/strategy").is_some_and(|k| k != "ROLLING")
}

/// The corpus files refused, with the start of their error (the field it names): the CLI's empty skeleton (a launch type and an empty provider strategy), a
/// partial definition without `desiredCount`, and an unrendered `<TASK_DEFINITION>`. Every
/// other file runs.
const REFUSED: &[(&str, &str)] = &[
    (
        "awsdocs__amazon-ecs-developer-guide__cli-skeleton-all-empty.json",
        "capacityProviderStrategy: ",
    ),
    (
        "buildkite-plugins__ecs-deploy-buildkite-plugin__partial-service-definition.json",
        "desiredCount: ",
    ),
    (
        "tomofuminijo__aws-ecs-bluegreen-deployment-sample__create-service-codedeploy.json",
        "taskDefinition: ",
    ),
];

#[test]
fn corpus_services_run_or_are_refused_naming_the_field() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/services");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("corpus not present at {}", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    let (mut ran, mut refused, mut deployed, mut connected, mut with_volumes) =
        (Vec::new(), Vec::new(), 0, 0, 0);
    let mut with_exec = 0;
    for p in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
    {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        for mut s in services_of(&raw) {
            // Terraform renders its templates before the request is made: a Lambda ARN here.
            for hook in s
                .pointer_mut("/deploymentConfiguration/lifecycleHooks")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if text(hook, "/hookTargetArn").is_some_and(|a| a.contains("{{")) {
                    hook["hookTargetArn"] = json!(
                        "arn:aws:lambda:ap-northeast-1:123456789012:function:ecs-service-hook"
                    );
                }
            }
            let defaults = PastedServiceDefaults {
                service_name: "pasted".into(),
                task_definition: "corpus".into(),
            };
            let loaded = add_services_json(&world(&s), &s.to_string(), &defaults)
                .and_then(|(doc, _)| Scenario::from_value(doc).map_err(|e| e.to_string()));
            let scenario = match loaded {
                Ok(scenario) => scenario,
                Err(e) => {
                    let expected = REFUSED.iter().find(|(file, _)| *file == name);
                    assert!(
                        expected.is_some_and(|(_, field)| e.starts_with(field)),
                        "{name} refused: {e}"
                    );
                    refused.push(name.clone());
                    continue;
                }
            };
            let mut sim = Simulation::new(scenario);
            sim.advance_to(SimTime(20 * 60_000)).unwrap();
            let out = sim.describe();
            let svc = &out["services"][0];
            assert_eq!(
                svc["runningCount"], svc["desiredCount"],
                "{name}: {:#?}",
                svc["events"]
            );
            if shifts_traffic(&s) {
                let completed = svc["deployments"][0]["rolloutState"] == "COMPLETED"
                    && svc["deployments"].as_array().unwrap().len() == 1;
                assert!(completed, "{name}: {:#?}", svc["events"]);
                for stage in ["PRE_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT"] {
                    let called = format!("lifecycle stage {stage}: hook ecs-lambda-");
                    assert!(
                        sim.log()
                            .entries()
                            .iter()
                            .any(|e| e.message.contains(&called)),
                        "{name}: no hook at {stage}"
                    );
                }
                deployed += 1;
            }
            // Service Connect: the namespace the paste added, and an endpoint per server
            // entry, with the service's tasks behind it.
            if s.pointer("/serviceConnectConfiguration/enabled") == Some(&json!(true)) {
                let served = s
                    .pointer("/serviceConnectConfiguration/services")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let endpoints = out["serviceConnect"]["endpoints"].as_array().unwrap();
                assert_eq!(endpoints.len(), served, "{name}");
                for e in endpoints {
                    assert_eq!(
                        e["tasks"].as_array().unwrap().len() as u64,
                        svc["desiredCount"].as_u64().unwrap(),
                        "{name}"
                    );
                }
                connected += 1;
            }
            // EBS volumes: one in use per running task, as the request configures it.
            if let Some(managed) = s.pointer("/volumeConfigurations/0/managedEBSVolume") {
                let volumes = out["ebsVolumes"].as_array().unwrap();
                let in_use: Vec<&Value> =
                    volumes.iter().filter(|v| v["State"] == "in-use").collect();
                assert_eq!(
                    in_use.len() as u64,
                    svc["desiredCount"].as_u64().unwrap(),
                    "{name}"
                );
                for v in in_use {
                    assert_eq!(v["Size"], managed["sizeInGiB"], "{name}");
                    assert_eq!(v["VolumeType"], managed["volumeType"], "{name}");
                }
                with_volumes += 1;
            }
            // ECS Exec: every task of a service with exec has its agent running.
            if s.get("enableExecuteCommand") == Some(&json!(true)) {
                for t in out["tasks"].as_array().unwrap() {
                    if t["lastStatus"] == "RUNNING" {
                        assert_eq!(t["enableExecuteCommand"], true, "{name}");
                        assert_eq!(
                            t["containers"][0]["managedAgents"][0]["lastStatus"], "RUNNING",
                            "{name}"
                        );
                    }
                }
                with_exec += 1;
            }
            ran.push(name.clone());
        }
    }
    assert_eq!(refused.len(), REFUSED.len(), "refused {refused:#?}");
    assert!(
        ran.iter()
            .any(|n| n == "aws__aws-cli__classic-elb-role.json"),
        "the Classic Load Balancer service runs (8.6)"
    );
    assert!(ran.len() >= 15, "ran {ran:#?}");
    assert!(
        deployed >= 1,
        "no blue/green service deployed: refused {refused:#?}"
    );
    assert!(connected >= 2, "Service Connect services: {connected}");
    assert!(with_exec >= 2, "services with ECS Exec: {with_exec}");
    assert!(
        with_volumes >= 1,
        "services with EBS volumes: {with_volumes}"
    );
}
