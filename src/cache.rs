//! A one-slot cache for something computed from the store that many requests
//! need alike (the home page's shared part, what the home page asks of agents):
//! valid while its key (change-log sequences, the minute for relative dates
//! and expiries) stays the same.

use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct OneSlot<K, T: ?Sized> {
    slot: Mutex<Option<(K, Arc<T>)>>,
    /// Held while a value is made: requests that miss together wait for the
    /// first one's value instead of each making their own (at every new
    /// minute, under load, hundreds would).
    loading: tokio::sync::Mutex<()>,
}

impl<K, T: ?Sized> Default for OneSlot<K, T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
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

    /// The value for `key`, made by `load` if the slot holds another key;
    /// one `load` at a time.
    pub async fn get_or_load<E>(
        &self,
        key: K,
        load: impl AsyncFnOnce() -> Result<Arc<T>, E>,
    ) -> Result<Arc<T>, E> {
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        let _loading = self.loading.lock().await;
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        let value = load().await?;
        self.put(key, value.clone());
        Ok(value)
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

    #[tokio::test]
    async fn requests_that_miss_together_make_one_value() {
        let cache = Arc::new(OneSlot::<u64, str>::default());
        let made = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, made) = (cache.clone(), made.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_load(1, async || {
                            made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::task::yield_now().await;
                            Ok::<_, ()>(Arc::from("<p>accueil</p>"))
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().as_deref(), Ok("<p>accueil</p>"));
        }
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
