import { add, el } from './dom';

/** The timeline's key: what each colour and mark on a bar means. */
export function legend(): HTMLElement {
  const l = el('div', 'ps-legend');
  l.setAttribute('aria-label', 'Legend');
  for (const [cls, text] of [
    ['ps-key-unpickle', 'unpickle task'],
    ['ps-key-compute', 'compute (colour per call site)'],
    ['ps-key-result', 'pickle + send result'],
    ['ps-key-error', 'raised'],
    ['ps-key-running', 'running'],
    ['ps-key-idle', 'idle'],
  ]) {
    const item = add(l, el('span', 'ps-legend-item'));
    add(item, el('i', `ps-swatch ${cls}`));
    add(item, document.createTextNode(text));
  }
  return l;
}
