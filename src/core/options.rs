//! Client and per-call options: read once, checked once, with defaults applied.


use super::error::ClientError;
use super::poll;
use super::validate::{duration_ms, integer_in, present, show_number, string};
use super::value::Value;

/// The cloud API. Pointing the client at the emulator only changes this.
pub const DEFAULT_BASE_URL: &str = "https://api.instavm.io";
pub const DEFAULT_TIMEOUT_MS: f64 = 60_000.0;
pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const MAX_RETRIES_LIMIT: i64 = 10;

/// Checked client configuration. `Debug` is written by hand so the key can
/// never be printed.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// Empty when the caller said on purpose that there is none
    /// (`apiKey: null`): a proxy in front of the API adds it.
    pub api_key: String,
    /// Absolute, without a trailing slash.
    pub base_url: String,
    pub timeout_ms: f64,
    pub max_retries: u32,
    /// Extra headers, sent on every request before the client's own.
    pub headers: Vec<(String, String)>,
}

impl ::core::fmt::Debug for Config {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("headers", &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

/// The keys of `new InstaVM({ ... })`.
pub const CLIENT_KEYS: [&str; 8] = ["apiKey", "baseUrl", "timeoutMs", "maxRetries", "fetch", "headers", "onRetry", "dangerouslyAllowBrowser"];
/// The keys every call's options take.
pub const CALL_KEYS: [&str; 2] = ["signal", "timeoutMs"];
/// The keys of a wait's options (`waitUntilReady`, `watch`, `{ wait: true }`).
pub const WAIT_KEYS: [&str; 7] = ["signal", "timeoutMs", "pollIntervalMs", "maxPollIntervalMs", "onStatus", "onRetry", "maxOutageMs"];

/// Reads `new InstaVM(options)`: either the key alone (a string) or an object
/// `{ apiKey, baseUrl, timeoutMs, maxRetries, fetch, headers, onRetry }`
/// (`fetch` and `onRetry` are the platform's to read). An unknown key is refused by name. The JS layer
/// has already filled `apiKey` and `baseUrl` from the environment where the
/// runtime has one and the caller left them out.
pub fn parse_config(options: &Value) -> Result<Config, ClientError> {
    super::keys::only_known("", options, &CLIENT_KEYS)?;
    let (key, opts) = match options {
        Value::String(_) => (Some(options), None),
        Value::Object(_) => (present(options.get("apiKey")), Some(options)),
        other => {
            return Err(ClientError::invalid(
                "options",
                format!("must be an API key string or an options object with apiKey, got {}", other.type_name()),
            ))
        }
    };
    // `apiKey: null`: no key on purpose (a proxy adds it), unlike a key left out.
    let api_key = if options.get("apiKey") == Some(&Value::Null) { String::new() } else { parse_api_key(key)? };
    let get = |k: &str| opts.and_then(|o| present(o.get(k)));
    let base_url = match get("baseUrl") {
        Some(v) => normalise_base_url(string("baseUrl", v)?)?,
        None => DEFAULT_BASE_URL.to_string(),
    };
    let timeout_ms = get("timeoutMs").map_or(Ok(DEFAULT_TIMEOUT_MS), |v| duration_ms("timeoutMs", v))?;
    let max_retries = match get("maxRetries") {
        Some(v) => integer_in("maxRetries", v, 0, MAX_RETRIES_LIMIT)? as u32,
        None => DEFAULT_MAX_RETRIES,
    };
    let headers = get("headers").map_or(Ok(Vec::new()), |v| parse_headers("headers", v))?;
    // Read by the JS layer, which refuses a secret key in a page without it.
    if let Some(v) = get("dangerouslyAllowBrowser") {
        if !matches!(v, Value::Bool(_)) {
            return Err(ClientError::invalid("dangerouslyAllowBrowser", format!("must be true or false, got {}", v.type_name())));
        }
    }
    Ok(Config { api_key, base_url, timeout_ms, max_retries, headers })
}

/// The key is checked for shape only, and no message ever quotes it.
fn parse_api_key(v: Option<&Value>) -> Result<String, ClientError> {
    let missing = "is required: set INSTAVM_API_KEY in the environment (Node, Bun, Deno with --allow-env), or pass new InstaVM({ apiKey }) (in a Worker: new InstaVM({ apiKey: env.INSTAVM_API_KEY })); behind a proxy that adds it, pass apiKey: null";
    let Some(v) = v else { return Err(ClientError::invalid("apiKey", missing)) };
    let Value::String(key) = v else {
        return Err(ClientError::invalid("apiKey", format!("must be a string, got {}", v.type_name())));
    };
    if key.trim().is_empty() {
        return Err(ClientError::invalid("apiKey", missing));
    }
    if !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ClientError::invalid(
            "apiKey",
            "must be printable ASCII without spaces or line breaks (check for a stray newline when reading it from a file)",
        ));
    }
    Ok(key.clone())
}

/// Requires an absolute http(s) URL and removes trailing slashes, so that
/// `https://api.instavm.io/` never yields `//v1/...`.
pub fn normalise_base_url(url: &str) -> Result<String, ClientError> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let bad = |why: &str| ClientError::invalid("baseUrl", format!("{why}, e.g. https://api.instavm.io or http://127.0.0.1:8787"));
    let Some(rest) = rest else {
        let why = if url.starts_with('/') {
            "must be an absolute http:// or https:// URL (a path such as /instavm is resolved against the page only in a browser)"
        } else {
            "must be an absolute http:// or https:// URL"
        };
        return Err(bad(why));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("must name a host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain whitespace or control characters"));
    }
    if url.contains('?') || url.contains('#') {
        return Err(bad("must not contain a query or fragment"));
    }
    let trimmed = url.trim_end_matches('/');
    // The client adds `/v1/...` to every path: a base that already ends in it
    // would request `/v1/v1/snapshots` and get a bare 404.
    if let Some(root) = trimmed.strip_suffix("/v1").or_else(|| trimmed.strip_suffix("/V1")) {
        return Err(ClientError::invalid("baseUrl", format!("must not end in /v1: the client adds /v1 itself; use {root}")));
    }
    Ok(trimmed.to_string())
}

/// Extra headers: an object of string values with valid names. The API key
/// header is the client's own and cannot be overridden here.
pub fn parse_headers(field: &str, v: &Value) -> Result<Vec<(String, String)>, ClientError> {
    let Value::Object(members) = v else {
        return Err(ClientError::invalid(field, format!("must be an object of header names to strings, got {}", v.type_name())));
    };
    let mut out = Vec::with_capacity(members.len());
    for (name, value) in members {
        let f = format!("{field}.{name}");
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ClientError::invalid(field, format!("{} is not a valid header name", super::validate::quote(name))).with_field(&f));
        }
        if name.eq_ignore_ascii_case("x-api-key") {
            return Err(ClientError::invalid(&f, "the API key header is set from apiKey; do not pass it in headers"));
        }
        let Value::String(s) = value else {
            return Err(ClientError::invalid(&f, format!("must be a string, got {}", value.type_name())));
        };
        if s.chars().any(|c| (c.is_control() && c != '\t') || c as u32 > 0xff) {
            return Err(ClientError::invalid(&f, "must not contain line breaks, control characters or characters above U+00FF"));
        }
        out.push((name.clone(), s.clone()));
    }
    Ok(out)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Per-call options that core understands (`signal` is the platform's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallOptions {
    /// Per-request timeout, overriding the client's.
    pub timeout_ms: Option<f64>,
}

/// `{ signal, timeoutMs }` plus the method's `extra` keys (`wait`,
/// `extraBody`, ...), which the caller reads itself.
pub fn parse_call_options(v: &Value, extra: &[&str]) -> Result<CallOptions, ClientError> {
    only_known_of(v, &[&CALL_KEYS, extra])?;
    match v {
        Value::Null => Ok(CallOptions { timeout_ms: None }),
        Value::Object(_) => Ok(CallOptions { timeout_ms: present(v.get("timeoutMs")).map(|t| duration_ms("timeoutMs", t)).transpose()? }),
        other => Err(ClientError::invalid("options", format!("must be an object, got {}", other.type_name()))),
    }
}

/// Options of a wait (`waitUntilReady`, `watch`, `create({ wait: true })`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitOptions {
    /// Deadline of the whole wait.
    pub timeout_ms: f64,
    pub poll_interval_ms: f64,
    pub max_poll_interval_ms: f64,
    /// The longest run of failed polls the wait sits through before it
    /// rejects with the last failure; `None`: until the deadline.
    pub max_outage_ms: Option<f64>,
}

/// A wait's options plus the method's `extra` keys, read by the caller.
pub fn parse_wait_options(v: &Value, extra: &[&str]) -> Result<WaitOptions, ClientError> {
    only_known_of(v, &[&WAIT_KEYS, extra])?;
    if !matches!(v, Value::Null | Value::Object(_)) {
        return Err(ClientError::invalid("options", format!("must be an object, got {}", v.type_name())));
    }
    let ms = |k: &str, default: f64| present(v.get(k)).map_or(Ok(default), |x| duration_ms(k, x));
    let timeout_ms = ms("timeoutMs", poll::DEFAULT_WAIT_TIMEOUT_MS)?;
    let poll_interval_ms = ms("pollIntervalMs", poll::DEFAULT_INTERVAL_MS)?;
    let default_max = poll::DEFAULT_MAX_INTERVAL_MS.max(poll_interval_ms);
    let max_poll_interval_ms = ms("maxPollIntervalMs", default_max)?;
    if max_poll_interval_ms < poll_interval_ms {
        return Err(ClientError::invalid(
            "maxPollIntervalMs",
            format!("must not be below pollIntervalMs ({} ms), got {}", show_number(poll_interval_ms), show_number(max_poll_interval_ms)),
        ));
    }
    let max_outage_ms = present(v.get("maxOutageMs")).map(|x| duration_ms("maxOutageMs", x)).transpose()?;
    Ok(WaitOptions { timeout_ms, poll_interval_ms, max_poll_interval_ms, max_outage_ms })
}

/// Refuses a key of options object `v` that none of the `sets` holds. Most
/// calls pass no options: the keys are gathered only for an object.
fn only_known_of(v: &Value, sets: &[&[&str]]) -> Result<(), ClientError> {
    if !matches!(v, Value::Object(_)) {
        return Ok(());
    }
    let known: Vec<&str> = sets.iter().flat_map(|s| s.iter().copied()).collect();
    super::keys::only_known("", v, &known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{obj, s};


    #[test]
    fn a_bare_key_gets_every_default() {
        let c = parse_config(&s("instavm_sk_abc")).unwrap();
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.timeout_ms, 60_000.0);
        assert_eq!(c.max_retries, 2);
        assert!(c.headers.is_empty());
    }

    #[test]
    fn missing_or_malformed_keys_are_named_but_never_quoted() {
        for opts in [obj(vec![]), obj(vec![("apiKey", s(""))]), s("  ")] {
            let e = parse_config(&opts).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("apiKey"));
            assert!(e.message.contains("required"), "{}", e.message);
        }
        let e = parse_config(&s("instavm_sk_secret\r\nX-Evil: 1")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("apiKey"));
        assert!(!e.message.contains("secret"));
        let e = parse_config(&obj(vec![("apiKey", Value::Number(5.0))])).unwrap_err();
        assert!(e.message.contains("must be a string"));
        assert!(parse_config(&Value::Number(1.0)).is_err());
        assert!(format!("{:?}", parse_config(&s("instavm_sk_hidden")).unwrap()).contains("[redacted]"));
        assert!(!format!("{:?}", parse_config(&s("instavm_sk_hidden")).unwrap()).contains("hidden"));
    }

    #[test]
    fn base_urls_are_absolute_and_lose_trailing_slashes() {
        assert_eq!(normalise_base_url("http://127.0.0.1:8787/").as_deref(), Ok("http://127.0.0.1:8787"));
        assert_eq!(normalise_base_url("https://proxy.example/instavm//").as_deref(), Ok("https://proxy.example/instavm"));
        assert_eq!(normalise_base_url("HTTPS://API.instavm.io").as_deref(), Ok("HTTPS://API.instavm.io"));
        for bad in ["", "api.instavm.io", "/v1", "ftp://x", "http://", "http:///x", "http://a b", "http://x?y", "http://x#y"] {
            let e = normalise_base_url(bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("baseUrl"), "{bad}");
        }
    }

    #[test]
    fn numbers_and_headers_are_checked() {
        let base = |k: &str, v: Value| obj(vec![("apiKey", s("k")), (k, v)]);
        assert_eq!(parse_config(&base("timeoutMs", Value::Number(-1.0))).unwrap_err().field.as_deref(), Some("timeoutMs"));
        assert_eq!(parse_config(&base("maxRetries", Value::Number(1.5))).unwrap_err().field.as_deref(), Some("maxRetries"));
        assert_eq!(parse_config(&base("maxRetries", Value::Number(0.0))).unwrap().max_retries, 0);
        let e = parse_config(&base("headers", obj(vec![("X-Trace", s("a\r\nb"))]))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("headers.X-Trace"));
        let e = parse_config(&base("headers", obj(vec![("bad name", s("v"))]))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("headers.bad name"));
        let e = parse_config(&base("headers", obj(vec![("X-API-Key", s("v"))]))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("headers.X-API-Key"));
        let e = parse_config(&base("headers", obj(vec![("X-N", Value::Number(1.0))]))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("headers.X-N"));
        let ok = parse_config(&base("headers", obj(vec![("__proto__", s("v"))]))).unwrap();
        assert_eq!(ok.headers, vec![("__proto__".to_string(), "v".to_string())]);
    }

    #[test]
    fn wait_options_default_and_relate() {
        let w = parse_wait_options(&Value::Null, &[]).unwrap();
        assert_eq!((w.timeout_ms, w.poll_interval_ms, w.max_poll_interval_ms), (1_800_000.0, 1000.0, 5000.0));
        let w = parse_wait_options(&obj(vec![("pollIntervalMs", Value::Number(8000.0))]), &[]).unwrap();
        assert_eq!(w.max_poll_interval_ms, 8000.0);
        let e = parse_wait_options(&obj(vec![("pollIntervalMs", Value::Number(500.0)), ("maxPollIntervalMs", Value::Number(100.0))]), &[]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("maxPollIntervalMs"));
        assert!(parse_wait_options(&s("x"), &[]).is_err());
        assert_eq!(parse_call_options(&obj(vec![("timeoutMs", Value::Number(5.0))]), &[]).unwrap().timeout_ms, Some(5.0));
    }

    #[test]
    fn unknown_option_keys_are_refused_with_the_intended_one() {
        let e = parse_config(&obj(vec![("apiKey", s("k")), ("baseURL", s("http://127.0.0.1:8787"))])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("baseURL"));
        assert!(e.message.contains("did you mean baseUrl?"), "{}", e.message);
        let e = parse_wait_options(&obj(vec![("pollIntervalMS", Value::Number(50.0))]), &[]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("pollIntervalMS"));
        assert!(e.message.contains("did you mean pollIntervalMs?"), "{}", e.message);
        assert!(parse_wait_options(&obj(vec![("wait", Value::Bool(true))]), &["wait"]).is_ok());
        let e = parse_call_options(&obj(vec![("pollIntervalMs", Value::Number(5.0))]), &[]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("pollIntervalMs"));
        assert!(parse_config(&obj(vec![("apiKey", s("k")), ("fetch", Value::Other("function"))])).is_ok());
    }

    #[test]
    fn a_base_url_ending_in_v1_is_refused_with_the_root() {
        for url in ["http://127.0.0.1:8787/v1", "https://api.instavm.io/v1/", "https://proxy.example/instavm/V1"] {
            let e = normalise_base_url(url).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("baseUrl"));
            assert!(e.message.contains("must not end in /v1: the client adds /v1 itself; use http"), "{}", e.message);
        }
        assert!(normalise_base_url("https://api.instavm.io/v1").unwrap_err().message.ends_with("use https://api.instavm.io"));
        assert!(normalise_base_url("https://proxy.example/v10").is_ok());
    }

    #[test]
    fn the_missing_key_message_names_the_environment_variable() {
        let e = parse_config(&obj(vec![])).unwrap_err();
        assert!(e.message.contains("INSTAVM_API_KEY"), "{}", e.message);
    }

    #[test]
    fn a_null_key_means_none_on_purpose_and_a_missing_one_is_refused() {
        let c = parse_config(&obj(vec![("apiKey", Value::Null), ("baseUrl", s("https://app.example/instavm"))])).unwrap();
        assert_eq!(c.api_key, "");
        assert_eq!(c.base_url, "https://app.example/instavm");
        assert_eq!(parse_config(&obj(vec![("baseUrl", s("https://x.example"))])).unwrap_err().field.as_deref(), Some("apiKey"));
        let e = normalise_base_url("/instavm").unwrap_err();
        assert!(e.message.contains("resolved against the page only in a browser"), "{}", e.message);
    }
}
