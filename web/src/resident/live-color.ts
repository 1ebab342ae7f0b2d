/**
 * The colour on screen is the colour now (issue 21, item 2): while a code is shown, the page asks
 * GET /v1/subjects/{id}/color every few seconds with the ETag of the last answer. An unchanged
 * colour is a 304 with no body and signs no code; a changed colour, reasons or declaration is told
 * to `onChange`, which fetches a fresh code. Polling rather than a held-open stream: it works
 * through every proxy and with several gateway instances sharing PostgreSQL, and a failed poll
 * is also how the page learns that the network is gone (and back).
 */
export const POLL_MS = 5_000;

export interface ColorNow {
  color: string;
  reasons: string[];
  declaredAt: string;
}

export interface Watch {
  stop(): void;
}

export function watchColor(
  subjectId: string,
  token: string,
  handlers: {
    /** The colour and reasons of the code on screen now. */
    shown: () => { color: string; reasons: string[] } | undefined;
    onChange: () => void;
    /** True when the gateway answered, false when it could not be reached. */
    onReachable: (reachable: boolean) => void;
    /** The gateway refused the token (401/403/404): nothing more to poll. */
    onRefused: (status: number) => void;
  },
): Watch {
  let etag: string | undefined;
  let declaredAt: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const differs = (now: ColorNow): boolean => {
    const shown = handlers.shown();
    const declarationChanged = declaredAt !== undefined && declaredAt !== now.declaredAt;
    declaredAt = now.declaredAt;
    return declarationChanged || !shown || shown.color !== now.color || shown.reasons.join() !== now.reasons.join();
  };

  const poll = async (): Promise<void> => {
    let response: Response | undefined;
    try {
      response = await fetch(`/v1/subjects/${encodeURIComponent(subjectId)}/color`, {
        headers: { accept: 'application/json', authorization: `Bearer ${token}`, ...(etag ? { 'if-none-match': etag } : {}) },
        cache: 'no-store',
        signal: AbortSignal.timeout(POLL_MS),
      });
    } catch {
      response = undefined;
    }
    if (stopped) return;
    if (!response) {
      handlers.onReachable(false);
    } else if (response.status === 304) {
      handlers.onReachable(true);
    } else if (response.ok) {
      handlers.onReachable(true);
      const now = (await response.json().catch(() => undefined)) as ColorNow | undefined;
      etag = response.headers.get('etag') ?? undefined;
      if (now && differs(now)) handlers.onChange();
    } else if ([401, 403, 404].includes(response.status)) {
      handlers.onReachable(true);
      return handlers.onRefused(response.status);
    } else {
      // A 5xx or 429: the gateway is there but busy; try again at the next beat.
      handlers.onReachable(true);
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  };

  timer = setTimeout(() => void poll(), POLL_MS);
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
