//! Builds the Python wheel, installs it into a fresh virtual environment and runs
//! its pytest suite (`test.sh`). It needs Python 3 with `venv` and PyPI (for
//! maturin, pytest and NumPy); where they are missing it prints SKIPPED and passes,
//! unless `PLAINSIGHT_REQUIRE_PYTHON=1` (as `.ci/run` sets).

use std::process::Command;

#[test]
fn the_wheel_installs_and_its_tests_pass() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/test.sh");
    let required = std::env::var("PLAINSIGHT_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let python = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        assert!(
            !required,
            "python3 with venv is required (PLAINSIGHT_REQUIRE_PYTHON=1)"
        );
        eprintln!("SKIPPED: no python3 with venv");
        return;
    }
    let out = Command::new("bash")
        .arg(script)
        .output()
        .expect("bash runs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() && !required && log.contains("pip") && log.contains("connect") {
        eprintln!("SKIPPED: PyPI unreachable for maturin/pytest\n{log}");
        return;
    }
    assert!(out.status.success(), "{log}");
    assert!(log.contains("passed"), "{log}");
}
