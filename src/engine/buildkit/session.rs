//! The build's session: the engine upgrades `POST /session` to HTTP/2 and
//! calls back the gRPC services it exposes. BuildKit asks it for the
//! secrets a `RUN --mount=type=secret` names, and checks its health.

use std::sync::atomic::{AtomicU64, Ordering};

use bollard_buildkit_proto::health::health_server::{Health, HealthServer};
use bollard_buildkit_proto::health::{
    health_check_response::ServingStatus, HealthCheckRequest, HealthCheckResponse,
    HealthListRequest, HealthListResponse,
};
use bollard_buildkit_proto::moby::buildkit::secrets::v1::secrets_server::SecretsServer;
use bytes::Bytes;
use http_body_util::Empty;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;
use tonic::transport::server::Connected;

use super::dial::{self, Dial};
use super::secrets::SecretStore;

const HEALTH_CHECK: &str = "/grpc.health.v1.Health/Check";
const GET_SECRET: &str = "/moby.buildkit.secrets.v1.Secrets/GetSecret";

/// A session the engine holds open; dropping it ends it.
pub struct Session {
    pub id: String,
    server: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Why no session could be opened.
#[derive(Debug)]
pub enum SessionError {
    Io(std::io::Error),
    /// The engine answered without upgrading.
    Refused(StatusCode, String),
}

impl Session {
    /// Opens a session exposing the health service and the secrets given.
    pub async fn open(
        dial: &Dial,
        api: &str,
        name: &str,
        secrets: SecretStore,
    ) -> Result<Self, SessionError> {
        let id = new_id();
        let request = Request::post(format!("/v{api}/session"))
            .header("Host", "docker")
            .header("Connection", "Upgrade")
            .header("Upgrade", "h2c")
            .header("X-Docker-Expose-Session-Uuid", &id)
            .header("X-Docker-Expose-Session-Name", name)
            .header("X-Docker-Expose-Session-Sharedkey", name)
            .header("X-Docker-Expose-Session-Grpc-Method", HEALTH_CHECK)
            .header("X-Docker-Expose-Session-Grpc-Method", GET_SECRET)
            .body(Empty::<Bytes>::new())
            .map_err(|err| SessionError::Io(std::io::Error::other(err)))?;
        let response = dial.send(request).await.map_err(SessionError::Io)?;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            let status = response.status();
            return Err(SessionError::Refused(status, dial::text(response).await));
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|err| SessionError::Io(std::io::Error::other(err)))?;
        let stream = Upgraded(TokioIo::new(upgraded));
        let server = tokio::spawn(async move {
            // Serves until the engine closes the session or it is dropped.
            let _ = tonic::transport::Server::builder()
                .add_service(HealthServer::new(Healthy))
                .add_service(SecretsServer::new(secrets))
                .serve_with_incoming(futures_util::stream::iter([Ok::<_, std::io::Error>(
                    stream,
                )]))
                .await;
        });
        Ok(Self { id, server })
    }
}

/// A session id the engine has not seen: this process, the time, a count.
fn new_id() -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{}:{nanos}:{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    );
    let hash = Sha256::digest(seed.as_bytes());
    hash.iter().take(13).map(|b| format!("{b:02x}")).collect()
}

/// The upgraded connection, as tonic serves it.
struct Upgraded(TokioIo<hyper::upgrade::Upgraded>);

impl Connected for Upgraded {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl tokio::io::AsyncRead for Upgraded {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Upgraded {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The engine checks the session's health while the build runs.
struct Healthy;

#[tonic::async_trait]
impl Health for Healthy {
    async fn check(
        &self,
        _request: tonic::Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<HealthCheckResponse>, tonic::Status> {
        Ok(tonic::Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    async fn list(
        &self,
        _request: tonic::Request<HealthListRequest>,
    ) -> Result<tonic::Response<HealthListResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("list"))
    }

    type WatchStream = futures_util::stream::Empty<Result<HealthCheckResponse, tonic::Status>>;

    async fn watch(
        &self,
        _request: tonic::Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<Self::WatchStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("watch"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_differ() {
        assert_ne!(new_id(), new_id());
        assert_eq!(new_id().len(), 26);
    }
}
