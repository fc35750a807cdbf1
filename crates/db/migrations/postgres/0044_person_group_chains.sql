-- The groups filled by 0034 followed direct links only: records linked in a chain of three or
-- more before it may name different groups. Each record linked to another is given again the
-- smallest id of all the records it reaches through the links standing.
WITH RECURSIVE edges (a, b) AS (
    SELECT person_id, other_id FROM person_links WHERE unlinked_at IS NULL
    UNION
    SELECT other_id, person_id FROM person_links WHERE unlinked_at IS NULL
), reach (start, node) AS (
    SELECT a, a FROM edges
    UNION
    SELECT reach.start, edges.b FROM reach JOIN edges ON edges.a = reach.node
)
UPDATE persons SET group_id = (SELECT MIN(node) FROM reach WHERE reach.start = persons.id)
WHERE id IN (SELECT start FROM reach);
