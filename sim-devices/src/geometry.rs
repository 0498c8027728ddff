//! Geometry of the floor plan: positions in metres, walls as segments with a loss, floors.
//!
//! The propagation model needs two things from geometry: the straight-line distance between two
//! radios and the obstacles the line of sight crosses (walls on the radios' floors, and the number
//! of floors between them). Floors are stacked `floor_height_m` apart, and the distance between
//! radios on different floors is 3-D: the plan distance and the height between their floors
//! (design 3.4). Both radios stand at the same height above their own floor, so radios on one
//! floor are exactly their plan distance apart.
//!
//! Floor loss follows ITU-R P.1238-10, Table 3 ("floor penetration loss factors, Lf"): office at
//! 2.4 GHz, 14 dB for one floor. The table gives no multi-floor figure at 2.4 GHz; its office row
//! at 1.8-2 GHz, `15 + 4 (n - 1)` dB for n floors, grows by 4 dB per further floor, so a path
//! through `n` floors costs `floor_loss_db + extra_floor_loss_db (n - 1)`.

use serde::{Deserialize, Deserializer};

/// A point on the floor plan: `x_m`, `y_m` in metres and a floor number (0 = ground floor).
///
/// In YAML a position is written `[x, y]` or `[x, y, floor]`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Position {
    /// East-west coordinate in metres.
    pub x_m: f64,
    /// North-south coordinate in metres.
    pub y_m: f64,
    /// Floor number; 0 unless given.
    pub floor: i32,
}

/// Coordinates larger than this (in metres) are rejected: a building is not 100 km wide, and the
/// bound keeps every derived distance finite.
pub const COORDINATE_M_MAX: f64 = 100_000.0;

impl Position {
    /// A position on floor 0.
    pub const fn new(x_m: f64, y_m: f64) -> Position {
        Position { x_m, y_m, floor: 0 }
    }

    /// A position on `floor`.
    pub const fn on_floor(x_m: f64, y_m: f64, floor: i32) -> Position {
        Position { x_m, y_m, floor }
    }

    /// Distance in the plane, in metres (floors do not add height; see
    /// [`FloorPlan::distance_m`] for the distance between radios).
    pub fn distance_m(&self, other: &Position) -> f64 {
        (self.x_m - other.x_m).hypot(self.y_m - other.y_m)
    }

    /// Linear interpolation between `self` (fraction 0) and `other` (fraction 1). The floor is
    /// the starting floor until the end is reached.
    pub fn lerp(&self, other: &Position, fraction: f64) -> Position {
        if fraction >= 1.0 {
            return *other;
        }
        Position {
            x_m: self.x_m + (other.x_m - self.x_m) * fraction,
            y_m: self.y_m + (other.y_m - self.y_m) * fraction,
            floor: self.floor,
        }
    }
}

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let values: Vec<f64> = Vec::deserialize(deserializer)?;
        if values.len() != 2 && values.len() != 3 {
            return Err(D::Error::custom(format!(
                "a position is [x, y] or [x, y, floor] in metres, got {} numbers",
                values.len()
            )));
        }
        if values.iter().any(|value| !value.is_finite() || value.abs() > COORDINATE_M_MAX) {
            return Err(D::Error::custom(format!(
                "position coordinates must be finite and within {COORDINATE_M_MAX} m"
            )));
        }
        let floor = match values.get(2) {
            None => 0,
            Some(&floor) if floor.fract() == 0.0 && floor.abs() <= 1000.0 => floor as i32,
            Some(floor) => {
                return Err(D::Error::custom(format!(
                    "the floor must be a whole number between -1000 and 1000, got {floor}"
                )));
            }
        };
        Ok(Position { x_m: values[0], y_m: values[1], floor })
    }
}

impl serde::Serialize for Position {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(3))?;
        seq.serialize_element(&self.x_m)?;
        seq.serialize_element(&self.y_m)?;
        seq.serialize_element(&self.floor)?;
        seq.end()
    }
}

/// A wall: a straight segment on one floor that attenuates any radio path crossing it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wall {
    /// One end of the wall, `[x, y]` or `[x, y, floor]` (the floor of `from` is the wall's floor).
    pub from: Position,
    /// The other end.
    pub to: Position,
    /// Penetration loss in dB. Default 5 dB: a plasterboard office partition at 2.4 GHz
    /// (ITU-R P.2040 and the usual 3 to 6 dB measurements); brick is about 10 dB, concrete 15+.
    #[serde(default = "default_wall_loss_db")]
    pub loss_db: f64,
}

fn default_wall_loss_db() -> f64 {
    5.0
}

/// The building: walls, the height of a storey, and the loss of the floors a path goes through.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloorPlan {
    /// Every wall in the building.
    #[serde(default)]
    pub walls: Vec<Wall>,
    /// Loss of the first floor between the radios, dB. Default 14 dB: ITU-R P.1238-10 Table 3,
    /// floor penetration loss factor Lf for offices at 2.4 GHz (one floor).
    #[serde(default = "default_floor_loss_db")]
    pub floor_loss_db: f64,
    /// Loss of each further floor, dB. Default 4 dB, the increment of P.1238-10 Table 3's office
    /// row at 1.8-2 GHz (`15 + 4 (n - 1)`); at 2.4 GHz unknown. The table's other office rows
    /// add 5 to 10 dB for the second floor (900 MHz 9/19/24, 3.5 GHz 18/26, 5.8 GHz 22/28), so
    /// its plausible range is 4 to 10 dB. Set it equal to `floor_loss_db` for a loss that grows
    /// linearly with the floors crossed (this model before issue 14).
    #[serde(default = "default_extra_floor_loss_db")]
    pub extra_floor_loss_db: f64,
    /// Height of one storey (floor to floor), metres: radios `k` floors apart are
    /// `k * floor_height_m` apart vertically. Default 3.5 m: unknown, chosen from design 3.4's
    /// "about 3 to 3.5 m"; homes are nearer 2.7-3 m, offices 3.5-4.5 m. At most
    /// [`FLOOR_HEIGHT_M_MAX`]; 0 puts every floor in one plane.
    #[serde(default = "default_floor_height_m")]
    pub floor_height_m: f64,
}

/// Largest storey height, metres: a double-height hall or an atrium's floors, with margin.
pub const FLOOR_HEIGHT_M_MAX: f64 = 20.0;

fn default_floor_loss_db() -> f64 {
    14.0
}

fn default_extra_floor_loss_db() -> f64 {
    4.0
}

fn default_floor_height_m() -> f64 {
    3.5
}

impl Default for FloorPlan {
    fn default() -> FloorPlan {
        FloorPlan {
            walls: Vec::new(),
            floor_loss_db: default_floor_loss_db(),
            extra_floor_loss_db: default_extra_floor_loss_db(),
            floor_height_m: default_floor_height_m(),
        }
    }
}

/// What stands between two radios.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Obstruction {
    /// Walls the line of sight crosses.
    pub walls_crossed: u32,
    /// Sum of those walls' losses, dB.
    pub wall_loss_db: f64,
    /// Floors between the radios.
    pub floors_crossed: u32,
    /// Loss of those floors, dB ([`FloorPlan::floors_loss_db`]).
    pub floor_loss_db: f64,
}

impl Obstruction {
    /// Total obstruction loss in dB.
    pub fn loss_db(&self) -> f64 {
        self.wall_loss_db + self.floor_loss_db
    }
}

impl FloorPlan {
    /// The walls and floors between `a` and `b`. A wall counts when it lies on the floor of
    /// either end and the segment `a`-`b` (projected on the plan) properly crosses it.
    pub fn obstruction(&self, a: &Position, b: &Position) -> Obstruction {
        let mut result = Obstruction::default();
        for wall in &self.walls {
            let floor = wall.from.floor;
            if (floor == a.floor || floor == b.floor) && segments_cross(a, b, &wall.from, &wall.to)
            {
                result.walls_crossed += 1;
                result.wall_loss_db += wall.loss_db;
            }
        }
        result.floors_crossed = a.floor.abs_diff(b.floor);
        result.floor_loss_db = self.floors_loss_db(result.floors_crossed);
        result
    }

    /// Loss of a path through `floors` floors, dB: 0 for none, else
    /// `floor_loss_db + extra_floor_loss_db (floors - 1)` (P.1238-10 Table 3, module doc).
    pub fn floors_loss_db(&self, floors: u32) -> f64 {
        match floors {
            0 => 0.0,
            n => self.floor_loss_db + self.extra_floor_loss_db * f64::from(n - 1),
        }
    }

    /// Straight-line distance between two radios, metres: the plan distance, and
    /// `floor_height_m` per floor between them. Radios on one floor are their plan distance
    /// apart, exactly.
    pub fn distance_m(&self, a: &Position, b: &Position) -> f64 {
        let plan_m = a.distance_m(b);
        match a.floor.abs_diff(b.floor) {
            0 => plan_m,
            floors => plan_m.hypot(f64::from(floors) * self.floor_height_m),
        }
    }
}

/// Whether segment `p1`-`p2` crosses segment `q1`-`q2` (touching an end counts as crossing, so a
/// radio standing exactly on a wall is behind it).
pub fn segments_cross(p1: &Position, p2: &Position, q1: &Position, q2: &Position) -> bool {
    fn orient(a: &Position, b: &Position, c: &Position) -> f64 {
        (b.x_m - a.x_m) * (c.y_m - a.y_m) - (b.y_m - a.y_m) * (c.x_m - a.x_m)
    }
    fn on_segment(a: &Position, b: &Position, c: &Position) -> bool {
        c.x_m >= a.x_m.min(b.x_m)
            && c.x_m <= a.x_m.max(b.x_m)
            && c.y_m >= a.y_m.min(b.y_m)
            && c.y_m <= a.y_m.max(b.y_m)
    }
    let d1 = orient(q1, q2, p1);
    let d2 = orient(q1, q2, p2);
    let d3 = orient(p1, p2, q1);
    let d4 = orient(p1, p2, q2);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(q1, q2, p1))
        || (d2 == 0.0 && on_segment(q1, q2, p2))
        || (d3 == 0.0 && on_segment(p1, p2, q1))
        || (d4 == 0.0 && on_segment(p1, p2, q2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn wall(x0: f64, y0: f64, x1: f64, y1: f64, loss_db: f64) -> Wall {
        Wall { from: Position::new(x0, y0), to: Position::new(x1, y1), loss_db }
    }

    #[rstest]
    #[case::crossing((0.0, 0.0), (10.0, 0.0), 1, 5.0)]
    #[case::parallel((0.0, 2.0), (10.0, 2.0), 0, 0.0)]
    #[case::short_of_the_wall((0.0, 0.0), (4.0, 0.0), 0, 0.0)]
    #[case::through_both((0.0, 0.0), (20.0, 0.0), 2, 15.0)]
    fn walls_crossed_by_the_line_of_sight(
        #[case] a: (f64, f64),
        #[case] b: (f64, f64),
        #[case] walls: u32,
        #[case] loss_db: f64,
    ) {
        let plan = FloorPlan {
            walls: vec![wall(5.0, -1.0, 5.0, 1.0, 5.0), wall(15.0, -3.0, 15.0, 3.0, 10.0)],
            ..FloorPlan::default()
        };
        let obstruction = plan.obstruction(&Position::new(a.0, a.1), &Position::new(b.0, b.1));
        assert_eq!(obstruction.walls_crossed, walls);
        assert_eq!(obstruction.loss_db(), loss_db);
    }

    #[test]
    fn floors_add_their_loss_and_walls_elsewhere_do_not_count() {
        let plan = FloorPlan {
            walls: vec![Wall {
                from: Position::on_floor(5.0, -1.0, 3),
                to: Position::on_floor(5.0, 1.0, 3),
                loss_db: 5.0,
            }],
            ..FloorPlan::default()
        };
        let obstruction =
            plan.obstruction(&Position::on_floor(0.0, 0.0, 0), &Position::on_floor(10.0, 0.0, 2));
        assert_eq!(obstruction.walls_crossed, 0);
        assert_eq!(obstruction.floors_crossed, 2);
        // P.1238-10 Table 3: 14 dB for the first floor, 4 dB for the second.
        assert_eq!(obstruction.loss_db(), 18.0);
    }

    // The input: a phone 0.5 m from the PC on the plan, 0, 1 or 2 floors up (either
    // way), with the default 3.5 m storey and P.1238-10's office floor loss.
    #[rstest]
    #[case::same_floor(0, 0.5, 0.0)]
    #[case::one_floor_up(1, 3.535_534, 14.0)]
    #[case::two_floors_up(2, 7.017_834, 18.0)]
    #[case::two_floors_down(-2, 7.017_834, 18.0)]
    #[case::three_floors_up(3, 10.511_898, 22.0)]
    fn floors_add_height_and_their_loss(
        #[case] floor: i32,
        #[case] distance_m: f64,
        #[case] loss_db: f64,
    ) {
        let plan = FloorPlan::default();
        let (pc, phone) = (Position::new(0.0, 0.0), Position::on_floor(0.3, 0.4, floor));
        let got_m = plan.distance_m(&pc, &phone);
        assert!((got_m - distance_m).abs() < 1e-6, "{got_m}");
        assert_eq!(plan.distance_m(&phone, &pc), got_m);
        assert_eq!(plan.obstruction(&pc, &phone).loss_db(), loss_db);
    }

    #[test]
    fn same_floor_distance_is_the_plan_distance_bit_for_bit() {
        let plan = FloorPlan { floor_height_m: 4.0, ..FloorPlan::default() };
        for floor in [-1, 0, 5] {
            let a = Position::on_floor(1.25, -3.5, floor);
            let b = Position::on_floor(-7.75, 2.125, floor);
            assert_eq!(plan.distance_m(&a, &b).to_bits(), a.distance_m(&b).to_bits());
        }
    }

    #[test]
    fn a_linear_floor_loss_is_one_setting_away() {
        let plan =
            FloorPlan { floor_loss_db: 14.0, extra_floor_loss_db: 14.0, ..FloorPlan::default() };
        assert_eq!(plan.floors_loss_db(2), 28.0);
        assert_eq!(plan.floors_loss_db(0), 0.0);
    }

    #[rstest]
    #[case("[1.5, 2]", Ok(Position::new(1.5, 2.0)))]
    #[case("[1, 2, 3]", Ok(Position::on_floor(1.0, 2.0, 3)))]
    #[case("[1]", Err("a position is [x, y] or [x, y, floor] in metres, got 1 numbers"))]
    #[case("[1, 2, 0.5]", Err("the floor must be a whole number"))]
    #[case("[1e9, 2]", Err("within 100000 m"))]
    fn positions_parse_from_lists(#[case] text: &str, #[case] expect: Result<Position, &str>) {
        let parsed: Result<Position, _> = serde_json::from_str(text);
        match (parsed, expect) {
            (Ok(position), Ok(expected)) => assert_eq!(position, expected),
            (Err(error), Err(message)) => assert!(error.to_string().contains(message), "{error}"),
            (other, expected) => panic!("{text}: got {other:?}, expected {expected:?}"),
        }
    }
}
