//! Terraform's built-in functions.
//!
//! Each function is a [`Function`]: typed parameters, an optional variadic parameter, a
//! return-type rule and an implementation. [`Function::call`] applies cty's rules around the
//! implementation, so implementations only ever see known, unmarked arguments unless a
//! parameter opts in:
//!
//! * an argument is converted to its parameter's type (Terraform's conversions); a failed
//!   conversion is an error naming the argument;
//! * a null argument is an error unless the parameter has `allow_null`;
//! * an unknown argument (anywhere inside it, unless `allow_unknown`) makes the result an
//!   unknown of the return type without calling the implementation;
//! * sensitive marks are removed (deeply) before the call unless `allow_marked`, and the result
//!   is marked with the union of the removed marks.
//!
//! The functions live in one file per Terraform category; each file exports
//! `pub(crate) fn functions() -> Vec<Function>`.

mod collection;
mod conversion;
mod crypto;
mod datetime;
mod encoding;
mod filesystem;
mod ipnet;
mod numeric;
mod string;

use girder_core::convert::convert;
use girder_core::{Marks, Type, Value};
use std::collections::HashMap;
use std::path::Path;

/// A function parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name, for error messages.
    pub name: &'static str,
    /// The type arguments are converted to (`Type::Dynamic` accepts anything as is).
    pub ty: Type,
    /// Null is a valid argument.
    pub allow_null: bool,
    /// Unknown values (also nested) are passed to the implementation instead of short-cutting
    /// to an unknown result.
    pub allow_unknown: bool,
    /// Marked values are passed as they are (the implementation handles marks itself).
    pub allow_marked: bool,
}

impl Param {
    /// A plain parameter: converted to `ty`, no null, no unknown, no marks.
    pub fn new(name: &'static str, ty: Type) -> Param {
        Param {
            name,
            ty,
            allow_null: false,
            allow_unknown: false,
            allow_marked: false,
        }
    }
    /// Allows null.
    pub fn nullable(mut self) -> Param {
        self.allow_null = true;
        self
    }
    /// Allows unknown values.
    pub fn unknowns(mut self) -> Param {
        self.allow_unknown = true;
        self
    }
    /// Allows marked values.
    pub fn marked(mut self) -> Param {
        self.allow_marked = true;
        self
    }
}

/// What a function implementation may need from its surroundings.
pub struct CallContext<'a> {
    /// Base directory for relative paths (filesystem functions).
    pub base_dir: &'a Path,
    /// Renders a template string with variables (used by `templatefile`); the evaluator
    /// supplies it. Errors are messages.
    pub render_template:
        &'a dyn Fn(&str, &str, &std::collections::BTreeMap<String, Value>) -> Result<Value, String>,
}

/// A failed call. `arg` is the index of the argument at fault, if any (the evaluator points
/// the diagnostic at that argument).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncError {
    /// Index of the offending argument, if one is at fault.
    pub arg: Option<usize>,
    /// Terraform-style message ("Invalid value for \"number\" parameter: ...").
    pub message: String,
}

impl FuncError {
    /// An error about argument `i`.
    pub fn arg(i: usize, message: impl Into<String>) -> FuncError {
        FuncError {
            arg: Some(i),
            message: message.into(),
        }
    }
    /// An error about the call as a whole.
    pub fn new(message: impl Into<String>) -> FuncError {
        FuncError {
            arg: None,
            message: message.into(),
        }
    }
}

/// Computes the return type from the argument types (after conversion to the parameter types).
pub type ReturnTypeFn = fn(&[Type]) -> Result<Type, FuncError>;
/// The implementation: gets the converted arguments (known and unmarked unless the parameter
/// allows otherwise) and the call context.
pub type ImplFn = fn(&[Value], &CallContext<'_>) -> Result<Value, FuncError>;

/// A built-in function.
#[derive(Clone)]
pub struct Function {
    /// Its name.
    pub name: &'static str,
    /// Positional parameters.
    pub params: Vec<Param>,
    /// Variadic parameter (repeated after the positional ones).
    pub variadic: Option<Param>,
    /// The return-type rule.
    pub return_type: ReturnTypeFn,
    /// The implementation.
    pub imp: ImplFn,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Function({})", self.name)
    }
}

/// A return-type rule for functions that always return the same type.
#[macro_export]
macro_rules! fixed_return {
    ($t:expr) => {{
        fn rt(_: &[girder_core::Type]) -> Result<girder_core::Type, $crate::functions::FuncError> {
            Ok($t)
        }
        rt as $crate::functions::ReturnTypeFn
    }};
}

impl Function {
    /// Number of arguments accepted: (min, max) where max is None for variadic functions.
    pub fn arity(&self) -> (usize, Option<usize>) {
        (
            self.params.len(),
            if self.variadic.is_some() {
                None
            } else {
                Some(self.params.len())
            },
        )
    }

    /// The parameter that argument `i` binds to.
    pub fn param_for(&self, i: usize) -> Option<&Param> {
        self.params.get(i).or(self.variadic.as_ref())
    }

    /// Calls the function with cty's rules (see the module docs).
    pub fn call(&self, args: &[Value], ctx: &CallContext<'_>) -> Result<Value, FuncError> {
        let (min, max) = self.arity();
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let want = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} to {m}"),
                None => format!("at least {min}"),
            };
            return Err(FuncError::new(format!(
                "Function \"{}\" expects {want} argument(s); {} given.",
                self.name,
                args.len()
            )));
        }
        let mut converted = Vec::with_capacity(args.len());
        let mut marks = Marks::NONE;
        let mut any_unknown = false;
        for (i, a) in args.iter().enumerate() {
            let p = self.param_for(i).expect("arity checked");
            let mut a = a.clone();
            if !p.allow_marked {
                let (plain, paths) = a.unmark_deep();
                for (_, m) in paths {
                    marks = marks.union(m);
                }
                a = plain;
            }
            if a.is_null() && !p.allow_null {
                return Err(FuncError::arg(
                    i,
                    format!(
                        "Invalid value for \"{}\" parameter: argument must not be null.",
                        p.name
                    ),
                ));
            }
            let a = convert(&a, &p.ty).map_err(|e| {
                FuncError::arg(
                    i,
                    format!("Invalid value for \"{}\" parameter: {}.", p.name, e),
                )
            })?;
            if !p.allow_unknown && !a.is_wholly_known() {
                any_unknown = true;
            }
            converted.push(a);
        }
        if any_unknown {
            let tys: Vec<Type> = converted.iter().map(Value::ty).collect();
            let rt = (self.return_type)(&tys)?;
            return Ok(Value::unknown(rt).with_marks(marks));
        }
        let out = (self.imp)(&converted, ctx)?;
        Ok(if marks.is_empty() {
            out
        } else {
            out.with_marks(marks)
        })
    }
}

/// All functions by name.
#[derive(Clone, Debug, Default)]
pub struct FunctionTable {
    funcs: HashMap<&'static str, Function>,
}

impl FunctionTable {
    /// Terraform's built-in functions.
    pub fn builtin() -> FunctionTable {
        let mut funcs = HashMap::new();
        for f in [
            collection::functions(),
            conversion::functions(),
            crypto::functions(),
            datetime::functions(),
            encoding::functions(),
            filesystem::functions(),
            ipnet::functions(),
            numeric::functions(),
            string::functions(),
        ]
        .into_iter()
        .flatten()
        {
            funcs.insert(f.name, f);
        }
        FunctionTable { funcs }
    }
    /// Looks a function up.
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.funcs.get(name)
    }
    /// Adds or replaces a function.
    pub fn insert(&mut self, f: Function) {
        self.funcs.insert(f.name, f);
    }
    /// All function names, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v: Vec<_> = self.funcs.keys().copied().collect();
        v.sort_unstable();
        v
    }
}
