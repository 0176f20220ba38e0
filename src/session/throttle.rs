//! Sign-in throttling per account and per address. Failures slow further
//! attempts down instead of locking the account: an attacker cannot keep a real
//! agent out for more than the longest delay, and an account can take at most
//! about 100 failures an hour (ASVS 2.2.1). Attempts refused while waiting are
//! not counted, so hammering does not extend the wait.

use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

const WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// Failures allowed before delays start, per account and per address.
const ACCOUNT_FREE: usize = 5;
const ADDRESS_FREE: usize = 20;
/// The longest delay: with the ramp before it, at most 100 failures an hour.
const ACCOUNT_MAX_DELAY: i64 = 40;
const ADDRESS_MAX_DELAY: i64 = 60;
/// Beyond this many tracked keys, old entries are pruned.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<Key, VecDeque<Timestamp>>>,
}

fn delay_after(count: usize, free: usize, max: i64) -> SignedDuration {
    if count < free {
        return SignedDuration::ZERO;
    }
    let exponent = u32::try_from(count - free).unwrap_or(u32::MAX).min(16);
    SignedDuration::from_secs((1i64 << exponent).min(max))
}

impl Throttle {
    pub fn new() -> Self {
        Self::default()
    }

    fn keys(login: &str, address: IpAddr) -> [(Key, usize, i64); 2] {
        [
            (
                Key::Account(login.trim().to_lowercase()),
                ACCOUNT_FREE,
                ACCOUNT_MAX_DELAY,
            ),
            (Key::Address(address), ADDRESS_FREE, ADDRESS_MAX_DELAY),
        ]
    }

    /// How long this attempt must wait; `None` when it may go ahead.
    pub fn wait(&self, login: &str, address: IpAddr, now: Timestamp) -> Option<SignedDuration> {
        let mut map = self.failures.lock().expect("throttle lock");
        let mut longest = SignedDuration::ZERO;
        for (key, free, max) in Self::keys(login, address) {
            let Some(times) = map.get_mut(&key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                times.pop_front();
            }
            let Some(last) = times.back() else { continue };
            let until = *last + delay_after(times.len(), free, max);
            if until > now {
                longest = longest.max(until.duration_since(now));
            }
        }
        (longest > SignedDuration::ZERO).then_some(longest)
    }

    pub fn failed(&self, login: &str, address: IpAddr, now: Timestamp) {
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() > MAX_KEYS {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        for (key, _, _) in Self::keys(login, address) {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// A success clears the account's failures (not the address's).
    pub fn succeeded(&self, login: &str) {
        let mut map = self.failures.lock().expect("throttle lock");
        map.remove(&Key::Account(login.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_an_account_down_without_locking_it() {
        let throttle = Throttle::new();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let mut now: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        for _ in 0..ACCOUNT_FREE - 1 {
            assert_eq!(throttle.wait("agent", ip, now), None);
            throttle.failed("agent", ip, now);
        }
        assert_eq!(
            throttle.wait("agent", ip, now),
            None,
            "four failures are free"
        );
        throttle.failed("agent", ip, now);
        assert_eq!(
            throttle.wait("AGENT", ip, now),
            Some(SignedDuration::from_secs(1))
        );
        // Keep failing as fast as allowed, from ever-new addresses: the delay
        // grows to 40 s and no further.
        for n in 0..40u8 {
            let ip = IpAddr::from([10, 1, n, 1]);
            if let Some(wait) = throttle.wait("agent", ip, now) {
                now += wait;
            }
            throttle.failed("agent", ip, now);
        }
        let wait = throttle
            .wait("agent", "10.9.9.9".parse().unwrap(), now)
            .unwrap();
        assert_eq!(wait, SignedDuration::from_secs(40));
        // Another account from another address is not affected.
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(throttle.wait("rh", other, now), None);
        throttle.succeeded("agent");
        assert_eq!(throttle.wait("agent", other, now), None);
    }

    #[test]
    fn at_most_about_a_hundred_failures_an_hour() {
        let throttle = Throttle::new();
        let start: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let mut now = start;
        let mut attempts = 0;
        let mut n = 0u8;
        while now.duration_since(start) < WINDOW {
            // A different address each time: only the account limit applies.
            let ip = IpAddr::from([10, 0, n, 1]);
            n = n.wrapping_add(1);
            match throttle.wait("agent", ip, now) {
                Some(wait) => now += wait,
                None => {
                    throttle.failed("agent", ip, now);
                    attempts += 1;
                }
            }
        }
        assert!(
            (90..=100).contains(&attempts),
            "{attempts} attempts in an hour"
        );
    }
}
