//! Scaling requests pasted as JSON: what `aws application-autoscaling`, `aws autoscaling` and
//! `aws cloudwatch` take or print (section 5), added to the scenario verbatim.
//!
//! Accepted: RegisterScalableTarget, PutScalingPolicy, PutScheduledAction and PutMetricAlarm
//! requests; EC2 Auto Scaling PutScalingPolicy requests (they name an `AutoScalingGroupName`
//! and go to `autoScalingPolicies[]`); the output of the describe calls (`ScalableTargets[]`,
//! `ScalingPolicies[]` of either service, `ScheduledActions[]`, `MetricAlarms[]`, whose
//! read-only members the loader ignores); a list
//! of any of them; and a bare `TargetTrackingScalingPolicyConfiguration`,
//! `StepScalingPolicyConfiguration` or `PredictiveScalingPolicyConfiguration` (the file given
//! to `put-scaling-policy --target-tracking-scaling-policy-configuration file://…`), put for
//! the service chosen in the form; one of a predictive configuration's `MetricSpecifications`
//! alone is wrapped in one (its Mode then defaults to ForecastOnly, as the API's does).

use serde_json::{json, Value};

use super::{
    has_scalable_target, len_of, put_alarm, put_group_policy, put_scalable_target,
    put_scaling_policy, put_scheduled_action, service_resource_id,
};

/// What one pasted item is, in the order they are applied (targets before the policies that
/// need them, policies before the alarms that call them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    ScalableTarget,
    ScalingPolicy,
    GroupPolicy,
    ScheduledAction,
    Alarm,
}

impl Kind {
    fn of(v: &Value) -> Option<Kind> {
        let has = |k: &str| v.get(k).is_some();
        if has("PolicyName") && has("AutoScalingGroupName") {
            Some(Kind::GroupPolicy)
        } else if has("PolicyName") {
            Some(Kind::ScalingPolicy)
        } else if has("ScheduledActionName") {
            Some(Kind::ScheduledAction)
        } else if has("AlarmName") {
            Some(Kind::Alarm)
        } else if has("ResourceId") && (has("MinCapacity") || has("MaxCapacity")) {
            Some(Kind::ScalableTarget)
        } else {
            None
        }
    }
}

/// The items of pasted JSON: describe output's lists, a list, or one object.
fn items(pasted: Value) -> Vec<Value> {
    const LISTS: [&str; 4] = [
        "ScalableTargets",
        "ScalingPolicies",
        "ScheduledActions",
        "MetricAlarms",
    ];
    match pasted {
        Value::Array(list) => list,
        Value::Object(o) if LISTS.iter().any(|k| o.contains_key(*k)) => LISTS
            .iter()
            .filter_map(|k| o.get(*k).and_then(Value::as_array))
            .flatten()
            .cloned()
            .collect(),
        other => vec![other],
    }
}

/// A bare policy configuration made a PutScalingPolicy request for `service`, named after its
/// type and the number of policies the document has.
fn wrap_configuration(doc: &Value, v: Value, service: &str) -> Result<Option<Value>, String> {
    // A request (an EC2 Auto Scaling step policy has its StepAdjustments at the top level).
    if v.get("PolicyName").is_some() {
        return Ok(None);
    }
    // One of predictive scaling's MetricSpecifications on its own: the configuration around it.
    let predictive_metric = [
        "PredefinedMetricPairSpecification",
        "PredefinedScalingMetricSpecification",
        "PredefinedLoadMetricSpecification",
    ]
    .iter()
    .any(|k| v.get(*k).is_some());
    let v = if predictive_metric {
        json!({"MetricSpecifications": [v]})
    } else {
        v
    };
    let (policy_type, member) = if v.get("TargetValue").is_some() {
        (
            "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration",
        )
    } else if v.get("StepAdjustments").is_some() {
        ("StepScaling", "StepScalingPolicyConfiguration")
    } else if v.get("MetricSpecifications").is_some() {
        ("PredictiveScaling", "PredictiveScalingPolicyConfiguration")
    } else {
        return Ok(None);
    };
    let resource_id = service_resource_id(doc, service)?;
    let name = format!(
        "{}-{}",
        match policy_type {
            "StepScaling" => "step",
            "PredictiveScaling" => "predictive",
            _ => "target-tracking",
        },
        len_of(doc, "scalingPolicies") + 1
    );
    Ok(Some(json!({
        "PolicyName": name,
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": policy_type,
        member: v,
    })))
}

/// Adds the scaling requests of pasted JSON (see the module documentation); a bare policy
/// configuration goes to `service`. Returns the document and what was added, e.g. `scaling
/// policy cpu-gt-50`. Each request is checked as the form's edits check theirs (the same
/// `put_…` of [`super`]); a refusal names the item or the scenario field and says why, in
/// AWS's words where AWS has them.
pub fn add_scaling_json(
    doc: &Value,
    text: &str,
    service: &str,
) -> Result<(Value, Vec<String>), String> {
    let pasted: Value = serde_json::from_str(text).map_err(|e| format!("JSON: {e}"))?;
    let mut doc = doc.clone();
    let mut found = Vec::new();
    for (i, v) in items(pasted).into_iter().enumerate() {
        let v = match wrap_configuration(&doc, v.clone(), service)? {
            Some(policy) => policy,
            None => v,
        };
        let kind = Kind::of(&v).ok_or_else(|| {
            format!("item {}: not a RegisterScalableTarget, PutScalingPolicy, PutScheduledAction or PutMetricAlarm request, nor a policy configuration", i + 1)
        })?;
        found.push((kind, v));
    }
    if found.is_empty() {
        return Err("the pasted JSON holds no scaling request".to_string());
    }
    found.sort_by_key(|(kind, _)| *kind);
    let mut added = Vec::new();
    for (kind, v) in found {
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let resource_id = text("ResourceId");
        if matches!(kind, Kind::ScalingPolicy | Kind::ScheduledAction)
            && !has_scalable_target(&doc, &resource_id)
        {
            return Err(format!("ObjectNotFoundException: No scalable target registered for service namespace: ecs, resource ID: {resource_id}, scalable dimension: ecs:service:DesiredCount"));
        }
        let what = match kind {
            Kind::ScalableTarget => format!("scalable target {resource_id}"),
            Kind::ScalingPolicy => format!("scaling policy {}", text("PolicyName")),
            Kind::GroupPolicy => format!(
                "Auto Scaling group {} policy {}",
                text("AutoScalingGroupName"),
                text("PolicyName")
            ),
            Kind::ScheduledAction => format!("scheduled action {}", text("ScheduledActionName")),
            Kind::Alarm => format!("alarm {}", text("AlarmName")),
        };
        match kind {
            Kind::ScalableTarget => put_scalable_target(&mut doc, v)?,
            Kind::ScalingPolicy => put_scaling_policy(&mut doc, v)?,
            Kind::GroupPolicy => put_group_policy(&mut doc, v)?,
            Kind::ScheduledAction => put_scheduled_action(&mut doc, v)?,
            Kind::Alarm => put_alarm(&mut doc, v)?,
        }
        added.push(what);
    }
    Ok((doc, added))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scenario, SimTime, Simulation};

    fn doc() -> Value {
        json!({"version": 1, "duration": "PT30M",
            "containerInstances": [{"instanceType": "m5.xlarge", "availabilityZone": "us-east-1a", "count": 2}],
            "taskDefinitions": [{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "cpu": 512, "memory": 512}]}],
            "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}]})
    }

    #[test]
    fn describe_output_and_requests_are_added_in_dependency_order() {
        // describe-scaling-policies output before the target it needs: applied after it.
        let pasted = json!([
            {"ScalingPolicies": [{"PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/ecs/service/default/web:policyName/cpu-50",
                "PolicyName": "cpu-50", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
                "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50.0,
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}},
                "Alarms": [], "CreationTime": "2024-01-01T00:00:00Z"}]},
            {"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
                "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 6}
        ])
        .to_string();
        // A list holding a describe document is one item of the list: refused as unknown.
        assert!(add_scaling_json(&doc(), &pasted, "web")
            .unwrap_err()
            .starts_with("item 1: not a RegisterScalableTarget"));
        let policies = json!({"ScalingPolicies": [{"PolicyName": "cpu-50", "ServiceNamespace": "ecs",
            "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount",
            "PolicyType": "TargetTrackingScaling", "PolicyARN": "arn:x", "CreationTime": "2024-01-01T00:00:00Z",
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}],
            "ScalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
                "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 6,
                "RoleARN": "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
                "CreationTime": "2024-01-01T00:00:00Z"}]})
        .to_string();
        let (with, added) = add_scaling_json(&doc(), &policies, "web").unwrap();
        assert_eq!(
            added,
            [
                "scalable target service/default/web",
                "scaling policy cpu-50"
            ]
        );
        assert_eq!(with["scalingPolicies"][0]["PolicyARN"], "arn:x", "verbatim");
        let mut sim = Simulation::new(Scenario::from_value(with).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        assert_eq!(
            sim.tracking_targets(0),
            [("ECSServiceAverageCPUUtilization".to_string(), 50.0)]
        );
        assert_eq!(
            sim.alarms().len(),
            2,
            "target tracking's AlarmHigh and AlarmLow"
        );
    }

    #[test]
    fn a_bare_target_tracking_configuration_goes_to_the_chosen_service() {
        // The file of `--target-tracking-scaling-policy-configuration file://config.json`.
        let config = r#"{"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}, "ScaleInCooldown": 60, "ScaleOutCooldown": 60}"#;
        // 5.1: a policy needs a registered scalable target; AWS's error otherwise.
        assert_eq!(
            add_scaling_json(&doc(), config, "web").unwrap_err(),
            "ObjectNotFoundException: No scalable target registered for service namespace: ecs, resource ID: service/default/web, scalable dimension: ecs:service:DesiredCount"
        );
        let target = r#"{"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 4}"#;
        let (with, _) = add_scaling_json(&doc(), target, "web").unwrap();
        let (with, added) = add_scaling_json(&with, config, "web").unwrap();
        assert_eq!(added, ["scaling policy target-tracking-1"]);
        assert_eq!(
            with["scalingPolicies"][0]["TargetTrackingScalingPolicyConfiguration"]
                ["ScaleInCooldown"],
            60
        );
        // The same name again for the same target is refused.
        let again = with["scalingPolicies"][0].to_string();
        assert_eq!(
            add_scaling_json(&with, &again, "web").unwrap_err(),
            "scalingPolicies[1].PolicyName: service/default/web already has a policy named target-tracking-1"
        );
        // A field the engine's parser refuses is named by its scenario path.
        let bad = r#"{"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}"#;
        assert!(add_scaling_json(&with, bad, "web")
            .unwrap_err()
            .starts_with("scalingPolicies[1].TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType"));
    }

    #[test]
    fn a_bare_predictive_configuration_goes_to_the_chosen_service() {
        // The file of `--predictive-scaling-policy-configuration file://config.json`, as the
        // ECS guide's example writes it.
        let config = r#"{"MetricSpecifications": [{"TargetValue": 40, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceMemoryUtilization"}}], "SchedulingBufferTime": 3600, "MaxCapacityBreachBehavior": "HonorMaxCapacity", "Mode": "ForecastAndScale"}"#;
        let target = r#"{"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 4}"#;
        let (with, _) = add_scaling_json(&doc(), target, "web").unwrap();
        let (with, added) = add_scaling_json(&with, config, "web").unwrap();
        assert_eq!(added, ["scaling policy predictive-1"]);
        assert_eq!(
            with["scalingPolicies"][0]["PolicyType"],
            "PredictiveScaling"
        );
        assert_eq!(
            with["scalingPolicies"][0]["PredictiveScalingPolicyConfiguration"]["Mode"],
            "ForecastAndScale"
        );
        // One metric specification alone is wrapped in a configuration.
        let spec = r#"{"TargetValue": 40, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}"#;
        let (with, added) = add_scaling_json(&with, spec, "web").unwrap();
        assert_eq!(added, ["scaling policy predictive-2"]);
        assert_eq!(
            with["scalingPolicies"][1]["PredictiveScalingPolicyConfiguration"]
                ["MetricSpecifications"][0]["TargetValue"],
            40
        );
    }

    /// EC2 Auto Scaling policies pasted as `aws autoscaling describe-policies` output (the
    /// same `ScalingPolicies` key as Application Auto Scaling's) go to the group, with the
    /// alarm that names one; they run as the classic cluster scaling preset runs them.
    #[test]
    fn group_policies_from_describe_policies_go_to_their_group() {
        let text = include_str!("../../../public/scenarios/asg-step-scaling-reservation.json");
        let mut base: Value = serde_json::from_str(text).unwrap();
        let policies = base
            .as_object_mut()
            .unwrap()
            .remove("autoScalingPolicies")
            .unwrap();
        let alarms = base.as_object_mut().unwrap().remove("alarms").unwrap();
        let mut described = policies.clone();
        for p in described.as_array_mut().unwrap() {
            p["PolicyARN"] = json!(format!("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0:autoScalingGroupName/classic-asg:policyName/{}", p["PolicyName"].as_str().unwrap()));
            p["Alarms"] = json!([]);
            p["Enabled"] = json!(true);
        }
        let pasted = json!({"ScalingPolicies": described, "MetricAlarms": alarms}).to_string();
        let (with, added) = add_scaling_json(&base, &pasted, "web").unwrap();
        assert_eq!(
            added,
            [
                "Auto Scaling group classic-asg policy reservation-out",
                "Auto Scaling group classic-asg policy reservation-in",
                "alarm demo-cpu-reservation-high",
                "alarm demo-cpu-reservation-low"
            ]
        );
        assert!(with.get("scalingPolicies").is_none(), "no service policy");
        let mut sim = Simulation::new(Scenario::from_value(with.clone()).unwrap());
        sim.advance_to(SimTime(20 * 60_000)).unwrap();
        assert_eq!(
            sim.auto_scaling_groups()[0].desired,
            7,
            "as the preset runs"
        );
        assert_eq!(
            add_scaling_json(&with, &pasted, "web").unwrap_err(),
            "autoScalingPolicies[2].PolicyName: group classic-asg already has a policy named reservation-out"
        );
        let mut other = policies[0].clone();
        other["AutoScalingGroupName"] = json!("nope");
        other["PolicyName"] = json!("x");
        assert_eq!(
            add_scaling_json(&base, &other.to_string(), "web").unwrap_err(),
            "autoScalingPolicies[0].AutoScalingGroupName: no Auto Scaling group named nope"
        );
    }
}
