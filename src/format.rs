//! Numbers and times as the pages say them, in the reader's language.
//! Plain functions of plain values: every view may use them, and they use
//! nothing of the app's but its texts (`crate::i18n`).

use crate::i18n::{fill, Lang};

/// "just now", "5 min ago", "3 h ago", "yesterday", "2 days ago", in `lang`.
pub fn ago(then: u64, now: u64, lang: Lang) -> String {
    let words = &lang.texts().lists;
    let seconds = now.saturating_sub(then) / 1000;
    let say = |template: &str, n: u64| fill(template, &[("n", lang.number(n).as_str())]);
    match seconds {
        0..=59 => words.just_now.to_string(),
        60..=3599 => say(words.minutes_ago, seconds / 60),
        3600..=86_399 => say(words.hours_ago, seconds / 3600),
        _ => match seconds / 86_400 {
            1 => words.yesterday.to_string(),
            days => say(words.days_ago, days),
        },
    }
}

/// "message over" → "Message over": an error's text as a sentence.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A size as people read it: "999 B", "1.5 kB", "12.3 MB", "4.29 GB"
/// (powers of 1000, as file managers show sizes; three significant
/// digits), with `lang`'s decimal mark ("1,50 kB").
pub fn bytes_text(bytes: u64, lang: Lang) -> String {
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
    lang.decimal(if value < 10.0 {
        format!("{value:.2} {unit}")
    } else if value < 100.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    })
}

/// A duration left, rounded as people say it, in `lang`: "4 s",
/// "2 min 5 s", "1 h 12 min", "7 d 0 h".
pub fn duration_text(seconds: u64, lang: Lang) -> String {
    let words = &lang.texts().lists;
    let unit = |template: &str, n: u64| fill(template, &[("n", lang.number(n).as_str())]);
    let two = |first: &str, a: u64, second: &str, b: u64| format!("{} {}", unit(first, a), unit(second, b));
    match seconds {
        0..=59 => unit(words.seconds_short, seconds),
        60..=3599 => two(words.minutes_short, seconds / 60, words.seconds_short, seconds % 60),
        3600..=86_399 => two(words.hours_short, seconds / 3600, words.minutes_short, seconds % 3600 / 60),
        _ => two(words.days_short, seconds / 86_400, words.hours_short, seconds % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_left_read_as_people_say_them() {
        let en = Lang::En;
        assert_eq!(bytes_text(0, en), "0 B");
        assert_eq!(bytes_text(999, en), "999 B");
        assert_eq!(bytes_text(1500, en), "1.50 kB");
        assert_eq!(bytes_text(52_428_800, en), "52.4 MB");
        assert_eq!(bytes_text(4_294_967_296, en), "4.29 GB");
        assert_eq!(bytes_text(999_999_999, en), "1000 MB");
        assert_eq!(duration_text(4, en), "4 s");
        assert_eq!(duration_text(125, en), "2 min 5 s");
        assert_eq!(duration_text(86_399, en), "23 h 59 min");
        assert_eq!(duration_text(7 * 86_400, en), "7 d 0 h");
        assert_eq!(duration_text(4320, en), "1 h 12 min");
    }

    #[test]
    fn sizes_and_times_left_in_other_languages() {
        assert_eq!(bytes_text(1500, Lang::De), "1,50 kB");
        assert_eq!(bytes_text(52_428_800, Lang::Fr), "52,4 MB");
        assert_eq!(bytes_text(4_294_967_296, Lang::Ja), "4.29 GB");
        assert_eq!(bytes_text(999, Lang::De), "999 B");
        assert_eq!(duration_text(125, Lang::De), "2 Min. 5 Sek.");
        assert_eq!(duration_text(4, Lang::Ja), "4 秒");
        assert_eq!(duration_text(125, Lang::Ja), "2 分 5 秒");
        assert_eq!(duration_text(4320, Lang::Ja), "1 時間 12 分");
        assert_eq!(duration_text(7 * 86_400, Lang::Ja), "7 日 0 時間");
    }

    #[test]
    fn times_read_as_people_say_them() {
        let now = 10 * 86_400_000;
        let en = Lang::En;
        assert_eq!(ago(now - 5_000, now, en), "just now");
        assert_eq!(ago(now - 5 * 60_000, now, en), "5 min ago");
        assert_eq!(ago(now - 3 * 3_600_000, now, en), "3 h ago");
        assert_eq!(ago(now - 86_400_000, now, en), "yesterday");
        assert_eq!(ago(now - 3 * 86_400_000, now, en), "3 days ago");
        assert_eq!(ago(now + 1000, now, en), "just now", "a clock that went back");
    }

    #[test]
    fn times_in_other_languages() {
        let now = 2000 * 86_400_000;
        assert_eq!(ago(now - 5 * 60_000, now, Lang::De), "vor 5 Min.");
        assert_eq!(ago(now - 86_400_000, now, Lang::De), "gestern");
        assert_eq!(ago(now - 1200 * 86_400_000, now, Lang::De), "vor 1.200 Tagen");
        assert_eq!(ago(now - 3 * 3_600_000, now, Lang::Ja), "3 時間前");
        assert_eq!(ago(now - 3 * 86_400_000, now, Lang::Ja), "3 日前");
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(capitalized("message over"), "Message over");
        assert_eq!(capitalized(""), "");
    }
}
