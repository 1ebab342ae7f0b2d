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

/** A button of a list row: its visible label and the label naming the row's person (aria-label). */
export interface RowAction {
  label: string;
  aria: string;
  run: () => void | Promise<void>;
}

/** One person in a list: the (masked) name, then a button per action. */
export function listRow(name: string, actions: readonly RowAction[]): HTMLLIElement {
  const li = document.createElement('li');
  const text = document.createElement('span');
  text.textContent = name;
  const buttons = document.createElement('span');
  buttons.className = 'row-actions';
  for (const action of actions) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = action.label;
    button.setAttribute('aria-label', action.aria);
    button.addEventListener('click', () => void action.run());
    buttons.append(button);
  }
  li.append(text, buttons);
  return li;
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
