//! The run loop: pop the earliest event, advance virtual time, let the model handle it.
//!
//! A [`Model`] owns the state of the world and reacts to its own events through a [`Context`],
//! which can schedule, cancel and record. The loop stops when the queue is empty, when the next
//! event lies past `until`, or when the event budget is spent; exceeding the hard bounds of
//! [`RunLimits`] is an error, never a hang.

use crate::queue::{EventId, EventQueue};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Entity, PollRecord, RecordPayload, TraceRecord, TraceSink};

/// The behaviour driven by the kernel.
pub trait Model {
    type Event;
    fn handle(&mut self, event: Self::Event, context: &mut Context<'_, Self::Event>);
}

/// What a model may do while it handles an event.
pub struct Context<'a, E> {
    now: SimTime,
    queue: &'a mut EventQueue<E>,
    sink: &'a mut dyn TraceSink,
    pending_max: usize,
    pending_overflowed: &'a mut bool,
}

impl<E> std::fmt::Debug for Context<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("now", &self.now).field("queue", &self.queue).finish()
    }
}

impl<E> Context<'_, E> {
    /// The time of the event being handled.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`, which must not be in the past.
    pub fn schedule_at(&mut self, time: SimTime, event: E) -> EventId {
        debug_assert!(time >= self.now, "scheduled in the past");
        if self.queue.len() >= self.pending_max {
            *self.pending_overflowed = true;
        }
        self.queue.push(time.max(self.now), event)
    }

    /// Schedules `event` `delay` after now (saturating at the end of time).
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> EventId {
        self.schedule_at(self.now.saturating_add(delay), event)
    }

    /// Cancels a pending event; false when it already happened or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Records an observable fact of a kind nothing reads back (`action`, `notification`...)
    /// at the current time; kinds that something reads go through [`Context::record_typed`].
    pub fn record(&mut self, entity: &Entity, kind: &str, payload: serde_json::Value) {
        self.sink.record(TraceRecord::new(self.now, entity.clone(), kind, payload));
    }

    /// Records a typed payload (see [`crate::trace::RecordPayload`]) at the current time.
    pub fn record_typed<R: RecordPayload>(&mut self, entity: &Entity, payload: &R) {
        self.sink.record(TraceRecord::typed(self.now, entity.clone(), payload));
    }

    /// Records a Bluetooth poll at the current time (see [`PollRecord`]).
    pub fn record_poll(&mut self, entity: &Entity, poll: &PollRecord<'_>) {
        self.sink.record_poll(self.now, entity, poll);
    }
}

/// Hard bounds of one run. Exceeding one is a [`RunError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// Events handled in one run, summed over every call to [`Simulation::run`].
    pub events_max: u64,
    /// Events pending at once.
    pub pending_events_max: usize,
}

impl RunLimits {
    /// Room for a simulated year of a busy office: 100 M events, 1 M pending.
    pub const DEFAULT: RunLimits =
        RunLimits { events_max: 100_000_000, pending_events_max: 1 << 20 };
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits::DEFAULT
    }
}

/// When a call to [`Simulation::run`] should return normally (besides an empty queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StopCondition {
    /// Handle events at or before this time, then stop with time set to it.
    pub until: Option<SimTime>,
    /// Handle at most this many events in this call.
    pub event_budget: Option<u64>,
}

/// Why a run returned normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    QueueEmpty,
    TimeReached,
    BudgetSpent,
}

/// How a call to [`Simulation::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    pub reason: StopReason,
    pub now: SimTime,
    /// Events handled in this call.
    pub events_handled: u64,
}

/// A run that exceeded a hard bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at {now}, after {events_handled} events)")]
pub struct RunError {
    pub kind: RunErrorKind,
    pub now: SimTime,
    pub events_handled: u64,
}

/// Which bound a run exceeded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunErrorKind {
    #[error("the run exceeded its bound of {limit} events")]
    TooManyEvents { limit: u64 },
    #[error("more than {limit} events were pending at once")]
    TooManyPendingEvents { limit: usize },
}

/// A model, its event queue and its clock.
#[derive(Debug)]
pub struct Simulation<M: Model> {
    pub model: M,
    queue: EventQueue<M::Event>,
    now: SimTime,
    events_handled_total: u64,
    limits: RunLimits,
}

impl<M: Model> Simulation<M> {
    pub fn new(model: M, limits: RunLimits) -> Simulation<M> {
        Simulation {
            model,
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            events_handled_total: 0,
            limits,
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    pub fn events_handled_total(&self) -> u64 {
        self.events_handled_total
    }

    /// Schedules an event from outside the model (initial events, injected actions).
    pub fn schedule_at(&mut self, time: SimTime, event: M::Event) -> EventId {
        self.queue.push(time.max(self.now), event)
    }

    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Runs until the queue is empty or `stop` says so, sending records to `sink`.
    pub fn run(
        &mut self,
        stop: StopCondition,
        sink: &mut dyn TraceSink,
    ) -> Result<RunSummary, RunError> {
        let _span = tracing::debug_span!("run", start_us = self.now.as_us()).entered();
        let mut events_handled: u64 = 0;
        let mut pending_overflowed = false;
        loop {
            if stop.event_budget.is_some_and(|budget| events_handled >= budget) {
                return Ok(self.summary(StopReason::BudgetSpent, events_handled));
            }
            let until = stop.until.unwrap_or(SimTime::MAX);
            if self.events_handled_total >= self.limits.events_max
                && self.queue.peek_time().is_some_and(|time| time <= until)
            {
                return Err(self.error(
                    RunErrorKind::TooManyEvents { limit: self.limits.events_max },
                    events_handled,
                ));
            }
            let Some(scheduled) = self.queue.pop_at_or_before(until) else {
                if self.queue.is_empty() {
                    return Ok(self.summary(StopReason::QueueEmpty, events_handled));
                }
                self.now = self.now.max(until);
                return Ok(self.summary(StopReason::TimeReached, events_handled));
            };
            debug_assert!(scheduled.time >= self.now, "time went backwards");
            self.now = scheduled.time;
            tracing::trace!(t_us = self.now.as_us(), sequence = scheduled.id.sequence(), "event");
            let mut context = Context {
                now: self.now,
                queue: &mut self.queue,
                sink,
                pending_max: self.limits.pending_events_max,
                pending_overflowed: &mut pending_overflowed,
            };
            self.model.handle(scheduled.event, &mut context);
            events_handled += 1;
            self.events_handled_total += 1;
            if pending_overflowed {
                return Err(self.error(
                    RunErrorKind::TooManyPendingEvents { limit: self.limits.pending_events_max },
                    events_handled,
                ));
            }
        }
    }

    fn summary(&self, reason: StopReason, events_handled: u64) -> RunSummary {
        tracing::debug!(t_us = self.now.as_us(), ?reason, events_handled, "run stopped");
        RunSummary { reason, now: self.now, events_handled }
    }

    fn error(&self, kind: RunErrorKind, events_handled: u64) -> RunError {
        RunError { kind, now: self.now, events_handled }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{RandomStreams, StreamRng};
    use crate::trace::Trace;
    use rand::Rng;
    use serde_json::json;

    /// Phones that ping at random intervals; a ping can cancel another phone's next ping.
    struct Pinger {
        rngs: Vec<StreamRng>,
        next: Vec<Option<EventId>>,
    }

    impl Pinger {
        fn new(seed: u64, phones: usize) -> Pinger {
            let streams = RandomStreams::new(seed);
            Pinger {
                rngs: (0..phones).map(|i| streams.stream(&format!("phone:{i}"), "ping")).collect(),
                next: vec![None; phones],
            }
        }
    }

    impl Model for Pinger {
        type Event = usize;
        fn handle(&mut self, phone: usize, context: &mut Context<'_, usize>) {
            let delay_ms: u64 = self.rngs[phone].random_range(1..=3000);
            let draw: u32 = self.rngs[phone].random_range(0..10);
            context.record(&Entity::phone(&phone.to_string()), "ping", json!({ "draw": draw }));
            if draw == 0 {
                let victim = (phone + 1) % self.rngs.len();
                if let Some(id) = self.next[victim].take() {
                    context.cancel(id);
                    context.record(&Entity::phone(&victim.to_string()), "cancelled", json!({}));
                }
            }
            self.next[phone] = Some(context.schedule_in(SimDuration::from_ms(delay_ms), phone));
        }
    }

    fn run_pinger(seed: u64, phones: usize) -> Trace {
        let mut simulation = Simulation::new(Pinger::new(seed, phones), RunLimits::DEFAULT);
        for phone in 0..phones {
            let id = simulation.schedule_at(SimTime::ZERO, phone);
            simulation.model.next[phone] = Some(id);
        }
        let mut trace = Trace::new();
        let stop = StopCondition { until: Some(SimTime::from_us(600_000_000)), event_budget: None };
        let summary = simulation.run(stop, &mut trace).unwrap();
        assert_eq!(summary.reason, StopReason::TimeReached);
        trace
    }

    #[test]
    fn same_seed_gives_a_byte_identical_trace() {
        let first = run_pinger(42, 4);
        assert!(first.records.len() > 100, "the model produces a real trace");
        for _ in 0..3 {
            assert_eq!(run_pinger(42, 4).to_jsonl(), first.to_jsonl());
        }
    }

    #[test]
    fn different_seeds_give_different_traces() {
        assert_ne!(run_pinger(42, 4).hash(), run_pinger(43, 4).hash());
    }

    #[test]
    fn stops_at_the_time_bound_with_later_events_pending() {
        let mut simulation = Simulation::new(Pinger::new(1, 1), RunLimits::DEFAULT);
        simulation.schedule_at(SimTime::ZERO, 0);
        let until = SimTime::from_us(10_000_000);
        let summary = simulation
            .run(StopCondition { until: Some(until), event_budget: None }, &mut Trace::new())
            .unwrap();
        assert_eq!((summary.reason, summary.now), (StopReason::TimeReached, until));
        assert_eq!(simulation.pending_events(), 1);
    }

    #[test]
    fn event_budget_stops_normally_and_resumes() {
        let mut simulation = Simulation::new(Pinger::new(1, 2), RunLimits::DEFAULT);
        simulation.schedule_at(SimTime::ZERO, 0);
        simulation.schedule_at(SimTime::ZERO, 1);
        let stop = StopCondition { until: None, event_budget: Some(10) };
        let summary = simulation.run(stop, &mut Trace::new()).unwrap();
        assert_eq!((summary.reason, summary.events_handled), (StopReason::BudgetSpent, 10));
        let summary = simulation.run(stop, &mut Trace::new()).unwrap();
        assert_eq!(summary.events_handled, 10);
        assert_eq!(simulation.events_handled_total(), 20);
    }

    #[test]
    fn an_endless_model_hits_the_event_bound_instead_of_hanging() {
        let limits = RunLimits { events_max: 1_000, pending_events_max: 16 };
        let mut simulation = Simulation::new(Pinger::new(1, 1), limits);
        simulation.schedule_at(SimTime::ZERO, 0);
        let error = simulation.run(StopCondition::default(), &mut Trace::new()).unwrap_err();
        assert_eq!(error.kind, RunErrorKind::TooManyEvents { limit: 1_000 });
        assert_eq!(error.events_handled, 1_000);
    }

    struct Doubler;
    impl Model for Doubler {
        type Event = ();
        fn handle(&mut self, (): (), context: &mut Context<'_, ()>) {
            context.schedule_in(SimDuration::from_s(1), ());
            context.schedule_in(SimDuration::from_s(1), ());
        }
    }

    #[test]
    fn a_growing_queue_hits_the_pending_bound() {
        let limits = RunLimits { events_max: 1_000_000, pending_events_max: 100 };
        let mut simulation = Simulation::new(Doubler, limits);
        simulation.schedule_at(SimTime::ZERO, ());
        let error = simulation.run(StopCondition::default(), &mut Trace::new()).unwrap_err();
        assert_eq!(error.kind, RunErrorKind::TooManyPendingEvents { limit: 100 });
    }
}
