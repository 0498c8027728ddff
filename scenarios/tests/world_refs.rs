//! The loader's checks of references between world entities: each dangling reference is
//! reported at its own line and column, with a did-you-mean when a defined id is close.

mod common;

use rstest::rstest;
use scenarios::load_scenario;

/// The world every case starts from (lines 4 to 10), with `extra` appended from line 11:
/// either more phones or other keys of `world:`.
fn scenario(extra: &str) -> String {
    format!(
        "name: refs\nseed: 1\nduration: 1m\nworld:\n  networks:\n    corp: {{}}\n  users:\n    \
         ana: {{position: [0, 0]}}\n  phones:\n    ana-phone: {{carried_by: ana}}\n{extra}"
    )
}

/// Every error diagnostic of the scenario with `extra`, one line each:
/// `line:column code: message (hint)`.
fn check(extra: &str) -> String {
    let text = scenario(extra);
    let no_files = &mut |_: &str| Err("no files".to_string());
    let Err(diagnostics) = load_scenario("refs.yaml", &text, no_files) else {
        return "loaded".to_string();
    };
    common::error_lines(&diagnostics)
}

#[rstest]
#[case::paired_phone(
    "  pcs:\n    desk: {position: [0, 0], paired_phones: [ana-phone, ana-fone]}\n",
    "12:57 scenario::unknown-reference: no phone is named `ana-fone` (did you mean `ana-phone`?)"
)]
#[case::carried_by(
    "    bob-phone: {carried_by: anna}\n",
    "11:29 scenario::unknown-reference: no user is named `anna` (did you mean `ana`?)"
)]
#[case::pc_carried_by(
    "  pcs:\n    laptop: {carried_by: anna}\n",
    "12:26 scenario::unknown-reference: no user is named `anna` (did you mean `ana`?)"
)]
#[case::adapter_network(
    "  pcs:\n    desk:\n      position: [0, 0]\n      adapters:\n        - {name: dock, kind: \
     ethernet, network: corpp}\n",
    "15:49 scenario::unknown-reference: no network is named `corpp` (did you mean `corp`?)"
)]
#[case::access_point_network(
    "  access_points:\n    ap: {position: [0, 0], ssid: s, bssid: 12-ab-34-ff-e5-46, network: \
     guest}\n",
    "12:72 scenario::unknown-reference: no network is named `guest` (expected one of: corp)"
)]
#[case::every_reference_is_reported(
    "  pcs:\n    desk: {position: [0, 0], paired_phones: [x, y]}\n",
    "12:46 scenario::unknown-reference: no phone is named `x` (expected one of: ana-phone)\n\
     12:49 scenario::unknown-reference: no phone is named `y` (expected one of: ana-phone)"
)]
#[case::defined_references_load(
    "  pcs:\n    desk: {position: [0, 0], paired_phones: [ana-phone]}\n",
    "loaded"
)]
fn a_dangling_world_reference_is_reported_where_it_is_written(
    #[case] extra: &str,
    #[case] expected: &str,
) {
    assert_eq!(check(extra), expected);
}

#[test]
fn a_dangling_reference_renders_with_its_line_and_hint() {
    let text = scenario("  pcs:\n    desk: {position: [0, 0], paired_phones: [ana-fone]}\n");
    let no_files = &mut |_: &str| Err("no files".to_string());
    let diagnostics = load_scenario("refs.yaml", &text, no_files).expect_err("dangling phone");
    insta::assert_snapshot!(engine::diagnostic::render_all(&diagnostics), @r"
    scenario::unknown-reference

      × no phone is named `ana-fone`
        ╭─[refs.yaml:12:46]
     11 │   pcs:
     12 │     desk: {position: [0, 0], paired_phones: [ana-fone]}
        ·                                              ────────
        ╰────
      help: did you mean `ana-phone`?
    ");
}

#[test]
fn range_problems_stay_at_the_world_key() {
    let wall = "  floor_plan:\n    walls:\n      - {from: [0, 0], to: [1, 0], loss_db: 300}\n";
    assert_eq!(
        check(wall),
        "4:1 scenario::world: invalid world: wall 0: loss_db must be between 0 and 200, not 300"
    );
}

/// A policy's `signal_rules_file` is named relative to the policy file (as `unlocksim policy`
/// reads it), not to the scenario that names the policy.
#[rstest]
#[case::beside_the_policy("policies/p.yaml", &["policies/p.yaml", "policies/rules.xml"])]
#[case::policy_beside_the_scenario("p.yaml", &["p.yaml", "rules.xml"])]
fn a_policy_reads_its_rules_file_beside_itself(#[case] policy: &str, #[case] reads: &[&str]) {
    let text = scenario(&format!(
        "  pcs:\n    desk: {{position: [0, 0], paired_phones: [ana-phone]}}\nwindows:\n  desk: \
         {{user: ana, policy_file: {policy}}}\n"
    ));
    let mut asked = Vec::new();
    let read = &mut |name: &str| {
        asked.push(name.to_owned());
        if name.ends_with("rules.xml") {
            Ok(r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock"/></rule>"#
                .to_owned())
        } else {
            Ok("dynamic_lock: {enabled: true, signal_rules_file: rules.xml}".to_owned())
        }
    };
    let loaded = load_scenario("refs.yaml", &text, read);
    assert!(loaded.is_ok(), "{:?}", loaded.err().map(|d| common::error_lines(&d)));
    assert_eq!(asked, reads);
}
