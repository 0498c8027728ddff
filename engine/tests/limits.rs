//! Every bound the engine's loaders enforce (the `## Limits` table of ARCHITECTURE.md), each
//! tried at the bound (accepted) and one past it (rejected with its diagnostic code).

use engine::diagnostic::yaml::{
    YAML_ALIAS_REPLAYED_EVENTS_MAX, YAML_ALIASES_MAX, YAML_BYTES_MAX, YAML_DEPTH_MAX,
    YAML_EVENTS_MAX, from_yaml,
};
use engine::diagnostic::{Diagnostic, SourceFile};
use engine::policy::document::GROUP_PROVIDERS_MAX;
use engine::policy::forms::{FORM_VALUE_BYTES_MAX, FORM_VALUES_MAX, read_form};
use engine::policy::parse::{
    RULE_NESTING_DEPTH_MAX, RULES_BYTES_MAX, RULES_PER_LIST_MAX, SIGNAL_ELEMENTS_MAX,
    XML_TOKENS_MAX,
};
use engine::policy::rules::SignalScenario;
use engine::policy::{load_policy, parse_rules};
use engine::recovery::analysis::FAILURES_MAX;
use engine::recovery::profile::{LIST_ENTRIES_MAX, NAME_CHARS_MAX, PROFILE_BYTES_MAX};
use engine::recovery::{
    LockoutPolicy, SignalKind, SignalRules, failure_universe, load_device_profile,
};
use engine::time::{DURATION_TEXT_BYTES_MAX, DURATION_US_MAX, SimDuration};

/// One bound: `limit`, and a probe that builds an input of size `n` and returns the codes of
/// its error diagnostics (empty when accepted).
struct Bound {
    name: &'static str,
    limit: usize,
    /// The diagnostic code (or error text) expected one past the limit.
    past_code: &'static str,
    probe: fn(usize) -> Vec<String>,
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.clone()).collect()
}

const DNS_RULE: &str =
    r#"<rule schemaVersion="1.0"><signal type="ipConfig"><dnsSuffix>a</dnsSuffix></signal></rule>"#;

fn rules(text: &str) -> Vec<String> {
    codes(&parse_rules(&SourceFile::new("rules.xml", text), SignalScenario::Authentication).1)
}

/// A valid rule padded with trailing spaces to exactly `n` bytes.
fn rule_bytes(n: usize) -> Vec<String> {
    rules(&format!("{DNS_RULE}{}", " ".repeat(n - DNS_RULE.len())))
}

/// `n` levels of element nesting: `rule` > `signal` > `dnsSuffix` is 3, then `and`s... The
/// parser counts depth before it judges structure, so only the depth code is compared.
fn rule_depth(n: usize) -> Vec<String> {
    let text = format!("{}{}", "<rule>".repeat(n), "</rule>".repeat(n));
    rules(&text).into_iter().filter(|c| c == "xml::too-deep").collect()
}

/// Exactly `n` XML tokens: `a<b/>` is a text run and a tag in five bytes, so the token bound is
/// reached well within the byte bound. Only the token code is compared (the tags are nonsense).
fn xml_tokens(n: usize) -> Vec<String> {
    let text = format!("{}{}", "a<b/>".repeat(n / 2), "<b/>".repeat(n % 2));
    assert!(text.len() <= RULES_BYTES_MAX, "the probe stays within the byte bound");
    rules(&text).into_iter().filter(|c| c == "xml::too-many-tokens").collect()
}

fn rule_count(n: usize) -> Vec<String> {
    rules(&vec![DNS_RULE; n].join(","))
}

fn signal_elements(n: usize) -> Vec<String> {
    let elements = "<dnsSuffix>a</dnsSuffix>".repeat(n);
    rules(&format!(
        r#"<rule schemaVersion="1.0"><signal type="ipConfig">{elements}</signal></rule>"#
    ))
}

/// A script of `n` `reg add` lines, each turning Dynamic Lock off.
fn form_values(n: usize) -> Vec<String> {
    let line = r#"reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock" /v DynamicLock /t REG_DWORD /d 0 /f"#;
    codes(&read_form(&SourceFile::new("many.cmd", format!("{line}\n").repeat(n))).1)
}

/// A `.reg` file whose Dynamic Lock rule is exactly `n` bytes (a valid rule, space-padded).
fn form_value_bytes(n: usize) -> Vec<String> {
    let rule =
        r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock"/></rule>"#;
    let value = format!("{rule}{}", " ".repeat(n - rule.len())).replace('"', "\\\"");
    let text = format!(
        "REGEDIT4\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\DynamicLock]\n\
        \"DynamicLock\"=dword:00000001\n\"Plugins\"=\"{value}\"\n"
    );
    codes(&read_form(&SourceFile::new("big.reg", text)).1)
}

fn yaml(text: String) -> Vec<String> {
    match from_yaml::<serde_json::Value>(&SourceFile::new("a.yaml", text)) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => {
            diagnostics.iter().map(|d| format!("{}: {}", d.code, d.message)).collect()
        }
    }
}

/// `n` nested flow sequences.
fn yaml_depth(n: usize) -> Vec<String> {
    yaml(format!("{}{}", "[".repeat(n), "]".repeat(n)))
}

/// `n` aliases over `n / 10 + 1` anchors (within the parser's alias-to-anchor ratio of 10).
fn yaml_aliases(n: usize) -> Vec<String> {
    let anchors = n / 10 + 1;
    let defined: String = (0..anchors).map(|i| format!("a{i}: &x{i} 1\n")).collect();
    let aliases: Vec<String> = (0..n).map(|i| format!("*x{}", i % anchors)).collect();
    yaml(format!("{defined}b: [{}]\n", aliases.join(", ")))
}

/// An anchor of a sequence of `n - 2` scalars (n events with its start and end), replayed once.
fn yaml_replayed_events(n: usize) -> Vec<String> {
    yaml(format!("a: &x [{}]\nb: *x\n", vec!["1"; n - 2].join(",")))
}

/// A flow sequence of `n - 6` scalars: with stream, document and sequence start and end,
/// `n` parser events.
fn yaml_events(n: usize) -> Vec<String> {
    yaml(format!("[{}]", vec!["1"; n - 6].join(",")))
}

/// A YAML comment padded to exactly `n` bytes.
fn yaml_bytes(n: usize) -> Vec<String> {
    yaml(format!("#{}", " ".repeat(n - 1)))
}

fn group_providers(n: usize) -> Vec<String> {
    let providers = vec!["pin"; n].join(", ");
    let text = format!(
        "device_unlock:\n  first_factors: [{providers}]\n  second_factors: [fingerprint]\n"
    );
    let source = SourceFile::new("policy.yaml", text);
    codes(&load_policy(&source, &mut |_: &str| Err("no files".to_string())).1)
        .into_iter()
        .filter(|c| c == "policy::group-too-long")
        .collect()
}

const PROFILE: &str =
    "join: entra_joined\ntrust: cloud_kerberos\nidentity_provider: {kind: entra}\ncloud: public\n";

fn profile(text: String) -> Vec<String> {
    match load_device_profile(&SourceFile::new("device.yaml", text)) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => codes(&diagnostics),
    }
}

/// A profile padded with a comment to exactly `n` bytes.
fn profile_bytes(n: usize) -> Vec<String> {
    profile(format!("{PROFILE}#{}", " ".repeat(n - PROFILE.len() - 1)))
}

fn profile_list(n: usize) -> Vec<String> {
    let phones: String = (0..n).map(|i| format!("  - name: phone-{i}\n")).collect();
    profile(format!("{PROFILE}phones:\n{phones}"))
}

fn profile_name(n: usize) -> Vec<String> {
    profile(format!("{PROFILE}phones:\n  - name: {}\n", "a".repeat(n)))
}

fn duration(text: &str) -> Vec<String> {
    SimDuration::parse(text).err().map(|e| e.to_string()).into_iter().collect()
}

/// A duration of `n` seconds.
fn duration_value_s(n: usize) -> Vec<String> {
    duration(&format!("{n}s"))
}

/// `0s` written with leading zeros to `n` bytes.
fn duration_text(n: usize) -> Vec<String> {
    duration(&format!("{}s", "0".repeat(n - 1)))
}

const BOUNDS: &[Bound] = &[
    Bound {
        name: "values read from one form",
        limit: FORM_VALUES_MAX,
        past_code: "forms::too-many-values",
        probe: form_values,
    },
    Bound {
        name: "bytes of one form value",
        limit: FORM_VALUE_BYTES_MAX,
        past_code: "forms::value-too-long",
        probe: form_value_bytes,
    },
    Bound {
        name: "rule text bytes",
        limit: RULES_BYTES_MAX,
        past_code: "xml::too-large",
        probe: rule_bytes,
    },
    Bound {
        name: "rule element depth",
        limit: RULE_NESTING_DEPTH_MAX,
        past_code: "xml::too-deep",
        probe: rule_depth,
    },
    Bound {
        name: "XML tokens",
        limit: XML_TOKENS_MAX,
        past_code: "xml::too-many-tokens",
        probe: xml_tokens,
    },
    Bound {
        name: "rules per list",
        limit: RULES_PER_LIST_MAX,
        past_code: "rules::too-many",
        probe: rule_count,
    },
    Bound {
        name: "elements per signal",
        limit: SIGNAL_ELEMENTS_MAX,
        past_code: "rules::too-many-elements",
        probe: signal_elements,
    },
    Bound {
        name: "YAML depth",
        limit: YAML_DEPTH_MAX,
        past_code: "recursion limit exceeded",
        probe: yaml_depth,
    },
    Bound {
        name: "YAML aliases",
        limit: YAML_ALIASES_MAX,
        past_code: "budget breached",
        probe: yaml_aliases,
    },
    Bound {
        name: "YAML alias-replayed events",
        limit: YAML_ALIAS_REPLAYED_EVENTS_MAX,
        past_code: "",
        probe: yaml_replayed_events,
    },
    Bound {
        name: "YAML events",
        limit: YAML_EVENTS_MAX,
        past_code: "budget breached",
        probe: yaml_events,
    },
    Bound {
        name: "YAML bytes",
        limit: YAML_BYTES_MAX,
        past_code: "yaml::too-large",
        probe: yaml_bytes,
    },
    Bound {
        name: "providers per factor group",
        limit: GROUP_PROVIDERS_MAX,
        past_code: "policy::group-too-long",
        probe: group_providers,
    },
    Bound {
        name: "device profile bytes",
        limit: PROFILE_BYTES_MAX,
        past_code: "profile::too-large",
        probe: profile_bytes,
    },
    Bound {
        name: "device profile list entries",
        limit: LIST_ENTRIES_MAX,
        past_code: "profile::too-many",
        probe: profile_list,
    },
    Bound {
        name: "device profile name characters",
        limit: NAME_CHARS_MAX,
        past_code: "profile::bad-string",
        probe: profile_name,
    },
    Bound {
        name: "duration seconds",
        limit: (DURATION_US_MAX / 1_000_000) as usize,
        past_code: "exceeds the maximum",
        probe: duration_value_s,
    },
    Bound {
        name: "duration text bytes",
        limit: DURATION_TEXT_BYTES_MAX,
        past_code: "longer than",
        probe: duration_text,
    },
    Bound {
        name: "events per run (RunLimits, tried with a bound of 1,000)",
        limit: 1_000,
        past_code: "exceeded its bound of 1000 events",
        probe: events_per_run,
    },
    Bound {
        name: "pending events (RunLimits, tried with a bound of 100)",
        limit: 100,
        past_code: "more than 100 events were pending",
        probe: pending_events,
    },
];

#[test]
fn every_bound_accepts_its_limit_and_rejects_one_more() {
    let mut problems = Vec::new();
    for bound in BOUNDS {
        let at = (bound.probe)(bound.limit);
        if !at.is_empty() {
            problems.push(format!("{}: rejected at the limit {}: {at:?}", bound.name, bound.limit));
        }
        let past = (bound.probe)(bound.limit + 1);
        if !past.iter().any(|code| code.contains(bound.past_code)) {
            problems.push(format!(
                "{}: {} (one past the limit) gave {past:?}, expected {}",
                bound.name,
                bound.limit + 1,
                bound.past_code
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A model whose first event schedules `fan_out` events at once, each of which schedules one
/// more until `chain` events have been handled in all.
struct Burst {
    fan_out: usize,
    chain: u64,
    handled: u64,
}

impl engine::sim::Model for Burst {
    type Event = ();
    fn handle(&mut self, (): (), context: &mut engine::sim::Context<'_, ()>) {
        self.handled += 1;
        if self.handled == 1 {
            for _ in 0..self.fan_out {
                context.schedule_in(SimDuration::from_s(1), ());
            }
        } else if self.handled + (self.fan_out as u64) <= self.chain {
            context.schedule_in(SimDuration::from_s(1), ());
        }
    }
}

/// Runs a [`Burst`] under `limits`; the bound it exceeded, if any.
fn burst(fan_out: usize, chain: u64, limits: engine::sim::RunLimits) -> Vec<String> {
    let model = Burst { fan_out, chain, handled: 0 };
    let mut simulation = engine::sim::Simulation::new(model, limits);
    simulation.schedule_at(engine::time::SimTime::ZERO, ());
    let stop = engine::sim::StopCondition::default();
    match simulation.run(stop, &mut engine::trace::Trace::new()) {
        Ok(_) => Vec::new(),
        Err(error) => vec![error.kind.to_string()],
    }
}

/// Events per run, with a bound of 1,000 (the default, `RunLimits::DEFAULT`, is 100 M).
fn events_per_run(n: usize) -> Vec<String> {
    burst(1, n as u64, engine::sim::RunLimits { events_max: 1_000, pending_events_max: 16 })
}

/// Pending events, with a bound of 100 (the default is 2^20).
fn pending_events(n: usize) -> Vec<String> {
    burst(
        n,
        n as u64 + 1,
        engine::sim::RunLimits { events_max: 1_000_000, pending_events_max: 100 },
    )
}

/// The lock-out analysis bounds its failures by [`FAILURES_MAX`]; the profile's list bounds imply
/// it. The largest profile (every list at its bound, every failure kind applicable) stays within.
#[test]
fn the_largest_profile_has_at_most_failures_max_failures() {
    let phones: String = (0..LIST_ENTRIES_MAX).map(|i| format!("  - name: phone-{i}\n")).collect();
    let keys: String = (0..LIST_ENTRIES_MAX).map(|i| format!("  - name: key-{i}\n")).collect();
    let text = format!(
        "{PROFILE}biometrics: [fingerprint, facial_recognition]\n\
         network: {{corporate: true, corporate_wifi: true}}\nphones:\n{phones}security_keys:\n{keys}"
    );
    let largest = load_device_profile(&SourceFile::new("device.yaml", text)).expect("valid");
    let policy = LockoutPolicy {
        groups: engine::policy::FactorGroups::default(),
        signal_rules: SignalRules { rules: vec![[SignalKind::Wifi].into_iter().collect()] },
        sign_in: engine::policy::SignInPolicy::default(),
    };
    let failures = failure_universe(&largest, &policy);
    // PIN, 2 biometrics, 64 phones, off the network, Wi-Fi changed, 64 security keys.
    assert_eq!(failures.len(), 1 + 2 + LIST_ENTRIES_MAX + 2 + LIST_ENTRIES_MAX);
    assert!(failures.len() <= FAILURES_MAX);
}
