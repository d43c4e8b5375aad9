//! DeleteService (4.2): a REPLICA service must be scaled to 0 unless forced; the deleted service
//! is DRAINING while its tasks stop, then INACTIVE, and nothing scales it any more.

mod support;

use ecs_engine::service::ServiceStatus;
use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, Simulation};
use serde_json::json;
use support::{at, logged};

#[test]
fn delete_service_needs_zero_or_force_then_drains_to_inactive_4_2() {
    let v = json!({
        "version": 1, "seed": 2, "duration": "PT30M",
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx", "essential": true, "memory": 256, "cpu": 256}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}],
        "scalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 4}],
        "deleteServices": [
            {"at": "PT5M", "service": "web"},
            {"at": "PT6M", "service": "arn:aws:ecs:us-east-1:123456789012:service/default/web", "force": true},
            {"at": "PT20M", "service": "web", "force": true}
        ],
        "updateServices": [{"at": "PT10M", "service": "web", "desiredCount": 3}]
    });
    let mut s = Simulation::new(Scenario::from_value(v).unwrap());
    at(&mut s, 5 * 60 + 1);
    assert!(s.log().entries().iter().any(|e| e.message.contains(
        "deleteServices[0].force: InvalidParameterException: The service cannot be stopped while it is scaled above 0."
    )));
    assert_eq!(s.services()[0].status, ServiceStatus::Active);
    // Without a load balancer the tasks go STOPPING at once, so DRAINING ends at once too.
    at(&mut s, 6 * 60);
    assert_eq!(s.services()[0].desired_count, 0);
    assert!(s.tasks().iter().all(|t| !t.is_active()), "every task stops");
    assert_eq!(s.services()[0].status, ServiceStatus::Inactive);
    assert!(logged(
        &s,
        "DeleteService web: DRAINING while its tasks stop"
    ));
    assert!(logged(&s, "service web is INACTIVE: deleted"));
    at(&mut s, 7 * 60);
    assert!(s
        .tasks()
        .iter()
        .all(|t| t.last_status == TaskStatus::Stopped
            && t.stop_code.as_deref() == Some("ServiceSchedulerInitiated")));
    assert_eq!(s.describe()["services"][0]["status"], "INACTIVE");
    // Nothing starts it again: UpdateService and a second delete find no service.
    at(&mut s, 25 * 60);
    assert!(s
        .tasks()
        .iter()
        .all(|t| t.last_status == TaskStatus::Stopped));
    assert!(logged(
        &s,
        "updateServices[0].service: ServiceNotFoundException"
    ));
    assert!(logged(
        &s,
        "DeleteService failed: deleteServices[2].service: ServiceNotFoundException"
    ));
}

#[test]
fn explain_and_describe_of_a_name_show_the_same_service_the_active_one_after_a_delete_4_2() {
    // A deleted service stays INACTIVE beside a new one of the same name (4.2); the Explain
    // panel shows where the named service's next task would go and DescribeServices of it,
    // so both must be of one service: the ACTIVE one, as DescribeServices by name returns.
    let v = json!({
        "version": 1, "seed": 2, "duration": "PT30M",
        "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx", "essential": true, "memory": 256, "cpu": 256}]}],
        "services": [
            {"serviceName": "web", "taskDefinition": "web", "desiredCount": 1,
                "placementStrategy": [{"type": "binpack", "field": "memory"}]},
            {"serviceName": "web", "taskDefinition": "web", "desiredCount": 2,
                "placementStrategy": [{"type": "spread", "field": "instanceId"}]}
        ],
        "deleteServices": [{"at": "PT1M", "service": "web", "force": true}]
    });
    let mut s = Simulation::new(Scenario::from_value(v).unwrap());
    at(&mut s, 5 * 60);
    assert_eq!(s.services()[0].status, ServiceStatus::Inactive);
    let described = s.describe_service_by_name("web").unwrap();
    assert_eq!(described["status"], "ACTIVE");
    assert_eq!(described["placementStrategy"][0]["type"], "spread");
    let explained = s.explain_next_placement("web").unwrap();
    assert!(
        explained.strategies_text().starts_with("spread"),
        "{}",
        explained.strategies_text()
    );
}
