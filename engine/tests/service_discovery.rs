//! Amazon ECS service discovery (`serviceRegistries`, Cloud Map, Route 53): the registry's
//! rules by network mode and record type, registration while ACTIVATING with the task id and
//! its attributes, custom health from container health checks, deregistration as the task
//! stops, DNS answers and the addresses resolvers keep for the TTL, UpdateService and
//! rollbacks, and the 1,000-task quota. Rules and sources: `engine/src/service_discovery`.

mod support;

use ecs_engine::service_discovery::runtime::InstanceHealth;
use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{at, logged, service_refusal, sim};

/// The ARN the playground gives Cloud Map service `backend` of namespace `corp.local`.
fn backend_arn() -> String {
    let s = Scenario::from_value(corp(json!({"Type": "A", "TTL": 60}), 60, false)).unwrap();
    s.cloud_map.list[0].arn.clone()
}

/// Namespace `corp.local` (private DNS); Cloud Map service `backend` with `record`, custom
/// health; Fargate service `backend` (3 tasks, awsvpc, port 8080, a container health check
/// when `checked`) registered in it; clients in the VPC send 300 requests/s to
/// `backend.corp.local`. `ttl` is the record's TTL.
fn corp(record: Value, ttl: u64, checked: bool) -> Value {
    let mut record = record;
    record["TTL"] = json!(ttl);
    let mut container = json!({"name": "api", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": true,
                               "portMappings": [{"containerPort": 8080}]});
    if checked {
        container["healthCheck"] = json!({"command": ["CMD-SHELL", "curl -f localhost:8080"], "interval": 10, "retries": 3});
    }
    json!({
        "version": 1, "seed": 3, "duration": "PT2H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "namespaces": [{"Name": "corp.local", "Vpc": "vpc-1"}],
        "cloudMapServices": [{"Name": "backend", "NamespaceId": "corp.local",
                              "DnsConfig": {"DnsRecords": [record]},
                              "HealthCheckCustomConfig": {"FailureThreshold": 1}}],
        "taskDefinitions": [
            {"family": "backend", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
             "cpu": "512", "memory": "1024", "containerDefinitions": [container]},
            {"family": "backend", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
             "cpu": "512", "memory": "1024", "containerDefinitions": [container]}
        ],
        "services": [{"serviceName": "backend", "taskDefinition": "backend:1", "desiredCount": 3,
                      "launchType": "FARGATE",
                      "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}},
                      "serviceRegistries": [{"registryArn": "ARN"}]}],
        "loadProfiles": [{"serviceDiscovery": "backend.corp.local",
                          "requests": {"type": "constant", "requestsPerSecond": 300},
                          "cost": {"cpuUnitMsPerRequest": 100, "idleCpuUnits": 0}}]
    })
}

/// [`corp`] with its registry's ARN filled in.
fn corp_doc(record: Value, ttl: u64, checked: bool) -> Value {
    let mut doc = corp(record, ttl, checked);
    doc["services"][0]["serviceRegistries"][0]["registryArn"] = json!(backend_arn());
    doc
}

/// Cloud Map service 0's registered tasks.
fn registered(s: &Simulation) -> Vec<usize> {
    let mut t: Vec<usize> = s
        .service_discovery()
        .instances
        .first()
        .into_iter()
        .flatten()
        .map(|i| i.task)
        .collect();
    t.sort_unstable();
    t
}

/// The sum of series `what` of `backend.corp.local` over the minutes so far.
fn total(s: &Simulation, what: &str) -> f64 {
    s.time_series()
        .series
        .get(&format!("serviceDiscovery/backend.corp.local/{what}"))
        .map_or(0.0, |v| v.iter().filter(|x| x.is_finite()).sum())
}

#[test]
fn tasks_register_with_their_task_id_address_and_attributes() {
    // ECS-SD: the instance id is the task id; AWS_INSTANCE_IPV4 is the task's private
    // address (its ENI with awsvpc); the attributes name the cluster, service, family and AZ.
    let mut s = sim(corp_doc(json!({"Type": "A"}), 60, false));
    at(&mut s, 300);
    let tasks = registered(&s);
    assert_eq!(tasks.len(), 3);
    let out = s.describe();
    let listed = &out["serviceDiscovery"][0];
    assert_eq!(listed["DnsName"], "backend.corp.local");
    assert_eq!(listed["RoutingPolicy"], "MULTIVALUE");
    let instances = listed["Instances"].as_array().unwrap();
    assert_eq!(instances.len(), 3);
    for i in instances {
        let task = s
            .tasks()
            .iter()
            .find(|t| t.id == i["Id"].as_str().unwrap())
            .expect("the instance id is a task id");
        assert_eq!(task.last_status, TaskStatus::Running);
        let a = &i["Attributes"];
        assert_eq!(a["ECS_SERVICE_NAME"], "backend");
        assert_eq!(a["ECS_CLUSTER_NAME"], "default");
        assert_eq!(a["ECS_TASK_DEFINITION_FAMILY"], "backend");
        assert_eq!(a["REGION"], "us-east-1");
        assert!(a["AVAILABILITY_ZONE"]
            .as_str()
            .unwrap()
            .starts_with("us-east-1"));
        assert!(a["AWS_INSTANCE_IPV4"]
            .as_str()
            .unwrap()
            .starts_with("10.0."));
        // An A record needs no port; Fargate tasks have no EC2 instance id.
        assert!(a.get("AWS_INSTANCE_PORT").is_none(), "{a}");
        assert!(a.get("EC2_INSTANCE_ID").is_none(), "{a}");
        assert_eq!(i["HealthStatus"], "HEALTHY");
    }
    assert!(logged(&s, "as an instance of Cloud Map service backend"));
}

#[test]
fn registration_happens_before_the_task_is_running() {
    // ECS-SD (task lifecycle): "for tasks that have service discovery configured, the service
    // discovery resources must be created" while ACTIVATING.
    let mut doc = corp_doc(json!({"Type": "A"}), 60, false);
    doc["options"] = json!({"lifecycle": {"activatingSeconds": 5}});
    let mut s = sim(doc);
    for sec in 0..300 {
        at(&mut s, sec);
        if let Some(t) =
            (0..s.tasks().len()).find(|&t| s.tasks()[t].last_status == TaskStatus::Activating)
        {
            assert!(
                registered(&s).contains(&t),
                "an ACTIVATING task is registered"
            );
            return;
        }
    }
    panic!("no task was ever ACTIVATING");
}

#[test]
fn bridge_tasks_register_an_srv_record_with_their_dynamic_host_port() {
    // ECS-SD: with bridge, SRV records only, with containerName and containerPort; the
    // instance's address and the host port Docker bound to the container port.
    let mut doc = corp(json!({"Type": "SRV"}), 60, false);
    doc["containerInstances"] =
        json!([{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}]);
    doc["taskDefinitions"][0] = json!({"family": "backend", "networkMode": "bridge",
        "containerDefinitions": [{"name": "api", "image": "nginx", "memory": 256, "essential": true,
                                  "portMappings": [{"containerPort": 8080, "hostPort": 0}]}]});
    let svc = &mut doc["services"][0];
    svc.as_object_mut().unwrap().remove("networkConfiguration");
    svc["launchType"] = json!("EC2");
    svc["desiredCount"] = json!(2);
    svc["serviceRegistries"] =
        json!([{"registryArn": backend_arn(), "containerName": "api", "containerPort": 8080}]);
    let mut s = sim(doc);
    at(&mut s, 300);
    let out = s.describe();
    let instances = out["serviceDiscovery"][0]["Instances"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(instances.len(), 2, "{out:#}");
    let mut ports = Vec::new();
    for i in &instances {
        let a = &i["Attributes"];
        assert!(
            a["AWS_INSTANCE_IPV4"]
                .as_str()
                .unwrap()
                .starts_with("10.1."),
            "the instance's address: {a}"
        );
        assert!(a["EC2_INSTANCE_ID"].as_str().unwrap().starts_with("i-"));
        let port: u16 = a["AWS_INSTANCE_PORT"].as_str().unwrap().parse().unwrap();
        let task = s
            .tasks()
            .iter()
            .find(|t| t.id == i["Id"].as_str().unwrap())
            .unwrap();
        let bound = task
            .reservation
            .bindings
            .iter()
            .find(|b| b.container_port == 8080)
            .unwrap();
        assert_eq!(port, bound.host_port);
        ports.push(port);
    }
    assert_ne!(
        ports[0], ports[1],
        "two tasks on one instance, two host ports"
    );
}

#[test]
fn registries_the_network_mode_and_records_do_not_allow_are_refused() {
    // ECS-SR, ECS-SD and ECS-errors: one registry; bridge needs SRV with containerName and
    // containerPort; awsvpc SRV needs port or the container pair, not both; an A record takes
    // neither; networkMode none is not supported; the ARN must name a Cloud Map service.
    let arn = backend_arn();
    let with = |record: &str, registries: Value, f: &dyn Fn(&mut Value)| {
        let mut doc = corp(json!({"Type": record}), 60, false);
        doc["services"][0]["serviceRegistries"] = registries;
        f(&mut doc);
        service_refusal(doc)
    };
    let none = |_: &mut Value| {};
    let cases: Vec<(String, &str)> = vec![
        (
            with("A", json!([{"registryArn": arn}, {"registryArn": arn}]), &none),
            "services[0].serviceRegistries: Each service may be associated with one service registry",
        ),
        (
            with("A", json!([{"registryArn": arn, "containerPort": 8080}]), &none),
            "services[0].serviceRegistries[0].containerPort: The values specified for serviceRegistries do not require a value for 'containerPort'",
        ),
        (
            with("A", json!([{"registryArn": arn, "port": 8080}]), &none),
            "services[0].serviceRegistries[0].port: A port was provided but is not required",
        ),
        (
            with("SRV", json!([{"registryArn": arn}]), &none),
            "services[0].serviceRegistries[0]: the Cloud Map service has an SRV record",
        ),
        (
            with("SRV", json!([{"registryArn": arn, "port": 80, "containerName": "api", "containerPort": 8080}]), &none),
            "services[0].serviceRegistries[0]: Specify a value for either 'port' or the 'containerName' and 'containerPort' combination, but not both.",
        ),
        (
            with("SRV", json!([{"registryArn": arn, "containerName": "web", "containerPort": 8080}]), &none),
            "services[0].serviceRegistries[0].containerName: The container web is not valid.",
        ),
        (
            with("SRV", json!([{"registryArn": arn, "containerName": "api", "containerPort": 9090}]), &none),
            "services[0].serviceRegistries[0].containerPort: The container api did not have a container port 9090 defined.",
        ),
        (
            with("A", json!([{"registryArn": arn.replace(":service/", ":namespace/")}]), &none),
            "services[0].serviceRegistries[0].registryArn: The format of the supplied service registry ARN is invalid",
        ),
        (
            with("A", json!([{"registryArn": arn.replace("srv-", "srv-x")}]), &none),
            "services[0].serviceRegistries[0].registryArn: no Cloud Map service",
        ),
        (
            with("A", json!([{"registryArn": arn}]), &|d| {
                d["services"][0]["deploymentController"] = json!({"type": "EXTERNAL"});
                let svc = d["services"][0].as_object_mut().unwrap();
                for key in ["taskDefinition", "networkConfiguration", "launchType", "capacityProviderStrategy", "platformVersion"] {
                    svc.remove(key);
                }
            }),
            "services[0].serviceRegistries: InvalidParameterException: ServiceRegistries must be empty or null.",
        ),
        (
            with("A", json!([{"registryArn": arn}]), &|d| {
                d["services"][0]["desiredCount"] = json!(1001);
            }),
            "services[0].desiredCount: 1001 is more than the 1000 tasks a service that uses service discovery can run",
        ),
        (
            with("A", json!([{"registryArn": arn}]), &|d| {
                let td = &mut d["taskDefinitions"][0];
                td["networkMode"] = json!("bridge");
                td["requiresCompatibilities"] = json!(["EC2"]);
                d["containerInstances"] = json!([{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}]);
                let svc = d["services"][0].as_object_mut().unwrap();
                svc.remove("networkConfiguration");
                svc.insert("launchType".into(), json!("EC2"));
            }),
            "services[0].serviceRegistries[0].registryArn: with the bridge network mode, SRV is the only supported DNS record type",
        ),
        (
            with("SRV", json!([{"registryArn": arn, "port": 8080}]), &|d| {
                let td = &mut d["taskDefinitions"][0];
                td["networkMode"] = json!("host");
                td["requiresCompatibilities"] = json!(["EC2"]);
                d["containerInstances"] = json!([{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}]);
                let svc = d["services"][0].as_object_mut().unwrap();
                svc.remove("networkConfiguration");
                svc.insert("launchType".into(), json!("EC2"));
            }),
            "services[0].serviceRegistries[0]: When specifying 'host' or 'bridge' for networkMode, values for 'containerName' and 'containerPort' must be specified",
        ),
    ];
    for (got, want) in cases {
        assert!(got.starts_with(want), "got {got:?}\nwant {want:?}");
    }
}

#[test]
fn cloud_map_services_the_api_refuses_name_the_member() {
    // CM-API: DNS records need a DNS namespace; HealthCheckConfig is for public DNS and HTTP
    // namespaces; not both health checks; NamespaceNotFound.
    let cases = [
        (
            json!({"Name": "b", "NamespaceId": "ns-nothere"}),
            "cloudMapServices[0].NamespaceId: NamespaceNotFound",
        ),
        (
            json!({"Name": "b", "NamespaceId": "corp.local", "DnsConfig": {"DnsRecords": [{"Type": "A"}]}}),
            "cloudMapServices[0].DnsConfig.DnsRecords[0].TTL: required",
        ),
        (
            json!({"Name": "b", "NamespaceId": "corp.local", "DnsConfig": {"DnsRecords": [{"Type": "MX", "TTL": 1}]}}),
            "cloudMapServices[0].DnsConfig.DnsRecords[0].Type: \"MX\"",
        ),
        (
            json!({"Name": "b", "NamespaceId": "corp.local", "HealthCheckCustomConfig": {}, "HealthCheckConfig": {"Type": "TCP"}}),
            "cloudMapServices[0].HealthCheckConfig: InvalidInput: specify either",
        ),
        (
            json!({"Name": "b c", "NamespaceId": "corp.local"}),
            "cloudMapServices[0].Name:",
        ),
    ];
    for (service, want) in cases {
        let mut doc = corp_doc(json!({"Type": "A"}), 60, false);
        doc["cloudMapServices"] = json!([service]);
        let e = Scenario::from_value(doc).unwrap_err().to_string();
        assert!(e.contains(want), "got {e:?}\nwant {want:?}");
    }
}

#[test]
fn a_task_with_a_health_check_is_answered_once_ecs_reports_it_healthy() {
    // ECS-SD and CM-API: with HealthCheckCustomConfig, ECS reports container health, Cloud Map
    // applies it about 30 s later; [unconfirmed] a checked task registers UNHEALTHY.
    let mut s = sim(corp_doc(json!({"Type": "A"}), 60, true));
    at(&mut s, 200);
    let first = registered(&s)[0];
    let started = s.tasks()[first].started_at.unwrap().as_ms() / 1000;
    let health = |s: &Simulation| {
        let i = s.service_discovery().instances[0]
            .iter()
            .find(|i| i.task == first)
            .unwrap();
        s.instance_health(0, i)
    };
    let mut s = sim(corp_doc(json!({"Type": "A"}), 60, true));
    at(&mut s, started + 10 + 29);
    assert_eq!(
        health(&s),
        InstanceHealth::Unhealthy,
        "30 s after its first passing check"
    );
    at(&mut s, started + 10 + 31);
    assert_eq!(health(&s), InstanceHealth::Healthy);
    assert!(s.dns_answer(0).contains(&first));
}

#[test]
fn route53_answers_every_instance_when_none_is_healthy() {
    // CM-API, R53-MV: "When all records are unhealthy, Route 53 responds to DNS queries with up
    // to eight unhealthy records".
    let mut s = sim(corp_doc(json!({"Type": "A"}), 60, true));
    for sec in 0..200 {
        at(&mut s, sec);
        let list = s
            .service_discovery()
            .instances
            .first()
            .cloned()
            .unwrap_or_default();
        if !list.is_empty()
            && list
                .iter()
                .all(|i| s.instance_health(0, i) == InstanceHealth::Unhealthy)
        {
            assert_eq!(s.dns_answer(0).len(), list.len());
            return;
        }
    }
    panic!("the instances were never all unhealthy");
}

#[test]
fn a_stopped_task_deregisters_and_cached_answers_send_requests_to_it_for_the_ttl() {
    // ECS-SD / CM-API: resolvers cache answers for the TTL; [unconfirmed] a request to a stopped
    // task's address fails. A deployment with a 300 s TTL loses requests after each old task
    // stops; with a 1 s TTL almost none.
    let run = |ttl: u64| {
        let mut doc = corp_doc(json!({"Type": "A"}), ttl, false);
        doc["updateServices"] =
            json!([{"at": "PT10M", "service": "backend", "taskDefinition": "backend:2"}]);
        let mut s = sim(doc);
        at(&mut s, 40 * 60);
        s
    };
    let slow = run(300);
    let fast = run(1);
    assert!(logged(&slow, "deregistered task"));
    assert!(logged(&slow, "keep it for up to 300 s"));
    let (slow_stale, fast_stale) = (total(&slow, "StaleAddress"), total(&fast, "StaleAddress"));
    assert!(
        slow_stale > 1_000.0,
        "300 s TTL: {slow_stale} requests to stopped tasks"
    );
    assert!(
        fast_stale < slow_stale / 50.0,
        "1 s TTL: {fast_stale} vs {slow_stale}"
    );
    assert!(logged(&slow, "went to addresses of stopped tasks"));
    // Before the deployment, every request was served.
    let early = &slow.time_series().series["serviceDiscovery/backend.corp.local/Failed"];
    assert!(early[3..9].iter().all(|v| *v == 0.0), "{early:?}");
}

#[test]
fn clients_that_try_the_other_addresses_lose_nothing_while_one_is_alive() {
    // [unconfirmed] options.serviceDiscovery.clientsTryOtherAddresses: a client tries the
    // answer's other addresses when one refuses (R53-MV: "client software can try another IP
    // address in the response"). A scale-in from 3 to 2 leaves a live address in every
    // cached answer.
    let run = |try_others: bool| {
        let mut doc = corp_doc(json!({"Type": "A"}), 300, false);
        doc["updateServices"] = json!([{"at": "PT10M", "service": "backend", "desiredCount": 2}]);
        doc["options"] = json!({"serviceDiscovery": {"clientsTryOtherAddresses": try_others}});
        let mut s = sim(doc);
        at(&mut s, 30 * 60);
        (total(&s, "RequestCount"), total(&s, "StaleAddress"))
    };
    let (sent, retried) = run(true);
    let (_, lost) = run(false);
    assert!(sent > 500_000.0);
    assert!(retried < 1e-6, "{retried}");
    assert!(lost > 1_000.0, "without trying others: {lost}");
}

#[test]
fn dns_load_reaches_the_registered_tasks_evenly() {
    // R53-MV: up to eight healthy records per answer, different ones to different resolvers:
    // the tasks share the load.
    let mut s = sim(corp_doc(json!({"Type": "A"}), 60, false));
    at(&mut s, 15 * 60);
    let tasks = registered(&s);
    let loads: Vec<f64> = tasks
        .iter()
        .map(|&t| s.task_loads()[t].offered_rps)
        .collect();
    for l in &loads {
        assert!((l - 100.0).abs() < 1e-6, "{loads:?}");
    }
}

#[test]
fn update_service_adds_and_removes_the_registry_with_a_deployment() {
    // ECS-SR: "When you add, update, or remove the service registries configuration, Amazon ECS
    // starts a new deployment"; an empty list removes it.
    let mut doc = corp_doc(json!({"Type": "A"}), 60, false);
    let registries = doc["services"][0]["serviceRegistries"].clone();
    doc["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("serviceRegistries");
    doc["updateServices"] = json!([
        {"at": "PT10M", "service": "backend", "serviceRegistries": registries},
        {"at": "PT30M", "service": "backend", "serviceRegistries": []}
    ]);
    let mut s = sim(doc);
    at(&mut s, 9 * 60);
    assert!(registered(&s).is_empty());
    at(&mut s, 25 * 60);
    let now: Vec<usize> = registered(&s);
    assert_eq!(now.len(), 3);
    for t in &now {
        assert!(
            s.tasks()[*t].created_at.as_ms() >= 600_000,
            "only the new deployment's tasks"
        );
    }
    let out = s.describe();
    assert_eq!(
        out["services"][0]["deployments"].as_array().unwrap().len(),
        1
    );
    assert_eq!(out["services"][0]["serviceRegistries"], registries);
    at(&mut s, 50 * 60);
    assert!(registered(&s).is_empty(), "[] removed the registry");
}

#[test]
fn scaling_stops_at_the_service_discovery_task_quota() {
    // ECS-SD: "a limit of 1,000 tasks per service"; UpdateService above it is refused.
    let mut doc = corp_doc(json!({"Type": "A"}), 60, false);
    doc["updateServices"] = json!([{"at": "PT1M", "service": "backend", "desiredCount": 1200}]);
    let mut s = sim(doc);
    at(&mut s, 120);
    assert!(logged(
        &s,
        "updateServices[0].desiredCount: 1200 is more than the 1000 tasks"
    ));
    assert_eq!(s.services()[0].desired_count, 3);
}

#[test]
fn a_pasted_service_with_an_unknown_registry_gets_a_stand_in_cloud_map_service() {
    // The playground's choice (edit/service.rs): the ARN alone does not say the Cloud Map
    // service's name or records; a stand-in keeps the ARN and the run registers the tasks.
    let doc = corp_doc(json!({"Type": "A"}), 60, false);
    let mut base = doc.clone();
    base["services"] = json!([]);
    base["cloudMapServices"] = json!([]);
    base["namespaces"] = json!([]);
    let arn = "arn:aws:servicediscovery:eu-west-3:080266302756:service/srv-zmqkgozwdozxrtg4";
    let mut pasted = doc["services"][0].clone();
    pasted["serviceRegistries"] = json!([{"registryArn": arn}]);
    let (out, _) = ecs_engine::edit::add_services_json(
        &base,
        &pasted.to_string(),
        &ecs_engine::edit::PastedServiceDefaults {
            service_name: "x".into(),
            task_definition: "backend".into(),
        },
    )
    .unwrap();
    assert_eq!(out["cloudMapServices"][0]["Arn"], arn);
    assert_eq!(out["cloudMapServices"][0]["Name"], "backend");
    assert_eq!(out["namespaces"][0]["Name"], "local");
    let mut s = sim(out);
    at(&mut s, 300);
    assert_eq!(registered(&s).len(), 3);
    assert_eq!(
        s.describe()["serviceDiscovery"][0]["DnsName"],
        "backend.local"
    );
}

#[test]
fn a_rollback_brings_back_the_registry_of_the_deployment_it_returns_to() {
    // ECS-SR: the registry is part of the service revision a deployment runs; a circuit
    // breaker rollback (4.5) returns to the last completed one, registry and all.
    let mut doc = corp_doc(json!({"Type": "A"}), 60, false);
    doc["taskDefinitions"][1]["containerDefinitions"][0]["image"] = json!("nginx:missing");
    doc["faults"] = json!([{"type": "ImagePullFailure", "image": "nginx:missing"}]);
    doc["services"][0]["deploymentConfiguration"] =
        json!({"deploymentCircuitBreaker": {"enable": true, "rollback": true}});
    doc["updateServices"] = json!([{"at": "PT10M", "service": "backend", "taskDefinition": "backend:2",
                                    "serviceRegistries": []}]);
    let mut s = sim(doc);
    at(&mut s, 90 * 60);
    assert!(
        logged(&s, "rolling back to deployment"),
        "{:#?}",
        s.describe()["services"][0]["events"]
    );
    assert!(s.services()[0].service_registry.is_some());
    assert_eq!(registered(&s).len(), 3);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// ECS-SD invariants under scaling and deployments: every registered instance is a task of
    /// the service that is not yet told to stop and is ACTIVATING or RUNNING; every RUNNING
    /// task not told to stop is registered; the DNS answer is made of registered tasks; the
    /// requests served and failed add up to those sent.
    #[test]
    fn registrations_follow_the_tasks(counts in proptest::collection::vec(0u32..8, 1..4), ttl in 0u64..120, checked: bool) {
        let mut doc = corp_doc(json!({"Type": "A"}), ttl, checked);
        let updates: Vec<Value> = counts.iter().enumerate().map(|(i, n)| {
            json!({"at": format!("PT{}M", 5 + i * 7), "service": "backend", "desiredCount": n,
                   "taskDefinition": format!("backend:{}", 1 + i % 2)})
        }).collect();
        doc["updateServices"] = json!(updates);
        let mut s = sim(doc);
        for m in 1..40u64 {
            s.advance_to(SimTime(m * 60_000)).unwrap();
            let reg = registered(&s);
            for &t in &reg {
                let task = &s.tasks()[t];
                prop_assert_eq!(task.desired_status, TaskStatus::Running);
                prop_assert!(matches!(task.last_status, TaskStatus::Activating | TaskStatus::Running));
            }
            for (t, task) in s.tasks().iter().enumerate() {
                if task.last_status == TaskStatus::Running && task.desired_status == TaskStatus::Running {
                    prop_assert!(reg.contains(&t), "RUNNING task {} is registered", t);
                }
            }
            for t in s.dns_answer(0) {
                prop_assert!(reg.contains(&t));
            }
        }
        let sent = total(&s, "RequestCount");
        prop_assert!(sent > 0.0);
        prop_assert!(total(&s, "Failed") <= sent + 1e-6);
        prop_assert!(total(&s, "StaleAddress") <= total(&s, "Failed") + 1e-6);
    }
}

#[test]
fn the_service_form_adds_a_cloud_map_service_for_a_new_dns_name() {
    // The form's DNS name: an existing Cloud Map service's, or a new name.namespace that adds
    // the Cloud Map service (an SRV record when a port is chosen) and its private namespace.
    let doc = corp_doc(json!({"Type": "A"}), 60, false);
    let form = |registry: &str, port: &str| ecs_engine::edit::ServiceForm {
        name: "payments".into(),
        task_definition: "backend".into(),
        desired: 2,
        launch_type: "FARGATE".into(),
        subnets: vec!["subnet-a".into()],
        service_registry: registry.into(),
        service_registry_port: port.into(),
        ..Default::default()
    };
    let out = ecs_engine::edit::add_service(&doc, &form("backend.corp.local", "")).unwrap();
    assert_eq!(
        out["services"][1]["serviceRegistries"],
        json!([{"registryArn": backend_arn()}])
    );
    let out = ecs_engine::edit::add_service(&doc, &form("pay.shop.internal", "api:8080")).unwrap();
    assert_eq!(
        out["namespaces"][1],
        json!({"Name": "shop.internal", "Vpc": "vpc-playground"})
    );
    assert_eq!(
        out["cloudMapServices"][1]["DnsConfig"]["DnsRecords"][0]["Type"],
        "SRV"
    );
    assert_eq!(
        out["services"][1]["serviceRegistries"][0]["containerName"],
        "api"
    );
    let mut s = sim(out);
    at(&mut s, 300);
    assert_eq!(s.service_discovery().instances[1].len(), 2);
    assert_eq!(s.service_discovery().instances[1][0].port, Some(8080));
    let e = ecs_engine::edit::add_service(&doc, &form("payments", "")).unwrap_err();
    assert!(
        e.starts_with("serviceRegistries[0].registryArn: \"payments\" is not a Cloud Map service"),
        "{e}"
    );
}

#[test]
fn every_request_is_routed_in_the_first_ttl_of_the_run() {
    // Resolvers can only hold answers Route 53 gave since the run began: with a TTL longer
    // than the run so far, the tasks still get every request (3 tasks, 300 requests/s).
    let mut s = sim(corp_doc(json!({"Type": "A"}), 3600, false));
    at(&mut s, 15 * 60);
    let tasks = registered(&s);
    assert_eq!(tasks.len(), 3);
    for &t in &tasks {
        let l = s.task_loads()[t].offered_rps;
        assert!((l - 100.0).abs() < 1e-6, "task {t}: {l} requests/s");
    }
}

#[test]
fn a_weighted_answer_leaves_no_other_address_to_try() {
    // CM-API: WEIGHTED answers "the applicable value from one randomly selected instance": a
    // client whose only address is a stopped task's has none other to try, even with
    // options.serviceDiscovery.clientsTryOtherAddresses.
    let mut doc = corp_doc(json!({"Type": "A"}), 300, false);
    doc["cloudMapServices"][0]["DnsConfig"]["RoutingPolicy"] = json!("WEIGHTED");
    doc["updateServices"] = json!([{"at": "PT10M", "service": "backend", "desiredCount": 2}]);
    doc["options"] = json!({"serviceDiscovery": {"clientsTryOtherAddresses": true}});
    let mut s = sim(doc);
    at(&mut s, 30 * 60);
    let lost = total(&s, "StaleAddress");
    assert!(
        lost > 1_000.0,
        "one record per answer: {lost} requests lost"
    );
}
#[test]
fn a_dns_name_has_one_set_of_series_whatever_its_case() {
    // DNS names are case-insensitive: the requests to `backend.corp.local` and the instances
    // of Cloud Map service `Backend` in `Corp.Local` are charted under one name.
    let mut doc = corp(json!({"Type": "A"}), 60, false);
    doc["namespaces"][0]["Name"] = json!("Corp.Local");
    doc["cloudMapServices"][0]["Name"] = json!("Backend");
    doc["cloudMapServices"][0]["NamespaceId"] = json!("Corp.Local");
    let arn = Scenario::from_value(doc.clone()).unwrap().cloud_map.list[0]
        .arn
        .clone();
    doc["services"][0]["serviceRegistries"][0]["registryArn"] = json!(arn);
    let mut s = sim(doc);
    at(&mut s, 10 * 60);
    let series = &s.time_series().series;
    for what in ["RequestCount", "Instances", "HealthyInstances"] {
        let key = format!("serviceDiscovery/backend.corp.local/{what}");
        assert!(series.contains_key(&key), "{key}: {:?}", series.keys());
    }
    assert!(total(&s, "Instances") > 0.0);
}

#[test]
fn a_stand_in_cloud_map_service_gets_a_name_and_namespace_cloud_map_takes() {
    // CM-API: a Cloud Map service name is labels of at most 63 characters, unique in its
    // namespace whatever the case; DNS records need a DNS namespace.
    let doc = corp_doc(json!({"Type": "A"}), 60, false);
    let paste = |base: &Value, name: &str| {
        let mut pasted = doc["services"][0].clone();
        pasted["serviceName"] = json!(name);
        pasted["serviceRegistries"] = json!([{"registryArn": "arn:aws:servicediscovery:eu-west-3:080266302756:service/srv-zmqkgozwdozxrtg4"}]);
        ecs_engine::edit::add_services_json(
            base,
            &pasted.to_string(),
            &ecs_engine::edit::PastedServiceDefaults {
                service_name: "x".into(),
                task_definition: "backend".into(),
            },
        )
        .map(|(out, _)| out)
    };
    let mut base = doc.clone();
    base["services"] = json!([]);
    base["namespaces"] = json!([{"Name": "local", "Vpc": "vpc-1"}]);
    base["cloudMapServices"] = json!([{"Name": "Backend", "NamespaceId": "local"}]);
    let out = paste(&base, "backend").unwrap();
    assert_eq!(out["cloudMapServices"][1]["Name"], "backend-2");
    base["cloudMapServices"] = json!([]);
    let long = "A".repeat(70);
    let out = paste(&base, &long).unwrap();
    assert_eq!(out["cloudMapServices"][0]["Name"], "a".repeat(56));
    base["namespaces"] = json!([{"Name": "local"}]);
    let out = paste(&base, "backend").unwrap();
    assert_eq!(out["namespaces"][1]["Name"], "local-2");
    assert_eq!(out["cloudMapServices"][0]["NamespaceId"], "local-2");
    let mut s = sim(out);
    at(&mut s, 300);
    assert_eq!(
        s.describe()["serviceDiscovery"][0]["DnsName"],
        "backend.local-2"
    );
}

#[test]
fn a_registry_is_not_added_to_a_service_above_the_quota() {
    // ECS-SD: "a limit of 1,000 tasks per service": UpdateService adding serviceRegistries to
    // a service that runs 1,200 tasks is refused whole.
    let mut doc = corp_doc(json!({"Type": "A"}), 60, false);
    let registries = doc["services"][0]["serviceRegistries"].clone();
    doc["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("serviceRegistries");
    doc["services"][0]["desiredCount"] = json!(1200);
    doc["updateServices"] =
        json!([{"at": "PT1M", "service": "backend", "serviceRegistries": registries}]);
    let mut s = sim(doc);
    at(&mut s, 120);
    assert!(logged(
        &s,
        "updateServices[0].desiredCount: 1200 is more than the 1000 tasks"
    ));
    assert!(s.services()[0].service_registry.is_none());
}

#[test]
fn the_load_control_names_a_dns_target_with_a_final_dot_or_a_port() {
    // DNS names ignore case and may end in a dot; the load control takes the forms a load
    // profile does.
    let doc = corp_doc(json!({"Type": "A"}), 60, false);
    let rate = |target: &str| {
        let out = ecs_engine::edit::set_load_now(&doc, target, SimTime(60_000), 500.0).unwrap();
        let s = Scenario::from_value(out).unwrap();
        ecs_engine::edit::offered_load(&s, "backend.corp.local", SimTime(120_000))
    };
    assert_eq!(rate("Backend.Corp.Local."), 500.0);
    assert_eq!(rate("backend.corp.local:8080"), 500.0);
}

#[test]
fn an_unhealthy_registered_task_raises_the_service_discovery_service_action() {
    // ECS service action events (ecs_service_events): WARN SERVICE_DISCOVERY_INSTANCE_UNHEALTHY,
    // "The service scheduler detects that a task within a service registry is unhealthy"; the
    // task is then replaced and deregistered.
    let rule = json!([{"Name": "sd", "EventPattern": {"detail-type": ["ECS Service Action"],
        "detail": {"eventName": ["SERVICE_DISCOVERY_INSTANCE_UNHEALTHY"], "eventType": ["WARN"]}}, "Targets": []}]);
    let run = |checked: bool, registry: bool| {
        let mut doc = corp_doc(json!({"Type": "A"}), 60, checked);
        if !registry {
            doc["services"][0]
                .as_object_mut()
                .unwrap()
                .remove("serviceRegistries");
        }
        doc["faults"] = json!([{"type": "ContainerHealthCheckFailure", "service": "backend", "at": "PT10M", "count": 1}]);
        doc["eventRules"] = rule.clone();
        let mut s = sim(doc);
        at(&mut s, 20 * 60);
        s
    };
    let s = run(true, true);
    assert_eq!(s.event_rule_matches(), &[1]);
    assert!(logged(&s, "failed container health checks"));
    assert_eq!(
        registered(&s).len(),
        3,
        "the replacement registered, the failed task not"
    );
    assert_eq!(
        run(true, false).event_rule_matches(),
        &[0],
        "no registry, no event"
    );
}
