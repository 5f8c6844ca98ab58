//! The operator page's charts: inline SVG that parses as XML, whose bars say what the
//! per-minute statistics table holds (each bar checked against the table, computed here
//! independently of the page's code), for operators only.

use std::collections::HashMap;

use eventpbx::db::stats;
use eventpbx::domain::accounts::Role;
use reqwest::StatusCode;

use crate::web_support::spawn;

/// `(minute, calls, concurrent, failed, [sip, handset, dect, temporary] or None)`.
type Row = (i64, i64, i64, i64, Option<[i64; 4]>);

/// Every `<svg>...</svg>` in the page, parsed; panics on one that is not well-formed XML.
fn svgs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + 6;
        let svg = &rest[start..end];
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
        out.push(svg.to_string());
        rest = &rest[end..];
    }
    out
}

/// The bars of one chart: (series, start, value).
fn bars(svg: &str) -> (String, Vec<(String, i64, i64)>) {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let id = root.attribute("id").unwrap().to_string();
    let bars = root
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .map(|n| {
            (
                n.attribute("data-series").unwrap().to_string(),
                n.attribute("data-start").unwrap().parse().unwrap(),
                n.attribute("data-value").unwrap().parse().unwrap(),
            )
        })
        .collect();
    (id, bars)
}

/// What the table says a bar of `chart` starting at `start` for `series` must show.
fn expected(rows: &HashMap<i64, Row>, chart: &str, series: &str, start: i64) -> Option<i64> {
    let step = if chart.ends_with("-day") { 600 } else { 60 };
    let minutes: Vec<&Row> = (0..step / 60)
        .filter_map(|i| rows.get(&(start + i * 60)))
        .collect();
    let kind = ["sip", "handset", "dect", "temporary"]
        .iter()
        .position(|k| *k == series);
    let values: Vec<i64> = minutes
        .iter()
        .filter_map(|r| match (chart.split('-').nth(1).unwrap(), kind) {
            ("calls", _) => Some(r.1),
            ("concurrent", _) => Some(r.2),
            ("failed", _) => Some(r.3),
            ("registered", Some(k)) => r.4.map(|v| v[k]),
            _ => None,
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    // Counts add up over a step; levels show their highest minute.
    Some(
        if chart.contains("concurrent") || chart.contains("registered") {
            *values.iter().max().unwrap()
        } else {
            values.iter().sum()
        },
    )
}

#[tokio::test]
async fn web_operator_charts_are_well_formed_svg_whose_bars_match_the_statistics_table() {
    let app = spawn().await;
    let operator = app.user_with_role("olga", Role::Operator).await;
    let attendee = app.user_with_role("anna", Role::Attendee).await;
    let now = eventpbx::db::now();
    let minute = now - now.rem_euclid(60);
    // Calls and failed tokens in the last hour, counted by the same function the minute
    // task runs; registrations sampled two and three hours ago, and an hour with none.
    app.state
        .db
        .write(move |tx| {
            for (i, (start, len)) in [(600, 30), (610, 200), (1200, 5), (1210, 5), (3000, 90)]
                .iter()
                .enumerate()
            {
                tx.execute(
                    "INSERT INTO call_history (call_id, dialled, started_at, ended_at, duration,
                         asterisk_cause, cause) VALUES (?1, '2000', ?2, ?3, ?4, '', 'answered')",
                    rusqlite::params![format!("c{i}"), minute - start, minute - start + len, len],
                )?;
            }
            for back in [100, 130, 1900] {
                tx.execute(
                    "INSERT INTO token_attempts (endpoint, at, outcome) VALUES ('h1', ?1, 'unknown')",
                    [minute - back],
                )?;
            }
            stats::count_minutes(tx, minute - 3_600, minute + 60)?;
            for (back, sip, temp) in [(7_200, 4, 2), (7_260, 5, 1), (10_800, 3, 0)] {
                tx.execute(
                    "INSERT INTO stats_minutes (minute, registered_sip, registered_handset,
                         registered_dect, registered_temporary) VALUES (?1, ?2, 1, 0, ?3)",
                    rusqlite::params![minute - back, sip, temp],
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();

    let r = operator
        .get(app.url("/operator/charts"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let rows: HashMap<i64, Row> = app
        .state
        .db
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT minute, calls, concurrent, failed_tokens, registered_sip,
                        registered_handset, registered_dect, registered_temporary
                 FROM stats_minutes",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    let sip: Option<i64> = r.get(4)?;
                    let reg = match sip {
                        Some(s) => Some([s, r.get(5)?, r.get(6)?, r.get(7)?]),
                        None => None,
                    };
                    Ok((r.get(0)?, (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, reg)))
                })?
                .collect::<Result<HashMap<_, _>, _>>()?;
            Ok(rows)
        })
        .await
        .unwrap();

    let charts: HashMap<String, Vec<(String, i64, i64)>> =
        svgs(&html).iter().map(|s| bars(s)).collect();
    let ids = [
        "chart-calls-hour",
        "chart-concurrent-hour",
        "chart-registered-hour",
        "chart-failed-hour",
        "chart-calls-day",
        "chart-concurrent-day",
        "chart-registered-day",
        "chart-failed-day",
    ];
    for id in ids {
        assert!(charts.contains_key(id), "{id} missing: {html}");
    }
    // The minute task may sample the current minute's registrations while this runs: the
    // step holding the current minute is left out of the comparison.
    let current = |id: &str, start: i64| {
        let step = if id.ends_with("-day") { 600 } else { 60 };
        start <= minute && minute < start + step
    };
    for (id, bars) in &charts {
        for (series, start, value) in bars {
            if current(id, *start) {
                continue;
            }
            assert_eq!(
                expected(&rows, id, series, *start),
                Some(*value),
                "{id} {series} at {start}"
            );
        }
    }
    // And no step the table has a value for is missing a bar.
    let hour_calls = &charts["chart-calls-hour"];
    assert_eq!(hour_calls.len(), 60, "one bar per minute of the hour");
    let sum: i64 = hour_calls.iter().map(|b| b.2).sum();
    assert_eq!(sum, 5, "five calls in the hour");
    let failed: i64 = charts["chart-failed-day"].iter().map(|b| b.2).sum();
    assert_eq!(failed, 3);
    let registered_day: Vec<_> = charts["chart-registered-day"]
        .iter()
        .filter(|b| b.0 == "sip" && !current("chart-registered-day", b.1))
        .map(|b| b.2)
        .collect();
    // 7,200 s and 7,260 s ago may share one ten-minute step (max 5) or not (4 and 5).
    assert!(
        registered_day == [3, 5] || registered_day == [3, 4, 5],
        "{registered_day:?}"
    );
    // The hour without samples draws no registration bars.
    let registered_hour = charts["chart-registered-hour"]
        .iter()
        .filter(|b| !current("chart-registered-hour", b.1))
        .count();
    assert_eq!(registered_hour, 0);

    // The page carries them; attendees get neither.
    let (_, page) = app.get(&operator, "/operator").await;
    assert!(page.contains("id=\"chart-calls-hour\""), "{page}");
    let (status, _) = app.get(&attendee, "/operator/charts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
