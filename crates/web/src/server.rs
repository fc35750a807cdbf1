//! The HTTP server around the router: connections that send no complete request header in time
//! (also idle keep-alive connections between requests) are closed, and no more connections are
//! served at once than the process's file limit allows, so a flood of idle sockets cannot make
//! Presidio unreachable: once they time out, `/readyz` and everything else answer again.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// How a server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// The longest wait for a complete request header, and the longest idle keep-alive.
    pub header_timeout: Duration,
    /// Connections served at once; further ones wait in the listen queue.
    pub max_connections: usize,
}

/// File descriptors kept for the database, the log, the anchors and the like.
const RESERVED_FILES: usize = 64;

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(15),
            max_connections: connections_for(open_files_limit()),
        }
    }
}

/// The connections a process allowed `files` open files may serve at once.
pub fn connections_for(files: usize) -> usize {
    files.saturating_sub(RESERVED_FILES).max(16)
}

/// The soft limit on open files of this process (Linux: `/proc/self/limits`), 1024 when it
/// cannot be read.
pub fn open_files_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|soft| soft.parse().ok())
        })
        .unwrap_or(1024)
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the open requests finish
/// (at most 10 seconds).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(
        max_connections = limits.max_connections,
        header_timeout_s = limits.header_timeout.as_secs(),
        "connection limits"
    );
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of descriptors or the like: wait a moment instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |mut req: Request<Incoming>| {
            req.extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(remote));
            req.map(Body::new)
        });
        let mut stop = stop_rx.clone();
        let timeout = limits.header_timeout;
        tasks.spawn(async move {
            let _permit = permit;
            // HTTP/1.1 only (behind a proxy for TLS and HTTP/2): the header timer starts as soon
            // as the connection waits for a request, where protocol detection would wait for
            // the first byte with no timer at all.
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(timeout)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let mut conn = pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
        // Forget the connections that ended.
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}
