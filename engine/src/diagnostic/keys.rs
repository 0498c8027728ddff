//! The keys a YAML loader accepts, read from the serde structs themselves: what the format
//! reference pages (`docs/formats/`) are checked against, and what `scenarios`' language tests
//! compare their tables with.
//!
//! A derived `Deserialize` of a struct asks its deserializer for a struct with a fixed list of
//! field names (renames applied). [`keys_of`] hands it a deserializer that records that list and
//! stops, so nothing is parsed and no value is needed.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Stops a deserialisation once the struct's field names are known.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names collected")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Stop {
        Stop
    }
}

/// A deserializer that records the field names a derived `Deserialize` asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = fields;
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The YAML keys of a struct with a derived `Deserialize`, renames applied, in declaration
/// order. Empty for a type that is not read as a struct (an enum, a list, a hand-written
/// `Deserialize` that asks for a map).
pub fn keys_of<T: for<'de> serde::Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _stopped = T::deserialize(FieldNames(&mut fields));
    fields
}

/// The keys a reference page documents under the heading `heading` (a line `## heading` or
/// `### heading`, compared without the `#`s): the first cell of every table row up to the next
/// heading, when it is one backquoted word (`` | `seed` | ``). `None` when the page has no such
/// heading. The format pages under `docs/formats/` give every struct of a loader one heading
/// and one table, and tests compare these keys with [`keys_of`].
pub fn documented_keys<'a>(page: &'a str, heading: &str) -> Option<Vec<&'a str>> {
    let mut lines = page.lines();
    lines
        .by_ref()
        .find(|line| line.starts_with('#') && line.trim_start_matches('#').trim() == heading)?;
    let keys = lines
        .take_while(|line| !line.starts_with('#'))
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once("` |").map(|(key, _)| key))
        .filter(|key| !key.contains([' ', '`']))
        .collect();
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::{documented_keys, keys_of};

    #[test]
    fn documented_keys_are_the_first_cells_under_the_heading() {
        let page = "# Page\n\n## `a`\n\n| key | meaning |\n| --- | --- |\n| `x` | one |\n\
                    | `y z` | not a key |\n\n## `b`\n\n| `w` | two |\n";
        assert_eq!(documented_keys(page, "`a`"), Some(vec!["x"]));
        assert_eq!(documented_keys(page, "`b`"), Some(vec!["w"]));
        assert_eq!(documented_keys(page, "c"), None);
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "only its keys are read")]
    struct Sample {
        first: u32,
        #[serde(rename = "type")]
        type_: String,
    }

    #[test]
    fn keys_are_the_fields_with_renames_and_nothing_for_a_map() {
        assert_eq!(keys_of::<Sample>(), ["first", "type"]);
        assert!(keys_of::<std::collections::BTreeMap<String, u32>>().is_empty());
    }
}
