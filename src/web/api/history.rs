//! `GET /calls/history`: the calls Asterisk recorded (CDR, migration 014), with their causes.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiKey, ApiQuery, PageParams};
use super::{ApiError, ErrorBody, TAG_CALLS};
use crate::db::history::{self, HistoryEntry, HistoryFilter};
use crate::domain::history::Cause;
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_history))
}

/// Filters of the call history; all of them combine.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only calls from or to this number.
    #[param(pattern = r"^[0-9]{1,15}$")]
    pub number: Option<String>,
    /// Only calls that ended at or after this time (unix seconds).
    pub since: Option<i64>,
    /// Only calls that started before this time (unix seconds).
    pub until: Option<i64>,
    /// Only calls with this cause: answered, busy, no_answer, not_registered, rejected, dnd,
    /// unknown_number, not_allowed, cancelled.
    pub cause: Option<String>,
}

/// One recorded call.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallOut {
    pub id: i64,
    /// The caller's number (of its device when the call was recorded); null when unknown.
    pub caller: Option<String>,
    /// The number dialled.
    pub dialled: String,
    /// The SIP usernames (endpoint ids) of the devices that rang.
    pub rang: Vec<String>,
    /// Unix seconds.
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: i64,
    /// Seconds from start to end.
    pub duration: i64,
    /// The cause code (see the `cause` filter).
    pub cause: String,
    /// The cause in words, e.g. "busy (forwarded to 2002)".
    pub cause_text: String,
    /// What Asterisk reported: the CDR disposition and the dialplan's outcome.
    pub asterisk_cause: String,
    /// The number the call was last forwarded to.
    pub forwarded_to: Option<String>,
}

impl From<HistoryEntry> for CallOut {
    fn from(e: HistoryEntry) -> Self {
        CallOut {
            cause_text: e.words(),
            id: e.id,
            caller: e.caller_number,
            dialled: e.dialled,
            rang: e.rang,
            started_at: e.started_at,
            answered_at: e.answered_at,
            ended_at: e.ended_at,
            duration: e.duration,
            cause: e.cause.code().to_string(),
            asterisk_cause: e.asterisk_cause,
            forwarded_to: e.forwarded_to,
        }
    }
}

/// A page of recorded calls, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallHistoryPage {
    pub items: Vec<CallOut>,
    /// The page size used.
    pub limit: u32,
    /// How many were skipped.
    pub offset: u32,
}

/// The filters as database values, or 422 naming the bad one. Public for the tests of each
/// hostile value.
pub fn filter_of(q: HistoryQuery, limit: u32, offset: u32) -> Result<HistoryFilter, ApiError> {
    if let Some(n) = &q.number {
        if n.is_empty() || n.len() > 15 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::Unprocessable(format!(
                "number must be 1 to 15 digits, not {n:?}"
            )));
        }
    }
    let cause = match q.cause.as_deref() {
        None => None,
        Some(c) => Some(Cause::from_code(c).ok_or_else(|| {
            ApiError::Unprocessable(format!("cause {c:?} is not one of {}", cause_list()))
        })?),
    };
    for (name, t) in [("since", q.since), ("until", q.until)] {
        if t.is_some_and(|t| !(0..=253_402_300_799).contains(&t)) {
            return Err(ApiError::Unprocessable(format!(
                "{name} must be unix seconds from 0 to the year 9999"
            )));
        }
    }
    Ok(HistoryFilter {
        number: q.number,
        since: q.since,
        until: q.until,
        cause,
        limit,
        offset,
        ..HistoryFilter::default()
    })
}

fn cause_list() -> String {
    Cause::ALL.map(Cause::code).join(", ")
}

/// List recorded calls (any key: read scope), filtered and paginated.
#[utoipa::path(
    get, path = "/calls/history", tag = TAG_CALLS,
    security(("bearer" = [])),
    params(HistoryQuery, PageParams),
    responses(
        (status = 200, description = "A page of calls, newest first", body = CallHistoryPage),
        (status = 422, description = "A filter that is not a number, time or cause", body = ErrorBody),
    )
)]
async fn list_history(
    State(state): State<AppState>,
    _key: ApiKey,
    ApiQuery(query): ApiQuery<HistoryQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<CallHistoryPage>, ApiError> {
    let (limit, offset) = page.resolve()?;
    let filter = filter_of(query, limit, offset)?;
    let rows = state.db.read(move |c| history::list(c, &filter)).await?;
    Ok(Json(CallHistoryPage {
        items: rows.into_iter().map(CallOut::from).collect(),
        limit,
        offset,
    }))
}
