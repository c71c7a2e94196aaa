//! The Graph API `fields` parameter (`docs/graph-api.md#fields`): a comma list of field selections,
//! each with optional modifiers and an optional nested selection.
//!
//! ```text
//! fields    = list(0) end-of-string
//! list(d)   = item ("," item)*
//! item      = spaces selection(d) spaces
//! selection = name modifier* ("{" list(d+1) "}")?     -- the "{" only while d < MAX_DEPTH
//! modifier  = "." name "(" spaces arg spaces ")"
//! name      = [A-Za-z0-9_]+
//! arg       = one or more characters other than ( ) { } , -- outer spaces trimmed
//! spaces    = " "*
//! ```
//!
//! So `id,username,media.limit(5){id,caption,children{media_url}}` and
//! `account_type, id, media_count` parse; modifiers come before the nested selection
//! (`media{id}.limit(5)` is an error, as on Graph), and a modifier's argument is kept as text: the
//! server, not the parser, decides what `limit(abc)` means. Duplicate fields are kept.
//!
//! Spaces are only allowed between list items (after `{` and `,`, before `,` and `}`, at either
//! end of the value) and around a modifier's argument; `id username` and `media {id}` are errors.
//!
//! # Errors
//!
//! A [`FieldsError`] carries the 0-based character offset at which parsing stopped and a sentence
//! that [`FieldsError::graph_message`] wraps into Graph's code-2500 text,
//! `Syntax error "<sentence>" at character <N>: <value>`. The sentences follow the messages Graph
//! has been observed to send (the public reports are pinned in the tests):
//!
//! | where parsing stopped                       | sentence                                     |
//! |---------------------------------------------|----------------------------------------------|
//! | a name is missing (also at the end)         | `Expected name.`                             |
//! | top level, after an item                    | `Expected end of string instead of "?".`     |
//! | a `(`, `)` or `}` is missing                | `Expected "(" instead of ",".`               |
//! | … at the end of the value                   | `Expected ")", got end of string`            |
//! | a modifier's argument is empty              | `Expected argument instead of ")".`          |
//! | nesting deeper than [`MAX_DEPTH`]           | `Fields nested deeper than 16 levels.`       |
//! | value longer than [`MAX_INPUT_BYTES`]       | `Fields value longer than 8192 bytes.`       |
//!
//! The first four shapes and their offsets are Graph's own; `Expected name.` at the end of the
//! value, the argument sentence and the two limits are Localgram's choices. An empty value is an
//! error (`Expected name.` at 0): callers treat an absent or empty `fields` as "default fields"
//! before parsing.
//!
//! # Limits
//!
//! The parser is recursive descent over characters with an explicit depth counter, so a value
//! nested 1,000 levels deep fails at the 17th `{` instead of overflowing the stack, and a value
//! over 8 KiB (for example 10,000 commas) is refused before it is looked at.

use std::fmt::Write as _;

/// How many `{…}` levels may nest: `a{b{c}}` uses two.
pub const MAX_DEPTH: usize = 16;

/// The longest `fields` value parsed, in bytes; anything longer is an error.
pub const MAX_INPUT_BYTES: usize = 8192;

/// One item of a `fields` list: `media.limit(5){id,caption}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldSelection {
    /// The field or edge name (`media`).
    pub name: String,
    /// The `.name(arg)` modifiers, in the order written.
    pub modifiers: Vec<Modifier>,
    /// The nested selection inside `{…}`; never `Some` of an empty list after [`parse`].
    pub nested: Option<Vec<FieldSelection>>,
}

/// A `.name(arg)` modifier such as `.limit(5)`, `.summary(true)` or `.as(alias)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Modifier {
    /// The modifier name (`limit`).
    pub name: String,
    /// The argument as written, without surrounding spaces; never empty after [`parse`].
    pub arg: String,
}

impl FieldSelection {
    /// A bare field, without modifiers or nested selection: `FieldSelection::plain("id")`.
    pub fn plain(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            modifiers: Vec::new(),
            nested: None,
        }
    }

    /// The argument of `.limit(…)`, unvalidated.
    pub fn limit(&self) -> Option<&str> {
        self.modifier("limit")
    }

    /// The argument of the modifier called `name` (case-sensitive); the last one when it is given
    /// more than once.
    pub fn modifier(&self, name: &str) -> Option<&str> {
        self.modifiers
            .iter()
            .rev()
            .find(|m| m.name == name)
            .map(|m| m.arg.as_str())
    }
}

/// Why a `fields` value does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expected} at character {position}")]
pub struct FieldsError {
    /// The 0-based character (not byte) offset at which parsing stopped; the length of the value
    /// when it ended too early.
    pub position: usize,
    /// The sentence Graph quotes, such as `Expected name.` (see the module docs for the list).
    pub expected: String,
}

impl FieldsError {
    /// Graph's code-2500 message for this error in `input` (the value that was parsed):
    /// `Syntax error "Expected name." at character 3: id,`. The value is echoed verbatim, cut to
    /// [`MAX_INPUT_BYTES`] when it is longer.
    pub fn graph_message(&self, input: &str) -> String {
        let echo = &input[..floor_char_boundary(input, MAX_INPUT_BYTES)];
        format!(
            "Syntax error \"{}\" at character {}: {echo}",
            self.expected, self.position
        )
    }
}

/// Parses a `fields` value; see the module docs for the grammar and the errors.
pub fn parse(input: &str) -> Result<Vec<FieldSelection>, FieldsError> {
    if input.len() > MAX_INPUT_BYTES {
        let cut = floor_char_boundary(input, MAX_INPUT_BYTES);
        return Err(FieldsError {
            position: input[..cut].chars().count(),
            expected: format!("Fields value longer than {MAX_INPUT_BYTES} bytes."),
        });
    }
    let mut parser = Parser {
        chars: input.chars().collect(),
        pos: 0,
    };
    let fields = parser.list(0)?;
    match parser.peek() {
        None => Ok(fields),
        Some(_) => Err(parser.unexpected("end of string")),
    }
}

/// The canonical text of `fields`: no spaces, modifiers in order, `a.limit(5){b,c}`.
///
/// `parse(&print(&x)) == Ok(x)` for everything [`parse`] returns. Selections built by hand must
/// keep to the grammar (valid names, non-empty arguments without `(){},`, no empty nested list)
/// for the text to parse back, and this recurses once per nesting level.
pub fn print(fields: &[FieldSelection]) -> String {
    let mut out = String::new();
    write_list(&mut out, fields);
    out
}

fn write_list(out: &mut String, fields: &[FieldSelection]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field.name);
        for m in &field.modifiers {
            let _ = write!(out, ".{}({})", m.name, m.arg);
        }
        if let Some(nested) = &field.nested {
            out.push('{');
            write_list(out, nested);
            out.push('}');
        }
    }
}

/// The largest char boundary of `s` at or below `max` bytes.
fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    (0..=max)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_arg_char(c: char) -> bool {
    !matches!(c, '(' | ')' | '{' | '}' | ',')
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn fail(&self, expected: String) -> FieldsError {
        FieldsError {
            position: self.pos,
            expected,
        }
    }

    /// `Expected <wanted> instead of "c".`, or `Expected <wanted>, got end of string`.
    fn unexpected(&self, wanted: &str) -> FieldsError {
        self.fail(match self.peek() {
            Some(c) => format!("Expected {wanted} instead of \"{c}\"."),
            None => format!("Expected {wanted}, got end of string"),
        })
    }

    fn expect(&mut self, c: char) -> Result<(), FieldsError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("\"{c}\"")))
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
    }

    /// A comma list at nesting `depth`, stopping before whatever follows its last item.
    fn list(&mut self, depth: usize) -> Result<Vec<FieldSelection>, FieldsError> {
        let mut fields = Vec::new();
        loop {
            self.skip_spaces();
            fields.push(self.selection(depth)?);
            self.skip_spaces();
            if self.peek() != Some(',') {
                return Ok(fields);
            }
            self.pos += 1;
        }
    }

    fn selection(&mut self, depth: usize) -> Result<FieldSelection, FieldsError> {
        let name = self.name()?;
        let mut modifiers = Vec::new();
        while self.peek() == Some('.') {
            self.pos += 1;
            let name = self.name()?;
            self.expect('(')?;
            self.skip_spaces();
            let start = self.pos;
            while self.peek().is_some_and(is_arg_char) {
                self.pos += 1;
            }
            let mut end = self.pos;
            while end > start && self.chars[end - 1] == ' ' {
                end -= 1;
            }
            if start == end && self.peek().is_some() {
                self.pos = start;
                return Err(self.unexpected("argument"));
            }
            let arg = self.chars[start..end].iter().collect();
            self.expect(')')?;
            modifiers.push(Modifier { name, arg });
        }
        let nested = if self.peek() == Some('{') {
            if depth >= MAX_DEPTH {
                return Err(self.fail(format!("Fields nested deeper than {MAX_DEPTH} levels.")));
            }
            self.pos += 1;
            let nested = self.list(depth + 1)?;
            self.expect('}')?;
            Some(nested)
        } else {
            None
        };
        Ok(FieldSelection {
            name,
            modifiers,
            nested,
        })
    }

    fn name(&mut self) -> Result<String, FieldsError> {
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.fail("Expected name.".to_owned()));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaf(name: &str) -> FieldSelection {
        FieldSelection::plain(name)
    }

    fn err(input: &str) -> FieldsError {
        parse(input).expect_err(input)
    }

    #[test]
    fn contract_examples_parse() {
        let media = parse("id,username,media.limit(5){id,caption,children{media_url}}").unwrap();
        assert_eq!(
            media,
            vec![
                leaf("id"),
                leaf("username"),
                FieldSelection {
                    name: "media".into(),
                    modifiers: vec![Modifier {
                        name: "limit".into(),
                        arg: "5".into()
                    }],
                    nested: Some(vec![
                        leaf("id"),
                        leaf("caption"),
                        FieldSelection {
                            name: "children".into(),
                            modifiers: vec![],
                            nested: Some(vec![leaf("media_url")]),
                        },
                    ]),
                },
            ]
        );
        assert_eq!(media[2].limit(), Some("5"));

        let albums =
            parse("albums.limit(5){name,photos.limit(2){name,picture}},posts.limit(5)").unwrap();
        assert_eq!(albums.len(), 2);
        let photos = &albums[0].nested.as_ref().unwrap()[1];
        assert_eq!(
            (photos.name.as_str(), photos.limit()),
            ("photos", Some("2"))
        );
        assert_eq!(photos.nested, Some(vec![leaf("name"), leaf("picture")]));
        assert_eq!(albums[1].limit(), Some("5"));

        let accounts = parse("accounts.limit(2){id,name,tasks}").unwrap();
        assert_eq!(
            accounts[0].nested,
            Some(vec![leaf("id"), leaf("name"), leaf("tasks")])
        );

        let comments = parse("comments.summary(true)").unwrap();
        assert_eq!(comments[0].modifier("summary"), Some("true"));
        assert_eq!(comments[0].limit(), None);
    }

    #[test]
    fn spaces_around_items_and_arguments_are_ignored() {
        let spaced = parse(" account_type, id ,media_count ").unwrap();
        assert_eq!(spaced, parse("account_type,id,media_count").unwrap());
        let nested = parse("media.limit( 5 ){ id , caption }").unwrap();
        assert_eq!(print(&nested), "media.limit(5){id,caption}");
    }

    #[test]
    fn modifiers_are_generic_and_duplicates_are_kept() {
        let f =
            parse("posts.as(recent).order(reverse_chronological).limit(1).limit(3),id,id").unwrap();
        assert_eq!(f[0].modifier("as"), Some("recent"));
        assert_eq!(f[0].modifier("order"), Some("reverse_chronological"));
        assert_eq!(
            f[0].limit(),
            Some("3"),
            "the last of a repeated modifier wins"
        );
        assert_eq!(f[0].modifier("filter"), None);
        assert_eq!(f[1..], [leaf("id"), leaf("id")]);
        // Arguments are text; the server validates them.
        let f = parse("insights.since(2018-04-06T18:00:00).limit(abc)").unwrap();
        assert_eq!(f[0].modifier("since"), Some("2018-04-06T18:00:00"));
        assert_eq!(f[0].limit(), Some("abc"));
        assert_eq!(print(&f), "insights.since(2018-04-06T18:00:00).limit(abc)");
    }

    /// Messages reported from the real Graph API, byte for byte (apart from long tokens that were
    /// shortened after the offset).
    #[test]
    fn observed_graph_messages_are_reproduced() {
        // node-facebook/facebook-node-sdk#123
        let input = "likes.limit(1000){id},comments.limit(1000){id}{from},sharedposts{id}";
        assert_eq!(
            err(input).graph_message(input),
            "Syntax error \"Expected end of string instead of \"{\".\" at character 46: \
             likes.limit(1000){id},comments.limit(1000){id}{from},sharedposts{id}"
        );
        // criso/fbgraph#125
        let input = "fan_count,name,picture?type=large,cover,is_verified,verification_status,link,\
                     new_like_count,best_page";
        assert_eq!(
            err(input).graph_message(input),
            format!(
                "Syntax error \"Expected end of string instead of \"?\".\" at character 22: {input}"
            )
        );
        // tschiemer/django-facebook test suite
        let input = "third_party_id?access_token=AAABbPDnY390BAOZA22ug";
        assert_eq!(
            err(input).graph_message(input),
            format!(
                "Syntax error \"Expected end of string instead of \"?\".\" at character 14: {input}"
            )
        );
        // facebook/facebook-nodejs-business-sdk#59
        let input = "name,id,status,account_id,adlabels,boosted_object_id,brand_lift_studies,\
                     budget_rebalance_flag,buying_type,can_create_brand_lift_study,can_use_spend_cap,\
                     configured_status,created_time,effective_status,,stop_time";
        assert_eq!(
            err(input).graph_message(input),
            format!("Syntax error \"Expected name.\" at character 200: {input}")
        );
        // messaging-apis test fixtures
        assert_eq!(
            err("*****").graph_message("*****"),
            "Syntax error \"Expected name.\" at character 0: *****"
        );
        // A Graph error seen in a Sentry log: `0.7933…access_token` is a name and a modifier name.
        let input = "app_,0.7933770411601355access_token,messenger_profile{whitelisted_domains,\
                     account_linking_url,get_started,greeting,home_url},unseen_message_count";
        assert_eq!(
            err(input).graph_message(input),
            format!("Syntax error \"Expected \"(\" instead of \",\".\" at character 35: {input}")
        );
        // tobilg/facebook-events-by-location-core#30 (an unterminated `.until(`), minus the
        // legacy `.fields(a,b)` modifiers that this grammar does not accept.
        let input = "id,name,events.since(2018-04-06T18:00:00).until(2018-05-06T07:00:00";
        assert_eq!(
            err(input).graph_message(input),
            format!("Syntax error \"Expected \")\", got end of string\" at character 67: {input}")
        );
        // The modifier after the braces (FacebookQueryBuilder 1.1.4 changelog).
        assert_eq!(
            err("photos{id}.limit(5)").expected,
            "Expected end of string instead of \".\"."
        );
        // An argument without a modifier name (`media(5)`), at character 13.
        let input = "id,name,media(5)";
        assert_eq!(
            err(input).graph_message(input),
            "Syntax error \"Expected end of string instead of \"(\".\" at character 13: id,name,media(5)"
        );
    }

    #[test]
    fn syntax_errors_have_pinned_positions_and_messages() {
        let cases: &[(&str, usize, &str)] = &[
            ("id,,username", 3, "Expected name."),
            ("id,", 3, "Expected name."),
            ("media{id", 8, "Expected \"}\", got end of string"),
            ("media.limit(", 12, "Expected \")\", got end of string"),
            (
                "picture?type=large",
                7,
                "Expected end of string instead of \"?\".",
            ),
            ("id username", 3, "Expected end of string instead of \"u\"."),
            (
                "media{id}{caption}",
                9,
                "Expected end of string instead of \"{\".",
            ),
            ("{id}", 0, "Expected name."),
            ("", 0, "Expected name."),
            ("   ", 3, "Expected name."),
            ("a.", 2, "Expected name."),
            ("a.(5)", 2, "Expected name."),
            ("a.limit()", 8, "Expected argument instead of \")\"."),
            ("a.limit(  )", 10, "Expected argument instead of \")\"."),
            ("a.limit(,)", 8, "Expected argument instead of \",\"."),
            ("a.limit", 7, "Expected \"(\", got end of string"),
            ("a.limit,b", 7, "Expected \"(\" instead of \",\"."),
            ("a.limit(5{", 9, "Expected \")\" instead of \"{\"."),
            ("a.limit(5", 9, "Expected \")\", got end of string"),
            (
                "a.limit(5)(6)",
                10,
                "Expected end of string instead of \"(\".",
            ),
            ("}", 0, "Expected name."),
            ("id}", 2, "Expected end of string instead of \"}\"."),
            ("media{id}}", 9, "Expected end of string instead of \"}\"."),
            ("media{}", 6, "Expected name."),
            ("media{id,}", 9, "Expected name."),
            ("media{id?}", 8, "Expected \"}\" instead of \"?\"."),
            ("media {id}", 6, "Expected end of string instead of \"{\"."),
            ("media. limit(5)", 6, "Expected name."),
            ("ça", 0, "Expected name."),
            ("café,x", 3, "Expected end of string instead of \"é\"."),
            ("é,é", 0, "Expected name."),
        ];
        for &(input, position, expected) in cases {
            let e = err(input);
            assert_eq!(
                (e.position, e.expected.as_str()),
                (position, expected),
                "{input:?}"
            );
            assert_eq!(
                e.graph_message(input),
                format!("Syntax error \"{expected}\" at character {position}: {input}")
            );
        }
        assert_eq!(err("id,").to_string(), "Expected name. at character 3");
    }

    #[test]
    fn nesting_is_capped() {
        let nest = |levels: usize| format!("{}a{}", "a{".repeat(levels), "}".repeat(levels));
        let deepest = parse(&nest(MAX_DEPTH)).unwrap();
        assert_eq!(print(&deepest), nest(MAX_DEPTH));
        for levels in [MAX_DEPTH + 1, 1_000] {
            let e = err(&nest(levels));
            assert_eq!(e.position, 2 * MAX_DEPTH + 1, "the {}th {{", MAX_DEPTH + 1);
            assert_eq!(e.expected, "Fields nested deeper than 16 levels.");
        }
        // Unclosed, 1,000 levels deep.
        assert_eq!(err(&"a{".repeat(1_000)).position, 2 * MAX_DEPTH + 1);
    }

    #[test]
    fn length_is_capped() {
        let wide = format!("{}a", "a,".repeat(4_000));
        assert_eq!(parse(&wide).unwrap().len(), 4_001);
        let commas = ",".repeat(8_000);
        assert_eq!(
            (err(&commas).position, err(&commas).expected.as_str()),
            (0, "Expected name.")
        );

        let ten_thousand = "a,".repeat(5_000) + &",".repeat(5_000);
        let e = err(&ten_thousand);
        assert_eq!(
            (e.position, e.expected.as_str()),
            (8192, "Fields value longer than 8192 bytes.")
        );
        let message = e.graph_message(&ten_thousand);
        assert!(
            message.ends_with(&ten_thousand[..8192]),
            "the echo is cut to the cap"
        );
        assert_eq!(
            message.len(),
            "Syntax error \"Fields value longer than 8192 bytes.\" at character 8192: ".len()
                + 8192
        );

        // Multi-byte characters: the position counts characters, the cut respects boundaries.
        let wide_chars = "é".repeat(5_000);
        let e = err(&wide_chars);
        assert_eq!(e.position, 4_096);
        assert!(e.graph_message(&wide_chars).ends_with(&"é".repeat(4_096)));
        assert_eq!(parse(&"a".repeat(8192)).unwrap()[0].name.len(), 8192);
        assert_eq!(err(&"a".repeat(8193)).position, 8192);
    }

    // ---- properties ----

    /// 1,000 cases by default; `PROPTEST_CASES=10000` overrides.
    fn config() -> ProptestConfig {
        let config = ProptestConfig::default();
        if std::env::var_os("PROPTEST_CASES").is_some() {
            config
        } else {
            ProptestConfig {
                cases: 1_000,
                ..config
            }
        }
    }

    fn modifier() -> impl Strategy<Value = Modifier> {
        (
            "[A-Za-z0-9_]{1,6}",
            "[^(){}, ][^(){},]{0,6}[^(){}, ]|[^(){}, ]",
        )
            .prop_map(|(name, arg)| Modifier { name, arg })
    }

    fn selection() -> impl Strategy<Value = FieldSelection> {
        let name = "[A-Za-z0-9_]{1,8}";
        let mods = || prop::collection::vec(modifier(), 0..3);
        let leaf = (name, mods()).prop_map(|(name, modifiers)| FieldSelection {
            name,
            modifiers,
            nested: None,
        });
        leaf.prop_recursive(5, 48, 4, move |inner| {
            (
                name,
                mods(),
                prop::option::of(prop::collection::vec(inner, 1..5)),
            )
                .prop_map(|(name, modifiers, nested)| FieldSelection {
                    name,
                    modifiers,
                    nested,
                })
        })
    }

    fn selections() -> impl Strategy<Value = Vec<FieldSelection>> {
        prop::collection::vec(selection(), 1..6)
    }

    /// Checks what must hold for any input: no panic, a position inside the value, and a printed
    /// form that is no longer than the input and parses back to the same tree.
    fn check_any(input: &str) -> Result<(), TestCaseError> {
        match parse(input) {
            Ok(fields) => {
                let printed = print(&fields);
                prop_assert!(printed.len() <= input.len());
                prop_assert_eq!(parse(&printed), Ok(fields));
            }
            Err(e) => {
                prop_assert!(e.position <= input.chars().count());
                prop_assert!(e.graph_message(input).starts_with("Syntax error \""));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn print_then_parse_round_trips(fields in selections()) {
            let printed = print(&fields);
            prop_assert_eq!(parse(&printed), Ok(fields));
        }

        #[test]
        fn spaces_between_items_do_not_change_the_parse(
            fields in selections(),
            spaces in prop::collection::vec(0usize..3, 1..32),
        ) {
            let printed = print(&fields);
            let mut spaced = String::new();
            let mut next = spaces.iter().cycle();
            let mut pad = |s: &mut String| s.push_str(&" ".repeat(*next.next().unwrap()));
            pad(&mut spaced);
            for c in printed.chars() {
                if matches!(c, ',' | '}' | ')') {
                    pad(&mut spaced);
                }
                spaced.push(c);
                if matches!(c, ',' | '{' | '(') {
                    pad(&mut spaced);
                }
            }
            pad(&mut spaced);
            prop_assert_eq!(parse(&spaced), Ok(fields));
        }

        #[test]
        fn arbitrary_strings_never_panic(input in ".{0,200}") {
            check_any(&input)?;
        }

        #[test]
        fn near_miss_strings_never_panic(input in "[a-z0-9_.,(){} ]{0,200}") {
            check_any(&input)?;
        }

        #[test]
        fn one_character_edits_of_valid_values_never_panic(
            fields in selections(),
            at in any::<prop::sample::Index>(),
            insert in prop::option::of("[a-z0-9_.,(){} ]|."),
        ) {
            let mut chars: Vec<char> = print(&fields).chars().collect();
            let at = at.index(chars.len() + 1);
            match insert {
                Some(s) => chars.splice(at..at, s.chars()).for_each(drop),
                None if at < chars.len() => drop(chars.remove(at)),
                None => {}
            }
            check_any(&chars.into_iter().collect::<String>())?;
        }
    }
}
