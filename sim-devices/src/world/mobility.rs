//! Mobility: where PCs, users and phones are, and the courses that move them.
//!
//! A user follows a course. A phone is carried by a user or left somewhere. A PC stands (or
//! follows its own course, a laptop on a trolley) or is carried by a user, like a phone: a
//! carried PC is at its carrier's position (the same point as a phone that user carries), so
//! its Bluetooth distance to every phone, its walls and floors, and its Wi-Fi signal follow the
//! carrier. Everything that reads a PC's position asks [`World::pc_position`] at the instant it
//! measures, so shadowing decorrelates by the distance either end really moved.

use engine::SimTime;

use crate::geometry::Position;
use crate::mobility::unit_vector;
use crate::mobility::{Course, CourseError, Waypoint};
use crate::propagation::Carry;

use super::{PcId, PhoneId, Placement, UserId, World};

impl World {
    /// Where the PC `pc` is at `now`: with its carrier, or on its own course.
    pub fn pc_position(&self, now: SimTime, pc: PcId) -> Position {
        let state = &self.pcs[pc.index()];
        match state.carrier {
            Some(user) => self.user_position(now, user),
            None => state.course.position_at(now),
        }
    }

    /// The user carrying PC `pc`, if any.
    pub fn pc_carrier(&self, pc: PcId) -> Option<UserId> {
        self.pcs[pc.index()].carrier
    }

    /// User `user` picks up PC `pc` (a laptop): from now on it is where they are, until put
    /// down. A PC another user carried changes hands.
    pub fn carry_pc(&mut self, pc: PcId, user: UserId) {
        self.pcs[pc.index()].carrier = Some(user);
    }

    /// PC `pc` is put down at `position` (or where it is at `now`) and stays there.
    pub fn put_down_pc(&mut self, now: SimTime, pc: PcId, position: Option<Position>) {
        let here = self.pc_position(now, pc);
        let state = &mut self.pcs[pc.index()];
        state.carrier = None;
        state.course = Course::stationary(position.unwrap_or(here));
    }

    /// Where user `user` is at `now`.
    pub fn user_position(&self, now: SimTime, user: UserId) -> Position {
        self.users[user.index()].course.position_at(now)
    }

    /// Where phone `phone` is at `now`: with its user, or where it was left.
    pub fn phone_position(&self, now: SimTime, phone: PhoneId) -> Position {
        self.placement_position(now, &self.phones[phone.index()].placement)
    }

    /// Straight-line distance between radios at `a` and `b`, metres: 3-D across floors
    /// ([`crate::geometry::FloorPlan::distance_m`]).
    pub fn radio_distance_m(&self, a: &Position, b: &Position) -> f64 {
        self.floor_plan.distance_m(a, b)
    }

    /// Where a phone with `placement` is at `now`.
    pub(super) fn placement_position(&self, now: SimTime, placement: &Placement) -> Position {
        match placement {
            Placement::Carried { user, .. } => self.user_position(now, *user),
            Placement::Left { position, .. } => *position,
        }
    }

    /// Where phone `phone` is and how it is carried.
    pub fn phone_placement(&self, phone: PhoneId) -> &Placement {
        &self.phones[phone.index()].placement
    }

    /// Gives user `user` a new course starting now from where they are.
    ///
    /// # Errors
    /// A course the waypoints cannot make (see [`Course::new`]); the old course stays.
    pub fn set_user_course(
        &mut self,
        now: SimTime,
        user: UserId,
        waypoints: &[Waypoint],
    ) -> Result<(), CourseError> {
        let state = &mut self.users[user.index()];
        state.course = Course::new(now, state.course.position_at(now), waypoints)?;
        state.facing_overrides_course = false;
        Ok(())
    }

    /// User `user` turns to face `target` (sitting down at a PC faces it); the heading stays
    /// until the user next walks. A target less than 1 mm away on the plan leaves it as it was.
    pub fn face_toward(&mut self, now: SimTime, user: UserId, target: Position) {
        let state = &mut self.users[user.index()];
        if let Some(direction) = unit_vector(&state.course.position_at(now), &target) {
            state.facing = Some(direction);
            state.facing_overrides_course = true;
        }
    }

    /// User `user`'s heading at `now`, a unit vector on the plan: the way they face after
    /// [`World::face_toward`] (or their configured `facing`), else the direction of the current
    /// or last leg of their course, else `None` (unknown: no torso term).
    pub fn user_heading(&self, now: SimTime, user: UserId) -> Option<(f64, f64)> {
        let state = &self.users[user.index()];
        let course = (!state.facing_overrides_course).then(|| state.course.heading_at(now));
        course.flatten().or(state.facing)
    }

    /// The cosine of the angle between user `user`'s heading at `now` and the direction from
    /// them to `target` on the plan: 1 facing it, -1 with it straight behind; `None` without a
    /// heading or with the target less than 1 mm away on the plan.
    pub fn user_cos_toward(&self, now: SimTime, user: UserId, target: &Position) -> Option<f64> {
        let heading = self.user_heading(now, user)?;
        super::bluetooth::cos_between(heading, &self.user_position(now, user), target)
    }

    /// Gives PC `pc` its own course (a laptop on a trolley) starting now from where it is. A
    /// carried PC is put down first: it no longer follows its carrier.
    ///
    /// # Errors
    /// A course the waypoints cannot make (see [`Course::new`]); the old course and the
    /// carrier stay.
    pub fn set_pc_course(
        &mut self,
        now: SimTime,
        pc: PcId,
        waypoints: &[Waypoint],
    ) -> Result<(), CourseError> {
        let here = self.pc_position(now, pc);
        let state = &mut self.pcs[pc.index()];
        state.course = Course::new(now, here, waypoints)?;
        state.carrier = None;
        Ok(())
    }

    /// When PC `pc`'s own course ends (for a carried PC, when it last ended).
    pub fn pc_course_end(&self, pc: PcId) -> SimTime {
        self.pcs[pc.index()].course.end()
    }

    /// The first instant after `now` at which any user's or PC's course changes: the only times a
    /// runner needs to wake up for mobility. A carried PC changes with its carrier's course.
    pub fn next_course_change(&self, now: SimTime) -> Option<SimTime> {
        let users = self.users.iter().filter_map(|user| user.course.next_change_after(now));
        let own = self.pcs.iter().filter(|pc| pc.carrier.is_none());
        let pcs = own.filter_map(|pc| pc.course.next_change_after(now));
        users.chain(pcs).min()
    }

    /// When user `user`'s current course ends.
    pub fn user_course_end(&self, user: UserId) -> SimTime {
        self.users[user.index()].course.end()
    }

    /// User `user` picks up (or now carries) phone `phone` in `carry`.
    pub fn carry_phone(&mut self, phone: PhoneId, user: UserId, carry: impl Into<Carry>) {
        let carry = carry.into();
        self.phones[phone.index()].placement = Placement::Carried { user, carry };
    }

    /// Phone `phone` is put down at `position` (or where it is now) lying as `carry`.
    pub fn leave_phone(
        &mut self,
        now: SimTime,
        phone: PhoneId,
        position: Option<Position>,
        carry: impl Into<Carry>,
    ) {
        let carry = carry.into();
        let here = self.phone_position(now, phone);
        let position = position.unwrap_or(here);
        self.phones[phone.index()].placement = Placement::Left { position, carry };
    }

    /// Changes how phone `phone` is carried (or lies) without moving it.
    pub fn set_carry(&mut self, phone: PhoneId, carry: impl Into<Carry>) {
        let carry = carry.into();
        match &mut self.phones[phone.index()].placement {
            Placement::Carried { carry: current, .. } | Placement::Left { carry: current, .. } => {
                *current = carry;
            }
        }
    }
}
