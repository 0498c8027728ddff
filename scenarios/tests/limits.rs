//! Every bound the scenario loader enforces (the `## Limits` table of ARCHITECTURE.md), each
//! tried at the bound (accepted) and one past it (rejected with its diagnostic code).

use scenarios::format::ORDERED_EVENTS_MAX;
use scenarios::load_scenario;
use scenarios::model::{
    EXPECTATIONS_MAX, SCENARIO_DURATION_MAX, SCENARIO_ENTITIES_MAX, SCENARIO_RUNS_MAX,
    TIMELINE_ENTRIES_MAX,
};
use sim_devices::geometry::{COORDINATE_M_MAX, FLOOR_HEIGHT_M_MAX};
use sim_devices::mobility::{SPEED_M_PER_S_MAX, WAYPOINTS_MAX};
use sim_devices::wifi::ROAM_MARGIN_DB_MAX;
use sim_devices::world::{WALL_LOSS_DB_MAX, WORLD_ENTITIES_MAX};

/// One bound: `limit`, and a probe that builds a scenario of size `n` and returns the codes of
/// its error diagnostics (empty when it loads).
struct Bound {
    name: &'static str,
    limit: usize,
    past_code: &'static str,
    probe: fn(usize) -> Vec<String>,
}

const WORLD: &str = "world:\n  pcs:\n    desk: {position: [0, 0], paired_phones: [p]}\n  phones:\n    p: {carried_by: ana, carry: hand}\n  users:\n    ana: {position: [0.6, 0]}\n";

/// A scenario with `runs`, a duration in seconds, and extra text after the world.
fn load(runs: usize, duration_s: usize, world: &str, rest: &str) -> Vec<String> {
    let text =
        format!("name: limits\nseed: 1\nruns: {runs}\nduration: {duration_s}s\n{world}{rest}");
    match load_scenario("limits.yaml", &text, &mut |_: &str| Err("no files".to_string())) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => {
            diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.clone()).collect()
        }
    }
}

fn timeline(n: usize) -> Vec<String> {
    let entries: String =
        (0..n).map(|i| format!("  - {{at: {i}ms, idle: {{user: ana}}}}\n")).collect();
    load(1, 60, WORLD, &format!("timeline:\n{entries}"))
}

fn expectations(n: usize) -> Vec<String> {
    let entries = "  - never_locked: {pc: desk, from: 0s}\n".repeat(n);
    load(1, 60, WORLD, &format!("expect:\n{entries}"))
}

fn runs(n: usize) -> Vec<String> {
    load(n, 60, WORLD, "")
}

fn duration_s(n: usize) -> Vec<String> {
    load(1, n, WORLD, "")
}

fn pcs(n: usize) -> Vec<String> {
    let pcs: String = (0..n).map(|i| format!("    pc{i}: {{position: [0, 0]}}\n")).collect();
    let world =
        format!("world:\n  pcs:\n{pcs}  phones: {{}}\n  users:\n    ana: {{position: [0.6, 0]}}\n");
    load(1, 60, &world, "")
}

fn waypoints(n: usize) -> Vec<String> {
    let to = vec!["[1, 1]"; n].join(", ");
    load(1, 60, WORLD, &format!("timeline:\n  - {{at: 0s, walk: {{user: ana, to: [{to}]}}}}\n"))
}

/// A place `n` metres east of the origin (coordinates are bounded in every direction).
fn coordinate_m(n: usize) -> Vec<String> {
    load(1, 60, WORLD, &format!("places:\n  far: [{n}, 0]\n"))
}

/// A walk at `n` m/s.
fn speed_m_per_s(n: usize) -> Vec<String> {
    let walk = format!("  - {{at: 0s, walk: {{user: ana, to: [[5, 0]], speed_m_per_s: {n}}}}}\n");
    load(1, 60, WORLD, &format!("timeline:\n{walk}"))
}

/// `n` walls (the world's own bound, besides the scenario's per-kind entity bound).
fn walls(n: usize) -> Vec<String> {
    let walls = "      - {from: [10, -20], to: [10, 20], loss_db: 6}\n".repeat(n);
    load(1, 60, &format!("{WORLD}  floor_plan:\n    walls:\n{walls}"), "")
}

/// One wall with a loss of `n` dB.
fn wall_loss_db(n: usize) -> Vec<String> {
    let wall = format!("      - {{from: [10, -20], to: [10, 20], loss_db: {n}}}\n");
    load(1, 60, &format!("{WORLD}  floor_plan:\n    walls:\n{wall}"), "")
}

/// A PC whose Wi-Fi client roams only to an access point `n` dB stronger.
fn roam_margin_db(n: usize) -> Vec<String> {
    let world = WORLD.replace(
        "paired_phones: [p]",
        &format!("paired_phones: [p], wifi: {{roam_margin_db: {n}}}"),
    );
    load(1, 60, &world, "")
}

/// A storey `n` metres high.
fn floor_height_m(n: usize) -> Vec<String> {
    load(1, 60, &format!("{WORLD}  floor_plan: {{floor_height_m: {n}}}\n"), "")
}

/// One `events_in_order` expectation listing `n` event IDs.
fn ordered_events(n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| (3520 + i).to_string()).collect();
    let entry = format!("  - events_in_order: {{pc: desk, ids: [{}]}}\n", ids.join(", "));
    load(1, 60, WORLD, &format!("expect:\n{entry}"))
}

#[rustfmt::skip]
const BOUNDS: &[Bound] = &[
    Bound { name: "event IDs in order", limit: ORDERED_EVENTS_MAX, past_code: "scenario::expectation", probe: ordered_events },
    Bound { name: "timeline entries", limit: TIMELINE_ENTRIES_MAX, past_code: "scenario::too-many", probe: timeline },
    Bound { name: "expectations", limit: EXPECTATIONS_MAX, past_code: "scenario::too-many", probe: expectations },
    Bound { name: "runs", limit: SCENARIO_RUNS_MAX as usize, past_code: "scenario::runs", probe: runs },
    Bound { name: "duration seconds", limit: (SCENARIO_DURATION_MAX.as_us() / 1_000_000) as usize, past_code: "scenario::duration", probe: duration_s },
    Bound { name: "PCs (entities of each kind)", limit: SCENARIO_ENTITIES_MAX, past_code: "scenario::too-many", probe: pcs },
    Bound { name: "coordinate metres", limit: COORDINATE_M_MAX as usize, past_code: "yaml::invalid", probe: coordinate_m },
    Bound { name: "walking speed m/s", limit: SPEED_M_PER_S_MAX as usize, past_code: "scenario::walk", probe: speed_m_per_s },
    Bound { name: "walls", limit: WORLD_ENTITIES_MAX, past_code: "scenario::world", probe: walls },
    Bound { name: "wall loss dB", limit: WALL_LOSS_DB_MAX as usize, past_code: "scenario::world", probe: wall_loss_db },
    Bound { name: "roaming margin dB", limit: ROAM_MARGIN_DB_MAX as usize, past_code: "scenario::world", probe: roam_margin_db },
    Bound { name: "storey height m", limit: FLOOR_HEIGHT_M_MAX as usize, past_code: "scenario::world", probe: floor_height_m },
    Bound { name: "waypoints per walk", limit: WAYPOINTS_MAX, past_code: "scenario::walk", probe: waypoints },
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
        if !past.iter().any(|code| code == bound.past_code) {
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
