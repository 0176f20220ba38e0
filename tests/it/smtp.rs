//! A real SMTP server for the tests: aiosmtpd (Debian's python3-aiosmtpd) on
//! 127.0.0.1, writing each message it accepts to a directory, one folder per
//! message with its envelope and decoded headers (Python's `email` package
//! decodes RFC 2047 subjects).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SERVER: &str = r#"
import email, email.policy, os, sys, time, uuid
from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])

class Sink:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        tmp = os.path.join(out, '.' + uuid.uuid4().hex)
        os.mkdir(tmp)
        fields = {
            'rcpt_tos': '\n'.join(envelope.rcpt_tos),
            'mail_from': envelope.mail_from,
            'to': str(msg.get('To', '')),
            'cc': str(msg.get('Cc', '')),
            'bcc': str(msg.get('Bcc', '')),
            'subject': str(msg.get('Subject', '')),
            'message_id': str(msg.get('Message-ID', '')),
            'list_unsubscribe': str(msg.get('List-Unsubscribe', '')),
            'list_unsubscribe_post': str(msg.get('List-Unsubscribe-Post', '')),
            'body': msg.get_body(('plain',)).get_content(),
        }
        for name, value in fields.items():
            with open(os.path.join(tmp, name), 'w', encoding='utf-8') as f:
                f.write(value)
        os.rename(tmp, os.path.join(out, uuid.uuid4().hex))
        return '250 Message accepted for delivery'

controller = Controller(Sink(), hostname='127.0.0.1', port=port)
controller.start()
print('ready', flush=True)
while True:
    time.sleep(3600)
"#;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt_tos: Vec<String>,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub message_id: String,
    pub list_unsubscribe: String,
    pub list_unsubscribe_post: String,
    pub body: String,
}

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// A loopback port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Debian's Python, which has python3-aiosmtpd (a pyenv or venv `python3`
/// earlier in PATH may not).
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

impl SmtpSink {
    /// Starts the server on `port` and waits until it accepts connections.
    pub async fn start(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(python())
            .arg("-c")
            .arg(SERVER)
            .arg(dir.path())
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (Debian package python3-aiosmtpd)");
        let stdout = child.stdout.take().unwrap();
        let first_line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .map(|_| line)
        });
        let ready = tokio::time::timeout(Duration::from_secs(20), first_line)
            .await
            .expect("aiosmtpd did not start within 20 s")
            .unwrap()
            .unwrap();
        assert_eq!(
            ready.trim(),
            "ready",
            "aiosmtpd failed to start (is python3-aiosmtpd installed?)"
        );
        SmtpSink { child, port, dir }
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            let field = |name: &str| std::fs::read_to_string(path.join(name)).unwrap();
            out.push(Received {
                rcpt_tos: field("rcpt_tos").lines().map(str::to_owned).collect(),
                to: field("to"),
                cc: field("cc"),
                bcc: field("bcc"),
                subject: field("subject"),
                message_id: field("message_id"),
                list_unsubscribe: field("list_unsubscribe"),
                list_unsubscribe_post: field("list_unsubscribe_post"),
                body: field("body"),
            });
        }
        out
    }

    /// Waits until at least `n` messages arrived (30 s at most).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= n || tokio::time::Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
