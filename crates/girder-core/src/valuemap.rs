//! [`ValueMap`]: the entries of an object or map value.
//!
//! Sorted keys and their values, each behind an `Arc`. Three properties matter for big states:
//!
//! * **size**: an object takes what its attributes take (a `BTreeMap` allocates a node for 11
//!   entries even for two, about 1.3 KB per object);
//! * **sharing values**: cloning is a reference-count increment, so the copies the engine keeps
//!   of one object (prior state, refreshed object, plan `before`, values for references) share
//!   one allocation. Mutation copies on write;
//! * **sharing keys**: objects of one shape (every instance of a resource type) share one key
//!   list: key lists are interned per thread when a map is built, so an object's own memory is
//!   its values.
//!
//! The API is the part of `BTreeMap<String, Value>`'s that girder uses; iteration is in key
//! order (bytewise, as `String`'s `Ord`), like a `BTreeMap`.

use crate::value::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// Entries of an object or map value, sorted by key, keys unique. Cheap to clone.
#[derive(Clone)]
pub struct ValueMap {
    // (A thin pointer to the key list: with the values' fat one, a map is 24 bytes, which
    // keeps `Value` at 56.)
    keys: Arc<Vec<String>>,
    vals: Arc<[Value]>,
}

/// Key lists interned on this thread (bounded: cleared when it grows past this many).
const SHAPES_MAX: usize = 4096;
/// Longer key lists (maps built from data rather than objects of a schema) are not interned:
/// they rarely repeat, and the cache must stay small.
const SHAPE_KEYS_MAX: usize = 64;

thread_local! {
    static SHAPES: RefCell<HashSet<Arc<Vec<String>>>> = RefCell::new(HashSet::new());
}

/// The shared key list equal to `keys` (interned on this thread).
fn intern(keys: Vec<String>) -> Arc<Vec<String>> {
    if keys.is_empty() || keys.len() > SHAPE_KEYS_MAX {
        return Arc::new(keys);
    }
    SHAPES.with(|shapes| {
        let mut shapes = shapes.borrow_mut();
        if let Some(k) = shapes.get(&keys) {
            return k.clone();
        }
        if shapes.len() >= SHAPES_MAX {
            shapes.clear();
        }
        let k = Arc::new(keys);
        shapes.insert(k.clone());
        k
    })
}

impl Default for ValueMap {
    fn default() -> ValueMap {
        ValueMap {
            keys: Arc::new(Vec::new()),
            vals: Arc::from(Vec::new()),
        }
    }
}

impl ValueMap {
    /// An empty map.
    pub fn new() -> ValueMap {
        ValueMap::default()
    }
    /// From entries already sorted by key with unique keys (checked in debug builds).
    fn from_sorted(v: Vec<(String, Value)>) -> ValueMap {
        debug_assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        let (keys, vals): (Vec<String>, Vec<Value>) = v.into_iter().unzip();
        ValueMap {
            keys: intern(keys),
            vals: Arc::from(vals),
        }
    }
    fn find(&self, k: &str) -> Result<usize, usize> {
        self.keys.binary_search_by(|x| x.as_str().cmp(k))
    }
    /// Rebuilds with entries changed (insert / remove).
    fn rebuild(&mut self, f: impl FnOnce(&mut Vec<(String, Value)>)) {
        let mut v: Vec<(String, Value)> = self
            .keys
            .iter()
            .cloned()
            .zip(self.vals.iter().cloned())
            .collect();
        f(&mut v);
        *self = ValueMap::from_sorted(v);
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    /// The value under a key.
    pub fn get<Q: AsRef<str> + ?Sized>(&self, k: &Q) -> Option<&Value> {
        self.find(k.as_ref()).ok().map(|i| &self.vals[i])
    }
    /// Is the key present?
    pub fn contains_key<Q: AsRef<str> + ?Sized>(&self, k: &Q) -> bool {
        self.find(k.as_ref()).is_ok()
    }
    /// The value under a key, mutably (copies the values first if they are shared).
    pub fn get_mut<Q: AsRef<str> + ?Sized>(&mut self, k: &Q) -> Option<&mut Value> {
        let i = self.find(k.as_ref()).ok()?;
        Some(&mut Arc::make_mut(&mut self.vals)[i])
    }
    /// Inserts or replaces; returns the value that was there.
    pub fn insert(&mut self, k: String, v: Value) -> Option<Value> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut Arc::make_mut(&mut self.vals)[i], v)),
            Err(i) => {
                self.rebuild(|e| e.insert(i, (k, v)));
                None
            }
        }
    }
    /// Removes a key; returns its value.
    pub fn remove<Q: AsRef<str> + ?Sized>(&mut self, k: &Q) -> Option<Value> {
        let i = self.find(k.as_ref()).ok()?;
        let old = self.vals[i].clone();
        self.rebuild(|e| {
            e.remove(i);
        });
        Some(old)
    }
    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.keys.iter().zip(self.vals.iter()))
    }
    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.keys.iter()
    }
    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.vals.iter()
    }
    /// Values in key order, consuming the map.
    pub fn into_values(self) -> impl Iterator<Item = Value> {
        self.into_iter().map(|(_, v)| v)
    }
    /// Do both share their allocations (so they are certainly equal)?
    pub fn ptr_eq(&self, other: &ValueMap) -> bool {
        Arc::ptr_eq(&self.vals, &other.vals) && Arc::ptr_eq(&self.keys, &other.keys)
    }
    /// A `BTreeMap` copy.
    pub fn to_btree(&self) -> BTreeMap<String, Value> {
        self.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl PartialEq for ValueMap {
    fn eq(&self, other: &ValueMap) -> bool {
        self.ptr_eq(other)
            || ((Arc::ptr_eq(&self.keys, &other.keys) || self.keys == other.keys)
                && self.vals == other.vals)
    }
}

impl fmt::Debug for ValueMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for ValueMap {
    type Output = Value;
    fn index(&self, k: &str) -> &Value {
        self.get(k).expect("no entry for key in ValueMap")
    }
}

/// Borrowing iterator over a [`ValueMap`].
#[derive(Clone)]
pub struct Iter<'a>(std::iter::Zip<std::slice::Iter<'a, String>, std::slice::Iter<'a, Value>>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}
impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back()
    }
}
impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a ValueMap {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for ValueMap {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        let mut vals = self.vals;
        let vals: Vec<Value> = match Arc::get_mut(&mut vals) {
            // Unique: move the values out instead of cloning them.
            Some(v) => v
                .iter_mut()
                .map(|x| std::mem::replace(x, Value::null_dynamic()))
                .collect(),
            None => vals.to_vec(),
        };
        self.keys
            .iter()
            .cloned()
            .zip(vals)
            .collect::<Vec<_>>()
            .into_iter()
    }
}

impl FromIterator<(String, Value)> for ValueMap {
    /// Later entries replace earlier ones with the same key, as `BTreeMap::insert` does.
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> ValueMap {
        let mut v: Vec<(String, Value)> = iter.into_iter().collect();
        if !v.windows(2).all(|w| w[0].0 < w[1].0) {
            // Stable sort keeps equal keys in input order; keep the last of each run.
            v.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(String, Value)> = Vec::with_capacity(v.len());
            for e in v {
                match out.last_mut() {
                    Some(last) if last.0 == e.0 => *last = e,
                    _ => out.push(e),
                }
            }
            v = out;
        }
        ValueMap::from_sorted(v)
    }
}

impl<'a> FromIterator<(&'a str, Value)> for ValueMap {
    fn from_iter<I: IntoIterator<Item = (&'a str, Value)>>(iter: I) -> ValueMap {
        iter.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

impl From<BTreeMap<String, Value>> for ValueMap {
    fn from(m: BTreeMap<String, Value>) -> ValueMap {
        ValueMap::from_sorted(m.into_iter().collect())
    }
}

impl<const N: usize> From<[(String, Value); N]> for ValueMap {
    fn from(a: [(String, Value); N]) -> ValueMap {
        a.into_iter().collect()
    }
}

impl From<ValueMap> for BTreeMap<String, Value> {
    fn from(m: ValueMap) -> BTreeMap<String, Value> {
        m.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_last_wins() {
        let m: ValueMap = [
            ("b".to_string(), Value::int(1)),
            ("a".to_string(), Value::int(2)),
            ("b".to_string(), Value::int(3)),
        ]
        .into_iter()
        .collect();
        let keys: Vec<_> = m.keys().cloned().collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(m.get("b"), Some(&Value::int(3)));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn copy_on_write_leaves_clones_alone() {
        let mut a: ValueMap = [("x".to_string(), Value::int(1))].into();
        let b = a.clone();
        assert!(a.ptr_eq(&b));
        a.insert("y".into(), Value::int(2));
        *a.get_mut("x").unwrap() = Value::int(5);
        assert_eq!(b.len(), 1);
        assert_eq!(b.get("x"), Some(&Value::int(1)));
        assert_eq!(a.get("x"), Some(&Value::int(5)));
        assert_eq!(a.remove("y"), Some(Value::int(2)));
        assert_eq!(a.remove("y"), None);
        assert!(!a.contains_key("y"));
    }

    #[test]
    fn order_is_bytewise_like_btreemap() {
        let keys = ["b", "B", "a_b", "a", "ä", "a-b", "10", "9"];
        let m: ValueMap = keys
            .iter()
            .map(|k| (k.to_string(), Value::int(0)))
            .collect();
        let bt: BTreeMap<String, Value> = keys
            .iter()
            .map(|k| (k.to_string(), Value::int(0)))
            .collect();
        assert!(m.keys().eq(bt.keys()));
        assert_eq!(BTreeMap::from(m.clone()), bt);
        assert_eq!(ValueMap::from(bt), m);
    }

    #[test]
    fn objects_of_one_shape_share_their_keys() {
        let a: ValueMap = [
            ("x".to_string(), Value::int(1)),
            ("y".to_string(), Value::int(2)),
        ]
        .into();
        let b: ValueMap = [
            ("y".to_string(), Value::int(3)),
            ("x".to_string(), Value::int(4)),
        ]
        .into_iter()
        .collect();
        assert!(Arc::ptr_eq(&a.keys, &b.keys));
        assert_ne!(a, b);
        let mut c = b.clone();
        c.insert("x".into(), Value::int(1));
        c.insert("y".into(), Value::int(2));
        assert_eq!(a, c);
        c.insert("z".into(), Value::int(0));
        assert!(!Arc::ptr_eq(&a.keys, &c.keys));
        assert_eq!(b.get("x"), Some(&Value::int(4)));
    }

    #[test]
    fn long_key_lists_are_not_interned() {
        let build = || -> ValueMap { (0..100).map(|i| (format!("k{i}"), Value::int(i))).collect() };
        let (a, b) = (build(), build());
        assert_eq!(a, b);
        assert!(!Arc::ptr_eq(&a.keys, &b.keys));
    }
}
