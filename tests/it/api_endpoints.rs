//! `/endpoints`: the realtime endpoints with their live state (from ARI events through the
//! real live registry, fed by the fake ARI), registrations, and configuration.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api_support::{detail, Api};
use crate::live_support::{
    channel, channel_destroyed, channel_event, contact_status, endpoint_state, keys, register,
    schema_props, sip_device, temporary_device, LiveApi,
};

#[tokio::test]
async fn api_endpoints_list_and_detail_follow_the_live_registry() {
    let live = LiveApi::start().await;
    let api = &live.api;
    let alice = sip_device(api, "4711", "Alice").await;
    let bob = sip_device(api, "4712", "Bob").await;
    let temp = temporary_device(api, "99560001").await;

    let (s, page) = api.ro(Method::GET, "/endpoints", None).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 3);
    assert_eq!(page["ari_connected"], true);
    let items = page["items"].as_array().unwrap();
    let mut ids: Vec<&str> = items.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let sorted = {
        let mut v = ids.clone();
        v.sort();
        v
    };
    assert_eq!(ids, sorted, "ordered by id");
    ids.sort();
    let mut expected = vec![alice.as_str(), bob.as_str(), temp.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    for e in items {
        // Asterisk has not reported them: not loaded, so offline.
        assert_eq!(e["status"], "offline", "{e}");
        assert_eq!(e["device_state"], "unavailable", "{e}");
        assert_eq!(e["channel_count"], 0, "{e}");
    }
    let a = items.iter().find(|e| e["id"] == alice.as_str()).unwrap();
    assert_eq!(a["numbers"], json!(["4711"]));

    // Alice's phone registers: Asterisk writes ps_contacts and reports the endpoint online
    // and the contact reachable after qualify.
    let uri = "sip:alice@127.0.0.1:5070;x-ast-orig-host=10.0.0.5:5060";
    register(api, &alice, uri, "Yealink SIP-T46S 66.86.0.15").await;
    live.event(endpoint_state(&alice, "online", &[]));
    live.event(contact_status(&alice, uri, "Reachable", "1834"));
    let d = live
        .get_until("/endpoints/4711", |d| d["contacts"][0]["rtt_usec"] == 1834)
        .await;
    assert_eq!(d["id"], alice.as_str());
    assert_eq!(d["status"], "online");
    assert_eq!(d["device_state"], "not_inuse");
    assert_eq!(d["device_kind"], "sip");
    assert_eq!(d["callerid"], "\"Alice\" <4711>");
    assert_eq!(d["context"], "eventpbx-extensions");
    assert_eq!(
        d["numbers"],
        json!([{"number": "4711", "kind": "extension"}])
    );
    assert_eq!(d["aors"][0]["id"], alice.as_str());
    assert_eq!(d["aors"][0]["max_contacts"], 1);
    let c = &d["contacts"][0];
    assert_eq!(c["uri"], uri);
    assert_eq!(c["user_agent"], "Yealink SIP-T46S 66.86.0.15");
    assert_eq!(c["status"], "Reachable");
    assert_eq!(c["expires_at"], 1_800_000_000);
    assert_eq!(d["contacts"].as_array().unwrap().len(), 1);
    // What is sent is what is documented.
    assert_eq!(keys(&d), schema_props(api, "EndpointDetailOut").await);
    assert_eq!(keys(c), schema_props(api, "ContactOut").await);
    assert_eq!(keys(&d["aors"][0]), schema_props(api, "AorOut").await);
    assert_eq!(keys(&page), schema_props(api, "EndpointPage").await);
    assert_eq!(
        keys(&page["items"][0]),
        schema_props(api, "EndpointOut").await
    );

    // The same endpoint by its id.
    let (s, by_id) = api
        .ro(Method::GET, &format!("/endpoints/{alice}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_id, d);
    // A temporary number finds its handset.
    let (s, t) = api.ro(Method::GET, "/endpoints/99560001", None).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["id"], temp.as_str());
    assert_eq!(t["device_kind"], "handset");
    assert_eq!(t["context"], "eventpbx-temporary");
    assert_eq!(t["numbers"][0]["kind"], "temporary");
    assert_eq!(t["contacts"], json!([]));

    // A call: ringing, then up, then gone.
    let ch = channel(
        "c-1",
        &format!("PJSIP/{alice}-00000001"),
        "Ringing",
        "4712",
        "s",
    );
    live.event(channel_event("ChannelCreated", ch.clone()));
    live.get_until("/endpoints/4711", |d| {
        d["device_state"] == "ringing" && d["channel_count"] == 1
    })
    .await;
    let mut up = ch.clone();
    up["state"] = json!("Up");
    live.event(channel_event("ChannelStateChange", up.clone()));
    live.get_until("/endpoints/4711", |d| d["device_state"] == "inuse")
        .await;
    let page = live
        .get_until("/endpoints", |p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["id"] == alice.as_str() && e["channel_count"] == 1)
        })
        .await;
    let a = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == alice.as_str())
        .unwrap();
    assert_eq!(a["status"], "online");
    assert_eq!(a["device_state"], "inuse");
    live.event(channel_destroyed(up));
    live.get_until("/endpoints/4711", |d| {
        d["device_state"] == "not_inuse" && d["channel_count"] == 0
    })
    .await;

    // Unregistered: the contact is removed, the endpoint goes offline.
    live.event(contact_status(&alice, uri, "Removed", "0"));
    live.event(endpoint_state(&alice, "offline", &[]));
    live.get_until("/endpoints/4711", |d| d["status"] == "offline")
        .await;

    // Pages.
    let (_, p) = api.ro(Method::GET, "/endpoints?limit=2", None).await;
    assert_eq!(p["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        (p["total"].as_u64(), p["limit"].as_u64()),
        (Some(3), Some(2))
    );
    let (_, p2) = api
        .ro(Method::GET, "/endpoints?limit=2&offset=2", None)
        .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert_ne!(p2["items"][0]["id"], p["items"][0]["id"]);
    let (s, v) = api.ro(Method::GET, "/endpoints?limit=0", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = api.ro(Method::GET, "/endpoints?limit=many", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn api_endpoints_unknown_ones_are_404_extension_not_found() {
    let api = Api::start().await;
    sip_device(&api, "4711", "Alice").await;
    for path in [
        "/endpoints/4799",
        "/endpoints/snobody0000",
        "/endpoints/4799/config",
        "/endpoints/snobody0000/config",
        "/endpoints/%20",
    ] {
        let (s, v) = api.ro(Method::GET, path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
        assert_eq!(detail(&v), "Extension not found", "{path}");
    }
    // A handset extension nobody bound is a number without an endpoint.
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": "4800", "name": "Loaner", "kind": "handset"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for path in ["/endpoints/4800", "/endpoints/4800/config"] {
        let (s, v) = api.ro(Method::GET, path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
        assert!(detail(&v).contains("no handset bound"), "{v}");
    }
}

#[tokio::test]
async fn api_endpoints_without_asterisk_say_unknown() {
    // No ARI configured: the list still comes from the database, but nothing live is known.
    let api = Api::start().await;
    let alice = sip_device(&api, "4711", "Alice").await;
    let (s, page) = api.ro(Method::GET, "/endpoints", None).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["ari_connected"], false);
    assert_eq!(page["items"][0]["id"], alice.as_str());
    assert_eq!(page["items"][0]["status"], "unknown");
    assert_eq!(page["items"][0]["device_state"], "unknown");
    let (s, d) = api.ro(Method::GET, "/endpoints/4711", None).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "unknown");
}

#[tokio::test]
async fn api_endpoints_config_shows_the_password_to_admin_keys_only() {
    let api = Api::start().await;
    let alice = sip_device(&api, "4711", "Alice").await;
    let password: String = {
        let id = alice.clone();
        api.app
            .state
            .db
            .read(move |c| {
                Ok(
                    c.query_row("SELECT password FROM ps_auths WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?,
                )
            })
            .await
            .unwrap()
    };

    let (s, ro) = api.ro(Method::GET, "/endpoints/4711/config", None).await;
    assert_eq!(s, StatusCode::OK, "{ro}");
    assert_eq!(keys(&ro), schema_props(&api, "EndpointConfigOut").await);
    assert_eq!(ro["id"], alice.as_str());
    assert_eq!(ro["secrets_included"], false);
    assert!(
        !ro.to_string().contains(&password),
        "a read key must not see the password: {ro}"
    );
    assert!(ro["auths"][0].get("password").is_none());
    assert_eq!(ro["auths"][0]["username"], alice.as_str());
    assert_eq!(ro["endpoint"]["id"], alice.as_str());
    assert_eq!(ro["endpoint"]["context"], "eventpbx-extensions");
    assert_eq!(ro["endpoint"]["identify_by"], "username");
    assert_eq!(ro["aors"][0]["max_contacts"], "1", "values are strings");
    for row in [&ro["endpoint"], &ro["auths"][0], &ro["aors"][0]] {
        assert!(
            row.as_object().unwrap().values().all(|v| v.is_string()),
            "{row}"
        );
    }

    // A read-write key that did not create the extension sees what a read key sees.
    let (s, rw) = api
        .rw(Method::GET, &format!("/endpoints/{alice}/config"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{rw}");
    assert_eq!(rw["secrets_included"], false);
    assert!(!rw.to_string().contains(&password), "{rw}");

    let (s, admin) = api
        .admin(Method::GET, &format!("/endpoints/{alice}/config"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{admin}");
    assert_eq!(admin["secrets_included"], true);
    assert_eq!(admin["auths"][0]["password"], password.as_str());
    assert_eq!(admin["endpoint"], ro["endpoint"]);
    assert_eq!(admin["aors"], ro["aors"]);
}

#[tokio::test]
async fn api_endpoints_config_shows_a_read_write_key_the_password_of_what_it_created() {
    let api = Api::start().await;
    let (s, created) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(serde_json::json!({"number": "4720", "name": "Mine", "kind": "sip"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let (s, mine) = api.rw(Method::GET, "/endpoints/4720/config", None).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["secrets_included"], true);
    assert_eq!(mine["auths"][0]["password"], created["sip_password"]);
    // Another read-write key did not create it.
    let other = crate::api_support::key(
        &api.app,
        "other-service",
        eventpbx::db::api_keys::Scope::ReadWrite,
    )
    .await;
    let (s, theirs) = api
        .send(Method::GET, "/endpoints/4720/config", Some(&other), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{theirs}");
    assert_eq!(theirs["secrets_included"], false);
    assert!(theirs["auths"][0].get("password").is_none(), "{theirs}");
}

#[tokio::test]
async fn api_endpoints_need_a_key() {
    let api = Api::start().await;
    sip_device(&api, "4711", "Alice").await;
    for path in ["/endpoints", "/endpoints/4711", "/endpoints/4711/config"] {
        for key in [None, Some("epbx_wrong")] {
            let (s, v) = api.send(Method::GET, path, key, None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}: {v}");
            assert!(detail(&v).contains("API key"));
        }
        let (s, v) = api.ro(Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "{path}: a read key may read: {v}");
    }
}
