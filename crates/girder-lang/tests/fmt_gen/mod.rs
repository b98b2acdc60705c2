//! Generators of structurally valid Terraform configurations with random layout (spacing,
//! newlines, comments), shared by the fmt property and differential tests.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

/// Optional horizontal whitespace, sometimes with an inline comment.
pub fn ws() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(String::new()),
        4 => Just(" ".to_string()),
        1 => Just("   ".to_string()),
        1 => Just("\t".to_string()),
        1 => Just(" /* c */ ".to_string()),
    ]
    .boxed()
}

/// Whitespace inside brackets: may contain newlines and line comments.
pub fn nlws() -> BoxedStrategy<String> {
    prop_oneof![
        3 => ws(),
        2 => Just("\n".to_string()),
        1 => Just("\n  ".to_string()),
        1 => Just(" # note\n".to_string()),
        1 => Just(" // note\n    ".to_string()),
        1 => Just("\n\n".to_string()),
    ]
    .boxed()
}

pub fn ident() -> BoxedStrategy<String> {
    prop_oneof![
        Just("a".to_string()),
        Just("name".to_string()),
        Just("instance_type".to_string()),
        Just("x-y".to_string()),
        Just("ünï".to_string()),
        Just("a_very_long_attribute_name".to_string()),
        Just("in".to_string()),
        Just("count".to_string()),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<String> {
    prop_oneof![
        (0u32..1000).prop_map(|n| n.to_string()),
        Just("1.5".to_string()),
        Just("1e3".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("\"plain\"".to_string()),
        Just("\"\"".to_string()),
        Just("\"es\\\"c\\\\ $ 50% $${x}\"".to_string()),
        Just("var.x".to_string()),
        Just("aws_instance.web[0].id".to_string()),
        Just("aws_instance.web.*.id".to_string()),
        Just("var.list[*].name".to_string()),
        Just("local.m[\"k\"]".to_string()),
        Just("module.m.out.0".to_string()),
        Just("\"日本\"".to_string()),
        (ws(), ws()).prop_map(|(a, b)| format!("\"${{{a}var.x{b}}}\"")),
        (ws(), ws()).prop_map(|(a, b)| format!("\"pre-${{{a}var.x{b}}}-post\"")),
        (ws(), ws()).prop_map(|(a, b)| format!("\"%{{{a}if var.c{b}}}y%{{ else }}n%{{ endif }}\"")),
    ]
    .boxed()
}

/// A random expression (depth limited).
pub fn expr() -> BoxedStrategy<String> {
    leaf()
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                // tuple
                (
                    proptest::collection::vec((nlws(), inner.clone(), nlws()), 0..4),
                    any::<bool>()
                )
                    .prop_map(|(items, trailing)| {
                        let mut s = String::from("[");
                        let n = items.len();
                        for (i, (a, e, b)) in items.into_iter().enumerate() {
                            s.push_str(&a);
                            s.push_str(&e);
                            s.push_str(&b);
                            if i + 1 < n || trailing {
                                s.push(',');
                            }
                        }
                        s.push(']');
                        s
                    }),
                // object, one item per line
                proptest::collection::vec((ident(), ws(), ws(), inner.clone()), 0..4).prop_map(
                    |items| {
                        if items.is_empty() {
                            return "{}".to_string();
                        }
                        let mut s = String::from("{\n");
                        for (k, a, b, v) in items {
                            s.push_str(&format!("{k}{a}={b}{v}\n"));
                        }
                        s.push('}');
                        s
                    }
                ),
                // single-line object with commas
                (ident(), inner.clone(), ident(), inner.clone())
                    .prop_map(|(k1, v1, k2, v2)| format!("{{{k1}={v1},{k2} = {v2}}}")),
                // function call
                (
                    proptest::collection::vec((nlws(), inner.clone()), 0..3),
                    any::<bool>()
                )
                    .prop_map(|(args, ell)| {
                        let n = args.len();
                        let mut s = String::from("max(");
                        for (i, (w, a)) in args.into_iter().enumerate() {
                            s.push_str(&w);
                            s.push_str(&a);
                            if i + 1 < n {
                                s.push(',');
                            } else if ell {
                                s.push_str("...");
                            }
                        }
                        s.push(')');
                        s
                    }),
                // binary operators
                (
                    inner.clone(),
                    ws(),
                    prop_oneof![
                        Just("+"),
                        Just("-"),
                        Just("*"),
                        Just("=="),
                        Just("!="),
                        Just("&&"),
                        Just("||"),
                        Just("<="),
                        Just(">")
                    ],
                    ws(),
                    inner.clone()
                )
                    .prop_map(|(a, w1, op, w2, b)| format!("({a}{w1}{op}{w2}{b})")),
                // unary
                (prop_oneof![Just("-"), Just("!")], ws(), inner.clone())
                    .prop_map(|(op, w, e)| format!("{op}{w}({e})")),
                // conditional
                (inner.clone(), inner.clone(), inner.clone(), ws())
                    .prop_map(|(c, a, b, w)| format!("{c}{w}?{w}{a}{w}:{w}{b}")),
                // parentheses over lines
                (nlws(), inner.clone(), nlws()).prop_map(|(a, e, b)| format!("({a}{e}{b})")),
                // for expressions
                (inner.clone(), inner.clone(), ws())
                    .prop_map(|(l, e, w)| format!("[for x in {l}{w}:{w}{e}]")),
                (inner.clone(), ws())
                    .prop_map(|(l, w)| format!("{{for k, v in {l}{w}:{w}k => v if v != null}}")),
                // interpolation-only template (not directly around another template:
                // Terraform unwraps one level per run, so `"${"${x}"}"` is not idempotent
                // in Terraform either; see the fixture unwrap_nested.tf)
                (
                    ws(),
                    inner
                        .clone()
                        .prop_filter("nested template", |e| !e.starts_with('"')),
                    ws()
                )
                    .prop_map(|(a, e, b)| format!("\"${{{a}{e}{b}}}\"")),
            ]
        })
        .boxed()
}

fn attribute() -> BoxedStrategy<String> {
    (
        ws(),
        ident(),
        ws(),
        ws(),
        expr(),
        prop_oneof![
            4 => Just(String::new()),
            1 => Just(" # trailing".to_string()),
            1 => Just("   // trailing".to_string()),
            1 => Just(" /* end */".to_string()),
        ],
    )
        .prop_map(|(i, k, a, b, v, c)| format!("{i}{k}{a}={b}{v}{c}\n"))
        .boxed()
}

fn heredoc_attr() -> BoxedStrategy<String> {
    (ident(), any::<bool>(), ws())
        .prop_map(|(k, dash, w)| {
            let intro = if dash { "<<-" } else { "<<" };
            format!("{k} = {intro}EOT\n  keep   this ${{{w}var.x{w}}}\n\tand this  \nEOT\n")
        })
        .boxed()
}

fn filler() -> BoxedStrategy<String> {
    prop_oneof![
        Just("\n".to_string()),
        Just("# a comment line\n".to_string()),
        Just("   // indented comment\n".to_string()),
        Just("/* block\n   comment */\n".to_string()),
        Just("  \t \n".to_string()),
    ]
    .boxed()
}

/// A body: attributes, nested blocks, comments and blank lines (depth limited).
pub fn body(depth: u32) -> BoxedStrategy<String> {
    let item = if depth == 0 {
        prop_oneof![5 => attribute(), 1 => heredoc_attr(), 2 => filler()].boxed()
    } else {
        prop_oneof![
            5 => attribute(),
            1 => heredoc_attr(),
            2 => filler(),
            2 => block(depth - 1),
        ]
        .boxed()
    };
    proptest::collection::vec(item, 0..7)
        .prop_map(|v| v.concat())
        .boxed()
}

fn block(depth: u32) -> BoxedStrategy<String> {
    (
        prop_oneof![
            Just("resource".to_string()),
            Just("variable".to_string()),
            Just("dynamic".to_string()),
            Just("nested".to_string()),
        ],
        proptest::collection::vec(
            prop_oneof![
                Just("\"aws_instance\"".to_string()),
                Just("web".to_string()),
                Just("\"a b\"".to_string()),
                Just("\"x\\\"y\"".to_string()),
            ],
            0..3,
        ),
        ws(),
        body(depth),
        any::<bool>(),
    )
        .prop_map(|(t, labels, w, b, one_line)| {
            let labels: String = labels.iter().map(|l| format!(" {l}")).collect();
            if one_line && b.trim().is_empty() {
                format!("{t}{labels}{w}{{}}\n")
            } else {
                format!("{t}{labels}{w}{{\n{b}}}\n")
            }
        })
        .boxed()
}

/// A whole configuration file.
pub fn config() -> BoxedStrategy<String> {
    (body(2), prop_oneof![Just(""), Just("\n"), Just("  ")])
        .prop_map(|(b, tail)| format!("{b}{tail}"))
        .boxed()
}
