//! Every relative link in the README and the docs resolves to a file or
//! folder of the repository, so moving a page cannot leave a dead link.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The targets of the Markdown links `[text](target)` in `text`.
fn link_targets(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

#[test]
fn every_relative_link_resolves() {
    let root = repo();
    let mut pages = vec![root.join("README.md"), root.join("tests/README.md")];
    for dir in ["docs", "backends/cuda-oxide", "device-prelude"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "md") {
                pages.push(e.path());
            }
        }
    }
    let mut dead = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap();
            if !page.parent().unwrap().join(path).exists() {
                dead.push(format!(
                    "{}: {target}",
                    page.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(dead.is_empty(), "dead links:\n{}", dead.join("\n"));
    assert!(pages.len() > 8, "the docs were found");
}

#[test]
fn the_link_finder_finds_links() {
    assert_eq!(
        link_targets("see [a](docs/a.md#x) and [b](https://x.y) and [c]"),
        ["docs/a.md#x", "https://x.y"]
    );
}

/// The directive reference in docs/writing-tests.md names every directive
/// the harness knows (`normalize-<stage>` as one row), and no other.
#[test]
fn the_directive_reference_is_current() {
    let doc = std::fs::read_to_string(repo().join("docs/writing-tests.md")).unwrap();
    let table: String = doc
        .lines()
        .skip_while(|l| !l.starts_with("| directive |"))
        .take_while(|l| l.starts_with('|'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !table.is_empty(),
        "docs/writing-tests.md has no `| directive |` table"
    );
    let known: Vec<&str> = ptx_harness::plan::directives::known_directives().collect();
    for name in &known {
        let shown = if name.starts_with("normalize-") {
            "normalize-<stage>"
        } else {
            name
        };
        assert!(
            table.contains(&format!("`{shown}"))
                || table.contains(&format!(" {shown}`"))
                || table.contains(&format!("`{shown}:")),
            "directive `{name}` is missing from docs/writing-tests.md's table"
        );
    }
    // Every directive the table names (the first word of each backticked
    // spelling in its first column) exists.
    let re = regex::Regex::new(r"`([a-z][a-z0-9-]*)[`:]").unwrap();
    for row in table.lines().skip(2) {
        let first = row.split('|').nth(1).unwrap_or("");
        for c in re.captures_iter(first) {
            let name = &c[1];
            assert!(
                known.contains(&name) || name == "normalize-",
                "docs/writing-tests.md names `{name}`, which is no directive"
            );
        }
    }
}
