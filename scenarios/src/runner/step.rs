//! Timeline actions with their names resolved to the world's handles, once per run, so the
//! runner's leaves take handles and never look a name up.

use engine::policy::CredentialProvider;
use engine::recovery::{Biometric, ResetEntry};
use engine::time::SimTime;
use sim_devices::geometry::Position;
use sim_devices::mobility::Waypoint;
use sim_devices::network::NetworkChange;
use sim_devices::propagation::CarryPosition;
use sim_devices::world::{AccessPointId, NetworkId, PcId, PhoneId, UserId, World, WorldError};

use crate::model::Action;

/// An [`Action`] whose entity names are handles; everything else borrows from the scenario.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step<'a> {
    Walk { user: UserId, waypoints: &'a [Waypoint] },
    Sit { user: UserId },
    Stand { user: UserId },
    Type { user: UserId, pc: PcId, until: Option<SimTime> },
    Idle { user: UserId },
    Present { user: UserId, pc: PcId, credentials: &'a [CredentialProvider] },
    Lock { pc: PcId },
    PhoneBluetooth { phone: PhoneId, on: bool },
    PhonePower { phone: PhoneId, on: bool },
    PcBluetooth { pc: PcId, on: bool },
    AccessPoint { access_point: AccessPointId, on: bool },
    Dock { pc: PcId, on: bool },
    Vpn { pc: PcId, on: bool },
    NetworkChange { network: NetworkId, change: &'a NetworkChange },
    RenewLeases { pc: PcId },
    Carry { phone: PhoneId, user: UserId, carry: CarryPosition },
    LeavePhone { phone: PhoneId, at: Option<Position>, carry: CarryPosition },
    ForgetPin { user: UserId, forgotten: bool },
    Biometric { user: UserId, biometric: Biometric, available: bool },
    PinReset { user: UserId, pc: PcId, entry: ResetEntry },
    CorporateNetwork { pc: PcId, on: bool },
}

/// Resolves every action of `actions` against `world`, in order.
///
/// # Errors
/// A name the world does not define: a loaded scenario never has one (the loader checked every
/// reference), a hand-built one may.
pub(super) fn resolve_all<'a, I>(actions: I, world: &World) -> Result<Vec<Step<'a>>, WorldError>
where
    I: IntoIterator<Item = &'a Action>,
{
    let names = Names { world };
    actions.into_iter().map(|action| names.step(action)).collect()
}

/// Name lookups that fail with [`WorldError::Unknown`].
struct Names<'w> {
    world: &'w World,
}

fn unknown(kind: &'static str, id: &str) -> WorldError {
    WorldError::Unknown { kind, id: id.to_owned() }
}

impl Names<'_> {
    fn pc(&self, id: &str) -> Result<PcId, WorldError> {
        self.world.pc_id(id).ok_or_else(|| unknown("pc", id))
    }

    fn phone(&self, id: &str) -> Result<PhoneId, WorldError> {
        self.world.phone_id(id).ok_or_else(|| unknown("phone", id))
    }

    fn user(&self, id: &str) -> Result<UserId, WorldError> {
        self.world.user_id(id).ok_or_else(|| unknown("user", id))
    }

    fn step<'a>(&self, action: &'a Action) -> Result<Step<'a>, WorldError> {
        Ok(match action {
            Action::Walk { user, waypoints } => Step::Walk { user: self.user(user)?, waypoints },
            Action::Sit { user } => Step::Sit { user: self.user(user)? },
            Action::Stand { user } => Step::Stand { user: self.user(user)? },
            Action::Type { user, pc, until } => {
                Step::Type { user: self.user(user)?, pc: self.pc(pc)?, until: *until }
            }
            Action::Idle { user } => Step::Idle { user: self.user(user)? },
            Action::Present { user, pc, credentials } => {
                Step::Present { user: self.user(user)?, pc: self.pc(pc)?, credentials }
            }
            Action::Lock { pc } => Step::Lock { pc: self.pc(pc)? },
            Action::PhoneBluetooth { phone, on } => {
                Step::PhoneBluetooth { phone: self.phone(phone)?, on: *on }
            }
            Action::PhonePower { phone, on } => {
                Step::PhonePower { phone: self.phone(phone)?, on: *on }
            }
            Action::PcBluetooth { pc, on } => Step::PcBluetooth { pc: self.pc(pc)?, on: *on },
            Action::AccessPoint { access_point, on } => Step::AccessPoint {
                access_point: self
                    .world
                    .access_point_id(access_point)
                    .ok_or_else(|| unknown("access point", access_point))?,
                on: *on,
            },
            Action::Dock { pc, on } => Step::Dock { pc: self.pc(pc)?, on: *on },
            Action::Vpn { pc, on } => Step::Vpn { pc: self.pc(pc)?, on: *on },
            Action::NetworkChange { network, change } => Step::NetworkChange {
                network: self
                    .world
                    .network_id(network)
                    .ok_or_else(|| unknown("network", network))?,
                change,
            },
            Action::RenewLeases { pc } => Step::RenewLeases { pc: self.pc(pc)? },
            Action::Carry { phone, user, carry } => {
                Step::Carry { phone: self.phone(phone)?, user: self.user(user)?, carry: *carry }
            }
            Action::LeavePhone { phone, at, carry } => {
                Step::LeavePhone { phone: self.phone(phone)?, at: *at, carry: *carry }
            }
            Action::ForgetPin { user, forgotten } => {
                Step::ForgetPin { user: self.user(user)?, forgotten: *forgotten }
            }
            Action::Biometric { user, biometric, available } => Step::Biometric {
                user: self.user(user)?,
                biometric: *biometric,
                available: *available,
            },
            Action::PinReset { user, pc, entry } => {
                Step::PinReset { user: self.user(user)?, pc: self.pc(pc)?, entry: *entry }
            }
            Action::CorporateNetwork { pc, on } => {
                Step::CorporateNetwork { pc: self.pc(pc)?, on: *on }
            }
        })
    }
}
