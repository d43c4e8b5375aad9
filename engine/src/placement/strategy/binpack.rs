//! `binpack`: the instance with the least remaining CPU or memory that still fits (3.2, G7).

use super::BinpackField;
use crate::container_instance::ContainerInstance;

/// Score of an instance: its remaining amount of the field (lower is better).
pub fn score(inst: &ContainerInstance, field: BinpackField) -> i64 {
    match field {
        BinpackField::Cpu => i64::from(inst.remaining.cpu),
        BinpackField::Memory => i64::from(inst.remaining.memory_mib),
    }
}
