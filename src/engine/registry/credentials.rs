//! The credentials the docker CLI would use for a registry, from
//! `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`):
//!
//! - a credential helper: `credHelpers[<registry>]`, else `credsStore`. It is
//!   called as the docker CLI calls it: `docker-credential-<name> get` with
//!   the registry on stdin, answering `{"ServerURL", "Username", "Secret"}`
//!   on stdout; the username `<token>` means the secret is an identity
//!   token. "credentials not found" means none (an anonymous request).
//!   When a helper is configured, `auths` is not read for that registry.
//! - else the `auths` entry of the registry: `auth` (base64 of
//!   `user:password`), or `username` and `password`, or `identitytoken`.
//!   The key is Docker Hub's `https://index.docker.io/v1/` or the registry's
//!   `host[:port]`; like the docker CLI, a key written as a URL
//!   (`https://host:port/v2/`) matches its host.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use crate::engine::endpoint::Environment;

/// How long a credential helper may take to answer.
const HELPER_DEADLINE: Duration = Duration::from_secs(30);

/// What a helper prints when it has nothing for the registry.
const NOT_FOUND: &str = "credentials not found in native keychain";

/// Credentials for one registry, and where they came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<String>,
    pub identity_token: Option<String>,
    /// The `config.json` key, or the helper, they came from ("auths entry
    /// \"127.0.0.1:5000\" in ~/.docker/config.json", "credential helper
    /// docker-credential-pass").
    pub source: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("identity_token", &self.identity_token.as_ref().map(|_| "…"))
            .field("source", &self.source)
            .finish()
    }
}

/// Credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error("{path} cannot be read: {reason}")]
    Config { path: String, reason: String },
    #[error("the credential helper {program}, named in config.json, is not on PATH")]
    HelperMissing { program: String },
    #[error("the credential helper {program} failed for {registry}: {reason}")]
    Helper {
        program: String,
        registry: String,
        reason: String,
    },
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(rename = "credsStore", default)]
    creds_store: Option<String>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// A helper's answer to `get`.
#[derive(Debug, Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Where the registry's credentials are to be had.
#[derive(Debug, PartialEq, Eq)]
enum Lookup {
    Helper(String),
    Entry(Credentials),
    None,
}

/// The credentials for the registry whose `config.json` key is `key`
/// (`Reference::auth_key`), or `None` for an anonymous request.
pub async fn for_registry(key: &str) -> Result<Option<Credentials>, CredentialsError> {
    // The same directory the engine's context was read from.
    let env = Environment::of_process();
    let path = env.config_dir.join("config.json");
    let shown = env.show(&path);
    let text = match tokio::fs::read_to_string(&path).await {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(CredentialsError::Config {
                path: shown,
                reason: err.to_string(),
            })
        }
    };
    match lookup(&text, &shown, key)? {
        Lookup::None => Ok(None),
        Lookup::Entry(credentials) => Ok(Some(credentials)),
        Lookup::Helper(name) => run_helper(&name, key).await,
    }
}

fn lookup(text: &str, path: &str, key: &str) -> Result<Lookup, CredentialsError> {
    let config_error = |reason: String| CredentialsError::Config {
        path: path.to_owned(),
        reason,
    };
    let config: ConfigFile = if text.trim().is_empty() {
        ConfigFile::default()
    } else {
        serde_json::from_str(text).map_err(|err| config_error(format!("not valid JSON ({err})")))?
    };
    if let Some(helper) = config
        .cred_helpers
        .get(key)
        .or(config.creds_store.as_ref())
        .filter(|name| !name.is_empty())
    {
        return Ok(Lookup::Helper(helper.clone()));
    }
    let entry = config.auths.get_key_value(key).or_else(|| {
        config
            .auths
            .iter()
            .find(|(k, _)| hostname(k) == hostname(key))
    });
    let Some((entry_key, entry)) = entry else {
        return Ok(Lookup::None);
    };
    let source = format!("the auths entry {entry_key:?} in {path}");
    let (mut username, mut password) = (entry.username.clone(), entry.password.clone());
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                config_error(format!(
                    "the auths entry {entry_key:?} has an `auth` that is not base64 of user:password"
                ))
            })?;
        let (user, pass) = decoded.split_once(':').ok_or_else(|| {
            config_error(format!(
                "the auths entry {entry_key:?} has an `auth` without a `:` between user and password"
            ))
        })?;
        username = Some(user.to_owned());
        password = Some(pass.to_owned());
    }
    let identity_token = entry.identitytoken.clone().filter(|t| !t.is_empty());
    if username.is_none() && password.is_none() && identity_token.is_none() {
        return Ok(Lookup::None);
    }
    Ok(Lookup::Entry(Credentials {
        username,
        password,
        identity_token,
        source,
    }))
}

/// A `config.json` key as the host it names: `https://host:port/v1/` and
/// `host:port` are the same registry (the docker CLI's `ConvertToHostname`).
fn hostname(key: &str) -> &str {
    let key = key
        .strip_prefix("http://")
        .or_else(|| key.strip_prefix("https://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// `docker-credential-<name> get`, the registry on stdin.
async fn run_helper(name: &str, key: &str) -> Result<Option<Credentials>, CredentialsError> {
    let program = format!("docker-credential-{name}");
    let failed = |reason: String| CredentialsError::Helper {
        program: program.clone(),
        registry: key.to_owned(),
        reason,
    };
    let mut child = tokio::process::Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => CredentialsError::HelperMissing {
                program: program.clone(),
            },
            _ => failed(err.to_string()),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is judged by its
        // answer, not by the broken pipe.
        let _ = stdin.write_all(key.as_bytes()).await;
    }
    let output = tokio::time::timeout(HELPER_DEADLINE, child.wait_with_output())
        .await
        .map_err(|_| {
            failed(format!(
                "it did not answer within {}s",
                HELPER_DEADLINE.as_secs()
            ))
        })?
        .map_err(|err| failed(err.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let said = stdout.trim();
        if said == NOT_FOUND {
            return Ok(None);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = if said.is_empty() { stderr.trim() } else { said };
        return Err(failed(if said.is_empty() {
            format!("it exited with {}", output.status)
        } else {
            said.to_owned()
        }));
    }
    parse_helper_answer(&stdout, &program)
        .map(Some)
        .map_err(failed)
}

fn parse_helper_answer(stdout: &str, program: &str) -> Result<Credentials, String> {
    let answer: HelperAnswer = serde_json::from_str(stdout.trim()).map_err(|err| {
        format!("its answer is not the JSON {{ServerURL, Username, Secret}} ({err})")
    })?;
    let source = format!("the credential helper {program}");
    Ok(if answer.username == "<token>" {
        Credentials {
            username: None,
            password: None,
            identity_token: Some(answer.secret),
            source,
        }
    } else {
        Credentials {
            username: Some(answer.username),
            password: Some(answer.secret),
            identity_token: None,
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/home/u/.docker/config.json";

    fn entry(text: &str, key: &str) -> Credentials {
        match lookup(text, PATH, key).unwrap() {
            Lookup::Entry(credentials) => credentials,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_auth_field_is_base64_of_user_and_password() {
        // "shakedown:pa:ss" — the password may hold a colon.
        let text = r#"{"auths":{"127.0.0.1:5000":{"auth":"c2hha2Vkb3duOnBhOnNz"}}}"#;
        let c = entry(text, "127.0.0.1:5000");
        assert_eq!(c.username.as_deref(), Some("shakedown"));
        assert_eq!(c.password.as_deref(), Some("pa:ss"));
        assert_eq!(
            c.source,
            format!("the auths entry \"127.0.0.1:5000\" in {PATH}")
        );
    }

    #[test]
    fn username_and_password_fields_and_identity_tokens_are_read() {
        let text = r#"{"auths":{"r.example:443":{"username":"u","password":"p"},
                        "t.example":{"identitytoken":"tok"}}}"#;
        let c = entry(text, "r.example:443");
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("u"), Some("p"))
        );
        let c = entry(text, "t.example");
        assert_eq!(c.identity_token.as_deref(), Some("tok"));
        assert_eq!(c.username, None);
    }

    #[test]
    fn keys_match_like_the_docker_cli() {
        let text = r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},
                        "https://127.0.0.1:5000/v2/":{"auth":"dTI6cDI="}}}"#;
        assert_eq!(
            entry(text, "https://index.docker.io/v1/")
                .username
                .as_deref(),
            Some("u")
        );
        assert_eq!(
            entry(text, "127.0.0.1:5000").username.as_deref(),
            Some("u2")
        );
        assert_eq!(lookup(text, PATH, "127.0.0.1:5001").unwrap(), Lookup::None);
        assert_eq!(lookup(text, PATH, "docker.io").unwrap(), Lookup::None);
    }

    #[test]
    fn a_helper_for_the_registry_comes_before_the_store_and_auths() {
        let text = r#"{"auths":{"127.0.0.1:5000":{"auth":"dTpw"}},
                       "credsStore":"desktop",
                       "credHelpers":{"127.0.0.1:5000":"stub","ghcr.io":""}}"#;
        assert_eq!(
            lookup(text, PATH, "127.0.0.1:5000").unwrap(),
            Lookup::Helper("stub".into())
        );
        assert_eq!(
            lookup(text, PATH, "r.example").unwrap(),
            Lookup::Helper("desktop".into())
        );
    }

    #[test]
    fn no_file_content_or_no_entry_means_anonymous() {
        assert_eq!(lookup("", PATH, "r.example").unwrap(), Lookup::None);
        assert_eq!(lookup("{}", PATH, "r.example").unwrap(), Lookup::None);
        // `docker logout` leaves an empty entry behind.
        assert_eq!(
            lookup(r#"{"auths":{"r.example":{}}}"#, PATH, "r.example").unwrap(),
            Lookup::None
        );
    }

    #[test]
    fn a_broken_file_or_auth_says_what_is_wrong() {
        let err = lookup("{not json", PATH, "r.example").unwrap_err();
        assert!(
            matches!(&err, CredentialsError::Config { reason, .. } if reason.starts_with("not valid JSON")),
            "{err}"
        );
        let err = lookup(
            r#"{"auths":{"r.example":{"auth":"%%%"}}}"#,
            PATH,
            "r.example",
        )
        .unwrap_err();
        assert!(err.to_string().contains("not base64"), "{err}");
        // "nocolon" in base64
        let err = lookup(
            r#"{"auths":{"r.example":{"auth":"bm9jb2xvbg=="}}}"#,
            PATH,
            "r.example",
        )
        .unwrap_err();
        assert!(err.to_string().contains("without a `:`"), "{err}");
    }

    #[test]
    fn a_helper_answer_with_the_token_user_is_an_identity_token() {
        let c = parse_helper_answer(
            r#"{"ServerURL":"r.example","Username":"<token>","Secret":"tok"}"#,
            "docker-credential-x",
        )
        .unwrap();
        assert_eq!(c.identity_token.as_deref(), Some("tok"));
        assert_eq!(c.username, None);
        let c = parse_helper_answer(
            r#"{"ServerURL":"r.example","Username":"u","Secret":"p"}"#,
            "docker-credential-x",
        )
        .unwrap();
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("u"), Some("p"))
        );
        assert!(parse_helper_answer("nope", "docker-credential-x").is_err());
    }

    #[test]
    fn the_key_of_a_url_is_its_host() {
        assert_eq!(hostname("https://index.docker.io/v1/"), "index.docker.io");
        assert_eq!(hostname("http://127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(hostname("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
