//! The texts and it-IT formats live in the `presidio-i18n` crate (shared with the e-mails and
//! the command line); this module names it for the web crate and checks that every message id
//! and field name the pages, the API and their templates use has its Italian text.

pub use presidio_i18n::*;

#[cfg(test)]
mod catalogue_tests {
    use super::*;
    use presidio_domain::validation::Problem;

    /// Every literal message id a template asks for, e.g. `t.t("nav-home")`.
    fn ids_in_templates() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for call in [".t(\"", ".t1(\""] {
                for part in text.split(call).skip(1) {
                    ids.push(part.split('"').next().unwrap().to_owned());
                }
            }
        }
        ids
    }

    #[test]
    fn every_message_a_template_uses_exists() {
        let i18n = catalogue();
        let ids = ids_in_templates();
        assert!(ids.len() > 20, "the scan found the template calls");
        let missing: Vec<_> = ids
            .iter()
            .filter(|id| !i18n.has(Locale::Italian, id))
            .collect();
        assert!(
            missing.is_empty(),
            "missing from locales/it.ftl: {missing:?}"
        );
    }

    /// The Rust files under `dir`, recursively.
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The string literals that follow one of `patterns` in the non-test Rust sources under
    /// `dirs` (relative to this crate), made of lowercase letters, `_` and the characters of
    /// `extra`; sorted, each once.
    fn literals_after(dirs: &[&str], patterns: &[&str], extra: &str) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in dirs {
            rust_files(&root.join(dir), &mut files);
        }
        let mut out = Vec::new();
        for file in files {
            if file.ends_with("tests.rs") {
                continue;
            }
            let whole = std::fs::read_to_string(&file).unwrap();
            // What a test module writes is not what users see.
            let text = whole.split("#[cfg(test)]").next().unwrap_or_default();
            for pattern in patterns {
                for part in text.split(pattern).skip(1) {
                    let literal = part.split('"').next().unwrap();
                    if !literal.is_empty()
                        && literal
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || extra.contains(c))
                    {
                        out.push(literal.to_owned());
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The field names written as literals where a validation error is raised, in the domain,
    /// storage and web sources.
    fn fields_in_sources() -> Vec<String> {
        literals_after(
            &["src", "../domain/src", "../db/src", "../../src"],
            &[
                ".push(\"",
                "Invalid::one(\"",
                ".optional(\"",
                ".code(\"",
                "problems.push((\"",
                "need(\"",
                "required_text(&mut errors, \"",
                "instant(&mut errors, \"",
            ],
            ".[]0123456789",
        )
    }

    #[test]
    fn every_field_a_validation_error_names_has_a_label() {
        let i18n = I18n::load();
        let names = fields_in_sources();
        assert!(names.len() > 50, "the scan found the fields: {names:?}");
        let missing: Vec<_> = names
            .iter()
            .flat_map(|n| n.split('.'))
            .map(|segment| match segment.split_once('[') {
                Some((name, _)) => format!("field-{name}-item"),
                None => format!("field-{segment}"),
            })
            .filter(|id| !i18n.has(Locale::Italian, id))
            .collect();
        assert!(
            missing.is_empty(),
            "missing from locales/it.ftl: {missing:?}"
        );
    }

    #[test]
    fn every_audit_record_section_and_coded_reason_reads_in_italian() {
        let i18n = I18n::load();
        let mut missing = Vec::new();
        for (prefix, patterns) in [
            ("audit-record", &[".record(\"", "record_type = \""][..]),
            ("audit-section", &["section = \""][..]),
            ("audit-reason", &[".reason(\"", "entry.reason = \""][..]),
        ] {
            let found = literals_after(
                &["src", "../db/src", "../app/src", "../../src"],
                patterns,
                "",
            );
            assert!(!found.is_empty(), "{prefix}: the scan found nothing");
            missing.extend(
                found
                    .into_iter()
                    .map(|code| format!("{prefix}-{code}"))
                    .filter(|id| !i18n.has(Locale::Italian, id)),
            );
        }
        for code in ["api", "totp", "recovery", "password"] {
            let id = format!("audit-reason-{code}");
            if !i18n.has(Locale::Italian, &id) {
                missing.push(id);
            }
        }
        assert!(
            missing.is_empty(),
            "missing from locales/it.ftl: {missing:?}"
        );
    }

    #[test]
    fn every_validation_problem_and_field_has_a_message() {
        let i18n = I18n::load();
        for problem in Problem::ALL {
            let id = format!("validation-{}", problem.code());
            assert!(i18n.has(Locale::Italian, &id), "{id}");
        }
        for field in [
            "code",
            "name",
            "istat_code",
            "belfiore_code",
            "province",
            "postal_code",
            "population",
            "patron_holiday",
        ] {
            assert!(
                i18n.has(Locale::Italian, &format!("field-{field}")),
                "field-{field}"
            );
        }
    }
}
