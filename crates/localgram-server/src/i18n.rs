//! The catalogue of the dashboard's texts (and the OAuth window's login and consent pages) in English, Swedish, Chinese (simplified), Korean and
//! Vietnamese. Every template text is a key looked up here ([`Lang::t`]); the language comes from
//! the switcher's cookie, else `Accept-Language`, else English. Each entry carries all five
//! languages (the array type enforces it); tests check that no text is empty and that every key
//! a template or a handler names exists.

/// A language of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (the fallback).
    #[default]
    En,
    /// Swedish.
    Sv,
    /// Chinese (simplified).
    Zh,
    /// Korean.
    Ko,
    /// Vietnamese.
    Vi,
}

/// The switcher: code and the language's own name.
pub const SWITCHER: [(&str, &str); 5] = [
    ("en", "English"),
    ("sv", "Svenska"),
    ("zh", "中文"),
    ("ko", "한국어"),
    ("vi", "Tiếng Việt"),
];

impl Lang {
    /// Every language, in the catalogue's column order.
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Sv, Lang::Zh, Lang::Ko, Lang::Vi];

    /// The BCP 47 code.
    pub fn code(self) -> &'static str {
        SWITCHER[self as usize].0
    }

    /// The language with this code (`sv`, `zh-CN`, `ko-KR`, … — the primary subtag decides).
    pub fn from_code(code: &str) -> Option<Self> {
        let primary = code
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The best language for an `Accept-Language` header: the highest-`q` one we have, English
    /// when none.
    pub fn negotiate(header: &str) -> Self {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(l) = Self::from_code(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The switcher's entries.
    pub fn switcher(self) -> &'static [(&'static str, &'static str); 5] {
        &SWITCHER
    }

    /// The text of `key` in this language; the key itself when the catalogue lacks it (a test
    /// makes sure it never does).
    pub fn t(self, key: &str) -> &'static str {
        match CATALOGUE.iter().find(|(k, _)| *k == key) {
            Some((_, texts)) => texts[self as usize],
            None => {
                tracing::warn!(key, "a text is missing from the catalogue");
                "?"
            }
        }
    }
}

/// The permissions whose description the catalogue holds (key `perm.<name>`): every scope of
/// the Instagram windows and every permission of the Facebook Login dialog; any other is
/// described by `perm.other`.
pub fn permissions() -> impl Iterator<Item = &'static str> {
    use localgram_core::{facebook, scope};
    scope::BASIC_DISPLAY_SCOPES
        .iter()
        .chain(scope::INSTAGRAM_LOGIN_SCOPES)
        .chain(facebook::PERMISSIONS)
        .copied()
}

impl Lang {
    /// What a person reads on a consent page for `permission`, in this language.
    pub fn permission(self, permission: &str) -> &'static str {
        if permissions().any(|p| p == permission) {
            self.t(&format!("perm.{permission}"))
        } else {
            self.t("perm.other")
        }
    }
}

/// The notices a `?done=` may name.
pub const DONE_KEYS: &[&str] = &[
    "done.created",
    "done.saved",
    "done.secret_reset",
    "done.redirect_added",
    "done.redirect_saved",
    "done.redirect_removed",
    "done.tester_invited",
    "done.tester_removed",
    "done.role_added",
    "done.role_removed",
    "done.token_cancelled",
    "done.invitation_accepted",
    "done.invitation_declined",
    "done.app_removed",
    "done.clock_advanced",
    "done.uploaded",
    "done.fault_added",
    "done.faults_cleared",
    "done.person_created",
    "done.page_created",
    "done.media_added",
    "done.commented",
];

/// Key, then English, Swedish, Chinese, Korean, Vietnamese.
pub const CATALOGUE: &[(&str, [&str; 5])] = &[
    // People and Pages
    (
        "nav.people",
        ["People", "Personer", "用户与主页", "사람", "Người dùng"],
    ),
    (
        "people.title",
        [
            "People and Pages",
            "Personer och sidor",
            "用户与主页",
            "사람과 페이지",
            "Người dùng và Trang",
        ],
    ),
    (
        "people.intro",
        [
            "Make Instagram accounts, Facebook users, Pages and media here instead of in a world file. Passwords are stored hashed.",
            "Skapa Instagramkonton, Facebookanvändare, sidor och media här i stället för i en världsfil. Lösenord lagras hashade.",
            "在这里创建 Instagram 账户、Facebook 用户、主页和媒体，无需编写世界文件。密码以哈希形式存储。",
            "월드 파일 대신 여기에서 Instagram 계정, Facebook 사용자, 페이지와 미디어를 만드세요. 비밀번호는 해시로 저장됩니다.",
            "Tạo tài khoản Instagram, người dùng Facebook, Trang và nội dung tại đây thay vì trong tệp thế giới. Mật khẩu được lưu dạng băm.",
        ],
    ),
    (
        "people.made_id",
        [
            "Created, id:",
            "Skapad, id:",
            "已创建，ID：",
            "생성됨, ID:",
            "Đã tạo, ID:",
        ],
    ),
    (
        "people.accounts",
        [
            "Instagram accounts",
            "Instagramkonton",
            "Instagram 账户",
            "Instagram 계정",
            "Tài khoản Instagram",
        ],
    ),
    (
        "people.no_accounts",
        [
            "No Instagram account yet.",
            "Inga Instagramkonton ännu.",
            "还没有 Instagram 账户。",
            "아직 Instagram 계정이 없습니다.",
            "Chưa có tài khoản Instagram nào.",
        ],
    ),
    (
        "people.username",
        [
            "Username",
            "Användarnamn",
            "用户名",
            "사용자 이름",
            "Tên người dùng",
        ],
    ),
    ("people.id", ["Id", "Id", "ID", "ID", "ID"]),
    (
        "people.account_type",
        [
            "Account type",
            "Kontotyp",
            "账户类型",
            "계정 유형",
            "Loại tài khoản",
        ],
    ),
    (
        "people.new_instagram",
        [
            "New Instagram account",
            "Nytt Instagramkonto",
            "新建 Instagram 账户",
            "새 Instagram 계정",
            "Tài khoản Instagram mới",
        ],
    ),
    (
        "people.password",
        ["Password", "Lösenord", "密码", "비밀번호", "Mật khẩu"],
    ),
    ("people.name", ["Name", "Namn", "名称", "이름", "Tên"]),
    (
        "people.instagram_help",
        [
            "PERSONAL is a personal account; BUSINESS and MEDIA_CREATOR are professional and can be linked to a Page.",
            "PERSONAL är ett privat konto; BUSINESS och MEDIA_CREATOR är professionella och kan kopplas till en sida.",
            "PERSONAL 为个人账户；BUSINESS 和 MEDIA_CREATOR 为专业账户，可关联到主页。",
            "PERSONAL은 개인 계정이고, BUSINESS와 MEDIA_CREATOR는 프로페셔널 계정으로 페이지에 연결할 수 있습니다.",
            "PERSONAL là tài khoản cá nhân; BUSINESS và MEDIA_CREATOR là tài khoản chuyên nghiệp, có thể liên kết với Trang.",
        ],
    ),
    (
        "people.create",
        ["Create", "Skapa", "创建", "만들기", "Tạo"],
    ),
    (
        "people.new_facebook",
        [
            "New Facebook user",
            "Ny Facebookanvändare",
            "新建 Facebook 用户",
            "새 Facebook 사용자",
            "Người dùng Facebook mới",
        ],
    ),
    (
        "people.email",
        ["Email", "E-post", "电子邮箱", "이메일", "Email"],
    ),
    (
        "people.new_page",
        ["New Page", "Ny sida", "新建主页", "새 페이지", "Trang mới"],
    ),
    (
        "people.page_name",
        [
            "Page name",
            "Sidans namn",
            "主页名称",
            "페이지 이름",
            "Tên Trang",
        ],
    ),
    (
        "people.owner",
        [
            "Owner (Facebook user id or email)",
            "Ägare (Facebookanvändarens id eller e-post)",
            "所有者（Facebook 用户 ID 或邮箱）",
            "소유자 (Facebook 사용자 ID 또는 이메일)",
            "Chủ sở hữu (ID hoặc email người dùng Facebook)",
        ],
    ),
    (
        "people.linked_instagram",
        [
            "Linked Instagram professional account",
            "Kopplat professionellt Instagramkonto",
            "关联的 Instagram 专业账户",
            "연결된 Instagram 프로페셔널 계정",
            "Tài khoản Instagram chuyên nghiệp được liên kết",
        ],
    ),
    ("people.none", ["None", "Inget", "无", "없음", "Không có"]),
    (
        "people.new_media",
        [
            "Add generated media",
            "Lägg till genererad media",
            "添加生成的媒体",
            "생성된 미디어 추가",
            "Thêm nội dung được tạo",
        ],
    ),
    (
        "people.media_help",
        [
            "Localgram draws the image or video itself; to use your own file, upload it on the Emulator page.",
            "Localgram ritar bilden eller videon själv; ladda upp en egen fil på sidan Emulator.",
            "Localgram 会自行生成图片或视频；如需使用自己的文件，请在模拟器页面上传。",
            "Localgram이 이미지나 동영상을 직접 만듭니다. 직접 만든 파일은 에뮬레이터 페이지에서 업로드하세요.",
            "Localgram tự tạo ảnh hoặc video; để dùng tệp của bạn, hãy tải lên ở trang Trình giả lập.",
        ],
    ),
    (
        "people.media_type",
        [
            "Media type",
            "Mediatyp",
            "媒体类型",
            "미디어 유형",
            "Loại nội dung",
        ],
    ),
    (
        "people.add_media",
        [
            "Add media",
            "Lägg till",
            "添加媒体",
            "미디어 추가",
            "Thêm nội dung",
        ],
    ),
    (
        "done.person_created",
        [
            "Account created.",
            "Kontot skapades.",
            "账户已创建。",
            "계정이 생성되었습니다.",
            "Đã tạo tài khoản.",
        ],
    ),
    (
        "done.page_created",
        [
            "Page created.",
            "Sidan skapades.",
            "主页已创建。",
            "페이지가 생성되었습니다.",
            "Đã tạo Trang.",
        ],
    ),
    (
        "done.media_added",
        [
            "Media added.",
            "Media tillagd.",
            "媒体已添加。",
            "미디어가 추가되었습니다.",
            "Đã thêm nội dung.",
        ],
    ),
    (
        "done.commented",
        [
            "Comment posted.",
            "Kommentaren publicerades.",
            "评论已发布。",
            "댓글이 게시되었습니다.",
            "Đã đăng bình luận.",
        ],
    ),
    (
        "comment.title",
        [
            "Comment on another account's post",
            "Kommentera ett annat kontos inlägg",
            "评论其他账户的帖子",
            "다른 계정의 게시물에 댓글 달기",
            "Bình luận bài viết của tài khoản khác",
        ],
    ),
    (
        "comment.help",
        [
            "The comment is written by the account you are signed in as; the post's owner sees it in GET /{media-id}/comments.",
            "Kommentaren skrivs av kontot du är inloggad som; inläggets ägare ser den i GET /{media-id}/comments.",
            "评论以您当前登录的账户发布；帖子所有者可在 GET /{media-id}/comments 中看到。",
            "댓글은 로그인한 계정으로 작성되며, 게시물 소유자는 GET /{media-id}/comments에서 볼 수 있습니다.",
            "Bình luận được viết bởi tài khoản bạn đang đăng nhập; chủ bài viết thấy nó trong GET /{media-id}/comments.",
        ],
    ),
    (
        "comment.media",
        [
            "Media id",
            "Media-id",
            "媒体 ID",
            "미디어 ID",
            "ID nội dung",
        ],
    ),
    (
        "comment.text",
        ["Comment", "Kommentar", "评论", "댓글", "Bình luận"],
    ),
    (
        "comment.submit",
        [
            "Post comment",
            "Publicera",
            "发布评论",
            "댓글 게시",
            "Đăng bình luận",
        ],
    ),
    (
        "err.people_username",
        [
            "Username: 1 to 30 letters, digits, '.' or '_'.",
            "Användarnamn: 1 till 30 bokstäver, siffror, '.' eller '_'.",
            "用户名：1 到 30 个字母、数字、“.”或“_”。",
            "사용자 이름: 영문자, 숫자, '.', '_' 1~30자입니다.",
            "Tên người dùng: 1 đến 30 chữ cái, chữ số, '.' hoặc '_'.",
        ],
    ),
    (
        "err.people_username_taken",
        [
            "Username: another account already uses it.",
            "Användarnamn: ett annat konto använder det redan.",
            "用户名：已被其他账户使用。",
            "사용자 이름: 다른 계정이 이미 사용 중입니다.",
            "Tên người dùng: đã có tài khoản khác dùng.",
        ],
    ),
    (
        "err.people_password",
        [
            "Password: 6 to 128 characters.",
            "Lösenord: 6 till 128 tecken.",
            "密码：6 到 128 个字符。",
            "비밀번호: 6~128자입니다.",
            "Mật khẩu: từ 6 đến 128 ký tự.",
        ],
    ),
    (
        "err.people_account_type",
        [
            "Account type: choose PERSONAL, BUSINESS or MEDIA_CREATOR.",
            "Kontotyp: välj PERSONAL, BUSINESS eller MEDIA_CREATOR.",
            "账户类型：请选择 PERSONAL、BUSINESS 或 MEDIA_CREATOR。",
            "계정 유형: PERSONAL, BUSINESS, MEDIA_CREATOR 중에서 선택하세요.",
            "Loại tài khoản: chọn PERSONAL, BUSINESS hoặc MEDIA_CREATOR.",
        ],
    ),
    (
        "err.people_name_required",
        [
            "Name: required.",
            "Namn: obligatoriskt.",
            "名称：必填。",
            "이름: 필수입니다.",
            "Tên: bắt buộc.",
        ],
    ),
    (
        "err.people_name_too_long",
        [
            "Name: at most 100 characters.",
            "Namn: högst 100 tecken.",
            "名称：最多 100 个字符。",
            "이름: 최대 100자입니다.",
            "Tên: tối đa 100 ký tự.",
        ],
    ),
    (
        "err.people_email",
        [
            "Email: an address such as name@example.com.",
            "E-post: en adress som namn@example.com.",
            "电子邮箱：例如 name@example.com 的地址。",
            "이메일: name@example.com 같은 주소입니다.",
            "Email: địa chỉ như name@example.com.",
        ],
    ),
    (
        "err.people_email_taken",
        [
            "Email: another Facebook user already uses it.",
            "E-post: en annan Facebookanvändare använder den redan.",
            "电子邮箱：已被其他 Facebook 用户使用。",
            "이메일: 다른 Facebook 사용자가 이미 사용 중입니다.",
            "Email: đã có người dùng Facebook khác dùng.",
        ],
    ),
    (
        "err.people_no_fb_user",
        [
            "Owner: no Facebook user has this id or email.",
            "Ägare: ingen Facebookanvändare har detta id eller denna e-post.",
            "所有者：没有 Facebook 用户使用此 ID 或邮箱。",
            "소유자: 이 ID나 이메일을 가진 Facebook 사용자가 없습니다.",
            "Chủ sở hữu: không có người dùng Facebook nào có ID hoặc email này.",
        ],
    ),
    (
        "err.people_no_ig_user",
        [
            "Instagram account: no account has this username.",
            "Instagramkonto: inget konto har detta användarnamn.",
            "Instagram 账户：没有账户使用此用户名。",
            "Instagram 계정: 이 사용자 이름의 계정이 없습니다.",
            "Tài khoản Instagram: không có tài khoản nào có tên này.",
        ],
    ),
    (
        "err.people_not_professional",
        [
            "Linked Instagram account: only a professional (BUSINESS or MEDIA_CREATOR) account can be linked to a Page.",
            "Kopplat Instagramkonto: bara ett professionellt konto (BUSINESS eller MEDIA_CREATOR) kan kopplas till en sida.",
            "关联的 Instagram 账户：只有专业账户（BUSINESS 或 MEDIA_CREATOR）可以关联到主页。",
            "연결된 Instagram 계정: 프로페셔널 계정(BUSINESS 또는 MEDIA_CREATOR)만 페이지에 연결할 수 있습니다.",
            "Tài khoản Instagram liên kết: chỉ tài khoản chuyên nghiệp (BUSINESS hoặc MEDIA_CREATOR) mới liên kết được với Trang.",
        ],
    ),
    (
        "err.people_media_type",
        [
            "Media type: choose an image or a video.",
            "Mediatyp: välj en bild eller en video.",
            "媒体类型：请选择图片或视频。",
            "미디어 유형: 이미지나 동영상을 선택하세요.",
            "Loại nội dung: chọn ảnh hoặc video.",
        ],
    ),
    (
        "err.people_caption",
        [
            "Caption: at most 2,200 characters.",
            "Bildtext: högst 2 200 tecken.",
            "说明：最多 2200 个字符。",
            "캡션: 최대 2,200자입니다.",
            "Chú thích: tối đa 2.200 ký tự.",
        ],
    ),
    (
        "err.people_no_media",
        [
            "Media id: no post has this id.",
            "Media-id: inget inlägg har detta id.",
            "媒体 ID：没有帖子使用此 ID。",
            "미디어 ID: 이 ID의 게시물이 없습니다.",
            "ID nội dung: không có bài viết nào có ID này.",
        ],
    ),
    (
        "err.people_comment",
        [
            "Comment: 1 to 2,200 characters.",
            "Kommentar: 1 till 2 200 tecken.",
            "评论：1 到 2200 个字符。",
            "댓글: 1~2,200자입니다.",
            "Bình luận: từ 1 đến 2.200 ký tự.",
        ],
    ),
    (
        "err.people_comments_off",
        [
            "Comment: the post's owner turned comments off.",
            "Kommentar: inläggets ägare har stängt av kommentarer.",
            "评论：帖子所有者已关闭评论。",
            "댓글: 게시물 소유자가 댓글을 껐습니다.",
            "Bình luận: chủ bài viết đã tắt bình luận.",
        ],
    ),
    // End of People and Pages
    (
        "faults.title",
        [
            "Fault rules",
            "Felregler",
            "故障规则",
            "장애 규칙",
            "Quy tắc lỗi",
        ],
    ),
    (
        "faults.help",
        [
            "Make the emulated hosts fail the way Meta's do: add a rule from a preset. Rules and their firings are listed here; the control plane (/_localgram/faults) takes any rule.",
            "Låt de emulerade värdarna fela som Metas gör: lägg till en regel från en förinställning. Reglerna och hur ofta de utlösts listas här; kontrollplanet (/_localgram/faults) tar emot vilken regel som helst.",
            "让模拟的主机像 Meta 的主机一样出错：从预设中添加规则。这里列出规则及其触发次数；控制平面（/_localgram/faults）接受任意规则。",
            "에뮬레이션된 호스트가 Meta의 호스트처럼 실패하도록 합니다: 프리셋에서 규칙을 추가하세요. 규칙과 발동 횟수가 여기에 표시되며, 컨트롤 플레인(/_localgram/faults)은 모든 규칙을 받습니다.",
            "Làm cho các máy chủ giả lập gặp lỗi như máy chủ của Meta: thêm quy tắc từ mẫu có sẵn. Các quy tắc và số lần kích hoạt được liệt kê ở đây; mặt phẳng điều khiển (/_localgram/faults) nhận mọi quy tắc.",
        ],
    ),
    (
        "faults.none",
        [
            "No fault rules.",
            "Inga felregler.",
            "没有故障规则。",
            "장애 규칙이 없습니다.",
            "Không có quy tắc lỗi nào.",
        ],
    ),
    ("faults.id", ["Id", "Id", "ID", "ID", "ID"]),
    ("faults.rule", ["Rule", "Regel", "规则", "규칙", "Quy tắc"]),
    (
        "faults.fired",
        [
            "Fired",
            "Utlöst",
            "触发次数",
            "발동 횟수",
            "Số lần kích hoạt",
        ],
    ),
    (
        "faults.preset",
        ["Preset", "Förinställning", "预设", "프리셋", "Mẫu"],
    ),
    (
        "faults.preset_revoke",
        [
            "Revoke this token after 3 calls",
            "Återkalla denna token efter 3 anrop",
            "3 次调用后撤销此令牌",
            "3회 호출 후 이 토큰 폐기",
            "Thu hồi mã truy cập này sau 3 lần gọi",
        ],
    ),
    (
        "faults.preset_throttle",
        [
            "Throttle this app",
            "Strypa denna app",
            "限流此应用",
            "이 앱 호출 제한",
            "Giới hạn tốc độ ứng dụng này",
        ],
    ),
    (
        "faults.preset_transient",
        [
            "Transient error on 10 % of media calls",
            "Tillfälligt fel på 10 % av mediaanropen",
            "10% 的媒体调用返回临时错误",
            "미디어 호출의 10%에 일시적 오류",
            "Lỗi tạm thời trên 10 % lệnh gọi nội dung",
        ],
    ),
    (
        "faults.target",
        [
            "Token or app id",
            "Token eller app-id",
            "令牌或应用 ID",
            "토큰 또는 앱 ID",
            "Mã truy cập hoặc ID ứng dụng",
        ],
    ),
    (
        "faults.add",
        [
            "Add rule",
            "Lägg till regel",
            "添加规则",
            "규칙 추가",
            "Thêm quy tắc",
        ],
    ),
    (
        "faults.clear",
        [
            "Remove all rules",
            "Ta bort alla regler",
            "删除所有规则",
            "모든 규칙 삭제",
            "Xóa tất cả quy tắc",
        ],
    ),
    (
        "done.fault_added",
        [
            "Fault rule added.",
            "Felregeln har lagts till.",
            "故障规则已添加。",
            "장애 규칙이 추가되었습니다.",
            "Đã thêm quy tắc lỗi.",
        ],
    ),
    (
        "done.faults_cleared",
        [
            "Fault rules removed.",
            "Felreglerna har tagits bort.",
            "故障规则已删除。",
            "장애 규칙이 삭제되었습니다.",
            "Đã xóa các quy tắc lỗi.",
        ],
    ),
    (
        "err.fault_token",
        [
            "Give a token this emulator issued for this preset.",
            "Ange en token som denna emulator har utfärdat för denna förinställning.",
            "此预设需要本模拟器签发的令牌。",
            "이 프리셋에는 이 에뮬레이터가 발급한 토큰을 입력하세요.",
            "Hãy nhập một mã truy cập do trình giả lập này cấp cho mẫu này.",
        ],
    ),
    (
        "err.fault_app",
        [
            "Give the id of an existing app for this preset.",
            "Ange id för en befintlig app för denna förinställning.",
            "此预设需要现有应用的 ID。",
            "이 프리셋에는 기존 앱의 ID를 입력하세요.",
            "Hãy nhập ID của một ứng dụng đã có cho mẫu này.",
        ],
    ),
    (
        "err.fault_preset",
        [
            "Choose one of the presets.",
            "Välj en av förinställningarna.",
            "请选择一个预设。",
            "프리셋 중 하나를 선택하세요.",
            "Hãy chọn một trong các mẫu.",
        ],
    ),
    (
        "nav.sections",
        ["Sections", "Avsnitt", "栏目", "섹션", "Mục"],
    ),
    (
        "nav.apps",
        [
            "My apps",
            "Mina appar",
            "我的应用",
            "내 앱",
            "Ứng dụng của tôi",
        ],
    ),
    (
        "nav.instagram",
        [
            "Instagram",
            "Instagram",
            "Instagram",
            "Instagram",
            "Instagram",
        ],
    ),
    (
        "nav.emulator",
        [
            "Emulator",
            "Emulator",
            "模拟器",
            "에뮬레이터",
            "Trình giả lập",
        ],
    ),
    (
        "nav.language",
        ["Language", "Språk", "语言", "언어", "Ngôn ngữ"],
    ),
    (
        "message.title",
        [
            "Localgram",
            "Localgram",
            "Localgram",
            "Localgram",
            "Localgram",
        ],
    ),
    (
        "message.back",
        [
            "Back to my apps",
            "Tillbaka till mina appar",
            "返回我的应用",
            "내 앱으로 돌아가기",
            "Quay lại ứng dụng của tôi",
        ],
    ),
    (
        "guard.loopback_only",
        [
            "The dashboard is reachable from this computer only. Start Localgram with --admin-token to open it to others.",
            "Instrumentpanelen nås bara från den här datorn. Starta Localgram med --admin-token för att öppna den för andra.",
            "仪表板只能从本机访问。使用 --admin-token 启动 Localgram 可向他人开放。",
            "대시보드는 이 컴퓨터에서만 열 수 있습니다. 다른 사람에게 열려면 --admin-token으로 Localgram을 시작하세요.",
            "Bảng điều khiển chỉ truy cập được từ máy này. Khởi động Localgram với --admin-token để mở cho người khác.",
        ],
    ),
    (
        "unlock.title",
        [
            "Unlock the dashboard",
            "Lås upp instrumentpanelen",
            "解锁仪表板",
            "대시보드 잠금 해제",
            "Mở khóa bảng điều khiển",
        ],
    ),
    (
        "unlock.intro",
        [
            "This server was started with an admin token. Type it to use the dashboard in this browser.",
            "Servern startades med en administratörstoken. Skriv den för att använda instrumentpanelen i den här webbläsaren.",
            "此服务器以管理员令牌启动。输入该令牌即可在此浏览器中使用仪表板。",
            "이 서버는 관리자 토큰으로 시작되었습니다. 이 브라우저에서 대시보드를 사용하려면 토큰을 입력하세요.",
            "Máy chủ này được khởi động với mã quản trị. Nhập mã để dùng bảng điều khiển trên trình duyệt này.",
        ],
    ),
    (
        "unlock.token",
        [
            "Admin token",
            "Administratörstoken",
            "管理员令牌",
            "관리자 토큰",
            "Mã quản trị",
        ],
    ),
    (
        "unlock.submit",
        ["Unlock", "Lås upp", "解锁", "잠금 해제", "Mở khóa"],
    ),
    (
        "apps.title",
        [
            "My apps",
            "Mina appar",
            "我的应用",
            "내 앱",
            "Ứng dụng của tôi",
        ],
    ),
    (
        "apps.intro",
        [
            "Create an app, add its redirect URIs and Instagram testers, then generate tokens — all on this machine.",
            "Skapa en app, lägg till omdirigerings-URI:er och Instagram-testare och generera sedan tokens — allt på den här datorn.",
            "创建应用，添加重定向 URI 和 Instagram 测试用户，然后生成令牌——全部在本机完成。",
            "앱을 만들고 리디렉션 URI와 Instagram 테스터를 추가한 다음 토큰을 생성하세요. 모두 이 컴퓨터에서 이루어집니다.",
            "Tạo ứng dụng, thêm URI chuyển hướng và người thử nghiệm Instagram, rồi tạo mã truy cập — tất cả trên máy này.",
        ],
    ),
    (
        "apps.none",
        [
            "No apps yet.",
            "Inga appar ännu.",
            "还没有应用。",
            "아직 앱이 없습니다.",
            "Chưa có ứng dụng nào.",
        ],
    ),
    (
        "apps.create",
        [
            "Create an app",
            "Skapa en app",
            "创建应用",
            "앱 만들기",
            "Tạo ứng dụng",
        ],
    ),
    (
        "apps.create_button",
        [
            "Create app",
            "Skapa app",
            "创建应用",
            "앱 만들기",
            "Tạo ứng dụng",
        ],
    ),
    (
        "app.name",
        ["App name", "Appnamn", "应用名称", "앱 이름", "Tên ứng dụng"],
    ),
    (
        "app.id",
        ["App ID", "App-ID", "应用编号", "앱 ID", "ID ứng dụng"],
    ),
    (
        "app.mode",
        [
            "App mode",
            "Appläge",
            "应用模式",
            "앱 모드",
            "Chế độ ứng dụng",
        ],
    ),
    (
        "app.mode_development",
        ["Development", "Utveckling", "开发", "개발", "Phát triển"],
    ),
    (
        "app.mode_live",
        ["Live", "Live", "上线", "라이브", "Đang hoạt động"],
    ),
    (
        "app.secret",
        [
            "App secret",
            "Apphemlighet",
            "应用密钥",
            "앱 시크릿 코드",
            "Khóa bí mật ứng dụng",
        ],
    ),
    ("app.secret_show", ["Show", "Visa", "显示", "표시", "Hiện"]),
    (
        "app.secret_once",
        [
            "Copy the app secret now: it is stored hashed and will not be shown again.",
            "Kopiera apphemligheten nu: den lagras hashad och visas inte igen.",
            "请立即复制应用密钥：它以哈希形式存储，不会再次显示。",
            "지금 앱 시크릿 코드를 복사하세요. 해시로 저장되어 다시 표시되지 않습니다.",
            "Hãy sao chép khóa bí mật ngay: khóa được lưu dạng băm và sẽ không hiển thị lại.",
        ],
    ),
    (
        "app.secret_hidden",
        [
            "Stored hashed; reset it to see a new one.",
            "Lagras hashad; återställ den för att se en ny.",
            "以哈希形式存储；重置后可查看新密钥。",
            "해시로 저장됨. 새 코드를 보려면 재설정하세요.",
            "Được lưu dạng băm; đặt lại để xem khóa mới.",
        ],
    ),
    (
        "app.secret_reset",
        [
            "Reset secret",
            "Återställ hemlighet",
            "重置密钥",
            "시크릿 코드 재설정",
            "Đặt lại khóa bí mật",
        ],
    ),
    (
        "app.settings",
        ["Settings", "Inställningar", "设置", "설정", "Cài đặt"],
    ),
    (
        "app.products",
        ["Products", "Produkter", "产品", "제품", "Sản phẩm"],
    ),
    (
        "product.instagram_basic_display",
        [
            "Instagram Basic Display",
            "Instagram Basic Display",
            "Instagram 基本显示",
            "Instagram 기본 디스플레이",
            "Instagram Basic Display",
        ],
    ),
    (
        "product.instagram_login",
        [
            "Instagram API with Instagram Login",
            "Instagram-API med Instagram-inloggning",
            "使用 Instagram 登录的 Instagram API",
            "Instagram 로그인을 사용한 Instagram API",
            "API Instagram với đăng nhập Instagram",
        ],
    ),
    (
        "product.facebook_login",
        [
            "Facebook Login",
            "Facebook-inloggning",
            "Facebook 登录",
            "Facebook 로그인",
            "Đăng nhập Facebook",
        ],
    ),
    (
        "app.require_secret",
        [
            "Require app secret (appsecret_proof) on Graph calls",
            "Kräv apphemlighet (appsecret_proof) i Graph-anrop",
            "Graph 调用需要应用密钥 (appsecret_proof)",
            "Graph 호출에 앱 시크릿 코드(appsecret_proof) 필요",
            "Yêu cầu khóa bí mật (appsecret_proof) cho lệnh gọi Graph",
        ],
    ),
    (
        "app.page_creation_allowed",
        [
            "Allowlisted for Page creation: users who are not test users may create Pages (POST /{user-id}/accounts)",
            "Godkänd för att skapa sidor: användare som inte är testanvändare får skapa sidor (POST /{user-id}/accounts)",
            "已列入创建公共主页的许可名单：非测试用户也可创建公共主页 (POST /{user-id}/accounts)",
            "페이지 생성 허용 목록에 등록됨: 테스트 사용자가 아닌 사용자도 페이지를 만들 수 있음(POST /{user-id}/accounts)",
            "Được phép tạo Trang: người dùng không phải người dùng thử cũng có thể tạo Trang (POST /{user-id}/accounts)",
        ],
    ),
    (
        "app.deauthorize_url",
        [
            "Deauthorize callback URL",
            "Återkallnings-URL",
            "取消授权回调网址",
            "승인 취소 콜백 URL",
            "URL gọi lại khi hủy ủy quyền",
        ],
    ),
    (
        "app.data_deletion_url",
        [
            "Data deletion request URL",
            "URL för begäran om dataradering",
            "数据删除请求网址",
            "데이터 삭제 요청 URL",
            "URL yêu cầu xóa dữ liệu",
        ],
    ),
    (
        "app.redirect_uris",
        [
            "Valid OAuth redirect URIs",
            "Giltiga OAuth-omdirigerings-URI:er",
            "有效 OAuth 重定向 URI",
            "유효한 OAuth 리디렉션 URI",
            "URI chuyển hướng OAuth hợp lệ",
        ],
    ),
    (
        "app.redirect_uri",
        [
            "Redirect URI",
            "Omdirigerings-URI",
            "重定向 URI",
            "리디렉션 URI",
            "URI chuyển hướng",
        ],
    ),
    (
        "app.redirect_uris_help",
        [
            "Matched exactly, character for character: a trailing slash counts.",
            "Matchas exakt, tecken för tecken: ett avslutande snedstreck räknas.",
            "逐字符精确匹配：结尾的斜杠也算。",
            "문자 단위로 정확히 일치해야 합니다. 끝의 슬래시도 포함됩니다.",
            "Khớp chính xác từng ký tự: dấu gạch chéo ở cuối cũng được tính.",
        ],
    ),
    (
        "app.near_duplicate",
        [
            "These redirect URIs differ only by a slash, letter case, scheme or port — Meta treats them as different:",
            "Dessa omdirigerings-URI:er skiljer sig bara i snedstreck, skiftläge, schema eller port — Meta ser dem som olika:",
            "这些重定向 URI 仅在斜杠、大小写、协议或端口上不同——Meta 视其为不同的 URI：",
            "이 리디렉션 URI들은 슬래시, 대소문자, 스킴 또는 포트만 다릅니다. Meta는 서로 다른 URI로 취급합니다:",
            "Các URI chuyển hướng này chỉ khác dấu gạch chéo, chữ hoa/thường, giao thức hoặc cổng — Meta coi chúng là khác nhau:",
        ],
    ),
    (
        "roles.instagram_testers",
        [
            "Instagram testers",
            "Instagram-testare",
            "Instagram 测试用户",
            "Instagram 테스터",
            "Người thử nghiệm Instagram",
        ],
    ),
    (
        "roles.instagram_testers_help",
        [
            "An invited account must accept in Instagram › Apps and Websites › Tester Invites before it can authorize the app in development mode.",
            "Ett inbjudet konto måste godkänna under Instagram › Appar och webbplatser › Testarinbjudningar innan det kan auktorisera appen i utvecklingsläge.",
            "受邀账户必须先在 Instagram › 应用和网站 › 测试邀请中接受，才能在开发模式下授权该应用。",
            "초대된 계정은 Instagram › 앱 및 웹사이트 › 테스터 초대에서 수락해야 개발 모드의 앱을 승인할 수 있습니다.",
            "Tài khoản được mời phải chấp nhận trong Instagram › Ứng dụng và trang web › Lời mời thử nghiệm trước khi có thể ủy quyền ứng dụng ở chế độ phát triển.",
        ],
    ),
    (
        "roles.username",
        [
            "Instagram username",
            "Instagram-användarnamn",
            "Instagram 用户名",
            "Instagram 사용자 이름",
            "Tên người dùng Instagram",
        ],
    ),
    (
        "roles.add_tester",
        [
            "Add Instagram tester",
            "Lägg till Instagram-testare",
            "添加 Instagram 测试用户",
            "Instagram 테스터 추가",
            "Thêm người thử nghiệm Instagram",
        ],
    ),
    (
        "roles.facebook_roles",
        [
            "Facebook app roles",
            "Facebook-approller",
            "Facebook 应用角色",
            "Facebook 앱 역할",
            "Vai trò ứng dụng Facebook",
        ],
    ),
    (
        "roles.fb_user",
        [
            "Facebook user id or email",
            "Facebook-användar-ID eller e-post",
            "Facebook 用户编号或邮箱",
            "Facebook 사용자 ID 또는 이메일",
            "ID hoặc email người dùng Facebook",
        ],
    ),
    ("roles.role", ["Role", "Roll", "角色", "역할", "Vai trò"]),
    (
        "tester.pending",
        ["Pending", "Väntar", "待接受", "대기 중", "Đang chờ"],
    ),
    (
        "tester.accepted",
        ["Accepted", "Godkänd", "已接受", "수락됨", "Đã chấp nhận"],
    ),
    (
        "tester.declined",
        ["Declined", "Avböjd", "已拒绝", "거절됨", "Đã từ chối"],
    ),
    (
        "generator.title",
        [
            "User Token Generator",
            "Generator för användartokens",
            "用户口令生成器",
            "사용자 토큰 생성기",
            "Trình tạo mã người dùng",
        ],
    ),
    (
        "generator.help",
        [
            "For each accepted Instagram tester: log in as that account, allow the app, and get a long-lived token.",
            "För varje godkänd Instagram-testare: logga in som kontot, tillåt appen och få en långlivad token.",
            "针对每个已接受的 Instagram 测试用户：以该账户登录、允许应用，即可获得长期令牌。",
            "수락된 각 Instagram 테스터에 대해: 해당 계정으로 로그인하고 앱을 허용하면 장기 토큰을 받습니다.",
            "Với mỗi người thử nghiệm đã chấp nhận: đăng nhập bằng tài khoản đó, cho phép ứng dụng và nhận mã dài hạn.",
        ],
    ),
    (
        "generator.generate",
        [
            "Generate token",
            "Generera token",
            "生成口令",
            "토큰 생성",
            "Tạo mã",
        ],
    ),
    (
        "generator.for",
        [
            "Token for",
            "Token för",
            "令牌所属账户",
            "토큰 대상",
            "Mã cho",
        ],
    ),
    (
        "generator.once",
        [
            "Copy this token now: it is stored hashed and will not be shown again.",
            "Kopiera denna token nu: den lagras hashad och visas inte igen.",
            "请立即复制此令牌：它以哈希形式存储，不会再次显示。",
            "지금 이 토큰을 복사하세요. 해시로 저장되어 다시 표시되지 않습니다.",
            "Hãy sao chép mã này ngay: mã được lưu dạng băm và sẽ không hiển thị lại.",
        ],
    ),
    (
        "generator.token",
        [
            "Access token",
            "Åtkomsttoken",
            "访问令牌",
            "액세스 토큰",
            "Mã truy cập",
        ],
    ),
    (
        "generator.expires",
        ["Expires", "Går ut", "过期时间", "만료", "Hết hạn"],
    ),
    (
        "generator.scopes",
        ["Permissions", "Behörigheter", "权限", "권한", "Quyền"],
    ),
    (
        "generator.gone",
        [
            "This token was already shown. Generate a new one if you need it.",
            "Denna token har redan visats. Generera en ny om du behöver den.",
            "此令牌已显示过。如有需要请生成新令牌。",
            "이 토큰은 이미 표시되었습니다. 필요하면 새로 생성하세요.",
            "Mã này đã được hiển thị. Hãy tạo mã mới nếu cần.",
        ],
    ),
    (
        "generator.again",
        [
            "Back to the app",
            "Tillbaka till appen",
            "返回应用",
            "앱으로 돌아가기",
            "Quay lại ứng dụng",
        ],
    ),
    (
        "profile.posts",
        ["posts", "inlägg", "帖子", "게시물", "bài viết"],
    ),
    (
        "profile.followers",
        ["followers", "följare", "粉丝", "팔로워", "người theo dõi"],
    ),
    (
        "profile.following",
        ["following", "följer", "关注", "팔로잉", "đang theo dõi"],
    ),
    (
        "profile.apps_and_websites",
        [
            "Apps and Websites",
            "Appar och webbplatser",
            "应用和网站",
            "앱 및 웹사이트",
            "Ứng dụng và trang web",
        ],
    ),
    (
        "profile.logout",
        ["Log out", "Logga ut", "退出登录", "로그아웃", "Đăng xuất"],
    ),
    (
        "profile.no_media",
        [
            "No posts yet.",
            "Inga inlägg ännu.",
            "还没有帖子。",
            "아직 게시물이 없습니다.",
            "Chưa có bài viết nào.",
        ],
    ),
    ("media.image", ["Photo", "Foto", "照片", "사진", "Ảnh"]),
    ("media.video", ["Video", "Video", "视频", "동영상", "Video"]),
    ("media.album", ["Album", "Album", "相册", "앨범", "Album"]),
    (
        "invites.title",
        [
            "Tester Invites",
            "Testarinbjudningar",
            "测试邀请",
            "테스터 초대",
            "Lời mời thử nghiệm",
        ],
    ),
    (
        "invites.none",
        [
            "No invitations.",
            "Inga inbjudningar.",
            "没有邀请。",
            "초대가 없습니다.",
            "Không có lời mời.",
        ],
    ),
    (
        "invites.accept",
        ["Accept", "Godkänn", "接受", "수락", "Chấp nhận"],
    ),
    (
        "invites.decline",
        ["Decline", "Avböj", "拒绝", "거절", "Từ chối"],
    ),
    (
        "authorized.title",
        [
            "Active apps",
            "Aktiva appar",
            "活跃应用",
            "활성 앱",
            "Ứng dụng đang hoạt động",
        ],
    ),
    (
        "authorized.none",
        [
            "No app can use your account.",
            "Ingen app kan använda ditt konto.",
            "没有应用可以使用您的账户。",
            "계정을 사용할 수 있는 앱이 없습니다.",
            "Không có ứng dụng nào dùng được tài khoản của bạn.",
        ],
    ),
    (
        "authorized.tokens",
        [
            "active tokens",
            "aktiva tokens",
            "个有效令牌",
            "개의 활성 토큰",
            "mã đang hiệu lực",
        ],
    ),
    (
        "authorized.help",
        [
            "Removing an app revokes every token it holds for your account at once.",
            "Att ta bort en app återkallar genast alla tokens den har för ditt konto.",
            "移除应用会立即撤销它持有的您账户的所有令牌。",
            "앱을 제거하면 해당 앱이 가진 계정 토큰이 모두 즉시 취소됩니다.",
            "Gỡ ứng dụng sẽ thu hồi ngay mọi mã mà ứng dụng giữ cho tài khoản của bạn.",
        ],
    ),
    (
        "clock.title",
        [
            "Test clock",
            "Testklocka",
            "测试时钟",
            "테스트 시계",
            "Đồng hồ thử nghiệm",
        ],
    ),
    ("clock.now", ["Now", "Nu", "当前时间", "현재", "Bây giờ"]),
    (
        "clock.state",
        ["State", "Läge", "状态", "상태", "Trạng thái"],
    ),
    (
        "clock.frozen",
        ["Frozen", "Stoppad", "已冻结", "정지됨", "Đã dừng"],
    ),
    (
        "clock.running",
        ["Running", "Går", "运行中", "실행 중", "Đang chạy"],
    ),
    (
        "clock.offset",
        [
            "Offset from real time",
            "Skillnad mot verklig tid",
            "与真实时间的偏差",
            "실제 시간과의 차이",
            "Chênh lệch so với giờ thực",
        ],
    ),
    (
        "clock.advance_by",
        [
            "Advance by",
            "Flytta fram med",
            "前进时长",
            "앞당길 시간",
            "Tua nhanh thêm",
        ],
    ),
    (
        "clock.advance",
        ["Advance", "Flytta fram", "前进", "앞당기기", "Tua nhanh"],
    ),
    (
        "clock.help",
        [
            "A duration such as 90s, 15m, 1h30m or 61d. Tokens, codes and rate windows follow this clock.",
            "En varaktighet som 90s, 15m, 1h30m eller 61d. Tokens, koder och hastighetsfönster följer denna klocka.",
            "时长，例如 90s、15m、1h30m 或 61d。令牌、授权码和速率窗口都以此时钟为准。",
            "90s, 15m, 1h30m, 61d 같은 기간입니다. 토큰, 코드, 속도 제한 창은 이 시계를 따릅니다.",
            "Khoảng thời gian như 90s, 15m, 1h30m hoặc 61d. Mã truy cập, mã cấp quyền và cửa sổ giới hạn theo đồng hồ này.",
        ],
    ),
    (
        "rate.title",
        [
            "Rate-limit usage",
            "Användning av anropsgränser",
            "速率限制用量",
            "속도 제한 사용량",
            "Mức dùng giới hạn tốc độ",
        ],
    ),
    (
        "rate.help",
        [
            "Calls per minute over the last hour, per app and user, with the app's hourly limit.",
            "Anrop per minut den senaste timmen, per app och användare, med appens timgräns.",
            "过去一小时内每分钟的调用次数（按应用和用户），以及应用的每小时限额。",
            "지난 1시간 동안 앱과 사용자별 분당 호출 수와 앱의 시간당 한도입니다.",
            "Số lệnh gọi mỗi phút trong giờ qua, theo ứng dụng và người dùng, cùng giới hạn mỗi giờ của ứng dụng.",
        ],
    ),
    (
        "rate.none",
        [
            "No calls in the last hour.",
            "Inga anrop den senaste timmen.",
            "过去一小时没有调用。",
            "지난 1시간 동안 호출이 없습니다.",
            "Không có lệnh gọi nào trong giờ qua.",
        ],
    ),
    (
        "rate.series",
        [
            "App · user",
            "App · användare",
            "应用 · 用户",
            "앱 · 사용자",
            "Ứng dụng · người dùng",
        ],
    ),
    (
        "rate.calls_hour",
        [
            "Calls in the last hour",
            "Anrop senaste timmen",
            "过去一小时调用数",
            "지난 1시간 호출 수",
            "Lệnh gọi trong giờ qua",
        ],
    ),
    (
        "rate.app_limit",
        [
            "App limit per hour",
            "Appgräns per timme",
            "应用每小时限额",
            "앱 시간당 한도",
            "Giới hạn mỗi giờ của ứng dụng",
        ],
    ),
    (
        "calls.title",
        [
            "Recent API calls",
            "Senaste API-anrop",
            "最近的 API 调用",
            "최근 API 호출",
            "Lệnh gọi API gần đây",
        ],
    ),
    (
        "calls.help",
        [
            "The last calls this process answered. Tokens and secrets are never kept.",
            "De senaste anropen som denna process besvarat. Tokens och hemligheter sparas aldrig.",
            "此进程最近响应的调用。从不保存令牌和密钥。",
            "이 프로세스가 최근에 응답한 호출입니다. 토큰과 시크릿은 절대 저장되지 않습니다.",
            "Các lệnh gọi gần nhất tiến trình này đã trả lời. Không bao giờ lưu mã truy cập hay khóa bí mật.",
        ],
    ),
    (
        "calls.none",
        [
            "No API calls yet.",
            "Inga API-anrop ännu.",
            "还没有 API 调用。",
            "아직 API 호출이 없습니다.",
            "Chưa có lệnh gọi API nào.",
        ],
    ),
    ("calls.time", ["Time", "Tid", "时间", "시간", "Thời gian"]),
    (
        "calls.method",
        ["Method", "Metod", "方法", "메서드", "Phương thức"],
    ),
    (
        "calls.path",
        ["Path", "Sökväg", "路径", "경로", "Đường dẫn"],
    ),
    ("calls.app", ["App", "App", "应用", "앱", "Ứng dụng"]),
    (
        "calls.status",
        ["Status", "Status", "状态码", "상태", "Trạng thái"],
    ),
    (
        "calls.code",
        [
            "Graph code",
            "Graph-kod",
            "Graph 错误码",
            "Graph 코드",
            "Mã Graph",
        ],
    ),
    (
        "calls.duration",
        ["Duration", "Tid", "耗时", "소요 시간", "Thời lượng"],
    ),
    ("calls.host", ["Host", "Värd", "主机", "호스트", "Máy chủ"]),
    ("calls.any", ["Any", "Alla", "全部", "전체", "Tất cả"]),
    (
        "calls.filter",
        ["Filter", "Filtrera", "筛选", "필터", "Lọc"],
    ),
    (
        "calls.clear_filter",
        [
            "Show all",
            "Visa alla",
            "显示全部",
            "모두 보기",
            "Hiện tất cả",
        ],
    ),
    (
        "calls.matched",
        [
            "Matching calls:",
            "Matchande anrop:",
            "匹配的调用：",
            "일치하는 호출:",
            "Lệnh gọi khớp:",
        ],
    ),
    (
        "clock.times_help",
        [
            "Every time on this page is on the test clock, shown in your browser's time zone (hover for the exact instant).",
            "Alla tider på sidan följer testklockan och visas i webbläsarens tidszon (håll muspekaren över för exakt tidpunkt).",
            "本页所有时间均为测试时钟时间，按浏览器所在时区显示（悬停可查看精确时刻）。",
            "이 페이지의 모든 시간은 테스트 시계 기준이며 브라우저의 시간대로 표시됩니다(마우스를 올리면 정확한 시각이 보입니다).",
            "Mọi thời gian trên trang này theo đồng hồ thử nghiệm, hiển thị theo múi giờ của trình duyệt (di chuột để xem thời điểm chính xác).",
        ],
    ),
    (
        "rate.x_axis",
        [
            "Minutes ago (0 = now)",
            "Minuter sedan (0 = nu)",
            "分钟前（0 = 现在）",
            "분 전 (0 = 현재)",
            "Số phút trước (0 = bây giờ)",
        ],
    ),
    (
        "rate.y_axis",
        [
            "Calls per minute",
            "Anrop per minut",
            "每分钟调用次数",
            "분당 호출 수",
            "Lệnh gọi mỗi phút",
        ],
    ),
    (
        "rate.legend",
        ["Legend", "Teckenförklaring", "图例", "범례", "Chú giải"],
    ),
    ("rate.colour", ["Colour", "Färg", "颜色", "색상", "Màu"]),
    (
        "err.calls_host",
        [
            "Host: choose one of the listed Meta hosts.",
            "Värd: välj en av de listade Meta-värdarna.",
            "主机：请选择列出的 Meta 主机之一。",
            "호스트: 목록의 Meta 호스트 중 하나를 선택하세요.",
            "Máy chủ: hãy chọn một trong các máy chủ Meta được liệt kê.",
        ],
    ),
    (
        "err.calls_status",
        [
            "Status: an HTTP status from 100 to 599, such as 200 or 400.",
            "Status: en HTTP-status från 100 till 599, till exempel 200 eller 400.",
            "状态：100 到 599 之间的 HTTP 状态码，例如 200 或 400。",
            "상태: 200이나 400처럼 100에서 599 사이의 HTTP 상태 코드입니다.",
            "Trạng thái: mã HTTP từ 100 đến 599, ví dụ 200 hoặc 400.",
        ],
    ),
    (
        "upload.title",
        [
            "Add media",
            "Lägg till media",
            "添加媒体",
            "미디어 추가",
            "Thêm nội dung",
        ],
    ),
    (
        "upload.help",
        [
            "A JPEG or PNG image or an MP4 video, checked by its content, published now as a feed post.",
            "En JPEG- eller PNG-bild eller en MP4-video, kontrollerad efter innehåll, publiceras nu som inlägg.",
            "JPEG 或 PNG 图片或 MP4 视频，按内容校验，立即作为帖子发布。",
            "내용으로 확인된 JPEG 또는 PNG 이미지나 MP4 동영상이 지금 피드 게시물로 게시됩니다.",
            "Ảnh JPEG hoặc PNG hay video MP4, được kiểm tra theo nội dung, đăng ngay thành bài viết.",
        ],
    ),
    (
        "upload.account",
        ["Account", "Konto", "账户", "계정", "Tài khoản"],
    ),
    ("upload.file", ["File", "Fil", "文件", "파일", "Tệp"]),
    (
        "upload.caption",
        ["Caption", "Bildtext", "说明文字", "캡션", "Chú thích"],
    ),
    (
        "upload.submit",
        ["Upload", "Ladda upp", "上传", "업로드", "Tải lên"],
    ),
    ("common.add", ["Add", "Lägg till", "添加", "추가", "Thêm"]),
    ("common.save", ["Save", "Spara", "保存", "저장", "Lưu"]),
    ("common.remove", ["Remove", "Ta bort", "移除", "제거", "Gỡ"]),
    (
        "common.copy",
        ["Copy", "Kopiera", "复制", "복사", "Sao chép"],
    ),
    (
        "common.copied",
        ["Copied", "Kopierat", "已复制", "복사됨", "Đã sao chép"],
    ),
    (
        "done.created",
        [
            "App created.",
            "Appen har skapats.",
            "应用已创建。",
            "앱이 생성되었습니다.",
            "Đã tạo ứng dụng.",
        ],
    ),
    (
        "done.saved",
        [
            "Settings saved.",
            "Inställningarna har sparats.",
            "设置已保存。",
            "설정이 저장되었습니다.",
            "Đã lưu cài đặt.",
        ],
    ),
    (
        "done.secret_reset",
        [
            "App secret reset: the old one no longer works.",
            "Apphemligheten har återställts: den gamla fungerar inte längre.",
            "应用密钥已重置：旧密钥已失效。",
            "앱 시크릿 코드가 재설정되었습니다. 이전 코드는 더 이상 작동하지 않습니다.",
            "Đã đặt lại khóa bí mật: khóa cũ không còn hiệu lực.",
        ],
    ),
    (
        "done.redirect_added",
        [
            "Redirect URI added.",
            "Omdirigerings-URI:n har lagts till.",
            "已添加重定向 URI。",
            "리디렉션 URI가 추가되었습니다.",
            "Đã thêm URI chuyển hướng.",
        ],
    ),
    (
        "done.redirect_saved",
        [
            "Redirect URI saved.",
            "Omdirigerings-URI:n har sparats.",
            "已保存重定向 URI。",
            "리디렉션 URI가 저장되었습니다.",
            "Đã lưu URI chuyển hướng.",
        ],
    ),
    (
        "done.redirect_removed",
        [
            "Redirect URI removed.",
            "Omdirigerings-URI:n har tagits bort.",
            "已移除重定向 URI。",
            "리디렉션 URI가 제거되었습니다.",
            "Đã gỡ URI chuyển hướng.",
        ],
    ),
    (
        "done.tester_invited",
        [
            "Tester invited: pending until the account accepts.",
            "Testaren har bjudits in: väntar tills kontot godkänner.",
            "已邀请测试用户：等待该账户接受。",
            "테스터를 초대했습니다. 계정이 수락할 때까지 대기 중입니다.",
            "Đã mời người thử nghiệm: đang chờ tài khoản chấp nhận.",
        ],
    ),
    (
        "done.tester_removed",
        [
            "Tester removed.",
            "Testaren har tagits bort.",
            "已移除测试用户。",
            "테스터가 제거되었습니다.",
            "Đã gỡ người thử nghiệm.",
        ],
    ),
    (
        "done.role_added",
        [
            "Role saved.",
            "Rollen har sparats.",
            "角色已保存。",
            "역할이 저장되었습니다.",
            "Đã lưu vai trò.",
        ],
    ),
    (
        "done.role_removed",
        [
            "Role removed.",
            "Rollen har tagits bort.",
            "角色已移除。",
            "역할이 제거되었습니다.",
            "Đã gỡ vai trò.",
        ],
    ),
    (
        "done.token_cancelled",
        [
            "No token was generated.",
            "Ingen token genererades.",
            "未生成令牌。",
            "토큰이 생성되지 않았습니다.",
            "Không có mã nào được tạo.",
        ],
    ),
    (
        "done.invitation_accepted",
        [
            "Invitation accepted.",
            "Inbjudan har godkänts.",
            "已接受邀请。",
            "초대를 수락했습니다.",
            "Đã chấp nhận lời mời.",
        ],
    ),
    (
        "done.invitation_declined",
        [
            "Invitation declined.",
            "Inbjudan har avböjts.",
            "已拒绝邀请。",
            "초대를 거절했습니다.",
            "Đã từ chối lời mời.",
        ],
    ),
    (
        "done.app_removed",
        [
            "App removed: its tokens were revoked.",
            "Appen har tagits bort: dess tokens har återkallats.",
            "应用已移除：其令牌已被撤销。",
            "앱이 제거되었습니다. 토큰이 취소되었습니다.",
            "Đã gỡ ứng dụng: các mã của nó đã bị thu hồi.",
        ],
    ),
    (
        "done.clock_advanced",
        [
            "Clock advanced.",
            "Klockan har flyttats fram.",
            "时钟已前进。",
            "시계를 앞당겼습니다.",
            "Đã tua nhanh đồng hồ.",
        ],
    ),
    (
        "done.uploaded",
        [
            "Media added.",
            "Media har lagts till.",
            "媒体已添加。",
            "미디어가 추가되었습니다.",
            "Đã thêm nội dung.",
        ],
    ),
    (
        "err.name_required",
        [
            "Type a name for the app.",
            "Skriv ett namn på appen.",
            "请输入应用名称。",
            "앱 이름을 입력하세요.",
            "Hãy nhập tên ứng dụng.",
        ],
    ),
    (
        "err.name_too_long",
        [
            "The app name is too long (100 characters at most).",
            "Appnamnet är för långt (högst 100 tecken).",
            "应用名称过长（最多 100 个字符）。",
            "앱 이름이 너무 깁니다(최대 100자).",
            "Tên ứng dụng quá dài (tối đa 100 ký tự).",
        ],
    ),
    (
        "err.no_such_app",
        [
            "There is no such app.",
            "Det finns ingen sådan app.",
            "没有这个应用。",
            "해당 앱이 없습니다.",
            "Không có ứng dụng này.",
        ],
    ),
    (
        "err.bad_url",
        [
            "Type an absolute http:// or https:// URL, without spaces or a #fragment.",
            "Skriv en absolut http://- eller https://-URL utan mellanslag eller #fragment.",
            "请输入以 http:// 或 https:// 开头的完整网址，不含空格或 #片段。",
            "공백이나 #프래그먼트 없이 http:// 또는 https://로 시작하는 절대 URL을 입력하세요.",
            "Hãy nhập URL tuyệt đối http:// hoặc https://, không có khoảng trắng hay #phân đoạn.",
        ],
    ),
    (
        "err.duplicate_redirect_uri",
        [
            "This redirect URI is already listed.",
            "Denna omdirigerings-URI finns redan.",
            "此重定向 URI 已在列表中。",
            "이 리디렉션 URI는 이미 목록에 있습니다.",
            "URI chuyển hướng này đã có trong danh sách.",
        ],
    ),
    (
        "err.too_many_redirect_uris",
        [
            "An app may list at most 100 redirect URIs.",
            "En app får ha högst 100 omdirigerings-URI:er.",
            "一个应用最多可列出 100 个重定向 URI。",
            "앱에는 리디렉션 URI를 최대 100개까지 등록할 수 있습니다.",
            "Mỗi ứng dụng chỉ có tối đa 100 URI chuyển hướng.",
        ],
    ),
    (
        "err.no_such_redirect_uri",
        [
            "This redirect URI is not listed (was it changed meanwhile?).",
            "Denna omdirigerings-URI finns inte (ändrades den under tiden?).",
            "此重定向 URI 不在列表中（是否已被修改？）。",
            "이 리디렉션 URI는 목록에 없습니다(그 사이에 변경되었나요?).",
            "URI chuyển hướng này không có trong danh sách (đã bị đổi trong lúc đó?).",
        ],
    ),
    (
        "err.bad_mode",
        [
            "Choose development or live.",
            "Välj utveckling eller live.",
            "请选择开发或上线。",
            "개발 또는 라이브를 선택하세요.",
            "Hãy chọn phát triển hoặc đang hoạt động.",
        ],
    ),
    (
        "err.bad_product",
        [
            "Unknown product.",
            "Okänd produkt.",
            "未知产品。",
            "알 수 없는 제품입니다.",
            "Sản phẩm không xác định.",
        ],
    ),
    (
        "err.no_such_instagram_user",
        [
            "No Instagram account has this username.",
            "Inget Instagram-konto har detta användarnamn.",
            "没有使用此用户名的 Instagram 账户。",
            "이 사용자 이름의 Instagram 계정이 없습니다.",
            "Không có tài khoản Instagram nào có tên người dùng này.",
        ],
    ),
    (
        "err.already_tester",
        [
            "This account is already a tester of the app (pending or accepted).",
            "Kontot är redan testare av appen (väntande eller godkänd).",
            "该账户已是此应用的测试用户（待接受或已接受）。",
            "이 계정은 이미 앱의 테스터입니다(대기 중 또는 수락됨).",
            "Tài khoản này đã là người thử nghiệm của ứng dụng (đang chờ hoặc đã chấp nhận).",
        ],
    ),
    (
        "err.not_a_tester",
        [
            "This account is not a tester of the app.",
            "Kontot är inte testare av appen.",
            "该账户不是此应用的测试用户。",
            "이 계정은 앱의 테스터가 아닙니다.",
            "Tài khoản này không phải người thử nghiệm của ứng dụng.",
        ],
    ),
    (
        "err.no_pending_invitation",
        [
            "There is no pending invitation from this app.",
            "Det finns ingen väntande inbjudan från appen.",
            "没有来自此应用的待处理邀请。",
            "이 앱의 대기 중인 초대가 없습니다.",
            "Không có lời mời đang chờ từ ứng dụng này.",
        ],
    ),
    (
        "err.no_such_facebook_user",
        [
            "No Facebook user has this id or email.",
            "Ingen Facebook-användare har detta ID eller denna e-post.",
            "没有使用此编号或邮箱的 Facebook 用户。",
            "이 ID 또는 이메일의 Facebook 사용자가 없습니다.",
            "Không có người dùng Facebook nào có ID hoặc email này.",
        ],
    ),
    (
        "err.bad_role",
        [
            "Choose admin, developer or tester.",
            "Välj admin, developer eller tester.",
            "请选择 admin、developer 或 tester。",
            "admin, developer 또는 tester를 선택하세요.",
            "Hãy chọn admin, developer hoặc tester.",
        ],
    ),
    (
        "err.no_such_role",
        [
            "This user has no role on the app.",
            "Användaren har ingen roll i appen.",
            "该用户在此应用中没有角色。",
            "이 사용자는 앱에 역할이 없습니다.",
            "Người dùng này không có vai trò trong ứng dụng.",
        ],
    ),
    (
        "err.not_accepted_tester",
        [
            "This account is not an accepted Instagram tester of the app.",
            "Kontot är inte en godkänd Instagram-testare av appen.",
            "该账户不是此应用已接受的 Instagram 测试用户。",
            "이 계정은 앱의 수락된 Instagram 테스터가 아닙니다.",
            "Tài khoản này không phải người thử nghiệm Instagram đã chấp nhận của ứng dụng.",
        ],
    ),
    (
        "err.no_instagram_product",
        [
            "Add an Instagram product to the app to generate tokens.",
            "Lägg till en Instagram-produkt i appen för att generera tokens.",
            "请为应用添加 Instagram 产品以生成令牌。",
            "토큰을 생성하려면 앱에 Instagram 제품을 추가하세요.",
            "Hãy thêm một sản phẩm Instagram vào ứng dụng để tạo mã.",
        ],
    ),
    (
        "err.bad_duration",
        [
            "Type a duration such as 90s, 15m, 1h30m or 2d (100 years at most).",
            "Skriv en varaktighet som 90s, 15m, 1h30m eller 2d (högst 100 år).",
            "请输入时长，例如 90s、15m、1h30m 或 2d（最多 100 年）。",
            "90s, 15m, 1h30m, 2d 같은 기간을 입력하세요(최대 100년).",
            "Hãy nhập khoảng thời gian như 90s, 15m, 1h30m hoặc 2d (tối đa 100 năm).",
        ],
    ),
    (
        "err.empty_file",
        [
            "Choose a file to upload.",
            "Välj en fil att ladda upp.",
            "请选择要上传的文件。",
            "업로드할 파일을 선택하세요.",
            "Hãy chọn tệp để tải lên.",
        ],
    ),
    (
        "err.file_too_large",
        [
            "The file is too large (8 MB at most).",
            "Filen är för stor (högst 8 MB).",
            "文件过大（最多 8 MB）。",
            "파일이 너무 큽니다(최대 8MB).",
            "Tệp quá lớn (tối đa 8 MB).",
        ],
    ),
    (
        "err.bad_file_type",
        [
            "The file is not a readable JPEG, PNG or MP4.",
            "Filen är inte en läsbar JPEG, PNG eller MP4.",
            "该文件不是可读取的 JPEG、PNG 或 MP4。",
            "파일이 읽을 수 있는 JPEG, PNG 또는 MP4가 아닙니다.",
            "Tệp không phải JPEG, PNG hoặc MP4 đọc được.",
        ],
    ),
    (
        "err.caption_too_long",
        [
            "The caption is too long (2,200 characters at most).",
            "Bildtexten är för lång (högst 2 200 tecken).",
            "说明文字过长（最多 2200 个字符）。",
            "캡션이 너무 깁니다(최대 2,200자).",
            "Chú thích quá dài (tối đa 2.200 ký tự).",
        ],
    ),
    (
        "err.wrong_account",
        [
            "Log in as the tester this token is for.",
            "Logga in som testaren som token är till för.",
            "请以此令牌对应的测试用户登录。",
            "이 토큰의 대상 테스터로 로그인하세요.",
            "Hãy đăng nhập bằng người thử nghiệm mà mã này dành cho.",
        ],
    ),
    (
        "login.title",
        ["Log in", "Logga in", "登录", "로그인", "Đăng nhập"],
    ),
    (
        "login.heading",
        [
            "Log in to continue to",
            "Logga in för att fortsätta till",
            "登录以继续使用",
            "로그인하여 계속:",
            "Đăng nhập để tiếp tục đến",
        ],
    ),
    (
        "login.username",
        [
            "Username",
            "Användarnamn",
            "用户名",
            "사용자 이름",
            "Tên người dùng",
        ],
    ),
    (
        "login.password",
        ["Password", "Lösenord", "密码", "비밀번호", "Mật khẩu"],
    ),
    (
        "login.submit",
        ["Log in", "Logga in", "登录", "로그인", "Đăng nhập"],
    ),
    (
        "login.fb_note",
        [
            "Log in with Facebook is not emulated; use the Instagram account's password.",
            "Inloggning med Facebook emuleras inte; använd Instagram-kontots lösenord.",
            "未模拟“使用 Facebook 登录”；请使用 Instagram 账户的密码。",
            "Facebook으로 로그인은 에뮬레이션되지 않습니다. Instagram 계정의 비밀번호를 사용하세요.",
            "Không giả lập đăng nhập bằng Facebook; hãy dùng mật khẩu của tài khoản Instagram.",
        ],
    ),
    (
        "login.too_many_attempts",
        [
            "Too many failed attempts. Please wait a few minutes before you try again.",
            "För många misslyckade försök. Vänta några minuter innan du försöker igen.",
            "失败的尝试次数过多，请等几分钟后再试。",
            "실패한 시도가 너무 많습니다. 몇 분 후에 다시 시도하세요.",
            "Quá nhiều lần thử không thành công. Vui lòng đợi vài phút rồi thử lại.",
        ],
    ),
    (
        "login.bad_credentials",
        [
            "Sorry, your password was incorrect. Please double-check your password.",
            "Tyvärr var lösenordet fel. Kontrollera ditt lösenord.",
            "抱歉，密码有误，请仔细检查您的密码。",
            "죄송합니다. 비밀번호가 잘못되었습니다. 비밀번호를 다시 확인하세요.",
            "Rất tiếc, mật khẩu của bạn không đúng. Vui lòng kiểm tra lại mật khẩu.",
        ],
    ),
    (
        "consent.title",
        [
            "Allow access",
            "Tillåt åtkomst",
            "允许访问",
            "액세스 허용",
            "Cho phép truy cập",
        ],
    ),
    (
        "consent.heading",
        [
            "would like to access your account",
            "vill komma åt ditt konto",
            "请求访问您的账户",
            "에서 계정에 액세스하려고 합니다",
            "muốn truy cập tài khoản của bạn",
        ],
    ),
    (
        "consent.logged_in_as",
        [
            "Logged in as",
            "Inloggad som",
            "当前登录账户",
            "로그인 계정",
            "Đăng nhập với tư cách",
        ],
    ),
    (
        "consent.allow",
        ["Allow", "Tillåt", "允许", "허용", "Cho phép"],
    ),
    (
        "consent.cancel",
        ["Cancel", "Avbryt", "取消", "취소", "Hủy"],
    ),
    (
        "consent.not",
        ["Not", "Inte", "不是", "본인이 아닌가요:", "Không phải"],
    ),
    (
        "consent.switch",
        [
            "Switch account",
            "Byt konto",
            "切换账户",
            "계정 전환",
            "Đổi tài khoản",
        ],
    ),
    (
        "err.bad_admin_token",
        [
            "That is not the admin token.",
            "Det är inte administratörstoken.",
            "管理员令牌不正确。",
            "관리자 토큰이 아닙니다.",
            "Đó không phải mã quản trị.",
        ],
    ),
    (
        "perm.user_profile",
        [
            "Your profile info: username and account type",
            "Din profilinformation: användarnamn och kontotyp",
            "您的个人资料信息：用户名和账户类型",
            "프로필 정보: 사용자 이름 및 계정 유형",
            "Thông tin hồ sơ của bạn: tên người dùng và loại tài khoản",
        ],
    ),
    (
        "perm.user_media",
        [
            "Your photos, videos and albums, with their captions",
            "Dina foton, videor och album, med bildtexter",
            "您的照片、视频和相册及其说明文字",
            "사진, 동영상 및 앨범과 그 캡션",
            "Ảnh, video và album của bạn, kèm chú thích",
        ],
    ),
    (
        "perm.instagram_business_basic",
        [
            "Your profile info and media",
            "Din profilinformation och dina medier",
            "您的个人资料信息和媒体内容",
            "프로필 정보 및 미디어",
            "Thông tin hồ sơ và nội dung đa phương tiện của bạn",
        ],
    ),
    (
        "perm.instagram_business_content_publish",
        [
            "Publish content to your account",
            "Publicera innehåll på ditt konto",
            "向您的账户发布内容",
            "계정에 콘텐츠 게시",
            "Đăng nội dung lên tài khoản của bạn",
        ],
    ),
    (
        "perm.instagram_business_manage_messages",
        [
            "Manage and reply to your messages",
            "Hantera och svara på dina meddelanden",
            "管理和回复您的消息",
            "메시지 관리 및 답장",
            "Quản lý và trả lời tin nhắn của bạn",
        ],
    ),
    (
        "perm.instagram_business_manage_comments",
        [
            "Read and manage comments on your media",
            "Läsa och hantera kommentarer på dina medier",
            "读取和管理您媒体内容上的评论",
            "미디어의 댓글 읽기 및 관리",
            "Đọc và quản lý bình luận trên nội dung của bạn",
        ],
    ),
    (
        "perm.instagram_business_manage_insights",
        [
            "Read insights about your account and media",
            "Läsa statistik om ditt konto och dina medier",
            "读取您的账户和媒体内容的数据分析",
            "계정 및 미디어 인사이트 읽기",
            "Đọc thông tin chi tiết về tài khoản và nội dung của bạn",
        ],
    ),
    (
        "perm.public_profile",
        [
            "Your name and profile picture",
            "Ditt namn och din profilbild",
            "您的姓名和头像",
            "이름 및 프로필 사진",
            "Tên và ảnh đại diện của bạn",
        ],
    ),
    (
        "perm.email",
        [
            "Your email address",
            "Din e-postadress",
            "您的电子邮件地址",
            "이메일 주소",
            "Địa chỉ email của bạn",
        ],
    ),
    (
        "perm.pages_show_list",
        [
            "Show a list of the Pages you manage",
            "Visa en lista över sidorna du hanterar",
            "显示您管理的公共主页列表",
            "관리하는 페이지 목록 표시",
            "Hiển thị danh sách các Trang bạn quản lý",
        ],
    ),
    (
        "perm.pages_manage_metadata",
        [
            "Create and manage Pages and their settings",
            "Skapa och hantera sidor och deras inställningar",
            "创建和管理公共主页及其设置",
            "페이지 및 설정 생성과 관리",
            "Tạo và quản lý Trang cùng phần cài đặt",
        ],
    ),
    (
        "perm.pages_read_engagement",
        [
            "Read content posted on your Pages",
            "Läsa innehåll som publicerats på dina sidor",
            "读取您公共主页上发布的内容",
            "페이지에 게시된 콘텐츠 읽기",
            "Đọc nội dung được đăng trên Trang của bạn",
        ],
    ),
    (
        "perm.pages_manage_posts",
        [
            "Create, edit and delete your Page posts",
            "Skapa, redigera och ta bort inlägg på dina sidor",
            "创建、编辑和删除您的公共主页帖子",
            "페이지 게시물 작성, 수정 및 삭제",
            "Tạo, chỉnh sửa và xóa bài viết trên Trang",
        ],
    ),
    (
        "perm.pages_messaging",
        [
            "Manage and access Page conversations",
            "Hantera och läsa sidornas konversationer",
            "管理和访问公共主页对话",
            "페이지 대화 관리 및 액세스",
            "Quản lý và truy cập cuộc trò chuyện của Trang",
        ],
    ),
    (
        "perm.business_management",
        [
            "Manage your business and the Pages it owns",
            "Hantera ditt företag och sidorna det äger",
            "管理您的企业及其拥有的公共主页",
            "비즈니스 및 비즈니스 소유 페이지 관리",
            "Quản lý doanh nghiệp của bạn và các Trang thuộc doanh nghiệp",
        ],
    ),
    (
        "perm.instagram_basic",
        [
            "Access the profile and media of Instagram accounts linked to your Pages",
            "Läsa profil och medier för Instagramkonton kopplade till dina sidor",
            "访问与您公共主页关联的 Instagram 账户的资料和媒体内容",
            "페이지에 연결된 Instagram 계정의 프로필 및 미디어 액세스",
            "Truy cập hồ sơ và nội dung của tài khoản Instagram liên kết với Trang",
        ],
    ),
    (
        "perm.instagram_manage_insights",
        [
            "Read insights of Instagram accounts linked to your Pages",
            "Läsa statistik för Instagramkonton kopplade till dina sidor",
            "读取与您公共主页关联的 Instagram 账户的数据分析",
            "페이지에 연결된 Instagram 계정의 인사이트 읽기",
            "Đọc thông tin chi tiết của tài khoản Instagram liên kết với Trang",
        ],
    ),
    (
        "perm.instagram_manage_comments",
        [
            "Manage comments of Instagram accounts linked to your Pages",
            "Hantera kommentarer för Instagramkonton kopplade till dina sidor",
            "管理与您公共主页关联的 Instagram 账户的评论",
            "페이지에 연결된 Instagram 계정의 댓글 관리",
            "Quản lý bình luận của tài khoản Instagram liên kết với Trang",
        ],
    ),
    (
        "perm.instagram_content_publish",
        [
            "Publish to Instagram accounts linked to your Pages",
            "Publicera på Instagramkonton kopplade till dina sidor",
            "向与您公共主页关联的 Instagram 账户发布内容",
            "페이지에 연결된 Instagram 계정에 게시",
            "Đăng lên tài khoản Instagram liên kết với Trang",
        ],
    ),
    (
        "perm.ads_management",
        [
            "Manage your ads",
            "Hantera dina annonser",
            "管理您的广告",
            "광고 관리",
            "Quản lý quảng cáo của bạn",
        ],
    ),
    (
        "perm.ads_read",
        [
            "Read your ads reports",
            "Läsa dina annonsrapporter",
            "读取您的广告报告",
            "광고 보고서 읽기",
            "Đọc báo cáo quảng cáo của bạn",
        ],
    ),
    (
        "perm.other",
        [
            "A permission",
            "En behörighet",
            "一项权限",
            "권한",
            "Một quyền",
        ],
    ),
    (
        "fb_login.title",
        [
            "Log in to Facebook",
            "Logga in på Facebook",
            "登录 Facebook",
            "Facebook에 로그인",
            "Đăng nhập Facebook",
        ],
    ),
    (
        "fb_login.heading",
        [
            "Log in to Facebook to continue to",
            "Logga in på Facebook för att fortsätta till",
            "登录 Facebook 以继续使用",
            "Facebook에 로그인하여 계속:",
            "Đăng nhập Facebook để tiếp tục đến",
        ],
    ),
    (
        "fb_login.email",
        ["Email", "E-post", "电子邮件", "이메일", "Email"],
    ),
    (
        "fb_login.bad_credentials",
        [
            "The email or password you entered is incorrect.",
            "E-postadressen eller lösenordet du angav är fel.",
            "您输入的电子邮件或密码不正确。",
            "입력한 이메일 또는 비밀번호가 올바르지 않습니다.",
            "Email hoặc mật khẩu bạn nhập không đúng.",
        ],
    ),
    (
        "fb_consent.heading",
        [
            "would like to access your Facebook account",
            "vill komma åt ditt Facebookkonto",
            "请求访问您的 Facebook 账户",
            "에서 Facebook 계정에 액세스하려고 합니다",
            "muốn truy cập tài khoản Facebook của bạn",
        ],
    ),
    (
        "fb_consent.permissions",
        ["Permissions", "Behörigheter", "权限", "권한", "Quyền"],
    ),
    (
        "fb_consent.always",
        [
            "(always shared)",
            "(delas alltid)",
            "（始终共享）",
            "(항상 공유됨)",
            "(luôn được chia sẻ)",
        ],
    ),
    (
        "fb_consent.pages",
        [
            "Pages the app may see",
            "Sidor som appen får se",
            "该应用可以查看的公共主页",
            "앱이 볼 수 있는 페이지",
            "Các Trang mà ứng dụng được xem",
        ],
    ),
    (
        "fb_consent.continue",
        ["Continue", "Fortsätt", "继续", "계속", "Tiếp tục"],
    ),
    (
        "fb_test_login.heading",
        [
            "Logged in to Facebook as",
            "Inloggad på Facebook som",
            "已登录 Facebook，账户：",
            "Facebook에 로그인됨:",
            "Đã đăng nhập Facebook với tư cách",
        ],
    ),
    (
        "fb_test_login.next",
        [
            "Open the app's Facebook Login dialog in this browser to continue as this test user.",
            "Öppna appens Facebook-inloggningsdialog i den här webbläsaren för att fortsätta som testanvändaren.",
            "在此浏览器中打开应用的 Facebook 登录对话框，以该测试用户身份继续。",
            "이 브라우저에서 앱의 Facebook 로그인 대화 상자를 열어 이 테스트 사용자로 계속하세요.",
            "Mở hộp thoại Đăng nhập Facebook của ứng dụng trong trình duyệt này để tiếp tục với người dùng thử nghiệm này.",
        ],
    ),
    // Webhooks
    (
        "webhooks.title",
        ["Webhooks", "Webhooks", "Webhooks", "웹후크", "Webhooks"],
    ),
    (
        "webhooks.link",
        [
            "Webhooks: subscription, deliveries, test events",
            "Webhooks: prenumeration, leveranser, testhändelser",
            "Webhooks：订阅、投递、测试事件",
            "웹후크: 구독, 전송 내역, 테스트 이벤트",
            "Webhooks: đăng ký, lượt gửi, sự kiện thử",
        ],
    ),
    (
        "webhooks.help",
        [
            "Localgram calls your callback URL as Meta does: a verification GET when you save, then a signed POST for every update. Callbacks must be on the loopback or on a host allowed with --webhook-allow-host.",
            "Localgram anropar din callback-URL som Meta gör: en verifierings-GET när du sparar, sedan en signerad POST för varje uppdatering. Callbacks måste ligga på loopback eller på en värd som tillåts med --webhook-allow-host.",
            "Localgram 像 Meta 一样调用你的回调网址：保存时发送一次验证 GET，之后每次更新发送一个签名的 POST。回调必须位于回环地址或 --webhook-allow-host 允许的主机上。",
            "Localgram은 Meta처럼 콜백 URL을 호출합니다. 저장할 때 확인용 GET을 보내고, 이후 업데이트마다 서명된 POST를 보냅니다. 콜백은 루프백이나 --webhook-allow-host로 허용한 호스트에 있어야 합니다.",
            "Localgram gọi URL callback của bạn như Meta: một yêu cầu GET xác minh khi bạn lưu, sau đó một POST có chữ ký cho mỗi cập nhật. Callback phải nằm trên loopback hoặc trên máy chủ được cho phép bằng --webhook-allow-host.",
        ],
    ),
    (
        "webhooks.live_only",
        [
            "This app is in development mode: updates are sent only while an app is Live. Test events are sent in any mode.",
            "Appen är i utvecklingsläge: uppdateringar skickas bara när en app är Live. Testhändelser skickas i alla lägen.",
            "此应用处于开发模式：只有上线（Live）的应用才会收到更新。测试事件在任何模式下都会发送。",
            "이 앱은 개발 모드입니다. 업데이트는 앱이 라이브 상태일 때만 전송됩니다. 테스트 이벤트는 모든 모드에서 전송됩니다.",
            "Ứng dụng này đang ở chế độ phát triển: cập nhật chỉ được gửi khi ứng dụng ở chế độ Live. Sự kiện thử được gửi ở mọi chế độ.",
        ],
    ),
    (
        "webhooks.subscription",
        [
            "Subscription to the instagram object",
            "Prenumeration på objektet instagram",
            "instagram 对象的订阅",
            "instagram 객체 구독",
            "Đăng ký đối tượng instagram",
        ],
    ),
    (
        "webhooks.none",
        [
            "No subscription yet.",
            "Ingen prenumeration ännu.",
            "尚无订阅。",
            "아직 구독이 없습니다.",
            "Chưa có đăng ký nào.",
        ],
    ),
    (
        "webhooks.callback_url",
        [
            "Callback URL",
            "Callback-URL",
            "回调网址",
            "콜백 URL",
            "URL callback",
        ],
    ),
    (
        "webhooks.verify_token",
        [
            "Verify token",
            "Verifieringstoken",
            "验证令牌",
            "확인 토큰",
            "Mã xác minh",
        ],
    ),
    (
        "webhooks.fields",
        ["Fields", "Fält", "字段", "필드", "Trường"],
    ),
    (
        "webhooks.subscribe",
        [
            "Verify and save",
            "Verifiera och spara",
            "验证并保存",
            "확인 후 저장",
            "Xác minh và lưu",
        ],
    ),
    (
        "webhooks.unsubscribe",
        [
            "Remove the subscription",
            "Ta bort prenumerationen",
            "删除订阅",
            "구독 삭제",
            "Xóa đăng ký",
        ],
    ),
    (
        "webhooks.test",
        [
            "Send a test event",
            "Skicka en testhändelse",
            "发送测试事件",
            "테스트 이벤트 보내기",
            "Gửi sự kiện thử",
        ],
    ),
    (
        "webhooks.test_needs_subscription",
        [
            "Save a subscription first: a test event goes to its callback URL.",
            "Spara en prenumeration först: testhändelsen skickas till dess callback-URL.",
            "请先保存订阅：测试事件会发送到它的回调网址。",
            "먼저 구독을 저장하세요. 테스트 이벤트는 그 콜백 URL로 전송됩니다.",
            "Hãy lưu đăng ký trước: sự kiện thử được gửi tới URL callback của nó.",
        ],
    ),
    (
        "webhooks.test_bad_field",
        [
            "Choose one of the fields listed: only they have a sample payload.",
            "Välj ett av fälten i listan: bara de har en exempelnyttolast.",
            "请选择列出的字段之一：只有它们有示例负载。",
            "목록의 필드 중 하나를 고르세요. 그 필드만 예시 페이로드가 있습니다.",
            "Hãy chọn một trong các trường được liệt kê: chỉ chúng có payload mẫu.",
        ],
    ),
    (
        "webhooks.deliveries",
        [
            "Deliveries",
            "Leveranser",
            "投递记录",
            "전송 내역",
            "Lượt gửi",
        ],
    ),
    (
        "webhooks.no_deliveries",
        [
            "No deliveries yet.",
            "Inga leveranser ännu.",
            "尚无投递。",
            "아직 전송 내역이 없습니다.",
            "Chưa có lượt gửi nào.",
        ],
    ),
    (
        "webhooks.col_field",
        ["Field", "Fält", "字段", "필드", "Trường"],
    ),
    (
        "webhooks.col_state",
        ["State", "Status", "状态", "상태", "Trạng thái"],
    ),
    (
        "webhooks.col_attempts",
        ["Attempts", "Försök", "尝试次数", "시도 횟수", "Số lần thử"],
    ),
    (
        "webhooks.col_response",
        [
            "Last answer",
            "Senaste svar",
            "最近的响应",
            "마지막 응답",
            "Phản hồi gần nhất",
        ],
    ),
    (
        "webhooks.col_next",
        [
            "Next attempt",
            "Nästa försök",
            "下次尝试",
            "다음 시도",
            "Lần thử tiếp theo",
        ],
    ),
    (
        "webhooks.col_payload",
        ["Payload", "Nyttolast", "负载", "페이로드", "Payload"],
    ),
    (
        "done.webhook_subscribed",
        [
            "The callback answered the challenge; the subscription is saved.",
            "Callbacken besvarade utmaningen; prenumerationen är sparad.",
            "回调已正确响应验证；订阅已保存。",
            "콜백이 확인 요청에 응답했습니다. 구독이 저장되었습니다.",
            "Callback đã trả lời đúng thử thách; đăng ký đã được lưu.",
        ],
    ),
    (
        "done.webhook_removed",
        [
            "Subscription removed; its pending deliveries are dropped.",
            "Prenumerationen är borttagen; dess väntande leveranser släpps.",
            "订阅已删除；待投递的更新已丢弃。",
            "구독이 삭제되었고 대기 중인 전송은 취소되었습니다.",
            "Đã xóa đăng ký; các lượt gửi đang chờ bị hủy.",
        ],
    ),
    (
        "done.webhook_test_sent",
        [
            "Test event queued; it appears below once sent.",
            "Testhändelsen är köad; den visas nedan när den skickats.",
            "测试事件已排队；发送后会显示在下方。",
            "테스트 이벤트가 대기열에 추가되었습니다. 전송되면 아래에 표시됩니다.",
            "Sự kiện thử đã được xếp hàng; nó sẽ hiện bên dưới khi đã gửi.",
        ],
    ),
    // The guide's steps: Meta's App Dashboard steps with Meta's names, in the order the token
    // guides follow them (docs/dashboard.md#guide).
    (
        "guide.create_app",
        [
            "Create App",
            "Skapa app",
            "创建应用",
            "앱 만들기",
            "Tạo ứng dụng",
        ],
    ),
    (
        "guide.create_app_intro",
        [
            "Step by step, as in Meta's App Dashboard: the app type, then its display name and contact e-mail.",
            "Steg för steg, som i Metas App Dashboard: apptypen, sedan visningsnamn och kontakt-e-post.",
            "与 Meta 应用面板相同的步骤：先选择应用类型，再填写显示名称和联系邮箱。",
            "Meta 앱 대시보드와 같은 단계: 앱 유형을 고른 뒤 표시 이름과 연락처 이메일을 입력합니다.",
            "Từng bước như trong Bảng điều khiển ứng dụng của Meta: loại ứng dụng, rồi tên hiển thị và email liên hệ.",
        ],
    ),
    (
        "guide.app_type",
        [
            "Select an app type",
            "Välj en apptyp",
            "选择应用类型",
            "앱 유형 선택",
            "Chọn loại ứng dụng",
        ],
    ),
    (
        "guide.type_other",
        ["Other", "Annat", "其他", "기타", "Khác"],
    ),
    (
        "guide.type_other_help",
        [
            "For everything else, such as Instagram Basic Display.",
            "För allt annat, till exempel Instagram Basic Display.",
            "适用于其他所有用途，例如 Instagram 基本显示。",
            "Instagram 기본 디스플레이 등 그 밖의 모든 용도.",
            "Cho mọi mục đích khác, ví dụ Instagram Basic Display.",
        ],
    ),
    ("guide.next", ["Next", "Nästa", "下一步", "다음", "Tiếp"]),
    (
        "guide.display_name",
        [
            "App display name",
            "Appens visningsnamn",
            "应用显示名称",
            "앱 표시 이름",
            "Tên hiển thị của ứng dụng",
        ],
    ),
    (
        "guide.contact_email",
        [
            "App contact email",
            "Appens kontakt-e-post",
            "应用联系邮箱",
            "앱 연락처 이메일",
            "Email liên hệ của ứng dụng",
        ],
    ),
    (
        "guide.create_app_id",
        [
            "Create App ID",
            "Skapa app-ID",
            "创建应用编号",
            "앱 ID 만들기",
            "Tạo ID ứng dụng",
        ],
    ),
    (
        "guide.settings",
        ["Settings", "Inställningar", "设置", "설정", "Cài đặt"],
    ),
    (
        "guide.basic",
        ["Basic", "Grundläggande", "基本", "기본 설정", "Cơ bản"],
    ),
    (
        "guide.roles",
        ["Roles", "Roller", "角色", "역할", "Vai trò"],
    ),
    (
        "guide.products",
        ["Products", "Produkter", "产品", "제품", "Sản phẩm"],
    ),
    (
        "guide.add_product",
        [
            "Add Product",
            "Lägg till produkt",
            "添加产品",
            "제품 추가",
            "Thêm sản phẩm",
        ],
    ),
    (
        "guide.set_up",
        ["Set Up", "Konfigurera", "设置", "설정", "Thiết lập"],
    ),
    (
        "guide.basic_display",
        [
            "Basic Display",
            "Basic Display",
            "基本显示",
            "기본 디스플레이",
            "Basic Display",
        ],
    ),
    (
        "guide.add_platform",
        [
            "Add Platform",
            "Lägg till plattform",
            "添加平台",
            "플랫폼 추가",
            "Thêm nền tảng",
        ],
    ),
    (
        "guide.select_platform",
        [
            "Select platform",
            "Välj plattform",
            "选择平台",
            "플랫폼 선택",
            "Chọn nền tảng",
        ],
    ),
    (
        "guide.website",
        ["Website", "Webbplats", "网站", "웹사이트", "Trang web"],
    ),
    (
        "guide.site_url",
        [
            "Site URL",
            "Webbplatsens URL",
            "网站网址",
            "사이트 URL",
            "URL trang web",
        ],
    ),
    (
        "guide.save_changes",
        [
            "Save changes",
            "Spara ändringar",
            "保存更改",
            "변경 내용 저장",
            "Lưu thay đổi",
        ],
    ),
    (
        "guide.create_new_app",
        [
            "Create New App",
            "Skapa ny app",
            "新建应用",
            "새 앱 만들기",
            "Tạo ứng dụng mới",
        ],
    ),
    (
        "guide.create_new_app_help",
        [
            "Create the Instagram app: it gets its own Instagram App ID and Instagram App Secret, the ones the authorize window (client_id) and the code exchange take.",
            "Skapa Instagram-appen: den får ett eget Instagram-app-ID och en egen Instagram-apphemlighet, de som auktoriseringsfönstret (client_id) och kodutbytet tar.",
            "创建 Instagram 应用：它有自己的 Instagram 应用编号和 Instagram 应用密钥，授权窗口（client_id）和代码交换使用的就是它们。",
            "Instagram 앱을 만듭니다. 승인 창(client_id)과 코드 교환에 쓰이는 별도의 Instagram 앱 ID와 Instagram 앱 시크릿 코드가 생깁니다.",
            "Tạo ứng dụng Instagram: nó có ID ứng dụng Instagram và khóa bí mật ứng dụng Instagram riêng, là những giá trị cửa sổ cấp quyền (client_id) và bước đổi mã dùng.",
        ],
    ),
    (
        "guide.instagram_app_id",
        [
            "Instagram App ID",
            "Instagram-app-ID",
            "Instagram 应用编号",
            "Instagram 앱 ID",
            "ID ứng dụng Instagram",
        ],
    ),
    (
        "guide.instagram_app_secret",
        [
            "Instagram App Secret",
            "Instagram-apphemlighet",
            "Instagram 应用密钥",
            "Instagram 앱 시크릿 코드",
            "Khóa bí mật ứng dụng Instagram",
        ],
    ),
    (
        "guide.client_oauth",
        [
            "Client OAuth Settings",
            "Klientens OAuth-inställningar",
            "客户端 OAuth 设置",
            "클라이언트 OAuth 설정",
            "Cài đặt OAuth ứng dụng khách",
        ],
    ),
    (
        "guide.redirect_uris",
        [
            "Valid OAuth Redirect URIs",
            "Giltiga OAuth-omdirigerings-URI:er",
            "有效 OAuth 跳转 URI",
            "유효한 OAuth 리디렉션 URI",
            "URI chuyển hướng OAuth hợp lệ",
        ],
    ),
    (
        "guide.redirect_uris_help",
        [
            "One per line, matched exactly (a trailing slash counts).",
            "En per rad, jämförs exakt (ett avslutande snedstreck räknas).",
            "每行一个，精确匹配（末尾斜杠也算）。",
            "한 줄에 하나씩, 정확히 일치해야 합니다(끝의 슬래시 포함).",
            "Mỗi dòng một URI, so khớp chính xác (kể cả dấu gạch chéo cuối).",
        ],
    ),
    (
        "guide.testers_link",
        [
            "Add or Remove Instagram Testers",
            "Lägg till eller ta bort Instagram-testare",
            "添加或移除 Instagram 测试用户",
            "Instagram 테스터 추가 또는 삭제",
            "Thêm hoặc xóa người thử nghiệm Instagram",
        ],
    ),
    (
        "guide.no_accepted_testers",
        [
            "No Instagram tester has accepted an invitation yet.",
            "Ingen Instagram-testare har godkänt en inbjudan än.",
            "还没有 Instagram 测试用户接受邀请。",
            "아직 초대를 수락한 Instagram 테스터가 없습니다.",
            "Chưa có người thử nghiệm Instagram nào chấp nhận lời mời.",
        ],
    ),
    (
        "guide.token_generator",
        [
            "User Token Generator",
            "Generator för användartokens",
            "用户口令生成器",
            "사용자 토큰 생성기",
            "Trình tạo mã người dùng",
        ],
    ),
    (
        "guide.generate_token",
        [
            "Generate Token",
            "Generera token",
            "生成口令",
            "토큰 생성",
            "Tạo mã",
        ],
    ),
    (
        "guide.continue_as",
        [
            "Continue as {}",
            "Fortsätt som {}",
            "以 {} 的身份继续",
            "{}(으)로 계속",
            "Tiếp tục với tư cách {}",
        ],
    ),
    (
        "guide.continue_as_help",
        [
            "The User Token Generator makes a long-lived token of this account for the app.",
            "Generatorn för användartokens skapar en långlivad token för det här kontot till appen.",
            "用户口令生成器会为该应用生成此账户的长期口令。",
            "사용자 토큰 생성기가 이 계정의 장기 토큰을 앱용으로 만듭니다.",
            "Trình tạo mã người dùng tạo mã dài hạn của tài khoản này cho ứng dụng.",
        ],
    ),
    (
        "guide.edit_profile",
        [
            "Edit Profile",
            "Redigera profil",
            "编辑主页",
            "프로필 편집",
            "Chỉnh sửa trang cá nhân",
        ],
    ),
    (
        "guide.err_bad_email",
        [
            "The app contact email is not an email address.",
            "Appens kontakt-e-post är ingen e-postadress.",
            "应用联系邮箱不是有效的邮箱地址。",
            "앱 연락처 이메일이 올바른 이메일 주소가 아닙니다.",
            "Email liên hệ của ứng dụng không phải là địa chỉ email.",
        ],
    ),
    (
        "guide.err_bad_app_type",
        [
            "Choose an app type: Other.",
            "Välj en apptyp: Annat.",
            "请选择应用类型：其他。",
            "앱 유형을 선택하세요: 기타.",
            "Hãy chọn loại ứng dụng: Khác.",
        ],
    ),
    (
        "guide.err_bad_platform",
        [
            "Choose a platform: Website.",
            "Välj en plattform: Webbplats.",
            "请选择平台：网站。",
            "플랫폼을 선택하세요: 웹사이트.",
            "Hãy chọn nền tảng: Trang web.",
        ],
    ),
    (
        "guide.err_instagram_app_exists",
        [
            "This app already has its Instagram app.",
            "Appen har redan sin Instagram-app.",
            "此应用已有 Instagram 应用。",
            "이 앱에는 이미 Instagram 앱이 있습니다.",
            "Ứng dụng này đã có ứng dụng Instagram.",
        ],
    ),
    (
        "guide.err_no_instagram_app",
        [
            "Create the Instagram app first (Create New App).",
            "Skapa Instagram-appen först (Skapa ny app).",
            "请先创建 Instagram 应用（新建应用）。",
            "먼저 Instagram 앱을 만드세요(새 앱 만들기).",
            "Hãy tạo ứng dụng Instagram trước (Tạo ứng dụng mới).",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every key a template or a handler of the dashboard names.
    fn used_keys() -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for sub in ["templates/dash", "src/routes/dashboard"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                sources.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
            }
        }
        for file in [
            "templates/login.html",
            "templates/consent.html",
            "templates/fb_login.html",
            "templates/fb_consent.html",
            "templates/fb_test_user_login.html",
            "src/routes/oauth/authorize.rs",
            "src/routes/facebook.rs",
        ] {
            sources.push(std::fs::read_to_string(dir.join(file)).unwrap());
        }
        let mut keys = BTreeSet::new();
        for text in &sources {
            for part in text.split("l.t(\"").skip(1) {
                keys.insert(part.split('"').next().unwrap().to_owned());
            }
            // Keys passed around as values: "tester.pending", "app.mode_live", "media.video",
            // "err.fault_app", …
            for part in text.split('"').skip(1).step_by(2) {
                let known = ["tester.", "app.mode_", "media.", "err.fault_", "err.calls_"];
                if known.iter().any(|p| part.starts_with(p)) && !part.contains(' ') {
                    keys.insert(part.to_owned());
                }
            }
            for part in text.split("?done=").skip(1) {
                let k: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !k.is_empty() {
                    keys.insert(format!("done.{k}"));
                }
            }
        }
        keys
    }

    #[test]
    fn every_key_used_exists_in_every_language() {
        let catalogue: BTreeSet<&str> = CATALOGUE.iter().map(|(k, _)| *k).collect();
        assert_eq!(catalogue.len(), CATALOGUE.len(), "a key is listed twice");
        let mut used = used_keys();
        used.extend(DONE_KEYS.iter().map(|k| (*k).to_owned()));
        used.extend(permissions().map(|p| format!("perm.{p}")));
        used.insert("perm.other".to_owned());
        used.extend(
            localgram_core::dashboard::DashboardError::KEYS
                .iter()
                .chain(localgram_core::people::PeopleError::KEYS)
                .map(|k| (*k).to_owned()),
        );
        assert!(used.len() > 100, "too few keys found: {used:?}");
        let missing: Vec<_> = used
            .iter()
            .filter(|k| !catalogue.contains(k.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "keys missing from the catalogue: {missing:?}"
        );
        for (key, texts) in CATALOGUE {
            for (lang, text) in Lang::ALL.iter().zip(texts) {
                assert!(!text.trim().is_empty(), "{key} is empty in {lang:?}");
            }
        }
        let unused: Vec<_> = catalogue.iter().filter(|k| !used.contains(**k)).collect();
        assert!(unused.is_empty(), "keys nothing uses: {unused:?}");
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::negotiate("sv-SE,sv;q=0.9,en;q=0.8"), Lang::Sv);
        assert_eq!(Lang::negotiate("fr-FR,fr;q=0.9,ko;q=0.5"), Lang::Ko);
        assert_eq!(Lang::negotiate("zh-CN"), Lang::Zh);
        assert_eq!(Lang::negotiate("en;q=0.2, vi;q=0.8"), Lang::Vi);
        assert_eq!(Lang::negotiate("fr, de"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::from_code("KO-kr"), Some(Lang::Ko));
        assert_eq!(Lang::from_code("xx"), None);
        assert_eq!(Lang::Vi.t("common.save"), "Lưu");
        assert_eq!(
            Lang::Sv.permission("user_media"),
            "Dina foton, videor och album, med bildtexter"
        );
        assert_eq!(Lang::Ko.permission("no_such_permission"), "권한");
    }
}
