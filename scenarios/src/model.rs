//! The validated scenario: every reference resolved, every value in range, times sorted.
//!
//! Holding a [`Scenario`] means loading succeeded: the runner never re-checks input.

use engine::policy::{CredentialProvider, Interpretations, SignInProvider};
use engine::time::{SimDuration, SimTime};
use sim_devices::geometry::Position;
use sim_devices::mobility::Waypoint;
use sim_devices::network::NetworkChange;
use sim_devices::propagation::Carry;
use sim_devices::world::{AccessPointId, NetworkId, PcId, PhoneId, UserId, WorldConfig};

use crate::format::Calibration;

/// Most timeline entries a scenario may have.
pub const TIMELINE_ENTRIES_MAX: usize = 10_000;
/// Most expectations a scenario may have.
pub const EXPECTATIONS_MAX: usize = 1_000;
/// Most seeded runs of one scenario.
pub const SCENARIO_RUNS_MAX: u32 = 100_000;
/// Longest simulated duration of one run.
pub const SCENARIO_DURATION_MAX: SimDuration = SimDuration::from_h(24 * 366);
/// Most PCs, phones or users in one scenario.
pub const SCENARIO_ENTITIES_MAX: usize = 1_000;

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// The file as the user named it (repo-relative in the suite).
    pub file: String,
    /// SHA-256 of the scenario text (hex, first 16 characters), recorded in every report.
    pub content_hash: String,
    pub seed: u64,
    pub runs: u32,
    pub duration: SimDuration,
    pub interpretations: Interpretations,
    /// The interpretations the file sets (`interpretations:` keys, in
    /// `engine::policy::interpretation::INTERPRETATION_NAMES`' order) or `--interpretation`
    /// set: `--interpretations all` keeps them and compares only the others.
    pub pinned_interpretations: Vec<String>,
    /// The command-line overrides this scenario runs with, as repro commands write them
    /// (` --set NAME=VALUE` each, in order; empty without any): every repro line appends it.
    pub repro_flags: String,
    pub calibration: Calibration,
    pub world: WorldConfig,
    /// One entry per PC of the world, in id order.
    pub pcs: Vec<PcSetup>,
    /// Sorted by time; equal times keep file order.
    pub timeline: Vec<TimedAction>,
    pub expectations: Vec<Expectation>,
    /// The loader's warnings (e.g. walls under an NLoS preset): shown, never failing a run.
    pub warnings: Vec<engine::diagnostic::Diagnostic>,
}

/// The Windows side of one PC.
#[derive(Debug, Clone)]
pub struct PcSetup {
    pub id: String,
    /// The PC's handle (its position in the world's id order).
    pub pc: PcId,
    /// The user who works here, if the scenario names one.
    pub user: Option<UserId>,
    pub policy: Option<engine::policy::Policy>,
    pub inactivity_timeout: Option<SimDuration>,
    /// The device profile for PIN reset attempts, if the scenario gives one.
    pub device_profile: Option<engine::recovery::DeviceProfile>,
}

/// An action at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedAction {
    pub at: SimTime,
    pub action: Action,
}

/// Something that happens in the world or at a PC. Entities are the handles the scenario's
/// [`WorldConfig`] issues (`world.pc_id(...)`), which are the handles `World::new` gives the
/// same configuration: the loader resolved every name, so the runner never looks one up.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Walk {
        user: UserId,
        waypoints: Vec<Waypoint>,
    },
    Sit {
        user: UserId,
    },
    Stand {
        user: UserId,
    },
    Type {
        user: UserId,
        pc: PcId,
        until: Option<SimTime>,
    },
    Idle {
        user: UserId,
    },
    /// Hello credentials (one unlock attempt), then, if that did not unlock, the sign-in
    /// credentials outside Hello in order (design 3.5b).
    Present {
        user: UserId,
        pc: PcId,
        credentials: Vec<CredentialProvider>,
        sign_in: Vec<SignInProvider>,
    },
    Lock {
        pc: PcId,
    },
    PhoneBluetooth {
        phone: PhoneId,
        on: bool,
    },
    PhonePower {
        phone: PhoneId,
        on: bool,
    },
    PcBluetooth {
        pc: PcId,
        on: bool,
    },
    AccessPoint {
        access_point: AccessPointId,
        on: bool,
    },
    Dock {
        pc: PcId,
        on: bool,
    },
    Vpn {
        pc: PcId,
        on: bool,
    },
    NetworkChange {
        network: NetworkId,
        change: NetworkChange,
    },
    RenewLeases {
        pc: PcId,
    },
    Carry {
        phone: PhoneId,
        user: UserId,
        carry: Carry,
    },
    LeavePhone {
        phone: PhoneId,
        at: Option<Position>,
        carry: Carry,
    },
    ForgetPin {
        user: UserId,
        forgotten: bool,
    },
    Biometric {
        user: UserId,
        biometric: engine::recovery::Biometric,
        available: bool,
    },
    PinReset {
        user: UserId,
        pc: PcId,
        entry: engine::recovery::ResetEntry,
    },
    CorporateNetwork {
        pc: PcId,
        on: bool,
    },
    /// User `user` carries PC `pc` from now on (the loader checks nobody else carries it).
    PickUp {
        user: UserId,
        pc: PcId,
    },
    /// PC `pc` is put down at `at`, or where it is.
    PutDown {
        pc: PcId,
        at: Option<Position>,
    },
    /// PC `pc`, carried by nobody (the loader checks), moves along `waypoints`.
    MovePc {
        pc: PcId,
        waypoints: Vec<Waypoint>,
    },
}

impl Action {
    /// The action's name as written in YAML.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Walk { .. } => "walk",
            Action::Sit { .. } => "sit",
            Action::Stand { .. } => "stand",
            Action::Type { .. } => "type",
            Action::Idle { .. } => "idle",
            Action::Present { .. } => "present",
            Action::Lock { .. } => "lock",
            Action::PhoneBluetooth { .. } => "phone_bluetooth",
            Action::PhonePower { .. } => "phone_power",
            Action::PcBluetooth { .. } => "pc_bluetooth",
            Action::AccessPoint { .. } => "access_point",
            Action::Dock { .. } => "dock",
            Action::Vpn { .. } => "vpn",
            Action::NetworkChange { .. } => "network_change",
            Action::RenewLeases { .. } => "renew_leases",
            Action::Carry { .. } => "carry",
            Action::LeavePhone { .. } => "leave_phone",
            Action::ForgetPin { .. } => "forget_pin",
            Action::Biometric { .. } => "biometric",
            Action::PinReset { .. } => "pin_reset",
            Action::CorporateNetwork { .. } => "corporate_network",
            Action::PickUp { .. } => "pick_up",
            Action::PutDown { .. } => "put_down",
            Action::MovePc { .. } => "move_pc",
        }
    }
}

/// What must hold, judged on traces.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    LockedWithin {
        pc: String,
        after: SimTime,
        within: SimDuration,
        /// Only locks for this reason count.
        reason: Option<engine::trace::LockReason>,
        /// Only locks that name this phone count.
        phone: Option<String>,
    },
    NeverLocked {
        pc: String,
        from: SimTime,
        to: Option<SimTime>,
    },
    Unlock {
        pc: String,
        at: SimTime,
        succeeds: bool,
        factors: Option<Vec<CredentialProvider>>,
        event_id: Option<u32>,
    },
    PinReset {
        pc: String,
        at: SimTime,
        succeeds: bool,
        reset: Option<engine::recovery::ResetKind>,
    },
    EventLogged {
        pc: String,
        id: u32,
        after: SimTime,
    },
    LockAfterWalkAway {
        pc: String,
        after: SimTime,
        p50_max: Option<SimDuration>,
        p95_max: Option<SimDuration>,
        max: Option<SimDuration>,
        /// The smallest time to lock allowed in a run that locks.
        min: Option<SimDuration>,
        never_share_max: f64,
    },
    FalseLocksPerHourMax {
        pc: String,
        value: f64,
    },
    FalseLocksPerHourMin {
        pc: String,
        value: f64,
    },
    /// Events `ids` logged in this order at or after `after`.
    EventsInOrder {
        pc: String,
        ids: Vec<u32>,
        after: SimTime,
    },
    /// `pc` shows a notification containing `contains` at or after `after`.
    Notified {
        pc: String,
        contains: String,
        after: SimTime,
    },
    /// `pc` judges `phone` present (`present: true`) or absent throughout `from..=to`.
    Presence {
        pc: String,
        phone: String,
        present: bool,
        from: SimTime,
        to: Option<SimTime>,
    },
    /// The user's distance from `pc` at its first lock (of `reason`, if set) at or after
    /// `after` lies in `distance_m_min..=distance_m_max`, metres (each bound if set).
    LockDistance {
        pc: String,
        after: SimTime,
        reason: Option<engine::trace::LockReason>,
        distance_m_min: Option<f64>,
        distance_m_max: Option<f64>,
    },
    /// `pc` is associated with `with` at `at`.
    Associated {
        pc: String,
        at: SimTime,
        with: AssociatedWith,
    },
    /// Seed by seed, `metric` of `pc` under `left` stands in `relation` to it under `right`.
    CompareInterpretations(Comparison),
}

/// What an `associated` expectation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssociatedWith {
    /// An access point by id.
    AccessPoint(String),
    /// A BSSID in Windows' form (`sim_devices::wifi::normalise_bssid`).
    Bssid(String),
}

/// A count of one kind of record of a PC in one run, compared between interpretations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `lock` records, any reason.
    Locks,
    /// `unlock` records of a locked PC (re-authentications do not count).
    Unlocks,
    /// `unlock_denied` records.
    Denials,
}

/// How the left side's count must relate to the right side's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `at_least`: left >= right.
    AtLeast,
    /// `at_most`: left <= right.
    AtMost,
    /// `equal`: left = right.
    Equal,
    /// `greater`: left > right.
    Greater,
    /// `less`: left < right.
    Less,
}

/// A `compare_interpretations` expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub pc: String,
    pub metric: Metric,
    /// (interpretation, value) set over the scenario's own for the left side, in name order.
    pub left: Vec<(String, String)>,
    pub relation: Relation,
    /// As `left`, for the right side.
    pub right: Vec<(String, String)>,
}

impl Metric {
    /// Every metric, in the order the reference lists them.
    pub const ALL: [Metric; 3] = [Metric::Locks, Metric::Unlocks, Metric::Denials];

    /// The name as written in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            Metric::Locks => "locks",
            Metric::Unlocks => "unlocks",
            Metric::Denials => "denials",
        }
    }
}

impl Relation {
    /// Every relation, in the order the reference lists them.
    pub const ALL: [Relation; 5] =
        [Relation::AtLeast, Relation::AtMost, Relation::Equal, Relation::Greater, Relation::Less];

    /// The name as written in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            Relation::AtLeast => "at_least",
            Relation::AtMost => "at_most",
            Relation::Equal => "equal",
            Relation::Greater => "greater",
            Relation::Less => "less",
        }
    }

    /// The relation in symbols, for messages: `>=`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Relation::AtLeast => ">=",
            Relation::AtMost => "<=",
            Relation::Equal => "=",
            Relation::Greater => ">",
            Relation::Less => "<",
        }
    }

    /// Whether `left` stands in this relation to `right`.
    pub fn holds(self, left: usize, right: usize) -> bool {
        match self {
            Relation::AtLeast => left >= right,
            Relation::AtMost => left <= right,
            Relation::Equal => left == right,
            Relation::Greater => left > right,
            Relation::Less => left < right,
        }
    }
}
