use super::*;
use proptest::prelude::*;

/// Epoch ms of a civil date-time (UTC, or a local wall time "as if UTC").
fn ms(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
    days_from_civil(y, mo, d) * DAY_MS + h * HOUR_MS + mi * MINUTE_MS
}

fn zone(name: &str) -> Zone {
    parse_timezone(name).unwrap()
}

fn sched(expr: &str) -> Schedule {
    parse_schedule(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

/// The next `n` firings after `after`, with no bounds and anchor 0.
fn firings(expr: &str, zone: &Zone, after: i64, n: usize) -> Vec<i64> {
    let s = sched(expr);
    let mut out = Vec::new();
    let mut t = after;
    while out.len() < n {
        match next_fire(&s, zone, 0, None, None, t) {
            Some(next) => {
                assert!(next > t, "{expr}: {next} not after {t}");
                out.push(next);
                t = next;
            }
            None => break,
        }
    }
    out
}

#[test]
fn civil_round_trip() {
    for days in (-800_000..800_000).step_by(97) {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
        assert!(d >= 1 && d <= days_in_month(y, m));
    }
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(weekday(days_from_civil(2025, 1, 6)), 1); // a Monday
}

#[test]
fn g38_validation() {
    for ok in [
        "rate(1 minute)",
        "rate(2 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 12 * * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0 8 ? * MON-FRI *)",
        "cron(15 10 ? * 6L 2022-2030)",
        "cron(0 0 L * ? *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 9 ? * 3#2 *)",
        "cron(0 9 ? * L *)",
        "cron(0,30 8-17/3 1,15 JAN,jul ? 1970,2199)",
        "cron(*/5 * ? * sun *)",
        "at(2025-01-06T08:00:00)",
        "at(2024-02-29T23:59:59)",
        "  rate(5 minutes)  ",
    ] {
        assert!(parse_schedule(ok).is_ok(), "{ok}: {:?}", parse_schedule(ok));
    }
    for (bad, says) in [
        (
            "rate(1 minutes)",
            "rate(1 minutes): use \"minute\" when the value is 1",
        ),
        (
            "rate(5 hour)",
            "use \"hours\" when the value is greater than 1",
        ),
        ("rate(2 day)", "use \"days\""),
        ("rate(0 minutes)", "positive integer"),
        ("rate(-5 minutes)", "positive integer"),
        ("rate(1.5 hours)", "positive integer"),
        ("rate(5 weeks)", "unknown unit"),
        ("rate(5)", "value unit"),
        ("rate(99999999999999999999 minutes)", "too large"),
        ("rate(9999999999999999 days)", "too large"),
        ("cron(0 12 * * * *)", "cannot both be specified"),
        ("cron(0 12 1 * MON *)", "cannot both be specified"),
        ("cron(0 12 ? * ? *)", "cannot both be \"?\""),
        ("cron(0 12 * * ?)", "expected 6 fields"),
        ("cron(0 12 * * ? * *)", "found 7"),
        (
            "cron(60 12 * * ? *)",
            "minutes value 60 is out of range 0-59",
        ),
        ("cron(0 24 * * ? *)", "hours value 24"),
        ("cron(0 0 32 * ? *)", "day-of-month value 32"),
        ("cron(0 0 0 * ? *)", "day-of-month value 0"),
        ("cron(0 0 ? 13 * *)", "month value 13"),
        ("cron(0 0 ? * 8 *)", "day-of-week value 8"),
        ("cron(0 0 ? * 0 *)", "day-of-week value 0"),
        ("cron(0 0 * * ? 1969)", "year value 1969"),
        ("cron(0 0 * * ? 2200)", "year value 2200"),
        ("cron(? 0 * * ? *)", "\"?\" is only allowed"),
        ("cron(0 0 * ? ? *)", "\"?\" is only allowed"),
        ("cron(0/0 * * * ? *)", "increment"),
        ("cron(0/+5 * * * ? *)", "increment"),
        ("cron(0/61 * * * ? *)", "increment \"61\" (must be 1-60)"),
        ("cron(0 0 ? * 3#+2 *)", "1-5"),
        ("cron(+5 * * * ? *)", "invalid minutes value"),
        ("cron(5-1 * * * ? *)", "runs backwards"),
        ("cron(0 0 L,15 * ? *)", "must stand alone"),
        ("cron(0 0 ? * 2#6 *)", "1-5"),
        ("cron(0 0 ? * 2#1,3 *)", "must stand alone"),
        ("cron(0 0 ? * FOO *)", "invalid day-of-week value \"FOO\""),
        ("cron(0 0 ? * MON-FRI#2 *)", "must stand alone"),
        ("at(2025-02-29T00:00:00)", "does not exist"),
        ("at(2025-13-01T00:00:00)", "month 13"),
        ("at(2025-01-01T24:00:00)", "out of range"),
        ("at(2025-01-01 00:00:00)", "yyyy-mm-ddThh:mm:ss"),
        ("at(2025-1-1T00:00:00)", "yyyy-mm-ddThh:mm:ss"),
        ("every(5 minutes)", "expected at("),
        ("rate(5 minutes", "closing"),
        ("rate(5 minutes))", "closing"),
        ("", "expected at("),
    ] {
        let err = parse_schedule(bad).expect_err(bad);
        assert!(err.contains(says), "{bad}: error {err:?} lacks {says:?}");
    }
}

#[test]
fn errors_quote_the_expression_briefly() {
    let long = format!("rate({} minutes)", "9".repeat(10_000));
    let err = parse_schedule(&long).unwrap_err();
    assert!(err.len() < 400, "{}", err.len());
    let err = parse_schedule("cron(0 0 ? * ñé *)").unwrap_err();
    assert!(err.starts_with("cron(0 0 ? * ñé *): "), "{err}");
}

#[test]
fn parsed_values() {
    assert_eq!(sched("rate(1 minute)"), Schedule::Rate { every_ms: 60_000 });
    assert_eq!(
        sched("rate(3 hours)"),
        Schedule::Rate {
            every_ms: 3 * 3_600_000
        }
    );
    assert_eq!(
        sched("rate(2 days)"),
        Schedule::Rate {
            every_ms: 2 * 86_400_000
        }
    );
    assert_eq!(
        sched("at(2025-01-06T08:00:30)"),
        Schedule::At {
            local_ms: ms(2025, 1, 6, 8, 0) + 30_000
        }
    );
    for expr in [
        "rate(1 minute)",
        "rate(90 minutes)",
        "rate(2 days)",
        "at(2025-01-06T08:00:30)",
        "cron(0/15 * * * ? *)",
    ] {
        assert_eq!(sched(expr).to_string(), expr);
        assert_eq!(sched(&sched(expr).to_string()), sched(expr));
    }
    assert_eq!(
        "cron(0  12 * *  ? *)"
            .parse::<Schedule>()
            .unwrap()
            .to_string(),
        "cron(0 12 * * ? *)"
    );
}

#[test]
fn every_15_minutes() {
    let utc = Zone::utc();
    let start = ms(2025, 3, 1, 23, 50);
    assert_eq!(
        firings("cron(0/15 * * * ? *)", &utc, start, 4),
        vec![
            ms(2025, 3, 2, 0, 0),
            ms(2025, 3, 2, 0, 15),
            ms(2025, 3, 2, 0, 30),
            ms(2025, 3, 2, 0, 45)
        ]
    );
    // Strictly after: from exactly a firing, the next one.
    let t = ms(2025, 3, 2, 0, 15);
    assert_eq!(
        firings("cron(0/15 * * * ? *)", &utc, t, 1),
        vec![t + 15 * MINUTE_MS]
    );
    // Same in a zone with a half-hour offset: local quarter hours.
    let kolkata = zone("Asia/Kolkata");
    assert_eq!(
        firings("cron(0/15 * * * ? *)", &kolkata, ms(2025, 3, 1, 0, 1), 1),
        vec![ms(2025, 3, 1, 0, 15)]
    );
}

#[test]
fn g27_berlin_winter() {
    let berlin = zone("Europe/Berlin");
    // Sunday 2025-01-05 noon UTC -> Monday 2025-01-06 08:00 CET = 07:00Z.
    let got = firings("cron(0 8 ? * MON-FRI *)", &berlin, ms(2025, 1, 5, 12, 0), 1);
    assert_eq!(got, vec![ms(2025, 1, 6, 7, 0)]);
}

#[test]
fn g27_berlin_summer() {
    let berlin = zone("Europe/Berlin");
    // Monday 2025-07-07 08:00 CEST = 06:00Z.
    let got = firings("cron(0 8 ? * MON-FRI *)", &berlin, ms(2025, 7, 6, 12, 0), 1);
    assert_eq!(got, vec![ms(2025, 7, 7, 6, 0)]);
}

#[test]
fn g27_weekend_skipped() {
    let berlin = zone("Europe/Berlin");
    // From Friday 2025-01-10 after the firing: next is Monday 2025-01-13.
    let got = firings("cron(0 8 ? * MON-FRI *)", &berlin, ms(2025, 1, 10, 7, 0), 6);
    let expected: Vec<i64> = [13, 14, 15, 16, 17, 20]
        .into_iter()
        .map(|d| ms(2025, 1, d, 7, 0))
        .collect();
    assert_eq!(got, expected);
    // Across the spring change (Sunday 2025-03-30): Friday 07:00Z, Monday 06:00Z.
    let got = firings(
        "cron(0 8 ? * MON-FRI *)",
        &berlin,
        ms(2025, 3, 27, 12, 0),
        2,
    );
    assert_eq!(got, vec![ms(2025, 3, 28, 7, 0), ms(2025, 3, 31, 6, 0)]);
}

#[test]
fn at_in_a_zone() {
    let ny = zone("America/New_York");
    let s = sched("at(2025-03-10T09:00:00)");
    // EDT (UTC-4) began 2025-03-09.
    assert_eq!(
        next_fire(&s, &ny, 0, None, None, 0),
        Some(ms(2025, 3, 10, 13, 0))
    );
    assert_eq!(
        next_fire(&s, &Zone::utc(), 0, None, None, 0),
        Some(ms(2025, 3, 10, 9, 0))
    );
    // Once only.
    let t = ms(2025, 3, 10, 13, 0);
    assert_eq!(next_fire(&s, &ny, 0, None, None, t), None);
    assert_eq!(next_fire(&s, &ny, 0, None, None, t - 1), Some(t));
    // Outside the bounds it never fires.
    assert_eq!(next_fire(&s, &ny, 0, Some(t + 1), None, 0), None);
    assert_eq!(next_fire(&s, &ny, 0, None, Some(t - 1), 0), None);
    assert_eq!(next_fire(&s, &ny, 0, Some(t), Some(t), 0), Some(t));
}

#[test]
fn rate_anchored() {
    let s = sched("rate(5 minutes)");
    let anchor = ms(2025, 1, 1, 10, 0);
    let berlin = zone("Europe/Berlin");
    let next = |after| next_fire(&s, &berlin, anchor, None, None, after);
    assert_eq!(next(anchor - DAY_MS), Some(anchor + 5 * MINUTE_MS));
    assert_eq!(next(anchor), Some(anchor + 5 * MINUTE_MS));
    assert_eq!(next(anchor + 7 * MINUTE_MS), Some(anchor + 10 * MINUTE_MS));
    assert_eq!(next(anchor + 10 * MINUTE_MS), Some(anchor + 15 * MINUTE_MS));
    // The zone does not matter.
    assert_eq!(
        next_fire(&s, &Zone::utc(), anchor, None, None, anchor + 7 * MINUTE_MS),
        next(anchor + 7 * MINUTE_MS)
    );
    // A daily rate keeps its UTC period across a DST change.
    let daily = sched("rate(1 day)");
    let a = ms(2025, 3, 29, 12, 0);
    assert_eq!(
        next_fire(&daily, &berlin, a, None, None, a + DAY_MS),
        Some(a + 2 * DAY_MS)
    );
    // The anchor is truncated to its minute.
    assert_eq!(
        next_fire(&s, &berlin, anchor + 37_000, None, None, anchor),
        Some(anchor + 5 * MINUTE_MS)
    );
}

#[test]
fn start_and_end_bounds() {
    let utc = Zone::utc();
    let s = sched("cron(0 * * * ? *)");
    let start = ms(2025, 1, 1, 10, 0);
    let end = ms(2025, 1, 1, 12, 0);
    let next = |after| next_fire(&s, &utc, 0, Some(start), Some(end), after);
    assert_eq!(next(0), Some(start), "start is inclusive");
    assert_eq!(next(start), Some(start + HOUR_MS));
    assert_eq!(next(start + HOUR_MS), Some(end), "end is inclusive");
    assert_eq!(next(end), None);
    let off_minute = next_fire(&s, &utc, 0, Some(start + 1), None, 0);
    assert_eq!(off_minute, Some(start + HOUR_MS));
    // Rate: anchored at creation, bounded by start and end.
    let r = sched("rate(30 minutes)");
    let created = ms(2025, 1, 1, 9, 10);
    let next = |after| next_fire(&r, &utc, created, Some(start), Some(end), after);
    assert_eq!(next(0), Some(ms(2025, 1, 1, 10, 10)));
    assert_eq!(next(ms(2025, 1, 1, 11, 40)), None);
}

#[test]
fn dst_gap_new_york() {
    let ny = zone("America/New_York");
    // 2025-03-09: 02:00 EST jumps to 03:00 EDT (07:00Z). 02:30 does not
    // exist and fires at the first instant after the gap.
    let got = firings("cron(30 2 * * ? *)", &ny, ms(2025, 3, 8, 12, 0), 3);
    assert_eq!(
        got,
        vec![
            ms(2025, 3, 9, 7, 0),
            ms(2025, 3, 10, 6, 30),
            ms(2025, 3, 11, 6, 30)
        ]
    );
    // Times in the gap and the end of the gap collapse into one firing.
    let got = firings("cron(0,30 2,3 9 MAR ? 2025)", &ny, ms(2025, 3, 9, 0, 0), 5);
    assert_eq!(got, vec![ms(2025, 3, 9, 7, 0), ms(2025, 3, 9, 7, 30)]);
    // at() inside the gap.
    let s = sched("at(2025-03-09T02:15:00)");
    assert_eq!(
        next_fire(&s, &ny, 0, None, None, 0),
        Some(ms(2025, 3, 9, 7, 0))
    );
    assert_eq!(
        ny.local_to_utc_ms(ms(2025, 3, 9, 1, 59)),
        Some(ms(2025, 3, 9, 6, 59))
    );
}

#[test]
fn dst_overlap_new_york() {
    let ny = zone("America/New_York");
    // 2025-11-02: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice
    // and fires once, at the first (EDT) occurrence, 05:30Z.
    let got = firings("cron(30 1 * * ? *)", &ny, ms(2025, 11, 1, 12, 0), 3);
    assert_eq!(
        got,
        vec![
            ms(2025, 11, 2, 5, 30),
            ms(2025, 11, 3, 6, 30),
            ms(2025, 11, 4, 6, 30)
        ]
    );
    // Every 30 minutes through the night: no repeats, 02:00 EST follows 01:30 EDT.
    let got = firings("cron(0/30 * 2 NOV ? 2025)", &ny, ms(2025, 11, 2, 4, 0), 4);
    assert_eq!(
        got,
        vec![
            ms(2025, 11, 2, 4, 30),
            ms(2025, 11, 2, 5, 0),
            ms(2025, 11, 2, 5, 30),
            ms(2025, 11, 2, 7, 0)
        ]
    );
}

#[test]
fn last_day_forms() {
    let utc = Zone::utc();
    let got = firings("cron(0 0 L * ? *)", &utc, ms(2024, 1, 15, 0, 0), 3);
    assert_eq!(
        got,
        vec![
            ms(2024, 1, 31, 0, 0),
            ms(2024, 2, 29, 0, 0),
            ms(2024, 3, 31, 0, 0)
        ]
    );
    let got = firings("cron(0 0 L FEB ? 2025-2026)", &utc, 0, 3);
    assert_eq!(got, vec![ms(2025, 2, 28, 0, 0), ms(2026, 2, 28, 0, 0)]);
    // LW: August 2025 ends on a Sunday -> Friday the 29th; May 2025 on a Saturday -> Friday the 30th.
    let got = firings("cron(0 0 LW * ? 2025)", &utc, ms(2025, 4, 30, 12, 0), 4);
    assert_eq!(
        got,
        vec![
            ms(2025, 5, 30, 0, 0),
            ms(2025, 6, 30, 0, 0),
            ms(2025, 7, 31, 0, 0),
            ms(2025, 8, 29, 0, 0)
        ]
    );
    // 6L = last Friday (1 = SUN .. 7 = SAT): 2025-01-31, 2025-02-28.
    let got = firings("cron(0 12 ? * 6L *)", &utc, ms(2025, 1, 1, 0, 0), 2);
    assert_eq!(got, vec![ms(2025, 1, 31, 12, 0), ms(2025, 2, 28, 12, 0)]);
    let got = firings("cron(0 12 ? * FRIL *)", &utc, ms(2025, 1, 1, 0, 0), 1);
    assert_eq!(got, vec![ms(2025, 1, 31, 12, 0)]);
    // L alone in day-of-week = the last day of the week, Saturday.
    let got = firings("cron(0 12 ? * L *)", &utc, ms(2025, 1, 1, 0, 0), 2);
    assert_eq!(got, vec![ms(2025, 1, 4, 12, 0), ms(2025, 1, 11, 12, 0)]);
}

#[test]
fn nearest_weekday_form() {
    let utc = Zone::utc();
    // 2025-02-15 is a Saturday -> Friday 14th; 2025-03-15 Saturday -> 14th;
    // 2025-06-15 Sunday -> Monday 16th; 2025-01-15 Wednesday -> itself.
    let got = firings("cron(0 0 15W * ? 2025)", &utc, 0, 6);
    let expected = vec![
        ms(2025, 1, 15, 0, 0),
        ms(2025, 2, 14, 0, 0),
        ms(2025, 3, 14, 0, 0),
        ms(2025, 4, 15, 0, 0),
        ms(2025, 5, 15, 0, 0),
        ms(2025, 6, 16, 0, 0),
    ];
    assert_eq!(got, expected);
    // 1W never leaves the month: 2025-03-01 is a Saturday -> Monday 3rd.
    assert_eq!(
        firings("cron(0 0 1W MAR ? 2025)", &utc, 0, 1),
        vec![ms(2025, 3, 3, 0, 0)]
    );
    // 31W where the 31st is a Sunday (2025-08-31) -> Friday 29th; skips
    // 30-day months.
    let got = firings("cron(0 0 31W * ? 2025)", &utc, ms(2025, 7, 31, 12, 0), 2);
    assert_eq!(got, vec![ms(2025, 8, 29, 0, 0), ms(2025, 10, 31, 0, 0)]);
}

#[test]
fn nth_weekday_form() {
    let utc = Zone::utc();
    // 3#2 = second Tuesday: 2025-01-14, 2025-02-11.
    let got = firings("cron(0 9 ? * 3#2 *)", &utc, ms(2025, 1, 1, 0, 0), 2);
    assert_eq!(got, vec![ms(2025, 1, 14, 9, 0), ms(2025, 2, 11, 9, 0)]);
    // 5th Monday exists only in some months: 2025-03-31, 2025-06-30.
    let got = firings("cron(0 9 ? * MON#5 *)", &utc, ms(2025, 1, 1, 0, 0), 2);
    assert_eq!(got, vec![ms(2025, 3, 31, 9, 0), ms(2025, 6, 30, 9, 0)]);
}

#[test]
fn impossible_cron_is_none_and_quick() {
    let s = sched("cron(0 0 30 2 ? *)");
    for z in [Zone::utc(), zone("Pacific/Auckland")] {
        assert_eq!(next_fire(&s, &z, 0, None, None, 0), None);
        assert_eq!(next_fire(&s, &z, 0, None, None, i64::MIN), None);
    }
    let s = sched("cron(0 0 31 4,6,9,11 ? *)");
    assert_eq!(next_fire(&s, &Zone::utc(), 0, None, None, 0), None);
    // The last possible firing, then nothing.
    let s = sched("cron(59 23 31 12 ? 2199)");
    let last = ms(2199, 12, 31, 23, 59);
    assert_eq!(next_fire(&s, &Zone::utc(), 0, None, None, 0), Some(last));
    assert_eq!(next_fire(&s, &Zone::utc(), 0, None, None, last), None);
}

#[test]
fn unknown_zone_error() {
    let err = parse_timezone("Mars/Olympus_Mons").unwrap_err();
    assert!(err.contains("Mars/Olympus_Mons"), "{err}");
    assert!(parse_timezone("").is_err());
    assert!(
        parse_timezone("europe/berlin").is_err(),
        "names are case-sensitive"
    );
    assert!(parse_timezone("posix/Europe/Berlin").is_err());
    assert_eq!(zone("UTC").name(), "UTC");
    assert_eq!(zone("Etc/UTC").offset_ms_at(0), 0);
    assert_eq!(Zone::default(), Zone::utc());
    assert_eq!(zone("Europe/Berlin").name(), "Europe/Berlin");
    assert_eq!(
        zone("Europe/Berlin").posix_tz(),
        "CET-1CEST,M3.5.0,M10.5.0/3"
    );
    // A link resolves too.
    assert_eq!(
        zone("US/Eastern").posix_tz(),
        zone("America/New_York").posix_tz()
    );
}

#[test]
fn zone_table_is_sorted_and_parses() {
    let names: Vec<&str> = zone_names().collect();
    assert!(names.len() > 400);
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    for name in names {
        let z = parse_timezone(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(z.name(), name);
    }
}

#[test]
fn zone_offsets() {
    let h = HOUR_MS;
    let cases: &[(&str, i64, i64)] = &[
        ("Europe/Berlin", ms(2025, 1, 6, 7, 0), h),
        ("Europe/Berlin", ms(2025, 7, 7, 6, 0), 2 * h),
        ("Europe/Berlin", ms(2025, 3, 30, 0, 59), h),
        ("Europe/Berlin", ms(2025, 3, 30, 1, 0), 2 * h),
        ("Europe/Berlin", ms(2025, 10, 26, 0, 59), 2 * h),
        ("Europe/Berlin", ms(2025, 10, 26, 1, 0), h),
        ("America/New_York", ms(2025, 3, 9, 6, 59), -5 * h),
        ("America/New_York", ms(2025, 3, 9, 7, 0), -4 * h),
        ("Asia/Kolkata", ms(2025, 6, 1, 0, 0), 5 * h + 30 * MINUTE_MS),
        ("Australia/Sydney", ms(2025, 1, 1, 0, 0), 11 * h),
        ("Australia/Sydney", ms(2025, 7, 1, 0, 0), 10 * h),
        ("Europe/Dublin", ms(2025, 1, 1, 0, 0), 0),
        ("Europe/Dublin", ms(2025, 7, 1, 0, 0), h),
        // Extension: starts on the Friday before the last Sunday of March, 02:00.
        ("Asia/Jerusalem", ms(2025, 3, 27, 23, 59), 2 * h),
        ("Asia/Jerusalem", ms(2025, 3, 28, 0, 0), 3 * h),
        // Extension: "M3.5.0/-1" = Saturday 23:00 local before the last Sunday.
        ("America/Nuuk", ms(2025, 3, 30, 0, 59), -2 * h),
        ("America/Nuuk", ms(2025, 3, 30, 1, 0), -h),
        (
            "Pacific/Chatham",
            ms(2025, 1, 1, 0, 0),
            13 * h + 45 * MINUTE_MS,
        ),
    ];
    for &(name, at, want) in cases {
        assert_eq!(zone(name).offset_ms_at(at), want, "{name} at {at}");
    }
    // Rules repeat over every 400-year cycle, so extremes do not overflow.
    let berlin = zone("Europe/Berlin");
    for t in [i64::MIN, i64::MIN + 1, -1, i64::MAX - 1, i64::MAX] {
        let off = berlin.offset_ms_at(t);
        assert!(off == h || off == 2 * h);
        let _ = berlin.local_to_utc_ms(t);
        let _ = berlin.utc_to_local_ms(t);
    }
}

#[test]
fn posix_rule_forms() {
    let j = PosixTz::parse("XST5XDT,J60/2,J300/2").unwrap();
    // J60 is March 1 in every year.
    assert_eq!(j.offset_ms_at(ms(2024, 3, 1, 6, 59)), -5 * HOUR_MS);
    assert_eq!(j.offset_ms_at(ms(2024, 3, 1, 7, 0)), -4 * HOUR_MS);
    let n = PosixTz::parse("XST5XDT4,59,299").unwrap();
    // Zero-based 59 is March 1 in common years, February 29 in leap years.
    assert_eq!(n.offset_ms_at(ms(2024, 2, 29, 7, 0)), -4 * HOUR_MS);
    assert_eq!(n.offset_ms_at(ms(2025, 2, 28, 7, 0)), -5 * HOUR_MS);
    assert_eq!(n.offset_ms_at(ms(2025, 3, 1, 7, 0)), -4 * HOUR_MS);
    // All-year DST.
    let all = PosixTz::parse("EST5EDT,0/0,J365/25").unwrap();
    for t in [
        ms(2025, 1, 1, 5, 0),
        ms(2025, 6, 1, 0, 0),
        ms(2025, 12, 31, 23, 59),
    ] {
        assert_eq!(all.offset_ms_at(t), -4 * HOUR_MS);
    }
    let quoted = PosixTz::parse("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45").unwrap();
    assert_eq!(quoted.std_offset_s, 12 * 3600 + 45 * 60);
    for bad in [
        "",
        "EST",
        "ES5",
        "EST5EDT",
        "EST5EDT,M3.2.0",
        "EST5EDT,M13.1.0,M11.1.0",
        "EST25",
        "<+01-1",
        "EST5EDT,M3.2.0/168,M11.1.0",
    ] {
        assert_eq!(PosixTz::parse(bad), None, "{bad}");
    }
}

#[test]
fn extreme_inputs_do_not_panic() {
    let zones = [
        Zone::utc(),
        zone("America/New_York"),
        zone("Pacific/Kiritimati"),
    ];
    let schedules = [
        sched("cron(* * * * ? *)"),
        sched("rate(1 minute)"),
        sched("at(9999-12-31T23:59:59)"),
        sched("at(0000-01-01T00:00:00)"),
        Schedule::Rate { every_ms: 0 },
        Schedule::Rate { every_ms: u64::MAX },
        Schedule::At { local_ms: i64::MIN },
        Schedule::At { local_ms: i64::MAX },
    ];
    let edges = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    for z in &zones {
        for s in &schedules {
            for &a in &edges {
                for &b in &edges {
                    let got = next_fire(s, z, a, Some(b), Some(a), b);
                    if let Some(t) = got {
                        assert!(t > b);
                    }
                    let _ = next_fire(s, z, a, None, None, b);
                }
            }
        }
    }
}

/// Minute-by-minute reference: the first minute after `after` (UTC zone)
/// that the cron matches, searching `limit` minutes.
fn brute_force(cron: &Cron, after: i64, limit: i64) -> Option<i64> {
    let first = after.div_euclid(MINUTE_MS) + 1;
    (first..first + limit).map(|m| m * MINUTE_MS).find(|&t| {
        let day = t.div_euclid(DAY_MS);
        let (y, mo, d) = civil_from_days(day);
        let minute = (t.rem_euclid(DAY_MS) / MINUTE_MS) as u32;
        (MIN_YEAR as i64..=MAX_YEAR as i64).contains(&y)
            && cron.years.contains((y - MIN_YEAR as i64) as u32)
            && cron.months.contains(mo)
            && cron.day_matches(y, mo, d, day)
            && cron.hours.contains(minute / 60)
            && cron.minutes.contains(minute % 60)
    })
}

fn field(choices: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(choices)
}

proptest! {
    #[test]
    fn parse_schedule_never_panics(s in ".{0,64}") {
        let _ = parse_schedule(&s);
        let _ = parse_schedule(&format!("cron({s})"));
        let _ = parse_schedule(&format!("rate({s})"));
        let _ = parse_schedule(&format!("at({s})"));
        let _ = parse_timezone(&s);
    }

    #[test]
    fn cron_fields_never_panic(s in "[0-9A-Z?*/,#\\-LW ]{0,40}") {
        if let Ok(sched) = parse_schedule(&format!("cron({s})")) {
            let _ = next_fire(&sched, &Zone::utc(), 0, None, None, ms(2025, 1, 1, 0, 0));
        }
    }

    #[test]
    fn cron_matches_brute_force(
        minutes in field(&["*", "0", "0/15", "5,35", "59", "10-20/5"]),
        hours in field(&["*", "0", "8", "9-17", "*/6", "23"]),
        days in proptest::sample::select(&[
            ("*", "?"), ("?", "MON-FRI"), ("1", "?"), ("L", "?"), ("LW", "?"), ("15W", "?"),
            ("?", "6L"), ("?", "3#2"), ("31", "?"), ("?", "SUN,SAT"), ("29", "?"), ("1W", "?"),
        ][..]),
        months in field(&["*", "FEB", "1-3", "*/4", "DEC"]),
        after_days in 0i64..800,
        after_min in 0i64..1440,
    ) {
        let (dom, dow) = days;
        let expr = format!("cron({minutes} {hours} {dom} {months} {dow} *)");
        let schedule = sched(&expr);
        let Schedule::Cron(cron) = &schedule else { unreachable!() };
        let after = ms(2024, 1, 1, 0, 0) + after_days * DAY_MS + after_min * MINUTE_MS + 7;
        let limit = 400 * 24 * 60;
        let fast = next_fire(&schedule, &Zone::utc(), 0, None, None, after);
        let slow = brute_force(cron, after, limit);
        match slow {
            Some(t) => prop_assert_eq!(fast, Some(t), "{}", expr),
            None => prop_assert!(fast.is_none_or(|t| t >= after + limit * MINUTE_MS), "{}", expr),
        }
    }

    #[test]
    fn zoned_firings_are_local_matches(
        name in field(&["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Jerusalem", "America/Nuuk", "Europe/Dublin", "Pacific/Chatham"]),
        minutes in field(&["0", "30", "0/20", "45"]),
        hours in field(&["*", "0-3", "1,2", "23"]),
        after_hours in 0i64..(24 * 800),
    ) {
        let z = zone(name);
        let schedule = sched(&format!("cron({minutes} {hours} * * ? *)"));
        let Schedule::Cron(cron) = &schedule else { unreachable!() };
        let after = ms(2024, 1, 1, 0, 0) + after_hours * HOUR_MS;
        let t = next_fire(&schedule, &z, 0, None, None, after).unwrap();
        prop_assert!(t > after);
        // Either the local time at t matches, or t is the end of a DST gap
        // that swallowed a matching local time.
        let local = z.utc_to_local_ms(t).unwrap();
        let before = z.utc_to_local_ms(t - 1).unwrap() + 1;
        let matched = cron.next_local_at_or_after(before.min(local)).unwrap();
        prop_assert!(matched <= local, "{} {} {}", name, t, matched);
        // No earlier firing: every UTC minute in (after, t) maps to a
        // non-matching local time.
        let mut u = (after.div_euclid(MINUTE_MS) + 1) * MINUTE_MS;
        while u < t {
            let l = z.utc_to_local_ms(u).unwrap();
            // Second occurrences of ambiguous times are deliberately skipped.
            if z.local_to_utc_ms(l) == Some(u) {
                prop_assert!(cron.next_local_at_or_after(l) != Some(l), "{} missed {}", name, u);
            }
            u += MINUTE_MS;
        }
    }
}
