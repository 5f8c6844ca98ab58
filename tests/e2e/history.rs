//! The call history recorded by Asterisk itself (CDR into `cdr_inbox`, migration 014), with
//! real sipp phones: answered, busy (486), no answer and not registered each become the right
//! `call_history` row. eventpbx is not running during the calls (the ingest is called
//! directly afterwards), which is also the proof that calls made while it is down are kept.

use std::time::Duration;

use eventpbx::db::history::{self, HistoryFilter};
use eventpbx::domain::history::Cause;

use crate::plan::{call_refused, registered, Phone};
use crate::support::{call, End, Sandbox, Step};

/// Waits until Asterisk wrote the caller's CDR rows of `n` calls, then ingests them.
async fn ingest(sb: &Sandbox, n: i64) -> Vec<history::HistoryEntry> {
    for _ in 0..100 {
        let callers: i64 = sb
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(DISTINCT linkedid) FROM cdr_inbox WHERE uniqueid = linkedid \
                     AND ev_number <> ''",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        if callers >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Settle: the Local legs' rows follow the caller's.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let now = eventpbx::db::now() + 10;
    sb.db
        .write(move |tx| history::ingest(tx, now, 2))
        .await
        .unwrap();
    sb.db
        .read(|c| {
            history::list(
                c,
                &HistoryFilter {
                    limit: 50,
                    ..HistoryFilter::default()
                },
            )
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn answered_busy_no_answer_and_not_registered_calls_are_recorded_with_their_causes() {
    let sb = Sandbox::new().await;
    sb.db
        .write(|tx| {
            tx.execute_batch("DELETE FROM cdr_inbox; DELETE FROM call_history;")?;
            Ok(())
        })
        .await
        .unwrap();
    let caller = sb.device("2690", "Ivy").await;
    let answers = sb.extension("2691", "Answers").await;
    let busy = sb.extension("2692", "Busy").await;
    let rings = sb.extension("2693", "Rings").await;
    sb.extension("2694", "Absent").await;
    // A desk that rings 2693 for 5 s, then is busy: "no answer" without a minute's wait.
    sb.group("2695", "Quiet Desk", &[("2693", 0, true)], Some(5), None)
        .await;

    let p = registered(&sb, &answers, Phone::AnswerAfter(300)).await;
    call(
        &sb.settings,
        &caller,
        "2691",
        &[Step::Pause(500)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    p.finish().await.assert_ok();

    let p = registered(&sb, &busy, Phone::Refuse(486)).await;
    call_refused(&sb.settings, &caller, "2692", 486)
        .finish()
        .await
        .assert_ok();
    p.finish().await.assert_ok();

    let p = registered(&sb, &rings, Phone::Ring).await;
    call_refused(&sb.settings, &caller, "2695", 486)
        .finish()
        .await
        .assert_ok();
    p.finish().await.assert_ok();

    call_refused(&sb.settings, &caller, "2694", 480)
        .finish()
        .await
        .assert_ok();

    let calls = ingest(&sb, 4).await;
    let inbox: i64 = sb
        .db
        .read(|c| Ok(c.query_row("SELECT count(*) FROM cdr_inbox", [], |r| r.get(0))?))
        .await
        .unwrap();
    let got: Vec<(String, Cause, Option<String>)> = calls
        .iter()
        .rev()
        .map(|c| (c.dialled.clone(), c.cause, c.caller_number.clone()))
        .collect();
    let from = Some("2690".to_string());
    assert_eq!(
        got,
        vec![
            ("2691".to_string(), Cause::Answered, from.clone()),
            ("2692".to_string(), Cause::Busy, from.clone()),
            ("2695".to_string(), Cause::NoAnswer, from.clone()),
            ("2694".to_string(), Cause::NotRegistered, from.clone()),
        ],
        "{calls:#?}"
    );
    assert_eq!(inbox, 0, "ingested rows leave the inbox");
    let answered = &calls[3];
    assert!(answered.answered_at.is_some(), "{answered:?}");
    assert_eq!(
        answered.rang,
        vec![answers.username.clone()],
        "{answered:?}"
    );
    assert_eq!(
        calls[1].rang,
        vec![rings.username.clone()],
        "{:?}",
        calls[1]
    );
}
