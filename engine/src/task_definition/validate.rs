//! Registration-time validation (1.12, 1.4, 1.11): every error is collected, each naming its
//! field and phrased like AWS's ClientException. The exact AWS wording is [unconfirmed] except
//! where quoted in the semantics reference.

use super::model::{ContainerDefinition, TaskDefinitionInput};
use super::units::{fargate_pair_is_valid, parse_task_cpu, parse_task_memory};
use super::{
    Compatibility, ContainerSummary, NetworkMode, PortRequest, Protocol, TaskDefinitionError,
    ValidTaskDefinition, MAX_PORT_RANGES,
};

/// Containers per task definition (4.9).
pub const MAX_CONTAINERS: usize = 10;

fn name_ok(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Validates a parsed task definition as RegisterTaskDefinition does.
pub fn validate(
    input: &TaskDefinitionInput,
) -> Result<ValidTaskDefinition, Vec<TaskDefinitionError>> {
    let mut errs = Errors::default();

    // Rule 1: family.
    let family = input.family.clone().unwrap_or_default();
    if family.is_empty() {
        errs.add("family".into(), "Family is required.".into());
    } else if !name_ok(&family) {
        errs.add("family".into(), format!("Family \"{family}\" may contain only up to 255 letters, numbers, hyphens and underscores."));
    }
    let network_mode = match input.network_mode.as_deref() {
        None | Some("bridge") => NetworkMode::Bridge,
        Some("host") => NetworkMode::Host,
        Some("awsvpc") => NetworkMode::Awsvpc,
        Some("none") => NetworkMode::None,
        Some(other) => {
            errs.add(
                "networkMode".into(),
                format!(
                    "Invalid networkMode \"{other}\"; valid values are bridge, host, awsvpc, none."
                ),
            );
            NetworkMode::Bridge
        }
    };
    let mut compatibilities = Vec::new();
    for (i, c) in input.requires_compatibilities.iter().enumerate() {
        match c.as_str() {
            "EC2" => compatibilities.push(Compatibility::Ec2),
            "FARGATE" => compatibilities.push(Compatibility::Fargate),
            "EXTERNAL" => compatibilities.push(Compatibility::External),
            "MANAGED_INSTANCES" => compatibilities.push(Compatibility::ManagedInstances),
            other => errs.add(format!("requiresCompatibilities[{i}]"), format!("Invalid compatibility \"{other}\"; valid values are EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES.")),
        }
    }
    for (field, v) in [("pidMode", &input.pid_mode), ("ipcMode", &input.ipc_mode)] {
        let allowed: &[&str] = if field == "pidMode" {
            &["host", "task"]
        } else {
            &["host", "task", "none"]
        };
        if let Some(v) = v.as_deref().filter(|v| !allowed.contains(v)) {
            errs.add(
                field.into(),
                format!(
                    "Invalid {field} \"{v}\"; valid values are {}.",
                    allowed.join(", ")
                ),
            );
        }
    }
    let task_cpu = input.cpu.as_deref().and_then(parse_task_cpu);
    let task_memory = input.memory.as_deref().and_then(parse_task_memory);
    let fargate = compatibilities.contains(&Compatibility::Fargate);
    let os_family = input
        .runtime_platform
        .as_ref()
        .and_then(|r| r.operating_system_family.clone())
        .unwrap_or_else(|| "LINUX".into());
    let cpu_architecture = input
        .runtime_platform
        .as_ref()
        .and_then(|r| r.cpu_architecture.clone())
        .unwrap_or_else(|| "X86_64".into());
    // Rules 2 and 3: Fargate.
    if fargate {
        match (task_cpu, task_memory) {
            (Some(c), Some(m)) if !fargate_pair_is_valid(c, m) => errs.add(
                "memory".into(),
                format!("No Fargate configuration exists for given values: {c} CPU, {m} memory."),
            ),
            (Some(c), Some(_)) if os_family.starts_with("WINDOWS") && c < 1024 => errs.add(
                "cpu".into(),
                "Windows on Fargate needs at least 1 vCPU (1024 CPU units).".into(),
            ),
            (None, _) => errs.add(
                "cpu".into(),
                "Fargate requires task definition to have a task-level cpu value.".into(),
            ),
            (_, None) => errs.add(
                "memory".into(),
                "Fargate requires task definition to have a task-level memory value.".into(),
            ),
            _ => {}
        }
        if network_mode != NetworkMode::Awsvpc {
            errs.add(
                "networkMode".into(),
                "Fargate only supports network mode 'awsvpc'.".into(),
            );
        }
    } else if let Some(c) = task_cpu.filter(|c| !(128..=196_608).contains(c)) {
        errs.add(
            "cpu".into(),
            format!("Task cpu {c} is outside the range 128 to 196608 CPU units."),
        );
    }
    // Rule 10: container count.
    let containers = &input.container_definitions;
    if containers.is_empty() {
        errs.add(
            "containerDefinitions".into(),
            "Container list cannot be empty.".into(),
        );
    }
    if containers.len() > MAX_CONTAINERS {
        errs.add(
            "containerDefinitions".into(),
            format!(
                "Too many containers: {} (at most {MAX_CONTAINERS}).",
                containers.len()
            ),
        );
    }
    let names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c.name.as_deref())
        .collect();
    let mut ports = Vec::new();
    let mut gpus = 0u32;
    let mut summaries = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let at = |f: &str| format!("containerDefinitions[{i}].{f}");
        let name = c.name.clone().unwrap_or_default();
        let cpu = errs.whole(c.cpu, at("cpu"));
        let memory = errs.whole(c.memory, at("memory"));
        let memory_reservation = errs.whole(c.memory_reservation, at("memoryReservation"));
        let stop_timeout = errs.whole(c.stop_timeout, at("stopTimeout"));
        if name.is_empty() {
            errs.add(at("name"), "Container name is required.".into());
        } else if !name_ok(&name) {
            errs.add(at("name"), format!("Container name \"{name}\" may contain only letters, numbers, hyphens and underscores."));
        } else if names.iter().filter(|n| **n == name).count() > 1 {
            errs.add(at("name"), format!("Duplicate container name \"{name}\"."));
        }
        if c.image.as_deref().is_none_or(|s| s.trim().is_empty()) {
            errs.add(at("image"), "Container image is required.".into());
        }
        // Rule 4 and 5: memory.
        if task_memory.is_none() && memory.is_none() && memory_reservation.is_none() && !fargate {
            errs.add(at("memory"), format!("Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified."));
        }
        if let (Some(hard), Some(soft)) = (memory, memory_reservation) {
            if hard <= soft {
                errs.add(at("memory"), format!("Invalid setting for container '{name}'. 'memory' ({hard}) must be greater than 'memoryReservation' ({soft})."));
            }
        }
        if memory.is_some_and(|m| m < 6) {
            errs.add(at("memory"), format!("Invalid setting for container '{name}'. The memory limit must be at least 6 MiB."));
        }
        check_ports(c, i, network_mode, &mut errs, &mut ports);
        if !c.links.is_empty() && network_mode != NetworkMode::Bridge {
            errs.add(
                at("links"),
                "Links are only supported in the bridge network mode.".into(),
            );
        }
        for (l, link) in c.links.iter().enumerate() {
            let target = link.split(':').next().unwrap_or("");
            if !names.contains(&target) {
                errs.add(
                    format!("containerDefinitions[{i}].links[{l}]"),
                    format!("Link \"{link}\" names a container that does not exist."),
                );
            }
        }
        if c.hostname.is_some() && network_mode == NetworkMode::Awsvpc {
            errs.add(
                at("hostname"),
                "The hostname parameter is not supported in the awsvpc network mode.".into(),
            );
        }
        // Rule 9: dependsOn.
        for (d, dep) in c.depends_on.iter().enumerate() {
            let cond = dep.condition.as_deref().unwrap_or("");
            if !["START", "COMPLETE", "SUCCESS", "HEALTHY"].contains(&cond) {
                errs.add(format!("containerDefinitions[{i}].dependsOn[{d}].condition"), format!("Invalid condition \"{cond}\"; valid values are START, COMPLETE, SUCCESS, HEALTHY."));
            }
            if dep
                .container_name
                .as_deref()
                .is_none_or(|n| !names.contains(&n))
            {
                errs.add(
                    format!("containerDefinitions[{i}].dependsOn[{d}].containerName"),
                    "dependsOn names a container that does not exist.".into(),
                );
            }
        }
        if let Some(hc) = &c.health_check {
            let first = hc.command.first().map(String::as_str).unwrap_or("");
            if !["CMD", "CMD-SHELL", "NONE"].contains(&first) {
                errs.add(
                    at("healthCheck.command"),
                    "The health check command must start with CMD or CMD-SHELL.".into(),
                );
            }
            for (f, v, lo, hi) in [
                ("interval", hc.interval, 5, 300),
                ("timeout", hc.timeout, 2, 60),
                ("retries", hc.retries, 1, 10),
                ("startPeriod", hc.start_period, 0, 300),
            ] {
                if let Some(v) = v.filter(|v| !(lo..=hi).contains(v)) {
                    errs.add(
                        at(&format!("healthCheck.{f}")),
                        format!("Health check {f} {v} is outside {lo} to {hi}."),
                    );
                }
            }
        }
        for (r, req) in c.resource_requirements.iter().enumerate() {
            if req.kind.as_deref() == Some("GPU") {
                match req
                    .value
                    .as_deref()
                    .and_then(|v| v.trim().parse::<u32>().ok())
                {
                    Some(n) => gpus = gpus.saturating_add(n),
                    None => errs.add(
                        format!("containerDefinitions[{i}].resourceRequirements[{r}].value"),
                        "The GPU count must be a whole number.".into(),
                    ),
                }
            }
        }
        summaries.push(ContainerSummary {
            name,
            image: c.image.clone().unwrap_or_default(),
            essential: c.essential.unwrap_or(true),
            memory,
            memory_reservation,
            cpu: cpu.unwrap_or(0),
            stop_timeout_s: stop_timeout,
            has_health_check: c.health_check.is_some(),
            health_check_interval_s: c.health_check.as_ref().map(|h| {
                h.interval
                    .and_then(|i| u32::try_from(i).ok())
                    .filter(|i| (5..=300).contains(i))
                    .unwrap_or(30)
            }),
            health_check_retries: c
                .health_check
                .as_ref()
                .and_then(|h| h.retries)
                .and_then(|r| u32::try_from(r).ok())
                .filter(|r| (1..=10).contains(r))
                .unwrap_or(3),
            restart_policy: c
                .restart_policy
                .as_ref()
                .filter(|r| r.enabled == Some(true))
                .map(|r| super::RestartPolicy {
                    ignored_exit_codes: r.ignored_exit_codes.clone(),
                    attempt_period_s: r
                        .restart_attempt_period
                        .and_then(|p| u32::try_from(p).ok())
                        .unwrap_or(300),
                }),
            depends_on: c
                .depends_on
                .iter()
                .filter_map(|d| Some((d.container_name.clone()?, d.condition.clone()?)))
                .collect(),
        });
    }
    // Rule 8: at least one essential container.
    if !containers.is_empty() && !summaries.iter().any(|c| c.essential) {
        errs.add(
            "containerDefinitions".into(),
            "At least one essential container is required.".into(),
        );
    }
    for (i, c) in containers.iter().enumerate() {
        for (d, dep) in c.depends_on.iter().enumerate() {
            let target = summaries
                .iter()
                .find(|s| Some(s.name.as_str()) == dep.container_name.as_deref());
            if matches!(dep.condition.as_deref(), Some("COMPLETE" | "SUCCESS"))
                && target.is_some_and(|t| t.essential)
            {
                errs.add(
                    format!("containerDefinitions[{i}].dependsOn[{d}].condition"),
                    "COMPLETE and SUCCESS conditions cannot depend on an essential container."
                        .into(),
                );
            }
        }
    }
    if let Some(proxy) = input
        .proxy_configuration
        .as_ref()
        .and_then(|p| p.container_name.as_deref())
    {
        if !names.contains(&proxy) {
            errs.add(
                "proxyConfiguration.containerName".into(),
                format!("The proxy container \"{proxy}\" is not in the task definition."),
            );
        }
    }
    let mut member_of = Vec::new();
    for (i, pc) in input.placement_constraints.iter().enumerate() {
        match pc.kind.as_deref() {
            Some("memberOf") => {
                let e = pc.expression.clone().unwrap_or_default();
                if e.len() > 2000 {
                    errs.add(
                        format!("placementConstraints[{i}].expression"),
                        "The expression is longer than 2000 characters.".into(),
                    );
                }
                member_of.push(e);
            }
            other => errs.add(
                format!("placementConstraints[{i}].type"),
                format!(
                    "Only memberOf constraints are allowed in a task definition, not {other:?}."
                ),
            ),
        }
    }
    for (path, message) in crate::efs::check_volumes(input) {
        errs.add(path, message);
    }
    for (path, message) in
        super::platform_rules::check(input, fargate, network_mode, (task_cpu, task_memory))
    {
        errs.add(path, message);
    }
    if !errs.0.is_empty() {
        return Err(errs.0);
    }
    // Saturating: the API puts no upper bound on a container's cpu or memory (a RunTask
    // override can give any integer), and a sum too large for any instance stays one.
    let container_cpu = summaries.iter().fold(0u32, |a, c| a.saturating_add(c.cpu));
    let container_memory = summaries.iter().fold(0u32, |a, c| {
        a.saturating_add(c.memory_reservation.or(c.memory).unwrap_or(0))
    });
    let mut required_attributes = Vec::new();
    if network_mode == NetworkMode::Awsvpc {
        required_attributes.push("ecs.capability.task-eni".to_string());
    }
    if input.task_role_arn.is_some() {
        required_attributes.push("com.amazonaws.ecs.capability.task-iam-role".to_string());
    }
    if containers.iter().any(|c| c.privileged == Some(true)) {
        required_attributes.push("com.amazonaws.ecs.capability.privileged-container".to_string());
    }
    for c in containers {
        if let Some(driver) = c
            .log_configuration
            .as_ref()
            .and_then(|l| l.log_driver.as_deref())
        {
            let attr = format!("com.amazonaws.ecs.capability.logging-driver.{driver}");
            if !required_attributes.contains(&attr) {
                required_attributes.push(attr);
            }
        }
    }
    Ok(ValidTaskDefinition {
        input: input.clone(),
        family,
        network_mode,
        compatibilities,
        cpu_units: task_cpu.unwrap_or(container_cpu),
        memory_mib: task_memory.unwrap_or(container_memory),
        task_cpu_units: task_cpu,
        task_memory_mib: task_memory,
        gpus,
        needs_eni: network_mode == NetworkMode::Awsvpc,
        ports,
        required_attributes,
        member_of,
        containers: summaries,
        cpu_architecture,
        os_family,
    })
}

/// Port rules of 1.5 and 1.12 (6, 7, 11).
fn check_ports(
    c: &ContainerDefinition,
    i: usize,
    mode: NetworkMode,
    errs: &mut Errors,
    out: &mut Vec<PortRequest>,
) {
    let name = c.name.clone().unwrap_or_default();
    if mode == NetworkMode::None && !c.port_mappings.is_empty() {
        errs.add(
            format!("containerDefinitions[{i}].portMappings"),
            "Port mappings are not allowed in the none network mode.".into(),
        );
        return;
    }
    let mut seen: Vec<(i64, Protocol)> = Vec::new();
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for (p, pm) in c.port_mappings.iter().enumerate() {
        let at = |f: &str| format!("containerDefinitions[{i}].portMappings[{p}].{f}");
        let protocol = match pm.protocol.as_deref() {
            None | Some("tcp") => Protocol::Tcp,
            Some("udp") => Protocol::Udp,
            Some(other) => {
                errs.add(
                    at("protocol"),
                    format!("Invalid protocol \"{other}\"; valid values are tcp, udp."),
                );
                Protocol::Tcp
            }
        };
        if let Some(range) = &pm.container_port_range {
            let at_range = at("containerPortRange");
            let Some((first, last)) = check_port_range(range, pm, mode, &at_range, errs) else {
                continue;
            };
            let single = |&(port, _): &(i64, Protocol)| (first..=last).contains(&port);
            if ranges.iter().any(|&(a, b)| a <= last && first <= b) || seen.iter().any(single) {
                errs.add(
                    at_range,
                    format!("Port range {range} overlaps another port mapping of the container; a port can be in only one."),
                );
                continue;
            }
            ranges.push((first, last));
            if ranges.len() == MAX_PORT_RANGES + 1 {
                errs.add(
                    at_range,
                    format!("A container can have at most {MAX_PORT_RANGES} port ranges."),
                );
            }
            out.push(PortRequest {
                container_name: name.clone(),
                container_port: first as u16,
                host_port: (mode == NetworkMode::Awsvpc).then_some(first as u16),
                protocol,
                count: (last - first + 1) as u16,
            });
            continue;
        }
        let Some(container_port) = pm.container_port.filter(|p| (1..=65535).contains(p)) else {
            errs.add(
                at("containerPort"),
                "containerPort is required and must be 1 to 65535.".into(),
            );
            continue;
        };
        if seen
            .iter()
            .any(|(cp, pr)| *cp == container_port && *pr != protocol)
        {
            errs.add(
                at("protocol"),
                format!("Container port {container_port} is listed for both tcp and udp."),
            );
        }
        if ranges
            .iter()
            .any(|&(a, b)| (a..=b).contains(&container_port))
        {
            errs.add(
                at("containerPort"),
                format!("Container port {container_port} is inside a containerPortRange of the container; a port can be in only one mapping."),
            );
        }
        seen.push((container_port, protocol));
        let host = pm.host_port.filter(|h| *h != 0);
        match mode {
            NetworkMode::Awsvpc | NetworkMode::Host
                if pm.host_port.is_some_and(|h| h != container_port) =>
            {
                let m = if mode == NetworkMode::Awsvpc {
                    "awsvpc"
                } else {
                    "host"
                };
                errs.add(at("hostPort"), format!("When networkMode={m}, hostPort must be empty or equal to containerPort ({container_port})."));
            }
            _ => {}
        }
        if host.is_some_and(|h| !(0..=65535).contains(&h)) {
            errs.add(at("hostPort"), "hostPort must be 0 to 65535.".into());
            continue;
        }
        let host_port = match mode {
            NetworkMode::Bridge => host.map(|h| h as u16),
            _ => Some(container_port as u16),
        };
        out.push(PortRequest {
            container_name: name.clone(),
            container_port: container_port as u16,
            host_port,
            protocol,
            count: 1,
        });
    }
}

/// The rules of a `containerPortRange` (1.5): bridge or awsvpc only; `"first-last"` with
/// 1 ≤ first < last ≤ 65535; no `hostPort` (ECS assigns the host range). A `containerPort`
/// beside the range is refused too [unconfirmed: AWS's CDK leaves it unset for a range].
/// Returns the range when it is valid.
fn check_port_range(
    range: &str,
    pm: &super::model::PortMapping,
    mode: NetworkMode,
    at: &str,
    errs: &mut Errors,
) -> Option<(i64, i64)> {
    if !matches!(mode, NetworkMode::Bridge | NetworkMode::Awsvpc) {
        errs.add(
            at.to_string(),
            "containerPortRange requires the bridge or awsvpc network mode.".into(),
        );
        return None;
    }
    let parsed = range.split_once('-').and_then(|(a, b)| {
        let first: i64 = a.trim().parse().ok()?;
        let last: i64 = b.trim().parse().ok()?;
        (1 <= first && first < last && last <= 65535).then_some((first, last))
    });
    let Some(bounds) = parsed else {
        errs.add(
            at.to_string(),
            format!("\"{range}\" is not a port range: two ports from 1 to 65535, the first lower than the last, e.g. \"8000-8100\"."),
        );
        return None;
    };
    if pm.host_port.is_some_and(|h| h != 0) {
        let host_at = at.replace("containerPortRange", "hostPort");
        errs.add(
            host_at,
            "Leave hostPort empty with a containerPortRange: ECS assigns the host port range."
                .into(),
        );
        return None;
    }
    if pm.container_port.is_some_and(|p| p != 0) {
        let port_at = at.replace("containerPortRange", "containerPort");
        errs.add(
            port_at,
            "Give either containerPort or containerPortRange in a port mapping, not both.".into(),
        );
        return None;
    }
    Some(bounds)
}

/// Collected refusals, each phrased as a ClientException.
#[derive(Default)]
struct Errors(Vec<TaskDefinitionError>);

impl Errors {
    fn add(&mut self, path: String, msg: String) {
        self.0.push(TaskDefinitionError::at(
            path,
            format!("ClientException: {msg}"),
        ));
    }

    /// A JSON integer that must be a whole number from 0 to 2^32-1.
    fn whole(&mut self, v: Option<i64>, path: String) -> Option<u32> {
        let n = v?;
        match u32::try_from(n) {
            Ok(x) => Some(x),
            Err(_) => {
                self.add(
                    path,
                    format!("{n} is not a valid value; it must be a non-negative whole number."),
                );
                None
            }
        }
    }
}
