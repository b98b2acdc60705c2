//! Terraform numbers.
//!
//! Terraform (cty) numbers are Go `big.Float`s: a binary mantissa of `prec` bits (512 for
//! literals and parsed strings), rounded to nearest even, printed as the shortest decimal that
//! identifies the value at that precision (`big.Float.Text('f', -1)`): `0.1 + 0.2` prints `0.3`,
//! `1/3` prints 155 digits, and integers past 2^53 stay exact.
//!
//! Like Go, every value carries its precision, and an operation rounds its result to the larger
//! precision of its operands. The precision is visible: a value computed in float64 (`pow`,
//! `log`, [`Number::from_f64`]) has 53 bits and prints short (`1.4142135623730951`), a value
//! from an integer ([`Number::from_i64`], `length`) has 64 bits, so `length(a) / length(b)`
//! prints 20 digits while `length(a) / 3` prints 155.
//!
//! Representation: integers that fit `i64` are stored inline (no allocation; this is the fast
//! path for counts and indexes); other finite values are an odd big mantissa times a power of
//! two behind an `Arc` (cheap to clone); `-0`, `+Inf` and `-Inf` exist as in cty.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use dashu_base::{BitTest, DivRem, PowerOfTwo};
use dashu_int::UBig;

/// Precision of numbers read from literals and strings.
const LITERAL_PREC: u32 = 512;
/// Precision of numbers made from Go integers (`big.Float.SetInt64`).
const INT_PREC: u32 = 64;
/// Precision of numbers made from float64 values.
const F64_PREC: u32 = 53;
/// Go's `big.MaxExp` / `big.MinExp`: the binary exponent range of a `big.Float`.
const MAX_EXP: i64 = i32::MAX as i64;
const MIN_EXP: i64 = i32::MIN as i64;

/// An arbitrary-precision number with Terraform's semantics.
#[derive(Clone, Debug)]
pub struct Number {
    /// Mantissa precision in bits (Go's `big.Float.Prec()`).
    prec: u32,
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// An integer that fits i64 (zero is `Int(0)`, which is +0).
    Int(i64),
    /// Negative zero.
    NegZero,
    /// Any other finite value; never an integer that fits i64.
    Big(Arc<Big>),
    /// Infinity; `true` for negative.
    Inf(bool),
}

/// `(-1)^neg * mant * 2^exp` with `mant` odd.
#[derive(Debug)]
struct Big {
    neg: bool,
    mant: UBig,
    exp: i64,
    /// The rendering (with the precision it was made for), computed on first use and shared by
    /// clones.
    text: OnceLock<(u32, Box<str>)>,
}

impl Big {
    fn new(neg: bool, mant: UBig, exp: i64) -> Big {
        Big {
            neg,
            mant,
            exp,
            text: OnceLock::new(),
        }
    }
}

/// An exact finite value used during computation; `mant` may be zero or even.
#[derive(Clone, Debug)]
struct Fin {
    neg: bool,
    mant: UBig,
    exp: i64,
}

impl Fin {
    fn is_zero(&self) -> bool {
        self.mant.is_zero()
    }
    /// The binary exponent `e` such that the value lies in `[2^(e-1), 2^e)`.
    fn top(&self) -> i64 {
        self.exp + self.mant.bit_len() as i64
    }
    fn negate(mut self) -> Fin {
        self.neg = !self.neg;
        self
    }
}

/// Errors of arithmetic.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// `x / 0` or `x % 0`. Terraform itself gives `±Inf` for `x / 0` (x non-zero) and `x` for
    /// `x % 0`, so [`Number::div`] and [`Number::rem`] no longer return this; kept for callers
    /// that want to reject a zero divisor themselves.
    #[error("can't divide by zero")]
    DivideByZero,
    /// Not a number literal.
    #[error("can't parse {0:?} as a number")]
    Parse(String),
    /// The result is not a number (`0/0`, `Inf - Inf`, `0 * Inf`, ...); the text is Terraform's
    /// message, e.g. "can't divide zero by zero or infinity by infinity".
    #[error("{0}")]
    NotANumber(&'static str),
}

/// Terraform's messages for operations without a numeric result.
const NAN_ADD: &str = "can't compute sum of opposing infinities";
const NAN_SUB: &str = "can't subtract infinity from itself";
const NAN_MUL: &str = "can't multiply zero by infinity";
const NAN_DIV: &str = "can't divide zero by zero or infinity by infinity";
const NAN_MOD: &str = "can't use modulo with zero and infinity";
const NAN_MOD_INF: &str = "can't use modulo with an infinite dividend";

/// Rounds `(-1)^neg * mant * 2^exp` (plus a sticky amount below the last bit when `sticky`) to
/// `prec` bits, nearest even. Returns the rounded mantissa and exponent, no range check.
fn round_raw(mut mant: UBig, mut exp: i64, sticky: bool, prec: u32) -> (UBig, i64) {
    let n = mant.bit_len();
    let p = prec.max(1) as usize;
    if n > p {
        let drop = n - p;
        let half = mant.bit(drop - 1);
        let rest = sticky || mant.trailing_zeros().is_some_and(|tz| tz < drop - 1);
        mant >>= drop;
        exp += drop as i64;
        if half && (rest || mant.bit(0)) {
            mant += UBig::ONE;
        }
    }
    (mant, exp)
}

impl Number {
    fn with(prec: u32, repr: Repr) -> Number {
        Number { prec, repr }
    }

    fn signed_zero(neg: bool, prec: u32) -> Number {
        Number::with(prec, if neg { Repr::NegZero } else { Repr::Int(0) })
    }

    /// Builds a number from an exact value that already fits `prec` bits (or rounds it).
    fn from_fin(f: Fin, sticky: bool, prec: u32) -> Number {
        if f.mant.is_zero() {
            return Number::signed_zero(f.neg, prec);
        }
        let (mut mant, mut exp) = round_raw(f.mant, f.exp, sticky, prec);
        if let Some(tz) = mant.trailing_zeros() {
            if tz > 0 {
                mant >>= tz;
                exp += tz as i64;
            }
        }
        let top = exp + mant.bit_len() as i64;
        if top > MAX_EXP {
            return Number::with(prec, Repr::Inf(f.neg));
        }
        if top < MIN_EXP {
            return Number::signed_zero(f.neg, prec);
        }
        if exp >= 0 && top <= 64 {
            if let Ok(m) = u64::try_from(&mant) {
                let v = (m as u128) << exp;
                let signed = if f.neg { -(v as i128) } else { v as i128 };
                if let Ok(i) = i64::try_from(signed) {
                    return Number::with(prec, Repr::Int(i));
                }
            }
        }
        Number::with(prec, Repr::Big(Arc::new(Big::new(f.neg, mant, exp))))
    }

    /// An i64 result of an exact operation, rounded to `prec` if it has more significant bits.
    fn from_int_prec(i: i64, prec: u32) -> Number {
        let u = i.unsigned_abs();
        let sig = if u == 0 {
            0
        } else {
            64 - u.leading_zeros() - u.trailing_zeros()
        };
        if sig <= prec {
            Number::with(prec, Repr::Int(i))
        } else {
            Number::from_fin(
                Fin {
                    neg: i < 0,
                    mant: UBig::from(u),
                    exp: 0,
                },
                false,
                prec,
            )
        }
    }

    /// The exact value if finite.
    fn fin(&self) -> Option<Fin> {
        match &self.repr {
            Repr::Int(i) => Some(Fin {
                neg: *i < 0,
                mant: UBig::from(i.unsigned_abs()),
                exp: 0,
            }),
            Repr::NegZero => Some(Fin {
                neg: true,
                mant: UBig::ZERO,
                exp: 0,
            }),
            Repr::Big(b) => Some(Fin {
                neg: b.neg,
                mant: b.mant.clone(),
                exp: b.exp,
            }),
            Repr::Inf(_) => None,
        }
    }

    /// Is the sign bit set (including `-0` and `-Inf`)?
    fn sign_bit(&self) -> bool {
        match &self.repr {
            Repr::Int(i) => *i < 0,
            Repr::NegZero => true,
            Repr::Big(b) => b.neg,
            Repr::Inf(n) => *n,
        }
    }

    /// Zero, like cty's `Zero` (an integer value with 64 bits of precision). A literal `0` in
    /// source is `Number::parse("0")` (512 bits); the two are equal and hash alike, and differ
    /// only in the precision they pass on to arithmetic.
    pub fn zero() -> Number {
        Number::with(INT_PREC, Repr::Int(0))
    }
    /// From an integer (exact). Like cty's `NumberIntVal`, the value has 64 bits of precision.
    pub fn from_i64(i: i64) -> Number {
        Number::with(INT_PREC, Repr::Int(i))
    }
    /// From an unsigned integer (exact), 64 bits of precision.
    pub fn from_u64(i: u64) -> Number {
        match i64::try_from(i) {
            Ok(v) => Number::with(INT_PREC, Repr::Int(v)),
            Err(_) => Number::from_fin(
                Fin {
                    neg: false,
                    mant: UBig::from(i),
                    exp: 0,
                },
                false,
                INT_PREC,
            ),
        }
    }
    /// From a float (exact conversion of the binary value); None for NaN. Like cty's
    /// `NumberFloatVal`, the value has 53 bits of precision, so it prints as the shortest
    /// decimal that identifies the float (`1.4142135623730951`). `-0.0` stays `-0`.
    pub fn from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(Number::with(F64_PREC, Repr::Inf(f < 0.0)));
        }
        if f == 0.0 {
            return Some(Number::signed_zero(f.is_sign_negative(), F64_PREC));
        }
        let bits = f.to_bits();
        let neg = bits >> 63 != 0;
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (mant, exp) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), biased - 1075)
        };
        Some(Number::from_fin(
            Fin {
                neg,
                mant: UBig::from(mant),
                exp,
            },
            false,
            F64_PREC,
        ))
    }

    /// Parses a decimal number as Terraform does for literals and `tonumber` (Go's
    /// `big.ParseFloat(s, 10, 512, ToNearestEven)`): `12`, `-1.5`, `1e3`, `0.1`, `.5`, `5.`, a
    /// leading `+`, a binary exponent `1p3` (= 8), and `Inf`/`inf` with an optional sign. No
    /// spaces, underscores or prefixes. Rounded to 512 bits.
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let err = || NumberError::Parse(s.to_string());
        let bytes = s.as_bytes();
        // Fast path: a short plain integer.
        if !bytes.is_empty() && bytes.len() <= 19 {
            let digits = match bytes[0] {
                b'+' | b'-' => &bytes[1..],
                _ => bytes,
            };
            if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
                let v: i64 = digits
                    .iter()
                    .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
                let neg = bytes[0] == b'-';
                if v == 0 {
                    return Ok(Number::signed_zero(neg, LITERAL_PREC));
                }
                return Ok(Number::with(
                    LITERAL_PREC,
                    Repr::Int(if neg { -v } else { v }),
                ));
            }
        }
        let (neg, rest) = match bytes.first() {
            Some(b'+') => (false, &bytes[1..]),
            Some(b'-') => (true, &bytes[1..]),
            _ => (false, bytes),
        };
        if rest == b"Inf" || rest == b"inf" {
            return Ok(Number::with(LITERAL_PREC, Repr::Inf(neg)));
        }
        // Mantissa: digits with at most one '.'.
        let mut i = 0;
        let mut digits: Vec<u8> = Vec::new();
        let mut frac_digits: i64 = 0;
        let mut seen_dot = false;
        while i < rest.len() {
            let c = rest[i];
            if c.is_ascii_digit() {
                digits.push(c);
                if seen_dot {
                    frac_digits += 1;
                }
            } else if c == b'.' && !seen_dot {
                seen_dot = true;
            } else {
                break;
            }
            i += 1;
        }
        if digits.is_empty() {
            return Err(err());
        }
        // Exponent: e/E (decimal) or p/P (binary), optional sign, at least one digit.
        let mut exp10: i64 = 0;
        let mut exp2: i64 = 0;
        if i < rest.len() {
            let binary = match rest[i] {
                b'e' | b'E' => false,
                b'p' | b'P' => true,
                _ => return Err(err()),
            };
            i += 1;
            let mut eneg = false;
            if i < rest.len() && (rest[i] == b'+' || rest[i] == b'-') {
                eneg = rest[i] == b'-';
                i += 1;
            }
            let edigits = &rest[i..];
            if edigits.is_empty() || !edigits.iter().all(u8::is_ascii_digit) {
                return Err(err());
            }
            let mut e: i64 = 0;
            for d in edigits {
                e = e
                    .checked_mul(10)
                    .and_then(|e| e.checked_add(i64::from(d - b'0')))
                    .ok_or_else(err)?;
            }
            if eneg {
                e = -e;
            }
            if binary {
                exp2 = e;
            } else {
                exp10 = e;
            }
        }
        let text = std::str::from_utf8(&digits).map_err(|_| err())?;
        let m = UBig::from_str_radix(text, 10).map_err(|_| err())?;
        if m.is_zero() {
            return Ok(Number::signed_zero(neg, LITERAL_PREC));
        }
        // value = m * 10^(exp10 - frac_digits) * 2^exp2
        let exp5 = exp10.saturating_sub(frac_digits);
        let go_exp = (m.bit_len() as i64)
            .saturating_add(exp5)
            .saturating_add(exp2);
        if !(MIN_EXP..=MAX_EXP).contains(&go_exp) {
            return Err(err());
        }
        let z = Fin {
            neg,
            mant: m,
            exp: exp5 + exp2,
        };
        if exp5 == 0 {
            return Ok(Number::from_fin(z, false, LITERAL_PREC));
        }
        // Go multiplies (or divides) by 5^|exp5| computed with 64 extra bits, rounding as it goes.
        let (p_mant, p_exp) = pow5(exp5.unsigned_abs(), LITERAL_PREC + 64);
        let p = Fin {
            neg: false,
            mant: p_mant,
            exp: p_exp,
        };
        Ok(if exp5 > 0 {
            mul_fin(&z, &p, LITERAL_PREC)
        } else {
            div_fin(&z, &p, LITERAL_PREC)
        })
    }

    /// Parses an integer in base 2..=62 as `parseint` does (Go's `big.Int.SetString`: digits 0-9,
    /// then letters; for bases up to 36 letters are case-insensitive, above 36 `a-z` are 10..35
    /// and `A-Z` are 36..61; an optional leading `+` or `-`). Exact for any size; the precision
    /// is `max(64, bits)` as with `big.Float.SetInt`.
    pub fn parse_radix(s: &str, base: u32) -> Result<Number, NumberError> {
        let err = || NumberError::Parse(s.to_string());
        if !(2..=62).contains(&base) {
            return Err(err());
        }
        let bytes = s.as_bytes();
        let (neg, digits) = match bytes.first() {
            Some(b'+') => (false, &bytes[1..]),
            Some(b'-') => (true, &bytes[1..]),
            _ => (false, bytes),
        };
        if digits.is_empty() {
            return Err(err());
        }
        let mut values: Vec<u8> = Vec::with_capacity(digits.len());
        for &c in digits {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'z' => c - b'a' + 10,
                b'A'..=b'Z' if base <= 36 => c - b'A' + 10,
                b'A'..=b'Z' => c - b'A' + 36,
                _ => return Err(err()),
            };
            if u32::from(d) >= base {
                return Err(err());
            }
            values.push(d);
        }
        // Accumulate digits a machine word at a time (`acc = acc * base^k + chunk`).
        let mut acc = UBig::ZERO;
        let mut chunk: u64 = 0;
        let mut scale: u64 = 1;
        for &d in &values {
            if scale > u64::MAX / 62 {
                acc = acc * UBig::from(scale) + UBig::from(chunk);
                chunk = 0;
                scale = 1;
            }
            chunk = chunk * u64::from(base) + u64::from(d);
            scale *= u64::from(base);
        }
        let mant = acc * UBig::from(scale) + UBig::from(chunk);
        let prec = (mant.bit_len() as u32).max(INT_PREC);
        // big.Int has no negative zero.
        let neg = neg && !mant.is_zero();
        Ok(Number::from_fin(Fin { neg, mant, exp: 0 }, false, prec))
    }

    /// The integer in base 2..=36 (lower-case digits, leading `-`), as `format("%x")` needs;
    /// None if not an integer (or the base is out of range). Exact for any size.
    pub fn to_string_radix(&self, base: u32) -> Option<String> {
        if !(2..=36).contains(&base) || !self.is_integer() {
            return None;
        }
        let f = self.fin()?;
        let mag = if f.exp >= 0 {
            f.mant << (f.exp as usize)
        } else {
            return None;
        };
        let mut s = String::new();
        if f.neg && !mag.is_zero() {
            s.push('-');
        }
        s.push_str(&mag.in_radix(base).to_string().to_ascii_lowercase());
        Some(s)
    }

    /// Nearest f64 (for functions that Terraform computes in float64: pow, log, ...). Values
    /// beyond the f64 range give infinities.
    pub fn to_f64(&self) -> f64 {
        match &self.repr {
            Repr::Int(i) => *i as f64,
            Repr::NegZero => -0.0,
            Repr::Inf(n) => {
                if *n {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            Repr::Big(b) => big_to_f64(b),
        }
    }
    /// The value as i64 if it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        match &self.repr {
            Repr::Int(i) => Some(*i),
            Repr::NegZero => Some(0),
            // By construction a Big is never an integer in i64 range.
            Repr::Big(_) | Repr::Inf(_) => None,
        }
    }
    /// The value truncated toward zero as i64, saturating (Terraform's `index`, `count`, ... use
    /// this after checking `is_integer`).
    pub fn to_i64_saturating(&self) -> i64 {
        match &self.repr {
            Repr::Int(i) => *i,
            Repr::NegZero => 0,
            Repr::Inf(n) => {
                if *n {
                    i64::MIN
                } else {
                    i64::MAX
                }
            }
            Repr::Big(b) => {
                let top = b.exp + b.mant.bit_len() as i64;
                if top > 63 {
                    return if b.neg { i64::MIN } else { i64::MAX };
                }
                if top <= 0 {
                    return 0;
                }
                // top in 1..=63 and exp < 0 (else it would be an Int).
                let t = if b.exp < 0 {
                    &b.mant >> (b.exp.unsigned_abs() as usize)
                } else {
                    &b.mant << (b.exp as usize)
                };
                let v = u64::try_from(&t).unwrap_or(u64::MAX) as i64;
                if b.neg {
                    -v
                } else {
                    v
                }
            }
        }
    }
    /// Is it a whole number?
    pub fn is_integer(&self) -> bool {
        match &self.repr {
            Repr::Int(_) | Repr::NegZero => true,
            Repr::Big(b) => b.exp >= 0,
            Repr::Inf(_) => false,
        }
    }
    /// Is it +/- infinity?
    pub fn is_infinite(&self) -> bool {
        matches!(self.repr, Repr::Inf(_))
    }
    /// Is it zero (either sign)?
    pub fn is_zero(&self) -> bool {
        matches!(self.repr, Repr::Int(0) | Repr::NegZero)
    }
    /// Is it below zero? (`-0` is not.)
    pub fn is_negative(&self) -> bool {
        self.signum() < 0
    }
    /// Positive infinity.
    pub fn infinity() -> Number {
        Number::with(F64_PREC, Repr::Inf(false))
    }
    /// Negative infinity.
    pub fn neg_infinity() -> Number {
        Number::with(F64_PREC, Repr::Inf(true))
    }
    /// The precision in bits (Go's `big.Float.Prec()`): 512 for literals, 64 for integers from
    /// Go ints, 53 for float64 results.
    pub fn precision(&self) -> u32 {
        self.prec
    }

    /// `a + b`, or Terraform's error for `+Inf + -Inf`.
    pub fn checked_add(&self, o: &Number) -> Result<Number, NumberError> {
        let prec = self.prec.max(o.prec);
        if let (Repr::Int(a), Repr::Int(b)) = (&self.repr, &o.repr) {
            if let Some(s) = a.checked_add(*b) {
                return Ok(Number::from_int_prec(s, prec));
            }
        }
        match (&self.repr, &o.repr) {
            (Repr::Inf(a), Repr::Inf(b)) if a != b => Err(NumberError::NotANumber(NAN_ADD)),
            (Repr::Inf(a), _) | (_, Repr::Inf(a)) => Ok(Number::with(prec, Repr::Inf(*a))),
            _ => {
                let (a, b) = (self.fin(), o.fin());
                match (a, b) {
                    (Some(a), Some(b)) => Ok(add_fin(a, b, prec)),
                    _ => Err(NumberError::NotANumber(NAN_ADD)),
                }
            }
        }
    }
    /// `a - b`, or Terraform's error for `Inf - Inf`.
    pub fn checked_sub(&self, o: &Number) -> Result<Number, NumberError> {
        let prec = self.prec.max(o.prec);
        if let (Repr::Int(a), Repr::Int(b)) = (&self.repr, &o.repr) {
            if let Some(s) = a.checked_sub(*b) {
                return Ok(Number::from_int_prec(s, prec));
            }
        }
        match (&self.repr, &o.repr) {
            (Repr::Inf(a), Repr::Inf(b)) if a == b => Err(NumberError::NotANumber(NAN_SUB)),
            (Repr::Inf(a), _) => Ok(Number::with(prec, Repr::Inf(*a))),
            (_, Repr::Inf(b)) => Ok(Number::with(prec, Repr::Inf(!*b))),
            _ => match (self.fin(), o.fin()) {
                (Some(a), Some(b)) => Ok(add_fin(a, b.negate(), prec)),
                _ => Err(NumberError::NotANumber(NAN_SUB)),
            },
        }
    }
    /// `a * b`, or Terraform's error for `0 * Inf`.
    pub fn checked_mul(&self, o: &Number) -> Result<Number, NumberError> {
        let prec = self.prec.max(o.prec);
        if let (Repr::Int(a), Repr::Int(b)) = (&self.repr, &o.repr) {
            if let Some(p) = a.checked_mul(*b) {
                if p != 0 {
                    return Ok(Number::from_int_prec(p, prec));
                }
            }
        }
        let neg = self.sign_bit() != o.sign_bit();
        if self.is_infinite() || o.is_infinite() {
            if self.is_zero() || o.is_zero() {
                return Err(NumberError::NotANumber(NAN_MUL));
            }
            return Ok(Number::with(prec, Repr::Inf(neg)));
        }
        match (self.fin(), o.fin()) {
            (Some(a), Some(b)) => Ok(mul_fin(&a, &b, prec)),
            _ => Err(NumberError::NotANumber(NAN_MUL)),
        }
    }

    /// `a + b`. `+Inf + -Inf` has no value (use [`Number::checked_add`] to get Terraform's
    /// error); it gives zero here.
    #[allow(clippy::should_implement_trait)]
    pub fn add(&self, o: &Number) -> Number {
        self.checked_add(o).unwrap_or_else(|_| Number::zero())
    }
    /// `a - b`. `Inf - Inf` gives zero (use [`Number::checked_sub`] for Terraform's error).
    #[allow(clippy::should_implement_trait)]
    pub fn sub(&self, o: &Number) -> Number {
        self.checked_sub(o).unwrap_or_else(|_| Number::zero())
    }
    /// `a * b`. `0 * Inf` gives zero (use [`Number::checked_mul`] for Terraform's error).
    #[allow(clippy::should_implement_trait)]
    pub fn mul(&self, o: &Number) -> Number {
        self.checked_mul(o).unwrap_or_else(|_| Number::zero())
    }
    /// `a / b` as Terraform computes it: `x / 0` is `±Inf` for non-zero `x` (sign of `x` times
    /// sign of the zero), `x / ±Inf` is `±0`; `0 / 0` and `Inf / Inf` are
    /// [`NumberError::NotANumber`] ("can't divide zero by zero or infinity by infinity").
    #[allow(clippy::should_implement_trait)]
    pub fn div(&self, o: &Number) -> Result<Number, NumberError> {
        let prec = self.prec.max(o.prec);
        if let (Repr::Int(a), Repr::Int(b)) = (&self.repr, &o.repr) {
            if *b != 0 && *a != 0 && a.checked_rem(*b) == Some(0) {
                if let Some(q) = a.checked_div(*b) {
                    return Ok(Number::from_int_prec(q, prec));
                }
            }
        }
        let neg = self.sign_bit() != o.sign_bit();
        match (&self.repr, &o.repr) {
            (Repr::Inf(_), Repr::Inf(_)) => return Err(NumberError::NotANumber(NAN_DIV)),
            (Repr::Inf(_), _) => return Ok(Number::with(prec, Repr::Inf(neg))),
            (_, Repr::Inf(_)) => return Ok(Number::signed_zero(neg, prec)),
            _ => {}
        }
        if o.is_zero() {
            if self.is_zero() {
                return Err(NumberError::NotANumber(NAN_DIV));
            }
            return Ok(Number::with(prec, Repr::Inf(neg)));
        }
        if self.is_zero() {
            return Ok(Number::signed_zero(neg, prec));
        }
        match (self.fin(), o.fin()) {
            (Some(a), Some(b)) => Ok(div_fin(&a, &b, prec)),
            _ => Err(NumberError::NotANumber(NAN_DIV)),
        }
    }
    /// `a % b` with Terraform's (cty's `Modulo`) semantics: `a - b * trunc(a / b)` rounded to the
    /// precision of `a`, so the sign is the dividend's and fractions work (`5.5 % 2` is `1.5`,
    /// `-5 % 3` is `-2`). `x % 0` is `x`. With an infinite operand (other than `Inf % 0`) it is
    /// [`NumberError::NotANumber`].
    #[allow(clippy::should_implement_trait)]
    pub fn rem(&self, o: &Number) -> Result<Number, NumberError> {
        if o.is_zero() {
            return Ok(self.clone());
        }
        let prec = self.prec;
        if let (Repr::Int(a), Repr::Int(b), true) =
            (&self.repr, &o.repr, self.prec.min(o.prec) >= INT_PREC)
        {
            if let Some(r) = a.checked_rem(*b) {
                // With both operands at 64+ bits, Go's steps are exact here (the quotient
                // cannot round across an integer), and a zero result is +0 (`x - x`, or
                // `+0 - (b * +0)`), which is what `Int(0)` is.
                return Ok(Number::from_int_prec(r, prec));
            }
        }
        let rat = match self.div(o) {
            Ok(r) => r,
            Err(_) => return Err(NumberError::NotANumber(NAN_MOD)),
        };
        if rat.is_infinite() {
            return Err(NumberError::NotANumber(NAN_MOD_INF));
        }
        let a = self.fin().ok_or(NumberError::NotANumber(NAN_MOD_INF))?;
        // t = trunc(rat), set into a float of the dividend's precision.
        let t = rat.trunc_fin();
        let work = Number::from_fin(t, false, prec);
        let work = if o.is_infinite() {
            // b is infinite, so the quotient was zero: 0 * Inf.
            return Err(NumberError::NotANumber(NAN_MOD));
        } else {
            let b = o.fin().ok_or(NumberError::NotANumber(NAN_MOD))?;
            let w = work.fin().ok_or(NumberError::NotANumber(NAN_MOD))?;
            if w.is_zero() {
                // big.Float.Mul of b and +0 is a zero with b's sign.
                Fin {
                    neg: b.neg,
                    mant: UBig::ZERO,
                    exp: 0,
                }
            } else {
                mul_fin(&b, &w, prec)
                    .fin()
                    .ok_or(NumberError::NotANumber(NAN_MOD))?
            }
        };
        Ok(add_fin(a, work.negate(), prec))
    }

    /// The integer part (toward zero) as an exact value; zero is +0. Finite values only.
    fn trunc_fin(&self) -> Fin {
        match self.fin() {
            Some(f) if f.exp < 0 => {
                let mant = f.mant >> (f.exp.unsigned_abs() as usize).min(usize::MAX >> 1);
                Fin {
                    neg: f.neg && !mant.is_zero(),
                    mant,
                    exp: 0,
                }
            }
            Some(f) => Fin {
                neg: f.neg && !f.mant.is_zero(),
                ..f
            },
            None => Fin {
                neg: false,
                mant: UBig::ZERO,
                exp: 0,
            },
        }
    }

    /// `-a` (`-0` is a distinct value that prints as `-0`, as in Terraform).
    #[allow(clippy::should_implement_trait)]
    pub fn neg(&self) -> Number {
        let repr = match &self.repr {
            Repr::Int(0) => Repr::NegZero,
            Repr::NegZero => Repr::Int(0),
            Repr::Int(i) => match i.checked_neg() {
                Some(n) => Repr::Int(n),
                None => {
                    return Number::from_fin(
                        Fin {
                            neg: false,
                            mant: UBig::from(i.unsigned_abs()),
                            exp: 0,
                        },
                        false,
                        self.prec,
                    )
                }
            },
            // +2^63 negated is i64::MIN, which must become an Int (canonical form).
            Repr::Big(b) if b.exp >= 0 => {
                return Number::from_fin(
                    Fin {
                        neg: !b.neg,
                        mant: b.mant.clone(),
                        exp: b.exp,
                    },
                    false,
                    self.prec,
                )
            }
            Repr::Big(b) => Repr::Big(Arc::new(Big::new(!b.neg, b.mant.clone(), b.exp))),
            Repr::Inf(n) => Repr::Inf(!n),
        };
        Number::with(self.prec, repr)
    }
    /// `|a|`
    pub fn abs(&self) -> Number {
        if self.sign_bit() {
            self.neg()
        } else {
            self.clone()
        }
    }
    /// Largest integer not above (infinities unchanged; `floor(-0)` is `0`).
    pub fn floor(&self) -> Number {
        self.round_integer(false)
    }
    /// Smallest integer not below (infinities unchanged; `ceil(-0.5)` is `0`).
    pub fn ceil(&self) -> Number {
        self.round_integer(true)
    }
    fn round_integer(&self, up: bool) -> Number {
        match &self.repr {
            Repr::Int(_) => self.clone(),
            Repr::NegZero => Number::signed_zero(false, self.prec),
            Repr::Inf(_) => self.clone(),
            Repr::Big(b) => {
                if b.exp >= 0 {
                    return self.clone();
                }
                let t = self.trunc_fin();
                // A non-integer: step away from zero when rounding in the sign's direction.
                let step = if up { !b.neg } else { b.neg };
                let mant = if step { t.mant + UBig::ONE } else { t.mant };
                let neg = b.neg && !mant.is_zero();
                Number::from_fin(Fin { neg, mant, exp: 0 }, false, self.prec)
            }
        }
    }
    /// Signum: -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match &self.repr {
            Repr::Int(i) => i.signum() as i32,
            Repr::NegZero => 0,
            Repr::Big(b) => {
                if b.neg {
                    -1
                } else {
                    1
                }
            }
            Repr::Inf(n) => {
                if *n {
                    -1
                } else {
                    1
                }
            }
        }
    }
    /// As a JSON number (exact decimal text, as Terraform's `jsonencode`). Infinities have no
    /// JSON form (Terraform fails with "cannot serialize infinity as JSON"); they give `Null`.
    pub fn to_json(&self) -> serde_json::Value {
        if self.is_infinite() {
            return serde_json::Value::Null;
        }
        let text = self.to_string();
        text.parse::<serde_json::Number>()
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Exact `a + b`, rounded to `prec`, with Go's signed-zero rules.
fn add_fin(a: Fin, b: Fin, prec: u32) -> Number {
    match (a.is_zero(), b.is_zero()) {
        (true, true) => return Number::signed_zero(a.neg && b.neg, prec),
        (true, false) => return Number::from_fin(b, false, prec),
        (false, true) => return Number::from_fin(a, false, prec),
        _ => {}
    }
    // When one operand is far below the other's last bit at `prec`, it cannot change the
    // rounded result (the larger operand is representable at `prec`).
    let (ta, tb) = (a.top(), b.top());
    let margin = i64::from(prec) + 4;
    if tb < ta - margin && a.mant.bit_len() <= prec as usize {
        return Number::from_fin(a, false, prec);
    }
    if ta < tb - margin && b.mant.bit_len() <= prec as usize {
        return Number::from_fin(b, false, prec);
    }
    let e = a.exp.min(b.exp);
    let ma = a.mant << ((a.exp - e) as usize);
    let mb = b.mant << ((b.exp - e) as usize);
    let (neg, mant) = if a.neg == b.neg {
        (a.neg, ma + mb)
    } else {
        match ma.cmp(&mb) {
            Ordering::Greater => (a.neg, ma - mb),
            Ordering::Less => (b.neg, mb - ma),
            Ordering::Equal => (false, UBig::ZERO),
        }
    };
    Number::from_fin(Fin { neg, mant, exp: e }, false, prec)
}

/// Exact `a * b` rounded to `prec`.
fn mul_fin(a: &Fin, b: &Fin, prec: u32) -> Number {
    Number::from_fin(
        Fin {
            neg: a.neg != b.neg,
            mant: &a.mant * &b.mant,
            exp: a.exp + b.exp,
        },
        false,
        prec,
    )
}

/// Correctly rounded `a / b` (both non-zero).
fn div_fin(a: &Fin, b: &Fin, prec: u32) -> Number {
    let (q, r, exp) = div_raw(&a.mant, a.exp, &b.mant, b.exp, prec);
    Number::from_fin(
        Fin {
            neg: a.neg != b.neg,
            mant: q,
            exp,
        },
        !r,
        prec,
    )
}

/// Quotient of magnitudes with at least `prec + 2` bits; returns (q, exact?, exp).
fn div_raw(ma: &UBig, ea: i64, mb: &UBig, eb: i64, prec: u32) -> (UBig, bool, i64) {
    let want = prec as i64 + 2 + mb.bit_len() as i64 - ma.bit_len() as i64 + 1;
    let s = want.max(0) as usize;
    let num = ma << s;
    let (q, r) = (&num).div_rem(mb);
    (q, r.is_zero(), ea - s as i64 - eb)
}

/// Go's `big.Float.pow5`: 5^n at precision `prec`, squaring at `prec + 64` bits.
fn pow5(n: u64, prec: u32) -> (UBig, i64) {
    const M: u64 = 27;
    if n <= M {
        return (UBig::from(5u64.pow(n as u32)), 0);
    }
    let mut z = (UBig::from(5u64.pow(M as u32)), 0i64);
    let mut n = n - M;
    let mut f = (UBig::from(5u8), 0i64);
    let fprec = prec + 64;
    while n > 0 {
        if n & 1 != 0 {
            z = round_raw(&z.0 * &f.0, z.1 + f.1, false, prec);
        }
        f = round_raw(&f.0 * &f.0, f.1 * 2, false, fprec);
        n >>= 1;
    }
    z
}

fn big_to_f64(b: &Big) -> f64 {
    let sign = if b.neg { -1.0 } else { 1.0 };
    let top = b.exp + b.mant.bit_len() as i64;
    if top > 1025 {
        return sign * f64::INFINITY;
    }
    if top < -1080 {
        return sign * 0.0;
    }
    let (mant, exp) = if top >= -1021 {
        round_raw(b.mant.clone(), b.exp, false, 53)
    } else {
        // Subnormal: round to a multiple of 2^-1074.
        let shift = -1074 - b.exp; // > 0 since mant has bits below 2^-1074 or not
        if shift <= 0 {
            (b.mant.clone(), b.exp)
        } else {
            let bits = b.mant.bit_len() as i64 - shift;
            let prec = bits.max(0) as u32;
            if prec == 0 {
                // Below half of the smallest subnormal, or between half and one.
                let half = b.mant.bit_len() as i64 + b.exp == -1074;
                let more = !b.mant.is_power_of_two();
                return if half && more {
                    sign * f64::from_bits(1)
                } else {
                    sign * 0.0
                };
            }
            round_raw(b.mant.clone(), b.exp, false, prec)
        }
    };
    let m = u64::try_from(&mant).unwrap_or(u64::MAX) as f64;
    sign * ldexp(m, exp)
}

fn ldexp(mut f: f64, mut e: i64) -> f64 {
    while e > 1000 {
        f *= 2f64.powi(1000);
        e -= 1000;
        if f.is_infinite() {
            return f;
        }
    }
    while e < -1000 {
        f *= 2f64.powi(-1000);
        e += 1000;
    }
    f * 2f64.powi(e as i32)
}

/// Exact decimal digits of `mant * 2^exp` (`mant` non-zero): `(digits, dexp)` with value
/// `0.digits * 10^dexp`, trailing zeros trimmed.
fn exact_decimal(mant: &UBig, exp: i64) -> (Vec<u8>, i64) {
    let (s, point) = if exp >= 0 {
        let s = (mant << (exp as usize)).to_string();
        let l = s.len() as i64;
        (s, l)
    } else {
        let k = exp.unsigned_abs() as usize;
        let s = (mant * UBig::from(5u8).pow(k)).to_string();
        let l = s.len() as i64 - k as i64;
        (s, l)
    };
    let mut d = s.into_bytes();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    (d, point)
}

/// The leading decimal digits of a positive value `mant * 2^exp`: about `want` digits (no
/// trailing zeros trimmed unless `exact`), the decimal exponent (`0.digits * 10^dexp`), and
/// whether they are the whole expansion.
struct Digits {
    d: Vec<u8>,
    dexp: i64,
    exact: bool,
}

impl Digits {
    /// Digit `i`, or None when it lies beyond the digits computed.
    fn at(&self, i: usize) -> Option<u8> {
        match self.d.get(i) {
            Some(c) => Some(*c),
            None if self.exact => Some(b'0'),
            None => None,
        }
    }
    /// Is `i` equal to the (exact) number of digits? False when the expansion goes on.
    fn len_is(&self, i: usize) -> bool {
        self.exact && self.d.len() == i
    }
    /// Is `i` below the number of digits?
    fn len_above(&self, i: usize) -> bool {
        !self.exact || i < self.d.len()
    }
}

fn leading_digits(mant: &UBig, exp: i64, want: i64) -> Digits {
    let top = exp + mant.bit_len() as i64;
    // x >= 2^(top-1), so log10(x) >= (top-1)*log10(2).
    let dexp_est = (((top - 1) as f64) * std::f64::consts::LOG10_2).floor() as i64 + 1;
    let s = want - dexp_est;
    let ten = UBig::from(10u8);
    let mut num = mant.clone();
    let mut den = UBig::ONE;
    if s > 0 {
        num *= ten.pow(s as usize);
    } else if s < 0 {
        den = ten.pow(s.unsigned_abs() as usize);
    }
    if exp >= 0 {
        num <<= exp as usize;
    } else {
        den <<= exp.unsigned_abs() as usize;
    }
    let (q, r) = (&num).div_rem(&den);
    let mut d = q.to_string().into_bytes();
    let dexp = d.len() as i64 - s;
    let exact = r.is_zero();
    if exact {
        while d.last() == Some(&b'0') {
            d.pop();
        }
    }
    Digits { d, dexp, exact }
}

/// Go's shortest decimal for `mant * 2^exp` at `prec` bits (`mant` odd, non-zero, at most
/// `prec` bits): the digits of the shortest decimal in the rounding interval.
fn shortest_decimal(mant: &UBig, exp: i64, prec: u32) -> (Vec<u8>, i64) {
    let n = mant.bit_len() as i64;
    let p = i64::from(prec.max(1));
    // Enough digits to tell the value from its neighbours at this precision, with margin.
    let want = (p as f64 * std::f64::consts::LOG10_2) as i64 + 12;
    // A short exact expansion (few fractional digits) is cheaper to compute in full.
    let x = if exp >= 0 || (-exp <= want && n as f64 * std::f64::consts::LOG10_2 < want as f64) {
        let (d, dexp) = exact_decimal(mant, exp);
        Digits {
            d,
            dexp,
            exact: true,
        }
    } else if exp < 0 {
        // Computed with the bounds below.
        Digits {
            d: Vec::new(),
            dexp: 0,
            exact: false,
        }
    } else {
        leading_digits(mant, exp, want)
    };
    // Fast path: if the value's exact expansion is short and its last digit's weight exceeds
    // the half-ulp, no shorter decimal is in the interval and the exact digits are the answer.
    if x.exact {
        let last_digit_pos = x.dexp - x.d.len() as i64;
        let half_ulp_log2 = (exp + n - p - 1) as f64;
        if (last_digit_pos as f64) * std::f64::consts::LOG2_10 > half_ulp_log2 + 2.0 {
            return (x.d, x.dexp);
        }
    }
    // Go: mantissa with prec+1 bits, so that its last bit is half an ulp.
    let shift = (p + 1 - n).max(0) as usize;
    let m2 = mant << shift;
    let e2 = exp - shift as i64;
    let (x, lower, upper) = match scaled_bounds(&m2, e2, want, x) {
        Ok(t) => t,
        Err(x) => {
            let x = if x.d.is_empty() {
                leading_digits(mant, exp, want)
            } else {
                x
            };
            let lower = leading_digits(&(&m2 - UBig::ONE), e2, want);
            let upper = leading_digits(&(&m2 + UBig::ONE), e2, want);
            (x, lower, upper)
        }
    };
    match shortest_walk(x, &lower, &upper, n < p) {
        Some(r) => r,
        None => shortest_decimal_exact(mant, exp, prec),
    }
}

/// Leading digits of `m2 * 2^e2` and of its neighbours `(m2 ± 1) * 2^e2` from one product
/// (for `e2 < 0`): with `T = m2 * 10^s`, they are `T >> -e2` and `(T ± 10^s) >> -e2`. Gives `x`
/// back when not applicable.
fn scaled_bounds(
    m2: &UBig,
    e2: i64,
    want: i64,
    x: Digits,
) -> Result<(Digits, Digits, Digits), Digits> {
    if e2 >= 0 {
        return Err(x);
    }
    let top = e2 + m2.bit_len() as i64;
    let dexp_est = (((top - 1) as f64) * std::f64::consts::LOG10_2).floor() as i64 + 1;
    let s = want - dexp_est;
    if s < 0 {
        return Err(x);
    }
    let k = e2.unsigned_abs() as usize;
    let p10 = UBig::from(10u8).pow(s as usize);
    let t = m2 * &p10;
    let digits = |v: &UBig| -> Digits {
        let exact = v.trailing_zeros().is_none_or(|tz| tz >= k);
        let mut d = (v >> k).to_string().into_bytes();
        let dexp = d.len() as i64 - s;
        if exact {
            while d.last() == Some(&b'0') {
                d.pop();
            }
        }
        Digits { d, dexp, exact }
    };
    let lower = digits(&(&t - &p10));
    let upper = digits(&(&t + &p10));
    // The value's own digits: reuse an exact expansion if we have one.
    let x = if x.exact { x } else { digits(&t) };
    Ok((x, lower, upper))
}

/// Go's digit walk on leading digits; None if it needs digits beyond those computed.
fn shortest_walk(
    x: Digits,
    lower: &Digits,
    upper: &Digits,
    inclusive: bool,
) -> Option<(Vec<u8>, i64)> {
    let Digits {
        mut d,
        mut dexp,
        exact,
    } = x;
    for i in 0..d.len() {
        let m = d[i];
        let l = lower.at(i)?;
        let u = upper.at(i)?;
        let okdown = l != m || (inclusive && lower.len_is(i + 1));
        let okup = m != u && (inclusive || m + 1 < u || upper.len_above(i + 1));
        let cut = i + 1;
        if okdown || okup {
            // Rounding needs the digit after the cut and whether it is the last one.
            if cut >= d.len() {
                return if exact { Some((d, dexp)) } else { None };
            }
            let up = if okdown && okup {
                let last = exact && cut + 1 == d.len();
                if d[cut] == b'5' && last {
                    cut > 0 && (d[cut - 1] - b'0') & 1 != 0
                } else {
                    d[cut] >= b'5'
                }
            } else {
                okup
            };
            if up {
                round_up(&mut d, &mut dexp, cut);
            } else {
                round_down(&mut d, cut);
            }
            return Some((d, dexp));
        }
    }
    if exact {
        Some((d, dexp))
    } else {
        None
    }
}

/// [`shortest_decimal`] on the full exact expansions (the reference algorithm).
fn shortest_decimal_exact(mant: &UBig, exp: i64, prec: u32) -> (Vec<u8>, i64) {
    let (mut d, mut dexp) = exact_decimal(mant, exp);
    let n = mant.bit_len() as i64;
    let p = i64::from(prec.max(1));
    // Go: mantissa with prec+1 bits, so that its last bit is half an ulp.
    let shift = (p + 1 - n).max(0) as usize;
    let m2 = mant << shift;
    let e2 = exp - shift as i64;
    let (lower, _) = exact_decimal_or_zero(&(&m2 - UBig::ONE), e2);
    let (upper, _) = exact_decimal_or_zero(&(&m2 + UBig::ONE), e2);
    let inclusive = n < p;
    let at = |v: &Vec<u8>, i: usize| -> u8 { v.get(i).copied().unwrap_or(b'0') };
    for i in 0..d.len() {
        let m = d[i];
        let l = at(&lower, i);
        let u = at(&upper, i);
        let okdown = l != m || (inclusive && i + 1 == lower.len());
        let okup = m != u && (inclusive || m + 1 < u || i + 1 < upper.len());
        if okdown && okup {
            round_digits(&mut d, &mut dexp, i + 1);
            break;
        } else if okdown {
            round_down(&mut d, i + 1);
            break;
        } else if okup {
            round_up(&mut d, &mut dexp, i + 1);
            break;
        }
    }
    (d, dexp)
}

fn exact_decimal_or_zero(mant: &UBig, exp: i64) -> (Vec<u8>, i64) {
    if mant.is_zero() {
        (Vec::new(), 0)
    } else {
        exact_decimal(mant, exp)
    }
}

fn round_digits(d: &mut Vec<u8>, dexp: &mut i64, n: usize) {
    if n >= d.len() {
        return;
    }
    let up = if d[n] == b'5' && n + 1 == d.len() {
        n > 0 && (d[n - 1] - b'0') & 1 != 0
    } else {
        d[n] >= b'5'
    };
    if up {
        round_up(d, dexp, n);
    } else {
        round_down(d, n);
    }
}

fn round_up(d: &mut Vec<u8>, dexp: &mut i64, n: usize) {
    if n >= d.len() {
        return;
    }
    let mut n = n;
    while n > 0 && d[n - 1] >= b'9' {
        n -= 1;
    }
    if n == 0 {
        d.truncate(1);
        d[0] = b'1';
        *dexp += 1;
        return;
    }
    d[n - 1] += 1;
    d.truncate(n);
}

fn round_down(d: &mut Vec<u8>, n: usize) {
    if n >= d.len() {
        return;
    }
    d.truncate(n);
    while d.last() == Some(&b'0') {
        d.pop();
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
/// Numeric order (`-Inf` < finite < `+Inf`; `-0 == 0`); precision is ignored.
impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.repr, &other.repr) {
            (Repr::Int(a), Repr::Int(b)) => a.cmp(b),
            (Repr::NegZero, Repr::NegZero) => Ordering::Equal,
            (Repr::NegZero, Repr::Int(b)) => 0.cmp(b),
            (Repr::Int(a), Repr::NegZero) => a.cmp(&0),
            (Repr::Inf(a), Repr::Inf(b)) => b.cmp(a),
            (Repr::Inf(a), _) => {
                if *a {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, Repr::Inf(b)) => {
                if *b {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let (sa, sb) = (self.signum(), other.signum());
                if sa != sb {
                    return sa.cmp(&sb);
                }
                let (Some(a), Some(b)) = (self.fin(), other.fin()) else {
                    return Ordering::Equal;
                };
                let mag = cmp_mag(&a, &b);
                if sa < 0 {
                    mag.reverse()
                } else {
                    mag
                }
            }
        }
    }
}

/// Compares magnitudes of two non-zero exact values.
fn cmp_mag(a: &Fin, b: &Fin) -> Ordering {
    match a.top().cmp(&b.top()) {
        Ordering::Equal => {}
        o => return o,
    }
    let e = a.exp.min(b.exp);
    let ma = &a.mant << ((a.exp - e) as usize);
    let mb = &b.mant << ((b.exp - e) as usize);
    ma.cmp(&mb)
}

/// Consistent with `Eq`: equal values hash alike whatever their precision or zero sign.
impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.repr {
            Repr::Int(i) => {
                0u8.hash(state);
                i.hash(state);
            }
            Repr::NegZero => {
                0u8.hash(state);
                0i64.hash(state);
            }
            Repr::Big(b) => {
                1u8.hash(state);
                b.neg.hash(state);
                b.mant.hash(state);
                b.exp.hash(state);
            }
            Repr::Inf(n) => {
                2u8.hash(state);
                n.hash(state);
            }
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

/// Terraform's rendering (Go's `big.Float.Text('f', -1)`): the shortest decimal that rounds
/// back to the same value at the number's precision, never an exponent (`1e20` prints as
/// `100000000000000000000`); `-0` prints as `-0`, infinities as `+Inf` and `-Inf`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Inf(n) => f.write_str(if *n { "-Inf" } else { "+Inf" }),
            Repr::NegZero => f.write_str("-0"),
            Repr::Int(i) => {
                let u = i.unsigned_abs();
                if u == 0 || (64 - u.leading_zeros()) <= self.prec {
                    return write!(f, "{i}");
                }
                let tz = u.trailing_zeros();
                f.write_str(&render(
                    *i < 0,
                    &UBig::from(u >> tz),
                    i64::from(tz),
                    self.prec,
                ))
            }
            Repr::Big(b) => {
                let (prec, text) = b.text.get_or_init(|| {
                    (
                        self.prec,
                        render(b.neg, &b.mant, b.exp, self.prec).into_boxed_str(),
                    )
                });
                if *prec == self.prec {
                    f.write_str(text)
                } else {
                    f.write_str(&render(b.neg, &b.mant, b.exp, self.prec))
                }
            }
        }
    }
}

/// Go's `Text('f', -1)` of a non-zero finite value.
fn render(neg: bool, mant: &UBig, exp: i64, prec: u32) -> String {
    let (d, dexp) = shortest_decimal(mant, exp, prec);
    let mut out = String::with_capacity(d.len() + 4);
    if neg {
        out.push('-');
    }
    // Integer part.
    if dexp > 0 {
        let m = (dexp as usize).min(d.len());
        out.extend(d[..m].iter().map(|&c| c as char));
        for _ in m as i64..dexp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    // Fraction.
    let frac = (d.len() as i64 - dexp).max(0);
    if frac > 0 {
        out.push('.');
        for i in 0..frac {
            let idx = dexp + i;
            let c = if idx >= 0 {
                d.get(idx as usize).copied().unwrap_or(b'0')
            } else {
                b'0'
            };
            out.push(c as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn literals_print_like_terraform() {
        assert_eq!(n("3.0").to_string(), "3");
        assert_eq!(n("0.1").add(&n("0.2")).to_string(), "0.3");
        assert_eq!(n("10").div(&n("4")).unwrap().to_string(), "2.5");
        assert_eq!(n("1e-7").to_string(), "0.0000001");
        assert_eq!(n("-0").to_string(), "-0");
        assert_eq!(n("1p3").to_string(), "8");
        // The cached rendering is shared by clones and stays right after negation.
        let third = n("1").div(&n("3")).unwrap();
        let text = third.to_string();
        assert_eq!(text.len(), 157);
        assert_eq!(third.clone().to_string(), text);
        assert_eq!(third.neg().to_string(), format!("-{text}"));
    }

    #[test]
    fn precision_follows_go() {
        let three = Number::from_i64(3);
        assert_eq!(
            Number::from_i64(1).div(&three).unwrap().to_string(),
            "0.33333333333333333334"
        );
        let r = Number::from_f64(2f64.sqrt()).unwrap();
        assert_eq!(r.to_string(), "1.4142135623730951");
        assert_eq!(
            r.add(&n("0")).to_string(),
            "1.4142135623730951454746218587388284504413604736328125"
        );
        assert_eq!(
            Number::from_f64(2f64.powi(60)).unwrap().to_string(),
            "1152921504606847000"
        );
    }

    #[test]
    fn infinities_and_zero_division() {
        let inf = n("1").div(&n("0")).unwrap();
        assert_eq!(inf.to_string(), "+Inf");
        assert_eq!(n("1").div(&n("-0")).unwrap().to_string(), "-Inf");
        assert!(n("0").div(&n("0")).is_err());
        assert_eq!(n("5").rem(&n("0")).unwrap().to_string(), "5");
        assert!(inf.checked_sub(&inf).is_err());
        assert!(inf.checked_mul(&n("0")).is_err());
        assert_eq!(inf.to_f64(), f64::INFINITY);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn fast_shortest_matches_exact(
            words in proptest::collection::vec(proptest::prelude::any::<u64>(), 1..9),
            exp in -700i64..700,
            prec_pick in 0usize..5,
            custom in 1u32..600,
        ) {
            let prec = [53, 64, 512, 24, custom][prec_pick];
            let mut mant = UBig::ZERO;
            for w in words {
                mant = (mant << 64) + UBig::from(w);
            }
            proptest::prop_assume!(!mant.is_zero());
            let (mant, exp) = round_raw(mant, exp, false, prec);
            let tz = mant.trailing_zeros().unwrap_or(0);
            let (mant, exp) = (mant >> tz, exp + tz as i64);
            proptest::prop_assert_eq!(
                shortest_decimal(&mant, exp, prec),
                shortest_decimal_exact(&mant, exp, prec)
            );
        }
    }

    #[test]
    fn canonical_forms() {
        let min = n("9223372036854775808").neg();
        assert_eq!(min.to_i64(), Some(i64::MIN));
        assert!(matches!(min.repr, Repr::Int(i64::MIN)));
        let back = Number::from_i64(i64::MIN).neg();
        assert_eq!(back.to_string(), "9223372036854775808");
        assert_eq!(back.neg().to_i64(), Some(i64::MIN));
        assert_eq!(n("4.5").floor().to_i64(), Some(4));
        assert_eq!(n("-4.5").ceil().to_string(), "-4");
        assert_eq!(n("-0.5").ceil().to_string(), "0");
        assert_eq!(n("-0.5").floor().to_string(), "-1");
    }

    #[test]
    fn f64_round_trip() {
        for f in [0.1, 1e300, 5e-324, 2.2250738585072014e-308, -3.5, 1e-310] {
            assert_eq!(Number::from_f64(f).unwrap().to_f64(), f, "{f}");
        }
        assert_eq!(n("0.1").to_f64(), 0.1);
    }
}
