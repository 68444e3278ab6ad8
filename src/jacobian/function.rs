//! Vector functions for `jacobian`: `F(x, y, z) = [3*x*y, y - z]` (named parameters) or
//! `G = [x - 5*y, x*y]` (a vector of expressions in the variables), and the function text
//! `F(G)`, `F(G(x, y))`, `F(x - 5*y, x*y, x*y - x^2)` or `[3*x*y, y - z]` that names what to
//! differentiate.

use super::JacobianError;
use crate::syntax::ast::{Expr, Node};
use crate::syntax::names::{is_name, substitute, Fresh};
use crate::syntax::parse::parse_expr;
use std::collections::HashMap;

/// A vector function: its name, its parameters (none for a vector of expressions in the
/// variables) and its entries.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorFunction {
    /// The name, `F`.
    pub name: String,
    /// The parameters, `x, y, z` (empty for `G = [...]`).
    pub params: Vec<String>,
    /// The entries, in the parameters (or the variables).
    pub entries: Vec<Expr>,
}

impl VectorFunction {
    /// Reads `F(x, y, z) = [3*x*y, y - z]` or `G = [x - 5*y, x*y]` (a scalar right side is a
    /// function of one entry).
    pub fn parse(text: &str) -> Result<VectorFunction, JacobianError> {
        let (lhs, rhs) = text.split_once('=').ok_or_else(|| {
            JacobianError::at("bad_definition", "a function is defined as `F(x, y) = [...]`", 0..text.len())
        })?;
        let (name, params) = match lhs.trim().split_once('(') {
            Some((name, rest)) => {
                let inside = rest.trim_end().strip_suffix(')').ok_or_else(|| {
                    JacobianError::at("bad_definition", "the parameter list is not closed", 0..lhs.len())
                })?;
                (name.trim(), inside.split(',').map(|p| p.trim().to_string()).collect::<Vec<_>>())
            }
            None => (lhs.trim(), vec![]),
        };
        if !is_name(name) || params.iter().any(|p| !is_name(p)) {
            let message = format!("`{}` is not a name with a list of parameter names", lhs.trim());
            return Err(JacobianError::at("bad_definition", &message, 0..lhs.len()));
        }
        let offset = lhs.len() + 1;
        let body = parse_expr(rhs).map_err(|e| JacobianError::parse(&e, offset))?;
        Ok(VectorFunction { name: name.to_string(), params, entries: entries_of(&body) })
    }

    /// The entries with the parameters replaced by `args`, all at once (a sum's bound index
    /// renamed where an argument uses its name).
    pub fn applied(&self, args: &[Expr]) -> Vec<Expr> {
        let by: HashMap<String, Expr> = self.params.iter().cloned().zip(args.iter().cloned()).collect();
        let mut fresh = Fresh::avoiding(self.entries.iter().chain(args));
        self.entries.iter().map(|e| substitute(e, &by, &mut fresh)).collect()
    }
}

/// What `jacobian` differentiates: the entries in the variables, and, when the text is a
/// composition `F(G)`, the outer function and the inner entries it is applied to.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The entries, in the variables.
    pub entries: Vec<Expr>,
    /// For `F(...)`: `F` and the entries of its argument.
    pub composition: Option<(VectorFunction, Vec<Expr>)>,
}

/// Reads the function text against the definitions `functions`.
pub fn read_target(text: &str, functions: &[VectorFunction]) -> Result<Target, JacobianError> {
    let find = |name: &str| functions.iter().find(|f| f.name == name);
    let trimmed = text.trim();
    let start = text.len() - text.trim_start().len();
    if let Some(f) = find(trimmed) {
        return Ok(Target { entries: f.entries.clone(), composition: None });
    }
    if let Some((name, rest)) = trimmed.split_once('(') {
        if let (Some(f), Some(inside)) = (find(name.trim()), rest.strip_suffix(')')) {
            let inside_at = start + name.len() + 1;
            if f.params.is_empty() {
                let message =
                    format!("`{}` has no parameters: define it as `{}(x, y) = ...` to apply it", f.name, f.name);
                return Err(JacobianError::at("bad_composition", &message, start..start + name.len()));
            }
            let args = read_arguments(inside, functions).map_err(|e| e.shifted(inside_at))?;
            let free: Vec<String> = f.entries.iter().flat_map(|e| e.free_names()).collect();
            if let Some(other) = free.iter().find(|n| !f.params.contains(n)) {
                let message = format!(
                    "`{}` uses `{other}`, which is not one of its parameters ({}): a function applied to another may depend on its parameters only",
                    f.name,
                    f.params.join(", ")
                );
                return Err(JacobianError::at("bad_composition", &message, start..start + name.len()));
            }
            if args.len() != f.params.len() {
                let message = format!(
                    "`{}` takes {} argument(s) ({}), and is given {}",
                    f.name,
                    f.params.len(),
                    f.params.join(", "),
                    args.len()
                );
                return Err(JacobianError::at("bad_composition", &message, inside_at..inside_at + inside.len()));
            }
            return Ok(Target { entries: f.applied(&args), composition: Some((f.clone(), args)) });
        }
    }
    let e = parse_expr(text).map_err(|e| JacobianError::parse(&e, 0))?;
    Ok(Target { entries: entries_of(&e), composition: None })
}

/// The arguments of an application: one vector (`G`, `G(x, y)`, `[a, b]`) gives its entries,
/// otherwise each comma-separated expression is one argument.
fn read_arguments(text: &str, functions: &[VectorFunction]) -> Result<Vec<Expr>, JacobianError> {
    if let Ok(Target { entries, composition: Some(_) }) = read_target(text, functions) {
        return Ok(entries);
    }
    let list = parse_expr(&format!("[{text}]")).map_err(|e| {
        let mut err = JacobianError::parse(&e, 0);
        err.span = err.span.map(|s| s.start.saturating_sub(1)..s.end.saturating_sub(1).min(text.len()));
        err
    })?;
    let Node::Array(items) = list.node else { unreachable!("a bracketed list parses as an array") };
    if items.len() == 1 && !matches!(items[0].node, Node::Array(_)) {
        let one = &items[0];
        if let Node::Var(name) = &one.node {
            if let Some(f) = functions.iter().find(|f| &f.name == name) {
                return Ok(f.entries.clone());
            }
        }
    }
    if let [Expr { node: Node::Array(entries), .. }] = items.as_slice() {
        return Ok(entries.clone());
    }
    Ok(items)
}

fn entries_of(e: &Expr) -> Vec<Expr> {
    match &e.node {
        Node::Array(items) => items.clone(),
        _ => vec![e.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Vec<VectorFunction> {
        ["F(x, y, z) = [3*x*y, y - z]", "G(x, y) = [x - 5*y, x*y, x*y - x^2]", "H = [x + y, x*y, 1]"]
            .iter()
            .map(|t| VectorFunction::parse(t).unwrap())
            .collect()
    }

    fn entries(t: &Target) -> Vec<String> {
        t.entries.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn definitions_are_read() {
        let f = VectorFunction::parse("F(x, y, z) = [3*x*y, y - z]").unwrap();
        assert_eq!((f.name.as_str(), f.params.len(), f.entries.len()), ("F", 3, 2));
        assert!(VectorFunction::parse("F(x, 2) = [x]").is_err());
        assert!(VectorFunction::parse("F(x = [x]").is_err());
    }

    #[test]
    fn a_composition_substitutes_all_parameters_at_once() {
        let functions = seed();
        let by_name = read_target("F(G)", &functions).unwrap();
        assert_eq!(entries(&by_name), ["3*(x - 5*y)*(x*y)", "x*y - (x*y - x^2)"]);
        assert_eq!(read_target("F(G(x, y))", &functions).unwrap().entries, by_name.entries);
        assert_eq!(read_target("F(x - 5*y, x*y, x*y - x^2)", &functions).unwrap().entries, by_name.entries);
        // The substitution is simultaneous: F's x is G's first entry, not y's.
        assert_eq!(entries(&read_target("F(y, x, x)", &functions).unwrap()), ["3*y*x", "x - x"]);
        assert_eq!(entries(&read_target("F(H)", &functions).unwrap()), ["3*(x + y)*(x*y)", "x*y - 1"]);
    }

    #[test]
    fn plain_vectors_and_wrong_arity() {
        let functions = seed();
        assert_eq!(entries(&read_target("[x^2, x*y]", &functions).unwrap()), ["x^2", "x*y"]);
        assert!(read_target("H", &functions).unwrap().composition.is_none());
        let err = read_target("F(x, y)", &functions).unwrap_err();
        assert!(err.message.contains("takes 3 argument(s) (x, y, z), and is given 2"), "{}", err.message);
        assert!(read_target("H(x)", &functions).unwrap_err().message.contains("no parameters"));
    }
}
