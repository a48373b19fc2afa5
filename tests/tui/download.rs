//! Start-up with the dataset missing: the download runs on the start screen with its progress in
//! bytes, then (the archive here is not the published one) stops on the failure screen with the
//! checksum error, leaving nothing in the data folder. The archive comes from a one-shot HTTP
//! server on 127.0.0.1 (made-up bytes, no MovieLens data); `WHYREC_BASE_URL` points at it, which
//! is why this test has a binary of its own.

use crate::tui_support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use tui_support::Rig;
use whyrec::tui::Phase;

/// Serves `body` once as `/ml-100k.zip`, in small writes so the client sees several chunks.
fn serve_once(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let mut out = stream;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = out.write_all(head.as_bytes());
        for chunk in body.chunks(32 * 1024) {
            if out.write_all(chunk).is_err() {
                return;
            }
            let _ = out.flush();
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    url
}

#[test]
fn a_missing_dataset_downloads_on_the_start_screen() {
    let body: Vec<u8> = (0..400_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::env::set_var("WHYREC_BASE_URL", serve_once(body));
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::new(tui_support::options(dir.path(), "ml-100k"), 120, 40);
    rig.app.start();
    let mut labels = Vec::new();
    let end = Instant::now() + Duration::from_secs(60);
    while matches!(rig.app.phase, Phase::Starting(_)) {
        assert!(Instant::now() < end, "start-up did not end");
        if let Ok(e) = rig.events.recv_timeout(Duration::from_millis(20)) {
            rig.app.on_job_event(e);
        }
        let label = match &rig.app.phase {
            Phase::Starting(s) => s.label.clone(),
            _ => continue,
        };
        if labels.last() != Some(&label) {
            let screen = rig.screen();
            // The gauge shows the label (long ones are cut by the gauge's width).
            let head: String = label.chars().take(40).collect();
            assert!(screen.contains(&head), "{screen}");
            labels.push(label);
        }
    }
    let downloads: Vec<&String> = labels
        .iter()
        .filter(|l| l.starts_with("downloading ml-100k:"))
        .collect();
    assert!(
        downloads.len() >= 3,
        "progress in several steps: {labels:?}"
    );
    assert!(
        downloads.last().unwrap().contains("of 0.4 MiB"),
        "{labels:?}"
    );
    let log = rig.app.startup_log.join("\n");
    assert!(
        log.contains("ml-100k is not in") && log.contains("downloading it from GroupLens"),
        "{log}"
    );
    let Phase::Failed(message) = &rig.app.phase else {
        panic!("{:?}", rig.app.phase)
    };
    assert!(message.contains("checksum mismatch"), "{message}");
    let screen = rig.screen();
    assert!(
        screen.contains("whyrec could not start") && screen.contains("--data-dir"),
        "{screen}"
    );
    let data = dir.path().join("data");
    let left = std::fs::read_dir(&data).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "nothing partial left in {}", data.display());
}
