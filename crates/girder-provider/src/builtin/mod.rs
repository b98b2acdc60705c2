//! girder's built-in providers: `terraform` (`terraform_data`), `random` and `time`.
//!
//! They are logical providers: objects live only in state. Plans follow Terraform's rules:
//! computed attributes are unknown on create and on replacement, and a change of a
//! force-new argument (every argument of the `random` resources, `keepers`, `triggers`,
//! `triggers_replace`) replaces the object.

mod random;
mod terraform;
mod time;

pub use self::random::RandomProvider;
pub use self::terraform::TerraformProvider;
pub use self::time::TimeProvider;

use crate::schema::{Presence, Schema};
use crate::{PlanRequest, PlanResponse, Provider};
use girder_core::value::{Path, PathStep};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The built-in provider with this name (`terraform`, `random`, `time`), if any.
pub fn provider(name: &str) -> Option<Arc<dyn Provider>> {
    match name {
        "terraform" => Some(Arc::new(TerraformProvider::new())),
        "random" => Some(Arc::new(RandomProvider::new())),
        "time" => Some(Arc::new(TimeProvider::new())),
        _ => None,
    }
}

/// The names of the built-in providers.
pub const NAMES: &[&str] = &["random", "terraform", "time"];

/// The attribute `name` of an object value (None when absent or the value is not an object).
pub(crate) fn get<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get_attr(name)
}

/// The string attribute `name`, if known and not null.
pub(crate) fn get_str<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    get(v, name).and_then(Value::as_str)
}

/// The bool attribute `name`, if known and not null.
pub(crate) fn get_bool(v: &Value, name: &str) -> Option<bool> {
    get(v, name).and_then(Value::as_bool)
}

/// The integer attribute `name`, if known, not null and an integer.
pub(crate) fn get_i64(v: &Value, name: &str) -> Option<i64> {
    get(v, name)
        .and_then(Value::as_number)
        .and_then(|n| n.to_i64())
}

/// `v` with attribute `name` set to `new`.
pub(crate) fn with(v: &Value, name: &str, new: Value) -> Value {
    let mut m = v.as_map().cloned().unwrap_or_default();
    m.insert(name.to_string(), new);
    Value::object(m)
}

/// A full object of `schema`'s type from a partial map: missing attributes are null.
pub(crate) fn object(schema: &Schema, attrs: BTreeMap<String, Value>) -> Value {
    let mut m = BTreeMap::new();
    for (name, a) in &schema.attributes {
        let v = attrs
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::null(a.ty.clone()));
        m.insert(name.clone(), v);
    }
    Value::object(m.into())
}

/// A plan by the schema: defaults for null optional attributes; on create, unknown computed
/// attributes (those left null); on update, force-new changes give `requires_replace` and,
/// when replacing, computed attributes become unknown again. `recompute` names computed
/// attributes that must also become unknown on an in-place update (e.g. `terraform_data`'s
/// `output` when `input` changes).
pub(crate) fn plan_by_schema(
    schema: &Schema,
    req: &PlanRequest,
    recompute_on_update: &[&str],
) -> PlanResponse {
    let mut resp = PlanResponse {
        planned_state: req.proposed_new_state.clone(),
        requires_replace: Vec::new(),
        planned_private: req.prior_private.clone(),
        diagnostics: Diagnostics::new(),
    };
    if req.proposed_new_state.is_null() {
        return resp;
    }
    let mut planned = req.proposed_new_state.clone();
    for (name, a) in &schema.attributes {
        if let Some(d) = &a.default {
            if get(&planned, name).is_none_or(|v| v.is_null() && v.is_known()) {
                planned = with(&planned, name, d.clone());
            }
        }
    }
    let creating = req.prior_state.is_null();
    let mut replace = false;
    if !creating {
        for (name, a) in &schema.attributes {
            if !a.force_new || a.presence == Presence::Computed {
                continue;
            }
            let before = get(&req.prior_state, name);
            let after = get(&planned, name);
            let same = match (before, after) {
                (Some(x), Some(y)) => y.is_wholly_known() && x.raw_equal(y),
                (None, None) => true,
                (None, Some(y)) | (Some(y), None) => y.is_null() && y.is_known(),
            };
            if !same {
                resp.requires_replace
                    .push(Path(vec![PathStep::Attr(name.clone())]));
                replace = true;
            }
        }
    }
    let changed = !creating && !replace && !planned.raw_equal(&req.prior_state);
    for (name, a) in &schema.attributes {
        if !a.is_computed() {
            continue;
        }
        let configured = get(&req.config, name).is_some_and(|v| !v.is_null() || !v.is_known());
        if a.presence == Presence::OptionalComputed
            && (configured || get(&planned, name).is_some_and(|v| !v.is_null()))
        {
            continue;
        }
        if creating || replace || (changed && recompute_on_update.contains(&name.as_str())) {
            planned = with(&planned, name, Value::unknown(a.ty.clone()));
        } else if let Some(prior) = get(&req.prior_state, name) {
            planned = with(&planned, name, prior.clone());
        }
    }
    resp.planned_state = planned;
    resp
}

/// `n` random bytes from the operating system.
pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>, Diagnostic> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| {
        Diagnostic::error(
            "Random number generation failed",
            format!("The operating system's random number generator failed: {e}."),
        )
    })?;
    Ok(buf)
}

/// A source of random numbers: the OS, or a deterministic generator from a seed (the
/// `seed` arguments of random_integer and random_shuffle).
pub(crate) enum Rng {
    Os,
    Seeded(u64),
}

impl Rng {
    pub(crate) fn from_seed(seed: Option<&str>) -> Rng {
        match seed {
            None => Rng::Os,
            Some(s) => {
                // FNV-1a of the seed text.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for b in s.bytes() {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
                Rng::Seeded(h)
            }
        }
    }

    fn next_u64(&mut self) -> Result<u64, Diagnostic> {
        match self {
            Rng::Os => {
                let b = random_bytes(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(&b);
                Ok(u64::from_le_bytes(a))
            }
            Rng::Seeded(state) => {
                // splitmix64
                *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = *state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                Ok(z ^ (z >> 31))
            }
        }
    }

    /// A uniform number in `0..n` (`n > 0`), without modulo bias.
    pub(crate) fn below(&mut self, n: u64) -> Result<u64, Diagnostic> {
        if n <= 1 {
            return Ok(0);
        }
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64()?;
            if x < zone {
                return Ok(x % n);
            }
        }
    }

    /// Shuffles in place (Fisher-Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) -> Result<(), Diagnostic> {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1)? as usize;
            items.swap(i, j);
        }
        Ok(())
    }
}

/// A Go duration (`30s`, `1m30s`, `500ms`, `1h`).
pub(crate) fn parse_duration(s: &str) -> Option<std::time::Duration> {
    if s == "0" {
        return Some(std::time::Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if n == 0 {
            return None;
        }
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[u..];
        total += num * unit;
    }
    (total.is_finite() && total < 1e9).then(|| std::time::Duration::from_secs_f64(total))
}

/// Error for an unknown resource type.
pub(crate) fn unknown_type(provider: &str, type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unsupported resource type",
        format!("The provider {provider:?} does not support resource type {type_name:?}."),
    )
    .into()
}

/// Error for data sources (the built-in providers have none).
pub(crate) fn no_data_sources(provider: &str, type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unsupported data source",
        format!("The provider {provider:?} does not support data source {type_name:?}."),
    )
    .into()
}

/// A keepers / triggers attribute: map(string), optional, force-new.
pub(crate) fn string_map_force_new(desc: &str) -> crate::schema::Attribute {
    crate::schema::Attribute::optional(Type::map(Type::String))
        .force_new()
        .describe(desc)
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use crate::{ApplyRequest, OpContext, ReadRequest};

    /// Plans and applies a create of `type_name` with `config` (a partial object).
    pub async fn create(
        p: &dyn Provider,
        type_name: &str,
        config: Value,
    ) -> Result<Value, Diagnostics> {
        let schema = p.schema().resource(type_name).expect("schema").clone();
        let config = object(
            &schema,
            config
                .as_map()
                .map(girder_core::ValueMap::to_btree)
                .unwrap_or_default(),
        );
        let plan = p
            .plan_resource(
                PlanRequest {
                    type_name: type_name.into(),
                    prior_state: Value::null(schema.object_type()),
                    proposed_new_state: config.clone(),
                    config: config.clone(),
                    prior_private: vec![],
                },
                &OpContext::default(),
            )
            .await?;
        let applied = p
            .apply_resource(
                ApplyRequest {
                    type_name: type_name.into(),
                    prior_state: Value::null(schema.object_type()),
                    planned_state: plan.planned_state,
                    config,
                    planned_private: vec![],
                },
                &OpContext::default(),
            )
            .await;
        if applied.diagnostics.has_errors() {
            return Err(applied.diagnostics);
        }
        let v = applied.new_state.expect("state");
        assert!(v.is_wholly_known(), "{v:?}");
        Ok(v)
    }

    /// Plans an update from `prior` to `config`.
    pub async fn plan(
        p: &dyn Provider,
        type_name: &str,
        prior: &Value,
        config: Value,
    ) -> crate::PlanResponse {
        let schema = p.schema().resource(type_name).expect("schema").clone();
        let config = object(
            &schema,
            config
                .as_map()
                .map(girder_core::ValueMap::to_btree)
                .unwrap_or_default(),
        );
        // proposed: config with prior computed values
        let mut proposed = config.clone();
        for (name, a) in &schema.attributes {
            if a.is_computed() && get(&config, name).is_none_or(Value::is_null) {
                if let Some(v) = get(prior, name) {
                    proposed = with(&proposed, name, v.clone());
                }
            }
        }
        p.plan_resource(
            PlanRequest {
                type_name: type_name.into(),
                prior_state: prior.clone(),
                proposed_new_state: proposed,
                config,
                prior_private: vec![],
            },
            &OpContext::default(),
        )
        .await
        .expect("plan")
    }

    /// Imports and reads back.
    pub async fn import(p: &dyn Provider, type_name: &str, id: &str) -> Result<Value, Diagnostics> {
        let ctx = OpContext::default();
        let mut got = p.import_resource(type_name, id, &ctx).await?;
        assert_eq!(got.len(), 1);
        let imp = got.remove(0);
        let read = p
            .read_resource(
                ReadRequest {
                    type_name: type_name.into(),
                    current_state: imp.state,
                    private: imp.private,
                },
                &ctx,
            )
            .await?;
        Ok(read.new_state.expect("exists"))
    }

    pub fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_uniform_enough_and_seeded_is_deterministic() {
        let mut a = Rng::from_seed(Some("x"));
        let mut b = Rng::from_seed(Some("x"));
        let xs: Vec<u64> = (0..20).map(|_| a.below(1000).unwrap()).collect();
        let ys: Vec<u64> = (0..20).map(|_| b.below(1000).unwrap()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| x < 1000));
        let mut os = Rng::Os;
        let mut seen = [false; 4];
        for _ in 0..200 {
            seen[os.below(4).unwrap() as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("1m30s"),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("5"), None);
    }

    #[test]
    fn registry_knows_the_builtins() {
        for n in NAMES {
            assert_eq!(provider(n).unwrap().name(), *n);
        }
        assert!(provider("aws").is_none());
    }
}
