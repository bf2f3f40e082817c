"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { BackupSizeDatum, RowCountDatum } from "../../lib/ui/chart-data";
import { formatBytes, formatCount, formatDateTime } from "../../lib/ui/format";

const AXIS = { fontSize: 11, fill: "#475569" };

/** Source vs target rows per table (presentational: data shaped by lib/ui/chart-data). */
export function RowCountChart({ data }: { data: RowCountDatum[] }) {
  const height = Math.max(220, data.length * 34 + 60);
  return (
    <figure>
      <div style={{ height }} role="img" aria-label={`Row counts per table, source vs target: ${data.map((d) => `${d.label} ${formatCount(d.source)} vs ${formatCount(d.target)}`).join("; ")}`}>
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height }}>
          <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }} barGap={1}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e2e8f0" />
            <XAxis type="number" tick={AXIS} tickFormatter={(v: number) => formatCount(v)} allowDecimals={false} />
            <YAxis type="category" dataKey="label" tick={AXIS} width={110} interval={0} />
            <Tooltip formatter={(v) => formatCount(typeof v === "number" ? v : Number(v))} labelFormatter={(_l, p) => String(p?.[0]?.payload?.table ?? _l)} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="source" name="Source (Supabase)" fill="#0369a1" isAnimationActive={false} />
            <Bar dataKey="target" name="Target (NestJS)" fill="#10b981" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** Backup bytes per checkpoint, stacked by component, oldest on the left. */
export function BackupSizeChart({ data }: { data: BackupSizeDatum[] }) {
  return (
    <figure>
      <div style={{ height: 260 }} role="img" aria-label={`Backup size per checkpoint: ${data.map((d) => `${d.name} ${formatBytes(d.total)}`).join("; ")}`}>
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height: 260 }}>
          <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="name" tick={false} height={8} />
            <YAxis tick={AXIS} tickFormatter={(v: number) => formatBytes(v)} width={64} />
            <Tooltip
              formatter={(v) => formatBytes(typeof v === "number" ? v : Number(v))}
              labelFormatter={(_l, p) => {
                const d = p?.[0]?.payload as BackupSizeDatum | undefined;
                return d ? `${d.name} · ${formatDateTime(d.createdAt)} · ${formatBytes(d.newBytes)} new` : String(_l);
              }}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="database" name="Database" stackId="s" fill="#0369a1" isAnimationActive={false} />
            <Bar dataKey="storage" name="Files" stackId="s" fill="#10b981" isAnimationActive={false} />
            <Bar dataKey="config" name="Config" stackId="s" fill="#f59e0b" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="mt-1 text-xs text-slate-500">Oldest on the left; hover a bar for the checkpoint, its date and the bytes it wrote anew.</figcaption>
    </figure>
  );
}
