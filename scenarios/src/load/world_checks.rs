//! The world's checks, in the loader: every reference between world entities (an access
//! point's or adapter's network, a PC's paired phone, a phone's user) is reported at its own
//! line and column with a did-you-mean, and the world's range checks at the `world:` key.
//! The runner then builds the world knowing it is sound. Walls drawn under an NLoS preset get a
//! warning (design 3.4): the run goes on, with the walls' loss counted twice. So does a walk that
//! takes a paired phone beyond the preset's fitted range from a PC that stays where it is, where
//! the path loss is a continuation.

use std::collections::{BTreeMap, BTreeSet};

use engine::diagnostic::Diagnostic;
use sim_devices::geometry::Position;
use sim_devices::world::WorldConfig;

use crate::model::{Action, Scenario};

use super::Checker;

impl Checker<'_> {
    /// Reports every dangling reference of `world`, then, when nothing else is wrong so far,
    /// every value out of range.
    pub(super) fn world_checks(&mut self, world: &WorldConfig) {
        let clean_so_far = self.diagnostics.is_empty();
        for dangling in world.dangling_references() {
            self.reference(dangling.kind, dangling.reference);
        }
        if !clean_so_far {
            return;
        }
        for problem in world.range_problems() {
            let span = self.key_span("world");
            self.error_at("scenario::world", format!("invalid world: {problem}"), span);
        }
    }

    /// Warns when walls are drawn under `office_nlos`: its fit (ITU-R P.1238-10 office NLoS)
    /// was measured through the office's clutter, walls included, so walls on the plan count
    /// them a second time. Called on a scenario that loaded, so errors are shown alone.
    pub(super) fn walls_under_nlos(&mut self, world: &WorldConfig) {
        let walls = &world.floor_plan.walls;
        if world.environment.preset != "office_nlos" || walls.is_empty() {
            return;
        }
        let loss_db: f64 = walls.iter().map(|wall| wall.loss_db).sum();
        let message = format!(
            "{} wall(s) ({loss_db} dB in all) drawn under the `office_nlos` preset, whose fit \
             already contains the walls and clutter it was measured through",
            walls.len()
        );
        let hint = "walls belong on a line-of-sight baseline (design 3.4): use `office_los` (or \
                    `free_space`) with these walls, or `office_nlos` without them";
        let span = self.walls_span();
        let warning = Diagnostic::warning("scenario::walls-under-nlos", message)
            .at(self.source, span)
            .with_hint(hint);
        self.diagnostics.push(warning);
    }

    /// Warns, once per paired PC and phone, when a walk takes the phone's carrier farther from
    /// the PC than the preset's fit was measured (ITU-R P.1238-10 Table 2; design 3.4): the loss
    /// there continues at a chosen exponent. Checked at the walk's waypoints and the walker's
    /// start, which are exact for a straight walk on one floor (its farthest point from a PC
    /// is an end).
    pub(super) fn beyond_fitted_range(&mut self, scenario: &Scenario) {
        let Ok(environment) = scenario.world.environment.resolve() else {
            return;
        };
        let Some(range) = environment.fitted_range else {
            return;
        };
        let farthest = farthest_walks(scenario);
        for ((pc, phone), (distance_m, user, to)) in farthest {
            if distance_m <= range.max_m {
                continue;
            }
            let message = format!(
                "user `{user}` walks to [{}, {}], {distance_m:.1} m from PC `{pc}`, which is \
                 paired with `{phone}`: the `{}` fit was measured on {}-{} m, and beyond {} m its \
                 loss continues at n = {:.2} (unknown, chosen)",
                to.x_m,
                to.y_m,
                environment.name,
                range.min_m,
                range.max_m,
                range.max_m,
                environment.exponent_beyond
            );
            let hint = "outcomes that hinge on this stretch of the walk rest on the continuation, \
                        not on a measurement; checked at the walk's waypoints (design 3.4)";
            let span = self.key_span("timeline");
            let warning = Diagnostic::warning("scenario::beyond-fitted-range", message)
                .at(self.source, span)
                .with_hint(hint);
            self.diagnostics.push(warning);
        }
    }

    /// The span of the `walls` key under `floor_plan:` (the `world:` key when not found).
    fn walls_span(&self) -> std::ops::Range<usize> {
        let text = &self.source.text;
        let walls = text.find("floor_plan:").and_then(|plan| {
            let at = plan + text[plan..].find("walls")?;
            Some(at..at + "walls".len())
        });
        walls.unwrap_or_else(|| self.key_span("world"))
    }
}

/// For each (PC, phone) pair, the farthest point any walk takes the phone's carrier from the
/// PC: `(distance in m, user, point)`, the first such point on ties.
fn farthest_walks(scenario: &Scenario) -> BTreeMap<(String, String), (f64, String, Position)> {
    let world = &scenario.world;
    let users: Vec<(&String, _)> = world.users.iter().collect();
    let moving = moving_pcs(scenario);
    let mut farthest: BTreeMap<(String, String), (f64, String, Position)> = BTreeMap::new();
    for timed in &scenario.timeline {
        let Action::Walk { user, waypoints } = &timed.action else {
            continue;
        };
        let (user_name, user_config) = users[user.index()];
        let points = std::iter::once(user_config.position).chain(waypoints.iter().map(|w| w.to));
        for (phone, phone_config) in &world.phones {
            if phone_config.carried_by.as_ref().is_none_or(|by| by.value != *user_name) {
                continue;
            }
            for (index, (pc, pc_config)) in world.pcs.iter().enumerate() {
                // A PC that moves has no fixed point to measure from.
                let Some(pc_position) = pc_config.position.filter(|_| !moving.contains(&index))
                else {
                    continue;
                };
                if !pc_config.paired_phones.iter().any(|paired| paired.value == *phone) {
                    continue;
                }
                for point in points.clone() {
                    let distance_m = world.floor_plan.distance_m(&pc_position, &point);
                    let entry = farthest.entry((pc.clone(), phone.clone())).or_insert((
                        0.0,
                        user_name.clone(),
                        point,
                    ));
                    if distance_m > entry.0 {
                        *entry = (distance_m, user_name.clone(), point);
                    }
                }
            }
        }
    }
    farthest
}

/// The PCs (by index in id order) that move during the scenario: picked up, put down somewhere
/// or sent on their own path. (One carried from the start has no `position` at all.)
fn moving_pcs(scenario: &Scenario) -> BTreeSet<usize> {
    let moves = scenario.timeline.iter().filter_map(|timed| match timed.action {
        Action::PickUp { pc, .. } | Action::PutDown { pc, .. } | Action::MovePc { pc, .. } => {
            Some(pc.index())
        }
        _ => None,
    });
    moves.collect()
}
