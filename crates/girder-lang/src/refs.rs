//! The references an expression makes. Used by `validate` (undeclared references) and by the
//! graph (dependency edges).

use girder_core::addr::ResourceMode;
use girder_core::SourceSpan;

/// What a reference refers to (the part of a traversal that names an object of the
/// configuration; further attribute and index steps are in [`Reference::rest`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// `var.NAME`
    Var(String),
    /// `local.NAME`
    Local(String),
    /// `TYPE.NAME` or `data.TYPE.NAME`
    Resource {
        /// managed or data
        mode: ResourceMode,
        /// resource type
        type_name: String,
        /// resource name
        name: String,
    },
    /// `module.NAME` (with `output` set when followed by `.OUTPUT`, `module.NAME[KEY].OUTPUT`
    /// has it too when the key is a literal)
    Module {
        /// module call name
        name: String,
        /// the output named, if any
        output: Option<String>,
    },
    /// `count.index`
    Count(String),
    /// `each.key` / `each.value`
    Each(String),
    /// `path.module` / `path.root` / `path.cwd`
    Path(String),
    /// `terraform.workspace`
    Terraform(String),
    /// `self` (in provisioners and postconditions)
    SelfRef,
    /// Any other root name (an iterator of a `for` expression or `dynamic` block is not
    /// reported; anything else unknown is, so validate can flag it).
    Other(String),
}

/// One reference found in an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// What it names.
    pub subject: Subject,
    /// Where the reference is (the whole traversal up to the subject).
    pub span: Option<SourceSpan>,
    /// The source text of the whole traversal (`aws_vpc.main.id`), for messages.
    pub text: String,
}

/// All references in `expr`, in source order. Names bound by `for` expressions are not
/// references. Function names are not references.
pub fn references(expr: &crate::source::Expr) -> Vec<Reference> {
    crate::eval::refs_impl::references(expr)
}

/// The subjects of the references in `expr` (as [`references`], without spans and texts).
pub fn subjects(expr: &crate::source::Expr) -> Vec<Subject> {
    crate::eval::refs_impl::subjects(expr)
}
