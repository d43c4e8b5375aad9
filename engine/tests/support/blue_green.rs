//! The blue/green scenario the blue/green, linear, canary and deployment lifecycle hook tests
//! share, and looks at its traffic shift.

use ecs_engine::blue_green::LifecycleStage;
use ecs_engine::load_balancer::target_group::TargetState;
use ecs_engine::Simulation;
use serde_json::{json, Value};

pub const MIN: u64 = 60;
pub const BLUE_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0000000000000001";
pub const GREEN_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/0000000000000002";

/// Fargate service `web` (4 tasks of `web:1`) behind ALB `edge` with target groups `blue`
/// and `green` (ip targets, healthy after 2 checks 10 s apart), 400 requests/s on the
/// production rule, `deploymentConfiguration` `dc`; UpdateService deploys `web:2` at 5 min.
pub fn scenario(dc: Value) -> Value {
    let tg = |name: &str, arn: &str| {
        json!({"Name": name, "TargetGroupArn": arn, "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1",
            "TargetType": "ip", "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2,
            "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}]})
    };
    let td = |image: &str| {
        json!({"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "512", "memory": "1024",
            "containerDefinitions": [{"name": "app", "image": image, "essential": true,
                "portMappings": [{"containerPort": 80}]}]})
    };
    json!({
        "version": 1, "seed": 3, "duration": "PT2H",
        "options": {"routingIntervalSeconds": 10},
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "loadBalancers": [{"Name": "edge", "Type": "application", "Scheme": "internet-facing"}],
        "listeners": [{"LoadBalancerArn": "edge", "Protocol": "HTTP", "Port": 80,
            "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": BLUE_ARN, "Weight": 1}, {"TargetGroupArn": GREEN_ARN, "Weight": 0}]}}]}],
        "targetGroups": [tg("blue", BLUE_ARN), tg("green", GREEN_ARN)],
        "taskDefinitions": [td("public.ecr.aws/nginx/nginx:1.26"), td("public.ecr.aws/nginx/nginx:1.27")],
        "services": [{"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 4, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}},
            "deploymentController": {"type": "ECS"},
            "deploymentConfiguration": dc,
            "loadBalancers": [{"targetGroupArn": BLUE_ARN, "containerName": "app", "containerPort": 80,
                "advancedConfiguration": {"alternateTargetGroupArn": GREEN_ARN,
                    "productionListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/edge/1/2/3",
                    "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers"}}]}],
        "updateServices": [{"at": "PT5M", "service": "web", "taskDefinition": "web:2"}],
        "loadProfiles": [{"targetGroup": "blue", "requests": {"type": "constant", "requestsPerSecond": 400},
            "cost": {"cpuUnitMsPerRequest": 100, "idleCpuUnits": 1}}]
    })
}

/// `alarms[]` with alarm `green-requests`: more than 1,000 requests a minute on target group
/// `green` for two minutes.
pub fn green_requests_alarm() -> Value {
    let lb = format!(
        "app/edge/{}",
        ecs_engine::load_balancer::target_group::name_hash("edge")
    );
    json!([{"AlarmName": "green-requests", "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
        "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 2, "Threshold": 1000, "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/green/0000000000000002"}, {"Name": "LoadBalancer", "Value": lb}]}])
}

/// Production traffic on `blue` and `green`, in tenths of a percent.
pub fn weights(s: &Simulation) -> (u32, u32) {
    (
        s.listener_rule_weight(0).expect("blue is paired"),
        s.listener_rule_weight(1).expect("green is paired"),
    )
}

/// Active tasks of the service by revision: (`web:1`, `web:2`).
pub fn by_revision(s: &Simulation) -> (usize, usize) {
    let active = |rev: &str| {
        s.tasks()
            .iter()
            .filter(|t| t.is_active() && revision(s, t) == rev)
            .count()
    };
    (active("web:1"), active("web:2"))
}

/// The revision a task runs, from its deployment.
pub fn revision(s: &Simulation, t: &ecs_engine::task::Task) -> String {
    let d = t.deployment.expect("a service task");
    s.services()[0].deployments[d].task_definition.clone()
}

/// Live (not draining) targets in target group `g`.
pub fn live_targets(s: &Simulation, g: usize) -> usize {
    s.target_groups()[g]
        .targets
        .iter()
        .filter(|x| x.state != TargetState::Draining)
        .count()
}

/// Requests per second the tasks registered in group `g` get now.
pub fn group_rps(s: &Simulation, g: usize) -> f64 {
    s.target_groups()[g]
        .targets
        .iter()
        .filter_map(|x| s.task_loads().get(x.task))
        .map(|l| l.offered_rps)
        .sum()
}

pub fn stage(s: &Simulation) -> Option<LifecycleStage> {
    s.services()[0].traffic_shift.as_ref().map(|x| x.stage)
}
