//! Override files (`override.tf`, `*_override.tf`): merged into the primary files' blocks as
//! Terraform does. An override block replaces the arguments it sets; nested blocks of a type it
//! sets replace all nested blocks of that type; an override of something not declared in a
//! primary file is an error.

use super::*;
use girder_core::Diagnostics;

fn missing(diags: &mut Diagnostics, what: &str, name: &str, span: &SourceSpan) {
    diags.push(
        Diagnostic::error(
            format!("Missing base {what} to override"),
            format!(
                "There is no {what} named \"{name}\". An override file can only override a {what} that was already declared in a primary configuration file."
            ),
        )
        .with_span(span.clone())
        .with_help(format!("Declare the {what} in a primary file, or move this block out of the override file.")),
    );
}

fn merge_body(base: &mut Body, over: Body) {
    for a in over.attrs {
        match base.attrs.iter_mut().find(|b| b.name == a.name) {
            Some(slot) => *slot = a,
            None => base.attrs.push(a),
        }
    }
    let mut types: Vec<&str> = over.blocks.iter().map(|b| b.type_name.as_str()).collect();
    types.dedup();
    let types: Vec<String> = types.into_iter().map(str::to_string).collect();
    base.blocks.retain(|b| !types.contains(&b.type_name));
    base.blocks.extend(over.blocks);
}

pub(crate) fn merge_override(base: &mut Module, over: Module, diags: &mut Diagnostics) {
    // terraform
    if !over.terraform.required_version.is_empty() {
        base.terraform.required_version = over.terraform.required_version;
    }
    base.terraform
        .required_providers
        .extend(over.terraform.required_providers);
    if over.terraform.backend.is_some() {
        base.terraform.backend = over.terraform.backend;
    }
    base.terraform
        .experiments
        .extend(over.terraform.experiments);

    for p in over.providers {
        match base
            .providers
            .iter_mut()
            .find(|b| b.name == p.name && b.alias == p.alias)
        {
            Some(b) => {
                if p.version.is_some() {
                    b.version = p.version;
                }
                merge_body(&mut b.body, p.body);
            }
            None => missing(diags, "provider configuration", &p.name, &p.span),
        }
    }
    for v in over.variables {
        match base.variables.iter_mut().find(|b| b.name == v.name) {
            Some(b) => {
                if v.type_expr.is_some() {
                    b.type_expr = v.type_expr;
                    b.ty = v.ty;
                    b.type_error = v.type_error;
                }
                if v.default.is_some() {
                    b.default = v.default;
                }
                if v.description.is_some() {
                    b.description = v.description;
                }
                if v.sensitive {
                    b.sensitive = true;
                }
                if !v.nullable {
                    b.nullable = false;
                }
                if !v.validations.is_empty() {
                    b.validations = v.validations;
                }
            }
            None => missing(diags, "variable declaration", &v.name, &v.span),
        }
    }
    for l in over.locals {
        match base.locals.iter_mut().find(|b| b.name == l.name) {
            Some(b) => *b = l,
            None => missing(diags, "local value definition", &l.name, &l.span),
        }
    }
    for o in over.outputs {
        match base.outputs.iter_mut().find(|b| b.name == o.name) {
            Some(b) => {
                if o.value.is_some() {
                    b.value = o.value;
                }
                if o.description.is_some() {
                    b.description = o.description;
                }
                if o.sensitive {
                    b.sensitive = true;
                }
                if !o.depends_on.is_empty() {
                    b.depends_on = o.depends_on;
                }
                if !o.preconditions.is_empty() {
                    b.preconditions = o.preconditions;
                }
            }
            None => missing(diags, "output definition", &o.name, &o.span),
        }
    }
    for r in over.resources {
        match base
            .resources
            .iter_mut()
            .find(|b| b.mode == r.mode && b.type_name == r.type_name && b.name == r.name)
        {
            Some(b) => {
                if r.count.is_some() {
                    b.count = r.count;
                }
                if r.for_each.is_some() {
                    b.for_each = r.for_each;
                }
                if r.provider.is_some() {
                    b.provider = r.provider;
                }
                if !r.depends_on.is_empty() {
                    b.depends_on = r.depends_on;
                }
                let l = r.lifecycle;
                if l.create_before_destroy.is_some() {
                    b.lifecycle.create_before_destroy = l.create_before_destroy;
                }
                if l.prevent_destroy.is_some() {
                    b.lifecycle.prevent_destroy = l.prevent_destroy;
                }
                if !matches!(l.ignore_changes, IgnoreChanges::None) {
                    b.lifecycle.ignore_changes = l.ignore_changes;
                }
                if !l.replace_triggered_by.is_empty() {
                    b.lifecycle.replace_triggered_by = l.replace_triggered_by;
                }
                if !l.preconditions.is_empty() {
                    b.lifecycle.preconditions = l.preconditions;
                }
                if !l.postconditions.is_empty() {
                    b.lifecycle.postconditions = l.postconditions;
                }
                if r.timeouts.is_some() {
                    b.timeouts = r.timeouts;
                }
                merge_body(&mut b.body, r.body);
            }
            None => {
                let what = match r.mode {
                    ResourceMode::Managed => "resource",
                    ResourceMode::Data => "data resource",
                };
                missing(diags, what, &r.address(), &r.span)
            }
        }
    }
    for c in over.module_calls {
        match base.module_calls.iter_mut().find(|b| b.name == c.name) {
            Some(b) => {
                if !c.source.is_empty() {
                    b.source = c.source;
                    b.source_kind = c.source_kind;
                    b.source_span = c.source_span;
                }
                if c.version.is_some() {
                    b.version = c.version;
                }
                if c.count.is_some() {
                    b.count = c.count;
                }
                if c.for_each.is_some() {
                    b.for_each = c.for_each;
                }
                if !c.providers.is_empty() {
                    b.providers = c.providers;
                }
                if !c.depends_on.is_empty() {
                    b.depends_on = c.depends_on;
                }
                for a in c.inputs {
                    match b.inputs.iter_mut().find(|x| x.name == a.name) {
                        Some(slot) => *slot = a,
                        None => b.inputs.push(a),
                    }
                }
            }
            None => missing(diags, "module call", &c.name, &c.span),
        }
    }
    base.moved.extend(over.moved);
    base.imports.extend(over.imports);
    base.removed.extend(over.removed);
    base.checks.extend(over.checks);
}
