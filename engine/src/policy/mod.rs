//! The Windows side: trusted-signal rules, unlock-factor groups and their evaluation.
//!
//! Everything here is a pure function of its inputs: a rule text, a policy, a
//! [`SignalSnapshot`](crate::SignalSnapshot). It can be used without a simulation, which is how
//! `unlocksim policy check|eval|fmt` works. Sources: seed 003 (`docs/model.md`) and design sections
//! 3.1 to 3.3 and 3.6.
//!
//! Every rule list is one setting's value: `DeviceUnlock/Plugins` (signals with scenario
//! `Authentication`, and every wifi and ipConfig signal) or `DynamicLock/Plugins` (one bluetooth
//! signal with scenario `Dynamic Lock`, a phone). A policy file says which by its section
//! ([`parse_rules`]); a standalone rule file says it by its signals' `scenario` attributes, or
//! the caller forces it ([`parse_rule_file`], `--setting`). Rules naming both scenarios are an
//! error, and a scenario of the other setting is reported with a hint that moves the rule, never
//! one that flips the scenario. Unlock rules evaluate to a verdict ([`eval`]); a Dynamic Lock
//! rule evaluates to the presence it describes ([`presence`]). [`format`] prints a rule list
//! or a whole policy in canonical form.

pub mod audit;
pub mod decide;
pub mod document;
pub mod eval;
pub mod factors;
pub mod format;
pub mod forms;
pub mod interpretation;
pub mod parse;
pub mod presence;
pub mod provider;
pub mod rules;

pub use decide::{Factor, UnlockDecision, decide_unlock};
pub use document::{
    DeviceUnlockPolicy, DynamicLockPolicy, Policy, PolicyDocument, SignInPolicy, load_policy,
    validate_policy,
};
pub use eval::{CandidateOutcome, ElementOutcome, Evaluation, RuleOutcome, SignalOutcome};
pub use factors::{FactorGroups, FactorMatch};
pub use format::{format_policy, format_pretty, format_single_line};
pub use interpretation::Interpretations;
pub use parse::{RuleFile, check_single_line, parse_rule_file, parse_rules};
pub use presence::{PresenceEvaluation, PresenceVerdict};
pub use provider::{CredentialProvider, SignInProvider, UnknownProvider};
pub use rules::{
    BluetoothSignal, IpConfigSignal, Rule, RuleSet, Signal, SignalScenario, WifiSignal,
};
