//! The one table from domain, storage and use-case errors to an HTTP status and a message
//! for people. The pages (`web::error`) and the API (`web::api::error`) both answer from it,
//! so a refusal reads and counts the same in a browser and in a script; they differ only in
//! the wrapping (a page or `{"detail": ...}`).

use std::borrow::Cow;

use axum::http::StatusCode;

use crate::db::{DbError, Refusal};
use crate::domain::accounts::AccountError;
use crate::domain::conference::ConferenceError;
use crate::domain::event::{Closed, EventError};
use crate::domain::numbering::ClaimError as ClaimRule;
use crate::domain::routing::RoutingError;
use crate::domain::DomainError;
use crate::service::conferences::RoomError;
use crate::service::extensions::{ClaimError, ExtensionError};
use crate::service::handsets::{DeleteHandsetError, MintError, MINT_MAX};
use crate::service::helpdesk::{HandOutError, SearchError, SEARCH_MAX};
use crate::service::routing::RouteChangeError;
use crate::service::users::{AddUserError, DisableError, SetPasswordError};
use crate::tr;
use crate::web::i18n::{self, Tr};

mod words;

/// How a failure is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The status code.
    pub status: StatusCode,
    /// A heading for the error page.
    pub title: Cow<'static, str>,
    /// What went wrong, written for people; never a storage internal.
    pub message: Cow<'static, str>,
}

impl Failure {
    /// A failure with words already in the reader's language.
    pub fn shown(
        status: StatusCode,
        title: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Failure {
            status,
            title: title.into(),
            message: message.into(),
        }
    }

    fn refused(t: Tr, status: StatusCode, message: String) -> Self {
        Failure::shown(status, tr!(t, "error-refused-title"), message)
    }

    fn missing(t: Tr, message: String) -> Self {
        Failure::shown(
            StatusCode::NOT_FOUND,
            tr!(t, "error-not-found-title"),
            message,
        )
    }

    /// 404 for a page, with a message (in the request's language) naming what is missing.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        let t = i18n::current();
        Failure::shown(
            StatusCode::NOT_FOUND,
            tr!(t, "error-not-found-title"),
            message,
        )
    }
}

/// The words for each refusal of the database layer, printed by the CLI (through `DbError`'s
/// `Display`). The web words them in the reader's language through [`Describe`]; the English
/// messages there are these texts.
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::BadTemporaryRange => write!(
                f,
                "numbering.temporary_first/last is not a range of numbers; fix the settings"
            ),
            Refusal::TemporaryRangeFull => write!(
                f,
                "every temporary number is in use; widen numbering.temporary_first/last"
            ),
            Refusal::NoFreeToken => write!(
                f,
                "could not find a free token; use a longer numbering.token_length"
            ),
            Refusal::NotAHandset(n) => write!(
                f,
                "extension {n} is a SIP extension, not a handset: it has a password, no token"
            ),
            Refusal::HandsetBound(n) => write!(
                f,
                "extension {n} is bound to a handset; release the handset first"
            ),
            Refusal::NoHandsetBound(n) => write!(f, "extension {n} has no handset bound"),
            Refusal::ChangedMeanwhile(n) => write!(f, "extension {n} changed meanwhile"),
            Refusal::EntryNameMissing => write!(f, "Give the entry a name."),
            Refusal::EntryNameInvalid { max } => write!(
                f,
                "The name must be at most {max} characters, without line breaks."
            ),
            Refusal::EntryNumberInvalid { max } => {
                write!(f, "The number must be 1 to {max} of 0-9, *, # and +.")
            }
            Refusal::EntryExists(n) => write!(f, "There is already a phonebook entry for {n}."),
            Refusal::KeyNameInvalid => write!(f, "a key name is 1 to 64 characters"),
            Refusal::KeyExists(name) => write!(f, "an API key named {name:?} exists"),
            Refusal::BrowserPhoneExists(n) => write!(f, "{n} has a browser phone already."),
            Refusal::NoBrowserPhone(n) => write!(f, "{n} has no browser phone."),
            Refusal::RoomHasNoPhone(n) => {
                write!(
                    f,
                    "{n} is a conference room: callers dial into it, it has no phone."
                )
            }
            Refusal::GroupHasNoPhone(n) => {
                write!(
                    f,
                    "{n} is a group: it rings its members and has no phone of its own."
                )
            }
        }
    }
}

/// An error that has a row in the table.
pub trait Describe {
    /// Its status and message in the language of `t`: the request's for pages
    /// (`i18n::current()` or the visitor's), English for the API. Internal causes are logged
    /// here, once.
    fn failure(&self, t: Tr) -> Failure;

    /// Just the message, for a page that shows it above its form.
    fn words(&self, t: Tr) -> String {
        self.failure(t).message.into_owned()
    }
}

impl Describe for DbError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            DbError::NotFound => Failure::missing(t, tr!(t, "error-not-found")),
            DbError::Busy => Failure::shown(
                StatusCode::SERVICE_UNAVAILABLE,
                tr!(t, "error-busy-title"),
                tr!(t, "err-busy"),
            ),
            DbError::Refused(refusal) => {
                Failure::refused(t, StatusCode::CONFLICT, words::refusal(t, refusal))
            }
            DbError::Conflict(cause) => {
                // SQLite's constraint text names tables and columns: log it, say something
                // useful instead. It means a concurrent change won the race.
                tracing::warn!(error = %cause, "write refused by a constraint");
                Failure::shown(
                    StatusCode::CONFLICT,
                    tr!(t, "error-changed-title"),
                    tr!(t, "error-changed"),
                )
            }
            cause => {
                tracing::error!(error = %cause, "request failed");
                Failure::shown(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    tr!(t, "error-internal-title"),
                    tr!(t, "err-internal"),
                )
            }
        }
    }
}

impl Describe for ClaimRule {
    /// The shape and range of a number are bad input (422); a clash with what exists or is
    /// configured is a conflict (409). The message says which.
    fn failure(&self, t: Tr) -> Failure {
        let status = match self {
            ClaimRule::NotDigits(_) | ClaimRule::OutOfRange { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ClaimRule::Taken(_)
            | ClaimRule::Reserved(_)
            | ClaimRule::Fixed { .. }
            | ClaimRule::Temporary { .. }
            | ClaimRule::Prefix { .. }
            | ClaimRule::Limit { .. } => StatusCode::CONFLICT,
        };
        Failure::refused(t, status, words::claim_rule(t, self))
    }
}

impl Describe for Closed {
    /// Outside the registration window attendees may not do it (403).
    fn failure(&self, t: Tr) -> Failure {
        Failure::refused(t, StatusCode::FORBIDDEN, words::closed(t, self))
    }
}

impl Describe for AccountError {
    /// Account input people typed (422).
    fn failure(&self, t: Tr) -> Failure {
        Failure::refused(t, StatusCode::UNPROCESSABLE_ENTITY, words::account(t, self))
    }
}

impl Describe for ClaimError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            ClaimError::Rule(rule) => rule.failure(t),
            ClaimError::UnknownOwner(name) => Failure::refused(
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                words::unknown_user(t, name),
            ),
            ClaimError::Closed(closed) => closed.failure(t),
            ClaimError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for ExtensionError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            ExtensionError::NotFound => Failure::missing(t, tr!(t, "err-extension-not-found")),
            ExtensionError::NoSipPassword(n) => Failure::refused(
                t,
                StatusCode::CONFLICT,
                tr!(t, "err-no-sip-password", number = n),
            ),
            ExtensionError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for RoutingError {
    /// A loop or too deep a nesting is a conflict with the groups as they are (409); a bad
    /// value, an unknown member or a target one may not forward to is bad input (422).
    fn failure(&self, t: Tr) -> Failure {
        let status = match self {
            RoutingError::Cycle(_) | RoutingError::TooDeep(_) => StatusCode::CONFLICT,
            RoutingError::UnknownMember(_)
            | RoutingError::OwnMember(_)
            | RoutingError::DuplicateMember(_)
            | RoutingError::Delay { .. }
            | RoutingError::RingTimeout(_)
            | RoutingError::After { .. }
            | RoutingError::AfterWithoutTarget
            | RoutingError::TargetNotAllowed { .. }
            | RoutingError::TargetIsItself { .. }
            | RoutingError::NotForGroups(_)
            | RoutingError::GroupsOnly(_)
            | RoutingError::ConferenceRoom(_)
            | RoutingError::RoomAsMember(_)
            | RoutingError::NotAGroup(_) => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Failure::refused(t, status, words::routing(t, self))
    }
}

impl Describe for RouteChangeError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            RouteChangeError::NotFound(_) => Failure::missing(t, tr!(t, "err-extension-not-found")),
            RouteChangeError::NoInvitation { group, member } => Failure::missing(
                t,
                tr!(t, "err-no-invitation", member = member, group = group),
            ),
            RouteChangeError::NotAMember { group, member } => Failure::missing(
                t,
                tr!(t, "err-not-a-member", member = member, group = group),
            ),
            RouteChangeError::NotAGroup(n) => {
                Failure::refused(t, StatusCode::CONFLICT, words::not_a_group(t, n))
            }
            RouteChangeError::Rule(rule) => rule.failure(t),
            RouteChangeError::Claim(rule) => rule.failure(t),
            RouteChangeError::UnknownOwner(name) => Failure::refused(
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                words::unknown_user(t, name),
            ),
            RouteChangeError::MemberNotYours(n) => Failure::refused(
                t,
                StatusCode::FORBIDDEN,
                tr!(t, "err-member-not-yours", number = n),
            ),
            RouteChangeError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for RoomError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            RoomError::NotFound(n) => Failure::missing(t, tr!(t, "err-room-not-found", number = n)),
            RoomError::Settings(ConferenceError::BadPin) => Failure::refused(
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr!(t, "err-room-bad-pin"),
            ),
            RoomError::Settings(ConferenceError::BadMax) => Failure::refused(
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr!(t, "err-room-bad-max"),
            ),
            RoomError::Claim(rule) => rule.failure(t),
            RoomError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for MintError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            MintError::Count => Failure::refused(
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr!(t, "err-mint-count", max = MINT_MAX),
            ),
            MintError::RangeFull { free } => Failure::refused(
                t,
                StatusCode::CONFLICT,
                tr!(t, "err-mint-range-full", free = *free),
            ),
            MintError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for DeleteHandsetError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            DeleteHandsetError::NotFound => Failure::missing(t, tr!(t, "err-handset-not-found")),
            DeleteHandsetError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for HandOutError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            HandOutError::NoExtension => Failure::missing(t, tr!(t, "err-extension-not-found")),
            HandOutError::NotWaiting(n) => Failure::refused(
                t,
                StatusCode::CONFLICT,
                tr!(t, "err-handout-not-waiting", number = n),
            ),
            HandOutError::LockedOut => {
                Failure::refused(t, StatusCode::CONFLICT, tr!(t, "err-handout-locked-out"))
            }
            HandOutError::NoLoaner(n) => Failure::refused(
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr!(t, "err-handout-no-loaner", number = format!("{n:?}")),
            ),
            HandOutError::Closed => {
                Failure::refused(t, StatusCode::FORBIDDEN, tr!(t, "err-handout-closed"))
            }
            HandOutError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for AddUserError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            AddUserError::Invalid(e) => e.failure(t),
            AddUserError::Taken(name) => Failure::refused(
                t,
                StatusCode::CONFLICT,
                tr!(t, "err-username-taken", name = format!("{name:?}")),
            ),
            AddUserError::Closed(closed) => closed.failure(t),
            AddUserError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for SetPasswordError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            SetPasswordError::NoSuchUser(_) => Failure::missing(t, tr!(t, "err-user-not-found")),
            SetPasswordError::Invalid(e) => e.failure(t),
            SetPasswordError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for DisableError {
    fn failure(&self, t: Tr) -> Failure {
        match self {
            DisableError::NotFound => Failure::missing(t, tr!(t, "err-user-not-found")),
            DisableError::Yourself => Failure::refused(
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr!(t, "err-disable-yourself"),
            ),
            DisableError::Db(e) => e.failure(t),
        }
    }
}

impl Describe for DomainError {
    /// A number or token people typed (422).
    fn failure(&self, t: Tr) -> Failure {
        let words = match self {
            DomainError::BadNumber(text) => {
                tr!(t, "err-bad-number", text = format!("{text:?}"))
            }
            DomainError::BadToken => tr!(t, "err-bad-token"),
        };
        Failure::refused(t, StatusCode::UNPROCESSABLE_ENTITY, words)
    }
}

impl Describe for SearchError {
    /// A search text the help desk typed (422).
    fn failure(&self, t: Tr) -> Failure {
        let words = match self {
            SearchError::TooLong => tr!(t, "err-search-too-long", max = SEARCH_MAX),
            SearchError::Control => tr!(t, "err-search-control"),
        };
        Failure::refused(t, StatusCode::UNPROCESSABLE_ENTITY, words)
    }
}

impl Describe for EventError {
    /// The event's settings an admin typed (422); field names stay the settings' names.
    fn failure(&self, t: Tr) -> Failure {
        let words = match self {
            EventError::Name { max } => tr!(t, "err-event-name", max = *max),
            EventError::Date { field, value } => tr!(
                t,
                "err-event-date",
                field = *field,
                value = format!("{value:?}")
            ),
            EventError::Time { field, value } => tr!(
                t,
                "err-event-time",
                field = *field,
                value = format!("{value:?}")
            ),
            EventError::EndsBeforeStart => tr!(t, "err-event-ends-before-start"),
            EventError::ClosesBeforeOpen => tr!(t, "err-event-closes-before-open"),
        };
        Failure::refused(t, StatusCode::UNPROCESSABLE_ENTITY, words)
    }
}

/// The message of a refusal in the language of the request being answered: for a page that
/// shows it above its form (`refuse(..., failure::for_page(&e))`).
pub fn for_page(e: &impl Describe) -> String {
    e.words(i18n::current())
}

/// `impl From<E> for $target` (as `$target::Failed`) for every error with a row in the table,
/// worded by the translator `$tr` (an expression evaluated at the conversion): the one list of
/// them, shared by the pages' and the API's error types.
macro_rules! answer_from_table {
    ($target:ident, $tr:expr) => {
        $crate::web::failure::answer_from_table!(@each $target, $tr;
            $crate::domain::numbering::ClaimError,
            $crate::domain::accounts::AccountError,
            $crate::domain::event::Closed,
            $crate::service::extensions::ClaimError,
            $crate::service::extensions::ExtensionError,
            $crate::service::handsets::MintError,
            $crate::service::handsets::DeleteHandsetError,
            $crate::service::helpdesk::HandOutError,
            $crate::service::users::AddUserError,
            $crate::service::users::SetPasswordError,
            $crate::service::users::DisableError,
            $crate::domain::routing::RoutingError,
            $crate::service::routing::RouteChangeError,
            $crate::service::conferences::RoomError,
        );
    };
    (@each $target:ident, $tr:expr; $($error:ty),* $(,)?) => {$(
        impl From<$error> for $target {
            fn from(e: $error) -> Self {
                $target::Failed($crate::web::failure::Describe::failure(&e, $tr))
            }
        }
    )*};
}
pub(crate) use answer_from_table;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;
    use crate::domain::routing::{Path, Setting};

    fn en() -> Tr {
        Tr::new(Lang::En)
    }

    fn de() -> Tr {
        Tr::new(Lang::De)
    }

    #[test]
    fn storage_words_never_reach_people() {
        let f =
            DbError::Conflict("UNIQUE constraint failed: extensions.token".into()).failure(en());
        assert_eq!(f.status, StatusCode::CONFLICT);
        assert!(
            !f.message.contains("UNIQUE") && !f.message.contains("extensions"),
            "{f:?}"
        );
        let f = DbError::Task("panicked at src/db".into()).failure(en());
        assert_eq!(
            (f.status, f.message.as_ref()),
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error; nothing was changed"
            )
        );
        assert_eq!(
            DbError::Busy.failure(en()).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn use_case_errors_keep_their_meaning() {
        let rule = ClaimError::Rule(ClaimRule::NotDigits("x".into())).failure(en());
        assert_eq!(rule.status, StatusCode::UNPROCESSABLE_ENTITY);
        let taken = ClaimError::Rule(ClaimRule::Taken("4711".into())).failure(en());
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.message.contains("4711"), "{taken:?}");
        let owner = ClaimError::UnknownOwner("bob".into()).failure(en());
        assert_eq!(owner.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Storage trouble inside a use case is answered like storage trouble anywhere.
        let busy = MintError::Db(DbError::Busy).failure(en());
        assert_eq!(busy, DbError::Busy.failure(en()));
        assert_eq!(
            MintError::Count.failure(en()).status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            MintError::RangeFull { free: 0 }.failure(en()).status,
            StatusCode::CONFLICT
        );
        let missing = ExtensionError::NotFound.failure(en());
        assert_eq!(
            (missing.status, missing.message.as_ref()),
            (StatusCode::NOT_FOUND, "Extension not found")
        );
        assert_eq!(
            DeleteHandsetError::NotFound.failure(en()).message,
            "Handset not found"
        );
        assert_eq!(
            AddUserError::Taken("ann".into()).failure(en()).status,
            StatusCode::CONFLICT
        );
        assert_eq!(
            DisableError::NotFound.failure(en()).message,
            "User not found"
        );
    }

    #[test]
    fn routing_refusals_say_what_is_wrong() {
        let cycle = RouteChangeError::Rule(RoutingError::Cycle(Path(vec![
            "500".into(),
            "501".into(),
            "500".into(),
        ])))
        .failure(en());
        assert_eq!(
            (cycle.status, cycle.message.as_ref()),
            (StatusCode::CONFLICT, "cycle: 500 → 501 → 500")
        );
        let unknown =
            RouteChangeError::Rule(RoutingError::UnknownMember("2999".into())).failure(en());
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.message.contains("2999"), "{unknown:?}");
        assert_eq!(
            RouteChangeError::MemberNotYours("2002".into())
                .failure(en())
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            RouteChangeError::NotFound("2001".into())
                .failure(en())
                .message,
            "Extension not found"
        );
        assert_eq!(
            RouteChangeError::Db(DbError::Busy).failure(en()),
            DbError::Busy.failure(en())
        );
    }

    fn s(text: &str) -> String {
        text.to_string()
    }

    fn closed() -> Vec<Closed> {
        vec![
            Closed::NotYet {
                event: s("Camp"),
                opens: s("2026-08-01 10:00"),
            },
            Closed::Over {
                event: s("Camp"),
                closed: s("2026-08-09 18:00"),
            },
        ]
    }

    fn accounts() -> Vec<AccountError> {
        vec![
            AccountError::BadUsername,
            AccountError::BadName,
            AccountError::PasswordTooShort,
            AccountError::PasswordTooLong,
            AccountError::PasswordGuessable,
            AccountError::BadRole(s("boss")),
        ]
    }

    fn rules() -> Vec<ClaimRule> {
        let mut rules = vec![
            ClaimRule::NotDigits(s("12a")),
            ClaimRule::Taken(s("4711")),
            ClaimRule::Reserved(s("1234")),
            ClaimRule::OutOfRange {
                number: s("1"),
                ranges: s("2000–8999"),
            },
            ClaimRule::OutOfRange {
                number: s("1"),
                ranges: s("none are open right now"),
            },
            ClaimRule::Temporary {
                number: s("9"),
                range: s("9000–9999"),
            },
            ClaimRule::Prefix {
                number: s("471"),
                other: s("4711"),
            },
            ClaimRule::Limit { max: 1 },
            ClaimRule::Limit { max: 3 },
        ];
        for what in [
            "the info code",
            "the echo test code",
            "the registration code",
            "the group pause code",
            "the forwarding code",
            "the do-not-disturb code",
            "the emergency number",
            "the help desk number",
        ] {
            rules.push(ClaimRule::Fixed {
                number: s("11"),
                fixed: s("112"),
                what: s(what),
            });
        }
        rules
    }

    fn routing() -> Vec<RoutingError> {
        use Setting::*;
        let mut all = vec![
            RoutingError::UnknownMember(s("2999")),
            RoutingError::OwnMember(s("500")),
            RoutingError::DuplicateMember(s("2001")),
            RoutingError::Cycle(Path(vec![s("500"), s("501"), s("500")])),
            RoutingError::TooDeep(Path(vec![s("500"), s("501")])),
            RoutingError::Delay {
                member: s("2001"),
                delay: 400,
            },
            RoutingError::RingTimeout(2),
            RoutingError::AfterWithoutTarget,
            RoutingError::NotAGroup(s("2001")),
        ];
        let settings = [
            Always,
            AlwaysAfter,
            Busy,
            NoAnswer,
            NoAnswerAfter,
            Unavailable,
            Fallback,
            CallWaiting,
            RingTimeout,
        ];
        for setting in settings {
            all.extend([
                RoutingError::After {
                    setting,
                    seconds: 0,
                },
                RoutingError::TargetNotAllowed {
                    setting,
                    target: s("9001"),
                },
                RoutingError::TargetIsItself {
                    setting,
                    target: s("2001"),
                },
                RoutingError::NotForGroups(setting),
                RoutingError::GroupsOnly(setting),
            ]);
        }
        all
    }

    fn refusals() -> Vec<Refusal> {
        vec![
            Refusal::BadTemporaryRange,
            Refusal::TemporaryRangeFull,
            Refusal::NoFreeToken,
            Refusal::NotAHandset(s("2001")),
            Refusal::HandsetBound(s("2001")),
            Refusal::NoHandsetBound(s("2001")),
            Refusal::ChangedMeanwhile(s("2001")),
            Refusal::EntryNameMissing,
            Refusal::EntryNameInvalid { max: 60 },
            Refusal::EntryNumberInvalid { max: 32 },
            Refusal::EntryExists(s("0711")),
            Refusal::KeyNameInvalid,
            Refusal::KeyExists(s("ci")),
            Refusal::BrowserPhoneExists(s("2001")),
            Refusal::NoBrowserPhone(s("2001")),
            Refusal::GroupHasNoPhone(s("500")),
            Refusal::RoomHasNoPhone(s("2060")),
        ]
    }

    /// Every variant of every error in the table, with its `Display` text where the web's
    /// English words are that text (the CLI's and the API's words stay one).
    fn everything() -> Vec<(Failure, Option<String>)> {
        fn one(e: &(impl Describe + std::fmt::Display), t: Tr) -> (Failure, Option<String>) {
            (e.failure(t), Some(e.to_string()))
        }
        fn all(t: Tr) -> Vec<(Failure, Option<String>)> {
            let mut out = Vec::new();
            for r in refusals() {
                out.push((DbError::Refused(r.clone()).failure(t), Some(r.to_string())));
            }
            for e in [
                DbError::NotFound,
                DbError::Busy,
                DbError::Conflict(s("UNIQUE")),
                DbError::Task(s("panic")),
            ] {
                out.push((e.failure(t), None));
            }
            for rule in rules() {
                out.push(one(&ClaimError::Rule(rule.clone()), t));
                out.push(one(&RouteChangeError::Claim(rule), t));
            }
            for c in closed() {
                out.push(one(&ClaimError::Closed(c.clone()), t));
                out.push(one(&AddUserError::Closed(c), t));
            }
            for a in accounts() {
                out.push(one(&AddUserError::Invalid(a.clone()), t));
                out.push(one(&SetPasswordError::Invalid(a), t));
            }
            for r in routing() {
                out.push(one(&RouteChangeError::Rule(r), t));
            }
            out.push(one(&ClaimError::UnknownOwner(s("bob")), t));
            out.push(one(&ExtensionError::NotFound, t));
            out.push(one(&ExtensionError::NoSipPassword(s("2001")), t));
            let routes = [
                RouteChangeError::NotFound(s("2001")),
                RouteChangeError::NotAGroup(s("2001")),
                RouteChangeError::UnknownOwner(s("bob")),
                RouteChangeError::MemberNotYours(s("2002")),
                RouteChangeError::NoInvitation {
                    group: s("500"),
                    member: s("2001"),
                },
                RouteChangeError::NotAMember {
                    group: s("500"),
                    member: s("2001"),
                },
            ];
            for r in routes {
                out.push(one(&r, t));
            }
            for m in [
                MintError::Count,
                MintError::RangeFull { free: 0 },
                MintError::RangeFull { free: 1 },
                MintError::RangeFull { free: 5 },
            ] {
                out.push(one(&m, t));
            }
            out.push(one(&DeleteHandsetError::NotFound, t));
            for h in [
                HandOutError::NoExtension,
                HandOutError::NotWaiting(s("2001")),
                HandOutError::NoLoaner(s("9001")),
                HandOutError::Closed,
                HandOutError::LockedOut,
            ] {
                out.push(one(&h, t));
            }
            out.push(one(&AddUserError::Taken(s("ann")), t));
            out.push((SetPasswordError::NoSuchUser(s("ann")).failure(t), None));
            out.push(one(&DisableError::NotFound, t));
            out.push(one(&DisableError::Yourself, t));
            out.push(one(&DomainError::BadNumber(s("12a")), t));
            out.push(one(&DomainError::BadToken, t));
            out.push(one(&SearchError::TooLong, t));
            out.push(one(&SearchError::Control, t));
            for e in [
                EventError::Name { max: 100 },
                EventError::Date {
                    field: "starts_on",
                    value: s("soon"),
                },
                EventError::Time {
                    field: "registration_opens",
                    value: s("later"),
                },
                EventError::EndsBeforeStart,
                EventError::ClosesBeforeOpen,
            ] {
                out.push(one(&e, t));
            }
            out
        }
        let (en, de) = (all(en()), all(de()));
        assert_eq!(en.len(), de.len());
        en.into_iter()
            .zip(de)
            .flat_map(|((en, display), (de, _))| [(en, display), (de, None)])
            .collect()
    }

    #[test]
    fn every_refusal_has_words_in_both_languages() {
        let all = everything();
        assert!(all.len() > 100, "{}", all.len());
        for pair in all.chunks(2) {
            let ((en, display), (de, _)) = (&pair[0], &pair[1]);
            assert_eq!(en.status, de.status, "{en:?} / {de:?}");
            for f in [en, de] {
                assert!(
                    !f.message.contains(i18n::MISSING_OPEN)
                        && !f.title.contains(i18n::MISSING_OPEN),
                    "{f:?}"
                );
                assert!(!f.message.trim().is_empty(), "{f:?}");
            }
            assert_ne!(en.message, de.message, "German words differ: {de:?}");
            assert_ne!(en.title, de.title, "German title differs: {de:?}");
            if let Some(display) = display {
                assert_eq!(
                    &en.message, display,
                    "the English words are the Display text"
                );
            }
        }
    }

    #[test]
    fn german_words_carry_the_data_and_plurals() {
        let cycle = RoutingError::Cycle(Path(vec![s("500"), s("501"), s("500")])).failure(de());
        assert_eq!(cycle.message, "Schleife: 500 → 501 → 500");
        assert_eq!(cycle.title, "Das hat nicht geklappt");
        let taken = ClaimRule::Taken(s("4711")).words(de());
        assert_eq!(taken, "4711 ist schon vergeben. Such dir eine andere aus.");
        let one = ClaimRule::Limit { max: 1 }.words(de());
        let three = ClaimRule::Limit { max: 3 }.words(de());
        assert!(
            one.contains("eine Nebenstelle") && three.contains("3 Nebenstellen"),
            "{one} / {three}"
        );
        let fixed = ClaimRule::Fixed {
            number: s("11"),
            fixed: s("112"),
            what: s("the emergency number"),
        }
        .words(de());
        assert!(fixed.contains("der Notrufnummer 112"), "{fixed}");
        let none = ClaimRule::OutOfRange {
            number: s("1"),
            ranges: s("none are open right now"),
        };
        assert!(
            none.words(de()).contains("gerade ist keiner offen"),
            "{}",
            none.words(de())
        );
        let short = AccountError::PasswordTooShort.words(de());
        assert!(short.contains("mindestens 10 Zeichen"), "{short}");
        let busy = RoutingError::TargetIsItself {
            setting: Setting::Busy,
            target: s("2001"),
        };
        assert!(
            busy.words(de()).contains("bei besetzt"),
            "{}",
            busy.words(de())
        );
    }
}
