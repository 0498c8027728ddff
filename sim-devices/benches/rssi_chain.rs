//! Bluetooth polls per second through the full observation chain (geometry, walls, path loss,
//! carry loss, Gudmundson shadowing, per-packet fading, power control, report) via
//! [`sim_devices::World::poll_bluetooth`], next to a bare loop computing only the log-distance
//! formula over the same walk. The table prints both rates and their ratio.
//!
//! Run with `cargo bench -p sim-devices`. `RSSI_POLLS` sets the polls per measurement (default
//! 200,000); each measurement is repeated and the median kept.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a benchmark reads the clock.

use std::hint::black_box;
use std::time::Instant;

use engine::{RandomStreams, SimDuration, SimTime};
use sim_devices::world::{PcConfig, PhoneConfig, UserConfig};
use sim_devices::{BluetoothPoll, Environment, Position, Wall, Waypoint, World, WorldConfig};

const REPETITIONS: usize = 5;

fn world() -> World {
    let mut config = WorldConfig::default();
    for i in 0..8 {
        let x = 2.0 + 3.0 * f64::from(i);
        config.floor_plan.walls.push(Wall {
            from: Position::new(x, -5.0),
            to: Position::new(x, 5.0),
            loss_db: 5.0,
        });
    }
    config.users.insert(
        "ana".to_owned(),
        serde_json::from_str::<UserConfig>(r#"{"position": [0.5, 0.0]}"#).expect("user"),
    );
    config.phones.insert(
        "phone".to_owned(),
        serde_json::from_str::<PhoneConfig>(r#"{"carried_by": "ana"}"#).expect("phone"),
    );
    config.pcs.insert(
        "pc".to_owned(),
        serde_json::from_str::<PcConfig>(r#"{"position": [0, 0], "paired_phones": ["phone"]}"#)
            .expect("pc"),
    );
    World::new(&config, RandomStreams::new(1)).expect("valid world")
}

/// The walk: 30 m away at 1.2 m/s and back, polled every 100 ms of simulated time.
fn poll_times(polls: u64) -> impl Iterator<Item = SimTime> {
    (0..polls).map(|i| SimTime::from_us((i % 500) * 100_000))
}

fn full_chain(polls: u64) -> f64 {
    let mut world = world();
    let out = Waypoint {
        to: Position::new(30.0, 0.0),
        speed_m_per_s: 1.2,
        pause: SimDuration::default(),
    };
    let ana = world.user_id("ana").expect("user");
    let (pc, phone) = (world.pc_id("pc").expect("pc"), world.phone_id("phone").expect("phone"));
    world.set_user_course(SimTime::from_us(0), ana, &[out]).expect("course");
    let start = Instant::now();
    let mut present = 0u64;
    for now in poll_times(polls) {
        if let BluetoothPoll::Present { rssi } = world.poll_bluetooth(now, pc, phone) {
            present += u64::from(rssi <= 0);
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    black_box(present);
    polls as f64 / seconds
}

fn bare_path_loss(polls: u64) -> f64 {
    let environment = Environment::preset("office_nlos").expect("preset");
    let start = Instant::now();
    let mut sum = 0.0;
    for now in poll_times(polls) {
        let distance_m = 0.5 + 1.2 * now.as_s_f64();
        sum += environment.path_loss_db(black_box(distance_m));
    }
    let seconds = start.elapsed().as_secs_f64();
    black_box(sum);
    polls as f64 / seconds
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let polls: u64 =
        std::env::var("RSSI_POLLS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let chain = median((0..REPETITIONS).map(|_| full_chain(polls)).collect());
    let bare = median((0..REPETITIONS).map(|_| bare_path_loss(polls * 10)).collect());
    println!("{:<34} {:>14}", "measurement", "polls/s");
    println!("{:<34} {:>14.0}", "full chain (World::poll_bluetooth)", chain);
    println!("{:<34} {:>14.0}", "bare path-loss formula", bare);
    println!("full chain / bare path loss: {:.4} ({:.0}x slower)", chain / bare, bare / chain);
}
