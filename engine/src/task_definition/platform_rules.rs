//! What RegisterTaskDefinition refuses beyond the numbered rules of 1.12: the settings Fargate
//! does not run (1.1, 1.2, 1.8, 1.9), the limits every task definition keeps (task-level cpu
//! and memory over the containers', `extraHosts` in `awsvpc`, `ephemeralStorage`, tags,
//! `restartPolicy`, launch-time volumes).
//!
//! Each problem is `(field path, message)`, the field named the way [`super::validate`] names
//! it. The wording is the playground's ([unconfirmed], 1.12), saying which rule was broken.

use super::model::TaskDefinitionInput;
use super::NetworkMode;

/// Log drivers Fargate runs (1.8).
pub const FARGATE_LOG_DRIVERS: [&str; 3] = ["awslogs", "splunk", "awsfirelens"];

/// Most tags on a resource ([API-ECS]).
pub const MAX_TAGS: usize = 50;

/// The problems of `input`; `fargate` when FARGATE is among its compatibilities, with the task
/// level `cpu` and `memory` already read.
pub fn check(
    input: &TaskDefinitionInput,
    fargate: bool,
    network_mode: NetworkMode,
    (task_cpu, task_memory): (Option<u32>, Option<u32>),
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if fargate {
        check_fargate(input, &mut out);
    }
    let containers = &input.container_definitions;
    // 1.2 and 1.3: containers stay within the task-level values.
    let cpu_sum = containers
        .iter()
        .filter_map(|c| c.cpu)
        .fold(0i64, i64::saturating_add);
    if let Some(task) = task_cpu.filter(|t| cpu_sum > i64::from(*t)) {
        out.push((
            "cpu".into(),
            format!("The containers' cpu values add up to {cpu_sum} units, more than the task cpu ({task})."),
        ));
    }
    let reserved = containers
        .iter()
        .filter_map(|c| c.memory_reservation.or(c.memory))
        .fold(0i64, i64::saturating_add);
    if let Some(task) = task_memory.filter(|t| reserved > i64::from(*t)) {
        out.push((
            "memory".into(),
            format!("The containers' memory reservations add up to {reserved} MiB, more than the task memory ({task} MiB)."),
        ));
    }
    for (i, c) in containers.iter().enumerate() {
        if let (Some(task), Some(hard)) = (task_memory, c.memory) {
            if hard > i64::from(task) {
                out.push((
                    format!("containerDefinitions[{i}].memory"),
                    format!(
                        "Container memory {hard} MiB is more than the task memory ({task} MiB)."
                    ),
                ));
            }
        }
        if network_mode == NetworkMode::Awsvpc && !c.extra_hosts.is_empty() {
            out.push((
                format!("containerDefinitions[{i}].extraHosts"),
                "extraHosts is not supported in the awsvpc network mode.".into(),
            ));
        }
        let period = c
            .restart_policy
            .as_ref()
            .and_then(|r| r.restart_attempt_period);
        if let Some(p) = period.filter(|p| !(60..=1800).contains(p)) {
            out.push((
                format!("containerDefinitions[{i}].restartPolicy.restartAttemptPeriod"),
                format!("restartAttemptPeriod {p} is outside 60 to 1800 seconds."),
            ));
        }
    }
    if let Some(size) = input
        .ephemeral_storage
        .as_ref()
        .and_then(|e| e.size_in_gi_b)
        .filter(|s| !(21..=200).contains(s))
    {
        out.push((
            "ephemeralStorage.sizeInGiB".into(),
            format!("ephemeralStorage {size} GiB is outside 21 to 200 GiB."),
        ));
    }
    if input.tags.len() > MAX_TAGS {
        out.push((
            "tags".into(),
            format!(
                "{} tags; a task definition has at most {MAX_TAGS}.",
                input.tags.len()
            ),
        ));
    }
    let at_launch: Vec<usize> = input
        .volumes
        .iter()
        .enumerate()
        .filter(|(_, v)| v.configured_at_launch == Some(true))
        .map(|(i, _)| i)
        .collect();
    if let Some(second) = at_launch.get(1) {
        out.push((
            format!("volumes[{second}].configuredAtLaunch"),
            "Only one volume of a task definition may be configured at launch.".into(),
        ));
    }
    out
}

/// What Fargate does not run (1.1, 1.2, 1.8, 1.9).
fn check_fargate(input: &TaskDefinitionInput, out: &mut Vec<(String, String)>) {
    if input.pid_mode.as_deref() == Some("host") {
        out.push((
            "pidMode".into(),
            "pidMode host is not supported on Fargate; only task is.".into(),
        ));
    }
    if input.ipc_mode.is_some() {
        out.push((
            "ipcMode".into(),
            "ipcMode is not supported on Fargate.".into(),
        ));
    }
    if !input.placement_constraints.is_empty() {
        out.push((
            "placementConstraints".into(),
            "Task placement constraints are not supported on Fargate.".into(),
        ));
    }
    for (i, v) in input.volumes.iter().enumerate() {
        if v.host.as_ref().is_some_and(|h| h.source_path.is_some()) {
            out.push((
                format!("volumes[{i}].host.sourcePath"),
                "Bind mounts from a host path are not supported on Fargate.".into(),
            ));
        }
        if v.docker_volume_configuration.is_some() {
            out.push((
                format!("volumes[{i}].dockerVolumeConfiguration"),
                "Docker volumes are not supported on Fargate.".into(),
            ));
        }
    }
    for (i, c) in input.container_definitions.iter().enumerate() {
        let at = |field: &str| format!("containerDefinitions[{i}].{field}");
        if c.privileged == Some(true) {
            out.push((
                at("privileged"),
                "Privileged containers are not supported on Fargate.".into(),
            ));
        }
        if !c.docker_security_options.is_empty() {
            out.push((
                at("dockerSecurityOptions"),
                "dockerSecurityOptions is not supported on Fargate.".into(),
            ));
        }
        if let Some(t) = c.stop_timeout.filter(|t| *t > 120) {
            out.push((
                at("stopTimeout"),
                format!("stopTimeout {t} s is more than Fargate's 120 s."),
            ));
        }
        if let Some(t) = c.start_timeout.filter(|t| !(2..=120).contains(t)) {
            out.push((
                at("startTimeout"),
                format!("startTimeout {t} s is outside Fargate's 2 to 120 s."),
            ));
        }
        let Some(log) = &c.log_configuration else {
            continue;
        };
        match log.log_driver.as_deref() {
            Some(driver) if !FARGATE_LOG_DRIVERS.contains(&driver) => out.push((
                at("logConfiguration.logDriver"),
                format!(
                    "Log driver {driver} is not supported on Fargate; use {}.",
                    FARGATE_LOG_DRIVERS.join(", ")
                ),
            )),
            Some("awslogs") if !log.options.contains_key("awslogs-stream-prefix") => out.push((
                at("logConfiguration.options"),
                "awslogs-stream-prefix is required on Fargate.".into(),
            )),
            _ => {}
        }
    }
}
