//! StartInstanceRefresh (`startInstanceRefreshes[]`): an Auto Scaling group replaces its
//! instances in batches bounded by MinHealthyPercentage and MaxHealthyPercentage, and ECS
//! managed draining moves the tasks first (6.5: "Managed draining ... before the ASG terminates
//! them on scale-in or on other ASG-initiated terminations"; [MID] names instance refresh and
//! maximum instance lifetime, whose replacements are tested here too).

mod support;

use ecs_engine::auto_scaling_group::instance_refresh::RefreshStatus;
use ecs_engine::auto_scaling_group::GroupInstanceState;
use ecs_engine::task::TaskStatus;
use ecs_engine::Simulation;
use serde_json::{json, Value};
use support::{assert_refused, at, count, group, logged, running, sim};

/// Group `asg` of 4 m5.large (template `v1`) behind capacity provider `cp` (managed draining;
/// with `protect`, managed scaling and managed termination protection too), service `web` of
/// 4 one-vCPU tasks binpacked (two instances run them, two are empty), and `refresh` as the
/// one StartInstanceRefresh call at 10 minutes.
fn refresh_scenario(protect: bool, refresh: Value) -> Value {
    let mut provider = json!({"autoScalingGroupArn": "asg", "managedDraining": "ENABLED"});
    if protect {
        provider["managedScaling"] = json!({"status": "ENABLED", "targetCapacity": 50});
        provider["managedTerminationProtection"] = json!("ENABLED");
    }
    let mut call = json!({"at": "PT10M", "AutoScalingGroupName": "asg"});
    for (k, v) in refresh.as_object().expect("an object") {
        call[k] = v.clone();
    }
    json!({
        "version": 1, "seed": 7, "duration": "PT4H",
        "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                    {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"}],
        "launchTemplates": [
            {"LaunchTemplateName": "v1", "LaunchTemplateData": {"InstanceType": "m5.large"}},
            {"LaunchTemplateName": "v2", "LaunchTemplateData": {"InstanceType": "m5.xlarge"}}
        ],
        "autoScalingGroups": [{"AutoScalingGroupName": "asg", "MinSize": 0, "MaxSize": 10, "DesiredCapacity": 4,
            "LaunchTemplate": {"LaunchTemplateName": "v1"}, "VPCZoneIdentifier": "subnet-a,subnet-b",
            "NewInstancesProtectedFromScaleIn": protect}],
        "capacityProviders": [{"name": "cp", "autoScalingGroupProvider": provider}],
        "clusters": [{"clusterName": "default", "capacityProviders": ["cp"],
            "defaultCapacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}]}],
        "taskDefinitions": [{"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "cpu": 1024, "memory": 512, "essential": true}]}],
        "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 4,
            "placementStrategy": [{"type": "binpack", "field": "cpu"}]}],
        "startInstanceRefreshes": [call]
    })
}

/// The group's live instances that run tasks (managed termination protection keeps them).
fn busy_instances(sim: &Simulation) -> Vec<String> {
    group(sim)
        .live()
        .filter(|i| {
            sim.cluster()
                .instances
                .iter()
                .find(|c| c.ec2_instance_id == i.id)
                .is_some_and(|c| c.running_tasks_count > 0)
        })
        .map(|i| i.id.clone())
        .collect()
}

/// What each 5-second look at a run until `end` saw: (in service, launching, terminating).
fn watch(sim: &mut Simulation, end: u64) -> Vec<(usize, usize, usize)> {
    let mut seen = Vec::new();
    let mut t = sim.now().as_ms() / 1000;
    while t < end {
        t += 5;
        at(sim, t);
        seen.push((
            count(sim, GroupInstanceState::InService),
            count(sim, GroupInstanceState::Pending),
            count(sim, GroupInstanceState::Terminating),
        ));
    }
    seen
}

#[test]
fn a_rolling_refresh_to_a_new_template_replaces_every_instance_one_at_a_time_6_5() {
    let mut s = sim(refresh_scenario(
        false,
        json!({"DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateName": "v2", "Version": "$Latest"}}}),
    ));
    at(&mut s, 599);
    assert_eq!(count(&s, GroupInstanceState::InService), 4);
    assert_eq!(running(&s), 4);
    let seen = watch(&mut s, 3 * 3600);
    let r = group(&s).refreshes.last().expect("a refresh").clone();
    assert_eq!(r.status, RefreshStatus::Successful, "{r:?}");
    assert_eq!(r.percentage_complete, 100);
    assert_eq!(r.to_replace.len(), 4);
    // MinHealthyPercentage 90 of 4 keeps 4, so the refresh moves one instance at a time:
    // never two draining, never fewer than 3 in service.
    assert!(seen.iter().all(|&(_, _, term)| term <= 1), "{seen:?}");
    assert!(seen.iter().all(|&(up, _, _)| up >= 3), "{seen:?}");
    let live: Vec<_> = group(&s).live().collect();
    assert_eq!(live.len(), 4);
    assert!(live
        .iter()
        .all(|i| i.instance_type.name == "m5.xlarge" && i.template == "v2"));
    assert!(live.iter().all(|i| !r.to_replace.contains(&i.id)));
    // Managed draining moved the tasks before each instance went: none died with it.
    assert_eq!(running(&s), 4);
    assert!(s.tasks().iter().all(|t| !t
        .stopped_reason
        .as_deref()
        .unwrap_or_default()
        .contains("terminated")));
    assert!(group(&s).activities.iter().any(|a| a
        .cause
        .contains("an instance was taken out of service in response to an instance refresh")));
    assert!(logged(&s, "instance refresh") && logged(&s, "Successful"));
}

#[test]
fn max_healthy_percentage_above_100_launches_before_it_terminates() {
    let mut s = sim(refresh_scenario(
        false,
        json!({"Preferences": {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 150}}),
    ));
    at(&mut s, 600);
    let seen = watch(&mut s, 3 * 3600);
    let r = group(&s).refreshes.last().unwrap().clone();
    assert_eq!(r.status, RefreshStatus::Successful, "{r:?}");
    // 100 % of 4 stays in service throughout; 150 % allows 6 in service or launching.
    assert!(seen.iter().all(|&(up, _, _)| up >= 4), "{seen:?}");
    assert!(
        seen.iter().all(|&(up, pending, _)| up + pending <= 6),
        "{seen:?}"
    );
    assert!(seen.iter().any(|&(up, pending, _)| up + pending == 6));
    assert_eq!(group(&s).live_count(), 4);
    assert!(group(&s).live().all(|i| !r.to_replace.contains(&i.id)));
}

#[test]
fn instance_warmup_spaces_the_replacements() {
    let mut s = sim(refresh_scenario(
        false,
        json!({"Preferences": {"InstanceWarmup": 600}}),
    ));
    at(&mut s, 600);
    watch(&mut s, 4 * 3600 - 10);
    let r = group(&s).refreshes.last().unwrap().clone();
    assert_eq!(r.status, RefreshStatus::Successful, "{r:?}");
    let mut terminations: Vec<u64> = group(&s)
        .activities
        .iter()
        .filter(|a| a.cause.contains("instance refresh"))
        .map(|a| a.at.as_ms() / 1000)
        .collect();
    terminations.sort();
    assert_eq!(terminations.len(), 4, "{terminations:?}");
    // Each next old instance goes only once the last replacement has been in service for
    // its 600 s warmup.
    for pair in terminations.windows(2) {
        assert!(pair[1] - pair[0] >= 600, "{terminations:?}");
    }
}

#[test]
fn with_managed_termination_protection_the_default_wait_fails_after_an_hour() {
    let mut s = sim(refresh_scenario(true, json!({})));
    at(&mut s, 599);
    let protected_before: Vec<String> = busy_instances(&s);
    assert_eq!(
        protected_before.len(),
        2,
        "binpack puts the 4 tasks on 2 instances"
    );
    // The two empty instances are replaced; then only the protected ones are left.
    at(&mut s, 600 + 1800);
    let r = group(&s).refreshes.last().unwrap().clone();
    assert_eq!(r.status, RefreshStatus::InProgress);
    assert_eq!(r.percentage_complete, 50, "{r:?}");
    let reason = r.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("scale-in protection"), "{reason}");
    let since = r.waiting_since.expect("waiting").as_ms() / 1000;
    at(&mut s, since + 3600 - 20);
    assert_eq!(
        group(&s).refreshes.last().unwrap().status,
        RefreshStatus::InProgress
    );
    at(&mut s, since + 3600 + 20);
    let r = group(&s).refreshes.last().unwrap().clone();
    assert_eq!(r.status, RefreshStatus::Failed, "{r:?}");
    let why = r.status_reason.clone().unwrap_or_default();
    assert!(
        why.contains("stayed protected from scale in for an hour"),
        "{why}"
    );
    // The two protected instances (they run the tasks) are still there, untouched.
    for id in &protected_before {
        assert!(group(&s).live().any(|i| &i.id == id), "{id}");
    }
    assert_eq!(running(&s), 4);
}

#[test]
fn ignore_leaves_the_protected_instances_and_succeeds() {
    let mut s = sim(refresh_scenario(
        true,
        json!({"Preferences": {"ScaleInProtectedInstances": "Ignore"}}),
    ));
    at(&mut s, 2 * 3600);
    let r = group(&s).refreshes.last().unwrap().clone();
    assert_eq!(r.status, RefreshStatus::Successful, "{r:?}");
    assert_eq!(r.skipped.len(), 2, "{r:?}");
    for id in &r.skipped {
        assert!(group(&s).live().any(|i| &i.id == id));
    }
    assert!(logged(&s, "2 protected instances left as they are"));
}

#[test]
fn refresh_with_managed_draining_replaces_protected_instances_and_moves_their_tasks() {
    let mut s = sim(refresh_scenario(
        true,
        json!({"Preferences": {"ScaleInProtectedInstances": "Refresh"}}),
    ));
    at(&mut s, 600);
    let seen = watch(&mut s, 3 * 3600);
    let r = group(&s).refreshes.last().unwrap().clone();
    assert_eq!(r.status, RefreshStatus::Successful, "{r:?}");
    assert!(group(&s).live().all(|i| !r.to_replace.contains(&i.id)));
    assert!(seen.iter().all(|&(_, _, term)| term <= 1), "{seen:?}");
    // Every task that stopped was drained off its instance (4.7), none killed with it.
    let stopped: Vec<_> = s
        .tasks()
        .iter()
        .filter(|t| t.last_status == TaskStatus::Stopped)
        .collect();
    assert!(!stopped.is_empty());
    for t in stopped {
        let why = t.stopped_reason.clone().unwrap_or_default();
        assert!(why.to_lowercase().contains("draining"), "{why}");
    }
    assert_eq!(running(&s), 4);
}

#[test]
fn a_checkpoint_pauses_the_refresh_for_its_delay() {
    let mut s = sim(refresh_scenario(
        false,
        json!({"Preferences": {"CheckpointPercentages": [50, 100], "CheckpointDelay": 1800}}),
    ));
    at(&mut s, 600);
    let mut paused_at = None;
    while s.now().as_ms() < 3 * 3_600_000 {
        let next = s.now().as_ms() / 1000 + 5;
        at(&mut s, next);
        let r = group(&s).refreshes.last().unwrap();
        if paused_at.is_none() && r.paused_until.is_some() {
            paused_at = Some((next, r.percentage_complete));
            break;
        }
    }
    let (t, percentage) = paused_at.expect("the refresh paused");
    assert_eq!(percentage, 50);
    let terminated = count(&s, GroupInstanceState::Terminated);
    at(&mut s, t + 1700);
    assert_eq!(
        count(&s, GroupInstanceState::Terminated),
        terminated,
        "nothing replaced while paused"
    );
    assert!(logged(&s, "checkpoint 50% reached"));
    at(&mut s, 4 * 3600);
    assert_eq!(
        group(&s).refreshes.last().unwrap().status,
        RefreshStatus::Successful
    );
}

#[test]
fn skip_matching_replaces_only_instances_without_the_desired_configuration() {
    let mut v = refresh_scenario(
        false,
        json!({"DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateName": "v2"}}}),
    );
    v["startInstanceRefreshes"].as_array_mut().unwrap().push(
        json!({"at": "PT3H", "AutoScalingGroupName": "asg",
            "DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateName": "v2"}},
            "Preferences": {"SkipMatching": true}}),
    );
    let mut s = sim(v);
    at(&mut s, 3 * 3600 + 60);
    let refreshes = &group(&s).refreshes;
    assert_eq!(refreshes.len(), 2);
    assert_eq!(refreshes[0].status, RefreshStatus::Successful);
    assert_eq!(refreshes[1].status, RefreshStatus::Successful);
    assert!(
        refreshes[1].to_replace.is_empty(),
        "every instance already runs v2"
    );
    assert_eq!(refreshes[1].end_time, Some(refreshes[1].start_time));
}

#[test]
fn a_second_refresh_while_one_is_in_progress_is_refused() {
    let mut v = refresh_scenario(false, json!({}));
    v["startInstanceRefreshes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": "PT11M", "AutoScalingGroupName": "asg"}));
    let mut s = sim(v);
    at(&mut s, 700);
    assert_eq!(group(&s).refreshes.len(), 1);
    assert!(logged(
        &s,
        "InstanceRefreshInProgress: An Instance Refresh is already in progress"
    ));
}

#[test]
fn bad_refresh_requests_are_refused_naming_the_field() {
    let with = |refresh: Value| refresh_scenario(false, refresh);
    assert_refused(vec![
        (
            with(json!({"AutoScalingGroupName": "nope"})),
            "startInstanceRefreshes[0].AutoScalingGroupName",
        ),
        (
            with(json!({"Strategy": "ReplaceRootVolume"})),
            "startInstanceRefreshes[0].Strategy",
        ),
        (
            with(json!({"Preferences": {"MinHealthyPercentage": 101}})),
            "startInstanceRefreshes[0].Preferences.MinHealthyPercentage",
        ),
        (
            with(json!({"Preferences": {"MaxHealthyPercentage": 250}})),
            "startInstanceRefreshes[0].Preferences.MaxHealthyPercentage",
        ),
        (
            with(json!({"Preferences": {"MinHealthyPercentage": 0, "MaxHealthyPercentage": 150}})),
            "startInstanceRefreshes[0].Preferences.MaxHealthyPercentage",
        ),
        (
            with(json!({"Preferences": {"ScaleInProtectedInstances": "Sometimes"}})),
            "startInstanceRefreshes[0].Preferences.ScaleInProtectedInstances",
        ),
        (
            with(json!({"Preferences": {"CheckpointDelay": 60}})),
            "startInstanceRefreshes[0].Preferences.CheckpointDelay",
        ),
        (
            with(json!({"Preferences": {"CheckpointPercentages": [50, 20]}})),
            "startInstanceRefreshes[0].Preferences.CheckpointPercentages[1]",
        ),
        (
            with(json!({"Preferences": {"AutoRollback": true}})),
            "startInstanceRefreshes[0].Preferences.AutoRollback",
        ),
        (
            with(json!({"DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateName": "v9"}}})),
            "startInstanceRefreshes[0].DesiredConfiguration.LaunchTemplate.LaunchTemplateName",
        ),
        (with(json!({"at": "soon"})), "startInstanceRefreshes[0].at"),
    ]);
}

#[test]
fn cancel_instance_refresh_stops_new_replacements() {
    let mut v = refresh_scenario(false, json!({"Preferences": {"InstanceWarmup": 600}}));
    v["cancelInstanceRefreshes"] = json!([
        {"at": "PT15M", "AutoScalingGroupName": "asg"},
        {"at": "PT20M", "AutoScalingGroupName": "asg"}
    ]);
    let mut s = sim(v);
    at(&mut s, 899);
    assert_eq!(group(&s).refreshes[0].status, RefreshStatus::InProgress);
    at(&mut s, 900);
    let r = group(&s).refreshes[0].clone();
    assert_eq!(r.status, RefreshStatus::Cancelled);
    assert_eq!(r.end_time.map(|t| t.as_ms()), Some(900_000));
    let replaced = group(&s)
        .activities
        .iter()
        .filter(|a| a.cause.contains("instance refresh"))
        .count();
    assert_eq!(replaced, 1, "one instance went before the cancel");
    at(&mut s, 3 * 3600);
    let after = group(&s)
        .activities
        .iter()
        .filter(|a| a.cause.contains("instance refresh"))
        .count();
    assert_eq!(after, 1, "none after it");
    assert_eq!(group(&s).live_count(), 4);
    // The second cancel finds nothing in progress.
    assert!(logged(&s, "ActiveInstanceRefreshNotFound: No in progress or pending Instance Refresh found for Auto Scaling group asg"));
}

#[test]
fn a_cancel_and_a_new_start_at_the_same_moment_cancel_first() {
    let mut v = refresh_scenario(false, json!({"Preferences": {"InstanceWarmup": 600}}));
    v["cancelInstanceRefreshes"] = json!([{"at": "PT15M", "AutoScalingGroupName": "asg"}]);
    v["startInstanceRefreshes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": "PT15M", "AutoScalingGroupName": "asg", "Preferences": {"MinHealthyPercentage": 50}}));
    let mut s = sim(v);
    at(&mut s, 900);
    let refreshes = &group(&s).refreshes;
    assert_eq!(refreshes.len(), 2);
    assert_eq!(refreshes[0].status, RefreshStatus::Cancelled);
    assert_eq!(refreshes[1].status, RefreshStatus::InProgress);
}

/// The refresh scenario without its refresh, with `MaxInstanceLifetime` one day, run for two.
fn lifetime_scenario(protect: bool) -> Value {
    let mut v = refresh_scenario(protect, json!({}));
    v.as_object_mut().unwrap().remove("startInstanceRefreshes");
    v["autoScalingGroups"][0]["MaxInstanceLifetime"] = json!(86_400);
    v["duration"] = json!("P2D");
    v
}

#[test]
fn max_instance_lifetime_replaces_instances_one_at_a_time_after_a_day() {
    let mut s = sim(lifetime_scenario(false));
    at(&mut s, 86_399);
    let first: Vec<String> = group(&s).live().map(|i| i.id.clone()).collect();
    assert_eq!(first.len(), 4);
    assert_eq!(
        group(&s).instances.len(),
        4,
        "nothing replaced before a day"
    );
    let seen = watch(&mut s, 86_400 + 3_600);
    // Four instances past their lifetime at once, but a group of 4 replaces 1 at a time
    // (10 % of 4 rounds to 1): never two going, never two launching.
    assert!(
        seen.iter()
            .all(|&(_, pending, term)| term <= 1 && pending <= 1),
        "{seen:?}"
    );
    assert!(group(&s).live().all(|i| !first.contains(&i.id)));
    assert_eq!(group(&s).live_count(), 4);
    assert_eq!(running(&s), 4);
    let causes = group(&s)
        .activities
        .iter()
        .filter(|a| {
            a.cause
                .contains("maximum instance lifetime (86400 seconds)")
        })
        .count();
    assert_eq!(causes, 4);
}

#[test]
fn scale_in_protection_keeps_instances_past_their_lifetime() {
    // Managed termination protection protects the two instances running tasks; only the two
    // empty ones are replaced.
    let mut s = sim(lifetime_scenario(true));
    at(&mut s, 86_399);
    let busy: Vec<String> = busy_instances(&s);
    assert_eq!(busy.len(), 2);
    at(&mut s, 2 * 86_400 - 60);
    let replaced = group(&s)
        .activities
        .iter()
        .filter(|a| a.cause.contains("maximum instance lifetime"))
        .count();
    assert_eq!(replaced, 2);
    for id in &busy {
        assert!(group(&s).live().any(|i| &i.id == id), "{id} is protected");
    }
}

#[test]
fn max_instance_lifetime_under_a_day_is_refused() {
    let mut v = lifetime_scenario(false);
    v["autoScalingGroups"][0]["MaxInstanceLifetime"] = json!(3_600);
    assert_refused(vec![(v, "autoScalingGroups[0].MaxInstanceLifetime")]);
}

#[test]
fn instance_refresh_events_reach_rules_started_checkpoint_succeeded() {
    let mut doc = refresh_scenario(
        false,
        json!({"Preferences": {"CheckpointPercentages": [50, 100], "CheckpointDelay": 600}}),
    );
    doc["snsTopics"] = json!([{"Name": "ops",
        "Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com"}]}]);
    doc["eventRules"] = json!([{"Name": "refresh",
        "EventPattern": {"source": ["aws.autoscaling"],
            "detail-type": [{"prefix": "EC2 Auto Scaling Instance Refresh"}]},
        "Targets": [{"Id": "ops", "Arn": "arn:aws:sns:us-east-1:123456789012:ops",
            "InputTransformer": {"InputPathsMap": {"t": "$.detail-type", "g": "$.detail.AutoScalingGroupName"},
                "InputTemplate": "\"<t> (<g>)\""}}]}]);
    let mut s = sim(doc);
    at(&mut s, 4 * 3600);
    let id = &group(&s).refreshes[0].id;
    assert!(!id.is_empty());
    let messages: Vec<&str> = s
        .notifications()
        .iter()
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "EC2 Auto Scaling Instance Refresh Started (asg)",
            "EC2 Auto Scaling Instance Refresh Checkpoint Reached (asg)",
            "EC2 Auto Scaling Instance Refresh Succeeded (asg)"
        ]
    );
}
