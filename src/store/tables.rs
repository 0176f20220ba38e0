//! Every redb table of kiosque, in one place. Keys are written beside each table.
//! Values are CBOR (self-describing) so that a new optional field needs no migration.

use redb::TableDefinition;

/// `name` → raw bytes: `schema_version` (u64 BE), `epoch` (16 random bytes, set once
/// when the store is created; a restored hub gets a new one so edges resync).
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// item id (ULID as u128) → CBOR `Item`.
pub const ITEMS: TableDefinition<u128, &[u8]> = TableDefinition::new("items");

/// (space key, sort time in µs since the epoch, item id) → (). Sort time is the
/// event start for events, the publication time otherwise. Every status is indexed;
/// readers filter on visibility.
pub const ITEMS_BY_SPACE: TableDefinition<(&str, i64, u128), ()> =
    TableDefinition::new("items_by_space");

/// (author login, item id) → ().
pub const ITEMS_BY_AUTHOR: TableDefinition<(&str, u128), ()> =
    TableDefinition::new("items_by_author");

/// (status key, item id) → (). Serves the moderation queue (oldest first).
pub const ITEMS_BY_STATUS: TableDefinition<(&str, u128), ()> =
    TableDefinition::new("items_by_status");

/// (event start in µs, item id) → (). Serves the agenda by day and week.
pub const EVENTS_BY_START: TableDefinition<(i64, u128), ()> =
    TableDefinition::new("events_by_start");

/// page slug → item id. Slugs are unique among pages.
pub const PAGES_BY_SLUG: TableDefinition<&str, u128> = TableDefinition::new("pages_by_slug");

/// seq (monotonic, from 1) → CBOR `Change`. Appended in the same write
/// transaction as every change agents can see.
pub const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes");

/// BLAKE3 hash → blob bytes (photos, thumbnails, documents).
pub const BLOBS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("blobs");

/// BLAKE3 hash → media type (`image/jpeg`…).
pub const BLOB_TYPES: TableDefinition<[u8; 32], &str> = TableDefinition::new("blob_types");

/// login → CBOR `User` (the directory cache; local accounts in demo mode).
pub const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");

/// BLAKE3 hash of a session token → CBOR `Session`. The token itself is never stored.
pub const SESSIONS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("sessions");

/// (login, session token hash) → (). Finds every session of an agent.
pub const SESSIONS_BY_LOGIN: TableDefinition<(&str, [u8; 32]), ()> =
    TableDefinition::new("sessions_by_login");

/// login → argon2 PHC string, for accounts of the local directory backend.
pub const CREDENTIALS: TableDefinition<&str, &str> = TableDefinition::new("credentials");

/// charter version (from 1) → CBOR `Charter`.
pub const CHARTERS: TableDefinition<u32, &[u8]> = TableDefinition::new("charters");

/// login → CBOR `Acceptance` (the latest charter version the agent accepted, and when).
pub const CHARTER_ACCEPTANCES: TableDefinition<&str, &[u8]> =
    TableDefinition::new("charter_acceptances");

/// entry id (ULID as u128, time-ordered) → CBOR `AuditEntry`. Append-only.
pub const AUDIT: TableDefinition<u128, &[u8]> = TableDefinition::new("audit");

/// (login, notice id as ULID u128) → CBOR `Notice`: in-app messages to an agent.
pub const NOTICES: TableDefinition<(&str, u128), &[u8]> = TableDefinition::new("notices");

/// report id (ULID u128) → CBOR `Report`: reports and photo-removal requests.
pub const REPORTS: TableDefinition<u128, &[u8]> = TableDefinition::new("reports");

/// BLAKE3 hash → (): blobs no longer served (photos hidden or removed for image
/// rights), whoever still has their address.
pub const BLOCKED_BLOBS: TableDefinition<[u8; 32], ()> = TableDefinition::new("blocked_blobs");

/// BLAKE3 hash of a hand-off token → CBOR `Handoff`: QR links between a borne
/// and a phone, single use, two minutes.
pub const HANDOFFS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("handoffs");

// ---- Federation (DESIGN §6). Hub side.

/// edge id → CBOR `EdgeRecord`: enrolled edges, their certificate and last contact.
pub const EDGES: TableDefinition<&str, &[u8]> = TableDefinition::new("edges");

/// invite id (hex, derived from the one-time code) → CBOR `Invite`.
pub const EDGE_INVITES: TableDefinition<&str, &[u8]> = TableDefinition::new("edge_invites");

/// idempotency key (ULID as u128) → CBOR `Receipt`: submissions an edge
/// delivered, so that a replay is answered without being applied again.
pub const RECEIVED: TableDefinition<u128, &[u8]> = TableDefinition::new("received");

// ---- Federation. Edge side.

/// idempotency key (ULID as u128, time-ordered) → CBOR `OutboxEntry`: writes
/// made here and not yet confirmed by the hub. Removed only after confirmation.
pub const OUTBOX: TableDefinition<u128, &[u8]> = TableDefinition::new("outbox");

/// (login, idempotency key as u128) → (): the queued writes of each agent, so
/// that a page shows an agent's own without reading everyone's. Made anew from
/// `OUTBOX` at every open (a few entries; any release's writes are counted).
pub const OUTBOX_BY_LOGIN: TableDefinition<(&str, u128), ()> =
    TableDefinition::new("outbox_by_login");

/// (login, idempotency key as u128) → CBOR `Delivery`: what became of an
/// agent's writes once the hub answered (accepted or refused).
pub const DELIVERIES: TableDefinition<(&str, u128), &[u8]> = TableDefinition::new("deliveries");

/// login → CBOR grant (opaque here): the hub's signed proof that the agent
/// signed in on this edge, carried by every write sent on their behalf.
pub const GRANTS: TableDefinition<&str, &[u8]> = TableDefinition::new("grants");

/// item id (u128) → version: items the hub no longer lets agents read
/// (deleted, unpublished). An older copy never comes back over them.
pub const GONE: TableDefinition<u128, u64> = TableDefinition::new("gone");

// ---- Participation (issue 11).

/// item id (u128) → (): published or not, items that ask an audience to
/// confirm reading (`Item::acknowledgement` set). Kept by `put_one`/`unindex`.
pub const ITEMS_TO_ACKNOWLEDGE: TableDefinition<u128, ()> =
    TableDefinition::new("items_to_acknowledge");

/// (item id, login) → when the agent tapped "J'ai lu" (ms since the epoch).
pub const ACKNOWLEDGEMENTS: TableDefinition<(u128, &str), i64> =
    TableDefinition::new("acknowledgements");

/// survey id (ULID as u128) → CBOR `Survey`.
pub const SURVEYS: TableDefinition<u128, &[u8]> = TableDefinition::new("surveys");

/// (survey id, answer id) → CBOR `Answer`. The answer id is 128 random bits
/// (not time-ordered), and an anonymous survey's answer holds no login and
/// no time: nothing here leads back to an agent.
pub const SURVEY_ANSWERS: TableDefinition<(u128, u128), &[u8]> =
    TableDefinition::new("survey_answers");

/// (survey id, login) → (): "has answered", kept apart from the answers and
/// without a time, only to refuse a second answer.
pub const SURVEY_RESPONDENTS: TableDefinition<(u128, &str), ()> =
    TableDefinition::new("survey_respondents");

/// (login, item id) → (): the agent's favourites ("Mon espace"): items,
/// pages and links, starred with one tap.
pub const FAVOURITES: TableDefinition<(&str, u128), ()> = TableDefinition::new("favourites");

/// login → CBOR `JobProfile`: the job offers an agent wants first and to be
/// told about (category, filière, service).
pub const JOB_PROFILES: TableDefinition<&str, &[u8]> = TableDefinition::new("job_profiles");

/// item id → (): actus and events whose comments are open.
pub const COMMENTS_OPEN: TableDefinition<u128, ()> = TableDefinition::new("comments_open");

/// (item id, comment id as ULID u128) → CBOR `Comment`.
pub const COMMENTS: TableDefinition<(u128, u128), &[u8]> = TableDefinition::new("comments");

/// discussion id (ULID as u128) → CBOR `Discussion`: the "espaces d'échange".
pub const DISCUSSIONS: TableDefinition<u128, &[u8]> = TableDefinition::new("discussions");

/// (discussion id, message id as ULID u128) → CBOR `Comment` (its `item` is
/// the discussion id).
pub const DISCUSSION_POSTS: TableDefinition<(u128, u128), &[u8]> =
    TableDefinition::new("discussion_posts");

/// seq → CBOR `SharedKey`: the shared log, the change log of what agents
/// write together beside items (questionnaires, comments, espaces d'échange),
/// which edges copy like items. No login, no time.
pub const SHARED_LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("shared_log");

/// (login, discussion id) → (): the spaces an agent follows.
pub const DISCUSSION_FOLLOWERS: TableDefinition<(&str, u128), ()> =
    TableDefinition::new("discussion_followers");
// ---- Union mailing lists (DESIGN §1, §4). Hub only: never replicated, never
// counted but for that union's editors.

/// (union slug, login) → subscribed-at (µs since the epoch).
pub const UNION_SUBSCRIPTIONS: TableDefinition<(&str, &str), i64> =
    TableDefinition::new("union_subscriptions");

/// (union slug, message id as ULID u128) → CBOR `UnionMessage`.
pub const UNION_MESSAGES: TableDefinition<(&str, u128), &[u8]> =
    TableDefinition::new("union_messages");

/// (message id, login) → CBOR `PendingMail`: deliveries still to make. A row
/// leaves only in the transaction that records its outcome in `MAIL_DONE`.
pub const MAIL_PENDING: TableDefinition<(u128, &str), &[u8]> = TableDefinition::new("mail_pending");

/// (message id, login) → CBOR `DoneMail`: sent (accepted by the SMTP server)
/// or given up.
pub const MAIL_DONE: TableDefinition<(u128, &str), &[u8]> = TableDefinition::new("mail_done");
/// BLAKE3 hash of a calendar-feed token → CBOR `FeedToken`: the secret of an
/// agent's personal feed address (calendar apps cannot sign in). The token
/// itself is never stored; regenerating replaces it, revoking removes it.
pub const FEED_TOKENS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("feed_tokens");

/// login → hash of the agent's current feed token (at most one per agent).
pub const FEED_TOKEN_OF_LOGIN: TableDefinition<&str, [u8; 32]> =
    TableDefinition::new("feed_token_of_login");
