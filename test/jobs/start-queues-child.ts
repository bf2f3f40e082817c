// Test helper run as a separate process: starts the job queue on a metadata database as a worker or
// the web process does at start (pg-boss, every queue created), then stops.
import { getBoss, stopBoss } from "../../lib/jobs/queue";

const url = process.env.MC_METADATA_URL!;
await getBoss(url);
await stopBoss(url);
process.exit(0);
