//! Every `allot` command whose reader went away (`allot validate … | head`)
//! ends quietly: no panic (exit 101), no message, status 0.

use rstest::rstest;
use std::process::{Command, Stdio};

const YIXINQIAO: [&str; 6] = [
    "--layout",
    "fixtures/yixinqiao/layout.geojson",
    "--households",
    "fixtures/yixinqiao/households.csv",
    "--policy",
    "fixtures/yixinqiao/policy.json",
];

fn args(case: &'static str) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = match case {
        "validate" => vec!["validate", "fixtures/invalid/r3-overlap/layout.geojson"],
        "validate_json" => vec![
            "validate",
            "--json",
            "fixtures/invalid/r3-overlap/layout.geojson",
        ],
        "solve_json" | "solve_csv" | "solve_geojson" => vec!["solve"],
        "render" => vec!["render", "--layout", "fixtures/yixinqiao/layout.geojson"],
        "help" => vec!["--help"],
        other => panic!("unknown case {other}"),
    };
    if case.starts_with("solve") {
        v.extend(YIXINQIAO);
        v.extend(["--format", case.trim_start_matches("solve_")]);
    }
    v
}

/// A pipe whose reading end is already closed: every write to it fails with
/// EPIPE, deterministically.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

#[rstest]
#[case("validate")]
#[case("validate_json")]
#[case("solve_json")]
#[case("solve_csv")]
#[case("solve_geojson")]
#[case("render")]
#[case("help")]
fn a_closed_stdout_ends_the_command_quietly(#[case] case: &'static str) {
    let out = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(args(case))
        .stdout(closed_pipe())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{case}: {stderr}");
    assert_eq!(out.status.code(), Some(0), "{case}: {stderr}");
    if case == "validate" {
        // It ran up to its summary on stdout: the problems are on stderr.
        assert!(stderr.contains("R3-overlap"), "{stderr}");
    }
}

#[rstest]
#[case("validate")]
#[case("solve_json")]
#[case("render")]
fn closed_stdout_and_stderr_end_the_command_quietly(#[case] case: &'static str) {
    let status = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(args(case))
        .stdout(closed_pipe())
        .stderr(closed_pipe())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{case}");
}

#[test]
fn with_a_reader_the_same_command_prints_its_problems_and_fails() {
    let out = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(args("validate"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("R3-overlap"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("invalid: "));
}
