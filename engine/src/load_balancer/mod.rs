//! The load balancers in front of ECS services (section 8): Application Load Balancers and
//! Network Load Balancers (8.6), listeners, target groups, security groups, target
//! registration on dynamic host ports, health checks, deregistration delay and routing.
//!
//! Scenario sections, each an AWS request body verbatim: `loadBalancers[]`
//! (CreateLoadBalancer), `listeners[]` (CreateListener), `targetGroups[]` (CreateTargetGroup,
//! plus `Attributes` as ModifyTargetGroupAttributes takes them) and `securityGroups[]`
//! (`{GroupId, IpPermissions}` as AuthorizeSecurityGroupIngress takes them).
//!
//! A target group no listener forwards to is put behind an implicit load balancer
//! (`playground-alb`, or `playground-nlb` for a TCP group) with no security groups, so a
//! scenario can leave the plumbing out. A listener of an ALB forwards only to HTTP and HTTPS
//! target groups, one of an NLB only to TCP, TLS, UDP and TCP_UDP ones.

pub mod classic;
pub mod listener;
pub mod registration;
pub mod routing;
pub mod service_role;
pub mod target_group;

use serde_json::Value;

use crate::sim::Simulation;
use crate::task_definition::NetworkMode;
use target_group::{name_hash, TargetGroup, TargetType, ARN_ACCOUNT_REGION};

/// A load balancer (CreateLoadBalancer).
#[derive(Debug, Clone)]
pub struct LoadBalancer {
    /// `Name`.
    pub name: String,
    /// Its ARN (made from the name).
    pub arn: String,
    /// `app/<name>/<id>` (`net/...` for a Network Load Balancer): the `LoadBalancer`
    /// dimension of its metrics.
    pub dimension: String,
    /// `Type: network`: a Network Load Balancer (8.6), in front of TCP, TLS, UDP and TCP_UDP
    /// target groups; otherwise an Application Load Balancer.
    pub network: bool,
    /// A Classic Load Balancer (`aws elb create-load-balancer`, [`classic`]): it registers
    /// whole container instances, not target groups.
    pub classic: bool,
    /// `SecurityGroups` (empty: traffic is not filtered).
    pub security_groups: Vec<String>,
}

impl LoadBalancer {
    /// Parses `loadBalancers[i]`.
    pub fn parse(v: &Value, path: &str) -> Result<LoadBalancer, String> {
        let name = v
            .get("Name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{path}.Name: required"))?;
        let network = match v.get("Type").and_then(Value::as_str) {
            None | Some("application") => false,
            Some("network") => true,
            Some(other) => {
                return Err(format!(
                    "{path}.Type: \"{other}\" is not simulated; application and network load balancers are"
                ))
            }
        };
        Ok(LoadBalancer::named(
            name,
            crate::request::string_list(v.get("SecurityGroups")),
            network,
        ))
    }

    fn named(name: &str, security_groups: Vec<String>, network: bool) -> LoadBalancer {
        let kind = if network { "net" } else { "app" };
        let dimension = format!("{kind}/{name}/{}", name_hash(name));
        LoadBalancer {
            name: name.to_string(),
            arn: format!(
                "arn:aws:elasticloadbalancing:{ARN_ACCOUNT_REGION}:loadbalancer/{dimension}"
            ),
            dimension,
            security_groups,
            network,
            classic: false,
        }
    }

    /// `Application Load Balancer`, `Network Load Balancer` or `Classic Load Balancer`, for
    /// messages.
    pub fn kind(&self) -> &'static str {
        if self.classic {
            "Classic Load Balancer"
        } else if self.network {
            "Network Load Balancer"
        } else {
            "Application Load Balancer"
        }
    }

    /// The implicit load balancer of target groups no listener forwards to: `playground-alb`,
    /// or `playground-nlb` for TCP target groups.
    pub fn implicit(network: bool) -> LoadBalancer {
        let name = if network {
            "playground-nlb"
        } else {
            "playground-alb"
        };
        LoadBalancer::named(name, Vec::new(), network)
    }
}

/// One ingress permission of a security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// Lowest port allowed (`-1` protocol: all ports).
    pub from_port: u16,
    /// Highest port allowed.
    pub to_port: u16,
    /// Security groups allowed in (`UserIdGroupPairs[].GroupId`).
    pub from_groups: Vec<String>,
    /// Whether any CIDR range is allowed in (`IpRanges`); the model has no IP plan, so any
    /// range counts as covering the load balancer.
    pub from_cidr: bool,
}

/// A security group: an id and its ingress rules (8.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroup {
    /// `GroupId`.
    pub id: String,
    /// `IpPermissions`.
    pub ingress: Vec<Permission>,
}

impl SecurityGroup {
    /// Parses `securityGroups[i]`.
    pub fn parse(v: &Value, path: &str) -> Result<SecurityGroup, String> {
        let id = v
            .get("GroupId")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{path}.GroupId: required"))?
            .to_string();
        let mut ingress = Vec::new();
        for (i, p) in v
            .get("IpPermissions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let pp = format!("{path}.IpPermissions[{i}]");
            let protocol = p.get("IpProtocol").and_then(Value::as_str).unwrap_or("tcp");
            let (from_port, to_port) = if protocol == "-1" {
                (0, u16::MAX)
            } else {
                let port = |k: &str| {
                    p.get(k)
                        .and_then(Value::as_u64)
                        .and_then(|n| u16::try_from(n).ok())
                        .ok_or_else(|| format!("{pp}.{k}: required, a port number"))
                };
                (port("FromPort")?, port("ToPort")?)
            };
            if from_port > to_port {
                return Err(format!("{pp}.ToPort: must not be below FromPort"));
            }
            ingress.push(Permission {
                from_port,
                to_port,
                from_groups: p
                    .get("UserIdGroupPairs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g.get("GroupId").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect(),
                from_cidr: p
                    .get("IpRanges")
                    .and_then(Value::as_array)
                    .is_some_and(|r| !r.is_empty()),
            });
        }
        Ok(SecurityGroup { id, ingress })
    }
}

/// Whether traffic from a load balancer in `lb_groups` reaches `port` on a target in
/// `target_groups` (8.5). No groups on either side: nothing is filtered.
pub fn reachable(
    groups: &[SecurityGroup],
    lb_groups: &[String],
    target_groups: &[String],
    port: u16,
) -> bool {
    if lb_groups.is_empty() || target_groups.is_empty() {
        return true;
    }
    target_groups.iter().any(|tg| {
        groups.iter().filter(|g| &g.id == tg).any(|g| {
            g.ingress.iter().any(|p| {
                (p.from_port..=p.to_port).contains(&port)
                    && (p.from_cidr || p.from_groups.iter().any(|f| lb_groups.contains(f)))
            })
        })
    })
}

/// Whether a health-check matcher (`"200"`, `"200,202"`, `"200-299"`) accepts `code`.
pub fn matcher_accepts(matcher: &str, code: u16) -> bool {
    matcher.split(',').any(|part| {
        let part = part.trim();
        match part.split_once('-') {
            Some((lo, hi)) => match (lo.parse::<u16>(), hi.parse::<u16>()) {
                (Ok(lo), Ok(hi)) => (lo..=hi).contains(&code),
                _ => false,
            },
            None => part.parse::<u16>() == Ok(code),
        }
    })
}

/// A service's `loadBalancers[]` entry, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLoadBalancer {
    /// The target group (index).
    pub target_group: usize,
    /// `containerName`.
    pub container_name: String,
    /// `containerPort`.
    pub container_port: u16,
    /// `advancedConfiguration.alternateTargetGroupArn` (index): where a blue/green, linear or
    /// canary deployment starts its new tasks when the old ones are in `target_group`, and
    /// the other way round (4.10).
    pub alternate: Option<usize>,
}

impl ServiceLoadBalancer {
    /// The target group a deployment's tasks register in: the alternate one for a deployment
    /// on the alternate side of the pair, else `targetGroupArn`.
    pub fn group(&self, alternate: bool) -> usize {
        match self.alternate {
            Some(alt) if alternate => alt,
            _ => self.target_group,
        }
    }
}

/// The scenario's load balancing sections, each a list of AWS request bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sections<'a> {
    /// `loadBalancers[]` (elbv2 CreateLoadBalancer).
    pub load_balancers: &'a [Value],
    /// `listeners[]` (CreateListener).
    pub listeners: &'a [Value],
    /// `targetGroups[]` (CreateTargetGroup).
    pub target_groups: &'a [Value],
    /// `securityGroups[]`.
    pub security_groups: &'a [Value],
    /// `classicLoadBalancers[]` (elb CreateLoadBalancer, [`classic`]).
    pub classic_load_balancers: &'a [Value],
}

/// The simulation's load balancing state.
#[derive(Debug, Clone, Default)]
pub struct LoadBalancing {
    /// Load balancers (the implicit one last, when needed).
    pub load_balancers: Vec<LoadBalancer>,
    /// Target groups.
    pub target_groups: Vec<TargetGroup>,
    /// Security groups.
    pub security_groups: Vec<SecurityGroup>,
    /// How many passing checks make a new target healthy; `None`: `HealthyThresholdCount`
    /// (8.2: the ALB guide says one; the ECS guide counts the threshold).
    pub initial_health_checks: Option<u64>,
    /// Production listener rules that forward to two target groups by weight: a blue/green,
    /// linear or canary service's target group and its alternate (4.10).
    pub weighted_rules: Vec<WeightedRule>,
    /// The elbv2 listeners (CreateListener), in the scenario's order.
    pub listeners: Vec<listener::Listener>,
}

/// A listener forward to two target groups by weight: a production listener rule
/// (`advancedConfiguration.productionListenerRule`) forwarding to a service's target group and
/// its alternate with weights that ECS changes during a blue/green, linear or canary
/// deployment (4.10), or a listener's `ForwardConfig` with two weighted `TargetGroups`, as
/// CreateListener gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedRule {
    /// The two target groups (indexes): `targetGroupArn` and `alternateTargetGroupArn`.
    pub groups: [usize; 2],
    /// Their weights, in tenths of a percent (summing to 1,000).
    pub weights: [u32; 2],
    /// The listener (index) whose `ForwardConfig` set it, if the scenario did: it stays when
    /// no service uses the pair, and ModifyListener changes it.
    pub listener: Option<usize>,
}

impl LoadBalancing {
    /// Builds the load balancing state from the scenario's sections; errors name the field.
    /// `subnet_zones` maps the scenario's subnets to their zones (a Classic Load Balancer's
    /// `Subnets`).
    pub fn from_scenario(
        sections: Sections<'_>,
        subnet_zones: &std::collections::BTreeMap<String, String>,
    ) -> Result<LoadBalancing, String> {
        let Sections {
            load_balancers,
            listeners,
            target_groups,
            security_groups,
            classic_load_balancers,
        } = sections;
        let mut lb = LoadBalancing::default();
        for (i, v) in security_groups.iter().enumerate() {
            lb.security_groups
                .push(SecurityGroup::parse(v, &format!("securityGroups[{i}]"))?);
        }
        for (i, v) in load_balancers.iter().enumerate() {
            lb.load_balancers
                .push(LoadBalancer::parse(v, &format!("loadBalancers[{i}]"))?);
        }
        for (i, v) in target_groups.iter().enumerate() {
            let tg = TargetGroup::parse(v, &format!("targetGroups[{i}]"))?;
            if lb.target_groups.iter().any(|o| o.name == tg.name) {
                return Err(format!(
                    "targetGroups[{i}].Name: a target group named {} already exists",
                    tg.name
                ));
            }
            lb.target_groups.push(tg);
        }
        for (path, v) in classic::entries(classic_load_balancers) {
            let (balancer, mut group) = classic::parse(v, &path, subnet_zones)?;
            if let Some(other) = lb.target_groups.iter().find(|t| t.name == group.name) {
                let what = if other.classic.is_some() {
                    "DuplicateLoadBalancerName: The specified load balancer name already exists for this account."
                } else {
                    "a target group has the same name, and the playground finds both by name"
                };
                return Err(format!("{path}.LoadBalancerName: {} ({what})", group.name));
            }
            lb.load_balancers.push(balancer);
            group.load_balancer = Some(lb.load_balancers.len() - 1);
            lb.target_groups.push(group);
        }
        for (i, v) in listeners.iter().enumerate() {
            lb.create_listener(v, &format!("listeners[{i}]"))?;
        }
        // Target groups no listener forwards to go behind an implicit load balancer of their
        // layer.
        for network in [false, true] {
            let orphan = |t: &TargetGroup| t.load_balancer.is_none() && t.is_network() == network;
            if lb.target_groups.iter().any(orphan) {
                lb.load_balancers.push(LoadBalancer::implicit(network));
                let implicit = lb.load_balancers.len() - 1;
                for t in lb.target_groups.iter_mut().filter(|t| orphan(t)) {
                    t.load_balancer = Some(implicit);
                }
            }
        }
        Ok(lb)
    }

    /// The target group a reference (ARN, name or resource label) names.
    pub fn find(&self, reference: &str) -> Option<usize> {
        self.target_groups.iter().position(|t| t.matches(reference))
    }

    /// The Classic Load Balancer's stand-in group among a service's `links`, if it uses one.
    pub fn classic_of(&self, links: &[ServiceLoadBalancer]) -> Option<&TargetGroup> {
        links
            .iter()
            .map(|l| &self.target_groups[l.target_group])
            .find(|t| t.classic.is_some())
    }

    /// [`Self::find`], but an elbv2 target group only: a Classic Load Balancer's stand-in
    /// group is not one (8.6), so a listener, a blue/green alternate or a CodeDeploy pair
    /// cannot name it.
    pub fn find_target_group(&self, reference: &str) -> Option<usize> {
        self.target_groups
            .iter()
            .position(|t| t.classic.is_none() && t.matches(reference))
    }

    /// Where requests addressed to target group `g` go, with their shares: through a weighted
    /// production listener rule, to both of its target groups; else all to `g`. A load profile
    /// addressed to either group of a rule stands for the rule's traffic. A share may be 0.
    pub fn forward_shares(&self, g: usize) -> [(usize, f64); 2] {
        match self.weighted_rules.iter().find(|r| r.groups.contains(&g)) {
            Some(r) => [0, 1].map(|i| (r.groups[i], f64::from(r.weights[i]) / 1000.0)),
            None => [(g, 1.0), (g, 0.0)],
        }
    }

    /// The load balancer in front of target group `g`.
    pub fn load_balancer_of(&self, g: usize) -> &LoadBalancer {
        &self.load_balancers[self.target_groups[g].load_balancer.unwrap_or(0)]
    }

    /// The `TargetGroup` dimension of group `g`: `targetgroup/<name>/<id>`.
    pub fn dimension(&self, g: usize) -> String {
        let arn = &self.target_groups[g].arn;
        match arn.find("targetgroup/") {
            Some(i) => arn[i..].to_string(),
            None => arn.clone(),
        }
    }
}

/// A `loadBalancers[]` entry's `containerName` and `containerPort` (at `path`), which must
/// name a container of `td` and one of its port mappings (8.1).
pub(crate) fn container_of<'a>(
    lb: &'a Value,
    path: &str,
    td: &crate::task_definition::ValidTaskDefinition,
) -> Result<(&'a str, u16), String> {
    let container_name = lb
        .get("containerName")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{path}.containerName: required"))?;
    let container_port = lb
        .get("containerPort")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| format!("{path}.containerPort: required, a port number"))?;
    if !td.containers.iter().any(|c| c.name == container_name) {
        return Err(format!(
            "{path}.containerName: The container {container_name} does not exist in the task definition."
        ));
    }
    let mapped = td
        .input
        .container_definitions
        .iter()
        .filter(|c| c.name.as_deref() == Some(container_name))
        .flat_map(|c| c.port_mappings.iter())
        .any(|m| {
            m.container_port
                .is_some_and(|p| p == i64::from(container_port))
        });
    if !mapped {
        return Err(format!(
            "{path}.containerPort: The container {container_name} did not have a container port {container_port} defined."
        ));
    }
    Ok((container_name, container_port))
}

/// Most target groups one service may use (4.9).
pub const MAX_TARGET_GROUPS_PER_SERVICE: usize = 5;

impl Simulation {
    /// Resolves a CreateService request's `loadBalancers[]` against the scenario's target
    /// groups and the task definition (8.1), with CreateService's error wording.
    pub(crate) fn service_load_balancers(
        &self,
        raw: &Value,
        td: &crate::task_definition::ValidTaskDefinition,
    ) -> Result<Vec<ServiceLoadBalancer>, String> {
        let Some(items) = raw.get("loadBalancers").and_then(Value::as_array) else {
            return Ok(Vec::new());
        };
        if items.len() > MAX_TARGET_GROUPS_PER_SERVICE {
            return Err(format!(
                "loadBalancers: {} target groups; a service may use at most {MAX_TARGET_GROUPS_PER_SERVICE}",
                items.len()
            ));
        }
        let mut out = Vec::new();
        for (i, lb) in items.iter().enumerate() {
            let path = format!("loadBalancers[{i}]");
            if let Some(name) = lb.get("loadBalancerName").and_then(Value::as_str) {
                out.push(self.classic_service_load_balancer(raw, td, lb, name, items.len())?);
                continue;
            }
            let arn = lb
                .get("targetGroupArn")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{path}.targetGroupArn: required"))?;
            let g = self
                .lb
                .find_target_group(arn)
                .ok_or_else(|| format!("{path}.targetGroupArn: target group {arn} does not exist in the scenario's targetGroups"))?;
            let (container_name, container_port) = container_of(lb, &path, td)?;
            let tg = &self.lb.target_groups[g];
            let incompatible = match (tg.target_type, td.network_mode) {
                (TargetType::Instance, NetworkMode::Awsvpc) => Some("instance"),
                (TargetType::Ip, NetworkMode::Bridge | NetworkMode::Host | NetworkMode::None) => {
                    Some("ip")
                }
                _ => None,
            };
            if let Some(kind) = incompatible {
                return Err(format!(
                    "{path}.targetGroupArn: The provided target group {} has target type {kind}, which is incompatible with the {} network mode specified in the task definition.",
                    tg.arn,
                    td.network_mode.as_str()
                ));
            }
            let cluster = crate::request::cluster_name(raw);
            let this = (
                cluster.as_str(),
                raw.get("serviceName").and_then(Value::as_str).unwrap_or(""),
            );
            if let Some(o) = self.other_user(&[g], this, true) {
                return Err(format!(
                    "{path}.targetGroupArn: target group {} is in service {}'s blue/green pair, whose weights follow that service's deployments",
                    self.lb.target_groups[g].name, o.name
                ));
            }
            let alternate = self.alternate_target_group(lb, &path, g, this)?;
            if let Some(alt) = alternate {
                let pair = [g, alt];
                if let Some(j) = out.iter().position(|o: &ServiceLoadBalancer| {
                    pair.contains(&o.target_group) || o.alternate.is_some_and(|a| pair.contains(&a))
                }) {
                    return Err(format!(
                        "{path}.advancedConfiguration.alternateTargetGroupArn: loadBalancers[{j}] already uses target group {} or {}",
                        self.lb.target_groups[g].name, self.lb.target_groups[alt].name
                    ));
                }
            }
            out.push(ServiceLoadBalancer {
                target_group: g,
                container_name: container_name.to_string(),
                container_port,
                alternate,
            });
        }
        Ok(out)
    }
}

impl Simulation {
    /// `loadBalancers[i].advancedConfiguration` (`path` names the entry) of a service whose
    /// target group is `g`: the alternate target group, which must exist, differ from `g`,
    /// sit behind the same kind of load balancer and take the same target type, and neither
    /// may serve another service (`this` names the service asking): the weights follow one
    /// service's deployments.
    /// `productionListenerRule`, `testListenerRule` and `roleArn` are kept as given: the
    /// production rule is the weighted pair itself, and test traffic is only a weight
    /// ([`crate::blue_green`]).
    fn alternate_target_group(
        &self,
        entry: &Value,
        path: &str,
        g: usize,
        this: (&str, &str),
    ) -> Result<Option<usize>, String> {
        let Some(advanced) = entry.get("advancedConfiguration").filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let path = format!("{path}.advancedConfiguration.alternateTargetGroupArn");
        let arn = advanced
            .get("alternateTargetGroupArn")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}: required"))?;
        let alt = self.lb.find_target_group(arn).ok_or_else(|| {
            format!("{path}: target group {arn} does not exist in the scenario's targetGroups")
        })?;
        let (main, other) = (&self.lb.target_groups[g], &self.lb.target_groups[alt]);
        if alt == g {
            return Err(format!(
                "{path}: must differ from targetGroupArn ({})",
                main.name
            ));
        }
        if main.target_type != other.target_type || main.is_network() != other.is_network() {
            return Err(format!(
                "{path}: target group {} must have the same target type and load balancer type as {}",
                other.name, main.name
            ));
        }
        // A listener's weighted forward over one of the pair must be the pair itself (it
        // becomes the production rule): requests addressed to a target group split one way.
        if let Some(l) = self.lb.listeners.iter().find(|l| {
            l.weighted.is_some_and(|(pair, _)| {
                (pair.contains(&g) || pair.contains(&alt)) && pair != [g, alt] && pair != [alt, g]
            })
        }) {
            let pair = l.weighted.map_or([g, alt], |(pair, _)| pair);
            let (inside, with) = if pair.contains(&g) {
                (g, pair[usize::from(pair[0] == g)])
            } else {
                (alt, pair[usize::from(pair[0] == alt)])
            };
            return Err(format!(
                "{path}: target group {} is in the weighted forward of listener {} with {}; a blue/green pair's listener must split between its two target groups",
                self.lb.target_groups[inside].name, l.label, self.lb.target_groups[with].name
            ));
        }
        if let Some(o) = self.other_user(&[g, alt], this, false) {
            return Err(format!(
                "{path}: target groups {} and {} must serve this service only; service {} uses one of them",
                main.name, other.name, o.name
            ));
        }
        Ok(Some(alt))
    }

    /// The weighted production listener rule of each `loadBalancers[]` entry with an
    /// alternate target group, created with all traffic on `targetGroupArn` unless it exists
    /// (a service updated with the same pair keeps its weights).
    pub(crate) fn ensure_weighted_rules(&mut self, links: &[ServiceLoadBalancer]) {
        for link in links {
            let Some(alt) = link.alternate else {
                continue;
            };
            let groups = [link.target_group, alt];
            // A listener's weighted forward to the same pair is the production rule: ECS
            // manages its weights from now on, and retires it with the pair.
            if let Some(rule) = self.lb.weighted_rules.iter_mut().find(|r| {
                r.listener.is_some() && (r.groups == groups || r.groups == [alt, link.target_group])
            }) {
                if rule.groups != groups {
                    rule.groups.reverse();
                    rule.weights.reverse();
                }
                rule.listener = None;
            }
            if !self.lb.weighted_rules.iter().any(|r| r.groups == groups) {
                self.lb.weighted_rules.push(WeightedRule {
                    groups,
                    weights: [1000, 0],
                    listener: None,
                });
            }
        }
    }

    /// An ACTIVE service other than `this` (cluster, name) whose `loadBalancers` use one of
    /// `groups`: in a blue/green pair only when `paired_only`, else in any role.
    fn other_user(
        &self,
        groups: &[usize],
        this: (&str, &str),
        paired_only: bool,
    ) -> Option<&crate::service::Service> {
        self.services.iter().find(|o| {
            (o.cluster.as_str(), o.name.as_str()) != this
                && o.status == crate::service::ServiceStatus::Active
                && o.load_balancers.iter().any(|l| {
                    let used = groups.contains(&l.target_group)
                        || l.alternate.is_some_and(|a| groups.contains(&a));
                    used && (!paired_only || l.alternate.is_some())
                })
        })
    }

    /// Removes the weighted listener rules of pairs no ACTIVE service uses any more (its
    /// `loadBalancers` changed, or it was deleted): requests to their target groups go where
    /// they are addressed again. A listener's own weighted forward stays.
    pub(crate) fn retire_unused_rules(&mut self) {
        let in_use: Vec<[usize; 2]> = self
            .services
            .iter()
            .filter(|o| o.status == crate::service::ServiceStatus::Active)
            .flat_map(|o| &o.load_balancers)
            .filter_map(|l| l.alternate.map(|a| [l.target_group, a]))
            .collect();
        self.lb
            .weighted_rules
            .retain(|r| r.listener.is_some() || in_use.contains(&r.groups));
    }

    /// The share of production traffic (tenths of a percent) the weighted listener rule over
    /// target group `g` sends to it, if a rule pairs it with an alternate (4.10).
    pub fn listener_rule_weight(&self, g: usize) -> Option<u32> {
        self.lb
            .weighted_rules
            .iter()
            .find_map(|r| r.groups.iter().position(|&x| x == g).map(|i| r.weights[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn security_group_rule_of_8_5() {
        let groups = vec![
            SecurityGroup::parse(&json!({"GroupId": "sg-open", "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 32768, "ToPort": 65535, "UserIdGroupPairs": [{"GroupId": "sg-alb"}]}]}), "s").unwrap(),
            SecurityGroup::parse(&json!({"GroupId": "sg-80", "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": "sg-alb"}]}]}), "s").unwrap(),
            SecurityGroup::parse(&json!({"GroupId": "sg-all", "IpPermissions": [
                {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-alb"}]}]}), "s").unwrap(),
        ];
        let alb = vec!["sg-alb".to_string()];
        assert!(reachable(&groups, &alb, &["sg-open".into()], 49153));
        assert!(
            !reachable(&groups, &alb, &["sg-80".into()], 49153),
            "a dynamic port outside the rule"
        );
        assert!(reachable(&groups, &alb, &["sg-80".into()], 80));
        assert!(
            reachable(&groups, &alb, &["sg-all".into()], 49153),
            "all traffic from the ALB's group"
        );
        assert!(!reachable(
            &groups,
            &["sg-other".into()],
            &["sg-all".into()],
            49153
        ));
        assert!(
            reachable(&groups, &[], &["sg-80".into()], 49153),
            "no groups: not filtered"
        );
    }

    #[test]
    fn target_groups_know_the_listeners_that_forward_to_them() {
        // CreateListener: a default forward action, and a weighted ForwardConfig to two groups.
        let tg = |name: &str| json!({"Name": name, "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "TargetType": "instance"});
        let lb = LoadBalancing::from_scenario(
            Sections {
            load_balancers: &[json!({"Name": "web-alb"})],
            listeners: &[
                json!({"LoadBalancerArn": "web-alb", "Protocol": "HTTP", "Port": 80,
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": "blue"}]}),
                json!({"LoadBalancerArn": "web-alb", "Protocol": "HTTPS", "Port": 443,
                    "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                        {"TargetGroupArn": "blue", "Weight": 90}, {"TargetGroupArn": "green", "Weight": 10}]}}]}),
            ],
            target_groups: &[tg("blue"), tg("green"), tg("spare")],
            ..Sections::default()
            },
            &Default::default(),
        )
        .unwrap();
        let listeners: Vec<&[String]> = lb
            .target_groups
            .iter()
            .map(|t| t.listeners.as_slice())
            .collect();
        assert_eq!(
            listeners,
            vec![
                &["HTTP:80".to_string(), "HTTPS:443".to_string()][..],
                &["HTTPS:443".to_string()][..],
                &[][..]
            ]
        );
        assert_eq!(
            lb.load_balancers[lb.target_groups[2].load_balancer.unwrap()].name,
            "playground-alb"
        );
    }

    #[test]
    fn health_check_matchers() {
        assert!(matcher_accepts("200", 200));
        assert!(matcher_accepts("200,202", 200));
        assert!(matcher_accepts("200-299", 204));
        assert!(!matcher_accepts("301", 200));
        assert!(!matcher_accepts("x-y", 200));
    }
}
