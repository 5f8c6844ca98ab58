//! Routing in the browser: a group made, staffed and timed by its owner, an invitation
//! accepted by another user, forwarding set, and the route table showing all of it.

use eventpbx::domain::accounts::Role;
use eventpbx::domain::numbering::Authority;
use eventpbx::domain::ExtensionKind;
use eventpbx::service::extensions::{claim, Claim, Owner};

use crate::webdriver;
use crate::{log_in, screenshots, web_support};

async fn user_with_extension(app: &web_support::TestApp, name: &str, number: &str) {
    let user = eventpbx::service::users::add_user(
        &app.state.db,
        name,
        name,
        web_support::PASSWORD,
        Role::Attendee,
    )
    .await
    .unwrap();
    let request = Claim {
        owner: Owner::User(user.id),
        number: number.into(),
        name: format!("{name}'s phone"),
        kind: ExtensionKind::Sip,
        public: true,
        authority: Authority::Attendee,
        by_key: None,
    };
    claim(&app.state.db, app.state.settings.clone(), request)
        .await
        .unwrap();
}

#[tokio::test]
async fn browser_group_invitation_forwarding_and_route_table() {
    let (driver_bin, browser_bin) = webdriver::binaries()
        .expect("chromedriver and chromium are needed: scripts/setup --test installs them");
    let app = web_support::spawn().await;
    user_with_extension(&app, "ann", "2001").await;
    user_with_extension(&app, "bob", "3001").await;
    let driver = webdriver::Driver::start(&driver_bin).await;
    let s = driver.session(&browser_bin, 412, 915).await;
    let shots = screenshots();

    // Ann makes group 2100 and adds her own 2001.
    log_in(&s, &app, "ann").await;
    s.find("#group-number").await.type_text("2100").await;
    s.find("#group-name").await.type_text("Infodesk").await;
    s.find("#create-group button[type=submit]")
        .await
        .click()
        .await;
    s.wait_url("done=group").await;
    s.find("#add-delay-2100").await.clear().await;
    s.find("#add-delay-2100").await.type_text("5").await;
    s.find("form.add-member button[type=submit]")
        .await
        .click()
        .await;
    s.wait_source("id=\"member-2100-2001\"").await;
    // She changes the delay in the member table; the route table shows it.
    let delay = "#member-2100-2001 input[name=delay]";
    s.find(delay).await.clear().await;
    s.find(delay).await.type_text("3").await;
    s.find("#member-2100-2001 button[type=submit]")
        .await
        .click()
        .await;
    let source = s.wait_source("after 3 s, for 27 s").await;
    assert!(source.contains("id=\"route-2100\""), "{source}");
    // And invites Bob's 3001.
    s.find("#invite-2100").await.type_text("3001").await;
    s.find("#invite-delay-2100").await.clear().await;
    s.find("#invite-delay-2100").await.type_text("10").await;
    s.find("form.invite button[type=submit]")
        .await
        .click()
        .await;
    s.wait_source("Invited, not answered yet: 3001 (delay 10 s)")
        .await;
    s.screenshot(&shots.join("account-group.png")).await;
    s.find("header form button").await.click().await;
    s.find("header a[href='/login']").await;

    // Bob accepts, then forwards his 3001 to 2001 when busy.
    log_in(&s, &app, "bob").await;
    s.find("#invitation-2100-3001 button[type=submit]")
        .await
        .click()
        .await;
    s.wait_source("id=\"membership-2100-3001\"").await;
    s.find("#ext-3001 details.forwarding-settings summary")
        .await
        .click()
        .await;
    s.find("#fwd-busy-3001").await.type_text("2001").await;
    s.find("#ext-3001 form.forwarding button[type=submit]")
        .await
        .click()
        .await;
    s.wait_url("done=routing").await;
    s.find("#ext-3001 details.route summary")
        .await
        .click()
        .await;
    let source = s.wait_source("Busy: goes to <strong>2001</strong>").await;
    assert!(
        source.contains("value=\"2001\""),
        "the form shows it: {source}"
    );
    s.screenshot(&shots.join("account-forwarding.png")).await;
    s.find("header form button").await.click().await;
    s.find("header a[href='/login']").await;

    // Ann's route table now rings Bob after 10 s too.
    log_in(&s, &app, "ann").await;
    let source = s
        .wait_source("3001 <span class=\"name\">bob's phone</span>")
        .await;
    assert!(source.contains("after 10 s, for 20 s"), "{source}");
    s.close().await;
}
