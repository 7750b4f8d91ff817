//! A stand-in for an image registry on 127.0.0.1, so that the engine's own
//! pull gets a real registry answer with no network: Docker talks plain
//! HTTP to registries on loopback addresses. It knows no image, and either
//! says so or asks for credentials.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

#[derive(Clone, Copy)]
pub enum Registry {
    /// Answers the API check, then 404 `MANIFEST_UNKNOWN` for every image.
    KnowsNoImage,
    /// Answers 401 with a Basic challenge to everything.
    WantsCredentials,
}

impl Registry {
    /// Serves on a free port until the test process ends; returns
    /// `127.0.0.1:<port>`.
    pub fn start(self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("its address").to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                std::thread::spawn(move || self.answer(stream));
            }
        });
        address
    }

    fn answer(self, mut stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut request = Vec::new();
        let mut chunk = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&chunk[..n]),
            }
            // The engine tries TLS first; a TLS hello is not HTTP.
            if request.first() == Some(&0x16) {
                return;
            }
        }
        let head = String::from_utf8_lossy(&request);
        let path = head.split_whitespace().nth(1).unwrap_or("/");
        let (status, extra, body) = match self {
            Registry::WantsCredentials => (
                "401 Unauthorized",
                "WWW-Authenticate: Basic realm=\"shakedown-test\"\r\n",
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            ),
            Registry::KnowsNoImage if path == "/v2/" => ("200 OK", "", "{}"),
            Registry::KnowsNoImage => (
                "404 Not Found",
                "",
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
            ),
        };
        let body = if head.starts_with("HEAD ") { "" } else { body };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nDocker-Distribution-API-Version: registry/2.0\r\n{extra}\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

/// The test registry of tests/remote/registry.sh, and the one account on it.
pub const REAL: &str = "127.0.0.1:5000";
pub const REAL_USER: &str = "shakedown";
pub const REAL_PASSWORD: &str = "shakedown-registry-test";

/// Deletes a manifest a test pushed to the test registry (its blobs stay
/// until the registry's garbage collection, which tests never run).
pub fn delete_from_real(repository_path: &str, digest: &str) {
    let _ = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "--max-time",
            "10",
            "-u",
            &format!("{REAL_USER}:{REAL_PASSWORD}"),
            "-X",
            "DELETE",
            &format!("http://{REAL}/v2/{repository_path}/manifests/{digest}"),
        ])
        .status();
}

/// Writes `docker-credential-shakedown-stub` into `dir`: a credential
/// helper that answers as the docker CLI expects (`get`, the registry on
/// stdin, JSON on stdout) with the test registry's account, and "not
/// found" for any other registry. Name it in config.json as
/// `"credHelpers": {"127.0.0.1:5000": "shakedown-stub"}`.
pub fn write_stub_helper(dir: &std::path::Path) {
    let helper = dir.join("docker-credential-shakedown-stub");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n\
             [ \"$server\" = {REAL} ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"{REAL_USER}\",\"Secret\":\"{REAL_PASSWORD}\"}}' \"$server\"\n"
        ),
    )
    .expect("the helper is written");
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("the helper is executable");
}
