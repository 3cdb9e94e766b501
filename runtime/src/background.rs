//! Threads tripod runs beside the application (log flushing, Prometheus upkeep, the `/metrics`
//! listener), each stopped and joined when its handle drops.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A running background thread.
pub(crate) struct Background {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Connected to on drop, to unblock a thread waiting in `accept`.
    wake: Option<SocketAddr>,
}

impl Background {
    /// Runs `tick` every `interval` until dropped; a drop wakes a waiting thread for one last
    /// tick, or lets the tick in progress finish. Without a thread (the system refused one)
    /// nothing runs: telemetry degrades, the application does not fail.
    pub(crate) fn every(
        name: &str,
        interval: Duration,
        tick: impl Fn() + Send + 'static,
    ) -> Background {
        Background::spawn(name, None, move |stop| {
            while !stop.load(Ordering::Acquire) {
                std::thread::park_timeout(interval);
                tick();
            }
        })
        .unwrap_or(Background {
            stop: Arc::new(AtomicBool::new(true)),
            thread: None,
            wake: None,
        })
    }

    /// The thread, to wake it early with `unpark`; `None` when it could not be started.
    pub(crate) fn thread(&self) -> Option<&std::thread::Thread> {
        self.thread.as_ref().map(JoinHandle::thread)
    }

    /// Runs `body` on a thread of its own; `body` returns when its flag turns true. `wake`, when
    /// given, is connected to on drop, for a body blocked in `accept` there.
    pub(crate) fn spawn(
        name: &str,
        wake: Option<SocketAddr>,
        body: impl FnOnce(Arc<AtomicBool>) + Send + 'static,
    ) -> std::io::Result<Background> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(flag))?;
        Ok(Background {
            stop,
            thread: Some(thread),
            wake,
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(address) = self.wake {
            let _ = TcpStream::connect_timeout(&address, Duration::from_millis(200));
        }
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}
