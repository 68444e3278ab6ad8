//! `deltaform jacobian` end to end: the Jacobian of a vector function, the chain rule of a
//! composition shown both ways and proved equal, values at a point, and bad input.

mod common;

use common::deltaform;
use predicates::str::contains;

const F: &str = "F(x, y, z) = [3*x*y, y - z]";
const G: &str = "G(x, y) = [x - 5*y, x*y, x*y - x^2]";

fn stdout(args: &[&str]) -> String {
    let out = deltaform().arg("jacobian").args(args).output().expect("deltaform runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn a_vector_function_by_each_variable() {
    assert_eq!(stdout(&["[3*x*y, y - z]", "--wrt", "x, y, z"]), "[[3*y, 3*x, 0], [0, 1, -1]]\n");
    assert_eq!(stdout(&["x*y", "--wrt", "x, y"]), "[[y, x]]\n");
    assert_eq!(stdout(&["G", "--wrt", "x, y", "--let", G]), "[[1, -5], [y, x], [y - 2*x, x]]\n");
}

/// The seed's composition: its direct Jacobian's second row is `[2x, 0]` (F(G)'s second entry
/// is x^2), and J_G's third row is `[y - 2x, x]`.
#[test]
fn a_composition_shows_the_chain_rule_both_ways() {
    let text = stdout(&["F(G)", "--wrt", "x, y", "--let", F, "--let", G]);
    assert_eq!(text.lines().last(), Some("[[y*(6*x - 15*y), x*(3*x - 30*y)], [2*x, 0]]"));
    assert!(text.contains("equal to the direct Jacobian: every entry proved by the rules"), "{text}");
    let latex = stdout(&["F(G)", "--wrt", "x, y", "--let", F, "--let", G, "--format", "latex"]);
    common::snapshot_settings().bind(|| {
        insta::assert_snapshot!("jacobian_of_a_composition", format!("{text}\nLaTeX:\n{latex}"));
    });
    // The same composition written three ways.
    for written in ["F(G(x, y))", "F(x - 5*y, x*y, x*y - x^2)"] {
        assert_eq!(stdout(&[written, "--wrt", "x, y", "--let", F, "--let", G]).lines().last(), text.lines().last());
    }
}

#[test]
fn json_and_values_at_a_point() {
    let out = stdout(&["F(G)", "--wrt", "x, y", "--let", F, "--let", G, "--at", "x=1, y=2", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["jacobian"][1], serde_json::json!(["2*x", "0"]));
    assert_eq!(json["value"], serde_json::json!([[-48.0, -57.0], [2.0, 0.0]]));
    let chain = &json["chain_rule"];
    assert_eq!(chain["inner_jacobian"][2], serde_json::json!(["y - 2*x", "x"]));
    assert_eq!(chain["outer_at_inner"][0], serde_json::json!(["3*x*y", "3*x - 15*y", "0"]));
    assert!(chain["agreement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .all(|a| a["status"] == "proved"));
    // One column stays a matrix: a list of rows.
    let column: serde_json::Value =
        serde_json::from_str(&stdout(&["[x^2, 3*x]", "--wrt", "x", "--at", "x=1", "--format", "json"])).unwrap();
    assert_eq!(column["value"], serde_json::json!([[2.0], [3.0]]));
    let text = stdout(&["[x^2*y, sin(y)]", "--wrt", "x, y", "--at", "x=3, y=0"]);
    assert_eq!(text, "value at x=3, y=0: [[0, 9], [0, 1]]\n[[2*x*y, x^2], [0, cos(y)]]\n");
}

#[test]
fn bad_input_points_at_the_fault_and_exits_2() {
    let cases: [(&[&str], &str); 5] = [
        (&["F(x, y)", "--wrt", "x, y", "--let", F], "takes 3 argument(s) (x, y, z), and is given 2"),
        (&["[x*, y]", "--wrt", "x"], "expected an expression"),
        (&["F(G)", "--wrt", "x, y", "--let", "F(x, y, z) = [3*x*y, y - z"], "unexpected end of input"),
        (&["x*y", "--wrt", "x[1], y"], "`x[1]` is not a variable"),
        (&["[x^2, y]", "--wrt", "x", "--at", "y=1"], "--at gives no value for `x`"),
    ];
    for (args, message) in cases {
        deltaform().arg("jacobian").args(args).assert().code(2).stderr(contains(message));
    }
}

/// An argument that uses the name of a sum's index inside the outer function is not captured.
#[test]
fn arguments_are_substituted_without_capture() {
    let text = stdout(&["F(x + j)", "--wrt", "x", "--let", "F(u) = [sum(j = 1..3, sin(u*j))]", "--at", "x=1, j=1"]);
    // sum(k = 1..3, k*cos((x + j)*k)) at x = j = 1 is 1.15708 (not 4.03576, the captured sum's).
    assert!(text.contains("value at x=1, j=1: [[1.15708]]"), "{text}");
    deltaform()
        .args(["jacobian", "F(G)", "--wrt", "x", "--let", "F(u) = [u*x]", "--let", "G(x) = [x^2]"])
        .assert()
        .code(2)
        .stderr(contains("not one of its parameters"));
    deltaform()
        .args(["jacobian", "F(G)", "--wrt", "x, y", "--let", "F(u) = [u^2]", "--let", "G(a, b) = [a*b]"])
        .assert()
        .code(2)
        .stderr(contains("write `G(x, y)`"));
}
