//! The trace: every observable record of a run, in order, as JSON Lines with a stable hash.
//!
//! A record is (time, entity, kind, payload). The JSON Lines text of a trace is its canonical
//! form; the trace hash is SHA-256 over exactly those bytes, so a hash computed while streaming
//! ([`TraceHasher`]) equals the hash of the collected trace ([`Trace`]).

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::time::SimTime;

/// One observable fact: at `time`, `entity` did or saw `kind`, with details in `payload`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceRecord {
    #[serde(rename = "t_us", serialize_with = "serialize_time_us")]
    pub time: SimTime,
    pub entity: String,
    pub kind: String,
    /// A JSON object. Keys serialise in sorted order, so no map order reaches the output.
    pub payload: serde_json::Value,
}

fn serialize_time_us<S: serde::Serializer>(time: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(time.as_us())
}

impl TraceRecord {
    pub fn new(
        time: SimTime,
        entity: impl Into<String>,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> TraceRecord {
        TraceRecord { time, entity: entity.into(), kind: kind.into(), payload }
    }

    /// The record as one line of JSON, without the newline.
    pub fn to_json_line(&self) -> String {
        // Serialising a struct of strings, integers and a `Value` cannot fail.
        serde_json::to_string(self).expect("trace record serialises")
    }
}

/// Where a run sends its records.
pub trait TraceSink {
    fn record(&mut self, record: TraceRecord);
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
        self.line.clear();
        // Serialising a struct of strings, integers and a `Value` into a Vec cannot fail.
        serde_json::to_writer(&mut self.line, record).expect("trace record serialises");
        self.line.push(b'\n');
        self.hasher.update(&self.line);
        self.records_count += 1;
    }
}

impl TraceSink for TraceHasher {
    fn record(&mut self, record: TraceRecord) {
        self.add(&record);
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Trace {
        let mut trace = Trace::new();
        trace.record(TraceRecord::new(
            SimTime::from_us(1_500_000),
            "pc:desk",
            "lock",
            json!({"reason": "dynamic_lock", "rssi": -14}),
        ));
        trace.record(TraceRecord::new(SimTime::from_us(2_000_000), "user:ana", "walk", json!({})));
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
