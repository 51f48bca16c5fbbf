//! The real `tether` binary in processes of its own: for the restart test and, through
//! `#[path]`, the sweep benchmark.
#![allow(dead_code)] // each user takes its own part of this helper

use serde_json::{json, Value};
use std::io::Write;
use std::process::{Child, Command, ExitStatus, Stdio};

/// A child process that is killed when dropped, so a failing test or benchmark leaves
/// nothing running.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Sends `signal` (such as "TERM" or "KILL") and waits for the process to end.
    pub fn signal(&mut self, signal: &str) -> ExitStatus {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.0.wait().unwrap()
    }

    /// Peak resident set size in MiB, from the kernel's high-water mark.
    pub fn peak_rss_mib(&self) -> f64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    /// CPU time used so far (user + system), in seconds.
    pub fn cpu_secs(&self) -> f64 {
        cpu_secs_of(self.0.id())
    }
}

/// CPU time process `pid` has used so far (user + system), in seconds.
pub fn cpu_secs_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat_cpu_secs(&stat, false).map_or(f64::NAN, |(_, secs)| secs)
}

/// The command name and CPU seconds (user + system; with `reaped`, also what the process
/// reaped of its ended children) in the text of a `/proc/<pid>/stat`.
pub fn stat_cpu_secs(stat: &str, reaped: bool) -> Option<(&str, f64)> {
    let (pid_and_name, rest) = stat.rsplit_once(')')?;
    let name = pid_and_name.split_once('(')?.1;
    // Fields after the command name (which may hold spaces): utime, stime, cutime and
    // cstime are the 12th to 15th, in USER_HZ ticks (100 per second on Linux).
    let wanted = if reaped { 4 } else { 2 };
    let ticks: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(wanted)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    (ticks.len() == wanted).then(|| (name, ticks.iter().sum::<f64>() / 100.0))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tether sandbox` on `port`, its consent pages sending people back to `tether_url`.
pub fn sandbox(port: u16, tether_url: &str, client_secret: &str) -> Running {
    Running(
        Command::new(env!("CARGO_BIN_EXE_tether"))
            .args([
                "sandbox",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--tether-url",
                tether_url,
            ])
            .env_clear()
            .env("TETHER_SANDBOX_CLIENT_SECRET", client_secret)
            .env("TETHER_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("tether sandbox starts"),
    )
}

/// Runs a `tether` command to its end with `stdin`; returns what it printed, or fails with
/// what it said on stderr.
pub fn run(mut command: Command, stdin: &[u8]) -> String {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    let args: Vec<_> = command.get_args().collect();
    assert!(
        output.status.success(),
        "tether {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A line for `tether import` from an account the sandbox minted, its access token
/// expiring in `expires_in` seconds.
pub fn import_line(network: &str, kind: &str, minted: &Value, expires_in: i64) -> String {
    json!({
        "network": network,
        "kind": kind,
        "account_id": minted["person"],
        "handle": minted["handle"],
        "access_token": minted["tokens"]["access_token"],
        "refresh_token": minted["tokens"]["refresh_token"],
        "scope": minted["tokens"]["scope"],
        "expires_in": expires_in,
    })
    .to_string()
}
