/**
 * The panel builds its DOM from data that came out of the user's program (script names, file
 * paths, exception text). Everything goes through these helpers: text is set with textContent
 * and attributes with setAttribute, so nothing from a trace is ever parsed as HTML.
 */

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string | null,
  text?: string | number | null,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function add<T extends Node>(parent: Node, child: T): T {
  parent.appendChild(child);
  return child;
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** A native button styled as a link: focusable and activated by Enter and Space for free. */
export function linkButton(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'ps-link', text);
  b.type = 'button';
  b.setAttribute('title', title);
  b.addEventListener('click', onClick);
  return b;
}
