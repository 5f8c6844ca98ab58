//! Issue 10, sections 2 and 3 against the real Asterisk: callers who may not try a token
//! leave no attempt row, and the emergency number reaches the desk an admin set up, with
//! eventpbx running and stopped.

use eventpbx::db::extensions::{self, ExtensionKind, NewExtension};
use eventpbx::db::handsets;
use eventpbx::domain::numbering::Authority;

use crate::support::{call, register_and_listen, Device, End, Sandbox, Step};

async fn attempts(sb: &Sandbox) -> Vec<String> {
    sb.db
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT id || '|' || endpoint || '|' || outcome FROM token_attempts ORDER BY id",
            )?;
            let rows = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(rows)
        })
        .await
        .unwrap()
}

/// A handset bound to a new handset extension `number`, bound in the database directly.
async fn bound_handset(sb: &Sandbox, number: &str) -> Device {
    let token = sb.handset_extension(number, "Bound").await;
    let h = sb.temporary_handset().await;
    let id = h.username.clone();
    let outcome = sb
        .db
        .write(move |tx| handsets::bind(tx, &id, &token, eventpbx::db::now()))
        .await
        .unwrap();
    assert!(matches!(outcome, handsets::BindOutcome::Bound { .. }));
    Device {
        number: number.to_string(),
        ..h
    }
}

#[tokio::test]
async fn en_bloc_tokens_from_callers_who_may_not_try_leave_no_attempt() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4721", "Target").await;
    let sip_phone = sb.device("2521", "SIP phone").await;
    let bound = bound_handset(&sb, "4722").await;
    // A temporary handset locked out by wrong guesses: its next try, even with the right
    // token, is not a guess and must not be recorded either.
    let locked = sb.temporary_handset().await;
    let id = locked.username.clone();
    let now = eventpbx::db::now();
    sb.db
        .write(move |tx| {
            for guess in 0..10 {
                if eventpbx::db::attempts::is_locked_out(tx, &id, now)? {
                    return Ok(());
                }
                handsets::bind(tx, &id, &format!("{:010}", 1_000_000 + guess), now)?;
            }
            panic!("ten wrong guesses did not lock the handset out");
        })
        .await
        .unwrap();
    let app = sb.start_eventpbx().await;
    let code = sb.settings.codes.register.clone();
    let before = (attempts(&sb).await, sb.binding_state().await);
    for caller in [&sip_phone, &bound, &locked] {
        call(
            &sb.settings,
            caller,
            &format!("{code}{token}"),
            &[],
            End::AsteriskHangsUp,
        )
        .finish()
        .await
        .assert_ok();
    }
    assert_eq!((attempts(&sb).await, sb.binding_state().await), before);
    app.stop().await;
}

#[tokio::test]
async fn the_emergency_desk_an_admin_set_up_answers_every_kind_of_phone() {
    let sb = Sandbox::new().await;
    let settings = sb.settings.clone();
    let emergency = settings.numbering.emergency[0].clone();
    let new = NewExtension {
        owner_id: None,
        number: emergency.clone(),
        name: "First aid".into(),
        kind: ExtensionKind::Sip,
        public: true,
        authority: Authority::Admin,
    };
    let created = sb
        .db
        .write_as(move |tx| extensions::create(tx, &settings, &new))
        .await
        .expect("an admin may claim the emergency number");
    let extensions::Created::Sip(creds) = created else {
        panic!("SIP desk expected")
    };
    let desk = Device {
        number: emergency.clone(),
        username: creds.username,
        password: creds.password,
        port: crate::support::next_port(),
    };
    let temporary = sb.temporary_handset().await;
    let bound = bound_handset(&sb, "4723").await;
    let sip_phone = sb.device("2523", "SIP phone").await;

    let app = sb.start_eventpbx().await;
    let mut running = Some(app);
    for phase in ["running", "stopped"] {
        if phase == "stopped" {
            if let Some(app) = running.take() {
                app.stop().await;
            }
        }
        for caller in [&temporary, &bound, &sip_phone] {
            let listener = register_and_listen(&sb.settings, &desk).await;
            call(
                &sb.settings,
                caller,
                &emergency,
                &[Step::Pause(300)],
                End::CallerHangsUp,
            )
            .finish()
            .await
            .assert_ok();
            let desk_side = listener.finish().await;
            desk_side.assert_ok();
            assert!(
                desk_side.received_request("INVITE").is_some(),
                "{} did not reach the desk with eventpbx {phase}",
                caller.username
            );
        }
    }
}
