//! One field table per Graph node: which fields each node has, on which API, of what JSON kind,
//! which are read by default and what rule decides when a field is written. The server's field
//! check is derived from these tables, the OpenAPI components are generated from them, and the
//! SDK's field enums and models are tested against them. Plain static data, no serde.
//!
//! ```
//! use localgram_types::schema::{Api, IG_MEDIA};
//!
//! let owner = IG_MEDIA.field("owner").unwrap();
//! assert!(owner.served_on(Api::FacebookLogin));
//! assert!(!owner.served_on(Api::BasicDisplay));
//! assert_eq!(IG_MEDIA.type_name(Api::FacebookLogin), "IGMedia");
//! ```

/// The API a node is read through. It decides which fields a node has (a field another API
/// serves is a "nonexisting field" there, as on Meta) and the node's type name in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// Instagram Basic Display, on graph.instagram.com.
    BasicDisplay,
    /// Instagram API with Instagram Login, on graph.instagram.com.
    InstagramLogin,
    /// Instagram API with Facebook Login, on graph.facebook.com.
    FacebookLogin,
}

impl Api {
    /// Every API, in declaration order.
    pub const ALL: &'static [Api] = &[Api::BasicDisplay, Api::InstagramLogin, Api::FacebookLogin];

    /// This API as a one-member set.
    pub const fn set(self) -> Apis {
        match self {
            Api::BasicDisplay => Apis::BASIC_DISPLAY,
            Api::InstagramLogin => Apis::INSTAGRAM_LOGIN,
            Api::FacebookLogin => Apis::FACEBOOK_LOGIN,
        }
    }

    /// Whether the API is served on graph.facebook.com (else graph.instagram.com).
    pub const fn on_facebook_host(self) -> bool {
        matches!(self, Api::FacebookLogin)
    }
}

/// A set of [`Api`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Apis(u8);

impl Apis {
    /// Basic Display only.
    pub const BASIC_DISPLAY: Apis = Apis(1);
    /// Instagram Login only.
    pub const INSTAGRAM_LOGIN: Apis = Apis(2);
    /// Facebook Login only.
    pub const FACEBOOK_LOGIN: Apis = Apis(4);
    /// Both APIs of graph.instagram.com.
    pub const INSTAGRAM_HOST: Apis = Apis(1 | 2);
    /// The APIs of professional accounts (Instagram Login, Facebook Login).
    pub const PROFESSIONAL: Apis = Apis(2 | 4);
    /// Every API.
    pub const ALL: Apis = Apis(1 | 2 | 4);

    /// Whether `api` is in the set.
    pub const fn contains(self, api: Api) -> bool {
        self.0 & api.set().0 != 0
    }
}

/// The nodes that have a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeId {
    /// The Instagram user ([`IG_USER`]).
    IgUser,
    /// The Instagram media ([`IG_MEDIA`]).
    IgMedia,
    /// The Facebook user ([`FB_USER`]).
    FbUser,
    /// The Facebook Page ([`PAGE`]).
    Page,
    /// An Instagram comment ([`IG_COMMENT`]).
    IgComment,
    /// A media container ([`CONTAINER`]).
    Container,
    /// The content publishing limit ([`PUBLISHING_LIMIT`]).
    PublishingLimit,
}

impl NodeId {
    /// The node's table.
    pub fn node(self) -> &'static Node {
        match self {
            NodeId::IgUser => &IG_USER,
            NodeId::IgMedia => &IG_MEDIA,
            NodeId::FbUser => &FB_USER,
            NodeId::Page => &PAGE,
            NodeId::IgComment => &IG_COMMENT,
            NodeId::Container => &CONTAINER,
            NodeId::PublishingLimit => &PUBLISHING_LIMIT,
        }
    }
}

/// The JSON kind of a field's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A number that may have a fraction.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A string out of a closed set.
    Enum(&'static [&'static str]),
    /// A time as Graph writes it: `2026-05-01T18:10:00+0000`.
    Timestamp,
    /// An absolute URL.
    Url,
    /// An array of values of one kind.
    List(&'static Kind),
    /// An object of a fixed shape that is not a node; its properties are given as fields.
    Object(&'static [Field]),
    /// Another node, inline (some of its fields).
    Node(NodeId),
    /// An edge: `{"data": [nodes], "paging": {…}}` (`paging: false`: `{"data": […]}` only).
    Edge {
        /// The node of the items.
        node: NodeId,
        /// Whether the edge has `paging`.
        paging: bool,
    },
}

/// What a nested selection (`field{…}`) on a field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// None: `field{…}` is a nonexisting field of this node.
    Refused,
    /// Anything: it is accepted and not looked at.
    Ignored,
    /// The fields of the node the field names ([`Kind::Node`], [`Kind::Edge`]), checked by its
    /// table (on an edge, edge-only fields too).
    Checked,
    /// Only these fields of the node the field names, none of them nested (`owner{id}`); any
    /// other is a nonexisting field of that node.
    Only(&'static [&'static str]),
}

/// One field of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The name in `fields=` and in the answer.
    pub name: &'static str,
    /// The APIs that serve it.
    pub apis: Apis,
    /// The JSON kind of its value.
    pub kind: Kind,
    /// What a nested selection on it may hold.
    pub nesting: Nesting,
    /// Whether a read of the node without `fields` writes it.
    pub default: bool,
    /// Whether it exists only on the items of an edge (a Page's `tasks` on `/me/accounts`).
    pub edge_only: bool,
    /// When it is written, in one line.
    pub description: &'static str,
}

impl Field {
    /// Whether `api` serves the field.
    pub const fn served_on(&self, api: Api) -> bool {
        self.apis.contains(api)
    }
}

/// A node's table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Which node this is.
    pub id: NodeId,
    /// Its name in prose.
    pub title: &'static str,
    /// Its type name in errors on graph.instagram.com.
    pub instagram_type: &'static str,
    /// Its type name in errors on graph.facebook.com.
    pub facebook_type: &'static str,
    /// Whether `id` is written even when not selected.
    pub id_always: bool,
    /// The default fields of the edge that lists the node, in the order they are asked for
    /// (empty: the node's own defaults).
    pub edge_default: &'static [&'static str],
    /// The fields, in a stable order.
    pub fields: &'static [Field],
}

impl Node {
    /// The type name in errors when read through `api`.
    pub const fn type_name(&self, api: Api) -> &'static str {
        if api.on_facebook_host() {
            self.facebook_type
        } else {
            self.instagram_type
        }
    }

    /// The field named `name`, whatever the API.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field named `name` as `api` serves it (an edge-only field only when `on_edge`).
    pub fn served(&self, name: &str, api: Api, on_edge: bool) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.name == name && f.served_on(api) && (on_edge || !f.edge_only))
    }

    /// The fields `api` serves (edge-only ones included).
    pub fn fields_on(&self, api: Api) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(move |f| f.served_on(api))
    }

    /// The default selection of a read of the node, comma-separated.
    pub fn default_fields(&self) -> String {
        let names: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.default)
            .map(|f| f.name)
            .collect();
        names.join(",")
    }

    /// The default selection of the edge that lists the node, comma-separated.
    pub fn edge_default_fields(&self) -> String {
        self.edge_default.join(",")
    }
}

const fn field(name: &'static str, apis: Apis, kind: Kind, description: &'static str) -> Field {
    Field {
        name,
        apis,
        kind,
        nesting: Nesting::Refused,
        default: false,
        edge_only: false,
        description,
    }
}

impl Field {
    const fn default(mut self) -> Self {
        self.default = true;
        self
    }

    const fn nesting(mut self, nesting: Nesting) -> Self {
        self.nesting = nesting;
        self
    }

    const fn edge_only(mut self) -> Self {
        self.edge_only = true;
        self
    }
}

/// A property of an inline object (served wherever its field is).
const fn prop(name: &'static str, kind: Kind, description: &'static str) -> Field {
    field(name, Apis::ALL, kind, description)
}

use Apis as A;

/// The values of a media's `media_type`.
pub const MEDIA_TYPES: &[&str] = &["IMAGE", "VIDEO", "CAROUSEL_ALBUM"];
/// The values of a media's `media_product_type`.
pub const MEDIA_PRODUCT_TYPES: &[&str] = &["FEED", "REELS", "STORY", "AD"];
/// The values of a user's `account_type`: Basic Display spells them in capitals, Instagram
/// Login as `Business` and `Media_Creator`.
pub const ACCOUNT_TYPES: &[&str] = &[
    "PERSONAL",
    "BUSINESS",
    "MEDIA_CREATOR",
    "Business",
    "Media_Creator",
];
/// The values of a container's `status_code`.
pub const CONTAINER_STATUSES: &[&str] =
    &["IN_PROGRESS", "FINISHED", "ERROR", "EXPIRED", "PUBLISHED"];
/// The values of a container's `copyright_check_status.status`.
pub const COPYRIGHT_CHECK_STATUSES: &[&str] = &["not_started", "in_progress", "completed", "error"];

/// The Instagram user (`/me`, `/{ig-user-id}`; `instagram_business_account` of a Page).
pub static IG_USER: Node = Node {
    id: NodeId::IgUser,
    title: "Instagram user",
    instagram_type: "User",
    facebook_type: "IGUser",
    id_always: true,
    edge_default: &[],
    fields: &[
        field(
            "id",
            A::ALL,
            Kind::String,
            "The account id (Basic Display: the app-scoped user id).",
        )
        .default(),
        field(
            "ig_id",
            A::FACEBOOK_LOGIN,
            Kind::String,
            "The account id again.",
        ),
        field(
            "user_id",
            A::INSTAGRAM_HOST,
            Kind::String,
            "The account id again.",
        ),
        field("username", A::ALL, Kind::String, "The username."),
        field(
            "name",
            A::ALL,
            Kind::String,
            "The profile name; absent when empty.",
        ),
        field(
            "account_type",
            A::INSTAGRAM_HOST,
            Kind::Enum(ACCOUNT_TYPES),
            "`PERSONAL` | `BUSINESS` | `MEDIA_CREATOR` (Basic Display); `Business` | `Media_Creator` (Instagram Login).",
        ),
        field(
            "media_count",
            A::ALL,
            Kind::Integer,
            "The number of top-level media; a token without a media scope gets code 10 instead.",
        ),
        field(
            "profile_picture_url",
            A::ALL,
            Kind::Url,
            "The profile picture on the media host.",
        ),
        field("followers_count", A::ALL, Kind::Integer, "Followers."),
        field("follows_count", A::ALL, Kind::Integer, "Accounts followed."),
        field(
            "biography",
            A::ALL,
            Kind::String,
            "The biography; absent when empty.",
        ),
        field(
            "website",
            A::ALL,
            Kind::String,
            "The website; absent when empty.",
        ),
        field(
            "media",
            A::ALL,
            Kind::Edge {
                node: NodeId::IgMedia,
                paging: true,
            },
            "The media edge, first page (`media.limit(n){…}`).",
        )
        .nesting(Nesting::Checked),
    ],
};

/// An Instagram media (`/{ig-media-id}`, items of the media and children edges).
pub static IG_MEDIA: Node = Node {
    id: NodeId::IgMedia,
    title: "Instagram media",
    instagram_type: "Media",
    facebook_type: "IGMedia",
    id_always: true,
    edge_default: &["id"],
    fields: &[
        field("id", A::ALL, Kind::String, "The media id.").default(),
        field(
            "caption",
            A::ALL,
            Kind::String,
            "Absent on album children and when the post has none.",
        ),
        field(
            "media_type",
            A::ALL,
            Kind::Enum(MEDIA_TYPES),
            "`IMAGE` | `VIDEO` | `CAROUSEL_ALBUM`.",
        ),
        field(
            "media_url",
            A::ALL,
            Kind::Url,
            "The file on the media host; absent for copyright-flagged VIDEO.",
        ),
        field(
            "permalink",
            A::ALL,
            Kind::Url,
            "`https://www.instagram.com/p/…/` (`reel/` for REELS); absent on album children and for copyright-flagged media.",
        ),
        field("thumbnail_url", A::ALL, Kind::Url, "VIDEO only."),
        field(
            "timestamp",
            A::ALL,
            Kind::Timestamp,
            "Publish time, `2026-05-01T18:10:00+0000`.",
        ),
        field("username", A::ALL, Kind::String, "The owner's username."),
        field(
            "is_shared_to_feed",
            A::ALL,
            Kind::Boolean,
            "REELS only, when the world says.",
        ),
        field(
            "media_product_type",
            A::ALL,
            Kind::Enum(MEDIA_PRODUCT_TYPES),
            "`FEED` | `REELS` | `STORY` | `AD`.",
        ),
        field("shortcode", A::ALL, Kind::String, "The permalink's code."),
        field(
            "like_count",
            A::PROFESSIONAL,
            Kind::Integer,
            "Always 0: likes are not emulated.",
        ),
        field(
            "comments_count",
            A::PROFESSIONAL,
            Kind::Integer,
            "Comments and replies, hidden ones included.",
        ),
        field(
            "is_comment_enabled",
            A::PROFESSIONAL,
            Kind::Boolean,
            "Whether comments are on.",
        ),
        field(
            "owner",
            A::PROFESSIONAL,
            Kind::Node(NodeId::IgUser),
            "`{id}` of the owning account (`owner{id}` only).",
        )
        .nesting(Nesting::Only(&["id"])),
        field(
            "children",
            A::ALL,
            Kind::Edge {
                node: NodeId::IgMedia,
                paging: false,
            },
            "CAROUSEL_ALBUM only: the album's items (`children{…}`), two levels deep at most.",
        )
        .nesting(Nesting::Checked),
    ],
};

/// The Facebook user (`/me` on graph.facebook.com).
pub static FB_USER: Node = Node {
    id: NodeId::FbUser,
    title: "Facebook user",
    instagram_type: "User",
    facebook_type: "User",
    id_always: false,
    edge_default: &[],
    fields: &[
        field("id", A::FACEBOOK_LOGIN, Kind::String, "The user id.").default(),
        field("name", A::FACEBOOK_LOGIN, Kind::String, "The name.").default(),
        field("email", A::FACEBOOK_LOGIN, Kind::String, "The login email; absent when the user has none."),
        field("accounts", A::FACEBOOK_LOGIN, Kind::Edge { node: NodeId::Page, paging: true }, "The Pages the user has a task on, first page (`accounts.limit(n).summary(total_count){…}`).").nesting(Nesting::Checked),
    ],
};

/// A Page's category reference (items of `category_list`).
const CATEGORY_REF: &[Field] = &[
    prop("id", Kind::String, "The category id."),
    prop("name", Kind::String, "The category name."),
];

/// A Facebook Page (`/{page-id}`, items of the accounts edge).
pub static PAGE: Node = Node {
    id: NodeId::Page,
    title: "Facebook Page",
    instagram_type: "Page",
    facebook_type: "Page",
    id_always: false,
    edge_default: &["access_token", "category", "category_list", "name", "id", "tasks"],
    fields: &[
        field("id", A::FACEBOOK_LOGIN, Kind::String, "The Page id.").default(),
        field("name", A::FACEBOOK_LOGIN, Kind::String, "The name.").default(),
        field("about", A::FACEBOOK_LOGIN, Kind::String, "Absent when empty."),
        field("category", A::FACEBOOK_LOGIN, Kind::String, "The name of the Page's category."),
        field("category_list", A::FACEBOOK_LOGIN, Kind::List(&Kind::Object(CATEGORY_REF)), "The Page's categories."),
        field("description", A::FACEBOOK_LOGIN, Kind::String, "Absent when empty."),
        field("phone", A::FACEBOOK_LOGIN, Kind::String, "Absent when empty."),
        field("website", A::FACEBOOK_LOGIN, Kind::String, "Absent when empty."),
        field("link", A::FACEBOOK_LOGIN, Kind::Url, "`https://www.facebook.com/{page-id}`."),
        field("location", A::FACEBOOK_LOGIN, Kind::Object(&[
            prop("city", Kind::String, "City."),
            prop("state", Kind::String, "State."),
            prop("country", Kind::String, "Country."),
            prop("zip", Kind::String, "Postal code."),
            prop("street", Kind::String, "Street."),
            prop("latitude", Kind::Number, "Latitude."),
            prop("longitude", Kind::Number, "Longitude."),
            prop("city_id", Kind::Integer, "The city's id."),
        ]), "`{city, state, country, zip, street, latitude, longitude, city_id}` as the world gave it; absent when it gave none."),
        field("picture", A::FACEBOOK_LOGIN, Kind::Object(&[
            prop("data", Kind::Object(&[
                prop("url", Kind::Url, "The picture, or the Graph default one."),
                prop("is_silhouette", Kind::Boolean, "Whether the Page has no picture of its own."),
            ]), "The picture."),
        ]), "`{data: {url, is_silhouette}}` (a nested selection is accepted and not looked at).").nesting(Nesting::Ignored),
        field("cover", A::FACEBOOK_LOGIN, Kind::Object(&[
            prop("id", Kind::String, "`{page-id}_cover`."),
            prop("source", Kind::Url, "The cover photo."),
            prop("offset_x", Kind::Integer, "Default 50."),
            prop("offset_y", Kind::Integer, "Default 50."),
        ]), "`{id, source, offset_x, offset_y}`; absent without a cover photo (a nested selection is accepted and not looked at).").nesting(Nesting::Ignored),
        field("instagram_business_account", A::FACEBOOK_LOGIN, Kind::Node(NodeId::IgUser), "The linked professional Instagram account (`{id}` by default, any IG user field nested); counts against its Business Use Case limit.").nesting(Nesting::Checked),
        field("access_token", A::FACEBOOK_LOGIN, Kind::String, "A Page token, for a Facebook user token whose user has a task on the Page."),
        field("is_place", A::FACEBOOK_LOGIN, Kind::Boolean, "Whether the Page is a place."),
        field("is_promotable", A::FACEBOOK_LOGIN, Kind::Boolean, "Whether the Page can be promoted."),
        field("tasks", A::FACEBOOK_LOGIN, Kind::List(&Kind::String), "The user's tasks on the Page (accounts edge only).").edge_only(),
    ],
};

/// An Instagram comment (`/{ig-comment-id}`, items of the comments and replies edges).
pub static IG_COMMENT: Node = Node {
    id: NodeId::IgComment,
    title: "Instagram comment",
    instagram_type: "IGComment",
    facebook_type: "IGComment",
    id_always: true,
    edge_default: &["timestamp", "text", "id"],
    fields: &[
        field("id", A::PROFESSIONAL, Kind::String, "The comment id.")
            .default()
            .nesting(Nesting::Ignored),
        field("text", A::PROFESSIONAL, Kind::String, "The text.").nesting(Nesting::Ignored),
        field(
            "timestamp",
            A::PROFESSIONAL,
            Kind::Timestamp,
            "When it was written, `2026-05-01T18:10:00+0000`.",
        )
        .nesting(Nesting::Ignored),
        field(
            "hidden",
            A::PROFESSIONAL,
            Kind::Boolean,
            "Whether it is hidden.",
        )
        .nesting(Nesting::Ignored),
        field(
            "like_count",
            A::PROFESSIONAL,
            Kind::Integer,
            "Always 0: likes are not emulated.",
        )
        .nesting(Nesting::Ignored),
        field(
            "from",
            A::PROFESSIONAL,
            Kind::Object(&[
                prop("id", Kind::String, "The author's id."),
                prop("username", Kind::String, "The author's username."),
            ]),
            "`{id, username}` of the author.",
        )
        .nesting(Nesting::Ignored),
        field(
            "media",
            A::PROFESSIONAL,
            Kind::Object(&[
                prop("id", Kind::String, "The media id."),
                prop(
                    "media_product_type",
                    Kind::Enum(MEDIA_PRODUCT_TYPES),
                    "`FEED` | `REELS` | `STORY` | `AD`.",
                ),
            ]),
            "`{id, media_product_type}` of the commented media.",
        )
        .nesting(Nesting::Ignored),
        field(
            "parent_id",
            A::PROFESSIONAL,
            Kind::String,
            "Replies only: the comment replied to.",
        )
        .nesting(Nesting::Ignored),
        field(
            "replies",
            A::PROFESSIONAL,
            Kind::Edge {
                node: NodeId::IgComment,
                paging: false,
            },
            "Top-level comments only: the replies (`replies{…}`); absent when there are none.",
        )
        .nesting(Nesting::Checked),
        field(
            "username",
            A::PROFESSIONAL,
            Kind::String,
            "The author's username.",
        )
        .nesting(Nesting::Ignored),
    ],
};

/// A media container (`/{container-id}`), the type Meta names `ShadowIGMediaBuilder`.
pub static CONTAINER: Node = Node {
    id: NodeId::Container,
    title: "Media container",
    instagram_type: "ShadowIGMediaBuilder",
    facebook_type: "ShadowIGMediaBuilder",
    id_always: true,
    edge_default: &[],
    fields: &[
        field("id", A::PROFESSIONAL, Kind::String, "The container id.").default().nesting(Nesting::Ignored),
        field("status_code", A::PROFESSIONAL, Kind::Enum(CONTAINER_STATUSES), "`IN_PROGRESS` | `FINISHED` | `ERROR` | `EXPIRED` | `PUBLISHED`.").nesting(Nesting::Ignored),
        field("status", A::PROFESSIONAL, Kind::String, "`Finished: Media has been uploaded and it is ready to be published.`, or on ERROR `Error: Media upload has failed with error code 2207026`.").nesting(Nesting::Ignored),
        field("copyright_check_status", A::PROFESSIONAL, Kind::Object(&[
            prop("matches_found", Kind::Boolean, "Always false."),
            prop("status", Kind::Enum(COPYRIGHT_CHECK_STATUSES), "`not_started` for an image, else as the video processes."),
        ]), "`{matches_found, status}`: videos are checked while they process; nothing is ever found.").nesting(Nesting::Ignored),
    ],
};

/// An item of `/{ig-user-id}/content_publishing_limit`.
pub static PUBLISHING_LIMIT: Node = Node {
    id: NodeId::PublishingLimit,
    title: "Content publishing limit",
    instagram_type: "ContentPublishingLimit",
    facebook_type: "ContentPublishingLimit",
    id_always: false,
    edge_default: &[],
    fields: &[
        field(
            "quota_usage",
            A::PROFESSIONAL,
            Kind::Integer,
            "Media published in the last 24 hours.",
        )
        .default()
        .nesting(Nesting::Ignored),
        field(
            "config",
            A::PROFESSIONAL,
            Kind::Object(&[
                prop("quota_total", Kind::Integer, "The limit."),
                prop("quota_duration", Kind::Integer, "Seconds (86400)."),
            ]),
            "`{quota_total, quota_duration}`.",
        )
        .nesting(Nesting::Ignored),
    ],
};

/// Every table.
pub static NODES: &[&Node] = &[
    &IG_USER,
    &IG_MEDIA,
    &FB_USER,
    &PAGE,
    &IG_COMMENT,
    &CONTAINER,
    &PUBLISHING_LIMIT,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_id_names_its_own_table() {
        for node in NODES {
            assert_eq!(node.id.node().title, node.title);
        }
    }

    #[test]
    fn field_names_are_unique_and_edge_defaults_are_fields() {
        for node in NODES {
            for (i, f) in node.fields.iter().enumerate() {
                assert!(
                    node.fields[i + 1..].iter().all(|g| g.name != f.name),
                    "{}: {} twice",
                    node.title,
                    f.name
                );
                if matches!(f.nesting, Nesting::Checked | Nesting::Only(_)) {
                    assert!(
                        matches!(f.kind, Kind::Node(_) | Kind::Edge { .. }),
                        "{}.{}: a checked nested selection needs a node",
                        node.title,
                        f.name
                    );
                }
            }
            for name in node.edge_default {
                assert!(node.field(name).is_some(), "{}: {name}", node.title);
            }
        }
    }

    #[test]
    fn apis_and_type_names() {
        let user_id = IG_USER.field("user_id").unwrap();
        assert!(user_id.served_on(Api::BasicDisplay) && user_id.served_on(Api::InstagramLogin));
        assert!(!user_id.served_on(Api::FacebookLogin));
        assert_eq!(IG_USER.type_name(Api::InstagramLogin), "User");
        assert_eq!(IG_USER.type_name(Api::FacebookLogin), "IGUser");
        assert!(PAGE.served("tasks", Api::FacebookLogin, true).is_some());
        assert!(PAGE.served("tasks", Api::FacebookLogin, false).is_none());
        assert_eq!(FB_USER.default_fields(), "id,name");
        assert_eq!(IG_MEDIA.default_fields(), "id");
        assert_eq!(
            PAGE.edge_default_fields(),
            "access_token,category,category_list,name,id,tasks"
        );
        assert_eq!(IG_COMMENT.edge_default_fields(), "timestamp,text,id");
    }
}
