-- How a table checksum was computed (which columns were hashed as their value rather than as canonical
-- text; lib/validation/checksum-format). NULL for checksums recorded before formats were: every column
-- hashed as text, the format "1". Checksums of different formats are not comparable.
ALTER TABLE "table_metadata" ADD COLUMN "checksum_format" TEXT;
