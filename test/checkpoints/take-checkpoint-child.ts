// Test helper run as a separate process: takes a checkpoint with the environment it is given and
// writes a marker file when each backup step starts, so a test can kill it at a chosen point.
import { appendFileSync } from "node:fs";
import { createAppContext } from "../../lib/context";
import { createCheckpoint } from "../../lib/checkpoints/create-checkpoint";

const marker = process.env.MC_STEP_MARKER_FILE!;
const ctx = createAppContext();
await createCheckpoint(ctx, { name: process.env.MC_CHECKPOINT_NAME!, phase: "initial" }, { name: "child", origin: "test" }, (p) => {
  if (p.step) appendFileSync(marker, `${p.step}\n`);
});
process.exit(0);
