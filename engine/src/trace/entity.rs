//! Entity ids as records carry them: `pc:desk`, `user:ana`, `phone:ana-phone`, `ap:lobby`, and
//! `world` for facts about no single entity.

use std::fmt;

use serde::Serialize;

/// What kind of thing an [`Entity`] is; on the wire, the prefix before the colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    /// A Windows PC (`pc:<id>`).
    Pc,
    /// A person (`user:<id>`).
    User,
    /// A paired phone (`phone:<id>`).
    Phone,
    /// A Wi-Fi access point (`ap:<id>`).
    AccessPoint,
    /// The world as a whole (`world`, no id): network changes, run errors.
    World,
}

impl EntityKind {
    /// Every kind, in wire-prefix order of [`EntityKind::prefix`].
    pub const ALL: [EntityKind; 5] = [
        EntityKind::Pc,
        EntityKind::User,
        EntityKind::Phone,
        EntityKind::AccessPoint,
        EntityKind::World,
    ];

    /// The prefix on the wire: `pc`, `user`, `phone`, `ap`, `world`.
    pub const fn prefix(self) -> &'static str {
        match self {
            EntityKind::Pc => "pc",
            EntityKind::User => "user",
            EntityKind::Phone => "phone",
            EntityKind::AccessPoint => "ap",
            EntityKind::World => "world",
        }
    }
}

/// The entity of a trace record: a kind and an id, written `pc:desk` on the wire.
///
/// The wire text is kept whole, so writing a record (once per Bluetooth poll on the hot path)
/// copies no string and formats nothing. Ids are the scenario's names, which may themselves
/// contain `:`; only the first colon separates the kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity {
    kind: EntityKind,
    /// `pc:desk`, or `world`.
    wire: String,
}

impl Entity {
    /// An entity of `kind` named `id`. `kind` must not be [`EntityKind::World`] (use
    /// [`Entity::world`]), which has no id.
    pub fn new(kind: EntityKind, id: &str) -> Entity {
        assert!(kind != EntityKind::World, "the world entity has no id");
        Entity { kind, wire: format!("{}:{id}", kind.prefix()) }
    }

    /// `pc:<id>`.
    pub fn pc(id: &str) -> Entity {
        Entity::new(EntityKind::Pc, id)
    }

    /// `user:<id>`.
    pub fn user(id: &str) -> Entity {
        Entity::new(EntityKind::User, id)
    }

    /// `phone:<id>`.
    pub fn phone(id: &str) -> Entity {
        Entity::new(EntityKind::Phone, id)
    }

    /// `ap:<id>`.
    pub fn access_point(id: &str) -> Entity {
        Entity::new(EntityKind::AccessPoint, id)
    }

    /// `world`.
    pub fn world() -> Entity {
        Entity { kind: EntityKind::World, wire: EntityKind::World.prefix().to_string() }
    }

    /// Reads the wire form back: `None` for text that is not `world` or `<prefix>:<id>` with a
    /// known prefix.
    pub fn parse(text: &str) -> Option<Entity> {
        if text == EntityKind::World.prefix() {
            return Some(Entity::world());
        }
        let (prefix, id) = text.split_once(':')?;
        let kind = EntityKind::ALL
            .into_iter()
            .find(|kind| *kind != EntityKind::World && kind.prefix() == prefix)?;
        Some(Entity::new(kind, id))
    }

    pub fn kind(&self) -> EntityKind {
        self.kind
    }

    /// The id without its prefix (`desk` for `pc:desk`; empty for `world`).
    pub fn id(&self) -> &str {
        match self.kind {
            EntityKind::World => "",
            kind => &self.wire[kind.prefix().len() + 1..],
        }
    }

    /// The id if this is a PC.
    pub fn pc_id(&self) -> Option<&str> {
        (self.kind == EntityKind::Pc).then(|| self.id())
    }

    /// The id if this is a user.
    pub fn user_id(&self) -> Option<&str> {
        (self.kind == EntityKind::User).then(|| self.id())
    }

    /// Whether this is the PC named `id`.
    pub fn is_pc(&self, id: &str) -> bool {
        self.pc_id() == Some(id)
    }

    /// The wire form, `pc:desk`.
    pub fn as_str(&self) -> &str {
        &self.wire
    }
}

impl fmt::Display for Entity {
    /// The wire form; honours width and alignment (`{:>12}`), as `str` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.wire)
    }
}

impl Serialize for Entity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.wire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::pc("pc:desk", Some((EntityKind::Pc, "desk")))]
    #[case::user("user:ana", Some((EntityKind::User, "ana")))]
    #[case::phone("phone:ana-phone", Some((EntityKind::Phone, "ana-phone")))]
    #[case::access_point("ap:lobby", Some((EntityKind::AccessPoint, "lobby")))]
    #[case::world("world", Some((EntityKind::World, "")))]
    #[case::colon_in_id("pc:a:b", Some((EntityKind::Pc, "a:b")))]
    #[case::empty_id("pc:", Some((EntityKind::Pc, "")))]
    #[case::bare_id("desk", None)]
    #[case::unknown_prefix("printer:hp", None)]
    #[case::world_with_id("world:x", None)]
    fn parses_the_wire_form(#[case] text: &str, #[case] expected: Option<(EntityKind, &str)>) {
        let parsed = Entity::parse(text);
        assert_eq!(parsed.as_ref().map(|e| (e.kind(), e.id())), expected);
        if let Some(entity) = parsed {
            assert_eq!(entity.to_string(), text, "the wire form round-trips");
            assert_eq!(serde_json::to_string(&entity).unwrap(), format!("\"{text}\""));
        }
    }
}
