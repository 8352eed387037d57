//! Native throughput of the log view's ANSI parser on hostile input (`ansi_hostile_mb_per_s` of
//! `make bench`). Ignored in normal test runs; bench/run.mjs runs it with
//! `cargo test --release --test ansi_bench -- --ignored --nocapture` and reads the
//! `ansi_hostile_mb_per_s=` line.

use std::time::Instant;

use agent_console_app::logs::ansi::{hostile_ansi_sample, parse_line};

#[test]
#[ignore = "benchmark: run by make bench"]
fn ansi_hostile_throughput() {
    const BYTES: usize = 8 << 20;
    let sample = hostile_ansi_sample(BYTES);
    let lines: Vec<&str> = sample.split('\n').collect();
    // Warm up, then the best of five passes (the least disturbed by the rest of the machine).
    let mut hidden = 0usize;
    for l in &lines {
        hidden += parse_line(l).plain_text().len();
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for l in &lines {
            hidden += std::hint::black_box(parse_line(l)).plain_text().len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mb_per_s = sample.len() as f64 / 1e6 / best;
    println!(
        "ansi: {} bytes in {} lines, best pass {:.1} ms ({hidden} visible bytes)",
        sample.len(),
        lines.len(),
        best * 1000.0
    );
    println!("ansi_hostile_mb_per_s={mb_per_s:.1}");
}
