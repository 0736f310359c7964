//! Prompt and template versions as files. A version is `NAME.toml`, or a folder `NAME/`
//! holding `version.toml` (the same keys) and optionally `templates.toml` (a template
//! overlay) and `instructions.md` (the LLM's extra instructions). Shipped versions live in
//! `data/prompts/` and are compiled in; the seller's live in `<config folder>/prompts/`.
//!
//! ```toml
//! description = "Короче"
//! instructions = "Пиши коротко."   # appended to the LLM's system prompt
//! [few_shot]
//! examples = 3                      # approved answers used as examples (0..=5)
//! [templates.common.closings]        # laid over the shipped templates
//! chat = ["Хорошего дня!"]
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ai::TemplateSet;

/// The version drafts come from when no experiment runs: today's behaviour.
pub const DEFAULT_VERSION: &str = "drafts-ru-v2";

/// The most approved answers a version may ask for.
pub const MAX_EXAMPLES: usize = 5;

/// Versions shipped in `data/prompts/`, by name.
const SHIPPED: &[(&str, &str)] = &[
    (
        "drafts-ru-v2",
        include_str!("../../data/prompts/drafts-ru-v2.toml"),
    ),
    (
        "drafts-ru-brief",
        include_str!("../../data/prompts/drafts-ru-brief.toml"),
    ),
];

/// Where a version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Shipped,
    Seller,
}

/// One version, checked: what an experiment stores and the drafter applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptVersion {
    pub name: String,
    pub origin: Origin,
    pub description: String,
    /// Extra instructions appended to the LLM's system prompt.
    pub instructions: Option<String>,
    /// Approved answers used as examples; `None` keeps the drafter's default.
    pub examples: Option<usize>,
    /// The template overlay as TOML (laid over the shipped templates), if any.
    pub templates: Option<String>,
}

impl PromptVersion {
    /// The full template set of this version, when it has an overlay.
    pub fn template_set(&self) -> Option<TemplateSet> {
        self.templates
            .as_deref()
            .and_then(|t| TemplateSet::from_toml(t).ok())
    }
}

/// What is wrong with a version file, naming the file and, when known, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for VersionError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FewShot {
    examples: usize,
}

/// The keys of a version file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    #[serde(default)]
    description: String,
    instructions: Option<String>,
    few_shot: Option<FewShot>,
    templates: Option<toml::Value>,
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` starts a line or a table header, for errors found after parsing.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with(&format!("[{key}"))
                || l.starts_with(&format!("{key} "))
                || l.starts_with(&format!("{key}="))
        })
        .map(|i| i + 1)
}

/// Whether `name` may name a version: lower-case letters, digits, `-`, `_`, `.`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

fn error(file: &Path, line: Option<usize>, message: impl Into<String>) -> VersionError {
    VersionError {
        file: file.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Parses one version document. `file` names it in errors; `extra_templates` and
/// `extra_instructions` are a folder version's `templates.toml` and `instructions.md`.
pub fn parse_version(
    name: &str,
    origin: Origin,
    file: &Path,
    text: &str,
    extra_templates: Option<(&Path, &str)>,
    extra_instructions: Option<String>,
) -> Result<PromptVersion, VersionError> {
    if !valid_name(name) {
        return Err(error(
            file,
            None,
            format!("'{name}' is not a version name (lower-case letters, digits, - _ .)"),
        ));
    }
    let parsed: VersionFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        error(file, line, e.message().to_string())
    })?;
    let examples = match parsed.few_shot {
        Some(f) if f.examples > MAX_EXAMPLES => {
            return Err(error(
                file,
                line_of_key(text, "examples"),
                format!(
                    "few_shot.examples is {}, at most {MAX_EXAMPLES}",
                    f.examples
                ),
            ))
        }
        Some(f) => Some(f.examples),
        None => None,
    };
    let instructions = match (parsed.instructions, extra_instructions) {
        (Some(_), Some(_)) => {
            return Err(error(
                file,
                line_of_key(text, "instructions"),
                "instructions are given both here and in instructions.md",
            ))
        }
        (a, b) => a
            .or(b)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
    };
    let templates = match (parsed.templates, extra_templates) {
        (Some(_), Some((other, _))) => {
            return Err(error(
                file,
                line_of_key(text, "templates"),
                format!("templates are given both here and in {}", other.display()),
            ))
        }
        (Some(value), None) => {
            let overlay = toml::to_string(&value)
                .map_err(|e| error(file, line_of_key(text, "templates"), e.to_string()))?;
            check_templates(&overlay, file, line_of_key(text, "templates"))?;
            Some(overlay)
        }
        (None, Some((tfile, ttext))) => {
            toml::from_str::<toml::Value>(ttext).map_err(|e| {
                let line = e.span().map(|s| line_of(ttext, s.start));
                error(tfile, line, e.message().to_string())
            })?;
            check_templates(ttext, tfile, None)?;
            Some(ttext.to_string())
        }
        (None, None) => None,
    };
    Ok(PromptVersion {
        name: name.to_string(),
        origin,
        description: parsed.description.trim().to_string(),
        instructions,
        examples,
        templates,
    })
}

fn check_templates(overlay: &str, file: &Path, line: Option<usize>) -> Result<(), VersionError> {
    TemplateSet::from_toml(overlay)
        .map(|_| ())
        .map_err(|e| error(file, line, format!("templates: {e}")))
}

/// Every version known: the shipped ones and the seller's, by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub versions: BTreeMap<String, PromptVersion>,
}

impl Catalog {
    /// The shipped versions only.
    pub fn shipped() -> Catalog {
        let mut versions = BTreeMap::new();
        for (name, text) in SHIPPED {
            let file = PathBuf::from(format!("data/prompts/{name}.toml"));
            let version = parse_version(name, Origin::Shipped, &file, text, None, None)
                .unwrap_or_else(|e| panic!("shipped version is invalid: {e}"));
            versions.insert(name.to_string(), version);
        }
        Catalog { versions }
    }

    /// The shipped versions and the seller's from `folder` (`<config>/prompts`), when it
    /// exists. A seller's version may not take a shipped name.
    pub fn load(folder: Option<&Path>) -> Result<Catalog, VersionError> {
        let mut catalog = Catalog::shipped();
        let Some(folder) = folder.filter(|f| f.is_dir()) else {
            return Ok(catalog);
        };
        let entries = std::fs::read_dir(folder)
            .map_err(|e| error(folder, None, format!("cannot list the folder: {e}")))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Some(version) = read_seller_version(&path)? else {
                continue;
            };
            if let Some(existing) = catalog.versions.get(&version.name) {
                let whose = match existing.origin {
                    Origin::Shipped => "a shipped version",
                    Origin::Seller => "another file",
                };
                return Err(error(
                    &path,
                    None,
                    format!("the name '{}' is already taken by {whose}", version.name),
                ));
            }
            catalog.versions.insert(version.name.clone(), version);
        }
        Ok(catalog)
    }

    pub fn get(&self, name: &str) -> Option<&PromptVersion> {
        self.versions.get(name)
    }
}

fn read(path: &Path) -> Result<String, VersionError> {
    std::fs::read_to_string(path).map_err(|e| error(path, None, format!("cannot read: {e}")))
}

/// The version at `path`: a `.toml` file or a folder with `version.toml`; `None` for
/// anything else (a README, an editor's backup).
fn read_seller_version(path: &Path) -> Result<Option<PromptVersion>, VersionError> {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return Ok(None);
    };
    if path.is_dir() {
        let main = path.join("version.toml");
        if !main.is_file() {
            return Err(error(path, None, "a version folder needs a version.toml"));
        }
        let name = path.file_name().and_then(|s| s.to_str()).unwrap_or(stem);
        let text = read(&main)?;
        let templates_file = path.join("templates.toml");
        let templates = if templates_file.is_file() {
            Some(read(&templates_file)?)
        } else {
            None
        };
        let instructions_file = path.join("instructions.md");
        let instructions = if instructions_file.is_file() {
            Some(read(&instructions_file)?)
        } else {
            None
        };
        return parse_version(
            name,
            Origin::Seller,
            &main,
            &text,
            templates.as_deref().map(|t| (templates_file.as_path(), t)),
            instructions,
        )
        .map(Some);
    }
    if path.extension().and_then(|e| e.to_str()) != Some("toml") {
        return Ok(None);
    }
    let text = read(path)?;
    parse_version(stem, Origin::Seller, path, &text, None, None).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PromptVersion, VersionError> {
        parse_version(
            "v",
            Origin::Seller,
            Path::new("prompts/v.toml"),
            text,
            None,
            None,
        )
    }

    #[test]
    fn the_shipped_versions_parse_and_the_default_changes_nothing() {
        let catalog = Catalog::shipped();
        let default = catalog.get(DEFAULT_VERSION).unwrap();
        assert_eq!(default.examples, Some(5));
        assert!(default.templates.is_none() && default.instructions.is_none());
        let brief = catalog.get("drafts-ru-brief").unwrap();
        let set = brief.template_set().unwrap();
        assert_eq!(set.common.closings.chat, vec!["Хорошего дня!".to_string()]);
        assert!(brief.instructions.is_some());
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let err = parse("description = \"ok\"\n[few_shot]\nexamples = = 3\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.to_string().starts_with("prompts/v.toml:3: "), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = parse("descripton = \"typo\"\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("descripton"), "{err}");
        let err = parse("\n[few_shot]\nexamples = 50\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("at most 5"), "{err}");
        let err = parse("[few_shot]\nexamples = \"five\"\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn a_bad_template_overlay_is_refused_at_its_table() {
        let err = parse(
            "description = \"x\"\n\n[templates.common.greetings]\nnamed = [\"Привет, {nme}!\"]\n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("templates"), "{err}");
    }

    #[test]
    fn bad_names_are_refused() {
        for name in ["", "Drafts", "a b", ".hidden", "путь"] {
            assert!(!valid_name(name), "{name}");
        }
        assert!(valid_name("drafts-ru-v3_b.1"));
    }

    #[test]
    fn seller_versions_load_from_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("warm.toml"),
            "description = \"Теплее\"\n[few_shot]\nexamples = 2\n",
        )
        .unwrap();
        let folder = dir.path().join("folded");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("version.toml"), "description = \"Папка\"\n").unwrap();
        std::fs::write(folder.join("instructions.md"), "Пиши тепло.\n").unwrap();
        std::fs::write(
            folder.join("templates.toml"),
            "[common.closings]\nchat = [\"Пишите!\"]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("README.md"), "not a version").unwrap();
        let catalog = Catalog::load(Some(dir.path())).unwrap();
        assert_eq!(catalog.get("warm").unwrap().examples, Some(2));
        let folded = catalog.get("folded").unwrap();
        assert_eq!(folded.instructions.as_deref(), Some("Пиши тепло."));
        assert_eq!(
            folded.template_set().unwrap().common.closings.chat,
            vec!["Пишите!".to_string()]
        );
        assert!(catalog.get(DEFAULT_VERSION).is_some());
    }

    #[test]
    fn folder_errors_name_the_inner_file_and_a_shipped_name_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("broken");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("version.toml"), "").unwrap();
        std::fs::write(folder.join("templates.toml"), "[common\n").unwrap();
        let err = Catalog::load(Some(dir.path())).unwrap_err();
        assert!(err.file.ends_with("broken/templates.toml"), "{err}");
        assert_eq!(err.line, Some(1));

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("drafts-ru-v2.toml"), "").unwrap();
        let err = Catalog::load(Some(dir.path())).unwrap_err();
        assert!(err.message.contains("shipped"), "{err}");
    }
}
