//! Properties of `Number` (proptest) and checks of the conversions against values observed in
//! Terraform 1.0.3 (`parseint`, `format("%x")`, `jsonencode`).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use girder_core::number::NumberError;
use girder_core::Number;
use proptest::prelude::*;

fn hash_of(n: &Number) -> u64 {
    let mut h = DefaultHasher::new();
    n.hash(&mut h);
    h.finish()
}

/// Decimal literal texts as HCL and `tonumber` accept them.
fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        "-?[0-9]{1,60}",
        "-?[0-9]{1,20}\\.[0-9]{1,30}",
        "-?[1-9]\\.[0-9]{0,10}[eE][+-]?[0-9]{1,3}",
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn print_parse_round_trip(s in literal()) {
        let n = Number::parse(&s).unwrap();
        let printed = n.to_string();
        prop_assert!(!printed.contains('e') && !printed.contains('E'), "{}", printed);
        let back = Number::parse(&printed).unwrap();
        prop_assert_eq!(&back, &n, "{} printed as {}", s, printed);
        prop_assert_eq!(back.to_string(), printed);
    }

    #[test]
    fn add_then_sub_is_identity_for_integers(a in "-?[0-9]{1,40}", b in "-?[0-9]{1,40}") {
        let (a, b) = (Number::parse(&a).unwrap(), Number::parse(&b).unwrap());
        prop_assert_eq!(a.add(&b).sub(&b), a);
    }

    #[test]
    fn small_integers_match_i128(a in any::<i64>(), b in any::<i64>()) {
        let x = Number::from_i64(a);
        let (p, q) = (Number::parse(&a.to_string()).unwrap(), Number::parse(&b.to_string()).unwrap());
        prop_assert_eq!(p.add(&q).to_string(), (a as i128 + b as i128).to_string());
        prop_assert_eq!(p.sub(&q).to_string(), (a as i128 - b as i128).to_string());
        prop_assert_eq!(p.mul(&q).to_string(), (a as i128 * b as i128).to_string());
        if b != 0 {
            prop_assert_eq!(p.rem(&q).unwrap().to_string(), (a as i128 % b as i128).to_string());
        }
        prop_assert_eq!(x.to_i64(), Some(a));
        prop_assert_eq!(x.to_i64_saturating(), a);
        prop_assert!(x.is_integer());
    }

    #[test]
    fn commutativity(a in literal(), b in literal()) {
        let (a, b) = (Number::parse(&a).unwrap(), Number::parse(&b).unwrap());
        prop_assert_eq!(a.add(&b), b.add(&a));
        prop_assert_eq!(a.mul(&b), b.mul(&a));
    }

    #[test]
    fn ordering_matches_f64(x in -1.0e6f64..1.0e6, y in -1.0e6f64..1.0e6) {
        let (a, b) = (Number::from_f64(x).unwrap(), Number::from_f64(y).unwrap());
        prop_assert_eq!(Some(a.cmp(&b)), x.partial_cmp(&y));
        let (p, q) = (Number::parse(&x.to_string()).unwrap(), Number::parse(&y.to_string()).unwrap());
        prop_assert_eq!(Some(p.cmp(&q)), x.partial_cmp(&y));
        prop_assert_eq!(a.to_f64(), x);
        prop_assert_eq!(p.to_f64(), x);
        prop_assert_eq!(a.floor().to_f64(), x.floor());
        prop_assert_eq!(a.ceil().to_f64(), x.ceil());
    }

    #[test]
    fn f64_conversions_round_trip(x in any::<f64>().prop_filter("not NaN", |f| !f.is_nan())) {
        let n = Number::from_f64(x).unwrap();
        prop_assert_eq!(n.to_f64().to_bits(), x.to_bits());
        // A 53-bit value prints the shortest decimal that identifies the float, as Go does.
        // (Not at powers of two: Go's big.Float uses a symmetric rounding interval there, so
        // e.g. pow(2,-1019) prints a decimal that is nearer the float below; Terraform agrees.)
        if x.is_finite() && x != 0.0 && x.to_bits() & ((1u64 << 52) - 1) != 0 {
            let printed = n.to_string();
            prop_assert!(!printed.contains('e'));
            prop_assert_eq!(printed.parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn equal_values_hash_alike(i in any::<i32>()) {
        let a = Number::from_i64(i64::from(i));
        let b = Number::parse(&i.to_string()).unwrap();
        let c = Number::from_f64(f64::from(i)).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&a, &c);
        prop_assert_eq!(hash_of(&a), hash_of(&b));
        prop_assert_eq!(hash_of(&a), hash_of(&c));
        let half = Number::parse(&format!("{i}.5")).unwrap();
        let half_f = Number::from_f64(f64::from(i) + if i < 0 { -0.5 } else { 0.5 }).unwrap();
        prop_assert_eq!(&half, &half_f);
        prop_assert_eq!(hash_of(&half), hash_of(&half_f));
    }

    #[test]
    fn same_value_same_hash(s in literal(), t in literal()) {
        let (a, b) = (Number::parse(&s).unwrap(), Number::parse(&t).unwrap());
        let neg_text = match s.strip_prefix('-') {
            Some(rest) => rest.to_string(),
            None => format!("-{s}"),
        };
        let negated = Number::parse(&neg_text).unwrap();
        prop_assert_eq!(&negated, &a.neg());
        prop_assert_eq!(hash_of(&negated), hash_of(&a.neg()));
        let sum = a.add(&b);
        let reparsed = Number::parse(&sum.to_string()).unwrap();
        prop_assert_eq!(&reparsed, &sum);
        prop_assert_eq!(hash_of(&reparsed), hash_of(&sum));
        prop_assert_eq!(a.to_i64(), a.to_string().parse::<i64>().ok());
    }

    #[test]
    fn radix_round_trip(digits in "[0-9a-f]{1,60}", neg in any::<bool>()) {
        let s = format!("{}{}", if neg { "-" } else { "" }, digits);
        let n = Number::parse_radix(&s, 16).unwrap();
        let canon = n.to_string_radix(16).unwrap();
        prop_assert_eq!(Number::parse_radix(&canon, 16).unwrap(), n.clone());
        let dec = n.to_string_radix(10).unwrap();
        prop_assert_eq!(Number::parse(&dec).unwrap(), n);
    }

    #[test]
    fn base62_digits(digits in "[0-9a-zA-Z]{1,21}") {
        // parseint's alphabet above base 36: 0-9, then a-z (10..35), then A-Z (36..61).
        let expected = digits.bytes().fold(0i128, |acc, c| {
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'z' => c - b'a' + 10,
                _ => c - b'A' + 36,
            };
            acc * 62 + i128::from(v)
        });
        let n = Number::parse_radix(&digits, 62).unwrap();
        prop_assert_eq!(n.to_string(), expected.to_string());
    }

    #[test]
    fn parsing_never_panics(s in "\\PC{0,40}", base in 0u32..70) {
        let _ = Number::parse(&s);
        let _ = Number::parse_radix(&s, base);
    }

    #[test]
    fn json_is_the_decimal_text(s in literal()) {
        let n = Number::parse(&s).unwrap();
        prop_assert_eq!(n.to_json().to_string(), n.to_string());
    }
}

#[test]
fn parse_radix_like_parseint() {
    // Values from Terraform 1.0.3's parseint.
    let p = |s: &str, b| Number::parse_radix(s, b).map(|n| n.to_string());
    assert_eq!(p("zZ", 62).unwrap(), "2231");
    assert_eq!(p("-ff", 16).unwrap(), "-255");
    assert_eq!(p("FF", 16).unwrap(), "255");
    assert_eq!(p("Zz", 36).unwrap(), "1295");
    assert_eq!(p("+5", 10).unwrap(), "5");
    assert_eq!(p("-0", 10).unwrap(), "0");
    assert_eq!(
        p("99999999999999999999999999999", 10).unwrap(),
        "99999999999999999999999999999"
    );
    for (s, b) in [
        ("", 10),
        ("-", 10),
        ("12", 1),
        ("12", 63),
        ("1.5", 10),
        ("0x10", 16),
        ("1_0", 10),
        (" 1", 10),
        ("12", 2),
    ] {
        assert!(
            matches!(Number::parse_radix(s, b), Err(NumberError::Parse(_))),
            "{s:?} base {b}"
        );
    }
}

#[test]
fn to_string_radix_like_format() {
    // format("%x", 99999999999999999999999) in Terraform 1.0.3.
    let n = Number::parse("99999999999999999999999").unwrap();
    assert_eq!(n.to_string_radix(16).unwrap(), "152d02c7e14af67fffff");
    assert_eq!(Number::from_i64(-5).to_string_radix(2).unwrap(), "-101");
    assert_eq!(Number::from_i64(8).to_string_radix(8).unwrap(), "10");
    assert_eq!(
        Number::parse("1e30").unwrap().to_string_radix(10).unwrap(),
        "1000000000000000000000000000000"
    );
    assert_eq!(Number::parse("1.5").unwrap().to_string_radix(10), None);
    assert_eq!(Number::infinity().to_string_radix(10), None);
}

#[test]
fn json_and_special_values() {
    // jsonencode in Terraform 1.0.3: exact decimal text, "-0" for negative zero.
    let third = Number::parse("1")
        .unwrap()
        .div(&Number::parse("3").unwrap())
        .unwrap();
    assert_eq!(third.to_json().to_string(), third.to_string());
    assert_eq!(Number::parse("-0").unwrap().to_json().to_string(), "-0");
    assert_eq!(
        Number::parse("1e-7").unwrap().to_json().to_string(),
        "0.0000001"
    );
    assert!(Number::infinity().to_json().is_null());
    assert_eq!(Number::neg_infinity().to_string(), "-Inf");
    assert_eq!(Number::parse("inf").unwrap(), Number::infinity());
    assert_eq!(Number::parse("-0").unwrap(), Number::zero());
    assert_eq!(
        hash_of(&Number::parse("-0").unwrap()),
        hash_of(&Number::zero())
    );
    assert!(Number::neg_infinity() < Number::parse("-1e1000").unwrap());
    assert!(Number::infinity() > Number::parse("1e1000").unwrap());
}

#[test]
fn saturating_and_exact_integer_conversions() {
    let big = Number::parse("1e30").unwrap();
    assert_eq!(big.to_i64(), None);
    assert_eq!(big.to_i64_saturating(), i64::MAX);
    assert_eq!(big.neg().to_i64_saturating(), i64::MIN);
    assert_eq!(Number::parse("-12.9").unwrap().to_i64_saturating(), -12);
    assert_eq!(Number::parse("12.5").unwrap().to_i64(), None);
    assert_eq!(
        Number::parse("-9223372036854775808").unwrap().to_i64(),
        Some(i64::MIN)
    );
    assert_eq!(Number::parse("9223372036854775808").unwrap().to_i64(), None);
    assert_eq!(Number::neg_infinity().to_i64_saturating(), i64::MIN);
    assert_eq!(Number::from_u64(u64::MAX).to_string(), u64::MAX.to_string());
}

#[test]
fn many_small_operations_are_fast() {
    // The evaluator's common case: small integers and short decimals, printed.
    let start = std::time::Instant::now();
    let mut acc = Number::zero();
    let one_and_half = Number::parse("1.5").unwrap();
    for i in 0..20_000i64 {
        let x = Number::from_i64(i);
        acc = acc.add(&x.mul(&Number::from_i64(3))).sub(&x);
        let _ = x.add(&one_and_half).to_string();
        let _ = Number::parse("42").unwrap().to_string();
    }
    assert_eq!(
        acc.to_string(),
        (2 * (0..20_000i64).sum::<i64>()).to_string()
    );
    println!(
        "60,000 small operations and 40,000 prints took {:?}",
        start.elapsed()
    );
    // Generous bound (debug build, shared machine): catches accidental big-number slow paths.
    assert!(start.elapsed().as_secs_f64() < 5.0, "{:?}", start.elapsed());
}
