//! The root package's integration tests, one binary: the command line, the trace readers, the
//! reports, and what needs them all. scalesim-core's own tests (bills, queueing, the fleet,
//! the autoscalers) are in `crates/core/tests/it/`. `common` holds the helpers they share. The
//! fuzz harness stays its own binary (`cargo test --test fuzz`, README "Fuzzing").

mod common;

mod bills_report;
mod browser;
mod cli;
mod experiments;
mod function_groups;
mod fuzz_inputs;
mod invariants;
mod lambda_limits;
mod readme;
mod replay;
mod report_snapshots;
mod reports;
mod stretches;
mod traces;
mod watch;
