//! General backprop formulas of a layered network, judged by the engine: a document's
//! `\delta^{[\ell]} = (w^{[\ell+1]})^T \delta^{[\ell+1]} \circ f'(z^{[\ell]})`,
//! `\frac{\partial E}{\partial w^{[\ell]}} = \delta^{[\ell]} (x^{[\ell-1]})^T` and
//! `\frac{\partial E}{\partial b^{[\ell]}} = \delta^{[\ell]}`, at a symbolic layer or a numbered one.
//!
//! The truth is derived as the runner's formula block derives it
//! ([`crate::exercise::backprop`]): `∂/∂z (d^T (W f(z) + b))` with the delta `d` of the layer
//! above held fixed, for the layer's own activation `f` (from `--exercise`, or from the
//! document's forward pass, `x^{[1]} = \tanh(z^{[1]})`); the gradients from `d^T (W a + b)`. The
//! formula written, its names put in the engine's, must agree with it entry by entry at random
//! values ([`crate::matrix::MatrixDerivation::judge`]).

use super::functions::Functions;
use super::symbolic::Outcome;
use crate::derive::{derive_parsed, Context};
use crate::diff::Wrt;
use crate::matrix::shape::Shapes;
use crate::matrix::{derive_matrix, surface, MatrixDerivation, Mismatch};
use crate::syntax::ast::{BinOp, Expr, Func, Node};
use crate::syntax::parse::parse_expr;
use crate::syntax::read_latex::Side;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A layer as a document writes it: a number, or a symbol (`ℓ`, `l`, `k`) with an offset.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Layer {
    symbol: Option<String>,
    offset: i64,
}

impl Layer {
    /// Reads `2`, `ℓ`, `ℓ+1`, `l - 1`.
    fn parse(text: &str) -> Option<Layer> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(n) = compact.parse::<i64>() {
            return Some(Layer { symbol: None, offset: n });
        }
        let split = compact.find(['+', '-']).unwrap_or(compact.len());
        let (symbol, rest) = compact.split_at(split);
        if !matches!(symbol, "ℓ" | "l" | "k") {
            return None;
        }
        let offset = if rest.is_empty() { 0 } else { rest.strip_prefix('+').unwrap_or(rest).parse().ok()? };
        Some(Layer { symbol: Some(symbol.replace('l', "ℓ")), offset })
    }

    fn plus(&self, k: i64) -> Layer {
        Layer { symbol: self.symbol.clone(), offset: self.offset.saturating_add(k) }
    }

    /// The layer's number, when it is one.
    fn number(&self) -> Option<usize> {
        match self.symbol {
            None => usize::try_from(self.offset).ok(),
            Some(_) => None,
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.symbol, self.offset) {
            (None, n) => write!(f, "{n}"),
            (Some(s), 0) => write!(f, "{s}"),
            (Some(s), n) if n > 0 => write!(f, "{s}+{n}"),
            (Some(s), n) => write!(f, "{s}{n}"),
        }
    }
}

/// Whether `name` is a quantity of a numbered layer (`δ^[2]`, not `δ^[ℓ+1]`).
pub fn numbered(name: &str) -> bool {
    layered(name).is_some_and(|(_, layer)| layer.number().is_some())
}

/// `("z", ℓ-1)` for the name `z^[ℓ-1]`.
fn layered(name: &str) -> Option<(&str, Layer)> {
    let (base, layer) = name.strip_suffix(']')?.split_once("^[")?;
    Some((base, Layer::parse(layer)?))
}

/// `δ_{l≠L}`: a delta whose subscript annotates which layers it is for (not a component `δ_j`).
fn is_annotated_delta(base: &str) -> bool {
    base.strip_prefix("δ_").is_some_and(|sub| sub.contains('≠') || sub.contains("neq"))
}

/// Whether `name` is a loss's name (what a delta and the gradients are derivatives of).
fn is_loss(name: &str) -> bool {
    matches!(name, "E" | "L" | "J" | "C" | "Loss")
}

/// Whether a side names something (a derivative, a layered name) rather than being a formula: a
/// chain's quantity changes only at such sides.
pub fn names_something(side: &Side) -> bool {
    match side {
        Side::Derivative { .. } => true,
        Side::Expr(Expr { node: Node::Var(name), .. }) => name.starts_with('∂') || layered(name).is_some(),
        Side::Expr(_) => false,
    }
}

/// What a chain of a layered network computes.
#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    /// `\delta^{[ℓ]}`, `∂E/∂z^{[ℓ]}`.
    Delta(Layer),
    /// `∂E/∂w^{[ℓ]}`.
    WeightGradient(Layer),
    /// `∂E/∂b^{[ℓ]}`.
    BiasGradient(Layer),
}

impl Quantity {
    /// The quantity a side names: `\delta^{[\ell]}`, or the derivative of a loss by `z`, `w` or
    /// `b` of a layer (written as a fraction, or read as the name `∂E/∂w^[ℓ]`).
    pub fn of(side: &Side) -> Option<Quantity> {
        let by = |wrt: &str| {
            let (base, layer) = layered(wrt)?;
            match base {
                "z" => Some(Quantity::Delta(layer)),
                "w" | "W" => Some(Quantity::WeightGradient(layer)),
                "b" => Some(Quantity::BiasGradient(layer)),
                _ => None,
            }
        };
        match side {
            Side::Expr(Expr { node: Node::Var(name), .. }) => match name.split_once("/∂") {
                Some((of, wrt)) if is_loss(of.strip_prefix('∂').unwrap_or("")) => by(wrt),
                Some(_) => None,
                // `\delta_{l \neq L}^{[\ell]}`: a subscript only annotates.
                None => match layered(name)? {
                    (base, layer) if base == "δ" || base == "delta" || is_annotated_delta(base) => {
                        Some(Quantity::Delta(layer))
                    }
                    _ => None,
                },
            },
            Side::Derivative { of, wrt } => match (&of.node, &wrt.node) {
                (Node::Var(of), Node::Var(wrt)) if is_loss(of) => by(wrt),
                _ => None,
            },
            Side::Expr(_) => None,
        }
    }

    fn layer(&self) -> &Layer {
        match self {
            Quantity::Delta(l) | Quantity::WeightGradient(l) | Quantity::BiasGradient(l) => l,
        }
    }

    /// The engine's name for the document's layered name `base^[layer]` in a formula of this
    /// quantity (`f` stands for the layer's activation applied to `z`), if it has one.
    fn role(&self, base: &str, layer: &Layer) -> Option<&'static str> {
        let own = self.layer();
        let (weights, delta, net, output, bias) = (
            matches!(base, "w" | "W"),
            matches!(base, "δ" | "delta"),
            base == "z",
            matches!(base, "x" | "a" | "h" | "o"),
            base == "b",
        );
        match self {
            Quantity::Delta(_) if *layer == own.plus(1) => {
                [(weights, "W"), (delta, "d"), (bias, "b")].into_iter().find(|(is, _)| *is).map(|(_, r)| r)
            }
            Quantity::Delta(_) if layer == own => {
                [(net, "z"), (output, "f")].into_iter().find(|(is, _)| *is).map(|(_, r)| r)
            }
            Quantity::WeightGradient(_) | Quantity::BiasGradient(_) if layer == own => {
                [(weights, "W"), (delta, "d"), (bias, "b")].into_iter().find(|(is, _)| *is).map(|(_, r)| r)
            }
            Quantity::WeightGradient(_) | Quantity::BiasGradient(_) if *layer == own.plus(-1) => output.then_some("a"),
            _ => None,
        }
    }

    /// The document's name for each engine name, for showing the expected formula.
    fn document_names(&self) -> HashMap<&'static str, String> {
        let l = self.layer();
        let name = |base: &str, layer: &Layer| format!("{base}^[{layer}]");
        match self {
            Quantity::Delta(_) => HashMap::from([
                ("d", name("δ", &l.plus(1))),
                ("W", name("w", &l.plus(1))),
                ("b", name("b", &l.plus(1))),
                ("z", name("z", l)),
            ]),
            Quantity::WeightGradient(_) | Quantity::BiasGradient(_) => HashMap::from([
                ("d", name("δ", l)),
                ("W", name("w", l)),
                ("b", name("b", l)),
                ("a", name("x", &l.plus(-1))),
            ]),
        }
    }
}

/// What a document tells of its network, from its forward pass: each layer's activation
/// (`x^{[1]} = \tanh(z^{[1]})`, a formula in `t`), whether it writes the nets as `W x + b`, and
/// its last layer.
#[derive(Clone, Debug, Default)]
pub struct Activations {
    by_layer: BTreeMap<Layer, Expr>,
    /// A net written `z^{[l]} = w^{[l]} x^{[l-1]} + b^{[l]}` was seen.
    standard_net: bool,
    /// A net written otherwise (`(w^{[l]})^T x^{[l-1]}`, `x w`) was seen.
    other_net: Option<String>,
    /// The largest numbered layer of a net or an output seen.
    last: usize,
}

impl Activations {
    /// What a new part of the document keeps: how it writes nets (a notation, not a network).
    pub fn new_part(&self) -> Activations {
        Activations { standard_net: self.standard_net, other_net: self.other_net.clone(), ..Activations::default() }
    }

    /// Learns from a chain `name = bodies...`: the activation of `name`'s layer when `name` is a
    /// layer's output and a body is a formula in that layer's `z` alone; how nets are written
    /// when `name` is a net.
    pub fn learn(&mut self, name: &str, bodies: &[Expr], functions: &Functions) {
        let Some((base, layer)) = layered(name) else { return };
        if let Some(n) = layer.number() {
            if matches!(base, "z" | "x" | "a" | "h" | "o") {
                self.last = self.last.max(n);
            }
        }
        if base == "z" {
            if let Some(body) = bodies.iter().find(|b| !b.free_names().is_empty()) {
                match standard_net(body, &layer) {
                    Some(true) => self.standard_net = true,
                    Some(false) => self.other_net = Some(body.to_string()),
                    None => {}
                }
            }
            return;
        }
        if !matches!(base, "x" | "a" | "h" | "o") {
            return;
        }
        let net = format!("z^[{layer}]");
        for body in bodies.iter().map(|b| functions.expand(b)) {
            if body.free_names().into_iter().eq([net.clone()]) && !has_vector_call(&body) {
                let activation = body.map_free_var(&|n| (n == net).then(|| Expr::var("t")));
                self.by_layer.insert(layer, activation);
                return;
            }
        }
    }

    /// The activation of `layer`: a numbered hidden layer's own; for a symbolic layer the one
    /// every layer the part computes shares (a formula for the symbolic layer included).
    fn of(&self, layer: &Layer) -> Result<Expr, String> {
        let unknown = || format!("the activation of layer {layer} is not known (no forward pass of it in this part)");
        if let Some(n) = layer.number() {
            if n >= self.last && self.last > 0 {
                return Err(format!("layer {n} is the last layer the document computes"));
            }
            return self.by_layer.get(layer).cloned().ok_or_else(unknown);
        }
        // Which numbered layers are hidden is not always clear (an output written `\hat{y}`): every
        // activation the part computes must agree.
        let candidates: Vec<&Expr> = self.by_layer.values().collect();
        match candidates.split_first() {
            None => Err(unknown()),
            Some((first, rest)) if rest.iter().all(|e| e == first) => Ok((*first).clone()),
            Some(_) => Err("the layers' activations differ in this part of the document".into()),
        }
    }

    /// Whether the nets are known to be `W x + b` (the convention the chain rule is taken in).
    fn standard(&self) -> Result<(), String> {
        match (&self.other_net, self.standard_net) {
            (Some(other), _) => Err(format!("the document writes a net as `{other}`, not as W x + b")),
            (None, true) => Ok(()),
            (None, false) => Err("the document does not write its nets (z = W x + b)".into()),
        }
    }
}

/// Whether the net `body` of `layer` is written `w^[l] v + b^[l]` (the layer's weights, not
/// transposed, on the left of the input, the bias optional): `Some(true)`; `Some(false)` when
/// the weights stand otherwise (`(w^{[l]})^T x`, `x w^{[l]}`); `None` when they do not appear.
fn standard_net(body: &Expr, layer: &Layer) -> Option<bool> {
    let weights = |e: &Expr| matches!(&e.node, Node::Var(name) if layered(name).is_some_and(|(b, l)| matches!(b, "w" | "W") && l == *layer));
    let bias =
        |e: &Expr| matches!(&e.node, Node::Var(name) if layered(name).is_some_and(|(b, l)| b == "b" && l == *layer));
    let below = |e: &Expr| matches!(&e.node, Node::Var(name) if layered(name).is_some_and(|(b, l)| matches!(b, "x" | "a" | "h" | "o") && l == layer.plus(-1)));
    let other_layer = |e: &Expr| matches!(&e.node, Node::Var(name) if layered(name).is_some());
    // `w^[l] v`: the weights on the left of the layer below's output (standard), of another
    // layer's (another convention), or of an input with no layer (`x_new`: tells nothing).
    let product = |e: &Expr| match &e.node {
        Node::Call(Func::MatMul, args) if weights(&args[0]) && !mentions(&args[1], &weights) => {
            Some(below(&args[1]) || !other_layer(&args[1]))
        }
        _ => None,
    };
    let plain_input = |e: &Expr| matches!(&e.node, Node::Call(Func::MatMul, args) if !other_layer(&args[1]));
    let form = match &body.node {
        Node::Binary(BinOp::Add, a, b) if bias(b) => product(a).map(|ok| (ok, plain_input(a))),
        Node::Binary(BinOp::Add, a, b) if bias(a) => product(b).map(|ok| (ok, plain_input(b))),
        _ => product(body).map(|ok| (ok, plain_input(body))),
    };
    match (form, mentions(body, &weights)) {
        (Some((true, false)), _) => Some(true),
        (Some((true, true)), _) => None,
        (_, true) => Some(false),
        (_, false) => None,
    }
}

/// Whether some part of `e` is `what`.
fn mentions(e: &Expr, what: &dyn Fn(&Expr) -> bool) -> bool {
    what(e) || e.children().into_iter().any(|c| mentions(c, what))
}

fn has_vector_call(e: &Expr) -> bool {
    matches!(&e.node, Node::Call(f, _) if f.takes_vector()) || e.children().into_iter().any(has_vector_call)
}

/// Whether the document computes one sample at a time or a batch at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Samples {
    /// One sample: deltas are vectors.
    One,
    /// A batch of this many, one column each: the gradients sum (or average) over the columns.
    Batch(usize),
    /// A quantity of several columns where the input's columns do not tell how many samples.
    Unclear,
}

/// What is known of the network a formula is about.
pub struct Known<'a> {
    /// The exercise's hidden activation (in `x`) and its number of layers, when given.
    pub exercise: Option<(&'a Expr, usize)>,
    /// What the document's forward pass tells.
    pub document: &'a Activations,
    /// How many samples the document computes at once.
    pub samples: Samples,
    /// The derivations made so far in the document (a quantity's for an activation and a
    /// number of samples is the same in every formula).
    pub derivations: &'a Derivations,
}

/// The engine's derivations of the quantities, by what they depend on.
pub type Derivations = std::cell::RefCell<HashMap<String, Result<MatrixDerivation, String>>>;

impl Known<'_> {
    /// The activation of `layer` (in `t`), or why it is not known.
    fn activation(&self, layer: &Layer) -> Result<Expr, String> {
        if let Some((activation, last)) = self.exercise {
            if layer.number().is_some_and(|n| n >= last) {
                return Err(format!("layer {layer} is the output layer"));
            }
            return Ok(activation.map_free_var(&|n| (n == "x").then(|| Expr::var("t"))));
        }
        self.document.of(layer)
    }

    /// Whether the nets are `W x + b`: the exercise's are; a document must say so.
    fn standard(&self) -> Result<(), String> {
        match (&self.document.other_net, self.exercise) {
            (Some(other), _) => Err(format!("the document writes a net as `{other}`, not as W x + b")),
            (None, Some(_)) => Ok(()),
            (None, None) => self.document.standard(),
        }
    }
}

/// Judges `formula` as the value of `quantity`: `None` when it is not a formula over the
/// quantity's layered names (it is judged otherwise, or not at all).
pub fn judge(quantity: &Quantity, formula: &Expr, known: &Known, functions: &Functions) -> Option<Outcome> {
    let mut names: HashMap<String, &'static str> = HashMap::new();
    // `f'` in `f'(z)` names a function, not a value.
    for name in formula.free_names().into_iter().filter(|n| !n.ends_with('\'')) {
        let role = match layered(&name) {
            Some((base, layer)) => quantity.role(base, &layer),
            // `(∂z^{[ℓ+1]}/∂x^{[ℓ]})^T`: the weights of the layer above.
            None => next_layer_jacobian(quantity, &name),
        };
        names.insert(name, role?);
    }
    if !names.values().any(|r| matches!(*r, "d")) {
        return None;
    }
    if untransposed_jacobian(formula) {
        return Some(Outcome::Unchecked("`∂z/∂x` without a transpose: a layout convention, not judged".into()));
    }
    let samples = match known.samples {
        Samples::Unclear => {
            return Some(Outcome::Unchecked(
                "a delta of several columns, but the input does not tell the samples".into(),
            ))
        }
        Samples::One => None,
        Samples::Batch(n) => Some(n),
    };
    if let Err(why) = known.standard() {
        return Some(Outcome::Unchecked(format!("{why}: its backprop formulas are not judged")));
    }
    let activation = match quantity {
        Quantity::Delta(layer) => match known.activation(layer) {
            Ok(f) => Some(f),
            Err(why) => return Some(Outcome::Unchecked(why)),
        },
        _ => None,
    };
    let written = match write_out_derivatives(formula, activation.as_ref(), functions) {
        Ok(e) => e,
        Err(unknown) => {
            let why = match &activation {
                Some(f) => format!(
                    "`{unknown}` is not a function the document defines; layer {}'s units are {}, whose derivative is {}",
                    quantity.layer(),
                    shown(f),
                    shown(&derivative(f).unwrap_or_else(|| f.clone()))
                ),
                None => format!("`{unknown}` is not a function the document defines"),
            };
            return Some(Outcome::Unchecked(why));
        }
    };
    if let Some(bare) = written.free_names().into_iter().find(|n| n.ends_with('\'')) {
        return Some(Outcome::Unchecked(format!("`{bare}` names a function without its argument")));
    }
    let net = Expr::var("z");
    let applied = activation.as_ref().map(|f| f.map_free_var(&|n| (n == "t").then(|| net.clone())));
    let renamed = written.map_free_var(&|n| match names.get(n) {
        Some(&"f") => applied.clone(),
        Some(role) => Some(Expr::var(role)),
        None => None,
    });
    let kind = match quantity {
        Quantity::Delta(_) => "delta",
        Quantity::WeightGradient(_) => "weights",
        Quantity::BiasGradient(_) => "bias",
    };
    let key = format!("{kind} {} {samples:?}", applied.as_ref().map(Expr::to_string).unwrap_or_default());
    let derived = known.derivations.borrow().get(&key).cloned();
    let derivation = match derived.unwrap_or_else(|| {
        let made = truth(quantity, applied.as_ref(), samples);
        known.derivations.borrow_mut().insert(key, made.clone());
        made
    }) {
        Ok(d) => d,
        Err(why) => return Some(Outcome::Unchecked(why)),
    };
    let back = quantity.document_names();
    let in_document = |e: &Expr| e.map_free_var(&|n| back.get(n).map(|name| Expr::var(name))).to_string();
    let expected = match &derivation.matrix {
        Ok(m) => in_document(&surface(m)),
        Err(_) => format!("{} = {}", derivation.component(), in_document(derivation.index_form())),
    };
    let units = match &activation {
        Some(f) => format!(" ({} units)", shown(f)),
        None => String::new(),
    };
    let through = format!("the chain rule through layer {}{units}", quantity.layer());
    let candidate = as_matrix_form(&renamed, samples, false);
    let mut verdict = derivation.judge(&candidate);
    let mut reading = "";
    if matches!(verdict, Err(Mismatch::Shape(_))) {
        // `\sigma(z)(1 - \sigma(z))`: vectors side by side read as their entrywise product.
        let entrywise = as_matrix_form(&renamed, samples, true);
        if entrywise != candidate {
            let as_entrywise = derivation.judge(&entrywise);
            if let Ok(()) | Err(Mismatch::Differs(_)) = as_entrywise {
                verdict = as_entrywise;
                reading = ", reading vectors side by side as their entrywise product";
            }
        }
    }
    if let (Err(Mismatch::Differs(_)), Some(n), Quantity::WeightGradient(_) | Quantity::BiasGradient(_)) =
        (&verdict, samples, quantity)
    {
        // The loss may be the mean over the batch rather than its sum, which the document's
        // loss decides.
        let scaled = Expr::binary(BinOp::Mul, Expr::int(n as i64), candidate.clone());
        if derivation.judge(&scaled).is_ok() {
            return Some(Outcome::Unchecked(format!(
                "{through}, if the loss is the mean over the {n} samples (the sum gives {expected})"
            )));
        }
    }
    Some(match verdict {
        Ok(()) => Outcome::Correct(format!("{through}: {expected}{reading}")),
        Err(Mismatch::Unjudged(why)) => Outcome::Unchecked(why),
        // Shapes that do not fit as read may be a notation (`\sigma'(z) W^T \delta`, a Jacobian
        // read as a diagonal): not judged.
        // The derivative transposed, where the nets are W x + b, is a slip, not a notation.
        Err(Mismatch::Shape(why)) if !why.ends_with("the derivative transposed") => {
            Outcome::Unchecked(format!("its shapes do not fit as read ({why}): not judged"))
        }
        Err(why) => Outcome::Wrong {
            expected,
            got: surface(formula).to_string(),
            note: format!("not {through}: {why}{reading}"),
        },
    })
}

/// The engine's derivation of `quantity`: the layer's part of the loss with the delta held
/// fixed, `d^T (W f(z) + b)` (over a batch of `samples`, the sum of the entries of
/// `d .* (W f(z) + b 1^T)`), by `z`, `W` or `b`.
fn truth(quantity: &Quantity, applied: Option<&Expr>, samples: Option<usize>) -> Result<MatrixDerivation, String> {
    let (linear, shapes) = match samples {
        Some(n) => {
            (format!("sum(d .* (W*f + b*ones({n})^T))"), format!("d: m x {n}, W: m x n, z: n x {n}, a: n x {n}, b: m"))
        }
        None => ("d^T*(W*f + b)".to_string(), "d: m, W: m x n, z: n, a: n, b: m".to_string()),
    };
    let linear = parse_expr(&linear).expect("a valid expression");
    let shapes = Shapes::parse(&shapes).expect("valid shapes");
    let input = |f: &Expr| linear.map_free_var(&|n| (n == "f").then(|| f.clone()));
    let (expr, wrt) = match (quantity, applied) {
        (Quantity::Delta(_), Some(f)) => (input(f), "z"),
        (Quantity::WeightGradient(_), _) => (input(&Expr::var("a")), "W"),
        _ => (input(&Expr::var("a")), "b"),
    };
    derive_matrix(&expr, wrt, &shapes, Context::default())
        .map_err(|err| format!("the engine could not derive it: {err}"))
}

/// Whether a Jacobian name `∂z/∂x` stands in `e` other than transposed.
fn untransposed_jacobian(e: &Expr) -> bool {
    match &e.node {
        Node::Call(Func::Transpose, args) if matches!(&args[0].node, Node::Var(_)) => false,
        Node::Var(name) => name.starts_with('∂') && name.contains("/∂"),
        _ => e.children().into_iter().any(untransposed_jacobian),
    }
}

/// `W` for `∂z^[ℓ+1]/∂x^[ℓ]` (the Jacobian of the layer above's net by this layer's output) in
/// a delta's formula.
fn next_layer_jacobian(quantity: &Quantity, name: &str) -> Option<&'static str> {
    let Quantity::Delta(own) = quantity else { return None };
    let (of, wrt) = name.strip_prefix('∂')?.split_once("/∂")?;
    let ((net, above), (output, layer)) = (layered(of)?, layered(wrt)?);
    (net == "z" && above == own.plus(1) && matches!(output, "x" | "a" | "h" | "o") && layer == *own).then_some("W")
}

/// `f'(u)` written out: the generic `f'` (or `g'`) as the derivative of the layer's activation,
/// a derivative the document defines or of a built-in function by [`Functions::expand`]. `Err`
/// names a derivative of an unknown function.
fn write_out_derivatives(e: &Expr, activation: Option<&Expr>, functions: &Functions) -> Result<Expr, String> {
    let generic = |e: &Expr| -> Option<Expr> {
        let Node::Call(Func::MatMul, args) = &e.node else { return None };
        let (Node::Var(name), [_, argument]) = (&args[0].node, args.as_slice()) else { return None };
        let base = name.strip_suffix('\'')?;
        if !matches!(base, "f" | "g") || functions.defines(base) {
            return None;
        }
        let d = derivative(activation?)?;
        Some(d.map_free_var(&|n| (n == "t").then(|| argument.clone())))
    };
    let expanded = functions.expand(&replace(e, &generic));
    match unknown_derivative(&expanded) {
        Some(name) => Err(name),
        None => Ok(expanded),
    }
}

/// `e` with each sub-expression for which `f` gives a replacement replaced.
fn replace(e: &Expr, f: &dyn Fn(&Expr) -> Option<Expr>) -> Expr {
    f(e).unwrap_or_else(|| e.map_children(|c| replace(c, f)))
}

/// The name of a derivative `g'(u)` still applied in `e`.
fn unknown_derivative(e: &Expr) -> Option<String> {
    if let Node::Call(Func::MatMul, args) = &e.node {
        if let Node::Var(name) = &args[0].node {
            if name.ends_with('\'') {
                return Some(name.clone());
            }
        }
    }
    e.children().into_iter().find_map(unknown_derivative)
}

/// The derivative of an activation in `t`.
fn derivative(f: &Expr) -> Option<Expr> {
    derive_parsed(f.clone(), Wrt::Scalar("t".into()), Context::default()).ok().map(|d| d.result().clone())
}

/// An activation as a reader names it: `tanh` for `tanh(t)`, else the formula in `t`.
fn shown(f: &Expr) -> String {
    match &f.node {
        Node::Var(t) if t == "t" => "identity".into(),
        Node::Call(func, args) if matches!(args.as_slice(), [a] if matches!(&a.node, Node::Var(t) if t == "t")) => {
            func.name().to_string()
        }
        _ => f.to_string(),
    }
}

/// The formula as the matrix language writes it: the document's `a \circ b` (read as `a*b`) as
/// the entrywise product where both sides are vectors or matrices (they use a layered name); a
/// product with a number as a scaling (`\frac{1}{2} \delta x^T`, `1 \cdot \delta`); over a batch,
/// `\delta \cdot 1` (a column of ones) as the sum over the samples. With `entrywise`, vectors
/// side by side (`\sigma(z)(1 - \sigma(z))`) are taken as their entrywise product too.
fn as_matrix_form(e: &Expr, samples: Option<usize>, entrywise: bool) -> Expr {
    let e = e.map_children(|c| as_matrix_form(c, samples, entrywise));
    let node = match &e.node {
        Node::Binary(BinOp::Mul, a, b) if shaped(a) && shaped(b) => {
            Node::Call(Func::Hadamard, vec![(**a).clone(), (**b).clone()])
        }
        Node::Call(Func::MatMul, args) => match (&args[0], &args[1], samples) {
            (a, b, Some(n)) if shaped(a) && b.as_num().is_some_and(num_traits::One::is_one) => {
                Node::Call(Func::MatMul, vec![a.clone(), Expr::call(Func::Ones, vec![Expr::int(n as i64)])])
            }
            (a, b, _) if !shaped(a) || !shaped(b) => Node::Binary(BinOp::Mul, Box::new(a.clone()), Box::new(b.clone())),
            (a, b, _) if entrywise && !matches!(a.node, Node::Call(Func::Transpose, _)) => {
                Node::Call(Func::Hadamard, vec![a.clone(), b.clone()])
            }
            _ => return e,
        },
        _ => return e,
    };
    Expr::spanned(node, e.span.clone())
}

fn shaped(e: &Expr) -> bool {
    !e.free_names().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::read_latex::read_side;

    fn side(text: &str) -> Side {
        read_side(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn expr(text: &str) -> Expr {
        match side(text) {
            Side::Expr(e) => e,
            other => panic!("{other:?}"),
        }
    }

    fn verdict(quantity: &str, formula: &str, activations: &[(&str, &str)]) -> Outcome {
        let mut learned = Activations::default();
        let functions = Functions::default();
        learned.learn("z^[ℓ]", &[expr("w^{[\\ell]} x^{[\\ell-1]} + b^{[\\ell]}")], &functions);
        for (name, body) in activations {
            learned.learn(name, &[expr(body)], &functions);
        }
        let derivations = Derivations::default();
        let known = Known { exercise: None, document: &learned, samples: Samples::One, derivations: &derivations };
        let q = Quantity::of(&side(quantity)).expect("a quantity");
        judge(&q, &expr(formula), &known, &functions).expect("a layer formula")
    }

    const TANH: &[(&str, &str)] =
        &[("x^[1]", "\\tanh(z^{[1]})"), ("x^[2]", "\\tanh(z^{[2]})"), ("x^[3]", "\\tanh(z^{[3]})")];

    #[test]
    fn layers_read() {
        assert_eq!(Layer::parse("ℓ+1"), Some(Layer { symbol: Some("ℓ".into()), offset: 1 }));
        assert_eq!(Layer::parse("l - 1").unwrap().to_string(), "ℓ-1");
        assert_eq!(Layer::parse("2").unwrap().number(), Some(2));
        assert_eq!(Layer::parse("L"), None);
    }

    #[test]
    fn the_hidden_delta_is_judged_for_the_layers_activation() {
        let right = "(w^{[\\ell+1]})^T \\delta^{[\\ell+1]} \\circ (1 - \\tanh^2(z^{[\\ell]}))";
        assert!(matches!(verdict("\\delta^{[\\ell]}", right, TANH), Outcome::Correct(_)));
        let generic = "(w^{[\\ell+1]})^T \\delta^{[\\ell+1]} \\circ f'(z^{[\\ell]})";
        assert!(matches!(verdict("\\frac{\\partial E}{\\partial z^{[\\ell]}}", generic, TANH), Outcome::Correct(_)));
        let sigmoid = "(w^{[3]})^T \\delta^{[3]} \\circ \\sigma'(z^{[2]})";
        let Outcome::Wrong { expected, note, .. } = verdict("\\delta^{[2]}", sigmoid, TANH) else { panic!() };
        assert_eq!(expected, "(1 - tanh(z^[2])^2) .* (w^[3]^T*δ^[3])");
        assert!(note.contains("(tanh units)"), "{note}");
        let unknown = verdict("\\delta^{[2]}", "(w^{[3]})^T \\delta^{[3]} \\circ s'(z^{[2]})", TANH);
        assert!(matches!(&unknown, Outcome::Unchecked(why) if why.contains("1 - tanh(t)^2")), "{unknown:?}");
        let untransposed = "w^{[3]} \\delta^{[3]} \\circ (1 - \\tanh^2(z^{[2]}))";
        assert!(matches!(verdict("\\delta^{[2]}", untransposed, TANH), Outcome::Wrong { .. } | Outcome::Unchecked(_)));
    }

    #[test]
    fn the_gradients_are_judged() {
        let right = verdict("\\frac{\\partial E}{\\partial w^{[\\ell]}}", "\\delta^{[\\ell]} (x^{[\\ell-1]})^T", &[]);
        assert!(matches!(right, Outcome::Correct(_)), "{right:?}");
        let wrong = verdict("\\frac{\\partial E}{\\partial w^{[2]}}", "x^{[1]} (\\delta^{[2]})^T", &[]);
        assert!(matches!(&wrong, Outcome::Wrong { note, .. } if note.contains("transposed")), "{wrong:?}");
        assert!(matches!(verdict("\\frac{\\partial E}{\\partial b^{[2]}}", "\\delta^{[2]}", &[]), Outcome::Correct(_)));
    }

    #[test]
    fn without_a_known_activation_a_delta_is_unchecked() {
        let formula = "(w^{[\\ell+1]})^T \\delta^{[\\ell+1]} \\circ f'(z^{[\\ell]})";
        assert!(matches!(verdict("\\delta^{[\\ell]}", formula, &[]), Outcome::Unchecked(_)));
    }
}
