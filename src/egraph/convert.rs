//! Between the AST and the e-graph's terms: desugaring (`a - b` is `a + -1*b`, `a/b` is
//! `a*b^-1`), canonical names for bound indices, and back again with the sugar restored.

use super::lang::{binder, is_binder, Constant, Math};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce};
use egg::{Id, Language, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::collections::BTreeSet;

/// The e-graph term of `e`, with every bound index canonically named.
pub fn to_term(e: &Expr) -> RecExpr<Math> {
    let mut term = RecExpr::default();
    add_node(&canonical_binders(e), &mut term);
    term
}

/// The term of `e` with its bound-index names kept as they are.
pub fn term_keeping_names(e: &Expr) -> RecExpr<Math> {
    let mut term = RecExpr::default();
    add_node(e, &mut term);
    term
}

/// Names every `sum`'s (and `prod`'s) bound index `%n`, with `n` the least number not used inside its body
/// (free or bound): alpha-equivalent sums get the same term wherever they stand, and a
/// canonical name never captures a name substituted into the body.
pub fn canonical_binders(e: &Expr) -> Expr {
    let node = match &e.node {
        Node::Reduce(op, i, count, body) => {
            let count = count.as_ref().map(|c| Box::new(canonical_binders(c)));
            let body = canonical_binders(body);
            let mut used = body.free_names();
            collect_binders(&body, &mut used);
            used.remove(i);
            let name = (0..).map(binder).find(|b| !used.contains(b)).expect("a free binder number");
            Node::Reduce(*op, name.clone(), count, Box::new(body.rename_free(i, &name)))
        }
        Node::Num(_) | Node::Pi | Node::Var(_) => return e.clone(),
        Node::Index(b, idx) => Node::Index(Box::new(canonical_binders(b)), idx.iter().map(canonical_binders).collect()),
        Node::Neg(a) => Node::Neg(Box::new(canonical_binders(a))),
        Node::Binary(op, a, b) => Node::Binary(*op, Box::new(canonical_binders(a)), Box::new(canonical_binders(b))),
        Node::Call(f, args) => Node::Call(*f, args.iter().map(canonical_binders).collect()),
        Node::Array(items) => Node::Array(items.iter().map(canonical_binders).collect()),
        Node::Apply(name, args) => Node::Apply(name.clone(), args.iter().map(canonical_binders).collect()),
    };
    Expr::spanned(node, e.span.clone())
}

fn collect_binders(e: &Expr, out: &mut BTreeSet<String>) {
    if let Node::Reduce(_, i, ..) = &e.node {
        out.insert(i.clone());
    }
    e.children().into_iter().for_each(|c| collect_binders(c, out));
}

fn add_node(e: &Expr, term: &mut RecExpr<Math>) -> Id {
    let num = |n: BigRational, term: &mut RecExpr<Math>| term.add(Math::Num(Constant(n)));
    match &e.node {
        Node::Num(n) => num(n.clone(), term),
        Node::Pi => term.add(Math::Pi),
        Node::Var(v) => term.add(Math::Symbol(Symbol::from(v))),
        Node::Index(base, idx) => {
            let mut ids = vec![add_node(base, term)];
            ids.extend(idx.iter().map(|i| add_node(i, term)));
            term.add(Math::Index(ids.into_boxed_slice()))
        }
        Node::Apply(name, args) => {
            let mut ids = vec![term.add(Math::Symbol(Symbol::from(name)))];
            ids.extend(args.iter().map(|a| add_node(a, term)));
            term.add(Math::Apply(ids.into_boxed_slice()))
        }
        Node::Neg(a) => {
            let a = add_node(a, term);
            let m1 = num(-BigRational::one(), term);
            term.add(Math::Mul([m1, a]))
        }
        Node::Binary(op, a, b) => {
            let (a, b) = (add_node(a, term), add_node(b, term));
            match op {
                BinOp::Add => term.add(Math::Add([a, b])),
                BinOp::Mul => term.add(Math::Mul([a, b])),
                BinOp::Pow => term.add(Math::Pow([a, b])),
                BinOp::Sub => {
                    let m1 = num(-BigRational::one(), term);
                    let nb = term.add(Math::Mul([m1, b]));
                    term.add(Math::Add([a, nb]))
                }
                BinOp::Div => {
                    let m1 = num(-BigRational::one(), term);
                    let inv = term.add(Math::Pow([b, m1]));
                    term.add(Math::Mul([a, inv]))
                }
            }
        }
        Node::Call(f, args) => {
            let ids: Vec<Id> = args.iter().map(|a| add_node(a, term)).collect();
            match call_node(*f, &ids) {
                Some(node) => term.add(node),
                // A matrix form the rules do not take (`sum(v)`, `norm2(v)`): an opaque application,
                // named so that it reads back as the call.
                None => {
                    let mut opaque = vec![term.add(Math::Symbol(Symbol::from(format!("{OPAQUE}{}", f.name()))))];
                    opaque.extend(ids);
                    term.add(Math::Apply(opaque.into_boxed_slice()))
                }
            }
        }
        Node::Array(items) => {
            let ids: Vec<Id> = items.iter().map(|a| add_node(a, term)).collect();
            term.add(Math::Array(ids.into_boxed_slice()))
        }
        Node::Reduce(op, i, count, body) => {
            let count = count.as_ref().map(|c| add_node(c, term));
            let b = term.add(Math::Symbol(Symbol::from(i)));
            let body = add_node(body, term);
            match (op, count) {
                (Reduce::Sum, Some(n)) => term.add(Math::SumTo([b, n, body])),
                (Reduce::Sum, None) => term.add(Math::Sum([b, body])),
                (Reduce::Prod, Some(n)) => term.add(Math::ProdTo([b, n, body])),
                (Reduce::Prod, None) => term.add(Math::Prod([b, body])),
            }
        }
    }
}

/// The prefix of the name of a matrix-form call kept opaque in the e-graph (no user name has it).
const OPAQUE: &str = "#";

/// The e-node calling `f` on `args`.
fn call_node(f: Func, args: &[Id]) -> Option<Math> {
    let one = |make: fn([Id; 1]) -> Math| args.try_into().ok().map(make);
    let two = |make: fn([Id; 2]) -> Math| args.try_into().ok().map(make);
    match f {
        Func::Exp => one(Math::Exp),
        Func::Log => one(Math::Log),
        Func::Sqrt => one(Math::Sqrt),
        Func::Abs => one(Math::Abs),
        Func::Sign => one(Math::Sign),
        Func::Sin => one(Math::Sin),
        Func::Cos => one(Math::Cos),
        Func::Tan => one(Math::Tan),
        Func::Sinh => one(Math::Sinh),
        Func::Cosh => one(Math::Cosh),
        Func::Tanh => one(Math::Tanh),
        Func::Sigmoid => one(Math::Sigmoid),
        Func::Relu => one(Math::Relu),
        Func::Step => one(Math::Step),
        Func::Softplus => one(Math::Softplus),
        Func::Erf => one(Math::Erf),
        Func::Softmax => one(Math::Softmax),
        Func::Logsumexp => one(Math::Logsumexp),
        Func::Max => two(Math::Max),
        Func::Heaviside => two(Math::Heaviside),
        Func::Min => two(Math::Min),
        Func::Delta => two(Math::Delta),
        Func::Len => one(Math::Len),
        Func::Cols => one(Math::Cols),
        Func::Transpose => one(Math::Transpose),
        Func::MatMul => two(Math::MatMul),
        // The other matrix forms reach the e-graph only through their index form.
        Func::Hadamard | Func::SumAll | Func::Norm2 | Func::Trace | Func::Diag | Func::Ones | Func::Eye => None,
    }
}

/// The function an e-node calls, if it is a call.
pub fn node_func(node: &Math) -> Option<Func> {
    Some(match node {
        Math::Exp(_) => Func::Exp,
        Math::Log(_) => Func::Log,
        Math::Sqrt(_) => Func::Sqrt,
        Math::Abs(_) => Func::Abs,
        Math::Sign(_) => Func::Sign,
        Math::Sin(_) => Func::Sin,
        Math::Cos(_) => Func::Cos,
        Math::Tan(_) => Func::Tan,
        Math::Sinh(_) => Func::Sinh,
        Math::Cosh(_) => Func::Cosh,
        Math::Tanh(_) => Func::Tanh,
        Math::Sigmoid(_) => Func::Sigmoid,
        Math::Relu(_) => Func::Relu,
        Math::Step(_) => Func::Step,
        Math::Softplus(_) => Func::Softplus,
        Math::Erf(_) => Func::Erf,
        Math::Softmax(_) => Func::Softmax,
        Math::Logsumexp(_) => Func::Logsumexp,
        Math::Max(_) => Func::Max,
        Math::Heaviside(_) => Func::Heaviside,
        Math::Min(_) => Func::Min,
        Math::Delta(_) => Func::Delta,
        Math::Len(_) => Func::Len,
        Math::Cols(_) => Func::Cols,
        Math::Transpose(_) => Func::Transpose,
        Math::MatMul(_) => Func::MatMul,
        _ => return None,
    })
}

/// The AST of a term, node for node (no sugar restored; bound indices keep their `%n` names).
pub fn from_term(term: &RecExpr<Math>) -> Expr {
    let root = Id::from(term.as_ref().len() - 1);
    node_expr(term, root)
}

fn node_expr(term: &RecExpr<Math>, id: Id) -> Expr {
    let node = &term[id];
    let child = |i: &Id| Box::new(node_expr(term, *i));
    let ast = match node {
        Math::Num(Constant(n)) => Node::Num(n.clone()),
        Math::Pi => Node::Pi,
        Math::Symbol(s) => Node::Var(s.to_string()),
        Math::Add([a, b]) => Node::Binary(BinOp::Add, child(a), child(b)),
        Math::Mul([a, b]) => Node::Binary(BinOp::Mul, child(a), child(b)),
        Math::Pow([a, b]) => Node::Binary(BinOp::Pow, child(a), child(b)),
        Math::Index(ids) => Node::Index(child(&ids[0]), ids[1..].iter().map(|i| node_expr(term, *i)).collect()),
        Math::Sum([b, body]) => Node::Reduce(Reduce::Sum, term[*b].to_string(), None, child(body)),
        Math::SumTo([b, n, body]) => Node::Reduce(Reduce::Sum, term[*b].to_string(), Some(child(n)), child(body)),
        Math::Prod([b, body]) => Node::Reduce(Reduce::Prod, term[*b].to_string(), None, child(body)),
        Math::ProdTo([b, n, body]) => Node::Reduce(Reduce::Prod, term[*b].to_string(), Some(child(n)), child(body)),
        Math::Array(ids) => Node::Array(ids.iter().map(|i| node_expr(term, *i)).collect()),
        Math::Apply(ids) => {
            let name = term[ids[0]].to_string();
            let args = ids[1..].iter().map(|i| node_expr(term, *i)).collect();
            match name.strip_prefix(OPAQUE).and_then(Func::from_name) {
                Some(f) => Node::Call(f, args),
                None => Node::Apply(name, args),
            }
        }
        other => {
            let f = node_func(other).expect("every other node is a call");
            Node::Call(f, other.children().iter().map(|i| node_expr(term, *i)).collect())
        }
    };
    Expr::new(ast)
}

/// A term as a reader would write it: `a - b`, `a/b`, `-a`, constants first in products and
/// last in sums, and bound indices named from `hints` (the user's own names first).
pub fn readable(term: &RecExpr<Math>, hints: &[String]) -> Expr {
    let raw = from_term(term);
    let mut avoid: BTreeSet<String> = raw.free_names();
    name_binders(&resugar(&raw), hints, &mut avoid)
}

fn resugar(e: &Expr) -> Expr {
    match &e.node {
        Node::Binary(BinOp::Add, ..) => {
            let mut terms = vec![];
            flatten(e, BinOp::Add, &mut terms);
            let mut signed: Vec<(bool, Expr)> = terms.iter().map(|t| split_sign(&resugar(t))).collect();
            // Constants last; a positive term first so the sum does not open with a minus.
            signed.sort_by_key(|(_, t)| t.free_names().is_empty());
            if let Some(pos) = signed.iter().position(|(neg, _)| !neg) {
                let first = signed.remove(pos);
                signed.insert(0, first);
            }
            let mut items = signed.into_iter();
            let (neg, first) = items.next().expect("a sum has terms");
            let start = if neg { Expr::negate(first) } else { first };
            items.fold(start, |acc, (neg, t)| Expr::binary(if neg { BinOp::Sub } else { BinOp::Add }, acc, t))
        }
        Node::Binary(BinOp::Mul, ..) | Node::Binary(BinOp::Pow, ..) => {
            let (neg, product) = split_sign(&product_of(e));
            if neg {
                negate_leading(product)
            } else {
                product
            }
        }
        // A fraction reads better as `1/3` than as a decimal, unless it came from one.
        Node::Num(n) if !n.is_integer() && !reads_as_decimal(n) => {
            let (p, q) = (Expr::num(n.numer().abs().into()), Expr::num(n.denom().clone().into()));
            let fraction = Expr::binary(BinOp::Div, p, q);
            if n.is_negative() {
                Expr::negate(fraction)
            } else {
                fraction
            }
        }
        Node::Num(_) | Node::Pi | Node::Var(_) => e.clone(),
        Node::Index(b, idx) => Expr::index(resugar(b), idx.iter().map(resugar).collect()),
        Node::Neg(a) => Expr::negate(resugar(a)),
        Node::Binary(op, a, b) => Expr::binary(*op, resugar(a), resugar(b)),
        Node::Call(f, args) => Expr::call(*f, args.iter().map(resugar).collect()),
        Node::Array(items) => Expr::new(Node::Array(items.iter().map(resugar).collect())),
        Node::Apply(name, args) => Expr::new(Node::Apply(name.clone(), args.iter().map(resugar).collect())),
        Node::Reduce(op, i, count, body) => {
            let body = resugar(body);
            // A range the body tells is not written: `sum(i = 1..len(z), z[i])` is `sum(i, z[i])`.
            let told = body
                .indexed_by(i)
                .map(|(base, axis)| Expr::call(if axis == 0 { Func::Len } else { Func::Cols }, vec![base.clone()]));
            let count = count.as_deref().map(resugar).filter(|n| Some(n) != told.as_ref());
            Expr::reduce(*op, i, count, body)
        }
    }
}

pub(super) use crate::syntax::ast::flatten;

/// A product (or a power) rebuilt as `c*num/den`, with the constant's sign kept in the result.
fn product_of(e: &Expr) -> Expr {
    let mut factors = vec![];
    flatten(e, BinOp::Mul, &mut factors);
    let mut constant = BigRational::one();
    let (mut num, mut den) = (vec![], vec![]);
    for f in factors {
        match &f.node {
            Node::Num(n) => constant *= n,
            Node::Binary(BinOp::Pow, base, exp) if exp.as_num().is_some_and(|n| n.is_negative()) => {
                let n = -exp.as_num().expect("checked").clone();
                let base = resugar(base);
                // (The power resugared as any constant is: `x^(1/2)`, not `x^0.5`.)
                den.push(if n.is_one() { base } else { Expr::binary(BinOp::Pow, base, resugar(&Expr::num(n))) });
            }
            Node::Binary(BinOp::Pow, base, exp) => num.push(Expr::binary(BinOp::Pow, resugar(base), resugar(exp))),
            _ => num.push(resugar(f)),
        }
    }
    if constant.is_zero() {
        return Expr::int(0);
    }
    let mut num = textbook_order(num);
    if reads_as_decimal(&constant) {
        num.insert(0, Expr::num(constant));
        constant = BigRational::one();
    }
    let numer = BigRational::from_integer(constant.numer().clone());
    let denom = BigRational::from_integer(constant.denom().clone());
    if !numer.is_one() || num.is_empty() {
        num.insert(0, Expr::num(numer));
    }
    if !denom.is_one() {
        den.push(Expr::num(denom));
    }
    let product = |items: Vec<Expr>| items.into_iter().reduce(|a, b| Expr::binary(BinOp::Mul, a, b));
    let top = product(num).expect("a numerator");
    match product(den) {
        Some(bottom) => Expr::binary(BinOp::Div, top, bottom),
        None => top,
    }
}

/// A product's factors in the order a textbook writes them: an error (the difference of two
/// names, `yhat[k] - y[k]`, the chain rule's outer derivative) first, `1 - f` (or `f - 1`)
/// right after `f` (`s*(1 - s)`, a sigmoid's derivative), the others as they come.
fn textbook_order(factors: Vec<Expr>) -> Vec<Expr> {
    let is_name = |e: &Expr| match &e.node {
        Node::Var(_) => true,
        Node::Index(base, _) => matches!(base.node, Node::Var(_)),
        _ => false,
    };
    let is_error = |e: &Expr| matches!(&e.node, Node::Binary(BinOp::Sub, a, b) if is_name(a) && is_name(b));
    let is_one = |e: &Expr| e.as_num().is_some_and(|n| n.is_one());
    let complement_of = |e: &Expr| match &e.node {
        Node::Binary(BinOp::Sub, a, b) if is_one(a) => Some((**b).clone()),
        Node::Binary(BinOp::Sub, a, b) if is_one(b) => Some((**a).clone()),
        _ => None,
    };
    let (mut out, others): (Vec<Expr>, Vec<Expr>) = factors.into_iter().partition(|f| is_error(f));
    let follows: Vec<Option<Expr>> =
        others.iter().map(|f| complement_of(f).filter(|base| others.contains(base))).collect();
    // Each factor is placed once: a base, then one complement of it not yet placed (and that
    // complement's own, in a chain); what is left (more complements than bases) after.
    let mut placed = vec![false; others.len()];
    let heads_first = (0..others.len()).filter(|&k| follows[k].is_none()).chain(0..others.len());
    for start in heads_first.collect::<Vec<_>>() {
        let mut at = (!placed[start]).then_some(start);
        while let Some(k) = at {
            placed[k] = true;
            out.push(others[k].clone());
            at = (0..others.len()).find(|&j| !placed[j] && follows[j].as_ref() == Some(&others[k]));
        }
    }
    out
}

/// Negates a product: by turning a difference among its factors around (`(b - a)*c` rather
/// than `-(a - b)*c`), else by its leftmost factor (`-2*x*y`, `-x*y/z` rather than `-(2*x*y)`).
fn negate_leading(e: Expr) -> Expr {
    turn_a_difference(&e).unwrap_or_else(|| negate_leftmost(e))
}

/// The product `e` negated by turning around the first difference among its factors (a
/// numerator's, so that a denominator keeps its sign), if it has one.
fn turn_a_difference(e: &Expr) -> Option<Expr> {
    match &e.node {
        Node::Binary(BinOp::Sub, a, b) => Some(Expr::binary(BinOp::Sub, (**b).clone(), (**a).clone())),
        Node::Binary(BinOp::Mul, a, b) => match turn_a_difference(a) {
            Some(a) => Some(Expr::binary(BinOp::Mul, a, (**b).clone())),
            None => turn_a_difference(b).map(|b| Expr::binary(BinOp::Mul, (**a).clone(), b)),
        },
        Node::Binary(BinOp::Div, a, b) => turn_a_difference(a).map(|a| Expr::binary(BinOp::Div, a, (**b).clone())),
        _ => None,
    }
}

/// Negates a product by its leftmost factor.
fn negate_leftmost(e: Expr) -> Expr {
    match e.node {
        Node::Binary(op @ (BinOp::Mul | BinOp::Div), a, b) => Expr::binary(op, negate_leftmost(*a), *b),
        Node::Num(n) => Expr::num(-n),
        _ => Expr::negate(e),
    }
}

/// Whether the number came, most likely, from a decimal in the input and reads better as one
/// (`0.044715*x` rather than `8943*x/200000`): a finite decimal with at least three places and
/// at most eight digits, whose denominator is not a power of two (`x/8`, not `0.125*x`).
fn reads_as_decimal(n: &BigRational) -> bool {
    let Some((mantissa, places)) = crate::syntax::print::decimal_digits(n) else { return false };
    let power_of_two = n.denom().magnitude().count_ones() == 1;
    places >= 3 && !power_of_two && mantissa.magnitude().to_string().trim_end_matches('0').len() <= 8
}

/// Splits a leading negative constant off: `-2*x` is `(true, 2*x)`, `-1*x` is `(true, x)`.
fn split_sign(e: &Expr) -> (bool, Expr) {
    match &e.node {
        Node::Num(n) if n.is_negative() => (true, Expr::num(-n.clone())),
        Node::Neg(a) => (true, (**a).clone()),
        Node::Binary(op @ (BinOp::Mul | BinOp::Div), a, b) => {
            let (neg, a) = split_sign(a);
            let a = if a.as_num().is_some_and(|n| n.is_one()) && *op == BinOp::Mul {
                return (neg, (**b).clone());
            } else {
                a
            };
            (neg, Expr::binary(*op, a, (**b).clone()))
        }
        _ => (false, e.clone()),
    }
}

/// Renames `%n` bound indices to readable names: the first hint free at that point, else a new one.
fn name_binders(e: &Expr, hints: &[String], avoid: &mut BTreeSet<String>) -> Expr {
    let node = match &e.node {
        Node::Reduce(op, i, count, body) if is_binder(i) => {
            let defaults = ["i", "j", "l", "m", "n", "p", "q", "r", "s", "t"];
            let candidates = hints.iter().map(String::as_str).chain(defaults);
            let free = body.free_names();
            let name = candidates
                .map(str::to_string)
                .chain((1..).map(|n| format!("i{n}")))
                .find(|c| !avoid.contains(c) && !free.contains(c))
                .expect("an unbounded supply of names");
            let renamed = body.rename_free(i, &name);
            avoid.insert(name.clone());
            let inner = name_binders(&renamed, hints, avoid);
            avoid.remove(&name);
            let count = count.as_ref().map(|c| Box::new(name_binders(c, hints, avoid)));
            Node::Reduce(*op, name, count, Box::new(inner))
        }
        Node::Num(_) | Node::Pi | Node::Var(_) => return e.clone(),
        Node::Reduce(op, i, count, body) => Node::Reduce(
            *op,
            i.clone(),
            count.as_ref().map(|c| Box::new(name_binders(c, hints, avoid))),
            Box::new(name_binders(body, hints, avoid)),
        ),
        Node::Index(b, idx) => Node::Index(
            Box::new(name_binders(b, hints, avoid)),
            idx.iter().map(|x| name_binders(x, hints, avoid)).collect(),
        ),
        Node::Neg(a) => Node::Neg(Box::new(name_binders(a, hints, avoid))),
        Node::Binary(op, a, b) => {
            Node::Binary(*op, Box::new(name_binders(a, hints, avoid)), Box::new(name_binders(b, hints, avoid)))
        }
        Node::Call(f, args) => Node::Call(*f, args.iter().map(|x| name_binders(x, hints, avoid)).collect()),
        Node::Array(items) => Node::Array(items.iter().map(|x| name_binders(x, hints, avoid)).collect()),
        Node::Apply(name, args) => {
            Node::Apply(name.clone(), args.iter().map(|x| name_binders(x, hints, avoid)).collect())
        }
    };
    Expr::new(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn round(s: &str) -> String {
        let term = to_term(&parse_expr(s).unwrap());
        readable(&term, &["i".to_string()]).to_string()
    }

    #[test]
    fn sugar_survives_the_round_trip() {
        for s in ["a - b", "a/b", "-a", "2*x", "x/2", "a - 2*b", "-a - b", "1/(a*b)", "a*b/c^2", "x + 1", "x - 1"] {
            assert_eq!(round(s), s);
        }
        assert_eq!(round("sum(k, y[k]*sum(j, W[j, k]))"), "sum(i, y[i]*sum(j, W[j, i]))");
    }

    #[test]
    fn a_negated_difference_is_turned_around() {
        assert_eq!(round("-(a - b)"), "b - a");
        assert_eq!(round("-(a - b)/c"), "(b - a)/c");
        assert_eq!(round("-2*x*(a - b)"), "2*(b - a)*x");
        assert_eq!(round("-x/(a - b)"), "-x/(a - b)");
        assert_eq!(round("-x*y"), "-x*y");
    }

    #[test]
    fn factors_print_in_textbook_order_each_once() {
        let order = |src: &str| {
            let e = parse_expr(src).unwrap();
            let mut factors = vec![];
            flatten(&e, BinOp::Mul, &mut factors);
            let ordered = textbook_order(factors.into_iter().cloned().collect());
            ordered.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(" ; ")
        };
        assert_eq!(order("yhat*(yhat - y)*(1 - yhat)"), "yhat - y ; yhat ; 1 - yhat");
        assert_eq!(order("(1 - s)*x*s"), "x ; s ; 1 - s");
        // A base twice, complements twice: each factor once.
        assert_eq!(order("a*(1 - a)*a*(1 - a)"), "a ; 1 - a ; a ; 1 - a");
        assert_eq!(order("a*a*(1 - a)"), "a ; 1 - a ; a");
        // A chain of complements, and a complement of a complement.
        assert_eq!(order("a*(1 - a)*(1 - a - 1)"), "a ; 1 - a ; 1 - a - 1");
        assert_eq!(order("(1 - a)*(1 - a)*a"), "a ; 1 - a ; 1 - a");
    }

    #[test]
    fn decimals_from_the_input_stay_decimals() {
        assert_eq!(round("0.044715*x^3"), "0.044715*x^3");
        assert_eq!(round("3*0.044715*x"), "0.134145*x");
        assert_eq!(round("x/8 + x/3 + 0.5*y + 0.25"), "x/8 + x/3 + y/2 + 1/4");
        assert_eq!(round("0.001*x"), "0.001*x");
    }

    #[test]
    fn alpha_equivalent_sums_get_one_term() {
        let a = to_term(&parse_expr("sum(i, y[i]) + sum(j, sum(i, W[i, j]))").unwrap());
        let b = to_term(&parse_expr("sum(k, y[k]) + sum(a1, sum(b1, W[b1, a1]))").unwrap());
        assert_eq!(a, b);
        assert_eq!(a.to_string().replace('"', ""), "(+ (sum %0 (idx y %0)) (sum %1 (sum %0 (idx W %0 %1))))");
    }
}
