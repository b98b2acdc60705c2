//! Canonical JSON for typed values, as Terraform re-encodes output values (cty's JSON):
//! object and map keys sorted, set elements ordered, numbers in plain decimal form.

use girder_core::Type;
use serde_json::Value as J;

/// Maximum nesting handled (serde_json's parser already limits input to 128 levels).
const MAX_DEPTH: usize = 256;

/// Re-encodes `j` of type `ty` canonically, or `None` when it does not fit the type (or the
/// type involves `dynamic`, whose JSON form girder keeps as it is).
pub fn canonical(j: &J, ty: &Type) -> Option<J> {
    canon(j, ty, 0)
}

fn canon(j: &J, ty: &Type, depth: usize) -> Option<J> {
    if depth > MAX_DEPTH {
        return None;
    }
    if j.is_null() {
        return if matches!(ty, Type::Dynamic) {
            None
        } else {
            Some(J::Null)
        };
    }
    Some(match (ty, j) {
        (Type::Bool, J::Bool(_)) | (Type::String, J::String(_)) => j.clone(),
        (Type::Number, J::Number(n)) => canonical_number(&n.to_string())?,
        (Type::List(t), J::Array(a)) => J::Array(
            a.iter()
                .map(|x| canon(x, t, depth + 1))
                .collect::<Option<_>>()?,
        ),
        (Type::Set(t), J::Array(a)) => {
            let mut items: Vec<J> = a
                .iter()
                .map(|x| canon(x, t, depth + 1))
                .collect::<Option<_>>()?;
            match **t {
                Type::String => items.sort_by(|x, y| x.as_str().cmp(&y.as_str())),
                Type::Bool => items.sort_by_key(|x| x.as_bool()),
                Type::Number => items.sort_by(|x, y| {
                    let fx = x.as_f64().unwrap_or(f64::NAN);
                    let fy = y.as_f64().unwrap_or(f64::NAN);
                    fx.partial_cmp(&fy)
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then_with(|| x.to_string().cmp(&y.to_string()))
                }),
                // cty orders other sets by hash; keep the stored order.
                _ => {}
            }
            items.dedup();
            J::Array(items)
        }
        (Type::Tuple(ts), J::Array(a)) if ts.len() == a.len() => J::Array(
            a.iter()
                .zip(ts.iter())
                .map(|(x, t)| canon(x, t, depth + 1))
                .collect::<Option<_>>()?,
        ),
        (Type::Map(t), J::Object(o)) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), canon(&o[k.as_str()], t, depth + 1)?);
            }
            J::Object(out)
        }
        (Type::Object(ot), J::Object(o)) => {
            if o.keys().any(|k| !ot.attrs.contains_key(k)) {
                return None;
            }
            let mut out = serde_json::Map::new();
            for (k, t) in &ot.attrs {
                let v = match o.get(k) {
                    Some(x) => canon(x, t, depth + 1)?,
                    None => J::Null,
                };
                out.insert(k.clone(), v);
            }
            J::Object(out)
        }
        _ => return None,
    })
}

/// A JSON number in plain decimal form as cty writes it: no exponent, no trailing fraction
/// zeros, no leading zeros (`1e3` → `1000`, `1.50` → `1.5`, `-0.0` → `-0`). `None` for
/// exponents so large that the text would explode (kept as written).
pub fn canonical_number(text: &str) -> Option<J> {
    let (neg, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits: String = format!("{int_part}{frac_part}");
    // The decimal point sits after `point` digits of `digits`.
    let point = int_part.len() as i64 + exp;
    if !(-10_000..=10_000).contains(&point) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    let lead_zeros = (int_part.len() + frac_part.len() - digits.len()) as i64;
    let point = point - lead_zeros;
    let digits = digits.trim_end_matches('0');
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if digits.is_empty() {
        s.push('0');
    } else if point <= 0 {
        s.push_str("0.");
        for _ in 0..(-point) {
            s.push('0');
        }
        s.push_str(digits);
    } else if point as usize >= digits.len() {
        s.push_str(digits);
        for _ in 0..(point as usize - digits.len()) {
            s.push('0');
        }
    } else {
        let (a, b) = digits.split_at(point as usize);
        s.push_str(a);
        s.push('.');
        s.push_str(b);
    }
    serde_json::from_str(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let c = |s: &str| canonical_number(s).map(|j| j.to_string());
        assert_eq!(c("1e3").as_deref(), Some("1000"));
        assert_eq!(c("1.50").as_deref(), Some("1.5"));
        assert_eq!(c("-0.0").as_deref(), Some("-0"));
        assert_eq!(c("0").as_deref(), Some("0"));
        assert_eq!(c("0.000001").as_deref(), Some("0.000001"));
        assert_eq!(c("1.5e-3").as_deref(), Some("0.0015"));
        assert_eq!(c("00120.0100").as_deref(), Some("120.01"));
        assert_eq!(
            c("12345678901234567890123").as_deref(),
            Some("12345678901234567890123")
        );
        assert_eq!(c("1e999999"), None);
    }
}
