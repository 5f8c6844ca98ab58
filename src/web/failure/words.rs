//! The words of each refusal, in the reader's language: one Fluent message per variant
//! (`locales/*/errors.ftl`), its data as placeables. The English messages are the errors'
//! `Display` texts (the CLI's words), so the API, which answers in English, reads as before;
//! the tests in `web::failure` hold the two together.

use crate::db::Refusal;
use crate::domain::accounts::{AccountError, MAX_PASSWORD, MIN_PASSWORD};
use crate::domain::event::Closed;
use crate::domain::numbering::ClaimError as ClaimRule;
use crate::domain::routing::{RoutingError, Setting, MAX_DEPTH};
use crate::tr;
use crate::web::i18n::Tr;

/// Text the person typed or named, quoted and escaped as the `Display` texts show it (`{:?}`),
/// so control characters cannot reach the page raw.
fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// The storage layer's refusals.
pub(super) fn refusal(t: Tr, r: &Refusal) -> String {
    match r {
        Refusal::BadTemporaryRange => tr!(t, "err-bad-temporary-range"),
        Refusal::TemporaryRangeFull => tr!(t, "err-temporary-range-full"),
        Refusal::NoFreeToken => tr!(t, "err-no-free-token"),
        Refusal::NotAHandset(n) => tr!(t, "err-not-a-handset", number = n),
        Refusal::HandsetBound(n) => tr!(t, "err-handset-bound", number = n),
        Refusal::NoHandsetBound(n) => tr!(t, "err-no-handset-bound", number = n),
        Refusal::ChangedMeanwhile(n) => tr!(t, "err-extension-changed", number = n),
        Refusal::EntryNameMissing => tr!(t, "err-entry-name-missing"),
        Refusal::EntryNameInvalid { max } => tr!(t, "err-entry-name-invalid", max = *max),
        Refusal::EntryNumberInvalid { max } => tr!(t, "err-entry-number-invalid", max = *max),
        Refusal::EntryExists(n) => tr!(t, "err-entry-exists", number = n),
        Refusal::KeyNameInvalid => tr!(t, "err-key-name-invalid"),
        Refusal::KeyExists(name) => tr!(t, "err-key-exists", name = quoted(name)),
        Refusal::BrowserPhoneExists(n) => tr!(t, "phone-err-exists", number = n),
        Refusal::NoBrowserPhone(n) => tr!(t, "phone-err-none", number = n),
        Refusal::GroupHasNoPhone(n) => tr!(t, "phone-err-group", number = n),
        Refusal::RoomHasNoPhone(n) => tr!(t, "phone-err-room", number = n),
    }
}

/// The numbering rules' refusals.
pub(super) fn claim_rule(t: Tr, rule: &ClaimRule) -> String {
    match rule {
        ClaimRule::NotDigits(text) => tr!(t, "err-claim-not-digits", text = quoted(text)),
        ClaimRule::Taken(n) => tr!(t, "err-claim-taken", number = n),
        ClaimRule::Reserved(n) => tr!(t, "err-claim-reserved", number = n),
        ClaimRule::OutOfRange { number, ranges } => tr!(
            t,
            "err-claim-out-of-range",
            number = number,
            ranges = claimable(t, ranges)
        ),
        ClaimRule::Fixed {
            number,
            fixed,
            what,
        } => tr!(
            t,
            "err-claim-fixed",
            number = number,
            what = fixed_what(t, what),
            fixed = fixed
        ),
        ClaimRule::Temporary { number, range } => {
            tr!(t, "err-claim-temporary", number = number, range = range)
        }
        ClaimRule::Prefix { number, other } => {
            tr!(t, "err-claim-prefix", number = number, other = other)
        }
        ClaimRule::Limit { max } => tr!(t, "err-claim-limit", max = *max),
    }
}

/// The claimable ranges as `numbering::Plan::describe_ranges` words them: numbers, or (in
/// English) that none are open.
fn claimable(t: Tr, ranges: &str) -> String {
    if ranges == "none are open right now" {
        tr!(t, "err-claim-no-ranges")
    } else {
        ranges.to_string()
    }
}

/// What a number of the settings file is, as `config::Settings::numbering_plan` names it in
/// English; anything else (a future kind) is shown as it is.
fn fixed_what(t: Tr, what: &str) -> String {
    match what {
        "the info code" => tr!(t, "err-fixed-info"),
        "the echo test code" => tr!(t, "err-fixed-echo"),
        "the registration code" => tr!(t, "err-fixed-registration"),
        "the group pause code" => tr!(t, "err-fixed-group-pause"),
        "the forwarding code" => tr!(t, "err-fixed-forwarding"),
        "the do-not-disturb code" => tr!(t, "err-fixed-dnd"),
        "the emergency number" => tr!(t, "err-fixed-emergency"),
        "the help desk number" => tr!(t, "err-fixed-helpdesk"),
        other => other.to_string(),
    }
}

/// Registration is closed.
pub(super) fn closed(t: Tr, c: &Closed) -> String {
    match c {
        Closed::NotYet { event, opens } => {
            tr!(t, "err-closed-not-yet", event = event, opens = opens)
        }
        Closed::Over { event, closed } => {
            tr!(t, "err-closed-over", event = event, closed = closed)
        }
    }
}

/// Bad account input.
pub(super) fn account(t: Tr, e: &AccountError) -> String {
    match e {
        AccountError::BadUsername => tr!(t, "err-account-bad-username"),
        AccountError::BadName => tr!(t, "err-account-bad-name"),
        AccountError::PasswordTooShort => tr!(t, "err-account-password-short", min = MIN_PASSWORD),
        AccountError::PasswordTooLong => tr!(t, "err-account-password-long", max = MAX_PASSWORD),
        AccountError::PasswordGuessable => tr!(t, "err-account-password-guessable"),
        AccountError::BadRole(role) => tr!(t, "err-account-bad-role", role = quoted(role)),
    }
}

/// A routing setting, as the routing refusals name it.
fn setting(t: Tr, s: Setting) -> String {
    match s {
        Setting::Always => tr!(t, "err-setting-always"),
        Setting::AlwaysAfter => tr!(t, "err-setting-always-after"),
        Setting::Busy => tr!(t, "err-setting-busy"),
        Setting::NoAnswer => tr!(t, "err-setting-no-answer"),
        Setting::NoAnswerAfter => tr!(t, "err-setting-no-answer-after"),
        Setting::Unavailable => tr!(t, "err-setting-unavailable"),
        Setting::Fallback => tr!(t, "err-setting-fallback"),
        Setting::CallWaiting => tr!(t, "err-setting-call-waiting"),
        Setting::RingTimeout => tr!(t, "err-setting-ring-timeout"),
    }
}

/// The routing rules' refusals.
pub(super) fn routing(t: Tr, e: &RoutingError) -> String {
    match e {
        RoutingError::UnknownMember(n) => tr!(t, "err-route-unknown-member", number = n),
        RoutingError::OwnMember(n) => tr!(t, "err-route-own-member", number = n),
        RoutingError::DuplicateMember(n) => tr!(t, "err-route-duplicate-member", number = n),
        RoutingError::Cycle(path) => tr!(t, "err-route-cycle", path = path.to_string()),
        RoutingError::TooDeep(path) => tr!(
            t,
            "err-route-too-deep",
            max = MAX_DEPTH,
            path = path.to_string()
        ),
        RoutingError::Delay { member, delay } => {
            tr!(t, "err-route-delay", delay = *delay, member = member)
        }
        RoutingError::RingTimeout(seconds) => {
            tr!(t, "err-route-ring-timeout", seconds = *seconds)
        }
        RoutingError::After {
            setting: s,
            seconds,
        } => tr!(
            t,
            "err-route-after",
            setting = setting(t, *s),
            seconds = *seconds
        ),
        RoutingError::AfterWithoutTarget => tr!(t, "err-route-after-without-target"),
        RoutingError::TargetNotAllowed { setting: s, target } => tr!(
            t,
            "err-route-target-not-allowed",
            setting = setting(t, *s),
            target = target
        ),
        RoutingError::TargetIsItself { setting: s, target } => tr!(
            t,
            "err-route-target-is-itself",
            setting = setting(t, *s),
            target = target
        ),
        RoutingError::NotForGroups(s) => {
            tr!(t, "err-route-not-for-groups", setting = setting(t, *s))
        }
        RoutingError::GroupsOnly(s) => tr!(t, "err-route-groups-only", setting = setting(t, *s)),
        RoutingError::NotAGroup(n) => not_a_group(t, n),
        RoutingError::ConferenceRoom(n) => tr!(t, "err-route-conference-room", number = n),
        RoutingError::RoomAsMember(n) => tr!(t, "err-route-room-as-member", number = n),
    }
}

/// Members of something that is no group.
pub(super) fn not_a_group(t: Tr, number: &str) -> String {
    tr!(t, "err-not-a-group", number = number)
}

/// A user name that names nobody.
pub(super) fn unknown_user(t: Tr, name: &str) -> String {
    tr!(t, "err-unknown-user", name = quoted(name))
}
