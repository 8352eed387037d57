//! Times as people read them: "3 min ago", with the exact time on hover.
use chrono::{DateTime, Datelike, Timelike, Utc};
use leptos::prelude::*;
use std::cell::Cell;

/// "just now", "42 s ago", "5 min ago", "3 h ago", "2 days ago" (or "in …" for future times).
pub fn relative(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds();
    let (ago, secs) = if secs >= 0 {
        (true, secs)
    } else {
        (false, -secs)
    };
    let span = match secs {
        0..=4 => return "just now".into(),
        5..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => {
            let days = secs / 86_400;
            format!("{days} day{}", if days == 1 { "" } else { "s" })
        }
    };
    if ago {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

/// The exact time, in UTC, for tooltips: "2026-11-28 22:06:39 UTC".
pub fn exact(t: DateTime<Utc>) -> String {
    format!(
        "{} UTC",
        datetime_attr(t).trim_end_matches('Z').replace('T', " ")
    )
}

/// A `datetime` attribute value to the second: "2026-11-28T22:06:39Z". Written by hand because
/// chrono's formatter would be the largest part of the first page's time code.
pub fn datetime_attr(t: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// "850 ms", "2.4 s", "3 min 05 s", "1 h 02 min": a duration as people read it. Integer
/// arithmetic only: Rust's float formatting would be the largest part of the first page's code.
pub fn format_duration(ms: f64) -> String {
    let ms = if ms.is_finite() {
        ms.max(0.0).round() as u64
    } else {
        0
    };
    if ms < 1_000 {
        return format!("{ms} ms");
    }
    if ms < 60_000 {
        let tenths = (ms + 50) / 100;
        return format!("{}.{} s", tenths / 10, tenths % 10);
    }
    let secs = (ms + 500) / 1_000;
    if secs < 3_600 {
        format!("{} min {:02} s", secs / 60, secs % 60)
    } else {
        format!("{} h {:02} min", secs / 3_600, (secs % 3_600) / 60)
    }
}

/// How often relative times are brought up to date.
const CLOCK_TICK_MS: u32 = 1_000;

/// The page's clock for relative times: one timer for every timestamp on the page, so "42 s ago"
/// keeps counting whether or not the data around it is re-read. It runs only while a timestamp
/// is shown.
struct Clock {
    now: ArcRwSignal<DateTime<Utc>>,
    users: Cell<usize>,
    timer: Cell<Option<IntervalHandle>>,
}

thread_local! {
    static CLOCK: Clock = Clock { now: ArcRwSignal::new(Utc::now()), users: Cell::new(0), timer: Cell::new(None) };
}

/// The page clock's time, counting (every second) for as long as the calling component lives.
pub fn clock() -> ArcRwSignal<DateTime<Utc>> {
    on_cleanup(|| {
        CLOCK.with(|c| {
            c.users.set(c.users.get() - 1);
            if c.users.get() == 0 {
                if let Some(timer) = c.timer.take() {
                    timer.clear();
                }
            }
        })
    });
    CLOCK.with(|c| {
        if c.users.get() == 0 {
            c.now.set(Utc::now());
            let tick = c.now.clone();
            let every = std::time::Duration::from_millis(u64::from(CLOCK_TICK_MS));
            c.timer
                .set(set_interval_with_handle(move || tick.set(Utc::now()), every).ok());
        }
        c.users.set(c.users.get() + 1);
        c.now.clone()
    })
}

/// A `<time>` showing a relative time that keeps counting, exact on hover; "—" when absent.
#[component]
pub fn Timestamp(#[prop(into)] at: Signal<Option<DateTime<Utc>>>) -> impl IntoView {
    let now = clock();
    move || match at.get() {
        Some(t) => {
            let now = now.clone();
            view! {
                <time datetime=datetime_attr(t) title=exact(t)>
                    {move || relative(t, now.get())}
                </time>
            }
            .into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_well() {
        use super::format_duration;
        assert_eq!(format_duration(850.4), "850 ms");
        assert_eq!(format_duration(2_449.0), "2.4 s");
        assert_eq!(format_duration(185_000.0), "3 min 05 s");
        assert_eq!(format_duration(3_720_000.0), "1 h 02 min");
        assert_eq!(format_duration(-5.0), "0 ms");
        assert_eq!(format_duration(59_960.0), "60.0 s");
        assert_eq!(format_duration(f64::NAN), "0 ms");
    }

    use super::*;
    use chrono::Duration;

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now - Duration::seconds(42), now), "42 s ago");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(relative(now - Duration::hours(3), now), "3 h ago");
        assert_eq!(relative(now - Duration::days(1), now), "1 day ago");
        assert_eq!(relative(now + Duration::minutes(2), now), "in 2 min");
    }

    #[test]
    fn exact_times_are_utc_to_the_second() {
        let t = DateTime::parse_from_rfc3339("2026-03-04T05:06:07.891+01:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(exact(t), "2026-03-04 04:06:07 UTC");
        assert_eq!(datetime_attr(t), "2026-03-04T04:06:07Z");
    }
}
