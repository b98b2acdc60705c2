//! The built-in `terraform` provider: `terraform_data` (Terraform 1.4+): `input` is stored and
//! echoed in `output` after apply; a change of `triggers_replace` replaces the object.

use super::{get, no_data_sources, object, plan_by_schema, unknown_type, with};
use crate::schema::{Attribute, ProviderSchema, Schema};
use crate::{
    ApplyRequest, ApplyResponse, ImportedResource, OpContext, PlanRequest, PlanResponse, Provider,
    ReadRequest, ReadResponse,
};
use girder_core::{Diagnostics, Type, Value};
use std::collections::BTreeMap;

/// The `terraform` provider.
pub struct TerraformProvider {
    schema: ProviderSchema,
}

impl Default for TerraformProvider {
    fn default() -> Self {
        TerraformProvider::new()
    }
}

impl TerraformProvider {
    /// The provider with its schema.
    pub fn new() -> TerraformProvider {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "terraform_data".into(),
            Schema::new()
                .attr(
                    "input",
                    Attribute::optional(Type::Dynamic).describe(
                        "A value to store in the object. Changing it changes output after apply.",
                    ),
                )
                .attr(
                    "output",
                    Attribute::computed(Type::Dynamic).describe("The value of input after apply."),
                )
                .attr(
                    "triggers_replace",
                    Attribute::optional(Type::Dynamic)
                        .force_new()
                        .describe("A value which, when changed, replaces the object."),
                )
                .attr(
                    "id",
                    Attribute::computed(Type::String).describe("A unique id for the object."),
                ),
        );
        TerraformProvider { schema }
    }
}

#[async_trait::async_trait]
impl Provider for TerraformProvider {
    fn name(&self) -> &str {
        "terraform"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _config: Value, _ctx: &OpContext) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn plan_resource(
        &self,
        req: PlanRequest,
        _ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        let Some(schema) = self.schema.resources.get(&req.type_name) else {
            return Err(unknown_type("terraform", &req.type_name));
        };
        let mut resp = plan_by_schema(schema, &req, &[]);
        if !resp.planned_state.is_null() {
            let input_changed = req.prior_state.is_null()
                || !resp.requires_replace.is_empty()
                || match (get(&req.prior_state, "input"), get(&req.config, "input")) {
                    (Some(a), Some(b)) => !(b.is_wholly_known() && a.raw_equal(b)),
                    (a, b) => a.is_some() != b.is_some(),
                };
            let output = if input_changed {
                Value::unknown(Type::Dynamic)
            } else {
                get(&req.prior_state, "output")
                    .cloned()
                    .unwrap_or_else(|| Value::null(Type::Dynamic))
            };
            resp.planned_state = with(&resp.planned_state, "output", output);
        }
        Ok(resp)
    }

    async fn apply_resource(&self, req: ApplyRequest, _ctx: &OpContext) -> ApplyResponse {
        if req.planned_state.is_null() {
            return ApplyResponse {
                new_state: None,
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            };
        }
        let mut v = req.planned_state.clone();
        if !get(&v, "id").is_some_and(Value::is_known) {
            v = with(&v, "id", Value::string(uuid::Uuid::new_v4().to_string()));
        }
        let input = get(&v, "input")
            .cloned()
            .unwrap_or_else(|| Value::null(Type::Dynamic));
        v = with(&v, "output", input);
        ApplyResponse {
            new_state: Some(v),
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
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
        let Some(schema) = self.schema.resources.get(type_name) else {
            return Err(unknown_type("terraform", type_name));
        };
        let state = object(
            schema,
            BTreeMap::from([("id".to_string(), Value::string(id))]),
        );
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
        Err(no_data_sources("terraform", type_name))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{create, import, obj, plan};
    use super::*;

    #[tokio::test]
    async fn input_becomes_output_and_triggers_replace() {
        let p = TerraformProvider::new();
        let v = create(
            &p,
            "terraform_data",
            obj(&[
                ("input", Value::string("a")),
                ("triggers_replace", Value::int(1)),
            ]),
        )
        .await
        .unwrap();
        assert!(get(&v, "output").unwrap().raw_equal(&Value::string("a")));
        assert_eq!(get(&v, "id").unwrap().as_str().unwrap().len(), 36);

        let same = plan(
            &p,
            "terraform_data",
            &v,
            obj(&[
                ("input", Value::string("a")),
                ("triggers_replace", Value::int(1)),
            ]),
        )
        .await;
        assert!(same.requires_replace.is_empty());
        assert!(same.planned_state.raw_equal(&v));

        let new_input = plan(
            &p,
            "terraform_data",
            &v,
            obj(&[
                ("input", Value::string("b")),
                ("triggers_replace", Value::int(1)),
            ]),
        )
        .await;
        assert!(new_input.requires_replace.is_empty());
        assert!(!get(&new_input.planned_state, "output").unwrap().is_known());
        assert!(get(&new_input.planned_state, "id").unwrap().is_known());

        let trig = plan(
            &p,
            "terraform_data",
            &v,
            obj(&[
                ("input", Value::string("a")),
                ("triggers_replace", Value::int(2)),
            ]),
        )
        .await;
        assert_eq!(trig.requires_replace.len(), 1);
        assert!(!get(&trig.planned_state, "id").unwrap().is_known());

        let imp = import(&p, "terraform_data", "abc").await.unwrap();
        assert_eq!(get(&imp, "id").unwrap().as_str(), Some("abc"));
        assert!(get(&imp, "input").unwrap().is_null());
    }
}
