//! A [`Policy`] as policy YAML (the file `load_policy` reads): what `policy import` writes.
//! Groups as provider names, rules on one line in single quotes, so that
//! `load_policy(policy_yaml(p)) == p`.

use crate::policy::document::Policy;
use crate::policy::format::format_single_line;
use crate::policy::provider::CredentialProvider;
use crate::policy::rules::RuleSet;

fn names(providers: &[CredentialProvider]) -> String {
    providers.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
}

/// A YAML single-quoted scalar of one line of rules (`'` doubled).
fn rules_line(rules: &RuleSet) -> String {
    format!("'{}'", format_single_line(rules).replace('\'', "''"))
}

/// The policy YAML for `policy`, with a first comment line naming where it came from.
pub fn policy_yaml(policy: &Policy, origin: &str) -> String {
    let mut out = format!("# Imported by unlocksim from {origin}.\n");
    if let Some(unlock) = &policy.device_unlock {
        out.push_str("device_unlock:\n");
        out.push_str(&format!("  first_factors: [{}]\n", names(&unlock.groups.first)));
        out.push_str(&format!("  second_factors: [{}]\n", names(&unlock.groups.second)));
        if let Some(rules) = &unlock.signal_rules {
            out.push_str(&format!("  signal_rules: {}\n", rules_line(rules)));
        }
    }
    if let Some(lock) = &policy.dynamic_lock {
        out.push_str(&format!("dynamic_lock:\n  enabled: {}\n", lock.enabled));
        if !lock.rules.rules.is_empty() {
            out.push_str(&format!("  signal_rules: {}\n", rules_line(&lock.rules)));
        }
    }
    if policy.device_unlock.is_none() && policy.dynamic_lock.is_none() {
        out.push_str("# Neither multi-factor unlock nor Dynamic Lock is configured.\n{}\n");
    }
    out
}
