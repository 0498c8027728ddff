//! `cargo xtask sweep`: parameter sweeps over scenarios, run in parallel, resumable, shardable
//! for clusters and mergeable into a report identical to a single-machine run.
//!
//! [`spec`] reads the sweep YAML and expands it into a [`spec::Plan`]; [`exec`] runs a plan
//! (or a shard of it) with an injected [`exec::RunOnePoint`] into the directory's results
//! [`store`] and aggregates; [`runner`] is where the real simulation is plugged in.

pub mod exec;
pub mod runner;
pub mod spec;
pub mod store;

#[cfg(test)]
mod limits_tests;

#[cfg(test)]
mod format_doc_tests;
