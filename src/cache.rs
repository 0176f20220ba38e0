//! A one-slot cache for something computed from the store that many requests
//! need alike (the home page's shared part, what the home page asks of agents):
//! valid while its key (change-log sequences, the minute for relative dates
//! and expiries) stays the same.

use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct OneSlot<K, T: ?Sized> {
    slot: Mutex<Option<(K, Arc<T>)>>,
}

impl<K, T: ?Sized> Default for OneSlot<K, T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(None),
        }
    }
}

impl<K: PartialEq, T: ?Sized> OneSlot<K, T> {
    pub fn get(&self, key: &K) -> Option<Arc<T>> {
        let slot = self.slot.lock().expect("cache lock");
        slot.as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, value: Arc<T>) {
        *self.slot.lock().expect("cache lock") = Some((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_or_a_new_minute_misses() {
        let cache = OneSlot::<(u64, i64), str>::default();
        assert!(cache.get(&(1, 10)).is_none());
        cache.put((1, 10), "<p>accueil</p>".into());
        assert_eq!(cache.get(&(1, 10)).as_deref(), Some("<p>accueil</p>"));
        assert!(cache.get(&(2, 10)).is_none(), "content changed");
        assert!(cache.get(&(1, 11)).is_none(), "a minute passed");
    }
}
