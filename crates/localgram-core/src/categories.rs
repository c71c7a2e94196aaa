//! The Page category tree served by `GET /fb_page_categories`
//! (`docs/graph-api.md#page-categories`). Each category has a numeric id, a name and an `api_enum`,
//! the value `POST /{user-id}/accounts` takes as `category_enum`; `category_list` takes ids. The
//! tree is data (`page_categories.json`), not code.

/// One Page category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Category {
    /// Numeric id, as a string.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// The `category_enum` value.
    pub api_enum: &'static str,
    /// The parent's `api_enum`; `None` at the top of the tree.
    pub parent: Option<&'static str>,
    /// Whether Pages of this category are places (a business with an address).
    pub is_place: bool,
}

/// The tree as data: the ids, names and `api_enum` values seen on Meta's Graph API, one
/// category per line, parents before their children.
const DATA: &str = include_str!("page_categories.json");

/// Every category, parents before their children.
pub static CATEGORIES: std::sync::LazyLock<Vec<Category>> = std::sync::LazyLock::new(|| {
    serde_json::from_str(DATA).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the built-in Page category tree does not parse");
        Vec::new()
    })
});

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
    fn the_data_parses_and_holds_the_observed_categories() {
        assert!(CATEGORIES.len() >= 30, "{}", CATEGORIES.len());
        assert_eq!(by_id("273819889375819").unwrap().api_enum, "RESTAURANT");
        assert_eq!(by_id("128673187201735").unwrap().name, "Coffee Shop");
        assert!(by_enum("CAFE").unwrap().is_place);
        assert!(!by_enum("MUSICIAN").unwrap().is_place);
    }

    #[test]
    fn ids_and_enums_are_unique_and_parents_exist() {
        for (i, a) in CATEGORIES.iter().enumerate() {
            if let Some(p) = a.parent {
                let at = CATEGORIES.iter().position(|c| c.api_enum == p);
                assert!(
                    at.is_some_and(|at| at < i),
                    "{p} does not come before {}",
                    a.api_enum
                );
            }
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
