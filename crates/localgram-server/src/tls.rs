//! TLS for Meta's real host names: the local certificate authority, the server certificate it
//! issues, and the rustls configuration both the HTTPS listener and the proxy's tunnels use
//! (`docs/tls.md`).
//!
//! - The CA is a P-256 key and a self-signed certificate kept in a directory (`--ca-dir`, by
//!   default `localgram-ca/` beside the SQLite file, or the user's data directory for
//!   PostgreSQL): [`CA_KEY_FILE`] (mode 0600) and [`CA_CERT_FILE`]. It is created on first use
//!   and reused afterwards; a key that cannot be read or parsed, or that does not belong to the
//!   certificate, is an error naming the file.
//! - The server certificate is issued at start, in memory, for the five Meta hosts, `localhost`,
//!   the loopback addresses and the listen and public addresses. One certificate serves every
//!   name, so every SNI gets it; the `Host` header then picks the emulated host (`http/host.rs`).
//! - The CA's subject is derived from its key (`Localgram local CA <key id>`), so the issuer of a
//!   server certificate is rebuilt from the key alone, without parsing the stored certificate.
//!
//! Keys are drawn by `ring` from the operating system's random source, as every TLS key is.

use anyhow::{Context as _, bail};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData as _, SanType,
};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The CA certificate's file name in the CA directory (what clients are told to trust).
pub const CA_CERT_FILE: &str = "localgram-ca.pem";
/// The CA key's file name in the CA directory (mode 0600).
pub const CA_KEY_FILE: &str = "localgram-ca-key.pem";
/// The CA directory's name beside a SQLite file.
pub const CA_DIR_NAME: &str = "localgram-ca";

/// The local certificate authority.
pub struct LocalCa {
    cert_path: PathBuf,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key: KeyPair,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

/// The CA directory for a configuration: `ca_dir` when given, else `localgram-ca/` beside the
/// SQLite file, else (PostgreSQL, an in-memory SQLite database) `localgram/localgram-ca` in the
/// user's data directory.
pub fn ca_dir_for(ca_dir: Option<&Path>, database_url: &str) -> PathBuf {
    if let Some(dir) = ca_dir {
        return dir.to_owned();
    }
    if let Some(file) = crate::sqlite_file(database_url) {
        let parent = Path::new(file)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return parent.join(CA_DIR_NAME);
    }
    user_data_dir().join("localgram").join(CA_DIR_NAME)
}

/// The user's data directory: `$XDG_DATA_HOME`, `~/Library/Application Support` (macOS),
/// `%APPDATA%` (Windows), `~/.local/share`; the working directory when none is known.
fn user_data_dir() -> PathBuf {
    let var = |n: &str| {
        std::env::var_os(n)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return var("APPDATA").unwrap_or_else(|| PathBuf::from("."));
    }
    if let Some(dir) = var("XDG_DATA_HOME") {
        return dir;
    }
    match var("HOME") {
        Some(home) if cfg!(target_os = "macos") => home.join("Library/Application Support"),
        Some(home) => home.join(".local/share"),
        None => PathBuf::from("."),
    }
}

/// The CA's subject, derived from its key so that it can be rebuilt from the key alone.
fn ca_params(key: &KeyPair) -> CertificateParams {
    let mut params = CertificateParams::default();
    let id = params.key_identifier(key);
    let short: String = id.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Localgram");
    dn.push(DnType::CommonName, format!("Localgram local CA {short}"));
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2100, 1, 1);
    params
}

/// Writes `bytes` to a new file `path` with mode 0600 (whatever the umask); fails if it exists.
fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl LocalCa {
    /// Loads the CA kept in `dir`, creating it (and `dir`) when neither file exists.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        let key_path = dir.join(CA_KEY_FILE);
        let cert_path = dir.join(CA_CERT_FILE);
        if !key_path.exists() && !cert_path.exists() {
            Self::create(dir, &key_path, &cert_path)?;
        }
        // Another process may be between writing the key and the certificate.
        for _ in 0..50 {
            if cert_path.exists() || !key_path.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Self::load(&key_path, &cert_path)
    }

    fn create(dir: &Path, key_path: &Path, cert_path: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the CA directory {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let key = KeyPair::generate().context("cannot generate the CA key")?;
        let cert = ca_params(&key)
            .self_signed(&key)
            .context("cannot sign the CA certificate")?;
        match write_new_private(key_path, key.serialize_pem().as_bytes()) {
            Ok(()) => {}
            // Another process is creating the CA at this moment: use its files.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                for _ in 0..50 {
                    if cert_path.exists() {
                        return Ok(());
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                return Ok(());
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot write the CA key {}", key_path.display()));
            }
        }
        let tmp = cert_path.with_extension("pem.tmp");
        std::fs::write(&tmp, cert.pem())
            .and_then(|()| std::fs::rename(&tmp, cert_path))
            .with_context(|| format!("cannot write the CA certificate {}", cert_path.display()))?;
        tracing::info!(cert = %cert_path.display(), "created a local certificate authority");
        Ok(())
    }

    /// Loads an existing CA; every problem names the file it is in.
    pub fn load(key_path: &Path, cert_path: &Path) -> anyhow::Result<Self> {
        let key_pem = std::fs::read_to_string(key_path)
            .with_context(|| format!("cannot read the CA key {}", key_path.display()))?;
        let key = KeyPair::from_pem(&key_pem).map_err(|e| {
            anyhow::anyhow!(
                "the CA key {} is not a PEM private key: {e}",
                key_path.display()
            )
        })?;
        let cert_pem = std::fs::read_to_string(cert_path)
            .with_context(|| format!("cannot read the CA certificate {}", cert_path.display()))?;
        let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes()).map_err(|e| {
            anyhow::anyhow!(
                "the CA certificate {} is not a PEM certificate: {e}",
                cert_path.display()
            )
        })?;
        // The certificate carries its subject's public key verbatim.
        let spki = key.subject_public_key_info();
        if !cert_der.windows(spki.len()).any(|w| w == spki.as_slice()) {
            bail!(
                "the CA key {} does not belong to the CA certificate {}: restore the matching \
                 pair, or delete both files to create a new CA (clients must then trust it again)",
                key_path.display(),
                cert_path.display()
            );
        }
        Ok(Self {
            cert_path: cert_path.to_owned(),
            cert_pem,
            cert_der: cert_der.into_owned(),
            key,
        })
    }

    /// The CA certificate's path.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The CA certificate in PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate in DER.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// Issues a server certificate (with a new key) for the Meta hosts, `localhost`, the
    /// loopback addresses and `extra` names or addresses; the chain holds it and the CA.
    pub fn issue_server_cert(
        &self,
        extra: &[String],
    ) -> anyhow::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        let mut names: Vec<String> = crate::http::host::HOSTS
            .iter()
            .map(|h| (*h).to_owned())
            .collect();
        names.extend(["localhost".into(), "127.0.0.1".into(), "::1".into()]);
        for e in extra {
            let e = e.trim_start_matches('[').trim_end_matches(']').to_owned();
            let unusable = e.is_empty()
                || e.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified())
                || names.contains(&e);
            if !unusable {
                names.push(e);
            }
        }
        let mut params = CertificateParams::default();
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n.clone().try_into().map(SanType::DnsName),
            })
            .collect::<Result<_, _>>()
            .context("a name of the server certificate is not a valid DNS name")?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "Localgram");
        dn.push(DnType::CommonName, "Localgram emulated Meta hosts");
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2099, 12, 31);
        let leaf_key = KeyPair::generate().context("cannot generate the server key")?;
        let issuer = Issuer::new(ca_params(&self.key), &self.key);
        let leaf = params
            .signed_by(&leaf_key, &issuer)
            .context("cannot sign the server certificate")?;
        Ok((
            vec![leaf.der().clone(), self.cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        ))
    }

    /// The TLS server configuration (HTTP/1.1 by ALPN) with a fresh server certificate.
    pub fn server_config(&self, extra: &[String]) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        let (chain, key) = self.issue_server_cert(extra)?;
        // ring (already the provider of the workspace's TLS clients), not aws-lc-rs: rustls
        // marks ring's provider deprecated for lacking post-quantum key exchange, which a local
        // emulator does not need.
        #[allow(deprecated)]
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .context("cannot set up TLS")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("cannot use the server certificate")?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// What the TLS side of a running server has: the CA and the acceptor both the HTTPS listener
/// and the proxy's tunnels use.
#[derive(Clone)]
pub struct Tls {
    /// The CA certificate's path.
    pub ca_cert_path: PathBuf,
    /// Terminates TLS with the server certificate.
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// Whether the plain listener is also a proxy for the Meta hosts (`CONNECT`, absolute-form
    /// requests).
    pub proxy: bool,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("ca_cert_path", &self.ca_cert_path)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// The lines `localgram env` prints and `serve` shows at start: variables that send a client's
/// HTTPS through the proxy at `proxy` (when it is on) and make it trust the CA, then, as
/// comments, the `/etc/hosts` line for the HTTPS listener at `https`.
pub fn env_lines(
    ca_cert: &Path,
    proxy: Option<std::net::SocketAddr>,
    https: Option<std::net::SocketAddr>,
) -> String {
    let ca = shell_quote(&ca_cert.display().to_string());
    let mut out = String::new();
    if let Some(addr) = proxy {
        let url = format!("http://{}", reachable(addr));
        for name in ["HTTPS_PROXY", "https_proxy"] {
            out.push_str(&format!("export {name}={url}\n"));
        }
        out.push_str("export NODE_USE_ENV_PROXY=1\n");
    }
    for name in [
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        "LOCALGRAM_CA_CERT",
    ] {
        out.push_str(&format!("export {name}={ca}\n"));
    }
    if let Some(addr) = https {
        let addr = reachable(addr);
        out.push_str(&format!(
            "# HTTPS listener on {addr}: without the proxy, resolve the hosts to it in /etc/hosts{}:\n# {} {}\n",
            if addr.port() == 443 {
                ""
            } else {
                " (clients must then use its port)"
            },
            addr.ip(),
            crate::http::host::HOSTS.join(" ")
        ));
    }
    out
}

/// `addr`, with the loopback for an unspecified address.
fn reachable(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    if addr.ip().is_unspecified() {
        let ip: IpAddr = if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        };
        std::net::SocketAddr::new(ip, addr.port())
    } else {
        addr
    }
}

/// `s` quoted for a POSIX shell when it needs to be.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:+,=@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("localgram-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_ca_is_created_once_private_and_reused() {
        let dir = temp_dir("reuse");
        let first = LocalCa::load_or_create(&dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join(CA_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let second = LocalCa::load_or_create(&dir).unwrap();
        assert_eq!(first.cert_pem(), second.cert_pem());
        assert!(first.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_mismatched_or_unreadable_key_is_an_error_naming_the_file() {
        let a = temp_dir("a");
        let b = temp_dir("b");
        LocalCa::load_or_create(&a).unwrap();
        LocalCa::load_or_create(&b).unwrap();
        std::fs::copy(b.join(CA_KEY_FILE), a.join(CA_KEY_FILE)).unwrap();
        let e = LocalCa::load_or_create(&a).unwrap_err().to_string();
        assert!(
            e.contains(&a.join(CA_KEY_FILE).display().to_string())
                && e.contains("does not belong to the CA certificate"),
            "{e}"
        );
        std::fs::write(a.join(CA_KEY_FILE), "not a key").unwrap();
        let e = format!("{:#}", LocalCa::load_or_create(&a).unwrap_err());
        assert!(
            e.contains(&a.join(CA_KEY_FILE).display().to_string())
                && e.contains("is not a PEM private key"),
            "{e}"
        );
        std::fs::remove_file(a.join(CA_KEY_FILE)).unwrap();
        let e = format!("{:#}", LocalCa::load_or_create(&a).unwrap_err());
        assert!(
            e.contains(&format!(
                "cannot read the CA key {}",
                a.join(CA_KEY_FILE).display()
            )),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }

    #[test]
    fn the_ca_directory_sits_beside_the_sqlite_file() {
        assert_eq!(
            ca_dir_for(None, "sqlite:///var/lib/x/localgram.db"),
            PathBuf::from("/var/lib/x/localgram-ca")
        );
        assert_eq!(
            ca_dir_for(None, "sqlite://localgram.db"),
            PathBuf::from("./localgram-ca")
        );
        assert_eq!(
            ca_dir_for(Some(Path::new("/etc/lg")), "sqlite://localgram.db"),
            PathBuf::from("/etc/lg")
        );
        assert!(ca_dir_for(None, "postgres://h/db").ends_with("localgram/localgram-ca"));
    }

    #[test]
    fn env_lines_can_be_evaluated_by_a_shell() {
        let text = env_lines(
            Path::new("/tmp/a b/localgram-ca.pem"),
            Some("0.0.0.0:8090".parse().unwrap()),
            Some("127.0.0.1:8443".parse().unwrap()),
        );
        assert!(
            text.contains("export HTTPS_PROXY=http://127.0.0.1:8090\n"),
            "{text}"
        );
        assert!(
            text.contains("export SSL_CERT_FILE='/tmp/a b/localgram-ca.pem'\n"),
            "{text}"
        );
        assert!(text.contains("# 127.0.0.1 api.instagram.com www.instagram.com graph.instagram.com www.facebook.com graph.facebook.com\n"), "{text}");
        for line in text.lines() {
            assert!(
                line.starts_with("export ") || line.starts_with("# "),
                "{line}"
            );
        }
    }
}
