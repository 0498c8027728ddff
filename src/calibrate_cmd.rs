//! `unlocksim calibrate LOG... [--json] [--out env.yaml]`: fits the radio model to recorded RSSI
//! logs (issue 18). Reading the logs is `scenarios::rssi_log`; the censored maximum-likelihood
//! fit is `sim_devices::fit`; this file groups readings into places, maps the fit to an
//! environment's numbers and prints or writes them. Format and protocol: `docs/calibrate.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use reports::summary::Exit;
use scenarios::rssi_log::{Quantity, ReadOptions, RssiLog, read_log};
use serde_json::json;
use sim_devices::fit::{Estimate, Fit, Observation, Place, Priors, fading_moments_db, fit};
use sim_devices::propagation::{CarryLosses, CarryPosition, DISTANCE_M_MIN, Environment};

use crate::input::read_input;
use crate::radio_range::{RadioCalibration, parse_calibration};

/// Most logs one invocation reads; unknown, chosen (a capture is a handful of files).
pub const CALIBRATE_LOGS_MAX: usize = 256;

/// Arguments of `unlocksim calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Logs to fit: the CSV (`time_s,rssi_db,distance_m,place,kind`), `hcitool rssi` loop
    /// output, a btmon text trace, bluetoothctl scan output or a bleak scan log.
    /// `LOG@DISTANCE_M` gives the distance of a log that has none (one log per spot:
    /// `desk.log@0.6 door.log@5`).
    #[arg(required = true, value_name = "LOG[@DISTANCE_M]")]
    logs: Vec<String>,
    /// The device to keep from a btmon trace or bluetoothctl output of several: an address or
    /// a connection handle.
    #[arg(long)]
    device: Option<String>,
    /// Where the phone was carried during the capture (its loss is taken out of the 1 m loss):
    /// hand, desk, trouser_pocket, chest_pocket, back_pocket, bag, drawer; side-on to the PC.
    #[arg(long, default_value = "hand")]
    carry: String,
    /// The environment preset whose exponent and shadowing σ stand in for what the log cannot
    /// identify.
    #[arg(long, default_value = "office_nlos")]
    prior: String,
    /// Advertising logs (dBm): the phone's advertising transmit power, dBm, to turn the fitted
    /// 1 m level into a 1 m path loss.
    #[arg(long, allow_hyphen_values = true)]
    tx_power_dbm: Option<f64>,
    /// A radio unknown the relative model assumes, KEY=VALUE (repeatable): tx_power_dbm_max,
    /// grpr_lower_dbm, sensitivity_dbm (docs/model.md, "Unknowns").
    #[arg(long = "calibration", value_name = "KEY=VALUE")]
    calibration: Vec<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Write the fitted `environment:` block (YAML) to this file: paste it under `world:`.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The readings of all logs, grouped into places.
#[derive(Debug, Default)]
struct Grouped {
    places: Vec<Place>,
    readings: usize,
    at_zero: usize,
    missing: usize,
    implausible: usize,
    without_distance: usize,
}

fn usage(message: &str) -> Exit {
    errln!("error: {message}");
    Exit::BadInput
}

/// `PATH@DISTANCE_M` into the path and the distance; a path that exists as written wins.
fn split_spec(spec: &str) -> Result<(PathBuf, Option<f64>), String> {
    if Path::new(spec).exists() {
        return Ok((PathBuf::from(spec), None));
    }
    match spec.rsplit_once('@') {
        Some((path, distance)) => {
            let distance_m: f64 = distance
                .parse()
                .ok()
                .filter(|d: &f64| {
                    d.is_finite() && (0.0..=scenarios::rssi_log::LOG_DISTANCE_M_MAX).contains(d)
                })
                .ok_or_else(|| {
                    format!("{spec}: `@{distance}` is not a distance in metres (0..=10000)")
                })?;
            Ok((PathBuf::from(path), Some(distance_m)))
        }
        None => Ok((PathBuf::from(spec), None)),
    }
}

/// Reads every log; the first problem is the error, with `file:line:col`.
fn read_logs(args: &CalibrateArgs) -> Result<Vec<(PathBuf, Option<f64>, RssiLog)>, String> {
    if args.logs.len() > CALIBRATE_LOGS_MAX {
        return Err(format!("at most {CALIBRATE_LOGS_MAX} logs (CALIBRATE_LOGS_MAX)"));
    }
    let options = ReadOptions { device: args.device.clone() };
    let mut logs: Vec<(PathBuf, Option<f64>, RssiLog)> = Vec::new();
    for spec in &args.logs {
        let (path, distance_m) = split_spec(spec)?;
        let shown = path.display();
        let text = read_input(&path).map_err(|reason| format!("{shown}: {reason}"))?;
        let log = read_log(&text, &options).map_err(|e| match e.line {
            0 => format!("{shown}: {}", e.message),
            line => format!("{shown}:{line}:{}: {}", e.column, e.message),
        })?;
        if let Some((first, _, other)) = logs.first()
            && other.quantity != log.quantity
        {
            return Err(format!(
                "{shown}: {} readings, but {} holds {}: relative HCI readings and advertising \
                 dBm are different quantities; fit them separately",
                log.quantity.name(),
                PathBuf::from(first).display(),
                other.quantity.name()
            ));
        }
        logs.push((path, distance_m, log));
    }
    Ok(logs)
}

/// Groups readings into places: one per log, place name and distance.
fn group(logs: &[(PathBuf, Option<f64>, RssiLog)], sensitivity_offset_db: f64) -> Grouped {
    let mut grouped = Grouped::default();
    let mut places: BTreeMap<(usize, String, u64), Place> = BTreeMap::new();
    for (index, (_, log_distance_m, log)) in logs.iter().enumerate() {
        for reading in &log.readings {
            grouped.readings += 1;
            let Some(distance_m) = reading.distance_m.or(*log_distance_m) else {
                grouped.without_distance += 1;
                continue;
            };
            let observation = match (log.quantity, reading.rssi_db) {
                (Quantity::Relative, value) => {
                    let value = value.map(|v| v.round() as i16);
                    grouped.at_zero += usize::from(value.is_some_and(|v| v >= 0));
                    grouped.missing += usize::from(value.is_none());
                    Observation::relative(value, sensitivity_offset_db, 1)
                }
                (Quantity::Dbm, None) => {
                    grouped.missing += 1;
                    continue;
                }
                (Quantity::Dbm, Some(value)) if value >= 0.0 => {
                    grouped.implausible += 1;
                    continue;
                }
                (Quantity::Dbm, Some(value)) => Observation::rounded(value, 1),
            };
            let distance_m = distance_m.max(DISTANCE_M_MIN);
            let place = reading.place.clone().unwrap_or_default();
            places
                .entry((index, place, distance_m.to_bits()))
                .or_insert_with(|| Place { distance_m, observations: Vec::new() })
                .observations
                .push(observation);
        }
    }
    grouped.places = places.into_values().collect();
    grouped
}

/// What the fit means for the environment.
#[derive(Debug)]
struct Calibrated {
    quantity: Quantity,
    fit: Fit,
    /// The 1 m path loss, dB, when it can be said (relative; dBm with a transmit power).
    path_loss_1m_db: Option<Estimate>,
    /// What the 1 m loss assumes.
    assumptions: String,
}

fn mirrored(estimate: Estimate, constant: f64) -> Estimate {
    Estimate {
        value: constant - estimate.value,
        ci95: estimate.ci95.map(|[lo, hi]| [constant - hi, constant - lo]),
    }
}

/// Runs the command; 0 on success, 2 on unreadable or invalid logs and usage errors.
pub fn run(args: &CalibrateArgs) -> Exit {
    match calibrate(args) {
        Ok((calibrated, grouped)) => {
            if let Some(path) = &args.out {
                let yaml = environment_yaml(&calibrated, &args.logs);
                if let Err(error) = reports::output::write_atomic(path, yaml.as_bytes()) {
                    return usage(&format!("cannot write {}: {error}", path.display()));
                }
            }
            if args.json {
                outln!("{}", to_json(&calibrated, &grouped));
            } else {
                print_text(&calibrated, &grouped, args.out.as_deref());
            }
            Exit::Success
        }
        Err(message) => usage(&message),
    }
}

/// Reads, groups and fits; everything that can fail fails here, before any output.
fn calibrate(args: &CalibrateArgs) -> Result<(Calibrated, Grouped), String> {
    let prior = Environment::preset(&args.prior).ok_or_else(|| {
        format!("unknown --prior preset `{}` (see radio --environment list)", args.prior)
    })?;
    let carry = CarryPosition::from_name(&args.carry)
        .ok_or_else(|| format!("unknown --carry `{}` (see radio --carry list)", args.carry))?;
    let carry_loss_db = CarryLosses::default().loss_db(carry);
    let RadioCalibration { radio, .. } = parse_calibration(&args.calibration)?;
    if args.tx_power_dbm.is_some_and(|tx| !(tx.is_finite() && (-40.0..=30.0).contains(&tx))) {
        return Err("--tx-power-dbm: expected -40..=30 dBm".to_owned());
    }
    let logs = read_logs(args)?;
    let quantity = logs.first().map_or(Quantity::Relative, |log| log.2.quantity);
    let grouped = group(&logs, radio.sensitivity_dbm - radio.grpr_lower_dbm);
    let packets = if quantity == Quantity::Relative { radio.packets_per_poll } else { 1 };
    let (fading_mean_db, fading_sd_db) = fading_moments_db(None, packets);
    let priors = Priors {
        exponent: prior.exponent,
        shadowing_sigma_db: prior.shadowing_sigma_db,
        fading_sigma_db: fading_sd_db,
    };
    let mut fit = fit(&grouped.places, &priors).map_err(|message| {
        let names: Vec<String> = logs.iter().map(|l| l.0.display().to_string()).collect();
        format!("{}: {message}", names.join(", "))
    })?;
    // A capture is taken with one carry throughout (the protocol asks for it), so the carry's loss
    // and the 1 m loss move the readings alike: the log cannot tell them apart.
    fit.not_identifiable.push(format!(
        "carry_loss_db: one carry position throughout, so its loss cannot be told from the 1 m \
         loss; taken from --carry ({} {carry_loss_db:.1} dB)",
        carry.name()
    ));
    let carry_text = format!("carry {} {carry_loss_db:.1} dB", carry.name());
    let (path_loss_1m_db, assumptions) = match (quantity, args.tx_power_dbm) {
        (Quantity::Relative, _) => (
            Some(mirrored(
                fit.intercept_db,
                radio.tx_power_dbm_max - radio.grpr_lower_dbm - carry_loss_db + fading_mean_db,
            )),
            format!(
                "tx_power_dbm_max {}, grpr_lower_dbm {}, {carry_text}, Rayleigh fading mean \
                 {fading_mean_db:.2} dB",
                radio.tx_power_dbm_max, radio.grpr_lower_dbm
            ),
        ),
        (Quantity::Dbm, Some(tx)) => (
            Some(mirrored(fit.intercept_db, tx - carry_loss_db + fading_mean_db)),
            format!("tx power {tx} dBm, {carry_text}, Rayleigh fading mean {fading_mean_db:.2} dB"),
        ),
        (Quantity::Dbm, None) => (None, "no --tx-power-dbm: the 1 m loss is not known".to_owned()),
    };
    Ok((Calibrated { quantity, fit, path_loss_1m_db, assumptions }, grouped))
}

fn estimate_json(estimate: &Estimate) -> serde_json::Value {
    json!({ "value": round2(estimate.value), "ci95": estimate.ci95.map(|e| e.map(round2)) })
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn quantity_text(quantity: Quantity) -> &'static str {
    match quantity {
        Quantity::Relative => {
            "relative RSSI (HCI_Read_RSSI: dB relative to the golden receive power range, what \
             Windows reads)"
        }
        Quantity::Dbm => "advertising RSSI in dBm (not what Windows reads)",
    }
}

fn to_json(calibrated: &Calibrated, grouped: &Grouped) -> serde_json::Value {
    let fit = &calibrated.fit;
    let level_key = match calibrated.quantity {
        Quantity::Relative => "grpr_offset_1m_db",
        Quantity::Dbm => "rssi_1m_dbm",
    };
    json!({
        "quantity": calibrated.quantity.name(),
        "path_loss_exponent": estimate_json(&fit.exponent),
        "sigma_db": estimate_json(&fit.shadowing_sigma_db),
        "fading_sigma_db": estimate_json(&fit.fading_sigma_db),
        level_key: estimate_json(&fit.intercept_db),
        "path_loss_1m_db": calibrated.path_loss_1m_db.as_ref().map(estimate_json),
        "path_loss_1m_assumes": calibrated.assumptions,
        "not_identifiable": fit.not_identifiable,
        "readings": {
            "total": grouped.readings,
            "at_zero_censored": grouped.at_zero,
            "missing": grouped.missing,
            "implausible": grouped.implausible,
            "without_distance": grouped.without_distance,
            "places": grouped.places.len(),
        },
    })
}

fn interval_text(estimate: &Estimate) -> String {
    estimate.ci95.map_or_else(
        || "held (not identifiable)".to_owned(),
        |[lo, hi]| format!("{lo:.2} .. {hi:.2}"),
    )
}

fn print_text(calibrated: &Calibrated, grouped: &Grouped, out: Option<&Path>) {
    let fit = &calibrated.fit;
    outln!("fitted: {}", quantity_text(calibrated.quantity));
    let missing = match calibrated.quantity {
        Quantity::Relative => "missing (below sensitivity, censored)",
        Quantity::Dbm => "missing (not used)",
    };
    outln!(
        "readings: {} at {} place(s); {} at 0 (inside the golden range, censored), {} {missing}, \
         {} without a distance, {} implausible (0 dBm or above)",
        grouped.readings,
        grouped.places.len(),
        grouped.at_zero,
        grouped.missing,
        grouped.without_distance,
        grouped.implausible
    );
    outln!("{:<22} {:>8}  95% interval", "parameter", "value");
    let level_name = match calibrated.quantity {
        Quantity::Relative => "grpr_offset_1m_db",
        Quantity::Dbm => "rssi_1m_dbm",
    };
    let mut rows = vec![
        ("path_loss_exponent", fit.exponent),
        ("shadowing_sigma_db", fit.shadowing_sigma_db),
        ("fading_sigma_db", fit.fading_sigma_db),
        (level_name, fit.intercept_db),
    ];
    if let Some(loss) = calibrated.path_loss_1m_db {
        rows.push(("path_loss_1m_db", loss));
    }
    for (name, estimate) in rows {
        outln!("{name:<22} {:>8.2}  {}", estimate.value, interval_text(&estimate));
    }
    outln!("path_loss_1m_db assumes: {}", calibrated.assumptions);
    for reason in &fit.not_identifiable {
        outln!("not identifiable: {reason}");
    }
    if let Some(path) = out {
        outln!("wrote {}", path.display());
    }
}

/// The `environment:` block: `open_plan` (no fitted distance range, so the fit holds at every
/// distance, never below free space) with the identified numbers; held ones are left out.
fn environment_yaml(calibrated: &Calibrated, logs: &[String]) -> String {
    let fit = &calibrated.fit;
    let mut text = format!(
        "# unlocksim calibrate: {} fitted to {}.\n# Paste under `world:` in a scenario. \
         The preset has no fitted distance range, so the fit holds at every distance.\n",
        calibrated.quantity.name(),
        logs.join(" ")
    );
    let mut lines = vec!["environment:".to_owned(), "  preset: open_plan".to_owned()];
    let mut field = |name: &str, estimate: &Estimate| {
        if let Some([lo, hi]) = estimate.ci95 {
            text.push_str(&format!("# {name}: 95% interval {lo:.2} .. {hi:.2}\n"));
            lines.push(format!("  {name}: {:.2}", estimate.value));
        }
    };
    if let Some(loss) = &calibrated.path_loss_1m_db {
        field("path_loss_1m_db", loss);
    }
    field("exponent", &fit.exponent);
    field("shadowing_sigma_db", &fit.shadowing_sigma_db);
    text.push_str(&format!("# path_loss_1m_db assumes {}\n", calibrated.assumptions));
    text.push_str(&lines.join("\n"));
    text.push('\n');
    text
}
