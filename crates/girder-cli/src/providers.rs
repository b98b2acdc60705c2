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
        _ => return None,
    };
    Some(Found {
        provider,
        state_addr: format!("provider[\"{source}\"]"),
    })
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
