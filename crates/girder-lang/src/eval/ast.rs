//! girder's own compact expression tree. hcl-edit expressions are lowered into it once
//! ([`crate::eval::lower`]); the hcl-edit tree is not kept. Spans are byte offsets into the
//! expression's source file.

use girder_core::Value;
use std::sync::Arc;

/// A byte range of the source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    /// As a `usize` range.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// An expression node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Where it is.
    pub span: Span,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Less,
    /// `<=`
    LessEq,
    /// `>`
    Greater,
    /// `>=`
    GreaterEq,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `&&`
    And,
    /// `||`
    Or,
}

/// The kinds of nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A literal: `null`, `true`, `1.5`, `"plain string"`.
    Literal(Box<Value>),
    /// A string template with interpolations or directives.
    Template(Box<[TPart]>),
    /// A template that is exactly one interpolation (`"${x}"`): its value passes through
    /// unconverted.
    TemplateWrap(Box<Node>),
    /// `[a, b]`
    Tuple(Box<[Node]>),
    /// `{k = v}`
    Object(Box<[(ObjKey, Node)]>),
    /// A root variable name (`var`, `local`, an iterator, ...).
    Var(Arc<str>),
    /// Attribute/index/splat steps applied to a base expression.
    Traversal(Box<Node>, Box<[Step]>),
    /// A function call.
    Call(Box<Call>),
    /// A unary operation.
    Unary(UnOp, Box<Node>),
    /// A binary operation.
    Binary(BinOp, Box<Node>, Box<Node>),
    /// `c ? a : b`
    Cond(Box<[Node; 3]>),
    /// A `for` expression.
    For(Box<ForNode>),
    /// `( e )`
    Paren(Box<Node>),
}

/// A function call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// Function name (namespaces joined with `::`).
    pub name: Arc<str>,
    /// Span of the name.
    pub name_span: Span,
    /// Arguments.
    pub args: Vec<Node>,
    /// The last argument is followed by `...`.
    pub expand_final: bool,
}

/// An object key.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjKey {
    /// A bare identifier (`name = ...`), the key is the name itself.
    Name(Arc<str>, Span),
    /// Any other expression (string, `(expr)`, template).
    Expr(Node),
}

/// One traversal step.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `.name`
    Attr(Arc<str>, Span),
    /// `[expr]`
    Index(Node, Span),
    /// `.0` (legacy index)
    LegacyIndex(u64, Span),
    /// `[*]` followed by the steps applied to each element.
    Splat(Box<[Step]>, Span),
    /// `.*` followed by the attribute steps applied to each element.
    AttrSplat(Box<[Step]>, Span),
}

impl Step {
    /// The span of the step itself.
    pub fn span(&self) -> Span {
        match self {
            Step::Attr(_, s)
            | Step::Index(_, s)
            | Step::LegacyIndex(_, s)
            | Step::Splat(_, s)
            | Step::AttrSplat(_, s) => *s,
        }
    }
}

/// A `for` expression.
#[derive(Clone, Debug, PartialEq)]
pub struct ForNode {
    /// The key (or index) variable.
    pub key_var: Option<Arc<str>>,
    /// The value variable.
    pub value_var: Arc<str>,
    /// The collection.
    pub coll: Node,
    /// The key expression (object `for`), None for a tuple `for`.
    pub key: Option<Node>,
    /// The value expression.
    pub value: Node,
    /// The `if` condition.
    pub cond: Option<Node>,
    /// `...` grouping.
    pub group: bool,
}

/// A part of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum TPart {
    /// Literal text (escapes decoded, strip markers and heredoc indentation applied).
    Lit(Box<str>),
    /// `${ expr }`
    Interp(Node),
    /// `%{ if c }...%{ else }...%{ endif }`
    If(Box<TIf>),
    /// `%{ for k, v in coll }...%{ endfor }`
    For(Box<TFor>),
}

/// A template `if` directive.
#[derive(Clone, Debug, PartialEq)]
pub struct TIf {
    /// Condition.
    pub cond: Node,
    /// Parts when true.
    pub then: Vec<TPart>,
    /// Parts when false.
    pub otherwise: Vec<TPart>,
    /// The directive's span.
    pub span: Span,
}

/// A template `for` directive.
#[derive(Clone, Debug, PartialEq)]
pub struct TFor {
    /// Key variable.
    pub key_var: Option<Arc<str>>,
    /// Value variable.
    pub value_var: Arc<str>,
    /// Collection.
    pub coll: Node,
    /// Body.
    pub body: Vec<TPart>,
    /// The directive's span.
    pub span: Span,
}
