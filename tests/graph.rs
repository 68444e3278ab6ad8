//! `deltaform graph` end to end: the computation graph of a loss over scalar definitions with
//! local gradients, adjoints and values, the zero-gradient question of a dead ReLU, DOT and
//! Mermaid output, and bad input.

mod common;

use common::deltaform;
use common::networks::relu_network;
use predicates::str::contains;

fn graph(extra: &[&str]) -> String {
    let mut cmd = deltaform();
    cmd.args(["graph", "1/2*(y - t)^2"]);
    for l in relu_network() {
        cmd.args(["--let", l]);
    }
    let out = cmd.args(extra).output().expect("deltaform runs");
    assert!(out.status.success(), "{extra:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// With z1 < 0: dL/dw1 and dL/dw2 are guaranteed zero (each with its reason), dL/dw3 is not
/// (a point where the given holds and it is not zero).
#[test]
fn a_dead_relu_answers_which_gradients_are_zero() {
    let text = graph(&["--given", "z1 < 0", "--wrt", "w1, w2, w3"]);
    assert!(text.contains("dL/dw1 = 0: step(z1) = 0 since z1 < 0"), "{text}");
    assert!(text.contains("dL/dw2 = 0: h1 = relu(z1) = 0 since z1 < 0"), "{text}");
    assert!(text.contains("dL/dw3 need not be 0: at "), "{text}");
    common::snapshot_settings().bind(|| insta::assert_snapshot!("graph_relu_network_given_z1_negative", text));
    let json: serde_json::Value = serde_json::from_str(&graph(&["--given", "z1 < 0", "--format", "json"])).unwrap();
    let verdict = |input: &str| {
        json["gradients"].as_array().unwrap().iter().find(|g| g["input"] == input).unwrap()["verdict"].clone()
    };
    assert_eq!((verdict("w1"), verdict("w2"), verdict("w3")), ("zero".into(), "zero".into(), "not_zero".into()));
    // The point printed reads back, and the gradient there is the value printed.
    let w3 = json["gradients"].as_array().unwrap().iter().find(|g| g["input"] == "w3").unwrap();
    let point = w3["point"].as_str().unwrap();
    let at = graph(&["--at", point, "--format", "json"]);
    let at: serde_json::Value = serde_json::from_str(&at).unwrap();
    let node = |name: &str| at["nodes"].as_array().unwrap().iter().find(|n| n["name"] == name).unwrap().clone();
    assert_eq!(node("w3")["adjoint_value"], w3["value"]);
    assert!(node("z1")["value"].as_str().unwrap().starts_with('-'), "the given holds at the point");
}

#[test]
fn values_at_a_point_for_every_node_edge_and_adjoint() {
    let out = deltaform()
        .args([
            "graph",
            "1/2*(y - t)^2",
            "--let",
            "z = w*x + b",
            "--let",
            "y = sigmoid(z)",
            "--at",
            "w=1, x=2, b=-2, t=1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "  y = sigmoid(z) = 1/2",
        "  z -> y: y*(1 - y) = 1/4",
        "  dL/dw = (y - t)*y*(1 - y)*x = -1/4",
        "  L = 1/2*(y - t)^2 = 1/8",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
    }
}

#[test]
fn dot_and_mermaid_name_every_node_and_edge() {
    let dot = graph(&["--given", "z1 < 0", "--format", "dot"]);
    assert!(dot.starts_with("digraph computation {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("\"z1\" -> \"h1\" [label=\"step(z1)\"];"), "{dot}");
    assert!(dot.contains("\"w1\" [label=\"w1 (input)\\ndL/dw1 = "), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), 20);
    let mermaid = graph(&["--format", "mermaid"]);
    assert!(mermaid.starts_with("graph LR\n"));
    assert!(mermaid.contains("  n_z1 -->|\"step(z1)\"| n_h1\n"), "{mermaid}");
    assert_eq!(mermaid.matches(" -->|").count(), 20);
}

#[test]
fn bad_input_is_a_clear_error() {
    let cases: [(&[&str], &str); 5] = [
        (&["--given", "q < 0"], "`q` is not a node of the graph"),
        (&["--given", "z1 + 1 < 0"], "is not a name"),
        (&["--wrt", "z1"], "`z1` is not an input of the graph"),
        (&["--at", "w1=1"], "--at gives no value for the input"),
        (&["--let", "h[j] = relu(z[j])"], "a graph takes scalar definitions"),
    ];
    for (args, message) in cases {
        let mut cmd = deltaform();
        cmd.args(["graph", "1/2*(y - t)^2"]);
        for l in relu_network() {
            cmd.args(["--let", l]);
        }
        cmd.args(args).assert().code(2).stderr(contains(message));
    }
}
