-- The group of records linked as one person (the smallest id among them), kept with each
-- record on every link and unlink, so that the statistics count a person once; none for a
-- record linked to no other. Filled here from the links standing (a record and those linked
-- to it directly).
ALTER TABLE persons ADD COLUMN group_id BIGINT;
UPDATE persons SET group_id = (
    SELECT MIN(CASE WHEN l.person_id = persons.id THEN l.other_id ELSE l.person_id END)
    FROM person_links l
    WHERE l.unlinked_at IS NULL AND (l.person_id = persons.id OR l.other_id = persons.id))
WHERE EXISTS (SELECT 1 FROM person_links l
    WHERE l.unlinked_at IS NULL AND (l.person_id = persons.id OR l.other_id = persons.id));
UPDATE persons SET group_id = id WHERE group_id > id;
CREATE INDEX persons_group ON persons (group_id) WHERE group_id IS NOT NULL;
