//! Randomness for jitter and idempotency keys.


/// A draw in [0, 1).
pub fn unit() -> f64 {
    js_sys::Math::random()
}

/// A fresh `Idempotency-Key`: 128 random bits as hex. `Math.random` is enough
/// here: the key must be unique per request, not unguessable, and it exists in
/// every runtime (unlike `crypto.randomUUID`, missing on insecure origins).
pub fn idempotency_key() -> String {
    let mut out = String::with_capacity(36);
    out.push_str("ivm-");
    for _ in 0..4 {
        let word = (unit() * 4_294_967_296.0) as u32;
        for shift in (0..8).rev() {
            let digit = (word >> (shift * 4)) & 0xf;
            out.push(char::from_digit(digit, 16).unwrap_or('0'));
        }
    }
    out
}
