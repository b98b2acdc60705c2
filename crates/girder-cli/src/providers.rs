//! The provider registry: which provider serves a resource type. A plain function so the
//! integrator can add providers (e.g. `aws`) with one match arm.

use girder_provider::Provider;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A provider and its address as recorded in state.
pub struct Found {
    /// The provider.
    pub provider: Arc<dyn Provider>,
    /// `provider["registry.terraform.io/hashicorp/random"]`.
    pub state_addr: String,
}

/// The provider of a resource type, by the type's prefix (`random_pet` -> `random`).
pub fn for_type(type_name: &str) -> Option<Found> {
    let prefix = type_name.split('_').next().unwrap_or("");
    let (provider, source) = match prefix {
        "random" | "time" => (
            girder_provider::builtin::provider(prefix)?,
            format!("registry.terraform.io/hashicorp/{prefix}"),
        ),
        "terraform" => (
            girder_provider::builtin::provider("terraform")?,
            "terraform.io/builtin/terraform".to_string(),
        ),
        "aws" => (
            new_provider("aws")?,
            "registry.terraform.io/hashicorp/aws".to_string(),
        ),
        _ => return None,
    };
    Some(Found {
        provider,
        state_addr: format!("provider[\"{source}\"]"),
    })
}

/// A fresh (unconfigured) provider by its local name (`aws`, `random`, `terraform`).
pub fn new_provider(name: &str) -> Option<Arc<dyn Provider>> {
    match name {
        "aws" => Some(Arc::new(girder_provider_aws::AwsProvider::new())),
        other => girder_provider::builtin::provider(other),
    }
}

/// The providers of one run by registry key (`aws`, `aws.west`): one instance per key, each
/// configured by the engine from its `provider` block.
#[derive(Default)]
pub struct Registry {
    map: std::sync::Mutex<std::collections::HashMap<String, Arc<dyn Provider>>>,
}

impl girder_engine::ProviderRegistry for Registry {
    fn get(&self, name: &str) -> Option<Arc<dyn Provider>> {
        let mut m = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(p) = m.get(name) {
            return Some(p.clone());
        }
        let base = name.split('.').next().unwrap_or(name);
        let p = new_provider(base)?;
        m.insert(name.to_string(), p.clone());
        Some(p)
    }
}

/// Top-level attributes of a resource type that its schema marks sensitive (for display).
pub fn sensitive_attributes(type_name: &str) -> BTreeSet<String> {
    for_type(type_name)
        .and_then(|f| {
            f.provider.schema().resource(type_name).map(|s| {
                s.attributes
                    .iter()
                    .filter(|(_, a)| a.sensitive)
                    .map(|(n, _)| n.clone())
                    .collect()
            })
        })
        .unwrap_or_default()
}
