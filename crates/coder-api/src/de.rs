//! Lenient deserialisers for what Go's `encoding/json` sends: a nil slice or map is `null`, and a
//! nil pointer inside a collection is a `null` entry.
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// `null` (or, with `#[serde(default)]`, an absent field) becomes the type's default.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list that may be `null` and may hold `null` entries (Go's `[]*T`); both are dropped.
pub fn vec_skip_nulls<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Option::<Vec<Option<T>>>::deserialize(d)?.unwrap_or_default();
    Ok(items.into_iter().flatten().collect())
}

/// A map that may be `null` and may hold `null` values (Go's `map[K]*V`); both are dropped.
pub fn map_skip_nulls<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    let entries = Option::<BTreeMap<String, Option<V>>>::deserialize(d)?.unwrap_or_default();
    Ok(entries
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

/// An RFC 3339 time, accepting what chrono's `parse_from_rfc3339` accepts, parsed by hand: it is
/// several times faster for a log backlog (one time per line), and it keeps chrono's general
/// date parser, the largest part of its code, out of the web app.
pub fn rfc3339_utc<'de, D>(d: D) -> Result<DateTime<Utc>, D::Error>
where
    D: Deserializer<'de>,
{
    time_from_text(&Cow::<'de, str>::deserialize(d)?)
}

/// [`rfc3339_utc`] for a time that may be `null` or (with `#[serde(default)]`) absent.
pub fn rfc3339_utc_opt<'de, D>(d: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<Cow<'de, str>>::deserialize(d)?
        .map(|text| time_from_text(&text))
        .transpose()
}

/// A Go `time.Time` that may be its zero value (`0001-01-01T00:00:00Z`, written when a time was
/// never set), `null` or absent: all of these read as `None`.
pub fn go_time_opt<'de, D>(d: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    use chrono::Datelike as _;
    Ok(rfc3339_utc_opt(d)?.filter(|t| t.year() > 1))
}

/// Writes an optional time as Go writes a `time.Time`: `None` is the zero time, never `null`.
pub fn write_go_time_opt<S>(time: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
{
    match time {
        Some(t) => serde::Serialize::serialize(t, s),
        None => s.serialize_str(GO_ZERO_TIME),
    }
}

/// A Go string where empty means "none": `""`, `null` and absent read as `None`.
pub fn empty_as_none<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// Writes `None` as Go writes an unset string: `""`.
pub fn none_as_empty<S>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
{
    s.serialize_str(value.as_deref().unwrap_or_default())
}

/// Go's zero `time.Time` as encoding/json writes it.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn time_from_text<E: serde::de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    parse_rfc3339(text).ok_or_else(|| E::custom(format_args!("invalid RFC 3339 time `{text}`")))
}

/// `YYYY-MM-DD(T|t| )HH:MM:SS[.digits](Z|z|±HH:MM)`, as chrono reads it: fractions beyond
/// nanoseconds are cut, and a leap second (`:60`) is kept the way chrono represents it.
pub fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        b.get(from..from + len)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut i = 19;
    let mut nanos = 0;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let kept = digits.min(9);
        nanos = num(i + 1, kept)? * 10u32.pow(9 - kept as u32);
        i += 1 + digits;
    }
    let offset_secs = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i32::try_from(h * 3600 + m * 60).ok()?;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    // chrono keeps a leap second as second 59 with a nanosecond count past one second.
    let (sec, nanos) = match sec {
        0..=59 => (sec, nanos),
        60 => (59, nanos + 1_000_000_000),
        _ => return None,
    };
    let local = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_nano_opt(hour, min, sec, nanos)?;
    Some(
        DateTime::<FixedOffset>::from_naive_utc_and_offset(
            local - chrono::TimeDelta::seconds(offset_secs.into()),
            FixedOffset::east_opt(offset_secs)?,
        )
        .with_timezone(&Utc),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_exactly_as_chrono_does() {
        let cases = [
            "2024-05-01T12:34:56Z",
            "2024-05-01T12:34:56.1Z",
            "2024-05-01T12:34:56.123456Z",
            "2024-05-01T12:34:56.123456789Z",
            "2024-05-01T00:10:00+02:00",
            "2024-05-01T23:59:59.5-07:30",
            "1999-12-31T23:59:59-00:00",
            "2024-02-29T01:02:03Z",
            // Less usual spellings chrono accepts too.
            "2024-05-01t12:34:56z",
            "2024-05-01 12:34:56Z",
            "2024-05-01T12:34:56.1234567891Z",
            "2016-12-31T23:59:60Z",
        ];
        for s in cases {
            let ours: DateTime<Utc> = rfc3339_utc(serde_json::Value::String(s.into()))
                .unwrap_or_else(|e| panic!("{s}: {e}"));
            let chrono = DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
            assert_eq!(ours, chrono, "{s}");
        }
    }

    #[test]
    fn bad_times_are_refused_like_chrono_refuses_them() {
        for s in [
            "2024-02-30T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:34:56",
            "2024-05-01T12:34:56+25:00",
            "2024-05-01T12:34:56.Z",
            "2024-05-01T12:34:61Z",
            "2024-05-01T12:34:56+0200",
            "2024-05-01T12:34:56ZZ",
            "yesterday",
            "２０２４-05-01T12:34:56Z",
            "",
        ] {
            let ours = rfc3339_utc(serde_json::Value::String(s.into()));
            assert!(DateTime::parse_from_rfc3339(s).is_err(), "{s}");
            let err = ours.expect_err(s).to_string();
            assert!(
                err.contains("invalid RFC 3339 time") && err.contains(s),
                "{s}: {err}"
            );
        }
        assert!(rfc3339_utc(serde_json::json!(17)).is_err());
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Times {
        #[serde(default, deserialize_with = "rfc3339_utc_opt")]
        at: Option<DateTime<Utc>>,
    }

    #[test]
    fn optional_times_may_be_absent_or_null_but_not_wrong() {
        assert_eq!(serde_json::from_str::<Times>("{}").unwrap().at, None);
        assert_eq!(
            serde_json::from_str::<Times>(r#"{"at":null}"#).unwrap().at,
            None
        );
        let at = serde_json::from_str::<Times>(r#"{"at":"2024-05-01T12:34:56+02:00"}"#)
            .unwrap()
            .at;
        assert_eq!(
            at,
            Some(
                DateTime::parse_from_rfc3339("2024-05-01T10:34:56Z")
                    .unwrap()
                    .with_timezone(&Utc)
            )
        );
        assert!(serde_json::from_str::<Times>(r#"{"at":"soon"}"#).is_err());
    }
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Holder {
        #[serde(default, deserialize_with = "null_as_default")]
        list: Vec<u8>,
        #[serde(default, deserialize_with = "vec_skip_nulls")]
        sparse: Vec<u8>,
        #[serde(default, deserialize_with = "map_skip_nulls")]
        map: BTreeMap<String, u8>,
    }

    #[test]
    fn absent_null_and_present() {
        let absent: Holder = serde_json::from_str("{}").unwrap();
        let nulls: Holder =
            serde_json::from_str(r#"{"list":null,"sparse":null,"map":null}"#).unwrap();
        assert_eq!(absent, nulls);
        assert!(absent.list.is_empty() && absent.sparse.is_empty() && absent.map.is_empty());
        let full: Holder =
            serde_json::from_str(r#"{"list":[1],"sparse":[null,2,null],"map":{"a":3,"b":null}}"#)
                .unwrap();
        assert_eq!(full.list, vec![1]);
        assert_eq!(full.sparse, vec![2]);
        assert_eq!(full.map.len(), 1);
    }

    #[test]
    fn wrong_types_still_fail() {
        assert!(serde_json::from_str::<Holder>(r#"{"list":"x"}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"sparse":[1,"x"]}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"map":[]}"#).is_err());
    }
}
