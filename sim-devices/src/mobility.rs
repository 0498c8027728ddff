//! Mobility: where an entity is at any instant, from a course of waypoints.
//!
//! The idea of ns-3's `WaypointMobilityModel`: an entity moves at constant velocity between
//! waypoints and may pause at each; its position is computed on demand for any time, and the
//! course only changes at known instants, so a discrete-event runner schedules events there and
//! nowhere else. A course starts at a time and a position; after its last waypoint the entity
//! stays where it arrived.

use engine::{SimDuration, SimTime};
use serde::Deserialize;

use crate::geometry::Position;

/// Most waypoints one course may hold: a bound on every loop over a course.
pub const WAYPOINTS_MAX: usize = 10_000;

/// Fastest allowed speed, m/s (a sprint); slower than 1 mm/s is rejected as a typo.
pub const SPEED_M_PER_S_MAX: f64 = 12.0;
/// Slowest allowed speed, m/s.
pub const SPEED_M_PER_S_MIN: f64 = 0.001;

/// Default walking speed, m/s: the usual indoor pedestrian figure (about 1.2 to 1.4 m/s).
pub const WALKING_SPEED_M_PER_S: f64 = 1.2;

/// One waypoint of a course: go to `to` at `speed_m_per_s`, then wait `pause`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waypoint {
    /// Where to go, `[x, y]` or `[x, y, floor]` in metres.
    pub to: Position,
    /// Walking speed to get there, m/s (default 1.2).
    #[serde(default = "default_speed_m_per_s")]
    pub speed_m_per_s: f64,
    /// How long to stay on arrival (default none), written like `30s`.
    #[serde(default)]
    pub pause: SimDuration,
}

fn default_speed_m_per_s() -> f64 {
    WALKING_SPEED_M_PER_S
}

/// A problem with a course.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CourseError {
    /// More waypoints than [`WAYPOINTS_MAX`].
    #[error("a course may hold at most {WAYPOINTS_MAX} waypoints, got {0}")]
    TooManyWaypoints(usize),
    /// A speed outside the allowed range.
    #[error(
        "waypoint {index}: speed {speed_m_per_s} m/s is outside \
         {SPEED_M_PER_S_MIN}..={SPEED_M_PER_S_MAX} m/s"
    )]
    BadSpeed {
        /// Which waypoint (0-based).
        index: usize,
        /// The speed given.
        speed_m_per_s: f64,
    },
}

/// One constant-velocity piece of a course (a pause is a leg from a point to itself).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Leg {
    start: SimTime,
    end: SimTime,
    from: Position,
    to: Position,
}

/// A course: a start position and time and the legs that follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Course {
    start: SimTime,
    origin: Position,
    legs: Vec<Leg>,
}

impl Course {
    /// Standing still at `position` from the beginning of time.
    pub fn stationary(position: Position) -> Course {
        Course { start: SimTime::from_us(0), origin: position, legs: Vec::new() }
    }

    /// Starting at `origin` at time `start`, visit `waypoints` in order.
    pub fn new(
        start: SimTime,
        origin: Position,
        waypoints: &[Waypoint],
    ) -> Result<Course, CourseError> {
        if waypoints.len() > WAYPOINTS_MAX {
            return Err(CourseError::TooManyWaypoints(waypoints.len()));
        }
        let mut legs = Vec::with_capacity(waypoints.len() * 2);
        let mut here = origin;
        let mut time = start;
        for (index, waypoint) in waypoints.iter().enumerate() {
            let speed = waypoint.speed_m_per_s;
            if !(SPEED_M_PER_S_MIN..=SPEED_M_PER_S_MAX).contains(&speed) {
                return Err(CourseError::BadSpeed { index, speed_m_per_s: speed });
            }
            let distance_m = here.distance_m(&waypoint.to);
            let travel_us = (distance_m / speed * 1e6).round() as u64;
            let arrive = time.saturating_add(SimDuration::from_us(travel_us));
            if arrive > time || here != waypoint.to {
                legs.push(Leg { start: time, end: arrive, from: here, to: waypoint.to });
            }
            here = waypoint.to;
            time = arrive;
            if waypoint.pause > SimDuration::from_us(0) {
                let resume = time.saturating_add(waypoint.pause);
                legs.push(Leg { start: time, end: resume, from: here, to: here });
                time = resume;
            }
        }
        Ok(Course { start, origin, legs })
    }

    /// Where the entity is at `now`.
    pub fn position_at(&self, now: SimTime) -> Position {
        if now <= self.start {
            return self.origin;
        }
        // Legs are sorted by time: find the last one that started at or before `now`.
        let index = self.legs.partition_point(|leg| leg.start <= now);
        if index == 0 {
            return self.origin;
        }
        let leg = &self.legs[index - 1];
        if now >= leg.end {
            return leg.to;
        }
        let span_us = (leg.end.as_us() - leg.start.as_us()) as f64;
        let fraction = (now.as_us() - leg.start.as_us()) as f64 / span_us;
        leg.from.lerp(&leg.to, fraction)
    }

    /// The first instant after `now` at which the course changes (a waypoint is reached or a
    /// pause ends), or `None` once the entity has come to rest for good.
    pub fn next_change_after(&self, now: SimTime) -> Option<SimTime> {
        let mut candidates = self.legs.iter().flat_map(|leg| [leg.start, leg.end]);
        candidates.find(|&time| time > now)
    }

    /// When the course ends (the entity rests from then on).
    pub fn end(&self) -> SimTime {
        self.legs.last().map_or(self.start, |leg| leg.end)
    }

    /// The direction of motion on the plan at `now`, a unit vector `(east, north)`: that of the
    /// current leg while moving, else of the last leg that moved before `now` (the way the
    /// entity walked in), or `None` when it has not moved on this course (a pause, a change of
    /// floor only). Looks at most [`WAYPOINTS_MAX`] × 2 legs.
    pub fn heading_at(&self, now: SimTime) -> Option<(f64, f64)> {
        let started = self.legs.partition_point(|leg| leg.start <= now);
        self.legs[..started].iter().rev().find_map(|leg| unit_vector(&leg.from, &leg.to))
    }

    /// Whether the entity is moving (not paused, not at rest) at `now`.
    pub fn is_moving_at(&self, now: SimTime) -> bool {
        let index = self.legs.partition_point(|leg| leg.start <= now);
        index > 0 && {
            let leg = &self.legs[index - 1];
            now < leg.end && leg.from != leg.to
        }
    }
}

/// The unit vector on the plan from `from` towards `to`, or `None` when they are less than
/// 1 mm apart on the plan (a direction that small is noise).
pub fn unit_vector(from: &Position, to: &Position) -> Option<(f64, f64)> {
    let (dx, dy) = (to.x_m - from.x_m, to.y_m - from.y_m);
    let length = dx.hypot(dy);
    (length >= 1e-3 && length.is_finite()).then(|| (dx / length, dy / length))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn s(seconds: u64) -> SimTime {
        SimTime::from_us(seconds * 1_000_000)
    }

    fn course() -> Course {
        // From the desk walk 10 m east at 1 m/s, wait 5 s, walk 4 m north at 2 m/s.
        let waypoints = [
            Waypoint {
                to: Position::new(10.0, 0.0),
                speed_m_per_s: 1.0,
                pause: SimDuration::from_s(5),
            },
            Waypoint {
                to: Position::new(10.0, 4.0),
                speed_m_per_s: 2.0,
                pause: SimDuration::from_us(0),
            },
        ];
        Course::new(s(100), Position::new(0.0, 0.0), &waypoints).expect("valid course")
    }

    #[rstest]
    #[case::before_start(50, (0.0, 0.0))]
    #[case::at_start(100, (0.0, 0.0))]
    #[case::walking(103, (3.0, 0.0))]
    #[case::arrived(110, (10.0, 0.0))]
    #[case::paused(113, (10.0, 0.0))]
    #[case::second_leg(116, (10.0, 2.0))]
    #[case::at_rest(1000, (10.0, 4.0))]
    fn position_on_demand(#[case] at_s: u64, #[case] expect: (f64, f64)) {
        let position = course().position_at(s(at_s));
        assert!((position.x_m - expect.0).abs() < 1e-9 && (position.y_m - expect.1).abs() < 1e-9);
    }

    #[rstest]
    #[case(0, Some(100))]
    #[case(100, Some(110))]
    #[case(110, Some(115))]
    #[case(115, Some(117))]
    #[case(117, None)]
    fn events_only_where_the_course_changes(#[case] now_s: u64, #[case] expect_s: Option<u64>) {
        assert_eq!(course().next_change_after(s(now_s)), expect_s.map(s));
    }

    #[rstest]
    #[case::before_start(50, None)]
    #[case::first_leg_east(103, Some((1.0, 0.0)))]
    #[case::paused_keeps_the_last_leg(113, Some((1.0, 0.0)))]
    #[case::second_leg_north(116, Some((0.0, 1.0)))]
    #[case::at_rest_after_walking_north(1000, Some((0.0, 1.0)))]
    fn heading_is_the_current_or_last_leg(#[case] at_s: u64, #[case] expect: Option<(f64, f64)>) {
        assert_eq!(course().heading_at(s(at_s)), expect);
        assert_eq!(Course::stationary(Position::default()).heading_at(s(at_s)), None);
    }

    #[test]
    fn moving_state_and_bad_speeds() {
        let course = course();
        assert!(course.is_moving_at(s(105)));
        assert!(!course.is_moving_at(s(112)));
        assert!(!course.is_moving_at(s(200)));
        let bad = Waypoint {
            to: Position::new(1.0, 0.0),
            speed_m_per_s: 0.0,
            pause: SimDuration::default(),
        };
        assert_eq!(
            Course::new(s(0), Position::default(), &[bad]),
            Err(CourseError::BadSpeed { index: 0, speed_m_per_s: 0.0 })
        );
    }

    proptest::proptest! {
        #[test]
        fn positions_stay_on_the_path_and_changes_move_forward(
            points in proptest::collection::vec((-50.0f64..50.0, -50.0f64..50.0, 0.1f64..5.0, 0u64..20), 1..8),
            probe_s in 0u64..400,
        ) {
            let waypoints: Vec<Waypoint> = points
                .iter()
                .map(|&(x, y, speed, pause)| Waypoint {
                    to: Position::new(x, y),
                    speed_m_per_s: speed,
                    pause: SimDuration::from_s(pause),
                })
                .collect();
            let course = Course::new(s(10), Position::default(), &waypoints).expect("valid");
            let here = course.position_at(s(probe_s));
            let xs = points.iter().map(|p| p.0).chain([0.0]);
            let (lo, hi) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
            proptest::prop_assert!(here.x_m >= lo - 1e-9 && here.x_m <= hi + 1e-9);
            if let Some(next) = course.next_change_after(s(probe_s)) {
                proptest::prop_assert!(next > s(probe_s));
                proptest::prop_assert!(next <= course.end());
            } else {
                proptest::prop_assert!(s(probe_s) >= course.end());
                let last = waypoints.last().expect("one").to;
                proptest::prop_assert_eq!(here, last);
            }
        }
    }
}
