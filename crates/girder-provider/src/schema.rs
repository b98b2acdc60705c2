//! Schemas of resource types, data sources and provider configurations.
//!
//! A [`Schema`] is a block: attributes plus nested blocks. Its [`Schema::object_type`] is the
//! type of the object value that configurations and states of that type have, exactly as
//! Terraform's configschema implies it (nested blocks become lists, sets, maps or single
//! objects depending on their nesting mode).

use girder_core::value::{Kind, Path, PathStep};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use std::collections::BTreeMap;

/// How an attribute is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Must be set in configuration.
    Required,
    /// May be set; null when not.
    Optional,
    /// Set by the provider only.
    Computed,
    /// May be set; the provider fills it in when not.
    OptionalComputed,
}

/// One attribute of a schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Its type.
    pub ty: Type,
    /// Required / optional / computed.
    pub presence: Presence,
    /// Changing it forces replacement of the object.
    pub force_new: bool,
    /// Never shown in plans or output.
    pub sensitive: bool,
    /// Value used when the configuration leaves it null (for optional attributes the provider
    /// defaults; the engine shows it in the plan).
    pub default: Option<Value>,
    /// Deprecation message, if deprecated.
    pub deprecated: Option<String>,
    /// One line of documentation.
    pub description: String,
}

impl Attribute {
    fn new(ty: Type, presence: Presence) -> Attribute {
        Attribute {
            ty,
            presence,
            force_new: false,
            sensitive: false,
            default: None,
            deprecated: None,
            description: String::new(),
        }
    }
    /// A required attribute.
    pub fn required(ty: Type) -> Attribute {
        Attribute::new(ty, Presence::Required)
    }
    /// An optional attribute.
    pub fn optional(ty: Type) -> Attribute {
        Attribute::new(ty, Presence::Optional)
    }
    /// A computed (read-only) attribute.
    pub fn computed(ty: Type) -> Attribute {
        Attribute::new(ty, Presence::Computed)
    }
    /// An optional attribute the provider computes when unset.
    pub fn optional_computed(ty: Type) -> Attribute {
        Attribute::new(ty, Presence::OptionalComputed)
    }
    /// Marks it force-new.
    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }
    /// Marks it sensitive.
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }
    /// Sets a default.
    pub fn default(mut self, v: impl Into<Value>) -> Attribute {
        self.default = Some(v.into());
        self
    }
    /// Marks it deprecated.
    pub fn deprecated(mut self, msg: impl Into<String>) -> Attribute {
        self.deprecated = Some(msg.into());
        self
    }
    /// Sets its description.
    pub fn describe(mut self, d: impl Into<String>) -> Attribute {
        self.description = d.into();
        self
    }
    /// Can configuration set it?
    pub fn is_settable(&self) -> bool {
        self.presence != Presence::Computed
    }
    /// Does the provider fill it in?
    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; the value is an object (or null).
    Single,
    /// A list of blocks.
    List,
    /// A set of blocks.
    Set,
    /// Blocks with one label each; the value is a map.
    Map,
}

/// A nested block type.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    /// How it repeats.
    pub nesting: Nesting,
    /// Its own schema.
    pub block: Schema,
    /// Minimum number of blocks.
    pub min_items: usize,
    /// Maximum number of blocks (0 = unlimited).
    pub max_items: usize,
    /// Changing anything inside forces replacement.
    pub force_new: bool,
}

/// A block schema: attributes and nested blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
    /// Nested block types by name.
    pub blocks: BTreeMap<String, NestedBlock>,
    /// Schema version (stored in state as `schema_version`).
    pub version: u64,
    /// One line of documentation.
    pub description: String,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Schema {
        Schema::default()
    }
    /// Adds an attribute.
    pub fn attr(mut self, name: &str, a: Attribute) -> Schema {
        self.attributes.insert(name.to_string(), a);
        self
    }
    /// Adds a nested block type.
    pub fn block(
        mut self,
        name: &str,
        nesting: Nesting,
        block: Schema,
        min_items: usize,
        max_items: usize,
    ) -> Schema {
        self.blocks.insert(
            name.to_string(),
            NestedBlock {
                nesting,
                block,
                min_items,
                max_items,
                force_new: false,
            },
        );
        self
    }
    /// Marks a nested block force-new (builder; no-op if absent).
    pub fn block_force_new(mut self, name: &str) -> Schema {
        if let Some(b) = self.blocks.get_mut(name) {
            b.force_new = true;
        }
        self
    }

    /// The type of the object value of this block.
    pub fn object_type(&self) -> Type {
        let mut attrs = BTreeMap::new();
        for (n, a) in &self.attributes {
            attrs.insert(n.clone(), a.ty.clone());
        }
        for (n, b) in &self.blocks {
            let inner = b.block.object_type();
            let t = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
                Nesting::Map => Type::map(inner),
            };
            attrs.insert(n.clone(), t);
        }
        Type::object(attrs)
    }

    /// Is the attribute at `path` force-new? Paths through nested blocks are followed; list
    /// indexes and map keys are skipped.
    pub fn requires_replace(&self, path: &Path) -> bool {
        let mut schema = self;
        let mut steps = path.0.iter().peekable();
        while let Some(step) = steps.next() {
            let PathStep::Attr(name) = step else {
                continue;
            };
            if let Some(a) = schema.attributes.get(name) {
                return a.force_new;
            }
            match schema.blocks.get(name) {
                Some(b) if b.force_new => return true,
                Some(b) => {
                    schema = &b.block;
                    // skip the index/key step of repeated blocks
                    while matches!(steps.peek(), Some(PathStep::Index(_) | PathStep::Key(_))) {
                        steps.next();
                    }
                }
                None => return false,
            }
        }
        false
    }

    /// Is the attribute at `path` sensitive (by schema)?
    pub fn is_sensitive_path(&self, path: &Path) -> bool {
        let mut schema = self;
        for step in &path.0 {
            let PathStep::Attr(name) = step else {
                continue;
            };
            if let Some(a) = schema.attributes.get(name) {
                return a.sensitive;
            }
            match schema.blocks.get(name) {
                Some(b) => schema = &b.block,
                None => return false,
            }
        }
        false
    }

    /// Checks an evaluated configuration object against the schema: unknown arguments,
    /// missing required arguments, computed-only arguments set, block counts. `what` names the
    /// resource for messages (`aws_vpc.main`). Type conversion is the caller's job.
    pub fn validate_config(&self, config: &Value, what: &str) -> Diagnostics {
        let mut diags = Diagnostics::new();
        self.validate_at(config, what, &Path::root(), &mut diags);
        diags
    }

    fn validate_at(&self, v: &Value, what: &str, at: &Path, diags: &mut Diagnostics) {
        let Some(attrs) = v.as_map() else { return };
        for (name, val) in attrs {
            if let Some(a) = self.attributes.get(name) {
                if a.presence == Presence::Computed && !val.is_null() {
                    diags.push(Diagnostic::error(
                        "Value for unconfigurable attribute",
                        format!(
                            "Can't configure a value for \"{name}\" in {what}{at}: its value will be decided automatically based on the result of applying this configuration."
                        ),
                    ).with_help(format!("Remove the \"{name}\" argument.")));
                }
                if let Some(msg) = &a.deprecated {
                    if !val.is_null() {
                        diags.push(Diagnostic::warning(
                            "Argument is deprecated",
                            format!("\"{name}\" in {what}{at}: {msg}"),
                        ));
                    }
                }
            } else if let Some(b) = self.blocks.get(name) {
                let count = match val.kind() {
                    Kind::Null(_) => 0,
                    Kind::Unknown(_) => continue,
                    _ => match b.nesting {
                        Nesting::Single => 1,
                        _ => val.len().unwrap_or(0),
                    },
                };
                if count < b.min_items {
                    diags.push(
                        Diagnostic::error(
                            "Insufficient blocks",
                            format!(
                                "At least {} \"{name}\" block(s) are required in {what}{at}.",
                                b.min_items
                            ),
                        )
                        .with_help(format!("Add a {name} {{ ... }} block.")),
                    );
                }
                if b.max_items > 0 && count > b.max_items {
                    diags.push(Diagnostic::error(
                        "Too many blocks",
                        format!(
                            "No more than {} \"{name}\" block(s) are allowed in {what}{at}.",
                            b.max_items
                        ),
                    ));
                }
                let child = at.child(PathStep::Attr(name.clone()));
                match val.kind() {
                    Kind::Object(_) => b.block.validate_at(val, what, &child, diags),
                    Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                        for (i, item) in items.iter().enumerate() {
                            b.block.validate_at(
                                item,
                                what,
                                &child.child(PathStep::Index(i as i64)),
                                diags,
                            );
                        }
                    }
                    Kind::Map(_, m) => {
                        for (k, item) in m {
                            b.block.validate_at(
                                item,
                                what,
                                &child.child(PathStep::Key(k.clone())),
                                diags,
                            );
                        }
                    }
                    _ => {}
                }
            } else {
                let suggestion = crate::suggest(
                    name,
                    self.attributes
                        .keys()
                        .chain(self.blocks.keys())
                        .map(String::as_str),
                );
                let mut d = Diagnostic::error(
                    "Unsupported argument",
                    format!("An argument named \"{name}\" is not expected here in {what}{at}."),
                );
                if let Some(s) = suggestion {
                    d = d.with_help(format!("Did you mean \"{s}\"?"));
                }
                diags.push(d);
            }
        }
        for (name, a) in &self.attributes {
            if a.presence == Presence::Required
                && attrs.get(name).is_none_or(|v| v.is_null() && v.is_known())
            {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!("The argument \"{name}\" is required in {what}{at}, but no definition was found."),
                    )
                    .with_help(format!("Add {name} = ... to the block.")),
                );
            }
        }
        for (name, b) in &self.blocks {
            if b.min_items > 0 && !attrs.contains_key(name) {
                diags.push(Diagnostic::error(
                    "Insufficient blocks",
                    format!(
                        "At least {} \"{name}\" block(s) are required in {what}{at}.",
                        b.min_items
                    ),
                ));
            }
        }
    }
}

/// The schemas a provider offers.
#[derive(Clone, Debug, Default)]
pub struct ProviderSchema {
    /// The `provider "x" { ... }` block.
    pub provider: Schema,
    /// Managed resource types.
    pub resources: BTreeMap<String, Schema>,
    /// Data source types.
    pub data_sources: BTreeMap<String, Schema>,
    /// Old type names accepted for current ones (`aws_s3_bucket_encryption` ->
    /// `aws_s3_bucket_server_side_encryption_configuration`).
    pub aliases: BTreeMap<String, String>,
}

impl ProviderSchema {
    /// The schema of a managed resource type (following aliases).
    pub fn resource(&self, type_name: &str) -> Option<&Schema> {
        let t = self
            .aliases
            .get(type_name)
            .map_or(type_name, String::as_str);
        self.resources.get(t)
    }
    /// The schema of a data source type.
    pub fn data_source(&self, type_name: &str) -> Option<&Schema> {
        self.data_sources.get(type_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vpc() -> Schema {
        Schema::new()
            .attr("cidr_block", Attribute::required(Type::String).force_new())
            .attr("tags", Attribute::optional(Type::map(Type::String)))
            .attr("id", Attribute::computed(Type::String))
            .block(
                "timeouts",
                Nesting::Single,
                Schema::new().attr("create", Attribute::optional(Type::String)),
                0,
                1,
            )
    }

    #[test]
    fn object_type_and_replace_paths() {
        let s = vpc();
        let Type::Object(o) = s.object_type() else {
            panic!("object expected")
        };
        assert_eq!(o.attrs.len(), 4);
        assert!(s.requires_replace(&Path(vec![PathStep::Attr("cidr_block".into())])));
        assert!(!s.requires_replace(&Path(vec![PathStep::Attr("tags".into())])));
    }

    #[test]
    fn validation_finds_unknown_missing_and_computed() {
        let s = vpc();
        let cfg = Value::object_from([
            ("cidr_blok", Value::string("10.0.0.0/16")),
            ("id", Value::string("x")),
        ]);
        let d = s.validate_config(&cfg, "aws_vpc.main");
        let sums: Vec<_> = d.iter().map(|d| d.summary.as_str()).collect();
        assert!(sums.contains(&"Unsupported argument"));
        assert!(sums.contains(&"Missing required argument"));
        assert!(sums.contains(&"Value for unconfigurable attribute"));
        let unsupported = d
            .iter()
            .find(|d| d.summary == "Unsupported argument")
            .unwrap();
        assert_eq!(
            unsupported.help.as_deref(),
            Some("Did you mean \"cidr_block\"?")
        );
    }
}
