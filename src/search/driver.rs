//! The background indexer: builds the index when it is missing, then follows
//! the store's change log and the annuaire until the server stops. Errors are
//! logged and retried; search never takes the intranet down with it.

use std::time::{Duration, Instant};
use tokio::sync::watch;

use super::Search;
use crate::store::Store;

/// How often the change log is looked at (an atomic read when nothing changed).
const POLL: Duration = Duration::from_millis(200);

/// How often the annuaire is compared with what is indexed of it.
const PEOPLE_EVERY: Duration = Duration::from_secs(60);

/// Runs until `stopped` turns true.
pub async fn keep_up_to_date(search: Search, store: Store, mut stopped: watch::Receiver<bool>) {
    if !search.is_complete() {
        let (search, store) = (search.clone(), store.clone());
        let built = tokio::task::spawn_blocking(move || build_with_logs(&search, &store)).await;
        match built {
            Ok(Ok(_)) => {}
            Ok(Err(super::SearchError::Halted)) => return,
            // What is missing comes back through the change log below.
            Ok(Err(e)) => tracing::error!(error = %e, "search index build failed"),
            Err(e) => tracing::error!(error = %e, "search index build stopped"),
        }
    }
    let mut people_checked = Instant::now();
    let mut failures = 0u32;
    loop {
        let pause = POLL * 2u32.pow(failures.min(6));
        tokio::select! {
            _ = stopped.changed() => return,
            () = tokio::time::sleep(pause) => {}
        }
        let people_due = people_checked.elapsed() >= PEOPLE_EVERY;
        if store.current_seq() == search.indexed_seq() && !people_due {
            continue;
        }
        let (s, st) = (search.clone(), store.clone());
        let outcome = tokio::task::spawn_blocking(move || {
            let applied = s.catch_up(&st)?;
            let people = if people_due {
                s.refresh_people(&st)?
            } else {
                false
            };
            Ok::<_, super::SearchError>((applied, people))
        })
        .await;
        if people_due {
            people_checked = Instant::now();
        }
        match outcome {
            Ok(Ok((applied, people))) => {
                failures = 0;
                if applied > 0 {
                    tracing::debug!(applied, seq = search.indexed_seq(), "search index updated");
                }
                if people {
                    tracing::info!("search index: annuaire updated");
                }
            }
            Ok(Err(super::SearchError::Halted)) => return,
            Ok(Err(e)) => {
                failures += 1;
                tracing::warn!(error = %e, "search index update failed; will retry");
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %e, "search index task failed; will retry");
            }
        }
    }
}

/// A full build with progress in the log (about every tenth).
pub fn build_with_logs(search: &Search, store: &Store) -> super::Result<super::BuildReport> {
    tracing::info!("building the search index");
    let mut next_report = 0u64;
    let report = search.build(store, &mut |done, total| {
        if done >= next_report && total > 0 {
            tracing::info!(
                done,
                total,
                percent = done * 100 / total,
                "search index build"
            );
            next_report = done + (total / 10).max(1);
        }
    })?;
    tracing::info!(
        items = report.items,
        people = report.people,
        seconds = report.elapsed.as_secs_f64(),
        bytes = report.bytes,
        "search index built"
    );
    Ok(report)
}
