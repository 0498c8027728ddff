//! One run of a scenario: the world (`sim-devices`) and the Windows devices (`engine::device`)
//! wired into the kernel's event loop.
//!
//! Events: timeline actions, Bluetooth polls (one schedule per PC-phone pair, intervals drawn
//! from the PC's stream, each interval counted from the previous poll's result; a poll that
//! cannot reach the phone reports only after a timeout, see [`ScenarioModel::on_poll`]), the
//! devices' own timers, keystrokes while a user types, and Wi-Fi scans.
//! The run stops at the scenario's duration. Everything observable goes to the trace.

use std::collections::{BTreeMap, BTreeSet};

use engine::device::{
    DeviceEvent, DeviceSettings, LockingSignal, PresentedCredential, TrustedSignalVerdict,
    UnlockOutcome, WindowsDevice, presence::PresenceThresholds,
};
use engine::policy::interpretation::{AuthenticationLock, DontDisplayLastUserName};
use engine::policy::{CredentialProvider, Interpretations, SignInProvider};
use engine::recovery::{Biometric, DeviceState, ResetEntry, TimelineAction};
use engine::rng::{RandomStreams, StreamRng};
use engine::sim::{Context, Model, RunError, RunLimits, Simulation, StopCondition};
use engine::time::{SimDuration, SimTime};
use engine::trace::{
    AtDeskRecord, CalibrationRecord, Entity, LockReason, PollRecord, Trace, TraceHash, TraceSink,
    WifiChange,
};
use rand::Rng;
use serde_json::json;
use sim_devices::geometry::Position;
use sim_devices::mobility::Waypoint;
use sim_devices::network::NetworkChange;
use sim_devices::propagation::Carry;
use sim_devices::user::{Credential, CredentialOutcome};
use sim_devices::world::{
    AbsenceReason, AccessPointId, BluetoothPoll, NetworkId, PcId, PhoneId, UserId, World,
    WorldError,
};

use crate::format::Calibration;
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
    /// What the caller does with a finished run failed (a report page could not be written).
    #[error("{0}")]
    Output(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// Time zero: the device learns its radio state and starts its timers.
    Start {
        pc: PcId,
    },
    /// The timeline's action at this index.
    Action(usize),
    Poll {
        pc: PcId,
        phone: PhoneId,
    },
    /// A failed poll's timeout has run out: its absence reaches the device now.
    PollFailed {
        pc: PcId,
        phone: PhoneId,
    },
    Device {
        pc: PcId,
        event: DeviceEvent,
    },
    Keystroke {
        user: UserId,
        generation: u64,
    },
    WifiScan {
        pc: PcId,
    },
}

struct Typing {
    pc: PcId,
    until: Option<SimTime>,
    generation: u64,
}

/// A poll that could not reach the phone, waiting for its timeout.
struct FailedPoll {
    reason: &'static str,
    distance_m: f64,
}

/// The Windows side of one PC; the runner keeps one per world PC, indexed by [`PcId::index`].
struct PcRuntime {
    entity: Entity,
    device: WindowsDevice,
    poll_rng: StreamRng,
    /// The phones whose last poll read them present: the PC holds a link to each. Kept only
    /// under `calibration.link_held_between_polls` (off by default), the one thing that reads it.
    linked: BTreeSet<PhoneId>,
    /// Failed polls whose result is still on its way, by phone.
    failed_polls: BTreeMap<PhoneId, FailedPoll>,
    /// Whether the device-unlock groups use the trusted signal and rules exist.
    trusted_signal_rules: bool,
    /// The PIN reset model's view of this PC, when the scenario gives a device profile.
    recovery: Option<DeviceState>,
}

struct ScenarioModel<'a> {
    scenario: &'a Scenario,
    /// The scenario's calibration with this run's draws in place (design 3.6).
    calibration: Calibration,
    interpretations: Interpretations,
    world: World,
    pcs: Vec<PcRuntime>,
    /// Keystroke routing: who types at which PC, until when.
    typing: BTreeMap<UserId, Typing>,
    typing_generation: u64,
    /// What users did: who sat down at which PC (for the `at_desk` records).
    seated: BTreeMap<UserId, PcId>,
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
    let (calibration, drawn) = scenario.calibration.drawn(streams);
    let mut world = match calibrated_world(&scenario.world, &calibration) {
        Some(config) => World::new(&config, streams)?,
        None => World::new(&scenario.world, streams)?,
    };
    world.set_coexistence_loss_db(calibration.coexistence_loss_db);
    let pcs = pc_runtimes(scenario, &calibration, &world, streams, interpretations);
    let model = ScenarioModel {
        scenario,
        calibration,
        interpretations: *interpretations,
        world,
        pcs,
        typing: BTreeMap::new(),
        typing_generation: 0,
        seated: BTreeMap::new(),
        failure: None,
    };
    let mut simulation = Simulation::new(model, RunLimits::DEFAULT);
    for (index, action) in scenario.timeline.iter().enumerate() {
        simulation.schedule_at(action.at, Event::Action(index));
    }
    for (at, event) in simulation.model.first_events() {
        simulation.schedule_at(at, event);
    }
    let mut hasher = engine::trace::TraceHasher::new();
    let mut tee = engine::trace::HashingSink { sink, hasher: &mut hasher };
    if !drawn.is_empty() {
        let record = CalibrationRecord { drawn };
        tee.record(engine::trace::TraceRecord::typed(SimTime::ZERO, Entity::world(), &record));
    }
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

/// The world's configuration with the calibration's radio values in every phone's radio, or
/// `None` when the calibration sets none (the scenario's own world is used as is). Calibration
/// wins over a phone's own `radio:` value (design 3.6, `docs/model.md` "Unknowns").
fn calibrated_world(
    world: &sim_devices::world::WorldConfig,
    calibration: &Calibration,
) -> Option<sim_devices::world::WorldConfig> {
    let values = [
        calibration.grpr_lower_dbm,
        calibration.grpr_width_db,
        calibration.tx_power_dbm_max,
        calibration.sensitivity_dbm,
    ];
    if values.iter().all(Option::is_none) {
        return None;
    }
    let mut world = world.clone();
    for phone in world.phones.values_mut() {
        let radio = &mut phone.radio;
        let [grpr_lower, width, tx_max, sensitivity] = values;
        radio.grpr_lower_dbm = grpr_lower.unwrap_or(radio.grpr_lower_dbm);
        radio.grpr_width_db = width.unwrap_or(radio.grpr_width_db);
        radio.tx_power_dbm_max = tx_max.unwrap_or(radio.tx_power_dbm_max);
        radio.sensitivity_dbm = sensitivity.unwrap_or(radio.sensitivity_dbm);
    }
    Some(world)
}

/// The Windows side of every PC, in the world's PC order (the scenario's `pcs` are in that
/// order: one entry per world PC, by id).
fn pc_runtimes(
    scenario: &Scenario,
    calibration: &Calibration,
    world: &World,
    streams: RandomStreams,
    interpretations: &Interpretations,
) -> Vec<PcRuntime> {
    let mut pcs = Vec::new();
    for setup in &scenario.pcs {
        let pc = setup.pc;
        assert_eq!(pc.index(), pcs.len(), "a scenario's PCs follow the world's id order");
        let paired: Vec<(String, u32)> = world
            .paired_phones(pc)
            .iter()
            .map(|&phone| (world.phone_name(phone).to_owned(), world.phone_class_of_device(phone)))
            .collect();
        let (settings, trusted_signal_rules) = device_settings(calibration, setup, interpretations);
        let entity = Entity::pc(&setup.id);
        pcs.push(PcRuntime {
            device: WindowsDevice::new(entity.clone(), settings, &paired),
            entity,
            poll_rng: streams.stream(&format!("pc:{}", setup.id), "bluetooth-poll"),
            linked: BTreeSet::new(),
            failed_polls: BTreeMap::new(),
            trusted_signal_rules,
            recovery: setup.device_profile.as_ref().map(|_| DeviceState::signed_in()),
        });
    }
    assert_eq!(pcs.len(), world.pc_ids().count(), "a scenario has one setup per world PC");
    pcs
}

/// The thresholds of a rule's bluetooth signal, in the device's units.
pub(crate) fn locking_signal(
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
    calibration: &Calibration,
    setup: &crate::model::PcSetup,
    interpretations: &Interpretations,
) -> (DeviceSettings, bool) {
    let mut settings = DeviceSettings {
        idle_min: calibration.idle_min,
        lock_delay: calibration.lock_delay,
        inactivity_timeout: setup.inactivity_timeout,
        locking_signals: Vec::new(),
        rssi_delta_reference: interpretations.rssi_delta_reference,
        factor_groups: None,
        sign_in: engine::policy::SignInPolicy::default(),
        multi_factor_blocked: false,
    };
    let mut trusted_signal_rules = false;
    let Some(policy) = &setup.policy else { return (settings, false) };
    settings.sign_in = policy.sign_in;
    settings.multi_factor_blocked = policy.sign_in.dont_display_last_user_name
        && policy.device_unlock.is_some()
        && interpretations.dont_display_last_user_name
            == DontDisplayLastUserName::BlocksMultiFactor;
    settings.locking_signals = locking_signals(policy, interpretations);
    if let Some(device_unlock) = &policy.device_unlock {
        settings.factor_groups = Some(device_unlock.groups.clone());
        let uses_signal = device_unlock.groups.first.contains(&CredentialProvider::TrustedSignal)
            || device_unlock.groups.second.contains(&CredentialProvider::TrustedSignal);
        if device_unlock.signal_rules.is_some() {
            trusted_signal_rules = uses_signal;
        }
    }
    (settings, trusted_signal_rules)
}

/// The signals whose loss locks a PC under `policy`: each bluetooth signal of an enabled
/// Dynamic Lock rule, then, under the interpretation `authentication_lock: on`, each of the
/// device-unlock signal rules. A scenario run and `unlocksim replay` both build them here.
pub(crate) fn locking_signals(
    policy: &engine::policy::Policy,
    interpretations: &Interpretations,
) -> Vec<LockingSignal> {
    let mut signals = Vec::new();
    if let Some(dynamic_lock) = &policy.dynamic_lock
        && dynamic_lock.enabled
    {
        for signal in dynamic_lock.rules.bluetooth_signals() {
            signals.push(locking_signal(signal, LockReason::DynamicLock));
        }
    }
    let unlock_rules = policy.device_unlock.as_ref().and_then(|d| d.signal_rules.as_ref());
    if let Some(rules) = unlock_rules
        && interpretations.authentication_lock == AuthenticationLock::On
    {
        for signal in rules.bluetooth_signals() {
            signals.push(locking_signal(signal, LockReason::AuthenticationSignalLost));
        }
    }
    signals
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
    /// Each PC's first events, in scheduling order: its start, the first poll of each paired
    /// phone (at a time drawn from the PC's poll stream), and its first Wi-Fi scan if it has
    /// profiles.
    fn first_events(&mut self) -> Vec<(SimTime, Event)> {
        let poll_interval_max_us = self.calibration.poll_interval_max.as_us();
        let mut events = Vec::new();
        for pc in self.world.pc_ids() {
            events.push((SimTime::ZERO, Event::Start { pc }));
            for &phone in self.world.paired_phones(pc) {
                let rng = &mut self.pcs[pc.index()].poll_rng;
                let first_us = rng.random_range(0..=poll_interval_max_us);
                events.push((SimTime::from_us(first_us), Event::Poll { pc, phone }));
            }
            if self.world.has_wifi_profiles(pc) {
                events.push((SimTime::ZERO, Event::WifiScan { pc }));
            }
        }
        events
    }

    /// The record entity of user `user`: `user:<id>`.
    fn user_entity(&self, user: UserId) -> Entity {
        Entity::user(self.world.user_name(user))
    }

    /// The record entity of phone `phone`: `phone:<id>`.
    fn phone_entity(&self, phone: PhoneId) -> Entity {
        Entity::phone(self.world.phone_name(phone))
    }

    /// The PC whose Windows side names `user` as its user.
    fn home_pc(&self, user: UserId) -> Option<PcId> {
        self.scenario.pcs.iter().find(|setup| setup.user == Some(user)).map(|setup| setup.pc)
    }

    fn set_at_desk(&mut self, cx: &mut Context<'_, Event>, user: UserId, value: bool) {
        let entity = self.user_entity(user);
        if value {
            if let Some(pc) = self.home_pc(user)
                && self.seated.insert(user, pc).is_none()
            {
                let pc = self.world.pc_name(pc).to_string();
                cx.record_typed(&entity, &AtDeskRecord { pc, seated: true });
            }
        } else if let Some(pc) = self.seated.remove(&user) {
            let pc = self.world.pc_name(pc).to_string();
            cx.record_typed(&entity, &AtDeskRecord { pc, seated: false });
        }
    }

    /// Tells the PIN reset model of every PC with a device profile what happened; `user`
    /// restricts it to the PCs of that user.
    fn recovery_apply(&mut self, user: Option<UserId>, action: &TimelineAction) {
        for (index, pc) in self.pcs.iter_mut().enumerate() {
            let owner = self.scenario.pcs[index].user;
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
        phone: PhoneId,
        on: bool,
        action_name: &str,
    ) {
        let name = self.world.phone_name(phone).to_string();
        let action = if on {
            TimelineAction::PhoneBack(name.clone())
        } else {
            TimelineAction::PhoneUnavailable(name.clone())
        };
        self.recovery_apply(None, &action);
        cx.record(&Entity::phone(&name), "action", json!({ "action": action_name, "on": on }));
    }

    fn stop_typing(&mut self, user: UserId) {
        self.typing.remove(&user);
    }

    /// The run stops with `error`, recorded as the world's last word.
    fn fail(&mut self, cx: &mut Context<'_, Event>, error: WorldError) {
        cx.record(&Entity::world(), "error", json!({ "error": error.to_string() }));
        self.failure = Some(error);
    }

    /// One arm per timeline action; the work is in the `on_*` leaves.
    fn handle_action(&mut self, cx: &mut Context<'_, Event>, action: &Action) {
        match *action {
            Action::Walk { user, ref waypoints } => self.on_walk(cx, user, waypoints),
            Action::Sit { user } => self.on_sit(cx, user),
            Action::Stand { user } => self.on_stand(cx, user),
            Action::Type { user, pc, until } => self.on_type(cx, user, pc, until),
            Action::Idle { user } => self.on_idle(cx, user),
            Action::Present { user, pc, ref credentials, ref sign_in } => {
                self.on_present(cx, user, pc, credentials, sign_in)
            }
            Action::Lock { pc } => self.on_lock(cx, pc),
            Action::PhoneBluetooth { phone, on } => self.on_phone_bluetooth(cx, phone, on),
            Action::PhonePower { phone, on } => self.on_phone_power(cx, phone, on),
            Action::PcBluetooth { pc, on } => self.on_pc_bluetooth(cx, pc, on),
            Action::AccessPoint { access_point, on } => self.on_access_point(cx, access_point, on),
            Action::Dock { pc, on } => self.on_dock(cx, pc, on),
            Action::Vpn { pc, on } => self.on_vpn(cx, pc, on),
            Action::NetworkChange { network, ref change } => {
                self.on_network_change(cx, network, change)
            }
            Action::RenewLeases { pc } => self.on_renew_leases(cx, pc),
            Action::Carry { phone, user, carry } => self.on_carry(cx, phone, user, carry),
            Action::LeavePhone { phone, at, carry } => self.on_leave_phone(cx, phone, at, carry),
            Action::ForgetPin { user, forgotten } => self.on_forget_pin(cx, user, forgotten),
            Action::Biometric { user, biometric, available } => {
                self.on_biometric(cx, user, biometric, available);
            }
            Action::PinReset { user, pc, entry } => self.on_pin_reset(cx, user, pc, entry),
            Action::CorporateNetwork { pc, on } => self.on_corporate_network(cx, pc, on),
            Action::PickUp { user, pc } => self.on_pick_up(cx, user, pc),
            Action::PutDown { pc, at } => self.on_put_down(cx, pc, at),
            Action::MovePc { pc, ref waypoints } => self.on_move_pc(cx, pc, waypoints),
        }
    }
}

/// The timeline's leaves: one per action kind, each doing one action's work and recording it.
impl ScenarioModel<'_> {
    fn on_walk(&mut self, cx: &mut Context<'_, Event>, user: UserId, waypoints: &[Waypoint]) {
        self.stop_typing(user);
        self.set_at_desk(cx, user, false);
        if let Err(error) = self.world.set_user_course(cx.now(), user, waypoints) {
            self.fail(cx, error.into());
            return;
        }
        let end = self.world.user_course_end(user);
        let targets: Vec<_> = waypoints.iter().map(|w| [w.to.x_m, w.to.y_m]).collect();
        cx.record(
            &self.user_entity(user),
            "action",
            json!({ "action": "walk", "to": targets, "arrive_t_s": end.as_s_f64() }),
        );
    }

    /// The user sits down at their PC and faces it (the heading torso shadowing uses).
    fn on_sit(&mut self, cx: &mut Context<'_, Event>, user: UserId) {
        cx.record(&self.user_entity(user), "action", json!({ "action": "sit" }));
        if let Some(pc) = self.home_pc(user) {
            let pc_position = self.world.pc_position(cx.now(), pc);
            self.world.face_toward(cx.now(), user, pc_position);
        }
        self.set_at_desk(cx, user, true);
    }

    fn on_stand(&mut self, cx: &mut Context<'_, Event>, user: UserId) {
        self.stop_typing(user);
        cx.record(&self.user_entity(user), "action", json!({ "action": "stand" }));
        self.set_at_desk(cx, user, false);
    }

    fn on_type(
        &mut self,
        cx: &mut Context<'_, Event>,
        user: UserId,
        pc: PcId,
        until: Option<SimTime>,
    ) {
        self.typing_generation += 1;
        let generation = self.typing_generation;
        self.typing.insert(user, Typing { pc, until, generation });
        let pc_name = self.world.pc_name(pc);
        cx.record(
            &self.user_entity(user),
            "action",
            json!({ "action": "type", "pc": pc_name, "until_t_s": until.map(SimTime::as_s_f64) }),
        );
        cx.schedule_at(cx.now(), Event::Keystroke { user, generation });
    }

    fn on_idle(&mut self, cx: &mut Context<'_, Event>, user: UserId) {
        self.stop_typing(user);
        cx.record(&self.user_entity(user), "action", json!({ "action": "idle" }));
    }

    fn on_lock(&mut self, cx: &mut Context<'_, Event>, pc: PcId) {
        let distance_m = self.user_distance_m(cx.now(), pc);
        let runtime = &mut self.pcs[pc.index()];
        runtime.device.set_user_distance_m(distance_m);
        cx.record(&runtime.entity, "action", json!({ "action": "lock" }));
        runtime.device.lock_manually(cx);
    }

    fn on_phone_bluetooth(&mut self, cx: &mut Context<'_, Event>, phone: PhoneId, on: bool) {
        self.world.set_phone_bluetooth(phone, on);
        self.phone_availability_changed(cx, phone, on, "phone_bluetooth");
    }

    fn on_phone_power(&mut self, cx: &mut Context<'_, Event>, phone: PhoneId, on: bool) {
        self.world.set_phone_power(phone, on);
        self.phone_availability_changed(cx, phone, on, "phone_power");
    }

    fn on_pc_bluetooth(&mut self, cx: &mut Context<'_, Event>, pc: PcId, on: bool) {
        self.world.set_pc_bluetooth(pc, on);
        self.pcs[pc.index()].device.set_bluetooth_radio(cx, on);
    }

    fn on_access_point(&mut self, cx: &mut Context<'_, Event>, ap: AccessPointId, on: bool) {
        self.world.set_access_point(ap, on);
        cx.record(
            &Entity::access_point(self.world.access_point_name(ap)),
            "action",
            json!({ "action": "access_point", "on": on }),
        );
    }

    fn on_dock(&mut self, cx: &mut Context<'_, Event>, pc: PcId, on: bool) {
        let adapters = self.world.set_docked(pc, on);
        cx.record(
            &Entity::pc(self.world.pc_name(pc)),
            "action",
            json!({ "action": "dock", "on": on, "adapters": adapters }),
        );
    }

    fn on_vpn(&mut self, cx: &mut Context<'_, Event>, pc: PcId, on: bool) {
        let adapters = self.world.set_vpn(pc, on);
        cx.record(
            &Entity::pc(self.world.pc_name(pc)),
            "action",
            json!({ "action": "vpn", "on": on, "adapters": adapters }),
        );
    }

    fn on_network_change(
        &mut self,
        cx: &mut Context<'_, Event>,
        network: NetworkId,
        change: &NetworkChange,
    ) {
        let changed = self.world.update_network(network, change);
        cx.record(
            &Entity::world(),
            "action",
            json!({
                "action": "network_change",
                "network": self.world.network_name(network),
                "changed": changed,
            }),
        );
    }

    fn on_renew_leases(&mut self, cx: &mut Context<'_, Event>, pc: PcId) {
        self.world.renew_leases(pc);
        let entity = Entity::pc(self.world.pc_name(pc));
        cx.record(&entity, "action", json!({ "action": "renew_leases" }));
    }

    fn on_carry(
        &mut self,
        cx: &mut Context<'_, Event>,
        phone: PhoneId,
        user: UserId,
        carry: Carry,
    ) {
        self.world.carry_phone(phone, user, carry);
        let (user, carry) = (self.world.user_name(user), carry.label());
        let payload = json!({ "action": "carry", "user": user, "carry": carry });
        cx.record(&self.phone_entity(phone), "action", payload);
    }

    fn on_leave_phone(
        &mut self,
        cx: &mut Context<'_, Event>,
        phone: PhoneId,
        at: Option<Position>,
        carry: Carry,
    ) {
        self.world.leave_phone(cx.now(), phone, at, carry);
        cx.record(
            &self.phone_entity(phone),
            "action",
            json!({ "action": "leave_phone", "carry": carry.label() }),
        );
    }

    /// A carried PC moves with its carrier: Bluetooth polls, Wi-Fi scans (on their own period)
    /// and shadowing read where it is at each poll and scan, so nothing new is scheduled.
    fn on_pick_up(&mut self, cx: &mut Context<'_, Event>, user: UserId, pc: PcId) {
        self.world.carry_pc(pc, user);
        let user = self.world.user_name(user);
        cx.record(
            &Entity::pc(self.world.pc_name(pc)),
            "action",
            json!({ "action": "pick_up", "user": user }),
        );
    }

    fn on_put_down(&mut self, cx: &mut Context<'_, Event>, pc: PcId, at: Option<Position>) {
        self.world.put_down_pc(cx.now(), pc, at);
        let here = self.world.pc_position(cx.now(), pc);
        cx.record(
            &Entity::pc(self.world.pc_name(pc)),
            "action",
            json!({ "action": "put_down", "at": [here.x_m, here.y_m] }),
        );
    }

    fn on_move_pc(&mut self, cx: &mut Context<'_, Event>, pc: PcId, waypoints: &[Waypoint]) {
        if let Err(error) = self.world.set_pc_course(cx.now(), pc, waypoints) {
            self.fail(cx, error.into());
            return;
        }
        let end = self.world.pc_course_end(pc);
        let targets: Vec<_> = waypoints.iter().map(|w| [w.to.x_m, w.to.y_m]).collect();
        cx.record(
            &Entity::pc(self.world.pc_name(pc)),
            "action",
            json!({ "action": "move_pc", "to": targets, "arrive_t_s": end.as_s_f64() }),
        );
    }

    fn on_forget_pin(&mut self, cx: &mut Context<'_, Event>, user: UserId, forgotten: bool) {
        self.world.set_pin_forgotten(user, forgotten);
        for (index, pc) in self.pcs.iter_mut().enumerate() {
            if self.scenario.pcs[index].user == Some(user)
                && let Some(state) = &mut pc.recovery
            {
                state.pin_forgotten = forgotten;
            }
        }
        cx.record(
            &self.user_entity(user),
            "action",
            json!({ "action": "forget_pin", "forgotten": forgotten }),
        );
    }

    fn on_biometric(
        &mut self,
        cx: &mut Context<'_, Event>,
        user: UserId,
        biometric: Biometric,
        available: bool,
    ) {
        self.world.set_biometric_available(user, biometric, available);
        let action = if available {
            TimelineAction::BiometricBack(biometric)
        } else {
            TimelineAction::BiometricUnavailable(biometric)
        };
        self.recovery_apply(Some(user), &action);
        cx.record(
            &self.user_entity(user),
            "action",
            json!({
                "action": "biometric",
                "credential": biometric.provider().name(),
                "available": available
            }),
        );
    }

    fn on_corporate_network(&mut self, cx: &mut Context<'_, Event>, pc: PcId, on: bool) {
        if let Some(state) = &mut self.pcs[pc.index()].recovery {
            state.apply(if on {
                &TimelineAction::JoinCorporateNetwork
            } else {
                &TimelineAction::LeaveCorporateNetwork
            });
        }
        cx.record(
            &Entity::pc(self.world.pc_name(pc)),
            "action",
            json!({ "action": "corporate_network", "on": on }),
        );
    }

    fn on_pin_reset(
        &mut self,
        cx: &mut Context<'_, Event>,
        user: UserId,
        pc: PcId,
        entry: ResetEntry,
    ) {
        let scenario = self.scenario;
        let Some(profile) = scenario.pcs[pc.index()].device_profile.as_ref() else { return };
        let user_entity = self.user_entity(user);
        let runtime = &mut self.pcs[pc.index()];
        let locked = runtime.device.is_locked();
        let Some(state) = &mut runtime.recovery else { return };
        state.signed_in = !locked;
        let attempt = state.attempt_pin_reset(profile, entry);
        cx.record(
            &user_entity,
            "action",
            json!({ "action": "pin_reset", "pc": self.world.pc_name(pc), "from": entry.name() }),
        );
        cx.record(&runtime.entity, attempt.trace_kind(), attempt.payload());
        if attempt.result.is_ok() {
            self.world.set_pin_forgotten(user, false);
        }
    }

    fn on_present(
        &mut self,
        cx: &mut Context<'_, Event>,
        user: UserId,
        pc: PcId,
        credentials: &[CredentialProvider],
        sign_in: &[SignInProvider],
    ) {
        let now = cx.now();
        let (presented, mut outcomes) = self.present_credentials(user, pc, credentials);
        let sign_in_accepted: Vec<(SignInProvider, bool)> = sign_in
            .iter()
            .map(|&provider| {
                let credential = match provider {
                    SignInProvider::Password => Credential::Password,
                    SignInProvider::SmartCard => Credential::SmartCard,
                };
                let outcome = self.world.present_credential(user, credential);
                outcomes.push(json!({ "credential": provider.name(), "outcome": outcome }));
                (provider, matches!(outcome, CredentialOutcome::Accepted))
            })
            .collect();
        let phone_distance_m = self.nearest_phone_distance_m(now, pc);
        cx.record(
            &self.user_entity(user),
            "action",
            json!({
                "action": "present",
                "pc": self.world.pc_name(pc),
                "credentials": outcomes,
                "phone_distance_m": phone_distance_m
            }),
        );
        let verdict = self.trusted_signal_verdict(now, pc);
        let wrap = move |event| Event::Device { pc, event };
        let device = &mut self.pcs[pc.index()].device;
        // Presenting a credential is input at the PC.
        device.on_user_input(cx, wrap);
        let unlocked = !presented.is_empty()
            && matches!(
                device.attempt_unlock(cx, wrap, &presented, &verdict, phone_distance_m),
                UnlockOutcome::Unlocked { .. }
            );
        if unlocked {
            return;
        }
        for (provider, accepted) in sign_in_accepted {
            if device.attempt_sign_in(cx, wrap, provider, accepted, phone_distance_m) {
                break;
            }
        }
    }

    /// User `user` presents `credentials` at PC `pc`: what the device sees, and each outcome
    /// for the trace. A biometric the user cannot present, or one the PC needs re-enrolled,
    /// is rejected without a draw from the user's stream.
    fn present_credentials(
        &mut self,
        user: UserId,
        pc: PcId,
        credentials: &[CredentialProvider],
    ) -> (Vec<PresentedCredential>, Vec<serde_json::Value>) {
        let needs_re_enrolment = self.pcs[pc.index()]
            .recovery
            .as_ref()
            .is_some_and(|state| state.biometrics_need_re_enrolment);
        let mut presented = Vec::new();
        let mut outcomes = Vec::new();
        for &provider in credentials {
            let Some(credential) = world_credential(provider) else { continue };
            let biometric = match provider {
                CredentialProvider::Fingerprint => Some(Biometric::Fingerprint),
                CredentialProvider::FacialRecognition => Some(Biometric::FacialRecognition),
                _ => None,
            };
            if let Some(biometric) = biometric
                && (needs_re_enrolment || !self.world.biometric_available(user, biometric))
            {
                let reason = if needs_re_enrolment { "needs_re_enrolment" } else { "unavailable" };
                outcomes.push(json!({
                    "credential": provider.name(),
                    "outcome": { "outcome": "rejected", "reason": reason }
                }));
                presented.push(PresentedCredential { provider, accepted: false });
                continue;
            }
            let outcome = self.world.present_credential(user, credential);
            let accepted = matches!(outcome, CredentialOutcome::Accepted);
            outcomes.push(json!({ "credential": provider.name(), "outcome": outcome }));
            presented.push(PresentedCredential { provider, accepted });
        }
        (presented, outcomes)
    }
}

/// The other events: start, polls, keystrokes, Wi-Fi scans, and what they need.
impl ScenarioModel<'_> {
    /// The distance from `pc` to its user (the one its Windows side names) at `now`, metres,
    /// rounded to 1 cm like the phone distances; `None` when the PC names no user.
    fn user_distance_m(&self, now: SimTime, pc: PcId) -> Option<f64> {
        let user = self.scenario.pcs[pc.index()].user?;
        let pc_position = self.world.pc_position(now, pc);
        let distance =
            self.world.radio_distance_m(&self.world.user_position(now, user), &pc_position);
        Some((distance * 100.0).round() / 100.0)
    }

    fn nearest_phone_distance_m(&self, now: SimTime, pc: PcId) -> Option<f64> {
        let pc_position = self.world.pc_position(now, pc);
        let mut nearest: Option<f64> = None;
        for &phone in self.world.paired_phones(pc) {
            let phone_position = self.world.phone_position(now, phone);
            let distance = self.world.radio_distance_m(&phone_position, &pc_position);
            nearest = Some(nearest.map_or(distance, |n: f64| n.min(distance)));
        }
        nearest.map(|d| (d * 100.0).round() / 100.0)
    }

    fn trusted_signal_verdict(&mut self, now: SimTime, pc: PcId) -> TrustedSignalVerdict {
        if !self.pcs[pc.index()].trusted_signal_rules {
            return TrustedSignalVerdict::NotConfigured;
        }
        let scenario = self.scenario;
        let Some(rules) = scenario.pcs[pc.index()]
            .policy
            .as_ref()
            .and_then(|p| p.device_unlock.as_ref())
            .and_then(|d| d.signal_rules.as_ref())
        else {
            return TrustedSignalVerdict::NotConfigured;
        };
        // With the PC's radio off the snapshot has no Bluetooth devices: rules that hold without
        // one still hold (an OR with a network rule); rules that needed one are a radio error
        // (7520), not a missing factor.
        let radio_off = !self.world.pc_bluetooth_on(pc);
        let snapshot = self.world.snapshot(now, pc);
        let evaluation = rules.evaluate(&snapshot, &self.interpretations);
        if radio_off && !evaluation.result && rules.bluetooth_signals().next().is_some() {
            return TrustedSignalVerdict::Error {
                reason: "the PC's Bluetooth radio is off".to_string(),
            };
        }
        TrustedSignalVerdict::Evaluated {
            result: evaluation.result,
            explanation: serde_json::to_value(&evaluation).unwrap_or_default(),
        }
    }

    fn on_start(&mut self, cx: &mut Context<'_, Event>, pc: PcId) {
        let radio_on = self.world.pc_bluetooth_on(pc);
        let device = &mut self.pcs[pc.index()].device;
        device.start(cx, move |event| Event::Device { pc, event });
        if !radio_on {
            device.set_bluetooth_radio(cx, false);
        }
    }

    /// Schedules the next poll of `phone` by `pc`, an interval drawn from the PC's stream after
    /// now (the previous poll's result).
    fn schedule_next_poll(&mut self, cx: &mut Context<'_, Event>, pc: PcId, phone: PhoneId) {
        let calibration = &self.calibration;
        let interval_us = self.pcs[pc.index()].poll_rng.random_range(
            calibration.poll_interval_min.as_us()..=calibration.poll_interval_max.as_us(),
        );
        cx.schedule_in(SimDuration::from_us(interval_us), Event::Poll { pc, phone });
    }

    /// A poll starts now. A phone that answers is read at once (a connection and an RSSI read
    /// take milliseconds). One that cannot be reached (out of range, off, Bluetooth off) is
    /// judged absent only when the controller gives up: `page_timeout` later (the PC pages and
    /// hears nothing), or, with `link_held_between_polls` and a previous poll that read it
    /// present, `supervision_timeout` later (the held link dropped silently and is noticed only
    /// when its supervision timer expires). The world is read at the poll's start; the result,
    /// its record and the next poll's interval count from when it arrives. The PC's own radio
    /// being off is local and immediate.
    fn on_poll(&mut self, cx: &mut Context<'_, Event>, pc: PcId, phone: PhoneId) {
        let now = cx.now();
        let held = self.calibration.link_held_between_polls;
        if !self.pcs[pc.index()].device.bluetooth_radio_on() {
            if held {
                self.pcs[pc.index()].linked.remove(&phone);
            }
            self.schedule_next_poll(cx, pc, phone);
            return;
        }
        let detail = self.world.poll_bluetooth_detailed(now, pc, phone);
        let runtime = &mut self.pcs[pc.index()];
        let reason = match detail.poll {
            BluetoothPoll::Present { rssi } => {
                if held {
                    runtime.linked.insert(phone);
                }
                self.deliver_poll(cx, pc, phone, Some(rssi), None, detail.distance_m);
                return self.schedule_next_poll(cx, pc, phone);
            }
            BluetoothPoll::Absent { reason: AbsenceReason::PcRadioOff } => {
                if held {
                    runtime.linked.remove(&phone);
                }
                let reason = Some(absence_reason_name(AbsenceReason::PcRadioOff));
                self.deliver_poll(cx, pc, phone, None, reason, detail.distance_m);
                return self.schedule_next_poll(cx, pc, phone);
            }
            BluetoothPoll::Absent { reason } => absence_reason_name(reason),
        };
        let calibration = &self.calibration;
        let timeout = if held && runtime.linked.remove(&phone) {
            calibration.supervision_timeout
        } else {
            calibration.page_timeout
        };
        let failed = FailedPoll { reason, distance_m: detail.distance_m };
        runtime.failed_polls.insert(phone, failed);
        cx.schedule_in(timeout, Event::PollFailed { pc, phone });
    }

    /// A failed poll's timeout ran out: the device hears the absence (unless its radio went off
    /// meanwhile) and the next poll is scheduled from now.
    fn on_poll_failed(&mut self, cx: &mut Context<'_, Event>, pc: PcId, phone: PhoneId) {
        let runtime = &mut self.pcs[pc.index()];
        if let Some(failed) = runtime.failed_polls.remove(&phone)
            && runtime.device.bluetooth_radio_on()
        {
            self.deliver_poll(cx, pc, phone, None, Some(failed.reason), failed.distance_m);
        }
        self.schedule_next_poll(cx, pc, phone);
    }

    /// Hands a poll's result to PC `pc`'s device, which records it at now.
    fn deliver_poll(
        &mut self,
        cx: &mut Context<'_, Event>,
        pc: PcId,
        phone: PhoneId,
        rssi: Option<i16>,
        reason: Option<&'static str>,
        distance_m: f64,
    ) {
        let wrap = move |event| Event::Device { pc, event };
        let phone_id = self.world.phone_name(phone);
        let device = &mut self.pcs[pc.index()].device;
        device.on_bluetooth_poll(cx, wrap, phone_id, rssi, reason, Some(distance_m));
    }

    fn on_keystroke(&mut self, cx: &mut Context<'_, Event>, user: UserId, generation: u64) {
        let Some(typing) = self.typing.get(&user) else { return };
        if typing.generation != generation {
            return;
        }
        let pc = typing.pc;
        if typing.until.is_some_and(|until| cx.now() > until) {
            self.typing.remove(&user);
            return;
        }
        self.pcs[pc.index()].device.on_user_input(cx, move |event| Event::Device { pc, event });
        let interval = self.calibration.typing_interval;
        cx.schedule_in(interval, Event::Keystroke { user, generation });
    }

    fn on_wifi_scan(&mut self, cx: &mut Context<'_, Event>, pc: PcId) {
        let change = self.world.wifi_scan(cx.now(), pc);
        if change != WifiChange::Unchanged {
            cx.record_typed(&self.pcs[pc.index()].entity, &change);
        }
        cx.schedule_in(self.world.wifi_scan_period(pc), Event::WifiScan { pc });
    }
}

fn absence_reason_name(reason: AbsenceReason) -> &'static str {
    match reason {
        AbsenceReason::PcRadioOff => "pc_radio_off",
        AbsenceReason::PhoneOff => "phone_off",
        AbsenceReason::PhoneBluetoothOff => "phone_bluetooth_off",
        AbsenceReason::OutOfRange => "out_of_range",
    }
}

impl Model for ScenarioModel<'_> {
    type Event = Event;

    fn handle(&mut self, event: Event, cx: &mut Context<'_, Event>) {
        if self.failure.is_some() {
            return;
        }
        match event {
            Event::Start { pc } => self.on_start(cx, pc),
            Event::Action(index) => {
                let scenario = self.scenario;
                self.handle_action(cx, &scenario.timeline[index].action)
            }
            Event::Poll { pc, phone } => self.on_poll(cx, pc, phone),
            Event::PollFailed { pc, phone } => self.on_poll_failed(cx, pc, phone),
            Event::Device { pc, event } => {
                let distance_m = self.user_distance_m(cx.now(), pc);
                self.pcs[pc.index()].device.set_user_distance_m(distance_m);
                self.pcs[pc.index()].device.on_event(
                    cx,
                    move |event| Event::Device { pc, event },
                    event,
                );
            }
            Event::Keystroke { user, generation } => self.on_keystroke(cx, user, generation),
            Event::WifiScan { pc } => self.on_wifi_scan(cx, pc),
        }
    }
}
