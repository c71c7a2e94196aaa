//! Scopes (permissions) of the Instagram windows: parsing, families and required scopes.

use std::fmt;

/// The API family a set of Instagram scopes belongs to (`docs/graph-api.md#api-families`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Instagram Basic Display: `user_profile`, `user_media`.
    BasicDisplay,
    /// Instagram API with Instagram Login: `instagram_business_*`.
    InstagramLogin,
}

impl Family {
    /// The scope every grant of this family must include.
    pub fn required_scope(self) -> &'static str {
        match self {
            Self::BasicDisplay => "user_profile",
            Self::InstagramLogin => "instagram_business_basic",
        }
    }

    /// The token prefix of this family: `IGQV` (Basic Display) or `IGAA` (Instagram Login).
    pub fn token_prefix(self) -> &'static str {
        match self {
            Self::BasicDisplay => "IGQVJ",
            Self::InstagramLogin => "IGAA",
        }
    }
}

/// Basic Display scopes.
pub const BASIC_DISPLAY_SCOPES: &[&str] = &["user_profile", "user_media"];

/// Instagram Login scopes.
pub const INSTAGRAM_LOGIN_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_messages",
    "instagram_business_manage_comments",
    "instagram_business_manage_insights",
];

/// Why a scope list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// No scope at all.
    Missing,
    /// A scope Localgram does not know (or one of the retired `business_*` names).
    Unknown(String),
    /// Scopes of both families in one request.
    MixedFamilies,
    /// The family's required scope is absent.
    RequiredMissing(&'static str),
}

/// A validated, de-duplicated list of Instagram scopes of one family, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes {
    family: Family,
    scopes: Vec<String>,
}

impl Scopes {
    /// Parses a comma- or space-separated scope list (`+` and `%20` decode to spaces before this).
    pub fn parse(raw: &str) -> Result<Self, ScopeError> {
        let mut scopes: Vec<String> = Vec::new();
        for part in raw
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if !scopes.iter().any(|s| s == part) {
                scopes.push(part.to_owned());
            }
        }
        Self::from_list(scopes)
    }

    /// Validates an already split list.
    pub fn from_list(list: Vec<String>) -> Result<Self, ScopeError> {
        let family = validate(&list)?;
        Ok(Self {
            family,
            scopes: list,
        })
    }

    /// The family of these scopes.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The scopes, in request order.
    pub fn as_slice(&self) -> &[String] {
        &self.scopes
    }

    /// Whether `scope` was granted.
    pub fn contains(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scopes.join(","))
    }
}

/// The family of a stored scope list, if it is a valid Instagram one (read on every Graph call:
/// the list is checked where it is, not copied).
pub fn family_of(scopes: &[String]) -> Option<Family> {
    validate(scopes).ok()
}

/// The family of a scope list, or why it is not a valid Instagram one.
fn validate(list: &[String]) -> Result<Family, ScopeError> {
    if list.is_empty() {
        return Err(ScopeError::Missing);
    }
    let mut family = None;
    for s in list {
        let f = if BASIC_DISPLAY_SCOPES.contains(&s.as_str()) {
            Family::BasicDisplay
        } else if INSTAGRAM_LOGIN_SCOPES.contains(&s.as_str()) {
            Family::InstagramLogin
        } else {
            return Err(ScopeError::Unknown(s.clone()));
        };
        match family {
            None => family = Some(f),
            Some(existing) if existing != f => return Err(ScopeError::MixedFamilies),
            Some(_) => {}
        }
    }
    let family = family.ok_or(ScopeError::Missing)?;
    if !list.iter().any(|s| s == family.required_scope()) {
        return Err(ScopeError::RequiredMissing(family.required_scope()));
    }
    Ok(family)
}

/// The permissions the Facebook Login dialog knows.
pub const FACEBOOK_PERMISSIONS: &[&str] = &[
    "public_profile",
    "email",
    "pages_show_list",
    "pages_manage_metadata",
    "pages_read_engagement",
    "pages_manage_posts",
    "pages_messaging",
    "business_management",
    "instagram_basic",
    "instagram_manage_insights",
    "instagram_manage_comments",
    "instagram_content_publish",
    "ads_management",
    "ads_read",
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn comma_and_space_lists_parse_alike() {
        let a = Scopes::parse("user_profile,user_media").unwrap();
        let b = Scopes::parse("user_profile user_media").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.family(), Family::BasicDisplay);
        assert_eq!(a.to_string(), "user_profile,user_media");
    }

    #[test]
    fn refusals_name_their_reason() {
        assert_eq!(Scopes::parse(""), Err(ScopeError::Missing));
        assert_eq!(
            Scopes::parse("user_media"),
            Err(ScopeError::RequiredMissing("user_profile"))
        );
        assert_eq!(
            Scopes::parse("user_profile,business_basic"),
            Err(ScopeError::Unknown("business_basic".into()))
        );
        assert_eq!(
            Scopes::parse("user_profile,instagram_business_basic"),
            Err(ScopeError::MixedFamilies)
        );
        assert_eq!(
            Scopes::parse("instagram_business_manage_comments"),
            Err(ScopeError::RequiredMissing("instagram_business_basic"))
        );
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(
            extra in proptest::sample::subsequence(INSTAGRAM_LOGIN_SCOPES[1..].to_vec(), 0..4)
        ) {
            let mut list = vec!["instagram_business_basic".to_string()];
            list.extend(extra.into_iter().map(String::from));
            let scopes = Scopes::from_list(list).unwrap();
            prop_assert_eq!(Scopes::parse(&scopes.to_string()).unwrap(), scopes);
        }
    }
}
