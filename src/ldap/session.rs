//! The listener and one session per connection: bind state, searches with size limits and
//! paging, and the refusals. Each session is a task; a shutdown ends them all.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::{
    LdapBindCred, LdapBindResponse, LdapExtendedResponse, LdapOp, LdapPartialAttribute, LdapResult,
    LdapResultCode, LdapSearchRequest, LdapSearchResultEntry,
};
use ldap3_proto::LdapMsg;
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::wire::GuardedCodec;
use crate::config::ConfigError;
use crate::domain::dn;
use crate::phonebook::ldap::{selected, DirEntry, SearchError};
use crate::web::phonebook_exports::cisco_base_url;
use crate::web::state::AppState;

/// RFC 4511 §4.4.1: the unsolicited notification sent before the server closes a connection
/// on a protocol error.
const NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";

/// How long a client may take; shortened in tests.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A connection with no message for this long is closed.
    pub idle: Duration,
    /// A message must arrive whole within this time of its first byte, and a reply must be
    /// taken by the client within it.
    pub message: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            idle: Duration::from_secs(120),
            message: Duration::from_secs(10),
        }
    }
}

/// What every session shares.
struct Shared {
    state: AppState,
    limits: Limits,
    /// The folded bind DN and its password, when clients must bind before searching.
    bind: Option<(String, String)>,
    connections: Arc<Semaphore>,
}

/// The directory server, ready to accept connections.
pub struct Server {
    shared: Arc<Shared>,
}

impl Server {
    /// Fails when `ldap.bind_dn` is set but its password cannot be read: serving anonymously
    /// instead would publish what the operator meant to protect.
    pub fn new(state: AppState, limits: Limits) -> Result<Server, ConfigError> {
        let settings = &state.settings.ldap;
        let bind = if settings.bind_dn.is_empty() {
            None
        } else {
            let folded = dn::fold(&settings.bind_dn).unwrap_or_default();
            Some((folded, state.settings.ldap_bind_password()?))
        };
        let connections = Arc::new(Semaphore::new(settings.max_connections as usize));
        Ok(Server {
            shared: Arc::new(Shared {
                state,
                limits,
                bind,
                connections,
            }),
        })
    }

    /// Serves `listener` until `shutdown`, then waits for the sessions to end.
    pub async fn serve(self, listener: TcpListener, shutdown: CancellationToken) {
        let shared = self.shared;
        let sessions = TaskTracker::new();
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait instead of spinning.
                    tracing::warn!(error = %e, "LDAP: accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = shared.connections.clone().try_acquire_owned() else {
                tracing::warn!(%peer, "LDAP: too many connections, closing this one");
                continue;
            };
            let (shared, stop) = (shared.clone(), shutdown.clone());
            sessions.spawn(async move {
                let _permit = permit;
                session(stream, &shared, stop).await;
            });
        }
        sessions.close();
        sessions.wait().await;
    }
}

/// What to do after a request.
enum Reply {
    Send(Vec<LdapMsg>),
    Nothing,
    Close,
}

async fn session(stream: TcpStream, shared: &Shared, shutdown: CancellationToken) {
    let mut framed = Framed::new(stream, GuardedCodec::default());
    let anonymous_may_search = shared.bind.is_none();
    let mut may_search = anonymous_may_search;
    let mut last_message = Instant::now();
    // Framed's next() may be dropped and polled again without losing bytes, so the session
    // wakes up now and then to apply the limits even while a message trickles in.
    let tick = shared.limits.message.min(Duration::from_secs(1));
    loop {
        let next = tokio::select! {
            () = shutdown.cancelled() => return,
            next = tokio::time::timeout(tick, framed.next()) => next,
        };
        let msg = match next {
            Err(_) => {
                let slow = framed
                    .codec()
                    .partial_since()
                    .is_some_and(|t| t.elapsed() >= shared.limits.message);
                if slow || last_message.elapsed() >= shared.limits.idle {
                    tracing::debug!(slow, "LDAP: closing an idle or slow connection");
                    return;
                }
                continue;
            }
            Ok(None) => return,
            Ok(Some(Err(e))) => {
                tracing::debug!(error = %e, "LDAP: closing after a bad message");
                let notice = notice(LdapResultCode::ProtocolError, &e.to_string());
                let _ = send(&mut framed, vec![notice], shared.limits.message).await;
                return;
            }
            Ok(Some(Ok(msg))) => msg,
        };
        last_message = Instant::now();
        let reply = match msg.op {
            LdapOp::BindRequest(req) => {
                let (result, searchable) = bind(shared, &req.dn, req.version, &req.cred);
                may_search = searchable.unwrap_or(anonymous_may_search);
                Reply::Send(vec![LdapMsg::new(
                    msg.msgid,
                    LdapOp::BindResponse(LdapBindResponse {
                        res: result,
                        saslcreds: None,
                    }),
                )])
            }
            LdapOp::SearchRequest(req) => {
                Reply::Send(search(shared, msg.msgid, &req, &msg.ctrl, may_search).await)
            }
            LdapOp::UnbindRequest => Reply::Close,
            // Every search is answered whole before the next message is read: nothing is
            // left to abandon, and an abandon gets no reply (RFC 4511 §4.11).
            LdapOp::AbandonRequest(_) => Reply::Nothing,
            LdapOp::AddRequest(_) => read_only(msg.msgid, LdapOp::AddResponse),
            LdapOp::ModifyRequest(_) => read_only(msg.msgid, LdapOp::ModifyResponse),
            LdapOp::DelRequest(_) => read_only(msg.msgid, LdapOp::DelResponse),
            LdapOp::ModifyDNRequest(_) => read_only(msg.msgid, LdapOp::ModifyDNResponse),
            LdapOp::CompareRequest(_) => read_only(msg.msgid, LdapOp::CompareResult),
            // RFC 4511 §4.12: an unrecognised request name gets protocolError. StartTLS is
            // one: TLS for the directory belongs to a tunnel or proxy in front of it.
            LdapOp::ExtendedRequest(req) => Reply::Send(vec![LdapMsg::new(
                msg.msgid,
                LdapOp::ExtendedResponse(LdapExtendedResponse {
                    res: result(
                        LdapResultCode::ProtocolError,
                        &format!("extended operation {} is not supported", req.name),
                    ),
                    name: None,
                    value: None,
                }),
            )]),
            // A client sending responses is not speaking LDAP to a server.
            _ => {
                let notice = notice(LdapResultCode::ProtocolError, "not a request");
                let _ = send(&mut framed, vec![notice], shared.limits.message).await;
                return;
            }
        };
        match reply {
            Reply::Send(messages) => {
                if send(&mut framed, messages, shared.limits.message)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Reply::Nothing => {}
            Reply::Close => return,
        }
    }
}

/// Writes replies, giving up on a client that does not read them.
async fn send(
    framed: &mut Framed<TcpStream, GuardedCodec>,
    messages: Vec<LdapMsg>,
    limit: Duration,
) -> Result<(), ()> {
    let write = async {
        for m in messages {
            framed.feed(m).await?;
        }
        framed.flush().await
    };
    match tokio::time::timeout(limit, write).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

fn result(code: LdapResultCode, message: &str) -> LdapResult {
    LdapResult {
        code,
        matcheddn: String::new(),
        message: message.to_string(),
        referral: Vec::new(),
    }
}

fn notice(code: LdapResultCode, message: &str) -> LdapMsg {
    LdapMsg::new(
        0,
        LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: result(code, message),
            name: Some(NOTICE_OF_DISCONNECTION.to_string()),
            value: None,
        }),
    )
}

fn read_only(msgid: i32, op: fn(LdapResult) -> LdapOp) -> Reply {
    Reply::Send(vec![LdapMsg::new(
        msgid,
        op(result(
            LdapResultCode::UnwillingToPerform,
            "the phonebook directory is read-only",
        )),
    )])
}

/// The bind's result, and whether the connection may search afterwards (`None`: as an
/// anonymous connection may). RFC 4513 §5.1: an empty name and password is an anonymous
/// bind; a name without a password is an unauthenticated bind, which servers should refuse.
fn bind(
    shared: &Shared,
    name: &str,
    version: i64,
    cred: &LdapBindCred,
) -> (LdapResult, Option<bool>) {
    if version != 3 {
        return (
            result(LdapResultCode::ProtocolError, "only LDAPv3 is supported"),
            None,
        );
    }
    let LdapBindCred::Simple(password) = cred else {
        return (
            result(
                LdapResultCode::AuthMethodNotSupported,
                "only simple binds are supported",
            ),
            None,
        );
    };
    match (&shared.bind, name.is_empty(), password.is_empty()) {
        (None, true, true) => (result(LdapResultCode::Success, ""), None),
        (Some(_), true, true) => (
            result(
                LdapResultCode::InappropriateAuthentication,
                "this directory needs a bind with its name and password",
            ),
            None,
        ),
        (_, false, true) => (
            result(
                LdapResultCode::UnwillingToPerform,
                "a bind name without a password is refused",
            ),
            None,
        ),
        (Some((wanted, secret)), _, false) => {
            let name_matches = dn::fold(name).as_deref() == Some(wanted.as_str());
            let password_matches: bool = password.as_bytes().ct_eq(secret.as_bytes()).into();
            if name_matches && password_matches {
                (result(LdapResultCode::Success, ""), Some(true))
            } else {
                (
                    result(LdapResultCode::InvalidCredentials, "invalid credentials"),
                    Some(false),
                )
            }
        }
        (None, _, false) => (
            result(
                LdapResultCode::InvalidCredentials,
                "this directory has no accounts; bind anonymously",
            ),
            None,
        ),
    }
}

/// The entries and the final SearchResultDone of one search.
async fn search(
    shared: &Shared,
    msgid: i32,
    req: &LdapSearchRequest,
    controls: &[LdapControl],
    may_search: bool,
) -> Vec<LdapMsg> {
    let done = |res: LdapResult, ctrl: Vec<LdapControl>| {
        LdapMsg::new_with_ctrls(msgid, LdapOp::SearchResultDone(res), ctrl)
    };
    if !may_search {
        return vec![done(
            result(
                LdapResultCode::InsufficentAccessRights,
                "bind with the directory's name and password first",
            ),
            Vec::new(),
        )];
    }
    let critical_unknown = controls.iter().any(|c| {
        matches!(
            c,
            LdapControl::Unknown {
                criticality: true,
                ..
            } | LdapControl::SyncRequest {
                criticality: true,
                ..
            }
        )
    });
    if critical_unknown {
        return vec![done(
            result(
                LdapResultCode::UnavailableCriticalExtension,
                "a critical control is not supported (only paged results are)",
            ),
            Vec::new(),
        )];
    }
    let state = &shared.state;
    let directory = match state
        .phonebook
        .ldap_directory(
            &state.db,
            &cisco_base_url(state),
            &state.settings.ldap.base_dn,
        )
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "LDAP: the phonebook cannot be read");
            return vec![done(
                result(
                    LdapResultCode::Unavailable,
                    "the phonebook cannot be read now",
                ),
                Vec::new(),
            )];
        }
    };
    let found = match directory.search(&req.base, &req.scope, &req.filter) {
        Ok(found) => found,
        Err(e) => return vec![done(search_error(e), Vec::new())],
    };
    let max = state.settings.ldap.max_results as usize;
    let limit = match usize::try_from(req.sizelimit) {
        Ok(n) if n > 0 => n.min(max),
        _ => max,
    };
    let capped = found.len().min(limit);
    let over = found.len() > limit;
    let paging = controls.iter().find_map(|c| match c {
        LdapControl::SimplePagedResults { size, cookie } => Some((*size, cookie.as_slice())),
        _ => None,
    });
    let Some((size, cookie)) = paging else {
        let mut messages = entries(msgid, &found[..capped], req);
        messages.push(done(size_result(over), Vec::new()));
        return messages;
    };
    // The cookie is the next position, as 8 bytes; a changed book between pages moves the
    // entries after it, which RFC 2696 leaves to the server.
    let offset = match cookie.len() {
        0 => 0,
        8 => {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(cookie);
            usize::try_from(u64::from_be_bytes(bytes)).unwrap_or(usize::MAX)
        }
        _ => {
            return vec![done(
                result(
                    LdapResultCode::UnwillingToPerform,
                    "the paged results cookie is not one this server gave",
                ),
                Vec::new(),
            )]
        }
    };
    let page_size = usize::try_from(size).unwrap_or(0);
    let paged = |cookie: Vec<u8>| LdapControl::SimplePagedResults {
        size: i64::try_from(capped).unwrap_or(i64::MAX),
        cookie,
    };
    // Size 0 abandons the paged search (RFC 2696 §3).
    if page_size == 0 {
        return vec![done(
            result(LdapResultCode::Success, ""),
            vec![paged(Vec::new())],
        )];
    }
    let start = offset.min(capped);
    let end = start.saturating_add(page_size).min(capped);
    let mut messages = entries(msgid, &found[start..end], req);
    let next = if end < capped {
        (end as u64).to_be_bytes().to_vec()
    } else {
        Vec::new()
    };
    let code = if next.is_empty() {
        size_result(over)
    } else {
        result(LdapResultCode::Success, "")
    };
    messages.push(done(code, vec![paged(next)]));
    messages
}

fn size_result(over: bool) -> LdapResult {
    if over {
        result(
            LdapResultCode::SizeLimitExceeded,
            "more entries match; type more of the name",
        )
    } else {
        result(LdapResultCode::Success, "")
    }
}

fn search_error(e: SearchError) -> LdapResult {
    match e {
        SearchError::InvalidDn(base) => result(
            LdapResultCode::InvalidDNSyntax,
            &format!("{base:?} is not a DN"),
        ),
        SearchError::NoSuchObject { matched } => LdapResult {
            matcheddn: matched,
            ..result(LdapResultCode::NoSuchObject, "no such entry")
        },
        SearchError::Unwilling(why) => result(LdapResultCode::UnwillingToPerform, &why),
    }
}

fn entries(msgid: i32, found: &[&DirEntry], req: &LdapSearchRequest) -> Vec<LdapMsg> {
    found
        .iter()
        .map(|entry| {
            let attributes = selected(entry, &req.attrs)
                .into_iter()
                .map(|a| LdapPartialAttribute {
                    atype: a.name.to_string(),
                    vals: if req.typesonly {
                        Vec::new()
                    } else {
                        a.values.iter().map(|v| v.as_bytes().to_vec()).collect()
                    },
                })
                .collect();
            LdapMsg::new(
                msgid,
                LdapOp::SearchResultEntry(LdapSearchResultEntry {
                    dn: entry.dn.clone(),
                    attributes,
                }),
            )
        })
        .collect()
}
