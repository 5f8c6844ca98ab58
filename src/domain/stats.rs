//! Per-minute statistics and the series the operator page's charts draw from them: the last
//! hour minute by minute, the last day in ten-minute steps. Pure: rows in, points out.

/// One minute's row of `stats_minutes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinuteStats {
    /// Unix seconds of the minute's start (a multiple of 60).
    pub minute: i64,
    /// Calls started in the minute.
    pub calls: u32,
    /// Calls going on at some time during the minute.
    pub concurrent: u32,
    /// Token attempts that did not bind.
    pub failed_tokens: u32,
    /// Devices registered at the minute, by kind; None where nobody sampled.
    pub registered: Option<Registered>,
}

/// Registered devices by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Registered {
    pub sip: u32,
    pub handset: u32,
    pub dect: u32,
    pub temporary: u32,
}

/// What a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Calls,
    Concurrent,
    FailedTokens,
    Registered(DeviceKind),
}

/// A kind of registered device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    Sip,
    Handset,
    Dect,
    Temporary,
}

impl DeviceKind {
    /// Every kind, in the order the chart's legend lists them.
    pub const ALL: [DeviceKind; 4] = [
        DeviceKind::Sip,
        DeviceKind::Handset,
        DeviceKind::Dect,
        DeviceKind::Temporary,
    ];

    /// The legend's words.
    pub fn words(self) -> &'static str {
        match self {
            DeviceKind::Sip => "SIP phones",
            DeviceKind::Handset => "handsets",
            DeviceKind::Dect => "DECT handsets",
            DeviceKind::Temporary => "temporary",
        }
    }

    /// A name for CSS classes and data attributes.
    pub fn code(self) -> &'static str {
        match self {
            DeviceKind::Sip => "sip",
            DeviceKind::Handset => "handset",
            DeviceKind::Dect => "dect",
            DeviceKind::Temporary => "temporary",
        }
    }
}

impl Measure {
    /// A minute's value; None where it was not sampled.
    pub fn of(self, row: &MinuteStats) -> Option<u32> {
        match self {
            Measure::Calls => Some(row.calls),
            Measure::Concurrent => Some(row.concurrent),
            Measure::FailedTokens => Some(row.failed_tokens),
            Measure::Registered(kind) => row.registered.map(|r| match kind {
                DeviceKind::Sip => r.sip,
                DeviceKind::Handset => r.handset,
                DeviceKind::Dect => r.dect,
                DeviceKind::Temporary => r.temporary,
            }),
        }
    }

    /// Whether a step of several minutes adds them up (counts per minute) or shows their
    /// highest value (levels such as calls going on).
    fn sums(self) -> bool {
        matches!(self, Measure::Calls | Measure::FailedTokens)
    }
}

/// One point of a chart: a step starting at `start` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub start: i64,
    /// None: nothing was recorded in the step.
    pub value: Option<u32>,
}

/// A time range the charts show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Points in the range.
    pub steps: usize,
    /// Minutes per point.
    pub step_minutes: i64,
}

impl Range {
    /// The last hour, minute by minute.
    pub const HOUR: Range = Range {
        steps: 60,
        step_minutes: 1,
    };
    /// The last day, ten minutes a point.
    pub const DAY: Range = Range {
        steps: 144,
        step_minutes: 10,
    };

    /// The first minute the range covers when its last step ends at `end` (exclusive,
    /// unix seconds of a minute start).
    pub fn first_minute(self, end: i64) -> i64 {
        end - self.span_secs()
    }

    fn span_secs(self) -> i64 {
        // Both factors are small constants: no overflow.
        self.steps as i64 * self.step_minutes * 60
    }
}

/// The points of `measure` over `range`, ending (exclusive) at minute `end`; `rows` may be in
/// any order and hold minutes outside the range.
pub fn series(rows: &[MinuteStats], measure: Measure, range: Range, end: i64) -> Vec<Point> {
    let first = range.first_minute(end);
    let step = range.step_minutes * 60;
    let mut points: Vec<Point> = (0..range.steps)
        .map(|i| Point {
            start: first + i as i64 * step,
            value: None,
        })
        .collect();
    for row in rows {
        if row.minute < first || row.minute >= end {
            continue;
        }
        let Some(v) = measure.of(row) else { continue };
        // In range, so the index is below `steps`.
        let i = ((row.minute - first) / step) as usize;
        let Some(p) = points.get_mut(i) else { continue };
        p.value = Some(match p.value {
            None => v,
            Some(old) if measure.sums() => old.saturating_add(v),
            Some(old) => old.max(v),
        });
    }
    points
}

/// The start of the minute `unix` falls in.
pub fn minute_of(unix: i64) -> i64 {
    unix - unix.rem_euclid(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(minute: i64, calls: u32, concurrent: u32) -> MinuteStats {
        MinuteStats {
            minute,
            calls,
            concurrent,
            ..MinuteStats::default()
        }
    }

    #[test]
    fn the_hour_has_one_point_per_minute_and_gaps_where_nothing_was_recorded() {
        let end = 3_600 * 100;
        let rows = [row(end - 60, 3, 2), row(end - 120, 1, 1), row(end, 9, 9)];
        let points = series(&rows, Measure::Calls, Range::HOUR, end);
        assert_eq!(points.len(), 60);
        assert_eq!(points[0].start, end - 3_600);
        assert_eq!(points[59].value, Some(3));
        assert_eq!(points[58].value, Some(1));
        assert_eq!(points[57].value, None);
    }

    #[test]
    fn a_day_step_adds_up_counts_and_takes_the_highest_level() {
        let end = 86_400 * 10;
        let first = Range::DAY.first_minute(end);
        let rows = [
            row(first, 2, 5),
            row(first + 60, 3, 4),
            row(first + 600, 1, 1),
        ];
        let calls = series(&rows, Measure::Calls, Range::DAY, end);
        let concurrent = series(&rows, Measure::Concurrent, Range::DAY, end);
        assert_eq!(calls.len(), 144);
        assert_eq!(calls[0].value, Some(5));
        assert_eq!(concurrent[0].value, Some(5));
        assert_eq!(calls[1].value, Some(1));
    }

    #[test]
    fn unsampled_registrations_are_gaps_not_zeroes() {
        let end = 60 * 1000;
        let mut sampled = row(end - 60, 0, 0);
        sampled.registered = Some(Registered {
            sip: 4,
            ..Registered::default()
        });
        let rows = [sampled, row(end - 120, 0, 0)];
        let sip = series(
            &rows,
            Measure::Registered(DeviceKind::Sip),
            Range::HOUR,
            end,
        );
        assert_eq!(sip[59].value, Some(4));
        assert_eq!(sip[58].value, None);
    }

    #[test]
    fn minutes_start_on_the_minute() {
        assert_eq!(minute_of(125), 120);
        assert_eq!(minute_of(-5), -60);
    }
}
