//! The device agent driven by a script: actions at times in, the decisive trace lines out.

use super::presence::PresenceThresholds;
use super::*;
use crate::sim::{Model, RunLimits, Simulation, StopCondition};
use crate::trace::Trace;
use CredentialProvider::*;

#[derive(Debug, Clone)]
enum Action {
    Poll(&'static str, Option<i16>),
    Input,
    Unlock(Vec<(CredentialProvider, bool)>, Option<bool>),
    SignIn(SignInProvider, bool),
    RadioOff,
    ManualLock,
}

#[derive(Debug, Clone)]
enum Event {
    Script(Action),
    Device(DeviceEvent),
}

struct Harness {
    device: WindowsDevice,
}

impl Model for Harness {
    type Event = Event;
    fn handle(&mut self, event: Event, cx: &mut Context<'_, Event>) {
        let wrap = Event::Device;
        match event {
            Event::Device(e) => self.device.on_event(cx, wrap, e),
            Event::Script(Action::Poll(phone, rssi)) => {
                self.device.on_bluetooth_poll(cx, wrap, phone, rssi, None, None)
            }
            Event::Script(Action::Input) => self.device.on_user_input(cx, wrap),
            Event::Script(Action::Unlock(presented, signal)) => {
                let presented: Vec<_> = presented
                    .into_iter()
                    .map(|(provider, accepted)| PresentedCredential { provider, accepted })
                    .collect();
                let verdict = match signal {
                    None => TrustedSignalVerdict::NotConfigured,
                    Some(result) => {
                        TrustedSignalVerdict::Evaluated { result, explanation: json!("test") }
                    }
                };
                self.device.attempt_unlock(cx, wrap, &presented, &verdict, None);
            }
            Event::Script(Action::SignIn(credential, accepted)) => {
                self.device.attempt_sign_in(cx, wrap, credential, accepted, None);
            }
            Event::Script(Action::RadioOff) => self.device.set_bluetooth_radio(cx, false),
            Event::Script(Action::ManualLock) => self.device.lock_manually(cx),
        }
    }
}

fn dynamic_lock_settings() -> DeviceSettings {
    DeviceSettings {
        locking_signals: vec![LockingSignal {
            class_of_device: 0x200,
            thresholds: PresenceThresholds { rssi_db_min: -10, rssi_db_max_delta: -10 },
            lock_reason: LockReason::DynamicLock,
        }],
        ..DeviceSettings::default()
    }
}

/// Runs the script (seconds, action) and returns the lines that matter, one per record.
fn check(settings: DeviceSettings, script: &[(u64, Action)]) -> String {
    let phones = [("ana-phone".to_string(), 0x5A020C_u32), ("laptop-buddy".to_string(), 0x10C)];
    let device = WindowsDevice::new(Entity::pc("desk"), settings, &phones);
    let mut simulation = Simulation::new(Harness { device }, RunLimits::DEFAULT);
    for (t_s, action) in script {
        simulation.schedule_at(SimTime::from_us(t_s * 1_000_000), Event::Script(action.clone()));
    }
    let mut trace = Trace::new();
    simulation.run(StopCondition::default(), &mut trace).unwrap();
    trace
        .records
        .iter()
        .filter(|r| r.kind != "poll")
        .map(|r| format!("{:>4}s {} {}", r.time.as_us() / 1_000_000, r.kind, r.payload))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn walking_away_locks_after_the_delay_once_idle() {
    let script = [
        (0, Action::Poll("ana-phone", Some(0))),
        (20, Action::Poll("ana-phone", Some(-12))),
        (40, Action::Poll("ana-phone", Some(-21))),
        (60, Action::Poll("ana-phone", None)),
    ];
    insta::assert_snapshot!(check(dynamic_lock_settings(), &script), @r#"
       0s presence {"phone":"ana-phone","rssi":0,"rssi_min":-10,"signal":"dynamic_lock","state":"present"}
      40s presence {"absence_threshold":-20,"phone":"ana-phone","reason":"weak_signal","rssi":-21,"signal":"dynamic_lock","state":"absent"}
      70s lock {"detail":{"idle_s":70.0,"phone":"ana-phone"},"reason":"dynamic_lock"}
    "#);
}

#[test]
fn an_active_user_defers_the_lock_until_idle() {
    // An intruder types at the keyboard after the phone left: Dynamic Lock waits for 30 s idle.
    let script = [
        (0, Action::Poll("ana-phone", Some(0))),
        (10, Action::Poll("ana-phone", None)),
        (35, Action::Input),
        (60, Action::Input),
    ];
    insta::assert_snapshot!(check(dynamic_lock_settings(), &script), @r#"
       0s presence {"phone":"ana-phone","rssi":0,"rssi_min":-10,"signal":"dynamic_lock","state":"present"}
      10s presence {"absence_threshold":-20,"phone":"ana-phone","reason":"no_connection","rssi":null,"signal":"dynamic_lock","state":"absent"}
      40s lock_deferred {"idle_s":5.0,"phone":"ana-phone","until_t_s":65.0}
      65s lock_deferred {"idle_s":5.0,"phone":"ana-phone","until_t_s":90.0}
      90s lock {"detail":{"idle_s":30.0,"phone":"ana-phone"},"reason":"dynamic_lock"}
    "#);
}

#[test]
fn the_phone_coming_back_cancels_the_lock() {
    let script = [
        (0, Action::Poll("ana-phone", Some(0))),
        (40, Action::Poll("ana-phone", Some(-25))),
        (55, Action::Poll("ana-phone", Some(-3))),
    ];
    insta::assert_snapshot!(check(dynamic_lock_settings(), &script), @r#"
       0s presence {"phone":"ana-phone","rssi":0,"rssi_min":-10,"signal":"dynamic_lock","state":"present"}
      40s presence {"absence_threshold":-20,"phone":"ana-phone","reason":"weak_signal","rssi":-25,"signal":"dynamic_lock","state":"absent"}
      55s presence {"phone":"ana-phone","rssi":-3,"rssi_min":-10,"signal":"dynamic_lock","state":"present"}
      55s lock_cancelled {"phone":"ana-phone"}
    "#);
}

#[test]
fn a_phone_of_another_class_is_not_tracked() {
    let script =
        [(0, Action::Poll("laptop-buddy", Some(0))), (10, Action::Poll("laptop-buddy", None))];
    assert_eq!(check(dynamic_lock_settings(), &script), "");
}

#[test]
fn radio_off_disables_dynamic_lock_with_a_notification() {
    let script = [
        (0, Action::Poll("ana-phone", Some(0))),
        (10, Action::Poll("ana-phone", None)),
        (20, Action::RadioOff),
    ];
    insta::assert_snapshot!(check(dynamic_lock_settings(), &script), @r#"
       0s presence {"phone":"ana-phone","rssi":0,"rssi_min":-10,"signal":"dynamic_lock","state":"present"}
      10s presence {"absence_threshold":-20,"phone":"ana-phone","reason":"no_connection","rssi":null,"signal":"dynamic_lock","state":"absent"}
      20s notification {"text":"Dynamic lock isn't working because your PC's Bluetooth is off"}
      20s bluetooth_radio {"on":false}
    "#);
}

fn unlock_settings(first: &[CredentialProvider], second: &[CredentialProvider]) -> DeviceSettings {
    DeviceSettings {
        factor_groups: Some(FactorGroups { first: first.to_vec(), second: second.to_vec() }),
        ..DeviceSettings::default()
    }
}

#[test]
fn unlock_needs_two_different_credentials() {
    let groups = unlock_settings(&[Pin, Fingerprint], &[TrustedSignal, Pin]);
    let script = [
        (0, Action::ManualLock),
        (5, Action::Unlock(vec![(Fingerprint, false), (Pin, true)], Some(false))),
        (10, Action::Unlock(vec![(Fingerprint, true), (Pin, true)], Some(false))),
    ];
    insta::assert_snapshot!(check(groups, &script), @r#"
       0s lock {"detail":{},"reason":"manual"}
       5s event_log {"detail":{"presented":[{"accepted":false,"credential":"fingerprint"},{"accepted":true,"credential":"pin"}]},"id":3520,"level":"information"}
       5s event_log {"detail":{"reason":"one credential cannot satisfy both factors: first [pin, fingerprint], second [trusted_signal, pin] (had pin)"},"id":6520,"level":"warning"}
       5s unlock_denied {"event_id":6520,"phone_distance_m":null,"reason":"one credential cannot satisfy both factors: first [pin, fingerprint], second [trusted_signal, pin] (had pin)","trusted_signal":{"explanation":"test","result":false},"was_locked":true}
      10s event_log {"detail":{"presented":[{"accepted":true,"credential":"fingerprint"},{"accepted":true,"credential":"pin"}]},"id":3520,"level":"information"}
      10s event_log {"detail":{},"id":8520,"level":"information"}
      10s unlock {"factors":["fingerprint","pin"],"phone_distance_m":null,"trusted_signal":{"explanation":"test","result":false},"was_locked":true}
    "#);
}

#[test]
fn the_trusted_signal_is_a_second_factor() {
    let groups = unlock_settings(&[Pin, Fingerprint], &[TrustedSignal]);
    let script = [(0, Action::Unlock(vec![(Pin, true)], Some(true)))];
    let out = check(groups, &script);
    assert!(out.contains(r#"unlock {"factors":["pin","trusted_signal"]"#), "{out}");
}

#[test]
fn without_a_policy_one_credential_unlocks_with_5520() {
    let script = [(0, Action::ManualLock), (1, Action::Unlock(vec![(Pin, true)], None))];
    let out = check(DeviceSettings::default(), &script);
    assert!(out.contains(r#""id":5520"#), "{out}");
    assert!(out.contains(r#"unlock {"factors":["pin"]"#), "{out}");
}

#[test]
fn inactivity_timeout_locks() {
    let settings = DeviceSettings {
        inactivity_timeout: Some(SimDuration::from_m(5)),
        ..DeviceSettings::default()
    };
    let script = [(60, Action::Input), (100, Action::Poll("ana-phone", Some(0)))];
    assert_eq!(
        check(settings, &script),
        r#" 360s lock {"detail":{"idle_s":300.0},"reason":"inactivity"}"#
    );
}

/// Design 3.5b: a password or smart card signs in (a `sign_in` record, no Device Unlock event)
/// when the policy enables its provider; it is denied when the provider is disabled or the user
/// cannot present it. `DontDisplayLastUserName` under `blocks_multi_factor` denies Hello (7520)
/// and leaves the sign-in.
#[rstest::rstest]
#[case::password_enabled(
    SignInPolicy::default(),
    false,
    SignInProvider::Password,
    true,
    "locked=false 2s sign_in {\"credential\":\"password\",\"phone_distance_m\":null,\"was_locked\":true}"
)]
#[case::password_disabled(
    SignInPolicy { password: false, ..SignInPolicy::default() }, false, SignInProvider::Password,
    true,
    "locked=true 2s sign_in_denied {\"credential\":\"password\",\"phone_distance_m\":null,\
    \"reason\":\"the password credential provider is disabled by policy\",\"was_locked\":true}")]
#[case::password_forgotten(
    SignInPolicy::default(),
    false,
    SignInProvider::Password,
    false,
    "locked=true 2s sign_in_denied {\"credential\":\"password\",\"phone_distance_m\":null,\
    \"reason\":\"the password was not accepted\",\"was_locked\":true}"
)]
#[case::smart_card_disabled(
    SignInPolicy { smart_card: false, ..SignInPolicy::default() }, false,
    SignInProvider::SmartCard, true,
    "locked=true 2s sign_in_denied {\"credential\":\"smart_card\",\"phone_distance_m\":null,\
    \"reason\":\"the smart_card credential provider is disabled by policy\",\"was_locked\":true}")]
#[case::multi_factor_blocked(
    SignInPolicy::default(),
    true,
    SignInProvider::Password,
    true,
    "locked=false 1s event_log {\"detail\":{\"reason\":\"DontDisplayLastUserName is on: the lock \
    screen shows no user, so multi-factor unlock cannot complete (seed 003's caution)\"},\
    \"id\":7520,\"level\":\"error\"}"
)]
fn sign_in_outside_hello(
    #[case] sign_in: SignInPolicy,
    #[case] multi_factor_blocked: bool,
    #[case] credential: SignInProvider,
    #[case] accepted: bool,
    #[case] expected: &str,
) {
    let settings = DeviceSettings {
        sign_in,
        multi_factor_blocked,
        ..unlock_settings(&[Pin, Fingerprint], &[Fingerprint, Pin])
    };
    let mut script = vec![(0, Action::ManualLock), (2, Action::SignIn(credential, accepted))];
    if multi_factor_blocked {
        script.insert(1, (1, Action::Unlock(vec![(Fingerprint, true), (Pin, true)], None)));
    }
    let lines = check(settings, &script);
    // The Hello attempt's last line when it is blocked, else the sign-in's line.
    let decisive = if multi_factor_blocked {
        lines.lines().rfind(|l| l.contains("event_log"))
    } else {
        lines.lines().next_back()
    };
    let locked = lines.lines().next_back().is_some_and(|l| !l.contains(" sign_in "));
    let got = format!("locked={locked} {}", decisive.unwrap_or_default().trim());
    assert_eq!(got, expected, "{lines}");
}
