//! The world's checks, in the loader: every reference between world entities (an access
//! point's or adapter's network, a PC's paired phone, a phone's user) is reported at its own
//! line and column with a did-you-mean, and the world's range checks at the `world:` key.
//! The runner then builds the world knowing it is sound.

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
}
