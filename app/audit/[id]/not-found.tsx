import Link from "next/link";

export default function AuditEventNotFound() {
  return (
    <div className="mx-auto max-w-xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <p className="text-sm font-semibold text-sky-700">404</p>
      <h1 className="mt-1 text-lg font-semibold text-slate-900">Audit event not found</h1>
      <p className="mt-2 text-sm text-slate-600">No audit event has this ID. Audit events are never deleted, so the link is probably mistyped or from another installation.</p>
      <Link href="/audit" className="mt-4 inline-block text-sm font-medium text-sky-700 hover:underline">Audit trail</Link>
    </div>
  );
}
