"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/ui/api-client";
import type { Phase } from "../../lib/domain/phases";
import { useCreateCheckpoint } from "../hooks/use-checkpoint-mutations";
import { BUTTON_PRIMARY, BUTTON_SECONDARY, FIELD, Modal } from "../ui/modal";

export interface PhaseChoice {
  phase: Phase;
  label: string;
  /** Why a checkpoint of this phase cannot be created now; null when the gate is open. */
  gateReason: string | null;
}

/**
 * "Create checkpoint": name, phase (the next allowed one preselected) and description. A phase
 * whose gate is closed can be chosen, but the dialog says why it is locked and does not submit.
 */
export function CreateCheckpointButton({ phases, defaultPhase }: { phases: PhaseChoice[]; defaultPhase: Phase }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={BUTTON_PRIMARY} onClick={() => setOpen(true)}>
        <span aria-hidden>+</span> Create checkpoint
      </button>
      <Modal
        open={open}
        onClose={() => setOpen(false)}
        title="Create checkpoint"
        description="Backs up the target's database, files and config and records source vs target figures. It runs as a job; progress appears on the overview."
      >
        <CreateCheckpointForm phases={phases} defaultPhase={defaultPhase} onDone={() => setOpen(false)} />
      </Modal>
    </>
  );
}

function CreateCheckpointForm({ phases, defaultPhase, onDone }: { phases: PhaseChoice[]; defaultPhase: Phase; onDone: () => void }) {
  const router = useRouter();
  const create = useCreateCheckpoint();
  const [phase, setPhase] = useState<Phase>(defaultPhase);
  const [name, setName] = useState(() => suggestName(defaultPhase));
  const [description, setDescription] = useState("");
  const chosen = phases.find((p) => p.phase === phase);
  const gateReason = chosen?.gateReason ?? null;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (gateReason) return;
    try {
      await create.mutateAsync({ name: name.trim(), phase, ...(description.trim() ? { description: description.trim() } : {}) });
      onDone();
      router.refresh();
    } catch {
      // Shown below from create.error.
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div>
        <label htmlFor="cp-name" className="block text-sm font-medium text-slate-700">
          Name
        </label>
        <input
          id="cp-name"
          name="name"
          required
          maxLength={120}
          autoComplete="off"
          value={name}
          onChange={(e) => setName(e.target.value)}
          className={FIELD}
          aria-describedby="cp-name-hint"
        />
        <p id="cp-name-hint" className="mt-1 text-xs text-slate-500">
          Unique. Letters, digits, spaces and . _ : - only.
        </p>
      </div>
      <div>
        <label htmlFor="cp-phase" className="block text-sm font-medium text-slate-700">
          Phase
        </label>
        <select
          id="cp-phase"
          name="phase"
          value={phase}
          onChange={(e) => setPhase(e.target.value as Phase)}
          className={FIELD}
          aria-describedby={gateReason ? "cp-gate" : undefined}
        >
          {phases.map((p) => (
            <option key={p.phase} value={p.phase}>
              {p.label}
              {p.gateReason ? " (locked)" : ""}
            </option>
          ))}
        </select>
        {gateReason ? (
          <p id="cp-gate" role="status" className="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900 ring-1 ring-amber-200">
            <span className="font-medium">Gate closed:</span> {gateReason}
          </p>
        ) : null}
      </div>
      <div>
        <label htmlFor="cp-description" className="block text-sm font-medium text-slate-700">
          Description <span className="font-normal text-slate-500">(optional)</span>
        </label>
        <textarea
          id="cp-description"
          name="description"
          rows={3}
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          className={FIELD}
        />
      </div>
      {create.isError ? (
        <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-900 ring-1 ring-red-200">
          {errorMessage(create.error)}
        </p>
      ) : null}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <button type="button" className={BUTTON_SECONDARY} onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className={BUTTON_PRIMARY} disabled={create.isPending || gateReason !== null || name.trim() === ""}>
          {create.isPending ? "Starting…" : "Create checkpoint"}
        </button>
      </div>
    </form>
  );
}

/** "data_migrated-2025-03-04-1305": unique enough to accept as is, easy to recognise later. */
function suggestName(phase: Phase): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${phase}-${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}
