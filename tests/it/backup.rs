//! Online backup and restore: a backup taken through the running server's
//! admin socket while a writer keeps adding items and blobs is a consistent
//! snapshot; restore refuses a data directory in use, and the restored store
//! holds exactly the snapshot, item by item and blob by blob.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use kiosque::domain::{BlobHash, Details, Item, ItemId, Login, Media, Space, Status};
use kiosque::ops::backup::{self, BackupError};
use kiosque::store::Store;

fn item(i: u128, blob: BlobHash) -> Item {
    let at = now();
    Item {
        id: ItemId::new(at, 1_000_000 + i),
        space: Space::Actus,
        title: format!("Écrite pendant la sauvegarde n° {i}"),
        summary: String::new(),
        body: "Charge d'écriture.".into(),
        author: Login::new("codir"),
        author_name: "Hélène Marchand".into(),
        status: Status::Published,
        created: at,
        updated: at,
        publish_at: None,
        expires_at: None,
        version: 1,
        media: vec![Media {
            hash: blob,
            thumbnail: None,
            consent: true,
            hidden: false,
            alt: String::new(),
            width: 0,
            height: 0,
            name: format!("piece-{i}.pdf"),
        }],
        signage: false,
        details: Details::Actu,
        acknowledgement: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_exactly_its_snapshot() {
    let server = TestServer::demo().await;
    let store = server.state().content.store().clone();
    let config = (*server.state().config).clone();
    let demo_items = store.item_count().unwrap();

    // The writer: a blob, then the item that uses it, each acknowledged in order.
    let acknowledged: Arc<Mutex<Vec<(ItemId, BlobHash)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, acknowledged, stop) = (store.clone(), acknowledged.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0u128;
            while !stop.load(Ordering::Relaxed) {
                let bytes = format!("pièce jointe {i} ").repeat(200).into_bytes();
                let written = store
                    .run(move |s| {
                        let hash = s.put_blob(&bytes, "application/pdf")?;
                        let item = item(i, hash);
                        s.put_items(std::slice::from_ref(&item))?;
                        Ok((item.id, hash))
                    })
                    .await
                    .unwrap();
                acknowledged.lock().unwrap().push(written);
                i += 1;
                tokio::task::yield_now().await;
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 50 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let file = server.dir.path().join("sauvegarde.redb");
    let before = acknowledged.lock().unwrap().len();
    let (summary, progress) = {
        let (config, file) = (config.clone(), file.clone());
        tokio::task::spawn_blocking(move || {
            let mut seen = Vec::new();
            let summary = backup::backup(&config, &file, &mut |p| seen.push(p)).unwrap();
            (summary, seen)
        })
        .await
        .unwrap()
    };
    let after = acknowledged.lock().unwrap().len();
    assert!(after > before, "the writer kept writing during the backup");
    assert!(progress.len() > 1, "progress was reported: {progress:?}");
    let last = progress.last().unwrap();
    assert_eq!(last.done, last.total);
    assert!(
        !server.dir.path().read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".sauvegarde-")),
        "the server's temporary copy is gone"
    );

    // Another backup never overwrites the file.
    let again = {
        let (config, file) = (config.clone(), file.clone());
        tokio::task::spawn_blocking(move || backup::backup(&config, &file, &mut |_| {}))
            .await
            .unwrap()
    };
    assert!(matches!(again, Err(BackupError::Exists(_))));

    // Restoring over the running server's store is refused, and changes nothing.
    let refused = {
        let (config, file) = (config.clone(), file.clone());
        tokio::task::spawn_blocking(move || backup::restore(&config, &file, now(), &mut |_| {}))
            .await
            .unwrap()
    };
    assert!(
        matches!(refused, Err(BackupError::Running(_))),
        "{refused:?}"
    );

    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let written = acknowledged.lock().unwrap().clone();
    let live_epoch = store.epoch().unwrap();
    drop(store);
    let data = server.stop().await;
    let live = Store::open(&config.store_path()).unwrap();

    let target = tempfile::tempdir().unwrap();
    let target_config = test_config(target.path(), None);
    let restored = backup::restore(&target_config, &file, now(), &mut |_| {})
        .expect("restore into a new directory");
    assert!(restored.previous.is_none());
    let copy = Store::open(&target_config.store_path()).unwrap();

    // A snapshot: the items written form a prefix of the writer's sequence,
    // at least those acknowledged before the backup began, each with its blob.
    let ids = copy.all_item_ids().unwrap();
    let kept = written
        .iter()
        .take_while(|(id, _)| ids.contains(id))
        .count();
    assert!(
        kept >= before,
        "{kept} items kept, {before} acknowledged before"
    );
    assert!(
        written[kept..].iter().all(|(id, _)| !ids.contains(id)),
        "no item after the snapshot point"
    );
    assert_eq!(ids.len() as u64, demo_items + kept as u64);
    assert_eq!(summary.items, ids.len() as u64);
    assert_eq!(restored.items, ids.len() as u64);
    for (id, hash) in &written[..kept] {
        assert!(copy.get_blob(*hash).unwrap().is_some(), "blob of {id:?}");
    }

    // Every item and every blob of the copy is the live store's, exactly.
    for id in &ids {
        assert_eq!(copy.get_item(*id).unwrap(), live.get_item(*id).unwrap());
    }
    let blobs = copy.all_blob_hashes().unwrap();
    assert_eq!(blobs.len() as u64, summary.blobs);
    for hash in &blobs {
        assert_eq!(copy.get_blob(*hash).unwrap(), live.get_blob(*hash).unwrap());
    }
    assert_eq!(
        copy.current_seq(),
        summary.seq,
        "change log up to the snapshot"
    );
    assert_ne!(
        copy.epoch().unwrap(),
        live_epoch,
        "a restored store has a new epoch"
    );

    // Restoring again over a stopped store keeps the replaced one beside it.
    drop(copy);
    let again = backup::restore(&target_config, &file, now(), &mut |_| {}).unwrap();
    let previous = again.previous.expect("the replaced store is kept");
    assert!(previous.to_string_lossy().contains("avant-restauration-"));
    assert!(previous.exists());

    // A file that is not a store is refused and the store stays.
    let junk = target.path().join("pas-une-sauvegarde.redb");
    std::fs::write(&junk, b"ceci n'est pas une base").unwrap();
    let err = backup::restore(&target_config, &junk, now(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, BackupError::NotABackup { .. }), "{err}");
    assert!(Store::open(&target_config.store_path()).is_ok());
    drop(data);
}

#[tokio::test]
async fn the_command_line_backs_up_a_running_server_and_restore_refuses_it() {
    let server = TestServer::demo().await;
    let data_dir = server.state().config.data_dir.clone();
    let file = server.dir.path().join("par-la-commande.redb");
    let bin = env!("CARGO_BIN_EXE_kiosque");
    let run = |args: Vec<String>| {
        let data_dir = data_dir.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(bin)
                .args(args)
                .env("KIOSQUE_DATA_DIR", &data_dir)
                .output()
                .unwrap()
        })
    };
    let out = run(vec!["backup".into(), file.display().to_string()])
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("Sauvegarde terminée"), "{stdout}");
    assert!(stderr.contains("Sauvegarde : 100 %"), "progress: {stderr}");
    assert!(file.exists());
    let out = run(vec!["restore".into(), file.display().to_string()])
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stop it first"), "{stderr}");
    server.stop().await;
}
