//! The schemas of the types whose wire form is a checked scalar (`SiteKey`, `ResponseId`,
//! `NpsScore`, …), for the collector's OpenAPI document. Only with the `openapi` feature, which
//! the widget and the dashboard never turn on: they pay nothing for it.

use crate::answer::NpsScore;
use crate::ids::{QuestionId, ResponseId, SiteKey, SurveyId};
use crate::survey::Step;
use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// What `ids::is_token` accepts.
const TOKEN: &str = "^[A-Za-z0-9_-]{1,64}$";

fn token(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(64))
        .pattern(Some(TOKEN))
        .description(Some(description))
        .into()
}

macro_rules! scalar_schema {
    ($name:ident, $schema:expr) => {
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

scalar_schema!(
    SiteKey,
    token("A site's public key: 1 to 64 of a-z, A-Z, 0-9, '_' and '-'")
);
scalar_schema!(
    SurveyId,
    token("A survey's id: 1 to 64 of a-z, A-Z, 0-9, '_' and '-'")
);
scalar_schema!(
    QuestionId,
    token("A question's id: 1 to 64 of a-z, A-Z, 0-9, '_' and '-'")
);
scalar_schema!(
    Step,
    token("A question's id, or `end`: where a survey goes next")
);
scalar_schema!(
    ResponseId,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uuid".into())))
        .description(Some(
            "A UUID made by the client, so that a retried submission is stored once"
        ))
        .into()
);
scalar_schema!(
    NpsScore,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(NpsScore::MAX))
        .description(Some("A Net Promoter score, 0 to 10"))
        .into()
);

/// Days as `YYYY-MM-DD`.
pub(crate) fn dates() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat};
    let day = ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)));
    ArrayBuilder::new().items(day).build()
}

/// A category or another label: 1 to 500 characters, not only spaces.
pub(crate) struct Label;

scalar_schema!(
    Label,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(crate::survey::MAX_LABEL))
        .pattern(Some(r"\S"))
        .into()
);

/// An `identify` attribute's key.
pub(crate) struct AttributeKey;

scalar_schema!(
    AttributeKey,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]{1,64}$"))
        .into()
);

/// An event a user may take by e-mail (`notify::EMAIL_EVENTS`).
pub(crate) struct EmailEvent;

scalar_schema!(
    EmailEvent,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(
            "^(complaint\\.hot_stove|sla\\.warning|sla\\.breached|escalation\\.raised|webhook\\.disabled|goal\\.at_risk|insight\\.digest)$"
        ))
        .into()
);

/// A hot-stove phrase: 1 to 100 characters with a letter or digit.
pub(crate) struct Phrase;

scalar_schema!(
    Phrase,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(100))
        .pattern(Some(r"[^\W_]"))
        .into()
);

/// An escalation level's actions: each a `{"action", …}` object with no other fields, as
/// `EscalationAction`'s `deny_unknown_fields` reads it (which the derive leaves out of a tagged
/// enum's variants).
pub(crate) fn escalation_actions() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, OneOfBuilder};
    let variant = |action: &str, to: Option<RefOr<Schema>>| {
        let tag = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([action]));
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("action", tag)
            .required("action")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        if let Some(to) = to {
            object = object.property("to", to).required("to");
        }
        object.build()
    };
    // `Recipients` and `Reassignee` are externally tagged: a name, or an object of one key.
    let one_key = |key: &str, value: ObjectBuilder| {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(key, value)
            .required(key)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
    };
    let names = |names: &[&str]| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(names.to_vec()))
    };
    let user = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(
                utoipa::openapi::schema::KnownFormat::Int64,
            )))
    };
    let users = utoipa::openapi::schema::ArrayBuilder::new()
        .items(user())
        .min_items(Some(1));
    let recipients = OneOfBuilder::new()
        .item(names(&["assignee", "admins"]))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("users", users)
                .required("users")
                .additional_properties(Some(AdditionalProperties::FreeForm(false))),
        )
        .description(Some("`assignee`, `admins`, or `{\"users\": [id, …]}`"));
    let reassignee = OneOfBuilder::new()
        .item(names(&["round_robin"]))
        .item(one_key("user", user()));
    let action = OneOfBuilder::new()
        .item(variant("notify", Some(recipients.into())))
        .item(variant("reassign", Some(reassignee.into())))
        .item(variant("raise_priority", None));
    ArrayBuilder::new()
        .items(action)
        .min_items(Some(1))
        .max_items(Some(10))
        .build()
}
