//! Conversions and unification: girder-core's [`girder_core::convert`] (cty's rules in full).
//! Re-exported here for the evaluator; the tests pin the behaviour the evaluator relies on.

pub use girder_core::convert::{convert, unify};

#[cfg(test)]
mod tests {
    use super::*;
    use girder_core::{Type, Value};

    #[test]
    fn unify_like_cty() {
        assert_eq!(unify(&[Type::Number, Type::String]), Some(Type::String));
        assert_eq!(unify(&[Type::Number, Type::Bool]), None);
        let t1 = Type::Tuple(vec![Type::Number].into());
        let t2 = Type::Tuple(vec![Type::Number, Type::Number].into());
        assert_eq!(unify(&[t1.clone(), t2]), Some(Type::list(Type::Number)));
        assert_eq!(
            unify(&[t1, Type::Tuple(vec![Type::String].into())]),
            Some(Type::Tuple(vec![Type::String].into()))
        );
        let oa = Type::object([("a".to_string(), Type::Number)].into());
        let ob = Type::object([("b".to_string(), Type::Number)].into());
        assert_eq!(unify(&[oa, ob]), Some(Type::map(Type::Number)));
    }

    #[test]
    fn conversions_with_paths() {
        let v =
            Value::object_from([("labels", Value::object_from([("x", Value::string("nope"))]))]);
        let want = Type::object([("labels".to_string(), Type::map(Type::Number))].into());
        let e = convert(&v, &want).unwrap_err();
        assert_eq!(
            e.path.render_with_prefix("var.settings"),
            "var.settings.labels[\"x\"]"
        );
        assert_eq!(e.message, "a number is required");
        let t = Value::tuple(vec![Value::int(1), Value::string("a")]);
        let l = convert(&t, &Type::list(Type::Dynamic)).unwrap();
        assert_eq!(
            l,
            Value::list(Type::String, vec![Value::string("1"), Value::string("a")])
        );
        let e = convert(&Value::int(1), &Type::list(Type::String)).unwrap_err();
        assert_eq!(e.message, "list of string required");
    }
}
