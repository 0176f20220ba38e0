//! Union mailing lists (DESIGN §1, §4): the messages a union writes to its
//! subscribers, the state of each delivery, the retry schedule and the signed
//! one-click unsubscribe token. Pure: keys and instants are parameters.
//!
//! Invariant: nothing here counts subscribers for anyone; a message's delivery
//! state is per recipient and only ever summarised for that union's editors.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::space::UnionSlug;
use super::user::Login;

/// A message a union editor wrote to the union's subscribers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnionMessage {
    /// Time-ordered id (ULID as u128).
    pub id: u128,
    pub union: UnionSlug,
    pub subject: String,
    pub body: String,
    pub author: Login,
    pub created: Timestamp,
}

/// One recipient's delivery of one message, while it is still to be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMail {
    pub union: UnionSlug,
    /// The address the message goes to (read from the directory when queued).
    pub address: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Not before this instant.
    pub next_at: Timestamp,
    /// The last failure, for the editors' page and the log.
    pub last_error: Option<String>,
}

/// What became of one recipient's delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneMail {
    pub at: Timestamp,
    /// None: the SMTP server accepted it (or it was cancelled). Some: given
    /// up, and why.
    pub failure: Option<String>,
    /// Not sent: the recipient left the list before it went.
    #[serde(default)]
    pub cancelled: bool,
}

/// A message's delivery state as its union's editors see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
    /// Recipients who left the list before their mail went.
    pub cancelled: usize,
}

/// How long a delivery is retried before it is given up.
pub const GIVE_UP_AFTER: SignedDuration = SignedDuration::from_hours(72);

/// The pause before attempt `attempts + 1`: 1 s, 2 s, 4 s… capped at `max`.
pub fn retry_delay(attempts: u32, max: SignedDuration) -> SignedDuration {
    let secs = 1i64.checked_shl(attempts.min(30)).unwrap_or(i64::MAX);
    SignedDuration::from_secs(secs).min(max)
}

/// The signed token of a one-click unsubscribe link: `<payload hex>-<mac hex>`,
/// where the payload is `slug \n login` and the MAC is keyed BLAKE3 with a
/// secret only the hub's store has. It names one agent and one union; it
/// does not expire (RFC 8058 links must keep working in old messages).
pub fn unsubscribe_token(key: &[u8; 32], union: &UnionSlug, login: &Login) -> String {
    let payload = format!("{union}\n{login}");
    let mac = blake3::keyed_hash(key, payload.as_bytes());
    format!("{}-{}", hex(payload.as_bytes()), hex(&mac.as_bytes()[..16]))
}

/// Checks a token made by [`unsubscribe_token`]; None if forged or malformed.
pub fn read_unsubscribe_token(key: &[u8; 32], token: &str) -> Option<(UnionSlug, Login)> {
    let (payload, mac) = token.split_once('-')?;
    let payload = unhex(payload)?;
    let mac = unhex(mac)?;
    let expected = blake3::keyed_hash(key, &payload);
    let same = mac.len() == 16
        && mac
            .iter()
            .zip(&expected.as_bytes()[..16])
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return None;
    }
    let text = String::from_utf8(payload).ok()?;
    let (slug, login) = text.split_once('\n')?;
    let login = Login::new(login);
    (!login.as_str().is_empty()).then_some(())?;
    Some((UnionSlug::parse(slug)?, login))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 512 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let key = [7u8; 32];
        let cgt = UnionSlug::parse("cgt").unwrap();
        let token = unsubscribe_token(&key, &cgt, &Login::new("agent"));
        assert_eq!(
            read_unsubscribe_token(&key, &token),
            Some((cgt.clone(), Login::new("agent")))
        );
        assert!(
            read_unsubscribe_token(&[8u8; 32], &token).is_none(),
            "other key"
        );
        // Another agent's payload with this MAC.
        let other = unsubscribe_token(&key, &cgt, &Login::new("rh"));
        let forged = format!(
            "{}-{}",
            other.split_once('-').unwrap().0,
            token.split_once('-').unwrap().1
        );
        assert!(read_unsubscribe_token(&key, &forged).is_none());
        for bad in ["", "-", "zz-zz", "abc", &token[1..]] {
            assert!(read_unsubscribe_token(&key, bad).is_none(), "{bad:?}");
        }
        assert!(
            token.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'),
            "URL-safe"
        );
    }

    #[test]
    fn retries_back_off_and_are_capped() {
        let max = SignedDuration::from_secs(600);
        assert_eq!(retry_delay(0, max), SignedDuration::from_secs(1));
        assert_eq!(retry_delay(3, max), SignedDuration::from_secs(8));
        assert_eq!(retry_delay(20, max), max);
        assert_eq!(retry_delay(u32::MAX, max), max);
    }
}
