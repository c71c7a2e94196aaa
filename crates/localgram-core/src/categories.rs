//! The Page category tree served by `GET /fb_page_categories` (api-contract.md §16.3). Each
//! category has a numeric id, a name and an `api_enum`, the value `POST /{user-id}/accounts`
//! takes as `category_enum`; `category_list` takes ids.

/// One Page category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Numeric id, as a string.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// The `category_enum` value.
    pub api_enum: &'static str,
    /// The parent's `api_enum`; `None` at the top of the tree.
    pub parent: Option<&'static str>,
}

const fn c(
    id: &'static str,
    name: &'static str,
    api_enum: &'static str,
    parent: Option<&'static str>,
) -> Category {
    Category {
        id,
        name,
        api_enum,
        parent,
    }
}

/// Every category, parents before their children.
pub const CATEGORIES: &[Category] = &[
    c("2612", "Community", "COMMUNITY", None),
    c(
        "2613",
        "Community Services",
        "COMMUNITY_SERVICES",
        Some("COMMUNITY"),
    ),
    c(
        "2614",
        "Nonprofit Organization",
        "NONPROFIT",
        Some("COMMUNITY"),
    ),
    c("1602", "Media", "MEDIA", None),
    c("2347", "News & Media Website", "NEWS_SITE", Some("MEDIA")),
    c("1200", "Album", "ALBUM", Some("MEDIA")),
    c("1601", "Artist", "ARTIST", None),
    c("1335670856447673", "Musician", "MUSICIAN", Some("ARTIST")),
    c(
        "180164648685982",
        "Musician/Band",
        "MUSICIAN_BAND",
        Some("ARTIST"),
    ),
    c("792007097567368", "Band", "BAND", Some("MUSICIAN_BAND")),
    c(
        "103436486409265",
        "Orchestra",
        "ORCHESTRA",
        Some("MUSICIAN_BAND"),
    ),
    c("1108", "Producer", "PRODUCER", Some("ARTIST")),
    c("1211", "Record Label", "RECORD_LABEL", Some("MEDIA")),
    c("2500", "Local Business", "LOCAL_BUSINESS", None),
    c(
        "273819889375819",
        "Restaurant",
        "RESTAURANT",
        Some("LOCAL_BUSINESS"),
    ),
    c("128673187201735", "Cafe", "CAFE", Some("LOCAL_BUSINESS")),
    c(
        "2200",
        "Shopping & Retail",
        "SHOPPING_RETAIL",
        Some("LOCAL_BUSINESS"),
    ),
    c("2201", "Company", "COMPANY", None),
    c("2202", "Brand", "BRAND", None),
    c("2203", "Public Figure", "PUBLIC_FIGURE", None),
    c("2204", "Website", "WEBSITE", None),
];

/// The category with this `api_enum`.
pub fn by_enum(api_enum: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.api_enum == api_enum)
}

/// The category with this id.
pub fn by_id(id: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.id == id)
}

/// The tree as `GET /fb_page_categories` renders it: `{id, api_enum, name, fb_page_categories}`,
/// children nested under their parent (the key is absent on leaves).
pub fn tree_json() -> serde_json::Value {
    fn children(parent: Option<&str>) -> Vec<serde_json::Value> {
        CATEGORIES
            .iter()
            .filter(|c| c.parent == parent)
            .map(|c| {
                let mut o = serde_json::json!({
                    "id": c.id,
                    "api_enum": c.api_enum,
                    "name": c.name,
                });
                let kids = children(Some(c.api_enum));
                if !kids.is_empty() {
                    o["fb_page_categories"] = serde_json::Value::Array(kids);
                }
                o
            })
            .collect()
    }
    serde_json::json!({ "data": children(None) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_enums_are_unique_and_parents_exist() {
        for (i, a) in CATEGORIES.iter().enumerate() {
            for b in &CATEGORIES[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.api_enum, b.api_enum);
            }
            if let Some(p) = a.parent {
                assert!(by_enum(p).is_some(), "{p} is not a category");
            }
        }
        assert_eq!(by_enum("COMMUNITY_SERVICES").unwrap().id, "2613");
        assert_eq!(by_id("1335670856447673").unwrap().name, "Musician");
        let tree = tree_json();
        assert_eq!(tree["data"][0]["api_enum"], "COMMUNITY");
        assert_eq!(
            tree["data"][0]["fb_page_categories"][0]["api_enum"],
            "COMMUNITY_SERVICES"
        );
    }
}
