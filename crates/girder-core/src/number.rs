//! Terraform numbers.
//!
//! Terraform (cty) numbers are Go `big.Float`s with 512 bits of mantissa, rounded to nearest
//! even, printed as the shortest decimal that identifies the value at that precision
//! (`big.Float.Text('f', -1)`): `0.1 + 0.2` prints `0.3`, `1/3` prints 155 digits, and
//! integers past 2^53 stay exact.
//!
//! INTERIM: the representation below is an f64 placeholder so that other crates can build
//! against the API; it is being replaced by an exact 512-bit binary float. The public API is
//! the contract.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// An arbitrary-precision number with Terraform's semantics.
#[derive(Clone, Debug)]
pub struct Number(f64);

/// Errors of arithmetic.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// `x / 0` or `x % 0`.
    #[error("can't divide by zero")]
    DivideByZero,
    /// Not a number literal.
    #[error("can't parse {0:?} as a number")]
    Parse(String),
}

impl Number {
    /// Zero.
    pub fn zero() -> Number {
        Number(0.0)
    }
    /// From an integer (exact).
    pub fn from_i64(i: i64) -> Number {
        Number(i as f64)
    }
    /// From an unsigned integer (exact).
    pub fn from_u64(i: u64) -> Number {
        Number(i as f64)
    }
    /// From a float (exact conversion of the binary value); None for NaN.
    pub fn from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            None
        } else {
            Some(Number(f))
        }
    }
    /// Parses a decimal number as Terraform does for literals and `tonumber`
    /// (`12`, `-1.5`, `1e3`, `0.1`; also a leading `+`). Rounded to 512 bits.
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("nan") || t.contains("inf") {
            return Err(NumberError::Parse(s.into()));
        }
        t.parse::<f64>()
            .map(Number)
            .map_err(|_| NumberError::Parse(s.into()))
    }
    /// Parses an integer in base 2..=62 as `parseint` does (digits 0-9, then a-z, then A-Z for
    /// bases above 36; an optional leading `-`). Exact for any size.
    pub fn parse_radix(s: &str, base: u32) -> Result<Number, NumberError> {
        i64::from_str_radix(s, base)
            .map(Number::from_i64)
            .map_err(|_| NumberError::Parse(s.into()))
    }
    /// The integer in base 2..=36 (lower-case digits, leading `-`), as `format("%x")` needs;
    /// None if not an integer.
    pub fn to_string_radix(&self, base: u32) -> Option<String> {
        let i = self.to_i64()?;
        let mut n = i.unsigned_abs();
        let mut digits = Vec::new();
        loop {
            digits.push(std::char::from_digit((n % base as u64) as u32, base)?);
            n /= base as u64;
            if n == 0 {
                break;
            }
        }
        if i < 0 {
            digits.push('-');
        }
        Some(digits.into_iter().rev().collect())
    }
    /// Nearest f64 (for functions that Terraform computes in float64: pow, log, ...).
    pub fn to_f64(&self) -> f64 {
        self.0
    }
    /// The value as i64 if it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() && self.0 >= i64::MIN as f64 && self.0 <= i64::MAX as f64 {
            Some(self.0 as i64)
        } else {
            None
        }
    }
    /// The value truncated toward zero as i64, saturating (Terraform's `index`, `count`, ... use
    /// this after checking `is_integer`).
    pub fn to_i64_saturating(&self) -> i64 {
        self.0 as i64
    }
    /// Is it a whole number?
    pub fn is_integer(&self) -> bool {
        self.0.is_finite() && self.0.fract() == 0.0
    }
    /// Is it +/- infinity?
    pub fn is_infinite(&self) -> bool {
        self.0.is_infinite()
    }
    /// Is it zero?
    pub fn is_zero(&self) -> bool {
        self.0 == 0.0
    }
    /// Is it below zero?
    pub fn is_negative(&self) -> bool {
        self.0 < 0.0
    }
    /// Positive infinity.
    pub fn infinity() -> Number {
        Number(f64::INFINITY)
    }
    /// Negative infinity.
    pub fn neg_infinity() -> Number {
        Number(f64::NEG_INFINITY)
    }
    /// `a + b`
    pub fn add(&self, o: &Number) -> Number {
        Number(self.0 + o.0)
    }
    /// `a - b`
    pub fn sub(&self, o: &Number) -> Number {
        Number(self.0 - o.0)
    }
    /// `a * b`
    pub fn mul(&self, o: &Number) -> Number {
        Number(self.0 * o.0)
    }
    /// `a / b`
    pub fn div(&self, o: &Number) -> Result<Number, NumberError> {
        if o.is_zero() {
            return Err(NumberError::DivideByZero);
        }
        Ok(Number(self.0 / o.0))
    }
    /// `a % b` with Terraform's semantics (sign of the dividend, works on fractions: `5.5 % 2`
    /// is `1.5`, `-5 % 3` is `-2`).
    pub fn rem(&self, o: &Number) -> Result<Number, NumberError> {
        if o.is_zero() {
            return Err(NumberError::DivideByZero);
        }
        Ok(Number(self.0 % o.0))
    }
    /// `-a`
    pub fn neg(&self) -> Number {
        Number(-self.0)
    }
    /// `|a|`
    pub fn abs(&self) -> Number {
        Number(self.0.abs())
    }
    /// Largest integer not above.
    pub fn floor(&self) -> Number {
        Number(self.0.floor())
    }
    /// Smallest integer not below.
    pub fn ceil(&self) -> Number {
        Number(self.0.ceil())
    }
    /// Signum: -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        if self.0 > 0.0 {
            1
        } else if self.0 < 0.0 {
            -1
        } else {
            0
        }
    }
    /// As a JSON number (exact decimal text).
    pub fn to_json(&self) -> serde_json::Value {
        let text = self.to_string();
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Number {}
impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_string().hash(state)
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

/// Terraform's rendering: shortest decimal that round-trips, no exponent (`1e20` prints as
/// `100000000000000000000`), `-0` prints as `0`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_infinite() {
            return write!(f, "{}", if self.0 > 0.0 { "+Inf" } else { "-Inf" });
        }
        if self.0 == 0.0 {
            return write!(f, "0");
        }
        write!(f, "{}", self.0)
    }
}
