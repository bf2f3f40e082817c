// `npm run audit:verify`: re-computes the audit trail's hash chain and says whether it is intact,
// pointing at the first changed or deleted event. Exit code 0 when intact, 1 when broken.
import { getDb, disconnectAll } from "../lib/db/client";
import { verifyAuditChain } from "../lib/audit/verify-audit-chain";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set: point it at the metadata store (see .env.example).");
  process.exit(2);
}
try {
  const report = await verifyAuditChain(getDb(url));
  if (report.intact) {
    console.log(`Audit trail intact: ${report.eventsChecked} events, hash chain verified.`);
  } else {
    const b = report.firstBreak!;
    console.error(`Audit trail BROKEN at event ${b.seq} (id ${b.id}): ${b.message}.`);
    console.error(`${report.eventsChecked} events checked up to that point.`);
    process.exitCode = 1;
  }
} finally {
  await disconnectAll();
}
