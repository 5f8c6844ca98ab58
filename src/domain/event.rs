//! The event a database serves: its name, its dates and the registration window outside of
//! which sign-up, claiming and binding are closed.

use time::{Date, OffsetDateTime};

/// An event as an admin sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its name, shown on the pages, e.g. "Camp 2027".
    pub name: String,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
    /// Registration opens at this unix time ...
    pub registration_opens_at: i64,
    /// ... and closes at this one.
    pub registration_closes_at: i64,
}

/// Why an event was refused; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The name is empty, too long or holds control characters.
    #[error("name: 1 to {max} characters, no control characters")]
    Name { max: usize },
    /// A date is not YYYY-MM-DD.
    #[error("{field}: {value:?} is not a date (YYYY-MM-DD)")]
    Date { field: &'static str, value: String },
    /// A time is not YYYY-MM-DDTHH:MM (UTC) or out of range.
    #[error("{field}: {value:?} is not a time (YYYY-MM-DDTHH:MM, UTC)")]
    Time { field: &'static str, value: String },
    /// The event ends before it starts.
    #[error("ends_on: the event ends before it starts")]
    EndsBeforeStart,
    /// The window closes before (or when) it opens.
    #[error("registration_closes: registration closes before it opens")]
    ClosesBeforeOpen,
}

/// Registration is closed now; the message is for the person who tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Closed {
    /// Not yet open.
    #[error("registration for {event} opens on {opens} (UTC)")]
    NotYet { event: String, opens: String },
    /// Over.
    #[error("registration for {event} closed on {closed} (UTC)")]
    Over { event: String, closed: String },
}

/// The longest event name.
pub const NAME_MAX: usize = 100;

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");
const MINUTE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");

/// Parses YYYY-MM-DD.
pub fn parse_date(field: &'static str, value: &str) -> Result<Date, EventError> {
    Date::parse(value.trim(), DATE).map_err(|_| EventError::Date {
        field,
        value: value.to_string(),
    })
}

/// Parses YYYY-MM-DDTHH:MM as UTC into unix seconds (what `<input type=datetime-local>` sends).
pub fn parse_minute(field: &'static str, value: &str) -> Result<i64, EventError> {
    time::PrimitiveDateTime::parse(value.trim(), MINUTE)
        .map(|t| t.assume_utc().unix_timestamp())
        .map_err(|_| EventError::Time {
            field,
            value: value.to_string(),
        })
}

/// Parses YYYY-MM-DDTHH:MM as a time in the event's zone (`offset` from UTC) into unix
/// seconds: what an admin types into the page's `datetime-local` fields.
pub fn parse_minute_at(
    field: &'static str,
    value: &str,
    offset: time::UtcOffset,
) -> Result<i64, EventError> {
    time::PrimitiveDateTime::parse(value.trim(), MINUTE)
        .map(|t| t.assume_offset(offset).unix_timestamp())
        .map_err(|_| EventError::Time {
            field,
            value: value.to_string(),
        })
}

/// Formats unix seconds as YYYY-MM-DDTHH:MM in the event's zone (`offset` from UTC).
pub fn format_minute_at(unix: i64, offset: time::UtcOffset) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.to_offset(offset).format(MINUTE).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// The zone's name for people: `UTC`, or `UTC+02:00`.
pub fn zone_name(offset: time::UtcOffset) -> String {
    if offset.is_utc() {
        return "UTC".into();
    }
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

/// Formats a date as YYYY-MM-DD.
pub fn format_date(date: Date) -> String {
    date.format(DATE).unwrap_or_default()
}

/// Formats unix seconds as YYYY-MM-DDTHH:MM (UTC).
pub fn format_minute(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(MINUTE).ok())
        .unwrap_or_else(|| unix.to_string())
}

impl Event {
    /// Checks the fields together: a name, dates in order, a window that opens before it
    /// closes.
    pub fn new(
        name: &str,
        starts_on: Date,
        ends_on: Date,
        registration_opens_at: i64,
        registration_closes_at: i64,
    ) -> Result<Event, EventError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control)
        {
            return Err(EventError::Name { max: NAME_MAX });
        }
        if ends_on < starts_on {
            return Err(EventError::EndsBeforeStart);
        }
        if registration_closes_at <= registration_opens_at {
            return Err(EventError::ClosesBeforeOpen);
        }
        Ok(Event {
            name: name.to_string(),
            starts_on,
            ends_on,
            registration_opens_at,
            registration_closes_at,
        })
    }

    /// Whether sign-up, claiming and binding are open at `now` (unix seconds).
    pub fn registration(&self, now: i64) -> Result<(), Closed> {
        if now < self.registration_opens_at {
            Err(Closed::NotYet {
                event: self.name.clone(),
                opens: format_minute(self.registration_opens_at),
            })
        } else if now >= self.registration_closes_at {
            Err(Closed::Over {
                event: self.name.clone(),
                closed: format_minute(self.registration_closes_at),
            })
        } else {
            Ok(())
        }
    }
}

/// Registration at `now` given the configured event, if any: no event means open.
pub fn registration_open(event: Option<&Event>, now: i64) -> Result<(), Closed> {
    event.map_or(Ok(()), |e| e.registration(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camp() -> Event {
        Event::new(
            "Camp 2027",
            parse_date("starts_on", "2027-08-10").unwrap(),
            parse_date("ends_on", "2027-08-14").unwrap(),
            parse_minute("registration_opens", "2027-08-01T00:00").unwrap(),
            parse_minute("registration_closes", "2027-08-14T18:00").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn registration_is_open_only_inside_the_window() {
        let e = camp();
        let opens = e.registration_opens_at;
        let closes = e.registration_closes_at;
        assert!(matches!(
            e.registration(opens - 1),
            Err(Closed::NotYet { .. })
        ));
        assert_eq!(e.registration(opens), Ok(()));
        assert_eq!(e.registration(closes - 1), Ok(()));
        let over = e.registration(closes).unwrap_err().to_string();
        assert_eq!(
            over,
            "registration for Camp 2027 closed on 2027-08-14T18:00 (UTC)"
        );
        assert_eq!(registration_open(None, 0), Ok(()), "no event: open");
    }

    #[test]
    fn bad_events_name_the_field() {
        let d = |s| parse_date("starts_on", s).unwrap();
        assert!(matches!(
            Event::new(" ", d("2027-01-01"), d("2027-01-02"), 0, 1),
            Err(EventError::Name { .. })
        ));
        assert!(Event::new("x\u{7}", d("2027-01-01"), d("2027-01-02"), 0, 1).is_err());
        assert!(Event::new(&"x".repeat(101), d("2027-01-01"), d("2027-01-02"), 0, 1).is_err());
        assert_eq!(
            Event::new("x", d("2027-01-02"), d("2027-01-01"), 0, 1),
            Err(EventError::EndsBeforeStart)
        );
        assert_eq!(
            Event::new("x", d("2027-01-01"), d("2027-01-01"), 5, 5),
            Err(EventError::ClosesBeforeOpen)
        );
        let e = parse_date("ends_on", "2027-13-01").unwrap_err().to_string();
        assert!(e.starts_with("ends_on:"), "{e}");
        let cest = time::UtcOffset::from_hms(2, 0, 0).unwrap();
        let t = parse_minute_at("x", "2027-08-01T12:00", cest).unwrap();
        assert_eq!(t, parse_minute("x", "2027-08-01T10:00").unwrap());
        assert_eq!(format_minute_at(t, cest), "2027-08-01T12:00");
        assert_eq!(zone_name(cest), "UTC+02:00");
        assert_eq!(zone_name(time::UtcOffset::UTC), "UTC");
        let west = time::UtcOffset::from_hms(-3, -30, 0).unwrap();
        assert_eq!(zone_name(west), "UTC-03:30");
        assert!(parse_minute_at("x", "2027-08-01T12:00'", cest).is_err());
        assert!(parse_minute("registration_opens", "2027-01-01 10:00").is_err());
        assert!(parse_minute("registration_opens", "tomorrow").is_err());
        assert_eq!(
            format_minute(parse_minute("x", "2027-01-01T10:30").unwrap()),
            "2027-01-01T10:30"
        );
    }
}
