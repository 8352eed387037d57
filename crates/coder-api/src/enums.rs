//! String enums that keep values they do not know. A newer coderd may add a state; the console
//! must show it rather than fail to read the whole agent.

/// Declares a string enum with its known variants and an `Unknown(String)` catch-all.
///
/// Generated: serde impls that round-trip any string, `as_str()`, `from_wire()`, `is_known()`,
/// `KNOWN`, `Display`, `FromStr` (never fails), `From<&str>`/`From<String>`, `AsRef<str>`, and
/// `Default` (the first known variant).
#[macro_export]
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant,)+
            /// A value this version does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// Every known variant, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// Reads a wire string; unknown strings are kept in `Unknown`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// Whether the value is one this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::KNOWN[0].clone()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from_wire(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::from_wire(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match $name::from_wire(&s) {
                    $name::Unknown(_) => $name::Unknown(s),
                    known => known,
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::__serde::Deserialize>::deserialize(d)?;
                Ok($name::from(s.into_owned()))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::open_enum! {
        /// A test enum.
        Fruit { Apple => "apple", BloodOrange => "blood-orange" }
    }

    #[test]
    fn known_values() {
        assert_eq!(Fruit::from_wire("blood-orange"), Fruit::BloodOrange);
        assert_eq!(Fruit::BloodOrange.as_str(), "blood-orange");
        assert_eq!(Fruit::Apple.to_string(), "apple");
        assert_eq!(Fruit::default(), Fruit::Apple);
        assert_eq!(Fruit::KNOWN.len(), 2);
        assert!(Fruit::Apple.is_known());
        assert_eq!("apple".parse::<Fruit>(), Ok(Fruit::Apple));
        assert_eq!(Fruit::from(String::from("apple")), Fruit::Apple);
    }

    #[test]
    fn unknown_values_round_trip() {
        let f: Fruit = serde_json::from_str("\"durian\"").unwrap();
        assert_eq!(f, Fruit::Unknown("durian".into()));
        assert!(!f.is_known());
        assert_eq!(f.as_ref(), "durian");
        assert_eq!(serde_json::to_string(&f).unwrap(), "\"durian\"");
        // Case matters on the wire: coderd's values are lowercase.
        assert_eq!(Fruit::from("Apple"), Fruit::Unknown("Apple".into()));
        // Escaped strings cannot be borrowed; they must still read.
        assert_eq!(
            serde_json::from_str::<Fruit>("\"\\u0061pple\"").unwrap(),
            Fruit::Apple
        );
    }

    #[test]
    fn non_strings_are_refused() {
        assert!(serde_json::from_str::<Fruit>("1").is_err());
        assert!(serde_json::from_str::<Fruit>("null").is_err());
        assert!(serde_json::from_str::<Option<Fruit>>("null")
            .unwrap()
            .is_none());
    }
}
