//! aws_iam_role and aws_iam_role_policy_attachment.

use crate::ec2::{comp, oc, opt, req, with_tags, B, N, S};
use crate::resource::{Cx, Resource};
use crate::util::{
    ae, normalize_json, retry_codes, sopt, url_decode, Error, Fail, Obj, ObjExt, Res,
};
use girder_core::Value;
use girder_provider::schema::Schema;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The IAM resource types.
pub fn resources() -> Vec<(&'static str, Arc<dyn Resource>)> {
    vec![
        ("aws_iam_role", Arc::new(Role) as Arc<dyn Resource>),
        (
            "aws_iam_role_policy_attachment",
            Arc::new(RolePolicyAttachment),
        ),
    ]
}

/// IAM propagates new roles slowly: these errors right after a create mean "try again".
const IAM_NOT_YET: &[&str] = &["NoSuchEntity", "MalformedPolicyDocument"];

/// `aws_iam_role`
pub struct Role;

/// Keeps the configured text of a JSON document when AWS's copy means the same.
fn same_json(prior: Option<String>, aws: &str) -> String {
    match prior {
        Some(p) if normalize_json(&p) == normalize_json(aws) => p,
        _ => aws.to_string(),
    }
}

#[async_trait::async_trait]
impl Resource for Role {
    fn schema(&self) -> Schema {
        with_tags(
            Schema::new()
                .attr("id", comp(S))
                .attr("arn", comp(S))
                .attr("name", oc(S).force_new())
                .attr("name_prefix", oc(S).force_new())
                .attr("assume_role_policy", req(S))
                .attr("description", opt(S))
                .attr("force_detach_policies", opt(B).default(false))
                .attr("max_session_duration", opt(N).default(3600i64))
                .attr("path", opt(S).default("/").force_new())
                .attr("permissions_boundary", opt(S))
                .attr("create_date", comp(S))
                .attr("unique_id", comp(S)),
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        if prior.is_none() && planned.get("name").is_none_or(|v| v.is_null()) {
            planned.insert("name".into(), Value::unknown(S));
        }
        if planned
            .get("name_prefix")
            .is_none_or(|v| v.is_null() || !v.is_known())
        {
            planned.insert("name_prefix".into(), Value::string(""));
        }
        // an equivalent policy document is not a change
        if let (Some(p), Some(new)) = (prior, planned.s("assume_role_policy")) {
            if let Some(old) = p.s("assume_role_policy") {
                if normalize_json(&old) == normalize_json(&new) {
                    planned.insert("assume_role_policy".into(), Value::string(old));
                }
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let name = match (p.s_nonempty("name"), p.s_nonempty("name_prefix")) {
            (Some(n), _) => n,
            (None, Some(pre)) => crate::ec2::sg::unique_name(&pre),
            (None, None) => crate::ec2::sg::unique_name("terraform-"),
        };
        let tags: Vec<aws_sdk_iam::types::Tag> = p
            .smap("tags_all")
            .iter()
            .filter_map(|(k, v)| {
                aws_sdk_iam::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .ok()
            })
            .collect();
        let call =
            cx.c.iam
                .create_role()
                .role_name(&name)
                .assume_role_policy_document(p.s_or_empty("assume_role_policy"))
                .set_description(p.s_nonempty("description"))
                .set_max_session_duration(p.i("max_session_duration").map(|n| n as i32))
                .set_path(p.s_nonempty("path"))
                .set_permissions_boundary(p.s_nonempty("permissions_boundary"))
                .set_tags((!tags.is_empty()).then_some(tags));
        retry_codes(
            cx.op,
            &cx.c.timing,
            &["MalformedPolicyDocument"],
            None,
            "creating IAM role",
            || {
                let call = call.clone();
                async move { call.send().await.map_err(ae("IAM CreateRole")) }
            },
        )
        .await
        .map_err(|e| Fail::from(e.diag("aws_iam_role")))?;
        Ok(Obj::from([
            ("id".to_string(), Value::string(&name)),
            ("name".to_string(), Value::string(&name)),
        ]))
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let name = s.s_nonempty("name").unwrap_or_else(|| s.s_or_empty("id"));
        let out = match cx.c.iam.get_role().role_name(&name).send().await {
            Ok(o) => o,
            Err(e) => {
                let e = ae("IAM GetRole")(e);
                if e.is_not_found() {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        let Some(r) = out.role() else { return Ok(None) };
        let doc = url_decode(r.assume_role_policy_document().unwrap_or_default());
        let tags = crate::util::tag_map(r.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
        let prefix = s
            .s_nonempty("name_prefix")
            .filter(|p| r.role_name().starts_with(p.as_str()))
            .unwrap_or_default();
        Ok(Some(Obj::from([
            ("id".into(), Value::string(r.role_name())),
            ("name".into(), Value::string(r.role_name())),
            ("name_prefix".into(), Value::string(prefix)),
            ("arn".into(), Value::string(r.arn())),
            ("path".into(), Value::string(r.path())),
            ("unique_id".into(), Value::string(r.role_id())),
            (
                "create_date".into(),
                Value::string(
                    r.create_date()
                        .fmt(aws_smithy_types::date_time::Format::DateTime)
                        .unwrap_or_default(),
                ),
            ),
            (
                "assume_role_policy".into(),
                Value::string(same_json(s.s("assume_role_policy"), &doc)),
            ),
            (
                "description".into(),
                sopt(r.description().filter(|d| !d.is_empty())),
            ),
            (
                "max_session_duration".into(),
                Value::int(r.max_session_duration().unwrap_or(3600) as i64),
            ),
            (
                "permissions_boundary".into(),
                sopt(
                    r.permissions_boundary()
                        .and_then(|b| b.permissions_boundary_arn()),
                ),
            ),
            ("tags_all".into(), crate::util::smap(&tags)),
        ])))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let name = prior.s_or_empty("name");
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_iam_role"));
        if prior.s("assume_role_policy") != p.s("assume_role_policy") {
            cx.c.iam
                .update_assume_role_policy()
                .role_name(&name)
                .policy_document(p.s_or_empty("assume_role_policy"))
                .send()
                .await
                .map_err(|e| wrap(ae("IAM UpdateAssumeRolePolicy")(e).into()))?;
        }
        if prior.s("description") != p.s("description")
            || prior.i("max_session_duration") != p.i("max_session_duration")
        {
            cx.c.iam
                .update_role()
                .role_name(&name)
                .description(p.s_or_empty("description"))
                .set_max_session_duration(p.i("max_session_duration").map(|n| n as i32))
                .send()
                .await
                .map_err(|e| wrap(ae("IAM UpdateRole")(e).into()))?;
        }
        if prior.s("permissions_boundary") != p.s("permissions_boundary") {
            match p.s_nonempty("permissions_boundary") {
                Some(b) => {
                    cx.c.iam
                        .put_role_permissions_boundary()
                        .role_name(&name)
                        .permissions_boundary(b)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| wrap(ae("IAM PutRolePermissionsBoundary")(e).into()))?
                }
                None => {
                    cx.c.iam
                        .delete_role_permissions_boundary()
                        .role_name(&name)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| wrap(ae("IAM DeleteRolePermissionsBoundary")(e).into()))?
                }
            }
        }
        let (set, remove) = crate::util::tag_diff(&prior.smap("tags_all"), &p.smap("tags_all"));
        if !remove.is_empty() {
            cx.c.iam
                .untag_role()
                .role_name(&name)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| wrap(ae("IAM UntagRole")(e).into()))?;
        }
        if !set.is_empty() {
            cx.c.iam
                .tag_role()
                .role_name(&name)
                .set_tags(Some(
                    set.iter()
                        .filter_map(|(k, v)| {
                            aws_sdk_iam::types::Tag::builder()
                                .key(k)
                                .value(v)
                                .build()
                                .ok()
                        })
                        .collect(),
                ))
                .send()
                .await
                .map_err(|e| wrap(ae("IAM TagRole")(e).into()))?;
        }
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let name = prior.s_or_empty("name");
        // Instance profiles always, policies with force_detach_policies (as Terraform).
        if let Ok(out) =
            cx.c.iam
                .list_instance_profiles_for_role()
                .role_name(&name)
                .send()
                .await
        {
            for ip in out.instance_profiles() {
                cx.c.iam
                    .remove_role_from_instance_profile()
                    .role_name(&name)
                    .instance_profile_name(ip.instance_profile_name())
                    .send()
                    .await
                    .map_err(ae("IAM RemoveRoleFromInstanceProfile"))?;
            }
        }
        if prior.b("force_detach_policies") == Some(true) {
            let out =
                cx.c.iam
                    .list_attached_role_policies()
                    .role_name(&name)
                    .send()
                    .await
                    .map_err(ae("IAM ListAttachedRolePolicies"))?;
            for p in out.attached_policies() {
                cx.c.iam
                    .detach_role_policy()
                    .role_name(&name)
                    .set_policy_arn(p.policy_arn().map(str::to_string))
                    .send()
                    .await
                    .map_err(ae("IAM DetachRolePolicy"))?;
            }
            let out =
                cx.c.iam
                    .list_role_policies()
                    .role_name(&name)
                    .send()
                    .await
                    .map_err(ae("IAM ListRolePolicies"))?;
            for p in out.policy_names() {
                cx.c.iam
                    .delete_role_policy()
                    .role_name(&name)
                    .policy_name(p)
                    .send()
                    .await
                    .map_err(ae("IAM DeleteRolePolicy"))?;
            }
        }
        retry_codes(
            cx.op,
            &cx.c.timing,
            &["DeleteConflict"],
            None,
            "deleting IAM role",
            || async {
                cx.c.iam
                    .delete_role()
                    .role_name(&name)
                    .send()
                    .await
                    .map_err(ae("IAM DeleteRole"))
            },
        )
        .await?;
        Ok(())
    }
}

/// `aws_iam_role_policy_attachment`
pub struct RolePolicyAttachment;

async fn attached(cx: &Cx<'_>, role: &str) -> Res<Option<Vec<String>>> {
    let mut arns = Vec::new();
    let mut marker = None;
    loop {
        let out = match cx
            .c
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let e = ae("IAM ListAttachedRolePolicies")(e);
                if e.is_not_found() {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        arns.extend(
            out.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string)),
        );
        if out.is_truncated() {
            marker = out.marker().map(str::to_string);
        } else {
            return Ok(Some(arns));
        }
    }
}

#[async_trait::async_trait]
impl Resource for RolePolicyAttachment {
    fn schema(&self) -> Schema {
        Schema::new()
            .attr("id", comp(S))
            .attr("role", req(S).force_new())
            .attr("policy_arn", req(S).force_new())
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let role = p.s_or_empty("role");
        retry_codes(
            cx.op,
            &cx.c.timing,
            IAM_NOT_YET,
            None,
            "attaching policy",
            || async {
                cx.c.iam
                    .attach_role_policy()
                    .role_name(&role)
                    .policy_arn(p.s_or_empty("policy_arn"))
                    .send()
                    .await
                    .map_err(ae("IAM AttachRolePolicy"))
            },
        )
        .await
        .map_err(|e| Fail::from(e.diag("aws_iam_role_policy_attachment")))?;
        Ok(Obj::from([(
            "id".to_string(),
            Value::string(crate::ec2::sg::unique_name(&format!("{role}-"))),
        )]))
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        // one listing per role
        let mut by_role: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
        for s in states {
            let role = s.s_or_empty("role");
            if by_role.contains_key(&role) {
                continue;
            }
            match attached(cx, &role).await {
                Ok(a) => {
                    by_role.insert(role, a);
                }
                Err(e) => {
                    let d = e.diag("reading");
                    return states.iter().map(|_| Err(Error::Diag(d.clone()))).collect();
                }
            }
        }
        states
            .iter()
            .map(|s| {
                let role = s.s_or_empty("role");
                let arn = s.s_or_empty("policy_arn");
                Ok(match by_role.get(&role) {
                    Some(Some(arns)) if arns.contains(&arn) => Some(Obj::new()),
                    _ => None,
                })
            })
            .collect()
    }

    async fn update(&self, _cx: &Cx<'_>, _prior: &Obj, _p: &Obj) -> Result<Obj, Fail> {
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        match cx
            .c
            .iam
            .detach_role_policy()
            .role_name(prior.s_or_empty("role"))
            .policy_arn(prior.s_or_empty("policy_arn"))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = ae("IAM DetachRolePolicy")(e);
                if e.is_not_found() {
                    Ok(())
                } else {
                    Err(e.into())
                }
            }
        }
    }

    /// `ROLE/POLICY_ARN`
    fn import_state(&self, id: &str) -> Res<Obj> {
        let Some((role, arn)) = id.split_once('/') else {
            return Err(crate::util::err(
                "Invalid import id",
                format!("unexpected format for ID ({id}), expected <role-name>/<policy_arn>"),
            ));
        };
        Ok(Obj::from([
            (
                "id".to_string(),
                Value::string(format!("{role}-{}", crate::util::short_hash(arn))),
            ),
            ("role".to_string(), Value::string(role)),
            ("policy_arn".to_string(), Value::string(arn)),
        ]))
    }
}
