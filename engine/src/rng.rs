//! The only source of randomness in the engine: a seeded PCG generator.
//!
//! `rand_pcg`'s `Pcg64Mcg` gives the same stream natively and in wasm. One scenario seed
//! derives every sub-stream (placement tie-breaks, dynamic ports, identifiers), so one number
//! replays a whole run.

use rand_core::RngCore;
use rand_pcg::Pcg64Mcg;

/// A deterministic random stream.
#[derive(Debug, Clone)]
pub struct SimRng {
    inner: Pcg64Mcg,
}

/// Named sub-streams, so that adding randomness to one feature does not shift the others.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// Tie-breaks after the last placement strategy, and the `random` strategy.
    Placement = 1,
    /// Dynamic host ports picked from the ephemeral range.
    HostPorts = 2,
    /// Task, instance and deployment identifiers.
    Identifiers = 3,
}

impl SimRng {
    /// A stream for `seed` and one of its named sub-streams.
    pub fn new(seed: u64, stream: Stream) -> Self {
        // Mix the stream number into the 128-bit state with a fixed odd constant.
        let state = ((seed as u128) << 64) | (stream as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        SimRng {
            inner: Pcg64Mcg::new(state | 1),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        if n <= 1 {
            return 0;
        }
        // Lemire's nearly divisionless method, with rejection for exact uniformity.
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            let m = (x as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// `len` lowercase hex digits (for AWS-style identifiers).
    pub fn hex(&mut self, len: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(len);
        let mut bits = 0u64;
        for i in 0..len {
            if i % 16 == 0 {
                bits = self.next_u64();
            }
            out.push(DIGITS[(bits & 0xf) as usize] as char);
            bits >>= 4;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the first outputs, so a change of the RNG crate's algorithm cannot silently change
    /// every shared scenario (design principle 1).
    #[test]
    fn rng_output_is_pinned() {
        let mut r = SimRng::new(42, Stream::Placement);
        let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        let mut again = SimRng::new(42, Stream::Placement);
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_eq!(
            first, PINNED,
            "the seeded stream changed: shared scenarios would replay differently"
        );
        let mut other = SimRng::new(42, Stream::HostPorts);
        assert_ne!(first[0], other.next_u64());
    }

    const PINNED: [u64; 3] = [
        13199051536102811359,
        592921245608452835,
        10776492080796877608,
    ];

    #[test]
    fn below_stays_in_range() {
        let mut r = SimRng::new(7, Stream::Placement);
        for n in [1u64, 2, 3, 10, 1000] {
            for _ in 0..200 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.hex(17).len(), 17);
    }
}
