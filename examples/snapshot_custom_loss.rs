//! Pin a custom loss's delta with a snapshot test, the way a user of the library would.
//!
//! Run: `cargo run --example snapshot_custom_loss` (prints the worked derivation), or
//! `INSTA_UPDATE=no cargo test --example snapshot_custom_loss` (checks the pinned snapshot).

use deltaform::derive::Options;

/// delta^L of a focal-style loss with a sigmoid output: a loss nobody ships a formula for.
fn focal_delta() -> deltaform::Derivation {
    let options = Options { lets: vec!["p[i] = sigmoid(z[i])".into()], ..Default::default() };
    deltaform::derive("-sum(i, y[i]*(1 - p[i])^2*log(p[i]))", "z[k]", &options).expect("a valid derivation")
}

fn main() {
    println!("{}", focal_delta());
}

#[cfg(test)]
mod tests {
    #[test]
    fn focal_delta_is_pinned() {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
        settings.bind(|| insta::assert_snapshot!("focal_delta", super::focal_delta().to_string()));
    }
}
