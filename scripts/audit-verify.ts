// `npm run audit:verify [-- --full]`: verifies the audit trail's keyed chain and the anchors of its head
// in the backup store (the folder, and the bucket of BACKUP_STORE_URL), and says whether it is intact, pointing at the first changed or deleted event.
// By default only the events after the last verified position are re-computed (what /audit does);
// --full re-computes every event and checks every anchor. Exit code 0 when intact, 1 when broken.
import "./load-env";
import path from "node:path";
import { getDb, disconnectAll } from "../lib/db/client";
import { verifyAuditChain, verifyAuditChainIncrementally, type AuditChainReport } from "../lib/audit/verify-audit-chain";
import { backupStoreFromEnv } from "../lib/env";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set: point it at the metadata store (see .env.example).");
  process.exit(2);
}
const full = process.argv.includes("--full");
const backupDir = process.env.BACKUP_DIR ? path.resolve(process.env.BACKUP_DIR) : undefined;
// With BACKUP_STORE_URL=s3://… the anchors in the bucket are read too (every worker's, not only this folder's).
const backupStore = backupDir ? backupStoreFromEnv({ ...process.env, BACKUP_DIR: backupDir }) : undefined;
try {
  const db = getDb(url);
  const report: AuditChainReport = full
    ? await verifyAuditChain(db, { backupDir, backupStore, remember: true })
    : await verifyAuditChainIncrementally(db, { backupDir, backupStore });
  const scope =
    report.mode === "incremental" && report.continuedFrom
      ? `${report.eventsChecked} event(s) after event ${report.continuedFrom.seq} (verified ${report.continuedFrom.verifiedAt}); --full re-computes all`
      : `all ${report.eventsChecked} event(s)`;
  if (report.legacy) console.log(`Events 1…${report.legacy.lastSeq} are the unkeyed legacy prefix (written before the chain was keyed).`);
  console.log(report.anchor ? `${report.anchorsChecked} anchor(s) checked; newest: event ${report.anchor.seq} at ${report.anchor.at}.` : "No anchor checked.");
  for (const note of report.notes) console.log(`Note: ${note}`);
  if (report.intact) {
    console.log(`Audit trail intact: ${scope} verified, up to event ${report.headSeq ?? "(none)"}.`);
  } else {
    const b = report.firstBreak!;
    console.error(`Audit trail BROKEN at event ${b.seq}${b.id ? ` (id ${b.id})` : ""}: ${b.message}.`);
    console.error(`${report.eventsChecked} event(s) re-computed in this run (${full ? "full" : "incremental"}).`);
    process.exitCode = 1;
  }
} finally {
  await disconnectAll();
}
