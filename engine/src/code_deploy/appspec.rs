//! The AppSpec file of an Amazon ECS deployment (CodeDeploy user guide: "AppSpec 'resources'
//! section (Amazon ECS deployments)", "AppSpec 'hooks' section" and "AppSpec File example"),
//! given inline as CreateDeployment's `revision.appSpecContent.content`, in YAML or JSON.
//!
//! ```yaml
//! version: 0.0
//! Resources:
//!   - TargetService:
//!       Type: AWS::ECS::Service
//!       Properties:
//!         TaskDefinition: "arn:aws:ecs:us-east-1:111122223333:task-definition/web:2"
//!         LoadBalancerInfo:
//!           ContainerName: "web"
//!           ContainerPort: 80
//! Hooks:
//!   - AfterAllowTestTraffic: "arn:aws:lambda:us-east-1:111122223333:function:smoke"
//! ```
//!
//! `TaskDefinition`, `ContainerName` and `ContainerPort` (a number) are required.
//! `PlatformVersion`, `NetworkConfiguration.AwsvpcConfiguration` (all of `Subnets`,
//! `SecurityGroups` and `AssignPublicIp`, or none) and `CapacityProviderStrategy` are optional;
//! they are turned into the ECS API's own shape (`networkConfiguration`, ...) for the
//! replacement task set. Hooks name a Lambda function (name or ARN) at BeforeInstall,
//! AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic or AfterAllowTraffic; each runs
//! once per deployment.

use serde_json::{json, Map, Value};

use super::LifecycleEvent;

/// An AppSpec file, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct AppSpec {
    /// `Properties.TaskDefinition`: ARN or `family:revision`.
    pub task_definition: String,
    /// `LoadBalancerInfo.ContainerName`.
    pub container_name: String,
    /// `LoadBalancerInfo.ContainerPort`.
    pub container_port: u16,
    /// `PlatformVersion`, if given.
    pub platform_version: Option<String>,
    /// `NetworkConfiguration`, as ECS's `networkConfiguration` object.
    pub network_configuration: Option<Value>,
    /// `CapacityProviderStrategy`, as ECS's `capacityProviderStrategy` list.
    pub capacity_provider_strategy: Option<Value>,
    /// `Hooks`: the lifecycle event and the Lambda function it invokes, in file order.
    pub hooks: Vec<(LifecycleEvent, String)>,
}

/// Reads an AppSpec given as text: JSON when it starts with `{`, else YAML. Errors name the
/// AppSpec member (`Resources[0].TargetService.Properties.TaskDefinition`).
pub fn parse_appspec(content: &str) -> Result<AppSpec, String> {
    let doc = if content.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(content).map_err(|e| format!("not valid JSON: {e}"))?
    } else {
        yaml_to_json(content)?
    };
    AppSpec::from_value(&doc)
}

/// Parses YAML text into a JSON value (one document).
fn yaml_to_json(text: &str) -> Result<Value, String> {
    let docs =
        yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    match docs.as_slice() {
        [doc] => Ok(yaml_value(doc)),
        [] => Err("empty: an AppSpec needs version, Resources and optionally Hooks".to_string()),
        _ => Err("holds more than one YAML document".to_string()),
    }
}

fn yaml_value(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(r.clone()), Value::Number),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_value).collect()),
        Yaml::Hash(h) => {
            let mut m = Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => continue,
                };
                m.insert(key, yaml_value(v));
            }
            Value::Object(m)
        }
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Value::Null,
    }
}

impl AppSpec {
    fn from_value(doc: &Value) -> Result<AppSpec, String> {
        if !doc.is_object() {
            return Err("must be a mapping with version, Resources and Hooks".to_string());
        }
        let resources = doc
            .get("Resources")
            .and_then(Value::as_array)
            .filter(|r| !r.is_empty())
            .ok_or("Resources: required, a list with one TargetService")?;
        if resources.len() > 1 {
            return Err(format!(
                "Resources: {} entries; an Amazon ECS AppSpec names one TargetService",
                resources.len()
            ));
        }
        let (name, target) = resources[0]
            .as_object()
            .and_then(|o| o.iter().next())
            .ok_or("Resources[0]: must be a mapping such as TargetService: {Type, Properties}")?;
        let at = format!("Resources[0].{name}");
        let kind = target.get("Type").and_then(Value::as_str).unwrap_or("");
        if kind != "AWS::ECS::Service" {
            return Err(format!(
                "{at}.Type: must be AWS::ECS::Service, not \"{kind}\""
            ));
        }
        let props = target
            .get("Properties")
            .filter(|p| p.is_object())
            .ok_or_else(|| format!("{at}.Properties: required"))?;
        let at = format!("{at}.Properties");
        let text = |v: Option<&Value>, field: &str| -> Result<String, String> {
            v.and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("{at}.{field}: required, a string"))
        };
        let task_definition = text(props.get("TaskDefinition"), "TaskDefinition")?;
        let lb = props
            .get("LoadBalancerInfo")
            .ok_or_else(|| format!("{at}.LoadBalancerInfo: required"))?;
        let container_name = text(lb.get("ContainerName"), "LoadBalancerInfo.ContainerName")?;
        let container_port = lb
            .get("ContainerPort")
            .and_then(Value::as_u64)
            .filter(|p| (1..=65_535).contains(p))
            .ok_or_else(|| {
                format!("{at}.LoadBalancerInfo.ContainerPort: required, a number from 1 to 65535")
            })? as u16;
        let platform_version = match props.get("PlatformVersion").filter(|v| !v.is_null()) {
            None => None,
            Some(v) => Some(text(Some(v), "PlatformVersion")?),
        };
        let network_configuration = match props.get("NetworkConfiguration").filter(|v| !v.is_null())
        {
            None => None,
            Some(n) => Some(network(n, &format!("{at}.NetworkConfiguration"))?),
        };
        let capacity_provider_strategy = match props
            .get("CapacityProviderStrategy")
            .filter(|v| !v.is_null())
        {
            None => None,
            Some(c) => Some(capacity_strategy(
                c,
                &format!("{at}.CapacityProviderStrategy"),
            )?),
        };
        Ok(AppSpec {
            task_definition,
            container_name,
            container_port,
            platform_version,
            network_configuration,
            capacity_provider_strategy,
            hooks: hooks(doc.get("Hooks"))?,
        })
    }
}

/// `NetworkConfiguration.AwsvpcConfiguration` as ECS's `networkConfiguration`: all of its
/// settings or none, as the user guide requires.
fn network(n: &Value, at: &str) -> Result<Value, String> {
    let vpc = n
        .get("AwsvpcConfiguration")
        .filter(|v| v.is_object())
        .ok_or_else(|| format!("{at}.AwsvpcConfiguration: required"))?;
    let at = format!("{at}.AwsvpcConfiguration");
    let list = |key: &str| -> Result<Value, String> {
        vpc.get(key)
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty() && l.iter().all(Value::is_string))
            .map(|l| Value::Array(l.clone()))
            .ok_or_else(|| {
                format!("{at}.{key}: required (all or none of the settings under NetworkConfiguration), a list of IDs")
            })
    };
    let subnets = list("Subnets")?;
    let security_groups = list("SecurityGroups")?;
    let assign = vpc
        .get("AssignPublicIp")
        .and_then(Value::as_str)
        .filter(|a| ["ENABLED", "DISABLED"].contains(a))
        .ok_or_else(|| {
            format!("{at}.AssignPublicIp: required (all or none of the settings under NetworkConfiguration), ENABLED or DISABLED")
        })?;
    Ok(json!({"awsvpcConfiguration": {
        "subnets": subnets,
        "securityGroups": security_groups,
        "assignPublicIp": assign,
    }}))
}

/// `CapacityProviderStrategy` (`Base`, `CapacityProvider`, `Weight`) as ECS's list.
fn capacity_strategy(c: &Value, at: &str) -> Result<Value, String> {
    let items = c
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| format!("{at}: must be a list of {{Base, CapacityProvider, Weight}}"))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let provider = item
            .get("CapacityProvider")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}[{i}].CapacityProvider: required"))?;
        let mut entry = json!({"capacityProvider": provider});
        for (from, to) in [("Base", "base"), ("Weight", "weight")] {
            if let Some(v) = item.get(from).filter(|v| !v.is_null()) {
                let n = v
                    .as_u64()
                    .ok_or_else(|| format!("{at}[{i}].{from}: must be a whole number"))?;
                entry[to] = json!(n);
            }
        }
        out.push(entry);
    }
    Ok(Value::Array(out))
}

/// `Hooks`: a list of one-entry mappings `{<event>: <function>}`.
fn hooks(v: Option<&Value>) -> Result<Vec<(LifecycleEvent, String)>, String> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let items = v
        .as_array()
        .ok_or("Hooks: must be a list such as [{BeforeInstall: <Lambda function>}]")?;
    let mut out: Vec<(LifecycleEvent, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(entries) = item.as_object() else {
            return Err(format!(
                "Hooks[{i}]: must be a mapping {{<lifecycle event>: <Lambda function>}}"
            ));
        };
        for (name, function) in entries {
            let event = LifecycleEvent::parse(name)
                .filter(|e| e.scriptable())
                .ok_or_else(|| {
                    format!("Hooks[{i}].{name}: not a lifecycle event a hook runs at; use BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic or AfterAllowTraffic")
                })?;
            let function = function
                .as_str()
                .filter(|f| !f.trim().is_empty())
                .ok_or_else(|| format!("Hooks[{i}].{name}: must name a Lambda function"))?;
            if out.iter().any(|(e, _)| *e == event) {
                return Err(format!(
                    "Hooks[{i}].{name}: given twice; each hook runs once per deployment"
                ));
            }
            out.push((event, function.to_string()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: \"arn:aws:ecs:us-east-1:111122223333:task-definition/web:2\"
        LoadBalancerInfo:
          ContainerName: \"web\"
          ContainerPort: 80
        PlatformVersion: \"LATEST\"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: [\"subnet-a\", \"subnet-b\"]
            SecurityGroups: [\"sg-1\"]
            AssignPublicIp: \"DISABLED\"
        CapacityProviderStrategy:
          - Base: 1
            CapacityProvider: \"FARGATE\"
            Weight: 1
          - CapacityProvider: \"FARGATE_SPOT\"
            Weight: 3
Hooks:
  - BeforeInstall: \"before\"
  - AfterAllowTestTraffic: \"arn:aws:lambda:us-east-1:111122223333:function:smoke\"
";

    #[test]
    fn the_user_guides_yaml_example_shape_reads_into_the_ecs_api_shape() {
        let spec = parse_appspec(YAML).unwrap();
        assert_eq!(
            spec.task_definition,
            "arn:aws:ecs:us-east-1:111122223333:task-definition/web:2"
        );
        assert_eq!(
            (spec.container_name.as_str(), spec.container_port),
            ("web", 80)
        );
        assert_eq!(spec.platform_version.as_deref(), Some("LATEST"));
        assert_eq!(
            spec.network_configuration,
            Some(
                json!({"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}})
            )
        );
        assert_eq!(
            spec.capacity_provider_strategy,
            Some(
                json!([{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3}])
            )
        );
        assert_eq!(
            spec.hooks,
            vec![
                (LifecycleEvent::BeforeInstall, "before".to_string()),
                (
                    LifecycleEvent::AfterAllowTestTraffic,
                    "arn:aws:lambda:us-east-1:111122223333:function:smoke".to_string()
                )
            ]
        );
    }

    #[test]
    fn the_json_form_reads_the_same() {
        let content = json!({"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service",
            "Properties": {"TaskDefinition": "web:2", "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}}}}],
            "Hooks": [{"AfterAllowTraffic": "after"}]})
        .to_string();
        let spec = parse_appspec(&content).unwrap();
        assert_eq!(spec.task_definition, "web:2");
        assert_eq!(spec.network_configuration, None);
        assert_eq!(
            spec.hooks,
            vec![(LifecycleEvent::AfterAllowTraffic, "after".to_string())]
        );
    }

    #[test]
    fn what_the_user_guide_rules_out_is_refused_naming_the_member() {
        let props = |p: &str| {
            format!("version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n{p}")
        };
        let base = "        TaskDefinition: web:2\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 80\n";
        for (content, field) in [
            ("version: 0.0\n".to_string(), "Resources: required"),
            (props("        TaskDefinition: web:2\n"), "Properties.LoadBalancerInfo: required"),
            (
                props("        TaskDefinition: web:2\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: \"80\"\n"),
                "ContainerPort: required, a number",
            ),
            (
                props(&format!("{base}        NetworkConfiguration:\n          AwsvpcConfiguration:\n            Subnets: [subnet-a]\n")),
                "AwsvpcConfiguration.SecurityGroups: required (all or none",
            ),
            (
                format!("{}Hooks:\n  - AllowTraffic: fn\n", props(base)),
                "Hooks[0].AllowTraffic: not a lifecycle event a hook runs at",
            ),
            (
                format!("{}Hooks:\n  - AfterInstall: a\n  - AfterInstall: b\n", props(base)),
                "Hooks[1].AfterInstall: given twice",
            ),
            (
                "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::Lambda::Function\n".to_string(),
                "Resources[0].TargetService.Type: must be AWS::ECS::Service",
            ),
            ("{\"version\": ".to_string(), "not valid JSON"),
            ("Resources: [\n".to_string(), "not valid YAML"),
        ] {
            let e = parse_appspec(&content).unwrap_err();
            assert!(e.contains(field), "{content}: {e}");
        }
    }
}
