//! The world's checks, in the loader: every reference between world entities (an access
//! point's or adapter's network, a PC's paired phone, a phone's user) is reported at its own
//! line and column with a did-you-mean, and the world's range checks at the `world:` key.
//! The runner then builds the world knowing it is sound. Walls drawn under an NLoS preset get a
//! warning (design 3.4): the run goes on, with the walls' loss counted twice.

use engine::diagnostic::Diagnostic;
use sim_devices::world::WorldConfig;

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
