//! scalesim-core's integration tests, one binary: the bills worked out by hand, queueing
//! theory, the fleet and the autoscalers — all through the core alone (`cargo test -p
//! scalesim-core` builds no polars). `common` holds the helpers they share. The tests of the
//! trace readers, the reports and the command line are the root package's (`tests/it/`).

mod common;

mod autoscaling;
mod azure_functions;
mod bills;
mod containers;
mod fargate;
mod fleet;
mod forgotten_lines;
mod prices;
mod provisioned;
mod queueing;
mod spot;
mod stretches;
mod toy_product;
mod traffic_shapes;
mod vm_products;
