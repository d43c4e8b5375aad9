//! IAM, simply (1.6, 10.4): roles as named sets of allowed actions on resources.
//!
//! `iamRoles[]` holds roles in the shape of CloudFormation's `AWS::IAM::Role` properties:
//! `RoleName`, `ManagedPolicyArns` (the AWS managed policies ECS users attach, with their
//! actions in [`MANAGED_POLICIES`]) and inline `Policies` (`PolicyName`, `PolicyDocument` with
//! `Statement`s of `Effect`, `Action`, `Resource`). A request is allowed when a statement
//! allows it and none denies it; `*` and `?` match as in IAM; `Condition`s are not evaluated
//! (reported as a warning).
//!
//! IAM is opt-in: a scenario without `iamRoles` allows everything, so scenarios about
//! placement or scaling need not spell out roles. With roles, the instance profile, the task
//! execution role and the task role are checked where AWS checks them, and each mistake
//! produces the failure of 10.4.

use serde_json::Value;

/// AWS managed policies the playground knows, with the actions they allow (on `*`).
pub const MANAGED_POLICIES: &[(&str, &[&str])] = &[
    // The infrastructure role's policy for EBS volumes attached to tasks (crate::ebs_volume).
    (
        "AmazonECSInfrastructureRolePolicyForVolumes",
        &[
            "ec2:AttachVolume",
            "ec2:CreateVolume",
            "ec2:CreateTags",
            "ec2:DescribeInstances",
            "ec2:DescribeAvailabilityZones",
            "ec2:DescribeVolumes",
            "ec2:DescribeSnapshots",
            "ec2:DetachVolume",
            "ec2:DeleteVolume",
        ],
    ),
    (
        "AmazonECSTaskExecutionRolePolicy",
        &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
    ),
    (
        "AmazonEC2ContainerServiceforEC2Role",
        &[
            "ec2:DescribeTags",
            "ecs:CreateCluster",
            "ecs:DeregisterContainerInstance",
            "ecs:DiscoverPollEndpoint",
            "ecs:Poll",
            "ecs:RegisterContainerInstance",
            "ecs:StartTelemetrySession",
            "ecs:UpdateContainerInstancesState",
            "ecs:Submit*",
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
    ),
    // The role a service's `role` names, from before the service-linked role
    // (crate::load_balancer::service_role).
    (
        "AmazonEC2ContainerServiceRole",
        &[
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:Describe*",
            "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:Describe*",
            "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
            "elasticloadbalancing:RegisterTargets",
        ],
    ),
    // Amazon ECS Managed Instances (crate::capacity_provider::managed_instances): the
    // infrastructure role's and the instance profile role's policies.
    (
        "AmazonECSInfrastructureRolePolicyForManagedInstances",
        &[
            "ec2:CreateFleet",
            "ec2:RunInstances",
            "ec2:CreateLaunchTemplate",
            "ec2:CreateTags",
            "ec2:TerminateInstances",
            "ec2:Describe*",
            "iam:PassRole",
        ],
    ),
    (
        "AmazonECSInstanceRolePolicyForManagedInstances",
        &[
            "ecs:RegisterContainerInstance",
            "ecs:DeregisterContainerInstance",
            "ecs:DiscoverPollEndpoint",
            "ecs:Poll",
            "ecs:StartTelemetrySession",
            "ecs:Submit*",
        ],
    ),
    (
        "AmazonEC2ContainerRegistryReadOnly",
        &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:GetRepositoryPolicy",
            "ecr:DescribeRepositories",
            "ecr:ListImages",
            "ecr:DescribeImages",
            "ecr:BatchGetImage",
        ],
    ),
    ("AmazonS3ReadOnlyAccess", &["s3:Get*", "s3:List*"]),
    ("AmazonS3FullAccess", &["s3:*"]),
    ("AmazonDynamoDBFullAccess", &["dynamodb:*"]),
    (
        "AmazonDynamoDBReadOnlyAccess",
        &[
            "dynamodb:BatchGetItem",
            "dynamodb:Describe*",
            "dynamodb:List*",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
        ],
    ),
    ("AmazonSQSFullAccess", &["sqs:*"]),
    ("AmazonSNSFullAccess", &["sns:*"]),
    ("CloudWatchLogsFullAccess", &["logs:*"]),
    ("SecretsManagerReadWrite", &["secretsmanager:*"]),
    (
        "AmazonSSMReadOnlyAccess",
        &["ssm:Describe*", "ssm:Get*", "ssm:List*"],
    ),
    (
        "AmazonElasticFileSystemClientReadWriteAccess",
        &[
            "elasticfilesystem:ClientMount",
            "elasticfilesystem:ClientWrite",
            "elasticfilesystem:DescribeMountTargets",
        ],
    ),
];

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `Allow` (true) or `Deny`.
    pub allow: bool,
    /// Action patterns, e.g. `s3:Get*`.
    pub actions: Vec<String>,
    /// Resource patterns, e.g. `arn:aws:s3:::uploads/*`.
    pub resources: Vec<String>,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// `RoleName`.
    pub name: String,
    /// Every statement of its managed and inline policies.
    pub statements: Vec<Statement>,
    /// Names of its managed policies (for display).
    pub managed: Vec<String>,
    /// The services its trust policy (`AssumeRolePolicyDocument`) lets assume it, such as
    /// `ecs-tasks.amazonaws.com`; `None` when the scenario gives no trust policy (the playground
    /// then takes the role to trust the services that use it [choice]).
    pub trusted_services: Option<Vec<String>>,
}

/// The service principal that assumes task roles and task execution roles (1.6).
pub const ECS_TASKS_PRINCIPAL: &str = "ecs-tasks.amazonaws.com";

/// The error of a task whose role ECS cannot assume (10.4) [observed wording].
pub fn unassumable_role_error(role: &str) -> String {
    format!(
        "ECS was unable to assume the role '{role}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
    )
}

/// A policy document given as JSON or, as the CLI takes it, as a JSON string.
fn policy_document(doc: &Value, path: &str) -> Result<Value, String> {
    match doc {
        Value::String(s) => serde_json::from_str(s).map_err(|e| format!("{path}: not JSON ({e})")),
        other => Ok(other.clone()),
    }
}

/// The service principals an `AssumeRolePolicyDocument` allows.
fn trusted_services(doc: &Value, path: &str) -> Result<Vec<String>, String> {
    let doc = policy_document(doc, path)?;
    let list = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err(format!("{path}.Statement: required")),
    };
    let mut services = Vec::new();
    for st in list
        .iter()
        .filter(|st| st.get("Effect").and_then(Value::as_str) == Some("Allow"))
    {
        services.extend(strings(st.pointer("/Principal/Service")));
    }
    Ok(services)
}

/// The answer to "may this role do that?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Allowed (or IAM is not simulated in this scenario).
    Allowed,
    /// No statement allows it, or one denies it.
    Denied(String),
    /// The role is not in the scenario, or none was given.
    NoRole(String),
}

impl Access {
    /// Whether the call goes through.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Access::Allowed)
    }

    /// Why the call is refused, or `None` when it goes through.
    pub fn denial(self) -> Option<String> {
        match self {
            Access::Allowed => None,
            Access::Denied(why) | Access::NoRole(why) => Some(why),
        }
    }
}

/// The roles of a scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// The roles, in order.
    pub roles: Vec<Role>,
    /// Whether the scenario declared any (IAM is simulated only then).
    pub enabled: bool,
}

/// The role name of an ARN (`arn:aws:iam::123456789012:role/path/Name`), an instance profile
/// ARN (same-named role, as the console creates them) or a bare name.
pub fn role_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// Whether `pattern` (with `*` and `?`) matches `text`; `case_insensitive` for actions.
pub fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let norm = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.to_ascii_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (norm(pattern), norm(text));
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

impl Roles {
    /// Parses `iamRoles[]`; warnings (conditions not evaluated, ...) go to `warnings`.
    pub fn parse(items: &[Value], warnings: &mut Vec<(String, String)>) -> Result<Roles, String> {
        let mut roles: Vec<Role> = Vec::new();
        for (i, v) in items.iter().enumerate() {
            let path = format!("iamRoles[{i}]");
            let name = v
                .get("RoleName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| format!("{path}.RoleName: required"))?
                .to_string();
            if roles.iter().any(|r| r.name == name) {
                return Err(format!(
                    "{path}.RoleName: a role named {name} already exists"
                ));
            }
            let mut statements = Vec::new();
            let mut managed = Vec::new();
            for (j, arn) in strings(v.get("ManagedPolicyArns")).iter().enumerate() {
                let short = arn.rsplit('/').next().unwrap_or(arn);
                let (_, actions) = MANAGED_POLICIES
                    .iter()
                    .find(|(n, _)| *n == short)
                    .ok_or_else(|| {
                        format!(
                            "{path}.ManagedPolicyArns[{j}]: the playground does not know {short}; write its statements as an inline policy (Policies[])"
                        )
                    })?;
                managed.push(short.to_string());
                statements.push(Statement {
                    allow: true,
                    actions: actions.iter().map(|a| a.to_string()).collect(),
                    resources: vec!["*".to_string()],
                });
            }
            for (j, p) in v
                .get("Policies")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let doc = p
                    .get("PolicyDocument")
                    .ok_or_else(|| format!("{path}.Policies[{j}].PolicyDocument: required"))?;
                let doc = policy_document(doc, &format!("{path}.Policies[{j}].PolicyDocument"))?;
                let list = match doc.get("Statement") {
                    Some(Value::Array(a)) => a.clone(),
                    Some(one @ Value::Object(_)) => vec![one.clone()],
                    _ => {
                        return Err(format!(
                            "{path}.Policies[{j}].PolicyDocument.Statement: required"
                        ))
                    }
                };
                for (k, st) in list.iter().enumerate() {
                    let at = format!("{path}.Policies[{j}].PolicyDocument.Statement[{k}]");
                    let allow = match st.get("Effect").and_then(Value::as_str) {
                        Some("Allow") => true,
                        Some("Deny") => false,
                        other => {
                            return Err(format!("{at}.Effect: {other:?} is not Allow or Deny"))
                        }
                    };
                    let actions = strings(st.get("Action"));
                    if actions.is_empty() {
                        return Err(format!(
                            "{at}.Action: required (NotAction is not simulated)"
                        ));
                    }
                    let resources = strings(st.get("Resource"));
                    if resources.is_empty() {
                        return Err(format!("{at}.Resource: required"));
                    }
                    if st.get("Condition").is_some() {
                        warnings.push((
                            format!("{at}.Condition"),
                            "kept but not evaluated: the statement applies unconditionally"
                                .to_string(),
                        ));
                    }
                    statements.push(Statement {
                        allow,
                        actions,
                        resources,
                    });
                }
            }
            let trusted_services = v
                .get("AssumeRolePolicyDocument")
                .map(|d| trusted_services(d, &format!("{path}.AssumeRolePolicyDocument")))
                .transpose()?;
            roles.push(Role {
                name,
                statements,
                managed,
                trusted_services,
            });
        }
        Ok(Roles {
            enabled: !roles.is_empty(),
            roles,
        })
    }

    /// The role named by `reference` (ARN or name).
    pub fn find(&self, reference: &str) -> Option<&Role> {
        let name = role_name(reference);
        self.roles.iter().find(|r| r.name == name)
    }

    /// Whether `service` may assume the role `reference` (its trust policy, 1.6): always
    /// when IAM is not simulated; never when the role is not in the scenario.
    pub fn assumable(&self, reference: &str, service: &str) -> bool {
        if !self.enabled {
            return true;
        }
        self.find(reference).is_some_and(|r| {
            r.trusted_services
                .as_ref()
                .is_none_or(|list| list.iter().any(|s| s == service))
        })
    }

    /// May the role `reference` (none: `None`) call `action` on `resource`?
    pub fn check(&self, reference: Option<&str>, action: &str, resource: &str) -> Access {
        if !self.enabled {
            return Access::Allowed;
        }
        let Some(reference) = reference else {
            return Access::NoRole(format!("no role to call {action}"));
        };
        let Some(role) = self.find(reference) else {
            return Access::NoRole(format!("role {} is not in iamRoles", role_name(reference)));
        };
        let matches = |s: &Statement| {
            s.actions.iter().any(|a| glob(a, action, true))
                && s.resources.iter().any(|r| glob(r, resource, false))
        };
        if role.statements.iter().any(|s| !s.allow && matches(s)) {
            return Access::Denied(format!(
                "{} is not authorized to perform: {action} on resource: {resource} with an explicit deny",
                role.name
            ));
        }
        if role.statements.iter().any(|s| s.allow && matches(s)) {
            Access::Allowed
        } else {
            Access::Denied(format!(
                "{} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
                role.name
            ))
        }
    }
}

impl crate::sim::Simulation {
    /// The role the agent acts with for task `t` when it pulls from ECR and writes `awslogs`
    /// (1.6): the task execution role; on EC2 without one, the instance profile's role.
    pub(crate) fn agent_role(&self, t: usize) -> Option<&str> {
        let task = &self.tasks[t];
        let execution = task.td.input.execution_role_arn.as_deref();
        let host = &self.cluster.instances[task.reservation.slot];
        if host.fargate {
            execution
        } else {
            execution.or(host.instance_profile.as_deref())
        }
    }

    /// The first of the task definition's roles (task role, then execution role) that ECS
    /// cannot assume (10.4), worded as ECS reports it; `None` when both can be assumed.
    pub(crate) fn unassumable_task_role(
        &self,
        td: &crate::task_definition::ValidTaskDefinition,
    ) -> Option<String> {
        [&td.input.task_role_arn, &td.input.execution_role_arn]
            .into_iter()
            .flatten()
            .find(|r| !self.scenario.iam.assumable(r, ECS_TASKS_PRINCIPAL))
            .map(|r| unassumable_role_error(r))
    }

    /// Whether task `t` runs on Fargate (its own host record).
    pub(crate) fn on_fargate(&self, t: usize) -> bool {
        self.cluster.instances[self.tasks[t].reservation.slot].fargate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs_match_as_iam_does() {
        assert!(glob("s3:Get*", "s3:GetObject", true));
        assert!(glob("S3:get*", "s3:GetObject", true));
        assert!(!glob("s3:Get*", "s3:PutObject", true));
        assert!(glob(
            "arn:aws:s3:::uploads/*",
            "arn:aws:s3:::uploads/a/b.csv",
            false
        ));
        assert!(!glob(
            "arn:aws:s3:::uploads/*",
            "arn:aws:s3:::other/a",
            false
        ));
        assert!(glob("ecs:Submit*", "ecs:SubmitTaskStateChange", true));
        assert!(glob("a?c", "abc", false) && !glob("a?c", "ac", false));
    }

    #[test]
    fn roles_allow_deny_and_name_the_field() {
        let mut w = Vec::new();
        let roles = Roles::parse(
            &[json!({"RoleName": "app", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                "Policies": [{"PolicyName": "ddb", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/results"},
                    {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}]}}]})],
            &mut w,
        )
        .unwrap();
        let app = Some("arn:aws:iam::123456789012:role/app");
        assert!(roles
            .check(app, "s3:GetObject", "arn:aws:s3:::uploads/x")
            .is_allowed());
        assert!(!roles
            .check(app, "s3:GetObject", "arn:aws:s3:::secret/x")
            .is_allowed());
        assert!(roles
            .check(
                app,
                "dynamodb:PutItem",
                "arn:aws:dynamodb:us-east-1:123456789012:table/results"
            )
            .is_allowed());
        assert!(matches!(
            roles.check(
                app,
                "sqs:SendMessage",
                "arn:aws:sqs:us-east-1:123456789012:q"
            ),
            Access::Denied(_)
        ));
        assert!(matches!(
            roles.check(None, "s3:GetObject", "x"),
            Access::NoRole(_)
        ));
        assert!(
            Roles::default()
                .check(None, "anything:At", "all")
                .is_allowed(),
            "IAM off"
        );
        let e = Roles::parse(
            &[json!({"RoleName": "x", "ManagedPolicyArns": ["arn:aws:iam::aws:policy/MadeUp"]})],
            &mut w,
        )
        .unwrap_err();
        assert!(e.starts_with("iamRoles[0].ManagedPolicyArns[0]"), "{e}");
    }

    #[test]
    fn trust_policies_say_who_may_assume_the_role_1_6() {
        let mut w = Vec::new();
        let roles = Roles::parse(
            &[
                json!({"RoleName": "task", "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                    "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole"}]}}),
                json!({"RoleName": "instance", "AssumeRolePolicyDocument":
                    "{\"Statement\": {\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}}}"}),
                json!({"RoleName": "open"}),
            ],
            &mut w,
        )
        .unwrap();
        assert!(roles.assumable("arn:aws:iam::123456789012:role/task", ECS_TASKS_PRINCIPAL));
        assert!(!roles.assumable("instance", ECS_TASKS_PRINCIPAL));
        assert!(
            roles.assumable("open", ECS_TASKS_PRINCIPAL),
            "no trust policy given"
        );
        assert!(!roles.assumable("nobody", ECS_TASKS_PRINCIPAL));
        assert!(
            Roles::default().assumable("nobody", ECS_TASKS_PRINCIPAL),
            "IAM off"
        );
        let e = Roles::parse(
            &[json!({"RoleName": "x", "AssumeRolePolicyDocument": {"Version": "2012-10-17"}})],
            &mut w,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "iamRoles[0].AssumeRolePolicyDocument.Statement: required"
        );
    }
}
