//! The configuration model: loading a directory of `.tf` / `.tf.json` files into typed blocks,
//! the tree of local module calls, static validation and the evaluation of a root module's
//! variables, locals and outputs (Terraform 1.0.3 semantics and wording).
//!
//! * [`load_module_dir`] reads one directory: every `*.tf` and `*.tf.json` in name order,
//!   `override.tf` / `*_override.tf` merged last as Terraform does. A syntax error in one file is
//!   a diagnostic; the other files are still loaded and checked.
//! * [`load_config`] loads a root module and, recursively, every local module it calls
//!   (`./x`, `../x`); registry and remote sources are recorded ([`ModuleSource`]) but not loaded;
//!   a missing local directory is an error.
//! * [`validate()`] runs the static checks and returns every problem at once: duplicates,
//!   undeclared references (also to outputs of local modules), `count`/`each`/`self` misuse,
//!   count with for_each, variable names, type constraints and defaults, unknown functions and
//!   arity, operator errors between literals, `depends_on` entries, module arguments against
//!   the child's variables, cycles.
//! * [`evaluate::evaluate_root`] evaluates variables, locals (in dependency order) and outputs of
//!   the root module; resources, data sources and module outputs are unknown.
//! * [`crate::inputs`] collects input variable values (tfvars, `-var`, `TF_VAR_`).
//!
//! Every item keeps its span. `.tf.json` files are converted to the equivalent native syntax
//! (Terraform's JSON mapping) and loaded by the same code; the model's spans and
//! `Expr::span()` of those files point into the generated text, and the diagnostics of
//! `load_config`, `validate`, `inputs` and `evaluate_root` are mapped back into the JSON
//! ([`Config::remap_json_spans`] does it for other callers).
//!
//! A differential test (`tests/config_differential.rs`) compares `validate` with
//! `terraform validate -json` 1.0.3 on the provider-free fixtures.

pub(crate) mod json;
mod load;
mod merge;
mod typecons;
pub use typecons::{parse_type_constraint, variable_type};
mod validate;

pub mod evaluate;

pub use json::JsonSource;
pub(crate) use load::literal_value_in;
pub use load::{literal_value, load_config, load_module_dir, range_text};
pub use validate::{child_module_imports, conforms, validate};

use crate::source::{Expr, SourceFile};
use girder_core::addr::ResourceMode;
use girder_core::{Diagnostic, SourceSpan, Type, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A loaded module tree: a module plus the local modules it calls (by call name).
#[derive(Clone, Debug)]
pub struct Config {
    /// This module.
    pub module: Module,
    /// The module path from the root (`[]` for the root, `["vpc", "subnets"]` below).
    pub path: Vec<String>,
    /// Child modules of local module calls that were loaded, by call name.
    pub children: BTreeMap<String, Config>,
}

impl Config {
    /// Maps spans that point into the native text generated for `.tf.json` files (anywhere in
    /// the tree) back into the JSON files. `load_config`, `validate` and `evaluate_root` already
    /// do this for their diagnostics; callers with their own diagnostics about this
    /// configuration's expressions can use it too.
    pub fn remap_json_spans(&self, diags: &mut girder_core::Diagnostics) {
        let mut all = Vec::new();
        self.collect_json(&mut all);
        json::remap_diagnostics(&all, diags);
    }
    fn collect_json(&self, out: &mut Vec<JsonSource>) {
        out.extend(self.module.json_sources.iter().cloned());
        for c in self.children.values() {
            c.collect_json(out);
        }
    }
    /// `root module` or `module.a.module.b`, as Terraform names a module in messages.
    pub fn display_path(&self) -> String {
        display_module_path(&self.path)
    }
}

/// `root module` or `module.a.module.b`.
pub fn display_module_path(path: &[String]) -> String {
    if path.is_empty() {
        "the root module".to_string()
    } else {
        path.iter()
            .map(|p| format!("module.{p}"))
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// One module: the merged contents of the files of a directory.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// The directory it was loaded from.
    pub dir: PathBuf,
    /// The files, in load order.
    pub files: Vec<Arc<SourceFile>>,
    /// `terraform` blocks, merged.
    pub terraform: TerraformSettings,
    /// `provider` blocks, in source order.
    pub providers: Vec<ProviderConfig>,
    /// `variable` blocks, in source order (duplicates kept; `validate` reports them).
    pub variables: Vec<Variable>,
    /// Every local value of every `locals` block, in source order.
    pub locals: Vec<Local>,
    /// `output` blocks.
    pub outputs: Vec<Output>,
    /// `resource` and `data` blocks.
    pub resources: Vec<Resource>,
    /// `module` blocks.
    pub module_calls: Vec<ModuleCall>,
    /// `moved` blocks.
    pub moved: Vec<Moved>,
    /// `import` blocks.
    pub imports: Vec<Import>,
    /// `removed` blocks.
    pub removed: Vec<Removed>,
    /// `check` blocks.
    pub checks: Vec<Check>,
    /// Function calls made anywhere in this module's expressions (checked by `validate`).
    pub calls: Vec<CallSite>,
    /// Problems found in expressions while loading that `validate` reports (operator type
    /// errors between literals).
    pub expr_problems: Vec<Diagnostic>,
    /// The `.tf.json` files, to map spans of their generated native text back to the JSON
    /// ([`Config::remap_json_spans`]).
    pub json_sources: Vec<JsonSource>,
}

impl Module {
    /// The first variable declared with this name.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }
    /// The first local with this name.
    pub fn local(&self, name: &str) -> Option<&Local> {
        self.locals.iter().find(|v| v.name == name)
    }
    /// The first output with this name.
    pub fn output(&self, name: &str) -> Option<&Output> {
        self.outputs.iter().find(|v| v.name == name)
    }
    /// The first module call with this name.
    pub fn module_call(&self, name: &str) -> Option<&ModuleCall> {
        self.module_calls.iter().find(|v| v.name == name)
    }
    /// The first resource with this mode, type and name.
    pub fn resource(&self, mode: ResourceMode, type_name: &str, name: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|r| r.mode == mode && r.type_name == type_name && r.name == name)
    }
}

/// A function call site (for the unknown-function and arity checks).
#[derive(Clone, Debug)]
pub struct CallSite {
    /// Function name (with `::` namespace if any).
    pub name: String,
    /// Number of arguments written.
    pub nargs: usize,
    /// The span of each argument.
    pub arg_spans: Vec<SourceSpan>,
    /// The span of the closing parenthesis.
    pub close_span: SourceSpan,
    /// The last argument is expanded with `...`.
    pub expand_final: bool,
    /// The span of the name.
    pub name_span: SourceSpan,
    /// The span of the whole call.
    pub span: SourceSpan,
}

/// An argument `name = expr`.
#[derive(Clone, Debug)]
pub struct Attr {
    /// The argument name.
    pub name: String,
    /// Its value.
    pub expr: Expr,
    /// The literal value, when the expression is a literal (no references, no calls).
    pub literal: Option<Value>,
    /// The span of the name.
    pub name_span: SourceSpan,
    /// The span of the whole `name = expr`.
    pub span: SourceSpan,
}

/// A block body kept generically (resource and provider bodies, whose schema comes from the
/// provider).
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// Arguments, in source order.
    pub attrs: Vec<Attr>,
    /// Nested blocks, in source order.
    pub blocks: Vec<NestedBlock>,
    /// The span of the body's block (header to closing brace), if any.
    pub span: Option<SourceSpan>,
}

impl Body {
    /// The argument with this name.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
    /// Nested blocks of this type.
    pub fn blocks_of<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a NestedBlock> + 'a {
        self.blocks.iter().filter(move |b| b.type_name == ty)
    }
}

/// A nested block (`ingress { ... }`, `default_tags { ... }`), possibly `dynamic`.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// The block type (for a `dynamic "x"` block: `x`).
    pub type_name: String,
    /// The labels (none for a dynamic block).
    pub labels: Vec<String>,
    /// The body (for a dynamic block: its `content`).
    pub body: Body,
    /// Set for `dynamic` blocks.
    pub dynamic: Option<Box<DynamicSpec>>,
    /// The span of the header (type and labels).
    pub span: SourceSpan,
}

/// The arguments of a `dynamic` block.
#[derive(Clone, Debug)]
pub struct DynamicSpec {
    /// `for_each`.
    pub for_each: Expr,
    /// `iterator` (defaults to the block type).
    pub iterator: String,
    /// `labels`.
    pub labels: Option<Expr>,
}

/// A `terraform` block (all of them merged).
#[derive(Clone, Debug, Default)]
pub struct TerraformSettings {
    /// `required_version` constraints (one per block that sets it).
    pub required_version: Vec<(String, SourceSpan)>,
    /// `required_providers` by local name.
    pub required_providers: BTreeMap<String, RequiredProvider>,
    /// `backend "TYPE" { ... }`.
    pub backend: Option<Backend>,
    /// `experiments`.
    pub experiments: Vec<String>,
}

/// One entry of `required_providers`.
#[derive(Clone, Debug)]
pub struct RequiredProvider {
    /// Local name.
    pub name: String,
    /// `source` (defaults to `hashicorp/NAME`).
    pub source: Option<String>,
    /// `version` constraint.
    pub version: Option<String>,
    /// Where.
    pub span: SourceSpan,
}

/// `backend "TYPE" { ... }`.
#[derive(Clone, Debug)]
pub struct Backend {
    /// Backend type (`s3`, `local`, ...).
    pub type_name: String,
    /// The literal arguments.
    pub config: BTreeMap<String, Value>,
    /// The arguments as written (for error spans).
    pub body: Body,
    /// Where.
    pub span: SourceSpan,
}

/// A provider reference `aws` or `aws.west`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRef {
    /// Local name.
    pub name: String,
    /// Alias.
    pub alias: Option<String>,
    /// Where.
    pub span: SourceSpan,
}

impl std::fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.alias {
            Some(a) => write!(f, "{}.{}", self.name, a),
            None => write!(f, "{}", self.name),
        }
    }
}

/// A `provider` block.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// Local name.
    pub name: String,
    /// `alias`.
    pub alias: Option<String>,
    /// `version` (deprecated in provider blocks, still accepted).
    pub version: Option<String>,
    /// Everything else.
    pub body: Body,
    /// The header span.
    pub span: SourceSpan,
}

/// A `validation`, `precondition`, `postcondition` or `assert` block.
#[derive(Clone, Debug)]
pub struct CheckRule {
    /// `condition`.
    pub condition: Expr,
    /// `error_message`.
    pub error_message: Expr,
    /// The header span.
    pub span: SourceSpan,
}

/// A `variable` block.
#[derive(Clone, Debug)]
pub struct Variable {
    /// Name.
    pub name: String,
    /// `type` as written.
    pub type_expr: Option<Expr>,
    /// The type constraint (`Dynamic` when absent or invalid).
    pub ty: Type,
    /// The problem with the type constraint, if any (reported by `validate`).
    pub type_error: Option<Diagnostic>,
    /// `default`.
    pub default: Option<Attr>,
    /// `description`.
    pub description: Option<String>,
    /// `sensitive`.
    pub sensitive: bool,
    /// `nullable` (default true).
    pub nullable: bool,
    /// `validation` blocks.
    pub validations: Vec<CheckRule>,
    /// The span of the name label.
    pub name_span: SourceSpan,
    /// The header span (`variable "x"`).
    pub span: SourceSpan,
}

/// One local value.
#[derive(Clone, Debug)]
pub struct Local {
    /// Name.
    pub name: String,
    /// Value.
    pub expr: Expr,
    /// The span of `name = expr`'s name.
    pub span: SourceSpan,
}

/// An `output` block.
#[derive(Clone, Debug)]
pub struct Output {
    /// Name.
    pub name: String,
    /// `value`.
    pub value: Option<Expr>,
    /// `description`.
    pub description: Option<String>,
    /// `sensitive`.
    pub sensitive: bool,
    /// `depends_on`.
    pub depends_on: Vec<Expr>,
    /// `precondition` blocks.
    pub preconditions: Vec<CheckRule>,
    /// Header span.
    pub span: SourceSpan,
}

/// `ignore_changes`.
#[derive(Clone, Debug, Default)]
pub enum IgnoreChanges {
    /// Not set.
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// A list of attribute paths (as written, e.g. `tags["Name"]`).
    Paths(Vec<(String, SourceSpan)>),
}

/// A `lifecycle` block.
#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    /// `create_before_destroy`.
    pub create_before_destroy: Option<bool>,
    /// `prevent_destroy`.
    pub prevent_destroy: Option<bool>,
    /// `ignore_changes`.
    pub ignore_changes: IgnoreChanges,
    /// `replace_triggered_by`.
    pub replace_triggered_by: Vec<Expr>,
    /// `precondition` blocks.
    pub preconditions: Vec<CheckRule>,
    /// `postcondition` blocks.
    pub postconditions: Vec<CheckRule>,
}

/// A `resource` or `data` block.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Managed or data.
    pub mode: ResourceMode,
    /// Resource type.
    pub type_name: String,
    /// Name.
    pub name: String,
    /// `count`.
    pub count: Option<Expr>,
    /// `for_each`.
    pub for_each: Option<Expr>,
    /// `provider`.
    pub provider: Option<ProviderRef>,
    /// `depends_on`.
    pub depends_on: Vec<Expr>,
    /// `lifecycle`.
    pub lifecycle: Lifecycle,
    /// `timeouts` block.
    pub timeouts: Option<Body>,
    /// Everything else (provider-defined arguments and nested blocks, incl. `dynamic`).
    pub body: Body,
    /// Header span.
    pub span: SourceSpan,
}

impl Resource {
    /// `aws_vpc.main` or `data.aws_ami.x`.
    pub fn address(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_name, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }
}

/// Where a module call's source points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleSource {
    /// `./x`, `../x`: loaded from disk.
    Local(String),
    /// `namespace/name/provider` (with an optional host).
    Registry(String),
    /// Anything else (git, http, s3, ...): recorded only.
    Remote(String),
}

impl ModuleSource {
    /// Classifies a source string as Terraform does.
    pub fn parse(s: &str) -> ModuleSource {
        if s.starts_with("./") || s.starts_with("../") || s == "." || s == ".." {
            return ModuleSource::Local(s.to_string());
        }
        let parts: Vec<&str> = s.split("//").next().unwrap_or(s).split('/').collect();
        // registry names: namespace/name/provider, optionally after a hostname; the parts
        // themselves have no dots (so github.com/x/y is a remote source)
        let is_word = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let registry = !s.contains(':')
            && ((parts.len() == 3 && parts.iter().all(|p| is_word(p)))
                || (parts.len() == 4
                    && parts[0].contains('.')
                    && parts[1..].iter().all(|p| is_word(p))));
        if registry {
            ModuleSource::Registry(s.to_string())
        } else {
            ModuleSource::Remote(s.to_string())
        }
    }
}

/// A `module` block.
#[derive(Clone, Debug)]
pub struct ModuleCall {
    /// Call name.
    pub name: String,
    /// `source` as written.
    pub source: String,
    /// Classified source.
    pub source_kind: ModuleSource,
    /// Span of the `source` value.
    pub source_span: SourceSpan,
    /// `version`.
    pub version: Option<String>,
    /// `count`.
    pub count: Option<Expr>,
    /// `for_each`.
    pub for_each: Option<Expr>,
    /// `providers = { child = parent }`.
    pub providers: Vec<(ProviderRef, ProviderRef)>,
    /// `depends_on`.
    pub depends_on: Vec<Expr>,
    /// The input arguments.
    pub inputs: Vec<Attr>,
    /// Header span.
    pub span: SourceSpan,
}

/// A `moved` block.
#[derive(Clone, Debug)]
pub struct Moved {
    /// `from`.
    pub from: Expr,
    /// `to`.
    pub to: Expr,
    /// Header span.
    pub span: SourceSpan,
}

/// An `import` block.
#[derive(Clone, Debug)]
pub struct Import {
    /// `to`.
    pub to: Expr,
    /// `id`.
    pub id: Expr,
    /// `provider`.
    pub provider: Option<ProviderRef>,
    /// Header span.
    pub span: SourceSpan,
}

/// A `removed` block.
#[derive(Clone, Debug)]
pub struct Removed {
    /// `from`.
    pub from: Expr,
    /// `lifecycle { destroy = ... }`.
    pub destroy: Option<bool>,
    /// Header span.
    pub span: SourceSpan,
}

/// A `check` block.
#[derive(Clone, Debug)]
pub struct Check {
    /// Name.
    pub name: String,
    /// Scoped `data` blocks.
    pub data: Vec<Resource>,
    /// `assert` blocks.
    pub asserts: Vec<CheckRule>,
    /// Header span.
    pub span: SourceSpan,
}
