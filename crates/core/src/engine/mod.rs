//! The discrete-event engine: simulated time, the event queue, seeded random streams and the run
//! loop. It knows nothing of clouds, files or money.
//!
//! A [`Model`] receives arrivals and its own events in time order. Arrivals come from an
//! iterator that is already sorted (every trace and synthetic stream is) and are pulled one at a
//! time, merged with the event heap, never pushed all at once — so memory does not grow with the
//! number of requests.

pub mod chunks;
pub mod clock;
mod queue;
mod rng;
mod time;

pub use queue::Scheduler;
pub use rng::{BLOCK, BlockRng, BlockSeed, RngStreams, SimRng, fnv1a};
pub use time::{MICROS_PER_SEC, SimDuration, SimTime};

/// A simulated system driven by the engine.
pub trait Model {
    /// What arrives from outside (a request).
    type Arrival;
    /// The model's own scheduled events (a completion, a timer).
    type Event;

    /// Called once at time zero, before anything arrives: schedule periodic work here.
    fn init(&mut self, _sched: &mut Scheduler<Self::Event>) {}

    /// Something arrived at `sched.now()`.
    fn on_arrival(&mut self, arrival: Self::Arrival, sched: &mut Scheduler<Self::Event>);

    /// A scheduled event fell due at `sched.now()`.
    fn on_event(&mut self, event: Self::Event, sched: &mut Scheduler<Self::Event>);
}

/// Counts from one run of the loop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Arrivals handed to the model (those strictly before the horizon).
    pub arrivals: u64,
    /// Scheduled events handled (those at or before the horizon).
    pub events: u64,
}

/// How often (in handled items) the progress callback is called.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Run `model` from time zero to `horizon`.
///
/// Arrivals at or after the horizon are not delivered; events due at the horizon still run.
/// At the same instant, scheduled events run before arrivals (a completion frees its slot before
/// a new request looks for one), and events run in the order they were scheduled.
/// `progress` is called now and then with the current time, and once at the end.
/// Returns the scheduler so the caller can inspect what was still pending at the horizon.
pub fn run<M, I>(
    model: &mut M,
    arrivals: I,
    horizon: SimTime,
    progress: &mut dyn FnMut(SimTime),
) -> (RunStats, Scheduler<M::Event>)
where
    M: Model,
    I: IntoIterator<Item = (SimTime, M::Arrival)>,
{
    let mut sched = Scheduler::default();
    let mut arrivals = arrivals.into_iter().peekable();
    let mut stats = RunStats::default();
    model.init(&mut sched);
    step(
        model,
        &mut sched,
        &mut arrivals,
        &mut stats,
        horizon,
        horizon,
        progress,
    );
    sched.advance_to(horizon.max(sched.now()));
    progress(horizon);
    (stats, sched)
}

/// A run that can stop and go on: the model, its scheduler and its arrivals, started at any
/// instant ([`Run::start`]) and advanced in steps ([`Run::until`], [`Run::through`]). Going
/// from zero to the horizon in any number of steps handles exactly what [`run`] handles, in the
/// same order. What the time-parallel runs ([`chunks`]) are made of.
pub struct Run<M: Model, I: Iterator<Item = (SimTime, M::Arrival)>> {
    /// The model.
    pub model: M,
    /// Its pending events.
    pub sched: Scheduler<M::Event>,
    arrivals: std::iter::Peekable<I>,
    /// What was handled so far.
    pub stats: RunStats,
}

impl<M: Model, I: Iterator<Item = (SimTime, M::Arrival)>> Run<M, I> {
    /// `model` at `at` (time zero, or the start of a later stretch of the run), initialised
    /// there ([`Model::init`] schedules from `at`), with `arrivals` (none before `at`).
    pub fn start(mut model: M, arrivals: I, at: SimTime) -> Self {
        let mut sched = Scheduler::starting_at(at);
        model.init(&mut sched);
        Run {
            model,
            sched,
            arrivals: arrivals.peekable(),
            stats: RunStats::default(),
        }
    }

    /// Handle every event and arrival before `end`.
    pub fn until(&mut self, end: SimTime, progress: &mut dyn FnMut(SimTime)) {
        if end == SimTime::ZERO {
            return;
        }
        let last_event = SimTime::from_micros(end.as_micros() - 1);
        step(
            &mut self.model,
            &mut self.sched,
            &mut self.arrivals,
            &mut self.stats,
            end,
            last_event,
            progress,
        );
    }

    /// Handle every arrival before `horizon` and every event at or before it, and move the
    /// clock to it: the end of the run, as [`run`] ends.
    pub fn through(&mut self, horizon: SimTime, progress: &mut dyn FnMut(SimTime)) {
        step(
            &mut self.model,
            &mut self.sched,
            &mut self.arrivals,
            &mut self.stats,
            horizon,
            horizon,
            progress,
        );
        self.sched.advance_to(horizon.max(self.sched.now()));
        progress(horizon);
    }
}

/// A run fed its arrivals piece by piece instead of pulling them from an iterator: the model
/// and its scheduler from time zero, handed arrivals in time order ([`Fed::feed`]) and told
/// how far time has gone ([`Fed::through`]). Feeding every arrival before the horizon in any
/// number of pieces, with [`Fed::through`] at any instants in between and at the horizon,
/// handles exactly what [`run`] handles, in the same order. What several runs fed from one
/// stream of arrivals are made of (the function groups of a Lambda variant).
pub struct Fed<M: Model> {
    /// The model.
    pub model: M,
    /// Its pending events.
    pub sched: Scheduler<M::Event>,
    /// What was handled so far.
    pub stats: RunStats,
}

impl<M: Model> Fed<M> {
    /// `model` at time zero, initialised there ([`Model::init`]).
    pub fn start(mut model: M) -> Self {
        let mut sched = Scheduler::default();
        model.init(&mut sched);
        Fed {
            model,
            sched,
            stats: RunStats::default(),
        }
    }

    /// Handle `arrivals` (in time order, none before the time already reached), and every
    /// event due before the last of them or at its instant — what [`run`] handles before it
    /// looks at the next arrival, whenever that comes.
    pub fn feed(&mut self, arrivals: Vec<(SimTime, M::Arrival)>) {
        let Some(&(last, _)) = arrivals.last() else {
            return;
        };
        step(
            &mut self.model,
            &mut self.sched,
            &mut arrivals.into_iter().peekable(),
            &mut self.stats,
            SimTime::from_micros(u64::MAX),
            last,
            &mut |_| {},
        );
    }

    /// Handle every event at or before `end` (every arrival before `end` has been fed) and move
    /// the clock to it: as [`Run::through`], and as [`run`] ends when `end` is the horizon.
    pub fn through(&mut self, end: SimTime) {
        step(
            &mut self.model,
            &mut self.sched,
            &mut std::iter::empty().peekable(),
            &mut self.stats,
            end,
            end,
            &mut |_| {},
        );
        self.sched.advance_to(end.max(self.sched.now()));
    }
}

/// The loop: handle arrivals before `arrivals_end` and events at or before `last_event`, in
/// time order, events first at the same instant. One copy per model, called by [`run`] and
/// [`Run`] alike: inlined into each of them, it left the model's handlers out of line (7 %
/// more instructions per request, callgrind).
#[inline(never)]
fn step<M, I>(
    model: &mut M,
    sched: &mut Scheduler<M::Event>,
    arrivals: &mut std::iter::Peekable<I>,
    stats: &mut RunStats,
    arrivals_end: SimTime,
    last_event: SimTime,
    progress: &mut dyn FnMut(SimTime),
) where
    M: Model,
    I: Iterator<Item = (SimTime, M::Arrival)>,
{
    loop {
        let next_arrival = arrivals
            .peek()
            .map(|(t, _)| *t)
            .filter(|t| *t < arrivals_end);
        let next_event = sched.peek_time().filter(|t| *t <= last_event);
        let take_event = match (next_event, next_arrival) {
            (None, None) => break,
            (Some(e), Some(a)) => e <= a,
            (Some(_), None) => true,
            (None, Some(_)) => false,
        };
        if take_event {
            let Some((t, event)) = sched.pop() else { break };
            sched.advance_to(t);
            stats.events += 1;
            model.on_event(event, sched);
        } else {
            let Some((t, arrival)) = arrivals.next() else {
                break;
            };
            assert!(
                t >= sched.now(),
                "bug: arrivals out of order ({t} after {})",
                sched.now()
            );
            sched.advance_to(t);
            stats.arrivals += 1;
            model.on_arrival(arrival, sched);
        }
        if (stats.arrivals + stats.events) % PROGRESS_EVERY == 0 {
            progress(sched.now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each arrival schedules a completion 10 µs later; the model logs what it sees.
    struct Echo(Vec<(u64, &'static str)>);

    impl Model for Echo {
        type Arrival = ();
        type Event = ();
        fn on_arrival(&mut self, _: (), s: &mut Scheduler<()>) {
            self.0.push((s.now().as_micros(), "arrive"));
            s.schedule_in(SimDuration::from_micros(10), ());
        }
        fn on_event(&mut self, _: (), s: &mut Scheduler<()>) {
            self.0.push((s.now().as_micros(), "done"));
        }
    }

    #[test]
    fn merges_arrivals_with_events_and_stops_at_horizon() {
        let arrivals = [0, 10, 25, 40].map(|us| (SimTime::from_micros(us), ()));
        let mut m = Echo(Vec::new());
        let (stats, sched) = run(&mut m, arrivals, SimTime::from_micros(40), &mut |_| {});
        assert_eq!(
            m.0,
            vec![
                (0, "arrive"),
                (10, "done"),
                (10, "arrive"),
                (20, "done"),
                (25, "arrive"),
                (35, "done"),
            ]
        );
        assert_eq!(stats.arrivals, 3);
        assert_eq!(sched.pending(), 0);
    }

    #[test]
    fn a_fed_run_handles_what_the_run_handles_in_any_pieces() {
        // Arrivals at 0, 10, 10, 25 and 40 µs, each done 10 µs later; horizon 40 µs. The run
        // handles the four before 40 and the completions at or before it (10, 20, 20, 35).
        let times = [0u64, 10, 10, 25, 40];
        let horizon = SimTime::from_micros(40);
        let mut whole = Echo(Vec::new());
        let arrivals = times.map(|us| (SimTime::from_micros(us), ()));
        run(&mut whole, arrivals, horizon, &mut |_| {});
        for cut in 0..=4 {
            let mut fed = Fed::start(Echo(Vec::new()));
            let before: Vec<_> = times[..cut]
                .iter()
                .map(|&us| (SimTime::from_micros(us), ()))
                .collect();
            let after: Vec<_> = times[cut..4]
                .iter()
                .map(|&us| (SimTime::from_micros(us), ()))
                .collect();
            fed.feed(before);
            fed.through(SimTime::from_micros(times[cut].min(40)));
            fed.feed(after);
            fed.through(horizon);
            assert_eq!(fed.model.0, whole.0, "cut before arrival {cut}");
            assert_eq!(fed.sched.now(), horizon);
        }
    }
}
