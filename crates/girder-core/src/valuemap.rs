//! [`ValueMap`]: the entries of an object or map value.
//!
//! A sorted, shared vector of `(name, value)` pairs. Two properties matter for big states:
//!
//! * **size**: an object takes what its attributes take (a `BTreeMap` allocates a node for 11
//!   entries even for two, about 1.3 KB per object);
//! * **sharing**: cloning is a reference-count increment, so the copies the engine keeps of one
//!   object (prior state, refreshed object, plan `before`, values for references) share one
//!   allocation. Mutation copies on write.
//!
//! The API is the part of `BTreeMap<String, Value>`'s that girder uses; iteration is in key
//! order (bytewise, as `String`'s `Ord`), like a `BTreeMap`.

use crate::value::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Entries of an object or map value, sorted by key, keys unique. Cheap to clone.
#[derive(Clone, Default)]
pub struct ValueMap(Arc<Vec<(String, Value)>>);

impl ValueMap {
    /// An empty map.
    pub fn new() -> ValueMap {
        ValueMap::default()
    }
    /// From entries already sorted by key with unique keys (checked in debug builds).
    fn from_sorted(v: Vec<(String, Value)>) -> ValueMap {
        debug_assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        ValueMap(Arc::new(v))
    }
    fn find(&self, k: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(x, _)| x.as_str().cmp(k))
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The value under a key.
    pub fn get<Q: AsRef<str> + ?Sized>(&self, k: &Q) -> Option<&Value> {
        self.find(k.as_ref()).ok().map(|i| &self.0[i].1)
    }
    /// The stored key and value under a key.
    pub fn get_key_value<Q: AsRef<str> + ?Sized>(&self, k: &Q) -> Option<(&String, &Value)> {
        self.find(k.as_ref()).ok().map(|i| {
            let (k, v) = &self.0[i];
            (k, v)
        })
    }
    /// Is the key present?
    pub fn contains_key<Q: AsRef<str> + ?Sized>(&self, k: &Q) -> bool {
        self.find(k.as_ref()).is_ok()
    }
    /// The value under a key, mutably (copies the entries first if they are shared).
    pub fn get_mut<Q: AsRef<str> + ?Sized>(&mut self, k: &Q) -> Option<&mut Value> {
        let i = self.find(k.as_ref()).ok()?;
        Some(&mut Arc::make_mut(&mut self.0)[i].1)
    }
    /// Inserts or replaces; returns the value that was there.
    pub fn insert(&mut self, k: String, v: Value) -> Option<Value> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut Arc::make_mut(&mut self.0)[i].1, v)),
            Err(i) => {
                Arc::make_mut(&mut self.0).insert(i, (k, v));
                None
            }
        }
    }
    /// Removes a key; returns its value.
    pub fn remove<Q: AsRef<str> + ?Sized>(&mut self, k: &Q) -> Option<Value> {
        let i = self.find(k.as_ref()).ok()?;
        Some(Arc::make_mut(&mut self.0).remove(i).1)
    }
    /// Keeps the entries for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&String, &mut Value) -> bool) {
        Arc::make_mut(&mut self.0).retain_mut(|(k, v)| f(k, v));
    }
    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.0.iter())
    }
    /// Entries in key order, values mutable (copies the entries first if they are shared).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        Arc::make_mut(&mut self.0).iter_mut().map(|(k, v)| (&*k, v))
    }
    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, _)| k)
    }
    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, v)| v)
    }
    /// Values in key order, mutable (copies the entries first if they are shared).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        Arc::make_mut(&mut self.0).iter_mut().map(|(_, v)| v)
    }
    /// Keys in order, consuming the map.
    pub fn into_keys(self) -> impl Iterator<Item = String> {
        self.into_iter().map(|(k, _)| k)
    }
    /// Values in key order, consuming the map.
    pub fn into_values(self) -> impl Iterator<Item = Value> {
        self.into_iter().map(|(_, v)| v)
    }
    /// The first entry.
    pub fn first_key_value(&self) -> Option<(&String, &Value)> {
        self.0.first().map(|(k, v)| (k, v))
    }
    /// The last entry.
    pub fn last_key_value(&self) -> Option<(&String, &Value)> {
        self.0.last().map(|(k, v)| (k, v))
    }
    /// Do both share one allocation (so they are certainly equal)?
    pub fn ptr_eq(&self, other: &ValueMap) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// A `BTreeMap` copy.
    pub fn to_btree(&self) -> BTreeMap<String, Value> {
        self.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl PartialEq for ValueMap {
    fn eq(&self, other: &ValueMap) -> bool {
        self.ptr_eq(other) || self.0 == other.0
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
pub struct Iter<'a>(std::slice::Iter<'a, (String, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}
impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
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
        Arc::try_unwrap(self.0)
            .unwrap_or_else(|shared| (*shared).clone())
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
        v.shrink_to_fit();
        ValueMap::from_sorted(v)
    }
}

impl<'a> FromIterator<(&'a str, Value)> for ValueMap {
    fn from_iter<I: IntoIterator<Item = (&'a str, Value)>>(iter: I) -> ValueMap {
        iter.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

impl Extend<(String, Value)> for ValueMap {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
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
}
