//! Terraform's date and time functions: `formatdate`, `timeadd`, `timestamp`, and `timecmp`
//! (Terraform 1.3's addition).
//!
//! Timestamps are parsed the way Go's `time.Parse(time.RFC3339, ...)` does (including its
//! leniencies: a one-digit hour, fractional seconds, `-00:00`), and parse errors are reworded
//! the way cty's `parseTimestamp` does, so the messages match Terraform's word for word.
//! Durations follow Go's `time.ParseDuration`. The local time zone is taken to be UTC.

use super::{CallContext, FuncError, Function, Param};
use crate::fixed_return;
use girder_core::{Type, Value};

pub(crate) fn functions() -> Vec<Function> {
    vec![
        Function {
            name: "formatdate",
            params: vec![
                Param::new("format", Type::String),
                Param::new("time", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: formatdate,
        },
        Function {
            name: "timeadd",
            params: vec![
                Param::new("timestamp", Type::String),
                Param::new("duration", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: timeadd,
        },
        Function {
            name: "timestamp",
            params: vec![],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: timestamp,
        },
        Function {
            name: "timecmp",
            params: vec![
                Param::new("timestamp_a", Type::String),
                Param::new("timestamp_b", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Number),
            imp: timecmp,
        },
    ]
}

// ----- a moment in time -----

/// An instant with the UTC offset it was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Time {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    unix_nanos: i128,
    /// Offset from UTC in seconds.
    offset: i64,
}

const NANOS: i128 = 1_000_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(m: i64, y: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Broken-down local time.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// 0 = Sunday.
    weekday: i64,
}

impl Time {
    fn civil(&self) -> Civil {
        let local = self.unix_nanos.div_euclid(NANOS) as i64 + self.offset;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
            weekday: (days + 4).rem_euclid(7),
        }
    }

    /// Go's zone formats: `Z07:00` (z = true, colon = true), `-07:00`, `-0700`.
    fn zone(&self, z: bool, colon: bool) -> String {
        if z && self.offset == 0 {
            return "Z".into();
        }
        let mut zone = self.offset / 60;
        let sign = if zone < 0 {
            zone = -zone;
            '-'
        } else {
            '+'
        };
        if colon {
            format!("{sign}{:02}:{:02}", zone / 60, zone % 60)
        } else {
            format!("{sign}{:02}{:02}", zone / 60, zone % 60)
        }
    }

    /// Go's `Format(time.RFC3339)`.
    pub(super) fn rfc3339(&self) -> String {
        let c = self.civil();
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            go_long_year(c.year),
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            self.zone(true, true)
        )
    }
}

/// Go's `2006` layout element: at least four digits, sign in front.
fn go_long_year(y: i64) -> String {
    if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    }
}

// ----- Go's time.Parse for the RFC 3339 layout -----

/// Go's `time.ParseError` fields that cty looks at.
#[derive(Debug, PartialEq, Eq)]
struct ParseError {
    layout_elem: &'static str,
    value_elem: Vec<u8>,
    message: String,
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`.
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(s, 0) {
        return None;
    }
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(s[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'),
        &s[2..],
    ))
}

/// Go's `time.atoi` (optional sign, digits only, no overflow).
fn go_atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (q, rest) = leading_int(digits)?;
    if !rest.is_empty() {
        return None;
    }
    Some(if neg { -q } else { q })
}

/// Go 1.16's `time.leadingInt`: the leading digits (None on int64 overflow).
fn leading_int(s: &[u8]) -> Option<(i64, &[u8])> {
    let mut x: i64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > i64::MAX / 10 {
            return None;
        }
        x = x.checked_mul(10)?.checked_add(i64::from(s[i] - b'0'))?;
        i += 1;
    }
    Some((x, &s[i..]))
}

/// Go's `skip`: consumes the literal `prefix`.
fn skip<'a>(mut value: &'a [u8], prefix: &str) -> Result<&'a [u8], &'a [u8]> {
    let mut prefix = prefix.as_bytes();
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|c| *c != b' ') {
                return Err(value);
            }
            while prefix.first() == Some(&b' ') {
                prefix = &prefix[1..];
            }
            while value.first() == Some(&b' ') {
                value = &value[1..];
            }
            continue;
        }
        if value.first() != Some(&p) {
            return Err(value);
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

#[derive(Clone, Copy)]
enum Elem {
    LongYear,
    ZeroMonth,
    ZeroDay,
    Hour,
    ZeroMinute,
    ZeroSecond,
    IsoColonTz,
}

/// The RFC 3339 layout as Go chunks it: (literal prefix, element, element text).
const RFC3339_CHUNKS: [(&str, Elem, &str); 7] = [
    ("", Elem::LongYear, "2006"),
    ("-", Elem::ZeroMonth, "01"),
    ("-", Elem::ZeroDay, "02"),
    ("T", Elem::Hour, "15"),
    (":", Elem::ZeroMinute, "04"),
    (":", Elem::ZeroSecond, "05"),
    ("", Elem::IsoColonTz, "Z07:00"),
];

/// Go's `time.Parse(time.RFC3339, s)`.
fn go_parse_rfc3339(s: &str) -> Result<Time, ParseError> {
    let mut value = s.as_bytes();
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nsec) =
        (0, -1, -1, 0, 0, 0, 0);
    let mut zone_offset: Option<i64> = None;
    let err = |layout_elem: &'static str, value: &[u8], message: String| ParseError {
        layout_elem,
        value_elem: value.to_vec(),
        message,
    };
    for (prefix, elem, text) in RFC3339_CHUNKS {
        value = match skip(value, prefix) {
            Ok(v) => v,
            Err(v) => {
                // Go reports the literal prefix as the layout element.
                let layout: &'static str = match prefix {
                    "-" => "-",
                    "T" => "T",
                    ":" => ":",
                    _ => "",
                };
                return Err(err(layout, v, String::new()));
            }
        };
        let mut range_err: Option<&str> = None;
        let mut bad = false;
        match elem {
            Elem::LongYear => {
                if value.len() < 4 || !is_digit(value, 0) {
                    bad = true;
                } else {
                    let p = &value[..4];
                    value = &value[4..];
                    match go_atoi(p) {
                        Some(y) => year = y,
                        None => bad = true,
                    }
                }
            }
            Elem::ZeroMonth => match getnum(value, true) {
                Some((m, rest)) => {
                    month = m;
                    value = rest;
                    if !(1..=12).contains(&m) {
                        range_err = Some("month");
                    }
                }
                None => bad = true,
            },
            Elem::ZeroDay => match getnum(value, true) {
                Some((d, rest)) => {
                    day = d;
                    value = rest;
                }
                None => bad = true,
            },
            Elem::Hour => match getnum(value, false) {
                Some((h, rest)) => {
                    hour = h;
                    value = rest;
                    if !(0..24).contains(&h) {
                        range_err = Some("hour");
                    }
                }
                None => bad = true,
            },
            Elem::ZeroMinute => match getnum(value, true) {
                Some((m, rest)) => {
                    min = m;
                    value = rest;
                    if !(0..60).contains(&m) {
                        range_err = Some("minute");
                    }
                }
                None => bad = true,
            },
            Elem::ZeroSecond => match getnum(value, true) {
                Some((s, rest)) => {
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&s) {
                        range_err = Some("second");
                    } else if value.len() >= 2 && value[0] == b'.' && is_digit(value, 1) {
                        // A fractional second the layout does not mention.
                        let mut n = 2;
                        while n < value.len() && is_digit(value, n) {
                            n += 1;
                        }
                        match go_atoi(&value[1..n]) {
                            Some(ns) if ns < 1_000_000_000 => {
                                let mut ns = ns;
                                for _ in 0..(10 - n as i64).max(0) {
                                    ns *= 10;
                                }
                                nsec = ns;
                            }
                            Some(_) => range_err = Some("fractional second"),
                            None => bad = true,
                        }
                        value = &value[n..];
                    }
                }
                None => bad = true,
            },
            Elem::IsoColonTz => {
                if value.first() == Some(&b'Z') {
                    value = &value[1..];
                    zone_offset = Some(0);
                } else if value.len() < 6 || value[3] != b':' {
                    bad = true;
                } else {
                    let (sign, h, m) = (value[0], &value[1..3], &value[4..6]);
                    value = &value[6..];
                    match (go_atoi(h), go_atoi(m)) {
                        (Some(h), Some(m)) => {
                            let off = (h * 60 + m) * 60;
                            match sign {
                                b'+' => zone_offset = Some(off),
                                b'-' => zone_offset = Some(-off),
                                _ => bad = true,
                            }
                        }
                        _ => bad = true,
                    }
                }
            }
        }
        if let Some(what) = range_err {
            return Err(err(
                text_static(text),
                value,
                format!(": {what} out of range"),
            ));
        }
        if bad {
            return Err(err(text_static(text), value, String::new()));
        }
    }
    if !value.is_empty() {
        let extra = String::from_utf8_lossy(value).into_owned();
        return Err(err(
            "",
            value,
            format!(": extra text: {}", go_quote(&extra)),
        ));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(err("", value, ": day out of range".into()));
    }
    let offset = zone_offset.unwrap_or(0);
    let days = days_from_civil(year, month, day);
    let local_secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    Ok(Time {
        unix_nanos: i128::from(local_secs - offset) * NANOS + i128::from(nsec),
        offset,
    })
}

fn text_static(t: &str) -> &'static str {
    RFC3339_CHUNKS
        .iter()
        .map(|c| c.2)
        .find(|s| *s == t)
        .unwrap_or("")
}

/// Go's `%q` of a string (printable characters as they are).
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// cty's `parseTimestamp`: Go's parser with its errors reworded.
pub(super) fn parse_timestamp(ts: &str) -> Result<Time, String> {
    let e = match go_parse_rfc3339(ts) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    if e.layout_elem.is_empty() && e.value_elem.is_empty() && !e.message.is_empty() {
        return Err(format!("not a valid RFC3339 timestamp{}", e.message));
    }
    let value = String::from_utf8_lossy(&e.value_elem).into_owned();
    let what = match e.layout_elem {
        "2006" => "year",
        "01" => "month",
        "02" => "day of month",
        "15" => "hour",
        "04" => "minute",
        "05" => "second",
        "Z07:00" => "UTC offset",
        "T" => {
            return Err(
                "not a valid RFC3339 timestamp: missing required time introducer 'T'".into(),
            )
        }
        ":" | "-" => {
            return Err(if value.is_empty() {
                format!(
                    "not a valid RFC3339 timestamp: end of string where {} is expected",
                    go_quote(e.layout_elem)
                )
            } else {
                format!(
                    "not a valid RFC3339 timestamp: found {} where {} is expected",
                    go_quote(&value),
                    go_quote(e.layout_elem)
                )
            });
        }
        _ => "timestamp segment",
    };
    Err(if value.is_empty() {
        format!("not a valid RFC3339 timestamp: end of string before {what}")
    } else {
        format!(
            "not a valid RFC3339 timestamp: cannot use {} as {what}",
            go_quote(&value)
        )
    })
}

// ----- Go's time.ParseDuration -----

/// Go 1.16's `time.quote`: the text in double quotes, nothing escaped.
fn time_quote(s: &str) -> String {
    format!("\"{s}\"")
}

/// Go 1.16's `time.ParseDuration`, in nanoseconds.
pub(super) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig.as_bytes();
    let mut d: i64 = 0;
    let mut neg = false;
    if let Some(&c) = s.first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = &s[1..];
        }
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let pl = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = pl != s.len();
        let mut post = false;
        let (mut f, mut scale) = (0i64, 1f64);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let pl = s.len();
            // Go's leadingFraction: digits past int64 precision are ignored.
            let mut overflow = false;
            let mut i = 0;
            while i < s.len() && s[i].is_ascii_digit() {
                if !overflow {
                    match f
                        .checked_mul(10)
                        .and_then(|y| y.checked_add(i64::from(s[i] - b'0')))
                    {
                        Some(y) if f <= i64::MAX / 10 => {
                            f = y;
                            scale *= 10.0;
                        }
                        _ => overflow = true,
                    }
                }
                i += 1;
            }
            s = &s[i..];
            post = pl != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let mut i = 0;
        while i < s.len() && !(s[i] == b'.' || s[i].is_ascii_digit()) {
            i += 1;
        }
        if i == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(orig)
            ));
        }
        let u = &s[..i];
        s = &s[i..];
        let unit: i64 = match u {
            b"ns" => 1,
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(&String::from_utf8_lossy(u)),
                    time_quote(orig)
                ));
            }
        };
        if v > i64::MAX / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v = v.wrapping_add((f as f64 * (unit as f64 / scale)) as i64);
            if v < 0 {
                return Err(invalid());
            }
        }
        d = d.wrapping_add(v);
        if d < 0 {
            return Err(invalid());
        }
    }
    Ok(if neg { -d } else { d })
}

// ----- the functions -----

fn str_arg(v: &Value) -> std::borrow::Cow<'_, str> {
    super::filesystem::text(v)
}

fn timeadd(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let t = parse_timestamp(&str_arg(&args[0])).map_err(FuncError::new)?;
    let d = parse_duration(&str_arg(&args[1])).map_err(FuncError::new)?;
    let t = Time {
        unix_nanos: t.unix_nanos + i128::from(d),
        offset: t.offset,
    };
    Ok(Value::string(t.rfc3339()))
}

fn timecmp(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let a = parse_timestamp(&str_arg(&args[0])).map_err(|e| {
        FuncError::arg(
            0,
            format!("Invalid value for \"timestamp_a\" parameter: {e}."),
        )
    })?;
    let b = parse_timestamp(&str_arg(&args[1])).map_err(|e| {
        FuncError::arg(
            1,
            format!("Invalid value for \"timestamp_b\" parameter: {e}."),
        )
    })?;
    Ok(Value::int(match a.unix_nanos.cmp(&b.unix_nanos) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }))
}

fn timestamp(_: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i128)
        .unwrap_or(0);
    let t = Time {
        unix_nanos: now * NANOS,
        offset: 0,
    };
    Ok(Value::string(t.rfc3339()))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// cty's `splitDateFormat`, run over the whole string (the scanner sees the end of input).
fn split_date_format(s: &[u8]) -> Vec<&[u8]> {
    let is_verb = |b: u8| b.is_ascii_alphabetic();
    let mut out = Vec::new();
    let mut data = s;
    while !data.is_empty() {
        let n = if data[0] == b'\'' {
            if data.len() > 1 && data[1] == b'\'' {
                2
            } else {
                let mut end = data.len();
                let mut i = 1;
                while i < data.len() {
                    if data[i] == b'\'' {
                        if i + 1 == data.len() {
                            break;
                        }
                        if data[i + 1] == b'\'' {
                            i += 2;
                            continue;
                        }
                        end = i + 1;
                        break;
                    }
                    i += 1;
                }
                end
            }
        } else if is_verb(data[0]) {
            let rep = data[0];
            data.iter().position(|b| *b != rep).unwrap_or(data.len())
        } else {
            data.iter()
                .skip(1)
                .position(|b| *b == b'\'' || is_verb(*b))
                .map(|p| p + 1)
                .unwrap_or(data.len())
        };
        out.push(&data[..n]);
        data = &data[n..];
    }
    out
}

fn formatdate(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let t = parse_timestamp(&str_arg(&args[1]))
        .map_err(|e| FuncError::arg(1, format!("Invalid value for \"time\" parameter: {e}.")))?;
    let c = t.civil();
    let bad =
        |m: String| FuncError::arg(0, format!("Invalid value for \"format\" parameter: {m}."));
    let mut out: Vec<u8> = Vec::new();
    for tok in split_date_format(str_arg(&args[0]).as_bytes()) {
        let first = tok[0];
        if first == b'\'' {
            if tok.len() == 1 || tok[tok.len() - 1] != b'\'' {
                return Err(bad("unterminated literal '".into()));
            }
            if tok.len() == 2 {
                out.push(b'\'');
            } else {
                let raw = &tok[1..tok.len() - 1];
                let mut i = 0;
                while i < raw.len() {
                    out.push(raw[i]);
                    if raw[i] == b'\'' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            continue;
        }
        if !first.is_ascii_alphabetic() {
            out.extend_from_slice(tok);
            continue;
        }
        let t_str = String::from_utf8_lossy(tok).into_owned();
        let verb = |why: &str| {
            if why.is_empty() {
                bad(format!("invalid date format verb {}", go_quote(&t_str)))
            } else {
                bad(format!(
                    "invalid date format verb {}: {why}",
                    go_quote(&t_str)
                ))
            }
        };
        let s = match (first, tok.len()) {
            (b'Y', 2) => format!("{:02}", c.year % 100),
            (b'Y', 4) => format!("{:04}", c.year),
            (b'Y', _) => return Err(verb("year must either be \"YY\" or \"YYYY\"")),
            (b'M', 1) => format!("{}", c.month),
            (b'M', 2) => format!("{:02}", c.month),
            (b'M', 3) => MONTHS[(c.month - 1) as usize][..3].to_string(),
            (b'M', 4) => MONTHS[(c.month - 1) as usize].to_string(),
            (b'M', _) => return Err(verb("month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"")),
            (b'D', 1) => format!("{}", c.day),
            (b'D', 2) => format!("{:02}", c.day),
            (b'D', _) => return Err(verb("day of month must either be \"D\" or \"DD\"")),
            (b'E', 3) => WEEKDAYS[c.weekday as usize][..3].to_string(),
            (b'E', 4) => WEEKDAYS[c.weekday as usize].to_string(),
            (b'E', _) => return Err(verb("day of week must either be \"EEE\" or \"EEEE\"")),
            (b'h', 1) => format!("{}", c.hour),
            (b'h', 2) => format!("{:02}", c.hour),
            (b'h', _) => return Err(verb("24-hour must either be \"h\" or \"hh\"")),
            (b'H', n) => {
                let h = if c.hour % 12 == 0 { 12 } else { c.hour % 12 };
                match n {
                    1 => format!("{h}"),
                    2 => format!("{h:02}"),
                    _ => return Err(verb("12-hour must either be \"H\" or \"HH\"")),
                }
            }
            (b'A' | b'a', 2) => {
                let pm = c.hour >= 12;
                match (first == b'A', pm) {
                    (true, false) => "AM".into(),
                    (true, true) => "PM".into(),
                    (false, false) => "am".into(),
                    (false, true) => "pm".into(),
                }
            }
            (b'A' | b'a', _) => {
                let l = first as char;
                return Err(verb(&format!("must be \"{l}{l}\"")));
            }
            (b'm', 1) => format!("{}", c.minute),
            (b'm', 2) => format!("{:02}", c.minute),
            (b'm', _) => return Err(verb("minute must either be \"m\" or \"mm\"")),
            (b's', 1) => format!("{}", c.second),
            (b's', 2) => format!("{:02}", c.second),
            (b's', _) => return Err(verb("second must either be \"s\" or \"ss\"")),
            (b'Z', 1) => t.zone(true, true),
            (b'Z', 3) => {
                let z = t.zone(false, false);
                if z == "+0000" {
                    "UTC".into()
                } else {
                    z
                }
            }
            (b'Z', 4) => t.zone(false, false),
            (b'Z', 5) => t.zone(false, true),
            (b'Z', _) => return Err(verb("timezone must be Z, ZZZZ, or ZZZZZ")),
            _ => return Err(verb("")),
        };
        out.extend_from_slice(s.as_bytes());
    }
    Ok(Value::string(String::from_utf8_lossy(&out).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for d in [
            -800_000i64,
            -1,
            0,
            1,
            59,
            60,
            365,
            10_957,
            17_492,
            2_932_896,
        ] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn durations_like_go() {
        let ok = [
            ("0", 0i64),
            ("-0", 0),
            ("1h", 3_600_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("-1.5h3m", -5_580_000_000_000),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("1\u{b5}s", 1000),
            ("1\u{3bc}s", 1000),
            (".5s", 500_000_000),
            ("5.s", 5_000_000_000),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775807s", -i64::MAX),
        ];
        for (s, want) in ok {
            assert_eq!(parse_duration(s), Ok(want), "{s}");
        }
        let bad = [
            ("", "time: invalid duration \"\""),
            ("1", "time: missing unit in duration \"1\""),
            ("1x", "time: unknown unit \"x\" in duration \"1x\""),
            (
                "1\u{b5}x",
                "time: unknown unit \"\u{b5}x\" in duration \"1\u{b5}x\"",
            ),
            (".s", "time: invalid duration \".s\""),
            ("h", "time: invalid duration \"h\""),
            ("2562048h", "time: invalid duration \"2562048h\""),
            (
                "9223372036854775808ns",
                "time: invalid duration \"9223372036854775808ns\"",
            ),
            (
                "-2562047h47m16.854775808s",
                "time: invalid duration \"-2562047h47m16.854775808s\"",
            ),
        ];
        for (s, want) in bad {
            assert_eq!(parse_duration(s), Err(want.to_string()), "{s}");
        }
    }

    #[test]
    fn timestamps_like_cty() {
        let ok = [
            ("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z"),
            ("2017-11-22T1:02:03Z", "2017-11-22T01:02:03Z"),
            ("2017-11-22T00:00:00.999+05:30", "2017-11-22T00:00:00+05:30"),
            ("2017-11-22T00:00:00-00:00", "2017-11-22T00:00:00Z"),
            ("2016-02-29T23:59:59-01:00", "2016-02-29T23:59:59-01:00"),
        ];
        for (s, want) in ok {
            assert_eq!(
                parse_timestamp(s).map(|t| t.rfc3339()),
                Ok(want.into()),
                "{s}"
            );
        }
        let bad = [
            ("", "end of string before year"),
            ("x", "cannot use \"x\" as year"),
            (
                "2017-13-22T00:00:00Z",
                "cannot use \"-22T00:00:00Z\" as month",
            ),
            ("2017-02-29T00:00:00Z", "day out of range"),
            (
                "2017-11-22T00:00:00Zjunk",
                "cannot use \"junk\" as timestamp segment",
            ),
            (
                "2017-11-22 00:00:00Z",
                "missing required time introducer 'T'",
            ),
            ("2017-11-22T00:00:00", "end of string before UTC offset"),
            ("2017-11", "end of string where \"-\" is expected"),
            ("20171122", "found \"1122\" where \"-\" is expected"),
            (
                "2017-11-22T10:00:00+0530",
                "cannot use \"+0530\" as UTC offset",
            ),
            ("2017-11-22T25:00:00Z", "cannot use \":00:00Z\" as hour"),
            ("2017-11-22T10:61:00Z", "cannot use \":00Z\" as minute"),
            ("2017-11-22T10:00:60Z", "cannot use \"Z\" as second"),
            (
                "2017-11-22T10:00:00.1234567891Z",
                "cannot use \"Z\" as second",
            ),
            ("2017-11-22T", "end of string before hour"),
        ];
        for (s, want) in bad {
            assert_eq!(
                parse_timestamp(s),
                Err(format!("not a valid RFC3339 timestamp: {want}")),
                "{s}"
            );
        }
    }

    #[test]
    fn negative_years_print_like_go() {
        let t = parse_timestamp("0001-01-01T00:00:00Z").unwrap();
        let earlier = Time {
            unix_nanos: t.unix_nanos - 2 * 3600 * NANOS,
            offset: 0,
        };
        assert_eq!(earlier.rfc3339(), "0000-12-31T22:00:00Z");
        let much = Time {
            unix_nanos: t.unix_nanos - 400 * 86_400 * NANOS,
            offset: 0,
        };
        assert_eq!(much.rfc3339(), "-0001-11-28T00:00:00Z");
    }

    #[test]
    fn splits_formats_like_cty() {
        let toks = split_date_format(b"YYYY-MM 'it''s' '' x");
        let toks: Vec<String> = toks
            .iter()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .collect();
        assert_eq!(
            toks,
            ["YYYY", "-", "MM", " ", "'it''s'", " ", "''", " ", "x"]
        );
        let toks = split_date_format(b"'a''");
        assert_eq!(toks, [b"'a''".as_slice()]);
    }
}
