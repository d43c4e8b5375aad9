//! IAM, simply (1.6, 10.4): each role mistake of 10.4 causes the failure AWS shows, where a
//! user will look for it. IAM applies only when a scenario declares roles.

use ecs_engine::{Scenario, SimTime, Simulation};
use serde_json::{json, Value};

fn sim(scenario: Value) -> Simulation {
    Simulation::new(Scenario::from_value(scenario).expect("valid scenario"))
}

fn at(sim: &mut Simulation, secs: u64) {
    sim.advance_to(SimTime(secs * 1000)).expect("no livelock");
}

/// 10.4: an instance profile without the ECS permissions never registers; one that cannot
/// poll registers with agentConnected=false. IAM applies only when the scenario has roles.
#[test]
fn instance_roles_without_ecs_permissions() {
    let doc = json!({
        "version": 1, "seed": 1, "duration": "PT10M",
        "iamRoles": [
            {"RoleName": "ecsInstanceRole", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"]},
            {"RoleName": "registerOnly", "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ecs:RegisterContainerInstance", "Resource": "*"}]}}]},
            {"RoleName": "s3Only", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}
        ],
        "containerInstances": [
            {"id": "i-0good00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "iamInstanceProfile": "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"},
            {"id": "i-0poll00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "iamInstanceProfile": "registerOnly"},
            {"id": "i-0none00000000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a", "iamInstanceProfile": "s3Only"},
            {"id": "i-0noprofile000001", "instanceType": "m5.large", "availabilityZone": "us-east-1a"}
        ]
    });
    let mut s = sim(doc);
    at(&mut s, 60);
    let ids: Vec<&str> = s
        .cluster()
        .instances
        .iter()
        .map(|i| i.ec2_instance_id.as_str())
        .collect();
    assert_eq!(ids, vec!["i-0good00000000001", "i-0poll00000000001"]);
    assert!(s.cluster().instances[0].agent_connected);
    assert!(!s.cluster().instances[1].agent_connected);
    assert_eq!(
        s.log()
            .entries()
            .iter()
            .filter(|e| e.message.contains("never registers"))
            .count(),
        2
    );
}
