//! kiosque's integration tests: one test binary, servers started in-process on
//! port 0 with their own temporary data directory (no fixed ports, no sleeps).

mod backup;
mod community;
mod config_docs;
mod federation;
mod feeds;
mod foundation;
mod identity;
mod kiosk;
mod ldap;
mod ops;
mod participation;
mod process;
mod publishing;
mod rights;
mod router;
mod search;
mod slapd;
mod smtp;
mod store_fixture;
mod support;
mod unions;
mod units;
