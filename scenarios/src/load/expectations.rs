//! Expectations: the exactly-one check, a dispatcher, and one leaf per kind that checks its
//! references and values and builds the [`Expectation`].

use engine::diagnostic::suggest::did_you_mean;
use engine::diagnostic::yaml::spanned_range;
use engine::recovery::ResetKind;
use engine::time::{SimDuration, SimTime};
use engine::trace::LockReason;
use serde_saphyr::Spanned;

use super::Checker;
use crate::format::{
    Associated, CompareInterpretations, EXPECTATION_KINDS, EventLogged, EventsInOrder,
    ExpectationEntry, FalseLocks, LockAfterWalkAway, LockDistance, LockedWithin, NeverLocked,
    Notified, ORDERED_EVENTS_MAX, PinResetExpectation, PresenceExpectation, UnlockExpectation,
};
use crate::model::{AssociatedWith, Comparison, Expectation, Metric, Relation};

/// A time given as a duration since the start of the run.
fn t(duration: SimDuration) -> SimTime {
    SimTime::ZERO.saturating_add(duration)
}

impl Checker<'_> {
    /// The expectation of one entry, or `None` after reporting why it has none.
    pub(super) fn expectation(&mut self, entry: &Spanned<ExpectationEntry>) -> Option<Expectation> {
        let e = &entry.value;
        if !self.exactly_one(
            &EXPECTATION_KINDS,
            entry,
            "scenario::expectation",
            "an expectation needs exactly one kind",
            "kinds",
        ) {
            return None;
        }
        if let Some(x) = &e.locked_within {
            return self.locked_within(x);
        }
        if let Some(x) = &e.never_locked {
            return self.never_locked(x);
        }
        if let Some(x) = &e.unlock {
            return self.unlock(x);
        }
        if let Some(x) = &e.event_logged {
            return self.event_logged(x);
        }
        if let Some(x) = &e.pin_reset {
            return self.pin_reset_expectation(x);
        }
        if let Some(x) = &e.lock_after_walk_away {
            return self.lock_after_walk_away(x);
        }
        if let Some(x) = &e.false_locks_per_hour_max {
            return self
                .false_locks(x, |pc, value| Expectation::FalseLocksPerHourMax { pc, value });
        }
        if let Some(x) = &e.false_locks_per_hour_min {
            return self
                .false_locks(x, |pc, value| Expectation::FalseLocksPerHourMin { pc, value });
        }
        if let Some(x) = &e.events_in_order {
            return self.events_in_order(x);
        }
        if let Some(x) = &e.presence {
            return self.presence_expectation(x);
        }
        if let Some(x) = &e.notified {
            return self.notified(x);
        }
        if let Some(x) = &e.lock_distance {
            return self.lock_distance(x);
        }
        if let Some(x) = &e.associated {
            return self.associated(x);
        }
        if let Some(x) = &e.compare_interpretations {
            return self.compare_interpretations(x);
        }
        // The exactly-one check passed, so some row of EXPECTATION_KINDS is set.
        unreachable!("a kind in format::EXPECTATION_KINDS has no branch in Checker::expectation");
    }

    fn locked_within(&mut self, x: &LockedWithin) -> Option<Expectation> {
        let pc_ok = self.reference("pc", &x.pc);
        let reason = match &x.reason {
            Some(name) => Some(self.lock_reason(name)?),
            None => None,
        };
        let phone_ok = x.phone.as_ref().is_none_or(|phone| self.reference("phone", phone));
        (pc_ok && phone_ok).then(|| Expectation::LockedWithin {
            pc: x.pc.value.clone(),
            after: t(x.after),
            within: x.within,
            reason,
            phone: x.phone.as_ref().map(|phone| phone.value.clone()),
        })
    }

    /// A lock reason by name, or a diagnostic with a did-you-mean.
    fn lock_reason(&mut self, name: &Spanned<String>) -> Option<LockReason> {
        if let Some(reason) = LockReason::parse(&name.value) {
            return Some(reason);
        }
        let names = LockReason::ALL.map(LockReason::name);
        let hint = did_you_mean(&name.value, &names);
        let span = spanned_range(self.source, name);
        let message = format!("`{}` is not a lock reason", name.value);
        self.error_at("scenario::lock-reason", message, span).hint = Some(hint);
        None
    }

    fn never_locked(&mut self, x: &NeverLocked) -> Option<Expectation> {
        if let Some(to) = x.to.filter(|to| *to < x.from) {
            let span = spanned_range(self.source, &x.pc);
            let message = format!(
                "never_locked: `from` ({}) is after `to` ({to}): an empty interval",
                x.from
            );
            self.error_at("scenario::empty-interval", message, span).hint =
                Some("write the earlier time as `from`".into());
            return None;
        }
        self.reference("pc", &x.pc).then(|| Expectation::NeverLocked {
            pc: x.pc.value.clone(),
            from: t(x.from),
            to: x.to.map(t),
        })
    }

    fn unlock(&mut self, x: &UnlockExpectation) -> Option<Expectation> {
        let pc_ok = self.reference("pc", &x.pc);
        let factors = match &x.factors {
            Some(names) => Some(self.factors(names, &x.pc)?),
            None => None,
        };
        pc_ok.then(|| Expectation::Unlock {
            pc: x.pc.value.clone(),
            at: t(x.at),
            succeeds: x.succeeds,
            factors,
            event_id: x.event_id,
        })
    }

    fn event_logged(&mut self, x: &EventLogged) -> Option<Expectation> {
        self.reference("pc", &x.pc).then(|| Expectation::EventLogged {
            pc: x.pc.value.clone(),
            id: x.id,
            after: t(x.after),
        })
    }

    fn pin_reset_expectation(&mut self, x: &PinResetExpectation) -> Option<Expectation> {
        let reset = match &x.reset {
            None => None,
            Some(name) => match name.value.as_str() {
                "destructive" => Some(ResetKind::Destructive),
                "nondestructive" => Some(ResetKind::Nondestructive),
                other => {
                    let span = spanned_range(self.source, name);
                    let message =
                        format!("`reset` is destructive or nondestructive, not `{other}`");
                    self.error_at("scenario::expectation", message, span);
                    return None;
                }
            },
        };
        self.reference("pc", &x.pc).then(|| Expectation::PinReset {
            pc: x.pc.value.clone(),
            at: t(x.at),
            succeeds: x.succeeds,
            reset,
        })
    }

    fn lock_after_walk_away(&mut self, x: &LockAfterWalkAway) -> Option<Expectation> {
        let share = x.never_share_max.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&share) {
            let span = spanned_range(self.source, &x.pc);
            let message = format!("`never_share_max` must be between 0 and 1, not {share}");
            self.error_at("scenario::expectation", message, span);
            return None;
        }
        self.reference("pc", &x.pc).then(|| Expectation::LockAfterWalkAway {
            pc: x.pc.value.clone(),
            after: t(x.after),
            p50_max: x.p50_max,
            p95_max: x.p95_max,
            max: x.max,
            min: x.min,
            never_share_max: share,
        })
    }

    fn events_in_order(&mut self, x: &EventsInOrder) -> Option<Expectation> {
        if !(1..=ORDERED_EVENTS_MAX).contains(&x.ids.len()) {
            let span = spanned_range(self.source, &x.pc);
            let message =
                format!("`ids` lists 1 to {ORDERED_EVENTS_MAX} event IDs, not {}", x.ids.len());
            self.error_at("scenario::expectation", message, span);
            return None;
        }
        self.reference("pc", &x.pc).then(|| Expectation::EventsInOrder {
            pc: x.pc.value.clone(),
            ids: x.ids.clone(),
            after: t(x.after),
        })
    }

    fn presence_expectation(&mut self, x: &PresenceExpectation) -> Option<Expectation> {
        let present = match x.state.value.as_str() {
            "present" => true,
            "absent" => false,
            other => {
                let span = spanned_range(self.source, &x.state);
                let message = format!("`state` is present or absent, not `{other}`");
                self.error_at("scenario::expectation", message, span).hint =
                    Some(did_you_mean(other, &["present", "absent"]));
                return None;
            }
        };
        let pc_ok = self.reference("pc", &x.pc);
        let phone_ok = self.reference("phone", &x.phone);
        (pc_ok && phone_ok).then(|| Expectation::Presence {
            pc: x.pc.value.clone(),
            phone: x.phone.value.clone(),
            present,
            from: t(x.from),
            to: x.to.map(t),
        })
    }

    fn notified(&mut self, x: &Notified) -> Option<Expectation> {
        self.reference("pc", &x.pc).then(|| Expectation::Notified {
            pc: x.pc.value.clone(),
            contains: x.contains.clone(),
            after: t(x.after),
        })
    }

    fn false_locks(
        &mut self,
        x: &FalseLocks,
        make: impl FnOnce(String, f64) -> Expectation,
    ) -> Option<Expectation> {
        if !x.value.is_finite() || x.value < 0.0 {
            let span = spanned_range(self.source, &x.pc);
            let message = format!("`value` must be a finite number at least 0, not {}", x.value);
            self.error_at("scenario::expectation", message, span);
            return None;
        }
        self.reference("pc", &x.pc).then(|| make(x.pc.value.clone(), x.value))
    }

    fn lock_distance(&mut self, x: &LockDistance) -> Option<Expectation> {
        let pc_ok = self.reference("pc", &x.pc);
        let reason = match &x.reason {
            Some(name) => Some(self.lock_reason(name)?),
            None => None,
        };
        let bounds = [x.distance_m_min, x.distance_m_max];
        let bad = bounds.into_iter().flatten().find(|d| !d.is_finite() || *d < 0.0);
        let problem = match (x.distance_m_min, x.distance_m_max) {
            (None, None) => {
                Some("lock_distance needs `distance_m_min`, `distance_m_max` or both".to_string())
            }
            _ if bad.is_some() => Some(format!(
                "a distance bound is a finite number of metres at least 0, not {}",
                bad.unwrap_or_default()
            )),
            (Some(min), Some(max)) if min > max => {
                Some(format!("`distance_m_min` ({min}) is above `distance_m_max` ({max})"))
            }
            _ => None,
        };
        if let Some(message) = problem {
            let span = spanned_range(self.source, &x.pc);
            self.error_at("scenario::expectation", message, span);
            return None;
        }
        pc_ok.then(|| Expectation::LockDistance {
            pc: x.pc.value.clone(),
            after: t(x.after),
            reason,
            distance_m_min: x.distance_m_min,
            distance_m_max: x.distance_m_max,
        })
    }

    fn associated(&mut self, x: &Associated) -> Option<Expectation> {
        let pc_ok = self.reference("pc", &x.pc);
        let with = match (&x.ap, &x.bssid) {
            (Some(ap), None) => self
                .reference("access point", ap)
                .then(|| AssociatedWith::AccessPoint(ap.value.clone())),
            (None, Some(bssid)) => {
                Some(AssociatedWith::Bssid(sim_devices::wifi::normalise_bssid(&bssid.value)))
            }
            _ => {
                let span = spanned_range(self.source, &x.pc);
                let message = "associated needs exactly one of `ap` and `bssid`".to_string();
                self.error_at("scenario::expectation", message, span);
                None
            }
        };
        let with = with?;
        pc_ok.then(|| Expectation::Associated { pc: x.pc.value.clone(), at: t(x.at), with })
    }

    fn compare_interpretations(&mut self, x: &CompareInterpretations) -> Option<Expectation> {
        let pc_ok = self.reference("pc", &x.pc);
        let metric = self.named(&x.metric, "metric", &Metric::ALL.map(Metric::name));
        let relation = self.named(&x.relation, "relation", &Relation::ALL.map(Relation::name));
        let left = self.interpretation_settings(&x.left);
        let right = self.interpretation_settings(&x.right);
        let (metric, relation, left, right) = (metric?, relation?, left?, right?);
        if left == right {
            let span = spanned_range(self.source, &x.right);
            let message = "`left` and `right` set the same interpretations: nothing is compared";
            self.error_at("scenario::expectation", message.into(), span).hint =
                Some("set one interpretation to different values on the two sides".into());
            return None;
        }
        pc_ok.then(|| {
            Expectation::CompareInterpretations(Comparison {
                pc: x.pc.value.clone(),
                metric: Metric::ALL[metric],
                left,
                relation: Relation::ALL[relation],
                right,
            })
        })
    }

    /// The index of `name` in `names`, or a diagnostic with a did-you-mean.
    fn named(&mut self, name: &Spanned<String>, what: &str, names: &[&str]) -> Option<usize> {
        if let Some(index) = names.iter().position(|n| *n == name.value) {
            return Some(index);
        }
        let span = spanned_range(self.source, name);
        let message = format!("`{}` is not a {what} ({})", name.value, names.join(", "));
        self.error_at("scenario::expectation", message, span).hint =
            Some(did_you_mean(&name.value, names));
        None
    }

    /// The (name, value) settings of one side of a comparison, each checked by setting it.
    fn interpretation_settings(
        &mut self,
        settings: &Spanned<std::collections::BTreeMap<String, String>>,
    ) -> Option<Vec<(String, String)>> {
        let mut checked = engine::policy::Interpretations::default();
        let mut ok = true;
        for (name, value) in &settings.value {
            if let Err(reason) = checked.set(name, value) {
                let span = spanned_range(self.source, settings);
                self.error_at("scenario::interpretation", reason, span);
                ok = false;
            }
        }
        ok.then(|| settings.value.iter().map(|(n, v)| (n.clone(), v.clone())).collect())
    }
}
