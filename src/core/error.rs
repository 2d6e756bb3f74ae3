//! What went wrong, as data: the kind (which JS error class it becomes), the text a
//! user can act on, and what is known about the response.
//!
//! The platform layer turns a [`ClientError`] into a real JS `Error` subclass; this
//! module only decides which one and with what message.


use super::value::Value;

/// One kind per exported JS error class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Any other failure with an HTTP status (400, 405, ...).
    Api,
    Authentication,
    Forbidden,
    NotFound,
    Conflict,
    Validation,
    RateLimit,
    Server,
    Network,
    Timeout,
    SnapshotBuildFailed,
}

impl ErrorKind {
    /// The JS class name (also the error's `name`).
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Api => "InstaVMError",
            ErrorKind::Authentication => "AuthenticationError",
            ErrorKind::Forbidden => "ForbiddenError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Conflict => "ConflictError",
            ErrorKind::Validation => "ValidationError",
            ErrorKind::RateLimit => "RateLimitError",
            ErrorKind::Server => "ServerError",
            ErrorKind::Network => "NetworkError",
            ErrorKind::Timeout => "TimeoutError",
            ErrorKind::SnapshotBuildFailed => "SnapshotBuildFailedError",
        }
    }

    /// The kind for an HTTP error status.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            400 | 422 => ErrorKind::Validation,
            429 => ErrorKind::RateLimit,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Api,
        }
    }
}

/// A failure described in full, before it becomes a JS object.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientError {
    pub kind: ErrorKind,
    pub message: String,
    pub status: Option<u16>,
    /// The offending field, for validation errors (`build_args.disk_size_gb`).
    pub field: Option<String>,
    pub retry_after_ms: Option<f64>,
}

impl ClientError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ClientError { kind, message: message.into(), status: None, field: None, retry_after_ms: None }
    }

    /// A client-side validation failure; the message names the field.
    pub fn invalid(field: &str, problem: impl AsRef<str>) -> Self {
        let mut e = ClientError::new(ErrorKind::Validation, format!("{field}: {}", problem.as_ref()));
        e.field = Some(field.to_string());
        e
    }

    /// The same error, naming a more precise field.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    /// Builds the error for a non-2xx response from its status and parsed body
    /// (`Value::Null` when the body was empty or not JSON; `text` is the raw body
    /// then, used as the message when short and not HTML).
    pub fn from_response(status: u16, body: &Value, text: &str) -> Self {
        let kind = ErrorKind::from_status(status);
        let detail = message_from_body(body).or_else(|| short_text(text));
        let message = match (kind, detail) {
            (ErrorKind::Authentication, None) => "Invalid API key or session expired (401)".to_string(),
            (_, Some(d)) => format!("{d} ({status})"),
            (_, None) => format!("HTTP {status}"),
        };
        let mut e = ClientError::new(kind, message);
        e.status = Some(status);
        if kind == ErrorKind::Validation {
            e.field = field_from_body(body);
        }
        e
    }

    /// Replaces every occurrence of `secret` in the message. The key must never be
    /// shown, even when a server echoes it back.
    pub fn redacted(mut self, secret: &str) -> Self {
        self.message = redact(&self.message, secret);
        if let Some(f) = self.field.take() {
            self.field = Some(redact(&f, secret));
        }
        self
    }
}

/// Keys shorter than this are redacted as whole words only.
const SHORT_SECRET: usize = 8;

/// Removes `secret` from `text` (no-op for an empty secret). A short key
/// (a test's `'k'`) is removed only where it stands as a word of its own:
/// removing every `k` would garble the message and hide nothing.
pub fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        return text.to_string();
    }
    if secret.len() >= SHORT_SECRET {
        return text.replace(secret, "[redacted]");
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let (before, after) = (rest.get(..at).unwrap_or(""), rest.get(at + secret.len()..).unwrap_or(""));
        let whole = !word(before.chars().next_back()) && !word(after.chars().next());
        out.push_str(before);
        out.push_str(if whole { "[redacted]" } else { secret });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The human message from an error body: `detail`, then `error`, then `message`.
/// A FastAPI `detail` list is joined as `field: msg; field: msg`.
pub fn message_from_body(body: &Value) -> Option<String> {
    for key in ["detail", "error", "message"] {
        match body.get(key) {
            Some(Value::String(s)) if !s.is_empty() => return Some(truncate(s, 500)),
            Some(Value::Array(items)) if !items.is_empty() => {
                let parts: Vec<String> = items.iter().filter_map(describe_detail_item).collect();
                if !parts.is_empty() {
                    return Some(truncate(&parts.join("; "), 500));
                }
            }
            Some(Value::Object(_)) => {
                if let Some(m) = body.get(key).and_then(message_from_body) {
                    return Some(m);
                }
            }
            _ => {}
        }
    }
    None
}

fn describe_detail_item(item: &Value) -> Option<String> {
    let msg = item.get("msg").and_then(Value::as_str).or_else(|| item.as_str())?;
    Some(match loc_field(item) {
        Some(field) => format!("{field}: {msg}"),
        None => msg.to_string(),
    })
}

/// `["body", "build_args", "disk_size_gb"]` -> `build_args.disk_size_gb`.
fn loc_field(item: &Value) -> Option<String> {
    let Some(Value::Array(loc)) = item.get("loc") else { return None };
    let parts: Vec<String> = loc
        .iter()
        .skip_while(|p| matches!(p.as_str(), Some("body" | "query" | "path")))
        .map(|p| match p {
            Value::String(s) => s.clone(),
            Value::Number(n) => super::text::show_number(*n),
            _ => String::new(),
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("."))
    }
}

/// The field of the first FastAPI validation item, if any.
pub fn field_from_body(body: &Value) -> Option<String> {
    match body.get("detail") {
        Some(Value::Array(items)) => items.iter().find_map(loc_field),
        _ => None,
    }
}

/// A raw body is used as the message only when it is short plain text, not a page.
fn short_text(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.starts_with('<') || t.len() > 200 {
        None
    } else {
        Some(t.to_string())
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{obj, s};


    #[test]
    fn statuses_map_to_the_documented_classes() {
        let table = [
            (400, "ValidationError"),
            (401, "AuthenticationError"),
            (403, "ForbiddenError"),
            (404, "NotFoundError"),
            (405, "InstaVMError"),
            (409, "ConflictError"),
            (422, "ValidationError"),
            (429, "RateLimitError"),
            (500, "ServerError"),
            (503, "ServerError"),
            (599, "ServerError"),
        ];
        for (status, class) in table {
            assert_eq!(ErrorKind::from_status(status).class_name(), class, "status {status}");
        }
    }

    #[test]
    fn message_prefers_detail_then_error_then_message() {
        let body = obj(vec![("message", s("m")), ("error", s("e")), ("detail", s("d"))]);
        assert_eq!(message_from_body(&body).as_deref(), Some("d"));
        let body = obj(vec![("message", s("m")), ("error", s("e"))]);
        assert_eq!(message_from_body(&body).as_deref(), Some("e"));
        let body = obj(vec![("message", s("m"))]);
        assert_eq!(message_from_body(&body).as_deref(), Some("m"));
        assert_eq!(message_from_body(&Value::Null), None);
    }

    #[test]
    fn fastapi_details_name_the_field() {
        let item = obj(vec![
            ("loc", Value::Array(vec![s("body"), s("build_args"), s("disk_size_gb")])),
            ("msg", s("must be at least 1")),
            ("type", s("value_error")),
        ]);
        let body = obj(vec![("detail", Value::Array(vec![item]))]);
        let e = ClientError::from_response(422, &body, "");
        assert_eq!(e.kind, ErrorKind::Validation);
        assert_eq!(e.field.as_deref(), Some("build_args.disk_size_gb"));
        assert_eq!(e.message, "build_args.disk_size_gb: must be at least 1 (422)");
    }

    #[test]
    fn empty_401_gets_the_standard_text_and_html_pages_are_not_messages() {
        let e = ClientError::from_response(401, &Value::Null, "");
        assert_eq!(e.kind, ErrorKind::Authentication);
        assert!(e.message.contains("Invalid API key"));
        let e = ClientError::from_response(502, &Value::Null, "<html><body>Bad gateway</body></html>");
        assert_eq!(e.message, "HTTP 502");
        let e = ClientError::from_response(500, &Value::Null, "boom");
        assert_eq!(e.message, "boom (500)");
    }

    #[test]
    fn redaction_removes_the_key_everywhere() {
        let e = ClientError::from_response(400, &obj(vec![("detail", s("bad key instavm_sk_x"))]), "");
        let e = e.redacted("instavm_sk_x");
        assert!(!e.message.contains("instavm_sk_x"));
        assert!(e.message.contains("[redacted]"));
        assert_eq!(redact("abc", ""), "abc");
        // A short key is removed where it stands alone, not inside words.
        assert_eq!(redact("vcpus: unknown key; k", "k"), "vcpus: unknown key; [redacted]");
        assert_eq!(redact("key=k2 k", "k2"), "key=[redacted] k");
        assert_eq!(redact("a longsecret1 in longsecret1x", "longsecret1"), "a [redacted] in [redacted]x");
    }

    #[test]
    fn long_details_are_truncated() {
        let long = "x".repeat(2000);
        let m = message_from_body(&obj(vec![("detail", s(&long))])).unwrap_or_default();
        assert!(m.chars().count() <= 501);
    }
}
