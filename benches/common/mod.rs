//! What the benchmarks share: the layout IIS writes keys in, and measuring a command as a whole
//! process from a small helper (this benchmark's binary again, `--spawn`), so its peak memory is
//! its own. Included by each benchmark with `mod common;`.

#![allow(dead_code)] // each benchmark uses its part

use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub const INETSRV: &str = "C:\\WINDOWS\\system32\\inetsrv";
pub const FW64: &str = "C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727";

/// Copies test image `image` (under `images`) to `path` on the drive copy at `root`.
pub fn put(root: &Path, path: &str, images: &Path, image: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::copy(images.join(image), full).unwrap();
}

/// A key's attribute lines, sorted by name as IIS writes them.
pub fn attr_lines(out: &mut String, attrs: &[(&str, String)]) {
    let mut sorted: Vec<&(&str, String)> = attrs.iter().collect();
    sorted.sort_by_key(|(n, _)| n.to_ascii_lowercase());
    for (name, value) in sorted {
        out.push_str(&format!("\t\t{name}=\"{value}\"\r\n"));
    }
}

/// A key with its attributes and no children, in IIS's layout (CRLF, tabs, `Location =`).
pub fn key(out: &mut String, key_type: &str, location: &str, attrs: &[(&str, String)]) {
    out.push_str(&format!("<{key_type}\tLocation =\"{location}\"\r\n"));
    attr_lines(out, attrs);
    out.push_str(&format!("\t>\r\n</{key_type}>\r\n"));
}

/// Handles `--spawn` (see [`measure`]): true when this process was the helper and has done its job.
pub fn spawned(args: &[String]) -> bool {
    if args.get(1).is_some_and(|a| a == "--spawn") {
        spawn(&args[2..]);
        return true;
    }
    false
}

/// One measured run: wall seconds, peak resident memory in bytes, and the bytes it wrote to stdout.
pub struct Sample {
    pub secs: f64,
    /// User plus system CPU seconds.
    pub cpu: f64,
    pub peak: u64,
    pub out: u64,
}

/// Runs a command with its stdout in `out` (a file, as a user redirecting it would). It is started
/// from a small helper process (this program again, `--spawn`): Linux carries a process's peak
/// memory across `exec`, so a child forked from this generator, which holds whole metabases, would
/// report the generator's peak as its own.
pub fn measure(cmd: &mut Command, out: &Path) -> Sample {
    let me = std::env::current_exe().unwrap();
    let mut helper = Command::new(me);
    helper
        .arg("--spawn")
        .arg(out)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    let output = helper.stderr(std::process::Stdio::inherit()).output().unwrap();
    assert!(output.status.success(), "{cmd:?} failed");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut fields = text.split_whitespace();
    let secs: f64 = fields.next().unwrap().parse().unwrap();
    let peak: u64 = fields.next().unwrap().parse().unwrap();
    let cpu: f64 = fields.next().unwrap().parse().unwrap();
    Sample {
        secs,
        cpu,
        peak,
        out: std::fs::metadata(out).map_or(0, |m| m.len()),
    }
}

/// The helper: runs PROGRAM ARGS with stdout to OUT, prints wall seconds, peak bytes and CPU seconds.
fn spawn(args: &[String]) {
    let out = Path::new(&args[0]);
    let mut cmd = Command::new(&args[1]);
    cmd.args(&args[2..]);
    let (secs, peak, cpu) = run_direct(&mut cmd, out);
    println!("{secs} {peak} {cpu}");
}

#[cfg(unix)]
#[allow(clippy::zombie_processes)] // reaped by wait4, which also reports the child's peak memory
fn run_direct(cmd: &mut Command, out: &Path) -> (f64, u64, f64) {
    let file = std::fs::File::create(out).unwrap();
    let start = Instant::now();
    let child = cmd.stdout(file).stderr(std::process::Stdio::null()).spawn().unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let secs = start.elapsed().as_secs_f64();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
        "{cmd:?} failed: status {status}"
    );
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    (secs, usage.ru_maxrss as u64 * 1024, cpu)
}

#[cfg(not(unix))]
fn run_direct(cmd: &mut Command, out: &Path) -> (f64, u64, f64) {
    let file = std::fs::File::create(out).unwrap();
    let start = Instant::now();
    cmd.stdout(file).stderr(std::process::Stdio::null()).status().unwrap();
    let secs = start.elapsed().as_secs_f64();
    (secs, 0, secs)
}
