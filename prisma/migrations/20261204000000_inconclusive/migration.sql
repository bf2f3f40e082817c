-- A validator (and a validation run) can end inconclusive: it looked but could not be sure (the source was
-- written while it compared). No verdict: it never opens the gate nor triggers an automatic rollback.
ALTER TYPE "ValidationStatus" ADD VALUE 'inconclusive';
ALTER TYPE "ValidationRunStatus" ADD VALUE 'inconclusive';
