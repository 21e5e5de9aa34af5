//! Typed literals. A `cst::Word` is untyped text; these functions give it a type where
//! the position asks for one (a CIDR after `cidr =`, a port in a firewall rule, …).
//! Each parser returns a [`LitError`] with a stable code and a message that names the
//! value and the expected form, so every caller reports bad literals the same way.

use ipnet::IpNet;
use std::net::IpAddr;

/// Why a word is not the literal it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LitError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// An exact replacement for the word when one is known (e.g. the network address of a
    /// CIDR written with host bits).
    pub fix: Option<String>,
}

impl LitError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        LitError { code, message: message.into(), help: None, fix: None }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

pub const E_INTEGER: &str = "E0200";
pub const E_ADDRESS: &str = "E0201";
pub const E_CIDR: &str = "E0202";
pub const E_CIDR_HOST_BITS: &str = "E0203";
pub const E_PORT: &str = "E0204";
pub const E_PORT_RANGE: &str = "E0205";
pub const E_DURATION: &str = "E0206";
pub const E_SIZE: &str = "E0207";
pub const E_SHARE: &str = "E0208";
pub const E_MODE: &str = "E0209";
pub const E_BOOL: &str = "E0210";

pub fn integer(text: &str) -> Result<u64, LitError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            LitError::new(E_INTEGER, format!("`{text}` is not a whole number")).help("write decimal digits, e.g. `4`")
        );
    }
    text.parse::<u64>().map_err(|_| LitError::new(E_INTEGER, format!("`{text}` is too large")))
}

pub fn boolean(text: &str) -> Result<bool, LitError> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => {
            let mut e = LitError::new(E_BOOL, format!("`{text}` is not a boolean")).help("write `true` or `false`");
            match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => e.fix = Some("true".into()),
                "false" | "no" | "off" => e.fix = Some("false".into()),
                _ => {}
            }
            Err(e)
        }
    }
}

pub fn address(text: &str) -> Result<IpAddr, LitError> {
    text.parse::<IpAddr>().map_err(|_| {
        let mut e = LitError::new(E_ADDRESS, format!("`{text}` is not an IP address"))
            .help("write an IPv4 address like `192.0.2.10` or an IPv6 address like `2001:db8::1`");
        if let Some((addr, _)) = text.split_once('/') {
            if addr.parse::<IpAddr>().is_ok() {
                e.help = Some("this is a CIDR; an address has no `/prefix` here".into());
                e.fix = Some(addr.to_string());
            }
        }
        e
    })
}

pub fn ipv4(text: &str) -> Result<std::net::Ipv4Addr, LitError> {
    match address(text)? {
        IpAddr::V4(a) => Ok(a),
        IpAddr::V6(_) => {
            Err(LitError::new(E_ADDRESS, format!("`{text}` is an IPv6 address; an IPv4 address is needed here")))
        }
    }
}

/// A CIDR whose address is the network address (`10.0.1.0/24`, not `10.0.1.5/24`): AWS
/// would silently use the network, so a value with host bits is almost always a typo.
pub fn cidr(text: &str) -> Result<IpNet, LitError> {
    let Some((addr, prefix)) = text.split_once('/') else {
        let mut e = LitError::new(E_CIDR, format!("`{text}` is not a CIDR: the `/prefix` is missing"));
        if let Ok(a) = addr_only(text) {
            let single = if a.is_ipv4() { format!("{text}/32") } else { format!("{text}/128") };
            e.help = Some(format!("a single address is `{single}`"));
            e.fix = Some(single);
        } else {
            e.help = Some("write an address and a prefix length, e.g. `10.0.0.0/16`".into());
        }
        return Err(e);
    };
    let a = addr_only(addr).map_err(|_| {
        LitError::new(E_CIDR, format!("`{text}` is not a CIDR: `{addr}` is not an IP address"))
            .help("write an address and a prefix length, e.g. `10.0.0.0/16`")
    })?;
    let max = if a.is_ipv4() { 32 } else { 128 };
    let p: u8 = match prefix.parse::<u8>() {
        Ok(p) if p <= max && prefix.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => {
            return Err(LitError::new(E_CIDR, format!("`{text}` is not a CIDR: the prefix length must be 0–{max}"))
                .help("write an address and a prefix length, e.g. `10.0.0.0/16`"))
        }
    };
    let net = IpNet::new(a, p).map_err(|_| LitError::new(E_CIDR, format!("`{text}` is not a CIDR")))?;
    if net.trunc() != net {
        let t = net.trunc();
        let mut e = LitError::new(E_CIDR_HOST_BITS, format!("`{text}` has host bits set; the network is `{t}`"))
            .help(format!("write `{t}`, or `{a}/{max}` for the single address"));
        e.fix = Some(t.to_string());
        return Err(e);
    }
    Ok(net)
}

fn addr_only(text: &str) -> Result<IpAddr, ()> {
    text.parse::<IpAddr>().map_err(|_| ())
}

/// Inclusive port range; a single port has `low == high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub low: u16,
    pub high: u16,
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}-{}", self.low, self.high)
        }
    }
}

impl PortRange {
    pub fn contains(&self, port: u16) -> bool {
        self.low <= port && port <= self.high
    }
}

pub fn port(text: &str) -> Result<u16, LitError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LitError::new(E_PORT, format!("`{text}` is not a port")).help("a port is a number from 0 to 65535"));
    }
    text.parse::<u16>().map_err(|_| {
        LitError::new(E_PORT, format!("port `{text}` is out of range")).help("a port is a number from 0 to 65535")
    })
}

/// `443` or `8000-8080`.
pub fn port_range(text: &str) -> Result<PortRange, LitError> {
    match text.split_once('-') {
        None => port(text).map(|p| PortRange { low: p, high: p }),
        Some((l, h)) => {
            let low = port(l)?;
            let high = port(h)?;
            if low > high {
                let mut e = LitError::new(E_PORT_RANGE, format!("port range `{text}` runs backwards ({low} > {high})"))
                    .help(format!("write `{high}-{low}`"));
                e.fix = Some(format!("{high}-{low}"));
                return Err(e);
            }
            Ok(PortRange { low, high })
        }
    }
}

/// A duration in seconds: `30s`, `5m`, `1h`, `1d`, `1w`.
pub fn duration(text: &str) -> Result<u64, LitError> {
    let bad = || {
        LitError::new(E_DURATION, format!("`{text}` is not a duration"))
            .help("write a whole number with a unit: `30s`, `5m`, `1h`, `1d` or `1w`")
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| {
        let mut e = bad();
        e.help = Some(format!("add a unit, e.g. `{text}s` for seconds"));
        e.fix = Some(format!("{text}s"));
        e
    })?;
    let (num, unit) = text.split_at(split);
    if num.is_empty() {
        return Err(bad());
    }
    let n: u64 = num.parse().map_err(|_| bad())?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(|| LitError::new(E_DURATION, format!("duration `{text}` is too long")))
}

/// A TTL: integer seconds or a duration.
pub fn ttl(text: &str) -> Result<u64, LitError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return integer(text);
    }
    duration(text)
}

/// A size in GiB: `30GiB`.
pub fn size_gib(text: &str) -> Result<u64, LitError> {
    let bad =
        || LitError::new(E_SIZE, format!("`{text}` is not a size")).help("write a whole number of GiB, e.g. `30GiB`");
    let Some(num) = text.strip_suffix("GiB") else {
        let mut e = bad();
        let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
        let rest = &text[digits.len()..];
        if !digits.is_empty() && matches!(rest, "" | "G" | "GB" | "gb" | "Gb" | "gib" | "g") {
            e.fix = Some(format!("{digits}GiB"));
            e.help = Some(format!("write `{digits}GiB`"));
        }
        return Err(e);
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    num.parse().map_err(|_| bad())
}

/// A share in percent, returned as 0.0–1.0: `25%`.
pub fn share(text: &str) -> Result<f64, LitError> {
    let bad = || {
        LitError::new(E_SHARE, format!("`{text}` is not a share"))
            .help("write a percentage from 0% to 100%, e.g. `25%`")
    };
    let Some(num) = text.strip_suffix('%') else {
        let mut e = bad();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            e.fix = Some(format!("{text}%"));
            e.help = Some(format!("write `{text}%`"));
        }
        return Err(e);
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u32 = num.parse().map_err(|_| bad())?;
    if n > 100 {
        return Err(
            LitError::new(E_SHARE, format!("`{text}` is more than 100%")).help("write a percentage from 0% to 100%")
        );
    }
    Ok(f64::from(n) / 100.0)
}

/// A Unix file mode in octal with a leading `0`: `0600`, `0755`, `01777`.
pub fn file_mode(text: &str) -> Result<u32, LitError> {
    let bad = || {
        LitError::new(E_MODE, format!("`{text}` is not a file mode"))
            .help("write the mode in octal with a leading zero, e.g. `0600` or `0755`")
    };
    let Some(octal) = text.strip_prefix('0') else {
        let mut e = bad();
        if text.len() == 3 && text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            e.fix = Some(format!("0{text}"));
            e.help = Some(format!("write `0{text}` (octal needs the leading zero)"));
        }
        return Err(e);
    };
    if octal.is_empty() || octal.len() > 4 || !octal.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(bad());
    }
    u32::from_str_radix(octal, 8).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_booleans() {
        assert_eq!(integer("300"), Ok(300));
        assert_eq!(integer("3x").unwrap_err().code, E_INTEGER);
        assert_eq!(integer("99999999999999999999999").unwrap_err().code, E_INTEGER);
        assert_eq!(boolean("true"), Ok(true));
        assert_eq!(boolean("yes").unwrap_err().fix.as_deref(), Some("true"));
    }

    #[test]
    fn addresses() {
        assert_eq!(address("54.64.225.166").unwrap().to_string(), "54.64.225.166");
        assert_eq!(address("2001:db8::1").unwrap().to_string(), "2001:db8::1");
        let e = address("10.0.0.1/32").unwrap_err();
        assert_eq!((e.code, e.fix.as_deref()), (E_ADDRESS, Some("10.0.0.1")));
        assert!(ipv4("::1").is_err());
    }

    #[test]
    fn cidrs() {
        assert_eq!(cidr("10.0.0.0/16").unwrap().to_string(), "10.0.0.0/16");
        assert_eq!(cidr("::/0").unwrap().to_string(), "::/0");
        assert_eq!(cidr("10.0.0.0/33").unwrap_err().code, E_CIDR);
        assert_eq!(cidr("10.0.0/16").unwrap_err().code, E_CIDR);
        assert_eq!(cidr("10.0.0.0/+1").unwrap_err().code, E_CIDR);
        let e = cidr("10.0.1.5/24").unwrap_err();
        assert_eq!((e.code, e.fix.as_deref()), (E_CIDR_HOST_BITS, Some("10.0.1.0/24")));
        assert_eq!(cidr("198.51.100.7").unwrap_err().fix.as_deref(), Some("198.51.100.7/32"));
    }

    #[test]
    fn ports() {
        assert_eq!(port_range("443"), Ok(PortRange { low: 443, high: 443 }));
        assert_eq!(port_range("8000-8080"), Ok(PortRange { low: 8000, high: 8080 }));
        assert_eq!(port_range("70000").unwrap_err().code, E_PORT);
        let e = port_range("8080-8000").unwrap_err();
        assert_eq!((e.code, e.fix.as_deref()), (E_PORT_RANGE, Some("8000-8080")));
        assert_eq!(port_range("80-").unwrap_err().code, E_PORT);
    }

    #[test]
    fn durations_sizes_shares_modes() {
        assert_eq!(duration("30s"), Ok(30));
        assert_eq!(duration("5m"), Ok(300));
        assert_eq!(duration("1w"), Ok(604_800));
        assert_eq!(duration("30").unwrap_err().fix.as_deref(), Some("30s"));
        assert_eq!(duration("5y").unwrap_err().code, E_DURATION);
        assert_eq!(duration("99999999999999999999w").unwrap_err().code, E_DURATION);
        assert_eq!(ttl("300"), Ok(300));
        assert_eq!(ttl("1h"), Ok(3600));
        assert_eq!(size_gib("30GiB"), Ok(30));
        assert_eq!(size_gib("30GB").unwrap_err().fix.as_deref(), Some("30GiB"));
        assert_eq!(share("25%"), Ok(0.25));
        assert_eq!(share("101%").unwrap_err().code, E_SHARE);
        assert_eq!(share("25").unwrap_err().fix.as_deref(), Some("25%"));
        assert_eq!(file_mode("0600"), Ok(0o600));
        assert_eq!(file_mode("0755"), Ok(0o755));
        assert_eq!(file_mode("600").unwrap_err().fix.as_deref(), Some("0600"));
        assert_eq!(file_mode("0800").unwrap_err().code, E_MODE);
    }
}
