//! A table of hostile and careless inputs through every subcommand: each must end
//! with exit code 2 and one `error:` line naming the problem, no panic or
//! backtrace, and the folder exactly as it was (no file written, changed or left
//! behind). Writes that could be redirected are checked after the table.

mod util;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use util::{photo_like, plainsight, save, stderr};

/// Every file under `dir` with its bytes (links as their target), to compare.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let meta = path.symlink_metadata().unwrap();
            if meta.file_type().is_symlink() {
                files.insert(
                    name,
                    fs::read_link(&path)
                        .unwrap()
                        .display()
                        .to_string()
                        .into_bytes(),
                );
            } else if meta.is_dir() {
                files.insert(name + "/", Vec::new());
                stack.push(path);
            } else {
                files.insert(name, fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// CRC-32 (PNG's), to forge a PNG header.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny file whose PNG header claims `side`×`side` pixels (a decompression bomb's
/// first step).
fn png_claiming(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    png.extend(0u32.to_be_bytes());
    png.extend(b"IDAT");
    png.extend(crc32(b"IDAT").to_be_bytes());
    png
}

fn setup(d: &Path) {
    save(&photo_like(64, 48, 1), &d.join("c.png"));
    save(&photo_like(64, 48, 2), &d.join("s.png"));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(photo_like(256, 192, 3))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    fs::write(d.join("cut.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    fs::write(d.join("photo.jpg"), &jpeg).unwrap();
    fs::write(d.join("bomb.png"), png_claiming(20_000)).unwrap();
    fs::write(d.join("text.png"), b"not an image at all").unwrap();
    fs::write(d.join("empty.png"), b"").unwrap();
    fs::create_dir(d.join("folder")).unwrap();
    fs::create_dir(d.join("demo")).unwrap();
    save(&photo_like(64, 48, 4), &d.join("demo/container.png"));
    fs::write(d.join("my.png.partial"), b"the user's own file").unwrap();
}

/// (arguments, words the one-line error must contain)
const CASES: &[(&[&str], &str)] = &[
    // Unreadable, cut short or hostile images.
    (
        &[
            "hide", "--cover", "cut.jpg", "--secret", "s.png", "--out", "o.png",
        ],
        "cut short",
    ),
    (
        &[
            "hide", "--cover", "c.png", "--secret", "cut.jpg", "--out", "o.png",
        ],
        "cut short",
    ),
    (
        &["reveal", "--stego", "cut.jpg", "--out", "r.png"],
        "cut short",
    ),
    (
        &[
            "hide", "--cover", "bomb.png", "--secret", "s.png", "--out", "o.png",
        ],
        "more than",
    ),
    (
        &[
            "hide", "--cover", "text.png", "--secret", "s.png", "--out", "o.png",
        ],
        "not a readable image",
    ),
    (
        &[
            "hide",
            "--cover",
            "empty.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
        ],
        "not a readable image",
    ),
    (
        &[
            "hide",
            "--cover",
            "nowhere.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
        ],
        "cannot read",
    ),
    (
        &[
            "hide", "--cover", "folder", "--secret", "s.png", "--out", "o.png",
        ],
        "must be one too",
    ),
    (
        &[
            "reveal", "--stego", "c.png", "--out", "r.png", "--count", "2",
        ],
        "--count",
    ),
    (
        &["inspect", "--stego", "bomb.png", "--out", "f.png"],
        "more than",
    ),
    // Outputs that must not be written.
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "folder",
        ],
        "output must be a .png",
    ),
    (
        &[
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "folder.png/",
        ],
        "folder",
    ),
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "c.png",
        ],
        "also an input",
    ),
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "s.png", "--force",
        ],
        "also an input",
    ),
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "o.jpg",
        ],
        "lossily",
    ),
    (&["reveal", "--stego", "c.png", "--out", "r.jpg"], "PNG"),
    (
        &[
            "reveal", "--stego", "c.png", "--out", "r.png", "--out", "r.png",
        ],
        "twice",
    ),
    (&["inspect", "--stego", "c.png", "--out", "f.jpg"], "PNG"),
    (
        &["demo", "--cover", "demo/container.png", "--out", "demo"],
        "also an input",
    ),
    // Counts and ranges.
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--secret", "s.png", "--secret",
            "s.png", "--secret", "s.png", "--out", "o.png",
        ],
        "at most 3",
    ),
    (
        &[
            "reveal", "--stego", "c.png", "--out", "1.png", "--out", "2.png", "--out", "3.png",
            "--out", "4.png",
        ],
        "at most 3",
    ),
    (
        &[
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
            "--jpeg-quality",
            "50",
        ],
        "--jpeg-quality",
    ),
    (
        &[
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "o.jpg",
            "--allow-lossy",
            "--model",
            "robust",
            "--jpeg-quality",
            "0",
        ],
        "--jpeg-quality",
    ),
    (
        &[
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
            "--refine-beta",
            "0.3",
        ],
        "--refine",
    ),
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "o.png", "--refine", "100000",
        ],
        "--refine",
    ),
    (
        &[
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
            "--refine=-1",
        ],
        "--refine",
    ),
    (
        &[
            "--threads",
            "0",
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
        ],
        "--threads",
    ),
    (
        &[
            "--threads",
            "100000",
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
        ],
        "--threads",
    ),
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "o.png", "--key", "",
        ],
        "empty",
    ),
    (
        &[
            "hide",
            "--cover",
            "c.png",
            "--secret",
            "s.png",
            "--out",
            "o.png",
            "--key-file",
            "nowhere.txt",
        ],
        "cannot read",
    ),
    (
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "o.png", "--model",
            "nonsense",
        ],
        "unknown model",
    ),
    (&["hide", "--cover", "c.png", "--out", "o.png"], "--secret"),
    (
        &[
            "inspect",
            "--stego",
            "c.png",
            "--out",
            "f.png",
            "--at",
            "1000,1000",
        ],
        "outside",
    ),
    (
        &[
            "inspect", "--stego", "c.png", "--out", "f.png", "--count", "0",
        ],
        "at least 1",
    ),
    (
        &[
            "inspect", "--stego", "c.png", "--out", "f.png", "--count", "4",
        ],
        "at most 3",
    ),
    (&["eval", "--data", ".", "--crop", "0"], "--crop"),
    (&["eval", "--data", ".", "--secrets", "0"], "at least 1"),
    (&["eval", "--data", ".", "--secrets", "4"], "at most 3"),
    (&["eval", "--data", ".", "--limit", "0"], "--limit"),
    (&["eval", "--data", ".", "--attack", "jpeg:0"], "--attack"),
    (&["eval", "--data", "nowhere"], "not a folder"),
    (&["eval", "--data", ".", "--method", "lsb:9"], "--method"),
    (
        &["train", "--data", ".", "--out", "run", "--batch", "0"],
        "--batch",
    ),
    (
        &["train", "--data", ".", "--out", "run", "--steps", "0"],
        "--steps",
    ),
    (
        &["train", "--data", ".", "--out", "run", "--crop", "0"],
        "--crop",
    ),
    (
        &["train", "--data", ".", "--out", "run", "--depth", "1"],
        "--depth",
    ),
    (&["train", "--data", ".", "--out", "run", "--lr=-1"], "--lr"),
    (
        &["train", "--data", ".", "--out", "run", "--time-limit", "0"],
        "--time-limit",
    ),
    (
        &["train", "--data", ".", "--out", "run", "--beta", "nan"],
        "beta",
    ),
    (
        &["train", "--data", "nowhere", "--out", "run"],
        "not a folder",
    ),
    (&["serve", "--port", "99999"], "--port"),
    (&["serve", "--max-megapixels", "0"], "--max-megapixels"),
    (&["serve", "--workers", "0"], "--workers"),
    (&["serve", "--workers", "100000"], "--workers"),
    (&["serve", "--max-request-mb", "0"], "--max-request-mb"),
    (&["nonsense"], "nonsense"),
];

#[test]
fn hostile_inputs_get_one_line_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let before = snapshot(d);
    let mut failures = Vec::new();
    for (args, needle) in CASES {
        let out = plainsight(args, d);
        let err = stderr(&out);
        let lines: Vec<&str> = err.trim_end().lines().collect();
        let problem = if out.status.code() != Some(2) {
            Some(format!("exit {:?}", out.status.code()))
        } else if lines.len() != 1 || !lines[0].starts_with("error: ") {
            Some("not one error line".to_string())
        } else if !err.contains(needle) {
            Some(format!("no '{needle}'"))
        } else if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
            Some("a panic".to_string())
        } else if snapshot(d) != before {
            Some("the folder changed".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!("{args:?}: {problem}: {err}"));
        }
        if snapshot(d) != before {
            // Start the next case from the same folder.
            let _ = fs::remove_dir_all(d);
            fs::create_dir(d).unwrap();
            setup(d);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_secret_that_cannot_be_revealed_is_exit_status_3() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let before = snapshot(d);
    // A lossy container and a model that survives only lossless files.
    for model in ["default-1", "default-3"] {
        let out = plainsight(
            &[
                "reveal",
                "--stego",
                "photo.jpg",
                "--out",
                "r.png",
                "--model",
                model,
            ],
            d,
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: ") && err.contains("is a JPEG file"),
            "{err}"
        );
    }
    assert!(snapshot(d) == before, "nothing written");
}

#[test]
fn completions_manual_and_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for shell in ["bash", "zsh", "fish"] {
        let out = plainsight(&["completions", shell], d);
        assert!(out.status.success(), "{}", stderr(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        // Every shell's script names the subcommands and their flags.
        assert!(
            script.contains("plainsight") && script.contains("cover"),
            "{shell}"
        );
    }
    let out = plainsight(&["manpage"], d);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && page.contains(".TH"), "{page}");
    assert!(
        page.contains("Exit status"),
        "the exit codes are in the manual"
    );
    setup(d);
    let loud = plainsight(
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "a.png",
        ],
        d,
    );
    assert!(loud.status.success() && stderr(&loud).contains("container PSNR"));
    let quiet = plainsight(
        &[
            "-q", "hide", "--cover", "c.png", "--secret", "s.png", "--out", "b.png",
        ],
        d,
    );
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "", "--quiet leaves stderr to errors");
    assert_eq!(
        fs::read(d.join("a.png")).unwrap(),
        fs::read(d.join("b.png")).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn writes_are_not_redirected_and_nothing_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    fs::write(d.join("victim"), b"precious").unwrap();
    std::os::unix::fs::symlink(d.join("victim"), d.join("o.png.partial")).unwrap();
    let out = plainsight(
        &[
            "hide", "--cover", "c.png", "--secret", "s.png", "--out", "o.png",
        ],
        d,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read(d.join("victim")).unwrap(), b"precious");
    assert!(!d
        .join("o.png")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read(d.join("my.png.partial")).unwrap(),
        b"the user's own file"
    );
    // A link planted at the output: refused without --force; replaced, not followed, with it.
    std::os::unix::fs::symlink(d.join("victim"), d.join("r.png")).unwrap();
    let out = plainsight(&["reveal", "--stego", "o.png", "--out", "r.png"], d);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = plainsight(
        &["reveal", "--stego", "o.png", "--out", "r.png", "--force"],
        d,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read(d.join("victim")).unwrap(), b"precious");
    let leftovers: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".plainsight-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The demo takes either photo alone.
    let out = plainsight(&["demo", "--secret", "s.png", "--out", "alone"], d);
    assert!(out.status.success(), "{}", stderr(&out));
}
