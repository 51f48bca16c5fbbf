//! The networks' documented answers (`fixtures/networks/{network}/{name}.json`: source,
//! status, headers, body), read by the client's tests and by the emulators' tests, so both
//! answer to the same documents instead of to each other.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::path::PathBuf;

/// One documented answer.
#[derive(Debug)]
pub struct Documented {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    /// Whether the body is the network's own example (not built from its fields).
    pub verified: bool,
}

impl Documented {
    pub fn bytes(&self) -> Vec<u8> {
        self.body.to_string().into_bytes()
    }
}

/// The fixture `name` of `network`; panics with the path when it is missing or malformed.
pub fn documented(network: &str, name: &str) -> Documented {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/networks")
        .join(network)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    let file: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    let mut headers = HeaderMap::new();
    if let Some(map) = file.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("fixture header name"),
                HeaderValue::from_str(value.as_str().expect("fixture header value is text"))
                    .expect("fixture header value"),
            );
        }
    }
    Documented {
        status: file["status"].as_u64().expect("fixture status") as u16,
        headers,
        body: file["body"].clone(),
        verified: file["verified"].as_bool().unwrap_or(false),
    }
}
