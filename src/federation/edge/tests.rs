//! Unit tests of the edge side.
use super::*;

#[test]
fn backoff_doubles_up_to_its_cap_and_resets() {
    let cap = Duration::from_secs(30);
    let mut b = Backoff::new(cap);
    assert_eq!(b.next(), Duration::from_millis(500));
    assert_eq!(b.next(), Duration::from_secs(1));
    for _ in 0..20 {
        b.next();
    }
    assert_eq!(b.next(), cap);
    b.reset();
    assert_eq!(b.next(), Duration::from_millis(500));
}
