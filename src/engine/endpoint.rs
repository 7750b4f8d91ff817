//! Which engine to talk to, chosen the way the docker CLI chooses it:
//! `--host`, `--context`, `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` and
//! `DOCKER_CERT_PATH`), `DOCKER_CONTEXT`, the `currentContext` of
//! `$DOCKER_CONFIG/config.json`, the local socket. An [`Endpoint`] keeps
//! where it came from, for the diagnostics that name it.
//!
//! Pure: the environment is passed in ([`Environment`]), so precedence is
//! unit-tested; the only reads are of the config file and the context
//! store.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::EngineError;

/// The local socket, when nothing names another engine.
pub const LOCAL_SOCKET: &str = "unix:///var/run/docker.sock";

/// The context that means "no context": `DOCKER_HOST`, else the local socket.
pub const DEFAULT_CONTEXT: &str = "default";

/// An engine's address, how to secure it, and who chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///path`, `tcp://host:port`, `http://…`, `https://…` or
    /// `ssh://[user@]host[:port]`.
    pub url: String,
    /// Client certificates and the CA to verify the engine with, when the
    /// connection is TLS.
    pub tls: Option<Tls>,
    pub origin: Origin,
}

/// The TLS material of an endpoint: a directory holding `ca.pem`,
/// `cert.pem` and `key.pem`, as `DOCKER_CERT_PATH` and the context store
/// hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub dir: PathBuf,
}

impl Tls {
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }
}

/// Where an endpoint came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--host URL`.
    HostFlag,
    /// The `DOCKER_HOST` environment variable.
    DockerHost,
    /// A Docker context from the store.
    Context { name: String, chosen: ContextChoice },
    /// `--engine NAME=URL` (or `NAME=context:CTX`, as a context chosen by it).
    EngineFlag { engine: String },
    /// Nothing named an engine: the local socket.
    LocalSocket,
}

/// What chose a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextChoice {
    /// `--context NAME`.
    Flag,
    /// The `DOCKER_CONTEXT` environment variable.
    Env,
    /// `currentContext` in this config file (`docker context use`).
    ConfigFile(PathBuf),
    /// `--engine NAME=context:CTX`.
    EngineFlag { engine: String },
}

/// What kind of connection an endpoint's URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Unix,
    /// `tcp://` or `http://`: plain HTTP, or TLS with certificates.
    Tcp,
    /// `https://`: always TLS.
    Https,
    Ssh,
}

/// What the endpoint resolution reads from the process environment.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub docker_host: Option<String>,
    /// `DOCKER_TLS_VERIFY` is set to something other than the empty string.
    pub tls_verify: bool,
    pub cert_path: Option<PathBuf>,
    pub docker_context: Option<String>,
    /// `DOCKER_CONFIG`, else `~/.docker`.
    pub config_dir: PathBuf,
    /// `$HOME`, to shorten paths in messages (`~/.docker/config.json`).
    pub home: Option<PathBuf>,
}

impl Environment {
    /// The environment of this process. Empty variables count as unset, as
    /// the docker CLI counts them.
    pub fn of_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let home = var("HOME").map(PathBuf::from);
        let config_dir = var("DOCKER_CONFIG").map_or_else(
            || {
                home.clone()
                    .unwrap_or_else(|| PathBuf::from("/"))
                    .join(".docker")
            },
            PathBuf::from,
        );
        Self {
            docker_host: var("DOCKER_HOST"),
            tls_verify: var("DOCKER_TLS_VERIFY").is_some(),
            cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            docker_context: var("DOCKER_CONTEXT"),
            config_dir,
            home,
        }
    }

    /// `path` with the home directory written `~`, for messages.
    pub fn show(&self, path: &Path) -> String {
        if let Some(rest) = self.home.as_ref().and_then(|h| path.strip_prefix(h).ok()) {
            return format!("~/{}", rest.display());
        }
        path.display().to_string()
    }

    fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.json")
    }

    /// The TLS material the environment gives a `tcp://` address:
    /// `DOCKER_CERT_PATH` (default: the config directory) when
    /// `DOCKER_TLS_VERIFY` is set.
    fn tls(&self, always: bool) -> Option<Tls> {
        (always || self.tls_verify).then(|| Tls {
            dir: self
                .cert_path
                .clone()
                .unwrap_or_else(|| self.config_dir.clone()),
        })
    }
}

/// The engine of a run, as the docker CLI would choose it: `--host` (with
/// the TLS variables), else `--context`, else `DOCKER_HOST`, else
/// `DOCKER_CONTEXT`, else the config file's `currentContext`, else the local
/// socket. `--host` and `--context` together are refused before this (an
/// argument error, as in the docker CLI).
pub fn resolve(
    host: Option<&str>,
    context: Option<&str>,
    env: &Environment,
) -> Result<Endpoint, EngineError> {
    if let Some(url) = host {
        return from_url(url, Origin::HostFlag, env);
    }
    if let Some(name) = context {
        return resolve_context(name, ContextChoice::Flag, env);
    }
    if let Some(url) = &env.docker_host {
        return from_url(url, Origin::DockerHost, env);
    }
    if let Some(name) = &env.docker_context {
        return resolve_context(name, ContextChoice::Env, env);
    }
    if let Some(name) = current_context(env)? {
        let file = env.config_file();
        return resolve_context(&name, ContextChoice::ConfigFile(file), env);
    }
    default_endpoint(env)
}

/// The `default` context: `DOCKER_HOST`, else the local socket.
fn default_endpoint(env: &Environment) -> Result<Endpoint, EngineError> {
    match &env.docker_host {
        Some(url) => from_url(url, Origin::DockerHost, env),
        None => from_url(LOCAL_SOCKET, Origin::LocalSocket, env),
    }
}

/// `currentContext` of the config file, if it names one.
fn current_context(env: &Environment) -> Result<Option<String>, EngineError> {
    let file = env.config_file();
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(EngineError::BadConfig {
                path: env.show(&file),
                reason: err.to_string(),
            })
        }
    };
    let config: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| EngineError::BadConfig {
            path: env.show(&file),
            reason: err.to_string(),
        })?;
    Ok(config
        .get("currentContext")
        .and_then(serde_json::Value::as_str)
        .filter(|name| !name.is_empty())
        .map(str::to_owned))
}

/// The directory of a context in the store, under `meta/` or `tls/`: named
/// by the SHA-256 of the context's name, as the docker CLI names it.
pub fn context_dir(config_dir: &Path, kind: &str, name: &str) -> PathBuf {
    let digest = Sha256::digest(name.as_bytes());
    config_dir
        .join("contexts")
        .join(kind)
        .join(format!("{digest:x}"))
}

/// The endpoint of the context `name` (the `default` context is
/// `DOCKER_HOST` or the local socket): its `docker` endpoint from
/// `contexts/meta/<sha256>/meta.json`, with the TLS files under
/// `contexts/tls/<sha256>/docker/` when it has them.
pub fn resolve_context(
    name: &str,
    chosen: ContextChoice,
    env: &Environment,
) -> Result<Endpoint, EngineError> {
    if name == DEFAULT_CONTEXT {
        return default_endpoint(env);
    }
    let chosen_by = chosen.to_string();
    let origin = Origin::Context {
        name: name.to_owned(),
        chosen,
    };
    let meta = context_dir(&env.config_dir, "meta", name).join("meta.json");
    let text = match std::fs::read_to_string(&meta) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(EngineError::NoContext {
                name: name.to_owned(),
                chosen: chosen_by,
                store: env.show(&env.config_dir.join("contexts")),
            })
        }
        Err(err) => {
            return Err(EngineError::BadContext {
                name: name.to_owned(),
                path: env.show(&meta),
                reason: err.to_string(),
            })
        }
    };
    let bad = |reason: String| EngineError::BadContext {
        name: name.to_owned(),
        path: env.show(&meta),
        reason,
    };
    let meta_json: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| bad(err.to_string()))?;
    let docker = meta_json
        .get("Endpoints")
        .and_then(|e| e.get("docker"))
        .ok_or_else(|| bad("it has no `docker` endpoint".to_owned()))?;
    let url = docker
        .get("Host")
        .and_then(serde_json::Value::as_str)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("its `docker` endpoint has no `Host`".to_owned()))?;
    if docker
        .get("SkipTLSVerify")
        .and_then(serde_json::Value::as_bool)
        == Some(true)
    {
        return Err(bad(
            "it skips verifying the engine's TLS certificate (SkipTLSVerify), which shakedown does not do"
                .to_owned(),
        ));
    }
    let tls_dir = context_dir(&env.config_dir, "tls", name).join("docker");
    let scheme = scheme_of(url).map_err(|reason| EngineError::BadHost {
        endpoint: url.to_owned(),
        origin: origin.to_string(),
        reason,
    })?;
    let tls = match scheme {
        Scheme::Https => Some(Tls { dir: tls_dir }),
        Scheme::Tcp if tls_dir.join("ca.pem").is_file() || tls_dir.join("cert.pem").is_file() => {
            Some(Tls { dir: tls_dir })
        }
        _ => None,
    };
    parse(url, tls, origin)
}

/// An endpoint for a URL, with TLS as the environment gives it: `https://`
/// always, `tcp://` and `http://` with `DOCKER_TLS_VERIFY`, the files from
/// `DOCKER_CERT_PATH` (default: the config directory).
pub fn from_url(url: &str, origin: Origin, env: &Environment) -> Result<Endpoint, EngineError> {
    let scheme = scheme_of(url).map_err(|reason| EngineError::BadHost {
        endpoint: url.to_owned(),
        origin: origin.to_string(),
        reason,
    })?;
    let tls = match scheme {
        Scheme::Https => env.tls(true),
        Scheme::Tcp => env.tls(false),
        Scheme::Unix | Scheme::Ssh => None,
    };
    parse(url, tls, origin)
}

fn scheme_of(url: &str) -> Result<Scheme, String> {
    let (scheme, _) = url
        .split_once("://")
        .ok_or_else(|| "it has no scheme (unix://, tcp://, https:// or ssh://)".to_owned())?;
    match scheme {
        "unix" => Ok(Scheme::Unix),
        "tcp" | "http" => Ok(Scheme::Tcp),
        "https" => Ok(Scheme::Https),
        "ssh" => Ok(Scheme::Ssh),
        other => Err(format!(
            "`{other}://` is not an engine address shakedown knows"
        )),
    }
}

/// Checks `url` and writes it the way the engine adapter connects to it:
/// a `tcp://` address without a port gets the docker CLI's (2376 with TLS,
/// else 2375).
fn parse(url: &str, tls: Option<Tls>, origin: Origin) -> Result<Endpoint, EngineError> {
    let bad = |reason: &str| EngineError::BadHost {
        endpoint: url.to_owned(),
        origin: origin.to_string(),
        reason: reason.to_owned(),
    };
    let scheme = scheme_of(url).map_err(|reason| bad(&reason))?;
    let rest = url.split_once("://").map_or("", |(_, rest)| rest);
    let url = match scheme {
        Scheme::Unix => {
            if !rest.starts_with('/') {
                return Err(bad(
                    "a unix socket needs an absolute path: unix:///path/to/docker.sock",
                ));
            }
            url.to_owned()
        }
        Scheme::Tcp | Scheme::Https => {
            let authority = rest.trim_end_matches('/');
            if authority.contains('/') {
                return Err(bad("shakedown does not support a path after host:port"));
            }
            let (host, port) = split_port(authority);
            let port = match port {
                Some(port) => port
                    .parse::<u16>()
                    .map_err(|_| bad("the port is not a number from 1 to 65535"))?,
                None if tls.is_some() => 2376,
                None => 2375,
            };
            let host = if host.is_empty() { "127.0.0.1" } else { host };
            let scheme = url.split_once("://").map_or("tcp", |(s, _)| s);
            format!("{scheme}://{host}:{port}")
        }
        Scheme::Ssh => {
            let authority = rest.trim_end_matches('/');
            if authority.contains('/') {
                return Err(bad(
                    "an ssh address is ssh://[user@]host[:port], with no path after it",
                ));
            }
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let (name, port) = split_port(host);
            if name.is_empty() {
                return Err(bad("an ssh address needs a host: ssh://[user@]host[:port]"));
            }
            if let Some(port) = port {
                port.parse::<u16>()
                    .map_err(|_| bad("the port is not a number from 1 to 65535"))?;
            }
            format!("ssh://{authority}")
        }
    };
    Ok(Endpoint { url, tls, origin })
}

/// `host:port` → (`host`, `Some(port)`); IPv6 in brackets keeps its colons.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(end) = authority.rfind(']') {
        return match authority[end..].find(':') {
            Some(colon) => (
                &authority[..end + colon],
                Some(&authority[end + colon + 1..]),
            ),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

impl Endpoint {
    pub fn scheme(&self) -> Scheme {
        scheme_of(&self.url).unwrap_or(Scheme::Unix)
    }

    /// What to do when this endpoint does not answer, fitting its kind and
    /// where it came from.
    pub fn remedy(&self) -> String {
        let fix = match (self.scheme(), &self.tls) {
            (Scheme::Unix, _) if self.origin == Origin::LocalSocket => {
                return "start an engine here (on Debian, `bash docker/setup-engine.sh` from \
                        shakedown's repository installs and starts one), or name a running one \
                        with --host URL, DOCKER_HOST, --context NAME or `docker context use NAME`"
                    .to_owned();
            }
            (Scheme::Unix, _) => format!(
                "check that an engine listens on {} and that this user may use the socket",
                self.url
            ),
            (Scheme::Tcp | Scheme::Https, Some(tls)) => format!(
                "check that the engine listens at {} with TLS, and that {}, {} and {} are the CA \
                 that signed the engine's certificate and a client certificate and key it trusts",
                self.url,
                tls.ca().display(),
                tls.cert().display(),
                tls.key().display()
            ),
            (Scheme::Tcp | Scheme::Https, None) => format!(
                "check that the engine listens at {} (dockerd -H tcp://…); if it wants TLS, set \
                 DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory of ca.pem, cert.pem \
                 and key.pem",
                self.url
            ),
            (Scheme::Ssh, _) => {
                let authority = self.url.trim_start_matches("ssh://");
                let (user_host, port) = match authority.rsplit_once('@') {
                    Some((user, host)) => {
                        let (host, port) = split_port(host);
                        (format!("{user}@{host}"), port)
                    }
                    None => {
                        let (host, port) = split_port(authority);
                        (host.to_owned(), port)
                    }
                };
                let target = match port {
                    Some(port) => format!("-p {port} {user_host}"),
                    None => user_host,
                };
                let mut fix = format!(
                    "check that `ssh {target} docker version` works without a prompt (a key \
                     the host accepts, its host key in known_hosts, settings in ~/.ssh/config), \
                     and that the docker CLI is installed there"
                );
                if let Some(port) = port {
                    // bollard 0.21's ssh transport hands ssh "host:port" as
                    // the host name (fixed upstream, not yet released).
                    let host =
                        split_port(authority.rsplit_once('@').map_or(authority, |(_, h)| h)).0;
                    fix.push_str(&format!(
                        "; ssh is given `{host}:{port}` as the host name, so ~/.ssh/config needs \
                         `Host {host}:{port}` with `HostName {host}` and `Port {port}` (or a Host \
                         alias with the port, named in the URL without one)"
                    ));
                }
                fix
            }
        };
        match &self.origin {
            Origin::Context { .. } => format!(
                "{fix}; or choose another context with --context NAME or `docker context use NAME`"
            ),
            Origin::DockerHost => format!("{fix}; or unset DOCKER_HOST to use the Docker context"),
            _ => fix,
        }
    }

    /// The error for an engine that did not answer here.
    pub fn unreachable(&self, reason: impl Into<String>) -> EngineError {
        EngineError::Unreachable {
            endpoint: self.url.clone(),
            origin: self.origin.to_string(),
            reason: reason.into().trim_end().to_owned(),
            help: self.remedy(),
        }
    }

    /// The error for an address bollard cannot use.
    pub fn bad_host(&self, reason: impl Into<String>) -> EngineError {
        EngineError::BadHost {
            endpoint: self.url.clone(),
            origin: self.origin.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.url, self.origin)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::HostFlag => f.write_str("from --host"),
            Origin::DockerHost => f.write_str("from DOCKER_HOST"),
            Origin::EngineFlag { engine } => write!(f, "from --engine {engine}"),
            Origin::LocalSocket => f.write_str(
                "the local socket: no --host, DOCKER_HOST or Docker context names another",
            ),
            Origin::Context {
                name,
                chosen: ContextChoice::ConfigFile(path),
            } => write!(f, "from context `{name}` in {}", show_home(path)),
            Origin::Context { name, chosen } => write!(f, "from context `{name}`, {chosen}"),
        }
    }
}

impl fmt::Display for ContextChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextChoice::Flag => f.write_str("chosen by --context"),
            ContextChoice::Env => f.write_str("chosen by DOCKER_CONTEXT"),
            ContextChoice::ConfigFile(path) => {
                write!(f, "the current context in {}", show_home(path))
            }
            ContextChoice::EngineFlag { engine } => write!(f, "chosen by --engine {engine}"),
        }
    }
}

/// A path with this process's home directory written `~`.
fn show_home(path: &Path) -> String {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home.as_ref().and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &Path) -> Environment {
        Environment {
            config_dir: dir.to_path_buf(),
            home: None,
            ..Environment::default()
        }
    }

    /// A context in the store the way `docker context create` writes it.
    fn store(dir: &Path, name: &str, host: &str, tls: bool) {
        let meta = context_dir(dir, "meta", name);
        std::fs::create_dir_all(&meta).unwrap();
        let json = format!(
            r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
        );
        std::fs::write(meta.join("meta.json"), json).unwrap();
        if tls {
            let tls = context_dir(dir, "tls", name).join("docker");
            std::fs::create_dir_all(&tls).unwrap();
            for file in ["ca.pem", "cert.pem", "key.pem"] {
                std::fs::write(tls.join(file), "pem").unwrap();
            }
        }
    }

    fn use_context(dir: &Path, name: &str) {
        std::fs::write(
            dir.join("config.json"),
            format!(r#"{{"auths":{{}},"currentContext":"{name}"}}"#),
        )
        .unwrap();
    }

    #[test]
    fn the_store_is_named_by_the_sha256_of_the_context_name() {
        // `docker context create gpu-box` writes here (sha256 of "gpu-box").
        let dir = context_dir(Path::new("/c"), "meta", "gpu-box");
        let expected = format!("/c/contexts/meta/{:x}", Sha256::digest(b"gpu-box"));
        assert_eq!(dir, PathBuf::from(expected));
        assert_eq!(
            context_dir(Path::new("/c"), "meta", "default"),
            PathBuf::from(
                "/c/contexts/meta/37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
            )
        );
    }

    #[test]
    fn nothing_set_means_the_local_socket() {
        let tmp = tempfile::tempdir().unwrap();
        let got = resolve(None, None, &env(tmp.path())).unwrap();
        assert_eq!(got.url, LOCAL_SOCKET);
        assert_eq!(got.origin, Origin::LocalSocket);
        assert_eq!(got.tls, None);
    }

    #[test]
    fn precedence_follows_the_docker_cli() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        store(dir, "current", "tcp://10.0.0.1:2375", false);
        store(dir, "from-env", "tcp://10.0.0.2:2375", false);
        store(dir, "from-flag", "tcp://10.0.0.3:2375", false);
        use_context(dir, "current");
        let mut e = env(dir);

        let got = resolve(None, None, &e).unwrap();
        assert_eq!(got.url, "tcp://10.0.0.1:2375");
        assert_eq!(
            got.origin,
            Origin::Context {
                name: "current".into(),
                chosen: ContextChoice::ConfigFile(dir.join("config.json"))
            }
        );

        e.docker_context = Some("from-env".into());
        assert_eq!(resolve(None, None, &e).unwrap().url, "tcp://10.0.0.2:2375");

        e.docker_host = Some("tcp://10.0.0.9:2375".into());
        let got = resolve(None, None, &e).unwrap();
        assert_eq!(got.url, "tcp://10.0.0.9:2375", "DOCKER_HOST beats contexts");
        assert_eq!(got.origin, Origin::DockerHost);

        let got = resolve(None, Some("from-flag"), &e).unwrap();
        assert_eq!(
            got.url, "tcp://10.0.0.3:2375",
            "--context beats DOCKER_HOST"
        );

        let got = resolve(Some("unix:///x.sock"), None, &e).unwrap();
        assert_eq!(got.url, "unix:///x.sock", "--host beats everything");
        assert_eq!(got.origin, Origin::HostFlag);
    }

    #[test]
    fn the_default_context_is_docker_host_or_the_socket() {
        let tmp = tempfile::tempdir().unwrap();
        use_context(tmp.path(), "default");
        let mut e = env(tmp.path());
        assert_eq!(resolve(None, None, &e).unwrap().url, LOCAL_SOCKET);
        e.docker_host = Some("tcp://h:1".into());
        assert_eq!(resolve(None, Some("default"), &e).unwrap().url, "tcp://h:1");
    }

    #[test]
    fn a_context_with_tls_files_uses_them() {
        let tmp = tempfile::tempdir().unwrap();
        store(tmp.path(), "tls", "tcp://127.0.0.1:2376", true);
        store(tmp.path(), "plain", "tcp://127.0.0.1:2375", false);
        let e = env(tmp.path());
        let got = resolve(None, Some("tls"), &e).unwrap();
        let dir = context_dir(tmp.path(), "tls", "tls").join("docker");
        assert_eq!(got.tls, Some(Tls { dir: dir.clone() }));
        assert_eq!(got.tls.unwrap().ca(), dir.join("ca.pem"));
        assert_eq!(resolve(None, Some("plain"), &e).unwrap().tls, None);
    }

    #[test]
    fn a_missing_context_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let err = resolve(None, Some("gpu-box"), &env(tmp.path())).unwrap_err();
        assert!(
            matches!(&err, EngineError::NoContext { name, .. } if name == "gpu-box"),
            "{err:?}"
        );
    }

    #[test]
    fn a_context_that_skips_tls_verification_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        store(tmp.path(), "lax", "tcp://h:2376", false);
        let meta = context_dir(tmp.path(), "meta", "lax").join("meta.json");
        let text = std::fs::read_to_string(&meta).unwrap();
        std::fs::write(&meta, text.replace("false", "true")).unwrap();
        let err = resolve(None, Some("lax"), &env(tmp.path())).unwrap_err();
        assert!(matches!(err, EngineError::BadContext { .. }), "{err:?}");
    }

    #[test]
    fn a_broken_config_file_is_an_error_not_the_socket() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("config.json"), "{ nope").unwrap();
        let err = resolve(None, None, &env(tmp.path())).unwrap_err();
        assert!(matches!(err, EngineError::BadConfig { .. }), "{err:?}");
    }

    #[test]
    fn tls_variables_apply_to_tcp_addresses() {
        let tmp = tempfile::tempdir().unwrap();
        let mut e = env(tmp.path());
        e.docker_host = Some("tcp://h".into());
        assert_eq!(resolve(None, None, &e).unwrap().url, "tcp://h:2375");
        e.tls_verify = true;
        let got = resolve(None, None, &e).unwrap();
        assert_eq!(got.url, "tcp://h:2376");
        assert_eq!(
            got.tls,
            Some(Tls {
                dir: tmp.path().to_path_buf()
            }),
            "DOCKER_CERT_PATH defaults to the config directory"
        );
        e.cert_path = Some("/certs".into());
        let got = resolve(Some("tcp://h:9"), None, &e).unwrap();
        assert_eq!(got.tls.unwrap().dir, PathBuf::from("/certs"));
        e.tls_verify = false;
        let got = from_url("https://h:9", Origin::HostFlag, &e).unwrap();
        assert!(got.tls.is_some(), "https:// is always TLS");
        let got = from_url("ssh://root@h:2222", Origin::HostFlag, &e).unwrap();
        assert_eq!(got.tls, None);
    }

    #[test]
    fn urls_are_checked() {
        let e = Environment::default();
        let ok = |url: &str| from_url(url, Origin::HostFlag, &e).map(|e| e.url);
        assert_eq!(
            ok("ssh://root@127.0.0.1:2222").unwrap(),
            "ssh://root@127.0.0.1:2222"
        );
        assert_eq!(ok("ssh://gpu-box").unwrap(), "ssh://gpu-box");
        assert_eq!(ok("http://[::1]:2375/").unwrap(), "http://[::1]:2375");
        for bad in [
            "ftp://h",
            "h:2375",
            "unix://relative.sock",
            "tcp://h:99999",
            "ssh://h/path",
            "ssh://root@",
            "tcp://h:1/v1.40",
        ] {
            assert!(
                matches!(ok(bad), Err(EngineError::BadHost { .. })),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn origins_read_as_sentences() {
        let context = Origin::Context {
            name: "gpu-box".into(),
            chosen: ContextChoice::ConfigFile("/etc/docker-config/config.json".into()),
        };
        assert_eq!(
            context.to_string(),
            "from context `gpu-box` in /etc/docker-config/config.json"
        );
        assert_eq!(Origin::DockerHost.to_string(), "from DOCKER_HOST");
    }

    #[test]
    fn the_local_socket_diagnostic_names_the_setup_script_of_shakedowns_repository() {
        let local = resolve(None, None, &Environment::default()).unwrap();
        let err = local.unreachable("there is no socket at /var/run/docker.sock");
        insta::assert_snapshot!(crate::error::render_diagnostic(&err, false, Some(100)));
    }

    #[test]
    fn the_setup_script_is_named_only_for_the_local_socket() {
        let e = Environment::default();
        let local = resolve(None, None, &e).unwrap();
        assert!(local.remedy().contains("docker/setup-engine.sh"));
        assert!(local.remedy().contains("shakedown's repository"));
        for url in ["unix:///x.sock", "tcp://h:1", "https://h:1", "ssh://u@h"] {
            let other = from_url(url, Origin::HostFlag, &e).unwrap();
            assert!(!other.remedy().contains("setup-engine"), "{url}");
        }
        let ssh = from_url("ssh://u@h:22", Origin::HostFlag, &e).unwrap();
        assert!(
            ssh.remedy().contains("`ssh -p 22 u@h docker version`"),
            "{}",
            ssh.remedy()
        );
    }
}
