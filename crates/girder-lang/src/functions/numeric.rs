//! Terraform's numeric functions.

use super::{Function, Param};
use crate::fixed_return;
use girder_core::{Type, Value};

pub(crate) fn functions() -> Vec<Function> {
    vec![Function {
        name: "abs",
        params: vec![Param::new("num", Type::Number)],
        variadic: None,
        return_type: fixed_return!(Type::Number),
        imp: |args, _| Ok(Value::number(args[0].as_number().expect("converted").abs())),
    }]
}

#[cfg(test)]
mod tests {
    use crate::functions::{CallContext, FunctionTable};
    use girder_core::{Type, Value};

    fn ctx_call(name: &str, args: &[Value]) -> Value {
        let t = FunctionTable::builtin();
        let render = |_: &str, _: &str, _: &std::collections::BTreeMap<String, Value>| {
            Err("no templates here".to_string())
        };
        let ctx = CallContext {
            base_dir: std::path::Path::new("."),
            render_template: &render,
        };
        t.get(name).unwrap().call(args, &ctx).unwrap()
    }

    #[test]
    fn abs_propagates_unknown_and_marks() {
        assert_eq!(ctx_call("abs", &[Value::int(-3)]), Value::int(3));
        assert_eq!(
            ctx_call("abs", &[Value::unknown(Type::Number)]),
            Value::unknown(Type::Number)
        );
        assert!(ctx_call("abs", &[Value::int(-3).mark_sensitive()]).is_sensitive());
    }
}
