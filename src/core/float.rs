//! The few f64 operations the core needs. They live in std, not core, so the
//! no_std wasm build has them here. `trunc` and `fract` are exact; `powi`
//! rounds at each step, as std's may (the schedules cap what it returns).

/// Above 2^52 every f64 is a whole number.
const ALL_WHOLE: f64 = 4_503_599_627_370_496.0;

/// `x` without its fractional part (towards zero), for finite `x`.
pub fn trunc(x: f64) -> f64 {
    if !(x.abs() < ALL_WHOLE) {
        x
    } else {
        x as i64 as f64
    }
}

/// The fractional part of `x` (`x - trunc(x)`); NaN for infinities, as std.
pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

/// `base` to a small whole power, by repeated multiplication (exact for the
/// powers of two and ten the core uses).
pub fn powi(base: f64, exp: u32) -> f64 {
    let mut out = 1.0;
    for _ in 0..exp {
        out *= base;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agree_with_std() {
        for x in [0.0, -0.0, 0.5, -0.5, 1.0, 2.75, -2.75, 1e15 + 0.5, 9.1e15, 1e300, -1e300, f64::MAX] {
            assert_eq!(trunc(x), x.trunc(), "trunc {x}");
            assert_eq!(fract(x), x.fract(), "fract {x}");
        }
        assert!(fract(f64::INFINITY).is_nan());
        assert!(fract(f64::NAN).is_nan());
        for e in 0..20 {
            assert_eq!(powi(2.0, e), 2f64.powi(e as i32));
            assert_eq!(powi(10.0, e), 10f64.powi(e as i32));
            assert_eq!(powi(1.5, e), 1.5f64.powi(e as i32), "1.5^{e}");
        }
    }
}
