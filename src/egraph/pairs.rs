//! The rules on a product of two terms (`exp(-x)*sigmoid(x)`, `x*x^b`), applied to any two
//! factors of a longer product, whatever its grouping: `y*exp(-x)*sigmoid(x)` reads as the
//! factors `y`, `exp(-x)` and `sigmoid(x)`, and the rule rewrites it to `(1 - sigmoid(x))*y`.
//!
//! A pattern matches one grouping only, and reaching the one it needs through commutativity and
//! associativity takes iterations and e-graph growth that a product of five factors makes large.
//! Here a product's factors are read from its best term (as collecting like terms reads them),
//! each pair is tried in both orders, and the rule's result times the other factors is added
//! to the product's class under the rule's own name.

use super::analysis::{Facts, MathGraph};
use super::collect::{best_node, Written};
use super::lang::Math;
use super::rules::{parsed, RuleSpec, When};
use egg::{
    Applier, ENodeOrVar, Id, Language, Pattern, PatternAst, RecExpr, Rewrite, SearchMatches, Searcher, Subst, Symbol,
    Var,
};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// The most factors read from one product (more are left to the rules' own patterns).
const MAX_FACTORS: usize = 8;

/// One side of a product rule's left-hand side.
enum Side {
    /// A pattern variable: it matches any factor.
    Var(Var),
    /// A pattern, and its top node (a factor's class must have a node like it).
    Pattern(Pattern<Math>, Math),
}

impl Side {
    fn new(ast: &PatternAst<Math>, root: Id) -> Side {
        match &ast[root] {
            ENodeOrVar::Var(v) => Side::Var(*v),
            ENodeOrVar::ENode(top) => {
                let sub: RecExpr<ENodeOrVar<Math>> = ast[root].build_recexpr(|id| ast[id].clone());
                Side::Pattern(Pattern::new(sub), top.clone())
            }
        }
    }

    /// The matches of this side in class `id`.
    fn matches(&self, egraph: &MathGraph, id: Id) -> Vec<Subst> {
        match self {
            Side::Var(v) => {
                let mut subst = Subst::default();
                subst.insert(*v, id);
                vec![subst]
            }
            Side::Pattern(pattern, top) => {
                if !egraph[id].nodes.iter().any(|n| n.matches(top)) {
                    return vec![];
                }
                pattern.search_eclass(egraph, id).map_or_else(Vec::new, |m| m.substs)
            }
        }
    }
}

/// A rule whose left-hand side is a product of two terms.
struct PairRule {
    name: Symbol,
    /// The whole left-hand side: a match carries it, to tell the applier its rule.
    lhs: PatternAst<Math>,
    left: Side,
    right: Side,
    /// The variables of the right side.
    right_vars: Vec<Var>,
    rhs: PatternAst<Math>,
    when: When,
}

impl PairRule {
    /// The rule of `spec` (read as `rewrite`), when its left-hand side is a product with a side
    /// that is not a bare variable (commutativity and associativity have both bare, or a product
    /// inside).
    fn new(spec: &RuleSpec, rewrite: &Rewrite<Math, Facts>) -> Option<PairRule> {
        if !spec.lhs.starts_with("(* ") || spec.rearranges {
            return None;
        }
        let ast = rewrite.searcher.get_pattern_ast()?.clone();
        let root = Id::from(ast.as_ref().len() - 1);
        let ENodeOrVar::ENode(Math::Mul([a, b])) = &ast[root] else { return None };
        let (left, right) = (Side::new(&ast, *a), Side::new(&ast, *b));
        if matches!((&left, &right), (Side::Var(_), Side::Var(_))) {
            return None;
        }
        let right_vars = match &right {
            Side::Var(v) => vec![*v],
            Side::Pattern(p, _) => p.vars(),
        };
        let rhs = rewrite.applier.get_pattern_ast()?.clone();
        Some(PairRule { name: Symbol::from(spec.name), lhs: ast, left, right, right_vars, rhs, when: spec.when })
    }

    /// The matches of the rule on two of `factors`, each with the factors it took.
    fn matches(&self, egraph: &MathGraph, factors: &[Id]) -> Vec<Subst> {
        let lefts: Vec<Vec<Subst>> = factors.iter().map(|f| self.left.matches(egraph, *f)).collect();
        if lefts.iter().all(Vec::is_empty) {
            return vec![];
        }
        let [left_var, right_var] = factor_vars();
        let mut substs = vec![];
        for (j, factor) in factors.iter().enumerate() {
            let rights = self.right.matches(egraph, *factor);
            for (i, left) in lefts.iter().enumerate().filter(|(i, _)| *i != j) {
                for (l, r) in left.iter().flat_map(|l| rights.iter().map(move |r| (l, r))) {
                    let Some(mut subst) = merged(l, r, &self.right_vars, egraph) else { continue };
                    if self.when.holds(egraph, &subst) {
                        subst.insert(left_var, factors[i]);
                        subst.insert(right_var, factors[j]);
                        substs.push(subst);
                    }
                }
            }
        }
        substs
    }
}

/// The rewrite applying the product rules among the rules at positions `taken` of
/// [`super::rules::RULES`] to pairs of factors (each made once per process, from the patterns
/// of its own rewrite). Each union is named after its own rule.
pub fn rewrite(taken: &[usize]) -> Rewrite<Math, Facts> {
    static READ: OnceLock<Vec<OnceLock<Option<Arc<PairRule>>>>> = OnceLock::new();
    let table = super::rules::RULES;
    let read = READ.get_or_init(|| table.iter().map(|_| OnceLock::new()).collect());
    let pair_rule = |k: usize| PairRule::new(&table[k], parsed(k)).map(Arc::new);
    let rules: Arc<Vec<Arc<PairRule>>> =
        Arc::new(taken.iter().filter_map(|&k| read[k].get_or_init(|| pair_rule(k)).clone()).collect());
    let searcher = Pairs { rules: rules.clone(), written: Written::default() };
    Rewrite::new(PRODUCT_RULES, searcher, Pairing { rules }).expect("a well-formed rule")
}

/// The name the scheduler knows the product rules by.
pub const PRODUCT_RULES: &str = "the rules on two factors, in a longer product";

/// The variables a match binds the two factors to.
fn factor_vars() -> [Var; 2] {
    ["?pair-left".parse().expect("a variable"), "?pair-right".parse().expect("a variable")]
}

/// The factors of class `id`'s best term, in order (`None`: too many).
fn factors(egraph: &MathGraph, id: Id) -> Option<Vec<Id>> {
    let mut out = vec![];
    let mut pending = vec![egraph.find(id)];
    while let Some(class) = pending.pop() {
        match best_node(egraph, class) {
            Math::Mul([a, b]) => pending.extend([egraph.find(*b), egraph.find(*a)]),
            _ => out.push(class),
        }
        if out.len() + pending.len() > MAX_FACTORS {
            return None;
        }
    }
    Some(out)
}

/// `a` and `b` as one substitution, if they agree on the variables they share.
fn merged(a: &Subst, b: &Subst, vars: &[Var], egraph: &MathGraph) -> Option<Subst> {
    let mut out = a.clone();
    for &v in vars {
        let id = b[v];
        match out.get(v) {
            Some(&bound) if egraph.find(bound) != egraph.find(id) => return None,
            Some(_) => {}
            None => {
                out.insert(v, id);
            }
        }
    }
    Some(out)
}

/// The searcher: in every product whose factors changed since it last looked, each pair of
/// factors a rule matches (one group of matches per rule, carrying the rule's left-hand side).
struct Pairs {
    rules: Arc<Vec<Arc<PairRule>>>,
    written: Written,
}

impl Searcher<Math, Facts> for Pairs {
    fn search_with_limit(&self, egraph: &MathGraph, _: usize) -> Vec<SearchMatches<'_, Math>> {
        // An explanation must show each step on a term; a product read from its classes' best
        // nodes is not one, and the rules' own patterns (with rearranging) make those steps.
        if egraph.are_explanations_enabled() {
            return vec![];
        }
        let mut out = vec![];
        for class in egraph.classes() {
            let product = matches!(best_node(egraph, class.id), Math::Mul(_));
            if !product || class.data.constant.is_some() {
                continue;
            }
            let Some(factors) = factors(egraph, class.id) else { continue };
            let forms: Vec<usize> = factors.iter().map(|f| egraph[*f].nodes.len()).collect();
            if !self.written.is_new(class.id, &(&factors, &forms)) {
                continue;
            }
            for rule in self.rules.iter() {
                let substs = rule.matches(egraph, &factors);
                if !substs.is_empty() {
                    out.push(SearchMatches { eclass: class.id, substs, ast: Some(Cow::Borrowed(&rule.lhs)) });
                }
            }
        }
        out
    }

    fn search_eclass_with_limit(&self, _: &MathGraph, _: Id, _: usize) -> Option<SearchMatches<'_, Math>> {
        unreachable!("the product rules search all classes at once")
    }

    fn vars(&self) -> Vec<Var> {
        vec![]
    }
}

/// The applier: each rule's result times the other factors.
struct Pairing {
    rules: Arc<Vec<Arc<PairRule>>>,
}

impl Applier<Math, Facts> for Pairing {
    fn apply_matches(&self, egraph: &mut MathGraph, matches: &[SearchMatches<Math>], _: Symbol) -> Vec<Id> {
        let mut changed = vec![];
        for m in matches {
            let lhs = m.ast.as_deref();
            let Some(rule) = self.rules.iter().find(|r| lhs.is_some_and(|a| std::ptr::eq(a, &r.lhs))) else { continue };
            for subst in &m.substs {
                changed.extend(apply(rule, egraph, m.eclass, subst));
            }
        }
        changed
    }

    fn apply_one(&self, _: &mut MathGraph, _: Id, _: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        unreachable!("the product rules apply all matches at once")
    }
}

/// Adds `rule`'s result times the other factors of `product` (as they are now: another rule
/// may have joined classes since the search) to its class.
fn apply(rule: &PairRule, egraph: &mut MathGraph, product: Id, subst: &Subst) -> Option<Id> {
    let mut rest = factors(egraph, product)?;
    for var in factor_vars() {
        let factor = egraph.find(subst[var]);
        let at = rest.iter().position(|f| egraph.find(*f) == factor)?;
        rest.remove(at);
    }
    let result = egraph.add_instantiation(&rule.rhs, subst);
    let whole = rest.into_iter().fold(result, |acc, f| egraph.add(Math::Mul([acc, f])));
    egraph.union_trusted(product, whole, rule.name).then_some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::egraph::convert::{from_term, to_term};
    use crate::egraph::cost::best_term;
    use crate::syntax::parse::parse_expr;

    /// The table rule `name` as a product rule, if it is one.
    fn pair_rule(name: &str) -> Option<PairRule> {
        let table = super::super::rules::RULES;
        let k = table.iter().position(|r| r.name == name).expect("a rule of the table");
        PairRule::new(&table[k], parsed(k))
    }

    /// What the rule `name` adds to the class of the product `src` in one iteration, printed.
    fn applied(name: &str, src: &str) -> Vec<String> {
        let mut egraph = MathGraph::new(Facts::default());
        let id = egraph.add_expr(&to_term(&parse_expr(src).unwrap()));
        egraph.rebuild();
        let rule = pair_rule(name).expect("a product rule");
        let factors = factors(&egraph, id).expect("a few factors");
        let substs = rule.matches(&egraph, &factors);
        let added: Vec<Id> = substs.iter().filter_map(|s| apply(&rule, &mut egraph, id, s)).collect();
        egraph.rebuild();
        added.iter().map(|&a| from_term(&best_term(&egraph, a)).to_string()).collect()
    }

    #[test]
    fn a_rule_on_two_factors_applies_anywhere_in_a_product() {
        let rule = "exp(-x)*sigmoid(x) = 1 - sigmoid(x)";
        assert_eq!(applied(rule, "y*exp(-x)*sigmoid(x)"), ["(1 + -1*sigmoid(x))*y"]);
        // The factors in the other order, apart, in another grouping.
        assert_eq!(applied(rule, "sigmoid(x)*(y*(z*exp(-x)))"), ["(1 + -1*sigmoid(x))*y*z"]);
        // A variable shared by the two sides must be the same class.
        assert!(applied(rule, "y*exp(-x)*sigmoid(z)").is_empty());
    }

    #[test]
    fn side_conditions_hold_for_the_pair() {
        let rule = "x*x^b = x^(b + 1)";
        // sigmoid(x) is never 0; y may be.
        assert_eq!(applied(rule, "c*sigmoid(x)^b*sigmoid(x)"), ["sigmoid(x)^(b + 1)*c"]);
        assert!(applied(rule, "c*y^b*y").is_empty());
    }

    #[test]
    fn only_products_with_a_pattern_side_are_product_rules() {
        assert!(pair_rule("commute *").is_none());
        assert!(pair_rule("x/x = 1").is_some());
        assert!(pair_rule("x^1 = x").is_none());
    }
}
