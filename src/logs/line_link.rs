//! Line links: `#L<id>` names one log line, `#L<a>-L<b>` a range, by the ids coderd gives lines
//! (stable across reloads, pages and devices). The address's fragment may hold other parts
//! joined by `&` (a sign-in link's `token=…`), which are left alone.

/// A line or an inclusive range of lines, by log id; `from <= to` always.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRange {
    pub from: i64,
    pub to: i64,
}

impl LineRange {
    /// One line.
    pub fn line(id: i64) -> Self {
        LineRange { from: id, to: id }
    }

    /// The lines between two ids, whichever comes first.
    pub fn between(a: i64, b: i64) -> Self {
        LineRange {
            from: a.min(b),
            to: a.max(b),
        }
    }

    pub fn contains(&self, id: i64) -> bool {
        (self.from..=self.to).contains(&id)
    }

    /// The range after a click on line `id`: shift-click extends from the range's first line
    /// (its anchor), a plain click names that line alone.
    pub fn clicked(current: Option<LineRange>, id: i64, extend: bool) -> Self {
        match current {
            Some(r) if extend => LineRange::between(r.from, id),
            _ => LineRange::line(id),
        }
    }

    /// The fragment part naming it: `L12` or `L12-L40`.
    pub fn fragment(&self) -> String {
        if self.from == self.to {
            format!("L{}", self.from)
        } else {
            format!("L{}-L{}", self.from, self.to)
        }
    }

    /// Reads the first part of a fragment (with or without its `#`) that names lines; anything
    /// else (negative, non-digits, numbers beyond i64) names none.
    pub fn from_fragment(fragment: &str) -> Option<Self> {
        fragment
            .trim_start_matches('#')
            .split('&')
            .find_map(Self::from_part)
    }

    fn from_part(part: &str) -> Option<Self> {
        let id = |s: &str| -> Option<i64> {
            let digits = s.strip_prefix('L')?;
            if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            digits.parse().ok()
        };
        match part.split_once('-') {
            Some((a, b)) => Some(LineRange::between(id(a)?, id(b)?)),
            None => id(part).map(LineRange::line),
        }
    }
}

/// The fragment with its line part replaced by `range` (or removed), other parts kept in order.
pub fn with_range(fragment: &str, range: Option<LineRange>) -> String {
    let mut parts: Vec<String> = fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty() && LineRange::from_part(p).is_none())
        .map(str::to_owned)
        .collect();
    if let Some(r) = range {
        parts.insert(0, r.fragment());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("#{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_name_a_line_or_a_range() {
        assert_eq!(LineRange::from_fragment("#L42"), Some(LineRange::line(42)));
        assert_eq!(
            LineRange::from_fragment("L40-L12"),
            Some(LineRange { from: 12, to: 40 })
        );
        assert_eq!(
            LineRange::from_fragment("#token=x&L7"),
            Some(LineRange::line(7))
        );
        for bad in [
            "",
            "#",
            "#L",
            "#L-3",
            "#l5",
            "#L5x",
            "#L1-",
            "#L1-L",
            "#L99999999999999999999",
            "#L1-5",
            "#<b>",
        ] {
            assert_eq!(LineRange::from_fragment(bad), None, "{bad:?}");
        }
        let r = LineRange { from: 3, to: 9 };
        assert_eq!(LineRange::from_fragment(&r.fragment()), Some(r));
        assert_eq!(LineRange::line(5).fragment(), "L5");
        assert!(r.contains(3) && r.contains(9) && !r.contains(10));
    }

    #[test]
    fn shift_click_extends_from_the_first_line() {
        let one = LineRange::clicked(None, 10, true);
        assert_eq!(one, LineRange::line(10));
        let down = LineRange::clicked(Some(one), 15, true);
        assert_eq!(down, LineRange { from: 10, to: 15 });
        let up = LineRange::clicked(Some(one), 4, true);
        assert_eq!(up, LineRange { from: 4, to: 10 });
        assert_eq!(
            LineRange::clicked(Some(down), 20, false),
            LineRange::line(20)
        );
    }

    #[test]
    fn other_fragment_parts_are_kept() {
        assert_eq!(with_range("", Some(LineRange::line(3))), "#L3");
        assert_eq!(
            with_range("#L3&theme=dark", Some(LineRange::between(1, 2))),
            "#L1-L2&theme=dark"
        );
        assert_eq!(with_range("#L3", None), "");
        assert_eq!(with_range("#x=1&L3", None), "#x=1");
    }
}
