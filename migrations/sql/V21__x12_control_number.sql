-- Interchange and group control numbers of 837P files (ISA13, GS06): from one sequence, so every
-- file written by any server instance has its own, never reused (a resent package is a new
-- interchange). Nine digits at most (ISA13 is 9 digits); no cycle: running out is an error, not a
-- silent reuse.
CREATE SEQUENCE x12_control_number MINVALUE 1 MAXVALUE 999999999 NO CYCLE;
