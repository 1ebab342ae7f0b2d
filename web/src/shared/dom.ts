/** Small DOM helpers shared by the pages. */
export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

/** Shows one view of the page and hides the others. */
export function showView(views: readonly string[], id: string): void {
  for (const view of views) el(view).hidden = view !== id;
}

/** Sets or clears a message element (role=alert elements are read out when filled). */
export function say(target: HTMLElement, text: string | undefined, kind: 'error' | 'info' = 'error'): void {
  target.textContent = text ?? '';
  target.hidden = !text;
  target.classList.toggle('info', kind === 'info');
}

/** localStorage that fails quietly (private mode): the page then forgets on reload. */
export const store = {
  get<T>(key: string): T | undefined {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    } catch {
      return undefined;
    }
  },
  set(key: string, value: unknown): void {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // Nothing to do: the value lives until the page is closed.
    }
  },
  remove(key: string): void {
    try {
      localStorage.removeItem(key);
    } catch {
      // As above.
    }
  },
};
