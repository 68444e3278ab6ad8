//! End-to-end tests of `deltaform run`, the backprop exercise runner:
//!
//! * every `examples/*.toml` runs; its text trace is snapshotted (`run__examples@NAME.snap`);
//! * its JSON trace has the contract's keys and agrees with an independent f64 reference (a
//!   plain nested-loop forward/backward pass written here, sharing no code with the runner);
//! * every `grammar/exercise/invalid/*.toml` exits 2 naming what its first line
//!   (`# names: KEY`) says; its diagnostic is snapshotted (`run__invalid@NAME.snap`);
//! * what no file may do: make `run` read without end, exhaust memory or run for minutes.

// The reference is written as plain index loops on purpose: it must read like the math.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{deltaform, snapshot_settings};
use std::path::Path;

fn stdout_of(args: &[&str]) -> String {
    let out = deltaform().args(args).output().expect("runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn json_of(path: &Path) -> serde_json::Value {
    let text = stdout_of(&["run", path.to_str().expect("a UTF-8 path"), "--format", "json"]);
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn examples() {
    snapshot_settings().bind(|| {
        insta::glob!("../examples", "*.toml", |path| {
            insta::assert_snapshot!(stdout_of(&["run", path.to_str().expect("a UTF-8 path")]));
        });
    });
}

#[test]
fn invalid() {
    snapshot_settings().bind(|| {
        insta::glob!("../grammar/exercise/invalid", "*.toml", |path| {
            // Read lossily: one example is not UTF-8 (its first line is).
            let text = String::from_utf8_lossy(&std::fs::read(path).expect("readable")).into_owned();
            let names = text.lines().next().and_then(|l| l.strip_prefix("# names: ")).expect("a `# names:` line");
            let name = path.file_name().expect("a file name").to_string_lossy();
            let rel = format!("grammar/exercise/invalid/{name}");
            let root = env!("CARGO_MANIFEST_DIR");
            let out = deltaform().current_dir(root).args(["run", &rel]).output().expect("runs");
            assert_eq!(out.status.code(), Some(2), "{rel}");
            assert!(out.stdout.is_empty(), "{rel}");
            let stderr = String::from_utf8(out.stderr).expect("UTF-8");
            assert!(stderr.contains(names), "{rel} should name {names}: {stderr}");
            insta::assert_snapshot!(stderr);
        });
    });
}

#[test]
fn errors_as_json_and_unreadable_files() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = deltaform()
        .current_dir(root)
        .args(["run", "grammar/exercise/invalid/w1_wrong_shape.toml", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "bad_exercise");
    assert_eq!(v["error"]["line"], 10);
    assert!(v["error"]["message"].as_str().unwrap().contains("init.W1"));
    deltaform().args(["run", "no/such/file.toml"]).assert().code(2);
    deltaform().args(["run", "examples/seed_ex1_sigmoid.toml", "--digits", "0"]).assert().code(2);
}

/// A file of `len` bytes of TOML comment in a fresh temporary folder; returns its path.
fn comment_file(name: &str, len: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("deltaform-run-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("exercise.toml");
    let mut text = b"# ".to_vec();
    text.resize(len, b'x');
    std::fs::write(&path, text).unwrap();
    path
}

fn error_json(path: &Path) -> serde_json::Value {
    let out = deltaform().args(["run", path.to_str().unwrap(), "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["error"].clone()
}

/// No more than 4 MiB is read: a larger file, or a device that never ends, is refused after
/// reading that much; a file of exactly 4 MiB is read (and then refused for what it says).
#[test]
fn input_is_capped_and_must_be_utf8() {
    const MAX: usize = 4 << 20;
    let at_limit = comment_file("at-limit", MAX);
    assert_eq!(error_json(&at_limit)["kind"], "bad_toml");
    let over = comment_file("over", MAX + 1);
    let error = error_json(&over);
    assert_eq!(error["kind"], "file_too_large");
    assert!(error["message"].as_str().unwrap().contains("larger than 4194304 bytes"), "{error}");
    for path in [at_limit, over] {
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
    #[cfg(unix)]
    {
        let out = deltaform().args(["run", "/dev/zero"]).timeout(std::time::Duration::from_secs(60)).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("/dev/zero (not a regular file) is larger than 4194304 bytes"), "{stderr}");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let error = error_json(&root.join("grammar/exercise/invalid/not_utf8.toml"));
    assert_eq!((&error["kind"], &error["line"]), (&serde_json::json!("not_utf8"), &serde_json::json!(2)));
}

/// A 2-2 network on rational inputs for 300 steps: exact numerators and denominators grow with
/// every step (this run took 5 s in a debug build, and 1.8 s in release, before exactness was
/// bounded). Exactness is given up at one step, named in every format, and the numbers agree
/// with plain f64 loops.
#[test]
fn exact_numbers_that_outgrow_the_bound_continue_in_f64() {
    let dir = std::env::temp_dir().join(format!("deltaform-run-growing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("growing.toml");
    std::fs::write(
        &path,
        "[network]\nlayers = [2, 2]\noutput = \"identity\"\nloss = \"squared_error\"\n[init]\n\
         weights = \"1/3\"\n[train]\nrate = 0.1\nsteps = 300\n[[sample]]\nx = [\"1/3\", \"2/7\"]\n\
         y = [\"1/5\", \"4/5\"]\n",
    )
    .unwrap();
    let v = json_of(&path);
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["kind"], "exact_given_up");
    assert_eq!(notes[0]["bits"], 256);
    let step = notes[0]["step"].as_u64().unwrap();
    assert!((2..300).contains(&step), "{step}");
    let said = format!("exact arithmetic given up at step {step}:");
    assert!(notes[0]["message"].as_str().unwrap().starts_with(&said));
    let file = path.to_str().unwrap();
    for format in ["text", "markdown", "latex"] {
        let out = stdout_of(&["run", file, "--format", format]);
        assert_eq!(out.matches(&said).count(), 1, "{format}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    // The reference: w[i][j] -= rate * (w x - y)[i] * x[j], in f64.
    let (x, y) = ([1.0 / 3.0, 2.0 / 7.0], [0.2, 0.8]);
    let mut w = [[1.0 / 3.0; 2]; 2];
    let mut b = [0.0; 2];
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 300);
    for got in steps {
        let z: Vec<f64> = (0..2).map(|i| w[i][0] * x[0] + w[i][1] * x[1] + b[i]).collect();
        for i in 0..2 {
            for j in 0..2 {
                w[i][j] -= 0.1 * (z[i] - y[i]) * x[j];
            }
            b[i] -= 0.1 * (z[i] - y[i]);
        }
        for i in 0..2 {
            assert_close("W1", &got["W1"][i], &w[i]);
        }
        assert_close("b1", &got["b1"], &b);
    }
}

/// A custom loss in `yhat[i]` alone: `sum(i, yhat[i])` has delta^L = 1 for every unit.
#[test]
fn a_loss_in_yhat_alone_runs() {
    let dir = std::env::temp_dir().join(format!("deltaform-run-yhat-loss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("loss.toml");
    std::fs::write(
        &path,
        "[network]\nlayers = [2, 2]\noutput = \"identity\"\nloss = \"yhat[i]\"\n[init]\nweights = 0.1\n\
         [train]\nrate = 0.1\n[[sample]]\nx = [1, 2]\ny = [1, 0]\n",
    )
    .unwrap();
    let v = json_of(&path);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(v["steps"][0]["delta1"], serde_json::json!([[1.0], [1.0]]));
    assert_eq!(v["steps"][0]["loss"], serde_json::json!([0.6]));
}

#[test]
fn formats() {
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed_ex1_sigmoid.toml");
    let md = stdout_of(&["run", ex, "--format", "markdown"]);
    assert!(md.contains("\\begin{bmatrix}") && md.contains("## Step 1") && md.contains("$$"), "{md}");
    let body = stdout_of(&["run", ex, "--format", "latex"]);
    assert!(body.starts_with("\\section*{Worked solution}") && !body.contains("\\documentclass"), "{body}");
    let tex = stdout_of(&["run", ex, "--format", "latex", "--standalone"]);
    assert!(tex.starts_with("\\documentclass") && tex.trim_end().ends_with("\\end{document}"));
    assert!(tex.contains("\\setcounter{MaxMatrixCols}{10}") && tex.contains(&body));
    assert_eq!(tex.matches("\\begin{bmatrix}").count(), tex.matches("\\end{bmatrix}").count());
    let short = stdout_of(&["run", ex, "--digits", "3"]);
    assert!(short.contains("0.55") && !short.contains("0.549834"), "{short}");
    // Rounded values are marked `≈`, exact ones `=`; the target and the backward pass's parts are
    // shown; one sample's loss is a number.
    let text = stdout_of(&["run", ex]);
    for line in ["z1 = [ 0.2 ]", "a1 ≈ [ 0.549834 ]", "y = [ 1 ]", "E ≈ 0.251693", "W2^T delta2 ≈ [ 0.00204328 ]"]
    {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(text.contains("f'(z1) ≈ [ 0.247517 ]"), "{text}");
    assert!(md.contains("a^{[1]} \\approx \\begin{bmatrix}") && md.contains("z^{[1]} = \\begin{bmatrix}"), "{md}");
    let places = stdout_of(&["run", ex, "--decimals", "4"]);
    assert!(places.contains("delta2 ≈ [ -0.1139 ]") && places.contains("E ≈ 0.2517"), "{places}");
    let summary = stdout_of(&["run", ex, "--summary"]);
    assert!(summary.contains("Final parameters (after 1 step)") && summary.contains("class = 1"), "{summary}");
    assert!(!summary.contains("Step 1") && !summary.contains("Formulas"), "{summary}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["run", ex, "--summary", "--format", "json"])).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["final", "queries"]);
    assert_eq!(json["final"]["b2"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["queries"][0]["class"], 1);
}

/// Bigger matrices than amsmath's default of 10 columns get room in a standalone document, and
/// a custom loss's special characters are escaped in prose.
#[test]
fn latex_documents_compile_whatever_the_network() {
    let scratch = Scratch::new("wide");
    let path = scratch.write(
        "wide.toml",
        "[network]\nlayers = [12, 2]\noutput = \"identity\"\nloss = \"sum(i, (yhat[i] - y[i])^2)\"\n[init]\nweights = 0.1\n\
         [train]\nrate = 0.1\n[[sample]]\nx = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\ny = [1, 0]\n",
    );
    let tex = stdout_of(&["run", path.to_str().unwrap(), "--format", "latex", "--standalone"]);
    assert!(tex.contains("\\setcounter{MaxMatrixCols}{12}"), "{tex}");
    assert!(tex.contains("loss sum(i, (yhat[i] - y[i])\\textasciicircum{}2)"), "{tex}");
}

/// Every example's standalone LaTeX document (with the substitutions) compiles with pdflatex,
/// where pdflatex is installed (KaTeX checks the math of every document in `tests/katex.rs`
/// everywhere).
#[test]
fn standalone_documents_compile_with_pdflatex() {
    let found = std::process::Command::new("pdflatex").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("pdflatex is not installed: the standalone documents are not compiled here");
        return;
    }
    let scratch = Scratch::new("pdflatex");
    let mut compiled = 0;
    for path in example_files() {
        let tex = stdout_of(&["run", path.to_str().unwrap(), "--format", "latex", "--standalone", "--substitute"]);
        let file = scratch.write("solution.tex", &tex);
        let out = std::process::Command::new("pdflatex")
            .args(["-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape"])
            .arg(&file)
            .current_dir(&scratch.0)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stdout));
        compiled += 1;
    }
    assert!(compiled >= 10);
}

#[test]
fn json_contract_keys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let v = json_of(&root.join("examples/seed_ex1_sigmoid.toml"));
    let step = &v["steps"][0];
    assert_eq!(step["samples"], serde_json::json!([0]));
    for key in ["a0", "z1", "a1", "z2", "a2", "delta1", "delta2", "dW1", "db1", "dW2", "db2", "W1", "b1", "W2", "b2"] {
        assert!(step.get(key).is_some(), "{key}");
    }
    // M is rows x samples; V is a plain list.
    assert_eq!(step["z1"].as_array().unwrap().len(), 3);
    assert_eq!(step["z1"][0].as_array().unwrap().len(), 1);
    assert_eq!(step["db1"].as_array().unwrap().len(), 3);
    assert!(step["db1"][0].is_number());
    assert_eq!(step["W1"][0].as_array().unwrap().len(), 5);
    assert_eq!(v["queries"][0]["class"], 1);
    assert!(v["formulas"]["activation_derivative"].is_string() && v["formulas"]["output_delta"].is_string());
    let batch = json_of(&root.join("examples/seed_ex2b_tanh_batch_bias_0.1.toml"));
    assert_eq!(batch["steps"].as_array().unwrap().len(), 1);
    assert_eq!(batch["steps"][0]["samples"], serde_json::json!([0, 1]));
    assert_eq!(batch["steps"][0]["delta3"][0].as_array().unwrap().len(), 2);
}

/// The trace shows delta^L as the engine simplifies it: softmax with cross-entropy collapses to
/// `yhat[k] - y[k]` only when every target sums to 1, and shows what is left over otherwise.
#[test]
fn the_output_delta_is_shown_simplified() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("examples/seed_ex3a_softmax_xent_sgd_bias_0.toml");
    let shown = |v: &serde_json::Value| v["formulas"]["output_delta_shown"].as_str().unwrap().to_string();
    assert_eq!(shown(&json_of(&example)), "yhat[k] - y[k]");
    let text = std::fs::read_to_string(&example).unwrap().replace("y = [0, 1, 0]", "y = [0, 0.5, 0]");
    let soft_targets = std::env::temp_dir().join(format!("deltaform-soft-targets-{}.toml", std::process::id()));
    std::fs::write(&soft_targets, text).unwrap();
    let v = json_of(&soft_targets);
    std::fs::remove_file(&soft_targets).unwrap();
    assert_eq!(shown(&v), "yhat[k]*sum(i, y[i]) - y[k]");
    let sigmoid = shown(&json_of(&root.join("examples/seed_ex1_sigmoid.toml")));
    let textbook = "(yhat[k] - y[k])*yhat[k]*(1 - yhat[k])";
    assert!(
        sigmoid.contains("yhat[k] - y[k]") && sigmoid.contains("1 - yhat[k]") && sigmoid.len() == textbook.len(),
        "{sigmoid}"
    );
}

// ---------------------------------------------------------------------------------------------
// The independent reference: plain f64 nested loops, reading the exercise file itself.

type Mat = Vec<Vec<f64>>;

/// A function and its derivative.
type WithDerivative = (fn(f64) -> f64, fn(f64) -> f64);

fn activation(name: &str) -> WithDerivative {
    fn sig(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }
    match name {
        "sigmoid" => (sig, |x| sig(x) * (1.0 - sig(x))),
        "tanh" => (f64::tanh, |x| 1.0 - x.tanh() * x.tanh()),
        "relu" => (|x| x.max(0.0), |x| if x > 0.0 { 1.0 } else { 0.0 }),
        "identity" => (|x| x, |_| 1.0),
        "relu(x) + sin(x)" => (|x| x.max(0.0) + x.sin(), |x| if x > 0.0 { 1.0 } else { 0.0 } + x.cos()),
        "heaviside(x, 1)" => (|x| if x >= 0.0 { 1.0 } else { 0.0 }, |_| 0.0),
        other => panic!("the reference does not know the activation {other}"),
    }
}

fn number(v: &toml::Value) -> f64 {
    match v {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        toml::Value::String(s) => match s.split_once('/') {
            Some((a, b)) => a.trim().parse::<f64>().unwrap() / b.trim().parse::<f64>().unwrap(),
            None => s.parse().unwrap(),
        },
        other => panic!("not a number: {other}"),
    }
}

fn list(v: &toml::Value) -> Vec<f64> {
    v.as_array().expect("a list").iter().map(number).collect()
}

struct Reference {
    layers: Vec<usize>,
    f: WithDerivative,
    softmax: bool,
    g: WithDerivative,
    cross_entropy: bool,
    /// dE/dyhat = scale * (yhat - y) for the squared errors (1 with the 1/2, 2 without).
    squared_error_scale: f64,
    w: Vec<Mat>,
    b: Vec<Vec<f64>>,
}

impl Reference {
    /// Forward pass on one input: (z per layer, a per layer with a[0] = x).
    fn forward(&self, x: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let depth = self.layers.len() - 1;
        let (mut zs, mut a) = (vec![], vec![x.to_vec()]);
        for l in 0..depth {
            let mut z = vec![0.0; self.layers[l + 1]];
            for i in 0..z.len() {
                let mut s = 0.0;
                for j in 0..self.layers[l] {
                    s += self.w[l][i][j] * a[l][j];
                }
                z[i] = s + self.b[l][i];
            }
            let out = if l + 1 < depth {
                z.iter().map(|&v| (self.f.0)(v)).collect()
            } else if self.softmax {
                let m = z.iter().cloned().fold(f64::MIN, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                let t: f64 = e.iter().sum();
                e.iter().map(|v| v / t).collect()
            } else {
                z.iter().map(|&v| (self.g.0)(v)).collect()
            };
            zs.push(z);
            a.push(out);
        }
        (zs, a)
    }

    /// delta^L through the full output Jacobian: dE/dz_k = sum_i dE/dyhat_i * dyhat_i/dz_k.
    fn output_delta(&self, z: &[f64], yhat: &[f64], y: &[f64]) -> Vec<f64> {
        let n = z.len();
        let de: Vec<f64> = (0..n)
            .map(|i| if self.cross_entropy { -y[i] / yhat[i] } else { self.squared_error_scale * (yhat[i] - y[i]) })
            .collect();
        (0..n)
            .map(|k| {
                (0..n)
                    .map(|i| {
                        let jac = if self.softmax {
                            yhat[i] * (if i == k { 1.0 } else { 0.0 } - yhat[k])
                        } else if i == k {
                            (self.g.1)(z[k])
                        } else {
                            0.0
                        };
                        de[i] * jac
                    })
                    .sum()
            })
            .collect()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

fn assert_close(what: &str, got: &serde_json::Value, want: &[f64]) {
    let got: Vec<f64> =
        got.as_array().unwrap_or_else(|| panic!("{what}")).iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "{what}: {got:?} vs {want:?}");
    }
}

/// Column `c` of a JSON matrix (rows x samples).
fn column(m: &serde_json::Value, c: usize) -> serde_json::Value {
    serde_json::Value::Array(m.as_array().unwrap().iter().map(|row| row[c].clone()).collect())
}

fn check_against_reference(path: &Path) {
    let file: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let net = &file["network"];
    let layers: Vec<usize> =
        net["layers"].as_array().unwrap().iter().map(|v| v.as_integer().unwrap() as usize).collect();
    let depth = layers.len() - 1;
    let output = net["output"].as_str().unwrap();
    let init = file.get("init").and_then(|v| v.as_table()).cloned().unwrap_or_default();
    // With folded biases each W<l> has the biases as its first column, and there is no b<l>.
    let folded = net.get("bias").and_then(|v| v.as_str()) == Some("folded");
    let written_w =
        |l: usize| -> Option<Mat> { Some(init.get(&format!("W{l}"))?.as_array()?.iter().map(list).collect()) };
    let loss = net.get("loss").and_then(|l| l.as_str());
    let mut r = Reference {
        f: activation(net.get("activation").and_then(|v| v.as_str()).unwrap_or("identity")),
        softmax: output == "softmax",
        g: if output == "softmax" { activation("identity") } else { activation(output) },
        cross_entropy: loss == Some("cross_entropy"),
        squared_error_scale: if loss == Some("sum(i, (yhat[i] - y[i])^2)") { 2.0 } else { 1.0 },
        w: (1..=depth)
            .map(|l| match (written_w(l), folded) {
                (Some(m), false) => m,
                (Some(m), true) => m.iter().map(|row| row[1..].to_vec()).collect(),
                (None, _) => vec![vec![number(&init["weights"]); layers[l - 1]]; layers[l]],
            })
            .collect(),
        b: (1..=depth)
            .map(|l| match (init.get(&format!("b{l}")), written_w(l), folded) {
                (_, Some(m), true) => m.iter().map(|row| row[0]).collect(),
                (Some(v), _, _) => list(v),
                _ => vec![init.get("biases").map_or(0.0, number); layers[l]],
            })
            .collect(),
        layers,
    };
    // Without [train], the queries alone are evaluated with the parameters given.
    let no_training = toml::Table::new();
    let train = file.get("train").and_then(|t| t.as_table()).unwrap_or(&no_training);
    if file.contains_key("train") {
        assert!(
            matches!(loss, Some("cross_entropy" | "squared_error" | "sum(i, (yhat[i] - y[i])^2)")),
            "the reference knows the loss"
        );
    }
    let rate = train.get("rate").map_or(0.0, number);
    let batch = train.get("mode").and_then(|v| v.as_str()) == Some("batch");
    let passes =
        if file.contains_key("train") { train.get("steps").and_then(|v| v.as_integer()).unwrap_or(1) } else { 0 };
    let samples: Vec<(Vec<f64>, Vec<f64>)> = file
        .get("sample")
        .and_then(|s| s.as_array())
        .map(|list_of| list_of.iter().map(|s| (list(&s["x"]), list(&s["y"]))).collect())
        .unwrap_or_default();
    let groups: Vec<Vec<usize>> =
        if batch { vec![(0..samples.len()).collect()] } else { (0..samples.len()).map(|k| vec![k]).collect() };
    let json = json_of(path);
    let steps = json["steps"].as_array().unwrap();
    let mut n = 0;
    for _ in 0..passes {
        for group in &groups {
            let got = &steps[n];
            n += 1;
            let mut dw: Vec<Mat> = r.w.iter().map(|m| vec![vec![0.0; m[0].len()]; m.len()]).collect();
            let mut db: Vec<Vec<f64>> = r.b.iter().map(|v| vec![0.0; v.len()]).collect();
            for (c, &k) in group.iter().enumerate() {
                let (x, y) = &samples[k];
                let (z, a) = r.forward(x);
                let mut delta = vec![vec![]; depth];
                delta[depth - 1] = r.output_delta(&z[depth - 1], &a[depth], y);
                for l in (0..depth - 1).rev() {
                    delta[l] = (0..z[l].len())
                        .map(|j| {
                            let back: f64 = (0..delta[l + 1].len()).map(|i| r.w[l + 1][i][j] * delta[l + 1][i]).sum();
                            back * (r.f.1)(z[l][j])
                        })
                        .collect();
                }
                assert_close(&format!("{} a0", path.display()), &column(&got["a0"], c), x);
                for l in 0..depth {
                    let what = |name: &str| format!("{} step {n} {name}{} column {c}", path.display(), l + 1);
                    assert_close(&what("z"), &column(&got[format!("z{}", l + 1)], c), &z[l]);
                    assert_close(&what("a"), &column(&got[format!("a{}", l + 1)], c), &a[l + 1]);
                    assert_close(&what("delta"), &column(&got[format!("delta{}", l + 1)], c), &delta[l]);
                    for i in 0..delta[l].len() {
                        db[l][i] += delta[l][i];
                        for j in 0..a[l].len() {
                            dw[l][i][j] += delta[l][i] * a[l][j];
                        }
                    }
                }
            }
            for l in 0..depth {
                for i in 0..r.b[l].len() {
                    r.b[l][i] -= rate * db[l][i];
                    for j in 0..r.w[l][i].len() {
                        r.w[l][i][j] -= rate * dw[l][i][j];
                    }
                    let row = |key: String| got[key][i].clone();
                    // Folded, a row is the bias and then the weights.
                    let written = |bias: f64, weights: &[f64]| match folded {
                        true => [&[bias], weights].concat(),
                        false => weights.to_vec(),
                    };
                    assert_close(
                        &format!("{} dW{} row {i}", path.display(), l + 1),
                        &row(format!("dW{}", l + 1)),
                        &written(db[l][i], &dw[l][i]),
                    );
                    assert_close(
                        &format!("{} W{} row {i}", path.display(), l + 1),
                        &row(format!("W{}", l + 1)),
                        &written(r.b[l][i], &r.w[l][i]),
                    );
                }
                if folded {
                    assert!(got.get(format!("db{}", l + 1)).is_none() && got.get(format!("b{}", l + 1)).is_none());
                } else {
                    assert_close(&format!("{} db{}", path.display(), l + 1), &got[format!("db{}", l + 1)], &db[l]);
                    assert_close(&format!("{} b{}", path.display(), l + 1), &got[format!("b{}", l + 1)], &r.b[l]);
                }
            }
        }
    }
    assert_eq!(steps.len(), n, "{}: number of steps", path.display());
    let queries = file.get("query").and_then(|q| q.as_array()).cloned().unwrap_or_default();
    assert_eq!(json["queries"].as_array().unwrap().len(), queries.len());
    for (k, q) in queries.iter().enumerate() {
        let (_, a) = r.forward(&list(&q["x"]));
        let out = &a[depth];
        assert_close("query output", &json["queries"][k]["output"], out);
        let best = (0..out.len()).fold(0, |b, i| if out[i] > out[b] { i } else { b });
        assert_eq!(json["queries"][k]["class"], best + 1, "{}: query {k}", path.display());
    }
}

/// The exercise files of `examples/`, in name order.
fn example_files() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the seed examples are there");
    files
}

#[test]
fn examples_agree_with_an_independent_f64_reference() {
    for path in example_files() {
        check_against_reference(&path);
    }
}

/// The numbers of two JSON traces agree to 1e-12 (relative); what tells how they were computed
/// (notes, arithmetic, and the formulas and assumptions, which f64 targets may not support) aside.
fn assert_agree(what: &str, exact: &serde_json::Value, f64_run: &serde_json::Value) {
    use serde_json::Value;
    match (exact, f64_run) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!(close(a, b), "{what}: {a} vs {b}");
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{what}");
            for (k, (x, y)) in a.iter().zip(b).enumerate() {
                assert_agree(&format!("{what}[{k}]"), x, y);
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, x) in a {
                if !matches!(key.as_str(), "notes" | "arithmetic" | "formulas" | "assumptions") {
                    assert_agree(&format!("{what}.{key}"), x, b.get(key).unwrap_or(&Value::Null));
                }
            }
        }
        _ => assert_eq!(exact, f64_run, "{what}"),
    }
}

/// Every example run in f64 from the start (the f64 path: `ndarray` matrices, batched
/// evaluation) gives the numbers of its exact run, to 1e-12.
#[test]
fn the_f64_path_agrees_with_the_exact_path_on_every_example() {
    let scratch = Scratch::new("f64");
    let mut checked = 0;
    for path in example_files() {
        let src = std::fs::read_to_string(&path).unwrap();
        let mut file: toml::Table = src.parse().unwrap();
        let Some(train) = file.get_mut("train").and_then(|t| t.as_table_mut()) else { continue };
        train.insert("arithmetic".into(), "f64".into());
        let copy = scratch.write(&path.file_name().unwrap().to_string_lossy(), &toml::to_string(&file).unwrap());
        let (exact, f64_run) = (json_of(&path), json_of(&copy));
        assert_agree(&path.display().to_string(), &exact, &f64_run);
        checked += 1;
    }
    assert!(checked >= 8, "{checked} examples train");
}

/// One step of a 784-128-10 network on a batch of 64 in f64 (the runner's library entry, as
/// the benchmark calls it) gives the nested-loop reference's gradients and parameters.
#[test]
fn a_784_128_10_step_agrees_with_the_nested_loop_reference() {
    use deltaform::exercise::{file::parse_exercise, formulas::derive, matrix::Matrix, network, trace::Params};
    use deltaform::Number;
    let p = common::mnist::problem();
    let rows = |m: &[Vec<f64>]| {
        Matrix::from_rows(m.iter().map(|r| r.iter().map(|&v| Number::Approx(v)).collect()).collect()).unwrap()
    };
    let vector = |v: &[f64]| v.iter().map(|&x| Number::Approx(x)).collect::<Vec<_>>();
    let formulas = derive(&parse_exercise(&common::mnist::exercise_source()).unwrap()).unwrap();
    let params =
        Params { weights: p.w.iter().map(|m| rows(m)).collect(), biases: p.b.iter().map(|b| vector(b)).collect() };
    let (x, y) = (rows(&p.x).transpose(), rows(&p.y).transpose());
    let rate = Number::Approx(common::mnist::RATE);
    let (_, back, after) =
        network::train_step(&formulas, &params, &x, &y, &rate, network::Exactness::Unbounded).unwrap();
    assert!(back.dw[0].floats().is_some(), "the f64 path stores f64 matrices");
    let want = common::mnist::reference_step(&p);
    let agree = |what: &str, got: Vec<f64>, want: Vec<f64>| {
        assert_eq!(got.len(), want.len(), "{what}");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()), "{what}[{k}]: {g} vs {w}");
        }
    };
    let floats = |m: &Matrix| m.entries().map(|n| n.to_f64()).collect::<Vec<_>>();
    for l in 0..2 {
        agree(&format!("dW{}", l + 1), floats(&back.dw[l]), want.dw[l].concat());
        agree(&format!("db{}", l + 1), back.db[l].iter().map(Number::to_f64).collect(), want.db[l].clone());
        agree(&format!("W{}", l + 1), floats(&after.weights[l]), want.w[l].concat());
        agree(&format!("b{}", l + 1), after.biases[l].iter().map(Number::to_f64).collect(), want.b[l].clone());
    }
}

#[test]
fn the_readme_example_runs() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("## Backprop exercises").nth(1).expect("the README has the section");
    let toml = section.split("```toml\n").nth(1).and_then(|t| t.split("```").next()).expect("a toml block");
    let dir = std::env::temp_dir().join(format!("deltaform-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("readme.toml");
    std::fs::write(&path, toml).unwrap();
    let v = json_of(&path);
    assert!((v["steps"][0]["delta2"][0][0].as_f64().unwrap() + 0.11393714890574508).abs() < 1e-15);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_seed_exercise_one_numbers() {
    // Seeds 000/001, exercise 1: delta2 = (a - y) a (1 - a) with a = sigmoid(0.1*3*sigmoid(0.2)).
    let v = json_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed_ex1_sigmoid.toml"));
    let a = 1.0 / (1.0 + (-(0.3 / (1.0 + (-0.2f64).exp()))).exp());
    assert!(close(v["steps"][0]["delta2"][0][0].as_f64().unwrap(), (a - 1.0) * a * (1.0 - a)));
    assert!(close(v["steps"][0]["delta2"][1][0].as_f64().unwrap(), a * a * (1.0 - a)));
    assert!((v["steps"][0]["delta2"][0][0].as_f64().unwrap() + 0.113937).abs() < 1e-6);
}

/// Seed 004's hand-designed threshold network: no [train], the queries evaluated with the
/// weights given, each against the output it must give; a query that does not give it makes the
/// run's answer negative (exit 1); training threshold units is refused (exit 2, naming `train`).
#[test]
fn evaluate_only_exercises_check_their_queries() {
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed_004_threshold_descending.toml");
    let text = stdout_of(&["run", ex]);
    assert!(text.contains("Training: none") && !text.contains("Step 1") && !text.contains("loss       E"), "{text}");
    assert!(text.contains("Expectations: 8 of 8 queries as expected"), "{text}");
    let source = std::fs::read_to_string(ex).unwrap();
    let scratch = Scratch::new("threshold");
    let write = |name: &str, text: &str| scratch.write(name, text);
    // The last query is in descending order: its expected 0 is wrong.
    let unmet = write("unmet.toml", &source.replace("x = [2, 1, 3, 2, 1]", "x = [5, 3, 2, 1, 0]"));
    let out = deltaform().arg("run").arg(&unmet).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("expected output [0]: NOT as expected (output [1])"), "{stdout}");
    assert!(stdout.contains("Expectations: 7 of 8 queries as expected"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&deltaform().arg("run").arg(&unmet).args(["--format", "json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(json["queries"][7]["as_expected"], false);
    assert_eq!(json["queries"][0]["as_expected"], true);
    let train = write(
        "train.toml",
        &source.replace("[[query]]\nx = [5, 4, 3, 2, 1]", "loss = 0\n[train]\nrate = 1\n[[sample]]\nx = [1, 2, 3, 4, 5]\ny = [0]\n\n[[query]]\nx = [5, 4, 3, 2, 1]")
            .replace("output = \"heaviside(x, 1)\"\n", "output = \"heaviside(x, 1)\"\nloss = \"squared_error\"\n")
            .replace("loss = 0\n", ""),
    );
    let out = deltaform().arg("run").arg(&train).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`train`: the network's gradients are 0"));
    let bad_class = write("class.toml", &source.replacen("output = [1]", "class = 2", 1));
    let out = deltaform().arg("run").arg(&bad_class).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("query[1].class"));
}

/// Once a value is f64 (after a transcendental function or an irrational weight), matrix
/// products are f64 products: the enclosures of rounded numbers do not widen step after step
/// until a softmax overflows (a run of large weights that exact arithmetic handles).
#[test]
fn rounded_values_do_not_widen_into_overflow() {
    let scratch = Scratch::new("rounded");
    let path = scratch.write(
        "wide_weights.toml",
        "[network]\nlayers = [1, 2, 2]\nactivation = \"tanh\"\noutput = \"softmax\"\nloss = \"cross_entropy\"\n\
         [init]\nW1 = [[\"0.5\"], [\"sqrt(2)/2\"]]\nW2 = [[\"-0.3\", \"100\"], [\"100\", \"0.5\"]]\n\
         [train]\nrate = 0.5\nsteps = 3\n[[sample]]\nx = [1]\ny = [1, 0]\n[[sample]]\nx = [1]\ny = [1, 0]\n",
    );
    let json = json_of(&path);
    assert_eq!(json["steps"].as_array().unwrap().len(), 6);
}

/// `--summary` keeps only the final parameters: a run whose whole trace would not fit in the
/// memory budget runs with it, and gives the final parameters of the full run.
#[test]
fn a_summary_run_keeps_only_the_final_parameters() {
    let scratch = Scratch::new("summary");
    let src = |steps: usize| {
        format!(
            "[network]\nlayers = [200, 200, 10]\nactivation = \"tanh\"\noutput = \"softmax\"\n\
             loss = \"cross_entropy\"\n[init]\nweights = \"0.01\"\n[train]\nrate = 0.1\nsteps = {steps}\n\
             arithmetic = \"f64\"\n[[sample]]\nx = [{}]\ny = [1{}]\n[[query]]\nx = [{}]\n",
            (0..200).map(|k| format!("{}", (k % 7) as f64 / 7.0)).collect::<Vec<_>>().join(", "),
            ", 0".repeat(9),
            vec!["1"; 200].join(", ")
        )
    };
    let long = scratch.write("long.toml", &src(400));
    let refused = error_json(&long);
    let message = refused["message"].as_str().unwrap();
    assert!(message.starts_with("`train.steps`") && message.contains("memory budget"), "{refused}");
    assert!(refused["help"].as_str().unwrap().contains("--summary"), "{refused}");
    let summary = |path: &Path| -> serde_json::Value {
        serde_json::from_str(&stdout_of(&["run", path.to_str().unwrap(), "--summary", "--format", "json"])).unwrap()
    };
    let kept = summary(&long);
    assert_eq!(kept["final"]["W1"].as_array().unwrap().len(), 200);
    // The same parameters as the last step of a run that keeps every step.
    let short = scratch.write("short.toml", &src(3));
    let every = json_of(&short);
    let last = &every["steps"][2];
    let three = summary(&short);
    for key in ["W1", "b1", "W2", "b2"] {
        assert_eq!(three["final"][key], last[key], "{key}");
    }
    assert_eq!(three["queries"], every["queries"]);
}

/// `--substitute` plugs each step's numbers into its formulas: every substituted formula of every
/// example (JSON, 17 digits) evaluates to the value it is shown with, and the text trace with
/// them reads as a student writes it (snapshot).
#[test]
fn substituted_formulas_evaluate_to_their_values() {
    use deltaform::eval::{eval_scalar, value::Env};
    use deltaform::syntax::parse::parse_expr;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    for path in example_files() {
        let p = path.to_str().unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&stdout_of(&["run", p, "--substitute", "--format", "json"])).unwrap();
        for step in json["steps"].as_array().unwrap() {
            for s in step["substituted"].as_array().unwrap() {
                let text = s["text"].as_str().unwrap();
                let (_, rest) = text.split_once(" = ").unwrap();
                let (formula, value) = rest.rsplit_once(" ≈ ").or_else(|| rest.rsplit_once(" = ")).unwrap();
                if formula.contains("...") {
                    continue;
                }
                let got = eval_scalar(&parse_expr(formula).unwrap(), &Env::new()).unwrap().to_f64();
                let want = eval_scalar(&parse_expr(value).unwrap(), &Env::new()).unwrap().to_f64();
                assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "{}: {text}: {got}", path.display());
                assert!(s["latex"].as_str().unwrap().contains(if text.contains('≈') { "\\approx" } else { "=" }));
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked} substitutions");
    let seed = dir.join("seed_ex1_sigmoid.toml");
    let text = stdout_of(&["run", seed.to_str().unwrap(), "--substitute"]);
    assert!(text.contains("      a1[1] = sigmoid(0.2) ≈ 0.549834\n"), "{text}");
    assert!(text.contains("      delta2[1] = (0.541144 - 1)*0.541144*(1 - 0.541144) ≈ -0.113937\n"), "{text}");
    let folded = dir.join("seed_003_regression_folded_bias.toml");
    let text = stdout_of(&["run", folded.to_str().unwrap(), "--substitute"]);
    assert!(text.contains("      z1[1] (sample 1) = 0.01 + 0.02*1 + 0.03*2 = 0.09\n"), "{text}");
    snapshot_settings().bind(|| {
        insta::assert_snapshot!(
            "substitute_seed_ex1",
            stdout_of(&["run", seed.to_str().unwrap(), "--substitute", "--format", "markdown"])
        )
    });
}

/// `reduction = "mean"` averages a batch's gradients (PyTorch's default) where `"sum"` (the
/// seeds') adds them; `mse` and `bce` are PyTorch's losses (the mean over the outputs, no 1/2).
#[test]
fn reductions_and_named_losses() {
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed_ex2b_tanh_batch_bias_0.toml");
    let source = std::fs::read_to_string(ex).unwrap();
    let scratch = Scratch::new("reduction");
    let write = |name: &str, text: &str| scratch.write(name, text);
    let mean_file = write("mean.toml", &source.replace("[train]\n", "[train]\nreduction = \"mean\"\n"));
    let (sum, mean) = (json_of(Path::new(ex)), json_of(&mean_file));
    let samples = sum["steps"][0]["samples"].as_array().unwrap().len() as f64;
    assert!(samples > 1.0);
    assert_eq!(mean["network"]["reduction"], "mean");
    for key in ["dW1", "dW3", "db2"] {
        let flat = |v: &serde_json::Value| -> Vec<f64> {
            let rows: Vec<serde_json::Value> = match v.as_array().unwrap().first() {
                Some(serde_json::Value::Array(_)) => v.as_array().unwrap().clone(),
                _ => vec![v.clone()],
            };
            rows.iter()
                .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect::<Vec<_>>())
                .collect()
        };
        let (s, m) = (flat(&sum["steps"][0][key]), flat(&mean["steps"][0][key]));
        assert!(s.iter().zip(&m).all(|(s, m)| (s / samples - m).abs() < 1e-12), "{key}: {s:?} {m:?}");
    }
    assert!(stdout_of(&["run", mean_file.to_str().unwrap()]).contains("averaged over the samples"));
    // mse on a linear output: delta = 2*(yhat - y)/n; bce on a sigmoid output: (yhat - y)/n.
    let linear = "[network]\nlayers = [2, 2]\noutput = \"identity\"\nloss = \"LOSS\"\n[init]\nweights = 0.5\n[train]\nrate = 0.1\n[[sample]]\nx = [1, 2]\ny = [1, 0]\n";
    let mse = json_of(&write("mse.toml", &linear.replace("LOSS", "mse")));
    let yhat: Vec<f64> = mse["steps"][0]["a1"].as_array().unwrap().iter().map(|r| r[0].as_f64().unwrap()).collect();
    let delta: Vec<f64> =
        mse["steps"][0]["delta1"].as_array().unwrap().iter().map(|r| r[0].as_f64().unwrap()).collect();
    assert!((delta[0] - (yhat[0] - 1.0)).abs() < 1e-12 && (delta[1] - yhat[1]).abs() < 1e-12, "{delta:?} {yhat:?}");
    let bce = json_of(&write("bce.toml", &linear.replace("LOSS", "bce").replace("\"identity\"", "\"sigmoid\"")));
    let yhat: Vec<f64> = bce["steps"][0]["a1"].as_array().unwrap().iter().map(|r| r[0].as_f64().unwrap()).collect();
    let delta: Vec<f64> =
        bce["steps"][0]["delta1"].as_array().unwrap().iter().map(|r| r[0].as_f64().unwrap()).collect();
    assert!((delta[0] - (yhat[0] - 1.0) / 2.0).abs() < 1e-12 && (delta[1] - yhat[1] / 2.0).abs() < 1e-12, "{delta:?}");
    let bad = write("bad.toml", &source.replace("[train]\n", "[train]\nreduction = \"avg\"\n"));
    let out = deltaform().arg("run").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("train.reduction"));
}

/// A folder of files for one test, removed when it goes out of scope.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("deltaform-run-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}
