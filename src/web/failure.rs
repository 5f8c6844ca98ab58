//! The one table from domain, storage and use-case errors to an HTTP status and a message
//! for people. The pages (`web::error`) and the API (`web::api::error`) both answer from it,
//! so a refusal reads and counts the same in a browser and in a script; they differ only in
//! the wrapping (a page or `{"detail": ...}`).

use std::borrow::Cow;

use axum::http::StatusCode;

use crate::db::{DbError, Refusal};
use crate::domain::numbering::ClaimError as ClaimRule;
use crate::domain::routing::RoutingError;
use crate::service::conferences::RoomError;
use crate::service::extensions::{ClaimError, ExtensionError};
use crate::service::handsets::{DeleteHandsetError, MintError};
use crate::service::helpdesk::HandOutError;
use crate::service::routing::RouteChangeError;
use crate::service::users::{AddUserError, DisableError, SetPasswordError};

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

/// The message of every 500: the cause is logged, not shown.
pub const INTERNAL: &str = "Internal error; nothing was changed";
/// The message of a busy database.
pub const BUSY: &str = "The database is busy; nothing was changed, try again";

impl Failure {
    fn new(status: StatusCode, title: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Failure {
            status,
            title: title.into(),
            message: message.into(),
        }
    }

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

    fn refused(status: StatusCode, message: String) -> Self {
        Failure::new(status, "That did not work", message)
    }

    /// 404 with a message naming what is missing.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Failure::new(StatusCode::NOT_FOUND, "Not found", message)
    }
}

/// The words for each refusal of the database layer: shown by pages and the API, and printed
/// by the CLI (through `DbError`'s `Display`).
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
        }
    }
}

/// An error that has a row in the table.
pub trait Describe {
    /// Its status and message. Internal causes are logged here, once.
    fn failure(&self) -> Failure;
}

impl Describe for DbError {
    fn failure(&self) -> Failure {
        match self {
            DbError::NotFound => Failure::not_found(
                "There is nothing here. The link may be old, or the thing was deleted.",
            ),
            DbError::Busy => Failure::new(StatusCode::SERVICE_UNAVAILABLE, "Busy", BUSY),
            DbError::Refused(refusal) => {
                Failure::refused(StatusCode::CONFLICT, refusal.to_string())
            }
            DbError::Conflict(cause) => {
                // SQLite's constraint text names tables and columns: log it, say something
                // useful instead. It means a concurrent change won the race.
                tracing::warn!(error = %cause, "write refused by a constraint");
                Failure::new(
                    StatusCode::CONFLICT,
                    "Changed meanwhile",
                    "Changed at the same time by someone else, so nothing was changed. \
                     Reload and try again.",
                )
            }
            cause => {
                tracing::error!(error = %cause, "request failed");
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    INTERNAL,
                )
            }
        }
    }
}

impl Describe for ClaimRule {
    /// The shape and range of a number are bad input (422); a clash with what exists or is
    /// configured is a conflict (409). The message says which.
    fn failure(&self) -> Failure {
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
        Failure::refused(status, self.to_string())
    }
}

impl Describe for ClaimError {
    fn failure(&self) -> Failure {
        match self {
            ClaimError::Rule(rule) => rule.failure(),
            ClaimError::UnknownOwner(_) => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            ClaimError::Closed(_) => Failure::refused(StatusCode::FORBIDDEN, self.to_string()),
            ClaimError::Db(e) => e.failure(),
        }
    }
}

impl Describe for ExtensionError {
    fn failure(&self) -> Failure {
        match self {
            ExtensionError::NotFound => Failure::not_found(self.to_string()),
            ExtensionError::NoSipPassword(_) => {
                Failure::refused(StatusCode::CONFLICT, self.to_string())
            }
            ExtensionError::Db(e) => e.failure(),
        }
    }
}

impl Describe for RoutingError {
    /// A loop or too deep a nesting is a conflict with the groups as they are (409); a bad
    /// value, an unknown member or a target one may not forward to is bad input (422).
    fn failure(&self) -> Failure {
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
        Failure::refused(status, self.to_string())
    }
}

impl Describe for RouteChangeError {
    fn failure(&self) -> Failure {
        match self {
            RouteChangeError::NotFound(_)
            | RouteChangeError::NoInvitation { .. }
            | RouteChangeError::NotAMember { .. } => Failure::not_found(self.to_string()),
            RouteChangeError::NotAGroup(_) => {
                Failure::refused(StatusCode::CONFLICT, self.to_string())
            }
            RouteChangeError::Rule(rule) => rule.failure(),
            RouteChangeError::Claim(rule) => rule.failure(),
            RouteChangeError::UnknownOwner(_) => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            RouteChangeError::MemberNotYours(_) => {
                Failure::refused(StatusCode::FORBIDDEN, self.to_string())
            }
            RouteChangeError::Db(e) => e.failure(),
        }
    }
}

impl Describe for RoomError {
    fn failure(&self) -> Failure {
        match self {
            RoomError::NotFound(_) => Failure::not_found(self.to_string()),
            RoomError::Settings(_) => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            RoomError::Claim(rule) => rule.failure(),
            RoomError::Db(e) => e.failure(),
        }
    }
}

impl Describe for MintError {
    fn failure(&self) -> Failure {
        match self {
            MintError::Count => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            MintError::RangeFull { .. } => Failure::refused(StatusCode::CONFLICT, self.to_string()),
            MintError::Db(e) => e.failure(),
        }
    }
}

impl Describe for DeleteHandsetError {
    fn failure(&self) -> Failure {
        match self {
            DeleteHandsetError::NotFound => Failure::not_found(self.to_string()),
            DeleteHandsetError::Db(e) => e.failure(),
        }
    }
}

impl Describe for HandOutError {
    fn failure(&self) -> Failure {
        match self {
            HandOutError::NoExtension => Failure::not_found(self.to_string()),
            HandOutError::NotWaiting(_) | HandOutError::LockedOut => {
                Failure::refused(StatusCode::CONFLICT, self.to_string())
            }
            HandOutError::NoLoaner(_) => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            HandOutError::Closed => Failure::refused(StatusCode::FORBIDDEN, self.to_string()),
            HandOutError::Db(e) => e.failure(),
        }
    }
}

impl Describe for AddUserError {
    fn failure(&self) -> Failure {
        match self {
            AddUserError::Invalid(_) => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            AddUserError::Taken(_) => Failure::refused(StatusCode::CONFLICT, self.to_string()),
            AddUserError::Closed(_) => Failure::refused(StatusCode::FORBIDDEN, self.to_string()),
            AddUserError::Db(e) => e.failure(),
        }
    }
}

impl Describe for SetPasswordError {
    fn failure(&self) -> Failure {
        match self {
            SetPasswordError::NoSuchUser(_) => Failure::not_found("User not found"),
            SetPasswordError::Invalid(_) => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            SetPasswordError::Db(e) => e.failure(),
        }
    }
}

impl Describe for DisableError {
    fn failure(&self) -> Failure {
        match self {
            DisableError::NotFound => Failure::not_found(self.to_string()),
            DisableError::Yourself => {
                Failure::refused(StatusCode::UNPROCESSABLE_ENTITY, self.to_string())
            }
            DisableError::Db(e) => e.failure(),
        }
    }
}

/// `impl From<E> for $target` (as `$target::Failed`) for every error with a row in the table:
/// the one list of them, shared by the pages' and the API's error types.
macro_rules! answer_from_table {
    ($target:ident) => {
        $crate::web::failure::answer_from_table!(@each $target;
            $crate::domain::numbering::ClaimError,
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
    (@each $target:ident; $($error:ty),* $(,)?) => {$(
        impl From<$error> for $target {
            fn from(e: $error) -> Self {
                $target::Failed($crate::web::failure::Describe::failure(&e))
            }
        }
    )*};
}
pub(crate) use answer_from_table;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_words_never_reach_people() {
        let f = DbError::Conflict("UNIQUE constraint failed: extensions.token".into()).failure();
        assert_eq!(f.status, StatusCode::CONFLICT);
        assert!(
            !f.message.contains("UNIQUE") && !f.message.contains("extensions"),
            "{f:?}"
        );
        let f = DbError::Task("panicked at src/db".into()).failure();
        assert_eq!(
            (f.status, f.message.as_ref()),
            (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
        );
        assert_eq!(
            DbError::Busy.failure().status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn use_case_errors_keep_their_meaning() {
        let rule = ClaimError::Rule(ClaimRule::NotDigits("x".into())).failure();
        assert_eq!(rule.status, StatusCode::UNPROCESSABLE_ENTITY);
        let taken = ClaimError::Rule(ClaimRule::Taken("4711".into())).failure();
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.message.contains("4711"), "{taken:?}");
        let owner = ClaimError::UnknownOwner("bob".into()).failure();
        assert_eq!(owner.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Storage trouble inside a use case is answered like storage trouble anywhere.
        let busy = MintError::Db(DbError::Busy).failure();
        assert_eq!(busy, DbError::Busy.failure());
        assert_eq!(
            MintError::Count.failure().status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            MintError::RangeFull { free: 0 }.failure().status,
            StatusCode::CONFLICT
        );
        let missing = ExtensionError::NotFound.failure();
        assert_eq!(
            (missing.status, missing.message.as_ref()),
            (StatusCode::NOT_FOUND, "Extension not found")
        );
        assert_eq!(
            DeleteHandsetError::NotFound.failure().message,
            "Handset not found"
        );
        assert_eq!(
            AddUserError::Taken("ann".into()).failure().status,
            StatusCode::CONFLICT
        );
        assert_eq!(DisableError::NotFound.failure().message, "User not found");
    }

    #[test]
    fn routing_refusals_say_what_is_wrong() {
        use crate::domain::routing::Path;
        let cycle = RouteChangeError::Rule(RoutingError::Cycle(Path(vec![
            "500".into(),
            "501".into(),
            "500".into(),
        ])))
        .failure();
        assert_eq!(
            (cycle.status, cycle.message.as_ref()),
            (StatusCode::CONFLICT, "cycle: 500 → 501 → 500")
        );
        let unknown = RouteChangeError::Rule(RoutingError::UnknownMember("2999".into())).failure();
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.message.contains("2999"), "{unknown:?}");
        assert_eq!(
            RouteChangeError::MemberNotYours("2002".into())
                .failure()
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            RouteChangeError::NotFound("2001".into()).failure().message,
            "Extension not found"
        );
        assert_eq!(
            RouteChangeError::Db(DbError::Busy).failure(),
            DbError::Busy.failure()
        );
    }
}
