//! Knative Pod Autoscaler (KPA) on concurrency, as a pure decision module: the caller records the
//! concurrency it observes and asks for a decision at every tick (2 s); it starts and stops pods.
//!
//! Sources: knative/serving at commit 98e5ef90aa7033797aa0a61ef97f3ff7e49a3944 (2026-08-21):
//! `pkg/autoscaler/scaling/autoscaler.go` (`Scale`) and `multiscaler.go` (`tickInterval`,
//! `Poke`); `pkg/autoscaler/aggregation/bucketing.go` (`TimedFloat64Buckets`) and `max/` (the
//! scale-down-delay window); `pkg/autoscaler/metrics/collector.go`; `pkg/autoscaler/config/
//! config.go`, `autoscalerconfig/autoscalerconfig.go` and `config/core/configmaps/
//! autoscaler.yaml` (defaults, checks); `pkg/apis/autoscaling/register.go` and
//! `annotation_validation.go` (per-revision ranges); `pkg/reconciler/autoscaling/resources/
//! target.go` (`ResolveMetricTarget`), `metric.go` (the panic window); `pkg/reconciler/
//! autoscaling/kpa/scaler.go` (`scale`, `handleScaleToZero`) and `kpa.go`
//! (`computeActiveCondition`, the activator in the path); `pkg/activator/handler/
//! concurrency_reporter.go` (the first-request stat). Documentation: "Additional autoscaling
//! configuration for Knative Pod Autoscaler", <https://knative.dev/docs/serving/autoscaling/kpa-specific/>
//! (read 2026-11).
//!
//! Every tick:
//! 1. Metrics. The observed concurrency (requests in flight on ready pods plus those the
//!    activator holds) goes into one-second buckets. The stable value is their mean over the
//!    stable window (60 s), the panic value over the panic window (`panic-window-percentage` of
//!    it, rounded to whole seconds, at least 1 s: 6 s). A window counts only the seconds from
//!    its first write, when that was less than a window ago ("If the first write was less than
//!    the window length ago, an average is returned over the partial window"), up to its last
//!    write. With nothing written for a whole stable window there is no data: the previous
//!    decision stands.
//! 2. Decider. With `ready` = max(1, ready pods) and the per-pod target
//!    ([`KpaConfig::target_per_pod`]), each window wants ceil(value / target) pods, kept within
//!    [floor(ready / max-scale-down-rate), ceil(ready × max-scale-up-rate)], raised to
//!    `activation-scale` when above 0. Panic starts when panic pods / ready ≥
//!    panic-threshold-percentage / 100, is extended at every tick still over it, and ends once a
//!    stable window has passed since ("The Autoscaler will leave panic mode if there has been no
//!    reason to react quickly during the stable window timeframe"); while panicking the larger
//!    count is taken and never lowered ("When using panic mode, the Revision will not scale down
//!    to avoid churn"). With `scale-down-delay`, the highest result over the delay (in 2 s
//!    buckets) is kept.
//! 3. Reconciler. `min-scale`/`max-scale` (0: none) bound the count, `initial-scale` is a floor
//!    until that many pods were first ready. A 0 is acted on only as `handleScaleToZero` allows:
//!    never with `enable-scale-to-zero: false` (1 instead); not while activating; once the
//!    revision was active for a stable window it is marked inactive (the pods stay); it goes to 0
//!    once inactive for max(`scale-to-zero-grace-period`, `scale-to-zero-pod-retention-period`),
//!    or, past the retention period, as soon as the activator has been in the request path for
//!    the grace period ("NOTE: this period might actually be 0, if activator has been in the
//!    request path sufficiently long").
//!
//! The activator is in the path unless the KPA wants pods, some are ready
//! (`pkg/reconciler/serverlessservice/serverlessservice.go`) and the excess burst capacity,
//! floor(ready pods × per-pod total − `target-burst-capacity` − panic value), is ≥ 0: always
//! with a capacity of −1, only around zero with 0; with the default 211 and a total of 100 per
//! pod, at least while fewer than three pods are ready. A request reaching a revision scaled to zero
//! makes the activator report a concurrency of 1 at once and the autoscaler decide at once
//! ([`Kpa::poke`]).
//!
//! Simplified: the reconciler runs at every tick rather than when Knative re-enqueues it (up to
//! one tick later); the activator probe succeeds as soon as the activator is in the path; the
//! revision is reachable (routed); activation never times out (progress deadline + 30 s); only
//! the concurrency metric with the linear average (not RPS, not `weightedExponential`); a new
//! autoscaler does not start in panic (Knative does with over one ready pod, after an autoscaler
//! restart); `initial-scale: 0` is taken as if `allow-zero-initial-scale` were true.

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime};

/// `container-concurrency-target-default`: the per-pod total with neither `target` nor
/// `containerConcurrency`, concurrent requests.
const CONTAINER_CONCURRENCY_TARGET_DEFAULT: f64 = 100.0;
/// `container-concurrency-max-limit`'s default (config-defaults): the highest containerConcurrency.
const CONTAINER_CONCURRENCY_MAX_LIMIT: u32 = 1000;
/// `autoscaling.TargetMin`: the lowest per-pod target, concurrent requests.
const TARGET_MIN: f64 = 0.01;
/// `config.BucketSize`, 1 s, in µs.
const BUCKET_US: u64 = 1_000_000;

/// Knative autoscaler settings, each under its Knative name (config-autoscaler keys /
/// per-revision annotations), as a scenario gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct KpaConfig {
    /// `containerConcurrency`: the most requests a pod takes at once; 0 = unlimited.
    pub container_concurrency: u32,
    /// `autoscaling.knative.dev/target`, the soft per-pod target, concurrent requests (capped at
    /// containerConcurrency when both are set); `None`: containerConcurrency if > 0, else
    /// `container-concurrency-target-default` (100).
    pub target: Option<f64>,
    /// `container-concurrency-target-percentage` / `autoscaling.knative.dev/target-utilization-percentage`,
    /// percent of the target aimed at (default 70).
    pub target_utilization_percentage: f64,
    /// `stable-window` / `autoscaling.knative.dev/window` (default 60 s, 6 s – 1 h, whole seconds).
    pub stable_window: SimDuration,
    /// `panic-window-percentage`, percent of the stable window (default 10, 1 – 100).
    pub panic_window_percentage: f64,
    /// `panic-threshold-percentage`, percent of the ready pods' capacity (default 200, 110 – 1000).
    pub panic_threshold_percentage: f64,
    /// `max-scale-up-rate`: desired ÷ ready pods at most, per tick (default 1000, > 1).
    pub max_scale_up_rate: f64,
    /// `max-scale-down-rate`: ready ÷ desired pods at most, per tick (default 2, > 1).
    pub max_scale_down_rate: f64,
    /// The autoscaler's tick (Knative's constant `tickInterval`, 2 s); also the bucket of the
    /// scale-down-delay window.
    pub tick_interval: SimDuration,
    /// `scale-to-zero-grace-period` (default 30 s, > 0).
    pub scale_to_zero_grace_period: SimDuration,
    /// `scale-to-zero-pod-retention-period` / `autoscaling.knative.dev/scale-to-zero-pod-retention-period`:
    /// the least time the last pod stays once the revision is inactive (default 0 s).
    pub scale_to_zero_pod_retention_period: SimDuration,
    /// `enable-scale-to-zero` (default true).
    pub enable_scale_to_zero: bool,
    /// `scale-down-delay` / `autoscaling.knative.dev/scale-down-delay` (default 0 s, whole seconds).
    pub scale_down_delay: SimDuration,
    /// `min-scale` / `autoscaling.knative.dev/min-scale`, pods (default 0).
    pub min_scale: u32,
    /// `max-scale` / `autoscaling.knative.dev/max-scale`, pods; 0 = unlimited (default).
    pub max_scale: u32,
    /// `initial-scale` / `autoscaling.knative.dev/initial-scale`, pods (default 1).
    pub initial_scale: u32,
    /// `autoscaling.knative.dev/activation-scale`: the fewest pods when scaling from zero; 1 =
    /// not set (default); else at least 2.
    pub activation_scale: u32,
    /// `target-burst-capacity` / `autoscaling.knative.dev/target-burst-capacity`, concurrent
    /// requests the revision should absorb without the activator (default 211; 0: the activator
    /// only at zero; −1: always).
    pub target_burst_capacity: f64,
}

impl Default for KpaConfig {
    /// Knative's defaults (`defaultConfig` in `pkg/autoscaler/config/config.go`; `tickInterval`
    /// in `multiscaler.go`; activation-scale not set).
    fn default() -> Self {
        KpaConfig {
            container_concurrency: 0,
            target: None,
            target_utilization_percentage: 70.0,
            stable_window: SimDuration::from_secs(60),
            panic_window_percentage: 10.0,
            panic_threshold_percentage: 200.0,
            max_scale_up_rate: 1000.0,
            max_scale_down_rate: 2.0,
            tick_interval: SimDuration::from_secs(2),
            scale_to_zero_grace_period: SimDuration::from_secs(30),
            scale_to_zero_pod_retention_period: SimDuration::ZERO,
            enable_scale_to_zero: true,
            scale_down_delay: SimDuration::ZERO,
            min_scale: 0,
            max_scale: 0,
            initial_scale: 1,
            activation_scale: 1,
            target_burst_capacity: 211.0,
        }
    }
}

impl KpaConfig {
    /// A pod's total concurrency (`TotalValue`): `target`, capped at containerConcurrency when
    /// that is set, else containerConcurrency, else 100; concurrent requests.
    pub fn total_per_pod(&self) -> f64 {
        let cc = f64::from(self.container_concurrency);
        match self.target {
            Some(t) if self.container_concurrency > 0 => t.min(cc),
            Some(t) => t,
            None if self.container_concurrency > 0 => cc,
            None => CONTAINER_CONCURRENCY_TARGET_DEFAULT,
        }
    }

    /// The per-pod concurrency the KPA scales to: total × utilisation, at least 0.01 (70 by
    /// default).
    pub fn target_per_pod(&self) -> f64 {
        (self.total_per_pod() * self.target_utilization_percentage / 100.0).max(TARGET_MIN)
    }

    /// The panic window: the stable window × panic-window-percentage, rounded to whole
    /// seconds, at least 1 s.
    pub fn panic_window(&self) -> SimDuration {
        let secs =
            (self.stable_window.as_secs_f64() * self.panic_window_percentage / 100.0).round();
        SimDuration::from_secs_f64(secs.max(1.0))
    }

    /// Knative's checks (config.go; the annotation ranges where only those exist): the first
    /// value out of range, with its key and the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let range = |key: &str, v: f64, lo: f64, hi: f64| match (lo..=hi).contains(&v) {
            true => Ok(()),
            false => Err(format!("{key} = {v}, must be in [{lo}, {hi}]")),
        };
        let whole = |d: SimDuration| d.as_micros() % BUCKET_US == 0;
        let (cc, max) = (self.container_concurrency, CONTAINER_CONCURRENCY_MAX_LIMIT);
        if cc > max {
            return Err(format!(
                "containerConcurrency = {cc}, must be in [0, {max}]"
            ));
        }
        if let Some(t) = self.target.filter(|t| !(t.is_finite() && *t >= TARGET_MIN)) {
            return Err(format!(
                "autoscaling.knative.dev/target = {t}, must be at least {TARGET_MIN}"
            ));
        }
        let tu = self.target_utilization_percentage;
        range(
            "autoscaling.knative.dev/target-utilization-percentage",
            tu,
            1.0,
            100.0,
        )?;
        let sw = self.stable_window;
        if !(SimDuration::from_secs(6)..=SimDuration::from_secs(3600)).contains(&sw) || !whole(sw) {
            return Err(format!(
                "stable-window = {}, must be whole seconds in [6s, 1h]",
                sw.human()
            ));
        }
        range(
            "panic-window-percentage",
            self.panic_window_percentage,
            1.0,
            100.0,
        )?;
        range(
            "panic-threshold-percentage",
            self.panic_threshold_percentage,
            110.0,
            1000.0,
        )?;
        for (key, rate) in [
            ("max-scale-up-rate", self.max_scale_up_rate),
            ("max-scale-down-rate", self.max_scale_down_rate),
        ] {
            if rate.is_nan() || rate <= 1.0 {
                return Err(format!("{key} = {rate}, must be greater than 1.0"));
            }
        }
        if self.tick_interval == SimDuration::ZERO {
            return Err("tick interval = 0s, must be positive (Knative's is 2s)".into());
        }
        if self.scale_to_zero_grace_period == SimDuration::ZERO {
            return Err("scale-to-zero-grace-period = 0s, must be positive".into());
        }
        if !whole(self.scale_down_delay) || self.scale_down_delay > SimDuration::from_secs(3600) {
            let d = self.scale_down_delay.human();
            return Err(format!(
                "scale-down-delay = {d}, must be whole seconds in [0s, 1h]"
            ));
        }
        let tbc = self.target_burst_capacity;
        if !(tbc >= 0.0 || tbc == -1.0) {
            return Err(format!(
                "target-burst-capacity = {tbc}, must be at least 0, or -1"
            ));
        }
        let (min, max, act) = (self.min_scale, self.max_scale, self.activation_scale);
        if max > 0 && min > max {
            return Err(format!(
                "min-scale = {min}, must be at most max-scale = {max}"
            ));
        }
        let key = "autoscaling.knative.dev/activation-scale";
        if act == 0 {
            return Err(format!("{key} = 0, must be at least 2 (1: not set)"));
        }
        if act > 1 && (act < min || (max > 0 && act > max)) {
            return Err(format!(
                "{key} = {act}, must be in [min-scale = {min}, max-scale = {max}]"
            ));
        }
        Ok(())
    }
}

/// What the KPA asks for at a tick.
#[derive(Clone, Debug, PartialEq)]
pub struct KpaDecision {
    /// Pods the deployment should have (`spec.replicas`).
    pub desired: u32,
    /// The autoscaler is in panic mode.
    pub panicking: bool,
    /// Mean concurrency over the stable window, concurrent requests.
    pub stable_concurrency: f64,
    /// Mean concurrency over the panic window, concurrent requests.
    pub panic_concurrency: f64,
    /// The activator is in the request path (SKS proxy mode): requests go through it, and it
    /// holds them while no pod has room.
    pub activator_in_path: bool,
    /// Why, for the scaling-activity log.
    pub reason: String,
}

/// One-second buckets over a window (`TimedFloat64Buckets`), each the concurrency written into
/// that second.
#[derive(Clone, Debug)]
struct Buckets {
    /// Window length in buckets (seconds).
    len: u64,
    /// (second, value), oldest first, none a window or more before `last`.
    values: VecDeque<(u64, f64)>,
    /// First second written since the window was last empty.
    first: u64,
    /// Last second written.
    last: Option<u64>,
}

impl Buckets {
    fn new(window: SimDuration) -> Self {
        let len = window.as_micros().div_ceil(BUCKET_US).max(1);
        Buckets {
            len,
            values: VecDeque::new(),
            first: 0,
            last: None,
        }
    }

    fn record(&mut self, sec: u64, value: f64) {
        let len = self.len;
        match self.last {
            Some(last) if sec.saturating_add(len) <= last => return, // a window too old
            Some(last) if sec <= last => self.first = self.first.min(sec),
            Some(last) if sec - last < len => self.last = Some(sec),
            _ => {
                // First write, or none for a whole window: start afresh.
                self.values.clear();
                (self.first, self.last) = (sec, Some(sec));
            }
        }
        let last = self.last.unwrap_or(sec);
        while self.values.front().is_some_and(|&(s, _)| s + len <= last) {
            self.values.pop_front();
        }
        let i = self.values.partition_point(|&(s, _)| s < sec);
        match self.values.get_mut(i) {
            Some((s, v)) if *s == sec => *v += value,
            _ => self.values.insert(i, (sec, value)),
        }
    }

    /// Nothing written for over a window (`IsEmpty`).
    fn is_empty(&self, now: u64) -> bool {
        self.last
            .is_none_or(|last| now.saturating_sub(last) > self.len)
    }

    /// `WindowAverage`: the buckets still in the window, over the seconds from the first write
    /// to the last, rounded to 6 digits.
    fn average(&self, now: u64) -> f64 {
        let Some(last) = self.last else { return 0.0 };
        let now = now.max(last);
        let gap = now - last;
        if gap >= self.len {
            return 0.0;
        }
        let sum: f64 = self
            .values
            .iter()
            .filter(|&&(s, _)| s + self.len > now)
            .map(|v| v.1)
            .sum();
        let n = (last - self.first + 1).min(self.len - gap);
        round6(sum / n as f64)
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The PodAutoscaler's `Active` condition.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Active {
    /// Unknown: pods wanted, not yet ready.
    Activating,
    /// True since then.
    Since(SimTime),
    /// False since then.
    Inactive(SimTime),
}

/// A Knative Pod Autoscaler for one revision: metric windows, panic state, scale-to-zero timers.
#[derive(Clone, Debug)]
pub struct Kpa {
    cfg: KpaConfig,
    stable: Buckets,
    panic: Buckets,
    /// Last time the panic threshold was crossed (`panicTime`); `None`: stable mode.
    panic_time: Option<SimTime>,
    max_panic_pods: u32,
    /// Descending maxima (tick index, pods) of the scale-down-delay window.
    delayed: VecDeque<(u64, u32)>,
    /// The decider's latest valid count (`DesiredScale`); `None`: no data yet (−1).
    decider: Option<u32>,
    /// The decider's latest excess burst capacity.
    ebc: f64,
    /// Latest stable and panic values.
    observed: (f64, f64),
    /// The activator's first-request stat, to leave out of its next report.
    poke_adjust: f64,
    /// What the deployment was last asked for.
    current: u32,
    active: Active,
    /// Ready pods reached the initial scale once (`ScaleTargetInitialized`).
    initialized: bool,
    /// Since when the activator has been in the path (SKS proxy mode).
    proxy_since: Option<SimTime>,
    /// Ready pods at the latest decision.
    last_ready: u32,
}

impl Kpa {
    /// A KPA for a new revision, which asks for `initial_scale` pods.
    pub fn new(cfg: KpaConfig) -> Self {
        let tbc = cfg.target_burst_capacity;
        let ebc = match tbc > 0.0 {
            true => (f64::from(cfg.initial_scale) * cfg.total_per_pod() - tbc).trunc(),
            false => tbc,
        };
        Kpa {
            stable: Buckets::new(cfg.stable_window),
            panic: Buckets::new(cfg.panic_window()),
            panic_time: None,
            max_panic_pods: 0,
            delayed: VecDeque::new(),
            decider: None,
            ebc,
            observed: (0.0, 0.0),
            poke_adjust: 0.0,
            current: cfg.initial_scale,
            active: Active::Activating,
            initialized: false,
            proxy_since: None,
            last_ready: 0,
            cfg,
        }
    }

    /// Pods the deployment was last asked for (`initial_scale` before any decision).
    pub fn desired(&self) -> u32 {
        self.current
    }

    /// Record the observed concurrency — requests in flight on the pods plus requests the
    /// activator holds — time-averaged over [now − span, now], into the one-second buckets
    /// (each second gets the mean × its share of the span; a zero span adds the value to the
    /// second of `now`, as one stat). Record every span, zeros included, while pods are ready
    /// or the activator holds requests; a zero while the latest decision saw no ready pod is
    /// dropped, as Knative's scraper has nothing to scrape then. Negative or non-finite values
    /// are ignored.
    pub fn record(&mut self, now: SimTime, span: SimDuration, mean_concurrency: f64) {
        let mean = mean_concurrency;
        if !(mean.is_finite() && mean >= 0.0) || (mean == 0.0 && self.last_ready == 0) {
            return;
        }
        let end = now.as_micros();
        // The activator's report after its first-request stat leaves that request out.
        let mut adjust = std::mem::take(&mut self.poke_adjust);
        if span == SimDuration::ZERO {
            self.add(end / BUCKET_US, (mean - adjust).max(0.0));
            return;
        }
        // Buckets over a window before the last write are dropped anyway.
        let horizon = self.stable.len.saturating_mul(BUCKET_US);
        let mut t = end
            .saturating_sub(span.as_micros())
            .max(end.saturating_sub(horizon));
        while t < end {
            let sec = t / BUCKET_US;
            let next = (sec.saturating_add(1)).saturating_mul(BUCKET_US).min(end);
            self.add(
                sec,
                (mean * (next - t) as f64 / BUCKET_US as f64 - adjust).max(0.0),
            );
            adjust = 0.0;
            t = next;
        }
    }

    fn add(&mut self, sec: u64, value: f64) {
        self.stable.record(sec, value);
        self.panic.record(sec, value);
    }

    /// The activator's poke: a request reached the revision while the autoscaler last wanted 0
    /// pods. The activator reports a concurrency of 1 at once and the autoscaler decides at once
    /// (`MultiScaler.Poke`): ceil(1 / target) = 1 pod, or `activation_scale`, unless more is
    /// already recorded. `None` when the last count was not 0: Knative does not poke, the next
    /// tick sees the request.
    pub fn poke(&mut self, now: SimTime, ready_pods: u32) -> Option<KpaDecision> {
        if self.decider != Some(0) {
            return None;
        }
        self.add(now.as_micros() / BUCKET_US, 1.0);
        self.poke_adjust = 1.0;
        Some(self.decide(now, ready_pods))
    }

    /// The decision at a tick: the desired pod count the KPA asks the deployment for, given
    /// the ready pods now (see the module docs for the steps).
    pub fn decide(&mut self, now: SimTime, ready_pods: u32) -> KpaDecision {
        let cfg = self.cfg.clone();
        let scaled = self.scale(now, ready_pods);
        let (stable, panic) = self.observed;
        let mut reason = match scaled {
            Some(d) => format!(
                "KPA {}: {stable:.1} concurrent (panic window {panic:.1}) / {} per pod, {ready_pods} ready: {d}",
                if self.panic_time.is_some() {
                    "panic"
                } else {
                    "stable"
                },
                round6(cfg.target_per_pod()),
            ),
            None => "KPA: no metrics for a stable window".to_string(),
        };
        // The reconciler (`scaler.scale`).
        let (want, apply) = match self.decider {
            None if self.active != Active::Activating => (None, false),
            d => {
                let mut min = cfg.min_scale;
                if cfg.initial_scale > 1 && !self.initialized {
                    min = min.max(cfg.initial_scale);
                }
                let mut x = d.map_or(min, |d| d.max(min));
                if cfg.max_scale > 0 {
                    x = x.min(cfg.max_scale);
                }
                if d != Some(x) {
                    reason += &format!("; bounds [{min}, {}]: {x}", cfg.max_scale);
                }
                if x > 0 {
                    (Some(x), true)
                } else {
                    self.to_zero(now, &mut reason)
                }
            }
        };
        if apply {
            self.current = want.unwrap_or(self.current);
        }
        // Proxy mode unless pods are wanted with room for the burst; forced while none is ready.
        let serve = want.is_some_and(|w| w > 0) && self.ebc >= 0.0 && ready_pods > 0;
        if serve {
            self.proxy_since = None;
        } else {
            self.proxy_since.get_or_insert(now);
        }
        self.update_active(now, want, ready_pods);
        self.last_ready = ready_pods;
        KpaDecision {
            desired: self.current,
            panicking: self.panic_time.is_some(),
            stable_concurrency: stable,
            panic_concurrency: panic,
            activator_in_path: !serve,
            reason,
        }
    }

    /// The decider (`autoscaler.Scale`): the count it wants; `None` without data.
    fn scale(&mut self, now: SimTime, ready: u32) -> Option<u32> {
        let c = &self.cfg;
        let sec = now.as_micros() / BUCKET_US;
        if self.stable.is_empty(sec) && c.target_burst_capacity != -1.0 {
            return None;
        }
        let (stable, panic) = (self.stable.average(sec), self.panic.average(sec));
        let target = c.target_per_pod();
        let ready_f = f64::from(ready.max(1));
        let max_up = (c.max_scale_up_rate * ready_f).ceil();
        let max_down = (ready_f / c.max_scale_down_rate).floor();
        let (dspc, dppc) = ((stable / target).ceil(), (panic / target).ceil());
        let bound = |d: f64| d.max(max_down).min(max_up) as u32;
        let (mut ds, mut dp) = (bound(dspc), bound(dppc));
        if c.activation_scale > 1 {
            if dspc > 0.0 {
                ds = ds.max(c.activation_scale);
            }
            if dppc > 0.0 {
                dp = dp.max(c.activation_scale);
            }
        }
        if dppc / ready_f >= c.panic_threshold_percentage / 100.0 {
            self.panic_time = Some(now);
        } else if self.panic_time.is_some_and(|t| t + c.stable_window < now) {
            (self.panic_time, self.max_panic_pods) = (None, 0);
        }
        let mut desired = ds;
        if self.panic_time.is_some() {
            self.max_panic_pods = self.max_panic_pods.max(ds.max(dp));
            desired = self.max_panic_pods;
        }
        if c.scale_down_delay != SimDuration::ZERO {
            desired = self.delay(now, desired);
        }
        let tbc = self.cfg.target_burst_capacity;
        self.ebc = match tbc > 0.0 {
            true => (f64::from(ready) * self.cfg.total_per_pod() - tbc - panic).floor(),
            false => tbc,
        };
        self.observed = (stable, panic);
        self.decider = Some(desired);
        Some(desired)
    }

    /// The highest count over the scale-down delay (`max.TimeWindow`, tick-sized buckets).
    fn delay(&mut self, now: SimTime, pods: u32) -> u32 {
        let tick = self.cfg.tick_interval.as_micros().max(1);
        let n = self.cfg.scale_down_delay.as_micros().div_ceil(tick);
        let index = now.as_micros() / tick;
        let mut v = pods;
        while self.delayed.back().is_some_and(|&(_, b)| b <= v) {
            self.delayed.pop_back();
        }
        while self
            .delayed
            .front()
            .is_some_and(|&(i, _)| index.saturating_sub(i) >= n)
        {
            self.delayed.pop_front();
        }
        if let Some(&(i, b)) = self.delayed.back() {
            if i == index {
                v = v.max(b);
                self.delayed.pop_back();
            }
        }
        self.delayed.push_back((index, v));
        self.delayed.front().map_or(v, |e| e.1)
    }

    /// `handleScaleToZero` for a count of 0: the count wanted (`None`: unknown) and whether
    /// the deployment is changed.
    fn to_zero(&self, now: SimTime, reason: &mut String) -> (Option<u32>, bool) {
        let c = &self.cfg;
        if !c.enable_scale_to_zero {
            *reason += "; enable-scale-to-zero is false: 1";
            return (Some(1), true);
        }
        match self.active {
            Active::Activating => {
                *reason += "; activating: unchanged";
                (None, false)
            }
            Active::Since(t) if now.saturating_since(t) >= c.stable_window => {
                *reason += "; active for a stable window: inactive, activator in the path";
                (Some(0), false)
            }
            Active::Since(_) => {
                *reason += "; 1 until active for a stable window";
                (Some(1), true)
            }
            Active::Inactive(t) => {
                let (grace, retention) = (
                    c.scale_to_zero_grace_period,
                    c.scale_to_zero_pod_retention_period,
                );
                let inactive = now.saturating_since(t);
                let proxy = self.proxy_since.map(|p| now.saturating_since(p));
                let probed = c.target_burst_capacity == -1.0 || proxy.is_some();
                let proxied = proxy.unwrap_or(SimDuration::ZERO);
                let zero = probed
                    && (inactive >= grace.max(retention)
                        || (inactive >= retention && proxied >= grace));
                *reason += &format!(
                    "; inactive for {}, activator in the path for {}: {}",
                    inactive.human(),
                    proxied.human(),
                    if zero { "scale to zero" } else { "waiting" },
                );
                (Some(0), zero)
            }
        }
    }

    /// `computeActiveCondition`.
    fn update_active(&mut self, now: SimTime, want: Option<u32>, ready: u32) {
        let c = &self.cfg;
        let min_ready = match self.initialized {
            true => c.min_scale.max(1),
            false => c.min_scale.max(c.initial_scale),
        };
        if ready >= min_ready {
            self.initialized = true;
        }
        let inactive = matches!(self.active, Active::Inactive(_));
        if want == Some(0) || min_ready == 0 {
            if !inactive {
                self.active = Active::Inactive(now);
            }
        } else if want.is_some_and(|w| w > 0) || !inactive {
            if ready < min_ready {
                self.active = Active::Activating;
            } else if !matches!(self.active, Active::Since(_)) {
                self.active = Active::Since(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    /// Record `conc` and decide every 2 s over (from, to] with `ready` pods: (time, desired).
    fn run(k: &mut Kpa, from: u64, to: u64, conc: f64, ready: u32) -> Vec<(u64, u32)> {
        (from + 2..=to)
            .step_by(2)
            .map(|t| {
                k.record(at(t), SimDuration::from_secs(2), conc);
                (t, k.decide(at(t), ready).desired)
            })
            .collect()
    }

    fn counts(steps: &[(u64, u32)]) -> Vec<u32> {
        steps.iter().map(|s| s.1).collect()
    }

    #[test]
    fn target_per_pod_is_total_times_utilisation() {
        let kpa = |container_concurrency, target| KpaConfig {
            container_concurrency,
            target,
            ..KpaConfig::default()
        };
        // 100 (container-concurrency-target-default) × 70 % = 70.
        assert_eq!(kpa(0, None).target_per_pod(), 70.0);
        // containerConcurrency 10 × 70 % = 7; a target of 50 is capped at 10: 7 again.
        assert!((kpa(10, None).target_per_pod() - 7.0).abs() < 1e-9);
        assert!((kpa(10, Some(50.0)).target_per_pod() - 7.0).abs() < 1e-9);
        // target 50 alone × 70 % = 35; the panic window 60 s × 10 % = 6 s.
        assert!((kpa(0, Some(50.0)).target_per_pod() - 35.0).abs() < 1e-9);
        assert_eq!(kpa(0, None).panic_window(), SimDuration::from_secs(6));
    }

    #[test]
    fn stable_mode_wants_the_stable_mean_over_the_target() {
        // 150 concurrent for the whole 60 s window, 70 per pod: ceil(150 / 70) = ceil(2.14) = 3.
        // The panic window's 150 wants 3 too: 3 / 3 ready < 200 %, no panic.
        let mut k = Kpa::new(KpaConfig::default());
        run(&mut k, 0, 58, 150.0, 3);
        k.record(at(60), SimDuration::from_secs(2), 150.0);
        let d = k.decide(at(60), 3);
        assert_eq!(
            (d.desired, d.panicking, d.stable_concurrency),
            (3, false, 150.0)
        );
    }

    #[test]
    fn panic_takes_the_panic_count_never_lowers_it_and_ends_a_stable_window_later() {
        let mut k = Kpa::new(KpaConfig::default());
        // 140 concurrent on 2 pods for 60 s: ceil(140 / 70) = 2, and 2 / 2 ready = 1 < 2.
        assert_eq!(run(&mut k, 0, 60, 140.0, 2).last(), Some(&(60, 2)));
        // 700 from 60 s to 66 s. Panic window (seconds 61–65): 700 → ceil(700 / 70) = 10, and
        // 10 / 2 ready = 5 ≥ 2: panic. Stable window (seconds 7–65): (53 × 140 + 6 × 700) / 59
        // = 196.9 → 3. Desired max(3, 10) = 10.
        let d = run(&mut k, 60, 66, 700.0, 2);
        assert_eq!(d.last(), Some(&(66, 10)));
        assert!(k.panic_time.is_some());
        // Back to 140 on 10 pods: each count is at most max(ceil(196.9 / 70) = 3,
        // floor(10 / 2) = 5, panic 7) < 10, and 10 stays while panicking, through 126 s =
        // 66 s (the last tick over the threshold) + 60 s.
        for (t, desired) in run(&mut k, 66, 126, 140.0, 10) {
            assert_eq!(desired, 10, "at {t} s");
        }
        // At 128 s panic ends: stable 140 → 2, within floor(10 / 2) = 5 of the ready pods: 5.
        k.record(at(128), SimDuration::from_secs(2), 140.0);
        let d = k.decide(at(128), 10);
        assert_eq!((d.desired, d.panicking), (5, false));
    }

    #[test]
    fn scale_up_rate_limits_to_rate_times_ready() {
        // 700 concurrent wants ceil(700 / 70) = 10; max-scale-up-rate 2 with 1 ready:
        // ceil(2 × 1) = 2 (the panic count, 10 / 1 ≥ 2, is capped alike). Default 1000: 10.
        let cfg = KpaConfig {
            max_scale_up_rate: 2.0,
            ..KpaConfig::default()
        };
        let mut k = Kpa::new(cfg);
        assert_eq!(run(&mut k, 0, 60, 700.0, 1).last(), Some(&(60, 2)));
        let mut k = Kpa::new(KpaConfig::default());
        assert_eq!(run(&mut k, 0, 60, 700.0, 1).last(), Some(&(60, 10)));
    }

    #[test]
    fn scale_down_rate_halves_at_most() {
        // 70 concurrent wants 1 pod; with rate 2: 10 ready → floor(10 / 2) = 5, then 5 →
        // floor(2.5) = 2, then 2 → 1.
        let mut k = Kpa::new(KpaConfig::default());
        assert_eq!(run(&mut k, 0, 60, 70.0, 10).last(), Some(&(60, 5)));
        assert_eq!(run(&mut k, 60, 62, 70.0, 5), [(62, 2)]);
        assert_eq!(run(&mut k, 62, 64, 70.0, 2), [(64, 1)]);
    }

    /// 35 concurrent on `ready` pods until 60 s, then none: when the KPA first asks for 0.
    fn zero_at(cfg: KpaConfig, ready: u32) -> Option<u64> {
        let mut k = Kpa::new(cfg);
        run(&mut k, 0, 60, 35.0, ready);
        run(&mut k, 60, 400, 0.0, ready)
            .iter()
            .find(|s| s.1 == 0)
            .map(|s| s.0)
    }

    #[test]
    fn scale_to_zero_after_the_stable_window_and_the_grace_period() {
        // The stable mean is 0 once second 59 leaves the window (59 + 60 ≤ t) at the 120 s tick:
        // the revision, active since 2 s, is marked inactive. With target-burst-capacity 0 the
        // activator enters the path then, and the grace period runs from there: 120 + 30 = 150.
        let tbc0 = KpaConfig {
            target_burst_capacity: 0.0,
            ..KpaConfig::default()
        };
        assert_eq!(zero_at(tbc0.clone(), 1), Some(150));
        // Default 211: 1 × 100 − 211 < 0, the activator was in the path all along: the next
        // tick after inactivity, 122 s.
        assert_eq!(zero_at(KpaConfig::default(), 1), Some(122));
        // A retention of 90 s holds the last pod 90 s after inactivity: 120 + 90 = 210.
        let retention = SimDuration::from_secs(90);
        let cfg = KpaConfig {
            scale_to_zero_pod_retention_period: retention,
            ..KpaConfig::default()
        };
        assert_eq!(zero_at(cfg, 1), Some(210));
        // Never with enable-scale-to-zero false (1 instead) or min-scale 2.
        let cfg = KpaConfig {
            enable_scale_to_zero: false,
            ..tbc0.clone()
        };
        assert_eq!(zero_at(cfg, 1), None);
        assert_eq!(
            zero_at(
                KpaConfig {
                    min_scale: 2,
                    ..tbc0
                },
                2
            ),
            None
        );
    }

    #[test]
    fn activator_poke_from_zero_asks_for_one_pod_or_the_activation_scale() {
        for (activation_scale, want) in [(1, 1), (3, 3)] {
            let cfg = KpaConfig {
                target_burst_capacity: 0.0,
                activation_scale,
                ..KpaConfig::default()
            };
            let mut k = Kpa::new(cfg);
            run(&mut k, 0, 60, 35.0, 1);
            run(&mut k, 60, 150, 0.0, 1); // zero at 150 s (as above)
            assert_eq!(k.desired(), 0);
            // A request at 300 s: the activator's stat of 1 is the only second of the window
            // (nothing written for over 60 s resets it): ceil(1 / 70) = 1, raised to
            // activation-scale. No pod is ready, so the activator stays in the path.
            let d = k.poke(at(300), 0).expect("poked at zero");
            assert_eq!((d.desired, d.activator_in_path), (want, true));
            // The autoscaler no longer wants 0: no second poke.
            assert_eq!(k.poke(at(301), 0), None);
        }
    }

    #[test]
    fn scale_down_delay_keeps_the_highest_count_of_the_delay() {
        // Stable window 6 s, panic window 100 % of it (6 s). 280 concurrent on 4 pods for 6 s:
        // 280 / 70 = 4. Then nothing: at 8 s seconds 3–7 hold 3 × 280 → 168 → 3; at 10 s
        // seconds 5–9 hold 280 → 56 → 1, floor(4 / 2) = 2 at least; then 0 → 2.
        let cfg = KpaConfig {
            stable_window: SimDuration::from_secs(6),
            panic_window_percentage: 100.0,
            ..KpaConfig::default()
        };
        let mut k = Kpa::new(cfg.clone());
        run(&mut k, 0, 6, 280.0, 4);
        assert_eq!(counts(&run(&mut k, 6, 18, 0.0, 4)), [3, 2, 2, 2, 2, 2]);
        // With 10 s of delay (five 2 s buckets) the 4 of 6 s stands through 14 s, the 3 of 8 s
        // through 16 s.
        let delay = SimDuration::from_secs(10);
        let mut k = Kpa::new(KpaConfig {
            scale_down_delay: delay,
            ..cfg
        });
        assert_eq!(run(&mut k, 0, 6, 280.0, 4).last(), Some(&(6, 4)));
        assert_eq!(counts(&run(&mut k, 6, 18, 0.0, 4)), [4, 4, 4, 4, 3, 2]);
    }

    #[test]
    fn initial_scale_holds_until_first_reached() {
        // initial-scale 3: asked at once without data, and kept at 2 s (3 ready). With data at
        // 4 s (no traffic) the decider wants floor(3 / 2) = 1, no longer raised to 3.
        let mut k = Kpa::new(KpaConfig {
            initial_scale: 3,
            ..KpaConfig::default()
        });
        assert_eq!(k.decide(at(0), 0).desired, 3);
        assert_eq!(k.decide(at(2), 3).desired, 3);
        assert_eq!(run(&mut k, 2, 4, 0.0, 3), [(4, 1)]);
    }

    #[test]
    fn validation_names_the_key_and_the_range() {
        assert_eq!(KpaConfig::default().validate(), Ok(()));
        type Change = fn(&mut KpaConfig);
        let cases: [(Change, &str); 13] = [
            (
                |c| c.stable_window = SimDuration::from_secs(5),
                "stable-window = 5s",
            ),
            (
                |c| c.panic_threshold_percentage = 100.0,
                "panic-threshold-percentage = 100",
            ),
            (
                |c| c.panic_window_percentage = 0.5,
                "panic-window-percentage = 0.5",
            ),
            (|c| c.max_scale_up_rate = 1.0, "max-scale-up-rate = 1"),
            (|c| c.max_scale_down_rate = 0.5, "max-scale-down-rate = 0.5"),
            (
                |c| c.target_utilization_percentage = 0.0,
                "target-utilization-percentage = 0",
            ),
            (
                |c| c.target = Some(0.001),
                "autoscaling.knative.dev/target = 0.001",
            ),
            (
                |c| c.container_concurrency = 1001,
                "containerConcurrency = 1001",
            ),
            (
                |c| c.scale_to_zero_grace_period = SimDuration::ZERO,
                "scale-to-zero-grace-period",
            ),
            (
                |c| c.scale_down_delay = SimDuration::from_millis(1500),
                "scale-down-delay = 1s 500ms",
            ),
            (
                |c| c.target_burst_capacity = -2.0,
                "target-burst-capacity = -2",
            ),
            (|c| (c.min_scale, c.max_scale) = (3, 2), "min-scale = 3"),
            (
                |c| (c.activation_scale, c.max_scale) = (5, 3),
                "activation-scale = 5",
            ),
        ];
        for (change, key) in cases {
            let mut cfg = KpaConfig::default();
            change(&mut cfg);
            let err = cfg.validate().expect_err(key);
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn nonsense_never_panics() {
        let cfg = KpaConfig {
            stable_window: SimDuration::ZERO,
            tick_interval: SimDuration::ZERO,
            target_utilization_percentage: f64::NAN,
            max_scale_up_rate: f64::INFINITY,
            max_scale_down_rate: 0.0,
            panic_window_percentage: -5.0,
            scale_down_delay: SimDuration::from_secs(1),
            target: Some(f64::NAN),
            ..KpaConfig::default()
        };
        assert!(cfg.validate().is_err());
        let mut k = Kpa::new(cfg);
        let end = SimTime::from_micros(u64::MAX);
        for (t, v) in [(at(5), f64::NAN), (at(5), -1.0), (end, 1e300), (at(1), 5.0)] {
            k.record(t, SimDuration::from_micros(u64::MAX), v);
            k.decide(t, u32::MAX);
            k.decide(t, 0);
            k.poke(t, 0);
        }
    }
}
