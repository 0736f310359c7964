-- Which model wrote an LLM draft (issue #16): the editor's header and `show --json` /
-- `draft --json` name it. NULL for templates, approved answers, manual drafts and LLM
-- drafts stored before this column.
ALTER TABLE drafts ADD COLUMN model TEXT;
