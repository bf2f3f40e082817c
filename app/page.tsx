import Link from "next/link";
import { getOverview } from "../lib/checkpoints/get-overview";
import { getAppContext } from "../lib/context";
import { buildPhaseTimeline, phaseToCreate } from "../lib/ui/phase-timeline";
import { PhaseTimeline } from "../components/dashboard/phase-timeline";
import { NextStepPanel } from "../components/dashboard/next-step-panel";
import { LiveJobs } from "../components/jobs/live-jobs";
import { CreateCheckpointButton } from "../components/checkpoints/create-checkpoint-dialog";
import { BackupSizeChart, RowCountChart } from "../components/dashboard/charts";
import { backupSizeChartData, rowCountChartData } from "../lib/ui/chart-data";
import { AuditEventTable } from "../components/audit/audit-event-table";
import { Card, EmptyState, PageTitle } from "../components/ui/card";
import { AutoRefresh } from "../components/ui/auto-refresh";
import { AlertsBanner } from "../components/alerts/alerts-banner";
import { requireRole } from "../lib/auth/session";
import { SchemaDriftPanel } from "../components/checkpoints/schema-drift";

// Checkpoints, jobs and audit events change all the time: always render from the store.
export const dynamic = "force-dynamic";

export default async function OverviewPage() {
  // Every page checks the session itself (a proxy is not an auth boundary).
  await requireRole("viewer", { callbackUrl: "/" });
  const overview = await getOverview(getAppContext());
  const timeline = buildPhaseTimeline(overview);
  const now = new Date(overview.generatedAt);
  const phaseChoices = timeline.phases.map((p) => ({ phase: p.phase, label: p.label, gateReason: p.gateReason }));
  const defaultPhase = phaseToCreate(timeline.next);
  const rowData = overview.latestTables ? rowCountChartData(overview.latestTables.tables) : [];
  const sizeData = backupSizeChartData(overview.sizes);

  return (
    <>
      <AutoRefresh active={overview.jobs.length > 0} />
      <PageTitle
        title="Overview"
        subtitle={`${overview.totalCheckpoints} checkpoint${overview.totalCheckpoints === 1 ? "" : "s"} across 7 phases`}
      >
        <CreateCheckpointButton phases={phaseChoices} defaultPhase={defaultPhase} />
      </PageTitle>

      <AlertsBanner />
      <div className="space-y-6">
        <NextStepPanel next={timeline.next} closedGate={timeline.closedGate} hasCheckpoints={timeline.hasCheckpoints} />

        <section aria-labelledby="phases-title">
          <h2 id="phases-title" className="sr-only">
            Phases
          </h2>
          <PhaseTimeline phases={timeline.phases} now={now} />
        </section>

        <Card id="schema-drift" title="Schema drift — what changed since the last validated checkpoint">
          <SchemaDriftPanel drift={overview.schemaDrift} now={now} />
        </Card>

        <div className="grid items-start gap-6 lg:grid-cols-2">
          <Card
            id="rows-chart"
            title="Rows per table — source vs target"
          >
            {rowData.length && overview.latestTables ? (
              <>
                <RowCountChart data={rowData} />
                <p className="mt-1 text-xs text-slate-500">
                  As recorded by the latest checkpoint,{" "}
                  <Link href={`/checkpoints/${overview.latestTables.checkpointId}#tables`} className="font-medium text-sky-700 [overflow-wrap:anywhere] hover:underline">
                    {overview.latestTables.checkpointName}
                  </Link>
                  .
                </p>
              </>
            ) : (
              <EmptyState title="No table figures yet">Each checkpoint records row counts of source and target; they are charted here.</EmptyState>
            )}
          </Card>
          <Card id="sizes-chart" title="Backup size over checkpoints">
            {sizeData.length ? (
              <BackupSizeChart data={sizeData} />
            ) : (
              <EmptyState title="No complete backups yet">The size of each checkpoint’s database, files and config backups is charted here.</EmptyState>
            )}
          </Card>
          <Card id="jobs" title={`Running jobs${overview.jobs.length ? ` (${overview.jobs.length})` : ""}`}>
            {overview.jobs.length ? (
              <LiveJobs jobs={overview.jobs} now={overview.generatedAt} />
            ) : (
              <EmptyState title="No jobs running">Backups, validations and rollbacks show their progress here.</EmptyState>
            )}
          </Card>
          <Card
            id="audit"
            title="Recent audit events"
            action={
              <Link href="/audit" className="font-medium text-sky-700 hover:underline">
                Full audit trail
              </Link>
            }
          >
            {overview.recentAudit.length ? (
              <AuditEventTable events={overview.recentAudit} now={now} />
            ) : (
              <EmptyState title="No audit events yet">Every action on a checkpoint will be recorded here.</EmptyState>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
