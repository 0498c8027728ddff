//! Fitting the log-distance radio model to measured RSSI: `unlocksim calibrate` (issue 18).
//!
//! Model, per reading `j` at place `g` (distance `d_g`):
//! `z = intercept_db - 10 n log10(d_g) + s_g + f_j`, with shadowing `s_g ~ N(0, σ_s²)` shared by
//! every reading at one place (the simulator's shadowing is an AR(1) process over distance
//! moved, so a phone lying still keeps its shadow: [`crate::propagation`]) and per-reading
//! fading `f_j ~ N(0, σ_f²)` (the average of a poll's packets, [`crate::bluetooth`]).
//!
//! A reading never gives `z` itself, only an interval ([`Observation`]): an integer reading `y`
//! says `y - 0.5 <= z < y + 0.5`; a relative reading of 0 (inside the golden receive power
//! range) only says `z >= -0.5`; a missing reading (no connection: below the receiver's
//! sensitivity) only says `z` is below the sensitivity. These are **censored**, not values: the
//! likelihood of a place is `∫ Π_j P(z_j ∈ interval_j | s) φ(s) ds`, integrated on a fixed grid
//! of [`SHADOW_GRID_POINTS`] nodes, maximised by Nelder-Mead over
//! `(intercept, n, ln σ_s, ln σ_f)`.
//!
//! Intervals: with the few places of a capture, maximum likelihood makes σ_s small and Wald
//! intervals too narrow, so the level's (intercept, n) and σ_s's intervals are the small-sample
//! ones of a regression on the places' levels (see `small_sample_intervals`); σ_f's is Wald. A
//! parameter the data cannot pin down (no measured value at two distances: n; fewer than three
//! places with values: σ_s; one reading per place: σ_f) is held at its prior value and named in
//! [`Fit::not_identifiable`]. Bias and coverage are measured by the recovery test in
//! `sim-devices/tests/fit_recovery.rs` and listed in `docs/calibrate.md`.

use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};
use statrs::function::erf::erfc;

/// Nodes of the grid over the shadowing draw of one place (standard normal, -6..=6): enough
/// for the integrand, which is smooth in `s`; unknown, chosen, range 21..81.
pub const SHADOW_GRID_POINTS: usize = 41;
/// Most places (groups of readings sharing one shadowing draw) one fit takes.
pub const FIT_PLACES_MAX: usize = 10_000;
/// Most distinct observations (interval and count pairs) per fit, summed over places.
pub const FIT_OBSERVATIONS_MAX: usize = 1_000_000;
/// Nelder-Mead iterations per fit; unknown, chosen, range 500..5000 (a four-parameter fit
/// converges in a few hundred).
const ITERATIONS_MAX: usize = 3_000;
/// Smallest and largest σ the optimiser may try, dB.
const SIGMA_DB_BOUNDS: (f64, f64) = (0.05, 30.0);

/// One interval of the latent level `z` and how many readings gave it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// Lower end, dB (may be `-inf`).
    pub lower_db: f64,
    /// Upper end, dB (may be `+inf`).
    pub upper_db: f64,
    /// Readings with this interval.
    pub count: u32,
}

impl Observation {
    /// A reading rounded to whole dB: `[y - 0.5, y + 0.5)`.
    pub fn rounded(value_db: f64, count: u32) -> Observation {
        Observation { lower_db: value_db - 0.5, upper_db: value_db + 0.5, count }
    }

    /// A relative (HCI_Read_RSSI) reading: 0 or above is "inside the golden range" (`z >=
    /// -0.5`, censored), `None` is "below sensitivity" (`z < sensitivity_offset_db + 0.5`,
    /// censored), anything else a rounded value.
    pub fn relative(reading: Option<i16>, sensitivity_offset_db: f64, count: u32) -> Observation {
        match reading {
            None => Observation {
                lower_db: f64::NEG_INFINITY,
                upper_db: sensitivity_offset_db + 0.5,
                count,
            },
            Some(value) if value >= 0 => {
                Observation { lower_db: -0.5, upper_db: f64::INFINITY, count }
            }
            Some(value) => Observation::rounded(f64::from(value), count),
        }
    }

    /// Whether the interval is bounded on both sides (a measured value).
    pub fn is_value(&self) -> bool {
        self.lower_db.is_finite() && self.upper_db.is_finite()
    }
}

/// The readings of one place: one shadowing draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// PC-phone distance, m (> 0).
    pub distance_m: f64,
    /// Its readings, as intervals with counts.
    pub observations: Vec<Observation>,
}

/// Values to hold a parameter at when the data cannot identify it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Priors {
    /// Path-loss exponent n.
    pub exponent: f64,
    /// Shadowing σ, dB.
    pub shadowing_sigma_db: f64,
    /// Fading σ of one reading, dB.
    pub fading_sigma_db: f64,
}

/// One fitted parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Maximum-likelihood value.
    pub value: f64,
    /// 95% interval; `None` when the parameter was held (not identifiable).
    pub ci95: Option<[f64; 2]>,
}

/// The result of [`fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Level at 1 m, dB (relative: dB below the golden range's lower limit at full power).
    pub intercept_db: Estimate,
    /// Path-loss exponent n.
    pub exponent: Estimate,
    /// Shadowing σ between places, dB.
    pub shadowing_sigma_db: Estimate,
    /// Per-reading fading σ, dB.
    pub fading_sigma_db: Estimate,
    /// Maximised log-likelihood.
    pub log_likelihood: f64,
    /// Parameters held at their prior, with why.
    pub not_identifiable: Vec<String>,
}

/// Which parameters are free.
#[derive(Clone, Copy, Debug)]
struct Free {
    exponent: bool,
    shadowing: bool,
    fading: bool,
}

/// ln Φ(b) - Φ(a) for a standard normal, floored at ln 1e-300.
fn log_interval_probability(a: f64, b: f64) -> f64 {
    let half_root = std::f64::consts::FRAC_1_SQRT_2;
    let p = if a > 0.0 {
        0.5 * (erfc(a * half_root) - erfc(b * half_root))
    } else {
        0.5 * (erfc(-b * half_root) - erfc(-a * half_root))
    };
    p.max(1e-300).ln()
}

/// Log of the integrand of one place at shadowing `shadow_db`: the shadowing density (without
/// its constant) plus the log-probability of every observation.
fn place_term(place: &Place, mean_db: f64, shadow_db: f64, sigmas: (f64, f64)) -> f64 {
    let (shadowing, fading) = sigmas;
    let level = mean_db + shadow_db;
    let z = shadow_db / shadowing;
    -0.5 * z * z
        + place
            .observations
            .iter()
            .map(|o| {
                let a = (o.lower_db - level) / fading;
                let b = (o.upper_db - level) / fading;
                f64::from(o.count) * log_interval_probability(a, b)
            })
            .sum::<f64>()
}

/// Nodes of the fine grid each place is integrated on; unknown, chosen, range 41..201.
const FINE_GRID_POINTS: usize = 81;

/// ln ∫ of one place's likelihood over its shadowing draw. A coarse grid of
/// [`SHADOW_GRID_POINTS`] nodes over ±6 σ_s locates the posterior of the draw (its mean and
/// spread); many readings make that posterior much narrower than a coarse step, so the
/// integral is taken on a fine grid of [`FINE_GRID_POINTS`] over mean ± 6 spreads (trapezoid
/// rule). The fine grid moves continuously with the parameters, so the likelihood stays
/// smooth enough for the Hessian's finite differences.
fn place_log_likelihood(place: &Place, mean_db: f64, sigmas: (f64, f64)) -> f64 {
    let shadowing = sigmas.0;
    let step = 12.0 * shadowing / (SHADOW_GRID_POINTS - 1) as f64;
    let coarse: Vec<(f64, f64)> = (0..SHADOW_GRID_POINTS)
        .map(|k| {
            let s = -6.0 * shadowing + step * k as f64;
            (s, place_term(place, mean_db, s, sigmas))
        })
        .collect();
    let max = coarse.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    let weights: Vec<f64> = coarse.iter().map(|c| (c.1 - max).exp()).collect();
    let total: f64 = weights.iter().sum();
    let centre = coarse.iter().zip(&weights).map(|(c, w)| c.0 * w).sum::<f64>() / total;
    let variance =
        coarse.iter().zip(&weights).map(|(c, w)| (c.0 - centre).powi(2) * w).sum::<f64>() / total;
    let spread = variance.sqrt().max(step / 4.0);
    let fine_step = 12.0 * spread / (FINE_GRID_POINTS - 1) as f64;
    let terms: Vec<f64> = (0..FINE_GRID_POINTS)
        .map(|k| {
            let s = centre - 6.0 * spread + fine_step * k as f64;
            let end = k == 0 || k + 1 == FINE_GRID_POINTS;
            place_term(place, mean_db, s, sigmas) + (fine_step * if end { 0.5 } else { 1.0 }).ln()
        })
        .collect();
    // The density's constant: 1 / (σ_s √(2π)).
    log_sum_exp(&terms) - (shadowing * (2.0 * std::f64::consts::PI).sqrt()).ln()
}

/// ln Σ exp(values).
fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// Full parameters `(intercept, n, σ_s, σ_f)`.
type Params = [f64; 4];

fn log_likelihood(places: &[Place], params: &Params) -> f64 {
    let [intercept, exponent, shadow, fading] = *params;
    places
        .iter()
        .map(|place| {
            let mean = intercept - 10.0 * exponent * place.distance_m.log10();
            place_log_likelihood(place, mean, (shadow, fading))
        })
        .sum()
}

/// Each place with equal observations merged into one with their count: the likelihood is the
/// same, and the work per evaluation is bounded by the distinct readings.
fn compress(places: &[Place]) -> Vec<Place> {
    places
        .iter()
        .map(|place| {
            let mut observations = place.observations.clone();
            observations.sort_by(|a, b| {
                a.lower_db.total_cmp(&b.lower_db).then(a.upper_db.total_cmp(&b.upper_db))
            });
            let mut merged: Vec<Observation> = Vec::with_capacity(observations.len());
            for o in observations {
                match merged.last_mut() {
                    Some(last) if last.lower_db == o.lower_db && last.upper_db == o.upper_db => {
                        last.count = last.count.saturating_add(o.count);
                    }
                    _ => merged.push(o),
                }
            }
            Place { distance_m: place.distance_m, observations: merged }
        })
        .collect()
}

/// Maps the optimiser's free coordinates `[intercept, n?, ln σ_s?, ln σ_f?]` to full
/// parameters.
fn expand(free: Free, priors: &Priors, x: &[f64]) -> Params {
    let mut rest = x[1..].iter().copied();
    let clamp_sigma =
        |ln: f64| ln.clamp(-30.0, 30.0).exp().clamp(SIGMA_DB_BOUNDS.0, SIGMA_DB_BOUNDS.1);
    let mut take = |is_free: bool, prior: f64, sigma: bool| match is_free.then(|| rest.next()) {
        Some(Some(v)) if sigma => clamp_sigma(v),
        Some(Some(v)) => v,
        _ => prior,
    };
    let exponent = take(free.exponent, priors.exponent, false);
    let shadow = take(free.shadowing, priors.shadowing_sigma_db, true);
    let fading = take(free.fading, priors.fading_sigma_db, true);
    [x[0], exponent, shadow, fading]
}

/// Nelder-Mead minimisation of `f` from `start` with initial steps `steps`.
fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, start: &[f64], steps: &[f64]) -> (Vec<f64>, f64) {
    let dim = start.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = (0..=dim)
        .map(|i| {
            let mut point = start.to_vec();
            if i > 0 {
                point[i - 1] += steps[i - 1];
            }
            let value = f(&point);
            (point, value)
        })
        .collect();
    for _ in 0..ITERATIONS_MAX {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        if (simplex[dim].1 - simplex[0].1).abs() < 1e-9 {
            break;
        }
        let centroid: Vec<f64> = (0..dim)
            .map(|k| simplex[..dim].iter().map(|(p, _)| p[k]).sum::<f64>() / dim as f64)
            .collect();
        let toward = |t: f64| -> Vec<f64> {
            centroid.iter().zip(&simplex[dim].0).map(|(c, w)| c + t * (w - c)).collect()
        };
        let reflected = toward(-1.0);
        let reflected_value = f(&reflected);
        if reflected_value < simplex[0].1 {
            let expanded = toward(-2.0);
            let expanded_value = f(&expanded);
            simplex[dim] = if expanded_value < reflected_value {
                (expanded, expanded_value)
            } else {
                (reflected, reflected_value)
            };
        } else if reflected_value < simplex[dim - 1].1 {
            simplex[dim] = (reflected, reflected_value);
        } else {
            let contracted = toward(0.5);
            let contracted_value = f(&contracted);
            if contracted_value < simplex[dim].1 {
                simplex[dim] = (contracted, contracted_value);
            } else {
                let best = simplex[0].0.clone();
                for (point, value) in simplex.iter_mut().skip(1) {
                    *point =
                        best.iter().zip(point.iter()).map(|(b, p)| b + 0.5 * (p - b)).collect();
                    *value = f(point);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0)
}

/// Central-difference Hessian of `f` at `x`.
#[allow(clippy::needless_range_loop)] // A symmetric fill reads clearest by index.
fn hessian(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Vec<Vec<f64>> {
    let dim = x.len();
    let h = 1e-3;
    let at = |di: usize, si: f64, dj: usize, sj: f64| {
        let mut point = x.to_vec();
        point[di] += si * h;
        point[dj] += sj * h;
        f(&point)
    };
    let mut matrix = vec![vec![0.0; dim]; dim];
    for i in 0..dim {
        for j in i..dim {
            let value = (at(i, 1.0, j, 1.0) - at(i, 1.0, j, -1.0) - at(i, -1.0, j, 1.0)
                + at(i, -1.0, j, -1.0))
                / (4.0 * h * h);
            matrix[i][j] = value;
            matrix[j][i] = value;
        }
    }
    matrix
}

/// Inverse of a small symmetric positive-definite matrix by Gauss-Jordan; `None` if singular
/// or not positive definite.
fn invert(matrix: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let dim = matrix.len();
    let mut a: Vec<Vec<f64>> = matrix
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut row = row.clone();
            row.extend((0..dim).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for col in 0..dim {
        let pivot = (col..dim).max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))?;
        if a[pivot][col].abs() < 1e-10 {
            return None;
        }
        a.swap(col, pivot);
        let divisor = a[col][col];
        a[col].iter_mut().for_each(|v| *v /= divisor);
        for row in 0..dim {
            if row != col {
                let factor = a[row][col];
                let pivot_row = a[col].clone();
                a[row].iter_mut().zip(pivot_row).for_each(|(v, p)| *v -= factor * p);
            }
        }
    }
    let inverse: Vec<Vec<f64>> = a.into_iter().map(|row| row[dim..].to_vec()).collect();
    (0..dim).all(|i| inverse[i][i] > 0.0 && inverse[i][i].is_finite()).then_some(inverse)
}

/// Ordinary least squares of the uncensored values on `-10 log10 d`: a starting point.
fn start_point(places: &[Place], priors: &Priors) -> (f64, f64) {
    let points: Vec<(f64, f64)> = places
        .iter()
        .flat_map(|p| {
            let x = -10.0 * p.distance_m.log10();
            p.observations
                .iter()
                .filter(|o| o.is_value())
                .map(move |o| (x, 0.5 * (o.lower_db + o.upper_db)))
        })
        .collect();
    if points.is_empty() {
        return (0.0, priors.exponent);
    }
    let count = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / count;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = if sxx > 1e-9 { (sxy / sxx).clamp(1.0, 6.0) } else { priors.exponent };
    (mean_y - slope * mean_x, slope)
}

/// Which parameters the data can identify, and why not the others.
fn identifiable(places: &[Place]) -> (Free, Vec<String>) {
    let mut distances: Vec<f64> = places
        .iter()
        .filter(|p| p.observations.iter().any(Observation::is_value))
        .map(|p| (p.distance_m.log10() * 1e6).round() / 1e6)
        .collect();
    distances.sort_by(f64::total_cmp);
    distances.dedup();
    let valued_places = valued_places(places);
    let repeated = places.iter().any(|p| p.observations.iter().map(|o| o.count).sum::<u32>() > 1);
    let mut reasons = Vec::new();
    let exponent = distances.len() >= 2;
    if !exponent {
        reasons.push(
            "path_loss_exponent: measured values (below the golden range) at fewer than two \
             distances; held at the prior"
                .to_owned(),
        );
    }
    let shadowing = valued_places >= 3;
    if !shadowing {
        reasons.push(
            "shadowing_sigma_db: measured values at fewer than three places; held at the prior"
                .to_owned(),
        );
    }
    if !repeated {
        reasons.push(
            "fading_sigma_db: one reading per place, so fading cannot be told from shadowing; \
             held at the prior"
                .to_owned(),
        );
    }
    (Free { exponent, shadowing, fading: repeated }, reasons)
}

/// Fits the model to `places`. Errors: no places, too many, a distance that is not finite and
/// positive, or no reading that is a measured value (everything censored: then nothing about
/// the level can be said beyond a bound).
pub fn fit(places: &[Place], priors: &Priors) -> Result<Fit, String> {
    check_input(places)?;
    let (free, mut not_identifiable) = identifiable(places);
    let compressed = compress(places);
    let places = compressed.as_slice();
    let (intercept0, exponent0) = start_point(places, priors);
    let mut start = vec![intercept0];
    let mut steps = vec![3.0];
    let sigma_from = 1 + usize::from(free.exponent);
    if free.exponent {
        start.push(exponent0);
        steps.push(0.3);
    }
    if free.shadowing {
        start.push(priors.shadowing_sigma_db.max(1.0).ln());
        steps.push(0.3);
    }
    if free.fading {
        start.push(priors.fading_sigma_db.max(0.5).ln());
        steps.push(0.3);
    }
    let objective = |x: &[f64]| {
        -log_likelihood(places, &expand(free, priors, x)) + bounds_penalty(&x[sigma_from..])
    };
    let (first, _) = nelder_mead(&objective, &start, &steps);
    let (best, value) = nelder_mead(&objective, &first, &steps);
    let mut params = expand(free, priors, &best);
    let covariance = invert(&hessian(&objective, &best));
    if covariance.is_none() {
        not_identifiable.push(
            "the information matrix is singular: no interval can be given for any parameter"
                .to_owned(),
        );
    }
    let wald = |index: usize, t: f64| {
        let se = covariance.as_ref()?[index][index].sqrt();
        Some([best[index] - t * se, best[index] + t * se])
    };
    let fading_ci = free
        .fading
        .then(|| wald(sigma_from + usize::from(free.shadowing), 1.96))
        .flatten()
        .map(|ends| ends.map(f64::exp));
    let (mut level, shadowing_ci) =
        small_sample_intervals(places, free, &mut params, covariance.is_some());
    if level.is_none() && covariance.is_some() {
        // The information at the rescaled σ_s is not positive definite (a flat ridge, e.g.
        // places hidden in the plateau): fall back to the full fit's, with the same t.
        let t = level_t(places, free);
        level = wald(0, t).map(|ci| (ci, free.exponent.then(|| wald(1, t)).flatten()));
    }
    if level.is_none() && covariance.is_some() {
        not_identifiable.push(
            "the level (intercept and exponent): the likelihood is flat along a ridge; no \
             interval can be given"
                .to_owned(),
        );
    }
    Ok(Fit {
        intercept_db: Estimate { value: params[0], ci95: level.map(|l| l.0) },
        exponent: Estimate { value: params[1], ci95: level.and_then(|l| l.1) },
        shadowing_sigma_db: Estimate { value: params[2], ci95: shadowing_ci },
        fading_sigma_db: Estimate { value: params[3], ci95: fading_ci },
        log_likelihood: -value,
        not_identifiable,
    })
}

/// Student's t quantile (97.5%) on the level's degrees of freedom: valued places minus level
/// parameters, at least 1.
fn level_t(places: &[Place], free: Free) -> f64 {
    let df = valued_places(places).saturating_sub(1 + usize::from(free.exponent)).max(1) as f64;
    StudentsT::new(0.0, 1.0, df).map_or(1.96, |dist| dist.inverse_cdf(0.975))
}

/// Places with at least one measured value: the shadowing draws the level is seen through.
fn valued_places(places: &[Place]) -> usize {
    places.iter().filter(|p| p.observations.iter().any(Observation::is_value)).count()
}

/// Intervals of the level (intercept, n) and of σ_s that hold with few places. Maximum
/// likelihood divides the places' scatter by their number `G`, not by the degrees of freedom
/// `G - p` left after the `p` level parameters, so with the half-dozen places of a capture it
/// makes σ_s small and every interval too narrow (the recovery test measured 55-60% coverage
/// of "95%" Wald intervals). As in ordinary least squares on the places' means (what the model
/// reduces to with many readings per place): σ_s is rescaled by `√(G / (G - p))`, the level's
/// interval uses the information at that σ_s and Student's t on `G - p` degrees of freedom, and
/// σ_s's interval is the chi-square one. Returns `([intercept ci, n ci?], σ_s ci)`, and sets the
/// rescaled σ_s in `params`.
#[allow(clippy::type_complexity)]
fn small_sample_intervals(
    places: &[Place],
    free: Free,
    params: &mut Params,
    regular: bool,
) -> (Option<([f64; 2], Option<[f64; 2]>)>, Option<[f64; 2]>) {
    let level_parameters = 1 + usize::from(free.exponent);
    let groups = valued_places(places);
    let df = groups.saturating_sub(level_parameters).max(1) as f64;
    let mut sigma_ci = None;
    if free.shadowing && regular {
        let ml = params[2];
        let g = groups as f64;
        params[2] = (ml * (g / df).sqrt()).min(SIGMA_DB_BOUNDS.1);
        sigma_ci = ChiSquared::new(df).ok().map(|chi| {
            [ml * (g / chi.inverse_cdf(0.975)).sqrt(), ml * (g / chi.inverse_cdf(0.025)).sqrt()]
        });
    }
    let fixed = *params;
    let level_objective = |x: &[f64]| {
        let exponent = if free.exponent { x[1] } else { fixed[1] };
        -log_likelihood(places, &[x[0], exponent, fixed[2], fixed[3]])
    };
    let at: Vec<f64> = std::iter::once(fixed[0]).chain(free.exponent.then_some(fixed[1])).collect();
    let covariance = invert(&hessian(&level_objective, &at)).filter(|_| regular);
    let t = level_t(places, free);
    let level = covariance.map(|c| {
        let ci = |i: usize| [at[i] - t * c[i][i].sqrt(), at[i] + t * c[i][i].sqrt()];
        (ci(0), free.exponent.then(|| ci(1)))
    });
    (level, sigma_ci)
}

/// A smooth penalty keeping each ln σ inside [`SIGMA_DB_BOUNDS`], so the optimiser never
/// wanders on the flat ground a clamp would make.
fn bounds_penalty(ln_sigmas: &[f64]) -> f64 {
    let (low, high) = (SIGMA_DB_BOUNDS.0.ln(), SIGMA_DB_BOUNDS.1.ln());
    ln_sigmas
        .iter()
        .map(|&v| 1e3 * ((low - v).max(0.0).powi(2) + (v - high).max(0.0).powi(2)))
        .sum()
}

fn check_input(places: &[Place]) -> Result<(), String> {
    if places.is_empty() {
        return Err("no readings with a distance to fit".to_owned());
    }
    if places.len() > FIT_PLACES_MAX {
        return Err(format!("at most {FIT_PLACES_MAX} places per fit"));
    }
    let observations: usize = places.iter().map(|p| p.observations.len()).sum();
    if observations > FIT_OBSERVATIONS_MAX {
        return Err(format!("at most {FIT_OBSERVATIONS_MAX} distinct observations per fit"));
    }
    if places.iter().any(|p| !(p.distance_m.is_finite() && p.distance_m > 0.0)) {
        return Err("every distance must be finite and above 0 m".to_owned());
    }
    if !places.iter().flat_map(|p| &p.observations).any(Observation::is_value) {
        return Err("every reading is censored (inside the golden range, or missing): the level \
                    and the exponent cannot be identified; measure further away"
            .to_owned());
    }
    Ok(())
}

/// Draws used by [`fading_moments_db`]: the mean is then known to about 0.02 dB; chosen.
const FADING_DRAWS: u32 = 20_000;

/// Mean and standard deviation, dB, of one reading's fading in the model: the average of
/// `packets` packets' power with Rician factor `rician_k_db` (`None`: Rayleigh), in dB. A
/// Rayleigh average is biased low (-0.28 dB for 8 packets, -2.5 dB for one), which the fitted
/// intercept carries and [`Fit`]'s users take out. Deterministic (a fixed stream).
pub fn fading_moments_db(rician_k_db: Option<f64>, packets: u32) -> (f64, f64) {
    let mut rng = engine::RandomStreams::new(18).stream("fit", "fading-moments");
    let draws: Vec<f64> = (0..FADING_DRAWS)
        .map(|_| crate::propagation::averaged_fading_db(rician_k_db, packets, &mut rng))
        .collect();
    let mean = draws.iter().sum::<f64>() / f64::from(FADING_DRAWS);
    let variance =
        draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / f64::from(FADING_DRAWS - 1);
    (mean, variance.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_probabilities_are_accurate_in_both_tails() {
        assert!((log_interval_probability(f64::NEG_INFINITY, 0.0) - 0.5f64.ln()).abs() < 1e-12);
        assert!((log_interval_probability(-1.0, 1.0) - 0.682_689_49f64.ln()).abs() < 1e-7);
        // Far in the upper tail: Q(8) - Q(9) = 6.22e-16.
        let far = log_interval_probability(8.0, 9.0);
        assert!((far - 6.2209e-16f64.ln()).abs() < 1e-3, "{far}");
    }

    /// Readings `intercept - 10 n log10 d + shadow + e` rounded, with a fixed spread of `e`.
    fn line(intercept: f64, exponent: f64, shadows: &[(f64, f64)]) -> Vec<Place> {
        shadows
            .iter()
            .map(|&(distance_m, shadow)| Place {
                distance_m,
                observations: [-2.0, -1.0, 0.0, 1.0, 2.0, 0.5, -0.5]
                    .iter()
                    .map(|e| {
                        let z: f64 = intercept - 10.0 * exponent * distance_m.log10() + shadow + e;
                        Observation::rounded(z.round(), 4)
                    })
                    .collect(),
            })
            .collect()
    }

    const PRIORS: Priors = Priors { exponent: 2.2, shadowing_sigma_db: 4.0, fading_sigma_db: 1.5 };

    #[test]
    fn a_line_is_recovered_within_its_intervals() {
        let shadows = [(1.0, 1.0), (2.0, -1.5), (4.0, 0.5), (8.0, -0.5), (16.0, 1.5), (30.0, -1.0)];
        let fit = fit(&line(10.0, 2.5, &shadows), &PRIORS).expect("fits");
        let [lo, hi] = fit.exponent.ci95.expect("identified");
        assert!((fit.exponent.value - 2.5).abs() < 0.15 && lo < 2.5 && 2.5 < hi, "{fit:?}");
        let [lo, hi] = fit.intercept_db.ci95.expect("identified");
        assert!(lo < 10.0 && 10.0 < hi, "{fit:?}");
        assert!(fit.not_identifiable.is_empty(), "{fit:?}");
    }

    #[test]
    fn all_censored_is_an_error_and_one_distance_holds_the_exponent() {
        let flat = [Place {
            distance_m: 1.0,
            observations: vec![Observation::relative(Some(0), -34.0, 60)],
        }];
        assert!(fit(&flat, &PRIORS).unwrap_err().contains("censored"));
        let fit = fit(&line(0.0, 2.5, &[(5.0, 0.0)]), &PRIORS).expect("fits");
        assert_eq!(fit.exponent, Estimate { value: 2.2, ci95: None });
        assert_eq!(fit.shadowing_sigma_db, Estimate { value: 4.0, ci95: None });
        assert_eq!(fit.not_identifiable.len(), 2, "{:?}", fit.not_identifiable);
    }

    #[test]
    fn rayleigh_averages_are_biased_low() {
        let (mean, sd) = fading_moments_db(None, 8);
        assert!((mean + 0.28).abs() < 0.05 && (sd - 1.55).abs() < 0.2, "{mean} {sd}");
        let (mean, _) = fading_moments_db(None, 1);
        assert!((mean + 2.51).abs() < 0.1, "{mean}");
    }
}
