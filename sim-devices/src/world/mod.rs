//! The world: PCs, phones, users, access points and networks, built from a scenario's
//! configuration and one seed, answering what a PC observes at any instant.
//!
//! [`World::new`] checks the configuration and issues typed handles ([`PcId`], [`PhoneId`],
//! [`UserId`], [`AccessPointId`], [`NetworkId`]): an index into the entities of that kind in id
//! order. String ids appear only at the edges: [`World::pc_id`] and friends look a handle up,
//! [`World::pc_name`] and friends give the id back for traces. Methods that take handles cannot
//! fail. Every random draw comes from a stream named after the entity and the link or purpose
//! (`("phone:ana", "bt-shadowing:pc:desk")`), so adding a phone or an access point never changes
//! the numbers any other entity draws. State (shadowing, leases, the Wi-Fi connection) changes
//! only through the methods, so results are deterministic given the order of calls, which the
//! engine's event loop fixes.
//!
//! The configuration is in [`config`]; each concern has its own `impl World` block: mobility
//! (`mobility.rs`), Bluetooth radios and polls (`bluetooth.rs`), Wi-Fi (`wifi.rs`), networks,
//! adapters and the snapshot (`network.rs`), and users (`users.rs`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use engine::recovery::Biometric;
use engine::snapshot::AdapterObservation;
use engine::{RandomStreams, StreamRng};

use crate::geometry::{FloorPlan, Position};
use crate::mobility::{Course, CourseError};
use crate::network::NetworkConfig;
use crate::propagation::{CarryLosses, CarryPosition, Environment, shadowing_step_db};
use crate::wifi::AccessPointConfig;

mod bluetooth;
pub mod config;
mod mobility;
mod network;
mod users;
mod wifi;

pub use config::{
    AdapterConfig, AdapterKind, DanglingReference, PcConfig, PhoneConfig, UserConfig, WorldConfig,
};

/// Most entities of each kind (and walls) a world may hold: a bound on every loop over them.
pub const WORLD_ENTITIES_MAX: usize = 10_000;
/// Largest loss of one wall or floor, dB (NaN, infinite or negative losses are rejected).
pub const WALL_LOSS_DB_MAX: f64 = 200.0;

/// Beacons a Wi-Fi scan averages per access point.
pub const WIFI_BEACONS_PER_SCAN: u32 = 4;

/// A phone's 24-bit Class of Device by default: 0x5A020C, a smartphone (major class Phone,
/// 0x0200) with the usual service bits, as phones report it.
pub const PHONE_CLASS_OF_DEVICE: u32 = 0x5A_020C;

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The handle of the entity at `index` in id order.
            fn new(index: usize) -> $name {
                // The range checks bound every kind by WORLD_ENTITIES_MAX, far below u32::MAX.
                $name(u32::try_from(index).expect("entity counts are bounded by the range checks"))
            }

            /// The entity's position among the entities of its kind in id order: `0..count`.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

handle!(
    /// A PC of the world, issued by [`World::pc_id`] or [`World::pc_ids`].
    PcId
);
handle!(
    /// A phone of the world, issued by [`World::phone_id`] or [`World::paired_phones`].
    PhoneId
);
handle!(
    /// A user of the world, issued by [`World::user_id`] or [`World::user_ids`].
    UserId
);
handle!(
    /// An access point of the world, issued by [`World::access_point_id`].
    AccessPointId
);
handle!(
    /// A network of the world, issued by [`World::network_id`].
    NetworkId
);

/// An error building or driving the world.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// A configuration entity names another that the configuration does not define.
    #[error("{from} names unknown {kind} `{id}`")]
    Dangling {
        /// The entity that names it, e.g. ``pc `desk` ``.
        from: String,
        /// `network`, `user` or `phone`.
        kind: &'static str,
        /// The id given.
        id: String,
    },
    /// A configuration value out of range or inconsistent, with the entity it belongs to.
    #[error("{0}")]
    Invalid(String),
    /// A bad course.
    #[error("{0}")]
    Course(#[from] CourseError),
}

/// The result of one Bluetooth poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum BluetoothPoll {
    /// The phone answered; `rssi` is the relative RSSI Windows reads.
    Present {
        /// dB relative to the golden receive power range (0 inside it).
        rssi: i16,
    },
    /// The phone did not answer.
    Absent {
        /// Why.
        reason: AbsenceReason,
    },
}

/// Why a poll found no phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceReason {
    /// The PC's Bluetooth radio is off.
    PcRadioOff,
    /// The phone is powered off.
    PhoneOff,
    /// The phone's Bluetooth is off.
    PhoneBluetoothOff,
    /// The received power was below the PC's sensitivity: the connection failed.
    OutOfRange,
}

/// A poll with the chain's intermediate values, for traces and explanations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BluetoothPollDetail {
    /// The result.
    pub poll: BluetoothPoll,
    /// Distance between PC and phone, m (0 when not measured).
    pub distance_m: f64,
    /// Walls crossed.
    pub walls_crossed: u32,
    /// Mean link gain (path, walls, floors, carry, shadowing), dB, when measured.
    pub link_gain_db: Option<f64>,
    /// The phone's transmit power after power control, dBm, when measured.
    pub tx_power_dbm: Option<f64>,
    /// Averaged received power, dBm, when measured.
    pub received_dbm: Option<f64>,
}

/// What a Wi-Fi scan changed: the `wifi` record's payload, defined with the trace vocabulary.
pub use engine::trace::WifiChange;

/// Where a phone is.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// Carried by a user.
    Carried {
        /// The user.
        user: UserId,
        /// How it is carried.
        carry: CarryPosition,
    },
    /// Left somewhere.
    Left {
        /// Where.
        position: Position,
        /// How it lies (desk, drawer, bag).
        carry: CarryPosition,
    },
}

impl Placement {
    fn carry(&self) -> CarryPosition {
        match self {
            Placement::Carried { carry, .. } | Placement::Left { carry, .. } => *carry,
        }
    }
}

/// The slow state of one radio link.
#[derive(Debug)]
struct LinkState {
    shadowing_db: Option<f64>,
    last_a: Position,
    last_b: Position,
    shadowing_rng: StreamRng,
    fading_rng: StreamRng,
}

impl LinkState {
    fn new(streams: &RandomStreams, entity: &str, link: &str) -> LinkState {
        LinkState {
            shadowing_db: None,
            last_a: Position::default(),
            last_b: Position::default(),
            shadowing_rng: streams.stream(entity, &format!("shadowing:{link}")),
            fading_rng: streams.stream(entity, &format!("fading:{link}")),
        }
    }

    /// Advances shadowing by the distance both ends moved since the last measurement.
    fn shadowing_at(&mut self, a: Position, b: Position, environment: &Environment) -> f64 {
        let moved_m = self.last_a.distance_m(&a) + self.last_b.distance_m(&b);
        let next = shadowing_step_db(
            self.shadowing_db,
            moved_m,
            environment.shadowing_sigma_db,
            environment.decorrelation_distance_m,
            &mut self.shadowing_rng,
        );
        self.shadowing_db = Some(next);
        self.last_a = a;
        self.last_b = b;
        next
    }
}

#[derive(Debug)]
struct PcState {
    id: String,
    config: PcConfig,
    /// Where it goes while nobody carries it (stationary unless given a course).
    course: Course,
    /// The user who carries it, if any: then it is where they are and `course` is unused.
    carrier: Option<UserId>,
    bluetooth_on: bool,
    /// The paired phones, in the configuration's order.
    paired: Vec<PhoneId>,
    wifi: Option<WifiConnection>,
    wifi_dhcp_rng: StreamRng,
    adapters: Vec<AdapterState>,
    wifi_links: BTreeMap<AccessPointId, LinkState>,
    /// The Bluetooth link to each phone polled so far, by phone.
    bluetooth_links: BTreeMap<PhoneId, LinkState>,
}

#[derive(Debug)]
struct WifiConnection {
    access_point: AccessPointId,
    quality: u8,
    lease: AdapterObservation,
}

#[derive(Debug)]
struct AdapterState {
    config: AdapterConfig,
    network: NetworkId,
    dhcp_rng: StreamRng,
    lease: Option<AdapterObservation>,
}

#[derive(Debug)]
struct PhoneState {
    id: String,
    config: PhoneConfig,
    placement: Placement,
    powered_on: bool,
    bluetooth_on: bool,
}

#[derive(Debug)]
struct UserState {
    id: String,
    config: UserConfig,
    course: Course,
    pin_forgotten: bool,
    /// Biometrics the user cannot present (sensor failed, disabled by an application or policy).
    biometrics_unavailable: BTreeSet<Biometric>,
    rng: StreamRng,
}

#[derive(Debug)]
struct AccessPointState {
    id: String,
    config: AccessPointConfig,
    network: NetworkId,
    on: bool,
}

#[derive(Debug)]
struct NetworkState {
    id: String,
    config: NetworkConfig,
}

/// The simulated world.
#[derive(Debug)]
pub struct World {
    streams: RandomStreams,
    environment: Environment,
    floor_plan: FloorPlan,
    carry_losses: CarryLosses,
    networks: Vec<NetworkState>,
    access_points: Vec<AccessPointState>,
    pcs: Vec<PcState>,
    phones: Vec<PhoneState>,
    users: Vec<UserState>,
    /// What a PC associated to Wi-Fi loses on Bluetooth, dB (see
    /// [`World::set_coexistence_loss_db`]; 0 by default).
    coexistence_loss_db: f64,
}

/// Why a reference lookup in [`World::new`] cannot fail: dangling references are rejected first.
const RESOLVED: &str = "dangling references are rejected before";

impl World {
    /// Builds the world at time 0.
    ///
    /// # Errors
    /// The first of [`WorldConfig::range_problems`], else the first of
    /// [`WorldConfig::dangling_references`] (a scenario loader reports them all, with
    /// positions, before it gets here).
    pub fn new(config: &WorldConfig, streams: RandomStreams) -> Result<World, WorldError> {
        if let Some(problem) = config.range_problems().into_iter().next() {
            return Err(problem);
        }
        if let Some(dangling) = config.dangling_references().first() {
            return Err(dangling.to_error());
        }
        let environment = config.environment.resolve().map_err(WorldError::Invalid)?;
        let mut world = World {
            streams,
            environment,
            floor_plan: config.floor_plan.clone(),
            carry_losses: config.carry_losses.clone(),
            networks: config
                .networks
                .iter()
                .map(|(id, network)| NetworkState { id: id.clone(), config: network.clone() })
                .collect(),
            access_points: Self::access_points(config),
            pcs: Self::pcs(config, &streams),
            phones: Self::phones(config),
            users: Self::users(config, &streams),
            coexistence_loss_db: 0.0,
        };
        for pc in world.pc_ids() {
            for adapter in 0..world.pcs[pc.index()].adapters.len() {
                if world.pcs[pc.index()].adapters[adapter].config.connected {
                    world.connect_adapter(pc, adapter, true);
                }
            }
        }
        Ok(world)
    }

    fn access_points(config: &WorldConfig) -> Vec<AccessPointState> {
        let access_points = config.access_points.iter().map(|(id, ap)| AccessPointState {
            id: id.clone(),
            config: ap.clone(),
            network: config.network_id(&ap.network.value).expect(RESOLVED),
            on: ap.on,
        });
        access_points.collect()
    }

    fn users(config: &WorldConfig, streams: &RandomStreams) -> Vec<UserState> {
        let users = config.users.iter().map(|(id, user)| UserState {
            id: id.clone(),
            config: user.clone(),
            course: Course::stationary(user.position),
            pin_forgotten: user.credentials.pin_forgotten,
            biometrics_unavailable: BTreeSet::new(),
            rng: streams.stream(&format!("user:{id}"), "credentials"),
        });
        users.collect()
    }

    fn phones(config: &WorldConfig) -> Vec<PhoneState> {
        let phones = config.phones.iter().map(|(id, phone)| {
            let placement = match (&phone.carried_by, phone.position) {
                (Some(user), _) => Placement::Carried {
                    user: config.user_id(&user.value).expect(RESOLVED),
                    carry: phone.carry,
                },
                (None, position) => Placement::Left {
                    position: position.expect("the range checks require carried_by or position"),
                    carry: phone.carry,
                },
            };
            PhoneState {
                id: id.clone(),
                config: phone.clone(),
                placement,
                powered_on: phone.powered_on,
                bluetooth_on: phone.bluetooth_on,
            }
        });
        phones.collect()
    }

    fn pcs(config: &WorldConfig, streams: &RandomStreams) -> Vec<PcState> {
        let pcs = config.pcs.iter().map(|(id, pc)| {
            let entity = format!("pc:{id}");
            let adapters = pc.adapters.iter().map(|adapter| AdapterState {
                config: adapter.clone(),
                network: config.network_id(&adapter.network.value).expect(RESOLVED),
                dhcp_rng: streams.stream(&entity, &format!("dhcp:{}", adapter.name)),
                lease: None,
            });
            let paired = pc.paired_phones.iter();
            let carrier = pc.carried_by.as_ref().map(|user| config.user_id(&user.value));
            let carrier = carrier.map(|user| user.expect(RESOLVED));
            // A carried PC's own course starts where its carrier does; it is used once the PC
            // is put down (and then restarts where it is put).
            let start = match (&pc.carried_by, pc.position) {
                (Some(user), _) => config.users[&user.value].position,
                (None, position) => {
                    position.expect("the range checks require carried_by or position")
                }
            };
            PcState {
                id: id.clone(),
                config: pc.clone(),
                course: Course::stationary(start),
                carrier,
                bluetooth_on: pc.bluetooth_on,
                paired: paired.map(|p| config.phone_id(&p.value).expect(RESOLVED)).collect(),
                wifi: None,
                wifi_dhcp_rng: streams.stream(&entity, "dhcp:wifi"),
                adapters: adapters.collect(),
                wifi_links: BTreeMap::new(),
                bluetooth_links: BTreeMap::new(),
            }
        });
        pcs.collect()
    }

    /// The resolved propagation environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    // Handles from ids, and ids from handles: the edges where strings appear.

    /// The PC named `id`, if the world has one.
    pub fn pc_id(&self, id: &str) -> Option<PcId> {
        self.pcs.binary_search_by(|pc| pc.id.as_str().cmp(id)).ok().map(PcId::new)
    }

    /// The phone named `id`, if the world has one.
    pub fn phone_id(&self, id: &str) -> Option<PhoneId> {
        self.phones.binary_search_by(|phone| phone.id.as_str().cmp(id)).ok().map(PhoneId::new)
    }

    /// The user named `id`, if the world has one.
    pub fn user_id(&self, id: &str) -> Option<UserId> {
        self.users.binary_search_by(|user| user.id.as_str().cmp(id)).ok().map(UserId::new)
    }

    /// The access point named `id`, if the world has one.
    pub fn access_point_id(&self, id: &str) -> Option<AccessPointId> {
        let found = self.access_points.binary_search_by(|ap| ap.id.as_str().cmp(id));
        found.ok().map(AccessPointId::new)
    }

    /// The network named `id`, if the world has one.
    pub fn network_id(&self, id: &str) -> Option<NetworkId> {
        let found = self.networks.binary_search_by(|network| network.id.as_str().cmp(id));
        found.ok().map(NetworkId::new)
    }

    /// Every PC, in id order.
    pub fn pc_ids(&self) -> impl Iterator<Item = PcId> + use<> {
        (0..self.pcs.len()).map(PcId::new)
    }

    /// Every user, in id order.
    pub fn user_ids(&self) -> impl Iterator<Item = UserId> + use<> {
        (0..self.users.len()).map(UserId::new)
    }

    /// The id of PC `pc`, as the scenario writes it.
    pub fn pc_name(&self, pc: PcId) -> &str {
        &self.pcs[pc.index()].id
    }

    /// The id of phone `phone`, as the scenario writes it.
    pub fn phone_name(&self, phone: PhoneId) -> &str {
        &self.phones[phone.index()].id
    }

    /// The id of user `user`, as the scenario writes it.
    pub fn user_name(&self, user: UserId) -> &str {
        &self.users[user.index()].id
    }

    /// The id of access point `ap`, as the scenario writes it.
    pub fn access_point_name(&self, ap: AccessPointId) -> &str {
        &self.access_points[ap.index()].id
    }

    /// The id of network `network`, as the scenario writes it.
    pub fn network_name(&self, network: NetworkId) -> &str {
        &self.networks[network.index()].id
    }
}
