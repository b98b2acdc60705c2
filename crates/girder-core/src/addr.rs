//! Addresses in Terraform's syntax: `module.a["x"].aws_subnet.b[0]`, `data.aws_ami.x`,
//! `var.name`, `local.name`, `module.net.vpc_id`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The key of one instance of a resource or module expanded with count or for_each.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InstanceKey {
    /// `[0]` from count.
    Int(i64),
    /// `["key"]` from for_each.
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote(s)),
        }
    }
}

/// Quotes a key the way Terraform prints it in addresses.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One step of a module path: `module.name` with an optional instance key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModuleStep {
    /// The module call's name.
    pub name: String,
    /// The instance key, for module calls with count / for_each.
    pub key: Option<InstanceKey>,
}

/// A path of module instances from the root (`module.a["x"].module.b`). Empty for the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModuleInstance(pub Vec<ModuleStep>);

impl ModuleInstance {
    /// The root module.
    pub fn root() -> ModuleInstance {
        ModuleInstance(Vec::new())
    }
    /// Is this the root module?
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    /// A child module instance.
    pub fn child(&self, name: impl Into<String>, key: Option<InstanceKey>) -> ModuleInstance {
        let mut v = self.0.clone();
        v.push(ModuleStep {
            name: name.into(),
            key,
        });
        ModuleInstance(v)
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ".")?;
            }
            write!(f, "module.{}", s.name)?;
            if let Some(k) = &s.key {
                write!(f, "{k}")?;
            }
        }
        Ok(())
    }
}

/// Managed resource or data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceMode {
    /// `resource` blocks ("managed" in state).
    Managed,
    /// `data` blocks.
    Data,
}

/// A resource within a module, without instance key: `aws_subnet.b`, `data.aws_ami.x`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Resource {
    /// Managed or data.
    pub mode: ResourceMode,
    /// The type, e.g. `aws_subnet`.
    pub type_name: Name,
    /// The name, e.g. `b`.
    pub name: Name,
}

/// An identifier in an address (a resource type or name): shared, so that the addresses of
/// the many instances of one resource, and their copies in plans and maps, hold one copy of
/// it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(Arc<str>);

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(s.into())
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(s.into())
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, o: &Name) -> bool {
        **self == *o.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Resource {
    /// A managed resource.
    pub fn managed(type_name: impl Into<Name>, name: impl Into<Name>) -> Resource {
        Resource {
            mode: ResourceMode::Managed,
            type_name: type_name.into(),
            name: name.into(),
        }
    }
    /// A data source.
    pub fn data(type_name: impl Into<Name>, name: impl Into<Name>) -> Resource {
        Resource {
            mode: ResourceMode::Data,
            type_name: type_name.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == ResourceMode::Data {
            write!(f, "data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// A resource in a module instance: `module.a["x"].aws_subnet.b`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AbsResource {
    /// Module instance (root when empty).
    pub module: ModuleInstance,
    /// The resource.
    pub resource: Resource,
}

impl fmt::Display for AbsResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}", self.resource)
    }
}

/// One instance of a resource: `module.a["x"].aws_subnet.b[0]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AbsResourceInstance {
    /// The resource.
    pub resource: AbsResource,
    /// The instance key (None without count / for_each).
    pub key: Option<InstanceKey>,
}

impl AbsResourceInstance {
    /// Parses Terraform's address syntax (as given to `-target`, `state show`, `-replace`).
    pub fn parse(s: &str) -> Result<AbsResourceInstance, String> {
        parse_instance(s)
    }
}

impl fmt::Display for AbsResourceInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.resource)?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

/// A tiny scanner for addresses.
struct Scan<'a> {
    s: &'a str,
    i: usize,
}

impl Scan<'_> {
    fn ident(&mut self) -> Result<String, String> {
        let rest = &self.s[self.i..];
        let n = rest
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if n == 0 {
            return Err(format!(
                "expected a name at position {} of {:?}",
                self.i + 1,
                self.s
            ));
        }
        self.i += n;
        Ok(rest[..n].to_string())
    }
    fn eat(&mut self, c: char) -> bool {
        if self.s[self.i..].starts_with(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }
    fn key(&mut self) -> Result<Option<InstanceKey>, String> {
        if !self.eat('[') {
            return Ok(None);
        }
        let key = if self.eat('"') {
            let mut out = String::new();
            let mut chars = self.s[self.i..].char_indices();
            loop {
                let Some((j, c)) = chars.next() else {
                    return Err(format!("unterminated string in {:?}", self.s));
                };
                match c {
                    '"' => {
                        self.i += j + 1;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, 'r')) => out.push('\r'),
                        Some((_, c)) => out.push(c),
                        None => return Err(format!("unterminated string in {:?}", self.s)),
                    },
                    c => out.push(c),
                }
            }
            InstanceKey::Str(out)
        } else {
            let rest = &self.s[self.i..];
            let n = rest
                .char_indices()
                .find(|&(_, c)| !(c.is_ascii_digit() || c == '-'))
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            let i: i64 = rest[..n]
                .parse()
                .map_err(|_| format!("invalid index in {:?}: use [0] or [\"key\"]", self.s))?;
            self.i += n;
            InstanceKey::Int(i)
        };
        if !self.eat(']') {
            return Err(format!("missing ] in {:?}", self.s));
        }
        Ok(Some(key))
    }
}

fn parse_instance(s: &str) -> Result<AbsResourceInstance, String> {
    let mut sc = Scan { s, i: 0 };
    let mut module = ModuleInstance::root();
    loop {
        let save = sc.i;
        let word = sc.ident()?;
        if word == "module" && sc.eat('.') {
            let name = sc.ident()?;
            let key = sc.key()?;
            module.0.push(ModuleStep { name, key });
            if !sc.eat('.') {
                return Err(format!(
                    "{s:?} is a module address; a resource address is expected here"
                ));
            }
            continue;
        }
        sc.i = save;
        break;
    }
    let mut mode = ResourceMode::Managed;
    let mut type_name = sc.ident()?;
    if type_name == "data" && sc.eat('.') {
        mode = ResourceMode::Data;
        type_name = sc.ident()?;
    }
    if !sc.eat('.') {
        return Err(format!(
            "{s:?} is not a resource address: expected TYPE.NAME, e.g. aws_instance.web"
        ));
    }
    let name = sc.ident()?;
    let key = sc.key()?;
    if sc.i != s.len() {
        return Err(format!(
            "unexpected {:?} after the address in {s:?}",
            &s[sc.i..]
        ));
    }
    Ok(AbsResourceInstance {
        resource: AbsResource {
            module,
            resource: Resource {
                mode,
                type_name: type_name.into(),
                name: name.into(),
            },
        },
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print_round_trip() {
        for s in [
            "aws_vpc.main",
            "data.aws_ami.ubuntu",
            "aws_subnet.private[2]",
            "module.vpc.aws_subnet.b[0]",
            "module.a[\"x\"].module.b[1].aws_s3_bucket.logs[\"a b\"]",
        ] {
            assert_eq!(AbsResourceInstance::parse(s).unwrap().to_string(), s);
        }
        assert!(AbsResourceInstance::parse("aws_vpc").is_err());
        assert!(AbsResourceInstance::parse("aws_vpc.main[").is_err());
        assert!(AbsResourceInstance::parse("module.x").is_err());
    }
}
