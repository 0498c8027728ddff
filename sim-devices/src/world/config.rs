//! The world's inputs: what a scenario says about PCs, phones, users, access points and
//! networks, as serde reads them, and the checks a configuration must pass before
//! [`World::new`](super::World::new) builds it.
//!
//! Fields that name another entity are [`Spanned`], so a loader can report a dangling reference
//! at its own line and column; other deserialisers (JSON in tests) give them no position.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::bluetooth::BluetoothRadioConfig;
use crate::geometry::{FLOOR_HEIGHT_M_MAX, FloorPlan, Position};
use crate::network::NetworkConfig;
use crate::propagation::{CarryLosses, CarryPosition, EnvironmentConfig};
use crate::user::CredentialConfig;
use crate::wifi::{AccessPointConfig, WifiClientConfig};

use super::{
    AccessPointId, NetworkId, PHONE_CLASS_OF_DEVICE, PcId, PhoneId, UserId, WALL_LOSS_DB_MAX,
    WORLD_ENTITIES_MAX, WorldError,
};

/// Everything a scenario says about the physical world. Maps are keyed by entity id.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    /// Walls and floors.
    #[serde(default)]
    pub floor_plan: FloorPlan,
    /// Propagation environment: preset and overrides.
    #[serde(default)]
    pub environment: EnvironmentConfig,
    /// Body and carrying losses per carry position.
    #[serde(default)]
    pub carry_losses: CarryLosses,
    /// Networks by id.
    #[serde(default)]
    pub networks: BTreeMap<String, NetworkConfig>,
    /// Access points by id.
    #[serde(default)]
    pub access_points: BTreeMap<String, AccessPointConfig>,
    /// PCs by id.
    #[serde(default)]
    pub pcs: BTreeMap<String, PcConfig>,
    /// Phones by id.
    #[serde(default)]
    pub phones: BTreeMap<String, PhoneConfig>,
    /// Users by id.
    #[serde(default)]
    pub users: BTreeMap<String, UserConfig>,
}

/// A PC: where it is, its Bluetooth radio, Wi-Fi client and wired/VPN adapters.
///
/// A PC stands at `position`, or a user carries it from the start (`carried_by`, a laptop):
/// exactly one of the two. A carried PC is where its carrier is; the timeline's `pick_up`,
/// `put_down` and `move_pc` change that (design 3.5c: laptops can be carried).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcConfig {
    /// Where it stands, `[x, y]` or `[x, y, floor]`, when nobody carries it.
    #[serde(default)]
    pub position: Option<Position>,
    /// The user (id) who carries it at the start; without one it stands at `position`.
    #[serde(default)]
    pub carried_by: Option<Spanned<String>>,
    /// Whether its Bluetooth radio is on at the start (default true).
    #[serde(default = "default_true")]
    pub bluetooth_on: bool,
    /// Ids of the phones paired with it, in the order the PC polls them for a snapshot.
    #[serde(default)]
    pub paired_phones: Vec<Spanned<String>>,
    /// The computer's primary DNS suffix, e.g. `corp.contoso.com`.
    #[serde(default)]
    pub primary_dns_suffix: Option<String>,
    /// The Wi-Fi client; without profiles the PC never joins Wi-Fi.
    #[serde(default)]
    pub wifi: WifiClientConfig,
    /// Wired and VPN adapters.
    #[serde(default)]
    pub adapters: Vec<AdapterConfig>,
}

/// The kind of a non-Wi-Fi adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdapterKind {
    /// Ethernet, typically through a dock: docking connects it, undocking disconnects it.
    Ethernet,
    /// A VPN tunnel: connecting the VPN adds it.
    Vpn,
}

/// An Ethernet or VPN adapter of a PC.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterConfig {
    /// The adapter's name, unique on the PC (`wifi` is reserved for the Wi-Fi adapter).
    pub name: String,
    /// Ethernet or VPN.
    pub kind: AdapterKind,
    /// The network (id) it attaches to.
    pub network: Spanned<String>,
    /// Whether it is connected at the start (default false).
    #[serde(default)]
    pub connected: bool,
}

/// A phone: its Bluetooth radio and where it is.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneConfig {
    /// 24-bit Class of Device (default 0x5A020C, a smartphone).
    #[serde(default = "default_class_of_device")]
    pub class_of_device: u32,
    /// Radio and reporting parameters.
    #[serde(default)]
    pub radio: BluetoothRadioConfig,
    /// The user (id) who carries it; without one it lies at `position`.
    #[serde(default)]
    pub carried_by: Option<Spanned<String>>,
    /// Where it is carried or how it lies (default `trouser_pocket`).
    #[serde(default = "default_carry")]
    pub carry: CarryPosition,
    /// Where it lies when nobody carries it.
    #[serde(default)]
    pub position: Option<Position>,
    /// Whether the phone is on at the start (default true).
    #[serde(default = "default_true")]
    pub powered_on: bool,
    /// Whether its Bluetooth is on at the start (default true).
    #[serde(default = "default_true")]
    pub bluetooth_on: bool,
}

/// A user: where they start, their credentials.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Where the user starts, `[x, y]` or `[x, y, floor]`.
    pub position: Position,
    /// Credentials and their error rates.
    #[serde(default)]
    pub credentials: CredentialConfig,
    /// Accepted for older scenarios and ignored: whether a user types is the timeline's
    /// `type` and `idle` actions, and idle time lives in the Windows device (default true).
    #[serde(default = "default_true")]
    pub active: bool,
}

fn default_true() -> bool {
    true
}
fn default_class_of_device() -> u32 {
    PHONE_CLASS_OF_DEVICE
}
fn default_carry() -> CarryPosition {
    CarryPosition::TrouserPocket
}

impl WorldConfig {
    /// The handle [`World::new`](super::World::new) gives PC `id`: its position in id order.
    /// Lets the scenario loader resolve every name once, before any world is built.
    pub fn pc_id(&self, id: &str) -> Option<PcId> {
        position_of(&self.pcs, id).map(PcId::new)
    }

    /// The handle `World::new` gives phone `id` (see [`WorldConfig::pc_id`]).
    pub fn phone_id(&self, id: &str) -> Option<PhoneId> {
        position_of(&self.phones, id).map(PhoneId::new)
    }

    /// The handle `World::new` gives user `id` (see [`WorldConfig::pc_id`]).
    pub fn user_id(&self, id: &str) -> Option<UserId> {
        position_of(&self.users, id).map(UserId::new)
    }

    /// The handle `World::new` gives access point `id` (see [`WorldConfig::pc_id`]).
    pub fn access_point_id(&self, id: &str) -> Option<AccessPointId> {
        position_of(&self.access_points, id).map(AccessPointId::new)
    }

    /// The handle `World::new` gives network `id` (see [`WorldConfig::pc_id`]).
    pub fn network_id(&self, id: &str) -> Option<NetworkId> {
        position_of(&self.networks, id).map(NetworkId::new)
    }

    /// Every value out of range or inconsistent, in a fixed order (counts, environment, walls,
    /// access points, users, phones, PCs); empty when the configuration is sound. References
    /// between entities are checked by [`WorldConfig::dangling_references`].
    pub fn range_problems(&self) -> Vec<WorldError> {
        let mut problems = Vec::new();
        self.count_problems(&mut problems);
        if let Err(message) = self.environment.resolve() {
            problems.push(WorldError::Invalid(message));
        }
        self.loss_problems(&mut problems);
        for (id, ap) in &self.access_points {
            if !ap.tx_power_dbm.is_finite() {
                problems.push(invalid(format!("access point `{id}`: tx_power_dbm must be finite")));
            }
        }
        for (id, user) in &self.users {
            if let Err(e) = user.credentials.validate() {
                problems.push(invalid(format!("user `{id}`: {e}")));
            }
        }
        for (id, phone) in &self.phones {
            if let Err(e) = phone.radio.validate() {
                problems.push(invalid(format!("phone `{id}`: {e}")));
            }
            if phone.carried_by.is_some() == phone.position.is_some() {
                problems.push(invalid(format!(
                    "phone `{id}` needs exactly one of `carried_by` and `position`"
                )));
            }
        }
        for (id, pc) in &self.pcs {
            if pc.carried_by.is_some() == pc.position.is_some() {
                problems.push(invalid(format!(
                    "pc `{id}` needs exactly one of `carried_by` and `position`"
                )));
            }
            if let Err(e) = pc.wifi.validate() {
                problems.push(invalid(format!("pc `{id}`: {e}")));
            }
            let mut names = vec!["wifi"];
            for adapter in &pc.adapters {
                if names.contains(&adapter.name.as_str()) {
                    problems.push(invalid(format!(
                        "pc `{id}`: adapter name `{}` is reserved or repeated",
                        adapter.name
                    )));
                }
                names.push(&adapter.name);
            }
        }
        problems
    }

    fn count_problems(&self, problems: &mut Vec<WorldError>) {
        let counts = [
            ("networks", self.networks.len()),
            ("access points", self.access_points.len()),
            ("pcs", self.pcs.len()),
            ("phones", self.phones.len()),
            ("users", self.users.len()),
            ("walls", self.floor_plan.walls.len()),
        ];
        for (kind, count) in counts {
            if count > WORLD_ENTITIES_MAX {
                problems.push(invalid(format!("at most {WORLD_ENTITIES_MAX} {kind}, got {count}")));
            }
        }
    }

    fn loss_problems(&self, problems: &mut Vec<WorldError>) {
        for (index, wall) in self.floor_plan.walls.iter().enumerate() {
            if !(0.0..=WALL_LOSS_DB_MAX).contains(&wall.loss_db) {
                problems.push(invalid(format!(
                    "wall {index}: loss_db must be between 0 and {WALL_LOSS_DB_MAX}, not {}",
                    wall.loss_db
                )));
            }
        }
        let plan = &self.floor_plan;
        for (name, loss_db) in [
            ("floor_loss_db", plan.floor_loss_db),
            ("extra_floor_loss_db", plan.extra_floor_loss_db),
        ] {
            if !(0.0..=WALL_LOSS_DB_MAX).contains(&loss_db) {
                problems.push(invalid(format!(
                    "{name} must be between 0 and {WALL_LOSS_DB_MAX}, not {loss_db}"
                )));
            }
        }
        if !(0.0..=FLOOR_HEIGHT_M_MAX).contains(&plan.floor_height_m) {
            problems.push(invalid(format!(
                "floor_height_m must be between 0 and {FLOOR_HEIGHT_M_MAX} m, not {}",
                plan.floor_height_m
            )));
        }
    }

    /// Every reference to an entity the configuration does not define: an access point's or
    /// an adapter's network, a PC's paired phone, a phone's or a PC's user (`carried_by`). Each
    /// comes with the entity that names it (`pc \`desk\``), the kind named, and the reference
    /// with its position.
    pub fn dangling_references(&self) -> Vec<DanglingReference<'_>> {
        let mut dangling = Vec::new();
        let mut check = |from: String, kind: &'static str, reference, defined: bool| {
            if !defined {
                dangling.push(DanglingReference { from, kind, reference });
            }
        };
        for (id, ap) in &self.access_points {
            let defined = self.networks.contains_key(&ap.network.value);
            check(format!("access point `{id}`"), "network", &ap.network, defined);
        }
        for (id, phone) in &self.phones {
            if let Some(user) = &phone.carried_by {
                let defined = self.users.contains_key(&user.value);
                check(format!("phone `{id}`"), "user", user, defined);
            }
        }
        for (id, pc) in &self.pcs {
            if let Some(user) = &pc.carried_by {
                let defined = self.users.contains_key(&user.value);
                check(format!("pc `{id}`"), "user", user, defined);
            }
            for phone in &pc.paired_phones {
                let defined = self.phones.contains_key(&phone.value);
                check(format!("pc `{id}`"), "phone", phone, defined);
            }
            for adapter in &pc.adapters {
                let defined = self.networks.contains_key(&adapter.network.value);
                let from = format!("pc `{id}`: adapter `{}`", adapter.name);
                check(from, "network", &adapter.network, defined);
            }
        }
        dangling
    }
}

/// A reference to an entity the world does not define.
#[derive(Clone, Debug, PartialEq)]
pub struct DanglingReference<'a> {
    /// The entity that names it, e.g. ``pc `desk` ``.
    pub from: String,
    /// The kind of entity named: `network`, `user` or `phone`.
    pub kind: &'static str,
    /// The id as written, with its position when the deserialiser gives one.
    pub reference: &'a Spanned<String>,
}

impl DanglingReference<'_> {
    /// The reference as a [`WorldError`], for callers without positions.
    pub fn to_error(&self) -> WorldError {
        WorldError::Dangling {
            from: self.from.clone(),
            kind: self.kind,
            id: self.reference.value.clone(),
        }
    }
}

fn invalid(message: String) -> WorldError {
    WorldError::Invalid(message)
}

/// The position of `id` among the keys of `map` (its id order), if it is one.
fn position_of<T>(map: &BTreeMap<String, T>, id: &str) -> Option<usize> {
    map.contains_key(id).then(|| map.keys().take_while(|key| key.as_str() < id).count())
}
