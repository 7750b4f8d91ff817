//! The HTTP adapter (reqwest): plain HTTP requests to the services a
//! script starts. Async; primitives block on it from script threads.

use std::sync::OnceLock;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A request as a script describes it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub timeout: Duration,
    /// The most bytes of response body read; more is an error.
    pub max_body: u64,
}

#[derive(Debug, Clone, Default)]
pub enum Body {
    #[default]
    Empty,
    Bytes(Vec<u8>),
    Json(serde_json::Value),
    Multipart(Vec<Part>),
}

/// One field of a multipart form.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub value: PartValue,
}

#[derive(Debug, Clone)]
pub enum PartValue {
    Text(String),
    File {
        data: Vec<u8>,
        filename: String,
        content_type: String,
    },
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    /// Lower-case names, in the order they came (repeated names repeat).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why no response came back.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    #[error("{url} is not a URL shakedown can send to: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("could not connect to {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("no answer from {url} within {seconds}s")]
    Timeout { url: String, seconds: f64 },
    #[error("the request to {url} failed: {reason}")]
    Failed { url: String, reason: String },
    #[error("the body from {url} is larger than {limit} bytes (max_body)")]
    TooLarge { url: String, limit: u64 },
    #[error("stopped before it finished")]
    Cancelled,
}

/// One client for the process: no proxy (the services shakedown starts
/// listen on 127.0.0.1), no pooled connections (a container's port may be
/// reused by the next one).
fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(0)
                .user_agent(concat!("shakedown/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|err| err.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Checks that `url` is a plain-HTTP URL (TLS is not built in).
pub fn check_url(url: &str) -> Result<reqwest::Url, HttpError> {
    let bad = |reason: String| HttpError::BadUrl {
        url: url.to_owned(),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|err| bad(err.to_string()))?;
    match parsed.scheme() {
        "http" => Ok(parsed),
        "https" => Err(bad(
            "https is not supported: shakedown speaks plain HTTP to the services it starts".into(),
        )),
        other => Err(bad(format!("the scheme {other:?} is not http"))),
    }
}

/// Sends `request`; stops when `cancel` fires.
pub async fn send(request: &Request, cancel: &CancellationToken) -> Result<Response, HttpError> {
    let url = check_url(&request.url)?;
    let failed = |reason: String| HttpError::Failed {
        url: request.url.clone(),
        reason,
    };
    let client = client().map_err(failed)?;
    let method = reqwest::Method::from_bytes(request.method.to_uppercase().as_bytes())
        .map_err(|err| failed(format!("bad method {:?}: {err}", request.method)))?;
    let mut builder = client.request(method, url).timeout(request.timeout);
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder = match &request.body {
        Body::Empty => builder,
        Body::Bytes(bytes) => builder.body(bytes.clone()),
        Body::Json(value) => builder.json(value),
        Body::Multipart(parts) => builder.multipart(form(parts).map_err(failed)?),
    };
    let too_large = || HttpError::TooLarge {
        url: request.url.clone(),
        limit: request.max_body,
    };
    let exchange = async {
        let mut response = builder
            .send()
            .await
            .map_err(|err| classify(&err, request))?;
        if response
            .content_length()
            .is_some_and(|len| len > request.max_body)
        {
            return Err(too_large());
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        // Read chunk by chunk, so a body that never ends stops at the cap.
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| classify(&err, request))?
        {
            if (body.len() + chunk.len()) as u64 > request.max_body {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    };
    tokio::select! {
        result = exchange => result,
        () = cancel.cancelled() => Err(HttpError::Cancelled),
    }
}

fn form(parts: &[Part]) -> Result<reqwest::multipart::Form, String> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        form = match &part.value {
            PartValue::Text(text) => form.text(part.name.clone(), text.clone()),
            PartValue::File {
                data,
                filename,
                content_type,
            } => {
                let file = reqwest::multipart::Part::bytes(data.clone())
                    .file_name(filename.clone())
                    .mime_str(content_type)
                    .map_err(|err| format!("bad content type {content_type:?}: {err}"))?;
                form.part(part.name.clone(), file)
            }
        };
    }
    Ok(form)
}

fn classify(err: &reqwest::Error, request: &Request) -> HttpError {
    let url = request.url.clone();
    if err.is_timeout() {
        return HttpError::Timeout {
            url,
            seconds: request.timeout.as_secs_f64(),
        };
    }
    let reason = causes(err);
    if err.is_connect() {
        HttpError::Refused { url, reason }
    } else {
        HttpError::Failed { url, reason }
    }
}

/// The innermost causes, which say what happened ("Connection refused").
fn causes(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    match parts.last() {
        Some(last) => last.clone(),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_refused_with_the_reason() {
        let err = check_url("https://127.0.0.1/").unwrap_err();
        assert!(err.to_string().contains("https is not supported"), "{err}");
        assert!(check_url("http://127.0.0.1:8000/health").is_ok());
        assert!(check_url("127.0.0.1:8000").is_err());
    }
}
