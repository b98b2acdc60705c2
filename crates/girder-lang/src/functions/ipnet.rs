//! Terraform's IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`.
//!
//! Terraform 1.0.3 parses prefixes with Go 1.16's `net.ParseCIDR` (leading zeros in IPv4
//! octets are accepted as decimal) and computes addresses with go-cidr v1.1.0. Both are
//! reproduced here, quirks included: a negative `cidrsubnet` network number goes through
//! big-integer two's-complement arithmetic exactly as there, and IPv4-mapped IPv6 prefixes
//! keep Go's mixed 32/128-bit handling. Where Terraform panics (an address that no longer
//! fits), we return an error instead.

use super::{FuncError, Function, Param};
use crate::fixed_return;
use dashu_int::ops::UnsignedAbs;
use dashu_int::{IBig, UBig};
use girder_core::{Number, Type, Value};

pub(crate) fn functions() -> Vec<Function> {
    vec![
        Function {
            name: "cidrhost",
            params: vec![
                Param::new("prefix", Type::String),
                Param::new("hostnum", Type::Number),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: cidrhost,
        },
        Function {
            name: "cidrnetmask",
            params: vec![Param::new("prefix", Type::String)],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: cidrnetmask,
        },
        Function {
            name: "cidrsubnet",
            params: vec![
                Param::new("prefix", Type::String),
                Param::new("newbits", Type::Number),
                Param::new("netnum", Type::Number),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: cidrsubnet,
        },
        Function {
            name: "cidrsubnets",
            params: vec![Param::new("prefix", Type::String)],
            variadic: Some(Param::new("newbits", Type::Number)),
            return_type: fixed_return!(Type::list(Type::String)),
            imp: cidrsubnets,
        },
    ]
}

// ----- number conversions (gocty) -----

/// gocty's conversion of a number to a Go `int`.
pub(super) fn go_int(n: &Number) -> Result<i64, String> {
    match n.to_i64() {
        Some(i) if n.is_integer() => Ok(i),
        _ => Err(format!(
            "value must be a whole number, between {} and {}",
            i64::MIN,
            i64::MAX
        )),
    }
}

/// gocty's conversion of a number to a Go `*big.Int`.
pub(super) fn go_bigint(n: &Number) -> Result<IBig, String> {
    let s = n
        .to_string_radix(10)
        .ok_or_else(|| "value must be a whole number".to_string())?;
    IBig::from_str_radix(&s, 10).map_err(|_| "value must be a whole number".to_string())
}

fn num_arg(v: &Value) -> &Number {
    v.as_number().expect("converted to number")
}

fn str_arg(v: &Value) -> std::borrow::Cow<'_, str> {
    super::filesystem::text(v)
}

// ----- Go's net package -----

/// An IP address as Go's `net.IP`: 4 or 16 bytes (or empty for nil).
type Ip = Vec<u8>;

const V4_IN_V6: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/// Go's `net.IPNet`.
#[derive(Clone, Debug)]
struct IpNet {
    ip: Ip,
    mask: Vec<u8>,
}

/// Go's decimal parser `dtoi`: (value, bytes consumed, ok).
fn dtoi(s: &[u8]) -> (u32, usize, bool) {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n * 10 + u32::from(s[i] - b'0');
        if n >= 0xFF_FFFF {
            return (0xFF_FFFF, i, false);
        }
        i += 1;
    }
    if i == 0 {
        return (0, 0, false);
    }
    (n, i, true)
}

/// Go's hex parser `xtoi`.
fn xtoi(s: &[u8]) -> (u32, usize, bool) {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() {
        let d = match s[i] {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'f' => c - b'a' + 10,
            c @ b'A'..=b'F' => c - b'A' + 10,
            _ => break,
        };
        n = n * 16 + u32::from(d);
        if n >= 0xFF_FFFF {
            return (0, i, false);
        }
        i += 1;
    }
    if i == 0 {
        return (0, i, false);
    }
    (n, i, true)
}

/// Go 1.16's `parseIPv4`: a 16-byte IPv4-in-IPv6 address.
fn parse_ipv4(mut s: &[u8]) -> Option<Ip> {
    let mut p = [0u8; 4];
    for (i, slot) in p.iter_mut().enumerate() {
        if s.is_empty() {
            return None;
        }
        if i > 0 {
            if s[0] != b'.' {
                return None;
            }
            s = &s[1..];
        }
        let (n, c, ok) = dtoi(s);
        if !ok || n > 0xFF {
            return None;
        }
        s = &s[c..];
        *slot = n as u8;
    }
    if !s.is_empty() {
        return None;
    }
    let mut ip = V4_IN_V6.to_vec();
    ip.extend_from_slice(&p);
    Some(ip)
}

/// Go 1.16's `parseIPv6` (no zone).
fn parse_ipv6(mut s: &[u8]) -> Option<Ip> {
    let mut ip = vec![0u8; 16];
    let mut ellipsis: Option<usize> = None;
    if s.len() >= 2 && s[0] == b':' && s[1] == b':' {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Some(ip);
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, c, ok) = xtoi(s);
        if !ok || n > 0xFFFF {
            return None;
        }
        if c < s.len() && s[c] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return None;
            }
            if i + 4 > 16 {
                return None;
            }
            let ip4 = parse_ipv4(s)?;
            ip[i..i + 4].copy_from_slice(&ip4[12..16]);
            s = &[];
            i += 4;
            break;
        }
        ip[i] = (n >> 8) as u8;
        ip[i + 1] = n as u8;
        i += 2;
        s = &s[c..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' || s.len() == 1 {
            return None;
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if i < 16 {
        let e = ellipsis?;
        let n = 16 - i;
        let mut j = i;
        while j > e {
            j -= 1;
            ip[j + n] = ip[j];
        }
        for b in ip.iter_mut().skip(e).take(n) {
            *b = 0;
        }
    } else if ellipsis.is_some() {
        return None;
    }
    Some(ip)
}

/// Go's `net.CIDRMask` (None for Go's nil).
fn cidr_mask(ones: i64, bits: i64) -> Option<Vec<u8>> {
    if (bits != 32 && bits != 128) || ones < 0 || ones > bits {
        return None;
    }
    let mut m = vec![0u8; (bits / 8) as usize];
    let mut n = ones;
    for b in m.iter_mut() {
        if n >= 8 {
            *b = 0xff;
            n -= 8;
        } else {
            *b = !(0xffu8.checked_shr(n as u32).unwrap_or(0));
            n = 0;
        }
    }
    Some(m)
}

/// Go's `IP.Mask`.
fn ip_mask(ip: &[u8], mask: &[u8]) -> Ip {
    let mut mask = mask;
    let mut ip = ip;
    if mask.len() == 16 && ip.len() == 4 && mask[..12].iter().all(|b| *b == 0xff) {
        mask = &mask[12..];
    }
    if mask.len() == 4 && ip.len() == 16 && ip[..12] == V4_IN_V6 {
        ip = &ip[12..];
    }
    if ip.len() != mask.len() {
        return Vec::new();
    }
    ip.iter().zip(mask).map(|(a, b)| a & b).collect()
}

/// Go's `IP.To4`.
fn to4(ip: &[u8]) -> Option<&[u8]> {
    if ip.len() == 4 {
        return Some(ip);
    }
    if ip.len() == 16 && ip[..12] == V4_IN_V6 {
        return Some(&ip[12..]);
    }
    None
}

/// Go's `IP.String`.
fn ip_string(ip: &[u8]) -> String {
    if ip.is_empty() {
        return "<nil>".into();
    }
    if let Some(p4) = to4(ip) {
        return format!("{}.{}.{}.{}", p4[0], p4[1], p4[2], p4[3]);
    }
    if ip.len() != 16 {
        let hex: String = ip.iter().map(|b| format!("{b:02x}")).collect();
        return format!("?{hex}");
    }
    // Longest run of zero groups (first one wins), at least two groups long.
    let (mut e0, mut e1): (i32, i32) = (-1, -1);
    let mut i = 0usize;
    while i < 16 {
        let mut j = i;
        while j < 16 && ip[j] == 0 && ip[j + 1] == 0 {
            j += 2;
        }
        if j > i && (j - i) as i32 > e1 - e0 {
            e0 = i as i32;
            e1 = j as i32;
            i = j;
        }
        i += 2;
    }
    if e1 - e0 <= 2 {
        e0 = -1;
        e1 = -1;
    }
    let mut out = String::new();
    let mut i = 0i32;
    while i < 16 {
        if i == e0 {
            out.push_str("::");
            i = e1;
            if i >= 16 {
                break;
            }
        } else if i > 0 {
            out.push(':');
        }
        let g = (u32::from(ip[i as usize]) << 8) | u32::from(ip[i as usize + 1]);
        out.push_str(&format!("{g:x}"));
        i += 2;
    }
    out
}

/// Go's `simpleMaskLength`: the number of leading ones, or None if not canonical.
fn simple_mask_length(mask: &[u8]) -> Option<usize> {
    let mut n = 0;
    for (i, &v) in mask.iter().enumerate() {
        if v == 0xff {
            n += 8;
            continue;
        }
        let mut v = v;
        while v & 0x80 != 0 {
            n += 1;
            v <<= 1;
        }
        if v != 0 {
            return None;
        }
        if mask[i + 1..].iter().any(|b| *b != 0) {
            return None;
        }
        break;
    }
    Some(n)
}

/// Go's `IPMask.Size`: (ones, bits), (0, 0) for a non-canonical mask.
fn mask_size(mask: &[u8]) -> (i64, i64) {
    match simple_mask_length(mask) {
        Some(ones) => (ones as i64, mask.len() as i64 * 8),
        None => (0, 0),
    }
}

/// Go's `networkNumberAndMask`.
fn network_number_and_mask(n: &IpNet) -> Option<(Ip, Vec<u8>)> {
    let ip: Ip = match to4(&n.ip) {
        Some(v4) => v4.to_vec(),
        None => {
            if n.ip.len() != 16 {
                return None;
            }
            n.ip.clone()
        }
    };
    let mut m = n.mask.clone();
    match m.len() {
        4 => {
            if ip.len() != 4 {
                return None;
            }
        }
        16 => {
            if ip.len() == 4 {
                m = m[12..].to_vec();
            }
        }
        _ => return None,
    }
    Some((ip, m))
}

/// Go's `IPNet.String`.
fn ipnet_string(n: &IpNet) -> String {
    let Some((nn, m)) = network_number_and_mask(n) else {
        return "<nil>".into();
    };
    match simple_mask_length(&m) {
        Some(l) => format!("{}/{}", ip_string(&nn), l),
        None => {
            let hex: String = m.iter().map(|b| format!("{b:02x}")).collect();
            format!("{}/{}", ip_string(&nn), hex)
        }
    }
}

/// Go's `IPNet.Contains`.
fn ipnet_contains(n: &IpNet, ip: &[u8]) -> bool {
    let Some((nn, m)) = network_number_and_mask(n) else {
        return false;
    };
    let ip = to4(ip).unwrap_or(ip);
    if ip.len() != nn.len() || m.len() != nn.len() {
        return false;
    }
    (0..ip.len()).all(|i| nn[i] & m[i] == ip[i] & m[i])
}

/// Go's `net.ParseCIDR`, returning the network (the error text is Go's).
fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let err = || format!("invalid CIDR address: {s}");
    let i = s.find('/').ok_or_else(err)?;
    let (addr, mask) = (&s.as_bytes()[..i], &s.as_bytes()[i + 1..]);
    let (ip, iplen) = match parse_ipv4(addr) {
        Some(ip) => (ip, 4),
        None => (parse_ipv6(addr).ok_or_else(err)?, 16),
    };
    let (n, used, ok) = dtoi(mask);
    if !ok || used != mask.len() || n as i64 > 8 * iplen {
        return Err(err());
    }
    let m = cidr_mask(i64::from(n), 8 * iplen).ok_or_else(err)?;
    Ok(IpNet {
        ip: ip_mask(&ip, &m),
        mask: m,
    })
}

// ----- go-cidr v1.1.0 -----

fn ip_to_int(ip: &[u8]) -> (UBig, i64) {
    (UBig::from_be_bytes(ip), ip.len() as i64 * 8)
}

/// go-cidr's `insertNumIntoIP`: `ip | (num << (total - prefix_len))` in big-integer two's
/// complement, then the magnitude's bytes right-aligned. None where Go would panic (the
/// magnitude needs more bytes than the address has).
fn insert_num_into_ip(ip: &[u8], num: &IBig, prefix_len: i64) -> Option<Ip> {
    let (ip_int, total) = ip_to_int(ip);
    let shift = total - prefix_len;
    // Go shifts by uint(shift); a negative shift would be a huge count. Never reached with
    // the callers' arithmetic, but keep it panic-free.
    if shift < 0 {
        return None;
    }
    let shift = shift as usize;
    let mag: UBig = num.clone().unsigned_abs() << shift;
    let result = if *num >= IBig::ZERO {
        &ip_int | &mag
    } else if mag == UBig::ZERO {
        ip_int.clone()
    } else {
        // x | -m == -(((m - 1) &^ x) + 1): the magnitude is ((m - 1) &^ x) + 1.
        let m1 = &mag - UBig::ONE;
        let and_not = &m1 ^ (&m1 & &ip_int);
        and_not + UBig::ONE
    };
    let bytes = result.to_be_bytes();
    let len = (total / 8) as usize;
    if bytes.len() > len {
        return None;
    }
    let mut out = vec![0u8; len];
    out[len - bytes.len()..].copy_from_slice(&bytes);
    Some(out)
}

/// Go's `big.Int.Uint64` (the low 64 bits of the magnitude).
fn big_low_u64(n: &IBig) -> u64 {
    let mag = n.clone().unsigned_abs();
    let low = mag & UBig::from(u64::MAX);
    u64::try_from(&low).unwrap_or(0)
}

fn host_big(base: &IpNet, num: IBig) -> Result<Ip, String> {
    let (parent_len, addr_len) = mask_size(&base.mask);
    let host_len = addr_len - parent_len;
    let max_host = (IBig::ONE << host_len as usize) - IBig::ONE;
    let mut num = num;
    let mut num_u64 = IBig::from(big_low_u64(&num) as i64);
    if num < IBig::ZERO {
        num_u64 = -num.clone() - IBig::ONE;
        num = &max_host - &num_u64;
    }
    let too_big = || format!("prefix of {parent_len} does not accommodate a host numbered {num}");
    if num_u64 > max_host {
        return Err(too_big());
    }
    let bitlength = if to4(&base.ip).is_some() { 32 } else { 128 };
    insert_num_into_ip(&base.ip, &num, bitlength).ok_or_else(too_big)
}

fn subnet_big(base: &IpNet, new_bits: i64, num: &IBig) -> Result<IpNet, String> {
    let (parent_len, addr_len) = mask_size(&base.mask);
    let new_prefix_len = parent_len.saturating_add(new_bits);
    if new_prefix_len > addr_len {
        return Err(format!(
            "insufficient address space to extend prefix of {parent_len} by {new_bits}"
        ));
    }
    // uint64(1 << uint64(newBits)) - 1: shifts of 64 or more (and negative counts) give 0.
    let max_net = if (0..64).contains(&new_bits) {
        (1u64 << new_bits) - 1
    } else {
        u64::MAX
    };
    let too_big =
        || format!("prefix extension of {new_bits} does not accommodate a subnet numbered {num}");
    if big_low_u64(num) > max_net {
        return Err(too_big());
    }
    let ip = insert_num_into_ip(&base.ip, num, new_prefix_len).ok_or_else(too_big)?;
    Ok(IpNet {
        ip,
        mask: cidr_mask(new_prefix_len, addr_len).unwrap_or_default(),
    })
}

// ----- the functions -----

fn cidrhost(args: &[Value], _: &super::CallContext<'_>) -> Result<Value, FuncError> {
    let num = go_bigint(num_arg(&args[1])).map_err(FuncError::new)?;
    let net = parse_cidr(&str_arg(&args[0]))
        .map_err(|e| FuncError::new(format!("invalid CIDR expression: {e}")))?;
    let ip = host_big(&net, num).map_err(FuncError::new)?;
    Ok(Value::string(ip_string(&ip)))
}

fn cidrnetmask(args: &[Value], _: &super::CallContext<'_>) -> Result<Value, FuncError> {
    let net = parse_cidr(&str_arg(&args[0]))
        .map_err(|e| FuncError::new(format!("invalid CIDR expression: {e}")))?;
    Ok(Value::string(ip_string(&net.mask)))
}

fn cidrsubnet(args: &[Value], _: &super::CallContext<'_>) -> Result<Value, FuncError> {
    let new_bits = go_int(num_arg(&args[1])).map_err(FuncError::new)?;
    let num = go_bigint(num_arg(&args[2])).map_err(FuncError::new)?;
    let net = parse_cidr(&str_arg(&args[0]))
        .map_err(|e| FuncError::new(format!("invalid CIDR expression: {e}")))?;
    let sub = subnet_big(&net, new_bits, &num).map_err(FuncError::new)?;
    Ok(Value::string(ipnet_string(&sub)))
}

/// Big-endian bytes <-> u128 over an address of `len` bytes.
fn to_u128(ip: &[u8]) -> u128 {
    ip.iter().fold(0u128, |a, b| (a << 8) | u128::from(*b))
}

fn from_u128(v: u128, len: usize) -> Ip {
    let b = v.to_be_bytes();
    b[16 - len..].to_vec()
}

fn host_mask(prefix: i64, bits: i64) -> u128 {
    let host = (bits - prefix).clamp(0, 128) as u32;
    if host == 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    }
}

fn cidrsubnets(args: &[Value], _: &super::CallContext<'_>) -> Result<Value, FuncError> {
    let param_err = |i: usize, m: String| {
        let name = if i == 0 { "prefix" } else { "newbits" };
        FuncError::arg(i, format!("Invalid value for \"{name}\" parameter: {m}."))
    };
    let net = parse_cidr(&str_arg(&args[0]))
        .map_err(|e| param_err(0, format!("invalid CIDR expression: {e}")))?;
    let (start_prefix, _) = mask_size(&net.mask);
    let lengths = &args[1..];
    if lengths.is_empty() {
        return Ok(Value::empty_list(Type::String));
    }
    let first = go_int(num_arg(&lengths[0])).map_err(|e| param_err(1, e))?;
    let first_len = first.saturating_add(start_prefix);

    let len = net.ip.len();
    let bits = len as i64 * 8;
    let mask_of = |p: i64| !host_mask(p, bits) & host_mask(0, bits);
    let base = to_u128(&net.ip);
    let modulus_mask = host_mask(0, bits);
    // cidr.PreviousSubnet(network, firstLength): one below the start, masked.
    let mut cur_ip = base.wrapping_sub(1) & modulus_mask & mask_of(first_len);
    let mut cur_len = first_len;
    let mut out = Vec::with_capacity(lengths.len());
    for (i, arg) in lengths.iter().enumerate() {
        let length = go_int(num_arg(arg)).map_err(|e| param_err(i + 1, e))?;
        if length < 1 {
            return Err(param_err(
                i + 1,
                "must extend prefix by at least one bit".into(),
            ));
        }
        if length > 32 {
            return Err(param_err(
                i + 1,
                "may not extend prefix by more than 32 bits".into(),
            ));
        }
        let length = length + start_prefix;
        if length > bits {
            let protocol = match bits {
                32 => "IPv4",
                128 => "IPv6",
                _ => "IP",
            };
            return Err(param_err(
                i + 1,
                format!(
                    "would extend prefix to {length} bits, which is too long for an {protocol} address"
                ),
            ));
        }
        // An IPv4-mapped IPv6 prefix: go-cidr's PreviousSubnet works on the 4-byte form
        // with a mask longer than 32 bits, which Go makes nil; nothing fits after "<nil>".
        if len == 16 && to4(&net.ip).is_some() {
            return Err(param_err(
                i + 1,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {length} bits after <nil>"
                ),
            ));
        }
        // cidr.NextSubnet(current, length)
        let cur_last = cur_ip | host_mask(cur_len, bits);
        let sub_ip = cur_last & mask_of(length);
        let last = (sub_ip | host_mask(length, bits)).wrapping_add(1) & modulus_mask;
        let next_ip = last & mask_of(length);
        let rollover = last == 0;
        let next_bytes = from_u128(next_ip, len);
        let current = IpNet {
            ip: from_u128(cur_ip, len),
            mask: cidr_mask(cur_len, bits).unwrap_or_default(),
        };
        if rollover || !ipnet_contains(&net, &next_bytes) {
            return Err(param_err(
                i + 1,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {length} bits after {}",
                    ipnet_string(&current)
                ),
            ));
        }
        cur_ip = next_ip;
        cur_len = length;
        let next = IpNet {
            ip: next_bytes,
            mask: cidr_mask(length, bits).unwrap_or_default(),
        };
        out.push(Value::string(ipnet_string(&next)));
    }
    Ok(Value::list(Type::String, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_go() {
        let cases = [
            ("10.0.0.0/8", Some("10.0.0.0/8")),
            ("010.1.2.3/8", Some("10.0.0.0/8")),
            ("10.1.2.3/32", Some("10.1.2.3/32")),
            ("fd00::1/64", Some("fd00::/64")),
            ("::/0", Some("::/0")),
            ("::ffff:1.2.3.4/120", Some("1.2.3.0/24")),
            ("1:2:3:4:5:6:7:8/128", Some("1:2:3:4:5:6:7:8/128")),
            ("1::2:0:0:3/128", Some("1::2:0:0:3/128")),
            ("1:0:0:2::3/128", Some("1:0:0:2::3/128")),
            ("10.0.0.0/33", None),
            ("10.0.0/8", None),
            ("10.0.0.256/8", None),
            ("10.0.0.0", None),
            ("10.0.0.0/", None),
            ("10.0.0.0/+8", None),
            ("1::2::3/64", None),
            ("1:2:3:4:5:6:7:8::/64", None),
            ("fe80::1%eth0/64", None),
        ];
        for (input, want) in cases {
            let got = parse_cidr(input).ok().map(|n| ipnet_string(&n));
            assert_eq!(got.as_deref(), want, "{input}");
        }
    }

    #[test]
    fn ipv6_strings() {
        let ip = parse_ipv6(b"0:0:1:0:0:0:1:0").unwrap();
        assert_eq!(ip_string(&ip), "0:0:1::1:0");
        let ip = parse_ipv6(b"1:0:1:0:1:0:1:0").unwrap();
        assert_eq!(ip_string(&ip), "1:0:1:0:1:0:1:0");
        let ip = parse_ipv6(b"::1.2.3.4").unwrap();
        assert_eq!(ip_string(&ip), "::102:304");
    }

    #[test]
    fn big_insert_matches_go() {
        // 10.0.0.0 | (-2 << 20) in two's complement, magnitude bytes.
        let ip = insert_num_into_ip(&[10, 0, 0, 0], &IBig::from(-2), 12).unwrap();
        assert_eq!(ip, vec![0, 32, 0, 0]);
        assert!(insert_num_into_ip(&[10, 0, 0, 0], &IBig::from(1u64 << 40), 32).is_none());
    }
}
