import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Providers } from "../components/layout/providers";
import { SiteHeader } from "../components/layout/site-header";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Migration Checkpoints", template: "%s · Migration Checkpoints" },
  description: "Checkpoints, validation and rollback for the Supabase → NestJS migration.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <Providers>
          <SiteHeader />
          <main className="mx-auto max-w-7xl px-4 py-6 sm:px-6 sm:py-8">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
