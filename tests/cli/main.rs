//! Integration tests of the `unlocksim` binary: arguments in, output and exit code out.
//! One test binary for the whole CLI (ripgrep's layout), one module per subcommand.

mod analyze;
mod audit;
mod calibrate;
mod calibration;
mod catalogue;
mod catalogue_harness;
mod formats;
mod limits;
mod policy;
mod policy_forms;
mod radio;
mod radio_range;
mod replay;
mod run;
mod serve;
mod sweep_set;
mod tour;
mod util;
