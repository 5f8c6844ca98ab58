//! `/events`: Server-Sent Events of changes, for services that keep a copy (a DECT syncer,
//! provisioning, dashboards), replayed from the outbox table (`db::outbox`).
//!
//! A client that reconnects with `Last-Event-ID` (or `?after=`) first gets every event it
//! missed, in order, then live ones. Events are kept 24 h; a client whose position is older,
//! or who gives none, first gets a `reset` event: it resynchronises from the list routes and
//! continues from that event's id. Writes of this process wake the stream at once
//! (`Db::subscribe_writes`); writes of other processes (the CLI) are seen within
//! [`FALLBACK_CHECK`].

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::Event;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiKey, ApiQuery};
use super::{ApiError, TAG_EVENTS};
use crate::db::outbox::{self, OutboxEvent, Since};
use crate::db::Db;
use crate::web::sse::{self, Turn};
use crate::web::sse_access::Holder;
use crate::web::state::AppState;

/// How often a waiting stream looks for events written by other processes, which cannot wake
/// it directly.
pub const FALLBACK_CHECK: Duration = Duration::from_secs(1);

/// Events read from the database at a time while catching up.
const BATCH: u32 = 500;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Where to start the stream.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Continue after this event id. The `Last-Event-ID` header, which an EventSource sends
    /// when it reconnects, takes precedence. Without either, the stream starts with a `reset`
    /// event (reason `start`) at the newest event.
    #[param(minimum = 0, maximum = 9223372036854775807_i64)]
    pub after: Option<u64>,
    /// `false`: end the stream once caught up, for clients that poll. Default `true`: stay
    /// open and send live events.
    pub follow: Option<bool>,
}

/// One event, as the JSON `data:` line of an SSE event. The SSE `id:` is the same `id`, the
/// SSE `event:` the same `type`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamEvent {
    /// Increases with every event; reconnect with it as `Last-Event-ID` (or `?after=`).
    #[schema(example = 42)]
    pub id: i64,
    /// What happened: `extension.created`, `extension.updated`, `extension.deleted`,
    /// `handset.bound`, `handset.unbound`, `group.member_added`, `group.member_updated`,
    /// `group.member_removed`, `group.invitation_created`, `group.invitation_removed`,
    /// `routing.updated`, `registration`, `alarm.token_guessing` or `reset`.
    /// Ignore types you do not know; more may come.
    #[serde(rename = "type")]
    #[schema(example = "extension.created")]
    pub kind: String,
    /// When it was recorded (Unix seconds).
    pub at: i64,
    /// The extension number (`extension.*`, `handset.*`, `routing.*`), the group's number
    /// (`group.*`), the endpoint id (`registration`),
    /// `token_attempts` (`alarm.token_guessing`), or empty (`reset`).
    #[schema(example = "4711")]
    pub subject: String,
    /// The fields of this type of event.
    pub data: EventData,
}

/// The fields of an event, by its `type`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EventData {
    /// `extension.created`, `extension.updated`.
    Extension(ExtensionEventData),
    /// `extension.deleted`.
    Deleted(DeletedEventData),
    /// `handset.bound`, `handset.unbound`.
    Handset(HandsetEventData),
    /// `registration`.
    Registration(RegistrationEventData),
    /// `reset`.
    Reset(ResetEventData),
    /// `alarm.token_guessing`.
    Alarm(AlarmEventData),
    /// `group.member_added`, `group.member_updated`.
    Member(MemberEventData),
    /// `group.invitation_created`.
    Invitation(InvitationEventData),
    /// `group.member_removed`, `group.invitation_removed`.
    MemberGone(MemberGoneEventData),
    /// `routing.updated`.
    Routing(RoutingEventData),
}

/// A membership of a group as it is after the change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberEventData {
    /// The group.
    pub group: String,
    /// The member (an extension or group).
    pub member: String,
    /// Seconds before it rings.
    pub delay: i64,
    /// False: paused.
    pub active: bool,
}

/// A pending invitation into a group.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationEventData {
    /// The group.
    pub group: String,
    /// The invited extension or group.
    pub member: String,
    /// Its delay once it accepts.
    pub delay: i64,
}

/// A membership or invitation that no longer exists (left, removed, accepted or declined).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberGoneEventData {
    /// The group.
    pub group: String,
    /// The member.
    pub member: String,
}

/// Forwarding as it is after the change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardEventData {
    /// Always to this number.
    pub always: Option<String>,
    /// ... after this many seconds of ringing.
    pub always_after: Option<i64>,
    /// On busy and DND.
    pub busy: Option<String>,
    /// On no answer.
    pub no_answer: Option<String>,
    /// Seconds before `no_answer`.
    pub no_answer_after: i64,
    /// When nothing could ring.
    pub unavailable: Option<String>,
}

/// The routing settings of an extension or group after a change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingEventData {
    /// The extension or group.
    pub number: String,
    /// Do-not-disturb.
    pub dnd: bool,
    /// Call waiting.
    pub call_waiting: bool,
    /// Forwarding.
    pub forward: ForwardEventData,
    /// Groups: seconds the members ring.
    pub ring_timeout: i64,
    /// Groups: where an unanswered call goes.
    pub fallback: Option<String>,
}

/// The global token guard raised or cleared its alarm: more failed registration tokens
/// across all handsets within the window than the threshold (settings `calls.token_guard_*`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmEventData {
    /// `true`: raised; `false`: cleared because the rate dropped.
    pub active: bool,
    /// Failed tokens within the window when it changed.
    pub failures: i64,
    /// More than this many within the window raise the alarm.
    pub threshold: i64,
    /// The window, in minutes.
    pub window_minutes: i64,
}

/// An extension as it is after the change (never its token or password).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionEventData {
    /// The number.
    pub number: String,
    /// Phonebook name.
    pub name: String,
    /// `sip` or `handset`.
    pub kind: String,
    /// Listed in the public phonebook.
    pub public: bool,
    /// The owner's username, if a person owns it.
    pub owner: Option<String>,
    /// A handset is bound (always false for SIP extensions).
    pub bound: bool,
    /// The SIP username of the device that rings, if any.
    pub sip_username: Option<String>,
}

/// An extension that no longer exists.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeletedEventData {
    /// The number, now free.
    pub number: String,
    /// Its last name.
    pub name: String,
    /// `sip` or `handset`.
    pub kind: String,
}

/// A handset bound to, or released from, a handset extension.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandsetEventData {
    /// The extension.
    pub number: String,
    /// The extension's name.
    pub name: String,
    /// The handset's SIP username (on unbind: the handset that left, now a temporary handset
    /// again unless it was deleted).
    pub sip_username: String,
}

/// An endpoint went online or offline, as Asterisk reports it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationEventData {
    /// The PJSIP endpoint id (the device's SIP username).
    pub endpoint: String,
    /// Its extension number, else its temporary number, if it has one.
    pub number: Option<String>,
    /// `number` is a temporary handset number.
    pub temporary: bool,
    /// `online`, `offline` or `unknown`.
    pub status: String,
    /// Asterisk's last contact status (`Reachable`, `Unreachable`, `Removed`, ...), if known.
    pub contact_status: Option<String>,
    /// The contact URI, if known.
    pub uri: Option<String>,
}

/// Your copy may be incomplete: rebuild it from the list routes (`GET /extensions`, ...),
/// then apply the events that follow. Events carry whole states, so applying one your
/// snapshot already contains is harmless.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetEventData {
    /// `start`: no position was given; `expired`: events after it were pruned (they are kept
    /// 24 h); `unknown`: the position is newer than any event here (another or a restored
    /// database).
    #[schema(example = "expired")]
    pub reason: String,
}

/// Stream changes as Server-Sent Events.
///
/// Types: `extension.created`, `extension.updated` (name, listing or owner changed),
/// `extension.deleted`, `handset.bound`, `handset.unbound`, `group.member_added`,
/// `group.member_updated`, `group.member_removed`, `group.invitation_created`,
/// `group.invitation_removed`, `routing.updated` (forwarding, DND, call waiting, a group's
/// ring timeout or fallback), `registration` (an endpoint went
/// online or offline), `alarm.token_guessing` (too many failed registration tokens across all
/// handsets, raised or cleared), and `reset` (resynchronise). Each SSE event has `id:` (increasing),
/// `event:` (the type) and one `data:` line holding a `StreamEvent` as JSON. Reconnect with
/// `Last-Event-ID` to get exactly what you missed (kept 24 h). Comment lines keep an idle
/// stream alive.
#[utoipa::path(
    get, path = "/events", tag = TAG_EVENTS,
    security(("bearer" = [])),
    params(
        EventsQuery,
        ("Last-Event-ID" = Option<String>, Header,
         description = "The id of the last event received; continue after it"),
    ),
    responses(
        (status = 200, description = "An endless stream of events (`follow=false`: until \
                                      caught up); each `data:` line is a StreamEvent",
         body = StreamEvent, content_type = "text/event-stream"),
    )
)]
async fn events(
    State(state): State<AppState>,
    key: ApiKey,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Response, ApiError> {
    let after = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::BadRequest("Last-Event-ID is not an event id of this server".into())
                })?,
        ),
        None => query.after,
    };
    let after = after
        .map(i64::try_from)
        .transpose()
        .map_err(|_| ApiError::Unprocessable("after is too large".into()))?;
    tracing::debug!(api_key = %key.name, ?after, "events stream opened");
    let cursor = Cursor {
        db: state.db.clone(),
        after,
        follow: query.follow.unwrap_or(true),
    };
    let wakes = sse::Wakes {
        on: vec![state.db.subscribe_writes()],
        settle: Duration::ZERO,
        fallback: Some(FALLBACK_CHECK),
    };
    // Within seconds of the key's revocation (by the API, the admin page or the CLI).
    let lifetime = sse::Lifetime {
        db: state.db,
        holder: Holder::Key(key.id),
        stopping: state.stopping,
    };
    Ok(sse::respond(cursor, wakes, lifetime))
}

/// One client's position in the outbox.
struct Cursor {
    db: Db,
    /// The last event sent; `None` before the first read when the client gave no position.
    after: Option<i64>,
    follow: bool,
}

impl sse::Feed for Cursor {
    /// The events after the position, a batch at a time. The stream ends on shutdown, with
    /// `follow=false` once caught up, or on a database error: the client reconnects with its
    /// Last-Event-ID and loses nothing.
    async fn turn(&mut self) -> Turn {
        let after = self.after;
        match self.db.read(move |c| outbox::since(c, after, BATCH)).await {
            Ok(Since::Reset { head, reason }) => {
                self.after = Some(head);
                let envelope = json!({
                    "id": head, "type": "reset", "at": crate::db::now(), "subject": "",
                    "data": {"reason": reason.as_str()},
                });
                Turn::Again(vec![sse_event(head, "reset", &envelope)])
            }
            Ok(Since::Events(events)) if events.is_empty() => {
                if self.follow {
                    Turn::Wait(Vec::new())
                } else {
                    Turn::End
                }
            }
            Ok(Since::Events(events)) => {
                self.after = events.last().map(|e| e.id).or(self.after);
                Turn::Again(events.into_iter().map(stored_event).collect())
            }
            Err(e) => {
                tracing::warn!(error = %e, "events stream: reading the outbox failed; closing it");
                Turn::End
            }
        }
    }
}

fn stored_event(e: OutboxEvent) -> Event {
    let envelope = json!({
        "id": e.id, "type": e.kind, "at": e.at, "subject": e.subject, "data": e.data,
    });
    sse_event(e.id, &e.kind, &envelope)
}

fn sse_event(id: i64, kind: &str, envelope: &Value) -> Event {
    // Types are fixed words of ours (no line breaks, which Event::event refuses).
    Event::default()
        .id(id.to_string())
        .event(kind)
        .data(envelope.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::db::extensions::{self, Created, ExtensionKind, NewExtension};
    use crate::db::{handsets, now, routing, test_conn, write_in, write_in_as};

    /// Every event the triggers and the registration recorder write parses as the documented
    /// schema (unknown fields refused), so the OpenAPI document tells the truth.
    #[test]
    fn recorded_events_match_the_documented_schema() {
        let mut conn = test_conn();
        let s = Settings::default();
        let new = |number: &str, kind| NewExtension {
            owner_id: None,
            number: number.into(),
            name: "A & <B>".into(),
            kind,
            public: true,
            authority: crate::domain::numbering::Authority::Attendee,
        };
        write_in_as(&mut conn, |tx| {
            extensions::create(tx, &s, &new("4710", ExtensionKind::Sip))
        })
        .unwrap();
        let Created::Handset { token } = write_in_as(&mut conn, |tx| {
            extensions::create(tx, &s, &new("4711", ExtensionKind::Handset))
        })
        .unwrap() else {
            panic!("handset")
        };
        write_in(&mut conn, |tx| extensions::update(tx, "4710", "C", false)).unwrap();
        let plan = handsets::TemporaryPlan::from_settings(&s);
        let h = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        let id = h.credentials.username;
        write_in(&mut conn, |tx| handsets::bind(tx, &id, &token, now())).unwrap();
        let change = outbox::RegistrationChange {
            endpoint: id.clone(),
            status: "online".into(),
            ..Default::default()
        };
        write_in(&mut conn, |tx| {
            outbox::record_registration(tx, &change, now())
        })
        .unwrap();
        let guard = crate::db::attempts::Guard {
            failures: 0,
            window_secs: 600,
        };
        let h2 = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        write_in(&mut conn, |tx| {
            handsets::bind(tx, &h2.credentials.username, "0000000000", now())?;
            crate::db::attempts::check_guard(tx, guard, now())
        })
        .unwrap();
        write_in(&mut conn, |tx| handsets::unbind(tx, "4711", &plan, 10)).unwrap();
        write_in(&mut conn, |tx| {
            extensions::create(tx, &s, &new("4720", ExtensionKind::Group))
                .map_err(|e| crate::db::DbError::Conflict(e.to_string()))?;
            let member = crate::domain::routing::Member {
                number: "4710".into(),
                delay: 5,
                active: true,
            };
            routing::replace_members(tx, "4720", std::slice::from_ref(&member))?;
            routing::invite(tx, "4720", "4711", 3)?;
            routing::remove_invitation(tx, "4720", "4711")?;
            let mut p = routing::preferences(tx, "4711")?;
            p.forward.busy = Some("4720".into());
            routing::set_preferences(tx, "4711", &p)?;
            routing::upsert_member(
                tx,
                "4720",
                &crate::domain::routing::Member {
                    active: false,
                    ..member
                },
            )
        })
        .unwrap();
        write_in(&mut conn, |tx| extensions::delete(tx, &s, "4710")).unwrap();
        let Since::Events(events) = outbox::since(&conn, Some(0), 100).unwrap() else {
            panic!("events")
        };
        let mut seen = Vec::new();
        for e in events {
            let kind = e.kind.clone();
            let envelope = json!({
                "id": e.id, "type": e.kind, "at": e.at, "subject": e.subject, "data": e.data,
            });
            let parsed: StreamEvent = serde_json::from_value(envelope.clone())
                .unwrap_or_else(|err| panic!("{envelope}: {err}"));
            let variant_fits = matches!(
                (kind.as_str(), &parsed.data),
                (
                    "extension.created" | "extension.updated",
                    EventData::Extension(_)
                ) | ("extension.deleted", EventData::Deleted(_))
                    | ("handset.bound" | "handset.unbound", EventData::Handset(_))
                    | ("registration", EventData::Registration(_))
                    | ("alarm.token_guessing", EventData::Alarm(_))
                    | (
                        "group.member_added" | "group.member_updated",
                        EventData::Member(_)
                    )
                    | ("group.invitation_created", EventData::Invitation(_))
                    | (
                        "group.member_removed" | "group.invitation_removed",
                        EventData::MemberGone(_)
                    )
                    | ("routing.updated", EventData::Routing(_))
            );
            assert!(variant_fits, "{envelope} parsed as {:?}", parsed.data);
            seen.push(kind);
        }
        assert_eq!(
            seen,
            [
                "extension.created",
                "extension.created",
                "extension.updated",
                "handset.bound",
                "registration",
                "alarm.token_guessing",
                "handset.unbound",
                "extension.created",
                "group.member_added",
                "group.invitation_created",
                "group.invitation_removed",
                "routing.updated",
                "group.member_updated",
                "group.member_removed",
                "extension.deleted"
            ]
        );
        let reset: StreamEvent = serde_json::from_value(json!({
            "id": 3, "type": "reset", "at": 1, "subject": "", "data": {"reason": "start"}
        }))
        .unwrap();
        assert!(matches!(reset.data, EventData::Reset(_)));
    }
}
