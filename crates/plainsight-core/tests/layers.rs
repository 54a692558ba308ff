//! The core's layers (see the crate docs and docs/architecture.md): each top-level
//! module may use only the modules listed before it, and the files inside one
//! folder use each other without cycles. Unit tests (`#[cfg(test)] mod tests` at
//! the end of a file) may reach any layer and are not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Bottom to top.
const LAYERS: &[&[&str]] = &[
    &["error", "backend", "pixels", "hider"],
    &["channel", "code"],
    &["analysis"],
    &["model"],
    &["hiding", "baselines"],
    &["train"],
];

fn rank(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS"))
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/hiding/rounding/mod.rs` → `["hiding", "rounding"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The file without its unit tests and comments.
fn code_of(text: &str) -> String {
    let without_tests = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    without_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b…` path in `code`, as its segments.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `plainsight_crate::` or similar
        }
        let mut segments = Vec::new();
        for piece in rest.split("::") {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let whole = name.len() == piece.len();
            if !name.is_empty() {
                segments.push(name);
            }
            if !whole || segments.is_empty() {
                break;
            }
        }
        paths.push(segments);
    }
    paths
}

fn is_module(known: &BTreeSet<Vec<String>>, path: &[String]) -> bool {
    known.contains(path)
}

/// What breaks the layering under `src`: upward imports, then a cycle if any.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    source_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| {
            (
                module_path(src, f),
                code_of(&fs::read_to_string(f).unwrap()),
            )
        })
        .collect();
    let known: BTreeSet<Vec<String>> = modules.keys().cloned().collect();
    let mut upward = Vec::new();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, code) in &modules {
        let Some(top) = module.first() else {
            continue; // lib.rs re-exports everything
        };
        for path in crate_paths(code) {
            // Items re-exported at the crate root are named by their home module.
            let target: Vec<String> = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| is_module(&known, prefix))
                .unwrap_or_else(|| match path.first().map(String::as_str) {
                    Some("Hider") => vec!["hider".to_string()],
                    Some("Stego" | "Pipeline") => vec!["hiding".to_string()],
                    Some("RgbImage") => vec!["pixels".to_string()],
                    Some("Error" | "Result") => vec!["error".to_string()],
                    Some("CpuBackend" | "CpuTrainBackend") => vec!["backend".to_string()],
                    Some("StegoConfig" | "Architecture" | "MAX_SECRETS" | "check_secret_count") => {
                        vec!["model".to_string()]
                    }
                    _ => panic!("{module:?}: cannot place crate::{}", path.join("::")),
                });
            if rank(&target[0]) > rank(top) {
                upward.push(format!(
                    "{} uses crate::{}",
                    module.join("::"),
                    path.join("::")
                ));
            }
            if target[0] == *top && target != *module && !module.starts_with(&target) {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    if !upward.is_empty() {
        return upward;
    }

    // Depth-first search for a cycle among the files of one folder.
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, bool>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        match state.get(node) {
            Some(true) => {
                let from = stack.iter().position(|n| n == node).unwrap();
                return Some(stack[from..].to_vec());
            }
            Some(false) => return None,
            None => {}
        }
        state.insert(node.clone(), true);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, state, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        state.insert(node.clone(), false);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, &edges, &mut state, &mut Vec::new()) {
            let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
            return vec![format!(
                "files use each other in a circle: {}",
                names.join(" -> ")
            )];
        }
    }
    Vec::new()
}

#[test]
fn modules_only_use_the_layers_below_them_and_files_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// A tree with the given files, under the system's temporary folder.
fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("plainsight-layers-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    for (path, text) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    root
}

#[test]
fn the_checker_finds_an_upward_import_and_a_cycle() {
    let clean = tree(
        "clean",
        &[
            ("lib.rs", "pub mod pixels; pub mod hiding;"),
            (
                "pixels.rs",
                "use crate::error::Result;\n#[cfg(test)]\nmod tests { use crate::hiding::a; }",
            ),
            ("error.rs", ""),
            ("hiding/mod.rs", "pub mod a; pub mod b;"),
            ("hiding/a.rs", "use crate::hiding::b::X;"),
            ("hiding/b.rs", "use crate::pixels::RgbImage;"),
        ],
    );
    assert_eq!(violations(&clean), Vec::<String>::new());
    let upward = tree(
        "upward",
        &[
            (
                "pixels.rs",
                "// crate::train is fine in a comment\nuse crate::train::Options;",
            ),
            ("train/mod.rs", ""),
        ],
    );
    assert_eq!(violations(&upward), ["pixels uses crate::train::Options"]);
    let circle = tree(
        "circle",
        &[
            ("hiding/mod.rs", ""),
            ("hiding/a.rs", "use crate::hiding::b::X;"),
            ("hiding/b.rs", "fn f() { crate::hiding::a::g() }"),
        ],
    );
    let found = violations(&circle);
    assert!(found.len() == 1 && found[0].contains("circle"), "{found:?}");
    for dir in [clean, upward, circle] {
        let _ = fs::remove_dir_all(dir);
    }
}

#[test]
fn the_checker_sees_paths() {
    let paths = crate_paths("use crate::hiding::keys::Key;\nlet x = crate::pixels::to_byte(1.0);");
    assert_eq!(paths[0], ["hiding", "keys", "Key"]);
    assert_eq!(paths[1], ["pixels", "to_byte"]);
    assert_eq!(
        code_of("a\n// crate::x\n#[cfg(test)]\nmod tests { crate::y }"),
        "a"
    );
}
