//! The determinism check behind `unlocksim run --check-determinism`: every seed of a scenario
//! runs twice, on thread pools of two sizes, and the two trace hashes of each seed must be equal.
//!
//! A run's trace must not depend on how many runs go in parallel beside it (each run owns its
//! random streams, and results are gathered in seed order); this check is how a user sees that
//! it holds for their own scenario.

use engine::trace::{TraceHash, TraceHasher};
use rayon::prelude::*;

use crate::{RunFailure, RunOptions, Scenario, runner, seeds};

/// One seed whose two passes hashed differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The run's seed.
    pub seed: u64,
    /// The trace hash of each pass, in the order of [`Determinism::threads`].
    pub trace_hashes: [TraceHash; 2],
}

/// The verdict on one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Determinism {
    /// How many seeds ran (each twice).
    pub seeds_count: usize,
    /// The thread count of each pass.
    pub threads: [usize; 2],
    /// Every seed whose passes differ, in seed order; empty when the scenario is reproducible.
    pub mismatches: Vec<Mismatch>,
}

impl Determinism {
    /// Whether every seed hashed the same in both passes.
    pub fn reproducible(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Why the check could not be made (as opposed to a check that found a difference).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeterminismError {
    /// A thread pool of `threads` threads could not be started.
    #[error("cannot start {threads} threads: {message}")]
    ThreadPool { threads: usize, message: String },
    /// A run of `file` with `seed` failed.
    #[error("{file}: seed {seed}: {failure}")]
    Run { file: String, seed: u64, failure: RunFailure },
}

/// Runs every seed of `scenario` (under its own interpretations) on a pool of `threads[0]`
/// threads, then again on a pool of `threads[1]`, and compares the trace hashes seed by seed.
///
/// # Errors
/// [`DeterminismError`] when a pool cannot start or a run fails; nothing is compared then.
pub fn check_determinism(
    scenario: &Scenario,
    options: RunOptions,
    threads: [usize; 2],
) -> Result<Determinism, DeterminismError> {
    let first = trace_hashes(scenario, options, threads[0])?;
    let second = trace_hashes(scenario, options, threads[1])?;
    assert_eq!(first.len(), second.len(), "both passes run the same seeds");
    Ok(Determinism { seeds_count: first.len(), threads, mismatches: mismatches(&first, &second) })
}

/// The trace hash of every seed of `scenario`, in seed order, run on a pool of `threads`.
fn trace_hashes(
    scenario: &Scenario,
    options: RunOptions,
    threads: usize,
) -> Result<Vec<(u64, TraceHash)>, DeterminismError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| DeterminismError::ThreadPool { threads, message: e.to_string() })?;
    pool.install(|| {
        seeds(scenario, options)
            .into_par_iter()
            .map(|seed| {
                let mut sink = TraceHasher::new();
                runner::run_into(scenario, seed, &scenario.interpretations, &mut sink)
                    .map(|(_, hash)| (seed, hash))
                    .map_err(|failure| DeterminismError::Run {
                        file: scenario.file.clone(),
                        seed,
                        failure,
                    })
            })
            .collect()
    })
}

/// The seeds whose hashes differ between two passes over the same seeds.
fn mismatches(first: &[(u64, TraceHash)], second: &[(u64, TraceHash)]) -> Vec<Mismatch> {
    first
        .iter()
        .zip(second)
        .filter(|(a, b)| a != b)
        .map(|((seed, a), (_, b))| Mismatch { seed: *seed, trace_hashes: [*a, *b] })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rstest::rstest;

    use super::*;

    fn hash(byte: u8) -> TraceHash {
        TraceHash([byte; 32])
    }

    #[rstest]
    #[case::equal(&[(1, 7), (2, 8)], &[(1, 7), (2, 8)], &[])]
    #[case::one_seed_differs(&[(1, 7), (2, 8)], &[(1, 7), (2, 9)], &[(2, 8, 9)])]
    #[case::every_seed_differs(&[(5, 1), (6, 1)], &[(5, 2), (6, 3)], &[(5, 1, 2), (6, 1, 3)])]
    fn mismatches_are_the_seeds_whose_hashes_differ(
        #[case] first: &[(u64, u8)],
        #[case] second: &[(u64, u8)],
        #[case] expected: &[(u64, u8, u8)],
    ) {
        let pass = |p: &[(u64, u8)]| p.iter().map(|&(s, h)| (s, hash(h))).collect::<Vec<_>>();
        let expected: Vec<Mismatch> = expected
            .iter()
            .map(|&(seed, a, b)| Mismatch { seed, trace_hashes: [hash(a), hash(b)] })
            .collect();
        assert_eq!(mismatches(&pass(first), &pass(second)), expected);
    }

    #[test]
    fn a_suite_scenario_hashes_the_same_on_one_and_three_threads() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("suite/walk_away_trouser_pocket.yaml");
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut read_file = |name: &str| {
            std::fs::read_to_string(folder.join(name)).map_err(|error| error.to_string())
        };
        let scenario = crate::load_scenario("walk_away_trouser_pocket.yaml", &text, &mut read_file);
        let scenario = scenario.unwrap_or_else(|d| panic!("the suite scenario loads: {d:?}"));
        let options = RunOptions { seed: Some(11), runs: Some(3), discard_polls: true };
        let verdict = check_determinism(&scenario, options, [1, 3]);
        let verdict = verdict.unwrap_or_else(|e| panic!("the runs succeed: {e}"));
        assert_eq!((verdict.seeds_count, verdict.threads), (3, [1, 3]));
        assert!(verdict.reproducible(), "{:?}", verdict.mismatches);
    }
}
