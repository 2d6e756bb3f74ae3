//! Computes what polling a build costs under a schedule, with the pure
//! schedule of `core::poll`: the requests spent and how late `ready` is seen.
//! Used by `npm run bench`; prints one JSON line per (schedule, build time).
//!
//! `cargo run --release --example poll_cost -- 5000 60000 600000`

use instavm_wasm::core::poll::{delay_ms, DEFAULT_INTERVAL_MS, DEFAULT_MAX_INTERVAL_MS};

/// Polls from t = 0 (the first, immediate poll) until one at or after `build_ms`.
fn simulate(build_ms: f64, next: &dyn Fn(u32) -> f64) -> (u32, f64) {
    let (mut t, mut requests, mut n) = (0.0, 1, 0);
    while t < build_ms {
        t += next(n);
        requests += 1;
        n += 1;
    }
    (requests, t - build_ms)
}

fn main() {
    let builds: Vec<f64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    for build_ms in builds {
        // The jitter draw is fixed at its mean (0.5) so the figures repeat.
        let schedules: [(&str, Box<dyn Fn(u32) -> f64>); 3] = [
            ("default (1 s growing 1.5x to 5 s)", Box::new(|n| delay_ms(n, DEFAULT_INTERVAL_MS, DEFAULT_MAX_INTERVAL_MS, 0.5))),
            ("fixed 1 s", Box::new(|_| 1000.0)),
            ("fixed 5 s", Box::new(|_| 5000.0)),
        ];
        for (name, next) in schedules {
            // Builds end at arbitrary moments: average over 100 end times
            // spread across the 5 s after the nominal one.
            let runs: Vec<(u32, f64)> = (0..100).map(|k| simulate(build_ms + f64::from(k) * 50.0, &next)).collect();
            let mean_requests = runs.iter().map(|r| f64::from(r.0)).sum::<f64>() / runs.len() as f64;
            let mean_late = runs.iter().map(|r| r.1).sum::<f64>() / runs.len() as f64;
            let max_late = runs.iter().map(|r| r.1).fold(0.0, f64::max);
            println!(
                r#"{{"schedule":"{name}","build_ms":{build_ms},"requests":{mean_requests:.1},"mean_detection_delay_ms":{mean_late:.0},"max_detection_delay_ms":{max_late:.0}}}"#
            );
        }
    }
}
