//! The event queue: a binary heap ordered by (time, insertion sequence), with cancellation.
//!
//! Equal-time events come out in the order they were scheduled, because every event carries a
//! sequence number that only grows. Cancellation is lazy: a cancelled event stays in the heap and
//! is dropped when it reaches the top, so scheduling and popping stay `O(log n)` and the common
//! case (nothing cancelled) costs one `is_empty` check.
//!
//! Events may not be scheduled before the last popped event's time (a simulation never schedules
//! into its past). That makes "already popped" decidable from an id alone: an id whose
//! (time, sequence) is not after the last popped one has been popped.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

use crate::time::SimTime;

/// Identifies a scheduled event, for cancellation. Unique within one queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    time_us: u64,
    sequence: u64,
}

impl EventId {
    /// The insertion sequence number behind this id.
    pub const fn sequence(self) -> u64 {
        self.sequence
    }
    /// The time the event was scheduled for.
    pub const fn time(self) -> SimTime {
        SimTime::from_us(self.time_us)
    }
}

/// One event taken from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledEvent<E> {
    pub time: SimTime,
    pub id: EventId,
    pub event: E,
}

struct Entry<E> {
    /// `time_us << 64 | sequence`: one integer comparison orders by (time, sequence).
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn time_us(&self) -> u64 {
        (self.key >> 64) as u64
    }
    fn sequence(&self) -> u64 {
        self.key as u64
    }
}

const fn entry_key(time_us: u64, sequence: u64) -> u128 {
    ((time_us as u128) << 64) | sequence as u128
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of events ordered by (time, insertion sequence).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
    /// Ids cancelled while still in the heap; each is removed when its entry is popped.
    cancelled: BTreeSet<u64>,
    /// Key of the last event returned by a pop (meaningful once `popped_any`): every key at or
    /// before it has left the queue, and no event may be pushed before its time.
    last_popped_key: u128,
    popped_any: bool,
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field("pending", &self.len())
            .field("next_sequence", &self.next_sequence)
            .finish()
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> EventQueue<E> {
        EventQueue::with_capacity(0)
    }

    pub fn with_capacity(capacity: usize) -> EventQueue<E> {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_sequence: 0,
            cancelled: BTreeSet::new(),
            last_popped_key: 0,
            popped_any: false,
        }
    }

    /// Schedules `event` at `time` and returns its id.
    ///
    /// # Panics
    /// When `time` is before the last popped event: scheduling into the past is a programmer
    /// error, never an input error.
    pub fn push(&mut self, time: SimTime, event: E) -> EventId {
        let time_us = time.as_us();
        let last_popped_us = (self.last_popped_key >> 64) as u64;
        assert!(
            time_us >= last_popped_us,
            "event scheduled in the past: {time_us} us < {last_popped_us} us"
        );
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Entry { key: entry_key(time_us, sequence), event });
        EventId { time_us, sequence }
    }

    /// Cancels a pending event in `O(log c)` (c: events cancelled and not yet dropped).
    /// Returns false when it was already popped or cancelled, or was never scheduled here.
    pub fn cancel(&mut self, id: EventId) -> bool {
        if id.sequence >= self.next_sequence {
            return false;
        }
        if self.popped_any && entry_key(id.time_us, id.sequence) <= self.last_popped_key {
            return false;
        }
        self.cancelled.insert(id.sequence)
    }

    /// Removes and returns the earliest event that is not cancelled.
    pub fn pop(&mut self) -> Option<ScheduledEvent<E>> {
        self.pop_at_or_before(SimTime::MAX)
    }

    /// Removes and returns the earliest event that is not cancelled, if its time is at or
    /// before `until`; otherwise leaves it pending.
    ///
    /// Cancelled entries met on the way are dropped only when a live event is returned (their
    /// keys are then all before it); otherwise they are put back, so that "every key at or
    /// before the last returned one has left the queue" stays true.
    pub fn pop_at_or_before(&mut self, until: SimTime) -> Option<ScheduledEvent<E>> {
        let mut skipped = Vec::new();
        loop {
            let Some(top) = self.heap.peek() else {
                self.restore(skipped);
                return None;
            };
            if top.time_us() > until.as_us() {
                self.restore(skipped);
                return None;
            }
            let entry = self.heap.pop()?;
            let sequence = entry.sequence();
            if !self.cancelled.is_empty() && self.cancelled.contains(&sequence) {
                skipped.push(entry);
                continue;
            }
            for dropped in skipped {
                self.cancelled.remove(&dropped.sequence());
            }
            self.last_popped_key = entry.key;
            self.popped_any = true;
            let time_us = entry.time_us();
            return Some(ScheduledEvent {
                time: SimTime::from_us(time_us),
                id: EventId { time_us, sequence },
                event: entry.event,
            });
        }
    }

    fn restore(&mut self, skipped: Vec<Entry<E>>) {
        for entry in skipped {
            self.heap.push(entry);
        }
    }

    /// The time of the earliest event that is not cancelled.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        let mut skipped = Vec::new();
        let time = loop {
            let Some(top) = self.heap.peek() else { break None };
            if !self.cancelled.is_empty() && self.cancelled.contains(&top.sequence()) {
                skipped.extend(self.heap.pop());
                continue;
            }
            break Some(SimTime::from_us(top.time_us()));
        };
        self.restore(skipped);
        time
    }

    /// Events pending and not cancelled.
    pub fn len(&self) -> usize {
        self.heap.len() - self.cancelled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_pop_in_scheduling_order() {
        let mut queue = EventQueue::new();
        queue.push(SimTime::from_us(5), "b");
        queue.push(SimTime::from_us(1), "a");
        queue.push(SimTime::from_us(5), "c");
        queue.push(SimTime::from_us(5), "d");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|e| e.event).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    #[test]
    fn cancelled_events_never_come_out() {
        let mut queue = EventQueue::new();
        let lock = queue.push(SimTime::from_us(30), "lock");
        queue.push(SimTime::from_us(10), "poll");
        assert!(queue.cancel(lock));
        assert!(!queue.cancel(lock), "a second cancel reports false");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop().map(|e| e.event), Some("poll"));
        assert_eq!(queue.pop(), None);
        assert!(!queue.cancel(lock), "a popped or cancelled event cannot be cancelled");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u8),
        Cancel(usize),
        Pop,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..8).prop_map(Op::Push),
            1 => (0usize..64).prop_map(Op::Cancel),
            2 => Just(Op::Pop),
        ]
    }

    proptest! {
        /// Against a naive model (a list scanned for the minimum (time, sequence)), any mix of
        /// pushes at few distinct times (never before the last pop), cancellations and pops
        /// behaves identically: equal times in scheduling order, cancelled events never out.
        #[test]
        fn matches_a_naive_model(ops in proptest::collection::vec(op(), 0..200)) {
            let mut queue = EventQueue::new();
            let mut model: Vec<(u64, u64)> = Vec::new(); // (time, sequence) pending
            let mut ids = Vec::new();
            let mut now = 0u64;
            for op in ops {
                match op {
                    Op::Push(delay) => {
                        let time = now + u64::from(delay);
                        let id = queue.push(SimTime::from_us(time), ids.len());
                        model.push((time, id.sequence()));
                        ids.push(id);
                    }
                    Op::Cancel(index) => {
                        if let Some(&id) = ids.get(index) {
                            let position = model.iter().position(|&(_, s)| s == id.sequence());
                            prop_assert_eq!(queue.cancel(id), position.is_some());
                            if let Some(p) = position {
                                model.remove(p);
                            }
                        }
                    }
                    Op::Pop => {
                        let expected = model.iter().copied().min();
                        let got = queue.pop().map(|e| (e.time.as_us(), e.id.sequence()));
                        prop_assert_eq!(got, expected);
                        if let Some(e) = expected {
                            model.retain(|&x| x != e);
                            now = e.0;
                        }
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
            }
        }
    }
}
