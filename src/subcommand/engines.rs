//! The engines of a run: `default` by the usual rules, and the ones
//! `--engine` names, each checked before the first task.

use std::sync::Arc;

use crate::cli::{CommonConfig, EngineEndpoint};
use crate::engine::endpoint::{self, ContextChoice, Environment, Origin};
use crate::engine::{Client, Endpoint, Engines};
use crate::error::{render_error, EngineError, Exit};

/// Prepares every engine of the run; nothing is sent yet. An endpoint that
/// cannot be used is one diagnostic each, and exit 3.
pub fn connect(common: &CommonConfig) -> Result<Engines, Exit> {
    let env = Environment::of_process();
    let mut errors = Vec::new();
    let default = common.endpoint().map_err(|err| errors.push(err));
    let named: Vec<(String, Endpoint)> = common
        .engines
        .iter()
        .filter_map(|spec| match resolve(&spec.name, &spec.endpoint, &env) {
            Ok(endpoint) => Some((spec.name.clone(), endpoint)),
            Err(err) => {
                errors.push(err);
                None
            }
        })
        .collect();
    match default {
        Ok(default) if errors.is_empty() => Ok(Engines::new(
            Arc::new(Client::connect(default).with_builder(common.builder)),
            named,
        )),
        _ => {
            for err in &errors {
                render_error(err, None);
            }
            Err(Exit::Engine)
        }
    }
}

/// Pings the engines `--engine` named, all at once: one diagnostic for
/// each that does not answer, and exit 3 if any.
pub fn check(rt: &tokio::runtime::Runtime, engines: &Engines) -> Result<(), Exit> {
    let failures = rt.block_on(engines.check_named());
    for err in &failures {
        render_error(err, None);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Exit::Engine)
    }
}

/// The endpoint of `--engine NAME=URL` or `NAME=context:CTX`.
fn resolve(name: &str, given: &EngineEndpoint, env: &Environment) -> Result<Endpoint, EngineError> {
    let engine = name.to_owned();
    match given {
        EngineEndpoint::Url(url) => endpoint::from_url(url, Origin::EngineFlag { engine }, env),
        EngineEndpoint::Context(context) => {
            endpoint::resolve_context(context, ContextChoice::EngineFlag { engine }, env)
        }
    }
}
