//! Givens (`z1 < 0`): what the sign of a node makes of the graph's gradients. A given folds the
//! functions whose value its sign decides (`relu(z1)` and `step(z1)` are 0 where `z1 < 0`),
//! nodes that become constants fold into their users (`h1 = relu(z1)` is 0), and a gradient that
//! simplifies to 0 is identically zero wherever the givens hold, with the factor that vanishes
//! as the reason. Both answers are checked at random inputs that satisfy the givens: a zero
//! must be zero at each, and a gradient not shown zero gets a point where it is not.

use super::Graph;
use crate::defs::Definitions;
use crate::egraph::{simplify, Limits};
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::sample::Rng;
use crate::syntax::ast::{flatten, BinOp, Expr, Func, Node};
use crate::syntax::parse::parse_expr;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use std::collections::HashMap;
use std::fmt;

/// How a given compares its name with its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// `<`
    Less,
    /// `<=`
    LessEq,
    /// `>`
    Greater,
    /// `>=`
    GreaterEq,
    /// `=`
    Equal,
}

/// A given: a node or input compared with a constant, `z1 < 0`, `z3 >= 1/2`, `z1 = -1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    /// The name compared.
    pub name: String,
    /// The comparison.
    pub relation: Relation,
    /// The constant.
    pub bound: BigRational,
}

/// The sign a given decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sign {
    Negative,
    NonPositive,
    Zero,
    NonNegative,
    Positive,
}

impl Given {
    /// Reads `name < c`, `name <= c`, `name > c`, `name >= c` or `name = c` (also `≤`, `≥`),
    /// `c` a constant.
    pub fn parse(text: &str) -> Result<Given, String> {
        let relations = [
            ("<=", Relation::LessEq),
            ("≤", Relation::LessEq),
            (">=", Relation::GreaterEq),
            ("≥", Relation::GreaterEq),
        ]
        .into_iter()
        .chain([("<", Relation::Less), (">", Relation::Greater), ("=", Relation::Equal)]);
        let (lhs, relation, rhs) = relations
            .into_iter()
            .find_map(|(symbol, relation)| text.split_once(symbol).map(|(a, b)| (a, relation, b)))
            .ok_or_else(|| format!("`{text}` is not a comparison: write `z1 < 0` (also <=, >, >=, =)"))?;
        let name = lhs.trim();
        if !matches!(parse_expr(name).map(|e| e.node), Ok(Node::Var(_))) {
            return Err(format!("`{name}` is not a name: a given compares a node with a constant, `z1 < 0`"));
        }
        let bound = parse_expr(rhs)
            .ok()
            .and_then(|e| crate::eval::eval_scalar(&e, &Env::new()).ok())
            .and_then(|n| n.as_exact().cloned())
            .ok_or_else(|| format!("`{}` is not an exact constant", rhs.trim()))?;
        Ok(Given { name: name.to_string(), relation, bound })
    }

    fn sign(&self) -> Option<Sign> {
        let b = &self.bound;
        let (neg, zero, pos) = (b.is_negative(), b.is_zero(), b.is_positive());
        match self.relation {
            Relation::Less if neg || zero => Some(Sign::Negative),
            Relation::LessEq if neg => Some(Sign::Negative),
            Relation::LessEq if zero => Some(Sign::NonPositive),
            Relation::Greater if pos || zero => Some(Sign::Positive),
            Relation::GreaterEq if pos => Some(Sign::Positive),
            Relation::GreaterEq if zero => Some(Sign::NonNegative),
            Relation::Equal if neg => Some(Sign::Negative),
            Relation::Equal if zero => Some(Sign::Zero),
            Relation::Equal if pos => Some(Sign::Positive),
            _ => None,
        }
    }

    fn holds(&self, value: &Number) -> bool {
        let Ok(order) = value.try_compare(&Number::Exact(self.bound.clone())) else { return false };
        match self.relation {
            Relation::Less => order.is_lt(),
            Relation::LessEq => order.is_le(),
            Relation::Greater => order.is_gt(),
            Relation::GreaterEq => order.is_ge(),
            Relation::Equal => order.is_eq(),
        }
    }
}

impl fmt::Display for Given {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbol = match self.relation {
            Relation::Less => "<",
            Relation::LessEq => "<=",
            Relation::Greater => ">",
            Relation::GreaterEq => ">=",
            Relation::Equal => "=",
        };
        write!(f, "{} {symbol} {}", self.name, Expr::num(self.bound.clone()))
    }
}

/// What the givens make of one input's gradient.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Zero wherever the givens hold, and why.
    Zero(String),
    /// Not zero at this point (inputs as `--at` reads them), where the givens hold: its value.
    NotZero {
        /// The inputs.
        point: String,
        /// The gradient's value there.
        value: String,
    },
    /// Neither shown: no fold gives 0, and no point tried (where the givens hold) gives
    /// another value.
    Unknown,
}

/// One input's gradient under the givens.
#[derive(Clone, Debug, PartialEq)]
pub struct ZeroGradient {
    /// The input.
    pub input: String,
    /// `∂L/∂input` with the givens folded in.
    pub folded: Expr,
    /// The verdict.
    pub verdict: Verdict,
}

/// The gradient of every input under `givens`; an `Err` if a verdict fails its check at the
/// random points (an internal error).
pub fn zero_gradients(graph: &Graph, givens: &[Given], limits: &Limits) -> Result<Vec<ZeroGradient>, String> {
    let folder = Folder::new(graph, givens, limits);
    let points = satisfying_points(graph, givens);
    let mut out = vec![];
    for node in graph.inputs() {
        let folded = folder.fold(&node.adjoint);
        let values: Vec<(String, Number)> = points
            .iter()
            .filter_map(|(point, forward)| {
                Some((point.clone(), graph.value(&node.adjoint, forward).ok()?.as_scalar()?.clone()))
            })
            .collect();
        let verdict = if folded.as_num().is_some_and(Zero::is_zero) {
            if let Some((point, value)) = values.iter().find(|(_, v)| !v.is_zero()) {
                return Err(format!(
                    "internal error: dL/d{} folds to 0 under the givens but is {} at {point}; please report this",
                    node.name,
                    value.format(6)
                ));
            }
            Verdict::Zero(folder.reason(&node.adjoint))
        } else {
            match values.iter().find(|(_, v)| !v.is_zero()) {
                Some((point, value)) => Verdict::NotZero { point: point.clone(), value: value.format(6) },
                None => Verdict::Unknown,
            }
        };
        out.push(ZeroGradient { input: node.name.clone(), folded, verdict });
    }
    Ok(out)
}

/// Folds what the givens decide into expressions over the graph's names.
struct Folder<'a> {
    signs: HashMap<String, Sign>,
    givens: &'a [Given],
    /// Nodes that the givens make constant, with their definition.
    constants: HashMap<String, (Expr, Expr)>,
    limits: &'a Limits,
}

impl<'a> Folder<'a> {
    fn new(graph: &Graph, givens: &'a [Given], limits: &'a Limits) -> Folder<'a> {
        let signs = givens.iter().filter_map(|g| Some((g.name.clone(), g.sign()?))).collect();
        let mut folder = Folder { signs, givens, constants: HashMap::new(), limits };
        for node in &graph.nodes {
            if let Some(body) = &node.body {
                let value = folder.fold(body);
                if value.as_num().is_some() {
                    folder.constants.insert(node.name.clone(), (body.clone(), value));
                }
            }
        }
        folder
    }

    /// `e` with the givens' signs and the constant nodes folded in, simplified.
    fn fold(&self, e: &Expr) -> Expr {
        simplify(&self.substitute(e), &Definitions::default(), &[], self.limits, false).expr
    }

    fn substitute(&self, e: &Expr) -> Expr {
        if let Node::Var(name) = &e.node {
            if let Some((_, value)) = self.constants.get(name) {
                return value.clone();
            }
        }
        let e = e.map_children(|c| self.substitute(c));
        let sign_of = |arg: &Expr| match &arg.node {
            Node::Var(name) => self.signs.get(name).copied(),
            _ => None,
        };
        let folded = match &e.node {
            Node::Call(func @ (Func::Relu | Func::Step | Func::Abs | Func::Sign), args) => {
                sign_of(&args[0]).and_then(|s| decided(*func, s, &args[0]))
            }
            Node::Call(func @ (Func::Max | Func::Min), args) => {
                let zero_and = |a: &Expr, b: &Expr| a.as_num().is_some_and(Zero::is_zero).then_some(b.clone());
                zero_and(&args[0], &args[1]).or_else(|| zero_and(&args[1], &args[0])).and_then(|other| {
                    let s = sign_of(&other)?;
                    let as_relu = if *func == Func::Max { other.clone() } else { Expr::negate(other.clone()) };
                    let relu = decided(Func::Relu, if *func == Func::Max { s } else { flipped(s) }, &as_relu)?;
                    Some(if *func == Func::Max { relu } else { Expr::negate(relu) })
                })
            }
            _ => None,
        };
        folded.unwrap_or(e)
    }

    /// Why `e` folds to 0: the factor of a product that vanishes (a node made constant shown
    /// with its definition), every term of a sum.
    fn reason(&self, e: &Expr) -> String {
        let mut factors = vec![];
        flatten(e, BinOp::Mul, &mut factors);
        if factors.len() > 1 {
            if let Some(f) = factors.iter().find(|f| self.fold(f).as_num().is_some_and(Zero::is_zero)) {
                return self.reason(f);
            }
        }
        let mut terms = vec![];
        flatten(e, BinOp::Add, &mut terms);
        if terms.len() > 1 {
            return terms.iter().map(|t| self.reason(t)).collect::<Vec<_>>().join("; and ");
        }
        let givens: Vec<String> = self.givens.iter().map(Given::to_string).collect();
        match &e.node {
            Node::Var(name) if self.constants.contains_key(name) => {
                let (body, _) = &self.constants[name];
                format!("{name} = {body} = 0 since {}", givens.join(" and "))
            }
            _ => format!("{e} = 0 since {}", givens.join(" and ")),
        }
    }
}

/// The value of `func(arg)` where `arg` has sign `s`, if the sign decides it.
fn decided(func: Func, s: Sign, arg: &Expr) -> Option<Expr> {
    use Sign::*;
    let zero = Expr::int(0);
    match (func, s) {
        (Func::Relu, Negative | NonPositive | Zero) => Some(zero),
        (Func::Relu, Positive | NonNegative) => Some(arg.clone()),
        // step(0) = 0: the convention of this language (the subgradient chosen for relu).
        (Func::Step, Negative | NonPositive | Zero) => Some(zero),
        (Func::Step, Positive) => Some(Expr::int(1)),
        (Func::Abs, Negative | NonPositive) => Some(Expr::negate(arg.clone())),
        (Func::Abs, Zero) => Some(zero),
        (Func::Abs, Positive | NonNegative) => Some(arg.clone()),
        (Func::Sign, Negative) => Some(Expr::int(-1)),
        (Func::Sign, Zero) => Some(zero),
        (Func::Sign, Positive) => Some(Expr::int(1)),
        _ => None,
    }
}

fn flipped(s: Sign) -> Sign {
    match s {
        Sign::Negative => Sign::Positive,
        Sign::NonPositive => Sign::NonNegative,
        Sign::Zero => Sign::Zero,
        Sign::NonNegative => Sign::NonPositive,
        Sign::Positive => Sign::Negative,
    }
}

/// How many random inputs are drawn, and how many satisfying the givens are kept.
const TRIES: u64 = 400;
const KEPT: usize = 24;

/// Random exact inputs (each in [-2, 2], steps of 1/4, never 0) at which every given holds,
/// with every node's forward value: the point as `--at` text, and the forward environment.
fn satisfying_points(graph: &Graph, givens: &[Given]) -> Vec<(String, Env)> {
    let mut rng = Rng::new(0x9a7);
    let mut points = vec![];
    for _ in 0..TRIES {
        let mut env = Env::new();
        let mut text = vec![];
        for input in graph.inputs() {
            let k = rng.int(-8, 7);
            let r = BigRational::new(if k == 0 { 8 } else { k }.into(), 4.into());
            text.push(format!("{}={}", input.name, Expr::num(r.clone())));
            env.bind(&input.name, Value::Scalar(Number::Exact(r)));
        }
        let Ok(forward) = graph.forward(&env) else { continue };
        let holds = givens.iter().all(|g| forward.get(&g.name).and_then(Value::as_scalar).is_some_and(|v| g.holds(v)));
        if holds {
            points.push((text.join(", "), forward));
            if points.len() == KEPT {
                break;
            }
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::super::tests::relu_network;
    use super::*;

    fn verdicts(givens: &[&str]) -> HashMap<String, Verdict> {
        let givens: Vec<Given> = givens.iter().map(|g| Given::parse(g).unwrap()).collect();
        zero_gradients(&relu_network(), &givens, &Limits::default())
            .unwrap()
            .into_iter()
            .map(|z| (z.input, z.verdict))
            .collect()
    }

    /// The seed's question: with z1 < 0, dL/dw1 and dL/dw2 are zero, dL/dw3 need not be.
    #[test]
    fn a_dead_relu_zeroes_the_weights_into_and_out_of_it() {
        let v = verdicts(&["z1 < 0"]);
        assert_eq!(v["w1"], Verdict::Zero("step(z1) = 0 since z1 < 0".into()));
        assert_eq!(v["w2"], Verdict::Zero("h1 = relu(z1) = 0 since z1 < 0".into()));
        assert_eq!(v["w4"], Verdict::Zero("h1 = relu(z1) = 0 since z1 < 0".into()));
        assert!(matches!(v["w3"], Verdict::NotZero { .. }), "{:?}", v["w3"]);
        assert!(matches!(v["t"], Verdict::NotZero { .. }));
    }

    #[test]
    fn without_givens_nothing_is_zero() {
        let v = verdicts(&[]);
        assert!(v.values().all(|v| matches!(v, Verdict::NotZero { .. })), "{v:?}");
    }

    #[test]
    fn givens_are_read() {
        assert_eq!(Given::parse("z1 <= -1/2").unwrap().to_string(), "z1 <= -0.5");
        assert_eq!(Given::parse("z1 ≥ 0").unwrap().relation, Relation::GreaterEq);
        assert_eq!(Given::parse("z1 = -1").unwrap().sign(), Some(Sign::Negative));
        assert_eq!(Given::parse("z1 < 1").unwrap().sign(), None);
        assert!(Given::parse("z1 + 1 < 0").is_err());
        assert!(Given::parse("z1 < x").is_err());
        assert!(Given::parse("z1").is_err());
    }
}
