//! The host-free wire: requests in, answers out, and the API's JSON error
//! shape (`{"detail": ...}`), the API-key check and CORS.

use serde_json::{json, Value};

/// One HTTP request as a host hands it in.
#[derive(Debug, Clone)]
pub struct Request {
    /// Upper-case: `GET`, `POST`...
    pub method: String,
    /// The raw path, still percent-encoded: `/v1/snapshots/a%2Fb`.
    pub path: String,
    /// The raw query without `?`.
    pub query: Option<String>,
    /// Names in any case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value; names are compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query's parameters, form-decoded (`+` is a space, a name without
    /// `=` has an empty value, invalid UTF-8 becomes U+FFFD).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes()).into_owned().collect()
    }

    /// A parameter's value; when it is repeated, the last one.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().rev().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// One answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Response {
        let headers = content_type.map(|c| vec![("content-type".to_string(), c.to_string())]).unwrap_or_default();
        Response { status, headers, body: body.into() }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Sets a header, replacing one of the same name.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
    }

    /// The body as JSON (`null` when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

pub fn json_response(status: u16, body: Value) -> Response {
    Response::new(status, Some("application/json"), body.to_string())
}

/// An error answer: a status and the `detail` the API would send.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub detail: Value,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<Value>) -> Self {
        ApiError { status, detail: detail.into() }
    }

    /// A FastAPI-style 422: one item per invalid field.
    pub fn unprocessable(items: Vec<Value>) -> Self {
        ApiError { status: 422, detail: Value::Array(items) }
    }

    pub fn into_response(self) -> Response {
        json_response(self.status, json!({ "detail": self.detail }))
    }
}

/// The caller's key: a missing or empty `X-API-Key` is a 401. Any other key is
/// accepted and names its own tenant.
pub fn api_key(request: &Request) -> Result<String, ApiError> {
    let key = request.header("x-api-key").map(str::trim).unwrap_or("");
    if key.is_empty() {
        return Err(ApiError::new(401, "Missing API key: send it in the X-API-Key header"));
    }
    Ok(key.to_string())
}

/// Any origin may call the emulator (the demo page and browser tests run on
/// other origins); the headers a client reads are exposed.
pub fn with_cors(mut r: Response) -> Response {
    r.set_header("vary", "access-control-request-headers");
    r.set_header("access-control-allow-origin", "*");
    r.set_header("access-control-expose-headers", "retry-after,x-request-id,retry-after-ms");
    r
}

/// The answer to a CORS preflight: every method the API has, the headers
/// asked for, cached for ten minutes.
pub fn preflight(request: &Request) -> Response {
    let mut r = Response::new(200, None, Vec::new());
    r.set_header("vary", "access-control-request-headers");
    r.set_header("access-control-allow-methods", "GET,POST,PATCH,DELETE");
    if let Some(asked) = request.header("access-control-request-headers") {
        r.set_header("access-control-allow-headers", asked);
    }
    r.set_header("access-control-max-age", "600");
    r.set_header("access-control-allow-origin", "*");
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let r = Request { method: "GET".into(), path: "/".into(), query: Some("a=1+2&b=%26&a=3&flag&c=%zz+%2B".into()), headers: vec![], body: vec![] };
        assert_eq!(r.query_pairs().first().map(|(k, v)| (k.as_str(), v.as_str())), Some(("a", "1 2")));
        assert_eq!(r.query_param("c").as_deref(), Some("%zz +"));
        assert_eq!(r.query_param("a").as_deref(), Some("3"));
        assert_eq!(r.query_param("b").as_deref(), Some("&"));
        assert_eq!(r.query_param("flag").as_deref(), Some(""));
    }
}
