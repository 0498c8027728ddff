//! `reports`: everything a person reads from unlocksim.
//!
//! Terminal summaries and timelines, JSON and JSON Lines, JUnit XML, CSV, and self-contained HTML
//! with SVG timelines and heat maps.
//!
//! What it must never do: change a number it reports (it formats results, it does not compute
//! them), fetch anything from the network, or leave a half-written file behind.

pub mod metrics;

pub mod junit;
pub mod output;
#[cfg(test)]
mod testing;

pub use output::{RunMeta, write_atomic};
pub mod sweep;
pub mod timeline;
