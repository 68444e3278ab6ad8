//! `deltaform graph`: the computation graph of an output over scalar definitions, as text,
//! Graphviz DOT, Mermaid or JSON: every node with its adjoint, every edge with its local
//! gradient, values at `--at`, and with `--given` the inputs whose gradient is identically zero.

use super::engine_cmds::{expression, LimitArgs};
use super::expr_cmds::at_bindings;
use super::{Failure, Output};
use crate::derive::parse_context;
use crate::eval::value::Env;
use crate::eval::EvalError;
use crate::graph::given::{zero_gradients, Given, Verdict, ZeroGradient};
use crate::graph::{Graph, GraphNode};
use crate::syntax::diagnostic::{Diagnostic, Problem};
use clap::{Args, ValueEnum};
use serde_json::json;

/// Output formats of `graph`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Nodes, edges, adjoints and verdicts, one a line.
    #[default]
    Text,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (Markdown, GitHub).
    Mermaid,
    /// JSON for tools.
    Json,
}

/// Arguments of `deltaform graph`.
#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The output (the loss), in the names of the definitions: `1/2*(y - t)^2`.
    #[arg(allow_hyphen_values = true)]
    expr: String,
    /// A node, `z1 = w1*x1` (repeatable); names without a definition are inputs.
    #[arg(long = "let", allow_hyphen_values = true)]
    lets: Vec<String>,
    /// The output's name.
    #[arg(long, default_value = "L")]
    name: String,
    /// Values of the inputs, 'x1=1, w1=-1/2' (repeatable): every node's forward value, every
    /// local gradient's and adjoint's value.
    #[arg(long)]
    at: Vec<String>,
    /// A sign known for a node or input, `z1 < 0` (also <=, >, >=, =) (repeatable): the inputs
    /// whose gradient is then identically zero are listed with the reason.
    #[arg(long, allow_hyphen_values = true)]
    given: Vec<String>,
    /// The inputs whose gradients to report (default: every input), `w1, w2, w3`.
    #[arg(long)]
    wrt: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: GraphFormat,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Everything the formats print: the graph, its values at a point, the verdicts.
struct Report {
    graph: Graph,
    name: String,
    forward: Option<Env>,
    reported: Vec<String>,
    givens: Vec<Given>,
    zeros: Vec<ZeroGradient>,
}

/// Builds the graph and prints it in the format asked for.
pub fn graph_cmd(args: &GraphArgs) -> Result<Output, Failure> {
    let json_errors = if args.format == GraphFormat::Json { super::ExprFormat::Json } else { super::ExprFormat::Text };
    let fail = |d: Diagnostic| Failure::new(d, json_errors);
    let output = expression(&args.expr, "EXPR", json_errors)?;
    let (definitions, _) = parse_context(&args.lets, &[]).map_err(|d| fail(*d))?;
    let limits = args.limits.limits();
    let graph = Graph::build(&output, &args.name, &definitions, &limits)
        .map_err(|e| fail(Diagnostic::plain("bad_graph", e.to_string())))?;
    let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
    let mut givens = vec![];
    for text in &args.given {
        let given = Given::parse(text).map_err(|m| fail(Diagnostic::plain("bad_given", format!("--given: {m}"))))?;
        if !names.contains(&given.name.as_str()) {
            let message = format!("--given: `{}` is not a node of the graph ({})", given.name, names.join(", "));
            return Err(fail(Diagnostic::plain("bad_given", message)));
        }
        givens.push(given);
    }
    crate::signs::consistent(&givens).map_err(|m| fail(Diagnostic::plain("bad_given", format!("--given: {m}"))))?;
    let inputs: Vec<String> = graph.inputs().map(|n| n.name.clone()).collect();
    let reported: Vec<String> = match &args.wrt {
        None => inputs.clone(),
        Some(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
    };
    if let Some(stray) = reported.iter().find(|r| !inputs.contains(r)) {
        let message = format!("--wrt: `{stray}` is not an input of the graph ({})", inputs.join(", "));
        return Err(fail(Diagnostic::plain("bad_usage", message)));
    }
    let forward = forward(args, &graph).map_err(|d| fail(*d))?;
    let zeros = if givens.is_empty() {
        vec![]
    } else {
        zero_gradients(&graph, &givens, &limits)
            .map_err(|m| fail(Diagnostic::plain("internal_error", m)))?
            .into_iter()
            .filter(|z| reported.contains(&z.input))
            .collect()
    };
    let report = Report { graph, name: args.name.clone(), forward, reported, givens, zeros };
    Ok(Output::ok(match args.format {
        GraphFormat::Text => report.text(),
        GraphFormat::Dot => report.dot(),
        GraphFormat::Mermaid => report.mermaid(),
        GraphFormat::Json => format!("{}\n", report.json()),
    }))
}

/// The forward values at `--at`, if given.
fn forward(args: &GraphArgs, graph: &Graph) -> Result<Option<Env>, Box<Diagnostic>> {
    if args.at.is_empty() {
        return Ok(None);
    }
    let env = at_bindings(&args.at)?;
    if let Some(missing) = graph.inputs().find(|n| env.get(&n.name).is_none()) {
        let message = format!("--at gives no value for the input `{}`", missing.name);
        return Err(Box::new(Diagnostic::plain("unbound_name", message)));
    }
    graph.forward(&env).map(Some).map_err(|e| Box::new(value_error(&e)))
}

fn value_error(e: &EvalError) -> Diagnostic {
    Diagnostic::plain(e.kind(), format!("the graph has no value at the point given: {e}"))
}

impl Report {
    /// `= 3/4` after a node or gradient, at the point given.
    fn value_of(&self, e: &crate::syntax::ast::Expr) -> Option<String> {
        let forward = self.forward.as_ref()?;
        Some(self.graph.value(e, forward).map_or_else(|e| format!("(no value: {e})"), |v| v.format(6)))
    }

    fn node_line(&self, n: &GraphNode) -> String {
        let mut line = match &n.body {
            Some(body) => format!("{} = {body}", n.name),
            None => format!("{} (input)", n.name),
        };
        if let Some(value) = self.value_of(&crate::syntax::ast::Expr::var(&n.name)) {
            line += &format!(" = {value}");
        }
        line
    }

    fn adjoint_line(&self, n: &GraphNode) -> String {
        let mut line = format!("d{}/d{} = {}", self.name, n.name, n.adjoint);
        if let Some(value) = self.value_of(&n.adjoint) {
            if value != n.adjoint.to_string() {
                line += &format!(" = {value}");
            }
        }
        line
    }

    fn verdict_line(&self, z: &ZeroGradient) -> String {
        let d = format!("d{}/d{}", self.name, z.input);
        match &z.verdict {
            Verdict::Zero(why) => format!("{d} = 0: {why}"),
            Verdict::NotZero { point, value } => format!("{d} need not be 0: at {point} it is {value}"),
            Verdict::Unknown => {
                format!("{d} = {}: not shown to be 0, and no point tried gives another value", z.folded)
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::from("nodes:\n");
        for n in &self.graph.nodes {
            out += &format!("  {}\n", self.node_line(n));
        }
        out += "edges (local gradients):\n";
        for e in &self.graph.edges {
            let value = self.value_of(&e.local).filter(|v| *v != e.local.to_string());
            out += &format!(
                "  {} -> {}: {}{}\n",
                e.from,
                e.to,
                e.local,
                value.map(|v| format!(" = {v}")).unwrap_or_default()
            );
        }
        out += &format!("adjoints (d{}/dnode):\n", self.name);
        for n in self.graph.nodes.iter().rev().filter(|n| n.body.is_some() || self.reported.contains(&n.name)) {
            out += &format!("  {}\n", self.adjoint_line(n));
        }
        if !self.givens.is_empty() {
            let givens: Vec<String> = self.givens.iter().map(Given::to_string).collect();
            out += &format!("given {}:\n", givens.join(" and "));
            for z in &self.zeros {
                out += &format!("  {}\n", self.verdict_line(z));
            }
        }
        out
    }

    fn is_zero(&self, name: &str) -> bool {
        self.zeros.iter().any(|z| z.input == name && matches!(z.verdict, Verdict::Zero(_)))
    }

    fn labels(&self, n: &GraphNode) -> Vec<String> {
        let mut label = vec![self.node_line(n)];
        if n.body.is_some() || self.reported.contains(&n.name) {
            label.push(self.adjoint_line(n));
        }
        if let Some(z) = self.zeros.iter().find(|z| z.input == n.name) {
            label.push(self.verdict_line(z));
        }
        label
    }

    fn dot(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out =
            String::from("digraph computation {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        for n in &self.graph.nodes {
            let label = self
                .labels(n)
                .iter()
                .map(|l| l.replace('\\', "\\\\").replace('"', "\\\""))
                .collect::<Vec<_>>()
                .join("\\n");
            let style = if self.is_zero(&n.name) { ", color=red, fontcolor=red" } else { "" };
            out += &format!("  {} [label=\"{label}\"{style}];\n", quote(&n.name));
        }
        for e in &self.graph.edges {
            out += &format!("  {} -> {} [label={}];\n", quote(&e.from), quote(&e.to), quote(&e.local.to_string()));
        }
        out += "}\n";
        out
    }

    fn mermaid(&self) -> String {
        // Ids are prefixed (Mermaid reserves words such as `end`); labels are quoted, with
        // `"` written as `#quot;`.
        let id = |name: &str| format!("n_{name}");
        let text = |s: &str| s.replace('"', "#quot;");
        let mut out = String::from("graph LR\n");
        for n in &self.graph.nodes {
            let label = self.labels(n).iter().map(|l| text(l)).collect::<Vec<_>>().join("<br/>");
            out += &format!("  {}[\"{label}\"]\n", id(&n.name));
        }
        for e in &self.graph.edges {
            out += &format!("  {} -->|\"{}\"| {}\n", id(&e.from), text(&e.local.to_string()), id(&e.to));
        }
        for n in self.graph.nodes.iter().filter(|n| self.is_zero(&n.name)) {
            out += &format!("  style {} stroke:#c00,color:#c00\n", id(&n.name));
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        let value = |e: &crate::syntax::ast::Expr| self.value_of(e);
        let nodes: Vec<serde_json::Value> = self
            .graph
            .nodes
            .iter()
            .map(|n| {
                json!({
                    "name": n.name,
                    "definition": n.body.as_ref().map(|b| b.to_string()),
                    "input": n.body.is_none(),
                    "adjoint": n.adjoint.to_string(),
                    "value": value(&crate::syntax::ast::Expr::var(&n.name)),
                    "adjoint_value": value(&n.adjoint),
                })
            })
            .collect();
        let edges: Vec<serde_json::Value> = self
            .graph
            .edges
            .iter()
            .map(|e| json!({"from": e.from, "to": e.to, "local": e.local.to_string(), "value": value(&e.local)}))
            .collect();
        let zeros: Vec<serde_json::Value> = self
            .zeros
            .iter()
            .map(|z| {
                let (verdict, reason, point, at) = match &z.verdict {
                    Verdict::Zero(why) => ("zero", Some(why.clone()), None, None),
                    Verdict::NotZero { point, value } => ("not_zero", None, Some(point.clone()), Some(value.clone())),
                    Verdict::Unknown => ("unknown", None, None, None),
                };
                json!({"input": z.input, "verdict": verdict, "reason": reason, "folded": z.folded.to_string(), "point": point, "value": at})
            })
            .collect();
        json!({
            "output": self.name,
            "nodes": nodes,
            "edges": edges,
            "givens": self.givens.iter().map(Given::to_string).collect::<Vec<_>>(),
            "gradients": zeros,
        })
    }
}
