//! Registries: image references, the credentials the docker CLI would use
//! for them, pulls and pushes with progress, and what a registry answered.

mod answer;
mod credentials;
mod reference;
mod transfer;

pub use answer::Answer;
pub use credentials::{Credentials, CredentialsError};
pub use reference::{Reference, ReferenceError, DOCKER_HUB, DOCKER_HUB_AUTH_KEY};
pub use transfer::{Direction, RegistryError, TransferEvent};
