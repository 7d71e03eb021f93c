//! CPU share by memory size (AWS Lambda): 1,769 MB = 1 vCPU, linear, at most 6 vCPUs.
//! Source: docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html (read 2026).

/// Smallest memory size a function can have, MB.
pub const MIN_MEMORY_MB: u32 = 128;
/// Largest memory size a function can have, MB.
pub const MAX_MEMORY_MB: u32 = 10_240;
/// Memory that buys one vCPU, MB.
pub const MB_PER_VCPU: f64 = 1_769.0;
/// Most vCPUs a function gets.
pub const MAX_VCPU: f64 = 6.0;

/// vCPUs (possibly fractional) a function of `memory_mb` gets.
pub fn vcpu_share(memory_mb: u32) -> f64 {
    (f64::from(memory_mb) / MB_PER_VCPU).min(MAX_VCPU)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_is_linear_in_memory() {
        assert_eq!(vcpu_share(1_769), 1.0);
        assert!((vcpu_share(128) - 0.072_357).abs() < 1e-6);
        assert!(vcpu_share(MAX_MEMORY_MB) <= MAX_VCPU);
    }
}
