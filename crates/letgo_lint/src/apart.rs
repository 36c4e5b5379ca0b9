//! Runs a run-wide view's construction on a pool of its own.
//!
//! The views the engine shares (lock summaries, heap growth) are built on
//! first use, inside a `OnceLock`, by whichever package's rule asks first:
//! on a worker of the engine's pool. Built there with rayon, the worker
//! would help with other jobs while it waits for its own, and one of them
//! (another package) can ask for the same cell: a re-entrant
//! initialisation, which deadlocks. So the construction runs on a plain
//! thread that the asking worker joins (it blocks, it does not steal),
//! and that thread hands its parallel work to a fresh pool whose threads
//! have room for deep trees.

/// `build()` with its rayon work on a pool of its own; the caller waits.
/// Without threads to be had, `build()` runs here, on the caller's pool.
pub fn build_apart<T: Send>(build: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(build));
    let take = || slot.lock().ok().and_then(|mut b| b.take());
    let on_pool = || {
        let build = take()?;
        Some(
            match rayon::ThreadPoolBuilder::new()
                .stack_size(letgo_go::PARSE_STACK_SIZE)
                .build()
            {
                Ok(pool) => pool.install(build),
                Err(_) => build(),
            },
        )
    };
    let built = std::thread::scope(|sc| {
        match std::thread::Builder::new()
            .stack_size(letgo_go::PARSE_STACK_SIZE)
            .spawn_scoped(sc, on_pool)
        {
            Ok(h) => match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => None,
        }
    });
    match built {
        Some(v) => v,
        None => take().map(|b| b()).expect("the build ran or is still here"),
    }
}
