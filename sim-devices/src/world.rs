//! The world: PCs, phones, users, access points and networks, built from a scenario's
//! configuration and one seed, answering what a PC observes at any instant.
//!
//! Entities are addressed by string ids. Every random draw comes from a stream named after the
//! entity and the link or purpose (`("phone:ana", "bt-shadowing:pc:desk")`), so adding a phone or
//! an access point never changes the numbers any other entity draws. State (shadowing, leases,
//! the Wi-Fi connection) changes only through the methods below, so results are deterministic
//! given the order of calls, which the engine's event loop fixes.

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};

use engine::snapshot::{AdapterObservation, BluetoothObservation, WifiObservation};
use engine::{RandomStreams, SignalSnapshot, SimDuration, SimTime, StreamRng};

use crate::bluetooth::{BluetoothRadioConfig, LinkBudget, observe_poll};
use crate::geometry::{FloorPlan, Position};
use crate::mobility::{Course, CourseError, Waypoint};
use crate::network::{NetworkChange, NetworkConfig};
use crate::propagation::{
    CarryLosses, CarryPosition, Environment, EnvironmentConfig, averaged_fading_db,
    shadowing_step_db,
};
use crate::user::{Credential, CredentialConfig, CredentialOutcome, judge_credential};
use crate::wifi::{
    AccessPointConfig, WifiClientConfig, choose_access_point, normalise_bssid, signal_quality,
};

/// Most entities of each kind a world may hold: a bound on every loop over them.
pub const ENTITIES_MAX: usize = 10_000;
/// Largest loss of one wall or floor, dB (NaN, infinite or negative losses are rejected).
pub const WALL_LOSS_DB_MAX: f64 = 200.0;

/// Beacons a Wi-Fi scan averages per access point.
pub const WIFI_BEACONS_PER_SCAN: u32 = 4;

/// A phone's 24-bit Class of Device by default: 0x5A020C, a smartphone (major class Phone,
/// 0x0200) with the usual service bits, as phones report it.
pub const PHONE_CLASS_OF_DEVICE: u32 = 0x5A_020C;

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
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcConfig {
    /// Where it stands, `[x, y]` or `[x, y, floor]`.
    pub position: Position,
    /// Whether its Bluetooth radio is on at the start (default true).
    #[serde(default = "default_true")]
    pub bluetooth_on: bool,
    /// Ids of the phones paired with it.
    #[serde(default)]
    pub paired_phones: Vec<String>,
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
    pub network: String,
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
    pub carried_by: Option<String>,
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
    /// Whether the user is typing at the start (default true).
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

/// An error building or driving the world.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WorldError {
    /// An id that names no entity of that kind.
    #[error("unknown {kind} `{id}`")]
    Unknown {
        /// `pc`, `phone`, `user`, `access point`, `network` or `adapter`.
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

/// What a Wi-Fi scan changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum WifiChange {
    /// Nothing changed (the quality may have).
    Unchanged,
    /// Joined a network.
    Connected {
        /// The access point (id).
        access_point: String,
        /// Its BSSID in Windows' form.
        bssid: String,
    },
    /// Moved to another access point.
    Roamed {
        /// The previous access point (id).
        from: String,
        /// The new access point (id).
        to: String,
        /// The new BSSID.
        bssid: String,
        /// Whether the network (and so the IP configuration) changed too.
        network_changed: bool,
    },
    /// Lost the connection.
    Disconnected {
        /// The access point (id) left.
        from: String,
    },
}

/// Where a phone is.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// Carried by a user.
    Carried {
        /// The user's id.
        user: String,
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
    config: PcConfig,
    course: Course,
    bluetooth_on: bool,
    wifi: Option<WifiConnection>,
    adapters: Vec<AdapterState>,
    dhcp_rngs: BTreeMap<String, StreamRng>,
    wifi_links: BTreeMap<String, LinkState>,
    /// The Bluetooth link to each phone polled so far, by phone.
    bluetooth_links: BTreeMap<String, LinkState>,
}

#[derive(Debug)]
struct WifiConnection {
    access_point: String,
    quality: u8,
    lease: AdapterObservation,
}

#[derive(Debug)]
struct AdapterState {
    config: AdapterConfig,
    lease: Option<AdapterObservation>,
}

#[derive(Debug)]
struct PhoneState {
    config: PhoneConfig,
    placement: Placement,
    powered_on: bool,
    bluetooth_on: bool,
}

#[derive(Debug)]
struct UserState {
    config: UserConfig,
    course: Course,
    typing: bool,
    last_input: SimTime,
    pin_forgotten: bool,
    rng: StreamRng,
}

#[derive(Debug)]
struct AccessPointState {
    config: AccessPointConfig,
    on: bool,
}

/// The simulated world.
#[derive(Debug)]
pub struct World {
    streams: RandomStreams,
    environment: Environment,
    floor_plan: FloorPlan,
    carry_losses: CarryLosses,
    networks: BTreeMap<String, NetworkConfig>,
    access_points: BTreeMap<String, AccessPointState>,
    pcs: BTreeMap<String, PcState>,
    phones: BTreeMap<String, PhoneState>,
    users: BTreeMap<String, UserState>,
}

fn unknown(kind: &'static str, id: &str) -> WorldError {
    WorldError::Unknown { kind, id: id.to_owned() }
}

impl World {
    /// Builds the world at time 0, checking every reference and range.
    pub fn new(config: &WorldConfig, streams: RandomStreams) -> Result<World, WorldError> {
        let invalid = WorldError::Invalid;
        let counts = [
            ("networks", config.networks.len()),
            ("access points", config.access_points.len()),
            ("pcs", config.pcs.len()),
            ("phones", config.phones.len()),
            ("users", config.users.len()),
            ("walls", config.floor_plan.walls.len()),
        ];
        for (kind, count) in counts {
            if count > ENTITIES_MAX {
                return Err(invalid(format!("at most {ENTITIES_MAX} {kind}, got {count}")));
            }
        }
        let environment = config.environment.resolve().map_err(invalid)?;
        for (index, wall) in config.floor_plan.walls.iter().enumerate() {
            if !(0.0..=WALL_LOSS_DB_MAX).contains(&wall.loss_db) {
                return Err(invalid(format!(
                    "wall {index}: loss_db must be between 0 and {WALL_LOSS_DB_MAX}, not {}",
                    wall.loss_db
                )));
            }
        }
        if !(0.0..=WALL_LOSS_DB_MAX).contains(&config.floor_plan.floor_loss_db) {
            return Err(invalid(format!(
                "floor_loss_db must be between 0 and {WALL_LOSS_DB_MAX}, not {}",
                config.floor_plan.floor_loss_db
            )));
        }
        for (id, ap) in &config.access_points {
            if !config.networks.contains_key(&ap.network) {
                return Err(invalid(format!(
                    "access point `{id}` joins unknown network `{}`",
                    ap.network
                )));
            }
            if !ap.tx_power_dbm.is_finite() {
                return Err(invalid(format!("access point `{id}`: tx_power_dbm must be finite")));
            }
        }
        let mut users = BTreeMap::new();
        for (id, user) in &config.users {
            user.credentials.validate().map_err(|e| invalid(format!("user `{id}`: {e}")))?;
            users.insert(
                id.clone(),
                UserState {
                    config: user.clone(),
                    course: Course::stationary(user.position),
                    typing: user.active,
                    last_input: SimTime::from_us(0),
                    pin_forgotten: user.credentials.pin_forgotten,
                    rng: streams.stream(&format!("user:{id}"), "credentials"),
                },
            );
        }
        let mut phones = BTreeMap::new();
        for (id, phone) in &config.phones {
            phone.radio.validate().map_err(|e| invalid(format!("phone `{id}`: {e}")))?;
            let placement = match (&phone.carried_by, phone.position) {
                (Some(user), None) => {
                    if !users.contains_key(user) {
                        return Err(invalid(format!(
                            "phone `{id}` is carried by unknown user `{user}`"
                        )));
                    }
                    Placement::Carried { user: user.clone(), carry: phone.carry }
                }
                (None, Some(position)) => Placement::Left { position, carry: phone.carry },
                _ => {
                    return Err(invalid(format!(
                        "phone `{id}` needs exactly one of `carried_by` and `position`"
                    )));
                }
            };
            phones.insert(
                id.clone(),
                PhoneState {
                    config: phone.clone(),
                    placement,
                    powered_on: phone.powered_on,
                    bluetooth_on: phone.bluetooth_on,
                },
            );
        }
        let mut pcs = BTreeMap::new();
        for (id, pc) in &config.pcs {
            for phone in &pc.paired_phones {
                if !phones.contains_key(phone) {
                    return Err(invalid(format!(
                        "pc `{id}` is paired with unknown phone `{phone}`"
                    )));
                }
            }
            let mut dhcp_rngs = BTreeMap::new();
            dhcp_rngs.insert("wifi".to_owned(), streams.stream(&format!("pc:{id}"), "dhcp:wifi"));
            let mut adapters = Vec::new();
            for adapter in &pc.adapters {
                if adapter.name == "wifi" || dhcp_rngs.contains_key(&adapter.name) {
                    return Err(invalid(format!(
                        "pc `{id}`: adapter name `{}` is reserved or repeated",
                        adapter.name
                    )));
                }
                if !config.networks.contains_key(&adapter.network) {
                    return Err(invalid(format!(
                        "pc `{id}`: adapter `{}` attaches to unknown network `{}`",
                        adapter.name, adapter.network
                    )));
                }
                dhcp_rngs.insert(
                    adapter.name.clone(),
                    streams.stream(&format!("pc:{id}"), &format!("dhcp:{}", adapter.name)),
                );
                adapters.push(AdapterState { config: adapter.clone(), lease: None });
            }
            pcs.insert(
                id.clone(),
                PcState {
                    config: pc.clone(),
                    course: Course::stationary(pc.position),
                    bluetooth_on: pc.bluetooth_on,
                    wifi: None,
                    adapters,
                    dhcp_rngs,
                    wifi_links: BTreeMap::new(),
                    bluetooth_links: BTreeMap::new(),
                },
            );
        }
        let access_points = config
            .access_points
            .iter()
            .map(|(id, ap)| (id.clone(), AccessPointState { config: ap.clone(), on: ap.on }))
            .collect();
        let mut world = World {
            streams,
            environment,
            floor_plan: config.floor_plan.clone(),
            carry_losses: config.carry_losses.clone(),
            networks: config.networks.clone(),
            access_points,
            pcs,
            phones,
            users,
        };
        let pc_ids: Vec<String> = world.pcs.keys().cloned().collect();
        for pc in &pc_ids {
            let names: Vec<String> = world.pcs[pc]
                .adapters
                .iter()
                .filter(|adapter| adapter.config.connected)
                .map(|adapter| adapter.config.name.clone())
                .collect();
            for name in names {
                world.set_adapter_connected(pc, &name, true)?;
            }
        }
        Ok(world)
    }

    /// The resolved propagation environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    // ----- Mobility -----

    /// Where the PC `pc` is at `now`.
    pub fn pc_position(&self, now: SimTime, pc: &str) -> Result<Position, WorldError> {
        Ok(self.pcs.get(pc).ok_or_else(|| unknown("pc", pc))?.course.position_at(now))
    }

    /// Where user `user` is at `now`.
    pub fn user_position(&self, now: SimTime, user: &str) -> Result<Position, WorldError> {
        Ok(self.users.get(user).ok_or_else(|| unknown("user", user))?.course.position_at(now))
    }

    /// Where phone `phone` is at `now`: with its user, or where it was left.
    pub fn phone_position(&self, now: SimTime, phone: &str) -> Result<Position, WorldError> {
        self.placement_position(
            now,
            &self.phones.get(phone).ok_or_else(|| unknown("phone", phone))?.placement,
        )
    }

    /// Where a phone with `placement` is at `now`.
    fn placement_position(
        &self,
        now: SimTime,
        placement: &Placement,
    ) -> Result<Position, WorldError> {
        match placement {
            Placement::Carried { user, .. } => self.user_position(now, user),
            Placement::Left { position, .. } => Ok(*position),
        }
    }

    /// Where phone `phone` is and how it is carried.
    pub fn phone_placement(&self, phone: &str) -> Result<&Placement, WorldError> {
        Ok(&self.phones.get(phone).ok_or_else(|| unknown("phone", phone))?.placement)
    }

    /// Gives user `user` a new course starting now from where they are.
    pub fn set_user_course(
        &mut self,
        now: SimTime,
        user: &str,
        waypoints: &[Waypoint],
    ) -> Result<(), WorldError> {
        let state = self.users.get_mut(user).ok_or_else(|| unknown("user", user))?;
        state.course = Course::new(now, state.course.position_at(now), waypoints)?;
        Ok(())
    }

    /// Gives PC `pc` (a laptop being carried) a new course starting now from where it is.
    pub fn set_pc_course(
        &mut self,
        now: SimTime,
        pc: &str,
        waypoints: &[Waypoint],
    ) -> Result<(), WorldError> {
        let state = self.pcs.get_mut(pc).ok_or_else(|| unknown("pc", pc))?;
        state.course = Course::new(now, state.course.position_at(now), waypoints)?;
        Ok(())
    }

    /// The first instant after `now` at which any user's or PC's course changes: the only times a
    /// runner needs to wake up for mobility.
    pub fn next_course_change(&self, now: SimTime) -> Option<SimTime> {
        let users = self.users.values().filter_map(|user| user.course.next_change_after(now));
        let pcs = self.pcs.values().filter_map(|pc| pc.course.next_change_after(now));
        users.chain(pcs).min()
    }

    /// When user `user`'s current course ends.
    pub fn user_course_end(&self, user: &str) -> Result<SimTime, WorldError> {
        Ok(self.users.get(user).ok_or_else(|| unknown("user", user))?.course.end())
    }

    /// User `user` picks up (or now carries) phone `phone` in `carry`.
    pub fn carry_phone(
        &mut self,
        phone: &str,
        user: &str,
        carry: CarryPosition,
    ) -> Result<(), WorldError> {
        if !self.users.contains_key(user) {
            return Err(unknown("user", user));
        }
        let state = self.phones.get_mut(phone).ok_or_else(|| unknown("phone", phone))?;
        state.placement = Placement::Carried { user: user.to_owned(), carry };
        Ok(())
    }

    /// Phone `phone` is put down at `position` (or where it is now) lying as `carry`.
    pub fn leave_phone(
        &mut self,
        now: SimTime,
        phone: &str,
        position: Option<Position>,
        carry: CarryPosition,
    ) -> Result<(), WorldError> {
        let here = self.phone_position(now, phone)?;
        let state = self.phones.get_mut(phone).ok_or_else(|| unknown("phone", phone))?;
        state.placement = Placement::Left { position: position.unwrap_or(here), carry };
        Ok(())
    }

    /// Changes how phone `phone` is carried (or lies) without moving it.
    pub fn set_carry(&mut self, phone: &str, carry: CarryPosition) -> Result<(), WorldError> {
        let state = self.phones.get_mut(phone).ok_or_else(|| unknown("phone", phone))?;
        match &mut state.placement {
            Placement::Carried { carry: current, .. } | Placement::Left { carry: current, .. } => {
                *current = carry;
            }
        }
        Ok(())
    }

    // ----- Radios on and off -----

    /// Powers phone `phone` on or off.
    pub fn set_phone_power(&mut self, phone: &str, on: bool) -> Result<(), WorldError> {
        self.phones.get_mut(phone).ok_or_else(|| unknown("phone", phone))?.powered_on = on;
        Ok(())
    }

    /// Switches phone `phone`'s Bluetooth on or off.
    pub fn set_phone_bluetooth(&mut self, phone: &str, on: bool) -> Result<(), WorldError> {
        self.phones.get_mut(phone).ok_or_else(|| unknown("phone", phone))?.bluetooth_on = on;
        Ok(())
    }

    /// Switches PC `pc`'s Bluetooth radio on or off.
    pub fn set_pc_bluetooth(&mut self, pc: &str, on: bool) -> Result<(), WorldError> {
        self.pcs.get_mut(pc).ok_or_else(|| unknown("pc", pc))?.bluetooth_on = on;
        Ok(())
    }

    /// Whether PC `pc`'s Bluetooth radio is on.
    pub fn pc_bluetooth_on(&self, pc: &str) -> Result<bool, WorldError> {
        Ok(self.pcs.get(pc).ok_or_else(|| unknown("pc", pc))?.bluetooth_on)
    }

    /// The phones paired with PC `pc`.
    pub fn paired_phones(&self, pc: &str) -> Result<&[String], WorldError> {
        Ok(&self.pcs.get(pc).ok_or_else(|| unknown("pc", pc))?.config.paired_phones)
    }

    // ----- Bluetooth -----

    /// Polls phone `phone` from PC `pc` at `now` through the full chain.
    pub fn poll_bluetooth(
        &mut self,
        now: SimTime,
        pc: &str,
        phone: &str,
    ) -> Result<BluetoothPoll, WorldError> {
        Ok(self.poll_bluetooth_detailed(now, pc, phone)?.poll)
    }

    /// Like [`World::poll_bluetooth`], with the chain's intermediate values.
    pub fn poll_bluetooth_detailed(
        &mut self,
        now: SimTime,
        pc: &str,
        phone: &str,
    ) -> Result<BluetoothPollDetail, WorldError> {
        // Four lookups by name per poll: the phone, its user, the PC, the link.
        let phone_state = self.phones.get(phone).ok_or_else(|| unknown("phone", phone))?;
        let phone_position = self.placement_position(now, &phone_state.placement)?;
        let pc_state = self.pcs.get_mut(pc).ok_or_else(|| unknown("pc", pc))?;
        let absent = |reason| BluetoothPollDetail {
            poll: BluetoothPoll::Absent { reason },
            distance_m: 0.0,
            walls_crossed: 0,
            link_gain_db: None,
            tx_power_dbm: None,
            received_dbm: None,
        };
        if !pc_state.bluetooth_on {
            return Ok(absent(AbsenceReason::PcRadioOff));
        }
        if !phone_state.powered_on {
            return Ok(absent(AbsenceReason::PhoneOff));
        }
        if !phone_state.bluetooth_on {
            return Ok(absent(AbsenceReason::PhoneBluetoothOff));
        }
        let pc_position = pc_state.course.position_at(now);
        let carry_loss_db = self.carry_losses.loss_db(phone_state.placement.carry());
        let radio = &phone_state.config.radio;
        let distance_m = pc_position.distance_m(&phone_position);
        let obstruction = self.floor_plan.obstruction(&pc_position, &phone_position);
        // Looked up by `&str` (no key allocation per poll); created on a link's first poll.
        if !pc_state.bluetooth_links.contains_key(phone) {
            let link =
                LinkState::new(&self.streams, &format!("phone:{phone}"), &format!("bt:pc:{pc}"));
            pc_state.bluetooth_links.insert(phone.to_owned(), link);
        }
        let link = pc_state.bluetooth_links.get_mut(phone).expect("link created above");
        let shadowing_db = link.shadowing_at(pc_position, phone_position, &self.environment);
        let budget = LinkBudget {
            path_loss_db: self.environment.path_loss_db(distance_m),
            obstruction_loss_db: obstruction.loss_db(),
            carry_loss_db,
            shadowing_db,
        };
        let measurement = observe_poll(&self.environment, radio, &budget, &mut link.fading_rng);
        let poll = match measurement.rssi {
            Some(rssi) => BluetoothPoll::Present { rssi },
            None => BluetoothPoll::Absent { reason: AbsenceReason::OutOfRange },
        };
        Ok(BluetoothPollDetail {
            poll,
            distance_m,
            walls_crossed: obstruction.walls_crossed,
            link_gain_db: Some(budget.gain_db()),
            tx_power_dbm: Some(measurement.tx_power_dbm),
            received_dbm: Some(measurement.received_dbm),
        })
    }

    // ----- Wi-Fi -----

    /// Switches access point `ap` on or off. A PC connected to it notices at its next scan.
    pub fn set_access_point(&mut self, ap: &str, on: bool) -> Result<(), WorldError> {
        self.access_points.get_mut(ap).ok_or_else(|| unknown("access point", ap))?.on = on;
        Ok(())
    }

    /// The access point (id) PC `pc` is connected to, and the quality it last measured.
    pub fn wifi_connection(&self, pc: &str) -> Result<Option<(&str, u8)>, WorldError> {
        let state = self.pcs.get(pc).ok_or_else(|| unknown("pc", pc))?;
        Ok(state.wifi.as_ref().map(|wifi| (wifi.access_point.as_str(), wifi.quality)))
    }

    /// The scan period configured for PC `pc`.
    pub fn wifi_scan_period(&self, pc: &str) -> Result<SimDuration, WorldError> {
        Ok(self.pcs.get(pc).ok_or_else(|| unknown("pc", pc))?.config.wifi.scan_period)
    }

    /// One Wi-Fi scan of PC `pc` at `now`: measures every switched-on access point that matches
    /// a profile, then connects, roams or disconnects per [`choose_access_point`].
    pub fn wifi_scan(&mut self, now: SimTime, pc: &str) -> Result<WifiChange, WorldError> {
        let pc_position = self.pc_position(now, pc)?;
        let streams = self.streams;
        let state = self.pcs.get_mut(pc).ok_or_else(|| unknown("pc", pc))?;
        let profiles = &state.config.wifi.profiles;
        let ap_ids: Vec<&String> = self.access_points.keys().collect();
        let mut candidates = Vec::new();
        for (index, id) in ap_ids.iter().enumerate() {
            let ap = &self.access_points[*id];
            let matches = profiles.iter().any(|profile| {
                profile.ssid == ap.config.ssid
                    && profile.security.eq_ignore_ascii_case(&ap.config.security)
            });
            if !ap.on || !matches {
                continue;
            }
            let ap_position = ap.config.position;
            let link = state.wifi_links.entry((*id).clone()).or_insert_with(|| {
                LinkState::new(&streams, &format!("pc:{pc}"), &format!("wifi:ap:{id}"))
            });
            let shadowing_db = link.shadowing_at(pc_position, ap_position, &self.environment);
            let fading_db = averaged_fading_db(
                self.environment.rician_k_db,
                WIFI_BEACONS_PER_SCAN,
                &mut link.fading_rng,
            );
            let distance_m = pc_position.distance_m(&ap_position);
            let received_dbm = ap.config.tx_power_dbm
                - self.environment.path_loss_db(distance_m)
                - self.floor_plan.obstruction(&pc_position, &ap_position).loss_db()
                - shadowing_db
                + fading_db;
            candidates.push((index, signal_quality(received_dbm)));
        }
        let current = state
            .wifi
            .as_ref()
            .and_then(|wifi| ap_ids.iter().position(|id| **id == wifi.access_point));
        let chosen = choose_access_point(&state.config.wifi, current, &candidates);
        let quality_of = |index: usize| {
            candidates.iter().find(|(i, _)| *i == index).map_or(0, |(_, quality)| *quality)
        };
        let change = match (current, chosen) {
            (None, None) => WifiChange::Unchanged,
            (Some(a), Some(b)) if a == b => {
                if let Some(wifi) = state.wifi.as_mut() {
                    wifi.quality = quality_of(b);
                }
                WifiChange::Unchanged
            }
            (Some(a), None) => {
                state.wifi = None;
                WifiChange::Disconnected { from: ap_ids[a].clone() }
            }
            (previous, Some(b)) => {
                let ap = &self.access_points[ap_ids[b]].config;
                let network = &self.networks[&ap.network];
                let old_network = previous.map(|a| &self.access_points[ap_ids[a]].config.network);
                let network_changed = old_network != Some(&ap.network);
                let lease = match (&state.wifi, network_changed) {
                    (Some(wifi), false) => network.renew(&wifi.lease),
                    _ => {
                        let rng = state
                            .dhcp_rngs
                            .get_mut("wifi")
                            .ok_or_else(|| unknown("adapter", "wifi"))?;
                        network.lease("wifi", rng)
                    }
                };
                state.wifi = Some(WifiConnection {
                    access_point: ap_ids[b].clone(),
                    quality: quality_of(b),
                    lease,
                });
                let bssid = normalise_bssid(&ap.bssid);
                match previous {
                    None => WifiChange::Connected { access_point: ap_ids[b].clone(), bssid },
                    Some(a) => WifiChange::Roamed {
                        from: ap_ids[a].clone(),
                        to: ap_ids[b].clone(),
                        bssid,
                        network_changed,
                    },
                }
            }
        };
        Ok(change)
    }

    // ----- Networks -----

    /// Connects or disconnects adapter `adapter` of PC `pc`; connecting leases fresh addresses.
    pub fn set_adapter_connected(
        &mut self,
        pc: &str,
        adapter: &str,
        connected: bool,
    ) -> Result<(), WorldError> {
        let state = self.pcs.get_mut(pc).ok_or_else(|| unknown("pc", pc))?;
        let slot = state
            .adapters
            .iter_mut()
            .find(|candidate| candidate.config.name == adapter)
            .ok_or_else(|| unknown("adapter", adapter))?;
        if !connected {
            slot.lease = None;
        } else if slot.lease.is_none() {
            let network = &self.networks[&slot.config.network];
            let rng =
                state.dhcp_rngs.get_mut(adapter).ok_or_else(|| unknown("adapter", adapter))?;
            slot.lease = Some(network.lease(adapter, rng));
        }
        Ok(())
    }

    fn set_kind_connected(
        &mut self,
        pc: &str,
        kind: AdapterKind,
        connected: bool,
    ) -> Result<usize, WorldError> {
        let names: Vec<String> = self
            .pcs
            .get(pc)
            .ok_or_else(|| unknown("pc", pc))?
            .adapters
            .iter()
            .filter(|adapter| adapter.config.kind == kind)
            .map(|adapter| adapter.config.name.clone())
            .collect();
        for name in &names {
            self.set_adapter_connected(pc, name, connected)?;
        }
        Ok(names.len())
    }

    /// Docks PC `pc` (`true`) or undocks it: connects or disconnects its Ethernet adapters.
    /// Returns how many adapters changed state.
    pub fn set_docked(&mut self, pc: &str, docked: bool) -> Result<usize, WorldError> {
        self.set_kind_connected(pc, AdapterKind::Ethernet, docked)
    }

    /// Connects or disconnects PC `pc`'s VPN adapters.
    pub fn set_vpn(&mut self, pc: &str, connected: bool) -> Result<usize, WorldError> {
        self.set_kind_connected(pc, AdapterKind::Vpn, connected)
    }

    /// Changes network `network` (a DHCP server handing out new options). Adapters on it see
    /// the change when their leases are renewed ([`World::renew_leases`]).
    pub fn update_network(
        &mut self,
        network: &str,
        change: &NetworkChange,
    ) -> Result<(), WorldError> {
        self.networks.get_mut(network).ok_or_else(|| unknown("network", network))?.apply(change);
        Ok(())
    }

    /// Renews every lease of PC `pc`: same addresses, the networks' current options.
    pub fn renew_leases(&mut self, pc: &str) -> Result<(), WorldError> {
        let state = self.pcs.get_mut(pc).ok_or_else(|| unknown("pc", pc))?;
        for adapter in &mut state.adapters {
            if let Some(lease) = &adapter.lease {
                adapter.lease = Some(self.networks[&adapter.config.network].renew(lease));
            }
        }
        if let Some(wifi) = &mut state.wifi {
            let network = &self.access_points[&wifi.access_point].config.network;
            wifi.lease = self.networks[network].renew(&wifi.lease);
        }
        Ok(())
    }

    /// Every PC id, in order.
    pub fn pc_ids(&self) -> impl Iterator<Item = &str> {
        self.pcs.keys().map(String::as_str)
    }

    /// What PC `pc` observes at `now`: fresh polls of its paired phones, its Wi-Fi connection,
    /// every connected adapter's IP configuration and its primary DNS suffix.
    pub fn snapshot(&mut self, now: SimTime, pc: &str) -> Result<SignalSnapshot, WorldError> {
        let phones = self.paired_phones(pc)?.to_vec();
        let mut bluetooth = Vec::new();
        for phone in &phones {
            if let BluetoothPoll::Present { rssi } = self.poll_bluetooth(now, pc, phone)? {
                bluetooth.push(BluetoothObservation {
                    class_of_device: self.phones[phone].config.class_of_device,
                    rssi,
                    device: Some(phone.clone()),
                });
            }
        }
        let state = &self.pcs[pc];
        let wifi = state.wifi.as_ref().map(|wifi| {
            let ap = &self.access_points[&wifi.access_point].config;
            WifiObservation {
                ssid: ap.ssid.clone(),
                bssid: Some(normalise_bssid(&ap.bssid)),
                security: ap.security.clone(),
                trusted_root_ca: ap.trusted_root_ca.clone(),
                signal_quality: wifi.quality,
            }
        });
        let adapters = state
            .wifi
            .iter()
            .map(|wifi| wifi.lease.clone())
            .chain(state.adapters.iter().filter_map(|adapter| adapter.lease.clone()))
            .collect();
        Ok(SignalSnapshot {
            bluetooth,
            wifi,
            adapters,
            primary_dns_suffix: state.config.primary_dns_suffix.clone(),
        })
    }

    // ----- Users -----

    /// User `user` starts (`true`) or stops typing at `now`.
    pub fn set_typing(&mut self, now: SimTime, user: &str, typing: bool) -> Result<(), WorldError> {
        let state = self.users.get_mut(user).ok_or_else(|| unknown("user", user))?;
        if state.typing || typing {
            state.last_input = now;
        }
        state.typing = typing;
        Ok(())
    }

    /// How long user `user` has been idle at `now` (zero while typing).
    pub fn idle_for(&self, now: SimTime, user: &str) -> Result<SimDuration, WorldError> {
        let state = self.users.get(user).ok_or_else(|| unknown("user", user))?;
        Ok(if state.typing {
            SimDuration::from_us(0)
        } else {
            now.saturating_duration_since(state.last_input)
        })
    }

    /// User `user` forgets (or remembers) the PIN.
    pub fn set_pin_forgotten(&mut self, user: &str, forgotten: bool) -> Result<(), WorldError> {
        self.users.get_mut(user).ok_or_else(|| unknown("user", user))?.pin_forgotten = forgotten;
        Ok(())
    }

    /// User `user` presents `credential`; biometric outcomes are drawn from the user's stream.
    /// Presenting a credential is input: the user is no longer idle.
    pub fn present_credential(
        &mut self,
        now: SimTime,
        user: &str,
        credential: Credential,
    ) -> Result<CredentialOutcome, WorldError> {
        let state = self.users.get_mut(user).ok_or_else(|| unknown("user", user))?;
        let uniform: f64 = state.rng.random();
        state.last_input = now;
        Ok(judge_credential(&state.config.credentials, state.pin_forgotten, credential, uniform))
    }
}
