//! The `random` provider: random_password, random_string, random_id, random_integer,
//! random_pet, random_shuffle, random_uuid. Every argument forces replacement; `keepers`
//! exists only to force it.

use super::{
    get, get_bool, get_i64, get_str, no_data_sources, object, plan_by_schema, random_bytes,
    string_map_force_new, unknown_type, with, Rng,
};
use crate::schema::{Attribute, ProviderSchema, Schema};
use crate::{
    ApplyRequest, ApplyResponse, ImportedResource, OpContext, PlanRequest, PlanResponse, Provider,
    ReadRequest, ReadResponse,
};
use base64::Engine;
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use std::collections::BTreeMap;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUMERIC: &str = "0123456789";
const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// The random provider.
pub struct RandomProvider {
    schema: ProviderSchema,
}

impl Default for RandomProvider {
    fn default() -> Self {
        RandomProvider::new()
    }
}

fn keepers() -> Attribute {
    string_map_force_new(
        "Arbitrary map of values that, when changed, will trigger recreation of resource.",
    )
}

fn string_schema(password: bool) -> Schema {
    let result = Attribute::computed(Type::String).describe("The generated random string.");
    let mut s = Schema::new()
        .attr("keepers", keepers())
        .attr(
            "length",
            Attribute::required(Type::Number)
                .force_new()
                .describe("The length of the string desired."),
        )
        .attr(
            "special",
            Attribute::optional_computed(Type::Bool)
                .force_new()
                .default(true)
                .describe("Include special characters in the result."),
        )
        .attr(
            "upper",
            Attribute::optional_computed(Type::Bool)
                .force_new()
                .default(true)
                .describe("Include uppercase alphabet characters in the result."),
        )
        .attr(
            "lower",
            Attribute::optional_computed(Type::Bool)
                .force_new()
                .default(true)
                .describe("Include lowercase alphabet characters in the result."),
        )
        .attr(
            "numeric",
            Attribute::optional_computed(Type::Bool)
                .force_new()
                .default(true)
                .describe("Include numeric characters in the result."),
        )
        .attr(
            "number",
            Attribute::optional_computed(Type::Bool)
                .force_new()
                .default(true)
                .deprecated("Use numeric instead.")
                .describe("Include numeric characters in the result (deprecated)."),
        )
        .attr(
            "min_numeric",
            Attribute::optional_computed(Type::Number)
                .force_new()
                .default(0i64)
                .describe("Minimum number of numeric characters in the result."),
        )
        .attr(
            "min_upper",
            Attribute::optional_computed(Type::Number)
                .force_new()
                .default(0i64)
                .describe("Minimum number of uppercase alphabet characters in the result."),
        )
        .attr(
            "min_lower",
            Attribute::optional_computed(Type::Number)
                .force_new()
                .default(0i64)
                .describe("Minimum number of lowercase alphabet characters in the result."),
        )
        .attr(
            "min_special",
            Attribute::optional_computed(Type::Number)
                .force_new()
                .default(0i64)
                .describe("Minimum number of special characters in the result."),
        )
        .attr(
            "override_special",
            Attribute::optional(Type::String).force_new().describe(
                "Supply your own list of special characters to use for string generation.",
            ),
        )
        .attr("result", if password { result.sensitive() } else { result })
        .attr(
            "id",
            Attribute::computed(Type::String)
                .describe("The generated random string (\"none\" for random_password)."),
        );
    if password {
        s = s.attr(
            "bcrypt_hash",
            Attribute::computed(Type::String)
                .sensitive()
                .describe("A bcrypt hash of the generated random string."),
        );
    }
    s.version = if password { 3 } else { 2 };
    s
}

impl RandomProvider {
    /// The provider with its schemas.
    pub fn new() -> RandomProvider {
        let mut schema = ProviderSchema::default();
        let r = &mut schema.resources;
        r.insert("random_password".into(), string_schema(true));
        r.insert("random_string".into(), string_schema(false));
        r.insert(
            "random_id".into(),
            Schema::new()
                .attr("keepers", keepers())
                .attr("byte_length", Attribute::required(Type::Number).force_new().describe("The number of random bytes to produce."))
                .attr("prefix", Attribute::optional(Type::String).force_new().describe("Arbitrary string to prefix the output value with."))
                .attr("id", Attribute::computed(Type::String).describe("The generated id presented in base64 without additional transformations or prefix."))
                .attr("b64_url", Attribute::computed(Type::String).describe("The generated id presented in base64, using the URL-friendly character set."))
                .attr("b64_std", Attribute::computed(Type::String).describe("The generated id presented in base64 without additional transformations."))
                .attr("hex", Attribute::computed(Type::String).describe("The generated id presented in padded hexadecimal digits."))
                .attr("dec", Attribute::computed(Type::String).describe("The generated id presented in non-padded decimal digits.")),
        );
        r.insert(
            "random_integer".into(),
            Schema::new()
                .attr("keepers", keepers())
                .attr(
                    "min",
                    Attribute::required(Type::Number)
                        .force_new()
                        .describe("The minimum inclusive value of the range."),
                )
                .attr(
                    "max",
                    Attribute::required(Type::Number)
                        .force_new()
                        .describe("The maximum inclusive value of the range."),
                )
                .attr(
                    "seed",
                    Attribute::optional(Type::String)
                        .force_new()
                        .describe("A custom seed to always produce the same value."),
                )
                .attr(
                    "result",
                    Attribute::computed(Type::Number).describe("The random integer result."),
                )
                .attr(
                    "id",
                    Attribute::computed(Type::String)
                        .describe("The string representation of the integer result."),
                ),
        );
        r.insert(
            "random_pet".into(),
            Schema::new()
                .attr("keepers", keepers())
                .attr(
                    "length",
                    Attribute::optional_computed(Type::Number)
                        .force_new()
                        .default(2i64)
                        .describe("The length (in words) of the pet name."),
                )
                .attr(
                    "prefix",
                    Attribute::optional(Type::String)
                        .force_new()
                        .describe("A string to prefix the name with."),
                )
                .attr(
                    "separator",
                    Attribute::optional_computed(Type::String)
                        .force_new()
                        .default("-")
                        .describe("The character to separate words in the pet name."),
                )
                .attr(
                    "id",
                    Attribute::computed(Type::String).describe("The random pet name."),
                ),
        );
        r.insert(
            "random_shuffle".into(),
            Schema::new()
                .attr("keepers", keepers())
                .attr(
                    "input",
                    Attribute::required(Type::list(Type::String))
                        .force_new()
                        .describe("The list of strings to shuffle."),
                )
                .attr(
                    "seed",
                    Attribute::optional(Type::String).force_new().describe(
                        "Arbitrary string with which to seed the random number generator.",
                    ),
                )
                .attr(
                    "result_count",
                    Attribute::optional(Type::Number)
                        .force_new()
                        .describe("The number of results to return."),
                )
                .attr(
                    "result",
                    Attribute::computed(Type::list(Type::String))
                        .describe("Random permutation of the list of strings given in input."),
                )
                .attr(
                    "id",
                    Attribute::computed(Type::String)
                        .describe("A static value used internally by Terraform."),
                ),
        );
        r.insert(
            "random_uuid".into(),
            Schema::new()
                .attr("keepers", keepers())
                .attr(
                    "result",
                    Attribute::computed(Type::String)
                        .describe("The generated uuid presented in string format."),
                )
                .attr(
                    "id",
                    Attribute::computed(Type::String)
                        .describe("The generated uuid presented in string format."),
                ),
        );
        RandomProvider { schema }
    }

    fn schema_of(&self, type_name: &str) -> Result<&Schema, Diagnostics> {
        self.schema
            .resources
            .get(type_name)
            .ok_or_else(|| unknown_type("random", type_name))
    }
}

fn err(summary: &str, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(summary, detail)
}

/// Static checks of a configuration (known values only).
fn check(type_name: &str, v: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    match type_name {
        "random_password" | "random_string" => {
            if let Some(len) = get_i64(v, "length") {
                if len < 1 {
                    d.push(err(
                        "Invalid Attribute Value",
                        "Attribute length value must be at least 1.",
                    ));
                }
                let mins: i64 = ["min_numeric", "min_upper", "min_lower", "min_special"]
                    .iter()
                    .filter_map(|k| get_i64(v, k))
                    .sum();
                if mins > len {
                    d.push(err(
                        "Invalid Attribute Value",
                        format!("Attribute length value must be at least the sum of min_upper, min_lower, min_numeric and min_special ({mins}), got {len}."),
                    ));
                }
            }
        }
        "random_id" if get_i64(v, "byte_length").is_some_and(|n| n < 1) => {
            d.push(err(
                "Invalid Attribute Value",
                "Attribute byte_length value must be at least 1.",
            ));
        }
        "random_integer" => {
            if let (Some(min), Some(max)) = (get_i64(v, "min"), get_i64(v, "max")) {
                if min > max {
                    d.push(err(
                        "Invalid Attribute Value",
                        "Minimum value needs to be smaller than or equal to maximum value.",
                    ));
                }
            }
        }
        "random_pet" if get_i64(v, "length").is_some_and(|n| n < 1) => {
            d.push(err(
                "Invalid Attribute Value",
                "Attribute length value must be at least 1.",
            ));
        }
        "random_shuffle" if get_i64(v, "result_count").is_some_and(|n| n < 0) => {
            d.push(err(
                "Invalid Attribute Value",
                "Attribute result_count value must be at least 0.",
            ));
        }
        _ => {}
    }
    d
}

fn gen_string(v: &Value) -> Result<String, Diagnostic> {
    let len = get_i64(v, "length").unwrap_or(0).max(0) as usize;
    let flag = |k: &str| get_bool(v, k).unwrap_or(true);
    let numeric = flag("numeric") && flag("number");
    let special_set = get_str(v, "override_special")
        .unwrap_or(SPECIAL)
        .to_string();
    let mut rng = Rng::Os;
    let mut out: Vec<char> = Vec::with_capacity(len);
    let mut pool = String::new();
    for (set, enabled, min) in [
        (UPPER, flag("upper"), "min_upper"),
        (LOWER, flag("lower"), "min_lower"),
        (NUMERIC, numeric, "min_numeric"),
        (special_set.as_str(), flag("special"), "min_special"),
    ] {
        let chars: Vec<char> = set.chars().collect();
        let n = get_i64(v, min).unwrap_or(0).max(0) as usize;
        if n > 0 && chars.is_empty() {
            return Err(err(
                "Invalid Attribute Value",
                format!("{min} is set but there are no characters to choose from."),
            ));
        }
        for _ in 0..n {
            out.push(chars[rng.below(chars.len() as u64)? as usize]);
        }
        if enabled {
            pool.push_str(set);
        }
    }
    let pool: Vec<char> = pool.chars().collect();
    if out.len() < len && pool.is_empty() {
        return Err(err(
            "Invalid Attribute Value",
            "At least one of upper, lower, numeric and special must be true (with characters to choose from).",
        ));
    }
    while out.len() < len {
        out.push(pool[rng.below(pool.len() as u64)? as usize]);
    }
    rng.shuffle(&mut out)?;
    Ok(out.into_iter().collect())
}

/// Decimal digits of a big-endian unsigned integer.
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0]; // little-endian base 10
    for &b in bytes {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            let x = u32::from(*d) * 256 + carry;
            *d = (x % 10) as u8;
            carry = x / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

fn id_values(v: &Value, bytes: &[u8]) -> Value {
    let prefix = get_str(v, "prefix").unwrap_or("").to_string();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let std = base64::engine::general_purpose::STANDARD.encode(bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = with(v, "id", Value::string(url.clone()));
    out = with(&out, "b64_url", Value::string(format!("{prefix}{url}")));
    out = with(&out, "b64_std", Value::string(format!("{prefix}{std}")));
    out = with(&out, "hex", Value::string(format!("{prefix}{hex}")));
    with(
        &out,
        "dec",
        Value::string(format!("{prefix}{}", decimal(bytes))),
    )
}

const ADJECTIVES: &[&str] = &[
    "able", "amber", "brave", "bright", "calm", "clever", "cosmic", "crisp", "daring", "eager",
    "fair", "fancy", "gentle", "glad", "golden", "grand", "happy", "hardy", "honest", "humble",
    "jolly", "keen", "kind", "lively", "lucky", "merry", "mellow", "modest", "noble", "patient",
    "polite", "proud", "quick", "quiet", "rapid", "ready", "robust", "shiny", "smart", "steady",
    "sunny", "swift", "tidy", "vivid", "warm", "wise", "witty", "zesty",
];
const ADVERBS: &[&str] = &[
    "boldly", "briskly", "calmly", "deeply", "eagerly", "fairly", "firmly", "freely", "gladly",
    "gently", "hardly", "highly", "kindly", "lightly", "loudly", "neatly", "nicely", "openly",
    "partly", "quickly", "quietly", "rarely", "really", "safely", "simply", "slowly", "smoothly",
    "softly", "surely", "truly", "vastly", "warmly", "wildly", "wisely",
];
const NAMES: &[&str] = &[
    "badger", "bison", "beetle", "camel", "cobra", "condor", "coyote", "crane", "dingo", "dolphin",
    "eagle", "falcon", "ferret", "finch", "gazelle", "gecko", "heron", "hippo", "ibis", "jackal",
    "jaguar", "koala", "lemur", "lynx", "macaw", "marmot", "moose", "newt", "ocelot", "otter",
    "panda", "pelican", "puffin", "quail", "rabbit", "raven", "salmon", "seal", "sloth", "swan",
    "tapir", "tiger", "toucan", "turtle", "vulture", "walrus", "weasel", "wombat", "yak", "zebra",
];

fn gen_pet(v: &Value) -> Result<String, Diagnostic> {
    let len = get_i64(v, "length").unwrap_or(2).max(1) as usize;
    let sep = get_str(v, "separator").unwrap_or("-");
    let mut rng = Rng::Os;
    let mut pick = |list: &[&str]| -> Result<String, Diagnostic> {
        Ok(list[rng.below(list.len() as u64)? as usize].to_string())
    };
    let mut words = Vec::new();
    if len >= 3 {
        for _ in 0..len - 2 {
            words.push(pick(ADVERBS)?);
        }
    }
    if len >= 2 {
        words.push(pick(ADJECTIVES)?);
    }
    words.push(pick(NAMES)?);
    let pet = words.join(sep);
    Ok(match get_str(v, "prefix") {
        Some(p) => format!("{p}{sep}{pet}"),
        None => pet,
    })
}

fn bcrypt_hash(s: &str) -> Result<String, Diagnostic> {
    bcrypt::hash(s, 10).map_err(|e| {
        err(
            "bcrypt hash generation failed",
            format!("Could not hash the password: {e}."),
        )
    })
}

/// Fills the computed attributes of a planned new object.
fn create(type_name: &str, planned: &Value) -> Result<Value, Diagnostic> {
    let mut v = planned.clone();
    match type_name {
        "random_password" | "random_string" => {
            let s = gen_string(planned)?;
            v = with(&v, "result", Value::string(s.clone()));
            let id = if type_name == "random_password" {
                "none".to_string()
            } else {
                s.clone()
            };
            v = with(&v, "id", Value::string(id));
            if type_name == "random_password" {
                v = with(&v, "bcrypt_hash", Value::string(bcrypt_hash(&s)?));
            }
        }
        "random_id" => {
            let n = get_i64(planned, "byte_length").unwrap_or(0).max(0) as usize;
            v = id_values(&v, &random_bytes(n)?);
        }
        "random_integer" => {
            let min = get_i64(planned, "min").unwrap_or(0);
            let max = get_i64(planned, "max").unwrap_or(0);
            if min > max {
                return Err(err(
                    "Invalid Attribute Value",
                    "Minimum value needs to be smaller than or equal to maximum value.",
                ));
            }
            let mut rng = Rng::from_seed(get_str(planned, "seed"));
            let span = (max as i128 - min as i128 + 1) as u128;
            let off = if span > u128::from(u64::MAX) {
                rng.below(u64::MAX)?
            } else {
                rng.below(span as u64)?
            };
            let n = (min as i128 + off as i128) as i64;
            v = with(&v, "result", Value::int(n));
            v = with(&v, "id", Value::string(n.to_string()));
        }
        "random_pet" => {
            v = with(&v, "id", Value::string(gen_pet(planned)?));
        }
        "random_shuffle" => {
            let input: Vec<Value> = get(planned, "input")
                .and_then(Value::as_seq)
                .map(<[Value]>::to_vec)
                .unwrap_or_default();
            let count = get_i64(planned, "result_count")
                .map(|n| n.max(0) as usize)
                .unwrap_or(input.len());
            let mut rng = Rng::from_seed(get_str(planned, "seed"));
            let mut result = Vec::with_capacity(count);
            while result.len() < count && !input.is_empty() {
                let mut round = input.clone();
                rng.shuffle(&mut round)?;
                let take = (count - result.len()).min(round.len());
                result.extend(round.into_iter().take(take));
            }
            v = with(&v, "result", Value::list(Type::String, result));
            v = with(&v, "id", Value::string("-"));
        }
        "random_uuid" => {
            let u = uuid::Uuid::from_bytes(random_bytes(16)?.try_into().unwrap_or([0; 16]));
            let u = uuid::Builder::from_random_bytes(*u.as_bytes())
                .into_uuid()
                .to_string();
            v = with(&v, "result", Value::string(u.clone()));
            v = with(&v, "id", Value::string(u));
        }
        other => return Err(unknown_type("random", other).0.remove(0)),
    }
    Ok(v)
}

/// The state of an imported object (all arguments at their defaults).
fn import(schema: &Schema, type_name: &str, id: &str) -> Result<Value, Diagnostic> {
    let mut m: BTreeMap<String, Value> = BTreeMap::new();
    for (name, a) in &schema.attributes {
        if let Some(d) = &a.default {
            m.insert(name.clone(), d.clone());
        }
    }
    let bad = |want: &str| {
        err(
            "Invalid import ID",
            format!("The import ID {id:?} is not valid for {type_name}: expected {want}."),
        )
    };
    match type_name {
        "random_password" | "random_string" => {
            if id.is_empty() {
                return Err(bad("the value of the string"));
            }
            let len = id.chars().count() as i64;
            m.insert("length".into(), Value::int(len));
            m.insert("result".into(), Value::string(id));
            if type_name == "random_password" {
                m.insert("id".into(), Value::string("none"));
                m.insert("bcrypt_hash".into(), Value::string(bcrypt_hash(id)?));
            } else {
                m.insert("id".into(), Value::string(id));
            }
        }
        "random_id" => {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(id.trim_end_matches('='))
                .map_err(|_| bad("the id in URL-safe base64 (b64_url)"))?;
            if bytes.is_empty() {
                return Err(bad("the id in URL-safe base64 (b64_url)"));
            }
            m.insert("byte_length".into(), Value::int(bytes.len() as i64));
            let v = id_values(&object(schema, m), &bytes);
            return Ok(v);
        }
        "random_integer" => {
            let parts: Vec<&str> = id.split(',').collect();
            if !(3..=4).contains(&parts.len()) {
                return Err(bad("\"value,min,max\" or \"value,min,max,seed\""));
            }
            let num = |s: &str| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| bad("\"value,min,max\" with integers"))
            };
            let (val, min, max) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
            if min > max || val < min || val > max {
                return Err(bad("a value between min and max, with min <= max"));
            }
            m.insert("result".into(), Value::int(val));
            m.insert("min".into(), Value::int(min));
            m.insert("max".into(), Value::int(max));
            m.insert("id".into(), Value::string(val.to_string()));
            if let Some(seed) = parts.get(3) {
                m.insert("seed".into(), Value::string(*seed));
            }
        }
        "random_uuid" => {
            let u = uuid::Uuid::parse_str(id).map_err(|_| bad("a UUID"))?;
            m.insert("result".into(), Value::string(u.to_string()));
            m.insert("id".into(), Value::string(u.to_string()));
        }
        other => {
            return Err(err(
                "Resource Import Not Implemented",
                format!("{other} does not support import, as the random provider does not."),
            ))
        }
    }
    Ok(object(schema, m))
}

#[async_trait::async_trait]
impl Provider for RandomProvider {
    fn name(&self) -> &str {
        "random"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _config: Value, _ctx: &OpContext) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn validate_resource(&self, type_name: &str, config: &Value) -> Diagnostics {
        check(type_name, config)
    }

    async fn plan_resource(
        &self,
        req: PlanRequest,
        _ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        let schema = self.schema_of(&req.type_name)?;
        let d = check(&req.type_name, &req.config);
        if d.has_errors() {
            return Err(d);
        }
        let mut resp = plan_by_schema(schema, &req, &[]);
        // `number` and `numeric` are two spellings of one setting.
        if matches!(req.type_name.as_str(), "random_password" | "random_string")
            && resp.planned_state.is_known()
            && !resp.planned_state.is_null()
        {
            let numeric = get_bool(&req.config, "numeric");
            let number = get_bool(&req.config, "number");
            if let Some(b) = numeric.or(number) {
                resp.planned_state = with(&resp.planned_state, "numeric", Value::bool(b));
                resp.planned_state = with(&resp.planned_state, "number", Value::bool(b));
            }
        }
        Ok(resp)
    }

    async fn apply_resource(&self, req: ApplyRequest, ctx: &OpContext) -> ApplyResponse {
        let fail = |d: Diagnostic, state: Option<Value>| ApplyResponse {
            new_state: state,
            private: Vec::new(),
            diagnostics: d.into(),
        };
        if req.planned_state.is_null() {
            return ApplyResponse {
                new_state: None,
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            };
        }
        if let Err(d) = ctx.check(&format!("Creating {}", req.type_name)) {
            return fail(
                d,
                (!req.prior_state.is_null()).then(|| req.prior_state.clone()),
            );
        }
        let prior_kept = !req.prior_state.is_null()
            && req
                .planned_state
                .get_attr("id")
                .is_some_and(Value::is_known);
        if prior_kept {
            return ApplyResponse {
                new_state: Some(req.planned_state),
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            };
        }
        match create(&req.type_name, &req.planned_state) {
            Ok(v) => ApplyResponse {
                new_state: Some(v),
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            },
            Err(d) => fail(d, None),
        }
    }

    async fn read_resource(
        &self,
        req: ReadRequest,
        _ctx: &OpContext,
    ) -> Result<ReadResponse, Diagnostics> {
        Ok(ReadResponse {
            new_state: Some(req.current_state),
            private: req.private,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn import_resource(
        &self,
        type_name: &str,
        id: &str,
        _ctx: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics> {
        let schema = self.schema_of(type_name)?;
        let state = import(schema, type_name, id)?;
        Ok(vec![ImportedResource {
            type_name: type_name.to_string(),
            state,
            private: Vec::new(),
        }])
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        _config: Value,
        _ctx: &OpContext,
    ) -> Result<Value, Diagnostics> {
        Err(no_data_sources("random", type_name))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{create as mk, import as imp, obj, plan};
    use super::*;
    use girder_core::Number;

    fn num(n: i64) -> Value {
        Value::number(Number::from_i64(n))
    }

    fn p() -> RandomProvider {
        RandomProvider::new()
    }

    #[tokio::test]
    async fn password_and_string() {
        let v = mk(
            &p(),
            "random_password",
            obj(&[
                ("length", num(20)),
                ("min_special", num(3)),
                ("override_special", Value::string("!#")),
            ]),
        )
        .await
        .unwrap();
        let r = get_str(&v, "result").unwrap();
        assert_eq!(r.chars().count(), 20);
        assert!(r.chars().filter(|c| *c == '!' || *c == '#').count() >= 3);
        assert!(!r.chars().any(|c| "@$%&*()".contains(c)));
        assert_eq!(get_str(&v, "id"), Some("none"));
        assert!(bcrypt::verify(r, get_str(&v, "bcrypt_hash").unwrap()).unwrap());
        assert!(p().schema().resources["random_password"].attributes["result"].sensitive);
        assert!(!p().schema().resources["random_string"].attributes["result"].sensitive);

        let s = mk(
            &p(),
            "random_string",
            obj(&[
                ("length", num(12)),
                ("special", Value::bool(false)),
                ("upper", Value::bool(false)),
                ("numeric", Value::bool(false)),
            ]),
        )
        .await
        .unwrap();
        let r = get_str(&s, "result").unwrap();
        assert!(r.chars().all(|c| c.is_ascii_lowercase()), "{r}");
        assert_eq!(get_str(&s, "id"), Some(r));

        let e = mk(
            &p(),
            "random_string",
            obj(&[("length", num(2)), ("min_upper", num(3))]),
        )
        .await
        .unwrap_err();
        assert!(e.0[0].detail.contains("sum of min_upper"));
    }

    #[tokio::test]
    async fn keepers_and_arguments_force_replacement() {
        let prior = mk(
            &p(),
            "random_pet",
            obj(&[(
                "keepers",
                Value::map(Type::String, [("a".to_string(), Value::string("1"))].into()),
            )]),
        )
        .await
        .unwrap();
        let same = plan(
            &p(),
            "random_pet",
            &prior,
            obj(&[(
                "keepers",
                Value::map(Type::String, [("a".to_string(), Value::string("1"))].into()),
            )]),
        )
        .await;
        assert!(same.requires_replace.is_empty());
        assert!(same.planned_state.raw_equal(&prior));
        let changed = plan(
            &p(),
            "random_pet",
            &prior,
            obj(&[(
                "keepers",
                Value::map(Type::String, [("a".to_string(), Value::string("2"))].into()),
            )]),
        )
        .await;
        assert_eq!(changed.requires_replace.len(), 1);
        assert!(!get(&changed.planned_state, "id").unwrap().is_known());
        let longer = plan(&p(), "random_pet", &prior, obj(&[("length", num(3))])).await;
        assert!(!longer.requires_replace.is_empty());
    }

    #[tokio::test]
    async fn id_integer_pet_shuffle_uuid() {
        let v = mk(
            &p(),
            "random_id",
            obj(&[("byte_length", num(8)), ("prefix", Value::string("p-"))]),
        )
        .await
        .unwrap();
        let url = get_str(&v, "id").unwrap().to_string();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&url)
            .unwrap();
        assert_eq!(bytes.len(), 8);
        assert_eq!(get_str(&v, "b64_url").unwrap(), format!("p-{url}"));
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(get_str(&v, "hex").unwrap(), format!("p-{hex}"));
        let dec = u64::from_be_bytes(bytes.clone().try_into().unwrap()).to_string();
        assert_eq!(get_str(&v, "dec").unwrap(), format!("p-{dec}"));
        assert_eq!(
            get_str(&v, "b64_std").unwrap(),
            format!(
                "p-{}",
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            )
        );

        for _ in 0..20 {
            let i = mk(
                &p(),
                "random_integer",
                obj(&[("min", num(-3)), ("max", num(3))]),
            )
            .await
            .unwrap();
            let n = get_i64(&i, "result").unwrap();
            assert!((-3..=3).contains(&n));
            assert_eq!(get_str(&i, "id").unwrap(), n.to_string());
        }
        let a = mk(
            &p(),
            "random_integer",
            obj(&[
                ("min", num(1)),
                ("max", num(1000000)),
                ("seed", Value::string("s")),
            ]),
        )
        .await
        .unwrap();
        let b = mk(
            &p(),
            "random_integer",
            obj(&[
                ("min", num(1)),
                ("max", num(1000000)),
                ("seed", Value::string("s")),
            ]),
        )
        .await
        .unwrap();
        assert!(get(&a, "result")
            .unwrap()
            .raw_equal(get(&b, "result").unwrap()));
        assert!(mk(
            &p(),
            "random_integer",
            obj(&[("min", num(5)), ("max", num(1))])
        )
        .await
        .is_err());

        let pet = mk(
            &p(),
            "random_pet",
            obj(&[
                ("length", num(3)),
                ("separator", Value::string("_")),
                ("prefix", Value::string("x")),
            ]),
        )
        .await
        .unwrap();
        let id = get_str(&pet, "id").unwrap();
        assert_eq!(id.split('_').count(), 4, "{id}");
        assert!(id.starts_with("x_"));

        let input: Vec<Value> = ["a", "b", "c", "d"]
            .iter()
            .map(|s| Value::string(*s))
            .collect();
        let sh = mk(
            &p(),
            "random_shuffle",
            obj(&[
                ("input", Value::list(Type::String, input.clone())),
                ("result_count", num(6)),
            ]),
        )
        .await
        .unwrap();
        let res = get(&sh, "result").unwrap().as_seq().unwrap();
        assert_eq!(res.len(), 6);
        let first4: std::collections::BTreeSet<String> = res[..4]
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(first4.len(), 4);
        assert_eq!(get_str(&sh, "id"), Some("-"));

        let u = mk(&p(), "random_uuid", obj(&[])).await.unwrap();
        let parsed = uuid::Uuid::parse_str(get_str(&u, "result").unwrap()).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }

    #[tokio::test]
    async fn imports_as_the_random_provider() {
        let s = imp(&p(), "random_string", "abc123").await.unwrap();
        assert_eq!(get_str(&s, "result"), Some("abc123"));
        assert_eq!(get_i64(&s, "length"), Some(6));
        assert_eq!(get_bool(&s, "special"), Some(true));
        let pw = imp(&p(), "random_password", "s3cret").await.unwrap();
        assert_eq!(get_str(&pw, "id"), Some("none"));
        assert!(bcrypt::verify("s3cret", get_str(&pw, "bcrypt_hash").unwrap()).unwrap());
        let id = imp(&p(), "random_id", "p_8B").await.unwrap();
        assert_eq!(get_str(&id, "hex"), Some("a7ff01"));
        assert_eq!(get_str(&id, "dec"), Some("11009793"));
        assert_eq!(get_i64(&id, "byte_length"), Some(3));
        let i = imp(&p(), "random_integer", "15,1,20").await.unwrap();
        assert_eq!(get_i64(&i, "result"), Some(15));
        assert_eq!(get_i64(&i, "max"), Some(20));
        assert!(imp(&p(), "random_integer", "15,1").await.is_err());
        assert!(imp(&p(), "random_integer", "25,1,20").await.is_err());
        assert!(imp(&p(), "random_pet", "x").await.is_err());
        let u = imp(&p(), "random_uuid", "6f1b8f5e-1b2c-4c3d-8e4f-5a6b7c8d9e0f")
            .await
            .unwrap();
        assert_eq!(
            get_str(&u, "id"),
            Some("6f1b8f5e-1b2c-4c3d-8e4f-5a6b7c8d9e0f")
        );
    }

    #[test]
    fn decimal_of_big_numbers() {
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 16]), u128::MAX.to_string());
    }
}
