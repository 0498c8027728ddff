//! `sim-devices`: the physical world of unlocksim.
//!
//! Mobility on a floor plan, radio propagation and the Bluetooth relative-RSSI observation chain,
//! Wi-Fi access points and roaming, networks with DHCP/DNS/VPN, and users. At any instant the
//! world can produce the [`engine::SignalSnapshot`] that the policy evaluator takes.
//! Design of record: `design.md` sections 3.4 and 3.6.
//!
//! What it must never do: read the wall clock, take entropy from the operating system (all
//! randomness comes from [`engine::RandomStreams`]), perform I/O, or iterate unordered hash maps.

pub mod bluetooth;
pub mod fit;
pub mod geometry;
pub mod mobility;
pub mod network;
pub mod profile;
pub mod propagation;
pub mod reach;
pub mod user;
pub mod wifi;
pub mod world;

pub use bluetooth::BluetoothRadioConfig;
pub use geometry::{FloorPlan, Position, Wall};
pub use mobility::{Course, Waypoint};
pub use propagation::{CarryLosses, CarryPosition, Environment, EnvironmentConfig};
pub use user::{Credential, CredentialOutcome};
pub use world::{
    AbsenceReason, AccessPointId, BluetoothPoll, BluetoothPollDetail, NetworkId, PcId, PhoneId,
    Placement, UserId, WifiChange, World, WorldConfig, WorldError,
};
