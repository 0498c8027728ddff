//! Input files: every file any command reads (scenarios, policies, rule XML, snapshots, device
//! profiles) goes through [`read_input`], with one byte bound.

use std::path::Path;

/// Largest scenario or policy file read, in bytes.
pub const INPUT_FILE_BYTES_MAX: u64 = 1024 * 1024;

/// Reads a UTF-8 file of at most [`INPUT_FILE_BYTES_MAX`] through
/// [`reports::output::read_bounded`] (bounded before and while reading; a non-UTF-8 file is
/// reported with the line and column of its first invalid byte).
///
/// # Errors
/// The reason, without the path (`is a directory`, `... is more than the limit of 1048576`).
pub fn read_input(path: &Path) -> Result<String, String> {
    reports::output::read_bounded(path, INPUT_FILE_BYTES_MAX).map_err(|error| error.to_string())
}
