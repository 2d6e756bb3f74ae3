//! No import circles between modules. A circle makes two modules one in all
//! but name: neither can be read, tested or moved without the other, and a
//! hub that everything imports and that imports everything hides them all.
//!
//! The graph is read from the sources, not from the compiler: a module is a
//! file (`x.rs`, `x/mod.rs`, `lib.rs` for the root), and module A depends on
//! module B when A's code (comments, string literals and `#[cfg(test)]`
//! items left out) names a path into B: `use crate::b::...`, an inline
//! `crate::b::f()`, `super::b`, `self::b`, a bare child module (`b::f()` in
//! its parent), or an alias a `use` made for a module. A path resolves to the
//! deepest module it walks through, so `crate::core::x::Y` is module `core/x`
//! and `crate::core::Value` is `core` itself (its `mod.rs`). Declaring a
//! child (`mod b;`) is not a dependency.
//!
//! The emulator core and the client crate's `src/` are each checked by a
//! test of their own.
//!
//! Why not cargo-modules (`dependencies --acyclic`): its graph has the edges
//! of `use` items and of signatures but not of paths inside function bodies,
//! so a circle made by a call such as `crate::vms::answer(..)` passes it; its
//! `--acyclic` also counts a type and its own methods as a circle; and its
//! compile time was measured (CONTRIBUTING's "Decisions").

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// A module: its path from the crate root (`["core", "x"]`; empty for the root).
type Module = Vec<String>;

/// Module -> the modules it depends on, each with where the first such use is
/// (`file:line`).
type Graph = BTreeMap<Module, BTreeMap<Module, String>>;

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "lib".to_string()
    } else {
        m.join("/")
    }
}

/// The module a source file is, from its path relative to `src/`.
fn module_of(rel: &str) -> Option<Module> {
    let rel = rel.strip_suffix(".rs")?;
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    match parts.last().map(String::as_str) {
        Some("lib") if parts.len() == 1 => Some(Vec::new()),
        Some("main") if parts.len() == 1 => None,
        Some("mod") => {
            parts.pop();
            Some(parts)
        }
        _ => Some(parts),
    }
}

// ---- reading the sources

/// The text with comments and string and char literals blanked out (newlines
/// kept, so lines still count), then `#[cfg(test)]` items blanked too.
fn code_of(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let ident = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && next == Some('r'))) && !ident(out.last()) && raw_string_len(&chars[i..]).is_some() {
            i += raw_string_len(&chars[i..]).unwrap_or(1);
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c);
            i += 1;
            continue;
        }
        let end = i.min(chars.len());
        out.extend(chars[start..end].iter().map(|c| blank(*c)));
    }
    without_test_items(out)
}

/// The length of a raw string literal (`r"..."`, `br#"..."#`) at the start of
/// `s`, if one starts there.
fn raw_string_len(s: &[char]) -> Option<usize> {
    let mut i = if s.first() == Some(&'b') { 2 } else { 1 };
    let mut hashes = 0;
    while s.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if s.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < s.len() {
        if s[i] == '"' && (1..=hashes).all(|k| s.get(i + k) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(s.len())
}

/// Blanks each item marked `#[cfg(test)]`: up to its `;`, or through its
/// `{ ... }` block.
fn without_test_items(mut code: Vec<char>) -> String {
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + marker.len() <= code.len() {
        if code[i..i + marker.len()] != marker[..] {
            i += 1;
            continue;
        }
        let mut j = i + marker.len();
        let mut depth = 0usize;
        while j < code.len() {
            match code[j] {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        let end = (j + 1).min(code.len());
        for c in &mut code[i..end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = j + 1;
    }
    code.into_iter().collect()
}

/// A `use` tree expanded into its paths; `as` renames are kept as the last
/// element of the pair. `use a::{self, b::C as D}` gives `a::self` and
/// `a::b::C` (alias `D`).
fn expand_use(tree: &str) -> Vec<(Vec<String>, Option<String>)> {
    fn walk(tokens: &[String], at: &mut usize, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
        let mut path = prefix.to_vec();
        while let Some(t) = tokens.get(*at) {
            match t.as_str() {
                "{" => {
                    *at += 1;
                    loop {
                        match tokens.get(*at).map(String::as_str) {
                            None => return,
                            Some("}") => {
                                *at += 1;
                                return;
                            }
                            Some(",") => *at += 1,
                            Some(_) => walk(tokens, at, &path, out),
                        }
                    }
                }
                "," | "}" => break,
                "::" => *at += 1,
                "as" => {
                    out.push((path, tokens.get(*at + 1).cloned()));
                    *at += 2;
                    return;
                }
                _ => {
                    path.push(t.clone());
                    *at += 1;
                }
            }
        }
        if path.len() > prefix.len() {
            out.push((path, None));
        }
    }
    let mut tokens = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = tree.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' || c == '*' {
            word.push(c);
        } else {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push("::".into());
                i += 1;
            } else if matches!(c, '{' | '}' | ',') {
                tokens.push(c.to_string());
            }
        }
        i += 1;
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    let mut out = Vec::new();
    walk(&tokens, &mut 0, &[], &mut out);
    out
}

/// Where a path leads from module `current`: the deepest known module it
/// walks through, or `None` when it leaves the crate (`std::...`, `serde_json::...`).
fn resolve(current: &[String], path: &[String], modules: &BTreeSet<Module>, aliases: &BTreeMap<String, Module>) -> Option<Module> {
    let first = path.first()?;
    let (mut base, rest): (Module, &[String]) = match first.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (current.to_vec(), &path[1..]),
        "super" => {
            let mut base = current.to_vec();
            let ups = path.iter().take_while(|s| *s == "super").count();
            for _ in 0..ups {
                base.pop()?;
            }
            (base, &path[ups..])
        }
        _ => {
            let mut child = current.to_vec();
            child.push(first.clone());
            if modules.contains(&child) {
                (child, &path[1..])
            } else {
                (aliases.get(first)?.clone(), &path[1..])
            }
        }
    };
    for seg in rest {
        let mut next = base.clone();
        next.push(seg.clone());
        if !modules.contains(&next) {
            break;
        }
        base = next;
    }
    Some(base)
}

fn line_at(code: &str, byte: usize) -> usize {
    code.get(..byte).map_or(0, |s| s.matches('\n').count()) + 1
}

/// The module graph of a crate's sources: `(path relative to src/, text)`.
fn graph(files: &[(String, String)]) -> Graph {
    let parsed: Vec<(Module, &str, String)> = files.iter().filter_map(|(rel, text)| Some((module_of(rel)?, rel.as_str(), code_of(text)))).collect();
    let modules: BTreeSet<Module> = parsed.iter().map(|(m, _, _)| m.clone()).collect();
    let mut graph: Graph = modules.iter().map(|m| (m.clone(), BTreeMap::new())).collect();
    for (module, rel, code) in &parsed {
        let mut add = |target: Option<Module>, at: usize| {
            if let Some(t) = target.filter(|t| t != module) {
                let entry = graph.entry(module.clone()).or_default();
                entry.entry(t).or_insert_with(|| format!("{rel}:{}", line_at(code, at)));
            }
        };
        // `use` items first: they name the aliases the inline paths may use.
        let mut aliases = BTreeMap::new();
        let mut rest = code.clone();
        let mut search = 0;
        while let Some(found) = code.get(search..).and_then(|s| s.find("use ")) {
            let at = search + found;
            search = at + 4;
            let before = code.get(..at).and_then(|s| s.chars().last());
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(end) = code.get(at..).and_then(|s| s.find(';')).map(|e| at + e) else { continue };
            for (path, alias) in expand_use(code.get(at + 4..end).unwrap_or("")) {
                let (path, named) = match path.last().map(String::as_str) {
                    Some("self") => (path[..path.len() - 1].to_vec(), path.len() >= 2),
                    Some("*") => (path[..path.len() - 1].to_vec(), false),
                    _ => (path.clone(), true),
                };
                let target = resolve(module, &path, &modules, &aliases);
                if let (Some(t), true) = (&target, named) {
                    // A path that ends on a module names it: `use crate::core::vm;`.
                    if !t.is_empty() && t.last() == path.last() {
                        aliases.insert(alias.clone().unwrap_or_else(|| t.last().cloned().unwrap_or_default()), t.clone());
                    }
                }
                add(target, at);
            }
            rest.replace_range(at..=end, &" ".repeat(end + 1 - at));
            search = end + 1;
        }
        // Then every other path: `a::b::c` sequences.
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let starts = (bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':'));
            if !starts {
                i += 1;
                continue;
            }
            let mut path = Vec::new();
            let mut j = i;
            loop {
                let s = j;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                path.push(rest[s..j].to_string());
                if rest.get(j..j + 2) == Some("::") && rest.as_bytes().get(j + 2).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
                    j += 2;
                } else {
                    break;
                }
            }
            if path.len() > 1 {
                add(resolve(module, &path, &modules, &aliases), i);
            }
            i = j.max(i + 1);
        }
    }
    graph
}

fn read_crate(src: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.push((rel, fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(src, src, &mut out);
    out.sort();
    out
}

// ---- circles

/// The strongly connected components with more than one module (Tarjan):
/// each is a set of modules that all reach one another.
fn circles(graph: &Graph) -> Vec<BTreeSet<Module>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        found: Vec<BTreeSet<Module>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g Module) {
        let graph = s.graph;
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in graph.get(v).into_iter().flat_map(BTreeMap::keys) {
            let Some((w, _)) = graph.get_key_value(w) else { continue };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.insert(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on_stack: BTreeSet::new(), found: Vec::new() };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

/// A shortest circle from the component's first module back to itself,
/// with where each step is: `a -> b (a.rs:3) -> a (b.rs:7)`.
fn describe(graph: &Graph, component: &BTreeSet<Module>) -> String {
    let Some(start) = component.iter().next() else { return String::new() };
    // Breadth-first from `start` back to itself, inside the component.
    let mut came_from: BTreeMap<&Module, &Module> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut back = None;
    while let Some(v) = queue.pop_front() {
        for w in graph.get(v).into_iter().flat_map(BTreeMap::keys).filter(|w| component.contains(*w)) {
            if w == start {
                back = Some(v);
                break;
            }
            if !came_from.contains_key(w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
        if back.is_some() {
            break;
        }
    }
    let mut chain = Vec::new();
    let mut at = back;
    while let Some(v) = at.filter(|v| *v != start) {
        chain.push(v);
        at = came_from.get(v).copied();
    }
    chain.reverse();
    let path: Vec<&Module> = std::iter::once(start).chain(chain).chain(std::iter::once(start)).collect();
    let mut text = name(start);
    for pair in path.windows(2) {
        let at = graph.get(pair[0]).and_then(|e| e.get(pair[1])).cloned().unwrap_or_default();
        text.push_str(&format!(" -> {} ({at})", name(pair[1])));
    }
    let members: Vec<String> = component.iter().map(|m| name(m)).collect();
    format!("{{{}}}: {text}", members.join(", "))
}

fn crate_graph(src: &str) -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
    let files = read_crate(&root);
    assert!(files.len() > 5, "found the sources of {}", root.display());
    graph(&files)
}

/// Fails with every circle of a crate, one line each.
fn assert_acyclic(graph: &Graph, what: &str) {
    let edges: usize = graph.values().map(BTreeMap::len).sum();
    assert!(edges > 20, "the scan found the imports of {what}:\n{graph:#?}");
    let found: Vec<String> = circles(graph).iter().map(|c| describe(graph, c)).collect();
    assert!(found.is_empty(), "import circles in {what}:\n{}", found.join("\n"));
}

#[test]
fn the_emulator_core_has_no_import_circles() {
    let graph = crate_graph("src");
    assert_acyclic(&graph, "emulator/core/src");
    // Nothing imports from the crate root: lib.rs only declares and re-exports.
    let into_root: Vec<String> = graph.iter().filter(|(_, to)| to.contains_key(&Vec::new())).map(|(from, to)| format!("{} ({})", name(from), to[&Vec::new()])).collect();
    assert!(into_root.is_empty(), "modules importing from lib.rs: {}", into_root.join(", "));
}

/// The client crate (`src/`, its own maintainer's) is checked apart, so a
/// failure says whose code it is.
#[test]
fn the_client_crate_has_no_import_circles() {
    assert_acyclic(&crate_graph("../../src"), "src/ (the client crate)");
}

// ---- the reader itself

fn synthetic(files: &[(&str, &str)]) -> Graph {
    graph(&files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect::<Vec<_>>())
}

fn deps(graph: &Graph, of: &str) -> Vec<String> {
    let key = graph.keys().find(|m| name(m) == of).cloned().unwrap_or_default();
    graph.get(&key).map(|e| e.keys().map(|m| name(m)).collect()).unwrap_or_default()
}

#[test]
fn the_reader_follows_use_trees_inline_paths_super_and_aliases() {
    let g = synthetic(&[
        ("lib.rs", "mod a; mod b; mod c; mod d; mod f;\nuse a::X;\npub fn p() { f::go() }"),
        ("a.rs", "use crate::{b::{self, Y}, c::Z as W};\nfn g() { b::h(); }"),
        ("b.rs", "// crate::d::nope\nfn h() { let s = \"crate::d::nope\"; let r = r#\"crate::d::no\"#; let c = '\"'; }\n#[cfg(test)]\nmod tests { use crate::d::X; }"),
        ("c.rs", "fn k<'a>(x: &'a str) -> crate::d::T { std::mem::take(x) }"),
        ("d.rs", ""),
        ("f/mod.rs", "pub mod g;\npub fn go() {}"),
        ("f/g.rs", "use super::go;\nuse super::super::d;\nfn x() { d::T; super::h::nothing(); }"),
    ]);
    assert_eq!(deps(&g, "lib"), ["a", "f"]);
    assert_eq!(deps(&g, "a"), ["b", "c"]);
    assert_eq!(deps(&g, "b"), Vec::<String>::new(), "comments, strings and test items are not imports");
    assert_eq!(deps(&g, "c"), ["d"]);
    assert_eq!(deps(&g, "f/g"), ["d", "f"]);
}

#[test]
fn the_reader_finds_a_circle_and_says_where_it_runs() {
    let g = synthetic(&[
        ("lib.rs", "mod a; mod b; mod c;"),
        ("a.rs", "use crate::b::B;"),
        ("b.rs", "fn f() { crate::c::g() }"),
        ("c.rs", "use super::a;"),
    ]);
    let found = circles(&g);
    assert_eq!(found.len(), 1);
    assert_eq!(describe(&g, &found[0]), "{a, b, c}: a -> b (a.rs:1) -> c (b.rs:1) -> a (c.rs:1)");
    assert!(circles(&synthetic(&[("lib.rs", "mod a; mod b;"), ("a.rs", "use crate::b::B;"), ("b.rs", "")])).is_empty());
}
