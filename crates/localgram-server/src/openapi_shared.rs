//! Schemas every part of the OpenAPI document uses: the control plane's error, a created
//! object's id, a write's success, and the Graph node components generated from the field
//! tables.

use serde::Serialize;
use utoipa::ToSchema;

/// Errors of the control plane.
#[derive(Serialize, ToSchema)]
pub struct ControlError {
    error: String,
}

/// `{"id": "…"}`.
#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    id: String,
}

/// `{"success": true}`.
#[derive(Serialize, ToSchema)]
pub struct Success {
    success: bool,
}

/// The node components, generated from the field tables of `localgram_types::schema`: one
/// property per field, with its kind, its closed set of values, its description and the APIs
/// that serve it; every property but `id` is nullable (absent when not selected or not
/// applicable).
pub mod nodes {
    use localgram_types::schema::{self, Api, Field, Kind, Node, NodeId};
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{
        ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Ref, Schema, SchemaFormat,
        SchemaType, Type,
    };

    /// The component a node is registered as.
    pub fn component(node: NodeId) -> &'static str {
        match node {
            NodeId::IgUser => "UserNode",
            NodeId::IgMedia => "MediaNode",
            NodeId::FbUser => "FbUserNode",
            NodeId::Page => "PageNode",
            NodeId::IgComment => "CommentNode",
            NodeId::Container => "ContainerNode",
            NodeId::PublishingLimit => "PublishingLimitItem",
        }
    }

    /// The component of an edge of `node` (`paging: false`: `{data}` only).
    fn edge_component(node: NodeId, paging: bool) -> Option<&'static str> {
        match (node, paging) {
            (NodeId::IgMedia, true) => Some("MediaPage"),
            (NodeId::IgMedia, false) => Some("ChildrenData"),
            (NodeId::Page, true) => Some("AccountsPage"),
            _ => None,
        }
    }

    fn apis_note(f: &Field) -> &'static str {
        let on = |api| f.served_on(api);
        match (
            on(Api::BasicDisplay),
            on(Api::InstagramLogin),
            on(Api::FacebookLogin),
        ) {
            (true, true, true) | (false, false, true) => "",
            (true, true, false) => " Not on graph.facebook.com.",
            (false, true, true) => " Not with Basic Display.",
            (false, true, false) => " Instagram Login only.",
            (true, false, false) => " Basic Display only.",
            _ => " Basic Display and Facebook Login only.",
        }
    }

    fn typed(kind: Type, nullable: bool) -> SchemaType {
        if nullable {
            SchemaType::from_iter([kind, Type::Null])
        } else {
            SchemaType::from(kind)
        }
    }

    fn nullable_ref(name: &str, description: Option<String>) -> RefOr<Schema> {
        let mut inner = Ref::from_schema_name(name);
        inner.description = description.unwrap_or_default();
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .item(inner)
            .into()
    }

    /// The schema of a value of `kind`.
    fn value(kind: &Kind, nullable: bool, description: Option<String>) -> RefOr<Schema> {
        let scalar = |t: Type, format: Option<KnownFormat>| {
            ObjectBuilder::new()
                .schema_type(typed(t, nullable))
                .format(format.map(SchemaFormat::KnownFormat))
                .description(description.clone())
                .into()
        };
        match kind {
            Kind::String | Kind::Timestamp | Kind::Url => scalar(Type::String, None),
            Kind::Integer => scalar(Type::Integer, Some(KnownFormat::Int64)),
            Kind::Number => scalar(Type::Number, Some(KnownFormat::Double)),
            Kind::Boolean => scalar(Type::Boolean, None),
            Kind::Enum(values) => {
                let mut all: Vec<serde_json::Value> =
                    values.iter().map(|v| serde_json::Value::from(*v)).collect();
                if nullable {
                    all.push(serde_json::Value::Null);
                }
                ObjectBuilder::new()
                    .schema_type(typed(Type::String, nullable))
                    .enum_values(Some(all))
                    .description(description)
                    .into()
            }
            Kind::List(item) => ArrayBuilder::new()
                .schema_type(typed(Type::Array, nullable))
                .items(value(item, false, None))
                .description(description)
                .into(),
            Kind::Object(props) => {
                let mut o = ObjectBuilder::new()
                    .schema_type(typed(Type::Object, nullable))
                    .description(description);
                for p in *props {
                    o = o.property(p.name, value(&p.kind, false, Some(p.description.into())));
                }
                o.into()
            }
            Kind::Node(n) => nullable_ref(component(*n), description),
            Kind::Edge { node, paging } => match edge_component(*node, *paging) {
                Some(name) => nullable_ref(name, description),
                None => ObjectBuilder::new()
                    .schema_type(typed(Type::Object, nullable))
                    .description(description)
                    .property(
                        "data",
                        ArrayBuilder::new().items(Ref::from_schema_name(component(*node))),
                    )
                    .required("data")
                    .into(),
            },
        }
    }

    /// A node's component: every field of its table as a property.
    pub fn node(node: &Node, description: &str) -> RefOr<Schema> {
        let mut o = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(description));
        for f in node.fields {
            let required = f.name == "id" && (node.id_always || f.default);
            let mut text = f.description.to_owned();
            text.push_str(apis_note(f));
            if f.default {
                text.push_str(" Read by default.");
            }
            o = o.property(f.name, value(&f.kind, !required, Some(text)));
            if required {
                o = o.required(f.name);
            }
        }
        o.into()
    }

    /// Declares a component generated from a table.
    macro_rules! component {
        ($ty:ident, $node:expr, $doc:literal) => {
            #[doc = $doc]
            #[derive(serde::Serialize)]
            pub struct $ty;

            impl utoipa::PartialSchema for $ty {
                fn schema() -> RefOr<Schema> {
                    node(&$node, $doc)
                }
            }

            impl utoipa::ToSchema for $ty {}
        };
    }

    component!(
        UserNode,
        schema::IG_USER,
        "The Instagram user node (fields present when selected)."
    );
    component!(
        MediaNode,
        schema::IG_MEDIA,
        "A media node (fields present when selected and applicable)."
    );
    component!(FbUserNode, schema::FB_USER, "The Facebook user node.");
    component!(
        PageNode,
        schema::PAGE,
        "A Page node (fields present when selected and set)."
    );
    component!(
        CommentNode,
        schema::IG_COMMENT,
        "An IG Comment (fields present when selected)."
    );
    component!(
        ContainerNode,
        schema::CONTAINER,
        "`GET /{container_id}?fields=status_code,status`."
    );
}
