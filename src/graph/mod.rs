//! Computation graphs: an output expression over scalar definitions (`z1 = w1*x1`,
//! `h1 = relu(z1)`, ...) as nodes and edges, each edge with its local gradient, each node with its
//! adjoint `∂L/∂node` (derived through the definitions downstream of it), forward values and
//! adjoint values at a point, and ([`given`]) which gradients are identically zero when the
//! signs of some nodes are known.

pub mod given;

use crate::defs::Definitions;
use crate::derive::{derive_parsed, value_at, Context};
use crate::diff::Wrt;
use crate::egraph::Limits;
use crate::eval::value::{Env, Value};
use crate::eval::EvalError;
use crate::syntax::ast::{Expr, Node, Statement};
use std::collections::BTreeSet;
use std::fmt;

/// One node: an input (a name with no definition), an intermediate (a definition) or the output.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphNode {
    /// The node's name (`L` for the output unless named otherwise).
    pub name: String,
    /// Its definition's right side (none for an input).
    pub body: Option<Expr>,
    /// `∂L/∂node`, in the names of the graph.
    pub adjoint: Expr,
}

/// One edge, from an operand to the node whose body uses it, with the local gradient
/// `∂to/∂from` (the other operands held fixed).
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The operand.
    pub from: String,
    /// The node using it.
    pub to: String,
    /// `∂to/∂from`.
    pub local: Expr,
}

/// A computation graph, nodes in order of evaluation (inputs first, the output last).
#[derive(Clone, Debug)]
pub struct Graph {
    /// The nodes.
    pub nodes: Vec<GraphNode>,
    /// The edges.
    pub edges: Vec<Edge>,
    /// The definitions the graph was built from (the output's among them).
    pub definitions: Definitions,
}

/// Why a graph cannot be built.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphError(pub String);

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Graph {
    /// The graph of `output` (named `name`) over the scalar `definitions`.
    pub fn build(output: &Expr, name: &str, definitions: &Definitions, limits: &Limits) -> Result<Graph, GraphError> {
        if let Some(d) = definitions.iter().find(|d| !d.params.is_empty()) {
            return Err(GraphError(format!(
                "`{}` has indices: a graph takes scalar definitions (use derive --shape for vectors and matrices)",
                d.name
            )));
        }
        if definitions.get(name).is_some() || output.free_names().contains(name) {
            return Err(GraphError(format!("the output's name `{name}` is taken: choose another with --name")));
        }
        let mut all = definitions.clone();
        all.add(Statement::Equation(Expr::var(name), output.clone())).map_err(|e| GraphError(e.message))?;
        let order = evaluation_order(&all, name);
        let mut edges = vec![];
        for to in &order {
            let Some(def) = all.get(to) else { continue };
            // The node's own definition folds its body back into its name (`y*(1 - y)`).
            let mut own = Definitions::default();
            own.add(def.statement()).map_err(|e| GraphError(e.message))?;
            for from in uses_in_order(&def.body) {
                let local = derivative(&def.body, &from, &own, limits)?;
                edges.push(Edge { from, to: to.clone(), local });
            }
        }
        let mut nodes = vec![];
        for n in &order {
            let adjoint = if n == name {
                Expr::int(1)
            } else {
                // n is a variable here: every definition but its own (none of them depends on
                // it but those downstream, which the chain rule goes through).
                let mut others = Definitions::default();
                for d in all.iter().filter(|d| &d.name != n) {
                    others.add(d.statement()).map_err(|e| GraphError(e.message))?;
                }
                derivative(output, n, &others, limits)?
            };
            nodes.push(GraphNode { name: n.clone(), body: all.get(n).map(|d| d.body.clone()), adjoint });
        }
        Ok(Graph { nodes, edges, definitions: all })
    }

    /// The inputs (nodes without a definition), in order.
    pub fn inputs(&self) -> impl Iterator<Item = &GraphNode> {
        self.nodes.iter().filter(|n| n.body.is_none())
    }

    /// The forward value of every node at the inputs bound in `env`: `env` with every node bound.
    pub fn forward(&self, env: &Env) -> Result<Env, EvalError> {
        let mut env = env.clone();
        for node in &self.nodes {
            if let Some(body) = &node.body {
                let value = crate::eval::eval(body, &env)?;
                env.bind(&node.name, value);
            }
        }
        Ok(env)
    }

    /// The value of `e` (a local gradient or an adjoint) with every node's forward value bound.
    pub fn value(&self, e: &Expr, forward: &Env) -> Result<Value, EvalError> {
        value_at(e, &Definitions::default(), &[], forward)
    }
}

/// The names `output` depends on, each after everything it uses: the inputs first (in order
/// of first use), then the definitions.
fn evaluation_order(all: &Definitions, output: &str) -> Vec<String> {
    fn visit(name: &str, all: &Definitions, seen: &mut BTreeSet<String>, order: &mut Vec<String>) {
        if !seen.insert(name.to_string()) {
            return;
        }
        if let Some(def) = all.get(name) {
            for used in uses_in_order(&def.body) {
                visit(&used, all, seen, order);
            }
        }
        order.push(name.to_string());
    }
    let mut order = vec![];
    visit(output, all, &mut BTreeSet::new(), &mut order);
    // Inputs first, in the order the definitions (in dependency order) first use them.
    let defined: Vec<String> = order.into_iter().filter(|n| all.get(n).is_some()).collect();
    let mut inputs: Vec<String> = vec![];
    for name in &defined {
        for used in uses_in_order(&all.get(name).expect("defined").body) {
            if all.get(&used).is_none() && !inputs.contains(&used) {
                inputs.push(used);
            }
        }
    }
    inputs.into_iter().chain(defined).collect()
}

/// The free names of `e` in order of first appearance.
fn uses_in_order(e: &Expr) -> Vec<String> {
    fn names(e: &Expr, free: &BTreeSet<String>, order: &mut Vec<String>) {
        if let Node::Var(v) = &e.node {
            if free.contains(v) && !order.contains(v) {
                order.push(v.clone());
            }
        }
        for child in e.children() {
            names(child, free, order);
        }
    }
    let mut order = vec![];
    names(e, &e.free_names(), &mut order);
    order
}

/// `∂e/∂var` through `definitions`, simplified and checked numerically.
fn derivative(e: &Expr, var: &str, definitions: &Definitions, limits: &Limits) -> Result<Expr, GraphError> {
    let context =
        Context { definitions: definitions.clone(), limits: limits.clone(), self_check: true, ..Default::default() };
    let d = derive_parsed(e.clone(), Wrt::Scalar(var.to_string()), context)
        .map_err(|err| GraphError(format!("d/d{var} of {e}: {err}")))?;
    if let Some(message) = d.disagreement() {
        return Err(GraphError(format!("d/d{var} of {e}: {message}")));
    }
    Ok(d.result().clone())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::derive::parse_context;
    use crate::eval::bindings::parse_bindings;
    use crate::syntax::parse::parse_expr;

    /// The seed's ReLU network: three layers of single ReLU units.
    pub(super) fn relu_network() -> Graph {
        // The network the integration tests and benchmarks use, from their shared file.
        let lets: Vec<String> =
            include_str!("../../tests/common/relu_network.lets").lines().map(String::from).collect();
        let (defs, _) = parse_context(&lets, &[]).unwrap();
        Graph::build(&parse_expr("1/2*(y - t)^2").unwrap(), "L", &defs, &Limits::default()).unwrap()
    }

    #[test]
    fn nodes_come_in_evaluation_order_with_local_gradients() {
        let g = relu_network();
        let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names.first(), Some(&"w1"));
        assert_eq!(names.last(), Some(&"L"));
        let position = |n: &str| names.iter().position(|m| *m == n).unwrap();
        assert!(position("z1") < position("h1") && position("h1") < position("z3") && position("z") < position("y"));
        let edge = g.edges.iter().find(|e| e.from == "z1" && e.to == "h1").unwrap();
        assert_eq!(edge.local.to_string(), "step(z1)");
        let adjoint = |n: &str| g.nodes.iter().find(|m| m.name == n).unwrap().adjoint.to_string();
        assert_eq!(adjoint("w3"), "(y - t)*step(z)*h3");
        assert_eq!(adjoint("y"), "y - t");
        assert_eq!(adjoint("L"), "1");
    }

    #[test]
    fn forward_values_and_adjoint_values() {
        let g = relu_network();
        let env = parse_bindings("x1=1, w1=-1, w2=2, w3=3, w4=1, w5=1, w6=1, w7=1, h2=1, t=0").unwrap();
        let forward = g.forward(&env).unwrap();
        assert_eq!(forward.get("h1").unwrap().to_string(), "0");
        assert_eq!(forward.get("y").unwrap().to_string(), "4");
        let w3 = g.nodes.iter().find(|n| n.name == "w3").unwrap();
        // (y - t)*step(z)*h3 = 4*1*1
        assert_eq!(g.value(&w3.adjoint, &forward).unwrap().to_string(), "4");
    }
}
