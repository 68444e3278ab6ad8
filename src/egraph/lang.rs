//! The e-graph's language: the expression language with `-`, `/` and unary minus encoded as
//! `+`, `*`, `^ -1` and `* -1`, exact rational constants, and `sum` (over what its body indexes)
//! and `sum_to` (over 1..n, its second child) binding their first child; `prod` and `prod_to`
//! likewise.

use egg::{define_language, Id, Symbol};
use num_rational::BigRational;
use std::fmt;
use std::str::FromStr;

/// An exact constant of the e-graph (never a float).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Constant(pub BigRational);

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_integer() {
            write!(f, "{}", self.0.numer())
        } else {
            write!(f, "{}/{}", self.0.numer(), self.0.denom())
        }
    }
}

impl FromStr for Constant {
    type Err = String;

    /// Reads `3`, `-1` or `1/2` (a rule's pattern text).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let int = |t: &str| t.parse::<num_bigint::BigInt>().map_err(|e| e.to_string());
        match s.split_once('/') {
            Some((p, q)) if int(q)? != 0.into() => Ok(Constant(BigRational::new(int(p)?, int(q)?))),
            Some(_) => Err(format!("zero denominator in {s}")),
            None => Ok(Constant(BigRational::from_integer(int(s)?))),
        }
    }
}

define_language! {
    /// One e-node. Children are e-class ids; each variant is named after the operator or
    /// function it stands for.
    #[allow(missing_docs)]
    pub enum Math {
        "+" = Add([Id; 2]),
        "*" = Mul([Id; 2]),
        "^" = Pow([Id; 2]),
        "exp" = Exp([Id; 1]),
        "log" = Log([Id; 1]),
        "sqrt" = Sqrt([Id; 1]),
        "abs" = Abs([Id; 1]),
        "sign" = Sign([Id; 1]),
        "sin" = Sin([Id; 1]),
        "cos" = Cos([Id; 1]),
        "tan" = Tan([Id; 1]),
        "sinh" = Sinh([Id; 1]),
        "cosh" = Cosh([Id; 1]),
        "tanh" = Tanh([Id; 1]),
        "sigmoid" = Sigmoid([Id; 1]),
        "relu" = Relu([Id; 1]),
        "step" = Step([Id; 1]),
        "softplus" = Softplus([Id; 1]),
        "erf" = Erf([Id; 1]),
        "softmax" = Softmax([Id; 1]),
        "logsumexp" = Logsumexp([Id; 1]),
        "max" = Max([Id; 2]),
        "heaviside" = Heaviside([Id; 2]),
        "min" = Min([Id; 2]),
        "delta" = Delta([Id; 2]),
        "idx" = Index(Box<[Id]>),
        "sum" = Sum([Id; 2]),
        "sum_to" = SumTo([Id; 3]),
        "prod" = Prod([Id; 2]),
        "prod_to" = ProdTo([Id; 3]),
        "len" = Len([Id; 1]),
        "cols" = Cols([Id; 1]),
        "transpose" = Transpose([Id; 1]),
        "matmul" = MatMul([Id; 2]),
        "array" = Array(Box<[Id]>),
        "apply" = Apply(Box<[Id]>),
        "pi" = Pi,
        Num(Constant),
        Symbol(Symbol),
    }
}

impl Math {
    /// A binder's parts: its bound index, its written range (`sum_to`, `prod_to`) and its body.
    pub fn binding(&self) -> Option<(Id, Option<Id>, Id)> {
        match self {
            Math::Sum([b, body]) | Math::Prod([b, body]) => Some((*b, None, *body)),
            Math::SumTo([b, n, body]) | Math::ProdTo([b, n, body]) => Some((*b, Some(*n), *body)),
            _ => None,
        }
    }
}

/// Whether `name` is a canonical bound-index name (`%0`, `%1`, ...), which no user name can be.
pub fn is_binder(name: &str) -> bool {
    name.starts_with('%')
}

/// The canonical bound-index name number `n`.
pub fn binder(n: usize) -> String {
    format!("%{n}")
}
