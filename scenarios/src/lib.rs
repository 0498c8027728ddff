//! `scenarios`: the unlocksim YAML scenario format.
//!
//! Loading (raw serde structs with source spans, then a validated model), wiring a scenario into a
//! simulation, and judging expectations on the resulting trace.
//!
//! What it must never do: panic on any input, or hand a half-validated scenario to the engine.
//! Every problem comes back as a diagnostic with file, line and column.
