//! Plain HTTP forwarding, streaming request and response bodies.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::response::Response;

use super::{bad_gateway, is_hop_header, Proxy};
use crate::error::ApiError;

/// Sends `req` to the upstream and streams the answer back.
pub async fn forward(p: Proxy, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let url = p.upstream_url(parts.uri.path(), parts.uri.query())?;
    let mut builder = p.client.request(parts.method.clone(), url);
    for (name, value) in &parts.headers {
        if is_hop_header(name) {
            continue;
        }
        if name == header::ORIGIN {
            if let Ok(v) = HeaderValue::from_str(&p.upstream_origin()) {
                builder = builder.header(name, v);
            }
            continue;
        }
        builder = builder.header(name, value);
    }
    let upstream_body = reqwest::Body::wrap_stream(body.into_data_stream());
    let resp = builder
        .body(upstream_body)
        .send()
        .await
        .map_err(bad_gateway)?;

    let mut out = Response::builder().status(resp.status());
    if let Some(headers) = out.headers_mut() {
        for (name, value) in resp.headers() {
            if !is_hop_header(name) {
                headers.append(name, value.clone());
            }
        }
    }
    out.body(Body::from_stream(resp.bytes_stream()))
        .map_err(|e| ApiError::internal("Failed to build the proxied response.", e))
}
