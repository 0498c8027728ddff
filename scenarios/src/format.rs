//! The raw scenario document: serde structs mirroring the YAML one to one.
//!
//! Nothing here is validated beyond types and known keys (`deny_unknown_fields` everywhere, so a
//! typo is an error with a "did you mean" hint, never a silent default). [`crate::load`] turns a
//! [`ScenarioDocument`] into a validated [`crate::model::Scenario`]. Fields that name other
//! entities are `Spanned`, so a dangling reference is reported at its line and column.

use std::collections::BTreeMap;

use engine::policy::Interpretations;
use engine::time::SimDuration;
use serde::Deserialize;
use serde_saphyr::Spanned;
use sim_devices::geometry::Position;
use sim_devices::network::NetworkChange;
use sim_devices::propagation::Carry;
use sim_devices::world::WorldConfig;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDocument {
    /// A short name, shown in results.
    pub name: String,
    /// What the scenario shows, for people reading the suite.
    #[serde(default)]
    pub description: Option<String>,
    /// The master seed of the first run; run `i` uses `seed + i`.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// How many seeded repetitions to run.
    #[serde(default = "default_runs")]
    pub runs: Spanned<u32>,
    /// Simulated time of each run.
    pub duration: Spanned<SimDuration>,
    /// The named interpretations of undocumented Windows behaviour (design 3.6).
    #[serde(default)]
    pub interpretations: Interpretations,
    /// Calibration of Windows timings.
    #[serde(default)]
    pub calibration: Calibration,
    /// The physical world: floor plan, radio environment, networks, access points, PCs, phones
    /// and users.
    pub world: WorldConfig,
    /// Named points that walks can go to.
    #[serde(default)]
    pub places: BTreeMap<String, Position>,
    /// The Windows side of each PC, keyed by the PC's id in `world.pcs`.
    #[serde(default)]
    pub windows: BTreeMap<String, Spanned<WindowsConfig>>,
    /// What happens, in order of time.
    #[serde(default)]
    pub timeline: Vec<Spanned<TimelineEntry>>,
    /// What must hold.
    #[serde(default)]
    pub expect: Vec<Spanned<ExpectationEntry>>,
}

fn default_seed() -> u64 {
    1
}

fn default_runs() -> Spanned<u32> {
    Spanned::new(1, serde_saphyr::Location::UNKNOWN, serde_saphyr::Location::UNKNOWN)
}

/// The largest `coexistence_loss_db` a scenario may set, dB: three times the largest measured
/// value, so a typo is caught and a pessimistic what-if is not.
pub const COEXISTENCE_LOSS_DB_MAX: f64 = 30.0;

/// The longest `page_timeout` or `supervision_timeout` a scenario may set: 0xFFFF slots of
/// 0.625 ms = 40.96 s, the largest value of the HCI `Page_Timeout` and
/// `Link_Supervision_Timeout` parameters (Bluetooth Core v5.2, Vol 4, Part E, 7.3.16 and
/// 7.3.42); a controller cannot wait longer.
pub const BLUETOOTH_TIMEOUT_MAX: SimDuration = SimDuration::from_us(40_959_375);

/// Windows timings and radio values that are calibration, not ambiguity (design 3.6): each an
/// unknown with a default and a documented range, in one table,
/// [`crate::calibration::CALIBRATION_KEYS`] (and `docs/model.md`, "Unknowns"). A scenario writes
/// each as a fixed value or a distribution drawn once per run ([`Self::written`],
/// [`Self::drawn`]); the typed fields below hold the fixed values (the defaults when not set).
/// Deserialised by hand in `calibration.rs` (unknown keys are errors with a hint).
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Shortest interval between two Bluetooth polls of one phone.
    pub poll_interval_min: SimDuration,
    /// Longest interval between two Bluetooth polls of one phone.
    pub poll_interval_max: SimDuration,
    /// Delay between judging a phone absent and the Dynamic Lock check.
    pub lock_delay: SimDuration,
    /// Dynamic Lock locks only when the user has been idle at least this long.
    pub idle_min: SimDuration,
    /// Interval between two keystroke events while a user types.
    pub typing_interval: SimDuration,
    /// Bluetooth/Wi-Fi coexistence, dB (default 0, documented range 0 to 10, at most
    /// [`COEXISTENCE_LOSS_DB_MAX`]): a PC associated to a 2.4 GHz Wi-Fi network receives its
    /// phones this much weaker, on many laptops, because Bluetooth and Wi-Fi share the radio or
    /// antenna. A public report measured about 10 dB; the value for a given laptop is unknown.
    /// Every access point of the model is 2.4 GHz, so any association counts.
    pub coexistence_loss_db: f64,
    /// How long a poll that pages an unreachable phone (out of range, off, Bluetooth off) takes
    /// before the device hears it failed (default 5.12 s, at most [`BLUETOOTH_TIMEOUT_MAX`]):
    /// the Bluetooth Core default `Page_Timeout`, 0x2000 slots x 0.625 ms (v5.2, Vol 4, Part E,
    /// 7.3.16). Stacks commonly set 1.28 to 10.24 s; the value Windows uses is unknown per
    /// device. 0 gives the older model, where absence is seen at once.
    pub page_timeout: SimDuration,
    /// Whether the PC keeps the link to a phone up between polls (default false). Reverse
    /// engineering found Dynamic Lock connects, reads the RSSI and disconnects on every poll
    /// (design 3.4), so by default every failing poll pages ([`Self::page_timeout`]). With
    /// true, the first failing poll after a present reading is a dropped link, judged after
    /// [`Self::supervision_timeout`]; later ones page. Which a given PC does is unknown.
    pub link_held_between_polls: bool,
    /// How long a held link that drops silently takes to be judged lost (default 20 s, at most
    /// [`BLUETOOTH_TIMEOUT_MAX`]; used only with [`Self::link_held_between_polls`]): the
    /// Bluetooth Core default `Link_Supervision_Timeout`, 0x7D00 slots x 0.625 ms (v5.2, Vol 4,
    /// Part E, 7.3.42). Stacks and phones set other values; the one in effect is unknown.
    pub supervision_timeout: SimDuration,
    /// The GRPR's lower limit of every PC's controller, dBm (default -56, documented range
    /// sensitivity + 6 to -56: Core v5.2 Vol 4 Part E 7.5.4). `None`: each phone's own `radio:`
    /// value. When set it replaces every phone's `radio.grpr_lower_dbm` (calibration wins).
    pub grpr_lower_dbm: Option<f64>,
    /// The GRPR's width, dB (default 20, range 14 to 26: "20 +- 6 dB", 7.5.4). `None`: each
    /// phone's own value; when set it replaces every phone's.
    pub grpr_width_db: Option<f64>,
    /// Every phone's maximum transmit power, dBm (default +4, power class 2; range 0 to +20:
    /// class 3 0 dBm, class 2 +4, class 1.5 +10 (LE), class 1 +20; Core v5.2 Vol 2 Part A 3).
    /// `None`: each phone's own value; when set it replaces every phone's.
    pub tx_power_dbm_max: Option<f64>,
    /// The receiver sensitivity, dBm (default -90, range -97 to -70: a BR receiver must reach
    /// -70 dBm, Core v5.2 Vol 2 Part A 4; -90 typical; the low end chosen). `None`: each
    /// phone's own value; when set it replaces every phone's.
    pub sensitivity_dbm: Option<f64>,
    /// Every numeric key the scenario wrote, as written (fixed or a distribution, in the key's
    /// unit: seconds for timings), with its position for diagnostics. A distribution here wins
    /// over the typed field at run time: change a value with [`Self::set_fixed`].
    pub written: crate::calibration::Written,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            poll_interval_min: SimDuration::from_s(15),
            poll_interval_max: SimDuration::from_s(30),
            lock_delay: SimDuration::from_s(30),
            idle_min: SimDuration::from_s(30),
            typing_interval: SimDuration::from_s(5),
            coexistence_loss_db: 0.0,
            page_timeout: SimDuration::from_us(5_120_000),
            link_held_between_polls: false,
            supervision_timeout: SimDuration::from_s(20),
            grpr_lower_dbm: None,
            grpr_width_db: None,
            tx_power_dbm_max: None,
            sensitivity_dbm: None,
            written: BTreeMap::new(),
        }
    }
}

/// The Windows side of one PC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsConfig {
    /// The user who works at this PC (their `sit`/`stand` define "at the desk" for metrics).
    pub user: Spanned<String>,
    /// A policy file (the `unlocksim policy` YAML), relative to the scenario file.
    #[serde(default)]
    pub policy_file: Option<Spanned<String>>,
    /// Screen lock after this much inactivity.
    #[serde(default)]
    pub inactivity_timeout: Option<SimDuration>,
    /// A device profile (the `unlocksim analyze lockout --device` YAML: join type, trust model,
    /// PIN reset configuration, MFA methods), relative to the scenario file. Needed by
    /// `pin_reset` actions.
    #[serde(default)]
    pub device_profile: Option<Spanned<String>>,
}

/// Whether an entry sets one particular key.
pub type KeySet<T> = fn(&T) -> bool;

/// Every timeline action, by its YAML key, with a test of whether an entry sets it: the one
/// list of actions. It feeds the loader's exactly-one check and its hint, in this order; a test
/// keeps it equal to [`TimelineEntry`]'s keys. A new action is a field below, a row here, a
/// `model::Action` variant, a loader leaf (`load/timeline.rs`) and a runner leaf.
pub const ACTIONS: [(&str, KeySet<TimelineEntry>); 24] = [
    ("walk", |e| e.walk.is_some()),
    ("sit", |e| e.sit.is_some()),
    ("stand", |e| e.stand.is_some()),
    ("type", |e| e.type_.is_some()),
    ("idle", |e| e.idle.is_some()),
    ("present", |e| e.present.is_some()),
    ("lock", |e| e.lock.is_some()),
    ("phone_bluetooth", |e| e.phone_bluetooth.is_some()),
    ("phone_power", |e| e.phone_power.is_some()),
    ("pc_bluetooth", |e| e.pc_bluetooth.is_some()),
    ("access_point", |e| e.access_point.is_some()),
    ("dock", |e| e.dock.is_some()),
    ("vpn", |e| e.vpn.is_some()),
    ("network_change", |e| e.network_change.is_some()),
    ("renew_leases", |e| e.renew_leases.is_some()),
    ("carry", |e| e.carry.is_some()),
    ("leave_phone", |e| e.leave_phone.is_some()),
    ("forget_pin", |e| e.forget_pin.is_some()),
    ("biometric", |e| e.biometric.is_some()),
    ("pin_reset", |e| e.pin_reset.is_some()),
    ("corporate_network", |e| e.corporate_network.is_some()),
    ("pick_up", |e| e.pick_up.is_some()),
    ("put_down", |e| e.put_down.is_some()),
    ("move_pc", |e| e.move_pc.is_some()),
];

/// One timeline entry: a time and exactly one action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// When, from the start of the run.
    pub at: SimDuration,
    /// A user walks along waypoints (places or `[x, y]`).
    #[serde(default)]
    pub walk: Option<WalkAction>,
    /// A user sits down at their PC: from now on they are "at the desk".
    #[serde(default)]
    pub sit: Option<UserRef>,
    /// A user stands up from their PC: from now on they are away.
    #[serde(default)]
    pub stand: Option<UserRef>,
    /// A user types at a PC for a while (keystrokes every `calibration.typing_interval`).
    #[serde(default, rename = "type")]
    pub type_: Option<TypeAction>,
    /// A user stops typing.
    #[serde(default)]
    pub idle: Option<UserRef>,
    /// A user presents credentials at a PC.
    #[serde(default)]
    pub present: Option<PresentAction>,
    /// A user locks a PC (Windows+L).
    #[serde(default)]
    pub lock: Option<PcRef>,
    /// A phone's Bluetooth is switched on or off.
    #[serde(default)]
    pub phone_bluetooth: Option<PhoneToggle>,
    /// A phone is powered on or off (a drained battery).
    #[serde(default)]
    pub phone_power: Option<PhoneToggle>,
    /// A PC's Bluetooth radio is switched on or off.
    #[serde(default)]
    pub pc_bluetooth: Option<PcToggle>,
    /// An access point is switched on or off.
    #[serde(default)]
    pub access_point: Option<AccessPointToggle>,
    /// A laptop is docked (`on: true`) or undocked.
    #[serde(default)]
    pub dock: Option<PcToggle>,
    /// A PC's VPN connects (`on: true`) or disconnects.
    #[serde(default)]
    pub vpn: Option<PcToggle>,
    /// A network's DHCP/DNS configuration changes; PCs see it at their next lease renewal.
    #[serde(default)]
    pub network_change: Option<NetworkChangeAction>,
    /// A PC renews its DHCP leases now.
    #[serde(default)]
    pub renew_leases: Option<PcRef>,
    /// A phone changes hands or carry position.
    #[serde(default)]
    pub carry: Option<CarryAction>,
    /// A phone is put down somewhere.
    #[serde(default)]
    pub leave_phone: Option<LeavePhoneAction>,
    /// A user forgets (or remembers) their PIN.
    #[serde(default)]
    pub forget_pin: Option<ForgetPinAction>,
    /// A biometric stops (or starts again) being offered: a failed sensor, or an application or
    /// policy that disabled it.
    #[serde(default)]
    pub biometric: Option<BiometricAction>,
    /// A user tries to reset the PIN, from the lock screen or from Settings.
    #[serde(default)]
    pub pin_reset: Option<PinResetAction>,
    /// A PC leaves (`on: false`) or rejoins the corporate network, as the PIN reset model sees
    /// it (domain controllers and federation services reachable).
    #[serde(default)]
    pub corporate_network: Option<PcToggle>,
    /// A user picks up a PC (a laptop): it goes where they go until put down.
    #[serde(default)]
    pub pick_up: Option<PickUpAction>,
    /// A PC is put down: it stays where it is, or at `at`.
    #[serde(default)]
    pub put_down: Option<PutDownAction>,
    /// A PC moves along its own path (a laptop on a trolley): a `walk` for a PC nobody carries.
    #[serde(default)]
    pub move_pc: Option<MovePcAction>,
}

/// A user picks up a PC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PickUpAction {
    pub user: Spanned<String>,
    pub pc: Spanned<String>,
}

/// A PC put down.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutDownAction {
    pub pc: Spanned<String>,
    /// Where (default: where it is now, i.e. where its carrier stands).
    #[serde(default)]
    pub at: Option<Spanned<PlaceOrPosition>>,
}

/// A PC moving along waypoints on its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovePcAction {
    pub pc: Spanned<String>,
    /// Where to go, in order: place names or `[x, y]`.
    pub to: Spanned<Vec<PlaceOrPosition>>,
    /// Speed (default 1.2 m/s, as a walk).
    #[serde(default)]
    pub speed_m_per_s: Option<f64>,
}

/// A biometric made unavailable or available again.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiometricAction {
    pub user: Spanned<String>,
    /// `fingerprint` or `facial_recognition` (or `face`).
    pub credential: Spanned<String>,
    pub available: bool,
}

/// A PIN reset attempt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinResetAction {
    pub user: Spanned<String>,
    pub pc: Spanned<String>,
    /// `lock_screen` ("I forgot my PIN") or `settings` (signed in).
    pub from: Spanned<String>,
}

/// Names a user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRef {
    pub user: Spanned<String>,
}

/// Names a PC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcRef {
    pub pc: Spanned<String>,
}

/// A place name or a position.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PlaceOrPosition {
    Position(Position),
    Place(String),
}

/// A walk along waypoints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkAction {
    pub user: Spanned<String>,
    /// Where to go, in order: place names or `[x, y]`.
    pub to: Spanned<Vec<PlaceOrPosition>>,
    /// Walking speed (default 1.2 m/s).
    #[serde(default)]
    pub speed_m_per_s: Option<f64>,
}

/// Typing at a PC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeAction {
    pub user: Spanned<String>,
    pub pc: Spanned<String>,
    /// How long (default: until the user walks, stands, goes idle or the run ends).
    #[serde(default, rename = "for")]
    pub for_: Option<SimDuration>,
}

/// Credentials presented at a PC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentAction {
    pub user: Spanned<String>,
    pub pc: Spanned<String>,
    /// Credential names: `pin`, `fingerprint`, `facial_recognition` (or `face`), `security_key`.
    pub credentials: Spanned<Vec<String>>,
}

/// A phone switched on or off.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneToggle {
    pub phone: Spanned<String>,
    pub on: bool,
}

/// A PC feature switched on or off.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcToggle {
    pub pc: Spanned<String>,
    pub on: bool,
}

/// An access point switched on or off.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPointToggle {
    pub access_point: Spanned<String>,
    pub on: bool,
}

/// A network configuration change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkChangeAction {
    pub network: Spanned<String>,
    pub change: NetworkChange,
}

/// A phone carried by a user in some position.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarryAction {
    pub phone: Spanned<String>,
    pub user: Spanned<String>,
    /// A position's name or a custom `{loss_db, side}`.
    pub carry: Carry,
}

/// A phone put down.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeavePhoneAction {
    pub phone: Spanned<String>,
    /// Where (default: where it is now).
    #[serde(default)]
    pub at: Option<PlaceOrPosition>,
    /// How it lies (default `desk`): a position's name or a custom `{loss_db}`.
    #[serde(default)]
    pub carry: Option<Carry>,
}

/// A user forgets or remembers the PIN.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgetPinAction {
    pub user: Spanned<String>,
    #[serde(default = "default_true")]
    pub forgotten: bool,
}

fn default_true() -> bool {
    true
}

/// Every expectation kind, by its YAML key, with a test of whether an entry sets it: the one
/// list of kinds, feeding the exactly-one check and its hint. A test keeps it equal to
/// [`ExpectationEntry`]'s keys. A new kind is a field below, a row here, a
/// `model::Expectation` variant, a loader leaf (`load/expectations.rs`) and a `judge_*` leaf
/// (`expect.rs`).
pub const EXPECTATION_KINDS: [(&str, KeySet<ExpectationEntry>); 14] = [
    ("locked_within", |e| e.locked_within.is_some()),
    ("never_locked", |e| e.never_locked.is_some()),
    ("unlock", |e| e.unlock.is_some()),
    ("event_logged", |e| e.event_logged.is_some()),
    ("pin_reset", |e| e.pin_reset.is_some()),
    ("lock_after_walk_away", |e| e.lock_after_walk_away.is_some()),
    ("false_locks_per_hour_max", |e| e.false_locks_per_hour_max.is_some()),
    ("false_locks_per_hour_min", |e| e.false_locks_per_hour_min.is_some()),
    ("events_in_order", |e| e.events_in_order.is_some()),
    ("presence", |e| e.presence.is_some()),
    ("notified", |e| e.notified.is_some()),
    ("lock_distance", |e| e.lock_distance.is_some()),
    ("associated", |e| e.associated.is_some()),
    ("compare_interpretations", |e| e.compare_interpretations.is_some()),
];

/// One expectation: exactly one key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationEntry {
    /// The PC locks within `within` after `after` (in every run).
    #[serde(default)]
    pub locked_within: Option<LockedWithin>,
    /// The PC does not lock between `from` and `to` (in every run).
    #[serde(default)]
    pub never_locked: Option<NeverLocked>,
    /// The unlock attempt at `at` succeeds or fails (in every run), optionally with which factors.
    #[serde(default)]
    pub unlock: Option<UnlockExpectation>,
    /// An event ID is logged at or after `after` (in every run).
    #[serde(default)]
    pub event_logged: Option<EventLogged>,
    /// Over all runs: the time from the user standing up at `after` to the lock.
    #[serde(default)]
    pub lock_after_walk_away: Option<LockAfterWalkAway>,
    /// Over all runs: presence-driven locks per hour while the user sits at the PC.
    #[serde(default)]
    pub false_locks_per_hour_max: Option<FalseLocks>,
    /// The PIN reset attempt at `at` succeeds or fails (in every run), optionally of which kind.
    #[serde(default)]
    pub pin_reset: Option<PinResetExpectation>,
    /// Over all runs: at least this many presence-driven locks per hour while seated (to pin
    /// down that a too-tight policy does cause false locks).
    #[serde(default)]
    pub false_locks_per_hour_min: Option<FalseLocks>,
    /// Device Unlock events logged in this order at or after `after` (in every run), others
    /// possibly between them.
    #[serde(default)]
    pub events_in_order: Option<EventsInOrder>,
    /// The PC judges the phone present (or absent) throughout an interval (in every run).
    #[serde(default)]
    pub presence: Option<PresenceExpectation>,
    /// The PC shows a notification whose text contains `contains` at or after `after` (in
    /// every run).
    #[serde(default)]
    pub notified: Option<Notified>,
    /// The user's distance from the PC at its first lock at or after `after` lies within
    /// bounds (in every run).
    #[serde(default)]
    pub lock_distance: Option<LockDistance>,
    /// The PC is associated with an access point (by id or BSSID) at a time (in every run).
    #[serde(default)]
    pub associated: Option<Associated>,
    /// A metric of the PC under one set of interpretations stands in a relation to the same
    /// metric under another, seed by seed (each side runs every seed once more).
    #[serde(default)]
    pub compare_interpretations: Option<CompareInterpretations>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockDistance {
    pub pc: Spanned<String>,
    #[serde(default)]
    pub after: SimDuration,
    /// Only locks with this reason count (as in `locked_within`).
    #[serde(default)]
    pub reason: Option<Spanned<String>>,
    /// The user must be at least this far from the PC, metres.
    #[serde(default)]
    pub distance_m_min: Option<f64>,
    /// The user must be at most this far from the PC, metres.
    #[serde(default)]
    pub distance_m_max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Associated {
    pub pc: Spanned<String>,
    pub at: SimDuration,
    /// The access point's id; exactly one of `ap` and `bssid`.
    #[serde(default)]
    pub ap: Option<Spanned<String>>,
    /// The access point's BSSID, in any case, `:` or `-` separated.
    #[serde(default)]
    pub bssid: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareInterpretations {
    pub pc: Spanned<String>,
    /// `locks`, `unlocks` or `denials`.
    pub metric: Spanned<String>,
    /// Interpretations of the left side (name: value), over the scenario's own.
    pub left: Spanned<std::collections::BTreeMap<String, String>>,
    /// `at_least`, `at_most`, `equal`, `greater` or `less`.
    pub relation: Spanned<String>,
    /// Interpretations of the right side (name: value), over the scenario's own.
    pub right: Spanned<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notified {
    pub pc: Spanned<String>,
    /// Part of the notification's text, e.g. `Bluetooth is off`.
    pub contains: String,
    #[serde(default)]
    pub after: SimDuration,
}

/// Most event IDs one `events_in_order` lists.
pub const ORDERED_EVENTS_MAX: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsInOrder {
    pub pc: Spanned<String>,
    /// 1 to [`ORDERED_EVENTS_MAX`] event IDs, e.g. `[3520, 5520]`.
    pub ids: Vec<u32>,
    #[serde(default)]
    pub after: SimDuration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceExpectation {
    pub pc: Spanned<String>,
    pub phone: Spanned<String>,
    /// `present` or `absent`.
    pub state: Spanned<String>,
    #[serde(default)]
    pub from: SimDuration,
    /// Default: the end of the run.
    #[serde(default)]
    pub to: Option<SimDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedWithin {
    pub pc: Spanned<String>,
    #[serde(default)]
    pub after: SimDuration,
    pub within: SimDuration,
    /// Only locks with this reason count (`dynamic_lock`, `authentication_signal_lost`,
    /// `manual`, `inactivity`).
    #[serde(default)]
    pub reason: Option<Spanned<String>>,
    /// Only locks that name this phone (the one Dynamic Lock found gone) count.
    #[serde(default)]
    pub phone: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeverLocked {
    pub pc: Spanned<String>,
    #[serde(default)]
    pub from: SimDuration,
    /// Default: the end of the run.
    #[serde(default)]
    pub to: Option<SimDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockExpectation {
    pub pc: Spanned<String>,
    pub at: SimDuration,
    pub succeeds: bool,
    /// The credentials that satisfied the factors, first factor first.
    #[serde(default)]
    pub factors: Option<Vec<String>>,
    /// The event ID logged for a denial (6520, 7520...).
    #[serde(default)]
    pub event_id: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventLogged {
    pub pc: Spanned<String>,
    pub id: u32,
    #[serde(default)]
    pub after: SimDuration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockAfterWalkAway {
    pub pc: Spanned<String>,
    /// The time of the `stand` (or walk) that starts the walk-away.
    pub after: SimDuration,
    #[serde(default)]
    pub p50_max: Option<SimDuration>,
    #[serde(default)]
    pub p95_max: Option<SimDuration>,
    #[serde(default)]
    pub max: Option<SimDuration>,
    /// The smallest time to lock allowed in any run that locks (a lock must not come sooner).
    #[serde(default)]
    pub min: Option<SimDuration>,
    /// The largest share of runs that may never lock (default 0).
    #[serde(default)]
    pub never_share_max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FalseLocks {
    pub pc: Spanned<String>,
    pub value: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinResetExpectation {
    pub pc: Spanned<String>,
    pub at: SimDuration,
    pub succeeds: bool,
    /// `destructive` or `nondestructive`.
    #[serde(default)]
    pub reset: Option<Spanned<String>>,
}
