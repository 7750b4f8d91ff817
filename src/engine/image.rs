use std::collections::BTreeMap;

use super::{Client, OpError};

/// What `docker inspect` and `docker history` say of an image, in plain
/// Rust; the Rhai host turns it into the map of `img.inspect()`.
#[derive(Debug, Clone, Default)]
pub struct ImageDetails {
    pub id: String,
    pub tags: Vec<String>,
    pub user: String,
    pub labels: BTreeMap<String, String>,
    /// `KEY=VALUE` split at the first `=`, in image order.
    pub env: Vec<(String, String)>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub workdir: String,
    pub exposed_ports: Vec<String>,
    pub volumes: Vec<String>,
    pub healthcheck: Option<HealthDetails>,
    pub size: i64,
    pub os: String,
    pub arch: String,
    pub created: String,
    /// Oldest first, as the Dockerfile reads.
    pub layers: Vec<LayerDetails>,
}

#[derive(Debug, Clone, Default)]
pub struct HealthDetails {
    pub test: Vec<String>,
    pub interval: f64,
    pub timeout: f64,
    pub start_period: f64,
    pub retries: i64,
}

#[derive(Debug, Clone, Default)]
pub struct LayerDetails {
    pub size: i64,
    pub created_by: String,
}

const NANOS: f64 = 1e9;

impl Client {
    /// Inspects an image by reference or id; `OpError::NoImage` when the
    /// engine has no such image (this never pulls).
    pub async fn inspect_image(&self, reference: &str) -> Result<ImageDetails, OpError> {
        let docker = self.ready().await?;
        let missing = |err: bollard::errors::Error| {
            OpError::from_bollard(&err, &self.endpoint, Some(reference))
        };
        let (inspect, history) = tokio::join!(
            docker.inspect_image(reference),
            docker.image_history(reference)
        );
        let inspect = inspect.map_err(missing)?;
        let history = history.map_err(missing)?;
        let config = inspect.config.unwrap_or_default();
        let healthcheck = config
            .healthcheck
            .filter(|h| {
                h.test
                    .as_ref()
                    .is_some_and(|t| t.first().is_some_and(|k| k != "NONE"))
            })
            .map(|h| HealthDetails {
                test: h.test.unwrap_or_default(),
                #[allow(clippy::cast_precision_loss)]
                interval: h.interval.unwrap_or(0) as f64 / NANOS,
                #[allow(clippy::cast_precision_loss)]
                timeout: h.timeout.unwrap_or(0) as f64 / NANOS,
                #[allow(clippy::cast_precision_loss)]
                start_period: h.start_period.unwrap_or(0) as f64 / NANOS,
                retries: h.retries.unwrap_or(0),
            });
        let mut volumes = config.volumes.unwrap_or_default();
        volumes.sort();
        let mut exposed_ports = config.exposed_ports.unwrap_or_default();
        exposed_ports.sort();
        Ok(ImageDetails {
            id: inspect.id.unwrap_or_default(),
            tags: inspect.repo_tags.unwrap_or_default(),
            user: config.user.unwrap_or_default(),
            labels: config.labels.unwrap_or_default().into_iter().collect(),
            env: config
                .env
                .unwrap_or_default()
                .into_iter()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_owned(), v.to_owned()),
                    None => (kv, String::new()),
                })
                .collect(),
            cmd: config.cmd.unwrap_or_default(),
            entrypoint: config.entrypoint.unwrap_or_default(),
            workdir: config.working_dir.unwrap_or_default(),
            exposed_ports,
            volumes,
            healthcheck,
            size: inspect.size.unwrap_or(0),
            os: inspect.os.unwrap_or_default(),
            arch: inspect.architecture.unwrap_or_default(),
            created: inspect.created.map(|c| c.to_string()).unwrap_or_default(),
            layers: history
                .into_iter()
                .rev()
                .map(|h| LayerDetails {
                    size: h.size,
                    created_by: h.created_by,
                })
                .collect(),
        })
    }
}
