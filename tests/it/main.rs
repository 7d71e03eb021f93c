//! The integration tests, one binary (one link instead of fifteen): each module was a test
//! binary of its own. `common` holds the helpers they share. The fuzz harness stays its own
//! binary (`cargo test --test fuzz`, README "Fuzzing").

mod common;

mod autoscaling;
mod bills;
mod browser;
mod cli;
mod experiments;
mod fleet;
mod fuzz_inputs;
mod invariants;
mod lambda_limits;
mod queueing;
mod readme;
mod replay;
mod report_snapshots;
mod reports;
mod traces;
