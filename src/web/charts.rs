//! The operator page's charts, server-rendered as inline SVG (no script library; the CSP
//! stays `'self'`): calls per minute, calls going on, registered devices by kind and failed
//! tokens per minute, over the last hour and the last day, from `stats_minutes`.
//!
//! Every bar carries its step and value (`data-start`, `data-value`, and a `<title>` people
//! see on hover), so a test can hold the picture against the table. The panel is rendered
//! once per minute and kept: the statistics change once a minute, the page is read far more.

use std::sync::Mutex;

use maud::{html, Markup, PreEscaped, Render};
use time::UtcOffset;

use crate::db::{stats, Db, DbError};
use crate::domain::stats::{minute_of, series, DeviceKind, Measure, MinuteStats, Point, Range};
use crate::web::components::clock;

/// The drawing's size in SVG units (it scales to the page's width).
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 100.0;
/// Room below the bars for the time labels.
const LABELS: f64 = 16.0;

/// One series of a chart: its legend and points.
pub struct Series {
    pub label: &'static str,
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
                                            title { (clock(p.start, self.offset)) " " (s.label) ": " (v) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    text.label x="0" y=(HEIGHT + LABELS - 3.0) { @if let Some(p) = first { (clock(p.start, self.offset)) } }
                    text.label x=(WIDTH) y=(HEIGHT + LABELS - 3.0) text-anchor="end" { @if let Some(p) = last { (clock(p.start, self.offset)) } }
                    text.label x=(WIDTH) y="10" text-anchor="end" { "max " (max) }
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
) -> Markup {
    let one = |m: Measure, label: &'static str, code: &'static str| {
        vec![Series {
            label,
            code,
            points: series(rows, m, range, end),
        }]
    };
    let per = if range.step_minutes == 1 {
        "per minute"
    } else {
        "per 10 minutes"
    };
    let calls = one(Measure::Calls, "calls", "calls");
    let going_on = one(Measure::Concurrent, "calls going on", "concurrent");
    let failed = one(Measure::FailedTokens, "failed tokens", "failed");
    let registered: Vec<Series> = DeviceKind::ALL
        .iter()
        .map(|&k| Series {
            label: k.words(),
            code: k.code(),
            points: series(rows, Measure::Registered(k), range, end),
        })
        .collect();
    html! {
        div.charts {
            (BarChart { id: &format!("chart-calls-{name}"), title: &format!("Calls {per}"), series: &calls, offset })
            (BarChart { id: &format!("chart-concurrent-{name}"), title: "Calls going on (most at once)", series: &going_on, offset })
            (BarChart { id: &format!("chart-registered-{name}"), title: "Registered devices", series: &registered, offset })
            (BarChart { id: &format!("chart-failed-{name}"), title: &format!("Failed tokens {per}"), series: &failed, offset })
        }
    }
}

/// The panel: the last hour and the last day, up to the minute `now` is in.
pub fn panel(rows: &[MinuteStats], now: i64, offset: UtcOffset) -> Markup {
    let end = minute_of(now) + 60;
    html! {
        section #charts data-charts="/operator/charts" {
            h2 { "The last hour" }
            (charts_of(rows, Range::HOUR, end, "hour", offset))
            h2 { "The last day" }
            (charts_of(rows, Range::DAY, end, "day", offset))
            p.small { "From the per-minute statistics (counted again for the last hour every minute). Gaps: eventpbx was not running. Updated every minute." }
        }
    }
}

/// The rendered panel of the current minute.
#[derive(Debug, Default)]
pub struct ChartsCache(Mutex<Option<(i64, String)>>);

impl ChartsCache {
    /// The panel for `now`, rendered at most once a minute.
    pub async fn get(
        &self,
        db: &Db,
        now: i64,
        offset: UtcOffset,
    ) -> Result<PreEscaped<String>, DbError> {
        let minute = minute_of(now);
        if let Some((m, html)) = self.lock().as_ref() {
            if *m == minute {
                return Ok(PreEscaped(html.clone()));
            }
        }
        let from = Range::DAY.first_minute(minute + 60);
        let rows = db.read(move |c| stats::since(c, from)).await?;
        let html = panel(&rows, now, offset).into_string();
        *self.lock() = Some((minute, html.clone()));
        Ok(PreEscaped(html))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(i64, String)>> {
        // A poisoned cache holds a whole string or nothing: still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
