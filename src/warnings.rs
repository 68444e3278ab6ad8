//! Warnings about likely typos, which would otherwise change a result silently: a variable
//! that does not occur (`--wrt X` for `x^2` gives 0), a definition or an assumption that is never
//! used (`--let 'yaht = ...'`). Each names the nearest name that does occur.

use crate::defs::Definitions;
use crate::egraph::Assumption;
use crate::syntax::ast::Expr;
use std::collections::BTreeSet;

/// The closest of `candidates` to `name` (by edit distance with transpositions, ignoring case),
/// if one is close enough to be a typo of it.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(distance, c)| {
            // Short names differ by one letter from many others: only a case slip counts.
            let shortest = c.len().min(name.len());
            *distance <= if shortest <= 2 { 0 } else { 1 + shortest / 4 }
        })
        .min_by_key(|(distance, c)| (*distance, *c))
        .map(|(_, c)| c)
}

/// " (did you mean `x`?)" when a name near `name` is among `candidates`, else "".
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(name, candidates).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default()
}

/// The names a reader sees in `expr` and in the definitions it uses.
fn names_in(expr: &Expr, defs: &Definitions) -> BTreeSet<String> {
    let mut names = expr.free_names();
    loop {
        let more: BTreeSet<String> = defs
            .iter()
            .filter(|d| names.contains(&d.name))
            .flat_map(|d| d.body.free_names())
            .filter(|n| !names.contains(n))
            .collect();
        if more.is_empty() {
            return names;
        }
        names.extend(more);
    }
}

/// A warning when `variable` occurs neither in `expr` nor in a definition it uses.
pub fn missing_variable(expr: &Expr, variable: &str, defs: &Definitions) -> Option<String> {
    if defs.mentions(expr, variable) {
        return None;
    }
    let names = names_in(expr, defs);
    let hint = did_you_mean(variable, names.iter().map(String::as_str));
    Some(format!("warning: `{variable}` does not occur in the expression, so the derivative is 0{hint}"))
}

/// Warnings for the definitions that `expr` does not use and `result` does not fold into.
pub fn unused_definitions(expr: &Expr, result: &Expr, defs: &Definitions) -> Vec<String> {
    let names = names_in(expr, defs);
    let folded = result.free_names();
    defs.iter()
        .filter(|d| !defs.mentions(expr, &d.name) && !folded.contains(&d.name))
        .map(|d| {
            let hint = did_you_mean(&d.name, names.iter().map(String::as_str));
            format!("warning: the definition of `{}` is never used{hint}", d.name)
        })
        .collect()
}

/// Warnings for the assumptions not in `used` (by position), naming a name of theirs that does
/// not occur in `expr` and the nearest one that does.
pub fn unused_assumptions(expr: &Expr, assumptions: &[Assumption], used: &[usize], defs: &Definitions) -> Vec<String> {
    let names = names_in(expr, defs);
    assumptions
        .iter()
        .enumerate()
        .filter(|(n, _)| !used.contains(n))
        .map(|(_, a)| {
            let foreign = a.lhs.free_names().into_iter().find(|n| !names.contains(n));
            let hint = foreign
                .and_then(|f| {
                    nearest(&f, names.iter().map(String::as_str)).map(|c| format!(" (`{f}`: did you mean `{c}`?)"))
                })
                .unwrap_or_default();
            format!("warning: the assumption {a} changes nothing{hint}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::{parse_expr, parse_statement};

    #[test]
    fn the_nearest_name_is_a_likely_typo() {
        assert_eq!(nearest("X", ["x", "y"]), Some("x"));
        assert_eq!(nearest("yaht", ["yhat", "z"]), Some("yhat"));
        assert_eq!(nearest("sigmod", ["sigmoid", "softmax"]), Some("sigmoid"));
        assert_eq!(nearest("w", ["x", "y"]), None);
        assert_eq!(nearest("alpha", ["beta"]), None);
    }

    #[test]
    fn warnings_name_the_suspect_and_the_suggestion() {
        let e = parse_expr("yhat[k]*x^2 + y[k]").unwrap();
        let mut defs = Definitions::default();
        defs.add(parse_statement("yaht = softmax(z)").unwrap()).unwrap();
        assert_eq!(
            missing_variable(&e, "X", &defs).unwrap(),
            "warning: `X` does not occur in the expression, so the derivative is 0 (did you mean `x`?)"
        );
        assert!(missing_variable(&e, "x", &defs).is_none());
        assert_eq!(
            unused_definitions(&e, &e, &defs),
            ["warning: the definition of `yaht` is never used (did you mean `yhat`?)"]
        );
        let a = Assumption::parse("sum(i, Y[i]) = 1").unwrap();
        assert_eq!(
            unused_assumptions(&e, &[a], &[], &defs),
            ["warning: the assumption sum(i, Y[i]) = 1 changes nothing (`Y`: did you mean `y`?)"]
        );
    }
}
