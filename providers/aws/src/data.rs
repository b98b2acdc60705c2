//! Data sources: aws_availability_zones, aws_caller_identity, aws_region, aws_ami.

use crate::config::{dns_suffix, Clients};
use crate::ec2::{comp, filter, oc, opt, req, slist_t, sset_t, B, S};
use crate::util::{ae, slist, smap, Obj, ObjExt};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use girder_provider::schema::{Nesting, Schema};
use girder_provider::OpContext;
use std::collections::BTreeMap;

fn filter_block() -> Schema {
    Schema::new()
        .attr("name", req(S))
        .attr("values", req(sset_t()))
}

/// The data source schemas.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "aws_availability_zones",
            Schema::new()
                .attr("id", comp(S))
                .attr("all_availability_zones", opt(B))
                .attr("exclude_names", opt(sset_t()))
                .attr("exclude_zone_ids", opt(sset_t()))
                .attr("state", opt(S))
                .attr("group_names", comp(sset_t()))
                .attr("names", comp(slist_t()))
                .attr("zone_ids", comp(slist_t()))
                .block("filter", Nesting::Set, filter_block(), 0, 0),
        ),
        (
            "aws_caller_identity",
            Schema::new()
                .attr("id", comp(S))
                .attr("account_id", comp(S))
                .attr("arn", comp(S))
                .attr("user_id", comp(S)),
        ),
        (
            "aws_region",
            Schema::new()
                .attr("id", oc(S))
                .attr("name", oc(S))
                .attr("region", oc(S))
                .attr("endpoint", oc(S))
                .attr("description", comp(S)),
        ),
        (
            "aws_ami",
            Schema::new()
                .attr("id", comp(S))
                .attr("owners", opt(slist_t()))
                .attr("executable_users", opt(slist_t()))
                .attr("most_recent", opt(B))
                .attr("name_regex", opt(S))
                .attr("include_deprecated", opt(B))
                .attr("image_id", comp(S))
                .attr("arn", comp(S))
                .attr("name", comp(S))
                .attr("description", comp(S))
                .attr("architecture", comp(S))
                .attr("creation_date", comp(S))
                .attr("image_location", comp(S))
                .attr("image_owner_alias", comp(S))
                .attr("image_type", comp(S))
                .attr("owner_id", comp(S))
                .attr("platform", comp(S))
                .attr("platform_details", comp(S))
                .attr("public", comp(B))
                .attr("root_device_name", comp(S))
                .attr("root_device_type", comp(S))
                .attr("state", comp(S))
                .attr("virtualization_type", comp(S))
                .attr("ena_support", comp(B))
                .attr("hypervisor", comp(S))
                .attr("kernel_id", comp(S))
                .attr("ramdisk_id", comp(S))
                .attr("sriov_net_support", comp(S))
                .attr("usage_operation", comp(S))
                .attr("boot_mode", comp(S))
                .attr("deprecation_time", comp(S))
                .attr("tags", comp(Type::map(S)))
                .block("filter", Nesting::Set, filter_block(), 0, 0),
        ),
    ]
}

fn ec2_filters(cfg: &Obj) -> Vec<aws_sdk_ec2::types::Filter> {
    cfg.blocks("filter")
        .iter()
        .map(|f| filter(&f.s_or_empty("name"), f.strs("values")))
        .collect()
}

fn fail(what: &str, e: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error(format!("reading {what}"), e.to_string())
        .with_help("Check the data source's arguments and the provider's region and credentials.")
        .into()
}

/// Reads a data source; returns the computed attributes.
pub async fn read(
    type_name: &str,
    c: &Clients,
    cfg: &Obj,
    _ctx: &OpContext,
) -> Result<Obj, Diagnostics> {
    match type_name {
        "aws_caller_identity" => {
            let out = c
                .sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| fail(type_name, ae("STS GetCallerIdentity")(e)))?;
            let acct = out.account().unwrap_or_default();
            Ok(Obj::from([
                ("id".into(), Value::string(acct)),
                ("account_id".into(), Value::string(acct)),
                ("arn".into(), Value::string(out.arn().unwrap_or_default())),
                (
                    "user_id".into(),
                    Value::string(out.user_id().unwrap_or_default()),
                ),
            ]))
        }
        "aws_region" => {
            let name = cfg
                .s_nonempty("region")
                .or_else(|| cfg.s_nonempty("name"))
                .unwrap_or_else(|| c.region.clone());
            let endpoint = format!(
                "ec2.{name}.{}",
                dns_suffix(crate::config::partition_of(&name))
            );
            if let Some(e) = cfg.s_nonempty("endpoint") {
                if e != endpoint {
                    return Err(fail(
                        type_name,
                        format!("no region with endpoint {e:?} (the region {name} has {endpoint})"),
                    ));
                }
            }
            Ok(Obj::from([
                ("id".into(), Value::string(&name)),
                ("name".into(), Value::string(&name)),
                ("region".into(), Value::string(&name)),
                ("endpoint".into(), Value::string(endpoint)),
                (
                    "description".into(),
                    Value::string(region_description(&name)),
                ),
            ]))
        }
        "aws_availability_zones" => {
            let mut call = c
                .ec2
                .describe_availability_zones()
                .set_filters(Some(ec2_filters(cfg)));
            if cfg.b("all_availability_zones") == Some(true) {
                call = call.all_availability_zones(true);
            }
            if let Some(s) = cfg.s_nonempty("state") {
                call = call.filters(filter("state", [s]));
            }
            let out = call
                .send()
                .await
                .map_err(|e| fail(type_name, ae("EC2 DescribeAvailabilityZones")(e)))?;
            let ex_names = cfg.strs("exclude_names");
            let ex_ids = cfg.strs("exclude_zone_ids");
            let mut zones: Vec<(String, String, String)> = out
                .availability_zones()
                .iter()
                .filter_map(|z| {
                    let n = z.zone_name()?.to_string();
                    let id = z.zone_id().unwrap_or_default().to_string();
                    let g = z.group_name().unwrap_or_default().to_string();
                    (!ex_names.contains(&n) && !ex_ids.contains(&id)).then_some((n, id, g))
                })
                .collect();
            zones.sort();
            let mut groups: Vec<String> = zones
                .iter()
                .map(|z| z.2.clone())
                .filter(|g| !g.is_empty())
                .collect();
            groups.sort();
            groups.dedup();
            Ok(Obj::from([
                ("id".into(), Value::string(&c.region)),
                ("names".into(), slist(zones.iter().map(|z| z.0.clone()))),
                ("zone_ids".into(), slist(zones.iter().map(|z| z.1.clone()))),
                ("group_names".into(), crate::util::sset(groups)),
            ]))
        }
        "aws_ami" => {
            let mut call = c.ec2.describe_images().set_filters(Some(ec2_filters(cfg)));
            let owners = cfg.strs("owners");
            if !owners.is_empty() {
                call = call.set_owners(Some(owners));
            }
            let users = cfg.strs("executable_users");
            if !users.is_empty() {
                call = call.set_executable_users(Some(users));
            }
            if cfg.b("include_deprecated") == Some(true) {
                call = call.include_deprecated(true);
            }
            let out = call
                .send()
                .await
                .map_err(|e| fail(type_name, ae("EC2 DescribeImages")(e)))?;
            let mut images: Vec<&aws_sdk_ec2::types::Image> = out.images().iter().collect();
            if let Some(re) = cfg.s_nonempty("name_regex") {
                let m = regex::Regex::new(&re).map_err(|e| fail(type_name, e))?;
                images.retain(|i| m.is_match(i.name().unwrap_or_default()));
            }
            if images.is_empty() {
                return Err(Diagnostic::error(
                    "Your query returned no results. Please change your search criteria and try again.",
                    "No AMI matches the owners, filters and name_regex of this aws_ami data source.",
                )
                .with_help("Loosen the filters, or check the owners.")
                .into());
            }
            if images.len() > 1 && cfg.b("most_recent") != Some(true) {
                return Err(Diagnostic::error(
                    "Your query returned more than one result. Please try a more specific search criteria, or set `most_recent` attribute to true.",
                    format!("{} AMIs match.", images.len()),
                )
                .with_help("Set most_recent = true, or narrow the filters.")
                .into());
            }
            images.sort_by(|a, b| b.creation_date().cmp(&a.creation_date()));
            let i = images[0];
            let s = |v: Option<&str>| Value::string(v.unwrap_or_default());
            let id = i.image_id().unwrap_or_default();
            let tags: BTreeMap<String, String> =
                crate::util::tag_map(i.tags().iter().map(|t| (t.key(), t.value())));
            Ok(Obj::from([
                ("id".into(), Value::string(id)),
                ("image_id".into(), Value::string(id)),
                (
                    "arn".into(),
                    Value::string(format!("arn:{}:ec2:{}::image/{id}", c.partition, c.region)),
                ),
                ("name".into(), s(i.name())),
                ("description".into(), s(i.description())),
                (
                    "architecture".into(),
                    s(i.architecture().map(|x| x.as_str())),
                ),
                ("creation_date".into(), s(i.creation_date())),
                ("image_location".into(), s(i.image_location())),
                ("image_owner_alias".into(), s(i.image_owner_alias())),
                ("image_type".into(), s(i.image_type().map(|x| x.as_str()))),
                ("owner_id".into(), s(i.owner_id())),
                ("platform".into(), s(i.platform().map(|x| x.as_str()))),
                ("platform_details".into(), s(i.platform_details())),
                ("public".into(), Value::bool(i.public().unwrap_or(false))),
                ("root_device_name".into(), s(i.root_device_name())),
                (
                    "root_device_type".into(),
                    s(i.root_device_type().map(|x| x.as_str())),
                ),
                ("state".into(), s(i.state().map(|x| x.as_str()))),
                (
                    "virtualization_type".into(),
                    s(i.virtualization_type().map(|x| x.as_str())),
                ),
                (
                    "ena_support".into(),
                    Value::bool(i.ena_support().unwrap_or(false)),
                ),
                ("hypervisor".into(), s(i.hypervisor().map(|x| x.as_str()))),
                ("kernel_id".into(), s(i.kernel_id())),
                ("ramdisk_id".into(), s(i.ramdisk_id())),
                ("sriov_net_support".into(), s(i.sriov_net_support())),
                ("usage_operation".into(), s(i.usage_operation())),
                ("boot_mode".into(), s(i.boot_mode().map(|x| x.as_str()))),
                ("deprecation_time".into(), s(i.deprecation_time())),
                ("tags".into(), smap(&tags)),
            ]))
        }
        other => Err(Diagnostic::error(
            "Invalid data source",
            format!("The provider hashicorp/aws does not support data source \"{other}\"."),
        )
        .into()),
    }
}

fn region_description(r: &str) -> String {
    match r {
        "us-east-1" => "US East (N. Virginia)",
        "us-east-2" => "US East (Ohio)",
        "us-west-1" => "US West (N. California)",
        "us-west-2" => "US West (Oregon)",
        "eu-west-1" => "Europe (Ireland)",
        "eu-west-2" => "Europe (London)",
        "eu-central-1" => "Europe (Frankfurt)",
        "ap-southeast-1" => "Asia Pacific (Singapore)",
        "ap-southeast-2" => "Asia Pacific (Sydney)",
        "ap-northeast-1" => "Asia Pacific (Tokyo)",
        "ap-south-1" => "Asia Pacific (Mumbai)",
        "sa-east-1" => "South America (Sao Paulo)",
        "ca-central-1" => "Canada (Central)",
        _ => r,
    }
    .to_string()
}
