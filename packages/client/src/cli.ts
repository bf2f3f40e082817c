// The `migration-checkpoints` command: the typed client for scripts, pipelines and terminals.
// The API token comes from MIGRATION_CHECKPOINTS_TOKEN only (an argument would show in `ps`);
// the server from --url or MIGRATION_CHECKPOINTS_URL. Exit codes: see EXIT below and the README.
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import cliProgress from "cli-progress";
import { createMigrationClient, type MigrationCheckpointsClient, type ValidationOutcome, type WaitOptions } from "./client.js";
import { MigrationApiError, MigrationConnectionError, MigrationJobError, MigrationTimeoutError } from "./errors.js";
import { CheckpointStatus, MIGRATION_PHASES, isMigrationPhase, type MigrationPhase } from "./phases.js";
import type { BackupComponent, CheckpointSummary, JobProgress } from "./types.js";

/** What a pipeline can gate on. */
export const EXIT = {
  /** Passed: the checkpoint was taken, the validation passed, the gate is open, the rollback finished. */
  passed: 0,
  /** Failed: validation found a difference, a backup or rollback failed, verification found damage, a refusal. */
  failed: 1,
  /** Usage error: unknown command or option, bad argument, no token, confirmation missing or refused. */
  usage: 2,
  /** Gate closed: the next phase may not start. */
  gateClosed: 3,
  /** Inconclusive or could not run: no verdict (server unreachable, not allowed, job interrupted, source written during the comparison). */
  inconclusive: 4,
} as const;

export const TOKEN_ENV = "MIGRATION_CHECKPOINTS_TOKEN";
export const URL_ENV = "MIGRATION_CHECKPOINTS_URL";

const COMPONENTS: readonly BackupComponent[] = ["database", "storage", "config"];

class UsageError extends Error {}

interface GlobalOptions {
  url?: string;
  json?: boolean;
}

const out = (line = "") => process.stdout.write(`${line}\n`);
const err = (line = "") => process.stderr.write(`${line}\n`);

function parsePhase(value: string): MigrationPhase {
  if (!isMigrationPhase(value)) throw new InvalidArgumentError(`Unknown phase "${value}". Phases: ${MIGRATION_PHASES.join(", ")}.`);
  return value;
}

function parseComponents(value: string): BackupComponent[] {
  const list = value.split(",").map((c) => c.trim()).filter(Boolean);
  const unknown = list.filter((c) => !(COMPONENTS as readonly string[]).includes(c));
  if (list.length === 0 || unknown.length) throw new InvalidArgumentError(`Components are ${COMPONENTS.join(", ")} (comma-separated); got "${value}".`);
  return list as BackupComponent[];
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number.`);
  return n;
}

function clientFor(global: GlobalOptions): MigrationCheckpointsClient {
  const token = process.env[TOKEN_ENV];
  const baseUrl = global.url ?? process.env[URL_ENV];
  if (!token) throw new UsageError(`Set ${TOKEN_ENV} to an API token (npm run token:create on the server).`);
  if (!baseUrl) throw new UsageError(`Give the server with --url or ${URL_ENV}.`);
  return createMigrationClient({ baseUrl, token });
}

/** A progress bar on a terminal, plain lines otherwise; both on stderr so --json output stays clean. */
function progressReporter(label: string): { options: WaitOptions; done(): void } {
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("Stopped waiting (interrupted); the job goes on on the server."));
  process.once("SIGINT", onSignal);
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = "";
  const describe = (p: JobProgress) => `${p.step ?? p.message ?? "waiting"}${p.stepsTotal ? ` [${p.stepsDone ?? 0}/${p.stepsTotal}]` : ""}`;
  const onProgress = (p: JobProgress) => {
    if (process.stderr.isTTY) {
      bar ??= new cliProgress.SingleBar(
        { format: `${label} [{bar}] {percentage}% {step}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      const value = Math.round((p.fraction ?? 0) * 100);
      if (!bar.isActive) bar.start(100, value, { step: describe(p) });
      else bar.update(value, { step: describe(p) });
    } else {
      const line = `${label}: ${describe(p)}${p.fraction != null ? ` ${Math.round(p.fraction * 100)}%` : ""}`;
      if (line !== lastLine) err(line);
      lastLine = line;
    }
  };
  return {
    options: { onProgress, signal: abort.signal },
    done() {
      process.off("SIGINT", onSignal);
      bar?.stop();
    },
  };
}

async function withProgress<T>(label: string, run: (options: WaitOptions) => Promise<T>): Promise<T> {
  const progress = progressReporter(label);
  try {
    return await run(progress.options);
  } finally {
    progress.done();
  }
}

function printJson(value: unknown) {
  out(JSON.stringify(value, null, 2));
}

const MARK: Record<string, string> = { passed: "✓", warning: "!", skipped: "-", failed: "✗", inconclusive: "?" };

function printValidation(outcome: ValidationOutcome) {
  const { run, checkpoint } = outcome;
  out(`Validation of "${checkpoint.name}" (${checkpoint.phase}): ${outcome.verdict}`);
  for (const r of run.results) {
    out(`  ${MARK[r.status] ?? "?"} ${r.validator}: ${r.status}${r.critical ? " (critical)" : ""}`);
    const notable = r.checks.filter((c) => c.status === "failed" || c.status === "warning" || c.status === "inconclusive");
    for (const c of notable.slice(0, 5)) out(`      ${c.status}: ${c.message}`);
    if (notable.length > 5) out(`      … and ${notable.length - 5} more`);
  }
  if (outcome.reason) out(`  ${outcome.reason}`);
}

function verdictExit(outcome: ValidationOutcome): number {
  return outcome.passed ? EXIT.passed : outcome.verdict === "failed" ? EXIT.failed : EXIT.inconclusive;
}

function validationJson(outcome: ValidationOutcome) {
  const { checkpoint, run } = outcome;
  return {
    passed: outcome.passed,
    verdict: outcome.verdict,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    checkpoint: { id: checkpoint.id, name: checkpoint.name, phase: checkpoint.phase, status: checkpoint.status },
    run,
  };
}

function checkpointLine(c: CheckpointSummary): string {
  const bytes = c.backups.reduce((sum, b) => sum + Number(b.sizeBytes), 0);
  return `${c.id}  ${c.phase.padEnd(19)} ${c.status.padEnd(10)} ${c.createdAt}  ${c.name}${c.isSafety ? " (safety)" : ""}  ${formatBytes(bytes)}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Asks for the checkpoint's name on the terminal; returns what was typed. */
async function askForName(name: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(`Type the checkpoint's name ("${name}") to roll back: `);
  } finally {
    rl.close();
  }
}

export function buildProgram(state: { exit: number } = { exit: EXIT.passed }): Command {
  // Each action returns its exit code.
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      state.exit = await fn(...args);
    };
  const program = new Command("migration-checkpoints")
    .description(`Checkpoints, validation gates and rollbacks of a migration, through its REST API.\nThe API token is read from ${TOKEN_ENV}; the server from --url or ${URL_ENV}.`)
    .addOption(new Option("--url <url>", "the server, e.g. https://checkpoints.internal").env(URL_ENV))
    .option("--json", "print the result as JSON on stdout (progress and messages go to stderr)")
    .showHelpAfterError()
    .addHelpText(
      "after",
      `\nExit codes:\n  ${EXIT.passed}  passed (gate open, validation passed, done)\n  ${EXIT.failed}  failed (validation found differences, backup/rollback/verification failed, refused)\n  ${EXIT.usage}  usage error\n  ${EXIT.gateClosed}  gate closed\n  ${EXIT.inconclusive}  inconclusive or could not run`,
    );
  const global = () => program.opts<GlobalOptions>();

  const checkpoint = program.command("checkpoint").description("take and copy checkpoints");
  checkpoint
    .command("create <name>")
    .description("take a checkpoint (database, storage, config + metadata) and wait for its backup")
    .requiredOption("--phase <phase>", `the phase it records: ${MIGRATION_PHASES.join(", ")}`, parsePhase)
    .option("--description <text>", "what the checkpoint records")
    .action(act(async (name: string, opts: { phase: MigrationPhase; description?: string }) => {
      const client = clientFor(global());
      const detail = await withProgress("backup", (o) => client.createCheckpoint(name, opts.phase, opts.description, o));
      if (global().json) printJson(detail);
      else {
        const bytes = detail.backups.reduce((sum, b) => sum + Number(b.sizeBytes), 0);
        const fresh = detail.backups.reduce((sum, b) => sum + Number(b.newBytes), 0);
        out(`✓ checkpoint "${detail.name}" (${detail.id}) of ${detail.phase}: ${formatBytes(bytes)} backed up, ${formatBytes(fresh)} new`);
      }
      return EXIT.passed;
    }));

  checkpoint
    .command("copy <checkpointId>")
    .description("copy a checkpoint's backup to the server's copy store (BACKUP_COPY_STORE_URL), or back from it with --back, and wait until every blob is verified on arrival")
    .option("--back", "copy it back from the copy store into the backup store (one that lost the checkpoint's backup)")
    .action(act(async (checkpointId: string, opts: { back?: boolean }) => {
      const client = clientFor(global());
      const copy = await withProgress("copy", (o) => client.copyCheckpoint(checkpointId, opts.back ? "from_copy_store" : "to_copy_store", o));
      if (global().json) printJson(copy);
      else {
        const where = copy.direction === "to_copy_store" ? `to ${copy.store}` : `back from ${copy.store}`;
        out(`✓ checkpoint ${checkpointId} copied ${where}: ${copy.objects} blobs verified there (${copy.objectsSent} sent, ${formatBytes(copy.bytes)})`);
      }
      return EXIT.passed;
    }));

  program
    .command("validate")
    .description("validate the latest complete checkpoint of a phase, or one checkpoint, and wait for the verdict")
    .addOption(new Option("--phase <phase>", "validate the latest complete checkpoint of this phase").argParser(parsePhase).conflicts("checkpoint"))
    .option("--checkpoint <id>", "validate this checkpoint")
    .action(act(async (opts: { phase?: MigrationPhase; checkpoint?: string }) => {
      if (!opts.phase && !opts.checkpoint) throw new UsageError("Give --phase or --checkpoint.");
      const client = clientFor(global());
      const outcome = await withProgress("validation", (o) => (opts.checkpoint ? client.validateCheckpoint(opts.checkpoint, o) : client.validatePhase(opts.phase!, o)));
      if (global().json) printJson(validationJson(outcome));
      else printValidation(outcome);
      return verdictExit(outcome);
    }));

  program
    .command("gate")
    .description("exit 0 when the phase after --phase may start: --phase has a validated or active checkpoint")
    .requiredOption("--phase <phase>", "the phase the migration has just completed", parsePhase)
    .option("--validate", "validate the phase's latest checkpoint first; open only when that validation passes")
    .action(act(async (opts: { phase: MigrationPhase; validate?: boolean }) => {
      const client = clientFor(global());
      if (opts.validate) {
        let outcome: ValidationOutcome;
        try {
          outcome = await withProgress("validation", (o) => client.validatePhase(opts.phase, o));
        } catch (e) {
          // Nothing of the phase can be validated (no complete checkpoint, or only a failed one): the gate stays closed.
          if (!(e instanceof MigrationApiError && (e.code === "unprocessable" || e.code === "not_found"))) throw e;
          const gate = await client.getGate(opts.phase);
          const reason = `${e.message} ${gate.reason}`;
          if (global().json) printJson({ ...gate, open: false, reason });
          else out(`⛔ gate closed: ${reason}`);
          return EXIT.gateClosed;
        }
        const gate = await client.getGate(opts.phase);
        const open = outcome.passed && gate.open;
        const reason = outcome.passed ? gate.reason : (outcome.reason ?? `The validation ended ${outcome.verdict}.`);
        if (global().json) printJson({ ...gate, open, reason, validation: validationJson(outcome) });
        else {
          printValidation(outcome);
          out(open ? `✓ gate open: ${reason}` : `⛔ gate closed: ${reason}`);
        }
        return open ? EXIT.passed : outcome.verdict === "failed" || outcome.passed ? EXIT.gateClosed : EXIT.inconclusive;
      }
      const gate = await client.getGate(opts.phase);
      if (global().json) printJson(gate);
      else out(gate.open ? `✓ gate open: ${gate.reason}` : `⛔ gate closed: ${gate.reason}`);
      return gate.open ? EXIT.passed : EXIT.gateClosed;
    }));

  program
    .command("verify <checkpointId>")
    .description("re-read every backup file of a checkpoint against its manifest")
    .action(act(async (checkpointId: string) => {
      const client = clientFor(global());
      const report = await withProgress("verification", (o) => client.verifyCheckpoint(checkpointId, o));
      if (global().json) printJson(report);
      else {
        out(report.ok ? `✓ backup of ${checkpointId} verified: every file matches its manifest` : `✗ backup of ${checkpointId} has problems`);
        for (const c of report.components) {
          out(`  ${c.ok ? "✓" : "✗"} ${c.component}${c.problems.length ? `: ${c.problems.length} problem(s)` : ""}`);
          for (const p of c.problems.slice(0, 10)) out(`      ${p.kind}: ${p.path}`);
        }
      }
      return report.ok ? EXIT.passed : EXIT.failed;
    }));

  program
    .command("rollback <checkpointId>")
    .description("roll the target back to a checkpoint (shows what changes, asks for the checkpoint's name unless --yes)")
    .option("--components <list>", `some of ${COMPONENTS.join(",")} (default: all)`, parseComponents)
    .option("--yes", "do not ask (for scripts); without it the checkpoint's name must be typed on a terminal")
    .action(act(async (checkpointId: string, opts: { components?: BackupComponent[]; yes?: boolean }) => {
      const client = clientFor(global());
      const preview = await client.previewRollback(checkpointId, opts.components);
      const say = global().json ? err : out;
      say(`Rollback to "${preview.checkpoint.name}" (${preview.checkpoint.phase}); the target is at ${preview.currentPhase}:`);
      for (const line of preview.summary) say(`  ${line.component}: ${line.text}`);
      let confirmName: string | undefined;
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new UsageError("Not a terminal: give --yes to roll back without typing the checkpoint's name.");
        confirmName = await askForName(preview.checkpoint.name);
        if (confirmName !== preview.checkpoint.name) throw new UsageError("The name did not match; nothing was rolled back.");
      }
      // The typed name goes to the server too, which checks it against the checkpoint once more.
      const result = await withProgress("rollback", (o) => client.rollbackToCheckpoint(checkpointId, opts.components, { ...o, confirmName }));
      if (global().json) printJson({ success: result.success, errors: result.errors, message: result.message, components: result.components, rollback: result.rollback ?? null, awaitingApproval: result.awaitingApproval ?? null });
      else {
        out(`${result.success ? "✓" : "✗"} ${result.message}`);
        for (const c of result.report?.components ?? []) out(`  ${c.component}: ${c.status} (${c.detail})`);
      }
      // Held back for a second admin: nothing ran, so no verdict yet.
      if (result.awaitingApproval) return EXIT.inconclusive;
      return result.success ? EXIT.passed : EXIT.failed;
    }));

  program
    .command("list")
    .description("list checkpoints, newest first")
    .option("--phase <phase>", "only this phase", parsePhase)
    .addOption(new Option("--status <status>", "only this status").choices(Object.values(CheckpointStatus)))
    .option("--limit <n>", "at most this many", parseCount, 50)
    .action(act(async (opts: { phase?: MigrationPhase; status?: CheckpointStatus; limit: number }) => {
      const client = clientFor(global());
      const items = await client.listCheckpoints(opts.phase, { status: opts.status, limit: opts.limit });
      if (global().json) printJson(items);
      else if (items.length === 0) out("No checkpoints.");
      else for (const c of items) out(checkpointLine(c));
      return EXIT.passed;
    }));

  program
    .command("active <phase>")
    .description("the active checkpoint of a phase (exit 1 when it has none)")
    .action(act(async (phaseArg: string) => {
      const phase = parsePhase(phaseArg);
      const client = clientFor(global());
      const active = await client.getActiveCheckpoint(phase);
      if (global().json) printJson(active);
      else out(active ? checkpointLine(active) : `Phase ${phase} has no active checkpoint.`);
      return active ? EXIT.passed : EXIT.failed;
    }));

  program
    .command("audit")
    .description("the audit trail, newest first")
    .option("--action <action>", "only this action, e.g. rollback.completed")
    .option("--by <actor>", "only this actor")
    .option("--checkpoint <id>", "only events of this checkpoint")
    .option("--from <date>", "from this ISO 8601 date or date-time")
    .option("--to <date>", "up to this ISO 8601 date or date-time")
    .option("--limit <n>", "at most this many", parseCount, 50)
    .option("--offset <n>", "skip this many", parseCount, 0)
    .action(act(async (opts: { action?: string; by?: string; checkpoint?: string; from?: string; to?: string; limit: number; offset: number }) => {
      const client = clientFor(global());
      const page = await client.listAuditEvents({ action: opts.action, actor: opts.by, checkpointId: opts.checkpoint, from: opts.from, to: opts.to, limit: opts.limit, offset: opts.offset });
      if (global().json) printJson(page);
      else {
        for (const e of page.items) out(`${e.at}  ${e.actor.padEnd(24)} ${e.action.padEnd(28)} ${e.result.padEnd(8)} ${e.checkpointId ?? ""}`);
        out(`${page.items.length} of ${page.total} events`);
      }
      return EXIT.passed;
    }));

  return program;
}

/** The exit code an error means, and the line to print. */
export function describeFailure(e: unknown): { exit: number; code: string; message: string } {
  if (e instanceof UsageError) return { exit: EXIT.usage, code: "usage", message: e.message };
  if (e instanceof MigrationApiError) {
    const exit =
      e.code === "gate_closed" ? EXIT.gateClosed
      : e.code === "validation_error" || e.code === "bad_request" ? EXIT.usage
      : e.status === 401 || e.status === 403 || e.status === 429 || e.status >= 500 ? EXIT.inconclusive
      : EXIT.failed;
    return { exit, code: e.code, message: e.message };
  }
  if (e instanceof MigrationJobError) return { exit: e.job.status === "interrupted" ? EXIT.inconclusive : EXIT.failed, code: e.code ?? `job_${e.job.status}`, message: e.message };
  if (e instanceof MigrationConnectionError || e instanceof MigrationTimeoutError) return { exit: EXIT.inconclusive, code: "could_not_run", message: e.message };
  return { exit: EXIT.inconclusive, code: "could_not_run", message: e instanceof Error ? e.message : String(e) };
}

export async function main(argv: string[]): Promise<number> {
  const state = { exit: EXIT.passed as number };
  const program = buildProgram(state);
  for (const command of [program, ...program.commands.flatMap((c) => [c, ...c.commands])]) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return state.exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? EXIT.passed : EXIT.usage;
    }
    const failure = describeFailure(e);
    if (program.opts<GlobalOptions>().json) printJson({ error: { code: failure.code, message: failure.message } });
    err(`error: ${failure.message}`);
    return failure.exit;
  }
}
