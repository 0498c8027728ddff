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
            let known = names.join(", ");
            match engine::diagnostic::suggest::closest(&self.preset, &names) {
                Some(close) => format!(
                    "unknown environment `{}`; did you mean `{close}`? (known: {known})",
                    self.preset
                ),
                None => format!("unknown environment `{}`; known: {known}", self.preset),
            }
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

/// Most loss a carry position (named, custom, or an override in `carry_losses`) may add, dB:
/// unknown; chosen, above the deepest measured body and container losses (a metal drawer,
/// about 20 dB; torso blockage 10-20 dB) with room for a designer's worst case.
pub const CARRY_LOSS_DB_MAX: f64 = 60.0;

/// Which side of the body a carried phone is on: decides when the torso shadows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodySide {
    /// In front of the torso (hand, front trouser pocket, chest pocket): shadowed when the PC
    /// is behind the user.
    Front,
    /// Behind it (back trouser pocket): shadowed when the PC is in front of the user.
    Back,
    /// No torso term: a bag (hangs at the side, its contents dominate), a phone lying
    /// somewhere, or a custom carry that says so.
    None,
}

impl BodySide {
    /// The snake_case name used in scenarios and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BodySide::Front => "front",
            BodySide::Back => "back",
            BodySide::None => "none",
        }
    }
}

/// Where a phone is carried: each position has a container loss (hand, pocket, bag, drawer)
/// and a body side for torso shadowing (stage 3, [`CarryLosses::carry_loss_db`]).
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
    /// In a shirt or jacket chest pocket, in front of the torso.
    ChestPocket,
}

/// Every carry position with its name, for `--carry list`.
pub const CARRY_POSITIONS: [CarryPosition; 7] = [
    CarryPosition::Hand,
    CarryPosition::Desk,
    CarryPosition::TrouserPocket,
    CarryPosition::ChestPocket,
    CarryPosition::BackPocket,
    CarryPosition::Bag,
    CarryPosition::Drawer,
];

/// The names of [`CARRY_POSITIONS`], in that order (for "expected one of" hints).
pub const CARRY_POSITION_NAMES: [&str; 7] =
    ["hand", "desk", "trouser_pocket", "chest_pocket", "back_pocket", "bag", "drawer"];

impl CarryPosition {
    /// The snake_case name used in scenarios and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            CarryPosition::Hand => "hand",
            CarryPosition::Desk => "desk",
            CarryPosition::TrouserPocket => "trouser_pocket",
            CarryPosition::ChestPocket => "chest_pocket",
            CarryPosition::BackPocket => "back_pocket",
            CarryPosition::Bag => "bag",
            CarryPosition::Drawer => "drawer",
        }
    }

    /// The position called `name`.
    pub fn from_name(name: &str) -> Option<CarryPosition> {
        CARRY_POSITIONS.into_iter().find(|carry| carry.name() == name)
    }

    /// The side of the body the position is on. Desk and drawer are not on a body; a bag hangs
    /// at the side or on the back and its own loss (the contents) dominates, so it gets no
    /// heading term either (a custom carry can say `side: back` for a backpack).
    pub fn body_side(self) -> BodySide {
        match self {
            CarryPosition::Hand | CarryPosition::TrouserPocket | CarryPosition::ChestPocket => {
                BodySide::Front
            }
            CarryPosition::BackPocket => BodySide::Back,
            CarryPosition::Desk | CarryPosition::Bag | CarryPosition::Drawer => BodySide::None,
        }
    }
}

/// A carry given by its loss: `{loss_db: 6}` or `{loss_db: 6, side: back}` in a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCarry {
    /// Container loss, dB: 0..=[`CARRY_LOSS_DB_MAX`].
    pub loss_db: f64,
    /// Body side for torso shadowing (default `none`: the loss is all there is).
    #[serde(default = "no_side")]
    pub side: BodySide,
}

fn no_side() -> BodySide {
    BodySide::None
}

/// How a phone is carried or lies: a named position or a custom loss. A scenario writes a name
/// (`carry: chest_pocket`) or a map (`carry: {loss_db: 6, side: front}`); a custom loss
/// outside 0..=[`CARRY_LOSS_DB_MAX`] is rejected while reading, where it is written.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Carry {
    /// One of the named positions, with the losses of [`CarryLosses`].
    Position(CarryPosition),
    /// A loss and a side given in the scenario.
    Custom(CustomCarry),
}

impl From<CarryPosition> for Carry {
    fn from(position: CarryPosition) -> Carry {
        Carry::Position(position)
    }
}

impl Carry {
    /// The side of the body, for torso shadowing.
    pub fn body_side(self) -> BodySide {
        match self {
            Carry::Position(position) => position.body_side(),
            Carry::Custom(custom) => custom.side,
        }
    }

    /// A short name for traces and tables: the position's name, or `custom 6 dB front`.
    pub fn label(self) -> String {
        match self {
            Carry::Position(position) => position.name().to_owned(),
            Carry::Custom(custom) => {
                format!("custom {} dB {}", custom.loss_db, custom.side.name())
            }
        }
    }

    /// Checks a custom loss: finite and 0..=[`CARRY_LOSS_DB_MAX`].
    pub fn validate(self) -> Result<(), String> {
        match self {
            Carry::Custom(CustomCarry { loss_db, .. })
                if !(0.0..=CARRY_LOSS_DB_MAX).contains(&loss_db) =>
            {
                Err(format!("carry loss_db must be 0..={CARRY_LOSS_DB_MAX} dB, got {loss_db}"))
            }
            _ => Ok(()),
        }
    }
}

impl<'de> Deserialize<'de> for Carry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Carry, D::Error> {
        deserializer.deserialize_any(CarryVisitor)
    }
}

/// Reads a name (a string) or a custom carry (a map).
struct CarryVisitor;

impl<'de> serde::de::Visitor<'de> for CarryVisitor {
    type Value = Carry;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a carry position ({}) or {{loss_db: N, side: front|back|none}}", {
            CARRY_POSITION_NAMES.join(", ")
        })
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Carry, E> {
        CarryPosition::from_name(name)
            .map(Carry::Position)
            .ok_or_else(|| E::unknown_variant(name, &CARRY_POSITION_NAMES))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Carry, A::Error> {
        let custom = CustomCarry::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        let carry = Carry::Custom(custom);
        carry.validate().map_err(serde::de::Error::custom)?;
        Ok(carry)
    }
}

/// The torso-shadowing weight, 0..=1, of a phone on `side` when the PC lies at an angle θ from
/// the user's heading, given as `cos_to_pc` = cos θ (1: the PC straight ahead, -1: straight
/// behind); `None` when no heading applies (no user, or none known).
///
/// The body shadows a front-of-body phone when the PC is behind the user (cos θ < 0) and a
/// back-pocket phone when it is in front (cos θ > 0): the weight is cos² θ on the shadowed side
/// and 0 on the other, so it is full with the torso squarely between phone and PC, 0.5 at 45°
/// off that line and 0 side-on (90°), with zero slope at both ends. The shape is chosen (smooth
/// and symmetric); measurements grow roughly steadily with the angle (Abbasi et al., "A novel
/// pathloss model for angular and spatial dependency of ultra wideband off-body radio
/// channels", IRECAP: about 0.1 dB per degree of body orientation, 3-10 GHz), which a cos²
/// taper from 90° to 180° follows to within a few dB.
pub fn torso_shadowing_weight(side: BodySide, cos_to_pc: Option<f64>) -> f64 {
    let Some(cos) = cos_to_pc.filter(|cos| cos.is_finite()) else {
        return 0.0;
    };
    let cos = cos.clamp(-1.0, 1.0);
    let shadowed = match side {
        BodySide::Front => cos < 0.0,
        BodySide::Back => cos > 0.0,
        BodySide::None => false,
    };
    if shadowed { cos * cos } else { 0.0 }
}

/// Body and carrying losses, dB: the container loss of each carry position (what the hand,
/// pocket, bag or drawer costs with the torso out of the way) and the depth of torso
/// shadowing; a scenario's `carry_losses` can override each (0..=[`CARRY_LOSS_DB_MAX`]).
///
/// A carried phone's loss is its container loss plus `torso_shadowing_db` ×
/// [`torso_shadowing_weight`] (design 3.4 stage 3). Sources and choices:
/// - Torso depth 12 dB: on-body and off-body studies put the torso's blockage at about 10-20 dB
///   (Khan, Abbasi, Alomainy, Hao, "Study of line of sight (LOS) and none line of sight (NLOS)
///   ultra wideband off-body radio propagation", EuCAP 2011: up to 13.62 dB more path loss with
///   the body in the way, 3-10 GHz, indoor; Abbasi et al. above: about 0.1 dB per degree, so
///   17-22 dB at 180°). No 2.4 GHz phone-in-pocket figure was found: 12 dB is chosen, range
///   8..20 dB.
/// - Container losses (hand 3, front trouser pocket 5, chest pocket 4, back pocket 9, bag 15,
///   drawer 18): unknown, chosen. Before the heading was modelled a front pocket cost a flat
///   8 dB and a back pocket 12; now a front pocket costs 5 facing the PC and 17 walking away,
///   a back pocket 21 and 9 (the back pocket keeps more of its own loss: the phone is pressed
///   against the body and sat on). Ranges: hand 1..6, pockets 2..12, bag 8..20, metal drawer
///   10..30.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CarryLosses {
    /// Phone in the hand, dB (default 3; front of the body).
    pub hand_db: f64,
    /// Phone on the desk, dB (default 0; no body).
    pub desk_db: f64,
    /// Front trouser pocket, dB (default 5; front of the body).
    pub trouser_pocket_db: f64,
    /// Shirt or jacket chest pocket, dB (default 4; front of the body).
    pub chest_pocket_db: f64,
    /// Back trouser pocket, dB (default 9; back of the body).
    pub back_pocket_db: f64,
    /// Bag or backpack, dB (default 15; no heading term).
    pub bag_db: f64,
    /// Metal desk drawer, dB (default 18; no body).
    pub drawer_db: f64,
    /// Depth of torso shadowing with the torso squarely between phone and PC, dB (default 12).
    pub torso_shadowing_db: f64,
}

impl Default for CarryLosses {
    fn default() -> CarryLosses {
        CarryLosses {
            hand_db: 3.0,
            desk_db: 0.0,
            trouser_pocket_db: 5.0,
            chest_pocket_db: 4.0,
            back_pocket_db: 9.0,
            bag_db: 15.0,
            drawer_db: 18.0,
            torso_shadowing_db: 12.0,
        }
    }
}

impl CarryLosses {
    /// The container loss of `carry`, dB, without torso shadowing.
    pub fn loss_db(&self, carry: CarryPosition) -> f64 {
        match carry {
            CarryPosition::Hand => self.hand_db,
            CarryPosition::Desk => self.desk_db,
            CarryPosition::TrouserPocket => self.trouser_pocket_db,
            CarryPosition::ChestPocket => self.chest_pocket_db,
            CarryPosition::BackPocket => self.back_pocket_db,
            CarryPosition::Bag => self.bag_db,
            CarryPosition::Drawer => self.drawer_db,
        }
    }

    /// The whole body and carrying loss of `carry`, dB: its container loss plus torso
    /// shadowing at `cos_to_pc` (see [`torso_shadowing_weight`]; `None`: no heading term).
    pub fn carry_loss_db(&self, carry: Carry, cos_to_pc: Option<f64>) -> f64 {
        let container_db = match carry {
            Carry::Position(position) => self.loss_db(position),
            Carry::Custom(custom) => custom.loss_db,
        };
        let weight = torso_shadowing_weight(carry.body_side(), cos_to_pc);
        container_db + self.torso_shadowing_db * weight
    }

    /// Every value outside 0..=[`CARRY_LOSS_DB_MAX`], as `name = value` messages.
    pub fn range_problems(&self) -> Vec<String> {
        let values = [
            ("hand_db", self.hand_db),
            ("desk_db", self.desk_db),
            ("trouser_pocket_db", self.trouser_pocket_db),
            ("chest_pocket_db", self.chest_pocket_db),
            ("back_pocket_db", self.back_pocket_db),
            ("bag_db", self.bag_db),
            ("drawer_db", self.drawer_db),
            ("torso_shadowing_db", self.torso_shadowing_db),
        ];
        let bad = values.into_iter().filter(|(_, v)| !(0.0..=CARRY_LOSS_DB_MAX).contains(v));
        bad.map(|(name, value)| {
            format!("carry_losses.{name} must be 0..={CARRY_LOSS_DB_MAX} dB, not {value}")
        })
        .collect()
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
        let bad = EnvironmentConfig { preset: "ofice_los".to_owned(), ..Default::default() };
        let message = bad.resolve().unwrap_err();
        assert!(message.contains("unknown environment `ofice_los`"), "{message}");
        assert!(message.contains("did you mean `office_los`?"), "{message}");
    }

    /// cos of an angle in degrees.
    fn cos_deg(degrees: f64) -> Option<f64> {
        Some(degrees.to_radians().cos())
    }

    // The angle is between the user's heading and the direction to the PC: 0° facing it,
    // 180° walking straight away from it.
    #[rstest]
    #[case::front_facing_the_pc(BodySide::Front, cos_deg(0.0), 0.0)]
    #[case::front_side_on(BodySide::Front, cos_deg(90.0), 0.0)]
    #[case::front_45_degrees_off_behind(BodySide::Front, cos_deg(135.0), 0.5)]
    #[case::front_pc_straight_behind(BodySide::Front, cos_deg(180.0), 1.0)]
    #[case::back_facing_the_pc(BodySide::Back, cos_deg(0.0), 1.0)]
    #[case::back_60_degrees(BodySide::Back, cos_deg(60.0), 0.25)]
    #[case::back_side_on(BodySide::Back, cos_deg(90.0), 0.0)]
    #[case::back_pc_behind(BodySide::Back, cos_deg(180.0), 0.0)]
    #[case::no_side(BodySide::None, cos_deg(180.0), 0.0)]
    #[case::no_heading(BodySide::Front, None, 0.0)]
    #[case::not_a_number(BodySide::Front, Some(f64::NAN), 0.0)]
    fn torso_shadowing_is_full_with_the_torso_between_and_zero_side_on(
        #[case] side: BodySide,
        #[case] cos_to_pc: Option<f64>,
        #[case] expect: f64,
    ) {
        let weight = torso_shadowing_weight(side, cos_to_pc);
        assert!((weight - expect).abs() < 1e-9, "{side:?} {cos_to_pc:?}: {weight}");
    }

    // Default losses (dB): container + 12 × weight.
    #[rstest]
    #[case::front_pocket_facing_the_pc(Carry::Position(CarryPosition::TrouserPocket), 1.0, 5.0)]
    #[case::front_pocket_walking_away(Carry::Position(CarryPosition::TrouserPocket), -1.0, 17.0)]
    #[case::back_pocket_facing_the_pc(Carry::Position(CarryPosition::BackPocket), 1.0, 21.0)]
    #[case::back_pocket_walking_away(Carry::Position(CarryPosition::BackPocket), -1.0, 9.0)]
    #[case::chest_pocket_walking_away(Carry::Position(CarryPosition::ChestPocket), -1.0, 16.0)]
    #[case::hand_side_on(Carry::Position(CarryPosition::Hand), 0.0, 3.0)]
    #[case::bag_walking_away(Carry::Position(CarryPosition::Bag), -1.0, 15.0)]
    #[case::custom_no_side(Carry::Custom(CustomCarry { loss_db: 6.0, side: BodySide::None }), -1.0, 6.0)]
    #[case::custom_back(Carry::Custom(CustomCarry { loss_db: 6.0, side: BodySide::Back }), 1.0, 18.0)]
    fn carry_loss_is_the_container_plus_torso_shadowing(
        #[case] carry: Carry,
        #[case] cos_to_pc: f64,
        #[case] expect_db: f64,
    ) {
        let loss_db = CarryLosses::default().carry_loss_db(carry, Some(cos_to_pc));
        assert!((loss_db - expect_db).abs() < 1e-9, "{carry:?}: {loss_db}");
    }

    #[test]
    fn the_design_orders_hold_seated_and_walking_away() {
        let losses = CarryLosses::default();
        let loss = |position, cos| losses.carry_loss_db(Carry::Position(position), Some(cos));
        let (front, back) = (CarryPosition::TrouserPocket, CarryPosition::BackPocket);
        // Seated facing the PC the back pocket is behind the torso; walking away the front is.
        assert!(loss(back, 1.0) > loss(front, 1.0));
        assert!(loss(front, -1.0) > loss(back, -1.0));
    }

    #[rstest]
    #[case("chest_pocket", Ok(Carry::Position(CarryPosition::ChestPocket)))]
    #[case("{loss_db: 6}", Ok(Carry::Custom(CustomCarry { loss_db: 6.0, side: BodySide::None })))]
    #[case(
        "{loss_db: 0, side: front}",
        Ok(Carry::Custom(CustomCarry { loss_db: 0.0, side: BodySide::Front }))
    )]
    #[case("{loss_db: 60.5}", Err("carry loss_db must be 0..=60 dB, got 60.5"))]
    #[case("{loss_db: -1}", Err("carry loss_db must be 0..=60 dB, got -1"))]
    #[case("sock", Err("unknown variant `sock`"))]
    #[case("{loss_db: 6, side: left}", Err("unknown variant `left`"))]
    #[case("{db: 6}", Err("unknown field `db`"))]
    fn carries_read_as_a_name_or_a_bounded_custom_loss(
        #[case] yaml: &str,
        #[case] expect: Result<Carry, &str>,
    ) {
        let read: Result<Carry, _> = serde_saphyr::from_str(yaml);
        match (read, expect) {
            (Ok(carry), Ok(expect)) => assert_eq!(carry, expect),
            (Err(error), Err(message)) => {
                assert!(error.to_string().contains(message), "{yaml}: {error}")
            }
            (read, expect) => panic!("{yaml}: read {read:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn carry_loss_overrides_are_bounded() {
        let losses = CarryLosses { chest_pocket_db: 61.0, ..CarryLosses::default() };
        assert_eq!(
            losses.range_problems(),
            vec!["carry_losses.chest_pocket_db must be 0..=60 dB, not 61".to_owned()]
        );
        assert!(CarryLosses::default().range_problems().is_empty());
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
