//! Export, import --next-event, taking held numbers back, and refused files.

use std::sync::Arc;

use super::*;
use crate::db::extensions::Created;
use crate::domain::accounts::Role;
use crate::domain::numbering::Authority;
use crate::domain::routing::Member;
use crate::domain::ExtensionKind;
use crate::service::extensions::{claim, Claim, ClaimError, Owner};
use crate::service::tests::test_db;
use crate::service::users::add_user;

pub(super) const PW: &str = "correct horse battery";

fn claim_of(owner: Owner, number: &str, kind: ExtensionKind, authority: Authority) -> Claim {
    Claim {
        owner,
        number: number.into(),
        name: format!("Name {number}"),
        kind,
        public: true,
        authority,
        by_key: None,
    }
}

fn count(db_conn: &rusqlite::Connection, sql: &str) -> i64 {
    db_conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The previous event: ann (SIP 2000, a bound handset 2001), bob (handset 2002, unbound),
/// a desk group 3000 with both, forwarding, a phonebook entry and a temporary handset.
pub(super) async fn previous_event(db: &Db, settings: Arc<Settings>) -> (String, String) {
    let ann = add_user(db, "ann", "Ann", PW, Role::Attendee)
        .await
        .unwrap();
    let bob = add_user(db, "bob", "Bob", PW, Role::Operator)
        .await
        .unwrap();
    crate::service::users::set_language(db, bob.id, Some(crate::domain::lang::Lang::De))
        .await
        .unwrap();
    let Created::Sip(sip) = claim(
        db,
        settings.clone(),
        claim_of(
            Owner::User(ann.id),
            "2000",
            ExtensionKind::Sip,
            Authority::Attendee,
        ),
    )
    .await
    .unwrap() else {
        panic!("sip")
    };
    let Created::Handset { token } = claim(
        db,
        settings.clone(),
        claim_of(
            Owner::User(ann.id),
            "2001",
            ExtensionKind::Handset,
            Authority::Attendee,
        ),
    )
    .await
    .unwrap() else {
        panic!("handset")
    };
    claim(
        db,
        settings.clone(),
        claim_of(
            Owner::User(bob.id),
            "2002",
            ExtensionKind::Handset,
            Authority::Attendee,
        ),
    )
    .await
    .unwrap();
    claim(
        db,
        settings.clone(),
        claim_of(
            Owner::Nobody,
            "3000",
            ExtensionKind::Group,
            Authority::Admin,
        ),
    )
    .await
    .unwrap();
    let minted = crate::service::handsets::mint(db, &settings, 2)
        .await
        .unwrap();
    let bound = minted[0].credentials.username.clone();
    db.write(move |tx| {
        let outcome = crate::db::handsets::bind(tx, &bound, &token, crate::db::now())?;
        assert!(matches!(
            outcome,
            crate::db::handsets::BindOutcome::Bound { .. }
        ));
        for (n, delay) in [("2000", 0), ("2002", 5)] {
            let m = Member {
                number: n.into(),
                delay,
                active: true,
            };
            crate::db::routing::upsert_member(tx, "3000", &m)?;
        }
        let mut p = crate::db::routing::preferences(tx, "2000")?;
        p.forward.busy = Some("3000".into());
        crate::db::routing::set_preferences(tx, "2000", &p)?;
        crate::db::routing::recompile_all(tx)?;
        crate::db::phonebook::add_service_entry(tx, "Info point", "1234")?;
        Ok(())
    })
    .await
    .unwrap();
    (sip.username, sip.password)
}

#[tokio::test]
async fn an_export_comes_back_as_the_next_event() {
    let settings = Arc::new(Settings::default());
    let (dir, old) = test_db();
    let (sip_user, sip_password) = previous_event(&old, settings.clone()).await;
    let file = dir.path().join("camp.json");
    let done = export_to(&old, &file).await.unwrap();
    assert_eq!((done.users, done.extensions, done.devices), (2, 4, 3));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(matches!(
        export_to(&old, &file).await,
        Err(TransferError::Exists(_))
    ));

    let (_dir2, next) = test_db();
    let hold = crate::db::now() + 3600;
    let imported = import_next_event(&next, settings.clone(), &file, hold)
        .await
        .unwrap();
    assert_eq!(imported.users, 2);
    assert_eq!(imported.held, 3, "ann's two and bob's one");
    assert_eq!(imported.unowned, 1, "the desk group");
    assert_eq!(imported.handsets, 2, "the bound and the temporary handset");
    assert_eq!(imported.sip_phones, 1);
    assert_eq!(imported.phonebook, 1);

    let desk_route =
        "SELECT dial || '|' || timeout || '|' || on_noanswer FROM routes WHERE number = '3000'";
    let (old_hashes, old_tokens, old_desk) = old
        .read(move |c| {
            let h: String =
                c.query_row("SELECT group_concat(password_hash) FROM users", [], |r| {
                    r.get(0)
                })?;
            let t: String = c.query_row(
                "SELECT coalesce(group_concat(token), '') FROM extensions",
                [],
                |r| r.get(0),
            )?;
            let d: String = c.query_row(desk_route, [], |r| r.get(0))?;
            Ok((h, t, d))
        })
        .await
        .unwrap();
    let (user, pw) = (sip_user.clone(), sip_password.clone());
    next.read(move |c| {
        let h: String = c.query_row("SELECT group_concat(password_hash) FROM users", [], |r| {
            r.get(0)
        })?;
        assert_eq!(h, old_hashes, "passwords carry over");
        let languages: String = c.query_row(
            "SELECT group_concat(username || '=' || coalesce(language, '-')) FROM users",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(
            languages, "ann=-,bob=de",
            "the chosen language carries over"
        );
        assert_eq!(
            count(
                c,
                "SELECT count(*) FROM users WHERE username = 'bob' AND role = 'operator'"
            ),
            1
        );
        assert_eq!(
            count(
                c,
                "SELECT count(*) FROM extensions WHERE held_until IS NOT NULL"
            ),
            3
        );
        let stored: String = c.query_row(
            "SELECT password FROM ps_auths WHERE id = ?1",
            [&user],
            |r| r.get(0),
        )?;
        assert_eq!(stored, pw, "the SIP phone keeps its identity and password");
        assert_eq!(
            crate::db::numbers::endpoint_of(c, "2000")?,
            Some(user.clone())
        );
        // Handsets: all temporary, with their old identities, in the restricted context.
        assert_eq!(
            count(c, "SELECT count(*) FROM numbers WHERE kind = 'temporary'"),
            2
        );
        assert_eq!(
            count(
                c,
                "SELECT count(*) FROM ps_endpoints WHERE context = 'eventpbx-temporary'"
            ),
            2
        );
        let tokens: Vec<String> = c
            .prepare("SELECT token FROM extensions WHERE token IS NOT NULL")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        assert_eq!(
            tokens.len(),
            2,
            "both handset extensions wait for a handset"
        );
        for t in &tokens {
            assert!(!old_tokens.contains(t.as_str()), "tokens are fresh");
        }
        let members = crate::db::routing::members(c, "3000")?;
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].delay, 5);
        assert_eq!(
            crate::db::routing::preferences(c, "2000")?
                .forward
                .busy
                .as_deref(),
            Some("3000")
        );
        let desk: String = c.query_row(desk_route, [], |r| r.get(0))?;
        assert_eq!(desk, old_desk, "the desk group routes as before");
        assert!(desk.contains(&user), "{desk}: it rings ann's phone");
        assert_eq!(
            count(
                c,
                "SELECT count(*) FROM phonebook_entries WHERE number = '1234'"
            ),
            1
        );
        Ok(())
    })
    .await
    .unwrap();

    // A second import into the now filled database is refused whole.
    let again = import_next_event(&next, settings, &file, hold).await;
    assert!(matches!(again, Err(TransferError::Import(_))), "{again:?}");
}

#[tokio::test]
async fn owners_take_held_numbers_back_and_others_cannot() {
    let settings = Arc::new(Settings::default());
    let (dir, old) = test_db();
    let (sip_user, sip_password) = previous_event(&old, settings.clone()).await;
    let file = dir.path().join("camp.json");
    export_to(&old, &file).await.unwrap();
    let (_d, next) = test_db();
    let now = crate::db::now();
    import_next_event(&next, settings.clone(), &file, now + 3600)
        .await
        .unwrap();
    let id = |name: &'static str| {
        let next = next.clone();
        async move {
            next.read(move |c| Ok(crate::db::users::id_of(c, name)?.unwrap()))
                .await
                .unwrap()
        }
    };
    let (ann, bob) = (id("ann").await, id("bob").await);
    let theirs = claim(
        &next,
        settings.clone(),
        claim_of(
            Owner::User(bob),
            "2000",
            ExtensionKind::Sip,
            Authority::Attendee,
        ),
    )
    .await;
    assert!(
        matches!(theirs, Err(ClaimError::Rule(_))),
        "held for ann: {theirs:?}"
    );
    let back = claim(
        &next,
        settings.clone(),
        claim_of(
            Owner::User(ann),
            "2000",
            ExtensionKind::Sip,
            Authority::Attendee,
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        back,
        Created::Sip(crate::db::devices::Credentials {
            username: sip_user,
            password: sip_password
        }),
        "the same phone settings as last year"
    );
    // Bob does not take 2002 back in time: it is released, ann's taken-back 2000 stays.
    let s = settings.clone();
    let released = next
        .write(move |tx| crate::db::transfer::release_expired_holds(tx, &s, now + 7200))
        .await
        .unwrap();
    assert_eq!(released, ["2001", "2002"]);
    next.read(|c| {
        assert_eq!(
            count(
                c,
                "SELECT count(*) FROM extensions WHERE number IN ('2000', '3000')"
            ),
            2
        );
        assert_eq!(
            count(
                c,
                "SELECT count(*) FROM extensions WHERE held_until IS NOT NULL"
            ),
            0
        );
        Ok(())
    })
    .await
    .unwrap();
}

/// Imports `text` into a fresh database: the error's text, and proof nothing was written.
pub(super) async fn refusal(text: &str, case: &str) -> String {
    let (dir, db) = test_db();
    let file = dir.path().join("x.json");
    std::fs::write(&file, text).unwrap();
    let e = import_next_event(
        &db,
        Arc::new(Settings::default()),
        &file,
        crate::db::now() + 60,
    )
    .await
    .expect_err(case);
    db.read(|c| {
        for t in [
            "users",
            "extensions",
            "devices",
            "phonebook_entries",
            "group_members",
        ] {
            assert_eq!(
                count(c, &format!("SELECT count(*) FROM {t}")),
                0,
                "{t} untouched"
            );
        }
        Ok(())
    })
    .await
    .unwrap();
    e.to_string()
}

/// A valid file to spoil one value at a time.
pub(super) async fn good() -> serde_json::Value {
    let settings = Arc::new(Settings::default());
    let (dir, old) = test_db();
    previous_event(&old, settings).await;
    let file = dir.path().join("camp.json");
    export_to(&old, &file).await.unwrap();
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

#[tokio::test]
async fn bad_files_are_refused_whole_naming_the_first_problem() {
    let base = good().await;
    let spoil = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = base.clone();
        f(&mut v);
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            spoil(&|v| v["version"] = 2.into()),
            "version: 2 is not supported",
        ),
        (
            spoil(&|v| v["format"] = "vcard".into()),
            "format: not an eventpbx-export file",
        ),
        ("[1, 2]".into(), "file: not a JSON object"),
        ("not json".into(), "file: not a JSON object"),
        (
            spoil(&|v| v["extensions"][1]["number"] = "20x1".into()),
            "extensions[1].number:",
        ),
        (
            spoil(&|v| v["extensions"][1]["number"] = "2000".into()),
            "extensions[1].number: 2000 appears twice",
        ),
        (
            spoil(&|v| v["users"][1]["username"] = "ANN".into()),
            "users[1].username: \"ANN\" appears twice",
        ),
        (
            spoil(&|v| v["extensions"][3]["browser_phone"] = true.into()),
            "extensions[3].browser_phone: a group has no browser phone",
        ),
        (
            spoil(&|v| v["extensions"][0]["browser_phone"] = "yes".into()),
            "extensions[0].browser_phone: invalid type",
        ),
        (
            spoil(&|v| v["users"][0]["disabled"] = "no".into()),
            "users[0].disabled: invalid type",
        ),
        (
            spoil(&|v| v["users"][0]["role"] = "root".into()),
            "users[0].role:",
        ),
        (
            spoil(&|v| v["users"][0]["password_hash"] = "plain".into()),
            "users[0].password_hash: not an argon2id hash",
        ),
        (
            spoil(&|v| v["users"][0]["extra"] = 1.into()),
            "users[0].extra: unknown field `extra`",
        ),
        (
            spoil(&|v| v["extensions"][0]["owner"] = "mallory".into()),
            "extensions[0].owner: no user \"mallory\"",
        ),
        (
            spoil(&|v| v["devices"][0]["password"] = "abc;def\nghijklmnopq".into()),
            "devices[0].password:",
        ),
        (
            spoil(&|v| v["devices"][0]["sip_username"] = "h1;@x', 'y".into()),
            "devices[0].sip_username:",
        ),
        (
            spoil(&|v| v["groups"][0]["members"][0]["delay"] = 301.into()),
            "groups[0].members:",
        ),
        (
            spoil(&|v| v["groups"][0]["members"][0]["number"] = "3000".into()),
            "groups[0].members:",
        ),
        (
            spoil(&|v| v["forwarding"][0]["busy"] = "9999".into()),
            "forwarding[0]:",
        ),
        (
            spoil(&|v| v["phonebook"][0]["number"] = "12ab".into()),
            "phonebook[0].number:",
        ),
        (
            spoil(&|v| v["extensions"][1]["number"] = "99560001".into()),
            "extensions[1].number:",
        ),
        (
            format!(
                "{{\"format\":\"eventpbx-export\",\"version\":1,\"pad\":\"{}\"}}",
                "x".repeat(65 * 1024 * 1024)
            ),
            "larger than",
        ),
    ];
    for (text, expected) in cases {
        let message = refusal(&text, expected).await;
        assert!(
            message.contains(expected),
            "{expected:?} not in {message:?}"
        );
        assert!(
            message.starts_with("refused, nothing imported"),
            "{message}"
        );
    }
    // A group loop only shows once the graph is whole; still nothing is written.
    let mut looped = base.clone();
    let groups = looped["extensions"].as_array_mut().unwrap();
    groups.push(
        serde_json::json!({"number": "3001", "name": "Loop", "kind": "group",
        "owner": null, "public": true, "device": null}),
    );
    looped["groups"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!(
        {"number": "3001", "members": [{"number": "3000", "delay": 0, "active": true}]}));
    looped["groups"][0]["members"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!(
        {"number": "3001", "delay": 0, "active": true}));
    let message = refusal(&looped.to_string(), "loop").await;
    assert!(message.contains("groups[0]"), "{message}");
}

#[tokio::test]
async fn dect_handsets_carry_over_by_ipei_and_bad_ones_are_refused() {
    let settings = Arc::new(Settings::default());
    let (dir, old) = test_db();
    previous_event(&old, settings.clone()).await;
    // The OMM reported one of the handsets.
    old.write(|tx| {
        tx.execute(
            "INSERT INTO dect_handsets (device_id, ipei, uak, created_at)
             SELECT id, '03103 0024641 3', '00112233445566778899AABBCCDDEEFF', 0
             FROM devices WHERE kind = 'handset' ORDER BY id LIMIT 1",
            [],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    let file = dir.path().join("camp.json");
    export_to(&old, &file).await.unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let devices = v["devices"].as_array().unwrap();
    let at = devices
        .iter()
        .position(|d| d.get("dect").is_some())
        .expect("the DECT handset is exported with its IPEI");
    assert_eq!(devices[at]["dect"]["ipei"], "03103 0024641 3");

    let (_dir2, next) = test_db();
    import_next_event(&next, settings.clone(), &file, crate::db::now() + 3600)
        .await
        .unwrap();
    let (device, uak): (String, String) = next
        .read(|c| {
            Ok(c.query_row(
                "SELECT device_id, uak FROM dect_handsets WHERE ipei = '03103 0024641 3'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(device, devices[at]["sip_username"].as_str().unwrap());
    assert_eq!(uak, "00112233445566778899AABBCCDDEEFF");

    let sip = devices.iter().position(|d| d["kind"] == "sip").unwrap();
    let other = devices
        .iter()
        .position(|d| d["kind"] == "handset" && d.get("dect").is_none())
        .unwrap();
    let spoil = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = v.clone();
        f(&mut v);
        v.to_string()
    };
    for (bad, expected) in [
        (
            spoil(&|v| v["devices"][at]["dect"]["ipei"] = "0310<script>".into()),
            format!("devices[{at}].dect.ipei:"),
        ),
        (
            spoil(&|v| v["devices"][at]["dect"]["uak"] = "not hex".into()),
            format!("devices[{at}].dect.uak:"),
        ),
        (
            spoil(&|v| v["devices"][sip]["dect"] = serde_json::json!({"ipei": "123"})),
            format!("devices[{sip}].dect:"),
        ),
        (
            spoil(&|v| v["devices"][other]["dect"] = v["devices"][at]["dect"].clone()),
            "appears twice".to_string(),
        ),
    ] {
        let got = refusal(&bad, &expected).await;
        assert!(got.contains(&expected), "{expected}: {got}");
    }
}
