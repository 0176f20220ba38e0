//! Union messages by SMTP: the only module that names lettre. It composes one
//! mail per recipient (no recipient ever sees another) with the unions'
//! protocol's subject prefix, opt-out footer and RFC 8058 one-click
//! unsubscribe headers, and drains the durable queue of `store::unions` with
//! capped exponential backoff.
//!
//! Delivery guarantee: a delivery leaves the queue only in the transaction
//! that records the SMTP server's acceptance. If the process dies after the
//! server accepted a mail but before that transaction commits (a window of a
//! few milliseconds), the mail is sent again at the next start: at least once
//! in that window, exactly once otherwise. The mail keeps the same Message-ID
//! so that receiving systems can recognise the duplicate.

use jiff::{SignedDuration, Timestamp};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::{Config, SmtpConfig, SmtpSecurity};
use crate::domain::mailing::{GIVE_UP_AFTER, UnionMessage, retry_delay, unsubscribe_token};
use crate::domain::{Login, UnionSlug};
use crate::store::{DueMail, Store};

/// The store secret that signs unsubscribe links.
pub const UNSUBSCRIBE_SECRET: &str = "union-unsubscribe";

/// How many deliveries one pass of the sender takes.
const BATCH: usize = 20;

/// The longest the sender sleeps before looking at the queue again.
const IDLE_CHECK: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("SMTP configuration: {0}")]
    Config(String),
    #[error("message: {0}")]
    Compose(String),
}

/// What a mail says, besides its text: from the configuration.
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub from: Mailbox,
    /// The hub's public URL, without a trailing slash (links in mails).
    pub public_url: String,
    /// slug → the union's name.
    pub unions: HashMap<String, String>,
}

impl Letterhead {
    pub fn new(config: &Config) -> Result<Letterhead, MailError> {
        let from = config
            .smtp
            .as_ref()
            .map(|s| s.from.as_str())
            .unwrap_or("intranet@kiosque.invalid");
        Ok(Letterhead {
            from: from
                .parse()
                .map_err(|e| MailError::Config(format!("smtp.from: {e}")))?,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            unions: config
                .unions
                .iter()
                .map(|u| (u.slug.clone(), u.name.clone()))
                .collect(),
        })
    }

    fn host(&self) -> &str {
        self.public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, rest)| rest)
            .split(['/', ':'])
            .next()
            .filter(|h| !h.is_empty())
            .unwrap_or("kiosque.invalid")
    }
}

/// The one-click unsubscribe URL for `login` on `union`'s list.
pub fn unsubscribe_url(
    public_url: &str,
    key: &[u8; 32],
    union: &UnionSlug,
    login: &Login,
) -> String {
    format!(
        "{}/desabonnement/{}",
        public_url.trim_end_matches('/'),
        unsubscribe_token(key, union, login)
    )
}

/// The subject every union mail carries.
pub fn subject_line(union_name: &str, subject: &str) -> String {
    format!("[Syndical — {union_name}] {}", subject.trim())
}

/// The text of a mail: the union's message, then the reminder of the right to
/// refuse such messages with the one-click link.
pub fn mail_text(union_name: &str, body: &str, unsubscribe: &str, public_url: &str) -> String {
    format!(
        "{body}\n\n-- \n\
         Vous recevez ce message parce que vous vous êtes abonné(e) à la liste de diffusion \
         de {union_name} sur l'intranet. Vous pouvez refuser ces messages à tout moment : \
         pour vous désabonner en un clic, ouvrez ce lien :\n{unsubscribe}\n\
         Vous pouvez aussi vous désabonner depuis la page du syndicat sur l'intranet ({public_url}/syndicats).\n\
         Ni l'administration ni les autres organisations syndicales ne peuvent voir la liste des abonnés.\n",
        body = body.trim_end(),
    )
}

/// One mail for one recipient.
pub fn compose(
    letterhead: &Letterhead,
    key: &[u8; 32],
    message: &UnionMessage,
    login: &Login,
    address: &str,
) -> Result<Message, MailError> {
    let union_name = letterhead
        .unions
        .get(message.union.as_str())
        .cloned()
        .unwrap_or_else(|| message.union.to_string());
    let to: Mailbox = address
        .parse()
        .map_err(|e| MailError::Compose(format!("recipient address: {e}")))?;
    let unsubscribe = unsubscribe_url(&letterhead.public_url, key, &message.union, login);
    // The same id for every attempt of this delivery, so that a resent
    // duplicate is recognisable; the login is not readable from it.
    let who = blake3::keyed_hash(key, login.as_str().as_bytes()).to_hex();
    let message_id = format!(
        "<{:032x}.{}@{}>",
        message.id,
        &who.as_str()[..16],
        letterhead.host()
    );
    let header = |name: &'static str, value: String| {
        HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
    };
    Message::builder()
        .from(letterhead.from.clone())
        .to(to)
        .subject(subject_line(&union_name, &message.subject))
        .message_id(Some(message_id))
        .date(
            std::time::UNIX_EPOCH + Duration::from_secs(message.created.as_second().max(0) as u64),
        )
        .raw_header(header("List-Unsubscribe", format!("<{unsubscribe}>")))
        .raw_header(header(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".into(),
        ))
        .raw_header(header(
            "List-Id",
            format!(
                "{union_name} <{}.syndicats.{}>",
                message.union,
                letterhead.host()
            ),
        ))
        .raw_header(header("Auto-Submitted", "auto-generated".into()))
        .header(ContentType::TEXT_PLAIN)
        .body(mail_text(
            &union_name,
            &message.body,
            &unsubscribe,
            &letterhead.public_url,
        ))
        .map_err(|e| MailError::Compose(e.to_string()))
}

/// The SMTP client for the configured server.
pub fn transport(
    smtp: &SmtpConfig,
    hello: &str,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let config = |e: lettre::transport::smtp::Error| MailError::Config(e.to_string());
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.server.as_str())
        .port(smtp.port())
        .timeout(Some(Duration::from_secs(30)))
        .hello_name(ClientId::Domain(hello.to_owned()));
    if smtp.security != SmtpSecurity::None {
        let mut tls = TlsParameters::builder(smtp.server.clone());
        if let Some(path) = &smtp.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| MailError::Config(format!("smtp.ca_file {}: {e}", path.display())))?;
            tls = tls.add_root_certificate(Certificate::from_pem(&pem).map_err(config)?);
        }
        let tls = tls.build_rustls().map_err(config)?;
        builder = builder.tls(match smtp.security {
            SmtpSecurity::Tls => Tls::Wrapper(tls),
            _ => Tls::Required(tls),
        });
    }
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user.clone(),
            password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// The sender: drains the queue until stopped.
#[derive(Debug)]
pub struct Mailer {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub letterhead: Letterhead,
    pub transport: AsyncSmtpTransport<Tokio1Executor>,
    pub retry_max: SignedDuration,
    /// Notified when a message is queued (or a test moved the clock).
    pub wake: Arc<Notify>,
}

/// What one attempt came to.
enum Outcome {
    Sent,
    /// The recipient left the list after the message was queued: not sent.
    Cancelled,
    /// Try again later; `server_down` when the server could not be reached
    /// at all (the other deliveries would fail the same way).
    Retry {
        why: String,
        server_down: bool,
    },
    GiveUp(String),
}

/// An SMTP failure in words that never carry the server's reply text (which
/// may quote the recipient's address): safe for the log and the store.
fn describe(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) => format!("SMTP reply {code}"),
        None if e.is_timeout() => "timeout".into(),
        None if e.is_tls() => "TLS failure".into(),
        None => "connection failed".into(),
    }
}

/// Authentication refusals (530, 534, 535, 538) are the server's
/// configuration, not the recipient's: retried, never given up at once.
fn is_auth_refusal(e: &lettre::transport::smtp::Error) -> bool {
    e.status()
        .is_some_and(|c| matches!(c.to_string().as_str(), "530" | "534" | "535" | "538"))
}

impl Mailer {
    pub fn new(
        config: &Config,
        smtp: &SmtpConfig,
        store: Store,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
    ) -> Result<Mailer, MailError> {
        let letterhead = Letterhead::new(config)?;
        let transport = transport(smtp, letterhead.host())?;
        Ok(Mailer {
            store,
            clock,
            letterhead,
            transport,
            retry_max: SignedDuration::from_secs(smtp.retry_max_seconds as i64),
            wake,
        })
    }

    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let key = match self.store.run(|s| s.secret(UNSUBSCRIBE_SECRET)).await {
            Ok(key) => key,
            Err(e) => {
                tracing::error!(error = %e, "union mail sender not started: no signing key");
                return;
            }
        };
        // Consecutive passes that found the server unreachable.
        let mut down: u32 = 0;
        loop {
            let now = self.clock.now();
            let (due, next) = match self.store.run(move |s| s.due_mails(now, BATCH)).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the union mail queue");
                    (Vec::new(), None)
                }
            };
            let mut unreachable = false;
            for mail in &due {
                if *stop.borrow() {
                    return;
                }
                if self.attempt(&key, mail, down).await {
                    // Unreachable: the others wait for the next pass.
                    unreachable = true;
                    break;
                }
            }
            let pause = if unreachable {
                if down == 0 {
                    tracing::warn!("SMTP server unreachable: union mails wait and will be retried");
                }
                let pause = retry_delay(down, self.retry_max);
                down = down.saturating_add(1);
                Duration::try_from(pause).unwrap_or(IDLE_CHECK)
            } else if !due.is_empty() {
                if down > 0 {
                    tracing::info!("SMTP server reachable again");
                }
                down = 0;
                continue;
            } else {
                next.map(|at| {
                    let wait = at.duration_since(self.clock.now());
                    Duration::try_from(wait).unwrap_or(Duration::ZERO)
                })
                .unwrap_or(IDLE_CHECK)
            };
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause.clamp(Duration::from_millis(50), IDLE_CHECK)) => {}
            }
        }
    }

    /// One delivery; returns true when the server could not be reached.
    async fn attempt(&self, key: &[u8; 32], mail: &DueMail, down: u32) -> bool {
        let id = mail.message.id;
        let (union, login) = (mail.message.union.clone(), mail.login.clone());
        // An agent who left the list is not written to, even by a message
        // queued before they left (the unions honour an opt-out at once).
        let still = self
            .store
            .run(move |s| s.is_subscribed(&union, &login))
            .await
            .unwrap_or(true);
        let outcome = if !still {
            Outcome::Cancelled
        } else {
            match compose(
                &self.letterhead,
                key,
                &mail.message,
                &mail.login,
                &mail.pending.address,
            ) {
                Err(e) => Outcome::GiveUp(e.to_string()),
                Ok(composed) => match self.transport.send(composed).await {
                    Ok(_) => Outcome::Sent,
                    Err(e) if e.is_permanent() && !is_auth_refusal(&e) => {
                        Outcome::GiveUp(describe(&e))
                    }
                    Err(e) => Outcome::Retry {
                        why: describe(&e),
                        server_down: e.status().is_none(),
                    },
                },
            }
        };
        let now = self.clock.now();
        let login = mail.login.clone();
        let message = ulid::Ulid(id);
        // Logs name the message, never the recipient.
        let (recorded, server_down) = match outcome {
            Outcome::Sent => (
                self.store
                    .run(move |s| s.mail_sent(id, &login, now).map(|_| ()))
                    .await,
                false,
            ),
            Outcome::Cancelled => (
                self.store
                    .run(move |s| s.mail_cancelled(id, &login, now).map(|_| ()))
                    .await,
                false,
            ),
            Outcome::GiveUp(why) => {
                tracing::warn!(%message, %why, "a union mail was refused for good");
                (
                    self.store
                        .run(move |s| s.mail_given_up(id, &login, now, &why).map(|_| ()))
                        .await,
                    false,
                )
            }
            Outcome::Retry { why, server_down } if too_old(&mail.message, now) => {
                tracing::warn!(%message, %why, "a union mail is given up after 72 hours of retries");
                (
                    self.store
                        .run(move |s| s.mail_given_up(id, &login, now, &why).map(|_| ()))
                        .await,
                    server_down,
                )
            }
            Outcome::Retry { why, server_down } => {
                if !server_down || down == 0 {
                    tracing::warn!(%message, %why, "a union mail was not sent yet; it will be retried");
                }
                let next = now
                    .saturating_add(retry_delay(mail.pending.attempts, self.retry_max))
                    .unwrap_or(now);
                (
                    self.store
                        .run(move |s| s.mail_retry(id, &login, next, &why))
                        .await,
                    server_down,
                )
            }
        };
        if let Err(e) = recorded {
            tracing::error!(error = %e, "cannot record a union mail's outcome");
        }
        server_down
    }
}

fn too_old(message: &UnionMessage, now: Timestamp) -> bool {
    now.duration_since(message.created) > GIVE_UP_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letterhead() -> Letterhead {
        Letterhead {
            from: "Intranet <intranet@ville.fr>".parse().unwrap(),
            public_url: "https://intranet.ville.fr".into(),
            unions: [("cgt".to_owned(), "CGT des territoriaux".to_owned())].into(),
        }
    }

    #[test]
    fn a_mail_has_the_protocols_subject_footer_and_one_click_headers() {
        let message = UnionMessage {
            id: 7,
            union: UnionSlug::parse("cgt").unwrap(),
            subject: "Assemblée générale".into(),
            body: "Jeudi à 12 h, salle du conseil.".into(),
            author: Login::new("syndicat"),
            created: "2026-11-29T10:00:00Z".parse().unwrap(),
        };
        let key = [3u8; 32];
        let mail = compose(
            &letterhead(),
            &key,
            &message,
            &Login::new("agent"),
            "camille.lefevre@ville.fr",
        )
        .unwrap();
        let raw = String::from_utf8(mail.formatted()).unwrap();
        let url = unsubscribe_url(
            "https://intranet.ville.fr",
            &key,
            &message.union,
            &Login::new("agent"),
        );
        assert!(raw.contains(&format!("List-Unsubscribe: <{url}>")), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("To: camille.lefevre@ville.fr"), "{raw}");
        assert!(!raw.contains("Bcc"), "{raw}");
        assert_eq!(mail.envelope().to().len(), 1);
        assert_eq!(
            subject_line("CGT des territoriaux", " Assemblée générale "),
            "[Syndical — CGT des territoriaux] Assemblée générale"
        );
        let text = mail_text("CGT", "Bonjour", &url, "https://intranet.ville.fr");
        assert!(text.contains("refuser ces messages"));
        assert!(text.contains(&url));
    }
}
