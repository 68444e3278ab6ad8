//! Expanding and collecting like terms in one step: a class's best sum or product is read as a
//! polynomial over atoms (the e-classes of everything that is not `+`, `*`, a constant or a small
//! whole power), multiplied out, like terms combined, and the result added to the class, with
//! two more forms of it: the common factor of its terms taken out (over negative powers, a
//! common denominator: `1/p - 1/q = (q - p)/(p*q)`), and for a product, its factors with their
//! powers gathered and nothing multiplied out (`(1 - s)*(1 - s)^2 = (1 - s)^3`).
//!
//! Rewriting with commutativity, associativity and distributivity alone needs many iterations
//! (and e-graph growth) before `y*(1 - s) + s*(y - 1)` meets `y - s`; a polynomial normal form
//! gets there at once. Atoms are e-classes, so terms the e-graph already knows to be equal are
//! like terms. Powers are whole numbers: `x^-1` and `x^2` meet `x`, and `x*x^-1` cancels only
//! when the analysis proves `x` is never 0 (otherwise `x` and `1/x` are kept apart), so the
//! result is defined wherever the input is.

use super::analysis::{Facts, MathGraph};
use super::cost::{cheapest_node, SharedTerms};
use super::lang::{Constant, Math};
use crate::eval::number::Number;
use egg::{Id, Language, PatternAst, Rewrite, SearchMatches, Searcher, Subst, Symbol, Var};
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

/// The rule's name, shown in derivation steps.
pub const COLLECT: &str = "expand and collect like terms";

/// The most terms a polynomial may have while being expanded (larger ones are left alone).
const MAX_TERMS: usize = 24;

/// The largest whole power expanded.
const MAX_POWER: u32 = 4;

/// How deep into nested sums and products the reading goes.
const MAX_DEPTH: usize = 48;

/// An atom's key in a monomial: its class, and whether this is its inverse part (kept apart
/// from the atom itself when the atom may be 0, so that `x*x^-1` does not cancel).
pub(super) type Atom = (Id, bool);

/// A monomial: atoms with their (nonzero) powers, sorted.
pub(super) type Monomial = Vec<(Atom, i32)>;

/// A polynomial: each monomial's coefficient (none is 0).
#[derive(Clone, Debug, PartialEq, Hash)]
pub(super) struct Poly(pub(super) BTreeMap<Monomial, BigRational>);

impl Poly {
    pub(super) fn constant(c: BigRational) -> Poly {
        let mut terms = BTreeMap::new();
        if !c.is_zero() {
            terms.insert(vec![], c);
        }
        Poly(terms)
    }

    /// `id^power`; `nonzero`: the class is never 0.
    fn atom(id: Id, power: i32, nonzero: bool) -> Poly {
        Poly(BTreeMap::from([(vec![((id, power < 0 && !nonzero), power)], BigRational::one())]))
    }

    pub(super) fn add(mut self, other: Poly) -> Poly {
        for (m, c) in other.0 {
            self.add_term(m, c);
        }
        self
    }

    /// Adds `c*m` in place.
    fn add_term(&mut self, m: Monomial, c: BigRational) {
        match self.0.entry(m) {
            Entry::Vacant(term) => {
                if !c.is_zero() {
                    term.insert(c);
                }
            }
            Entry::Occupied(mut term) => {
                *term.get_mut() += c;
                if term.get().is_zero() {
                    term.remove();
                }
            }
        }
    }

    fn mul(&self, other: &Poly) -> Option<Poly> {
        if self.0.len() * other.0.len() > MAX_TERMS * MAX_TERMS {
            return None;
        }
        let mut out = Poly(BTreeMap::new());
        for (m1, c1) in &self.0 {
            for (m2, c2) in &other.0 {
                out.add_term(times(m1, m2), product(c1, c2));
            }
        }
        (out.0.len() <= MAX_TERMS).then_some(out)
    }

    /// `self / divisor` when the divisor (a polynomial without inverses) divides it exactly,
    /// its atoms to whole powers in every term; the quotient's inverses are the dividend's.
    /// Long division with the divisor's atoms first in a lexicographic order of monomials.
    fn divided(&self, divisor: &Poly) -> Option<Poly> {
        let atoms: Vec<Atom> = {
            let mut atoms: Vec<Atom> = divisor.0.keys().flatten().map(|&(a, _)| a).collect();
            atoms.sort();
            atoms.dedup();
            atoms
        };
        let power_in = |m: &Monomial, atom: Atom| m.iter().find(|(a, _)| *a == atom).map_or(0, |&(_, e)| e);
        let whole = |m: &Monomial| atoms.iter().all(|&a| power_in(m, a) >= 0);
        if divisor.0.keys().flatten().any(|&(_, e)| e < 0) || !self.0.keys().all(whole) {
            return None;
        }
        let key = |m: &Monomial| {
            let outside: Monomial = m.iter().filter(|(a, _)| !atoms.contains(a)).copied().collect();
            (atoms.iter().map(|&a| power_in(m, a)).collect::<Vec<i32>>(), outside)
        };
        let leading = |p: &Poly| p.0.iter().max_by_key(|(m, _)| key(m)).map(|(m, c)| (m.clone(), c.clone()));
        let (lead, lead_c) = leading(divisor)?;
        let inverse: Monomial = lead.iter().map(|&(a, e)| (a, -e)).collect();
        let mut rest = self.clone();
        let mut quotient = Poly::constant(BigRational::zero());
        for _ in 0..4 * MAX_TERMS {
            let Some((m, c)) = leading(&rest) else { return Some(quotient) };
            let t = times(&m, &inverse);
            if !whole(&t) {
                return None;
            }
            let term = Poly(BTreeMap::from([(t, c / &lead_c)]));
            rest = rest.add(divisor.mul(&term)?.scaled(&-BigRational::one()));
            quotient = quotient.add(term);
            if rest.0.len() > MAX_TERMS {
                return None;
            }
        }
        None
    }

    fn scaled(mut self, c: &BigRational) -> Poly {
        self.0.values_mut().for_each(|v| *v *= c);
        self
    }

    /// `self^n`, `n` ≥ 1.
    fn pow(&self, n: u32) -> Option<Poly> {
        (1..n).try_fold(self.clone(), |p, _| p.mul(self))
    }
}

/// The product of two monomials (powers of the same atom add up; a power 0 drops out), merged
/// in order.
fn times(a: &Monomial, b: &Monomial) -> Monomial {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                let e = a[i].1 + b[j].1;
                if e != 0 {
                    out.push((a[i].0, e));
                }
                (i, j) = (i + 1, j + 1);
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// `a*b`, without reducing a fraction when both are whole numbers.
fn product(a: &BigRational, b: &BigRational) -> BigRational {
    if a.is_integer() && b.is_integer() {
        BigRational::from_integer(a.numer() * b.numer())
    } else {
        a * b
    }
}

/// The cheapest node of a class (whose children are cheaper than the class).
pub(super) fn best_node(egraph: &MathGraph, id: Id) -> &Math {
    cheapest_node(egraph, id, |_| true).expect("an e-class has a node")
}

/// The polynomials of classes' best terms (`None`: too big), remembered while one iteration's
/// matches are applied.
pub(super) type Memo = HashMap<Id, Option<Poly>>;

/// The polynomial of class `id`'s best term, if it is small enough; a class known to be a
/// constant is read as that number.
pub(super) fn read(egraph: &MathGraph, id: Id, depth: usize, memo: &mut Memo) -> Option<Poly> {
    let id = egraph.find(id);
    if let Some(known) = memo.get(&id) {
        return known.clone();
    }
    if let Some(c) = &egraph[id].data.constant {
        return Some(Poly::constant(c.clone()));
    }
    if depth > MAX_DEPTH {
        return Some(Poly::atom(id, 1, true));
    }
    let poly = match best_node(egraph, id) {
        Math::Add([a, b]) => {
            read(egraph, *a, depth + 1, memo).zip(read(egraph, *b, depth + 1, memo)).map(|(a, b)| a.add(b))
        }
        Math::Mul(_) | Math::Pow(_) => read_product(egraph, id, depth, memo),
        _ => Some(Poly::atom(id, 1, true)),
    };
    memo.insert(id, poly.clone());
    poly
}

/// The polynomial of a product: its factors (whole powers of classes) are gathered first, so
/// that a factor and its inverse cancel before anything is multiplied out (`(1 - s)*y/(1 - s)`
/// is `y` when `1 - s` is never 0); the factors left are expanded and multiplied.
///
/// A divisor that is a sum and never 0 is divided out of what the other factors multiply out
/// to, where it divides exactly: `(s - s^2)/(1 - s)` is `s` when `1 - s` is never 0.
fn read_product(egraph: &MathGraph, id: Id, depth: usize, memo: &mut Memo) -> Option<Poly> {
    let (powers, coefficient) = gather(egraph, id)?;
    let mut poly = Poly::constant(coefficient);
    let mut divisors = vec![];
    for ((class, _), power) in powers {
        let nonzero = egraph[class].data.range.nonzero();
        let factor = match power {
            0 => continue,
            p if p > 0 && p.unsigned_abs() <= MAX_POWER => {
                read(egraph, class, depth + 1, memo)?.pow(p.unsigned_abs())?
            }
            p if nonzero && p.unsigned_abs() <= MAX_POWER => match read(egraph, class, depth + 1, memo) {
                Some(sum) if sum.0.len() > 1 => {
                    divisors.push((class, sum, p.unsigned_abs()));
                    continue;
                }
                _ => Poly::atom(class, p, nonzero),
            },
            p => Poly::atom(class, p, nonzero),
        };
        poly = poly.mul(&factor)?;
    }
    for (class, divisor, power) in divisors {
        let mut left = power;
        while let Some(quotient) = (left > 0).then(|| poly.divided(&divisor)).flatten() {
            poly = quotient;
            left -= 1;
        }
        if left > 0 {
            poly = poly.mul(&Poly::atom(class, -(left as i32), true))?;
        }
    }
    Some(poly)
}

/// The factors of a product, each class with its whole power (an inverse kept apart from the
/// class where the class may be 0), and the product of its constants.
fn gather(egraph: &MathGraph, id: Id) -> Option<(BTreeMap<Atom, i32>, BigRational)> {
    let mut powers: BTreeMap<Atom, i32> = BTreeMap::new();
    let mut coefficient = BigRational::one();
    let mut pending: Vec<(Id, i32)> = vec![(id, 1)];
    while let Some((class, power)) = pending.pop() {
        let class = egraph.find(class);
        if let Some(c) = &egraph[class].data.constant {
            coefficient *= Number::Exact(c.clone()).pow(&Number::int(power.into())).ok()?.as_exact()?.clone();
            continue;
        }
        let whole = |b: &Id| egraph[*b].data.constant.as_ref().and_then(whole_power);
        match best_node(egraph, class) {
            Math::Mul([a, b]) => pending.extend([(*a, power), (*b, power)]),
            Math::Pow([a, b]) if whole(b).is_some() => pending.push((*a, power.checked_mul(whole(b)?)?)),
            _ => {
                let inverse = power < 0 && !egraph[class].data.range.nonzero();
                *powers.entry((class, inverse)).or_default() += power;
            }
        }
    }
    Some((powers, coefficient))
}

/// A product with the powers of each factor gathered and nothing multiplied out
/// (`(1 - s)*y*(1 - s)^2` is `y*(1 - s)^3`), as a polynomial of one term; `None` for a class
/// that is not a product.
fn gathered(egraph: &MathGraph, id: Id) -> Option<Poly> {
    if !matches!(best_node(egraph, id), Math::Mul(_) | Math::Pow(_)) {
        return None;
    }
    let (powers, coefficient) = gather(egraph, egraph.find(id))?;
    let monomial: Monomial = powers.into_iter().filter(|&(_, e)| e != 0).collect();
    Some(Poly(BTreeMap::from([(monomial, coefficient)])))
}

/// A power `n` with 1 ≤ |n| ≤ [`MAX_POWER`].
fn whole_power(c: &BigRational) -> Option<i32> {
    c.is_integer().then(|| c.to_integer().to_i32()).flatten().filter(|n| (1..=MAX_POWER).contains(&n.unsigned_abs()))
}

/// The e-graph ids of the terms a polynomial's atoms were read as (with explanations only:
/// without, atoms are their classes).
pub(super) type AtomTerms = HashMap<Id, Id>;

/// The classes of a polynomial's atoms, each with the node of `terms` it reads as (with
/// explanations only).
pub(super) fn atom_terms(egraph: &MathGraph, poly: &Poly, terms: &mut SharedTerms) -> HashMap<Id, Id> {
    if !egraph.are_explanations_enabled() {
        return HashMap::new();
    }
    poly.0.keys().flatten().map(|&((atom, _), _)| (atom, terms.read(egraph, atom))).collect()
}

/// Atoms read as nodes of a shared term, as the e-graph ids of those nodes (`added`).
pub(super) fn added_atoms(atoms: &HashMap<Id, Id>, added: &[Id]) -> AtomTerms {
    atoms.iter().map(|(&class, &node)| (class, added[usize::from(node)])).collect()
}

/// The largest monomial dividing every term of a polynomial of two terms or more: each atom to
/// its least power over the terms (0 in a term without it). Over positive powers it is a
/// common factor (`a + a*b = a*(1 + b)`); over negative ones, a common denominator
/// (`a/b + c/d = (a*d + c*b)/(b*d)`). Every inverse it holds is one of the polynomial's, so
/// `common*(poly/common)` has a value exactly where the polynomial has. `None` when it is 1.
fn common_factor(poly: &Poly) -> Option<Monomial> {
    if poly.0.len() < 2 {
        return None;
    }
    let atoms: std::collections::BTreeSet<Atom> = poly.0.keys().flatten().map(|&(atom, _)| atom).collect();
    let power_in = |m: &Monomial, atom: Atom| m.iter().find(|(a, _)| *a == atom).map_or(0, |&(_, e)| e);
    let common: Monomial = atoms
        .into_iter()
        .map(|atom| (atom, poly.0.keys().map(|m| power_in(m, atom)).min().unwrap_or(0)))
        .filter(|&(_, e)| e != 0)
        .collect();
    (!common.is_empty()).then_some(common)
}

/// The polynomial divided by a monomial.
fn divide(poly: &Poly, by: &Monomial) -> Poly {
    let inverse: Monomial = by.iter().map(|&(atom, e)| (atom, -e)).collect();
    Poly(poly.0.iter().map(|(m, c)| (times(m, &inverse), c.clone())).collect())
}

/// Adds the monomial `c*m` to the e-graph, each atom as the term it was read as.
pub(super) fn write_monomial(egraph: &mut MathGraph, monomial: &Monomial, c: &BigRational, atoms: &AtomTerms) -> Id {
    let num = |egraph: &mut MathGraph, c: &BigRational| egraph.add(Math::Num(Constant(c.clone())));
    let mut factors = vec![];
    for &((atom, _), e) in monomial {
        let atom = atoms.get(&atom).copied().unwrap_or(atom);
        factors.push(if e == 1 {
            atom
        } else {
            let e = num(egraph, &BigRational::from_integer(e.into()));
            egraph.add(Math::Pow([atom, e]))
        });
    }
    match factors.into_iter().reduce(|a, b| egraph.add(Math::Mul([a, b]))) {
        None => num(egraph, c),
        Some(p) if c.is_one() => p,
        Some(p) => {
            let c = num(egraph, c);
            egraph.add(Math::Mul([c, p]))
        }
    }
}

/// Adds the polynomial to the e-graph as `c1*m1 + c2*m2 + ...`, terms in a fixed order, each
/// atom as the term it was read as (so that an explanation shows the atoms unchanged).
pub(super) fn write(egraph: &mut MathGraph, poly: &Poly, atoms: &AtomTerms) -> Id {
    let terms: Vec<Id> = poly.0.iter().map(|(m, c)| write_monomial(egraph, m, c, atoms)).collect();
    match terms.into_iter().reduce(|a, b| egraph.add(Math::Add([a, b]))) {
        Some(sum) => sum,
        None => egraph.add(Math::Num(Constant(BigRational::zero()))),
    }
}

/// Adds the polynomial with its common factor taken out, `common*(poly/common)`, if it has one.
fn write_factored(egraph: &mut MathGraph, poly: &Poly, atoms: &AtomTerms) -> Option<Id> {
    let common = common_factor(poly)?;
    let factor = write_monomial(egraph, &common, &BigRational::one(), atoms);
    let rest = write(egraph, &divide(poly, &common), atoms);
    Some(egraph.add(Math::Mul([factor, rest])))
}

/// The searcher of [`COLLECT`]: every class holding a sum or a product.
pub struct Collect;

impl Collect {
    /// The rewrite.
    pub fn rewrite() -> Rewrite<Math, Facts> {
        Rewrite::new(COLLECT, Collect, Collecting::default()).expect("a well-formed rule")
    }
}

/// What an applier wrote for each class (a hash of what it read), so that a class read the same
/// as before is not written again. Atoms are classes, so a merge among them reads differently and
/// is written anew.
#[derive(Default)]
pub(super) struct Written(std::sync::Mutex<HashMap<Id, u64>>);

impl Written {
    /// Whether `what` read from class `id` is new (and remembers it).
    pub(super) fn is_new(&self, id: Id, what: &impl std::hash::Hash) -> bool {
        use std::hash::BuildHasher;
        let hash = rustc_hash::FxBuildHasher.hash_one(what);
        let mut written = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        written.insert(id, hash) != Some(hash)
    }
}

impl Searcher<Math, Facts> for Collect {
    fn search_eclass_with_limit(
        &self,
        egraph: &MathGraph,
        eclass: Id,
        _limit: usize,
    ) -> Option<SearchMatches<'_, Math>> {
        let has = egraph[eclass].nodes.iter().any(|n| matches!(n, Math::Add(_) | Math::Mul(_)));
        (has && egraph[eclass].data.constant.is_none()).then(|| SearchMatches {
            eclass,
            substs: vec![Subst::default()],
            ast: None,
        })
    }

    fn vars(&self) -> Vec<Var> {
        vec![]
    }
}

/// The applier of [`COLLECT`], with what it wrote.
#[derive(Default)]
struct Collecting {
    /// What was written for each class (a hash of its reading).
    written: Written,
    /// The best node and cost each class was last read with.
    read: Written,
}

/// A class as read: its polynomial, its product with the powers gathered (for a product), the
/// term it was read from and the terms of its atoms (with explanations only: nodes of the
/// terms shared by all readings).
struct Reading {
    eclass: Id,
    source: Option<Id>,
    poly: Poly,
    product: Option<Poly>,
    atoms: HashMap<Id, Id>,
}

impl egg::Applier<Math, Facts> for Collecting {
    fn apply_matches(&self, egraph: &mut MathGraph, matches: &[SearchMatches<Math>], rule: Symbol) -> Vec<Id> {
        // Everything is read before anything is added, so each union joins the very term read
        // (with explanations: its best term, as it stood) with what it was read as.
        let mut memo = Memo::new();
        let mut terms = SharedTerms::default();
        let explain = egraph.are_explanations_enabled();
        let readings: Vec<Reading> = matches
            .iter()
            .filter_map(|m| {
                // A class read with the same best node and cost as last time reads the same
                // (up to a same-cost change below it, left to the next change of its own).
                let id = egraph.find(m.eclass);
                let best = best_node(egraph, id).clone().map_children(|c| egraph.find(c));
                if !self.read.is_new(id, &(best, egraph[id].data.cost.to_bits())) {
                    return None;
                }
                let poly = read(egraph, m.eclass, 0, &mut memo)?;
                let product = gathered(egraph, m.eclass);
                // (With explanations, each form is joined with the term it was read from, which
                // may be another one each time.)
                if !explain && !self.written.is_new(egraph.find(m.eclass), &(&poly, &product)) {
                    return None;
                }
                let source = explain.then(|| terms.read(egraph, m.eclass));
                let mut atoms = atom_terms(egraph, &poly, &mut terms);
                if let Some(p) = &product {
                    atoms.extend(atom_terms(egraph, p, &mut terms));
                }
                Some(Reading { eclass: m.eclass, source, poly, product, atoms })
            })
            .collect();
        let added = terms.add_to(egraph);
        let mut changed = vec![];
        for Reading { eclass, source, poly, product, atoms } in readings {
            let source = source.map_or(eclass, |node| added[usize::from(node)]);
            let atoms = added_atoms(&atoms, &added);
            let mut forms = vec![write(egraph, &poly, &atoms)];
            forms.extend(write_factored(egraph, &poly, &atoms));
            forms.extend(product.map(|p| write(egraph, &p, &atoms)));
            for id in forms {
                if egraph.union_trusted(source, id, rule) {
                    changed.push(id);
                }
            }
        }
        changed
    }

    fn apply_one(&self, _: &mut MathGraph, _: Id, _: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        unreachable!("collecting like terms applies all matches at once")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::egraph::convert::to_term;
    use crate::egraph::cost::best_term;
    use crate::syntax::parse::parse_expr;

    /// The form of `src` that `write_form` writes (from the e-graph holding `src` only), printed.
    fn written(src: &str, write_form: impl Fn(&mut MathGraph, Id) -> Option<Id>) -> Option<String> {
        let mut egraph = MathGraph::new(Facts::default());
        let id = egraph.add_expr(&to_term(&parse_expr(src).unwrap()));
        egraph.rebuild();
        let out = write_form(&mut egraph, id)?;
        egraph.rebuild();
        let term = best_term(&egraph, out);
        Some(crate::egraph::convert::from_term(&term).to_string())
    }

    /// The polynomial `src` reads as, written back and printed.
    fn collected(src: &str) -> String {
        let poly = |egraph: &mut MathGraph, id| {
            let poly = read(egraph, id, 0, &mut Memo::new()).expect("small");
            Some(write(egraph, &poly, &AtomTerms::new()))
        };
        written(src, poly).expect("a polynomial")
    }

    /// The polynomial `src` reads as, with its common factor taken out.
    fn factored(src: &str) -> Option<String> {
        written(src, |egraph, id| {
            let poly = read(egraph, id, 0, &mut Memo::new()).expect("small");
            write_factored(egraph, &poly, &AtomTerms::new())
        })
    }

    #[test]
    fn common_factors_and_denominators_are_taken_out() {
        assert_eq!(factored("exp(-x) - x*exp(-x)").as_deref(), Some("exp(-1*x)*(1 + -1*x)"));
        assert_eq!(factored("y*a^2 + y*a*b").as_deref(), Some("y*a*(a + b)"));
        // A common denominator: p and 1 - p may be 0, and both sides need them not to be.
        assert_eq!(factored("1/p - 1/q").as_deref(), Some("p^-1*q^-1*(-1*p + q)"));
        assert_eq!(factored("x + y"), None);
        assert_eq!(factored("2*x"), None);
    }

    #[test]
    fn powers_of_a_factor_are_gathered_without_expanding() {
        let gather = |src: &str| {
            written(src, |egraph, id| {
                let product = gathered(egraph, id)?;
                Some(write(egraph, &product, &AtomTerms::new()))
            })
        };
        assert_eq!(gather("(1 - s)*y*(1 - s)^2").as_deref(), Some("(1 + -1*s)^3*y"));
        // x may be 0: x and its inverse stay apart.
        assert_eq!(gather("x*x^-1*(a + b)").as_deref(), Some("x*x^-1*(a + b)"));
        assert_eq!(gather("a + b"), None);
    }

    #[test]
    fn like_terms_cancel() {
        assert_eq!(collected("-(y*(1 - s) + s*(y - 1))"), "-1*y + s");
        assert_eq!(collected("x*x + 2*x*x - 3*x^2"), "0");
        assert_eq!(collected("(a + b)^2 - a^2 - b^2"), "2*(a*b)");
    }

    #[test]
    fn quotients_and_functions_are_atoms() {
        assert_eq!(collected("x/x"), "x*x^-1");
        // A sigmoid is never 0, so it cancels with its inverse; a sum of them is not expanded.
        assert_eq!(collected("y*sigmoid(x)*(1 - sigmoid(x))/sigmoid(x)"), "y + -1*(y*sigmoid(x))");
        assert_eq!(collected("x^2/x^3"), "x^2*x^-3");
        assert_eq!(collected("exp(x)^2/exp(x)^3"), "exp(x)^-1");
        assert_eq!(collected("sigmoid(x)*(1 - sigmoid(x))"), "sigmoid(x) + -1*sigmoid(x)^2");
    }

    #[test]
    fn divisors_that_are_never_zero_are_divided_out() {
        // s is in (0, 1), so 1 - s is never 0.
        assert_eq!(collected("(y*(s - 1) + s - s^2)/(1 - s)".replace('s', "sigmoid(x)").as_str()), "-1*y + sigmoid(x)");
        assert_eq!(collected("(exp(x)^2 - 1)/(exp(x) + 1)"), "-1 + exp(x)");
        assert_eq!(collected("(exp(x)^3 + exp(x)^2)/(exp(x) + 1)^2"), "exp(x)^2*(exp(x) + 1)^-1");
        // A divisor that may be 0 stays, and so does one that does not divide.
        assert_eq!(collected("(x^2 - 1)/(x + 1)"), "x^2*(x + 1)^-1 + -1*(x + 1)^-1");
        assert_eq!(collected("(exp(x)^2 + 1)/(exp(x) + 1)"), "exp(x)^2*(exp(x) + 1)^-1 + (exp(x) + 1)^-1");
    }

    #[test]
    fn big_expansions_are_left_alone() {
        let mut egraph = MathGraph::new(Facts::default());
        let src = "(a + b + c + d + e)^4";
        let id = egraph.add_expr(&to_term(&parse_expr(src).unwrap()));
        egraph.rebuild();
        assert!(read(&egraph, id, 0, &mut Memo::new()).is_none());
    }
}
