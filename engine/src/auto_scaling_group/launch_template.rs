//! Launch templates (CreateLaunchTemplate requests): what an Auto Scaling group launches.
//!
//! The engine reads `InstanceType`, `InstanceMarketOptions.MarketType` (`spot`) and the ECS
//! agent settings in `UserData`. User data is base64, as the EC2 API takes it; lines such as
//! `echo ECS_CLUSTER=prod >> /etc/ecs/ecs.config` or a heredoc of `ECS_...=...` lines set the
//! agent variables, so an instance launched from a template without `ECS_CLUSTER` joins
//! `default` (G41), exactly the mistake AWS users make.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;

use crate::instance_types::{self, InstanceType};
use crate::scenario::Lifecycle;

/// A checked launch template.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchTemplate {
    /// `LaunchTemplateName`.
    pub name: String,
    /// `LaunchTemplateData.InstanceType`, when given.
    pub instance_type: Option<&'static InstanceType>,
    /// On-demand, or Spot through `InstanceMarketOptions`.
    pub lifecycle: Lifecycle,
    /// `ECS_*` variables found in the user data.
    pub ecs_config: BTreeMap<String, String>,
    /// The user data script, decoded (shown in the UI).
    pub user_data: String,
    /// `IamInstanceProfile.Name` or `.Arn`.
    pub instance_profile: Option<String>,
}

impl LaunchTemplate {
    /// Whether its user data sets `ECS_WARM_POOLS_CHECK=true`: the agent waits until the
    /// instance leaves a warm pool before it registers.
    pub fn warm_pools_check(&self) -> bool {
        self.ecs_config
            .get("ECS_WARM_POOLS_CHECK")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// Parses `launchTemplates[i]` (a CreateLaunchTemplate request). `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<LaunchTemplate, String> {
        let name = v
            .get("LaunchTemplateName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{path}.LaunchTemplateName: required"))?
            .to_string();
        let data = v
            .get("LaunchTemplateData")
            .filter(|d| d.is_object())
            .ok_or_else(|| format!("{path}.LaunchTemplateData: required (an object)"))?;
        let instance_type = match data.get("InstanceType") {
            None | Some(Value::Null) => None,
            Some(t) => {
                let name = t.as_str().unwrap_or_default();
                Some(instance_types::lookup(name).ok_or_else(|| {
                    format!(
                        "{path}.LaunchTemplateData.InstanceType: unknown instance type \"{name}\""
                    )
                })?)
            }
        };
        let lifecycle = match data
            .pointer("/InstanceMarketOptions/MarketType")
            .and_then(Value::as_str)
        {
            None => Lifecycle::OnDemand,
            Some("spot") => Lifecycle::Spot,
            Some(other) => {
                return Err(format!(
                    "{path}.LaunchTemplateData.InstanceMarketOptions.MarketType: \"{other}\" is not spot"
                ))
            }
        };
        let user_data = match data.get("UserData").and_then(Value::as_str) {
            None => String::new(),
            Some(b64) => decode_user_data(b64)
                .map_err(|e| format!("{path}.LaunchTemplateData.UserData: {e}"))?,
        };
        let instance_profile = data
            .get("IamInstanceProfile")
            .and_then(|p| p.get("Name").or_else(|| p.get("Arn")))
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(LaunchTemplate {
            instance_profile,
            name,
            instance_type,
            lifecycle,
            ecs_config: ecs_config_lines(&user_data),
            user_data,
        })
    }
}

/// Decodes base64 user data (whitespace ignored, as EC2 does).
fn decode_user_data(b64: &str) -> Result<String, String> {
    let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("not base64 ({e}); EC2 takes user data base64-encoded"))?;
    String::from_utf8(bytes).map_err(|_| "the decoded user data is not UTF-8 text".to_string())
}

/// The `ECS_NAME=value` assignments of a user data script, in order (a later one wins).
pub fn ecs_config_lines(script: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in script.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("ECS_") {
            let tail = &rest[at..];
            let name_len = tail
                .bytes()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                .count();
            let after = &tail[name_len..];
            if let Some(value) = after.strip_prefix('=') {
                let value = value.trim_start_matches(['"', '\'']);
                let end = value
                    .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '>')
                    .unwrap_or(value.len());
                out.insert(tail[..name_len].to_string(), value[..end].to_string());
                rest = &value[end..];
            } else {
                rest = after;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn user_data_sets_the_agent_configuration() {
        let script = "#!/bin/bash\necho ECS_CLUSTER=prod >> /etc/ecs/ecs.config\necho 'ECS_ENABLE_SPOT_INSTANCE_DRAINING=true' >> /etc/ecs/ecs.config\n";
        let lt = LaunchTemplate::parse(
            &json!({"LaunchTemplateName": "ecs", "LaunchTemplateData": {"InstanceType": "m5.large", "UserData": b64(script)}}),
            "launchTemplates[0]",
        )
        .unwrap();
        assert_eq!(lt.ecs_config["ECS_CLUSTER"], "prod");
        assert_eq!(lt.ecs_config["ECS_ENABLE_SPOT_INSTANCE_DRAINING"], "true");
        assert_eq!(lt.instance_type.unwrap().name, "m5.large");
        let heredoc =
            "cat <<EOF >> /etc/ecs/ecs.config\nECS_CLUSTER=\"web\"\nECS_RESERVED_MEMORY=256\nEOF";
        let cfg = ecs_config_lines(heredoc);
        assert_eq!(cfg["ECS_CLUSTER"], "web");
        assert_eq!(cfg["ECS_RESERVED_MEMORY"], "256");
    }

    #[test]
    fn bad_templates_name_the_field() {
        let e = LaunchTemplate::parse(
            &json!({"LaunchTemplateName": "x", "LaunchTemplateData": {"UserData": "%%%"}}),
            "launchTemplates[1]",
        )
        .unwrap_err();
        assert!(
            e.starts_with("launchTemplates[1].LaunchTemplateData.UserData: not base64"),
            "{e}"
        );
        let e = LaunchTemplate::parse(
            &json!({"LaunchTemplateName": "x", "LaunchTemplateData": {"InstanceType": "m99.huge"}}),
            "launchTemplates[0]",
        )
        .unwrap_err();
        assert!(e.contains("InstanceType"), "{e}");
    }
}
