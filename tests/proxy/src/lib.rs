//! A fault-injecting HTTP proxy for tests and benchmarks: it forwards AWS SDK calls to an
//! emulator (moto), counts them per service action, and can answer a seeded, reproducible
//! share of them with the service's throttling error or a 5xx, and hold every answer back
//! for a fixed latency. moto serves one call at a time; with a latency the proxy still
//! serves calls concurrently, as AWS would, so parallel apply can be measured.
//!
//! The proxy runs on its own thread and runtime, so synchronous tests (driving the `drove`
//! binary) and async ones use it alike. It forwards with hyper's client; its server side
//! is a small HTTP/1.1 loop over `httparse` (the parser hyper uses), because turning on
//! hyper's `server` feature would change the features of the hyper the AWS SDK is built
//! with, and rebuild the whole SDK for every test build that uses the proxy.

pub mod action;
pub mod fault;
mod http1;

pub use action::Call;
pub use fault::Fault;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Config {
    /// Seeds the fault draws: the same sequence of calls meets the same faults.
    pub seed: u64,
    /// The share of calls (0 to 1) answered with a fault instead of being forwarded.
    pub fault_share: f64,
    /// The faults to pick from, equally likely.
    pub faults: Vec<Fault>,
    /// At most this many faults in a row for one action, so a client with that many
    /// retries always gets through (the SDK is configured with more).
    pub max_faults_in_a_row: u32,
    /// Added to every call after the emulator answered it: the call's effect exists, the
    /// caller does not know yet (a crash in that window is the interesting one).
    pub latency: Duration,
    /// When not empty, only calls of these actions meet faults.
    pub only: Vec<String>,
    /// Forward a faulted call before answering with the fault: the call takes effect but
    /// the caller sees an error, as when AWS acted and the answer was lost on the way.
    pub lose_answers: bool,
    /// Answer a GET the emulator answered before (same path and query) from that answer,
    /// until any other call: a benchmark then times the tools and the latency without the
    /// emulator's own time per call, which moto spends one call at a time.
    pub cache_reads: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 0,
            fault_share: 0.0,
            faults: vec![Fault::Throttle, Fault::InternalError, Fault::Unavailable],
            max_faults_in_a_row: 3,
            latency: Duration::ZERO,
            only: Vec::new(),
            lose_answers: false,
            cache_reads: false,
        }
    }
}

/// What the proxy has seen so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Calls per action (`CreateHostedZone`, `RunInstances`, `PUT /bucket/key`), faults included.
    pub calls: BTreeMap<String, u64>,
    /// Calls answered with a fault, per action.
    pub faults: BTreeMap<String, u64>,
    /// Fault answers per error code (`Throttling`, `PriorRequestNotComplete`, `InternalFailure`).
    pub fault_codes: BTreeMap<String, u64>,
    /// Calls received.
    pub received: u64,
    /// Calls answered by the emulator or with a fault (the answer may still be held back
    /// by the latency).
    pub answered: u64,
    /// The `ClientToken` of each query-protocol call that had one (EC2's idempotency
    /// token), with its action, in arrival order, as sent.
    pub client_tokens: Vec<(String, String)>,
    /// Reads answered from the cache (`Config::cache_reads`), not by the emulator.
    pub cached: u64,
}

impl Counts {
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }
}

struct Shared {
    upstream: String,
    config: Config,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    draws: Mutex<(StdRng, HashMap<String, u32>)>,
    counts: Mutex<Counts>,
    changed: Condvar,
    /// `Config::cache_reads`: the emulator's answers to GETs, by path and query.
    reads: Mutex<HashMap<String, Response<Full<Bytes>>>>,
}

/// A running proxy; stopped when dropped.
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, config: Config) -> std::io::Result<Proxy> {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            draws: Mutex::new((StdRng::seed_from_u64(config.seed), HashMap::new())),
            config,
            client: Client::builder(TokioExecutor::new()).build_http(),
            counts: Mutex::new(Counts::default()),
            changed: Condvar::new(),
            reads: Mutex::new(HashMap::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let served = shared.clone();
        let thread = std::thread::Builder::new().name(format!("drove-test-proxy-{port}")).spawn(move || {
            runtime.block_on(serve(listener, served, stopped));
            // Keep-alive connections of the client must not hold the stop up.
            runtime.shutdown_background();
        })?;
        Ok(Proxy { port, shared, stop: Some(stop), thread: Some(thread) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn counts(&self) -> Counts {
        self.shared.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Calls of one action so far.
    pub fn calls(&self, action: &str) -> u64 {
        self.counts().calls.get(action).copied().unwrap_or(0)
    }

    /// Waits until at least `n` calls were answered; false after `timeout`.
    pub fn wait_answered(&self, n: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let Ok(mut c) = self.shared.counts.lock() else { return false };
        while c.answered < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            c = match self.shared.changed.wait_timeout(c, left) {
                Ok((g, _)) => g,
                Err(_) => return false,
            };
        }
        true
    }

    /// Forgets the counts (between phases of a test).
    pub fn reset_counts(&self) {
        if let Ok(mut c) = self.shared.counts.lock() {
            *c = Counts::default();
        }
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, mut stopped: tokio::sync::oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(_) => continue,
            },
        };
        tokio::spawn(http1::connection(stream, shared.clone()));
    }
}

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// Draws whether this call fails and how (under the lock, so draws follow arrival order).
fn draw(shared: &Shared, action: &str) -> Option<(Fault, bool)> {
    let cfg = &shared.config;
    if cfg.fault_share <= 0.0 || cfg.faults.is_empty() || !(cfg.only.is_empty() || cfg.only.iter().any(|a| a == action))
    {
        return None;
    }
    let mut g = shared.draws.lock().ok()?;
    let (rng, streaks) = &mut *g;
    let hit = rng.gen_bool(cfg.fault_share.min(1.0));
    let which = rng.gen_range(0..cfg.faults.len());
    let alternate = rng.gen_bool(0.5);
    let streak = streaks.entry(action.to_string()).or_insert(0);
    if hit && *streak < cfg.max_faults_in_a_row {
        *streak += 1;
        Some((cfg.faults[which], alternate))
    } else {
        *streak = 0;
        None
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Bytes>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let call = action::classify(&parts.method, &path, &parts.headers, &body);
    let number = {
        let Ok(mut c) = shared.counts.lock() else { return respond(500, "text/plain", "drove-test-proxy: poisoned") };
        c.received += 1;
        *c.calls.entry(call.action.clone()).or_insert(0) += 1;
        if let Some(token) = action::form_field(&body, "ClientToken") {
            c.client_tokens.push((call.action.clone(), token));
        }
        c.received
    };
    let answer = match draw(&shared, &call.action) {
        Some((fault, alternate)) => {
            if shared.config.lose_answers {
                let _ = forward(&shared, parts, body).await;
            }
            let a = fault::answer(fault, &call, alternate, &format!("drove-test-proxy-{number}"));
            if let Ok(mut c) = shared.counts.lock() {
                *c.faults.entry(call.action.clone()).or_insert(0) += 1;
                *c.fault_codes.entry(a.code.to_string()).or_insert(0) += 1;
            }
            respond(a.status, a.content_type, a.body)
        }
        None if shared.config.cache_reads => cached_forward(&shared, parts, body).await,
        None => forward(&shared, parts, body).await,
    };
    if let Ok(mut c) = shared.counts.lock() {
        c.answered += 1;
        shared.changed.notify_all();
    }
    if !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    answer
}

/// [`forward`] through the read cache: a GET answered before is answered again from it;
/// any other call empties it first, since it may change what a read returns.
async fn cached_forward(shared: &Shared, parts: hyper::http::request::Parts, body: Bytes) -> Response<Full<Bytes>> {
    let key = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    if parts.method != hyper::Method::GET {
        if let Ok(mut reads) = shared.reads.lock() {
            reads.clear();
        }
        return forward(shared, parts, body).await;
    }
    let hit = shared.reads.lock().ok().and_then(|r| r.get(&key).map(copy));
    if let Some(answer) = hit {
        if let Ok(mut c) = shared.counts.lock() {
            c.cached += 1;
        }
        return answer;
    }
    let answer = forward(shared, parts, body).await;
    if answer.status().is_success() {
        if let Ok(mut reads) = shared.reads.lock() {
            reads.insert(key, copy(&answer));
        }
    }
    answer
}

fn copy(r: &Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let mut out = Response::new(r.body().clone());
    *out.status_mut() = r.status();
    *out.headers_mut() = r.headers().clone();
    out
}

async fn forward(shared: &Shared, parts: hyper::http::request::Parts, body: Bytes) -> Response<Full<Bytes>> {
    let target = format!("{}{}", shared.upstream, parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut req = Request::new(Full::new(body));
    *req.method_mut() = parts.method;
    *req.headers_mut() = parts.headers;
    match target.parse() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(e) => return respond(502, "text/plain", format!("drove-test-proxy: bad upstream address {target}: {e}")),
    }
    let res = match shared.client.request(req).await {
        Ok(r) => r,
        Err(e) => return respond(502, "text/plain", format!("drove-test-proxy: the upstream did not answer: {e}")),
    };
    let (mut parts, body) = res.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return respond(502, "text/plain", format!("drove-test-proxy: the upstream answer broke off: {e}")),
    };
    // The body is re-sent whole: its framing is hyper's to set again.
    for h in [hyper::header::TRANSFER_ENCODING, hyper::header::CONTENT_LENGTH, hyper::header::CONNECTION] {
        parts.headers.remove(h);
    }
    Response::from_parts(parts, Full::new(body))
}
