//! Numbers and times as the pages say them. Plain functions of plain
//! values: every view may use them, and they use nothing of the app's.

/// `1048576` → `1,048,576`.
pub fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 host", "3 hosts", "1,200 bytes", "2 copies".
pub fn count_of(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{} {}", group_digits(n), plural(noun)),
    }
}

/// An English noun's regular plural: "host" → "hosts", "copy" → "copies".
fn plural(noun: &str) -> String {
    match noun.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{noun}s"),
    }
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago(then: u64, now: u64) -> String {
    let seconds = now.saturating_sub(then) / 1000;
    match seconds {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => match seconds / 86_400 {
            1 => "yesterday".into(),
            days => format!("{days} days ago"),
        },
    }
}

/// "message over" → "Message over": an error's text as a sentence.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A size as people read it: "999 B", "1.5 kB", "12.3 MB", "4.29 GB"
/// (powers of 1000, as file managers show sizes; three significant digits).
pub fn bytes_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for name in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = name;
    }
    if value < 10.0 {
        format!("{value:.2} {unit}")
    } else if value < 100.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// A duration left, rounded as people say it: "4 s", "2 min 5 s", "1 h 12 min".
pub fn duration_text(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} s"),
        60..=3599 => format!("{} min {} s", seconds / 60, seconds % 60),
        3600..=86_399 => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{} d {} h", seconds / 86_400, seconds % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_left_read_as_people_say_them() {
        assert_eq!(bytes_text(0), "0 B");
        assert_eq!(bytes_text(999), "999 B");
        assert_eq!(bytes_text(1500), "1.50 kB");
        assert_eq!(bytes_text(52_428_800), "52.4 MB");
        assert_eq!(bytes_text(4_294_967_296), "4.29 GB");
        assert_eq!(bytes_text(999_999_999), "1000 MB");
        assert_eq!(duration_text(4), "4 s");
        assert_eq!(duration_text(125), "2 min 5 s");
        assert_eq!(duration_text(86_399), "23 h 59 min");
        assert_eq!(duration_text(7 * 86_400), "7 d 0 h");
        assert_eq!(duration_text(4320), "1 h 12 min");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1_048_576), "1,048,576");
        assert_eq!(count_of(1, "host"), "1 host");
        assert_eq!(count_of(0, "host"), "0 hosts");
        assert_eq!(count_of(1200, "host"), "1,200 hosts");
        assert_eq!((count_of(1, "copy"), count_of(2, "copy")), ("1 copy".into(), "2 copies".into()));
        assert_eq!(count_of(2, "day"), "2 days");
    }

    #[test]
    fn times_read_as_people_say_them() {
        let now = 10 * 86_400_000;
        assert_eq!(ago(now - 5_000, now), "just now");
        assert_eq!(ago(now - 5 * 60_000, now), "5 min ago");
        assert_eq!(ago(now - 3 * 3_600_000, now), "3 h ago");
        assert_eq!(ago(now - 86_400_000, now), "yesterday");
        assert_eq!(ago(now - 3 * 86_400_000, now), "3 days ago");
        assert_eq!(ago(now + 1000, now), "just now", "a clock that went back");
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(capitalized("message over"), "Message over");
        assert_eq!(capitalized(""), "");
    }
}
