//! An expression as a JSON tree, for tools that read the language without parsing it again
//! (`deltaform parse --format json`, the Python package). Each node is an object with one key
//! naming its kind:
//! `{"num": "3/10"}`, `{"pi": null}`, `{"var": "x"}`, `{"index": [base, i, ...]}`,
//! `{"neg": a}`, `{"+": [a, b]}` (also `-`, `*`, `/`, `^`), `{"call": ["sigmoid", a, ...]}`,
//! `{"sum": ["i", range or null, body]}` (also `prod`), `{"array": [a, ...]}`,
//! `{"apply": ["f'", a, ...]}`; an equation is `{"=": [lhs, rhs]}`.

use crate::syntax::ast::{Expr, Node, Statement};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The JSON tree of `e`.
pub fn tree(e: &Expr) -> Value {
    let all = |first: Value, es: &[Expr]| std::iter::once(first).chain(es.iter().map(tree)).collect::<Vec<_>>();
    match &e.node {
        Node::Num(r) => json!({"num": r.to_string()}),
        Node::Pi => json!({"pi": null}),
        Node::Var(name) => json!({"var": name}),
        Node::Index(base, indices) => json!({"index": all(tree(base), indices)}),
        Node::Neg(a) => json!({"neg": tree(a)}),
        Node::Binary(op, a, b) => json!({op.symbol(): [tree(a), tree(b)]}),
        Node::Call(func, args) => json!({"call": all(json!(func.name()), args)}),
        Node::Reduce(op, index, range, body) => {
            json!({op.name(): [json!(index), range.as_deref().map(tree), tree(body)]})
        }
        Node::Array(items) => json!({"array": items.iter().map(tree).collect::<Vec<_>>()}),
        Node::Apply(name, args) => json!({"apply": all(json!(name), args)}),
    }
}

/// The names `e` uses as vectors or matrices: indexed (`z` of `z[i]`) or given whole to a
/// function that takes vectors (`z` of `softmax(z)`). Bound indices are not names.
pub fn array_names(e: &Expr) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    collect_arrays(e, &mut names);
    names
}

fn collect_arrays(e: &Expr, names: &mut BTreeSet<String>) {
    match &e.node {
        Node::Index(base, _) => {
            if let Node::Var(name) = &base.node {
                names.insert(name.clone());
            }
        }
        Node::Call(func, args) if func.takes_vector() => {
            names.extend(args.iter().filter_map(|a| match &a.node {
                Node::Var(name) => Some(name.clone()),
                _ => None,
            }));
        }
        _ => {}
    }
    for child in e.children() {
        collect_arrays(child, names);
    }
}

/// The names a statement uses as vectors or matrices, on either side.
pub fn statement_arrays(s: &Statement) -> Vec<String> {
    match s {
        Statement::Expr(e) => array_names(e).into_iter().collect(),
        Statement::Equation(lhs, rhs) => array_names(lhs).into_iter().chain(array_names(rhs)).collect(),
    }
}

/// The JSON tree of a statement: an expression's, or `{"=": [lhs, rhs]}`.
pub fn statement_tree(s: &Statement) -> Value {
    match s {
        Statement::Expr(e) => tree(e),
        Statement::Equation(lhs, rhs) => json!({"=": [tree(lhs), tree(rhs)]}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    #[test]
    fn every_kind_of_node_has_its_key() {
        let e = parse_expr("-sum(i, y[i]*log(softmax(z)[i])) + 0.5^2 - pi/sum([1, x])").unwrap();
        let t = tree(&e);
        let text = t.to_string();
        for key in ["\"sum\"", "\"call\"", "\"index\"", "\"neg\"", "\"^\"", "\"pi\"", "\"array\"", "\"1/2\""] {
            assert!(text.contains(key), "{key} in {text}");
        }
        assert_eq!(t["-"][0]["+"][0]["neg"]["sum"][0], "i");
        assert_eq!(t["-"][0]["+"][0]["neg"]["sum"][1], Value::Null);
    }

    #[test]
    fn arrays_are_the_names_indexed_or_given_whole_to_a_vector_function() {
        let e = parse_expr("sum(i, y[i]*log(softmax(z)[i])) + x*len(w) + W[1, 2]").unwrap();
        assert_eq!(array_names(&e).into_iter().collect::<Vec<_>>(), ["W", "w", "y", "z"]);
    }
}
