//! Signs known for names (`z1 < 0`, `z3 >= 0`) and what they decide: `relu(z1)` and `step(z1)`
//! are 0 where `z1 < 0`, `abs`, `sign`, `max(0, .)` and `min(0, .)` fold likewise, and a
//! definition that becomes constant (`h1 = relu(z1)` is 0) folds into its users. Folding
//! replaces equals by equals where the givens hold, so it is sound for any expression; callers
//! fold a derivative after differentiating (never before: `abs(z)` with `z <= 0` is `-z`, whose
//! derivative is not `abs`'s at 0).

use crate::defs::Definitions;
use crate::egraph::{simplify, Limits};
use crate::eval::number::Number;
use crate::eval::value::Env;
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

    /// Whether `value` satisfies the given.
    pub fn holds(&self, value: &Number) -> bool {
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

/// Refuses givens that no value satisfies together (`x < 0` and `x > 0`): the fold would then
/// depend on their order. The values tried are the bounds, one past each, and the midpoints
/// between them, which meet every non-empty set the comparisons can cut out.
pub fn consistent(givens: &[Given]) -> Result<(), String> {
    for g in givens {
        let same: Vec<&Given> = givens.iter().filter(|h| h.name == g.name).collect();
        let bounds: Vec<&BigRational> = same.iter().map(|h| &h.bound).collect();
        let one = BigRational::from_integer(1.into());
        let two = BigRational::from_integer(2.into());
        let mut candidates: Vec<BigRational> = vec![];
        for a in &bounds {
            candidates.extend([(*a).clone(), *a + &one, *a - &one]);
            candidates.extend(bounds.iter().map(|b| (*a + *b) / &two));
        }
        let holds = |v: &BigRational| same.iter().all(|h| h.holds(&Number::Exact(v.clone())));
        if !candidates.iter().any(holds) {
            let texts: Vec<String> = same.iter().map(|h| h.to_string()).collect();
            return Err(format!("no value of `{}` satisfies {} together", g.name, texts.join(" and ")));
        }
    }
    Ok(())
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

/// The most rounds of substituting and simplifying in [`Signs::fold`].
const FOLD_ROUNDS: usize = 3;

/// What the givens decide, folded into expressions: the signs of names, and the definitions
/// that the signs make constant.
pub struct Signs<'a> {
    signs: HashMap<String, Sign>,
    givens: &'a [Given],
    /// Nodes that the givens make constant, with their definition.
    constants: HashMap<String, (Expr, Expr)>,
    limits: &'a Limits,
}

impl<'a> Signs<'a> {
    /// The signs `givens` decide, and the `definitions` (name and body, each after those it
    /// uses) they make constant.
    pub fn new<'d>(
        givens: &'a [Given],
        definitions: impl IntoIterator<Item = (&'d str, &'d Expr)>,
        limits: &'a Limits,
    ) -> Signs<'a> {
        let signs = givens.iter().filter_map(|g| Some((g.name.clone(), g.sign()?))).collect();
        let mut folder = Signs { signs, givens, constants: HashMap::new(), limits };
        for (name, body) in definitions {
            let value = folder.fold(body);
            if value.as_num().is_some() {
                folder.constants.insert(name.to_string(), (body.clone(), value));
            }
        }
        folder
    }

    /// `e` with the givens' signs and the constant definitions folded in, simplified.
    /// Simplifying may bring back what the signs decide (`x*sign(x)` is `abs(x)`), so the fold
    /// repeats, a few times at most, until nothing changes.
    pub fn fold(&self, e: &Expr) -> Expr {
        let mut e = e.clone();
        for _ in 0..FOLD_ROUNDS {
            let substituted = self.substitute(&e);
            if substituted == e {
                break;
            }
            e = simplify(&substituted, &Definitions::default(), &[], self.limits, false).expr;
        }
        e
    }

    fn substitute(&self, e: &Expr) -> Expr {
        self.substitute_under(e, &mut vec![])
    }

    /// [`Signs::substitute`] inside sums binding `bound`: a bound index is not the name a
    /// sign was given for.
    fn substitute_under(&self, e: &Expr, bound: &mut Vec<String>) -> Expr {
        if let Node::Var(name) = &e.node {
            if let Some((_, value)) = self.constants.get(name).filter(|_| !bound.contains(name)) {
                return value.clone();
            }
        }
        let e = match &e.node {
            Node::Reduce(op, i, count, body) => {
                let count = count.as_ref().map(|c| Box::new(self.substitute_under(c, bound)));
                bound.push(i.clone());
                let body = self.substitute_under(body, bound);
                bound.pop();
                Expr::spanned(Node::Reduce(*op, i.clone(), count, Box::new(body)), e.span.clone())
            }
            _ => e.map_children(|c| self.substitute_under(c, bound)),
        };
        let sign_of = |arg: &Expr| match &arg.node {
            Node::Var(name) if !bound.contains(name) => self.signs.get(name).copied(),
            _ => None,
        };
        let folded = match &e.node {
            Node::Call(func @ (Func::Relu | Func::Step | Func::Abs | Func::Sign), args) => {
                sign_of(&args[0]).and_then(|s| decided(*func, s, &args[0]))
            }
            Node::Call(Func::Heaviside, args) => sign_of(&args[0]).and_then(|s| match s {
                Sign::Positive => Some(Expr::int(1)),
                Sign::Negative => Some(Expr::int(0)),
                Sign::Zero => Some(args[1].clone()),
                _ => None,
            }),
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

    /// Why `e` folds to 0: the factor of a product that vanishes (a definition made constant
    /// shown with its body), every term of a sum.
    pub fn reason(&self, e: &Expr) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn contradictory_givens_are_refused() {
        let givens = |texts: &[&str]| texts.iter().map(|t| Given::parse(t).unwrap()).collect::<Vec<_>>();
        assert!(consistent(&givens(&["x < 0", "x > 0"])).is_err());
        assert!(consistent(&givens(&["x <= 0", "x >= 0"])).is_ok());
        assert!(consistent(&givens(&["x > 1/2", "x < 1"])).is_ok());
        assert!(consistent(&givens(&["x = 1", "x > 1"])).is_err());
        assert!(consistent(&givens(&["x < 0", "y > 0"])).is_ok());
    }

    #[test]
    fn signs_fold_what_they_decide() {
        let givens = [Given::parse("a < 0").unwrap(), Given::parse("b >= 0").unwrap()];
        let limits = Limits::default();
        let h = parse_expr("relu(a)").unwrap();
        let signs = Signs::new(&givens, [("h", &h)], &limits);
        let fold = |s: &str| signs.fold(&parse_expr(s).unwrap()).to_string();
        assert_eq!(fold("relu(a) + step(a) + abs(a) + sign(a)"), "-(a + 1)");
        assert_eq!(fold("relu(b) + abs(b) + max(0, b) + min(b, 0)"), "3*b");
        // step(b) at b = 0 is 0 and elsewhere 1: not decided by b >= 0.
        assert_eq!(fold("step(b) + h*x"), "step(b)");
        assert_eq!(signs.reason(&parse_expr("x*h").unwrap()), "h = relu(a) = 0 since a < 0 and b >= 0");
        // A sum's bound index is another name than the one a sign was given for.
        assert_eq!(fold("sum(a, sign(a)*z[a]) + sign(a)"), "sum(a, sign(a)*z[a]) - 1");
    }
}
