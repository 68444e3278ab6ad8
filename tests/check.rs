//! End-to-end tests of `deltaform check`, the worked-solution checker:
//!
//! * the bundled documents (`examples/check/*.md`) check with nothing wrong, and their reports
//!   are snapshotted; mutants of them (a digit changed, a sign flipped, a row dropped, a wrong
//!   derivative) are flagged at the line of the mutation;
//! * the worked solution `deltaform run --format markdown` prints for every example checks
//!   clean against its exercise, and a changed digit in it is flagged at its line;
//! * `--exercise` catches a document that solves another exercise (biases 0 for 0.1);
//! * the seed documents (`../shared/seeds`, when present) have their reports snapshotted;
//! * bad input: a missing, binary or oversized file exits 2; broken LaTeX, deep nesting and a
//!   10 MB document are unchecked or checked, never a panic or a hang.

mod common;

use common::{deltaform, snapshot_settings};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `check` on `files` with `extra` arguments, as JSON, and the exit code.
fn check_json(files: &[&Path], extra: &[&str]) -> (Value, i32) {
    let out = deltaform().arg("check").args(files).args(["--format", "json"]).args(extra).output().expect("runs");
    let code = out.status.code().expect("an exit code");
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (json, code)
}

fn claims(json: &Value) -> &Vec<Value> {
    json["documents"][0]["claims"].as_array().expect("claims")
}

/// The lines with a wrong claim.
fn wrong_lines(json: &Value) -> Vec<u64> {
    claims(json).iter().filter(|c| c["verdict"] == "wrong").map(|c| c["line"].as_u64().expect("a line")).collect()
}

fn temp_file(name: &str, text: &str) -> (tempfile_dir::Dir, PathBuf) {
    let dir = tempfile_dir::Dir::new(name);
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("writes");
    (dir, path)
}

/// A scratch directory removed on drop (no extra crate needed).
mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let unique = format!("deltaform-check-{}-{tag}-{:?}", std::process::id(), std::thread::current().id());
            let path = std::env::temp_dir().join(unique.replace(['(', ')'], ""));
            std::fs::create_dir_all(&path).expect("a temp dir");
            Dir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn bundled_documents_check_clean_and_their_reports_are_snapshotted() {
    let dir = root().join("examples/check");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/check")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 2);
    for path in paths {
        let relative = path.strip_prefix(root()).expect("inside the crate").to_str().expect("UTF-8").to_string();
        let out = deltaform().current_dir(root()).args(["check", &relative]).output().expect("runs");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let name = path.file_stem().expect("a name").to_string_lossy().to_string();
        snapshot_settings().bind(|| insta::assert_snapshot!(format!("bundled@{name}"), text));
        let (json, _) = check_json(&[&path], &[]);
        let correct = claims(&json).iter().filter(|c| c["verdict"] == "correct").count();
        assert!(correct >= 3, "{relative}: {correct} correct");
        if name == "forward_pass" {
            assert_eq!(out.status.code(), Some(0), "{relative}: {text}");
        }
    }
}

#[test]
fn mutants_are_flagged_at_their_line() {
    let original = std::fs::read_to_string(root().join("examples/check/forward_pass.md")).expect("reads");
    let mutants = [
        ("digit", "0.7503", "0.7530", 7, "swapped"),
        (
            "sign",
            "\\begin{bmatrix} 0.5 \\\\ 1.1 \\end{bmatrix}$$",
            "\\begin{bmatrix} -0.5 \\\\ 1.1 \\end{bmatrix}$$",
            5,
            "entry 1",
        ),
        ("row", "\\begin{bmatrix} 0.5 \\\\ 1.1 \\end{bmatrix}$$", "\\begin{bmatrix} 0.5 \\end{bmatrix}$$", 5, "shape"),
        ("formula", "\\sigma(x)(1 - \\sigma(x))", "\\sigma(x)(1 + \\sigma(x))", 11, "at x ="),
        ("tanh", "1 - \\tanh^2(x)", "1 - \\tanh(x)", 15, "at x ="),
    ];
    for (name, from, to, line, note) in mutants {
        assert!(original.contains(from), "{name}: `{from}` is in the document");
        let (_dir, path) = temp_file(&format!("{name}.md"), &original.replacen(from, to, 1));
        let (json, code) = check_json(&[&path], &[]);
        assert_eq!(code, 1, "{name}");
        assert_eq!(wrong_lines(&json), vec![line], "{name}: {json}");
        let wrong = claims(&json).iter().find(|c| c["verdict"] == "wrong").expect("a wrong claim");
        assert!(wrong["note"].as_str().expect("a note").contains(note), "{name}: {wrong}");
    }
}

#[test]
fn a_wrong_substituted_number_is_named() {
    let (json, code) = check_json(&[&root().join("examples/check/softmax_step.md")], &[]);
    assert_eq!(code, 1);
    let wrong = claims(&json).iter().find(|c| c["verdict"] == "wrong").expect("a wrong claim");
    assert_eq!(wrong["line"], 5);
    assert!(wrong["note"].as_str().expect("a note").contains("`e^{0.8832}` is 2.4186, written 2.4182"), "{wrong}");
}

#[test]
fn generated_solutions_check_clean_against_their_exercise() {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    examples.sort();
    for exercise in examples {
        let markdown = deltaform().args(["run", "--format", "markdown"]).arg(&exercise).output().expect("runs");
        assert!(markdown.status.success(), "{}", exercise.display());
        let text = String::from_utf8(markdown.stdout).expect("UTF-8");
        let (_dir, path) = temp_file("solution.md", &text);
        let exercise_arg = exercise.to_str().expect("UTF-8");
        let (json, code) = check_json(&[&path], &["--exercise", exercise_arg]);
        assert_eq!((code, wrong_lines(&json)), (0, vec![]), "{}: {json}", exercise.display());
        // With the numbers plugged into each formula (`--substitute`), still nothing is wrong:
        // the plugged-in numbers are rounded, and the checker allows what that carries.
        let substituted =
            deltaform().args(["run", "--format", "markdown", "--substitute"]).arg(&exercise).output().expect("runs");
        let (_sdir, spath) = temp_file("substituted.md", &String::from_utf8(substituted.stdout).expect("UTF-8"));
        let (sjson, scode) = check_json(&[&spath], &["--exercise", exercise_arg]);
        assert_eq!((scode, wrong_lines(&sjson)), (0, vec![]), "{} --substitute: {sjson}", exercise.display());
        // Most of what the solution states is judged, and correct.
        let correct = claims(&json).iter().filter(|c| c["verdict"] == "correct").count();
        let total = claims(&json).len();
        assert!(correct >= 14 && 4 * correct >= 3 * total, "{}: {correct} of {total} correct", exercise.display());
        // Without the exercise, the layer formulas the solution states determine its values.
        let (json, code) = check_json(&[&path], &[]);
        assert_eq!((code, wrong_lines(&json)), (0, vec![]), "{} alone: {json}", exercise.display());
        // A digit changed in the first delta is flagged at its line (an exercise that only
        // evaluates its queries has none).
        let delta = text.lines().enumerate().find(|(_, l)| l.starts_with("\\delta^{[") && l.contains("bmatrix"));
        let Some((line_no, line)) = delta else {
            assert!(text.contains("Training: none") || text.contains("none (no [train])"), "{}", exercise.display());
            continue;
        };
        let mutated_line = mutate_first_digit(line);
        let mutated: String = text
            .lines()
            .enumerate()
            .map(|(k, l)| if k == line_no { mutated_line.clone() } else { l.to_string() } + "\n")
            .collect();
        let (_dir, path) = temp_file("mutant.md", &mutated);
        let (json, code) = check_json(&[&path], &["--exercise", exercise_arg]);
        assert_eq!(code, 1, "{}: {mutated_line}", exercise.display());
        assert!(wrong_lines(&json).contains(&(line_no as u64 + 1)), "{}: {json}", exercise.display());
    }
}

/// A solution written with folded biases (`W^{[1]} [1; x]`, `\delta [1; x]^T`) is judged against
/// a folded exercise: the stacked vectors are read, and a wrong gradient entry is caught.
#[test]
fn folded_bias_solutions_are_judged() {
    let exercise = "[network]\nlayers = [2, 2, 1]\nactivation = \"sigmoid\"\noutput = \"identity\"\n\
                    loss = \"squared_error\"\nbias = \"folded\"\n[init]\nW1 = [[0.1, 0.2, 0.3], [-0.1, 0.4, 0.5]]\n\
                    W2 = [[0.2, 0.5, -0.5]]\n[train]\nrate = 0.1\n[[sample]]\nx = [1, 2]\ny = [1]\n";
    let document = |dw1: &str| {
        format!(
            "$$z^{{[1]}} = W^{{[1]}} \\begin{{bmatrix}} 1 \\\\ x \\end{{bmatrix}} = \\begin{{bmatrix}} 0.9 \\\\ 1.3 \\end{{bmatrix}}$$\n\n\
             $$a^{{[1]}} = \\sigma(z^{{[1]}}) = \\begin{{bmatrix}} 0.7109 \\\\ 0.7858 \\end{{bmatrix}}$$\n\n\
             $$z^{{[2]}} = W^{{[2]}} \\begin{{bmatrix}} 1 \\\\ a^{{[1]}} \\end{{bmatrix}} = 0.1626$$\n\n\
             $$\\delta^{{[1]}} = \\begin{{bmatrix}} -0.08605 \\\\ 0.07047 \\end{{bmatrix}}$$\n\n\
             $$\\frac{{\\partial E}}{{\\partial W^{{[1]}}}} = \\delta^{{[1]}} \\begin{{bmatrix}} 1 \\\\ x \\end{{bmatrix}}^T = \\begin{{bmatrix}} {dw1} \\end{{bmatrix}}$$\n"
        )
    };
    let (_edir, exercise_path) = temp_file("folded.toml", exercise);
    let exercise_arg = exercise_path.to_str().expect("UTF-8");
    let (_dir, right) =
        temp_file("right.md", &document("-0.08605 & -0.08605 & -0.1721 \\\\ 0.07047 & 0.07047 & 0.1409"));
    let (json, code) = check_json(&[&right], &["--exercise", exercise_arg]);
    assert_eq!((code, wrong_lines(&json)), (0, vec![]), "{json}");
    assert!(claims(&json).iter().filter(|c| c["verdict"] == "correct").count() >= 6, "{json}");
    let (_dir, wrong) =
        temp_file("wrong.md", &document("-0.08605 & -0.08605 & -0.1721 \\\\ 0.07047 & 0.07047 & 0.1490"));
    let (json, code) = check_json(&[&wrong], &["--exercise", exercise_arg]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![9]), "{json}");
}

/// In a batch step, one sample's net, activation, delta or loss written alone is that
/// sample's (the loss may be the step's total); a column of a weight gradient is not the
/// gradient, and a loss that is none of them is wrong.
#[test]
fn one_sample_of_a_batch_step_is_judged_as_a_sample() {
    let batch = root().join("examples/seed_003_regression_folded_bias.toml");
    let text = "$$z^{[2]} \\approx 0.0567491$$\n\n$$E \\approx 281.7$$\n\n$$E \\approx 150$$\n\n\
                $$\\frac{\\partial E}{\\partial W^{[2]}} \\approx -30.041$$\n";
    let (_dir, path) = temp_file("batch.md", text);
    let (json, code) = check_json(&[&path], &["--exercise", batch.to_str().expect("UTF-8")]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![5, 7]), "{json}");
    let sgd = root().join("examples/seed_ex1_sigmoid.toml");
    let text = "$$\\frac{\\partial E}{\\partial W^{[2]}} \\approx \\begin{bmatrix} -0.0626465 \\\\ 0.0738812 \\end{bmatrix}$$\n";
    let (_dir, path) = temp_file("sgd.md", text);
    let (json, code) = check_json(&[&path], &["--exercise", sgd.to_str().expect("UTF-8")]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![1]), "{json}");
}

/// `≈` before a whole number or a power of ten rounds its last digit as it does for decimals;
/// `=` before a whole number means that number.
#[test]
fn approximately_rounds_whole_numbers_too() {
    let exercise = "[network]\nlayers = [1, 1]\noutput = \"identity\"\nloss = \"squared_error\"\n[init]\n\
                    W1 = [[1000.3]]\n[train]\nrate = 0.1\n[[sample]]\nx = [51.79]\ny = [0]\n";
    let (_edir, exercise_path) = temp_file("big.toml", exercise);
    let exercise_arg = exercise_path.to_str().expect("UTF-8");
    // z1 = 51805.537, E = z1^2/2 = 1341906831.8...
    let text = "$$z^{[1]} \\approx 51806$$\n\n$$E \\approx 1.34191 \\times 10^{9}$$\n\n$$z^{[1]} = 51806$$\n";
    let (_dir, path) = temp_file("big.md", text);
    let (json, code) = check_json(&[&path], &["--exercise", exercise_arg]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![5]), "{json}");
    assert_eq!(claims(&json).iter().filter(|c| c["verdict"] == "correct").count(), 2, "{json}");
}

/// `line` with the first nonzero digit after `=` (or `\approx`) changed.
fn mutate_first_digit(line: &str) -> String {
    let start = line.find('=').or_else(|| line.find("\\approx")).expect("an equation");
    let at = line[start..].find(|c: char| ('1'..='9').contains(&c)).expect("a digit") + start;
    let digit = line.as_bytes()[at];
    let changed = if digit == b'9' { '1' } else { (digit + 1) as char };
    format!("{}{changed}{}", &line[..at], &line[at + 1..])
}

#[test]
fn the_exercise_catches_a_document_solving_another() {
    let solved = root().join("examples/seed_ex2a_tanh_sgd_bias_0.toml");
    let asked = root().join("examples/seed_ex2a_tanh_sgd_bias_0.1.toml");
    let markdown = deltaform().args(["run", "--format", "markdown"]).arg(&solved).output().expect("runs");
    let (_dir, path) = temp_file("biases.md", &String::from_utf8(markdown.stdout).expect("UTF-8"));
    let (json, code) = check_json(&[&path], &["--exercise", asked.to_str().expect("UTF-8")]);
    assert_eq!(code, 1);
    let first = claims(&json).iter().find(|c| c["verdict"] == "wrong").expect("a wrong claim");
    assert!(first["text"].as_str().expect("text").starts_with("b^{[1]}"), "{first}");
    assert!(first["note"].as_str().expect("a note").contains("not the exercise's b1"), "{first}");
    // Without the exercise, the same document is consistent.
    let (json, code) = check_json(&[&path], &[]);
    assert_eq!((code, wrong_lines(&json)), (0, vec![]));
}

#[test]
fn an_exercise_names_a_documents_own_notation() {
    let exercise = std::fs::read_to_string(root().join("examples/seed_ex1_sigmoid.toml")).expect("reads")
        + "\n[check.names]\n\"x_{new}^{[2]}\" = \"query.a2\"\n";
    let (_dir, exercise_path) = temp_file("named.toml", &exercise);
    let doc = "The class of the query:\n\n$$x_{new}^{[2]} = \\begin{bmatrix} 0.5944 \\\\ 0.4772 \\end{bmatrix}$$\n";
    let (_dir2, doc_path) = temp_file("named.md", doc);
    let args = ["--exercise", exercise_path.to_str().expect("UTF-8")];
    let (json, code) = check_json(&[&doc_path], &args);
    assert_eq!(code, 0, "{json}");
    assert_eq!(claims(&json)[0]["note"], "the exercise's a2");
    let (_dir3, wrong_path) = temp_file("named-wrong.md", &doc.replace("0.5944", "0.5411"));
    let (json, code) = check_json(&[&wrong_path], &args);
    assert_eq!((code, wrong_lines(&json)), (1, vec![3]), "the step's a2 is not the query's: {json}");
}

#[test]
fn seed_documents_reports_are_snapshotted() {
    let seeds = root().join("../shared/seeds");
    let Ok(entries) = std::fs::read_dir(&seeds) else {
        eprintln!("{} is not here: the seed reports are not checked", seeds.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("entry").path()).collect();
    paths.sort();
    for path in paths {
        let (json, _) = check_json(&[&path], &[]);
        let report: String = claims(&json)
            .iter()
            .map(|c| {
                let text: String = c["text"].as_str().unwrap_or("").chars().take(70).collect();
                format!(
                    "{:>4} {:<9} {text} | {}\n",
                    c["line"],
                    c["verdict"].as_str().unwrap_or(""),
                    c["note"].as_str().unwrap_or("")
                )
            })
            .collect();
        let summary = &json["summary"];
        let name = path.file_stem().expect("a name").to_string_lossy()[..3].to_string();
        let header = format!("summary: {summary}\n");
        snapshot_settings().bind(|| insta::assert_snapshot!(format!("seed@{name}"), header + &report));
    }
}

#[test]
fn answers_files_are_judged_against_the_exercise_and_the_engine() {
    let answers = root().join("examples/check/answers_ex1.toml");
    let exercise = root().join("examples/seed_ex1_sigmoid.toml");
    let (json, code) = check_json(&[&answers], &["--exercise", exercise.to_str().expect("UTF-8")]);
    assert_eq!((code, wrong_lines(&json)), (0, vec![]), "{json}");
    assert_eq!(json["summary"]["correct"], 9);
    // Without the exercise the numbers are unchecked, never correct; the formulas still are.
    let (json, _) = check_json(&[&answers], &[]);
    assert_eq!((json["summary"]["correct"].as_u64(), json["summary"]["unchecked"].as_u64()), (Some(2), Some(7)));
    // A wrong entry and a wrong formula are flagged at their lines; a bad file exits 2.
    let text = std::fs::read_to_string(&answers)
        .expect("reads")
        .replace("0.1344", "0.1434")
        .replace("(1 - sigmoid", "(1 + sigmoid");
    let (_dir, path) = temp_file("answers.toml", &text);
    let (json, code) = check_json(&[&path], &["--exercise", exercise.to_str().expect("UTF-8")]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![8, 19]), "{json}");
    let (_dir, path) = temp_file("bad.toml", "[[steps]]\nz1 = 1\n");
    let out = deltaform().arg("check").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an answers file"));
}

/// Cases an independent review found misjudged, each with the verdict it must get.
#[test]
fn reviewed_cases_get_the_right_verdict() {
    let doc = [
        "Let $a = 5$ and $b = 2$, $w = [1; 2]$, $v = [3; 4]$, $x = [3; 7]$.", // 1: givens
        "$$c = a \\cdot b = 11$$",                                            // 2: givens are exact
        "$$d = a + b = 7$$",                                                  // 3
        "$$0.1 \\cdot 0.2 = 0.1$$",                                           // 4: a short number is a rounding
        "$$\\sigma(0.2) = 0.55$$",                                            // 5
        "$$\\sigma(0.2) = 0.6$$",                                             // 6
        "$$\\sigma(0.2) = 0.5499$$",                                          // 7: a long one may be one off
        "$$\\sigma(1) \\approx 0.73 \\approx 1$$",                            // 8: \\approx rounds whole numbers
        "$$\\text{ReLU}(-2) = -2$$",                                          // 9: a function in \\text
        "$$2.46e-5 \\cdot 2 = 4.92e-5$$",                                     // 10: e-notation
        "$$w \\cdot v = 11$$",                                                // 11: a dot product is not read
        "$$x_2 = 3$$",                                                        // 12: a component
        "$$\\sum_{i=1}^{2} w_i v_i = 10$$",                                   // 13: components under a sum
        "$$\\sum_{i=1}^{2} w_i v_i = 11$$",                                   // 14
        "$$W = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}, \\quad W^2 = W$$", // 15: a matrix power
    ]
    .join("\n");
    let (_dir, path) = temp_file("reviewed.md", &doc);
    let (json, _) = check_json(&[&path], &[]);
    let verdict = |line: u64| -> Vec<String> {
        claims(&json)
            .iter()
            .filter(|c| c["line"] == line)
            .map(|c| c["verdict"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let expected: [(u64, &[&str]); 14] = [
        (2, &["wrong"]),
        (3, &["correct"]),
        (4, &["wrong"]),
        (5, &["correct"]),
        (6, &["wrong"]),
        (7, &["correct"]),
        (8, &["correct", "correct"]),
        (9, &["wrong"]),
        (10, &["correct"]),
        (11, &["unchecked"]),
        (12, &["wrong"]),
        (13, &["wrong"]),
        (14, &["correct"]),
        (15, &["unchecked", "unchecked"]),
    ];
    for (line, verdicts) in expected {
        assert_eq!(verdict(line), verdicts, "line {line}: {json}");
    }
    // Data with three digits is exact: 1000 times 0.125 is 125.
    let (_dir, path) = temp_file("data.md", "$$y = 1000 \\cdot 0.125 = 125.4$$\n");
    assert_eq!(wrong_lines(&check_json(&[&path], &[]).0), vec![1]);
    // An assumption the document states is used for the formulas after it.
    let softmax = "The target is one-hot: $\\sum_i y_i = 1$.\n\n$$L = -\\sum_i y_i \\log \\hat{y}_i, \\quad \\hat{y}_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}$$\n\n$$\\frac{\\partial L}{\\partial z_k} = \\hat{y}_k - y_k$$\n";
    let (_dir, path) = temp_file("assumption.md", softmax);
    let (json, code) = check_json(&[&path], &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(claims(&json).iter().find(|c| c["line"] == 5).expect("the derivative")["verdict"], "correct");
    // A sum too long to sample is unchecked at once, not evaluated at hundreds of points.
    let (_dir, path) = temp_file("long.md", "$$\\sum_{i=1}^{1000000} x i = x \\sum_{i=1}^{1000000} i$$\n");
    assert_eq!(claims(&check_json(&[&path], &[]).0)[0]["verdict"], "unchecked");
    // An update is the value after the one the quantity had, not the initial one again.
    let exercise = root().join("examples/seed_ex1_sigmoid.toml");
    let update = "$$W^{[2]} = W^{[2]} - \\eta \\frac{\\partial E}{\\partial W^{[2]}} = \\begin{bmatrix} 0.1 & 0.1 & 0.1 \\\\ 0.1 & 0.1 & 0.1 \\end{bmatrix}$$\n";
    let (_dir, path) = temp_file("update.md", update);
    let (json, code) = check_json(&[&path], &["--exercise", exercise.to_str().expect("UTF-8")]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![1]), "{json}");
    // A parameter stated during the forward pass is the one in effect there; `b = 0` is a zero bias.
    let forward = "$$z^{[1]} = \\begin{bmatrix} 0.2 \\\\ 0.2 \\\\ 0.2 \\end{bmatrix}$$\n\n$$b^{[2]} = 0$$\n";
    let (_dir, path) = temp_file("forward.md", forward);
    let (json, code) = check_json(&[&path], &["--exercise", exercise.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{json}");
}

#[test]
fn tolerances_reports_and_annotation() {
    let doc = "$$a = \\sigma(0.2) = 0.55$$\n";
    let (_dir, path) = temp_file("tol.md", doc);
    let (json, code) = check_json(&[&path], &[]);
    assert_eq!((code, wrong_lines(&json)), (0, vec![]), "0.55 is sigma(0.2) = 0.549834 to 2 decimals");
    let (json, code) = check_json(&[&path], &["--tol", "abs=1e-4"]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![1]));
    let (_, code) = check_json(&[&path], &["--tol", "sig=2"]);
    assert_eq!(code, 0);
    let bad = deltaform().args(["check", path.to_str().expect("UTF-8"), "--tol", "loose"]).output().expect("runs");
    assert_eq!(bad.status.code(), Some(2));

    let csv = path.with_extension("csv");
    let out = deltaform().arg("check").arg(&path).arg("--report").arg(&csv).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let rows = std::fs::read_to_string(&csv).expect("the report");
    assert_eq!(
        rows.lines().collect::<Vec<_>>(),
        vec!["path,correct,wrong,unchecked", &format!("{},1,0,0", path.display())]
    );

    let wrong = "$$a = \\sigma(0.2) = 0.57$$\n";
    let (_dir2, path) = temp_file("annotate.md", wrong);
    let out = deltaform().arg("check").arg(&path).args(["--format", "markdown"]).output().expect("runs");
    let annotated = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(annotated.starts_with("$$a = \\sigma(0.2) = 0.57$$ **✗ (line 1: expected 0.549834;"), "{annotated}");
    assert!(annotated.contains("0 correct, 1 wrong"), "{annotated}");
}

#[test]
fn bad_input_is_an_error_or_unchecked_never_a_panic() {
    let missing = deltaform().args(["check", "no/such/file.md"]).output().expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.md"));

    let (_dir, binary) = temp_file("binary.md", "\u{0}\u{1}\u{2}$$x = 1$$");
    let out = deltaform().arg("check").arg(&binary).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("binary"));

    let nested = format!("$$y = {}1{} = 1$$\n", "\\frac{1}{".repeat(100), "}".repeat(100));
    let broken =
        "$$x = \\frac{1}{2 = 3$$\n\n$$z = \\begin{bmatrix} 1 & 2 \\\\ 3 \\end{bmatrix}$$\n\n$$\\mathfrak{Q} = 2$$\n";
    for (name, text) in [("nested.md", nested.as_str()), ("broken.md", broken)] {
        let (_dir, path) = temp_file(name, text);
        let (json, code) = check_json(&[&path], &[]);
        assert_ne!(code, 2, "{name}");
        assert!(claims(&json).iter().all(|c| c["verdict"] != "correct"), "{name}: {json}");
        assert!(claims(&json).iter().any(|c| c["verdict"] == "unchecked"), "{name}: {json}");
    }

    // 10 MB of prose with math in it is read and checked; more than 16 MiB is refused.
    let page = format!("{}\n\n$$a = 0.5 + 0.25 = 0.75$$\n\n", "Some prose about the layer. ".repeat(400));
    let big = page.repeat(10_000_000 / page.len());
    let (_dir, path) = temp_file("big.md", &big);
    let out = deltaform().arg("check").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let huge = "x".repeat(17 * 1024 * 1024);
    let (_dir, path) = temp_file("huge.md", &huge);
    let out = deltaform().arg("check").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// Matrix-form answers are judged against the engine's derivative: the right shape and the
/// same entries at random values, a transposed answer told so, a tanh layer's delta written
/// with the sigmoid's derivative caught with the entry that differs.
#[test]
fn matrix_form_formulas_are_judged_entry_by_entry() {
    let answers = root().join("examples/check/answers_matrix.toml");
    let (json, code) = check_json(&[&answers], &[]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![17, 25, 40]), "{json}");
    assert_eq!(json["summary"]["correct"], 2, "{json}");
    let claims = json["documents"][0]["claims"].as_array().expect("claims");
    let note = |line: u64| claims.iter().find(|c| c["line"] == line).expect("a claim")["note"].to_string();
    assert!(note(17).contains("the derivative transposed"), "{}", note(17));
    assert!(note(25).contains("entry [") && note(25).contains("in the derivative"), "{}", note(25));
    let expected = claims.iter().find(|c| c["line"] == 40).expect("a claim")["expected"].clone();
    assert_eq!(expected, "A*x + A^T*x");
    // A wrong shape declaration or a component as the variable is a clear verdict, not a panic.
    let (_dir, path) = temp_file(
        "bad.toml",
        "[[formula]]\nof = \"x^T*x\"\nwrt = \"x[k]\"\nshape = \"x: 3\"\nanswer = \"2*x\"\n\n[[formula]]\nof = \"x^T*x\"\nwrt = \"x\"\nshape = \"x 3\"\nanswer = \"2*x\"\n",
    );
    let (json, code) = check_json(&[&path], &[]);
    assert_eq!((code, json["summary"]["unchecked"].as_u64()), (0, Some(2)), "{json}");
}

/// A document's backprop formulas over layers are judged by the chain rule through the layer's
/// own activation (from the document's forward pass, or the exercise): right at a symbolic layer,
/// wrong with the sigmoid's derivative for tanh units, unchecked for a function nothing defines.
#[test]
fn backprop_formulas_of_layers_are_judged_by_the_chain_rule() {
    let doc = [
        "$$x^{[1]} = \\tanh(z^{[1]}), \\quad x^{[2]} = \\tanh(z^{[2]}), \\quad x^{[3]} = \\tanh(z^{[3]}), \\quad z^{[\\ell]} = w^{[\\ell]} x^{[\\ell-1]} + b^{[\\ell]}$$", // 1
        "$$\\delta^{[\\ell]} = (w^{[\\ell+1]})^T \\delta^{[\\ell+1]} \\circ f'(z^{[\\ell]}) = (w^{[\\ell+1]})^T \\delta^{[\\ell+1]} \\circ (1 - \\tanh^2(z^{[\\ell]}))$$", // 2
        "$$\\delta^{[2]} = (w^{[3]})^T \\delta^{[3]} \\circ \\sigma'(z^{[2]})$$", // 3
        "$$\\delta^{[1]} = (w^{[2]})^T \\delta^{[2]} \\circ s'(z^{[1]})$$", // 4
        "$$\\frac{\\partial E}{\\partial w^{[\\ell]}} = \\delta^{[\\ell]} (x^{[\\ell-1]})^T, \\quad \\frac{\\partial E}{\\partial b^{[\\ell]}} = (\\delta^{[\\ell]})^T$$", // 5
    ]
    .join("\n");
    let (_dir, path) = temp_file("layers.md", &doc);
    let (json, code) = check_json(&[&path], &[]);
    assert_eq!((code, wrong_lines(&json)), (1, vec![3, 5]), "{json}");
    let claims = claims(&json);
    let on = |line: u64| claims.iter().filter(|c| c["line"] == line).collect::<Vec<_>>();
    assert!(on(2).len() == 2 && on(2).iter().all(|c| c["verdict"] == "correct"), "{:?}", on(2));
    assert_eq!(on(3)[0]["expected"], "(1 - tanh(z^[2])^2) .* (w^[3]^T*δ^[3])");
    assert!(on(3)[0]["note"].as_str().unwrap().contains("tanh units"));
    assert_eq!(on(4)[0]["verdict"], "unchecked");
    assert!(on(4)[0]["note"].as_str().unwrap().contains("`s'` is not a function the document defines"));
    assert_eq!(on(5).iter().map(|c| c["verdict"].as_str().unwrap()).collect::<Vec<_>>(), ["correct", "wrong"]);
    // What a hostile review found misjudged: a chain naming two quantities, a numerator that is
    // no loss, a scalar coefficient, `f'(z) \circ W^T \delta`, vectors side by side, a row
    // vector, another convention for the nets.
    let judged = |extra: &[&str]| {
        let (_dir, path) =
            temp_file("more.md", &[doc.as_str()].iter().chain(extra).cloned().collect::<Vec<_>>().join("\n"));
        let (json, _) = check_json(&[&path], &[]);
        self::claims(&json)
            .iter()
            .filter(|c| c["line"].as_u64() > Some(5))
            .map(|c| c["verdict"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let two = "$$\\frac{\\partial E}{\\partial w^{[\\ell]}} = \\frac{\\partial E}{\\partial z^{[\\ell]}} = \\delta^{[\\ell]} (x^{[\\ell-1]})^T$$";
    assert!(!judged(&[two]).contains(&"correct".to_string()), "{:?}", judged(&[two]));
    assert!(judged(&["$$\\frac{\\partial \\eta}{\\partial b^{[2]}} = \\delta^{[2]}$$"]).iter().all(|v| v != "correct"));
    let scaled = "$$\\frac{\\partial E}{\\partial w^{[\\ell]}} = 1 \\cdot \\delta^{[\\ell]} (x^{[\\ell-1]})^T$$";
    assert_eq!(judged(&[scaled]), ["correct"]);
    let reordered = "$$\\delta^{[\\ell]} = f'(z^{[\\ell]}) \\circ (w^{[\\ell+1]})^T \\delta^{[\\ell+1]}$$";
    assert_eq!(judged(&[reordered]), ["correct"]);
    let side_by_side =
        "$$\\delta^{[\\ell]} = (w^{[\\ell+1]})^T \\delta^{[\\ell+1]} \\circ (1 + x^{[\\ell]})(1 - x^{[\\ell]})$$";
    assert_eq!(judged(&[side_by_side]), ["correct"]);
    let row = ["$$\\delta^{[2]} = [0.1 \\ 0.2]$$", "$$\\frac{\\partial E}{\\partial b^{[2]}} = \\delta^{[2]}$$"];
    assert_eq!(judged(&row), ["unchecked", "unchecked"]);
    let other = "$$z^{[2]} = (w^{[2]})^T x^{[1]} + b^{[2]}$$";
    assert_eq!(judged(&[other, reordered]), ["unchecked"]);
    // A delta of two columns with no input written: a batch only when the exercise says so.
    let batch = [
        "$$z^{[\\ell]} = w^{[\\ell]} x^{[\\ell-1]} + b^{[\\ell]}$$",
        "$$\\delta^{[3]} = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\\\ 5 & 6 \\end{bmatrix}$$",
        "$$\\frac{\\partial E}{\\partial b^{[3]}} = \\delta^{[3]} \\begin{bmatrix} 1 \\\\ 1 \\end{bmatrix}$$",
    ]
    .join("\n");
    let (_dir, path) = temp_file("batch.md", &batch);
    // (With the exercise, the made-up values are also judged against its own: that claim is
    // the other one of the line.)
    let bias = |extra: &[&str]| {
        let (json, _) = check_json(&[&path], extra);
        let formula = |c: &&Value| c["line"] == 3 && !c["note"].as_str().unwrap_or("").contains("exercise's");
        self::claims(&json).iter().find(formula).expect("the bias formula")["verdict"].clone()
    };
    assert_eq!(bias(&[]), "unchecked");
    let exercise = root().join("examples/seed_ex3b_softmax_xent_batch_bias_0.toml");
    assert_eq!(bias(&["--exercise", exercise.to_str().expect("UTF-8")]), "correct");
}

/// Entries written one by one (`\delta^{[2]}_1`, `w^{[2]}_{12}`, `W^{[1]}_{2,3}`) are judged
/// against the same entries of the exercise's quantities; in a batch step, against each sample's.
#[test]
fn entries_of_quantities_are_judged_one_by_one_against_the_exercise() {
    let sgd = root().join("examples/seed_ex1_sigmoid.toml");
    let doc = "$z^{[1]}_1 = 0.2$, $a_2^{[1]} = 0.5498$, $W^{[2]}_{1,3} = 0.1$\n\n\
               $\\delta^{[2]}_1 = -0.1139$, $\\delta^{[2]}_2 = 0.2$\n";
    let (_dir, path) = temp_file("entries.md", doc);
    let (json, code) = check_json(&[&path], &["--exercise", sgd.to_str().unwrap()]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["documents"][0]["summary"], serde_json::json!({"correct": 4, "wrong": 1}));
    let wrong: Vec<&Value> = claims(&json).iter().filter(|c| c["verdict"] == "wrong").collect();
    assert_eq!((wrong[0]["line"].as_u64(), wrong[0]["expected"].as_str()), (Some(3), Some("0.13437")), "{json}");
    let batch = root().join("examples/seed_ex2b_tanh_batch_bias_0.toml");
    let (_dir, path) = temp_file("batch_entries.md", "$\\delta^{[2]}_2 = -0.06653$ and $\\delta^{[2]}_2 = 0.0001$\n");
    let (json, _) = check_json(&[&path], &["--exercise", batch.to_str().unwrap()]);
    let verdicts: Vec<&str> = claims(&json).iter().map(|c| c["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["correct", "wrong"], "{json}");
    assert!(claims(&json)[1]["note"].as_str().unwrap().contains("any of the step's 2 samples"), "{json}");
}

/// Each entry of one update is that step's update; a number is judged within the step it is
/// first found in (not matched by chance to a later step's value); a weight matrix of one
/// column has entries `w_{j1}`.
#[test]
fn entries_are_judged_in_their_own_step() {
    let updates = "$$w^{[2]}_{11} = w^{[2]}_{11} - 0.1 \\cdot (-0.004378) = 0.33377$$\n\n\
                   $$w^{[2]}_{12} = w^{[2]}_{12} - 0.1 \\cdot (-0.014236) = 0.50142$$\n\n\
                   $$w^{[2]}_{21} = w^{[2]}_{21} - 0.1 \\cdot (-0.052527) = -0.32808$$\n";
    let (_dir, path) = temp_file("updates.md", updates);
    let exercise = root().join("examples/exact_until_too_large.toml");
    let (json, code) = check_json(&[&path], &["--exercise", exercise.to_str().unwrap()]);
    assert_eq!((code, wrong_lines(&json)), (0, vec![]), "{json}");
    // Two samples, one SGD step each: sample 2's activation is not sample 1's.
    let relu = std::fs::read_to_string(root().join("examples/relu_exact.toml")).unwrap();
    let sgd = relu.replace("steps = 2", "steps = 1").replace("mode = \"batch\"", "mode = \"sgd\"");
    let (_edir, sgd_path) = temp_file("sgd2.toml", &sgd);
    let (_ddir, doc) = temp_file("chance.md", "$$a^{[1]}_2 = 0$$\n\n$$\\delta^{[2]}_1 = -0.43333$$\n");
    let (json, _) = check_json(&[&doc], &["--exercise", sgd_path.to_str().unwrap()]);
    let verdicts: Vec<&str> = claims(&json).iter().map(|c| c["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["wrong", "correct"], "{json}");
    assert_eq!(claims(&json)[0]["expected"], "0.133333", "{json}");
    let column = "[network]\nlayers = [1, 12, 1]\nactivation = \"sigmoid\"\noutput = \"identity\"\n\
                  loss = \"squared_error\"\n[init]\nW1 = [[0.01], [0.02], [0.03], [0.04], [0.05], [0.06], \
                  [0.07], [0.08], [0.09], [0.10], [0.11], [0.12]]\nweights = 0.1\nbiases = 0\n[train]\n\
                  rate = 0.1\n[[sample]]\nx = [1]\ny = [1]\n";
    let (_cdir, column_path) = temp_file("one_input.toml", column);
    let (_odir, doc) =
        temp_file("column.md", "$w^{[1]}_{11} = 0.01$, $w^{[1]}_{21} = 0.02$, $W^{[1]}_{11,1} = 0.11$\n");
    let (json, code) = check_json(&[&doc], &["--exercise", column_path.to_str().unwrap()]);
    assert_eq!((code, json["documents"][0]["summary"]["correct"].as_u64()), (0, Some(3)), "{json}");
}
