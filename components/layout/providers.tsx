"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { z } from "zod";

// zod compiles object parsers with `new Function` once it has probed that eval works. The dashboard's
// Content-Security-Policy forbids eval, and the browser reports the probe as a violation even though
// zod catches it: in the browser zod runs without the compiler. This module is part of every page
// (the root layout), evaluated before any component parses.
z.config({ jitless: true });

/** Client-side providers. One QueryClient per browser tab, created once (not per render). */
export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 5_000, refetchOnWindowFocus: true, retry: 1 },
        },
      }),
  );
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
