//! Radio propagation at 2.4 GHz: path loss, body and carry loss, shadowing and fast fading.
//!
//! Each stage is a small pure function with named, documented presets. Sources:
//! - ITU-R P.1238-10 (2019), section 3.1, site-general model
//!   `L = 10 α log10(d) + β + 10 γ log10(f/GHz)` with its table of office coefficients;
//!   and the older P.1238 distance-power coefficient `N` and shadow-fading tables.
//! - C. Marolf et al. (2020), BLE RSSI measured in a living room: mean -47.9 dBm at 1 m and
//!   -60.8 dBm at 3 m (about 27 dB per decade over that span).
//! - M. Gudmundson (1991), "Correlation model for shadow fading in mobile radio systems":
//!   shadowing is an AR(1) process over distance moved, `ρ = exp(-Δd / d_corr)`.
//! - Rician fading with factor K (line of sight), Rayleigh (K = 0) without it.

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

/// The parameters of one propagation environment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Environment {
    /// The preset's name, e.g. `office_nlos`.
    pub name: String,
    /// Loss at 1 m, dB.
    pub path_loss_1m_db: f64,
    /// Distance-power exponent `n`: the loss grows by `10 n` dB per decade of distance.
    pub exponent: f64,
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
    ("office_los", "office, line of sight (ITU-R P.1238-10 site-general, office LoS)"),
    ("office_nlos", "office, non-line-of-sight (ITU-R P.1238-10 site-general, office NLoS)"),
    ("corridor", "corridor, line of sight (ITU-R P.1238-10 site-general, corridor LoS)"),
    ("open_plan", "open-plan floor or industrial hall (ITU-R P.1238 commercial N=22)"),
    ("home", "home living room (Marolf 2020 BLE measurements)"),
    ("free_space", "free space (Friis, n=2, no shadowing): a reference for tests"),
];

impl Environment {
    /// The preset called `name`, or `None`.
    pub fn preset(name: &str) -> Option<Environment> {
        // P.1238-10 site-general: L(1 m) = β + 10 γ log10(f), exponent n = α.
        let site_general = |alpha: f64, beta: f64, gamma: f64, sigma: f64| {
            (beta + 10.0 * gamma * BLUETOOTH_FREQUENCY_GHZ.log10(), alpha, sigma)
        };
        let fspl_1m = free_space_loss_1m_db(BLUETOOTH_FREQUENCY_GHZ);
        let (loss_1m, exponent, sigma, k_db, decorrelation, source) = match name {
            "office_los" => {
                let (l, n, s) = site_general(1.46, 34.62, 2.03, 3.76);
                (
                    l,
                    n,
                    s,
                    Some(6.0),
                    3.0,
                    "ITU-R P.1238-10 office LoS: α 1.46, β 34.62, γ 2.03, σ 3.76 dB; \
                     K 6 dB assumed",
                )
            }
            "office_nlos" => {
                let (l, n, s) = site_general(2.46, 29.53, 2.38, 5.04);
                (
                    l,
                    n,
                    s,
                    None,
                    3.0,
                    "ITU-R P.1238-10 office NLoS: α 2.46, β 29.53, γ 2.38, σ 5.04 dB; Rayleigh",
                )
            }
            "corridor" => {
                let (l, n, s) = site_general(1.63, 28.12, 2.25, 3.87);
                (
                    l,
                    n,
                    s,
                    Some(9.0),
                    5.0,
                    "ITU-R P.1238-10 corridor LoS: α 1.63, β 28.12, γ 2.25, σ 3.87 dB; \
                     K 9 dB assumed",
                )
            }
            "open_plan" => (
                fspl_1m,
                2.2,
                6.0,
                Some(3.0),
                5.0,
                "ITU-R P.1238 commercial areas N = 22 near 2 GHz with the free-space 1 m loss; \
                 σ 6 dB, K 3 dB assumed",
            ),
            "home" => (
                fspl_1m,
                2.7,
                4.0,
                Some(3.0),
                2.0,
                "fitted to Marolf 2020 (-47.9 dBm at 1 m, -60.8 dBm at 3 m: 27 dB/decade); \
                 σ 4 dB assumed",
            ),
            "free_space" => (fspl_1m, 2.0, 0.0, None, 10.0, "Friis free space at 2.44 GHz"),
            _ => return None,
        };
        Some(Environment {
            name: name.to_owned(),
            path_loss_1m_db: loss_1m,
            exponent,
            shadowing_sigma_db: sigma,
            rician_k_db: k_db,
            decorrelation_distance_m: decorrelation,
            source: source.to_owned(),
        })
    }

    /// The preset with the given overrides applied.
    pub fn with_overrides(mut self, overrides: &EnvironmentConfig) -> Environment {
        if let Some(value) = overrides.path_loss_1m_db {
            self.path_loss_1m_db = value;
        }
        if let Some(value) = overrides.exponent {
            self.exponent = value;
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

    /// Mean path loss at `distance_m`, dB (stage 1, without walls): `L(1 m) + 10 n log10(d)`.
    pub fn path_loss_db(&self, distance_m: f64) -> f64 {
        path_loss_db(self.path_loss_1m_db, self.exponent, distance_m)
    }
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

    #[test]
    fn free_space_loss_at_one_metre_is_about_40_db() {
        let loss = free_space_loss_1m_db(2.44);
        assert!((loss - 40.2).abs() < 0.05, "{loss}");
    }

    #[rstest]
    // P.1238-10 office LoS at 2.44 GHz: β + 10γ log10 f = 34.62 + 20.3 * 0.3874.
    #[case("office_los", 1.0, 42.48)]
    #[case("office_los", 10.0, 42.48 + 14.6)]
    // Office NLoS: 29.53 + 23.8 * 0.3874, then 24.6 dB per decade.
    #[case("office_nlos", 1.0, 38.75)]
    #[case("office_nlos", 10.0, 38.75 + 24.6)]
    #[case("office_nlos", 0.01, 38.75 - 24.6)]
    #[case("free_space", 100.0, 40.2 + 40.0)]
    fn path_loss_follows_the_log_distance_formula(
        #[case] preset: &str,
        #[case] distance_m: f64,
        #[case] expect_db: f64,
    ) {
        let environment = Environment::preset(preset).expect("preset exists");
        let loss = environment.path_loss_db(distance_m);
        assert!((loss - expect_db).abs() < 0.05, "{preset} at {distance_m} m: {loss} dB");
    }

    #[test]
    fn home_preset_reproduces_marolf_2020() {
        // Marolf 2020: -47.9 dBm at 1 m and -60.8 dBm at 3 m in a living room, i.e. 12.9 dB
        // between them; the "about 24 dB per decade" is the same law within 3 dB/decade.
        let home = Environment::preset("home").expect("home");
        let drop_db = home.path_loss_db(3.0) - home.path_loss_db(1.0);
        assert!((drop_db - 12.9).abs() < 0.5, "{drop_db}");
        let per_decade_db = home.path_loss_db(10.0) - home.path_loss_db(1.0);
        assert!((24.0..=30.0).contains(&per_decade_db), "{per_decade_db}");
        // A phone at 0 dBm held in the hand (3 dB) reads within 5 dB of the published means.
        let rx_1m = -home.path_loss_db(1.0) - CarryLosses::default().hand_db;
        assert!((rx_1m - -47.9).abs() < 5.0, "{rx_1m}");
    }

    #[test]
    fn office_exponents_match_the_design_table() {
        let los = Environment::preset("office_los").expect("preset");
        let nlos = Environment::preset("office_nlos").expect("preset");
        assert_eq!((los.exponent, los.shadowing_sigma_db), (1.46, 3.76));
        assert_eq!((nlos.exponent, nlos.shadowing_sigma_db), (2.46, 5.04));
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
