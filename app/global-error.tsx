"use client";

/** Last-resort error page (the root layout itself failed): plain markup, no details, no stack. */
export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", margin: "3rem auto", maxWidth: "32rem", padding: "0 1rem", color: "#0f172a" }}>
        <title>Error · Migration Checkpoints</title>
        <h1 style={{ fontSize: "1.25rem" }}>Migration Checkpoints is unavailable</h1>
        <p style={{ color: "#475569" }}>The dashboard failed to load. Nothing was changed.</p>
        <button type="button" onClick={() => retry()} style={{ padding: "0.4rem 0.8rem" }}>
          Try again
        </button>
      </body>
    </html>
  );
}
