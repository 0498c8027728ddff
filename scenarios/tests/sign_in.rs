//! Sign-in outside Windows Hello in a scenario (design 3.5b, seeds 000 and 003): the policy's
//! `sign_in` settings and the `dont_display_last_user_name` interpretation in, what the user's
//! attempts at a locked PC give out.

use engine::policy::Interpretations;
use engine::policy::interpretation::DontDisplayLastUserName;
use rstest::rstest;
use scenarios::{RunOptions, load_scenario, run_scenario};

/// The policy file: PIN and fingerprint in both groups, and the `sign_in` settings.
fn policy(sign_in: &str) -> String {
    format!(
        "device_unlock:\n  first_factors: [pin, fingerprint]\n  second_factors: [fingerprint, pin]\n\
         sign_in: {sign_in}\n"
    )
}

/// Ana locks her PC, then presents `credentials` (Hello first, then the sign-ins in order).
fn scenario(credentials: &str) -> String {
    format!(
        "name: sign-in\nseed: 1\nruns: 1\nduration: 1m\n\
         world:\n  pcs:\n    desk: {{position: [0, 0]}}\n  users:\n    ana: {{position: [0.6, 0]}}\n\
         windows:\n  desk:\n    user: ana\n    policy_file: policy.yaml\n\
         timeline:\n  - {{at: 1s, lock: {{pc: desk}}}}\n  \
         - {{at: 10s, present: {{user: ana, pc: desk, credentials: {credentials}}}}}\n\
         expect:\n  - unlock: {{pc: desk, at: 10s, succeeds: true}}\n"
    )
}

#[rstest]
// A Windows nobody hardened: the password signs Ana in.
#[case::password_enabled("{}", "[password]", DontDisplayLastUserName::NoEffect, "pass")]
// Seed 003: the fall back "could be disabled as needed".
#[case::password_disabled(
    "{password: false}",
    "[password]",
    DontDisplayLastUserName::NoEffect,
    "password sign-in denied: the password credential provider is disabled by policy"
)]
#[case::smart_card_not_held(
    "{}",
    "[smart_card]",
    DontDisplayLastUserName::NoEffect,
    "smart_card sign-in denied: the smart_card was not accepted"
)]
// The option on, default interpretation: nothing changes, Hello unlocks.
#[case::option_no_effect(
    "{dont_display_last_user_name: true}",
    "[fingerprint, pin]",
    DontDisplayLastUserName::NoEffect,
    "pass"
)]
// The option on, `blocks_multi_factor`: Hello is denied with 7520 ...
#[case::option_blocks_hello(
    "{dont_display_last_user_name: true}",
    "[fingerprint, pin]",
    DontDisplayLastUserName::BlocksMultiFactor,
    "denied (event 7520)"
)]
// ... and the password, still enabled, gets her in.
#[case::option_blocks_hello_password_saves(
    "{dont_display_last_user_name: true}",
    "[fingerprint, pin, password]",
    DontDisplayLastUserName::BlocksMultiFactor,
    "pass"
)]
// The option off: the interpretation has nothing to act on.
#[case::option_off_blocks_nothing(
    "{}",
    "[fingerprint, pin]",
    DontDisplayLastUserName::BlocksMultiFactor,
    "pass"
)]
fn sign_in_at_a_locked_pc(
    #[case] sign_in: &str,
    #[case] credentials: &str,
    #[case] dont_display_last_user_name: DontDisplayLastUserName,
    #[case] expected: &str,
) {
    let text = scenario(credentials);
    let scenario = load_scenario("sign-in.yaml", &text, &mut |_: &str| Ok(policy(sign_in)))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let interpretations = Interpretations { dont_display_last_user_name, ..Default::default() };
    let outcome = run_scenario(&scenario, RunOptions::default(), &interpretations, None)
        .expect("the run completes");
    let verdict = &outcome.expectations[0];
    let detail = verdict.detail.trim_start_matches("seed 1: ");
    let got = if verdict.passed { "pass" } else { detail };
    assert!(got.starts_with(expected), "{got}");
}
