//! The scenario language at its boundary: the one list of actions and expectation kinds kept
//! equal to the format's keys, every action and kind loading to its own model variant, and the
//! loader's diagnostics for the values it parses (lock reasons, reset kinds).

use engine::diagnostic::keys;
use scenarios::format::{ACTIONS, EXPECTATION_KINDS, ExpectationEntry, TimelineEntry};
use scenarios::load_scenario;
use scenarios::model::{Expectation, Scenario};
use serde::Deserialize;

/// The YAML keys of a `#[derive(Deserialize)]` struct, renames applied, sorted. (The tables
/// keep their own order: it is the order of the hints.)
fn keys_of<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
    let mut keys = keys::keys_of::<T>().to_vec();
    keys.sort_unstable();
    keys
}

fn sorted(mut names: Vec<&'static str>) -> Vec<&'static str> {
    names.sort_unstable();
    names
}

#[test]
fn the_action_table_is_the_timeline_entry_keys() {
    let mut keys = keys_of::<TimelineEntry>();
    keys.retain(|key| *key != "at");
    assert_eq!(sorted(ACTIONS.map(|(name, _)| name).to_vec()), keys);
}

#[test]
fn the_expectation_table_is_the_expectation_entry_keys() {
    let names = sorted(EXPECTATION_KINDS.map(|(name, _)| name).to_vec());
    assert_eq!(names, keys_of::<ExpectationEntry>());
}

/// A world with one of everything an action can name.
const WORLD: &str = "\
name: language
duration: 10m
world:
  networks:
    lan: {ipv4_prefix: 10.0.0.0/24, ipv4_gateway: 10.0.0.1}
  access_points:
    ap: {position: [1, 0], ssid: corp, bssid: 12-AB-34-FF-E5-46, network: lan}
  pcs:
    desk:
      position: [0, 0]
      paired_phones: [phone]
      adapters:
        - {name: ethernet, kind: ethernet, network: lan, connected: true}
  phones:
    phone: {carried_by: ana, carry: hand}
  users:
    ana: {position: [0.6, 0]}
places:
  door: [10, 0]
windows:
  desk: {user: ana, device_profile: profile.yaml}
";

/// One example of each action, by its key.
fn action_example(name: &str) -> &'static str {
    match name {
        "walk" => "walk: {user: ana, to: [door, [0, 0]]}",
        "sit" => "sit: {user: ana}",
        "stand" => "stand: {user: ana}",
        "type" => "type: {user: ana, pc: desk, for: 1m}",
        "idle" => "idle: {user: ana}",
        "present" => "present: {user: ana, pc: desk, credentials: [pin, face]}",
        "lock" => "lock: {pc: desk}",
        "phone_bluetooth" => "phone_bluetooth: {phone: phone, on: false}",
        "phone_power" => "phone_power: {phone: phone, on: false}",
        "pc_bluetooth" => "pc_bluetooth: {pc: desk, on: false}",
        "access_point" => "access_point: {access_point: ap, on: false}",
        "dock" => "dock: {pc: desk, on: true}",
        "vpn" => "vpn: {pc: desk, on: true}",
        "network_change" => "network_change: {network: lan, change: {dns_suffix: corp.example}}",
        "renew_leases" => "renew_leases: {pc: desk}",
        "carry" => "carry: {phone: phone, user: ana, carry: back_pocket}",
        "leave_phone" => "leave_phone: {phone: phone, at: door}",
        "forget_pin" => "forget_pin: {user: ana}",
        "biometric" => "biometric: {user: ana, credential: fingerprint, available: false}",
        "pin_reset" => "pin_reset: {user: ana, pc: desk, from: lock_screen}",
        "corporate_network" => "corporate_network: {pc: desk, on: false}",
        "pick_up" => "pick_up: {user: ana, pc: desk}",
        "put_down" => "put_down: {pc: desk, at: door}",
        "move_pc" => "move_pc: {pc: desk, to: [door], speed_m_per_s: 0.8}",
        other => panic!("no example for action `{other}`: add one"),
    }
}

/// One example of each expectation kind, by its key.
fn expectation_example(name: &str) -> &'static str {
    match name {
        "locked_within" => "locked_within: {pc: desk, within: 1m, reason: dynamic_lock}",
        "never_locked" => "never_locked: {pc: desk}",
        "unlock" => "unlock: {pc: desk, at: 1m, succeeds: true, factors: [pin, face]}",
        "event_logged" => "event_logged: {pc: desk, id: 3520}",
        "pin_reset" => "pin_reset: {pc: desk, at: 1m, succeeds: true, reset: destructive}",
        "lock_after_walk_away" => "lock_after_walk_away: {pc: desk, after: 1m, p95_max: 1m}",
        "false_locks_per_hour_max" => "false_locks_per_hour_max: {pc: desk, value: 0.5}",
        "false_locks_per_hour_min" => "false_locks_per_hour_min: {pc: desk, value: 0.5}",
        "events_in_order" => "events_in_order: {pc: desk, ids: [3520, 5520]}",
        "notified" => "notified: {pc: desk, contains: Bluetooth is off}",
        "presence" => "presence: {pc: desk, phone: phone, state: absent, from: 1m, to: 2m}",
        "lock_distance" => "lock_distance: {pc: desk, after: 1m, distance_m_min: 5}",
        "associated" => "associated: {pc: desk, at: 1m, ap: ap}",
        "compare_interpretations" => {
            "compare_interpretations: {pc: desk, metric: locks, left: {rssi_delta_reference: \
             single_threshold}, relation: at_least, right: {}}"
        }
        other => panic!("no example for expectation kind `{other}`: add one"),
    }
}

/// Loads `WORLD` plus `rest`; the device profile comes from the repository's own.
fn load(rest: &str) -> Result<Scenario, String> {
    let text = format!("{WORLD}{rest}");
    let profile = include_str!("../profiles/forum_story.yaml");
    load_scenario("scenarios/language.yaml", &text, &mut |name: &str| match name {
        "profile.yaml" => Ok(profile.to_string()),
        other => Err(format!("no file {other}")),
    })
    .map_err(|diagnostics| engine::diagnostic::render_all(&diagnostics))
}

/// The snake_case name of an expectation variant, from its Debug form.
fn expectation_name(expectation: &Expectation) -> String {
    let debug = format!("{expectation:?}");
    let variant = debug.split([' ', '{', '(']).next().unwrap_or_default();
    let mut name = String::new();
    for (index, c) in variant.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

#[test]
fn every_action_loads_to_its_own_variant() {
    for (name, _) in ACTIONS {
        let scenario = load(&format!("timeline:\n  - {{at: 1m, {}}}\n", action_example(name)))
            .unwrap_or_else(|rendered| panic!("action `{name}` did not load:\n{rendered}"));
        assert_eq!(scenario.timeline.len(), 1, "{name}");
        assert_eq!(scenario.timeline[0].action.name(), name);
    }
}

#[test]
fn every_expectation_kind_loads_to_its_own_variant() {
    for (name, _) in EXPECTATION_KINDS {
        let scenario = load(&format!("expect:\n  - {}\n", expectation_example(name)))
            .unwrap_or_else(|rendered| panic!("expectation `{name}` did not load:\n{rendered}"));
        assert_eq!(scenario.expectations.len(), 1, "{name}");
        assert_eq!(expectation_name(&scenario.expectations[0]), name);
    }
}

fn check(rest: &str) -> String {
    match load(rest) {
        Ok(_) => "loaded".to_string(),
        Err(rendered) => rendered,
    }
}

#[test]
fn a_misspelt_lock_reason_gets_a_did_you_mean() {
    insta::assert_snapshot!(
        check("expect:\n  - locked_within: {pc: desk, within: 1m, reason: dynamic-lock}\n"),
        @r#"
            scenario::lock-reason

              × `dynamic-lock` is not a lock reason
                ╭─[scenarios/language.yaml:23:51]
             22 │ expect:
             23 │   - locked_within: {pc: desk, within: 1m, reason: dynamic-lock}
                ·                                                   ────────────
                ╰────
              help: did you mean `dynamic_lock`?
            "#
    );
}

#[test]
fn an_unknown_lock_reason_lists_the_reasons() {
    insta::assert_snapshot!(
        check("expect:\n  - locked_within: {pc: desk, within: 1m, reason: screensaver}\n"),
        @r#"
            scenario::lock-reason

              × `screensaver` is not a lock reason
                ╭─[scenarios/language.yaml:23:51]
             22 │ expect:
             23 │   - locked_within: {pc: desk, within: 1m, reason: screensaver}
                ·                                                   ───────────
                ╰────
              help: expected one of: dynamic_lock, authentication_signal_lost, manual, inactivity
            "#
    );
}

#[test]
fn an_unknown_reset_kind_is_reported_at_its_value() {
    insta::assert_snapshot!(
        check("expect:\n  - pin_reset: {pc: desk, at: 1m, succeeds: true, reset: partial}\n"),
        @r#"
            scenario::expectation

              × `reset` is destructive or nondestructive, not `partial`
                ╭─[scenarios/language.yaml:23:58]
             22 │ expect:
             23 │   - pin_reset: {pc: desk, at: 1m, succeeds: true, reset: partial}
                ·                                                          ───────
                ╰────
            "#
    );
}

#[test]
fn two_actions_in_one_entry_list_every_action() {
    insta::assert_snapshot!(
        check("timeline:\n  - {at: 1m, sit: {user: ana}, stand: {user: ana}}\n"),
        @r#"
            scenario::timeline-entry

              × a timeline entry needs exactly one action besides `at`, found 2
                ╭─[scenarios/language.yaml:23:5]
             22 │ timeline:
             23 │   - {at: 1m, sit: {user: ana}, stand: {user: ana}}
                ·     ─
                ╰────
              help: actions: walk, sit, stand, type, idle, present, lock, phone_bluetooth, phone_power,
                    pc_bluetooth, access_point, dock, vpn, network_change, renew_leases, carry, leave_phone,
                    forget_pin, biometric, pin_reset, corporate_network, pick_up, put_down, move_pc
            "#
    );
}

/// A PC has one carrier: picking up a PC another user carries, or sending a carried PC on its
/// own path, is an error at the entry's `pc`; a put-down PC can be picked up by anyone.
#[test]
fn a_carried_pc_cannot_be_picked_up_by_another_or_move_on_its_own() {
    let bob = WORLD.replace("users:\n", "users:\n    bob: {position: [5, 0]}\n");
    let check_with_bob = |rest: &str| {
        let text = format!("{bob}{rest}");
        let profile = include_str!("../profiles/forum_story.yaml");
        match load_scenario("scenarios/language.yaml", &text, &mut |_: &str| Ok(profile.into())) {
            Ok(_) => "loaded".to_string(),
            Err(diagnostics) => engine::diagnostic::render_all(&diagnostics),
        }
    };
    insta::assert_snapshot!(
        check_with_bob(
            "timeline:\n  - {at: 1m, pick_up: {user: ana, pc: desk}}\n  \
             - {at: 2m, pick_up: {user: bob, pc: desk}}\n"
        ),
        @r#"
            scenario::pc-carried

              × user `bob` picks up PC `desk` at 2m, but `ana` carries it then
                ╭─[scenarios/language.yaml:25:39]
             24 │   - {at: 1m, pick_up: {user: ana, pc: desk}}
             25 │   - {at: 2m, pick_up: {user: bob, pc: desk}}
                ·                                       ────
                ╰────
              help: a PC has one carrier: `put_down: {pc: desk}` first
            "#
    );
    insta::assert_snapshot!(
        check_with_bob(
            "timeline:\n  - {at: 2m, move_pc: {pc: desk, to: [door]}}\n  \
             - {at: 1m, pick_up: {user: ana, pc: desk}}\n"
        ),
        @r#"
            scenario::pc-carried

              × PC `desk` cannot move on its own at 2m: `ana` carries it
                ╭─[scenarios/language.yaml:24:28]
             23 │ timeline:
             24 │   - {at: 2m, move_pc: {pc: desk, to: [door]}}
                ·                            ────
             25 │   - {at: 1m, pick_up: {user: ana, pc: desk}}
                ╰────
              help: a PC has one carrier: `put_down: {pc: desk}` first
            "#
    );
    assert_eq!(
        check_with_bob(
            "timeline:\n  - {at: 1m, pick_up: {user: ana, pc: desk}}\n  \
             - {at: 1m, pick_up: {user: ana, pc: desk}}\n  \
             - {at: 2m, put_down: {pc: desk}}\n  \
             - {at: 3m, pick_up: {user: bob, pc: desk}}\n  \
             - {at: 4m, put_down: {pc: desk}}\n  \
             - {at: 5m, move_pc: {pc: desk, to: [door]}}\n"
        ),
        "loaded"
    );
}

#[test]
fn the_new_actions_name_pcs_and_users_that_exist() {
    insta::assert_snapshot!(
        check("timeline:\n  - {at: 1m, pick_up: {user: anna, pc: laptop}}\n"),
        @r#"
            scenario::unknown-reference

              × no user is named `anna`
                ╭─[scenarios/language.yaml:23:30]
             22 │ timeline:
             23 │   - {at: 1m, pick_up: {user: anna, pc: laptop}}
                ·                              ────
                ╰────
              help: did you mean `ana`?

            scenario::unknown-reference

              × no pc is named `laptop`
                ╭─[scenarios/language.yaml:23:40]
             22 │ timeline:
             23 │   - {at: 1m, pick_up: {user: anna, pc: laptop}}
                ·                                        ──────
                ╰────
              help: expected one of: desk
            "#
    );
    insta::assert_snapshot!(
        check("timeline:\n  - {at: 1m, put_down: {pc: desk, at: kitchen}}\n"),
        @r#"
            scenario::unknown-reference

              × no place is named `kitchen`
                ╭─[scenarios/language.yaml:23:39]
             22 │ timeline:
             23 │   - {at: 1m, put_down: {pc: desk, at: kitchen}}
                ·                                       ───────
                ╰────
              help: expected one of: door
            "#
    );
}

/// The new expectation kinds: each mistake is an error at its place, saying what was wrong.
#[rstest::rstest]
#[case::lock_distance_without_bounds(
    "lock_distance: {pc: desk}",
    "lock_distance needs `distance_m_min`, `distance_m_max` or both"
)]
#[case::lock_distance_negative("lock_distance: {pc: desk, distance_m_min: -1}", "not -1")]
#[case::lock_distance_reversed(
    "lock_distance: {pc: desk, distance_m_min: 5, distance_m_max: 2}",
    "`distance_m_min` (5) is above `distance_m_max` (2)"
)]
#[case::associated_with_both(
    "associated: {pc: desk, at: 1m, ap: ap, bssid: 12-ab-34-ff-e5-46}",
    "associated needs exactly one of `ap` and `bssid`"
)]
#[case::associated_with_an_unknown_ap(
    "associated: {pc: desk, at: 1m, ap: aq}",
    "did you mean `ap`?"
)]
#[case::an_unknown_metric(
    "compare_interpretations: {pc: desk, metric: lock, left: {}, relation: equal, \
     right: {authentication_lock: on}}",
    "`lock` is not a metric (locks, unlocks, denials)"
)]
#[case::an_unknown_relation(
    "compare_interpretations: {pc: desk, metric: locks, left: {}, relation: at_lest, \
     right: {authentication_lock: on}}",
    "did you mean `at_least`?"
)]
#[case::an_unknown_interpretation(
    "compare_interpretations: {pc: desk, metric: locks, left: {rssi_delta: peak_rssi}, \
     relation: equal, right: {}}",
    "unknown interpretation `rssi_delta`"
)]
#[case::the_same_on_both_sides(
    "compare_interpretations: {pc: desk, metric: locks, left: {authentication_lock: on}, \
     relation: equal, right: {authentication_lock: on}}",
    "`left` and `right` set the same interpretations"
)]
fn a_new_expectation_kind_reports_its_mistakes(#[case] expectation: &str, #[case] said: &str) {
    let shown = check(&format!("expect:\n  - {expectation}\n"));
    assert!(shown.contains(said), "{said:?} in {shown}");
    assert!(shown.contains("scenarios/language.yaml:23:"), "{shown}");
}

/// An interval whose `from` comes after its `to` could never fail: it is an error at its PC.
#[rstest::rstest]
#[case::reversed("{pc: desk, from: 5m, to: 1m}", true)]
#[case::one_instant("{pc: desk, from: 1m, to: 1m}", false)]
#[case::ordered("{pc: desk, from: 1m, to: 5m}", false)]
fn a_never_locked_interval_runs_forward(#[case] interval: &str, #[case] error: bool) {
    let shown = check(&format!("expect:\n  - never_locked: {interval}\n"));
    assert_eq!(shown.contains("scenario::empty-interval"), error, "{shown}");
    if error {
        assert!(shown.contains("`from` (5m) is after `to` (1m)"), "{shown}");
        assert!(shown.contains("scenarios/language.yaml:23:"), "{shown}");
    } else {
        assert_eq!(shown, "loaded");
    }
}
