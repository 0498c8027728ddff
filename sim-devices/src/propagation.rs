//! Radio propagation at 2.4 GHz: path loss, body and carry loss, shadowing and fast fading.
//!
//! Each stage is a small pure function with named, documented presets. Sources:
//! - ITU-R P.1238-10 (2019), section 3.1, Table 2, site-general model
//!   `L = 10 α log10(d) + β + 10 γ log10(f/GHz)`: office LoS (fitted on 2-27 m), office NLoS
//!   (4-30 m) and corridor LoS (2-160 m), each with its shadow-fading σ.
//! - The older ITU-R P.1238 distance-power loss coefficients `N` (same recommendation, earlier
//!   editions' Table 2): commercial areas N = 22 and residential N = 28 near 2 GHz; no distance
//!   range is stated for them.
//! - M. Gudmundson (1991), "Correlation model for shadow fading in mobile radio systems":
//!   shadowing is an AR(1) process over distance moved, `ρ = exp(-Δd / d_corr)`.
//! - Rician fading with factor K (line of sight), Rayleigh (K = 0) without it.
//!
//! Outside a fit's distance range (design 3.4) the model does what [`Environment::path_loss_db`]
//! says: nearer than the range, never less loss than free space; beyond it, the fit continues
//! from its last measured point with [`Environment::exponent_beyond`].

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use engine::StreamRng;

/// Bluetooth centre frequency used by the presets, GHz (the middle of the 2.4 GHz ISM band).
pub const BLUETOOTH_FREQUENCY_GHZ: f64 = 2.44;

/// Free-space loss at 1 m and 2.44 GHz, dB: `20 log10(4π / λ)` with λ = 0.1229 m.
pub fn free_space_loss_1m_db(frequency_ghz: f64) -> f64 {
    let wavelength_m = 0.299_792_458 / frequency_ghz;
    20.0 * (4.0 * std::f64::consts::PI / wavelength_m).log10()
}

/// Distances below this are treated as this, metres: the log-distance law does not hold in the
/// antenna's near field, and the bound keeps the loss finite.
pub const DISTANCE_M_MIN: f64 = 0.1;

/// The distances a fit was measured over, metres (ITU-R P.1238-10 Table 2 states one per row).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FittedRange {
    /// Nearest measured distance, m.
    pub min_m: f64,
    /// Farthest measured distance, m.
    pub max_m: f64,
}

impl FittedRange {
    /// Whether `distance_m` lies inside the range (ends included).
    pub fn contains(&self, distance_m: f64) -> bool {
        (self.min_m..=self.max_m).contains(&distance_m)
    }
}

/// The parameters of one propagation environment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Environment {
    /// The preset's name, e.g. `office_nlos`.
    pub name: String,
    /// Loss at 1 m, dB.
    pub path_loss_1m_db: f64,
    /// Distance-power exponent `n`: the loss grows by `10 n` dB per decade of distance.
    pub exponent: f64,
    /// The distances the fit was measured over; `None` when its source states none (then the
    /// fit is used at every distance, never below free space).
    pub fitted_range: Option<FittedRange>,
    /// Exponent beyond [`FittedRange::max_m`]: unknown (nothing was measured there), chosen as
    /// `max(n, 2)`: the fit's own slope, never shallower than free space, so a line-of-sight
    /// fit's waveguiding gain does not keep growing. A plausible range is 2 to 3 (P.1238's
    /// office N = 30).
    pub exponent_beyond: f64,
    /// Standard deviation of log-normal shadowing, dB.
    pub shadowing_sigma_db: f64,
    /// Rician K factor of per-packet fading in dB; `None` is Rayleigh (no line of sight).
    pub rician_k_db: Option<f64>,
    /// Gudmundson decorrelation distance of shadowing, metres.
    pub decorrelation_distance_m: f64,
    /// Where the numbers come from.
    pub source: String,
}

/// The named presets: `(name, what it is)`.
pub const ENVIRONMENT_NAMES: [(&str, &str); 6] = [
    ("office_los", "office, line of sight (ITU-R P.1238-10 office LoS, fitted on 2-27 m)"),
    ("office_nlos", "office, non-line-of-sight (ITU-R P.1238-10 office NLoS, fitted on 4-30 m)"),
    ("corridor", "corridor, line of sight (ITU-R P.1238-10 corridor LoS, fitted on 2-160 m)"),
    ("open_plan", "open-plan commercial floor (ITU-R P.1238 commercial areas N = 22)"),
    ("home", "home (ITU-R P.1238 residential N = 28)"),
    ("free_space", "free space (Friis, n=2, no shadowing): a reference for tests"),
];

/// One row of ITU-R P.1238-10 Table 2 (site-general model) at [`BLUETOOTH_FREQUENCY_GHZ`].
struct SiteGeneralRow {
    alpha: f64,
    beta: f64,
    gamma: f64,
    sigma_db: f64,
    range: FittedRange,
}

impl SiteGeneralRow {
    /// `(loss at 1 m in dB, exponent)`: `L(1 m) = β + 10 γ log10(f/GHz)`, `n = α`.
    fn loss_1m_db_and_exponent(&self) -> (f64, f64) {
        (self.beta + 10.0 * self.gamma * BLUETOOTH_FREQUENCY_GHZ.log10(), self.alpha)
    }
}

/// What a preset is made of, before it becomes an [`Environment`].
struct PresetNumbers {
    loss_1m_db: f64,
    exponent: f64,
    range: Option<FittedRange>,
    sigma_db: f64,
    k_db: Option<f64>,
    decorrelation_m: f64,
    source: &'static str,
}

/// A P.1238-10 site-general preset: the row's numbers with the assumed fading.
fn site_general(row: &SiteGeneralRow, k_db: Option<f64>, decorrelation_m: f64) -> PresetNumbers {
    let (loss_1m_db, exponent) = row.loss_1m_db_and_exponent();
    PresetNumbers {
        loss_1m_db,
        exponent,
        range: Some(row.range),
        sigma_db: row.sigma_db,
        k_db,
        decorrelation_m,
        source: "",
    }
}

/// The numbers of preset `name`, or `None`.
fn preset_numbers(name: &str) -> Option<PresetNumbers> {
    let range = |min_m, max_m| FittedRange { min_m, max_m };
    let fspl_1m_db = free_space_loss_1m_db(BLUETOOTH_FREQUENCY_GHZ);
    // The older P.1238 model `L = 20 log10(f/MHz) + N log10(d) - 28`, with the free-space 1 m
    // loss (0.45 dB more than its `20 log10 f - 28` at 2.44 GHz) so it never starts below it.
    let distance_power = |n: f64, sigma_db, source| PresetNumbers {
        loss_1m_db: fspl_1m_db,
        exponent: n,
        range: None,
        sigma_db,
        k_db: Some(3.0),
        decorrelation_m: 5.0,
        source,
    };
    let numbers = match name {
        "office_los" => PresetNumbers {
            source: "ITU-R P.1238-10 Table 2 office LoS: α 1.46, β 34.62, γ 2.03, σ 3.76 dB, \
                     2-27 m; K 6 dB assumed",
            ..site_general(
                &SiteGeneralRow {
                    alpha: 1.46,
                    beta: 34.62,
                    gamma: 2.03,
                    sigma_db: 3.76,
                    range: range(2.0, 27.0),
                },
                Some(6.0),
                3.0,
            )
        },
        "office_nlos" => PresetNumbers {
            source: "ITU-R P.1238-10 Table 2 office NLoS: α 2.46, β 29.53, γ 2.38, σ 5.04 dB, \
                     4-30 m; Rayleigh",
            ..site_general(
                &SiteGeneralRow {
                    alpha: 2.46,
                    beta: 29.53,
                    gamma: 2.38,
                    sigma_db: 5.04,
                    range: range(4.0, 30.0),
                },
                None,
                3.0,
            )
        },
        "corridor" => PresetNumbers {
            source: "ITU-R P.1238-10 Table 2 corridor LoS: α 1.63, β 28.12, γ 2.25, σ 4.07 dB, \
                     2-160 m; K 9 dB assumed",
            ..site_general(
                &SiteGeneralRow {
                    alpha: 1.63,
                    beta: 28.12,
                    gamma: 2.25,
                    sigma_db: 4.07,
                    range: range(2.0, 160.0),
                },
                Some(9.0),
                5.0,
            )
        },
        "open_plan" => distance_power(
            2.2,
            6.0,
            "ITU-R P.1238 commercial areas N = 22 (1.8-2 GHz row) with the free-space 1 m loss; \
             no distance range stated; σ 6 dB, K 3 dB assumed",
        ),
        "home" => PresetNumbers {
            decorrelation_m: 2.0,
            ..distance_power(
                2.8,
                4.0,
                "ITU-R P.1238 residential N = 28 with the free-space 1 m loss; no distance range \
                 stated; σ 4 dB, K 3 dB assumed (a single-author BLE write-up fits n ≈ 2.42: \
                 `exponent: 2.42` to use it)",
            )
        },
        "free_space" => PresetNumbers {
            k_db: None,
            decorrelation_m: 10.0,
            ..distance_power(2.0, 0.0, "Friis free space at 2.44 GHz")
        },
        _ => return None,
    };
    Some(numbers)
}

impl Environment {
    /// The preset called `name`, or `None`.
    pub fn preset(name: &str) -> Option<Environment> {
        let numbers = preset_numbers(name)?;
        Some(Environment {
            name: name.to_owned(),
            path_loss_1m_db: numbers.loss_1m_db,
            exponent: numbers.exponent,
            fitted_range: numbers.range,
            exponent_beyond: numbers.exponent.max(2.0),
            shadowing_sigma_db: numbers.sigma_db,
            rician_k_db: numbers.k_db,
            decorrelation_distance_m: numbers.decorrelation_m,
            source: numbers.source.to_owned(),
        })
    }

    /// The preset with the given overrides applied.
    pub fn with_overrides(mut self, overrides: &EnvironmentConfig) -> Environment {
        if let Some(value) = overrides.path_loss_1m_db {
            self.path_loss_1m_db = value;
        }
        if let Some(value) = overrides.exponent {
            self.exponent = value;
            self.exponent_beyond = value.max(2.0);
        }
        if let Some(value) = overrides.shadowing_sigma_db {
            self.shadowing_sigma_db = value;
        }
        if let Some(value) = overrides.rician_k_db {
            self.rician_k_db = Some(value);
        }
        if overrides.rayleigh {
            self.rician_k_db = None;
        }
        if let Some(value) = overrides.decorrelation_distance_m {
            self.decorrelation_distance_m = value;
        }
        self
    }

    /// Mean path loss at `distance_m`, dB (stage 1, without walls). With `L(d)` the fit
    /// `L(1 m) + 10 n log10(d)` and `F(d)` free space:
    /// - inside the fitted range: `L(d)`, as measured (line-of-sight fits with n < 2 are below
    ///   free space there: corridor waveguiding, which P.1238 measured);
    /// - nearer than the range: `min(L(min), max(L(d), F(d)))`: never less loss than free space,
    ///   and never more than at the fit's nearest point, so the loss still grows with distance;
    /// - beyond the range: `L(max) + 10 n_beyond log10(d / max)` (see `exponent_beyond`);
    /// - a fit without a stated range: `max(L(d), F(d))` at every distance.
    pub fn path_loss_db(&self, distance_m: f64) -> f64 {
        let distance_m = distance_m.max(DISTANCE_M_MIN);
        let fit_db = |d_m: f64| path_loss_db(self.path_loss_1m_db, self.exponent, d_m);
        // The free-space floor is computed only where it applies: inside a fit's range (most
        // polls) it is not needed.
        match self.fitted_range {
            None => fit_db(distance_m).max(free_space_path_loss_db(distance_m)),
            Some(range) if distance_m < range.min_m => {
                fit_db(distance_m).max(free_space_path_loss_db(distance_m)).min(fit_db(range.min_m))
            }
            Some(range) if distance_m > range.max_m => {
                let beyond_db = 10.0 * self.exponent_beyond * (distance_m / range.max_m).log10();
                fit_db(range.max_m) + beyond_db
            }
            Some(_) => fit_db(distance_m),
        }
    }

    /// Whether the model at `distance_m` relies on the fit outside its measured range.
    pub fn outside_fitted_range(&self, distance_m: f64) -> bool {
        self.fitted_range.is_some_and(|range| !range.contains(distance_m))
    }
}

/// Free-space (Friis) loss at [`BLUETOOTH_FREQUENCY_GHZ`], dB: the floor of every preset.
pub fn free_space_path_loss_db(distance_m: f64) -> f64 {
    path_loss_db(free_space_loss_1m_db(BLUETOOTH_FREQUENCY_GHZ), 2.0, distance_m)
}

/// Log-distance path loss: `loss_1m_db + 10 n log10(max(d, 0.1 m))`.
pub fn path_loss_db(loss_1m_db: f64, exponent: f64, distance_m: f64) -> f64 {
    loss_1m_db + 10.0 * exponent * distance_m.max(DISTANCE_M_MIN).log10()
}

/// The environment part of a scenario: a preset and overrides of any of its numbers.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// Preset name (see [`ENVIRONMENT_NAMES`]); default `office_nlos`.
    #[serde(default = "default_preset")]
    pub preset: String,
    /// Override of the loss at 1 m, dB.
    #[serde(default)]
    pub path_loss_1m_db: Option<f64>,
    /// Override of the distance-power exponent.
    #[serde(default)]
    pub exponent: Option<f64>,
    /// Override of the shadowing standard deviation, dB.
    #[serde(default)]
    pub shadowing_sigma_db: Option<f64>,
    /// Override of the Rician K factor, dB.
    #[serde(default)]
    pub rician_k_db: Option<f64>,
    /// Force Rayleigh fading (no line of sight).
    #[serde(default)]
    pub rayleigh: bool,
    /// Override of the shadowing decorrelation distance, m.
    #[serde(default)]
    pub decorrelation_distance_m: Option<f64>,
}

fn default_preset() -> String {
    "office_nlos".to_owned()
}

impl Default for EnvironmentConfig {
    fn default() -> EnvironmentConfig {
        EnvironmentConfig {
            preset: default_preset(),
            path_loss_1m_db: None,
            exponent: None,
            shadowing_sigma_db: None,
            rician_k_db: None,
            rayleigh: false,
            decorrelation_distance_m: None,
        }
    }
}

impl EnvironmentConfig {
    /// The environment this configuration describes, or a message naming the unknown preset.
    pub fn resolve(&self) -> Result<Environment, String> {
        let preset = Environment::preset(&self.preset).ok_or_else(|| {
            let names: Vec<&str> = ENVIRONMENT_NAMES.iter().map(|(name, _)| *name).collect();
            format!("unknown environment `{}`; known: {}", self.preset, names.join(", "))
        })?;
        let environment = preset.with_overrides(self);
        let numbers = [
            environment.path_loss_1m_db,
            environment.exponent,
            environment.shadowing_sigma_db,
            environment.decorrelation_distance_m,
        ];
        if numbers.iter().any(|value| !value.is_finite() || *value < 0.0)
            || environment.exponent > 10.0
            || environment.shadowing_sigma_db > 30.0
            || environment.decorrelation_distance_m <= 0.0
        {
            return Err("environment numbers must be finite, non-negative, exponent <= 10, \
                 sigma <= 30 dB and decorrelation distance > 0"
                .to_owned());
        }
        Ok(environment)
    }
}

/// Where a phone is carried: each position adds a body or container loss (stage 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CarryPosition {
    /// In the hand, in front of the body.
    Hand,
    /// Lying on a desk or table.
    Desk,
    /// In a front trouser pocket.
    TrouserPocket,
    /// In a back trouser pocket: the body is between phone and PC when seated facing it.
    BackPocket,
    /// In a bag or backpack.
    Bag,
    /// In a (metal) desk drawer.
    Drawer,
}

/// Every carry position with its name, for `--carry list`.
pub const CARRY_POSITIONS: [CarryPosition; 6] = [
    CarryPosition::Hand,
    CarryPosition::Desk,
    CarryPosition::TrouserPocket,
    CarryPosition::BackPocket,
    CarryPosition::Bag,
    CarryPosition::Drawer,
];

impl CarryPosition {
    /// The snake_case name used in scenarios and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            CarryPosition::Hand => "hand",
            CarryPosition::Desk => "desk",
            CarryPosition::TrouserPocket => "trouser_pocket",
            CarryPosition::BackPocket => "back_pocket",
            CarryPosition::Bag => "bag",
            CarryPosition::Drawer => "drawer",
        }
    }

    /// The position called `name`.
    pub fn from_name(name: &str) -> Option<CarryPosition> {
        CARRY_POSITIONS.into_iter().find(|carry| carry.name() == name)
    }
}

/// Body and carrying losses per carry position, dB; a scenario can override each.
///
/// Defaults are mid-range values of 2.4 GHz body-shadowing measurements (on-body studies report
/// a few dB for a hand-held device and 10 to 20 dB when the torso blocks the path); a bag adds
/// the body and the bag's contents; a metal drawer is a partial Faraday cage.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CarryLosses {
    /// Phone in the hand, dB (default 3).
    pub hand_db: f64,
    /// Phone on the desk, dB (default 0).
    pub desk_db: f64,
    /// Front trouser pocket, dB (default 8).
    pub trouser_pocket_db: f64,
    /// Back trouser pocket, dB (default 12).
    pub back_pocket_db: f64,
    /// Bag or backpack, dB (default 15).
    pub bag_db: f64,
    /// Metal desk drawer, dB (default 18).
    pub drawer_db: f64,
}

impl Default for CarryLosses {
    fn default() -> CarryLosses {
        CarryLosses {
            hand_db: 3.0,
            desk_db: 0.0,
            trouser_pocket_db: 8.0,
            back_pocket_db: 12.0,
            bag_db: 15.0,
            drawer_db: 18.0,
        }
    }
}

impl CarryLosses {
    /// The loss for `carry`, dB.
    pub fn loss_db(&self, carry: CarryPosition) -> f64 {
        match carry {
            CarryPosition::Hand => self.hand_db,
            CarryPosition::Desk => self.desk_db,
            CarryPosition::TrouserPocket => self.trouser_pocket_db,
            CarryPosition::BackPocket => self.back_pocket_db,
            CarryPosition::Bag => self.bag_db,
            CarryPosition::Drawer => self.drawer_db,
        }
    }
}

/// One step of Gudmundson shadowing (stage 3): the next shadowing value in dB after moving
/// `moved_m`, given the previous value (`None` draws from the stationary distribution).
///
/// `S' = ρ S + sqrt(1 - ρ²) σ Z` with `ρ = exp(-moved / d_corr)` and `Z ~ N(0, 1)`, so `S` stays
/// `N(0, σ²)` and values a distance `Δd` apart have correlation `exp(-Δd / d_corr)`.
pub fn shadowing_step_db(
    previous_db: Option<f64>,
    moved_m: f64,
    sigma_db: f64,
    decorrelation_distance_m: f64,
    rng: &mut StreamRng,
) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    match previous_db {
        None => sigma_db * z,
        Some(previous) => {
            let rho = (-moved_m.max(0.0) / decorrelation_distance_m).exp();
            rho * previous + (1.0 - rho * rho).sqrt() * sigma_db * z
        }
    }
}

/// One packet's fast-fading power gain (stage 4, linear, mean 1): Rician with factor
/// `k_db`, or Rayleigh (exponential power) when `None`.
pub fn fading_power_gain(rician_k_db: Option<f64>, rng: &mut StreamRng) -> f64 {
    let k = rician_k_db.map_or(0.0, |k_db| 10f64.powf(k_db / 10.0));
    let line_of_sight = (k / (k + 1.0)).sqrt();
    let scatter = (1.0 / (2.0 * (k + 1.0))).sqrt();
    let re: f64 = rng.sample(StandardNormal);
    let im: f64 = rng.sample(StandardNormal);
    let i = line_of_sight + scatter * re;
    let q = scatter * im;
    i * i + q * q
}

/// The mean fading gain over `packets` packets, in dB: how a controller's averaged RSSI sees
/// fast fading. At least one packet is drawn.
pub fn averaged_fading_db(rician_k_db: Option<f64>, packets: u32, rng: &mut StreamRng) -> f64 {
    let packets = packets.max(1);
    let sum: f64 = (0..packets).map(|_| fading_power_gain(rician_k_db, rng)).sum();
    10.0 * (sum / f64::from(packets)).max(1e-12).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::RandomStreams;
    use rstest::rstest;
    use std::f64::consts::LOG10_2;

    #[test]
    fn free_space_loss_at_one_metre_is_about_40_db() {
        let loss = free_space_loss_1m_db(2.44);
        assert!((loss - 40.2).abs() < 0.05, "{loss}");
    }

    // Fits at 2.44 GHz: L(1 m) = β + 10 γ log10(2.44), log10(2.44) = 0.3874; free space
    // F(d) = 40.20 + 20 log10(d). Office LoS L(1 m) = 42.48, n 1.46, 2-27 m; office NLoS 38.75,
    // n 2.46, 4-30 m; corridor 36.84, n 1.63, 2-160 m.
    #[rstest]
    // Office LoS: at 0.5 m the fit (38.09) is above free space (34.17) and below L(2) = 46.88.
    #[case("office_los", 0.5, 42.48 - 14.6 * LOG10_2)]
    #[case("office_los", 2.0, 42.48 + 14.6 * LOG10_2)]
    #[case("office_los", 10.0, 42.48 + 14.6)]
    #[case("office_los", 27.0, 42.48 + 14.6 * 1.43136)]
    // Beyond 27 m: L(27) = 63.38 plus 20 log10(40 / 27) = 3.41 (n_beyond = max(1.46, 2)).
    #[case("office_los", 40.0, 63.38 + 20.0 * 0.17070)]
    // Office NLoS: below 4 m the fit is under free space: at 0.5 m the fit says 31.34 dB,
    // free space 34.17 dB; at 2 m the fit 46.16, free space 46.22.
    #[case("office_nlos", 0.5, 40.20 - 6.02)]
    #[case("office_nlos", 2.0, 40.20 + 6.02)]
    #[case("office_nlos", 10.0, 38.75 + 24.6)]
    #[case("office_nlos", 27.0, 38.75 + 24.6 * 1.43136)]
    // Beyond 30 m the fit's own 2.46 continues: L(30) + 24.6 log10(40 / 30).
    #[case("office_nlos", 40.0, 38.75 + 24.6 * 1.47712 + 24.6 * 0.12494)]
    // Corridor: the fit is below free space everywhere (waveguiding). Nearer than 2 m it is
    // free space, capped at L(2) = 41.74 so the loss never falls with distance.
    #[case("corridor", 0.5, 40.20 - 6.02)]
    #[case("corridor", 1.5, 36.84 + 16.3 * LOG10_2)]
    #[case("corridor", 2.0, 36.84 + 16.3 * LOG10_2)]
    #[case("corridor", 10.0, 36.84 + 16.3)]
    #[case("corridor", 27.0, 36.84 + 16.3 * 1.43136)]
    #[case("corridor", 40.0, 36.84 + 16.3 * 1.60206)]
    // P.1238 distance-power presets from the free-space 1 m loss, floored at free space.
    #[case("open_plan", 0.5, 40.20 - 6.02)]
    #[case("open_plan", 2.0, 40.20 + 22.0 * LOG10_2)]
    #[case("open_plan", 10.0, 40.20 + 22.0)]
    #[case("open_plan", 27.0, 40.20 + 22.0 * 1.43136)]
    #[case("open_plan", 40.0, 40.20 + 22.0 * 1.60206)]
    #[case("home", 0.5, 40.20 - 6.02)]
    #[case("home", 2.0, 40.20 + 28.0 * LOG10_2)]
    #[case("home", 10.0, 40.20 + 28.0)]
    #[case("home", 27.0, 40.20 + 28.0 * 1.43136)]
    #[case("home", 40.0, 40.20 + 28.0 * 1.60206)]
    #[case("free_space", 100.0, 40.20 + 40.0)]
    fn path_loss_follows_the_fit_inside_its_range_and_the_stated_rule_outside(
        #[case] preset: &str,
        #[case] distance_m: f64,
        #[case] expect_db: f64,
    ) {
        let environment = Environment::preset(preset).expect("preset exists");
        let loss = environment.path_loss_db(distance_m);
        assert!((loss - expect_db).abs() < 0.05, "{preset} at {distance_m} m: {loss} dB");
    }

    #[test]
    fn loss_never_falls_with_distance_nor_below_free_space_nearer_than_a_fit() {
        for (name, _) in ENVIRONMENT_NAMES {
            let environment = Environment::preset(name).expect("preset");
            let mut previous_db = f64::NEG_INFINITY;
            for step in 0..=2000 {
                let distance_m = 0.1 * f64::from(step);
                let loss_db = environment.path_loss_db(distance_m);
                assert!(loss_db >= previous_db - 1e-9, "{name} falls at {distance_m} m");
                previous_db = loss_db;
                // Nearer than the range (or anywhere without one): at least free space, except
                // where that would exceed the fit's nearest point (corridor, 1.2-2 m).
                let floor_db = free_space_path_loss_db(distance_m);
                let floor_db = match environment.fitted_range {
                    None => floor_db,
                    Some(range) if distance_m < range.min_m => {
                        floor_db.min(environment.path_loss_db(range.min_m))
                    }
                    Some(_) => f64::NEG_INFINITY,
                };
                assert!(loss_db >= floor_db - 1e-9, "{name} under free space");
            }
        }
    }

    #[test]
    fn fitted_ranges_are_the_p1238_rows() {
        let bounds = |name| {
            let environment = Environment::preset(name).expect("preset");
            environment.fitted_range.map(|range| (range.min_m, range.max_m))
        };
        assert_eq!(bounds("office_los"), Some((2.0, 27.0)));
        assert_eq!(bounds("office_nlos"), Some((4.0, 30.0)));
        assert_eq!(bounds("corridor"), Some((2.0, 160.0)));
        assert_eq!(bounds("home"), None);
        let nlos = Environment::preset("office_nlos").expect("preset");
        assert!(nlos.outside_fitted_range(3.9) && !nlos.outside_fitted_range(4.0));
        assert!(!nlos.outside_fitted_range(30.0) && nlos.outside_fitted_range(30.1));
        assert!(!Environment::preset("home").expect("preset").outside_fitted_range(100.0));
    }

    #[rstest]
    #[case(3.0, 3.0)]
    #[case(1.2, 2.0)]
    fn an_overridden_exponent_continues_beyond_the_range_no_shallower_than_free_space(
        #[case] exponent: f64,
        #[case] beyond: f64,
    ) {
        let preset = "office_los".to_owned();
        let config = EnvironmentConfig { preset, exponent: Some(exponent), ..Default::default() };
        assert_eq!(config.resolve().expect("valid").exponent_beyond, beyond);
    }

    #[test]
    fn office_exponents_match_the_design_table() {
        let los = Environment::preset("office_los").expect("preset");
        let nlos = Environment::preset("office_nlos").expect("preset");
        assert_eq!((los.exponent, los.shadowing_sigma_db), (1.46, 3.76));
        assert_eq!((nlos.exponent, nlos.shadowing_sigma_db), (2.46, 5.04));
        let corridor = Environment::preset("corridor").expect("preset");
        assert_eq!((corridor.exponent, corridor.shadowing_sigma_db), (1.63, 4.07));
        let home = Environment::preset("home").expect("preset");
        assert_eq!(home.exponent, 2.8);
        for (name, _) in ENVIRONMENT_NAMES {
            assert!(Environment::preset(name).is_some(), "{name}");
        }
    }

    #[test]
    fn overrides_replace_preset_numbers_and_unknown_presets_are_named() {
        let config =
            EnvironmentConfig { exponent: Some(3.0), rayleigh: true, ..Default::default() };
        let environment = config.resolve().expect("valid");
        assert_eq!(environment.exponent, 3.0);
        assert_eq!(environment.rician_k_db, None);
        let bad = EnvironmentConfig { preset: "ofice".to_owned(), ..Default::default() };
        assert!(bad.resolve().unwrap_err().contains("unknown environment `ofice`"));
    }

    /// Sample mean and standard deviation.
    fn moments(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, variance.sqrt())
    }

    #[test]
    fn shadowing_is_stationary_with_the_gudmundson_correlation() {
        // 20,000 steps of 1 m with d_corr 3 m: the lag-1 correlation is exp(-1/3) = 0.7165.
        // Standard errors: mean σ/sqrt(n_eff) with n_eff = n (1-ρ)/(1+ρ) ≈ 3,300, so 5 SE ≈ 0.44 dB;
        // correlation SE ≈ (1-ρ²)/sqrt(n_eff) ≈ 0.0085, 5 SE ≈ 0.043.
        let mut rng = RandomStreams::new(1).stream("test", "shadowing");
        let sigma = 5.0;
        let mut values = Vec::with_capacity(20_000);
        let mut state = None;
        for _ in 0..20_000 {
            let next = shadowing_step_db(state, 1.0, sigma, 3.0, &mut rng);
            values.push(next);
            state = Some(next);
        }
        let (mean, sd) = moments(&values);
        assert!(mean.abs() < 0.44, "mean {mean}");
        assert!((sd - sigma).abs() < 0.25, "sd {sd}");
        let lag1 = values.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum::<f64>()
            / (values.len() as f64 - 1.0)
            / (sd * sd);
        let expected = (-1.0f64 / 3.0).exp();
        assert!((lag1 - expected).abs() < 0.043, "lag-1 correlation {lag1} vs {expected}");
    }

    #[test]
    fn standing_still_keeps_the_shadowing() {
        let mut rng = RandomStreams::new(1).stream("test", "shadowing");
        assert_eq!(shadowing_step_db(Some(-3.5), 0.0, 5.0, 3.0, &mut rng), -3.5);
    }

    #[rstest]
    #[case::rayleigh(None, 1.0)]
    #[case::rician_6db(Some(6.0), (1.0 + 2.0 * 10f64.powf(0.6)) / (1.0 + 10f64.powf(0.6)).powi(2))]
    fn fading_has_unit_mean_and_the_rician_variance(
        #[case] k_db: Option<f64>,
        #[case] variance: f64,
    ) {
        // Power of a Rician channel: mean 1, variance (1 + 2K) / (1 + K)². With n = 40,000 the
        // mean's SE is sqrt(variance / n) <= 0.005: tolerance 5 SE.
        let n = 40_000;
        let mut rng = RandomStreams::new(3).stream("test", "fading");
        let gains: Vec<f64> = (0..n).map(|_| fading_power_gain(k_db, &mut rng)).collect();
        let (mean, sd) = moments(&gains);
        let se = (variance / n as f64).sqrt();
        assert!((mean - 1.0).abs() < 5.0 * se, "mean {mean}");
        assert!((sd * sd - variance).abs() < 0.05 * variance + 0.02, "variance {}", sd * sd);
    }

    #[test]
    fn averaging_packets_narrows_the_fading() {
        let mut rng = RandomStreams::new(4).stream("test", "fading");
        let single: Vec<f64> = (0..4000).map(|_| averaged_fading_db(None, 1, &mut rng)).collect();
        let eight: Vec<f64> = (0..4000).map(|_| averaged_fading_db(None, 8, &mut rng)).collect();
        // Rayleigh in dB has sd 5.57 dB; the mean of 8 exponentials is Gamma(8) with sd ≈ 1.6 dB.
        let (_, sd1) = moments(&single);
        let (_, sd8) = moments(&eight);
        assert!((sd1 - 5.57).abs() < 0.4, "{sd1}");
        assert!((sd8 - 1.6).abs() < 0.25, "{sd8}");
    }
}
