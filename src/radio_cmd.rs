//! `unlocksim radio`: what would Windows read at this distance? Samples the Bluetooth
//! observation chain of `sim-devices` at a range of distances and prints the distribution of the
//! relative RSSI a poll returns, with threshold shares when `--rssi-min` is given.

use clap::Args;
use reports::summary::Exit;
use serde_json::json;
use sim_devices::geometry::{FloorPlan, Position};
use sim_devices::profile::{ProfilePoint, ProfileRequest, sample_profile};
use sim_devices::propagation::{
    BodySide, CARRY_LOSS_DB_MAX, CARRY_POSITIONS, Carry, CarryLosses, CarryPosition, CustomCarry,
    ENVIRONMENT_NAMES, Environment,
};

use crate::radio_range;

/// Arguments of `unlocksim radio`.
#[derive(Debug, Args)]
pub struct RadioArgs {
    /// Propagation environment preset, or `list`.
    #[arg(long, default_value = "office_nlos")]
    environment: String,
    /// Where the phone is carried (hand, desk, trouser_pocket, chest_pocket, back_pocket, bag,
    /// drawer), or `list` for each one's container loss and body side.
    #[arg(long, default_value = "trouser_pocket")]
    carry: String,
    /// A custom carry loss in dB (0..=60) instead of a named position; its body side is
    /// `--carry-side`.
    #[arg(long, conflicts_with = "carry")]
    carry_loss_db: Option<f64>,
    /// The body side of a `--carry-loss-db` carry: front, back or none.
    #[arg(long, default_value = "none", requires = "carry_loss_db")]
    carry_side: String,
    /// How the user stands relative to the PC: `toward` (facing it, as seated), `away`
    /// (walking away: the PC straight behind) or `side` (side-on: no torso shadowing). The
    /// torso shadows a front-of-body phone (hand, front or chest pocket) facing away and a
    /// back-pocket phone facing toward, by 12 dB.
    #[arg(long, default_value = "side")]
    facing: String,
    /// Walls between PC and phone (5 dB each).
    #[arg(long, default_value_t = 0)]
    walls: u32,
    /// Floors between PC and phone: distances are then on the plan, the radios 3.5 m apart
    /// vertically per floor, behind 14 dB for the first floor and 4 dB for each further one
    /// (ITU-R P.1238-10 Table 3; the floor plan's defaults).
    #[arg(long, default_value_t = 0)]
    floors: u32,
    /// Distances in metres as FROM..TO:STEP.
    #[arg(long, default_value = "0..30:1")]
    distances: String,
    /// Polls per distance.
    #[arg(long, default_value_t = 1000)]
    samples: u32,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The rule's rssiMin (enables threshold columns), dB relative to the golden receive power
    /// range: -128..=127, the range the XML rule accepts (an HCI RSSI is a signed byte).
    #[arg(long, allow_hyphen_values = true, value_parser = rssi_db_parser())]
    rssi_min: Option<i16>,
    /// The rule's rssiMaxDelta (default -10 when --rssi-min is given), dB: -128..=127.
    #[arg(
        long,
        allow_hyphen_values = true,
        requires = "rssi_min",
        value_parser = rssi_db_parser()
    )]
    rssi_max_delta: Option<i16>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Set a radio unknown, KEY=VALUE (repeatable): grpr_lower_dbm, grpr_width_db,
    /// tx_power_dbm_max, sensitivity_dbm, coexistence_loss_db (docs/model.md, "Unknowns").
    #[arg(long = "calibration", value_name = "KEY=VALUE")]
    calibration: Vec<String>,
}

/// Parses a rule threshold, dB: -128..=127, the signed byte of an HCI RSSI, as the XML rule takes.
fn rssi_db_parser() -> clap::builder::RangedI64ValueParser<i16> {
    clap::value_parser!(i16).range(-128..=127)
}

/// Loss per wall for `--walls`, dB (a plasterboard partition).
const WALL_LOSS_DB: f64 = 5.0;

/// Parses `FROM..TO:STEP` into the distances it names (inclusive of TO).
fn parse_distances(text: &str) -> Result<Vec<f64>, String> {
    let error =
        || format!("--distances: expected FROM..TO:STEP in metres, e.g. 0..30:1, got `{text}`");
    let (range, step) = text.split_once(':').ok_or_else(error)?;
    let (from, to) = range.split_once("..").ok_or_else(error)?;
    let parse = |value: &str| value.trim().parse::<f64>().map_err(|_| error());
    let (from, to, step) = (parse(from)?, parse(to)?, parse(step)?);
    if !(from.is_finite() && to.is_finite() && step.is_finite())
        || from < 0.0
        || to < from
        || step <= 0.0
    {
        return Err(format!("--distances: need 0 <= FROM <= TO and STEP > 0, got `{text}`"));
    }
    let count = ((to - from) / step + 1e-9).floor() as u64 + 1;
    if count > sim_devices::profile::DISTANCES_MAX as u64 {
        return Err(format!(
            "--distances: at most {} distances",
            sim_devices::profile::DISTANCES_MAX
        ));
    }
    Ok((0..count).map(|i| ((from + step * i as f64) * 1e6).round() / 1e6).collect())
}

fn usage(message: &str) -> Exit {
    errln!("error: {message}");
    Exit::BadInput
}

/// Runs the command; exit 0 on success, 2 on usage errors.
pub fn run(args: &RadioArgs) -> Exit {
    if args.environment == "list" {
        for (name, description) in ENVIRONMENT_NAMES {
            let e = Environment::preset(name).expect("listed presets exist");
            outln!(
                "{name:<12} n={:.2} L1m={:.1} dB sigma={:.2} dB  {description}",
                e.exponent,
                e.path_loss_1m_db,
                e.shadowing_sigma_db
            );
        }
        return Exit::Success;
    }
    if args.carry == "list" {
        print_carry_list();
        return Exit::Success;
    }
    let Some(environment) = Environment::preset(&args.environment) else {
        return usage(&format!(
            "unknown environment `{}` (see --environment list)",
            args.environment
        ));
    };
    let carry = match parse_carry(args) {
        Ok(carry) => carry,
        Err(message) => return usage(&message),
    };
    let Some(cos_to_pc) = facing_cos(&args.facing) else {
        return usage(&format!("--facing: expected toward, away or side, got `{}`", args.facing));
    };
    let distances_m = match parse_distances(&args.distances) {
        Ok(distances) => distances,
        Err(message) => return usage(&message),
    };
    let calibration = match radio_range::parse_calibration(&args.calibration) {
        Ok(calibration) => calibration,
        Err(message) => return usage(&message),
    };
    let mut request = ProfileRequest {
        environment,
        radio: calibration.radio.clone(),
        carry_loss_db: CarryLosses::default().carry_loss_db(carry, Some(cos_to_pc)),
        obstruction_loss_db: WALL_LOSS_DB * f64::from(args.walls),
        floors: args.floors,
        floor_plan: FloorPlan::default(),
        distances_m,
        samples: args.samples,
        seed: args.seed,
    };
    let base = request.clone();
    request.obstruction_loss_db += calibration.coexistence_loss_db;
    let points = match sample_profile(&request) {
        Ok(points) => points,
        Err(message) => return usage(&message),
    };
    let outside_m = outside_fitted_range_m(&request.environment, args.floors, &points);
    let thresholds = args.rssi_min.map(|min| {
        let delta = args.rssi_max_delta.unwrap_or(-10);
        (min, min.saturating_add(delta), delta)
    });
    // The absence threshold the range effect reports against: the rule's, else -10 + -10.
    let absent_below = thresholds.map_or(-20, |(_, absent_below, _)| absent_below);
    let effects = match radio_range::range_effect(&base, &calibration, absent_below) {
        Ok(effects) => effects,
        Err(message) => return usage(&message),
    };
    if args.json {
        let range_effect = (absent_below, radio_range::effects_json(&effects));
        let carry = (carry, request.carry_loss_db);
        let context = (&request.environment, outside_m.as_slice());
        print_json(args, &points, thresholds, context, carry, range_effect);
    } else {
        print_table(args, &points, thresholds, (carry, request.carry_loss_db));
        if let Some(note) = fitted_range_note(&request.environment, &outside_m) {
            outln!("{note}");
        }
        for line in radio_range::effects_text(&effects, absent_below, args.samples) {
            outln!("{line}");
        }
    }
    Exit::Success
}

/// Prints every carry position with its container loss and body side, and the torso depth.
fn print_carry_list() {
    let losses = CarryLosses::default();
    for carry in CARRY_POSITIONS {
        outln!(
            "{:<16} {:>5.1} dB  side {}",
            carry.name(),
            losses.loss_db(carry),
            carry.body_side().name()
        );
    }
    outln!(
        "torso shadowing: +{:.1} dB x cos^2 of the angle to the PC when the torso is between \
         (front: PC behind; back: PC ahead); --facing toward|away|side",
        losses.torso_shadowing_db
    );
}

/// The carry of `--carry` or `--carry-loss-db` with `--carry-side`.
fn parse_carry(args: &RadioArgs) -> Result<Carry, String> {
    let Some(loss_db) = args.carry_loss_db else {
        return CarryPosition::from_name(&args.carry)
            .map(Carry::Position)
            .ok_or_else(|| format!("unknown carry position `{}` (see --carry list)", args.carry));
    };
    let side = match args.carry_side.as_str() {
        "front" => BodySide::Front,
        "back" => BodySide::Back,
        "none" => BodySide::None,
        other => return Err(format!("--carry-side: expected front, back or none, got `{other}`")),
    };
    let carry = Carry::Custom(CustomCarry { loss_db, side });
    carry.validate().map_err(|_| {
        format!("--carry-loss-db: expected 0..={CARRY_LOSS_DB_MAX} dB, got {loss_db}")
    })?;
    Ok(carry)
}

/// cos of the angle between the user's heading and the direction to the PC for `--facing`.
fn facing_cos(facing: &str) -> Option<f64> {
    match facing {
        "toward" => Some(1.0),
        "away" => Some(-1.0),
        "side" => Some(0.0),
        _ => None,
    }
}

/// The requested distances (on the plan) whose radio distance, with `floors` between the
/// radios, lies outside `environment`'s fitted range.
fn outside_fitted_range_m(
    environment: &Environment,
    floors: u32,
    points: &[ProfilePoint],
) -> Vec<f64> {
    let plan = FloorPlan::default();
    // `sample_profile` accepted `floors`, so it is at most 2000.
    let floor = i32::try_from(floors).unwrap_or_default();
    points
        .iter()
        .map(|point| point.distance_m)
        .filter(|&distance_m| {
            let phone = Position::on_floor(distance_m, 0.0, floor);
            environment.outside_fitted_range(plan.distance_m(&Position::new(0.0, 0.0), &phone))
        })
        .collect()
}

/// The note under the table when some distances rely on the fit outside its range.
fn fitted_range_note(environment: &Environment, outside_m: &[f64]) -> Option<String> {
    let range = environment.fitted_range?;
    if outside_m.is_empty() {
        return None;
    }
    let nearer = outside_m.iter().filter(|&&d| d < range.min_m).count();
    let beyond = outside_m.len() - nearer;
    let (name, n_beyond) = (&environment.name, environment.exponent_beyond);
    Some(format!(
        "note: {name} is fitted on {}-{} m (ITU-R P.1238-10 Table 2): {nearer} distance(s) \
         nearer use at least free-space loss, {beyond} beyond continue at n = {n_beyond:.2} \
         (unknown, chosen; design 3.4)",
        range.min_m, range.max_m
    ))
}

/// The first distance whose median (absent counted below everything) is below `threshold`.
fn crossing_m(points: &[ProfilePoint], threshold: i16) -> Option<f64> {
    points
        .iter()
        .find(|point| point.median_with_absent().is_none_or(|median| median < threshold))
        .map(|point| point.distance_m)
}

fn print_json(
    args: &RadioArgs,
    points: &[ProfilePoint],
    thresholds: Option<(i16, i16, i16)>,
    (environment, outside_m): (&Environment, &[f64]),
    (carry, carry_loss_db): (Carry, f64),
    (absent_below, range_effect): (i16, serde_json::Value),
) {
    let items: Vec<_> = points
        .iter()
        .map(|point| {
            let mut item = json!({
                "distance_m": point.distance_m,
                "rssi_mean": point.mean(),
                "rssi_p05": point.quantile(0.05),
                "rssi_p50": point.quantile(0.5),
                "rssi_p95": point.quantile(0.95),
                "absent_share": point.absent_share(),
            });
            if let Some((present_at, absent_below, _)) = thresholds {
                item["present_share"] = json!(point.share_at_least(present_at));
                item["absent_by_rule_share"] = json!(point.share_below(absent_below));
            }
            item
        })
        .collect();
    let mut output = json!({
        "environment": args.environment,
        "carry": carry.label(),
        "carry_side": carry.body_side().name(),
        "facing": args.facing,
        "carry_loss_db": carry_loss_db,
        "walls": args.walls,
        "floors": args.floors,
        "samples": args.samples,
        "seed": args.seed,
        "points": items,
        "fitted_range_m": environment.fitted_range.map(|range| [range.min_m, range.max_m]),
        "exponent_beyond_fitted_range": environment.exponent_beyond,
        "outside_fitted_range_m": outside_m,
        "range_effect_absence_threshold": absent_below,
        "range_effect_samples": args.samples.min(radio_range::RANGE_EFFECT_SAMPLES_MAX),
        "range_effect": range_effect,
    });
    if let Some((present_at, absent_below, delta)) = thresholds {
        output["rssi_min"] = json!(present_at);
        output["rssi_max_delta"] = json!(delta);
        output["median_below_rssi_min_at_m"] = json!(crossing_m(points, present_at));
        output["median_below_absent_threshold_at_m"] = json!(crossing_m(points, absent_below));
    }
    outln!("{output}");
}

fn show<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn print_table(
    args: &RadioArgs,
    points: &[ProfilePoint],
    thresholds: Option<(i16, i16, i16)>,
    (carry, carry_loss_db): (Carry, f64),
) {
    outln!(
        "environment {}, carry {} facing {} ({carry_loss_db:.1} dB), {} wall(s), {} polls per \
         distance, seed {}",
        args.environment,
        carry.label(),
        args.facing,
        args.walls,
        args.samples,
        args.seed
    );
    if args.floors > 0 {
        let plan = FloorPlan::default();
        outln!(
            "{} floor(s) up: dist_m is on the plan, {:.1} m higher, {:.0} dB of floors",
            args.floors,
            f64::from(args.floors) * plan.floor_height_m,
            plan.floors_loss_db(args.floors)
        );
    }
    outln!("relative RSSI: dB relative to the golden receive power range (0 = inside it)");
    let mut header = format!(
        "{:>8} {:>7} {:>5} {:>5} {:>5} {:>7}",
        "dist_m", "mean", "p05", "p50", "p95", "absent"
    );
    if thresholds.is_some() {
        header.push_str(&format!(" {:>8} {:>8}", "present", "absent*"));
    }
    outln!("{header}");
    for point in points {
        let mut line = format!(
            "{:>8.2} {:>7} {:>5} {:>5} {:>5} {:>6.1}%",
            point.distance_m,
            show(point.mean().map(|m| format!("{m:.1}"))),
            show(point.quantile(0.05)),
            show(point.quantile(0.5)),
            show(point.quantile(0.95)),
            100.0 * point.absent_share(),
        );
        if let Some((present_at, absent_below, _)) = thresholds {
            line.push_str(&format!(
                " {:>7.1}% {:>7.1}%",
                100.0 * point.share_at_least(present_at),
                100.0 * point.share_below(absent_below)
            ));
        }
        outln!("{line}");
    }
    if let Some((present_at, absent_below, delta)) = thresholds {
        outln!(
            "present: RSSI >= {present_at} (rssiMin); absent*: no phone or RSSI < {absent_below} \
             (rssiMin + rssiMaxDelta {delta}, the default hysteresis interpretation)"
        );
        outln!(
            "median falls below rssiMin {present_at} at: {}",
            show(crossing_m(points, present_at).map(|d| format!("{d} m")))
        );
        outln!(
            "median falls below the absence threshold {absent_below} at: {}",
            show(crossing_m(points, absent_below).map(|d| format!("{d} m")))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::parse_distances;

    #[test]
    fn distance_ranges() {
        assert_eq!(parse_distances("0..3:1"), Ok(vec![0.0, 1.0, 2.0, 3.0]));
        assert_eq!(parse_distances("1..2:0.5"), Ok(vec![1.0, 1.5, 2.0]));
        assert!(parse_distances("3..1:1").is_err());
        assert!(parse_distances("0..1").is_err());
        assert!(parse_distances("0..1e9:0.001").is_err());
    }
}
