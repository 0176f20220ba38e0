//! A real OpenLDAP `slapd` for the integration tests (DESIGN §8): never a mock.
//!
//! [`Slapd::start`] gives each test its own server on 127.0.0.1 — its own
//! temporary directory, its own free ports — so tests run in parallel. Steps:
//! a CA and a server certificate made with rcgen; a `slapd.d` built offline
//! with `slapadd -n 0` from `tests/fixtures/ldap/config.ldif` (Debian's
//! schemas, ours, an mdb database with the memberof overlay, the ACLs); slapd
//! in the foreground as a child process (plain LDAP with StartTLS, and LDAPS);
//! then the agents and groups of `directory.ldif` added ONLINE with
//! `ldapadd`, because only a running server applies the overlay that fills
//! `memberOf`. Dropping the value kills slapd and removes the directory.
//!
//! Who is in it — `tests/fixtures/ldap/make-directory.py` lists all 60 agents
//! and the groups; every password is [`AGENT_PASSWORD`] but jmartin's:
//! - amndiaye (Anne-Marie N'Diaye, syndicat-cgt, jpegPhoto), jroussel
//!   (webmestre, service-communication, jpegPhoto), nbenali (service-rh),
//!   tgarnier (service-dsi, thumbnailPhoto), hmarchand (DGS, intranet-codir,
//!   jpegPhoto), mdupont (intranet-referents), clefevre (jardinière, no group);
//! - jmartin ([`JMARTIN_PASSWORD`]), desactive (`userAccountControl: 514`),
//!   jdupont (RDN `cn=Dupont\, Jean`, syndicat-cfdt);
//! - intranet-publication has two groups as members (intranet-codir and
//!   intranet-referents); cycle-a ∋ cycle-b ∋ cycle-a (and rgauthier).
//!
//! Which Active Directory behaviours it mimics (an empty password binds as
//! anonymous, a referral beside search results) and which not (bind of a
//! disabled account, the in-chain matching rule): see the head of config.ldif.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

const BASE_DN: &str = "dc=val-de-lys,dc=fr";
/// The password of every agent but jmartin.
pub const AGENT_PASSWORD: &str = "Motdepasse-2026";
/// jmartin's password, the one that differs.
pub const JMARTIN_PASSWORD: &str = "Autre-Secret-1";
const SERVICE_DN: &str = "cn=kiosque,ou=services,dc=val-de-lys,dc=fr";
const SERVICE_PASSWORD: &str = "Kiosque-Service-2026";
/// olcRootDN / olcRootPW in config.ldif: may do anything, ACLs do not apply.
const ADMIN_DN: &str = "cn=admin,dc=val-de-lys,dc=fr";
const ADMIN_PASSWORD: &str = "Admin-Annuaire-2026";

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ldap");
/// Debian's schema LDIFs (package slapd), in dependency order.
const DEBIAN_SCHEMAS: [&str; 3] = [
    "/etc/ldap/schema/core.ldif",
    "/etc/ldap/schema/cosine.ldif",
    "/etc/ldap/schema/inetorgperson.ldif",
];
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Another test may grab a port between our probe and slapd's bind.
const LAUNCH_ATTEMPTS: usize = 3;

pub struct Slapd {
    /// `ldap://127.0.0.1:PORT` (StartTLS available).
    pub url: String,
    /// `ldaps://127.0.0.1:PORT2`.
    pub ldaps_url: String,
    pub base_dn: String,
    /// A service account that may read (search) people and groups.
    pub service_dn: String,
    pub service_password: String,
    /// The directory manager, for tests that change the directory mid-way.
    pub admin_dn: String,
    pub admin_password: String,
    /// PEM of the CA that signed slapd's certificate (valid for 127.0.0.1 and localhost).
    pub ca_file: PathBuf,
    child: Child,
    dir: tempfile::TempDir,
}

impl Slapd {
    /// Starts a fresh server and loads the directory; blocks until it answers.
    pub fn start() -> Slapd {
        let dir = tempfile::Builder::new()
            .prefix("kiosque-slapd-")
            .tempdir()
            .unwrap();
        let ca_file = write_certificates(dir.path());
        build_config(dir.path());
        let (child, ldap_port, ldaps_port) = launch(dir.path());
        let slapd = Slapd {
            url: format!("ldap://127.0.0.1:{ldap_port}"),
            ldaps_url: format!("ldaps://127.0.0.1:{ldaps_port}"),
            base_dn: BASE_DN.into(),
            service_dn: SERVICE_DN.into(),
            service_password: SERVICE_PASSWORD.into(),
            admin_dn: ADMIN_DN.into(),
            admin_password: ADMIN_PASSWORD.into(),
            ca_file,
            child,
            dir,
        };
        slapd.load_directory();
        slapd
    }

    /// `kill -9`: the directory is down, as when its server crashes.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Adds the agents and groups through the running server (memberof overlay).
    fn load_directory(&self) {
        let data = Path::new(FIXTURES).join("directory.ldif");
        let mut ldapadd = ldap_tool("ldapadd");
        ldapadd.args(["-x", "-H", &self.url]);
        ldapadd.args(["-D", ADMIN_DN, "-w", ADMIN_PASSWORD]);
        ldapadd.arg("-f").arg(data);
        if let Err(failure) = run(ldapadd, "ldapadd directory.ldif") {
            panic!("{failure}\nslapd said:\n{}", self.log());
        }
    }

    /// What slapd said on stderr (errors only, see [`spawn`]).
    fn log(&self) -> String {
        read_log(self.dir.path())
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        // Before `dir` is removed: slapd keeps its database open in it.
        self.kill();
    }
}

/// The JPEG stored as `login`'s photo (hmarchand, jroussel, amndiaye:
/// `jpegPhoto`; tgarnier: `thumbnailPhoto`, as in Active Directory).
pub fn fixture_photo(login: &str) -> Vec<u8> {
    let file = Path::new(FIXTURES).join(format!("photos/{login}.jpg"));
    std::fs::read(file).unwrap()
}

/// A CA, and a server certificate it signed for 127.0.0.1 and localhost.
/// The server certificate says CA:FALSE explicitly: rustls refuses CA
/// certificates as end entities. Returns the CA's PEM file.
fn write_certificates(dir: &Path) -> PathBuf {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "kiosque test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    server.is_ca = IsCa::ExplicitNoCa;
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();

    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server_cert.pem()).unwrap();
    std::fs::write(dir.join("server-key.pem"), server_key.serialize_pem()).unwrap();
    ca_file
}

/// Builds `DIR/slapd.d` from config.ldif with `slapadd -n 0`, offline.
fn build_config(dir: &Path) {
    let template = std::fs::read_to_string(Path::new(FIXTURES).join("config.ldif")).unwrap();
    let config: String = template
        .lines()
        .map(|line| match line {
            "@SCHEMAS@" => schemas(),
            _ => line.replace("@DIR@", dir.to_str().unwrap()),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config_file = dir.join("config.ldif");
    std::fs::write(&config_file, config).unwrap();
    std::fs::create_dir(dir.join("slapd.d")).unwrap();
    // The mdb database directory must exist before slapd opens it.
    std::fs::create_dir(dir.join("data")).unwrap();

    let mut slapadd = Command::new("/usr/sbin/slapadd");
    slapadd.args(["-n", "0", "-F"]).arg(dir.join("slapd.d"));
    slapadd.arg("-l").arg(&config_file);
    if let Err(failure) = run(slapadd, "slapadd -n 0 config.ldif") {
        panic!("{failure}");
    }
}

/// The schema entries, as LDIF text: Debian's, then ad-lite.ldif.
fn schemas() -> String {
    let ours = Path::new(FIXTURES).join("ad-lite.ldif");
    let files = DEBIAN_SCHEMAS.iter().map(Path::new).chain([ours.as_path()]);
    let texts: Vec<String> = files
        .map(|file| match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => panic!("{}: {e} (is Debian's slapd installed?)", file.display()),
        })
        .collect();
    // A blank line ends each file's last entry.
    texts.join("\n\n")
}

/// Starts slapd on two free ports, trying new ports if it cannot bind them.
fn launch(dir: &Path) -> (Child, u16, u16) {
    let mut log = String::new();
    for _ in 0..LAUNCH_ATTEMPTS {
        let (ldap_port, ldaps_port) = (free_port(), free_port());
        let mut child = spawn(dir, ldap_port, ldaps_port);
        if wait_until_ready(&mut child, ldap_port) {
            return (child, ldap_port, ldaps_port);
        }
        log = read_log(dir);
    }
    panic!("slapd did not start ({LAUNCH_ATTEMPTS} attempts); its last words:\n{log}");
}

/// slapd in the foreground (`-d`), its stderr into `DIR/slapd.log`: a file,
/// not a pipe, so that nobody has to read it while tests run.
///
/// `-d none` rather than `-d 0`: with 0, slapd prints nothing at all, not
/// even why it stopped ("bind(6) failed errno=98"); with `none` it prints
/// only such errors and stays silent while serving.
fn spawn(dir: &Path, ldap_port: u16, ldaps_port: u16) -> Child {
    let log = std::fs::File::create(dir.join("slapd.log")).unwrap();
    let listen = format!("ldap://127.0.0.1:{ldap_port}/ ldaps://127.0.0.1:{ldaps_port}/");
    Command::new("/usr/sbin/slapd")
        .args(["-d", "none", "-F"])
        .arg(dir.join("slapd.d"))
        .args(["-h", &listen])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run /usr/sbin/slapd: {e} (apt-get install slapd)"))
}

/// Polls a TCP connection until slapd accepts one. slapd listens only once
/// its databases are open, so a connection means it is ready to answer.
/// False if slapd exited, or hung (then it is killed).
fn wait_until_ready(child: &mut Child, port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    while started.elapsed() < READY_TIMEOUT {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// A port free right now: the kernel picks it, we release it for slapd.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

fn read_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("slapd.log")).unwrap_or_default()
}

/// An OpenLDAP client tool that ignores /etc/ldap/ldap.conf and ~/.ldaprc.
fn ldap_tool(name: &str) -> Command {
    let mut command = Command::new(name);
    command.env("LDAPNOINIT", "1");
    command
}

/// Runs a command to completion; on failure, everything it said.
fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("{what}: {e} (apt-get install slapd ldap-utils)"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    ))
}

#[cfg(test)]
mod tests {
    //! The support's own check: the server answers like the fixture says,
    //! over plain LDAP, StartTLS and LDAPS, and is gone once killed.

    use super::*;
    use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
    use std::sync::Arc;

    async fn connect(url: &str, settings: LdapConnSettings) -> Ldap {
        let (conn, ldap) = LdapConnAsync::with_settings(settings, url).await.unwrap();
        ldap3::drive!(conn);
        ldap
    }

    /// A rustls client trusting only the CAs of `ca_file` (none: `None`).
    fn trusting(ca_file: Option<&Path>) -> LdapConnSettings {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut roots = rustls::RootCertStore::empty();
        for cert in ca_file
            .into_iter()
            .flat_map(|f| CertificateDer::pem_file_iter(f).unwrap())
        {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        LdapConnSettings::new().set_config(Arc::new(config))
    }

    /// A subtree search, as parsed entries.
    async fn search(ldap: &mut Ldap, base: &str, filter: &str, attrs: &[&str]) -> Vec<SearchEntry> {
        let (entries, _) = ldap
            .search(base, Scope::Subtree, filter, attrs.to_vec())
            .await
            .unwrap()
            .success()
            .unwrap();
        entries.into_iter().map(SearchEntry::construct).collect()
    }

    async fn bind_code(url: &str, dn: &str, password: &str) -> u32 {
        let mut ldap = connect(url, LdapConnSettings::new()).await;
        ldap.simple_bind(dn, password).await.unwrap().rc
    }

    #[tokio::test]
    async fn slapd_serves_the_fixture_directory() {
        let started = Instant::now();
        let slapd = Slapd::start();
        eprintln!("Slapd::start() took {:?}", started.elapsed());

        let mut ldap = connect(&slapd.url, LdapConnSettings::new()).await;
        ldap.simple_bind(&slapd.service_dn, &slapd.service_password)
            .await
            .unwrap()
            .success()
            .unwrap();

        let base = &slapd.base_dn;
        let found = search(&mut ldap, base, "(uid=amndiaye)", &["cn", "memberOf"]).await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].attrs["cn"], ["Anne-Marie N'Diaye"]);
        let cgt = format!("cn=syndicat-cgt,ou=groups,{base}");
        assert!(found[0].attrs["memberOf"].contains(&cgt), "{found:?}");
        // Like AD searched from the domain root: a referral beside the entries.
        let from_root = ldap.search(base, Scope::Subtree, "(uid=amndiaye)", vec!["1.1"]);
        // (ldap3's `search` moves referrals out of the entries, into `refs`.)
        let (_, result) = from_root.await.unwrap().success().unwrap();
        assert!(
            result.refs.iter().any(|r| r.contains("DomainDnsZones")),
            "{result:?}"
        );

        let people = format!("ou=people,{base}");
        let agents = search(&mut ldap, &people, "(objectClass=inetOrgPerson)", &["uid"]).await;
        assert!(agents.len() >= 55, "{} agents", agents.len());

        let photo = search(&mut ldap, &people, "(uid=hmarchand)", &["jpegPhoto"]).await;
        assert_eq!(
            photo[0].bin_attrs["jpegPhoto"],
            [fixture_photo("hmarchand")]
        );

        // The CN with a comma: slapd writes it `cn=Dupont\2C Jean,…` in DNs.
        let jdupont = search(&mut ldap, &people, "(sAMAccountName=JDupont)", &["cn"]).await;
        assert_eq!(jdupont[0].attrs["cn"], ["Dupont, Jean"]);
        assert_eq!(
            bind_code(&slapd.url, &jdupont[0].dn, AGENT_PASSWORD).await,
            0
        );

        let user = format!("uid=clefevre,{people}");
        assert_eq!(bind_code(&slapd.url, &user, AGENT_PASSWORD).await, 0);
        assert_eq!(bind_code(&slapd.url, &user, "wrong").await, 49);
        // Like AD: a DN with an empty password is an anonymous success.
        assert_eq!(bind_code(&slapd.url, &user, "").await, 0);
        let jmartin = format!("uid=jmartin,{people}");
        assert_eq!(bind_code(&slapd.url, &jmartin, JMARTIN_PASSWORD).await, 0);
        assert_eq!(bind_code(&slapd.url, &jmartin, AGENT_PASSWORD).await, 49);
        let admin = bind_code(&slapd.url, &slapd.admin_dn, &slapd.admin_password).await;
        assert_eq!(admin, 0);
    }

    #[tokio::test]
    async fn tls_verifies_against_the_ca_and_kill_stops_the_server() {
        let mut slapd = Slapd::start();
        let ca = Some(slapd.ca_file.as_path());
        for (url, settings) in [
            (&slapd.url, trusting(ca).set_starttls(true)),
            (&slapd.ldaps_url, trusting(ca)),
        ] {
            let mut ldap = connect(url, settings).await;
            let bound = ldap
                .simple_bind(&slapd.service_dn, &slapd.service_password)
                .await;
            assert_eq!(bound.unwrap().rc, 0, "bind over {url}");
        }
        // The certificate really is checked: without the CA, no session.
        let untrusted = LdapConnAsync::with_settings(trusting(None), &slapd.ldaps_url).await;
        assert!(untrusted.is_err(), "LDAPS accepted without the CA");

        slapd.kill();
        let url = slapd.url.clone();
        assert!(
            LdapConnAsync::new(&url).await.is_err(),
            "{url} still answers"
        );
    }
}
