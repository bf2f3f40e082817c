// `npm run keys:rotate`: re-wraps the blob store's keys (database and storage backups) and re-encrypts
// every config backup and sealed integrity diff under BACKUP_ENCRYPTION_KEY. Put the previous key(s)
// in BACKUP_ENCRYPTION_OLD_KEYS while it runs; once it reports success they can be removed. Safe to
// re-run (an interrupted run is finished by the next).
import "./load-env";
import { createAppContext } from "../lib/context";
import { rotateEncryptionKey } from "../lib/checkpoints/rotate-encryption-key";
import { disconnectAll } from "../lib/db/client";
import { errorMessage } from "../lib/domain/error-message";

try {
  const report = await rotateEncryptionKey(createAppContext(), { name: process.env.USER ?? "cli", role: "admin", origin: "cli" });
  console.log(
    `Now encrypted under key ${report.keyId}: database and storage blob keys ${report.blobStoreKeysRewrapped ? "re-wrapped" : "already current"}, ` +
      `${report.configBackupsRotated} config backup(s) re-encrypted, ${report.configBackupsCurrent} already current, ` +
      `${report.diffsRotated} integrity diff(s) re-encrypted.`,
  );
  console.log("The old key(s) are no longer needed for these backups.");
} catch (e) {
  console.error(`Key rotation failed: ${errorMessage(e)}`);
  process.exitCode = 1;
} finally {
  await disconnectAll();
}
