//! Classic Load Balancers (8.6 CLB) in front of ECS services: `aws elb create-load-balancer`.
//!
//! Scenario section `classicLoadBalancers[]`: each entry is a CreateLoadBalancer request
//! (Elastic Load Balancing 2012-06-01), verbatim — `LoadBalancerName`, `Listeners`
//! (`Protocol`, `LoadBalancerPort`, `InstanceProtocol`, `InstancePort`), `AvailabilityZones`
//! or `Subnets`, `SecurityGroups`, `Scheme`, `Tags` — plus the `HealthCheck` of
//! `configure-health-check` and the `LoadBalancerAttributes` of
//! `modify-load-balancer-attributes` in the same object. A `describe-load-balancers` output
//! (`{"LoadBalancerDescriptions": [...]}`, or one description with `ListenerDescriptions`)
//! is accepted too; its read-only members are ignored.
//!
//! What AWS documents, and the playground does:
//! - ECS registers the whole container instance, not a port: "When a task from this service
//!   is placed on a container instance, the container instance is registered with the load
//!   balancer specified here." [API-CS]. The load balancer sends each listener's traffic to
//!   its `InstancePort`, so the task needs that fixed host port: "Classic Load Balancers
//!   currently require a fixed relationship between the load balancer port and the container
//!   instance port" — one task per container instance, and at least as many instances as
//!   tasks [LBT]. A dynamic host port is refused: "A host port mapping for the container
//!   port 80 is required." [observed].
//! - `awsvpc` (so Fargate) is refused: "Classic Load Balancers are not supported." [API-LB];
//!   a service has at most one Classic Load Balancer (a quota of 1) and no target group
//!   beside it; the deployment circuit breaker is refused [observed].
//! - Health checks: `HealthCheck.Target` (`TCP:80` by default, as the API creates it),
//!   `Interval` 5–300 (30), `Timeout` 2–60 (5, less than the interval), `UnhealthyThreshold`
//!   2–10 (2), `HealthyThreshold` 2–10 (10: a new instance is `OutOfService` for five
//!   minutes by default) [CLB-HC]. An instance is `InService` once the check passes; an
//!   HTTP check passes on "200 OK" only. ECS stops and replaces a task whose instance fails
//!   (after the grace period), with the service event `(service …) (task …) (instance …) is
//!   unhealthy in (elb …) due to (reason Instance has failed at least the
//!   UnhealthyThreshold number of health checks consecutively.)`.
//! - Container health checks do not stop tasks: "The Amazon ECS service scheduler ignores
//!   tasks in an UNHEALTHY state that are behind a Classic Load Balancer." [TS].
//! - Routing: least outstanding requests for HTTP and HTTPS listeners, round robin for TCP and
//!   SSL [ELB-RT]; only `InService` instances get requests, and with none the load balancer
//!   answers 503 (it does not fail open as an ALB does). Cross-zone load balancing is off
//!   unless `LoadBalancerAttributes.CrossZoneLoadBalancing.Enabled` ("With the API or CLI,
//!   cross-zone load balancing is disabled by default" [CLB-CZ]): each enabled zone's node
//!   then gets an equal share and spreads it over its own zone's instances only; a zone with
//!   no healthy instance passes its share to the others [ELB-RT].
//! - An instance in a zone the load balancer does not serve never passes ("Instance is in the
//!   EC2 Availability Zone for which LoadBalancer is not configured to route traffic to.").
//! - Deregistering: ECS deregisters the instance when the task stops (`(service …)
//!   deregistered 1 instances in (elb …)`); with `ConnectionDraining` enabled the instance
//!   stays `InService` ("Instance deregistration currently in progress.") for its `Timeout`
//!   (1–3600, 300 by default), otherwise it is gone at once. Because whole instances are
//!   deregistered, "a task from one service stopping can cause the entire container instance
//!   to be deregistered … while another task from a different service on the same container
//!   instance is still using it" [SLB]: the other task's registration ends too.
//! - Metrics: `AWS/ELB` with dimension `LoadBalancerName`: `RequestCount`, `Latency`,
//!   `HTTPCode_ELB_5XX`, `HealthyHostCount`, `UnHealthyHostCount`. There is no target group,
//!   so `ALBRequestCountPerTarget` cannot scale such a service.
//!
//! Where AWS is silent [unconfirmed]:
//! - A container port whose host port no listener forwards to is refused with the role
//!   validation error ECS gives for listeners ("Unable to assume role and validate the
//!   listeners configured on your load balancer. …"), plus the playground's reason.
//! - `ConnectionDraining` is off unless enabled (AWS's API examples show it off).
//! - The health check passes when a task on the instance (this one or another) has the
//!   check's port as a host port; the verdict is taken when the task registers.
//! - UpdateService cannot add, change or remove a Classic Load Balancer (AWS documents
//!   updating target groups only); a CodeDeploy or EXTERNAL controller cannot use one.
//!
//! Sources:
//! - [API-CS] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>
//! - [API-LB] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LoadBalancer.html>
//! - [LBT] section 8.6 of the behaviour reference (the 2018 ECS guide's load-balancer-types)
//! - [CLB-HC] <https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-healthchecks.html>
//! - [CLB-CZ] <https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/enable-disable-crosszone-lb.html>
//! - [ELB-RT] <https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html>
//! - [TS] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/troubleshoot-service-load-balancers.html>
//! - [SLB] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html>

use std::collections::BTreeMap;

use serde_json::Value;

use super::target_group::{
    int_in, Algorithm, HealthCheck, Protocol, Target, TargetGroup, TargetState, TargetType,
    ARN_ACCOUNT_REGION,
};
use super::LoadBalancer;

/// ECS's answer when it cannot validate a Classic Load Balancer's listeners for the service
/// (two spaces after the first sentence, as users quote it).
pub const LISTENERS_UNVALIDATED: &str = "Unable to assume role and validate the listeners configured on your load balancer.  Please verify the role being passed has the proper permissions.";

/// The `InstanceState.Description` of an instance that failed its checks.
pub const FAILED_CHECKS: &str =
    "Instance has failed at least the UnhealthyThreshold number of health checks consecutively.";

/// One listener: `LoadBalancerPort` → `InstancePort`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicListener {
    /// `Protocol`: HTTP, HTTPS, TCP or SSL.
    pub protocol: String,
    /// `LoadBalancerPort`.
    pub load_balancer_port: u16,
    /// `InstanceProtocol` (the front end's protocol when absent).
    pub instance_protocol: String,
    /// `InstancePort`: the fixed host port a task must use.
    pub instance_port: u16,
}

impl ClassicListener {
    /// `HTTP:80 → HTTP:8080`.
    pub fn label(&self) -> String {
        format!(
            "{}:{} → {}:{}",
            self.protocol, self.load_balancer_port, self.instance_protocol, self.instance_port
        )
    }
}

/// A Classic Load Balancer's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classic {
    /// `Listeners`.
    pub listeners: Vec<ClassicListener>,
    /// The zones it serves: `AvailabilityZones` and those of its `Subnets` (at least one).
    pub zones: Vec<String>,
    /// `LoadBalancerAttributes.CrossZoneLoadBalancing.Enabled` (false by default).
    pub cross_zone: bool,
    /// `HealthCheck.Target` as given (`TCP:80` by default).
    pub health_target: String,
}

impl Classic {
    /// Whether an instance in `zone` can be in service.
    pub fn serves(&self, zone: &str) -> bool {
        self.zones.iter().any(|z| z == zone)
    }
}

/// The registrations of `targets` one per instance, as DescribeInstanceHealth lists them:
/// tasks of several services on one instance share its registration; the first one not
/// deregistering stands for it.
pub fn per_instance(targets: &[Target]) -> Vec<&Target> {
    let mut out: Vec<&Target> = Vec::new();
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for x in targets {
        match at.get(x.id.as_str()) {
            Some(&i) => {
                if out[i].state == TargetState::Draining && x.state != TargetState::Draining {
                    out[i] = x;
                }
            }
            None => {
                at.insert(&x.id, out.len());
                out.push(x);
            }
        }
    }
    out
}

/// DescribeInstanceHealth's `(State, ReasonCode, Description)` for a registered target.
pub fn instance_state(target: &Target) -> (&'static str, &'static str, &'static str) {
    match target.state {
        TargetState::Healthy => ("InService", "N/A", "N/A"),
        TargetState::Draining => ("InService", "N/A", "Instance deregistration currently in progress."),
        TargetState::Initial => ("OutOfService", "ELB", "Instance registration is still in progress."),
        TargetState::Unhealthy if target.reason == Some(ZONE_NOT_SERVED) => (
            "OutOfService",
            "ELB",
            "Instance is in the EC2 Availability Zone for which LoadBalancer is not configured to route traffic to.",
        ),
        TargetState::Unhealthy => ("OutOfService", "Instance", FAILED_CHECKS),
    }
}

/// The reason kept on a target whose instance is in a zone the load balancer does not serve
/// (the target group's `Target.NotInUse`).
pub const ZONE_NOT_SERVED: &str = "Target.NotInUse";

/// Members of a `describe-load-balancers` description that only AWS sets.
const READ_ONLY: &[&str] = &[
    "DNSName",
    "CanonicalHostedZoneName",
    "CanonicalHostedZoneNameID",
    "Instances",
    "CreatedTime",
    "SourceSecurityGroup",
    "VPCId",
    "Policies",
    "BackendServerDescriptions",
];

/// The entries of `classicLoadBalancers[]`, with a `describe-load-balancers` output's
/// `LoadBalancerDescriptions` spread out; each with the path its errors name.
pub fn entries(items: &[Value]) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (i, v) in items.iter().enumerate() {
        match v.get("LoadBalancerDescriptions").and_then(Value::as_array) {
            Some(list) => out.extend(list.iter().enumerate().map(|(j, d)| {
                (
                    format!("classicLoadBalancers[{i}].LoadBalancerDescriptions[{j}]"),
                    d,
                )
            })),
            None => out.push((format!("classicLoadBalancers[{i}]"), v)),
        }
    }
    out
}

/// The read-only members `v` carries (ignored).
pub fn read_only_members(v: &Value) -> Vec<&'static str> {
    READ_ONLY
        .iter()
        .copied()
        .filter(|k| v.get(*k).is_some_and(|x| !x.is_null()))
        .collect()
}

/// Parses one Classic Load Balancer into its load balancer and the target group that holds
/// its registered instances; `subnet_zones` maps the scenario's subnets to their zones.
pub fn parse(
    v: &Value,
    path: &str,
    subnet_zones: &BTreeMap<String, String>,
) -> Result<(LoadBalancer, TargetGroup), String> {
    let name = v
        .get("LoadBalancerName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("{path}.LoadBalancerName: required"))?;
    if name.len() > 32 {
        return Err(format!(
            "{path}.LoadBalancerName: ValidationError: LoadBalancer name cannot be longer than 32 characters"
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("{path}.LoadBalancerName: ValidationError: LoadBalancer name cannot contain characters that are not letters, or digits or the dash."));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(format!(
            "{path}.LoadBalancerName: {name:?} cannot begin or end with a hyphen"
        ));
    }
    let listeners = parse_listeners(v, path)?;
    let zones = parse_zones(v, path, subnet_zones)?;
    // `Scheme` is checked and kept in the request: the model has no public or private side.
    if let Some(other) = v
        .get("Scheme")
        .and_then(Value::as_str)
        .filter(|s| !matches!(*s, "internet-facing" | "internal"))
    {
        return Err(format!(
            "{path}.Scheme: InvalidScheme: {other:?} is not internet-facing or internal"
        ));
    }
    let (health_check, health_target) = parse_health_check(v, path)?;
    let (cross_zone, connection_draining_s) = parse_attributes(v, path)?;
    let http =
        listeners[0].instance_protocol == "HTTP" || listeners[0].instance_protocol == "HTTPS";
    let arn = format!("arn:aws:elasticloadbalancing:{ARN_ACCOUNT_REGION}:loadbalancer/{name}");
    let balancer = LoadBalancer {
        name: name.to_string(),
        arn: arn.clone(),
        dimension: name.to_string(),
        network: false,
        classic: true,
        security_groups: crate::request::string_list(v.get("SecurityGroups")),
    };
    let group = TargetGroup {
        name: name.to_string(),
        arn,
        target_type: TargetType::Instance,
        protocol: listeners[0].instance_protocol.clone(),
        layer: if http {
            Protocol::Http
        } else {
            Protocol::Transport
        },
        port: Some(listeners[0].instance_port),
        health_check,
        // `ConnectionDraining`: its timeout when enabled, else none.
        deregistration_delay_s: connection_draining_s.unwrap_or(0),
        slow_start_s: 0,
        algorithm: if http {
            Algorithm::LeastOutstandingRequests
        } else {
            Algorithm::RoundRobin
        },
        load_balancer: None,
        listeners: listeners.iter().map(ClassicListener::label).collect(),
        targets: Vec::new(),
        classic: Some(Classic {
            listeners,
            zones,
            cross_zone,
            health_target,
        }),
        by_task: Default::default(),
    };
    Ok((balancer, group))
}

/// A protocol of a listener or health check, upper-cased, if it is one of `allowed`.
fn protocol_in(v: Option<&Value>, allowed: &[&str]) -> Option<String> {
    let p = v?.as_str()?.to_ascii_uppercase();
    allowed.contains(&p.as_str()).then_some(p)
}

fn parse_listeners(v: &Value, path: &str) -> Result<Vec<ClassicListener>, String> {
    // CreateLoadBalancer's `Listeners`, or describe output's `ListenerDescriptions[].Listener`.
    let (key, items): (&str, Vec<&Value>) =
        match (v.get("Listeners"), v.get("ListenerDescriptions")) {
            (Some(l), _) => (
                "Listeners",
                l.as_array()
                    .ok_or_else(|| format!("{path}.Listeners: must be a list"))?
                    .iter()
                    .collect(),
            ),
            (None, Some(d)) => (
                "ListenerDescriptions",
                d.as_array()
                    .ok_or_else(|| format!("{path}.ListenerDescriptions: must be a list"))?
                    .iter()
                    .map(|x| x.get("Listener").unwrap_or(x))
                    .collect(),
            ),
            (None, None) => {
                return Err(format!(
                    "{path}.Listeners: required (CreateLoadBalancer needs at least one listener)"
                ))
            }
        };
    if items.is_empty() {
        return Err(format!("{path}.{key}: at least one listener is required"));
    }
    let mut out: Vec<ClassicListener> = Vec::new();
    for (i, l) in items.into_iter().enumerate() {
        let lp = format!("{path}.{key}[{i}]");
        const ALL: &[&str] = &["HTTP", "HTTPS", "TCP", "SSL"];
        let protocol = protocol_in(l.get("Protocol"), ALL)
            .ok_or_else(|| format!("{lp}.Protocol: required, one of HTTP, HTTPS, TCP or SSL"))?;
        let instance_protocol = match l.get("InstanceProtocol") {
            None | Some(Value::Null) => protocol.clone(),
            given => protocol_in(given, ALL)
                .ok_or_else(|| format!("{lp}.InstanceProtocol: one of HTTP, HTTPS, TCP or SSL"))?,
        };
        let web = |p: &str| p == "HTTP" || p == "HTTPS";
        if web(&protocol) != web(&instance_protocol) {
            return Err(format!("{lp}.InstanceProtocol: If the front-end protocol is TCP or SSL, the back-end protocol must be TCP or SSL. If the front-end protocol is HTTP or HTTPS, the back-end protocol must be HTTP or HTTPS."));
        }
        if l.get("LoadBalancerPort").is_none() {
            return Err(format!("{lp}.LoadBalancerPort: required"));
        }
        if l.get("InstancePort").is_none() {
            return Err(format!("{lp}.InstancePort: required"));
        }
        let listener = ClassicListener {
            load_balancer_port: int_in(l, "LoadBalancerPort", 1, 65535, 80, &lp)? as u16,
            instance_port: int_in(l, "InstancePort", 1, 65535, 80, &lp)? as u16,
            protocol,
            instance_protocol,
        };
        if let Some(o) = out
            .iter()
            .find(|o| o.load_balancer_port == listener.load_balancer_port)
        {
            if *o != listener {
                return Err(format!("{lp}.LoadBalancerPort: DuplicateListener: A listener already exists for the specified load balancer name and port, but with a different instance port, protocol, or SSL certificate."));
            }
            continue;
        }
        out.push(listener);
    }
    Ok(out)
}

fn parse_zones(
    v: &Value,
    path: &str,
    subnet_zones: &BTreeMap<String, String>,
) -> Result<Vec<String>, String> {
    let mut zones = crate::request::string_list(v.get("AvailabilityZones"));
    let mut subnet_zones_seen: Vec<&String> = Vec::new();
    for (i, subnet) in crate::request::string_list(v.get("Subnets"))
        .iter()
        .enumerate()
    {
        let zone = subnet_zones.get(subnet).ok_or_else(|| {
            format!("{path}.Subnets[{i}]: SubnetNotFound: subnet {subnet} is not in the scenario (give it in subnets[] with its availabilityZone)")
        })?;
        if subnet_zones_seen.contains(&zone) {
            return Err(format!(
                "{path}.Subnets[{i}]: You can add only one subnet per Availability Zone ({zone})."
            ));
        }
        subnet_zones_seen.push(zone);
        if !zones.contains(zone) {
            zones.push(zone.clone());
        }
    }
    if zones.is_empty() {
        return Err(format!("{path}.AvailabilityZones: You must specify at least one Availability Zone (or give Subnets)."));
    }
    Ok(zones)
}

fn parse_health_check(v: &Value, path: &str) -> Result<(HealthCheck, String), String> {
    let hc = v.get("HealthCheck").filter(|h| !h.is_null());
    let hp = format!("{path}.HealthCheck");
    let target = match hc.map(|h| h.get("Target")) {
        Some(Some(t)) => t
            .as_str()
            .ok_or_else(|| format!("{hp}.Target: must be a string like HTTP:80/ or TCP:80"))?,
        Some(None) => return Err(format!("{hp}.Target: required")),
        None => "TCP:80",
    };
    let (protocol, rest) = target.split_once(':').ok_or_else(|| {
        format!("{hp}.Target: {target:?} is not PROTOCOL:PORT (TCP:80, HTTP:80/index.html)")
    })?;
    let protocol = protocol.to_ascii_uppercase();
    let (port, ping_path) = match rest.split_once('/') {
        Some((port, p)) => (port, format!("/{p}")),
        None => (rest, String::new()),
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| format!("{hp}.Target: {port:?} is not a port from 1 to 65535"))?;
    let http = match protocol.as_str() {
        "HTTP" | "HTTPS" => {
            if ping_path.is_empty() {
                return Err(format!(
                    "{hp}.Target: for HTTP/HTTPS, you must include a ping path in the string ({protocol}:{port}/)"
                ));
            }
            true
        }
        "TCP" | "SSL" => false,
        other => {
            return Err(format!(
                "{hp}.Target: {other:?} is not TCP, HTTP, HTTPS or SSL"
            ))
        }
    };
    let empty = Value::Null;
    let h = hc.unwrap_or(&empty);
    let interval_s = int_in(h, "Interval", 5, 300, 30, &hp)?;
    let timeout_s = int_in(h, "Timeout", 2, 60, 5, &hp)?;
    if timeout_s >= interval_s {
        return Err(format!(
            "{hp}.Timeout: {timeout_s} must be less than the Interval value ({interval_s})"
        ));
    }
    let check = HealthCheck {
        interval_s,
        timeout_s,
        healthy_threshold: int_in(h, "HealthyThreshold", 2, 10, 10, &hp)?,
        unhealthy_threshold: int_in(h, "UnhealthyThreshold", 2, 10, 2, &hp)?,
        path: if ping_path.is_empty() {
            "/".to_string()
        } else {
            ping_path
        },
        // "Any answer other than "200 OK" within the timeout period is considered unhealthy."
        matcher: "200".to_string(),
        port: Some(port),
        http,
    };
    Ok((check, target.to_string()))
}

/// `(cross-zone, connection draining timeout)` from `LoadBalancerAttributes`.
fn parse_attributes(v: &Value, path: &str) -> Result<(bool, Option<u64>), String> {
    let Some(attrs) = v.get("LoadBalancerAttributes").filter(|a| !a.is_null()) else {
        return Ok((false, None));
    };
    let ap = format!("{path}.LoadBalancerAttributes");
    let obj = attrs.as_object().ok_or_else(|| {
        format!("{ap}: must be an object (modify-load-balancer-attributes' LoadBalancerAttributes)")
    })?;
    let enabled = |key: &str| -> Result<Option<bool>, String> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(a) => a
                .get("Enabled")
                .and_then(Value::as_bool)
                .map(Some)
                .ok_or_else(|| format!("{ap}.{key}.Enabled: required, true or false")),
        }
    };
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "CrossZoneLoadBalancing"
                | "ConnectionDraining"
                | "ConnectionSettings"
                | "AccessLog"
                | "AdditionalAttributes"
        ) {
            return Err(format!("{ap}.{key}: LoadBalancerAttributeNotFound: The specified load balancer attribute does not exist."));
        }
    }
    if let Some(settings) = obj.get("ConnectionSettings").filter(|s| !s.is_null()) {
        // Kept, not simulated: requests are rates here, so idle connections do not matter.
        if settings.get("IdleTimeout").is_none() {
            return Err(format!("{ap}.ConnectionSettings.IdleTimeout: required"));
        }
        int_in(
            settings,
            "IdleTimeout",
            1,
            3600,
            60,
            &format!("{ap}.ConnectionSettings"),
        )?;
    }
    enabled("AccessLog")?;
    let cross_zone = enabled("CrossZoneLoadBalancing")?.unwrap_or(false);
    let draining = match enabled("ConnectionDraining")? {
        Some(true) => Some(int_in(
            &obj["ConnectionDraining"],
            "Timeout",
            1,
            3600,
            300,
            &format!("{ap}.ConnectionDraining"),
        )?),
        _ => None,
    };
    Ok((cross_zone, draining))
}

/// Requests shared among a Classic Load Balancer's registered instances (8.6, [ELB-RT]):
/// `shares(algorithm, …)` over healthy instances when cross-zone load balancing is on;
/// otherwise each zone with a healthy instance gets an equal part, shared among its own
/// healthy instances only. No healthy instance: nothing is routed (the load balancer answers
/// 503). `zones[i]` is candidate `i`'s zone.
pub fn shares(
    classic: &Classic,
    algorithm: Algorithm,
    candidates: &[super::routing::RouteCandidate],
    zones: &[&str],
) -> Vec<f64> {
    use super::routing::shares as within;
    let healthy = |c: &super::routing::RouteCandidate| c.state == TargetState::Healthy;
    if !candidates.iter().any(healthy) {
        return vec![0.0; candidates.len()];
    }
    if classic.cross_zone {
        return within(algorithm, candidates).1;
    }
    let mut live: Vec<&str> = candidates
        .iter()
        .zip(zones)
        .filter(|(c, _)| healthy(c))
        .map(|(_, z)| *z)
        .collect();
    live.sort_unstable();
    live.dedup();
    let part = 1.0 / live.len() as f64;
    let mut out = vec![0.0; candidates.len()];
    for zone in live {
        let members: Vec<usize> = (0..candidates.len())
            .filter(|&i| zones[i] == zone)
            .collect();
        let local: Vec<_> = members.iter().map(|&i| candidates[i]).collect();
        for (&i, w) in members.iter().zip(within(algorithm, &local).1) {
            out[i] = part * w;
        }
    }
    out
}

impl crate::sim::Simulation {
    /// The name of the Classic Load Balancer service `s` uses, if it uses one.
    pub(crate) fn classic_load_balancer_of(&self, s: usize) -> Option<&str> {
        self.lb
            .classic_of(&self.services[s].load_balancers)
            .map(|t| t.name.as_str())
    }

    /// Resolves a service's `loadBalancers[]` entry `lb` naming Classic Load Balancer `name`
    /// (`count` entries in all) against the scenario and task definition `td`, with ECS's
    /// wording where users have quoted it.
    pub(crate) fn classic_service_load_balancer(
        &self,
        raw: &Value,
        td: &crate::task_definition::ValidTaskDefinition,
        lb: &Value,
        name: &str,
        count: usize,
    ) -> Result<super::ServiceLoadBalancer, String> {
        let path = "loadBalancers[0]";
        if count > 1 {
            return Err(format!("loadBalancers: load balancers can have at most 1 items. (a service with a Classic Load Balancer has that one only: {count} given)"));
        }
        if lb.get("targetGroupArn").is_some_and(|t| !t.is_null()) {
            return Err(format!("{path}: give loadBalancerName (a Classic Load Balancer) or targetGroupArn, not both"));
        }
        if td.needs_eni {
            return Err(format!("{path}.loadBalancerName: Services with tasks that use the awsvpc network mode (for example, those with the Fargate launch type) only support Application Load Balancers and Network Load Balancers. Classic Load Balancers are not supported."));
        }
        let (g, classic) = self
            .lb
            .target_groups
            .iter()
            .enumerate()
            .find_map(|(g, t)| {
                t.classic
                    .as_ref()
                    .filter(|_| t.name == name)
                    .map(|c| (g, c))
            })
            .ok_or_else(|| {
                format!("{path}.loadBalancerName: The load balancer {name} does not exist.")
            })?;
        if let Some(strategy @ ("BLUE_GREEN" | "LINEAR" | "CANARY")) = raw
            .pointer("/deploymentConfiguration/strategy")
            .and_then(Value::as_str)
        {
            return Err(format!("deploymentConfiguration.strategy: {strategy} deployments shift traffic between two target groups, and a Classic Load Balancer has none; use ROLLING"));
        }
        if lb
            .get("advancedConfiguration")
            .is_some_and(|a| !a.is_null())
        {
            return Err(format!("{path}.advancedConfiguration: blue/green, linear and canary deployments shift traffic between target groups; a Classic Load Balancer has none"));
        }
        // (An EXTERNAL service takes no loadBalancers, and a task set no Classic Load
        // Balancer: crate::task_set.)
        if crate::code_deploy::runtime::is_code_deploy(raw) {
            return Err(format!("{path}.loadBalancerName: the CODE_DEPLOY deployment controller needs target groups; a Classic Load Balancer cannot be used (the playground's reading: AWS documents target groups only)"));
        }
        let breaker = raw
            .pointer("/deploymentConfiguration/deploymentCircuitBreaker/enable")
            .and_then(Value::as_bool)
            == Some(true);
        if breaker {
            return Err("deploymentConfiguration.deploymentCircuitBreaker: Deployment circuit breaker feature is not supported with Classic Load Balancers. Remove the Classic Load Balancer and try again.".to_string());
        }
        let (container_name, container_port) = super::container_of(lb, path, td)?;
        let host_port = td
            .ports
            .iter()
            .find(|p| p.container_name == container_name && p.container_port == container_port)
            .and_then(|p| p.host_port)
            .ok_or_else(|| {
                format!("{path}.containerPort: A host port mapping for the container port {container_port} is required. (a Classic Load Balancer sends to a fixed instance port: give the port mapping a hostPort)")
            })?;
        if !classic
            .listeners
            .iter()
            .any(|l| l.instance_port == host_port)
        {
            let ports: Vec<String> = classic
                .listeners
                .iter()
                .map(|l| l.instance_port.to_string())
                .collect();
            return Err(format!(
                "{path}.loadBalancerName: {LISTENERS_UNVALIDATED} (no listener of {name} sends to instance port {host_port}, the host port of {container_name}:{container_port}; its instance ports: {})",
                ports.join(", ")
            ));
        }
        Ok(super::ServiceLoadBalancer {
            target_group: g,
            container_name: container_name.to_string(),
            container_port,
            alternate: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::routing::RouteCandidate;
    use super::*;
    use serde_json::json;

    fn parsed(v: Value) -> Result<(LoadBalancer, TargetGroup), String> {
        let zones = BTreeMap::from([
            ("subnet-a".to_string(), "us-east-1a".to_string()),
            ("subnet-b".to_string(), "us-east-1b".to_string()),
        ]);
        parse(&v, "classicLoadBalancers[0]", &zones)
    }

    #[test]
    fn create_load_balancer_defaults_of_8_6() {
        let (lb, tg) = parsed(json!({"LoadBalancerName": "web",
            "Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
            "Subnets": ["subnet-a", "subnet-b"]}))
        .unwrap();
        assert!(lb.classic && !lb.network);
        assert_eq!(lb.kind(), "Classic Load Balancer");
        assert_eq!(
            tg.arn,
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/web"
        );
        let c = tg.classic.as_ref().unwrap();
        assert_eq!(c.zones, ["us-east-1a", "us-east-1b"]);
        assert!(
            !c.cross_zone,
            "the API leaves cross-zone load balancing off"
        );
        assert_eq!(tg.deregistration_delay_s, 0, "connection draining off");
        // The API's default health check: TCP:80, every 30 s, 10 passes to InService.
        assert_eq!(c.health_target, "TCP:80");
        assert_eq!(tg.health_check.port, Some(80));
        assert!(!tg.health_check.http);
        assert_eq!(tg.time_to_healthy_ms(None), 300_000);
        assert_eq!(tg.algorithm, Algorithm::LeastOutstandingRequests);
        assert_eq!(tg.listeners, ["HTTP:80 → HTTP:8080"]);
        assert!(!tg.is_network());
    }

    #[test]
    fn describe_output_health_check_and_attributes_are_read() {
        let (_, tg) = parsed(json!({"LoadBalancerName": "tcp-lb", "DNSName": "x.elb.amazonaws.com", "AvailabilityZones": ["us-east-1a"],
            "ListenerDescriptions": [{"Listener": {"Protocol": "TCP", "LoadBalancerPort": 443, "InstanceProtocol": "TCP", "InstancePort": 8443}, "PolicyNames": []}],
            "HealthCheck": {"Target": "HTTP:8443/health", "Interval": 10, "Timeout": 3, "UnhealthyThreshold": 3, "HealthyThreshold": 2},
            "LoadBalancerAttributes": {"CrossZoneLoadBalancing": {"Enabled": true}, "ConnectionDraining": {"Enabled": true, "Timeout": 60}}}))
        .unwrap();
        let c = tg.classic.as_ref().unwrap();
        assert!(c.cross_zone);
        assert_eq!(tg.deregistration_delay_s, 60);
        assert_eq!(
            tg.algorithm,
            Algorithm::RoundRobin,
            "TCP listeners: round robin"
        );
        assert_eq!(tg.health_check.path, "/health");
        assert!(tg.health_check.http);
        assert_eq!(tg.time_to_healthy_ms(None), 20_000);
        assert_eq!(tg.time_to_unhealthy_ms(), 30_000);
    }

    #[test]
    fn bad_requests_name_the_field() {
        let base = |extra: Value| {
            let mut v = json!({"LoadBalancerName": "web", "AvailabilityZones": ["us-east-1a"],
                "Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}]});
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            parsed(v).unwrap_err()
        };
        assert!(
            base(json!({"LoadBalancerName": "a".repeat(33)})).contains("cannot be longer than 32")
        );
        assert!(base(json!({"LoadBalancerName": "web_1"}))
            .starts_with("classicLoadBalancers[0].LoadBalancerName"));
        assert!(base(json!({"Listeners": []})).contains("Listeners: at least one"));
        assert!(base(json!({"Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "TCP", "InstancePort": 80}]}))
            .contains("Listeners[0].InstanceProtocol: If the front-end protocol is TCP"));
        assert!(base(
            json!({"Listeners": [{"Protocol": "UDP", "LoadBalancerPort": 80, "InstancePort": 80}]})
        )
        .contains("Listeners[0].Protocol"));
        assert!(base(json!({"HealthCheck": {"Target": "HTTP:80"}})).contains("ping path"));
        assert!(
            base(json!({"HealthCheck": {"Target": "TCP:80", "Interval": 5, "Timeout": 5}}))
                .contains("HealthCheck.Timeout: 5 must be less than the Interval")
        );
        assert!(
            base(json!({"HealthCheck": {"Target": "TCP:80", "HealthyThreshold": 11}}))
                .contains("HealthCheck.HealthyThreshold: 11 is outside 2 to 10")
        );
        assert!(base(json!({"Subnets": ["subnet-zz"]})).contains("Subnets[0]: SubnetNotFound"));
        assert!(base(json!({"Subnets": ["subnet-a", "subnet-a"]}))
            .contains("only one subnet per Availability Zone"));
        assert!(base(json!({"LoadBalancerAttributes": {"Stickiness": {}}}))
            .contains("LoadBalancerAttributeNotFound"));
        assert!(base(json!({"LoadBalancerAttributes": {"ConnectionDraining": {"Enabled": true, "Timeout": 0}}})).contains("ConnectionDraining.Timeout: 0 is outside 1 to 3600"));
        assert!(base(json!({"Scheme": "public"})).contains("Scheme: InvalidScheme"));
        assert!(base(json!({"AvailabilityZones": []}))
            .contains("AvailabilityZones: You must specify at least one Availability Zone"));
    }

    fn c(state: TargetState) -> RouteCandidate {
        RouteCandidate {
            state,
            capacity_rps: 100.0,
            slow_start: 1.0,
        }
    }

    #[test]
    fn without_cross_zone_each_zone_gets_an_equal_part_8_6() {
        // AWS's example: 2 instances in one zone, 8 in the other: 25 % and 6.25 % each.
        let (_, tg) = parsed(
            json!({"LoadBalancerName": "web", "AvailabilityZones": ["a", "b"],
            "Listeners": [{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 80}]}),
        )
        .unwrap();
        let mut classic = tg.classic.unwrap();
        let candidates = vec![c(TargetState::Healthy); 10];
        let zones: Vec<&str> = (0..10).map(|i| if i < 2 { "a" } else { "b" }).collect();
        let s = shares(&classic, Algorithm::RoundRobin, &candidates, &zones);
        assert_eq!(s[0], 0.25);
        assert_eq!(s[9], 0.0625);
        classic.cross_zone = true;
        let s = shares(&classic, Algorithm::RoundRobin, &candidates, &zones);
        assert!(s.iter().all(|x| (x - 0.1).abs() < 1e-12));
        // A zone with no healthy instance passes its part to the others; none: 503s.
        classic.cross_zone = false;
        let mut sick = candidates.clone();
        sick[0] = c(TargetState::Unhealthy);
        sick[1] = c(TargetState::Initial);
        let s = shares(&classic, Algorithm::RoundRobin, &sick, &zones);
        assert_eq!(s[2], 0.125);
        assert_eq!(s[0] + s[1], 0.0);
        let none = vec![c(TargetState::Unhealthy); 3];
        assert_eq!(
            shares(&classic, Algorithm::RoundRobin, &none, &zones[..3]),
            vec![0.0; 3]
        );
    }

    #[test]
    fn instance_states_in_describe_instance_health_words() {
        let mut t = Target {
            task: 0,
            id: "i-1".into(),
            port: 80,
            state: TargetState::Initial,
            reason: Some("Elb.InitialHealthChecking"),
            registered_at: crate::time::SimTime::ZERO,
            passes: true,
            slow_start_until: None,
            drain_until: None,
        };
        assert_eq!(
            instance_state(&t).2,
            "Instance registration is still in progress."
        );
        t.state = TargetState::Unhealthy;
        t.reason = Some("Target.Timeout");
        assert_eq!(
            instance_state(&t),
            ("OutOfService", "Instance", FAILED_CHECKS)
        );
        t.reason = Some(ZONE_NOT_SERVED);
        assert!(instance_state(&t)
            .2
            .starts_with("Instance is in the EC2 Availability Zone"));
        t.state = TargetState::Draining;
        assert_eq!(instance_state(&t).0, "InService");
    }
}
