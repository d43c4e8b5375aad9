//! Classic Load Balancers in front of ECS services (8.6 CLB; `engine/src/load_balancer/classic.rs`):
//! whole container instances registered, a fixed instance port so one task per instance, the
//! Classic health check with its own defaults and DescribeInstanceHealth words, zone-by-zone
//! routing without cross-zone load balancing, connection draining, and ECS's refusals.

mod support;

use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{at, logged, service_refusal, sim};

const ZONES: [&str; 2] = ["us-east-1a", "us-east-1b"];

/// `instances` m5.large instances (the first `in_a` in us-east-1a, the rest in us-east-1b),
/// service `web` (desired `desired`) of container `app` on container port 8080 with host
/// port 8080, behind Classic Load Balancer `web-clb` (HTTP:80 → HTTP:8080, an HTTP check on
/// 8080 every 10 s, 2 passes) and 400 requests a second.
fn world(instances: usize, in_a: usize, desired: u64) -> Value {
    let machines: Vec<Value> = (0..instances)
        .map(|i| {
            json!({"instanceType": "m5.large", "availabilityZone": if i < in_a { ZONES[0] } else { ZONES[1] }})
        })
        .collect();
    json!({
        "version": 1, "seed": 3, "duration": "PT2H",
        "options": {"routingIntervalSeconds": 10},
        "containerInstances": machines,
        "classicLoadBalancers": [{"LoadBalancerName": "web-clb", "AvailabilityZones": ZONES,
            "Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}],
            "HealthCheck": {"Target": "HTTP:8080/health", "Interval": 10, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 2}}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx:1.27",
            "memory": 512, "cpu": 256, "essential": true, "portMappings": [{"containerPort": 8080, "hostPort": 8080}]}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": desired, "launchType": "EC2",
            "healthCheckGracePeriodSeconds": 60,
            "loadBalancers": [{"loadBalancerName": "web-clb", "containerName": "app", "containerPort": 8080}]}],
        "loadProfiles": [{"loadBalancerName": "web-clb", "requests": {"type": "constant", "requestsPerSecond": 400},
            "cost": {"cpuUnitMsPerRequest": 20, "baselineMemoryMiB": 100}}]
    })
}

/// DescribeInstanceHealth's `InstanceStates` of `web-clb`.
fn instance_states(s: &Simulation) -> Vec<Value> {
    s.describe()["classicLoadBalancers"][0]["InstanceStates"]
        .as_array()
        .unwrap()
        .clone()
}

fn service_events(s: &Simulation) -> Vec<String> {
    s.services()[0]
        .events
        .iter()
        .map(|e| e.message.clone())
        .collect()
}

fn running(s: &Simulation) -> usize {
    s.tasks()
        .iter()
        .filter(|t| t.is_active() && t.last_status == ecs_engine::task::TaskStatus::Running)
        .count()
}

#[test]
fn one_task_per_instance_on_the_fixed_instance_port_8_6() {
    // LBT: "This static mapping requires that your cluster has at least as many container
    // instances as the desired count of a single service that uses a Classic Load Balancer."
    let mut s = sim(world(3, 2, 5));
    at(&mut s, 600);
    assert_eq!(running(&s), 3, "one task per instance");
    let mut hosts: Vec<usize> = s
        .tasks()
        .iter()
        .filter(|t| t.is_active())
        .map(|t| t.reservation.slot)
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    assert_eq!(hosts.len(), 3);
    assert!(logged(&s, "already using a port required by your task"));
    let events = service_events(&s);
    let registered = events
        .iter()
        .filter(|e| *e == "(service web) registered 1 instances in (elb web-clb)")
        .count();
    assert_eq!(registered, 3, "{events:#?}");
    let states = instance_states(&s);
    assert_eq!(states.len(), 3);
    for st in &states {
        assert_eq!(st["State"], "InService", "{st}");
        assert_eq!(st["ReasonCode"], "N/A");
        assert!(st["InstanceId"].as_str().unwrap().starts_with("i-"));
    }
}

#[test]
fn a_new_instance_is_out_of_service_until_healthy_threshold_checks_pass() {
    // CLB-HC: registering: OutOfService, ELB, "Instance registration is still in progress.";
    // HealthyThreshold (2) × Interval (10 s) later, InService. With the API's defaults
    // (TCP:80, 10 × 30 s) a new instance waits five minutes.
    let mut s = sim(world(1, 1, 1));
    let mut seen_registering = false;
    for sec in 1..=300 {
        at(&mut s, sec);
        if let Some(st) = instance_states(&s).first() {
            if st["State"] == "OutOfService" {
                assert_eq!(st["ReasonCode"], "ELB");
                assert_eq!(
                    st["Description"],
                    "Instance registration is still in progress."
                );
                seen_registering = true;
            } else {
                assert_eq!(st["State"], "InService");
                break;
            }
        }
    }
    assert!(seen_registering);
    let started = s.tasks()[0].started_at.unwrap().as_ms() / 1000;
    let registered_then_in_service = s.now().as_ms() / 1000 - started;
    assert!(
        (20..=21).contains(&registered_then_in_service),
        "{registered_then_in_service}"
    );

    let mut d = world(1, 1, 1);
    d["classicLoadBalancers"][0]
        .as_object_mut()
        .unwrap()
        .remove("HealthCheck");
    // The option that settles the ALB guide's first-verdict ambiguity does not apply here.
    d["options"]["initialHealthChecks"] = json!(1);
    // The default check is TCP:80; make the container listen there.
    d["classicLoadBalancers"][0]["Listeners"][0]["InstancePort"] = json!(80);
    d["taskDefinitions"][0]["containerDefinitions"][0]["portMappings"] =
        json!([{"containerPort": 80, "hostPort": 80}]);
    d["services"][0]["loadBalancers"][0]["containerPort"] = json!(80);
    let mut s = sim(d);
    at(&mut s, 200);
    assert_eq!(instance_states(&s)[0]["State"], "OutOfService");
    at(&mut s, 330);
    assert_eq!(instance_states(&s)[0]["State"], "InService");
}

#[test]
fn an_instance_failing_the_check_is_replaced_with_the_elb_wording() {
    // The check targets port 9000, where nothing listens: OutOfService, then ECS stops the
    // task after its grace period: "(service …) (task …) (instance …) is unhealthy in (elb …)
    // due to (reason Instance has failed at least the UnhealthyThreshold number of health
    // checks consecutively.)", stopped reason "Task failed ELB health checks in (elb …)".
    let mut d = world(1, 1, 1);
    d["classicLoadBalancers"][0]["HealthCheck"]["Target"] = json!("TCP:9000");
    let mut s = sim(d);
    at(&mut s, 200);
    let events = service_events(&s);
    assert!(
        events.iter().any(|e| e.starts_with("(service web) (task ")
            && e.contains(") (instance i-")
            && e.ends_with("is unhealthy in (elb web-clb) due to (reason Instance has failed at least the UnhealthyThreshold number of health checks consecutively.)")),
        "{events:#?}"
    );
    let stopped = s
        .tasks()
        .iter()
        .find(|t| !t.is_active())
        .expect("a task stopped");
    assert_eq!(
        stopped.stopped_reason.as_deref(),
        Some("Task failed ELB health checks in (elb web-clb)")
    );
    assert!(events
        .iter()
        .any(|e| e == "(service web) deregistered 1 instances in (elb web-clb)"));
}

#[test]
fn an_instance_in_a_zone_the_load_balancer_does_not_serve_never_passes() {
    let mut d = world(2, 1, 2);
    d["classicLoadBalancers"][0]["AvailabilityZones"] = json!(["us-east-1a"]);
    let mut s = sim(d);
    at(&mut s, 50);
    let states = instance_states(&s);
    let out: Vec<&Value> = states
        .iter()
        .filter(|st| st["State"] == "OutOfService")
        .collect();
    assert_eq!(out.len(), 1, "{states:#?}");
    assert_eq!(
        out[0]["Description"],
        "Instance is in the EC2 Availability Zone for which LoadBalancer is not configured to route traffic to."
    );
}

/// The requests a second each RUNNING task is offered, by zone of its instance.
fn offered_by_zone(s: &Simulation) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = s
        .tasks()
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_active())
        .map(|(i, t)| {
            (
                s.cluster().instances[t.reservation.slot]
                    .availability_zone
                    .clone(),
                s.task_loads()[i].offered_rps,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn without_cross_zone_load_balancing_each_zone_gets_half_8_6() {
    // CLB-CZ: "With the API or CLI, cross-zone load balancing is disabled by default"; each
    // zone's node spreads its half over its own zone's instances: 1 instance in a, 3 in b.
    let mut s = sim(world(4, 1, 4));
    at(&mut s, 300);
    let by_zone = offered_by_zone(&s);
    assert_eq!(by_zone.len(), 4);
    assert!((by_zone[0].1 - 200.0).abs() < 1e-6, "{by_zone:?}");
    for (_, rps) in &by_zone[1..] {
        assert!((rps - 200.0 / 3.0).abs() < 1e-6, "{by_zone:?}");
    }
    let mut d = world(4, 1, 4);
    d["classicLoadBalancers"][0]["LoadBalancerAttributes"] =
        json!({"CrossZoneLoadBalancing": {"Enabled": true}});
    let mut s = sim(d);
    at(&mut s, 300);
    for (_, rps) in offered_by_zone(&s) {
        assert!((rps - 100.0).abs() < 1e-6);
    }
}

#[test]
fn with_no_instance_in_service_the_load_balancer_does_not_fail_open() {
    // An ALB fails open (8.2); a Classic Load Balancer routes to healthy instances only.
    let mut d = world(2, 1, 2);
    d["classicLoadBalancers"][0]["HealthCheck"]["Target"] = json!("TCP:9000");
    d["services"][0]["healthCheckGracePeriodSeconds"] = json!(3600);
    let mut s = sim(d);
    at(&mut s, 300);
    assert!(offered_by_zone(&s).iter().all(|(_, rps)| *rps == 0.0));
    let series = s.time_series();
    let errors = series
        .series
        .get("targetGroup/web-clb/HTTPCode_ELB_5XX_Count")
        .expect("5xx series");
    assert!(errors.last().is_some_and(|v| *v > 0.0), "{errors:?}");
}

#[test]
fn connection_draining_keeps_a_deregistering_instance_in_service_for_its_timeout() {
    let mut d = world(1, 1, 1);
    d["classicLoadBalancers"][0]["LoadBalancerAttributes"] =
        json!({"ConnectionDraining": {"Enabled": true, "Timeout": 60}});
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "desiredCount": 0}]);
    let mut s = sim(d);
    at(&mut s, 310);
    let st = &instance_states(&s)[0];
    assert_eq!(st["State"], "InService");
    assert_eq!(
        st["Description"],
        "Instance deregistration currently in progress."
    );
    at(&mut s, 380);
    assert!(instance_states(&s).is_empty());
    // Draining off (the API's default): the instance is gone at once.
    let mut d = world(1, 1, 1);
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "desiredCount": 0}]);
    let mut s = sim(d);
    at(&mut s, 302);
    assert!(instance_states(&s).is_empty());
}

#[test]
fn stopping_one_services_task_deregisters_the_whole_instance_for_another() {
    // SLB: "a task from one service stopping can cause the entire container instance to be
    // deregistered from the Classic Load Balancer while another task from a different service
    // on the same container instance is still using it."
    let mut d = world(1, 1, 1);
    d["classicLoadBalancers"][0]["Listeners"] = json!([
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080},
        {"Protocol": "HTTP", "LoadBalancerPort": 81, "InstancePort": 9090}]);
    d["classicLoadBalancers"][0]["HealthCheck"]["Target"] = json!("TCP:8080");
    let mut admin = d["taskDefinitions"][0].clone();
    admin["family"] = json!("admin");
    admin["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 9090, "hostPort": 9090}, {"containerPort": 8080, "hostPort": 8081}]);
    d["taskDefinitions"].as_array_mut().unwrap().push(admin);
    d["services"].as_array_mut().unwrap().push(json!({"serviceName": "admin", "taskDefinition": "admin",
        "desiredCount": 1, "launchType": "EC2",
        "loadBalancers": [{"loadBalancerName": "web-clb", "containerName": "app", "containerPort": 9090}]}));
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "desiredCount": 0}]);
    let mut s = sim(d);
    at(&mut s, 200);
    let registrations = |s: &Simulation| {
        s.target_groups()
            .iter()
            .find(|g| g.classic.is_some())
            .unwrap()
            .targets
            .iter()
            .filter(|x| x.state != ecs_engine::load_balancer::target_group::TargetState::Draining)
            .count()
    };
    assert_eq!(registrations(&s), 2, "both tasks register the one instance");
    assert_eq!(
        instance_states(&s).len(),
        1,
        "DescribeInstanceHealth lists the instance once"
    );
    at(&mut s, 310);
    assert!(instance_states(&s).is_empty(), "{:#?}", instance_states(&s));
    assert!(logged(
        &s,
        "loses its place in Classic Load Balancer web-clb too"
    ));
    assert_eq!(running(&s), 1, "admin's task keeps running, unregistered");
}

#[test]
fn container_health_checks_do_not_stop_tasks_behind_a_classic_load_balancer() {
    // TS: "The Amazon ECS service scheduler ignores tasks in an UNHEALTHY state that are
    // behind a Classic Load Balancer." The application stops answering at 5 minutes: the
    // container check says UNHEALTHY after 20 s and is ignored; the load balancer's check
    // (3 × 30 s) takes the instance out of service and ECS replaces the task for that.
    let mut d = world(1, 1, 1);
    d["taskDefinitions"][0]["containerDefinitions"][0]["healthCheck"] = json!({"command": ["CMD-SHELL", "curl -f localhost:8080/health"], "interval": 10, "retries": 2, "startPeriod": 0});
    d["classicLoadBalancers"][0]["HealthCheck"] = json!({"Target": "HTTP:8080/health", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 3, "HealthyThreshold": 2});
    d["faults"] = json!([{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT5M", "count": 1}]);
    let mut s = sim(d);
    at(&mut s, 330);
    assert!(logged(
        &s,
        "the service scheduler ignores UNHEALTHY tasks behind a Classic Load Balancer"
    ));
    assert!(
        s.tasks()[0].is_active(),
        "not stopped for its container check"
    );
    at(&mut s, 420);
    assert_eq!(
        s.tasks()[0].stopped_reason.as_deref(),
        Some("Task failed ELB health checks in (elb web-clb)")
    );
}

#[test]
fn ecs_refuses_what_a_classic_load_balancer_cannot_do_naming_the_field() {
    let refusal = |f: &dyn Fn(&mut Value)| {
        let mut d = world(1, 1, 1);
        f(&mut d);
        service_refusal(d)
    };
    // Dynamic host port: "A host port mapping for the container port 8080 is required."
    let e = refusal(&|d| {
        d["taskDefinitions"][0]["containerDefinitions"][0]["portMappings"] =
            json!([{"containerPort": 8080, "hostPort": 0}])
    });
    assert!(
        e.starts_with("services[0].loadBalancers[0].containerPort: A host port mapping for the container port 8080 is required."),
        "{e}"
    );
    // awsvpc: "Classic Load Balancers are not supported."
    let e = refusal(&|d| {
        d["taskDefinitions"][0]["networkMode"] = json!("awsvpc");
        d["subnets"] = json!([{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"}]);
        d["services"][0]["networkConfiguration"] =
            json!({"awsvpcConfiguration": {"subnets": ["subnet-a"]}});
    });
    assert!(
        e.ends_with("Classic Load Balancers are not supported.") && e.contains("loadBalancerName"),
        "{e}"
    );
    let e = refusal(&|d| d["services"][0]["loadBalancers"][0]["loadBalancerName"] = json!("nope"));
    assert_eq!(
        e,
        "services[0].loadBalancers[0].loadBalancerName: The load balancer nope does not exist."
    );
    // No listener sends to the task's host port.
    let e =
        refusal(&|d| d["classicLoadBalancers"][0]["Listeners"][0]["InstancePort"] = json!(8081));
    assert!(
        e.contains(
            "Unable to assume role and validate the listeners configured on your load balancer."
        ) && e.contains("instance port 8080"),
        "{e}"
    );
    let e = refusal(&|d| {
        let again = d["services"][0]["loadBalancers"][0].clone();
        d["services"][0]["loadBalancers"]
            .as_array_mut()
            .unwrap()
            .push(again)
    });
    assert!(
        e.starts_with("services[0].loadBalancers: load balancers can have at most 1 items."),
        "{e}"
    );
    let e = refusal(&|d| {
        d["services"][0]["deploymentConfiguration"] =
            json!({"deploymentCircuitBreaker": {"enable": true, "rollback": true}})
    });
    assert_eq!(e, "services[0].deploymentConfiguration.deploymentCircuitBreaker: Deployment circuit breaker feature is not supported with Classic Load Balancers. Remove the Classic Load Balancer and try again.");
    let e = refusal(&|d| d["services"][0]["loadBalancers"][0]["targetGroupArn"] = json!("web"));
    assert!(e.contains("not both"), "{e}");
    let e = refusal(&|d| {
        d["services"][0]["deploymentConfiguration"] =
            json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5})
    });
    assert!(
        e.starts_with("services[0].deploymentConfiguration.strategy: BLUE_GREEN deployments shift traffic between two target groups"),
        "{e}"
    );
    let e = refusal(&|d| d["services"][0]["deploymentController"] = json!({"type": "CODE_DEPLOY"}));
    assert!(
        e.contains("the CODE_DEPLOY deployment controller needs target groups"),
        "{e}"
    );
    // An EXTERNAL service takes no load balancer at all: its task sets do.
    let e = refusal(&|d| {
        d["services"][0]["deploymentController"] = json!({"type": "EXTERNAL"});
        d["services"][0]
            .as_object_mut()
            .unwrap()
            .remove("taskDefinition");
    });
    assert!(e.contains("LoadBalancers must be empty or null."), "{e}");
    // A role that may not register instances with the load balancer.
    let e = refusal(&|d| {
        d["services"][0]["role"] = json!("ecsServiceRole");
        d["iamRoles"] = json!([{"RoleName": "ecsServiceRole",
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "tg-only", "PolicyDocument": {"Statement": [{"Effect": "Allow",
                "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:DescribeTargetGroups"],
                "Resource": "*"}]}}]}]);
    });
    assert!(
        e.starts_with("services[0].role: InvalidParameterException: Unable to assume role and validate the listeners configured on your load balancer.")
            && e.contains("RegisterInstancesWithLoadBalancer"),
        "{e}"
    );
}

#[test]
fn update_service_keeps_the_classic_load_balancer_and_scaling_cannot_count_its_requests() {
    let mut d = world(2, 1, 1);
    d["updateServices"] = json!([{"at": "PT1M", "service": "web", "loadBalancers": []}]);
    let mut s = sim(d);
    at(&mut s, 120);
    assert!(logged(
        &s,
        "loadBalancers: UpdateService cannot add, change or remove a Classic Load Balancer"
    ));
    assert_eq!(s.services()[0].load_balancers.len(), 1);

    let mut d = world(2, 1, 1);
    d["scalableTargets"] = json!([{"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 2}]);
    d["scalingPolicies"] = json!([{"PolicyName": "rpt", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 100,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": "app/web-clb/0123/targetgroup/web-clb/4567"}}}]);
    let mut s = sim(d);
    at(&mut s, 120);
    assert!(logged(
        &s,
        "ResourceLabel: app/web-clb/0123/targetgroup/web-clb/4567 names Classic Load Balancer web-clb, which has no target groups"
    ));
}

#[test]
fn aws_elb_metrics_name_the_load_balancer() {
    // AWS/ELB, dimension LoadBalancerName: RequestCount and HealthyHostCount each minute.
    let mut s = sim(world(2, 1, 2));
    at(&mut s, 600);
    let series = s.time_series();
    let requests = series
        .series
        .get("targetGroup/web-clb/RequestCount")
        .unwrap();
    assert!(
        (requests.last().unwrap() - 24_000.0).abs() < 1e-6,
        "{requests:?}"
    );
    let healthy = series
        .series
        .get("targetGroup/web-clb/HealthyHostCount")
        .unwrap();
    assert_eq!(*healthy.last().unwrap(), 2.0);
    let out = s.describe();
    assert!(
        out["targetGroups"].as_array().unwrap().is_empty(),
        "DescribeTargetHealth lists target groups only"
    );
}

#[test]
fn describe_load_balancers_output_pastes() {
    // `aws elb describe-load-balancers` output with its read-only members.
    let mut d = world(1, 1, 1);
    let entry = d["classicLoadBalancers"][0].clone();
    let listener = entry["Listeners"][0].clone();
    d["classicLoadBalancers"] = json!([{"LoadBalancerDescriptions": [{
        "LoadBalancerName": "web-clb", "DNSName": "web-clb-1234567890.us-east-1.elb.amazonaws.com",
        "ListenerDescriptions": [{"Listener": listener, "PolicyNames": []}],
        "HealthCheck": entry["HealthCheck"], "Instances": [{"InstanceId": "i-207d9717"}],
        "AvailabilityZones": ZONES, "Scheme": "internet-facing", "CreatedTime": "2015-03-19T03:24:02.650Z"}]}]);
    let warnings = ecs_engine::Scenario::from_value(d.clone())
        .unwrap()
        .warnings;
    assert!(
        warnings.iter().any(
            |w| w.path == "classicLoadBalancers[0].LoadBalancerDescriptions[0]"
                && w.message
                    .ends_with("ignored: DNSName, Instances, CreatedTime")
        ),
        "{warnings:?}"
    );
    let mut s = sim(d);
    at(&mut s, 120);
    assert_eq!(instance_states(&s)[0]["State"], "InService");
}

#[test]
fn bad_classic_load_balancers_are_refused_naming_the_field() {
    let mut d = world(1, 1, 1);
    d["classicLoadBalancers"][0]["HealthCheck"]["Interval"] = json!(4);
    let e = ecs_engine::Scenario::from_value(d).unwrap_err().to_string();
    assert!(
        e.contains("classicLoadBalancers[0].HealthCheck.Interval: 4 is outside 5 to 300"),
        "{e}"
    );
    let mut d = world(1, 1, 1);
    d["targetGroups"] =
        json!([{"Name": "web-clb", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}]);
    let e = ecs_engine::Scenario::from_value(d).unwrap_err().to_string();
    assert!(
        e.contains(
            "classicLoadBalancers[0].LoadBalancerName: web-clb (a target group has the same name"
        ),
        "{e}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// LBT: one task per container instance on the fixed port; the service runs
    /// min(desired, instances) tasks, each on its own instance, and every instance the load
    /// balancer holds is in service and runs one of them.
    #[test]
    fn a_classic_service_never_puts_two_tasks_on_one_instance(
        instances in 1usize..7, in_a in 0usize..7, desired in 1u64..10, cross_zone: bool,
    ) {
        let mut d = world(instances, in_a.min(instances), desired);
        d["classicLoadBalancers"][0]["LoadBalancerAttributes"] =
            json!({"CrossZoneLoadBalancing": {"Enabled": cross_zone}});
        let mut s = sim(d);
        at(&mut s, 900);
        let active: Vec<usize> = s.tasks().iter().filter(|t| t.is_active()).map(|t| t.reservation.slot).collect();
        let mut hosts = active.clone();
        hosts.sort_unstable();
        hosts.dedup();
        proptest::prop_assert_eq!(hosts.len(), active.len());
        proptest::prop_assert_eq!(running(&s), instances.min(desired as usize));
        let states = instance_states(&s);
        proptest::prop_assert_eq!(states.len(), running(&s));
        proptest::prop_assert!(states.iter().all(|st| st["State"] == "InService"));
        let offered: f64 = offered_by_zone(&s).iter().map(|(_, r)| r).sum();
        proptest::prop_assert!((offered - 400.0).abs() < 1e-6, "all requests routed: {}", offered);
    }
}

#[test]
fn update_service_to_a_revision_without_the_fixed_host_port_is_refused() {
    // CreateService's rule ("A host port mapping for the container port 8080 is required.")
    // holds for the revision an UpdateService deploys: ECS checks the service's load balancer
    // against the new task definition ("Load balancer container name or port changed in task
    // definition", troubleshoot-service-load-balancers).
    for ports in [
        json!([{"containerPort": 8080, "hostPort": 0}]),
        json!([{"containerPort": 8080, "hostPort": 9000}]),
        json!([{"containerPort": 9000, "hostPort": 9000}]),
    ] {
        let mut d = world(2, 1, 1);
        let mut v2 = d["taskDefinitions"][0].clone();
        v2["containerDefinitions"][0]["portMappings"] = ports.clone();
        d["taskDefinitions"].as_array_mut().unwrap().push(v2);
        d["services"][0]["taskDefinition"] = json!("web:1");
        d["updateServices"] = json!([{"at": "PT5M", "service": "web", "taskDefinition": "web:2"}]);
        let mut s = sim(d);
        at(&mut s, 900);
        assert!(
            s.services()[0].task_definition.ends_with("web:1"),
            "{ports}: {}",
            s.services()[0].task_definition
        );
        assert!(logged(&s, "updateServices[0].loadBalancers[0]"), "{ports}");
        assert_eq!(running(&s), 1, "{ports}");
    }
    // Nor can UpdateService turn the circuit breaker on: "Deployment circuit breaker feature
    // is not supported with Classic Load Balancers." (aws/containers-roadmap #1272).
    let mut d = world(2, 1, 1);
    d["updateServices"] = json!([{"at": "PT5M", "service": "web", "forceNewDeployment": true,
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}}}]);
    let mut s = sim(d);
    at(&mut s, 400);
    assert!(logged(&s, "updateServices[0].deploymentConfiguration.deploymentCircuitBreaker: Deployment circuit breaker feature is not supported with Classic Load Balancers."));
    assert!(
        !s.describe()["services"][0]["deploymentConfiguration"]["deploymentCircuitBreaker"]
            ["enable"]
            .as_bool()
            .unwrap_or(false)
    );
}

#[test]
fn a_classic_load_balancer_is_not_a_target_group_for_other_references() {
    // An ALB service's blue/green alternate must be a target group: a Classic Load Balancer
    // has none (8.6; "Multiple target groups are only supported when you use the Application
    // Load Balancer or Network Load Balancer").
    let mut d = world(2, 1, 1);
    d["targetGroups"] =
        json!([{"Name": "blue", "Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-1"}]);
    d["services"][0]["loadBalancers"] = json!([{"targetGroupArn": "blue", "containerName": "app", "containerPort": 8080,
        "advancedConfiguration": {"alternateTargetGroupArn": "web-clb",
            "productionListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/x/1/2/3",
            "roleArn": "arn:aws:iam::123456789012:role/ecsInfra"}}]);
    d["services"][0]["deploymentConfiguration"] =
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0});
    d["loadProfiles"] = json!([]);
    let e = service_refusal(d);
    assert!(e.contains("alternateTargetGroupArn"), "{e}");
    assert!(e.contains("web-clb"), "{e}");

    // An elbv2 listener forwards to target groups, not to a Classic Load Balancer, and a
    // Classic Load Balancer takes no elbv2 listener.
    let mut d = world(1, 1, 1);
    d["loadBalancers"] = json!([{"Name": "alb"}]);
    d["listeners"] = json!([{"LoadBalancerArn": "alb", "Protocol": "HTTP", "Port": 80,
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web-clb"}]}]);
    let e = ecs_engine::Scenario::from_value(d).unwrap_err().to_string();
    assert!(
        e.contains("listeners[0].DefaultActions[0].TargetGroupArn"),
        "{e}"
    );
    let mut d = world(1, 1, 1);
    d["targetGroups"] =
        json!([{"Name": "blue", "Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-1"}]);
    d["listeners"] = json!([{"LoadBalancerArn": "web-clb", "Protocol": "HTTP", "Port": 80,
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": "blue"}]}]);
    let e = ecs_engine::Scenario::from_value(d).unwrap_err().to_string();
    assert!(e.contains("listeners[0].LoadBalancerArn"), "{e}");
}

#[test]
fn an_in_service_instance_that_stops_answering_is_logged_in_classic_words() {
    // The application stops answering at 5 minutes: UnhealthyThreshold (2) × Interval (10 s)
    // later the instance is OutOfService, worded as DescribeInstanceHealth words it (a
    // Classic Load Balancer has no target group).
    let mut d = world(1, 1, 1);
    d["faults"] = json!([{"type": "ContainerHealthCheckFailure", "service": "web", "at": "PT5M", "count": 1}]);
    let mut s = sim(d);
    at(&mut s, 330);
    assert!(
        logged(&s, "is OutOfService in Classic Load Balancer web-clb (Instance has failed at least the UnhealthyThreshold number of health checks consecutively.)"),
        "{:#?}",
        s.log().entries().iter().filter(|e| e.at_ms >= 300_000).map(|e| e.message.clone()).collect::<Vec<_>>()
    );
    assert!(!logged(&s, "in target group web-clb"));
}

#[test]
fn an_out_of_service_instance_is_deregistered_without_waiting_for_connection_draining() {
    // CLB connection draining: "If an instance becomes unhealthy, the load balancer reports
    // the instance state as OutOfService. If there are in-flight requests made to the
    // unhealthy instance, they are completed. The maximum timeout limit does not apply to
    // connections to unhealthy instances." An OutOfService instance gets no requests, so it
    // has none in flight: deregistering it is not held for the timeout, and it is never
    // reported InService ("Instance deregistration currently in progress.") on the way out.
    let mut d = world(1, 1, 1);
    d["classicLoadBalancers"][0]["HealthCheck"]["Target"] = json!("TCP:9000");
    d["classicLoadBalancers"][0]["LoadBalancerAttributes"] =
        json!({"ConnectionDraining": {"Enabled": true, "Timeout": 300}});
    let mut s = sim(d);
    let mut stopped_at = None;
    for sec in 1..=400 {
        at(&mut s, sec);
        for st in instance_states(&s) {
            assert_ne!(st["State"], "InService", "at {sec}: {st}");
        }
        if stopped_at.is_none() && s.tasks()[0].last_status == ecs_engine::task::TaskStatus::Stopped
        {
            stopped_at = Some(sec);
        }
    }
    // The check fails after 2 × 10 s, the grace period ends at 60 s; the task is STOPPED
    // after its stop timeout, not 300 s of draining later.
    let stopped_at = stopped_at.expect("the task stopped");
    assert!(stopped_at < 120, "{stopped_at}");
    assert!(logged(
        &s,
        "it is OutOfService, so connection draining does not hold it"
    ));
}

#[test]
fn a_rolling_deployment_waits_for_the_instance_in_service_not_the_container_check() {
    // API-HC: "Container health checks aren't supported for tasks that are part of a service
    // that's configured to use a Classic Load Balancer": a new task is healthy once its
    // instance is InService (2 × 10 s), not after its container check's first 300 s interval.
    let mut d = world(2, 1, 1);
    d["taskDefinitions"][0]["containerDefinitions"][0]["healthCheck"] =
        json!({"command": ["CMD-SHELL", "true"], "interval": 300, "retries": 3});
    d["services"][0]["deploymentConfiguration"] =
        json!({"minimumHealthyPercent": 100, "maximumPercent": 200});
    d["updateServices"] = json!([{"at": "PT10M", "service": "web", "forceNewDeployment": true}]);
    let mut s = sim(d);
    at(&mut s, 600 + 120);
    let old = &s.tasks()[0];
    assert!(
        !old.is_active(),
        "the old task is replaced within two minutes"
    );
    assert_eq!(running(&s), 1);
}
