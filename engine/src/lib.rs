//! `engine`: the deterministic core of unlocksim and the Windows side of the model.
//!
//! It holds the simulation kernel (virtual time, the event queue, seeded random streams, the run
//! loop and the trace) and, in [`policy`], the Windows Hello trusted-signal rules and unlock-factor
//! groups with their evaluator.
//!
//! What it must never do: read the wall clock, take entropy from the operating system, perform
//! I/O, or let unordered hash iteration reach anything observable. The same inputs and seed
//! always give a byte-identical trace. `clippy.toml` in this crate enforces the first three.

pub mod device;
pub mod diagnostic;
pub mod policy;
pub mod queue;
pub mod recovery;
pub mod rng;
pub mod sim;
pub mod snapshot;
pub mod time;
pub mod trace;

pub use diagnostic::{Diagnostic, Severity, SourceFile};
pub use queue::{EventId, EventQueue};
pub use rng::{RandomStreams, StreamRng};
pub use sim::{
    Context, Model, RunError, RunErrorKind, RunLimits, RunSummary, Simulation, StopCondition,
    StopReason,
};
pub use snapshot::SignalSnapshot;
pub use time::{SimDuration, SimTime};
pub use trace::{PollRecord, Trace, TraceHash, TraceHasher, TraceRecord, TraceSink};
