//! The rayon pools the batch calls run in: one per requested thread count, built on first use
//! and kept, so `threads=` costs nothing after the first call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::prelude::*;
use rayon::ThreadPool;

use crate::arrays::count_arg;
use crate::error;

/// More workers than this is a typo, not a request (each one is an OS thread).
const MAX_THREADS: usize = 1024;

struct Pools {
    /// The process the pools were built in: after a `fork` their worker threads do not exist
    /// in the child, so a child starts afresh (the stale pools are leaked, never joined).
    pid: u32,
    /// `None` is rayon's default size (`RAYON_NUM_THREADS`, else every core).
    by_threads: HashMap<Option<usize>, Arc<ThreadPool>>,
}

fn pools() -> &'static Mutex<Pools> {
    static POOLS: OnceLock<Mutex<Pools>> = OnceLock::new();
    POOLS.get_or_init(|| {
        Mutex::new(Pools {
            pid: std::process::id(),
            by_threads: HashMap::new(),
        })
    })
}

/// Reads the `threads=` keyword: `None`, or an integer from 1 to [`MAX_THREADS`].
pub fn threads_arg(threads: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    count_arg("threads", threads, MAX_THREADS)
}

/// The pool for `threads` workers (`None`: rayon's default size).
///
/// Called with the GIL held: a Python-level `fork` also holds it, so the lock is never held
/// across a fork.
pub fn pool(threads: Option<usize>) -> PyResult<Arc<ThreadPool>> {
    let mut pools = pools().lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    if pools.pid != pid {
        std::mem::forget(std::mem::take(&mut pools.by_threads));
        pools.pid = pid;
    }
    if let Some(p) = pools.by_threads.get(&threads) {
        return Ok(p.clone());
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .thread_name(|i| format!("nngrad-{i}"))
        .build()
        .map_err(|e| error(format!("cannot start a pool of {threads:?} threads: {e}")))?;
    let built = Arc::new(built);
    pools.by_threads.insert(threads, built.clone());
    Ok(built)
}
