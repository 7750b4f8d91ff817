//! The names the script API knows, read from the functions the engine has
//! registered (their metadata, as for the reference), and the "did you
//! mean" a mistyped function, method or property gets from them.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use rhai::EvalAltResult;
use serde_json::Value;

/// One registered function: its name and its parameters' types (as
/// [`kind`] reads them) and names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Function {
    name: String,
    params: Vec<(String, String)>,
    returns: String,
}

impl Function {
    /// A property getter's property name.
    fn property(&self) -> Option<&str> {
        self.name.strip_prefix("get$")
    }

    fn receiver(&self) -> Option<&str> {
        self.params.first().map(|(_, kind)| kind.as_str())
    }

    /// `build(options: map)`, with the receiver in front for methods.
    fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(name, kind)| {
                if name.is_empty() {
                    kind.clone()
                } else {
                    format!("{name}: {kind}")
                }
            })
            .collect();
        format!("{}({})", self.name, params.join(", "))
    }
}

/// Every function the engine knows: the script API and Rhai's standard
/// library, from the metadata of their registration.
pub struct Vocabulary {
    functions: Vec<Function>,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| Vocabulary::of(&super::new_engine()));

impl Vocabulary {
    pub fn of(engine: &rhai::Engine) -> Self {
        let functions = engine
            .gen_fn_metadata_to_json(true)
            .ok()
            .and_then(|json| serde_json::from_str::<Value>(&json).ok())
            .map(|value| functions(&value))
            .unwrap_or_default();
        Self { functions }
    }

    /// What to suggest for an evaluation error that names something the
    /// engine does not have; `None` for any other error.
    pub fn suggest(&self, err: &EvalAltResult) -> Option<String> {
        match err.unwrap_inner() {
            EvalAltResult::ErrorFunctionNotFound(signature, _) => {
                let (name, args) = split_call(signature);
                self.for_call(name, &args)
            }
            EvalAltResult::ErrorDotExpr(message, _) => {
                let (property, owner) = quoted_pair(message)?;
                self.for_property(&property, &owner)
            }
            _ => None,
        }
    }

    /// `name(args…)` has no function: the same name with other arguments,
    /// a property called like a method, or the nearest name.
    fn for_call(&self, name: &str, args: &[String]) -> Option<String> {
        let receiver = args.first().map(String::as_str);
        let same_name: Vec<&Function> = self.functions.iter().filter(|f| f.name == name).collect();
        if !same_name.is_empty() {
            let mut signatures: Vec<String> = same_name.iter().map(|f| f.signature()).collect();
            signatures.sort();
            signatures.dedup();
            return Some(format!(
                "`{name}` takes other arguments: {}",
                signatures.join(" or ")
            ));
        }
        if args.len() == 1 {
            if let Some(owner) = receiver {
                if self.has_property(name, owner) {
                    return Some(format!(
                        "`{name}` is a property of {owner}, not a method: write `.{name}` without parentheses"
                    ));
                }
            }
        }
        let candidates = self
            .functions
            .iter()
            .filter(|f| f.property().is_none() && is_identifier(&f.name));
        let fitting: Vec<&str> = candidates
            .clone()
            .filter(|f| f.params.len() == args.len() && receiver_fits(f, receiver))
            .map(|f| f.name.as_str())
            .collect();
        let nearest = nearest(name, fitting.iter().copied())
            .or_else(|| nearest(name, candidates.map(|f| f.name.as_str())))?;
        Some(format!("did you mean `{nearest}`?"))
    }

    /// `.property` is not a property of `owner`: a method called without
    /// parentheses, or the nearest property.
    fn for_property(&self, property: &str, owner: &str) -> Option<String> {
        let methods = self.functions.iter().filter(|f| {
            f.params.len() == 1 && f.property().is_none() && f.receiver() == Some(&kind(owner))
        });
        if methods.clone().any(|f| f.name == property) {
            return Some(format!(
                "`{property}` is a method of {owner}: call it with parentheses, `.{property}()`"
            ));
        }
        let properties: BTreeSet<&str> = self
            .functions
            .iter()
            .filter(|f| f.receiver() == Some(&kind(owner)))
            .filter_map(Function::property)
            .collect();
        if let Some(nearest) = nearest(property, properties.iter().copied()) {
            return Some(format!("did you mean `.{nearest}`?"));
        }
        let nearest = nearest(property, methods.map(|f| f.name.as_str()))?;
        Some(format!("did you mean `.{nearest}()`?"))
    }

    fn has_property(&self, name: &str, owner: &str) -> bool {
        let owner = kind(owner);
        self.functions
            .iter()
            .any(|f| f.property() == Some(name) && f.receiver() == Some(&owner))
    }
}

/// The type of a value `shakedown check` cannot tell before it runs.
pub const UNKNOWN: &str = "?";

/// What `shakedown check` asks of the registered functions: whether a call
/// can be resolved, what it returns, where its options are.
impl Vocabulary {
    /// The vocabulary of the engine every run uses.
    pub fn shared() -> &'static Self {
        &VOCABULARY
    }

    fn named<'a>(
        &'a self,
        name: &'a str,
        arity: usize,
        receiver: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Function> + 'a {
        self.functions.iter().filter(move |f| {
            f.name == name && f.params.len() == arity && receiver_fits(f, receiver)
        })
    }

    /// Whether any function is called `name`.
    pub fn has_name(&self, name: &str) -> bool {
        self.functions.iter().any(|f| f.name == name)
    }

    /// Whether a function `name` takes `arity` arguments (the receiver of a
    /// method counts), the first of type `receiver` when known.
    pub fn knows(&self, name: &str, arity: usize, receiver: Option<&str>) -> bool {
        self.named(name, arity, receiver).next().is_some()
    }

    /// What such a call returns, when every function it may reach agrees.
    pub fn returns(&self, name: &str, arity: usize, receiver: Option<&str>) -> Option<String> {
        let mut kinds = self.named(name, arity, receiver).map(|f| f.returns.clone());
        let first = kinds.next()?;
        kinds.all(|k| k == first).then_some(first)
    }

    /// The position of the argument called `options` of such a call (the
    /// receiver of a method counts).
    pub fn options_at(&self, name: &str, arity: usize) -> Option<usize> {
        self.named(name, arity, None)
            .find_map(|f| f.params.iter().position(|(param, _)| param == "options"))
    }

    /// The type of property `property` of `owner`, if it has one.
    pub fn property(&self, owner: &str, property: &str) -> Option<String> {
        let owner = kind(owner);
        self.functions
            .iter()
            .find(|f| f.property() == Some(property) && f.receiver() == Some(&owner))
            .map(|f| f.returns.clone())
    }

    /// Whether every property of `owner` is a registered getter: an API
    /// type without an indexer (a map's properties are its keys).
    pub fn closed_properties(&self, owner: &str) -> bool {
        let owner = kind(owner);
        let of_owner = || {
            self.functions
                .iter()
                .filter(|f| f.receiver() == Some(&owner))
        };
        of_owner().any(|f| f.property().is_some())
            && !of_owner().any(|f| f.name.starts_with("index$"))
    }

    /// "Did you mean" for a call no function resolves: `args` are the
    /// arguments' types ([`UNKNOWN`] where not known).
    pub fn call_help(&self, name: &str, args: &[String]) -> Option<String> {
        self.for_call(name, args)
    }

    /// "Did you mean" for a property `owner` does not have.
    pub fn property_help(&self, property: &str, owner: &str) -> Option<String> {
        self.for_property(property, owner)
    }
}

/// What to suggest for an error that names something the script API does
/// not have (did you mean…), from the registered functions.
pub fn suggest(err: &EvalAltResult) -> Option<String> {
    VOCABULARY.suggest(err)
}

fn functions(metadata: &Value) -> Vec<Function> {
    metadata["functions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let name = f["name"].as_str()?.to_owned();
            let params = f["params"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or_default().to_owned(),
                        kind(p["type"].as_str().unwrap_or("?")),
                    )
                })
                .collect();
            let returns = kind(&crate::api::type_name(
                f["returnType"].as_str().unwrap_or_default(),
            ));
            Some(Function {
                name,
                params,
                returns,
            })
        })
        .collect()
}

/// A type as both Rhai's error messages and the metadata can name it:
/// `&mut Image` and `Image` are `Image`; `&str`, `ImmutableString` and
/// Rhai's `&str | ImmutableString | String` are `string`.
fn kind(name: &str) -> String {
    let name = name
        .trim()
        .trim_start_matches("&mut ")
        .trim_start_matches("shown::")
        .trim_start_matches('&');
    match name {
        "str" | "String" | "ImmutableString" | "&str | ImmutableString | String" | "string" => {
            "string".into()
        }
        "Array" | "array" | "Vec<Dynamic>" => "array".into(),
        "Map" | "map" => "map".into(),
        "INT" | "i64" | "int" => "int".into(),
        "FLOAT" | "f64" | "float" => "float".into(),
        "FnPtr" | "Fn" => "Fn".into(),
        "Blob" | "blob" => "blob".into(),
        "Number" | "number" => "number".into(),
        other => other.to_owned(),
    }
}

fn receiver_fits(function: &Function, receiver: Option<&str>) -> bool {
    match (function.receiver(), receiver) {
        (Some(param), Some(arg)) => {
            param == kind(arg) || param == "Dynamic" || param == "?" || arg == UNKNOWN
        }
        _ => true,
    }
}

/// "inspekt (Image, &str | ImmutableString | String)" → ("inspekt",
/// ["Image", "string"]): the signature Rhai reports for a missing function.
fn split_call(signature: &str) -> (&str, Vec<String>) {
    let Some((name, rest)) = signature.split_once(" (") else {
        return (signature.trim(), Vec::new());
    };
    let args = rest.strip_suffix(')').unwrap_or(rest);
    let mut kinds = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in args.char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                kinds.push(kind(&args[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    if !args.trim().is_empty() {
        kinds.push(kind(&args[start..]));
    }
    (name.trim(), kinds)
}

/// The first and last `'…'` of Rhai's "Unknown property 'idd' - a getter is
/// not registered for type 'Image'": the property and its owner's type.
fn quoted_pair(message: &str) -> Option<(String, String)> {
    let quoted: Vec<&str> = message.split('\'').skip(1).step_by(2).collect();
    match quoted.as_slice() {
        [property, .., owner] => Some(((*property).to_owned(), (*owner).to_owned())),
        _ => None,
    }
}

fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The candidate closest to `typed` by edit distance (a swap of two
/// neighbours counts once), if it is close enough to be a typo: at most a
/// third of the typed name's length, and at least one edit.
pub fn nearest<'a>(typed: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (typed.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let d = distance(&typed.to_lowercase(), &candidate.to_lowercase());
        if d <= limit && best.is_none_or(|(bd, bn)| d < bd || (d == bd && candidate < bn)) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and swaps of adjacent characters each cost one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Position;

    fn not_found(signature: &str) -> EvalAltResult {
        EvalAltResult::ErrorFunctionNotFound(signature.into(), Position::NONE)
    }

    fn no_property(property: &str, owner: &str) -> EvalAltResult {
        EvalAltResult::ErrorDotExpr(
            format!(
                "Unknown property '{property}' - a getter is not registered for type '{owner}'"
            ),
            Position::NONE,
        )
    }

    #[test]
    fn distances_count_a_swap_once() {
        assert_eq!(distance("imgae", "image"), 1);
        assert_eq!(distance("inspekt", "inspect"), 1);
        assert_eq!(distance("build", "build"), 0);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn a_mistyped_function_gets_the_nearest_registered_one() {
        assert_eq!(
            suggest(&not_found("imgae (&str | ImmutableString | String)")).as_deref(),
            Some("did you mean `image`?")
        );
        assert_eq!(
            suggest(&not_found("biuld (map)")).as_deref(),
            Some("did you mean `build`?")
        );
        assert_eq!(
            suggest(&not_found("asert_eq (i64, i64)")).as_deref(),
            Some("did you mean `assert_eq`?")
        );
    }

    #[test]
    fn a_mistyped_method_gets_a_method_of_its_type() {
        assert_eq!(
            suggest(&not_found("inspekt (Image)")).as_deref(),
            Some("did you mean `inspect`?")
        );
        // Rhai's standard library counts too.
        assert_eq!(
            suggest(&not_found(
                "contians (&str | ImmutableString | String, &str | ImmutableString | String)"
            ))
            .as_deref(),
            Some("did you mean `contains`?")
        );
    }

    #[test]
    fn a_known_name_with_other_arguments_lists_its_signatures() {
        let help = suggest(&not_found("build (i64, i64)")).unwrap_or_default();
        assert!(
            help.starts_with("`build` takes other arguments: "),
            "{help}"
        );
        assert!(help.contains("build(dockerfile: string)"), "{help}");
        assert!(help.contains("build(options: map)"), "{help}");
    }

    #[test]
    fn properties_and_methods_called_the_other_way_are_told_apart() {
        assert_eq!(
            suggest(&not_found("out (RunResult)")).as_deref(),
            Some(
                "`out` is a property of RunResult, not a method: write `.out` without parentheses"
            )
        );
        assert_eq!(
            suggest(&no_property("inspect", "Image")).as_deref(),
            Some("`inspect` is a method of Image: call it with parentheses, `.inspect()`")
        );
        assert_eq!(
            suggest(&no_property("idd", "Image")).as_deref(),
            Some("did you mean `.id`?")
        );
        assert_eq!(
            suggest(&no_property("exit_cod", "RunResult")).as_deref(),
            Some("did you mean `.exit_code`?")
        );
    }

    /// Every function with an `options` map has its keys in
    /// `option_keys`, which the function checks and `shakedown check`
    /// reads; and every entry there is a function.
    #[test]
    fn option_keys_name_every_function_with_options() {
        let vocabulary = Vocabulary::shared();
        for f in &vocabulary.functions {
            if f.params.iter().any(|(name, _)| name == "options") {
                assert!(
                    crate::api::option_keys::of(&f.name).is_some(),
                    "{} takes options that option_keys does not list",
                    f.signature()
                );
            }
        }
        for keys in crate::api::option_keys::ALL {
            for name in keys.functions {
                assert!(
                    vocabulary
                        .functions
                        .iter()
                        .any(|f| f.name == *name && f.params.iter().any(|(p, _)| p == "options")),
                    "{name} is listed in option_keys but takes no options"
                );
            }
        }
    }

    #[test]
    fn nothing_close_suggests_nothing() {
        assert_eq!(suggest(&not_found("frobnicate_everything (i64)")), None);
        assert_eq!(suggest(&no_property("zzzzzz", "Image")), None);
    }
}
