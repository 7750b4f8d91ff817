//! `http_get`, `http_post`, `http`: plain HTTP requests, and the
//! `Response` they return.

use std::time::Duration;

use rhai::plugin::*;
use rhai::{Blob, Dynamic, Engine, Map, NativeCallContext};

use super::option_keys;
use super::ApiModule;
use crate::error::{Thrown, ThrownKind};
use crate::host::convert::{ctx, known_keys, opt_string_map, RhaiResult};
use crate::host::limits;
use crate::host::response::Response;
use crate::host::seconds::{opt_seconds, Zero};
use crate::http::{Body, HttpError, Part, PartValue, Request};

pub const MODULE: ApiModule = ApiModule {
    title: "HTTP",
    intro: "Plain HTTP (no TLS: the services a script starts listen on 127.0.0.1), no proxy, \
redirects followed (up to 10). Any status is a response, not an error: check `status`. A refused \
connection or a timeout fails with a diagnostic naming the URL. Options: `headers` (map), `body` \
(a string or a blob), `json` (any value, sent as JSON with its content type), `multipart` (a map \
of fields: a string is a text field; a blob is a file named after its field; a map \
`#{ content, filename, content_type }` is a file with those), `timeout` (seconds, default 30), \
`max_body` (bytes, default `32 * MB`: a longer response body fails the request, so a streaming \
endpoint cannot fill the memory). `body`, `json` and `multipart` exclude each other.",
    register,
};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Response>("Response");
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;

    /// Sends a GET. `assert_eq(http_get(c.url(8000, "/health")).status, 200)`
    #[rhai_fn(name = "http_get", return_raw)]
    pub fn http_get(call: NativeCallContext, url: &str) -> RhaiResult<Response> {
        request(&call, "GET", url, &Map::new())
    }

    /// Sends a GET with options (see the section's introduction).
    /// `http_get(url, #{ headers: #{ Accept: "application/json" }, timeout: 5 })`
    #[rhai_fn(name = "http_get", return_raw)]
    pub fn http_get_url_options(
        call: NativeCallContext,
        url: &str,
        options: Map,
    ) -> RhaiResult<Response> {
        request(&call, "GET", url, &options)
    }

    /// Sends a POST with options (see the section's introduction).
    /// `http_post(c.url(8000, "/api/v1/process/quick"), #{ multipart: #{ file: png } })`
    #[rhai_fn(name = "http_post", return_raw)]
    pub fn http_post(call: NativeCallContext, url: &str, options: Map) -> RhaiResult<Response> {
        request(&call, "POST", url, &options)
    }

    /// Sends a request with any method (`"PUT"`, `"DELETE"`, `"HEAD"`, …) and options.
    /// `http("DELETE", c.url(8000, "/cache"), #{})`
    #[rhai_fn(name = "http", return_raw)]
    pub fn http(
        call: NativeCallContext,
        method: &str,
        url: &str,
        options: Map,
    ) -> RhaiResult<Response> {
        request(&call, method, url, &options)
    }

    /// The status code (200, 404, …).
    #[rhai_fn(get = "status", pure)]
    pub fn get_status(r: &mut Response) -> i64 {
        r.status
    }

    /// The headers, by lower-case name (a repeated header's values joined with ", ").
    /// `r.headers["content-type"]`
    #[rhai_fn(get = "headers", pure)]
    pub fn get_headers(r: &mut Response) -> Map {
        r.headers
            .iter()
            .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.clone())))
            .collect()
    }

    /// The body as text (bytes that are not UTF-8 are replaced).
    #[rhai_fn(get = "text", pure)]
    pub fn get_text(r: &mut Response) -> String {
        r.text()
    }

    /// The body as bytes. `r.body.extract(0, 4).to_array() == [0x89, 0x50, 0x4E, 0x47]`
    #[rhai_fn(get = "body", pure)]
    pub fn get_body(r: &mut Response) -> Blob {
        r.body.to_vec()
    }

    /// The body parsed as JSON (objects become maps); fails when it is not JSON.
    /// `assert_eq(http_get(url).json().ready, true)`
    #[rhai_fn(name = "json", pure, return_raw)]
    pub fn response_json(call: NativeCallContext, r: &mut Response) -> RhaiResult<Dynamic> {
        json(&call, r)
    }

    #[rhai_fn(name = "to_string", pure)]
    pub fn to_string(r: &mut Response) -> String {
        r.to_string()
    }

    #[rhai_fn(name = "to_debug", pure)]
    pub fn to_debug(r: &mut Response) -> String {
        r.to_string()
    }
}

fn bytes(value: &Dynamic, what: &str) -> Result<Vec<u8>, Thrown> {
    if value.is_string() {
        Ok(value.to_string().into_bytes())
    } else if value.is_blob() {
        Ok(value.clone().cast::<Blob>())
    } else {
        Err(Thrown::usage(
            format!(
                "{what} must be a string or a blob, not a {}",
                value.type_name()
            ),
            "e.g. body: \"text\", or a blob from c.copy_out(path)",
        ))
    }
}

fn part(name: &str, value: &Dynamic) -> Result<Part, Thrown> {
    let what = format!("multipart field `{name}`");
    let value = if value.is_string() {
        PartValue::Text(value.to_string())
    } else if value.is_blob() {
        PartValue::File {
            data: value.clone().cast::<Blob>(),
            filename: name.to_owned(),
            content_type: "application/octet-stream".to_owned(),
        }
    } else if let Some(map) = value.clone().try_cast::<Map>() {
        known_keys(&map, &option_keys::MULTIPART_FILE, &what)?;
        let text = |key: &str, default: &str| {
            map.get(key)
                .map_or_else(|| default.to_owned(), ToString::to_string)
        };
        PartValue::File {
            data: bytes(
                map.get("content").unwrap_or(&Dynamic::from(String::new())),
                &format!("`content` of {what}"),
            )?,
            filename: text("filename", name),
            content_type: text("content_type", "application/octet-stream"),
        }
    } else {
        return Err(Thrown::usage(
            format!("{what} must be a string, a blob or a map, not a {}", value.type_name()),
            "e.g. multipart: #{ name: \"text\", file: blob, photo: #{ content: blob, filename: \"face.png\", content_type: \"image/png\" } }",
        ));
    };
    Ok(Part {
        name: name.to_owned(),
        value,
    })
}

fn body(options: &Map, what: &str) -> Result<Body, Thrown> {
    let given: Vec<&str> = ["body", "json", "multipart"]
        .into_iter()
        .filter(|k| options.contains_key(*k))
        .collect();
    if given.len() > 1 {
        return Err(Thrown::usage(
            format!("{what}: options {} exclude each other", given.join(" and ")),
            "send one body: `body` (text or blob), `json` (a value) or `multipart` (a form)",
        ));
    }
    if let Some(value) = options.get("body") {
        return Ok(Body::Bytes(bytes(value, "option `body`")?));
    }
    if let Some(value) = options.get("json") {
        let json: serde_json::Value = rhai::serde::from_dynamic(value).map_err(|err| {
            Thrown::usage(
                format!("option `json` of {what} cannot be sent as JSON: {err}"),
                "give a map, an array, a string, a number, a bool or ()",
            )
        })?;
        return Ok(Body::Json(json));
    }
    if let Some(value) = options.get("multipart") {
        let map = value.clone().try_cast::<Map>().ok_or_else(|| {
            Thrown::usage(
                format!(
                    "option `multipart` of {what} must be a map of fields, not a {}",
                    value.type_name()
                ),
                "e.g. multipart: #{ file: blob, name: \"text\" }",
            )
        })?;
        return map
            .iter()
            .map(|(name, value)| part(name, value))
            .collect::<Result<Vec<_>, _>>()
            .map(Body::Multipart);
    }
    Ok(Body::Empty)
}

/// The request a primitive was asked to send.
pub fn build_request(method: &str, url: &str, options: &Map) -> Result<Request, Thrown> {
    let what = format!(
        "{}()",
        if method == "GET" {
            "http_get"
        } else if method == "POST" {
            "http_post"
        } else {
            "http"
        }
    );
    known_keys(options, &option_keys::HTTP, &what)?;
    let timeout = opt_seconds(options, "timeout", &what, Zero::Refused)?.unwrap_or(DEFAULT_TIMEOUT);
    Ok(Request {
        method: method.to_owned(),
        url: url.to_owned(),
        headers: opt_string_map(options, "headers", &what)?,
        body: body(options, &what)?,
        timeout,
        max_body: max_body(options, &what)?,
    })
}

/// `max_body`: a number of bytes above 0 (default [`limits::DEFAULT_MAX_BODY`]).
fn max_body(options: &Map, what: &str) -> Result<u64, Thrown> {
    let Some(value) = options.get("max_body") else {
        return Ok(limits::DEFAULT_MAX_BODY);
    };
    value
        .as_int()
        .ok()
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Thrown::usage(
                format!(
                    "option `max_body` of {what} must be a number of bytes above 0, not {value}"
                ),
                "e.g. max_body: 100 * MB",
            )
        })
}

/// An HTTP error as the diagnostic a primitive throws.
pub fn http_thrown(err: HttpError) -> Thrown {
    let message = err.to_string();
    match err {
        HttpError::BadUrl { .. } => Thrown::new(ThrownKind::Usage, "shakedown::http::bad_url", message)
            .help("give a full http:// URL, e.g. c.url(8000, \"/health\") for a started container"),
        HttpError::Refused { .. } => Thrown::new(ThrownKind::Failure, "shakedown::http::refused", message)
            .help("nothing listens there: is the container started, its port published and its server up? c.wait_http(…) or c.wait_port(…) waits for it"),
        HttpError::Timeout { .. } => Thrown::new(ThrownKind::Failure, "shakedown::http::timeout", message)
            .help("the server accepted the connection but did not answer in time; raise `timeout` in the options if it is only slow"),
        HttpError::Failed { .. } => Thrown::new(ThrownKind::Failure, "shakedown::http::failed", message)
            .help("the connection broke off; the server's log may say why"),
        HttpError::TooLarge { .. } => Thrown::new(ThrownKind::Failure, "shakedown::http::too_large", message)
            .help("the request stopped reading there; if the endpoint really sends that much, raise `max_body` in the options (e.g. max_body: 200 * MB)"),
        HttpError::Cancelled => Thrown::new(ThrownKind::Cancelled, "shakedown::run::cancelled", message),
    }
}

fn request(
    call: &NativeCallContext,
    method: &str,
    url: &str,
    options: &Map,
) -> RhaiResult<Response> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    let request = build_request(&method.to_uppercase(), url, options).map_err(at)?;
    let response = ctx
        .run
        .rt
        .block_on(crate::http::send(&request, &ctx.cancel))
        .map_err(|err| at(http_thrown(err)))?;
    Ok(Response::from((url.to_owned(), response)))
}

fn json(call: &NativeCallContext, r: &Response) -> RhaiResult<Dynamic> {
    let parsed: serde_json::Value = serde_json::from_slice(&r.body).map_err(|err| {
        Thrown::new(
            ThrownKind::Failure,
            "shakedown::http::not_json",
            format!(
                "the body from {} is not JSON ({err}); it starts: {:?}",
                r.url,
                r.excerpt()
            ),
        )
        .help("check r.status and r.headers[\"content-type\"]; r.text has the body as text")
        .at(call.call_position())
    })?;
    rhai::serde::to_dynamic(parsed).map_err(|err| {
        Thrown::new(
            ThrownKind::Failure,
            "shakedown::http::not_json",
            format!("the JSON from {} cannot be a script value: {err}", r.url),
        )
        .at(call.call_position())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_reaches_the_request() {
        let mut headers = Map::new();
        headers.insert("X-Trace".into(), Dynamic::from("1".to_owned()));
        let mut options = Map::new();
        options.insert("headers".into(), Dynamic::from_map(headers));
        options.insert("body".into(), Dynamic::from_blob(vec![1, 2, 3]));
        options.insert("timeout".into(), Dynamic::from_float(1.5));
        let request = build_request("PUT", "http://127.0.0.1:1/", &options).unwrap();
        assert_eq!(
            request.headers,
            vec![("X-Trace".to_owned(), "1".to_owned())]
        );
        assert!(matches!(request.body, Body::Bytes(ref b) if b == &[1, 2, 3]));
        assert_eq!(request.timeout, Duration::from_millis(1500));
    }

    #[test]
    fn multipart_fields_are_text_or_files() {
        let mut photo = Map::new();
        photo.insert("content".into(), Dynamic::from_blob(vec![0x89]));
        photo.insert("filename".into(), Dynamic::from("face.png".to_owned()));
        photo.insert("content_type".into(), Dynamic::from("image/png".to_owned()));
        let mut form = Map::new();
        form.insert("name".into(), Dynamic::from("x".to_owned()));
        form.insert("photo".into(), Dynamic::from_map(photo));
        form.insert("raw".into(), Dynamic::from_blob(vec![1]));
        let mut options = Map::new();
        options.insert("multipart".into(), Dynamic::from_map(form));
        let request = build_request("POST", "http://127.0.0.1:1/", &options).unwrap();
        let Body::Multipart(parts) = request.body else {
            panic!("not multipart")
        };
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().any(|p| matches!(&p.value, PartValue::File { filename, content_type, .. } if filename == "face.png" && content_type == "image/png")));
        assert!(parts
            .iter()
            .any(|p| matches!(&p.value, PartValue::File { filename, .. } if filename == "raw")));
        assert!(parts
            .iter()
            .any(|p| matches!(&p.value, PartValue::Text(t) if t == "x")));
    }

    #[test]
    fn two_bodies_or_an_unknown_option_are_refused() {
        let mut options = Map::new();
        options.insert("body".into(), Dynamic::from("a".to_owned()));
        options.insert("json".into(), Dynamic::from_int(1));
        assert!(build_request("POST", "http://x/", &options)
            .unwrap_err()
            .message
            .contains("exclude"));
        let mut options = Map::new();
        options.insert("header".into(), Dynamic::UNIT);
        let err = build_request("GET", "http://x/", &options).unwrap_err();
        assert!(
            err.message.contains("http_get() has no option `header`"),
            "{}",
            err.message
        );
    }
}
