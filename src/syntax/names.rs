//! Names: fresh index names and capture-avoiding substitution of free names.

use crate::syntax::ast::{Expr, Node};
use std::collections::{BTreeSet, HashMap};

/// Hands out names that clash with none already in use.
#[derive(Clone, Debug, Default)]
pub struct Fresh {
    used: BTreeSet<String>,
}

/// The index names tried first, in order, before numbered ones.
const INDEX_NAMES: [&str; 10] = ["j", "l", "m", "n", "p", "q", "r", "s", "t", "u"];

impl Fresh {
    /// A generator that avoids every name occurring (free or bound) in `exprs`.
    pub fn avoiding<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Fresh {
        let mut fresh = Fresh::default();
        for e in exprs {
            fresh.reserve_all(e);
        }
        fresh
    }

    /// Marks `name` as used.
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    /// Marks every name occurring in `e` (free or bound) as used.
    pub fn reserve_all(&mut self, e: &Expr) {
        match &e.node {
            Node::Var(n) => self.reserve(n),
            Node::Reduce(_, i, ..) => self.reserve(i),
            _ => {}
        }
        for child in e.children() {
            self.reserve_all(child);
        }
    }

    /// A new index name, `hint` itself when it is still free.
    pub fn index(&mut self, hint: &str) -> String {
        let candidates = std::iter::once(hint.to_string())
            .chain(INDEX_NAMES.iter().map(|s| s.to_string()))
            .chain((1..).map(|n| format!("{hint}{n}")));
        let name = candidates.into_iter().find(|c| !self.used.contains(c)).expect("an unbounded supply of names");
        self.reserve(&name);
        name
    }
}

/// Whether `s` is a name: a letter, then letters, digits and `_` (`W1`, `x_new`, `delta`).
pub fn is_name(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_alphabetic) && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Replaces the free names in `map` by their expressions, renaming a `sum`'s bound index
/// (with `fresh`) wherever it would capture a name free in a replacement.
pub fn substitute(e: &Expr, map: &HashMap<String, Expr>, fresh: &mut Fresh) -> Expr {
    if map.is_empty() {
        return e.clone();
    }
    let node = match &e.node {
        Node::Var(name) => match map.get(name) {
            Some(replacement) => return replacement.clone(),
            None => return e.clone(),
        },
        Node::Num(_) | Node::Pi => return e.clone(),
        Node::Reduce(op, i, count, body) => {
            let count = count.as_ref().map(|c| Box::new(substitute(c, map, fresh)));
            let mut inner = map.clone();
            inner.remove(i);
            let captures = inner.values().any(|r| r.free_names().contains(i));
            if captures {
                let renamed = fresh.index(i);
                let body = body.rename_free(i, &renamed);
                Node::Reduce(*op, renamed, count, Box::new(substitute(&body, &inner, fresh)))
            } else {
                Node::Reduce(*op, i.clone(), count, Box::new(substitute(body, &inner, fresh)))
            }
        }
        Node::Index(base, idx) => {
            Node::Index(Box::new(substitute(base, map, fresh)), idx.iter().map(|x| substitute(x, map, fresh)).collect())
        }
        Node::Neg(a) => Node::Neg(Box::new(substitute(a, map, fresh))),
        Node::Binary(op, a, b) => {
            Node::Binary(*op, Box::new(substitute(a, map, fresh)), Box::new(substitute(b, map, fresh)))
        }
        Node::Call(f, args) => Node::Call(*f, args.iter().map(|x| substitute(x, map, fresh)).collect()),
        Node::Array(items) => Node::Array(items.iter().map(|x| substitute(x, map, fresh)).collect()),
        Node::Apply(name, args) => Node::Apply(name.clone(), args.iter().map(|x| substitute(x, map, fresh)).collect()),
    };
    Expr::spanned(node, e.span.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    #[test]
    fn substitution_renames_a_capturing_binder() {
        let e = parse_expr("sum(j, a[j]*x)").unwrap();
        let mut fresh = Fresh::avoiding([&e]);
        let map = HashMap::from([("x".to_string(), parse_expr("b[j]").unwrap())]);
        let out = substitute(&e, &map, &mut fresh);
        assert_eq!(out.to_string(), "sum(l, a[l]*b[j])");
    }

    #[test]
    fn substitution_respects_shadowing() {
        let e = parse_expr("x + sum(x, a[x])").unwrap();
        let mut fresh = Fresh::avoiding([&e]);
        let map = HashMap::from([("x".to_string(), parse_expr("2").unwrap())]);
        assert_eq!(substitute(&e, &map, &mut fresh).to_string(), "2 + sum(x, a[x])");
    }

    #[test]
    fn fresh_names_avoid_used_ones() {
        let e = parse_expr("sum(j, z[j]) + l").unwrap();
        let mut fresh = Fresh::avoiding([&e]);
        assert_eq!(fresh.index("j"), "m");
        assert_eq!(fresh.index("i"), "i");
        assert_eq!(fresh.index("i"), "n");
    }
}
