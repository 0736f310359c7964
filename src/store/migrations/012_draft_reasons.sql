-- Why a draft's confidence is what it is ("ответ из карточки", "нет данных в карточке"):
-- a JSON array of short Russian reasons, shown in the editor's title and the queue.
ALTER TABLE drafts ADD COLUMN reasons TEXT;
