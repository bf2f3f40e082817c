"use client";

import type { ComponentProps, FormEvent } from "react";

/**
 * A GET form that leaves empty fields (and those at their `data-default` value) out of the URL, so
 * that a filtered address stays short and readable. Without JavaScript it submits normally.
 */
export function CleanGetForm(props: Omit<ComponentProps<"form">, "method" | "onSubmit">) {
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    const controls = Array.from(event.currentTarget.elements) as (HTMLInputElement | HTMLSelectElement)[];
    const skipped = controls.filter((c) => c.name && (c.value === "" || c.value === c.dataset.default));
    skipped.forEach((c) => (c.disabled = true));
    // Re-enable after the browser has read the form, so Back shows the controls usable.
    setTimeout(() => skipped.forEach((c) => (c.disabled = false)), 0);
  }
  return <form {...props} method="get" onSubmit={onSubmit} />;
}
