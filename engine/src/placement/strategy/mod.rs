//! Stage 4 of 3.7: placement strategies, chained in order (3.2). Each strategy scores the
//! survivors of the previous one (lower is better) and keeps only the best.

pub mod binpack;
pub mod random;
pub mod spread;

use serde::Serialize;
use serde_json::Value;

/// The resource `binpack` packs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinpackField {
    /// CPU units.
    Cpu,
    /// Memory.
    Memory,
}

/// What `spread` spreads over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SpreadField {
    /// `instanceId` (or its synonym `host`).
    InstanceId,
    /// `attribute:<name>`, e.g. `attribute:ecs.availability-zone`.
    Attribute(String),
}

/// One `placementStrategy` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Strategy {
    /// Least remaining of the field that still fits.
    Binpack(BinpackField),
    /// Fewest tasks of the group per distinct field value.
    Spread(SpreadField),
    /// Uniformly at random (seeded).
    Random,
}

/// At most 5 strategies per service or RunTask (3.2).
pub const MAX_STRATEGIES: usize = 5;

impl Strategy {
    /// Spread over Availability Zones.
    pub fn spread_az() -> Strategy {
        Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".to_string()))
    }

    /// Parses a `placementStrategy[]` entry, `{"type": "binpack", "field": "memory"}`.
    pub fn from_aws(v: &Value) -> Result<Strategy, String> {
        let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
        let field = v.get("field").and_then(Value::as_str).unwrap_or("");
        match ty {
            "binpack" => match field.to_ascii_lowercase().as_str() {
                "cpu" => Ok(Strategy::Binpack(BinpackField::Cpu)),
                "memory" => Ok(Strategy::Binpack(BinpackField::Memory)),
                _ => Err(format!(
                    "field: binpack takes \"cpu\" or \"memory\", not \"{field}\""
                )),
            },
            "spread" => {
                if field == "instanceId" || field == "host" {
                    Ok(Strategy::Spread(SpreadField::InstanceId))
                } else if let Some(name) =
                    field.strip_prefix("attribute:").filter(|n| !n.is_empty())
                {
                    Ok(Strategy::Spread(SpreadField::Attribute(name.to_string())))
                } else {
                    Err(format!("field: spread takes \"instanceId\", \"host\" or \"attribute:<name>\", not \"{field}\""))
                }
            }
            "random" => Ok(Strategy::Random),
            _ => Err(format!(
                "type: \"{ty}\" is not one of binpack, spread, random"
            )),
        }
    }

    /// AWS-style label, e.g. `spread(attribute:ecs.availability-zone)`.
    pub fn label(&self) -> String {
        match self {
            Strategy::Binpack(BinpackField::Cpu) => "binpack(cpu)".to_string(),
            Strategy::Binpack(BinpackField::Memory) => "binpack(memory)".to_string(),
            Strategy::Spread(SpreadField::InstanceId) => "spread(instanceId)".to_string(),
            Strategy::Spread(SpreadField::Attribute(a)) => format!("spread(attribute:{a})"),
            Strategy::Random => "random".to_string(),
        }
    }
}
