//! Structured explanations of placement decisions.
//!
//! Every candidate instance gets a [`Verdict`]: the stage that rejected it and exactly why, or
//! its score under the strategy that outranked it, or "chosen". The UI and `ecs-sim explain`
//! format these records; nothing here is a pre-rendered string except [`Explanation::render`].

use serde::Serialize;

use crate::json_shape::Spelled;
use crate::task_definition::Protocol;

/// The pipeline stage a verdict comes from (3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    /// Instance status and agent connection.
    Candidates,
    /// CPU, memory, ports, ENIs, GPUs, required attributes.
    Resources,
    /// `distinctInstance` and `memberOf`.
    Constraints,
    /// A placement strategy, by position in the chain.
    Strategy,
    /// The seeded tie-break after the last strategy.
    TieBreak,
}

/// Why an instance was filtered out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Rejection {
    /// Not ACTIVE (DRAINING or INACTIVE instances take no new tasks).
    NotActive {
        /// The instance's status.
        status: String,
    },
    /// The agent is disconnected (`AGENT`).
    AgentDisconnected,
    /// Not enough CPU units (`RESOURCE:CPU`).
    Cpu {
        /// Units the task reserves.
        requested: u32,
        /// Units left on the instance for it.
        available: u32,
        /// Units held back for daemon tasks not yet placed (4.1), beyond `available`.
        held_for_daemons: u32,
    },
    /// Not enough memory (`RESOURCE:MEMORY`).
    Memory {
        /// MiB the task reserves.
        requested: u32,
        /// MiB left on the instance for it.
        available: u32,
        /// MiB held back for daemon tasks not yet placed (4.1), beyond `available`.
        held_for_daemons: u32,
    },
    /// Not enough GPUs (`RESOURCE:GPU`).
    Gpu {
        /// GPUs the task reserves.
        requested: u32,
        /// GPUs left.
        available: u32,
    },
    /// No free ENI for an awsvpc task (`RESOURCE:ENI`).
    Eni {
        /// awsvpc tasks the instance can host.
        capacity: u32,
        /// ENIs already attached to tasks.
        in_use: u32,
        /// ENIs held back for daemon tasks not yet placed (4.1).
        held_for_daemons: u32,
    },
    /// A static host port is already in use (`RESOURCE:PORTS`).
    PortInUse {
        /// The port.
        port: u16,
        /// Its protocol.
        protocol: Protocol,
    },
    /// Reserving the static ports would pass the 100-port cap (`RESOURCE:PORTS`).
    TooManyPorts {
        /// Static ports already reserved for the protocol.
        reserved: usize,
        /// Static ports the task needs.
        requested: usize,
        /// The cap.
        max: usize,
    },
    /// The ephemeral range has no free port left (`RESOURCE:PORTS`).
    NoDynamicPort,
    /// No block of consecutive free ports in the ephemeral range for a `containerPortRange`
    /// (`RESOURCE:PORTS`).
    NoPortRange {
        /// Ports in the range.
        count: u16,
        /// Their protocol.
        protocol: Protocol,
    },
    /// A required attribute is missing (`ATTRIBUTE`).
    MissingAttribute {
        /// The attribute.
        name: String,
    },
    /// awsvpc: the instance's AZ hosts none of the task's subnets (`LOCATION`).
    Location {
        /// The instance's AZ.
        availability_zone: String,
        /// The AZs of the task's subnets.
        subnet_zones: Vec<String>,
    },
    /// `distinctInstance`: a task of the same group already runs here.
    DistinctInstance {
        /// The task group.
        group: String,
    },
    /// A `memberOf` expression is false here.
    MemberOf {
        /// The whole expression.
        expression: String,
        /// The sub-expression that made it false.
        reason: String,
    },
}

impl Rejection {
    /// The `failures[].reason` code of 3.8.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Rejection::NotActive { .. } => "INACTIVE",
            Rejection::AgentDisconnected => "AGENT",
            Rejection::Cpu { .. } => "RESOURCE:CPU",
            Rejection::Memory { .. } => "RESOURCE:MEMORY",
            Rejection::Gpu { .. } => "RESOURCE:GPU",
            Rejection::Eni { .. } => "RESOURCE:ENI",
            Rejection::PortInUse {
                protocol: Protocol::Udp,
                ..
            } => "RESOURCE:PORTS_UDP",
            Rejection::PortInUse { .. }
            | Rejection::TooManyPorts { .. }
            | Rejection::NoDynamicPort
            | Rejection::NoPortRange { .. } => "RESOURCE:PORTS",
            Rejection::MissingAttribute { .. } => "ATTRIBUTE",
            Rejection::Location { .. } => "LOCATION",
            // [unconfirmed] AWS documents no reason code for constraint failures.
            Rejection::DistinctInstance { .. } => "CONSTRAINT:distinctInstance",
            Rejection::MemberOf { .. } => "CONSTRAINT:memberOf",
        }
    }

    /// One sentence a person can read.
    pub fn describe(&self) -> String {
        match self {
            Rejection::NotActive { status } => {
                format!("instance is {status}; only ACTIVE instances take new tasks")
            }
            Rejection::AgentDisconnected => "the ECS agent is disconnected".to_string(),
            Rejection::Cpu {
                requested,
                available,
                held_for_daemons,
            } => format!(
                "insufficient CPU units: the task needs {requested}, {available} available{}",
                held_note(*held_for_daemons, "")
            ),
            Rejection::Memory {
                requested,
                available,
                held_for_daemons,
            } => format!(
                "insufficient memory: the task needs {requested} MiB, {available} MiB available{}",
                held_note(*held_for_daemons, " MiB")
            ),
            Rejection::Gpu {
                requested,
                available,
            } => format!("insufficient GPUs: the task needs {requested}, {available} available"),
            Rejection::Eni {
                capacity,
                in_use,
                held_for_daemons,
            } => format!(
                "no free ENI: {in_use} of {capacity} awsvpc task ENIs in use{}",
                held_note(*held_for_daemons, "")
            ),
            Rejection::PortInUse { port, protocol } => {
                format!("host port {port}/{} is already in use", protocol.as_str())
            }
            Rejection::TooManyPorts {
                reserved,
                requested,
                max,
            } => format!(
                "too many ports registered: {reserved} reserved + {requested} requested > {max}"
            ),
            Rejection::NoDynamicPort => {
                "no free port left in the dynamic host port range".to_string()
            }
            Rejection::NoPortRange { count, protocol } => format!(
                "no {count} consecutive free {} ports in the dynamic host port range for the containerPortRange",
                protocol.as_str()
            ),
            Rejection::MissingAttribute { name } => format!("missing required attribute {name}"),
            Rejection::Location {
                availability_zone,
                subnet_zones,
            } => {
                format!(
                    "instance is in {availability_zone}; the task's subnets are in {}",
                    subnet_zones.join(", ")
                )
            }
            Rejection::DistinctInstance { group } => {
                format!("distinctInstance: a task of group {group} already runs here")
            }
            Rejection::MemberOf { expression, reason } => {
                format!("memberOf({expression}) is false: {reason}")
            }
        }
    }

    /// How far the instance got: later stages and smaller shortfalls are "closer" (used to
    /// pick the "closest matching container-instance" of service events). [unconfirmed]: AWS
    /// does not document how it picks that instance.
    pub(crate) fn closeness(&self) -> (u8, i64) {
        match self {
            Rejection::NotActive { .. } => (0, 0),
            Rejection::AgentDisconnected => (1, 0),
            Rejection::MissingAttribute { .. } | Rejection::Location { .. } => (2, 0),
            Rejection::Gpu {
                requested,
                available,
            } => (3, i64::from(*available) - i64::from(*requested)),
            Rejection::Eni { .. } => (4, 0),
            Rejection::Cpu {
                requested,
                available,
                ..
            } => (5, i64::from(*available) - i64::from(*requested)),
            Rejection::Memory {
                requested,
                available,
                ..
            } => (5, i64::from(*available) - i64::from(*requested)),
            Rejection::PortInUse { .. }
            | Rejection::TooManyPorts { .. }
            | Rejection::NoDynamicPort
            | Rejection::NoPortRange { .. } => (6, 0),
            Rejection::MemberOf { .. } => (7, 0),
            Rejection::DistinctInstance { .. } => (8, 0),
        }
    }
}

/// ", and N more held back for daemon tasks" when some are (4.1).
fn held_note(held: u32, unit: &str) -> String {
    if held == 0 {
        String::new()
    } else {
        format!(" ({held}{unit} more held back for daemon tasks not yet placed)")
    }
}

/// The verdict on one candidate instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "camelCase")]
pub enum Verdict {
    /// Filtered out by a stage.
    Rejected {
        /// Which stage.
        stage: Stage,
        /// Why.
        rejection: Rejection,
    },
    /// Feasible, but a strategy preferred other instances.
    Outranked {
        /// Position of the strategy in the chain (0-based).
        strategy_index: usize,
        /// The strategy, e.g. `binpack(memory)`.
        strategy: String,
        /// This instance's score (lower is better).
        score: i64,
        /// The best score among the survivors.
        best: i64,
    },
    /// Among the best after every strategy, but the tie-break picked another.
    LostTieBreak {
        /// The scenario's tie-break rule.
        tie_break: TieBreak,
    },
    /// The instance chosen.
    Chosen,
}

/// How stage 5 picks among instances every strategy ranks equal. AWS does not document its
/// tie-break ([unconfirmed], section 12 item 1), so the scenario chooses
/// (`options.placementTieBreak`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TieBreak {
    /// A draw from the scenario's seeded stream (`"random"`, the default).
    #[default]
    Random,
    /// The instance that registered first (`"firstRegistered"`): runs that are easy to
    /// predict by hand.
    FirstRegistered,
}

impl Spelled for TieBreak {
    const SPELLINGS: &'static [(&'static str, Self)] = &[
        ("random", TieBreak::Random),
        ("firstRegistered", TieBreak::FirstRegistered),
    ];
}

impl Verdict {
    /// Why an instance was not chosen, in words (`None` for the chosen one).
    pub fn reason(&self) -> Option<String> {
        Some(match self {
            Verdict::Chosen => return None,
            Verdict::LostTieBreak {
                tie_break: TieBreak::Random,
            } => "tied with the chosen instance; the seeded tie-break picked another".to_string(),
            Verdict::LostTieBreak {
                tie_break: TieBreak::FirstRegistered,
            } => "tied with the chosen instance, which registered earlier".to_string(),
            Verdict::Outranked {
                strategy,
                score,
                best,
                ..
            } => format!("outranked by {strategy}: score {score}, best {best}"),
            Verdict::Rejected { stage, rejection } => {
                format!("rejected at {stage:?}: {}", rejection.describe())
            }
        })
    }
}

/// One candidate instance in an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateReport {
    /// EC2 instance id.
    pub instance_id: String,
    /// Availability Zone.
    pub availability_zone: String,
    /// Scores under each strategy it reached (lower is better).
    pub scores: Vec<i64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Why a task went where it went, or could not go anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The task's group (`service:web`, `family:nginx`).
    pub group: String,
    /// The strategies applied, in order.
    pub strategies: Vec<String>,
    /// The constraints applied.
    pub constraints: Vec<String>,
    /// Every instance of the cluster, in registration order.
    pub candidates: Vec<CandidateReport>,
    /// The chosen instance, if any.
    pub chosen: Option<String>,
}

impl Explanation {
    /// The strategies in the order applied (`spread(instanceId) then binpack(memory)`), or
    /// `none`.
    pub fn strategies_text(&self) -> String {
        if self.strategies.is_empty() {
            "none".to_string()
        } else {
            self.strategies.join(" then ")
        }
    }

    /// The constraints (`distinctInstance, memberOf(...)`), or `none`.
    pub fn constraints_text(&self) -> String {
        if self.constraints.is_empty() {
            "none".to_string()
        } else {
            self.constraints.join(", ")
        }
    }

    /// A plain-text table, one line per instance.
    pub fn render(&self) -> String {
        let mut out = format!(
            "task group {}; strategies: {}; constraints: {}\n",
            self.group,
            self.strategies_text(),
            self.constraints_text(),
        );
        for c in &self.candidates {
            let what = c.verdict.reason().unwrap_or_else(|| "CHOSEN".to_string());
            out.push_str(&format!(
                "  {} ({}): {what}\n",
                c.instance_id, c.availability_zone
            ));
        }
        if self.candidates.is_empty() {
            out.push_str("  no container instances in the cluster\n");
        }
        out
    }
}
