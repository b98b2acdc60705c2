//! aws_security_group (inline ingress/egress rules) and aws_security_group_rule.

use super::*;
use crate::util::{slist, sset, Fail};
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use std::collections::BTreeSet;

/// Terraform's protocol normalisation (`all` and `-1` are the same; well-known numbers are
/// stored by name).
pub fn norm_protocol(p: &str) -> String {
    let p = p.to_ascii_lowercase();
    match p.as_str() {
        "all" | "-1" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        _ => p,
    }
}

/// One source of a rule, the unit AWS stores.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Src {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
    SelfRef,
}

/// A rule's key plus one source plus its description.
type Atom = (String, i64, i64, Src, String);

fn rule_block_schema() -> Schema {
    Schema::new()
        .attr("from_port", req(N))
        .attr("to_port", req(N))
        .attr("protocol", req(S))
        .attr("cidr_blocks", opt(slist_t()))
        .attr("ipv6_cidr_blocks", opt(slist_t()))
        .attr("prefix_list_ids", opt(slist_t()))
        .attr("security_groups", opt(sset_t()))
        .attr("self", opt(B).default(false))
        .attr("description", opt(S))
}

fn rule_type() -> Type {
    rule_block_schema().object_type()
}

/// A rule in its normal form: every attribute set, protocol normalised, ports 0 for "-1".
fn norm_rule(r: &Obj) -> Value {
    let keep = |k: &str, v: Value| -> Value {
        match r.get(k) {
            Some(x) if !x.is_known() => x.clone(),
            _ => v,
        }
    };
    let proto = norm_protocol(&r.s_or_empty("protocol"));
    let (from, to) = if proto == "-1" {
        (Some(0), Some(0))
    } else {
        (r.i("from_port"), r.i("to_port"))
    };
    let mut o = Obj::new();
    o.insert("protocol".into(), keep("protocol", Value::string(&proto)));
    o.insert(
        "from_port".into(),
        keep("from_port", Value::int(from.unwrap_or(0))),
    );
    o.insert(
        "to_port".into(),
        keep("to_port", Value::int(to.unwrap_or(0))),
    );
    for k in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
        o.insert(k.into(), keep(k, slist(r.strs(k))));
    }
    o.insert(
        "security_groups".into(),
        keep("security_groups", sset(r.strs("security_groups"))),
    );
    o.insert(
        "self".into(),
        keep("self", Value::bool(r.b("self").unwrap_or(false))),
    );
    o.insert(
        "description".into(),
        keep("description", Value::string(r.s_or_empty("description"))),
    );
    crate::util::conform(&Value::object(o.into()), &rule_type())
}

fn atoms_of_rule(r: &Obj) -> Vec<Atom> {
    let proto = norm_protocol(&r.s_or_empty("protocol"));
    let (from, to) = if proto == "-1" {
        (0, 0)
    } else {
        (r.i("from_port").unwrap_or(0), r.i("to_port").unwrap_or(0))
    };
    let d = r.s_or_empty("description");
    let mut out = Vec::new();
    let mut add = |s: Src| out.push((proto.clone(), from, to, s, d.clone()));
    for c in r.strs("cidr_blocks") {
        add(Src::Cidr(c));
    }
    for c in r.strs("ipv6_cidr_blocks") {
        add(Src::Ipv6(c));
    }
    for c in r.strs("prefix_list_ids") {
        add(Src::PrefixList(c));
    }
    for c in r.strs("security_groups") {
        add(Src::Group(c));
    }
    if r.b("self") == Some(true) {
        add(Src::SelfRef);
    }
    out
}

fn atoms_of_perms(perms: &[IpPermission], own: &str) -> Vec<Atom> {
    let mut out = Vec::new();
    for p in perms {
        let proto = norm_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if proto == "-1" {
            (0, 0)
        } else {
            (
                p.from_port().unwrap_or(0) as i64,
                p.to_port().unwrap_or(0) as i64,
            )
        };
        let mut add = |s: Src, d: Option<&str>| {
            out.push((
                proto.clone(),
                from,
                to,
                s,
                d.unwrap_or_default().to_string(),
            ))
        };
        for r in p.ip_ranges() {
            add(
                Src::Cidr(r.cidr_ip().unwrap_or_default().into()),
                r.description(),
            );
        }
        for r in p.ipv6_ranges() {
            add(
                Src::Ipv6(r.cidr_ipv6().unwrap_or_default().into()),
                r.description(),
            );
        }
        for r in p.prefix_list_ids() {
            add(
                Src::PrefixList(r.prefix_list_id().unwrap_or_default().into()),
                r.description(),
            );
        }
        for g in p.user_id_group_pairs() {
            let gid = g.group_id().unwrap_or_default();
            if gid == own {
                add(Src::SelfRef, g.description());
            } else {
                add(Src::Group(gid.into()), g.description());
            }
        }
    }
    out
}

fn rule_from_atoms(atoms: &[Atom]) -> Value {
    let (proto, from, to, _, d) = &atoms[0];
    let mut cidr = Vec::new();
    let mut v6 = Vec::new();
    let mut pl = Vec::new();
    let mut sgs = Vec::new();
    let mut selfref = false;
    for (_, _, _, s, _) in atoms {
        match s {
            Src::Cidr(c) => cidr.push(c.clone()),
            Src::Ipv6(c) => v6.push(c.clone()),
            Src::PrefixList(c) => pl.push(c.clone()),
            Src::Group(c) => sgs.push(c.clone()),
            Src::SelfRef => selfref = true,
        }
    }
    let o = Obj::from([
        ("protocol".into(), Value::string(proto)),
        ("from_port".into(), Value::int(*from)),
        ("to_port".into(), Value::int(*to)),
        ("cidr_blocks".into(), slist(cidr)),
        ("ipv6_cidr_blocks".into(), slist(v6)),
        ("prefix_list_ids".into(), slist(pl)),
        ("security_groups".into(), sset(sgs)),
        ("self".into(), Value::bool(selfref)),
        ("description".into(), Value::string(d)),
    ]);
    crate::util::conform(&Value::object(o.into()), &rule_type())
}

/// Groups what AWS has into rule blocks, matching the blocks of `known` (prior state or plan)
/// first so that the grouping the user wrote survives a read; the rest grouped by
/// protocol, ports and description.
fn group_rules(mut atoms: Vec<Atom>, known: &[Obj]) -> Value {
    let mut rules = Vec::new();
    for k in known {
        let want = atoms_of_rule(k);
        if want.is_empty() {
            continue;
        }
        let present: Vec<Atom> = want.iter().filter(|a| atoms.contains(a)).cloned().collect();
        if present.is_empty() {
            continue;
        }
        atoms.retain(|a| !present.contains(a));
        rules.push(rule_from_atoms(&present));
    }
    let mut groups: BTreeMap<(String, i64, i64, String), Vec<Atom>> = BTreeMap::new();
    for a in atoms {
        groups
            .entry((a.0.clone(), a.1, a.2, a.4.clone()))
            .or_default()
            .push(a);
    }
    for (_, g) in groups {
        rules.push(rule_from_atoms(&g));
    }
    Value::set(rule_type(), rules)
}

/// The IpPermission of one rule (self resolved to `own`).
fn perm_of_rule(r: &Obj, own: &str) -> IpPermission {
    perm_of_atoms(&atoms_of_rule(r), own)
}

fn perm_of_atoms(atoms: &[Atom], own: &str) -> IpPermission {
    let Some((proto, from, to, _, _)) = atoms.first() else {
        return IpPermission::builder().build();
    };
    let mut b = IpPermission::builder().ip_protocol(proto);
    if proto != "-1" {
        b = b.from_port(*from as i32).to_port(*to as i32);
    }
    for (_, _, _, s, d) in atoms {
        let d = (!d.is_empty()).then(|| d.clone());
        b = match s {
            Src::Cidr(c) => b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(d).build()),
            Src::Ipv6(c) => {
                b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(d).build())
            }
            Src::PrefixList(c) => b.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(c)
                    .set_description(d)
                    .build(),
            ),
            Src::Group(g) => {
                let (user, gid) = match g.split_once('/') {
                    Some((u, g)) => (Some(u.to_string()), g.to_string()),
                    None => (None, g.clone()),
                };
                b.user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(gid)
                        .set_user_id(user)
                        .set_description(d)
                        .build(),
                )
            }
            Src::SelfRef => b.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(own)
                    .set_description(d)
                    .build(),
            ),
        };
    }
    b.build()
}

async fn authorize(cx: &Cx<'_>, id: &str, egress: bool, perms: Vec<IpPermission>) -> Res<()> {
    if perms.is_empty() {
        return Ok(());
    }
    if egress {
        let call =
            cx.c.ec2
                .authorize_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(perms));
        ec2_retry(cx, "authorizing egress", || {
            let call = call.clone();
            async move {
                call.send()
                    .await
                    .map_err(ae("EC2 AuthorizeSecurityGroupEgress"))
            }
        })
        .await?;
    } else {
        let call =
            cx.c.ec2
                .authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(perms));
        ec2_retry(cx, "authorizing ingress", || {
            let call = call.clone();
            async move {
                call.send()
                    .await
                    .map_err(ae("EC2 AuthorizeSecurityGroupIngress"))
            }
        })
        .await?;
    }
    Ok(())
}

async fn revoke(cx: &Cx<'_>, id: &str, egress: bool, perms: Vec<IpPermission>) -> Res<()> {
    if perms.is_empty() {
        return Ok(());
    }
    let r = if egress {
        cx.c.ec2
            .revoke_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(ae("EC2 RevokeSecurityGroupEgress"))
    } else {
        cx.c.ec2
            .revoke_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(ae("EC2 RevokeSecurityGroupIngress"))
    };
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.is(&["InvalidPermission.NotFound"]) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

static UNIQUE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Terraform's unique names: prefix + UTC timestamp + counter (26 characters).
pub fn unique_name(prefix: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let n = UNIQUE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "{prefix}{y:04}{m:02}{d:02}{:02}{:02}{:02}{:04}{:08x}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis(),
        n
    )
}

/// `aws_security_group`
pub struct SecurityGroup;

async fn describe_sgs(
    cx: &Cx<'_>,
    ids: Vec<String>,
    known: &BTreeMap<String, Obj>,
) -> Res<Vec<(String, Obj)>> {
    let mut res = Vec::new();
    let mut token = None;
    loop {
        let out =
            cx.c.ec2
                .describe_security_groups()
                .filters(filter("group-id", ids.clone()))
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .map_err(ae("EC2 DescribeSecurityGroups"))?;
        for g in out.security_groups() {
            let id = id_of(g.group_id());
            let prior = known.get(&id).cloned().unwrap_or_default();
            let name = g.group_name().unwrap_or_default().to_string();
            let o = Obj::from([
                ("id".into(), Value::string(&id)),
                (
                    "arn".into(),
                    match g.security_group_arn() {
                        Some(a) => Value::string(a),
                        None => Value::string(cx.c.arn("ec2", &format!("security-group/{id}"))),
                    },
                ),
                ("name".into(), Value::string(&name)),
                (
                    "name_prefix".into(),
                    Value::string(
                        prior
                            .s_nonempty("name_prefix")
                            .filter(|p| name.starts_with(p.as_str()))
                            .unwrap_or_default(),
                    ),
                ),
                ("description".into(), sv(g.description())),
                ("vpc_id".into(), sv(g.vpc_id())),
                ("owner_id".into(), sv(g.owner_id())),
                (
                    "ingress".into(),
                    group_rules(
                        atoms_of_perms(g.ip_permissions(), &id),
                        &prior.blocks("ingress"),
                    ),
                ),
                (
                    "egress".into(),
                    group_rules(
                        atoms_of_perms(g.ip_permissions_egress(), &id),
                        &prior.blocks("egress"),
                    ),
                ),
                ("tags_all".into(), tags_value(g.tags())),
            ]);
            res.push((id, o));
        }
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(res);
        }
    }
}

#[async_trait::async_trait]
impl Resource for SecurityGroup {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("name", oc(S).force_new())
                    .attr("name_prefix", oc(S).force_new())
                    .attr(
                        "description",
                        opt(S).default("Managed by Terraform").force_new(),
                    )
                    .attr("vpc_id", oc(S).force_new())
                    .attr("revoke_rules_on_delete", opt(B).default(false))
                    .attr("owner_id", comp(S))
                    .block("ingress", Nesting::Set, rule_block_schema(), 0, 0)
                    .block("egress", Nesting::Set, rule_block_schema(), 0, 0),
            ),
            &["create", "delete"],
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        for k in ["ingress", "egress"] {
            let Some(v) = planned.get(k) else { continue };
            if !v.is_known() {
                continue;
            }
            // Like Terraform's provider (the rule sets are optional + computed): no blocks
            // at all keeps what exists, so aws_security_group_rule can manage the rules.
            if v.is_null() || v.is_empty() {
                match prior {
                    Some(p) if p.get(k).is_some_and(|x| !x.is_null()) => {
                        planned.insert(k.into(), p.v(k));
                    }
                    _ => {
                        planned.insert(k.into(), Value::set(rule_type(), Vec::new()));
                    }
                }
                continue;
            }
            let rules: Vec<Value> = planned.blocks(k).iter().map(norm_rule).collect();
            planned.insert(k.into(), Value::set(rule_type(), rules));
        }
        if planned.get("name").is_some_and(|v| v.is_null()) {
            planned.insert("name".into(), Value::unknown(S));
        }
        if planned
            .get("name_prefix")
            .is_none_or(|v| v.is_null() || !v.is_known())
        {
            planned.insert("name_prefix".into(), Value::string(""));
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let name = match (p.s_nonempty("name"), p.s_nonempty("name_prefix")) {
            (Some(n), _) => n,
            (None, Some(pre)) => unique_name(&pre),
            (None, None) => unique_name("terraform-"),
        };
        let out = cx
            .c
            .ec2
            .create_security_group()
            .group_name(&name)
            .description(
                p.s_nonempty("description")
                    .unwrap_or_else(|| "Managed by Terraform".into()),
            )
            .set_vpc_id(p.s_nonempty("vpc_id"))
            .set_tag_specifications(tag_spec(ResourceType::SecurityGroup, &p.smap("tags_all")))
            .send()
            .await
            .map_err(|e| {
                Fail::from(Error::from(ae("EC2 CreateSecurityGroup")(e)).diag("aws_security_group"))
            })?;
        let id = id_of(out.group_id());
        let partial = Obj::from([
            ("id".to_string(), Value::string(&id)),
            ("name".to_string(), Value::string(&name)),
        ]);
        let wrap = |e: Error| Fail::with_partial(partial.clone(), e.diag("aws_security_group"));
        // AWS adds an allow-all egress rule to a new group: remove it; the configuration
        // says which egress rules exist.
        let default_egress = IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build();
        let r = ec2_retry(cx, "revoking the default egress rule", || {
            let call =
                cx.c.ec2
                    .revoke_security_group_egress()
                    .group_id(&id)
                    .ip_permissions(default_egress.clone());
            async move {
                call.send()
                    .await
                    .map_err(ae("EC2 RevokeSecurityGroupEgress"))
            }
        })
        .await;
        match r {
            Ok(_) => {}
            Err(Error::Api(e)) if e.is(&["InvalidPermission.NotFound"]) => {}
            Err(e) => return Err(wrap(e)),
        }
        let ing: Vec<IpPermission> = p
            .blocks("ingress")
            .iter()
            .map(|r| perm_of_rule(r, &id))
            .collect();
        let eg: Vec<IpPermission> = p
            .blocks("egress")
            .iter()
            .map(|r| perm_of_rule(r, &id))
            .collect();
        authorize(cx, &id, false, ing).await.map_err(wrap)?;
        authorize(cx, &id, true, eg).await.map_err(wrap)?;
        Ok(partial)
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(|s| s.s_or_empty("id")).collect();
        let known: BTreeMap<String, Obj> = states
            .iter()
            .map(|s| (s.s_or_empty("id"), s.clone()))
            .collect();
        let found = batched(&ids, |chunk| describe_sgs(cx, chunk, &known)).await;
        in_order(states, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = prior.s_or_empty("id");
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_security_group"));
        for (k, egress) in [("ingress", false), ("egress", true)] {
            let old: BTreeSet<Atom> = prior.blocks(k).iter().flat_map(atoms_of_rule).collect();
            let new: BTreeSet<Atom> = p.blocks(k).iter().flat_map(atoms_of_rule).collect();
            let gone: Vec<Atom> = old.difference(&new).cloned().collect();
            let added: Vec<Atom> = new.difference(&old).cloned().collect();
            revoke(cx, &id, egress, perms_grouped(&gone, &id))
                .await
                .map_err(wrap)?;
            authorize(cx, &id, egress, perms_grouped(&added, &id))
                .await
                .map_err(wrap)?;
        }
        update_tags(cx, &id, prior, p).await.map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = prior.s_or_empty("id");
        if prior.b("revoke_rules_on_delete") == Some(true) {
            let now = describe_sgs(cx, vec![id.clone()], &BTreeMap::new()).await?;
            if let Some((_, o)) = now.first() {
                for (k, egress) in [("ingress", false), ("egress", true)] {
                    let atoms: Vec<Atom> = o.blocks(k).iter().flat_map(atoms_of_rule).collect();
                    revoke(cx, &id, egress, perms_grouped(&atoms, &id)).await?;
                }
            }
        }
        retry_dependency(cx, "deleting security group", || async {
            cx.c.ec2
                .delete_security_group()
                .group_id(&id)
                .send()
                .await
                .map_err(ae("EC2 DeleteSecurityGroup"))
        })
        .await?;
        Ok(())
    }
}

fn perms_grouped(atoms: &[Atom], own: &str) -> Vec<IpPermission> {
    let mut groups: BTreeMap<(String, i64, i64), Vec<Atom>> = BTreeMap::new();
    for a in atoms {
        groups
            .entry((a.0.clone(), a.1, a.2))
            .or_default()
            .push(a.clone());
    }
    groups.values().map(|g| perm_of_atoms(g, own)).collect()
}

// ===================================================================== aws_security_group_rule

/// `aws_security_group_rule`
pub struct SecurityGroupRule;

fn rule_atoms(o: &Obj) -> Vec<Atom> {
    let mut r = o.clone();
    if let Some(s) = o.s_nonempty("source_security_group_id") {
        r.insert("security_groups".into(), sset([s]));
    }
    atoms_of_rule(&r)
}

/// Terraform's synthetic id: `sgrule-` and a hash of what identifies the rule.
fn rule_id(o: &Obj) -> String {
    let mut key = format!(
        "{}-{}-{}-",
        o.s_or_empty("security_group_id"),
        o.s_or_empty("type"),
        norm_protocol(&o.s_or_empty("protocol"))
    );
    let mut atoms = rule_atoms(o);
    atoms.sort();
    for (_, f, t, s, _) in &atoms {
        key.push_str(&format!("{f}-{t}-{s:?};"));
    }
    format!(
        "sgrule-{}",
        u32::from_str_radix(&crate::util::short_hash(&key)[..8], 16).unwrap_or(0)
    )
}

#[async_trait::async_trait]
impl Resource for SecurityGroupRule {
    fn schema(&self) -> Schema {
        with_timeouts(
            Schema::new()
                .attr("id", comp(S))
                .attr("security_group_rule_id", comp(S))
                .attr("type", req(S).force_new())
                .attr("security_group_id", req(S).force_new())
                .attr("from_port", req(N).force_new())
                .attr("to_port", req(N).force_new())
                .attr("protocol", req(S).force_new())
                .attr("cidr_blocks", opt(slist_t()).force_new())
                .attr("ipv6_cidr_blocks", opt(slist_t()).force_new())
                .attr("prefix_list_ids", opt(slist_t()).force_new())
                .attr("source_security_group_id", oc(S).force_new())
                .attr("self", opt(B).default(false).force_new())
                .attr("description", opt(S)),
            &["create"],
        )
    }

    fn customize_plan(&self, _prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        if let Some(p) = planned.s("protocol") {
            planned.insert("protocol".into(), Value::string(norm_protocol(&p)));
            if norm_protocol(&p) == "-1" {
                // AWS stores all-protocol rules without ports
                planned.insert("from_port".into(), Value::int(0));
                planned.insert("to_port".into(), Value::int(0));
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let sg = p.s_or_empty("security_group_id");
        let egress = p.s("type").as_deref() == Some("egress");
        let perm = perm_of_atoms(&rule_atoms(p), &sg);
        let r = authorize(cx, &sg, egress, vec![perm]).await;
        if let Err(e) = r {
            let mut d = e.diag("aws_security_group_rule");
            if let Error::Api(a) = &e {
                if a.is(&["InvalidPermission.Duplicate"]) {
                    d = d.with_help("A duplicate Security Group rule was found: the rule exists already (perhaps as an inline rule of the aws_security_group, or created outside girder). Import it or remove the duplicate.");
                }
            }
            return Err(Fail::from(d));
        }
        Ok(Obj::from([("id".to_string(), Value::string(rule_id(p)))]))
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states
            .iter()
            .map(|s| s.s_or_empty("security_group_id"))
            .collect();
        let found = batched(&ids, |chunk| async {
            let out =
                cx.c.ec2
                    .describe_security_groups()
                    .filters(filter("group-id", chunk))
                    .send()
                    .await
                    .map_err(ae("EC2 DescribeSecurityGroups"))?;
            Ok(out
                .security_groups()
                .iter()
                .map(|g| {
                    let id = id_of(g.group_id());
                    let o = Obj::from([
                        (
                            "ingress".into(),
                            atoms_value(atoms_of_perms(g.ip_permissions(), &id)),
                        ),
                        (
                            "egress".into(),
                            atoms_value(atoms_of_perms(g.ip_permissions_egress(), &id)),
                        ),
                    ]);
                    (id, o)
                })
                .collect())
        })
        .await;
        let groups = match found {
            Ok(g) => g,
            Err(e) => {
                let d = e.diag("reading");
                return states.iter().map(|_| Err(Error::Diag(d.clone()))).collect();
            }
        };
        states
            .iter()
            .map(|s| {
                let Some(g) = groups.get(&s.s_or_empty("security_group_id")) else {
                    return Ok(None);
                };
                let have = g
                    .get(&s.s_or_empty("type"))
                    .and_then(|v| v.as_seq().map(<[Value]>::to_vec))
                    .unwrap_or_default();
                let want = rule_atoms(s);
                if want.is_empty() {
                    return Ok(None);
                }
                // find the description AWS has for the first source (matching by key)
                let keyed: Vec<String> = have
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                let mut desc = None;
                for (p, f, t, src, _) in &want {
                    let prefix = format!("{p}|{f}|{t}|{src:?}|");
                    match keyed.iter().find(|k| k.starts_with(&prefix)) {
                        Some(k) => desc = Some(k[prefix.len()..].to_string()),
                        None => return Ok(None),
                    }
                }
                let mut o = Obj::new();
                o.insert("id".into(), Value::string(rule_id(s)));
                o.insert(
                    "description".into(),
                    match desc {
                        Some(d) if !d.is_empty() => Value::string(d),
                        _ => Value::null(S),
                    },
                );
                o.insert(
                    "protocol".into(),
                    Value::string(norm_protocol(&s.s_or_empty("protocol"))),
                );
                if s.get("security_group_rule_id")
                    .is_none_or(|v| v.is_null() || !v.is_known())
                {
                    o.insert("security_group_rule_id".into(), Value::string(""));
                }
                if s.get("source_security_group_id")
                    .is_none_or(|v| v.is_null() || !v.is_known())
                {
                    o.insert("source_security_group_id".into(), Value::null(S));
                }
                Ok(Some(o))
            })
            .collect()
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        // only the description changes in place
        let sg = p.s_or_empty("security_group_id");
        let egress = p.s("type").as_deref() == Some("egress");
        let perm = perm_of_atoms(&rule_atoms(p), &sg);
        let r = if egress {
            cx.c.ec2
                .update_security_group_rule_descriptions_egress()
                .group_id(&sg)
                .ip_permissions(perm)
                .send()
                .await
                .map(|_| ())
                .map_err(ae("EC2 UpdateSecurityGroupRuleDescriptionsEgress"))
        } else {
            cx.c.ec2
                .update_security_group_rule_descriptions_ingress()
                .group_id(&sg)
                .ip_permissions(perm)
                .send()
                .await
                .map(|_| ())
                .map_err(ae("EC2 UpdateSecurityGroupRuleDescriptionsIngress"))
        };
        r.map_err(|e| {
            Fail::with_partial(
                prior.clone(),
                Error::from(e).diag("aws_security_group_rule"),
            )
        })?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let sg = prior.s_or_empty("security_group_id");
        let egress = prior.s("type").as_deref() == Some("egress");
        revoke(
            cx,
            &sg,
            egress,
            vec![perm_of_atoms(&rule_atoms(prior), &sg)],
        )
        .await
    }

    /// `sg-123_ingress_tcp_80_80_10.0.0.0/8[_more sources]` (sources: CIDRs, group ids,
    /// `self`).
    fn import_state(&self, id: &str) -> Res<Obj> {
        let parts: Vec<&str> = id.split('_').collect();
        let bad = || {
            crate::util::err(
                "Invalid import id",
                format!("{id:?} is not SGID_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE...] (e.g. sg-123_ingress_tcp_80_80_10.0.0.0/8)"),
            )
        };
        if parts.len() < 6 {
            return Err(bad());
        }
        let from: i64 = parts[3].parse().map_err(|_| bad())?;
        let to: i64 = parts[4].parse().map_err(|_| bad())?;
        let mut cidr = Vec::new();
        let mut v6 = Vec::new();
        let mut pl = Vec::new();
        let mut src = None;
        let mut selfref = false;
        for s in &parts[5..] {
            if *s == "self" {
                selfref = true;
            } else if s.starts_with("sg-") || s.contains("/sg-") {
                src = Some(s.to_string());
            } else if s.starts_with("pl-") {
                pl.push(s.to_string());
            } else if s.contains(':') {
                v6.push(s.to_string());
            } else {
                cidr.push(s.to_string());
            }
        }
        let mut o = Obj::from([
            ("security_group_id".to_string(), Value::string(parts[0])),
            ("type".to_string(), Value::string(parts[1])),
            (
                "protocol".to_string(),
                Value::string(norm_protocol(parts[2])),
            ),
            ("from_port".to_string(), Value::int(from)),
            ("to_port".to_string(), Value::int(to)),
            ("self".to_string(), Value::bool(selfref)),
            (
                "source_security_group_id".to_string(),
                crate::util::sopt(src),
            ),
        ]);
        for (k, v) in [
            ("cidr_blocks", cidr),
            ("ipv6_cidr_blocks", v6),
            ("prefix_list_ids", pl),
        ] {
            o.insert(
                k.to_string(),
                if v.is_empty() {
                    Value::null(slist_t())
                } else {
                    slist(v)
                },
            );
        }
        Ok(o)
    }
}

/// Atoms as a list of `proto|from|to|src|description` strings (for matching).
fn atoms_value(atoms: Vec<Atom>) -> Value {
    slist(
        atoms
            .into_iter()
            .map(|(p, f, t, s, d)| format!("{p}|{f}|{t}|{s:?}|{d}")),
    )
}
