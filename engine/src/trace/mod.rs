//! The trace: every observable record of a run, in order, as JSON Lines with a stable hash.
//!
//! A record is (time, entity, kind, payload). The JSON Lines text of a trace is its canonical
//! form; the trace hash is SHA-256 over exactly those bytes, so a hash computed while streaming
//! ([`TraceHasher`]) equals the hash of the collected trace ([`Trace`]).

use std::fmt;

use serde::{Deserialize as _, Serialize};
use sha2::{Digest, Sha256};

use crate::time::SimTime;

mod entity;
mod records;

pub use entity::{Entity, EntityKind};
pub use records::{
    AtDeskRecord, CalibrationRecord, EventLevel, EventLogRecord, LockReason, LockRecord, Observed,
    PinResetFailedRecord, PinResetSucceededRecord, PresenceRecord, PresenceState, RecordPayload,
    SignInDeniedRecord, SignInRecord, UnlockDeniedRecord, UnlockRecord, WifiChange,
};

/// One observable fact: at `time`, `entity` did or saw `kind`, with details in `payload`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceRecord {
    #[serde(rename = "t_us", serialize_with = "serialize_time_us")]
    pub time: SimTime,
    pub entity: Entity,
    pub kind: String,
    /// A JSON object. Keys serialise in sorted order, so no map order reaches the output.
    pub payload: serde_json::Value,
}

fn serialize_time_us<S: serde::Serializer>(time: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(time.as_us())
}

impl TraceRecord {
    /// A record of any kind; kinds that something reads are written with
    /// [`TraceRecord::typed`] instead.
    pub fn new(
        time: SimTime,
        entity: Entity,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> TraceRecord {
        TraceRecord { time, entity, kind: kind.into(), payload }
    }

    /// The record as one line of JSON, without the newline.
    pub fn to_json_line(&self) -> String {
        // Serialising a struct of strings, integers and a `Value` cannot fail.
        serde_json::to_string(self).expect("trace record serialises")
    }
}

/// The payload of a `poll` record: one Bluetooth poll of a paired phone and what the PC made
/// of it. Polls are most of a long run's records, so they are typed: a sink that only hashes
/// them serialises this struct directly instead of building a [`serde_json::Value`] map per
/// poll. The JSON is byte for byte that of [`PollRecord::to_value`] (fields in sorted key order,
/// as a `Value` map serialises), which a test checks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct PollRecord<'a> {
    /// The absence threshold of the first locking signal's tracker after this poll.
    #[serde(rename = "absence_threshold")]
    pub absence_threshold_db: Option<i16>,
    /// Why the phone could not be reached, when it could not.
    #[serde(borrow)]
    pub absent_reason: Option<&'a str>,
    /// The true PC-phone distance, for reports only (Windows never knows it).
    pub distance_m: Option<f64>,
    pub phone: &'a str,
    /// Whether any locking signal considers the phone present after this poll.
    pub present: bool,
    #[serde(rename = "rssi")]
    pub rssi_db: Option<i16>,
}

impl<'a> PollRecord<'a> {
    /// The kind of every poll record.
    pub const KIND: &'static str = "poll";

    /// The payload as a JSON value, for sinks that keep records.
    pub fn to_value(&self) -> serde_json::Value {
        // Serialising plain integers, strings and floats into a `Value` cannot fail.
        serde_json::to_value(self).expect("poll record serialises")
    }

    /// A kept `poll` record read back, borrowing its strings; `None` for other kinds.
    pub fn read(record: &'a TraceRecord) -> Option<PollRecord<'a>> {
        if record.kind != PollRecord::KIND {
            return None;
        }
        PollRecord::deserialize(&record.payload).ok()
    }

    /// The full record, for sinks that keep records.
    pub fn to_trace_record(&self, time: SimTime, entity: &Entity) -> TraceRecord {
        TraceRecord::new(time, entity.clone(), PollRecord::KIND, self.to_value())
    }
}

/// Where a run sends its records.
pub trait TraceSink {
    fn record(&mut self, record: TraceRecord);

    /// A `poll` record. By default it becomes a [`TraceRecord`]; a sink that does not keep
    /// records overrides this to skip building one.
    fn record_poll(&mut self, time: SimTime, entity: &Entity, poll: &PollRecord<'_>) {
        self.record(poll.to_trace_record(time, entity));
    }
}

/// A 256-bit content hash of a trace's JSON Lines text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TraceHash(pub [u8; 32]);

impl fmt::Display for TraceHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TraceHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceHash({self})")
    }
}

/// A trace kept in memory, for tests, expectations and reports of single runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub records: Vec<TraceRecord>,
}

impl Trace {
    pub fn new() -> Trace {
        Trace::default()
    }

    /// The canonical JSON Lines text: one record per line, each line ending in `\n`.
    pub fn to_jsonl(&self) -> String {
        let mut text = String::new();
        for record in &self.records {
            text.push_str(&record.to_json_line());
            text.push('\n');
        }
        text
    }

    pub fn hash(&self) -> TraceHash {
        let mut hasher = TraceHasher::new();
        for record in &self.records {
            hasher.add(record);
        }
        hasher.finish()
    }
}

impl TraceSink for Trace {
    fn record(&mut self, record: TraceRecord) {
        self.records.push(record);
    }
}

/// Hashes records as they stream past, keeping none: memory does not grow with the run.
#[derive(Debug, Clone, Default)]
pub struct TraceHasher {
    hasher: Sha256,
    records_count: u64,
    /// The current record's JSON line (scratch space, kept between records).
    line: Vec<u8>,
}

impl TraceHasher {
    pub fn new() -> TraceHasher {
        TraceHasher::default()
    }

    pub fn records_count(&self) -> u64 {
        self.records_count
    }

    pub fn finish(self) -> TraceHash {
        TraceHash(self.hasher.finalize().into())
    }
}

impl TraceHasher {
    /// Hashes `record`'s JSON line and newline: the same bytes as
    /// [`TraceRecord::to_json_line`] plus `\n`, serialised into a reused buffer (no allocation
    /// per record once it has grown) and hashed in one update.
    pub fn add(&mut self, record: &TraceRecord) {
        write_record_line(&mut self.line, record);
        self.hasher.update(&self.line);
        self.records_count += 1;
    }

    /// Hashes a poll record: the same bytes as `poll.to_trace_record(time, entity)` would give
    /// [`TraceHasher::add`], without building it (see [`write_poll_line`]).
    pub fn add_poll(&mut self, time: SimTime, entity: &Entity, poll: &PollRecord<'_>) {
        write_poll_line(&mut self.line, time, entity, poll);
        self.hasher.update(&self.line);
        self.records_count += 1;
    }
}

/// Replaces `line` with `record`'s JSON line and its newline: [`TraceRecord::to_json_line`]
/// plus `\n`, into a buffer the caller reuses (no allocation per record once it has grown).
pub fn write_record_line(line: &mut Vec<u8>, record: &TraceRecord) {
    line.clear();
    // Serialising a struct of strings, integers and a `Value` into a Vec cannot fail.
    serde_json::to_writer(&mut *line, record).expect("trace record serialises");
    line.push(b'\n');
}

/// Replaces `line` with a poll record's JSON line and its newline: the same bytes as
/// `write_record_line(line, &poll.to_trace_record(time, entity))`, without building the record.
///
/// The line is written key by key: the keys are constants, so only the values go through the
/// JSON serialiser (which escapes strings and formats numbers exactly as it does inside a
/// `Value`). The layout is [`TraceRecord`]'s with `payload`'s keys in sorted order.
pub fn write_poll_line(line: &mut Vec<u8>, time: SimTime, entity: &Entity, poll: &PollRecord<'_>) {
    fn value<T: Serialize + ?Sized>(line: &mut Vec<u8>, value: &T) {
        // Integers, floats, booleans, strings and null into a Vec cannot fail.
        serde_json::to_writer(&mut *line, value).expect("poll field serialises");
    }
    line.clear();
    line.extend_from_slice(b"{\"t_us\":");
    value(line, &time.as_us());
    line.extend_from_slice(b",\"entity\":");
    value(line, entity.as_str());
    line.extend_from_slice(b",\"kind\":\"poll\",\"payload\":{\"absence_threshold\":");
    value(line, &poll.absence_threshold_db);
    line.extend_from_slice(b",\"absent_reason\":");
    value(line, &poll.absent_reason);
    line.extend_from_slice(b",\"distance_m\":");
    value(line, &poll.distance_m);
    line.extend_from_slice(b",\"phone\":");
    value(line, poll.phone);
    line.extend_from_slice(b",\"present\":");
    value(line, &poll.present);
    line.extend_from_slice(b",\"rssi\":");
    value(line, &poll.rssi_db);
    line.extend_from_slice(b"}}\n");
}

impl TraceSink for TraceHasher {
    fn record(&mut self, record: TraceRecord) {
        self.add(&record);
    }

    fn record_poll(&mut self, time: SimTime, entity: &Entity, poll: &PollRecord<'_>) {
        self.add_poll(time, entity, poll);
    }
}

/// Hashes every record by reference, then hands it on to another sink: the trace hash of a run
/// whatever its sink keeps, with no copy per record.
pub struct HashingSink<'a> {
    pub sink: &'a mut dyn TraceSink,
    pub hasher: &'a mut TraceHasher,
}

impl std::fmt::Debug for HashingSink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingSink").field("hasher", &self.hasher).finish()
    }
}

impl TraceSink for HashingSink<'_> {
    fn record(&mut self, record: TraceRecord) {
        self.hasher.add(&record);
        self.sink.record(record);
    }

    fn record_poll(&mut self, time: SimTime, entity: &Entity, poll: &PollRecord<'_>) {
        self.hasher.add_poll(time, entity, poll);
        self.sink.record_poll(time, entity, poll);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Trace {
        let mut trace = Trace::new();
        trace.record(TraceRecord::new(
            SimTime::from_us(1_500_000),
            Entity::pc("desk"),
            "lock",
            json!({"reason": "dynamic_lock", "rssi": -14}),
        ));
        trace.record(TraceRecord::new(
            SimTime::from_us(2_000_000),
            Entity::user("ana"),
            "walk",
            json!({}),
        ));
        trace
    }

    #[test]
    fn jsonl_is_canonical() {
        insta::assert_snapshot!(sample().to_jsonl(), @r#"
        {"t_us":1500000,"entity":"pc:desk","kind":"lock","payload":{"reason":"dynamic_lock","rssi":-14}}
        {"t_us":2000000,"entity":"user:ana","kind":"walk","payload":{}}
        "#);
    }

    #[test]
    fn streaming_hash_equals_collected_hash() {
        let trace = sample();
        let mut text_hasher = Sha256::new();
        text_hasher.update(trace.to_jsonl().as_bytes());
        let expected = TraceHash(text_hasher.finalize().into());
        assert_eq!(trace.hash(), expected);
    }

    /// A poll hashed typed and the same poll materialised as a record hash the same bytes.
    fn assert_poll_bytes_equal(time_us: u64, poll: &PollRecord<'_>) {
        let desk = Entity::pc("desk");
        let record = poll.to_trace_record(SimTime::from_us(time_us), &desk);
        let mut typed = TraceHasher::new();
        typed.add_poll(SimTime::from_us(time_us), &desk, poll);
        assert_eq!(typed.line, format!("{}\n", record.to_json_line()).into_bytes());
        let mut materialised = TraceHasher::new();
        materialised.add(&record);
        assert_eq!(typed.finish(), materialised.finish());
    }

    #[test]
    fn poll_record_has_the_documented_line() {
        let poll = PollRecord {
            absence_threshold_db: Some(-20),
            absent_reason: None,
            distance_m: Some(1.5),
            phone: "ana-phone",
            present: true,
            rssi_db: Some(-3),
        };
        insta::assert_snapshot!(poll.to_trace_record(SimTime::from_us(7), &Entity::pc("desk")).to_json_line(), @r#"{"t_us":7,"entity":"pc:desk","kind":"poll","payload":{"absence_threshold":-20,"absent_reason":null,"distance_m":1.5,"phone":"ana-phone","present":true,"rssi":-3}}"#);
        assert_poll_bytes_equal(7, &poll);
    }

    proptest::proptest! {
        #[test]
        fn typed_poll_hashes_as_its_materialised_record(
            time_us in proptest::prelude::any::<u64>(),
            absence_threshold_db in proptest::prelude::any::<Option<i16>>(),
            absent_reason in proptest::option::of("[a-z_\"\\\\\u{0}-\u{1f}é]{0,12}"),
            distance_m in proptest::option::of(proptest::prelude::any::<f64>()),
            phone in "[a-z\"\\\\ -]{0,12}",
            present in proptest::prelude::any::<bool>(),
            rssi_db in proptest::prelude::any::<Option<i16>>(),
        ) {
            let poll = PollRecord {
                absence_threshold_db,
                absent_reason: absent_reason.as_deref(),
                distance_m,
                phone: &phone,
                present,
                rssi_db,
            };
            assert_poll_bytes_equal(time_us, &poll);
        }
    }

    #[test]
    fn hash_is_sensitive_to_every_field() {
        let base = sample().hash();
        let mut later = sample();
        later.records[0].time = SimTime::from_us(1_500_001);
        assert_ne!(later.hash(), base);
        let mut renamed = sample();
        renamed.records[1].kind = "sit".into();
        assert_ne!(renamed.hash(), base);
    }
}
