/**
 * A handheld scanner is a keyboard: it types the code's characters quickly and then Enter. While
 * an answer is on screen the focus is on 下一位, so that Enter would press it and the code would be
 * lost. Here the keys typed on the answer screen are collected; an Enter after a code's worth of
 * characters starts the next person with that code instead. A plain Enter (nothing typed) still
 * presses 下一位.
 */
const MIN_CODE_LENGTH = 16;

export function watchAnswerScreen(view: HTMLElement, startNext: (code: string) => void): void {
  let typed = '';
  document.addEventListener(
    'keydown',
    (event) => {
      if (view.hidden) {
        typed = '';
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'Enter') {
        const code = typed.trim();
        typed = '';
        if (code.length < MIN_CODE_LENGTH) return;
        event.preventDefault();
        startNext(code);
        return;
      }
      if (event.key.length === 1) typed += event.key;
    },
    true,
  );
}
