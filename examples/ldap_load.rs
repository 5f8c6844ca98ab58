//! LDAP queries per second against a real `eventpbx serve`: `scripts/bench ldap` runs this
//! in a second process beside the daemon, with 5,000 published entries in the book.
//!
//! LDAP_ADDR (e.g. 127.0.0.1:13890), LDAP_BASE, LDAP_CONNECTIONS (default 16), LDAP_SECONDS
//! (default 10). Each connection binds anonymously and then sends, one after another, the
//! substring search a Yealink sends for a typed name, `(|(cn=*<q>*)(sn=*<q>*))`, with `q` a
//! varying three-digit string (names are `Person <n>`, so each search matches a handful of
//! entries among all). Prints searches per second, entries per search, latency percentiles
//! and any non-success result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use ldap3_proto::proto::{
    LdapBindCred, LdapBindRequest, LdapDerefAliases, LdapFilter, LdapOp, LdapResultCode,
    LdapSearchRequest, LdapSearchScope, LdapSubstringFilter,
};
use ldap3_proto::{LdapCodec, LdapMsg};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn search(base: &str, query: &str) -> LdapOp {
    let contains = |attr: &str| {
        LdapFilter::Substring(
            attr.into(),
            LdapSubstringFilter {
                initial: None,
                any: vec![query.into()],
                final_: None,
            },
        )
    };
    LdapOp::SearchRequest(LdapSearchRequest {
        base: base.into(),
        scope: LdapSearchScope::Subtree,
        aliases: LdapDerefAliases::Never,
        sizelimit: 50,
        timelimit: 0,
        typesonly: false,
        filter: LdapFilter::Or(vec![contains("cn"), contains("sn")]),
        attrs: vec!["cn".into(), "telephoneNumber".into()],
    })
}

struct Tally {
    latencies: Vec<Duration>,
    entries: u64,
    failures: u64,
}

async fn client(addr: String, base: String, seed: u64, until: Instant) -> Tally {
    let stream = TcpStream::connect(&addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut framed = Framed::new(stream, LdapCodec::default());
    framed
        .send(LdapMsg::new(
            1,
            LdapOp::BindRequest(LdapBindRequest {
                version: 3,
                dn: String::new(),
                cred: LdapBindCred::Simple(String::new()),
            }),
        ))
        .await
        .unwrap();
    framed.next().await.unwrap().unwrap();
    let mut tally = Tally {
        latencies: Vec::new(),
        entries: 0,
        failures: 0,
    };
    let mut id = 1;
    let mut q = seed;
    while Instant::now() < until {
        id += 1;
        q = (q * 7919 + 13) % 1000;
        let started = Instant::now();
        framed
            .send(LdapMsg::new(id, search(&base, &format!("{q:03}"))))
            .await
            .unwrap();
        loop {
            let msg = framed.next().await.unwrap().unwrap();
            match msg.op {
                LdapOp::SearchResultEntry(_) => tally.entries += 1,
                LdapOp::SearchResultDone(res) => {
                    if res.code != LdapResultCode::Success {
                        tally.failures += 1;
                        eprintln!("search {q:03}: {:?} {}", res.code, res.message);
                    }
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        tally.latencies.push(started.elapsed());
    }
    tally
}

#[tokio::main]
async fn main() {
    let addr = env_or("LDAP_ADDR", "127.0.0.1:13890");
    let base = env_or("LDAP_BASE", "ou=phonebook,dc=eventpbx");
    let connections: u64 = env_or("LDAP_CONNECTIONS", "16").parse().unwrap();
    let seconds: u64 = env_or("LDAP_SECONDS", "10").parse().unwrap();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|i| tokio::spawn(client(addr.clone(), base.clone(), i * 37, until)))
        .collect();
    let mut all = Tally {
        latencies: Vec::new(),
        entries: 0,
        failures: 0,
    };
    for t in tasks {
        let t = t.await.unwrap();
        all.latencies.extend(t.latencies);
        all.entries += t.entries;
        all.failures += t.failures;
    }
    let took = started.elapsed().as_secs_f64();
    all.latencies.sort();
    let n = all.latencies.len();
    let pct = |p: f64| all.latencies[((n as f64 * p) as usize).min(n - 1)].as_secs_f64() * 1000.0;
    println!(
        "ldap: {n} substring searches in {took:.1} s over {connections} connections: {:.0} searches/s, {:.1} entries each, p50 {:.2} ms, p99 {:.2} ms, {} failed",
        n as f64 / took,
        all.entries as f64 / n as f64,
        pct(0.50),
        pct(0.99),
        all.failures
    );
}
