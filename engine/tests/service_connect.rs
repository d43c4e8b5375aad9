//! Amazon ECS Service Connect (`serviceConnectConfiguration`): the request's defaults and
//! refusals, endpoints in a Cloud Map namespace, the rule that a client task resolves only the
//! endpoints that existed when its deployment started, the proxies' round robin, retries and
//! outlier detection, the health gate, DescribeServices and DescribeTasks, and the `AWS/ECS`
//! metrics. The rules and their sources are in `engine/src/service_connect/mod.rs`.

mod support;

use ecs_engine::cloudwatch::MetricId;
use ecs_engine::service_connect::runtime::Reachability;
use ecs_engine::task::TaskStatus;
use ecs_engine::{SimTime, Simulation};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{at, logged, sim};

/// A Fargate task definition `family` with container `name` and `ports`.
fn fargate_td(family: &str, name: &str, ports: Value, cpu: &str) -> Value {
    json!({"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
           "cpu": cpu, "memory": "1024",
           "containerDefinitions": [{"name": name, "image": "public.ecr.aws/nginx/nginx:1.27", "essential": true,
                                     "portMappings": ports}]})
}

/// A Fargate service of `td` with `desired` tasks and Service Connect `connect`.
fn fargate_service(name: &str, td: &str, desired: u32, connect: Value) -> Value {
    json!({"serviceName": name, "taskDefinition": td, "desiredCount": desired, "launchType": "FARGATE",
           "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}},
           "serviceConnectConfiguration": connect})
}

/// Namespace `shop`; server `backend` (4 tasks, port mapping `api` 8080 http, client alias
/// `backend:8080`), client `frontend` (2 tasks); `frontend` sends `rps` requests/s to
/// `http://backend:8080` from the start. Services are created in the order given by
/// `client_first`.
fn shop(rps: f64, client_first: bool) -> Value {
    let backend = fargate_service(
        "backend",
        "backend",
        4,
        json!({"enabled": true, "namespace": "shop",
               "services": [{"portName": "api", "clientAliases": [{"port": 8080, "dnsName": "backend"}]}]}),
    );
    let frontend = fargate_service(
        "frontend",
        "frontend",
        2,
        json!({"enabled": true, "namespace": "shop"}),
    );
    let services = if client_first {
        json!([frontend, backend])
    } else {
        json!([backend, frontend])
    };
    json!({
        "version": 1, "seed": 7, "duration": "PT2H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "namespaces": [{"Name": "shop", "Description": "the shop's services"}],
        "taskDefinitions": [
            fargate_td("backend", "api", json!([{"name": "api", "containerPort": 8080, "appProtocol": "http"}]), "512"),
            fargate_td("frontend", "web", json!([{"containerPort": 80}]), "256")
        ],
        "services": services,
        "loadProfiles": [{"client": "frontend", "serviceConnect": "http://backend:8080",
                          "requests": {"type": "constant", "requestsPerSecond": rps},
                          "cost": {"cpuUnitMsPerRequest": 1024, "idleCpuUnits": 0}}]
    })
}

fn service_index(s: &Simulation, name: &str) -> usize {
    s.services().iter().position(|x| x.name == name).unwrap()
}

/// The RUNNING tasks of service `name`.
fn running(s: &Simulation, name: &str) -> Vec<usize> {
    let i = service_index(s, name);
    (0..s.tasks().len())
        .filter(|&t| {
            s.tasks()[t].service == Some(i) && s.tasks()[t].last_status == TaskStatus::Running
        })
        .collect()
}

fn offered(s: &Simulation, t: usize) -> f64 {
    s.task_loads().get(t).map_or(0.0, |l| l.offered_rps)
}

/// The scenario's error log lines.
fn refusals(doc: Value) -> Vec<String> {
    let s = sim(doc);
    s.log()
        .entries()
        .iter()
        .filter(|e| e.message.starts_with("services["))
        .map(|e| e.message.clone())
        .collect()
}

#[test]
fn an_endpoint_defaults_to_the_port_name_in_the_namespace_and_describe_services_shows_it() {
    // API-SCS: discoveryName defaults to portName, the alias's dnsName to
    // discoveryName.namespace; with no alias the endpoint keeps the port mapping's port.
    let mut doc = shop(0.0, false);
    doc["services"][0]["serviceConnectConfiguration"]["services"] = json!([{"portName": "api"}]);
    let mut s = sim(doc);
    at(&mut s, 300);
    let e = &s.service_connect_endpoints()[0];
    assert_eq!(e.spec.discovery_name, "api");
    assert_eq!(e.spec.alias(), "api.shop:8080");
    assert!(logged(
        &s,
        "Service Connect endpoint api.shop:8080 created in namespace shop"
    ));
    let out = s.describe();
    let backend = &out["services"][0];
    let dep = &backend["deployments"][0];
    assert_eq!(dep["serviceConnectConfiguration"]["namespace"], "shop");
    assert_eq!(dep["serviceConnectResources"][0]["discoveryName"], "api");
    let arn = dep["serviceConnectResources"][0]["discoveryArn"]
        .as_str()
        .unwrap();
    assert!(
        arn.starts_with("arn:aws:servicediscovery:us-east-1:123456789012:service/srv-"),
        "{arn}"
    );
    // A client-only service serves no endpoint.
    assert_eq!(
        out["services"][1]["deployments"][0]["serviceConnectResources"],
        json!([])
    );
    // The proxy container ECS adds is listed with the task's containers.
    let t = running(&s, "backend")[0];
    let task = s.describe_task_by_id(&s.tasks()[t].id).unwrap();
    let names: Vec<&str> = task["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[1].starts_with("ecs-service-connect-"), "{names:?}");
    assert_eq!(
        out["serviceConnect"]["endpoints"][0]["tasks"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn a_client_sends_requests_round_robin_to_the_endpoint_tasks_and_metrics_follow() {
    // DG-components: round robin; DG-metrics: RequestCount by DiscoveryName, per-target counts by
    // TargetDiscoveryName with the client's ServiceName.
    let mut s = sim(shop(100.0, false));
    at(&mut s, 600);
    let backend = running(&s, "backend");
    assert_eq!(backend.len(), 4);
    for &t in &backend {
        assert!(
            (offered(&s, t) - 25.0).abs() < 1e-9,
            "task {t}: {}",
            offered(&s, t)
        );
    }
    for &t in &running(&s, "frontend") {
        assert_eq!(
            offered(&s, t),
            0.0,
            "the client's own tasks serve nothing here"
        );
    }
    let cw = s.cloudwatch();
    let count = MetricId::new("AWS/ECS", "RequestCount", &[("DiscoveryName", "api")]);
    assert!((cw.get(&count, 8).expect("minute 8").sum - 6000.0).abs() < 1e-6);
    let scoped = MetricId::new(
        "AWS/ECS",
        "RequestCount",
        &[
            ("ClusterName", "default"),
            ("DiscoveryName", "api"),
            ("ServiceName", "backend"),
        ],
    );
    assert!((cw.get(&scoped, 8).unwrap().sum - 6000.0).abs() < 1e-6);
    let per_target = MetricId::new(
        "AWS/ECS",
        "RequestCountPerTarget",
        &[
            ("ClusterName", "default"),
            ("ServiceName", "frontend"),
            ("TargetDiscoveryName", "api"),
        ],
    );
    assert!((cw.get(&per_target, 8).unwrap().sum - 1500.0).abs() < 1e-6);
    let ok = MetricId::new(
        "AWS/ECS",
        "HTTPCode_Target_2XX_Count",
        &[("TargetDiscoveryName", "api")],
    );
    assert!((cw.get(&ok, 8).unwrap().sum - 6000.0).abs() < 1e-6);
    let bad = MetricId::new(
        "AWS/ECS",
        "HTTPCode_Target_5XX_Count",
        &[("TargetDiscoveryName", "api")],
    );
    assert_eq!(cw.get(&bad, 8).unwrap().sum, 0.0);
}

#[test]
fn a_client_deployed_before_the_endpoint_existed_cannot_resolve_it_until_redeployed() {
    // DG-components: "Existing tasks can't resolve and connect to the new endpoint … You must
    // redeploy existing services before the applications can resolve new endpoints."
    let mut doc = shop(100.0, true);
    doc["updateServices"] =
        json!([{"at": "PT20M", "service": "frontend", "forceNewDeployment": true}]);
    let mut s = sim(doc);
    at(&mut s, 600);
    assert!(logged(&s, "cannot resolve backend:8080"));
    assert!(logged(
        &s,
        "Existing tasks can't resolve and connect to the new endpoint"
    ));
    for &t in &running(&s, "backend") {
        assert_eq!(
            offered(&s, t),
            0.0,
            "nothing reaches the server before the redeploy"
        );
    }
    let count = MetricId::new("AWS/ECS", "RequestCount", &[("DiscoveryName", "api")]);
    assert!(s.cloudwatch().get(&count, 8).is_none_or(|d| d.sum == 0.0));
    // After the redeploy the new client tasks resolve it; the old ones drain away.
    at(&mut s, 2400);
    let backend = running(&s, "backend");
    let total: f64 = backend.iter().map(|&t| offered(&s, t)).sum();
    assert!((total - 100.0).abs() < 1e-6, "{total}");
}

#[test]
fn a_client_without_service_connect_cannot_resolve_the_name() {
    let mut doc = shop(100.0, false);
    doc["services"][1]
        .as_object_mut()
        .unwrap()
        .remove("serviceConnectConfiguration");
    let mut s = sim(doc);
    at(&mut s, 600);
    assert!(logged(&s, "has no Service Connect configuration"));
    assert!(running(&s, "backend")
        .iter()
        .all(|&t| offered(&s, t) == 0.0));
}

#[test]
fn requests_to_an_alias_the_namespace_does_not_have_fail_and_say_what_it_has() {
    let mut doc = shop(100.0, false);
    doc["loadProfiles"][0]["serviceConnect"] = json!("backend:9090");
    let mut s = sim(doc);
    at(&mut s, 600);
    assert!(logged(
        &s,
        "no client alias of namespace shop is backend:9090 (its tasks resolve: backend:8080)"
    ));
}

/// `services[0]` (backend) changed by `f`, and the errors its creation logs.
fn backend_refusal(f: impl FnOnce(&mut Value)) -> String {
    let mut doc = shop(0.0, false);
    f(&mut doc);
    let errors = refusals(doc);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].clone()
}

#[test]
fn service_connect_refusals_name_the_member() {
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]["services"][0]["portName"] = json!("grpc")
    });
    assert!(e.starts_with("services[0].serviceConnectConfiguration.services[0].portName: no portMappings entry of backend is named grpc; its port mappings are named api"), "{e}");
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]["namespace"] = json!("nowhere")
    });
    assert!(e.contains("serviceConnectConfiguration.namespace: NamespaceNotFoundException: The specified namespace wasn't found: nowhere"), "{e}");
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]
            .as_object_mut()
            .unwrap()
            .remove("namespace");
    });
    assert!(e.contains("serviceConnectConfiguration.namespace: required: cluster default has no default namespace"), "{e}");
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]
            .as_object_mut()
            .unwrap()
            .remove("enabled")
            .map(|_| ())
            .unwrap()
    });
    assert!(
        e.contains("serviceConnectConfiguration.enabled: required"),
        "{e}"
    );
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]["services"][0]["clientAliases"] =
            json!([{"port": 8080, "dnsName": "a"}, {"port": 8081, "dnsName": "b"}]);
    });
    assert!(e.contains("clientAliases: The maximum number of client aliases that you can have in this list is 1"), "{e}");
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]["services"][0]["clientAliases"][0]
            ["dnsName"] = json!("Backend")
    });
    assert!(
        e.contains("clientAliases[0].dnsName: \"Backend\" is not a DNS name"),
        "{e}"
    );
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]["services"][0]["discoveryName"] =
            json!("-api")
    });
    assert!(
        e.contains("services[0].discoveryName: \"-api\" is not a discovery name"),
        "{e}"
    );
    let e = backend_refusal(|d| {
        d["services"][0]["deploymentController"] = json!({"type": "CODE_DEPLOY"})
    });
    assert!(
        e.contains(
            "Service Connect does not support services with the CODE_DEPLOY deployment controller"
        ),
        "{e}"
    );
    let e = backend_refusal(|d| {
        d["services"][0]["serviceConnectConfiguration"]["accessLogConfiguration"] =
            json!({"format": "JSON"});
    });
    assert!(
        e.contains("To enable access logs, you must also specify a logConfiguration"),
        "{e}"
    );
}

#[test]
fn a_tcp_port_takes_no_per_request_timeout() {
    // API-TO: perRequestTimeout can only be set if the appProtocol isn't TCP.
    let e = backend_refusal(|d| {
        d["taskDefinitions"][0]["containerDefinitions"][0]["portMappings"][0]
            .as_object_mut()
            .unwrap()
            .remove("appProtocol");
        d["services"][0]["serviceConnectConfiguration"]["services"][0]["timeout"] =
            json!({"perRequestTimeoutSeconds": 30});
    });
    assert!(
        e.contains(
            "timeout.perRequestTimeoutSeconds: can only be set if the port's appProtocol isn't TCP"
        ),
        "{e}"
    );
}

#[test]
fn the_task_definition_must_set_task_memory_use_bridge_or_awsvpc_and_have_no_links() {
    // DG-components: task memory limit, network modes, links.
    let ec2 = |td_extra: Value, container_extra: Value| {
        let mut doc = shop(0.0, false);
        let mut c = json!({"name": "api", "image": "nginx", "memory": 256, "essential": true,
                           "portMappings": [{"name": "api", "containerPort": 8080, "appProtocol": "http"}]});
        for (k, v) in container_extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        let db = json!({"name": "db", "image": "postgres:16", "memory": 128, "essential": false});
        let mut td =
            json!({"family": "backend", "networkMode": "bridge", "containerDefinitions": [c, db]});
        for (k, v) in td_extra.as_object().unwrap() {
            td[k] = v.clone();
        }
        doc["taskDefinitions"][0] = td;
        let svc = &mut doc["services"][0];
        svc["launchType"] = json!("EC2");
        svc.as_object_mut().unwrap().remove("networkConfiguration");
        doc["containerInstances"] = json!([{"id": "i-0aaaaaaaaaaaaaaa1", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "subnetId": "subnet-a"}]);
        refusals(doc)
    };
    let e = ec2(json!({}), json!({}));
    assert!(
        e[0].contains("Task definitions must set the task memory limit to use Service Connect"),
        "{e:?}"
    );
    let e = ec2(json!({"networkMode": "host", "memory": "512"}), json!({}));
    assert!(
        e[0].contains(
            "needs a task definition with networkMode awsvpc or bridge; backend uses host"
        ),
        "{e:?}"
    );
    let e = ec2(
        json!({"memory": "512"}),
        json!({"links": ["db"], "dependsOn": []}),
    );
    assert!(
        e[0].contains("Service Connect does not support links"),
        "{e:?}"
    );
    // Bridge with task memory is accepted.
    assert_eq!(
        ec2(json!({"memory": "512"}), json!({})),
        Vec::<String>::new()
    );
}

#[test]
fn discovery_names_and_aliases_are_unique_in_a_namespace() {
    // DG-components: "All endpoints must be unique within a namespace. All discovery names must
    // be unique within a namespace."
    let mut doc = shop(0.0, false);
    let mut twin = doc["services"][0].clone();
    twin["serviceName"] = json!("backend-2");
    doc["services"].as_array_mut().unwrap().push(twin.clone());
    let e = refusals(doc.clone());
    assert!(e[0].starts_with("services[2].serviceConnectConfiguration.services[0].discoveryName: api is the discovery name of service backend in namespace shop"), "{e:?}");
    doc["services"][2]["serviceConnectConfiguration"]["services"][0]["discoveryName"] =
        json!("api2");
    let e = refusals(doc.clone());
    assert!(
        e[0].contains("clientAliases: backend:8080 is a client alias of service backend"),
        "{e:?}"
    );
    doc["services"][2]["serviceConnectConfiguration"]["services"][0]["clientAliases"][0]["port"] =
        json!(8081);
    assert_eq!(refusals(doc), Vec::<String>::new());
}

#[test]
fn the_cluster_default_namespace_serves_services_that_name_none() {
    // API-CSCD: a new name in serviceConnectDefaults creates an HTTP namespace; services with
    // Service Connect enabled and no namespace join it.
    let mut doc = shop(100.0, false);
    doc.as_object_mut().unwrap().remove("namespaces");
    doc["clusters"] =
        json!([{"clusterName": "default", "serviceConnectDefaults": {"namespace": "shop"}}]);
    for s in 0..2 {
        doc["services"][s]["serviceConnectConfiguration"]
            .as_object_mut()
            .unwrap()
            .remove("namespace");
    }
    let mut s = sim(doc);
    at(&mut s, 600);
    assert_eq!(
        s.namespaces().list[0].created_for.as_deref(),
        Some("default")
    );
    let total: f64 = running(&s, "backend").iter().map(|&t| offered(&s, t)).sum();
    assert!((total - 100.0).abs() < 1e-6, "{total}");
}

#[test]
fn a_task_with_a_health_check_takes_traffic_once_healthy() {
    // DG-concepts: a HEALTHY task is available at once; UNKNOWN is held back (up to 8 minutes).
    let mut doc = shop(100.0, false);
    doc["taskDefinitions"][0]["containerDefinitions"][0]["healthCheck"] =
        json!({"command": ["CMD-SHELL", "curl -f localhost:8080/ || exit 1"], "interval": 60});
    let mut s = sim(doc);
    let mut seen_warming = false;
    for sec in (10..400).step_by(5) {
        at(&mut s, sec);
        for t in running(&s, "backend") {
            match s.reachability(t) {
                Reachability::WarmingUp(_) => {
                    seen_warming = true;
                    assert_eq!(offered(&s, t), 0.0, "a task held back takes no requests");
                }
                Reachability::Available => {
                    assert_eq!(s.task_health_status(&s.tasks()[t]).as_str(), "HEALTHY");
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(seen_warming);
    at(&mut s, 600);
    assert!(running(&s, "backend")
        .iter()
        .all(|&t| s.reachability(t) == Reachability::Available));
}

#[test]
fn overloaded_tasks_fail_requests_the_proxies_retry_and_outlier_detection_avoids_one() {
    // Each backend task serves 500 requests/s (512 CPU units, 1 ms of a vCPU each): 2,400
    // requests/s on 4 tasks overload them. DG-components: 2 retries on other hosts; 5 failures
    // in 30 s avoid the task; [unconfirmed] at most 10 % of the tasks (at least one) at once.
    let mut s = sim(shop(2400.0, false));
    // Between routing ticks; an ejection takes effect from the next tick.
    s.advance_to(SimTime(300_500)).unwrap();
    assert!(logged(&s, "the Service Connect proxies avoid task"));
    let backend = running(&s, "backend");
    let ejected: Vec<usize> = backend
        .iter()
        .copied()
        .filter(|&t| matches!(s.reachability(t), Reachability::Ejected(_)))
        .collect();
    assert!(ejected.len() <= 1, "{ejected:?}");
    s.advance_to(SimTime(301_500)).unwrap();
    let mut checked = 0;
    for &t in &ejected {
        if let Reachability::Ejected(_) = s.reachability(t) {
            checked += 1;
            assert_eq!(offered(&s, t), 0.0, "an avoided task takes no requests");
        }
    }
    assert_eq!(
        checked, 1,
        "a task avoided at 300.5 s is still avoided at 301.5 s"
    );
    // Retries: the attempts that reach the tasks exceed what the client sends.
    let attempts: f64 = backend.iter().map(|&t| offered(&s, t)).sum();
    assert!(attempts > 2400.0 + 1.0, "{attempts}");
    let bad = MetricId::new(
        "AWS/ECS",
        "HTTPCode_Target_5XX_Count",
        &[("TargetDiscoveryName", "api")],
    );
    assert!(s.cloudwatch().get(&bad, 3).unwrap().sum > 0.0);
}

#[test]
fn update_service_adding_service_connect_starts_a_deployment_and_creates_the_endpoint() {
    // DG-components: adding Service Connect creates the endpoint and a new deployment.
    let mut doc = shop(100.0, false);
    let connect = doc["services"][0]["serviceConnectConfiguration"].clone();
    doc["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("serviceConnectConfiguration");
    doc["updateServices"] =
        json!([{"at": "PT10M", "service": "backend", "serviceConnectConfiguration": connect}]);
    let mut s = sim(doc);
    at(&mut s, 300);
    assert!(s.service_connect_endpoints().is_empty());
    let b = service_index(&s, "backend");
    assert_eq!(s.services()[b].deployments.len(), 1);
    at(&mut s, 1800);
    assert_eq!(s.services()[b].deployments.len(), 2);
    assert_eq!(s.service_connect_endpoints().len(), 1);
    // frontend started before the endpoint existed: it still cannot resolve it.
    assert!(logged(&s, "Existing tasks can't resolve"));
}

#[test]
fn a_new_task_definition_must_keep_the_port_name() {
    let mut doc = shop(0.0, false);
    let mut td2 = doc["taskDefinitions"][0].clone();
    td2["containerDefinitions"][0]["portMappings"][0]["name"] = json!("http");
    doc["taskDefinitions"].as_array_mut().unwrap().push(td2);
    doc["services"][0]["taskDefinition"] = json!("backend:1");
    doc["updateServices"] =
        json!([{"at": "PT5M", "service": "backend", "taskDefinition": "backend:2"}]);
    let mut s = sim(doc);
    at(&mut s, 600);
    assert!(logged(&s, "updateServices[0].serviceConnectConfiguration.services[0].portName: no portMappings entry of backend is named api"));
    assert_eq!(s.services()[0].task_definition, "backend:1");
}

#[test]
fn the_run_is_deterministic() {
    let run = || {
        let mut s = sim(shop(2400.0, false));
        at(&mut s, 1800);
        s.log().digest()
    };
    assert_eq!(run(), run());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the load, sizes and health checks: only tasks that take traffic get requests,
    /// requests reach only the endpoint's service, and outlier detection never avoids more
    /// than 10 % of the tasks (at least one).
    #[test]
    fn only_reachable_tasks_take_requests(
        rps in 0.0f64..6000.0,
        backends in 1u32..12,
        clients in 1u32..4,
        checked in any::<bool>(),
        secs in 60u64..1500,
    ) {
        let mut doc = shop(rps, false);
        doc["services"][0]["desiredCount"] = json!(backends);
        doc["services"][1]["desiredCount"] = json!(clients);
        if checked {
            doc["taskDefinitions"][0]["containerDefinitions"][0]["healthCheck"] =
                json!({"command": ["CMD-SHELL", "true"], "interval": 30});
        }
        let mut s = sim(doc);
        let mut t_sec = 30;
        while t_sec <= secs {
            // Half a second before a routing tick, then the tick: the tasks it loads took
            // traffic before it (or their hold ended at it).
            s.advance_to(SimTime(t_sec * 1000 - 500)).unwrap();
            let before: Vec<Reachability> = (0..s.tasks().len()).map(|t| s.reachability(t)).collect();
            let backend = running(&s, "backend");
            let avoided = backend.iter().filter(|&&t| matches!(before[t], Reachability::Ejected(_))).count();
            prop_assert!(avoided <= ((backend.len() as f64 * 0.1).floor() as usize).max(1));
            at(&mut s, t_sec);
            let tick = SimTime(t_sec * 1000);
            for (t, task) in s.tasks().iter().enumerate() {
                if offered(&s, t) > 0.0 {
                    prop_assert_eq!(task.service, Some(0));
                    let ok = match before.get(t).copied().unwrap_or(Reachability::Out) {
                        Reachability::Available => true,
                        Reachability::WarmingUp(until) | Reachability::Ejected(until) => until <= tick,
                        Reachability::Out => task.started_at.is_some_and(|at| at.as_ms() + 500 > t_sec * 1000),
                    };
                    prop_assert!(ok, "task {} took {} requests/s; before the tick: {:?}", t, offered(&s, t), before.get(t));
                }
            }
            t_sec += 37;
        }
    }
}

#[test]
fn pasted_describe_services_output_keeps_service_connect_and_its_namespace() {
    // describe-services shows serviceConnectConfiguration only on deployments (API Service
    // shape); the paste makes the PRIMARY one's the request, and adds the namespace the
    // service's account has.
    use ecs_engine::edit::{add_services_json, PastedServiceDefaults};
    let mut doc = shop(0.0, false);
    doc.as_object_mut().unwrap().remove("namespaces");
    doc["services"] = json!([]);
    let output = json!({"services": [{
        "serviceName": "backend", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/backend:1",
        "desiredCount": 2, "launchType": "FARGATE", "status": "ACTIVE", "runningCount": 2,
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
        "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY",
            "serviceConnectConfiguration": {"enabled": true, "namespace": "corp",
                "services": [{"portName": "api", "clientAliases": [{"port": 8080}]}]},
            "serviceConnectResources": [{"discoveryName": "api", "discoveryArn": "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-x"}]}]
    }]});
    let defaults = PastedServiceDefaults {
        service_name: String::new(),
        task_definition: String::new(),
    };
    let (doc, names) = add_services_json(&doc, &output.to_string(), &defaults).unwrap();
    assert_eq!(names, vec!["backend".to_string()]);
    assert_eq!(doc["namespaces"], json!([{"Name": "corp"}]));
    assert_eq!(
        doc["services"][0]["serviceConnectConfiguration"]["namespace"],
        "corp"
    );
    let mut s = sim(doc);
    at(&mut s, 300);
    assert_eq!(
        s.service_connect_endpoints()[0].spec.alias(),
        "api.corp:8080"
    );
}

#[test]
fn a_canary_deployment_sends_the_canary_share_of_service_connect_traffic_to_green() {
    // DG-bg: both revisions register with Cloud Map and production traffic shifts without
    // client redeploys; [unconfirmed] the endpoint follows the deployment's production weights.
    let mut doc =
        support::blue_green::scenario(json!({"strategy": "CANARY", "bakeTimeInMinutes": 0,
        "canaryConfiguration": {"canaryPercent": 12.5, "canaryBakeTimeInMinutes": 5}}));
    for td in doc["taskDefinitions"].as_array_mut().unwrap() {
        td["containerDefinitions"][0]["portMappings"][0]["name"] = json!("web");
        td["containerDefinitions"][0]["portMappings"][0]["appProtocol"] = json!("http");
    }
    doc["namespaces"] = json!([{"Name": "shop"}]);
    doc["services"][0]["serviceConnectConfiguration"] = json!({"enabled": true, "namespace": "shop",
        "services": [{"portName": "web", "clientAliases": [{"port": 80, "dnsName": "web"}]}]});
    let mut caller = doc["services"][0].clone();
    for k in [
        "loadBalancers",
        "deploymentConfiguration",
        "deploymentController",
    ] {
        caller.as_object_mut().unwrap().remove(k);
    }
    caller["serviceName"] = json!("caller");
    caller["desiredCount"] = json!(1);
    caller["serviceConnectConfiguration"] = json!({"enabled": true, "namespace": "shop"});
    doc["services"].as_array_mut().unwrap().push(caller);
    doc["loadProfiles"] = json!([{"client": "caller", "serviceConnect": "web:80",
        "requests": {"type": "constant", "requestsPerSecond": 400},
        "cost": {"cpuUnitMsPerRequest": 100, "idleCpuUnits": 1}}]);
    let mut s = sim(doc);
    at(&mut s, 8 * 60 + 20);
    let green = s.services()[0].primary_deployment();
    let (mut blue_rps, mut green_rps) = (0.0, 0.0);
    for (t, task) in s.tasks().iter().enumerate() {
        if task.service == Some(0) && task.is_active() {
            if task.deployment == Some(green) {
                green_rps += offered(&s, t);
            } else {
                blue_rps += offered(&s, t);
            }
        }
    }
    assert!(
        (green_rps - 50.0).abs() < 1e-6 && (blue_rps - 350.0).abs() < 1e-6,
        "{blue_rps} {green_rps}"
    );
    // After the shift every request reaches web:2, and the caller was never redeployed.
    at(&mut s, 20 * 60);
    let total: f64 = running(&s, "web").iter().map(|&t| offered(&s, t)).sum();
    assert!((total - 400.0).abs() < 1e-6, "{total}");
    assert!(running(&s, "web")
        .iter()
        .all(|&t| s.tasks()[t].deployment == Some(green)));
    assert_eq!(s.services()[1].deployments.len(), 1);
}

#[test]
fn the_live_load_control_offers_and_sets_service_connect_targets() {
    // The load controls name a Service Connect target `client → dnsName:port`.
    let mut doc = shop(0.0, false);
    doc.as_object_mut().unwrap().remove("loadProfiles");
    let targets = ecs_engine::edit::load_targets(&doc);
    assert!(
        targets.contains(&"frontend → backend:8080".to_string()),
        "{targets:?}"
    );
    assert!(
        targets.contains(&"backend → backend:8080".to_string()),
        "{targets:?}"
    );
    let doc =
        ecs_engine::edit::set_load_now(&doc, "frontend → backend:8080", SimTime(120_000), 300.0)
            .unwrap();
    assert_eq!(doc["loadProfiles"][0]["client"], "frontend");
    assert_eq!(doc["loadProfiles"][0]["serviceConnect"], "backend:8080");
    let scenario = ecs_engine::Scenario::from_value(doc.clone()).unwrap();
    assert_eq!(
        ecs_engine::edit::offered_load(&scenario, "frontend → backend:8080", SimTime(180_000)),
        300.0
    );
    let doc = ecs_engine::load::pattern::set_requests(
        &doc,
        "frontend → backend:8080",
        json!({"type": "constant", "requestsPerSecond": 100}),
    )
    .unwrap();
    assert_eq!(doc["loadProfiles"].as_array().unwrap().len(), 1);
    let mut s = sim(doc);
    at(&mut s, 600);
    let total: f64 = running(&s, "backend").iter().map(|&t| offered(&s, t)).sum();
    // The default cost model: 10 ms of a vCPU a request, about 49 a second per task.
    assert!((total - 100.0).abs() < 1e-6, "{total}");
}

#[test]
fn the_service_form_writes_service_connect_and_adds_the_namespace() {
    use ecs_engine::edit::{add_service, service_choices, ServiceForm};
    let mut doc = shop(0.0, false);
    doc.as_object_mut().unwrap().remove("namespaces");
    doc["services"] = json!([]);
    let choices = service_choices(&doc, "default", "backend");
    assert_eq!(choices.port_names, vec!["api".to_string()]);
    let form = |name: &str, port: &str, alias: &str| ServiceForm {
        name: name.into(),
        task_definition: "backend".into(),
        desired: 2,
        launch_type: "FARGATE".into(),
        subnets: vec!["subnet-a".into()],
        service_connect_namespace: "mesh".into(),
        service_connect_port: port.into(),
        service_connect_alias: alias.into(),
        ..ServiceForm::default()
    };
    let doc = add_service(&doc, &form("backend", "api", "backend:8080")).unwrap();
    assert_eq!(doc["namespaces"], json!([{"Name": "mesh"}]));
    assert_eq!(
        doc["services"][0]["serviceConnectConfiguration"],
        json!({"enabled": true, "namespace": "mesh",
               "services": [{"portName": "api", "clientAliases": [{"dnsName": "backend", "port": 8080}]}]})
    );
    assert_eq!(
        service_choices(&doc, "default", "backend").namespaces,
        vec!["mesh".to_string()]
    );
    // A second one in the same namespace, as a client only; the namespace is not added twice.
    let doc = add_service(&doc, &form("frontend", "", "")).unwrap();
    assert_eq!(doc["namespaces"].as_array().unwrap().len(), 1);
    assert!(doc["services"][1]["serviceConnectConfiguration"]
        .get("services")
        .is_none());
    // The same alias again is refused, naming the member.
    let e = add_service(&doc, &form("backend-2", "api", "backend:8080")).unwrap_err();
    assert!(
        e.contains("discoveryName: api is the discovery name of service backend"),
        "{e}"
    );
    let e = add_service(&doc, &form("backend-3", "api", "backend")).unwrap_err();
    assert!(e.contains("needs a port"), "{e}");
    let mut s = sim(doc);
    at(&mut s, 300);
    assert_eq!(
        s.service_connect_endpoints()[0].spec.alias(),
        "backend:8080"
    );
}
