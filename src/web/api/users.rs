//! `/users`: the people who log in to the web UI, addressed by username. Password hashes never
//! leave the database.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiKey, ApiPath, ApiQuery, PageParams};
use super::{ApiError, ErrorBody, TAG_USERS};
use crate::db::{users, DbError};
use crate::domain::accounts::Role;
use crate::service::users::{self as user_service, UserRef};
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleOut {
    /// Own extensions only.
    Attendee,
    /// Plus helping others with theirs (the help desk pages).
    Helpdesk,
    /// Plus the live view.
    Operator,
    /// Plus users, all extensions and numbering.
    Admin,
}

impl From<Role> for RoleOut {
    fn from(r: Role) -> Self {
        match r {
            Role::Attendee => RoleOut::Attendee,
            Role::Helpdesk => RoleOut::Helpdesk,
            Role::Operator => RoleOut::Operator,
            Role::Admin => RoleOut::Admin,
        }
    }
}

impl From<RoleOut> for Role {
    fn from(r: RoleOut) -> Self {
        match r {
            RoleOut::Attendee => Role::Attendee,
            RoleOut::Helpdesk => Role::Helpdesk,
            RoleOut::Operator => Role::Operator,
            RoleOut::Admin => Role::Admin,
        }
    }
}

/// A user as the API shows it: no password hash, ever.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserOut {
    /// Row id.
    pub id: i64,
    /// Login name (unique without regard to case).
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// What the user may do.
    pub role: RoleOut,
    /// A disabled user cannot log in.
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
}

impl From<users::User> for UserOut {
    fn from(u: users::User) -> Self {
        UserOut {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role.into(),
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

/// Filter of the user list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users whose username or display name contains this.
    pub q: Option<String>,
}

/// A page of users, ordered by username.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    /// This page.
    pub items: Vec<UserOut>,
    /// How many users match in all.
    pub total: u32,
    /// The page size used.
    pub limit: u32,
    /// How many were skipped.
    pub offset: u32,
}

/// List users.
#[utoipa::path(
    get, path = "/users", tag = TAG_USERS,
    security(("bearer" = [])),
    params(UserQuery, PageParams),
    responses((status = 200, description = "A page of users", body = UserPage))
)]
async fn list_users(
    State(state): State<AppState>,
    _key: ApiKey,
    ApiQuery(query): ApiQuery<UserQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<UserPage>, ApiError> {
    let (limit, offset) = page.resolve()?;
    let search = query.q.unwrap_or_default();
    let (rows, total) = state
        .db
        .read(move |c| users::list(c, &search, limit, offset))
        .await?;
    Ok(Json(UserPage {
        items: rows.into_iter().map(UserOut::from).collect(),
        total,
        limit,
        offset,
    }))
}

/// `POST /users` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    /// 3 to 32 of letters, digits, `.`, `-`, `_`.
    #[schema(example = "alice", pattern = r"^[A-Za-z0-9._-]{3,32}$")]
    pub username: String,
    /// 1 to 60 characters, no control characters.
    #[schema(
        example = "Alice Example",
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x1f\x7f-\x9f\s][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub display_name: String,
    /// 10 to 256 characters, not an obvious guess (nor containing the username).
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// Default attendee.
    #[serde(default)]
    pub role: Option<RoleOut>,
}

/// Create a user who can log in to the web UI. Admin keys only.
#[utoipa::path(
    post, path = "/users", tag = TAG_USERS,
    security(("bearer" = [])),
    request_body = NewUserIn,
    responses(
        (status = 201, description = "Created", body = UserOut),
        (status = 403, description = "Not an admin key", body = ErrorBody),
        (status = 409, description = "The username is taken", body = ErrorBody),
        (status = 422, description = "Bad username, name or password", body = ErrorBody),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    key: ApiKey,
    ApiJson(body): ApiJson<NewUserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    key.require_admin("Creating users")?;
    let role = body.role.map(Role::from).unwrap_or(Role::Attendee);
    // Validates, hashes off the reactor, then inserts in one write transaction.
    let user = user_service::add_user(
        &state.db,
        &body.username,
        &body.display_name,
        &body.password,
        role,
    )
    .await?;
    tracing::info!(api_key = %key.name, user = %user.username, "user created");
    Ok((StatusCode::CREATED, Json(user.into())))
}

fn user_not_found() -> ApiError {
    ApiError::NotFound("User not found".into())
}

fn or_user_not_found(e: DbError) -> ApiError {
    match e {
        DbError::NotFound => user_not_found(),
        other => other.into(),
    }
}

/// One user by username (case-insensitively).
#[utoipa::path(
    get, path = "/users/{username}", tag = TAG_USERS,
    security(("bearer" = [])),
    params(("username" = String, Path, description = "The login name")),
    responses(
        (status = 200, description = "The user", body = UserOut),
        (status = 404, description = "User not found", body = ErrorBody),
    )
)]
async fn get_user(
    State(state): State<AppState>,
    _key: ApiKey,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<UserOut>, ApiError> {
    let user = state
        .db
        .read(move |c| {
            let id = users::id_of(c, &username)?.ok_or(DbError::NotFound)?;
            users::get(c, id)
        })
        .await
        .map_err(or_user_not_found)?;
    Ok(Json(user.into()))
}

async fn set_disabled(
    state: &AppState,
    key: &ApiKey,
    username: String,
    disabled: bool,
) -> Result<Json<UserOut>, ApiError> {
    key.require_admin("Disabling or enabling users")?;
    // An API key is no user, so no one here can be disabling themselves.
    let user =
        user_service::set_disabled(&state.db, UserRef::Name(username), disabled, None).await?;
    tracing::info!(api_key = %key.name, user = %user.username, disabled, "user access changed");
    Ok(Json(user.into()))
}

/// Disable a user: they cannot log in, and their sessions end now. Admin keys only.
#[utoipa::path(
    post, path = "/users/{username}/disable", tag = TAG_USERS,
    security(("bearer" = [])),
    params(("username" = String, Path, description = "The login name")),
    responses(
        (status = 403, description = "Not an admin key", body = ErrorBody),
        (status = 200, description = "The disabled user", body = UserOut),
        (status = 404, description = "User not found", body = ErrorBody),
    )
)]
async fn disable_user(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<UserOut>, ApiError> {
    set_disabled(&state, &key, username, true).await
}

/// Let a disabled user log in again. Admin keys only.
#[utoipa::path(
    post, path = "/users/{username}/enable", tag = TAG_USERS,
    security(("bearer" = [])),
    params(("username" = String, Path, description = "The login name")),
    responses(
        (status = 403, description = "Not an admin key", body = ErrorBody),
        (status = 200, description = "The enabled user", body = UserOut),
        (status = 404, description = "User not found", body = ErrorBody),
    )
)]
async fn enable_user(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<UserOut>, ApiError> {
    set_disabled(&state, &key, username, false).await
}
