//! Property tests of the rolling update (4.3): running plus pending tasks never exceed
//! `floor(desired × maximumPercent / 100)`, and a deployment that the configuration allows to
//! progress always completes with every task on the new revision.

use ecs_engine::task::TaskStatus;
use ecs_engine::{Scenario, Simulation};
use proptest::prelude::*;
use serde_json::json;

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn rolling_updates_respect_maximum_percent_and_complete(desired in 1u32..7, min in 0u32..=100, max in 100u32..=200, instances in 1usize..4, seed in any::<u64>()) {
        let azs = ["us-east-1a", "us-east-1b", "us-east-1c"];
        let insts: Vec<_> = (0..instances).map(|i| json!({"instanceType": "m5.xlarge", "availabilityZone": azs[i], "ecsConfig": {"ECS_CLUSTER": "c"}})).collect();
        let td = |image: &str| json!({"family": "web", "containerDefinitions": [{"name": "app", "image": image, "memory": 128}]});
        let doc = json!({"version": 1, "seed": seed, "duration": "PT30M", "containerInstances": insts,
            "taskDefinitions": [td("nginx:1"), td("nginx:2")],
            "services": [{"serviceName": "web", "cluster": "c", "taskDefinition": "web:1", "desiredCount": desired,
                "deploymentConfiguration": {"minimumHealthyPercent": min, "maximumPercent": max}}],
            "updateServices": [{"at": "PT5M", "service": "web", "cluster": "c", "taskDefinition": "web:2"}]});
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        let limit = (desired * max / 100) as usize;
        while sim.step().is_some() {
            let live = sim.tasks().iter().filter(|t| t.desired_status == TaskStatus::Running).count();
            prop_assert!(live <= limit.max(desired as usize), "{live} live tasks, limit {limit}");
        }
        let can_progress = (desired * max / 100) > desired || (desired * min).div_ceil(100) < desired;
        let running_new = sim.tasks().iter().filter(|t| t.last_status == TaskStatus::Running && t.task_definition_arn.ends_with("web:2")).count();
        let running_old = sim.tasks().iter().filter(|t| t.last_status == TaskStatus::Running && t.task_definition_arn.ends_with("web:1")).count();
        if can_progress {
            prop_assert_eq!((running_new, running_old), (desired as usize, 0));
        } else {
            prop_assert_eq!((running_new, running_old), (0, desired as usize), "a stalled deployment changes nothing");
        }
    }
}
