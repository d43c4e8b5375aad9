use serde_json::json;

use crate::json_shape::{At, FromJson};

use super::*;

fn valid(v: serde_json::Value) -> Result<ValidTaskDefinition, Vec<TaskDefinitionError>> {
    let parsed = parse_task_definition_value(&v).map_err(|e| vec![e])?;
    validate(&parsed.input)
}

fn fargate(cpu: &str, memory: &str) -> serde_json::Value {
    json!({"family": "f", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": cpu, "memory": memory,
           "containerDefinitions": [{"name": "app", "image": "nginx"}]})
}

#[test]
fn g1_fargate_sizes() {
    for (cpu, mem, ok) in [
        ("256", "2048", true),
        ("256", "3072", false),
        ("2048", "3072", false),
        ("4096", "30720", true),
        ("4096", "31744", false),
        ("8192", "20480", true),
        ("8192", "18432", false),
    ] {
        assert_eq!(
            valid(fargate(cpu, mem)).is_ok(),
            ok,
            "cpu {cpu} memory {mem}"
        );
    }
    let td = valid(fargate("1 vCPU", "2 GB")).unwrap();
    assert_eq!(
        (td.task_cpu_units, td.task_memory_mib),
        (Some(1024), Some(2048))
    );
    let err = valid(fargate("256", "3072")).unwrap_err();
    assert_eq!(err[0].path, "memory");
    assert!(err[0]
        .message
        .contains("No Fargate configuration exists for given values: 256 CPU, 3072 memory"));
}

#[test]
fn g2_memory_declaration_on_ec2() {
    let none = json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x"}]});
    let e = valid(none).unwrap_err();
    assert_eq!(e[0].path, "containerDefinitions[0].memory");
    let inverted = json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "memory": 256, "memoryReservation": 512}]});
    let e = valid(inverted).unwrap_err();
    assert!(
        e[0].message
            .contains("must be greater than 'memoryReservation'"),
        "{}",
        e[0]
    );
}

#[test]
fn g3_soft_reservation_counts_memory_reservation() {
    let soft = json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "memory": 300, "memoryReservation": 128}]});
    assert_eq!(valid(soft).unwrap().memory_mib, 128);
    let hard = json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "memory": 300}]});
    assert_eq!(valid(hard).unwrap().memory_mib, 300);
}

#[test]
fn rule_1_12_network_and_port_rules() {
    let awsvpc = json!({"family": "f", "networkMode": "awsvpc", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64, "portMappings": [{"containerPort": 5601, "hostPort": 80}]}]});
    assert_eq!(
        valid(awsvpc).unwrap_err()[0].path,
        "containerDefinitions[0].portMappings[0].hostPort"
    );
    let none = json!({"family": "f", "networkMode": "none", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64, "portMappings": [{"containerPort": 80}]}]});
    assert!(valid(none).is_err());
    let both = json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64, "portMappings": [{"containerPort": 53, "protocol": "tcp"}, {"containerPort": 53, "protocol": "udp"}]}]});
    assert!(valid(both).is_err());
    let no_essential = json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64, "essential": false}]});
    assert!(valid(no_essential).is_err());
    let fargate_bridge = json!({"family": "f", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "a", "image": "x"}]});
    assert_eq!(valid(fargate_bridge).unwrap_err()[0].path, "networkMode");
    let eleven: Vec<_> = (0..11)
        .map(|i| json!({"name": format!("c{i}"), "image": "x", "memory": 64}))
        .collect();
    assert!(valid(json!({"family": "f", "containerDefinitions": eleven})).is_err());
    let complete_on_essential = json!({"family": "f", "containerDefinitions": [
        {"name": "a", "image": "x", "memory": 64, "dependsOn": [{"containerName": "b", "condition": "SUCCESS"}]},
        {"name": "b", "image": "x", "memory": 64}]});
    assert!(valid(complete_on_essential).is_err());
    assert!(valid(json!({"family": "bad name", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64}]})).is_err());
}

#[test]
fn ports_dynamic_and_static_in_bridge_mode() {
    let td = valid(json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64,
        "portMappings": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 0}, {"containerPort": 82, "hostPort": 8082, "protocol": "udp"}]}]})).unwrap();
    let hosts: Vec<_> = td.ports.iter().map(|p| (p.host_port, p.protocol)).collect();
    assert_eq!(
        hosts,
        vec![
            (None, Protocol::Tcp),
            (None, Protocol::Tcp),
            (Some(8082), Protocol::Udp)
        ]
    );
}

#[test]
fn lenient_forms_are_accepted_and_reported() {
    let v = json!({"taskDefinition": {"family": "f", "revision": 3, "status": "ACTIVE", "networkMode": null, "ipcMode": "",
        "requiresCompatibilities": [], "cpu": 512, "memory": ".5 gb",
        "containerDefinitions": [{"name": "a", "image": "x", "portMappings": [{"containerPort": "3000"}], "links": null}]}, "tags": []});
    let parsed = parse_task_definition_value(&v).unwrap();
    assert!(parsed
        .warnings
        .iter()
        .any(|w| w.message.contains("read-only")));
    let td = validate(&parsed.input).unwrap();
    assert_eq!(
        (td.cpu_units, td.memory_mib, td.ports[0].container_port),
        (512, 512, 3000)
    );
}

#[test]
fn placeholders_in_enum_or_size_positions_name_the_field() {
    let e = valid(json!({"family": "f", "cpu": "{{ECS_CPU}}", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64}]})).unwrap_err();
    assert_eq!(e[0].path, "cpu");
    let e = valid(json!({"family": "f", "networkMode": "{{networkmode}}", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64}]})).unwrap_err();
    assert_eq!(e[0].path, "networkMode");
    let e = parse_task_definition("[{\"name\": \"a\"}]").unwrap_err();
    assert!(e.message.contains("bare list"));
    let e = parse_task_definition("{\"family\": \n \"x\",,}").unwrap_err();
    assert_eq!(e.line, Some(2));
}

/// Walks the real-world corpus (shared/corpus/task-definitions) when present: nothing panics,
/// and every file's outcome matches what AWS would do after our documented leniencies.
#[test]
fn corpus_task_definitions_load_or_fail_naming_the_field() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/task-definitions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("corpus not present at {}; skipped", dir.display());
        return;
    };
    // Files AWS refuses, with the field our error must name.
    let refused: &[(&str, &str)] = &[
        ("fluenccyit__fluenccy-aws-pre-prod__secrets-healthcheck.json", "cpu"),
        ("aws-samples__amazon-cloudwatch-container-insights__cwagent-prometheus-enum-placeholders.json", "networkMode"),
        ("aws__amazon-ecs-agent__ftest-network-stats.json", "networkMode"),
        ("aws-samples__aws-containers-task-definitions__kibana-ec2.json", "hostPort"),
        ("LevinDmytro2__aws-codedeploy-linear-canary-deployments-blog__awsvpc-hostport0-no-compat.json", "hostPort"),
        // memory 256 is not greater than memoryReservation 256, and a link names no container.
        ("5sfayas__php-nginx-ecs-docker__bridge-dynamic-links-alias.json", "memory"),
        // `image: ""` (SOURCES.md: AWS rejects an empty image).
        ("CS3219-AY2223S1-T33__cs3219-project-ay2223s1-g33__ec2-10-containers-dependson-links.json", "image"),
        ("CS3219-AY2223S1-T33__cs3219-project-ay2223s1-g33__ec2-privileged-empty-image.json", "image"),
        // Placeholders where a family or container name must be letters, digits, - and _.
        ("DataDog__documentation__agent-managed-instances-daemon.json", "family"),
        ("MarcioLeoS__wordpress-aws-ecs-deploy__wordpress-efs.json", "family"),
        // The all-empty CLI skeleton.
        ("awsdocs__amazon-ecs-developer-guide__cli-skeleton-all-empty.json", "family"),
        ("buildkite-plugins__ecs-deploy-buildkite-plugin__bare-container-definitions-array.json", ""),
        ("buildkite-plugins__ecs-deploy-buildkite-plugin__described-duplicate-container-names.json", "name"),
        // proxyConfiguration names a container ("envoy") that the task does not have.
        ("kayac__ecspresso__describe-td-appmesh.json", "proxyConfiguration.containerName"),
        ("kayac__ecspresso__td-plain-in-tags.json", "proxyConfiguration.containerName"),
    ];
    let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    names.sort();
    let (mut ok, mut rejected) = (0, 0);
    for path in names {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let outcome = parse_task_definition(&text)
            .map_err(|e| vec![e])
            .and_then(|p| validate(&p.input));
        match (&outcome, refused.iter().find(|(f, _)| *f == file)) {
            (Ok(_), None) => ok += 1,
            (Err(errors), Some((_, field))) => {
                rejected += 1;
                assert!(
                    errors.iter().any(|e| e.path.contains(field)),
                    "{file}: expected an error naming {field}, got {errors:?}"
                );
            }
            (Ok(_), Some(_)) => panic!("{file}: AWS refuses this file, we accepted it"),
            (Err(errors), None) => panic!("{file}: should load, was refused: {errors:?}"),
        }
        println!(
            "{file}: {}",
            if outcome.is_ok() { "OK" } else { "REJECTED" }
        );
    }
    println!("corpus: {ok} OK, {rejected} rejected");
    assert_eq!(
        (ok, rejected),
        (52, 15),
        "every corpus file has its expected outcome"
    );
}

/// Every member of every structure shape of the API is read into the typed model (the model
/// and the member table are generated from the same botocore shape): a value no member type
/// accepts is refused at that member's path, so the model looked at it.
#[test]
fn every_api_member_maps_to_a_model_field() {
    fn check<T: FromJson + std::fmt::Debug>(shape: &str) {
        let members = super::known_members::SHAPES
            .iter()
            .find(|(n, _)| *n == shape)
            .unwrap()
            .1;
        for (m, _, _) in members {
            let doc = json!({ *m: [[1.5]] });
            let e = T::from_json(&doc, At::Root).unwrap_err();
            assert!(e.path.starts_with(m), "{shape}.{m}: {e:?}");
        }
    }
    check::<TaskDefinitionInput>("RegisterTaskDefinitionRequest");
    check::<ContainerDefinition>("ContainerDefinition");
    check::<PortMapping>("PortMapping");
    check::<HealthCheck>("HealthCheck");
    check::<model::LinuxParameters>("LinuxParameters");
    check::<model::Volume>("Volume");
    check::<model::EFSVolumeConfiguration>("EFSVolumeConfiguration");
    check::<model::ProxyConfiguration>("ProxyConfiguration");
    check::<model::FirelensConfiguration>("FirelensConfiguration");
    check::<model::LogConfiguration>("LogConfiguration");
}

#[test]
fn type_errors_name_the_nested_field() {
    let e = parse_task_definition(r#"{"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "ulimits": [{"name": "nofile", "softLimit": "lots", "hardLimit": 1}]}]}"#).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[0].ulimits[0].softLimit");
    assert_eq!(
        e.message,
        "ClientException: invalid type: string \"lots\", expected i64"
    );
}

/// 1.12 rules 4 and 5 (G2), and 1.2 (`image` required): errors found after parsing point at
/// the line of their field, also in describe-task-definition output and for a missing field
/// (its container's line).
#[test]
fn errors_after_parsing_name_their_line_and_column() {
    let text = "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"app\",\n      \"image\": \"nginx\",\n      \"memory\": 256,\n      \"memoryReservation\": 512\n    },\n    {\"name\": \"side\", \"memory\": \"lots\"}\n  ]\n}";
    let e = parse_task_definition(text).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[1].memory");
    assert_eq!((e.line, e.column), (Some(10), Some(22)));
    assert!(e.to_string().ends_with("(line 10, column 22)"), "{e}");

    let text = text.replace("\"lots\"", "64");
    let errors = check_task_definition(&text).unwrap_err();
    let at: Vec<_> = errors.iter().map(|e| (e.path.as_str(), e.line)).collect();
    assert!(
        at.contains(&("containerDefinitions[0].memory", Some(7))),
        "{at:?}"
    );
    assert!(
        at.contains(&("containerDefinitions[1].image", Some(10))),
        "{at:?}"
    );

    let wrapped = format!("{{\"taskDefinition\": {text},\n \"tags\": []}}");
    let errors = check_task_definition(&wrapped).unwrap_err();
    assert!(errors
        .iter()
        .any(|e| e.path == "containerDefinitions[0].memory" && e.line == Some(7)));
    let e = parse_task_definition(&wrapped.replace("64", "\"x\"")).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.line),
        ("containerDefinitions[1].memory", Some(10))
    );
}

/// Merges `extra` into `base` at the top level, and `container` into its first container.
fn with(
    mut base: serde_json::Value,
    extra: serde_json::Value,
    container: serde_json::Value,
) -> serde_json::Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    for (k, v) in container.as_object().unwrap() {
        base["containerDefinitions"][0][k] = v.clone();
    }
    base
}

#[test]
fn fargate_refuses_what_it_does_not_run_1_1_1_2_1_8_1_9() {
    let refused = |extra: serde_json::Value, container: serde_json::Value, field: &str| {
        let err = valid(with(fargate("512", "1024"), extra, container)).unwrap_err();
        assert!(err.iter().any(|e| e.path == field), "{field}: {err:?}");
    };
    refused(json!({"pidMode": "host"}), json!({}), "pidMode");
    refused(json!({"ipcMode": "task"}), json!({}), "ipcMode");
    refused(
        json!({"placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]}),
        json!({}),
        "placementConstraints",
    );
    refused(
        json!({"volumes": [{"name": "data", "host": {"sourcePath": "/data"}}]}),
        json!({}),
        "volumes[0].host.sourcePath",
    );
    refused(
        json!({"volumes": [{"name": "data", "dockerVolumeConfiguration": {"scope": "task"}}]}),
        json!({}),
        "volumes[0].dockerVolumeConfiguration",
    );
    refused(
        json!({}),
        json!({"privileged": true}),
        "containerDefinitions[0].privileged",
    );
    refused(
        json!({}),
        json!({"dockerSecurityOptions": ["no-new-privileges"]}),
        "containerDefinitions[0].dockerSecurityOptions",
    );
    refused(
        json!({}),
        json!({"stopTimeout": 121}),
        "containerDefinitions[0].stopTimeout",
    );
    refused(
        json!({}),
        json!({"startTimeout": 1}),
        "containerDefinitions[0].startTimeout",
    );
    refused(
        json!({}),
        json!({"logConfiguration": {"logDriver": "fluentd"}}),
        "containerDefinitions[0].logConfiguration.logDriver",
    );
    refused(
        json!({}),
        json!({"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "us-east-1"}}}),
        "containerDefinitions[0].logConfiguration.options",
    );
    // The same settings are fine on EC2 (bridge mode, no task size needed).
    let ec2 = json!({"family": "web", "requiresCompatibilities": ["EC2"], "pidMode": "host", "ipcMode": "host",
        "volumes": [{"name": "data", "host": {"sourcePath": "/data"}}],
        "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 256, "privileged": true,
            "stopTimeout": 300, "logConfiguration": {"logDriver": "fluentd"}}]});
    assert!(valid(ec2).is_ok());
    // And a Fargate definition that keeps to them registers.
    assert!(valid(with(
        fargate("512", "1024"),
        json!({}),
        json!({"stopTimeout": 120, "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}}})
    ))
    .is_ok());
}

#[test]
fn containers_stay_within_the_task_size_and_other_limits_1_1_1_2_1_3() {
    let refused = |extra: serde_json::Value, container: serde_json::Value, field: &str| {
        let err = valid(with(fargate("512", "1024"), extra, container)).unwrap_err();
        assert!(err.iter().any(|e| e.path == field), "{field}: {err:?}");
    };
    refused(json!({}), json!({"cpu": 1024}), "cpu");
    refused(json!({}), json!({"memoryReservation": 2048}), "memory");
    refused(
        json!({}),
        json!({"memory": 2048}),
        "containerDefinitions[0].memory",
    );
    refused(
        json!({}),
        json!({"extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}]}),
        "containerDefinitions[0].extraHosts",
    );
    refused(
        json!({}),
        json!({"restartPolicy": {"enabled": true, "restartAttemptPeriod": 30}}),
        "containerDefinitions[0].restartPolicy.restartAttemptPeriod",
    );
    refused(
        json!({"ephemeralStorage": {"sizeInGiB": 201}}),
        json!({}),
        "ephemeralStorage.sizeInGiB",
    );
    let tags: Vec<serde_json::Value> = (0..51)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    refused(json!({ "tags": tags }), json!({}), "tags");
    refused(
        json!({"volumes": [{"name": "a", "configuredAtLaunch": true}, {"name": "b", "configuredAtLaunch": true}]}),
        json!({}),
        "volumes[1].configuredAtLaunch",
    );
    // Within the task: 512 units and 1024 MiB shared by two containers.
    let two = json!({"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "512", "memory": "1024",
        "containerDefinitions": [
            {"name": "app", "image": "nginx", "cpu": 256, "memoryReservation": 512, "memory": 1024},
            {"name": "sidecar", "image": "envoy", "cpu": 256, "memoryReservation": 512, "essential": false}]});
    assert!(valid(two).is_ok());
}

/// A definition whose one container `a` has `port_mappings`, in `mode`.
fn ports_td(mode: &str, port_mappings: serde_json::Value) -> serde_json::Value {
    json!({"family": "f", "networkMode": mode, "containerDefinitions": [
        {"name": "a", "image": "x", "memory": 256, "portMappings": port_mappings}]})
}

#[test]
fn container_port_ranges_follow_the_rules_of_1_5() {
    // Bridge: one dynamic request of 101 ports; awsvpc: the host range is the container's.
    let td = valid(ports_td(
        "bridge",
        json!([{"containerPortRange": "8000-8100"}]),
    ))
    .unwrap();
    let p = &td.ports[0];
    assert_eq!((p.container_port, p.host_port, p.count), (8000, None, 101));
    let td = valid(ports_td(
        "awsvpc",
        json!([{"containerPortRange": "8000-8100", "protocol": "udp"}]),
    ))
    .unwrap();
    let p = &td.ports[0];
    assert_eq!(
        (p.host_port, p.count, p.protocol),
        (Some(8000), 101, Protocol::Udp)
    );
    let bad = |mode: &str, mappings: serde_json::Value, path: &str, text: &str| {
        let e = valid(ports_td(mode, mappings.clone())).unwrap_err();
        assert_eq!(e[0].path, path, "{mappings}");
        assert!(e[0].message.contains(text), "{}", e[0]);
    };
    let range = "containerDefinitions[0].portMappings[0].containerPortRange";
    bad(
        "host",
        json!([{"containerPortRange": "8000-8100"}]),
        range,
        "bridge or awsvpc",
    );
    bad(
        "bridge",
        json!([{"containerPortRange": "8100-8000"}]),
        range,
        "the first lower than the last",
    );
    bad(
        "bridge",
        json!([{"containerPortRange": "8000"}]),
        range,
        "is not a port range",
    );
    bad(
        "bridge",
        json!([{"containerPortRange": "0-80"}]),
        range,
        "1 to 65535",
    );
    bad(
        "bridge",
        json!([{"containerPortRange": "8000-8100", "hostPort": 9000}]),
        "containerDefinitions[0].portMappings[0].hostPort",
        "Leave hostPort empty",
    );
    bad(
        "bridge",
        json!([{"containerPortRange": "8000-8100", "containerPort": 8000}]),
        "containerDefinitions[0].portMappings[0].containerPort",
        "not both",
    );
    // A port can be in only one mapping: ranges may not overlap each other or a single port.
    bad(
        "bridge",
        json!([{"containerPortRange": "8000-8100"}, {"containerPortRange": "8100-8200"}]),
        "containerDefinitions[0].portMappings[1].containerPortRange",
        "overlaps",
    );
    bad(
        "bridge",
        json!([{"containerPort": 8050}, {"containerPortRange": "8000-8100"}]),
        "containerDefinitions[0].portMappings[1].containerPortRange",
        "overlaps",
    );
    bad(
        "bridge",
        json!([{"containerPortRange": "8000-8100"}, {"containerPort": 8050}]),
        "containerDefinitions[0].portMappings[1].containerPort",
        "inside a containerPortRange",
    );
    // At most 100 ranges per container.
    let ranges = |n: u32| -> serde_json::Value {
        (0..n)
            .map(|i| json!({"containerPortRange": format!("{}-{}", 10_000 + 10 * i, 10_005 + 10 * i)}))
            .collect()
    };
    assert!(valid(ports_td("bridge", ranges(100))).is_ok());
    bad(
        "bridge",
        ranges(101),
        "containerDefinitions[0].portMappings[100].containerPortRange",
        "at most 100 port ranges",
    );
}
