//! Replaying recorded readings through the Windows presence logic (issue 18): the
//! [`WindowsDevice`] of a scenario run, driven by a log's polls instead of the radio model.
//!
//! Each reading is delivered at its own time, and the next poll is scheduled only when the
//! previous one is handled, as the runner does, so a lock check falling on the same
//! microsecond as a poll runs in the same order. A reading marked `active` (the user at the
//! desk: the log's `place` is `desk` or `seated`) is user input at that time, before the poll;
//! at a locked PC it is also an unlock with a PIN (the user signs back in). A replay of a
//! simulated run's own polls and input reproduces its Dynamic Lock locks exactly
//! (`tests/cli/replay.rs`).

use engine::device::{
    DeviceEvent, DeviceSettings, PresentedCredential, TrustedSignalVerdict, WindowsDevice,
};
use engine::policy::{CredentialProvider, Policy};
use engine::sim::{Model, RunLimits, Simulation, StopCondition};
use engine::trace::{Entity, LockReason, Trace};
use engine::{Context, SimTime};

/// The phone's name in a replay (one phone per log).
const PHONE: &str = "phone";
/// The PC's name in a replay.
const PC: &str = "pc";

/// One recorded poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayPoll {
    pub time: SimTime,
    /// The reading, relative dB; `None` when the poll got no reading.
    pub rssi_db: Option<i16>,
    /// The user was at the desk and active (input).
    pub active: bool,
    /// The user was at the desk, active or not.
    pub seated: bool,
}

/// One lock the replay produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayLock {
    pub time: SimTime,
    pub reason: LockReason,
    /// The last reading before it was `seated`: a lock while seated (a false lock).
    pub while_seated: bool,
}

/// The Dynamic Lock settings of `policy` with `rssiMin` and `rssiMaxDelta` replaced where
/// given, and the scenario defaults otherwise (`idle_min`, `lock_delay` 30 s).
///
/// # Errors
/// The policy has no enabled Dynamic Lock with a Bluetooth signal.
pub fn dynamic_lock_settings(
    policy: &Policy,
    rssi_min: Option<i16>,
    rssi_max_delta: Option<i16>,
) -> Result<DeviceSettings, String> {
    let mut settings = DeviceSettings::default();
    let Some(dynamic_lock) = policy.dynamic_lock.as_ref().filter(|d| d.enabled) else {
        return Err("the policy does not enable Dynamic Lock".to_owned());
    };
    for signal in dynamic_lock.rules.bluetooth_signals() {
        let mut locking = crate::runner::locking_signal(signal, LockReason::DynamicLock);
        locking.thresholds.rssi_db_min = rssi_min.unwrap_or(locking.thresholds.rssi_db_min);
        locking.thresholds.rssi_db_max_delta =
            rssi_max_delta.unwrap_or(locking.thresholds.rssi_db_max_delta);
        settings.locking_signals.push(locking);
    }
    if settings.locking_signals.is_empty() {
        return Err("the policy's Dynamic Lock rule has no bluetooth signal".to_owned());
    }
    Ok(settings)
}

#[derive(Debug)]
enum Event {
    Start,
    Poll(usize),
    Device(DeviceEvent),
}

struct ReplayModel<'a> {
    polls: &'a [ReplayPoll],
    device: WindowsDevice,
}

impl std::fmt::Debug for ReplayModel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayModel").field("polls", &self.polls.len()).finish()
    }
}

impl Model for ReplayModel<'_> {
    type Event = Event;

    fn handle(&mut self, event: Event, cx: &mut Context<'_, Event>) {
        match event {
            Event::Start => self.device.start(cx, Event::Device),
            Event::Device(event) => self.device.on_event(cx, Event::Device, event),
            Event::Poll(index) => {
                let poll = self.polls[index];
                if poll.active {
                    if self.device.is_locked() {
                        let pin = PresentedCredential {
                            provider: CredentialProvider::Pin,
                            accepted: true,
                        };
                        let verdict = TrustedSignalVerdict::NotConfigured;
                        self.device.attempt_unlock(cx, Event::Device, &[pin], &verdict, None);
                    }
                    self.device.on_user_input(cx, Event::Device);
                }
                self.device.on_bluetooth_poll(cx, Event::Device, PHONE, poll.rssi_db, None, None);
                if let Some(next) = self.polls.get(index + 1) {
                    cx.schedule_at(next.time, Event::Poll(index + 1));
                }
            }
        }
    }
}

/// Replays `polls` (in time order) through a PC with `settings`; the device starts at time 0,
/// the user active then.
///
/// # Errors
/// Polls out of time order, or a run past the engine's bounds.
pub fn replay(polls: &[ReplayPoll], settings: DeviceSettings) -> Result<Vec<ReplayLock>, String> {
    if polls.windows(2).any(|pair| pair[1].time < pair[0].time) {
        return Err("the polls are not in time order".to_owned());
    }
    let phone = (PHONE.to_owned(), sim_devices::world::PHONE_CLASS_OF_DEVICE);
    let device = WindowsDevice::new(Entity::pc(PC), settings, &[phone]);
    let mut simulation = Simulation::new(ReplayModel { polls, device }, RunLimits::default());
    let mut trace = Trace::new();
    simulation.schedule_at(SimTime::ZERO, Event::Start);
    if let Some(first) = polls.first() {
        simulation.schedule_at(first.time, Event::Poll(0));
    }
    simulation.run(StopCondition::default(), &mut trace).map_err(|e| e.to_string())?;
    Ok(locks(polls, &trace))
}

/// The lock records of `trace`, each with whether the user was seated at the last poll.
fn locks(polls: &[ReplayPoll], trace: &Trace) -> Vec<ReplayLock> {
    trace
        .records
        .iter()
        .filter(|record| record.kind == "lock")
        .filter_map(|record| {
            let reason: LockReason =
                serde_json::from_value(record.payload.get("reason")?.clone()).ok()?;
            let last = polls.iter().take_while(|p| p.time <= record.time).last();
            Some(ReplayLock {
                time: record.time,
                reason,
                while_seated: last.is_some_and(|p| p.seated),
            })
        })
        .collect()
}
