//! girder-graph: the dependency graph of a configuration.
//!
//! * [`DepGraph`]: vertices (resources, data sources, locals, variables, outputs, module calls,
//!   provider configurations) with a payload of the caller's choice, and edges from a
//!   dependent to what it depends on (references, `depends_on`, provider use).
//!   [`DepGraph::topo_order`] gives dependencies first; a cycle is a [`Diagnostic`] listing each
//!   member with its source location. [`DepGraph::to_dot`] renders DOT for `girder graph`.
//! * [`expand`]: `count` / `for_each` expansion into instance keys and Terraform addresses
//!   (`module.a["x"].aws_subnet.b[0]`), with Terraform's errors for unknown, null, negative or
//!   sensitive values.
//!
//! Invariant: pure — no IO, no async, no printing.

pub mod expand;

use girder_core::{Diagnostic, SourceSpan};
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::Direction;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

/// What a vertex stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VertexKind {
    /// A `resource` block.
    Resource,
    /// A `data` block.
    Data,
    /// A `locals` entry.
    Local,
    /// A `variable` block.
    Variable,
    /// An `output` block.
    Output,
    /// A `module` call.
    Module,
    /// A `provider` configuration.
    Provider,
}

/// Why one vertex depends on another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// An expression refers to it.
    Reference,
    /// `depends_on` names it.
    DependsOn,
    /// The resource uses that provider configuration.
    Provider,
}

/// A vertex: a unique key (the address as Terraform prints it, e.g. `aws_vpc.main`,
/// `module.net.var.cidr`, `provider["registry.terraform.io/hashicorp/aws"]`), its kind, where it
/// is declared, and the caller's payload.
#[derive(Clone, Debug)]
pub struct Vertex<T> {
    /// Unique key; also the label in messages and DOT.
    pub key: String,
    /// What it is.
    pub kind: VertexKind,
    /// Where it is declared.
    pub span: Option<SourceSpan>,
    /// The caller's data.
    pub data: T,
}

/// A vertex handle.
pub type VertexId = NodeIndex;

/// A dependency graph. Edges go from a dependent to its dependency.
#[derive(Clone, Debug)]
pub struct DepGraph<T> {
    g: StableDiGraph<Vertex<T>, EdgeKind>,
    index: HashMap<String, VertexId>,
}

impl<T> Default for DepGraph<T> {
    fn default() -> Self {
        DepGraph {
            g: StableDiGraph::default(),
            index: HashMap::new(),
        }
    }
}

impl<T> DepGraph<T> {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a vertex, or returns the existing one with that key (its data is kept).
    pub fn add(
        &mut self,
        key: impl Into<String>,
        kind: VertexKind,
        span: Option<SourceSpan>,
        data: T,
    ) -> VertexId {
        let key = key.into();
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = self.g.add_node(Vertex {
            key: key.clone(),
            kind,
            span,
            data,
        });
        self.index.insert(key, id);
        id
    }

    /// The vertex with this key.
    pub fn get(&self, key: &str) -> Option<VertexId> {
        self.index.get(key).copied()
    }

    /// A vertex by id.
    pub fn vertex(&self, id: VertexId) -> &Vertex<T> {
        &self.g[id]
    }

    /// A vertex by id, mutably.
    pub fn vertex_mut(&mut self, id: VertexId) -> &mut Vertex<T> {
        &mut self.g[id]
    }

    /// Number of vertices.
    pub fn len(&self) -> usize {
        self.g.node_count()
    }

    /// No vertices?
    pub fn is_empty(&self) -> bool {
        self.g.node_count() == 0
    }

    /// All vertex ids, in insertion order.
    pub fn ids(&self) -> impl Iterator<Item = VertexId> + '_ {
        self.g.node_indices()
    }

    /// Records that `from` depends on `on` (once per kind).
    pub fn depend(&mut self, from: VertexId, on: VertexId, kind: EdgeKind) {
        if self
            .g
            .edges_connecting(from, on)
            .any(|e| *e.weight() == kind)
        {
            return;
        }
        self.g.add_edge(from, on, kind);
    }

    /// What `id` depends on directly.
    pub fn dependencies(&self, id: VertexId) -> Vec<VertexId> {
        let mut v: Vec<_> = self.g.neighbors_directed(id, Direction::Outgoing).collect();
        v.sort();
        v.dedup();
        v
    }

    /// What depends on `id` directly.
    pub fn dependents(&self, id: VertexId) -> Vec<VertexId> {
        let mut v: Vec<_> = self.g.neighbors_directed(id, Direction::Incoming).collect();
        v.sort();
        v.dedup();
        v
    }

    /// `ids` and everything they depend on, transitively (what `-target` includes).
    pub fn with_dependencies(&self, ids: &[VertexId]) -> BTreeSet<VertexId> {
        self.closure(ids, Direction::Outgoing)
    }

    /// `ids` and everything that depends on them, transitively (what destroying them affects).
    pub fn with_dependents(&self, ids: &[VertexId]) -> BTreeSet<VertexId> {
        self.closure(ids, Direction::Incoming)
    }

    fn closure(&self, ids: &[VertexId], dir: Direction) -> BTreeSet<VertexId> {
        let mut seen: BTreeSet<VertexId> = BTreeSet::new();
        let mut stack: Vec<VertexId> = ids.to_vec();
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(self.g.neighbors_directed(id, dir));
            }
        }
        seen
    }

    /// The cycles of the graph: each is the list of its members in cycle order (each depends
    /// on the next, the last on the first), starting at the member added first. Sorted.
    pub fn cycles(&self) -> Vec<Vec<VertexId>> {
        let mut out = Vec::new();
        for scc in petgraph::algo::tarjan_scc(&self.g) {
            let self_loop = scc.len() == 1 && self.g.find_edge(scc[0], scc[0]).is_some();
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let members: BTreeSet<VertexId> = scc.iter().copied().collect();
            let start = *members.iter().next().expect("non-empty");
            out.push(self.cycle_path(start, &members));
        }
        out.sort();
        out
    }

    /// A simple cycle through `start` inside one strongly connected component.
    fn cycle_path(&self, start: VertexId, members: &BTreeSet<VertexId>) -> Vec<VertexId> {
        // Breadth-first search from start's successors back to start, within the component.
        let mut prev: HashMap<VertexId, VertexId> = HashMap::new();
        let mut queue = std::collections::VecDeque::new();
        for n in self.dependencies(start) {
            if members.contains(&n) && !prev.contains_key(&n) {
                prev.insert(n, start);
                queue.push_back(n);
            }
        }
        while let Some(n) = queue.pop_front() {
            if n == start {
                break;
            }
            for m in self.dependencies(n) {
                if members.contains(&m) && !prev.contains_key(&m) {
                    prev.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
        let mut path = vec![];
        let mut cur = start;
        while let Some(&p) = prev.get(&cur) {
            if p == start {
                break;
            }
            path.push(p);
            cur = p;
            if path.len() > members.len() {
                break;
            }
        }
        path.push(start);
        path.reverse();
        path
    }

    /// The diagnostic for a cycle, Terraform's `Cycle: a, b` plus each member's location.
    pub fn cycle_diagnostic(&self, cycle: &[VertexId]) -> Diagnostic {
        let names: Vec<&str> = cycle.iter().map(|&id| self.g[id].key.as_str()).collect();
        let mut detail = String::from(
            "These objects depend on each other, so there is no order in which they can be \
             evaluated:\n",
        );
        for (i, &id) in cycle.iter().enumerate() {
            let v = &self.g[id];
            let next = &self.g[cycle[(i + 1) % cycle.len()]].key;
            let at = v
                .span
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let _ = writeln!(detail, "  {}{at} depends on {next}", v.key);
        }
        let mut d = Diagnostic::error(format!("Cycle: {}", names.join(", ")), detail.trim_end())
            .with_help(
                "Remove one of the references (or depends_on entries) between these objects.",
            );
        for &id in cycle {
            let v = &self.g[id];
            if let Some(s) = &v.span {
                if d.span.is_none() {
                    d.span = Some(s.clone());
                } else {
                    d = d.with_related(v.key.clone(), s.clone());
                }
            }
        }
        d
    }

    /// All vertices, dependencies before dependents (ties in insertion order). Every cycle
    /// is an error diagnostic.
    pub fn topo_order(&self) -> Result<Vec<VertexId>, Vec<Diagnostic>> {
        let cycles = self.cycles();
        if !cycles.is_empty() {
            return Err(cycles.iter().map(|c| self.cycle_diagnostic(c)).collect());
        }
        // Kahn's algorithm with a min-heap for a stable order.
        let mut remaining: HashMap<VertexId, usize> = self
            .g
            .node_indices()
            .map(|n| (n, self.dependencies(n).len()))
            .collect();
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<VertexId>> = remaining
            .iter()
            .filter(|(_, &c)| c == 0)
            .map(|(&n, _)| std::cmp::Reverse(n))
            .collect();
        let mut out = Vec::with_capacity(remaining.len());
        while let Some(std::cmp::Reverse(n)) = ready.pop() {
            out.push(n);
            for d in self.dependents(n) {
                if let Some(c) = remaining.get_mut(&d) {
                    *c -= 1;
                    if *c == 0 {
                        ready.push(std::cmp::Reverse(d));
                    }
                }
            }
        }
        Ok(out)
    }

    /// DOT in the shape of `terraform graph`: one `[root] KEY` node per vertex, resources as
    /// boxes, providers as diamonds, others as notes; edges from dependent to dependency.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph {\n\tcompound = \"true\"\n\tnewrank = \"true\"\n\tsubgraph \"root\" {\n",
        );
        let mut ids: Vec<VertexId> = self.g.node_indices().collect();
        ids.sort_by(|a, b| self.g[*a].key.cmp(&self.g[*b].key));
        for &id in &ids {
            let v = &self.g[id];
            let shape = match v.kind {
                VertexKind::Resource | VertexKind::Data => "box",
                VertexKind::Provider => "diamond",
                _ => "note",
            };
            let _ = writeln!(
                out,
                "\t\t{} [label = {}, shape = \"{shape}\"]",
                dot_quote(&format!("[root] {}", v.key)),
                dot_quote(&v.key)
            );
        }
        for &id in &ids {
            let mut deps = self.dependencies(id);
            deps.sort_by(|a, b| self.g[*a].key.cmp(&self.g[*b].key));
            for d in deps {
                let _ = writeln!(
                    out,
                    "\t\t{} -> {}",
                    dot_quote(&format!("[root] {}", self.g[id].key)),
                    dot_quote(&format!("[root] {}", self.g[d].key))
                );
            }
        }
        out.push_str("\t}\n}\n");
        out
    }
}

fn dot_quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn span(line: usize) -> SourceSpan {
        let src = "\n".repeat(line + 1);
        let f: Arc<str> = Arc::from("main.tf");
        let start: usize = line - 1;
        SourceSpan::from_bytes(f, &src, start, start + 1)
    }

    #[test]
    fn topo_order_puts_dependencies_first() {
        let mut g = DepGraph::new();
        let vpc = g.add("aws_vpc.a", VertexKind::Resource, None, ());
        let sub = g.add("aws_subnet.b", VertexKind::Resource, None, ());
        let var = g.add("var.cidr", VertexKind::Variable, None, ());
        let out = g.add("output.id", VertexKind::Output, None, ());
        g.depend(sub, vpc, EdgeKind::Reference);
        g.depend(vpc, var, EdgeKind::Reference);
        g.depend(out, sub, EdgeKind::Reference);
        g.depend(out, sub, EdgeKind::Reference);
        assert_eq!(g.dependencies(out), vec![sub]);
        let order: Vec<&str> = g
            .topo_order()
            .unwrap()
            .into_iter()
            .map(|i| g.vertex(i).key.as_str())
            .collect();
        assert_eq!(
            order,
            ["var.cidr", "aws_vpc.a", "aws_subnet.b", "output.id"]
        );
        let deps: Vec<_> = g.with_dependencies(&[sub]).into_iter().collect();
        assert_eq!(deps, vec![vpc, sub, var]);
        assert_eq!(g.with_dependents(&[vpc]).len(), 3);
    }

    #[test]
    fn cycles_list_every_member_with_its_location() {
        let mut g = DepGraph::new();
        let a = g.add("aws_a.x", VertexKind::Resource, Some(span(1)), ());
        let b = g.add("aws_b.y", VertexKind::Resource, Some(span(5)), ());
        let c = g.add("local.z", VertexKind::Local, Some(span(9)), ());
        let free = g.add("var.free", VertexKind::Variable, None, ());
        g.depend(a, b, EdgeKind::Reference);
        g.depend(b, c, EdgeKind::DependsOn);
        g.depend(c, a, EdgeKind::Reference);
        g.depend(a, free, EdgeKind::Reference);
        let errs = g.topo_order().unwrap_err();
        assert_eq!(errs.len(), 1);
        let d = &errs[0];
        assert_eq!(d.summary, "Cycle: aws_a.x, aws_b.y, local.z");
        assert!(d
            .detail
            .contains("aws_a.x (main.tf:1:1) depends on aws_b.y"));
        assert!(d
            .detail
            .contains("aws_b.y (main.tf:5:1) depends on local.z"));
        assert!(d
            .detail
            .contains("local.z (main.tf:9:1) depends on aws_a.x"));
        assert_eq!(d.span.as_ref().unwrap().start.line, 1);
        assert_eq!(d.related.len(), 2);
        // self reference
        let mut g2: DepGraph<()> = DepGraph::new();
        let s = g2.add("local.me", VertexKind::Local, None, ());
        g2.depend(s, s, EdgeKind::Reference);
        assert_eq!(g2.topo_order().unwrap_err()[0].summary, "Cycle: local.me");
    }

    #[test]
    fn dot_output() {
        let mut g = DepGraph::new();
        let a = g.add("aws_vpc.a", VertexKind::Resource, None, ());
        let p = g.add(
            "provider[\"registry.terraform.io/hashicorp/aws\"]",
            VertexKind::Provider,
            None,
            (),
        );
        g.depend(a, p, EdgeKind::Provider);
        let dot = g.to_dot();
        assert_eq!(
            dot,
            "digraph {\n\tcompound = \"true\"\n\tnewrank = \"true\"\n\tsubgraph \"root\" {\n\
             \t\t\"[root] aws_vpc.a\" [label = \"aws_vpc.a\", shape = \"box\"]\n\
             \t\t\"[root] provider[\\\"registry.terraform.io/hashicorp/aws\\\"]\" [label = \"provider[\\\"registry.terraform.io/hashicorp/aws\\\"]\", shape = \"diamond\"]\n\
             \t\t\"[root] aws_vpc.a\" -> \"[root] provider[\\\"registry.terraform.io/hashicorp/aws\\\"]\"\n\
             \t}\n}\n"
        );
    }
}
