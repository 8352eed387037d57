//! Latency by relay region: each region's current round trip, and its history since the page
//! opened (coderd keeps none and its dashboard shows only the current value, in a tooltip). Each
//! re-read of the agent adds a point per region it reports; a region it stops reporting keeps its
//! history and says so.
use super::model::span;
use crate::state::use_agent;
use crate::ui::status::Tone;
use coder_api::DerpRegionLatency;
use leptos::prelude::*;
use std::collections::{BTreeMap, VecDeque};

/// Points kept per region: at the agent page's re-read interval, several minutes.
pub const MAX_POINTS: usize = 240;

/// One region's line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionHistory {
    /// `(ms since the epoch, latency ms)`, oldest first.
    pub points: VecDeque<(f64, f64)>,
    /// Whether the latest read of the agent listed the region.
    pub reported: bool,
    pub preferred: bool,
}

/// Every region seen since the page opened, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatencyHistory {
    pub regions: BTreeMap<String, RegionHistory>,
}

impl LatencyHistory {
    /// Adds one read of the agent's `latency` map at `now_ms`.
    pub fn record(&mut self, latency: Option<&BTreeMap<String, DerpRegionLatency>>, now_ms: f64) {
        for region in self.regions.values_mut() {
            region.reported = false;
        }
        for (name, l) in latency.into_iter().flatten() {
            let region = self.regions.entry(name.clone()).or_default();
            region.reported = true;
            region.preferred = l.preferred;
            if !l.latency_ms.is_finite() || l.latency_ms < 0.0 {
                continue;
            }
            if region.points.back().is_some_and(|(t, _)| *t >= now_ms) {
                continue;
            }
            if region.points.len() == MAX_POINTS {
                region.points.pop_front();
            }
            region.points.push_back((now_ms, l.latency_ms));
        }
    }

    /// Regions in the order the card lists them: reported before gone, the preferred first, then
    /// fastest (by latest value), then by name.
    pub fn ordered(&self) -> Vec<(&String, &RegionHistory)> {
        let latest = |r: &RegionHistory| r.points.back().map_or(f64::INFINITY, |(_, v)| *v);
        let mut all: Vec<_> = self.regions.iter().collect();
        all.sort_by(|a, b| {
            (b.1.reported, b.1.preferred)
                .cmp(&(a.1.reported, a.1.preferred))
                .then(latest(a.1).total_cmp(&latest(b.1)))
                .then(a.0.cmp(b.0))
        });
        all
    }
}

/// How a round trip reads: fine below 150 ms, slow below 300 ms, else poor.
pub fn latency_tone(ms: f64) -> Tone {
    if ms < 150.0 {
        Tone::Ok
    } else if ms < 300.0 {
        Tone::Warning
    } else {
        Tone::Danger
    }
}

/// The card: a line per region, recorded while the overview is open.
#[component]
pub fn LatencyCard() -> impl IntoView {
    let agent = use_agent().agent;
    let history = RwSignal::new(LatencyHistory::default());
    // Named for what it does: every re-read of the agent is one point per region.
    let record_each_read = move || {
        agent.with(|l| {
            if let Some(a) = &l.value {
                let now = js_sys::Date::now();
                history.update(|h| h.record(a.latency.as_ref(), now));
            }
        })
    };
    Effect::new(record_each_read);
    let rows = move || {
        history.with(|h| {
            if h.regions.is_empty() {
                return view! { <p class="muted">"No latency reported yet."</p> }.into_any();
            }
            view! {
                <ul class="metadata-list latency-history">
                    {h.ordered().into_iter().map(|(name, r)| region_row(name, r)).collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    view! {
        <section class="card" aria-labelledby="ov-latency">
            <h2 id="ov-latency">"Latency by relay region"</h2>
            {rows}
        </section>
    }
}

fn region_row(name: &str, r: &RegionHistory) -> impl IntoView {
    let latest = r.points.back().map(|(_, v)| *v);
    let tone = latest.map_or(Tone::Neutral, latency_tone);
    let now = latest.map(|v| format!("{} ms", v.round() as i64));
    let range = span(&r.points)
        .filter(|_| r.points.len() > 1)
        .map(|(lo, hi)| format!("{}–{} ms", lo.round() as i64, hi.round() as i64));
    let label = format!("Latency to {name} since this page opened");
    view! {
        <li class="metadata-item" class:stale=!r.reported>
            <span class="md-name">{name.to_owned()} {r.preferred.then_some(" (preferred)")}</span>
            <span class=format!(
                "md-value latency-value {}",
                tone.class(),
            )>{now.unwrap_or_else(|| "—".into())}</span>
            <span class="md-age">
                {if r.reported { range.unwrap_or_default() } else { "no longer reported".into() }}
            </span>
            {super::sparkline(&r.points, label)}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, f64, bool)]) -> BTreeMap<String, DerpRegionLatency> {
        pairs
            .iter()
            .map(|(n, ms, preferred)| {
                (
                    n.to_string(),
                    DerpRegionLatency {
                        preferred: *preferred,
                        latency_ms: *ms,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn each_read_adds_a_point_per_region_and_keeps_a_region_that_left() {
        let mut h = LatencyHistory::default();
        h.record(
            Some(&map(&[("a", 10.0, true), ("b", 30.0, false)])),
            1_000.0,
        );
        h.record(Some(&map(&[("a", 12.0, true)])), 2_000.0);
        h.record(None, 3_000.0);
        let a = &h.regions["a"];
        assert_eq!(a.points, VecDeque::from([(1_000.0, 10.0), (2_000.0, 12.0)]));
        assert!(!a.reported);
        assert_eq!(h.regions["b"].points.len(), 1);
        h.record(
            Some(&map(&[("b", 31.0, true), ("a", 11.0, false)])),
            4_000.0,
        );
        let names: Vec<_> = h.ordered().into_iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["b", "a"], "the preferred region first");
        h.record(
            Some(&map(&[("c", 90.0, false), ("a", 40.0, false)])),
            5_000.0,
        );
        let names: Vec<_> = h.ordered().into_iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "c", "b"], "fastest first, a region gone last");
    }

    #[test]
    fn tones() {
        assert_eq!(latency_tone(20.0), Tone::Ok);
        assert_eq!(latency_tone(200.0), Tone::Warning);
        assert_eq!(latency_tone(300.0), Tone::Danger);
    }

    #[test]
    fn bounded_ordered_in_time_and_blind_to_nonsense() {
        let mut h = LatencyHistory::default();
        for i in 0..(MAX_POINTS + 50) {
            h.record(Some(&map(&[("a", i as f64, false)])), i as f64);
        }
        // The same instant twice, a negative and a NaN value add nothing.
        h.record(Some(&map(&[("a", 5.0, false)])), 0.0);
        h.record(Some(&map(&[("a", -1.0, false)])), 1e9);
        h.record(Some(&map(&[("a", f64::NAN, false)])), 2e9);
        let a = &h.regions["a"];
        assert_eq!(a.points.len(), MAX_POINTS);
        assert_eq!(a.points.front().unwrap().0, 50.0);
        assert!(a.reported);
    }
}
