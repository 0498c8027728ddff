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
use crate::format::{
    ACTIONS, AccessPointToggle, BiometricAction, CarryAction, ForgetPinAction, LeavePhoneAction,
    NetworkChangeAction, PcRef, PcToggle, PhoneToggle, PinResetAction, PresentAction,
    TimelineEntry, TypeAction, UserRef, WalkAction,
};
use crate::model::Action;

/// Walking speed when a walk does not give one, m/s (a typical indoor walking pace).
const WALKING_SPEED_M_PER_S_DEFAULT: f64 = 1.2;

impl Checker<'_> {
    /// The action of one timeline entry, or `None` after reporting why it has none.
    pub(super) fn action(&mut self, entry: &Spanned<TimelineEntry>) -> Option<Action> {
        let e = &entry.value;
        let set = ACTIONS.map(|(_, is_set)| is_set(e));
        let names = ACTIONS.map(|(name, _)| name).join(", ");
        if !self.exactly_one(
            &set,
            spanned_range(self.source, entry),
            "scenario::timeline-entry",
            "a timeline entry needs exactly one action besides `at`",
            &format!("actions: {names}"),
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
            return Some(self.user_action(a).then(|| Action::Sit { user: a.user.value.clone() }));
        }
        if let Some(a) = &e.stand {
            return Some(self.user_action(a).then(|| Action::Stand { user: a.user.value.clone() }));
        }
        if let Some(a) = &e.type_ {
            return Some(self.type_action(a, at));
        }
        if let Some(a) = &e.idle {
            return Some(self.user_action(a).then(|| Action::Idle { user: a.user.value.clone() }));
        }
        if let Some(a) = &e.present {
            return Some(self.present(a));
        }
        if let Some(a) = &e.lock {
            return Some(self.pc_action(a).then(|| Action::Lock { pc: a.pc.value.clone() }));
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
            return self.pc_action(a).then(|| Action::RenewLeases { pc: a.pc.value.clone() });
        }
        if let Some(a) = &e.corporate_network {
            return self.pc_toggle(a, |pc, on| Action::CorporateNetwork { pc, on });
        }
        // The exactly-one check passed, so some row of ACTIONS is set: its branch is missing.
        unreachable!("an action in format::ACTIONS has no branch in Checker::action");
    }

    fn user_action(&mut self, a: &UserRef) -> bool {
        self.reference("user", &a.user)
    }

    fn pc_action(&mut self, a: &PcRef) -> bool {
        self.reference("pc", &a.pc)
    }

    fn walk(&mut self, walk: &WalkAction) -> Option<Action> {
        let user_ok = self.reference("user", &walk.user);
        let speed = walk.speed_m_per_s.unwrap_or(WALKING_SPEED_M_PER_S_DEFAULT);
        let mut waypoints = Vec::new();
        for place in &walk.to.value {
            let position = self.position(place, &walk.to)?;
            waypoints.push(Waypoint {
                to: position,
                speed_m_per_s: speed,
                pause: SimDuration::ZERO,
            });
        }
        if waypoints.is_empty() {
            let span = spanned_range(self.source, &walk.to);
            self.error_at("scenario::walk", "a walk needs at least one place in `to`".into(), span);
            return None;
        }
        if let Err(error) = Course::new(SimTime::ZERO, Position::default(), &waypoints) {
            let span = spanned_range(self.source, &walk.to);
            self.error_at("scenario::walk", format!("invalid walk: {error}"), span);
            return None;
        }
        user_ok.then(|| Action::Walk { user: walk.user.value.clone(), waypoints })
    }

    /// `at` is the entry's time, from which `for` counts.
    fn type_action(&mut self, t: &TypeAction, at: SimTime) -> Option<Action> {
        let both = self.reference("user", &t.user) & self.reference("pc", &t.pc);
        let until = t.for_.map(|d| at.saturating_add(d));
        both.then(|| Action::Type { user: t.user.value.clone(), pc: t.pc.value.clone(), until })
    }

    fn present(&mut self, p: &PresentAction) -> Option<Action> {
        let both = self.reference("user", &p.user) & self.reference("pc", &p.pc);
        let credentials = self.credentials(&p.credentials)?;
        both.then(|| Action::Present {
            user: p.user.value.clone(),
            pc: p.pc.value.clone(),
            credentials,
        })
    }

    fn phone_toggle(
        &mut self,
        t: &PhoneToggle,
        make: impl FnOnce(String, bool) -> Action,
    ) -> Option<Action> {
        self.reference("phone", &t.phone).then(|| make(t.phone.value.clone(), t.on))
    }

    fn pc_toggle(
        &mut self,
        t: &PcToggle,
        make: impl FnOnce(String, bool) -> Action,
    ) -> Option<Action> {
        self.reference("pc", &t.pc).then(|| make(t.pc.value.clone(), t.on))
    }

    fn access_point(&mut self, t: &AccessPointToggle) -> Option<Action> {
        self.reference("access point", &t.access_point)
            .then(|| Action::AccessPoint { access_point: t.access_point.value.clone(), on: t.on })
    }

    fn network_change(&mut self, n: &NetworkChangeAction) -> Option<Action> {
        self.reference("network", &n.network).then(|| Action::NetworkChange {
            network: n.network.value.clone(),
            change: n.change.clone(),
        })
    }

    fn carry(&mut self, c: &CarryAction) -> Option<Action> {
        let both = self.reference("phone", &c.phone) & self.reference("user", &c.user);
        both.then(|| Action::Carry {
            phone: c.phone.value.clone(),
            user: c.user.value.clone(),
            carry: c.carry,
        })
    }

    fn leave_phone(&mut self, l: &LeavePhoneAction) -> Option<Action> {
        let phone_ok = self.reference("phone", &l.phone);
        let at = match &l.at {
            Some(place) => Some(self.position(place, &l.phone)?),
            None => None,
        };
        phone_ok.then(|| Action::LeavePhone {
            phone: l.phone.value.clone(),
            at,
            carry: l.carry.unwrap_or(CarryPosition::Desk),
        })
    }

    fn forget_pin(&mut self, f: &ForgetPinAction) -> Option<Action> {
        self.reference("user", &f.user)
            .then(|| Action::ForgetPin { user: f.user.value.clone(), forgotten: f.forgotten })
    }

    fn biometric(&mut self, b: &BiometricAction) -> Option<Action> {
        let user_ok = self.reference("user", &b.user);
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
        user_ok.then(|| Action::Biometric {
            user: b.user.value.clone(),
            biometric,
            available: b.available,
        })
    }

    fn pin_reset(&mut self, r: &PinResetAction) -> Option<Action> {
        let both = self.reference("user", &r.user) & self.reference("pc", &r.pc);
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
        if both && !self.pcs_with_profile.contains(&r.pc.value) {
            let span = spanned_range(self.source, &r.pc);
            let message = format!(
                "PC `{}` has no `device_profile` under `windows`: a PIN reset needs one",
                r.pc.value
            );
            self.error_at("scenario::pin-reset", message, span);
            return None;
        }
        both.then(|| Action::PinReset { user: r.user.value.clone(), pc: r.pc.value.clone(), entry })
    }
}
