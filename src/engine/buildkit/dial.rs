//! A raw HTTP/1.1 connection to the engine's endpoint, for the two requests
//! bollard cannot make for us: the `/session` upgrade that carries the
//! build's gRPC services, and the `/build` request that names that session.

use std::path::PathBuf;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpStream, UnixStream};

/// Where the engine listens, for the transports BuildKit builds support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dial {
    Unix(PathBuf),
    Tcp(String),
}

impl Dial {
    /// `unix:///var/run/docker.sock`, `tcp://host:2375`, `http://host:2375`;
    /// `None` for transports this client does not dial itself (TLS, SSH).
    pub fn of(endpoint: &str) -> Option<Self> {
        if let Some(path) = endpoint.strip_prefix("unix://") {
            return Some(Self::Unix(PathBuf::from(path)));
        }
        let rest = endpoint
            .strip_prefix("tcp://")
            .or_else(|| endpoint.strip_prefix("http://"))?;
        let authority = rest.split('/').next().unwrap_or(rest);
        (!authority.is_empty()).then(|| Self::Tcp(authority.to_owned()))
    }

    /// Sends one request on a fresh connection; the connection keeps
    /// serving it (and its upgrade) in the background.
    pub async fn send<B>(&self, request: Request<B>) -> std::io::Result<Response<Incoming>>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self {
            Self::Unix(path) => handshake(UnixStream::connect(path).await?, request).await,
            Self::Tcp(authority) => handshake(TcpStream::connect(authority).await?, request).await,
        }
    }
}

async fn handshake<S, B>(stream: S, request: Request<B>) -> std::io::Result<Response<Incoming>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        // Ends with the response (or the upgraded stream); its error is the
        // response's error, which the caller sees.
        let _ = connection.with_upgrades().await;
    });
    sender
        .send_request(request)
        .await
        .map_err(std::io::Error::other)
}

/// The whole body of a short answer, as text.
pub async fn text(response: Response<Incoming>) -> String {
    match response.into_body().collect().await {
        Ok(body) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_dialled_by_their_scheme() {
        assert_eq!(
            Dial::of("unix:///var/run/docker.sock"),
            Some(Dial::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            Dial::of("tcp://10.0.0.2:2375"),
            Some(Dial::Tcp("10.0.0.2:2375".into()))
        );
        assert_eq!(
            Dial::of("http://host:2375/"),
            Some(Dial::Tcp("host:2375".into()))
        );
        assert_eq!(Dial::of("ssh://me@host"), None);
        assert_eq!(Dial::of("https://host:2376"), None);
    }
}
