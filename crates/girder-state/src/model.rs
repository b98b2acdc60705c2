//! The in-memory model of a Terraform state (independent of the file format version).

use girder_core::addr::{AbsResource, InstanceKey, ModuleInstance, Resource, ResourceMode};
use girder_core::{Type, Value};
use std::collections::BTreeMap;

/// A whole state snapshot: what `terraform.tfstate` holds.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The version of the tool that last wrote the state (e.g. `1.0.3`).
    pub terraform_version: String,
    /// Incremented on every write; used to detect concurrent changes.
    pub serial: u64,
    /// A UUID given when the state is first created; never changes afterwards.
    pub lineage: String,
    /// Root module outputs, by name (written sorted by name, as Terraform does).
    pub outputs: BTreeMap<String, OutputValue>,
    /// Resources, in any order in memory; written sorted by module, mode, type and name.
    pub resources: Vec<ResourceState>,
    /// `check_results` as raw JSON (Terraform 1.5+). `None` = the key is absent (Terraform
    /// < 1.5 does not write it); `Some(Null)` = written as `null`.
    pub check_results: Option<serde_json::Value>,
}

impl State {
    /// A new, empty state with a fresh lineage and serial 0 (the first write makes it 1).
    pub fn new(terraform_version: impl Into<String>) -> State {
        State {
            terraform_version: terraform_version.into(),
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            outputs: BTreeMap::new(),
            resources: Vec::new(),
            check_results: None,
        }
    }

    /// The resource with this module, mode, type and name, if present.
    pub fn resource(
        &self,
        module: &ModuleInstance,
        mode: ResourceMode,
        type_name: &str,
        name: &str,
    ) -> Option<&ResourceState> {
        self.resources.iter().find(|r| {
            r.mode == mode && r.type_name == type_name && r.name == name && &r.module == module
        })
    }

    /// Total number of instance objects (current and deposed) across all resources.
    pub fn instance_count(&self) -> usize {
        self.resources.iter().map(|r| r.instances.len()).sum()
    }

    /// Sorts resources and instances into the order Terraform writes them: resources by
    /// module address, mode string (`data` before `managed`), type, name; instances by key, then current before
    /// deposed, then by deposed key.
    pub fn sort(&mut self) {
        self.resources
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        for r in &mut self.resources {
            r.instances.sort_by(|a, b| {
                instance_key_order(&a.index_key, &b.index_key)
                    .then_with(|| a.deposed.cmp(&b.deposed))
            });
        }
    }
}

/// Terraform orders instance keys: no key first, then integers ascending, then strings.
pub(crate) fn instance_key_order(
    a: &Option<InstanceKey>,
    b: &Option<InstanceKey>,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(InstanceKey::Int(x)), Some(InstanceKey::Int(y))) => x.cmp(y),
        (Some(InstanceKey::Int(_)), Some(InstanceKey::Str(_))) => Ordering::Less,
        (Some(InstanceKey::Str(_)), Some(InstanceKey::Int(_))) => Ordering::Greater,
        (Some(InstanceKey::Str(x)), Some(InstanceKey::Str(y))) => x.cmp(y),
    }
}

/// A root module output value as stored in state.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputValue {
    /// The value as raw JSON, exactly as stored.
    pub value: serde_json::Value,
    /// The value's type in Terraform's JSON type syntax (e.g. `"string"`, `["list","number"]`).
    pub ty: serde_json::Value,
    /// Whether the output is marked sensitive.
    pub sensitive: bool,
}

impl OutputValue {
    /// Builds an output from a wholly known girder value. Sensitive marks on the value are
    /// folded into `sensitive`.
    pub fn from_value(v: &Value, sensitive: bool) -> Result<OutputValue, String> {
        let json = v.to_json()?;
        Ok(OutputValue {
            value: json,
            ty: v.ty().to_json(),
            sensitive: sensitive || v.contains_sensitive(),
        })
    }

    /// The output as a girder value of its recorded type (marked sensitive when it is).
    pub fn to_value(&self) -> Result<Value, String> {
        let ty = Type::from_json(&self.ty)?;
        let v = Value::from_json_typed(&self.value, &ty)?;
        Ok(if self.sensitive {
            v.mark_sensitive()
        } else {
            v
        })
    }
}

/// One `resource` or `data` block in one module instance, with all its instances.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceState {
    /// The module instance (root when empty). Written as `module.a["x"].module.b`.
    pub module: ModuleInstance,
    /// Managed resource or data source.
    pub mode: ResourceMode,
    /// Resource type, e.g. `aws_vpc`.
    pub type_name: String,
    /// Resource name, e.g. `main`.
    pub name: String,
    /// The provider configuration address, raw: `provider["registry.terraform.io/hashicorp/aws"]`
    /// or `module.x.provider["..."].alias`.
    pub provider: String,
    /// The instance objects (current and deposed).
    pub instances: Vec<InstanceState>,
}

impl ResourceState {
    /// Its address (without instance key). Computed once per resource, it is shared by its
    /// instances' addresses (the names are reference-counted).
    pub fn addr(&self) -> AbsResource {
        AbsResource {
            module: self.module.clone(),
            resource: Resource {
                mode: self.mode,
                type_name: self.type_name.as_str().into(),
                name: self.name.as_str().into(),
            },
        }
    }

    /// The key that orders resources in a written state.
    fn sort_key(&self) -> (String, u8, &str, &str) {
        (
            self.module.to_string(),
            match self.mode {
                ResourceMode::Data => 0,
                ResourceMode::Managed => 1,
            },
            &self.type_name,
            &self.name,
        )
    }

    /// The instance object with this key and deposed key.
    pub fn instance(
        &self,
        key: Option<&InstanceKey>,
        deposed: Option<&str>,
    ) -> Option<&InstanceState> {
        self.instances
            .iter()
            .find(|i| i.index_key.as_ref() == key && i.deposed.as_deref() == deposed)
    }
}

/// Status of an instance object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ObjectStatus {
    /// Ready (no `status` key in the file).
    #[default]
    Ready,
    /// `"status": "tainted"`: to be replaced on the next apply.
    Tainted,
}

/// One object of a resource instance (the current object, or a deposed one).
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceState {
    /// The count / for_each key (`None` for a single instance).
    pub index_key: Option<InstanceKey>,
    /// Ready or tainted.
    pub status: ObjectStatus,
    /// The deposed key (8 hex digits) for an object deposed by create_before_destroy.
    pub deposed: Option<String>,
    /// The provider's schema version the attributes were written with.
    pub schema_version: u64,
    /// The attributes as a raw JSON object, kept exactly (key order, number text, string
    /// escapes), as Terraform does.
    pub attributes: Option<RawJson>,
    /// Legacy flat attributes (`attributes_flat`, state upgraded from Terraform 0.11).
    pub attributes_flat: Option<BTreeMap<String, String>>,
    /// `sensitive_attributes`: the raw JSON list of attribute paths that are sensitive.
    /// `None`: the key is absent or the list empty (both are written as `[]`, as Terraform
    /// does). Boxed: a JSON value is 72 bytes, and there is one per object of a big state.
    pub sensitive_attributes: Option<Box<serde_json::Value>>,
    /// The provider's private data, base64 as in the file.
    pub private: Option<String>,
    /// Absolute addresses of resources this object depends on.
    pub dependencies: Vec<String>,
    /// Whether the object was created with create_before_destroy.
    pub create_before_destroy: bool,
}

impl InstanceState {
    /// A ready object with the given attributes and nothing else.
    pub fn new(index_key: Option<InstanceKey>, attributes: &serde_json::Value) -> InstanceState {
        InstanceState {
            index_key,
            status: ObjectStatus::Ready,
            deposed: None,
            schema_version: 0,
            attributes: Some(RawJson::from_value(attributes)),
            attributes_flat: None,
            sensitive_attributes: None,
            private: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
        }
    }
}

/// A JSON text kept exactly as read (string escapes, number text, key order), stored
/// compactly. Terraform keeps instance attributes this way and only re-indents them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawJson(String);

impl RawJson {
    /// Wraps JSON text after checking that it is valid JSON.
    pub fn new(text: impl Into<String>) -> Result<RawJson, String> {
        let text = text.into();
        serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| e.to_string())?;
        Ok(RawJson(text))
    }

    /// Wraps text known to be valid JSON (from a parser).
    pub(crate) fn new_unchecked(text: String) -> RawJson {
        RawJson(text)
    }

    /// The JSON text of a value (compact).
    pub fn from_value(v: &serde_json::Value) -> RawJson {
        RawJson(v.to_string())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text into a JSON value (numbers keep their text, keys their order).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

/// A copy of a borrowed state, shared (for APIs that keep a state, such as a plan's prior
/// state, and take `impl Into<Arc<State>>`: an owned or `Arc` state is not copied).
impl From<&State> for std::sync::Arc<State> {
    fn from(s: &State) -> std::sync::Arc<State> {
        std::sync::Arc::new(s.clone())
    }
}
