use bollard::errors::Error as Bollard;

use crate::error::EngineError;

/// A request the engine did not carry out.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("no image {0:?} in the engine")]
    NoImage(String),
    #[error("the engine refused: {0}")]
    Refused(String),
    #[error("stopped before it finished")]
    Cancelled,
}

impl OpError {
    /// Maps a bollard error; `missing` names what a 404 means here.
    pub fn from_bollard(err: &Bollard, endpoint: &super::Endpoint, missing: Option<&str>) -> Self {
        match err {
            Bollard::DockerResponseServerError {
                status_code: 404,
                message,
            } => match missing {
                Some(what) => OpError::NoImage(what.to_owned()),
                None => OpError::Refused(message.clone()),
            },
            Bollard::DockerResponseServerError { message, .. } => OpError::Refused(message.clone()),
            Bollard::RequestTimeoutError => OpError::Engine(
                endpoint.unreachable("it did not answer in time (is it frozen or overloaded?)"),
            ),
            Bollard::IOError { .. }
            | Bollard::HyperResponseError { .. }
            | Bollard::SocketNotFoundError(_) => {
                OpError::Engine(endpoint.unreachable(describe(err)))
            }
            other => OpError::Refused(describe(other)),
        }
    }
}

/// A one-line description of a bollard error, with its causes; a failed
/// connection says what it means instead of the HTTP client's wording.
pub fn describe(err: &Bollard) -> String {
    if let Some(meaning) = super::transport::meaning(err) {
        return meaning;
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
