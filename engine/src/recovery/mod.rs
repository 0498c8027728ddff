//! Lock-out and recovery: can a policy lock its own user out, and how do they get back in?
//!
//! Sources: seed 000 (`docs/model.md`) (Windows Hello for Business PIN reset: destructive and
//! nondestructive, web sign-in allowed URLs, hybrid-join connectivity, and a forum thread where
//! biometric unlock was silently turned off and the user had forgotten the fallback) and
//! seed 003 (`docs/model.md`) (unlock-factor groups).
//!
//! - [`profile`]: the device profile YAML (join type, trust model, identity provider, cloud, PIN
//!   reset settings, biometrics, phones, security keys, reachability, MFA methods).
//! - [`reset`]: the PIN reset model, one function per seed statement's decision.
//! - [`state`]: a user's device as failures happen; the timeline actions scenarios apply.
//! - [`analysis`]: every failure and pair of failures, judged unlock / recover / locked out.
//!
//! Pure: no I/O, no clock, no randomness. The CLI reads the files and passes text in.

pub mod analysis;
pub mod profile;
pub mod reset;
pub mod state;

pub use analysis::{
    Case, LockoutPolicy, Outcome, RecoveryPath, SignalRules, analyze_case, analyze_lockout,
    any_locked_out, failure_universe,
};
pub use profile::{Biometric, DeviceProfile, load_device_profile};
pub use reset::{
    CanReset, ResetBlock, ResetConditions, ResetCost, ResetEntry, ResetKind, ResetSuccess,
    attempt_pin_reset, can_reset, dsregcmd_can_reset_line,
};
pub use state::{DeviceState, Failure, ResetAttempt, SignalKind, TimelineAction, UnlockAttempt};
