//! Network modes that reach past what shakedown creates. Published ports
//! listen on 127.0.0.1 only; a container on the host's network (`"host"`)
//! listens on every interface of the machine instead, and one that joins
//! another container's network (`"container:NAME"`) reads that container's
//! localhost. Both fail closed: they need `--allow-network host` or
//! `--allow-network container:NAME` (or `container`, for any), except that
//! joining a container the same run started (a sidecar) needs nothing.

use rhai::NativeCallContext;

use super::convert::{until_cancelled, RhaiResult};
use super::engine_errors::thrown;
use crate::engine::OpError;
use crate::error::Thrown;
use crate::runner::context::Ctx;

/// What `--allow-network` accepts, as the help names it.
pub const ALLOWED_FORMS: &str = "host, container:NAME or container";

/// Whether `--allow-network` may be given `value`.
pub fn is_valid_allowance(value: &str) -> bool {
    value == "host"
        || value == "container"
        || value
            .strip_prefix("container:")
            .is_some_and(|name| !name.is_empty())
}

/// Refuses `network` unless it stays within what shakedown created or the
/// command line allowed it; asks the engine whose a joined container is.
pub fn enforce(call: &NativeCallContext, ctx: &Ctx, network: Option<&str>) -> RhaiResult<()> {
    let at = |t: Thrown| t.at(call.call_position());
    let refusal = match check(network, &ctx.run.options.allow_networks) {
        Ok(()) => return Ok(()),
        Err(refusal) => refusal,
    };
    let Some(name) = network.and_then(|n| n.strip_prefix("container:")) else {
        return Err(at(refusal));
    };
    match until_cancelled(ctx, ctx.engine().run_label_of(name)) {
        Ok(Some(run)) if run == ctx.run.id => Ok(()),
        Ok(_) | Err(OpError::NoImage(_)) => Err(at(refusal)),
        Err(err) => Err(at(thrown(err))),
    }
}

/// Refuses `network` when it reaches past shakedown's containers and the
/// command line did not allow it (a container of the run is judged by
/// [`enforce`]).
pub fn check(network: Option<&str>, allowed: &[String]) -> Result<(), Thrown> {
    let Some(network) = network else {
        return Ok(());
    };
    let granted = |what: &str| allowed.iter().any(|a| a == what);
    let (reason, flag) = if network == "host" {
        if granted("host") {
            return Ok(());
        }
        (
            "a container on the host's network shares the machine's interfaces, so a server in it listens on every address of this machine, not on 127.0.0.1 only",
            "host".to_owned(),
        )
    } else if let Some(name) = network.strip_prefix("container:") {
        if granted("container") || granted(network) {
            return Ok(());
        }
        (
            "it joins the network of a container this run did not start, and can reach that container's localhost",
            format!("container:{name}"),
        )
    } else {
        return Ok(());
    };
    Err(Thrown::usage(
        format!("network {network:?} is refused: {reason}"),
        format!("if the checklist needs it, run with --allow-network {flag}; otherwise use \"bridge\" (the default), \"none\" or a network name"),
    )
    .with_code("shakedown::network::refused"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_other_containers_are_refused_unless_allowed() {
        assert!(check(Some("host"), &[]).is_err());
        assert!(check(Some("container:db"), &[]).is_err());
        assert!(check(Some("host"), &["host".into()]).is_ok());
        assert!(check(Some("container:db"), &["container:db".into()]).is_ok());
        assert!(check(Some("container:db"), &["container:other".into()]).is_err());
        assert!(check(Some("container:db"), &["container".into()]).is_ok());
        assert!(check(Some("container:db"), &["host".into()]).is_err());
    }

    #[test]
    fn ordinary_networks_need_nothing() {
        for network in [None, Some("none"), Some("bridge"), Some("my-net")] {
            assert!(check(network, &[]).is_ok());
        }
    }

    #[test]
    fn the_refusal_says_why_and_how_to_allow() {
        let err = check(Some("host"), &[]).unwrap_err();
        assert_eq!(err.code, "shakedown::network::refused");
        assert!(err.message.contains("every address"), "{}", err.message);
        assert!(err
            .help
            .unwrap_or_default()
            .contains("--allow-network host"));
    }

    #[test]
    fn allowances_are_validated() {
        for good in ["host", "container", "container:db"] {
            assert!(is_valid_allowance(good));
        }
        for bad in ["", "hosts", "container:", "bridge"] {
            assert!(!is_valid_allowance(bad));
        }
    }
}
