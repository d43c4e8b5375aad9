//! CreateService's `role`: the IAM role ECS assumes to register a service's targets with its
//! load balancer, from before the Amazon ECS service-linked role.
//!
//! The rules, from the CreateService reference [API-CS]:
//! - "This parameter is only permitted if you are using a load balancer with your service and
//!   your task definition doesn't use the awsvpc network mode. If you specify the role
//!   parameter, you must also specify a load balancer object with the loadBalancers
//!   parameter."
//! - "The service-linked role is required if your task definition uses the awsvpc network mode
//!   or if the service is configured to use service discovery, an external deployment
//!   controller, multiple target groups, or Elastic Inference accelerators in which case you
//!   don't specify a role here." ECS answers such a request with "You cannot specify an IAM
//!   role for services that require a service linked role." [observed wording, quoted in user
//!   reports].
//! - "If your specified role has a path other than /, then you must either specify the full
//!   role ARN (this is recommended) or prefix the role name with the path."
//! - When the scenario has `iamRoles`, the role must exist, trust `ecs.amazonaws.com` and allow
//!   what the managed policy `AmazonEC2ContainerServiceRole` allows on target groups; otherwise
//!   ECS refuses the service with "Unable to assume role and validate the specified
//!   targetGroupArn. Please verify that the ECS service role being passed has the proper
//!   permissions." [observed wording].
//!
//! Where AWS is silent: the service-linked role's own ARN
//! (`…role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`) given as `role` names the
//! role ECS would use anyway, and is taken as leaving `role` out [unconfirmed]; the role's
//! permissions are checked on the first target group only [choice: one call validates it].
//!
//! Sources:
//! - [API-CS] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>

use serde_json::Value;

use crate::iam::Roles;

/// The principal ECS assumes a service's load balancer role as.
pub const ECS_PRINCIPAL: &str = "ecs.amazonaws.com";

/// What the role must allow on the target group: register and deregister the service's
/// targets and read the group (the target-group actions of `AmazonEC2ContainerServiceRole`).
pub const TARGET_GROUP_ACTIONS: &[&str] = &[
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:DeregisterTargets",
    "elasticloadbalancing:DescribeTargetGroups",
];

/// What the role must allow on a Classic Load Balancer: register and deregister the service's
/// container instances and read the load balancer (`AmazonEC2ContainerServiceRole`'s
/// Classic Load Balancer actions).
pub const CLASSIC_ACTIONS: &[&str] = &[
    "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
    "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
    "elasticloadbalancing:DescribeLoadBalancers",
];

/// ECS's answer to a `role` on a service that needs the service-linked role.
pub const NEEDS_SERVICE_LINKED_ROLE: &str =
    "You cannot specify an IAM role for services that require a service linked role.";

/// ECS's answer to a `role` it cannot assume or that lacks permissions.
pub const UNUSABLE_ROLE: &str = "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.";

/// What a service is made of that decides whether it may name a `role`.
pub struct ServiceFacts<'a> {
    /// The task definition uses `awsvpc`.
    pub awsvpc: bool,
    /// The `targetGroupArn` of each `loadBalancers[]` entry.
    pub target_groups: &'a [&'a str],
    /// It has `serviceRegistries`.
    pub service_discovery: bool,
    /// Its deployment controller is EXTERNAL.
    pub external: bool,
    /// Its load balancer is a Classic Load Balancer (`target_groups` then holds its ARN).
    pub classic: bool,
}

/// True for the Amazon ECS service-linked role's ARN or name.
fn is_service_linked_role(role: &str) -> bool {
    role.rsplit('/').next() == Some("AWSServiceRoleForECS")
}

/// Checks `raw.role` of a CreateService request: `Ok(None)` when it names no role of its own
/// (absent, empty, or the service-linked role), `Ok(Some(role))` when ECS would use that role.
pub fn check(raw: &Value, facts: &ServiceFacts, iam: &Roles) -> Result<Option<String>, String> {
    let role = match raw.get("role") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim(),
        Some(_) => return Err("role: must be a string, the role's name or ARN".to_string()),
    };
    if is_service_linked_role(role) {
        return Ok(None);
    }
    if facts.target_groups.is_empty() {
        return Err(format!(
            "role: only permitted with a load balancer; give loadBalancers too, or leave role out (ECS uses its service-linked role) ({role})"
        ));
    }
    let needs_linked = [
        (
            facts.awsvpc,
            "the task definition uses the awsvpc network mode",
        ),
        (
            facts.service_discovery,
            "the service uses service discovery",
        ),
        (
            facts.external,
            "the service has an EXTERNAL deployment controller",
        ),
        (
            facts.target_groups.len() > 1,
            "the service has more than one target group",
        ),
    ];
    if let Some((_, why)) = needs_linked.iter().find(|(applies, _)| *applies) {
        return Err(format!(
            "role: InvalidParameterException: {NEEDS_SERVICE_LINKED_ROLE} ({why}: leave role out)"
        ));
    }
    if iam.enabled {
        let group = facts.target_groups[0];
        let (actions, unusable) = if facts.classic {
            (CLASSIC_ACTIONS, super::classic::LISTENERS_UNVALIDATED)
        } else {
            (TARGET_GROUP_ACTIONS, UNUSABLE_ROLE)
        };
        let why = if !iam.assumable(role, ECS_PRINCIPAL) {
            Some(match iam.find(role) {
                None => format!("role {} is not in iamRoles", crate::iam::role_name(role)),
                Some(_) => format!("its trust policy does not let {ECS_PRINCIPAL} assume it"),
            })
        } else {
            actions
                .iter()
                .find_map(|action| iam.check(Some(role), action, group).denial())
        };
        if let Some(why) = why {
            return Err(format!(
                "role: InvalidParameterException: {unusable} ({why})"
            ));
        }
    }
    Ok(Some(role.to_string()))
}

/// DescribeServices' `roleArn` of a service with request `raw`: the ARN of its `role`, or of
/// the service-linked role when it has a load balancer and no role of its own; `None` without
/// a load balancer [unconfirmed: AWS's output shows the service-linked role there].
pub fn role_arn(raw: &Value, has_load_balancer: bool) -> Option<String> {
    let own = raw
        .get("role")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty() && !is_service_linked_role(r));
    match own {
        Some(arn) if arn.starts_with("arn:") => Some(arn.to_string()),
        // A name, with its path when it has one ("/foo/bar", "service-role/ecs").
        Some(name) => Some(format!(
            "arn:aws:iam::{ACCOUNT}:role/{}",
            name.trim_start_matches('/')
        )),
        None => has_load_balancer.then(|| {
            format!(
                "arn:aws:iam::{ACCOUNT}:role/aws-service-role/{ECS_PRINCIPAL}/AWSServiceRoleForECS"
            )
        }),
    }
}

/// The playground's account.
const ACCOUNT: &str = "123456789012";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roles(v: Value) -> Roles {
        let mut warnings = Vec::new();
        Roles::parse(v.as_array().unwrap(), &mut warnings).unwrap()
    }

    fn facts<'a>(groups: &'a [&'a str]) -> ServiceFacts<'a> {
        ServiceFacts {
            awsvpc: false,
            target_groups: groups,
            service_discovery: false,
            external: false,
            classic: false,
        }
    }

    const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123";

    #[test]
    fn a_role_needs_a_load_balancer_and_no_service_linked_role_feature() {
        let off = roles(json!([]));
        let raw = json!({"role": "ecsServiceRole"});
        assert_eq!(
            check(&raw, &facts(&[TG]), &off),
            Ok(Some("ecsServiceRole".to_string()))
        );
        let e = check(&raw, &facts(&[]), &off).unwrap_err();
        assert!(
            e.starts_with("role: only permitted with a load balancer"),
            "{e}"
        );
        for (f, why) in [
            (
                ServiceFacts {
                    awsvpc: true,
                    ..facts(&[TG])
                },
                "awsvpc",
            ),
            (
                ServiceFacts {
                    service_discovery: true,
                    ..facts(&[TG])
                },
                "service discovery",
            ),
            (
                ServiceFacts {
                    external: true,
                    ..facts(&[TG])
                },
                "EXTERNAL",
            ),
            (facts(&[TG, TG]), "more than one target group"),
        ] {
            let e = check(&raw, &f, &off).unwrap_err();
            assert!(
                e.contains(NEEDS_SERVICE_LINKED_ROLE) && e.contains(why),
                "{e}"
            );
        }
        // The service-linked role itself, or nothing, is no role of the service's own.
        for raw in [
            json!({"role": "arn:aws:iam::1:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"}),
            json!({"role": ""}),
            json!({}),
        ] {
            assert_eq!(check(&raw, &facts(&[]), &off), Ok(None));
        }
        assert!(check(&json!({"role": 7}), &facts(&[TG]), &off)
            .unwrap_err()
            .starts_with("role: must be a string"));
    }

    #[test]
    fn with_iam_the_role_must_be_assumable_by_ecs_and_allowed_on_the_target_group() {
        let iam = roles(json!([
            {"RoleName": "ecsServiceRole",
             "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
             "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole"]},
            {"RoleName": "tasks",
             "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
             "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole"]},
            {"RoleName": "bare",
             "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}
        ]));
        assert!(check(&json!({"role": "ecsServiceRole"}), &facts(&[TG]), &iam).is_ok());
        for (role, why) in [
            ("missing", "not in iamRoles"),
            ("tasks", "trust policy"),
            ("bare", "elasticloadbalancing:RegisterTargets"),
        ] {
            let e = check(&json!({"role": role}), &facts(&[TG]), &iam).unwrap_err();
            assert!(e.contains(UNUSABLE_ROLE) && e.contains(why), "{role}: {e}");
        }
    }

    #[test]
    fn describe_services_shows_the_role_arn() {
        assert_eq!(
            role_arn(&json!({"role": "ecsServiceRole"}), true).as_deref(),
            Some("arn:aws:iam::123456789012:role/ecsServiceRole")
        );
        assert_eq!(
            role_arn(&json!({}), true).as_deref(),
            Some("arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
        );
        assert_eq!(role_arn(&json!({}), false), None);
        // API-CS: "if a role with the name bar has a path of /foo/ then you would specify
        // /foo/bar as the role name".
        assert_eq!(
            role_arn(&json!({"role": "/foo/bar"}), true).as_deref(),
            Some("arn:aws:iam::123456789012:role/foo/bar")
        );
    }
}
