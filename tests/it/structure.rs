//! The layering the README describes, checked on the sources: the pages and the API never
//! import each other, the inner crates never depend on the outer ones, and no handler under
//! `web/src/{api,pages}` reaches the database (`state.db.`): they call the use cases.

use std::path::{Path, PathBuf};

/// Dependencies each inner crate must never have: the domain is pure, storage knows nothing
/// of HTTP, and the use cases know nothing of pages, templates or the OpenAPI document.
const FORBIDDEN_DEPENDENCIES: &[(&str, &[&str])] = &[
    (
        "crates/domain",
        &[
            "axum",
            "askama",
            "utoipa",
            "tower",
            "tokio",
            "sqlx",
            "presidio-db",
            "presidio-web",
            "presidio-app",
        ],
    ),
    (
        "crates/db",
        &[
            "axum",
            "askama",
            "utoipa",
            "tower",
            "presidio-web",
            "presidio-app",
        ],
    ),
    (
        "crates/i18n",
        &["axum", "askama", "utoipa", "tower", "sqlx", "presidio-web"],
    ),
    (
        "crates/app",
        &[
            "axum",
            "askama",
            "askama_web",
            "utoipa",
            "tower",
            "tower-http",
            "presidio-web",
        ],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, as paths relative to `base`.
fn rust_files(base: &Path, dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![base.join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(base).expect("under base");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// The source without whitespace and line comments, so that a call split over lines by
/// rustfmt (`state\n    .db\n    .report(…)`) is still seen, and prose is not.
fn code_of(source: &str) -> String {
    source
        .lines()
        .map(|l| match l.trim_start() {
            t if t.starts_with("//") => "",
            _ => l,
        })
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect()
}

/// Whether a file of the API (or of the pages) names the other side.
fn names_module(source: &str, module: &str) -> bool {
    let code = code_of(source);
    code.contains(&format!("crate::{module}"))
        || code.contains(&format!("super::super::{module}"))
        || code.contains(&format!("presidio_web::{module}"))
}

fn db_calls(source: &str) -> usize {
    code_of(source).matches("state.db.").count()
}

/// The dependency names of a `Cargo.toml` (normal, dev and build), as written.
fn dependencies(manifest: &str) -> Vec<String> {
    let doc: serde_json::Map<String, serde_json::Value> =
        basic_toml::from_str(manifest).expect("manifest parses");
    let mut out = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(table) = doc.get(section).and_then(|v| v.as_object()) {
            for (name, spec) in table {
                out.push(name.clone());
                if let Some(package) = spec.get("package").and_then(|p| p.as_str()) {
                    out.push(package.to_owned());
                }
            }
        }
    }
    out
}

/// The names of the types declared with `ToSchema` in `source`.
fn schema_names(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut derived = false;
    for line in source.lines().map(str::trim) {
        if line.starts_with("#[derive(") && line.contains("ToSchema") {
            derived = true;
        } else if derived
            && let Some(rest) = line
                .strip_prefix("pub struct ")
                .or(line.strip_prefix("pub enum "))
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
            derived = false;
        } else if !line.starts_with("#[") && !line.starts_with("///") {
            derived = false;
        }
    }
    out
}

/// The OpenAPI document names each schema by its type's name: two types of one name would
/// be one schema, and the document would describe one of them wrongly.
#[test]
fn every_type_of_the_api_document_has_its_own_name() {
    let web = root().join("crates/web/src");
    let mut seen: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    let mut twice = Vec::new();
    for file in rust_files(&web, ".") {
        let source = std::fs::read_to_string(web.join(&file)).expect("source");
        for name in schema_names(&source) {
            if let Some(first) = seen.insert(name.clone(), file.clone()) {
                twice.push(format!("{name}: {first} and {file}"));
            }
        }
    }
    assert!(seen.len() > 50, "the scan found the schemas: {seen:?}");
    assert!(
        schema_names("#[derive(Debug, ToSchema)]\n#[serde(default)]\npub struct Body {}")
            == ["Body"],
        "the scan sees a derive over attributes"
    );
    assert!(twice.is_empty(), "declared twice: {twice:?}");
}

#[test]
fn the_api_and_the_pages_never_import_each_other() {
    let web = root().join("crates/web/src");
    let mut wrong = Vec::new();
    for (dir, other) in [("api", "pages"), ("pages", "api")] {
        for file in rust_files(&web, dir) {
            let source = std::fs::read_to_string(web.join(&file)).expect("source");
            if names_module(&source, other) {
                wrong.push(file);
            }
        }
    }
    assert!(wrong.is_empty(), "these files cross the line: {wrong:?}");
}

#[test]
fn handlers_never_reach_the_database() {
    let web = root().join("crates/web/src");
    let mut calling = Vec::new();
    for dir in ["api", "pages"] {
        for file in rust_files(&web, dir) {
            let source = std::fs::read_to_string(web.join(&file)).expect("source");
            let calls = db_calls(&source);
            if calls > 0 {
                calling.push(format!("{file}: {calls}"));
            }
        }
    }
    assert!(
        calling.is_empty(),
        "handlers calling the database: move the calls into a use case: {calling:?}"
    );
}

#[test]
fn inner_crates_never_depend_on_outer_ones() {
    let mut wrong = Vec::new();
    for (krate, forbidden) in FORBIDDEN_DEPENDENCIES {
        let manifest = root().join(krate).join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            // A crate that does not exist yet depends on nothing.
            continue;
        };
        for name in dependencies(&text) {
            if forbidden.contains(&name.as_str()) {
                wrong.push(format!("{krate} → {name}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies against the layering: {wrong:?}"
    );
}

/// What the command line may take from the web crate: serving HTTP, and the activity table's
/// CSV layout. Its use cases come from `presidio_app`.
const CLI_WEB_NAMES: &[&str] = &[
    "AppState",
    "serve",
    "server",
    "auth::AuthConfig",
    "dashboard::activity_csv",
];

/// The names the command line takes from the web crate, e.g. `server` of
/// `presidio_web::server::ServerLimits`, that are not in [`CLI_WEB_NAMES`].
fn web_names_outside(source: &str) -> Vec<String> {
    let code = code_of(source);
    code.split("presidio_web::")
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .filter(|name| {
            !CLI_WEB_NAMES
                .iter()
                .any(|allowed| name == allowed || name.starts_with(&format!("{allowed}::")))
        })
        .collect()
}

#[test]
fn the_command_line_takes_its_use_cases_from_presidio_app() {
    let main = std::fs::read_to_string(root().join("src/main.rs")).unwrap();
    let wrong = web_names_outside(&main);
    assert!(
        wrong.is_empty(),
        "src/main.rs takes these from presidio_web; move them to presidio_app: {wrong:?}"
    );
}

/// The checks themselves catch what they are meant to catch.
#[test]
fn the_checks_see_each_pattern_they_guard_against() {
    assert!(names_module(
        "use crate::pages::AuditQuery;\nfn x() {}",
        "pages"
    ));
    assert!(names_module("let r = crate::api::json::ApiJson(x);", "api"));
    assert!(names_module("use super::super::pages::Layout;", "pages"));
    assert!(!names_module(
        "// crate::pages is not named here\nuse crate::views::resource_name;",
        "pages"
    ));
    assert_eq!(
        web_names_outside(
            "presidio_web::stats::import(&db);\nlet s = presidio_web::AppState::new(db);\npresidio_web::server::ServerLimits::default();"
        ),
        ["stats::import"]
    );
    assert_eq!(db_calls("state.db.report(id)"), 1);
    assert_eq!(
        db_calls("let r = state\n        .db\n        .report(id)\n        .await?;"),
        1
    );
    assert_eq!(db_calls("// state.db.report(id) is what we avoid"), 0);
    assert_eq!(db_calls("app.reports().get(id)"), 0);
    let manifest = "[package]\nname = \"presidio-app\"\n\n[dependencies]\n\
                    presidio-domain = { path = \"../domain\" }\n\
                    web = { package = \"presidio-web\", path = \"../web\" }\n\
                    axum = \"0.8\"\n\n[dev-dependencies]\nutoipa = \"5\"\n";
    let deps = dependencies(manifest);
    for name in ["axum", "utoipa", "presidio-web"] {
        assert!(deps.iter().any(|d| d == name), "{name} in {deps:?}");
    }
}

/// The modules of crate `src` named by the code of each top-level module: `crate::x` and
/// `use crate::{x, y}` name `x` (and `y`); a module's files are `x.rs` and those under `x/`.
fn module_graph(
    src: &std::path::Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let files: Vec<std::path::PathBuf> = rust_files(src, "").iter().map(|f| src.join(f)).collect();
    let module_of = |path: &std::path::Path| {
        let rel = path.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: std::collections::BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph = std::collections::BTreeMap::new();
    for file in &files {
        let from = module_of(file);
        if from == "lib" || from == "main" {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let named = graph
            .entry(from.clone())
            .or_insert_with(std::collections::BTreeSet::new);
        for part in code.split("crate::").skip(1) {
            let listed: Vec<&str> = if let Some(group) = part.strip_prefix('{') {
                group
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|n| n.split("::").next().unwrap_or_default())
                    .collect()
            } else {
                vec![
                    part.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default(),
                ]
            };
            for name in listed {
                if name != from && modules.contains(name) {
                    named.insert(name.to_owned());
                }
            }
        }
    }
    graph
}

/// A circle of the graph, if any, as the modules along it.
fn a_circle(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Option<Vec<String>> {
    fn visit(
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        node: &str,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(graph, next, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(graph, node, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut circles = Vec::new();
    for krate in ["domain", "db", "i18n", "app", "web"] {
        let graph = module_graph(&root().join("crates").join(krate).join("src"));
        if let Some(circle) = a_circle(&graph) {
            circles.push(format!("{krate}: {}", circle.join(" → ")));
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:?}");
}

#[test]
fn the_circle_check_finds_a_circle() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g = std::collections::BTreeMap::<String, std::collections::BTreeSet<String>>::new();
        for (a, b) in edges {
            g.entry((*a).to_owned())
                .or_default()
                .insert((*b).to_owned());
        }
        g
    };
    assert_eq!(
        a_circle(&graph(&[
            ("accounts", "sessions"),
            ("sessions", "accounts")
        ])),
        Some(vec![
            "accounts".into(),
            "sessions".into(),
            "accounts".into()
        ])
    );
    assert_eq!(
        a_circle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
}

/// The files of crate `src` and the files each names, by `crate::a::b` (the longest path that is
/// a file) or `super::x` (a sibling); `x/mod.rs` is the node `x`.
fn file_graph(
    src: &std::path::Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let files: Vec<std::path::PathBuf> = rust_files(src, "").iter().map(|f| src.join(f)).collect();
    let node_of = |path: &std::path::Path| {
        let rel = path.strip_prefix(src).unwrap().with_extension("");
        let rel = rel.to_string_lossy().replace('\\', "/");
        rel.strip_suffix("/mod").map_or(rel.clone(), str::to_owned)
    };
    let nodes: std::collections::BTreeSet<String> = files.iter().map(|f| node_of(f)).collect();
    let longest = |segments: &[&str]| {
        (1..=segments.len())
            .rev()
            .map(|n| segments[..n].join("/"))
            .find(|candidate| nodes.contains(candidate))
    };
    let mut graph = std::collections::BTreeMap::new();
    for file in &files {
        let from = node_of(file);
        if from == "lib" || from == "main" {
            continue;
        }
        // `super::` of `x/y.rs` is `x`, and of `x/mod.rs` (the node `x`) the crate's root.
        let mut parent: Vec<&str> = from.split('/').collect();
        parent.pop();
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let mut named = std::collections::BTreeSet::new();
        for (prefix, base) in [("crate::", Vec::new()), ("super::", parent.clone())] {
            for part in code.split(prefix).skip(1) {
                let path: &str = part
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or_default();
                let mut segments = base.clone();
                segments.extend(path.split("::").filter(|s| !s.is_empty()));
                if let Some(to) = longest(&segments).filter(|to| *to != from) {
                    named.insert(to);
                }
            }
        }
        graph.insert(from, named);
    }
    graph
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let mut circles = Vec::new();
    for krate in ["domain", "db", "i18n", "app", "web"] {
        let graph = file_graph(&root().join("crates").join(krate).join("src"));
        if let Some(circle) = a_circle(&graph) {
            circles.push(format!("{krate}: {}", circle.join(" → ")));
        }
    }
    assert!(
        circles.is_empty(),
        "import circles between files: {circles:?}"
    );
}

#[test]
fn the_file_graph_follows_crate_and_super_paths() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("c")).unwrap();
    for (file, text) in [
        ("a.rs", "use crate::b::X;"),
        ("b.rs", "fn f() { crate::a::y(); }"),
        ("c/mod.rs", "pub mod d;\npub mod e;"),
        ("c/d.rs", "use super::e::Z;"),
        ("c/e.rs", "// crate::c::d is only named in prose"),
    ] {
        std::fs::write(src.join(file), text).unwrap();
    }
    let graph = file_graph(src);
    assert!(graph["c/d"].contains("c/e"), "{graph:?}");
    assert!(graph["c/e"].is_empty(), "{graph:?}");
    assert_eq!(
        a_circle(&graph),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}
