//! `-target` / `-replace` addresses: a module, a resource (all its instances) or one
//! instance.

use girder_core::addr::{
    AbsResource, AbsResourceInstance, InstanceKey, ModuleInstance, ModuleStep,
};
use std::fmt;

/// A `-target=ADDR` address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `module.a` or `module.a["x"]`: everything inside (a module without key also matches
    /// all its instances).
    Module(ModuleInstance),
    /// `aws_vpc.a`: all instances.
    Resource(AbsResource),
    /// `aws_vpc.a[0]`: one instance.
    Instance(AbsResourceInstance),
}

impl Target {
    /// Parses a target address. Errors read like Terraform's "Invalid target address".
    pub fn parse(s: &str) -> Result<Target, String> {
        let s = s.trim();
        match AbsResourceInstance::parse(s) {
            Ok(i) if i.key.is_some() => Ok(Target::Instance(i)),
            Ok(i) => Ok(Target::Resource(i.resource)),
            Err(e) => {
                // A module address: append a fake resource and parse again.
                if s.starts_with("module.") {
                    if let Ok(i) = AbsResourceInstance::parse(&format!("{s}.x.y")) {
                        return Ok(Target::Module(i.resource.module));
                    }
                }
                Err(format!("Invalid target address {s:?}: {e}"))
            }
        }
    }

    /// Does this target select the instance?
    pub fn matches(&self, addr: &AbsResourceInstance) -> bool {
        match self {
            Target::Instance(i) => i == addr,
            Target::Resource(r) => &addr.resource == r,
            Target::Module(m) => module_contains(m, &addr.resource.module),
        }
    }
}

fn module_contains(outer: &ModuleInstance, inner: &ModuleInstance) -> bool {
    if outer.0.len() > inner.0.len() {
        return false;
    }
    outer
        .0
        .iter()
        .zip(&inner.0)
        .all(|(o, i): (&ModuleStep, &ModuleStep)| {
            o.name == i.name && (o.key.is_none() || o.key == i.key)
        })
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Module(m) => write!(f, "{m}"),
            Target::Resource(r) => write!(f, "{r}"),
            Target::Instance(i) => write!(f, "{i}"),
        }
    }
}

/// The instance key kind, for orphan reasons.
pub(crate) fn key_kind(k: &Option<InstanceKey>) -> u8 {
    match k {
        None => 0,
        Some(InstanceKey::Int(_)) => 1,
        Some(InstanceKey::Str(_)) => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_modules_resources_and_instances() {
        let a = AbsResourceInstance::parse("module.net[\"x\"].aws_subnet.b[1]").unwrap();
        for (t, want) in [
            ("module.net", true),
            ("module.net[\"x\"]", true),
            ("module.net[\"y\"]", false),
            ("module.net[\"x\"].aws_subnet.b", true),
            ("module.net[\"x\"].aws_subnet.b[1]", true),
            ("module.net[\"x\"].aws_subnet.b[0]", false),
            ("aws_subnet.b", false),
            ("module.other", false),
        ] {
            assert_eq!(Target::parse(t).unwrap().matches(&a), want, "{t}");
            assert_eq!(Target::parse(t).unwrap().to_string(), t);
        }
        assert!(Target::parse("nonsense").is_err());
    }
}
