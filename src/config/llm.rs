//! The `[llm]` table of the config file: which OpenAI-compatible endpoint drafts replies.
//! Without it drafts come from the offline provider (templates and approved answers).

use std::path::Path;

use anyhow::Result;

use crate::ai::llm::LlmConfig;

/// The `[llm]` table of the config file at `path`, if the file and the table exist.
/// Every other table is checked too: an unknown key anywhere is an error.
pub fn load_llm(path: &Path) -> Result<Option<LlmConfig>> {
    Ok(super::file::read(path)?.and_then(|file| file.llm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_llm_table_is_optional_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(load_llm(&path).unwrap(), None, "no file, no LLM");
        std::fs::write(&path, "[[accounts]]\nname = \"a\"\nmarketplace = \"wb\"\n").unwrap();
        assert_eq!(load_llm(&path).unwrap(), None, "no table, no LLM");
        std::fs::write(
            &path,
            "[llm]\nbase_url = \"http://127.0.0.1:11434/v1\"\nmodel = \"qwen2.5\"\n\
             api_key_env = \"OPENAI_API_KEY\"\ntimeout = 15\nmax_retries = 1\n",
        )
        .unwrap();
        let llm = load_llm(&path).unwrap().expect("configured");
        assert_eq!(llm.model, "qwen2.5");
        assert_eq!(llm.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(llm.timeout, std::time::Duration::from_secs(15));
        assert_eq!(llm.max_retries, 1);
        std::fs::write(
            &path,
            "[llm]\nbase_url = \"x\"\nmodel = \"m\"\napi_key = \"sk-1\"\n",
        )
        .unwrap();
        let err = format!("{:#}", load_llm(&path).unwrap_err());
        assert!(err.contains("api_key"), "{err}");
        assert!(!err.contains("sk-1"), "the key is not echoed: {err}");
    }
}
