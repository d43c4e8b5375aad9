//! Secrets and configuration (1.7, 10.4): a parameter or secret that does not exist, or a
//! JSON key a secret lacks, stops the task before it starts with the launch type's wording;
//! values are injected once, at container start. Role mistakes are in `iam.rs`.

mod support;

use ecs_engine::task::TaskStatus;
use serde_json::{json, Value};
use support::*;

fn store() -> Value {
    json!({
        "parameters": [{"Name": "/web/db-host", "Value": "db.internal", "Type": "String"}],
        "secrets": [{"Name": "prod/db", "SecretString": "{\"username\": \"app\", \"password\": \"s3cret\"}"}]
    })
}

fn with_secrets(launch: Launch, secrets: Value) -> Value {
    scenario(
        launch,
        json!([container(
            "nginx:1.27",
            json!({"secrets": secrets, "logConfiguration": awslogs("/ecs/web")})
        )]),
        json!({}),
        store(),
    )
}

/// Parameters by name and by ARN, a secret by partial ARN with a JSON key: the task runs and
/// its log says what was injected (names, never values).
#[test]
fn resolvable_secrets_are_injected_once_at_container_start() {
    let v = with_secrets(
        Launch::Fargate,
        json!([
            {"name": "DB_HOST", "valueFrom": "/web/db-host"},
            {"name": "DB_HOST_2", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/web/db-host"},
            {"name": "DB_USER", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db:username::"}
        ]),
    );
    let mut s = sim(v);
    at(&mut s, 120);
    assert_eq!(
        first(&s).last_status,
        TaskStatus::Running,
        "{}",
        first_reason(&s)
    );
    let lines = task_lines(&s, 0);
    assert!(lines.iter().any(|l| l.starts_with("3 secret(s) injected as environment variables at container start: DB_HOST, DB_HOST_2, DB_USER")), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("s3cret")));
}

/// 10.4 on Fargate: a parameter that does not exist → ResourceInitializationError naming it.
#[test]
fn fargate_missing_parameter_is_a_resource_initialization_error() {
    let mut s = sim(with_secrets(
        Launch::Fargate,
        json!([{"name": "X", "valueFrom": "/web/missing"}]),
    ));
    at(&mut s, 120);
    let t = first(&s);
    assert_eq!(t.stop_code.as_deref(), Some("TaskFailedToStart"));
    assert!(t.started_at.is_none());
    assert_eq!(first_reason(&s), "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: /web/missing");
}

/// On EC2 the agent's own wording; a Secrets Manager secret that does not exist.
#[test]
fn ec2_missing_secret_is_the_agent_fetching_error() {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/other";
    let mut s = sim(with_secrets(
        Launch::Ec2,
        json!([{"name": "X", "valueFrom": arn}]),
    ));
    at(&mut s, 120);
    assert_eq!(first(&s).stop_code.as_deref(), Some("TaskFailedToStart"));
    assert_eq!(first_reason(&s), format!("Fetching secret data from AWS Secrets Manager in region us-east-1: secret {arn}: ResourceNotFoundException: Secrets Manager can't find the specified secret."));
}

/// A JSON key the secret does not have.
#[test]
fn missing_json_key_stops_the_task() {
    let mut s = sim(with_secrets(
        Launch::Fargate,
        json!([{"name": "TOKEN", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db:token::"}]),
    ));
    at(&mut s, 120);
    assert!(
        first_reason(&s).ends_with("did not contain json key token"),
        "{}",
        first_reason(&s)
    );
}

/// An environment file must be an S3 object ARN ending in `.env`.
#[test]
fn environment_files_must_be_env_objects_in_s3() {
    let v = scenario(
        Launch::Fargate,
        json!([container(
            "nginx:1.27",
            json!({"environmentFiles": [{"value": "arn:aws:s3:::config/web.txt", "type": "s3"}]})
        )]),
        json!({}),
        json!({}),
    );
    let mut s = sim(v);
    at(&mut s, 120);
    assert!(
        first_reason(&s).starts_with("ResourceInitializationError: failed to download env files"),
        "{}",
        first_reason(&s)
    );
}

#[test]
fn bad_secret_keys_name_the_field() {
    assert_refused(vec![
        (
            json!({"version": 1, "parameters": [{"Name": "x"}]}),
            "parameters[0].Value",
        ),
        (
            json!({"version": 1, "secrets": [{"Name": "a:b", "SecretString": "x"}]}),
            "secrets[0].Name",
        ),
    ]);
}
