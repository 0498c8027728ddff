//! The Windows side: trusted-signal rules, unlock-factor groups and their evaluation.
//!
//! Everything here is a pure function of its inputs: a rule text, a policy, a
//! [`SignalSnapshot`](crate::SignalSnapshot). It can be used without a simulation, which is how
//! `unlocksim policy check|eval|fmt` works. Sources: `shared/seeds/003_*` and design sections
//! 3.1 to 3.3 and 3.6.

pub mod decide;
pub mod document;
pub mod eval;
pub mod factors;
pub mod format;
pub mod interpretation;
pub mod parse;
pub mod provider;
pub mod rules;

pub use decide::{Factor, UnlockDecision, decide_unlock};
pub use document::{
    DeviceUnlockPolicy, DynamicLockPolicy, Policy, PolicyDocument, SignInPolicy, load_policy,
    validate_policy,
};
pub use eval::{CandidateOutcome, ElementOutcome, Evaluation, RuleOutcome, SignalOutcome};
pub use factors::{FactorGroups, FactorMatch};
pub use format::{format_pretty, format_single_line};
pub use interpretation::Interpretations;
pub use parse::{check_single_line, parse_rules};
pub use provider::{CredentialProvider, SignInProvider, UnknownProvider};
pub use rules::{
    BluetoothSignal, IpConfigSignal, Rule, RuleSet, Signal, SignalScenario, WifiSignal,
};
