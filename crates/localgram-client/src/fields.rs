//! Typed `fields` selections. Each request builder takes its node's field enum; every builder
//! also has `.raw_fields("…")` for anything the enums do not cover (nested expansion with
//! modifiers, new fields).
//!
//! ```
//! use localgram_client::fields::{Field, MediaField, render};
//!
//! let fields = [
//!     MediaField::Id,
//!     MediaField::MediaType,
//!     MediaField::ChildrenWith(vec![MediaField::MediaUrl, MediaField::Timestamp]),
//! ];
//! assert_eq!(render(fields), "id,media_type,children{media_url,timestamp}");
//! ```

use std::fmt::Write as _;

/// Something that names a field (or an expanded edge) in a `fields=` list.
pub trait Field {
    /// Appends this field's text (`media_url`, `children{id}`) to `out`.
    fn write_to(&self, out: &mut String);
}

/// Joins fields with commas.
pub fn render<F: Field>(fields: impl IntoIterator<Item = F>) -> String {
    let mut out = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field.write_to(&mut out);
    }
    out
}

impl Field for String {
    fn write_to(&self, out: &mut String) {
        out.push_str(self.trim());
    }
}

impl Field for &str {
    fn write_to(&self, out: &mut String) {
        out.push_str(self.trim());
    }
}

impl<F: Field> Field for &F {
    fn write_to(&self, out: &mut String) {
        (*self).write_to(out);
    }
}

/// Fields of an Instagram user (`/me`, `/{user-id}`), Basic Display and Instagram Login.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserField {
    /// `id`: the app-scoped user id.
    Id,
    /// `user_id`: the professional account id (Instagram Login).
    UserId,
    /// `username`.
    Username,
    /// `name` (Instagram Login).
    Name,
    /// `account_type`.
    AccountType,
    /// `media_count`.
    MediaCount,
    /// `followers_count` (Instagram Login).
    FollowersCount,
    /// `follows_count` (Instagram Login).
    FollowsCount,
    /// `profile_picture_url` (Instagram Login).
    ProfilePictureUrl,
    /// `biography`.
    Biography,
    /// `website`.
    Website,
}

impl UserField {
    /// The connector's default for `GetMyDetails`: `id,media_count,username,account_type`.
    pub const DEFAULT: &'static [UserField] = &[
        UserField::Id,
        UserField::MediaCount,
        UserField::Username,
        UserField::AccountType,
    ];

    /// The field's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            UserField::Id => "id",
            UserField::UserId => "user_id",
            UserField::Username => "username",
            UserField::Name => "name",
            UserField::AccountType => "account_type",
            UserField::MediaCount => "media_count",
            UserField::FollowersCount => "followers_count",
            UserField::FollowsCount => "follows_count",
            UserField::ProfilePictureUrl => "profile_picture_url",
            UserField::Biography => "biography",
            UserField::Website => "website",
        }
    }
}

impl Field for UserField {
    fn write_to(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

/// Fields of an Instagram media object (`/{media-id}`, items of `/me/media` and `/children`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaField {
    /// `id`.
    Id,
    /// `caption` (not returned for album children).
    Caption,
    /// `media_type`: `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    MediaType,
    /// `media_url`.
    MediaUrl,
    /// `permalink`.
    Permalink,
    /// `thumbnail_url` (videos only).
    ThumbnailUrl,
    /// `timestamp`.
    Timestamp,
    /// `username`.
    Username,
    /// `is_shared_to_feed` (Reels).
    IsSharedToFeed,
    /// `media_product_type`.
    MediaProductType,
    /// `shortcode`.
    Shortcode,
    /// `like_count`.
    LikeCount,
    /// `comments_count`.
    CommentsCount,
    /// `is_comment_enabled` (Instagram Login, Facebook Login).
    IsCommentEnabled,
    /// `owner` (`{id}` of the owning account; Instagram Login, Facebook Login).
    Owner,
    /// `children` (ids of an album's items).
    Children,
    /// `children{…}`: an album's items with the given fields (silently omitted on non-albums).
    ChildrenWith(Vec<MediaField>),
}

impl MediaField {
    /// The connector's default for `GetMyMedia` and `GetMediaDetails`:
    /// `caption,media_type,media_url,permalink,timestamp,username,thumbnail_url`.
    pub const DEFAULT: &'static [MediaField] = &[
        MediaField::Caption,
        MediaField::MediaType,
        MediaField::MediaUrl,
        MediaField::Permalink,
        MediaField::Timestamp,
        MediaField::Username,
        MediaField::ThumbnailUrl,
    ];

    fn name(&self) -> &'static str {
        match self {
            MediaField::Id => "id",
            MediaField::Caption => "caption",
            MediaField::MediaType => "media_type",
            MediaField::MediaUrl => "media_url",
            MediaField::Permalink => "permalink",
            MediaField::ThumbnailUrl => "thumbnail_url",
            MediaField::Timestamp => "timestamp",
            MediaField::Username => "username",
            MediaField::IsSharedToFeed => "is_shared_to_feed",
            MediaField::MediaProductType => "media_product_type",
            MediaField::Shortcode => "shortcode",
            MediaField::LikeCount => "like_count",
            MediaField::CommentsCount => "comments_count",
            MediaField::IsCommentEnabled => "is_comment_enabled",
            MediaField::Owner => "owner",
            MediaField::Children | MediaField::ChildrenWith(_) => "children",
        }
    }
}

impl Field for MediaField {
    fn write_to(&self, out: &mut String) {
        out.push_str(self.name());
        if let MediaField::ChildrenWith(sub) = self {
            let _ = write!(out, "{{{}}}", render(sub));
        }
    }
}

/// Fields of a Facebook Page (`/{page-id}`, items of `/me/accounts`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PageField {
    /// `id`.
    Id,
    /// `name`.
    Name,
    /// `about`.
    About,
    /// `category`.
    Category,
    /// `category_list`.
    CategoryList,
    /// `description`.
    Description,
    /// `phone`.
    Phone,
    /// `website`.
    Website,
    /// `emails`.
    Emails,
    /// `fan_count`.
    FanCount,
    /// `followers_count`.
    FollowersCount,
    /// `link`.
    Link,
    /// `username`.
    Username,
    /// `location`.
    Location,
    /// `picture` (`{data: {url, is_silhouette}}`).
    Picture,
    /// `cover` (`{id, source, offset_x, offset_y}`).
    Cover,
    /// `is_place`.
    IsPlace,
    /// `is_promotable`.
    IsPromotable,
    /// `access_token`: the Page token (for users with a task on the Page).
    AccessToken,
    /// `tasks`: the user's tasks on the Page (on `/me/accounts`).
    Tasks,
    /// `instagram_business_account`: the connected professional Instagram account.
    InstagramBusinessAccount,
    /// `instagram_business_account{…}` with the given sub-fields (`id`, `username`, …).
    InstagramBusinessAccountWith(Vec<String>),
}

impl PageField {
    fn name(&self) -> &'static str {
        match self {
            PageField::Id => "id",
            PageField::Name => "name",
            PageField::About => "about",
            PageField::Category => "category",
            PageField::CategoryList => "category_list",
            PageField::Description => "description",
            PageField::Phone => "phone",
            PageField::Website => "website",
            PageField::Emails => "emails",
            PageField::FanCount => "fan_count",
            PageField::FollowersCount => "followers_count",
            PageField::Link => "link",
            PageField::Username => "username",
            PageField::Location => "location",
            PageField::Picture => "picture",
            PageField::Cover => "cover",
            PageField::IsPlace => "is_place",
            PageField::IsPromotable => "is_promotable",
            PageField::AccessToken => "access_token",
            PageField::Tasks => "tasks",
            PageField::InstagramBusinessAccount | PageField::InstagramBusinessAccountWith(_) => {
                "instagram_business_account"
            }
        }
    }
}

impl Field for PageField {
    fn write_to(&self, out: &mut String) {
        out.push_str(self.name());
        if let PageField::InstagramBusinessAccountWith(sub) = self {
            let _ = write!(out, "{{{}}}", render(sub.iter().map(String::as_str)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_connector() {
        assert_eq!(
            render(UserField::DEFAULT),
            "id,media_count,username,account_type"
        );
        assert_eq!(
            render(MediaField::DEFAULT),
            "caption,media_type,media_url,permalink,timestamp,username,thumbnail_url"
        );
    }

    use localgram_types::schema::{self, Api, Node};

    /// Every variant, with a match that stops compiling when one is added and not listed.
    fn every_user_field() -> Vec<UserField> {
        use UserField::*;
        let all = vec![
            Id,
            UserId,
            Username,
            Name,
            AccountType,
            MediaCount,
            FollowersCount,
            FollowsCount,
            ProfilePictureUrl,
            Biography,
            Website,
        ];
        for f in &all {
            match f {
                Id | UserId | Username | Name | AccountType | MediaCount | FollowersCount
                | FollowsCount | ProfilePictureUrl | Biography | Website => {}
            }
        }
        all
    }

    fn every_media_field() -> Vec<MediaField> {
        use MediaField::*;
        let all = vec![
            Id,
            Caption,
            MediaType,
            MediaUrl,
            Permalink,
            ThumbnailUrl,
            Timestamp,
            Username,
            IsSharedToFeed,
            MediaProductType,
            Shortcode,
            LikeCount,
            CommentsCount,
            IsCommentEnabled,
            Owner,
            Children,
            ChildrenWith(vec![Id]),
        ];
        for f in &all {
            match f {
                Id | Caption | MediaType | MediaUrl | Permalink | ThumbnailUrl | Timestamp
                | Username | IsSharedToFeed | MediaProductType | Shortcode | LikeCount
                | CommentsCount | IsCommentEnabled | Owner | Children | ChildrenWith(_) => {}
            }
        }
        all
    }

    fn every_page_field() -> Vec<PageField> {
        use PageField::*;
        let all = vec![
            Id,
            Name,
            About,
            Category,
            CategoryList,
            Description,
            Phone,
            Website,
            Emails,
            FanCount,
            FollowersCount,
            Link,
            Username,
            Location,
            Picture,
            Cover,
            IsPlace,
            IsPromotable,
            AccessToken,
            Tasks,
            InstagramBusinessAccount,
            InstagramBusinessAccountWith(vec!["id".into()]),
        ];
        for f in &all {
            match f {
                Id
                | Name
                | About
                | Category
                | CategoryList
                | Description
                | Phone
                | Website
                | Emails
                | FanCount
                | FollowersCount
                | Link
                | Username
                | Location
                | Picture
                | Cover
                | IsPlace
                | IsPromotable
                | AccessToken
                | Tasks
                | InstagramBusinessAccount
                | InstagramBusinessAccountWith(_) => {}
            }
        }
        all
    }

    /// Fields Meta's Page has that Localgram does not emulate: the SDK asks for them and reads
    /// them when a server has them, a Localgram table does not list them.
    const PAGE_FIELDS_NOT_EMULATED: &[&str] =
        &["emails", "fan_count", "followers_count", "username"];

    /// Table fields without a variant: edges, read through their own requests.
    const EDGES_READ_ON_THEIR_OWN: &[&str] = &["media"];

    /// Checks both ways: every variant names a field of `node` on one of `apis`, and every
    /// such field has a variant (or is an exception).
    fn agree(
        names: &[String],
        node: &Node,
        apis: &[Api],
        not_in_table: &[&str],
        no_variant: &[&str],
    ) {
        for name in names {
            let in_table = node
                .field(name)
                .is_some_and(|f| apis.iter().any(|a| f.served_on(*a)));
            assert!(
                in_table || not_in_table.contains(&name.as_str()),
                "{}: the variant `{name}` is not a field of the table",
                node.title
            );
            assert!(
                !(in_table && not_in_table.contains(&name.as_str())),
                "{}: `{name}` is in the table now; take it off the exception list",
                node.title
            );
        }
        for f in node.fields {
            if apis.iter().any(|a| f.served_on(*a)) && !no_variant.contains(&f.name) {
                assert!(
                    names.iter().any(|n| n == f.name),
                    "{}: the field `{}` has no variant",
                    node.title,
                    f.name
                );
            }
        }
    }

    #[test]
    fn the_field_enums_agree_with_the_node_tables() {
        let instagram_host = [Api::BasicDisplay, Api::InstagramLogin];
        let names: Vec<String> = every_user_field()
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect();
        agree(
            &names,
            &schema::IG_USER,
            &instagram_host,
            &[],
            EDGES_READ_ON_THEIR_OWN,
        );
        let names: Vec<String> = every_media_field()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        agree(&names, &schema::IG_MEDIA, Api::ALL, &[], &[]);
        let names: Vec<String> = every_page_field()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        agree(
            &names,
            &schema::PAGE,
            &[Api::FacebookLogin],
            PAGE_FIELDS_NOT_EMULATED,
            &[],
        );
    }

    #[test]
    fn page_expansion_renders_sub_fields() {
        let f = [
            PageField::Id,
            PageField::InstagramBusinessAccountWith(vec!["id".into(), "username".into()]),
        ];
        assert_eq!(render(f), "id,instagram_business_account{id,username}");
        assert_eq!(render(["id", " name "]), "id,name");
    }
}
