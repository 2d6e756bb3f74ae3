//! A scan of the crate's own code and of the emulator's core and wasm host
//! (tests excluded) for what can panic on the request path: `unwrap`,
//! `expect`, panicking macros and indexing. A panic in wasm poisons the
//! instance (the client's, or the in-process emulator's behind `emu.fetch`),
//! so each remaining site must be listed here with the reason it cannot fire.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::Path;

/// (file, code fragment, why it cannot panic)
const JUSTIFIED: &[(&str, &str, &str)] = &[
    ("src/core/path.rs", "HEX[(byte >> 4) as usize]", "a u8 shifted right by 4 is below 16; HEX has 16 entries"),
    ("src/core/path.rs", "HEX[(byte & 0xf) as usize]", "a value masked with 0xf is below 16; HEX has 16 entries"),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_suspect(code: &str) -> bool {
    let needles = [".unwrap()", ".expect(", "panic!", "unreachable!", "todo!", "unimplemented!"];
    if needles.iter().any(|n| code.contains(n)) {
        return true;
    }
    // Indexing: an identifier or `)` directly followed by `[` and no space
    // (type syntax like `[u8; 16]` and attributes `#[` do not match).
    let bytes = code.as_bytes();
    bytes.windows(2).enumerate().any(|(i, w)| {
        (w[0].is_ascii_alphanumeric() || w[0] == b'_' || w[0] == b')') && w[1] == b'[' && bytes.get(i + 2).is_some_and(|c| *c != b']' && *c != b' ')
    })
}

#[test]
fn no_unjustified_panic_sites_in_the_client_or_the_emulator_core() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("emulator/core/src"), &mut files);
    rust_files(&root.join("emulator/wasm/src"), &mut files);
    assert!(files.len() > 10, "the scan found the sources");
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let rel = file.strip_prefix(root).unwrap_or(&file).to_string_lossy().replace('\\', "/");
        for (n, line) in code.lines().enumerate() {
            let code_part = line.split("//").next().unwrap_or("");
            // format strings such as "volumes[{i}]" are text, not indexing.
            let without_strings: String = code_part.split('"').step_by(2).collect::<Vec<_>>().join("\"\"");
            if is_suspect(&without_strings) && !JUSTIFIED.iter().any(|(f, frag, _)| rel == *f && line.contains(frag)) {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "possible panics on the request path:\n{}", found.join("\n"));
}
