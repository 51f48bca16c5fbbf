//! A server function answers every failure with 500, whoever made the mistake. A call the
//! client got wrong (arguments that do not parse or are missing, a body over the limit) is
//! a 4xx here, so it is neither reported as Tether's fault nor logged as an error.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// The header server_fn puts on every failure it encodes.
const SERVER_FN_ERROR: &str = "serverfnerror";
/// Encoded failures are a variant name and a short message; anything longer is not one.
const LONGEST_FAILURE: usize = 64 * 1024;

pub(super) async fn client_mistakes_are_4xx(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(encoded) = to_bytes(body, LONGEST_FAILURE).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Some(status) = status_of(&encoded) {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(encoded))
}

/// The status for a failure encoded as `Variant|message`, when the client caused it.
fn status_of(encoded: &[u8]) -> Option<StatusCode> {
    let text = String::from_utf8_lossy(encoded);
    let (variant, message) = text.split_once('|')?;
    match variant {
        // The body limit cuts the read short; server_fn reports it as a failure to decode.
        "Deserialization" | "Request" if message.contains("length limit exceeded") => {
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        }
        "Args" | "MissingArg" | "Deserialization" | "Request" => Some(StatusCode::BAD_REQUEST),
        "UnsupportedRequestMethod" => Some(StatusCode::METHOD_NOT_ALLOWED),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_mistakes_are_named_and_faults_stay_500() {
        assert_eq!(
            status_of(b"Args|invalid digit found in string"),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            status_of(b"Deserialization|length limit exceeded"),
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        );
        assert_eq!(status_of(b"ServerError|The database is unreachable."), None);
        assert_eq!(status_of(b"Serialization|cannot encode"), None);
        assert_eq!(status_of(b"no variant"), None);
    }
}
