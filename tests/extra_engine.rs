//! Engines of the tests' own beside the shared one
//! (tests/engines/extra-engine.sh): starting and stopping one leaves the
//! shared engine's network alone, and a private one can be frozen to prove
//! that a stalled engine never hangs a run (issue 14, point 4).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::extra_engine::{lines, ExtraEngine, IMAGE};
use common::{base_image, check, command};

/// A container on the given engine (`None`: the shared one) gets an
/// address, reaches its gateway, and a port it publishes answers HTTP on
/// 127.0.0.1.
fn networks(host: Option<&str>) -> Result<(), String> {
    let docker = |args: &[&str]| {
        let mut cmd = Command::new("docker");
        match host {
            Some(host) => cmd.env("DOCKER_HOST", host),
            None => cmd.env_remove("DOCKER_HOST"),
        };
        cmd.args(args).output().expect("docker runs")
    };
    // Up to three echoes: one lost on a loaded machine is not a broken
    // network; none answered is.
    let probe = docker(&[
        "run",
        "--rm",
        IMAGE,
        "sh",
        "-c",
        "ip -4 addr show eth0 | grep -q inet && ping -c 3 -W 5 $(ip route | awk '/default/ { print $3 }')",
    ]);
    if !probe.status.success() {
        return Err(format!(
            "no address or no gateway: {}{}",
            String::from_utf8_lossy(&probe.stdout),
            String::from_utf8_lossy(&probe.stderr)
        ));
    }
    let started = docker(&[
        "run",
        "-d",
        "-p",
        "127.0.0.1::80",
        IMAGE,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/",
    ]);
    let id = String::from_utf8_lossy(&started.stdout).trim().to_owned();
    let answer = (|| {
        if !started.status.success() {
            return Err(format!(
                "httpd did not start: {}",
                String::from_utf8_lossy(&started.stderr)
            ));
        }
        let port = String::from_utf8_lossy(&docker(&["port", &id, "80"]).stdout)
            .lines()
            .next()
            .and_then(|l| l.rsplit(':').next().map(str::to_owned))
            .ok_or("no published port")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let reply = TcpStream::connect(format!("127.0.0.1:{port}")).and_then(|mut stream| {
                stream.set_read_timeout(Some(Duration::from_secs(5)))?;
                stream.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
                let mut reply = String::new();
                stream.read_to_string(&mut reply)?;
                Ok(reply)
            });
            match reply {
                Ok(reply) if reply.starts_with("HTTP/1.") => return Ok(()),
                _ if Instant::now() > deadline => {
                    return Err(format!("port {port} never answered HTTP: {reply:?}"))
                }
                _ => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    })();
    if !id.is_empty() {
        docker(&["rm", "-f", &id]);
    }
    answer
}

#[test]
fn the_shared_engine_still_networks_while_and_after_an_extra_engine_runs() {
    base_image();
    networks(None).expect("the shared engine networks before");
    let engine = ExtraEngine::start("net");
    networks(Some(&engine.host)).expect("the extra engine networks");
    networks(None).expect("the shared engine networks beside it");
    engine.stop();
    let bridge = Command::new("ip")
        .args(["link", "show", &format!("sde-{}", engine.name)])
        .output()
        .expect("ip runs");
    assert!(!bridge.status.success(), "its bridge is gone");
    networks(None).expect("the shared engine networks after");
}

#[test]
fn a_tls_engine_serves_a_checklist_and_the_shared_engine_still_networks_after_it() {
    base_image();
    networks(None).expect("the shared engine networks before");
    // A port of this test's own: other checkouts may run it at the same time.
    let port = 20_000 + std::process::id() % 10_000;
    let address = format!("tcp://127.0.0.1:{port}");
    let server = common::remote::server_certs();
    let file = |name: &str| server.join(name).display().to_string();
    let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
    let engine = ExtraEngine::start_with(
        "tls",
        &[
            "-H",
            &address,
            "--tlsverify",
            "--tlscacert",
            &ca,
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
        ],
    );
    let ran = command(&["run", "tests/fixtures/remote.rhai", "--host", &address])
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", common::remote::client_certs())
        .output()
        .expect("shakedown runs");
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    networks(None).expect("the shared engine networks beside it");
    engine.stop();
    networks(None).expect("the shared engine networks after it stopped");
}

/// Waits for `child` at most `limit`; kills it past that.
fn wait_at_most(mut child: Child, limit: Duration) -> Option<Output> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

fn spawn(args: &[&str]) -> Child {
    command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("shakedown starts")
}
/// A run that only reads files, on the thawed engine, removes what the
/// stopped run of `pid` left there.
fn the_next_run_sweeps(engine: &ExtraEngine, host: &str, pid: u32) {
    let next = command(&["run", "--host", host, "scripts/demo-static.rhai"])
        .output()
        .expect("shakedown runs");
    assert_eq!(
        next.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    assert_eq!(
        engine.containers_of_pid(pid, false),
        Vec::<String>::new(),
        "the next run swept them"
    );
}

/// Waits until `count` containers of process `pid` run on `engine`.
fn until_running(engine: &ExtraEngine, pid: u32, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while engine.containers_of_pid(pid, true).len() < count {
        assert!(Instant::now() < deadline, "{count} containers never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[allow(clippy::too_many_lines)]
fn a_frozen_engine_never_hangs_a_run_and_the_next_run_sweeps() {
    base_image();
    let engine = ExtraEngine::start("frz");
    let host = engine.host.clone();

    // Checks with 8 s timeouts; the engine freezes once their containers
    // run. The run must end within its timeouts + 15 s, with a diagnostic.
    let started = Instant::now();
    let child = spawn(&[
        "run",
        "--host",
        &host,
        "--format",
        "json",
        "tests/fixtures/frozen-engine.rhai",
    ]);
    let pid = child.id();
    until_running(&engine, pid, 3);
    std::thread::sleep(Duration::from_secs(1));
    engine.signal("-STOP");
    let output = wait_at_most(child, Duration::from_secs(60));
    let took = started.elapsed();
    let output = output.expect("the run ended (it was killed after 60 s)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "frozen engine: the run ended {took:?} after its start (bound 23 s), exit {:?}",
        output.status.code()
    );
    assert!(
        took < Duration::from_secs(8 + 15),
        "the run took {took:?}:\n{stderr}"
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    for name in ["a wait", "an exec", "a run", "another run"] {
        assert_eq!(
            check(&json, name)["failure"]["code"],
            "shakedown::check::timeout",
            "{name}: {json:#}"
        );
    }
    let left = json["left_behind"].as_array().cloned().unwrap_or_default();
    assert!(
        !left.is_empty(),
        "the containers it could not remove are named: {json:#}"
    );
    for container in &left {
        let reason = container["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("did not answer"), "{container:#}");
    }
    assert!(stderr.contains("could not be removed"), "{stderr}");
    let run_id = json["run_id"].as_str().unwrap_or_default().to_owned();

    // Thawed, the engine still holds what the run left; the next run, even
    // one that only reads files, sweeps it.
    engine.signal("-CONT");
    assert!(
        !lines(&engine.docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.shakedown.run={run_id}")
        ]))
        .is_empty(),
        "the frozen run left containers for the next run to sweep"
    );
    the_next_run_sweeps(&engine, &host, pid);

    // A single Ctrl-C ends a run on a frozen engine within a few seconds.
    let child = spawn(&[
        "run",
        "--host",
        &host,
        "--format",
        "json",
        "tests/fixtures/signal.rhai",
    ]);
    let pid = child.id();
    until_running(&engine, pid, 5);
    engine.signal("-STOP");
    let sent = Instant::now();
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
    let output = wait_at_most(child, Duration::from_secs(60)).expect("the run ended");
    let took = sent.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "frozen engine: Ctrl-C ended the run {took:?} after it was sent, exit {:?}",
        output.status.code()
    );
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        took < Duration::from_secs(10),
        "Ctrl-C took {took:?} to end it:\n{stderr}"
    );
    assert!(stderr.contains("could not be removed"), "{stderr}");
    engine.signal("-CONT");
    the_next_run_sweeps(&engine, &host, pid);
}
