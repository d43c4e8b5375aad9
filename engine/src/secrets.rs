//! Secrets and configuration (1.6, 1.7, 10.4): SSM parameters, Secrets Manager secrets and
//! environment files, fetched by the agent with the task execution role before the
//! containers start.
//!
//! `parameters[]` holds PutParameter requests (`Name`, `Value`, `Type`) and `secrets[]`
//! CreateSecret requests (`Name`, `SecretString` or `SecretBinary`, `ClientRequestToken`).
//! A container's `secrets[].valueFrom`, `logConfiguration.secretOptions[].valueFrom` and
//! `repositoryCredentials.credentialsParameter` name an SSM parameter (ARN, or name in the
//! same Region) or a Secrets Manager secret (ARN, with the optional
//! `:json-key:version-stage:version-id` suffixes of 1.7).
//!
//! When the scenario declares any parameter or secret, every reference must resolve; the
//! execution role (on every launch type, 1.6 c) needs `ssm:GetParameters` and
//! `secretsmanager:GetSecretValue` when IAM is simulated (`kms:Decrypt` is not modelled). A
//! failure stops the task before it starts (`TaskFailedToStart`): on Fargate a
//! `ResourceInitializationError` naming the secret, on EC2 the agent's
//! `Fetching secret data from ...` error. Values are injected **once, when the container
//! starts**: a later change reaches only new tasks (a forced new deployment), 1.7.

use serde_json::Value;

use crate::registry::{ACCOUNT, REGION};
use crate::sim::Simulation;

/// An SSM parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// `Name` (`db-password` or `/app/db-password`).
    pub name: String,
    /// `Type`: String, StringList or SecureString.
    pub kind: String,
    /// Its ARN.
    pub arn: String,
}

/// A Secrets Manager secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// `Name`.
    pub name: String,
    /// Its ARN, with the six-character suffix Secrets Manager adds.
    pub arn: String,
    /// `SecretString`, if given (`None`: a `SecretBinary`).
    pub secret_string: Option<String>,
    /// `ClientRequestToken`, the version id (a derived one when absent).
    pub version_id: String,
}

/// The scenario's parameters and secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretStore {
    /// SSM parameters.
    pub parameters: Vec<Parameter>,
    /// Secrets Manager secrets.
    pub secrets: Vec<Secret>,
}

/// Where a `valueFrom` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An SSM parameter, by name.
    Parameter(String),
    /// A Secrets Manager secret: name (with or without its suffix) and the optional parts.
    Secret {
        /// The name part of the ARN.
        name: String,
        /// `json-key`.
        json_key: Option<String>,
        /// `version-stage`.
        version_stage: Option<String>,
        /// `version-id`.
        version_id: Option<String>,
    },
}

/// Splits a `valueFrom` (1.7).
pub fn parse_value_from(value_from: &str) -> Result<SecretRef, String> {
    if let Some(rest) = value_from.strip_prefix("arn:aws:secretsmanager:") {
        let parts: Vec<&str> = rest.split(':').collect();
        // region, account, "secret", name, [json-key, version-stage, version-id]
        if parts.len() < 4 || parts[2] != "secret" || parts[3].is_empty() || parts.len() > 7 {
            return Err(format!("{value_from} is not a Secrets Manager secret ARN"));
        }
        let part = |i: usize| {
            parts
                .get(i)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string())
        };
        return Ok(SecretRef::Secret {
            name: parts[3].to_string(),
            json_key: part(4),
            version_stage: part(5),
            version_id: part(6),
        });
    }
    if let Some(rest) = value_from.strip_prefix("arn:aws:ssm:") {
        return match rest.split_once(":parameter") {
            Some((_, name)) if name.len() > 1 => Ok(SecretRef::Parameter(name.to_string())),
            _ => Err(format!("{value_from} is not an SSM parameter ARN")),
        };
    }
    if value_from.starts_with("arn:") {
        return Err(format!(
            "{value_from} is neither an SSM parameter nor a Secrets Manager secret"
        ));
    }
    Ok(SecretRef::Parameter(value_from.to_string()))
}

/// A parameter's name without the leading `/` that hierarchical names carry (the ARN drops it).
fn bare(name: &str) -> &str {
    name.trim_start_matches('/')
}

fn required(v: &Value, path: &str, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| format!("{path}.{key}: required"))
}

impl SecretStore {
    /// Parses `parameters[]` and `secrets[]`.
    pub fn parse(parameters: &[Value], secrets: &[Value]) -> Result<SecretStore, String> {
        let mut store = SecretStore::default();
        for (i, v) in parameters.iter().enumerate() {
            let path = format!("parameters[{i}]");
            let name = required(v, &path, "Name")?;
            if name.contains('/') && !name.starts_with('/') {
                return Err(format!(
                    "{path}.Name: a hierarchical name starts with / (\"/{name}\")"
                ));
            }
            required(v, &path, "Value")?;
            let kind = v.get("Type").and_then(Value::as_str).unwrap_or("String");
            if !["String", "StringList", "SecureString"].contains(&kind) {
                return Err(format!(
                    "{path}.Type: {kind} is not String, StringList or SecureString"
                ));
            }
            if store
                .parameters
                .iter()
                .any(|p| bare(&p.name) == bare(&name))
            {
                return Err(format!(
                    "{path}.Name: a parameter named {name} already exists"
                ));
            }
            store.parameters.push(Parameter {
                arn: format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{}", bare(&name)),
                name,
                kind: kind.to_string(),
            });
        }
        for (i, v) in secrets.iter().enumerate() {
            let path = format!("secrets[{i}]");
            let name = required(v, &path, "Name")?;
            if name.contains(':') {
                return Err(format!("{path}.Name: a secret name cannot contain ':'"));
            }
            let secret_string = v
                .get("SecretString")
                .and_then(Value::as_str)
                .map(str::to_string);
            if secret_string.is_none() && v.get("SecretBinary").is_none() {
                return Err(format!("{path}.SecretString: required (or SecretBinary)"));
            }
            if store.secrets.iter().any(|s| s.name == name) {
                return Err(format!("{path}.Name: a secret named {name} already exists"));
            }
            use sha2::Digest;
            let digest = sha2::Sha256::digest(name.as_bytes());
            const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            let suffix: String = digest[..6]
                .iter()
                .map(|b| ALNUM[*b as usize % ALNUM.len()] as char)
                .collect();
            store.secrets.push(Secret {
                arn: format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-{suffix}"),
                version_id: v
                    .get("ClientRequestToken")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{suffix}-v1")),
                name,
                secret_string,
            });
        }
        Ok(store)
    }

    /// Whether the scenario declares any (references are checked only then).
    pub fn is_declared(&self) -> bool {
        !self.parameters.is_empty() || !self.secrets.is_empty()
    }

    fn secret(&self, name_part: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| {
            s.name == name_part
                || name_part
                    .strip_prefix(s.name.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|suffix| suffix.len() == 6)
        })
    }
}

/// Which service a failure came from, for the wording.
#[derive(Clone, Copy)]
enum Source {
    Ssm,
    SecretsManager,
}

/// The `stoppedReason` of a secret that could not be fetched (10.4).
fn fetch_error(fargate: bool, source: Source, value_from: &str, detail: &str) -> String {
    match (fargate, source) {
        (true, Source::Ssm) => format!("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): {detail}"),
        (true, Source::SecretsManager) => format!("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret {value_from} from secrets manager: {detail}"),
        (false, Source::Ssm) => format!("Fetching secret data from SSM Parameter Store in {REGION}: {detail}"),
        (false, Source::SecretsManager) => format!("Fetching secret data from AWS Secrets Manager in region {REGION}: secret {value_from}: {detail}"),
    }
}

/// Why the secret `value_from` cannot be fetched with `check` (IAM: action, resource →
/// refusal), or `None` when it can. `fargate` picks the wording.
pub fn secret_failure(
    store: &SecretStore,
    value_from: &str,
    fargate: bool,
    check: &dyn Fn(&str, &str) -> Option<String>,
) -> Option<String> {
    let reference = match parse_value_from(value_from) {
        Ok(r) => r,
        Err(e) => {
            return Some(fetch_error(
                fargate,
                Source::Ssm,
                value_from,
                &format!("invalid parameters: {e}"),
            ))
        }
    };
    match reference {
        SecretRef::Parameter(name) => {
            let arn = store
                .parameters
                .iter()
                .find(|p| bare(&p.name) == bare(&name))
                .map(|p| p.arn.clone())
                .unwrap_or_else(|| {
                    format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{}", bare(&name))
                });
            if let Some(why) = check("ssm:GetParameters", &arn) {
                return Some(fetch_error(
                    fargate,
                    Source::Ssm,
                    value_from,
                    &format!("AccessDeniedException: {why}"),
                ));
            }
            let known = store
                .parameters
                .iter()
                .any(|p| bare(&p.name) == bare(&name));
            if store.is_declared() && !known {
                let detail = if fargate {
                    format!("invalid ssm parameters: {name}")
                } else {
                    format!("invalid parameters: {name}")
                };
                return Some(fetch_error(fargate, Source::Ssm, value_from, &detail));
            }
            None
        }
        SecretRef::Secret {
            name,
            json_key,
            version_stage,
            version_id,
        } => {
            let secret = store.secret(&name);
            let arn = secret.map(|s| s.arn.clone()).unwrap_or_else(|| {
                format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}")
            });
            if let Some(why) = check("secretsmanager:GetSecretValue", &arn) {
                return Some(fetch_error(
                    fargate,
                    Source::SecretsManager,
                    value_from,
                    &format!("AccessDeniedException: {why}"),
                ));
            }
            if !store.is_declared() {
                return None;
            }
            let not_found =
                "ResourceNotFoundException: Secrets Manager can't find the specified secret.";
            let Some(secret) = secret else {
                return Some(fetch_error(
                    fargate,
                    Source::SecretsManager,
                    value_from,
                    not_found,
                ));
            };
            // Only the current version exists: rotation is not modelled.
            let stage_ok = version_stage.as_deref().is_none_or(|s| s == "AWSCURRENT");
            let id_ok = version_id.as_deref().is_none_or(|v| v == secret.version_id);
            if !stage_ok || !id_ok {
                return Some(fetch_error(fargate, Source::SecretsManager, value_from, "ResourceNotFoundException: Secrets Manager can't find the specified secret value for VersionId or VersionStage."));
            }
            let key = json_key?;
            let has_key = secret
                .secret_string
                .as_deref()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
                .is_some_and(|v| v.get(&key).is_some());
            if has_key {
                None
            } else if fargate {
                Some(format!("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key {key}"))
            } else {
                Some(fetch_error(
                    fargate,
                    Source::SecretsManager,
                    value_from,
                    &format!(
                        "retrieved secret from Secrets Manager did not contain json key {key}"
                    ),
                ))
            }
        }
    }
}

/// Why the environment file `value` (an S3 object ARN) cannot be downloaded, or `None`.
/// `object_exists(bucket, key)` answers `None` when S3 is not modelled (the object is assumed
/// to exist); `check` is the execution role's IAM check. The wording is [unconfirmed].
pub fn environment_file_failure(
    value: &str,
    check: &dyn Fn(&str, &str) -> Option<String>,
    object_exists: &dyn Fn(&str, &str) -> Option<bool>,
) -> Option<String> {
    let prefix = "ResourceInitializationError: failed to download env files";
    let Some((bucket, key)) = value
        .strip_prefix("arn:aws:s3:::")
        .and_then(|p| p.split_once('/'))
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
    else {
        return Some(format!(
            "{prefix}: {value} is not an S3 object ARN (arn:aws:s3:::bucket/key.env)"
        ));
    };
    if !key.ends_with(".env") {
        return Some(format!(
            "{prefix}: {value}: an environment file must have the .env extension"
        ));
    }
    for (action, resource) in [
        ("s3:GetObject", value.to_string()),
        ("s3:GetBucketLocation", format!("arn:aws:s3:::{bucket}")),
    ] {
        if let Some(why) = check(action, &resource) {
            return Some(format!("{prefix}: file redirect: AccessDenied: {why}"));
        }
    }
    if object_exists(bucket, key) == Some(false) {
        return Some(format!(
            "{prefix}: file redirect: NoSuchKey: the object s3://{bucket}/{key} does not exist"
        ));
    }
    None
}

impl Simulation {
    /// Why task `t`'s secrets or environment files cannot be fetched, if they cannot.
    pub(crate) fn secrets_failure(&self, t: usize) -> Option<String> {
        let fargate = self.on_fargate(t);
        let td = &self.tasks[t].td.input;
        let role = td.execution_role_arn.as_deref();
        let iam = &self.scenario.iam;
        let check = |action: &str, resource: &str| iam.check(role, action, resource).denial();
        // With buckets declared, the object must be there; without, S3 is not modelled.
        let buckets = &self.buckets;
        let object_exists = |bucket: &str, key: &str| {
            (!buckets.is_empty()).then(|| {
                buckets
                    .iter()
                    .any(|b| b.name == bucket && b.objects.contains_key(key))
            })
        };
        td.container_definitions.iter().find_map(|c| {
            let references = c
                .secrets
                .iter()
                .chain(
                    c.log_configuration
                        .iter()
                        .flat_map(|l| l.secret_options.iter()),
                )
                .filter_map(|s| s.value_from.as_deref())
                .chain(
                    c.repository_credentials
                        .iter()
                        .filter_map(|r| r.credentials_parameter.as_deref()),
                );
            references
                .map(|v| secret_failure(&self.scenario.secrets, v, fargate, &check))
                .chain(
                    c.environment_files
                        .iter()
                        .filter_map(|f| f.value.as_deref())
                        .map(|v| environment_file_failure(v, &check, &object_exists)),
                )
                .flatten()
                .next()
        })
    }

    /// Notes in each container's log which secrets were injected (once, at container start).
    pub(crate) fn log_secret_injection(&mut self, t: usize) {
        let notes: Vec<(String, String)> = self.tasks[t]
            .td
            .input
            .container_definitions
            .iter()
            .filter(|c| !c.secrets.is_empty())
            .map(|c| {
                let names: Vec<&str> = c.secrets.iter().filter_map(|s| s.name.as_deref()).collect();
                (
                    c.name.clone().unwrap_or_default(),
                    format!("{} secret(s) injected as environment variables at container start: {} (fixed for this container's life; a change needs a new task)", names.len(), names.join(", ")),
                )
            })
            .collect();
        for (container, line) in notes {
            self.app_log(t, Some(&container), &line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> SecretStore {
        SecretStore::parse(
            &[json!({"Name": "/app/db-host", "Value": "db.internal", "Type": "String"})],
            &[json!({"Name": "prod/db", "SecretString": "{\"username\": \"app\", \"password\": \"x\"}"})],
        )
        .unwrap()
    }

    const ALLOW: &dyn Fn(&str, &str) -> Option<String> = &|_, _| None;

    #[test]
    fn value_from_forms_of_1_7() {
        assert_eq!(
            parse_value_from("db-host"),
            Ok(SecretRef::Parameter("db-host".into()))
        );
        assert_eq!(
            parse_value_from("arn:aws:ssm:us-east-1:123456789012:parameter/app/db-host"),
            Ok(SecretRef::Parameter("/app/db-host".into()))
        );
        assert_eq!(
            parse_value_from(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:username::"
            ),
            Ok(SecretRef::Secret {
                name: "prod/db-AbCdEf".into(),
                json_key: Some("username".into()),
                version_stage: None,
                version_id: None
            })
        );
        assert!(parse_value_from("arn:aws:s3:::bucket/x").is_err());
    }

    #[test]
    fn references_resolve_or_fail_with_the_wording_of_10_4() {
        let s = store();
        let arn = s.secrets[0].arn.clone();
        for ok in [
            "/app/db-host".to_string(),
            "arn:aws:ssm:us-east-1:123456789012:parameter/app/db-host".to_string(),
            arn.clone(),
            format!("{arn}:username::"),
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db:password:AWSCURRENT:"
                .to_string(),
        ] {
            assert_eq!(secret_failure(&s, &ok, true, ALLOW), None, "{ok}");
        }
        let e = secret_failure(&s, "/app/missing", true, ALLOW).unwrap();
        assert!(
            e.starts_with("ResourceInitializationError: unable to pull secrets or registry auth")
                && e.ends_with("invalid ssm parameters: /app/missing"),
            "{e}"
        );
        let e = secret_failure(&s, "/app/missing", false, ALLOW).unwrap();
        assert_eq!(e, "Fetching secret data from SSM Parameter Store in us-east-1: invalid parameters: /app/missing");
        let e = secret_failure(&s, &format!("{arn}:token::"), true, ALLOW).unwrap();
        assert!(e.ends_with("did not contain json key token"), "{e}");
        let e = secret_failure(
            &s,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:other",
            false,
            ALLOW,
        )
        .unwrap();
        assert!(e.contains("ResourceNotFoundException"), "{e}");
        let deny: &dyn Fn(&str, &str) -> Option<String> =
            &|a, _| Some(format!("exec is not authorized to perform: {a}"));
        let e = secret_failure(&s, &arn, true, deny).unwrap();
        assert!(e.contains("AccessDeniedException: exec is not authorized to perform: secretsmanager:GetSecretValue"), "{e}");
        // Undeclared stores check permissions only.
        assert_eq!(
            secret_failure(&SecretStore::default(), "anything", true, ALLOW),
            None
        );
    }

    #[test]
    fn environment_files_need_an_s3_env_object_and_permission() {
        let none: &dyn Fn(&str, &str) -> Option<bool> = &|_, _| None;
        let only_a: &dyn Fn(&str, &str) -> Option<bool> = &|_, k| Some(k == "a.env");
        assert_eq!(
            environment_file_failure("arn:aws:s3:::cfg/a.env", ALLOW, only_a),
            None
        );
        assert_eq!(
            environment_file_failure("arn:aws:s3:::cfg/b.env", ALLOW, none),
            None
        );
        assert!(
            environment_file_failure("arn:aws:s3:::cfg/b.env", ALLOW, only_a)
                .unwrap()
                .contains("NoSuchKey")
        );
        assert!(
            environment_file_failure("arn:aws:s3:::cfg/a.txt", ALLOW, none)
                .unwrap()
                .contains(".env extension")
        );
        assert!(environment_file_failure("s3://cfg/a.env", ALLOW, none)
            .unwrap()
            .contains("not an S3 object ARN"));
        let deny: &dyn Fn(&str, &str) -> Option<String> = &|a, _| Some(a.to_string());
        assert!(
            environment_file_failure("arn:aws:s3:::cfg/a.env", deny, none)
                .unwrap()
                .contains("AccessDenied: s3:GetObject")
        );
    }

    #[test]
    fn bad_parameters_and_secrets_name_the_field() {
        for (p, s, want) in [
            (
                json!({"Value": "x"}),
                json!({"Name": "a", "SecretString": "x"}),
                "parameters[0].Name",
            ),
            (
                json!({"Name": "a/b", "Value": "x"}),
                json!({"Name": "a", "SecretString": "x"}),
                "parameters[0].Name",
            ),
            (
                json!({"Name": "a", "Value": "x", "Type": "Secret"}),
                json!({"Name": "a", "SecretString": "x"}),
                "parameters[0].Type",
            ),
            (
                json!({"Name": "a", "Value": "x"}),
                json!({"Name": "a"}),
                "secrets[0].SecretString",
            ),
        ] {
            let e = SecretStore::parse(&[p], &[s]).unwrap_err();
            assert!(e.starts_with(&format!("{want}: ")), "{want}: {e}");
        }
    }
}
