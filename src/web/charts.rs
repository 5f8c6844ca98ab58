//! The operator page's charts, server-rendered as inline SVG (no script library; the CSP
//! stays `'self'`): calls per minute, calls going on, registered devices by kind and failed
//! tokens per minute, over the last hour and the last day, from `stats_minutes`.
//!
//! Every bar carries its step and value (`data-start`, `data-value`, and a `<title>` people
//! see on hover), so a test can hold the picture against the table. The panel is rendered
//! once per minute and kept: the statistics change once a minute, the page is read far more.

use std::collections::HashMap;
use std::sync::Mutex;

use maud::{html, Markup, PreEscaped, Render};
use time::UtcOffset;

use crate::db::{stats, Db, DbError};
use crate::domain::lang::Lang;
use crate::domain::stats::{minute_of, series, DeviceKind, Measure, MinuteStats, Point, Range};
use crate::tr;
use crate::web::components::clock;
use crate::web::i18n::Tr;

/// The drawing's size in SVG units (it scales to the page's width).
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 100.0;
/// Room below the bars for the time labels.
const LABELS: f64 = 16.0;

/// One series of a chart: its legend and points.
pub struct Series {
    pub label: String,
    /// CSS class suffix (`s-<code>`) giving its colour.
    pub code: &'static str,
    pub points: Vec<Point>,
}

/// A bar chart; several series stack.
pub struct BarChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub series: &'a [Series],
    pub offset: UtcOffset,
    /// The reader's language (the hover texts and the scale).
    pub t: Tr,
}

impl BarChart<'_> {
    /// The tallest stack, at least 1 (an empty chart still has a scale).
    fn max(&self) -> u32 {
        let steps = self.series.first().map_or(0, |s| s.points.len());
        (0..steps)
            .map(|i| {
                self.series
                    .iter()
                    .filter_map(|s| s.points.get(i).and_then(|p| p.value))
                    .fold(0u32, u32::saturating_add)
            })
            .max()
            .unwrap_or(0)
            .max(1)
    }
}

impl Render for BarChart<'_> {
    fn render(&self) -> Markup {
        let steps = self.series.first().map_or(0, |s| s.points.len());
        let max = self.max();
        let bar = if steps == 0 {
            WIDTH
        } else {
            WIDTH / steps as f64
        };
        let scale = HEIGHT / f64::from(max);
        let first = self.series.first().and_then(|s| s.points.first());
        let last = self.series.first().and_then(|s| s.points.last());
        let title_id = format!("{}-title", self.id);
        let view_box = format!("0 0 {WIDTH} {}", HEIGHT + LABELS);
        let t = self.t;
        html! {
            figure.chart {
                svg id=(self.id) xmlns="http://www.w3.org/2000/svg" viewBox=(view_box)
                    role="img" aria-labelledby=(title_id) data-max=(max) {
                    title id=(title_id) { (self.title) }
                    line.axis x1="0" y1=(HEIGHT) x2=(WIDTH) y2=(HEIGHT) {}
                    @for i in 0..steps {
                        @let mut base = HEIGHT;
                        g.step {
                            @for s in self.series {
                                @if let Some(p) = s.points.get(i) {
                                    @if let Some(v) = p.value {
                                        @let h = f64::from(v) * scale;
                                        @let y = { base -= h; base };
                                        rect class={ "s-" (s.code) } data-series=(s.code)
                                            data-start=(p.start) data-value=(v)
                                            x=(fmt(i as f64 * bar)) y=(fmt(y))
                                            width=(fmt(bar * 0.9)) height=(fmt(h)) {
                                            title { (tr!(t, "operator-chart-bar", at = clock(p.start, self.offset), series = &s.label, value = v)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    text.label x="0" y=(HEIGHT + LABELS - 3.0) { @if let Some(p) = first { (clock(p.start, self.offset)) } }
                    text.label x=(WIDTH) y=(HEIGHT + LABELS - 3.0) text-anchor="end" { @if let Some(p) = last { (clock(p.start, self.offset)) } }
                    text.label x=(WIDTH) y="10" text-anchor="end" { (tr!(t, "operator-chart-max", max = max)) }
                }
                figcaption {
                    (self.title)
                    @if self.series.len() > 1 {
                        " " @for s in self.series { span class={ "key s-" (s.code) } { (s.label) } " " }
                    }
                }
            }
        }
    }
}

/// A coordinate with one decimal: enough for a 600-unit drawing, and short.
fn fmt(v: f64) -> PreEscaped<String> {
    PreEscaped(format!("{v:.1}"))
}

/// The charts of one range from the rows (ending with the minute `end`, exclusive).
fn charts_of(
    rows: &[MinuteStats],
    range: Range,
    end: i64,
    name: &str,
    offset: UtcOffset,
    t: Tr,
) -> Markup {
    let one = |m: Measure, label: String, code: &'static str| {
        vec![Series {
            label,
            code,
            points: series(rows, m, range, end),
        }]
    };
    let per_minute = range.step_minutes == 1;
    let calls = one(Measure::Calls, tr!(t, "operator-chart-calls"), "calls");
    let going_on = one(
        Measure::Concurrent,
        tr!(t, "operator-chart-going-on"),
        "concurrent",
    );
    let failed = one(
        Measure::FailedTokens,
        tr!(t, "operator-chart-failed"),
        "failed",
    );
    let registered: Vec<Series> = DeviceKind::ALL
        .iter()
        .map(|&k| Series {
            label: device_kind(t, k),
            code: k.code(),
            points: series(rows, Measure::Registered(k), range, end),
        })
        .collect();
    let (calls_title, failed_title) = if per_minute {
        (
            tr!(t, "operator-chart-calls-per-minute"),
            tr!(t, "operator-chart-failed-per-minute"),
        )
    } else {
        (
            tr!(t, "operator-chart-calls-per-10"),
            tr!(t, "operator-chart-failed-per-10"),
        )
    };
    let going_on_title = tr!(t, "operator-chart-going-on-title");
    let registered_title = tr!(t, "operator-chart-registered-title");
    html! {
        div.charts {
            (BarChart { id: &format!("chart-calls-{name}"), title: &calls_title, series: &calls, offset, t })
            (BarChart { id: &format!("chart-concurrent-{name}"), title: &going_on_title, series: &going_on, offset, t })
            (BarChart { id: &format!("chart-registered-{name}"), title: &registered_title, series: &registered, offset, t })
            (BarChart { id: &format!("chart-failed-{name}"), title: &failed_title, series: &failed, offset, t })
        }
    }
}

/// A kind of device in words (the legend of the registered devices).
fn device_kind(t: Tr, kind: DeviceKind) -> String {
    match kind {
        DeviceKind::Sip => tr!(t, "operator-chart-kind-sip"),
        DeviceKind::Handset => tr!(t, "operator-chart-kind-handset"),
        DeviceKind::Dect => tr!(t, "operator-chart-kind-dect"),
        DeviceKind::Temporary => tr!(t, "operator-chart-kind-temporary"),
    }
}

/// The panel: the last hour and the last day, up to the minute `now` is in.
pub fn panel(rows: &[MinuteStats], now: i64, offset: UtcOffset, t: Tr) -> Markup {
    let end = minute_of(now) + 60;
    html! {
        section #charts data-charts="/operator/charts" {
            h2 { (tr!(t, "operator-chart-hour")) }
            (charts_of(rows, Range::HOUR, end, "hour", offset, t))
            h2 { (tr!(t, "operator-chart-day")) }
            (charts_of(rows, Range::DAY, end, "day", offset, t))
            p.small { (tr!(t, "operator-chart-note")) }
        }
    }
}

/// The rendered panel of the current minute, per language.
#[derive(Debug, Default)]
pub struct ChartsCache(Mutex<HashMap<Lang, (i64, String)>>);

impl ChartsCache {
    /// The panel for `now` in the language of `t`, rendered at most once a minute.
    pub async fn get(
        &self,
        db: &Db,
        now: i64,
        offset: UtcOffset,
        t: Tr,
    ) -> Result<PreEscaped<String>, DbError> {
        let minute = minute_of(now);
        if let Some((m, html)) = self.lock().get(&t.lang()) {
            if *m == minute {
                return Ok(PreEscaped(html.clone()));
            }
        }
        let from = Range::DAY.first_minute(minute + 60);
        let rows = db.read(move |c| stats::since(c, from)).await?;
        let html = panel(&rows, now, offset, t).into_string();
        self.lock().insert(t.lang(), (minute, html.clone()));
        Ok(PreEscaped(html))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Lang, (i64, String)>> {
        // A poisoned cache holds a whole string or nothing: still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
