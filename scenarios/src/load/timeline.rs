//! Timeline entries: the exactly-one check, a dispatcher, and one leaf per action that checks
//! its references and values and builds the [`Action`].

use engine::diagnostic::yaml::spanned_range;
use engine::recovery::{Biometric, ResetEntry};
use engine::time::{SimDuration, SimTime};
use serde_saphyr::Spanned;
use sim_devices::geometry::Position;
use sim_devices::mobility::{Course, Waypoint};
use sim_devices::propagation::CarryPosition;

use super::Checker;
use sim_devices::world::{PcId, PhoneId, UserId};

use crate::format::{
    ACTIONS, AccessPointToggle, BiometricAction, CarryAction, ForgetPinAction, LeavePhoneAction,
    MovePcAction, NetworkChangeAction, PcToggle, PhoneToggle, PickUpAction, PinResetAction,
    PlaceOrPosition, PresentAction, PutDownAction, TimelineEntry, TypeAction, WalkAction,
};
use crate::model::{Action, TimedAction};

/// Walking speed when a walk does not give one, m/s (a typical indoor walking pace).
const WALKING_SPEED_M_PER_S_DEFAULT: f64 = 1.2;

impl Checker<'_> {
    /// Follows who carries each PC through the timeline (sorted by time, file order within a
    /// time) and reports, at the entry's `pc`, a `pick_up` of a PC another user carries then and
    /// a `move_pc` of a carried PC: a PC has one carrier, and goes its own way only when put
    /// down.
    pub(super) fn pc_carriers(&mut self, timeline: &[(TimedAction, &Spanned<TimelineEntry>)]) {
        let world = &self.world;
        let start = world.pcs.values().map(|pc| pc.carried_by.as_ref());
        let mut carriers: Vec<Option<UserId>> =
            start.map(|user| user.and_then(|user| world.user_id(&user.value))).collect();
        for (timed, entry) in timeline {
            let (pc, problem) = match timed.action {
                Action::PickUp { user, pc } => {
                    let other = carriers[pc.index()].filter(|other| *other != user);
                    carriers[pc.index()] = Some(user);
                    (pc, other.map(|other| (Some(user), other)))
                }
                Action::PutDown { pc, .. } => {
                    carriers[pc.index()] = None;
                    continue;
                }
                Action::MovePc { pc, .. } => (pc, carriers[pc.index()].map(|other| (None, other))),
                _ => continue,
            };
            if let Some((picker, carrier)) = problem {
                self.carried_pc_error(entry, pc, picker, carrier);
            }
        }
    }

    /// Reports a `pick_up` by `picker` (or, without one, a `move_pc`) of PC `pc` while
    /// `carrier` carries it.
    fn carried_pc_error(
        &mut self,
        entry: &Spanned<TimelineEntry>,
        pc: PcId,
        picker: Option<UserId>,
        carrier: UserId,
    ) {
        let e = &entry.value;
        let reference = e.pick_up.as_ref().map(|p| &p.pc).or(e.move_pc.as_ref().map(|m| &m.pc));
        let span = reference
            .map_or_else(|| spanned_range(self.source, entry), |pc| spanned_range(self.source, pc));
        let (pc, carrier) = (&self.ids.pcs[pc.index()], &self.ids.users[carrier.index()]);
        let message = match picker {
            Some(user) => format!(
                "user `{}` picks up PC `{pc}` at {}, but `{carrier}` carries it then",
                self.ids.users[user.index()],
                e.at
            ),
            None => format!("PC `{pc}` cannot move on its own at {}: `{carrier}` carries it", e.at),
        };
        let hint = format!("a PC has one carrier: `put_down: {{pc: {pc}}}` first");
        self.error_at("scenario::pc-carried", message, span).hint = Some(hint);
    }

    /// The action of one timeline entry, or `None` after reporting why it has none.
    pub(super) fn action(&mut self, entry: &Spanned<TimelineEntry>) -> Option<Action> {
        let e = &entry.value;
        if !self.exactly_one(
            &ACTIONS,
            entry,
            "scenario::timeline-entry",
            "a timeline entry needs exactly one action besides `at`",
            "actions",
        ) {
            return None;
        }
        let at = SimTime::ZERO.saturating_add(e.at);
        match self.person_action(e, at) {
            Some(action) => action,
            None => self.device_action(e),
        }
    }

    /// What people do: `Some(result)` when `e` holds one of these actions, else `None`.
    fn person_action(&mut self, e: &TimelineEntry, at: SimTime) -> Option<Option<Action>> {
        if let Some(a) = &e.walk {
            return Some(self.walk(a));
        }
        if let Some(a) = &e.sit {
            return Some(self.user_ref(&a.user).map(|user| Action::Sit { user }));
        }
        if let Some(a) = &e.stand {
            return Some(self.user_ref(&a.user).map(|user| Action::Stand { user }));
        }
        if let Some(a) = &e.type_ {
            return Some(self.type_action(a, at));
        }
        if let Some(a) = &e.idle {
            return Some(self.user_ref(&a.user).map(|user| Action::Idle { user }));
        }
        if let Some(a) = &e.present {
            return Some(self.present(a));
        }
        if let Some(a) = &e.lock {
            return Some(self.pc_ref(&a.pc).map(|pc| Action::Lock { pc }));
        }
        if let Some(a) = &e.carry {
            return Some(self.carry(a));
        }
        if let Some(a) = &e.leave_phone {
            return Some(self.leave_phone(a));
        }
        if let Some(a) = &e.forget_pin {
            return Some(self.forget_pin(a));
        }
        if let Some(a) = &e.biometric {
            return Some(self.biometric(a));
        }
        if let Some(a) = &e.pick_up {
            return Some(self.pick_up(a));
        }
        if let Some(a) = &e.put_down {
            return Some(self.put_down(a));
        }
        e.pin_reset.as_ref().map(|a| self.pin_reset(a))
    }

    /// What devices and networks do: the actions `person_action` does not take.
    fn device_action(&mut self, e: &TimelineEntry) -> Option<Action> {
        if let Some(a) = &e.phone_bluetooth {
            return self.phone_toggle(a, |phone, on| Action::PhoneBluetooth { phone, on });
        }
        if let Some(a) = &e.phone_power {
            return self.phone_toggle(a, |phone, on| Action::PhonePower { phone, on });
        }
        if let Some(a) = &e.pc_bluetooth {
            return self.pc_toggle(a, |pc, on| Action::PcBluetooth { pc, on });
        }
        if let Some(a) = &e.access_point {
            return self.access_point(a);
        }
        if let Some(a) = &e.dock {
            return self.pc_toggle(a, |pc, on| Action::Dock { pc, on });
        }
        if let Some(a) = &e.vpn {
            return self.pc_toggle(a, |pc, on| Action::Vpn { pc, on });
        }
        if let Some(a) = &e.network_change {
            return self.network_change(a);
        }
        if let Some(a) = &e.renew_leases {
            return self.pc_ref(&a.pc).map(|pc| Action::RenewLeases { pc });
        }
        if let Some(a) = &e.corporate_network {
            return self.pc_toggle(a, |pc, on| Action::CorporateNetwork { pc, on });
        }
        if let Some(a) = &e.move_pc {
            return self.move_pc(a);
        }
        // The exactly-one check passed, so some row of ACTIONS is set: its branch is missing.
        unreachable!("an action in format::ACTIONS has no branch in Checker::action");
    }

    fn walk(&mut self, walk: &WalkAction) -> Option<Action> {
        let user = self.user_ref(&walk.user);
        let waypoints = self.waypoints(&walk.to, walk.speed_m_per_s, "walk")?;
        Some(Action::Walk { user: user?, waypoints })
    }

    /// A PC's own path: checked like a walk.
    fn move_pc(&mut self, m: &MovePcAction) -> Option<Action> {
        let pc = self.pc_ref(&m.pc);
        let waypoints = self.waypoints(&m.to, m.speed_m_per_s, "move_pc")?;
        Some(Action::MovePc { pc: pc?, waypoints })
    }

    /// The waypoints of a `walk` or `move_pc` (`what`): places resolved, at least one, a
    /// course the speed can make.
    fn waypoints(
        &mut self,
        to: &Spanned<Vec<PlaceOrPosition>>,
        speed_m_per_s: Option<f64>,
        what: &str,
    ) -> Option<Vec<Waypoint>> {
        let speed = speed_m_per_s.unwrap_or(WALKING_SPEED_M_PER_S_DEFAULT);
        let mut waypoints = Vec::new();
        for place in &to.value {
            let position = self.position(place, to)?;
            waypoints.push(Waypoint {
                to: position,
                speed_m_per_s: speed,
                pause: SimDuration::ZERO,
            });
        }
        if waypoints.is_empty() {
            let span = spanned_range(self.source, to);
            let message = format!("a {what} needs at least one place in `to`");
            self.error_at("scenario::walk", message, span);
            return None;
        }
        if let Err(error) = Course::new(SimTime::ZERO, Position::default(), &waypoints) {
            let span = spanned_range(self.source, to);
            self.error_at("scenario::walk", format!("invalid {what}: {error}"), span);
            return None;
        }
        Some(waypoints)
    }

    /// `at` is the entry's time, from which `for` counts.
    fn type_action(&mut self, t: &TypeAction, at: SimTime) -> Option<Action> {
        let (user, pc) = (self.user_ref(&t.user), self.pc_ref(&t.pc));
        let until = t.for_.map(|d| at.saturating_add(d));
        Some(Action::Type { user: user?, pc: pc?, until })
    }

    fn present(&mut self, p: &PresentAction) -> Option<Action> {
        let (user, pc) = (self.user_ref(&p.user), self.pc_ref(&p.pc));
        let (credentials, sign_in) = self.credentials(&p.credentials)?;
        Some(Action::Present { user: user?, pc: pc?, credentials, sign_in })
    }

    fn phone_toggle(
        &mut self,
        t: &PhoneToggle,
        make: impl FnOnce(PhoneId, bool) -> Action,
    ) -> Option<Action> {
        self.phone_ref(&t.phone).map(|phone| make(phone, t.on))
    }

    fn pc_toggle(
        &mut self,
        t: &PcToggle,
        make: impl FnOnce(PcId, bool) -> Action,
    ) -> Option<Action> {
        self.pc_ref(&t.pc).map(|pc| make(pc, t.on))
    }

    fn access_point(&mut self, t: &AccessPointToggle) -> Option<Action> {
        let access_point = self.access_point_ref(&t.access_point)?;
        Some(Action::AccessPoint { access_point, on: t.on })
    }

    fn network_change(&mut self, n: &NetworkChangeAction) -> Option<Action> {
        let network = self.network_ref(&n.network)?;
        Some(Action::NetworkChange { network, change: n.change.clone() })
    }

    fn carry(&mut self, c: &CarryAction) -> Option<Action> {
        let (phone, user) = (self.phone_ref(&c.phone), self.user_ref(&c.user));
        Some(Action::Carry { phone: phone?, user: user?, carry: c.carry })
    }

    fn leave_phone(&mut self, l: &LeavePhoneAction) -> Option<Action> {
        let phone = self.phone_ref(&l.phone);
        let at = match &l.at {
            Some(place) => Some(self.position(place, &l.phone)?),
            None => None,
        };
        Some(Action::LeavePhone {
            phone: phone?,
            at,
            carry: l.carry.unwrap_or(CarryPosition::Desk),
        })
    }

    fn pick_up(&mut self, p: &PickUpAction) -> Option<Action> {
        let (user, pc) = (self.user_ref(&p.user), self.pc_ref(&p.pc));
        Some(Action::PickUp { user: user?, pc: pc? })
    }

    fn put_down(&mut self, p: &PutDownAction) -> Option<Action> {
        let pc = self.pc_ref(&p.pc);
        let at = match &p.at {
            Some(place) => Some(self.position(&place.value, place)?),
            None => None,
        };
        Some(Action::PutDown { pc: pc?, at })
    }

    fn forget_pin(&mut self, f: &ForgetPinAction) -> Option<Action> {
        let user = self.user_ref(&f.user)?;
        Some(Action::ForgetPin { user, forgotten: f.forgotten })
    }

    fn biometric(&mut self, b: &BiometricAction) -> Option<Action> {
        let user = self.user_ref(&b.user);
        let biometric = match b.credential.value.to_ascii_lowercase().as_str() {
            "fingerprint" => Biometric::Fingerprint,
            "face" | "facial_recognition" => Biometric::FacialRecognition,
            other => {
                let span = spanned_range(self.source, &b.credential);
                let message =
                    format!("`{other}` is not a biometric: use fingerprint or facial_recognition");
                self.error_at("scenario::biometric", message, span);
                return None;
            }
        };
        Some(Action::Biometric { user: user?, biometric, available: b.available })
    }

    fn pin_reset(&mut self, r: &PinResetAction) -> Option<Action> {
        let (user, pc) = (self.user_ref(&r.user), self.pc_ref(&r.pc));
        let entry = match r.from.value.as_str() {
            "lock_screen" => ResetEntry::LockScreen,
            "settings" => ResetEntry::Settings,
            other => {
                let span = spanned_range(self.source, &r.from);
                let message = format!(
                    "`{other}` is not where a PIN reset starts: use lock_screen or settings"
                );
                self.error_at("scenario::pin-reset", message, span);
                return None;
            }
        };
        let (user, pc) = (user?, pc?);
        if !self.pcs_with_profile.contains(&r.pc.value) {
            let span = spanned_range(self.source, &r.pc);
            let message = format!(
                "PC `{}` has no `device_profile` under `windows`: a PIN reset needs one",
                r.pc.value
            );
            self.error_at("scenario::pin-reset", message, span);
            return None;
        }
        Some(Action::PinReset { user, pc, entry })
    }
}
