//! Online backup and restore, as an IT team expects them: `kiosque backup FILE`
//! works while the server runs and writes, `kiosque restore FILE` refuses to
//! touch a store in use and keeps the store it replaces.
//!
//! redb lets one process open a store, so while the server runs it makes the
//! copy: it listens on a unix socket in the data directory (`admin.sock`, mode
//! 0600: root and the service's user only), copies a snapshot into a temporary
//! file beside the store (`store::backup`), streams its progress and then the
//! file to the command, which writes it where the administrator asked. When no
//! server runs, the command opens the store and copies it itself.
//!
//! Protocol on `admin.sock`, one request per connection: the client sends
//! `backup\n` or `ping\n`; the server answers `progress DONE TOTAL\n`…, then
//! `ready TABLES ENTRIES ITEMS BLOBS SEQ BYTES\n` followed by BYTES bytes of the
//! file, or `pong\n`, or `error MESSAGE\n`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::store::backup::{BackupSummary, Progress};
use crate::store::{Store, StoreError};

/// The admin socket's file name in the data directory.
pub const SOCKET: &str = "admin.sock";
const TEMP_PREFIX: &str = ".sauvegarde-";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; choose a new file name (a backup never overwrites a file)")]
    Exists(PathBuf),
    #[error(
        "kiosque is running on this data directory ({0}); stop it first (systemctl stop kiosque), then restore"
    )]
    Running(PathBuf),
    #[error(
        "the store {0} is open in another process that does not answer on {SOCKET}; stop that process first"
    )]
    InUse(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the running server: {0}")]
    Server(String),
    #[error("{path} is not a kiosque backup this release can read: {source}")]
    NotABackup { path: PathBuf, source: StoreError },
    #[error("{0}")]
    Store(#[from] StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Serves `admin.sock` until `stopped`. Removes a stale socket and leftover
/// temporary copies first (this process holds the store, so they are stale).
pub fn serve_admin(
    data_dir: &Path,
    store: Store,
    mut stopped: watch::Receiver<bool>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let path = data_dir.join(SOCKET);
    let _ = std::fs::remove_file(&path);
    if let Ok(entries) = std::fs::read_dir(data_dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let listener = tokio::net::UnixListener::bind(&path)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    let data_dir = data_dir.to_owned();
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        tokio::spawn(answer(stream, store.clone(), data_dir.clone()));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "admin socket: accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
            }
        }
        let _ = std::fs::remove_file(data_dir.join(SOCKET));
    }))
}

async fn answer(stream: tokio::net::UnixStream, store: Store, data_dir: PathBuf) {
    let (read, mut write) = stream.into_split();
    let mut request = String::new();
    let mut read = tokio::io::BufReader::new(read);
    if read.read_line(&mut request).await.is_err() {
        return;
    }
    match request.trim() {
        "ping" => {
            let _ = write.write_all(b"pong\n").await;
        }
        "backup" => {
            if let Err(e) = send_backup(&mut write, store, &data_dir).await {
                tracing::warn!(error = %e, "backup failed");
                let line = format!("error {}\n", e.to_string().replace('\n', " "));
                let _ = write.write_all(line.as_bytes()).await;
            }
        }
        other => {
            let _ = write
                .write_all(format!("error unknown request {other:?}\n").as_bytes())
                .await;
        }
    }
}

async fn send_backup(
    write: &mut tokio::net::unix::OwnedWriteHalf,
    store: Store,
    data_dir: &Path,
) -> Result<(), BackupError> {
    let temp = data_dir.join(format!("{TEMP_PREFIX}{:016x}.redb", rand::random::<u64>()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let copy = {
        let temp = temp.clone();
        tokio::task::spawn_blocking(move || {
            store.backup_to(&temp, &mut |p| {
                let _ = tx.send(p);
            })
        })
    };
    tracing::info!("backup started");
    let mut last = None;
    while let Some(progress) = rx.recv().await {
        // At most one line per percent.
        let percent = progress.done * 100 / progress.total.max(1);
        if last != Some(percent) {
            last = Some(percent);
            let line = format!("progress {} {}\n", progress.done, progress.total);
            write.write_all(line.as_bytes()).await.map_err(io(&temp))?;
        }
    }
    let result = copy
        .await
        .map_err(|e| BackupError::Server(e.to_string()))
        .and_then(|r| r.map_err(BackupError::from));
    let streamed = async {
        let summary = result?;
        let mut file = tokio::fs::File::open(&temp).await.map_err(io(&temp))?;
        let bytes = file.metadata().await.map_err(io(&temp))?.len();
        let header = format!(
            "ready {} {} {} {} {} {bytes}\n",
            summary.tables, summary.entries, summary.items, summary.blobs, summary.seq
        );
        write
            .write_all(header.as_bytes())
            .await
            .map_err(io(&temp))?;
        tokio::io::copy(&mut file, write).await.map_err(io(&temp))?;
        write.flush().await.map_err(io(&temp))?;
        tracing::info!(
            items = summary.items,
            blobs = summary.blobs,
            bytes,
            "backup sent"
        );
        Ok(())
    }
    .await;
    let _ = tokio::fs::remove_file(&temp).await;
    streamed
}

/// Is a server answering on this data directory's admin socket?
pub fn server_running(data_dir: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(data_dir.join(SOCKET)) else {
        return false;
    };
    let mut answer = String::new();
    stream.write_all(b"ping\n").is_ok()
        && BufReader::new(stream).read_line(&mut answer).is_ok()
        && answer.trim() == "pong"
}

/// `kiosque backup FILE`: through the running server if there is one, else
/// directly from the store. The file appears complete or not at all.
pub fn backup(
    config: &Config,
    destination: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<BackupSummary, BackupError> {
    if destination.exists() {
        return Err(BackupError::Exists(destination.to_owned()));
    }
    let partial = with_suffix(destination, ".partiel");
    let _ = std::fs::remove_file(&partial);
    let result = match UnixStream::connect(config.data_dir.join(SOCKET)) {
        Ok(stream) => backup_from_server(stream, &partial, progress),
        Err(_) => backup_locally(config, &partial, progress),
    };
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, destination).map_err(io(destination))?;
    sync_parent(destination);
    Ok(summary)
}

fn backup_locally(
    config: &Config,
    partial: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<BackupSummary, BackupError> {
    let path = config.store_path();
    if !path.exists() {
        return Err(BackupError::Io {
            path,
            source: std::io::ErrorKind::NotFound.into(),
        });
    }
    let store = Store::open(&path).map_err(|e| match e {
        StoreError::AlreadyOpen { path } => BackupError::InUse(path),
        other => other.into(),
    })?;
    Ok(store.backup_to(partial, progress)?)
}

fn backup_from_server(
    mut stream: UnixStream,
    partial: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<BackupSummary, BackupError> {
    let socket_error = |e: std::io::Error| BackupError::Server(e.to_string());
    stream.write_all(b"backup\n").map_err(socket_error)?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(socket_error)? == 0 {
            return Err(BackupError::Server(
                "the connection closed before the backup was complete".into(),
            ));
        }
        let mut words = line.split_whitespace();
        match words.next() {
            Some("progress") => {
                let numbers: Vec<u64> = words.filter_map(|w| w.parse().ok()).collect();
                if let [done, total] = numbers[..] {
                    progress(Progress { done, total });
                }
            }
            Some("ready") => {
                let numbers: Vec<u64> = words.filter_map(|w| w.parse().ok()).collect();
                let [tables, entries, items, blobs, seq, bytes] = numbers[..] else {
                    return Err(BackupError::Server(format!("unexpected answer {line:?}")));
                };
                let mut file = std::fs::File::create(partial).map_err(io(partial))?;
                let copied = std::io::copy(&mut (&mut reader).take(bytes), &mut file)
                    .map_err(io(partial))?;
                if copied != bytes {
                    return Err(BackupError::Server(format!(
                        "the file was cut short ({copied} of {bytes} bytes)"
                    )));
                }
                file.sync_all().map_err(io(partial))?;
                return Ok(BackupSummary {
                    tables: tables as usize,
                    entries,
                    items,
                    blobs,
                    seq,
                });
            }
            Some("error") => {
                return Err(BackupError::Server(
                    line.trim_end()
                        .strip_prefix("error ")
                        .unwrap_or("")
                        .to_owned(),
                ));
            }
            _ => return Err(BackupError::Server(format!("unexpected answer {line:?}"))),
        }
    }
}

/// What a restore put in place.
#[derive(Debug)]
pub struct Restored {
    pub items: u64,
    pub blobs: u64,
    /// Where the store that was replaced now is, if there was one.
    pub previous: Option<PathBuf>,
}

/// `kiosque restore FILE`: refuses while a server runs on the data directory
/// or anything holds the store; checks the file is a store this release opens
/// (migrating it if older); gives it a new epoch; keeps the replaced store
/// beside it as `kiosque.redb.avant-restauration-<date>`.
pub fn restore(
    config: &Config,
    backup: &Path,
    now: jiff::Timestamp,
    progress: &mut dyn FnMut(Progress),
) -> Result<Restored, BackupError> {
    let data_dir = &config.data_dir;
    if server_running(data_dir) {
        return Err(BackupError::Running(data_dir.clone()));
    }
    let live = config.store_path();
    if live.exists() {
        match Store::open(&live) {
            Ok(store) => drop(store),
            Err(StoreError::AlreadyOpen { path }) => return Err(BackupError::InUse(path)),
            // A damaged store is exactly what a restore replaces.
            Err(e) => tracing::warn!(error = %e, "the current store does not open"),
        }
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let temp = data_dir.join(format!("{TEMP_PREFIX}{:016x}.redb", rand::random::<u64>()));
    let checked = copy_with_progress(backup, &temp, progress).and_then(|()| {
        let store = Store::open(&temp).map_err(|source| BackupError::NotABackup {
            path: backup.to_owned(),
            source,
        })?;
        store.renew_epoch()?;
        Ok((store.item_count()?, store.all_blob_hashes()?.len() as u64))
    });
    let (items, blobs) = match checked {
        Ok(counts) => counts,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    let previous = if live.exists() {
        let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
        let kept = with_suffix(&live, &format!(".avant-restauration-{stamp}"));
        std::fs::rename(&live, &kept).map_err(io(&live))?;
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&temp, &live).map_err(io(&live))?;
    sync_parent(&live);
    same_owner_as_directory(&live, data_dir);
    Ok(Restored {
        items,
        blobs,
        previous,
    })
}

fn copy_with_progress(
    from: &Path,
    to: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), BackupError> {
    let mut source = std::fs::File::open(from).map_err(io(from))?;
    let total = source.metadata().map_err(io(from))?.len();
    let mut target = std::fs::File::create(to).map_err(io(to))?;
    let mut buffer = vec![0u8; 1 << 20];
    let mut done = 0;
    loop {
        let n = source.read(&mut buffer).map_err(io(from))?;
        if n == 0 {
            break;
        }
        target.write_all(&buffer[..n]).map_err(io(to))?;
        done += n as u64;
        progress(Progress { done, total });
    }
    target.sync_all().map_err(io(to))
}

/// A restore run by root leaves the store owned by the service's user (the
/// data directory's owner), or the service could not open it.
fn same_owner_as_directory(file: &Path, dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    if let (Ok(d), Ok(f)) = (std::fs::metadata(dir), std::fs::metadata(file))
        && (d.uid(), d.gid()) != (f.uid(), f.gid())
        && let Err(e) = std::os::unix::fs::chown(file, Some(d.uid()), Some(d.gid()))
    {
        tracing::warn!(error = %e, "cannot give the restored store to the data directory's owner");
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent()
        && let Ok(dir) = std::fs::File::open(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })
    {
        let _ = dir.sync_all();
    }
}
