//! The classic hold model: P events pending; handling one schedules one new event a random
//! interval ahead. The kernel ([`engine::Simulation`]) is measured next to a bare
//! `std::collections::BinaryHeap` loop doing the same work in the same run, and the table
//! reports both rates and their ratio. Target: kernel/bare >= 0.8 at every P.
//!
//! Run with `cargo bench -p engine` (or `cargo xtask bench`). `HOLD_EVENTS` sets the events per
//! measurement (default 2,000,000); each measurement is repeated and the median kept.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a benchmark reads the clock.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

use engine::{
    Context, Model, RandomStreams, RunLimits, SimDuration, SimTime, Simulation, StopCondition,
    StreamRng, TraceHasher,
};
use rand::Rng;

const REPETITIONS: usize = 5;
const MEAN_DELAY_US: u64 = 1_000_000;

fn delay_us(rng: &mut StreamRng) -> u64 {
    rng.random_range(1..=2 * MEAN_DELAY_US)
}

fn bare_heap(pending: usize, events: u64) -> f64 {
    let mut rng = RandomStreams::new(1).stream("bench", "hold");
    let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::with_capacity(pending + 1);
    let mut sequence = 0u64;
    for _ in 0..pending {
        heap.push(Reverse((delay_us(&mut rng), sequence)));
        sequence += 1;
    }
    let start = Instant::now();
    for _ in 0..events {
        let Reverse((now_us, _)) = heap.pop().expect("pending events");
        heap.push(Reverse((now_us + delay_us(&mut rng), sequence)));
        sequence += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    black_box(heap.len());
    events as f64 / seconds
}

struct Hold {
    rng: StreamRng,
}

impl Model for Hold {
    type Event = ();
    fn handle(&mut self, (): (), context: &mut Context<'_, ()>) {
        let delay = SimDuration::from_us(delay_us(&mut self.rng));
        context.schedule_in(delay, ());
    }
}

fn kernel(pending: usize, events: u64) -> f64 {
    let mut rng = RandomStreams::new(1).stream("bench", "hold");
    let limits = RunLimits { events_max: u64::MAX, pending_events_max: pending + 1 };
    let initial: Vec<u64> = (0..pending).map(|_| delay_us(&mut rng)).collect();
    let mut simulation = Simulation::new(Hold { rng }, limits);
    for time_us in initial {
        simulation.schedule_at(SimTime::from_us(time_us), ());
    }
    let mut sink = TraceHasher::new();
    let start = Instant::now();
    let summary = simulation
        .run(StopCondition { until: None, event_budget: Some(events) }, &mut sink)
        .expect("within limits");
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(summary.events_handled, events);
    events as f64 / seconds
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo test --benches` passes `--bench`-less arguments; run a tiny smoke pass then.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let events: u64 = if smoke {
        10_000
    } else {
        std::env::var("HOLD_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000)
    };
    println!("hold model: {events} events per measurement, median of {REPETITIONS}");
    println!(
        "{:>8} {:>16} {:>16} {:>14}",
        "pending", "bare events/s", "kernel events/s", "kernel/bare"
    );
    for pending in [64usize, 1_000, 100_000] {
        let mut bare_rates = Vec::new();
        let mut kernel_rates = Vec::new();
        for _ in 0..REPETITIONS {
            // Interleaved, so drifting machine load hits both alike.
            bare_rates.push(bare_heap(pending, events));
            kernel_rates.push(kernel(pending, events));
        }
        let (bare, kernel) = (median(bare_rates), median(kernel_rates));
        println!("{pending:>8} {bare:>16.0} {kernel:>16.0} {:>14.3}", kernel / bare);
    }
}
