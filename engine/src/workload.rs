//! Synthetic workloads for benchmarks, shared by the native criterion benchmark and the wasm
//! benchmark the app runs in headless Chromium, so both measure the same code on the same data.

use crate::cluster::ClusterState;
use crate::container_instance::ContainerInstance;
use crate::placement::cql::Expression;
use crate::placement::reserve::{release, reserve, DynamicPortChoice, HostPorts};
use crate::placement::strategy::{BinpackField, SpreadField, Strategy};
use crate::placement::{Constraint, Decision, PlacementRequest, Placer, TaskNeeds};
use crate::rng::{SimRng, Stream};
use crate::scenario::Scenario;
use crate::task_definition::{parse_task_definition, validate};

/// `n` m5.xlarge instances spread over three AZs of cluster `default`.
pub fn synthetic_cluster(n: usize) -> ClusterState {
    let json = format!(
        r#"{{"version": 1, "containerInstances": [
            {{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1a", "count": {a}}},
            {{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1b", "count": {b}}},
            {{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1c", "count": {c}}}]}}"#,
        a = (n / 3 + n % 3).max(1),
        b = (n / 3).max(1),
        c = (n / 3).max(1)
    );
    let mut state = ClusterState::default();
    if let Ok(scenario) = Scenario::from_json(&json) {
        for (i, spec) in scenario.instances.iter().enumerate() {
            if let Ok(inst) = ContainerInstance::register(spec, format!("i-{i:017x}"), 0) {
                state.add(inst);
            }
        }
    }
    state
}

/// A task of 256 CPU units and 512 MiB with one dynamic host port (bridge mode).
pub fn web_task() -> TaskNeeds {
    let td = r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 256, "memory": 512, "portMappings": [{"containerPort": 80}]}]}"#;
    match parse_task_definition(td)
        .map_err(|e| vec![e])
        .and_then(|p| validate(&p.input))
    {
        Ok(valid) => TaskNeeds::of(&valid),
        Err(_) => unreachable!("the benchmark task definition is valid"),
    }
}

/// The strategy and constraint combinations the placement benchmark measures.
pub fn placement_cases() -> Vec<(&'static str, Vec<Strategy>, Vec<Constraint>)> {
    let member_of = Expression::parse(
        "attribute:ecs.instance-type =~ m5.* and attribute:ecs.availability-zone != us-east-1d",
    )
    .map(Constraint::MemberOf)
    .into_iter()
    .collect::<Vec<_>>();
    vec![
        (
            "binpack(memory)",
            vec![Strategy::Binpack(BinpackField::Memory)],
            vec![],
        ),
        (
            "spread(AZ)+binpack(memory)",
            vec![
                Strategy::spread_az(),
                Strategy::Binpack(BinpackField::Memory),
            ],
            vec![],
        ),
        (
            "spread(AZ)+spread(instanceId)",
            vec![
                Strategy::spread_az(),
                Strategy::Spread(SpreadField::InstanceId),
            ],
            vec![],
        ),
        ("random", vec![Strategy::Random], vec![]),
        (
            "spread(AZ)+distinctInstance",
            vec![Strategy::spread_az()],
            vec![Constraint::DistinctInstance],
        ),
        (
            "spread(AZ)+binpack(memory)+memberOf",
            vec![
                Strategy::spread_az(),
                Strategy::Binpack(BinpackField::Memory),
            ],
            member_of,
        ),
    ]
}

/// A ready benchmark: a half-full cluster, and a `step` that places one task and releases it
/// again, so every step does the same amount of work.
pub struct PlacementBench {
    state: ClusterState,
    needs: TaskNeeds,
    strategies: Vec<Strategy>,
    constraints: Vec<Constraint>,
    placer: Placer,
    rng: SimRng,
    ports: HostPorts,
    group_id: usize,
}

impl PlacementBench {
    /// A cluster of `n` instances, filled to about half with tasks of another group.
    pub fn new(
        n: usize,
        strategies: Vec<Strategy>,
        constraints: Vec<Constraint>,
    ) -> PlacementBench {
        let mut state = synthetic_cluster(n);
        let needs = web_task();
        let mut placer = Placer::default();
        let mut rng = SimRng::new(1, Stream::Placement);
        let mut ports = HostPorts {
            choice: DynamicPortChoice::Random,
            rng: SimRng::new(1, Stream::HostPorts),
        };
        let warm = state.group_id("service:warm");
        for _ in 0..n * 4 {
            let req = PlacementRequest {
                cluster: "default",
                group: "service:warm",
                needs: &needs,
                constraints: &[],
                strategies: &strategies,
                capacity_provider: None,
            };
            if let (Decision::Placed(slot), _) = placer.place(&mut state, &req, &mut rng, false) {
                reserve(&mut state, slot, warm, &needs, &mut ports);
            }
        }
        let group_id = state.group_id("service:web");
        PlacementBench {
            state,
            needs,
            strategies,
            constraints,
            placer,
            rng,
            ports,
            group_id,
        }
    }

    /// Places one task and releases it; returns whether it was placed.
    pub fn step(&mut self) -> bool {
        let req = PlacementRequest {
            cluster: "default",
            group: "service:web",
            needs: &self.needs,
            constraints: &self.constraints,
            strategies: &self.strategies,
            capacity_provider: None,
        };
        match self
            .placer
            .place(&mut self.state, &req, &mut self.rng, false)
            .0
        {
            Decision::Placed(slot) => {
                let r = reserve(
                    &mut self.state,
                    slot,
                    self.group_id,
                    &self.needs,
                    &mut self.ports,
                );
                release(&mut self.state, &r);
                true
            }
            Decision::Unplaceable { .. } => false,
        }
    }
}

/// The closed-loop benchmark scenario of issue 4: `instances` m5.2xlarge instances over three
/// AZs, `services` services of 256 CPU units behind one ALB (a target group each), diurnal load
/// peaking at `peak_rps` requests/s in all, target tracking on CPU (50 %) and on
/// ALBRequestCountPerTarget (6,000 a minute), a rolling deployment of the first service at 6 h,
/// routing every simulated second, 24 hours. With `autoscaling` false the policies are left
/// out and each service keeps 8 tasks, so the task count does not depend on the rate.
pub fn closed_loop_day(
    instances: usize,
    services: usize,
    peak_rps: f64,
    autoscaling: bool,
) -> String {
    use serde_json::json;
    let per = |i: usize| (instances / 3 + usize::from(i < instances % 3)).max(1);
    let mut doc = json!({
        "version": 1, "seed": 42, "duration": "P1D",
        "containerInstances": (0..3).map(|i| json!({"instanceType": "m5.2xlarge",
            "availabilityZone": format!("us-east-1{}", ["a", "b", "c"][i]), "count": per(i)})).collect::<Vec<_>>(),
        "loadBalancers": [{"Name": "front", "Type": "application"}],
        "taskDefinitions": [{"family": "app", "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 512,
                "portMappings": [{"containerPort": 8080, "hostPort": 0}]}]}],
        "updateServices": [{"at": "PT6H", "service": "svc0", "forceNewDeployment": true}],
    });
    let (mut tgs, mut svcs, mut targets, mut policies, mut loads, mut actions) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for s in 0..services {
        let name = format!("svc{s}");
        let resource = format!("service/default/{name}");
        tgs.push(json!({"Name": format!("tg{s}"), "Port": 8080, "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2,
            "HealthCheckTimeoutSeconds": 5, "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]}));
        actions.push(json!({"Type": "forward", "TargetGroupArn": format!("tg{s}")}));
        svcs.push(json!({"serviceName": name, "taskDefinition": "app", "desiredCount": if autoscaling { 4 } else { 8 },
            "loadBalancers": [{"targetGroupArn": format!("tg{s}"), "containerName": "app", "containerPort": 8080}]}));
        targets.push(json!({"ServiceNamespace": "ecs", "ResourceId": resource,
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 200}));
        policies.push(json!({"PolicyName": "cpu50", "ServiceNamespace": "ecs", "ResourceId": resource,
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}));
        policies.push(json!({"PolicyName": "requests", "ServiceNamespace": "ecs", "ResourceId": resource,
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 6000,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget",
                    "ResourceLabel": format!("app/front/0/targetgroup/tg{s}/0")}}}));
        let peak = peak_rps / services as f64;
        loads.push(json!({"targetGroup": format!("tg{s}"),
            "requests": {"type": "diurnal", "min": peak / 10.0, "max": peak, "peakAt": "PT14H"},
            "cost": {"cpuUnitMsPerRequest": 256, "idleCpuUnits": 5}}));
    }
    doc["targetGroups"] = json!(tgs);
    doc["listeners"] = json!([{"LoadBalancerArn": "front", "Port": 80, "DefaultActions": actions}]);
    doc["services"] = json!(svcs);
    if autoscaling {
        doc["scalableTargets"] = json!(targets);
        doc["scalingPolicies"] = json!(policies);
    }
    doc["loadProfiles"] = json!(loads);
    doc.to_string()
}

/// The capacity surge of issue 5: `groups` Auto Scaling groups of m5.xlarge instances (each
/// holds six 640-unit tasks), each behind a capacity provider with managed scaling, start
/// empty while `groups` services ask for `tasks_per_group` tasks each; the groups scale from
/// zero until every task runs (with the defaults, 5 × 6,000 tasks → 5,000 instances).
/// The run lasts one hour.
pub fn capacity_surge(groups: usize, tasks_per_group: u32) -> String {
    use serde_json::json;
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let max = tasks_per_group.div_ceil(6);
    let doc = json!({
        "version": 1, "seed": 42, "duration": "PT1H",
        "subnets": zones.iter().map(|z| json!({"subnetId": format!("subnet-{z}"), "availabilityZone": z})).collect::<Vec<_>>(),
        "launchTemplates": [{"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "m5.xlarge"}}],
        "autoScalingGroups": (0..groups).map(|g| json!({
            "AutoScalingGroupName": format!("asg-{g}"), "MinSize": 0, "MaxSize": max, "DesiredCapacity": 0,
            "LaunchTemplate": {"LaunchTemplateName": "ecs"},
            "VPCZoneIdentifier": zones.iter().map(|z| format!("subnet-{z}")).collect::<Vec<_>>().join(","),
            "NewInstancesProtectedFromScaleIn": true
        })).collect::<Vec<_>>(),
        "capacityProviders": (0..groups).map(|g| json!({
            "name": format!("cp-{g}"),
            "autoScalingGroupProvider": {"autoScalingGroupArn": format!("asg-{g}"),
                "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
                "managedTerminationProtection": "ENABLED"}
        })).collect::<Vec<_>>(),
        "clusters": [{"clusterName": "default", "capacityProviders": (0..groups).map(|g| format!("cp-{g}")).collect::<Vec<_>>()}],
        "taskDefinitions": [{"family": "worker", "cpu": "640", "memory": "1024",
            "containerDefinitions": [{"name": "worker", "image": "worker:1", "essential": true, "memory": 1024}]}],
        "services": (0..groups).map(|g| json!({
            "serviceName": format!("svc-{g}"), "taskDefinition": "worker", "desiredCount": tasks_per_group,
            "capacityProviderStrategy": [{"capacityProvider": format!("cp-{g}"), "weight": 1}],
            "placementStrategy": [{"type": "binpack", "field": "cpu"}]
        })).collect::<Vec<_>>()
    });
    doc.to_string()
}

/// A day of large scale-ins: `instances` m5.large over three zones with a DAEMON agent, and a
/// service of 256-unit tasks whose desired count UpdateService moves every hour between
/// `low` and `high` (3,000 and 4,500 on 1,000 instances: 1,500 tasks stop each other hour,
/// each chosen by the default spread(AZ) then spread(instanceId) in reverse).
pub fn scale_in_day(instances: usize, low: u32, high: u32) -> String {
    use serde_json::json;
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let doc = json!({
        "version": 1, "seed": 1, "duration": "PT24H",
        "containerInstances": zones.iter().map(|z| json!({"instanceType": "m5.large", "availabilityZone": z,
            "count": instances.div_ceil(3)})).collect::<Vec<_>>(),
        "taskDefinitions": [
            {"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "cpu": 256, "memory": 256, "essential": true}]},
            {"family": "agent", "containerDefinitions": [{"name": "agent", "image": "agent", "cpu": 128, "memory": 128, "essential": true}]}],
        "services": [
            {"serviceName": "web", "taskDefinition": "web", "desiredCount": low},
            {"serviceName": "agent", "taskDefinition": "agent", "schedulingStrategy": "DAEMON"}],
        "updateServices": (1..24).map(|h| json!({"at": format!("PT{h}H"), "service": "web",
            "desiredCount": if h % 2 == 1 { high } else { low }})).collect::<Vec<_>>()
    });
    doc.to_string()
}

/// A day of CodeDeploy blue/green deployments: a Fargate service of `tasks` tasks with the
/// CODE_DEPLOY controller behind an ALB (150 requests/s per 2 tasks), and a CreateDeployment
/// every two hours alternating `web:2` and `web:1` with CodeDeployDefault.ECSLinear10PercentEvery1Minutes
/// and a 10-minute termination wait: each deployment runs twice the tasks for about
/// 20 minutes, and every scheduler pass looks at the health of all of them.
pub fn code_deploy_day(tasks: u32) -> String {
    use serde_json::json;
    let td = |image: &str| {
        json!({"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "512", "memory": "1024", "containerDefinitions": [{"name": "web", "image": image,
            "essential": true, "portMappings": [{"containerPort": 8080}]}]})
    };
    let tg = |name: &str| {
        json!({"Name": name, "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "TargetType": "ip",
            "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2})
    };
    let appspec = |revision: &str| {
        json!({"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service",
            "Properties": {"TaskDefinition": revision,
                "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 8080}}}}]})
        .to_string()
    };
    let doc = json!({
        "version": 1, "seed": 1, "duration": "PT24H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "loadBalancers": [{"Name": "web-alb", "Type": "application"}],
        "listeners": [
            {"LoadBalancerArn": "web-alb", "Protocol": "HTTP", "Port": 80,
             "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web-blue"}]},
            {"LoadBalancerArn": "web-alb", "Protocol": "HTTP", "Port": 8080,
             "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web-green"}]}],
        "targetGroups": [tg("web-blue"), tg("web-green")],
        "taskDefinitions": [td("nginx:1.26"), td("nginx:1.27")],
        "services": [{"serviceName": "web", "taskDefinition": "web:1", "desiredCount": tasks,
            "launchType": "FARGATE", "deploymentController": {"type": "CODE_DEPLOY"},
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}},
            "loadBalancers": [{"targetGroupArn": "web-blue", "containerName": "web", "containerPort": 8080}]}],
        "codeDeployApplications": [{"applicationName": "web-app", "computePlatform": "ECS"}],
        "deploymentGroups": [{"applicationName": "web-app", "deploymentGroupName": "web-dg",
            "serviceRoleArn": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
            "deploymentConfigName": "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
            "blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess":
                {"action": "TERMINATE", "terminationWaitTimeInMinutes": 10}},
            "ecsServices": [{"serviceName": "web", "clusterName": "default"}],
            "loadBalancerInfo": {"targetGroupPairInfoList": [{
                "targetGroups": [{"name": "web-blue"}, {"name": "web-green"}],
                "prodTrafficRoute": {"listenerArns": ["listener/app/web-alb/1/80"]},
                "testTrafficRoute": {"listenerArns": ["listener/app/web-alb/1/8080"]}}]}}],
        "createDeployments": (0..12).map(|i| json!({"at": format!("PT{}H", 2 * i + 1),
            "applicationName": "web-app", "deploymentGroupName": "web-dg",
            "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content":
                appspec(if i % 2 == 0 { "web:2" } else { "web:1" })}}})).collect::<Vec<_>>(),
        "loadProfiles": [{"targetGroup": "web-blue", "requests": {"type": "constant",
            "requestsPerSecond": 75 * tasks}, "cost": {"cpuUnitMsPerRequest": 200}}]
    });
    doc.to_string()
}

/// A day of Service Connect traffic: server `catalog` (`tasks` Fargate tasks, at most 1,000,
/// port `api` behind alias `catalog:8080`, a container health check) called by client `web`
/// (`tasks / 4` tasks) with a daily curve peaking at 120 requests/s per catalog task, over
/// its capacity at the peak, so retries and outlier detection run; catalog is redeployed
/// every four hours. Every routing tick (1 s) routes through every task of both services.
pub fn service_connect_day(tasks: u32) -> String {
    use serde_json::json;
    let td = |family: &str, port: serde_json::Value| {
        json!({"family": family, "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512", "containerDefinitions": [{"name": family, "image": "nginx:1.27",
            "essential": true, "portMappings": port,
            "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 30}}]})
    };
    let network = json!({"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}});
    let doc = json!({
        "version": 1, "seed": 1, "duration": "PT24H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "namespaces": [{"Name": "shop"}],
        "taskDefinitions": [
            td("catalog", json!([{"name": "api", "containerPort": 8080, "appProtocol": "http"}])),
            td("web", json!([{"containerPort": 80}]))],
        "services": [
            {"serviceName": "catalog", "taskDefinition": "catalog", "desiredCount": tasks,
             "launchType": "FARGATE", "networkConfiguration": network,
             "serviceConnectConfiguration": {"enabled": true, "namespace": "shop",
                "services": [{"portName": "api", "clientAliases": [{"port": 8080, "dnsName": "catalog"}]}]}},
            {"serviceName": "web", "taskDefinition": "web", "desiredCount": (tasks / 4).max(1),
             "launchType": "FARGATE", "networkConfiguration": network,
             "serviceConnectConfiguration": {"enabled": true, "namespace": "shop"}}],
        "updateServices": (1..6).map(|i| json!({"at": format!("PT{}H", 4 * i),
            "service": "catalog", "forceNewDeployment": true})).collect::<Vec<_>>(),
        "loadProfiles": [{"client": "web", "serviceConnect": "catalog:8080",
            "requests": {"type": "diurnal", "min": 20 * tasks, "max": 120 * tasks, "peakAt": "PT14H"},
            "cost": {"cpuUnitMsPerRequest": 2048}}]
    });
    doc.to_string()
}

/// A day of service discovery: service `orders` (`tasks` Fargate tasks, at most 1,000, a
/// container health check) registered in Cloud Map service `orders.corp.local` (an A record,
/// 60 s TTL, custom health), resolved by clients sending a daily curve peaking at 100
/// requests/s per task; `orders` is redeployed every four hours, so resolvers hold stopped
/// tasks' addresses after each. Every routing tick (1 s) routes through every cached answer.
pub fn service_discovery_day(tasks: u32) -> String {
    use serde_json::json;
    let arn = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-ordersbench00001";
    let doc = json!({
        "version": 1, "seed": 1, "duration": "PT24H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "namespaces": [{"Name": "corp.local", "Vpc": "vpc-1"}],
        "cloudMapServices": [{"Service": {"Id": "srv-ordersbench00001", "Arn": arn, "Name": "orders",
            "NamespaceId": "corp.local", "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 60}]},
            "HealthCheckCustomConfig": {"FailureThreshold": 1}}}],
        "taskDefinitions": [{"family": "orders", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "api", "image": "nginx:1.27",
            "essential": true, "portMappings": [{"containerPort": 8080}],
            "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 30}}]}],
        "services": [{"serviceName": "orders", "taskDefinition": "orders", "desiredCount": tasks,
            "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}},
            "serviceRegistries": [{"registryArn": arn}]}],
        "updateServices": (1..6).map(|i| json!({"at": format!("PT{}H", 4 * i),
            "service": "orders", "forceNewDeployment": true})).collect::<Vec<_>>(),
        "loadProfiles": [{"serviceDiscovery": "orders.corp.local",
            "requests": {"type": "diurnal", "min": 20 * tasks, "max": 100 * tasks, "peakAt": "PT14H"},
            "cost": {"cpuUnitMsPerRequest": 2048}}]
    });
    doc.to_string()
}
