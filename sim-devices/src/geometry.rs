//! Geometry of the floor plan: positions in metres, walls as segments with a loss, floors.
//!
//! The propagation model needs two things from geometry: the straight-line distance between two
//! radios and the obstacles the line of sight crosses (walls on the radios' floors, and the number
//! of floors between them). Floors are stacked; distance is measured in the plane, which is the
//! usual simplification of ITU-R P.1238's floor-penetration term.

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

    /// Distance in the plane, in metres (floors do not add height).
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

/// The building: walls, plus the loss of each floor a path goes through.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloorPlan {
    /// Every wall in the building.
    #[serde(default)]
    pub walls: Vec<Wall>,
    /// Loss per floor between the radios, in dB. Default 14 dB: ITU-R P.1238's floor
    /// penetration factor for offices near 2 GHz (one floor).
    #[serde(default = "default_floor_loss_db")]
    pub floor_loss_db: f64,
}

fn default_floor_loss_db() -> f64 {
    14.0
}

impl Default for FloorPlan {
    fn default() -> FloorPlan {
        FloorPlan { walls: Vec::new(), floor_loss_db: default_floor_loss_db() }
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
    /// `floors_crossed * floor_loss_db`, dB.
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
        result.floor_loss_db = f64::from(result.floors_crossed) * self.floor_loss_db;
        result
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
            floor_loss_db: 14.0,
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
            floor_loss_db: 14.0,
        };
        let obstruction =
            plan.obstruction(&Position::on_floor(0.0, 0.0, 0), &Position::on_floor(10.0, 0.0, 2));
        assert_eq!(obstruction.walls_crossed, 0);
        assert_eq!(obstruction.floors_crossed, 2);
        assert_eq!(obstruction.loss_db(), 28.0);
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
