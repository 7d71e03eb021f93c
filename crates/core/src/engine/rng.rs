//! Seeded random streams: one independent stream per concern, all derived from the scenario
//! seed, so an extra draw in one model never shifts what another model sees.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{SimDuration, SimTime};

/// The generator every stream uses: small, fast and portable across platforms and versions.
pub type SimRng = Xoshiro256PlusPlus;

/// Derives named streams from one seed.
#[derive(Clone, Copy, Debug)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    /// Streams for a scenario seed.
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The stream for one concern, e.g. `"arrivals"` or `"cold-starts/lambda-512mb"`.
    /// The same seed and name always give the same stream.
    pub fn stream(&self, name: &str) -> SimRng {
        SimRng::seed_from_u64(self.seed_of(name))
    }

    fn seed_of(&self, name: &str) -> u64 {
        splitmix64(self.seed ^ splitmix64(fnv1a(name.as_bytes())))
    }

    /// The stream for one concern, restarted at each [`BLOCK`] of simulated time from a seed
    /// that depends only on the seed, the name and the block's index: what is drawn in a block
    /// does not depend on what was drawn before it, so a run can start at any block and draw
    /// exactly what a run from zero draws there (time-parallel runs, [`super::chunks`]).
    pub fn blocks(&self, name: &str) -> BlockSeed {
        BlockSeed(self.seed_of(name))
    }
}

/// The span of simulated time after which every [block stream](RngStreams::blocks) restarts:
/// one minute.
pub const BLOCK: SimDuration = SimDuration::from_secs(60);

/// The seed of a stream restarted at each [`BLOCK`] ([`RngStreams::blocks`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockSeed(u64);

impl BlockSeed {
    /// The seed of sub-stream `index` of this stream (one per function of a workload): index 0
    /// is this stream itself, so a model with one function draws what it drew before it had
    /// sub-streams; every other index is a stream of its own.
    pub fn child(self, index: u64) -> BlockSeed {
        if index == 0 {
            self
        } else {
            BlockSeed(splitmix64(
                self.0 ^ splitmix64(index ^ 0xc2b2_ae3d_0000_0000),
            ))
        }
    }

    /// The generator for block `block` (the span `[block × BLOCK, (block + 1) × BLOCK)`).
    pub fn rng(self, block: u64) -> SimRng {
        SimRng::seed_from_u64(splitmix64(
            self.0 ^ splitmix64(block ^ 0x5bd1_e995_0000_0000),
        ))
    }
}

/// A block stream drawn from at increasing simulated times: [`BlockRng::at`] gives the generator
/// of the block `now` falls in, restarting it when `now` enters a new block.
#[derive(Clone, Debug)]
pub struct BlockRng {
    seed: BlockSeed,
    block: u64,
    rng: SimRng,
}

impl BlockRng {
    /// Nothing drawn yet.
    pub fn new(seed: BlockSeed) -> Self {
        BlockRng {
            seed,
            block: u64::MAX,
            rng: seed.rng(u64::MAX),
        }
    }

    /// The generator for draws at `now`.
    #[inline]
    pub fn at(&mut self, now: SimTime) -> &mut SimRng {
        let block = now.as_micros() / BLOCK.as_micros();
        if block != self.block {
            self.restart(block);
        }
        &mut self.rng
    }

    /// Restart at `block`: once a minute at most, kept out of the callers' hot code.
    #[cold]
    #[inline(never)]
    fn restart(&mut self, block: u64) {
        self.block = block;
        self.rng = self.seed.rng(block);
    }
}

/// FNV-1a: a small, stable hash of bytes (the same on every platform and version).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn a_block_stream_depends_only_on_its_block() {
        let seed = RngStreams::new(7).blocks("a");
        let minute = |m: u64| SimTime::from_micros(m * BLOCK.as_micros());
        // From zero through block 2, or straight into block 2: the same draws there.
        let mut from_zero = BlockRng::new(seed);
        for m in 0..2 {
            from_zero.at(minute(m)).next_u64();
            from_zero
                .at(minute(m) + SimDuration::from_secs(30))
                .next_u64();
        }
        let mut late = BlockRng::new(seed);
        let a: Vec<u64> = (0..3).map(|_| from_zero.at(minute(2)).next_u64()).collect();
        let b: Vec<u64> = (0..3).map(|_| late.at(minute(2)).next_u64()).collect();
        assert_eq!(a, b);
        assert_ne!(seed.rng(0).next_u64(), seed.rng(1).next_u64());
        assert_ne!(
            seed.rng(0).next_u64(),
            RngStreams::new(7).blocks("b").rng(0).next_u64()
        );
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let s = RngStreams::new(7);
        assert_eq!(s.stream("a").next_u64(), s.stream("a").next_u64());
        assert_ne!(s.stream("a").next_u64(), s.stream("b").next_u64());
        assert_ne!(
            s.stream("a").next_u64(),
            RngStreams::new(8).stream("a").next_u64()
        );
    }
}
