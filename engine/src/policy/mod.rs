//! The Windows side: trusted-signal rules, unlock-factor groups and their evaluation.
//!
//! Everything here is a pure function of its inputs: a rule text, a policy, a
//! [`SignalSnapshot`](crate::SignalSnapshot). It can be used without a simulation, which is how
//! `unlocksim policy check|eval|fmt` works.

pub mod factors;
pub mod interpretation;
pub mod provider;

pub use factors::{FactorGroups, FactorMatch};
pub use interpretation::Interpretations;
pub use provider::{CredentialProvider, UnknownProvider};
