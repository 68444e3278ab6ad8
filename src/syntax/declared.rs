//! Declared functions (`--fn 'f, g'`): names the parser reads as functions without a definition,
//! `f(x)`, `g(x, y)`, with their derivatives `f'(x)` and `d_1 g(x, y)`. A declaration holds on
//! this thread while its [`Declaration`] lives.

use crate::syntax::names::is_name;
use std::cell::RefCell;

thread_local! {
    static DECLARED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Declared functions in force until dropped (the earlier ones come back then).
#[must_use = "the declaration ends when this is dropped"]
pub struct Declaration {
    earlier: Vec<String>,
}

/// Declares `names` (each a list such as `f, g`) for the parser on this thread.
pub fn declare(names: &[String]) -> Result<Declaration, String> {
    let mut list = vec![];
    for name in names.iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
        if !is_name(name) {
            return Err(format!("`{name}` is not a function name"));
        }
        if crate::syntax::ast::Func::from_name(name).is_some()
            || crate::syntax::parse::binder(name).is_some()
            || name == "pi"
        {
            return Err(format!("`{name}` is a built-in name and cannot be declared"));
        }
        list.push(name.to_string());
    }
    let earlier = DECLARED.with(|d| std::mem::replace(&mut *d.borrow_mut(), list));
    Ok(Declaration { earlier })
}

impl Drop for Declaration {
    fn drop(&mut self) {
        DECLARED.with(|d| *d.borrow_mut() = std::mem::take(&mut self.earlier));
    }
}

/// Whether `name` is a declared function.
pub fn is_declared(name: &str) -> bool {
    DECLARED.with(|d| d.borrow().iter().any(|n| n == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declaration_lasts_while_it_lives() {
        assert!(!is_declared("f"));
        {
            let _d = declare(&["f, g".to_string()]).unwrap();
            assert!(is_declared("f") && is_declared("g"));
        }
        assert!(!is_declared("f"));
        assert!(declare(&["exp".to_string()]).is_err());
        assert!(declare(&["f'".to_string()]).is_err());
    }
}
