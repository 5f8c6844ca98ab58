//! The room's owner on the web (issue 16), in headless Chromium against the real Asterisk:
//! the room page lists callers as sipp phones join, without a reload (its live stream); the
//! owner's Mute button mutes a caller in Asterisk (the channel's mute mark) and the page says
//! so, Unmute undoes it, Remove hangs the other caller up and takes them off the list.
//! Screenshots go to `<target>/tmp/screenshots/conference-*.png`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eventpbx::domain::accounts::Role;
use eventpbx::domain::conference::RoomSettings;
use eventpbx::domain::numbering::Authority;
use eventpbx::service::conferences::{create_room, NewRoom};

use crate::support::{call_from_template, Sandbox, Step};
use crate::webdriver::{self, Session};
use crate::webrtc::{shots, start_driver, PASSWORD};

const ROOM: &str = "2890";

/// The participant rows of the room page: (channel id, row text).
async fn rows(s: &Session) -> Vec<(String, String)> {
    let json = s
        .execute(
            "return JSON.stringify([...document.querySelectorAll('#participants tr[data-participant]')]
               .map(r => [r.dataset.participant, r.textContent]));",
        )
        .await;
    serde_json::from_str(&json).unwrap_or_default()
}

/// Waits until the page's rows satisfy `ok`; answers them.
async fn wait_rows(
    s: &Session,
    what: &str,
    ok: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = rows(s).await;
        if ok(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "{what}: the page shows {now:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The mute mark eventpbx sets on a channel it muted ("1", or "" when unmuted).
async fn muted_mark(sb: &Sandbox, channel: &str) -> String {
    sb.ari_get(&format!(
        "/channels/{channel}/variable?variable=EVENTPBX_MUTED"
    ))
    .await
    .map(|v| v["value"].as_str().unwrap_or("").to_string())
    .unwrap_or_default()
}

async fn click_in_row(s: &Session, id: &str, action: &str) {
    s.find(&format!(
        "#participants tr[data-participant='{id}'] form[action$='/{action}'] button"
    ))
    .await
    .click()
    .await;
}

#[tokio::test]
async fn the_owner_watches_callers_join_and_mutes_and_removes_them_on_the_page() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let user = format!("olga{}", std::process::id());
    let olga =
        eventpbx::service::users::add_user(&app.state.db, &user, "Olga", PASSWORD, Role::Attendee)
            .await
            .unwrap();
    let room = NewRoom {
        owner_id: Some(olga.id),
        number: ROOM.into(),
        name: "Web Standup".into(),
        public: true,
        settings: RoomSettings::parse(None, Some(5)).unwrap(),
        authority: Authority::Admin,
        by_key: None,
    };
    create_room(&sb.db, Arc::new(sb.settings.clone()), room)
        .await
        .unwrap();
    let a = sb.extension("2891", "Anna Web").await;
    let b = sb.extension("2892", "Ben Web").await;

    let driver = start_driver().await;
    let (_, browser_bin) = webdriver::binaries().expect("chromium: scripts/setup --test");
    let s = driver.session(&browser_bin, 1000, 900).await;
    s.goto(&format!("{}/login", app.base)).await;
    s.find("#username").await.type_text(&user).await;
    s.find("#password").await.type_text(PASSWORD).await;
    s.find("form.stack button[type=submit]").await.click().await;
    s.wait_url("/account").await;
    s.goto(&format!("{}/account/conferences/{ROOM}", app.base))
        .await;
    assert!(rows(&s).await.is_empty(), "nobody in the room yet");
    // A reload would lose this mark.
    s.execute("document.body.dataset.marker = 'no-reload'; return 1;")
        .await;

    // Anna stays until she hangs up herself; Ben until Asterisk hangs up on him.
    let anna = call_from_template(
        &sb.settings,
        &a,
        ROOM,
        &[Step::Pause(25_000)],
        "conference_hangup.xml",
    );
    let ben = call_from_template(
        &sb.settings,
        &b,
        ROOM,
        &[Step::Pause(500)],
        "conference_stay.xml",
    );
    let list = wait_rows(&s, "both callers listed", |r| r.len() == 2).await;
    let marker = s
        .execute("return document.body.dataset.marker || '';")
        .await;
    assert_eq!(marker, "no-reload", "the list came in without a reload");
    let id_of = |number: &str| {
        list.iter()
            .find(|(_, text)| text.contains(number))
            .unwrap_or_else(|| panic!("{number} not on the page: {list:?}"))
            .0
            .clone()
    };
    let (anna_id, ben_id) = (id_of("2891"), id_of("2892"));
    assert!(
        list.iter().any(|(_, t)| t.contains("Anna Web")),
        "names show: {list:?}"
    );
    s.screenshot(&shots().join("conference-two-callers.png"))
        .await;

    // Mute Anna: Asterisk marks her channel, the page (after its redirect) says muted.
    click_in_row(&s, &anna_id, "mute").await;
    s.wait_url("done=muted").await;
    let muted = wait_rows(&s, "Anna muted", |r| {
        r.iter()
            .any(|(id, t)| *id == anna_id && t.contains("muted"))
    })
    .await;
    assert!(
        muted
            .iter()
            .all(|(id, t)| *id == anna_id || !t.contains("muted")),
        "only Anna is muted: {muted:?}"
    );
    assert_eq!(muted_mark(&sb, &anna_id).await, "1");
    s.screenshot(&shots().join("conference-muted.png")).await;
    click_in_row(&s, &anna_id, "unmute").await;
    s.wait_url("done=unmuted").await;
    wait_rows(&s, "Anna unmuted", |r| {
        r.iter()
            .any(|(id, t)| *id == anna_id && !t.contains("muted"))
    })
    .await;
    assert_eq!(muted_mark(&sb, &anna_id).await, "");

    // Remove Ben: Asterisk hangs up on him and he leaves the list.
    click_in_row(&s, &ben_id, "remove").await;
    s.wait_url("done=removed").await;
    ben.finish().await.assert_ok();
    let left = wait_rows(&s, "Ben gone", |r| r.len() == 1).await;
    assert_eq!(left[0].0, anna_id, "{left:?}");
    assert!(
        sb.ari_get(&format!("/channels/{ben_id}")).await.is_err(),
        "Ben's channel is gone"
    );
    anna.finish().await.assert_ok();
    wait_rows(&s, "the room empty", |r| r.is_empty()).await;
    s.close().await;
    app.stop().await;
}
