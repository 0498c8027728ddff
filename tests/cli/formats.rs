//! The file formats' reference pages (`docs/formats/`) against the loaders: every key a loader
//! accepts has a row under its struct's heading, and no row names a key the loader refuses.
//! The keys come from the serde structs themselves (`engine::diagnostic::keys`), and every
//! `Deserialize` struct of a format's source files must be listed here, so a new struct or key
//! fails until its page says what it means. Each format's commented example under `examples/`
//! then runs through the binary, and its outcome is checked.

use std::collections::BTreeSet;

use engine::diagnostic::keys::{documented_keys, keys_of};

/// One struct of a format: its name in the source, the heading of its table, its keys.
struct Documented {
    name: &'static str,
    heading: &'static str,
    keys: Vec<&'static str>,
}

macro_rules! documented {
    ($heading:literal, $type:ty) => {
        Documented {
            name: stringify!($type).rsplit("::").next().unwrap_or_default(),
            heading: $heading,
            keys: keys_of::<$type>().to_vec(),
        }
    };
}

/// The names of the `pub struct`s with a derived `Deserialize` in `file` (from the repository
/// root): what a format's list below must cover.
fn deserialized_structs(file: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(crate::util::repo_root().join(file)).expect(file);
    let mut names = BTreeSet::new();
    let mut derives = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("#[derive(") {
            derives = line.contains("Deserialize");
        } else if let Some(rest) = line.strip_prefix("pub struct ") {
            if derives {
                names.extend(rest.split([' ', '{', '<', '(']).next().map(str::to_owned));
            }
            derives = false;
        } else if !(line.starts_with("#[")
            || line.starts_with("///")
            || line.starts_with("pub enum"))
        {
            derives &= !line.starts_with("pub ");
        }
    }
    names
}

/// Every problem of `page` against `structs`, and of `structs` against `sources` (each struct
/// of the sources listed, or left out with a reason in `not_in_the_format`).
fn problems(
    page: &str,
    structs: &[Documented],
    sources: &[&str],
    not_in_the_format: &[&str],
) -> Vec<String> {
    let text = std::fs::read_to_string(crate::util::repo_root().join(page)).expect(page);
    let mut problems = Vec::new();
    for documented in structs {
        let Some(rows) = documented_keys(&text, documented.heading) else {
            problems.push(format!(
                "{page}: no heading `{}` for {}",
                documented.heading, documented.name
            ));
            continue;
        };
        let rows: BTreeSet<&str> = rows.into_iter().collect();
        let keys: BTreeSet<&str> = documented.keys.iter().copied().collect();
        for key in keys.difference(&rows) {
            problems.push(format!(
                "{page}: `{key}` of {} has no row under `{}`",
                documented.name, documented.heading
            ));
        }
        for row in rows.difference(&keys) {
            problems.push(format!(
                "{page}: `{row}` under `{}` is not a key of {}",
                documented.heading, documented.name
            ));
        }
    }
    let listed: BTreeSet<&str> =
        structs.iter().map(|d| d.name).chain(not_in_the_format.iter().copied()).collect();
    for source in sources {
        for name in deserialized_structs(source) {
            if !listed.contains(name.as_str()) {
                problems.push(format!(
                    "{source}: struct {name} is read from YAML but not in {page}'s list"
                ));
            }
        }
    }
    problems
}

#[test]
fn the_scenario_page_has_every_key_of_the_scenario_loader() {
    use scenarios::format as f;
    use sim_devices::{bluetooth, geometry, network, propagation, user, wifi, world};
    let structs = [
        documented!("Top level", f::ScenarioDocument),
        documented!("`interpretations`", engine::policy::Interpretations),
        Documented {
            name: "Calibration",
            heading: "`calibration`",
            keys: scenarios::calibration::CALIBRATION_KEY_NAMES.to_vec(),
        },
        documented!("`world`", world::WorldConfig),
        documented!("`world.floor_plan`", geometry::FloorPlan),
        documented!("`world.floor_plan.walls[]`", geometry::Wall),
        documented!("`world.environment`", propagation::EnvironmentConfig),
        documented!("`world.carry_losses`", propagation::CarryLosses),
        documented!("`world.networks.ID`", network::NetworkConfig),
        documented!("`world.access_points.ID`", wifi::AccessPointConfig),
        documented!("`world.pcs.ID`", world::PcConfig),
        documented!("`world.pcs.ID.wifi`", wifi::WifiClientConfig),
        documented!("`world.pcs.ID.wifi.profiles[]`", wifi::WifiProfile),
        documented!("`world.pcs.ID.adapters[]`", world::AdapterConfig),
        documented!("`world.phones.ID`", world::PhoneConfig),
        documented!("`world.phones.ID.radio`", bluetooth::BluetoothRadioConfig),
        documented!("A custom `carry`", propagation::CustomCarry),
        documented!("`world.users.ID`", world::UserConfig),
        documented!("`world.users.ID.credentials`", user::CredentialConfig),
        documented!("`windows.PC`", f::WindowsConfig),
        documented!("`timeline[]`", f::TimelineEntry),
        documented!("`walk`", f::WalkAction),
        documented!("`sit`, `stand`, `idle`", f::UserRef),
        documented!("`type`", f::TypeAction),
        documented!("`present`", f::PresentAction),
        documented!("`lock`, `renew_leases`", f::PcRef),
        documented!("`phone_bluetooth`, `phone_power`", f::PhoneToggle),
        documented!("`pc_bluetooth`, `dock`, `vpn`, `corporate_network`", f::PcToggle),
        documented!("`access_point`", f::AccessPointToggle),
        documented!("`network_change`", f::NetworkChangeAction),
        documented!("`network_change.change`", network::NetworkChange),
        documented!("`carry`", f::CarryAction),
        documented!("`leave_phone`", f::LeavePhoneAction),
        documented!("`forget_pin`", f::ForgetPinAction),
        documented!("`biometric`", f::BiometricAction),
        documented!("`pin_reset` (action)", f::PinResetAction),
        documented!("`pick_up`", f::PickUpAction),
        documented!("`put_down`", f::PutDownAction),
        documented!("`move_pc`", f::MovePcAction),
        documented!("`expect[]`", f::ExpectationEntry),
        documented!("`locked_within`", f::LockedWithin),
        documented!("`never_locked`", f::NeverLocked),
        documented!("`unlock`", f::UnlockExpectation),
        documented!("`events_in_order`", f::EventsInOrder),
        documented!("`notified`", f::Notified),
        documented!("`presence`", f::PresenceExpectation),
        documented!("`event_logged`", f::EventLogged),
        documented!("`pin_reset` (expectation)", f::PinResetExpectation),
        documented!("`lock_after_walk_away`", f::LockAfterWalkAway),
        documented!("`false_locks_per_hour_max`, `false_locks_per_hour_min`", f::FalseLocks),
        documented!("`lock_distance`", f::LockDistance),
        documented!("`associated`", f::Associated),
        documented!("`compare_interpretations`", f::CompareInterpretations),
    ];
    let sources = [
        "scenarios/src/format.rs",
        "sim-devices/src/world/config.rs",
        "sim-devices/src/geometry.rs",
        "sim-devices/src/propagation.rs",
        "sim-devices/src/network.rs",
        "sim-devices/src/wifi.rs",
        "sim-devices/src/bluetooth.rs",
        "sim-devices/src/user.rs",
    ];
    let problems = problems("docs/formats/scenario.md", &structs, &sources, &[]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_policy_page_has_every_key_and_every_rule_element() {
    use engine::policy::document as d;
    use engine::policy::parse;
    let list =
        |name, heading, keys: &[&'static str]| Documented { name, heading, keys: keys.to_vec() };
    let structs = [
        documented!("Top level", d::PolicyDocument),
        documented!("`device_unlock`", d::DeviceUnlockDocument),
        documented!("`dynamic_lock`", d::DynamicLockDocument),
        documented!("`sign_in`", d::SignInDocument),
        list("rule elements", "Rule elements", &["rule", "signal", "and"]),
        list("SIGNAL_TYPES", "Signal types", &parse::SIGNAL_TYPES),
        list("BLUETOOTH_ATTRIBUTES", "`bluetooth` signal", &parse::BLUETOOTH_ATTRIBUTES),
        list("IPCONFIG_ELEMENTS", "`ipConfig` signal", &parse::IPCONFIG_ELEMENTS),
        list("WIFI_ELEMENTS", "`wifi` signal", &parse::WIFI_ELEMENTS),
    ];
    let sources = ["engine/src/policy/document.rs"];
    let problems = problems("docs/formats/policy.md", &structs, &sources, &[]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_snapshot_page_has_every_key_of_the_snapshot_loader() {
    use engine::snapshot as s;
    let structs = [
        documented!("Top level", s::SignalSnapshot),
        documented!("`bluetooth[]`", s::BluetoothObservation),
        documented!("`wifi`", s::WifiObservation),
        documented!("`adapters[]`", s::AdapterObservation),
    ];
    let problems = problems("docs/formats/snapshot.md", &structs, &["engine/src/snapshot.rs"], &[]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_device_profile_page_has_every_key_of_the_profile_loader() {
    use engine::recovery::profile as p;
    let structs = [
        documented!("Top level", p::DeviceProfile),
        documented!("`identity_provider`", p::IdentityProvider),
        documented!("`pin_reset`", p::PinResetConfig),
        documented!("`phones[]`, `security_keys[]`", p::NamedItem),
        documented!("`network`", p::NetworkReach),
        documented!("`user`", p::UserProfile),
    ];
    let source = ["engine/src/recovery/profile.rs"];
    let problems = problems("docs/formats/device-profile.md", &structs, &source, &[]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each format's commented example through the binary: (arguments, exit code, text the
/// output must contain). The outcome is checked, not only the exit code.
#[rstest::rstest]
#[case::scenario(
    &["run", "examples/scenario/walk-away.yaml"],
    0,
    "PASS Walk away to the kitchen and come back (examples/scenario/walk-away.yaml) runs=10"
)]
#[case::scenario_verdicts(&["run", "examples/scenario/walk-away.yaml"], 0, "1 passed, 0 failed")]
#[case::policy_check(
    &["policy", "check", "examples/policy/office.yaml"],
    0,
    "examples/policy/office.yaml: 0 error(s), 2 warning(s)"
)]
#[case::policy_fmt(
    &["policy", "fmt", "examples/policy/office.yaml"],
    0,
    "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\"><signal \
     type=\"bluetooth\" scenario=\"Dynamic Lock\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>'"
)]
#[case::rules_check(
    &["policy", "check", "examples/policy/office-lan.xml"],
    0,
    "examples/policy/office-lan.xml: 0 error(s), 2 warning(s)"
)]
#[case::rules_and_snapshot(
    &["policy", "eval", "examples/policy/office-lan.xml", "--snapshot", "examples/snapshot/office.yaml"],
    0,
    "result: true\nrule 1 (signal): true"
)]
#[case::snapshot_phone_too_weak(
    &["policy", "eval", "examples/policy/office-lan.xml", "--snapshot", "examples/snapshot/office.yaml"],
    0,
    "FAIL rssiMin: required >= -5, observed -7"
)]
#[case::device_profile(
    &["analyze", "lockout", "scenarios/policies/mfu_bluetooth.yaml", "--device", "examples/device/profile.yaml"],
    0,
    "5 cases: 5 unlock, 0 recover, 0 sign in, 0 locked out"
)]
fn each_example_runs_to_its_outcome(
    #[case] args: &[&str],
    #[case] code: i32,
    #[case] expected: &str,
) {
    let (exit, stdout, stderr) = crate::util::run_text(args);
    let output = format!("{stdout}{stderr}");
    assert_eq!(exit, Some(code), "{output}");
    assert!(output.contains(expected), "`{expected}` not in:\n{output}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The example scenario loads without a warning, as the bundled suite does.
#[test]
fn the_example_scenario_loads_without_a_warning() {
    let (exit, _, stderr) = crate::util::run_text(&["run", "examples/scenario/walk-away.yaml"]);
    assert_eq!((exit, stderr.as_str()), (Some(0), ""));
}

/// Every reference page links its example, and every example names its reference page in its
/// opening comment.
#[rstest::rstest]
#[case("scenario.md", "examples/scenario/walk-away.yaml")]
#[case("policy.md", "examples/policy/office.yaml")]
#[case("policy.md", "examples/policy/office-lan.xml")]
#[case("snapshot.md", "examples/snapshot/office.yaml")]
#[case("device-profile.md", "examples/device/profile.yaml")]
#[case("sweep-study.md", "examples/sweep/study.yaml")]
fn pages_and_examples_name_each_other(#[case] page: &str, #[case] example: &str) {
    let root = crate::util::repo_root();
    let page_text = std::fs::read_to_string(root.join("docs/formats").join(page)).expect(page);
    assert!(page_text.contains(&format!("(../../{example})")), "{page} does not link {example}");
    let example_text = std::fs::read_to_string(root.join(example)).expect(example);
    let opening: String = example_text.lines().take(3).collect::<Vec<_>>().join("\n");
    assert!(opening.contains(&format!("docs/formats/{page}")), "{example} does not name {page}");
}

/// Every `unlocksim` command in the pages' `sh` blocks runs as written from the repository
/// root and ends with a verdict (exit 0 or 1), never a usage error, bad input or a panic.
#[test]
fn every_command_of_the_format_pages_runs_as_written() {
    let root = crate::util::repo_root();
    let mut commands = Vec::new();
    for page in ["scenario", "policy", "snapshot", "device-profile", "sweep-study"] {
        let text = std::fs::read_to_string(root.join(format!("docs/formats/{page}.md")))
            .expect("the page");
        for block in text.split("```sh").skip(1) {
            let block = block.split("```").next().unwrap_or_default();
            let lines = block.lines().map(|line| line.split("  #").next().unwrap_or_default());
            commands.extend(lines.filter(|l| l.starts_with("unlocksim ")).map(str::to_owned));
        }
    }
    assert!(commands.len() >= 6, "the pages have their commands: {commands:?}");
    for command in &commands {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let (exit, _, stderr) = crate::util::run_text(&args);
        assert!(matches!(exit, Some(0 | 1)) && !stderr.contains("panicked"), "{command}: {stderr}");
    }
}
