//! The load balancer in front of a fleet, as the provider meters it: connections opened, how
//! long they stay open, bytes processed and listener rules evaluated, per hour. Raw quantities
//! only ([`BalancerHour`], in [`crate::usage`]); `billing/` turns them into load balancer
//! capacity units (LCUs) and money.

use crate::engine::SimDuration;
use crate::usage::BalancerHour;

/// How clients use the load balancer: the settings that decide what it meters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Balancer {
    /// Requests a client sends over one connection before closing it (HTTP keep-alive reuse;
    /// ≥ 1, fractions are averages).
    pub requests_per_connection: f64,
    /// How long a connection stays open, from opening to closing.
    pub connection_duration: SimDuration,
    /// Listener rules evaluated for each request (the default rule included).
    pub rules: u32,
}

impl Balancer {
    /// Default [`Balancer::requests_per_connection`]: 1, a new connection per request — what
    /// the fleet model assumed before connections were modelled, and the most a client can cost
    /// on the new-connections dimension.
    pub const DEFAULT_REQUESTS_PER_CONNECTION: f64 = 1.0;
    /// Default [`Balancer::connection_duration`]: 60 s, the ALB's default idle timeout
    /// (`idle_timeout.timeout_seconds`), the longest an idle kept-alive connection stays open.
    pub const DEFAULT_CONNECTION_DURATION: SimDuration = SimDuration::from_secs(60);
    /// Default [`Balancer::rules`]: the listener's default rule only.
    pub const DEFAULT_RULES: u32 = 1;
}

impl Default for Balancer {
    fn default() -> Self {
        Balancer {
            requests_per_connection: Self::DEFAULT_REQUESTS_PER_CONNECTION,
            connection_duration: Self::DEFAULT_CONNECTION_DURATION,
            rules: Self::DEFAULT_RULES,
        }
    }
}

impl Balancer {
    /// Meter one hour in which `requests` reached the load balancer, each request and its
    /// response together `bytes_per_request` bytes.
    pub fn meter(&self, requests: u64, bytes_per_request: f64) -> BalancerHour {
        let n = requests as f64;
        let new_connections = n / self.requests_per_connection;
        BalancerHour {
            requests,
            new_connections,
            connection_s: new_connections * self.connection_duration.as_secs_f64(),
            processed_bytes: n * bytes_per_request,
            rule_evaluations: n * f64::from(self.rules),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's pricing example: 5 requests per second for an hour (18,000), 5 per connection,
    /// connections open 2 minutes, 60 KB per request, 60 rules.
    /// New connections 18,000 / 5 = 3,600; connection-seconds 3,600 × 120 = 432,000;
    /// bytes 18,000 × 60,000 = 1.08e9; rule evaluations 18,000 × 60 = 1,080,000.
    #[test]
    fn meters_aws_example_hour() {
        let b = Balancer {
            requests_per_connection: 5.0,
            connection_duration: SimDuration::from_secs(120),
            rules: 60,
        };
        let h = b.meter(18_000, 60_000.0);
        assert_eq!(h.new_connections, 3_600.0);
        assert_eq!(h.connection_s, 432_000.0);
        assert_eq!(h.processed_bytes, 1.08e9);
        assert_eq!(h.rule_evaluations, 1_080_000.0);
    }
}
