//! Givens in a derivation (`derive --assume 'z1 < 0'`): the simplified derivative with the
//! signs folded in ([`crate::signs`]), as one more step, after comparing it with the unfolded
//! derivative at sample points where the givens hold.

use crate::defs::Definitions;
use crate::derive::value_at;
use crate::egraph::{Assumption, Limits, Simplified, Step};
use crate::eval::value::Env;
use crate::sample::{Rng, Sampler};
use crate::signs::{Given, Signs};
use crate::syntax::ast::Expr;

/// How many sample points are tried.
const TRIES: usize = 200;

/// Whether every given holds at `env` (with the definitions evaluated), `None` where a given's
/// name has no value there.
pub fn givens_hold(givens: &[Given], definitions: &Definitions, env: &Env) -> Option<bool> {
    for g in givens {
        let value = value_at(&Expr::var(&g.name), definitions, &[], env).ok()?;
        if !g.holds(value.as_scalar()?) {
            return Some(false);
        }
    }
    Some(true)
}

/// `simplified` with the givens folded in as a last step named after them; a warning when the
/// fold could not be compared with the unfolded result at any point, or (an internal error,
/// and then nothing is folded) differed from it.
pub(super) fn fold_givens(
    simplified: Simplified,
    expr: &Expr,
    givens: &[Given],
    definitions: &Definitions,
    assumptions: &[Assumption],
    limits: &Limits,
) -> (Simplified, Option<String>) {
    let bodies = definitions.iter().filter(|d| d.params.is_empty()).map(|d| (d.name.as_str(), &d.body));
    let folded = Signs::new(givens, bodies, limits).fold(&simplified.expr);
    if folded == simplified.expr {
        return (simplified, None);
    }
    let general = &simplified.expr;
    let sampler = Sampler::new([expr, general, &folded], definitions, assumptions);
    let mut rng = Rng::new(0x91e);
    let mut agreed = 0;
    for k in 0..TRIES {
        let Ok(point) = sampler.nth(k, &mut rng) else { continue };
        if givens_hold(givens, definitions, &point.env) != Some(true) {
            continue;
        }
        let (Ok(a), Ok(b)) =
            (value_at(general, definitions, &[], &point.env), value_at(&folded, definitions, &[], &point.env))
        else {
            continue;
        };
        let (a, b) = (a.as_scalar().map(|n| n.to_f64()), b.as_scalar().map(|n| n.to_f64()));
        let (Some(a), Some(b)) = (a, b) else { continue };
        if (a - b).abs() > 1e-9 * a.abs().max(b.abs()).max(1.0) {
            let warning = format!(
                "internal error: folding the givens gave {folded}, which differs from {general} where they hold ({a} vs {b}); the unfolded result is shown, please report this"
            );
            return (simplified, Some(warning));
        }
        agreed += 1;
    }
    let warning = (agreed == 0).then(|| {
        format!("note: the givens' fold ({general} to {folded}) could not be compared at a point where they hold")
    });
    let rule = givens.iter().map(|g| format!("given {g}")).collect::<Vec<_>>().join("; ");
    let mut steps = simplified.steps.clone();
    steps.push(Step { rule, expr: folded.clone() });
    (Simplified { expr: folded, steps, ..simplified }, warning)
}
