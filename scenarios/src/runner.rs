//! One run of a scenario: the world (`sim-devices`) and the Windows devices (`engine::device`)
//! wired into the kernel's event loop.
//!
//! Events: timeline actions, Bluetooth polls (one schedule per PC-phone pair, intervals drawn
//! from the PC's stream), the devices' own timers, keystrokes while a user types, and Wi-Fi scans.
//! The run stops at the scenario's duration. Everything observable goes to the trace.

use std::collections::BTreeMap;

use engine::device::{
    DeviceEvent, DeviceSettings, LockingSignal, PresentedCredential, TrustedSignalVerdict,
    WindowsDevice, presence::PresenceThresholds,
};
use engine::policy::interpretation::AuthenticationLock;
use engine::policy::{CredentialProvider, Interpretations};
use engine::recovery::{Biometric, DeviceState, TimelineAction};
use engine::rng::{RandomStreams, StreamRng};
use engine::sim::{Context, Model, RunError, RunLimits, Simulation, StopCondition};
use engine::time::{SimDuration, SimTime};
use engine::trace::{AtDeskRecord, Entity, LockReason, PollRecord, Trace, TraceHash, TraceSink};
use rand::Rng;
use serde_json::json;
use sim_devices::user::{Credential, CredentialOutcome};
use sim_devices::world::{BluetoothPoll, World, WorldError};

use crate::model::{Action, Scenario};

/// The outcome of one run.
#[derive(Debug)]
pub struct RunOutput {
    pub seed: u64,
    /// The records kept: all of them, or all but polls ([`run_once_with`]).
    pub trace: Trace,
    /// The hash of every record of the run, kept or not.
    pub trace_hash: TraceHash,
    pub events_handled: u64,
}

/// A run that could not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunFailure {
    #[error("the world could not be built: {0}")]
    World(#[from] WorldError),
    #[error("the simulation exceeded a bound: {0}")]
    Bound(#[from] RunError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// Time zero: the device learns its radio state and starts its timers.
    Start {
        pc: usize,
    },
    Action(usize),
    Poll {
        pc: usize,
        phone: usize,
    },
    Device {
        pc: usize,
        event: DeviceEvent,
    },
    Keystroke {
        user: usize,
        generation: u64,
    },
    WifiScan {
        pc: usize,
    },
}

struct Typing {
    pc: usize,
    until: Option<SimTime>,
    generation: u64,
}

struct PcRuntime {
    id: String,
    entity: Entity,
    device: WindowsDevice,
    phones: Vec<String>,
    poll_rng: StreamRng,
    /// Whether the device-unlock groups use the trusted signal and rules exist.
    trusted_signal_rules: bool,
    /// The PIN reset model's view of this PC, when the scenario gives a device profile.
    recovery: Option<DeviceState>,
}

struct ScenarioModel<'a> {
    scenario: &'a Scenario,
    interpretations: Interpretations,
    world: World,
    pcs: Vec<PcRuntime>,
    users: Vec<String>,
    typing: BTreeMap<usize, Typing>,
    typing_generation: u64,
    seated: BTreeMap<usize, usize>,
    /// Biometrics a user cannot present (sensor failed, disabled by an application or policy).
    biometrics_unavailable: std::collections::BTreeSet<(String, Biometric)>,
    /// A world error met while handling an event: the run stops with it.
    failure: Option<WorldError>,
}

/// Runs `scenario` once with `seed` under `interpretations`, keeping every record.
pub fn run_once(
    scenario: &Scenario,
    seed: u64,
    interpretations: &Interpretations,
) -> Result<RunOutput, RunFailure> {
    run_once_with(scenario, seed, interpretations, false, None)
}

/// Like [`run_once`]; with `discard_polls` the trace keeps every record except `poll`s (its
/// hash still covers them), so memory grows with what happens in the run, not with the number
/// of polls. `tee` sees every record, polls included, as the run goes.
pub fn run_once_with(
    scenario: &Scenario,
    seed: u64,
    interpretations: &Interpretations,
    discard_polls: bool,
    tee: Option<&mut dyn TraceSink>,
) -> Result<RunOutput, RunFailure> {
    let mut sink = KeptRecords { trace: Trace::new(), discard_polls, tee };
    let (events_handled, trace_hash) = run_into(scenario, seed, interpretations, &mut sink)?;
    Ok(RunOutput { seed, trace: sink.trace, trace_hash, events_handled })
}

/// Keeps every record, or every record but polls, and hands every record to `tee` if any.
/// Polls arrive only through `record_poll` (the hashing sink in front forwards them typed), so
/// `record` never sees one.
struct KeptRecords<'a> {
    trace: Trace,
    discard_polls: bool,
    tee: Option<&'a mut dyn TraceSink>,
}

impl TraceSink for KeptRecords<'_> {
    fn record(&mut self, record: engine::trace::TraceRecord) {
        if let Some(tee) = &mut self.tee {
            tee.record(record.clone());
        }
        self.trace.record(record);
    }

    fn record_poll(&mut self, time: SimTime, entity: &Entity, poll: &PollRecord<'_>) {
        if let Some(tee) = &mut self.tee {
            tee.record_poll(time, entity, poll);
        }
        if !self.discard_polls {
            self.trace.record(poll.to_trace_record(time, entity));
        }
    }
}

/// Runs `scenario` once, streaming records into `sink`; returns the events handled and the
/// trace hash. Memory does not grow with simulated time when `sink` does not keep records.
pub fn run_into(
    scenario: &Scenario,
    seed: u64,
    interpretations: &Interpretations,
    sink: &mut dyn TraceSink,
) -> Result<(u64, TraceHash), RunFailure> {
    let streams = RandomStreams::new(seed);
    let world = World::new(&scenario.world, streams)?;
    let mut pcs = Vec::new();
    for setup in &scenario.pcs {
        let phones: Vec<String> = world.paired_phones(&setup.id)?.to_vec();
        let mut paired = Vec::new();
        for phone in &phones {
            let class = scenario.world.phones.get(phone).map_or(0, |p| p.class_of_device);
            paired.push((phone.clone(), class));
        }
        let (settings, trusted_signal_rules) = device_settings(scenario, setup, interpretations);
        let entity = Entity::pc(&setup.id);
        pcs.push(PcRuntime {
            id: setup.id.clone(),
            device: WindowsDevice::new(entity.clone(), settings, &paired),
            entity,
            phones,
            poll_rng: streams.stream(&format!("pc:{}", setup.id), "bluetooth-poll"),
            trusted_signal_rules,
            recovery: setup.device_profile.as_ref().map(|_| DeviceState::signed_in()),
        });
    }
    let users: Vec<String> = scenario.world.users.keys().cloned().collect();
    let model = ScenarioModel {
        scenario,
        interpretations: *interpretations,
        world,
        pcs,
        users,
        typing: BTreeMap::new(),
        typing_generation: 0,
        seated: BTreeMap::new(),
        biometrics_unavailable: std::collections::BTreeSet::new(),
        failure: None,
    };
    let mut simulation = Simulation::new(model, RunLimits::DEFAULT);
    for (index, action) in scenario.timeline.iter().enumerate() {
        simulation.schedule_at(action.at, Event::Action(index));
    }
    let calibration = &scenario.calibration;
    let pc_count = simulation.model.pcs.len();
    for pc in 0..pc_count {
        simulation.schedule_at(SimTime::ZERO, Event::Start { pc });
        for phone in 0..simulation.model.pcs[pc].phones.len() {
            let first_us = simulation.model.pcs[pc]
                .poll_rng
                .random_range(0..=calibration.poll_interval_max.as_us());
            simulation.schedule_at(SimTime::from_us(first_us), Event::Poll { pc, phone });
        }
        let id = simulation.model.pcs[pc].id.clone();
        if scenario.world.pcs.get(&id).is_some_and(|p| !p.wifi.profiles.is_empty()) {
            simulation.schedule_at(SimTime::ZERO, Event::WifiScan { pc });
        }
    }
    let mut hasher = engine::trace::TraceHasher::new();
    let mut tee = engine::trace::HashingSink { sink, hasher: &mut hasher };
    let stop = StopCondition {
        until: Some(SimTime::ZERO.saturating_add(scenario.duration)),
        event_budget: None,
    };
    let summary = simulation.run(stop, &mut tee)?;
    if let Some(error) = simulation.model.failure.take() {
        return Err(RunFailure::World(error));
    }
    Ok((summary.events_handled, hasher.finish()))
}

/// The thresholds of a rule's bluetooth signal, in the device's units.
fn locking_signal(
    signal: &engine::policy::BluetoothSignal,
    lock_reason: LockReason,
) -> LockingSignal {
    let clamp = |v: i32| v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    LockingSignal {
        class_of_device: signal.class_of_device(),
        thresholds: PresenceThresholds {
            rssi_db_min: clamp(signal.rssi_min()),
            rssi_db_max_delta: clamp(signal.rssi_max_delta()),
        },
        lock_reason,
    }
}

/// The device settings of one PC under `interpretations`, and whether unlocking evaluates
/// trusted-signal rules.
fn device_settings(
    scenario: &Scenario,
    setup: &crate::model::PcSetup,
    interpretations: &Interpretations,
) -> (DeviceSettings, bool) {
    let calibration = &scenario.calibration;
    let mut settings = DeviceSettings {
        idle_min: calibration.idle_min,
        lock_delay: calibration.lock_delay,
        inactivity_timeout: setup.inactivity_timeout,
        locking_signals: Vec::new(),
        rssi_delta_reference: interpretations.rssi_delta_reference,
        factor_groups: None,
    };
    let mut trusted_signal_rules = false;
    let Some(policy) = &setup.policy else { return (settings, false) };
    if let Some(dynamic_lock) = &policy.dynamic_lock
        && dynamic_lock.enabled
    {
        for signal in dynamic_lock.rules.bluetooth_signals() {
            settings.locking_signals.push(locking_signal(signal, LockReason::DynamicLock));
        }
    }
    if let Some(device_unlock) = &policy.device_unlock {
        settings.factor_groups = Some(device_unlock.groups.clone());
        let uses_signal = device_unlock.groups.first.contains(&CredentialProvider::TrustedSignal)
            || device_unlock.groups.second.contains(&CredentialProvider::TrustedSignal);
        if let Some(rules) = &device_unlock.signal_rules {
            trusted_signal_rules = uses_signal;
            if interpretations.authentication_lock == AuthenticationLock::On {
                for signal in rules.bluetooth_signals() {
                    settings
                        .locking_signals
                        .push(locking_signal(signal, LockReason::AuthenticationSignalLost));
                }
            }
        }
    }
    (settings, trusted_signal_rules)
}

/// The physical act behind a credential provider.
fn world_credential(provider: CredentialProvider) -> Option<Credential> {
    match provider {
        CredentialProvider::Pin => Some(Credential::Pin),
        CredentialProvider::Fingerprint => Some(Credential::Fingerprint),
        CredentialProvider::FacialRecognition => Some(Credential::Face),
        CredentialProvider::SecurityKey => Some(Credential::SecurityKey),
        CredentialProvider::TrustedSignal => None,
    }
}

impl ScenarioModel<'_> {
    fn pc_index(&self, id: &str) -> usize {
        self.pcs.iter().position(|pc| pc.id == id).expect("validated pc reference")
    }

    fn user_index(&self, id: &str) -> usize {
        self.users.iter().position(|user| user == id).expect("validated user reference")
    }

    /// The PC whose Windows side names `user` as its user.
    fn home_pc(&self, user: &str) -> Option<usize> {
        self.scenario.pcs.iter().position(|pc| pc.user.as_deref() == Some(user))
    }

    fn set_at_desk(&mut self, cx: &mut Context<'_, Event>, user: usize, value: bool) {
        let name = self.users[user].clone();
        let entity = Entity::user(&name);
        if value {
            if let Some(pc) = self.home_pc(&name)
                && self.seated.insert(user, pc).is_none()
            {
                let record = AtDeskRecord { pc: self.pcs[pc].id.clone(), seated: true };
                cx.record_typed(&entity, &record);
            }
        } else if let Some(pc) = self.seated.remove(&user) {
            cx.record_typed(&entity, &AtDeskRecord { pc: self.pcs[pc].id.clone(), seated: false });
        }
    }

    /// Tells the PIN reset model of every PC with a device profile what happened; `user`
    /// restricts it to the PCs of that user.
    fn recovery_apply(&mut self, user: Option<&str>, action: &TimelineAction) {
        for (index, pc) in self.pcs.iter_mut().enumerate() {
            let owner = self.scenario.pcs[index].user.as_deref();
            if user.is_some() && owner != user {
                continue;
            }
            if let Some(state) = &mut pc.recovery {
                state.apply(action);
            }
        }
    }

    /// A phone's radio or power changed: the PIN reset model learns whether it can be used for
    /// MFA, and the trace records the action.
    fn phone_availability_changed(
        &mut self,
        cx: &mut Context<'_, Event>,
        phone: &str,
        on: bool,
        action_name: &str,
    ) {
        let action = if on {
            TimelineAction::PhoneBack(phone.to_string())
        } else {
            TimelineAction::PhoneUnavailable(phone.to_string())
        };
        self.recovery_apply(None, &action);
        cx.record(&Entity::phone(phone), "action", json!({ "action": action_name, "on": on }));
    }

    fn stop_typing(&mut self, user: usize) {
        self.typing.remove(&user);
    }

    fn handle_action(
        &mut self,
        cx: &mut Context<'_, Event>,
        index: usize,
    ) -> Result<(), WorldError> {
        let scenario = self.scenario;
        let action = &scenario.timeline[index].action;
        let now = cx.now();
        match action {
            Action::Walk { user, waypoints } => {
                let user_index = self.user_index(user);
                self.stop_typing(user_index);
                self.set_at_desk(cx, user_index, false);
                self.world.set_user_course(now, user, waypoints)?;
                let end = self.world.user_course_end(user)?;
                let targets: Vec<_> = waypoints.iter().map(|w| [w.to.x_m, w.to.y_m]).collect();
                cx.record(
                    &Entity::user(user),
                    "action",
                    json!({ "action": "walk", "to": targets, "arrive_t_s": end.as_s_f64() }),
                );
            }
            Action::Sit { user } => {
                let user_index = self.user_index(user);
                cx.record(&Entity::user(user), "action", json!({ "action": "sit" }));
                self.set_at_desk(cx, user_index, true);
            }
            Action::Stand { user } => {
                let user_index = self.user_index(user);
                self.stop_typing(user_index);
                cx.record(&Entity::user(user), "action", json!({ "action": "stand" }));
                self.set_at_desk(cx, user_index, false);
            }
            Action::Type { user, pc, until } => {
                let user_index = self.user_index(user);
                let pc_index = self.pc_index(pc);
                self.typing_generation += 1;
                let generation = self.typing_generation;
                self.typing.insert(user_index, Typing { pc: pc_index, until: *until, generation });
                cx.record(
                    &Entity::user(user),
                    "action",
                    json!({ "action": "type", "pc": pc, "until_t_s": until.map(SimTime::as_s_f64) }),
                );
                cx.schedule_at(now, Event::Keystroke { user: user_index, generation });
            }
            Action::Idle { user } => {
                let user_index = self.user_index(user);
                self.stop_typing(user_index);
                cx.record(&Entity::user(user), "action", json!({ "action": "idle" }));
            }
            Action::Present { user, pc, credentials } => {
                self.present(cx, user, pc, credentials)?;
            }
            Action::Lock { pc } => {
                let pc_index = self.pc_index(pc);
                cx.record(
                    &self.pcs[pc_index].entity.clone(),
                    "action",
                    json!({ "action": "lock" }),
                );
                self.pcs[pc_index].device.lock_manually(cx);
            }
            Action::PhoneBluetooth { phone, on } => {
                self.world.set_phone_bluetooth(phone, *on)?;
                self.phone_availability_changed(cx, phone, *on, "phone_bluetooth");
            }
            Action::PhonePower { phone, on } => {
                self.world.set_phone_power(phone, *on)?;
                self.phone_availability_changed(cx, phone, *on, "phone_power");
            }
            Action::PcBluetooth { pc, on } => {
                self.world.set_pc_bluetooth(pc, *on)?;
                let pc_index = self.pc_index(pc);
                self.pcs[pc_index].device.set_bluetooth_radio(cx, *on);
            }
            Action::AccessPoint { access_point, on } => {
                self.world.set_access_point(access_point, *on)?;
                cx.record(
                    &Entity::access_point(access_point),
                    "action",
                    json!({ "action": "access_point", "on": on }),
                );
            }
            Action::Dock { pc, on } => {
                let adapters = self.world.set_docked(pc, *on)?;
                cx.record(
                    &Entity::pc(pc),
                    "action",
                    json!({ "action": "dock", "on": on, "adapters": adapters }),
                );
            }
            Action::Vpn { pc, on } => {
                let adapters = self.world.set_vpn(pc, *on)?;
                cx.record(
                    &Entity::pc(pc),
                    "action",
                    json!({ "action": "vpn", "on": on, "adapters": adapters }),
                );
            }
            Action::NetworkChange { network, change } => {
                self.world.update_network(network, change)?;
                cx.record(
                    &Entity::world(),
                    "action",
                    json!({ "action": "network_change", "network": network }),
                );
            }
            Action::RenewLeases { pc } => {
                self.world.renew_leases(pc)?;
                cx.record(&Entity::pc(pc), "action", json!({ "action": "renew_leases" }));
            }
            Action::Carry { phone, user, carry } => {
                self.world.carry_phone(phone, user, *carry)?;
                cx.record(
                    &Entity::phone(phone),
                    "action",
                    json!({ "action": "carry", "user": user, "carry": carry.name() }),
                );
            }
            Action::LeavePhone { phone, at, carry } => {
                self.world.leave_phone(now, phone, *at, *carry)?;
                cx.record(
                    &Entity::phone(phone),
                    "action",
                    json!({ "action": "leave_phone", "carry": carry.name() }),
                );
            }
            Action::ForgetPin { user, forgotten } => {
                self.world.set_pin_forgotten(user, *forgotten)?;
                for (index, pc) in self.pcs.iter_mut().enumerate() {
                    if scenario.pcs[index].user.as_deref() == Some(user.as_str())
                        && let Some(state) = &mut pc.recovery
                    {
                        state.pin_forgotten = *forgotten;
                    }
                }
                cx.record(
                    &Entity::user(user),
                    "action",
                    json!({ "action": "forget_pin", "forgotten": forgotten }),
                );
            }
            Action::Biometric { user, biometric, available } => {
                if *available {
                    self.biometrics_unavailable.remove(&(user.clone(), *biometric));
                    self.recovery_apply(Some(user), &TimelineAction::BiometricBack(*biometric));
                } else {
                    self.biometrics_unavailable.insert((user.clone(), *biometric));
                    self.recovery_apply(
                        Some(user),
                        &TimelineAction::BiometricUnavailable(*biometric),
                    );
                }
                cx.record(
                    &Entity::user(user),
                    "action",
                    json!({ "action": "biometric", "credential": biometric.provider().name(), "available": available }),
                );
            }
            Action::CorporateNetwork { pc, on } => {
                let pc_index = self.pc_index(pc);
                if let Some(state) = &mut self.pcs[pc_index].recovery {
                    state.apply(if *on {
                        &TimelineAction::JoinCorporateNetwork
                    } else {
                        &TimelineAction::LeaveCorporateNetwork
                    });
                }
                cx.record(
                    &Entity::pc(pc),
                    "action",
                    json!({ "action": "corporate_network", "on": on }),
                );
            }
            Action::PinReset { user, pc, entry } => {
                let pc_index = self.pc_index(pc);
                let locked = self.pcs[pc_index].device.is_locked();
                let Some(profile) = scenario.pcs[pc_index].device_profile.as_ref() else {
                    return Ok(());
                };
                let entity = self.pcs[pc_index].entity.clone();
                let Some(state) = &mut self.pcs[pc_index].recovery else { return Ok(()) };
                state.signed_in = !locked;
                let attempt = state.attempt_pin_reset(profile, *entry);
                cx.record(
                    &Entity::user(user),
                    "action",
                    json!({ "action": "pin_reset", "pc": pc, "from": entry.name() }),
                );
                cx.record(&entity, attempt.trace_kind(), attempt.payload());
                if attempt.result.is_ok() {
                    self.world.set_pin_forgotten(user, false)?;
                }
            }
        }
        Ok(())
    }

    fn present(
        &mut self,
        cx: &mut Context<'_, Event>,
        user: &str,
        pc: &str,
        credentials: &[CredentialProvider],
    ) -> Result<(), WorldError> {
        let now = cx.now();
        let pc_index = self.pc_index(pc);
        let mut presented = Vec::new();
        let mut outcomes = Vec::new();
        for &provider in credentials {
            let Some(credential) = world_credential(provider) else { continue };
            let biometric = match provider {
                CredentialProvider::Fingerprint => Some(Biometric::Fingerprint),
                CredentialProvider::FacialRecognition => Some(Biometric::FacialRecognition),
                _ => None,
            };
            let needs_re_enrolment = self.pcs[pc_index]
                .recovery
                .as_ref()
                .is_some_and(|state| state.biometrics_need_re_enrolment);
            if let Some(biometric) = biometric
                && (needs_re_enrolment
                    || self.biometrics_unavailable.contains(&(user.to_string(), biometric)))
            {
                let reason = if needs_re_enrolment { "needs_re_enrolment" } else { "unavailable" };
                outcomes.push(json!({ "credential": provider.name(), "outcome": { "outcome": "rejected", "reason": reason } }));
                presented.push(PresentedCredential { provider, accepted: false });
                continue;
            }
            let outcome = self.world.present_credential(now, user, credential)?;
            let accepted = matches!(outcome, CredentialOutcome::Accepted);
            outcomes.push(json!({ "credential": provider.name(), "outcome": outcome }));
            presented.push(PresentedCredential { provider, accepted });
        }
        let phone_distance_m = self.nearest_phone_distance_m(now, pc_index)?;
        cx.record(
            &Entity::user(user),
            "action",
            json!({ "action": "present", "pc": pc, "credentials": outcomes, "phone_distance_m": phone_distance_m }),
        );
        let verdict = self.trusted_signal_verdict(now, pc_index)?;
        let wrap = move |event| Event::Device { pc: pc_index, event };
        // Presenting a credential is input at the PC.
        self.pcs[pc_index].device.on_user_input(cx, wrap);
        self.pcs[pc_index].device.attempt_unlock(cx, wrap, &presented, &verdict, phone_distance_m);
        Ok(())
    }

    fn nearest_phone_distance_m(&self, now: SimTime, pc: usize) -> Result<Option<f64>, WorldError> {
        let pc_position = self.world.pc_position(now, &self.pcs[pc].id)?;
        let mut nearest: Option<f64> = None;
        for phone in &self.pcs[pc].phones {
            let distance = self.world.phone_position(now, phone)?.distance_m(&pc_position);
            nearest = Some(nearest.map_or(distance, |n: f64| n.min(distance)));
        }
        Ok(nearest.map(|d| (d * 100.0).round() / 100.0))
    }

    fn trusted_signal_verdict(
        &mut self,
        now: SimTime,
        pc: usize,
    ) -> Result<TrustedSignalVerdict, WorldError> {
        if !self.pcs[pc].trusted_signal_rules {
            return Ok(TrustedSignalVerdict::NotConfigured);
        }
        let scenario = self.scenario;
        let Some(rules) = scenario.pcs[pc]
            .policy
            .as_ref()
            .and_then(|p| p.device_unlock.as_ref())
            .and_then(|d| d.signal_rules.as_ref())
        else {
            return Ok(TrustedSignalVerdict::NotConfigured);
        };
        // With the PC's radio off the snapshot has no Bluetooth devices: rules that hold without
        // one still hold (an OR with a network rule); rules that needed one are a radio error
        // (7520), not a missing factor.
        let radio_off = !self.world.pc_bluetooth_on(&self.pcs[pc].id)?;
        let snapshot = self.world.snapshot(now, &self.pcs[pc].id)?;
        let evaluation = rules.evaluate(&snapshot, &self.interpretations);
        if radio_off && !evaluation.result && rules.bluetooth_signals().next().is_some() {
            return Ok(TrustedSignalVerdict::Error {
                reason: "the PC's Bluetooth radio is off".to_string(),
            });
        }
        Ok(TrustedSignalVerdict::Evaluated {
            result: evaluation.result,
            explanation: serde_json::to_value(&evaluation).unwrap_or_default(),
        })
    }

    fn start(&mut self, cx: &mut Context<'_, Event>, pc: usize) -> Result<(), WorldError> {
        let radio_on = self.world.pc_bluetooth_on(&self.pcs[pc].id)?;
        let device = &mut self.pcs[pc].device;
        device.start(cx, move |event| Event::Device { pc, event });
        if !radio_on {
            device.set_bluetooth_radio(cx, false);
        }
        Ok(())
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_, Event>,
        pc: usize,
        phone: usize,
    ) -> Result<(), WorldError> {
        let now = cx.now();
        let calibration = &self.scenario.calibration;
        let runtime = &mut self.pcs[pc];
        let interval_us = runtime.poll_rng.random_range(
            calibration.poll_interval_min.as_us()..=calibration.poll_interval_max.as_us(),
        );
        cx.schedule_in(SimDuration::from_us(interval_us), Event::Poll { pc, phone });
        if !runtime.device.bluetooth_radio_on() {
            return Ok(());
        }
        let phone_id = &runtime.phones[phone];
        let detail = self.world.poll_bluetooth_detailed(now, &runtime.id, phone_id)?;
        let (rssi, reason) = match detail.poll {
            BluetoothPoll::Present { rssi } => (Some(rssi), None),
            BluetoothPoll::Absent { reason } => (None, Some(absence_reason_name(reason))),
        };
        let wrap = move |event| Event::Device { pc, event };
        runtime.device.on_bluetooth_poll(cx, wrap, phone_id, rssi, reason, Some(detail.distance_m));
        Ok(())
    }

    fn wifi_scan(&mut self, cx: &mut Context<'_, Event>, pc: usize) -> Result<(), WorldError> {
        let id = self.pcs[pc].id.clone();
        let change = self.world.wifi_scan(cx.now(), &id)?;
        if let Some(payload) = wifi_change_payload(&change) {
            cx.record(&self.pcs[pc].entity.clone(), "wifi", payload);
        }
        let period = self.world.wifi_scan_period(&id)?;
        cx.schedule_in(period, Event::WifiScan { pc });
        Ok(())
    }
}

fn absence_reason_name(reason: sim_devices::world::AbsenceReason) -> &'static str {
    use sim_devices::world::AbsenceReason;
    match reason {
        AbsenceReason::PcRadioOff => "pc_radio_off",
        AbsenceReason::PhoneOff => "phone_off",
        AbsenceReason::PhoneBluetoothOff => "phone_bluetooth_off",
        AbsenceReason::OutOfRange => "out_of_range",
    }
}

fn wifi_change_payload(change: &sim_devices::world::WifiChange) -> Option<serde_json::Value> {
    use sim_devices::world::WifiChange;
    match change {
        WifiChange::Unchanged => None,
        other => Some(serde_json::to_value(other).unwrap_or_default()),
    }
}

impl Model for ScenarioModel<'_> {
    type Event = Event;

    fn handle(&mut self, event: Event, cx: &mut Context<'_, Event>) {
        if self.failure.is_some() {
            return;
        }
        let result = match event {
            Event::Start { pc } => self.start(cx, pc),
            Event::Action(index) => self.handle_action(cx, index),
            Event::Poll { pc, phone } => self.poll(cx, pc, phone),
            Event::Device { pc, event } => {
                self.pcs[pc].device.on_event(cx, move |event| Event::Device { pc, event }, event);
                Ok(())
            }
            Event::Keystroke { user, generation } => {
                if let Some(typing) = self.typing.get(&user)
                    && typing.generation == generation
                {
                    let pc = typing.pc;
                    if typing.until.is_some_and(|until| cx.now() > until) {
                        self.typing.remove(&user);
                    } else {
                        self.pcs[pc]
                            .device
                            .on_user_input(cx, move |event| Event::Device { pc, event });
                        let interval = self.scenario.calibration.typing_interval;
                        cx.schedule_in(interval, Event::Keystroke { user, generation });
                    }
                }
                Ok(())
            }
            Event::WifiScan { pc } => self.wifi_scan(cx, pc),
        };
        if let Err(error) = result {
            cx.record(&Entity::world(), "error", json!({ "error": error.to_string() }));
            self.failure = Some(error);
        }
    }
}
