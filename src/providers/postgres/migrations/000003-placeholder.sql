-- Placeholder so that 000004 has no gap on this branch: the real 000003 (instances created as
-- Pending at start) comes from another branch and replaces this file when they are merged.
SELECT 1;
