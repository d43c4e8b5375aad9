//! Task placement (section 3), as the visible pipeline of 3.7:
//!
//! 1. **candidates**: instances of the target cluster that are ACTIVE with a connected agent
//!    ([`filter::resources::check_candidate`]);
//! 2. **resources**: CPU, memory, GPUs, host ports, ENIs, required attributes
//!    ([`filter::resources::check_placement_resources`]), less what an instance holds back
//!    for the daemon tasks it lacks (4.1, [`crate::daemon`]);
//! 3. **constraints**: `distinctInstance`, `memberOf` ([`filter::constraints::check`]);
//! 4. **strategies**: chained in order, each keeping only its best survivors
//!    ([`strategy`]);
//! 5. **tie-break**: a seeded random choice among the survivors, or the first registered
//!    ([unconfirmed]: AWS does not document its tie-break; [`explain::TieBreak`]).
//!
//! Scores are integers, so ties are exact and native and wasm agree. With `explain`, every
//! instance gets a structured [`explain::Verdict`].

pub mod cql;
pub mod explain;
pub mod filter;
pub mod replay;
pub mod reserve;
pub mod strategy;

use serde_json::Value;

use crate::cluster::{ClusterState, InstanceSlot};
use crate::rng::SimRng;
use crate::task_definition::{NetworkMode, PortRequest, Protocol, ValidTaskDefinition};
use cql::{EvalOptions, Expression};
use explain::{CandidateReport, Explanation, Rejection, TieBreak, Verdict};
use strategy::{Strategy, MAX_STRATEGIES};

/// A placement constraint (3.4).
#[derive(Debug, Clone)]
pub enum Constraint {
    /// Each task of the group on a different instance.
    DistinctInstance,
    /// The instance must satisfy a cluster query language expression.
    MemberOf(Expression),
}

/// At most 10 constraints per task, task definition and run time together (3.4).
pub const MAX_CONSTRAINTS: usize = 10;

impl Constraint {
    /// Parses a `placementConstraints[]` entry. `distinctInstance` is refused in task
    /// definitions (`allow_distinct = false`), as AWS does.
    pub fn from_aws(v: &Value, allow_distinct: bool) -> Result<Constraint, String> {
        let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
        let expr = v.get("expression").and_then(Value::as_str).unwrap_or("");
        match ty {
            "distinctInstance" if !allow_distinct => {
                Err("type: distinctInstance is not accepted in a task definition".to_string())
            }
            "distinctInstance" if !expr.trim().is_empty() => {
                Err("expression: distinctInstance takes no expression".to_string())
            }
            "distinctInstance" => Ok(Constraint::DistinctInstance),
            "memberOf" => Expression::parse(expr)
                .map(Constraint::MemberOf)
                .map_err(|e| format!("expression: {e}")),
            _ => Err(format!(
                "type: \"{ty}\" is not one of distinctInstance, memberOf"
            )),
        }
    }

    /// AWS-style label, e.g. `memberOf(attribute:ecs.instance-type =~ t2.*)`.
    pub fn label(&self) -> String {
        match self {
            Constraint::DistinctInstance => "distinctInstance".to_string(),
            Constraint::MemberOf(e) => format!("memberOf({})", e.source()),
        }
    }
}

/// Parses the constraints and strategies of a CreateService or RunTask request, plus the
/// task definition's own `memberOf` constraints, checking the documented limits.
pub fn parse_placement(
    request: &Value,
    td: &ValidTaskDefinition,
) -> Result<(Vec<Constraint>, Vec<Strategy>), String> {
    let mut constraints = Vec::new();
    for (i, c) in as_list(request.get("placementConstraints"))
        .iter()
        .enumerate()
    {
        constraints.push(
            Constraint::from_aws(c, true).map_err(|m| format!("placementConstraints[{i}].{m}"))?,
        );
    }
    for (i, expr) in td.member_of.iter().enumerate() {
        let e = Expression::parse(expr)
            .map_err(|e| format!("taskDefinition placementConstraints[{i}].expression: {e}"))?;
        constraints.push(Constraint::MemberOf(e));
    }
    if constraints.len() > MAX_CONSTRAINTS {
        return Err(format!(
            "placementConstraints: {} constraints; at most {MAX_CONSTRAINTS} per task",
            constraints.len()
        ));
    }
    let mut strategies = Vec::new();
    for (i, s) in as_list(request.get("placementStrategy")).iter().enumerate() {
        strategies.push(Strategy::from_aws(s).map_err(|m| format!("placementStrategy[{i}].{m}"))?);
    }
    if strategies.len() > MAX_STRATEGIES {
        return Err(format!(
            "placementStrategy: {} strategies; at most {MAX_STRATEGIES}",
            strategies.len()
        ));
    }
    Ok((constraints, strategies))
}

fn as_list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// What one task needs from an instance, derived once from its task definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskNeeds {
    /// CPU units reserved (1.3).
    pub cpu: u32,
    /// MiB reserved (1.3: memoryReservation if set, else memory).
    pub memory_mib: u32,
    /// GPUs reserved.
    pub gpus: u32,
    /// Whether it takes an ENI (awsvpc).
    pub eni: bool,
    /// Port mappings that bind host ports (bridge and host modes).
    pub host_port_mappings: Vec<PortRequest>,
    /// Static host ports, from `host_port_mappings`.
    pub static_ports: Vec<(u16, Protocol)>,
    /// Dynamic host ports needed, per protocol (TCP, UDP), those of port ranges included.
    pub dynamic_ports: [usize; 2],
    /// Bridge-mode `containerPortRange`s (1.5): each needs a block of this many consecutive
    /// free ports in the ephemeral range.
    pub dynamic_ranges: Vec<(u16, Protocol)>,
    /// Attributes the instance must have.
    pub required_attributes: Vec<String>,
    /// awsvpc: the Availability Zones of the request's subnets; the instance must be in one
    /// (`LOCATION`). `None`: anywhere.
    pub availability_zones: Option<Vec<String>>,
}

impl TaskNeeds {
    /// The needs of one task of `td` (1.3, 1.5).
    pub fn of(td: &ValidTaskDefinition) -> TaskNeeds {
        let host_port_mappings: Vec<PortRequest> = match td.network_mode {
            NetworkMode::Bridge | NetworkMode::Host => td.ports.clone(),
            NetworkMode::Awsvpc | NetworkMode::None => Vec::new(),
        };
        let static_ports = host_port_mappings
            .iter()
            .filter_map(|p| p.host_port.map(|h| (h, p.protocol)))
            .collect();
        let mut dynamic_ports = [0, 0];
        let mut dynamic_ranges = Vec::new();
        for p in host_port_mappings.iter().filter(|p| p.host_port.is_none()) {
            dynamic_ports[p.protocol as usize] += usize::from(p.count);
            if p.count > 1 {
                dynamic_ranges.push((p.count, p.protocol));
            }
        }
        TaskNeeds {
            cpu: td.cpu_units,
            memory_mib: td.memory_mib,
            gpus: td.gpus,
            eni: td.needs_eni,
            host_port_mappings,
            static_ports,
            dynamic_ports,
            dynamic_ranges,
            required_attributes: td.required_attributes.clone(),
            availability_zones: None,
        }
    }
}

/// One placement question: where does one task of `group` go in `cluster`?
#[derive(Debug, Clone, Copy)]
pub struct PlacementRequest<'a> {
    /// The cluster name.
    pub cluster: &'a str,
    /// The task group (`service:web`, `family:nginx`, or a RunTask `group`).
    pub group: &'a str,
    /// What the task needs.
    pub needs: &'a TaskNeeds,
    /// Binding constraints.
    pub constraints: &'a [Constraint],
    /// Best-effort strategies, in order.
    pub strategies: &'a [Strategy],
    /// Only instances of this capacity provider are candidates (6.4), or with
    /// [`crate::cluster::EXTERNAL_POOL`] only ECS Anywhere instances; `None`: any EC2
    /// instance of the cluster (the EC2 launch type).
    pub capacity_provider: Option<usize>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Place it on this instance.
    Placed(InstanceSlot),
    /// No instance met all requirements; the closest one and why it failed.
    Unplaceable {
        /// The "closest matching container-instance" and its rejection, if the cluster has any
        /// instance at all.
        closest: Option<(InstanceSlot, Rejection)>,
    },
}

/// Reusable buffers, so the hot path does not allocate.
#[derive(Debug, Default, Clone)]
pub struct Placer {
    survivors: Vec<InstanceSlot>,
    scores: Vec<i64>,
    /// Per strategy: where its live spread counts are in the cluster state.
    spread_positions: Vec<Option<usize>>,
    /// Per-instance results of static `memberOf` expressions: (expression, cluster
    /// generation, result per slot).
    member_of_cache: Vec<(String, u64, Vec<bool>)>,
    /// The AND of the cached results that apply to the current placement.
    static_mask: Vec<bool>,
    /// How the query language treats missing attributes.
    pub eval_options: EvalOptions,
    /// How stage 5 picks among equals.
    pub tie_break: TieBreak,
}

/// How one strategy scores a candidate during one placement (lower is better).
enum Scorer<'a> {
    Binpack(strategy::BinpackField),
    SpreadInstance(&'a [u32]),
    SpreadAttribute(&'a crate::cluster::AttributeIndex, &'a [i64]),
    Random,
    /// Every candidate scores the same (an attribute no instance was indexed for).
    Flat,
}

impl Scorer<'_> {
    #[inline(always)]
    fn score(&self, capacity: &crate::cluster::Capacity, slot: InstanceSlot) -> i64 {
        match self {
            Scorer::Binpack(field) => strategy::binpack::score(capacity, *field),
            Scorer::SpreadInstance(counts) => strategy::spread::instance_score(counts, slot),
            Scorer::SpreadAttribute(index, per_value) => {
                strategy::spread::attribute_score(index, per_value, slot)
            }
            Scorer::Random | Scorer::Flat => 0,
        }
    }
}

impl Placer {
    /// A placer whose cluster query language follows `eval_options`.
    pub fn with_options(eval_options: EvalOptions, tie_break: TieBreak) -> Placer {
        Placer {
            eval_options,
            tie_break,
            ..Placer::default()
        }
    }

    /// Runs the pipeline. With `explain`, also returns the verdict on every instance.
    ///
    /// Without `explain`, the strategies before the first `random` are applied while
    /// filtering instead of in passes of their own; the survivors, their order and the random
    /// draws are the same either way (a property test checks it).
    pub fn place(
        &mut self,
        cluster: &mut ClusterState,
        req: &PlacementRequest<'_>,
        rng: &mut SimRng,
        explain: bool,
    ) -> (Decision, Option<Explanation>) {
        let group_id = cluster.group_id(req.group);
        // Live per-value task counts for each spread(attribute) strategy.
        let cluster_id = cluster.cluster_id(req.cluster);
        self.spread_positions.clear();
        for s in req.strategies {
            let position = match (s, cluster_id) {
                (Strategy::Spread(strategy::SpreadField::Attribute(name)), Some(cid)) => {
                    Some(cluster.spread_counts(group_id, cid, name))
                }
                _ => None,
            };
            self.spread_positions.push(position);
        }
        let cluster: &ClusterState = cluster;
        let mut report = explain.then(|| Explanation {
            group: req.group.to_string(),
            strategies: req.strategies.iter().map(Strategy::label).collect(),
            constraints: req.constraints.iter().map(Constraint::label).collect(),
            candidates: Vec::new(),
            chosen: None,
        });
        let Some(cluster_id) = cluster_id else {
            return (Decision::Unplaceable { closest: None }, report);
        };
        let group_counts = cluster.group_counts(group_id);
        let spread_counts = cluster.spread_group_counts(group_id);
        let use_mask = !explain && self.prepare_static_mask(cluster, req.constraints);

        let Placer {
            survivors,
            scores,
            spread_positions,
            static_mask,
            eval_options,
            tie_break,
            ..
        } = self;
        let tie_break = *tie_break;
        let scorers: Vec<Scorer<'_>> = req
            .strategies
            .iter()
            .zip(spread_positions.iter())
            .map(|(s, position)| match s {
                Strategy::Binpack(f) => Scorer::Binpack(*f),
                Strategy::Spread(strategy::SpreadField::InstanceId) => {
                    Scorer::SpreadInstance(spread_counts)
                }
                Strategy::Spread(strategy::SpreadField::Attribute(name)) => {
                    match (cluster.attribute_index(name), position) {
                        (Some(index), Some(p)) => {
                            Scorer::SpreadAttribute(index, cluster.spread_counts_at(*p))
                        }
                        _ => Scorer::Flat,
                    }
                }
                Strategy::Random => Scorer::Random,
            })
            .collect();
        // Without explain, the leading strategies up to the first `random` are applied while
        // filtering, as one lexicographic score: keeping the minimum of (s1, s2, ...) keeps
        // exactly the instances that applying them one after another would keep.
        let fused: &[Scorer<'_>] = if explain {
            &[]
        } else {
            let n = scorers
                .iter()
                .take_while(|s| !matches!(s, Scorer::Random))
                .count();
            &scorers[..n]
        };

        // Stages 1-3: filters (and the fused strategies).
        let mode = filter::constraints::CheckMode {
            detail: explain,
            skip_static: use_mask,
        };
        let mut verdicts: Vec<(InstanceSlot, Vec<i64>, Option<Verdict>)> = Vec::new();
        survivors.clear();
        let mut best = [i64::MAX; MAX_STRATEGIES];
        // Constraints the fast path can answer alone: none left after the static mask, or
        // only distinctInstance (a count lookup).
        let constraints_quick = !explain
            && req.constraints.iter().all(|c| match c {
                Constraint::DistinctInstance => true,
                Constraint::MemberOf(e) => use_mask && e.is_static(),
            });
        let distinct = req
            .constraints
            .iter()
            .any(|c| matches!(c, Constraint::DistinctInstance));
        let provider = req
            .capacity_provider
            .map_or(crate::cluster::NO_PROVIDER, |p| p as u32);
        let any_provider = req.capacity_provider.is_none();
        let eligible = |c: &crate::cluster::Capacity| {
            if any_provider {
                // The EC2 launch type: not ECS Anywhere, not Managed Instances.
                c.provider != crate::cluster::EXTERNAL_POOL && !c.managed_instances
            } else {
                c.provider == provider
            }
        };
        for (slot, capacity) in cluster.capacity.iter().enumerate() {
            if capacity.cluster_id != cluster_id || !eligible(capacity) {
                continue;
            }
            // The common cases are answered from the packed index: a fit is accepted, a
            // shortfall skipped (its reason is only needed if nothing fits, see below).
            // Anything else is examined stage by stage.
            if !explain {
                let quick = filter::resources::quick_verdict(capacity, req.needs);
                if quick == filter::resources::Quick::Lacks {
                    continue;
                }
                let passes = quick == filter::resources::Quick::Fits
                    && constraints_quick
                    && (!use_mask || static_mask[slot])
                    && (!distinct || group_counts[slot] == 0);
                if passes {
                    accept(fused, capacity, slot, &mut best, survivors);
                    continue;
                }
            }
            let masked_out = use_mask && !static_mask[slot];
            match examine(
                cluster,
                slot,
                req,
                masked_out,
                group_counts[slot],
                eval_options,
                mode,
            ) {
                Ok(()) => {
                    accept(fused, capacity, slot, &mut best, survivors);
                    if explain {
                        verdicts.push((slot, Vec::new(), None));
                    }
                }
                Err((stage, rejection)) => {
                    if explain {
                        verdicts.push((
                            slot,
                            Vec::new(),
                            Some(Verdict::Rejected { stage, rejection }),
                        ));
                    }
                }
            }
        }
        if survivors.is_empty() {
            if let Some(r) = report.as_mut() {
                r.candidates = finish(cluster, verdicts, tie_break);
            }
            // Re-check the closest instance with full detail for the message.
            // Nothing fits: find the "closest matching container-instance" (the one that got
            // furthest through the stages) and its full reason.
            let full = filter::constraints::CheckMode::FULL;
            let mut closest: Option<(InstanceSlot, Rejection)> = None;
            for slot in (0..cluster.instances.len()).filter(|&s| {
                cluster.cluster_id_of[s] == cluster_id && eligible(&cluster.capacity[s])
            }) {
                if let Err((_, rejection)) = examine(
                    cluster,
                    slot,
                    req,
                    false,
                    group_counts[slot],
                    eval_options,
                    full,
                ) {
                    if closest
                        .as_ref()
                        .is_none_or(|(_, c)| rejection.closeness() > c.closeness())
                    {
                        closest = Some((slot, rejection));
                    }
                }
            }
            return (Decision::Unplaceable { closest }, report);
        }

        // Stage 4: the (remaining) strategies in order.
        let start = fused.len();
        for (index, (strategy, scorer)) in
            req.strategies.iter().zip(&scorers).enumerate().skip(start)
        {
            if survivors.len() == 1 {
                break;
            }
            if let (Scorer::Random, false) = (scorer, explain) {
                // The same draw as the explained path below, without scoring everyone.
                let winner = survivors[strategy::random::pick(survivors.len(), rng)];
                survivors.clear();
                survivors.push(winner);
                continue;
            }
            scores.clear();
            let best = if let Scorer::Random = scorer {
                let winner = strategy::random::pick(survivors.len(), rng);
                scores.extend((0..survivors.len()).map(|i| i64::from(i != winner)));
                0
            } else {
                let mut best = i64::MAX;
                for &slot in survivors.iter() {
                    let score = scorer.score(&cluster.capacity[slot], slot);
                    best = best.min(score);
                    scores.push(score);
                }
                best
            };
            if explain {
                for (&slot, &score) in survivors.iter().zip(scores.iter()) {
                    if let Some(v) = verdicts.iter_mut().find(|v| v.0 == slot) {
                        v.1.push(score);
                        if score > best {
                            v.2 = Some(Verdict::Outranked {
                                strategy_index: index,
                                strategy: strategy.label(),
                                score,
                                best,
                            });
                        }
                    }
                }
            }
            let mut i = 0;
            survivors.retain(|_| {
                let keep = scores[i] == best;
                i += 1;
                keep
            });
        }

        // Stage 5: the tie-break (survivors are in registration order).
        let pick = if survivors.len() > 1 && tie_break == TieBreak::Random {
            rng.below(survivors.len() as u64) as usize
        } else {
            0
        };
        let chosen = survivors[pick];
        if let Some(r) = report.as_mut() {
            for v in verdicts.iter_mut().filter(|v| v.2.is_none()) {
                v.2 = Some(if v.0 == chosen {
                    Verdict::Chosen
                } else {
                    Verdict::LostTieBreak { tie_break }
                });
            }
            r.chosen = Some(cluster.instances[chosen].ec2_instance_id.clone());
            r.candidates = finish(cluster, verdicts, tie_break);
        }
        (Decision::Placed(chosen), report)
    }

    /// Fills `self.static_mask` with the AND of the static `memberOf` expressions of the
    /// request, from a per-instance cache valid for one cluster generation. Returns false when
    /// the request has no static expression.
    fn prepare_static_mask(&mut self, cluster: &ClusterState, constraints: &[Constraint]) -> bool {
        let mut any = false;
        for c in constraints {
            let Constraint::MemberOf(expr) = c else {
                continue;
            };
            if !expr.is_static() {
                continue;
            }
            let generation = cluster.generation();
            let position = self
                .member_of_cache
                .iter()
                .position(|(src, g, _)| src == expr.source() && *g == generation);
            let index = match position {
                Some(i) => i,
                None => {
                    let results = (0..cluster.instances.len())
                        .map(|slot| {
                            filter::constraints::member_of_holds(
                                cluster,
                                slot,
                                expr,
                                &self.eval_options,
                            )
                        })
                        .collect();
                    self.member_of_cache.retain(|(_, g, _)| *g == generation);
                    self.member_of_cache
                        .push((expr.source().to_string(), generation, results));
                    self.member_of_cache.len() - 1
                }
            };
            let results = &self.member_of_cache[index].2;
            if any {
                for (m, r) in self.static_mask.iter_mut().zip(results) {
                    *m &= *r;
                }
            } else {
                self.static_mask.clear();
                self.static_mask.extend_from_slice(results);
                any = true;
            }
        }
        any
    }
}

/// Runs the filter stages on one instance: candidate, resources, constraints (3.7 steps
/// 1-3). `masked_out` says a cached static `memberOf` result already rejected it.
#[inline(never)]
fn examine(
    cluster: &ClusterState,
    slot: InstanceSlot,
    req: &PlacementRequest<'_>,
    masked_out: bool,
    group_count: u32,
    eval_options: &EvalOptions,
    mode: filter::constraints::CheckMode,
) -> Result<(), (explain::Stage, Rejection)> {
    let inst = &cluster.instances[slot];
    filter::resources::check_candidate(inst)
        .and_then(|()| filter::resources::check_placement_resources(inst, req.needs))
        .and_then(|()| {
            if masked_out {
                let rejection = Rejection::MemberOf {
                    expression: String::new(),
                    reason: String::new(),
                };
                return Err((explain::Stage::Constraints, rejection));
            }
            filter::constraints::check(
                cluster,
                slot,
                req.constraints,
                req.group,
                group_count,
                eval_options,
                mode,
            )
        })
}

/// Adds a feasible instance to the survivors; with fused strategies, keeps only those with
/// the lexicographically best scores so far (scoring stops at the first worse component).
#[inline(always)]
fn accept(
    fused: &[Scorer<'_>],
    capacity: &crate::cluster::Capacity,
    slot: InstanceSlot,
    best: &mut [i64; MAX_STRATEGIES],
    survivors: &mut Vec<InstanceSlot>,
) {
    let mut key = [0i64; MAX_STRATEGIES];
    let mut order = std::cmp::Ordering::Equal;
    for (i, scorer) in fused.iter().enumerate() {
        let k = scorer.score(capacity, slot);
        if order == std::cmp::Ordering::Equal {
            order = k.cmp(&best[i]);
            if order == std::cmp::Ordering::Greater {
                return;
            }
        }
        key[i] = k;
    }
    if order == std::cmp::Ordering::Less {
        *best = key;
        survivors.clear();
    }
    survivors.push(slot);
}

fn finish(
    cluster: &ClusterState,
    verdicts: Vec<(InstanceSlot, Vec<i64>, Option<Verdict>)>,
    tie_break: TieBreak,
) -> Vec<CandidateReport> {
    verdicts
        .into_iter()
        .map(|(slot, scores, verdict)| {
            let inst = &cluster.instances[slot];
            CandidateReport {
                instance_id: inst.ec2_instance_id.clone(),
                availability_zone: inst.availability_zone.clone(),
                scores,
                verdict: verdict.unwrap_or(Verdict::LostTieBreak { tie_break }),
            }
        })
        .collect()
}
