//! elbv2 listeners: CreateListener's `DefaultActions` (a forward to one target group, or a
//! `ForwardConfig` splitting requests between two by weight) and ModifyListener calls that
//! change them as the run goes (`modifyListeners[]`, each with an `at` time): the way to shift
//! traffic between two services' target groups by hand, a canary or a blue/green cut-over
//! outside ECS's own deployments.
//!
//! A listener's weighted forward is a [`super::WeightedRule`]: requests addressed to either of
//! its target groups (a load profile's `targetGroup`) are split by its weights, as a blue/green
//! service's production rule splits them (4.10). The playground's choices:
//! - A `Weight` left out counts 1 [unconfirmed]; a forward to more than two target groups is
//!   not simulated; a target group may be in one weighted split only (the playground splits
//!   the requests addressed to a target group one way), which listeners forwarding alike
//!   (HTTP:80 and HTTPS:443) share: a ModifyListener of either to another split of those
//!   target groups is refused, and the split stays while one of them still forwards with it.
//! - A listener is named by its `ListenerArn` (from describe-listeners output, or the one the
//!   playground gives it, shown in the load balancer view) or, as a shorthand, by
//!   `<load balancer name>:<port>`.
//! - ModifyListener changes `DefaultActions` only; the other members are refused. A plain
//!   forward to one target group of the pair a listener split between puts all the weight on
//!   it, so requests addressed to the other follow the listener (a cut-over).
//! - A listener's weighted forward to a blue/green service's pair is that service's
//!   production rule: from CreateService on ECS manages its weights (a ModifyListener of a
//!   listener forwarding to, or that would forward to, a target group of the pair is refused)
//!   and retires it with the pair, as the playground's own rule is. A listener's split over
//!   one target group of a pair and another target group refuses the service.

use serde_json::{json, Value};

use super::target_group::name_hash;
use super::{LoadBalancing, WeightedRule, ARN_ACCOUNT_REGION};
use crate::event_log::EventKind;
use crate::sim::Simulation;

/// Most weight one target group of a `ForwardConfig` may have.
pub const MAX_FORWARD_WEIGHT: u64 = 999;

/// An elbv2 listener.
#[derive(Debug, Clone, PartialEq)]
pub struct Listener {
    /// `ListenerArn`: as given, or made from the load balancer and the label.
    pub arn: String,
    /// `Protocol:Port`, as the console lists it (`HTTP:80`).
    pub label: String,
    /// Its load balancer (index).
    pub load_balancer: usize,
    /// The target groups its `DefaultActions` forward to (indexes).
    pub forwards: Vec<usize>,
    /// Its weighted forward, if any: the two target groups and their weights in tenths of a
    /// percent (a cut-over to one of them puts all the weight on it).
    pub weighted: Option<Split<usize>>,
}

/// What a listener's `DefaultActions` do, checked: the target groups they forward to, and the
/// weighted forward between two of them, if any (groups, weights in tenths of a percent).
#[derive(Debug, Clone, PartialEq)]
pub struct Forwards {
    /// Every target group forwarded to.
    pub groups: Vec<usize>,
    /// The weighted `ForwardConfig`: the two target groups and their weights.
    pub weighted: Option<([usize; 2], [u32; 2])>,
}

/// Two target groups (references or indexes) and their weights in tenths of a percent.
type Split<T> = ([T; 2], [u32; 2]);

/// A ModifyListener call (`modifyListeners[i]`), checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerChange {
    /// When it is made.
    pub at_ms: u64,
    /// The listener (index).
    pub listener: usize,
    /// Its new `DefaultActions`.
    pub forwards: Forwards,
    /// `modifyListeners[i]`.
    pub path: String,
}

/// A listener as the console lists it: `Protocol:Port` (`HTTP:80`, `HTTPS:443`); a part the
/// CreateListener request leaves out is left out.
pub(super) fn listener_label(v: &Value) -> String {
    let protocol = v.get("Protocol").and_then(Value::as_str).unwrap_or("");
    let port = v.get("Port").and_then(Value::as_u64);
    match (protocol, port) {
        ("", Some(p)) => format!("port {p}"),
        (proto, Some(p)) => format!("{proto}:{p}"),
        ("", None) => "listener".to_string(),
        (proto, None) => proto.to_string(),
    }
}

/// The target groups a listener action forwards to: its `TargetGroupArn` and those of its
/// `ForwardConfig`, as given (ARN or name).
fn forwarded_target_groups(action: &Value) -> Vec<&str> {
    action
        .get("TargetGroupArn")
        .and_then(Value::as_str)
        .into_iter()
        .chain(
            action
                .pointer("/ForwardConfig/TargetGroups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("TargetGroupArn").and_then(Value::as_str)),
        )
        .collect()
}

/// The weighted forward of a listener action whose `ForwardConfig` names two target groups
/// (`path` names its `TargetGroups`): their references and weights in tenths of a percent.
/// One target group is a plain forward (`None`); more than two are refused.
fn weighted_forward<'a>(action: &'a Value, path: &str) -> Result<Option<Split<&'a str>>, String> {
    let Some(tuples) = action
        .pointer("/ForwardConfig/TargetGroups")
        .and_then(Value::as_array)
        .filter(|t| t.len() > 1)
    else {
        return Ok(None);
    };
    if tuples.len() > 2 {
        return Err(format!("{path}: {} target groups; the playground splits a listener's requests between two (a weighted forward to more is not simulated)", tuples.len()));
    }
    let mut refs = [""; 2];
    let mut weights = [0u64; 2];
    for (k, t) in tuples.iter().enumerate() {
        refs[k] = t
            .get("TargetGroupArn")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}[{k}].TargetGroupArn: required"))?;
        weights[k] = match t.get("Weight").filter(|w| !w.is_null()) {
            None => 1,
            Some(w) => w
                .as_u64()
                .filter(|w| *w <= MAX_FORWARD_WEIGHT)
                .ok_or_else(|| {
                    format!(
                        "{path}[{k}].Weight: must be a whole number from 0 to {MAX_FORWARD_WEIGHT}"
                    )
                })?,
        };
    }
    let total = weights[0] + weights[1];
    if total == 0 {
        return Err(format!(
            "{path}: at least one target group must have a weight above 0"
        ));
    }
    let first = ((weights[0] * 1000 + total / 2) / total) as u32;
    Ok(Some((refs, [first, 1000 - first])))
}

impl LoadBalancing {
    /// CreateListener request `v` (`path` names it): the listener, the target groups it
    /// forwards to (behind its load balancer from now on) and its weighted forward.
    pub(super) fn create_listener(&mut self, v: &Value, path: &str) -> Result<(), String> {
        let lb_ref = v
            .get("LoadBalancerArn")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}.LoadBalancerArn: required"))?;
        let l = self
            .load_balancers
            .iter()
            .position(|b| {
                // A Classic Load Balancer has its own `Listeners`, not elbv2 ones.
                !b.classic
                    && (b.arn == lb_ref
                        || b.name == lb_ref
                        || lb_ref.contains(&format!("/app/{}/", b.name))
                        || lb_ref.contains(&format!("/net/{}/", b.name)))
            })
            .ok_or_else(|| {
                format!("{path}.LoadBalancerArn: no load balancer {lb_ref} in loadBalancers")
            })?;
        let label = listener_label(v);
        let port = v.get("Port").and_then(Value::as_u64);
        if port.is_some()
            && self.listeners.iter().any(|o| {
                o.load_balancer == l
                    && o.label.rsplit(':').next() == Some(&port.unwrap_or(0).to_string())
            })
        {
            return Err(format!(
                "{path}.Port: DuplicateListener: A listener already exists on this port for this load balancer"
            ));
        }
        let balancer = &self.load_balancers[l];
        let arn = match v.get("ListenerArn").and_then(Value::as_str) {
            Some(arn) => arn.to_string(),
            None => format!(
                "arn:aws:elasticloadbalancing:{ARN_ACCOUNT_REGION}:listener/{}/{}",
                balancer.dimension,
                &name_hash(&format!("{}/{label}", balancer.name))[..16]
            ),
        };
        let forwards = self.listener_actions(l, v.get("DefaultActions"), path)?;
        self.listeners.push(Listener {
            arn,
            label,
            load_balancer: l,
            forwards: Vec::new(),
            weighted: None,
        });
        self.apply_forwards(self.listeners.len() - 1, forwards, path)
    }

    /// Checks `DefaultActions` `actions` of a listener of load balancer `l` (`path` names the
    /// listener): each target group exists and takes that load balancer's traffic.
    fn listener_actions(
        &self,
        l: usize,
        actions: Option<&Value>,
        path: &str,
    ) -> Result<Forwards, String> {
        let mut out = Forwards {
            groups: Vec::new(),
            weighted: None,
        };
        for (j, action) in actions
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let forward_path = format!("{path}.DefaultActions[{j}].ForwardConfig.TargetGroups");
            if let Some((refs, weights)) = weighted_forward(action, &forward_path)? {
                if self.load_balancers[l].network {
                    return Err(format!("{forward_path}: a Network Load Balancer's forward action takes one target group (weighted target groups are an Application Load Balancer feature)"));
                }
                let mut groups = [0; 2];
                for (k, r) in refs.iter().enumerate() {
                    groups[k] = self.find_target_group(r).ok_or_else(|| {
                        format!("{forward_path}[{k}].TargetGroupArn: no target group {r} in targetGroups")
                    })?;
                }
                if groups[0] == groups[1] {
                    return Err(format!(
                        "{forward_path}: names target group {} twice",
                        refs[0]
                    ));
                }
                out.weighted = Some((groups, weights));
            }
            for r in forwarded_target_groups(action) {
                let g = self.find_target_group(r).ok_or_else(|| {
                    format!("{path}.DefaultActions[{j}].TargetGroupArn: no target group {r} in targetGroups")
                })?;
                let (balancer, group) = (&self.load_balancers[l], &self.target_groups[g]);
                if balancer.network != group.is_network() {
                    return Err(format!(
                        "{path}.DefaultActions[{j}].TargetGroupArn: target group {} uses protocol {}, which {} {} cannot forward to (8.6)",
                        group.name,
                        group.protocol,
                        balancer.kind(),
                        balancer.name
                    ));
                }
                if !out.groups.contains(&g) {
                    out.groups.push(g);
                }
            }
        }
        Ok(out)
    }

    /// Gives listener `li` the forwards `f` (checked by [`Self::listener_actions`]): its
    /// target groups go behind its load balancer and list it, and its weighted forward
    /// replaces the one it had. `path` names the call, for the refusal of a target group
    /// already in another weighted forward.
    fn apply_forwards(&mut self, li: usize, mut f: Forwards, path: &str) -> Result<(), String> {
        // A plain forward to one group of the pair the listener split between puts all the
        // weight on it: requests addressed to the other (a load profile's target group stands
        // for the listener's traffic) follow the listener there.
        if let (None, [only], Some((groups, _))) =
            (f.weighted, f.groups.as_slice(), self.listeners[li].weighted)
        {
            if groups.contains(only) {
                let weights = groups.map(|g| if g == *only { 1000 } else { 0 });
                f.weighted = Some((groups, weights));
            }
        }
        if let Some((groups, weights)) = f.weighted {
            let reversed = ([groups[1], groups[0]], [weights[1], weights[0]]);
            // Another listener's weighted forward over one of the groups must be the same
            // split (HTTP:80 and HTTPS:443 forwarding alike share it), whichever listener
            // changes; a blue/green service's production rule is ECS's.
            let other_listener = self.listeners.iter().enumerate().find_map(|(o, l)| {
                let (g, w) = l.weighted.filter(|_| o != li)?;
                let overlaps = g.contains(&groups[0]) || g.contains(&groups[1]);
                (overlaps && (g, w) != (groups, weights) && (g, w) != reversed)
                    .then(|| (g, format!("listener {}", l.label)))
            });
            let service_rule = self
                .weighted_rules
                .iter()
                .find(|r| {
                    r.listener.is_none()
                        && (r.groups.contains(&groups[0]) || r.groups.contains(&groups[1]))
                })
                .map(|r| {
                    (
                        r.groups,
                        "a blue/green service's production listener rule".to_string(),
                    )
                });
            if let Some((other, whose)) = other_listener.or(service_rule) {
                let shared = groups
                    .into_iter()
                    .find(|g| other.contains(g))
                    .unwrap_or(groups[0]);
                return Err(format!(
                    "{path}.DefaultActions: target group {} is already in the weighted forward of {whose}; the playground splits the requests addressed to a target group one way",
                    self.target_groups[shared].name
                ));
            }
        }
        let label = self.listeners[li].label.clone();
        for &g in &self.listeners[li].forwards {
            self.target_groups[g].listeners.retain(|x| *x != label);
        }
        let l = self.listeners[li].load_balancer;
        for &g in &f.groups {
            self.target_groups[g].load_balancer = Some(l);
            if !self.target_groups[g].listeners.contains(&label) {
                self.target_groups[g].listeners.push(label.clone());
            }
        }
        self.listeners[li].forwards = f.groups;
        self.listeners[li].weighted = f.weighted;
        // The listener's rule goes; another listener still forwarding with its split (they
        // shared it) keeps it.
        if let Some(k) = self
            .weighted_rules
            .iter()
            .position(|r| r.listener == Some(li))
        {
            let old = self.weighted_rules.remove(k).groups;
            let heir = self.listeners.iter().enumerate().find_map(|(o, l)| {
                l.weighted
                    .filter(|(g, _)| o != li && (*g == old || *g == [old[1], old[0]]))
                    .map(|(groups, weights)| (o, groups, weights))
            });
            if let Some((o, groups, weights)) = heir {
                self.weighted_rules.push(WeightedRule {
                    groups,
                    weights,
                    listener: Some(o),
                });
            }
        }
        // A split another listener shares is there already, with the same weights.
        if let Some((groups, weights)) = f.weighted {
            if !self
                .weighted_rules
                .iter()
                .any(|r| r.groups.contains(&groups[0]) || r.groups.contains(&groups[1]))
            {
                self.weighted_rules.push(WeightedRule {
                    groups,
                    weights,
                    listener: Some(li),
                });
            }
        }
        Ok(())
    }

    /// The listener `reference` names: its ARN, or `<load balancer name>:<port>`.
    pub fn find_listener(&self, reference: &str) -> Option<usize> {
        self.listeners.iter().position(|l| {
            l.arn == reference || {
                let balancer = &self.load_balancers[l.load_balancer].name;
                reference
                    .strip_prefix(balancer.as_str())
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|port| l.label.rsplit(':').next() == Some(port))
            }
        })
    }

    /// Parses ModifyListener call `modifyListeners[i]` (`path`) against the listeners.
    pub fn parse_modify_listener(&self, v: &Value, path: &str) -> Result<ListenerChange, String> {
        let at_ms = crate::time::call_at_ms(v, path)?;
        let reference = v
            .get("ListenerArn")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}.ListenerArn: required"))?;
        let listener = self.find_listener(reference).ok_or_else(|| {
            format!("{path}.ListenerArn: ListenerNotFound: no listener {reference} in listeners (give its ARN, or <load balancer name>:<port>)")
        })?;
        let known = ["at", "ListenerArn", "DefaultActions"];
        if let Some(other) = v
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .find(|k| !known.contains(k))
        {
            return Err(format!(
                "{path}.{other}: the playground's ModifyListener changes DefaultActions only"
            ));
        }
        let actions = v
            .get("DefaultActions")
            .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
            .ok_or_else(|| format!("{path}.DefaultActions: required, a list of actions"))?;
        let forwards =
            self.listener_actions(self.listeners[listener].load_balancer, Some(actions), path)?;
        Ok(ListenerChange {
            at_ms,
            listener,
            forwards,
            path: path.to_string(),
        })
    }
}

/// A listener's weighted split, as the load balancer view offers to shift it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerSplit {
    /// `ListenerArn`.
    pub arn: String,
    /// `HTTP:80`.
    pub listener: String,
    /// Its load balancer's name.
    pub load_balancer: String,
    /// The two target groups' names.
    pub groups: [String; 2],
    /// Their weights, in tenths of a percent.
    pub weights: [u32; 2],
}

impl Simulation {
    /// The weighted splits listeners set (not those a blue/green service manages).
    pub fn listener_splits(&self) -> Vec<ListenerSplit> {
        self.lb
            .weighted_rules
            .iter()
            .filter_map(|r| {
                let l = &self.lb.listeners[r.listener?];
                Some(ListenerSplit {
                    arn: l.arn.clone(),
                    listener: l.label.clone(),
                    load_balancer: self.lb.load_balancers[l.load_balancer].name.clone(),
                    groups: r.groups.map(|g| self.lb.target_groups[g].name.clone()),
                    weights: r.weights,
                })
            })
            .collect()
    }

    /// The listeners as `aws elbv2 describe-listeners` shows them: `ListenerArn`,
    /// `LoadBalancerArn`, `Protocol`/`Port` as a label, and the forward as it is now (a
    /// weighted split's `Weight` in percent).
    pub fn listeners_json(&self) -> Vec<Value> {
        self.lb
            .listeners
            .iter()
            .map(|l| {
                // A split's weights are its rule's (ECS moves those of a production rule).
                let split = l.forwards.len() == 2;
                let groups: Vec<Value> = l
                    .forwards
                    .iter()
                    .map(|&g| {
                        let weight = split
                            .then(|| self.listener_rule_weight(g))
                            .flatten()
                            .unwrap_or(1000);
                        json!({"TargetGroupArn": self.lb.target_groups[g].arn,
                            "Weight": f64::from(weight) / 10.0})
                    })
                    .collect();
                json!({
                    "ListenerArn": l.arn,
                    "LoadBalancerArn": self.lb.load_balancers[l.load_balancer].arn,
                    "Listener": l.label,
                    "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}],
                })
            })
            .collect()
    }

    /// A target group listener `li` forwards to, or would forward to (`groups`), that is in
    /// a blue/green service's production listener rule, and the service.
    fn production_rule_user(&self, li: usize, groups: &[usize]) -> Option<(usize, String)> {
        let listener = &self.lb.listeners[li];
        let g = listener.forwards.iter().chain(groups).copied().find(|g| {
            self.lb
                .weighted_rules
                .iter()
                .any(|r| r.listener.is_none() && r.groups.contains(g))
        })?;
        let service = self
            .services
            .iter()
            .find(|s| {
                s.status == crate::service::ServiceStatus::Active
                    && s.load_balancers.iter().any(|l| {
                        l.alternate.is_some() && (l.target_group == g || l.alternate == Some(g))
                    })
            })
            .map_or_else(String::new, |s| s.name.clone());
        Some((g, service))
    }

    /// Makes ModifyListener call `i`: the listener forwards as its new `DefaultActions` say
    /// from now on, or the log says why it could not.
    pub(crate) fn modify_listener(&mut self, i: usize) {
        let change = self.scenario.listener_changes[i].clone();
        let li = change.listener;
        let result = match self.production_rule_user(li, &change.forwards.groups) {
            // ECS manages the weights of a blue/green service's production rule: a change of
            // the listener forwarding with it would be logged and not followed.
            Some((g, service)) => Err(format!(
                "{}.DefaultActions: target group {} is in the production listener rule of service {service}, whose weights ECS manages",
                change.path, self.lb.target_groups[g].name
            )),
            None => self
                .lb
                .apply_forwards(li, change.forwards.clone(), &change.path),
        };
        let listener = &self.lb.listeners[li];
        let balancer = &self.lb.load_balancers[listener.load_balancer].name;
        let msg = match result {
            Ok(()) => {
                let split = match change.forwards.weighted {
                    Some((groups, weights)) => format!(
                        "forwards {} % to {} and {} % to {}",
                        crate::blue_green::percent(weights[0]),
                        self.lb.target_groups[groups[0]].name,
                        crate::blue_green::percent(weights[1]),
                        self.lb.target_groups[groups[1]].name
                    ),
                    None if change.forwards.groups.is_empty() => {
                        "forwards to no target group".to_string()
                    }
                    None => format!(
                        "forwards to {}",
                        change
                            .forwards
                            .groups
                            .iter()
                            .map(|&g| self.lb.target_groups[g].name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                format!("ModifyListener {} of {balancer}: {split}", listener.label)
            }
            Err(e) => format!("ModifyListener failed: {e}"),
        };
        self.log.push(self.now(), EventKind::LoadBalancer, msg);
    }
}
