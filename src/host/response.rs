use std::fmt;
use std::sync::Arc;

/// What `http_get(…)` and friends return.
#[derive(Debug, Clone)]
pub struct Response {
    pub url: String,
    pub status: i64,
    /// Lower-case names; a repeated header's values joined with ", ".
    pub headers: Vec<(String, String)>,
    pub body: Arc<Vec<u8>>,
}

impl Response {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The start of the body, for messages.
    pub fn excerpt(&self) -> String {
        let text = self.text();
        let text = text.trim();
        match text.char_indices().nth(200) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_owned(),
        }
    }
}

impl From<(String, crate::http::Response)> for Response {
    fn from((url, response): (String, crate::http::Response)) -> Self {
        let mut headers: Vec<(String, String)> = Vec::new();
        for (name, value) in response.headers {
            match headers.iter_mut().find(|(n, _)| *n == name) {
                Some((_, joined)) => {
                    joined.push_str(", ");
                    joined.push_str(&value);
                }
                None => headers.push((name, value)),
            }
        }
        Self {
            url,
            status: i64::from(response.status),
            headers,
            body: Arc::new(response.body),
        }
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Response({} from {}, {} bytes)",
            self.status,
            self.url,
            self.body.len()
        )
    }
}
