/**
 * The query parameters the replay action (routes/app.events.$id.replay.tsx) adds to the page it returns to, and
 * the toast they stand for. Client-safe: the activity log page calls `replayToast(location.search)` and shows it
 * with `shopify.toast.show(message, { isError })`.
 */
export const REPLAY_PARAM = "replayed";
export const REPLAY_WAITING_PARAM = "replayWaiting";

export function replayToast(search: string): { message: string; isError: boolean } | null {
  const params = new URLSearchParams(search);
  const id = params.get(REPLAY_PARAM);
  if (!id) return null;
  if (params.get(REPLAY_WAITING_PARAM)) {
    return { message: "Replay queued; it is sent once the platform connection is complete", isError: false };
  }
  return { message: "Event queued for redelivery", isError: false };
}

/** An /app path on this app, judged after URL resolution: `/app/..//evil.com` normalises to `//evil.com`. */
export function safeReturnTo(value: FormDataEntryValue | null): string {
  const fallback = "/app/activity";
  if (typeof value !== "string") return fallback;
  const base = "http://app.invalid";
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return fallback;
  }
  if (resolved.origin !== base || !/^\/app(\/|$)/.test(resolved.pathname) || resolved.pathname.startsWith("//")) {
    return fallback;
  }
  return `${resolved.pathname}${resolved.search}`;
}
