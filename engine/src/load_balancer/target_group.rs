//! Target groups (8.1–8.3): a CreateTargetGroup request, verbatim, plus the attributes of
//! ModifyTargetGroupAttributes (`Attributes: [{Key, Value}]`) in the same object.

use serde_json::Value;

use crate::time::SimTime;

/// `TargetType` (8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetType {
    /// `instance`: ECS registers `instanceId:hostPort` (bridge and host modes).
    Instance,
    /// `ip`: ECS registers the task ENI's IP and the container port (awsvpc).
    Ip,
}

/// `load_balancing.algorithm.type` (8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `round_robin` (default): equal shares.
    RoundRobin,
    /// `least_outstanding_requests`: shares in proportion to how fast each target serves.
    LeastOutstandingRequests,
    /// `weighted_random`: equal shares in expectation (anomaly mitigation is not modelled).
    WeightedRandom,
    /// A Network Load Balancer's flow hash (8.6): each new flow goes to a target chosen by
    /// hashing it, so healthy targets get equal shares in expectation. Not an attribute
    /// value: TCP target groups have no algorithm to choose.
    FlowHash,
}

impl Algorithm {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::LeastOutstandingRequests => "least_outstanding_requests",
            Algorithm::WeightedRandom => "weighted_random",
            Algorithm::FlowHash => "flow hash",
        }
    }
}

/// `Protocol` of a target group: the layer its load balancer works at (8.1, 8.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `HTTP` or `HTTPS` (the default when absent): behind an Application Load Balancer.
    Http,
    /// `TCP`, `TLS`, `UDP` or `TCP_UDP`: behind a Network Load Balancer.
    Transport,
}

/// Health-check settings with the ALB defaults of 8.2 (a TCP target group checks a TCP
/// connection, with a 10 s timeout by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// `HealthCheckIntervalSeconds` (5–300, default 30).
    pub interval_s: u64,
    /// `HealthCheckTimeoutSeconds` (2–120, default 5).
    pub timeout_s: u64,
    /// `HealthyThresholdCount` (2–10, default 5).
    pub healthy_threshold: u64,
    /// `UnhealthyThresholdCount` (2–10, default 2).
    pub unhealthy_threshold: u64,
    /// `HealthCheckPath` (default `/`).
    pub path: String,
    /// `Matcher.HttpCode` (default `200`).
    pub matcher: String,
    /// `HealthCheckPort`: `None` for `traffic-port` (the registered, possibly dynamic, port).
    pub port: Option<u16>,
    /// Whether the check is an HTTP request (`HealthCheckProtocol` HTTP or HTTPS, the default
    /// of HTTP groups) whose code `matcher` judges, rather than a TCP connection (the default
    /// of TCP groups).
    pub http: bool,
}

/// A target's health state (8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Registered, first checks running.
    Initial,
    /// Passing.
    Healthy,
    /// Failing.
    Unhealthy,
    /// Deregistering.
    Draining,
}

impl TargetState {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Initial => "initial",
            TargetState::Healthy => "healthy",
            TargetState::Unhealthy => "unhealthy",
            TargetState::Draining => "draining",
        }
    }
}

/// One registered target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The task behind it.
    pub task: usize,
    /// Instance id (type instance) or IP address (type ip).
    pub id: String,
    /// The registered port: the host port (instance) or the container port (ip).
    pub port: u16,
    /// Health state.
    pub state: TargetState,
    /// The reason code of 8.2 (`Elb.InitialHealthChecking`, `Target.Timeout`, ...).
    pub reason: Option<&'static str>,
    /// When it was registered.
    pub registered_at: SimTime,
    /// Whether health checks reach it and pass (fixed at registration; see `health`).
    pub passes: bool,
    /// When slow start ends, if the target is in slow start.
    pub slow_start_until: Option<SimTime>,
    /// When draining ends (deregistration delay).
    pub drain_until: Option<SimTime>,
}

/// A target group.
#[derive(Debug, Clone)]
pub struct TargetGroup {
    /// `Name`.
    pub name: String,
    /// The ARN: given as `TargetGroupArn`, else made from the name.
    pub arn: String,
    /// `TargetType`.
    pub target_type: TargetType,
    /// `Protocol`, as given (`HTTP` when absent).
    pub protocol: String,
    /// The layer of `protocol`.
    pub layer: Protocol,
    /// `Port` (the listener-facing default port).
    pub port: Option<u16>,
    /// Health-check settings.
    pub health_check: HealthCheck,
    /// `deregistration_delay.timeout_seconds` (0–3600, default 300).
    pub deregistration_delay_s: u64,
    /// `slow_start.duration_seconds` (0 or 30–900, default 0).
    pub slow_start_s: u64,
    /// `load_balancing.algorithm.type`.
    pub algorithm: Algorithm,
    /// The load balancer in front of it (index into the simulation's load balancers).
    pub load_balancer: Option<usize>,
    /// The listeners that forward to it, as `Protocol:Port` (`HTTP:80`), in scenario order;
    /// empty behind the implicit load balancer.
    pub listeners: Vec<String>,
    /// Registered targets, including draining ones. Added with [`TargetGroup::add_target`]
    /// and removed with [`TargetGroup::remove_targets_of`], which keep `by_task`.
    pub targets: Vec<Target>,
    /// A Classic Load Balancer's own settings when this group stands for one
    /// ([`super::classic`]): its instances are the targets.
    pub classic: Option<super::classic::Classic>,
    /// Where each task's targets are in `targets`: the scheduler asks for one task's targets
    /// in every pass, for every task, and a scan of thousands of targets per task made a
    /// large traffic shift quadratic.
    pub(super) by_task: std::collections::BTreeMap<usize, Vec<usize>>,
}

impl TargetGroup {
    /// Registers `target`.
    pub fn add_target(&mut self, target: Target) {
        self.by_task
            .entry(target.task)
            .or_default()
            .push(self.targets.len());
        self.targets.push(target);
    }

    /// Removes task `t`'s targets (their deregistration is over).
    pub fn remove_targets_of(&mut self, t: usize) {
        if self.by_task.remove(&t).is_none() {
            return;
        }
        self.targets.retain(|x| x.task != t);
        self.by_task.clear();
        for (i, x) in self.targets.iter().enumerate() {
            self.by_task.entry(x.task).or_default().push(i);
        }
    }

    /// Task `t`'s targets, draining ones included.
    pub fn targets_of(&self, t: usize) -> impl Iterator<Item = &Target> {
        self.by_task
            .get(&t)
            .into_iter()
            .flatten()
            .map(|&i| &self.targets[i])
    }

    /// Task `t`'s target unless it is draining (deregistered).
    pub fn live_target_mut(&mut self, t: usize) -> Option<&mut Target> {
        let i = self
            .by_task
            .get(&t)?
            .iter()
            .copied()
            .find(|&i| self.targets[i].state != TargetState::Draining)?;
        Some(&mut self.targets[i])
    }
}

/// The account and region every made-up ARN uses.
pub const ARN_ACCOUNT_REGION: &str = "us-east-1:123456789012";

pub(super) fn int_in(
    v: &Value,
    key: &str,
    min: u64,
    max: u64,
    default: u64,
    path: &str,
) -> Result<u64, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(n) => {
            let x = n
                .as_u64()
                .or_else(|| n.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| format!("{path}.{key}: must be a whole number"))?;
            if x < min || x > max {
                return Err(format!("{path}.{key}: {x} is outside {min} to {max}"));
            }
            Ok(x)
        }
    }
}

/// A stable 16-hex-digit id derived from a name (FNV-1a), so made-up ARNs do not depend on
/// the scenario's order.
pub fn name_hash(name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl TargetGroup {
    /// Parses one `targetGroups[]` entry; `path` names it in errors.
    pub fn parse(v: &Value, path: &str) -> Result<TargetGroup, String> {
        let name = v
            .get("Name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{path}.Name: required (CreateTargetGroup needs a Name)"))?
            .to_string();
        if name.len() > 32 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!(
                "{path}.Name: \"{name}\" must be at most 32 letters, digits and hyphens"
            ));
        }
        let target_type = match v
            .get("TargetType")
            .and_then(Value::as_str)
            .unwrap_or("instance")
        {
            "instance" => TargetType::Instance,
            "ip" => TargetType::Ip,
            other => {
                return Err(format!(
                    "{path}.TargetType: \"{other}\" cannot front ECS tasks; use instance or ip"
                ))
            }
        };
        let arn = match v.get("TargetGroupArn").and_then(Value::as_str) {
            Some(a) => a.to_string(),
            None => format!(
                "arn:aws:elasticloadbalancing:{ARN_ACCOUNT_REGION}:targetgroup/{name}/{}",
                name_hash(&name)
            ),
        };
        let port = match v.get("Port") {
            None | Some(Value::Null) => None,
            Some(_) => Some(int_in(v, "Port", 1, 65535, 80, path)? as u16),
        };
        let protocol = v
            .get("Protocol")
            .and_then(Value::as_str)
            .unwrap_or("HTTP")
            .to_string();
        let layer = match protocol.as_str() {
            "HTTP" | "HTTPS" => Protocol::Http,
            "TCP" | "TLS" | "UDP" | "TCP_UDP" => Protocol::Transport,
            other => {
                return Err(format!(
                    "{path}.Protocol: \"{other}\" is not HTTP, HTTPS, TCP, TLS, UDP or TCP_UDP"
                ))
            }
        };
        let interval_s = int_in(v, "HealthCheckIntervalSeconds", 5, 300, 30, path)?;
        // [unconfirmed] for TCP target groups: a TCP check times out after 10 s by default,
        // or a second less than a shorter interval; the thresholds keep the ALB defaults.
        let default_timeout = match layer {
            Protocol::Http => 5,
            Protocol::Transport => 10.min(interval_s - 1),
        };
        let http = match v.get("HealthCheckProtocol").and_then(Value::as_str) {
            None => layer == Protocol::Http,
            Some("HTTP" | "HTTPS") => true,
            Some("TCP") if layer == Protocol::Transport => false,
            Some(other) => {
                return Err(format!(
                    "{path}.HealthCheckProtocol: \"{other}\" is not HTTP or HTTPS{}",
                    if layer == Protocol::Transport {
                        " or TCP"
                    } else {
                        ""
                    }
                ))
            }
        };
        let health_check = HealthCheck {
            http,
            interval_s,
            timeout_s: int_in(
                v,
                "HealthCheckTimeoutSeconds",
                2,
                120,
                default_timeout,
                path,
            )?,
            healthy_threshold: int_in(v, "HealthyThresholdCount", 2, 10, 5, path)?,
            unhealthy_threshold: int_in(v, "UnhealthyThresholdCount", 2, 10, 2, path)?,
            path: v
                .get("HealthCheckPath")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_string(),
            matcher: v
                .pointer("/Matcher/HttpCode")
                .and_then(Value::as_str)
                .unwrap_or("200")
                .to_string(),
            port: match v.get("HealthCheckPort").and_then(Value::as_str) {
                None | Some("traffic-port") => None,
                Some(p) => Some(p.parse().map_err(|_| {
                    format!("{path}.HealthCheckPort: \"{p}\" is not traffic-port or a port number")
                })?),
            },
        };
        if health_check.timeout_s >= health_check.interval_s {
            return Err(format!(
                "{path}.HealthCheckTimeoutSeconds: must be smaller than HealthCheckIntervalSeconds"
            ));
        }
        let mut tg = TargetGroup {
            name,
            arn,
            target_type,
            protocol,
            layer,
            port,
            health_check,
            deregistration_delay_s: 300,
            slow_start_s: 0,
            algorithm: match layer {
                Protocol::Http => Algorithm::RoundRobin,
                Protocol::Transport => Algorithm::FlowHash,
            },
            load_balancer: None,
            listeners: Vec::new(),
            targets: Vec::new(),
            classic: None,
            by_task: Default::default(),
        };
        if let Some(attrs) = v.get("Attributes") {
            let attrs = attrs
                .as_array()
                .ok_or_else(|| format!("{path}.Attributes: must be a list of {{Key, Value}}"))?;
            for (i, a) in attrs.iter().enumerate() {
                tg.set_attribute(a, &format!("{path}.Attributes[{i}]"))?;
            }
        }
        if tg.slow_start_s > 0 && tg.algorithm == Algorithm::LeastOutstandingRequests {
            return Err(format!(
                "{path}.Attributes: slow start cannot be combined with least_outstanding_requests"
            ));
        }
        Ok(tg)
    }

    fn set_attribute(&mut self, a: &Value, path: &str) -> Result<(), String> {
        let key = a.get("Key").and_then(Value::as_str).unwrap_or_default();
        let value = match a.get("Value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => return Err(format!("{path}.Value: required")),
        };
        let seconds = |max: u64| -> Result<u64, String> {
            value
                .parse::<u64>()
                .ok()
                .filter(|s| *s <= max)
                .ok_or_else(|| format!("{path}.Value: \"{value}\" is not 0 to {max} seconds"))
        };
        let alb_only = matches!(
            key,
            "slow_start.duration_seconds" | "load_balancing.algorithm.type"
        );
        if alb_only && self.layer == Protocol::Transport {
            return Err(format!(
                "{path}.Key: {key} is not an attribute of {} target groups: a Network Load Balancer hashes each flow to a target (8.6)",
                self.protocol
            ));
        }
        match key {
            "deregistration_delay.timeout_seconds" => self.deregistration_delay_s = seconds(3600)?,
            "slow_start.duration_seconds" => {
                let s = seconds(900)?;
                if s != 0 && s < 30 {
                    return Err(format!("{path}.Value: slow start is 0 (off) or 30 to 900 seconds"));
                }
                self.slow_start_s = s;
            }
            "load_balancing.algorithm.type" => {
                self.algorithm = match value.as_str() {
                    "round_robin" => Algorithm::RoundRobin,
                    "least_outstanding_requests" => Algorithm::LeastOutstandingRequests,
                    "weighted_random" => Algorithm::WeightedRandom,
                    other => {
                        return Err(format!(
                            "{path}.Value: \"{other}\" is not round_robin, least_outstanding_requests or weighted_random"
                        ))
                    }
                }
            }
            // Kept, not simulated: stickiness and the rest do not change rates in this model.
            _ => {}
        }
        Ok(())
    }

    /// Whether `reference` (a service's `targetGroupArn`, or a policy's resource label) names
    /// this group: the exact ARN, or any ARN or label whose `targetgroup/<name>/` matches.
    pub fn matches(&self, reference: &str) -> bool {
        reference == self.arn
            || reference == self.name
            || reference.contains(&format!("targetgroup/{}/", self.name))
    }

    /// The kind of load balancer in front of it, as the UI names it: `CLB` (a Classic Load
    /// Balancer's stand-in group), `NLB` or `ALB`.
    pub fn kind(&self) -> &'static str {
        if self.classic.is_some() {
            "CLB"
        } else if self.is_network() {
            "NLB"
        } else {
            "ALB"
        }
    }

    /// Whether a Network Load Balancer fronts it (a TCP, TLS, UDP or TCP_UDP group).
    pub fn is_network(&self) -> bool {
        self.layer == Protocol::Transport && self.classic.is_none()
    }

    /// Seconds from registration to `healthy` (G34: `HealthyThresholdCount × interval` by
    /// default, or `initial_checks × interval` when the scenario sets how many passes the
    /// first verdict takes).
    pub fn time_to_healthy_ms(&self, initial_checks: Option<u64>) -> u64 {
        initial_checks.unwrap_or(self.health_check.healthy_threshold)
            * self.health_check.interval_s
            * 1000
    }

    /// Milliseconds of failing checks before `unhealthy` (G34: `UnhealthyThresholdCount ×
    /// interval`).
    pub fn time_to_unhealthy_ms(&self) -> u64 {
        self.health_check.unhealthy_threshold * self.health_check.interval_s * 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_those_of_8_2_and_8_3() {
        let tg = TargetGroup::parse(
            &json!({"Name": "web", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}),
            "t",
        )
        .unwrap();
        assert_eq!(tg.health_check.interval_s, 30);
        assert_eq!(tg.health_check.timeout_s, 5);
        assert_eq!(tg.health_check.healthy_threshold, 5);
        assert_eq!(tg.health_check.unhealthy_threshold, 2);
        assert_eq!(tg.health_check.matcher, "200");
        assert_eq!(tg.deregistration_delay_s, 300);
        assert_eq!(tg.slow_start_s, 0);
        assert_eq!(tg.algorithm, Algorithm::RoundRobin);
        assert_eq!(tg.target_type, TargetType::Instance);
        // G34: healthy after 5 × 30 s, unhealthy after 2 × 30 s.
        assert_eq!(tg.time_to_healthy_ms(None), 150_000);
        assert_eq!(tg.time_to_healthy_ms(Some(1)), 30_000);
        assert_eq!(tg.time_to_unhealthy_ms(), 60_000);
        assert!(
            tg.matches("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/73e2d6bc24d8a067")
        );
        assert!(!tg
            .matches("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web2/73e2d6bc24d8a067"));
    }

    #[test]
    fn tcp_groups_check_a_connection_and_hash_flows_8_6() {
        let tcp = |extra: Value| {
            let mut v = json!({"Name": "db", "Protocol": "TCP", "Port": 5432, "VpcId": "vpc-1"});
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            TargetGroup::parse(&v, "t")
        };
        let tg = tcp(json!({})).unwrap();
        assert!(tg.is_network() && !tg.health_check.http);
        assert_eq!(tg.algorithm, Algorithm::FlowHash);
        assert_eq!(
            (tg.health_check.interval_s, tg.health_check.timeout_s),
            (30, 10)
        );
        // A shorter interval pulls the default timeout under it.
        let tg = tcp(json!({"HealthCheckIntervalSeconds": 10})).unwrap();
        assert_eq!(tg.health_check.timeout_s, 9);
        // An NLB may check over HTTP; then the matcher judges.
        let tg =
            tcp(json!({"HealthCheckProtocol": "HTTP", "Matcher": {"HttpCode": "204"}})).unwrap();
        assert!(tg.health_check.http);
        let e = TargetGroup::parse(
            &json!({"Name": "web", "Protocol": "HTTP", "HealthCheckProtocol": "TCP"}),
            "t",
        )
        .unwrap_err();
        assert!(e.starts_with("t.HealthCheckProtocol"), "{e}");
        let e = tcp(json!({"Protocol": "GENEVE"})).unwrap_err();
        assert!(e.starts_with("t.Protocol"), "{e}");
        let e = tcp(json!({"Attributes": [{"Key": "load_balancing.algorithm.type", "Value": "round_robin"}]}))
            .unwrap_err();
        assert!(e.starts_with("t.Attributes[0].Key"), "{e}");
    }

    #[test]
    fn bad_target_groups_name_the_field() {
        for (v, want) in [
            (json!({}), "t.Name"),
            (json!({"Name": "a b"}), "t.Name"),
            (json!({"Name": "a", "TargetType": "lambda"}), "t.TargetType"),
            (
                json!({"Name": "a", "HealthCheckIntervalSeconds": 1}),
                "t.HealthCheckIntervalSeconds",
            ),
            (
                json!({"Name": "a", "HealthyThresholdCount": 11}),
                "t.HealthyThresholdCount",
            ),
            (
                json!({"Name": "a", "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 5}),
                "t.HealthCheckTimeoutSeconds",
            ),
            (
                json!({"Name": "a", "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "4000"}]}),
                "t.Attributes[0].Value",
            ),
            (
                json!({"Name": "a", "Attributes": [{"Key": "slow_start.duration_seconds", "Value": "10"}]}),
                "t.Attributes[0].Value",
            ),
            (
                json!({"Name": "a", "Attributes": [{"Key": "slow_start.duration_seconds", "Value": "60"}, {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"}]}),
                "t.Attributes",
            ),
        ] {
            let e = TargetGroup::parse(&v, "t").unwrap_err();
            assert!(e.starts_with(want), "{e} should start with {want}");
        }
    }
}
