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
//!
//! [`ReplayPolicy`] takes the parameter names of `unlocksim run --set` ([`REPLAY_PARAMETERS`],
//! with the policy's own `rssiMin`/`rssiMaxDelta` as aliases) and builds the PC's settings as a
//! scenario run does; [`ReplayOutcome::trace`] holds what the decision metrics of a sweep read
//! (`reports::metrics`), so a grid of replays is judged like a sweep.

use engine::device::{
    DeviceEvent, DeviceSettings, PresentedCredential, TrustedSignalVerdict, WindowsDevice,
};
use engine::policy::interpretation::Interpretations;
use engine::policy::{CredentialProvider, Policy};
use engine::sim::{Model, RunLimits, Simulation, StopCondition};
use engine::trace::{AtDeskRecord, Entity, LockReason, Trace, TraceRecord, TraceSink};
use engine::{Context, SimTime};

use crate::params::ParamValue;

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

/// What `unlocksim replay --set`/`--grid` may change, in `docs/calibrate.md`'s order: the six
/// RSSI settings of `unlocksim run --set` (the names of [`crate::params::PARAMETERS`]) and the
/// two interpretations a replay's PC uses. Every other sweep parameter describes the radio,
/// the user or the walk, which a recorded log already fixes.
pub const REPLAY_PARAMETERS: [&str; 8] = [
    "dynamic_lock_rssi_min",
    "dynamic_lock_rssi_max_delta",
    "unlock_rssi_min",
    "unlock_rssi_max_delta",
    "rssi_min",
    "rssi_max_delta",
    "rssi_delta_reference",
    "authentication_lock",
];

/// The policy's own attribute names, accepted as aliases of the Dynamic Lock rule's thresholds
/// (the rule `replay` drives unless `authentication_lock` is `on`).
pub const REPLAY_PARAMETER_ALIASES: [(&str, &str); 2] =
    [("rssiMin", "dynamic_lock_rssi_min"), ("rssiMaxDelta", "dynamic_lock_rssi_max_delta")];

/// The parameter an alias stands for, or `name` itself.
pub fn canonical_parameter(name: &str) -> &str {
    REPLAY_PARAMETER_ALIASES.iter().find(|(alias, _)| *alias == name).map_or(name, |(_, n)| n)
}

/// A policy and the interpretations a replay runs it under.
#[derive(Debug, Clone)]
pub struct ReplayPolicy {
    /// The policy (thresholds already replaced by `--set`).
    pub policy: Policy,
    /// The interpretations (design 3.6) of its PC.
    pub interpretations: Interpretations,
}

impl ReplayPolicy {
    /// A copy with every `(name, value)` of [`REPLAY_PARAMETERS`] (or an alias) set in order.
    ///
    /// # Errors
    /// A name a replay does not take (with a did-you-mean), or a value the parameter refuses.
    pub fn with_parameters(&self, params: &[(String, ParamValue)]) -> Result<Self, String> {
        let mut next = self.clone();
        for (name, value) in params {
            next.set(name, value)?;
        }
        Ok(next)
    }

    fn set(&mut self, name: &str, value: &ParamValue) -> Result<(), String> {
        let name = canonical_parameter(name);
        if crate::params::set_policy_rssi_threshold(&mut self.policy, name, value)? {
            return Ok(());
        }
        if REPLAY_PARAMETERS.contains(&name) {
            let ParamValue::Text(text) = value else {
                return Err(format!("parameter `{name}` needs a name, not {value:?}"));
            };
            return self.interpretations.set(name, text);
        }
        let mut names: Vec<&str> = REPLAY_PARAMETERS.to_vec();
        names.extend(REPLAY_PARAMETER_ALIASES.iter().map(|(alias, _)| *alias));
        let hint = engine::diagnostic::suggest::did_you_mean(name, &names);
        Err(if crate::params::parameter(name).is_some() {
            format!("`{name}` is a sweep parameter a recorded log already fixes: {hint}")
        } else {
            format!("unknown replay parameter `{name}`: {hint}")
        })
    }

    /// The PC's settings: the locking signals of the policy under the interpretations (as a
    /// scenario run builds them), the scenario defaults otherwise (`idle_min`, `lock_delay`
    /// 30 s).
    ///
    /// # Errors
    /// Nothing locks: no enabled Dynamic Lock with a bluetooth signal, nor a device-unlock
    /// signal rule under `authentication_lock: on`.
    pub fn settings(&self) -> Result<DeviceSettings, String> {
        let locking_signals = crate::runner::locking_signals(&self.policy, &self.interpretations);
        if locking_signals.is_empty() {
            return Err(if self.policy.dynamic_lock.as_ref().is_some_and(|d| d.enabled) {
                "the policy's Dynamic Lock rule has no bluetooth signal".to_owned()
            } else {
                "the policy does not enable Dynamic Lock".to_owned()
            });
        }
        Ok(DeviceSettings {
            locking_signals,
            rssi_delta_reference: self.interpretations.rssi_delta_reference,
            ..DeviceSettings::default()
        })
    }
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

/// What one replay produced.
#[derive(Debug, Clone)]
pub struct ReplayOutcome {
    /// Every lock, in time order.
    pub locks: Vec<ReplayLock>,
    /// What decision metrics read, in time order: the user's `at_desk` records (user `user`,
    /// PC `pc`; `seated` from the first poll when it is seated, then at every change) and the
    /// PC's `lock`, `unlock` and `unlock_denied` records. At one microsecond the `at_desk`
    /// record comes first (the poll that shows it is handled before the PC acts on it).
    pub trace: Trace,
    /// The last poll's time: the end of the recorded day.
    pub end: SimTime,
}

/// Keeps only the records a replay reports on, and never builds a poll record (a day log has
/// tens of thousands).
struct KeptRecords(Vec<TraceRecord>);

impl TraceSink for KeptRecords {
    fn record(&mut self, record: TraceRecord) {
        if matches!(record.kind.as_str(), "lock" | "unlock" | "unlock_denied") {
            self.0.push(record);
        }
    }

    fn record_poll(&mut self, _: SimTime, _: &Entity, _: &engine::trace::PollRecord<'_>) {}
}

/// Replays `polls` (in time order) through a PC with `settings`; the device starts at time 0,
/// the user active then.
///
/// # Errors
/// Polls out of time order, or a run past the engine's bounds.
pub fn replay(polls: &[ReplayPoll], settings: DeviceSettings) -> Result<ReplayOutcome, String> {
    if polls.windows(2).any(|pair| pair[1].time < pair[0].time) {
        return Err("the polls are not in time order".to_owned());
    }
    let phone = (PHONE.to_owned(), sim_devices::world::PHONE_CLASS_OF_DEVICE);
    let device = WindowsDevice::new(Entity::pc(PC), settings, &[phone]);
    let mut simulation = Simulation::new(ReplayModel { polls, device }, RunLimits::default());
    let mut kept = KeptRecords(Vec::new());
    simulation.schedule_at(SimTime::ZERO, Event::Start);
    if let Some(first) = polls.first() {
        simulation.schedule_at(first.time, Event::Poll(0));
    }
    simulation.run(StopCondition::default(), &mut kept).map_err(|e| e.to_string())?;
    let locks = locks(polls, &kept.0);
    let end = polls.last().map_or(SimTime::ZERO, |p| p.time);
    Ok(ReplayOutcome { locks, trace: with_at_desk(polls, kept.0), end })
}

/// `records` with the user's `at_desk` records of `polls` merged in (see
/// [`ReplayOutcome::trace`]).
fn with_at_desk(polls: &[ReplayPoll], records: Vec<TraceRecord>) -> Trace {
    let user = Entity::new(engine::trace::EntityKind::User, "user");
    let mut trace = Trace::new();
    let mut records = records.into_iter().peekable();
    let mut seated = false;
    for poll in polls {
        if poll.seated == seated {
            continue;
        }
        seated = poll.seated;
        while let Some(record) = records.next_if(|r| r.time < poll.time) {
            trace.records.push(record);
        }
        let at_desk = AtDeskRecord { pc: PC.to_owned(), seated };
        let payload = serde_json::to_value(&at_desk).unwrap_or_default();
        trace.records.push(TraceRecord::new(poll.time, user.clone(), "at_desk", payload));
    }
    trace.records.extend(records);
    trace
}

/// The lock records of `records`, each with whether the user was seated at the last poll.
fn locks(polls: &[ReplayPoll], records: &[TraceRecord]) -> Vec<ReplayLock> {
    records
        .iter()
        .filter(|record| record.kind == "lock")
        .filter_map(|record| {
            let reason: LockReason =
                serde_json::from_value(record.payload.get("reason")?.clone()).ok()?;
            let at_or_before = polls.partition_point(|p| p.time <= record.time);
            let last = at_or_before.checked_sub(1).map(|i| polls[i]);
            Some(ReplayLock {
                time: record.time,
                reason,
                while_seated: last.is_some_and(|p| p.seated),
            })
        })
        .collect()
}
