//! Distance profiles: the distribution of what a Windows poll would read at each distance.
//!
//! Each sample is an independent poll: a fresh shadowing draw from the stationary distribution
//! (another spot at the same distance), power control, per-packet fading and the relative report.
//! This is what `unlocksim radio` prints, and how the model's GRPR shape is tested.

use engine::RandomStreams;

use crate::bluetooth::{BluetoothRadioConfig, LinkBudget, observe_poll};
use crate::geometry::{FloorPlan, Position};
use crate::propagation::{Environment, shadowing_step_db};

/// Most samples per distance.
pub const SAMPLES_MAX: u32 = 1_000_000;
/// Most distances per profile.
pub const DISTANCES_MAX: usize = 10_000;

/// What to sample.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileRequest {
    /// Propagation environment.
    pub environment: Environment,
    /// Phone radio and PC reporting.
    pub radio: BluetoothRadioConfig,
    /// Carry/body loss, dB.
    pub carry_loss_db: f64,
    /// Walls between PC and phone, and their total loss, dB.
    pub obstruction_loss_db: f64,
    /// Floors between PC and phone (0: the same floor).
    pub floors: u32,
    /// Storey height and floor losses used when `floors` is above 0 (its walls are not used).
    pub floor_plan: FloorPlan,
    /// Distances on the plan, metres: with `floors`, the radios are further apart in 3-D.
    pub distances_m: Vec<f64>,
    /// Polls per distance.
    pub samples: u32,
    /// Master seed.
    pub seed: u64,
}

/// The readings at one distance.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfilePoint {
    /// Distance, m.
    pub distance_m: f64,
    /// Relative RSSI of every poll that connected, sorted ascending.
    pub readings: Vec<i16>,
    /// Polls where the phone was absent (connection failed).
    pub absent: u32,
}

impl ProfilePoint {
    /// Polls in all.
    pub fn samples(&self) -> u32 {
        self.readings.len() as u32 + self.absent
    }

    /// Share of polls where the phone was absent.
    pub fn absent_share(&self) -> f64 {
        f64::from(self.absent) / f64::from(self.samples().max(1))
    }

    /// Mean reading of the polls that connected.
    pub fn mean(&self) -> Option<f64> {
        (!self.readings.is_empty()).then(|| {
            self.readings.iter().map(|&r| f64::from(r)).sum::<f64>() / self.readings.len() as f64
        })
    }

    /// The `q` quantile (0..=1, nearest rank) of the readings of polls that connected.
    pub fn quantile(&self, q: f64) -> Option<i16> {
        quantile(&self.readings, q)
    }

    /// The median over all polls, counting an absent phone as below every reading; `None` when
    /// more than half the polls found no phone.
    pub fn median_with_absent(&self) -> Option<i16> {
        let total = self.samples() as usize;
        let rank = (total.max(1) - 1) / 2;
        rank.checked_sub(self.absent as usize).map(|index| self.readings[index])
    }

    /// Share of all polls reading at least `threshold` (the phone counts as present).
    pub fn share_at_least(&self, threshold: i16) -> f64 {
        let count = self.readings.iter().filter(|&&r| r >= threshold).count();
        count as f64 / f64::from(self.samples().max(1))
    }

    /// Share of all polls with no phone or a reading below `threshold` (the phone counts as
    /// absent).
    pub fn share_below(&self, threshold: i16) -> f64 {
        let count = self.readings.iter().filter(|&&r| r < threshold).count() + self.absent as usize;
        count as f64 / f64::from(self.samples().max(1))
    }
}

/// Nearest-rank quantile of sorted values.
pub fn quantile(sorted: &[i16], q: f64) -> Option<i16> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64).round() as usize;
    Some(sorted[rank])
}

/// Samples every distance of `request`. Each distance has its own streams, so adding a
/// distance does not change the others.
pub fn sample_profile(request: &ProfileRequest) -> Result<Vec<ProfilePoint>, String> {
    if request.samples == 0 || request.samples > SAMPLES_MAX {
        return Err(format!("samples must be 1..={SAMPLES_MAX}"));
    }
    if request.distances_m.len() > DISTANCES_MAX {
        return Err(format!("at most {DISTANCES_MAX} distances"));
    }
    if request.distances_m.iter().any(|d| !d.is_finite() || *d < 0.0) {
        return Err("distances must be finite and non-negative".to_owned());
    }
    request.radio.validate()?;
    let streams = RandomStreams::new(request.seed);
    let environment = &request.environment;
    let plan = &request.floor_plan;
    // A position's floor is at most 1000 away from floor 0 (`geometry`), so two radios are
    // at most 2000 floors apart.
    let floors = i32::try_from(request.floors)
        .ok()
        .filter(|floors| *floors <= 2000)
        .ok_or_else(|| format!("floors must be 0..=2000, got {}", request.floors))?;
    let obstruction_loss_db = request.obstruction_loss_db + plan.floors_loss_db(request.floors);
    let points = request
        .distances_m
        .iter()
        .map(|&distance_m| {
            let phone = Position::on_floor(distance_m, 0.0, floors);
            let radio_distance_m = plan.distance_m(&Position::new(0.0, 0.0), &phone);
            let key = format!("distance:{distance_m}");
            let mut shadowing_rng = streams.stream("radio-profile", &format!("shadowing:{key}"));
            let mut fading_rng = streams.stream("radio-profile", &format!("fading:{key}"));
            let mut readings = Vec::with_capacity(request.samples as usize);
            let mut absent = 0;
            for _ in 0..request.samples {
                let budget = LinkBudget {
                    path_loss_db: environment.path_loss_db(radio_distance_m),
                    obstruction_loss_db,
                    carry_loss_db: request.carry_loss_db,
                    shadowing_db: shadowing_step_db(
                        None,
                        0.0,
                        environment.shadowing_sigma_db,
                        environment.decorrelation_distance_m,
                        &mut shadowing_rng,
                    ),
                    coexistence_loss_db: 0.0,
                };
                match observe_poll(environment, &request.radio, &budget, &mut fading_rng).rssi {
                    Some(rssi) => readings.push(rssi),
                    None => absent += 1,
                }
            }
            readings.sort_unstable();
            ProfilePoint { distance_m, readings, absent }
        })
        .collect();
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    /// A pocket at 8 dB (a front pocket side-on to the PC is 5 dB, walking away 17 dB:
    /// `CarryLosses`), a bag at 15 dB, a hand at 3 dB: the profile takes the loss as given.
    const POCKET_DB: f64 = 8.0;
    const BAG_DB: f64 = 15.0;
    const HAND_DB: f64 = 3.0;

    fn request(carry_loss_db: f64, walls: u32) -> ProfileRequest {
        ProfileRequest {
            environment: Environment::preset("office_nlos").expect("preset"),
            radio: BluetoothRadioConfig::default(),
            carry_loss_db,
            obstruction_loss_db: 5.0 * f64::from(walls),
            floors: 0,
            floor_plan: FloorPlan::default(),
            distances_m: (0..=40).map(f64::from).collect(),
            samples: 400,
            seed: 1,
        }
    }

    /// The first distance whose median (absent counted low) falls below `threshold`.
    fn crossing_m(points: &[ProfilePoint], threshold: i16) -> f64 {
        points
            .iter()
            .find(|p| p.median_with_absent().is_none_or(|m| m < threshold))
            .map_or(f64::INFINITY, |p| p.distance_m)
    }

    #[test]
    fn the_reading_is_flat_at_zero_near_the_pc_then_falls() {
        let points = sample_profile(&request(POCKET_DB, 0)).expect("valid");
        // At 1 m power control keeps the phone inside the golden range.
        assert_eq!(points[1].median_with_absent(), Some(0));
        assert_eq!(points[1].quantile(0.05), Some(0));
        // Medians never rise with distance (beyond sampling noise of 1 dB).
        for pair in points.windows(2) {
            let (a, b) = (pair[0].median_with_absent(), pair[1].median_with_absent());
            assert!(b.unwrap_or(-200) <= a.unwrap_or(-200) + 1, "{a:?} -> {b:?}");
        }
        // Falls below -10 only well away from the PC: not within 5 m, but within 30 m.
        let minus_10 = crossing_m(&points, -10);
        assert!((5.0..=30.0).contains(&minus_10), "{minus_10}");
        // At 40 m the mean received power at full power is 4 - 38.75 - 8 - 24.6 log10(40) =
        // -82.2 dBm, 7.8 dB above the -90 dBm sensitivity. Shadowing (σ 5.04 dB) and the fading
        // of an 8-packet average (sd 1.6 dB, bias -0.3 dB) lose the phone when their sum exceeds
        // 7.5 dB: P(Z > 7.5 / 5.29) = 7.8 %. Binomial SE at n = 400 is 1.3 %: tolerance 4 SE.
        let lost = points[40].absent_share();
        assert!((lost - 0.078).abs() < 0.054, "{lost}");
        assert_eq!(points[10].absent, 0);
    }

    #[test]
    fn walls_and_bags_bring_the_crossing_closer() {
        let base = crossing_m(&sample_profile(&request(POCKET_DB, 0)).expect("ok"), -10);
        let walls = crossing_m(&sample_profile(&request(POCKET_DB, 2)).expect("ok"), -10);
        let bag = crossing_m(&sample_profile(&request(BAG_DB, 0)).expect("ok"), -10);
        assert!(walls < base, "walls {walls} vs {base}");
        assert!(bag < base, "bag {bag} vs {base}");
    }

    #[test]
    fn flat_region_ends_where_the_phone_reaches_full_power() {
        // Without shadowing and fading the chain is exact: office NLoS 38.75 dB at 1 m and 24.6 dB
        // per decade, pocket 8 dB, +4 dBm maximum: the phone reaches -56 dBm at
        // 10^((4 - 38.75 - 8 + 56) / 24.6) = 3.46 m, and reads -10 at 8.8 m.
        let mut request = request(POCKET_DB, 0);
        request.environment.shadowing_sigma_db = 0.0;
        request.radio.packets_per_poll = 1000;
        request.distances_m = vec![3.3, 3.7, 8.8, 20.0];
        request.samples = 20;
        let points = sample_profile(&request).expect("valid");
        let medians: Vec<Option<i16>> =
            points.iter().map(ProfilePoint::median_with_absent).collect();
        // Averaging 1000 Rayleigh packets leaves a bias of about -0.02 dB and sd 0.14 dB.
        assert_eq!(medians, vec![Some(0), Some(-1), Some(-10), Some(-19)]);
    }

    #[test]
    fn floors_add_height_and_loss_to_the_profile() {
        // As `flat_region_ends_where_the_phone_reaches_full_power`, 0.5 m from the PC on the plan:
        // one floor up is 3.54 m and 14 dB away (loss 74.3 dB: -70.3 dBm reads -14), two floors
        // up 7.02 m and 18 dB (85.6 dB: -81.6 dBm reads -26), P.1238-10 Table 3.
        let medians = |floors: u32| {
            let mut request = request(POCKET_DB, 0);
            request.environment.shadowing_sigma_db = 0.0;
            request.radio.packets_per_poll = 1000;
            request.distances_m = vec![0.5];
            request.samples = 20;
            request.floors = floors;
            sample_profile(&request).expect("valid")[0].median_with_absent()
        };
        assert_eq!([medians(0), medians(1), medians(2)], [Some(0), Some(-14), Some(-26)]);
    }

    #[test]
    fn bad_requests_are_refused() {
        let mut bad = request(HAND_DB, 0);
        bad.samples = 0;
        assert!(sample_profile(&bad).is_err());
        bad.samples = 10;
        bad.distances_m = vec![f64::NAN];
        assert!(sample_profile(&bad).is_err());
    }

    #[test]
    fn profiles_are_deterministic_per_distance() {
        let mut one = request(HAND_DB, 0);
        one.distances_m = vec![12.0];
        let mut two = one.clone();
        two.distances_m = vec![3.0, 12.0];
        let a = sample_profile(&one).expect("ok");
        let b = sample_profile(&two).expect("ok");
        assert_eq!(a[0], b[1]);
    }
}
