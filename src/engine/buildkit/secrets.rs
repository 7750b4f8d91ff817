//! The secrets a build may mount (`RUN --mount=type=secret,id=…`), served to
//! BuildKit through the session. Files are read when BuildKit asks, and
//! their content goes nowhere else.

use std::collections::HashMap;
use std::path::PathBuf;

use bollard_buildkit_proto::moby::buildkit::secrets::v1::secrets_server::Secrets;
use bollard_buildkit_proto::moby::buildkit::secrets::v1::{GetSecretRequest, GetSecretResponse};

/// BuildKit's own limit on a secret's size (its secrets provider's).
pub const MAX_SECRET_BYTES: u64 = 500 * 1024;

/// Secret ids and the files that hold them.
#[derive(Debug, Default, Clone)]
pub struct SecretStore(HashMap<String, PathBuf>);

impl SecretStore {
    pub fn new(secrets: &[(String, PathBuf)]) -> Self {
        Self(secrets.iter().cloned().collect())
    }
}

#[tonic::async_trait]
impl Secrets for SecretStore {
    async fn get_secret(
        &self,
        request: tonic::Request<GetSecretRequest>,
    ) -> Result<tonic::Response<GetSecretResponse>, tonic::Status> {
        let id = &request.get_ref().id;
        // NotFound is how BuildKit learns a secret is absent: a mount with
        // `required=false` then goes on without it.
        let path = self
            .0
            .get(id)
            .ok_or_else(|| tonic::Status::not_found(format!("secret {id} not found")))?;
        let size = tokio::fs::metadata(path)
            .await
            .map_err(|err| tonic::Status::failed_precondition(format!("secret {id}: {err}")))?
            .len();
        if size > MAX_SECRET_BYTES {
            return Err(tonic::Status::failed_precondition(format!(
                "secret {id} is {size} bytes; BuildKit takes at most {MAX_SECRET_BYTES}"
            )));
        }
        let data = tokio::fs::read(path)
            .await
            .map_err(|err| tonic::Status::failed_precondition(format!("secret {id}: {err}")))?;
        Ok(tonic::Response::new(GetSecretResponse { data }))
    }
}
