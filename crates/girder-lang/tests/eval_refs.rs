//! `refs::references` over lowered expressions.

use girder_core::addr::ResourceMode;
use girder_lang::refs::{references, Subject};
use girder_lang::source::Expr;

fn subjects(src: &str) -> Vec<Subject> {
    let e = Expr::parse(src, "t.tf").unwrap();
    references(&e).into_iter().map(|r| r.subject).collect()
}

fn res(t: &str, n: &str) -> Subject {
    Subject::Resource {
        mode: ResourceMode::Managed,
        type_name: t.into(),
        name: n.into(),
    }
}

#[test]
fn roots_are_classified() {
    assert_eq!(
        subjects(
            "[var.a, local.b.c, count.index, each.key, path.module, terraform.workspace, self.id]"
        ),
        vec![
            Subject::Var("a".into()),
            Subject::Local("b".into()),
            Subject::Count("index".into()),
            Subject::Each("key".into()),
            Subject::Path("module".into()),
            Subject::Terraform("workspace".into()),
            Subject::SelfRef,
        ]
    );
    assert_eq!(
        subjects("data.aws_ami.x.id == aws_vpc.main[0].id"),
        vec![
            Subject::Resource {
                mode: ResourceMode::Data,
                type_name: "aws_ami".into(),
                name: "x".into()
            },
            res("aws_vpc", "main"),
        ]
    );
    assert_eq!(
        subjects("[module.a.out, module.b[\"k\"].o2, module.c, module.d[var.i].x]"),
        vec![
            Subject::Module {
                name: "a".into(),
                output: Some("out".into())
            },
            Subject::Module {
                name: "b".into(),
                output: Some("o2".into())
            },
            Subject::Module {
                name: "c".into(),
                output: None
            },
            Subject::Module {
                name: "d".into(),
                output: None
            },
            Subject::Var("i".into()),
        ]
    );
    assert_eq!(subjects("foo"), vec![Subject::Other("foo".into())]);
}

#[test]
fn for_iterators_and_functions_are_not_references() {
    assert_eq!(
        subjects("{for k, v in var.m : k => upper(v) if v != local.skip}"),
        vec![Subject::Var("m".into()), Subject::Local("skip".into())]
    );
    assert_eq!(
        subjects("\"%{for x in var.l}${x}${var.sep}%{endfor}\""),
        vec![Subject::Var("l".into()), Subject::Var("sep".into())]
    );
    // the iterator is only bound inside the for expression
    assert_eq!(
        subjects("[for x in [1] : x] == x"),
        vec![Subject::Other("x".into())]
    );
}

#[test]
fn references_inside_indexes_splats_and_templates() {
    assert_eq!(
        subjects("aws_subnet.s[count.index].id"),
        vec![res("aws_subnet", "s"), Subject::Count("index".into())]
    );
    assert_eq!(
        subjects("aws_instance.web[*].tags[var.k]"),
        vec![res("aws_instance", "web"), Subject::Var("k".into())]
    );
    assert_eq!(
        subjects("\"${var.a}-%{if local.b}x%{endif}\""),
        vec![Subject::Var("a".into()), Subject::Local("b".into())]
    );
}

#[test]
fn spans_and_text() {
    let e = Expr::parse("1 + aws_vpc.main.cidr_block", "m.tf").unwrap();
    let r = references(&e);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].text, "aws_vpc.main.cidr_block");
    let sp = r[0].span.clone().unwrap();
    assert_eq!((sp.start.column, sp.end.column), (5, 17));
    assert_eq!(&*sp.filename, "m.tf");
}

#[test]
fn static_traversals() {
    let e = Expr::parse("aws_vpc.main[0].id", "m.tf").unwrap();
    assert_eq!(
        e.static_traversal().unwrap(),
        vec!["aws_vpc", "main", "[0]", "id"]
    );
    let e = Expr::parse("[aws_vpc.a, module.m]", "m.tf").unwrap();
    let items = e.tuple_items().unwrap();
    assert_eq!(items[1].static_traversal().unwrap(), vec!["module", "m"]);
    assert!(Expr::parse("f(x)", "m.tf")
        .unwrap()
        .static_traversal()
        .is_none());
}

#[test]
fn spans_from_the_line_index_match_a_scan() {
    let text = "a\nbé c\n\nlast line é";
    let f = girder_lang::source::SourceFile::new("x.tf", text);
    for b in 0..=text.len() + 3 {
        assert_eq!(f.pos(b), girder_core::diag::pos_at(text, b), "byte {b}");
    }
}
