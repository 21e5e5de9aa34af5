//! TTLs as BIND writes them: seconds (`3600`) or numbers with units, in any case and
//! combined (`1h`, `2w`, `1h30m`, `1W2D`).

/// Largest TTL (RFC 2181 §8: a signed 32-bit count; also Route53's limit).
pub const MAX_TTL: u64 = 2_147_483_647;

/// `None` when `text` is not a TTL or is over [`MAX_TTL`].
pub fn parse(text: &str) -> Option<u64> {
    if text.is_empty() || !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().ok().filter(|n| *n <= MAX_TTL);
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            number = Some(number.unwrap_or(0).checked_mul(10)?.checked_add(u64::from(d))?);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(number.take()?.checked_mul(unit)?)?;
    }
    // A trailing number without a unit is seconds, as BIND reads `1h30`.
    if let Some(n) = number {
        total = total.checked_add(n)?;
    }
    Some(total).filter(|t| *t <= MAX_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("3600"), Some(3600));
        assert_eq!(parse("1h"), Some(3600));
        assert_eq!(parse("2w"), Some(1_209_600));
        assert_eq!(parse("1h30m"), Some(5400));
        assert_eq!(parse("1W2D3h4M5s"), Some(604_800 + 172_800 + 10_800 + 240 + 5));
        assert_eq!(parse("1h30"), Some(3630));
        assert_eq!(parse("2147483647"), Some(MAX_TTL));
        assert_eq!(parse("2147483648"), None);
        assert_eq!(parse("99999999999999999999w"), None);
        assert_eq!(parse("h"), None);
        assert_eq!(parse("1hh"), None);
        assert_eq!(parse("1x"), None);
        assert_eq!(parse("IN"), None);
        assert_eq!(parse(""), None);
    }
}
