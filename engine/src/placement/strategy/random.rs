//! `random`: one survivor uniformly at random, from the scenario's seeded stream (3.2).

use crate::rng::SimRng;

/// Picks the position of the winner among `n` survivors.
pub fn pick(n: usize, rng: &mut SimRng) -> usize {
    rng.below(n as u64) as usize
}
