//! Lenient deserialisers for what Go's `encoding/json` sends: a nil slice or map is `null`, and a
//! nil pointer inside a collection is a `null` entry.
use serde::{Deserialize, Deserializer};
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

#[cfg(test)]
mod tests {
    use super::*;
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
