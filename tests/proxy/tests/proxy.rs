//! The proxy against a one-call-at-a-time upstream (as moto is): counting per action,
//! seeded faults in each protocol's shape, the cap on faults in a row, and latency that
//! overlaps across concurrent calls.

use drove_test_proxy::{Config, Fault, Proxy};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Answers `ok` to every request, one at a time.
fn upstream() -> String {
    serve(|_| "ok".to_string())
}

/// Answers each request with its number (1, 2, …), one at a time.
fn numbering_upstream() -> String {
    serve(|n| (n + 1).to_string())
}

/// An upstream answering the `n`th request (from 0) with `body(n)`, one at a time.
fn serve(body: impl Fn(usize) -> String + Send + 'static) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (n, s) in l.incoming().enumerate() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut request = vec![0; len];
            let _ = r.read_exact(&mut request);
            let text = body(n);
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}", text.len());
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn signed(service: &str) -> String {
    format!("Authorization: AWS4-HMAC-SHA256 Credential=testing/20261126/ap-northeast-1/{service}/aws4_request, SignedHeaders=host, Signature=00\r\n")
}

/// One request; the status and the body.
fn call(port: u16, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, out.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

#[test]
fn forwards_and_counts_per_action() {
    let p = Proxy::start(&upstream(), Config::default()).unwrap();
    assert_eq!(
        call(p.port(), "POST", "/", &signed("ec2"), "Action=RunInstances&Version=2016-11-15"),
        (200, "ok".into())
    );
    call(p.port(), "POST", "/", &signed("ec2"), "Action=RunInstances&Version=2016-11-15");
    call(p.port(), "POST", "/2013-04-01/hostedzone", &signed("route53"), "<x/>");
    let c = p.counts();
    assert_eq!(c.calls.get("RunInstances"), Some(&2));
    assert_eq!(p.calls("CreateHostedZone"), 1);
    assert_eq!((c.received, c.answered, c.total_faults()), (3, 3, 0));
}

/// The fault answers of a run, in order.
fn fault_run(seed: u64) -> Vec<(u16, String)> {
    let cfg = Config { seed, fault_share: 0.5, max_faults_in_a_row: 100, ..Config::default() };
    let p = Proxy::start(&upstream(), cfg).unwrap();
    (0..40).map(|_| call(p.port(), "POST", "/2013-04-01/hostedzone/Z1/rrset", &signed("route53"), "<x/>")).collect()
}

#[test]
fn faults_are_seeded_and_shaped_like_the_service() {
    let a = fault_run(7);
    assert_eq!(a, fault_run(7), "the same seed gives the same faults");
    assert_ne!(a, fault_run(8));
    let failed = a.iter().filter(|(s, _)| *s != 200).count();
    assert!((10..=30).contains(&failed), "about half of 40 calls fail: {failed}");
    let bodies: Vec<&str> = a.iter().map(|(_, b)| b.as_str()).collect();
    for code in [
        "<Code>Throttling</Code>",
        "<Code>PriorRequestNotComplete</Code>",
        "<Code>InternalFailure</Code>",
        "<Code>ServiceUnavailable</Code>",
    ] {
        assert!(bodies.iter().any(|b| b.contains(code)), "{code} among the answers");
    }
    assert!(a.iter().all(|(s, b)| *s == 200
        || b.starts_with(
            "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
        )));
    assert!(a.iter().filter(|(_, b)| b.contains("Throttling") || b.contains("PriorRequest")).all(|(s, _)| *s == 400));
}

#[test]
fn each_protocol_gets_its_own_throttling_error() {
    let cfg = Config { fault_share: 1.0, faults: vec![Fault::Throttle], max_faults_in_a_row: 2, ..Config::default() };
    let p = Proxy::start(&upstream(), cfg).unwrap();
    let ec2 = call(p.port(), "POST", "/", &signed("ec2"), "Action=DescribeVpcs&Version=2016-11-15");
    assert_eq!(ec2.0, 503);
    assert!(ec2.1.contains("<Response><Errors><Error><Code>RequestLimitExceeded</Code>"), "{}", ec2.1);
    let json = call(
        p.port(),
        "POST",
        "/",
        &format!("{}x-amz-target: DynamoDB_20120810.PutItem\r\n", signed("dynamodb")),
        "{}",
    );
    assert_eq!(json, (400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into()));
    let s3 = call(p.port(), "PUT", "/bucket/key", &signed("s3"), "{}");
    assert_eq!(s3.0, 503);
    assert!(s3.1.contains("<Error><Code>SlowDown</Code>"), "{}", s3.1);
    // Every call of DescribeVpcs is throttled, but never more than twice in a row.
    let third: Vec<u16> =
        (0..4).map(|_| call(p.port(), "POST", "/", &signed("ec2"), "Action=DescribeVpcs").0).collect();
    assert_eq!(third, [503, 200, 503, 503]);
    assert_eq!(p.counts().faults.get("DescribeVpcs"), Some(&4));
}

#[test]
fn latency_overlaps_across_concurrent_calls() {
    let p = Proxy::start(&upstream(), Config { latency: Duration::from_millis(300), ..Config::default() }).unwrap();
    let port = p.port();
    let started = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(move || call(port, "POST", "/", &signed("ec2"), "Action=RunInstances")))
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().0, 200);
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(1500),
        "8 calls of 300 ms at once took {took:?}"
    );
    assert!(p.wait_answered(8, Duration::from_secs(1)));
    assert!(!p.wait_answered(9, Duration::from_millis(50)));
    p.stop();
}

#[test]
fn cached_reads_repeat_the_first_answer_until_anything_else_is_called() {
    let p = Proxy::start(&numbering_upstream(), Config { cache_reads: true, ..Config::default() }).unwrap();
    let r53 = signed("route53");
    let get = |path: &str| call(p.port(), "GET", path, &r53, "").1;
    assert_eq!(get("/2013-04-01/hostedzone/Z1/rrset?maxitems=300"), "1");
    assert_eq!(get("/2013-04-01/hostedzone/Z1/rrset?maxitems=300"), "1");
    // Another query is another read.
    assert_eq!(get("/2013-04-01/hostedzone/Z1/rrset?maxitems=300&name=b."), "2");
    assert_eq!(p.counts().cached, 1);
    // A change empties the cache: the next read reaches the upstream again.
    call(p.port(), "POST", "/2013-04-01/hostedzone/Z1/rrset", &r53, "<x/>");
    assert_eq!(get("/2013-04-01/hostedzone/Z1/rrset?maxitems=300"), "4");
    assert_eq!(p.calls("ListResourceRecordSets"), 4);

    // Without the option every read reaches the upstream.
    let plain = Proxy::start(&numbering_upstream(), Config::default()).unwrap();
    let first = call(plain.port(), "GET", "/2013-04-01/hostedzone/Z1/rrset", &r53, "").1;
    let second = call(plain.port(), "GET", "/2013-04-01/hostedzone/Z1/rrset", &r53, "").1;
    assert_eq!((first.as_str(), second.as_str()), ("1", "2"));
}
