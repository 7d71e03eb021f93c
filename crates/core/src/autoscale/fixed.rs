//! `fixed`: the desired capacity never changes (scheduled actions may still change it).

use super::{Decision, Observation, Policy};
use crate::engine::SimDuration;

/// Never scales.
#[derive(Clone, Copy, Debug)]
pub struct Fixed {
    /// Metric period (for the time series).
    pub period: SimDuration,
}

impl Policy for Fixed {
    fn period(&self) -> SimDuration {
        self.period
    }
    fn warmup(&self) -> SimDuration {
        SimDuration::ZERO
    }
    fn decide(&mut self, _: &Observation) -> Decision {
        Decision::Hold
    }
}
