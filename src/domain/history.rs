//! Call history: what Asterisk's CDR rows of one call mean, in plain words.
//!
//! Asterisk writes one CDR row per channel segment (cdr_sqlite3_custom into `cdr_inbox`); the
//! dialplan adds its own decisions as CDR variables with `Set()` only. [`summarize`] turns the
//! rows of one call (one `linkedid`) into one [`CallSummary`], and [`cause`] is the one mapping
//! from Asterisk's view to the words people read.

/// Why a call ended the way it did, in the words shown to attendees and in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Answered,
    Busy,
    NoAnswer,
    NotRegistered,
    Rejected,
    DoNotDisturb,
    UnknownNumber,
    /// A temporary handset dialled a number it may not reach, or a desk nobody set up.
    NotAllowed,
    /// The caller gave up (or the call failed) before any of the above was known.
    Cancelled,
}

impl Cause {
    /// Every cause, for filters and documentation.
    pub const ALL: [Cause; 9] = [
        Cause::Answered,
        Cause::Busy,
        Cause::NoAnswer,
        Cause::NotRegistered,
        Cause::Rejected,
        Cause::DoNotDisturb,
        Cause::UnknownNumber,
        Cause::NotAllowed,
        Cause::Cancelled,
    ];

    /// The stable code stored in `call_history.cause` and used by the API's `cause` filter.
    pub fn code(self) -> &'static str {
        match self {
            Cause::Answered => "answered",
            Cause::Busy => "busy",
            Cause::NoAnswer => "no_answer",
            Cause::NotRegistered => "not_registered",
            Cause::Rejected => "rejected",
            Cause::DoNotDisturb => "dnd",
            Cause::UnknownNumber => "unknown_number",
            Cause::NotAllowed => "not_allowed",
            Cause::Cancelled => "cancelled",
        }
    }

    /// The cause from its code; `None` for anything else (a hostile filter value, say).
    pub fn from_code(code: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Plain words for people.
    pub fn words(self) -> &'static str {
        match self {
            Cause::Answered => "answered",
            Cause::Busy => "busy",
            Cause::NoAnswer => "no answer",
            Cause::NotRegistered => "not registered",
            Cause::Rejected => "rejected",
            Cause::DoNotDisturb => "do-not-disturb",
            Cause::UnknownNumber => "unknown number",
            Cause::NotAllowed => "not allowed",
            Cause::Cancelled => "cancelled",
        }
    }
}

/// The words for a stored call: the cause, and where it was forwarded to.
pub fn describe(cause: Cause, forwarded_to: Option<&str>) -> String {
    match forwarded_to {
        Some(n) if !n.is_empty() => format!("{} (forwarded to {n})", cause.words()),
        _ => cause.words().to_string(),
    }
}

/// The cause from the dialplan's outcome tag (`ev_outcome`, the last one set) and the CDR
/// disposition of the caller's dial (`ANSWERED`, `BUSY`, `NO ANSWER`, `FAILED`, `CONGESTION`).
/// The tag wins: DND, rejected and unknown number exist only as dialplan decisions, and a
/// rejected call's disposition says FAILED like an absent phone's. Unknown tags are ignored.
pub fn cause(outcome: Option<&str>, disposition: &str, answered: bool) -> Cause {
    if answered {
        return Cause::Answered;
    }
    match outcome.unwrap_or("") {
        "dnd" => return Cause::DoNotDisturb,
        "rejected" => return Cause::Rejected,
        "busy" => return Cause::Busy,
        "noanswer" => return Cause::NoAnswer,
        "unavailable" => return Cause::NotRegistered,
        "unknown" => return Cause::UnknownNumber,
        "no-desk" | "restricted" => return Cause::NotAllowed,
        _ => {}
    }
    match disposition {
        "ANSWERED" => Cause::Answered,
        "BUSY" => Cause::Busy,
        "NO ANSWER" => Cause::NoAnswer,
        "FAILED" | "CONGESTION" => Cause::NotRegistered,
        _ => Cause::Cancelled,
    }
}

/// One CDR row as the ingest reads it (times already unix seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdrRow {
    pub started: Option<i64>,
    pub answered: Option<i64>,
    pub ended: Option<i64>,
    pub disposition: String,
    pub channel: String,
    pub dstchannel: String,
    pub uniqueid: String,
    pub linkedid: String,
    pub sequence: i64,
    pub number: String,
    pub from: String,
    pub outcome: String,
    pub forward: String,
}

/// One call, ready for `call_history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSummary {
    pub call_id: String,
    pub caller_endpoint: Option<String>,
    pub dialled: String,
    /// Endpoint ids of the devices rung, in order of first appearance, each once.
    pub rang: Vec<String>,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: i64,
    pub asterisk_cause: String,
    pub cause: Cause,
    pub forwarded_to: Option<String>,
}

/// The endpoint id of a PJSIP channel name (`PJSIP/<endpoint>-<sequence>`); `None` for other
/// channel types (Local legs are followed through their own rows).
pub fn pjsip_endpoint(channel: &str) -> Option<&str> {
    let rest = channel.strip_prefix("PJSIP/")?;
    let (ep, _) = rest.rsplit_once('-')?;
    (!ep.is_empty()).then_some(ep)
}

/// The call the rows of one linkedid describe, or `None` when it is not a routed call (the
/// caller's rows carry no dialled number: service codes, eventpbx's own originations).
/// The caller's rows are those whose channel is the call's first (uniqueid = linkedid); the
/// dialplan's variables are on them, the last set value of each winning (rows in `sequence`
/// order). Devices that rang are the PJSIP peers of every row, Local legs included.
pub fn summarize(rows: &[CdrRow]) -> Option<CallSummary> {
    let mut rows: Vec<&CdrRow> = rows.iter().collect();
    rows.sort_by_key(|r| r.sequence);
    let first = rows.first()?;
    let call_id = first.linkedid.clone();
    let caller: Vec<&&CdrRow> = rows.iter().filter(|r| r.uniqueid == r.linkedid).collect();
    let last_set = |f: fn(&CdrRow) -> &str| {
        caller
            .iter()
            .rev()
            .map(|r| f(r))
            .find(|v| !v.is_empty())
            .map(str::to_string)
    };
    let dialled = last_set(|r| r.number.as_str())?;
    let outcome = last_set(|r| r.outcome.as_str());
    let forwarded_to = last_set(|r| r.forward.as_str());
    let caller_endpoint = last_set(|r| r.from.as_str());
    let mut rang: Vec<String> = Vec::new();
    for r in &rows {
        if let Some(ep) = pjsip_endpoint(&r.dstchannel) {
            if !rang.iter().any(|e| e == ep) {
                rang.push(ep.to_string());
            }
        }
    }
    // Answered means a device answered: the caller's row with a peer and an answer time. The
    // "unknown number" prompt answers the caller too, with no peer.
    let answered_row = caller
        .iter()
        .filter(|r| !r.dstchannel.is_empty() && r.disposition == "ANSWERED")
        .find_map(|r| r.answered);
    let last_dial = caller.iter().rev().find(|r| !r.dstchannel.is_empty());
    let disposition = last_dial.map(|r| r.disposition.clone()).unwrap_or_else(|| {
        caller
            .last()
            .map(|r| r.disposition.clone())
            .unwrap_or_default()
    });
    let started_at = rows.iter().filter_map(|r| r.started).min()?;
    let ended_at = rows
        .iter()
        .filter_map(|r| r.ended)
        .max()
        .unwrap_or(started_at);
    let cause = cause(outcome.as_deref(), &disposition, answered_row.is_some());
    let asterisk_cause = match &outcome {
        Some(o) => format!("{disposition} ({o})"),
        None => disposition,
    };
    Some(CallSummary {
        call_id,
        caller_endpoint,
        dialled,
        rang,
        started_at,
        answered_at: answered_row,
        ended_at,
        asterisk_cause,
        cause,
        forwarded_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(uid: &str, seq: i64, disp: &str, dst: &str) -> CdrRow {
        CdrRow {
            started: Some(100),
            answered: None,
            ended: Some(110),
            disposition: disp.into(),
            channel: format!("PJSIP/caller-{seq:08}"),
            dstchannel: dst.into(),
            uniqueid: uid.into(),
            linkedid: "L".into(),
            sequence: seq,
            ..CdrRow::default()
        }
    }

    #[test]
    fn the_dialplan_tag_wins_over_the_disposition() {
        assert_eq!(cause(Some("dnd"), "BUSY", false), Cause::DoNotDisturb);
        assert_eq!(cause(Some("rejected"), "FAILED", false), Cause::Rejected);
        assert_eq!(
            cause(Some("unknown"), "ANSWERED", false),
            Cause::UnknownNumber
        );
        assert_eq!(
            cause(Some("restricted"), "ANSWERED", false),
            Cause::NotAllowed
        );
        assert_eq!(
            cause(Some("unavailable"), "FAILED", false),
            Cause::NotRegistered
        );
    }

    #[test]
    fn without_a_tag_the_disposition_decides() {
        assert_eq!(cause(None, "BUSY", false), Cause::Busy);
        assert_eq!(cause(None, "NO ANSWER", false), Cause::NoAnswer);
        assert_eq!(cause(None, "FAILED", false), Cause::NotRegistered);
        assert_eq!(cause(None, "CONGESTION", false), Cause::NotRegistered);
        assert_eq!(cause(Some("no such tag"), "", false), Cause::Cancelled);
        // A device answering beats any tag left by an earlier hop.
        assert_eq!(cause(Some("busy"), "ANSWERED", true), Cause::Answered);
    }

    #[test]
    fn codes_round_trip_and_refuse_anything_else() {
        for c in Cause::ALL {
            assert_eq!(Cause::from_code(c.code()), Some(c));
        }
        assert_eq!(Cause::from_code("busy' OR 1=1"), None);
        assert_eq!(Cause::from_code(""), None);
    }

    #[test]
    fn words_name_the_forwarding_target() {
        assert_eq!(
            describe(Cause::Busy, Some("2002")),
            "busy (forwarded to 2002)"
        );
        assert_eq!(describe(Cause::NoAnswer, None), "no answer");
        assert_eq!(describe(Cause::DoNotDisturb, Some("")), "do-not-disturb");
    }

    #[test]
    fn endpoints_come_from_pjsip_channel_names_only() {
        assert_eq!(pjsip_endpoint("PJSIP/hAb3-dEf-0000002a"), Some("hAb3-dEf"));
        assert_eq!(
            pjsip_endpoint("Local/042001000@eventpbx-leg-00000000;1"),
            None
        );
        assert_eq!(pjsip_endpoint("PJSIP/-00000001"), None);
        assert_eq!(pjsip_endpoint(""), None);
    }

    #[test]
    fn an_answered_group_call_lists_every_device_that_rang() {
        let mut a = row("L", 0, "NO ANSWER", "PJSIP/dev1-00000001");
        a.number = "500".into();
        a.from = "caller".into();
        let mut b = row(
            "L",
            1,
            "ANSWERED",
            "Local/045000000@eventpbx-leg-00000002;1",
        );
        b.answered = Some(104);
        // The Local leg's own row: its peer is the device behind it.
        let c = row("L2", 2, "ANSWERED", "PJSIP/dev2-00000003");
        let s = summarize(&[c, b, a]).unwrap();
        assert_eq!(s.dialled, "500");
        assert_eq!(s.caller_endpoint.as_deref(), Some("caller"));
        assert_eq!(s.rang, vec!["dev1".to_string(), "dev2".to_string()]);
        assert_eq!(s.cause, Cause::Answered);
        assert_eq!(s.answered_at, Some(104));
        assert_eq!((s.started_at, s.ended_at), (100, 110));
    }

    #[test]
    fn a_forwarded_busy_call_keeps_the_last_target_and_tag() {
        let mut a = row("L", 0, "NO ANSWER", "PJSIP/dev1-00000001");
        a.number = "2001".into();
        a.forward = "2002".into();
        a.outcome = "noanswer".into();
        let mut b = row("L", 1, "BUSY", "PJSIP/dev2-00000002");
        b.outcome = "busy".into();
        let s = summarize(&[a, b]).unwrap();
        assert_eq!(s.dialled, "2001");
        assert_eq!(s.cause, Cause::Busy);
        assert_eq!(s.forwarded_to.as_deref(), Some("2002"));
        assert_eq!(s.asterisk_cause, "BUSY (busy)");
    }

    #[test]
    fn the_unknown_number_prompt_is_not_an_answered_call() {
        let mut a = row("L", 0, "ANSWERED", "");
        a.answered = Some(101);
        a.number = "2999".into();
        a.outcome = "unknown".into();
        let s = summarize(&[a]).unwrap();
        assert_eq!(s.cause, Cause::UnknownNumber);
        assert_eq!(s.answered_at, None);
        assert!(s.rang.is_empty());
    }

    #[test]
    fn rows_without_a_dialled_number_are_no_routed_call() {
        // A service code (Stasis) or a channel eventpbx originated.
        assert_eq!(summarize(&[row("L", 0, "ANSWERED", "")]), None);
        assert_eq!(summarize(&[]), None);
        // The number set on another channel's row (a Local leg) does not count.
        let mut leg = row("L2", 1, "ANSWERED", "");
        leg.number = "2001".into();
        assert_eq!(summarize(&[row("L", 0, "FAILED", ""), leg]), None);
    }
}
