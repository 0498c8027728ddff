//! `reports`: everything a person reads from unlocksim, and the edges where the binaries meet
//! files and the shell.
//!
//! - [`metrics`]: decision metrics computed from traces (time to lock, false locks per seated
//!   hour, unlock availability, unlock from afar), aggregated over seeds.
//! - [`timeline`]: text and HTML/SVG timelines of one run and the index of a run report;
//!   [`sweep`]: sweep reports with heat maps, distributions, Pareto front and a recommendation;
//!   [`charts`]: colour scales, ticks and charts from libraries; [`junit`]: JUnit XML.
//! - [`summary`]: what `unlocksim run` prints (PASS/FAIL with timeline excerpts and repro
//!   lines, `--json`, `--check-determinism` verdicts) and the [`summary::Exit`] code of both
//!   binaries.
//! - [`output`]: the bounded reader of the binaries' input files, atomic writes, run metadata
//!   and number formatting.
//!
//! What it must never do: fetch anything from the network, or leave a half-written file
//! behind. Metrics are computed here from traces; everything else only formats results that
//! other crates computed.

pub mod charts;
pub mod metrics;

pub mod junit;
pub mod output;
pub mod summary;
#[cfg(test)]
mod testing;

pub use output::{RunMeta, write_atomic};
pub mod recommend;
pub mod sweep;
pub mod timeline;
