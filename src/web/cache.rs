//! A one-slot cache for a rendered fragment that is the same for every agent:
//! valid while the content has not changed (change-log sequence) and within
//! the same minute (relative dates, expiries).

use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct FragmentCache {
    slot: Mutex<Option<(u64, i64, Arc<str>)>>,
}

impl FragmentCache {
    pub fn get(&self, seq: u64, minute: i64) -> Option<Arc<str>> {
        let slot = self.slot.lock().expect("cache lock");
        slot.as_ref()
            .filter(|(s, m, _)| *s == seq && *m == minute)
            .map(|(_, _, html)| html.clone())
    }

    pub fn put(&self, seq: u64, minute: i64, html: Arc<str>) {
        *self.slot.lock().expect("cache lock") = Some((seq, minute, html));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_or_a_new_minute_misses() {
        let cache = FragmentCache::default();
        assert!(cache.get(1, 10).is_none());
        cache.put(1, 10, "<p>accueil</p>".into());
        assert_eq!(cache.get(1, 10).as_deref(), Some("<p>accueil</p>"));
        assert!(cache.get(2, 10).is_none(), "content changed");
        assert!(cache.get(1, 11).is_none(), "a minute passed");
    }
}
