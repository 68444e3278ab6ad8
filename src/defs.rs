//! Definitions (`yhat = softmax(z)`, `h[j] = sigmoid(z[j])`): named quantities that the chain
//! rule sees through and the simplifier folds back into their names.

use crate::syntax::ast::{Expr, Node, Span, Statement};
use crate::syntax::diagnostic::Problem;
use crate::syntax::names::{substitute, Fresh};
use std::collections::{BTreeSet, HashMap};

mod values;
pub use values::definition_value;

/// One definition: `name = body` or `name[params] = body`.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// The defined name.
    pub name: String,
    /// The component indices on the left-hand side (`j` in `h[j] = ...`), empty for a whole value.
    pub params: Vec<String>,
    /// The right-hand side.
    pub body: Expr,
}

impl Definition {
    /// The defined name as it is used: `yhat`, or `h[j]` with the parameters as indices.
    pub fn use_site(&self) -> Expr {
        let name = Expr::var(&self.name);
        if self.params.is_empty() {
            name
        } else {
            Expr::index(name, self.params.iter().map(|p| Expr::var(p)).collect())
        }
    }

    /// The definition as an equation, `h[j] = sigmoid(z[j])`.
    pub fn statement(&self) -> Statement {
        Statement::Equation(self.use_site(), self.body.clone())
    }
}

/// Why a statement is not a definition.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct DefinitionError {
    /// What is wrong.
    pub message: String,
    /// Where, in the definition's source.
    pub span: Span,
}

impl Problem for DefinitionError {
    fn kind(&self) -> &'static str {
        "bad_definition"
    }
    fn span(&self) -> Option<Span> {
        Some(self.span.clone())
    }
    fn help(&self) -> Option<String> {
        Some("a definition looks like `yhat = softmax(z)` or `h[j] = sigmoid(z[j])`".into())
    }
}

/// A defined name used with another number of indices than its definition has.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct UseError {
    /// What is wrong.
    pub message: String,
    /// The use, in the expression's source.
    pub span: Span,
}

impl Problem for UseError {
    fn kind(&self) -> &'static str {
        "shape"
    }
    fn span(&self) -> Option<Span> {
        Some(self.span.clone())
    }
}

/// The definitions in force, in the order given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Definitions {
    list: Vec<Definition>,
}

impl Definitions {
    /// Adds the definition `statement`, checking its form, that its name is new and that it does
    /// not refer to itself, directly or through other definitions.
    pub fn add(&mut self, statement: Statement) -> Result<(), DefinitionError> {
        let Statement::Equation(lhs, body) = statement else {
            let Statement::Expr(e) = statement else { unreachable!() };
            return Err(DefinitionError { message: "a definition needs `=`".into(), span: e.span });
        };
        let err = |message: String, span: &Span| Err(DefinitionError { message, span: span.clone() });
        let (name, params) = match &lhs.node {
            Node::Var(name) => (name.clone(), vec![]),
            Node::Index(base, idx) => {
                let Node::Var(name) = &base.node else {
                    return err("the left-hand side must be a name, or a name with index names".into(), &lhs.span);
                };
                let mut params = vec![];
                for i in idx {
                    match &i.node {
                        Node::Var(p) if !params.contains(p) && p != name => params.push(p.clone()),
                        _ => return err("each index on the left must be a distinct plain name".into(), &i.span),
                    }
                }
                (name.clone(), params)
            }
            _ => return err("the left-hand side must be a name, or a name with index names".into(), &lhs.span),
        };
        if self.get(&name).is_some() {
            return err(format!("`{name}` is already defined"), &lhs.span);
        }
        let free = body.free_names();
        if let Some(stray) = free.iter().find(|n| n.len() == 1 && !params.contains(n) && is_index_like(n, &body)) {
            return err(format!("the index `{stray}` is used on the right but not bound on the left"), &body.span);
        }
        let definition = Definition { name: name.clone(), params, body };
        self.list.push(definition);
        if self.refers_to(&name, &name) {
            self.list.pop();
            return err(format!("`{name}` refers to itself"), &lhs.span);
        }
        Ok(())
    }

    /// The definition of `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&Definition> {
        self.list.iter().find(|d| d.name == name)
    }

    /// The definitions, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &Definition> {
        self.list.iter()
    }

    /// Whether the definition of `name` mentions `target`, directly or through other definitions.
    pub fn refers_to(&self, name: &str, target: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            let Some(def) = self.get(&n) else { continue };
            for free in def.body.free_names() {
                if free == target {
                    return true;
                }
                if seen.insert(free.clone()) {
                    stack.push(free);
                }
            }
        }
        false
    }

    /// Whether `e` mentions the free name `target`, directly or through definitions.
    pub fn mentions(&self, e: &Expr, target: &str) -> bool {
        e.free_names().iter().any(|n| n == target || self.refers_to(n, target))
    }

    /// The body of the definition of `name` used with `indices` (none for a whole value),
    /// with its parameters replaced by them. `None` when `name` is not defined.
    pub fn instantiate(&self, name: &str, indices: &[Expr], fresh: &mut Fresh) -> Option<Result<Expr, String>> {
        let def = self.get(name)?;
        if def.params.len() != indices.len() {
            if def.params.is_empty() {
                // A whole-value definition used with indices: index its body.
                return Some(Ok(Expr::index(def.body.clone(), indices.to_vec())));
            }
            return Some(Err(format!(
                "`{name}` is defined with {} index{} but used with {}",
                def.params.len(),
                if def.params.len() == 1 { "" } else { "es" },
                indices.len()
            )));
        }
        let map: HashMap<String, Expr> = def.params.iter().cloned().zip(indices.iter().cloned()).collect();
        Some(Ok(substitute(&def.body, &map, fresh)))
    }

    /// `e` with every occurrence of a definition's body written as its name (`sigmoid(z[i])` as
    /// `yhat[i]` for `yhat[i] = sigmoid(z[i])`), the inverse of [`Definitions::expand`], as a
    /// student writes a derivative in the names given; the definitions used are added to `used`.
    pub fn fold(&self, e: &Expr, used: &mut Vec<String>) -> Expr {
        let e = e.map_children(|c| self.fold(c, used));
        for d in self.iter() {
            let mut bound = vec![None; d.params.len()];
            if !matches(&d.body, &e, &d.params, &mut bound) {
                continue;
            }
            let Some(indices) = bound.into_iter().collect::<Option<Vec<Expr>>>() else { continue };
            let text = d.statement().to_string();
            if !used.contains(&text) {
                used.push(text);
            }
            let name = Expr::var(&d.name);
            return if indices.is_empty() { name } else { Expr::index(name, indices) };
        }
        e
    }

    /// `e` with every defined name replaced by its definition, recursively (a component-wise
    /// definition used whole, `softmax(h)` for `h[j] = ...`, stays a name).
    pub fn expand(&self, e: &Expr, fresh: &mut Fresh) -> Result<Expr, UseError> {
        let expanded = match &e.node {
            // A component-wise definition used whole (`softmax(out)`) stays a name.
            Node::Var(name) if self.get(name).is_some_and(|d| !d.params.is_empty()) => return Ok(e.clone()),
            Node::Var(name) => match self.instantiate(name, &[], fresh) {
                Some(body) => {
                    let body = body.map_err(|message| UseError { message, span: e.span.clone() })?;
                    return self.expand(&body, fresh);
                }
                None => return Ok(e.clone()),
            },
            Node::Index(base, idx) => {
                let idx = idx.iter().map(|i| self.expand(i, fresh)).collect::<Result<Vec<_>, _>>()?;
                if let Node::Var(name) = &base.node {
                    if let Some(body) = self.instantiate(name, &idx, fresh) {
                        let body = body.map_err(|message| UseError { message, span: e.span.clone() })?;
                        return self.expand(&body, fresh);
                    }
                }
                Node::Index(Box::new(self.expand(base, fresh)?), idx)
            }
            Node::Num(_) | Node::Pi => return Ok(e.clone()),
            Node::Neg(a) => Node::Neg(Box::new(self.expand(a, fresh)?)),
            Node::Binary(op, a, b) => {
                Node::Binary(*op, Box::new(self.expand(a, fresh)?), Box::new(self.expand(b, fresh)?))
            }
            Node::Call(f, args) => {
                Node::Call(*f, args.iter().map(|a| self.expand(a, fresh)).collect::<Result<_, _>>()?)
            }
            Node::Array(items) => Node::Array(items.iter().map(|a| self.expand(a, fresh)).collect::<Result<_, _>>()?),
            Node::Apply(name, args) => {
                Node::Apply(name.clone(), args.iter().map(|a| self.expand(a, fresh)).collect::<Result<_, _>>()?)
            }
            Node::Reduce(op, i, count, body) => {
                let count = count.as_ref().map(|c| self.expand(c, fresh).map(Box::new)).transpose()?;
                Node::Reduce(*op, i.clone(), count, Box::new(self.expand(body, fresh)?))
            }
        };
        Ok(Expr::spanned(expanded, e.span.clone()))
    }
}

/// Whether the one-letter name `n` is used as an index somewhere in `e`.
fn is_index_like(n: &str, e: &Expr) -> bool {
    match &e.node {
        Node::Index(_, idx) if idx.iter().any(|i| i.free_names().contains(n)) => true,
        Node::Call(crate::syntax::ast::Func::Delta, args) if args.iter().any(|i| i.free_names().contains(n)) => true,
        _ => e.children().into_iter().any(|c| is_index_like(n, c)),
    }
}

/// Whether `e` is `pattern` with each of `params` standing for some expression (the same one
/// at each of its places), recorded in `bound`.
fn matches(pattern: &Expr, e: &Expr, params: &[String], bound: &mut [Option<Expr>]) -> bool {
    if let Node::Var(name) = &pattern.node {
        if let Some(k) = params.iter().position(|p| p == name) {
            return match &bound[k] {
                Some(b) => b == e,
                None => {
                    bound[k] = Some(e.clone());
                    true
                }
            };
        }
    }
    let (pc, ec) = (pattern.children(), e.children());
    let same_head = match (&pattern.node, &e.node) {
        (Node::Binary(a, ..), Node::Binary(b, ..)) => a == b,
        (Node::Call(f, _), Node::Call(g, _)) => f == g,
        (Node::Reduce(a, i, ..), Node::Reduce(b, j, ..)) => a == b && i == j,
        (Node::Index(..), Node::Index(..)) | (Node::Neg(_), Node::Neg(_)) | (Node::Array(_), Node::Array(_)) => true,
        (a, b) if pc.is_empty() && ec.is_empty() => a == b,
        _ => false,
    };
    same_head && pc.len() == ec.len() && pc.iter().zip(&ec).all(|(p, c)| matches(p, c, params, bound))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::{parse_expr, parse_statement};

    fn defs(sources: &[&str]) -> Result<Definitions, DefinitionError> {
        let mut d = Definitions::default();
        for s in sources {
            d.add(parse_statement(s).unwrap())?;
        }
        Ok(d)
    }

    #[test]
    fn expands_through_chains_of_definitions() {
        let d = defs(&["a[j] = tanh(z[j])", "out[n] = sum(j, W[n, j]*a[j])", "yhat = softmax(out)"]).unwrap();
        let e = parse_expr("yhat[1] + out[k]").unwrap();
        let mut fresh = Fresh::avoiding([&e]);
        let x = d.expand(&e, &mut fresh).unwrap();
        assert_eq!(x.to_string(), "softmax(out)[1] + sum(j, W[k, j]*tanh(z[j]))");
        assert!(d.mentions(&e, "z") && !d.mentions(&e, "t"));
    }

    #[test]
    fn expanding_a_use_with_the_wrong_number_of_indices_points_at_it() {
        let d = defs(&["h[j] = sigmoid(z[j])"]).unwrap();
        let e = parse_expr("x + h[1, 2]").unwrap();
        let err = d.expand(&e, &mut Fresh::avoiding([&e])).unwrap_err();
        assert_eq!((err.message.as_str(), err.span), ("`h` is defined with 1 index but used with 2", 4..11));
        // Used whole, a component-wise definition stays a name.
        let e = parse_expr("softmax(h)[1]").unwrap();
        assert_eq!(d.expand(&e, &mut Fresh::avoiding([&e])).unwrap(), e);
    }

    #[test]
    fn rejects_bad_definitions() {
        assert!(defs(&["x + 1 = 2"]).is_err());
        assert!(defs(&["h[j, j] = z[j]"]).is_err());
        assert!(defs(&["a = b + 1", "b = a"]).is_err());
        assert!(defs(&["a = 1", "a = 2"]).is_err());
        assert!(defs(&["h = sigmoid(z[j])"]).is_err());
        assert!(defs(&["yhat"]).is_err());
    }
}
