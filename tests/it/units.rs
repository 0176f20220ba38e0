//! The systemd units in `systemd/`: `systemd-analyze verify` accepts every one
//! (with the binaries they start pointed at ones that exist here), and the
//! service's sandbox keeps `systemd-analyze security` exposure at 2.0 or less.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kiosque");

fn units_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/systemd"))
}

/// The units, copied with `ExecStart` binaries that exist on this machine
/// (verify refuses a unit whose command is missing).
fn copies(dir: &Path) -> Vec<String> {
    let cage = if Path::new("/usr/bin/cage").exists() {
        "/usr/bin/cage"
    } else {
        "/bin/true"
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(units_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !(name.ends_with(".service") || name.ends_with(".socket")) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("/usr/bin/kiosque", BIN)
            .replace("/usr/bin/cage", cage);
        std::fs::write(dir.join(&name), text).unwrap();
        names.push(name);
    }
    names.sort();
    names
}

fn systemd_analyze(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("systemd-analyze")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("systemd-analyze is missing: apt-get install systemd (scripts/test does)")
}

#[test]
fn every_unit_passes_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let names = copies(dir.path());
    for wanted in [
        "kiosque.service",
        "kiosque.socket",
        "kiosque-redirect.socket",
        "kiosque-borne.service",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in systemd/");
    }
    let mut args = vec!["verify", "--man=no"];
    args.extend(names.iter().map(String::as_str));
    let out = systemd_analyze(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.trim().is_empty(), "warnings: {stderr}");
}

#[test]
fn the_service_exposure_is_at_most_two() {
    let dir = tempfile::tempdir().unwrap();
    copies(dir.path());
    let out = systemd_analyze(
        dir.path(),
        &[
            "security",
            "--offline=true",
            "--no-pager",
            "kiosque.service",
        ],
    );
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let exposure: f64 = text
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for kiosque.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no exposure in {text}"))
        .parse()
        .unwrap();
    assert!(exposure <= 2.0, "exposure {exposure}:\n{text}");
}
