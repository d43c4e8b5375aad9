//! `binpack`: the instance with the least remaining CPU or memory that still fits (3.2, G7).

use super::BinpackField;
use crate::cluster::Capacity;

/// Score of an instance: its remaining amount of the field (lower is better), read from the
/// packed capacity index (the same numbers as the instance's `remaining`).
#[inline(always)]
pub fn score(capacity: &Capacity, field: BinpackField) -> i64 {
    match field {
        BinpackField::Cpu => i64::from(capacity.cpu),
        BinpackField::Memory => i64::from(capacity.memory_mib),
    }
}
