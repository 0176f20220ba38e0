//! The value encoding: CBOR through serde (self-describing, so new optional fields
//! decode from old values), and fixed-width integers for metadata.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Result, StoreError};

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    // Writing CBOR into a Vec cannot fail for our plain data types.
    ciborium::into_writer(value, &mut out).expect("CBOR encoding into memory");
    out
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    ciborium::from_reader(bytes).map_err(|e| StoreError::Decode(e.to_string()))
}

pub fn u64_from(bytes: &[u8]) -> Result<u64> {
    let raw: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Decode("expected 8 bytes".into()))?;
    Ok(u64::from_be_bytes(raw))
}
