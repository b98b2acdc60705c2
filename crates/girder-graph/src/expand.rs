//! `count` and `for_each` expansion into instance keys and addresses, with Terraform 1.0.3's
//! diagnostics.

use girder_core::addr::{AbsResource, AbsResourceInstance, InstanceKey, ModuleInstance, Resource};
use girder_core::value::Kind;
use girder_core::{Diagnostic, SourceSpan, Type, Value};

/// How a resource or module call repeats.
#[derive(Clone, Debug, PartialEq)]
pub enum Expansion {
    /// Neither count nor for_each: one instance without key.
    Single,
    /// `count = N`: keys `[0]` .. `[N-1]`.
    Count(i64),
    /// `for_each`: keys and `each.value`s, sorted by key.
    ForEach(Vec<(String, Value)>),
}

impl Expansion {
    /// The instance keys (None for [`Expansion::Single`]).
    pub fn keys(&self) -> Vec<Option<InstanceKey>> {
        match self {
            Expansion::Single => vec![None],
            Expansion::Count(n) => (0..*n).map(|i| Some(InstanceKey::Int(i))).collect(),
            Expansion::ForEach(m) => m
                .iter()
                .map(|(k, _)| Some(InstanceKey::Str(k.clone())))
                .collect(),
        }
    }

    /// Number of instances.
    pub fn len(&self) -> usize {
        match self {
            Expansion::Single => 1,
            Expansion::Count(n) => usize::try_from(*n).unwrap_or(0),
            Expansion::ForEach(m) => m.len(),
        }
    }

    /// No instances at all?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `each.value` for a for_each key.
    pub fn each_value(&self, key: &str) -> Option<&Value> {
        match self {
            Expansion::ForEach(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The instance addresses of `resource` in `module`.
    pub fn resource_instances(
        &self,
        module: &ModuleInstance,
        resource: &Resource,
    ) -> Vec<AbsResourceInstance> {
        self.keys()
            .into_iter()
            .map(|key| AbsResourceInstance {
                resource: AbsResource {
                    module: module.clone(),
                    resource: resource.clone(),
                },
                key,
            })
            .collect()
    }

    /// The module instances of call `name` inside `parent`.
    pub fn module_instances(&self, parent: &ModuleInstance, name: &str) -> Vec<ModuleInstance> {
        self.keys()
            .into_iter()
            .map(|key| parent.child(name, key))
            .collect()
    }
}

fn unsuitable(arg: &str, what: String, span: Option<SourceSpan>) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid {arg} argument"),
        format!("The given \"{arg}\" argument value is unsuitable: {what}"),
    )
    .with_span_opt(span)
}

fn unknown(arg: &str, expr_text: &str, span: Option<SourceSpan>) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid {arg} argument"),
        format!(
            "The \"{arg}\" value depends on resource attributes that cannot be determined until \
             apply, so Terraform cannot predict how many instances will be created. To work \
             around this, use the -target argument to first apply only the resources that the \
             {arg} depends on.\n\nThe expression is: {arg} = {expr_text}"
        ),
    )
    .with_span_opt(span)
    .with_help(format!(
        "Run `girder apply -target=ADDRESS` for the resources {expr_text} refers to, then plan again."
    ))
}

/// Expands a `count` value. `expr_text` is the expression's source text (for the message on
/// unknown values) and `span` its location.
pub fn count(
    v: &Value,
    expr_text: &str,
    span: Option<SourceSpan>,
) -> Result<Expansion, Diagnostic> {
    match v.kind() {
        Kind::Unknown(_) => Err(unknown("count", expr_text, span)),
        Kind::Null(_) => Err(Diagnostic::error(
            "Invalid count argument",
            "The given \"count\" argument value is null. An integer is required.",
        )
        .with_span_opt(span)),
        _ => {
            let n = match girder_core::convert::convert(v, &Type::Number) {
                Ok(n) => n,
                Err(e) => return Err(unsuitable("count", format!("{}.", e.message), span)),
            };
            let Some(num) = n.as_number() else {
                return Err(unknown("count", expr_text, span));
            };
            let text = num.to_string();
            let Ok(i) = text.parse::<i64>() else {
                return Err(unsuitable(
                    "count",
                    "value must be a whole number.".into(),
                    span,
                ));
            };
            if i < 0 {
                return Err(unsuitable(
                    "count",
                    "must be greater than or equal to zero.".into(),
                    span,
                ));
            }
            Ok(Expansion::Count(i))
        }
    }
}

/// Expands a `for_each` value (a map, an object, or a set of strings).
pub fn for_each(
    v: &Value,
    expr_text: &str,
    span: Option<SourceSpan>,
) -> Result<Expansion, Diagnostic> {
    if v.contains_sensitive() {
        return Err(Diagnostic::error(
            "Invalid for_each argument",
            "Sensitive values, or values derived from sensitive values, cannot be used as \
             for_each arguments. If used, the sensitive value could be exposed as a resource \
             instance key.",
        )
        .with_span_opt(span)
        .with_help("Use nonsensitive(...) on the keys if they are not secret."));
    }
    match v.kind() {
        Kind::Unknown(_) => Err(unknown("for_each", expr_text, span)),
        Kind::Null(_) => Err(unsuitable(
            "for_each",
            "the given \"for_each\" argument value is null. A map, or set of strings is allowed."
                .into(),
            span,
        )),
        Kind::Map(_, m) | Kind::Object(m) => Ok(Expansion::ForEach(
            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        )),
        Kind::Set(t, items) => {
            if !matches!(t, Type::String | Type::Dynamic) {
                return Err(unsuitable(
                    "for_each",
                    format!(
                        "\"for_each\" supports maps and sets of strings, but you have provided a set containing type {}.",
                        t.friendly_name()
                    ),
                    span,
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it.kind() {
                    Kind::Unknown(_) => return Err(unknown("for_each", expr_text, span)),
                    Kind::Null(_) => {
                        return Err(unsuitable(
                            "for_each",
                            "\"for_each\" sets must not contain null values.".into(),
                            span,
                        ))
                    }
                    Kind::String(s) => out.push((s.to_string(), it.clone())),
                    _ => {
                        return Err(unsuitable(
                            "for_each",
                            format!(
                                "\"for_each\" supports maps and sets of strings, but you have provided a set containing type {}.",
                                it.ty().friendly_name()
                            ),
                            span,
                        ))
                    }
                }
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Expansion::ForEach(out))
        }
        _ => Err(unsuitable(
            "for_each",
            format!(
                "the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.",
                v.ty().friendly_name()
            ),
            span,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn count_keys_and_addresses() {
        let e = count(&Value::int(2), "2", None).unwrap();
        let module = ModuleInstance::root().child("a", Some(InstanceKey::Str("x".into())));
        let addrs: Vec<String> = e
            .resource_instances(&module, &Resource::managed("aws_subnet", "b"))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            addrs,
            [
                "module.a[\"x\"].aws_subnet.b[0]",
                "module.a[\"x\"].aws_subnet.b[1]"
            ]
        );
        assert_eq!(count(&Value::string("3"), "\"3\"", None).unwrap().len(), 3);
        assert!(count(&Value::int(0), "0", None).unwrap().is_empty());
        let mods: Vec<String> = Expansion::Single
            .module_instances(&ModuleInstance::root(), "net")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(mods, ["module.net"]);
    }

    #[test]
    fn count_errors() {
        let d = count(&Value::unknown(Type::Number), "length(aws_vpc.a.ids)", None).unwrap_err();
        assert_eq!(d.summary, "Invalid count argument");
        assert!(d.detail.contains("use the -target argument"));
        assert!(d.detail.contains("count = length(aws_vpc.a.ids)"));
        assert!(d.help.as_deref().unwrap().contains("-target"));
        assert!(count(&Value::int(-1), "-1", None)
            .unwrap_err()
            .detail
            .ends_with("must be greater than or equal to zero."));
        assert!(count(&Value::null(Type::Number), "null", None)
            .unwrap_err()
            .detail
            .contains("is null"));
        assert!(count(&Value::string("x"), "\"x\"", None).is_err());
    }

    #[test]
    fn for_each_maps_sets_and_errors() {
        let m: BTreeMap<String, Value> = [
            ("b".to_string(), Value::int(2)),
            ("a".to_string(), Value::unknown(Type::Number)),
        ]
        .into();
        let e = for_each(&Value::map(Type::Number, m.into()), "var.m", None).unwrap();
        let keys: Vec<String> = e
            .keys()
            .iter()
            .map(|k| k.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(keys, ["[\"a\"]", "[\"b\"]"]);
        assert_eq!(e.each_value("b"), Some(&Value::int(2)));
        let s = Value::set(Type::String, vec![Value::string("y"), Value::string("x")]);
        assert_eq!(for_each(&s, "toset(...)", None).unwrap().len(), 2);

        let unk = Value::set(Type::String, vec![Value::unknown(Type::String)]);
        let d = for_each(&unk, "toset([aws_vpc.a.id])", None).unwrap_err();
        assert!(d.detail.contains("for_each = toset([aws_vpc.a.id])"));
        let d = for_each(&Value::tuple(vec![]), "[]", None).unwrap_err();
        assert!(d.detail.contains("you have provided a value of type tuple"));
        let d = for_each(&Value::set(Type::Number, vec![Value::int(1)]), "x", None).unwrap_err();
        assert!(d.detail.contains("set containing type number"));
        let d = for_each(&Value::string("x").mark_sensitive(), "x", None).unwrap_err();
        assert!(d.detail.starts_with("Sensitive values"));
        assert!(for_each(&Value::null_dynamic(), "null", None)
            .unwrap_err()
            .detail
            .contains("is null"));
    }
}
